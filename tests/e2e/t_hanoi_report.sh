#!/usr/bin/env bash
# t_hanoi_report: Hà Nội's 2021 figures (data/hanoi-2021-units.csv and
# data/hanoi-2021-figures.csv) imported by the city federation's own office,
# synced, and reported. The Vietnamese text must read like the federation's
# report, with every figure computed here from the data file with awk: the
# subsidy at the city's rates ("hỗ trợ ... triệu đồng cho ... bản thỏa ước
# loại A, ... bản loại B và ... CĐCS mới ..."), the training classes with
# their non-state part ("mở 80 lớp tập huấn cho ... cán bộ công đoàn, trong
# đó ... lớp cho cán bộ khu vực ngoài nhà nước với ... cán bộ") and the
# bulletin's copies (4 quarters of 10.800). The JSON report gives the same
# subsidy as a plain number.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

UNITS=$DATA/hanoi-2021-units.csv
FIGS=$DATA/hanoi-2021-figures.csv

# total INDICATOR: the sum of an indicator over the data file.
total () { awk -F, -v i="$1" 'NR > 1 && $3 == i { s += $4 } END { print s + 0 }' "$FIGS"; }

# vi_int N: N with Vietnamese thousands dots.
vi_int () { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/.&/;ta'; }

# vi_millions AMOUNT: an amount of đồng in millions, as running text says it.
vi_millions () {
    local whole=$(($1 / 1000000)) frac=$(( ($1 % 1000000) / 1000 )) out
    out=$(vi_int "$whole")
    if [ "$frac" -ne 0 ]; then
        out="$out,$(printf '%03d' "$frac" | sed 's/0*$//')"
    fi
    echo "$out"
}

must "$USS" init --province HN --name 'Liên đoàn Lao động thành phố Hà Nội' --db "$SRV_DB"
SERVER_KEY=$(tail -n 1 "$WORK/.out")
must "$USS" units import "$UNITS" --db "$SRV_DB"
must "$USS" indicators import "$DATA/indicators.csv" --db "$SRV_DB"
server_start
client_init city HN
sync_ok city                # the office learns its unit tree
us city import "$FIGS" --author 'Văn phòng LĐLĐ thành phố'
assert_rc 0 "the city's office imports the year's figures"
sync_ok city

a=$(total cla.signed.a); b=$(total cla.signed.b); c=$(total cdcs.new.25plus)
subsidy=$((8500000 * a + 6000000 * b + 5000000 * c))
classes=$(total training.classes); cadres=$(total training.attendees)
ns_classes=$(total training.classes.nonstate); ns_cadres=$(total training.attendees.nonstate)
copies=$(total bulletin.copies)
log "2021: $a A, $b B, $c unions of 25+ -> $subsidy đồng; $classes classes, $copies copies"
assert_eq 80 "$classes" "the data file has Hà Nội's 80 training classes"
assert_eq 43200 "$copies" "the data file has four quarters of 10.800 copies"

json=$(report_json 2021)
assert_eq "$subsidy" "$(row_value "$json" HN support.hanoi)" "the city's subsidy in JSON"
assert_eq "$a" "$(row_value "$json" HN cla.signed.a)" "type A agreements in JSON"

"$USS" report 2021 --format vi --db "$SRV_DB" >"$WORK/vi.txt" 2>"$WORK/vi.err" \
    || die "vi report failed: $(cat "$WORK/vi.err")"
vi=$(cat "$WORK/vi.txt")
log "$vi"
assert_match "^Năm 2021, toàn thành phố" "$vi" "the text opens with the year and the city"
assert_match "hỗ trợ $(vi_millions "$subsidy") triệu đồng cho $a bản thỏa ước loại A, $b bản loại B và $c CĐCS mới có từ 25 đoàn viên trở lên" \
    "$vi" "the subsidy as the federation writes it"
assert_match "mở $classes lớp tập huấn cho $(vi_int "$cadres") cán bộ công đoàn, trong đó $ns_classes lớp cho cán bộ khu vực ngoài nhà nước với $(vi_int "$ns_cadres") cán bộ" \
    "$vi" "the training classes with their non-state part"
assert_match "phát hành $(vi_int "$copies") bản tin công đoàn" "$vi" "the bulletin's copies"

server_stop
e2e_finish
