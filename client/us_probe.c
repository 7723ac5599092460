/*  us_probe: tells why a server does not answer. */
#include "us_probe.h"
#include "us_error.h"
#include "us_hlc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#define PROBE_WAIT_MS 2000
#define DROPS_FOR_VERDICT 2         /* handshakes dropped before we say why */

static int s_probe_n;               /* names the monitor endpoints apart */

/* Reads one monitor event; returns its number, or 0 when none. */
static int
s_event (void *monitor)
{
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int event = 0;
    if (zmq_msg_recv (&frame, monitor, ZMQ_DONTWAIT) >= 0) {
        if (zmq_msg_size (&frame) >= 2) {
            uint16_t e;
            memcpy (&e, zmq_msg_data (&frame), 2);
            event = e;
        }
        while (zmq_msg_more (&frame) && zmq_msg_recv (&frame, monitor, 0) >= 0)
            ;
    }
    zmq_msg_close (&frame);
    return event;
}

/* Makes the probing socket and its monitor; returns 0 or US_EIO. */
static int
s_open (void **sock, void **monitor, void *ctx, const char *server_key, const us_keys_t *keys)
{
    int linger = 0;
    *monitor = NULL;
    *sock = zmq_socket (ctx, ZMQ_DEALER);
    if (!*sock
    ||  zmq_setsockopt (*sock, ZMQ_CURVE_SERVERKEY, server_key, 40) != 0
    ||  zmq_setsockopt (*sock, ZMQ_CURVE_PUBLICKEY, keys->curve_public, 40) != 0
    ||  zmq_setsockopt (*sock, ZMQ_CURVE_SECRETKEY, keys->curve_secret, 40) != 0
    ||  zmq_setsockopt (*sock, ZMQ_LINGER, &linger, sizeof linger) != 0)
        return us_error_set (US_EIO, "cannot make a socket: %s", zmq_strerror (errno));
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://us-probe-%d", s_probe_n++);
    int events = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED
               | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
               | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    if (zmq_socket_monitor (*sock, endpoint, events) != 0
    ||  !(*monitor = zmq_socket (ctx, ZMQ_PAIR))
    ||  zmq_connect (*monitor, endpoint) != 0)
        return us_error_set (US_EIO, "cannot watch a socket: %s", zmq_strerror (errno));
    return 0;
}

/* Closes what s_open made. */
static void
s_close (void *sock, void *monitor)
{
    if (sock) {
        zmq_socket_monitor (sock, NULL, 0);
        zmq_close (sock);
    }
    if (monitor)
        zmq_close (monitor);
}

/* Connects and waits for the handshake's outcome. */
int
us_probe_run (us_probe_result_t *result, void *ctx, const char *server,
              const char *server_key, const us_keys_t *keys, int wait_ms)
{
    *result = US_PROBE_SILENT;
    void *sock, *monitor;
    int rc = s_open (&sock, &monitor, ctx, server_key, keys);
    if (rc == 0 && zmq_connect (sock, server) != 0)
        rc = us_error_set (US_EINVAL, "bad server endpoint %s: %s", server, zmq_strerror (errno));
    int drops = 0;
    bool connected = false;
    int64_t deadline = us_hlc_wall_ms () + wait_ms;
    while (rc == 0 && *result == US_PROBE_SILENT) {
        int64_t left = deadline - us_hlc_wall_ms ();
        if (left <= 0)
            break;
        zmq_pollitem_t item = { monitor, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, (long) left) <= 0)
            continue;
        switch (s_event (monitor)) {
            case ZMQ_EVENT_CONNECTED:
                connected = true;
                break;
            case ZMQ_EVENT_CONNECT_RETRIED:
                if (!connected && drops == 0)
                    deadline = 0;           /* refused: nothing listens there */
                break;
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
                *result = US_PROBE_OK;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                *result = US_PROBE_REFUSED;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
                *result = US_PROBE_BAD_SERVER_KEY;
                break;
            case ZMQ_EVENT_DISCONNECTED:
                /* Dropped before the handshake succeeded: a server that
                   cannot open our first box, the mark of a wrong key. */
                if (connected && ++drops >= DROPS_FOR_VERDICT)
                    *result = US_PROBE_BAD_SERVER_KEY;
                connected = false;
                break;
        }
    }
    s_close (sock, monitor);
    return rc;
}

/* Probes the server and names a setup mistake, if that is what it is. */
int
us_probe_check (void *ctx, const char *server, const char *server_key, const us_keys_t *keys)
{
    us_probe_result_t result;
    int rc = us_probe_run (&result, ctx, server, server_key, keys, PROBE_WAIT_MS);
    if (rc)
        return rc;
    if (result == US_PROBE_BAD_SERVER_KEY)
        return us_error_set (US_EINVAL, "the server at %s does not hold the server key this "
                             "store has (%.8s...): it drops every encrypted handshake; ask the "
                             "province for its key and set it with 'unionsync config "
                             "--server-key KEY'", server, server_key);
    if (result == US_PROBE_REFUSED)
        return us_error_set (US_EPERM, "the server refused this replica's key "
                             "(not enrolled, or revoked)");
    return 0;
}
