#!/usr/bin/env bash
# t_reorg_office: an office enrolled for a unit that ends.
#  1. The office of Vĩnh Linh enters figures for 2025 and syncs; its sync
#     says nothing of an end while the unit lasts.
#  2. The province merges Vĩnh Linh and Gio Linh into the commune union of
#     Vĩnh Linh on 2025-07-01. At its next sync the office is told, in one
#     line, that its unit ended and which unit succeeds it (code and
#     Vietnamese name, as the province imported them); an edit for August
#     is then refused offline with the same reason, and changes nothing; a
#     late figure for June is still accepted.
#  3. The province moves the office to the commune union (`replicas move`,
#     a record of the audit chain). After its next sync the office is the
#     commune union's: it enters and sends a figure for August, the
#     province has it, and the office still reads what it entered for Vĩnh
#     Linh (show --unit), while its year maps it onto the commune union.
#     A move to an unknown unit is refused and changes nothing.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

SUCC=QT.X.VINHLINH
SUCC_NAME='Công đoàn xã Vĩnh Linh'
server_init
printf 'id,name,parent,kind,valid_from\n%s,%s,QT,commune,2025-07\n' "$SUCC" "$SUCC_NAME" \
    >"$WORK/new.csv"
must "$USS" units import "$WORK/new.csv" --db "$SRV_DB"
server_start

# Every figure the office entered: "unit month indicator value".
ENTRIES=()
enter () {
    us vl set "$1" "$2" "$3" "$4"
    assert_rc 0 "the office enters $1 $2 $3 $4"
    ENTRIES+=("$1 $2 $3 $4")
}
# sum UNITS... -- YEAR-PREFIX: members.new entered for any of UNITS in months
# starting with the prefix (2025, 2025-0[1-6]).
sum () {
    local prefix=$1 total=0 e u m i v
    shift
    for e in "${ENTRIES[@]}"; do
        read -r u m i v <<<"$e"
        [ "$i" = members.new ] || continue
        [[ "$m" == $prefix* ]] || continue
        for want in "$@"; do [ "$u" = "$want" ] && total=$((total + v)); done
    done
    echo "$total"
}

# 1. before the change
client_init vl QT.VINHLINH
sync_ok vl
enter QT.VINHLINH 2025-03 members.new 12
enter QT.VINHLINH 2025-05 members.new 7
sync_ok vl
assert_eq 0 "$(grep -c 'ended' <<<"$OUT")" "a sync says nothing of an end while the unit lasts"

# 2. the merge, and what the office is told
must "$USS" units merge QT.VINHLINH QT.GIOLINH --into "$SUCC" --on 2025-07-01 --db "$SRV_DB"
sync_ok vl
line="unit QT.VINHLINH ended in 2025-06; its successor is $SUCC ($SUCC_NAME)"
assert_eq 1 "$(grep -cF "$line" <<<"$OUT")" "the sync says, in one line, which unit succeeds the office's"
before=$(sha "$(cdb vl)")
us vl set QT.VINHLINH 2025-08 members.new 5
assert_rc 2 "an edit for August 2025 is refused offline"
assert_one_stderr_line "the offline refusal"
assert_match "$(sed 's/[().]/\\&/g' <<<"$line")" "$ERR" "with the same reason the sync gave"
assert_eq "$before" "$(sha "$(cdb vl)")" "the refused edit changes nothing"
enter QT.VINHLINH 2025-06 members.new 9
sync_ok vl
assert_eq 9 "$(sqlite3 "$SRV_DB" "SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id
    WHERE u.code = 'QT.VINHLINH' AND c.month = $(month_code 2025-06)")" "the late June figure reached the province"

# 3. the province moves the office to the successor, on record
state () { sqlite3 "$SRV_DB" "SELECT r.name, u.code FROM replicas r JOIN units u ON u.id = r.unit_id;
                              SELECT COUNT(*) FROM received"; }
before=$(state)
uss replicas move --key "$(client_key vl)" --unit QT.NOWHERE
assert_rc 2 "a move to an unknown unit"
assert_one_stderr_line "the refused move"
assert_eq "$before" "$(state)" "the refused move changes nothing"
records=$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM received')
uss replicas move --key "$(client_key vl)" --unit "$SUCC"
assert_rc 0 "replicas move to the successor"
assert_eq $((records + 1)) "$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM received')" "the move is one record of the audit chain"
uss audit show --unit "$SUCC" --period 2025
assert_match 'move' "$OUT" "the audit record of the successor shows the move"

us vl sync --timeout-ms 2000 --retries 3
assert_rc 0 "the moved office syncs"
assert_match "moved this office from QT.VINHLINH to $SUCC" "$OUT" "the sync says the office was moved"
us vl config
assert_match "unit $SUCC," "$OUT" "the office's unit is the successor"
enter "$SUCC" 2025-08 members.new 14
sync_ok vl
assert_eq 14 "$(sqlite3 "$SRV_DB" "SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id
    WHERE u.code = '$SUCC' AND c.month = $(month_code 2025-08)")" "the moved office's figure reached the province"
assert_eq 0 "$(grep -c 'ended' <<<"$OUT")" "the successor's office is told of no end"

us vl show 2025-H1 --unit QT.VINHLINH --json
assert_rc 0 "the office reads the old unit's half year"
assert_eq "$(sum 2025 QT.VINHLINH)" "$(row_value "$OUT" QT.VINHLINH members.new)" "the old unit's history stays readable at the office"
us vl show 2025 --json
assert_rc 0 "the office's year"
assert_eq "$(sum 2025 QT.VINHLINH "$SUCC")" "$(row_value "$OUT" "$SUCC" members.new)" \
    "the office's year maps the old unit's figures onto the successor"
json=$(report_json 2025) || die "report failed"
assert_eq "$(sum 2025 QT.VINHLINH "$SUCC")" "$(row_value "$json" "$SUCC" members.new)" "the province's year agrees"
server_stop
uss audit verify
assert_rc 0 "audit verify after the move"
e2e_finish
