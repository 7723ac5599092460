/*  us_handler: turns one request from a replica into one reply. */
#include "us_handler.h"
#include "us_audit.h"
#include "us_codec.h"
#include "us_digest.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_log.h"
#include "us_merge.h"
#include "us_pstore_absorb.h"
#include "us_pstore_backup.h"
#include "us_period.h"
#include "us_rules.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_HANDLER_TOPS 32         /* top digests remembered */

/* Where each replica's current session began in the audit chain, as its
   Hello found it: a pull leaves out what that session's acknowledgements
   told the office already. A fixed table indexed by replica id, so its
   memory is the same for ten replicas or ten thousand; a replica that
   finds its slot taken by another, or no slot after a restart of the
   server, is sent everything, as before. */
#define US_SESSION_SLOTS 4096
typedef struct {
    int64_t replica_id;         /* 0: free */
    int64_t after_id;           /* the chain's last record at its Hello */
} s_session_t;

struct _us_handler_t {
    us_pstore_t *store;
    s_session_t sessions [US_SESSION_SLOTS];
    us_hlc_t clock;
    uint32_t min_wire;      /* the oldest wire version accepted */
    uint64_t requests, errors, deltas;
    uint64_t batches, commits;  /* batches merged, and the commits that bore them */
    char incarnation [40];  /* the store's, as the last Welcome told it */
    us_keys_t signer;       /* signs the audit head; has_sign false: none */
    us_audit_head_t head;   /* the last head signed, reused while it holds */
    uint8_t proof_hash [US_MAX_HEADS][US_HASH_LEN];
    us_bytes_t proof [US_MAX_HEADS];    /* the Welcome being built points here */
    char recoded_text [US_MAX_RECODED][2 * US_MAX_CODE + 2];
    const char *recoded [US_MAX_RECODED];   /* and here: "OLD NEW" */
    size_t n_recoded;
    us_pstore_restore_t restore_rows [US_MAX_HEADS];
    us_restore_notice_t restores [US_MAX_HEADS];    /* and here */
    size_t n_restores;
    /* The last top digests computed, per scope and range: a sync that
       finds the store as it was (the same change-stream head, and no
       other connection has written since) costs no hashing. */
    struct {
        int64_t root, data_version;
        int first, last;
        uint64_t head;
        uint8_t top [US_DIGEST_LEN];
        bool used;
    } tops [US_HANDLER_TOPS];
    unsigned tops_next;
    uint64_t tops_computed, tops_reused, digests, repairs;
    uint8_t top [US_DIGEST_LEN];        /* the Changes being built points here */
    us_digest_t *kept;                  /* the last month digests sent, and */
    int64_t kept_root, kept_dv;         /* the scope, range and state of the */
    int kept_first, kept_last;          /* store they were computed for */
    uint64_t kept_head;
};

/* Strings copied out of SQLite rows for one reply; freed together. */
typedef struct {
    char **items;
    size_t count, cap;
    size_t bytes;                       /* their lengths, summed */
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
    size_t len = strlen (s);
    char *copy = malloc (len + 1);
    if (!copy) {
        pool->failed = true;
        return "";
    }
    memcpy (copy, s, len + 1);
    pool->items [pool->count++] = copy;
    pool->bytes += len;
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

/* Signs the audit chain's head in every Welcome with keys (copied). */
void
us_handler_set_signer (us_handler_t *self, const us_keys_t *keys)
{
    self->signer = *keys;
}

/* Frees the handler and nulls the pointer; safe on NULL. */
void
us_handler_destroy (us_handler_t **self_p)
{
    if (self_p && *self_p) {
        us_keys_wipe (&(*self_p)->signer);
        us_digest_destroy (&(*self_p)->kept);
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

/* Anti-entropy's counters. */
void
us_handler_digest_stats (us_handler_t *self, uint64_t *computed, uint64_t *reused,
                         uint64_t *digests, uint64_t *repairs)
{
    *computed = self->tops_computed;
    *reused = self->tops_reused;
    *digests = self->digests;
    *repairs = self->repairs;
}

/* How many batches were merged, and in how many commits. */
void
us_handler_commits (us_handler_t *self, uint64_t *batches, uint64_t *commits)
{
    *batches = self->batches;
    *commits = self->commits;
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

/* Reads the store's incarnation into self; when the office saw more than
   the store holds (a checkpoint past the change stream's head, another
   change at its checkpoint than the one it pulled there, or a seq
   acknowledged in its epoch above the store's high water), the store was
   put back from a copy without `restore`: gives it a new incarnation, so
   that every office re-sends and re-pulls, and records the restore it
   noticed in the audit chain, with what the office reported, so that
   offices holding later heads see it declared. Only an office that last saw
   this very incarnation can tell: one that saw another heals by itself
   (else each office would renew it in turn). One meta read per Hello. */
static int
s_went_back (us_handler_t *self, const us_replica_t *rep, const us_hello_t *hello,
             uint64_t head)
{
    uint64_t high = 0, mark = 0;
    int rc = hello->acked ? us_pstore_epoch_high (self->store, &high, rep->id, hello->epoch)
                          : 0;
    /* Another change at the office's checkpoint than the one it pulled
       there: the stream went back and new changes took the position (a
       position is never given twice in one store). */
    bool checked = hello->checkpoint_mark && hello->checkpoint && hello->checkpoint <= head;
    if (rc == 0 && checked)
        rc = us_pstore_change_mark (self->store, hello->checkpoint, &mark);
    if (rc)
        return rc;
    bool other = checked && mark && mark != hello->checkpoint_mark;
    us_pstore_incarnation (self->store, self->incarnation, sizeof self->incarnation);
    /* An office that names no incarnation (an older release) cannot heal
       and would renew it at every Hello: it is not asked. */
    bool named = hello->incarnation && *hello->incarnation;
    if (!named || strcmp (hello->incarnation, self->incarnation) != 0
    ||  (hello->checkpoint <= head && hello->acked <= high && !other))
        return 0;
    const char *there = other ? ", another change than it pulled there" : "";
    us_log_warn ("the store went back in time: office %s saw checkpoint %llu (head %llu%s) "
                 "and seq %llu of epoch %u acknowledged (store has %llu); new incarnation, "
                 "offices re-send", rep->name, (unsigned long long) hello->checkpoint,
                 (unsigned long long) head, there, (unsigned long long) hello->acked,
                 hello->epoch, (unsigned long long) high);
    char what [US_MAX_REASON + 64];
    snprintf (what, sizeof what, "noticed at a Hello: the office saw checkpoint %llu (the "
              "store's head is %llu%s) and seq %llu of epoch %u acknowledged (the store has "
              "%llu)", (unsigned long long) hello->checkpoint, (unsigned long long) head, there,
              (unsigned long long) hello->acked, hello->epoch, (unsigned long long) high);
    return us_pstore_restore_noticed (self->store, self->incarnation, sizeof self->incarnation,
                                      *rep->name ? rep->name : rep->unit, what);
}

/* Keeps one restore record for the Welcome being built. */
static int
s_restore_add (void *arg, const us_pstore_restore_t *r)
{
    us_handler_t *self = arg;
    if (self->n_restores == US_MAX_HEADS)
        return 0;
    us_pstore_restore_t *row = &self->restore_rows [self->n_restores];
    *row = *r;
    self->restores [self->n_restores++] = (us_restore_notice_t) {
        (uint64_t) row->record, (uint64_t) row->at, (uint64_t) row->before,
        { row->before_hash, row->before_known && row->before ? US_HASH_LEN : 0 },
        (uint64_t) row->backup, row->by, row->noticed };
    return 0;
}

/* Puts the signed head of the audit chain into a Welcome, and the hash
   at each length the Hello asks about. A head is signed again only when
   the chain grew. */
static int
s_anchor (us_handler_t *self, us_welcome_t *w, const us_hello_t *hello)
{
    if (!self->signer.has_sign)
        return 0;
    int64_t rows;
    int rc = us_pstore_chain_rows (self->store, &rows);
    if (rc == 0 && (self->head.records != (uint64_t) rows || !self->head.key [0]))
        rc = us_audit_head (&self->head, self->store, &self->signer);
    for (size_t i = 0; rc == 0 && i < hello->n_audit_counts && i < US_MAX_HEADS; i++) {
        bool found;
        rc = us_audit_hash_at (self->store, hello->audit_counts [i], self->proof_hash [i],
                               &found);
        self->proof [i] = (us_bytes_t) { self->proof_hash [i], found ? US_HASH_LEN : 0 };
    }
    /* An office checking its heads learns the restores declared, so that a
       head one of them cut off is not taken for a rewrite. */
    self->n_restores = 0;
    if (rc == 0 && hello->n_audit_counts)
        rc = us_pstore_restores (self->store, US_MAX_HEADS, s_restore_add, self);
    if (rc)
        return rc;
    w->restores = self->restores;
    w->n_restores = self->n_restores;
    w->audit_records = self->head.records;
    w->audit_hash = (us_bytes_t) { self->head.hash, US_HASH_LEN };
    w->audit_signature = (us_bytes_t) { self->head.signature, 64 };
    w->audit_key = (us_bytes_t) { self->head.key, 32 };
    w->audit_proof = self->proof;
    w->n_audit_proof = hello->n_audit_counts;
    return 0;
}

/* Keeps one re-coded unit for the Welcome being built. */
static int
s_recoded_add (void *arg, const char *old_code, const char *code)
{
    us_handler_t *self = arg;
    if (self->n_recoded == US_MAX_RECODED)
        return us_error_set (US_EINVAL, "more than %d re-coded units", US_MAX_RECODED);
    char *text = self->recoded_text [self->n_recoded];
    snprintf (text, sizeof self->recoded_text [0], "%.64s %.64s", old_code, code);
    self->recoded [self->n_recoded++] = text;
    return 0;
}

/* Answers Hello with Welcome. */
static int
s_hello (us_handler_t *self, us_msg_t *reply, const us_replica_t *rep, const us_hello_t *hello)
{
    int64_t now = us_hlc_wall_ms ();
    us_hlc_update (&self->clock, us_rules_clock (hello->hlc, now), now);
    uint32_t epoch = rep->max_epoch > hello->epoch ? rep->max_epoch : hello->epoch;
    uint64_t high = 0, head = 0;
    int rc = us_pstore_epoch_high (self->store, &high, rep->id, epoch);
    if (rc == 0)
        rc = us_pstore_head (self->store, &head);
    if (rc == 0)
        rc = s_went_back (self, rep, hello, head);
    if (rc)
        return rc;
    reply->type = US_MSG_WELCOME;
    /* The server's wall clock, not its logical clock: a replica adopts it
       as the time, and the logical clock may run up to the clamp ahead. */
    us_hlc_tick (&self->clock, now);
    reply->welcome.server_time = us_hlc_make (now, 0);
    reply->welcome.epoch = epoch;
    reply->welcome.high_water = high;
    reply->welcome.unit = rep->unit;
    reply->welcome.head = head;
    reply->welcome.wire = US_WIRE_VERSION;
    reply->welcome.min_wire = self->min_wire;
    reply->welcome.incarnation = self->incarnation;
    reply->welcome.digest_months = US_DIGEST_MONTHS;
    /* An office of an absorbed province learns the codes its units were
       given here before it pushes or pulls anything. */
    self->n_recoded = 0;
    rc = us_pstore_recoded_each (self->store, rep->unit_id, s_recoded_add, self);
    reply->welcome.recoded = self->recoded;
    reply->welcome.n_recoded = self->n_recoded;
    if (rc == 0)
        rc = s_anchor (self, &reply->welcome, hello);
    s_session_t *slot = &self->sessions [rep->id % US_SESSION_SLOTS];
    if (rc == 0)
        rc = us_pstore_record_last (self->store, &slot->after_id);
    slot->replica_id = rc == 0 ? rep->id : 0;
    return rc;
}

/* Verifies the Push signature over its signed bytes (the batch as
   received; for wire 1 the codec's re-encoding). Never skipped: a replica
   enrolled before signing was mandatory, with no signing key stored, is
   refused until it is re-keyed. */
static int
s_verify (const us_replica_t *rep, const us_push_t *push)
{
    if (!rep->has_sign)
        return us_error_set (US_EPERM, "this replica has no signing key enrolled; re-key it "
                             "(`unionsync rekey`, then `unionsync-server rekey`)");
    int rc = us_keys_verify (rep->sign_public, push->signature, push->signature_len,
                             push->batch, push->batch_len);
    return rc ? us_error_set (US_EPERM, "push signature does not verify") : 0;
}

/* Applies a Push and answers with PushAck; *results_p is freed by the caller. */
static int
s_push (us_handler_t *self, us_msg_t *reply, us_merge_result_t **results_p,
        us_result_t **flat_p, const us_replica_t *rep, const us_push_t *push)
{
    /* An older epoch comes only with edits sent again after the province
       went back in time, under their original identity. */
    if (push->epoch < rep->max_epoch && !push->resent)
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
    size_t repeated = 0, refused = 0;
    for (size_t i = 0; i < push->count; i++) {
        flat [i] = results [i].result;
        repeated += flat [i].duplicate;
        refused += flat [i].outcome == US_OUTCOME_REJECTED;
    }
    /* An office clears the author and note of a refused edit's cell and
       waits for the pull to bring the province's: this session's pull
       leaves nothing out. */
    s_session_t *slot = &self->sessions [rep->id % US_SESSION_SLOTS];
    if (refused && slot->replica_id == rep->id)
        slot->replica_id = 0;
    if (push->count && repeated == push->count)
        us_log_info ("a batch of %zu deltas from %s (%s) repeated only edits already "
                     "applied; its bytes are not kept", push->count, rep->name, rep->unit);
    self->deltas += push->count;
    reply->type = US_MSG_PUSH_ACK;
    reply->push_ack.count = push->count;
    reply->push_ack.results = flat;
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

/* A Changes page being filled, and the pool its strings are copied into. */
typedef struct {
    us_changes_t *c;
    s_strings_t *pool;
    size_t budget;                      /* the most bytes it may take (0: any) */
    size_t entries;
} s_page_t;

/* s_add_change's answer when the page passed its budget: not an error,
   the page is made again with fewer entries. */
#define S_PAGE_FULL 1

/* What an entry takes in a page beyond its texts, at most (numbers and
   field tags); texts are counted whole even when the page's tables name
   a code once, so the estimate stays above the encoded size. */
#define S_ENTRY_BYTES 64

/* Adds one change from the store to the page. */
static int
s_add_change (void *arg, const us_change_t *ch)
{
    s_page_t *page = arg;
    us_changes_t *c = page->c;
    s_strings_t *pool = page->pool;
    #define K(s) s_keep (pool, (s))
    #define ADD(array, n, value) do { \
            void *a_ = s_grow (c->array, c->n, sizeof *c->array); \
            if (!a_) \
                return us_error_set (US_ENOMEM, "out of memory building changes"); \
            c->array = a_; \
            c->array [c->n++] = value; \
        } while (0)
    switch (ch->kind) {
        case US_CHANGE_UNIT:
            ADD (units, n_units, ((us_unit_def_t) { K (ch->u.unit.code), K (ch->u.unit.name),
                 K (ch->u.unit.parent), K (ch->u.unit.kind), K (ch->u.unit.valid_from),
                 K (ch->u.unit.valid_to), K (ch->u.unit.successor), K (ch->u.unit.shares) }));
            break;
        case US_CHANGE_INDICATOR:
            ADD (indicators, n_indicators, ((us_indicator_def_t) { K (ch->u.indicator.code),
                 K (ch->u.indicator.name), K (ch->u.indicator.kind),
                 K (ch->u.indicator.numerator), K (ch->u.indicator.denominator),
                 K (ch->u.indicator.policy), K (ch->u.indicator.rule),
                 ch->u.indicator.position }));
            break;
        case US_CHANGE_CELL:
            ADD (cells, n_cells, ((us_cell_change_t) { K (ch->u.cell.unit),
                 K (ch->u.cell.indicator), ch->u.cell.month, ch->u.cell.value,
                 ch->u.cell.cleared, ch->u.cell.version, ch->u.cell.hlc, K (ch->u.cell.author),
                 K (ch->u.cell.note), ch->u.cell.corrected }));
            break;
        case US_CHANGE_TARGET:
            ADD (targets, n_targets, ((us_target_def_t) { K (ch->u.target.unit),
                 K (ch->u.target.indicator), K (ch->u.target.period), K (ch->u.target.source),
                 ch->u.target.lo, ch->u.target.hi, ch->u.target.range, ch->u.target.version }));
            break;
        case US_CHANGE_CONFLICT:
            ADD (conflicts, n_conflicts, ((us_conflict_notice_t) { ch->u.conflict.id,
                 K (ch->u.conflict.unit), K (ch->u.conflict.indicator), ch->u.conflict.month,
                 ch->u.conflict.winner_value, ch->u.conflict.winner_cleared,
                 K (ch->u.conflict.winner_author), ch->u.conflict.loser_value,
                 ch->u.conflict.loser_cleared, K (ch->u.conflict.loser_author),
                 K (ch->u.conflict.rule), ch->u.conflict.at }));
            break;
        case US_CHANGE_SUBMISSION:
            ADD (submissions, n_submissions, ((us_submission_state_t) {
                 K (ch->u.submission.unit), K (ch->u.submission.period),
                 K (ch->u.submission.state), ch->u.submission.at }));
            break;
        case US_CHANGE_SCHEDULES:
            ADD (schedules, n_schedules, ((us_schedule_def_t) {
                 K (ch->u.schedule.code), K (ch->u.schedule.name), K (ch->u.schedule.period),
                 K (ch->u.schedule.kinds), K (ch->u.schedule.indicators),
                 K (ch->u.schedule.deadline) }));
            break;
    }
    #undef ADD
    #undef K
    if (pool->failed)
        return us_error_set (US_ENOMEM, "out of memory building changes");
    page->entries++;
    if (page->budget && pool->bytes + page->entries * S_ENTRY_BYTES > page->budget)
        return S_PAGE_FULL;
    return 0;
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
    free (c->schedules);
    free (c->months);
}

/* Computes the digests of root's figures in months first..last into a new
   *digest_p the caller destroys. Costs one read of the scope's rows in
   the range (the codec bounds the range to US_DIGEST_MONTHS). */
static int
s_digest (us_handler_t *self, us_digest_t **digest_p, int64_t root, int first, int last)
{
    us_digest_t *digest = *digest_p = us_digest_new (first, last);
    if (!digest)
        return US_EINVAL;               /* the message is set */
    int rc = us_pstore_figures (self->store, root, first, last, us_digest_add_to, digest);
    if (rc == 0)
        rc = us_digest_finish (digest);
    if (rc)
        us_digest_destroy (digest_p);
    return rc;
}

/* Sets self->top to the top digest of root's figures in first..last as
   they are at head, from the remembered ones when the store has not
   changed since. */
static int
s_top (us_handler_t *self, int64_t root, int first, int last, uint64_t head)
{
    int64_t dv;
    int rc = us_pstore_data_version (self->store, &dv);
    if (rc)
        return rc;
    for (unsigned i = 0; i < US_HANDLER_TOPS; i++) {
        if (self->tops [i].used && self->tops [i].root == root && self->tops [i].first == first
        &&  self->tops [i].last == last && self->tops [i].head == head
        &&  self->tops [i].data_version == dv) {
            memcpy (self->top, self->tops [i].top, US_DIGEST_LEN);
            self->tops_reused++;
            return 0;
        }
    }
    us_digest_t *digest;
    rc = s_digest (self, &digest, root, first, last);
    if (rc)
        return rc;
    memcpy (self->top, us_digest_top (digest), US_DIGEST_LEN);
    us_digest_destroy (&digest);
    self->tops_computed++;
    unsigned i = self->tops_next++ % US_HANDLER_TOPS;
    self->tops [i].root = root;
    self->tops [i].first = first;
    self->tops [i].last = last;
    self->tops [i].head = head;
    self->tops [i].data_version = dv;
    memcpy (self->tops [i].top, self->top, US_DIGEST_LEN);
    self->tops [i].used = true;
    return 0;
}

/* Fills a repair page: the replica's figures of the asked months, each
   month whole, as many months as fit in limit entries (at least one);
   the checkpoint does not move. */
static int
s_repair (us_handler_t *self, us_msg_t *reply, s_strings_t *pool, const us_replica_t *rep,
          const us_pull_t *pull, uint32_t limit)
{
    us_changes_t *c = &reply->changes;
    c->next = pull->since;
    c->months = calloc (pull->n_months, sizeof *c->months);
    if (!c->months)
        return us_error_set (US_ENOMEM, "out of memory building a repair page");
    s_page_t page = { c, pool, 0, 0 };
    int rc = 0;
    size_t done = 0;
    for (; rc == 0 && done < pull->n_months; done++) {
        size_t before = c->n_cells;
        rc = us_pstore_month_cells (self->store, rep->unit_id, pull->months [done],
                                    s_add_change, &page);
        if (rc == 0 && c->n_cells > limit && done > 0) {
            c->n_cells = before;            /* the month waits for the next page */
            break;
        }
        if (rc == 0 && c->n_cells > US_MAX_PAGE) {
            char month [8];
            us_month_format (month, pull->months [done]);
            rc = us_error_set (US_EINVAL, "month %s holds more figures than a page (%d)",
                               month, US_MAX_PAGE);
        }
        if (rc == 0)
            c->months [c->n_months++] = pull->months [done];
    }
    c->more = done < pull->n_months;
    if (rc == 0) {
        self->repairs++;
        char first [8], last [8];
        us_month_format (first, c->months [0]);
        us_month_format (last, c->months [c->n_months - 1]);
        us_log_info ("repair: %zu month%s (%s .. %s), %zu figures whole, to %s (%s)",
                     c->n_months, c->n_months == 1 ? "" : "s", first, last, c->n_cells,
                     *rep->name ? rep->name : rep->key, rep->unit);
    }
    return rc;
}

/* Refuses (US_EBEHIND) a Pull from an office that was told more than the
   store holds: acknowledged edits of its epoch, or changes of the stream
   beyond its end. The store was put back from a backup after the office's
   Hello; answered, the pull would end the sync with the loss unnoticed
   until the next one. Costs two indexed reads a page. */
static int
s_pull_behind (us_handler_t *self, const us_replica_t *rep, const us_pull_t *pull)
{
    uint64_t high = 0, head = 0;
    bool other_epochs;
    int rc = pull->acked ? us_pstore_epoch_history (self->store, &high, &other_epochs,
                                                    rep->id, pull->epoch) : 0;
    if (rc == 0 && pull->acked > high)
        return us_error_set (US_EBEHIND, "the province acknowledged seq %llu of epoch %u and "
                             "holds only up to %llu: its store was put back from a backup; say "
                             "hello again", (unsigned long long) pull->acked, pull->epoch,
                             (unsigned long long) high);
    if (rc == 0)
        rc = us_pstore_head (self->store, &head);
    if (rc == 0 && pull->since > head)
        return us_error_set (US_EBEHIND, "the office pulled up to change %llu and the "
                             "province's stream ends at %llu: its store was put back from a "
                             "backup; say hello again", (unsigned long long) pull->since,
                             (unsigned long long) head);
    return rc;
}

/* Answers Pull with a page of Changes: of the stream, with the top digest
   on its last page when asked, or a repair page. */
static int
s_pull (us_handler_t *self, us_msg_t *reply, s_strings_t *pool,
        const us_replica_t *rep, const us_pull_t *pull)
{
    uint32_t limit = pull->limit ? pull->limit : US_PAGE_DEFAULT;
    if (limit > US_PAGE_MAX)
        limit = US_PAGE_MAX;
    int rc = s_pull_behind (self, rep, pull);
    if (rc)
        return rc;
    reply->type = US_MSG_CHANGES;
    memset (&reply->changes, 0, sizeof reply->changes);
    if (pull->n_months)
        return s_repair (self, reply, pool, rep, pull, limit);
    bool digest = pull->digest_first || pull->digest_last, started = false;
    /* The page and the digest see one state of the store. */
    rc = digest ? us_pstore_read_begin (self->store, &started) : 0;
    const s_session_t *slot = &self->sessions [rep->id % US_SESSION_SLOTS];
    us_pstore_own_t own = { rep->key, slot->after_id };
    /* A page whose texts pass the budget (long notes) is made again with
       half the entries; one entry alone always fits the codec's bound. */
    while (rc == 0) {
        s_page_t page = { &reply->changes, pool, limit > 1 ? US_PAGE_MAX_BYTES : 0, 0 };
        rc = us_pstore_changes_own (self->store, pull->since, limit, rep->unit_id,
                                    slot->replica_id == rep->id ? &own : NULL, s_add_change,
                                    &page, &reply->changes.next, &reply->changes.more);
        if (rc != S_PAGE_FULL)
            break;
        s_changes_free (&reply->changes);
        memset (&reply->changes, 0, sizeof reply->changes);
        s_strings_free (pool);
        /* At most half, and no more than the entries that fitted. */
        uint32_t fitted = page.entries > 1 ? (uint32_t) page.entries - 1 : 1;
        limit = fitted < limit / 2 ? fitted : limit / 2;
        rc = 0;
    }
    /* What sits at the new checkpoint: the office sends it back at its
       next Hello, and a store put back from a copy sees another change
       there. One indexed read per page. */
    if (rc == 0)
        rc = us_pstore_change_mark (self->store, reply->changes.next, &reply->changes.mark);
    if (rc == 0 && digest && !reply->changes.more) {
        rc = s_top (self, rep->unit_id, pull->digest_first, pull->digest_last,
                    reply->changes.next);
        reply->changes.digest = (us_bytes_t) { self->top, rc ? 0 : US_DIGEST_LEN };
    }
    us_pstore_read_end (self->store, started);
    return rc;
}

/* Answers Digest with the digest of each month of the range that has
   figures. The last answer's digests are kept: asked again of a store
   that has not changed, they cost no reading. */
static int
s_digests (us_handler_t *self, us_msg_t *reply, us_month_hash_t **months_p,
           const us_replica_t *rep, const us_digest_req_t *req)
{
    bool started;
    uint64_t head = 0;
    int64_t dv = 0;
    int rc = us_pstore_read_begin (self->store, &started);
    if (rc == 0)
        rc = us_pstore_head (self->store, &head);
    if (rc == 0)
        rc = us_pstore_data_version (self->store, &dv);
    bool same = rc == 0 && self->kept && self->kept_root == rep->unit_id
             && self->kept_first == req->first && self->kept_last == req->last
             && self->kept_head == head && self->kept_dv == dv;
    if (same)
        self->tops_reused++;
    if (rc == 0 && !same) {
        self->tops_computed++;
        us_digest_destroy (&self->kept);
        rc = s_digest (self, &self->kept, rep->unit_id, req->first, req->last);
        self->kept_root = rep->unit_id;
        self->kept_first = req->first;
        self->kept_last = req->last;
        self->kept_head = head;
        self->kept_dv = dv;
    }
    us_pstore_read_end (self->store, started);
    if (rc)
        return rc;
    size_t n;
    const us_month_digest_t *m = us_digest_months (self->kept, &n);
    us_month_hash_t *months = *months_p = calloc (n + 1, sizeof *months);
    if (!months)
        return us_error_set (US_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        months [i] = (us_month_hash_t) { m [i].month, { m [i].hash, US_DIGEST_LEN } };
    char first [8], last [8];
    us_month_format (first, req->first);
    us_month_format (last, req->last);
    us_log_info ("digests of %s .. %s (%zu months with figures) to %s (%s)", first, last, n,
                 *rep->name ? rep->name : rep->key, rep->unit);
    self->digests++;
    reply->type = US_MSG_DIGESTS;
    reply->digests = (us_digests_t) { head, n, months };
    return 0;
}

/* Answers Submit with SubmitAck. */
static int
s_submit (us_handler_t *self, us_msg_t *reply, const us_replica_t *rep, const us_submit_t *sub)
{
    us_state_t state = US_STATE_DRAFT;
    int64_t now = us_hlc_wall_ms ();
    uint64_t at = us_hlc_update (&self->clock, us_rules_clock (sub->hlc, now), now);
    int rc = us_pstore_submit_as (self->store, &state, rep, sub->unit, sub->period, at,
                                  sub->nil);
    reply->type = US_MSG_SUBMIT_ACK;
    if (rc == US_EIO || rc == US_ECORRUPT || rc == US_ENOMEM)
        return rc;
    reply->submit_ack.ok = rc == 0 && state == US_STATE_SUBMITTED;
    reply->submit_ack.reason = rc ? us_error_msg ()
                             : reply->submit_ack.ok ? "" : "locked: the period is approved";
    reply->submit_ack.state = rc ? "" : us_state_name (state);
    return 0;
}

/* A request read and checked, being answered. */
typedef struct {
    us_msg_t *req;          /* NULL once answered */
    us_replica_t rep;
    uint64_t id;            /* the request's id and wire, for a late error reply */
    uint32_t wire;
} s_call_t;

/* Authenticates and decodes a request. Returns true when call is ready to
   be answered; else the reply is an error (or *rc_p negative when none
   could be encoded). */
static bool
s_open (us_handler_t *self, s_call_t *call, int *rc_p, uint8_t **reply_p, size_t *reply_len_p,
        const char *key, const uint8_t *data, size_t len)
{
    self->requests++;
    *reply_p = NULL;
    call->req = NULL;
    /* A revoked or unknown key costs no decoding: the connection may have
       been authenticated before the key was revoked. The refusal is in
       the oldest wire, which every client reads. */
    int rc = us_pstore_replica (self->store, &call->rep, key);
    if (rc == 0)
        rc = us_codec_decode (&call->req, data, len);
    if (rc) {
        us_msg_destroy (&call->req);
        *rc_p = s_error_reply (self, reply_p, reply_len_p, US_WIRE_OLDEST, 0, rc,
                               us_error_msg ());
        return false;
    }
    call->id = call->req->request_id;
    call->wire = call->req->wire;
    rc = call->req->wire < self->min_wire
       ? us_error_set (US_EVERSION, "this office's unionsync speaks wire %u; the province's "
                       "server accepts wire %u and later: upgrade unionsync",
                       call->req->wire, self->min_wire)
       : 0;
    if (rc) {
        us_msg_destroy (&call->req);
        *rc_p = s_error_reply (self, reply_p, reply_len_p, call->wire, call->id, rc,
                               us_error_msg ());
        return false;
    }
    return true;
}

/* Answers a request opened by s_open and frees it; sets *merged when the
   answer is the PushAck of a batch applied. */
static int
s_answer (us_handler_t *self, s_call_t *call, bool *merged, uint8_t **reply_p,
          size_t *reply_len_p)
{
    us_msg_t *req = call->req;
    us_replica_t *rep = &call->rep;
    us_msg_t reply = { .type = US_MSG_NONE, .wire = req->wire, .request_id = req->request_id };
    us_merge_result_t *results = NULL;
    us_result_t *flat = NULL;
    us_month_hash_t *months = NULL;
    s_strings_t pool = { 0 };
    *merged = false;
    if (req->type == US_MSG_HELLO && req->wire < US_WIRE_VERSION)
        us_log_info ("the office of %s (%s) still speaks wire %u: upgrade its unionsync "
                     "before serve --min-wire %d", rep->unit, *rep->name ? rep->name : rep->key,
                     req->wire, US_WIRE_VERSION);
    int rc;
    switch (req->type) {
        case US_MSG_HELLO:  rc = s_hello (self, &reply, rep, &req->hello); break;
        case US_MSG_PUSH:   rc = s_push (self, &reply, &results, &flat, rep, &req->push); break;
        case US_MSG_PULL:   rc = s_pull (self, &reply, &pool, rep, &req->pull); break;
        case US_MSG_SUBMIT: rc = s_submit (self, &reply, rep, &req->submit); break;
        case US_MSG_DIGEST:
            rc = s_digests (self, &reply, &months, rep, &req->digest);
            break;
        default:
            rc = us_error_set (US_EPROTO, "unexpected %s message", us_msg_type_name (req->type));
    }
    if (rc == 0)
        rc = us_codec_encode (reply_p, reply_len_p, &reply);
    *merged = rc == 0 && reply.type == US_MSG_PUSH_ACK;
    if (*merged) {
        self->batches++;
        /* Alone, the batch was its own commit; in a group, the group's. */
        self->commits += !us_pstore_in_transaction (self->store);
    }
    if (rc) {
        if (rc == US_EIO || rc == US_ECORRUPT)
            us_log_warn ("store error for replica %s: %s", rep->name, us_error_msg ());
        rc = s_error_reply (self, reply_p, reply_len_p, req->wire, req->request_id, rc,
                            us_error_msg ());
    }
    if (reply.type == US_MSG_CHANGES)
        s_changes_free (&reply.changes);
    free (months);
    s_strings_free (&pool);
    free (results);
    free (flat);
    us_msg_destroy (&call->req);
    return rc;
}

/* Handles one request from the replica with CURVE key (Z85). */
int
us_handler_process (us_handler_t *self, uint8_t **reply_p, size_t *reply_len_p,
                    const char *key, const uint8_t *data, size_t len)
{
    s_call_t call;
    int rc = 0;
    bool merged;
    if (!s_open (self, &call, &rc, reply_p, reply_len_p, key, data, len))
        return rc;
    return s_answer (self, &call, &merged, reply_p, reply_len_p);
}

/* Whether request k of a burst is a Push ready to be merged in a group
   that begins at first: one batch per replica, so that an office's next
   batch is merged while it settles the answer to the one before. */
static bool
s_joins (const s_call_t *calls, const bool *ready, size_t first, size_t k)
{
    if (!ready [k] || calls [k].req->type != US_MSG_PUSH)
        return false;
    for (size_t j = first; j < k; j++)
        if (calls [j].rep.id == calls [k].rep.id)
            return false;
    return true;
}

/* Merges the Pushes first..last-1 of a burst in one transaction, each in
   a savepoint of its own, and commits once: one fsync for them all. A
   batch that fails is undone alone and answered with its error; when the
   commit fails, every batch of the group is answered with an error
   instead of its acknowledgement, as nothing of it is on disk. */
static void
s_group (us_handler_t *self, us_handler_req_t *reqs, s_call_t *calls, size_t first, size_t last)
{
    bool merged [US_HANDLER_BURST] = { false };
    int rc = us_pstore_begin (self->store);
    for (size_t k = first; k < last; k++) {
        us_handler_req_t *r = &reqs [k];
        if (rc == 0 && !us_pstore_in_transaction (self->store))
            rc = us_error_set (US_EIO, "the transaction was rolled back by an earlier error");
        if (rc) {
            r->rc = s_error_reply (self, &r->reply, &r->reply_len, calls [k].wire, calls [k].id,
                                   rc, us_error_msg ());
            us_msg_destroy (&calls [k].req);
            continue;
        }
        r->rc = s_answer (self, &calls [k], &merged [k - first], &r->reply, &r->reply_len);
    }
    if (rc == 0)
        rc = us_pstore_commit (self->store);
    if (rc == 0) {
        self->commits++;
        return;
    }
    us_pstore_rollback (self->store);
    us_log_warn ("store error committing %zu batches: %s", last - first, us_error_msg ());
    char message [US_MAX_REASON];
    snprintf (message, sizeof message, "%s", us_error_msg ());
    for (size_t k = first; k < last; k++) {
        us_handler_req_t *r = &reqs [k];
        if (!merged [k - first])
            continue;
        self->batches--;
        free (r->reply);
        r->reply = NULL;
        r->rc = s_error_reply (self, &r->reply, &r->reply_len, calls [k].wire, calls [k].id,
                               rc, message);
    }
}

/* Handles a burst of requests in the order they came. */
void
us_handler_process_burst (us_handler_t *self, us_handler_req_t *reqs, size_t n,
                          us_handler_ready_fn *ready_fn, void *arg)
{
    assert (n <= US_HANDLER_BURST);
    s_call_t calls [US_HANDLER_BURST];
    bool ready [US_HANDLER_BURST];
    for (size_t k = 0; k < n; k++) {
        reqs [k].rc = 0;
        ready [k] = s_open (self, &calls [k], &reqs [k].rc, &reqs [k].reply, &reqs [k].reply_len,
                            reqs [k].key, reqs [k].data, reqs [k].len);
    }
    for (size_t k = 0; k < n; ) {
        size_t end = k;
        while (end < n && s_joins (calls, ready, k, end))
            end++;
        if (end - k >= 2) {
            s_group (self, reqs, calls, k, end);
            for (; ready_fn && k < end; k++)
                ready_fn (arg, reqs, k);
            k = end;
            continue;
        }
        bool merged;
        if (ready [k])
            reqs [k].rc = s_answer (self, &calls [k], &merged, &reqs [k].reply,
                                    &reqs [k].reply_len);
        if (ready_fn)
            ready_fn (arg, reqs, k);
        k++;
    }
}
