/*  us_desk_ui: the desk's own commands, `ui` and `serve --ui`, which run in
    unionsync-province (they need libmicrohttpd). Declared in us_desk_cli.h. */
#include "us_desk_cli.h"
#include "us_args.h"
#include "us_error.h"

#include <stdio.h>
#include <unistd.h>

/* Starts the desk and prints its address on a line of its own. */
us_desk_t *
us_desk_cli_start (const us_desk_config_t *config)
{
    us_desk_t *desk = us_desk_new (config);
    if (!desk) {
        us_args_fail (US_EINVAL);
        return NULL;
    }
    printf ("%s\n", us_desk_url (desk));
    fflush (stdout);
    return desk;
}

/* ui: serves the desk until a stop is asked. */
int
us_desk_cmd_ui (int argc, char **argv, volatile sig_atomic_t *stop)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("bind", true),
                         US_OPT ("tls-cert", true), US_OPT ("tls-key", true),
                         US_OPT ("behind-proxy", false) };
    const int n = 6;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    us_desk_config_t config = {
        us_args_value (opts, n, "bind", "127.0.0.1:8080"), us_args_db_path (opts, n),
        us_args_value (opts, n, "tls-cert", NULL), us_args_value (opts, n, "tls-key", NULL),
        us_args_has (opts, n, "behind-proxy")
    };
    us_desk_t *desk = us_desk_cli_start (&config);
    if (!desk)
        return US_EXIT_USAGE;
    while (!*stop)
        usleep (100 * 1000);
    us_desk_destroy (&desk);
    return 0;
}
