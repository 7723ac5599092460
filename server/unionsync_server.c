/*  unionsync-server: the provincial federation's command line.

    Exit codes: 0 ok; 1 runtime failure; 2 bad usage or input (nothing
    changed, one line on stderr).
*/
#include "us_absorb.h"
#include "us_allocate.h"
#include "us_args.h"
#include "us_audit.h"
#include "us_codec.h"
#include "us_db.h"
#include "us_calendar.h"
#include "us_desk_cli.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_log.h"
#include "us_merge.h"
#include "us_pstore.h"
#include "us_pstore_list.h"
#include "us_print.h"
#include "us_pstore_backup.h"
#include "us_pstore_report.h"
#include "us_reorg.h"
#include "us_report.h"
#include "us_render.h"
#include "us_service.h"
#include "us_text.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef US_PROVINCE_HELPER
static volatile sig_atomic_t s_stop;

/* Records a stop request from a signal. */
static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

/* Stops on SIGINT or SIGTERM; ignores SIGPIPE (a peer gone mid-write). */
static void
s_catch_signals (void)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);
}
#endif

/* Opens the store named by the options. */
static int
s_open (us_pstore_t **store, us_opt_t *opts, int n)
{
    int rc = us_pstore_open (store, us_args_db_path (opts, n));
    return rc ? us_args_fail (rc) : -1;
}

/* init: creates the store and the server keys. */
static int
s_cmd_init (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("province", true), US_OPT ("name", true) };
    const int n = 4;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *province = us_args_value (opts, n, "province", NULL);
    const char *name = us_args_value (opts, n, "name", NULL);
    if (!province || !name)
        return us_args_usage_error ("init needs --province ID and --name NAME");
    const char *path = us_args_db_path (opts, n);
    us_keys_t keys;
    int rc = us_keys_generate (&keys, false);
    if (rc)
        return us_args_fail (rc);
    us_pstore_t *store;
    rc = us_pstore_create (&store, path, province, name);
    if (rc) {
        us_keys_wipe (&keys);
        return us_args_fail (rc);
    }
    rc = us_keys_save (&keys, us_pstore_key_path (store));
    if (rc) {
        us_pstore_destroy (&store);
        remove (path);
        us_keys_wipe (&keys);
        return us_args_fail (rc);
    }
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &keys);
    printf ("created %s for %s (%s); keys in %s\n", path, province, name,
            us_pstore_key_path (store));
    printf ("server public key:\n%s\n", token);
    us_keys_wipe (&keys);
    us_pstore_destroy (&store);
    return 0;
}

typedef enum { S_UNITS, S_INDICATORS, S_KINDS } s_import_t;

/* units import / indicators import / kinds import. */
static int
s_cmd_import (int argc, char **argv, s_import_t what)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, 2, argc, argv);
    if (ex >= 0)
        return ex;
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 2)) >= 0)
        return ex;
    int count;
    int rc = what == S_UNITS ? us_pstore_import_units (store, &count, pos [0])
           : what == S_KINDS ? us_pstore_import_kinds (store, &count, pos [0])
           : us_pstore_import_indicators (store, &count, pos [0]);
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("imported %d %s from %s\n", count, what == S_UNITS ? "units"
            : what == S_KINDS ? "unit kinds" : "indicators", pos [0]);
    return 0;
}

/* enroll: lets a replica key in for a unit. */
static int
s_cmd_enroll (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("unit", true),
                         US_OPT ("key", true), US_OPT ("name", true) };
    const int n = 5;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *unit = us_args_value (opts, n, "unit", NULL);
    const char *key = us_args_value (opts, n, "key", NULL);
    if (!unit || !key)
        return us_args_usage_error ("enroll needs --unit ID and --key PUBKEY");
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    int64_t id;
    int rc = us_pstore_enroll (store, &id, unit, key, us_args_value (opts, n, "name", ""));
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("enrolled replica %lld for %s\n", (long long) id, unit);
    return 0;
}

/* revoke: refuses a replica key from now on. */
static int
s_cmd_revoke (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("key", true) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    const char *key = us_args_value (opts, 3, "key", NULL);
    if (!key)
        return us_args_usage_error ("revoke needs --key PUBKEY");
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    int rc = us_pstore_revoke (store, key);
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("revoked\n");
    return 0;
}

/* Runs a command on one replica named by --key and a second option (what):
   opens the store, calls act, and prints done with the replica's id. */
static int
s_replica_act (int argc, char **argv, const char *what, const char *usage,
               int (*act) (us_pstore_t *, int64_t *, const char *, const char *),
               const char *done)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("key", true),
                         US_OPT (what, true) };
    const int n = 4;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *key = us_args_value (opts, n, "key", NULL);
    const char *value = us_args_value (opts, n, what, NULL);
    if (!key || !value)
        return us_args_usage_error (usage);
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    int64_t id;
    int rc = act (store, &id, key, value);
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf (done, (long long) id, value);
    putchar ('\n');
    return 0;
}

/* replicas move: moves a replica to another unit, on record. */
static int
s_cmd_replicas_move (int argc, char **argv)
{
    return s_replica_act (argc, argv, "unit", "replicas move needs --key PUBKEY and --unit ID",
                          us_pstore_move, "moved replica %lld to %s");
}

/* rekey: gives a replica new keys; the old key is refused from now on. */
static int
s_cmd_rekey (int argc, char **argv)
{
    return s_replica_act (argc, argv, "new", "rekey needs --key OLDKEY and --new NEWKEY",
                          us_pstore_rekey,
                          "re-keyed replica %lld; its old key is refused from now on%.0s");
}

#ifdef US_PROVINCE_HELPER
/* The two long-running commands, which serve the offices over ZeroMQ and
   the desk over HTTP, run in unionsync-province, which links libzmq and
   libmicrohttpd (with GnuTLS: some thirty shared objects together).
   `unionsync-server` itself links only the store's libraries, so that
   its other commands (a report, a correction, a list) start in about
   3 ms instead of 10. */

/* serve: in unionsync-province. */
static int
s_cmd_serve (int argc, char **argv)
{
    return us_args_exec_helper ("unionsync-province", "unionsync-server", "serve", argc, argv);
}
#else
/* serve: runs the service until SIGINT or SIGTERM. */
static int
s_cmd_serve (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("bind", true),
                         US_OPT ("quiet", false), US_OPT ("min-wire", true),
                         US_OPT ("ui", true), US_OPT ("tls-cert", true), US_OPT ("tls-key", true),
                         US_OPT ("behind-proxy", false) };
    const int n = 9;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *bind = us_args_value (opts, n, "bind", NULL);
    if (!bind)
        return us_args_usage_error ("serve needs --bind ENDPOINT (e.g. tcp://0.0.0.0:5555)");
    char *end;
    const char *min_arg = us_args_value (opts, n, "min-wire", "1");
    long min_wire = strtol (min_arg, &end, 10);
    if (*end || end == min_arg || min_wire < US_WIRE_OLDEST || min_wire > US_WIRE_VERSION)
        return us_args_usage_error ("--min-wire takes a wire version from 1 (offices not "
                                    "yet upgraded) to 2");
    us_log_quiet (us_args_has (opts, n, "quiet"));
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    us_keys_t keys;
    int lock = -1;
    int rc = us_pstore_serving_lock (us_args_db_path (opts, n), &lock);
    if (rc == 0)
        rc = us_audit_keys (&keys, us_pstore_key_path (store));
    if (rc) {
        if (lock >= 0)
            close (lock);
        us_pstore_destroy (&store);
        return us_args_fail (rc);
    }
    s_catch_signals ();
    us_service_t *service = us_service_new (store, &keys, bind, us_args_db_path (opts, n));
    us_keys_wipe (&keys);
    if (service && us_service_set_min_wire (service, (uint32_t) min_wire) != 0)
        us_service_destroy (&service);
    if (!service) {
        us_pstore_destroy (&store);
        close (lock);
        return us_args_fail (US_EINVAL);
    }
    us_desk_t *desk = NULL;
    us_desk_config_t desk_config = {
        us_args_value (opts, n, "ui", NULL), us_args_db_path (opts, n),
        us_args_value (opts, n, "tls-cert", NULL), us_args_value (opts, n, "tls-key", NULL),
        us_args_has (opts, n, "behind-proxy") };
    if (desk_config.bind && !(desk = us_desk_cli_start (&desk_config))) {
        us_service_destroy (&service);
        us_pstore_destroy (&store);
        close (lock);
        return US_EXIT_USAGE;
    }
    us_log_info ("serving %s on %s", us_args_db_path (opts, n), bind);
    fflush (stderr);
    rc = us_service_run (service, &s_stop);
    us_desk_destroy (&desk);
    us_service_destroy (&service);
    us_pstore_destroy (&store);
    close (lock);
    return rc ? us_args_fail (rc) : 0;
}
#endif

/* target allocate: splits a total among the province's units and sets their targets. */
static int
s_cmd_allocate (const char **pos, us_opt_t *opts, int n)
{
    const char *by = us_args_value (opts, n, "by", NULL);
    const char *weights = us_args_value (opts, n, "weights", NULL);
    if (!by == !weights)
        return us_args_usage_error ("target allocate needs --by INDICATOR or --weights FILE");
    us_source_t source;
    if (us_source_parse (&source, us_args_value (opts, n, "source", "province")) != 0)
        return us_args_usage_error (us_error_msg ());
    int64_t total;
    if (us_text_parse_int (&total, pos [3]) != 0 || total < 0)
        return us_args_usage_error ("TOTAL must be a whole number, 0 or more");
    us_pstore_t *store;
    int ex = s_open (&store, opts, n);
    if (ex >= 0)
        return ex;
    us_allocate_t *split;
    int rc = by ? us_allocate_by_figure (&split, store, pos [1], pos [2], total, source, by)
                : us_allocate_by_weights (&split, store, pos [1], pos [2], total, source, weights);
    if (rc == 0)
        rc = us_allocate_print (split, stdout);
    size_t written = 0;
    if (rc == 0 && !us_args_has (opts, n, "dry-run")) {
        rc = us_allocate_apply (split, store, &written);
        if (rc == 0)
            printf ("set %zu %s targets of %s for %s\n", written, us_source_name (source),
                    split->indicator, split->period);
        else
            fprintf (stderr, "unionsync-server: %zu of %zu targets were set before the failure\n",
                     written, split->count);
    }
    else
    if (rc == 0)
        printf ("dry run: no targets written\n");
    us_allocate_destroy (&split);
    us_pstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* target set | target allocate. */
static int
s_cmd_target (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("source", true),
                         US_OPT ("by", true), US_OPT ("weights", true), US_OPT ("dry-run", false) };
    const int n = 6;
    const char *pos [5];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 5, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    if (strcmp (pos [0], "allocate") == 0) {
        if (n_pos != 4)
            return us_args_usage_error ("use 'target allocate INDICATOR PERIOD TOTAL"
                                  " --by INDICATOR|--weights FILE'");
        return s_cmd_allocate (pos, opts, n);
    }
    if (strcmp (pos [0], "set") != 0)
        return us_args_usage_error ("unknown target command (set or allocate)");
    if (n_pos != 5)
        return us_args_usage_error ("use 'target set UNIT INDICATOR PERIOD VALUE[..MAX]'");
    if (us_args_has (opts, n, "by") || us_args_has (opts, n, "weights")
    ||  us_args_has (opts, n, "dry-run"))
        return us_args_usage_error ("--by, --weights and --dry-run go with 'target allocate'");
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    const char *source = us_args_value (opts, n, "source", "province");
    int rc = us_pstore_target_set (store, pos [1], pos [2], pos [3], pos [4], source);
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("target %s %s %s = %s (%s)\n", pos [1], pos [2], pos [3], pos [4], source);
    return 0;
}

/* report: prints the consolidated report of a period. */
static int
s_cmd_report (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("unit", true),
                         US_OPT ("format", true), US_OPT ("compare", false), US_OPT ("rank", true),
                         US_OPT ("source", true), US_OPT ("output", true) };
    const int n = 8;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    bool xlsx = strcmp (us_args_value (opts, n, "format", "text"), "xlsx") == 0;
    if (xlsx != us_args_has (opts, n, "output"))
        return us_args_usage_error (xlsx ? "--format xlsx needs --output FILE"
                                         : "--output goes with --format xlsx");
    if (xlsx && (us_args_has (opts, n, "rank") || us_args_has (opts, n, "compare")))
        return us_args_usage_error ("--format xlsx takes no --rank or --compare");
    if (xlsx) {
        us_pstore_t *store;
        if ((ex = s_open (&store, opts, n)) >= 0)
            return ex;
        int rc = us_desk_cli_xlsx (store, pos [0], us_args_value (opts, n, "unit", NULL),
                                   us_args_value (opts, n, "output", NULL));
        us_pstore_destroy (&store);
        if (rc == 0)
            printf ("wrote %s\n", us_args_value (opts, n, "output", NULL));
        return rc ? us_args_fail (rc) : 0;
    }
    us_format_t format;
    if (us_format_parse (&format, us_args_value (opts, n, "format", "text")) != 0)
        return us_args_usage_error (us_error_msg ());
    const char *rank = us_args_value (opts, n, "rank", NULL);
    bool compare = us_args_has (opts, n, "compare");
    us_source_t source = US_SOURCE_PROVINCE;
    if (us_args_has (opts, n, "source") && !rank)
        return us_args_usage_error ("--source goes with --rank INDICATOR");
    if (us_source_parse (&source, us_args_value (opts, n, "source", "province")) != 0)
        return us_args_usage_error (us_error_msg ());
    if (rank && compare)
        return us_args_usage_error ("--rank and --compare do not go together");
    if (rank && format != US_FORMAT_TEXT && format != US_FORMAT_CSV && format != US_FORMAT_JSON)
        return us_args_usage_error ("a ranking prints as text, csv or json");
    us_db_heap_huge (US_RENDER_HEAP);
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    int rc = us_render_report (store, stdout, pos [0], us_args_value (opts, n, "unit", NULL), format,
                             rank, source, compare);
    us_pstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* set: a province correction of one district figure; resolve: the
   province's pick for a conflict. */
static int
s_cmd_set (int argc, char **argv, bool resolve)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("note", true), US_OPT ("author", true) };
    const int n = 4;
    const char *pos [4];
    int n_pos, ex = us_args_command (pos, &n_pos, 4, 4, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *note = us_args_value (opts, n, "note", resolve ? "conflict resolved" : NULL);
    if (!note || !*note)
        return us_args_usage_error ("a correction needs --note TEXT saying why");
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    const char *user = getenv ("USER");
    const char *author = us_args_value (opts, n, "author", user && *user ? user : "province");
    us_hlc_t clock = { 0, 0 };
    us_merge_result_t result;
    int rc = us_pstore_report_entry_check (store, pos [2]);
    if (rc == 0)
        rc = us_merge_correct (&result, store, pos [0], pos [1], pos [2], pos [3], note,
                               author, resolve, &clock);
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    if (result.result.outcome == US_OUTCOME_REJECTED) {
        fprintf (stderr, "unionsync-server: rejected: %s\n", result.reason);
        return US_EXIT_USAGE;
    }
    printf ("%s %s %s = %s (version %llu, %s)\n", pos [0], pos [1], pos [2], pos [3],
            (unsigned long long) result.result.version, us_outcome_name (result.result.outcome));
    return 0;
}

/* approve | lock | unlock | reopen: the submission workflow. */
static int
s_cmd_workflow (int argc, char **argv, us_action_t action)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("force", false),
                         US_OPT ("note", true) };
    const char *pos [2];
    int n_pos, ex = us_args_command (pos, &n_pos, 2, 2, opts, 4, argc, argv);
    if (ex >= 0)
        return ex;
    bool force = us_args_has (opts, 4, "force");
    const char *note = us_args_value (opts, 4, "note", NULL);
    if (note && !force)
        return us_args_usage_error ("--note says why a lock was forced; it goes with --force");
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 4)) >= 0)
        return ex;
    us_state_t state;
    bool reported;
    int rc = us_pstore_workflow_note (store, &state, &reported, pos [0], pos [1], action, force,
                                      note);
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("%s %s: %s%s%s\n", pos [0], pos [1], us_state_name (state),
            state == US_STATE_APPROVED && !reported ? ", locked, not reported" : "",
            state == US_STATE_APPROVED && force ? " (forced)" : "");
    return 0;
}

/* conflicts: lists every recorded conflict. */
static int
s_cmd_conflicts (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    int rc = us_pstore_conflicts_print (store, stdout, us_args_has (opts, 3, "json"));
    us_pstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* schedules import FILE | schedules list: the reporting schedules. */
static int
s_cmd_schedules (int argc, char **argv, bool import)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, import, import, opts, import ? 2 : 3,
                                     argc, argv);
    if (ex >= 0)
        return ex;
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    int count = 0;
    int rc = import ? us_pstore_import_schedules (store, &count, pos [0])
                    : us_pstore_schedules_print (store, stdout, us_args_has (opts, 3, "json"));
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    if (import)
        printf ("imported %d schedules from %s\n", count, pos [0]);
    return 0;
}

/* overdue [--at DAY]: units whose reports are due or late. */
static int
s_cmd_overdue (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false),
                         US_OPT ("at", true) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, 4, argc, argv);
    if (ex >= 0)
        return ex;
    int64_t at = us_calendar_now_ms ();
    const char *day = us_args_value (opts, 4, "at", NULL);
    if (day && us_calendar_day_parse (&at, day) != 0)
        return us_args_usage_error (us_error_msg ());
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 4)) >= 0)
        return ex;
    int rc = us_pstore_overdue_print (store, stdout, at, us_args_has (opts, 4, "json"));
    us_pstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* Writes n bytes as lower-case hex into out [2n + 1]. */
static void
s_hex (char *out, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf (out + 2 * i, 3, "%02x", bytes [i]);
}

/* audit head: prints the chain's head signed with the province's key. */
static int
s_audit_head (us_opt_t *opts, int n)
{
    us_pstore_t *store;
    int ex;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    us_keys_t keys;
    us_audit_head_t head;
    int rc = us_audit_keys (&keys, us_pstore_key_path (store));
    if (rc == 0) {
        rc = us_audit_head (&head, store, &keys);
        us_keys_wipe (&keys);
    }
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    char hex [2 * 64 + 1];
    printf ("audit head: %llu records\n", (unsigned long long) head.records);
    s_hex (hex, head.hash, US_HASH_LEN);
    printf ("hash: %s\n", hex);
    s_hex (hex, head.signature, 64);
    printf ("signature: %s\n", hex);
    s_hex (hex, head.key, 32);
    printf ("signing key: %s\n", hex);
    char text [US_HEAD_TEXT];
    us_keys_head_text (text, sizeof text, head.records, head.hash);
    printf ("signed text: %s\n", text);
    return 0;
}

/* audit verify | audit show: the record of every received delta. */
static int
s_cmd_audit (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("unit", true),
                         US_OPT ("period", true) };
    const int n = 4;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    if (strcmp (pos [0], "head") == 0)
        return s_audit_head (opts, n);
    bool verify = strcmp (pos [0], "verify") == 0;
    const char *unit = us_args_value (opts, n, "unit", NULL);
    const char *period = us_args_value (opts, n, "period", NULL);
    if (!verify && (strcmp (pos [0], "show") != 0 || !unit || !period))
        return us_args_usage_error ("use 'audit verify' or 'audit show --unit ID --period PERIOD'");
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    int rc = verify ? us_audit_verify (store, stdout) : us_audit_show (store, stdout, unit, period);
    if (rc == 0 && verify)
        rc = us_absorb_verify_segments (store, stdout);
    us_pstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* backup FILE / restore FILE: a checked copy of the store, or one put back. */
static int
s_cmd_backup (int argc, char **argv, bool restore)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("author", true) };
    const int n = restore ? 3 : 2;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_pstore_summary_t sum;
    const char *db = us_args_db_path (opts, n);
    /* The restore is recorded in the audit chain with who put it back. */
    const char *user = getenv ("USER");
    const char *author = us_args_value (opts, n, "author", user && *user ? user : "province");
    if (restore && (!*author || strlen (author) > US_MAX_CODE || !us_text_utf8_valid (author)))
        return us_args_usage_error ("--author: a name of 1 to 64 bytes of UTF-8");
    int rc = restore ? us_pstore_restore (pos [0], db, author, &sum)
                     : us_pstore_backup (db, pos [0], &sum);
    if (rc)
        return us_args_fail (rc);
    printf (restore ? "restored %s into %s\n" : "backup of %2$s written to %1$s and checked\n",
            pos [0], db);
    us_pstore_summary_print (&sum, stdout);
    return 0;
}


/* Wrappers: one function serves several commands. */
static int
s_cmd_units_import (int argc, char **argv) { return s_cmd_import (argc, argv, S_UNITS); }
static int
s_cmd_kinds_import (int argc, char **argv) { return s_cmd_import (argc, argv, S_KINDS); }
static int
s_cmd_indicators_import (int argc, char **argv) { return s_cmd_import (argc, argv, S_INDICATORS); }
static int
s_cmd_correct (int argc, char **argv) { return s_cmd_set (argc, argv, false); }
static int
s_cmd_resolve (int argc, char **argv) { return s_cmd_set (argc, argv, true); }
static int
s_cmd_approve (int argc, char **argv) { return s_cmd_workflow (argc, argv, US_ACTION_APPROVE); }
static int
s_cmd_lock (int argc, char **argv) { return s_cmd_workflow (argc, argv, US_ACTION_LOCK); }
static int
s_cmd_unlock (int argc, char **argv) { return s_cmd_workflow (argc, argv, US_ACTION_UNLOCK); }
static int
s_cmd_reopen (int argc, char **argv) { return s_cmd_workflow (argc, argv, US_ACTION_REOPEN); }
static int
s_cmd_backup_make (int argc, char **argv) { return s_cmd_backup (argc, argv, false); }
static int
s_cmd_restore (int argc, char **argv) { return s_cmd_backup (argc, argv, true); }
static int
s_cmd_schedules_import (int argc, char **argv) { return s_cmd_schedules (argc, argv, true); }
static int
s_cmd_schedules_list (int argc, char **argv) { return s_cmd_schedules (argc, argv, false); }

/* The units of a listing, kept to print them as a tree. */
typedef struct {
    char code [65], name [257], kind [24], parent [65], from [16], to [16];
} s_unit_t;

typedef struct {
    s_unit_t *units;
    size_t count, cap;
} s_units_t;

/* Keeps one unit of a listing. */
static int
s_unit_keep (const us_unit_row_t *row, void *arg)
{
    s_units_t *list = arg;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 64;
        s_unit_t *grown = realloc (list->units, cap * sizeof *grown);
        if (!grown)
            return us_error_set (US_ENOMEM, "out of memory");
        list->units = grown;
        list->cap = cap;
    }
    s_unit_t *u = &list->units [list->count++];
    snprintf (u->code, sizeof u->code, "%s", row->code);
    snprintf (u->name, sizeof u->name, "%s", row->name);
    snprintf (u->kind, sizeof u->kind, "%s", row->kind);
    snprintf (u->parent, sizeof u->parent, "%s", row->parent);
    snprintf (u->from, sizeof u->from, "%s", row->valid_from);
    snprintf (u->to, sizeof u->to, "%s", row->valid_to);
    return 0;
}

/* Prints a unit's validity, when it has one. */
static void
s_unit_validity (const s_unit_t *u)
{
    if (*u->from || *u->to)
        printf ("  [%s..%s]", *u->from ? u->from : "", *u->to ? u->to : "");
}

/* Returns true when unit i hangs under parent (an index, or -1 for the
   roots: units with no parent, or whose parent is not listed). */
static bool
s_tree_child (const s_units_t *list, size_t i, long parent)
{
    const s_unit_t *u = &list->units [i];
    if (parent >= 0)
        return (long) i != parent && strcmp (u->parent, list->units [parent].code) == 0;
    for (size_t j = 0; *u->parent && j < list->count; j++)
        if (j != i && strcmp (list->units [j].code, u->parent) == 0)
            return false;
    return true;
}

/* Prints the children of parent as a tree; prefix draws the branches
   above. The store refuses cycles; a tree deeper than 32 is cut. */
static void
s_tree_print (const s_units_t *list, long parent, const char *prefix, int depth)
{
    long last = -1;
    for (size_t i = 0; i < list->count; i++)
        if (s_tree_child (list, i, parent))
            last = (long) i;
    for (long i = 0; i <= last; i++) {
        if (!s_tree_child (list, (size_t) i, parent))
            continue;
        const s_unit_t *u = &list->units [i];
        printf ("%s%s%s  %s (%s)", prefix, parent < 0 ? "" : i == last ? "└─ " : "├─ ",
                u->code, u->name, u->kind);
        s_unit_validity (u);
        putchar ('\n');
        if (depth >= 32)
            continue;
        char deeper [256];
        const char *more = parent < 0 ? "" : i == last ? "   " : "│  ";
        size_t len = strlen (prefix);
        if (len + strlen (more) >= sizeof deeper)
            continue;
        memcpy (deeper, prefix, len);
        strcpy (deeper + len, more);
        s_tree_print (list, i, deeper, depth + 1);
    }
}

/* units list: the unit tree, as a table or a tree. */
static int
s_cmd_units_list (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("tree", false),
                         US_OPT ("at", true), US_OPT ("json", false) };
    const int n = 5;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *at = us_args_value (opts, n, "at", NULL);
    char month [8];
    if (at && strlen (at) == 10 && at [7] == '-') {
        snprintf (month, sizeof month, "%.7s", at);      /* a day names its month */
        at = month;
    }
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    s_units_t list = { 0 };
    int rc = us_pstore_list_units (store, at, s_unit_keep, &list);
    us_pstore_destroy (&store);
    if (rc == 0 && us_args_has (opts, n, "json")) {
        printf ("[");
        for (size_t i = 0; i < list.count; i++) {
            const s_unit_t *u = &list.units [i];
            const char *f [6] = { u->code, u->name, u->kind, u->parent, u->from, u->to };
            static const char *k [6] = { "id", "name", "kind", "parent", "valid_from", "valid_to" };
            printf ("%s{", i ? "," : "");
            for (int j = 0; j < 6; j++) {
                printf ("%s\"%s\":", j ? "," : "", k [j]);
                us_text_json (stdout, f [j]);
            }
            printf ("}");
        }
        printf ("]\n");
    }
    else
    if (rc == 0 && us_args_has (opts, n, "tree"))
        s_tree_print (&list, -1, "", 0);
    else
    if (rc == 0)
        for (size_t i = 0; i < list.count; i++) {
            const s_unit_t *u = &list.units [i];
            us_text_pad (stdout, u->code, 22, false);
            putchar (' ');
            us_text_pad (stdout, u->kind, 10, false);
            putchar (' ');
            us_text_pad (stdout, *u->parent ? u->parent : "-", 16, false);
            printf (" %s", u->name);
            s_unit_validity (u);
            putchar ('\n');
        }
    free (list.units);
    return rc ? us_args_fail (rc) : 0;
}

/* Formats a time in ms as UTC, or "never". */
static void
s_when (char *buf, size_t size, int64_t ms)
{
    if (ms <= 0) {
        snprintf (buf, size, "never");
        return;
    }
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (buf, size, "%Y-%m-%d %H:%MZ", &tm);
}

/* Prints one replica as a line or a JSON object. */
static int
s_replica_print (const us_replica_row_t *r, void *arg)
{
    int *n = arg;
    char enrolled [32], last [32], revoked [32];
    s_when (enrolled, sizeof enrolled, r->enrolled_ms);
    s_when (last, sizeof last, r->last_batch_ms);
    s_when (revoked, sizeof revoked, r->revoked_ms);
    if (*n < 0) {
        printf ("%s{\"replica\":%lld,\"unit\":", *n < -1 ? "," : "", (long long) r->id);
        us_text_json (stdout, r->unit);
        fputs (",\"name\":", stdout);
        us_text_json (stdout, r->name);
        char hex [65];
        us_keys_curve_hex (hex, r->key);        /* as the office's key token begins */
        printf (",\"key\":\"%s\"", hex);
        printf (",\"enrolled\":\"%s\",\"last_sync\":\"%s\",\"revoked\":%s%s%s,"
                "\"batches\":%lld,\"deltas\":%lld}", enrolled, last,
                r->revoked_ms ? "\"" : "", r->revoked_ms ? revoked : "false",
                r->revoked_ms ? "\"" : "", (long long) r->batches, (long long) r->deltas);
        (*n)--;
        return 0;
    }
    if (*n == 0)
        printf ("replica unit                   name             last sync          deltas"
                "  revoked\n");
    printf ("%7lld ", (long long) r->id);
    us_text_pad (stdout, r->unit, 22, false);
    putchar (' ');
    us_text_pad (stdout, *r->name ? r->name : "-", 16, false);
    printf (" %-18s %6lld  %s\n", last, (long long) r->deltas, r->revoked_ms ? revoked : "no");
    (*n)++;
    return 0;
}

/* replicas: the offices' replicas: unit, name, last sync, revoked. */
static int
s_cmd_replicas (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    bool json = us_args_has (opts, 3, "json");
    int n = json ? -1 : 0;
    if (json)
        putchar ('[');
    int rc = us_pstore_list_replicas (store, s_replica_print, &n);
    us_pstore_destroy (&store);
    if (json)
        puts ("]");
    else
    if (rc == 0 && n == 0)
        puts ("no replicas enrolled");
    return rc ? us_args_fail (rc) : 0;
}

/* ui: the province desk alone, until SIGINT or SIGTERM. */
static int
s_cmd_ui (int argc, char **argv)
{
#ifdef US_PROVINCE_HELPER
    return us_args_exec_helper ("unionsync-province", "unionsync-server", "ui", argc, argv);
#else
    s_catch_signals ();
    return us_desk_cmd_ui (argc, argv, &s_stop);
#endif
}

/* The commands, in the order help lists them. */
/* absorb: another province's store brought in whole. */
static int
s_cmd_absorb (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("under", true) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    int rc = us_absorb_run (store, pos [0], us_args_value (opts, 3, "under", NULL), stdout);
    us_pstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

static const us_cmd_t s_commands [] = {
    { "init", "--province ID --name NAME", "create the store and the server keys; print the "
      "server public key", "Run once. The last line printed is the key every office needs "
      "for `unionsync init --server-key`.",
      "unionsync-server init --province QT --name 'Liên đoàn Lao động tỉnh Quảng Trị' --db qt.db",
      s_cmd_init, 0 },
    { "units import", "FILE.csv", "import or update the unit tree, all or nothing",
      "Rows are id,name,parent,kind[,valid_from,valid_to]; a kind is one of `kinds import` "
      "(province, district, sector, commune, park and grassroots are built in); months "
      "YYYY-MM. The root is the province's own unit: a file that names an id twice, or "
      "another unit without a parent, is refused.",
      "unionsync-server units import data/quangtri-units.csv", s_cmd_units_import, 0 },
    { "units list", "[--tree] [--at DATE] [--json]", "list the units, or draw their tree",
      "--at YYYY-MM (or a day) lists only the units valid then.",
      "unionsync-server units list --tree --at 2024-01", s_cmd_units_list, 0 },
    { "units merge", "OLD... --into NEW --on DATE", "merge units into one from a date on",
      "DATE is the first of a month. The old units end the month before; their figures stay "
      "and are added to NEW's in reports; their units move under NEW.",
      "unionsync-server units merge QT.VINHLINH QT.GIOLINH --into QT.X.VINHLINH --on 2025-07-01",
      us_reorg_merge, 0 },
    { "units split", "OLD --into NEW=SHARE,NEW=SHARE... --on DATE [--share IND:NEW=SHARE,...]... [--indicator IND]",
      "split a unit among its successors by exact shares summing to 1",
      "Each --share (repeatable) gives one indicator shares of its own over the same "
      "successors, recorded with the split. With --indicator the --into shares apply to that "
      "indicator only, over a split recorded before.",
      "unionsync-server units split QT.DONGHA --into QT.P.DONGHA=0.6,QT.P.NAMDONGHA=0.4 --on 2025-07-01",
      us_reorg_split, 0 },
    { "units move", "UNIT --parent P --on DATE", "move a unit under another from a date on", NULL,
      "unionsync-server units move QT.DONGHA.CDCS1 --parent QT.P.DONGHA --on 2025-07-01",
      us_reorg_move, 0 },
    { "units rename", "UNIT --name NAME --on DATE", "rename a unit from a date on", NULL,
      "unionsync-server units rename QT.CDVC --name 'Công đoàn Viên chức' --on 2025-07-01",
      us_reorg_rename, 0 },
    { "units end", "UNIT --on DATE", "end a unit with no successor", NULL,
      "unionsync-server units end QT.CAMLO --on 2025-07-01", us_reorg_end, 0 },
    { "units reorganise", "FILE.csv [--dry-run]", "a whole reorganisation, all or nothing",
      "Rows are action,unit,target,date[,indicator[,shares]]; split shares are written "
      "A=0.6;B=0.4, and a split's shares per indicator in the sixth column as "
      "IND:A=0.7;B=0.3, several separated by spaces. "
      "--dry-run prints the tree before and after and records nothing.",
      "unionsync-server units reorganise data/reorg-2025.csv --dry-run", us_reorg_reorganise, 0 },
    { "units events", "", "the restructuring recorded so far", NULL,
      "unionsync-server units events", us_reorg_events, 0 },
    { "absorb", "OTHER.db [--under UNIT]", "bring a merged province's store in whole",
      "Refused when OTHER fails its own audit verify or was absorbed before; codes taken "
      "here are re-coded (printed). Its audit chain is kept and verified as a segment.",
      "unionsync-server absorb quangbinh.db", s_cmd_absorb, 0 },
    { "kinds import", "FILE.csv", "import or update the kinds of unit",
      "Rows are code,name,level[,reports]: the 2025 reorganisation's commune and industrial-park "
      "unions are kinds like the district's.",
      "unionsync-server kinds import kinds-2025.csv", s_cmd_kinds_import, 0 },
    { "indicators import", "FILE.csv", "import the indicator catalog",
      "Columns by heading: code,name,kind[,numerator,denominator,policy,rule,formula,parent,"
      "unit,phrase,noun]; the default catalog ships in data/indicators.csv.",
      "unionsync-server indicators import data/indicators.csv", s_cmd_indicators_import, 0 },
    { "enroll", "--unit ID --key PUBKEY [--name NAME]", "let an office's replica in",
      "PUBKEY is the last line `unionsync init` printed at the office.",
      "unionsync-server enroll --unit QT.TRIEUPHONG --key KEY --name 'máy kế toán'",
      s_cmd_enroll, 0 },
    { "replicas", "[--json]", "the enrolled replicas: unit, name, last sync, revoked",
      "The last sync is when the replica last sent edits.",
      "unionsync-server replicas", s_cmd_replicas, 0 },
    { "replicas move", "--key PUBKEY --unit ID", "move a replica to another unit, on record",
      "Enrolling a key again never moves a replica; this does, and the audit chain "
      "records it.", "unionsync-server replicas move --key KEY --unit QT.CAMLO",
      s_cmd_replicas_move, 0 },
    { "revoke", "--key PUBKEY", "refuse a replica's key at once, no restart needed", NULL,
      "unionsync-server revoke --key KEY", s_cmd_revoke, 0 },
    { "rekey", "--key OLDKEY --new NEWKEY", "let a replica in with its new keys",
      "The line to run is printed by `unionsync rekey` at the office; the old key stays "
      "refused.", "unionsync-server rekey --key OLDKEY --new NEWKEY", s_cmd_rekey, 0 },
    { "serve", "--bind ENDPOINT [--quiet] [--min-wire N] [--ui ADDR [--tls-cert F --tls-key F] "
      "[--behind-proxy]]",
      "serve the offices until SIGINT or SIGTERM",
      "Logs to stderr; --quiet logs warnings only. --min-wire 2 refuses offices whose "
      "unionsync is not upgraded yet. --ui ADDR serves the province desk in the same "
      "process and prints its address (see `ui`).",
      "unionsync-server serve --bind tcp://0.0.0.0:5555 --ui 127.0.0.1:8080 --db qt.db",
      s_cmd_serve, 0 },
    { "ui", "[--bind ADDR] [--tls-cert F --tls-key F] [--behind-proxy]",
      "the province desk: the round, reports, approvals, corrections in a browser",
      "Serves the desk on ADDR (default 127.0.0.1:8080) until SIGINT or SIGTERM and prints "
      "its address on a line of its own. An address other than loopback needs TLS, or "
      "--behind-proxy when a reverse proxy terminates TLS. Accounts come from `user add`.",
      "unionsync-server ui --bind 127.0.0.1:8080 --db qt.db", s_cmd_ui, 0 },
    { "user", "add NAME --role viewer|approver|admin | passwd NAME | disable NAME | "
      "role NAME --role R | list", "the province desk's accounts",
      "The password is read from the terminal without echo (twice), or as one line on "
      "stdin when it is not a terminal. A viewer reads; an approver also approves, locks, "
      "corrects, resolves and sets targets; an admin also manages offices and accounts.",
      "unionsync-server user add lan.tc --role approver --db qt.db", us_desk_cmd_user, 0 },
    { "target", "set UNIT INDICATOR PERIOD VALUE[..MAX] [--source S] | allocate INDICATOR "
      "PERIOD TOTAL [--source S] --by INDICATOR|--weights FILE [--dry-run]",
      "set a target, or split a total among the district and sector units",
      "Sources are tld, province (default) and committed. allocate splits TOTAL by last "
      "year's figures of --by, or by FILE's unit,weight rows.",
      "unionsync-server target set QT.TRIEUPHONG members.new 2022 300\n"
      "unionsync-server target allocate members.new 2023 5000 --by members.new --dry-run",
      s_cmd_target, 0 },
    { "report", "PERIOD [--unit ID] [--format text|csv|json|html|vi|xlsx] [--output FILE] "
      "[--rank INDICATOR] [--source S] [--compare]",
      "the consolidated figures against their targets",
      "html is a printable page with charts; vi the report in Vietnamese prose; xlsx an "
      "Excel workbook written to --output FILE; --compare sets last year's figures beside; "
      "--rank orders the units by achievement.",
      "unionsync-server report 2022-H1 --format json", s_cmd_report, 0 },
    { "set", "UNIT MONTH INDICATOR VALUE --note TEXT", "a province correction of a figure",
      "Passes the province's locks; the office sees who corrected it and why.",
      "unionsync-server set QT.TRIEUPHONG 2022-05 members.new 118 --note 'theo biên bản'",
      s_cmd_correct, 0 },
    { "approve", "UNIT PERIOD", "approve a submitted period, which locks it", NULL,
      "unionsync-server approve QT.TRIEUPHONG 2022-H1", s_cmd_approve, 0 },
    { "lock", "UNIT PERIOD [--force [--note TEXT]]", "lock a unit's period whatever its state",
      "A lock freezes the months of the unit's whole subtree. Locking a unit whose children "
      "are not all approved needs --force; the lock records that it was forced and the note "
      "why. A unit that never submitted is \"locked, not reported\".",
      "unionsync-server lock QT 2022-H1 --force", s_cmd_lock, 0 },
    { "unlock", "UNIT PERIOD", "allow edits of a locked period again", NULL,
      "unionsync-server unlock QT.TRIEUPHONG 2022-H1", s_cmd_unlock, 0 },
    { "reopen", "UNIT PERIOD", "reopen an approved period for edits", NULL,
      "unionsync-server reopen QT.TRIEUPHONG 2022-H1", s_cmd_reopen, 0 },
    { "schedules import", "FILE.csv", "replace the reporting schedules, all or nothing",
      "Rows are code,name,period,kinds,indicators,deadline: period is month, quarter, half "
      "or year; kinds and indicators are space-separated codes (no indicator: all); the "
      "deadline M:D is day D of the M-th month after the period (1:20, the default: the 20th "
      "of the following month; 0:15 of a six-month report: 15 June), in Vietnam's time.",
      "unionsync-server schedules import data/schedules.csv", s_cmd_schedules_import, 0 },
    { "schedules list", "[--json]", "the reporting schedules and their deadlines", NULL,
      "unionsync-server schedules list", s_cmd_schedules_list, 0 },
    { "overdue", "[--at YYYY-MM-DD] [--json]",
      "per schedule, the units whose reports are due or late, with their last sync",
      "Periods that ended in the twelve months before the day (default today, Vietnam's "
      "time); a report submitted after the day does not count.",
      "unionsync-server overdue --at 2024-07-25", s_cmd_overdue, 0 },
    { "conflicts", "[--json]", "the concurrent edits and how they were settled", NULL,
      "unionsync-server conflicts --json", s_cmd_conflicts, 0 },
    { "resolve", "UNIT MONTH INDICATOR VALUE [--note TEXT]", "pick the value of a conflict",
      NULL, "unionsync-server resolve QT.TRIEUPHONG 2022-05 members.new 120", s_cmd_resolve, 0 },
    { "audit", "verify | show --unit ID --period PERIOD | head",
      "check the hash chain, every signature and the tables against the records; show who "
      "changed the figures; or print the chain's head signed with the province's key", NULL,
      "unionsync-server audit verify\n"
      "unionsync-server audit head\n"
      "unionsync-server audit show --unit QT.TRIEUPHONG --period 2022-H1", s_cmd_audit, 0 },
    { "backup", "FILE", "a checked one-file copy of the store (and FILE.key), also while serving",
      "The copy is checked before the command says it is written.",
      "unionsync-server backup /var/backups/unionsync/qt-2024-05-01.db --db qt.db",
      s_cmd_backup_make, 0 },
    { "restore", "FILE [--author NAME]", "put a backup back",
      "Refused while a server runs on the store. The restore is a record in the audit chain "
      "naming the chain's head before, the backup's and who restored it (--author, else "
      "$USER), so offices that saw a later head see a declared restore.",
      "unionsync-server restore /var/backups/unionsync/qt-2024-05-01.db --db qt.db",
      s_cmd_restore, 0 },
};

static const us_prog_t s_program = {
    "unionsync-server",
    "the provincial federation's store and sync server for union report figures",
    "Keeps the province's unit tree, indicator catalog, targets and every office's figures; "
    "serves the offices' syncs over ZeroMQ with CURVE, and prints the consolidated reports.",
    "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input (nothing changed).\n",
    s_commands, sizeof s_commands / sizeof s_commands [0]
};

/* Dispatches a command. */
int
main (int argc, char **argv)
{
    umask (077);
    return us_args_main (&s_program, argc, argv);
}
