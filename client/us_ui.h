/*  us_ui: the office desk, a small web server inside the office client.

    `unionsync ui [--port N] [--no-browser]` serves the office's data-entry
    form on 127.0.0.1 only, with libmicrohttpd. Every request must carry
    the desk's random token (?t=TOKEN) and a Host of 127.0.0.1:PORT or
    localhost:PORT (a page of another site cannot reach it through DNS
    rebinding); state-changing requests also carry the session's CSRF
    token. Responses forbid inline script and every other origin. The page,
    its CSS and JavaScript are built into the binary (web/office/).

    The desk keeps the store open and answers requests on one thread; a
    second thread syncs with the province on its own connection to the
    store (WAL, busy timeout), every few minutes, within a second of an
    edit when the province answers, and when the clerk asks. It keeps its
    link to the province open while the clerk works (a minute after the
    last sync), so that an edit's sync is a Push and a Pull on it, with no
    handshake and no Hello; the periodic sync, a click, a submission, and
    any sync after the connection dropped or was made again (the province
    restarted, perhaps from a backup) say Hello and check the digests. The
    command line keeps working on the same store meanwhile. SIGINT or SIGTERM stops
    the desk cleanly. Nothing here hands out memory.
*/
#ifndef US_UI_H
#define US_UI_H

/* Runs `unionsync ui` with the command's arguments (after "ui"); returns
   the exit code. Prints the page's address on a line of its own. */
int us_ui_run (int argc, char **argv);

#endif
