#!/usr/bin/env bash
# t_reorg_shares: a split with shares of its own per indicator.
#  1. Offices of Đông Hà and Hải Lăng enter the first half of 2025 (a flow,
#     members.new, month by month, and the stock members.total in June).
#  2. Bad --share options of every kind exit 2 with one line and record
#     nothing: shares not summing to 1, a unit that is not a successor, an
#     unknown indicator, an indicator given twice, no indicator, --share
#     on a merge, and --share beside --indicator.
#  3. `units split QT.DONGHA --into` three ward unions 0.5/0.3/0.2 with
#     `--share members.new:...=0.34,0.33,0.33 --share members.total:0.7,0.2,0.1`
#     in one command; Hải Lăng split 0.6/0.4 by a reorganise file whose
#     sixth column gives members.new 0.25/0.75 (after a dry run that
#     records nothing).
#  4. The 2025 report maps each figure month by month with the shares of
#     its indicator, by largest remainder (worked out here in bash: ties
#     go to the code that sorts first), the other indicators with the
#     general shares; the parts add up to what was entered.
#  5. The province's own office pulls the split units with their shares
#     and its report of 2025 maps them the same way, offline.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

server_init
cat >"$WORK/new.csv" <<'CSV'
id,name,parent,kind,valid_from
QT.P.DONGHA,Công đoàn phường Đông Hà,QT,commune,2025-07
QT.P.NAMDONGHA,Công đoàn phường Nam Đông Hà,QT,commune,2025-07
QT.P.DONGLE,Công đoàn phường Đông Lễ,QT,commune,2025-07
QT.X.HAILANG,Công đoàn xã Hải Lăng,QT,commune,2025-07
QT.X.MYTHUY,Công đoàn xã Mỹ Thủy,QT,commune,2025-07
CSV
must "$USS" units import "$WORK/new.csv" --db "$SRV_DB"
server_start

# The shares, as given to the commands below: "OLD INDICATOR|* UNIT=PPM...".
SHARES=(
    "QT.DONGHA * QT.P.DONGHA=500000 QT.P.NAMDONGHA=300000 QT.P.DONGLE=200000"
    "QT.DONGHA members.new QT.P.DONGHA=340000 QT.P.NAMDONGHA=330000 QT.P.DONGLE=330000"
    "QT.DONGHA members.total QT.P.DONGHA=700000 QT.P.NAMDONGHA=200000 QT.P.DONGLE=100000"
    "QT.HAILANG * QT.X.HAILANG=600000 QT.X.MYTHUY=400000"
    "QT.HAILANG members.new QT.X.HAILANG=250000 QT.X.MYTHUY=750000"
)

ENTRIES=()
enter () {
    us "$1" set "$2" "$3" "$4" "$5"
    assert_rc 0 "$1 enters $2 $3 $4 $5"
    ENTRIES+=("$2 $3 $4 $5")
}
client_init dongha QT.DONGHA
client_init hailang QT.HAILANG
enter dongha QT.DONGHA 2025-01 members.new 100
enter dongha QT.DONGHA 2025-02 members.new 7
enter dongha QT.DONGHA 2025-04 members.new 10
enter dongha QT.DONGHA 2025-05 members.new 5
enter dongha QT.DONGHA 2025-06 members.total 6003
enter dongha QT.DONGHA 2025-06 cla.signed 9
enter hailang QT.HAILANG 2025-02 members.new 33
enter hailang QT.HAILANG 2025-04 members.new 9
enter hailang QT.HAILANG 2025-06 members.total 3001
sync_ok dongha
sync_ok hailang

# 2. refusals
events () { sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM unit_events; SELECT code, valid_to, successor
                               FROM units ORDER BY code; SELECT COUNT(*) FROM received"; }
refused () {
    local what=$1 before
    shift
    before=$(events)
    uss "$@"
    assert_rc 2 "$what"
    assert_one_stderr_line "$what"
    assert_eq "$before" "$(events)" "$what records nothing"
}
INTO=QT.P.DONGHA=0.5,QT.P.NAMDONGHA=0.3,QT.P.DONGLE=0.2
split () { echo units split QT.DONGHA --into "$INTO" --on 2025-07-01; }
refused 'shares of an indicator that sum to 1.1' $(split) --share members.new:QT.P.DONGHA=0.5,QT.P.NAMDONGHA=0.3,QT.P.DONGLE=0.3
refused 'a share for a unit that is not a successor' $(split) --share members.new:QT.P.DONGHA=0.5,QT.CAMLO=0.5
refused 'shares of an unknown indicator' $(split) --share members.nope:QT.P.DONGHA=0.5,QT.P.NAMDONGHA=0.5
refused 'an indicator given twice' $(split) --share members.new:QT.P.DONGHA=0.5,QT.P.NAMDONGHA=0.5 \
    --share members.new:QT.P.DONGHA=0.4,QT.P.NAMDONGHA=0.6
refused 'shares without an indicator' $(split) --share QT.P.DONGHA=0.5,QT.P.NAMDONGHA=0.5
refused '--share on a merge' units merge QT.DONGHA --into QT.P.DONGHA --on 2025-07-01 \
    --share members.new:QT.P.DONGHA=1
refused '--share beside --indicator' $(split) --indicator members.new \
    --share members.new:QT.P.DONGHA=0.5,QT.P.NAMDONGHA=0.5

# 3. the splits
uss $(split) --share members.new:QT.P.DONGHA=0.34,QT.P.NAMDONGHA=0.33,QT.P.DONGLE=0.33 \
    --share members.total:QT.P.DONGHA=0.7,QT.P.NAMDONGHA=0.2,QT.P.DONGLE=0.1
assert_rc 0 "a split with shares of two indicators in one command"
cat >"$WORK/reorg.csv" <<'CSV'
action,unit,target,date,indicator,shares
split,QT.HAILANG,QT.X.HAILANG=0.6;QT.X.MYTHUY=0.4,2025-07-01,,members.new:QT.X.HAILANG=0.25;QT.X.MYTHUY=0.75
CSV
before=$(events)
uss units reorganise "$WORK/reorg.csv" --dry-run
assert_rc 0 "the dry run of a file with shares per indicator"
assert_eq "$before" "$(events)" "the dry run records nothing"
{ head -n 1 "$WORK/reorg.csv"
  echo 'split,QT.HAILANG,QT.X.HAILANG=0.6;QT.X.MYTHUY=0.4,2025-07-01,,members.new:QT.X.HAILANG=0.5;QT.X.MYTHUY=0.6'; } >"$WORK/bad.csv"
refused 'a file whose shares per indicator do not sum to 1' units reorganise "$WORK/bad.csv"
assert_match 'line 2' "$ERR" "the refusal names the line"
uss units reorganise "$WORK/reorg.csv"
assert_rc 0 "the reorganisation file with shares per indicator"
uss units events
assert_match 'split +QT.HAILANG -> QT.X.MYTHUY x 0.75 for members.new' "$OUT" "the file's share is listed"
assert_match 'split +QT.DONGHA -> QT.P.DONGLE x 0.1 for members.total' "$OUT" "the option's share is listed"

# The split unit's office is told its successors, by code and name.
sync_ok dongha
names=$(awk -F, '$1 ~ /^QT.P./ { printf "%s%s: %s", n++ ? "; " : "", $1, $2 }' "$WORK/new.csv")
assert_match "unit QT.DONGHA ended in 2025-06; its successors are $INTO \\($names\\)" "$OUT" \
    "the sync names the split unit's successors"

# After the change, a ward union's own figure.
client_init pdongha QT.P.DONGHA
sync_ok pdongha
enter pdongha QT.P.DONGHA 2025-09 members.new 21
sync_ok pdongha

# lr VALUE UNIT=PPM...: "UNIT=PART ..." by largest remainder, ties to the
# code that sorts first.
lr () {
    local v=$1 given=0 p u w
    shift
    declare -A part=()
    local rems=''
    for p in "$@"; do
        u=${p%=*}; w=${p#*=}
        part[$u]=$(( v * w / 1000000 ))
        given=$(( given + part[$u] ))
        rems+="$(( v * w % 1000000 )) $u"$'\n'
    done
    local left=$(( v - given ))
    while read -r w u; do
        [ "$left" -gt 0 ] || break
        [ -n "$u" ] || continue
        part[$u]=$(( part[$u] + 1 )); left=$(( left - 1 ))
    done < <(sort -k1,1nr -k2,2 <<<"$rems")
    for u in "${!part[@]}"; do echo "$u=${part[$u]}"; done
}

# shares_of OLD INDICATOR: the successors and shares that map it.
shares_of () {
    local s own='' general=''
    for s in "${SHARES[@]}"; do
        read -r -a f <<<"$s"
        [ "${f[0]}" = "$1" ] || continue
        [ "${f[1]}" = "$2" ] && own="${f[*]:2}"
        [ "${f[1]}" = '*' ] && general="${f[*]:2}"
    done
    echo "${own:-$general}"
}

# expected UNIT INDICATOR: the 2025 figure of today's UNIT (flows summed
# over months, the stock at the latest month), from ENTRIES.
expected () {
    local unit=$1 ind=$2 e u m i v kv sum=0 latest='' stock=0
    for e in "${ENTRIES[@]}"; do
        read -r u m i v <<<"$e"
        [ "$i" = "$ind" ] && [ "${m%-*}" = 2025 ] || continue
        local parts
        parts=$(shares_of "$u" "$ind")
        if [ -n "$parts" ]; then
            v=$(lr "$v" $parts | sed -n "s/^$unit=//p")
            [ -n "$v" ] || continue
        elif [ "$u" != "$unit" ]; then
            continue
        fi
        if [ "$ind" = members.total ]; then
            [[ -z "$latest" || "$m" > "$latest" ]] && { latest=$m; stock=0; }
            [ "$m" = "$latest" ] && stock=$((stock + v))
        else
            sum=$((sum + v))
        fi
    done
    [ "$ind" = members.total ] && echo "$stock" || echo "$sum"
}

# total INDICATOR: what was entered in 2025, summed (stocks: June's).
total () {
    local e u m i v sum=0
    for e in "${ENTRIES[@]}"; do
        read -r u m i v <<<"$e"
        [ "$i" = "$1" ] && [ "${m%-*}" = 2025 ] && sum=$((sum + v))
    done
    echo "$sum"
}

# 4. the province's report
json=$(report_json 2025) || die "report 2025 failed"
UNITS=(QT.P.DONGHA QT.P.NAMDONGHA QT.P.DONGLE QT.X.HAILANG QT.X.MYTHUY)
for unit in "${UNITS[@]}"; do
    for ind in members.new members.total cla.signed; do
        assert_eq "$(expected "$unit" "$ind")" "$(row_value "$json" "$unit" "$ind" | sed 's/^none$/0/')" \
            "2025 $unit $ind"
    done
done
for ind in members.new members.total cla.signed; do
    assert_eq "$(total "$ind")" "$(row_value "$json" QT "$ind")" "the province's 2025 $ind adds up to what was entered"
done
assert_match 'members.new.*QT.P.DONGHA 34.0%' "$(jq -r '.mapping[] | select(.unit == "QT.DONGHA") | .how' <<<"$json")" \
    "the mapping says the shares of members.new"

# 5. the province's own office, offline after one sync
client_init provoffice QT
sync_ok provoffice
assert_eq 'members.new:QT.X.HAILANG=0.25,QT.X.MYTHUY=0.75' \
    "$(sqlite3 "$(cdb provoffice)" "SELECT shares FROM units WHERE code = 'QT.HAILANG'")" \
    "the office holds the split unit's shares per indicator"
server_stop
us provoffice show 2025 --json
assert_rc 0 "the office's report of 2025, with the province stopped"
for unit in "${UNITS[@]}"; do
    for ind in members.new members.total cla.signed; do
        assert_eq "$(expected "$unit" "$ind")" "$(row_value "$OUT" "$unit" "$ind" | sed 's/^none$/0/')" \
            "the office's 2025 $unit $ind"
    done
done
assert_eq "$(total members.new)" "$(row_value "$OUT" QT members.new)" "the office counts every figure once"
e2e_finish
