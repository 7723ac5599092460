/*  Unit tests for us_period: parsing, canonical text, containment, month
    counts and year shifts of report periods. */
#include "us_error.h"
#include "us_period.h"

#include "us_test.h"

/* Parses text and fails the test unless it succeeds. */
static us_period_t
s_parse (const char *text)
{
    us_period_t p;
    memset (&p, 0, sizeof p);
    int rc = us_period_parse (&p, text);
    cr_assert_eq (rc, 0, "'%s' should parse: %s", text, us_error_msg ());
    return p;
}

/* A month parses to a single month with its canonical spelling. */
Test (period, month)
{
    us_period_t p = s_parse ("2022-05");
    cr_assert_eq (p.kind, US_PERIOD_MONTH);
    cr_assert_eq (p.first, us_test_month (2022, 5));
    cr_assert_eq (p.last, us_test_month (2022, 5));
    cr_assert_str_eq (p.text, "2022-05");
    cr_assert_eq (us_period_months (&p), 1);
}

/* A quarter covers its three months; lower case q is accepted and
   spelled canonically. */
Test (period, quarter)
{
    us_period_t p = s_parse ("2022-Q2");
    cr_assert_eq (p.kind, US_PERIOD_QUARTER);
    cr_assert_eq (p.first, us_test_month (2022, 4));
    cr_assert_eq (p.last, us_test_month (2022, 6));
    cr_assert_str_eq (p.text, "2022-Q2");
    cr_assert_eq (us_period_months (&p), 3);

    p = s_parse ("2022-q4");
    cr_assert_str_eq (p.text, "2022-Q4");
    cr_assert_eq (p.first, us_test_month (2022, 10));
    cr_assert_eq (p.last, us_test_month (2022, 12));
}

/* Every quarter starts and ends on the right months. */
Test (period, quarter_bounds)
{
    for (int q = 1; q <= 4; q++) {
        char text [16];
        snprintf (text, sizeof text, "2021-Q%d", q);
        us_period_t p = s_parse (text);
        cr_assert_eq (p.first, us_test_month (2021, 3 * q - 2), "first of %s", text);
        cr_assert_eq (p.last, us_test_month (2021, 3 * q), "last of %s", text);
    }
}

/* Halves cover six months each. */
Test (period, half)
{
    us_period_t p = s_parse ("2022-H1");
    cr_assert_eq (p.kind, US_PERIOD_HALF);
    cr_assert_eq (p.first, us_test_month (2022, 1));
    cr_assert_eq (p.last, us_test_month (2022, 6));
    cr_assert_str_eq (p.text, "2022-H1");
    cr_assert_eq (us_period_months (&p), 6);

    p = s_parse ("2022-h2");
    cr_assert_str_eq (p.text, "2022-H2");
    cr_assert_eq (p.first, us_test_month (2022, 7));
    cr_assert_eq (p.last, us_test_month (2022, 12));
}

/* A year covers January to December. */
Test (period, year)
{
    us_period_t p = s_parse ("2022");
    cr_assert_eq (p.kind, US_PERIOD_YEAR);
    cr_assert_eq (p.first, us_test_month (2022, 1));
    cr_assert_eq (p.last, us_test_month (2022, 12));
    cr_assert_str_eq (p.text, "2022");
    cr_assert_eq (us_period_months (&p), 12);
}

/* A month range (year to date) runs from the first month of its start to
   the last month of its end. */
Test (period, month_range)
{
    us_period_t p = s_parse ("2022-01..2022-05");
    cr_assert_eq (p.kind, US_PERIOD_RANGE);
    cr_assert_eq (p.first, us_test_month (2022, 1));
    cr_assert_eq (p.last, us_test_month (2022, 5));
    cr_assert_str_eq (p.text, "2022-01..2022-05");
    cr_assert_eq (us_period_months (&p), 5);
}

/* A congress term written as a range of years covers 72 months. */
Test (period, year_range)
{
    us_period_t p = s_parse ("2013..2018");
    cr_assert_eq (p.kind, US_PERIOD_RANGE);
    cr_assert_eq (p.first, us_test_month (2013, 1));
    cr_assert_eq (p.last, us_test_month (2018, 12));
    cr_assert_str_eq (p.text, "2013..2018");
    cr_assert_eq (us_period_months (&p), 72);
}

/* Ranges may mix kinds and may span a single month. */
Test (period, mixed_and_single_ranges)
{
    us_period_t p = s_parse ("2022-Q1..2022-H2");
    cr_assert_eq (p.first, us_test_month (2022, 1));
    cr_assert_eq (p.last, us_test_month (2022, 12));
    cr_assert_str_eq (p.text, "2022-Q1..2022-H2");

    p = s_parse ("2022-03..2022-03");
    cr_assert_eq (p.kind, US_PERIOD_RANGE);
    cr_assert_eq (us_period_months (&p), 1);

    p = s_parse ("2021-11..2022-02");
    cr_assert_eq (us_period_months (&p), 4);
}

/* The calendar's edges parse; one year beyond them does not. */
Test (period, calendar_edges)
{
    us_period_t p = s_parse ("1990-01");
    cr_assert_eq (p.first, US_YEAR_MIN * 12);
    p = s_parse ("2200-12");
    cr_assert_eq (p.last, US_YEAR_MAX * 12 + 11);
    cr_assert_eq (us_period_parse (&p, "1989-12"), US_EINVAL);
    cr_assert_eq (us_period_parse (&p, "2201"), US_EINVAL);
    cr_assert_eq (us_period_parse (&p, "0000"), US_EINVAL);
}

/* Bad strings are refused with US_EINVAL and an error message, and leave
   the output untouched. */
Test (period, bad_strings)
{
    static const char *bad [] = {
        "2022-13", "2022-00", "2022-Q5", "2022-Q0", "2022-H3", "2022-H0", "22-05",
        "", "2022-05..2021-01", "2022..2021", "garbage", "2022-5", " 2022", "2022 ",
        "2022-05 ", "2022-05-01", "2022/05", "2022-Q", "2022-QQ", "2022-Q2x",
        "2022-05..", "..2022-05", "..", "2022..2023..2024", "2022-05...2022-06",
        "20222", "-2022", "+2022", "2022-", "2022-M5", "2O22", "2022-0x",
        "\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x92",
        "2022\n", "2022-05\t",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        us_period_t p;
        memset (&p, 0x5A, sizeof p);
        us_error_clear ();
        int rc = us_period_parse (&p, bad [i]);
        cr_assert_eq (rc, US_EINVAL, "'%s' should be refused", bad [i]);
        cr_assert_neq (us_error_msg () [0], 0, "no message for '%s'", bad [i]);
        cr_assert_eq (p.first, 0x5A5A5A5A, "output changed for '%s'", bad [i]);
    }
}

/* NULL is refused, not dereferenced. */
Test (period, null_text)
{
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, NULL), US_EINVAL);
    int m;
    cr_assert_eq (us_month_parse (&m, NULL), US_EINVAL);
}

/* An overlong string is refused and the message stays one short line. */
Test (period, overlong)
{
    char text [4096];
    memset (text, '9', sizeof text - 1);
    text [sizeof text - 1] = 0;
    us_period_t p;
    cr_assert_eq (us_period_parse (&p, text), US_EINVAL);
    cr_assert_lt (strlen (us_error_msg ()), 200);
    cr_assert_null (strchr (us_error_msg (), '\n'));

    /* A valid start followed by a long tail is still refused. */
    char tail [600];
    snprintf (tail, sizeof tail, "2022-05..2022-06");
    memset (tail + strlen (tail), '1', 500);
    tail [16 + 500] = 0;
    cr_assert_eq (us_period_parse (&p, tail), US_EINVAL);

    /* A range longer than the text buffer of the period. */
    cr_assert_eq (us_period_parse (&p, "2022-05..2022-06..2022-07..2022-08..2022-09"),
                  US_EINVAL);
}

/* us_month_parse takes exactly YYYY-MM. */
Test (period, month_parse)
{
    int m = -1;
    cr_assert_eq (us_month_parse (&m, "2022-05"), 0);
    cr_assert_eq (m, us_test_month (2022, 5));
    static const char *bad [] = { "2022", "2022-Q2", "2022-H1", "2022-01..2022-02",
                                  "2022-13", "2022-5", "", "x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        m = -1;
        cr_assert_eq (us_month_parse (&m, bad [i]), US_EINVAL, "'%s'", bad [i]);
        cr_assert_eq (m, -1);
    }
}

/* Every month of the calendar formats and parses back to itself. */
Test (period, month_format_round_trip)
{
    for (int m = US_YEAR_MIN * 12; m <= US_YEAR_MAX * 12 + 11; m++) {
        char buf [8];
        us_month_format (buf, m);
        cr_assert_eq (strlen (buf), 7);
        int back;
        cr_assert_eq (us_month_parse (&back, buf), 0, "%s", buf);
        cr_assert_eq (back, m);
        cr_assert_eq (us_month_year (m), m / 12);
    }
    char buf [8];
    us_month_format (buf, us_test_month (2022, 12));
    cr_assert_str_eq (buf, "2022-12");
}

/* us_month_valid accepts exactly the supported calendar. */
Test (period, month_valid)
{
    cr_assert (us_month_valid (US_YEAR_MIN * 12));
    cr_assert (us_month_valid (US_YEAR_MAX * 12 + 11));
    cr_assert (us_month_valid (us_test_month (2022, 5)));
    cr_assert_not (us_month_valid (US_YEAR_MIN * 12 - 1));
    cr_assert_not (us_month_valid (US_YEAR_MAX * 12 + 12));
    cr_assert_not (us_month_valid (0));
    cr_assert_not (us_month_valid (-1));
}

/* Containment follows the months: the year holds its halves, quarters and
   months; a half does not fit in a five-month range. */
Test (period, contains)
{
    us_period_t y = s_parse ("2022"), h1 = s_parse ("2022-H1"), q2 = s_parse ("2022-Q2");
    us_period_t m5 = s_parse ("2022-05"), q3 = s_parse ("2022-Q3");
    us_period_t ytd = s_parse ("2022-01..2022-05"), term = s_parse ("2013..2018");
    us_period_t y17 = s_parse ("2017"), y19 = s_parse ("2019");
    cr_assert (us_period_contains (&y, &h1));
    cr_assert (us_period_contains (&h1, &q2));
    cr_assert (us_period_contains (&q2, &m5));
    cr_assert (us_period_contains (&y, &m5));
    cr_assert (us_period_contains (&m5, &m5));
    cr_assert (us_period_contains (&h1, &ytd));
    cr_assert (us_period_contains (&term, &y17));
    cr_assert_not (us_period_contains (&h1, &q3));
    cr_assert_not (us_period_contains (&ytd, &h1));
    cr_assert_not (us_period_contains (&m5, &q2));
    cr_assert_not (us_period_contains (&term, &y19));
    cr_assert_not (us_period_contains (&h1, &y));
}

/* Shifting moves both ends by whole years and keeps the kind. */
Test (period, shift_years)
{
    us_period_t out, p = s_parse ("2022-Q2");
    cr_assert_eq (us_period_shift_years (&out, &p, -1), 0);
    cr_assert_eq (out.kind, US_PERIOD_QUARTER);
    cr_assert_eq (out.first, us_test_month (2021, 4));
    cr_assert_eq (out.last, us_test_month (2021, 6));
    cr_assert_str_eq (out.text, "2021-Q2");

    p = s_parse ("2022-05");
    cr_assert_eq (us_period_shift_years (&out, &p, 1), 0);
    cr_assert_str_eq (out.text, "2023-05");
    cr_assert_eq (out.first, us_test_month (2023, 5));

    p = s_parse ("2022-H2");
    cr_assert_eq (us_period_shift_years (&out, &p, -3), 0);
    cr_assert_str_eq (out.text, "2019-H2");

    p = s_parse ("2022");
    cr_assert_eq (us_period_shift_years (&out, &p, 0), 0);
    cr_assert_str_eq (out.text, "2022");

    p = s_parse ("2022-01..2022-05");
    cr_assert_eq (us_period_shift_years (&out, &p, -1), 0);
    cr_assert_eq (out.kind, US_PERIOD_RANGE);
    cr_assert_eq (out.first, us_test_month (2021, 1));
    cr_assert_eq (out.last, us_test_month (2021, 5));
    cr_assert_str_eq (out.text, "2021-01..2021-05");
}

/* A shifted period's text parses back to the same months. */
Test (period, shift_text_parses_back)
{
    static const char *texts [] = { "2022-05", "2022-Q3", "2022-H1", "2022",
                                    "2022-01..2022-05", "2013..2018", "2022-Q1..2022-Q2" };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++) {
        us_period_t p = s_parse (texts [i]), out, back;
        cr_assert_eq (us_period_shift_years (&out, &p, 5), 0);
        cr_assert_eq (us_period_parse (&back, out.text), 0, "'%s'", out.text);
        cr_assert_eq (back.first, out.first, "%s", texts [i]);
        cr_assert_eq (back.last, out.last, "%s", texts [i]);
        cr_assert_eq (out.first - p.first, 60);
    }
}

/* Shifting a congress term gives the next term in the same spelling
   (the canonical text is what targets are keyed by). */
Test (period, shift_keeps_range_spelling)
{
    us_period_t p = s_parse ("2013..2018"), out;
    cr_assert_eq (us_period_shift_years (&out, &p, 5), 0);
    us_period_t expect = s_parse ("2018..2023");
    cr_assert_eq (out.first, expect.first);
    cr_assert_eq (out.last, expect.last);
    cr_assert_str_eq (out.text, expect.text,
                      "shifted term spelled '%s', parsing the same term gives '%s'",
                      out.text, expect.text);
}

/* Shifting out of the calendar is refused and leaves out untouched. */
Test (period, shift_out_of_range)
{
    us_period_t p = s_parse ("1990"), out;
    memset (&out, 0x5A, sizeof out);
    cr_assert_eq (us_period_shift_years (&out, &p, -1), US_EINVAL);
    cr_assert_eq (out.first, 0x5A5A5A5A);
    p = s_parse ("2200-Q4");
    cr_assert_eq (us_period_shift_years (&out, &p, 1), US_EINVAL);
    p = s_parse ("2022");
    cr_assert_eq (us_period_shift_years (&out, &p, 1000), US_EINVAL);
    cr_assert_eq (us_period_shift_years (&out, &p, -1000), US_EINVAL);
}
