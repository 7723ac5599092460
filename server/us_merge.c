/*  us_merge: applies deltas to the provincial store. */
#include "us_merge.h"
#include "us_pstore_events.h"
#include "us_error.h"
#include "us_period.h"
#include "us_rules.h"
#include "us_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* What is known about the writer of a delta. */
typedef struct {
    const us_replica_t *replica;    /* NULL for the province's own corrections */
    const char *key;                /* "" for the province */
    int level;                      /* of the unit kind the writer is enrolled for */
    int64_t root_id;                /* scope root; 0 for the whole tree */
    bool resent;                    /* the batch re-sends acknowledged edits */
    int64_t record;                 /* the audit record of the delta being applied,
                                       when its clock was not clamped; else 0 */
} s_writer_t;

/* An indicator as a batch has looked it up. */
typedef struct {
    char code [US_MAX_CODE + 1];
    us_pstore_ind_t ind;
} s_ind_t;

#define US_MEMO_INDS 64

/* What one transaction has looked up already. Units, indicators, scopes
   and locks do not change while a Push is applied, and a batch mostly
   repeats one unit and a few indicators, so each is read once. */
typedef struct {
    bool unit_known;
    char unit [US_MAX_CODE + 1];
    int unit_rc;                    /* 0 or US_ENOTFOUND */
    int64_t unit_id;
    bool in_scope;
    s_ind_t inds [US_MEMO_INDS];
    size_t n_inds;
    bool lock_known;
    int64_t lock_unit;
    int lock_month;
    bool locked;
    bool valid_known;           /* the last unit and month whose existence was read */
    int64_t valid_unit;
    int valid_month;
    char valid_why [US_MAX_REASON];   /* why it takes no figures then ("": it does) */
} s_memo_t;

/* Sets a rejection result. */
static void
s_reject (us_merge_result_t *res, const char *fmt, const char *a, const char *b)
{
    res->result.outcome = US_OUTCOME_REJECTED;
    res->result.cleared = true;     /* nothing known of the cell, unless filled in */
    snprintf (res->reason, sizeof res->reason, fmt, a, b);
}

/* The province is the kind at level 0. */
static bool
s_province (int level)
{
    return level == 0;
}

/* Decides a concurrent edit by policy; returns true when the delta wins and
   names the rule that decided. */
static bool
s_decide (const char **rule, bool *settled, us_policy_t policy, const us_pstore_cell_t *cell,
          const us_delta_t *d, uint64_t hlc, const s_writer_t *w)
{
    *settled = true;
    bool w_prov = s_province (w->level);
    bool c_prov = s_province (cell->writer_level);
    if (policy == US_POLICY_HIGHER && w_prov != c_prov) {
        *rule = "higher-level-wins";
        return w_prov;
    }
    if (policy == US_POLICY_MAX) {
        int64_t dv = d->clear ? INT64_MIN : d->value;
        int64_t cv = cell->has_value ? cell->value : INT64_MIN;
        if (dv != cv) {
            *rule = "max";
            return dv > cv;
        }
    }
    if (policy == US_POLICY_MANUAL) {
        /* The figure stays as it was until the province resolves it. */
        *rule = "manual";
        *settled = false;
        return false;
    }
    if (hlc != cell->hlc) {
        *rule = "lww: later clock";
        return hlc > cell->hlc;
    }
    *rule = "lww: replica id";
    return strcmp (w->key, cell->replica) > 0;
}

/* Looks up an indicator's id, kind and policy, once per transaction. */
static int
s_indicator (s_memo_t *memo, us_pstore_t *store, const us_pstore_ind_t **ind, const char *code)
{
    for (size_t i = 0; i < memo->n_inds; i++)
        if (strcmp (memo->inds [i].code, code) == 0) {
            *ind = &memo->inds [i].ind;
            return 0;
        }
    /* The last entry is reused once the memo is full. */
    s_ind_t *x = &memo->inds [memo->n_inds < US_MEMO_INDS ? memo->n_inds : US_MEMO_INDS - 1];
    int rc = us_pstore_indicator (store, &x->ind, code);
    if (rc == 0) {
        snprintf (x->code, sizeof x->code, "%s", code);
        if (memo->n_inds < US_MEMO_INDS)
            memo->n_inds++;
        *ind = &x->ind;
    }
    return rc;
}

/* Looks up a unit and whether the writer may write it, once per run of
   deltas for the same unit. */
static int
s_unit (s_memo_t *memo, us_pstore_t *store, const s_writer_t *w, const char *code)
{
    if (memo->unit_known && strcmp (memo->unit, code) == 0)
        return 0;
    memo->unit_known = false;
    memo->in_scope = true;
    int rc = us_pstore_unit_id (store, &memo->unit_id, code);
    if (rc == 0 && w->root_id)
        rc = us_pstore_in_scope (store, &memo->in_scope, memo->unit_id, w->root_id);
    if (rc && rc != US_ENOTFOUND)
        return rc;
    memo->unit_rc = rc;
    snprintf (memo->unit, sizeof memo->unit, "%s", code);
    memo->unit_known = true;
    return 0;
}

/* Sets *locked when the month of a unit lies in an approved period. */
static int
s_locked (s_memo_t *memo, us_pstore_t *store, bool *locked, int64_t unit_id, int month)
{
    if (memo->lock_known && memo->lock_unit == unit_id && memo->lock_month == month) {
        *locked = memo->locked;
        return 0;
    }
    int rc = us_pstore_locked (store, locked, unit_id, month);
    if (rc)
        return rc;
    memo->lock_known = true;
    memo->lock_unit = unit_id;
    memo->lock_month = month;
    memo->locked = *locked;
    return 0;
}

/* Sets the result's state of the cell: as loaded, or as the delta wrote it. */
static void
s_result_from (us_merge_result_t *res, const us_pstore_cell_t *cell, const us_delta_t *d,
               bool written)
{
    res->result.version = written ? cell->version + 1 : cell->version;
    res->result.value = written ? (d->clear ? 0 : d->value) : cell->value;
    res->result.cleared = written ? d->clear : !cell->has_value;
}

/* Checks a delta against its indicator and the locks; rejects it in res
   when it may not be applied. */
static int
s_check (us_merge_result_t *res, s_memo_t *memo, us_pstore_t *store, const s_writer_t *w,
         const us_delta_t *d, int64_t unit_id, const us_pstore_ind_t **ind)
{
    bool locked = false;
    int rc = s_indicator (memo, store, ind, d->indicator);
    /* A lock holds the districts' figures; the province that set it may
       still correct them. */
    if (rc == 0 && !s_province (w->level))
        rc = s_locked (memo, store, &locked, unit_id, d->month);
    if (rc == US_ENOTFOUND) {
        *ind = NULL;
        s_reject (res, "unknown indicator %s%s", d->indicator, "");
        return 0;
    }
    if (rc)
        return rc;
    char why [US_MAX_REASON];
    /* A unit takes figures only for the months it exists; an ended one
       names its successor. Read once per run of deltas of a unit's month. */
    if (!memo->valid_known || memo->valid_unit != unit_id || memo->valid_month != d->month) {
        if ((rc = us_pstore_unit_validity (store, memo->valid_why, sizeof memo->valid_why,
                                           unit_id, d->month)) != 0)
            return rc;
        memo->valid_known = true;
        memo->valid_unit = unit_id;
        memo->valid_month = d->month;
    }
    snprintf (why, sizeof why, "%s", memo->valid_why);
    if (*why)
        s_reject (res, "%s%s", why, "");
    else
    if (us_rules_edit (why, sizeof why, (*ind)->kind, d->indicator, d->clear, d->value) != 0)
        s_reject (res, "%s%s", why, "");
    else
    if (locked)
        s_reject (res, "locked: the period of %s for %s is approved", d->indicator, d->unit);
    us_error_clear ();
    return 0;
}

/* Settles a delta sent again as superseded by the later edit that holds
   the cell (why says when that edit came): nothing is written, and the
   office is answered with the figure held. Returns 0. */
static int
s_superseded (us_merge_result_t *res, const us_pstore_cell_t *cell, const us_delta_t *d,
              const char *why)
{
    res->superseded = true;
    snprintf (res->reason, sizeof res->reason, "superseded by the later edit of %s, %s",
              cell->author, why);
    s_result_from (res, cell, d, false);
    return 0;
}

/* Writes the delta over the cell, or settles it as a conflict. */
static int
s_write (us_merge_result_t *res, us_pstore_t *store, const s_writer_t *w, const us_delta_t *d,
         uint64_t hlc, int64_t unit_id, const us_pstore_ind_t *ind, const us_pstore_cell_t *cell)
{
    us_pstore_cell_write_t write = {
        .unit_id = unit_id, .ind_id = ind->id, .month = d->month, .clear = d->clear,
        .value = d->value, .hlc = hlc, .replica = w->key, .author = d->author, .note = d->note,
        .corrected = s_province (w->level) && (!w->replica || w->replica->unit_id != unit_id),
        .base_version = d->base_version, .resent = w->resent, .record = w->record };
    /* base_version tells whether the editor saw the current figure; a
       replica's own later edits supersede its earlier ones. */
    bool concurrent = cell->exists && d->base_version != cell->version
                   && strcmp (cell->replica, w->key) != 0;
    /* A base_version above the cell's version names a version this store
       never had: the edit was made on a timeline the store lost (it was
       restored from a backup) and is sent again; it is not concurrent. */
    if (cell->exists && d->base_version > cell->version)
        concurrent = false;
    /* Two edits of other offices acknowledged on that lost timeline, sent
       again in another order than they were made: the one based on the
       later version of that timeline came after the other and saw it. It
       holds; the earlier one, overwritten then, is superseded now. The
       versions of this store say nothing about that timeline's. */
    /* Its editor cannot have seen a figure written since the restore by
       another office's edit made on this timeline: whatever the versions
       say, they are concurrent. */
    if (w->resent && cell->exists && cell->since_restore && !cell->resent
    &&  strcmp (cell->replica, w->key) != 0)
        concurrent = true;
    if (w->resent && cell->resent && strcmp (cell->replica, w->key) != 0) {
        /* Based on the same version, they were concurrent then too. */
        concurrent = d->base_version == cell->base_version;
        if (d->base_version < cell->base_version)
            return s_superseded (res, cell, d, "made after it before the province was restored");
    }
    /* This office's own edit, sent again after a restore, older than the
       office's edit that holds the figure now (made later, it reached the
       province first): the later one stands, as it did before the restore. */
    if (w->resent && cell->exists && strcmp (cell->replica, w->key) == 0 && hlc < cell->hlc)
        return s_superseded (res, cell, d, "which reached the province first");
    if (!concurrent) {
        s_result_from (res, cell, d, true);
        return us_pstore_cell_put (store, cell, &write);
    }
    const char *rule;
    bool settled;
    us_pstore_cell_t held_cell = *cell;
    int rc = us_pstore_cell_writer_level (store, &held_cell);
    if (rc)
        return rc;
    bool won = s_decide (&rule, &settled, ind->policy, &held_cell, d, hlc, w);
    res->result.outcome = won ? US_OUTCOME_CONFLICT_WON : US_OUTCOME_CONFLICT_LOST;
    snprintf (res->reason, sizeof res->reason, "concurrent edit by %s; decided by %s",
              cell->author, rule);
    rc = won ? us_pstore_cell_put (store, cell, &write) : 0;
    us_pstore_side_t delta = { d->clear, d->value, w->key, d->author, hlc };
    us_pstore_side_t held = { !cell->has_value, cell->value, cell->replica, cell->author, cell->hlc };
    us_pstore_conflict_t c = { .unit_id = unit_id, .ind_id = ind->id, .month = d->month,
        .winner = won ? delta : held, .loser = won ? held : delta, .rule = rule, .at = hlc,
        .resolved = settled };
    if (rc == 0)
        rc = us_pstore_conflict_add (store, &c);
    s_result_from (res, cell, d, won);
    return rc;
}

/* Checks and applies one delta (inside the batch transaction). */
static int
s_apply (us_merge_result_t *res, s_memo_t *memo, us_pstore_t *store, const s_writer_t *w,
         const us_delta_t *d, uint64_t hlc)
{
    /* SQLite rolls a transaction back by itself on some errors; nothing
       may be written outside the batch's transaction. */
    if (!us_pstore_in_transaction (store))
        return us_error_set (US_EIO, "the transaction was rolled back by an earlier error");
    res->result.seq = d->seq;
    res->result.outcome = US_OUTCOME_ACCEPTED;
    /* Text from the wire reaches printers and pages: refused unless it is
       UTF-8 without control characters (a note may hold line breaks). */
    if (!us_text_utf8_valid (d->author) || (d->note && !us_text_utf8_valid_lines (d->note))) {
        s_reject (res, "author or note is not UTF-8 or holds control characters%s%s", "", "");
        return 0;
    }
    int rc = s_unit (memo, store, w, d->unit);
    if (rc)
        return rc;
    if (memo->unit_rc == US_ENOTFOUND) {
        s_reject (res, "unknown unit %s%s", d->unit, "");
        return 0;
    }
    int64_t unit_id = memo->unit_id;
    if (!memo->in_scope) {
        s_reject (res, "unit %s is outside the scope of this replica (enrolled for %s)",
                  d->unit, w->replica ? w->replica->unit : "");
        return 0;
    }
    const us_pstore_ind_t *ind = NULL;
    rc = s_check (res, memo, store, w, d, unit_id, &ind);
    us_pstore_cell_t cell;
    if (rc == 0 && ind)
        rc = us_pstore_cell_get (store, &cell, unit_id, ind->id, d->month);
    if (rc || !ind)
        return rc;
    if (res->result.outcome == US_OUTCOME_REJECTED) {
        /* The office learns the figure the province holds. */
        s_result_from (res, &cell, d, false);
        return 0;
    }
    return s_write (res, store, w, d, hlc, unit_id, ind, &cell);
}

/* Returns the earlier result of a delta when the server has applied it
   before: by its identity (replica, epoch, seq), or, for an edit that a
   restored store re-sends under a new epoch, by the replica's timestamp
   and the same cell and value. */
static int
s_earlier (bool *found, us_merge_result_t *res, us_pstore_t *store, int64_t replica_id,
           uint32_t epoch, const us_delta_t *d, bool by_seq_needed, bool by_hlc_needed)
{
    /* Two lookups, each on its own index: SQLite would answer the OR of
       both with a scan of the replica's whole history. */
    us_pstore_earlier_t e;
    *found = false;
    int rc = 0;
    if (by_seq_needed)
        rc = us_pstore_received_by_seq (store, found, &e, replica_id, epoch, d->seq);
    if (rc == 0 && !*found && by_hlc_needed)
        rc = us_pstore_received_by_edit (store, found, &e, replica_id, d->hlc, d->unit,
                                         d->indicator, d->month, d->clear, d->value);
    if (rc || !*found)
        return rc;
    res->result.seq = d->seq;
    /* A superseded edit was answered as accepted; it is again. */
    res->result.outcome = e.outcome == US_OUTCOME_SUPERSEDED ? US_OUTCOME_ACCEPTED
                        : (us_outcome_t) e.outcome;
    snprintf (res->reason, sizeof res->reason, "%s", e.reason);
    res->result.value = e.value;
    res->result.version = e.version;
    res->result.cleared = e.cleared;
    res->result.duplicate = true;
    if (e.origin_hlc != d->hlc)
        return us_error_set (US_EEXIST, "sequence %" PRIu64 " of epoch %u names another "
                             "edit: this store was restored from a backup; start a new "
                             "epoch", d->seq, epoch);
    return 0;
}

/* Appends a received delta and its result to the audit chain. */
static int
s_record (us_pstore_chain_t *chain, us_pstore_t *store, const us_replica_t *rep, uint32_t epoch,
          const us_delta_t *d, uint64_t hlc, bool clamped, const us_merge_result_t *res)
{
    us_audit_row_t row = {
        .replica_id = rep ? rep->id : 0, .epoch = epoch, .seq = (int64_t) d->seq,
        .unit = d->unit, .indicator = d->indicator, .month = d->month,
        .has_value = !d->clear, .value = d->clear ? 0 : d->value, .hlc = (int64_t) hlc,
        .origin_hlc = (int64_t) d->hlc, .clamped = clamped,
        .base_version = (int64_t) d->base_version, .author = d->author,
        .note = d->note ? d->note : "",
        .outcome = res->superseded ? US_OUTCOME_SUPERSEDED : (int) res->result.outcome,
        .reason = res->reason, .version = (int64_t) res->result.version,
        .at = us_hlc_wall_ms () };
    return us_pstore_record_append (store, chain, &row);
}

/* Applies the deltas of a Push inside its transaction. */
static int
s_push (us_merge_result_t *results, us_pstore_t *store, const us_replica_t *replica,
        const us_push_t *push, us_pstore_chain_t *chain, us_hlc_t *clock)
{
    s_writer_t w = { replica, replica->key, replica->level, replica->unit_id, push->resent, 0 };
    s_memo_t memo = { 0 };
    uint64_t high_water = 0, top = 0;
    bool other_epochs = false;
    int rc = us_pstore_epoch_history (store, &high_water, &other_epochs, replica->id, push->epoch);
    /* The office was told of more of this epoch than the store holds: the
       store was put back from a backup while the office's sync went on
       (its Hello was answered before). Taken, the batch would raise the
       high water over the lost edits and hide them from every later
       Hello; refused, the office says hello again, the store notices it
       went back and the office sends them again. Edits sent again are
       exempt: they are that healing. */
    if (rc == 0 && !push->resent && push->acked > high_water)
        rc = us_error_set (US_EBEHIND, "the province acknowledged seq %" PRIu64 " of epoch %u "
                           "and holds only up to %" PRIu64 ": its store was put back from a "
                           "backup; say hello again", push->acked, push->epoch, high_water);
    for (size_t i = 0; rc == 0 && i < push->count; i++) {
        const us_delta_t *d = &push->deltas [i];
        us_merge_result_t *res = &results [i];
        memset (res, 0, sizeof *res);
        bool found;
        /* Only a seq at or below one already recorded (before this batch
           or earlier in it) can have been applied; an edit re-sent under
           a new epoch can only be found when there was another epoch. A
           seq beyond SQLite's integers would be stored negative: it is
           always looked up and kept out of the high-water mark. */
        bool big = d->seq > INT64_MAX;
        bool seen = big || d->seq <= high_water || d->seq <= top;
        if (!big && d->seq > top)
            top = d->seq;
        rc = s_earlier (&found, res, store, replica->id, push->epoch, d, seen, other_epochs);
        if (rc || found)
            continue;
        int64_t now = us_hlc_wall_ms ();
        uint64_t hlc = us_rules_clock (d->hlc, now);
        us_hlc_update (clock, hlc, now);
        /* The record appended next is this delta's: a cell it writes names
           it, so that a pull can leave out what the ack told the office. */
        w.record = hlc == d->hlc ? chain->next_id : 0;
        rc = s_apply (res, &memo, store, &w, d, hlc);
        if (rc == 0)
            rc = s_record (chain, store, replica, push->epoch, d, hlc, hlc != d->hlc, res);
    }
    if (rc == 0 && top)
        rc = us_pstore_epoch_raise (store, replica->id, push->epoch, top);
    return rc;
}

/* Applies a Push from replica. */
int
us_merge_push (us_merge_result_t *results, us_pstore_t *store,
               const us_replica_t *replica, const us_push_t *push,
               const uint8_t *signed_bytes, size_t signed_len, us_hlc_t *clock)
{
    us_pstore_chain_t chain;
    us_replica_t now;
    bool nested;
    int rc = us_pstore_begin_part (store, &nested);
    /* The replica as it stands inside the batch's transaction: a
       revocation, re-key or move that came after the request was read
       holds for the whole batch. */
    if (rc == 0)
        rc = us_pstore_replica (store, &now, replica->key);
    if (rc == 0 && now.id != replica->id)
        rc = us_error_set (US_EPERM, "this key now belongs to another replica");
    if (rc == 0 && !now.has_sign)
        rc = us_error_set (US_EPERM, "this replica has no signing key enrolled; re-key it");
    if (rc == 0 && (memcmp (now.sign_public, replica->sign_public, 32) != 0))
        rc = us_error_set (US_EPERM, "this replica was re-keyed while the batch was read");
    if (rc == 0)
        rc = us_pstore_chain_open (store, &chain);
    int64_t rows = chain.rows;
    if (rc == 0)
        rc = us_pstore_batch_add (store, &chain, now.id, push->epoch, signed_bytes,
                                  signed_len, push->signature, push->signature_len);
    if (rc == 0)
        rc = s_push (results, store, &now, push, &chain, clock);
    /* A batch that only repeated what was applied adds no record; its
       bytes are not kept either, so replaying one batch does not grow the
       store. */
    if (rc == 0 && chain.rows == rows)
        rc = us_pstore_batch_drop (store, chain.batch_id);
    if (rc == 0)
        rc = us_pstore_chain_close (store, &chain);
    if (rc == 0)
        rc = us_pstore_commit_part (store, nested);
    if (rc) {
        us_pstore_rollback_part (store, nested);
        return rc;
    }
    for (size_t i = 0; i < push->count; i++)
        results [i].result.reason = results [i].reason;
    return 0;
}

/* Checks the arguments of a correction and fills the delta from them. */
static int
s_correction (us_delta_t *d, const char *month, const char *value, const char *note,
              const char *author)
{
    int rc = us_month_parse (&d->month, month);
    if (rc)
        return rc;
    if (!note || !*note)
        return us_error_set (US_EINVAL, "a correction needs --note saying why");
    if (strlen (note) > US_MAX_NOTE || !us_text_utf8_valid_lines (note))
        return us_error_set (US_EINVAL, "note too long or not UTF-8");
    if (!author || !*author || strlen (author) > US_MAX_CODE || !us_text_utf8_valid (author))
        return us_error_set (US_EINVAL, "author name missing, longer than %d bytes or not UTF-8",
                             US_MAX_CODE);
    if (value)
        return us_text_parse_int (&d->value, value);
    d->clear = true;
    return 0;
}

/* Applies a province correction of one cell. */
int
us_merge_correct (us_merge_result_t *result, us_pstore_t *store, const char *unit,
                  const char *month, const char *indicator, const char *value,
                  const char *note, const char *author, bool resolve, us_hlc_t *clock)
{
    us_delta_t d = { .unit = unit, .indicator = indicator, .author = author, .note = note };
    int rc = s_correction (&d, month, value, note, author);
    if (rc)
        return rc;
    s_writer_t w = { NULL, "", 0, 0, false, 0 };
    memset (result, 0, sizeof *result);
    rc = us_pstore_begin (store);
    if (rc)
        return rc;
    int64_t unit_id;
    const us_pstore_ind_t *ind;
    s_memo_t memo = { 0 };
    us_pstore_cell_t cell;
    if (us_pstore_unit_id (store, &unit_id, unit) == 0
    &&  s_indicator (&memo, store, &ind, indicator) == 0
    &&  us_pstore_cell_get (store, &cell, unit_id, ind->id, d.month) == 0)
        d.base_version = cell.version;  /* the province sees the current figure */
    us_error_clear ();
    d.hlc = us_hlc_tick (clock, us_hlc_wall_ms ());
    us_pstore_chain_t chain;
    rc = us_pstore_chain_open (store, &chain);
    d.seq = (uint64_t) chain.next_id;   /* unique among the province's own records */
    if (rc == 0)
        rc = s_apply (result, &memo, store, &w, &d, d.hlc);
    if (rc == 0)
        rc = s_record (&chain, store, NULL, 0, &d, d.hlc, false, result);
    if (rc == 0)
        rc = us_pstore_chain_close (store, &chain);
    int resolved = 0;
    if (rc == 0 && resolve && result->result.outcome != US_OUTCOME_REJECTED)
        rc = us_pstore_conflicts_resolve (store, &resolved, unit, d.month, indicator);
    if (rc == 0)
        rc = us_pstore_commit (store);
    if (rc) {
        us_pstore_rollback (store);
        return rc;
    }
    result->result.reason = result->reason;
    return 0;
}
