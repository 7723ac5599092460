/*  Unit tests for us_audit: the hash-chained record of every received delta
    and the signed batches behind it. */
#include "us_audit.h"
#include "us_codec.h"
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_merge.h"
#include "us_pstore.h"
#include "us_pstore_sql.h"

#include "us_test.h"
#include "us_test_province.h"

#define UNITS_CSV \
    "id,name,parent,kind\n" \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province\n" \
    "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district\n" \
    "QT.HUONGHOA,LĐLĐ huyện Hướng Hóa,QT,district\n"

static char s_dir [64];
static us_pstore_t *s_store;
static us_keys_t s_keys;
static us_replica_t s_rep;
static us_hlc_t s_clock;

/* Builds a store with one replica in Đakrông, four signed deltas (one
   rejected) in two batches and one province correction. */
static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_province (&s_store, s_dir, UNITS_CSV);
    cr_assert_eq (us_keys_generate (&s_keys, true), 0);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &s_keys);
    int64_t id;
    cr_assert_eq (us_pstore_enroll (s_store, &id, "QT.DAKRONG", token, NULL), 0);
    cr_assert_eq (us_pstore_replica (s_store, &s_rep, s_keys.curve_public), 0);
    s_clock = (us_hlc_t) { 0, 0 };

    int64_t now = us_hlc_wall_ms ();
    for (int b = 0; b < 2; b++) {
        us_delta_t d [2] = {
            { .seq = (uint64_t) b * 2 + 1, .unit = "QT.DAKRONG", .indicator = "members.new",
              .month = 2022 * 12 + b, .value = 10 + b, .hlc = us_hlc_make (now - 9000 + b, 0),
              .author = "ketoan", .note = b ? "ghi chú" : "" },
            { .seq = (uint64_t) b * 2 + 2, .unit = b ? "QT.HUONGHOA" : "QT.DAKRONG",
              .indicator = "members.total", .month = 2022 * 12 + b, .value = 1000,
              .hlc = us_hlc_make (now - 8000 + b, 0), .author = "ketoan", .note = "" },
        };
        us_push_t push = { .epoch = 1, .count = 2, .deltas = d };
        uint8_t *bytes;
        size_t len;
        cr_assert_eq (us_codec_push_signed_bytes (&bytes, &len, &push), 0);
        uint8_t sig [64];
        cr_assert_eq (us_keys_sign (sig, &s_keys, bytes, len), 0);
        push.signature = sig;
        push.signature_len = 64;
        us_merge_result_t r [2];
        cr_assert_eq (us_merge_push (r, s_store, &s_rep, &push, bytes, len, &s_clock), 0,
                      "%s", us_error_msg ());
        free (bytes);
    }
    us_merge_result_t r;
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-01", "members.new", "12",
                                    "theo biên bản", "tinh", false, &s_clock), 0);
}

static void
s_teardown (void)
{
    us_pstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (audit, .init = s_setup, .fini = s_teardown);

/* Runs audit verify; returns its code and leaves its output in *out. */
static int
s_verify (char **out)
{
    us_test_capture_t c;
    us_test_capture_open (&c);
    us_error_clear ();
    int rc = us_audit_verify (s_store, c.f);
    us_test_capture_close (&c);
    *out = c.buf;
    return rc;
}

/* Runs SQL on the store with the append-only triggers removed, as someone
   editing the file by hand would. */
static void
s_tamper (const char *sql)
{
    sqlite3 *db = us_pstore_db (s_store);
    us_test_exec (db, "DROP TRIGGER IF EXISTS received_append_only;"
                      "DROP TRIGGER IF EXISTS received_no_delete;");
    us_test_exec (db, sql);
}

/* Every received delta, accepted or not, and the correction are in an
   unbroken chain, and both signed batches verify. */
Test (audit, verify_ok)
{
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM received WHERE kind = 0"), 5);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM received WHERE kind = 0 AND outcome = 4"), 1);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM batches"), 2);
    char *out;
    cr_assert_eq (s_verify (&out), 0, "%s", us_error_msg ());
    char records [32];
    snprintf (records, sizeof records, "%lld records", (long long)
              us_test_int (db, "SELECT COUNT(*) FROM received"));
    cr_assert_not_null (strstr (out, records), "%s", out);
    cr_assert_not_null (strstr (out, "2 signed batches"), "%s", out);
    free (out);
}

/* After a re-key, the batches signed with the old key verify against the
   old key and the later ones against the new; the replica keeps its id,
   the old key is refused and cannot be enrolled again, and a batch that
   matches neither key is found. */
Test (audit, verify_across_rekey)
{
    us_keys_t fresh;
    cr_assert_eq (us_keys_generate (&fresh, true), 0);
    char old_token [US_TOKEN_MAX], new_token [US_TOKEN_MAX];
    us_keys_token (old_token, sizeof old_token, &s_keys);
    us_keys_token (new_token, sizeof new_token, &fresh);
    int64_t id = 0;
    cr_assert_eq (us_pstore_rekey (s_store, &id, "no-such-key", new_token), US_EINVAL);
    cr_assert_eq (us_pstore_rekey (s_store, &id, new_token, old_token), US_ENOTFOUND,
                  "the old key of a re-key must be enrolled");
    cr_assert_eq (us_pstore_rekey (s_store, &id, old_token, old_token), US_EINVAL);
    cr_assert_eq (us_pstore_rekey (s_store, &id, old_token, new_token), 0, "%s", us_error_msg ());
    cr_assert_eq (id, s_rep.id, "the replica keeps its id");
    us_replica_t rep;
    cr_assert_eq (us_pstore_replica (s_store, &rep, s_keys.curve_public), US_ENOTFOUND);
    cr_assert_eq (us_pstore_replica (s_store, &rep, fresh.curve_public), 0);
    cr_assert_eq (rep.id, s_rep.id);
    cr_assert_str_eq (rep.unit, "QT.DAKRONG");
    int64_t other;
    cr_assert_eq (us_pstore_enroll (s_store, &other, "QT.HUONGHOA", old_token, NULL), US_EEXIST);
    cr_assert_eq (us_pstore_rekey (s_store, &id, new_token, old_token), US_EEXIST,
                  "a retired key does not come back through a re-key either");

    /* A third batch, signed with the new key. */
    us_delta_t d = { .seq = 5, .unit = "QT.DAKRONG", .indicator = "members.new",
                     .month = 2022 * 12 + 2, .value = 3, .hlc = us_hlc_make (us_hlc_wall_ms (), 0),
                     .author = "ketoan", .note = "" };
    us_push_t push = { .epoch = 1, .count = 1, .deltas = &d };
    uint8_t *bytes;
    size_t len;
    cr_assert_eq (us_codec_push_signed_bytes (&bytes, &len, &push), 0);
    uint8_t sig [64];
    cr_assert_eq (us_keys_sign (sig, &fresh, bytes, len), 0);
    push.signature = sig;
    push.signature_len = 64;
    us_merge_result_t r;
    cr_assert_eq (us_merge_push (&r, s_store, &rep, &push, bytes, len, &s_clock), 0);
    free (bytes);
    char *out;
    cr_assert_eq (s_verify (&out), 0, "%s", us_error_msg ());
    cr_assert_not_null (strstr (out, "3 signed batches"), "%s", out);
    free (out);

    /* The first batch's signature replaced by one of the new key: it is
       not the key in force then. */
    sqlite3 *db = us_pstore_db (s_store);
    sqlite3_stmt *st;
    cr_assert_eq (sqlite3_prepare_v2 (db, "SELECT bytes FROM batches WHERE id = 1", -1, &st, NULL),
                  SQLITE_OK);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    cr_assert_eq (us_keys_sign (sig, &fresh, sqlite3_column_blob (st, 0),
                                (size_t) sqlite3_column_bytes (st, 0)), 0);
    sqlite3_finalize (st);
    cr_assert_eq (sqlite3_prepare_v2 (db, "UPDATE batches SET signature = ? WHERE id = 1", -1,
                                      &st, NULL), SQLITE_OK);
    sqlite3_bind_blob (st, 1, sig, 64, SQLITE_STATIC);
    cr_assert_eq (sqlite3_step (st), SQLITE_DONE);
    sqlite3_finalize (st);
    cr_assert_eq (s_verify (&out), US_ECORRUPT);
    cr_assert_not_null (strstr (us_error_msg (), "batch 1"), "%s", us_error_msg ());
    free (out);
    us_keys_wipe (&fresh);
}

/* Signs a push with keys and merges it as replica. Returns the merge's code. */
static int
s_push_signed (us_merge_result_t *r, us_push_t *push, const us_keys_t *keys,
               const us_replica_t *replica)
{
    uint8_t *bytes;
    size_t len;
    cr_assert_eq (us_codec_push_signed_bytes (&bytes, &len, push), 0);
    uint8_t sig [64];
    cr_assert_eq (us_keys_sign (sig, keys, bytes, len), 0);
    push->signature = sig;
    push->signature_len = 64;
    int rc = us_merge_push (r, s_store, replica, push, bytes, len, &s_clock);
    free (bytes);
    push->signature = NULL;
    return rc;
}

/* A batch longer than the queue of held-back rows: its records keep their
   order and chain, a seq sent twice in a row is found while its first
   record still waits in the queue, a cell written twice is read back from
   the queue, each cell is once in the change stream and names the record
   that wrote it. */
Test (audit, queued_batch)
{
    enum { N = 3 * US_PSTORE_QUEUE_ROWS + 9 };
    us_delta_t d [N];
    int64_t now = us_hlc_wall_ms ();
    for (int i = 0; i < N; i++)
        d [i] = (us_delta_t) { .seq = (uint64_t) (10 + i), .unit = "QT.DAKRONG",
                               .indicator = i % 2 ? "members.new" : "members.total",
                               .month = 2023 * 12 + i / 2, .value = 100 + i,
                               .hlc = us_hlc_make (now - 5000 + i, 0), .author = "ketoan",
                               .note = i % 7 ? "" : "ghi chú dài hơn một chút" };
    /* Sent again right after itself: the first is still queued. */
    int again = US_PSTORE_QUEUE_ROWS + 5, noted = 0;
    d [again + 1] = d [again];
    for (int i = 0; i < N; i++)
        noted += i != again + 1 && *d [i].note;
    /* The last edit writes the figure the one before it wrote, queued. */
    d [N - 1].indicator = d [N - 2].indicator;
    d [N - 1].month = d [N - 2].month;
    us_push_t push = { .epoch = 1, .count = N, .deltas = d };
    us_merge_result_t r [N];
    sqlite3 *db = us_pstore_db (s_store);
    int64_t before = us_test_int (db, "SELECT COUNT(*) FROM received");
    int64_t stream = us_test_int (db, "SELECT COUNT(*) FROM changelog");
    cr_assert_eq (s_push_signed (r, &push, &s_keys, &s_rep), 0, "%s", us_error_msg ());
    cr_assert (r [again + 1].result.duplicate, "the repeat is answered from its record");
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM received"), before + N - 1);
    cr_assert_eq (us_test_int (db, "SELECT MAX (id) - MIN (id) + 1 FROM received"),
                  us_test_int (db, "SELECT COUNT(*) FROM received"), "no gap in the ids");
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog"), stream + N - 2);
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT version * 1000000 + value FROM cells WHERE month = %d"
              " AND ind_id = (SELECT id FROM indicators WHERE code = '%s')",
              d [N - 1].month, d [N - 1].indicator);
    cr_assert_eq (us_test_int (db, sql), 2 * 1000000 + d [N - 1].value,
                  "the second write is the cell's second version");
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog WHERE kind = 3"),
                  us_test_int (db, "SELECT COUNT(*) FROM cells"));
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM cells c JOIN units u ON u.id = c.unit_id"
                                   " JOIN received r ON r.id = c.record AND r.unit = u.code"
                                   " AND r.month = c.month AND r.value = c.value"
                                   " WHERE u.code = 'QT.DAKRONG' AND c.month >= 2023 * 12"),
                  N - 2, "every cell names the record that wrote it");
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM received"
                                   " WHERE note = 'ghi chú dài hơn một chút'"), noted);
    char *out;
    cr_assert_eq (s_verify (&out), 0, "%s", us_error_msg ());
    free (out);
}

/* Records queued in a transaction that is rolled back are dropped with it:
   the next transaction's chain starts where the store's ends. */
Test (audit, queued_rollback)
{
    sqlite3 *db = us_pstore_db (s_store);
    int64_t rows = us_test_int (db, "SELECT COUNT(*) FROM received");
    for (int n = 0; n < 2; n++) {
        cr_assert_eq (us_pstore_begin (s_store), 0);
        us_pstore_chain_t chain;
        cr_assert_eq (us_pstore_chain_open (s_store, &chain), 0);
        /* More than a queue's worth, so that some rows were written and
           some wait; the second time, one row that is kept. */
        int count = n == 0 ? US_PSTORE_QUEUE_ROWS + 6 : 1;
        for (int i = 0; i < count; i++) {
            us_audit_row_t row = { .kind = US_ACT_IMPORT, .seq = chain.next_id, .unit = "", .indicator = "",
                                   .month = -1, .author = "tinh", .note = n ? "kept" : "dropped",
                                   .reason = "thử", .at = us_hlc_wall_ms () };
            cr_assert_eq (us_pstore_record_append (s_store, &chain, &row), 0, "%s",
                          us_error_msg ());
        }
        if (n == 0) {
            us_pstore_rollback (s_store);
            continue;
        }
        cr_assert_eq (us_pstore_chain_close (s_store, &chain), 0, "%s", us_error_msg ());
        cr_assert_eq (us_pstore_commit (s_store), 0, "%s", us_error_msg ());
    }
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM received"), rows + 1);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM received WHERE note = 'dropped'"), 0);
    char *out;
    cr_assert_eq (s_verify (&out), 0, "%s", us_error_msg ());
    free (out);
}

/* The log refuses updates and deletes through SQL. */
Test (audit, append_only)
{
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_neq (sqlite3_exec (db, "UPDATE received SET value = 99 WHERE id = 1", NULL, NULL,
                                 NULL), SQLITE_OK);
    cr_assert_neq (sqlite3_exec (db, "DELETE FROM received WHERE id = 1", NULL, NULL, NULL),
                   SQLITE_OK);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM received WHERE kind = 0"), 5);
}

/* A changed value is found and named. */
Test (audit, changed_row)
{
    s_tamper ("UPDATE received SET value = 99 WHERE id = 2");
    char *out;
    cr_assert_eq (s_verify (&out), US_ECORRUPT);
    cr_assert_not_null (strstr (us_error_msg (), "record 2"), "%s", us_error_msg ());
    free (out);
}

/* A removed row in the middle breaks the chain at the next one. */
Test (audit, removed_row)
{
    s_tamper ("DELETE FROM received WHERE kind = 0 AND id = 3");
    char *out;
    cr_assert_eq (s_verify (&out), US_ECORRUPT);
    cr_assert_not_null (strstr (us_error_msg (), "record 4"), "%s", us_error_msg ());
    free (out);
}

/* Rows cut off the end are found through the remembered length. */
Test (audit, truncated_log)
{
    s_tamper ("DELETE FROM received WHERE kind = 0 AND id = (SELECT MAX (id) FROM received)");
    char *out;
    cr_assert_eq (s_verify (&out), US_ECORRUPT);
    cr_assert_not_null (strstr (us_error_msg (), "end"), "%s", us_error_msg ());
    free (out);
}

/* A stored batch whose bytes were changed no longer verifies. */
Test (audit, changed_batch)
{
    s_tamper ("UPDATE batches SET bytes = CAST (replace (CAST (bytes AS TEXT), 'ketoan',"
              " 'ketoaN') AS BLOB) WHERE id = 1");
    char *out;
    cr_assert_eq (s_verify (&out), US_ECORRUPT);
    cr_assert_not_null (strstr (us_error_msg (), "batch"), "%s", us_error_msg ());
    free (out);
}

/* A row rewritten with a matching hash still has to match its signed batch. */
Test (audit, rehashed_row)
{
    sqlite3 *db = us_pstore_db (s_store);
    sqlite3_stmt *st;
    cr_assert_eq (sqlite3_prepare_v2 (db,
        "SELECT id, replica_id, batch_id, epoch, seq, unit, indicator, month, value, hlc,"
        " clamped, base_version, author, note, outcome, reason, version, at, prev_hash,"
        " origin_hlc, kind FROM received ORDER BY id", -1, &st, NULL), SQLITE_OK);
    int64_t first = us_test_int (db, "SELECT MIN (id) FROM received WHERE kind = 0");
    uint8_t prev [US_HASH_LEN] = { 0 };
    s_tamper ("SELECT 1");
    while (sqlite3_step (st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (st, 0);
        us_audit_row_t row = {
            .id = id, .replica_id = sqlite3_column_int64 (st, 1),
            .batch_id = sqlite3_column_int64 (st, 2), .epoch = sqlite3_column_int64 (st, 3),
            .seq = sqlite3_column_int64 (st, 4),
            .unit = strdup ((const char *) sqlite3_column_text (st, 5)),
            .indicator = strdup ((const char *) sqlite3_column_text (st, 6)),
            .month = sqlite3_column_int (st, 7),
            .has_value = sqlite3_column_type (st, 8) != SQLITE_NULL,
            .value = id == first ? 55 : sqlite3_column_int64 (st, 8),
            .kind = sqlite3_column_int (st, 20),
            .hlc = sqlite3_column_int64 (st, 9), .clamped = sqlite3_column_int (st, 10),
            .base_version = sqlite3_column_int64 (st, 11),
            .author = strdup ((const char *) sqlite3_column_text (st, 12)),
            .note = strdup ((const char *) sqlite3_column_text (st, 13)),
            .outcome = sqlite3_column_int (st, 14),
            .reason = strdup ((const char *) sqlite3_column_text (st, 15)),
            .version = sqlite3_column_int64 (st, 16), .at = sqlite3_column_int64 (st, 17),
            .origin_hlc = sqlite3_column_int64 (st, 19) };
        uint8_t hash [US_HASH_LEN];
        cr_assert_eq (us_audit_hash (hash, prev, &row), 0);
        sqlite3_stmt *up;
        cr_assert_eq (sqlite3_prepare_v2 (db, "UPDATE received SET value = ?, prev_hash = ?,"
                                              " hash = ? WHERE id = ?", -1, &up, NULL), SQLITE_OK);
        if (row.has_value)
            sqlite3_bind_int64 (up, 1, row.value);
        sqlite3_bind_blob (up, 2, prev, US_HASH_LEN, SQLITE_TRANSIENT);
        sqlite3_bind_blob (up, 3, hash, US_HASH_LEN, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (up, 4, id);
        cr_assert_eq (sqlite3_step (up), SQLITE_DONE);
        sqlite3_finalize (up);
        memcpy (prev, hash, US_HASH_LEN);
        free ((char *) row.unit);
        free ((char *) row.indicator);
        free ((char *) row.author);
        free ((char *) row.note);
        free ((char *) row.reason);
    }
    sqlite3_finalize (st);
    char *out;
    cr_assert_eq (s_verify (&out), US_ECORRUPT, "a rewritten chain passed: %s", out);
    char named [32];
    snprintf (named, sizeof named, "record %lld ", (long long) first);
    cr_assert_not_null (strstr (us_error_msg (), named), "%s", us_error_msg ());
    free (out);
}

/* The hash covers every field and the previous hash. */
Test (audit, hash_covers_fields)
{
    uint8_t prev [US_HASH_LEN] = { 0 }, a [US_HASH_LEN], b [US_HASH_LEN];
    us_audit_row_t row = { .id = 1, .replica_id = 2, .batch_id = 3, .epoch = 1, .seq = 4,
                           .unit = "QT.DAKRONG", .indicator = "members.new", .month = 24268,
                           .has_value = true, .value = 10, .hlc = 5, .origin_hlc = 5,
                           .author = "a", .note = "", .outcome = 1, .reason = "", .version = 1,
                           .at = 7 };
    cr_assert_eq (us_audit_hash (a, prev, &row), 0);
    cr_assert_eq (us_audit_hash (b, prev, &row), 0);
    cr_assert_eq (memcmp (a, b, US_HASH_LEN), 0);
    us_audit_row_t changed = row;
    changed.value = 11;
    cr_assert_eq (us_audit_hash (b, prev, &changed), 0);
    cr_assert_neq (memcmp (a, b, US_HASH_LEN), 0);
    changed = row;
    changed.unit = "QT.DAKRONG ";
    cr_assert_eq (us_audit_hash (b, prev, &changed), 0);
    cr_assert_neq (memcmp (a, b, US_HASH_LEN), 0);
    changed = row;
    changed.has_value = false;
    changed.value = 0;
    cr_assert_eq (us_audit_hash (b, prev, &changed), 0);
    cr_assert_neq (memcmp (a, b, US_HASH_LEN), 0);
    prev [5] = 1;
    cr_assert_eq (us_audit_hash (b, prev, &row), 0);
    cr_assert_neq (memcmp (a, b, US_HASH_LEN), 0);
    /* Field boundaries are unambiguous: "ab"+"c" differs from "a"+"bc". */
    us_audit_row_t x = row, y = row;
    x.author = "ab";
    x.note = "c";
    y.author = "a";
    y.note = "bc";
    memset (prev, 0, sizeof prev);
    cr_assert_eq (us_audit_hash (a, prev, &x), 0);
    cr_assert_eq (us_audit_hash (b, prev, &y), 0);
    cr_assert_neq (memcmp (a, b, US_HASH_LEN), 0);
}

/* A record's hash is SHA-256 over the previous hash and every field as
   "<length>:<text>", integers in decimal: stores written by any version
   verify with any other. */
Test (audit, hash_known_answer)
{
    uint8_t prev [US_HASH_LEN] = { 0 }, got [US_HASH_LEN];
    us_audit_row_t row = { .id = 1, .replica_id = 2, .batch_id = 3, .epoch = 1, .seq = 4,
                           .unit = "QT.DAKRONG", .indicator = "members.new", .month = 24268,
                           .has_value = true, .value = 10, .hlc = 5, .origin_hlc = -5,
                           .author = "a", .note = "", .outcome = 1, .reason = "", .version = 1,
                           .at = 7 };
    cr_assert_eq (us_audit_hash (got, prev, &row), 0);
    char hex [2 * US_HASH_LEN + 1];
    for (int i = 0; i < US_HASH_LEN; i++)
        snprintf (hex + 2 * i, 3, "%02x", got [i]);
    /* sha256 (32 zero bytes "1:11:21:31:11:410:QT.DAKRONG11:members.new5:24268"
       "1:v2:101:52:-51:01:01:a0:1:10:1:11:7") */
    cr_assert_str_eq (hex, "bc9dcc865185f0fe0f20c6b7dc28042e7cba7cb18d1a9929258d83c886f516b2");
    /* A record too long to hash is an error, not a truncated hash. */
    char big [5000];
    memset (big, 'x', sizeof big - 1);
    big [sizeof big - 1] = 0;
    row.note = big;
    cr_assert_lt (us_audit_hash (got, prev, &row), 0);
}

/* The history of a unit's figures names who changed what. */
Test (audit, show)
{
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_audit_show (s_store, c.f, "QT.DAKRONG", "2022"), 0, "%s", us_error_msg ());
    us_test_capture_close (&c);
    cr_assert_not_null (strstr (c.buf, "ketoan"), "%s", c.buf);
    cr_assert_not_null (strstr (c.buf, "tinh"), "%s", c.buf);
    cr_assert_not_null (strstr (c.buf, "theo biên bản"), "%s", c.buf);
    free (c.buf);
    us_test_capture_open (&c);
    cr_assert_eq (us_audit_show (s_store, c.f, "QT.NOWHERE", "2022"), US_ENOTFOUND);
    cr_assert_eq (us_audit_show (s_store, c.f, "QT", "2022-13"), US_EINVAL);
    us_test_capture_close (&c);
    free (c.buf);
}
