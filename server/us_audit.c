/*  us_audit: the server's append-only, hash-chained record of every delta. */
#include "us_audit.h"
#include "us_codec.h"
#include "us_db.h"
#include "us_error.h"
#include "us_keys.h"
#include "us_period.h"
#include "us_text.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The bytes a record's hash covers, built in one buffer and hashed at once:
   one digest call per record instead of one per field. */
typedef struct {
    char data [4096];       /* fields are bounded: a note is at most 1 KiB */
    size_t len;
    bool overflow;
} s_buf_t;

/* Appends raw bytes. */
static void
s_put (s_buf_t *b, const char *s, size_t n)
{
    if (b->overflow || n > sizeof b->data - b->len) {
        b->overflow = true;
        return;
    }
    memcpy (b->data + b->len, s, n);
    b->len += n;
}

/* Writes v in decimal into the end of buf [24]; returns where it starts. */
static char *
s_decimal (char *end, int64_t v)
{
    uint64_t u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
    char *p = end;
    do
        *--p = (char) ('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    return p;
}

/* Appends one text field as "<length>:<text>". */
static void
s_field_n (s_buf_t *b, const char *s, size_t n)
{
    char num [24];
    char *p = s_decimal (num + sizeof num, (int64_t) n);
    s_put (b, p, (size_t) (num + sizeof num - p));
    s_put (b, ":", 1);
    s_put (b, s, n);
}

/* Appends one text field. */
static void
s_field (s_buf_t *b, const char *s)
{
    s_field_n (b, s, strlen (s));
}

/* Appends one integer field, as the text of its decimal digits. */
static void
s_int (s_buf_t *b, int64_t v)
{
    char num [24];
    char *p = s_decimal (num + sizeof num, v);
    s_field_n (b, p, (size_t) (num + sizeof num - p));
}

/* Computes the hash of row chained to prev. */
int
us_audit_hash (uint8_t *hash, const uint8_t *prev, const us_audit_row_t *row)
{
    s_buf_t b;
    b.len = 0;
    b.overflow = false;
    s_put (&b, (const char *) prev, US_HASH_LEN);
    s_int (&b, row->id);
    s_int (&b, row->replica_id);
    s_int (&b, row->batch_id);
    s_int (&b, row->epoch);
    s_int (&b, row->seq);
    s_field (&b, row->unit);
    s_field (&b, row->indicator);
    s_int (&b, row->month);
    s_field (&b, row->has_value ? "v" : "-");
    s_int (&b, row->has_value ? row->value : 0);
    s_int (&b, row->hlc);
    s_int (&b, row->origin_hlc);
    s_int (&b, row->clamped);
    s_int (&b, row->base_version);
    s_field (&b, row->author);
    s_field (&b, row->note);
    s_int (&b, row->outcome);
    s_field (&b, row->reason);
    s_int (&b, row->version);
    s_int (&b, row->at);
    if (b.overflow)
        return us_error_set (US_EINVAL, "audit record %" PRId64 " is too long to hash", row->id);
    /* Fetched once: looking the algorithm up costs as much as hashing. */
    static EVP_MD *sha256;
    if (!sha256)
        sha256 = EVP_MD_fetch (NULL, "SHA256", NULL);
    unsigned int len = 0;
    if (!sha256 || EVP_Digest (b.data, b.len, hash, &len, sha256, NULL) != 1 || len != US_HASH_LEN)
        return us_error_set (US_EIO, "cannot compute SHA-256");
    return 0;
}

/* Reads the hash of the newest row into prev. */
int
us_audit_last (uint8_t *prev, us_pstore_t *store)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT hash FROM received ORDER BY id DESC LIMIT 1");
    if (!st)
        return US_EIO;
    memset (prev, 0, US_HASH_LEN);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW && sqlite3_column_bytes (st, 0) == US_HASH_LEN)
        memcpy (prev, sqlite3_column_blob (st, 0), US_HASH_LEN);
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (us_pstore_db (store), "received");
}

static const char *s_row_sql =
    "SELECT id, replica_id, batch_id, epoch, seq, unit, indicator, month, value, hlc,"
    " clamped, base_version, author, note, outcome, reason, version, at, prev_hash, hash,"
    " origin_hlc FROM received";

/* Fills an audit row from a statement over s_row_sql's columns. */
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
}

/* Walks the hash chain; sets *rows. */
static int
s_verify_chain (us_pstore_t *store, int64_t *rows)
{
    sqlite3_stmt *st;
    char sql [512];
    snprintf (sql, sizeof sql, "%s ORDER BY id", s_row_sql);
    int rc = us_db_prepare (&st, us_pstore_db (store), sql);
    if (rc)
        return rc;
    uint8_t prev [US_HASH_LEN] = { 0 }, hash [US_HASH_LEN];
    *rows = 0;
    while (rc == 0 && sqlite3_step (st) == SQLITE_ROW) {
        us_audit_row_t row;
        s_row_read (&row, st);
        bool link_ok = sqlite3_column_bytes (st, 18) == US_HASH_LEN
                    && memcmp (sqlite3_column_blob (st, 18), prev, US_HASH_LEN) == 0;
        rc = us_audit_hash (hash, prev, &row);
        if (rc)
            break;
        bool hash_ok = sqlite3_column_bytes (st, 19) == US_HASH_LEN
                    && memcmp (sqlite3_column_blob (st, 19), hash, US_HASH_LEN) == 0;
        if (!link_ok)
            rc = us_error_set (US_ECORRUPT, "audit record %" PRId64 " does not follow the "
                               "record before it (a record was removed or reordered)", row.id);
        else
        if (!hash_ok)
            rc = us_error_set (US_ECORRUPT, "audit record %" PRId64 " was changed after it "
                               "was written (hash mismatch)", row.id);
        memcpy (prev, hash, US_HASH_LEN);
        (*rows)++;
    }
    sqlite3_finalize (st);
    if (rc)
        return rc;
    /* The head is remembered separately, so cutting records off the end shows too. */
    int64_t count;
    rc = us_db_meta_int (&count, us_pstore_db (store), "audit_rows", 0);
    if (rc == 0 && count != *rows)
        rc = us_error_set (US_ECORRUPT, "audit log has %" PRId64 " records, %" PRId64
                           " were written (records removed from the end)", *rows, count);
    return rc;
}

/* Checks one stored batch: signature, and that its recorded deltas match it. */
static int
s_verify_batch (sqlite3_stmt *batch, sqlite3_stmt *rows)
{
    int64_t id = sqlite3_column_int64 (batch, 0);
    const uint8_t *bytes = sqlite3_column_blob (batch, 1);
    size_t len = (size_t) sqlite3_column_bytes (batch, 1);
    const uint8_t *sig = sqlite3_column_blob (batch, 2);
    size_t sig_len = (size_t) sqlite3_column_bytes (batch, 2);
    if (sqlite3_column_bytes (batch, 3) == 32
    &&  us_keys_verify (sqlite3_column_blob (batch, 3), sig, sig_len, bytes, len) != 0)
        return us_error_set (US_ECORRUPT, "batch %" PRId64 ": signature does not verify", id);
    us_msg_t *msg;
    if (us_codec_batch_decode (&msg, bytes, len) != 0) {
        us_msg_destroy (&msg);
        return us_error_set (US_ECORRUPT, "batch %" PRId64 ": stored bytes are not a batch", id);
    }
    int rc = 0;
    sqlite3_bind_int64 (rows, 1, id);
    while (rc == 0 && sqlite3_step (rows) == SQLITE_ROW) {
        us_audit_row_t r;
        s_row_read (&r, rows);
        bool found = false;
        for (size_t i = 0; i < msg->push.count && !found; i++) {
            const us_delta_t *d = &msg->push.deltas [i];
            found = (int64_t) d->seq == r.seq && d->month == r.month
                 && strcmp (d->unit, r.unit) == 0 && strcmp (d->indicator, r.indicator) == 0
                 && d->clear == !r.has_value && (d->clear || d->value == r.value)
                 && strcmp (d->author, r.author) == 0;
        }
        if (!found)
            rc = us_error_set (US_ECORRUPT, "audit record %" PRId64 " does not match the "
                               "signed batch %" PRId64, r.id, id);
    }
    sqlite3_reset (rows);
    us_msg_destroy (&msg);
    return rc;
}

/* Checks the whole chain and every batch signature; prints a summary. */
int
us_audit_verify (us_pstore_t *store, FILE *out)
{
    int64_t rows = 0, batches = 0;
    int rc = s_verify_chain (store, &rows);
    if (rc)
        return rc;
    sqlite3 *db = us_pstore_db (store);
    sqlite3_stmt *batch, *recs;
    char sql [512];
    snprintf (sql, sizeof sql, "%s WHERE batch_id = ?", s_row_sql);
    rc = us_db_prepare (&batch, db,
        "SELECT b.id, b.bytes, b.signature,"
        /* the key in force when the batch came: a retired one, or the current */
        " CASE WHEN EXISTS (SELECT 1 FROM replica_keys k WHERE k.replica_id = b.replica_id"
        "                   AND k.last_batch >= b.id)"
        " THEN (SELECT k.sign_key FROM replica_keys k WHERE k.replica_id = b.replica_id"
        "       AND k.last_batch >= b.id ORDER BY k.last_batch LIMIT 1)"
        " ELSE r.sign_key END"
        " FROM batches b LEFT JOIN replicas r ON r.id = b.replica_id ORDER BY b.id");
    if (rc)
        return rc;
    rc = us_db_prepare (&recs, db, sql);
    while (rc == 0 && sqlite3_step (batch) == SQLITE_ROW) {
        rc = s_verify_batch (batch, recs);
        batches++;
    }
    sqlite3_finalize (batch);
    sqlite3_finalize (recs);
    if (rc == 0)
        fprintf (out, "audit ok: %" PRId64 " records in an unbroken chain, %" PRId64
                 " signed batches verified\n", rows, batches);
    return rc;
}

/* Prints who changed the figures of unit (and its subtree) in period. */
int
us_audit_show (us_pstore_t *store, FILE *out, const char *unit, const char *period)
{
    us_period_t p;
    int64_t root;
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = us_pstore_unit_id (store, &root, unit);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_db_prepare (&st, us_pstore_db (store),
        "SELECT r.id, r.at, COALESCE (p.name, 'province'), r.author, r.unit, r.indicator,"
        " r.month, r.value, r.outcome, r.reason, r.note, r.batch_id, u.id"
        " FROM received r LEFT JOIN replicas p ON p.id = r.replica_id"
        " JOIN units u ON u.code = r.unit"
        " WHERE r.month BETWEEN ? AND ? ORDER BY r.id");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, p.first);
    sqlite3_bind_int (st, 2, p.last);
    int n = 0;
    while (rc == 0 && sqlite3_step (st) == SQLITE_ROW) {
        bool in;
        rc = us_pstore_in_scope (store, &in, sqlite3_column_int64 (st, 12), root);
        if (rc || !in)
            continue;
        char when [32], month [8], value [32];
        time_t t = (time_t) (sqlite3_column_int64 (st, 1) / 1000);
        struct tm tm;
        gmtime_r (&t, &tm);
        strftime (when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
        us_month_format (month, sqlite3_column_int (st, 6));
        if (sqlite3_column_type (st, 7) == SQLITE_NULL)
            snprintf (value, sizeof value, "(cleared)");
        else
            snprintf (value, sizeof value, "%lld", (long long) sqlite3_column_int64 (st, 7));
        const char *outcome = us_outcome_name ((us_outcome_t) sqlite3_column_int (st, 8));
        fprintf (out, "#%lld %s %s %s %s = %s by %s (%s) %s%s%s%s%s\n",
                 (long long) sqlite3_column_int64 (st, 0), when, us_db_text (st, 4), month,
                 us_db_text (st, 5), value, us_db_text (st, 3), us_db_text (st, 2), outcome,
                 *us_db_text (st, 9) ? ": " : "", us_db_text (st, 9),
                 *us_db_text (st, 10) ? "; note: " : "", us_db_text (st, 10));
        n++;
    }
    sqlite3_finalize (st);
    if (rc == 0 && n == 0)
        fprintf (out, "no changes recorded for %s in %s\n", unit, p.text);
    return rc;
}
