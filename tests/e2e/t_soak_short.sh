#!/usr/bin/env bash
# t_soak_short: the soak's province disasters, short.
#  A run of tests/chaos/chaos.sh with 6 offices for 30 s under link faults
#  and 5% of the client commands killed, in which the province also meets
#  each of its own troubles once, in an order the seed picks: a SIGKILL, a
#  SIGTERM, a backup taken while serving and put back with `restore` (tried
#  first while the server runs: refused), another put back by a plain file
#  copy (the server notices from the offices' Hello), and a full disk (the
#  store on a tmpfs of its own, filled while the offices push, then freed;
#  skipped where no filesystem can be mounted). Then: nothing acknowledged
#  lost (an edit a put-back took away must come back from its office),
#  nothing doubled, every office's view equal to the server's. A fixed
#  seed (CHAOS_SEED picks another); the checks hold whatever the timing.
#  About 45 s.
#
# usage: t_soak_short.sh BUILD_DIR [WORK_DIR] [PORT]   (run.sh passes all three)

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [WORK_DIR] [PORT]" >&2
    exit 2
fi
args=("$1" --clients 6 --seconds 30 --edits 150 --kill-rate 0.05 --server-kills 1
      --province-restores 1 --copy-backs 1 --full-disks 1 --full-disk-ms 3000
      --seed "${CHAOS_SEED:-2026}")
[ -z "${2:-}" ] || args+=(--work "$2")
[ -z "${3:-}" ] || args+=(--port "$3")
out=$(bash "$here/../chaos/chaos.sh" "${args[@]}")
rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || exit "$rc"
# The episodes the plan holds did happen (a run that skipped them proves nothing).
grep -q '^province restores:  1 by restore, 1 by file copy (2 backups' <<<"$out" \
    || { echo "FAIL: the province was not put back once by restore and once by copy"; exit 1; }
if ! grep -q '^full disks:         none' <<<"$out"; then
    grep -q '^full disks:         1 ' <<<"$out" || { echo "FAIL: no full disk happened"; exit 1; }
fi
echo "t_soak_short: ok"
