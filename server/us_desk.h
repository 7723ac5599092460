/*  us_desk: the province desk, an HTTP daemon (libmicrohttpd) serving the
    pages in web/province/ (embedded in the binary) and a JSON API over the
    provincial store.

    The daemon answers on one internal thread of libmicrohttpd with a store
    connection of its own (SQLite WAL with a busy timeout), so it runs beside
    the ZeroMQ service in one process without touching it. Every request
    but the pages' static files and the login needs a session; every change
    needs the session's CSRF token and the role it asks for, checked here
    on the server. Bound to loopback unless TLS is given or the desk is
    declared to sit behind a reverse proxy that terminates TLS.

    A us_desk_t belongs to its creator; us_desk_destroy stops the daemon.
*/
#ifndef US_DESK_H
#define US_DESK_H

#include <stdbool.h>

typedef struct _us_desk_t us_desk_t;

/* How to start a desk; strings are borrowed for the call. */
typedef struct {
    const char *bind;           /* HOST:PORT, IPv4 or "localhost"; port 0 picks one */
    const char *db_path;        /* the provincial store */
    const char *tls_cert;       /* PEM files, both or neither */
    const char *tls_key;
    bool behind_proxy;          /* TLS is terminated by a reverse proxy */
} us_desk_config_t;

/* Opens the store, creates the desk's tables when missing and starts the
   daemon. NULL (error set) on failure: a bad or refused address, an
   unreadable key, a port in use. */
us_desk_t *us_desk_new (const us_desk_config_t *config);

/* Returns the desk's address, e.g. "http://127.0.0.1:8080/" (owned by the desk). */
const char *us_desk_url (us_desk_t *self);

/* Stops the daemon, closes the store and nulls the pointer; safe on NULL. */
void us_desk_destroy (us_desk_t **self_p);

#endif
