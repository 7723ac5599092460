#!/usr/bin/env bash
# t_template_xlsx: `unionsync template PERIOD --format xlsx` read back with a
# real reader (python3-openpyxl): the Vietnamese headings, the heading row
# and key columns frozen, one row per unit of the office and entered
# indicator (no ratio), the month cells with the #,##0 number format, last
# year's figure as a number beside its month, and widths for Vietnamese
# names. A file that cannot be written is an error, not a silent success.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

PY=/usr/bin/python3
"$PY" -c 'import openpyxl' 2>/dev/null || die "python3-openpyxl is missing (scripts/install-deps.sh)"

UNITS=$WORK/units.csv
printf '%s\n' 'id,name,parent,kind' \
    'QT,Liên đoàn Lao động tỉnh Quảng Trị,,province' \
    'QT.HAILANG,LĐLĐ huyện Hải Lăng,QT,district' \
    'QT.HAILANG.CS1,CĐCS Công ty Cổ phần Thủy sản Hải Lăng,QT.HAILANG,grassroots' >"$UNITS"
server_init "$UNITS"
server_start
client_init office QT.HAILANG
sync_ok office
us office set QT.HAILANG.CS1 2021-02 members.new 1234
assert_rc 0 "last year's figure"
us office set QT.HAILANG 2021-03 members.total 56789
assert_rc 0 "last year's stock"

xlsx=$WORK/form.xlsx
us office template 2022-Q1 --format xlsx --output "$xlsx"
assert_rc 0 "template --format xlsx"
n_entered=$(grep -cE ',(flow|stock),' "$DATA/indicators.csv")
assert_match "wrote the form of 2022-Q1 to .*form.xlsx \($((2 * n_entered)) rows\)" "$OUT" "template: what was written"
assert_eq 'PK' "$(head -c 2 "$xlsx")" "template: a zip file"

run "$PY" - "$xlsx" <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
print("sheet=" + ws.title)
print("head=" + "|".join(str(c.value) for c in ws[1]))
print("bold=" + str(ws["A1"].font.b))
print("freeze=" + str(ws.freeze_panes))
print("rows=" + str(ws.max_row - 1))
units = sorted(set(ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)))
print("units=" + " ".join(units))
codes = [ws.cell(row=r, column=3).value for r in range(2, ws.max_row + 1)]
print("ratio=" + str("cla.coverage" in codes))
def row_of(unit, code):
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == unit and ws.cell(row=r, column=3).value == code:
            return r
r = row_of("QT.HAILANG.CS1", "members.new")
print("name=" + ws.cell(row=r, column=4).value)
print("unitname=" + ws.cell(row=r, column=2).value)
print("fmt=" + ws.cell(row=r, column=5).number_format)
print("lastfmt=" + ws.cell(row=r, column=8).number_format)
print("feb2021=" + repr(ws.cell(row=r, column=8).value))
print("feb2022=" + repr(ws.cell(row=r, column=7).value))
r = row_of("QT.HAILANG", "members.total")
print("mar2021=" + repr(ws.cell(row=r, column=10).value))
print("widthD=" + str(ws.column_dimensions["D"].width >= 40))
EOF
assert_rc 0 "openpyxl reads the workbook"
val () { sed -n "s/^$1=//p" <<<"$OUT"; }
assert_eq 'Biểu mẫu' "$(val sheet)" "xlsx: sheet name"
assert_eq 'Mã đơn vị|Tên đơn vị|Mã chỉ tiêu|Tên chỉ tiêu|Tháng 1/2022|Cùng kỳ 1/2021|Tháng 2/2022|Cùng kỳ 2/2021|Tháng 3/2022|Cùng kỳ 3/2021' \
    "$(val head)" "xlsx: Vietnamese headings"
assert_eq True "$(val bold)" "xlsx: headings in bold"
assert_eq E2 "$(val freeze)" "xlsx: heading row and the four key columns frozen"
assert_eq $((2 * n_entered)) "$(val rows)" "xlsx: one row per unit and entered indicator"
assert_eq 'QT.HAILANG QT.HAILANG.CS1' "$(val units)" "xlsx: the office's unit and the one below"
assert_eq False "$(val ratio)" "xlsx: no ratio to enter"
assert_eq 'Phát triển đoàn viên mới' "$(val name)" "xlsx: indicator name"
assert_eq 'CĐCS Công ty Cổ phần Thủy sản Hải Lăng' "$(val unitname)" "xlsx: unit name"
assert_eq '#,##0' "$(val fmt)" "xlsx: month cells formatted #,##0"
assert_eq '#,##0' "$(val lastfmt)" "xlsx: last year's cells formatted #,##0"
assert_eq 1234 "$(val feb2021)" "xlsx: last year's figure as a number"
assert_eq None "$(val feb2022)" "xlsx: the month to fill is empty"
assert_eq 56789 "$(val mar2021)" "xlsx: last year's stock of the district itself"
assert_eq True "$(val widthD)" "xlsx: a wide column for Vietnamese names"

us office template 2022-Q1 --format xlsx --output "$WORK/no/such/dir/form.xlsx"
assert_rc 1 "template into a missing directory"
assert_match 'cannot (create|write)' "$ERR" "template: the write failure is named"

server_stop
e2e_finish
