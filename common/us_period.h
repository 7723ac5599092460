/*  us_period: report periods as ranges of months.

    A month is an integer, year * 12 + month - 1, so ranges and roll-ups are
    plain integer comparisons. A period is any of: a month (2022-05), a
    quarter (2022-Q2), a half (2022-H1), a year (2022), or a range of those
    (2022-01..2022-05, 2013..2018). us_period_t is a small value type; nothing
    here allocates.
*/
#ifndef US_PERIOD_H
#define US_PERIOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_YEAR_MIN 1990
#define US_YEAR_MAX 2200
#define US_PERIOD_TEXT 40

typedef enum {
    US_PERIOD_MONTH,
    US_PERIOD_QUARTER,
    US_PERIOD_HALF,
    US_PERIOD_YEAR,
    US_PERIOD_RANGE
} us_period_kind_t;

typedef struct {
    int first;                      /* first month, inclusive */
    int last;                       /* last month, inclusive  */
    us_period_kind_t kind;
    char text [US_PERIOD_TEXT];     /* canonical spelling     */
} us_period_t;

/* Parses a period string into *period. Returns 0 or US_EINVAL. */
int us_period_parse (us_period_t *period, const char *text);

/* Parses a single month "YYYY-MM" into *month. Returns 0 or US_EINVAL. */
int us_month_parse (int *month, const char *text);

/* Writes a month as "YYYY-MM" into buf (at least 8 bytes). */
void us_month_format (char *buf, int month);

/* Returns the year of a month index. */
int us_month_year (int month);

/* Returns true when month lies within a valid calendar range. */
bool us_month_valid (int month);

/* Returns true when inner lies wholly within outer. */
bool us_period_contains (const us_period_t *outer, const us_period_t *inner);

/* Returns the number of months in a period. */
int us_period_months (const us_period_t *period);

/* Sets *out to the same period shifted by whole years (negative: earlier).
   Returns 0 or US_EINVAL when the result leaves the calendar. */
int us_period_shift_years (us_period_t *out, const us_period_t *period, int years);

/* Returns the deadline of a period's report, the 20th of the month after
   it, end of day in Vietnam's time (UTC+7), in milliseconds since the epoch. A submission after
   it is late. */
int64_t us_period_deadline_ms (const us_period_t *period);

/* Writes the same deadline as a day, d/m/yyyy (20/7/2022), into buf. */
void us_period_deadline_day (char *buf, size_t size, const us_period_t *period);

#endif
