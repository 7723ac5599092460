#!/usr/bin/env bash
# t_province_restored: a province restored from a backup loses nothing an
# office still has.
#  1. Two offices of one unit sync edits; the province takes a backup while
#     serving; both offices sync more edits (some over their own earlier
#     figures) and get them acknowledged.
#  2. The server stops, the backup is put back (MODE=restore: `restore`;
#     MODE=copy: a plain file copy over the store, see
#     t_province_copied_back.sh), the server starts again.
#  3. Each office syncs twice: every sync exits 0; the first warns once
#     that the province went back in time, the second does not.
#  4. Once the first office syncs again (it had let go of the second's
#     figures while the province lacked them), the server's cells equal
#     each office's view, and their sum equals
#     the sum of every acknowledged figure; no (replica, epoch, seq) is
#     received twice; no conflict was recorded for a re-sent edit.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
MODE=${MODE:-restore}
UNIT=QT.DONGHA

declare -A FIG        # "month indicator" -> last acknowledged figure
edit () {             # edit OFFICE MONTH INDICATOR VALUE
    us "$1" set "$UNIT" "$2" "$3" "$4"
    assert_rc 0 "set $2 $3 = $4 by $1"
    FIG["$(month_code "$2") $3"]=$4
}
acked_sum () { local s=0 k; for k in "${!FIG[@]}"; do s=$((s + FIG[$k])); done; echo "$s"; }
# unit_cells DB: the unit's cells as "month indicator value", sorted.
unit_cells () {
    sqlite3 -separator ' ' "$1" \
        "SELECT c.month, i.code, COALESCE(c.value, '-') FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         WHERE u.code = '$UNIT' AND c.value IS NOT NULL ORDER BY c.month, i.code"
}
sync_twice () {       # sync_twice OFFICE: warns on the first sync only
    us "$1" sync --timeout-ms 2000 --retries 3
    assert_rc 0 "first sync of $1 after the province went back"
    assert_eq 1 "$(grep -c "went back in time (restored from a backup)" "$WORK/.err")" \
        "$1 warns once on its first sync"
    assert_match 'edits sent again, figures pulled again' "$ERR" "$1's warning says what it did"
    us "$1" status
    assert_match 'province restored: [0-9]+ edits sent again' "$OUT" "$1's status remembers it"
    us "$1" sync --timeout-ms 2000 --retries 3
    assert_rc 0 "second sync of $1"
    assert_eq 0 "$(grep -c "went back in time" "$WORK/.err")" "$1's second sync does not warn"
}

server_init
server_start
client_init a "$UNIT"
client_init b "$UNIT"
edit a 2022-01 members.new 120
edit b 2022-01 cdcs.new 4
sync_ok a
sync_ok b

# 1. backup while serving, then more acknowledged edits
uss backup "$WORK/backup.db"
assert_rc 0 "backup while serving"
edit a 2022-01 members.new 150          # over its own figure of the backup
edit a 2022-02 members.new 30
edit b 2022-02 cdcs.new 2
edit b 2022-03 cdcs.new 5
sync_ok a
sync_ok b
sync_ok a
before=$(acked_sum)
server_sum=$(sqlite3 "$SRV_DB" "SELECT SUM(value) FROM cells")
assert_eq "$before" "$server_sum" "before the disaster the server holds every figure"

# 2. the disk dies, the backup comes back
server_stop
if [ "$MODE" = copy ]; then
    cp "$WORK/backup.db" "$SRV_DB"
    rm -f "$SRV_DB-wal" "$SRV_DB-shm"
else
    uss restore "$WORK/backup.db"
    assert_rc 0 "restore"
fi
lost=$(sqlite3 "$SRV_DB" "SELECT SUM(value) FROM cells")
assert_ne "$before" "$lost" "the backup lacks the later figures"
server_start

# 3. each office syncs twice
sync_twice a
sync_twice b
# An office's mirror is the province's figures (anti-entropy): a let go of
# b's figures while the province lacked them, and has them again once b
# has re-sent them and a syncs.
sync_ok a
if [ "$MODE" = copy ]; then
    assert_eq 1 "$(grep -c 'went back in time' "$SRV_LOG")" "the server logs the copy-back once"
    assert_match 'office a' "$(grep 'went back in time' "$SRV_LOG")" "the log names the office"
fi

# 4. nothing lost, nothing doubled, no spurious conflict, views agree
assert_eq "$before" "$(sqlite3 "$SRV_DB" "SELECT SUM(value) FROM cells")" \
    "the server holds the sum of every acknowledged figure"
srv=$(unit_cells "$SRV_DB")
assert_eq "$srv" "$(unit_cells "$(cdb a)")" "office a sees what the server holds"
assert_eq "$srv" "$(unit_cells "$(cdb b)")" "office b sees what the server holds"
assert_eq 150 "$(sqlite3 "$SRV_DB" "SELECT value FROM cells WHERE month = $(month_code 2022-01)
    AND ind_id = (SELECT id FROM indicators WHERE code = 'members.new')")" \
    "the later figure over the backup's wins"
assert_eq '' "$(sqlite3 "$SRV_DB" "SELECT replica_id, epoch, seq FROM received
    GROUP BY replica_id, epoch, seq HAVING COUNT(*) > 1")" "nothing received twice"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM conflicts")" "no conflict for re-sent edits"
assert_eq "0 0" "$(sqlite3 "$(cdb a)" "SELECT COUNT(*) FROM outbox") $(sqlite3 "$(cdb b)" "SELECT COUNT(*) FROM outbox")" \
    "both outboxes are empty"
server_stop
e2e_finish
