#!/usr/bin/env bash
# A sync whose Hello the province answered before its store was put back
# from a backup, and whose later messages reach the put-back store, loses
# nothing: the put-back store refuses a Push or a Pull from an office it
# acknowledged more to than it holds, the office says hello again within
# the same sync, the store notices it went back, and the office sends the
# lost edits again. The sync warns and exits 0; after it the province holds
# every edit of the office, with no gap in its sequence. Once with the
# backup copied back by hand, once with `unionsync-server restore`.
#
# The timing is pinned, not raced: the office and the province are frozen
# together (SIGSTOP) as soon as the office has settled the province's
# answer to its first batch, so that it knows of edits the backup lacks;
# the province then dies as in a power cut (SIGKILL), so that no message
# still in flight is answered by the store that goes away. The office has
# 5,184 edits to send, 11 batches: it is frozen long before its sync ends,
# and the test stops if it was not.
source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# many_edits UNIT FILE: a CSV of 5,184 distinct figures of UNIT.
many_edits () {
    local unit=$1 csv=$2 y m ind v=0
    echo 'unit,month,indicator,value' >"$csv"
    for y in $(seq 1990 2025); do for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
        for ind in members.new cdcs.new cla.signed propaganda.sessions propaganda.attendees \
                   training.classes training.attendees dialogues.held party.introduced \
                   commended.chairs commended.province bulletin.copies; do
            v=$((v % 900 + 1)); echo "$unit,$y-$m,$ind,$v"; done; done; done >>"$csv"
}

# held NAME: the office's edits the province holds, "count min max".
held () {
    sqlite3 "$SRV_DB" "SELECT COUNT(*), MIN(seq), MAX(seq) FROM received r JOIN replicas p
                       ON p.id = r.replica_id WHERE p.name = '$1'" | tr '|' ' '
}

# span NAME UNIT MODE: the office's sync spans a put-back of the backup
# taken after its first edit (MODE copy or restore).
span () {
    local name=$1 unit=$2 mode=$3 csv=$WORK/$1.csv
    us "$name" set "$unit" 2022-01 members.new 10; sync_ok "$name"
    rm -f "$WORK/backup-$name.db"
    uss backup "$WORK/backup-$name.db"; assert_rc 0 "backup while serving ($mode)"
    many_edits "$unit" "$csv"
    us "$name" import "$csv"; assert_rc 0 "import ($mode)"
    local n=$(( $(wc -l <"$csv") - 1 ))
    local before
    before=$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received")
    "$US" sync --timeout-ms 2000 --retries 6 --db "$(cdb "$name")" \
        >"$WORK/span-$name.out" 2>"$WORK/span-$name.err" &
    local pid=$! i waiting=$n
    e2e_track "$pid"
    for i in $(seq 1 2000); do
        waiting=$(sqlite3 -cmd ".timeout 5000" "$(cdb "$name")" "SELECT COUNT(*) FROM outbox" 2>/dev/null)
        [ "${waiting:-$n}" -lt "$n" ] && break
        sleep 0.005
    done
    # One pid at a time: bash's kill succeeds when any of its pids does.
    kill -STOP "$pid" 2>/dev/null \
        || die "the sync ended before it could be interrupted ($mode); it said: $(tail -n 3 "$WORK/span-$name.out" "$WORK/span-$name.err" | tr '\n' ' ')"
    kill -STOP "$SERVER_PID"
    local got
    waiting=$(sqlite3 -cmd ".timeout 5000" "$(cdb "$name")" "SELECT COUNT(*) FROM outbox")
    got=$(sqlite3 -cmd ".timeout 5000" "$SRV_DB" "SELECT COUNT(*) FROM received")
    [ "$waiting" -lt "$n" ] || die "the office settled no batch in 10 s ($mode); the sync said: $(tail -n 3 "$WORK/span-$name.out" "$WORK/span-$name.err" | tr '\n' ' ')"
    [ "$waiting" -gt 0 ] || die "the push ended before it could be interrupted ($mode)"
    log "office $name frozen with $waiting edits unsent, the province took $((got - before))"
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null
    e2e_untrack "$SERVER_PID"
    SERVER_PID=''
    if [ "$mode" = restore ]; then
        uss restore "$WORK/backup-$name.db"; assert_rc 0 "restore"
    else
        cp "$WORK/backup-$name.db" "$SRV_DB"; rm -f "$SRV_DB-wal" "$SRV_DB-shm"
    fi
    server_start
    kill -CONT "$pid"
    wait "$pid"; local rc=$?
    e2e_untrack "$pid"
    assert_eq 0 "$rc" "the sync spanning the put-back ($mode) exits 0: $(tail -n 1 "$WORK/span-$name.err")"
    assert_match 'went back in time' "$(cat "$WORK/span-$name.err")" \
        "the spanning sync ($mode) warns that the province went back"
    assert_eq "$((n + 1)) 1 $((n + 1))" "$(held "$name")" \
        "the province holds every edit of $name, seqs 1..$((n + 1)) ($mode)"
    assert_eq 0 "$(sqlite3 "$(cdb "$name")" "SELECT COUNT(*) FROM outbox")" \
        "nothing waits at $name ($mode)"
    sync_ok "$name"
    assert_eq "$((n + 1)) 1 $((n + 1))" "$(held "$name")" "a later sync changes nothing ($mode)"
    local sum_srv sum_office
    sum_srv=$(sqlite3 "$SRV_DB" "SELECT COUNT(*), SUM(c.value) FROM cells c JOIN units u
                                 ON u.id = c.unit_id WHERE u.code = '$unit'")
    sum_office=$(sqlite3 "$(cdb "$name")" "SELECT COUNT(*), SUM(c.value) FROM cells c JOIN units u
                                 ON u.id = c.unit_id WHERE u.code = '$unit' AND c.value IS NOT NULL")
    assert_eq "$sum_srv" "$sum_office" "office $name and the province hold the same figures ($mode)"
}

server_init
server_start
client_init a QT.DONGHA
client_init b QT.GIOLINH
span a QT.DONGHA copy
assert_match 'went back in time' "$(cat "$SRV_LOG")" "the province noticed the copy put back"
span b QT.GIOLINH restore
uss audit verify
assert_rc 0 "the audit chain verifies after both put-backs"
server_stop
e2e_finish
