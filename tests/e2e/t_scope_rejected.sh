#!/usr/bin/env bash
# t_scope_rejected: a replica may write only its unit and its descendants.
#  1. Client side, offline: the Đông Hà office refuses to `set` a sibling
#     (QT.VINHLINH) and its parent (QT), before and after the first sync
#     brought the unit tree: exit 2, one line on stderr, store unchanged.
#     It accepts its own grassroots union QT.DONGHA.CDCS1, which the server
#     stores.
#  2. A store initialised for QT.VINHLINH whose key is enrolled for
#     QT.DONGHA: the sync is refused at Hello ("enrolled for QT.DONGHA"),
#     nothing of Vĩnh Linh reaches the server.
#  3. Server side: deltas for QT.VINHLINH and QT are written straight into the
#     Đông Hà outbox with sqlite3 (as a tampered client would send them),
#     next to one legitimate delta. The server rejects exactly the two
#     out-of-scope deltas with a reason, the sync exits 4, `status --json`
#     lists both rejections with their reasons, the legitimate one is stored,
#     and no cell outside QT.DONGHA's subtree exists on the server.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# refuse_offline NAME UNIT WHY: `set UNIT` on NAME's store is refused offline.
refuse_offline () {
    local before
    before=$(sha "$(cdb "$1")")
    us "$1" set "$2" 2022-01 members.new 9
    assert_rc 2 "set $2 by $1 ($3)"
    assert_one_stderr_line "set $2 by $1 ($3)"
    assert_match "$2" "$ERR" "the refusal names $2"
    assert_eq "$before" "$(sha "$(cdb "$1")")" "$1's store unchanged by the refused set of $2"
}

# craft NAME UNIT MONTH INDICATOR VALUE: appends a delta to NAME's outbox
# behind the client's back, with the next seq and a fresh clock.
craft () {
    local db month
    db=$(cdb "$1")
    month=$(month_code "$3")
    sqlite3 "$db" "BEGIN;
        INSERT INTO outbox (seq, epoch, unit, indicator, month, value, hlc, base_version, author, note, at)
        VALUES ((SELECT last_seq + 1 FROM state), (SELECT epoch FROM state),
                '$2', '$4', $month, $5, (SELECT hlc + 1000000 FROM state), 0, 'tamper', '', 0);
        UPDATE state SET last_seq = last_seq + 1, hlc = hlc + 1000000;
        COMMIT;" || die "cannot craft a delta in $db (client schema changed?)"
}

# outside_cells: server cells of units outside QT.DONGHA's subtree.
outside_cells () {
    sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id
        WHERE u.code <> 'QT.DONGHA' AND u.code NOT LIKE 'QT.DONGHA.%'"
}

units_csv=$WORK/units.csv
{ cat "$DATA/quangtri-units.csv"; echo 'QT.DONGHA.CDCS1,CĐCS Công ty Bia Đông Hà,QT.DONGHA,grassroots'; } >"$units_csv"
server_init "$units_csv"
server_start

# 1. offline refusals
client_init dongha QT.DONGHA
refuse_offline dongha QT.VINHLINH 'a sibling, before the first sync'
refuse_offline dongha QT 'the parent, before the first sync'
us dongha set QT.DONGHA 2022-01 members.new 40
assert_rc 0 "set of Đông Hà's own unit"
sync_ok dongha
refuse_offline dongha QT.VINHLINH 'a sibling, after the tree arrived'
refuse_offline dongha QT 'the parent, after the tree arrived'
us dongha set QT.DONGHA.CDCS1 2022-01 members.new 15
assert_rc 0 "set of a grassroots union under Đông Hà"
sync_ok dongha
json=$(report_json 2022-01)
assert_eq 15 "$(row_value "$json" QT.DONGHA.CDCS1 members.new)" "the grassroots union's figure on the server"
assert_eq 55 "$(row_value "$json" QT.DONGHA members.new)" "Đông Hà consolidated (40 + 15)"

# 2. a store for another unit behind a key enrolled for QT.DONGHA
client_create impostor QT.VINHLINH
enroll impostor QT.DONGHA
us impostor set QT.VINHLINH 2022-01 members.new 500
assert_rc 0 "offline set by the impostor store of its own unit"
us impostor sync --timeout-ms 1000 --retries 2
if [ "$RC" -ne 4 ]; then
    assert_rc_nonzero "sync of a store whose key is enrolled for another unit"
    assert_match 'enrolled for QT.DONGHA|outside|scope|refused' "$ERR" "the refusal says the key is for QT.DONGHA"
fi
assert_eq 0 "$(outside_cells)" "no cell outside Đông Hà's subtree after the impostor's sync"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE unit = 'QT.VINHLINH' AND outcome = 1")" \
    "no accepted Vĩnh Linh delta in received"

# 3. tampered deltas rejected one by one
craft dongha QT.VINHLINH 2022-02 members.new 77
craft dongha QT 2022-02 members.new 88
craft dongha QT.DONGHA 2022-02 members.new 7
us dongha status --json
assert_eq 3 "$(jq '.pending | length' <<<"$OUT")" "three crafted deltas pending"
us dongha sync --timeout-ms 2000 --retries 3
assert_rc 4 "sync with out-of-scope deltas"
assert_match 'rejected 2' "$OUT" "the sync summary counts two rejections"
us dongha status --json
assert_eq 'QT QT.VINHLINH' "$(jq -r '[.rejected[].unit] | sort | join(" ")' <<<"$OUT")" "status lists the rejected units"
assert_eq 2 "$(jq '[.rejected[] | select((.reason // "") | test("scope|outside"))] | length' <<<"$OUT")" \
    "each rejection carries a reason about the scope"
assert_eq 0 "$(jq '.pending | length' <<<"$OUT")" "nothing left pending after the rejections"
assert_eq 0 "$(outside_cells)" "no cell outside Đông Hà's subtree on the server"
json=$(report_json 2022-02)
assert_eq 7 "$(row_value "$json" QT.DONGHA members.new)" "the legitimate delta of the same batch was stored"
assert_eq none "$(row_value "$json" QT.VINHLINH members.new)" "no Vĩnh Linh figure on the server"
assert_eq 7 "$(row_value "$json" QT members.new)" "QT's figure holds only Đông Hà's"
assert_eq 2 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM received WHERE author = 'tamper' AND unit <> 'QT.DONGHA' AND reason <> ''")" \
    "the audit (received) keeps both rejected deltas with a reason"
server_stop
e2e_finish
