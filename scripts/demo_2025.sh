#!/usr/bin/env bash
# The 2025 reorganisation, end to end (scripts/demo.sh --2025): the
# federations of Quảng Bình and Quảng Trị merge on 2025-07-01 into the new
# Quảng Trị's; their district federations end and commune and ward unions
# take over.
# Offices of both provinces enter 2024 and early-2025 figures; the province
# records the reorganisation from data/reorg-2025.csv (dry run first); the
# new commune unions' offices enter the second half of 2025; an old
# district's too-late edit is refused with its successors named; the 2025
# report is compared with 2024's, mapped onto today's units, with the
# mapping footnote. Quảng Bình's federation keeps its own store until the
# merger, when Quảng Trị's absorbs it (`absorb`), audit chain and all.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DUS_TESTS=OFF >/dev/null
make -C build/release -j"$(nproc)" >/dev/null
bin=$root/build/release

work=$(mktemp -d /tmp/unionsync-demo-2025.XXXXXX)
pids=()
cleanup () {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
cd "$work"

# Picks a free TCP port on 127.0.0.1.
. "$root/scripts/free_port.sh"

S="$bin/unionsync-server"
C="$bin/unionsync"
say () { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# serve DB: starts a provincial server on DB; sets server and server_key.
serve () {
    local port
    port=$(free_port)
    server="tcp://127.0.0.1:$port"
    server_key=$(tail -n 1 "$1.init")
    $S serve --bind "$server" --db "$1" --quiet 2> "$1.log" &
    pids+=($!)
    for _ in $(seq 50); do grep -q serving "$1.log" 2>/dev/null && break; sleep 0.1; done
}

# office UNIT DB: creates and enrolls the office of UNIT at the province DB.
office () {
    $C init --unit "$1" --server "$server" --server-key "$server_key" --db "$1.db" > "$1.init"
    $S enroll --unit "$1" --key "$(tail -n 1 "$1.init")" --name "$1 office" --db "$2" >/dev/null
    $C sync --db "$1.db" --quiet >/dev/null
}

say "Two provincial federations, each with its own store"
$S init --province QT --name "Liên đoàn Lao động tỉnh Quảng Trị" --db province.db > province.db.init
$S units import "$root/data/quangtri-units.csv" --db province.db
$S init --province QB --name "Liên đoàn Lao động tỉnh Quảng Bình" --db quangbinh.db > quangbinh.db.init
$S units import "$root/data/quangbinh-units.csv" --db quangbinh.db
$S indicators import "$root/data/indicators.csv" --db quangbinh.db

# enter UNIT FIRST_MONTH LAST_MONTH NEW_PER_MONTH TOTAL_AT_END: a unit's
# new members each month and its members at the end, then a sync.
enter () {
    local unit=$1 y=${2%-*} m=$((10#${2#*-})) last=$((10#${3#*-})) per=$4 total=$5
    {
        echo "unit,month,indicator,value,note"
        for ((; m <= last; m++)); do
            printf '%s,%s-%02d,members.new,%d,\n' "$unit" "$y" "$m" $((per + m % 3))
        done
        printf '%s,%s,members.total,%d,end of period\n' "$unit" "$3" "$total"
    } > "$unit-$2.csv"
    $C import "$unit-$2.csv" --db "$unit.db" >/dev/null
    $C sync --db "$unit.db" --quiet >/dev/null
}

say "Offices of both provinces enter 2024 and January-June 2025"
serve quangbinh.db
for u in QB.DONGHOI QB.BOTRACH QB.LETHUY; do office "$u" quangbinh.db; done
enter QB.DONGHOI 2024-01 2024-12 25 11200
enter QB.BOTRACH 2024-01 2024-12 17 7400
enter QB.LETHUY 2024-01 2024-12 12 5900
enter QB.DONGHOI 2025-01 2025-06 22 11330
enter QB.BOTRACH 2025-01 2025-06 16 7470
enter QB.LETHUY 2025-01 2025-06 11 5950
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
pids=()
serve province.db
for u in QT.DONGHA QT.VINHLINH; do office "$u" province.db; done
enter QT.DONGHA 2024-01 2024-12 21 9850
enter QT.VINHLINH 2024-01 2024-12 14 6120
enter QT.DONGHA 2025-01 2025-06 19 9960
enter QT.VINHLINH 2025-01 2025-06 13 6190
echo "  figures synced from five district offices, to two servers"

say "On 1 July 2025 Quảng Trị's store absorbs Quảng Bình's, audit chain and all"
$S absorb quangbinh.db --db province.db
$S audit verify --db province.db
$S units import "$root/data/communes-2025.csv" --db province.db

say "The reorganisation of 1 July 2025, checked first (dry run)"
cat "$root/data/reorg-2025.csv"
$S units reorganise "$root/data/reorg-2025.csv" --dry-run --db province.db
say "... and recorded"
$S units reorganise "$root/data/reorg-2025.csv" --db province.db
$S units events --db province.db

say "The district offices pull the change; a late June figure is accepted, an August one refused"
$C sync --db QT.DONGHA.db --quiet
$C set QT.DONGHA 2025-06 cdcs.new 2 --note "two unions founded in June, reported late" --db QT.DONGHA.db
$C sync --db QT.DONGHA.db --quiet >/dev/null
$C set QT.DONGHA 2025-08 cdcs.new 1 --db QT.DONGHA.db || true

say "The commune and ward unions' offices enter July-December 2025"
for u in QT.P.DONGHA QT.P.NAMDONGHA QT.X.VINHLINH QT.X.CUATUNG QT.P.DONGHOI QT.P.DONGTHUAN \
         QT.X.BOTRACH QT.X.LETHUY; do
    office "$u" province.db
done
enter QT.P.DONGHA 2025-07 2025-12 11 5510
enter QT.P.NAMDONGHA 2025-07 2025-12 9 4500
enter QT.X.VINHLINH 2025-07 2025-12 9 4350
enter QT.X.CUATUNG 2025-07 2025-12 4 1870
enter QT.P.DONGHOI 2025-07 2025-12 13 6830
enter QT.P.DONGTHUAN 2025-07 2025-12 9 4560
enter QT.X.BOTRACH 2025-07 2025-12 16 7520
enter QT.X.LETHUY 2025-07 2025-12 11 5990
echo "  figures synced from eight commune and ward offices"

say "The report of 2025 against 2024, on today's units"
$S report 2025 --compare --db province.db
say "The same in Vietnamese"
$S report 2025 --compare --format vi --db province.db | tee report-2025-vi.txt
$S report 2025 --compare --format json --db province.db > report-2025.json
$S report 2025 --format html --db province.db > report-2025.html
echo
echo "written: $work/report-2025.html, $work/report-2025-vi.txt, $work/report-2025.json"
