#!/usr/bin/env bash
# run.sh BUILD_DIR [NAME...]: runs the unionsync end-to-end tests.
#
# Every tests/e2e/t_*.sh (or only the named ones, e.g. t_conflict) runs as
# `bash t_x.sh BUILD_DIR WORK_DIR PORT` with a fresh temp dir and a free TCP
# port, under a time limit. Prints one line per test (ok / FAIL name), the log
# of each failing test, and last the line "N passed, M failed". Exits 0 only
# if every test passed. A test that leaves a process running fails. A test
# that exits 77 could not run here (a tool is missing): it prints "skip"
# with its reason, and when it is the only test run, run.sh exits 77 too.
# E2E_KEEP=1 keeps the temp dirs; E2E_TIMEOUT sets the limit per test (s).

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"

if [ $# -lt 1 ] || ! [ -d "$1" ]; then
    echo "usage: run.sh BUILD_DIR [TEST_NAME...]" >&2
    echo "0 passed, 1 failed"
    exit 2
fi
build=$(cd "$1" && pwd)
shift
limit=${E2E_TIMEOUT:-150}

tests=()
if [ $# -gt 0 ]; then
    for name in "$@"; do
        tests+=("$here/${name%.sh}.sh")
    done
else
    tests=("$here"/t_*.sh)
fi

# leftovers WORK_DIR: prints the pids a test started that are still alive.
leftovers () {
    local pid
    [ -f "$1/.pids" ] || return 0
    while read -r pid; do
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
    done <"$1/.pids"
}

passed=0
failed=0
skipped=0
for test in "${tests[@]}"; do
    name=$(basename "$test" .sh)
    work=$(mktemp -d "${TMPDIR:-/tmp}/us-e2e-$name.XXXXXX")
    port=$(free_port)
    start=$SECONDS
    timeout -k 5 "$limit" bash "$test" "$build" "$work" "$port" >"$work/test.log" 2>&1
    rc=$?
    took=$((SECONDS - start))
    [ "$rc" -ne 124 ] || echo "TIMEOUT: the test ran longer than ${limit}s" >>"$work/test.log"
    left=$(leftovers "$work")
    if [ -n "$left" ]; then
        echo "LEFT RUNNING: processes $(echo $left) ($(ps -o comm= -p "$(echo $left | tr ' ' ,)" | tr '\n' ' '))" >>"$work/test.log"
        for pid in $left; do
            kill -KILL "$pid" 2>/dev/null
        done
        rc=1
    fi
    if [ "$rc" -eq 77 ]; then
        skipped=$((skipped + 1))
        echo "skip $name: $(grep -m1 '^skipped' "$work/test.log")"
    elif [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "ok   $name (${took}s)"
    else
        failed=$((failed + 1))
        echo "FAIL $name (${took}s, exit $rc)"
        sed 's/^/    | /' "$work/test.log"
        [ -z "${E2E_KEEP:-}" ] || echo "    (files kept in $work)"
    fi
    [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
done

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || [ "$passed" -gt 0 ] || exit 77
exit 0
