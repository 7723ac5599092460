#!/usr/bin/env bash
# t_html_report: every report format carries the figures the test entered
# (text, csv with its BOM, json with target versions, the Vietnamese text),
# and the HTML report is one self-contained page that a browser
# shows with its table and charts. Figures and targets go into a province
# store; `report --format html` writes the page; headless Chromium (Debian's
# chromium) renders it to a screenshot, saved in BUILD_DIR/e2e-artifacts/,
# and dumps the DOM it built. Checks: no external resource is referenced;
# the rendered DOM has the units table with every unit's name and figure
# (Vietnamese thousands dots), the achievement and trend charts as SVG with
# one bar per unit with a target; the screenshot is a real A4-wide picture,
# not a blank page.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || die "chromium is not installed (scripts/install-deps.sh installs it)"

server_init
declare -A members=([QT.DONGHA]=1260 [QT.CAMLO]=410 [QT.DAKRONG]=95)
declare -A target=([QT.DONGHA]=1200 [QT.CAMLO]=500 [QT.DAKRONG]=100)
for u in "${!members[@]}"; do
    half=$((members[$u] / 2))
    uss set "$u" 2022-02 members.new "$half" --note "e2e"
    uss set "$u" 2022-05 members.new "$((members[$u] - half))" --note "e2e"
    assert_rc 0 "set $u"
    uss target set "$u" members.new 2022-H1 "${target[$u]}"
    assert_rc 0 "target $u"
done

# The same figures in every format, computed here: 1260 + 410 + 95.
total=0
for u in "${!members[@]}"; do total=$((total + members[$u])); done
assert_eq 1765 "$total" "the test's own total"
"$USS" report 2022-H1 --db "$SRV_DB" > "$WORK/report.txt" || die "text report failed"
assert_le 1 "$(grep -c "1,765" "$WORK/report.txt")" "text report shows the province total"
assert_le 1 "$(grep -E '^QT.DONGHA +members.new +1,260 province +2022-H1 +1,200 +105.0% v1' -c "$WORK/report.txt")" \
    "text report: Đông Hà's achievement against its target, version 1"
"$USS" report 2022-H1 --format csv --db "$SRV_DB" > "$WORK/report.csv" || die "csv report failed"
assert_eq 'efbbbf' "$(head -c 3 "$WORK/report.csv" | od -An -tx1 | tr -d ' \n')" "CSV starts with a UTF-8 BOM"
assert_le 1 "$(grep -c "^2022-H1,QT,.*,members.new,$total," "$WORK/report.csv")" "CSV row of the province total"
assert_le 1 "$(grep -c '^2022-H1,QT.CAMLO,.*,members.new,410,,,500,82.0,' "$WORK/report.csv")" "CSV row of Cam Lộ"
uss target set QT.CAMLO members.new 2022-H1 400
json=$(report_json 2022-H1)
assert_eq 2 "$(jq -r '.rows[] | select(.unit == "QT.CAMLO") | .target_versions["members.new"].province' <<<"$json")" \
    "a changed target is version 2 in the report"
assert_eq 102.5 "$(jq -r '.rows[] | select(.unit == "QT.CAMLO") | .achievement_pct["members.new"].province' <<<"$json")" \
    "Cam Lộ's achievement against the new target"
uss target set QT.CAMLO members.new 2022-H1 500
"$USS" report 2022-H1 --format vi --db "$SRV_DB" > "$WORK/report-vi.txt" || die "vi report failed"
assert_le 1 "$(grep -c "phát triển mới 1.765 đoàn viên" "$WORK/report-vi.txt")" "Vietnamese text with 1.765"

page=$WORK/report.html
"$USS" report 2022-H1 --format html --db "$SRV_DB" > "$page" || die "report --format html failed"
assert_eq 0 "$(grep -ciE '(src|href)="(https?:)?//|<link |@import' "$page")" "external references in the page"

art=$BUILD/e2e-artifacts
mkdir -p "$art"
shot=$art/report-html.png
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
       --disable-component-update --disable-sync --no-first-run --disable-quic
       "--user-data-dir=$WORK/chromium")
timeout 60 "$browser" "${flags[@]}" --window-size=1240,1754 --screenshot="$shot" \
    "file://$page" >"$WORK/chromium.log" 2>&1
timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$page" >"$WORK/dom.html" 2>>"$WORK/chromium.log"

# The DOM as the browser built it: the table and the charts.
dom=$WORK/dom.html
assert_le 1 "$(grep -c '<table' "$dom")" "tables rendered"
assert_le 2 "$(grep -o '<svg' "$dom" | wc -l)" "SVG charts rendered"
for u in QT.DONGHA QT.CAMLO QT.DAKRONG; do
    name=$(jq -r --arg u "$u" '.rows[] | select(.unit == $u) | .name' <<<"$(report_json 2022-H1)")
    assert_le 1 "$(grep -cF "$name" "$dom")" "unit $name in the page"
done
assert_le 1 "$(grep -cF '1.260' "$dom")" "Đông Hà's 1.260 written the Vietnamese way"
# achievement 1260/1200 = 105%, 410/500 = 82%, 95/100 = 95%
for pct in '105%' '82%' '95%'; do
    assert_le 1 "$(grep -cF "$pct" "$dom")" "achievement $pct in the page"
done

# The screenshot: a PNG of the window's size, with content (a blank page
# compresses to a few kilobytes).
[ -s "$shot" ] || die "no screenshot: $(tail -n 5 "$WORK/chromium.log")"
assert_eq '89504e47' "$(head -c 4 "$shot" | od -An -tx1 | tr -d ' \n')" "PNG signature"
width=$((16#$(od -An -tx1 -j16 -N4 "$shot" | tr -d ' \n')))
height=$((16#$(od -An -tx1 -j20 -N4 "$shot" | tr -d ' \n')))
assert_eq 1240 "$width" "screenshot width"
assert_eq 1754 "$height" "screenshot height"
assert_le 30000 "$(stat -c %s "$shot")" "screenshot bytes (content, not blank)"
log "screenshot saved: $shot"
e2e_finish
