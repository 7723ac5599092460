/*  us_pstore_absorb: another provincial store brought into this one. */
#include "us_pstore_absorb.h"
#include "us_pstore_list.h"
#include "us_pstore_sql.h"
#include "us_codec.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_text.h"

#include <string.h>
#include <time.h>

/* Runs SQL over both stores; names what failed. */
static int
s_exec (us_pstore_t *self, const char *sql, const char *what)
{
    int rc = us_db_exec (self->db, sql);
    return rc ? us_error_set (rc, "absorbing %s: %s", what, us_error_msg ()) : 0;
}

/* Reads one integer of a query; -1 on failure. */
static int64_t
s_int (us_pstore_t *self, const char *sql, const char *text)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, self->db, sql) != 0)
        return -1;
    if (text)
        sqlite3_bind_text (st, 1, text, -1, SQLITE_STATIC);
    int64_t v = sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : -1;
    sqlite3_finalize (st);
    return v;
}

/* Refuses the absorbed province when it is this one or came in before. */
static int
s_check_province (us_pstore_t *self, const char *code)
{
    char mine [US_MAX_CODE + 1];
    int rc = us_pstore_province (self, mine, sizeof mine);
    if (rc)
        return rc;
    if (strcmp (mine, code) == 0)
        return us_error_set (US_EINVAL, "the store is of province %s, this one's own", code);
    if (s_int (self, "SELECT COUNT(*) FROM absorbed WHERE province = ?", code) != 0)
        return us_error_set (US_EINVAL, "province %s is already absorbed", code);
    return 0;
}

/* Copies the other store's units, re-coding those whose code is taken;
   fills temp.umap (old id -> new id). */
static int
s_units (us_pstore_t *self, const char *province, int64_t under, FILE *out, int *count)
{
    int rc = s_exec (self, "CREATE TEMP TABLE umap (old INTEGER PRIMARY KEY, new INTEGER NOT NULL,"
                     " old_parent INTEGER, old_code TEXT NOT NULL DEFAULT '')", "units");
    sqlite3_stmt *st, *ins;
    if (rc == 0)
        rc = us_db_prepare (&st, self->db, "SELECT id, code, name, COALESCE (parent_id, 0), kind,"
                            " valid_from, valid_to FROM o.units ORDER BY id");
    if (rc)
        return rc;
    rc = us_db_prepare (&ins, self->db,
        "INSERT INTO units (code, name, kind_id, kind, valid_from, valid_to)"
        " SELECT ?1, ?2, id, code, ?4, ?5 FROM unit_kinds WHERE code = ?3 RETURNING id");
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        char code [US_MAX_CODE + 1];
        const char *old = us_db_text (st, 1);
        bool top = sqlite3_column_int64 (st, 3) == 0;
        snprintf (code, sizeof code, "%s", old);
        if (s_int (self, "SELECT COUNT(*) FROM main.units WHERE code = ?", code) != 0) {
            snprintf (code, sizeof code, "%s.%s", province, old);
            if (!us_text_code_valid (code)
            ||  s_int (self, "SELECT COUNT(*) FROM main.units WHERE code = ?", code) != 0) {
                rc = us_error_set (US_EINVAL, "unit %.64s: its code is taken here and so is %.64s",
                                   old, code);
                break;
            }
            fprintf (out, "%s -> %s\n", old, code);
        }
        sqlite3_reset (ins);
        sqlite3_bind_text (ins, 1, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (ins, 2, us_db_text (st, 2), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (ins, 3, top ? "federation" : us_db_text (st, 4), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (ins, 4, us_db_text (st, 5), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (ins, 5, us_db_text (st, 6), -1, SQLITE_TRANSIENT);
        if (sqlite3_step (ins) != SQLITE_ROW) {
            rc = us_error_set (US_EIO, "absorbing unit %.64s: %s", old, sqlite3_errmsg (self->db));
            break;
        }
        /* The old code is kept only for a unit that was re-coded (a code
           holds letters, digits, '.', '_' and '-': no quoting needed). */
        char sql [300];
        snprintf (sql, sizeof sql, "INSERT INTO temp.umap VALUES (%lld, %lld, %lld, '%s')",
                  (long long) sqlite3_column_int64 (st, 0), (long long) sqlite3_column_int64 (ins, 0),
                  top ? -(long long) under : (long long) sqlite3_column_int64 (st, 3),
                  strcmp (code, old) != 0 && us_text_code_valid (old) ? old : "");
        sqlite3_reset (ins);
        rc = s_exec (self, sql, "units");
        (*count)++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_error_set (US_EIO, "reading the absorbed units: %s", sqlite3_errmsg (self->db));
    sqlite3_finalize (st);
    sqlite3_finalize (ins);
    /* Parents: the absorbed units' own, and the given unit for the top. */
    if (rc == 0)
        rc = s_exec (self, "UPDATE main.units SET parent_id = (SELECT CASE WHEN m.old_parent < 0"
                     " THEN -m.old_parent ELSE (SELECT p.new FROM temp.umap p WHERE p.old ="
                     " m.old_parent) END FROM temp.umap m WHERE m.new = units.id)"
                     " WHERE id IN (SELECT new FROM temp.umap)", "the unit tree");
    return rc;
}

/* The copies of everything that hangs on units and indicators. */
static const char s_copy [] =
    "INSERT OR IGNORE INTO main.indicators (code, name, kind, numerator, denominator, policy,"
    "  rule, position, formula, parent, unit, phrase, noun)"
    "  SELECT code, name, kind, numerator, denominator, policy, rule, position, formula,"
    "  parent, unit, phrase, noun FROM o.indicators;"
    "CREATE TEMP TABLE imap AS SELECT oi.id AS old, mi.id AS new FROM o.indicators oi"
    "  JOIN main.indicators mi ON mi.code = oi.code;"
    "INSERT INTO main.cells (unit_id, ind_id, month, value, version, hlc, replica, author,"
    "  note, corrected) SELECT um.new, im.new, c.month, c.value, c.version, c.hlc, c.replica,"
    "  c.author, c.note, c.corrected FROM o.cells c JOIN temp.umap um ON um.old = c.unit_id"
    "  JOIN temp.imap im ON im.old = c.ind_id;"
    "INSERT INTO main.targets (unit_id, ind_id, period, first, last, source, lo, hi, is_range,"
    "  version) SELECT um.new, im.new, t.period, t.first, t.last, t.source, t.lo, t.hi,"
    "  t.is_range, t.version FROM o.targets t JOIN temp.umap um ON um.old = t.unit_id"
    "  JOIN temp.imap im ON im.old = t.ind_id;"
    "INSERT INTO main.submissions (unit_id, period, first, last, state, at)"
    "  SELECT um.new, s.period, s.first, s.last, s.state, s.at FROM o.submissions s"
    "  JOIN temp.umap um ON um.old = s.unit_id;"
    "INSERT INTO main.conflicts (unit_id, ind_id, month, winner_value, winner_replica,"
    "  winner_author, winner_hlc, loser_value, loser_replica, loser_author, loser_hlc, rule, at,"
    "  resolved) SELECT um.new, im.new, k.month, k.winner_value, k.winner_replica,"
    "  k.winner_author, k.winner_hlc, k.loser_value, k.loser_replica, k.loser_author,"
    "  k.loser_hlc, k.rule, k.at, k.resolved FROM o.conflicts k"
    "  JOIN temp.umap um ON um.old = k.unit_id JOIN temp.imap im ON im.old = k.ind_id;"
    "CREATE TEMP TABLE rmap (old INTEGER PRIMARY KEY, new INTEGER);"
    "INSERT INTO main.replicas (curve_key, sign_key, unit_id, name, enrolled_at, revoked_at,"
    "  max_epoch) SELECT r.curve_key, r.sign_key, um.new, r.name, r.enrolled_at, r.revoked_at,"
    "  r.max_epoch FROM o.replicas r JOIN temp.umap um ON um.old = r.unit_id ORDER BY r.id;"
    "INSERT INTO temp.rmap SELECT r.id, m.id FROM o.replicas r"
    "  JOIN main.replicas m ON m.curve_key = r.curve_key;"
    "INSERT INTO main.epochs (replica_id, epoch, high_water) SELECT rm.new, e.epoch,"
    "  e.high_water FROM o.epochs e JOIN temp.rmap rm ON rm.old = e.replica_id;"
    "INSERT INTO main.replica_keys (replica_id, curve_key, sign_key, last_batch, retired_at)"
    "  SELECT rm.new, k.curve_key, k.sign_key, k.last_batch, k.retired_at"
    "  FROM o.replica_keys k JOIN temp.rmap rm ON rm.old = k.replica_id;"
    /* Everything new reaches the offices that may read it. */
    "INSERT OR REPLACE INTO main.changelog (kind, ref) SELECT 1, new FROM temp.umap;"
    "INSERT OR REPLACE INTO main.changelog (kind, ref, unit) SELECT 3, id, unit_id FROM main.cells"
    "  WHERE unit_id IN (SELECT new FROM temp.umap);"
    "INSERT OR REPLACE INTO main.changelog (kind, ref) SELECT 4, id FROM main.targets"
    "  WHERE unit_id IN (SELECT new FROM temp.umap);"
    "INSERT OR REPLACE INTO main.changelog (kind, ref) SELECT 5, id FROM main.conflicts"
    "  WHERE unit_id IN (SELECT new FROM temp.umap);"
    "INSERT OR REPLACE INTO main.changelog (kind, ref) SELECT 6, id FROM main.submissions"
    "  WHERE unit_id IN (SELECT new FROM temp.umap);";

/* Makes every figure the absorbed province brought a record of this
   store's chain (a province record, as a correction is), so that
   `audit verify` replays it like any other. */
static int
s_record_cells (us_pstore_t *self, const char *author)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT u.code, i.code, c.month, c.value, c.version, c.hlc FROM main.cells c"
        " JOIN main.units u ON u.id = c.unit_id JOIN main.indicators i ON i.id = c.ind_id"
        " WHERE c.unit_id IN (SELECT new FROM temp.umap) ORDER BY c.id");
    if (rc)
        return rc;
    us_pstore_chain_t chain;
    rc = us_pstore_chain_open (self, &chain);
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        bool has = sqlite3_column_type (st, 3) != SQLITE_NULL;
        us_audit_row_t row = {
            .kind = US_ACT_DELTA, .seq = chain.next_id, .unit = us_db_text (st, 0),
            .indicator = us_db_text (st, 1), .month = sqlite3_column_int (st, 2),
            .has_value = has, .value = has ? sqlite3_column_int64 (st, 3) : 0,
            .version = sqlite3_column_int64 (st, 4), .hlc = sqlite3_column_int64 (st, 5),
            .origin_hlc = sqlite3_column_int64 (st, 5), .author = author, .note = "",
            .outcome = US_OUTCOME_ACCEPTED, .reason = "absorbed", .at = us_hlc_wall_ms () };
        rc = us_pstore_record_append (self, &chain, &row);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "recording the absorbed figures");
    sqlite3_finalize (st);
    return rc ? rc : us_pstore_chain_close (self, &chain);
}

/* Makes every target and workflow state the absorbed province brought a
   record of this store's chain, in the words `audit verify` compares. */
static int
s_record_acts (us_pstore_t *self, const char *author)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT u.code, i.code, t.period, t.first, t.source, t.lo, t.hi, t.is_range"
        " FROM main.targets t JOIN main.units u ON u.id = t.unit_id"
        " JOIN main.indicators i ON i.id = t.ind_id"
        " WHERE t.unit_id IN (SELECT new FROM temp.umap) ORDER BY t.id");
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        char what [US_MAX_REASON];
        snprintf (what, sizeof what, "%s %s %lld %lld %d", us_db_text (st, 2),
                  us_db_text (st, 4), (long long) sqlite3_column_int64 (st, 5),
                  (long long) sqlite3_column_int64 (st, 6), sqlite3_column_int (st, 7));
        rc = us_pstore_act_record (self, US_ACT_TARGET, us_db_text (st, 0), us_db_text (st, 1),
                                   sqlite3_column_int (st, 3), true,
                                   sqlite3_column_int64 (st, 5), author, what);
    }
    if (st)
        sqlite3_finalize (st);
    if (rc)
        return rc;
    rc = us_db_prepare (&st, self->db,
        "SELECT u.code, s.period, s.first, s.state FROM main.submissions s"
        " JOIN main.units u ON u.id = s.unit_id"
        " WHERE s.unit_id IN (SELECT new FROM temp.umap) ORDER BY s.id");
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        char what [US_MAX_REASON];
        snprintf (what, sizeof what, "%s %s", us_db_text (st, 1), us_db_text (st, 3));
        rc = us_pstore_act_record (self, US_ACT_STATE, us_db_text (st, 0), "",
                                   sqlite3_column_int (st, 2), false, 0, author, what);
    }
    if (st)
        sqlite3_finalize (st);
    return rc;
}

/* Records the absorbed province and copies its chain into a segment. */
static int
s_segment (us_pstore_t *self, const char *code, const char *name, int64_t *records)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "INSERT INTO absorbed (province, name, unit_id, records, at)"
        " SELECT ?1, ?2, (SELECT new FROM temp.umap m WHERE m.old_parent < 0),"
        " (SELECT COUNT(*) FROM o.received), ?3");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 3, (int64_t) time (NULL) * 1000);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0
       : us_error_set (US_EIO, "recording the absorbed province: %s", sqlite3_errmsg (self->db));
    sqlite3_finalize (st);
    int64_t segment = sqlite3_last_insert_rowid (self->db);
    if (rc == 0)
        rc = us_db_prepare (&st, self->db,
            "INSERT INTO audit_segments (segment, id, replica_id, epoch, seq, unit, indicator,"
            " month, value, hlc, origin_hlc, clamped, base_version, author, note, outcome, reason,"
            " version, at, batch_id, prev_hash, hash, kind) SELECT ?, id, replica_id,"
            " epoch, seq, unit, indicator, month, value, hlc, origin_hlc, clamped, base_version,"
            " author, note, outcome, reason, version, at, batch_id, prev_hash, hash, kind"
            " FROM o.received ORDER BY id");
    if (rc == 0) {
        sqlite3_bind_int64 (st, 1, segment);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0
           : us_error_set (US_EIO, "absorbing the audit chain: %s", sqlite3_errmsg (self->db));
        sqlite3_finalize (st);
    }
    *records = rc ? 0 : s_int (self, "SELECT COUNT(*) FROM o.received", NULL);
    char sql [160];
    snprintf (sql, sizeof sql, "INSERT INTO main.unit_recodes (absorbed_id, old_code, unit_id)"
              " SELECT %lld, old_code, new FROM temp.umap WHERE old_code <> ''",
              (long long) segment);
    return rc ? rc : s_exec (self, sql, "the re-coded units");
}

/* Brings the store at path in under unit under. */
int
us_pstore_absorb (us_pstore_t *self, const char *path, const char *under, FILE *out,
                  int *units, int64_t *records)
{
    *units = 0;
    *records = 0;
    int64_t parent = 0;
    int rc = under ? us_pstore_unit_id (self, &parent, under)
                   : (parent = s_int (self, "SELECT id FROM units WHERE parent_id IS NULL", NULL)) > 0
                   ? 0 : us_error_set (US_ECORRUPT, "this store has no province unit");
    if (rc)
        return rc == US_ENOTFOUND ? us_error_set (US_EINVAL, "unknown unit '%.64s'", under) : rc;
    sqlite3_stmt *st;
    if ((rc = us_db_prepare (&st, self->db, "ATTACH DATABASE ? AS o")) != 0)
        return rc;
    sqlite3_bind_text (st, 1, path, -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0
       : us_error_set (US_EIO, "cannot open %s: %s", path, sqlite3_errmsg (self->db));
    sqlite3_finalize (st);
    if (rc)
        return rc;
    char code [US_MAX_CODE + 1] = "", name [US_MAX_NAME + 1] = "";
    sqlite3_stmt *meta;
    rc = us_db_prepare (&meta, self->db, "SELECT (SELECT value FROM o.meta WHERE key = 'province'),"
                        " COALESCE ((SELECT value FROM o.meta WHERE key = 'name'), '')");
    if (rc == 0 && sqlite3_step (meta) == SQLITE_ROW && sqlite3_column_type (meta, 0) != SQLITE_NULL) {
        snprintf (code, sizeof code, "%s", us_db_text (meta, 0));
        snprintf (name, sizeof name, "%s", us_db_text (meta, 1));
    }
    else
    if (rc == 0)
        rc = us_error_set (US_EINVAL, "%s is not a provincial store", path);
    sqlite3_finalize (meta);
    char author [US_MAX_CODE + 16];
    snprintf (author, sizeof author, "absorbed from %.64s", code);
    if (rc == 0)
        rc = us_pstore_begin (self);
    if (rc == 0) {
        if ((rc = s_check_province (self, code)) == 0
        &&  (rc = s_exec (self, "INSERT OR IGNORE INTO main.unit_kinds (code, name, level, reports)"
                          " SELECT code, name, level, reports FROM o.unit_kinds;"
                          "INSERT OR IGNORE INTO main.unit_kinds (code, name, level, reports) VALUES"
                          " ('federation', 'Liên đoàn Lao động tỉnh (trước sáp nhập)', 1, 1)",
                          "unit kinds")) == 0
        &&  (rc = s_units (self, code, parent, out, units)) == 0
        &&  (rc = s_exec (self, s_copy, "figures, targets, submissions, conflicts and offices")) == 0
        &&  (rc = s_segment (self, code, name, records)) == 0
        &&  (rc = s_record_cells (self, author)) == 0
        &&  (rc = s_record_acts (self, author)) == 0)
            rc = us_pstore_commit (self);
        if (rc)
            us_pstore_rollback (self);
    }
    us_db_exec (self->db, "DROP TABLE IF EXISTS temp.umap; DROP TABLE IF EXISTS temp.imap;"
                " DROP TABLE IF EXISTS temp.rmap");
    us_db_exec (self->db, "DETACH DATABASE o");
    return rc;
}

/* Visits each segment and its records. */
int
us_pstore_segment_each (us_pstore_t *self,
                        int (*seg_fn) (void *arg, const us_pstore_segment_t *seg),
                        us_pstore_record_fn *row_fn, void *arg)
{
    sqlite3_stmt *segs, *rows;
    int rc = us_db_prepare (&segs, self->db,
        "SELECT id, province, name, records FROM absorbed ORDER BY id");
    if (rc)
        return rc;
    rc = us_db_prepare (&rows, self->db,
        "SELECT id, replica_id, batch_id, epoch, seq, unit, indicator, month, value, hlc,"
        " clamped, base_version, author, note, outcome, reason, version, at, prev_hash, hash,"
        " origin_hlc, kind FROM audit_segments WHERE segment = ? ORDER BY id");
    while (rc == 0 && sqlite3_step (segs) == SQLITE_ROW) {
        us_pstore_segment_t seg = { sqlite3_column_int64 (segs, 0), us_db_text (segs, 1),
                                    us_db_text (segs, 2), sqlite3_column_int64 (segs, 3) };
        rc = seg_fn (arg, &seg);
        sqlite3_reset (rows);
        sqlite3_bind_int64 (rows, 1, seg.id);
        while (rc == 0 && sqlite3_step (rows) == SQLITE_ROW) {
            us_audit_row_t row = {
                .id = sqlite3_column_int64 (rows, 0), .replica_id = sqlite3_column_int64 (rows, 1),
                .batch_id = sqlite3_column_int64 (rows, 2), .epoch = sqlite3_column_int64 (rows, 3),
                .seq = sqlite3_column_int64 (rows, 4), .unit = us_db_text (rows, 5),
                .indicator = us_db_text (rows, 6), .month = sqlite3_column_int (rows, 7),
                .has_value = sqlite3_column_type (rows, 8) != SQLITE_NULL,
                .value = sqlite3_column_int64 (rows, 8), .hlc = sqlite3_column_int64 (rows, 9),
                .clamped = sqlite3_column_int (rows, 10) != 0,
                .base_version = sqlite3_column_int64 (rows, 11), .author = us_db_text (rows, 12),
                .note = us_db_text (rows, 13), .outcome = sqlite3_column_int (rows, 14),
                .reason = us_db_text (rows, 15), .version = sqlite3_column_int64 (rows, 16),
                .at = sqlite3_column_int64 (rows, 17), .origin_hlc = sqlite3_column_int64 (rows, 20),
                .kind = sqlite3_column_int (rows, 21) };
            const uint8_t *prev = sqlite3_column_bytes (rows, 18) == US_HASH_LEN
                                ? sqlite3_column_blob (rows, 18) : NULL;
            const uint8_t *hash = sqlite3_column_bytes (rows, 19) == US_HASH_LEN
                                ? sqlite3_column_blob (rows, 19) : NULL;
            rc = row_fn (arg, &row, prev, hash);
        }
    }
    sqlite3_finalize (rows);
    sqlite3_finalize (segs);
    return rc;
}

/* Visits the re-coded units of each province absorbed above unit_id. */
int
us_pstore_recoded_each (us_pstore_t *self, int64_t unit_id,
                        int (*fn) (void *arg, const char *old_code, const char *code),
                        void *arg)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT id, unit_id FROM absorbed ORDER BY id",
                             "reading the absorbed provinces");
    if (rc)
        return rc;
    int64_t found [64];
    size_t n = 0;
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW && n < 64) {
        bool in = false;
        int64_t top = sqlite3_column_int64 (st, 1);
        int64_t id = sqlite3_column_int64 (st, 0);
        /* The walk uses a cached statement of its own. */
        if ((rc = us_pstore_in_scope (self, &in, unit_id, top)) != 0)
            break;
        if (in)
            found [n++] = id;
    }
    if (rc == 0 && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = us_pstore_fail (self, "reading the absorbed provinces");
    sqlite3_reset (st);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        rc = us_pstore_prep (self, &st, "SELECT r.old_code, u.code FROM unit_recodes r"
                             " JOIN units u ON u.id = r.unit_id WHERE r.absorbed_id = ?"
                             " ORDER BY r.old_code", "reading the re-coded units");
        if (rc)
            break;
        sqlite3_bind_int64 (st, 1, found [k]);
        while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW)
            rc = fn (arg, us_db_text (st, 0), us_db_text (st, 1));
        if (rc == 0 && step != SQLITE_DONE)
            rc = us_pstore_fail (self, "reading the re-coded units");
        sqlite3_reset (st);
    }
    return rc;
}
