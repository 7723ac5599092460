#!/usr/bin/env bash
# Know how fast it is: builds a Release tree in build/bench and measures
# unionsync on 127.0.0.1, each case a few times, then prints one table
# (case, figure, unit, runs, median, min..max, goal, met) with the machine
# and the date, followed by a profile of the push path.
#
#   1  push throughput end to end (client store -> CURVE -> merge -> durable
#      commit -> ack): one client with 100,000 deltas, then 8 concurrent
#      clients with 12,500 each
#   2  the limit: the same cells written straight into a server store
#   3  a peer: SQLite's session extension (record, changeset, apply)
#   4  bytes on the wire per delta: us_codec_encode and real TCP bytes
#   5  latency of one edit: set, then sync until acknowledged
#   6  initial pull of a district's history (~50,000 cells) into an empty client
#   7  scale: 1,000 replicas syncing in waves (server memory), and the full
#      provincial report over 700 units x 20 indicators x 60 months
#   8  the office desk in headless Chromium: page weight, time to a usable
#      form, edit on the page to the province's acknowledgement
#   9  the province desk on the 700-unit store of case 7: the round and report
#      pages over HTTP
#  10  the month's-end round: 14 offices with 2,000 unsent cells each, each
#      its own `unionsync sync` process, all started at once, timed from the
#      first process started to the last one done
#   goals: every goal of issue 20 with its figure, the SQLite ceiling of the
#      same run where it is the yardstick, and met or not met
#   profile of the server during a 10,000-delta sync (perf, else callgrind),
#   and the merge's time by SQL statement
#
# Runs from a clean checkout after scripts/install-deps.sh, in under ten
# minutes on two cores (push runs are capped; see BENCH_PUSH_CAP_S).
# Benchmarks never fail on timing: the goals are printed with whether they
# are met. Everything started is stopped on exit. The load average is
# printed too: on a shared machine the figures move with it.
#
# Set-up that is not measured is done the quick way where the real way
# would only cost time: cells for the history pull and the report are
# written straight into server stores (tests/bench/bench_fixture.c), and
# the 1,000 replica stores are copies of one `unionsync init` store with
# the unit renamed, enrolled without flushing. The pushes in case 1 are
# real `unionsync import` + `unionsync sync`.
#
# Settings (environment):
#   BENCH_RUNS=3          runs per case
#   BENCH_CASES="1 2 3 4 5 6 7 8 9 10 profile"   the cases to run (the ceiling,
#                         case 2, runs whenever case 1 or 10 does: it is
#                         their yardstick); goals of cases not run print "-"
#   BENCH_PUSH_CAP_S=30   seconds each push run (case 1) may take before its
#                         clients are stopped and its rate taken from what the
#                         server committed (deltas / time to the last commit);
#                         0 = let every push run finish (a few seconds each
#                         on two cores; the cap only guards a slow machine)
#   BENCH_LATENCY_N=200   edits in case 5
#   BENCH_REPLICAS=1000   replicas in case 7, in BENCH_WAVES=10 waves
#   BENCH_TMP=/tmp        where the work directory goes (same disk as a real store?)
#   BENCH_KEEP=1          keep the work directory
#   BENCH_AB=DIR          a build directory of another unionsync-server (say, of
#                         the commit before a change): cases 1 and 10 run each
#                         push with it too, right after the same run with this
#                         one, so the two compare under the same load; its
#                         figures are marked "(server B)"
#   BENCH_PROFILE=0       skip the profile
#   BENCH_PROFILER=perf-cpu-clock|perf|callgrind|none   force a profiler (default: perf
#                         with hardware counters, else perf with cpu-clock,
#                         else valgrind --tool=callgrind on a 2,000-delta sync)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

RUNS=${BENCH_RUNS:-3}
CAP=${BENCH_PUSH_CAP_S:-30}
LAT_N=${BENCH_LATENCY_N:-200}
REPLICAS=${BENCH_REPLICAS:-1000}
WAVES=${BENCH_WAVES:-10}
PROFILE=${BENCH_PROFILE:-1}
CASES=" ${BENCH_CASES:-1 2 3 4 5 6 7 8 9 10 profile} "
AB=${BENCH_AB:-}
[ -z "$AB" ] || [ -x "$AB/unionsync-server" ] || { echo "bench: no $AB/unionsync-server" >&2; exit 2; }
want () { [[ $CASES == *" $1 "* ]]; }
want 1 || want 10 && CASES="$CASES 2 "
want profile || PROFILE=0
BATCH=500                       # what `unionsync sync` pushes per batch

bench_start=$EPOCHREALTIME
say () { printf '[bench %5.0fs, load %s] %s\n' "$(elapsed_s)" "$(cut -d' ' -f1 /proc/loadavg)" "$*" >&2; }
elapsed_s () { awk -v a="$bench_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }'; }
now_us () { local t=$EPOCHREALTIME; echo "${t/./}"; }

# ----------------------------------------------------------------------------
# Processes and clean-up

pids=()
work=""
cleanup () {
    local p
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    if [ -n "$work" ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Forgets a pid once it has been waited for.
forget () {
    local p keep=()
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=("${keep[@]}")
}

# Picks a free TCP port on 127.0.0.1.
. "$root/scripts/free_port.sh"

# Waits until something listens on port (20 s at most: valgrind is slow to start).
wait_port () {
    local i
    for i in $(seq 1 400); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "bench: nothing listens on port $1" >&2
    return 1
}

# start_server DB PORT [WRAPPER...]: runs the server; its pid in $server_pid.
start_server () {
    local db=$1 port=$2
    shift 2
    "$@" "$S" serve --bind "tcp://127.0.0.1:$port" --db "$db" ${serve_quiet---quiet} >> "$db.serve.log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    wait_port "$port"
}

# stop_server: a clean stop (SIGTERM), then waits for it.
stop_server () {
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    forget "$server_pid"
}

# Reads one field of /proc/PID/status in kB.
proc_kb () { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# ----------------------------------------------------------------------------
# Results: one line per sample, summarised into the table at the end.

results=""
# rec CASE FIGURE UNIT VALUE [GOAL_TEXT GOAL_OP GOAL_VALUE]
rec () {
    if [ -z "$4" ]; then
        echo "bench: no figure for '$1: $2' (see above)" >&2
        return 0
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" "${6:-}" "${7:-}" >> "$results"
}

# median of the samples of a (case, figure) recorded so far, or "".
median_of () {
    awk -F'\t' -v c="$1" -v f="$2" '$1 == c && $2 == f { print $4 }' "$results" | sort -g \
        | awk '{ v[++n] = $1 } END { if (n) print (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }'
}

# ----------------------------------------------------------------------------
# Build

say "building Release into build/bench"
mkdir -p build/bench
log=build/bench/build.log
build_note=""
build () {
    cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DUS_TESTS=OFF -DCMAKE_C_FLAGS="$1" \
    && make -C build/bench -j"$(nproc)" \
    && cmake -S tests/bench -B build/bench/tools -DCMAKE_BUILD_TYPE=Release \
             -DUS_SOURCE="$root" -DUS_BUILD="$root/build/bench" \
    && make -C build/bench/tools -j"$(nproc)"
}
if ! build "" > "$log" 2>&1; then
    # A warning that -Werror makes fatal says nothing about speed: measure
    # anyway, and say so.
    if grep -q 'Werror' "$log" && build "-w" >> "$log" 2>&1; then
        build_note="built with -w: the tree has warnings that -Werror makes fatal (see $log)"
        say "$build_note"
    else
        tail -n 30 "$log" >&2
        echo "bench: build failed (see $log)" >&2
        exit 1
    fi
fi
S=$root/build/bench/unionsync-server
C=$root/build/bench/unionsync
P=$root/build/bench/us-faultproxy
T=$root/build/bench/tools
command -v sqlite3 > /dev/null || { echo "bench: needs the sqlite3 command (scripts/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d "${BENCH_TMP:-/tmp}/unionsync-bench.XXXXXX")
results=$work/results.tsv
: > "$results"
export UNIONSYNC_AUTHOR=bench
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

districts8=(DONGHA QUANGTRI VINHLINH GIOLINH CAMLO HAILANG HUONGHOA DAKRONG)

# The demo province, with grassroots units under some districts:
# grassroots_units PARENT COUNT
grassroots_units () {
    local i
    for i in $(seq 1 "$2"); do printf '%s.G%03d,Công đoàn cơ sở %d,%s,grassroots\n' "$1" "$i" "$i" "$1"; done
}

# sql DB QUERY: one answer from a store (read-only, beside a running server).
sql () { sqlite3 -batch -noheader "$1" "$2"; }

# ----------------------------------------------------------------------------
# 1. Push throughput end to end

pw=$work/push
mkdir -p "$pw"
{ cat data/quangtri-units.csv
  grassroots_units QT.TRIEUPHONG 120
  for d in "${districts8[@]}"; do grassroots_units "QT.$d" 15; done
} > "$pw/units.csv"
push_port=$(free_port)
# The stores a push run copies (case 10 points these at its own).
run_src=$pw
run_port=$push_port

# push_run NAME CLIENTS...: one timed run from fresh copies of the stores.
# Sets run_rate (deltas/s the server committed, sync start to last commit),
# run_done (every client finished), run_wall_s (from the first client
# started to the last one done), run_count, run_dir.
push_run () {
    local name=$1
    shift
    run_dir=$run_src/$name
    rm -rf "$run_dir"
    mkdir -p "$run_dir"
    cp -p "$run_src/p.db" "$run_src/p.db.key" "$run_dir/"
    local d
    for d in "$@"; do cp -p "$run_src/$d.db" "$run_src/$d.db.key" "$run_dir/"; done
    local S=${run_server:-$S}         # start_server runs this one
    local serve_quiet=""              # its last line counts batches and commits
    start_server "$run_dir/p.db" "$run_port"
    local t0 cpids=() p
    cpids_names=("$@")
    t0=$(now_us)
    run_t0=$t0
    for d in "$@"; do
        # A long timeout measures the server rather than retry storms (with
        # the default 3 s, concurrent clients give up and send batches again).
        $C sync --db "$run_dir/$d.db" --timeout-ms 600000 --retries 1 > "$run_dir/$d.sync" 2>&1 &
        cpids+=("$!")
        pids+=("$!")
    done
    # One sleeping watchdog keeps the cap, and the clients are waited for:
    # a loop here polling them forked two processes every 5 ms and took a
    # fifth of a core from the two it measures.
    local capped=$run_dir/capped watchdog=""
    if [ "$CAP" -gt 0 ]; then
        ( trap 'kill "$s" 2>/dev/null; wait "$s" 2>/dev/null; exit 0' TERM
          sleep "$CAP" & s=$!
          wait "$s"
          : > "$capped"
          kill -TERM "${cpids[@]}" 2>/dev/null ) &
        watchdog=$!
    fi
    run_done=1
    local k=0 rc t_end
    for p in "${cpids[@]}"; do
        rc=0
        wait "$p" 2>/dev/null || rc=$?
        [ "$rc" = 0 ] || [ -e "$capped" ] \
            || echo "bench: sync of ${cpids_names[$k]} exited $rc: $(tail -n 1 "$run_dir/${cpids_names[$k]}.sync")" >&2
        [ "$rc" = 0 ] || run_done=0
        forget "$p"
        k=$((k + 1))
    done
    t_end=$(now_us)
    if [ -n "$watchdog" ]; then
        kill -TERM "$watchdog" 2>/dev/null || true
        wait "$watchdog" 2>/dev/null || true
    fi
    run_wall_s=$(awk -v a="$t0" -v b="$t_end" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')
    stop_server
    run_per_commit=$( { grep -o '[0-9]* batches in [0-9]* commits' "$run_dir/p.db.serve.log" || true; } \
        | tail -n 1 | awk '$4 > 0 { printf "%.2f", $1 / $4 }')
    local row
    row=$(sql "$run_dir/p.db" "SELECT COUNT(*), COALESCE(MAX(at), 0) FROM received WHERE kind = 0")
    run_count=${row%%|*}
    run_rate=$(awk -v n="$run_count" -v last="${row##*|}" -v t0="$t0" \
        'BEGIN { s = (last - t0 / 1000) / 1000; printf "%.1f", (n > 0 && s > 0) ? n / s : 0 }')
}

full_1a=1
if want 1; then
full_1a=0
say "case 1: preparing the push stores (100,000 + 8 x 12,500 unsent edits)"
rec "1 push, 1 client x 100,000" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
$S init --province QT --name "Bench" --db "$pw/p.db" > "$pw/init.out"
server_key=$(tail -n 1 "$pw/init.out")
$S units import "$pw/units.csv" --db "$pw/p.db" > /dev/null
for d in TRIEUPHONG "${districts8[@]}"; do
    $C init --unit "QT.$d" --server "tcp://127.0.0.1:$push_port" --server-key "$server_key" \
        --db "$pw/$d.db" > "$pw/$d.init"
    $S enroll --unit "QT.$d" --key "$(tail -n 1 "$pw/$d.init")" --db "$pw/p.db" > /dev/null
done
start_server "$pw/p.db" "$push_port"
for d in TRIEUPHONG "${districts8[@]}"; do $C sync --db "$pw/$d.db" > /dev/null; done
stop_server
$T/bench_fixture csv QT.TRIEUPHONG 120 100000 "$pw/TRIEUPHONG.csv"
$C import "$pw/TRIEUPHONG.csv" --db "$pw/TRIEUPHONG.db" > /dev/null &
import_pid=$!
pids+=("$import_pid")
for d in "${districts8[@]}"; do
    $T/bench_fixture csv "QT.$d" 15 12500 "$pw/$d.csv"
    $C import "$pw/$d.csv" --db "$pw/$d.db" > /dev/null
done
wait "$import_pid"
forget "$import_pid"

say "case 1a: one client pushes 100,000 deltas (${RUNS} runs, cap ${CAP}s each)"
: > "$pw/client_norm.txt"
: > "$pw/server_1a.txt"
for r in $(seq 1 "$RUNS"); do
    if [ -n "$AB" ]; then
        run_server=$AB/unionsync-server
        push_run "a${r}B" TRIEUPHONG
        unset run_server
        rec "1 push, 1 client x 100,000" "push throughput (accepted, durable) (server B)" deltas/s "$run_rate"
        rm -rf "$run_dir"
    fi
    push_run "a$r" TRIEUPHONG
    # Where a batch's time goes: the server from taking the batch to its last
    # audit row; the client from there to the next batch (the commit, the
    # ack, the client settling 500 deltas, reading the next batch).
    sql "$run_dir/p.db" "SELECT b.at, MAX(r.at) FROM batches b JOIN received r ON r.batch_id = b.id
                         GROUP BY b.id ORDER BY b.id" > "$run_dir/split.txt"
    awk -F'|' '{ print $2 - $1 }' "$run_dir/split.txt" | while read -r v; do
        rec "1 push, 1 client x 100,000" "per batch: server merge (batch in -> last delta recorded)" ms "$v"; done
    awk -F'|' 'NR > 1 { print $1 - last } { last = $2 }' "$run_dir/split.txt" | while read -r v; do
        rec "1 push, 1 client x 100,000" "per batch: commit + ack + client settling 500 + next batch" ms "$v"; done
    # For the estimate of a whole push: the client's time per batch scaled to
    # a full outbox (it grows with the edits still waiting), and the server's.
    awk -F'|' -v n=100000 -v batch="$BATCH" 'NR > 1 { print ($1 - last) * n / (n - batch * (NR - 2)) } { last = $2 }' \
        "$run_dir/split.txt" >> "$pw/client_norm.txt"
    awk -F'|' '{ print NR, $2 - $1 }' "$run_dir/split.txt" >> "$pw/server_1a.txt"
    if [ "$run_done" = 1 ] && [ "$run_count" -ge 100000 ]; then
        rec "1 push, 1 client x 100,000" "sync wall time incl. pull-back of the 100,000 cells" s "$run_wall_s"
        full_1a=1
    else
        rec "1 push, 1 client x 100,000" "deltas committed before the cap" deltas "$run_count"
    fi
    rec "1 push, 1 client x 100,000" "push throughput (accepted, durable)" deltas/s "$run_rate"
    rec "1 push, 1 client x 100,000" "batches per commit (group commit)" ratio "$run_per_commit"
    rm -rf "$run_dir"
done

say "case 1b: 8 clients push 12,500 deltas each at once (${RUNS} runs, cap ${CAP}s each)"
rec "1 push, 8 clients x 12,500" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
for r in $(seq 1 "$RUNS"); do
    if [ -n "$AB" ]; then
        run_server=$AB/unionsync-server
        push_run "b${r}B" "${districts8[@]}"
        unset run_server
        rec "1 push, 8 clients x 12,500" "push throughput (accepted, durable) (server B)" deltas/s "$run_rate"
        rm -rf "$run_dir"
    fi
    push_run "b$r" "${districts8[@]}"
    [ "$run_done" = 1 ] && rec "1 push, 8 clients x 12,500" "wall time until all 8 syncs end" s "$run_wall_s"
    [ "$run_done" = 1 ] || rec "1 push, 8 clients x 12,500" "deltas committed before the cap" deltas "$run_count"
    rec "1 push, 8 clients x 12,500" "push throughput (accepted, durable)" deltas/s "$run_rate"
    rec "1 push, 8 clients x 12,500" "batches per commit (group commit)" ratio "$run_per_commit"
    rm -rf "$run_dir"
done
fi
rate_1a=$(median_of "1 push, 1 client x 100,000" "push throughput (accepted, durable)")
rate_1b=$(median_of "1 push, 8 clients x 12,500" "push throughput (accepted, durable)")

# ----------------------------------------------------------------------------
# 2. The limit: the same cells straight into a server store

if want 2; then
say "case 2: SQLite ceiling (100,000 cells, batches of $BATCH, WAL + synchronous=FULL)"
rec "2 SQLite ceiling" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
for r in $(seq 1 "$RUNS"); do
    out=$($T/bench_ceiling "$work/ceiling$r.db" "$pw/units.csv" QT.TRIEUPHONG 120 100000 "$BATCH") || true
    rec "2 SQLite ceiling" "cells upsert + change-stream entry, 1 txn per batch" deltas/s "$(awk '{ print $2 }' <<< "$out")"
    rm -f "$work/ceiling$r.db"*
done
fi
ceiling=$(median_of "2 SQLite ceiling" "cells upsert + change-stream entry, 1 txn per batch")
# ratio A B: A / B with 4 decimals, or "" when either is missing.
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b + 0 > 0) printf "%.4f", a / b }'; }
if want 1; then
    rec "2 SQLite ceiling" "push throughput, 1 client / ceiling" ratio "$(ratio "$rate_1a" "$ceiling")"
    rec "2 SQLite ceiling" "push throughput, 8 clients / ceiling" ratio "$(ratio "$rate_1b" "$ceiling")"
fi
if [ -n "$AB" ] && want 1; then
    rec "2 SQLite ceiling" "push throughput, 1 client / ceiling (server B)" ratio \
        "$(ratio "$(median_of "1 push, 1 client x 100,000" "push throughput (accepted, durable) (server B)")" "$ceiling")"
    rec "2 SQLite ceiling" "push throughput, 8 clients / ceiling (server B)" ratio \
        "$(ratio "$(median_of "1 push, 8 clients x 12,500" "push throughput (accepted, durable) (server B)")" "$ceiling")"
fi

# ----------------------------------------------------------------------------
# 4. Bytes on the wire (before 3, which compares against it)

field () { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<< "$2"; }
codec_per_delta=""
tcp_up_per_delta=""
if want 4 || want 5; then
if want 4; then
say "case 4: bytes on the wire (us_codec_encode, and TCP through us-faultproxy)"
rec "4 bytes on the wire" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
out=$($T/bench_codec QT.TRIEUPHONG 120 100000 "$BATCH") || true
rec "4 bytes on the wire" "encoded Push, per delta (batches of 500, signed)" bytes "$(field push_bytes_per_delta "$out")"
rec "4 bytes on the wire" "encoded PushAck, per delta" bytes "$(field ack_bytes_per_delta "$out")"
rec "4 bytes on the wire" "encoded Push of a single edit" bytes "$(field single_push_bytes "$out")"
codec_per_delta=$(field push_bytes_per_delta "$out")
fi

sw=$work/small
mkdir -p "$sw"
$S init --province QT --name "Bench" --db "$sw/p.db" > "$sw/init.out"
small_key=$(tail -n 1 "$sw/init.out")
$S units import "$pw/units.csv" --db "$sw/p.db" > /dev/null
small_port=$(free_port)
proxy_port=$(free_port)
$C init --unit QT.TRIEUPHONG --server "tcp://127.0.0.1:$proxy_port" --server-key "$small_key" \
    --db "$sw/wire.db" > "$sw/wire.init"
$S enroll --unit QT.TRIEUPHONG --key "$(tail -n 1 "$sw/wire.init")" --db "$sw/p.db" > /dev/null
start_server "$sw/p.db" "$small_port"

# proxied_sync: one sync through a fresh proxy; sets up_bytes, down_bytes.
proxied_sync () {
    $P --listen "127.0.0.1:$proxy_port" --target "127.0.0.1:$small_port" --quiet > "$sw/proxy.out" 2>&1 &
    local ppid=$! i
    pids+=("$ppid")
    # Not a probe connection: it would be counted (the server greets it).
    for i in $(seq 1 200); do grep -q '^listening' "$sw/proxy.out" && break; sleep 0.05; done
    $C sync --db "$sw/wire.db" > "$sw/wire.sync" 2>&1 || { cat "$sw/wire.sync" >&2; }
    kill -TERM "$ppid"
    wait "$ppid" || true
    forget "$ppid"
    up_bytes=$(grep -o 'bytes_up=[0-9]*' "$sw/proxy.out" | cut -d= -f2)
    down_bytes=$(grep -o 'bytes_down=[0-9]*' "$sw/proxy.out" | cut -d= -f2)
}
# proxied_handshake: one CURVE handshake and nothing else through a fresh
# proxy (tests/bench/bench_handshake.c); sets hs_up, hs_down.
proxied_handshake () {
    $P --listen "127.0.0.1:$proxy_port" --target "127.0.0.1:$small_port" --quiet > "$sw/proxy.out" 2>&1 &
    local ppid=$! i
    pids+=("$ppid")
    for i in $(seq 1 200); do grep -q '^listening' "$sw/proxy.out" && break; sleep 0.05; done
    $T/bench_handshake "$sw/wire.db" > /dev/null || echo "bench: the handshake failed" >&2
    sleep 0.1                       # the proxy forwards the last bytes
    kill -TERM "$ppid"
    wait "$ppid" || true
    forget "$ppid"
    hs_up=$(grep -o 'bytes_up=[0-9]*' "$sw/proxy.out" | cut -d= -f2)
    hs_down=$(grep -o 'bytes_down=[0-9]*' "$sw/proxy.out" | cut -d= -f2)
}
if want 4; then
proxied_sync        # the first sync brings the unit tree and catalog
rec "4 bytes on the wire" "TCP, first sync of a new office (tree + catalog), down" bytes "$down_bytes"
proxied_handshake
rec "4 bytes on the wire" "TCP, the CURVE handshake alone (ZMTP greeting to READY), up" bytes "$hs_up"
rec "4 bytes on the wire" "TCP, the CURVE handshake alone (ZMTP greeting to READY), down" bytes "$hs_down"
$T/bench_fixture csv QT.TRIEUPHONG 120 $((RUNS * BATCH + RUNS)) "$sw/all.csv"
for r in $(seq 1 "$RUNS"); do
    { echo "unit,month,indicator,value"; sed -n "$((2 + (r - 1) * BATCH)),$((1 + r * BATCH))p" "$sw/all.csv"; } > "$sw/batch$r.csv"
    $C import "$sw/batch$r.csv" --db "$sw/wire.db" > /dev/null
    proxied_sync
    rec "4 bytes on the wire" "TCP up per delta, sync of 500 edits (CURVE, ZMTP, Hello, Push, Pull)" bytes \
        "$(awk -v b="$up_bytes" 'BEGIN { printf "%.2f", b / 500 }')"
    rec "4 bytes on the wire" "TCP down per delta, same sync (PushAck, and the pull)" bytes \
        "$(awk -v b="$down_bytes" 'BEGIN { printf "%.2f", b / 500 }')"
    rec "4 bytes on the wire" "cells the same sync's pull wrote into the office's store" cells \
        "$(grep -o 'received [0-9]* figures' "$sw/wire.sync" | awk '{ print $2 }')"
    line=$(sed -n "$((2 + RUNS * BATCH + r - 1))p" "$sw/all.csv")
    IFS=, read -r u m i v <<< "$line"
    $C set "$u" "$m" "$i" "$v" --db "$sw/wire.db" > /dev/null
    proxied_sync
    rec "4 bytes on the wire" "TCP up, sync of a single edit" bytes "$up_bytes"
    rec "4 bytes on the wire" "TCP down, sync of a single edit" bytes "$down_bytes"
    rec "4 bytes on the wire" "TCP up, sync of a single edit, beyond the handshake" bytes "$((up_bytes - hs_up))"
    rec "4 bytes on the wire" "TCP down, sync of a single edit, beyond the handshake" bytes "$((down_bytes - hs_down))"
    rec "4 bytes on the wire" "cells a single edit's pull wrote into the office's store" cells \
        "$(grep -o 'received [0-9]* figures' "$sw/wire.sync" | awk '{ print $2 }')"
done
tcp_up_per_delta=$(median_of "4 bytes on the wire" "TCP up per delta, sync of 500 edits (CURVE, ZMTP, Hello, Push, Pull)")
fi

# ----------------------------------------------------------------------------
# 5. Latency of one edit

if want 5; then
say "case 5: latency of one edit ($LAT_N x set + sync)"
rec "5 one edit" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
pct () { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { if (!NR) exit; i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; printf "%.2f", v[i] / 1000 }'; }
$C init --unit QT.TRIEUPHONG --server "tcp://127.0.0.1:$small_port" --server-key "$small_key" \
    --db "$sw/lat.db" > "$sw/lat.init"
$S enroll --unit QT.TRIEUPHONG --key "$(tail -n 1 "$sw/lat.init")" --db "$sw/p.db" > /dev/null
$C sync --db "$sw/lat.db" > /dev/null
lat_fail=0
for k in $(seq 1 "$LAT_N"); do
    ok=1
    a=$(now_us)
    $C set QT.TRIEUPHONG.G001 2022-05 members.new $((100 + k)) --db "$sw/lat.db" > /dev/null || ok=0
    b=$(now_us)
    $C sync --db "$sw/lat.db" > "$sw/lat.sync" 2>&1 || ok=0
    c=$(now_us)
    grep -q "sent 1 (accepted 1" "$sw/lat.sync" || ok=0
    [ "$ok" = 1 ] || lat_fail=$((lat_fail + 1))
    echo "$(( (b - a) )) $(( (c - b) ))" >> "$sw/lat.txt"
done
# The same in one process: no program start, the store kept open.
$T/bench_latency "$sw/lat.db" "$LAT_N" QT.TRIEUPHONG.G002 2022-05 members.new > "$sw/lat.inproc" || true
awk '{ print $2 / 1000 }' "$sw/lat.txt" | while read -r v; do rec "5 one edit" "sync until acknowledged (wall time of the command)" ms "$v"; done
awk '{ print $1 / 1000 }' "$sw/lat.txt" | while read -r v; do rec "5 one edit" "set (durable in the office store)" ms "$v"; done
rec "5 one edit" "sync, p99 over $LAT_N" ms "$(awk '{ print $2 }' "$sw/lat.txt" | pct 99)"
rec "5 one edit" "set, p99 over $LAT_N" ms "$(awk '{ print $1 }' "$sw/lat.txt" | pct 99)"
rec "5 one edit" "syncs not acknowledged" count "$lat_fail"
awk '{ print $2 / 1000 }' "$sw/lat.inproc" | while read -r v; do
    rec "5 one edit" "in process: us_sync_run until acknowledged" ms "$v"; done
awk '{ print $1 / 1000 }' "$sw/lat.inproc" | while read -r v; do
    rec "5 one edit" "in process: us_dstore_set" ms "$v"; done
rec "5 one edit" "in process: us_sync_run, p99 over $LAT_N" ms "$(awk '{ print $2 }' "$sw/lat.inproc" | pct 99)"
fi
stop_server
fi

# ----------------------------------------------------------------------------
# 3. A peer: the SQLite session extension

libsqlite=$(pkg-config --variable=libdir sqlite3)/libsqlite3.so.0
[ -e "$libsqlite" ] || libsqlite=/usr/lib/x86_64-linux-gnu/libsqlite3.so.0
if ! want 3; then
    :
elif nm -D "$libsqlite" 2>/dev/null | grep -q sqlite3session_create; then
    say "case 3: session extension (record on one database, apply on another)"
    for r in $(seq 1 "$RUNS"); do
        mkdir -p "$work/session$r"
        out=$($T/bench_session "$work/session$r" QT.TRIEUPHONG 120 100000 "$BATCH") || true
        rec "3 session extension peer" "record + changeset + apply, per delta" us "$(field us_per_delta "$out")"
        rec "3 session extension peer" "apply alone, per delta" us "$(field apply_us_per_delta "$out")"
        rec "3 session extension peer" "changeset bytes per delta (batches of 500)" bytes "$(field bytes_per_delta "$out")"
        rec "3 session extension peer" "changeset bytes, a single edit (new cell)" bytes "$(field single_insert_bytes "$out")"
        rm -rf "$work/session$r"
    done
    ses_us=$(median_of "3 session extension peer" "record + changeset + apply, per delta")
    ses_bytes=$(median_of "3 session extension peer" "changeset bytes per delta (batches of 500)")
    rec "3 session extension peer" "unionsync / session: time per delta (1 client push)" ratio \
        "$(awk -v r="$rate_1a" -v s="$ses_us" 'BEGIN { if (r > 0 && s > 0) printf "%.1f", (1e6 / r) / s }')"
    rec "3 session extension peer" "unionsync / session: time per delta (8 clients at once)" ratio \
        "$(awk -v r="$rate_1b" -v s="$ses_us" 'BEGIN { if (r > 0 && s > 0) printf "%.1f", (1e6 / r) / s }')"
    rec "3 session extension peer" "unionsync / session: bytes per delta, encoded Push" ratio \
        "$(ratio "$codec_per_delta" "$ses_bytes")" "fewer bytes than the changeset" "<" 1
    rec "3 session extension peer" "unionsync / session: bytes per delta, TCP up" ratio \
        "$(ratio "$tcp_up_per_delta" "$ses_bytes")" "fewer bytes than the changeset" "<" 1
else
    say "case 3: skipped: $libsqlite has no sqlite3session_create (built without SQLITE_ENABLE_SESSION)"
    rec "3 session extension peer" "skipped: libsqlite3 has no session extension" - 0
fi

# ----------------------------------------------------------------------------
# 6. Initial pull of a district's history

if want 6; then
say "case 6: initial pull of a district's history into an empty client"
rec "6 initial pull" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
hw=$work/history
mkdir -p "$hw"
{ cat data/quangtri-units.csv; grassroots_units QT.HAILANG 59; } > "$hw/units.csv"
$S init --province QT --name "Bench" --db "$hw/p.db" > "$hw/init.out"
hist_key=$(tail -n 1 "$hw/init.out")
$S units import "$hw/units.csv" --db "$hw/p.db" > /dev/null
hist_cells=$($T/bench_fixture cells "$hw/p.db" QT.HAILANG 2018-01 60 1)
sync                            # the fixture's writes, as for the report (case 7)
hist_port=$(free_port)
start_server "$hw/p.db" "$hist_port"
for r in $(seq 1 "$RUNS"); do
    $C init --unit QT.HAILANG --server "tcp://127.0.0.1:$hist_port" --server-key "$hist_key" \
        --db "$hw/c$r.db" > "$hw/c$r.init"
    $S enroll --unit QT.HAILANG --key "$(tail -n 1 "$hw/c$r.init")" --db "$hw/p.db" > /dev/null
    a=$(now_us)
    $C sync --db "$hw/c$r.db" > "$hw/c$r.sync" || true
    b=$(now_us)
    got=$(grep -o 'received [0-9]* figures' "$hw/c$r.sync" | awk '{ print $2 }')
    [ "$got" = "$hist_cells" ] || echo "bench: case 6 pulled $got of $hist_cells cells" >&2
    rec "6 initial pull" "first sync of an empty client, $hist_cells cells" s \
        "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')"
    rec "6 initial pull" "cells per second" cells/s \
        "$(awk -v a="$a" -v b="$b" -v n="$hist_cells" 'BEGIN { printf "%.0f", n / ((b - a) / 1e6) }')"
done
stop_server
fi

# ----------------------------------------------------------------------------
# 7. Scale: replicas in waves, server memory; the full provincial report

kw=$work/scale
mkdir -p "$kw/replicas"
# 700 units: the province, its 14 district and sector unions, 685 grassroots unions.
mapfile -t tops < <(tail -n +3 data/quangtri-units.csv | cut -d, -f1)
{ cat data/quangtri-units.csv
  for g in $(seq 1 685); do
      parent=${tops[$(( (g - 1) % ${#tops[@]} ))]}
      printf '%s.G%03d,Công đoàn cơ sở %d,%s,grassroots\n' "$parent" "$g" "$g" "$parent"
  done
} > "$kw/units.csv"
{ cat data/indicators.csv
  printf '%s\n' "members.left,Đoàn viên giảm,flow,,,lww," \
      "cdcs.dissolved,Công đoàn cơ sở giải thể,flow,,,lww," \
      "welfare.visits,Lượt thăm hỏi đoàn viên khó khăn,flow,,,lww," \
      "legal.consultations,Lượt tư vấn pháp luật,flow,,,lww," \
      "houses.built,Nhà Mái ấm Công đoàn,flow,,,lww,"
} > "$kw/indicators.csv"
if want 7; then
say "case 7: $REPLICAS replicas syncing in $WAVES waves"
rec "7 scale: $REPLICAS replicas" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
$S init --province QT --name "Bench" --db "$kw/p.db" > "$kw/init.out"
scale_key=$(tail -n 1 "$kw/init.out")
$S units import "$kw/units.csv" --db "$kw/p.db" > /dev/null
$S indicators import "$kw/indicators.csv" --db "$kw/p.db" > /dev/null
scale_port=$(free_port)
$T/bench_fixture replicas "$kw/p.db" "$kw/replicas" "tcp://127.0.0.1:$scale_port" "$scale_key" \
    "$REPLICAS" 3 4 > /dev/null
start_server "$kw/p.db" "$scale_port"
sleep 0.3
rss_before=$(proc_kb "$server_pid" VmRSS)
mib () { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
rec "7 scale: $REPLICAS replicas" "server VmRSS before the waves" MiB "$(mib "$rss_before")"
( while kill -0 "$server_pid" 2>/dev/null; do proc_kb "$server_pid" VmRSS; sleep 0.2; done ) > "$kw/rss.samples" &
sampler=$!
pids+=("$sampler")
per_wave=$(( (REPLICAS + WAVES - 1) / WAVES ))
scale_fail=0
for w in $(seq 0 $((WAVES - 1))); do
    a=$(now_us)
    wpids=()
    for i in $(seq $((w * per_wave)) $(( (w + 1) * per_wave - 1 ))); do
        [ "$i" -lt "$REPLICAS" ] || break
        db=$(printf '%s/replicas/r%04d.db' "$kw" "$i")
        $C sync --db "$db" > "$db.sync" 2>&1 &
        wpids+=("$!")
    done
    pids+=("${wpids[@]}")
    for p in "${wpids[@]}"; do
        rc=0
        wait "$p" || rc=$?
        [ "$rc" = 0 ] || scale_fail=$((scale_fail + 1))
        forget "$p"
    done
    b=$(now_us)
    rec "7 scale: $REPLICAS replicas" "wave of $per_wave concurrent syncs (3 edits each)" s \
        "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')"
    sleep 0.5                       # as after the repeat wave: the server settles
    rss_w=$(proc_kb "$server_pid" VmRSS)
    echo "$w $rss_w" >> "$kw/rss.waves"
    rec "7 scale: $REPLICAS replicas" "server VmRSS after each wave" MiB "$(awk -v k="$rss_w" 'BEGIN { printf "%.2f", k / 1024 }')"
done
# One more wave of replicas that have synced before (nothing new to push):
# a server whose memory is flat ends it where it started.
rss_pre=$(proc_kb "$server_pid" VmRSS)
wpids=()
for i in $(seq 0 $((per_wave - 1))); do
    db=$(printf '%s/replicas/r%04d.db' "$kw" "$i")
    $C sync --db "$db" > "$db.resync" 2>&1 &
    wpids+=("$!")
done
pids+=("${wpids[@]}")
for p in "${wpids[@]}"; do
    rc=0
    wait "$p" || rc=$?
    [ "$rc" = 0 ] || scale_fail=$((scale_fail + 1))
    forget "$p"
done
sleep 0.5
rss_after=$(proc_kb "$server_pid" VmRSS)
hwm=$(proc_kb "$server_pid" VmHWM)
accepted=$(sql "$kw/p.db" "SELECT COUNT(*) FROM received WHERE outcome = 1")
stop_server
kill -TERM "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
forget "$sampler"
rss_first=$(awk 'NR == 1 { print $2 }' "$kw/rss.waves")
rss_mid=$(awk -v m=$(( (WAVES + 1) / 2 )) 'NR == m { print $2 }' "$kw/rss.waves")
rss_last=$(awk 'END { print $2 }' "$kw/rss.waves")
rss_peak=$(sort -n "$kw/rss.samples" | tail -n 1)
rec "7 scale: $REPLICAS replicas" "syncs that did not finish cleanly (of $((REPLICAS + per_wave)))" count "$scale_fail"
rec "7 scale: $REPLICAS replicas" "edits accepted (of $((REPLICAS * 3)))" count "$accepted"
rec "7 scale: $REPLICAS replicas" "server VmRSS during the waves (peak of 0.2 s samples)" MiB "$(mib "$rss_peak")"
rec "7 scale: $REPLICAS replicas" "server VmRSS after the waves" MiB "$(mib "$rss_after")"
rec "7 scale: $REPLICAS replicas" "server VmHWM at the end" MiB "$(mib "$hwm")"
rec "7 scale: $REPLICAS replicas" "VmRSS after the last wave / after the first" ratio \
    "$(awk -v a="$rss_last" -v b="$rss_first" 'BEGIN { printf "%.3f", a / b }')"
rec "7 scale: $REPLICAS replicas" "VmRSS after the last wave / after wave $(( (WAVES + 1) / 2 )) (once warm)" ratio \
    "$(awk -v a="$rss_last" -v b="$rss_mid" 'BEGIN { printf "%.3f", a / b }')" "memory flat (<= 1.05)" "<=" 1.05
rec "7 scale: $REPLICAS replicas" "VmRSS after a repeat wave of $per_wave re-syncs / before it" ratio \
    "$(awk -v a="$rss_after" -v b="$rss_pre" 'BEGIN { printf "%.3f", a / b }')" "flat on repeat (<= 1.02)" "<=" 1.02

fi

if want 7 || want 9; then
say "case 7: the full provincial report (700 units x 20 indicators x 60 months)"
rec "7 report" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
rw=$work/report
mkdir -p "$rw"
$S init --province QT --name "Bench" --db "$rw/p.db" > /dev/null
$S units import "$kw/units.csv" --db "$rw/p.db" > /dev/null
$S indicators import "$kw/indicators.csv" --db "$rw/p.db" > /dev/null
report_cells=$($T/bench_fixture cells "$rw/p.db" QT 2018-01 60 0)
$T/bench_fixture targets "$rw/p.db" 2022 members.new > /dev/null
n_units=$(sql "$rw/p.db" "SELECT COUNT(*) FROM units")
n_inds=$(sql "$rw/p.db" "SELECT COUNT(*) FROM indicators")
# The fixture wrote some 90 MB without flushing them: the kernel's writeback
# of them would run beside the timed reports (and the replicas' stores of
# the waves before). A province's store is not 90 MB behind on disk when a
# report is asked, so that is flushed first (and so in case 6).
sync
for r in $(seq 1 "$RUNS"); do
    a=$(now_us)
    $S report 2022 --format json --db "$rw/p.db" > "$rw/report.json" || echo "bench: report failed" >&2
    b=$(now_us)
    rec "7 report" "report 2022 --format json: $n_units units, $n_inds indicators, $report_cells cells" ms \
        "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 1e3 }')" "< 50 ms" "<" 50
done
if command -v jq > /dev/null; then
    rows=$(jq '.rows | length' "$rw/report.json" 2>/dev/null || echo "?")
    [ "$rows" = "$n_units" ] || echo "bench: the report has $rows rows for $n_units units" >&2
fi

say "case 9: the province desk on the same store (the round and a report, over HTTP)"
echo 'bench-password-1' | $S user add bench --role viewer --db "$rw/p.db" > /dev/null
$S ui --bind 127.0.0.1:0 --db "$rw/p.db" > "$rw/ui.out" 2> "$rw/ui.err" &
ui_pid=$!
pids+=("$ui_pid")
for _ in $(seq 1 100); do [ -s "$rw/ui.out" ] && break; sleep 0.05; done
ui_url=$(head -n 1 "$rw/ui.out")
curl -s -c "$rw/jar" -H 'Content-Type: application/json' \
    -d '{"name":"bench","password":"bench-password-1"}' "${ui_url}api/login" > /dev/null
# desk_time FIGURE PATH [GOAL_MS]: one timed GET with the session (total time, ms).
desk_time () {
    local t goal=${3:-300}
    t=$(curl -s -o "$rw/desk.body" -w '%{time_total}' -b "$rw/jar" "$ui_url$2")
    rec "9 province desk" "$1" ms "$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')" "< $goal ms" "<" "$goal"
}
for r in $(seq 1 "$RUNS"); do
    desk_time "the round: GET /api/round?year=2022 ($n_units units)" "api/round?year=2022" 100
    desk_time "a report page: GET /api/report?period=2022-H1&format=html (whole province)" \
        "api/report?period=2022-H1&format=html"
    desk_time "a district report: GET /api/report?period=2022-H1&unit=(first district)&format=html" \
        "api/report?period=2022-H1&unit=$(sql "$rw/p.db" "SELECT code FROM units WHERE parent_id = (SELECT id FROM units WHERE parent_id IS NULL) ORDER BY id LIMIT 1")&format=html"
    desk_time "the xlsx report: GET /api/report?period=2022-H1&format=xlsx" \
        "api/report?period=2022-H1&format=xlsx"
done
kill -TERM "$ui_pid" 2>/dev/null || true
wait "$ui_pid" 2>/dev/null || true
forget "$ui_pid"
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$rw"
fi

# ----------------------------------------------------------------------------
# Profile of the push path

profile_out=$work/profile.txt
: > "$profile_out"
if [ "$PROFILE" = 1 ]; then
    fw=$work/profile
    mkdir -p "$fw"
    $S init --province QT --name "Bench" --db "$fw/p.db" > "$fw/init.out"
    $S units import "$pw/units.csv" --db "$fw/p.db" > /dev/null
    prof_port=$(free_port)
    $C init --unit QT.TRIEUPHONG --server "tcp://127.0.0.1:$prof_port" \
        --server-key "$(tail -n 1 "$fw/init.out")" --db "$fw/c.db" > "$fw/c.init"
    $S enroll --unit QT.TRIEUPHONG --key "$(tail -n 1 "$fw/c.init")" --db "$fw/p.db" > /dev/null
    prof_n=10000
    mode=none
    if [ -n "${BENCH_PROFILER:-}" ]; then
        mode=$BENCH_PROFILER
    elif perf stat -e instructions -x, true 2>&1 | grep -q '^[0-9]'; then
        mode=perf
    elif perf record -q -e cpu-clock -o "$fw/probe.data" true > /dev/null 2>&1; then
        mode=perf-cpu-clock
    elif command -v valgrind > /dev/null; then
        mode=callgrind
    fi
    [ "$mode" = callgrind ] && prof_n=2000      # callgrind runs some 50 times slower
    $T/bench_fixture csv QT.TRIEUPHONG 120 "$prof_n" "$fw/d.csv"
    say "profile: server during a $prof_n-delta sync ($mode)"
    if [ "$mode" = callgrind ]; then
        start_server "$fw/p.db" "$prof_port" valgrind --tool=callgrind --callgrind-out-file="$fw/cg.out"
    else
        start_server "$fw/p.db" "$prof_port"
    fi
    $C sync --db "$fw/c.db" --timeout-ms 120000 > /dev/null
    $C import "$fw/d.csv" --db "$fw/c.db" > /dev/null
    perf_pid=""
    if [ "$mode" != callgrind ] && [ "$mode" != none ]; then
        event=()
        [ "$mode" = perf-cpu-clock ] && event=(-e cpu-clock)
        perf record -q "${event[@]}" -F 499 --call-graph dwarf,8192 -p "$server_pid" \
            -o "$fw/perf.data" > "$fw/perf.log" 2>&1 &
        perf_pid=$!
        pids+=("$perf_pid")
        sleep 0.5
    fi
    a=$(now_us)
    $C sync --db "$fw/c.db" --timeout-ms 600000 > /dev/null || echo "bench: the profiled sync failed" >&2
    b=$(now_us)
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid"
        wait "$perf_pid" || true
        forget "$perf_pid"
    fi
    stop_server
    rec "profile" "sync of $prof_n deltas under the profiler" s "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')"
    {
        echo "Profile of unionsync-server during a $prof_n-delta sync ($mode):"
        case $mode in
        perf*)
            echo "  top functions by own time (perf report --no-children):"
            perf report -i "$fw/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null \
                | grep -E '^ +[0-9.]+%' | head -n 15 | sed 's/^/    /' || true
            echo "  unionsync functions with their callees (perf report --children):"
            perf report -i "$fw/perf.data" --stdio --children --sort symbol -g none 2>/dev/null \
                | grep -E '^ +[0-9.]+% +[0-9.]+% +\[\.\] +(us_|s_)' | head -n 15 | sed 's/^/    /' || true
            ;;
        callgrind)
            echo "  top functions by own instructions (callgrind_annotate):"
            callgrind_annotate "$fw/cg.out" 2>/dev/null | grep -E '^ *[0-9,]+ ' | head -n 16 | sed 's/^/    /' || true
            echo "  unionsync functions with their callees (callgrind_annotate --inclusive=yes):"
            callgrind_annotate --inclusive=yes "$fw/cg.out" 2>/dev/null | grep -E '^ *[0-9,]+ .*:(us_|s_)' \
                | head -n 12 | sed 's/^/    /' || true
            ;;
        *)
            echo "  (no perf or valgrind here)"
            ;;
        esac
    } >> "$profile_out"

    say "profile: the merge in one process, timed by SQL statement (5,000 deltas)"
    out=$($T/bench_merge "$fw/merge.db" "$pw/units.csv" QT.TRIEUPHONG QT.TRIEUPHONG 120 5000 "$BATCH") || true
    rec "profile" "merge alone, in process (us_merge_push, 5,000 deltas)" deltas/s "$(field deltas_per_s "$out")"
    merge_first=$(field first_batch_ms "$out")
    merge_last=$(field last_batch_ms "$out")
    merge_batches=10
    rec "profile" "audit hash (us_audit_hash) per delta" us "$(field us_per_call "$out")"
    {
        echo
        echo "The merge in one process, 5,000 deltas in 10 batches: $(head -n 1 <<< "$out")"
        echo "  time by SQL statement (SQLite profile hook, millisecond clock):"
        printf '    %9s %7s %9s %6s  %s\n' total_ms calls us/delta "%" statement
        grep '^stmt ' <<< "$out" | head -n 14 | awk '{ sql = ""; for (i = 6; i <= NF; i++) sql = sql " " $i
            printf "    %9.1f %7d %9.2f %5.1f%% %s\n", $2, $3, $4, $5, substr (sql, 2, 110) }' || true
        grep '^other ' <<< "$out" | awk '{ printf "    %9.1f %7s %9.2f %5.1f%%  outside SQL (C code, hashing, binding)\n", $2, "", $3, $4 }'
    } >> "$profile_out"
fi

# ----------------------------------------------------------------------------
# A capped single-client push, carried to its end: the server's time per
# batch grows linearly with the replica's history (from the in-process merge
# when it ran: 10 batches; else from the capped runs), the client's with the
# edits still in its outbox (the capped runs' batches, scaled). Rough.

if [ "$full_1a" = 0 ] && [ -s "$pw/client_norm.txt" ]; then
    c0=$(sort -g "$pw/client_norm.txt" | awk '{ v[++n] = $1 } END { print (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }')
    if [ -n "${merge_first:-}" ]; then
        line="$merge_first $(awk -v f="$merge_first" -v l="$merge_last" -v n="$merge_batches" 'BEGIN { print (l - f) / (n - 1) }')"
    else
        line=$(awk '{ sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2; n++ }
            END { b = (n > 1 && n * sxx != sx * sx) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0; if (b < 0) b = 0
                  print (sy - b * sx) / n + b, b }' "$pw/server_1a.txt")
    fi
    est=$(awk -v a="${line% *}" -v b="${line#* }" -v c="$c0" -v n=100000 -v batch="$BATCH" 'BEGIN {
        for (i = 1; i <= n / batch; i++) est += a + b * (i - 1) + c * (n - batch * (i - 1)) / n
        printf "%.0f", est / 1000 }')
    rec "1 push, 1 client x 100,000" "estimated time to push all 100,000 (rough model, see script)" s "$est"
    rec "1 push, 1 client x 100,000" "estimated push throughput over all 100,000" deltas/s \
        "$(awk -v e="$est" 'BEGIN { printf "%.1f", 100000 / e }')"
fi

# ----------------------------------------------------------------------------
# 8. The office desk (`unionsync ui`) in headless Chromium: the page's
#    weight, the time from opening it to a usable form, and the time from an
#    edit on the page to the province's acknowledgement on loopback, as the
#    desk measures it, beyond its 300 ms debounce (the desk is resident: no
#    program start, the store kept open). Needs chromium-driver and
#    python3-selenium; skipped without them.

if ! want 8; then
    :
elif [ -x /usr/bin/chromedriver ] && /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
    say "case 8: the office desk in headless Chromium"
    rec "8 office desk" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
    dw=$work/desk
    mkdir -p "$dw"
    $S init --province QT --name "LĐLĐ tỉnh Quảng Trị" --db "$dw/p.db" > "$dw/init.out"
    $S units import "$root/data/quangtri-units.csv" --db "$dw/p.db" > /dev/null
    $S indicators import "$root/data/indicators.csv" --db "$dw/p.db" > /dev/null
    desk_port=$(free_port)
    $C init --unit QT.TRIEUPHONG --server "tcp://127.0.0.1:$desk_port" \
        --server-key "$(tail -n 1 "$dw/init.out")" --db "$dw/o.db" > "$dw/o.init"
    $S enroll --unit QT.TRIEUPHONG --key "$(tail -n 1 "$dw/o.init")" --db "$dw/p.db" > /dev/null
    start_server "$dw/p.db" "$desk_port"
    $C ui --no-browser --port 0 --db "$dw/o.db" > "$dw/desk.out" 2> "$dw/desk.err" &
    desk_pid=$!
    pids+=("$desk_pid")
    for _ in $(seq 1 100); do [ -s "$dw/desk.out" ] && break; sleep 0.05; done
    desk_url=$(head -n 1 "$dw/desk.out")
    desk_base=${desk_url%%/\?*}
    desk_t=${desk_url##*t=}
    weight=0
    for f in "/?t=$desk_t" "/desk.js?t=$desk_t" "/desk.css?t=$desk_t"; do
        weight=$((weight + $(curl -s -o /dev/null -w '%{size_download}' "$desk_base$f")))
    done
    rec "8 office desk" "page weight: HTML + CSS + JavaScript, uncompressed" KB \
        "$(awk -v b="$weight" 'BEGIN { printf "%.1f", b / 1024 }')" "< 150 KB" "<" 150
    for r in $(seq 1 "$RUNS"); do
        DESK_URL=$desk_url WORK=$dw /usr/bin/python3 "$root/tests/e2e/desk_office.py" --bench \
            > "$dw/bench.$r" 2> "$dw/bench.$r.err" || tail -n 5 "$dw/bench.$r.err" >&2
        rec "8 office desk" "opening the page until the form is usable (in the page)" ms \
            "$(awk '/^open_to_usable_ms/ { gsub (/[)]/, ""); print $5 }' "$dw/bench.$r")"
        rec "8 office desk" "the same, as Selenium waits for it (with the browser's own work)" ms \
            "$(awk '/^open_to_usable_ms/ { print $2 }' "$dw/bench.$r")"
        rec "8 office desk" "edit on the page to the province's ack, beyond the debounce" ms \
            "$(awk '/^edit_to_ack_ms_beyond_debounce/ { print $2 }' "$dw/bench.$r")" "median < 5 ms" "<" 5
        rec "8 office desk" "of which the desk's sync itself" ms \
            "$(awk '/^edit_to_ack_ms_beyond_debounce/ { gsub (/[(]/, ""); print $5 }' "$dw/bench.$r")"
    done
    kill -TERM "$desk_pid" 2>/dev/null || true
    wait "$desk_pid" 2>/dev/null || true
    forget "$desk_pid"
    stop_server
else
    say "case 8 skipped: chromium-driver or python3-selenium missing (scripts/install-deps.sh)"
fi

# ----------------------------------------------------------------------------
# 10. The month's-end round: every district and sector office of the
#     province syncs its month at once, each its own `unionsync sync`
#     process (program start, CURVE handshake, push, pull), all started
#     together on loopback; timed from the first process started to the
#     last one done, so the figure is what the province's round costs end
#     to end, and compared with the SQLite ceiling of the same run.

round_rate=""
if want 10; then
say "case 10: the month's-end round (14 offices x 2,000 unsent cells, each its own sync process, all at once)"
rec "10 month's-end round" "load average (1 min) at the start of the case" load "$(cut -d' ' -f1 /proc/loadavg)"
mw=$work/round
mkdir -p "$mw"
mapfile -t offices < <(tail -n +3 data/quangtri-units.csv | cut -d, -f1)
{ cat data/quangtri-units.csv
  for o in "${offices[@]}"; do grassroots_units "$o" 15; done
} > "$mw/units.csv"
$S init --province QT --name "Bench" --db "$mw/p.db" > "$mw/init.out"
round_key=$(tail -n 1 "$mw/init.out")
$S units import "$mw/units.csv" --db "$mw/p.db" > /dev/null
round_port=$(free_port)
names=()
for o in "${offices[@]}"; do
    n=${o#QT.}
    n=${n//./_}
    names+=("$n")
    $C init --unit "$o" --server "tcp://127.0.0.1:$round_port" --server-key "$round_key" \
        --db "$mw/$n.db" > "$mw/$n.init"
    $S enroll --unit "$o" --key "$(tail -n 1 "$mw/$n.init")" --db "$mw/p.db" > /dev/null
done
start_server "$mw/p.db" "$round_port"
for n in "${names[@]}"; do $C sync --db "$mw/$n.db" > /dev/null; done
stop_server
for k in "${!offices[@]}"; do
    $T/bench_fixture csv "${offices[$k]}" 15 2000 "$mw/${names[$k]}.csv"
    $C import "$mw/${names[$k]}.csv" --db "$mw/${names[$k]}.db" > /dev/null
done
round_cells=$(( ${#offices[@]} * 2000 ))
run_src=$mw
run_port=$round_port
for r in $(seq 1 "$RUNS"); do
    if [ -n "$AB" ]; then
        run_server=$AB/unionsync-server
        push_run "m${r}B" "${names[@]}"
        unset run_server
        [ "$run_done" = 1 ] && rec "10 month's-end round" "cells per second, end to end (server B)" cells/s \
            "$(awk -v n="$round_cells" -v s="$run_wall_s" 'BEGIN { printf "%.1f", n / s }')"
        rm -rf "$run_dir"
    fi
    push_run "m$r" "${names[@]}"
    if [ "$run_done" = 1 ]; then
        rec "10 month's-end round" "wall time, first process started to last one done" s "$run_wall_s"
        rec "10 month's-end round" "cells per second, end to end ($round_cells cells)" cells/s \
            "$(awk -v n="$round_cells" -v s="$run_wall_s" 'BEGIN { printf "%.1f", n / s }')"
    else
        rec "10 month's-end round" "cells committed before the cap" cells "$run_count"
    fi
    rec "10 month's-end round" "cells accepted" cells "$run_count"
    rec "10 month's-end round" "batches per commit (group commit)" ratio "$run_per_commit"
    rm -rf "$run_dir"
done
round_rate=$(median_of "10 month's-end round" "cells per second, end to end ($round_cells cells)")
rec "10 month's-end round" "round / ceiling" ratio "$(ratio "$round_rate" "$ceiling")"
[ -z "$AB" ] || rec "10 month's-end round" "round / ceiling (server B)" ratio \
    "$(ratio "$(median_of "10 month's-end round" "cells per second, end to end (server B)")" "$ceiling")"
fi

# ----------------------------------------------------------------------------
# The goals of issue 20, each with its figure (the median of this run), the
# ceiling of the same run where that is the yardstick, and the load average
# when its case began. "-": the case was not run or gave no figure.

# goal_row GOAL FIGURE_TEXT VALUE OP LIMIT CASE [YARDSTICK]
goal_row () {
    local met="-" load
    load=$(awk -F'\t' -v c="$6" '$1 == c && $3 == "load" { print $4; exit }' "$results")
    if [ -n "$3" ]; then
        met=$(awk -v v="$3" -v op="$4" -v l="$5" 'BEGIN {
            ok = (op == "<") ? v < l : (op == "<=") ? v <= l : v >= l; print ok ? "met" : "not met" }')
    fi
    local fig="-"
    [ -z "$3" ] || fig=$2
    printf '%-58s  %-40s  %-22s  %-5s  %s\n' "$1" "$fig" "${7:-}" "${load:--}" "$met"
}
n1() { median_of "$@"; }
goals_out () {
    local c=$ceiling
    local yard=${c:+ceiling ${c%.*}/s}
    printf '%-58s  %-40s  %-22s  %-5s  %s\n' "goal (issue 20)" "figure (median)" "yardstick" "load" "met"
    local r1 r8 rr
    r1=$(ratio "$rate_1a" "$c"); r8=$(ratio "$rate_1b" "$c"); rr=$(ratio "$round_rate" "$c")
    goal_row "push, 1 office: >= 0.8 x ceiling" "$r1 (${rate_1a%.*} deltas/s)" "$r1" ">=" 0.8 \
        "1 push, 1 client x 100,000" "$yard"
    goal_row "push, 8 offices at once: >= 0.8 x ceiling" "$r8 (${rate_1b%.*} deltas/s)" "$r8" ">=" 0.8 \
        "1 push, 8 clients x 12,500" "$yard"
    goal_row "month's-end round, 14 x 2,000, end to end: >= 0.5 x ceiling" "$rr (${round_rate%.*} cells/s)" "$rr" ">=" 0.5 \
        "10 month's-end round" "$yard"
    local v
    v=$(n1 "4 bytes on the wire" "TCP up per delta, sync of 500 edits (CURVE, ZMTP, Hello, Push, Pull)")
    goal_row "bytes up per delta in a batch (TCP, 500 edits): <= 16" "$v bytes" "$v" "<=" 16 "4 bytes on the wire"
    v=$(n1 "4 bytes on the wire" "TCP up, sync of a single edit, beyond the handshake")
    goal_row "single-edit sync, up beyond the CURVE handshake: <= 200" "$v bytes (handshake $(n1 "4 bytes on the wire" "TCP, the CURVE handshake alone (ZMTP greeting to READY), up"))" "$v" "<=" 200 "4 bytes on the wire"
    v=$(n1 "4 bytes on the wire" "TCP down, sync of a single edit, beyond the handshake")
    goal_row "single-edit sync, down beyond the CURVE handshake: <= 200" "$v bytes (handshake $(n1 "4 bytes on the wire" "TCP, the CURVE handshake alone (ZMTP greeting to READY), down"))" "$v" "<=" 200 "4 bytes on the wire"
    v=$(n1 "8 office desk" "edit on the page to the province's ack, beyond the debounce")
    goal_row "office desk: edit to the province's ack < 5 ms" "$v ms" "$v" "<" 5 "8 office desk"
    v=$(n1 "6 initial pull" "cells per second")
    goal_row "initial pull of a district's history >= 200,000 cells/s" "$v cells/s" "$v" ">=" 200000 "6 initial pull"
    v=$(n1 "7 scale: $REPLICAS replicas" "VmRSS after a repeat wave of $(( (REPLICAS + WAVES - 1) / WAVES )) re-syncs / before it")
    goal_row "server memory flat over waves (repeat wave <= 1.02)" "$v ($REPLICAS of 10,000 replicas)" "$v" "<=" 1.02 "7 scale: $REPLICAS replicas"
    v=$(awk -F'\t' '$1 == "7 report" && $3 == "ms" { print $4 }' "$results" | sort -g \
        | awk '{ a[++n] = $1 } END { if (n) print (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) }')
    goal_row "report, 700 units x 20 indicators x 60 months < 50 ms" "$v ms" "$v" "<" 50 "7 report"
    v=$(awk -F'\t' '$1 == "9 province desk" && $2 ~ /^the round/ { print $4 }' "$results" | sort -g \
        | awk '{ a[++n] = $1 } END { if (n) print (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) }')
    goal_row "province desk's round view, same store < 100 ms" "$v ms" "$v" "<" 100 "7 report"
}

# ----------------------------------------------------------------------------
# The table

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fs=$(df -T "$work" | awk 'NR == 2 { print $2 }')
zmq=$(pkg-config --modversion libzmq 2>/dev/null || echo "?")
sqlv=$(pkg-config --modversion sqlite3 2>/dev/null || echo "?")
{
    echo
    echo "unionsync benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
    echo "machine: $(nproc) CPUs ($cpu), $mem, Linux $(uname -r), store on $fs; SQLite $sqlv, libzmq $zmq"
    echo "load average at start: $load_start, at end: $load_end; runs per case: $RUNS; push runs capped at ${CAP}s (0 = none); all on 127.0.0.1"
    [ -z "$build_note" ] || echo "note: $build_note"
    echo
    awk -F'\t' '
        { key = $1 SUBSEP $2
          if (!($1 in caseno)) { caseno[$1] = ++ncases; cname[ncases] = $1 }
          if (!(key in seen)) { seen[key] = ++n; cs[n] = $1; fs[n] = $2; us[n] = $3; g[n] = $5; op[n] = $6; gv[n] = $7 }
          k = seen[key]; cnt[k]++; val[k, cnt[k]] = $4 }
        function isort (a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
        function fmt (x) { return (x == int (x) || x >= 1000) ? sprintf ("%.0f", x) : (x >= 100) ? sprintf ("%.1f", x) : sprintf ("%.3g", x) }
        END {
            printf "%-26s  %-72s  %-9s %4s  %10s  %-21s  %-26s %s\n", "case", "figure", "unit", "n", "median", "min..max", "goal", "met"
            for (ci = 1; ci <= ncases; ci++)
            for (k = 1; k <= n; k++) {
                if (cs[k] != cname[ci]) continue
                m = cnt[k]; split ("", v)
                for (i = 1; i <= m; i++) v[i] = val[k, i] + 0
                isort(v, m)
                med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
                range = (m > 1) ? fmt(v[1]) ".." fmt(v[m]) : ""
                met = ""
                if (g[k] != "") {
                    if (op[k] == "<") ok = med < gv[k]; else if (op[k] == "<=") ok = med <= gv[k]; else ok = med >= gv[k]
                    met = ok ? "yes" : "NO"
                }
                c = (cs[k] == last) ? "" : cs[k]; last = cs[k]
                printf "%-26s  %-72s  %-9s %4d  %10s  %-21s  %-26s %s\n", c, substr (fs[k], 1, 72), us[k], m, fmt(med), range, g[k], met
            }
        }' "$results"
    echo
    echo "Goals of issue 20 (load: the 1-minute load average when the case began):"
    goals_out
    echo
    cat "$profile_out"
    echo
    echo "Total time of the benchmark: $(elapsed_s) s"
} | tee "$root/build/bench/results.txt"
