#!/usr/bin/env bash
# t_several_districts: five district/sector offices of Quảng Trị enter figures
# offline (two with `set`, three with `import`), then sync through a real
# server. The server's JSON report must equal sums computed here in bash:
#   - flow indicators summed over the months of 2022-H1, 2022-Q2 and
#     2022-01..2022-05 (figures of 2021-12 and 2022-07 are left out);
#   - stock indicators take the latest month with a figure in the period;
#   - QT = its own figure (a province correction) + all its children;
#   - the ratio cla.coverage = with_cla / cla_eligible, one decimal;
#   - targets set with `target set` and achievement_pct (one decimal);
#   - completeness expected/submitted/missing after three offices submit.
# Each office's `show 2022-H1 --json` must agree with the server for its unit.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

OFFICES=(QT.DONGHA QT.VINHLINH QT.GIOLINH QT.HUONGHOA QT.CDN.YTE)
IMPORTERS=' QT.VINHLINH QT.GIOLINH QT.CDN.YTE '
MONTHS=(2021-12 2022-01 2022-02 2022-03 2022-04 2022-05 2022-06 2022-07)
FLOWS=(members.new propaganda.attendees party.introduced party.admitted)
STOCKS=(members.total cdcs.cla_eligible cdcs.with_cla)
declare -A FIG=()       # "unit|month|indicator" -> value entered

# name_of UNIT: the client name used for UNIT's store.
name_of () { echo "c_${1//./_}"; }

# gen_figures UNIT: fills FIG for UNIT with random figures (fixed seed) that
# keep the catalog rules (admitted <= introduced, with_cla <= cla_eligible).
# Some flow months stay empty; QT.VINHLINH reports no stock for 2022-06, so
# its H1 stock is the one of 2022-05.
gen_figures () {
    local u=$1 m intro elig
    for m in "${MONTHS[@]}"; do
        if [ $((RANDOM % 5)) -ne 0 ]; then
            FIG[$u|$m|members.new]=$((RANDOM % 200))
            FIG[$u|$m|propaganda.attendees]=$((RANDOM % 3000))
            intro=$((RANDOM % 21))
            FIG[$u|$m|party.introduced]=$intro
            FIG[$u|$m|party.admitted]=$((RANDOM % (intro + 1)))
        fi
        [ "$u|$m" != "QT.VINHLINH|2022-06" ] || continue
        FIG[$u|$m|members.total]=$((1000 + RANDOM % 9000))
        elig=$((10 + RANDOM % 50))
        FIG[$u|$m|cdcs.cla_eligible]=$elig
        FIG[$u|$m|cdcs.with_cla]=$((RANDOM % (elig + 1)))
    done
}

# enter_figures UNIT: enters UNIT's figures offline with `set` or `import`.
enter_figures () {
    local u=$1 name m ind csv
    name=$(name_of "$u")
    csv=$WORK/$name.csv
    echo 'unit,month,indicator,value,note' >"$csv"
    for m in "${MONTHS[@]}"; do
        for ind in "${FLOWS[@]}" "${STOCKS[@]}"; do
            [ -n "${FIG[$u|$m|$ind]+x}" ] || continue
            if [[ $IMPORTERS == *" $u "* ]]; then
                echo "$u,$m,$ind,${FIG[$u|$m|$ind]},tháng ${m#*-}" >>"$csv"
            else
                us "$name" set "$u" "$m" "$ind" "${FIG[$u|$m|$ind]}"
                assert_rc 0 "set $u $m $ind"
            fi
        done
    done
    if [[ $IMPORTERS == *" $u "* ]]; then
        us "$name" import "$csv"
        assert_rc 0 "import of $u's figures"
    fi
}

# in_range MONTH FIRST LAST: MONTH (YYYY-MM) lies in FIRST..LAST.
in_range () { [[ ! "$1" < "$2" && ! "$1" > "$3" ]]; }

# expect_own UNIT IND FIRST LAST: sets EXP to UNIT's own figure for the
# months FIRST..LAST, or "none" (no subshell: this runs hundreds of times).
expect_own () {
    local u=$1 ind=$2 m
    EXP=none
    for m in "${MONTHS[@]}"; do
        in_range "$m" "$3" "$4" || continue
        [ -n "${FIG[$u|$m|$ind]+x}" ] || continue
        if [[ " ${STOCKS[*]} " == *" $ind "* ]]; then
            EXP=${FIG[$u|$m|$ind]}          # months are in order: the latest wins
        else
            EXP=$(( ${EXP/none/0} + FIG[$u|$m|$ind] ))
        fi
    done
}

# expect_qt IND FIRST LAST: sets EXP to the province's consolidated figure.
expect_qt () {
    local total u
    expect_own QT "$@"
    total=$EXP
    for u in "${OFFICES[@]}"; do
        expect_own "$u" "$@"
        [ "$EXP" = none ] || total=$(( ${total/none/0} + EXP ))
    done
    EXP=$total
}

# load_report JSON: fills REP["unit|indicator"] with the report's values.
load_report () {
    local key value
    REP=()
    while IFS='=' read -r key value; do
        REP[$key]=$value
    done < <(jq -r '.rows[] | .unit as $u | .values | to_entries[] | "\($u)|\(.key)=\(.value)"' <<<"$1")
}
declare -A REP=()

# check_period LABEL PERIOD FIRST LAST: every unit's values in the report.
check_period () {
    local label=$1 period=$2 first=$3 last=$4 json u ind
    json=$(report_json "$period") || { fail "report $period" "expected: exit 0" "seen: failure"; return; }
    assert_eq "$period" "$(jq -r .period <<<"$json")" "report $label: period"
    assert_eq 15 "$(jq '.rows | length' <<<"$json")" "report $label: one row per unit of QT's subtree"
    load_report "$json"
    for ind in "${FLOWS[@]}" "${STOCKS[@]}"; do
        for u in "${OFFICES[@]}"; do
            expect_own "$u" "$ind" "$first" "$last"
            assert_eq "$EXP" "${REP[$u|$ind]:-none}" "report $label: $u $ind"
        done
        expect_qt "$ind" "$first" "$last"
        assert_eq "$EXP" "${REP[QT|$ind]:-none}" "report $label: QT $ind (consolidated)"
        assert_eq none "${REP[QT.CAMLO|$ind]:-none}" "report $label: QT.CAMLO entered nothing"
    done
    check_ratio "$label" QT "$first" "$last" qt
    check_ratio "$label" QT.HUONGHOA "$first" "$last" own
}

# close_to SEEN EXACT_EXPR WHAT: SEEN is EXACT rounded to one decimal.
close_to () {
    local ok
    ok=$(awk -v s="$1" "BEGIN { e = $2; d = s - e; if (d < 0) d = -d;
          t = s * 10; r = int(t + (t < 0 ? -0.5 : 0.5)); f = t - r; if (f < 0) f = -f;
          print (s != \"none\" && d <= 0.05 + 1e-9 && f < 1e-6) ? 1 : 0 }")
    [ "$ok" = 1 ] || fail "$3" "expected: $2 rounded to one decimal = $(awk "BEGIN { printf \"%.1f\", $2 }")" "seen:     $1"
}

# check_ratio LABEL UNIT FIRST LAST own|qt: cla.coverage of UNIT in the
# loaded report.
check_ratio () {
    local num den
    if [ "$5" = qt ]; then
        expect_qt cdcs.with_cla "$3" "$4"; num=$EXP
        expect_qt cdcs.cla_eligible "$3" "$4"; den=$EXP
    else
        expect_own "$2" cdcs.with_cla "$3" "$4"; num=$EXP
        expect_own "$2" cdcs.cla_eligible "$3" "$4"; den=$EXP
    fi
    close_to "${REP[$2|cla.coverage]:-none}" "$num * 100 / $den" \
        "report $1: $2 cla.coverage = $num / $den"
}

# check_targets: targets and achievement against bash arithmetic.
check_targets () {
    local json actual_qt actual_dh stock_dh
    must "$USS" target set QT members.new 2022-H1 1980 --source tld --db "$SRV_DB"
    must "$USS" target set QT members.new 2022-H1 1500..2500 --source committed --db "$SRV_DB"
    must "$USS" target set QT.DONGHA members.new 2022-H1 310 --db "$SRV_DB"
    must "$USS" target set QT.DONGHA members.total 2022-H1 7000 --source province --db "$SRV_DB"
    json=$(report_json 2022-H1) || { fail "report 2022-H1 with targets" "expected: exit 0" "seen: failure"; return; }
    expect_qt members.new 2022-01 2022-06; actual_qt=$EXP
    expect_own QT.DONGHA members.new 2022-01 2022-06; actual_dh=$EXP
    expect_own QT.DONGHA members.total 2022-01 2022-06; stock_dh=$EXP
    assert_eq 1980 "$(jq '.rows[] | select(.unit == "QT") | .targets["members.new"].tld' <<<"$json")" \
        "target QT members.new tld"
    assert_eq 310 "$(jq '.rows[] | select(.unit == "QT.DONGHA") | .targets["members.new"].province' <<<"$json")" \
        "target QT.DONGHA members.new province"
    assert_eq null "$(jq '.rows[] | select(.unit == "QT.VINHLINH") | .targets["members.new"]' <<<"$json")" \
        "no target for QT.VINHLINH"
    close_to "$(jq -r '.rows[] | select(.unit == "QT") | .achievement_pct["members.new"].tld // "none"' <<<"$json")" \
        "$actual_qt * 100 / 1980" "achievement QT members.new vs tld ($actual_qt / 1980)"
    close_to "$(jq -r '.rows[] | select(.unit == "QT.DONGHA") | .achievement_pct["members.new"].province // "none"' <<<"$json")" \
        "$actual_dh * 100 / 310" "achievement QT.DONGHA members.new vs province ($actual_dh / 310)"
    close_to "$(jq -r '.rows[] | select(.unit == "QT.DONGHA") | .achievement_pct["members.total"].province // "none"' <<<"$json")" \
        "$stock_dh * 100 / 7000" "achievement QT.DONGHA members.total (stock) vs province"
    assert_ne null "$(jq '.rows[] | select(.unit == "QT") | .targets["members.new"].committed' <<<"$json")" \
        "range target QT members.new committed is listed"
}

# check_completeness: three offices submit 2022-H1.
check_completeness () {
    local u name json missing expected_missing
    for u in QT.DONGHA QT.GIOLINH QT.CDN.YTE; do
        name=$(name_of "$u")
        us "$name" submit 2022-H1
        assert_rc 0 "submit 2022-H1 by $u"
        sync_ok "$name"
    done
    json=$(report_json 2022-H1) || { fail "report 2022-H1" "expected: exit 0" "seen: failure"; return; }
    assert_eq 14 "$(jq .completeness.expected <<<"$json")" "completeness.expected (14 district and sector units)"
    assert_eq 3 "$(jq .completeness.submitted <<<"$json")" "completeness.submitted"
    missing=$(jq -r '.completeness.missing[]' <<<"$json" | sort | tr '\n' ' ')
    expected_missing=$(grep -v -e '^id,' -e '^QT,' -e '^QT.DONGHA,' -e '^QT.GIOLINH,' -e '^QT.CDN.YTE,' \
        "$DATA/quangtri-units.csv" | cut -d , -f 1 | sort | tr '\n' ' ')
    assert_eq "$expected_missing" "$missing" "completeness.missing"
    json=$(report_json 2022-H1 QT.DONGHA) || { fail "report --unit QT.DONGHA" "expected: exit 0" "seen: failure"; return; }
    assert_eq '1 1 0' "$(jq -r '[.completeness.expected, .completeness.submitted, (.completeness.missing | length)] | join(" ")' <<<"$json")" \
        "completeness of QT.DONGHA alone (expected submitted missing)"
    json=$(report_json 2022-Q3) || { fail "report 2022-Q3" "expected: exit 0" "seen: failure"; return; }
    assert_eq 0 "$(jq .completeness.submitted <<<"$json")" "completeness of 2022-Q3 (nobody submitted it)"
}

# check_client_views: each office sees the server's figures for its unit.
check_client_views () {
    local u name ind
    for u in "${OFFICES[@]}"; do
        name=$(name_of "$u")
        us "$name" show 2022-H1 --json
        assert_rc 0 "show 2022-H1 by $u"
        load_report "$OUT"
        for ind in "${FLOWS[@]}" "${STOCKS[@]}"; do
            expect_own "$u" "$ind" 2022-01 2022-06
            assert_eq "$EXP" "${REP[$u|$ind]:-none}" "$u's own show 2022-H1: $ind"
        done
        us "$name" status --json
        assert_eq 0 "$(jq '.pending | length' <<<"$OUT")" "$u has nothing pending after sync"
    done
}

server_init
RANDOM=20220715
for u in "${OFFICES[@]}"; do
    gen_figures "$u"
    client_init "$(name_of "$u")" "$u"
done
FIG[QT|2022-02|members.new]=12          # the province's own recruits
for u in "${OFFICES[@]}"; do
    enter_figures "$u"
done
must "$USS" set QT 2022-02 members.new 12 --note 'LĐLĐ tỉnh tự phát triển' --db "$SRV_DB"

server_start
for u in "${OFFICES[@]}"; do
    sync_ok "$(name_of "$u")"
done

check_period H1 2022-H1 2022-01 2022-06
check_period Q2 2022-Q2 2022-04 2022-06
check_period 'five months' 2022-01..2022-05 2022-01 2022-05
check_period month 2022-07 2022-07 2022-07
check_targets
check_completeness
check_client_views
server_stop
e2e_finish
