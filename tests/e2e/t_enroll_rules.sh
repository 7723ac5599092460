#!/usr/bin/env bash
# t_enroll_rules: who may write is changed only on purpose, and on record.
#  1. A key enrolled without its signing half (only the CURVE part of the
#     token) is refused: every replica signs its batches.
#  2. A revoked key cannot come back by being enrolled again.
#  3. A key enrolled for one unit cannot be enrolled again for another
#     (that would move the replica silently); `replicas move` does it on
#     purpose, and the move is in the audit record.
#  4. Each refusal is one line, exit 2, and changes nothing.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

replicas () { sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM replicas"; }

server_init
client_create dongha QT.DONGHA
key=$(client_key dongha)

# 1. without the signing half
uss enroll --unit QT.DONGHA --key "${key:0:64}" --name dongha
assert_rc 2 "enrolment of a key without its signing half"
assert_one_stderr_line "enrolment of a key without its signing half"
assert_match 'sign' "$ERR" "the refusal names the missing signing key"
assert_eq 0 "$(replicas)" "no replica enrolled"

# 2. revoked stays revoked
enroll dongha QT.DONGHA
uss revoke --key "$key"
assert_rc 0 "revoke"
before=$(sqlite3 "$SRV_DB" "SELECT unit_id, revoked_at IS NOT NULL FROM replicas")
uss enroll --unit QT.DONGHA --key "$key" --name dongha
assert_rc 2 "enrolling a revoked key again"
assert_match 'revoked' "$ERR" "the refusal says the key was revoked"
assert_eq "$before" "$(sqlite3 "$SRV_DB" "SELECT unit_id, revoked_at IS NOT NULL FROM replicas")" \
    "the revoked replica is unchanged"

# 3. no silent move
client_create camlo QT.CAMLO
enroll camlo QT.CAMLO
ckey=$(client_key camlo)
uss enroll --unit QT.VINHLINH --key "$ckey" --name camlo
assert_rc 2 "enrolling an enrolled key for another unit"
assert_match 'already enrolled' "$ERR" "the refusal says the key is enrolled"
assert_eq QT.CAMLO "$(sqlite3 "$SRV_DB" "SELECT u.code FROM replicas r JOIN units u ON u.id = r.unit_id
                                         WHERE r.name = 'camlo'")" "the replica stays at Cam Lộ"
uss replicas move --key "$ckey" --unit QT.VINHLINH
assert_rc 0 "replicas move"
assert_eq QT.VINHLINH "$(sqlite3 "$SRV_DB" "SELECT u.code FROM replicas r JOIN units u ON u.id = r.unit_id
                                            WHERE r.name = 'camlo'")" "the replica moved on purpose"
uss audit verify
assert_rc 0 "audit verify after the move"
assert_match 'move' "$(uss audit show --unit QT.VINHLINH --period 2022; echo "$OUT")" \
    "the move is in the audit record"

# 5. The server never skips a signature check: a replica whose signing key
#    is not stored (enrolled before signing was mandatory) is refused until
#    it is re-keyed, and its figure does not reach the cells.
server_start
client_init hailang QT.HAILANG
sync_ok hailang
sqlite3 "$SRV_DB" "UPDATE replicas SET sign_key = NULL WHERE name = 'hailang'"
us hailang set QT.HAILANG 2022-05 members.new 77
us hailang sync --timeout-ms 2000 --retries 1
assert_rc_nonzero "push of a replica with no signing key stored"
assert_match 're-key' "$ERR" "the refusal says to re-key it"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id
                                  WHERE u.code = 'QT.HAILANG'")" "nothing of it reached the cells"
e2e_finish
