#!/usr/bin/env bash
# t_server_down: offices keep working while the province is unreachable.
#  1. With no server running, `unionsync sync --timeout-ms 200 --retries 2`
#     exits 3 within 5 s (it waits 0.2 + 0.4 s), says on one line that the
#     server did not answer, and `status --json` still lists every pending
#     edit (unit, month, indicator, value), also after a second failed try.
#  2. The server starts: sync exits 0, nothing is pending, and the report
#     shows every figure.
#  3. The server stops (SIGTERM, clean exit 0) and restarts on the same store:
#     an edit made meanwhile fails to sync with exit 3, then arrives after the
#     restart, next to the figures stored before.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

declare -A FIG=()

# edit NAME UNIT MONTH INDICATOR VALUE: an offline edit, remembered in FIG.
edit () {
    us "$1" set "$2" "$3" "$4" "$5"
    assert_rc 0 "offline set $2 $3 $4"
    FIG[$2|$3|$4]=$5
}

# pending_list NAME: NAME's pending edits as sorted "unit|month|indicator=value" lines.
pending_list () {
    us "$1" status --json
    jq -r '.pending[] | "\(.unit)|\(.month)|\(.indicator)=\(.value)"' <<<"$OUT" | sort
}

# expected_pending UNIT: the edits of UNIT in FIG, in the same form.
expected_pending () {
    local k
    for k in "${!FIG[@]}"; do
        [[ $k == "$1|"* ]] && echo "$k=${FIG[$k]}"
    done | sort
}

# sync_unreachable NAME: a sync of NAME exits 3, quickly.
sync_unreachable () {
    local t0 ms
    t0=$(date +%s%N)
    us "$1" sync --timeout-ms 200 --retries 2
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    assert_rc 3 "sync of $1 with the server down"
    assert_le "$ms" 5000 "sync of $1 with the server down gives up quickly (ms)"
    assert_match 'no answer|unreachable|not reachable' "$ERR" "sync of $1 says the server did not answer"
    assert_one_stderr_line "sync of $1 with the server down"
}

# check_all_figures: every figure in FIG is in the server's report.
check_all_figures () {
    local k u m ind json
    for k in "${!FIG[@]}"; do
        IFS='|' read -r u m ind <<<"$k"
        json=$(report_json "$m" "$u")
        assert_eq "${FIG[$k]}" "$(row_value "$json" "$u" "$ind")" "server figure $u $m $ind"
    done
}

server_init
client_init dongha QT.DONGHA
client_init camlo QT.CAMLO
for m in 01 02 03 04; do
    edit dongha QT.DONGHA "2022-$m" members.new "$((100 + 10#$m))"
    edit camlo QT.CAMLO "2022-$m" cla.signed "$((10#$m))"
done
edit dongha QT.DONGHA 2022-04 members.total 8123
edit camlo QT.CAMLO 2022-04 members.total 2456

# 1. nobody listens on the port
for name in dongha camlo; do
    sync_unreachable "$name"
    sync_unreachable "$name"
done
assert_eq "$(expected_pending QT.DONGHA)" "$(pending_list dongha)" "Đông Hà's pending edits after failed syncs"
assert_eq "$(expected_pending QT.CAMLO)" "$(pending_list camlo)" "Cam Lộ's pending edits after failed syncs"

# 2. the server comes up
server_start
sync_ok dongha
sync_ok camlo
assert_eq '' "$(pending_list dongha)" "Đông Hà has nothing pending after the sync"
assert_eq '' "$(pending_list camlo)" "Cam Lộ has nothing pending after the sync"
check_all_figures
json=$(report_json 2022-01..2022-04)
assert_eq 410 "$(row_value "$json" QT.DONGHA members.new)" "Đông Hà members.new 2022-01..2022-04 (101+102+103+104)"
assert_eq 10579 "$(row_value "$json" QT members.total)" "QT members.total in April (8123 + 2456)"

# 3. the server goes down and comes back on the same store
server_stop
edit camlo QT.CAMLO 2022-05 cla.signed 9
sync_unreachable camlo
assert_eq 'QT.CAMLO|2022-05|cla.signed=9' "$(pending_list camlo)" "the edit made while the server was down is pending"
server_start
sync_ok camlo
check_all_figures
assert_eq 19 "$(row_value "$(report_json 2022)" QT cla.signed)" "QT cla.signed for 2022 (1+2+3+4+9)"
server_stop
e2e_finish
