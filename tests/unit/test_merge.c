/*  Unit tests for us_merge: applying Push batches and province corrections
    to the provincial store (exactly-once, scope, rejections, conflicts). */
#include "us_codec.h"
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_audit.h"
#include "us_merge.h"
#include "us_pstore.h"
#include "us_pstore_backup.h"
#include "us_pstore_sql.h"

#include "us_test.h"
#include "us_test_province.h"

#include <limits.h>

#define UNITS_CSV \
    "id,name,parent,kind\n" \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province\n" \
    "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district\n" \
    "QT.HUONGHOA,LĐLĐ huyện Hướng Hóa,QT,district\n" \
    "QT.DAKRONG.CS1,CĐCS Công ty Cao su,QT.DAKRONG,grassroots\n"

#define MAY_2022 (2022 * 12 + 4)

static char s_dir [64];
static us_pstore_t *s_store;
static us_hlc_t s_clock;
static int64_t s_now;

/* Two offices' PCs in Đakrông (A and B), one in Hướng Hóa (C) and one at
   the province (P). */
static us_keys_t s_ka, s_kb, s_kc, s_kp;
static us_replica_t s_a, s_b, s_c, s_p;

/* Enrolls fresh keys for unit. */
static void
s_enroll (us_keys_t *keys, us_replica_t *replica, const char *unit)
{
    cr_assert_eq (us_keys_generate (keys, true), 0);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, keys);
    int64_t id;
    cr_assert_eq (us_pstore_enroll (s_store, &id, unit, token, NULL), 0, "%s", us_error_msg ());
    cr_assert_eq (us_pstore_replica (s_store, replica, keys->curve_public), 0);
}

static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_province (&s_store, s_dir, UNITS_CSV);
    s_enroll (&s_ka, &s_a, "QT.DAKRONG");
    s_enroll (&s_kb, &s_b, "QT.DAKRONG");
    s_enroll (&s_kc, &s_c, "QT.HUONGHOA");
    s_enroll (&s_kp, &s_p, "QT");
    s_now = us_hlc_wall_ms ();
    s_clock = (us_hlc_t) { 0, 0 };
}

static void
s_teardown (void)
{
    us_pstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (merge, .init = s_setup, .fini = s_teardown);

/* An HLC timestamp some seconds from now. */
static uint64_t
s_ts (int64_t seconds)
{
    return us_hlc_make (s_now + seconds * 1000, 0);
}

/* A delta of members.new for unit in May 2022. */
static us_delta_t
s_delta (uint64_t seq, const char *unit, int64_t value, uint64_t hlc, uint64_t base,
         const char *author)
{
    return (us_delta_t) { .seq = seq, .unit = unit, .indicator = "members.new",
                          .month = MAY_2022, .value = value, .hlc = hlc,
                          .base_version = base, .author = author, .note = "" };
}

/* Signs and applies a batch from replica; returns us_merge_push's code. */
static int
s_push_rc (us_merge_result_t *res, const us_replica_t *rep, const us_keys_t *keys,
           uint32_t epoch, us_delta_t *d, size_t n)
{
    us_push_t push = { .epoch = epoch, .count = n, .deltas = d };
    uint8_t *bytes;
    size_t len;
    cr_assert_eq (us_codec_push_signed_bytes (&bytes, &len, &push), 0);
    uint8_t sig [64];
    cr_assert_eq (us_keys_sign (sig, keys, bytes, len), 0);
    push.signature = sig;
    push.signature_len = 64;
    int rc = us_merge_push (res, s_store, rep, &push, bytes, len, &s_clock);
    free (bytes);
    return rc;
}

/* Applies a batch, failing the test on error. */
static void
s_push (us_merge_result_t *res, const us_replica_t *rep, const us_keys_t *keys,
        uint32_t epoch, us_delta_t *d, size_t n)
{
    int rc = s_push_rc (res, rep, keys, epoch, d, n);
    cr_assert_eq (rc, 0, "push: %s", us_error_msg ());
    for (size_t i = 0; i < n; i++)
        cr_assert_not_null (res [i].result.reason, "result %zu has no reason pointer", i);
}

/* Applies one delta and returns a copy of its result (read the reason from
   the copy's own buffer). */
static us_merge_result_t
s_push1 (const us_replica_t *rep, const us_keys_t *keys, us_delta_t d)
{
    us_merge_result_t res;
    s_push (&res, rep, keys, 1, &d, 1);
    cr_assert_eq (res.result.reason, res.reason, "reason does not point into the result");
    return res;
}

/* Runs a query about the store. */
static int64_t
s_int (const char *sql)
{
    return us_test_int (us_pstore_db (s_store), sql);
}

#define CELL_WHERE " FROM cells c JOIN units u ON u.id = c.unit_id JOIN indicators i" \
                   " ON i.id = c.ind_id WHERE u.code = 'QT.DAKRONG' AND i.code = 'members.new'"

/* A new figure is accepted as version 1, recorded in the audit log, raises
   the replica's high-water mark and reaches the change stream. */
Test (merge, accepted)
{
    us_merge_result_t r = s_push1 (&s_a, &s_ka, s_delta (7, "QT.DAKRONG", 120, s_ts (-60), 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "%s", r.reason);
    cr_assert_eq (r.result.seq, 7);
    cr_assert_eq (r.result.version, 1);
    cr_assert_eq (r.result.value, 120);
    cr_assert_not (r.result.cleared);
    cr_assert_not (r.result.duplicate);
    cr_assert_str_eq (r.reason, "");
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 120);
    cr_assert_eq (s_int ("SELECT c.version" CELL_WHERE), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 1);
    cr_assert_eq (s_int ("SELECT outcome FROM received WHERE kind = 0"), US_OUTCOME_ACCEPTED);
    char sql [200];
    snprintf (sql, sizeof sql, "SELECT high_water FROM epochs WHERE replica_id = %lld AND epoch = 1",
              (long long) s_a.id);
    cr_assert_eq (s_int (sql), 7);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM changelog WHERE kind = 3"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM batches"), 1);
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_pstore_db (s_store),
                      "SELECT c.replica" CELL_WHERE), s_ka.curve_public);
    cr_assert_geq (s_clock.last, s_ts (-60), "the server clock saw the delta");
}

/* The same (epoch, seq) pushed twice is applied once: the second answer is
   the first result flagged duplicate, and nothing changes. */
Test (merge, duplicate_push)
{
    us_delta_t d = s_delta (1, "QT.DAKRONG", 120, s_ts (-60), 0, "a");
    us_merge_result_t r1 = s_push1 (&s_a, &s_ka, d);
    cr_assert_eq (r1.result.outcome, US_OUTCOME_ACCEPTED);
    int64_t stream = s_int ("SELECT MAX (seq) FROM changelog");
    us_merge_result_t r2 = s_push1 (&s_a, &s_ka, d);
    cr_assert (r2.result.duplicate);
    cr_assert_eq (r2.result.outcome, US_OUTCOME_ACCEPTED);
    cr_assert_eq (r2.result.seq, 1);
    cr_assert_eq (r2.result.value, 120);
    cr_assert_eq (r2.result.version, 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 1);
    cr_assert_eq (s_int ("SELECT c.version" CELL_WHERE), 1);
    cr_assert_eq (s_int ("SELECT MAX (seq) FROM changelog"), stream);

    /* A retry that carries a different value under the same identity is
       still the same edit. */
    d.value = 999;
    us_merge_result_t r3 = s_push1 (&s_a, &s_ka, d);
    cr_assert (r3.result.duplicate);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 120);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 1);
}

/* A delta repeated inside one batch is applied once. */
Test (merge, duplicate_in_batch)
{
    us_delta_t d [2] = { s_delta (1, "QT.DAKRONG", 5, s_ts (-60), 0, "a"),
                         s_delta (1, "QT.DAKRONG", 5, s_ts (-60), 0, "a") };
    us_merge_result_t r [2];
    s_push (r, &s_a, &s_ka, 1, d, 2);
    cr_assert_not (r [0].result.duplicate);
    cr_assert (r [1].result.duplicate);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 1);
    cr_assert_eq (s_int ("SELECT c.version" CELL_WHERE), 1);
}

/* A seq beyond SQLite's integers (only a broken or hostile client sends
   one) neither hides the seqs beside it from the duplicate check nor is
   applied twice itself. */
Test (merge, huge_seq)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.HUONGHOA", 1, s_ts (-70), 0, "a"));
    us_delta_t d [2] = { s_delta (5, "QT.DAKRONG", 5, s_ts (-60), 0, "a"),
                         s_delta (UINT64_MAX - 1, "QT.DAKRONG.CS1", 6, s_ts (-59), 0, "a") };
    us_merge_result_t r [2];
    s_push (r, &s_a, &s_ka, 1, d, 2);
    cr_assert_eq (r [0].result.outcome, US_OUTCOME_ACCEPTED);
    cr_assert_eq (r [1].result.outcome, US_OUTCOME_ACCEPTED);
    s_push (r, &s_a, &s_ka, 1, d, 2);
    cr_assert (r [0].result.duplicate, "seq 5 again");
    cr_assert (r [1].result.duplicate, "the huge seq again");
    s_push (r, &s_a, &s_ka, 1, &d [0], 1);
    cr_assert (r [0].result.duplicate, "seq 5 alone again");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 3);
    cr_assert_eq (s_int ("SELECT c.version" CELL_WHERE), 1);
}

/* The same seq in a new epoch is a new edit. */
Test (merge, new_epoch_same_seq)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 5, s_ts (-60), 0, "a"));
    us_delta_t d = s_delta (1, "QT.DAKRONG", 6, s_ts (-50), 1, "a");
    us_merge_result_t r;
    s_push (&r, &s_a, &s_ka, 2, &d, 1);
    cr_assert_not (r.result.duplicate);
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 6);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 2);
}

/* Edits a restored store re-sends under a new epoch, with new seqs, are
   recognised by their timestamp, cell and value and applied once; a new
   edit in the same batch is applied. */
Test (merge, resent_under_new_epoch)
{
    us_delta_t d [3] = { s_delta (1, "QT.DAKRONG", 5, s_ts (-60), 0, "a"),
                         s_delta (2, "QT.DAKRONG.CS1", 6, s_ts (-59), 0, "a"),
                         s_delta (3, "QT.DAKRONG", 7, s_ts (-58), 1, "a") };
    us_merge_result_t r [4];
    s_push (r, &s_a, &s_ka, 1, d, 3);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 3);
    us_delta_t again [4] = { d [0], d [1], d [2],
                             s_delta (4, "QT.DAKRONG", 8, s_ts (-57), 2, "a") };
    for (int i = 0; i < 3; i++)
        again [i].seq = 101 + (uint64_t) i;
    again [3].seq = 104;
    s_push (r, &s_a, &s_ka, 2, again, 4);
    for (int i = 0; i < 3; i++)
        cr_assert (r [i].result.duplicate, "re-sent edit %d taken as new", i);
    cr_assert_not (r [3].result.duplicate);
    cr_assert_eq (r [3].result.outcome, US_OUTCOME_ACCEPTED, "%s", r [3].reason);
    cr_assert_eq (r [2].result.value, 7, "the answer carries the figure as it was then");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 4);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 8);
    cr_assert_eq (s_int ("SELECT c.version" CELL_WHERE), 3);
}

/* A formula (Hà Nội's subsidy) is computed, never entered: the province
   refuses it from an office, whatever the office's program let through. */
Test (merge, formula_refused)
{
    us_delta_t d = s_delta (1, "QT.DAKRONG", 8500000, s_ts (-60), 0, "a");
    d.indicator = "support.hanoi";
    us_merge_result_t r = s_push1 (&s_a, &s_ka, d);
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED);
    cr_assert_str_eq (r.reason, "support.hanoi is a formula; it is computed, not entered");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), 0);
}

/* A batch that goes back and forth between units, scopes and indicators
   gets each delta's own answer: nothing looked up for one delta leaks into
   another's. */
Test (merge, batch_alternating_lookups)
{
    us_state_t state;
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG.CS1", "2022-05",
                                      US_ACTION_LOCK, true), 0, "%s", us_error_msg ());
    us_delta_t d [7] = {
        s_delta (1, "QT.DAKRONG", 1, s_ts (-60), 0, "a"),
        s_delta (2, "QT.HUONGHOA", 2, s_ts (-59), 0, "a"),
        s_delta (3, "QT.DAKRONG", 3, s_ts (-58), 0, "a"),
        s_delta (4, "QT.DAKRONG.CS1", 4, s_ts (-57), 0, "a"),
        s_delta (5, "QT.NOWHERE", 5, s_ts (-56), 0, "a"),
        s_delta (6, "QT.DAKRONG", 6, s_ts (-55), 0, "a"),
        s_delta (7, "QT.DAKRONG", 7, s_ts (-54), 0, "a"),
    };
    d [2].indicator = "no.such";
    d [5].indicator = "cla.coverage";
    d [6].indicator = "cdcs.new";
    us_merge_result_t r [7];
    s_push (r, &s_a, &s_ka, 1, d, 7);
    cr_assert_eq (r [0].result.outcome, US_OUTCOME_ACCEPTED, "%s", r [0].reason);
    cr_assert_eq (r [1].result.outcome, US_OUTCOME_REJECTED);
    cr_assert_not_null (strstr (r [1].reason, "outside the scope"), "%s", r [1].reason);
    cr_assert_eq (r [2].result.outcome, US_OUTCOME_REJECTED);
    cr_assert_not_null (strstr (r [2].reason, "unknown indicator"), "%s", r [2].reason);
    cr_assert_eq (r [3].result.outcome, US_OUTCOME_REJECTED);
    cr_assert_not_null (strstr (r [3].reason, "locked"), "%s", r [3].reason);
    cr_assert_eq (r [4].result.outcome, US_OUTCOME_REJECTED);
    cr_assert_not_null (strstr (r [4].reason, "unknown unit"), "%s", r [4].reason);
    cr_assert_eq (r [5].result.outcome, US_OUTCOME_REJECTED);
    cr_assert_not_null (strstr (r [5].reason, "ratio"), "%s", r [5].reason);
    cr_assert_eq (r [6].result.outcome, US_OUTCOME_ACCEPTED, "%s", r [6].reason);
    cr_assert_eq (r [6].result.version, 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), 2);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 7);
}

/* A seq that names a different edit (a restored store) is refused as a
   whole with US_EEXIST, and nothing of the batch is applied. */
Test (merge, reused_seq_refused)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 5, s_ts (-60), 0, "a"));
    us_delta_t d [2] = { s_delta (2, "QT.HUONGHOA", 1, s_ts (-40), 0, "a"),
                         s_delta (1, "QT.DAKRONG", 9, s_ts (-30), 0, "a") };
    d [0].unit = "QT.DAKRONG.CS1";
    us_merge_result_t r [2];
    cr_assert_eq (s_push_rc (r, &s_a, &s_ka, 1, d, 2), US_EEXIST);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), 1);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 5);
    cr_assert (sqlite3_get_autocommit (us_pstore_db (s_store)));
}

/* Signs and applies a batch that says how much of its epoch the office
   was told is acknowledged (Push.acked), optionally sent again. */
static int
s_push_acked (us_merge_result_t *res, uint64_t acked, bool resent, us_delta_t *d, size_t n)
{
    us_push_t push = { .epoch = 1, .count = n, .deltas = d, .acked = acked, .resent = resent };
    uint8_t *bytes;
    size_t len;
    cr_assert_eq (us_codec_push_signed_bytes (&bytes, &len, &push), 0);
    uint8_t sig [64];
    cr_assert_eq (us_keys_sign (sig, &s_ka, bytes, len), 0);
    push.signature = sig;
    push.signature_len = 64;
    int rc = us_merge_push (res, s_store, &s_a, &push, bytes, len, &s_clock);
    free (bytes);
    return rc;
}

/* A store that holds less of the office's epoch than the office was told
   is acknowledged (it was put back from a backup during the office's
   sync) refuses a new batch whole, naming the seqs; the same batch with
   what the store holds, and edits sent again, are applied. */
Test (merge, acked_beyond_store_refused)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 5, s_ts (-60), 0, "a"));
    us_delta_t d [1] = { s_delta (7, "QT.DAKRONG", 9, s_ts (-30), 1, "a") };
    us_merge_result_t r [1];
    cr_assert_eq (s_push_acked (r, 6, false, d, 1), US_EBEHIND);
    cr_assert (strstr (us_error_msg (), "seq 6 of epoch 1"), "%s", us_error_msg ());
    cr_assert (strstr (us_error_msg (), "say hello again"), "%s", us_error_msg ());
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 1);
    cr_assert_eq (s_int ("SELECT high_water FROM epochs"), 1);
    cr_assert (sqlite3_get_autocommit (us_pstore_db (s_store)));
    us_delta_t again [1] = { s_delta (2, "QT.DAKRONG", 8, s_ts (-50), 1, "a") };
    cr_assert_eq (s_push_acked (r, 6, true, again, 1), 0, "%s", us_error_msg ());
    cr_assert_eq (s_push_acked (r, 2, false, d, 1), 0, "%s", us_error_msg ());
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 9);
}

/* A unit outside the replica's subtree is rejected with a reason, kept in
   the audit log, and no figure is written. */
Test (merge, out_of_scope)
{
    us_merge_result_t r = s_push1 (&s_a, &s_ka, s_delta (1, "QT.HUONGHOA", 50, s_ts (-60), 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED);
    cr_assert_not_null (strstr (r.reason, "outside"), "%s", r.reason);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0 AND outcome = 4"), 1);
    r = s_push1 (&s_a, &s_ka, s_delta (2, "QT", 50, s_ts (-50), 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED, "the province is above the district");
    r = s_push1 (&s_a, &s_ka, s_delta (3, "QT.DAKRONG.CS1", 50, s_ts (-40), 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "a grassroots union below it is in scope");
}

/* Every rejected result tells the cell's state after the batch: with no
   figure stored, it is cleared (the office shows what the province has). */
Test (merge, rejected_result_state)
{
    us_delta_t d = s_delta (1, "QT.DAKRONG", 5, s_ts (-60), 0, "a");
    d.indicator = "cla.coverage";
    us_merge_result_t r = s_push1 (&s_a, &s_ka, d);
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED);
    cr_assert (r.result.cleared, "ratio rejection not cleared");
    r = s_push1 (&s_a, &s_ka, s_delta (2, "QT.HUONGHOA", 50, s_ts (-50), 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED);
    cr_assert (r.result.cleared, "out-of-scope rejection says value %lld, not cleared",
               (long long) r.result.value);
    r = s_push1 (&s_a, &s_ka, s_delta (3, "QT.NOWHERE", 5, s_ts (-40), 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED);
    cr_assert (r.result.cleared, "unknown-unit rejection not cleared");
}

/* Ratios, negative values and unknown units or indicators are rejected
   with a reason each. */
Test (merge, rejections)
{
    us_delta_t d [4] = {
        s_delta (1, "QT.DAKRONG", 96, s_ts (-60), 0, "a"),
        s_delta (2, "QT.DAKRONG", -1, s_ts (-59), 0, "a"),
        s_delta (3, "QT.DAKRONG", 1, s_ts (-58), 0, "a"),
        s_delta (4, "QT.NOWHERE", 1, s_ts (-57), 0, "a"),
    };
    d [0].indicator = "cla.coverage";
    d [2].indicator = "members.lost";
    us_merge_result_t r [4];
    s_push (r, &s_a, &s_ka, 1, d, 4);
    static const char *words [] = { "ratio", "negative", "unknown indicator", "unknown unit" };
    for (int i = 0; i < 4; i++) {
        cr_assert_eq (r [i].result.outcome, US_OUTCOME_REJECTED, "delta %d", i);
        cr_assert_eq (r [i].result.seq, (uint64_t) i + 1);
        cr_assert_not_null (strstr (r [i].result.reason, words [i]), "delta %d: %s", i,
                            r [i].result.reason);
    }
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0 AND outcome = 4 AND reason <> ''"), 4);
}

/* Results come back in order; good deltas apply beside rejected ones, and
   the high-water mark is the highest seq of the batch. */
Test (merge, mixed_batch)
{
    us_delta_t d [3] = {
        s_delta (10, "QT.DAKRONG", 1, s_ts (-60), 0, "a"),
        s_delta (11, "QT.HUONGHOA", 2, s_ts (-59), 0, "a"),
        s_delta (12, "QT.DAKRONG.CS1", 3, s_ts (-58), 0, "a"),
    };
    us_merge_result_t r [3];
    s_push (r, &s_a, &s_ka, 1, d, 3);
    cr_assert_eq (r [0].result.outcome, US_OUTCOME_ACCEPTED);
    cr_assert_eq (r [1].result.outcome, US_OUTCOME_REJECTED);
    cr_assert_eq (r [2].result.outcome, US_OUTCOME_ACCEPTED);
    for (int i = 0; i < 3; i++)
        cr_assert_eq (r [i].result.seq, (uint64_t) 10 + i);
    char sql [200];
    snprintf (sql, sizeof sql, "SELECT high_water FROM epochs WHERE replica_id = %lld",
              (long long) s_a.id);
    cr_assert_eq (s_int (sql), 12);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 3);
}

/* Figures of an approved period are locked for the districts. */
Test (merge, locked_period)
{
    us_state_t state;
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2022-H1",
                                      US_ACTION_LOCK, true), 0, "%s", us_error_msg ());
    us_merge_result_t r = s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 5, s_ts (-60), 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED);
    cr_assert_not_null (strstr (r.reason, "locked"), "%s", r.reason);
    us_delta_t d = s_delta (2, "QT.DAKRONG", 5, s_ts (-50), 0, "a");
    d.month = 2022 * 12 + 6;
    r = s_push1 (&s_a, &s_ka, d);
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "July is not locked");
}

/* Two offices edit the same cell from version 0: the later clock wins, and
   the conflicts table keeps both values, both authors and the rule. */
Test (merge, conflict_later_wins)
{
    us_merge_result_t r = s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "anh"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED);
    r = s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 12, s_ts (-30), 0, "binh"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_CONFLICT_WON, "%s", r.reason);
    cr_assert_eq (r.result.value, 12);
    cr_assert_eq (r.result.version, 2);
    cr_assert_not_null (strstr (r.reason, "anh"), "%s", r.reason);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 12);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 1);
    cr_assert_eq (s_int ("SELECT winner_value FROM conflicts"), 12);
    cr_assert_eq (s_int ("SELECT loser_value FROM conflicts"), 10);
    sqlite3 *db = us_pstore_db (s_store);
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT winner_author FROM conflicts"), "binh");
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT loser_author FROM conflicts"), "anh");
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT winner_replica FROM conflicts"),
                      s_kb.curve_public);
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT loser_replica FROM conflicts"),
                      s_ka.curve_public);
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT rule FROM conflicts"),
                      "lww: later clock");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM changelog WHERE kind = 5"), 1);

    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_pstore_conflicts_print (s_store, c.f, true), 0);
    us_test_capture_close (&c);
    cr_assert (us_test_json_valid (c.buf), "%s", c.buf);
    cr_assert_not_null (strstr (c.buf, "\"winner_value\":12"), "%s", c.buf);
    cr_assert_not_null (strstr (c.buf, "\"loser_value\":10"), "%s", c.buf);
    free (c.buf);
}

/* The later clock wins even when it arrives first: the earlier edit loses
   and is kept as a conflict, not dropped. */
Test (merge, conflict_later_arrives_first)
{
    us_merge_result_t r = s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 12, s_ts (-30), 0, "binh"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED);
    r = s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "anh"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_CONFLICT_LOST, "%s", r.reason);
    cr_assert_eq (r.result.value, 12, "the loser learns the kept value");
    cr_assert_eq (r.result.version, 1);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 12);
    cr_assert_eq (s_int ("SELECT winner_value FROM conflicts"), 12);
    cr_assert_eq (s_int ("SELECT loser_value FROM conflicts"), 10);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0 AND outcome = 3"), 1);
}

/* One office's later edits supersede its earlier ones even with a stale
   base version: no conflict. */
Test (merge, same_replica_sequential)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "a"));
    us_merge_result_t r = s_push1 (&s_a, &s_ka, s_delta (2, "QT.DAKRONG", 11, s_ts (-50), 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "%s", r.reason);
    r = s_push1 (&s_a, &s_ka, s_delta (3, "QT.DAKRONG", 13, s_ts (-40), 1, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "%s", r.reason);
    cr_assert_eq (r.result.version, 3);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 13);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 0);
}

/* An office that saw the current version edits without conflict. */
Test (merge, other_replica_saw_current)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "a"));
    us_merge_result_t r = s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 9, s_ts (-70), 1, "b"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "%s", r.reason);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 9);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 0);
}

/* Equal clocks are decided by replica key, the same way whichever arrives
   first. */
Test (merge, conflict_tie_by_replica)
{
    uint64_t t = s_ts (-60);
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, t, 0, "a"));
    us_merge_result_t r = s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 12, t, 0, "b"));
    bool b_wins = strcmp (s_kb.curve_public, s_ka.curve_public) > 0;
    cr_assert_eq (r.result.outcome, b_wins ? US_OUTCOME_CONFLICT_WON : US_OUTCOME_CONFLICT_LOST);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), b_wins ? 12 : 10);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_pstore_db (s_store),
                      "SELECT rule FROM conflicts"), "lww: replica id");
}

/* Imports a catalog giving members.new a conflict policy. */
static void
s_policy (const char *policy)
{
    char path [160], text [256];
    us_test_path (path, sizeof path, s_dir, "ind.csv");
    snprintf (text, sizeof text, "code,name,kind,numerator,denominator,policy,rule\n"
              "members.new,Đoàn viên mới,flow,,,%s,\n", policy);
    remove (path);
    us_test_write (path, text);
    int count;
    cr_assert_eq (us_pstore_import_indicators (s_store, &count, path), 0, "%s", us_error_msg ());
}

/* With higher-level-wins, the province's edit beats a district's later one. */
Test (merge, policy_higher_level_wins)
{
    s_policy ("higher-level-wins");
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-30), 0, "a"));
    us_merge_result_t r = s_push1 (&s_p, &s_kp, s_delta (1, "QT.DAKRONG", 8, s_ts (-60), 0, "p"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_CONFLICT_WON, "%s", r.reason);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 8);
    cr_assert_eq (s_int ("SELECT c.corrected" CELL_WHERE), 1);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_pstore_db (s_store),
                      "SELECT rule FROM conflicts"), "higher-level-wins");
    r = s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 11, s_ts (-10), 0, "b"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_CONFLICT_LOST, "%s", r.reason);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 8);
}

/* With max, the larger figure wins whatever the clocks. */
Test (merge, policy_max)
{
    s_policy ("max");
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "a"));
    us_merge_result_t r = s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 7, s_ts (-10), 0, "b"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_CONFLICT_LOST);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 10);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_pstore_db (s_store),
                      "SELECT rule FROM conflicts"), "max");
}

/* With manual, the figure stays and the conflict waits unresolved. */
Test (merge, policy_manual)
{
    s_policy ("manual");
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "a"));
    us_merge_result_t r = s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 12, s_ts (-10), 0, "b"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_CONFLICT_LOST);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 10);
    cr_assert_eq (s_int ("SELECT resolved FROM conflicts"), 0);
    cr_assert_eq (s_int ("SELECT loser_value FROM conflicts"), 12);
}

/* A clock far ahead of the server's is clamped; the audit keeps both. */
Test (merge, clock_clamped)
{
    uint64_t ahead = s_ts (86400);
    us_merge_result_t r = s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, ahead, 0, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED);
    cr_assert_eq (s_int ("SELECT clamped FROM received WHERE kind = 0"), 1);
    cr_assert_eq ((uint64_t) s_int ("SELECT origin_hlc FROM received WHERE kind = 0"), ahead);
    uint64_t stored = (uint64_t) s_int ("SELECT c.hlc" CELL_WHERE);
    cr_assert_lt (stored, ahead);
    cr_assert_leq (us_hlc_ms (stored), us_hlc_wall_ms () + US_MAX_AHEAD_MS);
    cr_assert_lt (us_hlc_ms (s_clock.last), s_now + 3600 * 1000, "server clock pulled a day ahead");

    cr_assert_eq (s_int ("SELECT c.record" CELL_WHERE), 0,
                  "the office's clock was not kept: its pull must bring the cell");

    /* A sane clock is not marked clamped, and the cell names its record. */
    s_push1 (&s_a, &s_ka, s_delta (2, "QT.DAKRONG.CS1", 1, s_ts (-1), 0, "a"));
    cr_assert_eq (s_int ("SELECT clamped FROM received WHERE kind = 0 AND seq = 2"), 0);
    int64_t id = s_int ("SELECT id FROM received WHERE kind = 0 AND seq = 2");
    cr_assert_gt (id, 0);
    cr_assert_eq (s_int ("SELECT c.record FROM cells c JOIN units u ON u.id = c.unit_id"
                         " WHERE u.code = 'QT.DAKRONG.CS1'"), id);
}

/* A cleared figure is stored as no value and reported cleared. */
Test (merge, clear)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "a"));
    us_delta_t d = s_delta (2, "QT.DAKRONG", 0, s_ts (-50), 1, "a");
    d.clear = true;
    us_merge_result_t r = s_push1 (&s_a, &s_ka, d);
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED);
    cr_assert (r.result.cleared);
    cr_assert (us_test_is_null (us_pstore_db (s_store), "SELECT c.value" CELL_WHERE));
    cr_assert_eq (s_int ("SELECT c.version" CELL_WHERE), 2);
}

/* A province correction needs a note, is marked corrected, passes the
   province's own lock and reaches the change stream. */
Test (merge, correct)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "a"));
    us_merge_result_t r;
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "15",
                                    NULL, "tinh", false, &s_clock), US_EINVAL);
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "15",
                                    "", "tinh", false, &s_clock), US_EINVAL);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 10);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 1);

    us_state_t state;
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2022-Q2",
                                      US_ACTION_LOCK, true), 0);
    int64_t stream = s_int ("SELECT MAX (seq) FROM changelog");
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "15",
                                    "theo biên bản kiểm tra", "tinh", false, &s_clock), 0,
                  "%s", us_error_msg ());
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "%s", r.reason);
    cr_assert_eq (r.result.reason, r.reason);
    cr_assert_eq (r.result.value, 15);
    cr_assert_eq (r.result.version, 2);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 15);
    cr_assert_eq (s_int ("SELECT c.corrected" CELL_WHERE), 1);
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_pstore_db (s_store),
                      "SELECT c.note" CELL_WHERE), "theo biên bản kiểm tra");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 0, "a correction is not a conflict");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0 AND replica_id = 0"), 1);
    cr_assert_gt (s_int ("SELECT MAX (seq) FROM changelog"), stream);

    /* The district itself can no longer edit the locked quarter. */
    r = s_push1 (&s_a, &s_ka, s_delta (2, "QT.DAKRONG", 11, s_ts (-50), 1, "a"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED, "the period is locked for districts");
}

/* A correction can clear a figure; bad months and values are refused;
   an unknown unit is a rejected result. */
Test (merge, correct_edge_cases)
{
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "a"));
    us_merge_result_t r;
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-13", "members.new", "1",
                                    "n", "tinh", false, &s_clock), US_EINVAL);
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "x",
                                    "n", "tinh", false, &s_clock), US_EINVAL);
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "1",
                                    "bad\xC3(", "tinh", false, &s_clock), US_EINVAL);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"), 1);
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", NULL,
                                    "số liệu trùng", "tinh", false, &s_clock), 0);
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED);
    cr_assert (r.result.cleared);
    cr_assert (us_test_is_null (us_pstore_db (s_store), "SELECT c.value" CELL_WHERE));
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.NOWHERE", "2022-05", "members.new", "1",
                                    "n", "tinh", false, &s_clock), 0);
    cr_assert_eq (r.result.outcome, US_OUTCOME_REJECTED);
    cr_assert (sqlite3_get_autocommit (us_pstore_db (s_store)));
}

/* A correction with resolve settles the cell's open conflicts. */
Test (merge, correct_resolves)
{
    s_policy ("manual");
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "a"));
    s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 12, s_ts (-10), 0, "b"));
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts WHERE resolved = 0"), 1);
    us_merge_result_t r;
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "12",
                                    "đã xác minh", "tinh", true, &s_clock), 0, "%s", us_error_msg ());
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts WHERE resolved = 0"), 0);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 12);
}

/* Resolving a cell settles every open conflict and announces each one in
   the change stream, however many there are. */
Test (merge, resolve_many_conflicts)
{
    enum { N = 70 };
    s_policy ("manual");
    s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 1, s_ts (-900), 0, "a"));
    for (int i = 1; i < N; i++)
        s_push1 (&s_b, &s_kb, s_delta ((uint64_t) i, "QT.DAKRONG", i, s_ts (-800 + i), 0, "b"));
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts WHERE resolved = 0"), N - 1);
    sqlite3 *db = us_pstore_db (s_store);
    int64_t before = s_int ("SELECT MAX (seq) FROM changelog");
    cr_assert_eq (us_db_begin (db), 0);
    int count = -1;
    cr_assert_eq (us_pstore_conflicts_resolve (s_store, &count, "QT.DAKRONG", MAY_2022,
                                               "members.new"), 0);
    cr_assert_eq (us_db_commit (db), 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts WHERE resolved = 0"), 0);
    cr_assert_eq (count, N - 1, "count says %d", count);
    char sql [200];
    snprintf (sql, sizeof sql, "SELECT COUNT(*) FROM conflicts c JOIN changelog l ON l.kind = 5"
              " AND l.ref = c.id WHERE l.seq > %lld", (long long) before);
    int64_t stamped = s_int (sql);
    cr_assert_eq (stamped, N - 1, "only %lld of %d resolved conflicts reach the change stream",
                  (long long) stamped, N - 1);
}

/*  ----------------------------------------------------------------------
    Allocation failures injected into SQLite
    ---------------------------------------------------------------------- */

/* What a Push may change in the store. */
typedef struct {
    int64_t received, cells, conflicts, stream, batches, value_sum;
} s_snap_t;

static s_snap_t
s_snap (void)
{
    s_snap_t s = {
        s_int ("SELECT COUNT(*) FROM received WHERE kind = 0"),
        s_int ("SELECT COUNT(*) FROM cells"),
        s_int ("SELECT COUNT(*) FROM conflicts"),
        s_int ("SELECT COALESCE (MAX (seq), 0) FROM changelog"),
        s_int ("SELECT COUNT(*) FROM batches"),
        s_int ("SELECT COALESCE (SUM (value), 0) FROM cells"),
    };
    return s;
}

/* Checks the audit chain and the file through the store's handle. */
static void
s_store_ok (const char *what)
{
    us_test_capture_t c;
    us_test_capture_open (&c);
    int audit = us_audit_verify (s_store, c.f);
    us_test_capture_close (&c);
    free (c.buf);
    cr_assert_eq (audit, 0, "%s: audit chain broken: %s", what, us_error_msg ());
    char buf [16];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_pstore_db (s_store),
                      "PRAGMA quick_check"), "ok", "%s", what);
}

/* Applies a three-delta batch (one in another office's unit, so it is
   rejected) with SQLite failing at its Nth allocation (or, with all, at
   every one from the Nth on), for every N up to what a successful batch
   needs. Each call either applies the whole batch or changes nothing,
   and the audit chain always verifies. With one failure the same handle
   must stay clean; with all failing the store is reopened. */
static void
s_merge_oom_sweep (bool all)
{
    char path [160];
    us_test_path (path, sizeof path, s_dir, "province.db");
    s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 10, s_ts (-900), 0, "b"));
    us_pstore_destroy (&s_store);
    us_test_oom_install ();
    long total = 0, step = 1;
    int failures = 0;
    for (long n = -2, iter = 0; n <= total + 5; iter++) {
        if (!s_store) {
            cr_assert_eq (us_pstore_open (&s_store, path), 0, "%s", us_error_msg ());
            cr_assert_eq (us_pstore_replica (s_store, &s_a, s_ka.curve_public), 0);
        }
        s_snap_t before = s_snap ();
        uint64_t seq = (uint64_t) iter * 10 + 1;
        us_delta_t d [3] = {
            s_delta (seq, "QT.DAKRONG", 100 + iter, s_ts (-800 + iter), 0, "a"),
            s_delta (seq + 1, "QT.HUONGHOA", 5, s_ts (-800 + iter), 0, "a"),
            s_delta (seq + 2, "QT.DAKRONG.CS1", 7 + iter, s_ts (-800 + iter), 0, "a"),
        };
        us_merge_result_t r [3];
        us_test_oom_arm (n, all);
        int rc = s_push_rc (r, &s_a, &s_ka, 1, d, 3);
        us_test_oom_disarm ();
        char what [64];
        snprintf (what, sizeof what, "allocation %ld of %ld failing", n, total);
        if (n < 0) {
            cr_assert_eq (rc, 0, "%s", us_error_msg ());
            total = us_test_allocs;
            step = all && total > 100 ? total / 100 : 1;
        }
        s_snap_t after = s_snap ();
        if (rc == 0)
            cr_assert_eq (after.received, before.received + 3, "%s: applied in part", what);
        else {
            failures++;
            if (!all) {
                cr_assert (sqlite3_get_autocommit (us_pstore_db (s_store)), "%s: transaction open", what);
                cr_assert_eq (after.received, before.received, "%s: audit rows written", what);
                cr_assert_eq (after.value_sum, before.value_sum, "%s: figures changed", what);
                cr_assert_eq (after.stream, before.stream, "%s: change stream moved", what);
                cr_assert_eq (after.batches, before.batches, "%s: batch kept", what);
                s_store_ok (what);
            }
        }
        if (all || n % 64 == 0) {
            us_pstore_destroy (&s_store);
            cr_assert_eq (us_pstore_open (&s_store, path), 0);
            s_snap_t disk = s_snap ();
            if (rc != 0) {
                cr_assert_eq (disk.received, before.received, "%s: audit rows on disk", what);
                cr_assert_eq (disk.cells, before.cells, "%s: cells on disk", what);
                cr_assert_eq (disk.value_sum, before.value_sum, "%s: figures on disk", what);
                cr_assert_eq (disk.batches, before.batches, "%s: batch kept on disk", what);
            }
            s_store_ok (what);
            us_pstore_destroy (&s_store);
        }
        n = n < 0 ? n + 1 : n + step;
    }
    cr_assert_gt (failures, 0, "no injected failure was noticed");
    if (!s_store)
        cr_assert_eq (us_pstore_open (&s_store, path), 0);
}

/* A Push with every allocation failing from the Nth on. */
Test (merge_oom, push_persistent, .init = s_setup, .fini = s_teardown)
{
    s_merge_oom_sweep (true);
}

/* A Push with only the Nth allocation failing. */
Test (merge_oom, push_transient, .init = s_setup, .fini = s_teardown)
{
    s_merge_oom_sweep (false);
}

/* A delta whose base version is above the cell's names a version this
   store never had (it was restored from a backup and the edit is sent
   again): it is applied without a conflict, even over another office's
   figure and with an older clock. One at the cell's version from another
   office is still concurrent. */
Test (merge, resent_from_lost_timeline)
{
    us_merge_result_t r = s_push1 (&s_a, &s_ka, s_delta (1, "QT.DAKRONG", 10, s_ts (-60), 0, "anh"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED);
    r = s_push1 (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 15, s_ts (-90), 4, "binh"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "%s", r.reason);
    cr_assert_eq (r.result.value, 15);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 15);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 0, "no conflict for a re-sent edit");
    r = s_push1 (&s_a, &s_ka, s_delta (2, "QT.DAKRONG", 11, s_ts (-30), 1, "anh"));
    cr_assert_eq (r.result.outcome, US_OUTCOME_CONFLICT_WON, "%s", r.reason);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 1, "a real concurrent edit");
}

/* A batch that only repeats what was applied adds no record, and its bytes
   are not kept: replaying it does not grow the store. */
Test (merge, replay_keeps_no_bytes)
{
    us_delta_t d [2] = { s_delta (1, "QT.DAKRONG", 10, s_ts (0), 0, "A"),
                         s_delta (2, "QT.HUONGHOA", 20, s_ts (1), 0, "A") };
    us_merge_result_t res [2];
    s_push (res, &s_a, &s_ka, 1, d, 2);
    int64_t batches = s_int ("SELECT COUNT(*) FROM batches");
    int64_t records = s_int ("SELECT COUNT(*) FROM received");
    cr_assert_eq (batches, 1);
    for (int i = 0; i < 3; i++) {
        s_push (res, &s_a, &s_ka, 1, d, 2);
        cr_assert (res [0].result.duplicate && res [1].result.duplicate);
    }
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM batches"), batches, "a replay kept its bytes");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received"), records);
}

/* The replica is read again inside the batch's transaction: a revocation
   after the request was read refuses the whole batch, and nothing is
   written. */
Test (merge, revoked_inside_the_transaction)
{
    us_replica_t stale = s_a;          /* as the service read it */
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &s_ka);
    cr_assert_eq (us_pstore_revoke (s_store, token), 0, "%s", us_error_msg ());
    us_delta_t d = s_delta (1, "QT.DAKRONG", 10, s_ts (0), 0, "A");
    us_merge_result_t res;
    cr_assert_eq (s_push_rc (&res, &stale, &s_ka, 1, &d, 1), US_EPERM);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM batches"), 0);
}

/* A delta whose author or note holds control characters or bytes that are
   not UTF-8 is rejected on its own; the clean one beside it is applied. */
Test (merge, hostile_text_rejected_per_delta)
{
    us_delta_t d [3] = { s_delta (1, "QT.DAKRONG", 10, s_ts (0), 0, "A\x1b[2J"),
                         s_delta (2, "QT.DAKRONG.CS1", 20, s_ts (1), 0, "A"),
                         s_delta (3, "QT.DAKRONG", 30, s_ts (2), 0, "A") };
    d [1].note = "bad \xff";
    d [2].indicator = "cdcs.new";
    us_merge_result_t res [3];
    s_push (res, &s_a, &s_ka, 1, d, 3);
    cr_assert_eq (res [0].result.outcome, US_OUTCOME_REJECTED);
    cr_assert_eq (res [1].result.outcome, US_OUTCOME_REJECTED);
    cr_assert_not_null (strstr (res [0].reason, "control characters"), "%s", res [0].reason);
    cr_assert_eq (res [2].result.outcome, US_OUTCOME_ACCEPTED, "%s", res [2].reason);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), 1);
}

/* Signs and applies a batch of edits sent again after the province went
   back in time (Push.resent). */
static void
s_push_resent (us_merge_result_t *res, const us_replica_t *rep, const us_keys_t *keys,
               uint32_t epoch, us_delta_t *d, size_t n)
{
    us_push_t push = { .epoch = epoch, .resent = true, .count = n, .deltas = d };
    uint8_t *bytes;
    size_t len;
    cr_assert_eq (us_codec_push_signed_bytes (&bytes, &len, &push), 0);
    uint8_t sig [64];
    cr_assert_eq (us_keys_sign (sig, keys, bytes, len), 0);
    push.signature = sig;
    push.signature_len = 64;
    cr_assert_eq (us_merge_push (res, s_store, rep, &push, bytes, len, &s_clock), 0, "%s",
                  us_error_msg ());
    free (bytes);
}

/* Two offices' edits of one cell made one after the other (A on version 0,
   B on A's version 1) come back after a restore in the other order: B
   holds, A is recorded superseded and answered accepted with B's figure,
   no conflict; A sent again once more is a repeat with the same answer;
   the records still give the figure. */
Test (merge, resent_in_the_other_order_is_no_conflict)
{
    us_delta_t b = s_delta (1, "QT.DAKRONG", 150, s_ts (2), 1, "B");
    us_delta_t a = s_delta (1, "QT.DAKRONG", 120, s_ts (1), 0, "A");
    us_merge_result_t rb, ra, again;
    s_push_resent (&rb, &s_b, &s_kb, 1, &b, 1);
    cr_assert_eq (rb.result.outcome, US_OUTCOME_ACCEPTED, "%s", rb.reason);
    s_push_resent (&ra, &s_a, &s_ka, 1, &a, 1);
    cr_assert_eq (ra.result.outcome, US_OUTCOME_ACCEPTED, "%s", ra.reason);
    cr_assert_eq (ra.result.value, 150);
    cr_assert_eq (ra.result.version, 1);
    cr_assert_not_null (strstr (ra.reason, "superseded"), "%s", ra.reason);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 150);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 0);
    cr_assert_eq (s_int ("SELECT outcome FROM received WHERE author = 'A'"), US_OUTCOME_SUPERSEDED);
    s_push_resent (&again, &s_a, &s_ka, 1, &a, 1);
    cr_assert (again.result.duplicate);
    cr_assert_eq (again.result.outcome, US_OUTCOME_ACCEPTED);
    cr_assert_eq (again.result.value, 150);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE author = 'A'"), 1);
    cr_assert_eq (us_pstore_replay_check (s_store), 0, "%s", us_error_msg ());
}

/* Notes a restore of the store (as a Hello would), then applies one new
   edit of rep, which must be accepted. */
static void
s_restored_then (const us_replica_t *rep, const us_keys_t *keys, us_delta_t d)
{
    char inc [40];
    cr_assert_eq (us_pstore_restore_noticed (s_store, inc, sizeof inc, "A", "test"), 0,
                  "%s", us_error_msg ());
    us_merge_result_t r = s_push1 (rep, keys, d);
    cr_assert_eq (r.result.outcome, US_OUTCOME_ACCEPTED, "%s", r.reason);
}

/* Office A sends two lost edits again, in one batch of epoch 1. */
static void
s_resend_two (us_merge_result_t ra [2], us_delta_t first, us_delta_t second)
{
    us_delta_t a [2] = { first, second };
    s_push_resent (ra, &s_a, &s_ka, 1, a, 2);
}

/* An office's lost edits sent again after a restore reach the province
   after the office's own later edit of the same cell, sent first as a new
   edit: the later edit stands; the earlier ones are recorded superseded
   and answered accepted with its figure; the records still give it. */
Test (merge, resent_behind_the_same_office_later_edit)
{
    s_restored_then (&s_a, &s_ka, s_delta (3, "QT.DAKRONG", 94, s_ts (5), 0, "A"));
    us_merge_result_t ra [2];
    s_resend_two (ra, s_delta (1, "QT.DAKRONG", 54, s_ts (1), 0, "A"),
                  s_delta (2, "QT.DAKRONG", 89, s_ts (2), 1, "A"));
    for (int i = 0; i < 2; i++) {
        cr_assert_eq (ra [i].result.outcome, US_OUTCOME_ACCEPTED, "%s", ra [i].reason);
        cr_assert_eq (ra [i].result.value, 94, "delta %d answered with the figure held", i);
        cr_assert_not_null (strstr (ra [i].reason, "superseded"), "%s", ra [i].reason);
    }
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 94);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM received WHERE outcome = 5"), 2, "recorded superseded");
    cr_assert_eq (us_pstore_replay_check (s_store), 0, "%s", us_error_msg ());
    /* Sent again in the order made, they write as before. */
    us_delta_t later = s_delta (4, "QT.DAKRONG", 97, s_ts (6), 0, "A");
    s_push_resent (ra, &s_a, &s_ka, 1, &later, 1);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 97);
}

/* In the order they were made, the later one (based on the earlier's
   version of the lost timeline) overwrites it without a conflict. */
Test (merge, resent_in_order_writes_the_later)
{
    us_delta_t a = s_delta (1, "QT.DAKRONG", 120, s_ts (1), 0, "A");
    us_delta_t b = s_delta (1, "QT.DAKRONG", 150, s_ts (2), 1, "B");
    us_merge_result_t ra, rb;
    s_push_resent (&ra, &s_a, &s_ka, 1, &a, 1);
    s_push_resent (&rb, &s_b, &s_kb, 1, &b, 1);
    cr_assert_eq (rb.result.outcome, US_OUTCOME_ACCEPTED, "%s", rb.reason);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 150);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 0);
}

/* Only edits sent again settle by the lost timeline: an edit sent for the
   first time against a re-sent figure it never saw is a conflict, and two
   re-sent edits based on the same version were concurrent then and are
   again. */
Test (merge, resent_rule_needs_both_resent_and_ordered)
{
    us_delta_t b = s_delta (1, "QT.DAKRONG", 150, s_ts (2), 1, "B");
    us_delta_t a = s_delta (1, "QT.DAKRONG", 120, s_ts (1), 0, "A");
    us_merge_result_t rb, ra;
    s_push_resent (&rb, &s_b, &s_kb, 1, &b, 1);
    ra = s_push1 (&s_a, &s_ka, a);
    cr_assert_eq (ra.result.outcome, US_OUTCOME_CONFLICT_LOST, "%s", ra.reason);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 1);
    us_delta_t c = s_delta (2, "QT.DAKRONG", 99, s_ts (3), 1, "A");
    s_push_resent (&ra, &s_a, &s_ka, 1, &c, 1);
    cr_assert_eq (ra.result.outcome, US_OUTCOME_CONFLICT_WON, "%s", ra.reason);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 2);
}

/* After a restore, an office's new edit writes the figure (version 1);
   another office's lost edit sent again, based on version 1 of the lost
   timeline, never saw it: a conflict the later clock wins, whatever the
   version numbers say; so is one based on a version this store never had. */
Test (merge, resent_against_a_figure_written_since_the_restore)
{
    s_restored_then (&s_b, &s_kb, s_delta (1, "QT.DAKRONG", 70, s_ts (5), 0, "B"));
    us_merge_result_t ra [2];
    s_resend_two (ra, s_delta (1, "QT.DAKRONG", 120, s_ts (1), 1, "A"),
                  s_delta (2, "QT.DAKRONG", 130, s_ts (2), 4, "A"));
    cr_assert_eq (ra [0].result.outcome, US_OUTCOME_CONFLICT_LOST, "%s", ra [0].reason);
    cr_assert_eq (ra [1].result.outcome, US_OUTCOME_CONFLICT_LOST, "%s", ra [1].reason);
    cr_assert_eq (s_int ("SELECT c.value" CELL_WHERE), 70);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 2);
}
