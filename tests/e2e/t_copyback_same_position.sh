#!/usr/bin/env bash
# A backup put back by a plain copy is noticed even when no office had an
# edit acknowledged after the backup and the new stream has reached the
# position of an office's checkpoint again: the office's Hello names what
# it pulled at its checkpoint (Changes.mark), the put-back store holds
# another change there, records the restore it noticed, and the offices
# pull again from the start. Office b then neither keeps the province's
# correction the copy lost nor misses office a's figure that took its
# position in the stream.
source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
UNIT=QT.TRIEUPHONG

# figures DB: the unit's figures held in the store DB, one "month|value" a line.
figures () {
    sqlite3 "$1" "SELECT c.month, c.value FROM cells c JOIN units u ON u.id = c.unit_id
                  WHERE u.code = '$UNIT' AND c.value IS NOT NULL ORDER BY 1"
}

server_init
server_start
client_init a "$UNIT"
client_init b "$UNIT"
us a set "$UNIT" 2022-01 members.new 10; sync_ok a
sync_ok b
uss backup "$WORK/backup.db"; assert_rc 0 "backup while serving"
head_backup=$(sqlite3 "$WORK/backup.db" "SELECT MAX(seq) FROM changelog")
# After the backup: a province correction in b's scope, which b pulls.
uss set "$UNIT" 2022-02 members.new 77 --note "sửa của tỉnh"
assert_rc 0 "province correction"
sync_ok b
cp_b=$(sqlite3 "$(cdb b)" "SELECT checkpoint FROM state")
assert_eq 77 "$(sqlite3 "$(cdb b)" "SELECT c.value FROM cells c WHERE c.month = $(month_code 2022-02)")" \
    "b pulled the correction"
server_stop
cp "$WORK/backup.db" "$SRV_DB"; rm -f "$SRV_DB-wal" "$SRV_DB-shm"
server_start
# a, which saw nothing after the backup, edits first: its change takes the
# stream position b's checkpoint already covers.
us a set "$UNIT" 2022-03 members.new 5; sync_ok a
head_now=$(sqlite3 "$SRV_DB" "SELECT MAX(seq) FROM changelog")
log "backup head $head_backup, b's checkpoint $cp_b, head after a's edit $head_now"
[ "$head_now" -ge "$cp_b" ] || die "a's edit did not reach b's checkpoint"
us b sync --timeout-ms 2000 --retries 3
assert_rc 0 "b's sync after the copy-back"
assert_match 'went back in time' "$ERR" "b's sync warns that the province went back"
assert_match 'another change than it pulled there' "$(cat "$SRV_LOG")" \
    "the province noticed the copy put back by the change at b's checkpoint"
sync_ok a
sync_ok b
srv=$(figures "$SRV_DB")
assert_eq "$(printf '%s\n%s' "$(month_code 2022-01)|10" "$(month_code 2022-03)|5")" "$srv" \
    "the province holds a's figures, not the lost correction"
for o in a b; do
    assert_eq "$srv" "$(figures "$(cdb $o)")" "office $o sees what the province holds"
done
uss audit verify
assert_rc 0 "the audit chain verifies, with the restore it noticed"
# Later syncs are quiet: the mark now matches.
us b sync --timeout-ms 2000 --retries 3
assert_rc 0 "a later sync of b"
assert_eq "" "$(printf '%s' "$ERR" | grep 'went back')" "a later sync does not warn"
server_stop
e2e_finish
