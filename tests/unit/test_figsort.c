/*  test_figsort: figures added in any order are visited in the digest's
    order (month, unit code, indicator code, as bytes). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "us_error.h"
#include "us_figsort.h"

/* What a visit saw, one line per figure. */
static char s_seen [1024];

/* Records a visited figure. */
static int
s_record (void *arg, int month, const char *unit, const char *indicator, bool cleared,
          int64_t value, uint64_t version)
{
    (void) arg;
    size_t at = strlen (s_seen);
    snprintf (s_seen + at, sizeof s_seen - at, "%d %s %s %s%lld v%llu\n", month, unit,
              indicator, cleared ? "-" : "", (long long) value, (unsigned long long) version);
    return 0;
}

/* Stops the walk at the first figure. */
static int
s_stop (void *arg, int month, const char *unit, const char *indicator, bool cleared,
        int64_t value, uint64_t version)
{
    (void) arg; (void) month; (void) unit; (void) indicator; (void) cleared; (void) value;
    (void) version;
    return 42;
}

/* Codes sort as bytes: "QT.B" before "QT.a", "Z" before "a"; months first. */
Test (figsort, digest_order)
{
    us_figsort_t *sort = us_figsort_new (100, 110);
    cr_assert_not_null (sort);
    cr_assert_eq (us_figsort_code (sort, true, 7, "QT.a"), 0);
    cr_assert_eq (us_figsort_code (sort, true, 3, "QT.B"), 0);
    cr_assert_eq (us_figsort_code (sort, false, 9, "members.new"), 0);
    cr_assert_eq (us_figsort_code (sort, false, 2, "cdcs.new"), 0);
    cr_assert_eq (us_figsort_add (sort, 101, 7, 9, false, 5, 1), 0);
    cr_assert_eq (us_figsort_add (sort, 100, 7, 2, true, 0, 3), 0);
    cr_assert_eq (us_figsort_add (sort, 101, 3, 9, false, 6, 2), 0);
    cr_assert_eq (us_figsort_add (sort, 101, 3, 2, false, -4, 1), 0);
    cr_assert_eq (us_figsort_add (sort, 110, 3, 2, false, 1, 9), 0);
    s_seen [0] = 0;
    cr_assert_eq (us_figsort_visit (sort, s_record, NULL), 0, "%s", us_error_msg ());
    cr_assert_str_eq (s_seen,
        "100 QT.a cdcs.new -0 v3\n"
        "101 QT.B cdcs.new -4 v1\n"
        "101 QT.B members.new 6 v2\n"
        "101 QT.a members.new 5 v1\n"
        "110 QT.B cdcs.new 1 v9\n");
    us_figsort_destroy (&sort);
    cr_assert_null (sort);
    us_figsort_destroy (&sort);
}

/* A figure outside the range is refused; one whose unit has no code makes
   the visit fail; a callback's non-zero return stops it and comes back. */
Test (figsort, failures)
{
    cr_assert_null (us_figsort_new (5, 4), "an empty range");
    us_figsort_t *sort = us_figsort_new (1, 2);
    cr_assert_eq (us_figsort_add (sort, 3, 1, 1, false, 1, 1), US_EINVAL);
    cr_assert_eq (us_figsort_add (sort, 0, 1, 1, false, 1, 1), US_EINVAL);
    cr_assert_eq (us_figsort_code (sort, false, 1, "x"), 0);
    cr_assert_eq (us_figsort_add (sort, 1, 1, 1, false, 1, 1), 0);
    cr_assert_eq (us_figsort_visit (sort, s_record, NULL), US_ECORRUPT, "no unit 1");
    cr_assert_not_null (strstr (us_error_msg (), "unit 1"), "%s", us_error_msg ());
    us_figsort_destroy (&sort);
    sort = us_figsort_new (1, 2);
    cr_assert_eq (us_figsort_code (sort, true, 1, "U"), 0);
    cr_assert_eq (us_figsort_code (sort, false, 1, "x"), 0);
    cr_assert_eq (us_figsort_add (sort, 1, 1, 1, false, 1, 1), 0);
    cr_assert_eq (us_figsort_add (sort, 2, 1, 1, false, 1, 1), 0);
    cr_assert_eq (us_figsort_visit (sort, s_stop, NULL), 42);
    us_figsort_destroy (&sort);
}

/* Nothing added: the visit calls nothing and succeeds. */
Test (figsort, empty)
{
    us_figsort_t *sort = us_figsort_new (1, 1);
    s_seen [0] = 0;
    cr_assert_eq (us_figsort_visit (sort, s_record, NULL), 0);
    cr_assert_str_eq (s_seen, "");
    us_figsort_destroy (&sort);
}

/* Once units are kept, the figures of the others are skipped as they are
   added (a kept unit whose figures come later still counts); an empty
   scope read from a store keeps no figure at all. */
Test (figsort, scope)
{
    us_figsort_t *sort = us_figsort_new (1, 2);
    cr_assert_eq (us_figsort_code (sort, true, 4, "QT.A"), 0);
    cr_assert_eq (us_figsort_code (sort, true, 9, "QT.B"), 0);
    cr_assert_eq (us_figsort_code (sort, false, 1, "x"), 0);
    cr_assert_eq (us_figsort_keep (sort, 9), 0);
    cr_assert_eq (us_figsort_add (sort, 1, 4, 1, false, 10, 1), 0, "skipped, not refused");
    cr_assert_eq (us_figsort_add (sort, 1, 9, 1, false, 20, 1), 0);
    cr_assert_eq (us_figsort_add (sort, 1, 77, 1, false, 30, 1), 0, "no code, not kept: skipped");
    cr_assert_eq (us_figsort_keep (sort, 4), 0);
    cr_assert_eq (us_figsort_add (sort, 2, 4, 1, false, 40, 1), 0);
    s_seen [0] = 0;
    cr_assert_eq (us_figsort_visit (sort, s_record, NULL), 0, "%s", us_error_msg ());
    cr_assert_str_eq (s_seen, "1 QT.B x 20 v1\n2 QT.A x 40 v1\n");
    us_figsort_destroy (&sort);

    sqlite3 *db;
    cr_assert_eq (sqlite3_open (":memory:", &db), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq (sqlite3_prepare_v2 (db, "SELECT 1 WHERE 0", -1, &st, NULL), SQLITE_OK);
    sort = us_figsort_new (1, 2);
    cr_assert_eq (us_figsort_code (sort, true, 4, "QT.A"), 0);
    cr_assert_eq (us_figsort_code (sort, false, 1, "x"), 0);
    cr_assert_eq (us_figsort_read (sort, US_FIGSORT_SCOPE, st, "units"), 0);
    cr_assert_eq (us_figsort_add (sort, 1, 4, 1, false, 10, 1), 0);
    s_seen [0] = 0;
    cr_assert_eq (us_figsort_visit (sort, s_record, NULL), 0);
    cr_assert_str_eq (s_seen, "", "an empty scope keeps nothing");
    us_figsort_destroy (&sort);
    sqlite3_finalize (st);
    sqlite3_close (db);
}
