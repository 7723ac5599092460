/*  us_service: the provincial ZeroMQ service. */
#include "us_service.h"
#include "us_codec.h"
#include "us_db.h"
#include "us_error.h"
#include "us_handler.h"
#include "us_hlc.h"
#include "us_log.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define MONITOR_ENDPOINT "inproc://unionsync.handshakes"

/* How many requests one peer may have queued at the service, and replies
   waiting for it. A peer that sends faster than it is served is slowed by
   TCP's own flow control instead of filling the province's memory: at most
   RCVHWM messages of US_MAX_MSG_BYTES each are held per connection. */
#define US_SERVICE_RCVHWM 8
#define US_SERVICE_SNDHWM 64

struct _us_service_t {
    us_pstore_t *store;
    us_handler_t *handler;
    void *ctx;
    void *router;
    void *zap;
    /* ZAP is answered by its own thread over its own connection to the
       store, so a connecting office never waits behind merges. */
    us_pstore_t *zap_store;
    void *monitor;              /* handshake failures of the ROUTER, read by the ZAP thread */
    pthread_t zap_thread;
    bool zap_running;
    atomic_bool zap_stop;
};

static void *s_zap_loop (void *arg);

/* Sets an integer socket option. */
static int
s_setint (void *sock, int option, int value)
{
    return zmq_setsockopt (sock, option, &value, sizeof value);
}

/* Checks a tcp:// endpoint's port, which libzmq would silently wrap. */
static int
s_endpoint_check (const char *endpoint)
{
    if (strncmp (endpoint, "tcp://", 6) != 0)
        return 0;
    const char *colon = strrchr (endpoint, ':');
    if (!colon || colon < endpoint + 6)
        return us_error_set (US_EINVAL, "endpoint %s has no port", endpoint);
    if (strcmp (colon + 1, "*") == 0)
        return 0;
    char *end;
    long port = strtol (colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 1 || port > 65535)
        return us_error_set (US_EINVAL, "bad port in %s (1 to 65535)", endpoint);
    return 0;
}

/* Binds the service to endpoint; db_path is the store's file, opened a
   second time for the ZAP thread. */
us_service_t *
us_service_new (us_pstore_t *store, const us_keys_t *keys, const char *endpoint,
                const char *db_path)
{
#ifdef __GLIBC__
    /* One heap for all the threads (set before ZeroMQ starts its own):
       with one per thread, what a burst of a thousand connections left on
       the I/O thread's heap came back only in part, and the size after
       each wave of offices wandered between 16 and 26 MB; with one it
       stays within 1 MB. The threads other than this one allocate little
       (ZeroMQ's messages and the ZAP lookups), so the shared lock costs
       nothing measurable. */
    mallopt (M_ARENA_MAX, 1);
#endif
    us_service_t *self = calloc (1, sizeof *self);
    if (!self) {
        us_error_set (US_ENOMEM, "out of memory");
        return NULL;
    }
    self->store = store;
    if (us_pstore_serving (store) != 0) {
        free (self);
        return NULL;
    }
    atomic_init (&self->zap_stop, false);
    if (us_pstore_open (&self->zap_store, db_path) != 0) {
        us_service_destroy (&self);
        return NULL;
    }
    self->handler = us_handler_new (store);
    self->ctx = zmq_ctx_new ();
    if (!self->handler || !self->ctx)
        goto fail;
    us_handler_set_signer (self->handler, keys);
    /* The ZAP handler must be bound before any CURVE socket exists. */
    self->zap = zmq_socket (self->ctx, ZMQ_REP);
    if (!self->zap || zmq_bind (self->zap, ZAP_ENDPOINT) != 0)
        goto fail;
    self->router = zmq_socket (self->ctx, ZMQ_ROUTER);
    int64_t maxmsg = US_MAX_MSG_BYTES;
    if (!self->router
    ||  s_setint (self->router, ZMQ_CURVE_SERVER, 1) != 0
    ||  zmq_setsockopt (self->router, ZMQ_CURVE_SECRETKEY, keys->curve_secret, 40) != 0
    ||  zmq_setsockopt (self->router, ZMQ_ZAP_DOMAIN, "unionsync", 9) != 0
    ||  zmq_setsockopt (self->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0
    ||  s_setint (self->router, ZMQ_HEARTBEAT_IVL, 5000) != 0
    ||  s_setint (self->router, ZMQ_HEARTBEAT_TIMEOUT, 15000) != 0
    ||  s_setint (self->router, ZMQ_HANDSHAKE_IVL, 10000) != 0
    ||  s_setint (self->router, ZMQ_LINGER, 1000) != 0
    ||  s_setint (self->router, ZMQ_RCVHWM, US_SERVICE_RCVHWM) != 0
    ||  s_setint (self->router, ZMQ_SNDHWM, US_SERVICE_SNDHWM) != 0)
        goto fail;
    /* Failed handshakes (a wrong server key at an office, or something that
       is not a unionsync client) never reach ZAP; the socket monitor tells. */
    self->monitor = zmq_socket (self->ctx, ZMQ_PAIR);
    if (!self->monitor
    ||  zmq_socket_monitor (self->router, MONITOR_ENDPOINT,
                            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                            | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0
    ||  zmq_connect (self->monitor, MONITOR_ENDPOINT) != 0)
        goto fail;
    if (s_endpoint_check (endpoint) != 0) {
        us_service_destroy (&self);
        return NULL;
    }
    if (zmq_bind (self->router, endpoint) != 0) {
        us_error_set (US_EINVAL, "cannot bind %s: %s", endpoint, zmq_strerror (errno));
        us_service_destroy (&self);
        return NULL;
    }
    if (pthread_create (&self->zap_thread, NULL, s_zap_loop, self) != 0) {
        us_error_set (US_EIO, "cannot start the ZAP thread");
        us_service_destroy (&self);
        return NULL;
    }
    self->zap_running = true;
    return self;
fail:
    us_error_set (US_EIO, "cannot start the service: %s", zmq_strerror (errno));
    us_service_destroy (&self);
    return NULL;
}

/* Accepts requests of wire version min_wire and later only. */
int
us_service_set_min_wire (us_service_t *self, uint32_t min_wire)
{
    return us_handler_set_min_wire (self->handler, min_wire);
}

/* Receives one frame into buf; returns its size or -1. */
static int
s_recv_frame (void *sock, char *buf, size_t size, int *more)
{
    int n = zmq_recv (sock, buf, size, 0);
    size_t sz = sizeof *more;
    zmq_getsockopt (sock, ZMQ_RCVMORE, more, &sz);
    return n;
}

/* Answers one ZAP request: 200 for an enrolled, active key. Runs on the
   ZAP thread and reads only its own store connection. */
static void
s_zap_answer (us_service_t *self)
{
    char frames [7][256];
    int sizes [7] = { 0 };
    int more = 1, n = 0;
    while (more && n < 7) {
        sizes [n] = s_recv_frame (self->zap, frames [n], sizeof frames [n], &more);
        n++;
    }
    while (more) {                      /* drop anything past the frames we know */
        char sink [16];
        s_recv_frame (self->zap, sink, sizeof sink, &more);
    }
    const char *status = "400", *text = "not enrolled";
    char key [41] = "";
    if (n >= 7 && sizes [5] == 5 && memcmp (frames [5], "CURVE", 5) == 0 && sizes [6] == 32) {
        zmq_z85_encode (key, (const uint8_t *) frames [6], 32);
        us_replica_t rep;
        int rc = us_pstore_replica (self->zap_store, &rep, key);
        if (rc == 0) {
            status = "200";
            text = "OK";
        }
        else {
            text = rc == US_EPERM ? "revoked" : "not enrolled";
            int alen = sizes [3] < 0 ? 0 : sizes [3] > 255 ? 255 : sizes [3];
            us_log_warn ("refused connection from %.*s: %s", alen, frames [3], text);
        }
    }
    int rid = sizes [1] > 0 && sizes [1] <= 255 ? sizes [1] : 0;
    zmq_send (self->zap, "1.0", 3, ZMQ_SNDMORE);
    zmq_send (self->zap, frames [1], (size_t) rid, ZMQ_SNDMORE);
    zmq_send (self->zap, status, 3, ZMQ_SNDMORE);
    zmq_send (self->zap, text, strlen (text), ZMQ_SNDMORE);
    zmq_send (self->zap, key, strcmp (status, "200") == 0 ? 40 : 0, ZMQ_SNDMORE);
    zmq_send (self->zap, "", 0, 0);
}

/* Logs one failed handshake from the monitor, at most one line a second
   (with the count since the last line), so a misconfigured office that
   retries cannot flood the log. */
static void
s_monitor_event (us_service_t *self, int64_t *last_ms, unsigned *missed)
{
    zmq_msg_t head, addr;
    zmq_msg_init (&head);
    zmq_msg_init (&addr);
    if (zmq_msg_recv (&head, self->monitor, 0) >= 0 && zmq_msg_more (&head)
    &&  zmq_msg_recv (&addr, self->monitor, 0) >= 0 && zmq_msg_size (&head) >= 6) {
        uint16_t event;
        uint32_t value;
        memcpy (&event, zmq_msg_data (&head), 2);
        memcpy (&value, (uint8_t *) zmq_msg_data (&head) + 2, 4);
        int64_t now = us_hlc_wall_ms ();
        (*missed)++;
        if (now - *last_ms >= 1000) {
            bool crypto = event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                       && value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC;
            us_log_warn ("refused %u handshake%s on %.*s: %s", *missed, *missed > 1 ? "s" : "",
                         (int) (zmq_msg_size (&addr) > 200 ? 200 : zmq_msg_size (&addr)),
                         (const char *) zmq_msg_data (&addr),
                         crypto ? "an office using another server key (check its --server-key)"
                                : "not a unionsync client, or a broken connection");
            *last_ms = now;
            *missed = 0;
        }
    }
    zmq_msg_close (&head);
    zmq_msg_close (&addr);
}

/* The ZAP thread: answers handshakes and logs failed ones until the
   service stops. */
static void *
s_zap_loop (void *arg)
{
    us_service_t *self = arg;
    zmq_pollitem_t items [] = {
        { self->zap, 0, ZMQ_POLLIN, 0 },
        { self->monitor, 0, ZMQ_POLLIN, 0 }
    };
    int64_t last_ms = 0;
    unsigned missed = 0;
    bool asked = false;
    while (!atomic_load (&self->zap_stop)) {
        int n = zmq_poll (items, 2, 200);
        if (n < 0 && errno == ETERM)
            break;
        /* A quiet poll after lookups: the pages read for them go back
           (a wave of a thousand new offices grew it by 0.4 MB). */
        if (n == 0 && asked) {
            us_pstore_release (self->zap_store);
            asked = false;
        }
        if (n > 0 && (items [0].revents & ZMQ_POLLIN)) {
            s_zap_answer (self);
            asked = true;
        }
        if (n > 0 && (items [1].revents & ZMQ_POLLIN))
            s_monitor_event (self, &last_ms, &missed);
    }
    return NULL;
}

/* Receives one request into id and body; false when none is waiting. A
   request of more than one frame is dropped (its frames drained) and
   *skip set. */
static bool
s_take (us_service_t *self, zmq_msg_t *id, zmq_msg_t *body, bool *skip)
{
    *skip = false;
    if (zmq_msg_recv (id, self->router, ZMQ_DONTWAIT) < 0)
        return false;
    if (!zmq_msg_more (id) || zmq_msg_recv (body, self->router, 0) < 0) {
        *skip = true;
        return true;
    }
    if (zmq_msg_more (body)) {          /* one frame per request; drain extras */
        zmq_msg_t extra;
        zmq_msg_init (&extra);
        while (zmq_msg_recv (&extra, self->router, 0) >= 0 && zmq_msg_more (&extra))
            ;
        zmq_msg_close (&extra);
        *skip = true;
    }
    return true;
}

/* Sends one reply to the peer of id (whose ownership passes on). */
static void
s_reply (us_service_t *self, zmq_msg_t *id, const uint8_t *reply, size_t len)
{
    zmq_msg_t out;
    if (zmq_msg_init_size (&out, len) != 0)
        return;
    memcpy (zmq_msg_data (&out), reply, len);
    if (zmq_msg_send (id, self->router, ZMQ_SNDMORE) >= 0) {
        zmq_msg_init (id);              /* ownership passed to the socket */
        if (zmq_msg_send (&out, self->router, 0) < 0)
            zmq_msg_close (&out);
    }
    else
        zmq_msg_close (&out);
}

/* A burst being answered: the peers' identities, to reply as soon as
   each answer is final. */
typedef struct {
    us_service_t *self;
    zmq_msg_t ids [US_HANDLER_BURST];
} s_burst_t;

/* Sends the reply to request k of a burst the moment it is final. */
static void
s_burst_ready (void *arg, us_handler_req_t *reqs, size_t k)
{
    s_burst_t *burst = arg;
    if (reqs [k].rc == 0 && reqs [k].reply)
        s_reply (burst->self, &burst->ids [k], reqs [k].reply, reqs [k].reply_len);
    free (reqs [k].reply);
    reqs [k].reply = NULL;
}

/* Takes the requests waiting (at most US_HANDLER_BURST), has the handler
   answer them together, so that several offices' batches share one
   commit, each reply sent as soon as it is final; returns how many were
   taken. */
static size_t
s_serve_burst (us_service_t *self)
{
    s_burst_t burst = { .self = self };
    zmq_msg_t *ids = burst.ids, bodies [US_HANDLER_BURST];
    us_handler_req_t reqs [US_HANDLER_BURST];
    size_t n = 0, taken = 0;
    while (n < US_HANDLER_BURST) {
        zmq_msg_init (&ids [n]);
        zmq_msg_init (&bodies [n]);
        bool skip;
        bool got = s_take (self, &ids [n], &bodies [n], &skip);
        if (got && !skip) {
            const char *key = zmq_msg_gets (&bodies [n], "User-Id");
            reqs [n] = (us_handler_req_t) { .key = key ? key : "",
                .data = zmq_msg_data (&bodies [n]), .len = zmq_msg_size (&bodies [n]) };
            n++;
            taken++;
            continue;
        }
        zmq_msg_close (&ids [n]);
        zmq_msg_close (&bodies [n]);
        if (!got)
            break;
        taken++;
    }
    us_handler_process_burst (self->handler, reqs, n, s_burst_ready, &burst);
    for (size_t k = 0; k < n; k++) {
        zmq_msg_close (&ids [k]);
        zmq_msg_close (&bodies [k]);
    }
    return taken;
}

/* After requests, the server is idle once two polls of S_IDLE_POLL_MS
   find none; it then gives memory back at each quiet poll up to the
   S_IDLE_TRIMS-th, and not again until the next request. */
#define S_IDLE_POLL_MS 100
#define S_IDLE_TRIMS 5

/* What the server does at its tick-th quiet poll after requests. On the
   second, the WAL goes into the database while nobody waits and the page
   cache is given back (a failure loses nothing: the WAL stays, and the
   next idle moment tries again). On each, the memory a burst of
   connections left free goes back to the system when it is more than a
   process keeps (US_DB_HEAP_KEPT), so that the process's size follows the
   load and not the largest burst it ever took: a thousand offices at once
   left 600 MB behind without this. Up to that much stays for the next
   requests: given back, each 4 KB of it cost a page fault when used again,
   and an office's first pull after a quiet second was a third slower. It is
   looked at more than once because ZeroMQ's I/O thread frees a closed
   connection's buffers some time after the last request. */
static void
s_idle (us_service_t *self, int tick)
{
    if (tick < 2)
        return;
    if (tick == 2 && us_pstore_idle (self->store) != 0)
        us_log_warn ("%s", us_error_msg ());
#ifdef __GLIBC__
    if (mallinfo2 ().fordblks > US_DB_HEAP_KEPT)
        malloc_trim (0);
#endif
}

/* Serves requests until *stop is set. */
int
us_service_run (us_service_t *self, volatile sig_atomic_t *stop)
{
    zmq_pollitem_t items [] = {
        { self->router, 0, ZMQ_POLLIN, 0 }
    };
    int idle = S_IDLE_TRIMS;             /* quiet polls since the last request */
    while (!*stop) {
        int n = zmq_poll (items, 1, S_IDLE_POLL_MS);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return us_error_set (US_EIO, "poll failed: %s", zmq_strerror (errno));
        }
        if (n > 0)
            idle = 0;
        else
        if (idle < S_IDLE_TRIMS)
            s_idle (self, ++idle);
        /* Serve a bounded burst so the stop flag stays responsive; the
           ROUTER takes requests from its peers in turn, so one peer's
           queue cannot hold back another's. */
        for (int k = 0; k < 64 && (items [0].revents & ZMQ_POLLIN) && !*stop; ) {
            size_t taken = s_serve_burst (self);
            k += taken ? (int) taken : 64;
        }
    }
    uint64_t requests, errors, deltas;
    us_handler_stats (self->handler, &requests, &errors, &deltas);
    uint64_t batches, commits;
    us_handler_commits (self->handler, &batches, &commits);
    us_log_info ("stopping: %llu requests, %llu errors, %llu deltas received, "
                 "%llu batches in %llu commits",
                 (unsigned long long) requests, (unsigned long long) errors,
                 (unsigned long long) deltas, (unsigned long long) batches,
                 (unsigned long long) commits);
    return 0;
}

/* Closes the sockets and nulls the pointer; safe on NULL. */
void
us_service_destroy (us_service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    us_service_t *self = *self_p;
    if (self->zap_running) {
        atomic_store (&self->zap_stop, true);
        pthread_join (self->zap_thread, NULL);
    }
    if (self->router) {
        zmq_socket_monitor (self->router, NULL, 0);
        zmq_close (self->router);
    }
    if (self->monitor)
        zmq_close (self->monitor);
    if (self->zap)
        zmq_close (self->zap);
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    us_handler_destroy (&self->handler);
    us_pstore_destroy (&self->zap_store);
    free (self);
    *self_p = NULL;
}
