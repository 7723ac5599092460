/*  us_reorg: restructuring commands of unionsync-server.

    Every command opens the store, records its events in one transaction
    and commits (durable before it prints); any refusal rolls everything
    back, so a command or a reorganisation file is all or nothing.
*/
#include "us_reorg.h"
#include "us_args.h"
#include "us_csv.h"
#include "us_error.h"
#include "us_period.h"
#include "us_pstore.h"
#include "us_pstore_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_POS 64

static const char *s_subs [] = { "merge", "split", "move", "rename", "end", "reorganise",
                                 "events" };

/* Returns true when sub is one of the commands below. */
bool
us_reorg_handles (const char *sub)
{
    for (size_t k = 0; k < sizeof s_subs / sizeof s_subs [0]; k++)
        if (strcmp (sub, s_subs [k]) == 0)
            return true;
    return false;
}

/* Applies one action (merge, split, move, rename, end) inside the
   transaction; arg is the successor, shares, parent or name. */
static int
s_apply (us_pstore_t *store, const char *action, const char *unit, const char *arg,
         const char *date, const char *indicator)
{
    int month;
    int rc = us_pstore_event_month (&month, date);
    if (rc)
        return rc;
    if (strcmp (action, "merge") == 0)
        return us_pstore_unit_merge (store, unit, arg, month);
    if (strcmp (action, "move") == 0)
        return us_pstore_unit_move (store, unit, arg, month);
    if (strcmp (action, "rename") == 0)
        return us_pstore_unit_rename (store, unit, arg, month);
    if (strcmp (action, "end") == 0)
        return us_pstore_unit_end (store, unit, month);
    if (strcmp (action, "split") == 0) {
        us_pstore_share_t shares [US_MAX_SHARES];
        size_t n;
        rc = us_pstore_shares_parse (shares, &n, US_MAX_SHARES, arg);
        return rc ? rc : us_pstore_unit_split (store, unit, shares, n, indicator, month);
    }
    return us_error_set (US_EINVAL, "unknown action '%.20s' (merge, split, move, rename, end)",
                         action);
}

/* Records the shares of one indicator of a split: spec is
   "INDICATOR:A=0.7,B=0.3" over the split's successors. */
static int
s_share (us_pstore_t *store, const char *unit, const char *spec, const char *date)
{
    char buf [1024];
    const char *colon = strchr (spec, ':');
    if (!colon || colon == spec || (size_t) (colon - spec) > US_MAX_CODE
    ||  strlen (spec) >= sizeof buf)
        return us_error_set (US_EINVAL, "bad shares '%.80s': expected INDICATOR:UNIT=SHARE,"
                             "UNIT=SHARE", spec);
    memcpy (buf, spec, (size_t) (colon - spec));
    buf [colon - spec] = 0;
    return s_apply (store, "split", unit, colon + 1, date, buf);
}

/* Records the shares per indicator of a split file line: specs are
   "IND:A=0.7;B=0.3" separated by spaces. */
static int
s_file_shares (us_pstore_t *store, const char *unit, char *specs, const char *date)
{
    int rc = 0;
    char *save = NULL;
    for (char *spec = strtok_r (specs, " ", &save); rc == 0 && spec;
         spec = strtok_r (NULL, " ", &save)) {
        for (char *p = spec; *p; p++)
            if (*p == ';')
                *p = ',';
        rc = s_share (store, unit, spec, date);
    }
    return rc;
}

/* Runs the actions of a reorganisation file, line by line. */
static int
s_file (us_pstore_t *store, const char *path, int *count, int *first, int *last)
{
    us_csv_t *csv = us_csv_new (path);
    if (!csv)
        return us_error_set (US_EINVAL, "%s", us_error_msg ());
    char **f;
    size_t n;
    int rc = 0, got;
    *count = 0;
    while (rc == 0 && (got = us_csv_next (csv, &f, &n)) == 1) {
        int line = us_csv_line (csv);
        if (line == 1 && strcmp (f [0], "action") == 0)
            continue;
        if (n < 4 || n > 6 || (n == 6 && *f [5] && strcmp (f [0], "split") != 0)) {
            rc = us_error_set (US_EINVAL, "%s line %d: expected action,unit,target,date"
                               "[,indicator[,shares]] (shares only on a split)", path, line);
            break;
        }
        /* Shares are written A=0.6;B=0.4 so that the line needs no quotes. */
        for (char *p = f [2]; strcmp (f [0], "split") == 0 && *p; p++)
            if (*p == ';')
                *p = ',';
        int month;
        if (us_pstore_event_month (&month, f [3]) == 0) {
            *first = *count == 0 || month < *first ? month : *first;
            *last = *count == 0 || month > *last ? month : *last;
        }
        rc = s_apply (store, f [0], f [1], f [2], f [3], n > 4 ? f [4] : "");
        if (rc == 0 && n > 5 && *f [5])
            rc = s_file_shares (store, f [1], f [5], f [3]);
        if (rc)
            rc = us_error_set (rc, "%s line %d: %s", path, line, us_error_msg ());
        else
            (*count)++;
    }
    if (rc == 0 && got < 0)
        rc = got;
    us_csv_destroy (&csv);
    return rc;
}

/* Prints one event of `units events`. */
static int
s_event_print (void *arg, const us_pstore_event_row_t *ev)
{
    (void) arg;
    char m [8];
    us_month_format (m, ev->month);
    printf ("%s  %-7s %s", m, ev->kind, ev->unit);
    if (strcmp (ev->kind, "merge") == 0)
        printf (" -> %s", ev->other);
    else
    if (strcmp (ev->kind, "split") == 0)
        printf (" -> %s x %s%s%s", ev->other, ev->share, *ev->indicator ? " for " : "",
                ev->indicator);
    else
    if (strcmp (ev->kind, "move") == 0 || strcmp (ev->kind, "rename") == 0)
        printf (": %s -> %s", ev->before, ev->after);
    printf ("\n");
    return 0;
}

#define S_MAX_SHARE_OPTS 32

/* Every --share given to a split, in order (the option may repeat). */
typedef struct {
    const char *spec [S_MAX_SHARE_OPTS];
    int n;
} s_share_opts_t;

/* Collects the values of every --share in argv; false when too many. */
static bool
s_share_collect (s_share_opts_t *shares, int argc, char **argv)
{
    shares->n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp (argv [i], "--") == 0)
            break;
        const char *value = strncmp (argv [i], "--share=", 8) == 0 ? argv [i] + 8
                          : strcmp (argv [i], "--share") == 0 && i + 1 < argc ? argv [++i]
                          : NULL;
        if (value && shares->n == S_MAX_SHARE_OPTS)
            return false;
        if (value)
            shares->spec [shares->n++] = value;
    }
    return true;
}

/* Runs the command inside a transaction and commits, or rolls back. */
static int
s_run (us_pstore_t *store, const char *sub, const char **pos, int n_pos, us_opt_t *opts,
       int n_opts, const s_share_opts_t *shares)
{
    const char *date = us_args_value (opts, n_opts, "on", NULL);
    bool dry = us_args_has (opts, n_opts, "dry-run");
    int rc = us_pstore_begin (store);
    int count = 0, first = 0, last = 0;
    if (rc == 0 && strcmp (sub, "reorganise") == 0) {
        /* A dry run checks the file once to learn its dates, then prints
           the tree of the month before the first change and, with the
           changes applied again, the tree of the last one. */
        rc = s_file (store, pos [0], &count, &first, &last);
        if (rc == 0 && dry) {
            us_pstore_rollback (store);
            if ((rc = us_pstore_tree_print (store, stdout, first - 1)) == 0
            &&  (rc = us_pstore_begin (store)) == 0
            &&  (rc = s_file (store, pos [0], &count, &first, &last)) == 0)
                rc = us_pstore_tree_print (store, stdout, last);
        }
    }
    else
    if (rc == 0 && strcmp (sub, "merge") == 0) {
        const char *into = us_args_value (opts, n_opts, "into", "");
        for (int k = 0; rc == 0 && k < n_pos; k++, count++)
            rc = s_apply (store, "merge", pos [k], into, date, "");
    }
    else
    if (rc == 0) {
        const char *arg = strcmp (sub, "split") == 0 ? us_args_value (opts, n_opts, "into", "")
                        : strcmp (sub, "move") == 0 ? us_args_value (opts, n_opts, "parent", "")
                        : us_args_value (opts, n_opts, "name", "");
        rc = s_apply (store, sub, pos [0], arg, date,
                      us_args_value (opts, n_opts, "indicator", ""));
        for (int k = 0; rc == 0 && k < shares->n; k++)
            rc = s_share (store, pos [0], shares->spec [k], date);
        count = 1;
    }
    if (rc || dry) {
        us_pstore_rollback (store);
        if (rc == 0)
            printf ("dry run: %d changes checked, nothing recorded\n", count);
        return rc;
    }
    rc = us_pstore_commit (store);
    if (rc == 0)
        printf ("recorded %d %s (%s)\n", count, count == 1 ? "change" : "changes", sub);
    return rc;
}

/* Checks the options a command needs. */
static const char *
s_missing (const char *sub, us_opt_t *opts, int n)
{
    bool on = us_args_has (opts, n, "on");
    if (strcmp (sub, "merge") == 0 || strcmp (sub, "split") == 0)
        return us_args_has (opts, n, "into") && on ? NULL : "needs --into and --on DATE";
    if (strcmp (sub, "move") == 0)
        return us_args_has (opts, n, "parent") && on ? NULL : "needs --parent P and --on DATE";
    if (strcmp (sub, "rename") == 0)
        return us_args_has (opts, n, "name") && on ? NULL : "needs --name NAME and --on DATE";
    if (strcmp (sub, "end") == 0)
        return on ? NULL : "needs --on DATE";
    return NULL;
}

/* Runs `units SUB ARGS...`. */
int
us_reorg_command (const char *sub, int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("on", true),
                         US_OPT ("into", true), US_OPT ("parent", true), US_OPT ("name", true),
                         US_OPT ("indicator", true), US_OPT ("dry-run", false),
                         US_OPT ("share", true) };
    const int n = 9;
    const char *pos [S_MAX_POS];
    bool many = strcmp (sub, "merge") == 0;
    bool none = strcmp (sub, "events") == 0;
    int n_pos, ex = us_args_command (pos, &n_pos, none ? 0 : 1, none ? 0 : many ? S_MAX_POS : 1,
                                     opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    s_share_opts_t shares;
    if (!s_share_collect (&shares, argc, argv))
        return us_args_usage_error ("at most 32 --share options");
    if (shares.n && strcmp (sub, "split") != 0)
        return us_args_usage_error ("--share belongs to units split");
    if (shares.n && us_args_has (opts, n, "indicator"))
        return us_args_usage_error ("units split takes --share or --indicator, not both");
    const char *missing = s_missing (sub, opts, n);
    if (missing) {
        char msg [80];
        snprintf (msg, sizeof msg, "units %s %s", sub, missing);
        return us_args_usage_error (msg);
    }
    us_pstore_t *store;
    int rc = us_pstore_open (&store, us_args_db_path (opts, n));
    if (rc)
        return us_args_fail (rc);
    rc = none ? us_pstore_events_each (store, s_event_print, NULL)
       : s_run (store, sub, pos, n_pos, opts, n, &shares);
    us_pstore_destroy (&store);
    return rc ? us_args_fail (rc) : 0;
}

/* units merge. */
int us_reorg_merge (int argc, char **argv) { return us_reorg_command ("merge", argc, argv); }
/* units split. */
int us_reorg_split (int argc, char **argv) { return us_reorg_command ("split", argc, argv); }
/* units move. */
int us_reorg_move (int argc, char **argv) { return us_reorg_command ("move", argc, argv); }
/* units rename. */
int us_reorg_rename (int argc, char **argv) { return us_reorg_command ("rename", argc, argv); }
/* units end. */
int us_reorg_end (int argc, char **argv) { return us_reorg_command ("end", argc, argv); }
/* units reorganise. */
int us_reorg_reorganise (int argc, char **argv) { return us_reorg_command ("reorganise", argc, argv); }
/* units events. */
int us_reorg_events (int argc, char **argv) { return us_reorg_command ("events", argc, argv); }
