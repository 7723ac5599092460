#!/usr/bin/env bash
# t_bad_input: bad command lines and bad files are refused cleanly.
# Every case must exit 2 with exactly one line on stderr and change nothing:
#  - district client: unknown command/option, missing arguments, bad month,
#    bad period, non-numeric/negative/overflowing value, a ratio set by hand,
#    an unknown indicator, bad sync options, init over an existing store, an
#    import with a bad line in the middle (nothing stored, the message names
#    the line and what is wrong), a submission that breaks a catalog rule.
#    "Nothing changed" = same sha256 of the store and its key, same files.
#  - provincial CLI: unknown command/option, units import with a bad kind in
#    the middle (message names the line), indicators import with a bad kind,
#    report with a bad period/format/unit, target with a bad value/source/
#    period, enroll with a bad key or unknown unit, a correction without a
#    note or with a negative value, serve with a bad endpoint or port.
#    "Nothing changed" = same content of the data tables.
#  - a corrupt store (random bytes): every command exits non-zero with one
#    clear line, and the file is not overwritten; init refuses to replace it.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# client_state: the district store, its key and the files next to it.
client_state () {
    sha256sum "$WORK/office.db" "$WORK/office.db.key"
    echo "$WORK"/office*
}

# server_state: the content of the provincial store's data tables.
server_state () {
    sqlite3 "$SRV_DB" 'SELECT * FROM units; SELECT * FROM indicators; SELECT * FROM cells;
        SELECT * FROM targets; SELECT * FROM submissions; SELECT * FROM replicas;
        SELECT * FROM conflicts' | sha256sum
}

# bad_client WHAT ARGS...: `unionsync ARGS` on the office store is refused.
bad_client () {
    local what=$1 before
    shift
    before=$(client_state)
    us office "$@"
    assert_rc 2 "client: $what"
    assert_one_stderr_line "client: $what"
    assert_eq "$before" "$(client_state)" "client: $what: store unchanged"
}

# bad_server WHAT ARGS...: `unionsync-server ARGS` is refused.
bad_server () {
    local what=$1 before
    shift
    before=$(server_state)
    uss "$@"
    assert_rc 2 "server: $what"
    assert_one_stderr_line "server: $what"
    assert_eq "$before" "$(server_state)" "server: $what: store unchanged"
}

# client_cases: the district office's command line.
client_cases () {
    local csv=$WORK/figures.csv
    bad_client 'unknown command' frobnicate
    bad_client 'unknown option' set QT.DONGHA 2022-01 members.new 5 --bogus
    bad_client 'unknown option of show' show --jsonn
    bad_client 'missing arguments of set' set QT.DONGHA 2022-01
    bad_client 'missing file of import' import
    bad_client 'missing period of submit' submit
    bad_client 'too many arguments' set QT.DONGHA 2022-01 members.new 5 6
    bad_client 'bad month 2022-13' set QT.DONGHA 2022-13 members.new 5
    bad_client 'bad month 2022-1' set QT.DONGHA 2022-1 members.new 5
    bad_client 'bad month 22-01' set QT.DONGHA 22-01 members.new 5
    bad_client 'a quarter where a month is needed' set QT.DONGHA 2022-Q1 members.new 5
    bad_client 'bad period 2022-Q5' show 2022-Q5
    bad_client 'bad period 2022-H3' submit 2022-H3
    bad_client 'reversed range' show 2022-05..2022-01
    bad_client 'non-numeric value 12a' set QT.DONGHA 2022-01 members.new 12a
    bad_client 'decimal value 1.5' set QT.DONGHA 2022-01 members.new 1.5
    bad_client 'empty value' set QT.DONGHA 2022-01 members.new ''
    bad_client 'overflowing value' set QT.DONGHA 2022-01 members.new 99999999999999999999999
    bad_client 'negative value' set QT.DONGHA 2022-01 members.new -5
    bad_client 'ratio set by hand' set QT.DONGHA 2022-01 cla.coverage 50
    bad_client 'unknown indicator' set QT.DONGHA 2022-01 members.bogus 5
    bad_client 'unknown unit' set QT.NOWHERE 2022-01 members.new 5
    bad_client 'sync --timeout-ms abc' sync --timeout-ms abc
    bad_client 'sync --retries 0' sync --retries 0
    bad_client 'init over an existing store' init --unit QT.DONGHA --server "$ENDPOINT" --server-key "$SERVER_KEY"
    bad_client 'init without --server' init --unit QT.DONGHA
    bad_client 'import of a missing file' import "$WORK/nowhere.csv"

    printf '%s\n' 'unit,month,indicator,value,note' \
        'QT.DONGHA,2022-02,members.new,5,' \
        'QT.DONGHA,2022-03,members.new,6,' \
        'QT.DONGHA,2022-13,members.new,7,tháng 13' \
        'QT.DONGHA,2022-04,members.new,8,' >"$csv"
    bad_client 'import with a bad month on line 4' import "$csv"
    assert_match 'line 4' "$ERR" "import: the message names line 4"
    assert_match "2022-13" "$ERR" "import: the message names the bad month"
    printf '%s\n' 'QT.DONGHA,2022-02,members.new,5' \
        'QT.DONGHA,2022-03,members.new,abc' \
        'QT.DONGHA,2022-04,members.new,8' >"$csv"
    bad_client 'import with a non-numeric value on line 2' import "$csv"
    assert_match 'line 2' "$ERR" "import: the message names line 2"
    assert_match "'abc'.*(whole|number)|number.*'abc'" "$ERR" "import: the message says 'abc' is not a number"
    printf '%s\n' 'QT.DONGHA,2022-02,members.new,5' 'QT.DONGHA,2022-03,members.new' >"$csv"
    bad_client 'import with a short line 2' import "$csv"
    assert_match 'line 2' "$ERR" "import: the message names line 2 (short line)"
    us office status --json
    assert_eq 1 "$(jq '.pending | length' <<<"$OUT")" "only the one good edit is pending after the refused imports"

    us office set QT.DONGHA 2022-01 party.introduced 3
    us office set QT.DONGHA 2022-01 party.admitted 4
    bad_client 'submit with party.admitted > party.introduced' submit 2022-01
    assert_match 'party.admitted' "$ERR" "the refused submission names the broken rule"
}

# server_cases: the provincial command line.
server_cases () {
    local csv=$WORK/units-bad.csv key
    bad_server 'unknown command' frobnicate
    bad_server 'unknown option' report 2022-H1 --bogus
    bad_server 'missing period of report' report
    bad_server 'report with a bad period' report 2022-Q5 --format json
    bad_server 'report with a bad format' report 2022-H1 --format xml
    bad_server 'report of an unknown unit' report 2022-H1 --unit QT.NOWHERE
    bad_server 'target with a non-numeric value' target set QT members.new 2022-H1 abc
    bad_server 'target with a negative value' target set QT members.new 2022-H1 -5
    bad_server 'target with MAX below MIN' target set QT members.new 2022-H1 10..5
    bad_server 'target with a decimal value' target set QT members.new 2022-H1 10.5
    bad_server 'target with a bad source' target set QT members.new 2022-H1 100 --source bogus
    bad_server 'target with a bad period' target set QT members.new 2022-Q7 100
    bad_server 'target of an unknown unit' target set QT.NOWHERE members.new 2022-H1 100
    bad_server 'target with missing arguments' target set QT members.new 2022-H1
    bad_server 'enroll with a bad key' enroll --unit QT.DONGHA --key abc
    key=$(client_key office)
    bad_server 'enroll for an unknown unit' enroll --unit QT.NOWHERE --key "$key"
    bad_server 'enroll without --key' enroll --unit QT.DONGHA
    bad_server 'correction without a note' set QT.DONGHA 2022-01 members.new 5
    bad_server 'correction with a bad month' set QT.DONGHA 2022-13 members.new 5 --note 'sửa'
    bad_server 'correction with a negative value' set QT.DONGHA 2022-01 members.new -5 --note 'sửa'
    bad_server 'init over an existing store' init --province QT --name 'Quảng Trị'
    bad_server 'serve without --bind' serve

    printf '%s\n' 'id,name,parent,kind' 'QT.X1,Một,QT,district' 'QT.X2,Hai,QT,village' \
        'QT.X3,Ba,QT,district' >"$csv"
    bad_server 'units import with a bad kind on line 3' units import "$csv"
    assert_match 'village' "$ERR" "units import: the message names the bad kind"
    assert_match 'line 3' "$ERR" "units import: the message names line 3"
    assert_eq 0 "$(sqlite3 "$SRV_DB" "SELECT COUNT(*) FROM units WHERE code LIKE 'QT.X%'")" "units import: no unit of the bad file stored"
    printf '%s\n' 'code,name,kind,numerator,denominator,policy,rule' 'x.ok,X,flow,,,lww,' \
        'x.bad,Y,weird,,,lww,' >"$WORK/ind-bad.csv"
    bad_server 'indicators import with a bad kind' indicators import "$WORK/ind-bad.csv"
    assert_match 'weird' "$ERR" "indicators import: the message names the bad kind"

    bad_serve 'serve on a bad endpoint' garbage://x
    bad_serve 'serve on port 99999' "tcp://127.0.0.1:99999"
}

# bad_serve WHAT ENDPOINT: `serve --bind ENDPOINT` refuses at once (a server
# that starts anyway is stopped by SIGTERM after 3 s, giving exit 0).
bad_serve () {
    local what=$1
    run timeout -s TERM 3 "$USS" serve --bind "$2" --db "$SRV_DB"
    assert_rc 2 "server: $what"
    [ "$RC" -ne 0 ] || log "    the server started anyway: $ERR"
}

# corrupt_cases: stores overwritten with random bytes.
corrupt_cases () {
    local db=$(cdb wreck) before cmd
    client_create wreck QT.CAMLO
    head -c 65536 /dev/urandom >"$db"
    before=$(sha "$db")
    for cmd in 'status' 'status --json' 'show 2022-H1' 'set QT.CAMLO 2022-01 members.new 5' \
               'submit 2022-H1' 'sync --timeout-ms 200 --retries 1'; do
        # shellcheck disable=SC2086
        us wreck $cmd
        assert_rc_nonzero "client $cmd on a corrupt store"
        assert_one_stderr_line "client $cmd on a corrupt store"
        assert_match 'damaged|corrupt|not a (unionsync|database)' "$ERR" "client $cmd says the store is damaged"
        assert_eq "$before" "$(sha "$db")" "client $cmd leaves the corrupt store as it was"
    done
    us wreck init --unit QT.CAMLO --server "$ENDPOINT" --server-key "$SERVER_KEY"
    assert_rc 2 "init over a corrupt store"
    assert_eq "$before" "$(sha "$db")" "init does not overwrite the corrupt store"

    cp "$SRV_DB" "$WORK/server-copy.db"
    head -c 65536 /dev/urandom >"$SRV_DB"
    rm -f "$SRV_DB-wal" "$SRV_DB-shm"
    before=$(sha "$SRV_DB")
    for cmd in 'report 2022-H1 --format json' 'conflicts --json' 'enroll --unit QT.DONGHA --key '"$(client_key office)"; do
        # shellcheck disable=SC2086
        uss $cmd
        assert_rc_nonzero "server $cmd on a corrupt store"
        assert_one_stderr_line "server $cmd on a corrupt store"
        assert_match 'damaged|corrupt|not a (unionsync|database)' "$ERR" "server $cmd says the store is damaged"
        assert_eq "$before" "$(sha "$SRV_DB")" "server $cmd leaves the corrupt store as it was"
    done
}

server_init
client_create office QT.DONGHA
us office set QT.DONGHA 2022-01 members.new 20
assert_rc 0 "a good edit"
client_cases
server_cases
corrupt_cases
e2e_finish
