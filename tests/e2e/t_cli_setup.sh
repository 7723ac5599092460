#!/usr/bin/env bash
# t_cli_setup: setup mistakes are named and can be fixed.
#  - an office whose store holds another server's key (a real server with
#    its own key listens at the endpoint): sync says the server key is
#    wrong and how to fix it, exits 2 without going through every retry,
#    and keeps the edits; `unionsync config --server-key` fixes it in the
#    existing store and the next sync works; config refuses a bad endpoint
#    or key and changes nothing; config alone shows the settings;
#  - a server that is down: on a terminal, sync shows each new try
#    ("no answer from the province ... (2/3)"); to a pipe it stays quiet;
#    through a relay that accepts connections and drops them, it is still
#    "no answer", not a wrong key;
#  - an office that is not enrolled is told so;
#  - units import refuses a file that names an id twice (both lines named)
#    or a root other than the province's; nothing changes; the province's
#    own row, imported again as an update, is fine.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

server_init
good_key=$SERVER_KEY
# Another province's store: its key is what a wrong --server-key looks like.
must "$USS" init --province HUE --name 'LĐLĐ tỉnh Thừa Thiên Huế' --db "$WORK/other.db"
other_key=$(tail -n 1 "$WORK/.out")
SERVER_KEY=$other_key
client_create tp QT.TRIEUPHONG
SERVER_KEY=$good_key
enroll tp QT.TRIEUPHONG
us tp set QT.TRIEUPHONG 2022-03 members.new 7
server_start

log '=== a wrong server key'
start=$(date +%s%3N)
us tp sync --timeout-ms 1000 --retries 4
took=$(( $(date +%s%3N) - start ))
assert_rc 2 "sync with another server's key"
assert_one_stderr_line "sync with another server's key"
assert_match 'server key' "$ERR" "the message says the server key is wrong"
assert_match "unionsync config --server-key" "$ERR" "the message says how to fix it"
[[ $ERR != *"no answer"* ]] || fail "not reported as no answer" "seen: $ERR"
assert_le "$took" 6000 "named after the first unanswered try, not after every retry (1+2+4+8 s)"
assert_match 'refused [0-9]+ handshakes? .*another server key' "$(cat "$SRV_LOG")" \
    "the server logs the refused handshakes of an office with another server key"
us tp status --json
assert_eq 1 "$(jq '.pending | length' <<<"$OUT")" "the edit is kept"

log '=== config'
us tp config
assert_rc 0 "config shows the settings"
assert_match "server $ENDPOINT, server key " "$OUT" "config names the endpoint"
before=$(sha "$(cdb tp)")
us tp config --server http://example.org
assert_rc 2 "config with a bad endpoint"
assert_one_stderr_line "config with a bad endpoint"
us tp config --server-key not-a-key
assert_rc 2 "config with a bad key"
us tp config --server tcp://127.0.0.1:1 --server-key not-a-key
assert_rc 2 "config with a good endpoint and a bad key"
us tp config
assert_match "server $ENDPOINT, " "$OUT" "a refused config changes neither setting"
assert_eq "$before" "$(sha "$(cdb tp)")" "a refused config leaves the store as it was"
us tp config --server-key "$good_key"
assert_rc 0 "config --server-key"
assert_match '^changed ' "$OUT" "config says it changed the store"
sync_ok tp
us tp status --json
assert_eq 0 "$(jq '.pending | length' <<<"$OUT")" "with the right key the edit is sent"
cells=$(cells_dump "$SRV_DB")
assert_eq 'QT.TRIEUPHONG 24266 members.new 7' "$cells" "the province has the figure"
us tp config --server "tcp://127.0.0.1:$PORT" --db "$(cdb tp)"
assert_rc 0 "config --server"
us tp sync --timeout-ms 2000 --retries 2
assert_rc 0 "sync after config --server"

log '=== an office not enrolled'
client_create stranger QT.DONGHA
us stranger sync --timeout-ms 1000 --retries 3
assert_rc_nonzero "sync of an office not enrolled"
assert_match 'refused this replica' "$ERR" "not enrolled: named"

log '=== progress on a terminal'
server_stop
if command -v script >/dev/null; then
    us tp set QT.TRIEUPHONG 2022-04 members.new 3
    script -qec "'$US' sync --timeout-ms 200 --retries 3 --db '$(cdb tp)'" "$WORK/tty.log" >/dev/null 2>&1
    tty_out=$(tr -d '\r' <"$WORK/tty.log")
    log "terminal: $tty_out"
    assert_match 'no answer from the province in 0\.2 s, trying again, waiting up to 0\.4 s \(2/3\)' "$tty_out" "the second try is shown"
    assert_match '\(3/3\)' "$tty_out" "the third try is shown"
    assert_match 'every change is kept' "$tty_out" "the end is said"
else
    log "script(1) is not installed: the terminal case is not run"
fi
us tp sync --timeout-ms 200 --retries 3
assert_rc 3 "server down, to a pipe"
assert_one_stderr_line "server down, to a pipe: only the final line"
# A relay that accepts connections while the server behind it is down
# drops every handshake too, but it is no server: that is no answer, not
# a wrong key.
proxy_start
client_create relay QT.DONGHA "$PROXY_ENDPOINT"
us relay sync --timeout-ms 300 --retries 3
assert_rc 3 "through a relay to a server that is down"
assert_match 'no answer' "$ERR" "a relay to nothing is no answer"
[[ $ERR != *"server key"* ]] || fail "a relay to nothing is not a wrong key" "seen: $ERR"
proxy_stop

log '=== units import refusals'
state () { sqlite3 "$SRV_DB" 'SELECT * FROM units ORDER BY id' | sha256sum; }
before=$(state)
{ cat "$DATA/quangtri-units.csv"; echo 'QT.NEW,LĐLĐ huyện mới,QT,district'; echo 'QT.DONGHA,Đông Hà again,QT,district'; } >"$WORK/dup.csv"
dup_line=$(grep -n '^QT.DONGHA,' "$DATA/quangtri-units.csv" | cut -d: -f1)
uss units import "$WORK/dup.csv"
assert_rc 2 "an id named twice"
assert_one_stderr_line "an id named twice"
assert_match "QT\.DONGHA is named twice, on lines $dup_line and $(wc -l <"$WORK/dup.csv")" "$ERR" "both lines are named"
assert_eq "$before" "$(state)" "an id named twice: nothing imported"
printf 'id,name,parent,kind\nHUE,Thừa Thiên Huế,,province\nHUE.A,A,HUE,district\n' >"$WORK/root.csv"
uss units import "$WORK/root.csv"
assert_rc 2 "another root"
assert_one_stderr_line "another root"
assert_match 'line 2: unit HUE has no parent.*province QT' "$ERR" "another root: named, with the province"
assert_eq "$before" "$(state)" "another root: nothing imported"
printf 'id,name,parent,kind\nQT,Liên đoàn Lao động tỉnh Quảng Trị (đổi tên),,province\nQT.NEW,LĐLĐ huyện mới,QT,district\n' >"$WORK/update.csv"
uss units import "$WORK/update.csv"
assert_rc 0 "the province's own row again, as an update"
assert_eq 'Liên đoàn Lao động tỉnh Quảng Trị (đổi tên)' "$(sqlite3 "$SRV_DB" "SELECT name FROM units WHERE code = 'QT'")" "the province renamed"
assert_eq 'QT' "$(sqlite3 "$SRV_DB" "SELECT p.code FROM units u JOIN units p ON p.id = u.parent_id WHERE u.code = 'QT.NEW'")" "the new district under the province"
e2e_finish
