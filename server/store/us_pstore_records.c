/*  us_pstore_records: the audit chain: received deltas and kept batches. */
#include "us_pstore_sql.h"
#include "us_audit.h"
#include "us_codec.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_period.h"
#include "us_tree.h"

#include <stdlib.h>
#include <string.h>

/* Loads the chain's head (inside the transaction). */
int
us_pstore_chain_open (us_pstore_t *self, us_pstore_chain_t *chain)
{
    memset (chain, 0, sizeof *chain);
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT hash, id + 1 FROM received ORDER BY id DESC LIMIT 1", "reading the audit chain");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    chain->next_id = 1;
    if (step == SQLITE_ROW) {
        if (sqlite3_column_bytes (st, 0) == US_HASH_LEN)
            memcpy (chain->prev, sqlite3_column_blob (st, 0), US_HASH_LEN);
        chain->next_id = sqlite3_column_int64 (st, 1);
    }
    sqlite3_reset (st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return us_pstore_fail (self, "reading the audit chain");
    rc = us_pstore_chain_rows (self, &chain->rows);
    self->chain = rc == 0 ? chain : NULL;
    return rc;
}

/* Sets *id to the id of the chain's last record (0: none). */
int
us_pstore_record_last (us_pstore_t *self, int64_t *id)
{
    sqlite3_stmt *st;
    int rc = us_pstore_queue_flush (self);
    if (rc == 0)
        rc = us_pstore_prep (self, &st, "SELECT COALESCE (MAX (id), 0) FROM received",
                             "reading the audit chain");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    *id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : us_pstore_fail (self, "reading the audit chain");
}

/* Sets *rows to the number of records the chain says it holds. */
int
us_pstore_chain_rows (us_pstore_t *self, int64_t *rows)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT records FROM audit_head WHERE id = 1",
                             "reading the audit chain's length");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    *rows = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0
         : us_pstore_fail (self, "reading the audit chain's length");
}

/* Saves the chain's length. */
int
us_pstore_chain_close (us_pstore_t *self, const us_pstore_chain_t *chain)
{
    sqlite3_stmt *st;
    int rc = us_pstore_queue_flush (self);
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
        "INSERT INTO audit_head (id, records) VALUES (1, ?)"
        " ON CONFLICT (id) DO UPDATE SET records = excluded.records",
        "writing the audit chain's length");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, chain->rows);
    self->chain = NULL;
    return us_pstore_done (self, st, "writing the audit chain's length");
}

/* Appends the record of an act of the province. */
int
us_pstore_act_record (us_pstore_t *self, us_act_t kind, const char *unit,
                      const char *indicator, int month, bool has_value, int64_t value,
                      const char *author, const char *reason)
{
    /* An act done as part of an office's batch (an edit that amends a
       submitted report) goes onto the batch's open chain, outside the
       batch itself, so the chain the batch closes stays whole. */
    us_pstore_chain_t own, *chain = self->chain;
    int rc = chain ? 0 : us_pstore_chain_open (self, &own);
    if (rc)
        return rc;
    if (!chain)
        chain = &own;
    int64_t batch_id = chain->batch_id;
    chain->batch_id = 0;
    us_audit_row_t row = {
        .kind = (int) kind, .seq = chain->next_id, .unit = unit, .indicator = indicator,
        .month = month, .has_value = has_value, .value = has_value ? value : 0,
        .author = author && *author ? author : "province", .note = "",
        .reason = reason, .at = us_hlc_wall_ms () };
    rc = us_pstore_record_append (self, chain, &row);
    chain->batch_id = batch_id;
    if (rc == 0 && chain == &own)
        rc = us_pstore_chain_close (self, &own);
    return rc;
}

/* Copies the hash of record id. */
int
us_pstore_record_hash (us_pstore_t *self, int64_t id, uint8_t *hash, bool *found)
{
    sqlite3_stmt *st;
    int rc = us_pstore_queue_flush (self);
    if (rc == 0)
        rc = us_pstore_prep (self, &st, "SELECT hash FROM received WHERE id = ?",
                             "reading the audit chain");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, id);
    int step = sqlite3_step (st);
    *found = step == SQLITE_ROW && sqlite3_column_bytes (st, 0) == US_HASH_LEN;
    if (*found)
        memcpy (hash, sqlite3_column_blob (st, 0), US_HASH_LEN);
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0
         : us_pstore_fail (self, "reading the audit chain");
}

/* Records an import. */
int
us_pstore_import_record (us_pstore_t *self, const char *what, int count)
{
    char text [US_MAX_REASON];
    snprintf (text, sizeof text, "%s import of %d rows", what, count);
    return us_pstore_act_record (self, US_ACT_IMPORT, "", "", -1, true, count, "", text);
}

/* Copies the code of unit id. */
int
us_pstore_unit_code (us_pstore_t *self, char *code, size_t size, int64_t id)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT code FROM units WHERE id = ?", "reading units");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, id);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        snprintf (code, size, "%s", us_db_text (st, 0));
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : step == SQLITE_DONE
         ? us_error_set (US_ENOTFOUND, "no unit %lld", (long long) id)
         : us_pstore_fail (self, "reading units");
}

/* Keeps the bytes a replica signed, with the signature. */
int
us_pstore_batch_add (us_pstore_t *self, us_pstore_chain_t *chain, int64_t replica_id,
                     uint32_t epoch, const uint8_t *bytes, size_t len,
                     const uint8_t *signature, size_t signature_len)
{
    if (!us_pstore_in_transaction (self))
        return us_error_set (US_EIO, "keeping a batch: the transaction was rolled back by an "
                             "earlier error");
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO batches (replica_id, epoch, bytes, signature, at) VALUES (?, ?, ?, ?, ?)",
        "keeping a batch");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, replica_id);
    sqlite3_bind_int64 (st, 2, epoch);
    sqlite3_bind_blob (st, 3, bytes ? (const void *) bytes : "", (int) len, SQLITE_STATIC);
    if (signature_len)
        sqlite3_bind_blob (st, 4, signature, (int) signature_len, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 5, us_hlc_wall_ms ());
    rc = us_pstore_done (self, st, "keeping a batch");
    if (rc == 0)
        chain->batch_id = sqlite3_last_insert_rowid (self->db);
    return rc;
}

/* Removes a batch that added no record. */
int
us_pstore_batch_drop (us_pstore_t *self, int64_t batch_id)
{
    sqlite3_stmt *st;
    int rc = us_pstore_queue_flush (self);
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
        "DELETE FROM batches WHERE id = ? AND NOT EXISTS (SELECT 1 FROM received"
        " WHERE batch_id = ?1)", "dropping a batch that changed nothing");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, batch_id);
    return us_pstore_done (self, st, "dropping a batch that changed nothing");
}

/* Appends a record to the chain. */
int
us_pstore_record_append (us_pstore_t *self, us_pstore_chain_t *chain, us_audit_row_t *row)
{
    if (!us_pstore_in_transaction (self))
        return us_error_set (US_EIO, "appending an audit record: the transaction was rolled "
                             "back by an earlier error");
    row->id = chain->next_id;
    row->batch_id = chain->batch_id;
    uint8_t hash [US_HASH_LEN];
    int rc = us_audit_hash (hash, chain->prev, row);
    if (rc == 0)
        rc = us_pstore_queue_record (self, row, chain->prev, hash);
    if (rc == 0) {
        memcpy (chain->prev, hash, US_HASH_LEN);
        chain->next_id++;
        chain->rows++;
    }
    return rc;
}

/* The columns of an earlier result, as its first answer carried them:
   never the cell as it is now, which may have been written since by an
   office the replica may not read. A delta that was written answered its
   own value; one that lost or was refused for a rule answered the cell at
   the version the record keeps, the value of the record that wrote that
   version; one refused before any cell was read (unknown unit or
   indicator, or outside the scope) answered version 0 and nothing. */
#define S_ANSWER \
    "(CASE WHEN r.outcome IN (1, 2) THEN r.value WHEN r.version = 0 THEN NULL" \
    " ELSE (SELECT w.value FROM received w WHERE w.id < r.id AND w.unit = r.unit" \
    "       AND w.indicator = r.indicator AND w.month = r.month AND w.version = r.version" \
    "       AND w.outcome IN (1, 2) AND w.kind = 0 ORDER BY w.id DESC LIMIT 1) END)"
#define S_EARLIER \
    "SELECT r.outcome, r.reason, " S_ANSWER ", r.version, " S_ANSWER " IS NULL," \
    " r.origin_hlc FROM received r"
_Static_assert (US_OUTCOME_ACCEPTED == 1 && US_OUTCOME_CONFLICT_WON == 2,
                "S_ANSWER names the written outcomes by number");

/* Steps an earlier-result statement and fills *earlier from its row. */
static int
s_earlier (us_pstore_t *self, bool *found, us_pstore_earlier_t *e, sqlite3_stmt *st)
{
    int step = sqlite3_step (st);
    *found = step == SQLITE_ROW;
    if (*found) {
        e->outcome = sqlite3_column_int (st, 0);
        snprintf (e->reason, sizeof e->reason, "%s", us_db_text (st, 1));
        e->value = sqlite3_column_int64 (st, 2);
        e->version = (uint64_t) sqlite3_column_int64 (st, 3);
        e->cleared = sqlite3_column_int (st, 4) != 0;
        e->origin_hlc = (uint64_t) sqlite3_column_int64 (st, 5);
    }
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0
         : us_pstore_fail (self, "reading earlier deltas");
}

/* Finds the record of (replica, epoch, seq). */
int
us_pstore_received_by_seq (us_pstore_t *self, bool *found, us_pstore_earlier_t *earlier,
                           int64_t replica_id, uint32_t epoch, uint64_t seq)
{
    sqlite3_stmt *st;
    *found = false;
    int rc = us_pstore_queue_flush (self);
    if (rc == 0)
        rc = us_pstore_prep (self, &st, S_EARLIER
        " WHERE r.replica_id = ?1 AND r.epoch = ?2 AND r.seq = ?3", "reading earlier deltas");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, replica_id);
    sqlite3_bind_int64 (st, 2, epoch);
    sqlite3_bind_int64 (st, 3, (int64_t) seq);
    return s_earlier (self, found, earlier, st);
}

/* Finds a record of the same edit re-sent under a new epoch. */
int
us_pstore_received_by_edit (us_pstore_t *self, bool *found, us_pstore_earlier_t *earlier,
                            int64_t replica_id, uint64_t origin_hlc, const char *unit,
                            const char *indicator, int month, bool clear, int64_t value)
{
    sqlite3_stmt *st;
    *found = false;
    int rc = us_pstore_queue_flush (self);
    if (rc == 0)
        rc = us_pstore_prep (self, &st, S_EARLIER
        " WHERE r.replica_id = ?1 AND r.origin_hlc = ?2 AND r.unit = ?3"
        " AND r.indicator = ?4 AND r.month = ?5 AND r.value IS ?6 LIMIT 1",
        "reading earlier deltas");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, replica_id);
    sqlite3_bind_int64 (st, 2, (int64_t) origin_hlc);
    sqlite3_bind_text (st, 3, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 4, indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 5, month);
    if (!clear)
        sqlite3_bind_int64 (st, 6, value);
    return s_earlier (self, found, earlier, st);
}

#define S_ROW_SQL \
    "SELECT id, replica_id, batch_id, epoch, seq, unit, indicator, month, value, hlc," \
    " clamped, base_version, author, note, outcome, reason, version, at, prev_hash, hash," \
    " origin_hlc, kind FROM received"

/* Fills an audit row from a statement over S_ROW_SQL's columns. */
static void
s_row_read (us_audit_row_t *row, sqlite3_stmt *st)
{
    row->id = sqlite3_column_int64 (st, 0);
    row->replica_id = sqlite3_column_int64 (st, 1);
    row->batch_id = sqlite3_column_int64 (st, 2);
    row->epoch = sqlite3_column_int64 (st, 3);
    row->seq = sqlite3_column_int64 (st, 4);
    row->unit = us_db_text (st, 5);
    row->indicator = us_db_text (st, 6);
    row->month = sqlite3_column_int (st, 7);
    row->has_value = sqlite3_column_type (st, 8) != SQLITE_NULL;
    row->value = sqlite3_column_int64 (st, 8);
    row->hlc = sqlite3_column_int64 (st, 9);
    row->clamped = sqlite3_column_int (st, 10) != 0;
    row->base_version = sqlite3_column_int64 (st, 11);
    row->author = us_db_text (st, 12);
    row->note = us_db_text (st, 13);
    row->outcome = sqlite3_column_int (st, 14);
    row->reason = us_db_text (st, 15);
    row->version = sqlite3_column_int64 (st, 16);
    row->at = sqlite3_column_int64 (st, 17);
    row->origin_hlc = sqlite3_column_int64 (st, 20);
    row->kind = sqlite3_column_int (st, 21);
}

/* Returns column col as a hash, or NULL when it is not one. */
static const uint8_t *
s_hash_col (sqlite3_stmt *st, int col)
{
    return sqlite3_column_bytes (st, col) == US_HASH_LEN ? sqlite3_column_blob (st, col) : NULL;
}

/* Visits every record, or those of one batch. */
int
us_pstore_records_each (us_pstore_t *self, int64_t batch_id, us_pstore_record_fn *fn, void *arg)
{
    /* Prepared apart from the cache: a walk may run inside another (the
       records of each batch), and the whole chain is read once. */
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db, batch_id > 0
        ? S_ROW_SQL " WHERE batch_id = ? ORDER BY id" : S_ROW_SQL " ORDER BY id");
    if (rc)
        return us_error_set (rc, "reading the audit chain: %s", us_error_msg ());
    if (batch_id > 0)
        sqlite3_bind_int64 (st, 1, batch_id);
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_audit_row_t row;
        s_row_read (&row, st);
        rc = fn (arg, &row, s_hash_col (st, 18), s_hash_col (st, 19));
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the audit chain");
    sqlite3_finalize (st);
    return rc;
}

/* Visits the records of months first..last in root's subtree. */
int
us_pstore_records_show (us_pstore_t *self, int first, int last, int64_t root,
                        int (*fn) (void *arg, const us_pstore_shown_t *shown), void *arg)
{
    int64_t *parent, len;
    int rc = us_pstore_tree_load (self, &parent, &len);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_db_prepare (&st, self->db,
        "SELECT r.id, r.replica_id, r.batch_id, r.epoch, r.seq, r.unit, r.indicator, r.month,"
        " r.value, r.hlc, r.clamped, r.base_version, r.author, r.note, r.outcome, r.reason,"
        " r.version, r.at, r.prev_hash, r.hash, r.origin_hlc, r.kind,"
        " COALESCE ((SELECT p.name FROM replicas p WHERE p.id = r.replica_id), 'province'), u.id"
        " FROM received r JOIN units u ON u.code = r.unit"
        /* acts without a period (enrolment, moves) belong to every period */
        " WHERE r.month BETWEEN ? AND ? OR r.month < 0 ORDER BY r.id");
    if (rc) {
        free (parent);
        return us_error_set (rc, "reading the audit chain: %s", us_error_msg ());
    }
    sqlite3_bind_int (st, 1, first);
    sqlite3_bind_int (st, 2, last);
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_audit_row_t row;
        s_row_read (&row, st);
        us_pstore_shown_t shown = { &row, us_db_text (st, 22), sqlite3_column_int64 (st, 23) };
        if (us_tree_under (parent, len, shown.unit_id, root))
            rc = fn (arg, &shown);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the audit chain");
    sqlite3_finalize (st);
    free (parent);
    return rc;
}

/* Visits every kept batch with the signing key in force when it came. */
int
us_pstore_batches_each (us_pstore_t *self,
                        int (*fn) (void *arg, const us_pstore_batch_t *batch), void *arg)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT b.id, b.bytes, b.signature,"
        /* the key in force when the batch came: a retired one, or the current */
        " CASE WHEN EXISTS (SELECT 1 FROM replica_keys k WHERE k.replica_id = b.replica_id"
        "                   AND k.last_batch >= b.id)"
        " THEN (SELECT k.sign_key FROM replica_keys k WHERE k.replica_id = b.replica_id"
        "       AND k.last_batch >= b.id ORDER BY k.last_batch LIMIT 1)"
        " ELSE r.sign_key END"
        " FROM batches b LEFT JOIN replicas r ON r.id = b.replica_id ORDER BY b.id");
    if (rc)
        return us_error_set (rc, "reading kept batches: %s", us_error_msg ());
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_pstore_batch_t b = {
            .id = sqlite3_column_int64 (st, 0),
            .bytes = sqlite3_column_blob (st, 1),
            .len = (size_t) sqlite3_column_bytes (st, 1),
            .signature = sqlite3_column_blob (st, 2),
            .signature_len = (size_t) sqlite3_column_bytes (st, 2),
            .sign_key = sqlite3_column_bytes (st, 3) == 32 ? sqlite3_column_blob (st, 3) : NULL };
        rc = fn (arg, &b);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading kept batches");
    sqlite3_finalize (st);
    return rc;
}

/* The first cell that differs from what its records give: the last
   delta written to it, or none; and the records of cells that are gone. */
static const char s_cells_check [] =
    "WITH last AS (SELECT unit, indicator, month, MAX (id) AS id FROM received"
    "  WHERE kind = 0 AND outcome IN (1, 2) GROUP BY unit, indicator, month)"
    " SELECT u.code, i.code, c.month, c.value, c.version, r.value, r.version, r.id IS NULL"
    " FROM cells c JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id"
    " LEFT JOIN last l ON l.unit = u.code AND l.indicator = i.code AND l.month = c.month"
    " LEFT JOIN received r ON r.id = l.id"
    " WHERE r.id IS NULL OR c.value IS NOT r.value OR c.version <> r.version"
    " UNION ALL"
    " SELECT l.unit, l.indicator, l.month, NULL, NULL, r.value, r.version, 0"
    " FROM last l JOIN received r ON r.id = l.id WHERE NOT EXISTS (SELECT 1 FROM cells c"
    "  JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id"
    "  WHERE u.code = l.unit AND i.code = l.indicator AND c.month = l.month)"
    " LIMIT 1";

/* The first target whose row is not what its last record set. */
static const char s_targets_check [] =
    "SELECT code, ind, now, rec FROM (SELECT u.code AS code, i.code AS ind,"
    "  t.period || ' ' || t.source || ' ' || t.lo || ' ' || t.hi || ' ' || t.is_range AS now,"
    "  (SELECT r.reason FROM received r WHERE r.kind = 5 AND r.unit = u.code"
    "   AND r.indicator = i.code AND substr (r.reason, 1, length (t.period || t.source) + 2)"
    "   = t.period || ' ' || t.source || ' ' ORDER BY r.id DESC LIMIT 1) AS rec"
    "  FROM targets t JOIN units u ON u.id = t.unit_id JOIN indicators i ON i.id = t.ind_id)"
    " WHERE (rec IS NOT NULL OR ?1) AND rec IS NOT now"
    /* and a target whose last record set it, but whose row is gone */
    " UNION ALL SELECT r.unit, r.indicator, 'nothing', r.reason FROM received r"
    "  WHERE r.kind = 5 AND r.id = (SELECT MAX (r2.id) FROM received r2 WHERE r2.kind = 5"
    "   AND r2.unit = r.unit AND r2.indicator = r.indicator"
    "   AND substr (r2.reason, 1, instr (r2.reason, ' ')"
    "       + instr (substr (r2.reason, instr (r2.reason, ' ') + 1), ' '))"
    "     = substr (r.reason, 1, instr (r.reason, ' ')"
    "       + instr (substr (r.reason, instr (r.reason, ' ') + 1), ' ')))"
    "  AND NOT EXISTS (SELECT 1 FROM targets t JOIN units u ON u.id = t.unit_id"
    "   JOIN indicators i ON i.id = t.ind_id WHERE u.code = r.unit AND i.code = r.indicator"
    "   AND t.period || ' ' || t.source || ' ' = substr (r.reason, 1, instr (r.reason, ' ')"
    "       + instr (substr (r.reason, instr (r.reason, ' ') + 1), ' ')))"
    " LIMIT 1";

/* The first workflow state that is not what its last record set. */
static const char s_states_check [] =
    "SELECT code, '', now, rec FROM (SELECT u.code AS code, s.period || ' ' || s.state AS now,"
    "  (SELECT r.reason FROM received r WHERE r.kind = 6 AND r.unit = u.code"
    "   AND substr (r.reason, 1, length (s.period) + 1) = s.period || ' '"
    "   ORDER BY r.id DESC LIMIT 1) AS rec"
    "  FROM submissions s JOIN units u ON u.id = s.unit_id)"
    " WHERE (rec IS NOT NULL OR ?1) AND rec IS NOT now"
    /* and a state whose last record set it, but whose row is gone */
    " UNION ALL SELECT r.unit, '', 'nothing', r.reason FROM received r"
    "  WHERE r.kind = 6 AND NOT EXISTS (SELECT 1 FROM submissions s"
    "   JOIN units u ON u.id = s.unit_id WHERE u.code = r.unit"
    "   AND s.period || ' ' = substr (r.reason, 1, instr (r.reason, ' ')))"
    " LIMIT 1";

/* Runs one check; sets the error naming its first row, if any. */
static int
s_replay_one (us_pstore_t *self, const char *sql, bool complete, bool cells)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db, sql);
    if (rc)
        return us_error_set (rc, "checking the records: %s", us_error_msg ());
    sqlite3_bind_int (st, 1, complete);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW && cells) {
        char month [16], held [32], given [32];
        us_month_format (month, sqlite3_column_int (st, 2));
        snprintf (held, sizeof held, sqlite3_column_type (st, 4) == SQLITE_NULL ? "no cell"
                  : sqlite3_column_type (st, 3) == SQLITE_NULL ? "nothing" : "%lld",
                  (long long) sqlite3_column_int64 (st, 3));
        snprintf (given, sizeof given, sqlite3_column_int (st, 7) ? "no record"
                  : sqlite3_column_type (st, 5) == SQLITE_NULL ? "nothing" : "%lld",
                  (long long) sqlite3_column_int64 (st, 5));
        rc = us_error_set (US_ECORRUPT, "cell %.64s %s %.64s holds %s (version %lld), its "
                           "records give %s (version %lld): changed outside the records",
                           us_db_text (st, 0), month, us_db_text (st, 1), held,
                           (long long) sqlite3_column_int64 (st, 4), given,
                           (long long) sqlite3_column_int64 (st, 6));
    }
    else
    if (step == SQLITE_ROW)
        rc = us_error_set (US_ECORRUPT, "%s %.64s%s%.64s holds '%.80s', its records give "
                           "'%.80s': changed outside the records",
                           *us_db_text (st, 1) ? "target of" : "workflow state of",
                           us_db_text (st, 0), *us_db_text (st, 1) ? " " : "",
                           us_db_text (st, 1), us_db_text (st, 2),
                           sqlite3_column_type (st, 3) == SQLITE_NULL ? "nothing"
                           : us_db_text (st, 3));
    else
    if (step != SQLITE_DONE)
        rc = us_pstore_fail (self, "checking the records");
    sqlite3_finalize (st);
    return rc;
}

/* Recomputes cells, targets and states from the records and compares. */
int
us_pstore_replay_check (us_pstore_t *self)
{
    int64_t complete = 0;
    int rc = us_db_meta_int (&complete, self->db, "acts_complete", 0);
    if (rc == 0)
        rc = s_replay_one (self, s_cells_check, true, true);
    if (rc == 0)
        rc = s_replay_one (self, s_targets_check, complete != 0, false);
    if (rc == 0)
        rc = s_replay_one (self, s_states_check, complete != 0, false);
    return rc;
}
