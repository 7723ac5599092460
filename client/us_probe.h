/*  us_probe: tells why a server does not answer.

    A sync that hears nothing could face a server that is down, a firewall,
    or a setup mistake: a server key in the store that is not the key of the
    server at that address (the server then drops every connection during
    the encryption handshake), or a replica key the server does not admit.
    us_probe_check makes CURVE connections of its own and watches libzmq's
    socket monitor (handshake succeeded, refused, or failed): a refusal by
    the server's ZAP handler names an unadmitted replica; a handshake
    dropped again and again by a peer that has just answered with a ZMTP CURVE
    greeting (read over a plain TCP connection, so that a relay whose server
    is down, which also drops handshakes, is not taken for one) names a
    wrong server key. It costs a few TCP connections and at most 3 s; a
    sync calls it only once a request has gone unanswered. The caller's
    ZeroMQ context and strings are borrowed.
*/
#ifndef US_PROBE_H
#define US_PROBE_H

#include "us_keys.h"

/* What a probe saw. */
typedef enum {
    US_PROBE_SILENT,        /* no connection: nothing listens, or a firewall */
    US_PROBE_OK,            /* the handshake succeeded: the keys are right */
    US_PROBE_BAD_SERVER_KEY,/* the server dropped the handshake: wrong server key */
    US_PROBE_REFUSED        /* the server refused this replica's key */
} us_probe_result_t;

/* Connects to server with the server's CURVE key (Z85) and this replica's
   keys and waits up to wait_ms for the handshake's outcome. Sets *result;
   returns 0, or US_EIO when no socket could be made. */
int us_probe_run (us_probe_result_t *result, void *ctx, const char *server,
                  const char *server_key, const us_keys_t *keys, int wait_ms);

/* Probes the server (at most 3 s) and returns 0 when it has nothing to
   add to "no answer" (silent, or the keys are right), else sets an error
   naming the mistake and how to fix it, and returns its code: US_EINVAL
   for a server key that is not the server's, US_EPERM for a replica the
   server does not admit. */
int us_probe_check (void *ctx, const char *server, const char *server_key,
                    const us_keys_t *keys);

#endif
