#!/usr/bin/env bash
# t_cli_conventions: both programs follow the usual command-line conventions.
#  - global options before or after the command: `unionsync --db F status`
#    and `unionsync status --db F` do the same; a --db after the command
#    wins over one before it; --db=FILE works too;
#  - help: `COMMAND --help`, `COMMAND -h` and `help COMMAND` print the same
#    help, with the command's usage and an example, on stdout, exit 0, and
#    every command of both programs has one; `help` alone and `--help` list
#    every command; no command at all is bad usage (exit 2, on stderr);
#  - --version on both programs, before or after a command;
#  - a mistyped command names the nearest one (exit 2, one line), a word
#    near nothing names none;
#  - the bash completion each program prints completes commands, sub-
#    commands and options; the man page each prints renders with man.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

server_init
client_create office QT.DONGHA
must "$US" set QT.DONGHA 2022-03 members.new 12 --db "$(cdb office)"

log '=== global options before or after the command'
run "$US" status --db "$(cdb office)"
assert_rc 0 "status --db after"
after=$OUT
run "$US" --db "$(cdb office)" status
assert_rc 0 "--db before status"
assert_eq "$after" "$OUT" "--db before or after: the same output"
assert_match 'QT.DONGHA' "$OUT" "status names the office"
run "$US" --db="$(cdb office)" status --json
assert_rc 0 "--db=FILE before the command"
assert_eq 1 "$(jq '.pending | length' <<<"$OUT")" "status --json through --db=FILE"
run "$US" --db "$WORK/nowhere.db" status --db "$(cdb office)"
assert_rc 0 "a --db after the command wins over one before"
run "$US" --db "$(cdb office)" status --db "$WORK/nowhere.db"
assert_rc 2 "the later --db names a missing store"
assert_match 'nowhere.db' "$ERR" "the missing store is named"
run "$USS" --db "$SRV_DB" units list
assert_rc 0 "unionsync-server --db before a two-word command"
assert_match '^QT +province' "$OUT" "units list through --db before"
export UNIONSYNC_DB=$(cdb office)
run "$US" status
assert_rc 0 "UNIONSYNC_DB still names the store"
unset UNIONSYNC_DB
run "$US" --db
assert_rc 2 "--db without a value"
assert_one_stderr_line "--db without a value"
run "$US" --frobnicate status
assert_rc 2 "an unknown option before the command"
assert_match 'unknown option --frobnicate' "$ERR" "the unknown option is named"

log '=== help in every form'
for prog in "$US" "$USS"; do
    run "$prog" help
    assert_rc 0 "$(basename "$prog") help"
    list=$OUT
    run "$prog" --help
    assert_eq "$list" "$OUT" "$(basename "$prog") --help is help"
    run "$prog" -h
    assert_eq "$list" "$OUT" "$(basename "$prog") -h is help"
    # Every command listed has its own help with an example.
    commands=$(sed -n '/^Commands:/,/^$/p' <<<"$list" | sed -n 's/^  \([a-z][a-z-]*\( [a-z]*\)\?\) .*/\1/p' | sed 's/ *$//')
    assert_le 10 "$(wc -l <<<"$commands")" "$(basename "$prog") lists its commands"
    while read -r cmd; do
        [ -n "$cmd" ] || continue
        # shellcheck disable=SC2086
        run "$prog" help $cmd
        assert_rc 0 "help $cmd"
        assert_match "^usage: $(basename "$prog") $cmd" "$OUT" "help $cmd: usage line"
        assert_match '^example:' "$OUT" "help $cmd: an example"
        assert_match "^  ($(basename "$prog")|source)" "$(sed -n '/^example:/,$p' <<<"$OUT" | sed -n 2p)" "help $cmd: the example runs the program"
        one=$OUT
        # shellcheck disable=SC2086
        run "$prog" $cmd --help
        assert_eq "$one" "$OUT" "$cmd --help is help $cmd"
        # shellcheck disable=SC2086
        run "$prog" $cmd -h
        assert_eq "$one" "$OUT" "$cmd -h is help $cmd"
    done <<<"$commands"
done
run "$US" status --help --db "$(cdb office)"
assert_rc 0 "help with a global option after"
assert_match '\[--json\]' "$OUT" "status help names --json"
run "$US"
assert_rc 2 "no command"
assert_match '^usage: unionsync' "$ERR" "no command: the usage on stderr"
assert_eq '' "$OUT" "no command: nothing on stdout"
run "$USS" units
assert_rc 2 "a group without its sub-command"
assert_match 'units list' "$ERR" "units alone lists its sub-commands"
run "$USS" units --help
assert_rc 0 "units --help"
assert_match 'units import' "$OUT" "units --help lists units import"

log '=== version'
for prog in "$US" "$USS"; do
    run "$prog" --version
    assert_rc 0 "$(basename "$prog") --version"
    assert_match "^$(basename "$prog") [0-9]+\.[0-9]+\.[0-9]+$" "$OUT" "$(basename "$prog") --version"
done
run "$US" status --version
assert_match '^unionsync [0-9]' "$OUT" "--version after a command"

log '=== did you mean'
for pair in 'stauts status' 'stat status' 'sycn sync' 'indicator indicators' 'confg config'; do
    set -- $pair
    run "$US" "$1"
    assert_rc 2 "unionsync $1"
    assert_one_stderr_line "unionsync $1"
    assert_match "unknown command '$1'; did you mean $2\?" "$ERR" "unionsync $1 suggests $2"
done
for pair in 'replica replicas' 'reprot report' 'enrol enroll'; do
    set -- $pair
    run "$USS" "$1"
    assert_rc 2 "unionsync-server $1"
    assert_match "did you mean $2\?" "$ERR" "unionsync-server $1 suggests $2"
done
run "$USS" units lsit
assert_match "did you mean units list\?" "$ERR" "units lsit suggests units list"
run "$USS" unit list
assert_match "did you mean units list\?" "$ERR" "unit list suggests units list"
run "$US" frobnicate
assert_rc 2 "a word near no command"
assert_ne '' "$ERR" "a word near no command: an error"
[[ $ERR != *"did you mean"* ]] || fail "frobnicate suggests nothing" "seen: $ERR"

log '=== bash completion'
for prog in unionsync unionsync-server; do
    run "$BUILD/$prog" completion bash
    assert_rc 0 "$prog completion bash"
    printf '%s\n' "$OUT" >"$WORK/$prog.bash"
done
complete_words () {     # complete_words SCRIPT FUNCTION WORDS...: the completions of the last word
    local script=$1 fn=$2
    shift 2
    bash -c 'source "$1"; fn=$2; shift 2; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "$fn"; echo "${COMPREPLY[*]}"' \
        _ "$script" "$fn" "$@"
}
assert_eq 'status submit' "$(complete_words "$WORK/unionsync.bash" _unionsync unionsync s | tr ' ' '\n' | grep -E '^su|^st' | sort | tr '\n' ' ' | sed 's/ $//')" "unionsync s<TAB> offers status and submit"
assert_match '(^| )--json( |$)' "$(complete_words "$WORK/unionsync.bash" _unionsync unionsync --db x.db status --)" "status --<TAB> offers --json after --db FILE"
assert_match '--timeout-ms' "$(complete_words "$WORK/unionsync.bash" _unionsync unionsync sync --)" "sync --<TAB> offers --timeout-ms"
assert_eq 'list' "$(complete_words "$WORK/unionsync-server.bash" _unionsync_server unionsync-server units l)" "units l<TAB> offers list"
assert_match '--tree' "$(complete_words "$WORK/unionsync-server.bash" _unionsync_server unionsync-server units list --t)" "units list --t<TAB> offers --tree"
assert_match 'replicas' "$(complete_words "$WORK/unionsync-server.bash" _unionsync_server unionsync-server rep)" "rep<TAB> offers replicas"

log '=== man pages'
if command -v man >/dev/null; then
    for prog in unionsync unionsync-server; do
        "$BUILD/$prog" --help-man >"$WORK/$prog.1" || fail "$prog --help-man"
        page=$(MANWIDTH=100 man -l "$WORK/$prog.1" 2>"$WORK/man.err" | col -b)
        assert_match "^NAME" "$page" "$prog man page: NAME"
        assert_match "^COMMANDS" "$page" "$prog man page: COMMANDS"
        assert_match "Example:" "$page" "$prog man page: examples"
        assert_eq '' "$(grep -v '^$' "$WORK/man.err")" "$prog man page renders without warnings"
    done
    assert_match 'units list \[--tree\]' "$(MANWIDTH=100 man -l "$WORK/unionsync-server.1" | col -b)" "the server page has units list"
else
    log "man is not installed: man pages not rendered"
fi

e2e_finish
