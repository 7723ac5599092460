#!/usr/bin/env bash
# t_conflict: two clerks of Gio Linh (two replicas enrolled for QT.GIOLINH)
# edit the same figure offline from the same base version.
#  1. Lan edits first (earlier clock), Hòa later; Hòa syncs first and is
#     accepted, Lan's sync then exits 4 (lost by the later clock).
#     `unionsync-server conflicts --json` lists exactly one conflict with both
#     values, both authors, both replicas and the rule; after another sync
#     both offices' `show --json` equal the server's value (Hòa's), and Lan's
#     `status --json` lists the lost conflict with the value kept.
#  2. The other way round on another figure: Hòa edits first and syncs first,
#     Lan edits later and syncs second, so Lan wins (exit 0) and the
#     province's value changes; Hòa's next sync brings the news: her store
#     shows Lan's value and her status lists the conflict she lost. The
#     server now lists two conflicts.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

HOA='Nguyễn Thị Hòa'
LAN='Trần Văn Lan'

# show_value NAME MONTH INDICATOR: QT.GIOLINH's value in NAME's own store.
show_value () {
    "$US" show "$2" --json --db "$(cdb "$1")" 2>/dev/null \
        | jq -r --arg i "$3" '(.rows[] | select(.unit == "QT.GIOLINH") | .values[$i]) // "none"'
}

# server_value MONTH INDICATOR: QT.GIOLINH's value in the server's report.
server_value () {
    row_value "$(report_json "$1" QT.GIOLINH)" QT.GIOLINH "$2"
}

server_init
server_start
client_init hoa QT.GIOLINH
client_init lan QT.GIOLINH

# a common base that both clerks have seen
us hoa set QT.GIOLINH 2022-03 members.new 50 --author "$HOA"
us hoa set QT.GIOLINH 2022-04 members.total 2900 --author "$HOA"
sync_ok hoa
sync_ok lan
assert_eq 50 "$(show_value lan 2022-03 members.new)" "Lan's store has the base value"

# 1. the later edit syncs first; the earlier one loses on arrival
us lan set QT.GIOLINH 2022-03 members.new 61 --author "$LAN"
assert_rc 0 "Lan's offline edit"
sleep 0.2
us hoa set QT.GIOLINH 2022-03 members.new 72 --author "$HOA"
assert_rc 0 "Hòa's offline edit, later"
sync_ok hoa
us lan sync --timeout-ms 2000 --retries 3
assert_rc 4 "Lan's sync after losing the conflict"
assert_match 'lost 1' "$OUT" "Lan's sync summary counts the lost conflict"
uss conflicts --json
assert_rc 0 "conflicts --json"
conflicts=$OUT
assert_eq 1 "$(jq length <<<"$conflicts")" "number of conflicts on the server"
assert_eq "QT.GIOLINH 2022-03 members.new" "$(jq -r '.[0] | "\(.unit) \(.month) \(.indicator)"' <<<"$conflicts")" "the conflict's cell"
assert_eq "72 61" "$(jq -r '.[0] | "\(.winner_value) \(.loser_value)"' <<<"$conflicts")" "winner and loser values"
assert_eq "$HOA|$LAN" "$(jq -r '.[0] | "\(.winner_author)|\(.loser_author)"' <<<"$conflicts")" "winner and loser authors"
assert_eq "hoa lan" "$(jq -r '.[0] | "\(.winner_replica) \(.loser_replica)"' <<<"$conflicts")" "winner and loser replicas (enrolment names)"
assert_match 'lww|later|clock' "$(jq -r '.[0].rule' <<<"$conflicts")" "the rule that decided"
assert_eq 72 "$(server_value 2022-03 members.new)" "server keeps the later edit"
sync_ok hoa
us lan sync --timeout-ms 2000 --retries 3
assert_rc 0 "Lan's next sync (nothing new to lose)"
assert_eq 72 "$(show_value hoa 2022-03 members.new)" "Hòa's store equals the server"
assert_eq 72 "$(show_value lan 2022-03 members.new)" "Lan's store equals the server"
us lan status --json
assert_eq 1 "$(jq '.conflicts_lost | length' <<<"$OUT")" "Lan's status lists one lost conflict"
assert_eq "QT.GIOLINH 2022-03 members.new 61 72" \
    "$(jq -r '.conflicts_lost[0] | "\(.unit) \(.month) \(.indicator) \(.value) \(.server_value)"' <<<"$OUT")" \
    "Lan's lost conflict: her value and the value kept"
us hoa status --json
assert_eq 0 "$(jq '.conflicts_lost | length' <<<"$OUT")" "Hòa lost nothing"

# 2. the later edit syncs second and wins over an accepted one
us hoa set QT.GIOLINH 2022-04 members.total 3000 --author "$HOA"
sleep 0.2
us lan set QT.GIOLINH 2022-04 members.total 3100 --author "$LAN"
sync_ok hoa
sync_ok lan
assert_match 'won 1' "$OUT" "Lan's sync summary counts the won conflict"
assert_eq 3100 "$(server_value 2022-04 members.total)" "server keeps the later edit that arrived second"
sync_ok hoa
assert_eq 3100 "$(show_value hoa 2022-04 members.total)" "Hòa's store receives the winning value"
assert_eq 3100 "$(show_value lan 2022-04 members.total)" "Lan's store keeps her winning value"
us hoa status --json
assert_eq 1 "$(jq '[.conflicts[] | select(.indicator == "members.total" and .loser_value == 3000 and .winner_value == 3100)] | length' <<<"$OUT")" \
    "Hòa's status shows the conflict she lost after the fact"
uss conflicts --json
assert_eq 2 "$(jq length <<<"$OUT")" "number of conflicts on the server after the second one"
assert_eq "3100 3000 $LAN" "$(jq -r '.[] | select(.indicator == "members.total") | "\(.winner_value) \(.loser_value) \(.winner_author)"' <<<"$OUT")" \
    "the second conflict: winner, loser, winner's author"
server_stop
e2e_finish
