#!/usr/bin/env bash
# t_hostile_peers: the server keeps serving good offices while others
# misbehave, and its records show what they tried.
#  - random bytes and a stalled half-greeting straight to the server's port;
#  - an un-enrolled office reconnecting in a loop;
#  - an enrolled replica (us-rawpeer, with its real CURVE keys) sending
#    random bytes, a truncated Push, a Push with a bad signature, and a
#    correctly signed Push for a unit outside its scope;
# meanwhile a good office syncs, and afterwards: every attack got an Error or
# a per-delta rejection, nothing of them reached the cells, the good office's
# figures did, the server still answers, a replica's pull holds nothing of
# other districts, `audit verify` passes, and after a record of the audit
# log is changed behind the server's back `audit verify` fails naming it.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
RAW=$BUILD/us-rawpeer
[ -x "$RAW" ] || die "us-rawpeer is not built"

server_init
server_start
client_init good QT.DONGHA
client_init other QT.VINHLINH
client_init attacker QT.CAMLO
client_create stranger QT.HAILANG          # never enrolled
for n in good other attacker; do sync_ok "$n"; done

# Hostile traffic in the background: raw bytes, a stalled greeting, and an
# un-enrolled office reconnecting.
(
    for i in $(seq 1 20); do
        exec 3<>"/dev/tcp/127.0.0.1/$PORT" || continue
        head -c $((RANDOM % 2000 + 1)) /dev/urandom >&3 2>/dev/null
        exec 3>&-
    done
) &
e2e_track $!
(
    exec 4<>"/dev/tcp/127.0.0.1/$PORT" && printf '\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x03' >&4
    sleep 8
) &
e2e_track $!
(
    for i in $(seq 1 8); do
        "$US" sync --timeout-ms 200 --retries 1 --db "$(cdb stranger)" >/dev/null 2>&1
    done
) &
e2e_track $!

# The good offices work on.
us good set QT.DONGHA 2022-05 members.new 41
us other set QT.VINHLINH 2022-05 members.new 17
sync_ok good
sync_ok other

# The enrolled attacker, through its own authenticated connection.
raw () {
    OUT=$("$RAW" "$(cdb attacker)" "$1" 2>&1)
    RC=$?
    log "rawpeer $1: rc=$RC $OUT"
}
raw random
assert_eq 0 "$RC" "random bytes get an answer"
assert_match '^error: ' "$OUT" "random bytes answered with an Error"
raw truncated
assert_match '^error: ' "$OUT" "truncated Push answered with an Error"
raw badsig
assert_match '^error: .*signature' "$OUT" "badly signed Push refused for its signature"
raw foreign
assert_match '^push-ack rejected: .*outside the scope.* rejected: .*outside the scope' "$OUT" \
    "signed Push for another unit: each delta rejected with the reason"
raw hello
assert_match '^welcome' "$OUT" "the attacker's own Hello still works"

# None of it reached the cells; the good offices' figures did.
cells=$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id
                           WHERE u.code = 'QT.CAMLO' OR c.author = 'rawpeer'")
assert_eq 0 "$cells" "cells written by the attacks"
assert_eq 41 "$(row_value "$(report_json 2022-05)" QT.DONGHA members.new)" "Đông Hà's figure"
assert_eq 17 "$(row_value "$(report_json 2022-05)" QT.VINHLINH members.new)" "Vĩnh Linh's figure"
assert_eq 2 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE author = 'rawpeer' AND outcome = 4")" \
    "the rejected deltas are kept in the audit log"

# The server still answers, and a replica reads only its own subtree.
us good set QT.DONGHA 2022-06 members.new 9
sync_ok good
assert_eq 0 "$(sqlite3 "$(cdb good)" "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id
                                     WHERE u.code NOT LIKE 'QT.DONGHA%'")" \
    "cells of other units in Đông Hà's store"
assert_eq 0 "$(sqlite3 "$(cdb good)" "SELECT COUNT(*) FROM units WHERE code = 'QT.VINHLINH'")" \
    "other districts in Đông Hà's unit tree"
kill -0 "$SERVER_PID" || die "server died"

# The audit chain holds, and shows a record changed behind its back.
uss audit verify
assert_rc 0 "audit verify"
server_stop
sqlite3 "$SRV_DB" "DROP TRIGGER received_append_only;
                   UPDATE received SET value = 4100 WHERE id = (SELECT MIN (id) FROM received
                     WHERE unit = 'QT.DONGHA' AND value = 41);"
uss audit verify
assert_rc_nonzero "audit verify after tampering"
assert_match 'audit record [0-9]+ was changed' "$(cat "$WORK/.err")" "audit verify names the record"
e2e_finish
