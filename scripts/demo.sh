#!/usr/bin/env bash
# The Quảng Trị provincial federation, first half of 2022, end to end:
# a provincial server with its 14 district and sector unions; each union's
# office enters its figures offline before any server runs; the offices sync
# through a link that cuts a third of the connections; two clerks of Triệu
# Phong edit the same figure; 13 of the 14 units submit; the calendar counts
# them on time or late against the schedules' deadlines; the province prints
# the consolidated report against its targets.
# With --keep the province keeps running at the end and one office's desk
# (`unionsync ui`) is started; its address is printed for a person to open,
# with the province desk's (`unionsync-server ui`) and a demo account.
# With --2025 it shows the 2025 reorganisation instead (scripts/demo_2025.sh).
set -euo pipefail
[ "${1:-}" = --2025 ] && exec "$(dirname "$0")/demo_2025.sh"
keep=0
[ "${1:-}" = --keep ] && keep=1
cd "$(dirname "$0")/.."
root=$PWD

scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DUS_TESTS=OFF >/dev/null
make -C build/release -j"$(nproc)" >/dev/null
bin=$root/build/release

work=$(mktemp -d /tmp/unionsync-demo.XXXXXX)
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

say "The province sets up its store, units and targets"
$S init --province QT --name "Liên đoàn Lao động tỉnh Quảng Trị" --db province.db > init.out
server_key=$(tail -n 1 init.out)
$S units import "$root/data/quangtri-units.csv" --db province.db
$S target set QT members.new 2022-H1 1980 --source province --db province.db
$S target set QT members.new 2022 3700 --source tld --db province.db
$S target set QT cdcs.new 2022 20 --source committed --db province.db
$S target set QT.TRIEUPHONG members.new 2022-H1 150 --db province.db
# Its reporting schedules (monthly figures, the six-month and the year
# reports, each with its deadline) reach every office with the catalog.
$S schedules import "$root/data/schedules.csv" --db province.db

server_port=$(free_port)
link_port=$(free_port)

# Each unit's figures for January to June 2022: new members, grassroots
# unions founded, collective agreements, propaganda sessions and attendees,
# dialogues, chairpersons commended; and at the end of June the enterprise
# unions with 10+ workers and those with an agreement.
units=(DONGHA QUANGTRI VINHLINH GIOLINH CAMLO TRIEUPHONG HAILANG HUONGHOA DAKRONG
       CDN.GIAODUC CDN.YTE CDN.XAYDUNG CDN.CONGTHUONG CDVC)
members=(260 95 180 150 110 140 150 165 61 120 115 130 85 140)
founded=(5 2 3 3 2 3 3 3 1 0 1 3 2 0)
agreements=(5 2 3 3 2 3 3 2 1 1 2 3 2 1)
sessions=(24 10 18 16 12 15 16 20 8 20 15 14 12 12)
attendees=(1560 640 1170 1050 780 980 1040 1300 520 1300 975 910 780 575)
dialogues=(2 1 1 1 1 1 1 1 0 0 1 1 1 0)
commended=(55 20 40 38 30 36 38 42 16 60 45 40 36 35)
eligible=(40 12 20 18 14 18 20 22 8 10 12 24 20 12)
with_cla=(39 12 19 17 13 17 19 21 8 10 12 23 19 11)

# Writes one unit's six months as CSV: a total split over the months.
split () {
    local unit=$1 ind=$2 total=$3 m share
    for m in 1 2 3 4 5 6; do
        share=$((total / 6))
        [ "$m" -eq 6 ] && share=$((total - 5 * (total / 6)))
        echo "$unit,2022-0$m,$ind,$share"
    done
}

say "Fourteen offices enter their figures offline (no server is running yet)"
for i in "${!units[@]}"; do
    u=QT.${units[$i]}
    $C init --unit "$u" --server "tcp://127.0.0.1:$link_port" --server-key "$server_key" \
        --db "$u.db" > "$u.init"
    $S enroll --unit "$u" --key "$(tail -n 1 "$u.init")" --name "$u office" --db province.db >/dev/null
    {
        echo "unit,month,indicator,value,note"
        split "$u" members.new "${members[$i]}"
        split "$u" cdcs.new "${founded[$i]}"
        split "$u" cla.signed "${agreements[$i]}"
        split "$u" propaganda.sessions "${sessions[$i]}"
        split "$u" propaganda.attendees "${attendees[$i]}"
        split "$u" dialogues.held "${dialogues[$i]}"
        split "$u" commended.chairs "${commended[$i]}"
        echo "$u,2022-06,cdcs.cla_eligible,${eligible[$i]},end of June"
        echo "$u,2022-06,cdcs.with_cla,${with_cla[$i]},end of June"
    } > "$u.csv"
    UNIONSYNC_AUTHOR="clerk-${units[$i],,}" $C import "$u.csv" --db "$u.db" >/dev/null
done
echo "each office has its figures in its own store; for example Triệu Phong:"
$C status --db QT.TRIEUPHONG.db | tail -n 1

say "A second clerk at Triệu Phong gets a replica of its own"
$C init --unit QT.TRIEUPHONG --server "tcp://127.0.0.1:$link_port" --server-key "$server_key" \
    --db QT.TRIEUPHONG-2.db > tp2.init
$S enroll --unit QT.TRIEUPHONG --key "$(tail -n 1 tp2.init)" --name "Triệu Phong, second clerk" \
    --db province.db >/dev/null

say "The province starts serving; the offices' link cuts a third of all connections"
$S serve --bind "tcp://127.0.0.1:$server_port" --db province.db --quiet 2> server.log &
pids+=($!)
"$bin/us-faultproxy" --listen "127.0.0.1:$link_port" --target "127.0.0.1:$server_port" \
    --seed 2022 --cut-rate 0.33 --delay-ms 30 --quiet > proxy.out 2> proxy.err &
pids+=($!)
for _ in $(seq 50); do grep -q listening proxy.out 2>/dev/null && break; sleep 0.1; done

# Syncs one store, trying again while the link is down; 0 and 4 are final.
sync_until_done () {
    local db=$1 try rc
    for try in 1 2 3 4 5 6 7 8 9 10; do
        rc=0
        $C sync --db "$db" --timeout-ms 1500 --retries 2 --quiet > "$db.sync" 2> "$db.sync.err" || rc=$?
        if [ $rc -eq 0 ] || [ $rc -eq 4 ]; then
            echo "  $db: $(cat "$db.sync")${try:+ (attempt $try)}"
            return 0
        fi
    done
    echo "  $db: gave up: $(cat "$db.sync.err")"
}
for u in "${units[@]}"; do sync_until_done "QT.$u.db"; done
sync_until_done QT.TRIEUPHONG-2.db

say "Two clerks of Triệu Phong correct the same June figure, both offline"
UNIONSYNC_AUTHOR=clerk-an $C set QT.TRIEUPHONG 2022-06 members.new 30 \
    --note "two late registrations" --db QT.TRIEUPHONG.db
sleep 0.05
UNIONSYNC_AUTHOR=clerk-binh $C set QT.TRIEUPHONG 2022-06 members.new 25 \
    --note "checked against the register" --db QT.TRIEUPHONG-2.db
sync_until_done QT.TRIEUPHONG.db
sync_until_done QT.TRIEUPHONG-2.db
sync_until_done QT.TRIEUPHONG.db
echo "what the first clerk's office now shows:"
$C status --db QT.TRIEUPHONG.db | sed -n '/Conflicts/,$p'

say "Thirteen units submit their first half-year report; Đakrông does not"
for u in "${units[@]}"; do
    [ "$u" = DAKRONG ] && continue
    $C submit 2022-H1 --db "QT.$u.db" >/dev/null
    sync_until_done "QT.$u.db" >/dev/null
done
echo "  submitted"

say "The province approves the submitted reports, which locks them"
for u in "${units[@]}"; do
    [ "$u" = DAKRONG ] && continue
    $S approve "QT.$u" 2022-H1 --db province.db >/dev/null
done
echo "  13 reports approved and locked"
$S lock QT 2022-H1 --db province.db || true

say "The reporting calendar: the province's schedules and their deadlines"
$S schedules list --db province.db
$S report 2022-H1 --format json --db province.db | jq -r '.completeness as $c
    | "2022-H1: \($c.submitted) of \($c.expected) units reported (\($c.on_time) on time, \($c.late) late)",
      (.schedules[] | .code as $s | .periods[]
       | "  \($s) \(.period): \(.submitted)/\(.expected) reported, \(.on_time) on time, \(.late) late against the deadline \(.deadline); not reported: \(.missing | join(", "))")'

echo "what Đakrông's office, which has not submitted, still has to do (its schedules, pulled with the catalog):"
sync_until_done QT.DAKRONG.db >/dev/null
$C todo 2022-H1 --json --db QT.DAKRONG.db | jq -r '.schedules[] | "  \(.name) \(.period): \(.due); deadline \(.deadline)"'

say "The province corrects a figure of Gio Linh; the office sees who and why"
$S set QT.GIOLINH 2022-06 training.classes 2 --author "Văn phòng LĐLĐ tỉnh" \
    --note "2 classes held in June were missing from the report" --db province.db
sync_until_done QT.GIOLINH.db
$C show 2022-06 --db QT.GIOLINH.db | grep -E '^ .C '
echo "and an edit of the locked half-year is refused at the office, offline:"
$C set QT.GIOLINH 2022-03 members.new 99 --db QT.GIOLINH.db || true

say "Conflicts recorded at the province"
$S conflicts --db province.db

say "Consolidated report of the province, first half of 2022"
$S report 2022-H1 --db province.db

say "The report in Vietnamese, and as a page to print"
$S report 2022-H1 --format vi --db province.db | tee report-vi.txt
$S report 2022-H1 --format html --db province.db > report.html
$S report 2022-H1 --format csv --db province.db > report.csv
echo
echo "written: $work/report.html, $work/report-vi.txt, $work/report.csv"

if [ "$keep" -eq 1 ]; then
    say "The province keeps running; Đakrông's office desk is open"
    kill -TERM "${pids[1]}" 2>/dev/null || true     # the faulty link, replaced by a clean one
    wait "${pids[1]}" 2>/dev/null || true
    tail -n 1 proxy.out
    "$bin/us-faultproxy" --listen "127.0.0.1:$link_port" --target "127.0.0.1:$server_port" \
        --quiet > proxy-clean.out 2> proxy-clean.err &
    proxy=$!
    $C ui --no-browser --db QT.DAKRONG.db > desk.out 2> desk.err &
    desk=$!
    for _ in $(seq 50); do [ -s desk.out ] && break; sleep 0.1; done
    echo 'demo-desk-2022' | $S user add demo --role admin --db province.db > /dev/null
    $S ui --bind 127.0.0.1:0 --db province.db > pdesk.out 2> pdesk.err &
    pdesk=$!
    for _ in $(seq 100); do [ -s pdesk.out ] && break; sleep 0.1; done
    server=${pids[0]}
    pids=()
    trap - EXIT                                     # nothing is stopped, nor waited for
    echo "the office desk of Đakrông (open it in a browser on this machine):"
    head -n 1 desk.out
    echo "the province desk: $(head -n 1 pdesk.out)  account demo, password demo-desk-2022 (admin)"
    echo "province: pid $server, link: pid $proxy, desk: pid $desk, province desk: pid $pdesk;"
    echo "stop them with: kill PID"
    echo "demo files are in $work"
    exit 0
fi
kill -TERM "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
pids=()
say "Link faults injected"
tail -n 1 proxy.out
echo
echo "demo files are in $work"
