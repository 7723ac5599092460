/*  us_desk_cli: the command-line side of the province desk. */
#include "us_desk_cli.h"
#include "us_accounts.h"
#include "us_args.h"
#include "us_error.h"
#include "us_print_xlsx.h"
#include "us_pstore_users.h"
#include "us_pstore_report.h"
#include "us_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Reads one line into buf without its newline; with echo off when stdin is
   a terminal. Returns 0 or US_EINVAL (nothing to read, or too long). */
static int
s_read_line (char *buf, size_t size, const char *prompt)
{
    bool tty = isatty (STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fputs (prompt, stderr);
        fflush (stderr);
        tcgetattr (STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~ECHO;
        tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets (buf, (int) size, stdin);
    if (tty) {
        tcsetattr (STDIN_FILENO, TCSAFLUSH, &old);
        fputs ("\n", stderr);
    }
    if (!got)
        return us_error_set (US_EINVAL, "no password given");
    size_t len = strlen (buf);
    if (len && buf [len - 1] == '\n')
        buf [--len] = 0;
    else
    if (len + 1 == size)
        return us_error_set (US_EINVAL, "the password is too long");
    if (len && buf [len - 1] == '\r')
        buf [--len] = 0;
    return 0;
}

/* Asks for a new password (twice on a terminal) and hashes it. */
static int
s_new_password (char *hash, size_t size)
{
    char pw [US_ACCOUNTS_PASSWORD_MAX + 2], again [US_ACCOUNTS_PASSWORD_MAX + 2];
    int rc = s_read_line (pw, sizeof pw, "Mật khẩu mới (password): ");
    if (rc == 0)
        rc = us_accounts_password_check (pw);
    if (rc == 0 && isatty (STDIN_FILENO)) {
        rc = s_read_line (again, sizeof again, "Nhập lại (again): ");
        if (rc == 0 && strcmp (pw, again) != 0)
            rc = us_error_set (US_EINVAL, "the two passwords differ");
        memset (again, 0, sizeof again);
    }
    if (rc == 0)
        rc = us_accounts_hash (hash, size, pw);
    memset (pw, 0, sizeof pw);
    return rc;
}

/* Prints the accounts. */
static int
s_user_list (us_pstore_t *store)
{
    json_t *list = us_pstore_user_list (store, time (NULL));
    if (!list)
        return US_EIO;
    size_t i;
    json_t *u;
    printf ("%-24s %-9s %s\n", "name", "role", "state");
    json_array_foreach (list, i, u) {
        bool disabled = json_is_true (json_object_get (u, "disabled"));
        bool locked = json_is_true (json_object_get (u, "locked"));
        printf ("%-24s %-9s %s\n", json_string_value (json_object_get (u, "name")),
                json_string_value (json_object_get (u, "role")),
                disabled ? "disabled" : locked ? "locked for now" : "active");
    }
    json_decref (list);
    return 0;
}

/* user add|passwd|disable|role|list */
int
us_desk_cmd_user (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("role", true) };
    const int n = 3;
    const char *pos [2];
    int n_pos, ex = us_args_command (pos, &n_pos, 1, 2, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    const char *cmd = pos [0], *name = n_pos > 1 ? pos [1] : NULL;
    bool list = strcmp (cmd, "list") == 0;
    bool add = strcmp (cmd, "add") == 0, role_cmd = strcmp (cmd, "role") == 0;
    if (!list && !add && !role_cmd && strcmp (cmd, "passwd") != 0 && strcmp (cmd, "disable") != 0)
        return us_args_usage_error ("use 'user add NAME --role viewer|approver|admin',"
                                    " 'user passwd NAME', 'user disable NAME' or 'user list'");
    if (list != (name == NULL))
        return us_args_usage_error (list ? "'user list' takes no name" : "give the account's NAME");
    us_role_t role = US_ROLE_VIEWER;
    if ((add || role_cmd) && us_accounts_role_parse (&role, us_args_value (opts, n, "role", NULL)))
        return us_args_usage_error ("--role viewer|approver|admin is needed");
    if (!add && !role_cmd && us_args_has (opts, n, "role"))
        return us_args_usage_error ("--role goes with 'user add' or 'user role'");
    if (name && us_accounts_name_check (name))
        return us_args_usage_error (us_error_msg ());
    char hash [US_ACCOUNTS_HASH_MAX];
    if ((add || strcmp (cmd, "passwd") == 0) && s_new_password (hash, sizeof hash))
        return us_args_usage_error (us_error_msg ());
    us_pstore_t *store;
    int rc = us_pstore_open (&store, us_args_db_path (opts, n));
    if (rc)
        return us_args_fail (rc);
    rc = us_pstore_users_schema (store);
    if (rc == 0) {
        if (list)
            rc = s_user_list (store);
        else
        if (add)
            rc = us_pstore_user_add (store, name, role, hash);
        else
        if (role_cmd)
            rc = us_pstore_user_role (store, name, role);
        else
        if (strcmp (cmd, "passwd") == 0)
            rc = us_pstore_user_passwd (store, name, hash);
        else
            rc = us_pstore_user_disable (store, name);
    }
    if (rc == 0 && !list) {
        const char *user = getenv ("USER");
        us_pstore_desk_log (store, user && *user ? user : "terminal", "account",
                            cmd);
        printf ("%s: %s%s%s\n", name, add ? "added as " : role_cmd ? "now " : "",
                add || role_cmd ? us_accounts_role_name (role) : "",
                strcmp (cmd, "passwd") == 0 ? "password changed, sessions ended"
                : strcmp (cmd, "disable") == 0 ? "disabled, sessions ended" : "");
    }
    us_pstore_destroy (&store);
    if (rc == US_EEXIST || rc == US_ENOTFOUND) {
        fprintf (stderr, "unionsync-server: %s\n", us_error_msg ());
        return US_EXIT_USAGE;
    }
    return rc ? us_args_fail (rc) : 0;
}

/* Writes the report of period for unit as xlsx at path. */
int
us_desk_cli_xlsx (us_pstore_t *store, const char *period, const char *unit, const char *path)
{
    us_report_t *report = NULL;
    int rc = us_pstore_report_build (&report, store, period, unit);
    if (rc == 0)
        rc = us_print_xlsx (report, path);
    us_report_destroy (&report);
    return rc;
}
