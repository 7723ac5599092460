#!/usr/bin/env bash
# t_recover_office: an office whose PC died is rebuilt from the province.
#  1. Office a of a unit syncs figures (one with a note); office b of the
#     same unit too; the province approves nothing special.
#  2. a's store and keys are lost. `unionsync init --recover` makes a new
#     store; the province re-keys the replica to the new key.
#  3. The first sync exits 0 and pulls the unit's figures and notes: the
#     new store's view equals the server's.
#  4. New edits of the recovered office reach the server under numbers
#     that collide with none it already had (a new epoch): nothing is
#     taken for a duplicate, the figures are the new ones.
#  5. The old key is refused; a bad `init --recover` (missing --unit)
#     fails with one clear error and creates nothing.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
UNIT=QT.DONGHA
unit_cells () {
    sqlite3 -separator ' ' "$1" \
        "SELECT c.month, i.code, COALESCE(c.value, '-'), c.note FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         WHERE u.code = '$UNIT' AND c.value IS NOT NULL ORDER BY c.month, i.code"
}

server_init
server_start
client_init a "$UNIT"
client_init b "$UNIT"
us a set "$UNIT" 2022-01 members.new 120 --note 'đợt tuyển tháng 1'
us a set "$UNIT" 2022-02 members.new 30
us a set "$UNIT" 2022-03 members.new 7
us b set "$UNIT" 2022-01 cdcs.new 4
sync_ok a
sync_ok b
old_key=$(client_key a)

# 2. the PC dies
rm -f "$(cdb a)" "$(cdb a)".*
"$US" init --recover --server "$ENDPOINT" --server-key "$SERVER_KEY" --db "$WORK/bad.db" \
    >"$WORK/bad.out" 2>"$WORK/bad.err"
assert_eq 2 "$?" "init --recover without --unit"
assert_eq 1 "$(grep -c '' "$WORK/bad.err")" "one error line"
[ -e "$WORK/bad.db" ] && fail "a refused init creates nothing" "expected: no bad.db" "seen: bad.db"
run "$US" init --recover --unit "$UNIT" --server "$ENDPOINT" --server-key "$SERVER_KEY" \
    --db "$(cdb a)"
assert_rc 0 "init --recover"
assert_match 'rekey' "$OUT" "init --recover says how the province re-keys it"
new_key=$(tail -n 1 "$WORK/.out")
assert_ne "$old_key" "$new_key" "the recovered office has new keys"
uss rekey --key "$old_key" --new "$new_key"
assert_rc 0 "the province re-keys the office"

# 3. the first sync rebuilds the office
sync_ok a
srv=$(unit_cells "$SRV_DB")
assert_eq 4 "$(grep -c '' <<<"$srv")" "the server holds the unit's four figures"
assert_eq "$srv" "$(unit_cells "$(cdb a)")" "the recovered office sees the unit's figures and notes"

# 4. new edits collide with nothing
us a set "$UNIT" 2022-02 members.new 31
us a set "$UNIT" 2022-04 members.new 9
sync_ok a
month () { sqlite3 "$SRV_DB" "SELECT value FROM cells WHERE month = $(month_code "$1")
    AND ind_id = (SELECT id FROM indicators WHERE code = 'members.new')"; }
assert_eq 31 "$(month 2022-02)" "the recovered office's edit over an old figure"
assert_eq 9 "$(month 2022-04)" "the recovered office's new figure"
assert_eq 0 "$(sqlite3 "$(cdb a)" "SELECT COUNT(*) FROM history WHERE outcome <> 'accepted'")" \
    "the new edits are accepted, not taken for duplicates"
assert_eq '' "$(sqlite3 "$SRV_DB" "SELECT replica_id, epoch, seq FROM received
    GROUP BY replica_id, epoch, seq HAVING COUNT(*) > 1")" "no number received twice"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM conflicts")" "no conflict"
us b sync --timeout-ms 2000 --retries 3
assert_rc 0 "b syncs"
assert_eq "$(unit_cells "$SRV_DB")" "$(unit_cells "$(cdb b)")" "office b sees the same"
server_stop
e2e_finish
