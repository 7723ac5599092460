/*  us_merge: applies deltas to the provincial store. */
#include "us_merge.h"
#include "us_audit.h"
#include "us_catalog.h"
#include "us_db.h"
#include "us_error.h"
#include "us_period.h"
#include "us_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The cell as it stands before a delta. */
typedef struct {
    int64_t id;
    bool exists;
    bool has_value;
    int64_t value;
    uint64_t version;
    uint64_t hlc;
    char replica [41];
    char author [65];
    char replica_kind [16];     /* kind of the unit the last writer is enrolled for */
} s_cell_t;

/* What is known about the writer of a delta. */
typedef struct {
    const us_replica_t *replica;    /* NULL for the province's own corrections */
    const char *key;                /* "" for the province */
    const char *kind;               /* unit kind the writer is enrolled for */
    int64_t root_id;                /* scope root; 0 for the whole tree */
} s_writer_t;

/* An indicator as a batch has looked it up. */
typedef struct {
    char code [US_MAX_CODE + 1];
    int64_t id;
    char kind [16];
    char policy [24];
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
} s_memo_t;

/* Sets a rejection result. */
static void
s_reject (us_merge_result_t *res, const char *fmt, const char *a, const char *b)
{
    res->result.outcome = US_OUTCOME_REJECTED;
    res->result.cleared = true;     /* nothing known of the cell, unless filled in */
    snprintf (res->reason, sizeof res->reason, fmt, a, b);
}

/* Reads the cell's current state. */
static int
s_cell_load (s_cell_t *cell, us_pstore_t *store, int64_t unit_id, int64_t ind_id, int month)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT c.id, c.value, c.version, c.hlc, c.replica, c.author,"
        " COALESCE (u.kind, 'province')"
        " FROM cells c LEFT JOIN replicas r ON r.curve_key = c.replica"
        " LEFT JOIN units u ON u.id = r.unit_id"
        " WHERE c.unit_id = ? AND c.ind_id = ? AND c.month = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int64 (st, 2, ind_id);
    sqlite3_bind_int (st, 3, month);
    memset (cell, 0, sizeof *cell);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        cell->exists = true;
        cell->id = sqlite3_column_int64 (st, 0);
        cell->has_value = sqlite3_column_type (st, 1) != SQLITE_NULL;
        cell->value = sqlite3_column_int64 (st, 1);
        cell->version = (uint64_t) sqlite3_column_int64 (st, 2);
        cell->hlc = (uint64_t) sqlite3_column_int64 (st, 3);
        snprintf (cell->replica, sizeof cell->replica, "%s", us_db_text (st, 4));
        snprintf (cell->author, sizeof cell->author, "%s", us_db_text (st, 5));
        snprintf (cell->replica_kind, sizeof cell->replica_kind, "%s", us_db_text (st, 6));
    }
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (us_pstore_db (store), "cells");
}

/* Writes the delta's value as the cell's new version: an update of the row
   loaded before, or a new row. */
static int
s_cell_write (us_pstore_t *store, const s_cell_t *cell, int64_t unit_id, int64_t ind_id,
              const us_delta_t *d, uint64_t hlc, const s_writer_t *w, bool corrected)
{
    sqlite3_stmt *st = cell->exists
        ? us_pstore_stmt (store,
            "UPDATE cells SET value = ?4, version = ?5, hlc = ?6, replica = ?7, author = ?8,"
            " note = ?9, corrected = ?10 WHERE id = ?11")
        : us_pstore_stmt (store,
            "INSERT INTO cells (unit_id, ind_id, month, value, version, hlc, replica, author,"
            " note, corrected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!st)
        return US_EIO;
    if (cell->exists)
        sqlite3_bind_int64 (st, 11, cell->id);
    else {
        sqlite3_bind_int64 (st, 1, unit_id);
        sqlite3_bind_int64 (st, 2, ind_id);
        sqlite3_bind_int (st, 3, d->month);
    }
    if (!d->clear)
        sqlite3_bind_int64 (st, 4, d->value);
    sqlite3_bind_int64 (st, 5, (int64_t) cell->version + 1);
    sqlite3_bind_int64 (st, 6, (int64_t) hlc);
    sqlite3_bind_text (st, 7, w->key, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 8, d->author, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 9, d->note ? d->note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 10, corrected);
    sqlite3 *db = us_pstore_db (store);
    int rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (db, "cells");
    sqlite3_reset (st);
    int64_t id = cell->exists ? cell->id : sqlite3_last_insert_rowid (db);
    return rc ? rc : us_pstore_touch (store, US_CHANGE_CELL, id);
}

/* Records a settled conflict between the cell and the delta. */
static int
s_conflict_write (us_pstore_t *store, const s_cell_t *cell, int64_t unit_id,
                  int64_t ind_id, const us_delta_t *d, uint64_t hlc,
                  const s_writer_t *w, bool delta_won, const char *rule, bool settled)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "INSERT INTO conflicts (unit_id, ind_id, month, winner_value, winner_replica,"
        " winner_author, winner_hlc, loser_value, loser_replica, loser_author, loser_hlc,"
        " rule, at, resolved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return US_EIO;
    int dw = delta_won ? 4 : 8, cw = delta_won ? 8 : 4;   /* columns of each side */
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int64 (st, 2, ind_id);
    sqlite3_bind_int (st, 3, d->month);
    if (!d->clear)
        sqlite3_bind_int64 (st, dw, d->value);
    sqlite3_bind_text (st, dw + 1, w->key, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, dw + 2, d->author, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, dw + 3, (int64_t) hlc);
    if (cell->has_value)
        sqlite3_bind_int64 (st, cw, cell->value);
    sqlite3_bind_text (st, cw + 1, cell->replica, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, cw + 2, cell->author, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, cw + 3, (int64_t) cell->hlc);
    sqlite3_bind_text (st, 12, rule, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 13, (int64_t) hlc);
    sqlite3_bind_int (st, 14, settled);
    int rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (us_pstore_db (store), "conflicts");
    sqlite3_reset (st);
    return rc ? rc : us_pstore_touch (store, US_CHANGE_CONFLICT,
                                      sqlite3_last_insert_rowid (us_pstore_db (store)));
}

/* Decides a concurrent edit by policy; returns true when the delta wins and
   names the rule that decided. */
static bool
s_decide (const char **rule, bool *settled, const char *policy, const s_cell_t *cell,
          const us_delta_t *d, uint64_t hlc, const s_writer_t *w)
{
    *settled = true;
    bool w_prov = strcmp (w->kind, "province") == 0;
    bool c_prov = strcmp (cell->replica_kind, "province") == 0;
    if (strcmp (policy, "higher-level-wins") == 0 && w_prov != c_prov) {
        *rule = "higher-level-wins";
        return w_prov;
    }
    if (strcmp (policy, "max") == 0) {
        int64_t dv = d->clear ? INT64_MIN : d->value;
        int64_t cv = cell->has_value ? cell->value : INT64_MIN;
        if (dv != cv) {
            *rule = "max";
            return dv > cv;
        }
    }
    if (strcmp (policy, "manual") == 0) {
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
s_indicator (s_memo_t *memo, us_pstore_t *store, const s_ind_t **ind, const char *code)
{
    for (size_t i = 0; i < memo->n_inds; i++)
        if (strcmp (memo->inds [i].code, code) == 0) {
            *ind = &memo->inds [i];
            return 0;
        }
    sqlite3_stmt *st = us_pstore_stmt (store, "SELECT id, kind, policy FROM indicators WHERE code = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? US_ENOTFOUND
           : us_db_error (us_pstore_db (store), "indicators");
    /* The last entry is reused once the memo is full. */
    s_ind_t *x = &memo->inds [memo->n_inds < US_MEMO_INDS ? memo->n_inds : US_MEMO_INDS - 1];
    if (rc == 0) {
        snprintf (x->code, sizeof x->code, "%s", code);
        x->id = sqlite3_column_int64 (st, 0);
        snprintf (x->kind, sizeof x->kind, "%s", us_db_text (st, 1));
        snprintf (x->policy, sizeof x->policy, "%s", us_db_text (st, 2));
        if (memo->n_inds < US_MEMO_INDS)
            memo->n_inds++;
        *ind = x;
    }
    sqlite3_reset (st);
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
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT 1 FROM submissions WHERE unit_id = ? AND state = 'approved'"
        " AND first <= ? AND last >= ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int (st, 2, month);
    sqlite3_bind_int (st, 3, month);
    int step = sqlite3_step (st);
    *locked = step == SQLITE_ROW;
    sqlite3_reset (st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return us_db_error (us_pstore_db (store), "submissions");
    memo->lock_known = true;
    memo->lock_unit = unit_id;
    memo->lock_month = month;
    memo->locked = *locked;
    return 0;
}

/* Sets the result's state of the cell: as loaded, or as the delta wrote it. */
static void
s_result_from (us_merge_result_t *res, const s_cell_t *cell, const us_delta_t *d, bool written)
{
    res->result.version = written ? cell->version + 1 : cell->version;
    res->result.value = written ? (d->clear ? 0 : d->value) : cell->value;
    res->result.cleared = written ? d->clear : !cell->has_value;
}

/* Checks and applies one delta (inside the batch transaction). */
static int
s_apply (us_merge_result_t *res, s_memo_t *memo, us_pstore_t *store, const s_writer_t *w,
         const us_delta_t *d, uint64_t hlc)
{
    /* SQLite rolls a transaction back by itself on some errors; nothing
       may be written outside the batch's transaction. */
    if (sqlite3_get_autocommit (us_pstore_db (store)))
        return us_error_set (US_EIO, "the transaction was rolled back by an earlier error");
    res->result.seq = d->seq;
    res->result.outcome = US_OUTCOME_ACCEPTED;
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
    bool locked = false;
    const s_ind_t *ind = NULL;
    rc = s_indicator (memo, store, &ind, d->indicator);
    if (rc == 0 && strcmp (w->kind, "province") != 0)
        rc = s_locked (memo, store, &locked, unit_id, d->month);
    if (rc && rc != US_ENOTFOUND)
        return rc;
    if (rc == US_ENOTFOUND)
        s_reject (res, "unknown indicator %s%s", d->indicator, "");
    else
    if (strcmp (ind->kind, "ratio") == 0)
        s_reject (res, "%s is a ratio; it is computed, not entered%s", d->indicator, "");
    else
    if (!d->clear && d->value < 0)
        s_reject (res, "negative value for %s%s", d->indicator, "");
    else
    if (!d->clear && d->value > US_VALUE_MAX)
        s_reject (res, "value of %s is too large%s", d->indicator, "");
    else
    /* A lock holds the districts' figures; the province that set it may
       still correct them. */
    if (locked)
        s_reject (res, "locked: the period of %s for %s is approved", d->indicator, d->unit);
    s_cell_t cell;
    if (res->result.outcome == US_OUTCOME_REJECTED) {
        /* The office learns the figure the province holds. */
        rc = ind ? s_cell_load (&cell, store, unit_id, ind->id, d->month) : 0;
        if (rc == 0 && ind)
            s_result_from (res, &cell, d, false);
        return rc;
    }
    rc = s_cell_load (&cell, store, unit_id, ind->id, d->month);
    if (rc)
        return rc;
    bool corrected = strcmp (w->kind, "province") == 0
                  && (!w->replica || w->replica->unit_id != unit_id);
    /* base_version tells whether the editor saw the current figure; a
       replica's own later edits supersede its earlier ones. */
    bool concurrent = cell.exists && d->base_version != cell.version
                   && strcmp (cell.replica, w->key) != 0;
    bool won = true;
    if (!concurrent)
        rc = s_cell_write (store, &cell, unit_id, ind->id, d, hlc, w, corrected);
    else {
        const char *rule;
        bool settled;
        won = s_decide (&rule, &settled, ind->policy, &cell, d, hlc, w);
        res->result.outcome = won ? US_OUTCOME_CONFLICT_WON : US_OUTCOME_CONFLICT_LOST;
        snprintf (res->reason, sizeof res->reason, "concurrent edit by %s; decided by %s",
                  cell.author, rule);
        if (won)
            rc = s_cell_write (store, &cell, unit_id, ind->id, d, hlc, w, corrected);
        if (rc == 0)
            rc = s_conflict_write (store, &cell, unit_id, ind->id, d, hlc, w, won, rule, settled);
    }
    if (rc == 0)
        s_result_from (res, &cell, d, won);
    return rc;
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
    static const char *by_seq =
        "SELECT r.outcome, r.reason, c.value, c.version, c.id IS NULL OR c.value IS NULL,"
        " r.origin_hlc FROM received r LEFT JOIN units u ON u.code = r.unit"
        " LEFT JOIN indicators i ON i.code = r.indicator"
        " LEFT JOIN cells c ON c.unit_id = u.id AND c.ind_id = i.id AND c.month = r.month"
        " WHERE r.replica_id = ?1 AND r.epoch = ?2 AND r.seq = ?3";
    static const char *by_hlc =
        "SELECT r.outcome, r.reason, c.value, c.version, c.id IS NULL OR c.value IS NULL,"
        " r.origin_hlc FROM received r LEFT JOIN units u ON u.code = r.unit"
        " LEFT JOIN indicators i ON i.code = r.indicator"
        " LEFT JOIN cells c ON c.unit_id = u.id AND c.ind_id = i.id AND c.month = r.month"
        " WHERE r.replica_id = ?1 AND r.origin_hlc = ?2 AND r.unit = ?3"
        " AND r.indicator = ?4 AND r.month = ?5 AND r.value IS ?6 LIMIT 1";
    *found = false;
    for (int pass = 0; pass < 2 && !*found; pass++) {
        if (!(pass ? by_hlc_needed : by_seq_needed))
            continue;
        sqlite3_stmt *st = us_pstore_stmt (store, pass ? by_hlc : by_seq);
        if (!st)
            return US_EIO;
        sqlite3_bind_int64 (st, 1, replica_id);
        if (pass == 0) {
            sqlite3_bind_int64 (st, 2, epoch);
            sqlite3_bind_int64 (st, 3, (int64_t) d->seq);
        }
        else {
            sqlite3_bind_int64 (st, 2, (int64_t) d->hlc);
            sqlite3_bind_text (st, 3, d->unit, -1, SQLITE_STATIC);
            sqlite3_bind_text (st, 4, d->indicator, -1, SQLITE_STATIC);
            sqlite3_bind_int (st, 5, d->month);
            if (!d->clear)
                sqlite3_bind_int64 (st, 6, d->value);
        }
        int step = sqlite3_step (st);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            sqlite3_reset (st);
            return us_db_error (us_pstore_db (store), "received");
        }
        *found = step == SQLITE_ROW;
        if (*found) {
            res->result.seq = d->seq;
            res->result.outcome = (us_outcome_t) sqlite3_column_int (st, 0);
            snprintf (res->reason, sizeof res->reason, "%s", us_db_text (st, 1));
            res->result.value = sqlite3_column_int64 (st, 2);
            res->result.version = (uint64_t) sqlite3_column_int64 (st, 3);
            res->result.cleared = sqlite3_column_int (st, 4) != 0;
            res->result.duplicate = true;
            bool other = (uint64_t) sqlite3_column_int64 (st, 5) != d->hlc;
            sqlite3_reset (st);
            if (other)
                return us_error_set (US_EEXIST, "sequence %" PRIu64 " of epoch %u names another "
                                     "edit: this store was restored from a backup; start a new "
                                     "epoch", d->seq, epoch);
            return 0;
        }
        sqlite3_reset (st);
    }
    return 0;
}

/* The audit chain's head while a transaction appends to it. */
typedef struct {
    uint8_t prev [US_HASH_LEN];
    int64_t next_id;
    int64_t rows;
    int64_t batch_id;
} s_chain_t;

/* Loads the chain's head (inside the transaction). */
static int
s_chain_load (s_chain_t *chain, us_pstore_t *store)
{
    memset (chain, 0, sizeof *chain);
    int rc = us_audit_last (chain->prev, store);
    if (rc == 0)
        rc = us_db_meta_int (&chain->rows, us_pstore_db (store), "audit_rows", 0);
    sqlite3_stmt *st = rc ? NULL : us_pstore_stmt (store,
        "SELECT COALESCE (MAX (id), 0) + 1 FROM received");
    if (!st)
        return rc ? rc : US_EIO;
    int step = sqlite3_step (st);
    chain->next_id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 1;
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : us_db_error (us_pstore_db (store), "received");
}

/* Saves the chain's length (inside the transaction). */
static int
s_chain_save (const s_chain_t *chain, us_pstore_t *store)
{
    return us_db_meta_set_int (us_pstore_db (store), "audit_rows", chain->rows);
}

/* Keeps the bytes a replica signed, with the signature, for audit verify. */
static int
s_batch_keep (s_chain_t *chain, us_pstore_t *store, const us_replica_t *rep,
              const us_push_t *push, const uint8_t *bytes, size_t len)
{
    if (sqlite3_get_autocommit (us_pstore_db (store)))
        return us_error_set (US_EIO, "the transaction was rolled back by an earlier error");
    sqlite3_stmt *st = us_pstore_stmt (store,
        "INSERT INTO batches (replica_id, epoch, bytes, signature, at) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, rep->id);
    sqlite3_bind_int64 (st, 2, push->epoch);
    sqlite3_bind_blob (st, 3, bytes, (int) len, SQLITE_STATIC);
    if (push->signature_len)
        sqlite3_bind_blob (st, 4, push->signature, (int) push->signature_len, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 5, us_hlc_wall_ms ());
    int rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (us_pstore_db (store), "batches");
    sqlite3_reset (st);
    chain->batch_id = sqlite3_last_insert_rowid (us_pstore_db (store));
    return rc;
}

/* Appends a received delta and its result to the audit chain. */
static int
s_record (s_chain_t *chain, us_pstore_t *store, const us_replica_t *rep, uint32_t epoch,
          const us_delta_t *d, uint64_t hlc, bool clamped, const us_merge_result_t *res)
{
    if (sqlite3_get_autocommit (us_pstore_db (store)))
        return us_error_set (US_EIO, "the transaction was rolled back by an earlier error");
    us_audit_row_t row = {
        .id = chain->next_id, .replica_id = rep ? rep->id : 0, .batch_id = chain->batch_id,
        .epoch = epoch, .seq = (int64_t) d->seq, .unit = d->unit, .indicator = d->indicator,
        .month = d->month, .has_value = !d->clear, .value = d->clear ? 0 : d->value,
        .hlc = (int64_t) hlc, .origin_hlc = (int64_t) d->hlc, .clamped = clamped, .base_version = (int64_t) d->base_version,
        .author = d->author, .note = d->note ? d->note : "", .outcome = (int) res->result.outcome,
        .reason = res->reason, .version = (int64_t) res->result.version,
        .at = us_hlc_wall_ms () };
    uint8_t hash [US_HASH_LEN];
    int rc = us_audit_hash (hash, chain->prev, &row);
    if (rc)
        return rc;
    sqlite3_stmt *st = us_pstore_stmt (store,
        "INSERT INTO received (id, replica_id, epoch, seq, unit, indicator, month, value, hlc,"
        " clamped, base_version, author, note, outcome, reason, version, at, batch_id,"
        " prev_hash, hash, origin_hlc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, row.id);
    sqlite3_bind_int64 (st, 2, row.replica_id);
    sqlite3_bind_int64 (st, 3, row.epoch);
    sqlite3_bind_int64 (st, 4, row.seq);
    sqlite3_bind_text (st, 5, row.unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 6, row.indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 7, row.month);
    if (row.has_value)
        sqlite3_bind_int64 (st, 8, row.value);
    sqlite3_bind_int64 (st, 9, row.hlc);
    sqlite3_bind_int (st, 10, row.clamped);
    sqlite3_bind_int64 (st, 11, row.base_version);
    sqlite3_bind_text (st, 12, row.author, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 13, row.note, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 14, row.outcome);
    sqlite3_bind_text (st, 15, row.reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 16, row.version);
    sqlite3_bind_int64 (st, 17, row.at);
    sqlite3_bind_int64 (st, 18, row.batch_id);
    sqlite3_bind_blob (st, 19, chain->prev, US_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob (st, 20, hash, US_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 21, row.origin_hlc);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (us_pstore_db (store), "received");
    sqlite3_reset (st);
    if (rc == 0) {
        memcpy (chain->prev, hash, US_HASH_LEN);
        chain->next_id++;
        chain->rows++;
    }
    return rc;
}

/* Raises the replica's high-water mark for the epoch. */
static int
s_high_water (us_pstore_t *store, const us_replica_t *rep, uint32_t epoch, uint64_t seq)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "INSERT INTO epochs (replica_id, epoch, high_water) VALUES (?, ?, ?)"
        " ON CONFLICT (replica_id, epoch) DO UPDATE SET"
        " high_water = MAX (high_water, excluded.high_water)");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, rep->id);
    sqlite3_bind_int64 (st, 2, epoch);
    sqlite3_bind_int64 (st, 3, (int64_t) seq);
    int rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (us_pstore_db (store), "epochs");
    sqlite3_reset (st);
    if (rc)
        return rc;
    st = us_pstore_stmt (store,
        "UPDATE replicas SET max_epoch = MAX (max_epoch, ?) WHERE id = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, epoch);
    sqlite3_bind_int64 (st, 2, rep->id);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (us_pstore_db (store), "replicas");
    sqlite3_reset (st);
    return rc;
}

/* Reads what bounds the lookups of earlier deltas: the highest seq applied
   in this epoch, and whether the replica has sent under any other epoch. */
static int
s_history (us_pstore_t *store, uint64_t *high_water, bool *other_epochs,
           int64_t replica_id, uint32_t epoch)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT COALESCE (MAX (CASE WHEN epoch = ?2 THEN high_water END), 0),"
        " COALESCE (MAX (epoch <> ?2), 0) FROM epochs WHERE replica_id = ?1");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, replica_id);
    sqlite3_bind_int64 (st, 2, epoch);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        *high_water = (uint64_t) sqlite3_column_int64 (st, 0);
        *other_epochs = sqlite3_column_int (st, 1) != 0;
    }
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : us_db_error (us_pstore_db (store), "epochs");
}

/* Applies a Push from replica. */
int
us_merge_push (us_merge_result_t *results, us_pstore_t *store,
               const us_replica_t *replica, const us_push_t *push,
               const uint8_t *signed_bytes, size_t signed_len, us_hlc_t *clock)
{
    sqlite3 *db = us_pstore_db (store);
    s_writer_t w = { replica, replica->key, replica->unit_kind, replica->unit_id };
    s_chain_t chain;
    s_memo_t memo = { 0 };
    uint64_t high_water = 0;
    bool other_epochs = false;
    int rc = us_db_begin (db);
    if (rc == 0)
        rc = s_chain_load (&chain, store);
    if (rc == 0)
        rc = s_history (store, &high_water, &other_epochs, replica->id, push->epoch);
    if (rc == 0)
        rc = s_batch_keep (&chain, store, replica, push, signed_bytes, signed_len);
    uint64_t top = 0;
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
        uint64_t hlc = us_hlc_clamp (d->hlc, now, US_MAX_AHEAD_MS);
        us_hlc_update (clock, hlc, now);
        rc = s_apply (res, &memo, store, &w, d, hlc);
        if (rc == 0)
            rc = s_record (&chain, store, replica, push->epoch, d, hlc, hlc != d->hlc, res);
    }
    if (rc == 0 && top)
        rc = s_high_water (store, replica, push->epoch, top);
    if (rc == 0)
        rc = s_chain_save (&chain, store);
    if (rc == 0)
        rc = us_db_commit (db);
    if (rc) {
        us_db_rollback (db);
        return rc;
    }
    for (size_t i = 0; i < push->count; i++)
        results [i].result.reason = results [i].reason;
    return 0;
}

/* Applies a province correction of one cell. */
int
us_merge_correct (us_merge_result_t *result, us_pstore_t *store, const char *unit,
                  const char *month, const char *indicator, const char *value,
                  const char *note, const char *author, bool resolve, us_hlc_t *clock)
{
    us_delta_t d = { .unit = unit, .indicator = indicator, .author = author, .note = note };
    int rc = us_month_parse (&d.month, month);
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
        rc = us_text_parse_int (&d.value, value);
    else
        d.clear = true;
    if (rc)
        return rc;
    sqlite3 *db = us_pstore_db (store);
    s_writer_t w = { NULL, "", "province", 0 };
    memset (result, 0, sizeof *result);
    rc = us_db_begin (db);
    if (rc)
        return rc;
    int64_t unit_id;
    const s_ind_t *ind;
    s_memo_t memo = { 0 };
    s_cell_t cell;
    if (us_pstore_unit_id (store, &unit_id, unit) == 0
    &&  s_indicator (&memo, store, &ind, indicator) == 0
    &&  s_cell_load (&cell, store, unit_id, ind->id, d.month) == 0)
        d.base_version = cell.version;  /* the province sees the current figure */
    d.hlc = us_hlc_tick (clock, us_hlc_wall_ms ());
    s_chain_t chain;
    rc = s_chain_load (&chain, store);
    d.seq = (uint64_t) chain.next_id;   /* unique among the province's own records */
    if (rc == 0)
        rc = s_apply (result, &memo, store, &w, &d, d.hlc);
    if (rc == 0)
        rc = s_record (&chain, store, NULL, 0, &d, d.hlc, false, result);
    if (rc == 0)
        rc = s_chain_save (&chain, store);
    int resolved = 0;
    if (rc == 0 && resolve && result->result.outcome != US_OUTCOME_REJECTED)
        rc = us_pstore_conflicts_resolve (store, &resolved, unit, d.month, indicator);
    if (rc == 0)
        rc = us_db_commit (db);
    if (rc) {
        us_db_rollback (db);
        return rc;
    }
    result->result.reason = result->reason;
    return 0;
}
