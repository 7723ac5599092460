#!/usr/bin/env bash
# t_absorb: a merged province's store brought in (`absorb OTHER.db`).
#  1. Quảng Bình's server runs with its own offices; the Đồng Hới office
#     enters figures and syncs; the province corrects one. Its store is then
#     stopped. Quảng Trị's server has its own offices and figures.
#  2. Refused, with one line, exit 2 and Quảng Trị's store unchanged: a
#     copy of Quảng Bình's store whose audit chain was tampered with,
#     Quảng Trị's own store, an unknown --under unit.
#  3. `absorb qb.db`: a code already taken here is re-coded and the mapping
#     printed; figures, targets and offices come in; absorbing it again is
#     refused; `audit verify` checks Quảng Bình's chain as its own segment
#     and fails once a row of the segment is changed.
#  4. The report consolidates both provinces; the Đồng Hới office, pointed
#     at the new server with `unionsync config --server --server-key`,
#     keeps what it had and sends a new figure with its old key (no
#     warning of a restore: another server is not a store gone back); a
#     fresh office for an absorbed unit pulls the absorbed figures.
#  5. The office of Quảng Bình's unit whose code QT.CAMLO was taken here
#     (re-coded QB.QT.CAMLO) entered a figure offline after the absorption,
#     under its old code. After `config` it syncs: it learns its new code,
#     renames its unit in its own store, and its figures old and new land
#     on QB.QT.CAMLO, none on Quảng Trị's own QT.CAMLO; it keeps
#     everything it had and goes on entering under the new code.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# 1. Quảng Bình's province
QB_DB=$WORK/qb.db
must "$USS" init --province QB --name 'LĐLĐ tỉnh Quảng Bình' --db "$QB_DB"
QB_KEY=$(tail -n 1 "$WORK/.out")
cat >"$WORK/qb-units.csv" <<'CSV'
id,name,parent,kind
QB,Liên đoàn Lao động tỉnh Quảng Bình,,province
QB.DONGHOI,LĐLĐ thành phố Đồng Hới,QB,district
QB.BOTRACH,LĐLĐ huyện Bố Trạch,QB,district
QT.CAMLO,Công đoàn cơ sở trùng mã,QB.BOTRACH,grassroots
CSV
must "$USS" units import "$WORK/qb-units.csv" --db "$QB_DB"
must "$USS" indicators import "$DATA/indicators.csv" --db "$QB_DB"
must "$USS" target set QB.DONGHOI members.new 2025 300 --db "$QB_DB"
SRV_DB_QT=$WORK/server.db
SRV_DB=$QB_DB
SERVER_KEY=$QB_KEY
server_start
client_init donghoi QB.DONGHOI
sync_ok donghoi
client_init camlo QT.CAMLO
sync_ok camlo
CAMLO=()
us camlo set QT.CAMLO 2025-02 members.new 6; assert_rc 0 "the re-coded unit's February figure"; CAMLO+=(6)
us camlo set QT.CAMLO 2025-03 members.new 4; assert_rc 0 "the re-coded unit's March figure"; CAMLO+=(4)
sync_ok camlo
us donghoi set QB.DONGHOI 2025-03 members.new 40; assert_rc 0 "Đồng Hới's March figure"
us donghoi set QB.DONGHOI 2025-04 members.new 25; assert_rc 0 "Đồng Hới's April figure"
sync_ok donghoi
must "$USS" set QB.BOTRACH 2025-04 members.new 12 --note 'from the paper report' --db "$QB_DB"
server_stop
qb_records=$(sqlite3 "$QB_DB" 'SELECT COUNT(*) FROM received')
assert_le 3 "$qb_records" "Quảng Bình's chain holds its three figures"

# Quảng Trị's province, on a port of its own
SRV_DB=$SRV_DB_QT
server_init
PORT=$(free_port) && ENDPOINT=tcp://127.0.0.1:$PORT
server_start
client_init dongha QT.DONGHA
us dongha set QT.DONGHA 2025-03 members.new 55; assert_rc 0 "Đông Hà's March figure"
sync_ok dongha

# 2. refusals
state () {
    sqlite3 "$SRV_DB" "SELECT code, COALESCE (parent_id, 0) FROM units ORDER BY id;
        SELECT COUNT(*) FROM cells; SELECT COUNT(*) FROM replicas; SELECT COUNT(*) FROM absorbed;
        SELECT COUNT(*) FROM changelog"
}
refused () {
    local what=$1 before
    shift
    before=$(state)
    uss "$@"
    assert_rc 2 "$what"
    assert_one_stderr_line "$what"
    assert_eq "$before" "$(state)" "$what changes nothing"
}
cp "$QB_DB" "$WORK/qb-tampered.db"
sqlite3 "$WORK/qb-tampered.db" "DROP TRIGGER received_append_only;
    UPDATE received SET value = 400 WHERE id = (SELECT MIN (id) FROM received)" || die "cannot tamper"
refused 'a store whose audit chain was changed' absorb "$WORK/qb-tampered.db"
assert_match 'fails its own audit verify' "$ERR" "the refusal says why"
cp "$SRV_DB" "$WORK/qt-copy.db"
refused "this province's own store" absorb "$WORK/qt-copy.db"
refused 'an unknown --under unit' absorb "$QB_DB" --under QT.NOWHERE
refused 'a file that is no store' absorb "$WORK/qb-units.csv"

# 3. absorb
uss absorb "$QB_DB"
assert_rc 0 "absorb"
assert_match '^QT.CAMLO -> QB.QT.CAMLO$' "$OUT" "the re-coded unit is printed"
assert_match "$qb_records audit records" "$OUT" "the summary counts the chain"
assert_eq 'QB|QT federation' "$(sqlite3 "$SRV_DB" "SELECT u.code || '|' || p.code || ' ' || u.kind FROM units u
    JOIN units p ON p.id = u.parent_id WHERE u.code = 'QB'")" "Quảng Bình's federation sits under Quảng Trị"
assert_eq 'QB.BOTRACH' "$(sqlite3 "$SRV_DB" "SELECT p.code FROM units u JOIN units p ON p.id = u.parent_id
    WHERE u.code = 'QB.QT.CAMLO'")" "the re-coded unit keeps its parent"
refused 'a province absorbed twice' absorb "$QB_DB"
assert_match 'already absorbed' "$ERR" "the refusal says it came in before"
uss audit verify
assert_rc 0 "audit verify after the absorption"
assert_match "segment QB: $qb_records records in an unbroken chain" "$OUT" "the segment is verified on its own"

# 4. the merged province at work
json=$(report_json 2025-Q2) || die "report failed"
assert_eq 37 "$(row_value "$json" QB members.new)" "Quảng Bình's second quarter (25 + 12)"
json=$(report_json 2025) || die "report failed"
assert_eq $((55 + 40 + 25 + 12 + 6 + 4)) "$(row_value "$json" QT members.new)" "the merged province's year"
assert_eq '300' "$(jq -r '[.rows[] | select(.unit == "QB.DONGHOI") | .targets["members.new"].province] | first' <<<"$json")" \
    "Đồng Hới's target came along"

# The office pointed at the new server.
us donghoi config --server "$ENDPOINT" --server-key "$SERVER_KEY"
assert_rc 0 "config points Đồng Hới's office at the new server"
us donghoi set QB.DONGHOI 2025-05 members.new 19; assert_rc 0 "Đồng Hới's May figure"
sync_ok donghoi
assert_eq 0 "$(grep -c 'went back in time' <<<"$ERR")" "no warning of a restore when the office changed servers"
assert_eq 19 "$(sqlite3 "$SRV_DB" "SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id
    WHERE u.code = 'QB.DONGHOI' AND c.month = $(month_code 2025-05)")" "the absorbed office's new figure reached the new server"
us donghoi show 2025 --json
assert_eq $((40 + 25 + 19)) "$(row_value "$OUT" QB.DONGHOI members.new)" "the office keeps everything it had"

client_init botrach QB.BOTRACH
sync_ok botrach
us botrach show 2025-Q2 --json
assert_eq 12 "$(row_value "$OUT" QB.BOTRACH members.new)" "a new office of an absorbed unit pulls its figures"

# 5. the office of the re-coded unit
qt_camlo () { sqlite3 "$SRV_DB" "SELECT COUNT(*) || ' ' || COALESCE (SUM (c.value), 0) FROM cells c
                                 JOIN units u ON u.id = c.unit_id WHERE u.code = 'QT.CAMLO'"; }
qt_before=$(qt_camlo)
us camlo set QT.CAMLO 2025-04 members.new 8; assert_rc 0 "a figure entered offline under the old code"; CAMLO+=(8)
us camlo config --server "$ENDPOINT" --server-key "$SERVER_KEY"
assert_rc 0 "config points the re-coded unit's office at the new server"
us camlo sync --timeout-ms 2000 --retries 3
assert_rc 0 "the office whose unit was re-coded syncs with the new server"
assert_match 'this office.s unit is QB.QT.CAMLO' "$OUT" "the sync says the office's new code"
us camlo config
assert_match 'unit QB.QT.CAMLO,' "$OUT" "the office's store names its unit by the new code"
assert_eq 0 "$(sqlite3 "$(cdb camlo)" "SELECT COUNT(*) FROM outbox")" "nothing left to send"
sum=0; for v in "${CAMLO[@]}"; do sum=$((sum + v)); done
assert_eq "${#CAMLO[@]} $sum" "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) || ' ' || SUM (c.value) FROM cells c
    JOIN units u ON u.id = c.unit_id WHERE u.code = 'QB.QT.CAMLO'")" "every figure of the office is on the re-coded unit"
assert_eq "$qt_before" "$(qt_camlo)" "Quảng Trị's own QT.CAMLO got none of them"
us camlo show 2025 --json
assert_eq "$sum" "$(row_value "$OUT" QB.QT.CAMLO members.new)" "the office keeps everything it had"
us camlo set QB.QT.CAMLO 2025-05 members.new 3; assert_rc 0 "the office enters under its new code"
sync_ok camlo
assert_eq $((sum + 3)) "$(sqlite3 "$SRV_DB" "SELECT SUM (c.value) FROM cells c JOIN units u ON u.id = c.unit_id
    WHERE u.code = 'QB.QT.CAMLO'")" "and its new figure arrives"

server_stop
sqlite3 "$SRV_DB" "DROP TRIGGER audit_segments_no_update;
    UPDATE audit_segments SET value = 99 WHERE id = (SELECT MIN (id) FROM audit_segments)" || die "cannot tamper"
uss audit verify
assert_rc_nonzero "audit verify with a changed segment row"
assert_match 'segment of QB' "$ERR" "the failure names the segment"
e2e_finish
