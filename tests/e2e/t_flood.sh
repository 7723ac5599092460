#!/usr/bin/env bash
# t_flood: one enrolled key floods the province; another office still syncs.
#  1. us-flood sends 1 MB messages as fast as the socket takes them, for
#     12 s, never reading an answer, with Đông Hà's real keys.
#  2. Meanwhile Cam Lộ (a new connection, so a new CURVE handshake and ZAP
#     request) enters a figure and syncs: the sync completes (a generous
#     timeout, no tight timing) and the figure reaches the report.
#  3. The server's peak resident memory stays bounded: the flood is held
#     back by the socket's high-water marks and TCP, not queued in memory.
#  4. The server is still serving after the flood and stops cleanly.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

FLOOD=$BUILD/us-flood
[ -x "$FLOOD" ] || die "us-flood is not built"

# Under AddressSanitizer freed memory is held in a quarantine (256 MB by
# default) before it is reused; keep it small so that what is measured is
# the server's own queueing, and allow for the sanitizer's own bookkeeping.
limit_kb=262144
if [ -n "${ASAN_OPTIONS:-}" ]; then
    export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"
    limit_kb=524288
fi

server_init
server_start
client_init dongha QT.DONGHA
client_init camlo QT.CAMLO

"$FLOOD" "$(cdb dongha)" 12 1048576 >"$WORK/flood.out" 2>&1 &
flood_pid=$!
e2e_track "$flood_pid"
sleep 2

us camlo set QT.CAMLO 2022-03 members.new 44
assert_rc 0 "Cam Lộ enters a figure during the flood"
us camlo sync --timeout-ms 8000 --retries 4
assert_rc 0 "Cam Lộ's sync completes during the flood"

wait "$flood_pid"
e2e_untrack "$flood_pid"
log "flood: $(cat "$WORK/flood.out")"
sent=$(sed -n 's/^sent \([0-9]*\) messages.*/\1/p' "$WORK/flood.out")
assert_le 20 "${sent:-0}" "the flood sent at least 20 MB (messages)"

assert_eq 44 "$(row_value "$(report_json 2022-03)" QT.CAMLO members.new)" "Cam Lộ's figure in the report"

peak_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
log "server peak resident memory: ${peak_kb} kB"
assert_le "$peak_kb" "$limit_kb" "server peak memory under the flood (kB)"

us camlo set QT.CAMLO 2022-04 members.new 12
sync_ok camlo
server_stop
e2e_finish
