#!/usr/bin/env bash
# t_calendar: the reporting calendar with the real binaries over real
# sockets. Triệu Phong (client "tp") and Gio Linh (client "gl") are district
# offices of Quảng Trị.
#  1. Schedules are data: the province imports its own set (monthly figures
#     by the 20th of the following month, a six-month report by 15 June,
#     "0:15"); `schedules list --json` gives them back; bad files (unknown
#     period type, unit kind or indicator, bad deadline, no schedule) are
#     refused with one line, exit 2, and change nothing.
#  2. Monthly submissions complete a quarter: tp submits 2023-01, 02 and 03;
#     the 2023-Q1 report counts it as submitted (not missing); the
#     per-schedule detail beside `completeness` lists the three months with
#     their deadlines (20/2/2023, ...) and counts tp late against each one
#     (they were submitted years after); the six-month schedule's deadline
#     in the 2023-H1 report is 15/6/2023.
#  3. Submitting means something: a month that has not ended (Vietnam's
#     time, the current one too) is refused, also as nil; a month without any figure is refused
#     unless --nil; --nil with figures is refused; each refusal queues
#     nothing. gl's nil report of 2023-02 reaches the province, counts as
#     submitted and is listed as nil. The server refuses on its own: a
#     submission of a future month and one of an empty month written into
#     the office's queue behind its back are refused at the sync, and the
#     server stores nothing.
#  4. `overdue`: at 2023-04-10 the March figures are due (deadline
#     20/4/2023 not passed) and the February ones late, for the units that
#     had not reported by then, with their last sync; today tp's report of
#     last month, just submitted, is not listed and gl's is. A bad --at is
#     refused.
#  5. Amended: tp edits its submitted February: the office marks it amended
#     at once; after the sync the province holds it amended, the quarter is
#     incomplete again and the schedule lists tp as amended; submitted
#     again, it counts. A province correction does not amend. The quarter
#     whose three months were submitted is approved without --force (and
#     counts as reported); gl's, with one month, is refused.
#  6. `todo`: the indicators not entered, the broken rule, the submission
#     due and its deadline; this month by default.
#  7. A ranking compares only units with figures against targets of one
#     period (the yearly targets most units have; a quarter's target is left
#     out) and lists a unit without figures as not reported.
#  8. The Vietnamese report compared with last year opens with how many
#     units reported ("1/14 đơn vị đã báo cáo").
#  9. Schedules reach the offices: an office that never pulled lists the
#     whole catalog against the default deadline; the province imports a
#     monthly schedule of three indicators due on the 10th and a quarterly
#     one of one indicator due on the 25th of the quarter's last month;
#     after a sync the office's store holds exactly that set (the
#     six-month schedule is gone; a store of an older program that pulled
#     past it gets it after its upgrade), `todo` lists exactly those indicators
#     under each schedule with each one's own deadline, and the office
#     desk's form shows only them, grouped by schedule, with the
#     deadlines; `submit` names the schedule's deadline and whether it
#     passed; a sector office, for whose kind no schedule is set, is
#     asked for nothing.
# 10. The Vietnamese report (and the HTML one) states each schedule's
#     configured deadline and counts its reports by it, never the default
#     deadline, never an on-time or late report that was not submitted; a
#     report submitted before its schedule's deadline is said on time.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

TP=QT.TRIEUPHONG
GL=QT.GIOLINH

# sched_json PERIOD: the per-schedule detail of the server's JSON report.
sched_json () {
    report_json "$1" | jq -c '.schedules'
}

server_init
server_start
client_init tp "$TP"
client_init gl "$GL"

# ------------------------------------------------------------------ 1. schedules
log '=== 1. schedules are data'
SCHED=$WORK/schedules.csv
cat >"$SCHED" <<'EOF'
code,name,period,kinds,indicators,deadline
monthly,Số liệu hằng tháng,month,district sector,,1:20
six-month,Báo cáo sơ kết 6 tháng,half,district sector,members.new cdcs.new,0:15
EOF
uss schedules import "$SCHED"
assert_rc 0 "schedules import"
assert_match 'imported 2 schedules' "$OUT" "import counts the schedules"
uss schedules list --json
assert_rc 0 "schedules list --json"
assert_eq 'monthly month 1:20|six-month half 0:15 members.new cdcs.new' \
    "$(jq -r '[.[] | "\(.code) \(.period) \(.deadline)\(if .indicators == "" then "" else " " + .indicators end)"] | join("|")' <<<"$OUT")" \
    "list gives back the imported schedules"
before=$(sqlite3 "$SRV_DB" 'SELECT * FROM schedules ORDER BY id')
bad_import () {
    local what=$1 line=$2
    printf 'code,name,period,kinds,indicators,deadline\n%s\n' "$line" >"$WORK/bad.csv"
    uss schedules import "$WORK/bad.csv"
    assert_rc 2 "schedules import of $what"
    assert_one_stderr_line "schedules import of $what"
    assert_match 'nothing imported' "$ERR" "the refusal of $what says nothing was imported"
    assert_eq "$before" "$(sqlite3 "$SRV_DB" 'SELECT * FROM schedules ORDER BY id')" \
        "$what changed no schedule"
}
bad_import 'an unknown period type' 'w,Weekly,week,district,,1:20'
bad_import 'an unknown unit kind' 'm,Monthly,month,district village,,1:20'
bad_import 'an unknown indicator' 'm,Monthly,month,district,members.new no.such,1:20'
bad_import 'a bad deadline' 'm,Monthly,month,district,,20'
bad_import 'a day 32' 'm,Monthly,month,district,,1:32'
bad_import 'a missing column' 'm,Monthly,month,district,1:20'
printf 'code,name,period,kinds,indicators,deadline\n' >"$WORK/empty.csv"
uss schedules import "$WORK/empty.csv"
assert_rc 2 "schedules import of a file without schedules"
assert_eq "$before" "$(sqlite3 "$SRV_DB" 'SELECT * FROM schedules ORDER BY id')" \
    "an empty file changed no schedule"

# ------------------------------------------------------------------ 2. quarter
log '=== 2. monthly submissions complete a quarter'
for m in 01 02 03; do
    us tp set "$TP" "2023-$m" members.new "$((10#$m * 5))"
    assert_rc 0 "tp enters 2023-$m"
done
sync_ok tp
for m in 01 02 03; do
    us tp submit "2023-$m"
    assert_rc 0 "tp submits 2023-$m"
done
sync_ok tp
assert_match 'submitted' "$OUT" "the sync sends the submissions"
rep=$(report_json 2023-Q1)
assert_eq 0 "$(jq --arg u "$TP" '[.completeness.missing[] | select(. == $u)] | length' <<<"$rep")" \
    "2023-Q1: $TP, who submitted each of its months, is not missing"
assert_eq 1 "$(jq '.completeness.submitted' <<<"$rep")" "2023-Q1: one unit submitted"
expected=$(jq '.completeness.expected' <<<"$rep")
assert_eq "$((expected - 1))" "$(jq '.completeness.missing | length' <<<"$rep")" \
    "2023-Q1: the others are missing"
monthly=$(jq -c '.schedules[] | select(.code == "monthly")' <<<"$rep")
assert_eq '2023-01 20/2/2023|2023-02 20/3/2023|2023-03 20/4/2023' \
    "$(jq -r '[.periods[] | "\(.period) \(.deadline)"] | join("|")' <<<"$monthly")" \
    "the monthly schedule's periods of 2023-Q1 and their deadlines"
assert_eq "1 1 0 [\"$TP\"] 0" \
    "$(jq -r --arg u "$TP" '.periods[0] | "\(.submitted) \(.late) \(.on_time) \(.late_units | tojson) \([.missing[] | select(. == $u)] | length)"' <<<"$monthly")" \
    "2023-01: one submitted, late (years after 20/2/2023), $TP not missing"
assert_eq "$expected" "$(jq '.periods[0].expected' <<<"$monthly")" \
    "the monthly schedule expects the same units as the report"
assert_eq 0 "$(jq '[.schedules[] | select(.code == "six-month") | .periods[]] | length' <<<"$rep")" \
    "a quarter holds no six-month period"
rep=$(report_json 2023-H1)
assert_eq '15/6/2023' "$(jq -r '.schedules[] | select(.code == "six-month") | .periods[0].deadline' <<<"$rep")" \
    "the six-month report's configured deadline"
assert_eq 0 "$(jq '.completeness.submitted' <<<"$rep")" "2023-H1: nobody covered the half"

# ------------------------------------------------------------------ 3. submit
log '=== 3. submitting means something'
next_month=$(TZ=Asia/Ho_Chi_Minh date -d "$(TZ=Asia/Ho_Chi_Minh date +%Y-%m-15) +1 month" +%Y-%m)
this_month=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m)
queued () { sqlite3 "$(cdb "$1")" "SELECT COUNT(*) FROM pending_submits WHERE state = 'queued'"; }
us tp set "$TP" "$next_month" members.new 3
us tp submit "$next_month"
assert_rc 2 "submit of a month that has not ended ($next_month)"
assert_match 'not ended' "$ERR" "the refusal says the month has not ended"
us tp submit "$next_month" --nil
assert_rc 2 "a nil submit of a month that has not ended"
us tp set "$TP" "$this_month" members.new 2
us tp submit "$this_month"
assert_rc 2 "submit of the current month ($this_month in Vietnam), which has not ended"
us gl submit 2023-02
assert_rc 2 "submit of a month without any figure"
assert_match 'no figure.*--nil' "$ERR" "the refusal says there is no figure and names --nil"
assert_one_stderr_line "the refusal of an empty month"
us tp submit 2023-02 --nil
assert_rc 2 "a nil submit of a month with figures"
assert_match 'has figures' "$ERR" "the refusal says the month has figures"
assert_eq 0 "$(queued tp)" "the refused submissions of tp queued nothing"
assert_eq 0 "$(queued gl)" "the refused submission of gl queued nothing"
us gl submit 2023-02 --nil
assert_rc 0 "a nil submit of a month without figures"
assert_match 'nil' "$OUT" "the office says the submission is nil"
sync_ok gl
assert_eq 'submitted 1' "$(sqlite3 -separator ' ' "$SRV_DB" "SELECT s.state, s.nil FROM submissions s
    JOIN units u ON u.id = s.unit_id WHERE u.code = '$GL' AND s.period = '2023-02'")" \
    "the province stores gl's 2023-02 as a nil submission"
p=$(sched_json 2023-Q1 | jq -c '.[] | select(.code == "monthly") | .periods[1]')
assert_eq "[\"$GL\"]" "$(jq -c '.nil' <<<"$p")" "2023-02 lists gl as nil"
assert_eq 2 "$(jq '.submitted' <<<"$p")" "2023-02: tp and gl's nil report both count"

# the server refuses on its own what the office would have refused
sqlite3 "$(cdb gl)" "INSERT INTO pending_submits (period, at) VALUES ('$next_month', 1), ('2023-03', 2)" \
    || die "cannot queue behind the office's back"
us gl sync --timeout-ms 2000 --retries 3
[ "$RC" -eq 0 ] || [ "$RC" -eq 4 ] || fail "the sync with refused submissions finishes" "0 or 4" "$RC"
assert_eq 'refused refused' "$(sqlite3 "$(cdb gl)" "SELECT state FROM pending_submits
    WHERE period IN ('$next_month', '2023-03') ORDER BY at" | tr '\n' ' ' | sed 's/ $//')" \
    "the office records both submissions as refused by the province"
assert_match 'not ended' "$(sqlite3 "$(cdb gl)" "SELECT reason FROM pending_submits WHERE period = '$next_month'")" \
    "the province's reason for the future month"
assert_match 'no figure' "$(sqlite3 "$(cdb gl)" "SELECT reason FROM pending_submits WHERE period = '2023-03'")" \
    "the province's reason for the empty month"
assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = '$GL' AND s.period IN ('$next_month', '2023-03')")" "the server stored neither"

# ------------------------------------------------------------------ 4. overdue
log '=== 4. overdue'
uss overdue --at 2023-04-10 --json
assert_rc 0 "overdue --at 2023-04-10"
od=$OUT
assert_eq due "$(jq -r --arg u "$TP" '[.[] | select(.schedule == "monthly" and .period == "2023-03" and .unit == $u)][0].state' <<<"$od")" \
    "at 2023-04-10 tp's March report (submitted later) is due"
assert_eq late "$(jq -r '[.[] | select(.schedule == "monthly" and .period == "2023-02" and .unit == "QT.DAKRONG")][0].state' <<<"$od")" \
    "at 2023-04-10 Đakrông's February report is late"
assert_eq '20/4/2023' "$(jq -r '[.[] | select(.period == "2023-03")][0].deadline' <<<"$od")" \
    "the March deadline"
assert_eq 'after that day' "$(jq -r --arg u "$TP" '[.[] | select(.unit == $u)][0].last_sync' <<<"$od")" \
    "tp's last sync came after 2023-04-10"
assert_eq never "$(jq -r '[.[] | select(.unit == "QT.DAKRONG")][0].last_sync' <<<"$od")" \
    "Đakrông never synced"
uss overdue --at 2023-05-01
assert_rc 0 "overdue as text"
assert_match "monthly +2023-03 +due 20/4/2023 +LATE +QT\.DAKRONG" "$OUT" "the text lists Đakrông's late March report"
last_month=$(TZ=Asia/Ho_Chi_Minh date -d "$(TZ=Asia/Ho_Chi_Minh date +%Y-%m-15) -1 month" +%Y-%m)
us tp set "$TP" "$last_month" members.new 7
us tp submit "$last_month"
assert_rc 0 "tp submits last month ($last_month)"
sync_ok tp
uss overdue --json
today=$OUT
assert_eq 0 "$(jq --arg u "$TP" --arg p "$last_month" '[.[] | select(.unit == $u and .period == $p)] | length' <<<"$today")" \
    "(today) tp's report of $last_month is not overdue: it was submitted"
assert_eq 1 "$(jq --arg u "$GL" --arg p "$last_month" '[.[] | select(.unit == $u and .period == $p and .schedule == "monthly")] | length' <<<"$today")" \
    "(today) gl's report of $last_month is listed"
assert_match '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]$' \
    "$(jq -r --arg u "$GL" '[.[] | select(.unit == $u)][0].last_sync' <<<"$today")" \
    "(today) gl's last sync is a time"
uss overdue --at 2023-02-30
assert_rc 2 "overdue with a day that does not exist"
assert_one_stderr_line "overdue --at 2023-02-30"

# ------------------------------------------------------------------ 5. amended
log '=== 5. amended submissions'
assert_eq 1 "$(jq '.completeness.submitted' <<<"$(report_json 2023-Q1)")" "before: tp's quarter counts"
us tp set "$TP" 2023-02 members.new 11
assert_rc 0 "tp edits its submitted February"
assert_eq amended "$(sqlite3 "$(cdb tp)" "SELECT state FROM pending_submits WHERE period = '2023-02'")" \
    "the office marks its February submission amended at once, offline"
us tp status --json
assert_match 'amended' "$(jq -c '.' <<<"$OUT")" "the office's status shows the amended submission"
sync_ok tp
assert_eq amended "$(sqlite3 "$SRV_DB" "SELECT s.state FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = '$TP' AND s.period = '2023-02'")" "the province holds tp's February as amended"
uss audit verify
assert_rc 0 "audit verify replays the amendment from its state record"
rep=$(report_json 2023-Q1)
assert_eq 0 "$(jq '.completeness.submitted' <<<"$rep")" "an amended month leaves the quarter incomplete"
assert_eq 1 "$(jq --arg u "$TP" '[.completeness.missing[] | select(. == $u)] | length' <<<"$rep")" \
    "tp is missing from 2023-Q1 until it submits again"
assert_eq "[\"$TP\"]" "$(jq -c '.schedules[] | select(.code == "monthly") | .periods[1].amended' <<<"$rep")" \
    "the monthly schedule lists tp's February as amended"
us tp submit 2023-02
assert_rc 0 "tp submits February again"
sync_ok tp
rep=$(report_json 2023-Q1)
assert_eq 1 "$(jq '.completeness.submitted' <<<"$rep")" "submitted again, the quarter is complete"
assert_eq '[]' "$(jq -c '.schedules[] | select(.code == "monthly") | .periods[1].amended' <<<"$rep")" \
    "nothing amended is left"
# ------------------------------------------------------------------ 6. todo
log '=== 6. todo'
inputs=$(awk -F, 'NR > 1 && $3 != "ratio" && $3 != "formula"' "$DATA/indicators.csv" | wc -l)
us gl todo 2023-04 --json
assert_rc 0 "todo 2023-04"
assert_eq "$inputs" "$(jq '.not_entered | length' <<<"$OUT")" "nothing entered: every entered indicator of the catalog is listed"
assert_eq 'none|due, late|20/5/2023' "$(jq -r '"\(.submission)|\(.due)|\(.deadline)"' <<<"$OUT")" \
    "the April submission is due, late, with its deadline"
us gl set "$GL" 2023-04 party.introduced 3
us gl set "$GL" 2023-04 party.admitted 5
us gl todo 2023-04 --json
assert_eq "$((inputs - 2))" "$(jq '.not_entered | length' <<<"$OUT")" "two indicators entered"
assert_eq 0 "$(jq '[.not_entered[] | select(. == "party.admitted")] | length' <<<"$OUT")" "party.admitted is no longer listed"
assert_match 'party\.admitted' "$(jq -r '.broken_rule' <<<"$OUT")" "the broken rule is named"
us gl todo
assert_rc 0 "todo of this month"
assert_match "^$GL $(TZ=Asia/Ho_Chi_Minh date +%Y-%m)\$" "$(head -n 1 <<<"$OUT")" "todo defaults to this month in Vietnam"
assert_match 'not due yet' "$OUT" "this month's submission is not due yet"
us gl todo 2023-13
assert_rc 2 "todo of a bad period"

# a province correction does not amend the office's report
USER=tinh.qt uss set "$TP" 2023-02 members.new 12 --note 'per the register'
assert_rc 0 "a province correction"
assert_eq submitted "$(sqlite3 "$SRV_DB" "SELECT s.state FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = '$TP' AND s.period = '2023-02'")" "the province's own correction leaves the report submitted"
# the quarter whose months were each submitted is approved without --force
uss approve "$TP" 2023-Q1
assert_rc 0 "approve $TP 2023-Q1 after its three months were submitted"
assert_match ': approved$' "$OUT" "the quarter is approved as reported"
assert_eq 1 "$(sqlite3 "$SRV_DB" "SELECT s.reported FROM submissions s JOIN units u ON u.id = s.unit_id
    WHERE u.code = '$TP' AND s.period = '2023-Q1'")" "the approved quarter counts as reported"
uss approve "$GL" 2023-Q1
assert_rc 2 "approve of gl's quarter, of which only February was submitted"
assert_match 'has not submitted' "$ERR" "the refusal says gl has not submitted"

# ------------------------------------------------------------------ 7. ranking
log '=== 7. a ranking against targets of one period'
USER=tinh.qt uss set QT.DONGHA 2023-02 members.new 4 --note 'from the minutes'
USER=tinh.qt uss set QT.CAMLO 2023-01 members.new 9 --note 'from the minutes'
for t in "$TP 2023 100" "QT.DONGHA 2023 40" "$GL 2023 50" "QT.CAMLO 2023-Q1 10"; do
    set -- $t
    uss target set "$1" members.new "$2" "$3" --source province
    assert_rc 0 "target of $1 for $2"
done
uss report 2023-Q1 --rank members.new --source province --format json
assert_rc 0 "the ranking of 2023-Q1"
rank=$OUT
tp_q1=$(row_value "$(report_json 2023-Q1)" "$TP" members.new)
assert_eq "$TP QT.DONGHA" "$(jq -r '[.rows[] | select(.rank != null) | .unit] | join(" ")' <<<"$rank")" \
    "only the units with figures and yearly targets are ranked (tp: $tp_q1 of 100, Đông Hà: 4 of 40)"
assert_eq null "$(jq -r --arg u "$GL" '.rows[] | select(.unit == $u) | .rank' <<<"$rank")" \
    "gl, without a figure, is not ranked"
assert_eq null "$(jq -r '.rows[] | select(.unit == "QT.CAMLO") | .rank' <<<"$rank")" \
    "Cam Lộ, whose target is a quarter's, is not ranked beside yearly targets"
uss report 2023-Q1 --rank members.new --source province
assert_match "$GL .* not reported" "$OUT" "the text lists gl as not reported, not as 0%"

# ------------------------------------------------------------------ 8. honest text
log '=== 8. the Vietnamese comparison says how many units reported'
rep=$(report_json 2023-Q1)
sub_q1=$(jq '.completeness.submitted' <<<"$rep")
exp_q1=$(jq '.completeness.expected' <<<"$rep")
uss report 2023-Q1 --format vi --compare
assert_rc 0 "the Vietnamese report with last year's"
assert_match "^$sub_q1/$exp_q1 đơn vị đã báo cáo" "$(head -n 1 <<<"$OUT")" \
    "the comparison opens with how many units reported ($sub_q1/$exp_q1)"
uss report 2023-Q1 --format vi
assert_eq 0 "$(grep -c 'đơn vị đã báo cáo; số liệu dưới đây' <<<"$OUT")" "without --compare it says nothing of a comparison"

# ------------------------------------------------------------------ 9. schedules at the office
log '=== 9. the schedules reach the offices'
client_init hl QT.HAILANG              # never pulled
us hl todo 2023-05 --json
assert_rc 0 "todo of an office that never pulled"
assert_eq "false|$inputs|20/6/2023|[]" \
    "$(jq -r '"\(.schedules_known)|\(.not_entered | length)|\(.deadline)|\(.schedules | tojson)"' <<<"$OUT")" \
    "before any pull: the whole catalog and the default deadline"
cat >"$SCHED" <<'EOF'
code,name,period,kinds,indicators,deadline
monthly,Số liệu hằng tháng,month,district,members.new cdcs.new cla.signed,1:10
quarterly,Báo cáo quý,quarter,district,training.classes,0:25
EOF
uss schedules import "$SCHED"
assert_rc 0 "the province imports schedules with other deadlines and indicators"
us gl todo 2023-05 --json
assert_eq 'monthly six-month' "$(jq -r '[.schedules[].code] | unique | join(" ")' <<<"$OUT")" \
    "before its sync gl keeps the set it pulled before"
sync_ok gl
assert_eq 'monthly|month|district|members.new cdcs.new cla.signed|1:10
quarterly|quarter|district|training.classes|0:25' \
    "$(sqlite3 "$(cdb gl)" 'SELECT code, period, kinds, indicators, deadline FROM schedules ORDER BY position')" \
    "after the sync gl's store holds exactly the province's new set"
# a store an older unionsync kept (schema 8) pulled past the set without keeping it:
# upgraded, it pulls its scope again and gets the set
sqlite3 "$(cdb gl)" "DROP TABLE schedules; ALTER TABLE state DROP COLUMN checkpoint_mark; PRAGMA user_version = 8; UPDATE meta SET value = '8' WHERE key = 'schema'" \
    || die "cannot make gl's store look older"
sync_ok gl
assert_eq 'monthly quarterly' "$(sqlite3 "$(cdb gl)" 'SELECT code FROM schedules ORDER BY position' | tr '\n' ' ' | sed 's/ $//')" \
    "an office upgraded from a program that skipped the schedules gets them at its next sync"
us gl todo 2023-05 --json
assert_rc 0 "todo 2023-05 with the province's schedules"
assert_eq 'true|cdcs.new cla.signed members.new training.classes' \
    "$(jq -r '"\(.schedules_known)|\(.not_entered | sort | join(" "))"' <<<"$OUT")" \
    "todo lists exactly the indicators of the schedules"
assert_eq 'monthly 2023-05 10/6/2023 due, late members.new cdcs.new cla.signed|quarterly 2023-Q2 25/6/2023 due, late training.classes' \
    "$(jq -r '[.schedules[] | "\(.code) \(.period) \(.deadline) \(.due) \(.not_entered | join(" "))"] | join("|")' <<<"$OUT")" \
    "each schedule period with its own deadline and its own indicators"
assert_eq '10/6/2023' "$(jq -r '.deadline' <<<"$OUT")" "the month's own deadline is the schedule's, not the 20th"
us gl set "$GL" 2023-05 members.new 4
us gl todo 2023-05
assert_rc 0 "todo as text"
assert_match 'monthly 2023-05 \(Số liệu hằng tháng\)' "$OUT" "the text names the schedule and its period"
assert_match 'submission: due, late; deadline 10/6/2023' "$OUT" "the text gives the monthly deadline"
assert_match 'submission: due, late; deadline 25/6/2023' "$OUT" "and the quarterly one"
assert_eq 0 "$(grep -c 'members\.new\|propaganda\|dialogues' <<<"$OUT")" \
    "an entered indicator and those of no schedule are not listed"
us gl todo 2023-06 --json
assert_eq '10/7/2023|25/6/2023' "$(jq -r '[.schedules[].deadline] | join("|")' <<<"$OUT")" \
    "June: the month's deadline and the quarter's, in the quarter's last month"
us gl submit 2023-05
assert_rc 0 "gl submits May"
assert_match 'Số liệu hằng tháng \(monthly\): deadline 10/6/2023, passed: it comes late' "$OUT" \
    "submit names the schedule's own deadline, passed"
assert_eq 0 "$(grep -c 'quarterly' <<<"$OUT")" "and only that of the schedules whose report is May"
us gl todo 2023-05 --json
assert_eq 'queued (sent on the next sync)|due, late' "$(jq -r '[.schedules[].due] | join("|")' <<<"$OUT")" \
    "todo: May's submission queued, the quarter's still due"
client_init yt QT.CDN.YTE
sync_ok yt
us yt todo 2023-05 --json
assert_eq 'true|0|0|' "$(jq -r '"\(.schedules_known)|\(.schedules | length)|\(.not_entered | length)|\(.deadline)"' <<<"$OUT")" \
    "a sector office, of a kind no schedule names, is asked for nothing"
us yt todo 2023-05
assert_match 'no schedule of the province asks' "$OUT" "and the text says so"

# the office desk's form: the schedules' indicators, grouped by schedule, with their deadlines
desk_start gl
url=$DESK_URL
form=$(curl -s "${url%%/\?*}/api/form?t=${url##*t=}&month=2023-05")
assert_eq 'monthly:members.new monthly:cdcs.new monthly:cla.signed quarterly:training.classes' \
    "$(jq -r '[.groups[] | .schedule as $s | .indicators[] | "\($s):\(.code)"] | join(" ")' <<<"$form")" \
    "the desk's form shows exactly the schedules' indicators, grouped by schedule"
assert_eq 'Số liệu hằng tháng 2023-05 — hạn nộp 10/6/2023|Báo cáo quý 2023-Q2 — hạn nộp 25/6/2023' \
    "$(jq -r '[.groups[] | select(.head_vi) | .head_vi] | join("|")' <<<"$form")" \
    "each schedule's heading names it with its period and deadline"
assert_eq '10/6/2023 25/6/2023' "$(jq -r '[.schedules[].deadline] | join(" ")' <<<"$form")" \
    "the form lists the deadlines beside the submission"
form=$(curl -s "${url%%/\?*}/api/form?t=${url##*t=}&period=2023-Q2")
assert_eq 'Số liệu hằng tháng 2023-04..2023-06 — hạn nộp từ 10/5/2023 đến 10/7/2023|Báo cáo quý 2023-Q2 — hạn nộp 25/6/2023' \
    "$(jq -r '[.groups[] | select(.head_vi) | .head_vi] | join("|")' <<<"$form")" \
    "a quarter's form heads each schedule once, with its months' first and last deadlines"
kill "$DESK_PID" 2>/dev/null
wait "$DESK_PID" 2>/dev/null

# ------------------------------------------------------------------ 10. the configured deadlines in the prose
log '=== 10. the Vietnamese report states each schedule'"'"'s configured deadline'
rep=$(report_json 2023-Q1)
m_sub=$(jq '[.schedules[] | select(.code == "monthly") | .periods[].submitted] | add' <<<"$rep")
m_exp=$(jq '[.schedules[] | select(.code == "monthly") | .periods[].expected] | add' <<<"$rep")
q_sub=$(jq '[.schedules[] | select(.code == "quarterly") | .periods[].submitted] | add' <<<"$rep")
q_exp=$(jq '[.schedules[] | select(.code == "quarterly") | .periods[].expected] | add' <<<"$rep")
uss report 2023-Q1 --format vi
assert_rc 0 "the Vietnamese report of 2023-Q1"
vi=$OUT
assert_match "Số liệu hằng tháng \\(3 kỳ, hạn nộp từ ngày 10/2/2023 đến ngày 10/4/2023\\): $m_sub/$m_exp báo cáo đã nộp, cả $m_sub báo cáo đều nộp sau hạn\\." \
    "$vi" "the monthly schedule's own deadlines and its $m_sub reports, all late"
assert_match "Báo cáo quý \\(hạn nộp ngày 25/3/2023\\): $q_sub/$q_exp báo cáo đã nộp" \
    "$vi" "the quarterly schedule's own deadline"
assert_eq 0 "$(grep -c '20/4/2023' <<<"$vi")" "the default deadline (20/4/2023) is not claimed"
assert_eq 0 "$(grep -c 'đúng hạn' <<<"$vi")" "no report is said on time: none was"
uss report 2023-Q1 --format html
assert_match '<li data-schedule="quarterly">Báo cáo quý \(hạn nộp ngày 25/3/2023\)' "$OUT" \
    "the HTML report lists each schedule with its deadline"
uss report "$this_month" --format vi
assert_eq 0 "$(grep -c 'đúng hạn\|sau hạn' <<<"$OUT")" \
    "the current month, not ended and not submitted: no report is said on time or late"
# a report that came by its deadline is said on time, and only it
cat >"$SCHED" <<'EOF'
code,name,period,kinds,indicators,deadline
sector-month,Báo cáo tháng của công đoàn ngành,month,sector,,12:28
EOF
uss schedules import "$SCHED"
us yt set QT.CDN.YTE "$last_month" members.new 6
us yt submit "$last_month"
assert_rc 0 "the sector office submits last month"
sync_ok yt
uss report "$last_month" --format vi
assert_match "Báo cáo tháng của công đoàn ngành \\(hạn nộp ngày 28/[0-9]+/[0-9]+\\): 1/[0-9]+ báo cáo đã nộp, báo cáo nộp đúng hạn\\." \
    "$OUT" "a report submitted before its schedule's deadline is said on time"

server_stop
e2e_finish
