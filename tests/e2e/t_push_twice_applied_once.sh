#!/usr/bin/env bash
# t_push_twice_applied_once: the same batch delivered twice is applied once.
#  1. A Cam Lộ store (and its .key) is copied before its first sync, synced,
#     then the copy is restored and synced again: it re-sends the same
#     (epoch, seq) deltas. The server acknowledges them (sync exits 0, nothing
#     stays pending) but its cells (values and versions) and report are
#     unchanged and its `received` table holds each delta exactly once.
#  2. An edit made after the restore is still accepted (seq not taken for a
#     duplicate), and only it is added to `received`.
#  3. A Hải Lăng office syncs through us-faultproxy --dup-rate 1, which
#     replays every client byte to a fresh upstream connection: the server
#     sees the handshake and the Push twice, and still stores each delta once.
#  4. Many batches in flight across a restore the Welcome cannot reveal: a
#     Gio Linh store is copied with 1,200 edits pending, syncs them, makes
#     100 more and syncs; the copy is restored and 840 new edits are made,
#     so the restored store's seqs 1201..1300 name other edits than the
#     server's. Its sync sends batches two at a time: two come back as
#     duplicates, the third is refused for the reused seqs while the fourth,
#     behind it, is applied; the store starts a new epoch and sends the rest
#     again. Every edit of both stores is on the server exactly once and the
#     office's view equals the server's.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# received_count [WHERE]: rows in the server's received table.
received_count () {
    sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE kind = 0 ${1:+AND ${1#WHERE }}"
}

# received_dups: deltas whose content (replica, cell, value, clock) occurs more
# than once: a delta re-sent under a new identity would show here.
received_dups () {
    sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM (SELECT 1 FROM received
        GROUP BY replica_id, unit, indicator, month, value, hlc HAVING COUNT(*) > 1)"
}

# cells_versions: every server cell with its value and version.
cells_versions () {
    sqlite3 -separator ' ' "$SRV_DB" \
        "SELECT u.code, c.month, i.code, COALESCE(c.value, '-'), c.version FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         ORDER BY u.code, c.month, i.code"
}

# enter NAME UNIT: six figures for UNIT (three months, flow and stock).
enter () {
    local m
    for m in 01 02 03; do
        us "$1" set "$2" "2022-$m" members.new "$((10#$m * 11))"
        assert_rc 0 "set $2 2022-$m members.new"
        us "$1" set "$2" "2022-$m" members.total "$((5000 + 10#$m))"
        assert_rc 0 "set $2 2022-$m members.total"
    done
}

# restore_twice: part 1 and 2, with a restored copy of the store.
restore_twice () {
    local before cells json
    client_init camlo QT.CAMLO
    enter camlo QT.CAMLO
    cp "$(cdb camlo)" "$WORK/camlo.backup" && cp "$(cdb camlo).key" "$WORK/camlo.backup.key" \
        || die "cannot copy the store"
    sync_ok camlo
    assert_match 'sent 6 \(accepted 6' "$OUT" "first sync sends and gets accepted 6 edits"
    assert_eq 6 "$(received_count)" "received rows after the first sync"
    cells=$(cells_versions)
    before=$(report_json 2022-Q1)
    assert_eq 66 "$(row_value "$before" QT.CAMLO members.new)" "Q1 members.new of Cam Lộ (11+22+33)"
    assert_eq 5003 "$(row_value "$before" QT.CAMLO members.total)" "Q1 members.total of Cam Lộ (March)"

    cp "$WORK/camlo.backup" "$(cdb camlo)" && cp "$WORK/camlo.backup.key" "$(cdb camlo).key" \
        || die "cannot restore the store"
    us camlo status --json
    assert_eq 6 "$(jq '.pending | length' <<<"$OUT")" "the restored store has its 6 edits pending again"
    sync_ok camlo
    us camlo status --json
    assert_eq 0 "$(jq '.pending | length' <<<"$OUT")" "nothing pending after the repeated push was acknowledged"
    assert_eq 0 "$(jq '.rejected | length' <<<"$OUT")" "the repeated deltas are not rejected"
    assert_eq 6 "$(received_count)" "received rows after the same batch came twice"
    assert_eq 0 "$(received_dups)" "no delta twice in received"
    assert_eq "$cells" "$(cells_versions)" "server cells (value, version) unchanged by the repeat"
    assert_eq "$before" "$(report_json 2022-Q1)" "Q1 report unchanged by the repeat"

    us camlo set QT.CAMLO 2022-04 members.new 40
    assert_rc 0 "a new edit after the restore"
    sync_ok camlo
    assert_eq 7 "$(received_count)" "received rows after one more edit"
    assert_eq 106 "$(row_value "$(report_json 2022-01..2022-04)" QT.CAMLO members.new)" \
        "members.new of Cam Lộ for 2022-01..2022-04 (66 + 40)"
    sync_ok camlo
    assert_eq 7 "$(received_count)" "a sync with nothing to send adds nothing"
}

# duplicated_link: part 3, every connection replayed by the fault proxy.
duplicated_link () {
    local i rc=1 json dups
    proxy_start --seed 3 --dup-rate 1
    client_init hailang QT.HAILANG "$PROXY_ENDPOINT"
    enter hailang QT.HAILANG
    for i in 1 2 3 4 5; do
        us hailang sync --timeout-ms 1000 --retries 3
        rc=$RC
        [ "$rc" -ne 0 ] || break
    done
    assert_eq 0 "$rc" "sync through a duplicating link finally exits 0"
    assert_eq 6 "$(received_count "WHERE unit = 'QT.HAILANG'")" "Hải Lăng deltas in received"
    json=$(report_json 2022-Q1)
    assert_eq 66 "$(row_value "$json" QT.HAILANG members.new)" "Q1 members.new of Hải Lăng after duplicated delivery"
    assert_eq 5003 "$(row_value "$json" QT.HAILANG members.total)" "Q1 members.total of Hải Lăng after duplicated delivery"
    assert_eq 10006 "$(row_value "$json" QT members.total)" "Q1 members.total of QT (5003 + 5003)"
    proxy_stop
    dups=$(sed -n 's/.* duplicated=\([0-9]*\).*/\1/p' "$WORK/proxy.out")
    assert_match '^[1-9][0-9]*$' "$dups" "the proxy duplicated at least one connection (duplicated=N)"
}

# gen_csv FIRST_YEAR LAST_YEAR MONTHS BASE: an import file of Gio Linh
# figures, ten indicators for the first MONTHS months of each year.
gen_csv () {
    awk -v a="$1" -v b="$2" -v months="$3" -v base="$4" 'BEGIN {
        split("members.new cdcs.new cla.signed propaganda.sessions propaganda.attendees " \
              "training.classes training.attendees dialogues.held commended.chairs members.total", ind, " ")
        print "unit,month,indicator,value"
        for (y = a; y <= b; y++) for (m = 1; m <= months; m++) for (i = 1; i <= 10; i++)
            printf "QT.GIOLINH,%d-%02d,%s,%d\n", y, m, ind[i], base + (y % 100) * 10 + m + i
    }'
}

# many_batches_restored: part 4.
many_batches_restored () {
    local db sum_a sum_b sum_c
    client_init giolinh QT.GIOLINH
    sync_ok giolinh
    db=$(cdb giolinh)
    gen_csv 2013 2022 12 1000 > "$WORK/gl_a.csv"
    gen_csv 2012 2012 10 2000 > "$WORK/gl_b.csv"
    gen_csv 2003 2009 12 3000 > "$WORK/gl_c.csv"
    us giolinh import "$WORK/gl_a.csv"
    assert_rc 0 "import of 1,200 Gio Linh figures"
    cp "$db" "$WORK/giolinh.backup" && cp "$db.key" "$WORK/giolinh.backup.key" \
        || die "cannot copy the store"
    sync_ok giolinh
    assert_match 'sent 1200 \(accepted 1200' "$OUT" "1,200 edits sent in three batches"
    us giolinh import "$WORK/gl_b.csv"
    assert_rc 0 "import of 100 more"
    sync_ok giolinh
    cp "$WORK/giolinh.backup" "$db" && cp "$WORK/giolinh.backup.key" "$db.key" \
        || die "cannot restore the store"
    us giolinh import "$WORK/gl_c.csv"
    assert_rc 0 "import of 840 figures into the restored store"
    sync_ok giolinh
    assert_match "new epoch" "$OUT" "the sync says the store starts a new epoch"
    assert_eq 2140 "$(received_count "WHERE unit = 'QT.GIOLINH' AND outcome = 1")" \
        "Gio Linh edits applied: 1,200 + 100 + 840, each once"
    assert_eq 0 "$(received_dups)" "no delta twice in received"
    sum_a=$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$WORK/gl_a.csv")
    sum_b=$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$WORK/gl_b.csv")
    sum_c=$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$WORK/gl_c.csv")
    assert_eq "$((sum_a + sum_b + sum_c))" \
        "$(sqlite3 "$SRV_DB" "SELECT SUM(c.value) FROM cells c JOIN units u ON u.id = c.unit_id
                              WHERE u.code = 'QT.GIOLINH'")" "sum of Gio Linh's server cells"
    us giolinh status --json
    assert_eq 0 "$(jq '.pending | length' <<<"$OUT")" "nothing pending at Gio Linh"
    assert_eq "$(cells_dump "$SRV_DB" | grep -c '^QT.GIOLINH ')" "2140" "Gio Linh cells on the server"
    assert_eq "$(cells_dump "$SRV_DB" | grep '^QT.GIOLINH ')" "$(cells_dump "$db" | grep '^QT.GIOLINH ')" \
        "the office's view equals the server's"
}

server_init
server_start
restore_twice
duplicated_link
many_batches_restored
assert_eq 0 "$(received_dups)" "no delta twice in received at the end"
server_stop
e2e_finish
