#!/usr/bin/env bash
# t_audit_anchor: the audit chain is anchored outside the store.
#  - `unionsync-server audit head` prints the chain's head signed with the
#    province's key (a server key file from before gets a signing key);
#  - every sync keeps the signed head the Welcome carries;
#  - `unionsync audit check` passes while the chain extends every head the
#    office holds;
#  - once an older copy of the store is put back by hand, the first Hello
#    that shows it (here the office's audit check) makes the server record
#    the restore it noticed: the check passes, saying the province declared
#    a restore that cut the head off, also after the older copy grows new,
#    different records past the head; `audit verify` passes;
#  - a rewrite no restore record declares (an older copy put back that no
#    office's Hello reveals, grown past the head an office holds) fails the
#    check naming the head.

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

# An older copy of the store is put back: the head the office saw is gone,
# and the server, shown it by the office's Hello, declares the restore.
server_stop
older=$(sqlite3 "$WORK/older.db" "SELECT records FROM audit_head")
cp "$WORK/older.db" "$SRV_DB"
rm -f "$SRV_DB-wal" "$SRV_DB-shm"
server_start
us dongha audit check --timeout-ms 2000 --retries 2
assert_rc 0 "audit check after an older store was put back and noticed"
assert_match "declared a restore at .* from an unknown head back to the backup's $older records \\(noticed by dongha, record $((older + 1))\\): the head of $seen records" \
    "$OUT" "audit check names the restore that cut the head off"
assert_eq "noticed|$older|dongha" "$(sqlite3 "$SRV_DB" "SELECT indicator, version, author
    FROM received WHERE kind = 9")" "the server recorded the restore it noticed"

# The older copy grows other records past the head: still the declared restore.
for m in 07 08 09; do
    us camlo set QT.CAMLO 2022-$m members.new 5
    sync_ok camlo
done
us dongha audit check --timeout-ms 2000 --retries 2
assert_rc 0 "audit check after the restored store grew past the head"
assert_match "declared a restore at .* the head of $seen records" "$OUT" \
    "the rewritten head went with the declared restore"
server_stop
uss audit verify
assert_rc 0 "audit verify with a noticed restore in the chain"

# A rewrite nobody declares: camlo (no edits of its own) holds a head; an
# older copy is put back that no Hello reveals (camlo's checkpoint is not
# past it, nothing of camlo's was acknowledged), and grows past that head.
cp "$SRV_DB" "$WORK/older2.db"
server_start
uss set QT.CAMLO 2022-10 members.new 1 --note 'sửa lần một'
sync_ok camlo
held=$(sqlite3 "$(cdb camlo)" "SELECT MAX(records) FROM audit_heads")
server_stop
cp "$WORK/older2.db" "$SRV_DB"
rm -f "$SRV_DB-wal" "$SRV_DB-shm"
uss set QT.CAMLO 2022-10 members.new 2 --note 'sửa khác'
uss set QT.CAMLO 2022-11 members.new 3 --note 'thêm'
server_start
us camlo audit check --timeout-ms 2000 --retries 2
assert_rc_nonzero "audit check after a rewrite no restore declares"
assert_match "audit head of $held records .*not in the server's chain.*hash differs.*rewritten" \
    "$ERR" "audit check names the rewritten head"
assert_eq 1 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE kind = 9")" \
    "the server declared no restore it could not see"
e2e_finish
