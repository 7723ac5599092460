#!/usr/bin/env bash
# t_chaos: nothing lost, nothing doubled, under link faults and crashes.
#  A short run of tests/chaos/chaos.sh: 6 offices (two clerks on Triệu Phong)
#  edit and sync for 40 s through us-faultproxy (cuts, delays, stalls, drops,
#  duplicated connections); 10% of the client commands are killed with
#  SIGKILL midway; the server is killed with SIGKILL and restarted 3 times
#  and stopped once with SIGTERM; one office's store is restored from a
#  backup. Then every edit that returned 0 must be on the server exactly once
#  with the right final figures, every store must pass integrity_check, and
#  every office must show the server's figures of its unit. A fixed seed;
#  CHAOS_SEED picks another. About 60 s in all (75 s under
#  AddressSanitizer on a busy machine; run.sh allows 90 s).
#
# usage: t_chaos.sh BUILD_DIR [WORK_DIR] [PORT]   (run.sh passes all three)

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [WORK_DIR] [PORT]" >&2
    exit 2
fi
args=("$1" --clients 6 --seconds 40 --edits 150 --kill-rate 0.1 --seed "${CHAOS_SEED:-2022}")
[ -z "${2:-}" ] || args+=(--work "$2")
[ -z "${3:-}" ] || args+=(--port "$3")
exec bash "$here/../chaos/chaos.sh" "${args[@]}"
