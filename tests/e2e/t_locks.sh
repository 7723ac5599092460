#!/usr/bin/env bash
# t_locks: approvals and locks freeze everything that rolls up, with the
# real binaries over real sockets. Triệu Phong's office (client "tp") keeps
# the figures of its grassroots union QT.TRIEUPHONG.CS1 too; Gio Linh's
# office is client "gl".
#  1. The district is approved for 2023-01: an edit of the grassroots
#     union's January made offline before the lock was pulled is refused at
#     the server (exit 4, reason locked, the figure unchanged); once the
#     lock is pulled the same edit is refused offline (exit 2, nothing
#     queued).
#  2. The province locks QT for 2023-02 with --force --note: the forced
#     lock and its note are recorded; gl's office learns it as a lock of its
#     own unit, and nothing of QT's submissions; gl's edit of February is
#     refused at the server before the pull and offline after it.
#     gl's status shows the lock as one of its own unit.
#  3. A lock of a unit that never submitted (Đakrông) prints "locked, not
#     reported" and the report keeps it missing; --note without --force is
#     refused.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

TP=QT.TRIEUPHONG
CS=QT.TRIEUPHONG.CS1
GL=QT.GIOLINH

UNITS=$WORK/units.csv
cp "$DATA/quangtri-units.csv" "$UNITS"
echo "$CS,CĐCS Trường THPT Triệu Phong,$TP,grassroots" >>"$UNITS"
server_init "$UNITS"
server_start
client_init tp "$TP"
client_init gl "$GL"

# server_value PERIOD UNIT INDICATOR: UNIT's value in the server's report.
server_value () { row_value "$(report_json "$1")" "$2" "$3"; }

# ------------------------------------------------------------------ 1. district
log '=== 1. a district approval freezes its grassroots unions'
sync_ok tp
sync_ok gl
us tp set "$CS" 2023-01 members.new 4
assert_rc 0 "tp enters the grassroots union's January"
us tp set "$TP" 2023-01 cdcs.new 1
sync_ok tp
us tp submit 2023-01
assert_rc 0 "tp submits 2023-01"
sync_ok tp
uss approve "$TP" 2023-01
assert_rc 0 "approve $TP 2023-01"
assert_match ': approved$' "$OUT" "the approval of a submitted month prints approved"
us tp set "$CS" 2023-01 members.new 9
assert_rc 0 "an offline edit of the grassroots union before the lock is pulled"
us tp sync --timeout-ms 2000 --retries 3
assert_rc 4 "the sync of an edit below a locked district"
us tp status --json
reason=$(jq -r --arg u "$CS" '[.rejected[] | select(.unit == $u and .month == "2023-01")][0].reason // "none"' <<<"$OUT")
assert_match 'locked' "$reason" "the server refused the grassroots edit as locked"
assert_eq 4 "$(server_value 2023-01 "$CS" members.new)" "the server kept the grassroots figure"
us tp set "$CS" 2023-01 members.new 10
assert_rc 2 "the grassroots edit once the district's lock is pulled"
assert_match 'locked' "$ERR" "the offline refusal says locked"
us tp status --json
assert_eq 0 "$(jq '.pending | length' <<<"$OUT")" "nothing queued by the refused edit"
us tp set "$CS" 2023-03 members.new 2
assert_rc 0 "a month outside the approved period is still open"

# ------------------------------------------------------------------ 2. province
log '=== 2. a forced lock of the province reaches every office'
us gl set "$GL" 2023-02 members.new 6
sync_ok gl
NOTE='closing the first quarter before the congress'
uss lock QT 2023-02 --force --note "$NOTE"
assert_rc 0 "lock QT 2023-02 --force --note"
assert_match 'approved, locked, not reported \(forced\)' "$OUT" "the forced lock of the province says what it is"
assert_eq "1|$NOTE|0" "$(sqlite3 "$SRV_DB" "SELECT s.forced || '|' || s.note || '|' || s.reported
    FROM submissions s JOIN units u ON u.id = s.unit_id WHERE u.code = 'QT' AND s.period = '2023-02'")" \
    "the server records the lock as forced, with the note"
us gl set "$GL" 2023-02 members.new 7
assert_rc 0 "gl's offline edit of February before pulling the lock"
us gl sync --timeout-ms 2000 --retries 3
assert_rc 4 "the sync of an edit under the province's lock"
assert_eq 6 "$(server_value 2023-02 "$GL" members.new)" "the server kept gl's February figure"
assert_eq approved "$(sqlite3 "$(cdb gl)" "SELECT s.state FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = '$GL' AND s.period = '2023-02'")" "gl's office holds the lock as one of its own unit"
assert_eq 0 "$(sqlite3 "$(cdb gl)" "SELECT COUNT(*) FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = 'QT'")" "gl's office learns nothing of the province's own submissions"
us gl status --json
assert_eq "[{\"unit\":\"$GL\",\"period\":\"2023-02\"}]" "$(jq -c '.locks' <<<"$OUT")" \
    "gl's status shows the lock as soon as it is pulled, as one of its own unit"
us gl status
assert_match "$GL 2023-02: approved, locked" "$OUT" "gl's status text shows the lock"
us gl set "$GL" 2023-02 members.new 8
assert_rc 2 "gl's edit of February once the lock is pulled"
assert_match 'locked' "$ERR" "the offline refusal says locked"
uss unlock QT 2023-02
assert_rc 0 "unlock QT 2023-02"
sync_ok gl
us gl set "$GL" 2023-02 members.new 8
assert_rc 0 "gl's edit of February after the unlock is pulled"

# ------------------------------------------------------------------ 3. not reported
log '=== 3. locked, not reported'
before=$(jq '.completeness.submitted' <<<"$(report_json 2023-01)")
uss lock QT.DAKRONG 2023-01 --force
assert_rc 0 "lock of a unit that never submitted"
assert_match 'locked, not reported' "$OUT" "the lock says the unit did not report"
rep=$(report_json 2023-01)
assert_eq "$before" "$(jq '.completeness.submitted' <<<"$rep")" "the lock adds no report"
assert_eq 1 "$(jq '[.completeness.missing[] | select(. == "QT.DAKRONG")] | length' <<<"$rep")" \
    "Đakrông stays missing"
assert_eq '["QT.DAKRONG"]' "$(jq -c '.schedules[] | select(.code == "monthly") | .periods[0].locked_not_reported' <<<"$rep")" \
    "the monthly schedule shows Đakrông as locked, not reported"
assert_eq 1 "$(jq '[.schedules[] | select(.code == "monthly") | .periods[0].missing[] | select(. == "QT.DAKRONG")] | length' <<<"$rep")" \
    "and as missing"
uss lock QT.CAMLO 2023-01 --note 'why'
assert_rc 2 "--note without --force"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = 'QT.CAMLO'")" "the refused lock changed nothing"

server_stop
e2e_finish
