/*  Unit tests for us_print and us_words: formats, Vietnamese periods and
    collation, HTML escaping, ranking with ties, and the HTML, Vietnamese,
    text, CSV and JSON printers of a small real provincial store. */
#include "us_csv.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_merge.h"
#include "us_period.h"
#include "us_pstore.h"
#include "us_print.h"
#include "us_pstore_report.h"
#include "us_words.h"
#include "us_report.h"

#include "us_test.h"

/* The test store: a province whose five units reported the first half of
   2022 (1.901 new members against a plan of 1.980) and of 2021 (1.700). */
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
    int rc = us_merge_correct (&result, store, unit, month, ind, value, "test figures",
                               "tester", false, &clock);
    cr_assert_eq (rc, 0, "set %s %s %s: %s", unit, month, ind, us_error_msg ());
    cr_assert_neq (result.result.outcome, US_OUTCOME_REJECTED, "%s %s rejected: %s", unit,
                   ind, result.reason);
}

/* Sets one target. */
static void
s_target (us_pstore_t *store, const char *unit, const char *ind, const char *period,
          const char *value, const char *source)
{
    cr_assert_eq (us_pstore_target_set (store, unit, ind, period, value, source), 0,
                  "target %s %s: %s", unit, ind, us_error_msg ());
}

/* Builds the Quảng Trị test store. */
static void
s_fixture_open (s_fixture_t *f)
{
    char path [128], csv [128];
    us_test_tmpdir (f->dir, sizeof f->dir);
    cr_assert_eq (us_pstore_create (&f->store, us_test_path (path, sizeof path, f->dir, "p.db"),
                                    "QT", "Liên đoàn Lao động tỉnh Quảng Trị"), 0,
                  "%s", us_error_msg ());
    us_test_write (us_test_path (csv, sizeof csv, f->dir, "units.csv"),
        "id,name,parent,kind\n"
        "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province\n"
        "QT.DONGHA,LĐLĐ thành phố Đông Hà,QT,district\n"
        "QT.GIOLINH,LĐLĐ huyện Gio Linh,QT,district\n"
        "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district\n"
        "QT.CAMLO,LĐLĐ huyện Cam Lộ,QT,district\n"
        "QT.CDN.YTE,Công đoàn ngành Y tế,QT,sector\n"
        "QT.CDN.YTE.BV,\"Công đoàn Bệnh viện <Đa khoa> & \"\"tỉnh\"\"\",QT.CDN.YTE,grassroots\n");
    int count;
    cr_assert_eq (us_pstore_import_units (f->store, &count, csv), 0, "%s", us_error_msg ());
    us_pstore_t *s = f->store;
    /* 2022: 600 + 475 + 190 + 400 + 200 + 36 = 1.901 new members. */
    s_put (s, "QT.DONGHA", "2022-02", "members.new", "300");
    s_put (s, "QT.DONGHA", "2022-05", "members.new", "300");
    s_put (s, "QT.GIOLINH", "2022-03", "members.new", "475");
    s_put (s, "QT.DAKRONG", "2022-04", "members.new", "190");
    s_put (s, "QT.CAMLO", "2022-06", "members.new", "400");
    s_put (s, "QT.CDN.YTE", "2022-06", "members.new", "200");
    s_put (s, "QT.CDN.YTE.BV", "2022-06", "members.new", "36");
    s_put (s, "QT.DONGHA", "2022-06", "cdcs.new", "31");
    s_put (s, "QT.DONGHA", "2022-06", "cdcs.cla_eligible", "250");
    s_put (s, "QT.DONGHA", "2022-06", "cdcs.with_cla", "240");
    s_put (s, "QT.GIOLINH", "2022-06", "propaganda.sessions", "212");
    s_put (s, "QT.GIOLINH", "2022-06", "propaganda.attendees", "13580");
    /* 2021: 1.700 new members. */
    s_put (s, "QT.DONGHA", "2021-03", "members.new", "700");
    s_put (s, "QT.GIOLINH", "2021-03", "members.new", "500");
    s_put (s, "QT.CAMLO", "2021-03", "members.new", "500");
    s_target (s, "QT", "members.new", "2022-H1", "1980", "province");
    s_target (s, "QT", "members.new", "2022", "3700", "tld");
    s_target (s, "QT", "cdcs.new", "2022", "20", "committed");
    s_target (s, "QT.DONGHA", "members.new", "2022-H1", "600", "province");
    s_target (s, "QT.GIOLINH", "members.new", "2022-H1", "500", "province");
    s_target (s, "QT.DAKRONG", "members.new", "2022-H1", "200", "province");
    s_target (s, "QT.CAMLO", "members.new", "2022-H1", "500", "province");
    const char *submitted [] = { "QT.DONGHA", "QT.GIOLINH", "QT.CAMLO", "QT.CDN.YTE" };
    for (size_t k = 0; k < 4; k++) {
        us_state_t state;
        cr_assert_eq (us_pstore_submit (s, &state, NULL, submitted [k], "2022-H1", 0), 0,
                      "%s", us_error_msg ());
    }
}

/* Removes the test store. */
static void
s_fixture_close (s_fixture_t *f)
{
    us_pstore_destroy (&f->store);
    us_test_rmtree (f->dir);
}

/* Renders a report of the fixture into a new string the caller frees. */
static char *
s_render (s_fixture_t *f, const char *period, us_format_t format, bool compare,
          bool trend)
{
    us_report_t *report, *previous = NULL;
    us_trend_t *t = NULL;
    us_report_data_t data = { 0 };
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, period), 0);
    cr_assert_eq (us_pstore_report_load (f->store, &data, p.first, p.last), 0, "%s", us_error_msg ());
    cr_assert_eq (us_report_compute (&report, &data, period, NULL), 0, "%s", us_error_msg ());
    if (compare) {
        us_period_t last;
        cr_assert_eq (us_period_shift_years (&last, us_report_period (report), -1), 0);
        cr_assert_eq (us_pstore_report_build (&previous, f->store, last.text, NULL), 0, "%s",
                      us_error_msg ());
    }
    if (trend)
        cr_assert_eq (us_trend_build (&t, &data, report), 0, "%s", us_error_msg ());
    us_print_opts_t opts = { previous, t, NULL };
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_print (report, c.f, format, &opts), 0, "%s", us_error_msg ());
    us_test_capture_close (&c);
    us_trend_destroy (&t);
    us_report_data_free (&data);
    us_report_destroy (&previous);
    us_report_destroy (&report);
    return c.buf;
}

/* Asserts that hay contains needle, showing hay when it does not. */
static void
s_has (const char *hay, const char *needle)
{
    cr_assert_not_null (strstr (hay, needle), "'%s' not in:\n%s", needle, hay);
}

/* Every format name is accepted; others are refused. */
Test (print, format_parse)
{
    static const char *names [] = { "text", "csv", "json", "html", "vi" };
    static const us_format_t want [] = {
        US_FORMAT_TEXT, US_FORMAT_CSV, US_FORMAT_JSON, US_FORMAT_HTML, US_FORMAT_VI
    };
    us_format_t f;
    for (size_t k = 0; k < 5; k++) {
        cr_assert_eq (us_format_parse (&f, names [k]), 0);
        cr_assert_eq (f, want [k]);
    }
    cr_assert_eq (us_format_parse (&f, "pdf"), US_EINVAL);
    cr_assert_eq (us_format_parse (&f, "HTML"), US_EINVAL);
}


/* Units rank by achievement; ties share a rank and are ordered by name;
   units without a target come last. */
Test (print, rank_ties)
{
    s_fixture_t f;
    s_fixture_open (&f);
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, f.store, "2022-H1", NULL), 0);
    us_rank_t ranks [16];
    size_t n;
    cr_assert_eq (us_rank (ranks, &n, r, "members.new", US_SOURCE_PROVINCE,
                                  US_RANK_ACHIEVEMENT), 0);
    cr_assert_eq (n, 5, "the root's five children, not the grassroots union");
    static const char *codes [] = { "QT.DONGHA", "QT.DAKRONG", "QT.GIOLINH", "QT.CAMLO", "QT.CDN.YTE" };
    static const int want [] = { 1, 2, 2, 4, 0 };
    static const double pct [] = { 100, 95, 95, 80, 0 };
    for (size_t k = 0; k < n; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, ranks [k].unit);
        cr_assert_str_eq (info.code, codes [k], "position %zu", k);
        cr_assert_eq (ranks [k].rank, want [k], "%s", info.code);
        cr_assert_float_eq (ranks [k].pct, pct [k], 1e-9, "%s", info.code);
    }
    cr_assert_not (ranks [4].has_target);
    cr_assert (ranks [4].has_value);
    cr_assert_float_eq (ranks [4].value, 236, 1e-9, "the sector includes its grassroots union");

    /* By figure: 600, 475, 400, 236, 190. */
    cr_assert_eq (us_rank (ranks, &n, r, "members.new", US_SOURCE_PROVINCE, US_RANK_VALUE), 0);
    us_report_unit_t info;
    us_report_unit (&info, r, ranks [3].unit);
    cr_assert_str_eq (info.code, "QT.CDN.YTE");
    cr_assert_eq (ranks [4].rank, 5);

    /* An indicator with figures on one unit only: the others are unranked. */
    cr_assert_eq (us_rank (ranks, &n, r, "cdcs.new", US_SOURCE_PROVINCE, US_RANK_VALUE), 0);
    cr_assert_eq (ranks [0].rank, 1);
    for (size_t k = 1; k < n; k++)
        cr_assert_eq (ranks [k].rank, 0);

    cr_assert_eq (us_rank (ranks, &n, r, "no.such", US_SOURCE_PROVINCE, US_RANK_VALUE),
                  US_ENOTFOUND);
    us_report_destroy (&r);
    s_fixture_close (&f);
}

/* The ranking prints as text, CSV and JSON; other formats are refused. */
Test (print, rank_print)
{
    s_fixture_t f;
    s_fixture_open (&f);
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, f.store, "2022-H1", NULL), 0);
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_print_rank (r, c.f, US_FORMAT_TEXT, "members.new", US_SOURCE_PROVINCE), 0);
    us_test_capture_close (&c);
    s_has (c.buf, "achievement against province targets");
    char *dong = strstr (c.buf, "QT.DONGHA"), *dak = strstr (c.buf, "QT.DAKRONG");
    char *gio = strstr (c.buf, "QT.GIOLINH"), *yte = strstr (c.buf, "QT.CDN.YTE");
    cr_assert (dong && dak && gio && yte && dong < dak && dak < gio && gio < yte, "%s", c.buf);
    s_has (c.buf, "   2  QT.GIOLINH");
    s_has (c.buf, "95.0%");
    free (c.buf);

    us_test_capture_open (&c);
    cr_assert_eq (us_print_rank (r, c.f, US_FORMAT_JSON, "members.new", US_SOURCE_PROVINCE), 0);
    us_test_capture_close (&c);
    cr_assert (us_test_json_valid (c.buf), "%s", c.buf);
    s_has (c.buf, "\"rank\":2,\"unit\":\"QT.GIOLINH\"");
    s_has (c.buf, "\"rank\":null,\"unit\":\"QT.CDN.YTE\"");
    free (c.buf);

    us_test_capture_open (&c);
    cr_assert_eq (us_print_rank (r, c.f, US_FORMAT_CSV, "members.new", US_SOURCE_TLD), 0);
    us_test_capture_close (&c);
    s_has (c.buf, "2022-H1,members.new,tld,value,1,QT.DONGHA,");
    free (c.buf);

    us_test_capture_open (&c);
    cr_assert_eq (us_print_rank (r, c.f, US_FORMAT_HTML, "members.new", US_SOURCE_TLD),
                  US_EINVAL);
    us_test_capture_close (&c);
    free (c.buf);
    us_report_destroy (&r);
    s_fixture_close (&f);
}

/* The Vietnamese text states the figures, the achievement, who has not
   reported, and the leading units. */
Test (print, vi_text)
{
    s_fixture_t f;
    s_fixture_open (&f);
    char *text = s_render (&f, "2022-H1", US_FORMAT_VI, false, false);
    s_has (text, "6 tháng đầu năm 2022, toàn tỉnh phát triển mới 1.901 đoàn viên, đạt ");
    s_has (text, "51,4% chỉ tiêu Tổng Liên đoàn giao năm 2022 và 96% kế hoạch LĐLĐ tỉnh");
    s_has (text, "thành lập 31 CĐCS, đạt 155% chỉ tiêu cam kết với Ban Thường vụ Tỉnh ủy năm 2022");
    s_has (text, "tổ chức 212 buổi tuyên truyền cho 13.580 lượt người");
    s_has (text, "96% (240/250 CĐCS doanh nghiệp có từ 10 lao động trở lên)");
    s_has (text, "4/5 LĐLĐ cấp huyện, CĐ ngành đã nộp báo cáo (chưa nộp: LĐLĐ huyện Đakrông)");
    s_has (text, "Dẫn đầu về phát triển đoàn viên mới so với kế hoạch LĐLĐ tỉnh: "
                 "LĐLĐ thành phố Đông Hà (đạt 100%), LĐLĐ huyện Đakrông (đạt 95%) và "
                 "LĐLĐ huyện Gio Linh (đạt 95%).");
    cr_assert_null (strstr (text, "cdcs.with_cla"), "codes do not appear in the prose");
    free (text);

    text = s_render (&f, "2022-H1", US_FORMAT_VI, true, false);
    s_has (text, "1.901 đoàn viên, đạt 51,4%");
    s_has (text, "tăng 11,8% so với cùng kỳ năm 2021 (1.700)");
    free (text);
    s_fixture_close (&f);
}

/* Lào Cai, first six months of 2017: 75% of TLĐ's target and 41,8% of the
   province's own plan. */
Test (print, vi_text_laocai)
{
    char dir [64], path [128], csv [128];
    us_test_tmpdir (dir, sizeof dir);
    us_pstore_t *s;
    cr_assert_eq (us_pstore_create (&s, us_test_path (path, sizeof path, dir, "p.db"), "LC",
                                    "Liên đoàn Lao động tỉnh Lào Cai"), 0);
    us_test_write (us_test_path (csv, sizeof csv, dir, "units.csv"),
        "id,name,parent,kind\nLC.CITY,LĐLĐ thành phố Lào Cai,LC,district\n");
    int count;
    cr_assert_eq (us_pstore_import_units (s, &count, csv), 0, "%s", us_error_msg ());
    s_put (s, "LC.CITY", "2017-03", "members.new", "1128");
    s_target (s, "LC", "members.new", "2017", "1500", "tld");
    s_target (s, "LC", "members.new", "2017", "2700", "province");
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, s, "2017-01..2017-06", NULL), 0);
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_print (r, c.f, US_FORMAT_VI, NULL), 0);
    us_test_capture_close (&c);
    s_has (c.buf, "6 tháng đầu năm 2017, toàn tỉnh phát triển mới 1.128 đoàn viên, đạt 75,2% "
                  "chỉ tiêu Tổng Liên đoàn giao năm 2017 và 41,8% kế hoạch LĐLĐ tỉnh năm 2017");
    s_has (c.buf, "0/1 LĐLĐ cấp huyện, CĐ ngành đã nộp báo cáo (chưa nộp: LĐLĐ thành phố Lào Cai)");
    free (c.buf);
    us_report_destroy (&r);
    us_pstore_destroy (&s);
    us_test_rmtree (dir);
}

/* A province whose communes report to it directly (after July 2025) names
   its reporting units as units under it, not as districts and sectors. */
Test (print, vi_text_communes)
{
    char dir [64], path [128], csv [128];
    us_test_tmpdir (dir, sizeof dir);
    us_pstore_t *s;
    cr_assert_eq (us_pstore_create (&s, us_test_path (path, sizeof path, dir, "p.db"), "QT",
                                    "Liên đoàn Lao động tỉnh Quảng Trị"), 0);
    us_test_write (us_test_path (csv, sizeof csv, dir, "units.csv"),
        "id,name,parent,kind\nQT.P.DONGHA,Công đoàn phường Đông Hà,QT,commune\n"
        "QT.GD,Công đoàn ngành Giáo dục,QT,sector\n");
    int count;
    cr_assert_eq (us_pstore_import_units (s, &count, csv), 0, "%s", us_error_msg ());
    s_put (s, "QT.P.DONGHA", "2026-03", "members.new", "41");
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, s, "2026-Q1", NULL), 0);
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_print (r, c.f, US_FORMAT_VI, NULL), 0);
    us_test_capture_close (&c);
    s_has (c.buf, "0/2 đơn vị trực thuộc đã nộp báo cáo");
    cr_assert_null (strstr (c.buf, "LĐLĐ cấp huyện"), "%s", c.buf);
    free (c.buf);
    us_report_destroy (&r);
    us_pstore_destroy (&s);
    us_test_rmtree (dir);
}

/* The HTML page is self-contained, escaped, and has its tables and charts. */
Test (print, html_page)
{
    s_fixture_t f;
    s_fixture_open (&f);
    char *html = s_render (&f, "2022-H1", US_FORMAT_HTML, true, true);
    cr_assert_eq (strncmp (html, "<!DOCTYPE html>", 15), 0);
    s_has (html, "<meta charset=\"utf-8\">");
    s_has (html, "@page{size:A4");
    s_has (html, "@media print");
    s_has (html, "<title>Báo cáo tổng hợp 6 tháng đầu năm 2022 – Liên đoàn Lao động tỉnh Quảng Trị</title>");
    s_has (html, "<svg");
    s_has (html, "</html>\n");
    cr_assert_null (strstr (html, "http"), "no external references");
    cr_assert_null (strstr (html, "src="), "no external resources");
    cr_assert_null (strstr (html, "<link"), "no external stylesheets");
    /* Table rows, numbers written the Vietnamese way, indented by depth. */
    s_has (html, "<tr class=\"root\"><td style=\"padding-left:4px\">Liên đoàn Lao động tỉnh Quảng Trị</td>"
                 "<td class=\"num\">1.901</td>");
    s_has (html, "<td style=\"padding-left:18px\">LĐLĐ huyện Đakrông <span class=\"miss\">(chưa nộp)</span>");
    s_has (html, "<td style=\"padding-left:32px\">Công đoàn Bệnh viện &lt;Đa khoa&gt; &amp; &quot;tỉnh&quot;</td>");
    cr_assert_null (strstr (html, "<Đa khoa>"), "a unit name is escaped");
    s_has (html, "<td class=\"num\">13.580</td>");
    s_has (html, "<td class=\"num\">96%</td>");
    /* Completeness, targets, charts, trend and comparison. */
    s_has (html, "Đã nộp: <b>4/5</b> đơn vị");
    s_has (html, "Chưa nộp: <b>LĐLĐ huyện Đakrông</b> (QT.DAKRONG)");
    s_has (html, "Chỉ tiêu và kết quả thực hiện");
    s_has (html, "<td class=\"num ok\">155%</td>");
    s_has (html, "Tỷ lệ đạt kế hoạch LĐLĐ tỉnh — Phát triển đoàn viên mới, 6 tháng đầu năm 2022");
    s_has (html, "Chưa giao chỉ tiêu: Công đoàn ngành Y tế.");
    s_has (html, "Diễn biến theo tháng của toàn tỉnh");
    s_has (html, ">T6</text>");
    s_has (html, "So sánh với cùng kỳ (6 tháng đầu năm 2021)");
    s_has (html, "<span class=\"up\">+11,8%</span>");
    s_has (html, "1.901 đoàn viên, đạt 51,4%");
    cr_assert_eq (us_test_count (html, "<svg"), us_test_count (html, "</svg>"));
    cr_assert_eq (us_test_count (html, "<table>"), us_test_count (html, "</table>"));
    cr_assert_eq (us_test_count (html, "<section>"), us_test_count (html, "</section>"));
    free (html);
    s_fixture_close (&f);
}

/* Without targets on units, the chart shows each unit's new members. */
Test (print, html_figure_chart)
{
    s_fixture_t f;
    s_fixture_open (&f);
    char *html = s_render (&f, "2021-H1", US_FORMAT_HTML, false, false);
    s_has (html, "Phát triển đoàn viên mới theo đơn vị, 6 tháng đầu năm 2021");
    s_has (html, ">LĐLĐ huyện Gio Linh</text>");
    cr_assert_null (strstr (html, "Tỷ lệ đạt kế hoạch"), "no unit has a 2021 target");
    cr_assert_null (strstr (html, "http"));
    free (html);
    s_fixture_close (&f);
}

/* With --compare, text adds a section and CSV and JSON print the comparison. */
Test (print, compare_formats)
{
    s_fixture_t f;
    s_fixture_open (&f);
    char *text = s_render (&f, "2022-H1", US_FORMAT_TEXT, true, false);
    s_has (text, "Consolidated report 2022-H1");
    s_has (text, "Same period last year: 2021-H1");
    s_has (text, "1,700     +11.8%");
    free (text);

    char *csv = s_render (&f, "2022-H1", US_FORMAT_CSV, true, false);
    const char *head = "\xEF\xBB\xBF" "period,unit,name,parent,indicator,value,"
                       "previous_period,previous_value,change\r\n";
    cr_assert_eq (strncmp (csv, head, strlen (head)), 0, "%s", csv);
    s_has (csv, "2022-H1,QT,Liên đoàn Lao động tỉnh Quảng Trị,,members.new,1901,2021-H1,1700,11.8\r\n");
    s_has (csv, "2022-H1,QT.DONGHA,LĐLĐ thành phố Đông Hà,QT,members.new,600,2021-H1,700,-14.3\r\n");
    s_has (csv, "2022-H1,QT.DAKRONG,LĐLĐ huyện Đakrông,QT,members.new,190,2021-H1,,\r\n");
    free (csv);

    char *json = s_render (&f, "2022-H1", US_FORMAT_JSON, true, false);
    cr_assert (us_test_json_valid (json), "%s", json);
    s_has (json, "\"previous_period\":\"2021-H1\"");
    s_has (json, "\"members.new\":{\"value\":1901,\"previous\":1700,\"change\":11.8}");
    free (json);

    /* Without a comparison, CSV and JSON are the report's own. */
    json = s_render (&f, "2022-H1", US_FORMAT_JSON, false, false);
    cr_assert (us_test_json_valid (json));
    s_has (json, "\"completeness\":");
    free (json);
    s_fixture_close (&f);
}

/* Parts, units of measure and formulas in every printer: parts follow
   their whole as "trong đó", units beside figures (in JSON only in the
   catalog section), money the Vietnamese way in Vietnamese outputs, and a
   formula that divides by zero shows "-" with its reason. */
Test (print, parts_units_formulas)
{
    s_fixture_t f;
    s_fixture_open (&f);
    /* The default catalog with one more formula, which divides. */
    char csv [160], *text;
    size_t len;
    cr_assert_eq (us_csv_read_file (&text, &len, US_SOURCE_DIR "/data/indicators.csv"), 0);
    FILE *out = fopen (us_test_path (csv, sizeof csv, f.dir, "more.csv"), "w");
    cr_assert_not_null (out);
    fprintf (out, "%s", text);
    fprintf (out, "per.union,Thỏa ước trên mỗi CĐCS mới,formula,,,lww,,cla.signed / cdcs.new,,bản,,\n");
    fclose (out);
    free (text);
    int count;
    cr_assert_eq (us_pstore_import_indicators (f.store, &count, csv), 0, "%s", us_error_msg ());
    s_put (f.store, "QT.DONGHA", "2022-03", "cla.signed", "10");
    s_put (f.store, "QT.DONGHA", "2022-03", "cla.signed.a", "4");
    s_put (f.store, "QT.DONGHA", "2022-03", "cla.signed.b", "3");
    s_put (f.store, "QT.GIOLINH", "2022-03", "cla.signed", "2");
    s_put (f.store, "QT.GIOLINH", "2022-03", "cdcs.new", "0");
    /* 4 * 8.500.000 + 3 * 6.000.000 = 52.000.000 đồng. */
    char *vi = s_render (&f, "2022-H1", US_FORMAT_VI, false, false);
    s_has (vi, "ký kết 12 bản thỏa ước lao động tập thể, trong đó 4 bản loại A và 3 bản loại B");
    s_has (vi, "hỗ trợ 52 triệu đồng cho 4 bản thỏa ước loại A, 3 bản loại B");
    cr_assert_null (strstr (vi, "CĐCS mới có từ 25"), "an optional part without its figure is left out");
    free (vi);

    text = s_render (&f, "2022-H1", US_FORMAT_TEXT, false, false);
    s_has (text, "  trong đó cla.signed.a");
    s_has (text, "52,000,000 đồng");
    s_has (text, "per.union of QT.GIOLINH: - (division by zero)");
    free (text);

    char *html = s_render (&f, "2022-H1", US_FORMAT_HTML, false, false);
    s_has (html, "<span class=\"part\">trong đó:</span> Thỏa ước loại A <span class=\"unit\">(bản)</span>");
    s_has (html, "<span class=\"unit\">(đồng)</span>");
    s_has (html, "<td class=\"num\">52.000.000</td>");
    s_has (html, "(chia cho 0)");
    free (html);

    char *json = s_render (&f, "2022-H1", US_FORMAT_JSON, false, false);
    s_has (json, "\"support.hanoi\":52000000");
    s_has (json, "\"not_computed\":{\"per.union\":\"division by zero\"}");
    s_has (json, "\"support.hanoi\":{\"name\":");
    s_has (json, "\"kind\":\"formula\",\"unit\":\"đồng\",\"parent\":null,\"formula\":\"8500000 * cla.signed.a");
    s_has (json, "\"cla.signed.a\":{\"name\":\"Thỏa ước loại A\",\"kind\":\"flow\",\"unit\":\"bản\",\"parent\":\"cla.signed\"}");
    free (json);

    char *cmp = s_render (&f, "2022-H1", US_FORMAT_CSV, false, false);
    s_has (cmp, ",support.hanoi,52000000,,,,,,,đồng,\r\n");
    s_has (cmp, ",cla.signed.a,4,,,,,,,bản,cla.signed\r\n");
    free (cmp);

    /* A ranking and a target work for a formula too. */
    s_target (f.store, "QT.DONGHA", "support.hanoi", "2022-H1", "104000000", "province");
    us_report_t *r;
    cr_assert_eq (us_pstore_report_build (&r, f.store, "2022-H1", NULL), 0, "%s", us_error_msg ());
    double pct;
    cr_assert (us_report_achievement (&pct, r, "QT.DONGHA", "support.hanoi", US_SOURCE_PROVINCE));
    cr_assert_float_eq (pct, 50.0, 1e-9);
    us_rank_t ranks [16];
    size_t n;
    cr_assert_eq (us_rank (ranks, &n, r, "support.hanoi", US_SOURCE_PROVINCE, US_RANK_VALUE), 0);
    us_report_unit_t first;
    us_report_unit (&first, r, ranks [0].unit);
    cr_assert_str_eq (first.code, "QT.DONGHA");
    cr_assert_eq (ranks [0].rank, 1);
    us_report_destroy (&r);
    s_fixture_close (&f);
}
