/*  us_report: the consolidation engine and its report model.

    us_report_compute() is a function from the data a store loads (unit
    tree, catalog, cells, targets, submissions: a us_report_data_t of plain
    rows) to a report: no I/O, no SQL. The province's store and the
    office's mirror each have a loader that fills the data (see
    us_pstore_report.h, us_dstore_report.h); printers (us_print.h) write a
    report out.

    A unit's figure is its own entered value plus the consolidated figures of
    its children. Flow indicators sum over the months of the period; stock
    indicators take the latest month in the period that has a value; ratios
    are computed from the consolidated numerator and denominator, as a
    percentage; formulas are evaluated on the consolidated figures of the
    unit (a figure not entered counts as 0 once one of the formula's figures
    is there), exactly, and a division by zero or an overflow leaves no
    figure but a reason (us_report_cell_reason). A target is the one set for
    exactly the period, or else the shortest period that contains it (a
    year's target for a half-year).

    A us_report_t belongs to the caller; free it with us_report_destroy().
    A us_report_data_t belongs to whoever filled it; us_report_data_free()
    frees its rows. The report copies what it keeps.
*/
#ifndef US_REPORT_H
#define US_REPORT_H

#include "us_catalog.h"
#include "us_period.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    US_SOURCE_TLD,
    US_SOURCE_PROVINCE,
    US_SOURCE_COMMITTED,
    US_SOURCE_COUNT
} us_source_t;

/* One unit of the tree as a store keeps it. */
typedef struct {
    int64_t id;
    char code [65];
    char name [257];
    char kind [16];
    int64_t parent_id;          /* 0 at the top of the tree */
    char valid_from [8];        /* YYYY-MM or "" */
    char valid_to [8];
    bool reports;               /* its kind submits reports (counts in completeness) */
} us_report_unit_row_t;

/* One entered figure. */
typedef struct {
    int64_t unit_id, ind_id;
    int month;
    int64_t value;
} us_report_cell_row_t;

/* One target. */
typedef struct {
    int64_t unit_id, ind_id;
    us_source_t source;
    char period [US_PERIOD_TEXT];
    int first, last;            /* the target period's months */
    int64_t lo, hi;
    bool range;
    int version;
} us_report_target_row_t;

/* One submitted or approved report of a unit, or one amended since (it
   covers nothing until submitted again). */
typedef struct {
    int64_t unit_id;
    int first, last;
    int64_t at;                 /* HLC of the submission */
    bool amended;               /* edited after it was submitted */
} us_report_submission_row_t;

/* One reporting schedule of the province (us_calendar's deadline rule). */
typedef struct {
    char code [65];
    char name [257];
    char type [16];             /* month, quarter, half or year */
    char kinds [512];           /* unit kinds separated by spaces */
    char deadline [16];         /* the rule "M:D" */
} us_report_schedule_row_t;

/* What the engine consolidates: rows as a store's loader read them.
   Cells may cover more months than one report (a trend computes a report
   per month from the same data). */
typedef struct {
    us_report_unit_row_t *units;        size_t n_units, cap_units;
    us_indicator_t *inds;               size_t n_inds, cap_inds;   /* catalog order */
    int64_t *ind_ids;                   /* [n_inds], the store's ids */
    us_report_cell_row_t *cells;        size_t n_cells, cap_cells;
    us_report_target_row_t *targets;    size_t n_targets, cap_targets;
    us_report_submission_row_t *subs;   size_t n_subs, cap_subs;
    us_report_schedule_row_t *scheds;   size_t n_scheds, cap_scheds;   /* none: the defaults */
} us_report_data_t;

/* Appends a zeroed row to one of data's arrays (us_report_data_add
   (data->cells, ...)); returns it, or NULL with US_ENOMEM set. */
void *us_report_data_grow (void **rows, size_t *count, size_t *cap, size_t size);
#define us_report_data_add(rows, count, cap) \
    us_report_data_grow ((void **) &(rows), &(count), &(cap), sizeof *(rows))

/* Appends a copy of an indicator with its store id. Returns 0 or US_ENOMEM. */
int us_report_data_add_indicator (us_report_data_t *data, const us_indicator_t *ind, int64_t id);

/* Frees the rows of data (not data itself) and zeroes it; safe twice. */
void us_report_data_free (us_report_data_t *data);

typedef struct _us_report_t us_report_t;

/* Parses a target source name; returns 0 or US_EINVAL. */
int us_source_parse (us_source_t *source, const char *text);

/* Returns the name of a target source. */
const char *us_source_name (us_source_t source);

/* Computes the report of period for the subtree of unit (NULL: the root of
   the tree) from data. Returns 0, US_EINVAL (bad period), US_ENOTFOUND
   (unknown unit) or US_ENOMEM. */
int us_report_compute (us_report_t **report_p, const us_report_data_t *data,
                       const char *period, const char *unit);

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

/* Returns why a formula of unit u, indicator i has no figure: 0 (it has
   one, or nothing to compute it from), US_EXPR_DIVZERO or US_EXPR_OVERFLOW
   (see us_expr_reason, us_expr_reason_vi). */
int us_report_cell_reason (const us_report_t *report, size_t u, size_t i);

/* Returns the report index of the parent of indicator i ("trong đó"), or -1. */
int us_report_indicator_parent (const us_report_t *report, size_t i);

/* Returns how deep indicator i is among parts: 0 for a whole, 1 for a part. */
int us_report_indicator_depth (const us_report_t *report, size_t i);

/* Returns the target of unit u, indicator i from a source; false when none. */
bool us_report_target (us_report_target_t *target, const us_report_t *report,
                       size_t u, size_t i, us_source_t source);

/* Returns a bit (1 << source) for each source that has a target of unit
   u, indicator i: 0 when none, so a printer passes over the pair at once. */
unsigned us_report_target_sources (const us_report_t *report, size_t u, size_t i);

/* Returns the achievement (one decimal) of unit u, indicator i. */
bool us_report_pct (double *pct, const us_report_t *report, size_t u, size_t i,
                    us_source_t source);

/* Returns true when unit u has at least one figure (zeros are figures),
   its own or consolidated from its subtree. */
bool us_report_has_figures (const us_report_t *report, size_t u);

/* Returns the report indexes of units that have not submitted (owned by
   the report) and their count. */
const int *us_report_missing (int *count, const us_report_t *report);

/* Returns the report indexes of the units that have not reported the
   period because a report of theirs in it was edited after it was
   submitted (amended: it must be submitted again), and their count. */
const int *us_report_amended (int *count, const us_report_t *report);

/* Returns the on-time and late submission counts. With schedules, a unit
   reported on time when each period of its schedules inside the report's
   was reported by that schedule's deadline; a unit with no such period,
   and every unit without schedules, against the 20th of the month after
   the report's period. */
void us_report_timeliness (int *on_time, int *late, const us_report_t *report);

/* A schedule's reports inside the report's period, for the subtree's
   units of its kinds: each (unit, period) is one report. Strings are the
   report's. */
typedef struct {
    const char *code, *name;
    int periods;                /* the schedule's periods inside the report's */
    char first_deadline [32];   /* the first period's deadline day, d/m/yyyy */
    char last_deadline [32];    /* the last one's */
    int expected, submitted, on_time, late;
} us_report_schedule_t;

/* Returns how many schedules have reports inside the report's period. */
size_t us_report_schedules (const us_report_t *report);

/* Fills *out with schedule k (< us_report_schedules). */
void us_report_schedule (us_report_schedule_t *out, const us_report_t *report, size_t k);

/* Frees a report and nulls the pointer; safe on NULL. */
void us_report_destroy (us_report_t **report_p);

#endif
