/*  Unit tests for us_dstore: the district office's store (edits, outbox,
    acknowledgements, pulled changes, epochs), including allocation
    failures injected into SQLite. */
#include "us_catalog.h"
#include "us_codec.h"
#include "us_db.h"
#include "us_calendar.h"
#include "us_dstore.h"
#include "us_dstore_schema.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_import.h"
#include "us_keys.h"
#include "us_period.h"

#include "us_test.h"

#include <limits.h>

#define MONTH(y, m) ((y) * 12 + (m) - 1)

static char s_dir [64];
static char s_path [128];
static char s_token [US_TOKEN_MAX];
static us_keys_t s_server;
static us_dstore_t *s_store;

static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (s_path, sizeof s_path, s_dir, "office.db");
    cr_assert_eq (us_keys_generate (&s_server, false), 0);
    us_keys_token (s_token, sizeof s_token, &s_server);
    int rc = us_dstore_create (&s_store, s_path, "QT.DAKRONG", "tcp://127.0.0.1:5555", s_token);
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
}

static void
s_teardown (void)
{
    us_dstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (dstore, .init = s_setup, .fini = s_teardown);

/* Runs a query about the store. */
static int64_t
s_int (const char *sql)
{
    return us_test_int (us_dstore_db (s_store), sql);
}

/* Records an edit of the office's own unit, failing the test on error. */
static void
s_set (const char *unit, const char *month, const char *indicator, const char *value)
{
    int rc = us_dstore_set (s_store, unit, month, indicator, value, NULL, "ketoan");
    cr_assert_eq (rc, 0, "set %s %s %s %s: %s", unit, month, indicator,
                  value ? value : "(clear)", us_error_msg ());
}

/* Applies a page with the unit tree around the office:
     QT > QT.DAKRONG > QT.DAKRONG.CS1, and QT > QT.HUONGHOA. */
static void
s_apply_tree (uint64_t next)
{
    us_unit_def_t units [4] = {
        { "QT", "Liên đoàn Lao động tỉnh Quảng Trị", "", "province", "", "", "", "" },
        { "QT.DAKRONG", "LĐLĐ huyện Đakrông", "QT", "district", "", "", "", "" },
        { "QT.DAKRONG.CS1", "CĐCS Công ty Cao su", "QT.DAKRONG", "grassroots", "", "", "", "" },
        { "QT.HUONGHOA", "LĐLĐ huyện Hướng Hóa", "QT", "district", "", "", "", "" },
    };
    us_changes_t c = { .next = next, .n_units = 4, .units = units };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "%s", us_error_msg ());
}

/* Captures the parts of the store an edit would change. */
typedef struct {
    int64_t outbox, cells, last_seq, history;
    int64_t value_sum;
} s_state_t;

static s_state_t
s_state (void)
{
    s_state_t st = {
        s_int ("SELECT COUNT(*) FROM outbox"),
        s_int ("SELECT COUNT(*) FROM cells"),
        s_int ("SELECT last_seq FROM state"),
        s_int ("SELECT COUNT(*) FROM history"),
        s_int ("SELECT COALESCE (SUM (value), 0) FROM cells"),
    };
    return st;
}

static void
s_state_same (const s_state_t *a, const char *what)
{
    s_state_t b = s_state ();
    cr_assert_eq (b.outbox, a->outbox, "%s: outbox changed", what);
    cr_assert_eq (b.cells, a->cells, "%s: cells changed", what);
    cr_assert_eq (b.last_seq, a->last_seq, "%s: last_seq changed", what);
    cr_assert_eq (b.history, a->history, "%s: history changed", what);
    cr_assert_eq (b.value_sum, a->value_sum, "%s: values changed", what);
    cr_assert (sqlite3_get_autocommit (us_dstore_db (s_store)), "%s: transaction left open", what);
}

/* Writes a file in the test directory and returns its path. */
static const char *
s_file (char *path, size_t size, const char *name, const char *text)
{
    us_test_path (path, size, s_dir, name);
    remove (path);
    us_test_write (path, text);
    return path;
}

/* A new store knows its unit, server and key, starts at epoch 1 with an
   empty outbox, and has the built-in catalog so it works offline. */
Test (dstore, create)
{
    cr_assert_str_eq (us_dstore_unit (s_store), "QT.DAKRONG");
    cr_assert_str_eq (us_dstore_server (s_store), "tcp://127.0.0.1:5555");
    cr_assert_str_eq (us_dstore_server_key (s_store), s_server.curve_public);
    char key [160];
    snprintf (key, sizeof key, "%s.key", s_path);
    cr_assert_str_eq (us_dstore_key_path (s_store), key);
    us_hello_t h;
    cr_assert_eq (us_dstore_hello (s_store, &h), 0);
    cr_assert_eq (h.epoch, 1);
    cr_assert_eq (h.last_seq, 0);
    cr_assert_eq (h.checkpoint, 0);
    us_catalog_t *cat;
    cr_assert_eq (us_catalog_default (&cat), 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM indicators"), (int64_t) cat->count);
    us_catalog_destroy (&cat);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM units WHERE code = 'QT.DAKRONG'"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 0);
    cr_assert_eq ((uint32_t) s_int ("PRAGMA application_id"), US_APP_CLIENT);
    uint64_t cp = 99;
    cr_assert_eq (us_dstore_checkpoint (s_store, &cp), 0);
    cr_assert_eq (cp, 0);
}

/* Creating over a store fails and keeps it; bad arguments leave no file. */
Test (dstore, create_errors)
{
    us_dstore_t *d = (us_dstore_t *) 1;
    cr_assert_eq (us_dstore_create (&d, s_path, "QT.HUONGHOA", "tcp://h:1", s_token), US_EEXIST);
    cr_assert_null (d);
    cr_assert_str_eq (us_dstore_unit (s_store), "QT.DAKRONG");
    char path [160];
    us_test_path (path, sizeof path, s_dir, "bad.db");
    cr_assert_eq (us_dstore_create (&d, path, "QT.DAKRONG", "http://h:1", s_token), US_EINVAL);
    cr_assert_eq (us_dstore_create (&d, path, "QT.DAKRONG", "tcp://h:1", "junk"), US_EINVAL);
    cr_assert_eq (us_dstore_create (&d, path, "Đakrông", "tcp://h:1", s_token), US_EINVAL);
    cr_assert_eq (us_dstore_create (&d, path, "", "tcp://h:1", s_token), US_EINVAL);
    cr_assert_not (us_test_exists (path));
    cr_assert_eq (us_dstore_open (&d, path), US_ENOTFOUND);
    cr_assert_null (d);
}

/* A store reopens with its settings and edits. */
Test (dstore, reopen)
{
    s_set ("QT.DAKRONG", "2022-05", "members.new", "120");
    us_dstore_destroy (&s_store);
    cr_assert_null (s_store);
    cr_assert_eq (us_dstore_open (&s_store, s_path), 0, "%s", us_error_msg ());
    cr_assert_str_eq (us_dstore_unit (s_store), "QT.DAKRONG");
    cr_assert_str_eq (us_dstore_server_key (s_store), s_server.curve_public);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 1);
}

/* An edit goes to the outbox and the office's view, on disk, with the next
   seq, a clock reading and the base version it was made on. */
Test (dstore, set)
{
    int64_t before = us_hlc_wall_ms ();
    cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", "2022-05", "members.new", "120",
                                 "theo báo cáo tháng", "ketoan"), 0, "%s", us_error_msg ());
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 1);
    cr_assert_eq (s_int ("SELECT seq FROM outbox"), 1);
    cr_assert_eq (s_int ("SELECT epoch FROM outbox"), 1);
    cr_assert_eq (s_int ("SELECT month FROM outbox"), MONTH (2022, 5));
    cr_assert_eq (s_int ("SELECT value FROM outbox"), 120);
    cr_assert_eq (s_int ("SELECT base_version FROM outbox"), 0);
    int64_t hlc = s_int ("SELECT hlc FROM outbox");
    cr_assert_geq (us_hlc_ms ((uint64_t) hlc), before - 1000);
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_dstore_db (s_store),
                      "SELECT note FROM outbox"), "theo báo cáo tháng");
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_dstore_db (s_store),
                      "SELECT author FROM outbox"), "ketoan");
    cr_assert_eq (s_int ("SELECT value FROM cells"), 120);
    us_hello_t h;
    cr_assert_eq (us_dstore_hello (s_store, &h), 0);
    cr_assert_eq (h.last_seq, 1);
    cr_assert_eq (h.hlc, (uint64_t) hlc);

    s_set ("QT.DAKRONG", "2022-05", "members.new", "125");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 2);
    cr_assert_gt (s_int ("SELECT MAX (hlc) FROM outbox"), hlc, "clock must advance");
    cr_assert_eq (s_int ("SELECT value FROM cells"), 125);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), 1);
}

/* A cleared figure is queued as no value. */
Test (dstore, set_clear)
{
    s_set ("QT.DAKRONG", "2022-05", "members.new", "120");
    s_set ("QT.DAKRONG", "2022-05", "members.new", NULL);
    cr_assert (us_test_is_null (us_dstore_db (s_store), "SELECT value FROM outbox WHERE seq = 2"));
    cr_assert (us_test_is_null (us_dstore_db (s_store), "SELECT value FROM cells"));
}

/* Bad edits are refused with US_EINVAL and store nothing. */
Test (dstore, set_validation)
{
    s_apply_tree (5);
    s_set ("QT.DAKRONG", "2022-04", "members.new", "1");
    s_state_t before = s_state ();
    static char long_note [US_MAX_NOTE + 2];
    memset (long_note, 'n', US_MAX_NOTE + 1);
    struct { const char *unit, *month, *ind, *value, *note, *author, *what; } bad [] = {
        { "QT.NOWHERE", "2022-05", "members.new", "1", NULL, "k", "unknown unit" },
        { "QT DAKRONG", "2022-05", "members.new", "1", NULL, "k", "bad unit code" },
        { "QT.HUONGHOA", "2022-05", "members.new", "1", NULL, "k", "outside the office" },
        { "QT", "2022-05", "members.new", "1", NULL, "k", "the province above" },
        { "QT.DAKRONG", "2022-05", "members.lost", "1", NULL, "k", "unknown indicator" },
        { "QT.DAKRONG", "2022-13", "members.new", "1", NULL, "k", "month 13" },
        { "QT.DAKRONG", "2022-Q2", "members.new", "1", NULL, "k", "quarter as month" },
        { "QT.DAKRONG", "1989-12", "members.new", "1", NULL, "k", "month before calendar" },
        { "QT.DAKRONG", "2022-05", "members.new", "-1", NULL, "k", "negative" },
        { "QT.DAKRONG", "2022-05", "cla.coverage", "96", NULL, "k", "ratio" },
        { "QT.DAKRONG", "2022-05", "members.new", "2.273", NULL, "k", "Vietnamese thousands" },
        { "QT.DAKRONG", "2022-05", "members.new", "", NULL, "k", "empty value" },
        { "QT.DAKRONG", "2022-05", "members.new", "12a", NULL, "k", "junk value" },
        { "QT.DAKRONG", "2022-05", "members.new", "1", NULL, NULL, "no author" },
        { "QT.DAKRONG", "2022-05", "members.new", "1", NULL, "", "empty author" },
        { "QT.DAKRONG", "2022-05", "members.new", "1", "bad\xC3(", "k", "note not UTF-8" },
        { "QT.DAKRONG", "2022-05", "members.new", "1", long_note, "k", "note too long" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        us_error_clear ();
        int rc = us_dstore_set (s_store, bad [i].unit, bad [i].month, bad [i].ind,
                                bad [i].value, bad [i].note, bad [i].author);
        cr_assert_eq (rc, US_EINVAL, "%s: rc %d", bad [i].what, rc);
        cr_assert_neq (us_error_msg () [0], 0, "%s: no message", bad [i].what);
        s_state_same (&before, bad [i].what);
    }
    s_set ("QT.DAKRONG.CS1", "2022-05", "members.new", "3");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), before.outbox + 1,
                  "a grassroots union of the office is in scope");
}

/* A period the province approved is locked for edits. */
Test (dstore, set_locked)
{
    s_apply_tree (5);
    us_submission_state_t sub = { "QT.DAKRONG", "2022-H1", "approved", 1 };
    us_changes_t c = { .next = 6, .n_submissions = 1, .submissions = &sub };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "%s", us_error_msg ());
    s_state_t before = s_state ();
    cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", "2022-03", "members.new", "1", NULL, "k"),
                  US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "locked"), "%s", us_error_msg ());
    s_state_same (&before, "locked");
    s_set ("QT.DAKRONG", "2022-07", "members.new", "1");
}

/* A good file is imported whole, in file order. */
Test (dstore, import)
{
    char path [160];
    s_file (path, sizeof path, "data.csv",
            "\xEF\xBB\xBFunit,month,indicator,value,note\r\n"
            "QT.DAKRONG,2022-01,members.new,10,\r\n"
            "QT.DAKRONG,2022-02,members.new,12,\"ghi chú, có dấu phẩy\"\r\n"
            "QT.DAKRONG,2022-02,members.total,1000\r\n");
    int count = -1;
    cr_assert_eq (us_dstore_import (s_store, &count, path, "ketoan"), 0, "%s", us_error_msg ());
    cr_assert_eq (count, 3);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 3);
    cr_assert_eq (s_int ("SELECT value FROM outbox WHERE seq = 1"), 10);
    cr_assert_eq (s_int ("SELECT value FROM outbox WHERE seq = 3"), 1000);
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_dstore_db (s_store),
                      "SELECT note FROM outbox WHERE seq = 2"), "ghi chú, có dấu phẩy");
}

/* A bad line anywhere refuses the whole file: nothing is stored. */
Test (dstore, import_all_or_nothing)
{
    s_set ("QT.DAKRONG", "2022-04", "members.new", "1");
    s_state_t before = s_state ();
    static const char *bad [] = {
        "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\nQT.DAKRONG,2022-02,members.new,-3\n",
        "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\nQT.DAKRONG,2022-13,members.new,3\n",
        "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\nQT.HUONGHOA,2022-02,members.new,3\n",
        "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\nQT.DAKRONG,2022-02,cla.coverage,3\n",
        "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\nQT.DAKRONG,2022-02,members.new\n",
        "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\n\"QT.DAKRONG,2022-02,members.new,3\n",
        "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\nQT.DAKRONG,2022-02,members.new,3,\x01(\n",
        "unit,month,indicator,value\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char path [160];
        s_file (path, sizeof path, "bad.csv", bad [i]);
        int count = -1;
        cr_assert_eq (us_dstore_import (s_store, &count, path, "ketoan"), US_EINVAL, "file %zu", i);
        cr_assert_eq (count, 0, "file %zu", i);
        char what [32];
        snprintf (what, sizeof what, "file %zu", i);
        s_state_same (&before, what);
    }
    int count = -1;
    cr_assert_neq (us_dstore_import (s_store, &count, "/nonexistent/data.csv", "ketoan"), 0);
    cr_assert_eq (us_dstore_import (s_store, &count, "/dev/null", NULL), US_EINVAL);
}

/* The error names the file, the bad line and what is wrong with it. */
Test (dstore, import_error_names_line)
{
    char path [160];
    s_file (path, sizeof path, "bad.csv",
            "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\n"
            "QT.DAKRONG,2022-02,members.new,-3\n");
    int count;
    us_error_clear ();
    cr_assert_eq (us_dstore_import (s_store, &count, path, "ketoan"), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "bad.csv"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "line 3"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "negative"), "%s", us_error_msg ());
}

/* A CSV syntax error names its line too. */
Test (dstore, import_csv_error_names_line)
{
    char path [160];
    s_file (path, sizeof path, "bad.csv",
            "unit,month,indicator,value\nQT.DAKRONG,2022-01,members.new,10\n"
            "QT.DAKRONG,2022-02,members.new,1\n\"QT.DAKRONG,2022-03,members.new,3\n");
    int count;
    us_error_clear ();
    cr_assert_eq (us_dstore_import (s_store, &count, path, "ketoan"), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "line 4"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "quote"), "%s", us_error_msg ());
}

/* A batch hands out the oldest edits first with every field. */
Test (dstore, batch_oldest_first)
{
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    cr_assert_eq (push.count, 0, "empty outbox");
    for (int m = 1; m <= 5; m++) {
        char month [8], value [8];
        snprintf (month, sizeof month, "2022-%02d", m);
        snprintf (value, sizeof value, "%d", m * 10);
        cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", month, "members.new", value,
                                     m == 2 ? "ghi chú" : NULL, "ketoan"), 0);
    }
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 3), 0, "%s", us_error_msg ());
    cr_assert_eq (push.count, 3);
    cr_assert_eq (push.epoch, 1);
    for (size_t i = 0; i < 3; i++) {
        const us_delta_t *d = &push.deltas [i];
        cr_assert_eq (d->seq, i + 1);
        cr_assert_str_eq (d->unit, "QT.DAKRONG");
        cr_assert_str_eq (d->indicator, "members.new");
        cr_assert_eq (d->month, MONTH (2022, (int) i + 1));
        cr_assert_eq (d->value, (int64_t) (i + 1) * 10);
        cr_assert_not (d->clear);
        cr_assert_eq (d->base_version, 0);
        cr_assert_str_eq (d->author, "ketoan");
        cr_assert_str_eq (d->note, i == 1 ? "ghi chú" : "");
        if (i)
            cr_assert_gt (d->hlc, push.deltas [i - 1].hlc);
    }
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    cr_assert_eq (push.count, 5);
    cr_assert_eq (push.deltas [4].seq, 5);

    /* A batch encodes as a valid Push. */
    us_msg_t m = { .type = US_MSG_PUSH, .push = push };
    uint8_t *buf;
    size_t len;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), 0, "%s", us_error_msg ());
    free (buf);
}

/* Builds an answer for the first n deltas of push. */
static void
s_results (us_result_t *r, const us_push_t *push, size_t n)
{
    for (size_t i = 0; i < n; i++)
        r [i] = (us_result_t) { .seq = push->deltas [i].seq, .outcome = US_OUTCOME_ACCEPTED,
                                .reason = "", .version = 1, .value = push->deltas [i].value };
}

/* Records twelve edits (2022-01 .. 12, value = month) with notes long
   enough to make the store's batch text grow; note receives the note. */
static void
s_twelve_edits (char note [600])
{
    memset (note, 'n', 599);
    note [599] = 0;
    for (int m = 1; m <= 12; m++) {
        char month [8], value [8];
        snprintf (month, sizeof month, "2022-%02d", m);
        snprintf (value, sizeof value, "%d", m);
        cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", month, "members.new", value,
                                     note, "ketoan"), 0, "%s", us_error_msg ());
    }
}

/* Two batches can be out at once: the second starts after the first's last
   seq, the first stays readable while the second is filled (with notes long
   enough to make the store's text buffer grow), and settling the first
   leaves the second's edits queued. */
Test (dstore, batch_two_in_flight)
{
    char note [600];
    s_twelve_edits (note);
    us_push_t a, b, c;
    cr_assert_eq (us_dstore_batch (s_store, &a, 0, 5), 0, "%s", us_error_msg ());
    cr_assert_eq (a.count, 5);
    cr_assert_eq (us_dstore_batch (s_store, &b, a.deltas [4].seq, 5), 0);
    cr_assert_eq (b.count, 5);
    cr_assert_eq (b.deltas [0].seq, 6);
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq (a.deltas [i].seq, i + 1, "first batch overwritten");
        cr_assert_str_eq (a.deltas [i].note, note);
        cr_assert_str_eq (a.deltas [i].indicator, "members.new");
        cr_assert_eq (b.deltas [i].value, (int64_t) i + 6);
    }
    us_result_t r [5];
    s_results (r, &a, 5);
    us_push_ack_t ack = { .count = 5, .results = r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &a, &ack), 0, "%s", us_error_msg ());
    cr_assert_eq (us_dstore_batch (s_store, &c, b.deltas [4].seq, 5), 0);
    cr_assert_eq (c.count, 2, "what is left after the second batch");
    cr_assert_eq (c.deltas [0].seq, 11);
    cr_assert_eq (b.deltas [4].seq, 10, "second batch intact while the third is out");
    cr_assert_str_eq (b.deltas [4].author, "ketoan");
    cr_assert_eq (us_test_int (us_dstore_db (s_store), "SELECT COUNT(*) FROM outbox"), 7);
    cr_assert_eq (us_dstore_batch (s_store, &c, 0, 100), 0);
    cr_assert_eq (c.count, 7, "from the start again: what is not settled");
    cr_assert_eq (c.deltas [0].seq, 6);
}

/* As many batches as the sync keeps in flight stay readable at once: the
   first is intact after the last one is filled. */
Test (dstore, batch_all_in_flight)
{
    char note [600];
    s_twelve_edits (note);
    us_push_t b [US_DSTORE_IN_FLIGHT];
    uint64_t after = 0;
    for (int k = 0; k < US_DSTORE_IN_FLIGHT; k++) {
        cr_assert_eq (us_dstore_batch (s_store, &b [k], after, 2), 0, "%s", us_error_msg ());
        cr_assert_eq (b [k].count, 2);
        after = b [k].deltas [1].seq;
    }
    for (int k = 0; k < US_DSTORE_IN_FLIGHT; k++)
        for (size_t i = 0; i < 2; i++) {
            cr_assert_eq (b [k].deltas [i].seq, (uint64_t) (2 * k + i + 1), "batch %d overwritten", k);
            cr_assert_str_eq (b [k].deltas [i].note, note);
            cr_assert_eq (b [k].deltas [i].value, 2 * k + (int64_t) i + 1);
        }
}

/* An acknowledgement removes the answered edits from the outbox, records
   every outcome in the history (rejections with their reason), and
   updates the office's view of accepted figures. */
Test (dstore, ack)
{
    for (int m = 1; m <= 5; m++) {
        char month [8];
        snprintf (month, sizeof month, "2022-%02d", m);
        s_set ("QT.DAKRONG", month, "members.new", "10");
    }
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 3), 0);
    us_result_t r [3];
    s_results (r, &push, 3);
    r [1] = (us_result_t) { .seq = 2, .outcome = US_OUTCOME_REJECTED,
                            .reason = "locked: the period is approved", .cleared = true };
    r [2] = (us_result_t) { .seq = 3, .outcome = US_OUTCOME_CONFLICT_LOST,
                            .reason = "concurrent edit by binh; decided by lww: later clock",
                            .version = 2, .value = 7 };
    us_push_ack_t ack = { .count = 3, .results = r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0, "%s", us_error_msg ());
    cr_assert_eq (stats.pushed, 3);
    cr_assert_eq (stats.accepted, 1);
    cr_assert_eq (stats.rejected, 1);
    cr_assert_eq (stats.lost, 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 2);
    cr_assert_eq (s_int ("SELECT MIN (seq) FROM outbox"), 4);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM history"), 3);
    sqlite3 *db = us_dstore_db (s_store);
    char buf [128];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db,
                      "SELECT outcome FROM history WHERE seq = 1"), "accepted");
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db,
                      "SELECT outcome FROM history WHERE seq = 2"), "rejected");
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db,
                      "SELECT reason FROM history WHERE seq = 2"), "locked: the period is approved");
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db,
                      "SELECT outcome FROM history WHERE seq = 3"), "conflict-lost");
    cr_assert_eq (s_int ("SELECT server_value FROM history WHERE seq = 3"), 7);
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT version FROM cells WHERE month = %d", MONTH (2022, 1));
    cr_assert_eq (s_int (sql), 1);
    snprintf (sql, sizeof sql, "SELECT value FROM cells WHERE month = %d", MONTH (2022, 3));
    cr_assert_eq (s_int (sql), 7, "the office shows the value the province kept");

    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_dstore_status (s_store, c.f, true), 0);
    us_test_capture_close (&c);
    cr_assert (us_test_json_valid (c.buf), "%s", c.buf);
    cr_assert_not_null (strstr (c.buf, "locked: the period is approved"), "%s", c.buf);
    cr_assert_not_null (strstr (c.buf, "\"conflicts_lost\":[{"), "%s", c.buf);
    free (c.buf);
}

/* The office's status and view agree with the province: a refused edit's
   note is not shown with the server's value, a rejection is no longer
   listed once a later edit of the cell was accepted, and a submitted
   period shows the state the province gave it. */
Test (dstore, status_follows_province)
{
    s_apply_tree (5);
    int rc = us_dstore_set (s_store, "QT.DAKRONG", "2022-03", "members.new", "5",
                            "ghi chú bị từ chối", "ketoan");
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    us_result_t r = { .seq = push.deltas [0].seq, .outcome = US_OUTCOME_REJECTED,
                      .reason = "over the limit", .version = 3, .value = 7 };
    us_push_ack_t ack = { .count = 1, .results = &r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0, "%s", us_error_msg ());
    char sql [200], buf [128];
    snprintf (sql, sizeof sql, "SELECT value || '|' || note FROM cells WHERE month = %d",
              MONTH (2022, 3));
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_dstore_db (s_store), sql), "7|",
                      "the server's value without the refused note");

    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_dstore_status (s_store, c.f, true), 0);
    us_test_capture_close (&c);
    cr_assert_not_null (strstr (c.buf, "over the limit"), "listed while it matters: %s", c.buf);
    free (c.buf);

    s_set ("QT.DAKRONG", "2022-03", "members.new", "6");
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    s_results (&r, &push, 1);
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0, "%s", us_error_msg ());
    cr_assert_eq (us_db_exec (us_dstore_db (s_store), "INSERT INTO pending_submits"
                  " (period, at, state) VALUES ('2022-H1', 1, 'submitted')"), 0);
    us_submission_state_t sub = { "QT.DAKRONG", "2022-H1", "approved", 1 };
    us_changes_t ch = { .next = 6, .n_submissions = 1, .submissions = &sub };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &ch), 0, "%s", us_error_msg ());
    us_test_capture_open (&c);
    cr_assert_eq (us_dstore_status (s_store, c.f, true), 0);
    us_test_capture_close (&c);
    cr_assert (us_test_json_valid (c.buf), "%s", c.buf);
    cr_assert_null (strstr (c.buf, "over the limit"), "a later accepted edit: %s", c.buf);
    cr_assert_not_null (strstr (c.buf, "\"state\":\"approved\""), "%s", c.buf);
    free (c.buf);
}

/* An answer that does not match its batch is refused and changes nothing. */
Test (dstore, ack_mismatch)
{
    for (int m = 1; m <= 3; m++) {
        char month [8];
        snprintf (month, sizeof month, "2022-%02d", m);
        s_set ("QT.DAKRONG", month, "members.new", "10");
    }
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 3), 0);
    s_state_t before = s_state ();
    us_result_t r [3];
    s_results (r, &push, 3);
    us_push_ack_t ack = { .count = 2, .results = r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), US_EPROTO);
    s_state_same (&before, "short answer");
    ack.count = 3;
    r [2].seq = 99;
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), US_EPROTO);
    s_state_same (&before, "wrong seq");
}

/* An edit made after a batch was handed out keeps its local value when the
   batch is acknowledged. */
Test (dstore, ack_keeps_pending_edit)
{
    s_set ("QT.DAKRONG", "2022-05", "members.new", "10");
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    cr_assert_eq (push.count, 1);
    s_set ("QT.DAKRONG", "2022-05", "members.new", "20");
    us_result_t r [1];
    s_results (r, &push, 1);
    us_push_ack_t ack = { .count = 1, .results = r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0, "%s", us_error_msg ());
    cr_assert_eq (s_int ("SELECT value FROM cells"), 20);
    cr_assert_eq (s_int ("SELECT version FROM cells"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 1);
    cr_assert_eq (s_int ("SELECT seq FROM outbox"), 2);

    /* The next edit of the cell is based on the version the server gave. */
    s_set ("QT.DAKRONG", "2022-05", "members.new", "21");
    cr_assert_eq (s_int ("SELECT base_version FROM outbox WHERE seq = 3"), 1);
}

/* Two edits of one cell in one batch, the first refused: the refusal does
   not reach the cell while the later edit is still being settled, so the
   cell ends with the later edit's value and note. Many edits in one
   answer move from the outbox to the history whole, in order. */
Test (dstore, ack_later_edit_in_batch)
{
    cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", "2022-05", "members.new", "10",
                                 "lần một", "ketoan"), 0, "%s", us_error_msg ());
    cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", "2022-05", "members.new", "20",
                                 "lần hai", "ketoan"), 0, "%s", us_error_msg ());
    for (int m = 1; m <= 70; m++) {
        char month [8];
        snprintf (month, sizeof month, "%04d-%02d", 2023 + (m - 1) / 12, (m - 1) % 12 + 1);
        s_set ("QT.DAKRONG", month, "members.total", "100");
    }
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 100), 0);
    cr_assert_eq (push.count, 72);
    us_result_t r [72];
    s_results (r, &push, 72);
    r [0] = (us_result_t) { .seq = push.deltas [0].seq, .outcome = US_OUTCOME_REJECTED,
                            .reason = "over the limit", .version = 3, .value = 7 };
    r [1].version = 4;
    us_push_ack_t ack = { .count = 72, .results = r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0, "%s", us_error_msg ());
    char sql [200], buf [128];
    snprintf (sql, sizeof sql, "SELECT value || '|' || note || '|' || version FROM cells"
              " WHERE month = %d", MONTH (2022, 5));
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_dstore_db (s_store), sql),
                      "20|lần hai|4");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM history"), 72);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM history h1 JOIN history h2 ON h2.id = h1.id + 1"
                         " WHERE h2.seq <> h1.seq + 1"), 0, "in the order of the batch");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM history WHERE outcome = 'rejected'"
                         " AND reason = 'over the limit' AND server_value = 7"), 1);
    cr_assert_eq (stats.rejected, 1);
    cr_assert_eq (stats.accepted, 71);
}

/* Reads "value|note|version" of the office's cell members.total of month. */
static const char *
s_cell_line (char *buf, size_t size, int month)
{
    char sql [200];
    snprintf (sql, sizeof sql, "SELECT COALESCE (value, 'none') || '|' || note || '|' || version"
              " FROM cells WHERE month = %d AND ind_id = (SELECT id FROM indicators"
              " WHERE code = 'members.total')", month);
    return us_test_text (buf, size, us_dstore_db (s_store), sql);
}

/* An answer of many cells, each edited once, is shown many cells to a
   statement, each as it would be alone: accepted as sent, accepted with
   the province's own value, refused (the province's value, without the
   refused note), cleared, and refused while a later edit of the cell
   waits in the outbox (the office keeps showing that edit). */
Test (dstore, ack_many_views)
{
    enum { N = 75 };
    for (int m = 0; m < N; m++) {
        char month [8], value [8];
        snprintf (month, sizeof month, "%04d-%02d", 2020 + m / 12, m % 12 + 1);
        snprintf (value, sizeof value, "%d", 100 + m);
        cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", month, "members.total", value,
                                     "ghi chú", "ketoan"), 0, "%s", us_error_msg ());
    }
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 100), 0);
    cr_assert_eq (push.count, N);
    cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", "2020-04", "members.total", "555",
                                 "sửa lại", "ketoan"), 0, "%s", us_error_msg ());
    us_result_t r [N];
    s_results (r, &push, N);
    for (int m = 0; m < N; m++)
        r [m].version = 2;
    r [1].value = 9;                                        /* the province's own value */
    r [2] = (us_result_t) { .seq = push.deltas [2].seq, .outcome = US_OUTCOME_REJECTED,
                            .reason = "over the limit", .version = 5, .value = 7 };
    r [3] = (us_result_t) { .seq = push.deltas [3].seq, .outcome = US_OUTCOME_CONFLICT_LOST,
                            .reason = "concurrent", .version = 6, .value = 8 };
    r [70] = (us_result_t) { .seq = push.deltas [70].seq, .outcome = US_OUTCOME_CONFLICT_LOST,
                             .reason = "concurrent", .version = 4, .cleared = true };
    us_push_ack_t ack = { .count = N, .results = r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0, "%s", us_error_msg ());
    char buf [128];
    cr_assert_str_eq (s_cell_line (buf, sizeof buf, MONTH (2020, 1)), "100|ghi chú|2");
    cr_assert_str_eq (s_cell_line (buf, sizeof buf, MONTH (2020, 2)), "9|ghi chú|2");
    cr_assert_str_eq (s_cell_line (buf, sizeof buf, MONTH (2020, 3)), "7||5");
    cr_assert_str_eq (s_cell_line (buf, sizeof buf, MONTH (2020, 4)), "555|sửa lại|6",
                      "a later edit waits: the office keeps showing it");
    cr_assert_str_eq (s_cell_line (buf, sizeof buf, MONTH (2025, 11)), "none||4");
    cr_assert_str_eq (s_cell_line (buf, sizeof buf, MONTH (2026, 3)), "174|ghi chú|2");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells WHERE version = 2"), N - 3);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM history"), N);
}

/* Duplicates (answers the server gave before) are counted as such. */
Test (dstore, ack_duplicates)
{
    s_set ("QT.DAKRONG", "2022-05", "members.new", "10");
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    us_result_t r [1];
    s_results (r, &push, 1);
    r [0].duplicate = true;
    us_push_ack_t ack = { .count = 1, .results = r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0);
    cr_assert_eq (stats.duplicates, 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 0);
}

/* A Changes page brings the tree, catalog, figures, targets, conflicts and
   submissions, and its checkpoint, in one go. */
Test (dstore, apply)
{
    s_apply_tree (5);
    us_indicator_def_t inds [1] = {
        { "bulletin.copies", "Bản tin", "flow", "", "", "lww", "", 20 } };
    us_cell_change_t cells [2] = {
        { "QT.DAKRONG", "members.new", MONTH (2022, 5), 120, false, 3, 1000, "tinh", "sửa", true },
        { "QT.DAKRONG.CS1", "members.total", MONTH (2022, 6), 60, false, 1, 1001, "b", "", false },
    };
    us_target_def_t targets [1] = {
        { "QT.DAKRONG", "members.new", "2022-h1", "province", 150, 150, false, 1 } };
    us_conflict_notice_t conflicts [1] = {
        { 9, "QT.DAKRONG", "members.new", MONTH (2022, 5), 120, false, "tinh", 100, false,
          "ketoan", "lww: later clock", 77 } };
    us_submission_state_t subs [1] = { { "QT.DAKRONG", "2022-Q1", "submitted", 5 } };
    us_changes_t c = { .next = 42, .more = false, .n_indicators = 1, .indicators = inds,
                       .n_cells = 2, .cells = cells, .n_targets = 1, .targets = targets,
                       .n_conflicts = 1, .conflicts = conflicts, .n_submissions = 1,
                       .submissions = subs };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "%s", us_error_msg ());
    uint64_t cp;
    cr_assert_eq (us_dstore_checkpoint (s_store, &cp), 0);
    cr_assert_eq (cp, 42);
    cr_assert_eq (stats.pages, 1);
    cr_assert_eq (stats.pulled_cells, 2);
    cr_assert_eq (stats.pulled_other, 4);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM units"), 4);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM units u JOIN units p ON p.id = u.parent_id"
                         " WHERE u.code = 'QT.DAKRONG.CS1' AND p.code = 'QT.DAKRONG'"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM indicators WHERE code = 'bulletin.copies'"), 1);
    cr_assert_eq (s_int ("SELECT value FROM cells c JOIN units u ON u.id = c.unit_id"
                         " WHERE u.code = 'QT.DAKRONG'"), 120);
    cr_assert_eq (s_int ("SELECT corrected FROM cells c JOIN units u ON u.id = c.unit_id"
                         " WHERE u.code = 'QT.DAKRONG'"), 1);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_dstore_db (s_store),
                      "SELECT period FROM targets"), "2022-H1");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM submissions"), 1);

    /* The office's report now includes its grassroots union and target. */
    us_test_capture_t out;
    us_test_capture_open (&out);
    cr_assert_eq (us_dstore_show (s_store, out.f, "2022-H1", true), 0, "%s", us_error_msg ());
    us_test_capture_close (&out);
    cr_assert (us_test_json_valid (out.buf), "%s", out.buf);
    cr_assert_not_null (strstr (out.buf, "\"members.new\":120"), "%s", out.buf);
    cr_assert_not_null (strstr (out.buf, "QT.DAKRONG.CS1"), "%s", out.buf);
    cr_assert_not_null (strstr (out.buf, "\"province\":80.0"), "%s", out.buf);
    free (out.buf);
}

/* A figure edited here and not yet sent keeps its local value when the
   server's older figure arrives; other figures take the server's. */
Test (dstore, apply_keeps_pending)
{
    s_set ("QT.DAKRONG", "2022-05", "members.new", "20");
    us_cell_change_t cells [2] = {
        { "QT.DAKRONG", "members.new", MONTH (2022, 5), 15, false, 3, 1000, "tinh", "", false },
        { "QT.DAKRONG", "members.new", MONTH (2022, 6), 30, false, 1, 1001, "tinh", "", false },
    };
    us_changes_t c = { .next = 7, .n_cells = 2, .cells = cells };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "%s", us_error_msg ());
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT value FROM cells WHERE month = %d", MONTH (2022, 5));
    cr_assert_eq (s_int (sql), 20);
    snprintf (sql, sizeof sql, "SELECT version FROM cells WHERE month = %d", MONTH (2022, 5));
    cr_assert_eq (s_int (sql), 3);
    snprintf (sql, sizeof sql, "SELECT value FROM cells WHERE month = %d", MONTH (2022, 6));
    cr_assert_eq (s_int (sql), 30);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), 1);

    /* A cleared figure from the server clears the office's view. */
    us_cell_change_t clear = { "QT.DAKRONG", "members.new", MONTH (2022, 6), 0, true, 2, 1002,
                               "tinh", "", false };
    c = (us_changes_t) { .next = 8, .n_cells = 1, .cells = &clear };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0);
    snprintf (sql, sizeof sql, "SELECT value FROM cells WHERE month = %d", MONTH (2022, 6));
    cr_assert (us_test_is_null (us_dstore_db (s_store), sql));
}

/* A page of many figures (written 64 to a statement when nothing local
   waits) ends as if each were written in turn: a figure twice in a page
   takes its later state, in one statement or across two, a cleared one
   is cleared; with a local edit waiting, the same page keeps it. */
Test (dstore, apply_many)
{
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            us_dstore_destroy (&s_store);
            us_test_rmtree (s_dir);
            s_setup ();
            s_set ("QT.DAKRONG", "2021-02", "members.new", "999");
        }
        enum { N = 150 };
        us_cell_change_t cells [N];
        for (int i = 0; i < N; i++)
            cells [i] = (us_cell_change_t) { "QT.DAKRONG", "members.new", MONTH (2021, 1) + i,
                                             i, false, 1, 1000 + (uint64_t) i, "tinh", "", false };
        /* Month 0 again in the same statement, month 1 again after the
           second statement (in the rows written one by one), month 2 cleared. */
        cells [10].month = MONTH (2021, 1);
        cells [10].value = 7000;
        cells [140].month = MONTH (2021, 1) + 1;
        cells [140].value = 8000;
        cells [140].version = 2;
        cells [2].cleared = true;
        us_changes_t c = { .next = 60, .n_cells = N, .cells = cells };
        us_sync_stats_t stats = { 0 };
        cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "%s", us_error_msg ());
        cr_assert_eq (stats.pulled_cells, N);
        cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), N - 2);
        char sql [200];
        snprintf (sql, sizeof sql, "SELECT value FROM cells WHERE month = %d", MONTH (2021, 1));
        cr_assert_eq (s_int (sql), 7000);
        snprintf (sql, sizeof sql, "SELECT value * 10 + version FROM cells WHERE month = %d",
                  MONTH (2021, 1) + 1);
        cr_assert_eq (s_int (sql), pass == 0 ? 80002 : 9992, "pass %d", pass);
        snprintf (sql, sizeof sql, "SELECT value FROM cells WHERE month = %d", MONTH (2021, 1) + 2);
        cr_assert (us_test_is_null (us_dstore_db (s_store), sql));
        snprintf (sql, sizeof sql, "SELECT COUNT(*) FROM cells WHERE month >= %d AND value = month - %d"
                  " AND author = 'tinh' AND version = 1 AND hlc = 1000 + value",
                  MONTH (2021, 1), MONTH (2021, 1));
        cr_assert_eq (s_int (sql), N - 5, "pass %d", pass);
        /* Applied without the foreign key checks, it breaks none of them,
           and they are on again. */
        cr_assert_eq (s_int ("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
        cr_assert_eq (s_int ("PRAGMA foreign_keys"), 1);
    }
}

/* A page that goes back in the change stream is refused. */
Test (dstore, apply_goes_back)
{
    s_apply_tree (40);
    us_changes_t c = { .next = 39 };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), US_EPROTO);
    uint64_t cp;
    cr_assert_eq (us_dstore_checkpoint (s_store, &cp), 0);
    cr_assert_eq (cp, 40);
    c.next = 40;
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "an empty page at the head");
}

/* A page that fails part way is not applied at all, checkpoint included. */
Test (dstore, apply_atomic)
{
    us_unit_def_t units [1] = { { "QT", "Quảng Trị", "", "province", "", "", "", "" } };
    us_indicator_def_t inds [1] = { { "weird", "W", "gauge", "", "", "lww", "", 1 } };
    us_cell_change_t cells [1] = {
        { "QT.DAKRONG", "members.new", MONTH (2022, 5), 15, false, 3, 1000, "tinh", "", false } };
    us_changes_t c = { .next = 50, .n_units = 1, .units = units, .n_indicators = 1,
                       .indicators = inds, .n_cells = 1, .cells = cells };
    us_sync_stats_t stats = { 0 };
    s_state_t before = s_state ();
    int64_t units_before = s_int ("SELECT COUNT(*) FROM units");
    cr_assert_neq (us_dstore_apply (s_store, &stats, &c), 0);
    uint64_t cp;
    cr_assert_eq (us_dstore_checkpoint (s_store, &cp), 0);
    cr_assert_eq (cp, 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM units"), units_before);
    s_state_same (&before, "failed page");
    cr_assert_eq (stats.pages, 0);
    cr_assert_eq (s_int ("PRAGMA foreign_keys"), 1, "the checks are on again after a failed page");
}

/* When the server has seen more of this replica than the store remembers
   (a restored backup), a new epoch starts and the outbox is renumbered
   from 1, keeping every edit and its order. */
Test (dstore, welcome_new_epoch)
{
    for (int m = 1; m <= 5; m++) {
        char month [8], value [8];
        snprintf (month, sizeof month, "2022-%02d", m);
        snprintf (value, sizeof value, "%d", m);
        s_set ("QT.DAKRONG", month, "members.new", value);
    }
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 2), 0);
    us_result_t r [2];
    s_results (r, &push, 2);
    us_push_ack_t ack = { .count = 2, .results = r };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0);

    us_welcome_t w = { .server_time = us_hlc_make (us_hlc_wall_ms (), 0), .epoch = 1,
                       .high_water = 9, .unit = "QT.DAKRONG", .head = 0 };
    memset (&stats, 0, sizeof stats);
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0, "%s", us_error_msg ());
    cr_assert (stats.new_epoch);
    us_hello_t h;
    cr_assert_eq (us_dstore_hello (s_store, &h), 0);
    cr_assert_eq (h.epoch, 2);
    cr_assert_eq (h.last_seq, 3);
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    cr_assert_eq (push.epoch, 2);
    cr_assert_eq (push.count, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq (push.deltas [i].seq, i + 1);
        cr_assert_eq (push.deltas [i].value, (int64_t) i + 3, "order kept");
    }
    s_set ("QT.DAKRONG", "2022-06", "members.new", "6");
    cr_assert_eq (s_int ("SELECT seq FROM outbox WHERE value = 6"), 4);
    cr_assert_eq (s_int ("SELECT epoch FROM outbox WHERE value = 6"), 2);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM history"), 2, "history kept");
}

/* A Welcome listing re-coded units renames them in the store before
   anything is pushed or pulled: the unit row (its figures stay on it), the
   outbox and the office's own unit; a unit the store does not hold, or
   whose new code it already holds, is left alone. */
Test (dstore, welcome_recodes)
{
    s_apply_tree (0);
    us_test_exec (us_dstore_db (s_store), "UPDATE state SET checkpoint = 0");
    s_set ("QT.DAKRONG", "2022-05", "members.new", "12");
    s_set ("QT.DAKRONG.CS1", "2022-05", "members.new", "4");
    int64_t id = s_int ("SELECT id FROM units WHERE code = 'QT.DAKRONG'");
    const char *recoded [3] = { "QT.DAKRONG QB.QT.DAKRONG", "QT.NOWHERE QB.QT.NOWHERE",
                                "QT.DAKRONG.CS1 QT" };
    us_welcome_t w = { .server_time = us_hlc_make (us_hlc_wall_ms (), 0), .epoch = 1,
                       .unit = "QB.QT.DAKRONG", .recoded = recoded, .n_recoded = 3 };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0, "%s", us_error_msg ());
    cr_assert_eq (stats.recoded, 1);
    cr_assert_str_eq (stats.moved_from, "", "a re-coding is no move");
    cr_assert_str_eq (us_dstore_unit (s_store), "QB.QT.DAKRONG");
    cr_assert_eq (s_int ("SELECT id FROM units WHERE code = 'QB.QT.DAKRONG'"), id);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM units WHERE code = 'QT.DAKRONG'"), 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox WHERE unit = 'QB.QT.DAKRONG'"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM units WHERE code = 'QT.DAKRONG.CS1'"), 1,
                  "a new code the store holds already is not taken");
    s_set ("QB.QT.DAKRONG", "2022-06", "members.new", "3");
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    cr_assert_str_eq (push.deltas [0].unit, "QB.QT.DAKRONG", "the edit made before goes out re-coded");
}

/* Once the office pulled from the server, a unit of an old code is that
   server's own: a later Welcome's re-codings leave it alone. */
Test (dstore, welcome_recodes_first_contact_only)
{
    s_apply_tree (7);
    const char *recoded [1] = { "QT.HUONGHOA QB.QT.HUONGHOA" };
    us_welcome_t w = { .server_time = us_hlc_make (us_hlc_wall_ms (), 0), .epoch = 1,
                       .unit = "QT.DAKRONG", .head = 7, .recoded = recoded, .n_recoded = 1 };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0, "%s", us_error_msg ());
    cr_assert_eq (stats.recoded, 0);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM units WHERE code = 'QT.HUONGHOA'"), 1);
}

/* A bad re-coding in a Welcome is refused and changes nothing. */
Test (dstore, welcome_recodes_bad)
{
    s_apply_tree (0);
    us_test_exec (us_dstore_db (s_store), "UPDATE state SET checkpoint = 0");
    s_state_t before = s_state ();
    const char *units = "SELECT group_concat (code, ' ') FROM units";
    char codes [512], now [512];
    us_test_text (codes, sizeof codes, us_dstore_db (s_store), units);
    const char *bad [] = { "QT.DAKRONG", "QT.DAKRONG QB.Q'T", " QB.X", "QT.DAKRONG " };
    for (size_t k = 0; k < sizeof bad / sizeof bad [0]; k++) {
        const char *recoded [1] = { bad [k] };
        us_welcome_t w = { .server_time = us_hlc_make (us_hlc_wall_ms (), 0), .epoch = 1,
                           .unit = "QT.DAKRONG", .recoded = recoded, .n_recoded = 1 };
        us_sync_stats_t stats = { 0 };
        cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), US_EPROTO, "'%s'", bad [k]);
        s_state_same (&before, bad [k]);
        us_test_text (now, sizeof now, us_dstore_db (s_store), units);
        cr_assert_str_eq (now, codes, "'%s' renamed nothing", bad [k]);
    }
}

/* A Welcome naming another unit (the province moved the replica) makes it
   the office's: the checkpoint starts again, the old unit's figures stay. */
Test (dstore, welcome_moved)
{
    s_apply_tree (30);
    s_set ("QT.DAKRONG", "2022-05", "members.new", "12");
    us_welcome_t w = { .server_time = us_hlc_make (us_hlc_wall_ms (), 0), .epoch = 1,
                       .unit = "QT.HUONGHOA", .head = 30 };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0, "%s", us_error_msg ());
    cr_assert_str_eq (stats.moved_from, "QT.DAKRONG");
    cr_assert_str_eq (us_dstore_unit (s_store), "QT.HUONGHOA");
    uint64_t cp;
    cr_assert_eq (us_dstore_checkpoint (s_store, &cp), 0);
    cr_assert_eq (cp, 0, "the new scope is pulled from the start");
    cr_assert_eq (s_int ("SELECT value FROM cells c JOIN units u ON u.id = c.unit_id"
                         " WHERE u.code = 'QT.DAKRONG'"), 12);
    cr_assert_eq (us_dstore_set (s_store, "QT.HUONGHOA", "2022-06", "members.new", "5", NULL,
                                 "k"), 0, "%s", us_error_msg ());
    cr_assert_eq (us_dstore_set (s_store, "QT.DAKRONG", "2022-06", "members.new", "5", NULL,
                                 "k"), US_EINVAL, "the old unit is out of the office's scope");
}

/* Sets three edits, has the server acknowledge them all at checkpoint 40
   of incarnation "one", and returns a Welcome that matches that state. */
static us_welcome_t
s_acked_three (void)
{
    us_welcome_t w = { .server_time = us_hlc_make (us_hlc_wall_ms (), 0), .epoch = 1,
                       .high_water = 0, .unit = "QT.DAKRONG", .head = 0, .incarnation = "one" };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0, "%s", us_error_msg ());
    s_set ("QT.DAKRONG", "2022-01", "members.new", "10");
    s_set ("QT.DAKRONG", "2022-02", "members.new", "20");
    s_set ("QT.DAKRONG", "2022-03", "members.new", "30");
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    us_result_t r [3];
    s_results (r, &push, 3);
    us_push_ack_t ack = { .count = 3, .results = r };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0);
    s_apply_tree (40);
    w.high_water = 3;
    w.head = 40;
    return w;
}

/* Checks what a Welcome tells the store: went back or not, and how many
   acknowledged edits went back into the outbox. */
static void
s_welcome_heals (const us_welcome_t *w, bool back, size_t resent, const char *what)
{
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_welcome (s_store, &stats, w), 0, "%s: %s", what, us_error_msg ());
    cr_assert_eq (stats.went_back, back, "%s: went back", what);
    cr_assert_eq (stats.resent, resent, "%s: edits sent again", what);
    cr_assert_not (stats.new_epoch, "%s: same epoch", what);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), (int64_t) resent, "%s: outbox", what);
    uint64_t cp;
    cr_assert_eq (us_dstore_checkpoint (s_store, &cp), 0);
    cr_assert_eq (cp, back ? 0 : 40, "%s: checkpoint", what);
}

/* A Welcome that matches what the office saw changes nothing; Hello tells
   the server the acknowledged seq and the incarnation last seen. */
Test (dstore, province_same_heals_nothing)
{
    us_welcome_t w = s_acked_three ();
    s_welcome_heals (&w, false, 0, "same province");
    us_hello_t h;
    cr_assert_eq (us_dstore_hello (s_store, &h), 0);
    cr_assert_eq (h.acked, 3);
    cr_assert_str_eq (h.incarnation, "one");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM history WHERE hlc IS NOT NULL AND author = 'ketoan'"
                         " AND base_version IS NOT NULL"), 3, "history keeps what re-sends need");
}

/* A new incarnation: every edit above the high water goes back, with its
   original identity, and the scope is pulled again. */
Test (dstore, province_new_incarnation_resends)
{
    us_welcome_t w = s_acked_three ();
    int64_t hlc = s_int ("SELECT hlc FROM history WHERE seq = 3");
    w.incarnation = "two";
    w.high_water = 1;
    s_welcome_heals (&w, true, 2, "new incarnation");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox WHERE epoch = 1 AND seq IN (2, 3)"), 2);
    cr_assert_eq (s_int ("SELECT hlc FROM outbox WHERE seq = 3"), hlc, "original clock");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox WHERE author = 'ketoan'"), 2);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM history"), 1, "the re-sent await a new answer");
    us_hello_t h;
    cr_assert_eq (us_dstore_hello (s_store, &h), 0);
    cr_assert_eq (h.last_seq, 3, "numbering goes on");
    cr_assert_str_eq (h.incarnation, "two", "the new incarnation is remembered");
}

/* Without a new incarnation, a change stream behind the checkpoint shows
   the same: the scope is pulled again (nothing to re-send here). */
Test (dstore, province_behind_detected)
{
    us_welcome_t w = s_acked_three ();
    w.head = 39;
    s_welcome_heals (&w, true, 0, "stream behind the checkpoint");
}

/* A high water below the acknowledged seq re-sends the missing edits,
   also from a server that sends no incarnation. */
Test (dstore, province_high_water_behind)
{
    us_welcome_t w = s_acked_three ();
    w.high_water = 2;
    w.incarnation = "";
    s_welcome_heals (&w, true, 1, "high water behind");
    cr_assert_eq (s_int ("SELECT seq FROM outbox"), 3);
}

/* Rows written before the store kept whole edits are not sent again. */
Test (dstore, province_old_rows_not_resent)
{
    us_welcome_t w = s_acked_three ();
    cr_assert_eq (us_db_exec (us_dstore_db (s_store), "UPDATE history SET hlc = NULL"), 0);
    w.high_water = 0;
    w.incarnation = "two";
    s_welcome_heals (&w, true, 0, "old rows");
}

/* A Welcome that shows nothing unusual keeps the epoch and the outbox. */
Test (dstore, welcome_normal)
{
    s_set ("QT.DAKRONG", "2022-01", "members.new", "1");
    s_set ("QT.DAKRONG", "2022-02", "members.new", "2");
    us_welcome_t w = { .server_time = us_hlc_make (us_hlc_wall_ms (), 0), .epoch = 1,
                       .high_water = 2, .unit = "QT.DAKRONG" };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0);
    cr_assert_not (stats.new_epoch);
    us_hello_t h;
    cr_assert_eq (us_dstore_hello (s_store, &h), 0);
    cr_assert_eq (h.epoch, 1);
    cr_assert_eq (h.last_seq, 2);
    cr_assert_eq (s_int ("SELECT MAX (seq) FROM outbox"), 2);

    w.epoch = 0;
    w.high_water = 0;
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0, "a server that never saw us");
    cr_assert_not (stats.new_epoch);
}

/* A Welcome from a later epoch than the store's starts the epoch after it. */
Test (dstore, welcome_later_epoch)
{
    s_set ("QT.DAKRONG", "2022-01", "members.new", "1");
    us_welcome_t w = { .server_time = us_hlc_make (us_hlc_wall_ms (), 0), .epoch = 3,
                       .high_water = 1, .unit = "QT.DAKRONG" };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0);
    cr_assert (stats.new_epoch);
    cr_assert_eq (s_int ("SELECT epoch FROM outbox"), 4);
    us_hello_t h;
    cr_assert_eq (us_dstore_hello (s_store, &h), 0);
    cr_assert_eq (h.epoch, 4);
}

/* The office adopts the server's clock: a PC an hour slow stamps its next
   edits with the server's time. */
Test (dstore, welcome_adopts_server_time)
{
    int64_t wall = us_hlc_wall_ms ();
    us_welcome_t w = { .server_time = us_hlc_make (wall + 3600 * 1000, 0), .epoch = 0,
                       .high_water = 0, .unit = "QT.DAKRONG" };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_welcome (s_store, &stats, &w), 0);
    int64_t offset = s_int ("SELECT clock_offset_ms FROM state");
    cr_assert_lt (llabs (offset - 3600 * 1000), 10000, "offset %lld", (long long) offset);
    s_set ("QT.DAKRONG", "2022-01", "members.new", "1");
    int64_t hlc = s_int ("SELECT hlc FROM outbox");
    cr_assert_geq (us_hlc_ms ((uint64_t) hlc), wall + 3600 * 1000 - 10000);
    cr_assert_gt ((uint64_t) hlc, w.server_time);

    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_dstore_status (s_store, c.f, true), 0);
    us_test_capture_close (&c);
    cr_assert (us_test_json_valid (c.buf), "%s", c.buf);
    cr_assert_not_null (strstr (c.buf, "\"clock_warning\":true"), "%s", c.buf);
    free (c.buf);
}

/* A new epoch on the server's word renumbers the outbox after its epoch. */
Test (dstore, new_epoch)
{
    s_set ("QT.DAKRONG", "2022-01", "members.new", "1");
    s_set ("QT.DAKRONG", "2022-02", "members.new", "2");
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_new_epoch (s_store, &stats, 4), 0, "%s", us_error_msg ());
    cr_assert (stats.new_epoch);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox WHERE epoch = 5"), 2);
    cr_assert_eq (s_int ("SELECT MIN (seq) FROM outbox"), 1);
    us_hello_t h;
    cr_assert_eq (us_dstore_hello (s_store, &h), 0);
    cr_assert_eq (h.epoch, 5);
    cr_assert_eq (h.last_seq, 2);
}

/* Submissions queue canonical periods; the server's answer settles them. */
Test (dstore, submit)
{
    s_set ("QT.DAKRONG", "2022-02", "members.new", "0");        /* a zero is a figure */
    cr_assert_eq (us_dstore_submit (s_store, "2022-h1"), 0, "%s", us_error_msg ());
    cr_assert_eq (us_dstore_submit (s_store, "2022-13"), US_EINVAL);
    char period [US_PERIOD_TEXT];
    cr_assert_eq (us_dstore_next_submit (s_store, period, sizeof period), 0);
    cr_assert_str_eq (period, "2022-H1");
    cr_assert_eq (us_dstore_submit_done (s_store, "2022-H1", true, "submitted", ""), 0);
    cr_assert_eq (us_dstore_next_submit (s_store, period, sizeof period), US_ENOTFOUND);
    cr_assert_eq (us_dstore_submit (s_store, "2022-H1"), 0);
    cr_assert_eq (us_dstore_next_submit (s_store, period, sizeof period), 0, "queued again");
}

/* A period without any figure is refused unless nil, nil is refused when
   there are figures, a period that has not ended is refused even as nil;
   the queued nil submission says so. */
Test (dstore, submit_means_something)
{
    char period [US_PERIOD_TEXT];
    cr_assert_eq (us_dstore_submit (s_store, "2022-05"), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "no figure"), "%s", us_error_msg ());
    cr_assert_eq (us_dstore_next_submit (s_store, period, sizeof period), US_ENOTFOUND);
    cr_assert_eq (us_dstore_submit_as (s_store, "2022-05", true), 0, "%s", us_error_msg ());
    cr_assert (us_dstore_submit_nil (s_store, "2022-05"));
    int next = us_calendar_month_at (us_calendar_now_ms ()) + 1;
    char future [16];
    us_month_format (future, next);
    cr_assert_eq (us_dstore_submit_as (s_store, future, true), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "not ended"), "%s", us_error_msg ());
    s_set ("QT.DAKRONG", "2022-06", "members.new", "4");
    cr_assert_eq (us_dstore_submit_as (s_store, "2022-06", true), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "has figures"), "%s", us_error_msg ());
    cr_assert_eq (us_dstore_submit (s_store, "2022-06"), 0, "%s", us_error_msg ());
    cr_assert_not (us_dstore_submit_nil (s_store, "2022-06"));
}

/* A broken rule (more admitted to the Party than introduced) refuses the
   submission and names the rule. */
Test (dstore, submit_checks_rules)
{
    s_set ("QT.DAKRONG", "2022-03", "party.introduced", "3");
    s_set ("QT.DAKRONG", "2022-03", "party.admitted", "5");
    char msg [256] = "";
    cr_assert_eq (us_dstore_check_rules (s_store, msg, sizeof msg, "QT.DAKRONG", "2022-Q1"),
                  US_EINVAL);
    cr_assert_not_null (strstr (msg, "party.admitted"), "%s", msg);
    cr_assert_eq (us_dstore_submit (s_store, "2022-Q1"), US_EINVAL);
    char period [US_PERIOD_TEXT];
    cr_assert_eq (us_dstore_next_submit (s_store, period, sizeof period), US_ENOTFOUND);
    s_set ("QT.DAKRONG", "2022-03", "party.admitted", "2");
    cr_assert_eq (us_dstore_check_rules (s_store, msg, sizeof msg, "QT.DAKRONG", "2022-Q1"), 0);
    cr_assert_eq (us_dstore_submit (s_store, "2022-Q1"), 0, "%s", us_error_msg ());
}

/* Status and show print valid JSON and readable text. */
Test (dstore, status_and_show)
{
    s_set ("QT.DAKRONG", "2022-05", "members.new", "120");
    cr_assert_eq (us_dstore_note_sync (s_store, "unreachable"), 0);
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_dstore_status (s_store, c.f, true), 0);
    us_test_capture_close (&c);
    cr_assert (us_test_json_valid (c.buf), "%s", c.buf);
    static const char *keys [] = { "\"unit\":\"QT.DAKRONG\"", "\"epoch\":1", "\"pending\":[{",
                                   "\"rejected\":[]", "\"conflicts\":[]",
                                   "\"last_sync\":\"unreachable\"" };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++)
        cr_assert_not_null (strstr (c.buf, keys [i]), "missing %s in %s", keys [i], c.buf);
    free (c.buf);

    us_test_capture_open (&c);
    cr_assert_eq (us_dstore_status (s_store, c.f, false), 0);
    us_test_capture_close (&c);
    cr_assert_not_null (strstr (c.buf, "1 edit waiting to be sent"), "%s", c.buf);
    free (c.buf);

    us_test_capture_open (&c);
    cr_assert_eq (us_dstore_show (s_store, c.f, "2022", false), 0);
    us_test_capture_close (&c);
    cr_assert_not_null (strstr (c.buf, "120"), "%s", c.buf);
    free (c.buf);
    us_test_capture_open (&c);
    cr_assert_eq (us_dstore_show (s_store, c.f, "2022-14", false), US_EINVAL);
    us_test_capture_close (&c);
    free (c.buf);
}

/*  ----------------------------------------------------------------------
    Allocation failures injected into SQLite
    ---------------------------------------------------------------------- */

/* Checks PRAGMA integrity_check on a fresh read-only connection. */
static void
s_integrity_ok (const char *path, const char *what)
{
    sqlite3 *db;
    cr_assert_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "PRAGMA integrity_check"), "ok",
                      "%s: integrity check failed", what);
    sqlite3_close (db);
}

/* Checks the store through its own handle with PRAGMA quick_check. */
static void
s_quick_check (const char *what)
{
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_dstore_db (s_store), "PRAGMA quick_check"),
                      "ok", "%s: quick check failed", what);
}

/* An edit or import run with SQLite failing at its Nth allocation (or,
   with all, at every allocation from the Nth on) either succeeds
   completely or fails leaving the store unchanged and passing its
   integrity check, for every N up to the number of allocations a
   successful call makes. With one failure the same handle must stay
   clean (no transaction left open) and usable; with all of them failing
   the store is checked after closing and reopening it. */
typedef int (*s_op_t) (int n, const char *csv);

static int
s_op_set (int n, const char *csv)
{
    (void) csv;
    char value [16];
    snprintf (value, sizeof value, "%d", 1000 + n);
    return us_dstore_set (s_store, "QT.DAKRONG", "2022-05", "members.new", value, "oom", "ketoan");
}

static int
s_op_import (int n, const char *csv)
{
    (void) n;
    int count;
    return us_dstore_import (s_store, &count, csv, "ketoan");
}

static void
s_oom_sweep (s_op_t op, int rows, bool all)
{
    char csv [160];
    s_file (csv, sizeof csv, "oom.csv",
            "unit,month,indicator,value,note\n"
            "QT.DAKRONG,2022-01,members.new,7,một\n"
            "QT.DAKRONG,2022-02,members.total,1200,hai\n"
            "QT.DAKRONG,2022-03,cdcs.new,2,ba\n");
    s_set ("QT.DAKRONG", "2022-04", "members.new", "1");
    us_dstore_destroy (&s_store);
    us_test_oom_install ();

    /* Count the allocations of one successful call on a warm handle. */
    cr_assert_eq (us_dstore_open (&s_store, s_path), 0, "%s", us_error_msg ());
    cr_assert_eq (op (0, csv), 0, "%s", us_error_msg ());
    us_test_oom_arm (-1, all);
    cr_assert_eq (op (0, csv), 0, "%s", us_error_msg ());
    long total = us_test_allocs;
    us_test_oom_disarm ();
    cr_assert_gt (total, 10);
    long step = all && total > 100 ? total / 100 : 1;

    int failures = 0;
    for (long n = 0; n <= total + 5; n += step) {
        if (!s_store)
            cr_assert_eq (us_dstore_open (&s_store, s_path), 0, "%s", us_error_msg ());
        s_state_t before = s_state ();
        us_test_oom_arm (n, all);
        int rc = op ((int) n + 1, csv);
        us_test_oom_disarm ();
        char what [64];
        snprintf (what, sizeof what, "allocation %ld of %ld failing", n, total);
        if (rc == 0) {
            s_state_t after = s_state ();
            cr_assert_eq (after.outbox, before.outbox + rows, "%s: succeeded but outbox %lld -> %lld",
                          what, (long long) before.outbox, (long long) after.outbox);
            cr_assert_eq (after.last_seq, before.last_seq + rows, "%s", what);
        }
        else {
            failures++;
            if (!all) {
                s_state_same (&before, what);
                s_quick_check (what);
            }
        }
        if (all || n % 64 == 0) {
            us_dstore_destroy (&s_store);
            s_integrity_ok (s_path, what);
            cr_assert_eq (us_dstore_open (&s_store, s_path), 0, "%s: reopen: %s", what,
                          us_error_msg ());
            if (rc != 0)
                s_state_same (&before, what);
            us_dstore_destroy (&s_store);
        }
    }
    cr_assert_gt (failures, 0, "no injected failure was noticed");

    /* The store still takes edits afterwards. */
    if (!s_store)
        cr_assert_eq (us_dstore_open (&s_store, s_path), 0);
    s_set ("QT.DAKRONG", "2022-12", "members.new", "5");
}

/* us_dstore_set with every later allocation failing. */
Test (dstore_oom, set_persistent, .init = s_setup, .fini = s_teardown)
{
    s_oom_sweep (s_op_set, 1, true);
}

/* us_dstore_set with one allocation failing; the same handle must be left
   clean and usable. */
Test (dstore_oom, set_transient, .init = s_setup, .fini = s_teardown)
{
    s_oom_sweep (s_op_set, 1, false);
}

/* us_dstore_import with every later allocation failing. */
Test (dstore_oom, import_persistent, .init = s_setup, .fini = s_teardown)
{
    s_oom_sweep (s_op_import, 3, true);
}

/* us_dstore_import with one allocation failing. */
Test (dstore_oom, import_transient, .init = s_setup, .fini = s_teardown)
{
    s_oom_sweep (s_op_import, 3, false);
}

/*  ----------------------------------------------------------------------
    Migrations: stores written by earlier versions open and are upgraded
    in place, all or nothing.
    ---------------------------------------------------------------------- */

/* Builds a store file at path from the fixture's SQL, changed by extra. */
static void
s_fixture_store (const char *path, const char *fixture, const char *extra)
{
    char src [512];
    snprintf (src, sizeof src, "%s/tests/fixtures/%s", US_SOURCE_DIR, fixture);
    char *sql = us_test_slurp (src, NULL);
    cr_assert_not_null (sql, "cannot read %s", src);
    sqlite3 *db;
    cr_assert_eq (sqlite3_open (path, &db), SQLITE_OK);
    us_test_exec (db, sql);
    if (extra)
        us_test_exec (db, extra);
    sqlite3_close (db);
    free (sql);
}

/* Appends every row of every table of db, and its schema, to a new string
   the caller frees: two equal dumps mean an unchanged store. */
static char *
s_dump (const char *path)
{
    sqlite3 *db;
    cr_assert_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    fprintf (f, "user_version %lld\n", (long long) us_test_int (db, "PRAGMA user_version"));
    sqlite3_stmt *tables;
    cr_assert_eq (sqlite3_prepare_v2 (db, "SELECT name, sql FROM sqlite_master"
                                      " WHERE type = 'table' ORDER BY name", -1, &tables, NULL),
                  SQLITE_OK);
    while (sqlite3_step (tables) == SQLITE_ROW) {
        fprintf (f, "%s\n", (const char *) sqlite3_column_text (tables, 1));
        char q [128];
        snprintf (q, sizeof q, "SELECT * FROM \"%s\" ORDER BY 1",
                  (const char *) sqlite3_column_text (tables, 0));
        sqlite3_stmt *rows;
        cr_assert_eq (sqlite3_prepare_v2 (db, q, -1, &rows, NULL), SQLITE_OK);
        while (sqlite3_step (rows) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count (rows); c++) {
                const unsigned char *t = sqlite3_column_text (rows, c);
                fprintf (f, "%s|", t ? (const char *) t : "NULL");
            }
            fputc ('\n', f);
        }
        sqlite3_finalize (rows);
    }
    sqlite3_finalize (tables);
    sqlite3_close (db);
    fclose (f);
    return out;
}

/* Reads one table of a store file as text, for comparing before and after. */
static char *
s_table (const char *path, const char *sql)
{
    sqlite3 *db;
    cr_assert_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    sqlite3_stmt *rows;
    cr_assert_eq (sqlite3_prepare_v2 (db, sql, -1, &rows, NULL), SQLITE_OK, "%s", sql);
    int n = 0;
    while (sqlite3_step (rows) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count (rows); c++) {
            const unsigned char *t = sqlite3_column_text (rows, c);
            fprintf (f, "%s|", t ? (const char *) t : "NULL");
        }
        fputc ('\n', f);
        n++;
    }
    sqlite3_finalize (rows);
    sqlite3_close (db);
    fclose (f);
    cr_assert_gt (n, 0, "the fixture has no rows for %s", sql);
    return out;
}

TestSuite (dstore_migrate, .init = s_setup, .fini = s_teardown);

/* A new store is at the latest schema, marked both ways. */
Test (dstore_migrate, new_store_is_current)
{
    cr_assert_eq (s_int ("PRAGMA user_version"), US_DSTORE_SCHEMA);
    cr_assert_eq (s_int ("SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'schema'"), US_DSTORE_SCHEMA);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM state"), 1);
    cr_assert_eq (s_int ("SELECT epoch FROM state"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM meta WHERE key IN ('epoch', 'last_seq', 'hlc')"), 0);
}

/* A store written by 0.1.0 (schema 1, user_version 0) is upgraded in place
   when opened: every figure, edit waiting to be sent, settled result,
   conflict, target and submission is still there, its counters are in the
   state row, conflict times are in milliseconds, and it goes on numbering
   edits where it stopped. */
Test (dstore_migrate, v1_store_upgraded_in_place)
{
    char path [160];
    us_test_path (path, sizeof path, s_dir, "v1.db");
    s_fixture_store (path, "dstore_v1.sql", NULL);
    static const char *kept [] = {
        "SELECT id, code, name, parent_id, kind, valid_from, valid_to FROM units ORDER BY id",
        "SELECT * FROM indicators ORDER BY id",
        "SELECT * FROM cells ORDER BY id", "SELECT * FROM targets ORDER BY id",
        "SELECT * FROM submissions ORDER BY id",
        "SELECT seq, epoch, unit, indicator, month, value, hlc, base_version, author, note, at"
        " FROM outbox ORDER BY seq",
        "SELECT id, epoch, seq, unit, indicator, month, value, outcome, reason, server_value,"
        " at FROM history ORDER BY id", 
        "SELECT period, at, state, reason FROM pending_submits ORDER BY period",
        "SELECT id, unit, indicator, month, winner_value, winner_author, loser_value,"
        " loser_author, rule, at >> 16 FROM conflicts ORDER BY id" };
    const int n_kept = sizeof kept / sizeof kept [0];
    static const char *conflicts_after = "SELECT id, unit, indicator, month, winner_value,"
        " winner_author, loser_value, loser_author, rule, at FROM conflicts ORDER BY id";
    char *before [16];
    for (int i = 0; i < n_kept; i++)
        before [i] = s_table (path, kept [i]);

    us_dstore_destroy (&s_store);
    cr_assert_eq (us_dstore_open (&s_store, path), 0, "%s", us_error_msg ());
    cr_assert_str_eq (us_dstore_unit (s_store), "QT.TRIEUPHONG");
    cr_assert_str_eq (us_dstore_server (s_store), "tcp://127.0.0.1:27555");
    cr_assert_str_eq (us_dstore_server_key (s_store), "sNo^De-qAou^R3TDmX6Bnv<Gx*K{^0hdJjJG-43j");
    cr_assert_eq (s_int ("PRAGMA user_version"), US_DSTORE_SCHEMA);
    cr_assert_eq (s_int ("SELECT epoch FROM state"), 1);
    cr_assert_eq (s_int ("SELECT last_seq FROM state"), 7);
    /* (55 before: schema 9 pulls the whole scope again, for the schedules
       an older program pulled past without keeping.) */
    cr_assert_eq (s_int ("SELECT checkpoint FROM state"), 0);
    cr_assert_eq (s_int ("SELECT hlc FROM state"), 117667580765929472);
    cr_assert_eq (s_int ("SELECT last_sync_ms FROM state"), 1795464794324);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM meta"), 4, "only settings stay in meta");
    /* Conflict times went from clock stamps to milliseconds (2026). */
    cr_assert_eq (s_int ("SELECT at FROM conflicts WHERE id = 1"), 117667580203106304 >> 16);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM conflicts WHERE at BETWEEN 1.7e12 AND 1.9e12"), 2);
    us_dstore_destroy (&s_store);

    for (int i = 0; i < n_kept; i++) {
        char *after = s_table (path, i == n_kept - 1 ? conflicts_after : kept [i]);
        cr_assert_str_eq (after, before [i], "%s changed by the upgrade", kept [i]);
        free (after);
        free (before [i]);
    }
    /* Opening it again changes nothing more. */
    char *once = s_dump (path);
    cr_assert_eq (us_dstore_open (&s_store, path), 0, "%s", us_error_msg ());
    us_dstore_destroy (&s_store);
    char *twice = s_dump (path);
    cr_assert_str_eq (twice, once);
    free (once);
    free (twice);

    /* It goes on where it stopped: the next edit is seq 8, sent after the
       three that were waiting; it pulls from the start once (schema 9). */
    cr_assert_eq (us_dstore_open (&s_store, path), 0, "%s", us_error_msg ());
    s_set ("QT.TRIEUPHONG", "2022-05", "members.new", "9");
    us_hello_t hello;
    cr_assert_eq (us_dstore_hello (s_store, &hello), 0);
    cr_assert_eq (hello.last_seq, 8);
    cr_assert_eq (hello.checkpoint, 0);
    cr_assert_eq (hello.epoch, 1);
    cr_assert_gt (hello.hlc, 117667580765929472);
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0);
    cr_assert_eq (push.count, 4);
    cr_assert_eq (push.deltas [0].seq, 5);
    cr_assert_str_eq (push.deltas [0].note, "ghi chú, có dấu phẩy");
    cr_assert (push.deltas [2].clear);
    cr_assert_eq (push.deltas [3].seq, 8);
    us_test_capture_t cap;
    us_test_capture_open (&cap);
    cr_assert_eq (us_dstore_status (s_store, cap.f, false), 0);
    us_test_capture_close (&cap);
    cr_assert (strstr (cap.buf, "4 edits waiting to be sent"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "kept 37 (lan) over 36 (hoa)"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "2022-01: submitted"), "%s", cap.buf);
    cr_assert (strstr (cap.buf, "Last sync: 2026-11-23 20:13:14Z"), "%s", cap.buf);
    free (cap.buf);
}

/* A migration that fails is rolled back whole: the store stays at schema 1
   exactly as it was, and the error names the migration. */
Test (dstore_migrate, failed_migration_changes_nothing)
{
    char path [160];
    us_test_path (path, sizeof path, s_dir, "bad.db");
    s_fixture_store (path, "dstore_v1.sql",
                     "UPDATE meta SET value = 'seven' WHERE key = 'last_seq'");
    char *before = s_dump (path);
    us_dstore_t *store;
    int rc = us_dstore_open (&store, path);
    cr_assert_eq (rc, US_ECORRUPT);
    cr_assert_null (store);
    cr_assert (strstr (us_error_msg (), "migration 2"), "%s", us_error_msg ());
    cr_assert (strstr (us_error_msg (), "unchanged"), "%s", us_error_msg ());
    char *after = s_dump (path);
    cr_assert_str_eq (after, before);
    cr_assert (strstr (after, "user_version 0\n"));
    free (before);
    free (after);
}

/* A store of a newer schema, or of no known schema, is refused untouched. */
Test (dstore_migrate, unknown_schemas_refused)
{
    char path [160];
    us_test_path (path, sizeof path, s_dir, "newer.db");
    s_fixture_store (path, "dstore_v1.sql", "PRAGMA user_version = 99");
    us_dstore_t *store;
    cr_assert_eq (us_dstore_open (&store, path), US_ECORRUPT);
    cr_assert (strstr (us_error_msg (), "newer unionsync"), "%s", us_error_msg ());

    us_test_path (path, sizeof path, s_dir, "other.db");
    s_fixture_store (path, "dstore_v1.sql", "UPDATE meta SET value = '7' WHERE key = 'schema'");
    char *before = s_dump (path);
    cr_assert_eq (us_dstore_open (&store, path), US_ECORRUPT);
    cr_assert (strstr (us_error_msg (), "known schema"), "%s", us_error_msg ());
    char *after = s_dump (path);
    cr_assert_str_eq (after, before);
    free (before);
    free (after);
}

/*  ----------------------------------------------------------------------
    What the office desk reads and keeps
    ---------------------------------------------------------------------- */

/* Collects the cells a walk hands out, as "indicator month value state". */
typedef struct {
    char lines [8][160];
    int n;
} s_walk_t;

static int
s_walk_cell (void *ctx, const us_dstore_cell_t *c)
{
    s_walk_t *w = ctx;
    cr_assert_lt (w->n, 8);
    char m [8];
    us_month_format (m, c->month);
    snprintf (w->lines [w->n++], sizeof w->lines [0], "%s %s %lld%s %s%s%s %s %lld", c->indicator,
              m, (long long) c->value, c->has_value ? "" : "(none)", c->pending ? "pending" : "",
              c->corrected ? "corrected" : "", c->outcome, c->winner_author,
              (long long) c->winner);
    return 0;
}

/* A walk names every cell of the unit and months asked: drafts waiting in
   the outbox, and no other unit's or month's. */
Test (dstore, cells_walk)
{
    s_apply_tree (5);
    s_set ("QT.DAKRONG", "2022-05", "members.new", "12");
    s_set ("QT.DAKRONG", "2022-05", "cdcs.new", NULL);
    s_set ("QT.DAKRONG", "2022-06", "members.new", "13");
    s_set ("QT.DAKRONG.CS1", "2022-05", "members.new", "4");
    s_walk_t w = { .n = 0 };
    int rc = us_dstore_cells (s_store, "QT.DAKRONG", us_test_month (2022, 5),
                              us_test_month (2022, 5), s_walk_cell, &w);
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    cr_assert_eq (w.n, 2);
    cr_assert_str_eq (w.lines [0], "cdcs.new 2022-05 0(none) pending  0");
    cr_assert_str_eq (w.lines [1], "members.new 2022-05 12 pending  0");
}

/* A lost conflict names the winning value and who; a rejection its reason;
   the callback's error stops the walk and comes back unchanged. */
static int
s_walk_stop (void *ctx, const us_dstore_cell_t *c)
{
    (void) ctx;
    (void) c;
    return us_error_set (US_EIO, "stopped");
}

Test (dstore, cells_answers)
{
    s_apply_tree (5);
    s_set ("QT.DAKRONG", "2022-05", "cdcs.new", "7");
    us_push_t push;
    cr_assert_eq (us_dstore_batch (s_store, &push, 0, 10), 0, "%s", us_error_msg ());
    us_result_t res = { .seq = push.deltas [0].seq, .outcome = US_OUTCOME_CONFLICT_LOST,
                        .reason = "lww: later edit", .value = 9, .version = 3 };
    us_push_ack_t ack = { .count = 1, .results = &res };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_ack (s_store, &stats, &push, &ack), 0, "%s", us_error_msg ());
    us_conflict_notice_t k = { .id = 1, .unit = "QT.DAKRONG", .indicator = "cdcs.new",
                               .month = us_test_month (2022, 5), .winner_value = 9,
                               .winner_author = "Trần Văn Bình", .loser_value = 7,
                               .loser_author = "ketoan", .rule = "lww", .at = 1 };
    us_changes_t c = { .next = 6, .n_conflicts = 1, .conflicts = &k };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "%s", us_error_msg ());
    s_walk_t w = { .n = 0 };
    int month = us_test_month (2022, 5);
    cr_assert_eq (us_dstore_cells (s_store, "QT.DAKRONG", month, month, s_walk_cell, &w), 0);
    cr_assert_eq (w.n, 1);
    cr_assert_str_eq (w.lines [0], "cdcs.new 2022-05 9 conflict-lost Trần Văn Bình 9");
    cr_assert_eq (us_dstore_cells (s_store, "QT.DAKRONG", month, month, s_walk_stop, NULL), US_EIO);
}

/* The lock the desk shows is the one set refuses. */
Test (dstore, locked_query)
{
    s_apply_tree (5);
    us_submission_state_t sub = { "QT.DAKRONG", "2022-H1", "approved", 1 };
    us_changes_t c = { .next = 6, .n_submissions = 1, .submissions = &sub };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "%s", us_error_msg ());
    bool locked = false;
    char period [US_PERIOD_TEXT] = "";
    cr_assert_eq (us_dstore_locked (s_store, &locked, period, sizeof period, "QT.DAKRONG",
                                    us_test_month (2022, 3)), 0);
    cr_assert (locked);
    cr_assert_str_eq (period, "2022-H1");
    cr_assert_eq (us_dstore_locked (s_store, &locked, period, sizeof period, "QT.DAKRONG",
                                    us_test_month (2022, 7)), 0);
    cr_assert_not (locked);
    cr_assert_eq (us_dstore_locked (s_store, &locked, period, sizeof period, "QT.NOWHERE",
                                    us_test_month (2022, 3)), 0);
    cr_assert_not (locked);
}

/* The desk's settings and the time the province last answered survive a
   reopen; bad names and values are refused. */
Test (dstore, desk_settings)
{
    char buf [80];
    cr_assert_eq (us_dstore_desk_get (s_store, "clerk", buf, sizeof buf), US_ENOTFOUND);
    cr_assert_eq (us_dstore_desk_set (s_store, "clerk", "Nguyễn Thị Lan"), 0);
    cr_assert_eq (us_dstore_desk_set (s_store, "bad key", "x"), US_EINVAL);
    cr_assert_eq (us_dstore_desk_set (s_store, "clerk", "a\x01"), US_EINVAL);
    cr_assert_eq (us_dstore_note_reached (s_store), 0);
    s_set ("QT.DAKRONG", "2022-05", "members.new", "12");
    us_dstore_destroy (&s_store);
    cr_assert_eq (us_dstore_open (&s_store, s_path), 0, "%s", us_error_msg ());
    cr_assert_eq (us_dstore_desk_get (s_store, "clerk", buf, sizeof buf), 0);
    cr_assert_str_eq (buf, "Nguyễn Thị Lan");
    int64_t last_at = -1, reached = 0, pending = 0;
    char outcome [64];
    cr_assert_eq (us_dstore_sync_info (s_store, &last_at, outcome, sizeof outcome, &reached,
                                       &pending), 0, "%s", us_error_msg ());
    cr_assert_gt (reached, 0);
    cr_assert_eq (pending, 1);
}

/* A copy of the store is a store of its own: edits made in it show in its
   outbox above the original's last sequence, and the original is unchanged;
   the figure a cell holds is read back. */
static int
s_edit_sum (void *ctx, const us_dstore_edit_t *e)
{
    int *sum = ctx;
    *sum += (int) e->value * 10 + e->clear;
    return 0;
}

Test (dstore, copy_and_outbox)
{
    s_set ("QT.DAKRONG", "2022-01", "members.new", "5");
    int64_t seq = 0;
    cr_assert_eq (us_dstore_last_seq (s_store, &seq), 0);
    cr_assert_eq (seq, 1);
    char copy_path [160];
    us_test_path (copy_path, sizeof copy_path, s_dir, "trial.db");
    s_state_t before = s_state ();
    cr_assert_eq (us_dstore_copy (s_store, copy_path), 0, "%s", us_error_msg ());
    cr_assert_neq (us_dstore_copy (s_store, copy_path), 0, "a copy never overwrites a file");
    us_dstore_t *copy;
    cr_assert_eq (us_dstore_open (&copy, copy_path), 0, "%s", us_error_msg ());
    cr_assert_eq (us_dstore_set (copy, "QT.DAKRONG", "2022-02", "members.new", "7", NULL, "k"), 0);
    cr_assert_eq (us_dstore_set (copy, "QT.DAKRONG", "2022-01", "members.new", NULL, NULL, "k"), 0);
    int sum = 0;
    cr_assert_eq (us_dstore_outbox_since (copy, seq, s_edit_sum, &sum), 0, "%s", us_error_msg ());
    cr_assert_eq (sum, 70 + 1);
    us_dstore_destroy (&copy);
    s_state_same (&before, "a copy's edits");
    bool has = false;
    int64_t v = 0;
    cr_assert_eq (us_dstore_value (s_store, &has, &v, "QT.DAKRONG", us_test_month (2022, 1),
                                   "members.new"), 0);
    cr_assert (has);
    cr_assert_eq (v, 5);
    cr_assert_eq (us_dstore_value (s_store, &has, &v, "QT.DAKRONG", us_test_month (2022, 2),
                                   "members.new"), 0);
    cr_assert_not (has);
}

/* A pulled page with a bad code or text is refused whole: nothing of it is
   kept and the checkpoint stays; a page that says "more" without moving
   the stream on is refused too. */
Test (dstore, apply_refuses_bad_pages)
{
    s_apply_tree (5);
    uint64_t before;
    cr_assert_eq (us_dstore_checkpoint (s_store, &before), 0);
    us_cell_change_t good = { "QT.DAKRONG", "members.new", MONTH (2022, 5), 9, false, 1, 1000,
                              "tinh", "", false };
    us_cell_change_t bad_author = good, bad_code = good, bad_note = good;
    bad_author.author = "x\x1b[2J";
    bad_code.unit = "QT DAKRONG;--";
    bad_note.note = "\xff\xfe";
    us_cell_change_t *bad [] = { &bad_author, &bad_code, &bad_note };
    for (size_t i = 0; i < 3; i++) {
        us_cell_change_t cells [2] = { good, *bad [i] };
        us_changes_t c = { .next = before + 10, .n_cells = 2, .cells = cells };
        us_sync_stats_t stats = { 0 };
        cr_assert_eq (us_dstore_apply (s_store, &stats, &c), US_EPROTO, "page %zu", i);
        cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells WHERE value = 9"), 0);
    }
    us_unit_def_t units [1] = { { .code = "QT.NEW", .name = "tên\x07", .parent = "QT", .kind = "district", .valid_from = "", .valid_to = "", .successor = "" } };
    us_changes_t c = { .next = before + 10, .n_units = 1, .units = units };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), US_EPROTO);
    us_changes_t stuck = { .next = before, .more = true };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &stuck), US_EPROTO);
    uint64_t after;
    cr_assert_eq (us_dstore_checkpoint (s_store, &after), 0);
    cr_assert_eq (after, before);
}
