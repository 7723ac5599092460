#!/usr/bin/env bash
# soak.sh: the long fault and crash run of unionsync.
#
# usage: scripts/soak.sh [--no-build] [chaos.sh options]
#
# Installs what is missing (scripts/install-deps.sh), builds the three
# binaries with RelWithDebInfo into build/soak, and runs tests/chaos/chaos.sh
# with 50 offices for 10 minutes, up to 300 edits each (thousands in all),
# 5% of the client commands killed midway, the server killed and restarted
# and stopped once, one office's store restored from a backup, the
# province's store put back from a backup taken while serving twice with
# `restore` and once by a plain file copy, and three full disks of 8 s at
# the province (its store on a tmpfs of its own; as root). Any chaos.sh
# option given here overrides these defaults, e.g.
#   scripts/soak.sh --clients 20 --seconds 300 --seed 7
#   scripts/soak.sh --province-restores 0 --copy-backs 0 --full-disks 0
# The seed is random unless given; it is printed for a rerun. The run's
# files stay in build/soak/run-DATE (or --work DIR). Prints the summary;
# exits with chaos.sh's code (0 only when nothing was lost or doubled).

set -u

cd "$(dirname "$0")/.." || exit 1
root=$PWD
build_dir=$root/build/soak

do_build=1
if [ "${1:-}" = --no-build ]; then
    do_build=0
    shift
fi

# build_binaries: the client, the server and the fault proxy, nothing else.
build_binaries () {
    scripts/install-deps.sh || { echo "soak.sh: cannot install dependencies" >&2; return 1; }
    mkdir -p "$build_dir"
    echo "== build $build_dir (RelWithDebInfo)"
    cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build_dir.cmake.log" 2>&1 \
        || { cat "$build_dir.cmake.log"; return 1; }
    make -C "$build_dir" -j"$(nproc)" unionsync unionsync-server us-faultproxy >"$build_dir.make.log" 2>&1 \
        || { tail -n 40 "$build_dir.make.log"; return 1; }
}

if [ "$do_build" -eq 1 ]; then
    build_binaries || exit 1
fi
# The options given win: chaos.sh takes the last value of each.
seed=$(( $(date +%s) % 100000 ))
work=$build_dir/run-$(date +%Y%m%d-%H%M%S)
args=("$@")
for (( i = 0; i + 1 < ${#args[@]}; i++ )); do
    case ${args[i]} in
        --seed) seed=${args[i + 1]} ;;
        --work) work=${args[i + 1]} ;;
    esac
done
echo "== soak: seed $seed, files in $work"
exec bash "$root/tests/chaos/chaos.sh" "$build_dir" --clients 50 --seconds 600 --edits 300 \
    --kill-rate 0.05 --province-restores 2 --copy-backs 1 --full-disks 3 --full-disk-ms 8000 \
    --seed "$seed" --work "$work" "$@"
