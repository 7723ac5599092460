/*  us_period: report periods as ranges of months. */
#include "us_period.h"
#include "us_error.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

/* Reads exactly n digits at s into *value; returns false otherwise. */
static bool
s_digits (const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit ((unsigned char) s [i]))
            return false;
        v = v * 10 + (s [i] - '0');
    }
    *value = v;
    return true;
}

/* Returns true when year is within the supported calendar. */
static bool
s_year_ok (int year)
{
    return year >= US_YEAR_MIN && year <= US_YEAR_MAX;
}

/* Parses one period without "..". */
static int
s_parse_single (us_period_t *p, const char *s, size_t len)
{
    int year, n;
    if (len < 4 || !s_digits (s, 4, &year) || !s_year_ok (year))
        return US_EINVAL;
    int base = year * 12;
    if (len == 4) {
        p->first = base;
        p->last = base + 11;
        p->kind = US_PERIOD_YEAR;
        snprintf (p->text, sizeof p->text, "%04d", year);
        return 0;
    }
    if (s [4] != '-')
        return US_EINVAL;
    if (len == 7 && s_digits (s + 5, 2, &n) && n >= 1 && n <= 12) {
        p->first = p->last = base + n - 1;
        p->kind = US_PERIOD_MONTH;
        snprintf (p->text, sizeof p->text, "%04d-%02d", year, n);
        return 0;
    }
    if (len == 7 && (s [5] == 'Q' || s [5] == 'q')
    &&  s [6] >= '1' && s [6] <= '4') {
        n = s [6] - '0';
        p->first = base + (n - 1) * 3;
        p->last = p->first + 2;
        p->kind = US_PERIOD_QUARTER;
        snprintf (p->text, sizeof p->text, "%04d-Q%d", year, n);
        return 0;
    }
    if (len == 7 && (s [5] == 'H' || s [5] == 'h')
    &&  (s [6] == '1' || s [6] == '2')) {
        n = s [6] - '0';
        p->first = base + (n - 1) * 6;
        p->last = p->first + 5;
        p->kind = US_PERIOD_HALF;
        snprintf (p->text, sizeof p->text, "%04d-H%d", year, n);
        return 0;
    }
    return US_EINVAL;
}

/* Parses a period string into *period. Returns 0 or US_EINVAL. */
int
us_period_parse (us_period_t *period, const char *text)
{
    if (!text)
        return us_error_set (US_EINVAL, "missing period");
    size_t len = strlen (text);
    const char *dots = strstr (text, "..");
    us_period_t a, b;
    if (!dots) {
        if (s_parse_single (&a, text, len) != 0)
            goto bad;
        *period = a;
        return 0;
    }
    if (s_parse_single (&a, text, (size_t) (dots - text)) != 0
    ||  s_parse_single (&b, dots + 2, strlen (dots + 2)) != 0
    ||  b.last < a.first)
        goto bad;
    period->first = a.first;
    period->last = b.last;
    period->kind = US_PERIOD_RANGE;
    snprintf (period->text, sizeof period->text, "%.16s..%.16s", a.text, b.text);
    return 0;
bad:
    return us_error_set (US_EINVAL,
        "bad period '%.40s' (use 2022-05, 2022-Q2, 2022-H1, 2022 or 2022-01..2022-05)",
        text);
}

/* Parses a single month "YYYY-MM" into *month. Returns 0 or US_EINVAL. */
int
us_month_parse (int *month, const char *text)
{
    us_period_t p;
    if (!text || strlen (text) != 7 || s_parse_single (&p, text, 7) != 0
    ||  p.kind != US_PERIOD_MONTH)
        return us_error_set (US_EINVAL, "bad month '%.40s' (use YYYY-MM)",
                             text ? text : "");
    *month = p.first;
    return 0;
}

/* Writes a month as "YYYY-MM" into buf (at least 8 bytes). */
void
us_month_format (char *buf, int month)
{
    char tmp [32];
    snprintf (tmp, sizeof tmp, "%04d-%02d", (month / 12) % 10000, (month % 12 + 12) % 12 + 1);
    memcpy (buf, tmp, 7);
    buf [7] = 0;
}

/* Returns the year of a month index. */
int
us_month_year (int month)
{
    return month / 12;
}

/* Returns true when month lies within a valid calendar range. */
bool
us_month_valid (int month)
{
    return month >= US_YEAR_MIN * 12 && month <= US_YEAR_MAX * 12 + 11;
}

/* Returns true when inner lies wholly within outer. */
bool
us_period_contains (const us_period_t *outer, const us_period_t *inner)
{
    return inner->first >= outer->first && inner->last <= outer->last;
}

/* Returns the number of months in a period. */
int
us_period_months (const us_period_t *period)
{
    return period->last - period->first + 1;
}

/* Sets *out to the same period shifted by whole years. */
int
us_period_shift_years (us_period_t *out, const us_period_t *period, int years)
{
    const char *dots = strstr (period->text, "..");
    if (dots) {
        /* Shift each end as spelled, so 2013..2018 stays a range of years. */
        us_period_t a, b, pa, pb;
        if (s_parse_single (&a, period->text, (size_t) (dots - period->text)) != 0
        ||  s_parse_single (&b, dots + 2, strlen (dots + 2)) != 0
        ||  us_period_shift_years (&pa, &a, years) != 0
        ||  us_period_shift_years (&pb, &b, years) != 0)
            return us_error_set (US_EINVAL, "period out of range");
        *out = *period;
        out->first = pa.first;
        out->last = pb.last;
        snprintf (out->text, sizeof out->text, "%.16s..%.16s", pa.text, pb.text);
        return 0;
    }
    us_period_t p = *period;
    p.first += years * 12;
    p.last += years * 12;
    if (!us_month_valid (p.first) || !us_month_valid (p.last))
        return us_error_set (US_EINVAL, "period out of range");
    char a [8];
    us_month_format (a, p.first);
    int y = us_month_year (p.first);
    switch (p.kind) {
        case US_PERIOD_MONTH:   snprintf (p.text, sizeof p.text, "%s", a); break;
        case US_PERIOD_QUARTER: snprintf (p.text, sizeof p.text, "%04d-Q%d", y, p.first % 12 / 3 + 1); break;
        case US_PERIOD_HALF:    snprintf (p.text, sizeof p.text, "%04d-H%d", y, p.first % 12 / 6 + 1); break;
        case US_PERIOD_YEAR:    snprintf (p.text, sizeof p.text, "%04d", y); break;
        case US_PERIOD_RANGE:   break;
    }
    *out = p;
    return 0;
}

/* Returns the deadline of a period's report: the 20th of the next month,
   end of day in Vietnam's time (UTC+7, whatever the machine's zone), in
   milliseconds. */
int64_t
us_period_deadline_ms (const us_period_t *period)
{
    int next = period->last + 1;
    struct tm tm = { 0 };
    tm.tm_year = us_month_year (next) - 1900;
    tm.tm_mon = next % 12;
    tm.tm_mday = 20;
    tm.tm_hour = 23;
    tm.tm_min = 59;
    tm.tm_sec = 59;
    return (int64_t) timegm (&tm) * 1000 + 999 - 7 * 3600 * 1000LL;
}

/* Writes the deadline day of a period's report as d/m/yyyy. */
void
us_period_deadline_day (char *buf, size_t size, const us_period_t *period)
{
    int next = period->last + 1;
    snprintf (buf, size, "20/%d/%d", next % 12 + 1, us_month_year (next));
}
