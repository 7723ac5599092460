#!/usr/bin/env bash
# t_restore_old_epochs: a restored province gets back the edits an office
# made in an earlier epoch too, each once, under its original identity.
#  1. Office a edits (epoch 1) and syncs; the province takes a backup; a
#     edits February (epoch 1, seq 2) and syncs; a copy of a's store is
#     taken; a edits March (seq 3) and syncs.
#  2. a's PC goes back to its copy (March is lost at the office): its next
#     sync starts epoch 2, and an April edit is acknowledged in epoch 2.
#  3. The province is restored from its backup (January only).
#  4. a syncs twice (exit 0): February goes back with (epoch 1, seq 2),
#     April with (epoch 2, seq 1); each is received once; server and office
#     agree on January, February and April.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
UNIT=QT.DONGHA

unit_cells () {
    sqlite3 -separator ' ' "$1" \
        "SELECT c.month, i.code, c.value FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         WHERE u.code = '$UNIT' AND c.value IS NOT NULL ORDER BY c.month, i.code"
}
# received EPOCH MONTH: how many records of a's edit of that month and epoch.
received () {
    sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE kind = 0 AND epoch = $1
                       AND month = $(month_code "$2") AND unit = '$UNIT'"
}

server_init
server_start
client_init a "$UNIT"

# 1. epoch 1
us a set "$UNIT" 2022-01 members.new 10
sync_ok a
uss backup "$WORK/backup.db"
assert_rc 0 "province backup"
us a set "$UNIT" 2022-02 members.new 20
sync_ok a
sqlite3 "$(cdb a)" ".backup '$WORK/a-copy.db'"
us a set "$UNIT" 2022-03 members.new 30
sync_ok a
assert_eq 1 "$(sqlite3 "$(cdb a)" "SELECT epoch FROM state")" "a is in epoch 1"

# 2. a's PC goes back to its copy: a new epoch
cp "$WORK/a-copy.db" "$(cdb a)"
rm -f "$(cdb a)-wal" "$(cdb a)-shm"
sync_ok a
assert_eq 2 "$(sqlite3 "$(cdb a)" "SELECT epoch FROM state")" "a restored from its copy starts epoch 2"
us a set "$UNIT" 2022-04 members.new 40
sync_ok a
assert_eq "2 1" "$(sqlite3 -separator ' ' "$(cdb a)" "SELECT epoch, seq FROM history
    WHERE month = $(month_code 2022-04)")" "April is (epoch 2, seq 1)"
assert_eq 2 "$(sqlite3 "$(cdb a)" "SELECT seq FROM history WHERE epoch = 1
    AND month = $(month_code 2022-02)")" "February is (epoch 1, seq 2)"

# 3. the province goes back to its backup
server_stop
uss restore "$WORK/backup.db"
assert_rc 0 "province restore"
server_start

# 4. a heals the province, edits of both epochs, each once
us a sync --timeout-ms 2000 --retries 3
assert_rc 0 "first sync after the province went back"
assert_match 'went back in time' "$ERR" "the sync warns"
sync_ok a
want=$(printf '%s members.new 10\n%s members.new 20\n%s members.new 40' \
    "$(month_code 2022-01)" "$(month_code 2022-02)" "$(month_code 2022-04)")
assert_eq "$want" "$(unit_cells "$SRV_DB")" "the server holds January, February and April"
assert_eq "$want" "$(unit_cells "$(cdb a)")" "office a sees what the server holds"
assert_eq 1 "$(received 1 2022-02)" "February received once, in epoch 1"
assert_eq 1 "$(received 2 2022-04)" "April received once, in epoch 2"
assert_eq 2 "$(sqlite3 "$SRV_DB" "SELECT seq FROM received WHERE kind = 0 AND epoch = 1
    AND month = $(month_code 2022-02)")" "February keeps its sequence number"
assert_eq '' "$(sqlite3 "$SRV_DB" "SELECT replica_id, epoch, seq FROM received
    WHERE kind = 0 GROUP BY replica_id, epoch, seq HAVING COUNT(*) > 1")" "nothing received twice"
assert_eq 0 "$(sqlite3 "$(cdb a)" "SELECT COUNT(*) FROM outbox")" "a's outbox is empty"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM conflicts")" "no conflict"
server_stop
uss audit verify
assert_rc 0 "audit verify"
e2e_finish
