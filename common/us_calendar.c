/*  us_calendar: reporting deadlines and "today" in Vietnam's time. */
#include "us_calendar.h"
#include "us_error.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a civil date (proleptic Gregorian); works
   without the machine's zone or timegm. */
static int64_t
s_days (int year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Returns the number of days of month (1..12) of year. */
static int
s_month_days (int year, int month)
{
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days [month - 1];
}

/* Parses a deadline rule "M:D"; empty is the default. */
int
us_deadline_rule_parse (us_deadline_rule_t *rule, const char *text)
{
    if (!text || !*text)
        text = US_CALENDAR_DEFAULT_RULE;
    int m, d, end = 0;
    if (sscanf (text, "%d:%d%n", &m, &d, &end) != 2 || text [end] != '\0'
    ||  m < 0 || m > 12 || d < 1 || d > 31)
        return us_error_set (US_EINVAL, "deadline '%.20s' is not M:D (months after the "
                             "period's last month 0..12, day 1..31)", text);
    rule->months_after = m;
    rule->day = d;
    return 0;
}

/* Finds the deadline's year, month (1..12) and day. */
static void
s_deadline_date (int *year, int *month, int *day, const us_period_t *period,
                 const us_deadline_rule_t *rule)
{
    int m = period->last + rule->months_after;
    *year = us_month_year (m);
    *month = m % 12 + 1;
    int last = s_month_days (*year, *month);
    *day = rule->day > last ? last : rule->day;
}

/* Returns the end of the deadline day in Vietnam's time, in ms. */
int64_t
us_calendar_deadline_ms (const us_period_t *period, const us_deadline_rule_t *rule)
{
    int y, m, d;
    s_deadline_date (&y, &m, &d, period, rule);
    return (s_days (y, m, d) + 1) * 86400000LL - US_CALENDAR_OFFSET_MS - 1;
}

/* Writes the deadline day as d/m/yyyy. */
void
us_calendar_deadline_day (char *buf, size_t size, const us_period_t *period,
                          const us_deadline_rule_t *rule)
{
    int y, m, d;
    s_deadline_date (&y, &m, &d, period, rule);
    snprintf (buf, size, "%d/%d/%d", d, m, y);
}

/* Returns the month containing at_ms in Vietnam's time. */
int
us_calendar_month_at (int64_t at_ms)
{
    int64_t days = (at_ms + US_CALENDAR_OFFSET_MS) / 86400000LL;
    if (at_ms + US_CALENDAR_OFFSET_MS < 0 && (at_ms + US_CALENDAR_OFFSET_MS) % 86400000LL)
        days--;
    /* civil date from days (the inverse of s_days) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yoe + era * 400 + (month <= 2));
    return year * 12 + month - 1;
}

/* Parses YYYY-MM-DD as the end of that day in Vietnam's time. */
int
us_calendar_day_parse (int64_t *at_ms, const char *text)
{
    int y, m, d, end = 0;
    if (!text || sscanf (text, "%4d-%2d-%2d%n", &y, &m, &d, &end) != 3 || text [end] != '\0'
    ||  y < US_YEAR_MIN || y > US_YEAR_MAX || m < 1 || m > 12 || d < 1
    ||  d > s_month_days (y, m))
        return us_error_set (US_EINVAL, "'%.20s' is not a day YYYY-MM-DD", text ? text : "");
    *at_ms = (s_days (y, m, d) + 1) * 86400000LL - US_CALENDAR_OFFSET_MS - 1;
    return 0;
}

/* Writes an instant as YYYY-MM-DD HH:MM in Vietnam's time. */
void
us_calendar_time_text (char *buf, size_t size, int64_t at_ms)
{
    int64_t local = at_ms + US_CALENDAR_OFFSET_MS;
    int64_t days = local / 86400000LL - (local < 0 && local % 86400000LL);
    int64_t in_day = local - days * 86400000LL;
    int month = us_calendar_month_at (at_ms);
    int year = us_month_year (month);
    int64_t day = days - s_days (year, month % 12 + 1, 1) + 1;
    snprintf (buf, size, "%04d-%02d-%02d %02d:%02d", year, month % 12 + 1, (int) day,
              (int) (in_day / 3600000), (int) (in_day / 60000 % 60));
}

/* Returns now in ms since the epoch. */
int64_t
us_calendar_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns true when the period has not ended by at_ms. */
bool
us_calendar_in_future (const us_period_t *period, int64_t at_ms)
{
    return period->last >= us_calendar_month_at (at_ms);
}

/* Returns the months of a schedule's period type; 0 when unknown. */
int
us_calendar_type_months (const char *type)
{
    return !type ? 0 : strcmp (type, "month") == 0 ? 1 : strcmp (type, "quarter") == 0 ? 3
         : strcmp (type, "half") == 0 ? 6 : strcmp (type, "year") == 0 ? 12 : 0;
}

/* Sets *out to the period of a schedule's type containing month. */
int
us_calendar_type_period (us_period_t *out, const char *type, int month)
{
    int n = us_calendar_type_months (type);
    if (n == 0 || !us_month_valid (month))
        return us_error_set (US_EINVAL, "'%.20s' is not month, quarter, half or year",
                             type ? type : "");
    int first = month / n * n, year = us_month_year (first), k = first % 12 / n + 1;
    char text [US_PERIOD_TEXT];
    if (n == 1)
        us_month_format (text, first);
    else
    if (n == 12)
        snprintf (text, sizeof text, "%d", year);
    else
        snprintf (text, sizeof text, "%d-%c%d", year, n == 3 ? 'Q' : 'H', k);
    return us_period_parse (out, text);
}
