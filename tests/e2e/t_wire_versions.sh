#!/usr/bin/env bash
# t_wire_versions: offices are never all upgraded on one day.
#  - by default the server accepts wire 1 (an office not yet upgraded: its
#    Hello, and its Push signed the old way, over a re-encoding) beside
#    wire 2 (a Push carries its batch as bytes, signed as they are), and
#    answers each in its own wire; a bad wire-1 signature is still refused;
#  - each batch is kept as its signed bytes: the wire-2 one exactly as sent;
#    `audit verify` checks both kinds;
#  - a batch of 800 KB of empty deltas gets an Error, in either wire;
#  - with `serve --min-wire 2` a wire-1 request gets one Error saying
#    "upgrade unionsync" (in wire 1, which that office reads), nothing of it
#    is applied, and upgraded offices sync on;
#  - `serve --min-wire` with a version the server does not know is a usage
#    error (exit 2, one line).

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
RAW=$BUILD/us-rawpeer
[ -x "$RAW" ] || die "us-rawpeer is not built"

# server_start_with ARGS...: server_start, with extra options for serve.
server_start_with () {
    : >"$SRV_LOG.$#"
    "$USS" serve --bind "$ENDPOINT" --db "$SRV_DB" "$@" 2>>"$SRV_LOG.$#" &
    SERVER_PID=$!
    e2e_track "$SERVER_PID"
    local i
    for i in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "server exited at start: $(tail -n 3 "$SRV_LOG.$#")"
        if grep -q 'serving' "$SRV_LOG.$#" && [ -n "$(ss -Htln "( sport = :$PORT )")" ]; then
            return 0
        fi
        sleep 0.05
    done
    die "server not ready on $ENDPOINT after 5 s"
}

# raw NAME MODE [--wire N]: one request from client NAME's keys; sets OUT, RC
# and SIGNED (the hex of a Push's signed bytes, when it sent one).
raw () {
    local name=$1
    shift
    OUT=$("$RAW" "$(cdb "$name")" "$@" 2>"$WORK/raw.err")
    RC=$?
    SIGNED=$(sed -n 's/^signed bytes //p' "$WORK/raw.err")
    log "rawpeer $*: rc=$RC $OUT"
}

# kept: the hex of the newest batch's kept bytes.
kept () { sqlite3 "$SRV_DB" "SELECT hex (bytes) FROM batches ORDER BY id DESC LIMIT 1"; }

server_init
server_start
client_init old QT.DONGHA          # speaks wire 1 through us-rawpeer
client_init new QT.VINHLINH        # the upgraded unionsync

# Wire 1 is accepted by default, and answered in wire 1.
raw old hello --wire 1
assert_rc 0 "wire-1 hello answered"
assert_match '^welcome \[wire 1\]$' "$OUT" "wire-1 hello gets a wire-1 welcome"
assert_match 'office of QT.DONGHA \(old\) still speaks wire 1' "$(cat "$SRV_LOG")" \
    "the server log names the offices still on wire 1"
raw old push --wire 1
assert_match '^push-ack accepted accepted \[wire 1\]$' "$OUT" "wire-1 push accepted"
assert_match '^0801' "$(kept)" "a wire-1 batch is kept as its signed Envelope"
assert_eq "$SIGNED" "$(kept)" "the wire-1 signed bytes, re-encoded by the server"
raw old badsig --wire 1
assert_match '^error: .*signature.*\[wire 1\]$' "$OUT" "a bad wire-1 signature is refused"
assert_eq 5 "$(row_value "$(report_json 2022-05)" QT.DONGHA members.new)" "the wire-1 figure"

# Wire 2: the upgraded client, and a raw Push whose bytes are kept as sent.
us new set QT.VINHLINH 2022-05 members.new 17
sync_ok new
assert_eq 17 "$(row_value "$(report_json 2022-05)" QT.VINHLINH members.new)" "the wire-2 figure"
assert_match '^0802' "$(kept)" "a wire-2 batch is kept as a Batch"
raw old foreign
assert_match '^push-ack rejected: .* rejected: .*\[wire 2\]$' "$OUT" "wire-2 push of another unit"
assert_eq "$SIGNED" "$(kept)" "the wire-2 batch is kept byte for byte as sent"
raw old badsig
assert_match '^error: .*signature.*\[wire 2\]$' "$OUT" "a bad wire-2 signature is refused"

# 800 KB of empty deltas: one Error, in either wire (in wire 1, which every
# office reads, as for any request the server cannot read); the server
# stays up.
for w in 1 2; do
    raw old empty --wire $w
    assert_match '^error: .*more than 20000 deltas.*\[wire 1\]$' "$OUT" "empty deltas, wire $w"
done
kill -0 "$SERVER_PID" || die "server died"

uss audit verify
assert_rc 0 "audit verify over batches of both wires"
assert_match '[1-9][0-9]* signed batches verified' "$(cat "$WORK/.out")" "audit verify counts batches"

# The province turns wire 1 off.
server_stop
server_start_with --min-wire 2
before=$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received")
raw old hello --wire 1
assert_rc 0 "a refused wire-1 hello still gets an answer"
assert_match '^error: .*speaks wire 1.*upgrade unionsync \[wire 1\]$' "$OUT" \
    "wire-1 hello refused in words its office reads"
raw old push --wire 1
assert_match '^error: .*upgrade unionsync \[wire 1\]$' "$OUT" "wire-1 push refused"
assert_eq "$before" "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received")" \
    "nothing of a refused wire-1 push is recorded"
raw old hello
assert_match '^welcome \[wire 2\]$' "$OUT" "the same office, upgraded, is welcome"
us new set QT.VINHLINH 2022-06 members.new 4
sync_ok new
assert_eq 4 "$(row_value "$(report_json 2022-06)" QT.VINHLINH members.new)" "upgraded office syncs"
server_stop

# A version the server does not know.
for bad in 3 0 x; do
    run "$USS" serve --bind "$ENDPOINT" --db "$SRV_DB" --min-wire "$bad"
    assert_rc 2 "serve --min-wire $bad"
    assert_one_stderr_line "serve --min-wire $bad"
    assert_match 'min-wire' "$(cat "$WORK/.err")" "the error names --min-wire"
done
e2e_finish
