/*  us_sync: one sync session between a district store and the server. */
#include "us_sync.h"
#include "us_probe.h"
#include "us_codec.h"
#include "us_dstore_digest.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_limits.h"

#include <errno.h>

#define US_SYNC_PAGES 5000
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* A Lazy Pirate connection: a DEALER we close and reopen on timeouts. */
struct _us_sync_link_t {
    void *ctx;
    void *sock;
    void *monitor;
    const us_keys_t *keys;
    const char *server;
    const char *server_key;
    uint64_t next_id;
    bool refused;           /* the server's ZAP said no */
    uint64_t drops;         /* connections the server end closed or lost */
    uint32_t server_epoch;  /* the highest epoch the server has seen of us */
    bool greeted;           /* a Welcome came on this link */
    int socket_n;
    uint32_t digest_months; /* the server's anti-entropy bound; 0: none */
    int first, last;        /* the months the pull's digest covers */
    bool has_top;           /* the last page carried the server's top */
    uint32_t page_limit;    /* entries the next Pull asks for */
    uint32_t epoch;         /* the store's epoch and the highest seq of it */
    uint64_t acked;         /* acknowledged, told in each Pull */
    uint8_t top [US_DIGEST_LEN];
};

/* Sets an integer socket option. */
static int
s_setint (void *sock, int option, int value)
{
    return zmq_setsockopt (sock, option, &value, sizeof value);
}

/* Closes the socket and its monitor. */
static void
s_link_close (us_sync_link_t *link)
{
    if (link->sock) {
        zmq_socket_monitor (link->sock, NULL, 0);
        zmq_close (link->sock);
        link->sock = NULL;
    }
    if (link->monitor) {
        zmq_close (link->monitor);
        link->monitor = NULL;
    }
}

/* Opens a fresh CURVE socket to the server, with a monitor that tells us
   when the server refuses our key. */
static int
s_link_open (us_sync_link_t *link)
{
    s_link_close (link);
    link->sock = zmq_socket (link->ctx, ZMQ_DEALER);
    int64_t maxmsg = US_MAX_MSG_BYTES;
    if (!link->sock
    ||  zmq_setsockopt (link->sock, ZMQ_CURVE_SERVERKEY, link->server_key, 40) != 0
    ||  zmq_setsockopt (link->sock, ZMQ_CURVE_PUBLICKEY, link->keys->curve_public, 40) != 0
    ||  zmq_setsockopt (link->sock, ZMQ_CURVE_SECRETKEY, link->keys->curve_secret, 40) != 0
    ||  zmq_setsockopt (link->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0
    ||  s_setint (link->sock, ZMQ_LINGER, 0) != 0
    ||  s_setint (link->sock, ZMQ_HEARTBEAT_IVL, 2000) != 0
    ||  s_setint (link->sock, ZMQ_HEARTBEAT_TIMEOUT, 6000) != 0
    ||  s_setint (link->sock, ZMQ_RECONNECT_IVL, 200) != 0)
        return us_error_set (US_EIO, "cannot make a socket: %s", zmq_strerror (errno));
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://us-sync-monitor-%d", link->socket_n++);
    if (zmq_socket_monitor (link->sock, endpoint,
                            ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED) == 0) {
        link->monitor = zmq_socket (link->ctx, ZMQ_PAIR);
        if (link->monitor && zmq_connect (link->monitor, endpoint) != 0) {
            zmq_close (link->monitor);
            link->monitor = NULL;
        }
    }
    if (zmq_connect (link->sock, link->server) != 0)
        return us_error_set (US_EINVAL, "bad server endpoint %s: %s", link->server,
                             zmq_strerror (errno));
    return 0;
}

/* Reads one monitor event; sets link->refused on an authentication failure. */
static void
s_link_event (us_sync_link_t *link)
{
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    if (zmq_msg_recv (&frame, link->monitor, ZMQ_DONTWAIT) >= 0) {
        if (zmq_msg_size (&frame) >= 2) {
            uint16_t event;
            memcpy (&event, zmq_msg_data (&frame), 2);
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
                link->refused = true;
            if (event == ZMQ_EVENT_DISCONNECTED)
                link->drops++;
        }
        while (zmq_msg_more (&frame) && zmq_msg_recv (&frame, link->monitor, 0) >= 0)
            ;
    }
    zmq_msg_close (&frame);
}

/* A request sent and not answered yet, encoded as it went out. */
typedef struct {
    uint64_t id;
    uint8_t *buf;
    size_t len;
} s_flight_t;

/* Assigns req the next id and encodes it into *flight. */
static int
s_flight_new (s_flight_t *flight, us_sync_link_t *link, us_msg_t *req)
{
    req->request_id = ++link->next_id;
    flight->id = req->request_id;
    flight->buf = NULL;
    flight->len = 0;
    int rc = us_codec_encode (&flight->buf, &flight->len, req);
    if (rc)
        flight->buf = NULL;         /* nothing to free */
    return rc;
}

/* Frees a flight's bytes. */
static void
s_flight_free (s_flight_t *flight)
{
    free (flight->buf);
    flight->buf = NULL;
}

/* Sends one request; a full pipe is not an error (the retry sends again). */
static int
s_send (us_sync_link_t *link, const s_flight_t *flight)
{
    if (zmq_send (link->sock, flight->buf, flight->len, ZMQ_DONTWAIT) < 0 && errno != EAGAIN)
        return us_error_set (US_EIO, "send failed: %s", zmq_strerror (errno));
    return 0;
}

/* Waits for the answer to flights [0], while flights [1..n-1] are sent
   behind it. On a timeout the socket is reopened and every flight sent
   again in order, with backoff: repeating a request is always safe. Other
   answers (late ones to an earlier try, or to the flights behind) are
   dropped; those behind are sent again until answered. On success
   *reply_p is a decoded message the caller destroys. */
static int
s_await (us_sync_link_t *link, us_msg_t **reply_p, const s_flight_t *flights, int n,
         const us_sync_opts_t *opts)
{
    *reply_p = NULL;
    int rc = 0;
    for (int attempt = 0; attempt < opts->retries; attempt++) {
        int wait = us_sync_wait_ms (opts, attempt);
        if (attempt > 0) {
            if (opts->progress)
                fprintf (opts->progress, "no answer from the province in %.1f s, trying again, "
                         "waiting up to %.1f s (%d/%d)\n",
                         us_sync_wait_ms (opts, attempt - 1) / 1000.0, wait / 1000.0,
                         attempt + 1, opts->retries);
            if (attempt == 1 && (rc = us_probe_check (link->ctx, link->server,
                                                      link->server_key, link->keys)) != 0)
                return rc;          /* not silence: a setup mistake, named */
            /* A reply may still be in flight on the old socket; a new socket
               starts clean. */
            if ((rc = s_link_open (link)) != 0)
                return rc;
            for (int i = 0; i < n; i++)
                if ((rc = s_send (link, &flights [i])) != 0)
                    return rc;
        }
        int64_t deadline = us_hlc_wall_ms () + wait;
        for (;;) {
            int64_t left = deadline - us_hlc_wall_ms ();
            if (left <= 0)
                break;
            zmq_pollitem_t items [2] = { { link->sock, 0, ZMQ_POLLIN, 0 },
                                         { link->monitor, 0, ZMQ_POLLIN, 0 } };
            int k = zmq_poll (items, link->monitor ? 2 : 1, (long) left);
            if (k < 0 && errno != EINTR)
                return us_error_set (US_EIO, "poll failed: %s", zmq_strerror (errno));
            if (link->monitor && (items [1].revents & ZMQ_POLLIN))
                s_link_event (link);
            if (link->refused)
                return us_error_set (US_EPERM, "the server refused this replica's key "
                                     "(not enrolled, or revoked)");
            if (!(items [0].revents & ZMQ_POLLIN))
                continue;
            zmq_msg_t msg;
            zmq_msg_init (&msg);
            if (zmq_msg_recv (&msg, link->sock, 0) < 0) {
                zmq_msg_close (&msg);
                continue;
            }
            us_msg_t *reply;
            rc = us_codec_decode (&reply, zmq_msg_data (&msg), zmq_msg_size (&msg));
            zmq_msg_close (&msg);
            if (rc)
                return rc;
            /* An Error of id 0 answers a request the server could not
               read at all (such as one of a wire it does not speak). */
            bool unread = reply->type == US_MSG_ERROR && reply->request_id == 0;
            if (reply->request_id != flights [0].id && !unread) {
                us_msg_destroy (&reply);
                continue;
            }
            *reply_p = reply;
            return 0;
        }
    }
    return us_error_set (US_EUNREACH, "no answer from %s after %d tries; "
                         "every change is kept for the next sync", link->server, opts->retries);
}

/* Sends req and waits for the reply with the same id, retrying with
   backoff. On success *reply_p is a decoded message the caller destroys. */
static int
s_request (us_sync_link_t *link, us_msg_t **reply_p, us_msg_t *req, const us_sync_opts_t *opts)
{
    *reply_p = NULL;
    s_flight_t flight;
    int rc = s_flight_new (&flight, link, req);
    if (rc == 0)
        rc = s_send (link, &flight);
    if (rc == 0)
        rc = s_await (link, reply_p, &flight, 1, opts);
    s_flight_free (&flight);
    return rc;
}

/* Turns a server Error, or a reply of another type, into an error code. */
int
us_sync_expect (const us_msg_t *reply, us_msg_type_t type)
{
    if (reply->type == US_MSG_ERROR) {
        int code = reply->error.code;
        if (code == US_EVERSION)
            return us_error_set (US_EVERSION, "upgrade unionsync: the province's server no "
                                 "longer accepts this version (wire %d): %s",
                                 US_WIRE_VERSION, reply->error.message);
        if (code == US_EPERM || code == US_ENOTFOUND)
            return us_error_set (US_EPERM, "server refused: %s", reply->error.message);
        if (code == US_EEXIST)
            return us_error_set (US_EEXIST, "%s", reply->error.message);
        if (code == US_EBEHIND)
            return us_error_set (US_EBEHIND, "%s", reply->error.message);
        return us_error_set (US_EPROTO, "server error: %s", reply->error.message);
    }
    if (reply->type != type)
        return us_error_set (US_EPROTO, "expected %s, server sent %s",
                             us_msg_type_name (type), us_msg_type_name (reply->type));
    return 0;
}

/* Hello/Welcome. */
int
us_sync_hello (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
               const us_sync_opts_t *opts)
{
    us_msg_t req = { .type = US_MSG_HELLO };
    int rc = us_dstore_hello (store, &req.hello);
    if (rc)
        return rc;
    req.hello.wire = US_WIRE_VERSION;
    us_msg_t *reply;
    rc = s_request (link, &reply, &req, opts);
    if (rc)
        return rc;
    rc = us_sync_expect (reply, US_MSG_WELCOME);
    /* The unit the province enrolled this key for is the office's: a
       store that names another (moved, or re-coded by an absorption)
       takes it over in us_dstore_welcome(). */
    if (rc == 0) {
        link->server_epoch = reply->welcome.epoch;
        link->digest_months = reply->welcome.digest_months;
        link->greeted = true;
        rc = us_dstore_welcome (store, stats, &reply->welcome);
    }
    if (rc == 0)
        rc = us_dstore_head_add (store, &reply->welcome);
    us_msg_destroy (&reply);
    /* One line, whatever the progress setting: the clerk should know. */
    if (rc == 0 && stats->went_back)
        fprintf (stderr, "warning: the province's store went back in time (restored from a "
                 "backup): %zu edits sent again, figures pulled again\n", stats->resent);
    if (rc == 0 && stats->new_epoch && opts->progress)
        fprintf (opts->progress, "  this store was restored from a backup; "
                 "its unsent edits start a new epoch\n");
    return rc;
}

/* Reads, signs and encodes the next batch after (after_epoch, after_seq);
   *count is 0 when the outbox has no more. The signature covers the batch's bytes,
   which the Push carries as they were signed. behind is true when the batch
   goes out behind one of the same epoch (up to after_seq) still unanswered. */
static int
s_batch_next (s_flight_t *flight, us_push_t *push, size_t *count, us_sync_link_t *link,
              us_dstore_t *store, const us_keys_t *keys, uint32_t after_epoch,
              uint64_t after_seq, bool behind, size_t max)
{
    us_msg_t req = { .type = US_MSG_PUSH };
    int rc = us_dstore_batch_after (store, &req.push, after_epoch, after_seq, max);
    *count = req.push.count;
    if (rc || req.push.count == 0)
        return rc;
    if (!req.push.resent)
        rc = us_dstore_acked (store, req.push.epoch, &req.push.acked);
    if (rc)
        return rc;
    /* The province reads the batch in front before this one, on the same
       connection: it must then hold that batch's edits as well. Without
       them (its store was put back between the two, and the one in front
       was answered by the store that went away) it refuses this one, and
       the office heals, as for the edits it acknowledged; an acknowledged
       seq alone would let this batch raise the high water over the lost
       ones and hide them for good. */
    if (!req.push.resent && behind && req.push.epoch == after_epoch && after_seq > req.push.acked)
        req.push.acked = after_seq;
    uint8_t *bytes;
    size_t len;
    rc = us_codec_push_signed_bytes (&bytes, &len, &req.push);
    if (rc)
        return rc;
    uint8_t sig [64];
    if (keys->has_sign && (rc = us_keys_sign (sig, keys, bytes, len)) == 0) {
        req.push.signature = sig;
        req.push.signature_len = 64;
    }
    req.push.batch = bytes;
    req.push.batch_len = len;
    if (rc == 0)
        rc = s_flight_new (flight, link, &req);
    free (bytes);
    *push = req.push;
    push->signature = NULL;         /* sig and bytes live in this call only */
    push->signature_len = 0;
    push->batch = NULL;
    push->batch_len = 0;
    return rc;
}

static int s_pull_first (us_sync_link_t *link, us_dstore_t *store, s_flight_t *flight);

/* Pushes the outbox in batches until it is empty. US_DSTORE_IN_FLIGHT
   batches are in flight at once, so the server always has the next one
   waiting while this store settles the answer to the first (with two, the
   next arrived after the server was done and it sat idle for the office's
   commit); each is still answered, and settled, whole. With pull not
   NULL, the first Pull goes out behind the last batch (s_pull_first),
   so that the province answers it while this store settles that batch:
   a round trip less. The province answers a connection's requests in
   order, so the page waits on the socket for s_pull_pages; *pull is
   left unsent (buf NULL) when there was nothing to push. The digest's
   months are then chosen before the batch is settled, which moves them
   only for an edit of a month past every figure and today; the office
   checks the months it asked. */
static int
s_push (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
        const us_keys_t *keys, const us_sync_opts_t *opts, s_flight_t *pull)
{
    bool renumbered = false;
    s_flight_t flights [US_DSTORE_IN_FLIGHT + 1];
    us_push_t pushes [US_DSTORE_IN_FLIGHT];
    int n = 0;
    uint32_t after_epoch = 0;
    uint64_t after = 0;
    bool drained = false;
    int rc = 0;
    for (;;) {
        while (rc == 0 && n < US_DSTORE_IN_FLIGHT && !drained) {
            size_t count;
            bool behind = n > 0 && !pushes [n - 1].resent;
            rc = s_batch_next (&flights [n], &pushes [n], &count, link, store, keys,
                               after_epoch, after, behind, opts->batch);
            if (rc == 0 && count == 0) {
                drained = true;
                if (pull && n > 0 && !pull->buf)
                    rc = s_pull_first (link, store, pull);
            }
            else
            if (rc == 0) {
                after_epoch = pushes [n].epoch;
                after = pushes [n].deltas [count - 1].seq;
                rc = s_send (link, &flights [n]);
                n++;
            }
        }
        if (rc || n == 0)
            break;
        us_msg_t *reply;
        /* The Pull behind is sent again with the batches should the
           connection be made anew. */
        int behind = pull && pull->buf ? 1 : 0;
        if (behind)
            flights [n] = *pull;
        rc = s_await (link, &reply, flights, n + behind, opts);
        if (rc)
            break;
        rc = us_sync_expect (reply, US_MSG_PUSH_ACK);
        if (rc == 0)
            rc = us_dstore_ack (store, stats, &pushes [0], &reply->push_ack);
        if (rc == 0)
            stats->acked_ms = us_hlc_wall_ms ();
        us_msg_destroy (&reply);
        s_flight_free (&flights [0]);
        n--;
        memmove (&flights [0], &flights [1], (size_t) n * sizeof flights [0]);
        memmove (&pushes [0], &pushes [1], (size_t) n * sizeof pushes [0]);
        if (rc == US_EEXIST && !renumbered) {
            /* Our sequence numbers name edits the server already has from
               before a restore: give ours new ones and send again. What
               the batch behind carried is recognised when it comes again. */
            renumbered = true;
            for (int i = 0; i < n; i++)
                s_flight_free (&flights [i]);
            if (pull)
                s_flight_free (pull);   /* asked again behind the new batches */
            n = 0;
            after_epoch = 0;
            after = 0;
            drained = false;
            rc = us_dstore_new_epoch (store, stats, link->server_epoch);
            if (rc == 0 && opts->progress)
                fprintf (opts->progress, "  this store was restored from a backup; "
                         "its unsent edits start a new epoch\n");
            continue;
        }
        if (rc)
            break;
        if (opts->progress)
            fprintf (opts->progress, "  sent %zu edits\n", stats->pushed);
    }
    for (int i = 0; i < n; i++)
        s_flight_free (&flights [i]);
    if (rc && pull)
        s_flight_free (pull);
    return rc;
}

/* Pushes the outbox in batches until it is empty (s_push). */
int
us_sync_push (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
              const us_keys_t *keys, const us_sync_opts_t *opts)
{
    return s_push (link, stats, store, keys, opts, NULL);
}

/* Sends queued submissions. */
int
us_sync_submit (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                const us_sync_opts_t *opts)
{
    char period [64];
    int guard = 0;
    while (guard++ < 1000 && us_dstore_next_submit (store, period, sizeof period) == 0) {
        us_msg_t req = { .type = US_MSG_SUBMIT };
        req.submit.unit = us_dstore_unit (store);
        req.submit.period = period;
        req.submit.hlc = us_hlc_make (us_hlc_wall_ms (), 0);
        req.submit.nil = us_dstore_submit_nil (store, period);
        us_msg_t *reply;
        int rc = s_request (link, &reply, &req, opts);
        if (rc)
            return rc;
        rc = us_sync_expect (reply, US_MSG_SUBMIT_ACK);
        if (rc == 0)
            rc = us_dstore_submit_done (store, period, reply->submit_ack.ok,
                                        reply->submit_ack.state, reply->submit_ack.reason);
        if (rc == 0 && reply->submit_ack.ok)
            stats->submitted++;
        if (rc == 0 && !reply->submit_ack.ok)
            stats->submit_refused++;
        if (rc == 0 && !reply->submit_ack.ok && opts->progress)
            fprintf (opts->progress, "  submission of %s refused: %s\n", period,
                     reply->submit_ack.reason);
        us_msg_destroy (&reply);
        if (rc)
            return rc;
    }
    return 0;
}


/* Encodes and sends the Pull of the page after since as *flight, which the
   caller frees (s_flight_free). */
static int
s_pull_send (us_sync_link_t *link, s_flight_t *flight, uint64_t since)
{
    us_msg_t req = { .type = US_MSG_PULL };
    req.pull.since = since;
    req.pull.limit = link->page_limit;
    req.pull.epoch = link->epoch;
    req.pull.acked = link->acked;
    if (link->digest_months) {
        req.pull.digest_first = link->first;
        req.pull.digest_last = link->last;
    }
    int rc = s_flight_new (flight, link, &req);
    if (rc == 0)
        rc = s_send (link, flight);
    if (rc)
        s_flight_free (flight);
    return rc;
}

/* Returns a monotonic clock in ms. */
static int64_t
s_clock_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns the entries the next Pull asks for. Pages of 10,000 against
   2,000 pulled a history 30% faster on loopback (fewer waits between one
   page and the next), but a page of 10,000 figures is 250 KB: over a slow
   link it would outlast every retry's wait. */
uint32_t
us_sync_page_next (uint32_t limit, bool full, int64_t elapsed_ms, int timeout_ms)
{
    if (elapsed_ms > timeout_ms / 2)
        return limit / 2 > US_SYNC_PAGE_MIN ? limit / 2 : US_SYNC_PAGE_MIN;
    if (full && elapsed_ms < timeout_ms / 4)
        return limit < US_PAGE_MAX / 2 ? limit * 2 : US_PAGE_MAX;
    return limit;
}

/* Sends the first Pull of a sync as *flight, which the caller frees. */
static int
s_pull_first (us_sync_link_t *link, us_dstore_t *store, s_flight_t *flight)
{
    /* A server with anti-entropy proves the mirror on the last page: the
       top digest of the months compared (a few bytes each way). */
    link->has_top = false;
    if (link->digest_months) {
        uint32_t n = link->digest_months < US_DIGEST_MONTHS ? link->digest_months
                                                            : US_DIGEST_MONTHS;
        int rc = us_dstore_digest_window (store, (int) n, &link->first, &link->last);
        if (rc)
            return rc;
    }
    uint64_t since;
    int rc = us_dstore_checkpoint (store, &since);
    if (rc == 0)
        rc = us_dstore_epoch_acked (store, &link->epoch, &link->acked);
    if (rc == 0)
        rc = s_pull_send (link, flight, since);
    return rc;
}

static int s_pull_pages (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                         const us_sync_opts_t *opts, s_flight_t *flight);

/* Pulls pages of changes until caught up. */
int
us_sync_pull (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
              const us_sync_opts_t *opts)
{
    s_flight_t flight = { 0 };
    int rc = s_pull_first (link, store, &flight);
    return rc ? rc : s_pull_pages (link, stats, store, opts, &flight);
}

/* Reads the answer to the Pull in *flight (sent) and the pages after it
   until caught up; frees the flight. */
static int
s_pull_pages (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
              const us_sync_opts_t *opts, s_flight_t *pulled)
{
    /* One sync reads at most US_SYNC_PAGES pages (of 250 to 10,000 entries,
       more than a province's whole stream); a server that never says "no more"
       cannot keep the office pulling for ever. The next page is asked for
       as soon as a page arrives, before this one is written: the province
       reads it while the office writes (a first pull takes about half the
       time). The ask is for the checkpoint the page will leave; should the
       page leave another (a province that went back), it is asked again
       and the early answer dropped. */
    uint64_t since;
    s_flight_t flight = *pulled;
    pulled->buf = NULL;
    int64_t sent = s_clock_ms ();
    int rc = 0;
    for (int page = 0; rc == 0 && page < US_SYNC_PAGES; page++) {
        us_msg_t *reply;
        rc = s_await (link, &reply, &flight, 1, opts);
        s_flight_free (&flight);
        if (rc)
            return rc;
        rc = us_sync_expect (reply, US_MSG_CHANGES);
        bool more = rc == 0 && reply->changes.more;
        /* A page that stopped short of its limit with more to come was
           bounded by its bytes: full all the same. */
        link->page_limit = us_sync_page_next (link->page_limit, more,
                                              s_clock_ms () - sent, opts->timeout_ms);
        sent = s_clock_ms ();
        if (more && page + 1 < US_SYNC_PAGES)
            rc = s_pull_send (link, &flight, reply->changes.next);
        if (rc == 0)
            rc = us_dstore_apply (store, stats, &reply->changes);
        if (rc == 0 && !more && link->digest_months
        &&  reply->changes.digest.len == US_DIGEST_LEN) {
            memcpy (link->top, reply->changes.digest.data, US_DIGEST_LEN);
            link->has_top = true;
        }
        uint64_t asked = reply->changes.next;
        us_msg_destroy (&reply);
        if (rc == 0 && more && flight.buf && (rc = us_dstore_checkpoint (store, &since)) == 0
        &&  since != asked) {
            s_flight_free (&flight);
            sent = s_clock_ms ();
            rc = s_pull_send (link, &flight, since);
        }
        if (rc)
            break;
        if (opts->progress && (more || stats->pages > 1))
            fprintf (opts->progress, "  received page %zu\n", stats->pages);
        if (!more)
            return 0;
    }
    s_flight_free (&flight);
    if (rc)
        return rc;
    return us_error_set (US_EPROTO, "server sent more than %d pages in one sync; the rest "
                         "comes at the next sync", US_SYNC_PAGES);
}

/* Sets *same when the mirror's top digest of the link's months is the
   server's top of the last pull. */
static int
s_top_same (us_sync_link_t *link, us_dstore_t *store, bool *same)
{
    us_digest_t *mine;
    int rc = us_dstore_digest (store, &mine, link->first, link->last);
    if (rc)
        return rc;
    *same = memcmp (us_digest_top (mine), link->top, US_DIGEST_LEN) == 0;
    us_digest_destroy (&mine);
    return 0;
}

/* Returns true when month is in the ascending list. */
static bool
s_listed (const int *months, size_t n, int month)
{
    for (size_t i = 0; i < n && months [i] <= month; i++)
        if (months [i] == month)
            return true;
    return false;
}

/* Lists in *diff (room for US_DIGEST_MONTHS) the months whose digest
   differs between the server's and the mirror's, a month that has figures
   on one side only included, those with a draft left out. */
static int
s_diff (int *diff, size_t *n, const us_digests_t *theirs, us_dstore_t *store, int first,
        int last)
{
    *n = 0;
    us_digest_t *mine;
    int *drafts;
    size_t n_drafts, n_mine;
    int rc = us_dstore_digest (store, &mine, first, last);
    if (rc)
        return rc;
    rc = us_dstore_draft_months (store, &drafts, &n_drafts);
    if (rc) {
        us_digest_destroy (&mine);
        return rc;
    }
    const us_month_digest_t *m = us_digest_months (mine, &n_mine);
    size_t i = 0, k = 0;
    while (i < n_mine || k < theirs->count) {
        int a = i < n_mine ? m [i].month : INT32_MAX;
        int b = k < theirs->count ? theirs->months [k].month : INT32_MAX;
        int month = a < b ? a : b;
        bool differs = a != b
            || memcmp (m [i].hash, theirs->months [k].digest.data, US_DIGEST_LEN) != 0;
        if (differs && !s_listed (drafts, n_drafts, month) && *n < US_DIGEST_MONTHS)
            diff [(*n)++] = month;
        i += a == month;
        k += b == month;
    }
    free (drafts);
    us_digest_destroy (&mine);
    return 0;
}

/* Asks the server's month digests of the link's months and lists the
   months that differ; *settled is set when the mirror turns out to match
   after all (the server had moved on, and a pull caught up). */
static int
s_find_drift (us_sync_link_t *link, int *diff, size_t *n, bool *settled, us_sync_stats_t *stats,
              us_dstore_t *store, const us_sync_opts_t *opts)
{
    *n = 0;
    *settled = false;
    for (int round = 0; round < 3; round++) {
        us_msg_t req = { .type = US_MSG_DIGEST };
        req.digest = (us_digest_req_t) { link->first, link->last };
        us_msg_t *reply;
        uint64_t checkpoint;
        int rc = s_request (link, &reply, &req, opts);
        if (rc == 0)
            rc = us_sync_expect (reply, US_MSG_DIGESTS);
        if (rc == 0)
            rc = us_dstore_checkpoint (store, &checkpoint);
        /* Digests of a later state than the mirror's: catch up first (the
           last round compares whatever it has; a repair is never wrong). */
        bool behind = rc == 0 && reply->digests.head != checkpoint && round < 2;
        if (rc == 0 && !behind)
            rc = s_diff (diff, n, &reply->digests, store, link->first, link->last);
        us_msg_destroy (&reply);
        if (rc || !behind)
            return rc;
        rc = us_sync_pull (link, stats, store, opts);
        if (rc == 0 && link->has_top)
            rc = s_top_same (link, store, settled);
        if (rc || *settled)
            return rc;
    }
    return 0;
}

/* Re-pulls the months in diff whole, in pages of at most
   US_REPAIR_MONTHS months. */
static int
s_repair (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store, const int *diff,
          size_t n, const us_sync_opts_t *opts)
{
    size_t done = 0;
    int rc = 0;
    for (int guard = 0; rc == 0 && done < n && guard < US_SYNC_PAGES; guard++) {
        us_msg_t req = { .type = US_MSG_PULL };
        rc = us_dstore_checkpoint (store, &req.pull.since);
        req.pull.limit = 2000;              /* figures a page, as a pull asks */
        req.pull.months = diff + done;
        req.pull.n_months = n - done < US_REPAIR_MONTHS ? n - done : US_REPAIR_MONTHS;
        us_msg_t *reply = NULL;
        if (rc == 0)
            rc = s_request (link, &reply, &req, opts);
        if (rc == 0)
            rc = us_sync_expect (reply, US_MSG_CHANGES);
        const us_changes_t *c = rc == 0 ? &reply->changes : NULL;
        /* The page holds the first months asked, in order. */
        for (size_t i = 0; rc == 0 && i < c->n_months; i++)
            if (i >= req.pull.n_months || c->months [i] != req.pull.months [i])
                rc = us_error_set (US_EPROTO, "the server repaired other months than asked");
        if (rc == 0 && c->n_months == 0)
            rc = us_error_set (US_EPROTO, "the server repaired no month of those asked");
        if (rc == 0)
            rc = us_dstore_repair (store, c);
        for (size_t i = 0; rc == 0 && i < c->n_months; i++, done++)
            if (stats->repaired < US_SYNC_SHOWN)
                stats->repaired_months [stats->repaired++] = c->months [i];
            else
                stats->repaired++;
        us_msg_destroy (&reply);
    }
    return rc;
}

/* Anti-entropy, after the pull: proves the mirror equals the server's
   figures of its scope, or finds the months that differ and re-pulls them
   whole. Nothing to do with a server that sent no digest. */
int
us_sync_verify (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                const us_sync_opts_t *opts)
{
    if (!link->has_top)
        return 0;
    bool same;
    int rc = s_top_same (link, store, &same);
    if (rc || same) {
        stats->verified = rc == 0;
        return rc;
    }
    int *diff = calloc (US_DIGEST_MONTHS, sizeof *diff);
    if (!diff)
        return us_error_set (US_ENOMEM, "out of memory");
    size_t n;
    rc = s_find_drift (link, diff, &n, &same, stats, store, opts);
    if (rc == 0 && !same && n)
        rc = s_repair (link, stats, store, diff, n, opts);
    free (diff);
    if (rc == 0 && opts->progress && stats->repaired)
        fprintf (opts->progress, "  re-pulled %zu months that differed from the province\n",
                 stats->repaired);
    stats->verified = rc == 0;
    return rc;
}

/* Opens a link into *self_p; returns 0 or the code of the failure. */
static int
s_link_start (us_sync_link_t **self_p, const char *server, const char *server_key,
              const us_keys_t *keys)
{
    us_sync_link_t *self = *self_p = calloc (1, sizeof *self);
    if (!self)
        return us_error_set (US_ENOMEM, "out of memory");
    self->keys = keys;
    self->server = server;
    self->server_key = server_key;
    self->next_id = (uint64_t) us_hlc_wall_ms () << 8;
    self->page_limit = US_SYNC_PAGE_FIRST;
    self->ctx = zmq_ctx_new ();
    int rc = self->ctx ? s_link_open (self) : us_error_set (US_EIO, "cannot start ZeroMQ");
    if (rc)
        us_sync_link_destroy (self_p);
    return rc;
}

/* Opens a link to server as the replica of keys. */
us_sync_link_t *
us_sync_link_new (const char *server, const char *server_key, const us_keys_t *keys)
{
    us_sync_link_t *self;
    s_link_start (&self, server, server_key, keys);
    return self;
}

/* Closes the link and nulls the pointer; safe on NULL. */
void
us_sync_link_destroy (us_sync_link_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    us_sync_link_t *self = *self_p;
    s_link_close (self);
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    free (self);
    *self_p = NULL;
}

/* Sends req and waits for its reply, retrying with backoff. */
int
us_sync_link_request (us_sync_link_t *self, us_msg_t **reply_p, us_msg_t *req,
                      const us_sync_opts_t *opts)
{
    return s_request (self, reply_p, req, opts);
}

/* Returns how many sockets the link has opened. */
int
us_sync_link_sockets (us_sync_link_t *self)
{
    return self->socket_n;
}

/* Returns the wait for try number attempt of a request. */
int
us_sync_wait_ms (const us_sync_opts_t *opts, int attempt)
{
    int wait = opts->timeout_ms;
    for (int i = 0; i < attempt && wait < US_SYNC_BACKOFF_MAX_MS; i++)
        wait *= 2;
    return wait > US_SYNC_BACKOFF_MAX_MS && opts->timeout_ms < US_SYNC_BACKOFF_MAX_MS
         ? US_SYNC_BACKOFF_MAX_MS : wait;
}

/* Whether a sync's first Pull may go out behind its last batch (s_push):
   on a link the province greeted, where a refused batch is rare, and
   with no submission queued, whose answer changes what the pull brings
   (submissions go between the batches and the pull). One queued while
   the batches went (at the desk) waits for the next sync: the Pull's
   answer would come before the submission's and be dropped. */
static bool
s_behind_ok (us_sync_link_t *link, us_dstore_t *store)
{
    char period [64];
    return link->greeted
        && us_dstore_next_submit (store, period, sizeof period) == US_ENOTFOUND;
}

/* Pulls, going on from the Pull in *pull when s_push sent one. */
static int
s_pull_rest (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
             const us_sync_opts_t *opts, s_flight_t *pull)
{
    return pull->buf ? s_pull_pages (link, stats, store, opts, pull)
                     : us_sync_pull (link, stats, store, opts);
}

/* Pushes the outbox and the queued submissions, then pulls. */
static int
s_exchange (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
            const us_keys_t *keys, const us_sync_opts_t *opts)
{
    s_flight_t pull = { 0 };
    int rc = s_push (link, stats, store, keys, opts, s_behind_ok (link, store) ? &pull : NULL);
    if (rc == 0 && !pull.buf)
        rc = us_sync_submit (link, stats, store, opts);
    if (rc == 0)
        rc = s_pull_rest (link, stats, store, opts, &pull);
    s_flight_free (&pull);
    return rc;
}

/* Runs one session. */
int
us_sync_run (us_sync_stats_t *stats, us_dstore_t *store, const us_keys_t *keys,
             const us_sync_opts_t *opts)
{
    memset (stats, 0, sizeof *stats);
    int rc = us_dstore_relaxed (store, true);
    if (rc)
        return rc;
    us_sync_link_t *link;
    rc = s_link_start (&link, us_dstore_server (store), us_dstore_server_key (store), keys);
    if (rc == 0) rc = us_sync_hello (link, stats, store, opts);
    if (rc == 0) rc = s_exchange (link, stats, store, keys, opts);
    /* The province was put back from a backup after it answered our
       Hello (it refused a Push or a Pull): a new Hello lets it notice,
       and this store sends again what it lost. Twice at most: a province
       that keeps going back is named. */
    for (int again = 0; rc == US_EBEHIND && again < 2; again++) {
        if (opts->progress)
            fprintf (opts->progress, "  the province went back in time during this sync; "
                     "saying hello again\n");
        rc = us_sync_hello (link, stats, store, opts);
        if (rc == 0)
            rc = s_exchange (link, stats, store, keys, opts);
    }
    if (rc == 0) rc = us_sync_verify (link, stats, store, opts);
    us_sync_link_destroy (&link);
    int end = us_dstore_relaxed (store, false);
    return rc ? rc : end;
}

/* Returns how many connections the link has opened and lost, after
   reading the events waiting. */
uint64_t
us_sync_link_changes (us_sync_link_t *self)
{
    for (int i = 0; self->monitor && i < 1000; i++) {
        zmq_pollitem_t item = { self->monitor, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 0) <= 0 || !(item.revents & ZMQ_POLLIN))
            break;
        s_link_event (self);
    }
    return (uint64_t) self->socket_n + self->drops;
}

/* Pushes the outbox and the queued submissions, then pulls: with the top
   digest after a Hello (the session verifies it); without one, the digest
   is not asked, as nothing would check it and it costs the server a
   hashing of the office's months. */
static int
s_session_exchange (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                    const us_keys_t *keys, const us_sync_opts_t *opts, bool hello)
{
    uint32_t digest_months = link->digest_months;
    if (!hello)
        link->digest_months = 0;
    int rc = s_exchange (link, stats, store, keys, opts);
    link->digest_months = digest_months;
    return rc;
}

/* Runs a session on an open link, with or without Hello. */
int
us_sync_session (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                 const us_keys_t *keys, const us_sync_opts_t *opts, bool hello)
{
    memset (stats, 0, sizeof *stats);
    int rc = us_dstore_relaxed (store, true);
    if (rc == 0 && hello)
        rc = us_sync_hello (link, stats, store, opts);
    if (rc == 0)
        rc = s_session_exchange (link, stats, store, keys, opts, hello);
    /* The province holds less than it acknowledged (put back from a
       backup): Hello lets it notice and this store send again what it
       lost, as in us_sync_run. */
    for (int again = 0; rc == US_EBEHIND && again < 2; again++) {
        if (opts->progress)
            fprintf (opts->progress, "  the province went back in time; saying hello again\n");
        hello = true;
        rc = us_sync_hello (link, stats, store, opts);
        if (rc == 0)
            rc = s_session_exchange (link, stats, store, keys, opts, hello);
    }
    if (rc == 0 && hello)
        rc = us_sync_verify (link, stats, store, opts);
    int end = us_dstore_relaxed (store, false);
    return rc ? rc : end;
}

/* Formats ms since 1970 as a UTC time into when [32]. */
static void
s_when (char *when, int64_t ms)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (when, 32, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* Returns the restore the province declared that explains why head h,
   seen before it, is not in the chain any more: the head lay beyond the
   backup put back and, when the restore names the head before it, not
   beyond that head (and is that head, when of its length). NULL: none. */
static const us_restore_notice_t *
s_declared (const us_dstore_head_t *h, const us_welcome_t *w)
{
    for (size_t i = 0; i < w->n_restores; i++) {
        const us_restore_notice_t *r = &w->restores [i];
        if (h->seen_ms >= (int64_t) r->at || h->records <= r->backup)
            continue;
        if (r->before && (h->records > r->before
                          || (h->records == r->before && r->before_hash.len == 32
                              && memcmp (r->before_hash.data, h->hash, 32) != 0)))
            continue;
        return r;
    }
    return NULL;
}

/* Checks one run of held heads against the server's answer; a head that
   a restore the province declared cut off is said on out and counted in
   *declared. */
static int
s_heads_check (const us_dstore_head_t *heads, size_t n, const us_welcome_t *w,
               size_t *declared, FILE *out)
{
    if (w->n_audit_proof != n)
        return us_error_set (US_EPROTO, "the server answered %zu of %zu audit heads "
                             "(is it older than this office?)", w->n_audit_proof, n);
    for (size_t i = 0; i < n; i++) {
        const us_dstore_head_t *h = &heads [i];
        char text [US_HEAD_TEXT], when [32];
        s_when (when, h->seen_ms);
        us_keys_head_text (text, sizeof text, h->records, h->hash);
        if (us_keys_verify (h->key, h->signature, 64, (const uint8_t *) text, strlen (text)) != 0
        ||  memcmp (h->key, heads [0].key, 32) != 0)
            return us_error_set (US_ECORRUPT, "the audit head of %llu records kept here "
                                 "(seen %s) is not signed by the province's key",
                                 (unsigned long long) h->records, when);
        const us_bytes_t *p = &w->audit_proof [i];
        if (p->len == 32 && memcmp (p->data, h->hash, 32) == 0)
            continue;
        const us_restore_notice_t *r = s_declared (h, w);
        if (!r)
            return us_error_set (US_ECORRUPT, "audit head of %llu records (seen %s) is not in "
                                 "the server's chain any more: %s; its history was rewritten",
                                 (unsigned long long) h->records, when,
                                 p->len ? "the record hash differs" : "the chain is shorter");
        char at [32], from [96] = "an unknown head";
        s_when (at, (int64_t) r->at);
        if (r->before && r->before_hash.len == 32)
            snprintf (from, sizeof from, "head %llu (%02x%02x%02x%02x%02x%02x%02x%02x...)",
                      (unsigned long long) r->before, r->before_hash.data [0],
                      r->before_hash.data [1], r->before_hash.data [2], r->before_hash.data [3],
                      r->before_hash.data [4], r->before_hash.data [5], r->before_hash.data [6],
                      r->before_hash.data [7]);
        if (out)
            fprintf (out, "the province declared a restore at %s from %s back to the backup's "
                     "%llu records (%s by %s, record %llu): the head of %llu records seen "
                     "here at %s went with it\n", at, from, (unsigned long long) r->backup,
                     r->noticed ? "noticed" : "restored", r->by,
                     (unsigned long long) r->record, (unsigned long long) h->records, when);
        (*declared)++;
    }
    return 0;
}

/* Asks the server for the hash at each head this office holds. */
int
us_sync_audit_check (size_t *checked, size_t *declared, us_dstore_t *store,
                     const us_keys_t *keys, const us_sync_opts_t *opts, FILE *out)
{
    *checked = 0;
    *declared = 0;
    us_dstore_head_t *heads;
    size_t n;
    int rc = us_dstore_heads (store, &heads, &n);
    if (rc)
        return rc;
    if (n == 0) {
        free (heads);
        return us_error_set (US_ENOTFOUND, "this office holds no audit head yet; sync first");
    }
    us_sync_link_t *link;
    rc = s_link_start (&link, us_dstore_server (store), us_dstore_server_key (store), keys);
    uint64_t counts [US_MAX_HEADS];
    for (size_t at = 0; rc == 0 && at < n; at += US_MAX_HEADS) {
        size_t k = n - at < US_MAX_HEADS ? n - at : US_MAX_HEADS;
        us_msg_t req = { .type = US_MSG_HELLO };
        rc = us_dstore_hello (store, &req.hello);
        for (size_t i = 0; i < k; i++)
            counts [i] = heads [at + i].records;
        req.hello.wire = US_WIRE_VERSION;
        req.hello.audit_counts = counts;
        req.hello.n_audit_counts = k;
        us_msg_t *reply = NULL;
        if (rc == 0)
            rc = s_request (link, &reply, &req, opts);
        if (rc == 0)
            rc = us_sync_expect (reply, US_MSG_WELCOME);
        if (rc == 0)
            rc = s_heads_check (heads + at, k, &reply->welcome, declared, out);
        if (rc == 0 && at + k == n)
            rc = us_dstore_head_add (store, &reply->welcome);
        us_msg_destroy (&reply);
        if (rc == 0)
            *checked += k;
    }
    us_sync_link_destroy (&link);
    free (heads);
    return rc;
}
