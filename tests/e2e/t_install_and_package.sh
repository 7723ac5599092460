#!/usr/bin/env bash
# t_install_and_package: what a province installs.
#  - `cmake --install` of the build puts both programs (and unionsync-office,
#    which the office's program hands its sheets and desk to, and
#    unionsync-province, which the server's hands `serve` and `ui` to), their man pages
#    (which `man` finds and renders), their bash completion, the default
#    catalog and the systemd unit under the prefix;
#  - `cpack -G DEB` makes a Debian package whose files (dpkg-deb -c) are the
#    programs, man pages, completion and unit, whose control (dpkg-deb -I)
#    lists the libraries it needs, and whose installed program runs.
# Skipped (exit 77) when cmake, cpack or dpkg-deb are not installed.

source "$(dirname "$0")/lib.sh"
e2e_setup "$@"

for tool in cmake cpack dpkg-deb; do
    if ! command -v "$tool" >/dev/null; then
        echo "skipped: $tool is not installed"
        exit 77
    fi
done
[ -f "$BUILD/CPackConfig.cmake" ] || die "no CPackConfig.cmake in $BUILD (configure first)"

log '=== cmake --install'
must cmake --install "$BUILD" --prefix "$WORK/inst"
for f in bin/unionsync bin/unionsync-server libexec/unionsync/unionsync-office \
         libexec/unionsync/unionsync-province share/man/man1/unionsync.1 \
         share/man/man1/unionsync-server.1 share/bash-completion/completions/unionsync \
         share/bash-completion/completions/unionsync-server share/unionsync/indicators.csv \
         lib/systemd/system/unionsync-server.service lib/systemd/system/unionsync-backup.timer; do
    [ -s "$WORK/inst/$f" ] || fail "installed: $f" "missing under $WORK/inst"
done
run "$WORK/inst/bin/unionsync" --version
assert_match '^unionsync [0-9]' "$OUT" "the installed unionsync runs"
# The office's sheets and desk run in unionsync-office, found from the
# installed program; the sync itself maps none of their libraries.
office_runs () {
    run "$1" template 2022-05 --db "$WORK/none.db"
    assert_rc 2 "$2: template reaches unionsync-office"
    assert_match 'no store at .*none\.db' "$ERR" "$2: the office program answers"
    run ldd "$1"
    assert_no_match 'libmicrohttpd|libxlsxwriter|libxml2' "$OUT" "$2: unionsync links no desk or workbook library"
}
office_runs "$WORK/inst/bin/unionsync" "installed"
mkdir -p "$WORK/alone"
cp "$WORK/inst/bin/unionsync" "$WORK/alone/"
run "$WORK/alone/unionsync" ui --db "$WORK/none.db"
assert_rc 1 "without unionsync-office, ui fails"
assert_match 'unionsync-office is missing' "$ERR" "and says what is missing"
# The server's service and desk run in unionsync-province; its other
# commands map neither libzmq nor libmicrohttpd.
run "$WORK/inst/bin/unionsync-server" serve --db "$WORK/none.db"
assert_rc 2 "installed: serve reaches unionsync-province"
assert_match 'serve needs --bind' "$ERR" "installed: the province program answers"
run "$WORK/inst/bin/unionsync-server" ui --db "$WORK/none.db"
assert_rc 2 "installed: ui reaches unionsync-province"
assert_match 'no store at .*none\.db' "$ERR" "installed: and names the missing store"
run ldd "$WORK/inst/bin/unionsync-server"
assert_no_match 'libzmq|libmicrohttpd|libgnutls' "$OUT" "unionsync-server links neither ZeroMQ nor HTTP"
run "$WORK/inst/bin/unionsync-server" report 2022 --db "$WORK/none.db"
assert_rc 2 "installed: report runs in unionsync-server itself"
cp "$WORK/inst/bin/unionsync-server" "$WORK/alone/"
run "$WORK/alone/unionsync-server" serve --bind tcp://127.0.0.1:1 --db "$WORK/none.db"
assert_rc 1 "without unionsync-province, serve fails"
assert_match 'unionsync-province is missing' "$ERR" "and says what is missing"
run "$WORK/alone/unionsync-server" ui --db "$WORK/none.db"
assert_rc 1 "without unionsync-province, ui fails"
assert_match 'unionsync-province is missing' "$ERR" "and says so too"
if command -v man >/dev/null; then
    page=$(MANPATH="$WORK/inst/share/man" MANWIDTH=100 man -P cat unionsync-server 2>&1 | col -b)
    assert_match 'replicas \[--json\]' "$page" "man unionsync-server finds the installed page"
    page=$(MANPATH="$WORK/inst/share/man" MANWIDTH=100 man -P cat unionsync 2>&1 | col -b)
    assert_match 'config \[--server ENDPOINT\]' "$page" "man unionsync finds the installed page"
fi
assert_match '^ExecStart=/usr/bin/unionsync-server serve ' "$(cat "$WORK/inst/lib/systemd/system/unionsync-server.service")" "the unit starts the server"
if command -v systemd-analyze >/dev/null; then
    run systemd-analyze verify --man=no "$WORK/inst/lib/systemd/system/unionsync-server.service"
    log "systemd-analyze verify: $RC (warnings about a missing /usr/bin in a test tree are expected)"
fi

log '=== cpack -G DEB'
must cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/deb"
deb=$(ls "$WORK"/deb/unionsync_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "cpack made no .deb"
run dpkg-deb -c "$deb"
assert_rc 0 "dpkg-deb -c"
for f in ./usr/bin/unionsync ./usr/bin/unionsync-server ./usr/libexec/unionsync/unionsync-office \
         ./usr/libexec/unionsync/unionsync-province ./usr/share/man/man1/unionsync.1 \
         ./usr/share/man/man1/unionsync-server.1 ./usr/share/bash-completion/completions/unionsync \
         ./usr/share/bash-completion/completions/unionsync-server \
         ./usr/lib/systemd/system/unionsync-server.service ./usr/lib/systemd/system/unionsync-backup.service \
         ./usr/lib/systemd/system/unionsync-backup.timer ./usr/share/unionsync/indicators.csv; do
    grep -q " $f\$" <<<"$OUT" || fail "the package holds $f" "seen: $(awk '{print $6}' <<<"$OUT" | tr '\n' ' ')"
done
assert_match '^-rwxr-xr-x root/root .* \./usr/bin/unionsync$' "$OUT" "the program is executable, owned by root"
run dpkg-deb -I "$deb"
assert_match '^ Package: unionsync$' "$OUT" "the package is unionsync"
depends=$(sed -n 's/^ Depends: //p' <<<"$OUT")
for lib in libzmq5 libsqlite3-0 libprotobuf-c1 libssl3 libc6 adduser; do
    assert_match "(^|, )$lib( |,|$)" "$depends" "the package depends on $lib"
done
assert_match 'postinst' "$OUT" "the package creates the server's user"
mkdir -p "$WORK/x"
must dpkg-deb -x "$deb" "$WORK/x"
run "$WORK/x/usr/bin/unionsync-server" --version
assert_match '^unionsync-server [0-9]' "$OUT" "the packaged server runs"
office_runs "$WORK/x/usr/bin/unionsync" "packaged"
e2e_finish
