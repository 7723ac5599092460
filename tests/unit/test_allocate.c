/*  Unit tests for us_allocate: the largest-remainder split (exact sums,
    ties, zero weights, one unit, large numbers) and splits of a real
    provincial store by last year's figures and by a weights file. */
#include "us_allocate.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_merge.h"
#include "us_pstore.h"
#include "us_pstore_report.h"
#include "us_pstore_sql.h"
#include "us_report.h"

#include "us_test.h"

#include <math.h>

/* Returns a pseudo-random number in 0..n-1 from a small LCG. */
static uint64_t
s_rand (uint64_t *state, uint64_t n)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (*state >> 33) % n;
}

/* Thousands of random splits add up exactly to the total, every part is
   its quota rounded down or up, and zero weights get nothing. */
Test (allocate, sum_exact_random)
{
    uint64_t seed = 2022;
    int64_t weights [64], shares [64];
    char names [64][8];
    const char *keys [64];
    for (int k = 0; k < 64; k++) {
        snprintf (names [k], sizeof names [k], "U%02d", k);
        keys [k] = names [k];
    }
    for (int round = 0; round < 5000; round++) {
        size_t n = 1 + (size_t) s_rand (&seed, 40);
        int64_t sum = 0;
        for (size_t k = 0; k < n; k++) {
            uint64_t kind = s_rand (&seed, 10);
            weights [k] = kind == 0 ? 0 : kind == 1 ? 7 : (int64_t) s_rand (&seed, 5000000);
            sum += weights [k];
        }
        if (sum == 0) {
            weights [0] = 1;
            sum = 1;
        }
        int64_t total = (int64_t) s_rand (&seed, round % 2 ? 100 : 5000000);
        cr_assert_eq (us_allocate_split (shares, weights, keys, n, total), 0, "%s", us_error_msg ());
        int64_t given = 0;
        for (size_t k = 0; k < n; k++) {
            long double quota = (long double) total * weights [k] / sum;
            cr_assert_geq (shares [k], 0);
            cr_assert ((long double) shares [k] >= floorl (quota) - 1e-6L
                    && (long double) shares [k] <= floorl (quota) + 1 + 1e-6L,
                       "round %d: part %zu is %lld for a quota of %Lf", round, k,
                       (long long) shares [k], quota);
            if (weights [k] == 0)
                cr_assert_eq (shares [k], 0, "a zero weight gets nothing");
            given += shares [k];
        }
        cr_assert_eq (given, total, "round %d: parts add up to %lld, not %lld", round,
                      (long long) given, (long long) total);
    }
}

/* The textbook case and equal remainders broken by key. */
Test (allocate, ties_by_key)
{
    int64_t shares [3];
    const int64_t w532 [] = { 5, 3, 2 };
    const char *abc [] = { "A", "B", "C" };
    cr_assert_eq (us_allocate_split (shares, w532, abc, 3, 10), 0);
    cr_assert (shares [0] == 5 && shares [1] == 3 && shares [2] == 2);

    /* 7 by 1:1:1 is 2⅓ each; the one left goes to the first code. */
    const int64_t equal [] = { 1, 1, 1 };
    const char *bac [] = { "QT.GIOLINH", "QT.CAMLO", "QT.DONGHA" };
    cr_assert_eq (us_allocate_split (shares, equal, bac, 3, 7), 0);
    cr_assert_eq (shares [1], 3, "QT.CAMLO sorts first");
    cr_assert_eq (shares [0], 2);
    cr_assert_eq (shares [2], 2);

    /* 2 by 1:1:1: the two first codes get one each. */
    cr_assert_eq (us_allocate_split (shares, equal, bac, 3, 2), 0);
    cr_assert (shares [1] == 1 && shares [2] == 1 && shares [0] == 0);

    /* Largest remainder wins over the key: 10 by 1:2 is 3⅓ and 6⅔. */
    const int64_t w12 [] = { 1, 2 };
    const char *ab [] = { "A", "B" };
    cr_assert_eq (us_allocate_split (shares, w12, ab, 2, 10), 0);
    cr_assert (shares [0] == 3 && shares [1] == 7);
}

/* Zero weights get zero; all-zero weights are an error. */
Test (allocate, zero_weights)
{
    int64_t shares [4];
    const char *keys [] = { "A", "B", "C", "D" };
    const int64_t some [] = { 0, 3, 0, 1 };
    cr_assert_eq (us_allocate_split (shares, some, keys, 4, 9), 0);
    cr_assert (shares [0] == 0 && shares [2] == 0);
    cr_assert_eq (shares [1] + shares [3], 9);
    cr_assert (shares [1] == 7 && shares [3] == 2);

    const int64_t none [] = { 0, 0, 0, 0 };
    cr_assert_eq (us_allocate_split (shares, none, keys, 4, 9), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "zero"));
    cr_assert_eq (us_allocate_split (shares, none, keys, 0, 9), US_EINVAL, "no units at all");

    const int64_t negative [] = { 1, -1, 1, 1 };
    cr_assert_eq (us_allocate_split (shares, negative, keys, 4, 9), US_EINVAL);
    cr_assert_eq (us_allocate_split (shares, some, keys, 4, -1), US_EINVAL);
}

/* One unit gets everything; a zero total gives zeros. */
Test (allocate, one_unit)
{
    int64_t share;
    const int64_t w = 12;
    const char *key = "QT.DONGHA";
    cr_assert_eq (us_allocate_split (&share, &w, &key, 1, 2700), 0);
    cr_assert_eq (share, 2700);
    cr_assert_eq (us_allocate_split (&share, &w, &key, 1, 0), 0);
    cr_assert_eq (share, 0);
}

/* Totals and weights far beyond 64-bit products still split exactly. */
Test (allocate, large_numbers)
{
    int64_t shares [3];
    const char *keys [] = { "A", "B", "C" };
    const int64_t w [] = { 1000000000000000000LL, 3000000000000000000LL, 7 };
    int64_t total = 1000000000000000LL;
    cr_assert_eq (us_allocate_split (shares, w, keys, 3, total), 0, "%s", us_error_msg ());
    cr_assert_eq (shares [0] + shares [1] + shares [2], total);
    cr_assert_eq (shares [0], 250000000000000LL);
    cr_assert_eq (shares [1], 750000000000000LL);
    cr_assert_eq (shares [2], 0);
    const int64_t huge [] = { INT64_MAX, INT64_MAX, INT64_MAX };
    cr_assert_eq (us_allocate_split (shares, huge, keys, 3, 5), US_EINVAL, "sum overflows");
}

/* A province with four district and sector units and one grassroots union. */
typedef struct {
    char dir [64];
    us_pstore_t *store;
} s_fixture_t;

/* Enters one figure as a province correction. */
static void
s_put (us_pstore_t *store, const char *unit, const char *month, const char *ind,
       const char *value)
{
    us_hlc_t clock = { 0, 0 };
    us_merge_result_t result;
    cr_assert_eq (us_merge_correct (&result, store, unit, month, ind, value, "test figures",
                                    "tester", false, &clock), 0, "%s", us_error_msg ());
}

/* Builds the store: 2021 figures of new members 260, 150, 0 and none. */
static void
s_fixture_open (s_fixture_t *f)
{
    char path [128], csv [128];
    us_test_tmpdir (f->dir, sizeof f->dir);
    cr_assert_eq (us_pstore_create (&f->store, us_test_path (path, sizeof path, f->dir, "p.db"),
                                    "QT", "Liên đoàn Lao động tỉnh Quảng Trị"), 0);
    us_test_write (us_test_path (csv, sizeof csv, f->dir, "units.csv"),
        "id,name,parent,kind\n"
        "QT.DONGHA,LĐLĐ thành phố Đông Hà,QT,district\n"
        "QT.GIOLINH,LĐLĐ huyện Gio Linh,QT,district\n"
        "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district\n"
        "QT.CDN.YTE,Công đoàn ngành Y tế,QT,sector\n"
        "QT.CDN.YTE.BV,Công đoàn Bệnh viện tỉnh,QT.CDN.YTE,grassroots\n");
    int count;
    cr_assert_eq (us_pstore_import_units (f->store, &count, csv), 0, "%s", us_error_msg ());
    s_put (f->store, "QT.DONGHA", "2021-03", "members.new", "260");
    s_put (f->store, "QT.GIOLINH", "2021-05", "members.new", "150");
    s_put (f->store, "QT.DAKRONG", "2021-05", "members.new", "0");
    s_put (f->store, "QT.CDN.YTE", "2022-02", "members.new", "40");
}

/* Removes the store. */
static void
s_fixture_close (s_fixture_t *f)
{
    us_pstore_destroy (&f->store);
    us_test_rmtree (f->dir);
}

/* Returns the row of a unit in a split. */
static const us_allocate_row_t *
s_row (const us_allocate_t *a, const char *unit)
{
    for (size_t k = 0; k < a->count; k++)
        if (strcmp (a->rows [k].unit, unit) == 0)
            return &a->rows [k];
    cr_assert_fail ("no row for %s", unit);
    return NULL;
}

/* By last year's figures: 1000 by 260:150:0 (and the sector with no
   figure); applying it sets every unit's target. */
Test (allocate, by_last_year)
{
    s_fixture_t f;
    s_fixture_open (&f);
    us_allocate_t *a;
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "members.new", "2022", 1000,
                                         US_SOURCE_PROVINCE, "members.new"), 0, "%s", us_error_msg ());
    cr_assert_eq (a->count, 4, "districts and sectors only, not the grassroots union");
    cr_assert_not_null (strstr (a->basis, "2021 (the same period last year)"), "%s", a->basis);
    cr_assert_eq (s_row (a, "QT.DONGHA")->share, 634);
    cr_assert_eq (s_row (a, "QT.GIOLINH")->share, 366);
    cr_assert_eq (s_row (a, "QT.DAKRONG")->share, 0);
    cr_assert (s_row (a, "QT.DAKRONG")->has_weight);
    cr_assert_eq (s_row (a, "QT.CDN.YTE")->share, 0);
    cr_assert_not (s_row (a, "QT.CDN.YTE")->has_weight);

    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_allocate_print (a, c.f), 0);
    us_test_capture_close (&c);
    cr_assert_not_null (strstr (c.buf, "Split of 1000 members.new for 2022 (province targets) among 4 units"));
    cr_assert_not_null (strstr (c.buf, "LĐLĐ thành phố Đông Hà"));
    cr_assert_not_null (strstr (c.buf, "634"), "%s", c.buf);
    free (c.buf);

    sqlite3 *db = us_pstore_db (f.store);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM targets"), 0, "nothing written before apply");
    size_t written;
    cr_assert_eq (us_allocate_apply (a, f.store, &written), 0, "%s", us_error_msg ());
    cr_assert_eq (written, 4);
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, f.store, "2022", NULL), 0);
    double pct;
    cr_assert (us_report_achievement (&pct, r, "QT.CDN.YTE", "members.new", US_SOURCE_PROVINCE) == false);
    us_report_destroy (&r);
    cr_assert_eq (us_test_int (db, "SELECT lo FROM targets t JOIN units u ON u.id = t.unit_id"
                                   " WHERE u.code = 'QT.DONGHA' AND t.source = 'province'"
                                   " AND t.period = '2022'"), 634);
    cr_assert_eq (us_test_int (db, "SELECT SUM(lo) FROM targets"), 1000);
    us_allocate_destroy (&a);
    cr_assert_null (a);
    s_fixture_close (&f);
}

/* Applying a split is all or nothing: when one unit's target cannot be
   written (here the unit was removed after the split was made), no unit
   gets a target and the targets written before stay as they were. */
Test (allocate, apply_all_or_nothing)
{
    s_fixture_t f;
    s_fixture_open (&f);
    sqlite3 *db = us_pstore_db (f.store);
    cr_assert_eq (us_pstore_target_set (f.store, "QT.DONGHA", "members.new", "2022", "5", "province"), 0);
    us_allocate_t *a;
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "members.new", "2022", 1000,
                                         US_SOURCE_PROVINCE, "members.new"), 0, "%s", us_error_msg ());
    cr_assert_eq (a->count, 4);
    snprintf (a->rows [a->count - 1].unit, sizeof a->rows [0].unit, "QT.GONE");
    size_t written = 99;
    cr_assert_eq (us_allocate_apply (a, f.store, &written), US_ENOTFOUND);
    cr_assert_eq (written, 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM targets"), 1);
    cr_assert_eq (us_test_int (db, "SELECT lo FROM targets"), 5, "the earlier target is untouched");
    cr_assert_eq (us_test_int (db, "SELECT version FROM targets"), 1);
    cr_assert (sqlite3_get_autocommit (db), "no transaction left open");
    /* Outside a transaction, a target is never written half-way. */
    cr_assert_eq (us_pstore_target_put (f.store, "QT.DONGHA", "members.new", "2022", "7",
                                        "province"), US_EIO);
    cr_assert_eq (us_test_int (db, "SELECT lo FROM targets"), 5);
    us_allocate_destroy (&a);
    s_fixture_close (&f);
}

/* With no figures a year earlier, the period's own figures are the weights,
   and the basis says so; a ratio, an unknown indicator and no figures at
   all are refused. */
Test (allocate, by_period_itself)
{
    s_fixture_t f;
    s_fixture_open (&f);
    us_allocate_t *a;
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "members.new", "2024-Q1", 12,
                                         US_SOURCE_TLD, "members.new"), US_EINVAL);
    cr_assert_null (a);
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "members.new", "2022-02", 12,
                                         US_SOURCE_TLD, "members.new"), 0, "%s", us_error_msg ());
    cr_assert_not_null (strstr (a->basis, "2022-02 itself"), "%s", a->basis);
    cr_assert_eq (s_row (a, "QT.CDN.YTE")->share, 12);
    us_allocate_destroy (&a);
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "cla.coverage", "2022", 12,
                                         US_SOURCE_TLD, "members.new"), US_EINVAL);
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "no.such", "2022", 12,
                                         US_SOURCE_TLD, "members.new"), US_ENOTFOUND);
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "members.new", "2022", 12,
                                         US_SOURCE_TLD, "no.such"), US_ENOTFOUND);
    s_fixture_close (&f);
}

/* A weights file with a header and decimals; units left out weigh 0. */
Test (allocate, by_weights_file)
{
    s_fixture_t f;
    s_fixture_open (&f);
    char path [128];
    us_test_write (us_test_path (path, sizeof path, f.dir, "w.csv"),
                   "unit,weight\nQT.DONGHA,1.5\nQT.GIOLINH,1\nQT.CDN.YTE,0.5\n");
    us_allocate_t *a;
    cr_assert_eq (us_allocate_by_weights (&a, f.store, "cdcs.new", "2022", 31,
                                          US_SOURCE_COMMITTED, path), 0, "%s", us_error_msg ());
    /* 31 by 3:2:1 is 15.5, 10.33, 5.17: D.H. 15, G.L. 10, Y tế 5, and the
       one left goes to the largest remainder (Đông Hà). */
    cr_assert_eq (s_row (a, "QT.DONGHA")->share, 16);
    cr_assert_eq (s_row (a, "QT.GIOLINH")->share, 10);
    cr_assert_eq (s_row (a, "QT.CDN.YTE")->share, 5);
    cr_assert_eq (s_row (a, "QT.DAKRONG")->share, 0);
    cr_assert_not (s_row (a, "QT.DAKRONG")->has_weight);
    cr_assert_eq (s_row (a, "QT.DONGHA")->weight, 1500000);
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_allocate_print (a, c.f), 0);
    us_test_capture_close (&c);
    cr_assert_not_null (strstr (c.buf, "1.5"), "%s", c.buf);
    cr_assert_not_null (strstr (c.buf, "committed"), "%s", c.buf);
    free (c.buf);
    us_allocate_destroy (&a);

    static const char *bad [] = {
        "QT.DONGHA,1\nQT.NOWHERE,2\n",              /* not a unit of the province */
        "QT.DONGHA,1\nQT.CDN.YTE.BV,2\n",           /* a grassroots union */
        "QT.DONGHA,1\nQT.DONGHA,2\n",               /* twice */
        "QT.DONGHA,-1\n",                           /* negative */
        "QT.DONGHA,abc\n",                          /* not a number */
        "QT.DONGHA,1.1234567\n",                    /* too many decimals */
        "QT.DONGHA,1,2\n",                          /* too many fields */
        "QT.DONGHA,0\nQT.GIOLINH,0\n",              /* zero in total */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad [0]; k++) {
        us_test_write (path, bad [k]);
        cr_assert_eq (us_allocate_by_weights (&a, f.store, "cdcs.new", "2022", 31,
                                              US_SOURCE_COMMITTED, path), US_EINVAL,
                      "case %zu accepted", k);
        cr_assert_null (a);
    }
    cr_assert_eq (us_test_int (us_pstore_db (f.store), "SELECT COUNT(*) FROM targets"), 0);
    s_fixture_close (&f);
}

/* Which units get a share is data: the units of every reporting kind
   directly under the province, so the commune and park unions of the 2025
   tree get theirs, and a kind the province marks as not reporting gets
   none. */
Test (allocate, shares_follow_unit_kinds)
{
    s_fixture_t f;
    s_fixture_open (&f);
    char csv [160];
    int count;
    us_test_write (us_test_path (csv, sizeof csv, f.dir, "u2.csv"),
        "QT.XA.CUAVIET,Công đoàn xã Cửa Việt,QT,commune\n"
        "QT.KCN,Công đoàn các khu công nghiệp,QT,park\n");
    cr_assert_eq (us_pstore_import_units (f.store, &count, csv), 0, "%s", us_error_msg ());
    s_put (f.store, "QT.XA.CUAVIET", "2021-04", "members.new", "100");
    us_allocate_t *a;
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "members.new", "2022", 1020,
                                         US_SOURCE_PROVINCE, "members.new"), 0, "%s", us_error_msg ());
    cr_assert_eq (a->count, 6);
    cr_assert_eq (s_row (a, "QT.XA.CUAVIET")->share, 200);
    cr_assert_eq (s_row (a, "QT.KCN")->share, 0);
    us_allocate_destroy (&a);
    us_test_write (us_test_path (csv, sizeof csv, f.dir, "k.csv"), "park,Công đoàn KCN,1,0\n");
    cr_assert_eq (us_pstore_import_kinds (f.store, &count, csv), 0, "%s", us_error_msg ());
    cr_assert_eq (us_allocate_by_figure (&a, f.store, "members.new", "2022", 1020,
                                         US_SOURCE_PROVINCE, "members.new"), 0, "%s", us_error_msg ());
    cr_assert_eq (a->count, 5, "the park union no longer reports");
    us_allocate_destroy (&a);
    s_fixture_close (&f);
}
