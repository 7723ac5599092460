/*  unionsync: a district office's command line.

    Exit codes: 0 ok; 1 runtime failure; 2 bad usage or input (nothing
    changed, one line on stderr); 3 server unreachable (changes kept);
    4 finished, but some deltas were rejected or lost a conflict.
*/
#include "us_args.h"
#include "us_db.h"
#include "us_dstore.h"
#include "us_dstore_schedules.h"
#include "us_dstore_todo.h"
#include "us_error.h"
#include "us_keys.h"
#include "us_period.h"
#include "us_sync.h"
#ifndef US_OFFICE_HELPER
#include "us_import.h"
#include "us_template.h"
#include "us_ui.h"
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* Returns the author of edits. */
static const char *
s_author (us_opt_t *opts, int n)
{
    const char *a = getenv ("UNIONSYNC_AUTHOR");
    if (!a || !*a)
        a = getenv ("USER");
    if (!a || !*a)
        a = "clerk";
    return us_args_value (opts, n, "author", a);
}

/* Opens the store named by the options. */
static int
s_open (us_dstore_t **store, us_opt_t *opts, int n)
{
    int rc = us_dstore_open (store, us_args_db_path (opts, n));
    return rc ? us_args_fail (rc) : -1;
}

/* init: creates the store and this replica's keys. */
static int
s_cmd_init (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("unit", true),
                         US_OPT ("server", true), US_OPT ("server-key", true),
                         US_OPT ("recover", false) };
    const int n = 6;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *unit = us_args_value (opts, n, "unit", NULL);
    const char *server = us_args_value (opts, n, "server", NULL);
    const char *key = us_args_value (opts, n, "server-key", NULL);
    if (!unit || !server || !key)
        return us_args_usage_error ("init needs --unit ID --server ENDPOINT --server-key PUBKEY");
    const char *path = us_args_db_path (opts, n);
    us_keys_t keys;
    int rc = us_keys_generate (&keys, true);
    if (rc)
        return us_args_fail (rc);
    us_dstore_t *store;
    rc = us_dstore_create (&store, path, unit, server, key);
    if (rc == 0) {
        rc = us_keys_save (&keys, us_dstore_key_path (store));
        if (rc) {
            us_dstore_destroy (&store);
            remove (path);
        }
    }
    if (rc) {
        us_keys_wipe (&keys);
        return us_args_fail (rc);
    }
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &keys);
    printf ("created %s for %s, syncing with %s; keys in %s\n", path, unit, server,
            us_dstore_key_path (store));
    /* A recovered office is a new store: its first sync pulls the unit's
       figures, notes and states from the start, and a re-keyed replica
       starts a new epoch after the server's, so no edit number repeats. */
    if (us_args_has (opts, n, "recover"))
        printf ("to recover the office whose PC died, give the province the key below:\n"
                "  unionsync-server rekey --key <the old key> --new <the key below>\n"
                "  (or enroll it anew); the first `unionsync sync` then pulls the unit's "
                "figures, notes and states\n%s\n", token);
    else
        printf ("enrol this replica at the province with:\n"
                "  unionsync-server enroll --unit %s --key <the key below>\n%s\n", unit, token);
    us_keys_wipe (&keys);
    us_dstore_destroy (&store);
    return 0;
}

/* rekey: replaces this replica's keys; the edits and history stay. */
static int
s_cmd_rekey (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, 2, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, 2)) >= 0)
        return ex;
    us_keys_t old, fresh;
    int rc = us_keys_load (&old, us_dstore_key_path (store));
    if (rc == 0)
        rc = us_keys_generate (&fresh, true);
    if (rc == 0)
        rc = us_keys_replace (&fresh, us_dstore_key_path (store));
    if (rc) {
        us_keys_wipe (&old);
        us_dstore_destroy (&store);
        return us_args_fail (rc);
    }
    char token [US_TOKEN_MAX], old_token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &fresh);
    us_keys_token (old_token, sizeof old_token, &old);
    printf ("new keys in %s; this replica syncs again once the province runs:\n"
            "  unionsync-server rekey --key %s --new <the key below>\n%s\n",
            us_dstore_key_path (store), old_token, token);
    us_keys_wipe (&old);
    us_keys_wipe (&fresh);
    us_dstore_destroy (&store);
    return 0;
}

/* set: records one figure. */
static int
s_cmd_set (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("note", true), US_OPT ("author", true) };
    const int n = 4;
    const char *pos [4];
    int n_pos, ex = us_args_command (pos, &n_pos, 4, 4, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    const char *value = strcmp (pos [3], "-") == 0 ? NULL : pos [3];
    int rc = us_dstore_set (store, pos [0], pos [1], pos [2], value,
                            us_args_value (opts, n, "note", ""), s_author (opts, n));
    char broken [256];
    bool warn = rc == 0
             && us_dstore_check_rules (store, broken, sizeof broken, pos [0], pos [1]) == US_EINVAL;
    us_dstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("saved %s %s %s = %s (waiting to be sent)\n", pos [0], pos [1], pos [2],
            value ? value : "(cleared)");
    if (warn)
        fprintf (stderr, "unionsync: warning: %s; fix it before submitting\n", broken);
    return 0;
}

#ifdef US_OFFICE_HELPER
/* The commands that read and write sheets and workbooks, and the desk,
   run in unionsync-office, which links the libraries they need (HTTP,
   JSON, XLSX, ZIP, XML: twenty more shared objects). `unionsync` itself
   links only those of the store and the sync, so that each sync process
   starts in about 4 ms of CPU instead of 8: in a month's-end round every
   office's sync is a process of its own. */

/* import, template and ui: in unionsync-office. */
static int
s_cmd_import (int argc, char **argv)
{
    return us_args_exec_helper ("unionsync-office", "unionsync", "import", argc, argv);
}

static int
s_cmd_template (int argc, char **argv)
{
    return us_args_exec_helper ("unionsync-office", "unionsync", "template", argc, argv);
}

static int
s_cmd_ui (int argc, char **argv)
{
    return us_args_exec_helper ("unionsync-office", "unionsync", "ui", argc, argv);
}
#else
/* import: records many figures from a sheet, all or nothing. */
static int
s_cmd_import (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("author", true),
                         US_OPT ("encoding", true), US_OPT ("unit", true),
                         US_OPT ("clear-empty", false) };
    const int n = 6;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_import_opts_t io = { .encoding = US_SHEET_AUTO, .author = s_author (opts, n),
                            .unit = us_args_value (opts, n, "unit", NULL),
                            .clear_empty = us_args_has (opts, n, "clear-empty") };
    const char *enc = us_args_value (opts, n, "encoding", NULL);
    if (enc && us_sheet_encoding_parse (&io.encoding, enc) != 0)
        return us_args_usage_error (us_error_msg ());
    us_db_heap_huge (US_DSTORE_HEAP);
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    us_import_result_t res;
    int rc = us_import_file (store, &res, pos [0], &io);
    us_dstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("saved %d figures from %s (waiting to be sent)", res.stored, pos [0]);
    if (res.cleared)
        printf ("; %d of them cleared", res.cleared);
    if (res.skipped)
        printf ("; %d empty value%s left as they were (--clear-empty clears them)",
                res.skipped, res.skipped == 1 ? "" : "s");
    printf ("\n");
    if (res.guessed)
        printf ("read %s as %s (a guess: if the names look wrong, give --encoding cp1252 "
                "or utf-8)\n", pos [0], res.encoding);
    return 0;
}

/* template: writes the office's form for a period. */
static int
s_cmd_template (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("format", true),
                         US_OPT ("output", true) };
    const int n = 4;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_template_format_t format;
    if (us_template_format_parse (&format, us_args_value (opts, n, "format", "csv")) != 0)
        return us_args_usage_error (us_error_msg ());
    const char *output = us_args_value (opts, n, "output", NULL);
    if (format == US_TEMPLATE_XLSX && !output)
        return us_args_usage_error ("template --format xlsx needs --output FILE");
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    int rows;
    int rc = us_template_write (store, &rows, pos [0], format, output);
    us_dstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    if (output)
        printf ("wrote the form of %s to %s (%d rows)\n", pos [0], output, rows);
    return 0;
}

/* ui: the office desk. */
static int
s_cmd_ui (int argc, char **argv)
{
    return us_ui_run (argc, argv);
}
#endif

/* show: the office's figures for a period. */
static int
s_cmd_show (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false),
                         US_OPT ("unit", true) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 1, opts, 4, argc, argv);
    if (ex >= 0)
        return ex;
    us_db_heap_huge (US_DSTORE_HEAP);
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, 4)) >= 0)
        return ex;
    int rc = us_dstore_show_unit (store, stdout, n_pos ? pos [0] : NULL,
                                  us_args_value (opts, 4, "unit", NULL),
                                  us_args_has (opts, 4, "json"));
    us_dstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* Parses a positive integer option. */
static int
s_int_opt (int *value, us_opt_t *opts, int n, const char *name, int def, int max)
{
    const char *s = us_args_value (opts, n, name, NULL);
    *value = def;
    if (!s)
        return 0;
    char *end;
    long v = strtol (s, &end, 10);
    if (*end || v < 1 || v > max)
        return us_error_set (US_EINVAL, "--%s needs a number from 1 to %d", name, max);
    *value = (int) v;
    return 0;
}

/* Appends to summary the months anti-entropy re-pulled. */
static void
s_add_repaired (char *summary, size_t size, const us_sync_stats_t *st)
{
    size_t at = strlen (summary);
    at += (size_t) snprintf (summary + at, size - at, ", repaired %zu month%s whose figures "
                             "differed from the province's (", st->repaired,
                             st->repaired == 1 ? "" : "s");
    for (size_t i = 0; i < st->repaired && i < US_SYNC_SHOWN && at < size; i++) {
        char month [8];
        us_month_format (month, st->repaired_months [i]);
        at += (size_t) snprintf (summary + at, size - at, "%s%s", i ? ", " : "", month);
    }
    if (at < size)
        snprintf (summary + at, size - at, "%s)", st->repaired > US_SYNC_SHOWN ? ", ..." : "");
}

/* sync: one session with the server. */
static int
s_cmd_sync (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("timeout-ms", true),
                         US_OPT ("retries", true), US_OPT ("quiet", false) };
    const int n = 5;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_sync_opts_t so = { 0 };
    if (s_int_opt (&so.timeout_ms, opts, n, "timeout-ms", 3000, 600000) != 0
    ||  s_int_opt (&so.retries, opts, n, "retries", 4, 100) != 0)
        return us_args_usage_error (us_error_msg ());
    so.batch = 500;
    so.progress = !us_args_has (opts, n, "quiet") && isatty (STDERR_FILENO) ? stderr : NULL;
    us_db_heap_huge (US_DSTORE_HEAP);
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    us_keys_t keys;
    int rc = us_keys_load (&keys, us_dstore_key_path (store));
    if (rc) {
        us_dstore_destroy (&store);
        return us_args_fail (rc);
    }
    signal (SIGPIPE, SIG_IGN);
    us_sync_stats_t st;
    rc = us_sync_run (&st, store, &keys, &so);
    us_keys_wipe (&keys);
    char summary [480];
    snprintf (summary, sizeof summary,
              "sent %zu (accepted %zu, won %zu, lost %zu, rejected %zu), received %zu figures"
              " and %zu other changes%s%s",
              st.pushed, st.accepted, st.won, st.lost, st.rejected, st.pulled_cells,
              st.pulled_other, st.submitted ? ", submitted" : "",
              st.new_epoch ? ", new epoch after restore" : "");
    if (st.went_back)           /* remembered in the last sync's line of status */
        snprintf (summary + strlen (summary), sizeof summary - strlen (summary),
                  ", province restored: %zu edits sent again", st.resent);
    if (st.repaired)
        s_add_repaired (summary, sizeof summary, &st);
    if (st.submit_refused)
        snprintf (summary + strlen (summary), sizeof summary - strlen (summary),
                  ", %zu submission%s refused", st.submit_refused,
                  st.submit_refused == 1 ? "" : "s");
    us_dstore_note_sync (store, rc ? us_error_msg () : summary);
    char ended [800] = "";
    if (rc == 0 && us_dstore_ended (store, ended, sizeof ended) != 0)
        ended [0] = 0;
    char unit [65];
    snprintf (unit, sizeof unit, "%s", us_dstore_unit (store));
    us_dstore_destroy (&store);
    if (rc) {
        if (st.pushed)
            fprintf (stderr, "unionsync: partial sync: %s\n", summary);
        return us_args_fail (rc);
    }
    printf ("sync ok: %s\n", summary);
    if (st.recoded)
        printf ("%zu unit%s of this office took the code%s the province gave when it absorbed "
                "theirs; this office's unit is %s\n", st.recoded, st.recoded == 1 ? "" : "s",
                st.recoded == 1 ? "" : "s", unit);
    if (*st.moved_from)
        printf ("the province moved this office from %s to %s; its figures of %s stay here\n",
                st.moved_from, unit, st.moved_from);
    if (*ended && strstr (ended, "successor"))
        printf ("%s; figures of later months belong there (the province moves this office "
                "with 'unionsync-server replicas move')\n", ended);
    else
    if (*ended)
        printf ("%s; it takes no figures of later months\n", ended);
    if (st.rejected || st.lost || st.submit_refused) {
        fprintf (stderr, "unionsync: %zu edit%s rejected or lost a conflict, %zu submission%s "
                 "refused; see 'unionsync status'\n", st.rejected + st.lost,
                 st.rejected + st.lost == 1 ? "" : "s", st.submit_refused,
                 st.submit_refused == 1 ? "" : "s");
        return US_EXIT_REJECTED;
    }
    return 0;
}

/* Runs a listing that takes only --db and --json: opens the store, prints
   what list writes, and closes it. */
static int
s_listing (int argc, char **argv, int (*list) (us_dstore_t *, FILE *, bool))
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    int rc = list (store, stdout, us_args_has (opts, 3, "json"));
    us_dstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* status: what is pending, rejected and in conflict. */
static int
s_cmd_status (int argc, char **argv)
{
    return s_listing (argc, argv, us_dstore_status);
}

/* todo: what is left to do for this month or a period. */
static int
s_cmd_todo (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false) };
    const char *pos [1] = { NULL };
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 1, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    int rc = us_dstore_todo (store, stdout, n_pos ? pos [0] : NULL, us_args_has (opts, 3, "json"));
    us_dstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* Prints the deadline of each of the office's schedules whose report is
   exactly period, and whether it has passed (Vietnam's time). */
static int
s_submit_deadlines (us_dstore_t *store, const char *period)
{
    char kind [US_MAX_CODE + 1];
    us_period_t p;
    us_dstore_due_t *dues = NULL;
    size_t n = 0;
    bool known;
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = us_dstore_unit_kind (store, kind, sizeof kind);
    if (rc == 0)
        rc = us_dstore_schedules_due (store, &dues, &n, &known, kind, &p);
    int64_t now = us_calendar_now_ms ();
    for (size_t k = 0; rc == 0 && k < n; k++)
        if (dues [k].period.first == p.first && dues [k].period.last == p.last)
            printf ("%s (%s): deadline %s, %s\n", dues [k].name, dues [k].code,
                    dues [k].deadline, now > dues [k].deadline_ms ? "passed: it comes late"
                                                                   : "not passed");
    free (dues);
    return rc;
}

/* submit: queues the submission of a period. */
static int
s_cmd_submit (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("nil", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    bool nil = us_args_has (opts, 3, "nil");
    int rc = us_dstore_submit_as (store, pos [0], nil);
    if (rc == 0)
        printf ("%ssubmission of %s queued; it is sent on the next sync\n", nil ? "nil " : "",
                pos [0]);
    if (rc == 0)
        rc = s_submit_deadlines (store, pos [0]);
    us_dstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* indicators: the catalog the office knows. */
static int
s_cmd_indicators (int argc, char **argv)
{
    return s_listing (argc, argv, us_dstore_indicators);
}

/* config: shows, or changes, the server this store syncs with. */
static int
s_cmd_config (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("server", true),
                         US_OPT ("server-key", true) };
    const int n = 4;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    const char *server = us_args_value (opts, n, "server", NULL);
    const char *key = us_args_value (opts, n, "server-key", NULL);
    int rc = server || key ? us_dstore_config (store, server, key) : 0;
    if (rc == 0)
        printf ("%s%s: unit %s, server %s, server key %s\n", server || key ? "changed " : "",
                us_args_db_path (opts, n), us_dstore_unit (store), us_dstore_server (store),
                us_dstore_server_key (store));
    us_dstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* The commands, in the order help lists them. */
/* audit check: proof that the server's chain extends every head seen. */
static int
s_cmd_audit_check (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("timeout-ms", true),
                         US_OPT ("retries", true) };
    const int n = 4;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_sync_opts_t so = { 0 };
    if (s_int_opt (&so.timeout_ms, opts, n, "timeout-ms", 3000, 600000) != 0
    ||  s_int_opt (&so.retries, opts, n, "retries", 4, 100) != 0)
        return us_args_usage_error (us_error_msg ());
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    us_keys_t keys;
    int rc = us_keys_load (&keys, us_dstore_key_path (store));
    size_t checked = 0, declared = 0;
    if (rc == 0) {
        signal (SIGPIPE, SIG_IGN);
        rc = us_sync_audit_check (&checked, &declared, store, &keys, &so, stdout);
        us_keys_wipe (&keys);
    }
    us_dstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    if (declared)
        printf ("audit check ok: the server's chain holds %zu of the %zu signed heads seen "
                "here; the other %zu went with the restores the province declared\n",
                checked - declared, checked, declared);
    else
        printf ("audit check ok: the server's chain holds all %zu signed heads seen here\n",
                checked);
    return 0;
}

static const us_cmd_t s_commands [] = {
    { "init", "--unit ID --server ENDPOINT --server-key PUBKEY [--recover]",
      "create the store and this replica's keys; print its public key",
      "Run once per office. The province gives its server's endpoint and public key; the last "
      "line printed is this replica's key, which the province enrolls. --recover: the PC "
      "died; the province re-keys the replica to the new key and the first sync pulls the "
      "unit's figures, notes and states again.",
      "unionsync init --unit QT.TRIEUPHONG --server tcp://province.example:5555 "
      "--server-key KEY --db tp.db", s_cmd_init, 0 },
    { "set", "UNIT MONTH INDICATOR VALUE [--note TEXT] [--author NAME]",
      "record one figure (VALUE '-' clears it); works offline",
      "The edit is on disk before the command returns and is sent on the next sync. A broken "
      "rule of the catalog is a warning here and a refusal at submit.",
      "unionsync set QT.TRIEUPHONG 2022-05 members.new 120 --note 'hai công ty mới'",
      s_cmd_set, 0 },
    { "import", "FILE [--encoding utf-8|utf-16|cp1258|cp1252] [--unit ID] [--clear-empty] "
      "[--author NAME]", "record many figures from a sheet saved from Excel, all or nothing",
      "Long (unit, month, indicator, value[, note]) or wide (one column per month) sheets; "
      "separators , ; or tab; UTF-8, UTF-16, Windows-1258 or Windows-1252; headings in "
      "English or Vietnamese. '-' clears a figure, and so does an empty value with "
      "--clear-empty. One bad row refuses the whole file, naming its line and field.",
      "unionsync import thang5.csv --author lan", s_cmd_import, 0 },
    { "template", "PERIOD [--format csv|xlsx] [--output FILE]",
      "write the office's form for a period, to fill in Excel and import back",
      "Its unit and the units below it, every entered indicator with its Vietnamese name, "
      "and last year's figure beside each month.",
      "unionsync template 2022-Q2 --format xlsx --output bieu-mau.xlsx", s_cmd_template, 0 },
    { "show", "[PERIOD] [--unit ID] [--json]", "the office's figures, targets and achievement",
      "PERIOD is a month (2022-05), quarter (2022-Q2), half (2022-H1), year or range; the "
      "default is the current year. Entries not yet sent are marked *. --unit shows another "
      "unit this store holds figures of, such as the one the office was moved from.",
      "unionsync show 2022-H1", s_cmd_show, 0 },
    { "sync", "[--timeout-ms N] [--retries N] [--quiet]",
      "send edits and receive the province's changes",
      "Waits up to --timeout-ms (3000) for each answer and tries --retries times (4), doubling "
      "the wait; on a terminal each new try is shown. Exit code 3 when the province does not "
      "answer: every change is kept for the next sync. Each sync also checks that this "
      "store's figures are the province's (a digest per month) and pulls again whole any "
      "month that differs, saying which.",
      "unionsync sync --db tp.db", s_cmd_sync, 0 },
    { "status", "[--json]", "what is waiting, rejected or in conflict; the last sync; the clock",
      "Also the province's approvals and locks of the office's units as soon as pulled.",
      "unionsync status --json", s_cmd_status, 0 },
    { "todo", "[PERIOD] [--json]", "what is left to do for this month or a period",
      "For each of the province's schedules for this office (pulled with the catalog) whose "
      "period overlaps PERIOD: its indicators without a figure, and its submission with the "
      "schedule's own deadline (Vietnam's time); and the rule the figures break. Before the "
      "schedules are pulled: the whole catalog and the 20th of the following month.",
      "unionsync todo 2024-05", s_cmd_todo, 0 },
    { "submit", "PERIOD [--nil]", "report a period as complete (sent on the next sync)",
      "Refused for a period that has not ended (Vietnam's time), for one without any figure "
      "unless --nil says there is nothing to report, and when a rule of the catalog is "
      "broken, naming it. Editing a submitted period makes it amended: submit it again.",
      "unionsync submit 2022-H1", s_cmd_submit, 0 },
    { "indicators", "[--json]", "the indicators: codes, kinds, policies, rules, Vietnamese names",
      "The province's catalog once a sync has brought it, the built-in one before.",
      "unionsync indicators --json", s_cmd_indicators, 0 },
    { "config", "[--server ENDPOINT] [--server-key PUBKEY]",
      "show or change the server this store syncs with",
      "For a province that moved its server or made new keys, or that absorbed this office's "
      "province; the edits, history and keys of the store stay, and the next sync pulls the "
      "new server's changes from the start.",
      "unionsync config --server tcp://10.0.0.5:5555 --server-key KEY", s_cmd_config, 0 },
    { "ui", "[--port N] [--no-browser] [--sync-every SECONDS]",
      "the office desk in the browser; prints its address",
      "Serves the office's data-entry form on 127.0.0.1 only and syncs in the background; the "
      "command line keeps working on the same store. SIGINT or SIGTERM stops it.",
      "unionsync ui --db tp.db", s_cmd_ui, 0 },
    { "audit check", "[--timeout-ms N] [--retries N]",
      "prove that the server's audit chain still holds every signed head seen here",
      "Every sync keeps the head of the province's audit chain, signed with its key; this "
      "asks the server for the record hash at each kept head and names the first the chain "
      "no longer holds (history rewritten, or an older store put back).",
      "unionsync audit check --db tp.db", s_cmd_audit_check, 0 },
    { "rekey", "", "new keys for this replica; print the line the province runs",
      "For a lost or stolen key. The store keeps its identity and pending edits; it syncs "
      "again once the province runs the printed `unionsync-server rekey` line.",
      "unionsync rekey --db tp.db", s_cmd_rekey, 0 },
};

static const us_prog_t s_program = {
    "unionsync",
    "a district or sector union office's report figures, synced with the province",
    "Enters the office's figures into a local store, with or without a network, and syncs "
    "them with the provincial federation's unionsync-server.",
    "The author of edits is --author, else $UNIONSYNC_AUTHOR, else $USER.\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input (nothing changed), 3 server\n"
    "unreachable (changes kept), 4 some edits rejected or lost a conflict.\n",
    s_commands, sizeof s_commands / sizeof s_commands [0]
};

/* Dispatches a command. */
int
main (int argc, char **argv)
{
    umask (077);
    return us_args_main (&s_program, argc, argv);
}
