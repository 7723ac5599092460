/*  Unit tests for us_report: consolidation over a unit tree, roll-ups over
    periods, targets and achievement, completeness, and the text, JSON and
    CSV printers on the same data, read from a real SQLite file by the
    office's loader. */
#include "us_db.h"
#include "us_error.h"
#include "us_expr.h"
#include "us_dstore_report.h"
#include "us_dstore_schema.h"
#include "us_period.h"
#include "us_print.h"
#include "us_calendar.h"
#include "us_report.h"
#include "us_text.h"

#include "us_test.h"

#include <math.h>

/* Hướng Hóa is stored in NFD (combining marks) on purpose, to check that
   the text table aligns it like the NFC names. */
#define HUONGHOA_NFD "LĐLĐ huyện Hu\xCC\x9Bo\xCC\x9B\xCC\x81ng Ho\xCC\x81" "a"

static char s_dir [64];
static char s_path [128];
static sqlite3 *s_db;

/* Builds a small province:
     1 QT province
       2 QT.DAKRONG district
         4 QT.DAKRONG.CS1 grassroots
       3 QT.HUONGHOA district
         5 QT.HUONGHOA.CS1 grassroots
       6 QT.OLD district, valid until 2021-12
   with flow, stock and ratio indicators, targets and submissions. */
static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (s_path, sizeof s_path, s_dir, "report.db");
    cr_assert_eq (us_db_open (&s_db, s_path, true, 0x55535431), 0, "%s", us_error_msg ());
    cr_assert_eq (us_dstore_schema_create (s_db), 0, "%s", us_error_msg ());
    us_test_exec (s_db,
        "INSERT INTO units (id, code, name, parent_id, kind, valid_from, valid_to) VALUES"
        " (1, 'QT', 'Liên đoàn Lao động tỉnh Quảng Trị', NULL, 'province', '', ''),"
        " (2, 'QT.DAKRONG', 'LĐLĐ huyện Đakrông', 1, 'district', '', ''),"
        " (3, 'QT.HUONGHOA', '" HUONGHOA_NFD "', 1, 'district', '', ''),"
        " (4, 'QT.DAKRONG.CS1', 'CĐCS Công ty Cao su \"Hòa Bình\", Đakrông', 2, 'grassroots', '', ''),"
        " (5, 'QT.HUONGHOA.CS1', 'CĐCS Khe Sanh', 3, 'grassroots', '', ''),"
        " (6, 'QT.OLD', 'LĐLĐ huyện cũ', 1, 'district', '', '2021-12');"
        "INSERT INTO indicators (id, code, name, kind, numerator, denominator, position) VALUES"
        " (10, 'members.new', 'Phát triển đoàn viên mới', 'flow', '', '', 0),"
        " (11, 'members.total', 'Tổng số đoàn viên cuối kỳ', 'stock', '', '', 1),"
        " (12, 'cdcs.cla_eligible', 'CĐCS DN ≥10 lao động', 'stock', '', '', 2),"
        " (13, 'cdcs.with_cla', 'CĐCS DN có TƯLĐTT', 'stock', '', '', 3),"
        " (14, 'cla.coverage', 'Tỷ lệ có TƯLĐTT', 'ratio', 'cdcs.with_cla', 'cdcs.cla_eligible', 4),"
        " (15, 'dialogues.held', 'Cuộc đối thoại', 'flow', '', '', 5);");
    char sql [4096];
    /* members.new (flow) */
    snprintf (sql, sizeof sql,
        "INSERT INTO cells (unit_id, ind_id, month, value) VALUES"
        " (1, 10, %d, 10),"                  /* QT own, 2022-01            */
        " (2, 10, %d, 100), (2, 10, %d, 50), (2, 10, %d, 30),"  /* 01, 02, 07 */
        " (2, 10, %d, 999),"                 /* 2021-12, outside 2022      */
        " (2, 10, %d, NULL),"                /* 2022-04, cleared           */
        " (4, 10, %d, 5),"                   /* CS1 2022-03                */
        " (3, 10, %d, 200),"                 /* HUONGHOA 2022-05           */
        " (5, 10, %d, 7),"                   /* HUONGHOA.CS1 2022-06       */
        " (6, 10, %d, 4444), (6, 10, %d, 3),"/* OLD: 2022-03 and 2021-06   */
        " (2, 10, %d, 6500);",               /* DAKRONG 2015-03 (the term) */
        us_test_month (2022, 1), us_test_month (2022, 1), us_test_month (2022, 2),
        us_test_month (2022, 7), us_test_month (2021, 12), us_test_month (2022, 4),
        us_test_month (2022, 3), us_test_month (2022, 5), us_test_month (2022, 6),
        us_test_month (2022, 3), us_test_month (2021, 6), us_test_month (2015, 3));
    us_test_exec (s_db, sql);
    /* members.total (stock) */
    snprintf (sql, sizeof sql,
        "INSERT INTO cells (unit_id, ind_id, month, value) VALUES"
        " (2, 11, %d, 1000), (2, 11, %d, 1100), (2, 11, %d, 1150),"  /* 01, 03, 06 */
        " (3, 11, %d, 800), (3, 11, %d, 820),"                       /* 02, 05     */
        " (4, 11, %d, 60);",                                         /* 02         */
        us_test_month (2022, 1), us_test_month (2022, 3), us_test_month (2022, 6),
        us_test_month (2022, 2), us_test_month (2022, 5), us_test_month (2022, 2));
    us_test_exec (s_db, sql);
    /* agreement coverage: 24 of 25 eligible unions = 96 %; a stray value
       entered for the ratio itself must be ignored. */
    snprintf (sql, sizeof sql,
        "INSERT INTO cells (unit_id, ind_id, month, value) VALUES"
        " (2, 12, %d, 20), (2, 13, %d, 19), (3, 12, %d, 5), (3, 13, %d, 5),"
        " (2, 14, %d, 50);",
        us_test_month (2022, 6), us_test_month (2022, 6), us_test_month (2022, 6),
        us_test_month (2022, 6), us_test_month (2022, 6));
    us_test_exec (s_db, sql);
    /* targets */
    snprintf (sql, sizeof sql,
        "INSERT INTO targets (unit_id, ind_id, period, first, last, source, lo, hi, is_range) VALUES"
        " (1, 10, '2022', %d, %d, 'tld', 1500, 1500, 0),"
        " (1, 10, '2022-H1', %d, %d, 'tld', 500, 500, 0),"
        " (1, 10, '2022', %d, %d, 'province', 2700, 2700, 0),"
        " (1, 10, '2022-01..2022-05', %d, %d, 'committed', 400, 400, 0),"
        " (1, 10, '2013..2018', %d, %d, 'tld', 6000, 7000, 1),"
        " (2, 10, '2022-H1', %d, %d, 'province', 150, 150, 0),"
        " (3, 10, '2022', %d, %d, 'province', 0, 0, 0);",
        us_test_month (2022, 1), us_test_month (2022, 12),
        us_test_month (2022, 1), us_test_month (2022, 6),
        us_test_month (2022, 1), us_test_month (2022, 12),
        us_test_month (2022, 1), us_test_month (2022, 5),
        us_test_month (2013, 1), us_test_month (2018, 12),
        us_test_month (2022, 1), us_test_month (2022, 6),
        us_test_month (2022, 1), us_test_month (2022, 12));
    us_test_exec (s_db, sql);
    /* submissions: Đakrông submitted the half-year, Hướng Hóa only drafted it */
    snprintf (sql, sizeof sql,
        "INSERT INTO submissions (unit_id, period, first, last, state) VALUES"
        " (2, '2022-H1', %d, %d, 'submitted'),"
        " (3, '2022-H1', %d, %d, 'draft');",
        us_test_month (2022, 1), us_test_month (2022, 6),
        us_test_month (2022, 1), us_test_month (2022, 6));
    us_test_exec (s_db, sql);
}

static void
s_teardown (void)
{
    us_db_close (&s_db);
    us_test_rmtree (s_dir);
}

TestSuite (report, .init = s_setup, .fini = s_teardown);

/* Builds a report, failing the test on error. */
static us_report_t *
s_build (const char *period, const char *unit)
{
    us_report_t *r = NULL;
    int rc = us_dstore_report_build (&r, s_db, period, unit);
    cr_assert_eq (rc, 0, "report %s: %s", period, us_error_msg ());
    cr_assert_not_null (r);
    return r;
}

/* Asserts a unit's consolidated figure. */
static void
s_value_is (const us_report_t *r, const char *unit, const char *ind, double expect)
{
    double v = -1;
    cr_assert (us_report_value (&v, r, unit, ind), "%s %s has no figure", unit, ind);
    cr_assert_float_eq (v, expect, 1e-9, "%s %s = %g, expected %g", unit, ind, v, expect);
}

/* Asserts that a unit has no figure. */
static void
s_no_value (const us_report_t *r, const char *unit, const char *ind)
{
    double v;
    cr_assert_not (us_report_value (&v, r, unit, ind), "%s %s has figure %g", unit, ind, v);
}

/* Asserts an achievement percentage. */
static void
s_pct_is (const us_report_t *r, const char *unit, const char *ind, us_source_t src,
          double expect)
{
    double p = -1;
    cr_assert (us_report_achievement (&p, r, unit, ind, src), "%s %s %s has no achievement",
               unit, ind, us_source_name (src));
    cr_assert_float_eq (p, expect, 1e-9, "%s %s %s = %g, expected %g", unit, ind,
                        us_source_name (src), p, expect);
}

/* Prints a report into a new string the caller frees. */
static char *
s_print (const us_report_t *r, us_format_t format)
{
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_print (r, c.f, format, NULL), 0);
    us_test_capture_close (&c);
    return c.buf;
}

/* A unit's figure is its own value plus its children's; flows sum over the
   months of the year; cleared cells and other years do not count. */
Test (report, flow_year)
{
    us_report_t *r = s_build ("2022", NULL);
    s_value_is (r, "QT.DAKRONG.CS1", "members.new", 5);
    s_value_is (r, "QT.DAKRONG", "members.new", 100 + 50 + 30 + 5);
    s_value_is (r, "QT.HUONGHOA", "members.new", 200 + 7);
    s_value_is (r, "QT", "members.new", 10 + 185 + 207);
    us_report_destroy (&r);
    cr_assert_null (r);
}

/* Flows roll up over halves, quarters, months and month ranges. */
Test (report, flow_periods)
{
    us_report_t *r = s_build ("2022-H1", NULL);
    s_value_is (r, "QT.DAKRONG", "members.new", 155);
    s_value_is (r, "QT", "members.new", 10 + 155 + 207);
    us_report_destroy (&r);

    r = s_build ("2022-Q1", NULL);
    s_value_is (r, "QT.DAKRONG", "members.new", 155);
    s_no_value (r, "QT.HUONGHOA", "members.new");
    s_value_is (r, "QT", "members.new", 165);
    us_report_destroy (&r);

    r = s_build ("2022-Q3", NULL);
    s_value_is (r, "QT", "members.new", 30);
    s_no_value (r, "QT.HUONGHOA", "members.new");
    us_report_destroy (&r);

    r = s_build ("2022-05", NULL);
    s_value_is (r, "QT", "members.new", 200);
    s_no_value (r, "QT.DAKRONG", "members.new");
    us_report_destroy (&r);

    r = s_build ("2022-01..2022-05", NULL);
    s_value_is (r, "QT.DAKRONG", "members.new", 155);
    s_value_is (r, "QT.HUONGHOA", "members.new", 200);
    s_value_is (r, "QT", "members.new", 365);
    us_report_destroy (&r);

    r = s_build ("2021-12..2022-01", NULL);
    s_value_is (r, "QT.DAKRONG", "members.new", 999 + 100);
    us_report_destroy (&r);
}

/* A stock takes each unit's latest month in the period, then sums units. */
Test (report, stock_latest_month)
{
    us_report_t *r = s_build ("2022-Q1", NULL);
    s_value_is (r, "QT.DAKRONG", "members.total", 1100 + 60);
    s_value_is (r, "QT.HUONGHOA", "members.total", 800);
    s_value_is (r, "QT", "members.total", 1160 + 800);
    us_report_destroy (&r);

    r = s_build ("2022-H1", NULL);
    s_value_is (r, "QT.DAKRONG", "members.total", 1150 + 60);
    s_value_is (r, "QT.HUONGHOA", "members.total", 820);
    s_value_is (r, "QT", "members.total", 2030);
    us_report_destroy (&r);

    r = s_build ("2022", NULL);
    s_value_is (r, "QT", "members.total", 2030);
    us_report_destroy (&r);

    r = s_build ("2022-Q2", NULL);
    s_value_is (r, "QT.DAKRONG", "members.total", 1150);
    s_value_is (r, "QT", "members.total", 1150 + 820);
    us_report_destroy (&r);

    r = s_build ("2022-01..2022-02", NULL);
    s_value_is (r, "QT.DAKRONG", "members.total", 1000 + 60);
    us_report_destroy (&r);
}

/* A ratio comes from the consolidated parts (24 / 25 = 96 %), not from an
   average of the units' ratios, and a value entered for it is ignored. */
Test (report, ratio_from_parts)
{
    us_report_t *r = s_build ("2022-H1", NULL);
    s_value_is (r, "QT.DAKRONG", "cla.coverage", 95.0);
    s_value_is (r, "QT.HUONGHOA", "cla.coverage", 100.0);
    s_value_is (r, "QT", "cla.coverage", 96.0);
    s_value_is (r, "QT", "cdcs.with_cla", 24);
    s_value_is (r, "QT", "cdcs.cla_eligible", 25);
    s_no_value (r, "QT.DAKRONG.CS1", "cla.coverage");
    us_report_destroy (&r);

    r = s_build ("2022-Q1", NULL);
    s_no_value (r, "QT", "cla.coverage");
    us_report_destroy (&r);
}

/* The exact period's target beats a containing one; a quarter uses the
   shortest target period that contains it. */
Test (report, target_selection)
{
    us_report_t *r = s_build ("2022-H1", NULL);
    s_pct_is (r, "QT", "members.new", US_SOURCE_TLD, 74.4);        /* 372 / 500  */
    us_report_destroy (&r);

    r = s_build ("2022-Q1", NULL);
    s_pct_is (r, "QT", "members.new", US_SOURCE_TLD, 33.0);        /* 165 / 500  */
    us_report_destroy (&r);

    r = s_build ("2022", NULL);
    s_pct_is (r, "QT", "members.new", US_SOURCE_TLD, 26.8);        /* 402 / 1500 */
    us_report_destroy (&r);

    r = s_build ("2022-Q3", NULL);
    s_pct_is (r, "QT", "members.new", US_SOURCE_TLD, 2.0);         /* 30 / 1500  */
    us_report_destroy (&r);
}

/* Achievement has one decimal, rounded half away from zero, per source. */
Test (report, achievement_one_decimal)
{
    us_report_t *r = s_build ("2022", NULL);
    s_pct_is (r, "QT", "members.new", US_SOURCE_PROVINCE, 14.9);   /* 402 / 2700 = 14.888 */
    double p;
    cr_assert_not (us_report_achievement (&p, r, "QT", "members.new", US_SOURCE_COMMITTED),
                   "the committed target is for January-May only");
    cr_assert_not (us_report_achievement (&p, r, "QT.HUONGHOA", "members.new",
                                          US_SOURCE_PROVINCE), "a zero target has no %%");
    cr_assert_not (us_report_achievement (&p, r, "QT.DAKRONG", "members.new",
                                          US_SOURCE_TLD), "no target, no %%");
    us_report_destroy (&r);

    r = s_build ("2022-01..2022-05", NULL);
    s_pct_is (r, "QT", "members.new", US_SOURCE_COMMITTED, 91.3);  /* 365 / 400 = 91.25 */
    s_pct_is (r, "QT", "members.new", US_SOURCE_TLD, 73.0);        /* 365 / 500 (H1)    */
    us_report_destroy (&r);

    r = s_build ("2022-H1", NULL);
    s_pct_is (r, "QT.DAKRONG", "members.new", US_SOURCE_PROVINCE, 103.3);  /* 155 / 150 */
    us_report_destroy (&r);
}

/* A range target over the congress term is matched for the term and its
   achievement is measured against the minimum. */
Test (report, range_target)
{
    us_report_t *r = s_build ("2013..2018", NULL);
    s_value_is (r, "QT", "members.new", 6500);
    s_pct_is (r, "QT", "members.new", US_SOURCE_TLD, 108.3);
    char *json = s_print (r, US_FORMAT_JSON);
    cr_assert_not_null (strstr (json, "\"tld\":{\"min\":6000,\"max\":7000}"), "%s", json);
    free (json);
    char *text = s_print (r, US_FORMAT_TEXT);
    cr_assert_not_null (strstr (text, "within range"), "%s", text);
    free (text);
    us_report_destroy (&r);

    r = s_build ("2017", NULL);
    s_no_value (r, "QT", "members.new");
    double p;
    cr_assert_not (us_report_achievement (&p, r, "QT", "members.new", US_SOURCE_TLD));
    us_report_destroy (&r);
}

/* Completeness counts the district and sector units that submitted a
   period covering the report's; drafts do not count. */
Test (report, completeness)
{
    int expected = -1, submitted = -1;
    us_report_t *r = s_build ("2022-H1", NULL);
    us_report_completeness (&expected, &submitted, r);
    cr_assert_eq (expected, 2, "QT.OLD ended in 2021 and is not expected");
    cr_assert_eq (submitted, 1);
    us_report_destroy (&r);

    r = s_build ("2022-Q2", NULL);
    us_report_completeness (&expected, &submitted, r);
    cr_assert_eq (submitted, 1, "the half-year submission covers its quarter");
    us_report_destroy (&r);

    r = s_build ("2022", NULL);
    us_report_completeness (&expected, &submitted, r);
    cr_assert_eq (expected, 2);
    cr_assert_eq (submitted, 0, "a half-year does not complete the year");
    us_report_destroy (&r);

    us_test_exec (s_db, "UPDATE submissions SET state = 'approved' WHERE unit_id = 3");
    r = s_build ("2022-H1", NULL);
    us_report_completeness (&expected, &submitted, r);
    cr_assert_eq (submitted, 2);
    us_report_destroy (&r);

    r = s_build ("2021", NULL);
    us_report_completeness (&expected, &submitted, r);
    cr_assert_eq (expected, 3, "QT.OLD was a unit in 2021");
    us_report_destroy (&r);
}

/* The deadline of a period's report is the 20th of the next month, end of
   day in Vietnam's time (UTC+7), across the turn of the year too. */
Test (report, deadline)
{
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, "2022-H1"), 0);
    cr_assert_eq (us_period_deadline_ms (&p), (int64_t) 1658336399 * 1000 + 999);   /* 2022-07-20 23:59:59.999 UTC+7 */
    cr_assert_eq (us_period_parse (&p, "2022"), 0);
    cr_assert_eq (us_period_deadline_ms (&p), (int64_t) 1674233999 * 1000 + 999);   /* 2023-01-20 23:59:59.999 UTC+7 */
    cr_assert_eq (us_period_parse (&p, "2022-05"), 0);
    cr_assert_eq (us_period_deadline_ms (&p), (int64_t) 1655744399 * 1000 + 999);   /* 2022-06-20 23:59:59.999 UTC+7 */
}

/* A submission stamped after the deadline counts as late, one before it as
   on time; both count as submitted. */
Test (report, timeliness)
{
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, "2022-H1"), 0);
    int64_t deadline = us_period_deadline_ms (&p);
    char sql [256];
    snprintf (sql, sizeof sql, "UPDATE submissions SET state = 'submitted', at = %lld"
              " WHERE unit_id = 3", (long long) (((uint64_t) (deadline + 60000)) << 16));
    us_test_exec (s_db, sql);
    snprintf (sql, sizeof sql, "UPDATE submissions SET at = %lld WHERE unit_id = 2",
              (long long) (((uint64_t) (deadline - 60000)) << 16));
    us_test_exec (s_db, sql);
    us_report_t *r = s_build ("2022-H1", NULL);
    int expected, submitted, on_time = -1, late = -1;
    us_report_completeness (&expected, &submitted, r);
    us_report_timeliness (&on_time, &late, r);
    cr_assert_eq (submitted, 2);
    cr_assert_eq (on_time, 1);
    cr_assert_eq (late, 1);
    int n_missing = -1;
    us_report_missing (&n_missing, r);
    cr_assert_eq (n_missing, 0);
    us_report_destroy (&r);
}

/* With schedules, each counts its own reports against its own deadline:
   the monthly one (due on the 10th) and the six-month one (due 15 June);
   a unit is late when one of its schedules' reports came after its
   deadline; an amended report covers nothing and is named; the prose
   states the configured deadlines, never the default one. */
Test (report, schedules_and_amended)
{
    us_period_t june, h1;
    us_deadline_rule_t tenth, mid_june;
    cr_assert_eq (us_period_parse (&june, "2022-06"), 0);
    cr_assert_eq (us_period_parse (&h1, "2022-H1"), 0);
    cr_assert_eq (us_deadline_rule_parse (&tenth, "1:10"), 0);
    cr_assert_eq (us_deadline_rule_parse (&mid_june, "0:15"), 0);
    /* Đakrông's half-year came on 12 June: by 15 June, and by 10 July for
       June's figures, but after 10 February and so on for the others. */
    int64_t at = us_calendar_deadline_ms (&h1, &mid_june) - 3 * 86400000LL;
    char sql [512];
    snprintf (sql, sizeof sql,
        "INSERT INTO schedules (code, name, period, kinds, indicators, deadline, position) VALUES"
        " ('monthly', 'Số liệu hằng tháng', 'month', 'district', '', '1:10', 0),"
        " ('six-month', 'Báo cáo sơ kết 6 tháng', 'half', 'district', 'members.new', '0:15', 1);"
        "UPDATE submissions SET at = %lld WHERE unit_id = 2;"
        "UPDATE submissions SET state = 'amended', at = %lld WHERE unit_id = 3;",
        (long long) ((uint64_t) at << 16), (long long) ((uint64_t) at << 16));
    us_test_exec (s_db, sql);
    us_report_t *r = s_build ("2022-H1", NULL);
    cr_assert_eq (us_report_schedules (r), 2);
    us_report_schedule_t m, half;
    us_report_schedule (&m, r, 0);
    us_report_schedule (&half, r, 1);
    cr_assert_str_eq (m.code, "monthly");
    cr_assert_eq (m.periods, 6);
    cr_assert_str_eq (m.first_deadline, "10/2/2022");
    cr_assert_str_eq (m.last_deadline, "10/7/2022");
    cr_assert_eq (m.expected, 12, "two districts in force x six months");
    cr_assert_eq (m.submitted, 6);
    cr_assert_eq (m.on_time, 1, "only June's figures came by their deadline");
    cr_assert_eq (m.late, 5);
    cr_assert_str_eq (half.first_deadline, "15/6/2022");
    cr_assert_eq (half.expected, 2);
    cr_assert_eq (half.submitted, 1);
    cr_assert_eq (half.on_time, 1);
    int on_time = -1, late = -1, n_amended = -1;
    us_report_timeliness (&on_time, &late, r);
    cr_assert_eq (on_time, 0);
    cr_assert_eq (late, 1, "late for five monthly reports, though on time for the half");
    const int *amended = us_report_amended (&n_amended, r);
    cr_assert_eq (n_amended, 1);
    us_report_unit_t info;
    us_report_unit (&info, r, (size_t) amended [0]);
    cr_assert_str_eq (info.code, "QT.HUONGHOA");
    char *vi = s_print (r, US_FORMAT_VI);
    cr_assert_not_null (strstr (vi, "Số liệu hằng tháng (6 kỳ, hạn nộp từ ngày 10/2/2022 đến "
                                    "ngày 10/7/2022): 6/12 báo cáo đã nộp, 1 báo cáo nộp đúng hạn, "
                                    "5 báo cáo nộp sau hạn."), "%s", vi);
    cr_assert_not_null (strstr (vi, "Báo cáo sơ kết 6 tháng (hạn nộp ngày 15/6/2022): 1/2 báo "
                                    "cáo đã nộp, báo cáo nộp đúng hạn."), "%s", vi);
    cr_assert_not_null (strstr (vi, "chờ nộp lại: "), "%s", vi);
    cr_assert_null (strstr (vi, "20/7/2022"), "the default deadline: %s", vi);
    free (vi);
    char *json = s_print (r, US_FORMAT_JSON);
    cr_assert_not_null (strstr (json, "\"amended\":[\"QT.HUONGHOA\"]"), "%s", json);
    free (json);
    us_report_destroy (&r);
}

/* Rules are checked on consolidated figures: once a grassroots union adds
   its admissions, Hướng Hóa admits 7 of 4 introduced and breaks
   admitted <= introduced, while the province (13 of 14) still holds. */
Test (report, check_rules)
{
    char sql [512];
    snprintf (sql, sizeof sql,
        "INSERT INTO indicators (id, code, name, kind, rule, position) VALUES"
        " (16, 'party.introduced', 'Giới thiệu', 'flow', '', 6),"
        " (17, 'party.admitted', 'Kết nạp', 'flow', '<= party.introduced', 7);"
        "INSERT INTO cells (unit_id, ind_id, month, value) VALUES"
        " (2, 16, %d, 10), (2, 17, %d, 6), (3, 16, %d, 4), (3, 17, %d, 4);",
        us_test_month (2022, 3), us_test_month (2022, 3), us_test_month (2022, 3),
        us_test_month (2022, 3));
    us_test_exec (s_db, sql);
    us_report_t *r = s_build ("2022-H1", NULL);
    char msg [256] = "";
    cr_assert_eq (us_report_check_rules (msg, sizeof msg, r, "QT"), 0, "%s", msg);
    cr_assert_eq (us_report_check_rules (msg, sizeof msg, r, "QT.DAKRONG"), 0, "%s", msg);
    us_report_destroy (&r);

    snprintf (sql, sizeof sql, "INSERT INTO cells (unit_id, ind_id, month, value)"
              " VALUES (5, 17, %d, 3)", us_test_month (2022, 4));
    us_test_exec (s_db, sql);
    r = s_build ("2022-H1", NULL);
    cr_assert_eq (us_report_check_rules (msg, sizeof msg, r, "QT.HUONGHOA"), US_EINVAL);
    cr_assert_not_null (strstr (msg, "party.admitted"), "%s", msg);
    cr_assert_not_null (strstr (msg, "7"), "%s", msg);
    cr_assert_eq (us_report_check_rules (msg, sizeof msg, r, "QT"), 0, "%s", msg);
    cr_assert_eq (us_report_check_rules (msg, sizeof msg, r, "QT.DAKRONG"), 0);
    us_report_destroy (&r);
}

/* The accessors describe the tree depth first with parents, figures,
   targets and achievement by index. */
Test (report, accessors)
{
    us_report_t *r = s_build ("2022-H1", NULL);
    cr_assert_eq (us_report_units (r), 5);
    cr_assert_str_eq (us_report_period (r)->text, "2022-H1");
    us_report_unit_t u;
    us_report_unit (&u, r, 0);
    cr_assert_str_eq (u.code, "QT");
    cr_assert_str_eq (u.parent, "");
    cr_assert_eq (u.depth, 0);
    cr_assert_eq (u.parent_index, -1);
    size_t cs1 = 0;
    for (size_t i = 0; i < us_report_units (r); i++) {
        us_report_unit (&u, r, i);
        if (strcmp (u.code, "QT.DAKRONG.CS1") == 0)
            cs1 = i;
        if (i > 0)
            cr_assert_lt (u.parent_index, (int) i, "a child comes after its parent");
    }
    us_report_unit (&u, r, cs1);
    cr_assert_eq (u.depth, 2);
    cr_assert_str_eq (u.parent, "QT.DAKRONG");
    cr_assert_str_eq (u.kind, "grassroots");
    size_t ind = us_report_indicators (r);
    cr_assert_eq (ind, 6);
    size_t mn = ind;
    for (size_t i = 0; i < ind; i++)
        if (strcmp (us_report_indicator (r, i)->code, "members.new") == 0)
            mn = i;
    cr_assert_lt (mn, ind);
    double v;
    cr_assert (us_report_cell (&v, r, 0, mn));
    cr_assert_float_eq (v, 372, 1e-9);
    us_report_target_t t;
    cr_assert (us_report_target (&t, r, 0, mn, US_SOURCE_TLD));
    cr_assert_eq (t.lo, 500);
    cr_assert_str_eq (t.period, "2022-H1");
    cr_assert (us_report_target (&t, r, 0, mn, US_SOURCE_PROVINCE));
    cr_assert_str_eq (t.period, "2022");
    cr_assert_not (us_report_target (&t, r, 0, mn, US_SOURCE_COMMITTED));
    double pct;
    cr_assert (us_report_pct (&pct, r, 0, mn, US_SOURCE_TLD));
    cr_assert_float_eq (pct, 74.4, 1e-9);
    int n_missing;
    const int *missing = us_report_missing (&n_missing, r);
    cr_assert_eq (n_missing, 1);
    us_report_unit (&u, r, (size_t) missing [0]);
    cr_assert_str_eq (u.code, "QT.HUONGHOA");
    us_report_destroy (&r);
}

/* The sources with a target of a unit and indicator, one bit each: the
   same as asking us_report_target for each source. */
Test (report, target_sources)
{
    us_report_t *r = s_build ("2022-H1", NULL);
    int with = 0;
    for (size_t u = 0; u < us_report_units (r); u++)
        for (size_t i = 0; i < us_report_indicators (r); i++) {
            unsigned want = 0;
            us_report_target_t t;
            for (int s = 0; s < US_SOURCE_COUNT; s++)
                if (us_report_target (&t, r, u, i, (us_source_t) s))
                    want |= 1u << s;
            cr_assert_eq (us_report_target_sources (r, u, i), want, "unit %zu, indicator %zu", u, i);
            with += want != 0;
        }
    cr_assert_gt (with, 0);
    size_t mn = 0;
    while (strcmp (us_report_indicator (r, mn)->code, "members.new") != 0)
        mn++;
    cr_assert_eq (us_report_target_sources (r, 0, mn), (1u << US_SOURCE_TLD) | (1u << US_SOURCE_PROVINCE));
    us_report_destroy (&r);
}

/* Units outside their validity are left out with their figures. */
Test (report, unit_validity)
{
    us_report_t *r = s_build ("2022-Q1", NULL);
    s_no_value (r, "QT.OLD", "members.new");
    s_value_is (r, "QT", "members.new", 165);
    us_report_destroy (&r);

    r = s_build ("2021", NULL);
    s_value_is (r, "QT.OLD", "members.new", 3);
    s_value_is (r, "QT", "members.new", 999 + 3);
    us_report_destroy (&r);
}

/* A subtree report holds only that unit and its descendants, with the
   same figures as in the whole-tree report. */
Test (report, subtree)
{
    us_report_t *r = s_build ("2022-H1", "QT.DAKRONG");
    s_value_is (r, "QT.DAKRONG", "members.new", 155);
    s_value_is (r, "QT.DAKRONG.CS1", "members.new", 5);
    s_no_value (r, "QT", "members.new");
    s_no_value (r, "QT.HUONGHOA", "members.new");
    int expected, submitted;
    us_report_completeness (&expected, &submitted, r);
    cr_assert_eq (expected, 1);
    cr_assert_eq (submitted, 1);
    char *json = s_print (r, US_FORMAT_JSON);
    cr_assert_eq (us_test_count (json, "{\"unit\":"), 2, "%s", json);
    cr_assert_not_null (strstr (json, "\"unit\":\"QT.DAKRONG\",\"completeness\""), "%s", json);
    free (json);
    us_report_destroy (&r);
}

/* Unknown units, bad periods and an empty store are errors. */
Test (report, errors)
{
    us_report_t *r = (us_report_t *) 1;
    cr_assert_eq (us_dstore_report_build (&r, s_db, "2022", "QT.NOWHERE"), US_ENOTFOUND);
    cr_assert_null (r);
    cr_assert_eq (us_dstore_report_build (&r, s_db, "2022-13", NULL), US_EINVAL);
    cr_assert_null (r);
    cr_assert_eq (us_dstore_report_build (&r, s_db, NULL, NULL), US_EINVAL);
    us_test_exec (s_db, "DELETE FROM cells; DELETE FROM targets; DELETE FROM submissions;"
                        " DELETE FROM units;");
    cr_assert_eq (us_dstore_report_build (&r, s_db, "2022", NULL), US_ENOTFOUND);
    cr_assert_null (r);
}

/* A report over a store with no figures has rows and no values. */
Test (report, no_figures)
{
    us_report_t *r = s_build ("2030", NULL);
    s_no_value (r, "QT", "members.new");
    char *json = s_print (r, US_FORMAT_JSON);
    cr_assert (us_test_json_valid (json), "%s", json);
    cr_assert_eq (us_test_count (json, "\"values\":{}"), 5);
    free (json);
    us_report_destroy (&r);
}

/* The JSON form is one valid object with the documented keys. */
Test (report, json_output)
{
    us_report_t *r = s_build ("2022-H1", NULL);
    char *json = s_print (r, US_FORMAT_JSON);
    cr_assert (us_test_json_valid (json), "not valid JSON:\n%s", json);
    static const char *keys [] = {
        "{\"period\":\"2022-H1\"", "\"unit\":\"QT\"",
        "\"completeness\":{\"expected\":2,\"submitted\":1,", "\"missing\":[\"QT.HUONGHOA\"],\"amended\":[]}",
        "\"rows\":[", "\"name\":\"Liên đoàn Lao động tỉnh Quảng Trị\"", "\"parent\":null",
        "\"parent\":\"QT\"", "\"parent\":\"QT.DAKRONG\"", "\"values\":{",
        "\"members.new\":372", "\"members.total\":2030", "\"cla.coverage\":96.0",
        "\"targets\":{\"members.new\":{\"tld\":500,\"province\":2700}}",
        "\"achievement_pct\":{\"members.new\":{\"tld\":74.4,\"province\":13.8}}",
        "\"targets\":{\"members.new\":{\"province\":0}}",
        "\"achievement_pct\":{\"members.new\":{\"province\":103.3}}",
        "\"name\":\"CĐCS Công ty Cao su \\\"Hòa Bình\\\", Đakrông\"",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++)
        cr_assert_not_null (strstr (json, keys [i]), "missing %s in\n%s", keys [i], json);
    cr_assert_eq (us_test_count (json, "{\"unit\":"), 5, "one row per unit of the tree");
    cr_assert_null (strstr (json, "QT.OLD"));
    free (json);
    us_report_destroy (&r);
}

/* Returns the lines of the unit table in text (from "Unit" to the first
   blank line) as an array of pointers into text, which is modified. */
static size_t
s_table_lines (char *text, char **lines, size_t max)
{
    char *start = strstr (text, "\nUnit");
    cr_assert_not_null (start, "no unit table in\n%s", text);
    start++;
    size_t n = 0;
    for (char *line = start; line && *line && *line != '\n' && n < max;) {
        char *end = strchr (line, '\n');
        if (end)
            *end = 0;
        lines [n++] = line;
        line = end ? end + 1 : NULL;
    }
    return n;
}

/* The text table lines up: every line of the unit table, header included,
   has the same display width, whatever the names' diacritics. */
Test (report, text_alignment)
{
    us_report_t *r = s_build ("2022-H1", NULL);
    char *text = s_print (r, US_FORMAT_TEXT);
    char *copy = strdup (text);
    char *lines [32];
    size_t n = s_table_lines (copy, lines, 32);
    cr_assert_eq (n, 6, "header and five units, got %zu lines:\n%s", n, text);
    size_t width = us_text_width (lines [0]);
    for (size_t i = 1; i < n; i++)
        cr_assert_eq (us_text_width (lines [i]), width,
                      "line %zu is %zu columns, header %zu:\n%s", i,
                      us_text_width (lines [i]), width, text);
    cr_assert_not_null (strstr (text, "LĐLĐ huyện Đakrông"));
    cr_assert_not_null (strstr (text, HUONGHOA_NFD));
    cr_assert_not_null (strstr (text, "Reported: 1 of 2 units"), "%s", text);
    cr_assert_not_null (strstr (text, "Targets and achievement"), "%s", text);
    cr_assert_not_null (strstr (text, "74.4%"), "%s", text);
    free (copy);
    free (text);
    us_report_destroy (&r);
}

/* Columns stay aligned when a figure is wider than its indicator's code
   (figures may be VND amounts in the billions). */
Test (report, text_alignment_wide_figures)
{
    char sql [256];
    snprintf (sql, sizeof sql, "INSERT INTO cells (unit_id, ind_id, month, value)"
              " VALUES (5, 15, %d, 1234567890123)", us_test_month (2022, 2));
    us_test_exec (s_db, sql);
    us_report_t *r = s_build ("2022-H1", NULL);
    char *text = s_print (r, US_FORMAT_TEXT);
    us_report_destroy (&r);
    /* Measure first and free, so a failure leaks nothing. */
    char *copy = strdup (text);
    char *lines [32];
    size_t n = s_table_lines (copy, lines, 32), widths [32];
    for (size_t i = 0; i < n; i++)
        widths [i] = us_text_width (lines [i]);
    char shown [4096];
    snprintf (shown, sizeof shown, "%s", text);
    free (copy);
    free (text);
    cr_assert_eq (n, 6);
    for (size_t i = 1; i < n; i++)
        cr_assert_eq (widths [i], widths [0], "line %zu is %zu columns, header %zu:\n%s", i,
                      widths [i], widths [0], shown);
}

/* The CSV form starts with a BOM and header, quotes names with commas or
   quotes, and has one row per unit and indicator with a figure or target. */
Test (report, csv_output)
{
    us_report_t *r = s_build ("2022-H1", NULL);
    char *csv = s_print (r, US_FORMAT_CSV);
    const char *head = "\xEF\xBB\xBF" "period,unit,name,parent,indicator,value,"
                       "target_tld,achievement_pct_tld,target_province,achievement_pct_province,"
                       "target_committed,achievement_pct_committed,unit_of_measure,part_of\r\n";
    cr_assert_eq (strncmp (csv, head, strlen (head)), 0, "%s", csv);
    cr_assert_not_null (strstr (csv, "\"CĐCS Công ty Cao su \"\"Hòa Bình\"\", Đakrông\""), "%s", csv);
    cr_assert_not_null (strstr (csv, "2022-H1,QT,Liên đoàn Lao động tỉnh Quảng Trị,,members.new,372,500,74.4,"),
                        "%s", csv);
    cr_assert_not_null (strstr (csv, ",cla.coverage,96.0,"), "%s", csv);
    cr_assert_eq (us_test_count (csv, "\r\n"), 1 + 18, "%s", csv);
    free (csv);
    us_report_destroy (&r);
}

/* Format and source names parse and print. */
Test (report, names)
{
    us_format_t f;
    cr_assert_eq (us_format_parse (&f, "text"), 0);
    cr_assert_eq (f, US_FORMAT_TEXT);
    cr_assert_eq (us_format_parse (&f, "csv"), 0);
    cr_assert_eq (f, US_FORMAT_CSV);
    cr_assert_eq (us_format_parse (&f, "json"), 0);
    cr_assert_eq (f, US_FORMAT_JSON);
    cr_assert_eq (us_format_parse (&f, "JSON"), US_EINVAL);
    cr_assert_eq (us_format_parse (&f, "xml"), US_EINVAL);
    for (int s = 0; s < US_SOURCE_COUNT; s++) {
        us_source_t back;
        cr_assert_eq (us_source_parse (&back, us_source_name ((us_source_t) s)), 0);
        cr_assert_eq ((int) back, s);
    }
    us_source_t src;
    cr_assert_eq (us_source_parse (&src, "committed"), 0);
    cr_assert_eq (src, US_SOURCE_COMMITTED);
    cr_assert_eq (us_source_parse (&src, "party"), US_EINVAL);
    cr_assert_str_eq (us_source_name ((us_source_t) 9), "?");
}

/* Printing to a stream that cannot be written reports US_EIO. */
Test (report, print_error)
{
    us_report_t *r = s_build ("2022", NULL);
    FILE *f = fopen ("/dev/full", "w");
    if (f) {
        setvbuf (f, NULL, _IONBF, 0);
        cr_assert_eq (us_print_json (r, f), US_EIO);
        fclose (f);
    }
    us_report_destroy (&r);
    us_report_destroy (&r);
    us_report_destroy (NULL);
}

/*  The engine alone: data as plain rows, no store. */

/* Adds an indicator to data; returns its id. */
static int64_t
s_ind (us_report_data_t *d, const char *code, us_kind_t kind, const char *formula,
       const char *parent)
{
    us_indicator_t ind = { .kind = kind };
    snprintf (ind.code, sizeof ind.code, "%s", code);
    snprintf (ind.name, sizeof ind.name, "%s", code);
    snprintf (ind.formula, sizeof ind.formula, "%s", formula);
    snprintf (ind.parent, sizeof ind.parent, "%s", parent);
    int64_t id = 100 + (int64_t) d->n_inds;
    cr_assert_eq (us_report_data_add_indicator (d, &ind, id), 0);
    return id;
}

/* Adds a unit to data. */
static void
s_unit (us_report_data_t *d, int64_t id, const char *code, const char *kind, int64_t parent)
{
    us_report_unit_row_t *u = us_report_data_add (d->units, d->n_units, d->cap_units);
    cr_assert_not_null (u);
    u->id = id;
    snprintf (u->code, sizeof u->code, "%s", code);
    snprintf (u->name, sizeof u->name, "Đơn vị %s", code);
    snprintf (u->kind, sizeof u->kind, "%s", kind);
    u->parent_id = parent;
}

/* Adds an entered figure to data. */
static void
s_cell (us_report_data_t *d, int64_t unit, int64_t ind, const char *month, int64_t value)
{
    us_report_cell_row_t *c = us_report_data_add (d->cells, d->n_cells, d->cap_cells);
    cr_assert_not_null (c);
    cr_assert_eq (us_month_parse (&c->month, month), 0);
    c->unit_id = unit;
    c->ind_id = ind;
    c->value = value;
}

/* Formulas are evaluated on consolidated figures, exactly; a figure not
   entered counts as 0 beside one that is; a formula may use another; a
   unit with none of the figures has none; division by zero leaves no
   figure but its reason; parts consolidate like any figure; a target on a
   formula gives an achievement. */
Test (report, engine_formulas)
{
    us_report_data_t d = { 0 };
    s_unit (&d, 1, "HN", "province", 0);
    s_unit (&d, 2, "HN.BADINH", "district", 1);
    s_unit (&d, 3, "HN.DONGDA", "district", 1);
    s_unit (&d, 4, "HN.SOCSON", "district", 1);
    int64_t cla = s_ind (&d, "cla.signed", US_KIND_FLOW, "", "");
    int64_t a = s_ind (&d, "cla.signed.a", US_KIND_FLOW, "", "cla.signed");
    int64_t b = s_ind (&d, "cla.signed.b", US_KIND_FLOW, "", "cla.signed");
    int64_t u25 = s_ind (&d, "cdcs.new.25plus", US_KIND_FLOW, "", "");
    int64_t money = s_ind (&d, "support", US_KIND_FORMULA,
                           "8500000 * cla.signed.a + 6000000 * cla.signed.b + 5000000 * cdcs.new.25plus", "");
    s_ind (&d, "support.twice", US_KIND_FORMULA, "support * 2", "");
    s_ind (&d, "per.agreement", US_KIND_FORMULA, "support / (cla.signed.a + cla.signed.b)", "");
    s_ind (&d, "half", US_KIND_FORMULA, "cla.signed / 2", "");
    s_cell (&d, 2, cla, "2021-03", 6);
    s_cell (&d, 2, a, "2021-03", 3);
    s_cell (&d, 2, a, "2021-09", 1);
    s_cell (&d, 2, b, "2021-05", 4);
    s_cell (&d, 3, cla, "2021-04", 3);
    s_cell (&d, 3, u25, "2021-04", 2);          /* no agreements of a type: per.agreement / 0 */
    s_cell (&d, 2, a, "2022-01", 50);           /* outside the year */
    us_report_target_row_t *t = us_report_data_add (d.targets, d.n_targets, d.cap_targets);
    *t = (us_report_target_row_t) { .unit_id = 1, .ind_id = money, .source = US_SOURCE_PROVINCE,
                                    .period = "2021", .lo = 100000000, .hi = 100000000,
                                    .version = 1 };
    us_month_parse (&t->first, "2021-01");
    us_month_parse (&t->last, "2021-12");

    us_report_t *r;
    cr_assert_eq (us_report_compute (&r, &d, "2021", NULL), 0, "%s", us_error_msg ());
    /* Ba Đình: 4 A, 4 B; Đống Đa: two unions of 25+. */
    s_value_is (r, "HN.BADINH", "support", 4 * 8500000.0 + 4 * 6000000.0);
    s_value_is (r, "HN.DONGDA", "support", 2 * 5000000.0);
    s_value_is (r, "HN", "support", 4 * 8500000.0 + 4 * 6000000.0 + 2 * 5000000.0);
    s_value_is (r, "HN", "support.twice", 2 * (58000000.0 + 10000000.0));
    s_value_is (r, "HN", "cla.signed.a", 4);
    s_value_is (r, "HN", "half", 4.5);
    s_no_value (r, "HN.SOCSON", "support");
    s_value_is (r, "HN.BADINH", "per.agreement", 58000000.0 / 8);
    s_no_value (r, "HN.DONGDA", "per.agreement");
    int i = us_report_find_indicator (r, "per.agreement");
    cr_assert_eq (us_report_cell_reason (r, 2, (size_t) i), US_EXPR_DIVZERO);
    cr_assert_eq (us_report_cell_reason (r, 1, (size_t) i), 0);
    cr_assert_eq (us_report_cell_reason (r, 3, (size_t) i), 0, "nothing entered is no error");
    s_pct_is (r, "HN", "support", US_SOURCE_PROVINCE, 68.0);
    int pa = us_report_find_indicator (r, "cla.signed.a");
    cr_assert_eq (us_report_indicator_parent (r, (size_t) pa), us_report_find_indicator (r, "cla.signed"));
    cr_assert_eq (us_report_indicator_depth (r, (size_t) pa), 1);
    cr_assert_eq (us_report_indicator_depth (r, (size_t) us_report_find_indicator (r, "support")), 0);
    char msg [256];
    cr_assert_eq (us_report_check_rules (msg, sizeof msg, r, "HN.BADINH"), 0, "%s", msg);
    us_report_destroy (&r);

    /* The same data, the first quarter only: Ba Đình's 3 A. */
    cr_assert_eq (us_report_compute (&r, &d, "2021-Q1", "HN.BADINH"), 0, "%s", us_error_msg ());
    s_value_is (r, "HN.BADINH", "support", 3 * 8500000.0);
    us_report_destroy (&r);
    /* A part larger than its whole breaks the part rule at submit. */
    s_cell (&d, 4, a, "2021-02", 5);
    s_cell (&d, 4, cla, "2021-02", 2);
    cr_assert_eq (us_report_compute (&r, &d, "2021", NULL), 0, "%s", us_error_msg ());
    cr_assert_eq (us_report_check_rules (msg, sizeof msg, r, "HN.SOCSON"), US_EINVAL);
    cr_assert_not_null (strstr (msg, "cla.signed.a <= cla.signed"), "%s", msg);
    us_report_destroy (&r);
    us_report_data_free (&d);
    us_report_data_free (&d);
}

/* An overflowing formula has no figure but the reason; the others go on. */
Test (report, engine_formula_overflow)
{
    us_report_data_t d = { 0 };
    s_unit (&d, 1, "HN", "province", 0);
    int64_t a = s_ind (&d, "a", US_KIND_FLOW, "", "");
    s_ind (&d, "huge", US_KIND_FORMULA, "a * 1000000000000 * 1000000000", "");
    s_ind (&d, "fine", US_KIND_FORMULA, "a + 1", "");
    s_cell (&d, 1, a, "2021-01", 1000000000000);
    us_report_t *r;
    cr_assert_eq (us_report_compute (&r, &d, "2021", NULL), 0, "%s", us_error_msg ());
    s_no_value (r, "HN", "huge");
    cr_assert_eq (us_report_cell_reason (r, 0, 1), US_EXPR_OVERFLOW);
    s_value_is (r, "HN", "fine", 1000000000001.0);
    us_report_destroy (&r);
    us_report_data_free (&d);
}

/* Completeness counts the units whose kind reports, whatever its code (a
   commune union since 2025), and no others. */
Test (report, engine_reporting_kinds)
{
    us_report_data_t d = { 0 };
    s_unit (&d, 1, "QT", "province", 0);
    s_unit (&d, 2, "QT.DONGHOI", "commune", 1);
    s_unit (&d, 3, "QT.KCN", "park", 1);
    s_unit (&d, 4, "QT.DONGHOI.CS1", "grassroots", 2);
    d.units [1].reports = d.units [2].reports = true;
    s_ind (&d, "members.new", US_KIND_FLOW, "", "");
    us_report_submission_row_t *sub = us_report_data_add (d.subs, d.n_subs, d.cap_subs);
    sub->unit_id = 3;
    us_month_parse (&sub->first, "2025-07");
    us_month_parse (&sub->last, "2025-12");
    us_report_t *r;
    cr_assert_eq (us_report_compute (&r, &d, "2025-H2", NULL), 0, "%s", us_error_msg ());
    int expected, submitted, n_missing;
    us_report_completeness (&expected, &submitted, r);
    cr_assert_eq (expected, 2);
    cr_assert_eq (submitted, 1);
    const int *missing = us_report_missing (&n_missing, r);
    cr_assert_eq (n_missing, 1);
    us_report_unit_t info;
    us_report_unit (&info, r, (size_t) missing [0]);
    cr_assert_str_eq (info.code, "QT.DONGHOI");
    us_report_destroy (&r);
    us_report_data_free (&d);
}
