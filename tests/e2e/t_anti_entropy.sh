#!/usr/bin/env bash
# t_anti_entropy: office and province agree, and the office can prove it.
#  1. Two offices of one district (and the province, with a correction)
#     enter figures over four months; both sync until each holds all of
#     them. A sync with nothing drifted proves it with the top digest on
#     its last page: no month digests asked, no repair sent (server log),
#     no "repaired" line.
#  2. One office's mirror is damaged by hand with sqlite3: a row deleted,
#     a value changed, a version changed, a row of a month the province
#     has nothing of inserted. `show` shows the damage.
#  3. Its next sync says in its one line "repaired 4 months ...", naming
#     the four months, and `status` remembers it; its mirror then equals
#     the province's figures of its
#     scope (value and version, row by row), `show` and `status` agree with
#     the server's report, and the second office was never touched. The
#     sync after that repairs nothing.
#  4. A damaged month beside an edit being sent: the push goes first, only
#     the damaged month is repaired, and all agree. (A month holding an
#     edit still in the outbox at the check is left alone: test_digest.)
#  5. The server bounds what a replica can make it hash: a digest of more
#     than 240 months and a repair of more than 64 months get one Error
#     each; a digest of the replica's own scope names only its months.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
RAW=$BUILD/us-rawpeer
[ -x "$RAW" ] || die "us-rawpeer is not built"
UNIT=QT.DONGHA

# scope_cells DB: the figures of UNIT's subtree, "unit month indicator value version".
scope_cells () {
    sqlite3 -separator ' ' "$1" \
        "SELECT u.code, c.month, i.code, COALESCE (c.value, '-'), c.version FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         WHERE c.version > 0 AND (u.code = '$UNIT' OR u.code LIKE '$UNIT.%')
         ORDER BY u.code, c.month, i.code"
}
# mirror DB: every figure an office's mirror holds, same form.
mirror () {
    sqlite3 -separator ' ' "$1" \
        "SELECT u.code, c.month, i.code, COALESCE (c.value, '-'), c.version FROM cells c
         JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id
         WHERE c.version > 0 ORDER BY u.code, c.month, i.code"
}
# log_count TEXT: lines of the server log holding TEXT.
log_count () { grep -c -- "$1" "$SRV_LOG"; }
# cell_where MONTH INDICATOR: the WHERE clause naming one cell of UNIT.
cell_where () {
    echo "unit_id = (SELECT id FROM units WHERE code = '$UNIT')
          AND ind_id = (SELECT id FROM indicators WHERE code = '$2')
          AND month = $(month_code "$1")"
}
# unit_value JSON INDICATOR: UNIT's figure in a `show --json`, or "none".
unit_value () {
    jq -r --arg u "$UNIT" --arg i "$2" \
        '[.. | objects | select(.unit? == $u) | .values?[$i]?]
         | map(select(. != null)) | first // "none"' <<<"$1"
}
# show_value OFFICE MONTH INDICATOR: the office's figure from `show --json`.
show_value () {
    us "$1" show "$2" --json
    unit_value "$OUT" "$3"
}

server_init
server_start
client_init a "$UNIT"
client_init b "$UNIT"

# 1. figures over four months from both offices and the province
us a set "$UNIT" 2022-01 members.new 120;  assert_rc 0 "a sets 2022-01"
us a set "$UNIT" 2022-01 cdcs.new 3;       assert_rc 0 "a sets 2022-01 cdcs"
us a set "$UNIT" 2022-02 members.new 90;   assert_rc 0 "a sets 2022-02"
us b set "$UNIT" 2022-02 cdcs.new 2;       assert_rc 0 "b sets 2022-02"
us b set "$UNIT" 2022-04 members.new 40;   assert_rc 0 "b sets 2022-04"
us b set "$UNIT" 2022-04 cdcs.new 1;       assert_rc 0 "b sets 2022-04 cdcs"
sync_ok a
sync_ok b
uss set "$UNIT" 2022-03 members.new 77 --note "số liệu tỉnh bổ sung"
assert_rc 0 "province correction of 2022-03"
sync_ok a
sync_ok b
assert_eq "$(scope_cells "$SRV_DB")" "$(mirror "$(cdb a)")" "a's mirror equals the province's scope"
assert_eq "$(scope_cells "$SRV_DB")" "$(mirror "$(cdb b)")" "b's mirror equals the province's scope"
[ "$(scope_cells "$SRV_DB" | wc -l)" -ge 7 ] || fail "the province holds the seven figures" \
    "seen: $(scope_cells "$SRV_DB")"

digests0=$(log_count 'digests of')
repairs0=$(log_count 'repair:')
sync_ok a
assert_eq "" "$(grep -i 'repaired' "$WORK/.out")" "a sync with nothing drifted repairs nothing"
assert_eq "$digests0" "$(log_count 'digests of')" "nothing drifted: no month digests asked"
assert_eq "$repairs0" "$(log_count 'repair:')" "nothing drifted: no repair sent"

# 2. damage a's mirror by hand
A=$(cdb a)
sqlite3 "$A" "DELETE FROM cells WHERE $(cell_where 2022-01 members.new)" || die "delete a row"
sqlite3 "$A" "UPDATE cells SET value = value + 5 WHERE $(cell_where 2022-02 cdcs.new)" \
    || die "change a value"
sqlite3 "$A" "UPDATE cells SET version = version + 3 WHERE $(cell_where 2022-04 members.new)" \
    || die "change a version"
sqlite3 "$A" "INSERT INTO cells (unit_id, ind_id, month, value, version)
    SELECT u.id, i.id, $(month_code 2022-07), 999, 1 FROM units u, indicators i
    WHERE u.code = '$UNIT' AND i.code = 'members.new'" || die "insert a row"
assert_ne "$(scope_cells "$SRV_DB")" "$(mirror "$A")" "the damage shows in a's mirror"
assert_eq 7 "$(show_value a 2022-02 cdcs.new)" "show displays the changed value before the sync"
assert_eq none "$(show_value a 2022-01 members.new)" "show lacks the deleted row before the sync"

# 3. the next sync repairs the four months, in one line
us a sync --timeout-ms 2000 --retries 3
assert_rc 0 "sync that repairs"
assert_eq 1 "$(grep -c '' "$WORK/.out")" "the sync prints one line"
REPAIRED='repaired 4 months whose figures differed from the province.s'
assert_match "^sync ok: .*, $REPAIRED \\(2022-01, 2022-02, 2022-04, 2022-07\\)\$" \
    "$OUT" "it says it repaired the four months, and names them"
assert_eq "$((repairs0 + 1))" "$(log_count 'repair:')" "one repair page sent"
assert_eq "$(scope_cells "$SRV_DB")" "$(mirror "$A")" "a's mirror equals the province's scope again"
assert_eq "$(scope_cells "$SRV_DB")" "$(mirror "$(cdb b)")" "b's mirror was never touched"
assert_eq 120 "$(show_value a 2022-01 members.new)" "show has the deleted row back"
assert_eq 2 "$(show_value a 2022-02 cdcs.new)" "show has the province's value back"
assert_eq none "$(show_value a 2022-07 members.new)" "show lost the row the province does not have"
json=$(report_json 2022-H1 "$UNIT")
us a show 2022-H1 --json
for ind in members.new cdcs.new; do
    assert_eq "$(row_value "$json" "$UNIT" "$ind")" "$(unit_value "$OUT" "$ind")" \
        "a's show of 2022-H1 $ind equals the server's report"
done
us a status
assert_rc 0 "status after the repair"
assert_match 'Last sync: .*repaired 4 months' "$OUT" "status remembers the repair"
sync_ok a
assert_eq "" "$(grep -i 'repaired' "$WORK/.out")" "the next sync repairs nothing"
assert_eq "$((repairs0 + 1))" "$(log_count 'repair:')" "and sends no repair"

# 4. a draft is not drift: damage a month that also holds an unsent edit
digests1=$(log_count 'digests of')
sqlite3 "$A" "UPDATE cells SET value = 1 WHERE $(cell_where 2022-03 members.new)" \
    || die "change a value of 2022-03"
us a set "$UNIT" 2022-04 cdcs.new 6;       assert_rc 0 "a draft of 2022-04"
# The draft goes out with the push; the damaged 2022-03 is repaired, the
# month of the draft agrees once its edit is acknowledged.
us a sync --timeout-ms 2000 --retries 3
assert_rc 0 "sync with a draft and a damaged month"
assert_match 'sent 1 \(accepted 1.*repaired 1 month whose figures differed.* \(2022-03\)$' \
    "$OUT" "the draft is sent, and only the damaged month is repaired"
assert_eq "$(scope_cells "$SRV_DB")" "$(mirror "$A")" "a agrees with the province after the draft"
assert_eq "$((digests1 + 1))" "$(log_count 'digests of')" "month digests asked once"

# 5. the server's bounds, over the same socket a client uses
run "$RAW" "$A" digest
assert_rc 0 "digest request answered"
assert_match '^digests: 4 months \[wire 2\]$' "$OUT" \
    "the digests of 2022 name the scope's four months"
run "$RAW" "$A" digest-wide
assert_match '^error: .*digest of a bad range' "$OUT" "a digest of 372 months is refused"
run "$RAW" "$A" repair
assert_match '^changes: [0-9]+ figures, 12 months whole' "$OUT" "a repair of 12 months is answered"
run "$RAW" "$A" repair-many
assert_match '^error: .*bad months \(at most 64' "$OUT" "a repair of 65 months is refused"
assert_eq "$(scope_cells "$SRV_DB")" "$(mirror "$A")" "the refused requests changed nothing"

server_stop
e2e_finish
