#!/usr/bin/env bash
# t_confidential: a replica reads only what is its own.
#  - a repeated delta's answer carries only what the first answer carried:
#    a replica (us-rawpeer, with its real keys) pushes a delta for another
#    district's unit (refused), that district then writes the cell, and the
#    same delta pushed again is answered as before: no value, version 0;
#  - the pull gives a district the figures, targets and submissions of its
#    own subtree only; of the province above it, the name only.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
RAW=$BUILD/us-rawpeer
[ -x "$RAW" ] || die "us-rawpeer is not built"

server_init
server_start
client_init owner QT.VINHLINH
client_init attacker QT.CAMLO
for n in owner attacker; do sync_ok "$n"; done

# 1. The refused delta, then the owner's figure, then the same delta again.
raw () {
    OUT=$("$RAW" "$(cdb attacker)" foreign --values 2>/dev/null)
    RC=$?
    log "rawpeer foreign: rc=$RC $OUT"
}
raw
assert_eq 0 "$RC" "first foreign push answered"
assert_match '^push-ack rejected: .*outside the scope.*\{value 0 version 0 cleared\}' "$OUT" \
    "first answer carries nothing of the cell"
us owner set QT.VINHLINH 2022-05 members.new 4321
sync_ok owner
us owner set QT.VINHLINH 2022-05 cdcs.new 8765
sync_ok owner
raw
assert_eq 0 "$RC" "repeated foreign push answered"
assert_match '^push-ack rejected: .*outside the scope' "$OUT" "repeat still refused"
assert_match '\{value 0 version 0 cleared\}.*\{value 0 version 0 cleared\}' "$OUT" \
    "repeat carries what the first answer carried"
case "$OUT" in
    *4321*|*8765*) fail "repeat leaks Vĩnh Linh's figures" "expected: no 4321/8765" "seen: $OUT" ;;
esac

# 2. What the province holds of its own: a corrected figure, a target and a
#    submission of QT; a target of the attacker's own unit; another
#    district's figure and target.
uss set QT 2022-05 members.new 999 --note 'province figure'
assert_rc 0 "province correction of QT"
uss target set QT members.new 2022-H1 5000
assert_rc 0 "target of the province"
uss target set QT.VINHLINH members.new 2022-H1 700
assert_rc 0 "target of Vĩnh Linh"
uss target set QT.CAMLO members.new 2022-H1 300
assert_rc 0 "target of Cam Lộ"
uss approve QT.VINHLINH 2022-H1 --force
assert_rc 0 "Vĩnh Linh's half-year approved"
sync_ok attacker
ADB=$(cdb attacker)
q () { sqlite3 "$ADB" "$1"; }
assert_eq 0 "$(q "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id
                   WHERE u.code <> 'QT.CAMLO'")" "cells of other units at Cam Lộ"
assert_eq 0 "$(q "SELECT COUNT(*) FROM targets t JOIN units u ON u.id = t.unit_id
                   WHERE u.code <> 'QT.CAMLO'")" "targets of other units at Cam Lộ"
assert_eq 300 "$(q "SELECT t.lo FROM targets t JOIN units u ON u.id = t.unit_id
                     WHERE u.code = 'QT.CAMLO'")" "Cam Lộ's own target"
assert_eq 0 "$(q "SELECT COUNT(*) FROM submissions s JOIN units u ON u.id = s.unit_id
                   WHERE u.code <> 'QT.CAMLO'")" "submissions of other units at Cam Lộ"
assert_eq 0 "$(q "SELECT COUNT(*) FROM conflicts WHERE unit <> 'QT.CAMLO'")" \
    "conflicts of other units at Cam Lộ"
assert_eq 'Liên đoàn Lao động tỉnh Quảng Trị' "$(q "SELECT name FROM units WHERE code = 'QT'")" \
    "the province's name still reaches Cam Lộ"

e2e_finish
