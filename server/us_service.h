/*  us_service: the provincial ZeroMQ service.

    A ROUTER socket with CURVE, and a ZAP handler that lets in only keys
    enrolled in the store and not revoked, answered on a thread of its own
    over a second connection to the store (db_path), so handshakes are
    never queued behind merges. Every request is answered by
    us_handler; the loop runs until *stop becomes non-zero (set from a
    SIGINT/SIGTERM handler), finishing the request in hand first. The
    service borrows the store and keys.
*/
#ifndef US_SERVICE_H
#define US_SERVICE_H

#include "us_keys.h"
#include "us_pstore.h"

#include <signal.h>

typedef struct _us_service_t us_service_t;

/* Binds the service to endpoint; db_path is the store's file. NULL (error
   set) on failure. */
us_service_t *us_service_new (us_pstore_t *store, const us_keys_t *keys,
                              const char *endpoint, const char *db_path);

/* Accepts requests of wire version min_wire and later only (see
   us_handler_set_min_wire). Returns 0 or US_EINVAL. */
int us_service_set_min_wire (us_service_t *self, uint32_t min_wire);

/* Serves requests until *stop is set. Returns 0 on a clean stop. */
int us_service_run (us_service_t *self, volatile sig_atomic_t *stop);

/* Closes the sockets and nulls the pointer; safe on NULL. */
void us_service_destroy (us_service_t **self_p);

#endif
