#!/usr/bin/env bash
# t_audit_replay: what reports are built from is in the audit chain.
# `audit verify` recomputes the figures, targets and workflow states from
# the records and names the first that was changed behind the server's
# back: a cell, a target, a state; each acts (target set and allocation,
# approve and reopen, imports, corrections) is a record.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

server_init
server_start
client_init dongha QT.DONGHA
us dongha set QT.DONGHA 2022-05 members.new 41
sync_ok dongha
uss set QT.CAMLO 2022-05 members.new 12 --note 'province figure'
assert_rc 0 "province correction"
uss target set QT.DONGHA members.new 2022-H1 400
assert_rc 0 "target set"
uss approve QT.DONGHA 2022-H1 --force
assert_rc 0 "approve"
uss reopen QT.DONGHA 2022-H1
assert_rc 0 "reopen"
uss audit verify
assert_rc 0 "audit verify of an untouched store"
assert_match 'figures, targets and states match' "$OUT" "audit verify says what it compared"
kinds=$(sqlite3 "$SRV_DB" "SELECT group_concat(kind) FROM (SELECT DISTINCT kind FROM received ORDER BY kind)")
assert_eq '0,1,5,6,7' "$kinds" "kinds of records: delta, enrol, target, state, import"
uss audit show --unit QT.DONGHA --period 2022-H1
assert_match 'target: 2022-H1 province 400 400 0' "$OUT" "the target is shown in the record"
assert_match 'state: 2022-H1 reopened' "$OUT" "the reopening is shown in the record"

tamper () {   # SQL, what must be named
    cp "$SRV_DB" "$WORK/before.db"
    sqlite3 "$SRV_DB" "$1"
    uss audit verify
    assert_rc_nonzero "audit verify after: $1"
    assert_match "$2" "$ERR" "audit verify names it after: $1"
    cp "$WORK/before.db" "$SRV_DB"
}
server_stop
tamper "UPDATE cells SET value = value + 100" 'cell QT\.(DONGHA|CAMLO) 2022-05 members\.new holds 1[14][12]'
tamper "UPDATE cells SET value = 141 WHERE value = 41" 'cell QT\.DONGHA 2022-05 members\.new holds 141 .*records give 41'
tamper "UPDATE targets SET lo = 4, hi = 4" 'target of QT\.DONGHA members\.new'
tamper "UPDATE submissions SET state = 'approved'" 'workflow state of QT\.DONGHA'
uss audit verify
assert_rc 0 "audit verify once the store is put back"
e2e_finish
