#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the Criterion unit
# tests and the end-to-end tests, first in a normal build, then under
# AddressSanitizer and UndefinedBehaviorSanitizer, then a short fuzz run of
# each decoder when clang's fuzzer runtime is installed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/install-deps.sh || { echo "test.sh: cannot install dependencies" >&2; exit 1; }

passed=0
failed=0

# Builds into $1 with extra CMake options and runs ctest there.
run_suite () {
    local dir=$1; shift
    echo "== build $dir $*"
    if ! cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >"$dir.cmake.log" 2>&1; then
        cat "$dir.cmake.log"; failed=$((failed + 1)); return
    fi
    if ! make -C "$dir" -j"$(nproc)" >"$dir.make.log" 2>&1; then
        tail -50 "$dir.make.log"; failed=$((failed + 1)); return
    fi
    echo "== test $dir"
    (cd "$dir" && ctest --output-on-failure --timeout 900 -j "$(nproc)") | tee "$dir.ctest.log"
    local p f
    p=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$dir.ctest.log")
    f=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(Failed|Exception|Timeout|Not Run)' "$dir.ctest.log")
    passed=$((passed + p)); failed=$((failed + f))
}

mkdir -p build
run_suite build/test
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build/test-asan -DUS_SANITIZE=ON

if [ -x scripts/fuzz.sh ] && scripts/fuzz.sh --check >/dev/null 2>&1; then
    echo "== fuzz (short)"
    if scripts/fuzz.sh --seconds "${US_FUZZ_SECONDS:-20}"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

echo
echo "unionsync: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
