/*  Unit tests for us_sync: the office's Lazy Pirate retries (timeout,
    backoff, a new socket for each try, giving up with every change kept)
    and its renumbering (a new epoch after a restored store, and after a
    batch refused with US_EEXIST), over real CURVE sockets and real store
    files. The server is a bare ROUTER in a thread of the test, answering
    by a script: it can stay silent, refuse, or answer as a server would. */
#include "us_args.h"
#include "us_codec.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_sync.h"
#include "us_limits.h"

#include "us_test.h"

#include <inttypes.h>
#include <pthread.h>
#include <unistd.h>
#include <zmq.h>

#define MAX_SEEN 64

/* One request the ROUTER received. */
typedef struct {
    int64_t at_ms;
    char peer [256];            /* the routing id: one per client socket */
    size_t peer_len;
    us_msg_type_t type;
    uint64_t request_id;
    uint32_t epoch;             /* of a Push */
    size_t count;               /* deltas of a Push */
    uint64_t first_seq;
} s_seen_t;

typedef struct s_router_t s_router_t;

/* Fills *reply for request number n of its type; returns false to stay silent. */
typedef bool (s_answer_fn) (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply);

/* The bare server: a CURVE ROUTER and the script that answers for it. */
struct s_router_t {
    void *ctx, *sock;
    char endpoint [64];
    us_keys_t keys;             /* its CURVE pair */
    char token [US_TOKEN_MAX];
    s_answer_fn *answer;
    uint32_t welcome_epoch;
    uint64_t welcome_high;
    const char *unit;
    bool refuse_all;            /* s_exists: refuse every Push, not only the first */
    us_result_t results [US_MAX_DELTAS > 512 ? 512 : US_MAX_DELTAS];
    pthread_t thread;
    volatile int stop;
    pthread_mutex_t lock;
    s_seen_t seen [MAX_SEEN];
    int n_seen;
    int per_type [16];
};

static s_router_t s_r;
static char s_dir [64], s_path [128];
static us_keys_t s_keys;        /* the office's keys */
static us_dstore_t *s_store;

/* Receives, records and answers requests until told to stop. */
static void *
s_router_loop (void *arg)
{
    s_router_t *r = arg;
    while (!r->stop) {
        zmq_pollitem_t item = { r->sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 20) <= 0)
            continue;
        zmq_msg_t id, body;
        zmq_msg_init (&id);
        zmq_msg_init (&body);
        if (zmq_msg_recv (&id, r->sock, 0) < 0 || zmq_msg_recv (&body, r->sock, 0) < 0) {
            zmq_msg_close (&id);
            zmq_msg_close (&body);
            continue;
        }
        us_msg_t *req = NULL;
        us_codec_decode (&req, zmq_msg_data (&body), zmq_msg_size (&body));
        zmq_msg_close (&body);
        if (!req) {
            zmq_msg_close (&id);
            continue;
        }
        pthread_mutex_lock (&r->lock);
        int n = r->per_type [req->type]++;
        if (r->n_seen < MAX_SEEN) {
            s_seen_t *s = &r->seen [r->n_seen++];
            memset (s, 0, sizeof *s);
            s->at_ms = us_hlc_wall_ms ();
            s->peer_len = zmq_msg_size (&id) < sizeof s->peer ? zmq_msg_size (&id) : sizeof s->peer;
            memcpy (s->peer, zmq_msg_data (&id), s->peer_len);
            s->type = req->type;
            s->request_id = req->request_id;
            if (req->type == US_MSG_PUSH) {
                s->epoch = req->push.epoch;
                s->count = req->push.count;
                s->first_seq = req->push.count ? req->push.deltas [0].seq : 0;
            }
        }
        pthread_mutex_unlock (&r->lock);
        us_msg_t reply = { .type = US_MSG_NONE, .wire = req->wire,
                           .request_id = req->request_id };
        if (r->answer (r, n, req, &reply)) {
            uint8_t *buf;
            size_t len;
            if (us_codec_encode (&buf, &len, &reply) == 0) {
                zmq_msg_send (&id, r->sock, ZMQ_SNDMORE);
                zmq_send (r->sock, buf, len, 0);
                free (buf);
            }
        }
        zmq_msg_close (&id);
        us_msg_destroy (&req);
    }
    return NULL;
}

/* Binds the ROUTER on a free port of 127.0.0.1. */
static void
s_router_bind (s_router_t *r)
{
    memset (r, 0, sizeof *r);
    pthread_mutex_init (&r->lock, NULL);
    cr_assert_eq (us_keys_generate (&r->keys, false), 0);
    us_keys_token (r->token, sizeof r->token, &r->keys);
    r->ctx = zmq_ctx_new ();
    r->sock = zmq_socket (r->ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    zmq_setsockopt (r->sock, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt (r->sock, ZMQ_CURVE_SECRETKEY, r->keys.curve_secret, 40);
    zmq_setsockopt (r->sock, ZMQ_LINGER, &zero, sizeof zero);
    cr_assert_eq (zmq_bind (r->sock, "tcp://127.0.0.1:*"), 0);
    size_t size = sizeof r->endpoint;
    cr_assert_eq (zmq_getsockopt (r->sock, ZMQ_LAST_ENDPOINT, r->endpoint, &size), 0);
    r->unit = "QT.DAKRONG";
}

/* Starts answering with the script answer. */
static void
s_router_start (s_router_t *r, s_answer_fn *answer)
{
    r->answer = answer;
    cr_assert_eq (pthread_create (&r->thread, NULL, s_router_loop, r), 0);
}

/* Returns a copy of what the ROUTER saw so far, and how many. */
static int
s_router_seen (s_router_t *r, s_seen_t *out)
{
    pthread_mutex_lock (&r->lock);
    int n = r->n_seen;
    memcpy (out, r->seen, sizeof r->seen);
    pthread_mutex_unlock (&r->lock);
    return n;
}

static void
s_setup (void)
{
    s_router_bind (&s_r);
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (s_path, sizeof s_path, s_dir, "office.db");
    cr_assert_eq (us_keys_generate (&s_keys, true), 0);
    int rc = us_dstore_create (&s_store, s_path, "QT.DAKRONG", s_r.endpoint, s_r.token);
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
}

static void
s_teardown (void)
{
    s_r.stop = 1;
    if (s_r.answer)
        pthread_join (s_r.thread, NULL);
    zmq_close (s_r.sock);
    zmq_ctx_term (s_r.ctx);
    us_dstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (sync, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* Records n edits of the office's own unit. */
static void
s_edits (int n)
{
    for (int i = 0; i < n; i++) {
        char value [16];
        snprintf (value, sizeof value, "%d", 10 + i);
        int rc = us_dstore_set (s_store, "QT.DAKRONG", i % 2 ? "2022-06" : "2022-05",
                                i < 2 ? "members.new" : "cdcs.new", value, NULL, "ketoan");
        cr_assert_eq (rc, 0, "%s", us_error_msg ());
    }
}

/* Returns how many edits wait in the outbox (of the store file, opened
   afresh) and the epoch they carry. */
static size_t
s_outbox (uint32_t *epoch)
{
    us_dstore_t *d;
    cr_assert_eq (us_dstore_open (&d, s_path), 0, "%s", us_error_msg ());
    us_push_t push;
    cr_assert_eq (us_dstore_batch (d, &push, 0, 100), 0);
    size_t n = push.count;
    if (epoch)
        *epoch = push.epoch;
    us_dstore_destroy (&d);
    return n;
}

/* Answers a Hello as a server would: the Welcome the test set. */
static void
s_welcome (s_router_t *r, us_msg_t *reply)
{
    reply->type = US_MSG_WELCOME;
    reply->welcome = (us_welcome_t) { .server_time = us_hlc_make (us_hlc_wall_ms (), 0),
        .epoch = r->welcome_epoch, .high_water = r->welcome_high, .unit = r->unit,
        .head = 0, .wire = US_WIRE_VERSION, .min_wire = 1 };
}

/* Accepts every delta of a Push. */
static void
s_accept (s_router_t *r, const us_msg_t *req, us_msg_t *reply)
{
    size_t n = req->push.count;
    cr_assert_leq (n, sizeof r->results / sizeof r->results [0]);
    for (size_t i = 0; i < n; i++)
        r->results [i] = (us_result_t) { .seq = req->push.deltas [i].seq,
            .outcome = US_OUTCOME_ACCEPTED, .reason = "", .version = 1,
            .value = req->push.deltas [i].value };
    reply->type = US_MSG_PUSH_ACK;
    reply->push_ack = (us_push_ack_t) { n, r->results };
}

/* Answers as a healthy server with nothing to send down. */
static bool
s_serve (s_router_t *r, const us_msg_t *req, us_msg_t *reply)
{
    switch (req->type) {
        case US_MSG_HELLO: s_welcome (r, reply); return true;
        case US_MSG_PUSH:  s_accept (r, req, reply); return true;
        case US_MSG_PULL:
            reply->type = US_MSG_CHANGES;
            memset (&reply->changes, 0, sizeof reply->changes);
            return true;
        default:
            return false;
    }
}

/* ------------------------------------------------------------------ retries */

/* The wait doubles at each retry up to 8 s, and is never cut below the
   first when that is longer. */
Test (sync, backoff_schedule)
{
    us_sync_opts_t o = { .timeout_ms = 3000 };
    int want [] = { 3000, 6000, 8000, 8000, 8000 };
    for (int i = 0; i < 5; i++)
        cr_assert_eq (us_sync_wait_ms (&o, i), want [i], "try %d", i);
    o.timeout_ms = 100;
    int small [] = { 100, 200, 400, 800, 1600, 3200, 6400, 8000, 8000 };
    for (int i = 0; i < 9; i++)
        cr_assert_eq (us_sync_wait_ms (&o, i), small [i], "try %d", i);
    o.timeout_ms = 10000;
    cr_assert_eq (us_sync_wait_ms (&o, 0), 10000);
    cr_assert_eq (us_sync_wait_ms (&o, 3), 10000);
    o.timeout_ms = 600000;
    cr_assert_eq (us_sync_wait_ms (&o, 50), 600000);
}

/* A pull's page doubles after a full page that came within a quarter of
   the first wait, up to US_PAGE_MAX; halves after one that took over half
   of it, down to US_SYNC_PAGE_MIN; stays otherwise, and after the last
   (short) page. */
Test (sync, page_follows_the_link)
{
    uint32_t limit = US_SYNC_PAGE_FIRST;
    uint32_t grown [] = { 4000, 8000, 10000, 10000 };
    for (int i = 0; i < 4; i++) {
        limit = us_sync_page_next (limit, true, 100, 3000);
        cr_assert_eq (limit, grown [i], "fast page %d: %u", i, limit);
    }
    cr_assert_eq (us_sync_page_next (4000, false, 10, 3000), 4000, "the last page says nothing");
    cr_assert_eq (us_sync_page_next (4000, true, 750, 3000), 4000, "neither fast nor slow");
    cr_assert_eq (us_sync_page_next (4000, true, 1500, 3000), 4000);
    uint32_t shrunk [] = { 1000, 500, 250, 250 };
    limit = US_SYNC_PAGE_FIRST;
    for (int i = 0; i < 4; i++) {
        limit = us_sync_page_next (limit, true, 1501, 3000);
        cr_assert_eq (limit, shrunk [i], "slow page %d: %u", i, limit);
    }
    cr_assert_eq (us_sync_page_next (10000, false, 20000, 3000), 5000, "slow even when last");
    cr_assert_eq (us_sync_page_next (2000, true, 2000, 10000), 4000, "the wait is the yardstick");
}

/* Stays silent for the first two tries of any request. */
static bool
s_silent_twice (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    return n >= 2 && s_serve (r, req, reply);
}

/* A request unanswered twice is sent again, the same request (same id),
   each time on a new socket, after a doubling wait; the third answer is
   taken. */
Test (sync, retry_reopens_with_backoff)
{
    s_router_start (&s_r, s_silent_twice);
    us_sync_link_t *link = us_sync_link_new (s_r.endpoint, us_dstore_server_key (s_store),
                                             &s_keys);
    cr_assert_not_null (link, "%s", us_error_msg ());
    us_sync_opts_t o = { .timeout_ms = 150, .retries = 4 };
    us_msg_t req = { .type = US_MSG_HELLO, .hello = { .epoch = 1, .wire = US_WIRE_VERSION } };
    us_msg_t *reply = NULL;
    int64_t t0 = us_hlc_wall_ms ();
    int rc = us_sync_link_request (link, &reply, &req, &o);
    int64_t took = us_hlc_wall_ms () - t0;
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    cr_assert_eq (reply->type, US_MSG_WELCOME);
    cr_assert_eq (reply->request_id, req.request_id);
    us_msg_destroy (&reply);
    cr_assert_eq (us_sync_link_sockets (link), 3, "one socket per try");

    s_seen_t seen [MAX_SEEN];
    int n = s_router_seen (&s_r, seen);
    cr_assert_eq (n, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq (seen [i].request_id, req.request_id, "try %d repeats the request", i);
    for (int i = 1; i < 3; i++) {
        bool same = seen [i].peer_len == seen [i - 1].peer_len
                 && memcmp (seen [i].peer, seen [i - 1].peer, seen [i].peer_len) == 0;
        cr_assert_not (same, "try %d came from a new socket", i);
    }
    /* 150 ms, then 300 ms before the third try; each try reaches the
       ROUTER after its socket's CURVE handshake, which moves the arrivals
       by some ms either way, so the gaps are checked loosely and the
       client's own time exactly. */
    int64_t gap1 = seen [1].at_ms - seen [0].at_ms, gap2 = seen [2].at_ms - seen [1].at_ms;
    cr_assert_geq (gap1, 100, "first wait %" PRId64 " ms", gap1);
    cr_assert_geq (gap2, 250, "second wait %" PRId64 " ms", gap2);
    cr_assert_gt (gap2, gap1 + 50, "the wait doubles: %" PRId64 " then %" PRId64, gap1, gap2);
    cr_assert_geq (took, 150 + 300, "answered after %" PRId64 " ms", took);
    us_sync_link_destroy (&link);
    us_sync_link_destroy (&link);
    cr_assert_null (link);
}

/* Never answers. */
static bool
s_never (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    (void) r, (void) n, (void) req, (void) reply;
    return false;
}

/* A server that never answers: the session gives up after its tries with
   US_EUNREACH (the command's exit 3), and every edit stays in the store. */
Test (sync, gives_up_keeping_changes)
{
    s_edits (3);
    s_router_start (&s_r, s_never);
    us_sync_opts_t o = { .timeout_ms = 100, .retries = 3, .batch = 500 };
    us_sync_stats_t st;
    int64_t t0 = us_hlc_wall_ms ();
    int rc = us_sync_run (&st, s_store, &s_keys, &o);
    int64_t took = us_hlc_wall_ms () - t0;
    cr_assert_eq (rc, US_EUNREACH, "%d: %s", rc, us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "after 3 tries"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "every change is kept"), "%s", us_error_msg ());
    cr_assert_geq (took, 100 + 200 + 400 - 30, "gave up after %" PRId64 " ms", took);
    cr_assert_lt (took, 5000);
    s_seen_t seen [MAX_SEEN];
    cr_assert_eq (s_router_seen (&s_r, seen), 3, "one Hello per try");
    cr_assert_eq (st.pushed, 0);
    cr_assert_eq (us_args_fail (rc), US_EXIT_UNREACHABLE);
    us_dstore_destroy (&s_store);
    cr_assert_eq (s_outbox (NULL), 3, "the edits wait for the next sync");
}

/* Makes reply the Error a refusing server sends; returns true (answer). */
static bool
s_refuse (us_msg_t *reply, int code, const char *message)
{
    reply->type = US_MSG_ERROR;
    reply->error = (us_error_reply_t) { code, message };
    return true;
}

/* Answers every Hello with an Error that says to upgrade, as a server
   run with --min-wire above this office's wire does. */
static bool
s_upgrade (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    (void) r, (void) n, (void) req;
    return s_refuse (reply, US_EVERSION, "this office's unionsync speaks wire 2; "
                     "the province's server accepts wire 3 and later");
}

/* A server that no longer accepts this wire: one clear error, "upgrade
   unionsync", at once (no retries), exit 1, edits kept. */
Test (sync, refused_wire_says_upgrade)
{
    s_edits (1);
    s_router_start (&s_r, s_upgrade);
    us_sync_opts_t o = { .timeout_ms = 2000, .retries = 4, .batch = 500 };
    us_sync_stats_t st;
    int64_t t0 = us_hlc_wall_ms ();
    int rc = us_sync_run (&st, s_store, &s_keys, &o);
    cr_assert_eq (rc, US_EVERSION, "%d: %s", rc, us_error_msg ());
    cr_assert_lt (us_hlc_wall_ms () - t0, 1500, "refused at once, not retried");
    cr_assert_eq (strncmp (us_error_msg (), "upgrade unionsync", 17), 0, "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "wire 3"), "%s", us_error_msg ());
    cr_assert_eq (us_args_fail (rc), US_EXIT_RUNTIME);
    us_dstore_destroy (&s_store);
    cr_assert_eq (s_outbox (NULL), 1);
}

/* Answers as a server of an older wire answers a message it cannot read:
   an Error of request id 0, in wire 1. */
static bool
s_old_server (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    (void) r, (void) n, (void) req;
    reply->type = US_MSG_ERROR;
    reply->wire = 1;
    reply->request_id = 0;
    reply->error = (us_error_reply_t) { US_EPROTO, "unsupported wire version 2" };
    return true;
}

/* An Error of id 0 (the server could not read the request) is the answer,
   not a stray reply to wait past. */
Test (sync, unreadable_request_answered)
{
    s_router_start (&s_r, s_old_server);
    us_sync_opts_t o = { .timeout_ms = 3000, .retries = 3, .batch = 500 };
    us_sync_stats_t st;
    int64_t t0 = us_hlc_wall_ms ();
    int rc = us_sync_run (&st, s_store, &s_keys, &o);
    cr_assert_eq (rc, US_EPROTO, "%d: %s", rc, us_error_msg ());
    cr_assert_lt (us_hlc_wall_ms () - t0, 2000);
    cr_assert_not_null (strstr (us_error_msg (), "unsupported wire version 2"), "%s",
                        us_error_msg ());
}

/* --------------------------------------------------------------- renumbering */

/* Welcomes with the high-water mark the test set; accepts pushes. */
static bool
s_healthy (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    (void) n;
    return s_serve (r, req, reply);
}

/* A store restored from a backup: the server has seen seq 10 of epoch 1,
   the store issued only 2. Its unsent edits start epoch 2, numbered from
   1, and go out under it. */
Test (sync, restored_store_new_epoch)
{
    s_edits (2);
    s_r.welcome_epoch = 1;
    s_r.welcome_high = 10;
    s_router_start (&s_r, s_healthy);
    us_sync_link_t *link = us_sync_link_new (s_r.endpoint, us_dstore_server_key (s_store),
                                             &s_keys);
    cr_assert_not_null (link);
    us_sync_opts_t o = { .timeout_ms = 2000, .retries = 2, .batch = 500 };
    us_sync_stats_t st = { 0 };
    cr_assert_eq (us_sync_hello (link, &st, s_store, &o), 0, "%s", us_error_msg ());
    cr_assert (st.new_epoch, "a new epoch after the restore");
    uint32_t epoch;
    cr_assert_eq (s_outbox (&epoch), 2);
    cr_assert_eq (epoch, 2);
    cr_assert_eq (us_sync_push (link, &st, s_store, &s_keys, &o), 0, "%s", us_error_msg ());
    cr_assert_eq (st.accepted, 2);
    s_seen_t seen [MAX_SEEN];
    int n = s_router_seen (&s_r, seen);
    cr_assert_eq (n, 2);
    cr_assert_eq (seen [1].type, US_MSG_PUSH);
    cr_assert_eq (seen [1].epoch, 2);
    cr_assert_eq (seen [1].first_seq, 1);
    cr_assert_eq (s_outbox (NULL), 0);
    us_sync_link_destroy (&link);
}

/* A store that issued as many sequences as the server saw: no new epoch. */
Test (sync, same_store_keeps_epoch)
{
    s_edits (2);
    s_r.welcome_epoch = 1;
    s_r.welcome_high = 0;
    s_router_start (&s_r, s_healthy);
    us_sync_opts_t o = { .timeout_ms = 2000, .retries = 2, .batch = 500 };
    us_sync_stats_t st;
    cr_assert_eq (us_sync_run (&st, s_store, &s_keys, &o), 0, "%s", us_error_msg ());
    cr_assert_not (st.new_epoch);
    s_seen_t seen [MAX_SEEN];
    int n = s_router_seen (&s_r, seen);
    cr_assert_geq (n, 2);
    cr_assert_eq (seen [1].type, US_MSG_PUSH);
    cr_assert_eq (seen [1].epoch, 1);
    cr_assert_eq (seen [1].first_seq, 1);
    cr_assert_eq (st.accepted, 2);
}

/* Refuses the first Push (every Push with refuse_all) with US_EEXIST, as
   the merge does when a seq names another edit; answers the rest. */
static bool
s_exists (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    if (req->type == US_MSG_PUSH && (n == 0 || r->refuse_all))
        return s_refuse (reply, US_EEXIST, "sequence 1 of epoch 1 names another edit: "
                         "this store was restored from a backup");
    return s_serve (r, req, reply);
}

/* The server refuses a batch because its seqs name other edits (a restore
   the Welcome could not reveal): the store starts epoch 2, renumbers, and
   sends its edits again, which are accepted. */
Test (sync, refused_batch_renumbers)
{
    s_edits (3);
    s_r.welcome_epoch = 1;
    s_router_start (&s_r, s_exists);
    us_sync_opts_t o = { .timeout_ms = 2000, .retries = 2, .batch = 2 };
    us_sync_stats_t st;
    cr_assert_eq (us_sync_run (&st, s_store, &s_keys, &o), 0, "%s", us_error_msg ());
    cr_assert (st.new_epoch);
    cr_assert_eq (st.accepted, 3);
    s_seen_t seen [MAX_SEEN];
    int n = s_router_seen (&s_r, seen);
    int pushes = 0;
    uint32_t last_epoch = 0;
    size_t sent_after = 0;
    for (int i = 0; i < n; i++)
        if (seen [i].type == US_MSG_PUSH) {
            if (pushes++ == 0)
                cr_assert_eq (seen [i].epoch, 1);
            else {
                last_epoch = seen [i].epoch;
                if (seen [i].epoch == 2)
                    sent_after += seen [i].count;
            }
        }
    cr_assert_eq (last_epoch, 2, "the edits go again under epoch 2");
    cr_assert_eq (sent_after, 3, "every edit is sent under the new epoch");
    cr_assert_eq (s_outbox (NULL), 0);
}

/* Refused again after renumbering: the session stops with US_EEXIST (it
   renumbers once per sync, not in a loop) and keeps every edit. */
Test (sync, refused_twice_stops)
{
    s_edits (2);
    s_r.welcome_epoch = 1;
    s_r.refuse_all = true;
    s_router_start (&s_r, s_exists);
    us_sync_opts_t o = { .timeout_ms = 2000, .retries = 2, .batch = 500 };
    us_sync_stats_t st;
    int rc = us_sync_run (&st, s_store, &s_keys, &o);
    cr_assert_eq (rc, US_EEXIST, "%d: %s", rc, us_error_msg ());
    cr_assert_eq (st.accepted, 0);
    us_dstore_destroy (&s_store);
    cr_assert_eq (s_outbox (NULL), 2);
}

/* The Push carries its batch as signed bytes: the ROUTER's decoder finds
   a signature that verifies over them with the office's key. */
static bool
s_check_signature (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    (void) n;
    if (req->type == US_MSG_PUSH) {
        int ok = us_keys_verify (s_keys.sign_public, req->push.signature,
                                 req->push.signature_len, req->push.batch,
                                 req->push.batch_len) == 0 && req->wire == US_WIRE_VERSION;
        if (!ok)
            return s_refuse (reply, US_EPERM, "push signature does not verify");
    }
    return s_serve (r, req, reply);
}

/* The office signs the batch bytes it sends, in the current wire. */
Test (sync, push_signs_its_bytes)
{
    s_edits (4);
    s_router_start (&s_r, s_check_signature);
    us_sync_opts_t o = { .timeout_ms = 2000, .retries = 2, .batch = 3 };
    us_sync_stats_t st;
    cr_assert_eq (us_sync_run (&st, s_store, &s_keys, &o), 0, "%s", us_error_msg ());
    cr_assert_eq (st.accepted, 4);
}

/* ------------------------------------------------------------------ kept link */

/* Counts the requests of type among those seen from index from on. */
static int
s_count (const s_seen_t *seen, int from, int n, us_msg_type_t type)
{
    int k = 0;
    for (int i = from; i < n; i++)
        k += seen [i].type == type;
    return k;
}

/* The options of the kept-link tests. */
static const us_sync_opts_t s_kept = { .timeout_ms = 2000, .retries = 2, .batch = 500 };

/* Records edits edits, starts the test router answering with answer,
   opens a kept link to it and runs its first session (with Hello when
   hello); asserts it succeeded. *mark is the link's count of connection
   changes before the session. The caller destroys *link_p. */
static void
s_session_start (us_sync_link_t **link_p, uint64_t *mark, us_sync_stats_t *st,
                 s_answer_fn *answer, int edits, bool hello)
{
    if (edits)
        s_edits (edits);
    s_router_start (&s_r, answer);
    *link_p = us_sync_link_new (s_r.endpoint, us_dstore_server_key (s_store), &s_keys);
    cr_assert_not_null (*link_p, "%s", us_error_msg ());
    *mark = us_sync_link_changes (*link_p);
    cr_assert_eq (us_sync_session (*link_p, st, s_store, &s_keys, &s_kept, hello), 0, "%s",
                  us_error_msg ());
}

/* A session on a kept link: with Hello the first time, then only Push and
   Pull, on the same socket and with no new handshake. */
Test (sync, session_without_hello_on_kept_link)
{
    us_sync_link_t *link;
    us_sync_stats_t st;
    uint64_t mark;
    s_session_start (&link, &mark, &st, s_healthy, 2, true);
    cr_assert_eq (st.accepted, 2);
    s_seen_t seen [MAX_SEEN];
    int first = s_router_seen (&s_r, seen);
    cr_assert_eq (s_count (seen, 0, first, US_MSG_HELLO), 1);
    s_edits (1);
    cr_assert_eq (us_sync_session (link, &st, s_store, &s_keys, &s_kept, false), 0, "%s",
                  us_error_msg ());
    cr_assert_eq (st.accepted, 1);
    int n = s_router_seen (&s_r, seen);
    cr_assert_eq (s_count (seen, first, n, US_MSG_HELLO), 0, "no Hello the second time");
    cr_assert_eq (s_count (seen, first, n, US_MSG_PUSH), 1);
    cr_assert_eq (s_count (seen, first, n, US_MSG_PULL), 1);
    cr_assert_eq (seen [n - 1].peer_len, seen [0].peer_len);
    cr_assert (memcmp (seen [n - 1].peer, seen [0].peer, seen [0].peer_len) == 0,
               "the same connection");
    cr_assert_eq (us_sync_link_sockets (link), 1);
    cr_assert_eq (us_sync_link_changes (link), mark, "nothing dropped");
    cr_assert_eq (s_outbox (NULL), 0);
    us_sync_link_destroy (&link);
    us_sync_link_destroy (&link);
}

/* Answers as s_serve; before answering a Push, waits a little and notes
   whether the office's next request already waits on the socket. */
static volatile int s_waiting_behind = -1;
static bool
s_notes_behind (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    (void) n;
    if (req->type == US_MSG_PUSH) {
        usleep (100 * 1000);
        zmq_pollitem_t item = { r->sock, 0, ZMQ_POLLIN, 0 };
        s_waiting_behind = zmq_poll (&item, 1, 0) > 0;
    }
    return s_serve (r, req, reply);
}

/* A session without Hello on a greeted link sends its Pull right behind
   the last batch, before the batch's answer: the province answers both
   in order, and the edit and the pull end as in two round trips. */
Test (sync, session_without_hello_pulls_behind_the_push)
{
    us_sync_link_t *link;
    us_sync_stats_t st;
    uint64_t mark;
    s_session_start (&link, &mark, &st, s_notes_behind, 2, true);
    s_seen_t seen [MAX_SEEN];
    int first = s_router_seen (&s_r, seen);
    s_edits (1);
    cr_assert_eq (us_sync_session (link, &st, s_store, &s_keys, &s_kept, false), 0, "%s",
                  us_error_msg ());
    cr_assert_eq (st.accepted, 1);
    cr_assert_eq (s_waiting_behind, 1, "the Pull was on its way before the Push's answer");
    int n = s_router_seen (&s_r, seen);
    cr_assert_eq (n - first, 2);
    cr_assert_eq (seen [first].type, US_MSG_PUSH);
    cr_assert_eq (seen [first + 1].type, US_MSG_PULL);
    cr_assert_eq (s_outbox (NULL), 0);
    /* Nothing to send: the Pull alone, after no batch. */
    cr_assert_eq (us_sync_session (link, &st, s_store, &s_keys, &s_kept, false), 0, "%s",
                  us_error_msg ());
    n = s_router_seen (&s_r, seen);
    cr_assert_eq (seen [n - 1].type, US_MSG_PULL);
    cr_assert_eq (s_count (seen, first + 2, n, US_MSG_PUSH), 0);
    us_sync_link_destroy (&link);
}

/* Answers as s_serve, a Pull 150 ms late. */
static bool
s_slow_pull (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    (void) n;
    if (req->type == US_MSG_PULL)
        usleep (150 * 1000);
    return s_serve (r, req, reply);
}

/* A session says when its edits' answer was settled (what the office desk
   shows the clerk as the province's acknowledgement): before the Pull
   behind it came back, not at the session's end; none without a push. */
Test (sync, session_says_when_its_push_was_answered)
{
    us_sync_link_t *link;
    us_sync_stats_t st;
    uint64_t mark;
    s_session_start (&link, &mark, &st, s_slow_pull, 0, true);
    cr_assert_eq (st.acked_ms, 0, "nothing pushed, nothing answered");
    s_edits (1);
    int64_t start = us_hlc_wall_ms ();
    cr_assert_eq (us_sync_session (link, &st, s_store, &s_keys, &s_kept, false), 0, "%s",
                  us_error_msg ());
    int64_t end = us_hlc_wall_ms ();
    cr_assert_eq (st.accepted, 1);
    cr_assert_geq (st.acked_ms, start);
    cr_assert_leq (st.acked_ms + 100, end, "settled at %" PRId64 " ms of a session of %" PRId64,
                   st.acked_ms - start, end - start);
    us_sync_link_destroy (&link);
}

/* A sync with Hello sends its Pull right behind its last batch too. */
Test (sync, run_pulls_behind_the_push)
{
    s_edits (3);
    s_router_start (&s_r, s_notes_behind);
    us_sync_opts_t o = { .timeout_ms = 2000, .retries = 2, .batch = 2 };
    us_sync_stats_t st;
    cr_assert_eq (us_sync_run (&st, s_store, &s_keys, &o), 0, "%s", us_error_msg ());
    cr_assert_eq (st.accepted, 3);
    cr_assert_eq (s_waiting_behind, 1, "the Pull was on its way before the last answer");
    s_seen_t seen [MAX_SEEN];
    int n = s_router_seen (&s_r, seen);
    cr_assert_eq (n, 4);
    cr_assert_eq (seen [0].type, US_MSG_HELLO);
    cr_assert_eq (seen [1].type, US_MSG_PUSH);
    cr_assert_eq (seen [2].type, US_MSG_PUSH);
    cr_assert_eq (seen [3].type, US_MSG_PULL);
    cr_assert_eq (s_outbox (NULL), 0);
}

/* Answers as s_serve, and takes a Submit. */
static bool
s_serve_submit (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    (void) n;
    if (req->type == US_MSG_SUBMIT) {
        reply->type = US_MSG_SUBMIT_ACK;
        reply->submit_ack = (us_submit_ack_t) { true, "", "submitted" };
        return true;
    }
    return s_serve (r, req, reply);
}

/* A queued submission goes between the batches and the Pull, which then
   waits for its answer. */
Test (sync, run_with_a_submission_pulls_after_it)
{
    s_edits (1);
    cr_assert_eq (us_dstore_submit_as (s_store, "2022-05", false), 0, "%s", us_error_msg ());
    s_router_start (&s_r, s_serve_submit);
    us_sync_opts_t o = { .timeout_ms = 2000, .retries = 2, .batch = 500 };
    us_sync_stats_t st;
    cr_assert_eq (us_sync_run (&st, s_store, &s_keys, &o), 0, "%s", us_error_msg ());
    s_seen_t seen [MAX_SEEN];
    int n = s_router_seen (&s_r, seen);
    cr_assert_eq (n, 4);
    cr_assert_eq (seen [1].type, US_MSG_PUSH);
    cr_assert_eq (seen [2].type, US_MSG_SUBMIT);
    cr_assert_eq (seen [3].type, US_MSG_PULL);
}

/* Refuses the second Push (the first of a session without Hello) as
   naming other edits. */
static bool
s_exists_later (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    if (req->type == US_MSG_PUSH && n == 1)
        return s_refuse (reply, US_EEXIST, "sequence 3 of epoch 1 names another edit: "
                         "this store was restored from a backup");
    return s_serve (r, req, reply);
}

/* A batch refused with a Pull already behind it: the store renumbers and
   sends again, the early Pull's answer is dropped, and a new Pull goes
   behind the new batch; nothing is lost or waits for a timeout. */
Test (sync, session_without_hello_renumbers_with_a_pull_behind)
{
    us_sync_link_t *link;
    us_sync_stats_t st;
    uint64_t mark;
    s_r.welcome_epoch = 1;
    s_session_start (&link, &mark, &st, s_exists_later, 2, true);
    s_seen_t seen [MAX_SEEN];
    int first = s_router_seen (&s_r, seen);
    s_edits (1);
    int64_t t0 = us_hlc_wall_ms ();
    cr_assert_eq (us_sync_session (link, &st, s_store, &s_keys, &s_kept, false), 0, "%s",
                  us_error_msg ());
    cr_assert_lt (us_hlc_wall_ms () - t0, s_kept.timeout_ms, "no wait for a lost answer");
    cr_assert (st.new_epoch);
    cr_assert_eq (st.accepted, 1);
    int n = s_router_seen (&s_r, seen);
    cr_assert_eq (s_count (seen, first, n, US_MSG_PUSH), 2);
    cr_assert_eq (s_count (seen, first, n, US_MSG_PULL), 2);
    cr_assert_eq (seen [n - 1].type, US_MSG_PULL, "the new Pull behind the new batch");
    cr_assert_eq (s_outbox (NULL), 0);
    us_sync_link_destroy (&link);
}

/* Refuses the first Push as a province put back from a backup does. */
static bool
s_behind (s_router_t *r, int n, const us_msg_t *req, us_msg_t *reply)
{
    if (req->type == US_MSG_PUSH && n == 0)
        return s_refuse (reply, US_EBEHIND, "the province acknowledged seq 3 and holds "
                         "only up to 1");
    return s_serve (r, req, reply);
}

/* A session without Hello whose batch the province refuses because it
   went back in time says Hello, then sends the batch again. */
Test (sync, session_without_hello_greets_a_province_gone_back)
{
    us_sync_link_t *link;
    us_sync_stats_t st;
    uint64_t mark;
    s_session_start (&link, &mark, &st, s_behind, 2, false);
    cr_assert_eq (st.accepted, 2);
    s_seen_t seen [MAX_SEEN];
    int n = s_router_seen (&s_r, seen);
    cr_assert_geq (n, 3);
    cr_assert_eq (seen [0].type, US_MSG_PUSH);
    cr_assert_eq (seen [1].type, US_MSG_HELLO, "Hello after the refusal");
    cr_assert_eq (seen [2].type, US_MSG_PUSH, "then the batch again");
    cr_assert_eq (s_outbox (NULL), 0);
    us_sync_link_destroy (&link);
}

/* The server's end of the connection goes away (a restart): the link's
   count of connections moves, and the link carries on with the server
   bound again at the same address. */
Test (sync, link_changes_count_a_dropped_connection)
{
    us_sync_link_t *link;
    us_sync_stats_t st;
    uint64_t mark;
    s_session_start (&link, &mark, &st, s_healthy, 0, true);
    cr_assert_eq (us_sync_link_changes (link), mark, "a session drops nothing");
    s_r.stop = 1;
    pthread_join (s_r.thread, NULL);
    zmq_close (s_r.sock);
    bool moved = false;
    for (int i = 0; i < 200 && !moved; i++) {
        moved = us_sync_link_changes (link) != mark;
        if (!moved)
            usleep (10000);
    }
    cr_assert (moved, "the dropped connection is counted");
    s_r.sock = zmq_socket (s_r.ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    zmq_setsockopt (s_r.sock, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt (s_r.sock, ZMQ_CURVE_SECRETKEY, s_r.keys.curve_secret, 40);
    zmq_setsockopt (s_r.sock, ZMQ_LINGER, &zero, sizeof zero);
    cr_assert_eq (zmq_bind (s_r.sock, s_r.endpoint), 0);
    s_r.stop = 0;
    s_router_start (&s_r, s_healthy);
    s_edits (1);
    cr_assert_eq (us_sync_session (link, &st, s_store, &s_keys, &s_kept, true), 0, "%s",
                  us_error_msg ());
    cr_assert_eq (st.accepted, 1);
    us_sync_link_destroy (&link);
}
