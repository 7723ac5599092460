/*  us_args: command-line options, positional arguments, and the table of
    a program's commands.

    Each command declares its options (--name or --name VALUE); anything
    else starting with "--" is a usage error. Values point into argv.

    A program describes itself once, in a us_prog_t with one us_cmd_t per
    command; us_args_main dispatches on it and derives from the same text
    the help of every command (COMMAND --help, -h, help COMMAND), the
    suggestion for a mistyped command, the man page (--help-man) and the
    bash completion (completion bash). Global options (--db FILE, --help,
    --version) go before or after the command. Everything here is static
    text owned by the program; nothing is allocated.
*/
#ifndef US_ARGS_H
#define US_ARGS_H

#include <stdbool.h>
#include <stdio.h>

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

/* One command: its name (one word, or two for a sub-command: "units
   list"), its arguments after the name (options as --name or --name VALUE,
   which the completion offers), a one-line summary, a longer help text
   (may be NULL) and one or more example lines. run gets the arguments
   after the name, global options first. */
typedef struct {
    const char *name;
    const char *synopsis;
    const char *summary;
    const char *help;
    const char *example;
    int (*run) (int argc, char **argv);
    unsigned flags;
} us_cmd_t;

#define US_CMD_NO_STORE 1           /* takes no --db: given one, it is ignored */

/* A program: its name, a one-line summary (the man page's NAME), a
   description, the text after the command list (environment, exit codes)
   and its commands. */
typedef struct {
    const char *name;
    const char *summary;
    const char *description;
    const char *footer;
    const us_cmd_t *cmds;
    int n_cmds;
} us_prog_t;

/* Runs the command argv names; returns the exit code. Takes the global
   options wherever they are, prints help, versions, man page and
   completion, and names the nearest command when one is mistyped. */
int us_args_main (const us_prog_t *prog, int argc, char **argv);

/* Returns the command called name (one or two words), or NULL. */
const us_cmd_t *us_args_find (const us_prog_t *prog, const char *name);

/* Returns the name of the command nearest to word (a few typing mistakes
   away, or word is the start of it), or NULL when none is near. */
const char *us_args_nearest (const us_prog_t *prog, const char *word);

/* Prints the help of one command, or of the program when cmd is NULL. */
void us_args_help (FILE *out, const us_prog_t *prog, const us_cmd_t *cmd);

/* Prints the program's man page (roff, section 1). */
void us_args_man (FILE *out, const us_prog_t *prog);

/* Prints a bash completion script for the program. */
void us_args_completion (FILE *out, const us_prog_t *prog);

/* Runs `prog command argv...` in the helper program called helper, in
   this process, so that its exit status is the command's: the helper is
   looked for beside this program (a build tree), then in
   ../libexec/unionsync/ from it (an installation). A program keeps the
   libraries only a few commands need in its helper, so that every other
   command starts without mapping them. Returns only when the helper
   cannot start, with the exit code of that error (printed). */
int us_args_exec_helper (const char *helper, const char *prog, const char *command,
                         int argc, char **argv);

/* Returns the version of the programs ("0.1.0"). */
const char *us_args_version (void);

#endif
