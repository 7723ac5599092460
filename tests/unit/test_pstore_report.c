/*  Unit tests for us_pstore_report and the scan of us_report_rows: a
    report loaded folded (one row per unit and indicator) is the report
    loaded month by month, in a real provincial store whose tree was
    reorganised (merges, splits with shares per indicator, moves, renames,
    an end with no successor) and whose figures include cleared cells. */
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_merge.h"
#include "us_period.h"
#include "us_print.h"
#include "us_pstore.h"
#include "us_pstore_events.h"
#include "us_pstore_report.h"
#include "us_pstore_sql.h"
#include "us_report.h"
#include "us_report_rows.h"

#include "us_test.h"
#include "us_test_province.h"

#include <stdint.h>

#define UNITS_CSV \
    "id,name,parent,kind,valid_from\n" \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province,\n" \
    "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district,\n" \
    "QT.HUONGHOA,LĐLĐ huyện Hướng Hóa,QT,district,\n" \
    "QT.CAMLO,LĐLĐ huyện Cam Lộ,QT,district,\n" \
    "QT.DAKRONG.CS1,CĐCS Công ty Cao su,QT.DAKRONG,grassroots,\n" \
    "QT.CAMLO.CS2,CĐCS Trường THPT Cam Lộ,QT.CAMLO,grassroots,\n" \
    "QT.X.KHESANH,Công đoàn xã Khe Sanh,QT,commune,2025-07\n" \
    "QT.X.LAOBAO,Công đoàn xã Lao Bảo,QT,commune,2025-07\n"

/* The figures entered: flows, a stock, the parts of a ratio (its part
   entered with its whole, as the catalog's rule wants) and of a formula;
   none for the ratio or the formula themselves. */
static const char *s_inds [] = { "members.new", "cdcs.new", "members.total",
                                 "cdcs.cla_eligible", "cla.signed.a", "cla.signed.b" };

static char s_dir [64];
static us_pstore_t *s_store;

/* Enters one figure (NULL clears it) as a province correction. */
static void
s_put (const char *unit, int month, const char *ind, const char *value)
{
    char m [8];
    us_month_format (m, month);
    us_hlc_t clock = { 0, 0 };
    us_merge_result_t result;
    cr_assert_eq (us_merge_correct (&result, s_store, unit, m, ind, value, "test figures",
                                    "tester", false, &clock), 0,
                  "set %s %s %s: %s", unit, m, ind, us_error_msg ());
    cr_assert_neq (result.result.outcome, US_OUTCOME_REJECTED, "%s %s %s rejected: %s", unit, m,
                   ind, result.reason);
}

/* Runs expr in a transaction, committed when it returns 0. */
static void
s_tx (int rc)
{
    if (rc) {
        us_pstore_rollback (s_store);
        cr_assert_fail ("%s", us_error_msg ());
    }
    cr_assert_eq (us_pstore_commit (s_store), 0, "%s", us_error_msg ());
}

/* Returns month text as a month number. */
static int
s_month (const char *text)
{
    int m;
    cr_assert_eq (us_month_parse (&m, text), 0, "%s", text);
    return m;
}

/* Builds the store: figures of 2024-10..2025-12 for the old units (some
   after the reorganisation took them out of force, some cleared), of
   2025-07.. for the communes, then the 2025-07 reorganisation. */
static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_province (&s_store, s_dir, UNITS_CSV);
    static const char *old [] = { "QT", "QT.DAKRONG", "QT.HUONGHOA", "QT.CAMLO", "QT.DAKRONG.CS1",
                                  "QT.CAMLO.CS2" };
    static const char *fresh [] = { "QT.X.KHESANH", "QT.X.LAOBAO" };
    int first = s_month ("2024-10"), july = s_month ("2025-07"), last = s_month ("2025-12");
    unsigned seed = 7;
    char value [32];
    for (int m = first; m <= last; m++)
        for (size_t i = 0; i < sizeof s_inds / sizeof s_inds [0]; i++) {
            for (size_t u = 0; u < 6 + (m >= july ? 2 : 0); u++) {
                seed = seed * 1103515245u + 12345u;
                if ((seed >> 16) % 5 == 0)
                    continue;           /* a gap: not every month is entered */
                const char *unit = u < 6 ? old [u] : fresh [u - 6];
                /* Odd figures, so that a split's shares need the largest remainder. */
                unsigned v = (seed >> 8) % 997 + 3;
                snprintf (value, sizeof value, "%u", v);
                s_put (unit, m, s_inds [i], value);
                if (i == 3) {
                    snprintf (value, sizeof value, "%u", v / 2);
                    s_put (unit, m, "cdcs.with_cla", value);
                }
            }
        }
    /* Cleared figures are no figures, folded or not. */
    s_put ("QT.CAMLO", s_month ("2025-03"), "members.new", "41");
    s_put ("QT.CAMLO", s_month ("2025-03"), "members.new", NULL);
    s_put ("QT.HUONGHOA", s_month ("2025-12"), "members.total", "500");
    s_put ("QT.HUONGHOA", s_month ("2025-12"), "members.total", NULL);

    us_pstore_share_t sh [US_MAX_SHARES];
    size_t n;
    cr_assert_eq (us_pstore_begin (s_store), 0);
    s_tx (us_pstore_unit_merge (s_store, "QT.DAKRONG", "QT.X.KHESANH", july));
    cr_assert_eq (us_pstore_shares_parse (sh, &n, US_MAX_SHARES, "QT.X.KHESANH=0.6,QT.X.LAOBAO=0.4"), 0);
    cr_assert_eq (us_pstore_begin (s_store), 0);
    s_tx (us_pstore_unit_split (s_store, "QT.HUONGHOA", sh, n, "", july));
    cr_assert_eq (us_pstore_shares_parse (sh, &n, US_MAX_SHARES, "QT.X.KHESANH=0.7,QT.X.LAOBAO=0.3"), 0);
    cr_assert_eq (us_pstore_begin (s_store), 0);
    s_tx (us_pstore_unit_split (s_store, "QT.HUONGHOA", sh, n, "members.new", july));
    cr_assert_eq (us_pstore_begin (s_store), 0);
    s_tx (us_pstore_unit_move (s_store, "QT.CAMLO.CS2", "QT.X.LAOBAO", july + 2));
    cr_assert_eq (us_pstore_begin (s_store), 0);
    s_tx (us_pstore_unit_rename (s_store, "QT.CAMLO", "LĐLĐ huyện Cam Lộ (mới)", july + 1));
    cr_assert_eq (us_pstore_begin (s_store), 0);
    s_tx (us_pstore_unit_end (s_store, "QT.CAMLO", july + 4));
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2025", "9000", "province"), 0);
}

/* Closes and removes the store. */
static void
s_teardown (void)
{
    us_pstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (pstore_report, .init = s_setup, .fini = s_teardown);

/* Prints a report as JSON into a new string the caller frees. */
static char *
s_json (const us_report_t *r, const us_mapping_t *mapping)
{
    us_test_capture_t c;
    us_test_capture_open (&c);
    us_print_opts_t opts = { NULL, NULL, mapping };
    cr_assert_eq (us_print (r, c.f, US_FORMAT_JSON, &opts), 0, "%s", us_error_msg ());
    us_test_capture_close (&c);
    return c.buf;
}

/* Loads period as the tree stood in month tree, folded or not, and
   computes its report; *n_cells gets the rows loaded. */
static us_report_t *
s_report (const char *period, int tree, bool fold, us_mapping_t *mapping, size_t *n_cells)
{
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, period), 0);
    us_report_data_t data = { 0 };
    int rc = fold ? us_pstore_report_load_one (s_store, &data, p.first, p.last, tree, mapping)
                  : us_pstore_report_load_at (s_store, &data, p.first, p.last, tree, mapping);
    cr_assert_eq (rc, 0, "%s: %s", period, us_error_msg ());
    *n_cells = data.n_cells;
    us_report_t *r;
    cr_assert_eq (us_report_compute (&r, &data, p.text, NULL), 0, "%s", us_error_msg ());
    us_report_data_free (&data);
    return r;
}

/* Asserts that the folded load of period gives the month-by-month load's
   report: every figure, reason, target and mapping note. Returns how many
   units were mapped. */
static size_t
s_same (const char *period, const char *tree_text)
{
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, period), 0);
    int tree = tree_text ? s_month (tree_text) : p.last;
    us_mapping_t m_rows = { 0 }, m_fold = { 0 };
    size_t n_rows, n_fold;
    us_report_t *rows = s_report (period, tree, false, &m_rows, &n_rows);
    us_report_t *fold = s_report (period, tree, true, &m_fold, &n_fold);
    cr_assert_eq (us_report_units (fold), us_report_units (rows), "%s", period);
    cr_assert_eq (us_report_indicators (fold), us_report_indicators (rows));
    int figures = 0;
    for (size_t u = 0; u < us_report_units (rows); u++)
        for (size_t i = 0; i < us_report_indicators (rows); i++) {
            double a = 0, b = 0;
            bool has_a = us_report_cell (&a, rows, u, i), has_b = us_report_cell (&b, fold, u, i);
            us_report_unit_t info;
            us_report_unit (&info, rows, u);
            cr_assert_eq (has_a, has_b, "%s at %s: %s %s", period, tree_text ? tree_text : "its end",
                          info.code, us_report_indicator (rows, i)->code);
            cr_assert (a == b, "%s: %s %s: %.1f month by month, %.1f folded", period, info.code,
                       us_report_indicator (rows, i)->code, a, b);
            cr_assert_eq (us_report_cell_reason (rows, u, i), us_report_cell_reason (fold, u, i));
            figures += has_a;
        }
    cr_assert_gt (figures, 0, "%s has figures", period);
    cr_assert_eq (m_fold.n, m_rows.n, "%s: the same units mapped", period);
    for (size_t k = 0; k < m_rows.n; k++) {
        cr_assert_str_eq (m_fold.notes [k].unit, m_rows.notes [k].unit);
        cr_assert_str_eq (m_fold.notes [k].how, m_rows.notes [k].how);
        cr_assert_eq (m_fold.notes [k].cells, m_rows.notes [k].cells, "%s: figures mapped of %s",
                      period, m_rows.notes [k].unit);
    }
    char *a = s_json (rows, &m_rows), *b = s_json (fold, &m_fold);
    cr_assert_str_eq (b, a, "%s: the JSON reports differ", period);
    if (us_period_months (&p) > 1)
        cr_assert_lt (n_fold, n_rows, "%s: %zu rows folded, %zu month by month", period, n_fold,
                      n_rows);
    free (a);
    free (b);
    size_t mapped = m_rows.n;
    us_mapping_free (&m_rows);
    us_mapping_free (&m_fold);
    us_report_destroy (&rows);
    us_report_destroy (&fold);
    return mapped;
}

/* Every kind of period, each at its own end and as a comparison sees it
   (the earlier year through today's tree). */
Test (pstore_report, folded_is_month_by_month)
{
    static const char *periods [] = { "2025", "2025-H1", "2025-H2", "2025-Q3", "2025-Q4",
                                      "2025-06", "2025-07", "2025-09", "2025-12",
                                      "2024-11..2025-08", "2024-10..2025-12", "2024", "2024-Q4" };
    /* On one connection, then with every scan split over two. */
    for (int split = 0; split < 2; split++) {
        us_pstore_report_split_from (split ? 0 : SIZE_MAX);
        for (size_t k = 0; k < sizeof periods / sizeof periods [0]; k++) {
            s_same (periods [k], NULL);
            s_same (periods [k], "2025-12");
            s_same (periods [k], "2026-06");
        }
    }
    cr_assert_eq (s_same ("2025", NULL), 3, "merged, split and ended units are mapped");
    cr_assert_eq (s_same ("2024", "2025-07"), 2);
    cr_assert_eq (s_same ("2025-H1", "2025-08"), 2, "the end comes later");
}

/* Through us_pstore_report_build: the report of a reorganised year has the
   communes' figures with their predecessors' mapped in, and the year's
   target. */
Test (pstore_report, build_folds)
{
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, s_store, "2025", NULL), 0, "%s", us_error_msg ());
    double v, pct;
    cr_assert (us_report_value (&v, r, "QT.X.KHESANH", "members.new"));
    cr_assert (us_report_value (&v, r, "QT", "members.total"));
    cr_assert (us_report_achievement (&pct, r, "QT", "members.new", US_SOURCE_PROVINCE));
    cr_assert (!us_report_value (&v, r, "QT.DAKRONG", "members.new"), "merged away");
    us_report_destroy (&r);
    cr_assert_eq (us_pstore_report_build (&r, s_store, "2025-13", NULL), US_EINVAL);
    cr_assert_null (r);
    cr_assert_eq (us_pstore_report_build (&r, s_store, "2025", "QT.NOWHERE"), US_ENOTFOUND);
    cr_assert_null (r);
}

/* The store's scan function takes figures only from a loader: called from
   SQL outside one, or from a view, it fails with a clear error; a loader
   then still works. */
Test (pstore_report, scan_function_refuses)
{
    sqlite3 *db = us_pstore_db (s_store);
    char *err = NULL;
    cr_assert_neq (sqlite3_exec (db, "SELECT us_report_scan (1, 1, 24000, 5)", NULL, NULL, &err),
                   SQLITE_OK);
    cr_assert (err && strstr (err, "only inside a report's loader"), "%s", err ? err : "(none)");
    sqlite3_free (err);
    err = NULL;
    int rc = sqlite3_exec (db, "CREATE TEMP VIEW v AS SELECT us_report_scan (unit_id, ind_id,"
                               " month, value) FROM cells; SELECT * FROM v", NULL, NULL, &err);
    cr_assert_neq (rc, SQLITE_OK, "the function is for the loaders' own SQL only");
    sqlite3_free (err);
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, s_store, "2025-Q3", NULL), 0, "%s", us_error_msg ());
    us_report_destroy (&r);
}

/* The scan alone: flows add up, a stock keeps its latest month whatever
   the order, computed and unknown indicators are left out as the engine
   leaves them, units out of force and unknown units keep their rows. */
Test (pstore_report, scan_folds)
{
    us_report_data_t data = { 0 };
    us_report_unit_row_t *u;
    const char *codes [] = { "A", "B", "C" };
    for (int k = 0; k < 3; k++) {
        u = us_report_data_add (data.units, data.n_units, data.cap_units);
        cr_assert_not_null (u);
        u->id = k + 1;
        snprintf (u->code, sizeof u->code, "%s", codes [k]);
    }
    snprintf (data.units [2].valid_to, sizeof data.units [2].valid_to, "2025-06");
    us_indicator_t ind = { 0 };
    us_kind_t kinds [] = { US_KIND_FLOW, US_KIND_STOCK, US_KIND_RATIO };
    for (int k = 0; k < 3; k++) {
        snprintf (ind.code, sizeof ind.code, "i%d", k);
        ind.kind = kinds [k];
        cr_assert_eq (us_report_data_add_indicator (&data, &ind, 10 + k), 0);
    }
    int jul = s_month ("2025-07");
    us_report_scan_t *scan = us_report_scan_new (&data, true, jul);
    cr_assert_not_null (scan);
    /* unit, indicator, month offset, value */
    static const int64_t feed [] [4] = {
        { 1, 10, 0, 5 }, { 1, 10, 2, 7 }, { 1, 10, 1, -2 },     /* flow: 10 at month 2 */
        { 1, 11, 2, 40 }, { 1, 11, 0, 30 }, { 1, 11, 1, 35 },   /* stock: 40 at month 2 */
        { 2, 11, 1, 0 },                                        /* a zero is a figure */
        { 1, 12, 0, 99 }, { 1, 77, 0, 99 },                     /* computed, unknown */
        { 3, 10, 0, 4 }, { 3, 10, 1, 6 },                       /* out of force: rows */
        { 9, 10, 0, 1 } };                                      /* unknown unit: a row */
    for (size_t k = 0; k < sizeof feed / sizeof feed [0]; k++)
        cr_assert_eq (us_report_scan_cell (scan, feed [k] [0], feed [k] [1], jul + (int) feed [k] [2],
                                           feed [k] [3]), 0);
    cr_assert_eq (us_report_scan_finish (scan), 0);
    us_report_scan_destroy (&scan);
    us_report_scan_destroy (&scan);
    cr_assert_null (scan);
    static const int64_t want [] [4] = {
        { 3, 10, 0, 4 }, { 3, 10, 1, 6 }, { 9, 10, 0, 1 },
        { 1, 10, 2, 10 }, { 1, 11, 2, 40 }, { 2, 11, 1, 0 } };
    cr_assert_eq (data.n_cells, sizeof want / sizeof want [0]);
    for (size_t k = 0; k < data.n_cells; k++) {
        const us_report_cell_row_t *c = &data.cells [k];
        cr_assert (c->unit_id == want [k] [0] && c->ind_id == want [k] [1]
                   && c->month == jul + (int) want [k] [2] && c->value == want [k] [3],
                   "row %zu: %lld %lld %d %lld", k, (long long) c->unit_id,
                   (long long) c->ind_id, c->month - jul, (long long) c->value);
    }
    /* Unfolded, every figure is a row as it came. */
    data.n_cells = 0;
    scan = us_report_scan_new (&data, false, jul);
    cr_assert_not_null (scan);
    for (size_t k = 0; k < sizeof feed / sizeof feed [0]; k++)
        cr_assert_eq (us_report_scan_cell (scan, feed [k] [0], feed [k] [1], jul + (int) feed [k] [2],
                                           feed [k] [3]), 0);
    cr_assert_eq (us_report_scan_finish (scan), 0);
    us_report_scan_destroy (&scan);
    cr_assert_eq (data.n_cells, sizeof feed / sizeof feed [0]);
    cr_assert_eq (data.cells [2].value, -2);
    us_report_data_free (&data);
}

/* Feeds rows of feed (unit, indicator, month offset, value, in month
   order) into a scan of data: those before month offset cut into the
   scan, the rest into a fork of it merged back (none when cut is past
   them all); then finishes. */
static void
s_scan_split (us_report_data_t *data, bool fold, int jul, const int64_t (*feed) [4], size_t n,
              int cut)
{
    us_report_scan_t *scan = us_report_scan_new (data, fold, jul);
    cr_assert_not_null (scan);
    us_report_scan_t *later = us_report_scan_fork (scan);
    cr_assert_not_null (later);
    for (size_t k = 0; k < n; k++)
        cr_assert_eq (us_report_scan_cell (feed [k] [2] < cut ? scan : later, feed [k] [0],
                                           feed [k] [1], jul + (int) feed [k] [2], feed [k] [3]), 0);
    cr_assert_eq (us_report_scan_merge (scan, later), 0);
    us_report_scan_destroy (&later);
    us_report_scan_destroy (&later);
    cr_assert_null (later);
    cr_assert_eq (us_report_scan_finish (scan), 0);
    us_report_scan_destroy (&scan);
}

/* A scan split at any month and merged back gives the rows of one scan,
   in the same order: flows added across the cut, a stock's later figure
   kept, a figure on one side only kept, rows of units out of force and
   unknown ones in month order; folded or not. */
Test (pstore_report, scan_fork_merges_as_one)
{
    us_report_data_t data = { 0 };
    const char *codes [] = { "A", "B", "C" };
    for (int k = 0; k < 3; k++) {
        us_report_unit_row_t *u = us_report_data_add (data.units, data.n_units, data.cap_units);
        cr_assert_not_null (u);
        u->id = k + 1;
        snprintf (u->code, sizeof u->code, "%s", codes [k]);
    }
    snprintf (data.units [2].valid_to, sizeof data.units [2].valid_to, "2025-06");
    us_indicator_t ind = { 0 };
    us_kind_t kinds [] = { US_KIND_FLOW, US_KIND_STOCK, US_KIND_FLOW, US_KIND_STOCK };
    for (int k = 0; k < 4; k++) {
        snprintf (ind.code, sizeof ind.code, "i%d", k);
        ind.kind = kinds [k];
        cr_assert_eq (us_report_data_add_indicator (&data, &ind, 10 + k), 0);
    }
    int jul = s_month ("2025-07");
    /* unit, indicator, month offset, value: in month order, as SQLite reads them */
    static const int64_t feed [] [4] = {
        { 1, 10, 0, 5 }, { 1, 11, 0, 30 }, { 1, 12, 0, 8 }, { 2, 13, 0, 3 }, { 3, 10, 0, 4 },
        { 9, 10, 0, 1 },
        { 1, 10, 1, -2 }, { 1, 11, 1, 35 }, { 2, 11, 1, 0 }, { 3, 10, 1, 6 },
        { 1, 10, 2, 7 }, { 1, 11, 2, 40 }, { 2, 12, 2, 9 }, { 3, 11, 2, 2 }, { 9, 10, 2, 1 },
        { 1, 10, 3, 11 }, { 2, 11, 3, 50 } };
    size_t n = sizeof feed / sizeof feed [0];
    for (int fold = 0; fold < 2; fold++) {
        data.n_cells = 0;
        s_scan_split (&data, fold, jul, feed, n, 99);      /* one scan */
        size_t n_one = data.n_cells;
        us_report_cell_row_t one [32];
        cr_assert_leq (n_one, 32);
        memcpy (one, data.cells, n_one * sizeof one [0]);
        for (int cut = 0; cut <= 4; cut++) {
            data.n_cells = 0;
            s_scan_split (&data, fold, jul, feed, n, cut);
            cr_assert_eq (data.n_cells, n_one, "fold %d, cut at %d: %zu rows, %zu in one scan",
                          fold, cut, data.n_cells, n_one);
            for (size_t k = 0; k < n_one; k++) {
                const us_report_cell_row_t *a = &one [k], *b = &data.cells [k];
                cr_assert (a->unit_id == b->unit_id && a->ind_id == b->ind_id
                           && a->month == b->month && a->value == b->value,
                           "fold %d, cut at %d, row %zu: %lld %lld %d %lld, one scan %lld %lld %d %lld",
                           fold, cut, k, (long long) b->unit_id, (long long) b->ind_id,
                           b->month - jul, (long long) b->value, (long long) a->unit_id,
                           (long long) a->ind_id, a->month - jul, (long long) a->value);
            }
        }
        if (fold) {
            /* The flow of unit 1 adds across every cut: 5 - 2 + 7 + 11. */
            bool seen = false;
            for (size_t k = 0; k < n_one; k++)
                if (one [k].unit_id == 1 && one [k].ind_id == 10) {
                    cr_assert_eq (one [k].value, 21);
                    cr_assert_eq (one [k].month, jul + 3);
                    seen = true;
                }
            cr_assert (seen);
        }
    }
    us_report_data_free (&data);
}

/* Enters one figure through another connection to the store. */
static void
s_put_beside (us_pstore_t *other, const char *unit, int month, const char *ind,
              const char *value)
{
    char m [8];
    us_month_format (m, month);
    us_hlc_t clock = { 0, 0 };
    us_merge_result_t result;
    cr_assert_eq (us_merge_correct (&result, other, unit, m, ind, value, "test figures",
                                    "tester", false, &clock), 0, "%s", us_error_msg ());
}

/* Prints the JSON report of period, whose scan splits from figures. */
static char *
s_report_split (const char *period, size_t figures)
{
    us_pstore_report_split_from (figures);
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, s_store, period, NULL), 0, "%s: %s", period,
                  us_error_msg ());
    char *json = s_json (r, NULL);
    us_report_destroy (&r);
    return json;
}

/* A report whose scan is split over two connections is the report of one
   scan, for periods of two months to more than a year; the setting of
   the split is kept and given back. */
Test (pstore_report, split_scan_is_one_scan)
{
    static const char *periods [] = { "2025", "2025-H2", "2025-Q3", "2024-10..2025-12",
                                      "2025-06..2025-07" };
    for (size_t k = 0; k < sizeof periods / sizeof periods [0]; k++) {
        char *one = s_report_split (periods [k], SIZE_MAX);
        char *two = s_report_split (periods [k], 0);
        cr_assert_str_eq (two, one, "%s: the split scan's report differs", periods [k]);
        free (one);
        free (two);
    }
    cr_assert_eq (us_pstore_report_split_from (50000), 0);
    cr_assert_eq (us_pstore_report_split_from (50000), 50000, "the default");
}

/* A year's scan is split over two connections only when both read the
   same snapshot: a figure written by another connection after the
   report's connection began to read is seen by neither half. */
Test (pstore_report, split_scan_reads_one_snapshot)
{
    us_pstore_report_split_from (0);
    char path [128];
    us_test_path (path, sizeof path, s_dir, "province.db");
    us_pstore_t *other;
    cr_assert_eq (us_pstore_open (&other, path), 0, "%s", us_error_msg ());
    us_report_t *before;
    cr_assert_eq (us_pstore_report_build (&before, s_store, "2025", NULL), 0, "%s", us_error_msg ());
    double was;
    cr_assert (us_report_value (&was, before, "QT.X.LAOBAO", "members.new"));
    us_report_destroy (&before);

    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (sqlite3_exec (db, "BEGIN; SELECT COUNT (*) FROM cells", NULL, NULL, NULL),
                  SQLITE_OK);
    /* December is in the later half of the year's months. */
    s_put_beside (other, "QT.X.LAOBAO", s_month ("2025-12"), "members.new", "100000");
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, s_store, "2025", NULL), 0, "%s", us_error_msg ());
    double v;
    cr_assert (us_report_value (&v, r, "QT.X.LAOBAO", "members.new"));
    cr_assert (v == was, "the report read %.0f, the snapshot holds %.0f", v, was);
    us_report_destroy (&r);
    cr_assert_eq (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);

    /* Once the reading ends, the new figure is read whole, split or not. */
    cr_assert_eq (us_pstore_report_build (&r, s_store, "2025", NULL), 0, "%s", us_error_msg ());
    cr_assert (us_report_value (&v, r, "QT.X.LAOBAO", "members.new"));
    cr_assert (v > was + 90000, "%.0f after, %.0f before", v, was);
    us_report_destroy (&r);
    us_pstore_destroy (&other);
}
