#!/usr/bin/env bash
# t_province_restored: a province restored from a backup loses nothing an
# office still has.
#  1. Two offices of one unit sync edits; the province takes a backup while
#     serving; both offices sync more edits (some over their own earlier
#     figures) and get them acknowledged.
#  2. The server stops, the backup is put back (MODE=restore: `restore`;
#     MODE=copy: a plain file copy over the store, see
#     t_province_copied_back.sh), the server starts again.
#  3. The restore is a record of the audit chain: `restore` records the
#     head before, the backup's and who (--author); a copy put back by hand
#     is recorded by the server itself, "noticed" at the first Hello that
#     shows it. `audit verify` passes; an office holding a later head runs
#     `audit check`: exit 0, "the province declared a restore at ... from
#     ...", not a rewrite.
#  4. Every office syncs, then every office syncs again: every sync exits
#     0; the first of each warns once that the province went back in time,
#     the second does not.
#  5. The server's cells equal each office's view, and their sum equals
#     the sum of every acknowledged figure; no (replica, epoch, seq) is
#     received twice; no conflict was recorded for a re-sent edit; `audit
#     verify` passes.

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
sync_first () {       # sync_first OFFICE: warns once
    us "$1" sync --timeout-ms 2000 --retries 3
    assert_rc 0 "first sync of $1 after the province went back"
    assert_eq 1 "$(grep -c "went back in time (restored from a backup)" "$WORK/.err")" \
        "$1 warns once on its first sync"
    assert_match 'edits sent again, figures pulled again' "$ERR" "$1's warning says what it did"
    us "$1" status
    assert_match 'province restored: [0-9]+ edits sent again' "$OUT" "$1's status remembers it"
}
sync_second () {      # sync_second OFFICE: does not warn
    us "$1" sync --timeout-ms 2000 --retries 3
    assert_rc 0 "second sync of $1"
    assert_eq 0 "$(grep -c "went back in time" "$WORK/.err")" "$1's second sync does not warn"
}
restores () { sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE kind = 9"; }

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
sync_ok b
held=$(sqlite3 "$(cdb b)" "SELECT MAX(records) FROM audit_heads")
chain=$(sqlite3 "$SRV_DB" "SELECT records FROM audit_head")
assert_eq "$chain" "$held" "office b holds the newest head of the chain"
backup_chain=$(sqlite3 "$WORK/backup.db" "SELECT records FROM audit_head")
before=$(acked_sum)
server_sum=$(sqlite3 "$SRV_DB" "SELECT SUM(value) FROM cells")
assert_eq "$before" "$server_sum" "before the disaster the server holds every figure"

# 2. the disk dies, the backup comes back
server_stop
if [ "$MODE" = copy ]; then
    cp "$WORK/backup.db" "$SRV_DB"
    rm -f "$SRV_DB-wal" "$SRV_DB-shm"
    assert_eq 0 "$(restores)" "a copy put back by hand records nothing by itself"
else
    sum_before=$(sha "$SRV_DB")
    uss restore "$WORK/backup.db" --author "$(printf 'x\001y')"
    assert_rc 2 "restore by an author with a control character"
    assert_one_stderr_line "restore by an author with a control character"
    assert_eq "$sum_before" "$(sha "$SRV_DB")" "a refused restore changes nothing"
    uss restore "$WORK/backup.db" --author 'Lê Văn Thủ'
    assert_rc 0 "restore"
    assert_eq 1 "$(restores)" "the restore is a record of the audit chain"
    assert_eq "declared|$chain|$backup_chain|Lê Văn Thủ" "$(sqlite3 "$SRV_DB" "SELECT indicator,
        value, version, author FROM received WHERE kind = 9")" \
        "the record names the head before, the backup's and who restored"
    assert_eq "$(sqlite3 "$SRV_DB" "SELECT lower(hex(hash)) FROM received WHERE id = $chain")" \
        "" "the store no longer holds the head before"
    uss audit verify
    assert_rc 0 "audit verify right after the restore"
    uss audit show --unit QT --period 2022
    assert_match 'QT restore: restored from .*backup.db; the chain held [0-9]+ records before by Lê Văn Thủ' \
        "$OUT" "audit show lists the restore"
fi
lost=$(sqlite3 "$SRV_DB" "SELECT SUM(value) FROM cells")
assert_ne "$before" "$lost" "the backup lacks the later figures"
server_start

# 3. an office holding a later head sees the restore declared
us b audit check --timeout-ms 2000 --retries 3
assert_rc 0 "audit check at an office that held a later head"
assert_match "the province declared a restore at [0-9-]+ [0-9:]+Z from .* back to the backup's $backup_chain records" \
    "$OUT" "audit check names the declared restore"
assert_match "went with the restores the province declared" "$OUT" "audit check sums it up"
assert_eq 1 "$(restores)" "one restore record, also for a copy put back by hand"
if [ "$MODE" = copy ]; then
    assert_match "from an unknown head .*noticed by b" "$OUT" "the server noticed the copy itself"
    assert_eq 1 "$(grep -c 'went back in time' "$SRV_LOG")" "the server logs the copy-back once"
    assert_match 'office b' "$(grep 'went back in time' "$SRV_LOG")" "the log names the office"
else
    assert_match "from head $chain \\([0-9a-f]{16}\\.\\.\\.\\) .*restored by Lê Văn Thủ" "$OUT" \
        "audit check names the head before and who restored"
fi

# 4. every office syncs, then every office again
sync_first a
sync_first b
sync_second a
sync_second b
assert_eq 1 "$(restores)" "healing records no other restore"

# 5. nothing lost, nothing doubled, no spurious conflict, views agree
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
us a audit check --timeout-ms 2000 --retries 3
assert_rc 0 "audit check after healing"
server_stop
uss audit verify
assert_rc 0 "audit verify after the offices healed the province"
e2e_finish
