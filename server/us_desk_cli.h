/*  us_desk_cli: the command-line side of the province desk: `ui`, `user`
    and the xlsx report, called from unionsync-server's dispatch. Each
    returns a process exit code (0, 1 runtime, 2 usage). `user` and the
    xlsx report are in us_desk_cli.c; `ui` and the desk of `serve --ui`,
    which need libmicrohttpd, in us_desk_ui.c (unionsync-province only). */
#ifndef US_DESK_CLI_H
#define US_DESK_CLI_H

#include "us_desk.h"
#include "us_pstore.h"

#include <signal.h>

/* ui --bind ADDR [--tls-cert F --tls-key F] [--behind-proxy]: serves the
   desk until *stop becomes non-zero. */
int us_desk_cmd_ui (int argc, char **argv, volatile sig_atomic_t *stop);

/* user add NAME --role R | passwd NAME | disable NAME | role NAME --role R | list */
int us_desk_cmd_user (int argc, char **argv);

/* Starts the desk for `serve --ui ADDR` and prints its address; NULL
   (error printed) on failure. */
us_desk_t *us_desk_cli_start (const us_desk_config_t *config);

/* Writes the report of period for unit (NULL: the root) as xlsx at path. */
int us_desk_cli_xlsx (us_pstore_t *store, const char *period, const char *unit,
                      const char *path);

#endif
