#!/usr/bin/env bash
# t_import_xlsx: the office's form written as a workbook (template --format
# xlsx), filled in as a clerk would in Excel (python3-openpyxl: numbers as
# numbers, one a float a formula would give, 1234.0000000001-style), imported
# from the .xlsx itself, synced; the province's JSON report has the sums
# computed here. Then refusals, each one stderr line, exit 2, nothing
# stored: a text in a figure cell (naming its row), a zip without a sheet.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

PY=/usr/bin/python3
"$PY" -c 'import openpyxl' 2>/dev/null || die "python3-openpyxl is missing (scripts/install-deps.sh)"

UNITS=$WORK/units.csv
printf '%s\n' 'id,name,parent,kind' \
    'QT,Liên đoàn Lao động tỉnh Quảng Trị,,province' \
    'QT.HAILANG,LĐLĐ huyện Hải Lăng,QT,district' \
    'QT.HAILANG.CS1,CĐCS Công ty Cổ phần Thủy sản Hải Lăng,QT.HAILANG,grassroots' \
    'QT.HAILANG.CS2,CĐCS Trường THPT Hải Lăng,QT.HAILANG,grassroots' >"$UNITS"
server_init "$UNITS"
server_start
client_init office QT.HAILANG
sync_ok office
DB=$(cdb office)
pending () { sqlite3 "$DB" 'SELECT COUNT(*) FROM outbox'; }
us office set QT.HAILANG.CS1 2021-05 members.new 321
assert_rc 0 "last year's figure"

form=$WORK/form.xlsx
us office template 2022-Q2 --format xlsx --output "$form"
assert_rc 0 "template --format xlsx"

# Fill members.new and members.total for every unit in the month columns
# (E, G, I); the last-year columns stay as written. The district's
# members.new of May is stored as a float a formula would leave.
filled=$WORK/filled.xlsx
run "$PY" - "$form" "$filled" <<'EOF_PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
base = {"QT.HAILANG": 1000, "QT.HAILANG.CS1": 20, "QT.HAILANG.CS2": 300}
for r in range(2, ws.max_row + 1):
    unit, code = ws.cell(row=r, column=1).value, ws.cell(row=r, column=3).value
    if code not in ("members.new", "members.total"):
        continue
    b = base[unit] * (5 if code == "members.total" else 1)
    for m in range(3):
        v = b + m * 111
        if unit == "QT.HAILANG" and code == "members.new" and m == 1:
            v = v + 1e-10
        ws.cell(row=r, column=5 + 2 * m).value = v
wb.save(sys.argv[2])
print("saved")
EOF_PY
assert_rc 0 "openpyxl fills the form"
assert_eq 'PK' "$(head -c 2 "$filled")" "the filled form is a workbook"
assert_eq 1 "$("$PY" -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("xl/worksheets/sheet1.xml").decode().count("<v>1111.0000000001</v>"))' "$filled")" \
    "the float is stored as Excel would"

declare -A WANT=()
for u in QT.HAILANG QT.HAILANG.CS1 QT.HAILANG.CS2; do
    case $u in QT.HAILANG) b=1000 ;; QT.HAILANG.CS1) b=20 ;; *) b=300 ;; esac
    WANT[$u|members.new]=$(( b + (b + 111) + (b + 222) ))
    WANT[$u|members.total]=$(( b * 5 + 222 ))      # a stock: the latest month
done

us office import "$filled"
assert_rc 0 "import of the filled workbook"
assert_match 'saved 18 figures' "$OUT" "3 units x 2 indicators x 3 months saved"
assert_eq 1111 "$(sqlite3 "$DB" "SELECT value FROM outbox WHERE unit = 'QT.HAILANG'
    AND indicator = 'members.new' AND month = $(month_code 2022-05) ORDER BY seq DESC LIMIT 1")" \
    "the float stored as its integer"
sync_ok office
json=$(report_json 2022-Q2 QT.HAILANG) || fail "report 2022-Q2" "expected: exit 0" "seen: failure"
for u in QT.HAILANG.CS1 QT.HAILANG.CS2; do
    for ind in members.new members.total; do
        assert_eq "${WANT[$u|$ind]}" "$(row_value "$json" "$u" "$ind")" "report: $u $ind"
    done
done
assert_eq $(( WANT[QT.HAILANG|members.new] + WANT[QT.HAILANG.CS1|members.new] + WANT[QT.HAILANG.CS2|members.new] )) \
    "$(row_value "$json" QT.HAILANG members.new)" "report: QT.HAILANG members.new (own + both CĐCS)"
assert_eq $(( WANT[QT.HAILANG|members.total] + WANT[QT.HAILANG.CS1|members.total] + WANT[QT.HAILANG.CS2|members.total] )) \
    "$(row_value "$json" QT.HAILANG members.total)" "report: QT.HAILANG members.total"

# refused WHAT FILE REGEX...: exit 2, one stderr line matching each REGEX,
# nothing stored.
refused () {
    local what=$1 file=$2 before
    shift 2
    before=$(pending)
    us office import "$file"
    assert_rc 2 "$what: exit code"
    assert_one_stderr_line "$what"
    local re
    for re in "$@"; do
        assert_match "$re" "$ERR" "$what: the message"
    done
    assert_eq "$before" "$(pending)" "$what: nothing stored"
}

# A text typed into a figure cell: the row of the sheet is named.
bad=$WORK/badtext.xlsx
run "$PY" - "$form" "$bad" <<'EOF_PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
ws.cell(row=2, column=5).value = 7
ws.cell(row=4, column=5).value = "bảy"
wb.save(sys.argv[2])
EOF_PY
assert_rc 0 "openpyxl writes a bad form"
refused 'a text in a figure cell' "$bad" 'badtext\.xlsx line 4' 'bảy'

nosheet=$WORK/nosheet.xlsx
run "$PY" - "$nosheet" <<'EOF_PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("docProps/app.xml", "<Properties/>")
EOF_PY
assert_rc 0 "python writes a zip"
refused 'a zip without a sheet' "$nosheet" 'nosheet\.xlsx' 'the workbook has no sheet'

server_stop
e2e_finish
