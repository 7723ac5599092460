/*  us_report: consolidation of figures over a unit tree, and its output.

    Works on any store that has the shared report tables (us_report_schema):
    units, indicators, cells, targets, submissions. The province's store and
    a district's mirror both do, so the province's report and a district's
    `show` are the same computation.

    A unit's figure is its own entered value plus the consolidated figures of
    its children. Flow indicators sum over the months of the period; stock
    indicators take the latest month in the period that has a value; ratios
    are computed from the consolidated numerator and denominator, as a
    percentage. A target is the one set for exactly the period, or else the
    shortest period that contains it (a year's target for a half-year).

    A us_report_t belongs to the caller; free it with us_report_destroy().
*/
#ifndef US_REPORT_H
#define US_REPORT_H

#include "us_catalog.h"
#include "us_period.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    US_FORMAT_TEXT,
    US_FORMAT_CSV,
    US_FORMAT_JSON
} us_format_t;

typedef enum {
    US_SOURCE_TLD,
    US_SOURCE_PROVINCE,
    US_SOURCE_COMMITTED,
    US_SOURCE_COUNT
} us_source_t;

typedef struct _us_report_t us_report_t;

/* Returns the SQL that creates the shared report tables. */
const char *us_report_schema (void);

/* Parses a format name (text, csv, json); returns 0 or US_EINVAL. */
int us_format_parse (us_format_t *format, const char *text);

/* Parses a target source name; returns 0 or US_EINVAL. */
int us_source_parse (us_source_t *source, const char *text);

/* Returns the name of a target source. */
const char *us_source_name (us_source_t source);

/* Builds the report of period for the subtree of unit (NULL: the root of the
   tree). Returns 0, US_EINVAL (bad period), US_ENOTFOUND (unknown unit) or
   a store error. */
int us_report_build (us_report_t **report_p, sqlite3 *db, const char *period,
                     const char *unit);

/* Prints the report in a format. Returns 0 or US_EIO. */
int us_report_print (const us_report_t *report, FILE *out, us_format_t format);

/* Looks up a consolidated figure: returns true and sets *value when unit
   has a figure for indicator. */
bool us_report_value (double *value, const us_report_t *report,
                      const char *unit, const char *indicator);

/* Looks up an achievement percentage against a source's target. */
bool us_report_achievement (double *pct, const us_report_t *report,
                            const char *unit, const char *indicator,
                            us_source_t source);

/* Checks every indicator rule on the consolidated figures of unit. Returns
   0, or US_EINVAL with the broken rule and its figures in msg. */
int us_report_check_rules (char *msg, size_t size, const us_report_t *report,
                           const char *unit);

/* Returns the deadline of a period's report (the 20th of the next month,
   end of day UTC) in milliseconds since the epoch. */
int64_t us_report_deadline_ms (const us_period_t *period);

/* Returns the completeness counts; missing may be NULL. */
void us_report_completeness (int *expected, int *submitted,
                             const us_report_t *report);

/* What a renderer needs to know of one unit; strings belong to the report. */
typedef struct {
    const char *code;
    const char *name;
    const char *parent;         /* "" at the top of the tree */
    const char *kind;
    int depth;                  /* 0 for the root of the report */
    int parent_index;           /* index in the report, -1 for the root */
} us_report_unit_t;

/* A target as it applies to the report's period; period belongs to the report. */
typedef struct {
    int64_t lo, hi;
    bool range;
    const char *period;
    int version;                /* 1, then +1 at each change of the target */
} us_report_target_t;

/* Returns the report's period (owned by the report). */
const us_period_t *us_report_period (const us_report_t *report);

/* Returns the number of units in the report (the subtree, depth first). */
size_t us_report_units (const us_report_t *report);

/* Describes unit u (0 is the root of the subtree). */
void us_report_unit (us_report_unit_t *info, const us_report_t *report, size_t u);

/* Returns the number of indicators in the report. */
size_t us_report_indicators (const us_report_t *report);

/* Returns indicator i (owned by the report). */
const us_indicator_t *us_report_indicator (const us_report_t *report, size_t i);

/* Returns the report index of an indicator code, or -1. */
int us_report_find_indicator (const us_report_t *report, const char *code);

/* Returns the figure of unit u, indicator i (ratios as a percentage); false
   when there is none. */
bool us_report_cell (double *value, const us_report_t *report, size_t u, size_t i);

/* Returns the target of unit u, indicator i from a source; false when none. */
bool us_report_target (us_report_target_t *target, const us_report_t *report,
                       size_t u, size_t i, us_source_t source);

/* Returns the achievement (one decimal) of unit u, indicator i. */
bool us_report_pct (double *pct, const us_report_t *report, size_t u, size_t i,
                    us_source_t source);

/* Returns the report indexes of units that have not submitted (owned by
   the report) and their count. */
const int *us_report_missing (int *count, const us_report_t *report);

/* Returns the on-time and late submission counts. */
void us_report_timeliness (int *on_time, int *late, const us_report_t *report);

/* Frees a report and nulls the pointer; safe on NULL. */
void us_report_destroy (us_report_t **report_p);

#endif
