/*  us_args: command-line options and positional arguments.

    Each command declares its options (--name or --name VALUE); anything
    else starting with "--" is a usage error. Values point into argv.
*/
#ifndef US_ARGS_H
#define US_ARGS_H

#include <stdbool.h>

typedef struct {
    const char *name;           /* without the leading "--" */
    bool takes_value;
    const char *value;          /* set by us_args_parse; NULL when absent */
    bool present;
} us_opt_t;

/* Declares an option: US_OPT ("db", true) takes a value, US_OPT ("json", false) does not. */
#define US_OPT(name, takes_value) { (name), (takes_value), NULL, false }

/* Splits argv into options and up to max_pos positionals. Returns 0 or
   US_EINVAL (unknown option, missing value, too many arguments). */
int us_args_parse (const char **pos, int *n_pos, int max_pos, us_opt_t *opts,
                   int n_opts, int argc, char **argv);

/* Returns the option called name, or NULL when not declared. */
us_opt_t *us_args_opt (us_opt_t *opts, int n_opts, const char *name);

/* Returns the value of option name, or def when absent. */
const char *us_args_value (us_opt_t *opts, int n_opts, const char *name, const char *def);

/* Returns true when option name was given. */
bool us_args_has (us_opt_t *opts, int n_opts, const char *name);

/* Exit codes of both programs. */
#define US_EXIT_RUNTIME 1           /* runtime failure                          */
#define US_EXIT_USAGE 2             /* bad usage or input; nothing changed      */
#define US_EXIT_UNREACHABLE 3       /* server unreachable; changes kept         */
#define US_EXIT_REJECTED 4          /* done, some deltas rejected or lost       */

/* Names the program and its usage text for the helpers below (both
   strings must outlive their use). */
void us_args_setup (const char *prog, const char *usage);

/* Prints the last error as one line on stderr and returns the exit code
   for rc. */
int us_args_fail (int rc);

/* Prints a usage error as one line on stderr and returns US_EXIT_USAGE. */
int us_args_usage_error (const char *msg);

/* Returns the store path from --db, $UNIONSYNC_DB or ./unionsync.db. */
const char *us_args_db_path (us_opt_t *opts, int n_opts);

/* Parses a command's arguments (at least want_min positionals); returns -1
   to go on, else the exit code (0 after printing --help). */
int us_args_command (const char **pos, int *n_pos, int want_min, int want_max,
                     us_opt_t *opts, int n_opts, int argc, char **argv);

#endif
