#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang, writes their
# seed corpora, and runs each target for a while.
#
#   scripts/fuzz.sh [--seconds N]   build into build/fuzz and run each target
#                                   N seconds (default 60); exit 1 if any crashed
#   scripts/fuzz.sh --check         exit 0 only when clang and its libFuzzer
#                                   runtime work (prints nothing)
#
# The whole project is compiled with coverage instrumentation, AddressSanitizer
# and UndefinedBehaviorSanitizer, so the fuzzers see (and check) the library
# code, not only their own file. Everything generated stays under build/fuzz:
# seeds/<target> (rewritten each run), corpus/<target> (what libFuzzer found;
# kept between runs), crashes/<target>, logs/<target>.log and tmp/.
# Environment: US_FUZZ_CC (default clang), US_FUZZ_JOBS (make -j),
# US_FUZZ_ARGS (extra libFuzzer flags), and what the targets read
# (tests/fuzz/README.md: US_FUZZ_CLOCK_CHECK, ...).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cc=${US_FUZZ_CC:-clang}

usage () {
    echo "usage: scripts/fuzz.sh [--seconds N] [--check]" >&2
    exit 2
}

seconds=60
check=0
while [ $# -gt 0 ]; do
    case $1 in
        --seconds)   [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
        --seconds=*) seconds=${1#--seconds=}; shift ;;
        --check)     check=1; shift ;;
        -h|--help)   sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *)           usage ;;
    esac
done
case $seconds in ''|*[!0-9]*) usage ;; esac
[ "$seconds" -gt 0 ] || usage

# Returns 0 when $cc can build and run a trivial libFuzzer target.
fuzzer_usable () {
    command -v "$cc" >/dev/null 2>&1 || return 1
    local dir rc
    dir=$(mktemp -d "${TMPDIR:-/tmp}/us-fuzz-check.XXXXXX") || return 1
    cat >"$dir/t.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return size > 0 && data [0] == 0xff ? 0 : 0;
}
EOF
    "$cc" -g -fsanitize=fuzzer,address,undefined "$dir/t.c" -o "$dir/t" >/dev/null 2>&1 \
        && "$dir/t" -runs=16 >/dev/null 2>&1
    rc=$?
    rm -rf "$dir"
    return $rc
}

if [ $check = 1 ]; then
    fuzzer_usable
    exit $?
fi

if ! fuzzer_usable; then
    echo "fuzz.sh: $cc cannot build libFuzzer targets (apt-get install clang libclang-rt-14-dev)" >&2
    exit 1
fi

build=$root/build/fuzz
mkdir -p "$build"
# A cache from another compiler cannot be reused: start that build over.
if [ -f "$build/CMakeCache.txt" ] \
   && ! grep -q "^CMAKE_C_COMPILER:[A-Z]*=.*$(basename "$cc")" "$build/CMakeCache.txt"; then
    rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
fi

echo "== fuzz: build $build"
if ! CC=$cc cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
        -DUS_FUZZ=ON -DUS_TESTS=ON -DUS_SANITIZE=ON \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >"$build/cmake.log" 2>&1; then
    cat "$build/cmake.log" >&2
    echo "fuzz.sh: cmake failed" >&2
    exit 1
fi

targets=()
for src in "$root"/tests/fuzz/fuzz_*.c; do
    [ -e "$src" ] || continue
    targets+=("$(basename "$src" .c)")
done
if [ ${#targets[@]} -eq 0 ]; then
    echo "fuzz.sh: no tests/fuzz/fuzz_*.c targets" >&2
    exit 1
fi

jobs=${US_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
if ! make -C "$build" -j"$jobs" "${targets[@]}" >"$build/make.log" 2>&1; then
    tail -40 "$build/make.log" >&2
    echo "fuzz.sh: build failed (full log: $build/make.log)" >&2
    exit 1
fi

# The seed corpus generator, against the libraries just built.
seeds=$build/seeds
rm -rf "$seeds"
# shellcheck disable=SC2046
if ! "$cc" -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Werror -fsanitize=address,undefined \
        -I"$root/common" -I"$root/tests/fuzz" "$root/tests/fuzz/make_corpus.c" \
        "$build/libus_common.a" "$build/libus_proto.a" $(pkg-config --libs libprotobuf-c) \
        -o "$build/make_corpus" >"$build/make_corpus.log" 2>&1 \
   || ! "$build/make_corpus" "$seeds/fuzz_codec" "$seeds/fuzz_handler" >>"$build/make_corpus.log" 2>&1; then
    cat "$build/make_corpus.log" >&2
    echo "fuzz.sh: cannot write the seed corpus" >&2
    exit 1
fi

rm -rf "$build/tmp"       # what crashed runs left behind
mkdir -p "$build/logs" "$build/tmp"
failed=0
summary=()
for t in "${targets[@]}"; do
    exe=$(find "$build" -name "$t" -type f -perm -u+x | head -n 1)
    if [ -z "$exe" ]; then
        echo "fuzz.sh: $t was not built" >&2
        failed=1
        continue
    fi
    corpus=$build/corpus/$t
    crashes=$build/crashes/$t
    log=$build/logs/$t.log
    mkdir -p "$corpus" "$crashes" "$seeds/$t"
    dirs=("$corpus" "$seeds/$t")
    [ -d "$root/tests/fuzz/corpus/$t" ] && dirs+=("$root/tests/fuzz/corpus/$t")
    dict=()
    [ -f "$root/tests/fuzz/$t.dict" ] && dict=(-dict="$root/tests/fuzz/$t.dict")

    echo "== fuzz: $t for ${seconds}s"
    # shellcheck disable=SC2086
    TMPDIR=$build/tmp \
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$exe" -max_len=65536 -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 \
               -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" \
               ${US_FUZZ_ARGS:-} "${dirs[@]}" >"$log" 2>&1
    rc=$?

    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -n 1)
    if [ -z "$runs" ]; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    fi
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    rate=""
    [ -n "$runs" ] && [ -n "$secs" ] && [ "$secs" -gt 0 ] && rate=" ($((runs / secs))/s)"
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)

    if [ $rc -eq 0 ] && [ -z "$artifact" ]; then
        line="$t: ${runs:-?} runs in ${secs:-?}s${rate}, cov ${cov:-?}, no crash"
    else
        failed=1
        line="$t: CRASH after ${runs:-?} runs (exit $rc), cov ${cov:-?}"
        echo "---- $t: end of $log"
        # The sanitizer's report or the failed check, with its stack.
        first=$(grep -n -m1 -E '^==[0-9]+==ERROR|runtime error:|check failed|deadly signal|ERROR: libFuzzer' \
                "$log" | cut -d: -f1)
        if [ -n "$first" ]; then
            sed -n "$((first > 5 ? first - 5 : 1)),$((first + 60))p" "$log"
        else
            tail -60 "$log"
        fi
        echo "----"
        if [ -n "$artifact" ]; then
            line="$line; input: $artifact"
            echo "$t: crashing input: $artifact"
            echo "$t: reproduce with: $exe $artifact"
        else
            line="$line; no input saved (see $log)"
        fi
    fi
    echo "$line"
    summary+=("$line")
done

echo
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $failed
