#!/usr/bin/env bash
# t_desk_office: the office desk (`unionsync ui`) in a real headless Chromium.
#
# A province with Triệu Phong enrolled twice (the desk's store and another
# clerk's); April 2022 is locked by the province. The desk starts with the
# province down and prints its address on a line of its own. Plain HTTP
# checks first: without the token, with a foreign Host (DNS rebinding) or
# without the CSRF token, requests get a 4xx and no figures, and nothing is
# stored. Then desk_office.py (Selenium) plays the clerk: figures typed are in
# the store before any sync; the page says the province is down and keeps
# working; the province comes up, "Đồng bộ" syncs and states turn accepted; a
# locked month, a figure the province rejects (June, locked before the desk
# heard of it) and a lost conflict show their reasons; a column pasted from
# Excel fills the cells below; a screenshot of the form is kept in
# BUILD_DIR/screenshots/desk_office.png. Last: the command line works on the
# same store while the desk runs, and SIGTERM stops the desk cleanly.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

[ -x /usr/bin/chromedriver ] || die "chromium-driver is not installed (scripts/install-deps.sh)"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || die "python3-selenium is not installed"
command -v curl >/dev/null || die "curl is not installed"

server_init
client_init desk QT.TRIEUPHONG
client_init other QT.TRIEUPHONG

# April is entered by the other clerk and locked by the province; the desk
# hears of it on a sync from the command line.
server_start
us other set QT.TRIEUPHONG 2022-04 members.new 50
sync_ok other
uss lock QT.TRIEUPHONG 2022-04 --force
assert_rc 0 "the province locks April"
uss target set QT.TRIEUPHONG members.new 2022 2500
assert_rc 0 "a target for the year"
sync_ok desk
server_stop

# ---------------------------------------------------------------- the desk
desk_start desk
url=$DESK_URL
assert_match '^http://127\.0\.0\.1:[0-9]+/\?t=[0-9a-f]{32}$' "$url" "the desk prints its address on a line of its own"
port=$(sed -E 's|^http://127\.0\.0\.1:([0-9]+)/.*|\1|' <<<"$url")
token=${url##*t=}
base=http://127.0.0.1:$port
assert_le 1 "$(ss -Htln "( sport = :$port )" | grep -c '127.0.0.1:')" "the desk listens on 127.0.0.1"
assert_eq 0 "$(ss -Htln "( sport = :$port )" | grep -vc '127.0.0.1:')" "and nowhere else"

# http CODE_VAR BODY_FILE CURL_ARGS...: one request; the status in CODE_VAR.
http () {
    local var=$1 out=$2
    shift 2
    printf -v "$var" '%s' "$(curl -s -o "$out" -w '%{http_code}' "$@")"
}

outbox () { sqlite3 "$(cdb desk)" "SELECT COUNT(*) FROM outbox"; }
us desk set QT.TRIEUPHONG 2022-05 members.new 777
before=$(outbox)

http code "$WORK/r1" "$base/api/form?unit=QT.TRIEUPHONG&month=2022-05"
assert_eq 403 "$code" "no token: refused"
assert_eq 0 "$(grep -c '777\|members' "$WORK/r1")" "no token: no figures"
http code "$WORK/r2" "$base/?unit=QT.TRIEUPHONG&t=0123456789abcdef0123456789abcdef"
assert_eq 403 "$code" "a wrong token: refused"
http code "$WORK/r3" -H "Host: attacker.example:$port" "$base/api/form?t=$token&month=2022-05"
assert_le 400 "$code" "a foreign Host (DNS rebinding): refused"
assert_le "$code" 499 "a foreign Host: a 4xx"
assert_eq 0 "$(grep -c '777\|members' "$WORK/r3")" "a foreign Host: no figures"
http code "$WORK/r4" -H "Host: 127.0.0.1:$((port + 1))" "$base/?t=$token"
assert_le 400 "$code" "the Host of another port: refused"
http code "$WORK/r5" "$base/api/form?t=$token&month=2022-05"
assert_eq 200 "$code" "with the token: the form"
assert_eq 777 "$(jq -r '.cells["members.new|2022-05"].value' "$WORK/r5")" "the form has the figure set from the command line"
assert_match '^(draft|pending)$' "$(jq -r '.cells["members.new|2022-05"].state' "$WORK/r5")" \
    "which is a draft (pending while the desk tries to send it)"
http code "$WORK/page.html" -c "$WORK/jar" -D "$WORK/page.headers" "$base/?t=$token"
assert_eq 200 "$code" "the page"
assert_match "content-security-policy: default-src 'none'; script-src 'self'" "$(cat "$WORK/page.headers")" "a strict CSP"
assert_eq 0 "$(grep -ciE '<script>|<script [^>]*>[^<]|on(click|load|change)=|(src|href)="(https?:)?//' "$WORK/page.html")" \
    "no inline script and nothing from another site"
csrf=$(sed -n 's/.*name="us-csrf" content="\([0-9a-f]*\)".*/\1/p' "$WORK/page.html")
assert_match '^[0-9a-f]{32}$' "$csrf" "the page carries a CSRF token"
body='{"unit":"QT.TRIEUPHONG","month":"2022-05","indicator":"cdcs.new","value":"5"}'
http code "$WORK/r6" -b "$WORK/jar" -X POST -d "$body" "$base/api/cell?t=$token"
assert_eq 403 "$code" "no CSRF token: refused"
wrong=${csrf%?}$([ "${csrf: -1}" = 0 ] && echo 1 || echo 0)
assert_ne "$csrf" "$wrong" "the test's wrong CSRF token differs"
http code "$WORK/r7" -b "$WORK/jar" -H "X-CSRF-Token: $wrong" -X POST -d "$body" "$base/api/cell?t=$token"
assert_eq 403 "$code" "a wrong CSRF token: refused"
http code "$WORK/r8" -H "X-CSRF-Token: $csrf" -X POST -d "$body" "$base/api/cell?t=$token"
assert_eq 403 "$code" "a CSRF token without its session cookie: refused"
assert_eq "$before" "$(outbox)" "refused requests stored nothing"
bad='{"unit":"QT","month":"2022-05","indicator":"cdcs.new","value":"5"}'
http code "$WORK/r9" -b "$WORK/jar" -H "X-CSRF-Token: $csrf" -X POST -d "$bad" "$base/api/cell?t=$token"
assert_eq 422 "$code" "a unit outside the office: refused"
assert_match 'outside this office' "$(cat "$WORK/r9")" "with the store's reason"
locked='{"unit":"QT.TRIEUPHONG","month":"2022-04","indicator":"cdcs.new","value":"5"}'
http code "$WORK/r10" -b "$WORK/jar" -H "X-CSRF-Token: $csrf" -X POST -d "$locked" "$base/api/cell?t=$token"
assert_eq 422 "$code" "a locked month: refused"
assert_match 'đã được tỉnh duyệt và khóa' "$(jq -r .error_vi "$WORK/r10")" "in Vietnamese"
assert_eq "$before" "$(outbox)" "refused edits stored nothing"
us desk set QT.TRIEUPHONG 2022-05 members.new - 
assert_rc 0 "the command line clears its figure while the desk runs"

# ---------------------------------------------------------------- the clerk
shots=$BUILD/screenshots
mkdir -p "$shots"
DESK_URL=$url US=$US USS=$USS DESK_DB=$(cdb desk) OTHER_DB=$(cdb other) SRV_DB=$SRV_DB \
SRV_BIND=$ENDPOINT CATALOG=$DATA/indicators.csv SHOT=$shots/desk_office.png WORK=$WORK \
    timeout -k 5 60 /usr/bin/python3 "$(dirname "$0")/desk_office.py" 2>&1 | tee "$WORK/selenium.log" |
    sed -u 's/^/    selenium: /' >&2
rc=${PIPESTATUS[0]}
assert_eq 0 "$rc" "the clerk's session in Chromium (desk_office.py)"
[ -s "$shots/desk_office.png" ] && log "screenshot saved: $shots/desk_office.png"

# ---------------------------------------------------------------- files
# The period's template (as `unionsync template` writes it), a file as
# Excel writes it previewed then saved (as `unionsync import` reads it),
# the print view.
http code "$WORK/tpl.csv" "$base/api/template?t=$token&period=2022-05"
assert_eq 200 "$code" "the template downloads"
assert_eq 'efbbbf' "$(head -c 3 "$WORK/tpl.csv" | od -An -tx1 | tr -d ' \n')" "with a BOM for Excel"
assert_le 1 "$(grep -c '^QT.TRIEUPHONG;LĐLĐ huyện Triệu Phong;members.new;Phát triển đoàn viên mới;' "$WORK/tpl.csv")" \
    "a row per indicator with its Vietnamese name"
http code "$WORK/tpl.xlsx" "$base/api/template?t=$token&period=2022-05&format=xlsx"
assert_eq 200 "$code" "the template as a workbook"
assert_eq 'PK' "$(head -c 2 "$WORK/tpl.xlsx")" "an xlsx (zip) file"
printf '\xef\xbb\xbf\xc4\x91\xc6\xa1n v\xe1\xbb\x8b;th\xc3\xa1ng;ch\xe1\xbb\x89 ti\xc3\xaau;gi\xc3\xa1 tr\xe1\xbb\x8b\r\nQT.TRIEUPHONG;2022-07;members.new;1.500\r\nQT.TRIEUPHONG;2022-07;cdcs.new;\r\n' >"$WORK/in.csv"
before=$(outbox)
http code "$WORK/prev.json" -b "$WORK/jar" -H "X-CSRF-Token: $csrf" --data-binary "@$WORK/in.csv" \
    "$base/api/import/preview?t=$token&name=in.csv&unit=QT.TRIEUPHONG"
assert_eq 200 "$code" "an import preview of a file as Excel writes it (';', BOM, Vietnamese headings)"
assert_eq "1 1 1500 null members.new" \
    "$(jq -r '"\(.count) \(.skipped) \(.rows[0].value) \(.rows[0].old) \(.rows[0].indicator)"' "$WORK/prev.json")" \
    "the preview shows the row to change; the empty one is left alone"
assert_eq "$before" "$(outbox)" "a preview stores nothing"
printf 'unit,month,indicator,value\nQT.TRIEUPHONG,2022-07,members.new,abc\n' >"$WORK/bad.csv"
http code "$WORK/bad.json" -b "$WORK/jar" -H "X-CSRF-Token: $csrf" --data-binary "@$WORK/bad.csv" \
    "$base/api/import/commit?t=$token&name=bad.csv"
assert_eq 422 "$code" "a bad file is refused"
assert_match '^bad.csv line 2' "$(jq -r .error "$WORK/bad.json")" "naming the clerk's file and line"
assert_eq "$before" "$(outbox)" "and nothing is stored"
http code "$WORK/commit.json" -b "$WORK/jar" -H "X-CSRF-Token: $csrf" --data-binary "@$WORK/in.csv" \
    "$base/api/import/commit?t=$token&name=in.csv"
assert_eq 200 "$code" "the import is saved"
assert_eq $((before + 1)) "$(outbox)" "one figure more waits to be sent"
assert_eq 1500 "$(sqlite3 "$(cdb desk)" "SELECT value FROM outbox ORDER BY seq DESC LIMIT 1")" "1.500 read as 1500"
http code "$WORK/print.html" -D "$WORK/print.headers" "$base/print?t=$token&period=2022-05"
assert_eq 200 "$code" "the print view"
assert_le 1 "$(grep -c 'Triệu Phong' "$WORK/print.html")" "the print view is the office's report"
assert_match "content-security-policy: default-src 'none'; style-src 'unsafe-inline'" \
    "$(cat "$WORK/print.headers")" "the print view allows no script at all"

# ---------------------------------------------------------------- after
run "$US" show 2022-05 --json --db "$(cdb desk)"
assert_rc 0 "show --json works while the desk runs"
assert_eq 1234 "$(jq -r '.rows[] | select(.unit == "QT.TRIEUPHONG") | .values["members.new"]' <<<"$OUT")" \
    "the figure typed on the page is in the office's report"
assert_eq 1234 "$(row_value "$(report_json 2022-05)" QT.TRIEUPHONG members.new)" "and in the province's"
kill -TERM "$DESK_PID"
for i in $(seq 1 80); do kill -0 "$DESK_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$DESK_PID" 2>/dev/null; then
    fail "the desk stops within 8 s of SIGTERM"
fi
wait "$DESK_PID"
assert_eq 0 "$?" "the desk's exit code after SIGTERM"
e2e_untrack "$DESK_PID"
assert_match 'stopping the desk' "$(cat "$WORK/desk.err")" "the desk says it stops"
e2e_finish
