/*  us_handler: turns one request from a replica into one reply. */
#include "us_handler.h"
#include "us_codec.h"
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_log.h"
#include "us_merge.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_DEFAULT 1000
#define PAGE_MAX     5000

struct _us_handler_t {
    us_pstore_t *store;
    us_hlc_t clock;
    uint32_t min_wire;      /* the oldest wire version accepted */
    uint64_t requests, errors, deltas;
};

/* Strings copied out of SQLite rows for one reply; freed together. */
typedef struct {
    char **items;
    size_t count, cap;
    bool failed;
} s_strings_t;

/* Copies s into the pool; returns "" (and marks failure) when out of memory. */
static const char *
s_keep (s_strings_t *pool, const char *s)
{
    if (pool->count == pool->cap) {
        size_t cap = pool->cap ? pool->cap * 2 : 256;
        char **n = realloc (pool->items, cap * sizeof *n);
        if (!n) {
            pool->failed = true;
            return "";
        }
        pool->items = n;
        pool->cap = cap;
    }
    char *copy = strdup (s);
    if (!copy) {
        pool->failed = true;
        return "";
    }
    pool->items [pool->count++] = copy;
    return copy;
}

/* Frees every string in the pool. */
static void
s_strings_free (s_strings_t *pool)
{
    for (size_t i = 0; i < pool->count; i++)
        free (pool->items [i]);
    free (pool->items);
    memset (pool, 0, sizeof *pool);
}

/* Creates a handler over a store (borrowed). */
us_handler_t *
us_handler_new (us_pstore_t *store)
{
    us_handler_t *self = calloc (1, sizeof *self);
    if (!self) {
        us_error_set (US_ENOMEM, "out of memory");
        return NULL;
    }
    self->store = store;
    self->min_wire = US_WIRE_OLDEST;
    return self;
}

/* Accepts requests of wire version min_wire and later only. */
int
us_handler_set_min_wire (us_handler_t *self, uint32_t min_wire)
{
    if (min_wire < US_WIRE_OLDEST || min_wire > US_WIRE_VERSION)
        return us_error_set (US_EINVAL, "--min-wire must be from %d to %d",
                             US_WIRE_OLDEST, US_WIRE_VERSION);
    self->min_wire = min_wire;
    return 0;
}

/* Frees the handler and nulls the pointer; safe on NULL. */
void
us_handler_destroy (us_handler_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

/* Counters for the service log. */
void
us_handler_stats (us_handler_t *self, uint64_t *requests, uint64_t *errors, uint64_t *deltas)
{
    *requests = self->requests;
    *errors = self->errors;
    *deltas = self->deltas;
}

/* Encodes an Error reply in wire version wire. */
static int
s_error_reply (us_handler_t *self, uint8_t **reply_p, size_t *len_p, uint32_t wire,
               uint64_t id, int code, const char *message)
{
    self->errors++;
    us_msg_t msg = { .type = US_MSG_ERROR, .wire = wire, .request_id = id };
    msg.error.code = code;
    msg.error.message = message;
    return us_codec_encode (reply_p, len_p, &msg);
}

/* Returns the newest position in the change stream. */
static uint64_t
s_head (us_pstore_t *store)
{
    sqlite3_stmt *st = us_pstore_stmt (store, "SELECT COALESCE (MAX (seq), 0) FROM changelog");
    uint64_t head = st && sqlite3_step (st) == SQLITE_ROW ? (uint64_t) sqlite3_column_int64 (st, 0) : 0;
    if (st)
        sqlite3_reset (st);
    return head;
}

/* Answers Hello with Welcome. */
static int
s_hello (us_handler_t *self, us_msg_t *reply, const us_replica_t *rep, const us_hello_t *hello)
{
    int64_t now = us_hlc_wall_ms ();
    us_hlc_update (&self->clock, us_hlc_clamp (hello->hlc, now, US_MAX_AHEAD_MS), now);
    uint32_t epoch = rep->max_epoch > hello->epoch ? rep->max_epoch : hello->epoch;
    uint64_t high = 0;
    sqlite3_stmt *st = us_pstore_stmt (self->store,
        "SELECT high_water FROM epochs WHERE replica_id = ? AND epoch = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, rep->id);
    sqlite3_bind_int64 (st, 2, epoch);
    if (sqlite3_step (st) == SQLITE_ROW)
        high = (uint64_t) sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    reply->type = US_MSG_WELCOME;
    /* The server's wall clock, not its logical clock: a replica adopts it
       as the time, and the logical clock may run up to the clamp ahead. */
    us_hlc_tick (&self->clock, now);
    reply->welcome.server_time = us_hlc_make (now, 0);
    reply->welcome.epoch = epoch;
    reply->welcome.high_water = high;
    reply->welcome.unit = rep->unit;
    reply->welcome.head = s_head (self->store);
    reply->welcome.wire = US_WIRE_VERSION;
    reply->welcome.min_wire = self->min_wire;
    return 0;
}

/* Verifies the Push signature over its signed bytes (the batch as
   received; for wire 1 the codec's re-encoding) when the replica enrolled
   a signing key. */
static int
s_verify (const us_replica_t *rep, const us_push_t *push)
{
    if (!rep->has_sign)
        return 0;
    int rc = us_keys_verify (rep->sign_public, push->signature, push->signature_len,
                             push->batch, push->batch_len);
    return rc ? us_error_set (US_EPERM, "push signature does not verify") : 0;
}

/* Applies a Push and answers with PushAck; *results_p is freed by the caller. */
static int
s_push (us_handler_t *self, us_msg_t *reply, us_merge_result_t **results_p,
        us_result_t **flat_p, const us_replica_t *rep, const us_push_t *push)
{
    if (push->epoch < rep->max_epoch)
        return us_error_set (US_EINVAL, "stale epoch %u (server has %u); say hello again",
                             push->epoch, rep->max_epoch);
    int rc = s_verify (rep, push);
    if (rc == US_EPERM)
        us_log_warn ("refused a batch of %zu deltas from %s (%s): %s", push->count,
                     rep->name, rep->unit, us_error_msg ());
    us_merge_result_t *results = calloc (push->count + 1, sizeof *results);
    us_result_t *flat = calloc (push->count + 1, sizeof *flat);
    *results_p = results;
    *flat_p = flat;
    if (rc == 0 && (!results || !flat))
        rc = us_error_set (US_ENOMEM, "out of memory");
    if (rc == 0)
        rc = us_merge_push (results, self->store, rep, push, push->batch, push->batch_len,
                            &self->clock);
    if (rc)
        return rc;
    for (size_t i = 0; i < push->count; i++)
        flat [i] = results [i].result;
    self->deltas += push->count;
    reply->type = US_MSG_PUSH_ACK;
    reply->push_ack.count = push->count;
    reply->push_ack.results = flat;
    return 0;
}

/* Marks the units a replica may read: its subtree, and its ancestors for names. */
static int
s_scope (bool **in_p, int64_t *len_p, us_pstore_t *store, int64_t root)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT id, COALESCE (parent_id, 0) FROM units ORDER BY id");
    if (!st)
        return US_EIO;
    int64_t max = 0, n = 0, cap = 64;
    int64_t (*rows) [2] = malloc ((size_t) cap * sizeof *rows);
    while (rows && sqlite3_step (st) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            int64_t (*r) [2] = realloc (rows, (size_t) cap * sizeof *rows);
            if (!r) {
                free (rows);
                rows = NULL;
                break;
            }
            rows = r;
        }
        rows [n][0] = sqlite3_column_int64 (st, 0);
        rows [n][1] = sqlite3_column_int64 (st, 1);
        if (rows [n][0] > max)
            max = rows [n][0];
        n++;
    }
    sqlite3_reset (st);
    int64_t *parent = rows ? calloc ((size_t) max + 1, sizeof *parent) : NULL;
    bool *in = parent ? calloc ((size_t) max + 1, sizeof *in) : NULL;
    if (!in) {
        free (rows);
        free (parent);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    for (int64_t i = 0; i < n; i++)
        if (rows [i][1] >= 0 && rows [i][1] <= max)
            parent [rows [i][0]] = rows [i][1];
    for (int64_t i = 0; i < n; i++) {
        int64_t u = rows [i][0];
        for (int depth = 0; depth < 64 && u > 0; depth++, u = parent [u])
            if (u == root) {
                in [rows [i][0]] = true;
                break;
            }
    }
    for (int64_t u = root, depth = 0; depth < 64 && u > 0 && u <= max; depth++, u = parent [u])
        in [u] = true;
    free (rows);
    free (parent);
    *in_p = in;
    *len_p = max + 1;
    return 0;
}

/* Returns true when unit id is within the scope map. */
static bool
s_in (const bool *in, int64_t len, int64_t id)
{
    return id > 0 && id < len && in [id];
}

/* Finds the upper bound of a page of at most limit entries after since. */
static int
s_page_bounds (uint64_t *upper, bool *more, us_pstore_t *store, uint64_t since, uint32_t limit)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT seq FROM changelog WHERE seq > ? ORDER BY seq LIMIT 1 OFFSET ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int (st, 2, (int) limit - 1);
    bool full = sqlite3_step (st) == SQLITE_ROW;
    *upper = full ? (uint64_t) sqlite3_column_int64 (st, 0) : s_head (store);
    sqlite3_reset (st);
    if (*upper < since)
        *upper = since;
    *more = *upper < s_head (store);
    return 0;
}

/* Appends to a growing array of elements of size sz; NULL on failure. */
static void *
s_grow (void *array, size_t count, size_t sz)
{
    if (count & (count - 1))            /* grow at powers of two */
        return array;
    return realloc (array, (count ? count * 2 : 8) * sz);
}

/* Fills a Changes page from the change stream. */
static int
s_fill_changes (us_changes_t *c, s_strings_t *pool, us_pstore_t *store, uint64_t since,
                uint64_t upper, const bool *in, int64_t in_len)
{
    sqlite3_stmt *st;
    st = us_pstore_stmt (store,
        "SELECT u.id, u.code, u.name, COALESCE (p.code, ''), u.kind, u.valid_from, u.valid_to"
        " FROM changelog cl JOIN units u ON u.id = cl.ref LEFT JOIN units p ON p.id = u.parent_id"
        " WHERE cl.kind = 1 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int64 (st, 2, (int64_t) upper);
    while (sqlite3_step (st) == SQLITE_ROW) {
        if (!s_in (in, in_len, sqlite3_column_int64 (st, 0)))
            continue;
        us_unit_def_t *a = s_grow (c->units, c->n_units, sizeof *a);
        if (!a) {
            pool->failed = true;
            break;
        }
        c->units = a;
        a [c->n_units++] = (us_unit_def_t) { s_keep (pool, us_db_text (st, 1)),
            s_keep (pool, us_db_text (st, 2)), s_keep (pool, us_db_text (st, 3)),
            s_keep (pool, us_db_text (st, 4)), s_keep (pool, us_db_text (st, 5)),
            s_keep (pool, us_db_text (st, 6)) };
    }
    sqlite3_reset (st);

    st = us_pstore_stmt (store,
        "SELECT i.code, i.name, i.kind, i.numerator, i.denominator, i.policy, i.rule, i.position"
        " FROM changelog cl JOIN indicators i ON i.id = cl.ref"
        " WHERE cl.kind = 2 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int64 (st, 2, (int64_t) upper);
    while (sqlite3_step (st) == SQLITE_ROW) {
        us_indicator_def_t *a = s_grow (c->indicators, c->n_indicators, sizeof *a);
        if (!a) {
            pool->failed = true;
            break;
        }
        c->indicators = a;
        a [c->n_indicators++] = (us_indicator_def_t) { s_keep (pool, us_db_text (st, 0)),
            s_keep (pool, us_db_text (st, 1)), s_keep (pool, us_db_text (st, 2)),
            s_keep (pool, us_db_text (st, 3)), s_keep (pool, us_db_text (st, 4)),
            s_keep (pool, us_db_text (st, 5)), s_keep (pool, us_db_text (st, 6)),
            (uint32_t) sqlite3_column_int (st, 7) };
    }
    sqlite3_reset (st);

    st = us_pstore_stmt (store,
        "SELECT c.unit_id, u.code, i.code, c.month, c.value, c.version, c.hlc, c.author,"
        " c.note, c.corrected FROM changelog cl JOIN cells c ON c.id = cl.ref"
        " JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id"
        " WHERE cl.kind = 3 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int64 (st, 2, (int64_t) upper);
    while (sqlite3_step (st) == SQLITE_ROW) {
        if (!s_in (in, in_len, sqlite3_column_int64 (st, 0)))
            continue;
        us_cell_change_t *a = s_grow (c->cells, c->n_cells, sizeof *a);
        if (!a) {
            pool->failed = true;
            break;
        }
        c->cells = a;
        a [c->n_cells++] = (us_cell_change_t) { s_keep (pool, us_db_text (st, 1)),
            s_keep (pool, us_db_text (st, 2)), sqlite3_column_int (st, 3),
            sqlite3_column_int64 (st, 4), sqlite3_column_type (st, 4) == SQLITE_NULL,
            (uint64_t) sqlite3_column_int64 (st, 5), (uint64_t) sqlite3_column_int64 (st, 6),
            s_keep (pool, us_db_text (st, 7)), s_keep (pool, us_db_text (st, 8)),
            sqlite3_column_int (st, 9) != 0 };
    }
    sqlite3_reset (st);

    st = us_pstore_stmt (store,
        "SELECT t.unit_id, u.code, i.code, t.period, t.source, t.lo, t.hi, t.is_range, t.version"
        " FROM changelog cl JOIN targets t ON t.id = cl.ref"
        " JOIN units u ON u.id = t.unit_id JOIN indicators i ON i.id = t.ind_id"
        " WHERE cl.kind = 4 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int64 (st, 2, (int64_t) upper);
    while (sqlite3_step (st) == SQLITE_ROW) {
        if (!s_in (in, in_len, sqlite3_column_int64 (st, 0)))
            continue;
        us_target_def_t *a = s_grow (c->targets, c->n_targets, sizeof *a);
        if (!a) {
            pool->failed = true;
            break;
        }
        c->targets = a;
        a [c->n_targets++] = (us_target_def_t) { s_keep (pool, us_db_text (st, 1)),
            s_keep (pool, us_db_text (st, 2)), s_keep (pool, us_db_text (st, 3)),
            s_keep (pool, us_db_text (st, 4)), sqlite3_column_int64 (st, 5),
            sqlite3_column_int64 (st, 6), sqlite3_column_int (st, 7) != 0,
            (uint32_t) sqlite3_column_int (st, 8) };
    }
    sqlite3_reset (st);

    st = us_pstore_stmt (store,
        "SELECT k.unit_id, u.code, i.code, k.month, k.winner_value, k.winner_author,"
        " k.loser_value, k.loser_author, k.rule, k.at, k.id"
        " FROM changelog cl JOIN conflicts k ON k.id = cl.ref"
        " JOIN units u ON u.id = k.unit_id JOIN indicators i ON i.id = k.ind_id"
        " WHERE cl.kind = 5 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int64 (st, 2, (int64_t) upper);
    while (sqlite3_step (st) == SQLITE_ROW) {
        if (!s_in (in, in_len, sqlite3_column_int64 (st, 0)))
            continue;
        us_conflict_notice_t *a = s_grow (c->conflicts, c->n_conflicts, sizeof *a);
        if (!a) {
            pool->failed = true;
            break;
        }
        c->conflicts = a;
        a [c->n_conflicts++] = (us_conflict_notice_t) { (uint64_t) sqlite3_column_int64 (st, 10),
            s_keep (pool, us_db_text (st, 1)), s_keep (pool, us_db_text (st, 2)),
            sqlite3_column_int (st, 3), sqlite3_column_int64 (st, 4),
            sqlite3_column_type (st, 4) == SQLITE_NULL, s_keep (pool, us_db_text (st, 5)),
            sqlite3_column_int64 (st, 6), sqlite3_column_type (st, 6) == SQLITE_NULL,
            s_keep (pool, us_db_text (st, 7)), s_keep (pool, us_db_text (st, 8)),
            (uint64_t) sqlite3_column_int64 (st, 9) };
    }
    sqlite3_reset (st);

    st = us_pstore_stmt (store,
        "SELECT s.unit_id, u.code, s.period, s.state, s.at"
        " FROM changelog cl JOIN submissions s ON s.id = cl.ref JOIN units u ON u.id = s.unit_id"
        " WHERE cl.kind = 6 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int64 (st, 2, (int64_t) upper);
    while (sqlite3_step (st) == SQLITE_ROW) {
        if (!s_in (in, in_len, sqlite3_column_int64 (st, 0)))
            continue;
        us_submission_state_t *a = s_grow (c->submissions, c->n_submissions, sizeof *a);
        if (!a) {
            pool->failed = true;
            break;
        }
        c->submissions = a;
        a [c->n_submissions++] = (us_submission_state_t) { s_keep (pool, us_db_text (st, 1)),
            s_keep (pool, us_db_text (st, 2)), s_keep (pool, us_db_text (st, 3)),
            (uint64_t) sqlite3_column_int64 (st, 4) };
    }
    sqlite3_reset (st);
    return pool->failed ? us_error_set (US_ENOMEM, "out of memory building changes") : 0;
}

/* Frees the arrays of a Changes page built by s_fill_changes. */
static void
s_changes_free (us_changes_t *c)
{
    free (c->units);
    free (c->indicators);
    free (c->cells);
    free (c->targets);
    free (c->conflicts);
    free (c->submissions);
}

/* Answers Pull with a page of Changes. */
static int
s_pull (us_handler_t *self, us_msg_t *reply, s_strings_t *pool,
        const us_replica_t *rep, const us_pull_t *pull)
{
    uint32_t limit = pull->limit ? pull->limit : PAGE_DEFAULT;
    if (limit > PAGE_MAX)
        limit = PAGE_MAX;
    uint64_t upper;
    bool more;
    int rc = s_page_bounds (&upper, &more, self->store, pull->since, limit);
    if (rc)
        return rc;
    bool *in = NULL;
    int64_t in_len = 0;
    rc = s_scope (&in, &in_len, self->store, rep->unit_id);
    if (rc)
        return rc;
    reply->type = US_MSG_CHANGES;
    memset (&reply->changes, 0, sizeof reply->changes);
    reply->changes.next = upper;
    reply->changes.more = more;
    rc = s_fill_changes (&reply->changes, pool, self->store, pull->since, upper, in, in_len);
    free (in);
    return rc;
}

/* Answers Submit with SubmitAck. */
static int
s_submit (us_handler_t *self, us_msg_t *reply, const us_replica_t *rep, const us_submit_t *sub)
{
    sqlite3 *db = us_pstore_db (self->store);
    const char *state = "";
    int rc = us_db_begin (db);
    if (rc)
        return rc;
    int64_t now = us_hlc_wall_ms ();
    rc = us_pstore_submit (self->store, &state, rep, sub->unit, sub->period,
                           us_hlc_update (&self->clock,
                                          us_hlc_clamp (sub->hlc, now, US_MAX_AHEAD_MS), now));
    if (rc == 0)
        rc = us_db_commit (db);
    else
        us_db_rollback (db);
    reply->type = US_MSG_SUBMIT_ACK;
    if (rc == US_EIO || rc == US_ECORRUPT || rc == US_ENOMEM)
        return rc;
    reply->submit_ack.ok = rc == 0 && strcmp (state, "submitted") == 0;
    reply->submit_ack.reason = rc ? us_error_msg ()
                             : reply->submit_ack.ok ? "" : "locked: the period is approved";
    reply->submit_ack.state = state;
    return 0;
}

/* Handles one request from the replica with CURVE key (Z85). */
int
us_handler_process (us_handler_t *self, uint8_t **reply_p, size_t *reply_len_p,
                    const char *key, const uint8_t *data, size_t len)
{
    self->requests++;
    *reply_p = NULL;
    us_msg_t *req = NULL;
    int rc = us_codec_decode (&req, data, len);
    if (rc)             /* in the oldest wire, which every client reads */
        return s_error_reply (self, reply_p, reply_len_p, US_WIRE_OLDEST, 0, rc,
                              us_error_msg ());
    us_replica_t rep;
    rc = req->wire < self->min_wire
       ? us_error_set (US_EVERSION, "this office's unionsync speaks wire %u; the province's "
                       "server accepts wire %u and later: upgrade unionsync",
                       req->wire, self->min_wire)
       : us_pstore_replica (self->store, &rep, key);
    if (rc) {
        uint64_t id = req->request_id;
        uint32_t wire = req->wire;
        us_msg_destroy (&req);
        return s_error_reply (self, reply_p, reply_len_p, wire, id, rc, us_error_msg ());
    }
    us_msg_t reply = { .type = US_MSG_NONE, .wire = req->wire, .request_id = req->request_id };
    us_merge_result_t *results = NULL;
    us_result_t *flat = NULL;
    s_strings_t pool = { 0 };
    switch (req->type) {
        case US_MSG_HELLO:  rc = s_hello (self, &reply, &rep, &req->hello); break;
        case US_MSG_PUSH:   rc = s_push (self, &reply, &results, &flat, &rep, &req->push); break;
        case US_MSG_PULL:   rc = s_pull (self, &reply, &pool, &rep, &req->pull); break;
        case US_MSG_SUBMIT: rc = s_submit (self, &reply, &rep, &req->submit); break;
        default:
            rc = us_error_set (US_EPROTO, "unexpected %s message", us_msg_type_name (req->type));
    }
    if (rc == 0)
        rc = us_codec_encode (reply_p, reply_len_p, &reply);
    if (rc) {
        if (rc == US_EIO || rc == US_ECORRUPT)
            us_log_warn ("store error for replica %s: %s", rep.name, us_error_msg ());
        rc = s_error_reply (self, reply_p, reply_len_p, req->wire, req->request_id, rc,
                            us_error_msg ());
    }
    if (reply.type == US_MSG_CHANGES)
        s_changes_free (&reply.changes);
    s_strings_free (&pool);
    free (results);
    free (flat);
    us_msg_destroy (&req);
    return rc;
}
