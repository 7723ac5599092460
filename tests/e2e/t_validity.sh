#!/usr/bin/env bash
# t_validity: no figure is written for a month a unit does not exist in.
# A commune union founded in 2025-07: its office refuses an edit of
# 2022-05; the same edit sent anyway (us-rawpeer, the office's real keys)
# is rejected by the server per delta; a province correction is refused
# too; an edit inside the dates goes through.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
RAW=$BUILD/us-rawpeer
[ -x "$RAW" ] || die "us-rawpeer is not built"

server_init
printf 'id,name,parent,kind,valid_from,valid_to\nQT.P1,Công đoàn phường 1,QT,commune,2025-07,\n' \
    >"$WORK/new.csv"
uss units import "$WORK/new.csv"
assert_rc 0 "a unit with validity dates"
server_start
client_init p1 QT.P1
sync_ok p1

us p1 set QT.P1 2022-05 members.new 5
assert_rc 2 "office edit before the unit existed"
assert_match 'starts only in 2025-07' "$ERR" "the office names the first month"
OUT=$("$RAW" "$(cdb p1)" push 2>/dev/null)
log "rawpeer push: $OUT"
assert_match '^push-ack rejected: .*QT.P1 starts only in 2025-07.* rejected: ' "$OUT" \
    "the server rejects each delta of a month before the unit existed"
uss set QT.P1 2022-05 members.new 5 --note 'province'
assert_match 'starts only in 2025-07' "$OUT$ERR" "a province correction is refused too"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id
                                  WHERE u.code = 'QT.P1'")" "no cell of QT.P1 written"
us p1 set QT.P1 2025-08 members.new 7
assert_rc 0 "office edit inside the dates"
sync_ok p1
assert_eq 7 "$(sqlite3 "$SRV_DB" "SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id
                                  WHERE u.code = 'QT.P1'")" "the edit inside the dates arrived"
e2e_finish
