#!/usr/bin/env bash
# t_reorg_report: year-on-year reports across the 2025 reorganisation.
#  Offices of Vĩnh Linh, Gio Linh and Đông Hà enter members.new (a flow)
#  and members.total (a stock) for 2024 and the first half of 2025 over
#  real sockets. On 2025-07-01 Vĩnh Linh and Gio Linh merge into the
#  commune union of Vĩnh Linh, and Đông Hà splits 0.6/0.4 between two ward
#  unions (0.7/0.3 for members.new). The new unions' offices enter the
#  second half of 2025. Then:
#  - the 2025 report shows the tree in force at its end, with each figure
#    of the year counted once: the old units' figures added to their
#    successor on the merge and shared on the split, month by month, by
#    largest remainder (worked out here in bash, independently);
#  - `report 2025 --compare` maps 2024 onto today's units the same way and
#    the province's totals equal the sums of everything entered;
#  - the stock at the end of 2024 is mapped and summed;
#  - the footnote (text, Vietnamese) and the JSON `mapping` name the units;
#  - the 2024 report on its own shows the tree of 2024, unmapped.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

server_init
cat >"$WORK/new.csv" <<'CSV'
id,name,parent,kind,valid_from
QT.X.VINHLINH,Công đoàn xã Vĩnh Linh,QT,commune,2025-07
QT.P.DONGHA,Công đoàn phường Đông Hà,QT,commune,2025-07
QT.P.NAMDONGHA,Công đoàn phường Nam Đông Hà,QT,commune,2025-07
CSV
must "$USS" units import "$WORK/new.csv" --db "$SRV_DB"
server_start

# Every figure entered: "office unit month indicator value".
ENTRIES=()
enter () {
    us "$1" set "$2" "$3" "$4" "$5"
    assert_rc 0 "$1 enters $2 $3 $4"
    ENTRIES+=("$2 $3 $4 $5")
}

for o in vinhlinh:QT.VINHLINH giolinh:QT.GIOLINH dongha:QT.DONGHA; do
    client_init "${o%%:*}" "${o#*:}"
done
enter vinhlinh QT.VINHLINH 2024-02 members.new 31
enter vinhlinh QT.VINHLINH 2024-09 members.new 17
enter vinhlinh QT.VINHLINH 2024-12 members.total 4120
enter giolinh QT.GIOLINH 2024-05 members.new 23
enter giolinh QT.GIOLINH 2024-12 members.total 2875
enter dongha QT.DONGHA 2024-03 members.new 101
enter dongha QT.DONGHA 2024-10 members.new 47
enter dongha QT.DONGHA 2024-12 members.total 6003
enter vinhlinh QT.VINHLINH 2025-03 members.new 12
enter giolinh QT.GIOLINH 2025-04 members.new 9
enter dongha QT.DONGHA 2025-02 members.new 33
enter dongha QT.DONGHA 2025-05 members.new 18
for o in vinhlinh giolinh dongha; do sync_ok "$o"; done

must "$USS" units merge QT.VINHLINH QT.GIOLINH --into QT.X.VINHLINH --on 2025-07-01 --db "$SRV_DB"
must "$USS" units split QT.DONGHA --into QT.P.DONGHA=0.6,QT.P.NAMDONGHA=0.4 --on 2025-07-01 --db "$SRV_DB"
must "$USS" units split QT.DONGHA --into QT.P.DONGHA=0.7,QT.P.NAMDONGHA=0.3 --on 2025-07-01 \
    --indicator members.new --db "$SRV_DB"

for o in xvinhlinh:QT.X.VINHLINH pdongha:QT.P.DONGHA pnamdongha:QT.P.NAMDONGHA; do
    client_init "${o%%:*}" "${o#*:}"
    sync_ok "${o%%:*}"
done
enter xvinhlinh QT.X.VINHLINH 2025-08 members.new 14
enter xvinhlinh QT.X.VINHLINH 2025-12 members.total 7300
enter pdongha QT.P.DONGHA 2025-09 members.new 21
enter pdongha QT.P.DONGHA 2025-12 members.total 3650
enter pnamdongha QT.P.NAMDONGHA 2025-11 members.new 8
enter pnamdongha QT.P.NAMDONGHA 2025-12 members.total 2400
for o in xvinhlinh pdongha pnamdongha; do sync_ok "$o"; done

# share VALUE PPM_A PPM_B: "A B", the largest-remainder split of VALUE into
# two parts (a tie goes to A, whose code sorts first).
share () {
    local v=$1 a=$(( $1 * $2 / 1000000 )) b=$(( $1 * $3 / 1000000 ))
    local ra=$(( $1 * $2 % 1000000 )) rb=$(( $1 * $3 % 1000000 ))
    if [ $(( v - a - b )) -gt 0 ]; then
        if [ "$ra" -ge "$rb" ]; then a=$((a + 1)); else b=$((b + 1)); fi
    fi
    echo "$a $b"
}

# expected YEAR UNIT INDICATOR: the figure of today's UNIT for YEAR, from
# ENTRIES: flows summed over the year, stocks at the year's last month.
expected () {
    local year=$1 unit=$2 ind=$3 sum=0 e u m i v parts latest=''
    declare -A stock=()
    for e in "${ENTRIES[@]}"; do
        read -r u m i v <<<"$e"
        [ "${m%-*}" = "$year" ] && [ "$i" = "$ind" ] || continue
        case $u in
            QT.VINHLINH|QT.GIOLINH) u=QT.X.VINHLINH ;;
            QT.DONGHA)
                if [ "$i" = members.new ]; then parts=$(share "$v" 700000 300000)
                else parts=$(share "$v" 600000 400000); fi
                if [ "$unit" = QT.P.DONGHA ]; then v=${parts% *}; else v=${parts#* }; fi
                u=$unit
                [ "$unit" = QT.P.DONGHA ] || [ "$unit" = QT.P.NAMDONGHA ] || u=QT.DONGHA.MAPPED ;;
        esac
        [ "$u" = "$unit" ] || [ "$unit" = QT ] || continue
        if [ "$ind" = members.total ]; then
            stock[$u.$m]=$(( ${stock[$u.$m]:-0} + v ))
        else
            sum=$((sum + v))
        fi
    done
    if [ "$ind" = members.total ]; then
        # The latest month of each unit, summed (the province adds its units').
        declare -A last=()
        local k
        for k in "${!stock[@]}"; do
            u=${k%.*}; m=${k##*.}
            [[ -z "${last[$u]:-}" || "$m" > "${last[$u]}" ]] && last[$u]=$m
        done
        for u in "${!last[@]}"; do sum=$((sum + ${stock[$u.${last[$u]}]})); done
    fi
    echo "$sum"
}

# The expected province totals by plain sums of what was entered.
total_new () {
    local e u m i v sum=0
    for e in "${ENTRIES[@]}"; do
        read -r u m i v <<<"$e"
        [ "${m%-*}" = "$1" ] && [ "$i" = members.new ] && sum=$((sum + v))
    done
    echo "$sum"
}

json=$("$USS" report 2025 --compare --format json --db "$SRV_DB") || die "report 2025 --compare failed"
val () { jq -r --arg u "$1" --arg i "$2" --arg f "$3" \
    '(.rows[] | select(.unit == $u) | .values[$i][$f]) // "none"' <<<"$json"; }
for unit in QT.X.VINHLINH QT.P.DONGHA QT.P.NAMDONGHA; do
    for ind in members.new members.total; do
        assert_eq "$(expected 2025 "$unit" "$ind")" "$(val "$unit" "$ind" value)" "2025 $unit $ind"
        assert_eq "$(expected 2024 "$unit" "$ind")" "$(val "$unit" "$ind" previous)" "2024 mapped onto $unit $ind"
    done
done
assert_eq "$(total_new 2025)" "$(val QT members.new value)" "the province's 2025 counts every figure once"
assert_eq "$(total_new 2024)" "$(val QT members.new previous)" "the province's 2024 counts every figure once"
assert_eq "$((4120 + 2875 + 6003))" "$(val QT members.total previous)" "the stock at the end of 2024, mapped and summed"
assert_eq "$((7300 + 3650 + 2400))" "$(val QT members.total value)" "the stock at the end of 2025"
assert_eq none "$(val QT.VINHLINH members.new value)" "an ended unit is not in the 2025 tree"
assert_eq 'QT.DONGHA QT.GIOLINH QT.VINHLINH' "$(jq -r '[.mapping[].unit] | sort | join(" ")' <<<"$json")" \
    "the JSON mapping names the mapped units"
assert_match 'added to QT.X.VINHLINH' "$(jq -r '.mapping[] | select(.unit == "QT.GIOLINH") | .how' <<<"$json")" \
    "a merge says the figures were added"
assert_match 'QT.P.DONGHA 60.0%, QT.P.NAMDONGHA 40.0%.*members.new' \
    "$(jq -r '.mapping[] | select(.unit == "QT.DONGHA") | .how' <<<"$json")" "a split says its shares"

uss report 2025 --compare
assert_rc 0 "text report"
assert_match "Note: figures of reorganised units are mapped onto today's units" "$OUT" "the text footnote"
assert_match 'QT.GIOLINH \(LĐLĐ huyện Gio Linh\): added to QT.X.VINHLINH' "$OUT" "the footnote names Gio Linh"
uss report 2025 --compare --format vi
assert_rc 0 "Vietnamese report"
assert_match 'Ghi chú: số liệu của các đơn vị đã sắp xếp lại' "$OUT" "the Vietnamese footnote"
assert_match 'QT.GIOLINH \(LĐLĐ huyện Gio Linh\): cộng vào QT.X.VINHLINH' "$OUT" "the Vietnamese footnote says how"
assert_match 'QT.P.DONGHA 60,0%, QT.P.NAMDONGHA 40,0%' "$OUT" "with a decimal comma"
uss report 2025 --format html
assert_rc 0 "HTML report"
assert_match '<section class="mapping">' "$OUT" "the HTML footnote"
section=$(grep -n 'class="mapping"' <<<"$OUT" | head -n 1 | cut -d : -f 1)
body=$(grep -n '</body>' <<<"$OUT" | tail -n 1 | cut -d : -f 1)
assert_le "${section:-999999}" "${body:-0}" "the footnote is inside the page"

# The province's own office maps its mirror the same way, from the
# successors and the shares per indicator it pulled.
client_init provoffice QT
sync_ok provoffice
us provoffice show 2025 --json
assert_rc 0 "the office's report of 2025"
office=$OUT
assert_eq "$(expected 2025 QT.X.VINHLINH members.new)" "$(row_value "$office" QT.X.VINHLINH members.new)" \
    "the office adds the merged units' figures"
assert_eq "$(expected 2025 QT.P.NAMDONGHA members.total)" "$(row_value "$office" QT.P.NAMDONGHA members.total)" \
    "the office shares the split unit's stock"
for unit in QT.P.DONGHA QT.P.NAMDONGHA; do
    assert_eq "$(expected 2025 "$unit" members.new)" "$(row_value "$office" "$unit" members.new)" \
        "the office shares members.new of the split unit by that indicator's own shares ($unit)"
done
assert_eq "$(total_new 2025)" "$(row_value "$office" QT members.new)" "the office counts every 2025 figure once"
assert_eq none "$(row_value "$office" QT.DONGHA members.new)" "the office's 2025 tree has no Đông Hà"

json=$(report_json 2024) || die "report 2024 failed"
assert_eq "$((31 + 17))" "$(row_value "$json" QT.VINHLINH members.new)" "the 2024 report keeps Vĩnh Linh"
assert_eq none "$(row_value "$json" QT.X.VINHLINH members.new)" "and has no commune union"
assert_eq null "$(jq '.mapping' <<<"$json")" "nothing is mapped in the tree of its own year"
assert_eq "$(total_new 2024)" "$(row_value "$json" QT members.new)" "the 2024 total is unchanged"
server_stop
e2e_finish
