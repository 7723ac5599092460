#!/usr/bin/env bash
# `unionsync-server restore` only reads the backup: a backup on read-only
# media restores, and the file stays byte for byte as it was, with nothing
# written beside it (no -wal, no -shm). A file that is no store, on the
# same media, is refused with one line and changes nothing.
#
# The test runs as root here, and root writes through mode 444/555; the
# media are made read-only with the immutable attribute (chattr +i), which
# binds root too. Where the file system has no such attribute, the bytes and
# the directory listing are still compared.
source "$(dirname "$0")/lib.sh"
e2e_setup "$@"
MEDIA=$WORK/media

# Lifts the attribute again, so that the test's directory can be removed.
release () {
    chattr -i "$MEDIA"/* "$MEDIA" 2>/dev/null
    e2e_cleanup
}
trap release EXIT

server_init
server_start
client_init a QT.DONGHA
us a set QT.DONGHA 2022-01 members.new 120; sync_ok a
mkdir -p "$MEDIA"
uss backup "$MEDIA/backup.db"; assert_rc 0 "backup while serving"
us a set QT.DONGHA 2022-01 members.new 7; sync_ok a
server_stop
printf 'not a store, only some bytes\n' >"$MEDIA/junk.db"
before=$(sha "$MEDIA/backup.db")
listing=$(ls -a "$MEDIA")
locked=no
if chattr +i "$MEDIA/backup.db" "$MEDIA/backup.db.key" "$MEDIA/junk.db" "$MEDIA" 2>/dev/null; then
    if ! touch "$MEDIA/probe" 2>/dev/null && ! (: >>"$MEDIA/backup.db") 2>/dev/null; then
        locked=yes
    fi
fi
log "media read-only: $locked"

sum_srv=$(sha "$SRV_DB")
uss restore "$MEDIA/junk.db"
assert_rc_nonzero "restore of a file that is no store"
assert_one_stderr_line "restore of a file that is no store"
assert_match 'junk.db' "$ERR" "the error names the file"
assert_eq "$sum_srv" "$(sha "$SRV_DB")" "a refused restore changes nothing"

uss restore "$MEDIA/backup.db"
assert_rc 0 "restore of a backup on read-only media"
assert_match 'restored' "$OUT" "restore says what it did"
assert_eq "$before" "$(sha "$MEDIA/backup.db")" "the backup file is unchanged, byte for byte"
assert_eq "$listing" "$(ls -a "$MEDIA")" "nothing was written beside the backup"
assert_eq "" "$(ls "$WORK" | grep -F '.restoring')" "no working copy is left behind"
assert_eq 120 "$(sqlite3 "$SRV_DB" "SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id
    JOIN indicators i ON i.id = c.ind_id WHERE u.code = 'QT.DONGHA' AND i.code = 'members.new'
    AND c.month = $(month_code 2022-01)")" "the store holds the backup's figure"
uss audit verify
assert_rc 0 "audit verify of the restored store"
server_start
sync_ok a
assert_eq 7 "$(row_value "$(report_json 2022-01)" QT.DONGHA members.new)" \
    "the office sends its edit again to the restored province"
server_stop
e2e_finish
