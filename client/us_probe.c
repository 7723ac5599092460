/*  us_probe: tells why a server does not answer. */
#include "us_probe.h"
#include "us_error.h"
#include "us_hlc.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#define PROBE_WAIT_MS 3000
#define ROUNDS 4                    /* dropped handshakes before we say why: a
                                       flaky link cuts one now and then, a
                                       wrong key every one */

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
               | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
               | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
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

/* Waits until fd is ready for events or the deadline passes. */
static bool
s_wait_fd (int fd, short events, int64_t deadline)
{
    int64_t left = deadline - us_hlc_wall_ms ();
    struct pollfd p = { fd, events, 0 };
    return left > 0 && poll (&p, 1, (int) left) == 1 && (p.revents & events);
}

/* Returns true when a ZMTP 3 peer offering CURVE answers at server
   (tcp://HOST:PORT) with its greeting before the deadline. A connection
   that is accepted and closed (a relay whose server is down) is no such
   peer: this is what tells a server refusing our handshake from one that
   is not there. */
static bool
s_greets (const char *server, int64_t deadline)
{
    char host [256];
    const char *colon = strrchr (server, ':');
    if (strncmp (server, "tcp://", 6) != 0 || !colon || colon - server - 6 >= (long) sizeof host)
        return false;
    snprintf (host, sizeof host, "%.*s", (int) (colon - server - 6), server + 6);
    if (host [0] == '[' && host [strlen (host) - 1] == ']') {
        memmove (host, host + 1, strlen (host));
        host [strlen (host) - 1] = 0;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    if (getaddrinfo (host, colon + 1, &hints, &ai) != 0 || !ai)
        return false;
    int fd = socket (ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0
           && (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS)
           && s_wait_fd (fd, POLLOUT, deadline);
    freeaddrinfo (ai);
    int err = 0;
    socklen_t len = sizeof err;
    ok = ok && getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    /* Our greeting: ZMTP 3.0, mechanism CURVE, as a client. */
    uint8_t greeting [64] = { 0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 0, 'C', 'U', 'R', 'V', 'E' };
    ok = ok && send (fd, greeting, sizeof greeting, MSG_NOSIGNAL) == (ssize_t) sizeof greeting;
    uint8_t peer [64];
    size_t got = 0;
    while (ok && got < sizeof peer && s_wait_fd (fd, POLLIN, deadline)) {
        ssize_t n = recv (fd, peer + got, sizeof peer - got, 0);
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    if (fd >= 0)
        close (fd);
    return ok && got == sizeof peer && peer [0] == 0xFF && peer [9] == 0x7F && peer [10] >= 3
        && memcmp (peer + 12, "CURVE", 6) == 0;
}

/* One CURVE handshake on a fresh socket: its outcome, or SILENT when the
   connection was closed or cut (then *dropped says whether it was cut
   during the handshake). */
static int
s_handshake (us_probe_result_t *result, bool *dropped, void *ctx, const char *server,
             const char *server_key, const us_keys_t *keys, int64_t deadline)
{
    *result = US_PROBE_SILENT;
    *dropped = false;
    void *sock, *monitor;
    int rc = s_open (&sock, &monitor, ctx, server_key, keys);
    if (rc == 0 && zmq_connect (sock, server) != 0)
        rc = us_error_set (US_EINVAL, "bad server endpoint %s: %s", server, zmq_strerror (errno));
    bool done = false;
    while (rc == 0 && !done) {
        int64_t left = deadline - us_hlc_wall_ms ();
        zmq_pollitem_t item = { monitor, 0, ZMQ_POLLIN, 0 };
        if (left <= 0 || zmq_poll (&item, 1, (long) left) <= 0) {
            done = left <= 0;
            continue;
        }
        switch (s_event (monitor)) {
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
                *result = US_PROBE_OK;
                done = true;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                *result = US_PROBE_REFUSED;
                done = true;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
                *dropped = true;
                done = true;
                break;
            case ZMQ_EVENT_CONNECT_RETRIED:
            case ZMQ_EVENT_DISCONNECTED:
                done = true;
                break;
        }
    }
    s_close (sock, monitor);
    return rc;
}

/* Connects and waits for the handshake's outcome. A handshake that the
   server drops while it answers our greeting, every time, is the mark of
   a wrong server key: the server cannot open our first box and closes. */
int
us_probe_run (us_probe_result_t *result, void *ctx, const char *server,
              const char *server_key, const us_keys_t *keys, int wait_ms)
{
    *result = US_PROBE_SILENT;
    if (strncmp (server, "tcp://", 6) != 0 || !strrchr (server + 6, ':'))
        return us_error_set (US_EINVAL, "bad server endpoint '%.60s' (use tcp://HOST:PORT)",
                             server);
    int64_t deadline = us_hlc_wall_ms () + wait_ms;
    for (int round = 0; round < ROUNDS; round++) {
        if (!s_greets (server, deadline))
            return 0;
        bool dropped;
        int rc = s_handshake (result, &dropped, ctx, server, server_key, keys, deadline);
        if (rc || *result != US_PROBE_SILENT || !dropped)
            return rc;
    }
    if (s_greets (server, deadline))
        *result = US_PROBE_BAD_SERVER_KEY;
    return 0;
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
