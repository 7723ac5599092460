#!/usr/bin/env bash
# t_desk_link: the office desk keeps its connection to the province open
# between syncs, and recovers whatever happens to the province meanwhile.
#
# The desk (`unionsync ui`) syncs once, then figures are saved through its
# API as the page saves them (cookie and CSRF token). Each is acknowledged
# by the province without a click, and two edits in a row go over the same
# TCP connection (the desk keeps its link). Then the province:
#  1. restarts while the desk holds its link: the next edit is accepted, on
#     a new connection, and the province has it;
#  2. is put back from a backup taken before an edit it had acknowledged:
#     the next edit is accepted, the desk says the province went back in
#     time, sends the lost edit again and the province has both;
#  3. is down when an edit is made: the edit stays in the store, the desk
#     says the province is unreachable; the province comes back, "Đồng bộ"
#     (POST /api/sync) sends it and the edits after it are acknowledged
#     without a click again.
# Last, SIGTERM stops the desk cleanly.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

command -v curl >/dev/null || die "curl is not installed"

server_init
client_init desk QT.TRIEUPHONG
server_start

"$US" ui --no-browser --port 0 --db "$(cdb desk)" >"$WORK/desk.out" 2>"$WORK/desk.err" &
DESK_PID=$!
e2e_track "$DESK_PID"
for i in $(seq 1 100); do
    [ -s "$WORK/desk.out" ] && break
    kill -0 "$DESK_PID" 2>/dev/null || die "the desk exited: $(cat "$WORK/desk.err")"
    sleep 0.05
done
url=$(head -n 1 "$WORK/desk.out")
[ -n "$url" ] || die "the desk printed no address"
token=${url##*t=}
base=${url%%/\?*}
curl -s -c "$WORK/jar" -o "$WORK/page.html" "$base/?t=$token" || die "the desk's page does not load"
csrf=$(sed -n 's/.*name="us-csrf" content="\([0-9a-f]*\)".*/\1/p' "$WORK/page.html")
[ -n "$csrf" ] || die "the page carries no CSRF token"

# status FIELD: a field of the desk's sync state (/api/status).
status () { curl -s "$base/api/status?t=$token" | jq -r ".sync.$1"; }

# settled: true once no sync runs and nothing waits to be sent (10 s at most).
settled () {
    local i
    for i in $(seq 1 100); do
        [ "$(status running)/$(status pending)" = false/0 ] && return 0
        sleep 0.1
    done
    return 1
}

# edit INDICATOR VALUE: saves a May figure as the page does; prints the status.
edit () {
    curl -s -o "$WORK/edit.json" -w '%{http_code}' -b "$WORK/jar" -H "X-CSRF-Token: $csrf" \
        -X POST -d "{\"unit\":\"QT.TRIEUPHONG\",\"month\":\"2022-05\",\"indicator\":\"$1\",\"value\":\"$2\"}" \
        "$base/api/cell?t=$token"
}

# state INDICATOR: the state the page shows for the May figure.
state () {
    curl -s "$base/api/form?t=$token&unit=QT.TRIEUPHONG&month=2022-05" |
        jq -r --arg k "$1|2022-05" '.cells[$k].state'
}

# value INDICATOR: the May figure the page shows.
value () {
    curl -s "$base/api/form?t=$token&unit=QT.TRIEUPHONG&month=2022-05" |
        jq -r --arg k "$1|2022-05" '.cells[$k].value'
}

# shows INDICATOR VALUE: waits (10 s at most) for the page to show the May
# figure; prints the figure last seen.
shows () {
    local i v
    for i in $(seq 1 100); do
        v=$(value "$1")
        [ "$v" = "$2" ] && break
        sleep 0.1
    done
    echo "$v"
}

# accepted INDICATOR: waits (10 s at most) for the figure to be accepted;
# prints the state last seen.
accepted () {
    local i s
    for i in $(seq 1 100); do
        s=$(state "$1")
        [ "$s" = accepted ] && break
        sleep 0.1
    done
    echo "$s"
}

# link: the local port of the desk's TCP connection to the province, if any.
link () {
    ss -Htnp state established "( dport = :$PORT )" 2>/dev/null |
        grep "pid=$DESK_PID," | awk '{ print $3 }' | sed 's/.*://' | head -n 1
}

# province INDICATOR: the province's May figure of Triệu Phong.
province () { row_value "$(report_json 2022-05)" QT.TRIEUPHONG "$1"; }

settled || die "the desk's first sync did not end: $(status outcome)"
assert_eq true "$(status online)" "the desk reaches the province"

# ---------------------------------------------------------------- kept link
assert_eq 200 "$(edit members.new 100)" "an edit is saved"
assert_eq accepted "$(accepted members.new)" "and acknowledged without a click"
first=$(link)
assert_match '^[0-9]+$' "$first" "the desk holds a connection to the province"
assert_eq 200 "$(edit members.total 15230)" "a second edit"
assert_eq accepted "$(accepted members.total)" "acknowledged too"
assert_eq "$first" "$(link)" "over the same connection: the desk keeps its link"
assert_eq 15230 "$(province members.total)" "the province has it"
assert_le 0 "$(status edit_to_ack_ms)" "the desk measures an edit's time to its acknowledgement"

# ---------------------------------------------------------------- 1. restart
server_stop
server_start
assert_eq 200 "$(edit cdcs.new 7)" "an edit after the province restarted"
assert_eq accepted "$(accepted cdcs.new)" "is accepted"
assert_eq 7 "$(province cdcs.new)" "the restarted province has it"
assert_ne "$first" "$(link)" "over a new connection"
settled || fail "the desk settles after the restart" "expected: settled" "seen: $(status outcome)"

# ---------------------------------------------------------------- 2. restore
uss backup "$WORK/backup.db"
assert_rc 0 "a backup while serving"
assert_eq 200 "$(edit propaganda.sessions 12)" "an edit after the backup"
assert_eq accepted "$(accepted propaganda.sessions)" "is accepted"
assert_eq 12 "$(province propaganda.sessions)" "the province has it"
settled
server_stop
uss restore "$WORK/backup.db" --author 'Lê Văn Thủ'
assert_rc 0 "the province is put back from the backup"
assert_eq none "$(province propaganda.sessions)" "the backup lacks the edit after it"
server_start
assert_eq 200 "$(edit cla.signed 2)" "an edit after the restore"
assert_eq accepted "$(accepted cla.signed)" "is accepted"
settled || fail "the desk settles after the restore" "expected: settled" "seen: $(status outcome)"
assert_eq 2 "$(province cla.signed)" "the restored province has it"
assert_eq 12 "$(province propaganda.sessions)" "and the edit the restore lost, sent again"
assert_eq 1 "$(grep -c "went back in time (restored from a backup)" "$WORK/desk.err")" \
    "the desk says the province went back in time"
assert_eq accepted "$(state propaganda.sessions)" "the edit sent again still shows accepted"

# ---------------------------------------------------------------- 2b. a restore no edit reveals
# The backup holds every edit of the office; the province's corrections
# after it, which the desk pulled, are lost, and a new one takes their
# place in the change stream. Only the Hello the desk says after the
# connection dropped finds it out: a push would be taken, and a pull from
# the desk's checkpoint would miss the new correction.
uss backup "$WORK/backup2.db"
assert_rc 0 "a second backup"
for v in 21 22 23; do
    uss set QT.TRIEUPHONG 2022-05 bulletin.copies "$v" --note "sửa lần $v"
    assert_rc 0 "a correction of the province ($v)"
done
curl -s -o /dev/null -b "$WORK/jar" -H "X-CSRF-Token: $csrf" -X POST -d '{}' "$base/api/sync?t=$token"
assert_eq 23 "$(shows bulletin.copies 23)" "the desk pulled the corrections"
settled
server_stop
uss restore "$WORK/backup2.db" --author 'Lê Văn Thủ'
assert_rc 0 "the province is put back from the second backup"
uss set QT.TRIEUPHONG 2022-05 commended.chairs 5 --note "khen thưởng"
assert_rc 0 "a new correction after the restore"
server_start
assert_eq 200 "$(edit training.attendees 1105)" "an edit after the restore"
assert_eq accepted "$(accepted training.attendees)" "is accepted"
settled
assert_eq 5 "$(shows commended.chairs 5)" "the desk has the correction made after the restore"
assert_eq 1105 "$(province training.attendees)" "the province has the edit"

# ---------------------------------------------------------------- 3. down
server_stop
assert_eq 200 "$(edit training.classes 3)" "an edit while the province is down"
for i in $(seq 1 150); do
    [ "$(status online)" = false ] && break
    sleep 0.1
done
assert_eq false "$(status online)" "the desk finds the province unreachable"
assert_match '^(draft|pending)$' "$(state training.classes)" "the edit waits in the store"
assert_eq 1 "$(sqlite3 "$(cdb desk)" "SELECT COUNT(*) FROM outbox o WHERE o.indicator = 'training.classes'")" \
    "in the outbox"
server_start
curl -s -o /dev/null -b "$WORK/jar" -H "X-CSRF-Token: $csrf" -X POST -d '{}' "$base/api/sync?t=$token"
assert_eq accepted "$(accepted training.classes)" "the province back, a click sends it"
assert_eq 3 "$(province training.classes)" "the province has it"
assert_eq 200 "$(edit dialogues.held 4)" "the next edit"
assert_eq accepted "$(accepted dialogues.held)" "is acknowledged without a click again"
assert_eq 4 "$(province dialogues.held)" "the province has it"

# ---------------------------------------------------------------- stop
kill -TERM "$DESK_PID"
for i in $(seq 1 80); do kill -0 "$DESK_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DESK_PID" 2>/dev/null && fail "the desk stops within 8 s of SIGTERM" "expected: exited" "seen: running"
wait "$DESK_PID"
assert_eq 0 "$?" "the desk's exit code after SIGTERM"
e2e_untrack "$DESK_PID"
server_stop
e2e_finish
