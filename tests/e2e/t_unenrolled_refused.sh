#!/usr/bin/env bash
# t_unenrolled_refused: the server authenticates replicas by enrolled key.
#  1. A Vĩnh Linh store that was never enrolled: `unionsync sync` fails
#     (non-zero, and not 4 which means "finished") with one line saying the
#     key was refused, without waiting out its retries, keeps its edits
#     pending, and the server's cells and `received` table are unchanged.
#  2. `unionsync-server enroll` while the server runs: the next sync works
#     and the figures reach the report.
#  3. `unionsync-server revoke --key K` while the server runs: the next sync
#     of that replica is refused, its new edit does not reach the server, and
#     the same server process keeps serving the other offices.
#  4. Re-keying (Đông Hà's old PC is gone with its key): `unionsync rekey`
#     makes new keys for the same store; until the province re-keys the
#     replica its syncs are refused. `unionsync-server rekey` while the
#     server runs lets the new key in at once as the same replica (one
#     replica row, its pending edit applied once); a copy of the store with
#     the old key is refused, the old key cannot be enrolled again, and
#     `audit verify` checks batches signed with the old and the new key.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

received () { sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM received'; }

# assert_refused NAME: a sync of NAME is refused because of its key.
assert_refused () {
    local start=$SECONDS
    us "$1" sync --timeout-ms 3000 --retries 2
    assert_rc_nonzero "sync of $1 with a refused key"
    assert_ne 4 "$RC" "sync of $1 with a refused key does not claim to have finished"
    assert_one_stderr_line "sync of $1 with a refused key"
    assert_match 'refused|not enrolled|revoked' "$ERR" "sync of $1 says its key was refused"
    assert_le $((SECONDS - start)) 5 "a refused sync does not wait out its 3 s + 6 s of retries (seconds)"
}

server_init
server_start
client_init dongha QT.DONGHA
us dongha set QT.DONGHA 2022-01 members.new 120
sync_ok dongha

# 1. never enrolled
client_create vinhlinh QT.VINHLINH
us vinhlinh set QT.VINHLINH 2022-01 members.new 75
assert_rc 0 "offline set by the unenrolled office"
us vinhlinh set QT.VINHLINH 2022-01 members.total 3100
cells_before=$(cells_dump "$SRV_DB")
received_before=$(received)
assert_refused vinhlinh
assert_eq "$cells_before" "$(cells_dump "$SRV_DB")" "server cells unchanged by an unenrolled replica"
assert_eq "$received_before" "$(received)" "server received table unchanged by an unenrolled replica"
assert_eq none "$(row_value "$(report_json 2022-01)" QT.VINHLINH members.new)" "no Vĩnh Linh figure on the server"
us vinhlinh status --json
assert_eq 2 "$(jq '.pending | length' <<<"$OUT")" "the refused office keeps its 2 edits pending"

# 2. enrolled while the server runs
enroll vinhlinh QT.VINHLINH
sync_ok vinhlinh
json=$(report_json 2022-01)
assert_eq 75 "$(row_value "$json" QT.VINHLINH members.new)" "Vĩnh Linh members.new after enrolment"
assert_eq 3100 "$(row_value "$json" QT.VINHLINH members.total)" "Vĩnh Linh members.total after enrolment"
assert_eq 195 "$(row_value "$json" QT members.new)" "QT members.new (120 + 75)"

# 3. revoked while the server runs
uss revoke --key "$(client_key dongha)"
assert_rc 0 "revoke of Đông Hà's key"
us dongha set QT.DONGHA 2022-01 members.new 999
assert_rc 0 "offline set after the revocation"
cells_before=$(cells_dump "$SRV_DB")
assert_refused dongha
assert_eq "$cells_before" "$(cells_dump "$SRV_DB")" "server cells unchanged by a revoked replica"
assert_eq 120 "$(row_value "$(report_json 2022-01)" QT.DONGHA members.new)" "Đông Hà's figure stays 120 on the server"
us dongha status --json
assert_eq 1 "$(jq '.pending | length' <<<"$OUT")" "the revoked office keeps its edit pending"
kill -0 "$SERVER_PID" 2>/dev/null || fail "the server keeps running after revoke" "expected: pid $SERVER_PID alive" "seen: gone"
us vinhlinh set QT.VINHLINH 2022-02 members.new 5
sync_ok vinhlinh
assert_eq 80 "$(row_value "$(report_json 2022-Q1)" QT.VINHLINH members.new)" "the same server still serves Vĩnh Linh after the revocation"

uss revoke --key 'not-a-key'
assert_eq 2 "$RC" "revoke of an unknown key is bad input"

# 4. re-keyed while the server runs
old_token=$(client_key dongha)
cp "$(cdb dongha)" "$(cdb stolen)" && cp "$(cdb dongha).key" "$(cdb stolen).key" \
    || die "cannot copy the store"
us dongha rekey
assert_rc 0 "rekey at the office"
new_token=$(tail -n 1 <<<"$OUT")
old_key=$(sed -n 's/.*rekey --key \([^ ]*\) --new.*/\1/p' <<<"$OUT")
assert_eq "$old_token" "$old_key" "rekey names the old key for the province"
assert_ne "$old_token" "$new_token" "rekey printed a new key"
assert_refused dongha
uss rekey --key "$old_key"
assert_eq 2 "$RC" "rekey without --new is bad usage"
uss rekey --key "$old_key" --new "$old_token"
assert_rc_nonzero "rekey to the old key itself"
uss rekey --key "$old_key" --new "$new_token"
assert_rc 0 "rekey at the province"
sync_ok dongha
assert_eq 999 "$(row_value "$(report_json 2022-01)" QT.DONGHA members.new)" "Đông Hà's pending edit arrives after the re-key"
assert_eq 1 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM replicas r JOIN units u ON u.id = r.unit_id
                                  WHERE u.code = 'QT.DONGHA'")" "still one Đông Hà replica"
assert_eq 1 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE unit = 'QT.DONGHA' AND value = 999")" \
    "the edit is recorded once"
assert_refused stolen
uss enroll --unit QT.DONGHA --key "$old_token"
assert_rc_nonzero "enrolling the retired key again"
us dongha set QT.DONGHA 2022-02 members.new 7
sync_ok dongha
uss audit verify
assert_rc 0 "audit verify across the re-key"
assert_match 'signed batches verified' "$OUT" "audit verify checked the signed batches"
server_stop
e2e_finish
