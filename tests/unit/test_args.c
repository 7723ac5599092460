/*  Unit tests for us_args: option parsing, and the command table that
    drives dispatch, help, suggestions, the man page and the completion. */
#include "us_args.h"
#include "us_error.h"

#include "us_test.h"

#include <criterion/redirect.h>

/* What the test commands saw. */
static int s_argc;
static char s_seen [512];

/* A command that records its arguments. */
static int
s_record (int argc, char **argv)
{
    s_argc = argc;
    s_seen [0] = 0;
    for (int i = 0; i < argc; i++)
        snprintf (s_seen + strlen (s_seen), sizeof s_seen - strlen (s_seen), "%s%s",
                  i ? " " : "", argv [i]);
    return 0;
}

/* A command that parses like the programs' commands do. */
static int
s_status (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("json", false) };
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, 3, argc, argv);
    if (ex >= 0)
        return ex;
    snprintf (s_seen, sizeof s_seen, "db=%s json=%d", us_args_db_path (opts, 3),
              us_args_has (opts, 3, "json"));
    return 0;
}

static const us_cmd_t s_cmds [] = {
    { "status", "[--json]", "what is waiting", "A longer text about the status.",
      "prog status --json", s_status, 0 },
    { "set", "UNIT MONTH INDICATOR VALUE [--note TEXT]", "record one figure", NULL,
      "prog set QT 2022-05 members.new 1", s_record, 0 },
    { "units list", "[--tree] [--at DATE]", "list the units", NULL,
      "prog units list --tree", s_record, 0 },
    { "units import", "FILE.csv", "import units", NULL, "prog units import u.csv", s_record, 0 },
    { "show-keys", "", "no store needed", NULL, "prog show-keys", s_record, US_CMD_NO_STORE },
};

static const us_prog_t s_prog = {
    "prog", "a test program", "Tests the command table.", "Exit codes: 0 ok.\n",
    s_cmds, sizeof s_cmds / sizeof s_cmds [0]
};

/* Runs the program on a command line given as one string of words. */
static int
s_main (const char *line)
{
    char buf [512];
    snprintf (buf, sizeof buf, "prog %s", line);
    char *argv [32];
    int argc = 0;
    for (char *w = strtok (buf, " "); w && argc < 31; w = strtok (NULL, " "))
        argv [argc++] = w;
    argv [argc] = NULL;
    s_seen [0] = 0;
    s_argc = -1;
    fflush (stdout);
    return us_args_main (&s_prog, argc, argv);
}

/* Options with values, = values, flags, "--" and positionals. */
Test (args, parse)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("json", false) };
    const char *pos [3];
    int n;
    char *argv [] = { "a", "--db=x.db", "b", "--json", "--", "--c" };
    cr_assert_eq (us_args_parse (pos, &n, 3, opts, 2, 6, argv), 0);
    cr_assert_eq (n, 3);
    cr_assert_str_eq (pos [2], "--c");
    cr_assert_str_eq (us_args_value (opts, 2, "db", NULL), "x.db");
    cr_assert (us_args_has (opts, 2, "json"));
    char *bad [] = { "--nope" };
    us_opt_t o2 [] = { US_OPT ("db", true) };
    cr_assert_eq (us_args_parse (pos, &n, 3, o2, 1, 1, bad), US_EINVAL);
    cr_assert (strstr (us_error_msg (), "--nope"));
    char *missing [] = { "--db" };
    cr_assert_eq (us_args_parse (pos, &n, 3, o2, 1, 1, missing), US_EINVAL);
    char *many [] = { "a", "b" };
    cr_assert_eq (us_args_parse (pos, &n, 1, o2, 1, 2, many), US_EINVAL);
}

/* Commands are found by one or two words. */
Test (args, find)
{
    cr_assert_eq (us_args_find (&s_prog, "status"), &s_cmds [0]);
    cr_assert_eq (us_args_find (&s_prog, "units list"), &s_cmds [2]);
    cr_assert_null (us_args_find (&s_prog, "units"));
    cr_assert_not_null (us_args_find (&s_prog, "help"), "every program has help");
    cr_assert_not_null (us_args_find (&s_prog, "completion"));
}

/* A mistyped command names the nearest; a word near nothing names none. */
Test (args, nearest)
{
    cr_assert_str_eq (us_args_nearest (&s_prog, "stauts"), "status");
    cr_assert_str_eq (us_args_nearest (&s_prog, "stat"), "status");
    cr_assert_str_eq (us_args_nearest (&s_prog, "sett"), "set");
    cr_assert_str_eq (us_args_nearest (&s_prog, "units lsit"), "units list");
    cr_assert_str_eq (us_args_nearest (&s_prog, "unit"), "units");
    cr_assert_str_eq (us_args_nearest (&s_prog, "hepl"), "help");
    cr_assert_null (us_args_nearest (&s_prog, "frobnicate"));
    cr_assert_null (us_args_nearest (&s_prog, "x"));
    cr_assert_null (us_args_nearest (&s_prog, ""));
}

/* Global options go before or after the command; the later --db wins. */
Test (args, global_options_anywhere, .init = cr_redirect_stdout)
{
    cr_assert_eq (s_main ("--db a.db status"), 0);
    cr_assert_str_eq (s_seen, "db=a.db json=0");
    cr_assert_eq (s_main ("status --json --db b.db"), 0);
    cr_assert_str_eq (s_seen, "db=b.db json=1");
    cr_assert_eq (s_main ("--db=a.db status --db b.db"), 0);
    cr_assert_str_eq (s_seen, "db=b.db json=0");
    cr_assert_eq (s_main ("--db a.db units list --tree"), 0);
    cr_assert_str_eq (s_seen, "--db a.db --tree");
    cr_assert_eq (s_main ("set U M I -- --db"), 0);
    cr_assert_str_eq (s_seen, "U M I -- --db", "after --, --db is a value");
    cr_assert_eq (s_main ("--db a.db show-keys"), 0);
    cr_assert_eq (s_argc, 0, "a command without a store gets no --db");
}

/* Bad command lines are usage errors (exit 2). */
Test (args, usage_errors, .init = cr_redirect_stderr)
{
    cr_assert_eq (s_main (""), US_EXIT_USAGE);
    cr_assert_eq (s_main ("stauts"), US_EXIT_USAGE);
    cr_assert_eq (s_main ("--db"), US_EXIT_USAGE);
    cr_assert_eq (s_main ("--nope status"), US_EXIT_USAGE);
    cr_assert_eq (s_main ("status --nope"), US_EXIT_USAGE);
    cr_assert_eq (s_main ("units"), US_EXIT_USAGE);
    cr_assert_eq (s_main ("units lsit"), US_EXIT_USAGE);
    cr_assert_eq (s_main ("completion zsh"), US_EXIT_USAGE);
    cr_assert_eq (s_main ("help nothing"), US_EXIT_USAGE);
    cr_assert_eq (s_argc, -1, "no command ran");
}

/* Every form of help prints the command's usage and example, runs no
   command, and exits 0. */
Test (args, help_forms)
{
    const char *forms [] = { "status --help", "status -h", "help status", "--help status",
                             "status --json --help" };
    char *first = NULL;
    for (size_t i = 0; i < sizeof forms / sizeof forms [0]; i++) {
        us_test_capture_t cap;
        us_test_capture_open (&cap);
        us_args_help (cap.f, &s_prog, us_args_find (&s_prog, "status"));
        us_test_capture_close (&cap);
        cr_assert (strstr (cap.buf, "usage: prog status [--json] [--db FILE]"), "%s", cap.buf);
        cr_assert (strstr (cap.buf, "example:\n  prog status --json\n"), "%s", cap.buf);
        cr_assert (strstr (cap.buf, "A longer text"), "%s", cap.buf);
        if (!first)
            first = cap.buf;
        else
            free (cap.buf);
        cr_redirect_stdout ();
        cr_assert_eq (s_main (forms [i]), 0, "%s", forms [i]);
        cr_assert_eq (s_argc, -1, "%s ran the command", forms [i]);
    }
    free (first);
}

/* The man page escapes dashes and names every command. */
Test (args, man_page)
{
    us_test_capture_t cap;
    us_test_capture_open (&cap);
    us_args_man (cap.f, &s_prog);
    us_test_capture_close (&cap);
    cr_assert (strstr (cap.buf, ".TH PROG 1"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, ".B units list [\\-\\-tree] [\\-\\-at DATE]"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "prog help status"), "built-in examples name the program");
    cr_assert_null (strstr (cap.buf, "PROG help"), "no placeholder is left");
    cr_assert (strstr (cap.buf, "Exit codes: 0 ok."), "the footer is in NOTES");
    free (cap.buf);
}

/* The completion offers commands, groups' sub-commands and options. */
Test (args, completion)
{
    us_test_capture_t cap;
    us_test_capture_open (&cap);
    us_args_completion (cap.f, &s_prog);
    us_test_capture_close (&cap);
    cr_assert (strstr (cap.buf, "complete -F _prog prog"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "compgen -W 'status set units show-keys help completion"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "\"units list\"*) opts='--help --db --tree --at';;"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "\"units\") opts='list import ';;"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "\"show-keys\"|\"show-keys \"*) opts='--help';;"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "local valued='--db --note --at'"), "%s", cap.buf);
    free (cap.buf);
}
