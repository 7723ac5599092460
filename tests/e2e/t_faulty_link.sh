#!/usr/bin/env bash
# t_faulty_link: five offices sync through us-faultproxy (seed 7, 30% of the
# connections cut at a random byte, 0-20 ms delay per chunk). Each office
# loops `unionsync sync --timeout-ms 500 --retries 3` until it exits 0
# (at most 20 tries), after each round of edits: first 60 imported figures
# each, then every office changes six figures and clears one, then more
# rounds of imports (five figures each) until the proxy has cut at least 3
# connections and the server has received some Push batch twice (16 rounds
# in all at most). In the end:
#   - the server's non-empty cells equal the ground truth kept here, exactly;
#   - `received` holds exactly one row per edit made (nothing doubled, no
#     edit re-sent under a new identity) and none was rejected;
#   - the report's QT totals equal the ground truth sums;
#   - no office has anything pending, and each one's `show --json` equals
#     the truth for its unit;
#   - the faults really happened: the proxy cut 3 connections or more and
#     a Push batch reached the server twice (its `batches` table).

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

OFFICES=(QT.DONGHA QT.CAMLO QT.HAILANG QT.CDN.GIAODUC QT.CDVC)
INDS=(members.new cdcs.new training.attendees members.total cdcs.cla_eligible)
declare -A TRUTH=()     # "unit|month|indicator" -> value; absent = no figure
EDITS=0

# name_of UNIT: the client name of UNIT's office.
name_of () { local n=${1#QT.}; echo "${n//./_}"; }

# round1 UNIT: an import of 60 figures (12 months x 5 indicators).
round1 () {
    local u=$1 csv m ind v
    csv=$WORK/$(name_of "$u").csv
    : >"$csv"
    for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
        for ind in "${INDS[@]}"; do
            v=$((RANDOM % 500 + 1))
            [ "$ind" != cdcs.cla_eligible ] || v=$((RANDOM % 40 + 20))
            echo "$u,2022-$m,$ind,$v" >>"$csv"
            TRUTH[$u|2022-$m|$ind]=$v
            EDITS=$((EDITS + 1))
        done
    done
    us "$(name_of "$u")" import "$csv"
    assert_rc 0 "import of $u's figures"
}

# round2 UNIT: changes six figures and clears one, with `set`.
round2 () {
    local u=$1 name m v
    name=$(name_of "$u")
    for m in 02 04 06 08 10 12; do
        v=$((RANDOM % 500 + 1000))
        us "$name" set "$u" "2022-$m" members.new "$v"
        assert_rc 0 "set $u 2022-$m members.new"
        TRUTH[$u|2022-$m|members.new]=$v
        EDITS=$((EDITS + 1))
    done
    us "$name" set "$u" 2022-05 cdcs.new -
    assert_rc 0 "clear $u 2022-05 cdcs.new"
    unset "TRUTH[$u|2022-05|cdcs.new]"
    EDITS=$((EDITS + 1))
}

# round_more UNIT ROUND: changes one month's five figures with an import.
round_more () {
    local u=$1 csv m ind v
    csv=$WORK/$(name_of "$u")-$2.csv
    m=2022-$(printf '%02d' $(( $2 % 12 + 1 )))
    : >"$csv"
    for ind in "${INDS[@]}"; do
        v=$((RANDOM % 900 + 100 * $2))
        echo "$u,$m,$ind,$v" >>"$csv"
        TRUTH[$u|$m|$ind]=$v
        EDITS=$((EDITS + 1))
    done
    us "$(name_of "$u")" import "$csv"
    assert_rc 0 "import of $u's round $2"
}

# cuts_so_far: connections the proxy has cut until now (from its log).
cuts_so_far () { grep -c ': cut after' "$WORK/proxy.log"; }

# pushes_twice: Push batches the server received again after applying them
# (a reply lost on a cut connection makes the client send the same batch
# again); the server logs each, and keeps no bytes of it.
pushes_twice () {
    grep -c 'repeated only edits already applied' "$SRV_LOG"
}

# sync_all: every office syncs until it exits 0; fails if one never does.
sync_all () {
    local u
    for u in "${OFFICES[@]}"; do
        sync_until_ok "$(name_of "$u")" || return 1
    done
}

# sync_until_ok NAME: retries a sync over the faulty link, 20 tries at most.
sync_until_ok () {
    local i
    for i in $(seq 1 20); do
        us "$1" sync --timeout-ms 500 --retries 3
        if [ "$RC" -eq 0 ]; then
            log "  $1 synced after $i tries"
            return 0
        fi
        case $RC in
            1 | 3) ;;
            *) fail "sync of $1 over a faulty link: exit code" "expected: 0, or 1/3 before retrying" "seen: $RC: $ERR"
               return 1 ;;
        esac
    done
    fail "sync of $1 over a faulty link" "expected: exit 0 within 20 tries" "seen: $RC: $ERR"
    return 1
}

# truth_cells: the ground truth in the form of cells_dump (month as code).
truth_cells () {
    local k u m ind
    for k in "${!TRUTH[@]}"; do
        IFS='|' read -r u m ind <<<"$k"
        echo "$u $(month_code "$m") $ind ${TRUTH[$k]}"
    done | LC_ALL=C sort
}

# server_cells: the server's non-empty cells, same form.
server_cells () {
    sqlite3 -separator ' ' "$SRV_DB" \
        "SELECT u.code, c.month, i.code, c.value FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         WHERE c.value IS NOT NULL" | LC_ALL=C sort
}

# truth_sum UNIT IND: the sum of TRUTH over 2022 (UNIT '' = every office).
truth_sum () {
    local k total=0
    for k in "${!TRUTH[@]}"; do
        if [ -n "$1" ]; then
            [[ $k == "$1|"*"|$2" ]] || continue
        fi
        [[ $k == *"|$2" ]] && total=$((total + TRUTH[$k]))
    done
    echo "$total"
}

# check_office UNIT: the office's own store agrees with the truth.
check_office () {
    local u=$1 name json ind expected
    name=$(name_of "$u")
    us "$name" status --json
    assert_eq '0 0' "$(jq -r '"\(.pending | length) \(.rejected | length)"' <<<"$OUT")" "$u: pending and rejected after the syncs"
    us "$name" show 2022 --json
    json=$OUT
    for ind in members.new cdcs.new training.attendees; do
        expected=$(truth_sum "$u" "$ind")
        assert_eq "$expected" "$(row_value "$json" "$u" "$ind")" "$u's own view of 2022 $ind"
    done
}

# run_rounds: the edit-and-sync rounds; stops early if an office cannot sync.
run_rounds () {
    local u round
    sync_all || return
    for u in "${OFFICES[@]}"; do
        round2 "$u"
    done
    sync_all || return
    for round in $(seq 3 16); do
        [ "$(cuts_so_far)" -lt 3 ] || [ "$(pushes_twice)" -eq 0 ] || break
        for u in "${OFFICES[@]}"; do
            round_more "$u" "$round"
        done
        sync_all || return
    done
}

server_init
server_start
proxy_start --seed 7 --cut-rate 0.3 --delay-ms 20
RANDOM=7
for u in "${OFFICES[@]}"; do
    client_init "$(name_of "$u")" "$u" "$PROXY_ENDPOINT"
    round1 "$u"
done
run_rounds
proxy_stop

assert_eq "$(truth_cells)" "$(server_cells)" "server cells equal the ground truth"
assert_eq "$EDITS" "$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM received WHERE kind = 0')" "received rows = edits made ($EDITS)"
assert_eq 0 "$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM (SELECT 1 FROM received
    GROUP BY replica_id, unit, indicator, month, value, hlc HAVING COUNT(*) > 1)')" "no edit received twice under two identities"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE kind = 0 AND reason <> ''")" "no delta rejected"
json=$(report_json 2022)
for ind in members.new cdcs.new training.attendees; do
    assert_eq "$(truth_sum '' "$ind")" "$(row_value "$json" QT "$ind")" "QT 2022 $ind"
done
for u in "${OFFICES[@]}"; do
    check_office "$u"
done
cuts=$(sed -n 's/.* cut=\([0-9]*\).*/\1/p' "$WORK/proxy.out")
assert_match '^([3-9]|[1-9][0-9]+)$' "$cuts" "the proxy cut 3 connections or more (cut=N in its summary)"
assert_ne 0 "$(pushes_twice)" "some Push reached the server twice (so dedup was exercised)"
server_stop
e2e_finish
