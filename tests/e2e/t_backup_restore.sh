#!/usr/bin/env bash
# t_backup_restore: `unionsync-server backup` and `restore`.
#  1. A backup taken while the server runs is one checked file (no -wal
#     beside it) with its key file (mode 600); copied alone it holds every
#     figure the server had.
#  2. A backup over an existing file is refused and changes nothing.
#  3. A restore while the server runs, and a second server on the same
#     store, are refused; the store is unchanged.
#  4. After the server stops, a restore puts the backup back: the figures
#     are the backup's, the store has a new incarnation, and `audit verify`
#     passes; the server serves it again and an office syncs.
#  5. A damaged backup is refused by restore and nothing changes.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

cell () { sqlite3 "$1" "SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id
                         JOIN indicators i ON i.id = c.ind_id
                         WHERE u.code = '$2' AND i.code = '$3' AND c.month = $(month_code "$4")"; }

server_init
server_start
client_init dongha QT.DONGHA
us dongha set QT.DONGHA 2022-01 members.new 120
sync_ok dongha

# 1. backup while serving
uss backup "$WORK/b1.db"
assert_rc 0 "backup while the server runs"
assert_match 'checked' "$OUT" "backup says it checked the copy"
assert_match '1 offices' "$OUT" "backup summary counts the enrolled office"
[ -e "$WORK/b1.db-wal" ] && fail "a backup is one file" "expected: no b1.db-wal" "seen: b1.db-wal"
assert_eq 600 "$(stat -c %a "$WORK/b1.db.key")" "mode of the backup's key file"
cp "$WORK/b1.db" "$WORK/copy.db"
assert_eq 120 "$(cell "$WORK/copy.db" QT.DONGHA members.new 2022-01)" "the backup file copied alone holds the figure"

# 2. refused over an existing file
sum_b1=$(sha "$WORK/b1.db")
uss backup "$WORK/b1.db"
assert_rc 2 "backup over an existing file"
assert_match 'already exists' "$ERR" "backup over an existing file says why"
assert_eq "$sum_b1" "$(sha "$WORK/b1.db")" "the existing backup is unchanged"

us dongha set QT.DONGHA 2022-02 members.new 30
sync_ok dongha

# 3. refused while serving
uss restore "$WORK/b1.db"
assert_rc_nonzero "restore while the server runs"
assert_match 'server is running' "$ERR" "restore while serving says why"
assert_eq 30 "$(cell "$SRV_DB" QT.DONGHA members.new 2022-02)" "the served store is unchanged"
"$USS" serve --bind "tcp://127.0.0.1:$(free_port)" --db "$SRV_DB" >"$WORK/second.out" 2>&1
assert_ne 0 "$?" "a second server on the same store is refused"
assert_match 'server is running' "$(cat "$WORK/second.out")" "the second server says why"

# 4. restore after the stop
server_stop
inc_before=$(sqlite3 "$SRV_DB" "SELECT value FROM meta WHERE key = 'incarnation'")
uss restore "$WORK/b1.db"
assert_rc 0 "restore with the server stopped"
assert_match 'restored' "$OUT" "restore says what it did"
assert_eq 120 "$(cell "$SRV_DB" QT.DONGHA members.new 2022-01)" "restored figure of January"
assert_eq '' "$(cell "$SRV_DB" QT.DONGHA members.new 2022-02)" "February came after the backup"
inc_after=$(sqlite3 "$SRV_DB" "SELECT value FROM meta WHERE key = 'incarnation'")
assert_ne "$inc_before" "$inc_after" "a restore gives the store a new incarnation"
uss audit verify
assert_rc 0 "audit verify of the restored store"
server_start
us dongha set QT.DONGHA 2022-03 members.new 7
sync_ok dongha
assert_eq 7 "$(cell "$SRV_DB" QT.DONGHA members.new 2022-03)" "an office syncs with the restored server"
server_stop

# 5. a damaged backup changes nothing
cp "$WORK/b1.db" "$WORK/bad.db"
cp "$WORK/b1.db.key" "$WORK/bad.db.key"
size=$(stat -c %s "$WORK/bad.db")
printf 'garbage!%.0s' $(seq 1 512) | dd of="$WORK/bad.db" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
sum_srv=$(sha "$SRV_DB")
uss restore "$WORK/bad.db"
assert_rc_nonzero "restore of a damaged backup"
assert_one_stderr_line "restore of a damaged backup"
assert_eq "$sum_srv" "$(sha "$SRV_DB")" "a refused restore changes nothing"
uss restore "$WORK/none.db"
assert_rc 2 "restore of a missing file"

e2e_finish
