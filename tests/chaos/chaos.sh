#!/usr/bin/env bash
# chaos.sh: the fault and crash test of "Nothing lost, nothing doubled".
#
# usage: chaos.sh BUILD_DIR [--clients N] [--edits N] [--seconds N] [--seed N]
#                 [--kill-rate F] [--server-kills N] [--restore-burst N|auto]
#                 [--province-restores N] [--copy-backs N] [--full-disks N]
#                 [--full-disk-ms N] [--disk-mb N] [--think-ms N] [--port N]
#                 [--work DIR]
#
#   --clients N       district clients (default 6): c01 and c02 are two clerks
#                     of Triệu Phong (conflicts); the others are spread over the
#                     other 13 units of the Quảng Trị demo province
#   --edits N         at most N edits per client (default 200)
#   --seconds N       how long the clients work under faults (default 60)
#   --seed N          seeds the clients' choices and the proxy's faults (default 1)
#   --kill-rate F     chance that a client command is killed with SIGKILL midway
#                     (default 0); when above 0 the server is also killed with
#                     SIGKILL and restarted (--server-kills times, default
#                     3 + seconds/120) and stopped once with SIGTERM
#   --restore-burst N figures the restored client re-enters before its next sync
#                     (default auto: one to three more than it made since the
#                     backup, so its new sequence numbers reach the old ones;
#                     0 syncs at once, the path where the restore is detected)
#   --province-restores N  times the province takes `unionsync-server backup`
#                     while serving and, later in the run, is stopped, put back
#                     with `unionsync-server restore` and started (default 0)
#   --copy-backs N    the same, but the backup is put back by a plain file copy
#                     (-wal and -shm removed): the server must notice by itself
#                     (default 0)
#   --full-disks N    full-disk episodes (default 0): the server's store lives on
#                     a tmpfs of its own that is filled to the last byte while
#                     the offices push, then freed (needs root to mount; without
#                     it the episodes are skipped and the summary says so)
#   --full-disk-ms N  how long each full disk lasts (default 4000)
#   --disk-mb N       the size of that tmpfs (default 16 + 4 KB per edit the
#                     offices may make)
#   --think-ms N      a client pauses a random 0..N ms between operations
#                     (default 20 ms per client, at least 120: the offices
#                     together keep about the same pace however many they are,
#                     so that a busy machine still answers within the 300 ms
#                     sync timeout)
#   --port N          the clients' endpoint port (default: a free one); the
#                     server itself listens on another free port behind the proxy
#   --work DIR        where every file of the run goes (default: a new temp dir);
#                     it is kept and its path printed at the end
#
# The run: a province store with the demo units, N clients enrolled, the server
# started, and us-faultproxy on the clients' endpoint (cuts 0.3, small delays,
# some stalls, drops and duplicated connections). For --seconds every client
# runs its own loop, in its own process group, of random operations on its own
# store: `set` of a random figure of its unit (a month of 2022, members.new,
# cdcs.new, cla.signed or training.classes, a random value), `import` of a
# small CSV, or `sync --timeout-ms 300 --retries 2`. Every edit is written to a
# ground-truth log (truth/NAME.tsv): "ok" when the command returned 0, "maybe"
# when it was killed (it may or may not have been committed: either is
# accepted). Sync exit codes 0, 3 and 4 are normal; anything else is reported.
# One client (the last) backs up its store after a sync (sometimes with edits
# still unsent), works on, then puts the backup back and re-enters figures
# before its next sync (a restored backup, see --restore-burst); its edits
# between backup and restore that no sync had acknowledged become "maybe".
#
# The province's own disasters share the run's time with the server kills: the
# kills, the SIGTERM, the put-back backups and the full disks each get a slot
# between 10% and 90% of the run, in a seeded order. A put-back backup was
# taken with `backup` while serving up to two slots earlier (`restore` is also
# tried while the server runs and must be refused); what the province
# acknowledged after it is gone from the store until the offices send it
# again, which is what is judged: the checks below look at the final store
# only, so an acknowledged edit that a restore took away counts as lost unless
# its office sent it again. A full disk: the store's write-ahead log is
# checkpointed and truncated (so that no reused log has room left), the
# filesystem filled with a filler file, then a probe office (c00, on the
# server's own port, no faults, figures of 2016-2021 of Đông Hà that no other
# office writes) imports 100 figures and syncs, until a push is refused for
# the full disk (at most 8 times); `report` must still print. When the episode
# ends the filler goes, and the probe's next sync must not be refused for a
# full disk. Offices' syncs refused for a full disk are counted, not failures.
#
# At the end the faults stop: the fault proxy is replaced by a plain one on the
# same port, and every client syncs until it exits 0 or 4, twice, so that each
# has pulled everything. Then, with every process stopped:
#   (a) PRAGMA integrity_check is ok on the server's and every client's store,
#       and `unionsync-server audit verify` passes;
#   (b) every "ok" edit is in the server's `received` log (same replica, cell
#       and value) and none was rejected; every cell the clients wrote holds an
#       allowed value: a writer's last "ok" value or one of its later "maybe"
#       values (for a cell of one writer: exactly its last value); the server's
#       cells equal the replay of its log; every conflict is recorded; no
#       client has edits left to send;
#   (c) nothing applied twice: no (replica, clock) twice in `received`, and no
#       (replica, cell, value) received more often than it was edited;
#   (d) each client's `show 2022 --json` and cells of its unit equal the
#       server's `report 2022 --unit UNIT --format json` and cells;
#   (e) from the stores alone: every edit in an office's history (answered
#       by the province) is in the province's received log ("not held").
# Prints a summary and exits 0 only when lost = duplicated = mismatched =
# not held = 0, no store is damaged, nothing hung and no command exited with
# an unexpected code; 1 otherwise, 2 on bad usage. Only 127.0.0.1 is used; every loop is
# bounded in count and time; the EXIT trap stops every process of the run.

set -u

INDICATORS=(members.new cdcs.new cla.signed training.classes)
UNITS=(QT.DONGHA QT.QUANGTRI QT.VINHLINH QT.GIOLINH QT.CAMLO QT.HAILANG
       QT.HUONGHOA QT.DAKRONG QT.CDN.GIAODUC QT.CDN.YTE QT.CDN.XAYDUNG
       QT.CDN.CONGTHUONG QT.CDVC)
TWO_CLERK_UNIT=QT.TRIEUPHONG
SYNC_ARGS=(--timeout-ms 300 --retries 2)
PROXY_FAULTS=(--cut-rate 0.3 --delay-ms 15 --stall-rate 0.08 --drop-rate 0.03 --dup-rate 0.15)
LOOP_GRACE_S=45         # how long the clients may overrun --seconds before they count as hung
FINAL_TRIES=8           # final syncs per client and round, at most

CLIENTS=6
EDITS=200
DURATION=60
SEED=1
KILL_RATE=0
SERVER_KILLS=''
RESTORE_BURST=auto
PROVINCE_RESTORES=0
COPY_BACKS=0
FULL_DISKS=0
FULL_DISK_MS=4000
DISK_MB=''
THINK_MS=''
PORT=''
WORK=''

DISK=''                 # the store's own small filesystem, when mounted
FULL_SKIPPED=0          # full disks asked for that could not be set up
PROVINCE_BACKUPS=0      # backups taken while serving
PROVINCE_RESTORED=0     # put back with `restore`
PROVINCE_COPIED=0       # put back by a file copy
TAKEN_AWAY=0            # received records the put-back backups lacked
FULL_EPISODES=0         # full disks that happened
PROBE_REFUSED=0         # full disks in which the probe's push was refused
PROBE_N=0               # the probe's edits so far

LOOP_GROUPS=()          # process groups of the client loops still running
SERVER_PID=''
SERVER_STARTS=0
PROXY_PID=''
FAILURES=()             # one line per failure that is not a data check

# ---------------------------------------------------------------- helpers

usage () {
    sed -n '2,/^# The run:/{/^# The run:/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit 2
}

# note TEXT: a line of the run's progress, on stdout and in the events log.
note () {
    printf '[%5ss] %s\n' "$(( ${EPOCHREALTIME%[.,]*} - START_S ))" "$*" | tee -a "$WORK/events.log"
}

# failure TEXT: records something that makes the run fail.
failure () {
    FAILURES+=("$*")
    note "FAILURE: $*"
}

# now_ms: sets NOW_MS to the wall clock in milliseconds (no subprocess).
now_ms () {
    local t=${EPOCHREALTIME/[.,]/}
    NOW_MS=$(( 10#$t / 1000 ))
}

# nap MS: sleeps MS milliseconds.
nap () {
    local s
    printf -v s '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 ))
    sleep "$s"
}

# permille F: a rate from 0 to 1 as an integer per mille.
permille () {
    awk -v f="$1" 'BEGIN { if (f !~ /^[0-9]*\.?[0-9]+$/ || f > 1) exit 1; printf "%d\n", f * 1000 + 0.5 }'
}

# free_port: prints a TCP port on 127.0.0.1 that nothing uses (nor PORT).
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/free_port.sh"
chaos_port () {
    free_port "${PORT:-}"
}

# listening PORT: true when something listens on 127.0.0.1:PORT.
listening () {
    [ -n "$(ss -Htln "( sport = :$1 )" 2>/dev/null)" ]
}

# track PID: lists a background process in WORK/.pids (run.sh checks them).
track () {
    echo "$1" >>"$WORK/.pids"
}

# stop_group PGID SIGNAL: signals a client loop's process group, waits 5 s at
# most for its leader, then kills the whole group and reaps the leader.
stop_group () {
    local pid=$1 i
    kill "-$2" -- "-$pid" 2>/dev/null
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# cleanup: the EXIT trap; stops every process the run started and is still up.
cleanup () {
    local pid
    for pid in "${LOOP_GROUPS[@]}"; do
        stop_group "$pid" TERM
    done
    LOOP_GROUPS=()
    proxy_stop
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for pid in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        server_kill
    fi
    disk_release
}

# parse_args ARGS...: sets the settings; exits 2 on bad usage.
parse_args () {
    [ $# -ge 1 ] && [ "${1#-}" = "$1" ] || usage
    [ -d "$1" ] || { echo "chaos.sh: no build dir $1" >&2; exit 2; }
    BUILD=$(cd "$1" && pwd)
    shift
    while [ $# -gt 0 ]; do
        [ $# -ge 2 ] || usage
        case $1 in
            --clients)      CLIENTS=$2 ;;
            --edits)        EDITS=$2 ;;
            --seconds)      DURATION=$2 ;;
            --seed)         SEED=$2 ;;
            --kill-rate)    KILL_RATE=$2 ;;
            --server-kills) SERVER_KILLS=$2 ;;
            --restore-burst) RESTORE_BURST=$2 ;;
            --province-restores) PROVINCE_RESTORES=$2 ;;
            --copy-backs)   COPY_BACKS=$2 ;;
            --full-disks)   FULL_DISKS=$2 ;;
            --full-disk-ms) FULL_DISK_MS=$2 ;;
            --disk-mb)      DISK_MB=$2 ;;
            --think-ms)     THINK_MS=$2 ;;
            --port)         PORT=$2 ;;
            --work)         WORK=$2 ;;
            *)              usage ;;
        esac
        shift 2
    done
    local n
    for n in "$CLIENTS" "$EDITS" "$DURATION" "$SEED" "${SERVER_KILLS:-0}" "${PORT:-1}" \
             "${RESTORE_BURST/#auto/0}" "${THINK_MS:-0}" "$PROVINCE_RESTORES" "$COPY_BACKS" \
             "$FULL_DISKS" "$FULL_DISK_MS" "${DISK_MB:-0}"; do
        [[ $n =~ ^[0-9]+$ ]] || { echo "chaos.sh: not a number: $n" >&2; exit 2; }
    done
    [ "$CLIENTS" -ge 2 ] && [ "$CLIENTS" -le 500 ] || { echo "chaos.sh: --clients from 2 to 500" >&2; exit 2; }
    KILL_PERMILLE=$(permille "$KILL_RATE") || { echo "chaos.sh: --kill-rate F with 0 <= F <= 1" >&2; exit 2; }
    if [ -z "$THINK_MS" ]; then
        THINK_MS=$(( CLIENTS * 20 > 120 ? CLIENTS * 20 : 120 ))
    fi
    [ "$THINK_MS" -ge 1 ] || THINK_MS=1
    [ $(( PROVINCE_RESTORES + COPY_BACKS + FULL_DISKS )) -le 50 ] \
        || { echo "chaos.sh: at most 50 province restores, copy-backs and full disks" >&2; exit 2; }
    [ -n "$DISK_MB" ] || DISK_MB=$(( 16 + CLIENTS * EDITS * 4 / 1000 ))
    [ "$DISK_MB" -ge 4 ] || { echo "chaos.sh: --disk-mb at least 4" >&2; exit 2; }
    if [ -z "$SERVER_KILLS" ]; then
        SERVER_KILLS=0
        [ "$KILL_PERMILLE" -eq 0 ] || SERVER_KILLS=$(( 3 + DURATION / 120 ))
    fi
}

# ---------------------------------------------------------------- setup

# setup_dirs: the work dir and the tools.
setup_dirs () {
    US=$BUILD/unionsync
    USS=$BUILD/unionsync-server
    PROXY=$BUILD/us-faultproxy
    DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../data" && pwd)
    local tool
    for tool in "$US" "$USS" "$PROXY"; do
        [ -x "$tool" ] || { echo "chaos.sh: missing binary $tool (build first)" >&2; exit 2; }
    done
    for tool in jq sqlite3 ss awk; do
        command -v "$tool" >/dev/null || { echo "chaos.sh: missing tool $tool" >&2; exit 2; }
    done
    [ -n "$WORK" ] || WORK=$(mktemp -d "${TMPDIR:-/tmp}/us-chaos.XXXXXX")
    mkdir -p "$WORK" && WORK=$(cd "$WORK" && pwd) || exit 2
    mkdir -p "$WORK"/{clients,truth,ops,errors,backup,pbackup,views} || exit 2
    touch "$WORK/.pids" "$WORK/events.log" "$WORK/putbacks.tsv"
    SRV_DB=$WORK/server.db
    export USER=clerk
    unset UNIONSYNC_DB UNIONSYNC_AUTHOR
    START_S=${EPOCHREALTIME%[.,]*}
    RANDOM=$SEED
    [ -n "$PORT" ] || PORT=$(chaos_port) || { echo "chaos.sh: no free port" >&2; exit 2; }
    SPORT=$(chaos_port) || { echo "chaos.sh: no free port" >&2; exit 2; }
}

# disk_setup: with full disks asked for, the server's store goes on a tmpfs
# of DISK_MB of its own; where none can be mounted (not root) the full disks
# are skipped, and the summary says so.
disk_setup () {
    [ "$FULL_DISKS" -gt 0 ] || return 0
    mkdir -p "$WORK/disk"
    if mount -t tmpfs -o "size=${DISK_MB}m,mode=0700" tmpfs "$WORK/disk" 2>"$WORK/mount.err"; then
        DISK=$WORK/disk
        SRV_DB=$DISK/server.db
        return 0
    fi
    FULL_SKIPPED=$FULL_DISKS
    FULL_DISKS=0
    note "cannot mount a small filesystem here ($(head -n 1 "$WORK/mount.err")):" \
         "the $FULL_SKIPPED full disks are skipped"
}

# disk_release: copies the server's store out of its tmpfs into the work
# dir (so that it stays for a look after the run), then unmounts it.
disk_release () {
    [ -n "$DISK" ] || return 0
    rm -f "$DISK/filler" "$DISK/filler.tail"
    cp -p "$DISK"/server.db* "$WORK/" 2>/dev/null
    umount "$DISK" 2>/dev/null || umount -l "$DISK" 2>/dev/null
    DISK=''
}

# must CMD...: runs a setup command that has to succeed; prints its stdout.
must () {
    local out
    out=$("$@" 2>"$WORK/setup.err") || {
        echo "chaos.sh: setup failed: $* : $(cat "$WORK/setup.err")" >&2
        exit 1
    }
    printf '%s\n' "$out"
}

# setup_province: the server store, the units, the catalog and N enrolled
# clients; with full disks also the probe office c00 (IDS lists them all).
setup_province () {
    local key i name unit ckey endpoint
    key=$(must "$USS" init --province QT --name 'LĐLĐ tỉnh Quảng Trị' --db "$SRV_DB" | tail -n 1)
    must "$USS" units import "$DATA/quangtri-units.csv" --db "$SRV_DB" >/dev/null
    must "$USS" indicators import "$DATA/indicators.csv" --db "$SRV_DB" >/dev/null
    IDS=()
    [ "$FULL_DISKS" -eq 0 ] || IDS=(0)
    IDS+=($(seq 1 "$CLIENTS"))
    for i in "${IDS[@]}"; do
        printf -v name 'c%02d' "$i"
        endpoint=tcp://127.0.0.1:$PORT
        if [ "$i" -eq 0 ]; then
            unit=${UNITS[0]} endpoint=tcp://127.0.0.1:$SPORT
        elif [ "$i" -le 2 ]; then
            unit=$TWO_CLERK_UNIT
        else
            unit=${UNITS[(i - 3) % ${#UNITS[@]}]}
        fi
        C_NAME[i]=$name
        C_UNIT[i]=$unit
        C_DB[i]=$WORK/clients/$name.db
        ckey=$(must "$US" init --unit "$unit" --server "$endpoint" \
                    --server-key "$key" --db "${C_DB[i]}" | tail -n 1)
        must "$USS" enroll --unit "$unit" --key "$ckey" --name "$name" --db "$SRV_DB" >/dev/null
        printf '%s\t%s\n' "$name" "$unit" >>"$WORK/clients.tsv"
        if [ "$i" -eq 0 ]; then
            mkdir -p "$WORK/ops/c00.d"
            : >"$WORK/truth/c00.tsv"
            : >"$WORK/ops/c00.tsv"
        fi
    done
    BACKUP_CLIENT=$CLIENTS
    local probe=''
    [ "${IDS[0]}" -ne 0 ] || probe="; the probe office c00 on ${C_UNIT[0]}"
    note "province set up: $CLIENTS clients, two clerks on $TWO_CLERK_UNIT," \
         "restored backup on ${C_NAME[BACKUP_CLIENT]} (${C_UNIT[BACKUP_CLIENT]})$probe"
}

# ---------------------------------------------------------------- server and proxy

# server_start: serves the province behind the proxy; waits until it listens.
server_start () {
    local i before
    before=$(grep -c 'serving' "$WORK/server.log" 2>/dev/null)
    SERVER_STARTS=$((SERVER_STARTS + 1))
    "$USS" serve --bind "tcp://127.0.0.1:$SPORT" --db "$SRV_DB" 2>>"$WORK/server.log" &
    SERVER_PID=$!
    track "$SERVER_PID"
    for i in $(seq 1 200); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            wait "$SERVER_PID"
            failure "server start $SERVER_STARTS: exited with $? ($(tail -n 2 "$WORK/server.log" | tr '\n' ' '))"
            SERVER_PID=''
            return 1
        fi
        if [ "$(grep -c 'serving' "$WORK/server.log")" -gt "${before:-0}" ] && listening "$SPORT"; then
            return 0
        fi
        sleep 0.05
    done
    failure "server start $SERVER_STARTS: not listening after 10 s"
    return 1
}

# server_kill: SIGKILL, as a crash or a power cut would.
server_kill () {
    [ -n "$SERVER_PID" ] || return 0
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=''
}

# server_term: SIGTERM; the server must stop within 10 s with exit code 0.
server_term () {
    [ -n "$SERVER_PID" ] || return 0
    local i rc
    kill -TERM "$SERVER_PID" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        failure "server did not stop within 10 s of SIGTERM (hang); killed"
        kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    wait "$SERVER_PID" 2>/dev/null
    rc=$?
    [ "$rc" -eq 0 ] || failure "server exit code after SIGTERM: $rc (expected 0)"
    SERVER_PID=''
}

# server_watch: a server that died on its own is a failure; it is restarted.
server_watch () {
    [ -n "$SERVER_PID" ] || return 0
    kill -0 "$SERVER_PID" 2>/dev/null && return 0
    wait "$SERVER_PID" 2>/dev/null
    failure "server died on its own with exit code $? ($(tail -n 2 "$WORK/server.log" | tr '\n' ' '))"
    SERVER_PID=''
    server_start
}

# proxy_start OUT ARGS...: us-faultproxy on the clients' port in front of the
# server; waits for its "listening" line.
proxy_start () {
    local out=$1 i
    shift
    "$PROXY" --listen "127.0.0.1:$PORT" --target "127.0.0.1:$SPORT" --seed "$SEED" --quiet "$@" \
        >"$out" 2>>"$WORK/proxy.log" &
    PROXY_PID=$!
    track "$PROXY_PID"
    for i in $(seq 1 200); do
        kill -0 "$PROXY_PID" 2>/dev/null || break
        grep -q '^listening ' "$out" && return 0
        sleep 0.05
    done
    failure "fault proxy did not start on port $PORT: $(tail -n 2 "$WORK/proxy.log" | tr '\n' ' ')"
    return 1
}

# proxy_stop: SIGTERM; the proxy prints its summary line.
proxy_stop () {
    [ -n "$PROXY_PID" ] || return 0
    kill -TERM "$PROXY_PID" 2>/dev/null
    wait "$PROXY_PID" 2>/dev/null
    PROXY_PID=''
}

# ---------------------------------------------------------------- a client's loop
# These functions run inside a client's subshell; L_* are its variables.

# truth_add STATUS N MONTH INDICATOR VALUE KIND: one edit in the ground truth;
# "ok" edits made while a backup is out wait in L_WINDOW until a sync
# acknowledges them or the backup is put back.
truth_add () {
    local line
    now_ms
    printf -v line '%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s' "$2" "$1" "$L_NAME" "$L_UNIT" \
        "$3" "$4" "$5" "$NOW_MS" "$6"
    if [ "$1" = ok ] && [ "$L_STAGE" = window ]; then
        L_WINDOW+=("$line")
    else
        printf '%s\n' "$line" >>"$L_TRUTH"
    fi
}

# window_flush STATUS [T0 T1]: writes the edits made since the backup with
# STATUS. With T0 and T1 (ms), a sync that ran from T0 to T1 acknowledged
# them: truth/NAME.acked keeps "NAME N T0 T1" for each, because once the
# backup is put back only the province holds them, and a put-back of the
# province's own backup across that sync loses them for good (see check_data).
window_flush () {
    local line
    for line in "${L_WINDOW[@]}"; do
        printf '%s\n' "${line/$'\t'ok$'\t'/$'\t'$1$'\t'}" >>"$L_TRUTH"
        [ $# -lt 3 ] || printf '%s\t%s\t%s\t%s\n' "$L_NAME" "${line%%$'\t'*}" "$2" "$3" >>"$L_ACKED"
    done
    L_WINDOW=()
}

# client_cmd KIND CMD...: runs one client command; with the kill rate's
# chance it runs in the background and gets SIGKILL after a random delay.
# Sets OP_RC (137 when killed) and OP_KILLED; logs the operation, and any
# unexpected exit code with its stderr.
client_cmd () {
    local kind=$1 pid delay
    shift
    OP_KILLED=0
    now_ms
    OP_T0=$NOW_MS
    printf '%s %s\n' "$kind" "${EPOCHREALTIME}" >"$L_CUR"
    if (( RANDOM % 1000 < KILL_PERMILLE )); then
        "$@" >"$L_OUT" 2>"$L_ERR" &
        pid=$!
        if [ "$kind" = sync ]; then delay=$(( RANDOM % 1200 )); else delay=$(( RANDOM % 60 )); fi
        nap "$delay"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        OP_RC=$?
        [ "$OP_RC" -ne 137 ] || OP_KILLED=1
    else
        "$@" >"$L_OUT" 2>"$L_ERR"
        OP_RC=$?
    fi
    : >"$L_CUR"
    printf '%s\t%d\t%d\n' "$kind" "$OP_RC" "$OP_KILLED" >>"$L_OPS"
    if [ "$kind" = sync ] && [ "$OP_RC" -ne 0 ] && [ "$OP_KILLED" -eq 0 ]; then
        printf '%d\t%s\n' "$OP_RC" "$(tail -n 1 "$L_ERR")" >>"$L_SYNCERR"
    fi
    [ "$kind" != sync ] || went_back "$L_ERR" "$L_NAME"
    local expected=0
    [ "$OP_KILLED" -eq 1 ] && expected=1
    [ "$OP_RC" -eq 0 ] && expected=1
    [ "$kind" = sync ] && { [ "$OP_RC" -eq 3 ] || [ "$OP_RC" -eq 4 ]; } && expected=1
    [ "$kind" = sync ] && [ "$OP_RC" -eq 1 ] && disk_was_full "$L_ERR" && expected=1
    if [ "$expected" -eq 0 ]; then
        printf '%s: %s exited %d: %s | %s\n' "$L_NAME" "$kind" "$OP_RC" "${*#"$BUILD/"}" \
            "$(head -c 300 "$L_ERR" | tr '\n' ' ')" >>"$L_ERRS"
    fi
}

# disk_was_full ERRFILE: true when a sync's stderr says the province's
# store could not be written (its disk is full): an expected refusal.
disk_was_full () {
    grep -Eq 'cannot write the store|disk is full|No space left' "$1"
}

# went_back ERRFILE NAME: a sync's warning that the province went back in
# time goes to WORK/ops/NAME.resent (for the summary's figures).
went_back () {
    local line
    line=$(grep -m 1 'went back in time' "$1") || return 0
    printf '%s\n' "$line" >>"$WORK/ops/$2.resent"
}

# random_month: a month of 2022 in L_MONTH.
random_month () {
    printf -v L_MONTH '2022-%02d' $(( RANDOM % 12 + 1 ))
}

# random_value: a figure in L_VALUE.
random_value () {
    L_VALUE=$(( (RANDOM * 32768 + RANDOM) % 100000 ))
}

# op_set: `unionsync set` of a random figure of the client's unit.
op_set () {
    local ind=${INDICATORS[RANDOM % ${#INDICATORS[@]}]}
    random_month
    random_value
    client_cmd set "$US" set "$L_UNIT" "$L_MONTH" "$ind" "$L_VALUE" --db "$L_DB" --author "$L_NAME"
    L_N=$((L_N + 1))
    L_EDITS=$((L_EDITS + 1))
    if [ "$OP_RC" -eq 0 ]; then
        truth_add ok "$L_N" "$L_MONTH" "$ind" "$L_VALUE" set
    else
        truth_add maybe "$L_N" "$L_MONTH" "$ind" "$L_VALUE" set
    fi
}

# op_import: `unionsync import` of 2 to 5 figures of distinct cells.
op_import () {
    local rows=$(( 2 + RANDOM % 4 )) first=$(( RANDOM % 12 )) j csv=$L_DIR/import.csv
    local -a months=() inds=() values=()
    echo 'unit,month,indicator,value' >"$csv"
    for (( j = 0; j < rows; j++ )); do
        printf -v months[j] '2022-%02d' $(( (first + j) % 12 + 1 ))
        inds[j]=${INDICATORS[RANDOM % ${#INDICATORS[@]}]}
        random_value
        values[j]=$L_VALUE
        printf '%s,%s,%s,%d\n' "$L_UNIT" "${months[j]}" "${inds[j]}" "$L_VALUE" >>"$csv"
    done
    client_cmd import "$US" import "$csv" --db "$L_DB" --author "$L_NAME"
    for (( j = 0; j < rows; j++ )); do
        L_N=$((L_N + 1))
        L_EDITS=$((L_EDITS + 1))
        if [ "$OP_RC" -eq 0 ]; then
            truth_add ok "$L_N" "${months[j]}" "${inds[j]}" "${values[j]}" import
        else
            truth_add maybe "$L_N" "${months[j]}" "${inds[j]}" "${values[j]}" import
        fi
    done
}

# op_sync: `unionsync sync` through the faulty link; a finished sync (0 or 4)
# acknowledged every edit made since the backup.
op_sync () {
    client_cmd sync "$US" sync "${SYNC_ARGS[@]}" --db "$L_DB"
    if [ "$L_STAGE" = window ] && { [ "$OP_RC" -eq 0 ] || [ "$OP_RC" -eq 4 ]; }; then
        now_ms
        window_flush ok "$OP_T0" "$NOW_MS"
    fi
}

# store_files DB: the files of a store that a backup must hold.
store_files () {
    local f
    for f in "$1" "$1-wal" "$1-shm" "$1.key"; do
        [ -e "$f" ] && echo "$f"
    done
}

# op_backup: after a sync (and maybe a few edits left unsent), copies the
# store, its WAL and its key while no process uses it.
op_backup () {
    local f k=$(( RANDOM % 3 ))
    op_sync
    while [ "$k" -gt 0 ]; do
        op_set
        k=$((k - 1))
    done
    rm -f "$L_BACKUP"/*
    for f in $(store_files "$L_DB"); do
        cp -p "$f" "$L_BACKUP/" || { echo "$L_NAME: backup copy failed" >>"$L_ERRS"; return; }
    done
    L_STAGE=window
    L_AT_BACKUP=$L_EDITS
    printf 'backup\t0\t0\n' >>"$L_OPS"
    printf '%s: backup after %d edits (%s)\n' "$L_NAME" "$L_EDITS" \
        "$(sqlite3 "$L_DB" "SELECT COUNT(*) FROM outbox") pending in it" >>"$L_EVENTS"
}

# op_restore: puts the backup back, then the clerk re-enters figures before
# the next sync: --restore-burst of them, by default one to three more than
# were made since the backup; then syncs until a sync finishes (8 tries).
op_restore () {
    local f lost=$(( L_EDITS - L_AT_BACKUP )) k
    rm -f "$L_DB" "$L_DB-wal" "$L_DB-shm" "$L_DB.key"
    for f in "$L_BACKUP"/*; do
        cp -p "$f" "$(dirname "$L_DB")/" || echo "$L_NAME: restore copy failed" >>"$L_ERRS"
    done
    window_flush maybe
    L_STAGE=restored
    printf 'restore\t0\t0\n' >>"$L_OPS"
    if [ "$RESTORE_BURST" = auto ]; then
        k=$(( lost + 1 + RANDOM % 3 ))
    else
        k=$RESTORE_BURST
    fi
    printf '%s: backup restored, %d edits made since it; %d figures re-entered before the next sync\n' \
        "$L_NAME" "$lost" "$k" >>"$L_EVENTS"
    while [ "$k" -gt 0 ]; do
        op_set
        k=$((k - 1))
    done
    for k in 1 2 3 4 5 6 7 8; do
        op_sync
        { [ "$OP_RC" -eq 0 ] || [ "$OP_RC" -eq 4 ]; } && break
    done
}

# client_loop I: client I works until the end time or its operation bound.
client_loop () {
    set +m
    local i=$1 op=0 max_ops=$(( EDITS * 4 + 200 )) r
    L_NAME=${C_NAME[i]} L_UNIT=${C_UNIT[i]} L_DB=${C_DB[i]}
    L_DIR=$WORK/ops/$L_NAME.d
    mkdir -p "$L_DIR"
    L_TRUTH=$WORK/truth/$L_NAME.tsv L_OPS=$WORK/ops/$L_NAME.tsv L_ERRS=$WORK/errors/$L_NAME.log
    L_CUR=$WORK/ops/$L_NAME.current L_OUT=$L_DIR/out L_ERR=$L_DIR/err
    L_SYNCERR=$WORK/ops/$L_NAME.syncerr
    L_EVENTS=$WORK/events.log L_BACKUP=$WORK/backup L_ACKED=$WORK/truth/$L_NAME.acked
    L_N=0 L_EDITS=0 L_STAGE=none L_AT_BACKUP=0 L_WINDOW=()
    : >"$L_TRUTH"
    : >"$L_OPS"
    : >"$L_ACKED"
    RANDOM=$(( (SEED * 7919 + i * 104729) % 32768 ))
    while (( op < max_ops )); do
        now_ms
        (( NOW_MS < END_MS )) || break
        op=$((op + 1))
        r=$(( RANDOM % 100 ))
        if [ "$i" -eq "$BACKUP_CLIENT" ] && [ "$L_STAGE" = none ] && (( NOW_MS >= BACKUP_MS )); then
            op_backup
        elif [ "$L_STAGE" = window ] && (( NOW_MS >= RESTORE_MS )); then
            op_restore
        elif (( L_EDITS < EDITS && r < 50 )); then
            op_set
        elif (( L_EDITS < EDITS && r < 60 )); then
            op_import
        else
            op_sync
        fi
        nap $(( (RANDOM * 32768 + RANDOM) % THINK_MS ))
    done
    # A backup still out was never put back: its window's edits are in the store.
    window_flush ok
    [ "$L_STAGE" = restored ] || : >"$L_ACKED"
}

# ---------------------------------------------------------------- the run

# start_clients: every client loop in its own process group.
start_clients () {
    local i
    now_ms
    END_MS=$(( NOW_MS + DURATION * 1000 ))
    BACKUP_MS=$(( NOW_MS + DURATION * 250 ))
    RESTORE_MS=$(( NOW_MS + DURATION * 550 ))
    set -m
    for i in $(seq 1 "$CLIENTS"); do
        client_loop "$i" 2>>"$WORK/errors/loop-stderr.log" </dev/null &
        C_PID[i]=$!
        LOOP_GROUPS+=("${C_PID[i]}")
        track "${C_PID[i]}"
    done
    set +m
    note "started $CLIENTS client loops for ${DURATION}s (think time 0..${THINK_MS} ms," \
         "kill rate $KILL_RATE, $SERVER_KILLS server kills)"
}

# plan_server_events: when the province meets its troubles. Each kill
# (SIGKILL), the one SIGTERM, each put-back backup and each full disk gets one
# of the slots between 10% and 90% of the run, in an order the seed shuffles.
# A put-back ("restore" or "copy") comes in the second half of its slot, its
# backup ("backup") earlier: after the previous put-back and at most two slots
# before. A full disk ("fill" ... "free") lasts --full-disk-ms, at most two
# thirds of its slot. Sets EVENT_AT (ms), EVENT_KIND and EVENT_ARG, by time.
plan_server_events () {
    local -a kinds=() lines=()
    local n span slot k j t at from to dur last_put line
    EVENT_AT=() EVENT_KIND=() EVENT_ARG=()
    RANDOM=$(( (SEED * 31 + 17) % 32768 ))     # the plan depends on the seed only
    for (( k = 0; k < SERVER_KILLS; k++ )); do kinds+=(kill); done
    [ "$SERVER_KILLS" -eq 0 ] || kinds+=(term)
    for (( k = 0; k < PROVINCE_RESTORES; k++ )); do kinds+=(restore); done
    for (( k = 0; k < COPY_BACKS; k++ )); do kinds+=(copy); done
    for (( k = 0; k < FULL_DISKS; k++ )); do kinds+=(fill); done
    n=${#kinds[@]}
    [ "$n" -gt 0 ] || return 0
    for (( k = n - 1; k > 0; k-- )); do
        j=$(( RANDOM % (k + 1) ))
        t=${kinds[k]} kinds[k]=${kinds[j]} kinds[j]=$t
    done
    span=$(( DURATION * 800 / n ))
    [ "$span" -ge 2 ] || span=2
    now_ms
    last_put=$(( NOW_MS + DURATION * 100 ))
    for (( k = 0; k < n; k++ )); do
        slot=$(( NOW_MS + DURATION * 100 + k * span ))
        case ${kinds[k]} in
            kill|term)
                lines+=("$(( slot + (RANDOM * 32768 + RANDOM) % span )) ${kinds[k]} $k") ;;
            restore|copy)
                at=$(( slot + span / 2 + (RANDOM * 32768 + RANDOM) % (span / 2) ))
                from=$(( at - 2 * span > last_put ? at - 2 * span : last_put ))
                to=$(( at - span / 4 ))
                lines+=("$(( from + (RANDOM * 32768 + RANDOM) % (to - from > 0 ? to - from : 1) )) backup $k")
                lines+=("$at ${kinds[k]} $k")
                last_put=$(( at + 1 )) ;;
            fill)
                dur=$(( FULL_DISK_MS < span * 2 / 3 ? FULL_DISK_MS : span * 2 / 3 ))
                at=$(( slot + (RANDOM * 32768 + RANDOM) % (span - dur > 0 ? span - dur : 1) ))
                lines+=("$at fill $k" "$(( at + dur )) free $k") ;;
        esac
    done
    while read -r t line k; do
        EVENT_AT+=("$t") EVENT_KIND+=("$line") EVENT_ARG+=("$k")
    done < <(printf '%s\n' "${lines[@]}" | sort -n -k 1,1 -s)
    printf '%s\n' "${lines[@]}" | sort -n -k 1,1 -s \
        | awk -v t0="$NOW_MS" '{ printf "%s%s@%.1fs", (NR > 1 ? ", " : ""), $2, ($1 - t0) / 1000 }' \
        | { read -r line; note "the province's plan: ${line:-nothing}"; }
}

# server_event KIND ARG: one event of the plan.
server_event () {
    case $1 in
        kill|term)    server_stop_event "$1" ;;
        backup)       province_backup "$2" ;;
        restore|copy) province_put_back "$1" "$2" ;;
        fill)         disk_fill "$2" ;;
        free)         disk_free "$2" ;;
    esac
}

# server_stop_event KIND: kills or stops the server, then restarts it after a
# random down time.
server_stop_event () {
    if [ "$1" = kill ]; then
        server_kill
        SERVER_KILLED=$((SERVER_KILLED + 1))
        note "server killed with SIGKILL ($SERVER_KILLED)"
    else
        server_term
        SERVER_TERMED=$((SERVER_TERMED + 1))
        note "server stopped with SIGTERM"
    fi
    nap $(( 200 + RANDOM % 1800 ))
    server_start && note "server restarted on the same port"
}

# received_rows DB: how many records the store's received log holds.
received_rows () {
    sqlite3 -cmd '.timeout 5000' "$1" 'SELECT COUNT (*) FROM received' 2>/dev/null || echo '?'
}

# province_backup K: `unionsync-server backup` while serving, for put-back K.
province_backup () {
    local f=$WORK/pbackup/p$1.db rc
    rm -f "$f" "$f.key"
    now_ms
    PB_START[$1]=$NOW_MS
    "$USS" backup "$f" --db "$SRV_DB" >"$f.out" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ]; then
        failure "province backup $1 while serving exited $rc: $(tail -n 2 "$f.out" | tr '\n' ' ')"
        rm -f "$f"
        return 0
    fi
    PROVINCE_BACKUPS=$((PROVINCE_BACKUPS + 1))
    note "province backup $1 taken while serving ($(received_rows "$f") received records)"
}

# province_put_back HOW K: the server stops and backup K comes back, by
# `restore` (which must first be refused while the server runs) or by a
# plain copy (HOW copy); the server starts again. Counts the received
# records the backup lacks: the offices must send them again.
province_put_back () {
    local how=$1 f=$WORK/pbackup/p$2.db before after rc
    if [ ! -s "$f" ]; then
        note "backup $2 is missing (its backup failed): nothing put back"
        return 0
    fi
    if [ "$how" = restore ] && [ -n "$SERVER_PID" ]; then
        "$USS" restore "$f" --db "$SRV_DB" >"$f.busy.out" 2>&1
        rc=$?
        [ "$rc" -ne 0 ] && grep -q 'running' "$f.busy.out" \
            || failure "restore while the server runs: exit $rc, not refused: $(head -c 200 "$f.busy.out")"
    fi
    server_term
    before=$(received_rows "$SRV_DB")
    if [ "$how" = restore ]; then
        "$USS" restore "$f" --db "$SRV_DB" >"$f.restore.out" 2>&1
        rc=$?
        [ "$rc" -eq 0 ] || failure "restore of backup $2 exited $rc: $(tail -n 2 "$f.restore.out" | tr '\n' ' ')"
        PROVINCE_RESTORED=$((PROVINCE_RESTORED + 1))
    else
        cp "$f" "$SRV_DB" && rm -f "$SRV_DB-wal" "$SRV_DB-shm" \
            || failure "copying backup $2 over the store failed"
        PROVINCE_COPIED=$((PROVINCE_COPIED + 1))
    fi
    now_ms
    printf '%d\t%d\t%s\n' "${PB_START[$2]}" "$NOW_MS" "$how" >>"$WORK/putbacks.tsv"
    after=$(received_rows "$SRV_DB")
    [[ $before$after =~ ^[0-9]+$ ]] && TAKEN_AWAY=$(( TAKEN_AWAY + before - after ))
    note "province store put back from backup $2 by $how: received records $before -> $after"
    server_start && note "server started on the put-back store"
}

# disk_fill K: fills the store's filesystem, then checks that a push is
# refused for it and that the province still reports.
disk_fill () {
    [ -n "$DISK" ] || return 0
    local ck avail try
    # A log that was checkpointed but kept its size is reused without new
    # blocks, so a "full" disk could still take pushes: empty it first (a
    # reader in the way makes the checkpoint busy; then it is tried again).
    for try in 1 2 3 4 5; do
        ck=$(sqlite3 -cmd '.timeout 3000' "$SRV_DB" 'PRAGMA wal_checkpoint (TRUNCATE)' 2>&1)
        [ "${ck%%|*}" != 0 ] || break
        sleep 0.1
    done
    dd if=/dev/zero of="$DISK/filler" bs=1M 2>/dev/null
    dd if=/dev/zero of="$DISK/filler.tail" bs=4k 2>/dev/null
    avail=$(df -k --output=avail "$DISK" | tail -n 1)
    FULL_EPISODES=$((FULL_EPISODES + 1))
    note "full disk $FULL_EPISODES: the store's filesystem filled (${avail// /} KB left; checkpoint $ck)"
    if ! "$USS" report 2022 --format json --db "$SRV_DB" >"$WORK/views/full$1.report" 2>&1; then
        failure "report failed during full disk $FULL_EPISODES: $(tail -n 1 "$WORK/views/full$1.report")"
    fi
    probe_push_full
}

# disk_free K: the filler goes; the probe's next sync must not be refused
# for a full disk.
disk_free () {
    [ -n "$DISK" ] || return 0
    rm -f "$DISK/filler" "$DISK/filler.tail"
    note "full disk $FULL_EPISODES over: $(df -k --output=avail "$DISK" | tail -n 1 | tr -d ' ') KB free"
    probe_sync
    if [ "$PROBE_RC" -ne 0 ] && disk_was_full "$WORK/ops/c00.d/err"; then
        failure "the province did not recover when space returned: $(tail -n 1 "$WORK/ops/c00.d/err")"
    fi
}

# probe_push_full: the probe imports 100 figures and syncs, until a push is
# refused for the full disk (8 rounds at most).
probe_push_full () {
    local round
    for (( round = 1; round <= 8; round++ )); do
        probe_import 100
        probe_sync
        if [ "$PROBE_RC" -ne 0 ] && disk_was_full "$WORK/ops/c00.d/err"; then
            PROBE_REFUSED=$((PROBE_REFUSED + 1))
            note "full disk $FULL_EPISODES: the probe's push was refused ($(tail -n 1 "$WORK/ops/c00.d/err"))"
            return 0
        fi
    done
    note "full disk $FULL_EPISODES: no push of the probe was refused in 8 rounds"
}

# probe_import N: the probe imports N figures of 2016-2021 of its unit, N
# consecutive cells of the 288 from a random one.
probe_import () {
    local csv=$WORK/ops/c00.d/import.csv j cell first=$(( RANDOM % 288 )) rc status=ok
    local -a months=() inds=() values=()
    echo 'unit,month,indicator,value' >"$csv"
    for (( j = 0; j < $1; j++ )); do
        cell=$(( (first + j) % 288 ))
        printf -v months[j] '%d-%02d' $(( 2016 + cell / 48 )) $(( cell / 4 % 12 + 1 ))
        inds[j]=${INDICATORS[cell % 4]}
        values[j]=$(( (RANDOM * 32768 + RANDOM) % 100000 ))
        printf '%s,%s,%s,%d\n' "${C_UNIT[0]}" "${months[j]}" "${inds[j]}" "${values[j]}" >>"$csv"
    done
    "$US" import "$csv" --db "${C_DB[0]}" --author c00 >"$WORK/ops/c00.d/out" 2>"$WORK/ops/c00.d/err"
    rc=$?
    printf 'import\t%d\t0\n' "$rc" >>"$WORK/ops/c00.tsv"
    [ "$rc" -eq 0 ] || status=maybe
    now_ms
    for (( j = 0; j < $1; j++ )); do
        PROBE_N=$((PROBE_N + 1))
        printf '%d\t%s\tc00\t%s\t%s\t%s\t%d\t%d\timport\n' "$PROBE_N" "$status" "${C_UNIT[0]}" \
            "${months[j]}" "${inds[j]}" "${values[j]}" "$NOW_MS" >>"$WORK/truth/c00.tsv"
    done
    [ "$rc" -eq 0 ] || failure "the probe's import exited $rc: $(head -c 200 "$WORK/ops/c00.d/err")"
}

# probe_sync: the probe syncs straight with the server; sets PROBE_RC. A
# refusal for a full disk and no answer (3) are expected; 1 for another
# reason is not.
probe_sync () {
    "$US" sync --timeout-ms 3000 --retries 2 --db "${C_DB[0]}" \
        >"$WORK/ops/c00.d/out" 2>"$WORK/ops/c00.d/err"
    PROBE_RC=$?
    printf 'sync\t%d\t0\n' "$PROBE_RC" >>"$WORK/ops/c00.tsv"
    went_back "$WORK/ops/c00.d/err" c00
    case $PROBE_RC in
        0|3|4) ;;
        1) disk_was_full "$WORK/ops/c00.d/err" \
               || failure "the probe's sync exited 1: $(tail -n 1 "$WORK/ops/c00.d/err")" ;;
        *) failure "the probe's sync exited $PROBE_RC: $(tail -n 1 "$WORK/ops/c00.d/err")" ;;
    esac
    [ "$PROBE_RC" -eq 0 ] || printf '%d\t%s\n' "$PROBE_RC" "$(tail -n 1 "$WORK/ops/c00.d/err")" \
        >>"$WORK/ops/c00.syncerr"
}

# run_timeline: the server's life while the clients work, then waits for
# the clients; a client loop still running LOOP_GRACE_S after the end hangs.
run_timeline () {
    local k=0 i alive
    SERVER_KILLED=0
    SERVER_TERMED=0
    while :; do
        now_ms
        (( NOW_MS < END_MS )) || break
        if (( k < ${#EVENT_AT[@]} )) && (( NOW_MS >= EVENT_AT[k] )); then
            server_event "${EVENT_KIND[k]}" "${EVENT_ARG[k]}"
            k=$((k + 1))
        fi
        server_watch
        sleep 0.2
    done
    # Events that a slow machine delayed past the end still happen, at once,
    # so that every run holds what its plan holds.
    for (( ; k < ${#EVENT_AT[@]}; k++ )); do
        note "late: the ${EVENT_KIND[k]} planned at $(( EVENT_AT[k] / 1000 - START_S ))s"
        server_event "${EVENT_KIND[k]}" "${EVENT_ARG[k]}"
    done
    note "time is up; waiting for the clients to finish their last operation"
    for (( i = 0; i < LOOP_GRACE_S * 5; i++ )); do
        alive=0
        for c in $(seq 1 "$CLIENTS"); do
            kill -0 "${C_PID[c]}" 2>/dev/null && alive=$((alive + 1))
        done
        [ "$alive" -gt 0 ] || break
        server_watch
        sleep 0.2
    done
    for c in $(seq 1 "$CLIENTS"); do
        if kill -0 "${C_PID[c]}" 2>/dev/null; then
            failure "client ${C_NAME[c]} hung: still running ${LOOP_GRACE_S}s after the end, in: $(cat "$WORK/ops/${C_NAME[c]}.current")"
            stop_group "${C_PID[c]}" KILL
        else
            wait "${C_PID[c]}" 2>/dev/null
        fi
    done
    LOOP_GROUPS=()
    if [ -s "$WORK/errors/loop-stderr.log" ]; then
        failure "the client loops wrote on stderr: $(head -n 3 "$WORK/errors/loop-stderr.log" | tr '\n' ' ')"
    fi
}

# final_sync I ROUND: syncs client I over the plain link until it exits 0 or 4.
final_sync () {
    local i=$1 t rc=1
    for (( t = 1; t <= FINAL_TRIES; t++ )); do
        timeout -k 5 60 "$US" sync --timeout-ms 2000 --retries 3 --db "${C_DB[i]}" \
            >"$WORK/views/${C_NAME[i]}.sync$2.out" 2>"$WORK/views/${C_NAME[i]}.sync$2.err"
        rc=$?
        printf 'final\t%d\t0\n' "$rc" >>"$WORK/ops/${C_NAME[i]}.tsv"
        went_back "$WORK/views/${C_NAME[i]}.sync$2.err" "${C_NAME[i]}"
        case $rc in
            0|4) return 0 ;;
            3)   sleep 0.5 ;;
            124|137) failure "final sync of ${C_NAME[i]} hung (over 60 s)" ;;
            *)   failure "final sync of ${C_NAME[i]} exited $rc: $(head -c 300 "$WORK/views/${C_NAME[i]}.sync$2.err")" ;;
        esac
    done
    failure "client ${C_NAME[i]} could not finish a sync over the plain link (last exit $rc)"
    return 1
}

# settle: no more faults; every client syncs twice, so every one has pulled
# every other's edits; then the server and proxy stop.
settle () {
    local round i
    proxy_stop
    FAULTS=$(grep '^faultproxy:' "$WORK/proxy.out" | tail -n 1)
    [ -n "$FAULTS" ] || failure "the fault proxy printed no summary"
    note "faults: ${FAULTS#faultproxy: }"
    [ -n "$SERVER_PID" ] || server_start
    proxy_start "$WORK/proxy-plain.out" || return 1
    note "plain proxy on the clients' port; final syncs"
    for round in 1 2; do
        for i in "${IDS[@]}"; do
            final_sync "$i" "$round"
        done
    done
    proxy_stop
    server_term
    note "final syncs done; server stopped"
}

# ---------------------------------------------------------------- checks

# check_integrity: (a) every store is sound, and the server's audit chain.
check_integrity () {
    local db res i
    INTEGRITY_FAILS=0
    for db in "$SRV_DB" "${C_DB[@]}"; do
        res=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
        if [ "$res" != ok ]; then
            INTEGRITY_FAILS=$((INTEGRITY_FAILS + 1))
            failure "integrity_check of $db: $(head -c 300 <<<"$res")"
        fi
    done
    if ! "$USS" audit verify --db "$SRV_DB" >"$WORK/audit.out" 2>&1; then
        INTEGRITY_FAILS=$((INTEGRITY_FAILS + 1))
        failure "audit verify failed: $(tail -n 3 "$WORK/audit.out" | tr '\n' ' ')"
    fi
    for i in "${IDS[@]}"; do
        "$US" status --json --db "${C_DB[i]}" >"$WORK/views/${C_NAME[i]}.status.json" 2>&1
    done
}

# check_data: (b) and (c) in SQL over the ground truth and the server's store;
# prints "name count" lines to check.counts and the offending rows to check.txt.
check_data () {
    local origin=origin_hlc
    cat "$WORK"/truth/c*.tsv >"$WORK/truth.tsv"
    cat "$WORK"/truth/c*.acked >"$WORK/acked.tsv" 2>/dev/null
    rm -f "$WORK/check.db"
    # Stores from before the replica's own clock was kept: the server's clock.
    [ "$(sqlite3 "$SRV_DB" "SELECT COUNT (*) FROM pragma_table_info ('received')
          WHERE name = 'origin_hlc'")" = 1 ] || origin=hlc
    # Acts of the province (enrolment, imports, targets) are records too,
    # from schema 4 on; the checks below are about deltas.
    local deltas=''
    [ "$(sqlite3 "$SRV_DB" "SELECT COUNT (*) FROM pragma_table_info ('received')
          WHERE name = 'kind'")" = 1 ] && deltas='WHERE kind = 0'
    sqlite3 "$WORK/check.db" >"$WORK/check.counts" 2>"$WORK/check.err" <<SQL
.mode tabs
CREATE TABLE truth (n INTEGER, status TEXT, client TEXT, unit TEXT, mon TEXT,
    indicator TEXT, value INTEGER, ts INTEGER, kind TEXT);
.import '$WORK/truth.tsv' truth
-- An edit acknowledged to an office whose store was then put back to an
-- older backup is held by the province alone; if the province's store was
-- put back across the sync that acknowledged it (backup taken before the
-- sync ended, put back after it began), nobody holds it any more: either
-- outcome is accepted, as for a killed command.
CREATE TABLE acked (client TEXT, n INTEGER, t0 INTEGER, t1 INTEGER);
.import '$WORK/acked.tsv' acked
CREATE TABLE putback (b INTEGER, p INTEGER, how TEXT);
.import '$WORK/putbacks.tsv' putback
CREATE TABLE gone AS SELECT a.* FROM acked a WHERE EXISTS (SELECT 1 FROM putback pb
    WHERE pb.b < a.t1 AND pb.p > a.t0);
UPDATE truth SET status = 'maybe' WHERE status = 'ok' AND EXISTS (SELECT 1 FROM gone g
    WHERE g.client = truth.client AND g.n = truth.n);
ATTACH '$SRV_DB' AS s;
CREATE TABLE rep AS SELECT id, name, curve_key FROM s.replicas;
CREATE TABLE rcv AS SELECT id, replica_id AS rid, epoch, seq, unit, indicator, month, value,
    hlc, $origin AS origin_hlc, outcome, reason FROM s.received $deltas;
CREATE TABLE srv AS SELECT u.code AS unit, c.month, i.code AS indicator, c.value
    FROM s.cells c JOIN s.units u ON u.id = c.unit_id JOIN s.indicators i ON i.id = c.ind_id;
CREATE TABLE conf AS SELECT u.code AS unit, c.month, i.code AS indicator, c.winner_value,
    c.winner_replica, c.loser_value, c.loser_replica
    FROM s.conflicts c JOIN s.units u ON u.id = c.unit_id JOIN s.indicators i ON i.id = c.ind_id;
DETACH s;
CREATE TABLE t AS SELECT tr.*, CAST (substr (mon, 1, 4) AS INTEGER) * 12
    + CAST (substr (mon, 6, 2) AS INTEGER) - 1 AS month, rep.id AS rid
    FROM truth tr JOIN rep ON rep.name = tr.client;
CREATE INDEX t_cell ON t (unit, month, indicator, client);
CREATE INDEX t_edit ON t (rid, unit, month, indicator, value);
CREATE INDEX rcv_cell ON rcv (unit, month, indicator, id);
CREATE INDEX rcv_edit ON rcv (rid, unit, month, indicator, value);
CREATE INDEX srv_cell ON srv (unit, month, indicator);

-- (b) every "ok" edit reached the server: a received row of its replica, cell and value
CREATE TABLE missing AS SELECT * FROM t WHERE status = 'ok' AND NOT EXISTS (
    SELECT 1 FROM rcv r WHERE r.rid = t.rid AND r.unit = t.unit AND r.month = t.month
    AND r.indicator = t.indicator AND r.value = t.value);
CREATE TABLE rejected AS SELECT * FROM rcv WHERE outcome = 4;
-- allowed values of a cell: each writer's last "ok" value and its later "maybe" values
CREATE TABLE lastok AS SELECT client, unit, month, indicator, MAX (n) AS n
    FROM t WHERE status = 'ok' GROUP BY 1, 2, 3, 4;
CREATE TABLE allowed AS
    SELECT t.unit, t.month, t.indicator, t.value FROM t JOIN lastok l ON l.client = t.client
        AND l.unit = t.unit AND l.month = t.month AND l.indicator = t.indicator AND l.n = t.n
    UNION
    SELECT t.unit, t.month, t.indicator, t.value FROM t LEFT JOIN lastok l ON l.client = t.client
        AND l.unit = t.unit AND l.month = t.month AND l.indicator = t.indicator
        WHERE t.status = 'maybe' AND (l.n IS NULL OR t.n > l.n);
CREATE INDEX allowed_cell ON allowed (unit, month, indicator, value);
CREATE TABLE cellw AS SELECT unit, month, indicator, COUNT (DISTINCT client) AS writers,
    MAX (status = 'ok') AS definite FROM t GROUP BY 1, 2, 3;
CREATE TABLE wrong AS SELECT w.unit, w.month, w.indicator, w.writers, s.value AS server_value,
    (SELECT group_concat (a.value) FROM allowed a WHERE a.unit = w.unit AND a.month = w.month
        AND a.indicator = w.indicator) AS allowed_values
    FROM cellw w LEFT JOIN srv s ON s.unit = w.unit AND s.month = w.month AND s.indicator = w.indicator
    WHERE CASE WHEN s.value IS NULL THEN w.definite
          ELSE NOT EXISTS (SELECT 1 FROM allowed a WHERE a.unit = w.unit AND a.month = w.month
                           AND a.indicator = w.indicator AND a.value = s.value) END;
CREATE TABLE phantom AS SELECT * FROM srv s WHERE NOT EXISTS (SELECT 1 FROM cellw w
    WHERE w.unit = s.unit AND w.month = s.month AND w.indicator = s.indicator);
-- the server's cells are the replay of its log: the last accepted or winning delta
CREATE TABLE replay AS SELECT * FROM (SELECT s.unit, s.month, s.indicator, s.value,
    (SELECT r.value FROM rcv r WHERE r.unit = s.unit AND r.month = s.month
        AND r.indicator = s.indicator AND r.outcome IN (1, 2) ORDER BY r.id DESC LIMIT 1) AS last_applied
    FROM srv s) WHERE last_applied IS NOT value;
-- every conflict (won or lost) is in the conflicts table with the delta's side
CREATE TABLE unrecorded AS SELECT r.* FROM rcv r JOIN rep ON rep.id = r.rid
    WHERE (r.outcome = 3 AND NOT EXISTS (SELECT 1 FROM conf c WHERE c.unit = r.unit
            AND c.month = r.month AND c.indicator = r.indicator
            AND c.loser_replica = rep.curve_key AND c.loser_value IS r.value))
       OR (r.outcome = 2 AND NOT EXISTS (SELECT 1 FROM conf c WHERE c.unit = r.unit
            AND c.month = r.month AND c.indicator = r.indicator
            AND c.winner_replica = rep.curve_key AND c.winner_value IS r.value));

-- (c) nothing applied twice
CREATE TABLE clockdup AS SELECT rid, hlc, COUNT (*) AS n FROM rcv GROUP BY 1, 2 HAVING n > 1
    UNION ALL SELECT rid, origin_hlc, COUNT (*) AS n FROM rcv GROUP BY 1, 2 HAVING n > 1;
CREATE TABLE excess AS SELECT * FROM (SELECT r.rid, r.unit, r.month, r.indicator, r.value,
    COUNT (*) AS got, (SELECT COUNT (*) FROM t WHERE t.rid = r.rid AND t.unit = r.unit
        AND t.month = r.month AND t.indicator = r.indicator AND t.value = r.value) AS made
    FROM rcv r WHERE r.rid <> 0 GROUP BY 1, 2, 3, 4, 5) WHERE got > made;

.mode list
.separator ' '
SELECT 'truth_edits', COUNT (*) FROM t;
SELECT 'truth_ok', COUNT (*) FROM t WHERE status = 'ok';
SELECT 'truth_maybe', COUNT (*) FROM t WHERE status = 'maybe';
SELECT 'truth_gone', COUNT (*) FROM gone;
SELECT 'truth_unmatched_clients', (SELECT COUNT (*) FROM truth) - (SELECT COUNT (*) FROM t);
SELECT 'received', COUNT (*) FROM rcv;
SELECT 'received_epochs', COUNT (DISTINCT rid || '/' || epoch) - COUNT (DISTINCT rid) FROM rcv;
SELECT 'cells', COUNT (*) FROM cellw;
SELECT 'cells_multi_writer', COUNT (*) FROM cellw WHERE writers > 1;
SELECT 'conflicts', COUNT (*) FROM conf;
SELECT 'missing', COUNT (*) FROM missing;
SELECT 'rejected', COUNT (*) FROM rejected;
SELECT 'wrong', COUNT (*) FROM wrong;
SELECT 'phantom', COUNT (*) FROM phantom;
SELECT 'replay', COUNT (*) FROM replay;
SELECT 'unrecorded', COUNT (*) FROM unrecorded;
SELECT 'clockdup', COUNT (*) FROM clockdup;
SELECT 'excess', COALESCE (SUM (got - made), 0) FROM excess;
SQL
    [ -s "$WORK/check.err" ] && failure "the data check's SQL failed: $(head -c 300 "$WORK/check.err")"
    sqlite3 -header -column "$WORK/check.db" >"$WORK/check.txt" 2>&1 <<'SQL'
SELECT 'ok edits missing from the server (first 20)' AS "";
SELECT client, n, unit, mon, indicator, value, kind FROM missing ORDER BY client, n LIMIT 20;
SELECT 'rejected deltas (first 20)' AS "";
SELECT id, rid, epoch, seq, unit, month, indicator, value, reason FROM rejected LIMIT 20;
SELECT 'cells with a value no writer left there (first 20)' AS "";
SELECT * FROM wrong LIMIT 20;
SELECT 'server cells nobody wrote (first 20)' AS "";
SELECT * FROM phantom LIMIT 20;
SELECT 'cells that differ from the replay of the received log (first 20)' AS "";
SELECT * FROM replay LIMIT 20;
SELECT 'conflicts not recorded (first 20)' AS "";
SELECT id, rid, unit, month, indicator, value, outcome FROM unrecorded LIMIT 20;
SELECT 'one clock twice in received (first 20)' AS "";
SELECT * FROM clockdup LIMIT 20;
SELECT 'received more often than edited (first 20)' AS "";
SELECT * FROM excess LIMIT 20;
SQL
}

# check_held: (e) from the stores alone: every edit an office's history
# holds as answered by the province (by sequence, or for an edit sent again
# under a new epoch by its clock, cell and value) is in the province's
# received log. Independent of the ground truth's "ok" and "maybe"; sets
# UNHELD and writes the offending ranges, per office and epoch, to held.txt.
check_held () {
    local i rid n origin=origin_hlc
    UNHELD=0
    : >"$WORK/held.txt"
    [ "$(sqlite3 "$SRV_DB" "SELECT COUNT (*) FROM pragma_table_info ('received')
          WHERE name = 'origin_hlc'")" = 1 ] || origin=hlc
    for i in "${IDS[@]}"; do
        rid=$(sqlite3 "$SRV_DB" "SELECT id FROM replicas WHERE name = '${C_NAME[i]}'")
        [ -n "$rid" ] || continue
        n=$(sqlite3 -separator ' ' "${C_DB[i]}" "ATTACH '$SRV_DB' AS s;
            CREATE TEMP TABLE unheld AS SELECT h.epoch, h.seq FROM main.history h
            WHERE NOT EXISTS (SELECT 1 FROM s.received r WHERE r.replica_id = $rid
                              AND r.epoch = h.epoch AND r.seq = h.seq)
              AND NOT EXISTS (SELECT 1 FROM s.received r WHERE r.replica_id = $rid
                              AND r.$origin = h.hlc AND r.month = h.month
                              AND r.indicator = h.indicator AND r.value IS h.value);
            SELECT COUNT (*) FROM unheld;
            SELECT '${C_NAME[i]}', 'epoch', epoch, 'seq', MIN (seq) || '..' || MAX (seq),
                   COUNT (*) || ' edits' FROM unheld GROUP BY epoch;" 2>&1) \
            || { failure "the held check of ${C_NAME[i]} failed: $(head -c 200 <<<"$n")"; continue; }
        UNHELD=$(( UNHELD + $(head -n 1 <<<"$n") ))
        tail -n +2 <<<"$n" >>"$WORK/held.txt"
    done
}

# count NAME: a count from check.counts (0 when absent).
count () {
    local v
    v=$(awk -v k="$1" '$1 == k { print $2 }' "$WORK/check.counts")
    echo "${v:-0}"
}

# unit_view_server UNIT: the server's values and cells of UNIT (cached).
unit_view_server () {
    local f=$WORK/views/server.$1
    if [ ! -e "$f.json" ]; then
        "$USS" report 2022 --unit "$1" --format json --db "$SRV_DB" 2>"$f.err" \
            | jq -cS '[.rows[] | {unit, values}]' >"$f.json"
        cells_of "$SRV_DB" "$1" >"$f.cells"
    fi
}

# cells_of DB UNIT: the unit's cells with a value, one "month indicator value" a line.
cells_of () {
    sqlite3 -separator ' ' "$1" "SELECT c.month, i.code, c.value FROM cells c
        JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
        WHERE u.code = '$2' AND c.value IS NOT NULL ORDER BY 1, 2" 2>&1
}

# check_views: (d) each client's figures of its unit equal the server's;
# and nothing is left to send.
check_views () {
    local i name unit f
    MISMATCHED=0
    PENDING=0
    for i in "${IDS[@]}"; do
        name=${C_NAME[i]} unit=${C_UNIT[i]} f=$WORK/views/${C_NAME[i]}
        unit_view_server "$unit"
        "$US" show 2022 --json --db "${C_DB[i]}" 2>"$f.show.err" \
            | jq -cS '[.rows[] | {unit, values}]' >"$f.show.json"
        cells_of "${C_DB[i]}" "$unit" >"$f.cells"
        if ! cmp -s "$f.show.json" "$WORK/views/server.$unit.json" || [ ! -s "$f.show.json" ]; then
            MISMATCHED=$((MISMATCHED + 1))
            note "view mismatch: $name show 2022 != server report 2022 --unit $unit"
            diff "$WORK/views/server.$unit.json" "$f.show.json" | head -n 6 | sed 's/^/    /'
        elif ! cmp -s "$f.cells" "$WORK/views/server.$unit.cells"; then
            MISMATCHED=$((MISMATCHED + 1))
            note "view mismatch: cells of $unit in $name differ from the server's"
            diff "$WORK/views/server.$unit.cells" "$f.cells" | head -n 6 | sed 's/^/    /'
        fi
        local p
        p=$(jq '.pending | length' "$f.status.json" 2>/dev/null)
        if [ "${p:-x}" != 0 ]; then
            PENDING=$((PENDING + ${p:-1}))
            note "$name still has ${p:-?} edits to send after the final syncs"
        fi
    done
}

# ---------------------------------------------------------------- summary

# ops_count KIND RC: operations of KIND with exit code RC ("*" for any).
ops_count () {
    cat "$WORK"/ops/c*.tsv 2>/dev/null | awk -F '\t' -v k="$1" -v r="$2" \
        '$1 == k && (r == "*" || $2 == r) { n++ } END { print n + 0 }'
}

# sync_reasons: the commonest messages of syncs that did not finish, with
# numbers and addresses blanked, most frequent first.
sync_reasons () {
    cat "$WORK"/ops/c*.syncerr 2>/dev/null \
        | awk -F '\t' '{ m = $2; sub(/^unionsync: /, "", m); gsub(/[0-9]+/, "N", m)
                         print "exit " $1 ": " m }' \
        | sort | uniq -c | sort -rn | head -n 4 \
        | awk '{ n = $1; $1 = ""; printf "%s%d x%s", (NR > 1 ? "; " : ""), n, $0 }'
}

# province_figures: the summary's lines on put-back backups and full disks.
province_figures () {
    local warned resent refused noticed f
    warned=$(cat "$WORK"/ops/c*.resent 2>/dev/null | wc -l)
    resent=$(cat "$WORK"/ops/c*.resent 2>/dev/null \
             | sed -n 's/.*: \([0-9][0-9]*\) edits sent again.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
    noticed=$(grep -c 'went back in time' "$WORK/server.log" 2>/dev/null)
    echo "province restores:  $PROVINCE_RESTORED by restore, $PROVINCE_COPIED by file copy" \
         "($PROVINCE_BACKUPS backups taken while serving); received records they lacked: $TAKEN_AWAY;" \
         "offices warned $warned times, edits sent again: $resent; server noticed a copy-back: ${noticed:-0}"
    refused=$(for f in "$WORK"/ops/c*.syncerr; do
                  [ "$f" = "$WORK/ops/c00.syncerr" ] || cat "$f" 2>/dev/null
              done | grep -Ec 'cannot write the store|disk is full|No space left')
    if [ "$FULL_SKIPPED" -gt 0 ]; then
        echo "full disks:         none: $FULL_SKIPPED skipped (no small filesystem could be mounted here)"
    else
        echo "full disks:         $FULL_EPISODES (store on a ${DISK_MB} MB tmpfs); the probe's push refused" \
             "in $PROBE_REFUSED; offices' syncs refused for a full disk: $refused"
    fi
}

# summary: prints the figures and the verdict; sets the exit code.
summary () {
    local unexpected lost dup hist kills ok=1 line
    unexpected=$(cat "$WORK"/errors/c*.log 2>/dev/null | wc -l)
    kills=$(cat "$WORK"/ops/c*.tsv 2>/dev/null | awk -F '\t' '$3 == 1 { n++ } END { print n + 0 }')
    hist=$(cat "$WORK"/ops/c*.tsv 2>/dev/null | awk -F '\t' '$1 == "sync" {
            k = $3 == 1 ? "killed" : $2; h[k]++ } END { for (k in h) printf "%s=%d ", k, h[k] }' \
           | tr ' ' '\n' | sort -n | tr '\n' ' ')
    lost=$(( $(count missing) + $(count rejected) + $(count wrong) + $(count replay) \
             + $(count unrecorded) + PENDING ))
    dup=$(( $(count excess) + $(count clockdup) + $(count phantom) ))
    echo
    echo "================ chaos summary (seed $SEED, ${DURATION}s, kill rate $KILL_RATE)"
    echo "clients:            $CLIENTS (two clerks on $TWO_CLERK_UNIT; restored backup on ${C_NAME[BACKUP_CLIENT]})"
    echo "edits made:         $(count truth_edits) ($(ops_count set '*') sets, $(ops_count import '*') imports)"
    echo "edits returned 0:   $(count truth_ok)"
    echo "maybe-edits:        $(count truth_maybe) (killed commands, unacknowledged edits of the restored office," \
         "and $(count truth_gone) acknowledged ones that both the office and the province lost to backups)"
    echo "syncs:              $(ops_count sync '*') under faults, $(ops_count final '*') final"
    echo "sync exit codes:    $hist"
    echo "sync failures:      $(sync_reasons)"
    echo "kills:              clients=$kills server=$SERVER_KILLED (+$SERVER_TERMED SIGTERM, $SERVER_STARTS starts)"
    echo "faults injected:    ${FAULTS#faultproxy: }"
    province_figures
    echo "server received:    $(count received) deltas, $(count received_epochs) new epochs, $(count conflicts) conflicts, $(count cells) cells ($(count cells_multi_writer) with several writers)"
    echo "integrity failures: $INTEGRITY_FAILS"
    echo "unexpected exits:   $unexpected"
    echo "lost: $lost (ok edits missing $(count missing), rejected $(count rejected), wrong cells $(count wrong), replay $(count replay), unrecorded conflicts $(count unrecorded), left unsent $PENDING)"
    echo "duplicated: $dup (received more than edited $(count excess), same clock twice $(count clockdup), cells nobody wrote $(count phantom))"
    echo "mismatched views: $MISMATCHED"
    echo "not held: $UNHELD (edits that offices hold as answered by the province, missing from its store)"
    if [ "$UNHELD" -gt 0 ]; then
        head -n 10 "$WORK/held.txt" | sed 's/^/    /'
    fi
    if [ "$unexpected" -gt 0 ]; then
        echo "-- unexpected exit codes (first 10):"
        cat "$WORK"/errors/c*.log | head -n 10 | sed 's/^/    /'
    fi
    if [ "$lost" -gt 0 ] || [ "$dup" -gt 0 ]; then
        echo "-- offending rows (check.txt):"
        awk 'NF' "$WORK/check.txt" | head -n 60 | sed 's/^/    /'
    fi
    for line in "${FAILURES[@]}"; do
        echo "failure: $line"
    done
    [ "$lost" -eq 0 ] && [ "$dup" -eq 0 ] && [ "$MISMATCHED" -eq 0 ] && [ "$INTEGRITY_FAILS" -eq 0 ] \
        && [ "$UNHELD" -eq 0 ] \
        && [ "$unexpected" -eq 0 ] && [ ${#FAILURES[@]} -eq 0 ] && [ "$(count truth_edits)" -gt 0 ] || ok=0
    echo "run time: $(( ${EPOCHREALTIME%[.,]*} - START_S ))s; work dir: $WORK"
    if [ "$ok" -eq 1 ]; then
        echo "RESULT: PASS"
        return 0
    fi
    echo "RESULT: FAIL"
    return 1
}

# ---------------------------------------------------------------- main

main () {
    parse_args "$@"
    setup_dirs
    trap cleanup EXIT
    disk_setup
    trap 'exit 143' TERM
    trap 'exit 130' INT
    note "chaos: seed $SEED, $CLIENTS clients, ${DURATION}s, at most $EDITS edits each," \
         "kill rate $KILL_RATE; clients' port $PORT, server port $SPORT; work dir $WORK"
    setup_province
    server_start || exit 1
    proxy_start "$WORK/proxy.out" "${PROXY_FAULTS[@]}" || exit 1
    plan_server_events
    start_clients
    run_timeline
    settle
    note "checking: integrity"
    check_integrity
    note "checking: ground truth against the server"
    check_data
    note "checking: what the offices hold as answered, against the server"
    check_held
    note "checking: views"
    check_views
    summary
}

main "$@"; exit $?
