#!/usr/bin/env bash
# t_import_excel: the files Vietnamese Excel writes, imported with the real
# binary, then the office's form (template) filled and sent to the province.
#   1. Windows-1258 (tone marks as combining bytes), ';', CRLF, Vietnamese
#      headings in another order, an indicator by its Vietnamese name,
#      1.234 thousands, trailing ;;;; rows: stored, and the guess stated.
#   2. UTF-16LE with a BOM, tabs, the wide layout (T5/2022, Tháng 6/2022,
#      2022-04 headings), '-' clearing a figure, an empty cell left alone.
#   3. UTF-8 with a BOM, ',' and empty rows in the middle, --clear-empty,
#      --encoding cp1252 overriding the guess.
#   4. Refusals, each one stderr line naming file, line (and field), exit 2,
#      nothing stored: a duplicate (naming both lines), a bad number in the
#      middle, an unknown heading, a damaged workbook, a bad --encoding.
#   5. template 2022-Q2 (csv): headings, the units (the office and the two
#      below it), no computed indicators, last year's figure beside; filled
#      by a script with 1.234-style numbers, imported, synced; the province's
#      JSON report has the sums computed here.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

UNITS=$WORK/units.csv
printf '%s\n' 'id,name,parent,kind' \
    'QT,Liên đoàn Lao động tỉnh Quảng Trị,,province' \
    'QT.TRIEUPHONG,LĐLĐ huyện Triệu Phong,QT,district' \
    'QT.TRIEUPHONG.CS1,CĐCS Công ty May Triệu Phong,QT.TRIEUPHONG,grassroots' \
    'QT.TRIEUPHONG.CS2,CĐCS Trường THPT Triệu Phong,QT.TRIEUPHONG,grassroots' \
    'QT.DONGHA,LĐLĐ thành phố Đông Hà,QT,district' >"$UNITS"
server_init "$UNITS"
server_start
client_init office QT.TRIEUPHONG
sync_ok office
DB=$(cdb office)

# last UNIT MONTH INDICATOR: the office's latest edit of a figure ("-" cleared,
# "none" never edited).
last () {
    local v
    v=$(sqlite3 "$DB" "SELECT COALESCE (value, '-') FROM outbox WHERE unit = '$1'
        AND indicator = '$3' AND month = $(month_code "$2") ORDER BY seq DESC LIMIT 1")
    echo "${v:-none}"
}
pending () { sqlite3 "$DB" 'SELECT COUNT(*) FROM outbox'; }

# refused WHAT FILE REGEX...: an import that must exit 2 with one stderr line
# matching every REGEX, storing nothing.
refused () {
    local what=$1 file=$2 before
    shift 2
    before=$(pending)
    us office import "$file" "${IMPORT_ARGS[@]}"
    assert_rc 2 "$what: exit code"
    assert_one_stderr_line "$what"
    local re
    for re in "$@"; do
        assert_match "$re" "$ERR" "$what: the message"
    done
    assert_eq "$before" "$(pending)" "$what: nothing stored"
}
IMPORT_ARGS=()

# ---------------------------------------------------------------- 1. cp1258
f=$WORK/cp1258.csv
printf 'Chi\xd2 ti\xeau;\xd0\xf5n vi\xf2;Gia\xec tri\xf2;Tha\xecng;Ghi chu\xec\r\n' >"$f"
printf 'Pha\xect tri\xea\xd2n \xf0oa\xccn vi\xean m\xf5\xeci;QT.TRIEUPHONG;1.234;2022-05;Tri\xea\xf2u Phong\r\n' >>"$f"
printf 'members.total;QT.TRIEUPHONG.CS1;2.345;T5/2022;\r\n' >>"$f"
printf 'cdcs.new;QT.TRIEUPHONG;3;05/2022;\r\n' >>"$f"
printf ';;;;\r\n;;;;\r\n;;;;\r\n' >>"$f"
us office import "$f"
assert_rc 0 "import of a Windows-1258 file"
assert_match 'saved 3 figures' "$OUT" "cp1258: three figures saved"
assert_match 'read .*cp1258.csv as Windows-1258 \(a guess' "$OUT" "cp1258: the guess is stated"
assert_eq 1234 "$(last QT.TRIEUPHONG 2022-05 members.new)" "cp1258: members.new by its Vietnamese name, 1.234"
assert_eq 2345 "$(last QT.TRIEUPHONG.CS1 2022-05 members.total)" "cp1258: members.total of CS1"
assert_eq 3 "$(last QT.TRIEUPHONG 2022-05 cdcs.new)" "cp1258: cdcs.new"
assert_eq 'Triệu Phong' "$(sqlite3 "$DB" "SELECT note FROM outbox WHERE indicator = 'members.new'")" \
    "cp1258: the note is NFC UTF-8"
assert_eq 1 "$(sqlite3 "$DB" "SELECT note = char(84,114,105,7879,117,32,80,104,111,110,103) FROM outbox WHERE indicator = 'members.new'")" \
    "cp1258: ệ is one code point (U+1EC7)"

# ---------------------------------------------------------------- 2. UTF-16LE wide
f=$WORK/unicode.txt
printf '\xff\xfe' >"$f"
printf 'Mã đơn vị\tChỉ tiêu\t2022-04\tT5/2022\tTháng 6/2022\tCùng kỳ 6/2021\r\n%s\r\n%s\r\n\t\t\t\t\t\r\n' \
    $'QT.TRIEUPHONG\tmembers.new\t40\t-\t60\t999' \
    $'QT.TRIEUPHONG.CS2\tThành lập công đoàn cơ sở\t\t7\t1 000\t5' \
    | iconv -f UTF-8 -t UTF-16LE >>"$f"
assert_eq 'fffe4d00' "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" "UTF-16: the file starts with the BOM and 'M' as UTF-16LE"
us office import "$f"
assert_rc 0 "import of a UTF-16 wide sheet"
assert_match 'saved 5 figures' "$OUT" "UTF-16: five figures (one a clearing)"
assert_match '1 of them cleared' "$OUT" "UTF-16: one cleared"
assert_match '1 empty value left' "$OUT" "UTF-16: the empty cell is left alone"
assert_eq 0 "$(grep -c 'a guess' <<<"$OUT")" "UTF-16: no guess to state"
assert_eq 40 "$(last QT.TRIEUPHONG 2022-04 members.new)" "UTF-16: 2022-04 heading"
assert_eq - "$(last QT.TRIEUPHONG 2022-05 members.new)" "UTF-16: '-' clears the figure of 1."
assert_eq 60 "$(last QT.TRIEUPHONG 2022-06 members.new)" "UTF-16: Tháng 6/2022 heading"
assert_eq none "$(last QT.TRIEUPHONG.CS2 2022-04 cdcs.new)" "UTF-16: empty cell left alone"
assert_eq 7 "$(last QT.TRIEUPHONG.CS2 2022-05 cdcs.new)" "UTF-16: cdcs.new by name"
assert_eq 1000 "$(last QT.TRIEUPHONG.CS2 2022-06 cdcs.new)" "UTF-16: 1 000"
assert_eq 0 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM outbox WHERE month = $(month_code 2021-06)")" \
    "UTF-16: the Cùng kỳ column is not imported"

# ---------------------------------------------------------------- 3. BOM UTF-8, cp1252
f=$WORK/bom.csv
printf '\xef\xbb\xbfunit,indicator,month,value\r\n\r\n,,,\r\nQT.TRIEUPHONG,members.new,2022-04,\r\n,,,\r\nQT.TRIEUPHONG,cdcs.new,2022-04,"1,500"\r\n' >"$f"
us office import "$f" --clear-empty
assert_rc 0 "import with a BOM and --clear-empty"
assert_eq - "$(last QT.TRIEUPHONG 2022-04 members.new)" "BOM: --clear-empty clears"
assert_eq 1500 "$(last QT.TRIEUPHONG 2022-04 cdcs.new)" "BOM: \"1,500\" quoted"
f=$WORK/cp1252.csv
printf 'unit;month;indicator;value;note\r\nQT.TRIEUPHONG;2022-03;members.new;9;Caf\xe9 \xd0\r\n' >"$f"
us office import "$f" --encoding cp1252
assert_rc 0 "import with --encoding cp1252"
assert_eq 'Café Ð' "$(sqlite3 "$DB" "SELECT note FROM outbox WHERE month = $(month_code 2022-03)")" \
    "cp1252: 0xD0 read as Ð, not Đ"
assert_eq 0 "$(grep -c 'a guess' <<<"$OUT")" "cp1252: a chosen encoding is not a guess"

# ---------------------------------------------------------------- 4. refusals
f=$WORK/dup.csv
printf 'đơn vị;tháng;chỉ tiêu;giá trị\r\nQT.TRIEUPHONG;2022-07;members.new;1\r\nQT.TRIEUPHONG;2022-08;members.new;2\r\nQT.TRIEUPHONG;T7/2022;Phát triển đoàn viên mới;3\r\n' >"$f"
refused 'duplicate figure' "$f" 'dup\.csv line 4' 'same figure as line 2' 'QT.TRIEUPHONG 2022-07 members.new'
f=$WORK/badnum.csv
printf 'unit;month;indicator;value\r\nQT.TRIEUPHONG;2022-07;members.new;1\r\nQT.TRIEUPHONG;2022-08;members.new;1.5\r\nQT.TRIEUPHONG;2022-09;members.new;2\r\n' >"$f"
refused 'bad number in the middle' "$f" 'badnum\.csv line 3, field 4 \(value\)' "'1\.5' is not a whole number"
f=$WORK/badhead.csv
printf 'đơn vị;tháng;chỉ tiêu;số tiền\r\nQT.TRIEUPHONG;2022-07;members.new;1\r\n' >"$f"
refused 'unknown heading' "$f" 'badhead\.csv line 1, field 4' "unknown column heading 'số tiền'"
f=$WORK/book.xlsx
printf 'PK\x03\x04\x14\x00\x06\x00' >"$f"
refused 'a damaged workbook' "$f" 'book\.xlsx' 'not an Excel workbook: the zip is damaged'
f=$WORK/old.xls
printf '\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1' >"$f"
refused 'an old workbook' "$f" 'old\.xls' 'old Excel workbook \(\.xls\)' 'CSV UTF-8'
f=$WORK/utf.csv
printf 'unit;month;indicator;value\r\nQT.TRIEUPHONG;2022-07;members.new;1\r\nQT.TRIEUPHONG;2022-08;cdcs.new;\xd0\r\n' >"$f"
IMPORT_ARGS=(--encoding utf-8)
refused 'forced UTF-8 on Windows-1258 bytes' "$f" 'utf\.csv' 'line 3' 'not valid UTF-8'
IMPORT_ARGS=(--encoding latin9)
refused 'unknown --encoding' "$f" "unknown encoding 'latin9'"
IMPORT_ARGS=()

# ---------------------------------------------------------------- 5. template round trip
us office set QT.TRIEUPHONG.CS1 2021-05 members.new 321
assert_rc 0 "last year's figure of CS1"
sync_ok office
us office template 2022-Q2 --output "$WORK/form.csv"
assert_rc 0 "template 2022-Q2"
form=$WORK/form.csv
assert_eq 'efbbbf' "$(head -c 3 "$form" | od -An -tx1 | tr -d ' \n')" "template: UTF-8 BOM for Excel"
head1=$(head -n 1 "$form" | sed 's/^\xef\xbb\xbf//' | tr -d '\r')
assert_eq 'Mã đơn vị;Tên đơn vị;Mã chỉ tiêu;Tên chỉ tiêu;Tháng 4/2022;Cùng kỳ 4/2021;Tháng 5/2022;Cùng kỳ 5/2021;Tháng 6/2022;Cùng kỳ 6/2021' \
    "$head1" "template: Vietnamese headings, a column per month and last year's beside"
assert_eq 'QT.TRIEUPHONG QT.TRIEUPHONG.CS1 QT.TRIEUPHONG.CS2' \
    "$(tail -n +2 "$form" | cut -d ';' -f 1 | sort -u | tr '\n' ' ' | sed 's/ $//')" \
    "template: the office's unit and the two below it"
n_ind=$(tail -n +2 "$form" | grep -c '^QT.TRIEUPHONG;')
n_entered=$(grep -cE ',(flow|stock),' "$DATA/indicators.csv")
assert_eq "$n_entered" "$n_ind" "template: every entered indicator once per unit"
assert_eq 0 "$(grep -c ';cla.coverage;' "$form")" "template: no ratio"
assert_eq 'Phát triển đoàn viên mới' "$(grep '^QT.TRIEUPHONG;' "$form" | grep ';members.new;' | cut -d ';' -f 4)" \
    "template: Vietnamese names"
assert_eq 321 "$(grep '^QT.TRIEUPHONG.CS1;' "$form" | grep ';members.new;' | cut -d ';' -f 8)" \
    "template: last year's figure beside Tháng 5/2022"
assert_eq ';;' "$(grep '^QT.TRIEUPHONG.CS1;' "$form" | grep ';members.new;' | cut -d ';' -f 5,7,9)" \
    "template: the month columns are empty"

# Fill members.new and members.total for every unit: values over a thousand
# written with dots, as a clerk types them in Vietnamese Excel.
declare -A WANT=()
filled=$WORK/filled.csv
awk -F ';' -v OFS=';' '
    NR == 1 { print; next }
    $3 == "members.new" || $3 == "members.total" {
        base = ($1 == "QT.TRIEUPHONG") ? 1000 : ($1 == "QT.TRIEUPHONG.CS1") ? 20 : 300
        if ($3 == "members.total") base = base * 5
        for (m = 0; m < 3; m++) {
            v = base + m * 111
            s = (v >= 1000) ? sprintf ("%d.%03d", int (v / 1000), v % 1000) : v
            $(5 + 2 * m) = s
        }
    }
    { print }' "$form" >"$filled"
for u in QT.TRIEUPHONG QT.TRIEUPHONG.CS1 QT.TRIEUPHONG.CS2; do
    case $u in QT.TRIEUPHONG) b=1000 ;; QT.TRIEUPHONG.CS1) b=20 ;; *) b=300 ;; esac
    WANT[$u|members.new]=$(( b + (b + 111) + (b + 222) ))
    WANT[$u|members.total]=$(( b * 5 + 222 ))      # a stock: the latest month
done
us office import "$filled"
assert_rc 0 "import of the filled template"
assert_match 'saved 18 figures' "$OUT" "template: 3 units x 2 indicators x 3 months saved"
assert_match 'empty values? left as they were' "$OUT" "template: the other cells are left alone"
sync_ok office
json=$(report_json 2022-Q2 QT.TRIEUPHONG) || fail "report 2022-Q2" "expected: exit 0" "seen: failure"
for u in QT.TRIEUPHONG.CS1 QT.TRIEUPHONG.CS2; do
    for ind in members.new members.total; do
        assert_eq "${WANT[$u|$ind]}" "$(row_value "$json" "$u" "$ind")" "report: $u $ind"
    done
done
assert_eq $(( WANT[QT.TRIEUPHONG|members.new] + WANT[QT.TRIEUPHONG.CS1|members.new] + WANT[QT.TRIEUPHONG.CS2|members.new] )) \
    "$(row_value "$json" QT.TRIEUPHONG members.new)" "report: QT.TRIEUPHONG members.new (own + both CĐCS)"
assert_eq $(( WANT[QT.TRIEUPHONG|members.total] + WANT[QT.TRIEUPHONG.CS1|members.total] + WANT[QT.TRIEUPHONG.CS2|members.total] )) \
    "$(row_value "$json" QT.TRIEUPHONG members.total)" "report: QT.TRIEUPHONG members.total"

# Bad template requests.
us office template 2022-Q5
assert_rc 2 "template with a bad period"
us office template 2022 --format pdf
assert_rc 2 "template with an unknown format"
us office template 2022 --format xlsx
assert_rc 2 "xlsx template without --output"

server_stop
e2e_finish
