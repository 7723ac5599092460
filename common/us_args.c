/*  us_args: command-line options and positional arguments. */
#include "us_args.h"
#include "us_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns the option called name, or NULL when not declared. */
us_opt_t *
us_args_opt (us_opt_t *opts, int n_opts, const char *name)
{
    for (int i = 0; i < n_opts; i++)
        if (strcmp (opts [i].name, name) == 0)
            return &opts [i];
    return NULL;
}

/* Splits argv into options and up to max_pos positionals. */
int
us_args_parse (const char **pos, int *n_pos, int max_pos, us_opt_t *opts,
               int n_opts, int argc, char **argv)
{
    *n_pos = 0;
    bool only_pos = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv [i];
        if (!only_pos && strcmp (a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && strncmp (a, "--", 2) == 0) {
            char name [64];
            const char *eq = strchr (a + 2, '=');
            size_t len = eq ? (size_t) (eq - a - 2) : strlen (a + 2);
            if (len >= sizeof name)
                return us_error_set (US_EINVAL, "unknown option %.40s", a);
            memcpy (name, a + 2, len);
            name [len] = 0;
            us_opt_t *o = us_args_opt (opts, n_opts, name);
            if (!o)
                return us_error_set (US_EINVAL, "unknown option --%s", name);
            o->present = true;
            if (o->takes_value) {
                if (eq)
                    o->value = eq + 1;
                else
                if (i + 1 < argc)
                    o->value = argv [++i];
                else
                    return us_error_set (US_EINVAL, "option --%s needs a value", name);
            }
            else
            if (eq)
                return us_error_set (US_EINVAL, "option --%s takes no value", name);
            continue;
        }
        if (*n_pos == max_pos)
            return us_error_set (US_EINVAL, "unexpected argument '%.40s'", a);
        pos [(*n_pos)++] = a;
    }
    return 0;
}

/* Returns the value of option name, or def when absent. */
const char *
us_args_value (us_opt_t *opts, int n_opts, const char *name, const char *def)
{
    us_opt_t *o = us_args_opt (opts, n_opts, name);
    return o && o->value ? o->value : def;
}

/* Returns true when option name was given. */
bool
us_args_has (us_opt_t *opts, int n_opts, const char *name)
{
    us_opt_t *o = us_args_opt (opts, n_opts, name);
    return o && o->present;
}

static const char *s_prog = "unionsync";
static const char *s_usage = "";

/* Names the program and its usage text for the helpers below. */
void
us_args_setup (const char *prog, const char *usage)
{
    s_prog = prog;
    s_usage = usage;
}

/* Prints the last error as one line and returns the exit code for rc. */
int
us_args_fail (int rc)
{
    fprintf (stderr, "%s: %s\n", s_prog, *us_error_msg () ? us_error_msg () : us_error_name (rc));
    if (rc == US_EUNREACH)
        return US_EXIT_UNREACHABLE;
    return rc == US_EINVAL || rc == US_ENOTFOUND || rc == US_EEXIST ? US_EXIT_USAGE : US_EXIT_RUNTIME;
}

/* Prints a usage error as one line and returns US_EXIT_USAGE. */
int
us_args_usage_error (const char *msg)
{
    fprintf (stderr, "%s: %s (see --help)\n", s_prog, msg);
    return US_EXIT_USAGE;
}

/* Returns the store path from --db, $UNIONSYNC_DB or ./unionsync.db. */
const char *
us_args_db_path (us_opt_t *opts, int n_opts)
{
    const char *env = getenv ("UNIONSYNC_DB");
    return us_args_value (opts, n_opts, "db", env && *env ? env : "unionsync.db");
}

/* Parses a command's arguments; returns -1 to go on, else an exit code
   (0 after printing --help). */
int
us_args_command (const char **pos, int *n_pos, int want_min, int want_max, us_opt_t *opts,
                 int n_opts, int argc, char **argv)
{
    if (us_args_parse (pos, n_pos, want_max, opts, n_opts, argc, argv) != 0)
        return us_args_usage_error (us_error_msg ());
    if (us_args_has (opts, n_opts, "help")) {
        fputs (s_usage, stdout);
        return 0;
    }
    if (*n_pos < want_min)
        return us_args_usage_error ("missing arguments");
    return -1;
}
