#!/usr/bin/env bash
# t_workflow: the report workflow, province corrections, the conflict
# policies, the validation rules and the clock clamp, with the real binaries
# over real sockets. The district office is Triệu Phong (client "tp",
# QT.TRIEUPHONG); a province-level replica (client "prov") is enrolled for QT;
# a third office, Cam Lộ (client "cl"), has a PC clock years ahead.
#  1. Submission workflow: tp submits 2022-H1, the report counts it,
#     `approve` locks it; an offline edit made before pulling the lock is
#     rejected on sync (exit 4, reason "locked"); once the lock is pulled a
#     `set` in 2022-H1 is refused offline (exit 2); `reopen` lets it through.
#     `lock QT` needs --force while a child is not approved; `approve` of a
#     unit that has not submitted needs --force.
#  2. Province correction: `unionsync-server set ... --note` reaches the
#     office; its `show` marks the entry C with the note and the author.
#  3. Conflict policies from a custom catalog (members.new higher-level-wins,
#     cdcs.new max, cla.signed manual, training.classes lww), each with the
#     edit order and sync order chosen so that any other rule (or "last
#     arrival wins") would give another value; after the syncs both replicas
#     equal the server and the server's conflicts name the rule; the manual
#     conflict stays open until `resolve`.
#  4. Validation rules: a broken rule warns at `set` (exit 0) and refuses
#     `submit` (exit 2); a province correction that breaks the rule after
#     the office queued a valid submission makes the province refuse it, the
#     office is told (sync output or status names the rule) and the report
#     does not count the unit.
#  5. Clock: an office whose HLC is years ahead: the server records the
#     delta as clamped to ten minutes ahead; after the sync the office (and
#     any other office) has adopted the server's time: clock offset near 0,
#     no clock warning.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

D=QT.TRIEUPHONG
PROV_USER=tinh.qt           # $USER of the province's clerk for `unionsync-server set`
NOTE='corrected per the district minutes'
RULE='party\.admitted <= party\.introduced'

# show_value NAME PERIOD UNIT INDICATOR: UNIT's value in NAME's own store.
show_value () {
    "$US" show "$2" --json --db "$(cdb "$1")" 2>/dev/null \
        | jq -r --arg u "$3" --arg i "$4" '(.rows[] | select(.unit == $u) | .values[$i]) // "none"'
}

# server_value PERIOD UNIT INDICATOR: UNIT's value in the server's report.
server_value () {
    row_value "$(report_json "$1" "$2")" "$2" "$3"
}

# sync_rc NAME EXPECTED WHAT: one sync of NAME with an expected exit code.
sync_rc () {
    us "$1" sync --timeout-ms 2000 --retries 3
    assert_rc "$2" "$3"
}

# conflict_of INDICATOR MONTH: the server's conflicts of D's cell, as JSON.
conflict_of () {
    "$USS" conflicts --json --db "$SRV_DB" \
        | jq -c --arg u "$D" --arg i "$1" --arg m "$2" \
            '[.[] | select(.unit == $u and .indicator == $i and .month == $m)]'
}

# converged INDICATOR EXPECTED WHAT: the server, tp and prov all hold EXPECTED
# for D's 2022-03 cell.
converged () {
    assert_eq "$2" "$(server_value 2022-03 "$D" "$1")" "$3: the server's report"
    assert_eq "$2" "$(show_value tp 2022-03 "$D" "$1")" "$3: the district office's show --json"
    assert_eq "$2" "$(show_value prov 2022-03 "$D" "$1")" "$3: the province replica's show --json"
}

# abs N: |N|.
abs () { local n=$1; echo "${n#-}"; }

# ------------------------------------------------------------------ setup

server_init
# the custom catalog: three indicators get another conflict policy
CATALOG=$WORK/indicators-policies.csv
sed -E -e 's/^(members\.new,[^,]*,[a-z]+,[^,]*,[^,]*,)lww,/\1higher-level-wins,/' \
       -e 's/^(cdcs\.new,[^,]*,[a-z]+,[^,]*,[^,]*,)lww,/\1max,/' \
       -e 's/^(cla\.signed,[^,]*,[a-z]+,[^,]*,[^,]*,)lww,/\1manual,/' \
       "$DATA/indicators.csv" >"$CATALOG"
must "$USS" indicators import "$CATALOG" --db "$SRV_DB"
policies=$(sqlite3 -separator '=' "$SRV_DB" "SELECT code, policy FROM indicators WHERE code IN
    ('members.new', 'cdcs.new', 'cla.signed', 'training.classes') ORDER BY code" | tr '\n' ' ')
[ "$policies" = 'cdcs.new=max cla.signed=manual members.new=higher-level-wins training.classes=lww ' ] \
    || die "the custom catalog did not take: $policies"
server_start
client_init tp "$D"
client_init prov QT

# ------------------------------------------------------------------ 1. workflow
log '=== 1. submission workflow'
us tp set "$D" 2022-01 members.new 30
us tp set "$D" 2022-03 members.new 40
us tp set "$D" 2022-03 cdcs.new 2
us tp set "$D" 2022-03 cla.signed 1
us tp set "$D" 2022-03 training.classes 3
us tp set "$D" 2022-05 members.new 70
assert_rc 0 "entering the 2022-H1 figures offline"
us tp submit 2022-H1
assert_rc 0 "unionsync submit 2022-H1"
sync_ok tp
assert_match 'accepted 6, .*submitted' "$OUT" "the sync sends the six figures and the submission"
rep=$(report_json 2022-H1)
assert_eq 1 "$(jq '.completeness.submitted' <<<"$rep")" "2022-H1 completeness: units submitted"
assert_eq 0 "$(jq --arg u "$D" '[.completeness.missing[] | select(. == $u)] | length' <<<"$rep")" \
    "2022-H1 completeness: $D is not missing"
assert_eq 13 "$(jq '.completeness.missing | length' <<<"$rep")" "2022-H1 completeness: the 13 others are missing"
assert_eq 140 "$(row_value "$rep" "$D" members.new)" "the server's 2022-H1 members.new of $D (30+40+70)"

uss approve "$D" 2022-H1
assert_rc 0 "approve $D 2022-H1"
assert_match 'approved' "$OUT" "approve prints the new state"
assert_eq 1 "$(jq '.completeness.submitted' <<<"$(report_json 2022-H1)")" "an approved unit still counts as submitted"

# the office has not pulled the lock yet: the edit is taken offline ...
us tp set "$D" 2022-02 members.new 25
assert_rc 0 "an offline edit of 2022-02 before pulling the lock"
# ... and rejected by the province
sync_rc tp 4 "the sync of an edit of a locked period"
assert_match 'rejected 1' "$OUT" "the sync summary counts the rejection"
us tp status --json
reason=$(jq -r --arg u "$D" '[.rejected[] | select(.unit == $u and .indicator == "members.new" and .month == "2022-02")][0].reason // "none"' <<<"$OUT")
assert_match 'locked' "$reason" "status --json lists the rejected edit with reason 'locked'"
assert_eq none "$(server_value 2022-02 "$D" members.new)" "the rejected edit is not at the server"
# that sync pulled the lock: a new edit in 2022-H1 is refused offline
us tp set "$D" 2022-02 members.new 26
assert_rc 2 "set in an approved period once the lock is pulled"
assert_match 'locked' "$ERR" "the offline refusal says locked"
assert_one_stderr_line "the offline refusal"
us tp status --json
assert_eq 0 "$(jq '.pending | length' <<<"$OUT")" "nothing queued by the refused set"

uss reopen "$D" 2022-H1
assert_rc 0 "reopen $D 2022-H1"
sync_ok tp
us tp set "$D" 2022-02 members.new 26
assert_rc 0 "set in 2022-H1 after reopen"
sync_ok tp
assert_match 'accepted 1' "$OUT" "the edit after reopen is accepted"
assert_eq 26 "$(server_value 2022-02 "$D" members.new)" "the server has the edit made after reopen"

uss lock QT 2022-H1
assert_rc 2 "lock QT 2022-H1 without --force while children are not approved"
child=$(sed -nE 's/.*(QT\.[A-Z.]+) is not approved.*/\1/p' <<<"$ERR")
assert_ne '' "$child" "lock's refusal names a child that is not approved"
assert_match "^$child,[^,]*,QT,(district|sector)" "$(cat "$DATA/quangtri-units.csv")" \
    "the unit named by the refusal ($child) is a district or sector child of QT"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = 'QT' AND s.state = 'approved'")" "the refused lock changed nothing"
uss lock QT 2022-H1 --force
assert_rc 0 "lock QT 2022-H1 --force"
assert_match 'approved' "$OUT" "the forced lock prints the locked state"
uss unlock QT 2022-H1
assert_rc 0 "unlock QT 2022-H1"

uss approve QT.DAKRONG 2022-H1
assert_rc 2 "approve of a unit that has not submitted"
assert_match 'has not submitted' "$ERR" "the refusal says the unit has not submitted"
assert_eq '' "$(sqlite3 "$SRV_DB" "SELECT s.state FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = 'QT.DAKRONG'")" "the refused approve changed nothing"
uss approve QT.DAKRONG 2022-H1 --force
assert_rc 0 "approve --force of a unit that has not submitted"

# ------------------------------------------------------------------ 2. correction
log '=== 2. province correction'
USER=$PROV_USER
uss set "$D" 2022-05 members.new 77 --note "$NOTE"
USER=clerk
assert_rc 0 "unionsync-server set (a province correction)"
assert_eq 77 "$(server_value 2022-05 "$D" members.new)" "the server has the corrected figure"
assert_eq 70 "$(show_value tp 2022-05 "$D" members.new)" "the office still has its own figure before the sync"
sync_ok tp
assert_eq 77 "$(show_value tp 2022-05 "$D" members.new)" "the office's show --json has the corrected figure"
us tp show 2022-05
assert_rc 0 "show 2022-05"
assert_match "^ [ *]C ${D//./\\.} 2022-05 members\.new = 77 +by ${PROV_USER//./\\.}: $NOTE\$" "$OUT" \
    "the office's show marks the corrected entry with C, the author and the note"

# ------------------------------------------------------------------ 3. conflicts
log '=== 3. conflict policies'
sync_ok prov
for ind in members.new cdcs.new cla.signed training.classes; do
    assert_eq "$(server_value 2022-03 "$D" "$ind")" "$(show_value prov 2022-03 "$D" "$ind")" \
        "the province replica starts from the server's $ind"
done

# higher-level-wins: the province edits first, the district one second
# later; the province syncs first, the district second. Later clock (lww),
# last arrival and max would all keep the district's 66.
us prov set "$D" 2022-03 members.new 55 --author 'Ban Tổ chức tỉnh'
assert_rc 0 "the province replica's offline edit of members.new"
sleep 1
us tp set "$D" 2022-03 members.new 66 --author 'Lê Thị Mai'
assert_rc 0 "the district's later offline edit of members.new"
sync_rc prov 0 "the province replica's sync (members.new)"
sync_rc tp 4 "the district's sync: its later edit loses to the province"
assert_match 'lost 1' "$OUT" "the district's sync summary counts the lost conflict"
sync_ok prov
sync_ok tp
converged members.new 55 "higher-level-wins"
c=$(conflict_of members.new 2022-03)
assert_eq 1 "$(jq length <<<"$c")" "higher-level-wins: one conflict recorded for the cell"
assert_match 'higher-level-wins' "$(jq -r '.[0].rule' <<<"$c")" "higher-level-wins: the rule named"
assert_eq "55 66" "$(jq -r '.[0] | "\(.winner_value) \(.loser_value)"' <<<"$c")" "higher-level-wins: winner and loser"

# max, manual and lww in one round; the district syncs first.
#  lww: the province edits 11 first, the district 8 later: 8 (the later
#       clock) must win though it arrives first and is smaller.
#  max: the district has 9, the province 5 later and arriving last: only
#       max keeps 9.
#  manual: the district's 4 arrives first; the province's 7, later and
#       larger, must not replace it.
us prov set "$D" 2022-03 training.classes 11 --author 'Ban Tổ chức tỉnh'
sleep 0.3
us tp set "$D" 2022-03 training.classes 8 --author 'Lê Thị Mai'
us tp set "$D" 2022-03 cdcs.new 9 --author 'Lê Thị Mai'
us tp set "$D" 2022-03 cla.signed 4 --author 'Lê Thị Mai'
sleep 0.1
us prov set "$D" 2022-03 cdcs.new 5 --author 'Ban Tổ chức tỉnh'
us prov set "$D" 2022-03 cla.signed 7 --author 'Ban Tổ chức tỉnh'
assert_rc 0 "the offline edits of the second round"
sync_rc tp 0 "the district's sync (first to arrive)"
assert_match 'accepted 3' "$OUT" "the district's three edits are accepted"
sync_rc prov 4 "the province replica's sync: it loses lww, max and manual"
assert_match 'lost 3' "$OUT" "the province replica's sync counts three lost conflicts"
sync_ok tp
sync_ok prov
converged training.classes 8 "lww"
converged cdcs.new 9 "max"
converged cla.signed 4 "manual (before resolve)"
c=$(conflict_of training.classes 2022-03)
assert_eq 1 "$(jq length <<<"$c")" "lww: one conflict recorded for the cell"
assert_match 'lww' "$(jq -r '.[0].rule' <<<"$c")" "lww: the rule named"
assert_eq "8 11" "$(jq -r '.[0] | "\(.winner_value) \(.loser_value)"' <<<"$c")" "lww: winner and loser"
c=$(conflict_of cdcs.new 2022-03)
assert_eq 1 "$(jq length <<<"$c")" "max: one conflict recorded for the cell"
assert_match 'max' "$(jq -r '.[0].rule' <<<"$c")" "max: the rule named"
assert_eq "9 5" "$(jq -r '.[0] | "\(.winner_value) \(.loser_value)"' <<<"$c")" "max: winner and loser"
c=$(conflict_of cla.signed 2022-03)
assert_eq 1 "$(jq length <<<"$c")" "manual: one conflict recorded for the cell"
assert_match 'manual' "$(jq -r '.[0].rule' <<<"$c")" "manual: the rule named"
assert_eq "4 7 false" "$(jq -r '.[0] | "\(.winner_value) \(.loser_value) \(.resolved)"' <<<"$c")" \
    "manual: the first value stays and the conflict is open"
uss resolve "$D" 2022-03 cla.signed 6 --note 'checked with both offices'
assert_rc 0 "resolve of the manual conflict"
c=$(conflict_of cla.signed 2022-03)
assert_eq "true" "$(jq -r '[.[] | .resolved] | all' <<<"$c")" "manual: the conflict is resolved after resolve"
sync_ok tp
sync_ok prov
converged cla.signed 6 "manual (after resolve)"
uss conflicts --json
assert_eq 0 "$(jq '[.[] | select(.resolved == false)] | length' <<<"$OUT")" "no open conflict is left"

# ------------------------------------------------------------------ 4. rules
log '=== 4. validation rules'
us tp set "$D" 2022-08 party.introduced 10
assert_rc 0 "set party.introduced"
assert_eq '' "$ERR" "no warning while the rule holds"
us tp set "$D" 2022-08 party.admitted 12
assert_rc 0 "set party.admitted above party.introduced (kept as a draft)"
assert_match "warning.*$RULE" "$ERR" "the set warns naming the rule"
assert_eq 12 "$(show_value tp 2022-08 "$D" party.admitted)" "the draft keeps the figure"
us tp submit 2022-Q3
assert_rc 2 "submit of a period that breaks a rule"
assert_match "$RULE" "$ERR" "the refused submit names the rule"
assert_eq 0 "$(sqlite3 "$(cdb tp)" "SELECT COUNT(*) FROM pending_submits WHERE period = '2022-Q3'")" \
    "the refused submit queued nothing"
us tp set "$D" 2022-08 party.admitted 8
assert_rc 0 "fixing party.admitted"
assert_eq '' "$ERR" "no warning once fixed"
sync_ok tp
us tp submit 2022-Q3
assert_rc 0 "submit of the fixed period (queued)"
# before the office syncs, the province enters a figure that breaks the rule
USER=$PROV_USER
uss set "$D" 2022-08 party.admitted 15 --note 'figure from the party committee'
USER=clerk
assert_rc 0 "the province's correction that breaks the rule"
us tp sync --timeout-ms 2000 --retries 3
sync_out="$OUT"$'\n'"$ERR"
[ "$RC" -eq 0 ] || [ "$RC" -eq 4 ] \
    || fail "the sync with the submission the province refuses finishes" "expected: 0 or 4" "seen: $RC"
assert_eq "refused" "$(sqlite3 "$(cdb tp)" "SELECT state FROM pending_submits WHERE period = '2022-Q3'")" \
    "the office's store records the submission as refused"
us tp status
status_text=$OUT
us tp status --json
assert_match "$RULE" "$sync_out"$'\n'"$status_text"$'\n'"$OUT" \
    "the office is told that the province refused the submission, naming the rule (sync output or status)"
rep=$(report_json 2022-Q3)
assert_eq 0 "$(jq '.completeness.submitted' <<<"$rep")" "2022-Q3 completeness: nothing counted as submitted"
assert_eq 1 "$(jq --arg u "$D" '[.completeness.missing[] | select(. == $u)] | length' <<<"$rep")" \
    "2022-Q3 completeness: $D is missing"
assert_eq '' "$(sqlite3 "$SRV_DB" "SELECT s.state FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = '$D' AND s.period = '2022-Q3'")" "the server stored no submission of 2022-Q3"

# ------------------------------------------------------------------ 5. clock
log '=== 5. a PC clock years ahead'
us tp status --json
assert_le "$(abs "$(jq '.clock_offset_ms' <<<"$OUT")")" 5000 "before: the district office's clock offset is near 0"
client_init cl QT.CAMLO
sync_ok cl
us cl status --json
assert_le "$(abs "$(jq '.clock_offset_ms' <<<"$OUT")")" 5000 "before: Cam Lộ's clock offset is near 0"
far_ms=$(( $(date +%s%3N) + 5 * 365 * 86400 * 1000 ))
sqlite3 "$(cdb cl)" "UPDATE state SET hlc = $((far_ms << 16))" \
    || die "cannot move Cam Lộ's clock"
us cl set QT.CAMLO 2022-11 members.new 12
assert_rc 0 "an edit on the PC whose clock is years ahead"
origin=$(sqlite3 "$(cdb cl)" "SELECT hlc FROM outbox WHERE unit = 'QT.CAMLO' AND month = $(month_code 2022-11)")
assert_le "$((far_ms << 16))" "${origin:-0}" "the edit carries the timestamp years ahead"
before_ms=$(date +%s%3N)
sync_ok cl
after_ms=$(date +%s%3N)
row=$(sqlite3 -separator ' ' "$SRV_DB" "SELECT clamped, origin_hlc, hlc >> 16 FROM received
    WHERE unit = 'QT.CAMLO' AND indicator = 'members.new' AND month = $(month_code 2022-11)")
read -r clamped r_origin r_ms <<<"${row:-x x 0}"
assert_eq 1 "$clamped" "the server's received row is marked clamped"
assert_eq "$origin" "$r_origin" "the received row keeps the timestamp the office sent"
assert_le $((before_ms + 600000)) "$r_ms" "the clamped time is ten minutes ahead of the server's clock (not less)"
assert_le "$r_ms" $((after_ms + 600000)) "the clamped time is at most ten minutes ahead of the server's clock"
assert_eq 12 "$(server_value 2022-11 QT.CAMLO members.new)" "the clamped edit is accepted"
us cl status --json
assert_le "$(abs "$(jq '.clock_offset_ms' <<<"$OUT")")" 5000 \
    "after the sync Cam Lộ has adopted the server's time: clock offset near 0"
assert_eq false "$(jq '.clock_warning' <<<"$OUT")" "Cam Lộ's PC clock (the machine's) draws no clock warning"
# another office syncing afterwards must not be told its clock is off
sync_ok tp
us tp status --json
assert_le "$(abs "$(jq '.clock_offset_ms' <<<"$OUT")")" 5000 \
    "after Cam Lộ's sync the district office's clock offset is still near 0"
assert_eq false "$(jq '.clock_warning' <<<"$OUT")" "the district office draws no clock warning"

server_stop
e2e_finish
