#!/usr/bin/env bash
# t_hostile_text: text from the wire cannot reach a terminal as commands.
#  - a replica (us-rawpeer, its real keys) pushes a delta whose author holds
#    an escape sequence and one whose note holds an OSC sequence and a stray
#    byte: each delta is refused on its own, with the reason, and nothing of
#    them reaches the cells or the audit chain's texts;
#  - texts already in a store (written before this check) are printed with
#    their control characters escaped by `conflicts` and the office's
#    `status`.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
RAW=$BUILD/us-rawpeer
[ -x "$RAW" ] || die "us-rawpeer is not built"
ESC=$'\x1b'

server_init
server_start
client_init camlo QT.CAMLO
sync_ok camlo
OUT=$("$RAW" "$(cdb camlo)" hostile-text 2>/dev/null)
assert_eq 0 "$?" "hostile push answered"
log "rawpeer hostile-text: $OUT"
assert_match '^push-ack rejected: author or note .*control characters rejected: author or note' \
    "$OUT" "each delta refused for its text"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id
                                  WHERE u.code = 'QT.CAMLO'")" "nothing reached the cells"
uss audit show --unit QT.CAMLO --period 2022
case "$OUT" in *"$ESC"*) fail "audit show prints a raw escape" "expected: none" "seen: $OUT" ;; esac

# Older texts: a conflict at the server, a rejection and a conflict at the office.
sqlite3 "$SRV_DB" "INSERT INTO conflicts (unit_id, ind_id, month, winner_value, winner_replica,
    winner_author, winner_hlc, loser_value, loser_replica, loser_author, loser_hlc, rule, at)
    SELECT u.id, i.id, 24268, 1, 'a', 'evil${ESC}[2Jauthor', 0, 2, 'b', 'x', 0, 'lww', 0
    FROM units u, indicators i WHERE u.code = 'QT.CAMLO' AND i.code = 'members.new'"
uss conflicts
assert_rc 0 "conflicts"
assert_match 'evil\\x1B\[2Jauthor' "$OUT" "conflicts escapes the author"
case "$OUT" in *"$ESC"*) fail "conflicts prints a raw escape" "expected: none" "seen: $OUT" ;; esac
sqlite3 "$(cdb camlo)" "INSERT INTO conflicts (unit, indicator, month, winner_value, winner_author,
    loser_value, loser_author, rule, at) VALUES ('QT.CAMLO', 'members.new', 24268, 1,
    'evil${ESC}]0;t${ESC}\\\\', 2, 'x', 'lww', 0)"
us camlo status
assert_rc 0 "status"
assert_match 'evil\\x1B\]0;t\\x1B' "$OUT" "status escapes the author"
case "$OUT" in *"$ESC"*) fail "status prints a raw escape" "expected: none" "seen: $OUT" ;; esac
e2e_finish
