#!/usr/bin/env bash
# t_full_disk: the province's disk fills up during a push.
# The provincial store lives on a small tmpfs of its own, filled to the
# last byte by a filler file (a real full filesystem, as root).
#  1. An office pushes 300 edits onto the full disk: its sync fails with
#     one line that says why, it keeps every edit pending, and nothing of
#     the batch is half-applied at the province.
#  2. Meanwhile the server keeps answering: another office's sync (pull
#     only) succeeds, and the province's report still prints.
#  3. Space returns (the filler is removed): without a restart the next
#     sync applies every edit exactly once, and `audit verify` passes.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

DISK=$WORK/disk
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=6m tmpfs "$DISK" 2>/dev/null; then
    log "cannot mount a tmpfs here (not root?): nothing to test"
    echo "SKIP t_full_disk: needs root to mount a small filesystem" >&2
    e2e_finish
fi
trap 'umount "$DISK" 2>/dev/null' EXIT
SRV_DB=$DISK/server.db

server_init
server_start
client_init dongha QT.DONGHA
client_init camlo QT.CAMLO
us dongha set QT.DONGHA 2022-01 members.new 120
sync_ok dongha
us camlo set QT.CAMLO 2022-01 members.new 40
sync_ok camlo

# 300 edits wait at Đông Hà.
csv=$WORK/many.csv
echo 'unit,month,indicator,value' >"$csv"
for m in 01 02 03 04 05 06 07 08 09 10; do
    for ind in members.new cdcs.new cla.signed propaganda.sessions propaganda.attendees \
               training.classes dialogues.held commended.chairs cdcs.cla_eligible cdcs.with_cla; do
        for y in 2019 2020 2021; do
            echo "QT.DONGHA,$y-$m,$ind,$((10#$m + 3))" >>"$csv"
        done
    done
done
us dongha import "$csv"
assert_rc 0 "import of 300 edits at the office"

cells_before=$(cells_dump "$SRV_DB")
# The idle server has copied its WAL into the database, and its next
# transaction would write over the WAL's old frames, needing no new space:
# with the WAL emptied (as after a restart) the push must grow it.
sleep 0.5
run sqlite3 "$SRV_DB" "PRAGMA wal_checkpoint(TRUNCATE)"
assert_match '^0\|' "$OUT" "the WAL is checkpointed whole"
assert_eq 0 "$(stat -c %s "$SRV_DB-wal")" "and emptied"
dd if=/dev/zero of="$DISK/filler" bs=4k 2>/dev/null
log "disk: $(df -k "$DISK" | tail -1)"

# 1. the push meets a full disk
us dongha sync --timeout-ms 3000 --retries 1
assert_rc_nonzero "sync onto a full disk"
assert_ne 4 "$RC" "a sync onto a full disk does not claim to have finished"
assert_match 'full|space|disk' "$ERR" "the office says why its sync failed"
us dongha status --json
assert_eq 300 "$(jq '.pending | length' <<<"$OUT")" "the office keeps its 300 edits pending"
kill -0 "$SERVER_PID" || fail "the server survives a full disk" "expected: running" "seen: exited"
assert_eq "$cells_before" "$(cells_dump "$SRV_DB")" "nothing of the batch was applied"

# 2. still answering
us camlo sync --timeout-ms 3000 --retries 1
assert_rc 0 "another office's sync (nothing to push) during the full disk"
json=$(report_json 2022-01)
assert_eq 120 "$(row_value "$json" QT.DONGHA members.new)" "the report prints during the full disk"

# 3. space returns
rm -f "$DISK/filler"
sync_ok dongha
us dongha status --json
assert_eq 0 "$(jq '.pending | length' <<<"$OUT")" "nothing pending once space returned"
assert_eq 300 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id
                                  WHERE u.code = 'QT.DONGHA' AND c.month < $(month_code 2022-01)")" \
    "every edit applied once"
uss audit verify
assert_rc 0 "audit verify after the full disk"
server_stop
e2e_finish
