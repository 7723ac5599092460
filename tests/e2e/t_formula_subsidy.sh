#!/usr/bin/env bash
# t_formula_subsidy: formula indicators and "of whom" parts end to end.
# Two district offices (Đông Hà, Cam Lộ) enter collective agreements of type
# A and B and new grassroots unions with 25+ members (parts of cla.signed
# and cdcs.new) offline, month by month, and sync. The province's subsidy
# at Hà Nội's rates (the formula indicator support.hanoi = 8500000 * A +
# 6000000 * B + 5000000 * unions) must equal the sum computed here in bash,
# for each district and the province, in `report --format json` and in the
# Vietnamese text (`--format vi`: "hỗ trợ ... triệu đồng cho ... bản thỏa
# ước loại A"). Also:
#   - the formula is never entered: `set` is refused at the office (exit 2,
#     nothing queued) and at the province;
#   - a part larger than its whole warns at `set` and refuses `submit`;
#   - the JSON gains a catalog section with units (đồng) and the formula,
#     values stay plain numbers; text and CSV show units and "trong đó";
#   - a catalog whose formula names an unknown indicator, or whose formulas
#     make a cycle, is refused naming the line, and changes nothing.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

OFFICES=(QT.DONGHA QT.CAMLO)
MONTHS=(2022-01 2022-02 2022-03 2022-04 2022-05 2022-06)
declare -A FIG=()       # "unit|month|indicator" -> value entered
RANDOM=2021

name_of () { echo "c_${1//./_}"; }

# vi_millions AMOUNT: an amount of đồng in millions the Vietnamese way
# (37500000 -> "37,5"; 1250000000 -> "1.250"), as the running text says it.
vi_millions () {
    local whole=$(($1 / 1000000)) frac=$(( ($1 % 1000000) / 1000 )) out
    out=$(printf "%'d" "$whole" 2>/dev/null | tr ',' '.')
    [[ $out =~ ^[0-9.]+$ ]] || out=$(echo "$whole" | sed ':a;s/\B[0-9]\{3\}\>/.&/;ta')
    if [ "$frac" -ne 0 ]; then
        frac=$(printf '%03d' "$frac" | sed 's/0*$//')
        out="$out,$frac"
    fi
    echo "$out"
}

server_init
server_start
for u in "${OFFICES[@]}"; do
    client_init "$(name_of "$u")" "$u"
done

# Figures: type A and B are parts of the agreements signed, the 25+ unions
# a part of the unions founded; every whole is at least the sum of parts.
for u in "${OFFICES[@]}"; do
    for m in "${MONTHS[@]}"; do
        [ $((RANDOM % 4)) -ne 0 ] || continue
        a=$((RANDOM % 6)); b=$((RANDOM % 5)); c=$((RANDOM % 4))
        FIG[$u|$m|cla.signed.a]=$a
        FIG[$u|$m|cla.signed.b]=$b
        FIG[$u|$m|cla.signed]=$((a + b + RANDOM % 3))
        FIG[$u|$m|cdcs.new.25plus]=$c
        FIG[$u|$m|cdcs.new]=$((c + RANDOM % 4))
    done
done
for u in "${OFFICES[@]}"; do
    name=$(name_of "$u")
    for key in "${!FIG[@]}"; do
        IFS='|' read -r fu m ind <<<"$key"
        [ "$fu" = "$u" ] || continue
        # Wholes first, so no entry warns.
        case $ind in cla.signed|cdcs.new) us "$name" set "$u" "$m" "$ind" "${FIG[$key]}"
                                          assert_rc 0 "set $u $m $ind";; esac
    done
    for key in "${!FIG[@]}"; do
        IFS='|' read -r fu m ind <<<"$key"
        [ "$fu" = "$u" ] || continue
        case $ind in cla.signed|cdcs.new) ;; *) us "$name" set "$u" "$m" "$ind" "${FIG[$key]}"
                                                assert_rc 0 "set $u $m $ind";; esac
    done
done

# The formula is computed, never entered: refused offline, nothing queued.
dh=$(name_of QT.DONGHA)
before=$(sqlite3 "$(cdb "$dh")" 'SELECT COUNT(*) FROM outbox')
us "$dh" set QT.DONGHA 2022-03 support.hanoi 8500000
assert_rc 2 "entering the formula offline"
assert_match 'support.hanoi is a formula; it is computed, not entered' "$(cat "$WORK/.err")" \
    "the office says why"
assert_eq "$before" "$(sqlite3 "$(cdb "$dh")" 'SELECT COUNT(*) FROM outbox')" "nothing queued"

for u in "${OFFICES[@]}"; do sync_ok "$(name_of "$u")"; done

# The subsidy computed here: per district and for the province.
declare -A SUM_A=() SUM_B=() SUM_C=()
total=0; ta=0; tb=0; tc=0
for u in "${OFFICES[@]}"; do
    SUM_A[$u]=0; SUM_B[$u]=0; SUM_C[$u]=0
    for m in "${MONTHS[@]}"; do
        SUM_A[$u]=$((SUM_A[$u] + ${FIG[$u|$m|cla.signed.a]:-0}))
        SUM_B[$u]=$((SUM_B[$u] + ${FIG[$u|$m|cla.signed.b]:-0}))
        SUM_C[$u]=$((SUM_C[$u] + ${FIG[$u|$m|cdcs.new.25plus]:-0}))
    done
    ta=$((ta + SUM_A[$u])); tb=$((tb + SUM_B[$u])); tc=$((tc + SUM_C[$u]))
done
expect=$((8500000 * ta + 6000000 * tb + 5000000 * tc))
log "province: $ta type A, $tb type B, $tc unions of 25+: $expect đồng"
[ "$ta" -gt 0 ] && [ "$tb" -gt 0 ] && [ "$tc" -gt 0 ] || die "the seed gave an empty figure"

json=$(report_json 2022-H1)
assert_eq "$expect" "$(row_value "$json" QT support.hanoi)" "the province's subsidy in JSON"
for u in "${OFFICES[@]}"; do
    want=$((8500000 * SUM_A[$u] + 6000000 * SUM_B[$u] + 5000000 * SUM_C[$u]))
    assert_eq "$want" "$(row_value "$json" "$u" support.hanoi)" "the subsidy of $u in JSON"
done
assert_eq "$ta" "$(row_value "$json" QT cla.signed.a)" "type A agreements of the province"
assert_eq number "$(jq -r '.rows[0].values["support.hanoi"] | type' <<<"$json")" \
    "JSON values stay plain numbers"
assert_eq đồng "$(jq -r '.catalog["support.hanoi"].unit' <<<"$json")" "the catalog section names the unit"
assert_eq formula "$(jq -r '.catalog["support.hanoi"].kind' <<<"$json")" "the catalog section names the kind"
assert_eq cla.signed "$(jq -r '.catalog["cla.signed.a"].parent' <<<"$json")" "the catalog section names the parent"
assert_match '8500000 \* cla.signed.a' "$(jq -r '.catalog["support.hanoi"].formula' <<<"$json")" \
    "the catalog section gives the formula"

"$USS" report 2022-H1 --format vi --db "$SRV_DB" >"$WORK/vi.txt" 2>"$WORK/vi.err" \
    || die "vi report failed: $(cat "$WORK/vi.err")"
vi=$(cat "$WORK/vi.txt")
log "$vi"
assert_match "hỗ trợ $(vi_millions "$expect") triệu đồng cho $ta bản thỏa ước loại A, $tb bản loại B và $tc CĐCS mới" \
    "$vi" "the Vietnamese text states the subsidy and what it paid for"
assert_match 'bản thỏa ước lao động tập thể, trong đó [0-9.]+ bản loại A và [0-9.]+ bản loại B' "$vi" \
    "the Vietnamese text says the parts as \"trong đó\""

"$USS" report 2022-H1 --db "$SRV_DB" >"$WORK/report.txt" || die "text report failed"
text=$(cat "$WORK/report.txt")
grouped=$(printf '%d' "$expect" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
assert_match "support.hanoi +$grouped +đồng" "$text" "the text report gives the subsidy with its unit"
assert_match 'trong đó cla.signed.a' "$text" "the text report indents parts as \"trong đó\""
"$USS" report 2022-H1 --format csv --db "$SRV_DB" | tr -d '\r' >"$WORK/report.csv" || die "csv report failed"
assert_le 1 "$(grep -c "^2022-H1,QT,.*,support.hanoi,$expect,.*,đồng,$" "$WORK/report.csv")" \
    "the CSV row of the subsidy with its unit"
assert_le 1 "$(grep -c "^2022-H1,QT,.*,cla.signed.a,$ta,.*,bản,cla.signed" "$WORK/report.csv")" \
    "the CSV row of a part names its whole"

# The office computes the same subsidy for its own unit, offline.
for u in "${OFFICES[@]}"; do
    want=$((8500000 * SUM_A[$u] + 6000000 * SUM_B[$u] + 5000000 * SUM_C[$u]))
    seen=$("$US" show 2022-H1 --json --db "$(cdb "$(name_of "$u")")" \
           | jq -r --arg u "$u" '(.rows[] | select(.unit == $u) | .values["support.hanoi"]) // "none"')
    assert_eq "$want" "$seen" "the subsidy in $u's own show"
done

# A target on the formula: achievement like any figure.
uss target set QT support.hanoi 2022-H1 "$((expect * 2))"
assert_rc 0 "a target on the formula"
assert_eq 50 "$(report_json 2022-H1 | jq -r '.rows[0].achievement_pct["support.hanoi"].province')" \
    "achievement of the formula against its target"

# The province cannot enter it either.
uss set QT.DONGHA 2022-03 support.hanoi 100 --note 'try'
assert_rc 2 "entering the formula at the province"
assert_match 'is a formula; it is computed' "$(cat "$WORK/.err")" "the province is told why"

# A part larger than its whole: a warning at entry, a refusal at submit.
us "$dh" set QT.DONGHA 2022-07 cla.signed 1
us "$dh" set QT.DONGHA 2022-07 cla.signed.a 3
assert_rc 0 "a part larger than its whole is kept as a draft"
assert_match 'cla.signed.a <= cla.signed' "$(cat "$WORK/.err" "$WORK/.out")" "the entry warns naming the rule"
us "$dh" submit 2022-07
assert_rc 2 "submitting a part larger than its whole"
assert_match 'cla.signed.a <= cla.signed' "$(cat "$WORK/.err")" "the refusal names the rule"

# Bad catalogs are refused naming the line; the catalog stays as it was.
cat >"$WORK/unknown.csv" <<'EOF'
code,name,kind,formula,unit
cla.signed.a,Loại A,flow,,bản
support.x,Hỗ trợ,formula,1000 * cla.signed.z,đồng
EOF
cat >"$WORK/cycle.csv" <<'EOF'
code,kind,name,formula
x.one,formula,Một,x.two + 1
x.two,formula,Hai,2 * x.one
EOF
n_before=$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM indicators')
uss indicators import "$WORK/unknown.csv"
assert_rc 2 "a formula naming an unknown indicator"
assert_match 'line 3.*unknown indicator cla.signed.z' "$(cat "$WORK/.err")" "the refusal names the line"
uss indicators import "$WORK/cycle.csv"
assert_rc 2 "formulas in a cycle"
assert_match 'line [23].*cycle' "$(cat "$WORK/.err")" "the refusal names the line and the cycle"
assert_eq "$n_before" "$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM indicators')" "nothing imported"
assert_eq "$expect" "$(row_value "$(report_json 2022-H1)" QT support.hanoi)" "the subsidy is unchanged"

server_stop
e2e_finish
