#!/usr/bin/env bash
# t_restore_resend_order: edits of one cell that followed each other come
# back from a restored province in the other order, without a conflict.
#  1. Offices a and b of one unit edit the same cell one after the other,
#     each edit based on the other's (a, then b over a's figure, then a
#     again over b's on another cell); no conflict is recorded.
#  2. The province is restored from a backup taken before those edits.
#  3. The offices sync in the opposite order (b first, then a), twice each.
#  4. The server holds the figures it held before the restore (the later
#     edit of each cell wins by its clock), no conflict was recorded, no
#     (replica, epoch, seq) was received twice, every sync exits 0, and
#     both offices see what the server holds; `audit verify` passes.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
UNIT=QT.DONGHA
JAN=$(month_code 2022-01)
FEB=$(month_code 2022-02)

# value DB MONTH INDICATOR: the unit's cell in a store.
value () {
    sqlite3 "$1" "SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id
                  JOIN indicators i ON i.id = c.ind_id
                  WHERE u.code = '$UNIT' AND i.code = '$3' AND c.month = $2"
}
unit_cells () {
    sqlite3 -separator ' ' "$1" \
        "SELECT c.month, i.code, c.value FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         WHERE u.code = '$UNIT' AND c.value IS NOT NULL ORDER BY c.month, i.code"
}
sync_rc0 () {         # sync_rc0 OFFICE WHAT
    us "$1" sync --timeout-ms 2000 --retries 3
    assert_rc 0 "$2"
}

server_init
server_start
client_init a "$UNIT"
client_init b "$UNIT"
us a set "$UNIT" 2022-01 members.new 100
sync_ok a
sync_ok b
uss backup "$WORK/backup.db"
assert_rc 0 "backup before the edits that follow each other"

# 1. a, then b over a's figure; then b, then a over b's figure
us a set "$UNIT" 2022-01 members.new 120
sync_ok a
sync_ok b
us b set "$UNIT" 2022-01 members.new 150
us b set "$UNIT" 2022-02 members.new 7
sync_ok b
sync_ok a
us a set "$UNIT" 2022-02 members.new 9
sync_ok a
sync_ok b
assert_eq 150 "$(value "$SRV_DB" "$JAN" members.new)" "before the restore: b's later January"
assert_eq 9 "$(value "$SRV_DB" "$FEB" members.new)" "before the restore: a's later February"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM conflicts")" \
    "edits based on each other are no conflict"
before=$(unit_cells "$SRV_DB")

# 2. the province goes back to the backup
server_stop
uss restore "$WORK/backup.db"
assert_rc 0 "restore"
assert_eq 100 "$(value "$SRV_DB" "$JAN" members.new)" "the backup holds the first figure only"
server_start

# 3. the offices sync in the other order
sync_rc0 b "b syncs first after the restore"
sync_rc0 a "a syncs second after the restore"
sync_rc0 b "b syncs again"
sync_rc0 a "a syncs again"

# 4. what the province held before, and nothing more
assert_eq "$before" "$(unit_cells "$SRV_DB")" "the server holds what it held before the restore"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM conflicts")" \
    "no conflict for edits sent again in the other order"
assert_eq '' "$(sqlite3 "$SRV_DB" "SELECT replica_id, epoch, seq FROM received
    WHERE kind = 0 GROUP BY replica_id, epoch, seq HAVING COUNT(*) > 1")" "nothing received twice"
assert_eq "$before" "$(unit_cells "$(cdb a)")" "office a sees what the server holds"
assert_eq "$before" "$(unit_cells "$(cdb b)")" "office b sees what the server holds"
assert_eq 0 "$(sqlite3 "$(cdb a)" "SELECT COUNT(*) FROM history WHERE outcome LIKE 'conflict%'")" \
    "office a keeps no conflict"
assert_eq 0 "$(sqlite3 "$(cdb b)" "SELECT COUNT(*) FROM history WHERE outcome LIKE 'conflict%'")" \
    "office b keeps no conflict"
server_stop
uss audit verify
assert_rc 0 "audit verify after the edits came back"
e2e_finish
