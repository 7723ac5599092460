/*  Unit tests for us_words: figures, money, periods and names written the
    way reports write them. */
#include "us_catalog.h"
#include "us_period.h"
#include "us_words.h"

#include "us_test.h"

/* Writes the Vietnamese phrase of a period text into buf. */
static const char *
s_vi (char *buf, size_t size, const char *text)
{
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, text), 0, "%s", text);
    us_words_vi_period (buf, size, &p);
    return buf;
}

/* Periods read the way the federation's reports say them. */
Test (words, vi_periods)
{
    char b [96];
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-05"), "tháng 5 năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-Q1"), "quý I năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-Q2"), "quý II năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-Q3"), "quý III năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-Q4"), "quý IV năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-H1"), "6 tháng đầu năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-H2"), "6 tháng cuối năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2021"), "năm 2021");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-01..2022-05"), "5 tháng đầu năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2017-01..2017-06"), "6 tháng đầu năm 2017");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-03..2022-05"), "từ tháng 3 đến tháng 5 năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-01..2022-12"), "năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2022-03..2022-03"), "tháng 3 năm 2022");
    cr_assert_str_eq (s_vi (b, sizeof b, "2013..2018"), "giai đoạn 2013–2018");
    cr_assert_str_eq (s_vi (b, sizeof b, "2021-11..2022-02"),
                      "từ tháng 11 năm 2021 đến tháng 2 năm 2022");
}

/* Names sort in Vietnamese alphabetical order, whatever their encoding. */
Test (words, collate)
{
    cr_assert_lt (us_words_collate ("LĐLĐ huyện Đakrông", "LĐLĐ huyện Gio Linh"), 0);
    cr_assert_lt (us_words_collate ("LĐLĐ huyện Cam Lộ", "LĐLĐ huyện Đakrông"), 0);
    cr_assert_lt (us_words_collate ("Dung", "Đông"), 0);
    cr_assert_lt (us_words_collate ("Az", "Ăn"), 0);
    cr_assert_lt (us_words_collate ("Ăn", "Ân"), 0);
    cr_assert_lt (us_words_collate ("Ong", "Ơn"), 0);
    cr_assert_lt (us_words_collate ("Công đoàn ngành Y tế", "Công đoàn Viên chức tỉnh"), 0);
    cr_assert_lt (us_words_collate ("Ha", "Hà"), 0);
    cr_assert_lt (us_words_collate ("Hà", "Hạ"), 0);
    cr_assert_lt (us_words_collate ("Hạ", "Hb"), 0);
    cr_assert_lt (us_words_collate ("Hải", "Hàm"), 0, "the letters decide before the tone");
    cr_assert_lt (us_words_collate ("an", "anh"), 0);
    cr_assert_eq (us_words_collate ("Hướng Hóa", "Hướng Hóa"), 0);
    /* Combining marks sort with their letters; only the bytes tell them apart. */
    const char *nfd = "Hu\xCC\x9Bo\xCC\x9B\xCC\x81ng Ho\xCC\x81" "a";
    cr_assert_lt (us_words_collate (nfd, "Hướng Hób"), 0);
    cr_assert_gt (us_words_collate (nfd, "Hướng Hó"), 0);
    cr_assert_lt (us_words_collate ("Hương", nfd), 0);
}

/* HTML special characters are escaped; other UTF-8 passes through. */
Test (words, html_escape)
{
    us_test_capture_t c;
    us_test_capture_open (&c);
    us_words_html_escape (c.f, "<script>alert(\"x\" & 'y')</script> Đakrông");
    us_test_capture_close (&c);
    cr_assert_str_eq (c.buf, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt; Đakrông");
    free (c.buf);
}

/* Writes v of an indicator of kind and unit with a writer into buf. */
static const char *
s_fig (char *buf, size_t size, void (*writer) (char *, size_t, const us_indicator_t *, double),
       us_kind_t kind, const char *unit, double v)
{
    us_indicator_t ind = { .kind = kind };
    snprintf (ind.unit, sizeof ind.unit, "%s", unit);
    writer (buf, size, &ind, v);
    return buf;
}

/* Counts, ratios and computed fractions the English and the Vietnamese way. */
Test (words, figures)
{
    char b [64];
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_en, US_KIND_FLOW, "người", 2273), "2,273");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi, US_KIND_FLOW, "người", 2273), "2.273");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_en, US_KIND_RATIO, "%", 41.8), "41.8%");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi, US_KIND_RATIO, "%", 41.8), "41,8%");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi, US_KIND_RATIO, "%", 96), "96%");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_en, US_KIND_FORMULA, "", 4.5), "4.5");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi, US_KIND_FORMULA, "", 1234.5), "1.234,5");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi, US_KIND_FORMULA, "đồng", 8500000),
                      "8.500.000");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_en, US_KIND_FORMULA, "đồng", -8500000),
                      "-8,500,000");
}

/* A plain figure (JSON, CSV) is written as printf writes it: whole
   figures digit by digit, fractions and ratios with one decimal. */
Test (words, plain)
{
    us_indicator_t ind;
    memset (&ind, 0, sizeof ind);
    static const double whole [] = { 0, 7, 10, 1901, 1000000000000.0, 9007199254740993.0,
                                     8.9e18, 9.1e18, -5, -0.0, 1e300 };
    static const double part [] = { 4.5, 0.1, 1234.5, -2.5 };
    us_kind_t kinds [] = { US_KIND_FLOW, US_KIND_STOCK, US_KIND_FORMULA, US_KIND_RATIO };
    char want [400];
    for (size_t k = 0; k < 4; k++)
        for (size_t n = 0; n < sizeof whole / sizeof whole [0] + 4; n++) {
            ind.kind = kinds [k];
            bool fraction = n >= sizeof whole / sizeof whole [0];
            double v = fraction ? part [n - sizeof whole / sizeof whole [0]] : whole [n];
            us_test_capture_t c;
            us_test_capture_open (&c);
            us_words_plain (c.f, &ind, v);
            us_test_capture_close (&c);
            snprintf (want, sizeof want, ind.kind == US_KIND_RATIO || fraction ? "%.1f" : "%.0f", v);
            cr_assert_str_eq (c.buf, want, "kind %zu, %g", k, v);
            free (c.buf);
        }
}

/* Money in running text: millions or billions when exact to three
   decimals, else in full; counts stay plain numbers. */
Test (words, money_in_text)
{
    char b [64];
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FORMULA, "đồng", 8500000),
                      "8,5 triệu đồng");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FORMULA, "đồng", 263000000),
                      "263 triệu đồng");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FORMULA, "đồng", 760500000),
                      "760,5 triệu đồng");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FORMULA, "đồng", 1250000000),
                      "1,25 tỷ đồng");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FORMULA, "đồng", 2380125000),
                      "2.380,125 triệu đồng", "not exact in billions: millions");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FLOW, "đồng", 8523417),
                      "8.523.417 đồng");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FLOW, "đồng", 500000),
                      "500.000 đồng");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FORMULA, "đồng", 12.5),
                      "12,5 đồng");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_FLOW, "người", 1901), "1.901");
    cr_assert_str_eq (s_fig (b, sizeof b, us_words_vi_text, US_KIND_RATIO, "%", 96), "96%");
}

/* Targets the Vietnamese way; names lowered but for abbreviations; long
   names clipped by letters, not bytes. */
Test (words, targets_and_names)
{
    char b [96];
    us_report_target_t t = { .lo = 6000, .hi = 7000, .range = true };
    us_words_vi_target (b, sizeof b, &t);
    cr_assert_str_eq (b, "6.000–7.000");
    t.range = false;
    us_words_vi_target (b, sizeof b, &t);
    cr_assert_str_eq (b, "6.000");
    us_words_lower_first (b, sizeof b, "Phát triển đoàn viên mới");
    cr_assert_str_eq (b, "phát triển đoàn viên mới");
    us_words_lower_first (b, sizeof b, "CĐCS doanh nghiệp");
    cr_assert_str_eq (b, "CĐCS doanh nghiệp");
    us_words_lower_first (b, sizeof b, "Đoàn viên");
    cr_assert_str_eq (b, "đoàn viên");
    us_words_clip (b, sizeof b, "LĐLĐ huyện Hướng Hóa", 10);
    cr_assert_str_eq (b, "LĐLĐ huyệ…");
    us_words_clip (b, sizeof b, "Gio Linh", 10);
    cr_assert_str_eq (b, "Gio Linh");
    cr_assert_str_eq (us_words_vi_source (US_SOURCE_TLD), "chỉ tiêu Tổng Liên đoàn giao");
}
