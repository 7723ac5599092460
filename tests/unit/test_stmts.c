/*  Unit tests for us_stmts: statements cached by the address of their SQL,
    reuse, text changed under the same address, bad SQL, allocation failures
    while preparing, and the size limit. */
#include "us_error.h"
#include "us_stmts.h"

#include "us_test.h"

#include <stdio.h>

static sqlite3 *s_db;
static us_stmts_t *s_cache;

static void
s_setup (void)
{
    cr_assert_eq (sqlite3_open (":memory:", &s_db), SQLITE_OK);
    cr_assert_eq (sqlite3_exec (s_db, "CREATE TABLE t (a INTEGER)", NULL, NULL, NULL), SQLITE_OK);
    s_cache = us_stmts_new (s_db);
    cr_assert_not_null (s_cache);
}

static void
s_teardown (void)
{
    us_stmts_destroy (&s_cache);
    sqlite3_close (s_db);
    s_db = NULL;
}

TestSuite (stmts, .init = s_setup, .fini = s_teardown);

static const char *s_insert = "INSERT INTO t (a) VALUES (?)";
static const char *s_count = "SELECT COUNT(*), SUM(a) FROM t";

/* The same text gives the same statement, reset with bindings cleared. */
Test (stmts, reuse)
{
    sqlite3_stmt *a, *b;
    cr_assert_eq (us_stmts_get (&a, s_cache, s_insert), 0);
    sqlite3_bind_int (a, 1, 5);
    cr_assert_eq (sqlite3_step (a), SQLITE_DONE);
    cr_assert_eq (us_stmts_get (&b, s_cache, s_insert), 0);
    cr_assert_eq (a, b);
    cr_assert_eq (sqlite3_step (b), SQLITE_DONE, "bindings cleared: inserts NULL");
    cr_assert_eq (us_stmts_get (&a, s_cache, s_count), 0);
    cr_assert_neq (a, b);
    cr_assert_eq (sqlite3_step (a), SQLITE_ROW);
    cr_assert_eq (sqlite3_column_int (a, 0), 2);
    cr_assert_eq (sqlite3_column_int (a, 1), 5);
    /* Handed out again mid-result: it starts from the first row. */
    cr_assert_eq (us_stmts_get (&b, s_cache, s_count), 0);
    cr_assert_eq (sqlite3_step (b), SQLITE_ROW);
    cr_assert_eq (sqlite3_step (b), SQLITE_DONE);
    cr_assert_eq (us_stmts_size (s_cache), 2);
}

/* Other text at an address already cached is prepared afresh, never run
   as the old statement. */
Test (stmts, text_changed_under_address)
{
    char sql [64];
    sqlite3_stmt *st;
    snprintf (sql, sizeof sql, "SELECT 1");
    cr_assert_eq (us_stmts_get (&st, s_cache, sql), 0);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    cr_assert_eq (sqlite3_column_int (st, 0), 1);
    snprintf (sql, sizeof sql, "SELECT 2");
    cr_assert_eq (us_stmts_get (&st, s_cache, sql), 0);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    cr_assert_eq (sqlite3_column_int (st, 0), 2);
    cr_assert_eq (us_stmts_size (s_cache), 1);
}

/* Bad SQL is an error with a message, and leaves nothing cached. */
Test (stmts, bad_sql)
{
    sqlite3_stmt *st = (sqlite3_stmt *) &st;
    cr_assert_lt (us_stmts_get (&st, s_cache, "SELEKT 1"), 0);
    cr_assert_null (st);
    cr_assert_str_not_empty (us_error_msg ());
    cr_assert_lt (us_stmts_get (&st, s_cache, "SELECT nothere FROM t"), 0);
    cr_assert_eq (us_stmts_size (s_cache), 0);
}

/* A cache with more distinct statements than it holds refuses the extra
   ones with an error and keeps serving those it has. */
Test (stmts, limit)
{
    static char texts [200][32];
    sqlite3_stmt *st;
    int ok = 0, refused = 0;
    for (int i = 0; i < 200; i++) {
        snprintf (texts [i], sizeof texts [i], "SELECT %d", i);
        if (us_stmts_get (&st, s_cache, texts [i]) == 0)
            ok++;
        else
            refused++;
    }
    cr_assert_gt (ok, 64);
    cr_assert_gt (refused, 0);
    cr_assert_eq (us_stmts_size (s_cache), ok);
    cr_assert_eq (us_stmts_get (&st, s_cache, texts [0]), 0);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    cr_assert_eq (sqlite3_column_int (st, 0), 0);
}

/* Every allocation failure while preparing gives an error and a cache
   that still works once memory is back. */
Test (stmts, allocation_failures)
{
    s_teardown ();
    us_test_oom_install ();
    s_setup ();
    int failed = 0;
    for (long n = 0; n < 200; n++) {
        sqlite3_stmt *st;
        us_test_oom_arm (n, false);
        int rc = us_stmts_get (&st, s_cache, s_count);
        us_test_oom_disarm ();
        if (rc) {
            failed++;
            cr_assert_eq (us_stmts_size (s_cache), 0);
            continue;
        }
        cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
        sqlite3_reset (st);
        break;
    }
    cr_assert_gt (failed, 0, "some allocation was made while preparing");
    cr_assert_eq (us_stmts_size (s_cache), 1);
}

/* Destroying twice is safe. */
Test (stmts, destroy_twice)
{
    us_stmts_destroy (&s_cache);
    cr_assert_null (s_cache);
    us_stmts_destroy (&s_cache);
}

static const char *const s_rows_sql [3] =
    US_STMTS_SQLS ("INSERT INTO r (a, b) VALUES ", "(?,?)", "");

/* Binds row i as (i, i * i), from a base offset. */
static void
s_bind_row (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    int64_t a = *(const int64_t *) arg + (int64_t) i;
    sqlite3_bind_int64 (st, first, a);
    sqlite3_bind_int64 (st, first + 1, a * a);
}

/* A run of rows goes in 64, then 8, then one at a time: every count from
   none to past two full statements writes each row once, in order. */
Test (stmts, rows_in_every_count)
{
    cr_assert_eq (sqlite3_exec (s_db, "CREATE TABLE r (id INTEGER PRIMARY KEY, a INTEGER UNIQUE,"
                                " b INTEGER)", NULL, NULL, NULL), SQLITE_OK);
    static const size_t counts [] = { 0, 1, 7, 8, 9, 63, 64, 65, 72, 73, 137 };
    int64_t base = 0;
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        cr_assert_eq (us_stmts_rows (s_cache, s_rows_sql, counts [c], 2, s_bind_row, NULL,
                                     &base, "rows"), 0, "%s", us_error_msg ());
        base += (int64_t) counts [c];
        sqlite3_stmt *st;
        cr_assert_eq (sqlite3_prepare_v2 (s_db, "SELECT COUNT(*), SUM (b = a * a),"
                                          " SUM (a = id - 1) FROM r", -1, &st, NULL), SQLITE_OK);
        cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
        cr_assert_eq (sqlite3_column_int64 (st, 0), base, "after %zu rows", counts [c]);
        cr_assert_eq (sqlite3_column_int64 (st, 1), base);
        cr_assert_eq (sqlite3_column_int64 (st, 2), base, "in the order given");
        sqlite3_finalize (st);
    }
}

/* A row refused in the middle stops the run with the statement's error,
   named; the rows of the statements before it stay. */
Test (stmts, rows_refused)
{
    cr_assert_eq (sqlite3_exec (s_db, "CREATE TABLE r (id INTEGER PRIMARY KEY, a INTEGER UNIQUE,"
                                " b INTEGER); INSERT INTO r (id, a, b) VALUES (1000, 70, 0)",
                                NULL, NULL, NULL), SQLITE_OK);
    int64_t base = 0;
    int rc = us_stmts_rows (s_cache, s_rows_sql, 100, 2, s_bind_row, NULL, &base,
                            "writing rows");
    cr_assert_neq (rc, 0);
    cr_assert_not_null (strstr (us_error_msg (), "writing rows"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "UNIQUE"), "%s", us_error_msg ());
    sqlite3_stmt *st;
    cr_assert_eq (sqlite3_prepare_v2 (s_db, "SELECT COUNT(*) FROM r", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    cr_assert_eq (sqlite3_column_int64 (st, 0), 64 + 1, "the first 64 and the row there before");
    sqlite3_finalize (st);
}

/* Sums what a statement of many rows returned. */
static void
s_sum_row (sqlite3_stmt *st, const void *arg)
{
    *(int64_t *) arg += sqlite3_column_int64 (st, 0);
}

/* Binds row i as the number i. */
static void
s_bind_number (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    (void) arg;
    sqlite3_bind_int64 (st, first, (int64_t) i);
}

/* A read of many rows to a statement hands every row it returns to the
   reader, across the statements of 64, 8 and one row. */
Test (stmts, rows_read)
{
    static const char *const sqls [3] =
        US_STMTS_SQLS ("SELECT v.column1 * 2 FROM (VALUES ", "(?)", ") v");
    int64_t sum = 0;
    cr_assert_eq (us_stmts_rows (s_cache, sqls, 137, 1, s_bind_number, s_sum_row, &sum, "read"),
                  0, "%s", us_error_msg ());
    cr_assert_eq (sum, 136 * 137, "each of 0 .. 136 doubled, once");
}
