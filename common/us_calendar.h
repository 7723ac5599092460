/*  us_calendar: reporting deadlines and "today" in Vietnam's time.

    Dates the federation speaks of are Vietnam's (UTC+7, no summer time),
    whatever zone the machine runs in: a report due "by the 20th" is due by
    23:59:59 of the 20th in Hà Nội. A deadline rule is "M:D": day D of the
    M-th month after the period's last month (the default "1:20" is the 20th
    of the following month; "0:15" of a six-month report is 15 June). Day
    numbers past the end of a month mean its last day. Nothing here
    allocates.
*/
#ifndef US_CALENDAR_H
#define US_CALENDAR_H

#include "us_period.h"

#include <stddef.h>
#include <stdint.h>

/* Vietnam's offset from UTC, in milliseconds. */
#define US_CALENDAR_OFFSET_MS (7 * 3600 * 1000LL)

/* The default deadline rule: the 20th of the following month. */
#define US_CALENDAR_DEFAULT_RULE "1:20"

/* A parsed deadline rule. */
typedef struct {
    int months_after;           /* 0..12 after the period's last month */
    int day;                    /* 1..31 */
} us_deadline_rule_t;

/* Parses a deadline rule "M:D" (empty: the default). Returns 0 or
   US_EINVAL with a one-line message. */
int us_deadline_rule_parse (us_deadline_rule_t *rule, const char *text);

/* Returns the end (23:59:59.999 Vietnam time) of a rule's deadline day for
   a period, in milliseconds since the epoch. */
int64_t us_calendar_deadline_ms (const us_period_t *period, const us_deadline_rule_t *rule);

/* Writes the deadline day as d/m/yyyy into buf. */
void us_calendar_deadline_day (char *buf, size_t size, const us_period_t *period,
                               const us_deadline_rule_t *rule);

/* Returns the month (us_period's numbering) that contains the instant
   at_ms in Vietnam's time. */
int us_calendar_month_at (int64_t at_ms);

/* Parses a day "YYYY-MM-DD" as the end of that day in Vietnam's time (a
   report submitted "at" a day is counted with that whole day). Returns 0
   or US_EINVAL. */
int us_calendar_day_parse (int64_t *at_ms, const char *text);

/* Writes an instant as "YYYY-MM-DD HH:MM" in Vietnam's time into buf. */
void us_calendar_time_text (char *buf, size_t size, int64_t at_ms);

/* Returns the current time in milliseconds since the epoch. */
int64_t us_calendar_now_ms (void);

/* Returns the months a period of a schedule's type spans: month 1,
   quarter 3, half 6, year 12; 0 for any other type. */
int us_calendar_type_months (const char *type);

/* Sets *out to the period of a schedule's type (month, quarter, half,
   year) that contains month. Returns 0 or US_EINVAL. */
int us_calendar_type_period (us_period_t *out, const char *type, int month);

/* Returns true when the period has not ended by at_ms (in Vietnam's time):
   it ends in the month containing at_ms or later, so its figures cannot
   all be known yet. */
bool us_calendar_in_future (const us_period_t *period, int64_t at_ms);

#endif
