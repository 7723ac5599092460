# lib.sh: helpers for the unionsync end-to-end tests; every t_*.sh sources it.
#
# A test is run as `bash t_name.sh BUILD_DIR WORK_DIR PORT` (see run.sh) and
# starts with `e2e_setup "$@"`. Background processes (server, fault proxy)
# are started through this file, so the EXIT trap can stop every one of them.
# Assertions are soft: they print what was expected and what was seen, count
# the failure and let the test go on; `e2e_finish` turns the count into the
# exit code. `die` stops a test whose setup went wrong.

set -u

E2E_FAILS=0
E2E_PIDS=()
SERVER_PID=''
PROXY_PID=''

# ---------------------------------------------------------------- setup

# e2e_setup BUILD_DIR WORK_DIR PORT: sets the globals and the cleanup trap.
e2e_setup () {
    if [ $# -lt 3 ]; then
        echo "usage: $0 BUILD_DIR WORK_DIR PORT" >&2
        exit 2
    fi
    BUILD=$(cd "$1" && pwd) || exit 2
    WORK=$2
    PORT=$3
    US=$BUILD/unionsync
    USS=$BUILD/unionsync-server
    PROXY=$BUILD/us-faultproxy
    SRV_DB=$WORK/server.db
    SRV_LOG=$WORK/server.log
    ENDPOINT=tcp://127.0.0.1:$PORT
    DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../data" && pwd)
    export USER=clerk
    unset UNIONSYNC_DB UNIONSYNC_AUTHOR
    mkdir -p "$WORK" && cd "$WORK" || exit 2
    : >"$WORK/.pids"
    trap e2e_cleanup EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    local tool
    for tool in "$US" "$USS" "$PROXY"; do
        [ -x "$tool" ] || die "missing binary $tool (build first)"
    done
    for tool in jq sqlite3 ss sha256sum; do
        command -v "$tool" >/dev/null || die "missing tool $tool"
    done
}

# e2e_cleanup: stops every background process this test started.
e2e_cleanup () {
    local pid
    for pid in "${E2E_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${E2E_PIDS[@]}"; do
        local i
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    E2E_PIDS=()
}

# e2e_track PID: remembers a background process for the cleanup trap.
e2e_track () {
    E2E_PIDS+=("$1")
    echo "$1" >>"$WORK/.pids"
}

# e2e_untrack PID: forgets a process that has been stopped.
e2e_untrack () {
    local keep=() pid
    for pid in "${E2E_PIDS[@]}"; do
        [ "$pid" = "$1" ] || keep+=("$pid")
    done
    E2E_PIDS=("${keep[@]}")
}

# e2e_finish: prints the verdict and exits 0 only if no assertion failed.
e2e_finish () {
    if [ "$E2E_FAILS" -ne 0 ]; then
        echo "$E2E_FAILS assertion(s) failed"
        if [ -s "$SRV_LOG" ]; then
            echo "--- server log (last 30 lines)"
            tail -n 30 "$SRV_LOG"
        fi
        exit 1
    fi
    echo "all assertions passed"
    exit 0
}

# free_port: prints a TCP port on 127.0.0.1 that nothing uses.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/free_port.sh"

# ---------------------------------------------------------------- output

# log TEXT: to stderr, so that helpers used inside $(...) keep their output.
log () { printf '%s\n' "$*" >&2; }

# die MESSAGE: a setup step failed; the test cannot go on.
die () {
    echo "FATAL: $*"
    E2E_FAILS=$((E2E_FAILS + 1))
    e2e_finish
}

# run CMD...: runs a command; leaves its exit code in RC, stdout in OUT and
# stderr in ERR, and logs the command line, code and stderr.
run () {
    "$@" >"$WORK/.out" 2>"$WORK/.err"
    RC=$?
    slurp OUT "$WORK/.out"
    slurp ERR "$WORK/.err"
    log "\$ ${*#"$BUILD/"} -> $RC"
    [ -z "$ERR" ] || printf '%s\n' "$ERR" | sed 's/^/    stderr: /' >&2
}

# slurp VAR FILE: VAR = FILE's text without trailing newlines (no fork).
slurp () {
    IFS= read -r -d '' "$1" <"$2"
    while [[ ${!1} == *$'\n' ]]; do
        printf -v "$1" '%s' "${!1%$'\n'}"
    done
}

# must CMD...: runs a command that has to succeed; dies otherwise.
must () {
    run "$@"
    [ "$RC" -eq 0 ] || { printf '%s\n' "$OUT"; die "command failed ($RC): $*"; }
}

# ---------------------------------------------------------------- assertions

fail () {
    E2E_FAILS=$((E2E_FAILS + 1))
    echo "ASSERTION FAILED: $1" >&2
    shift
    local line
    for line in "$@"; do
        echo "    $line" >&2
    done
}

# assert_eq EXPECTED SEEN WHAT
assert_eq () {
    [ "$1" == "$2" ] || fail "$3" "expected: $1" "seen:     $2"
}

# assert_ne UNWANTED SEEN WHAT
assert_ne () {
    [ "$1" != "$2" ] || fail "$3" "expected anything but: $1" "seen: $2"
}

# assert_rc EXPECTED WHAT: checks the exit code of the last run.
assert_rc () {
    [ "$RC" -eq "$1" ] || fail "$2: exit code" "expected: $1" "seen:     $RC" \
        "stdout: $(head -c 400 "$WORK/.out")" "stderr: $(head -c 400 "$WORK/.err")"
}

# assert_rc_nonzero WHAT: checks that the last run failed.
assert_rc_nonzero () {
    [ "$RC" -ne 0 ] || fail "$1: exit code" "expected: non-zero" "seen:     0" \
        "stdout: $(head -c 400 "$WORK/.out")"
}

# assert_match REGEX TEXT WHAT: extended regex, case-insensitive.
assert_match () {
    grep -Eqi -- "$1" <<<"$2" || fail "$3" "expected to match: /$1/" "seen: $2"
}

# assert_no_match REGEX TEXT WHAT: extended regex, case-insensitive.
assert_no_match () {
    ! grep -Eqi -- "$1" <<<"$2" || fail "$3" "expected not to match: /$1/" "seen: $2"
}

# assert_le A B WHAT: A <= B (integers).
assert_le () {
    [ "$1" -le "$2" ] || fail "$3" "expected: $1 <= $2" "seen:     $1 > $2"
}

# assert_one_stderr_line WHAT: the last run wrote exactly one line on stderr.
assert_one_stderr_line () {
    local n
    n=$(grep -c '' "$WORK/.err")
    [ "$n" -eq 1 ] || fail "$1: lines on stderr" "expected: 1" "seen:     $n" \
        "stderr: $(cat "$WORK/.err")"
}

# ---------------------------------------------------------------- server

# server_init [PROVINCE_UNITS_CSV]: creates the provincial store with the demo
# units and the default catalog; sets SERVER_KEY.
server_init () {
    local units=${1:-$DATA/quangtri-units.csv}
    must "$USS" init --province QT --name 'LĐLĐ tỉnh Quảng Trị' --db "$SRV_DB"
    SERVER_KEY=$(tail -n 1 "$WORK/.out")
    [ -n "$SERVER_KEY" ] || die "server init printed no key"
    must "$USS" units import "$units" --db "$SRV_DB"
    must "$USS" indicators import "$DATA/indicators.csv" --db "$SRV_DB"
}

# server_start: serves SRV_DB on PORT in the background and waits until the
# log says "serving" and the port accepts connections.
server_start () {
    "$USS" serve --bind "$ENDPOINT" --db "$SRV_DB" 2>>"$SRV_LOG" &
    SERVER_PID=$!
    e2e_track "$SERVER_PID"
    local i
    for i in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "server exited at start; see $SRV_LOG: $(tail -n 3 "$SRV_LOG")"
        if grep -q 'serving' "$SRV_LOG" 2>/dev/null \
        && [ -n "$(ss -Htln "( sport = :$PORT )" 2>/dev/null)" ]; then
            log "server $SERVER_PID serving on $ENDPOINT"
            return 0
        fi
        sleep 0.05
    done
    die "server not ready on $ENDPOINT after 5 s"
}

# server_stop: SIGTERM, then waits (5 s at most) and checks a clean exit 0.
server_stop () {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    local i rc
    for i in $(seq 1 50); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        fail "server stops within 5 s of SIGTERM" "expected: exited" "seen: still running"
        kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    wait "$SERVER_PID" 2>/dev/null
    rc=$?
    assert_eq 0 "$rc" "server exit code after SIGTERM"
    e2e_untrack "$SERVER_PID"
    SERVER_PID=''
    log "server stopped"
}

# desk_start NAME: starts the office desk (`unionsync ui`) on the store of
# client NAME; sets DESK_PID and DESK_URL (the address it printed, with its
# token). Its output goes to $WORK/desk.out and desk.err.
desk_start () {
    "$US" ui --no-browser --port 0 --db "$(cdb "$1")" >"$WORK/desk.out" 2>"$WORK/desk.err" &
    DESK_PID=$!
    e2e_track "$DESK_PID"
    local i
    for i in $(seq 1 100); do
        [ -s "$WORK/desk.out" ] && break
        kill -0 "$DESK_PID" 2>/dev/null || die "the desk exited: $(cat "$WORK/desk.err")"
        sleep 0.05
    done
    DESK_URL=$(head -n 1 "$WORK/desk.out")
}

# proxy_start ARGS...: starts us-faultproxy on a free port in front of the
# server with the given fault options; sets PROXY_PORT and PROXY_ENDPOINT.
proxy_start () {
    "$PROXY" --listen 127.0.0.1:0 --target "127.0.0.1:$PORT" "$@" \
        >"$WORK/proxy.out" 2>"$WORK/proxy.log" &
    PROXY_PID=$!
    e2e_track "$PROXY_PID"
    local i
    for i in $(seq 1 100); do
        kill -0 "$PROXY_PID" 2>/dev/null || die "fault proxy exited at start: $(cat "$WORK/proxy.log")"
        PROXY_PORT=$(sed -n 's/^listening .*:\([0-9][0-9]*\)$/\1/p' "$WORK/proxy.out")
        if [ -n "$PROXY_PORT" ]; then
            PROXY_ENDPOINT=tcp://127.0.0.1:$PROXY_PORT
            log "fault proxy $PROXY_PID on $PROXY_ENDPOINT -> 127.0.0.1:$PORT ($*)"
            return 0
        fi
        sleep 0.05
    done
    die "fault proxy printed no 'listening' line"
}

# proxy_stop: SIGTERM and wait; logs the proxy's summary line.
proxy_stop () {
    [ -n "$PROXY_PID" ] || return 0
    kill -TERM "$PROXY_PID" 2>/dev/null
    wait "$PROXY_PID" 2>/dev/null
    e2e_untrack "$PROXY_PID"
    PROXY_PID=''
    log "fault proxy stopped: $(tail -n 1 "$WORK/proxy.out")"
}

# ---------------------------------------------------------------- clients

# cdb NAME: the store file of client NAME.
cdb () { echo "$WORK/$1.db"; }

# client_create NAME UNIT [ENDPOINT]: `unionsync init` offline; sets KEY_<NAME>.
client_create () {
    must "$US" init --unit "$2" --server "${3:-$ENDPOINT}" --server-key "$SERVER_KEY" --db "$(cdb "$1")"
    local key
    key=$(tail -n 1 "$WORK/.out")
    [ -n "$key" ] || die "client init printed no key"
    printf -v "KEY_${1//[^A-Za-z0-9_]/_}" '%s' "$key"
}

# client_key NAME: the public key printed by client NAME's init.
client_key () {
    local var="KEY_${1//[^A-Za-z0-9_]/_}"
    echo "${!var}"
}

# enroll NAME UNIT: enrolls client NAME's key for UNIT at the province.
enroll () {
    must "$USS" enroll --unit "$2" --key "$(client_key "$1")" --name "$1" --db "$SRV_DB"
}

# client_init NAME UNIT [ENDPOINT]: init offline, then enroll for UNIT.
client_init () {
    client_create "$@"
    enroll "$1" "$2"
}

# us NAME ARGS...: runs the district client on NAME's store (through run).
us () {
    local name=$1
    shift
    run "$US" "$@" --db "$WORK/$name.db"
}

# uss ARGS...: runs the server CLI on the provincial store (through run).
uss () {
    run "$USS" "$@" --db "$SRV_DB"
}

# sync_ok NAME: one sync of NAME that must exit 0.
sync_ok () {
    us "$1" sync --timeout-ms 2000 --retries 3
    assert_rc 0 "sync of $1"
}

# ---------------------------------------------------------------- figures

# report_json PERIOD [UNIT]: the server's JSON report on stdout ('' on error).
report_json () {
    local args=("$1" --format json --db "$SRV_DB")
    [ $# -lt 2 ] || args+=(--unit "$2")
    "$USS" report "${args[@]}" 2>"$WORK/.report.err" || {
        echo "report $* failed: $(cat "$WORK/.report.err")" >&2
        return 1
    }
}

# row_value JSON UNIT INDICATOR: a unit's value in a report, or "none".
row_value () {
    jq -r --arg u "$2" --arg i "$3" \
        '(.rows[] | select(.unit == $u) | .values[$i]) // "none"' <<<"$1"
}

# cells_dump DB: every server cell as "unit month indicator value", sorted.
cells_dump () {
    sqlite3 -separator ' ' "$1" \
        "SELECT u.code, c.month, i.code, COALESCE(c.value, '-') FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         ORDER BY u.code, c.month, i.code"
}

# sha FILE: the sha256 of a file.
sha () { sha256sum "$1" | cut -d ' ' -f 1; }

# month_code YYYY-MM: the month as the stores keep it (year * 12 + month - 1).
month_code () {
    local y=${1%-*} m=${1#*-}
    echo $((10#$y * 12 + 10#$m - 1))
}
