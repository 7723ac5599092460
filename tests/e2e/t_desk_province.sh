#!/usr/bin/env bash
# t_desk_province: the province desk (`unionsync-server serve --ui` and
# `ui`) with real offices syncing over ZeroMQ, curl and a real headless
# Chromium (tests/e2e/desk_province.py).
#  1. Binding: `ui` prints its http:// address on a line of its own; a
#     non-loopback address is refused without TLS or --behind-proxy; with
#     a certificate it serves https.
#  2. Accounts: `user add` reads the password from stdin, refuses short
#     passwords, unknown roles and duplicates, and stores no password.
#  3. Without a session no page and no API call returns a figure.
#  4. A wrong password is refused; five lock the account (even the right
#     password is then refused).
#  5. A viewer sees the report at its bookmarkable address and cannot
#     approve: the server itself refuses the call (curl with the viewer's
#     cookie and CSRF token); a change without the CSRF token is refused.
#  6. An approver approves the district's period from the page; the office's
#     later edit is refused at the sync, and offline once the lock is pulled.
#  7. A correction needs a note (page and API) and reaches the office's
#     `unionsync show` with the note and the account's name.
#  8. The xlsx download and `report --format xlsx` open in openpyxl with the
#     report's figures, Vietnamese headings, formats, frozen header, A4
#     landscape. Screenshots of every view in BUILD/screenshots/.
#  9. Amended: an office edits a month it submitted; the round shows the
#     report as amended, counts it and lists it, its filter keeps only the
#     units with an amended report (Selenium, with the screenshots); the
#     report's completeness names the unit as amended (JSON, text,
#     Vietnamese, HTML). The round's deadlines are the schedules'.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib.sh"
e2e_setup "$@"

PY=/usr/bin/python3
SHOTS=$BUILD/screenshots
D=QT.TRIEUPHONG
for tool in curl openssl /usr/bin/chromedriver /usr/bin/chromium; do
    command -v "$tool" >/dev/null || die "missing tool $tool"
done
$PY -c 'import selenium, openpyxl' 2>/dev/null || die "missing python3-selenium or python3-openpyxl"

# browser PHASE ARGS... [-- PHASE ARGS...]: phases of desk_province.py in
# one browser; their checks count.
browser () {
    local out rc start=$SECONDS
    # Streamed as it runs, so that a phase cut short still shows how far it got.
    timeout -k 5 60 $PY "$HERE/desk_province.py" "$URL" "$SHOTS" "$@" 2>&1 | tee "$WORK/phase.log" |
        sed -u "s/^/    [$1] /" >&2
    rc=${PIPESTATUS[0]}
    out=$(cat "$WORK/phase.log")
    log "    [$1] $((SECONDS - start)) s; test at ${SECONDS} s"
    [ "$rc" -eq 0 ] || fail "browser phase $1" "$(grep FAIL <<<"$out" | head -n 5)"
}

# login NAME PASSWORD JAR: a session in a curl cookie jar; prints the CSRF token.
login () {
    curl -s -c "$3" -H 'Content-Type: application/json' \
        -d "{\"name\":\"$1\",\"password\":\"$2\"}" "${URL}api/login" | jq -r '.csrf // empty'
}

# post JAR CSRF PATH JSON: prints the HTTP status, body in $WORK/.post
post () {
    curl -s -o "$WORK/.post" -w '%{http_code}' -b "$1" -H 'Content-Type: application/json' \
        ${2:+-H "X-CSRF-Token: $2"} -d "$4" "$URL$3"
}

# add_user NAME ROLE PASSWORD
add_user () {
    printf '%s\n' "$3" >"$WORK/.pw"
    run "$USS" user add "$1" --role "$2" --db "$SRV_DB" <"$WORK/.pw"
    assert_rc 0 "user add $1 --role $2"
}

# ------------------------------------------------------------------ setup

server_init
must "$USS" target set QT members.new 2022 3000 --source province --db "$SRV_DB"
must "$USS" target set "$D" members.new 2022-H1 1500 --db "$SRV_DB"
client_init tp "$D"
client_init cl QT.CAMLO

# ------------------------------------------------------------------ 1. binding
log '=== 1. binding'
"$USS" ui --bind 127.0.0.1:0 --db "$SRV_DB" >"$WORK/ui.out" 2>"$WORK/ui.err" &
UI_PID=$!
e2e_track "$UI_PID"
for _ in $(seq 1 100); do [ -s "$WORK/ui.out" ] && break; sleep 0.05; done
ui_url=$(head -n 1 "$WORK/ui.out")
assert_match '^http://127\.0\.0\.1:[0-9]+/$' "$ui_url" "ui prints its address on a line of its own"
assert_eq 303 "$(curl -s -o /dev/null -w '%{http_code}' "$ui_url")" "ui answers / without a session with a redirect"
kill -TERM "$UI_PID"; wait "$UI_PID"
assert_eq 0 "$?" "ui stops cleanly on SIGTERM"
e2e_untrack "$UI_PID"

run "$USS" ui --bind 0.0.0.0:0 --db "$SRV_DB"
assert_rc 2 "ui on a non-loopback address without TLS"
assert_match 'tls-cert.*behind-proxy' "$ERR" "the refusal names --tls-cert and --behind-proxy"
run "$USS" ui --bind 127.0.0.1:0 --tls-cert "$WORK/none.pem" --db "$SRV_DB"
assert_rc 2 "ui with a certificate but no key"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    -days 2 -subj /CN=localhost >/dev/null 2>&1 || die "openssl req failed"
"$USS" ui --bind 0.0.0.0:0 --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" \
    --db "$SRV_DB" >"$WORK/tls.out" 2>"$WORK/tls.err" &
TLS_PID=$!
e2e_track "$TLS_PID"
for _ in $(seq 1 100); do [ -s "$WORK/tls.out" ] && break; sleep 0.05; done
tls_url=$(head -n 1 "$WORK/tls.out")
assert_match '^https://0\.0\.0\.0:[0-9]+/$' "$tls_url" "with TLS the desk prints an https address"
tls_port=${tls_url##*:}; tls_port=${tls_port%/}
assert_eq 303 "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$tls_port/round")" \
    "the TLS desk answers over https"
assert_eq 000 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$tls_port/round")" \
    "the TLS desk does not answer plain http"
kill -TERM "$TLS_PID"; wait "$TLS_PID" 2>/dev/null
e2e_untrack "$TLS_PID"

# ------------------------------------------------------------------ 2. accounts
log '=== 2. accounts'
add_user admin.qt admin 'quan-tri-2022'
add_user duyet.qt approver 'phe-duyet-2022'
add_user xem.qt viewer 'chi-xem-2022'
add_user khoa.qt viewer 'se-bi-khoa-2022'
printf 'short\n' >"$WORK/.pw"
run "$USS" user add ngan.qt --role viewer --db "$SRV_DB" <"$WORK/.pw"
assert_rc 2 "user add with a 5-character password"
printf 'long-enough-1\n' >"$WORK/.pw"
run "$USS" user add ai.qt --role boss --db "$SRV_DB" <"$WORK/.pw"
assert_rc 2 "user add with an unknown role"
run "$USS" user add xem.qt --role viewer --db "$SRV_DB" <"$WORK/.pw"
assert_rc 2 "user add of an existing name"
assert_match 'exists' "$ERR" "the refusal says the account exists"
run "$USS" user list --db "$SRV_DB"
assert_rc 0 "user list"
assert_eq 4 "$(grep -cE '^(admin|duyet|xem|khoa)\.qt ' <<<"$OUT")" "user list shows the four accounts"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM desk_users WHERE hash LIKE '%chi-xem%' OR hash NOT LIKE 'scrypt\$15\$8\$1\$%'")" \
    "passwords are stored as scrypt hashes only"

# ------------------------------------------------------------------ offices
log '=== offices enter, submit and sync'
months=(01 02 03 04 05 06); tp_members=(11 22 33 44 55 1066)
for i in "${!months[@]}"; do
    us tp set "$D" "2022-${months[$i]}" members.new "${tp_members[$i]}" --author 'Lê Thị Mai'
    assert_rc 0 "tp set 2022-${months[$i]}"
    us tp set "$D" "2022-${months[$i]}" cdcs.new 2 --author 'Lê Thị Mai'
done
us tp submit 2022-H1
assert_rc 0 "tp submits 2022-H1"
us cl set QT.CAMLO 2022-03 members.new 70 --author 'Trần Văn Hùng'

"$USS" serve --bind "$ENDPOINT" --ui 127.0.0.1:0 --db "$SRV_DB" >"$WORK/serve.out" 2>>"$SRV_LOG" &
SERVER_PID=$!
e2e_track "$SERVER_PID"
for _ in $(seq 1 100); do
    grep -q serving "$SRV_LOG" 2>/dev/null && [ -s "$WORK/serve.out" ] && break
    sleep 0.05
done
URL=$(head -n 1 "$WORK/serve.out")
assert_match '^http://127\.0\.0\.1:[0-9]+/$' "$URL" "serve --ui prints the desk's address"
[ -n "$URL" ] || die "serve --ui printed no address: $(tail -n 3 "$SRV_LOG")"
sync_ok tp
sync_ok cl
H1=$(row_value "$(report_json 2022-H1 "$D")" "$D" members.new)
assert_eq 1231 "$H1" "the server's 2022-H1 members.new of $D"

# ------------------------------------------------------------------ 3. no session
log '=== 3. without a session'
for path in '' round "report?period=2022-H1&unit=$D" cell conflicts approvals corrections \
            targets offices accounts log; do
    code=$(curl -s -o "$WORK/.body" -w '%{http_code}' "$URL$path")
    assert_eq 303 "$code" "GET /$path without a session is sent to the login page"
    assert_eq 0 "$(grep -c -e 1231 -e 1\\.231 "$WORK/.body")" "GET /$path without a session shows no figure"
done
for path in "report?period=2022-H1&unit=$D&format=csv" "report?period=2022-H1&format=xlsx" \
            round?year=2022 "cell?unit=$D&month=2022-06&indicator=members.new" \
            "audit?unit=$D&period=2022-H1" conflicts states?period=2022-H1 targets?period=2022 \
            offices accounts log meta me; do
    code=$(curl -s -o "$WORK/.body" -w '%{http_code}' "${URL}api/$path")
    assert_eq 401 "$code" "GET /api/$path without a session"
    assert_eq 0 "$(grep -c -e 1231 -e 1066 "$WORK/.body")" "GET /api/$path without a session shows no figure"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -b 'us_session=0000000000000000000000000000000000000000000000000000000000000000' "${URL}api/round")
assert_eq 401 "$code" "a made-up session id is refused"
code=$(post /dev/null '' api/workflow "{\"unit\":\"$D\",\"period\":\"2022-H1\",\"action\":\"approve\"}")
assert_eq 401 "$code" "POST /api/workflow without a session"
head -c 70000 /dev/zero | tr '\0' 'x' >"$WORK/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$WORK/big" "${URL}api/login")
assert_eq 413 "$code" "a login body over 64 KiB is refused"

# ------------------------------------------------------------------ 4. lockout
log '=== 4. wrong passwords; 5. a viewer in the browser'
browser lockout khoa.qt 'se-bi-khoa-2022' -- viewer xem.qt 'chi-xem-2022' 2022-H1 "$D" "$H1"
assert_eq '' "$(login khoa.qt 'se-bi-khoa-2022' "$WORK/khoa.jar")" "curl: the locked account gets no session either"
assert_eq 1 "$(sqlite3 "$SRV_DB" "SELECT locked_until > strftime('%s','now') FROM desk_users WHERE name = 'khoa.qt'")" \
    "the store has the account locked"
assert_ne '' "$(login xem.qt 'chi-xem-2022' "$WORK/probe.jar")" "other accounts are not locked"

# ------------------------------------------------------------------ 5. viewer
log '=== 5. a viewer (the page: above)'
VCSRF=$(login xem.qt 'chi-xem-2022' "$WORK/viewer.jar")
assert_ne '' "$VCSRF" "the viewer logs in with curl"
code=$(post "$WORK/viewer.jar" "$VCSRF" api/workflow "{\"unit\":\"$D\",\"period\":\"2022-H1\",\"action\":\"approve\"}")
assert_eq 403 "$code" "the server refuses a viewer's approve (with cookie and CSRF token)"
assert_match 'quyền' "$(cat "$WORK/.post")" "the refusal says the account lacks the right"
code=$(post "$WORK/viewer.jar" "$VCSRF" api/correct "{\"unit\":\"$D\",\"month\":\"2022-06\",\"indicator\":\"members.new\",\"value\":1,\"note\":\"x\"}")
assert_eq 403 "$code" "the server refuses a viewer's correction"
code=$(post "$WORK/viewer.jar" "$VCSRF" api/account '{"name":"hacker","role":"admin","password":"12345678910"}')
assert_eq 403 "$code" "the server refuses a viewer's new account"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$WORK/viewer.jar" "${URL}api/accounts")
assert_eq 403 "$code" "a viewer cannot list accounts"
assert_eq submitted "$(sqlite3 "$SRV_DB" "SELECT state FROM submissions s JOIN units u ON u.id = s.unit_id WHERE u.code = '$D' AND period = '2022-H1'")" \
    "the refused approve changed nothing"
ACSRF=$(login duyet.qt 'phe-duyet-2022' "$WORK/approver.jar")
code=$(post "$WORK/approver.jar" '' api/workflow "{\"unit\":\"$D\",\"period\":\"2022-H1\",\"action\":\"approve\"}")
assert_eq 403 "$code" "an approver's change without the CSRF token is refused"
code=$(post "$WORK/approver.jar" 'not-the-token' api/workflow "{\"unit\":\"$D\",\"period\":\"2022-H1\",\"action\":\"approve\"}")
assert_eq 403 "$code" "an approver's change with a wrong CSRF token is refused"
code=$(post "$WORK/approver.jar" "$ACSRF" api/workflow 'not json')
assert_eq 400 "$code" "a body that is not JSON"

# ------------------------------------------------------------------ 6. approve and lock
log '=== 6. approve and 7. correct from the page'
code=$(post "$WORK/approver.jar" "$ACSRF" api/correct "{\"unit\":\"QT.CAMLO\",\"month\":\"2022-03\",\"indicator\":\"members.new\",\"value\":\"75\",\"note\":\"\"}")
assert_eq 400 "$code" "a correction without a note is refused by the server"
assert_eq 70 "$(row_value "$(report_json 2022-03 QT.CAMLO)" QT.CAMLO members.new)" "the refused correction changed nothing"
NOTE='theo biên bản ngày 5/4'
browser approve duyet.qt 'phe-duyet-2022' 2022-H1 "$D" \
    -- correct duyet.qt 'phe-duyet-2022' QT.CAMLO 2022-03 members.new 75 "$NOTE"
assert_eq approved "$(sqlite3 "$SRV_DB" "SELECT state FROM submissions s JOIN units u ON u.id = s.unit_id WHERE u.code = '$D' AND period = '2022-H1'")" \
    "the store has $D 2022-H1 approved"
assert_match 'duyet\.qt\|approve\|QT\.TRIEUPHONG 2022-H1' "$(sqlite3 "$SRV_DB" "SELECT account, action, detail FROM desk_log WHERE action = 'approve'")" \
    "the desk log records the approval with the account"
us tp set "$D" 2022-02 members.new 99 --author 'Lê Thị Mai'
assert_rc 0 "the office's offline edit before it pulls the lock"
us tp sync --timeout-ms 2000 --retries 3
assert_rc 4 "the office's sync of an edit in the approved period"
assert_match 'rejected 1' "$OUT" "the sync says the edit was rejected"
assert_eq 22 "$(row_value "$(report_json 2022-02 "$D")" "$D" members.new)" "the server kept 22"
us tp set "$D" 2022-03 members.new 98
assert_rc 2 "once the lock is pulled the office refuses the edit offline"
assert_match 'locked' "$ERR" "the refusal says locked"

# ------------------------------------------------------------------ 7. correction
log '=== 7. the correction reaches the office'
assert_eq 75 "$(row_value "$(report_json 2022-03 QT.CAMLO)" QT.CAMLO members.new)" "the server has the correction"
sync_ok cl
us cl show 2022-03
assert_match "C QT\.CAMLO 2022-03 members\.new = 75 +by duyet\.qt: $NOTE" "$OUT" \
    "the office's show has the correction, the account's name and the note"

# ------------------------------------------------------------------ 9. amended
log '=== 9. amended reports at the province desk'
us cl submit 2022-03
assert_rc 0 "Cam Lộ submits 2022-03"
sync_ok cl
us cl set QT.CAMLO 2022-03 members.new 76 --author 'Trần Văn Hùng'
assert_rc 0 "Cam Lộ edits its submitted March"
sync_ok cl
assert_eq amended "$(sqlite3 "$SRV_DB" "SELECT state FROM submissions s JOIN units u ON u.id = s.unit_id WHERE u.code = 'QT.CAMLO' AND period = '2022-03'")" \
    "the province holds Cam Lộ's March as amended"
assert_eq '["QT.CAMLO"]' "$(report_json 2022-03 | jq -c '.completeness.amended')" \
    "the report's completeness names Cam Lộ as amended"
run "$USS" report 2022-03 --format vi --db "$SRV_DB"
assert_match 'chờ nộp lại: [^.]*Cam Lộ' "$OUT" "the Vietnamese report says Cam Lộ's report waits to be submitted again"
run "$USS" report 2022-03 --format html --db "$SRV_DB"
assert_match '<p class="amended">Báo cáo đã sửa sau khi nộp, chờ nộp lại: [^<]*Cam Lộ' "$OUT" \
    "the HTML report's completeness names it"
run "$USS" report 2022-03 --db "$SRV_DB"
assert_match 'amended, to submit again: [^;]*QT\.CAMLO' "$OUT" "and the text report"
# the round's deadlines are the schedules'
printf 'code,name,period,kinds,indicators,deadline\nmonthly,Số liệu hằng tháng,month,district sector,,1:10\n' >"$WORK/sched.csv"
run "$USS" schedules import "$WORK/sched.csv" --db "$SRV_DB"
assert_rc 0 "a monthly schedule due on the 10th"
want=$(date -d '2022-04-10 23:59:59.999 +0700' +%s%3N)
assert_eq "$want" "$(curl -s -b "$WORK/viewer.jar" "${URL}api/round?year=2022" | jq '.periods[] | select(.period == "2022-03") | .deadline')" \
    "the round's deadline of 2022-03 is the schedule's (10/4/2022, Vietnam's time)"
assert_eq "$want" "$(curl -s -b "$WORK/viewer.jar" "${URL}api/states?period=2022-03" | jq '.deadline')" \
    "and so is the approvals view's"

# ------------------------------------------------------------------ targets and offices
log '=== targets and offices through the API'
code=$(post "$WORK/approver.jar" "$ACSRF" api/target '{"unit":"QT.CAMLO","indicator":"members.new","period":"2022","value":"400","source":"province"}')
assert_eq 200 "$code" "an approver sets a target"
assert_eq 1 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM targets t JOIN units u ON u.id = t.unit_id WHERE u.code = 'QT.CAMLO' AND t.period = '2022' AND t.lo = 400")" \
    "the target is in the store"
code=$(post "$WORK/approver.jar" "$ACSRF" api/target '{"unit":"QT.CAMLO","indicator":"members.new","period":"2022-13","value":"400"}')
assert_eq 400 "$code" "a target for a period that does not exist"
before=$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM targets")
code=$(post "$WORK/approver.jar" "$ACSRF" api/allocate '{"indicator":"members.new","period":"2023","total":1400,"by":"members.new","apply":false}')
assert_eq 200 "$code" "an allocation preview"
assert_eq 1400 "$(jq '[.rows[].share] | add' "$WORK/.post")" "the preview's shares add up to the total"
assert_eq "$before" "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM targets")" "a preview writes nothing"
code=$(post "$WORK/approver.jar" "$ACSRF" api/allocate '{"indicator":"members.new","period":"2023","total":1400,"by":"members.new","apply":true}')
assert_eq 200 "$code" "the allocation saved"
assert_eq 1400 "$(sqlite3 "$SRV_DB" "SELECT SUM(lo) FROM targets WHERE period = '2023'")" "the saved targets add up to the total"
client_create hl QT.HAILANG
code=$(post "$WORK/approver.jar" "$ACSRF" api/enroll "{\"unit\":\"QT.HAILANG\",\"name\":\"hl\",\"key\":\"$(client_key hl)\"}")
assert_eq 403 "$code" "an approver cannot enrol an office"
DCSRF=$(login admin.qt 'quan-tri-2022' "$WORK/admin.jar")
code=$(post "$WORK/admin.jar" "$DCSRF" api/enroll "{\"unit\":\"QT.HAILANG\",\"name\":\"hl\",\"key\":\"$(client_key hl)\"}")
assert_eq 200 "$code" "an admin enrols an office by its key"
us hl set QT.HAILANG 2022-04 members.new 12
sync_ok hl
code=$(post "$WORK/admin.jar" "$DCSRF" api/revoke "{\"key\":\"$(client_key hl)\"}")
assert_eq 200 "$code" "an admin revokes the office"
us hl sync --timeout-ms 1000 --retries 1
assert_rc_nonzero "the revoked office's next sync"
assert_match 'enroll|enrol|replica hl|revoke' "$(sqlite3 "$SRV_DB" "SELECT group_concat(account || ' ' || action || ' ' || detail, '; ') FROM desk_log WHERE account = 'admin.qt'")" \
    "the desk log names the admin's enrolment and revocation"

# ------------------------------------------------------------------ 8. xlsx
log '=== 8. xlsx'
code=$(curl -s -o "$WORK/desk.xlsx" -w '%{http_code}' -b "$WORK/viewer.jar" \
    "${URL}api/report?period=2022-H1&format=xlsx&download=1")
assert_eq 200 "$code" "the viewer downloads the xlsx report"
run "$USS" report 2022-H1 --format xlsx --output "$WORK/cli.xlsx" --db "$SRV_DB"
assert_rc 0 "report --format xlsx --output"
run "$USS" report 2022-H1 --format xlsx --db "$SRV_DB"
assert_rc 2 "report --format xlsx without --output"
QT_H1=$(row_value "$(report_json 2022-H1)" QT members.new)
for f in desk cli; do
    out=$($PY - "$WORK/$f.xlsx" "$D" "$H1" QT "$QT_H1" <<'PYEOF' 2>&1
import sys, openpyxl
path, unit, want, root, root_want = sys.argv[1:6]
wb = openpyxl.load_workbook(path)
assert wb.sheetnames == ['Tổng hợp', 'Chỉ tiêu'], wb.sheetnames
ws = wb['Tổng hợp']
head = [c.value for c in ws[1]]
assert head[0] == 'Mã đơn vị' and head[1] == 'Đơn vị', head
col = next(i for i, h in enumerate(head) if h and 'đoàn viên' in h.lower() and 'mới' in h.lower())
rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
assert rows[unit][col].value == int(want), (rows[unit][col].value, want)
assert rows[root][col].value == int(root_want), (rows[root][col].value, root_want)
assert isinstance(rows[unit][col].value, (int, float)), 'a number, not text'
assert rows[unit][col].number_format == '#,##0', rows[unit][col].number_format
pcts = [c for r in ws.iter_rows(min_row=2) for c in r if c.number_format == '0.0%']
assert ws.freeze_panes == 'C2', ws.freeze_panes
assert ws.page_setup.orientation == 'landscape' and str(ws.page_setup.paperSize) == '9'
t = wb['Chỉ tiêu']
th = [c.value for c in t[1]]
assert th[:3] == ['Mã đơn vị', 'Đơn vị', 'Chỉ số'] and 'Đạt (%)' in th, th
trows = [r for r in t.iter_rows(min_row=2) if r[0].value == unit]
assert trows, 'the district target is listed'
r = trows[0]
assert r[5].value == 1500 and r[7].value == int(want), (r[5].value, r[7].value)
assert abs(r[8].value - int(want) / 1500) < 0.001 and r[8].number_format == '0.0%', r[8].value
assert t.freeze_panes == 'C2' and t.page_setup.orientation == 'landscape'
print('xlsx ok', unit, rows[unit][col].value, root, rows[root][col].value, r[8].value)
PYEOF
)
    log "    $out"
    assert_match '^xlsx ok' "$out" "the $f xlsx opens in openpyxl with the report's figures"
done

# ------------------------------------------------------------------ screenshots
log '=== screenshots'
# (the round with Cam Lộ's amended report, section 9, in the same browser)
browser amended xem.qt 'chi-xem-2022' 2022 QT.CAMLO 2022-03 "$D" \
    -- shots admin.qt 'quan-tri-2022' 2022-H1 "$D" 2022-06 members.new
for v in round report cell conflicts approvals corrections targets offices accounts log login; do
    [ -s "$SHOTS/$v.png" ] || fail "screenshot of $v in $SHOTS"
done

server_stop
e2e_finish
