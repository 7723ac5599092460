/*  us_audit: the server's append-only, hash-chained record of every delta. */
#include "us_audit.h"
#include "us_codec.h"
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
    if (row->kind != US_ACT_DELTA)      /* a delta hashes as before kinds existed */
        s_int (&b, row->kind);
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

/* Returns the name of an act. */
const char *
us_act_name (int kind)
{
    static const char *names [] = { "delta", "enrol", "revoke", "rekey", "move", "target",
                                    "state", "import", "reorganise", "restore" };
    return kind >= 0 && kind < (int) (sizeof names / sizeof *names) ? names [kind] : "unknown";
}

/* The state of a walk of the chain. */
typedef struct {
    uint8_t prev [US_HASH_LEN];
    int64_t rows;
} s_walk_t;

/* Checks one record's link and hash against the walk so far. */
static int
s_check_record (void *arg, const us_audit_row_t *row, const uint8_t *prev_hash,
                const uint8_t *hash)
{
    s_walk_t *walk = arg;
    uint8_t computed [US_HASH_LEN];
    int rc = us_audit_hash (computed, walk->prev, row);
    if (rc)
        return rc;
    if (!prev_hash || memcmp (prev_hash, walk->prev, US_HASH_LEN) != 0)
        return us_error_set (US_ECORRUPT, "audit record %" PRId64 " does not follow the "
                             "record before it (a record was removed or reordered)", row->id);
    if (!hash || memcmp (hash, computed, US_HASH_LEN) != 0)
        return us_error_set (US_ECORRUPT, "audit record %" PRId64 " was changed after it "
                             "was written (hash mismatch)", row->id);
    memcpy (walk->prev, computed, US_HASH_LEN);
    walk->rows++;
    return 0;
}

/* Walks the hash chain; sets *rows. */
static int
s_verify_chain (us_pstore_t *store, int64_t *rows)
{
    s_walk_t walk = { { 0 }, 0 };
    int rc = us_pstore_records_each (store, 0, s_check_record, &walk);
    *rows = walk.rows;
    if (rc)
        return rc;
    /* The head is remembered separately, so cutting records off the end shows too. */
    int64_t count;
    rc = us_pstore_chain_rows (store, &count);
    if (rc == 0 && count != *rows)
        rc = us_error_set (US_ECORRUPT, "audit log has %" PRId64 " records, %" PRId64
                           " were written (records removed from the end)", *rows, count);
    return rc;
}

/* A batch being checked against its records. */
typedef struct {
    int64_t id;
    const us_msg_t *msg;
} s_batch_check_t;

/* Checks that one record of a batch is one of the batch's deltas. */
static int
s_check_in_batch (void *arg, const us_audit_row_t *r, const uint8_t *prev_hash,
                  const uint8_t *hash)
{
    (void) prev_hash;
    (void) hash;
    const s_batch_check_t *b = arg;
    const us_push_t *push = &b->msg->push;
    for (size_t i = 0; i < push->count; i++) {
        const us_delta_t *d = &push->deltas [i];
        if ((int64_t) d->seq == r->seq && d->month == r->month
        &&  strcmp (d->unit, r->unit) == 0 && strcmp (d->indicator, r->indicator) == 0
        &&  d->clear == !r->has_value && (d->clear || d->value == r->value)
        &&  strcmp (d->author, r->author) == 0)
            return 0;
    }
    return us_error_set (US_ECORRUPT, "audit record %" PRId64 " does not match the "
                         "signed batch %" PRId64, r->id, b->id);
}

/* The store whose batches are checked, and how many were. */
typedef struct {
    us_pstore_t *store;
    int64_t batches;
} s_verify_t;

/* Checks one stored batch: signature, and that its recorded deltas match it. */
static int
s_verify_batch (void *arg, const us_pstore_batch_t *batch)
{
    s_verify_t *v = arg;
    v->batches++;
    if (batch->sign_key && us_keys_verify (batch->sign_key, batch->signature,
                                           batch->signature_len, batch->bytes, batch->len) != 0)
        return us_error_set (US_ECORRUPT, "batch %" PRId64 ": signature does not verify",
                             batch->id);
    us_msg_t *msg;
    if (us_codec_batch_decode (&msg, batch->bytes, batch->len) != 0) {
        us_msg_destroy (&msg);
        return us_error_set (US_ECORRUPT, "batch %" PRId64 ": stored bytes are not a batch",
                             batch->id);
    }
    s_batch_check_t check = { batch->id, msg };
    int rc = us_pstore_records_each (v->store, batch->id, s_check_in_batch, &check);
    us_msg_destroy (&msg);
    return rc;
}

/* Checks the whole chain and every batch signature; prints a summary. */
int
us_audit_verify (us_pstore_t *store, FILE *out)
{
    int64_t rows = 0;
    s_verify_t v = { store, 0 };
    int rc = s_verify_chain (store, &rows);
    if (rc == 0)
        rc = us_pstore_batches_each (store, s_verify_batch, &v);
    if (rc == 0)
        rc = us_pstore_replay_check (store);
    if (rc == 0)
        fprintf (out, "audit ok: %" PRId64 " records in an unbroken chain, %" PRId64
                 " signed batches verified; figures, targets and states match the records\n",
                 rows, v.batches);
    return rc;
}

/* What `audit show` prints to, and how many records it printed. */
typedef struct {
    FILE *out;
    int n;
} s_show_t;

/* Prints one record of `audit show`. */
static int
s_show_one (void *arg, const us_pstore_shown_t *shown)
{
    s_show_t *show = arg;
    const us_audit_row_t *r = shown->row;
    char when [32], month [8], value [32];
    time_t t = (time_t) (r->at / 1000);
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
    us_month_format (month, r->month);
    if (!r->has_value)
        snprintf (value, sizeof value, "(cleared)");
    else
        snprintf (value, sizeof value, "%lld", (long long) r->value);
    /* Every text is escaped: authors and notes come from the wire. */
    char unit [US_TEXT_SAFE (US_MAX_CODE)], author [US_TEXT_SAFE (US_MAX_CODE)];
    char reason [US_TEXT_SAFE (US_MAX_REASON)], who [US_TEXT_SAFE (US_MAX_REPLICA_NAME)];
    char ind [US_TEXT_SAFE (US_MAX_CODE)], *note = malloc (US_TEXT_SAFE (strlen (r->note)));
    if (!note)
        return us_error_set (US_ENOMEM, "out of memory");
    us_text_safe (unit, sizeof unit, r->unit);
    us_text_safe (author, sizeof author, r->author);
    us_text_safe (reason, sizeof reason, r->reason);
    us_text_safe (who, sizeof who, shown->who);
    us_text_safe (ind, sizeof ind, r->indicator);
    us_text_safe (note, US_TEXT_SAFE (strlen (r->note)), r->note);
    if (r->kind != US_ACT_DELTA)
        fprintf (show->out, "#%lld %s %s %s: %s by %s\n", (long long) r->id, when, unit,
                 us_act_name (r->kind), reason, author);
    else
        fprintf (show->out, "#%lld %s %s %s %s = %s by %s (%s) %s%s%s%s%s\n",
                 (long long) r->id, when, unit, month, ind, value, author, who,
                 us_outcome_name ((us_outcome_t) r->outcome), *reason ? ": " : "", reason,
                 *note ? "; note: " : "", note);
    free (note);
    show->n++;
    return 0;
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
    s_show_t show = { out, 0 };
    rc = us_pstore_records_show (store, p.first, p.last, root, s_show_one, &show);
    if (rc == 0 && show.n == 0)
        fprintf (out, "no changes recorded for %s in %s\n", unit, p.text);
    return rc;
}

/* Loads the server's keys, adding a signing pair when the file has none. */
int
us_audit_keys (us_keys_t *keys, const char *path)
{
    int rc = us_keys_load (keys, path);
    if (rc || keys->has_sign)
        return rc;
    rc = us_keys_add_sign (keys);
    if (rc == 0)
        rc = us_keys_replace (keys, path);
    if (rc)
        us_keys_wipe (keys);
    return rc;
}

/* Sets hash to the hash of record `records`. */
int
us_audit_hash_at (us_pstore_t *store, uint64_t records, uint8_t *hash, bool *found)
{
    memset (hash, 0, US_HASH_LEN);
    *found = true;
    if (records == 0)
        return 0;
    if (records > INT64_MAX) {
        *found = false;
        return 0;
    }
    return us_pstore_record_hash (store, (int64_t) records, hash, found);
}

/* Reads the chain's head and signs it. */
int
us_audit_head (us_audit_head_t *head, us_pstore_t *store, const us_keys_t *keys)
{
    memset (head, 0, sizeof *head);
    if (!keys->has_sign)
        return us_error_set (US_EINVAL, "the server's key file has no signing key");
    int64_t rows;
    bool found;
    int rc = us_pstore_chain_rows (store, &rows);
    if (rc == 0)
        rc = us_audit_hash_at (store, (uint64_t) rows, head->hash, &found);
    if (rc == 0 && !found)
        rc = us_error_set (US_ECORRUPT, "the audit chain says it holds %" PRId64 " records "
                           "but has fewer", rows);
    if (rc)
        return rc;
    head->records = (uint64_t) rows;
    char text [US_HEAD_TEXT];
    us_keys_head_text (text, sizeof text, head->records, head->hash);
    memcpy (head->key, keys->sign_public, 32);
    return us_keys_sign (head->signature, keys, (const uint8_t *) text, strlen (text));
}
