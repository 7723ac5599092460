/*  unionsync: a district office's command line.

    Exit codes: 0 ok; 1 runtime failure; 2 bad usage or input (nothing
    changed, one line on stderr); 3 server unreachable (changes kept);
    4 finished, but some deltas were rejected or lost a conflict.
*/
#include "us_args.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_import.h"
#include "us_keys.h"
#include "us_sync.h"
#include "us_template.h"
#include "us_ui.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static const char *s_usage =
    "usage: unionsync COMMAND [ARGS] [--db FILE]\n"
    "\n"
    "  init --unit ID --server ENDPOINT --server-key PUBKEY   print this replica's public key\n"
    "  set UNIT MONTH INDICATOR VALUE [--note TEXT] [--author NAME]   (VALUE '-' clears)\n"
    "  import FILE [--author NAME] [--encoding utf-8|utf-16|cp1258|cp1252] [--unit ID]\n"
    "         [--clear-empty]                a sheet saved from Excel (long or wide); all or nothing\n"
    "  template PERIOD [--format csv|xlsx] [--output FILE]   the office's form to fill in Excel\n"
    "  show [PERIOD] [--json]                the office's figures, targets and achievement\n"
    "  sync [--timeout-ms N] [--retries N]   send edits, receive the province's changes\n"
    "  status [--json]                       pending, rejected, conflicts, clock\n"
    "  submit PERIOD                         report the period as complete (sent on sync)\n"
    "  rekey                                 new keys for this replica (the province re-keys it)\n"
    "  ui [--port N] [--no-browser]          the office desk in the browser; prints its address\n"
    "\n"
    "--db defaults to $UNIONSYNC_DB, else ./unionsync.db. The author of edits is --author,\n"
    "else $UNIONSYNC_AUTHOR, else $USER. Exit codes: 0 ok, 1 runtime failure, 2 bad usage\n"
    "or input, 3 server unreachable (changes kept), 4 some edits rejected or lost a conflict.\n";

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
                         US_OPT ("server", true), US_OPT ("server-key", true) };
    const int n = 5;
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

/* show: the office's figures for a period. */
static int
s_cmd_show (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 1, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    int rc = us_dstore_show (store, stdout, n_pos ? pos [0] : NULL, us_args_has (opts, 3, "json"));
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
    char summary [320];
    snprintf (summary, sizeof summary,
              "sent %zu (accepted %zu, won %zu, lost %zu, rejected %zu), received %zu figures"
              " and %zu other changes%s%s",
              st.pushed, st.accepted, st.won, st.lost, st.rejected, st.pulled_cells,
              st.pulled_other, st.submitted ? ", submitted" : "",
              st.new_epoch ? ", new epoch after restore" : "");
    if (st.submit_refused)
        snprintf (summary + strlen (summary), sizeof summary - strlen (summary),
                  ", %zu submission%s refused", st.submit_refused,
                  st.submit_refused == 1 ? "" : "s");
    us_dstore_note_sync (store, rc ? us_error_msg () : summary);
    us_dstore_destroy (&store);
    if (rc) {
        if (st.pushed)
            fprintf (stderr, "unionsync: partial sync: %s\n", summary);
        return us_args_fail (rc);
    }
    printf ("sync ok: %s\n", summary);
    if (st.rejected || st.lost || st.submit_refused) {
        fprintf (stderr, "unionsync: %zu edit%s rejected or lost a conflict, %zu submission%s "
                 "refused; see 'unionsync status'\n", st.rejected + st.lost,
                 st.rejected + st.lost == 1 ? "" : "s", st.submit_refused,
                 st.submit_refused == 1 ? "" : "s");
        return US_EXIT_REJECTED;
    }
    return 0;
}

/* status: what is pending, rejected and in conflict. */
static int
s_cmd_status (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    int rc = us_dstore_status (store, stdout, us_args_has (opts, 3, "json"));
    us_dstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* submit: queues the submission of a period. */
static int
s_cmd_submit (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, 2, argc, argv);
    if (ex >= 0)
        return ex;
    us_dstore_t *store;
    if ((ex = s_open (&store, opts, 2)) >= 0)
        return ex;
    int rc = us_dstore_submit (store, pos [0]);
    us_dstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("submission of %s queued; it is sent on the next sync\n", pos [0]);
    return 0;
}

/* Dispatches a command. */
int
main (int argc, char **argv)
{
    umask (077);
    us_args_setup ("unionsync", s_usage);
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "help") == 0) {
        fputs (s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? US_EXIT_USAGE : 0;
    }
    const char *cmd = argv [1];
    if (strcmp (cmd, "init") == 0)   return s_cmd_init (argc - 2, argv + 2);
    if (strcmp (cmd, "set") == 0)    return s_cmd_set (argc - 2, argv + 2);
    if (strcmp (cmd, "import") == 0) return s_cmd_import (argc - 2, argv + 2);
    if (strcmp (cmd, "template") == 0) return s_cmd_template (argc - 2, argv + 2);
    if (strcmp (cmd, "show") == 0)   return s_cmd_show (argc - 2, argv + 2);
    if (strcmp (cmd, "sync") == 0)   return s_cmd_sync (argc - 2, argv + 2);
    if (strcmp (cmd, "status") == 0) return s_cmd_status (argc - 2, argv + 2);
    if (strcmp (cmd, "submit") == 0) return s_cmd_submit (argc - 2, argv + 2);
    if (strcmp (cmd, "rekey") == 0)  return s_cmd_rekey (argc - 2, argv + 2);
    if (strcmp (cmd, "ui") == 0)     return us_ui_run (argc - 2, argv + 2);
    fprintf (stderr, "unionsync: unknown command '%s' (see --help)\n", cmd);
    return US_EXIT_USAGE;
}
