#!/usr/bin/env bash
# t_csv_and_units: smaller guards on what goes in and out as files.
#  - `units import` reads its file once: a file that can be read only once
#    (a pipe) is imported whole, so what was checked is what is linked;
#  - report CSV keeps a unit name a spreadsheet would run as a formula as
#    text (quoted behind an apostrophe).

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

must "$USS" init --province QT --name 'LĐLĐ tỉnh Quảng Trị' --db "$SRV_DB"
mkfifo "$WORK/units.fifo"
cat "$DATA/quangtri-units.csv" >"$WORK/units.fifo" &
e2e_track $!
run timeout 20 "$USS" units import "$WORK/units.fifo" --db "$SRV_DB"
assert_rc 0 "units import from a pipe"
assert_eq "$(($(wc -l <"$DATA/quangtri-units.csv") - 1))" \
    "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM units")" "every unit of the pipe imported"
assert_eq QT "$(sqlite3 "$SRV_DB" "SELECT p.code FROM units u JOIN units p ON p.id = u.parent_id
                                   WHERE u.code = 'QT.CAMLO'")" "parents linked from the one read"
must "$USS" indicators import "$DATA/indicators.csv" --db "$SRV_DB"

printf 'id,name,parent,kind\nQT.EVIL,"=HYPERLINK(""http://x"";""bấm"")",QT,district\n' >"$WORK/evil.csv"
uss units import "$WORK/evil.csv"
assert_rc 0 "a unit with a formula-like name"
uss set QT.EVIL 2022-05 members.new 3 --note 'a figure for the report'
assert_rc 0 "a figure of that unit"
uss report 2022-H1 --format csv
assert_rc 0 "report as CSV"
assert_match "QT\.EVIL,\"'=HYPERLINK" "$OUT" "the name is kept as text"
if grep -q ',=HYPERLINK' <<<"$OUT"; then
    fail "a CSV cell starts with =" "expected: none" "seen: $(grep HYPERLINK <<<"$OUT")"
fi
e2e_finish
