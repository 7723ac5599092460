#!/usr/bin/env bash
# t_audit_anchor: the audit chain is anchored outside the store.
#  - `unionsync-server audit head` prints the chain's head signed with the
#    province's key (a server key file from before gets a signing key);
#  - every sync keeps the signed head the Welcome carries;
#  - `unionsync audit check` passes while the chain extends every head the
#    office holds, and fails naming the head once an older copy of the store
#    is put back (history the office saw is gone), and again once that older
#    copy grows new, different records past the head.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

server_init
server_start
client_init dongha QT.DONGHA
client_init camlo QT.CAMLO
us dongha set QT.DONGHA 2022-05 members.new 41
sync_ok dongha
heads () { sqlite3 "$(cdb dongha)" "SELECT COUNT(*) FROM audit_heads"; }
assert_eq 1 "$(heads)" "a sync keeps the signed head"
us dongha audit check --timeout-ms 2000 --retries 2
assert_rc 0 "audit check of an untouched chain"
assert_match 'holds all 1 signed heads' "$OUT" "audit check counts the heads"

server_stop
cp "$SRV_DB" "$WORK/older.db"
server_start
us dongha set QT.DONGHA 2022-06 members.new 42
sync_ok dongha
chain=$(sqlite3 "$SRV_DB" "SELECT records FROM audit_head")
uss audit head
assert_rc 0 "audit head"
assert_match "^audit head: $chain records" "$OUT" "audit head prints the chain's length"
assert_match 'signature: [0-9a-f]{128}' "$OUT" "audit head prints the signature"
us dongha audit check --timeout-ms 2000 --retries 2
assert_rc 0 "audit check after more records"
assert_match 'holds all 2 signed heads' "$OUT" "both heads held and proved"
seen=$(sqlite3 "$(cdb dongha)" "SELECT MAX(records) FROM audit_heads")
assert_eq "$chain" "$seen" "audit check keeps the newest head"

# An older copy of the store is put back: the head the office saw is gone.
server_stop
cp "$WORK/older.db" "$SRV_DB"
rm -f "$SRV_DB-wal" "$SRV_DB-shm"
server_start
us dongha audit check --timeout-ms 2000 --retries 2
assert_rc_nonzero "audit check after an older store was put back"
assert_match "audit head of $seen records .*not in the server's chain.*shorter" "$ERR" \
    "audit check names the head that is gone"

# The older copy grows other records past the head: the hashes differ.
for m in 07 08 09; do
    us camlo set QT.CAMLO 2022-$m members.new 5
    sync_ok camlo
done
us dongha audit check --timeout-ms 2000 --retries 2
assert_rc_nonzero "audit check after history was rewritten"
assert_match "audit head of $seen records .*not in the server's chain.*hash differs" "$ERR" \
    "audit check names the rewritten head"
e2e_finish
