#!/usr/bin/env bash
# t_reorg_units: the unit tree restructured with an effective date.
#  1. Kinds: commune and park units and a federation's own kind are
#     imported; the new units start in 2025-07 (valid_from).
#  2. Offices of Vĩnh Linh and Đông Hà enter figures for May 2025 and sync.
#  3. Restructuring on 2025-07-01: Vĩnh Linh and Gio Linh merged into the
#     commune union of Vĩnh Linh (their grassroots unions follow), a
#     grassroots union of Đông Hà moved under a ward union, Đông Hà split
#     0.6/0.4 between two ward unions (and 0.7/0.3 for members.total), a
#     sector union renamed, Cam Lộ ended. Bad restructuring of every kind
#     exits 2 with one line and records nothing.
#  4. After the offices pulled the change: a late figure for June 2025 is
#     accepted; one for August 2025 is refused offline naming the
#     successor; the same delta sent behind the client's back is refused
#     by the server naming the successor. An edit of a ward union before
#     July 2025 is refused at the server. The ended units' figures stay.
#  5. `units reorganise FILE --dry-run` prints the tree before and after and
#     records nothing; a file with one bad line records nothing; a good one
#     records everything.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# craft NAME UNIT MONTH INDICATOR VALUE: a delta appended to NAME's outbox
# behind the client's back (as a client that never pulled would send it).
craft () {
    local db month
    db=$(cdb "$1")
    month=$(month_code "$3")
    sqlite3 "$db" "BEGIN;
        INSERT INTO outbox (seq, epoch, unit, indicator, month, value, hlc, base_version, author, note, at)
        VALUES ((SELECT last_seq + 1 FROM state), (SELECT epoch FROM state),
                '$2', '$4', $month, $5, (SELECT hlc + 1000000 FROM state), 0, 'late', '', 0);
        UPDATE state SET last_seq = last_seq + 1, hlc = hlc + 1000000;
        COMMIT;" || die "cannot craft a delta in $db"
}

# tree_state: what the restructuring commands may change on the server.
tree_state () {
    sqlite3 "$SRV_DB" "SELECT code, name, COALESCE (parent_id, 0), valid_from, valid_to, successor
        FROM units ORDER BY code; SELECT COUNT(*) FROM unit_events; SELECT COUNT(*) FROM changelog"
}

# refused WHAT ARGS...: a server command that must exit 2 with one line and change nothing.
refused () {
    local what=$1 before
    shift
    before=$(tree_state)
    uss "$@"
    assert_rc 2 "$what"
    assert_one_stderr_line "$what"
    assert_eq "$before" "$(tree_state)" "$what changes nothing"
}

units_csv=$WORK/units.csv
{ cat "$DATA/quangtri-units.csv"
  echo 'QT.DONGHA.CDCS1,CĐCS Công ty Bia Đông Hà,QT.DONGHA,grassroots'
  echo 'QT.VINHLINH.CDCS1,CĐCS Cảng Cửa Việt,QT.VINHLINH,grassroots'
} >"$units_csv"
server_init "$units_csv"

# 1. kinds
printf 'code,name,level,reports\ncluster,Cụm công đoàn,2,1\n' >"$WORK/kinds.csv"
uss kinds import "$WORK/kinds.csv"
assert_rc 0 "a federation's own kind is imported"
cat >"$WORK/new.csv" <<'CSV'
id,name,parent,kind,valid_from
QT.X.VINHLINH,Công đoàn xã Vĩnh Linh,QT,commune,2025-07
QT.P.DONGHA,Công đoàn phường Đông Hà,QT,commune,2025-07
QT.P.NAMDONGHA,Công đoàn phường Nam Đông Hà,QT,commune,2025-07
QT.KCN,Công đoàn các khu công nghiệp tỉnh,QT,park,2025-07
QT.KCN.CUM1,Cụm công đoàn Quán Ngang,QT.KCN,cluster,2025-07
CSV
uss units import "$WORK/new.csv"
assert_rc 0 "commune, park and cluster units are imported"
assert_eq 'commune commune commune park cluster' \
    "$(sqlite3 "$SRV_DB" "SELECT group_concat (kind, ' ') FROM (SELECT kind FROM units WHERE valid_from = '2025-07' ORDER BY id)")" \
    "the new units keep their kinds"
server_start

# 2. figures before the change
client_init vinhlinh QT.VINHLINH
client_init dongha QT.DONGHA
sync_ok vinhlinh
us vinhlinh set QT.VINHLINH 2025-05 members.new 40;          assert_rc 0 "Vĩnh Linh's May figure"
us vinhlinh set QT.VINHLINH.CDCS1 2025-05 members.new 12;    assert_rc 0 "its grassroots union's May figure"
us dongha set QT.DONGHA 2025-05 members.new 55;              assert_rc 0 "Đông Hà's May figure"
sync_ok vinhlinh
sync_ok dongha

# 3. restructuring, bad input first
refused 'shares that sum to 1.1' units split QT.DONGHA --into QT.P.DONGHA=0.6,QT.P.NAMDONGHA=0.5 --on 2025-07-01
refused 'a share that is not exact' units split QT.DONGHA --into QT.P.DONGHA=0.6666667,QT.P.NAMDONGHA=0.3333333 --on 2025-07-01
refused 'a split with a live unit under it' units split QT.DONGHA --into QT.P.DONGHA=0.6,QT.P.NAMDONGHA=0.4 --on 2025-07-01
refused 'a date that is not the first of a month' units merge QT.VINHLINH --into QT.X.VINHLINH --on 2025-07-15
refused 'an unknown successor' units merge QT.VINHLINH --into QT.NOWHERE --on 2025-07-01
refused 'a successor that starts later' units merge QT.VINHLINH --into QT.X.VINHLINH --on 2025-06-01
refused 'a merge into itself' units merge QT.VINHLINH --into QT.VINHLINH --on 2025-07-01
refused 'a merge missing --on' units merge QT.VINHLINH --into QT.X.VINHLINH
refused 'a move into its own subtree' units move QT.VINHLINH --parent QT.VINHLINH.CDCS1 --on 2025-07-01
refused 'ending the province' units end QT --on 2025-07-01
refused 'per-indicator shares before the split' units split QT.DONGHA --into QT.P.DONGHA=0.7,QT.P.NAMDONGHA=0.3 --on 2025-07-01 --indicator members.new
refused 'a merge where the second unit is unknown (all or nothing)' units merge QT.VINHLINH QT.NOPE --into QT.X.VINHLINH --on 2025-07-01

uss units merge QT.VINHLINH QT.GIOLINH --into QT.X.VINHLINH --on 2025-07-01
assert_rc 0 "merge"
uss units move QT.DONGHA.CDCS1 --parent QT.P.DONGHA --on 2025-07-01
assert_rc 0 "move"
uss units split QT.DONGHA --into QT.P.DONGHA=0.6,QT.P.NAMDONGHA=0.4 --on 2025-07-01
assert_rc 0 "split"
uss units split QT.DONGHA --into QT.P.DONGHA=0.7,QT.P.NAMDONGHA=0.3 --on 2025-07-01 --indicator members.new
assert_rc 0 "per-indicator shares"
uss units rename QT.CDN.YTE --name 'Công đoàn ngành Y tế Quảng Trị' --on 2025-07-01
assert_rc 0 "rename"
uss units end QT.CAMLO --on 2025-07-01
assert_rc 0 "end"
refused 'merging a unit already ended' units merge QT.VINHLINH --into QT.P.DONGHA --on 2025-08-01

assert_eq '2025-06|QT.X.VINHLINH' "$(sqlite3 "$SRV_DB" "SELECT valid_to || '|' || successor FROM units WHERE code = 'QT.VINHLINH'")" \
    "Vĩnh Linh ends in June 2025, succeeded by the commune union"
assert_eq 'QT.X.VINHLINH' "$(sqlite3 "$SRV_DB" "SELECT p.code FROM units u JOIN units p ON p.id = u.parent_id WHERE u.code = 'QT.VINHLINH.CDCS1'")" \
    "the merged district's grassroots union moved to its successor"
assert_eq 'QT.P.DONGHA' "$(sqlite3 "$SRV_DB" "SELECT p.code FROM units u JOIN units p ON p.id = u.parent_id WHERE u.code = 'QT.DONGHA.CDCS1'")" \
    "the moved grassroots union is under the ward union"
assert_eq 'QT.P.DONGHA=0.6,QT.P.NAMDONGHA=0.4' "$(sqlite3 "$SRV_DB" "SELECT successor FROM units WHERE code = 'QT.DONGHA'")" \
    "Đông Hà's successors and shares"
uss units events
assert_rc 0 "units events"
assert_match 'split +QT.DONGHA -> QT.P.DONGHA x 0.7 for members.new' "$OUT" "the per-indicator share is listed"
assert_match 'rename +QT.CDN.YTE: .* -> Công đoàn ngành Y tế Quảng Trị' "$OUT" "the rename keeps the old name"
assert_eq 10 "$(grep -c . <<<"$OUT")" "ten events: 2 merges, 1 move by merge, 1 move, 2+2 split shares, 1 rename, 1 end"
assert_eq 2 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id WHERE u.valid_to = '2025-06'")" \
    "the ended units' figures stay on the server"
sqlite3 "$SRV_DB" "DELETE FROM unit_events" 2>/dev/null && fail "unit events can be deleted"

# 4. validity at the offices and the server
sync_ok vinhlinh
sync_ok dongha
us vinhlinh status
assert_match 'This unit ended in 2025-06; its successor is QT.X.VINHLINH' "$OUT" "the office is told its successor"
us dongha status --json
assert_eq '2025-06 QT.P.DONGHA=0.6,QT.P.NAMDONGHA=0.4' "$(jq -r '.ended + " " + .successor' <<<"$OUT")" \
    "status --json names the end and the successors"
us vinhlinh set QT.VINHLINH 2025-06 members.new 9
assert_rc 0 "a late figure for June 2025 (before the end) is accepted offline"
sync_ok vinhlinh
before=$(sha "$(cdb vinhlinh)")
us vinhlinh set QT.VINHLINH 2025-08 members.new 9
assert_rc 2 "a figure for August 2025 is refused offline"
assert_one_stderr_line "the offline refusal"
assert_match 'QT.VINHLINH ended in 2025-06; its successor is QT.X.VINHLINH' "$ERR" "the offline refusal names the successor"
assert_eq "$before" "$(sha "$(cdb vinhlinh)")" "the refused edit changes nothing at the office"
us dongha set QT.DONGHA 2025-09 members.new 9
assert_rc 2 "a split unit's figure for September is refused offline"
assert_match 'successors are QT.P.DONGHA=0.6,QT.P.NAMDONGHA=0.4' "$ERR" "the refusal names both successors"
craft vinhlinh QT.VINHLINH 2025-08 members.new 31
craft vinhlinh QT.VINHLINH 2025-04 members.new 7
us vinhlinh sync --timeout-ms 2000 --retries 3
assert_rc 4 "a sync with a too-late delta"
us vinhlinh status --json
assert_eq 1 "$(jq '.rejected | length' <<<"$OUT")" "one delta rejected"
assert_match 'ended in 2025-06; its successor is QT.X.VINHLINH \(Công đoàn xã Vĩnh Linh\)' \
    "$(jq -r '.rejected[0].reason' <<<"$OUT")" "the server's reason names the successor"
assert_eq '7 9 40' "$(sqlite3 "$SRV_DB" "SELECT group_concat (value, ' ') FROM (SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id
    WHERE u.code = 'QT.VINHLINH' ORDER BY c.value)")" "late figures for April and June are kept, August is not"
uss set QT.P.DONGHA 2025-06 members.new 3 --note 'before it existed'
assert_rc 2 "a province edit of a ward union before July 2025"
assert_match 'starts only in 2025-07' "$ERR" "the refusal says when the unit starts"
uss set QT.P.DONGHA 2025-07 members.new 3 --note 'its first month'
assert_rc 0 "a province edit of a ward union in July 2025"

# 5. a whole reorganisation as one file
cat >"$WORK/reorg.csv" <<'CSV'
action,unit,target,date
end,QT.HAILANG,,2025-07-01
merge,QT.TRIEUPHONG,QT.P.DONGHA,2025-07-01
rename,QT.CDVC,Công đoàn Viên chức tỉnh Quảng Trị,2025-07-01
CSV
before=$(tree_state)
uss units reorganise "$WORK/reorg.csv" --dry-run
assert_rc 0 "a dry run"
assert_match 'units in 2025-06:' "$OUT" "the dry run prints the tree before"
assert_match 'units in 2025-07:' "$OUT" "and the tree after"
assert_eq 1 "$(grep -c "QT.HAILANG" <<<"$OUT")" "Hải Lăng is in the tree before and not after"
assert_eq "$before" "$(tree_state)" "the dry run records nothing"
{ cat "$WORK/reorg.csv"; echo 'split,QT.HUONGHOA,QT.P.DONGHA=0.5;QT.KCN=0.6,2025-07-01'; } >"$WORK/bad.csv"
refused 'a reorganisation file with one bad line' units reorganise "$WORK/bad.csv"
assert_match 'line 5' "$ERR" "the refusal names the line"
uss units reorganise "$WORK/reorg.csv"
assert_rc 0 "the reorganisation"
assert_eq '2025-06 2025-06' "$(sqlite3 "$SRV_DB" "SELECT group_concat (valid_to, ' ') FROM units WHERE code IN ('QT.HAILANG', 'QT.TRIEUPHONG')")" \
    "the file's units ended"
server_stop
# Every restructuring is a record of the audit chain, and the chain holds.
events=$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM unit_events')
assert_eq "$events" "$(sqlite3 "$SRV_DB" 'SELECT COUNT(*) FROM received WHERE kind = 8')" \
    "one audit record per unit event ($events)"
uss audit verify
assert_rc 0 "audit verify after the restructuring"
e2e_finish
