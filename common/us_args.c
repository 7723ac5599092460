/*  us_args: command-line options and positional arguments. */
#include "us_args.h"
#include "us_error.h"

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
