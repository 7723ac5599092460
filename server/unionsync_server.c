/*  unionsync-server: the provincial federation's command line.

    Exit codes: 0 ok; 1 runtime failure; 2 bad usage or input (nothing
    changed, one line on stderr).
*/
#include "us_allocate.h"
#include "us_args.h"
#include "us_audit.h"
#include "us_codec.h"
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_log.h"
#include "us_merge.h"
#include "us_pstore.h"
#include "us_print.h"
#include "us_pstore_backup.h"
#include "us_pstore_report.h"
#include "us_report.h"
#include "us_service.h"
#include "us_text.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static const char *s_usage =
    "usage: unionsync-server COMMAND [ARGS] [--db FILE]\n"
    "\n"
    "  init --province ID --name NAME          create the store and server keys\n"
    "  units import FILE.csv                   id,name,parent,kind[,valid_from,valid_to]\n"
    "  kinds import FILE.csv                   code,name,level[,reports] (unit kinds)\n"
    "  indicators import FILE.csv              by header: code,name,kind[,numerator,denominator,policy,rule,\n"
    "                                          formula,parent,unit,phrase,noun]\n"
    "  enroll --unit ID --key PUBKEY [--name NAME]\n"
    "  revoke --key PUBKEY                     refused at once, no restart\n"
    "  rekey --key OLDKEY --new NEWKEY         a replica's new keys (from `unionsync rekey`)\n"
    "  serve --bind ENDPOINT [--min-wire 2]    until SIGINT/SIGTERM; --min-wire 2 refuses\n"
    "                                          offices whose unionsync is not upgraded\n"
    "  target set UNIT INDICATOR PERIOD VALUE[..MAX] [--source tld|province|committed]\n"
    "  target allocate INDICATOR PERIOD TOTAL [--source S] --by INDICATOR|--weights FILE\n"
    "                  [--dry-run]             split TOTAL among the province's district and\n"
    "                                          sector units by last year's figures of INDICATOR\n"
    "                                          (or FILE's unit,weight rows); set their targets\n"
    "  report PERIOD [--unit ID] [--format text|csv|json|html|vi] [--compare]\n"
    "                                          html: a printable page with charts; vi: the\n"
    "                                          report in Vietnamese; --compare: with last year's\n"
    "  report PERIOD --rank INDICATOR [--source S] [--unit ID] [--format text|csv|json]\n"
    "                                          units by achievement (default source province)\n"
    "  set UNIT MONTH INDICATOR VALUE --note TEXT   a province correction\n"
    "  approve|lock|unlock|reopen UNIT PERIOD [--force]\n"
    "  resolve UNIT MONTH INDICATOR VALUE [--note TEXT]  pick the value of a conflict\n"
    "  conflicts [--json]\n"
    "  audit verify                            check the hash chain and every batch signature\n"
    "  backup FILE                             a checked copy of the store (and FILE.key), also while serving\n"
    "  restore FILE                            put a backup back (refused while a server runs on the store)\n"
    "  audit show --unit ID --period PERIOD    who changed the figures, and when\n"
    "\n"
    "--db defaults to $UNIONSYNC_DB, else ./unionsync.db. Exit codes: 0 ok, 1 runtime\n"
    "failure, 2 bad usage or input.\n";

static volatile sig_atomic_t s_stop;

/* Records a stop request from a signal. */
static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

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

/* rekey: gives a replica new keys; the old key is refused from now on. */
static int
s_cmd_rekey (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("key", true),
                         US_OPT ("new", true) };
    const int n = 4;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *key = us_args_value (opts, n, "key", NULL);
    const char *fresh = us_args_value (opts, n, "new", NULL);
    if (!key || !fresh)
        return us_args_usage_error ("rekey needs --key OLDKEY and --new NEWKEY");
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    int64_t id;
    int rc = us_pstore_rekey (store, &id, key, fresh);
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("re-keyed replica %lld; its old key is refused from now on\n", (long long) id);
    return 0;
}

/* serve: runs the service until SIGINT or SIGTERM. */
static int
s_cmd_serve (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("bind", true),
                         US_OPT ("quiet", false), US_OPT ("min-wire", true) };
    const int n = 5;
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
    /* Keep freed memory for the next batch instead of handing it back to
       the kernel after every statement. */
    mallopt (M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt (M_TOP_PAD, 16 * 1024 * 1024);
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    us_keys_t keys;
    int lock = -1;
    int rc = us_pstore_serving_lock (us_args_db_path (opts, n), &lock);
    if (rc == 0)
        rc = us_keys_load (&keys, us_pstore_key_path (store));
    if (rc) {
        if (lock >= 0)
            close (lock);
        us_pstore_destroy (&store);
        return us_args_fail (rc);
    }
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);
    us_service_t *service = us_service_new (store, &keys, bind, us_args_db_path (opts, n));
    us_keys_wipe (&keys);
    if (service && us_service_set_min_wire (service, (uint32_t) min_wire) != 0)
        us_service_destroy (&service);
    if (!service) {
        us_pstore_destroy (&store);
        close (lock);
        return us_args_fail (US_EINVAL);
    }
    us_log_info ("serving %s on %s", us_args_db_path (opts, n), bind);
    fflush (stderr);
    rc = us_service_run (service, &s_stop);
    us_service_destroy (&service);
    us_pstore_destroy (&store);
    close (lock);
    return rc ? us_args_fail (rc) : 0;
}

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

/* Prints a report, its ranking or its comparison from an open store. The
   period's data is loaded once; the trend's months are computed from it. */
static int
s_report_print (us_pstore_t *store, const char *period, const char *unit,
                us_format_t format, const char *rank, us_source_t source, bool compare)
{
    us_report_t *report = NULL, *previous = NULL;
    us_trend_t *trend = NULL;
    us_report_data_t data = { 0 };
    us_period_t p;
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = us_pstore_report_load (store, &data, p.first, p.last);
    if (rc == 0)
        rc = us_report_compute (&report, &data, p.text, unit);
    if (rc == 0 && rank)
        rc = us_print_rank (report, stdout, format, rank, source);
    else
    if (rc == 0) {
        us_period_t last = { 0 };
        if (compare)
            rc = us_period_shift_years (&last, &p, -1);
        if (rc == 0 && compare)
            rc = us_pstore_report_build (&previous, store, last.text, unit);
        if (rc == 0 && format == US_FORMAT_HTML)
            rc = us_trend_build (&trend, &data, report);
        us_print_opts_t opts = { previous, trend };
        if (rc == 0)
            rc = us_print (report, stdout, format, &opts);
    }
    us_trend_destroy (&trend);
    us_report_destroy (&previous);
    us_report_destroy (&report);
    us_report_data_free (&data);
    return rc;
}

/* report: prints the consolidated report of a period. */
static int
s_cmd_report (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("unit", true),
                         US_OPT ("format", true), US_OPT ("compare", false), US_OPT ("rank", true),
                         US_OPT ("source", true) };
    const int n = 7;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
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
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    int rc = s_report_print (store, pos [0], us_args_value (opts, n, "unit", NULL), format,
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
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("force", false) };
    const char *pos [2];
    int n_pos, ex = us_args_command (pos, &n_pos, 2, 2, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, 3)) >= 0)
        return ex;
    us_state_t state;
    int rc = us_pstore_workflow (store, &state, pos [0], pos [1], action,
                                 us_args_has (opts, 3, "force"));
    us_pstore_destroy (&store);
    if (rc)
        return us_args_fail (rc);
    printf ("%s %s: %s\n", pos [0], pos [1], us_state_name (state));
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
    bool verify = strcmp (pos [0], "verify") == 0;
    const char *unit = us_args_value (opts, n, "unit", NULL);
    const char *period = us_args_value (opts, n, "period", NULL);
    if (!verify && (strcmp (pos [0], "show") != 0 || !unit || !period))
        return us_args_usage_error ("use 'audit verify' or 'audit show --unit ID --period PERIOD'");
    us_pstore_t *store;
    if ((ex = s_open (&store, opts, n)) >= 0)
        return ex;
    int rc = verify ? us_audit_verify (store, stdout) : us_audit_show (store, stdout, unit, period);
    us_pstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* backup FILE / restore FILE: a checked copy of the store, or one put back. */
static int
s_cmd_backup (int argc, char **argv, bool restore)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false) };
    const int n = 2;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 1, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_pstore_summary_t sum;
    const char *db = us_args_db_path (opts, n);
    int rc = restore ? us_pstore_restore (pos [0], db, &sum)
                     : us_pstore_backup (db, pos [0], &sum);
    if (rc)
        return us_args_fail (rc);
    printf (restore ? "restored %s into %s\n" : "backup of %2$s written to %1$s and checked\n",
            pos [0], db);
    us_pstore_summary_print (&sum, stdout);
    return 0;
}

/* Dispatches a command. */
int
main (int argc, char **argv)
{
    umask (077);
    us_args_setup ("unionsync-server", s_usage);
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "help") == 0) {
        fputs (s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? US_EXIT_USAGE : 0;
    }
    const char *cmd = argv [1];
    const char *sub = argc > 2 ? argv [2] : "";
    if (strcmp (cmd, "init") == 0)        return s_cmd_init (argc - 2, argv + 2);
    if (strcmp (cmd, "units") == 0 && strcmp (sub, "import") == 0)
        return s_cmd_import (argc - 3, argv + 3, S_UNITS);
    if (strcmp (cmd, "indicators") == 0 && strcmp (sub, "import") == 0)
        return s_cmd_import (argc - 3, argv + 3, S_INDICATORS);
    if (strcmp (cmd, "kinds") == 0 && strcmp (sub, "import") == 0)
        return s_cmd_import (argc - 3, argv + 3, S_KINDS);
    if (strcmp (cmd, "enroll") == 0)      return s_cmd_enroll (argc - 2, argv + 2);
    if (strcmp (cmd, "revoke") == 0)      return s_cmd_revoke (argc - 2, argv + 2);
    if (strcmp (cmd, "rekey") == 0)       return s_cmd_rekey (argc - 2, argv + 2);
    if (strcmp (cmd, "serve") == 0)       return s_cmd_serve (argc - 2, argv + 2);
    if (strcmp (cmd, "target") == 0)      return s_cmd_target (argc - 2, argv + 2);
    if (strcmp (cmd, "report") == 0)      return s_cmd_report (argc - 2, argv + 2);
    if (strcmp (cmd, "set") == 0)         return s_cmd_set (argc - 2, argv + 2, false);
    if (strcmp (cmd, "resolve") == 0)     return s_cmd_set (argc - 2, argv + 2, true);
    us_action_t action;
    if (us_action_parse (&action, cmd) == 0)
        return s_cmd_workflow (argc - 2, argv + 2, action);
    if (strcmp (cmd, "conflicts") == 0)   return s_cmd_conflicts (argc - 2, argv + 2);
    if (strcmp (cmd, "audit") == 0)       return s_cmd_audit (argc - 2, argv + 2);
    if (strcmp (cmd, "backup") == 0)      return s_cmd_backup (argc - 2, argv + 2, false);
    if (strcmp (cmd, "restore") == 0)     return s_cmd_backup (argc - 2, argv + 2, true);
    fprintf (stderr, "unionsync-server: unknown command '%s' (see --help)\n", cmd);
    return US_EXIT_USAGE;
}
