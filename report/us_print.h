/*  us_print: the printers of a report.

    Each output is a printer of its own: text (an aligned table for the
    terminal), CSV (one row per unit and indicator, UTF-8 with a BOM), JSON
    (one object), HTML (one self-contained page: inline CSS and SVG charts,
    printable on A4), Vietnamese prose in the style of the federation's own
    reports ("6 tháng đầu năm 2022, toàn tỉnh phát triển mới 1.901 đoàn
    viên, đạt 96% ..."), the ranking of units, and the comparison with the
    same period of the previous year. us_print() picks one by format.

    Parts ("of whom") follow their parent indented as "trong đó"; every
    output but JSON writes each figure's unit of measure (JSON keeps values
    plain numbers and gives the units in its "catalog" section); money is
    written the Vietnamese way in Vietnamese outputs. A formula that cannot
    be computed (division by zero) shows "-" with the reason.

    With a comparison, text gains a section after the report, and CSV and
    JSON print the comparison alone: CSV one row per unit and indicator
    (period,unit,name,parent,indicator,value,previous_period,previous_value,
    change), JSON one object {period, previous_period, unit, rows[] with
    values{indicator: {value, previous, change}}}. The change is in per
    cent for counts and in percentage points for ratios.

    Reports, trends and options belong to the caller; a us_trend_t is made
    by us_trend_build() and freed with us_trend_destroy(). The printers
    allocate nothing the caller must free. Every printer returns 0, US_EIO
    (the write failed) or US_ENOMEM.
*/
#ifndef US_PRINT_H
#define US_PRINT_H

#include "us_period.h"
#include "us_report.h"
#include "us_succession.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    US_FORMAT_TEXT,
    US_FORMAT_CSV,
    US_FORMAT_JSON,
    US_FORMAT_HTML,
    US_FORMAT_VI
} us_format_t;

/* The root's figures month by month over a report's period. */
typedef struct _us_trend_t us_trend_t;

/* What goes with a report when it is printed; any field may be NULL. */
typedef struct {
    const us_report_t *previous;        /* the same period a year earlier */
    const us_trend_t *trend;            /* the root's figures by month (HTML) */
    const us_mapping_t *mapping;        /* units mapped onto today's (a footnote); NULL */
} us_print_opts_t;

/* Writes len bytes of a printed report to out with the mapping's footnote
   (text, vi, HTML) or `mapping` key (JSON) added (us_print_mapping.c). */
int us_print_mapping_wrap (FILE *out, const char *text, size_t len, const us_mapping_t *m,
                           us_format_t format);

/* How units are ranked: by achievement against a source's target, or by
   their consolidated figure. */
typedef enum { US_RANK_ACHIEVEMENT, US_RANK_VALUE } us_rank_by_t;

/* One ranked unit. */
typedef struct {
    size_t unit;                /* index in the report */
    int rank;                   /* 1 is first, ties share; 0: unranked (no
                                   target, or no figure when ranked by value) */
    bool has_value;
    double value;               /* consolidated figure */
    bool has_target;
    us_report_target_t target;  /* target.period belongs to the report */
    double pct;                 /* achievement, one decimal; 0 without a figure */
} us_rank_t;

/* Parses a format name (text, csv, json, html, vi); returns 0 or US_EINVAL. */
int us_format_parse (us_format_t *format, const char *text);

/* Prints the report in a format with the options (opts may be NULL). */
int us_print (const us_report_t *report, FILE *out, us_format_t format,
              const us_print_opts_t *opts);

/* Prints the report as an aligned text table. */
int us_print_text (const us_report_t *report, FILE *out);

/* Prints the report as CSV. */
int us_print_csv (const us_report_t *report, FILE *out);

/* Prints the report as one JSON object. */
int us_print_json (const us_report_t *report, FILE *out);

/* Prints the report as one HTML page (opts may be NULL). */
int us_print_html (const us_report_t *report, FILE *out, const us_print_opts_t *opts);

/* Prints the Vietnamese text of the report, one paragraph per line,
   comparing with previous (may be NULL). */
int us_print_vi (const us_report_t *report, FILE *out, const us_report_t *previous);

/* Prints the comparison of report with previous as text (a section after
   the report), CSV or JSON. Returns US_EINVAL for another format. */
int us_print_compare (const us_report_t *report, const us_report_t *previous, FILE *out,
                      us_format_t format);

/* Ranks the direct children of the report's root on indicator: by
   achievement against source's target (units without one last) or by
   figure (units without one last). Ties share a rank (1, 2, 2, 4) and are
   ordered by name; unranked units follow by name. ranks needs room for
   us_report_units (report) entries; *count is set to the units ranked.
   Returns 0 or US_ENOTFOUND (indicator not in the report). */
int us_rank (us_rank_t *ranks, size_t *count, const us_report_t *report,
             const char *indicator, us_source_t source, us_rank_by_t by);

/* Counts the root's children with a positive target of (i, source); sets
   *children to the root's children. */
size_t us_rank_targeted (const us_report_t *report, size_t i, us_source_t source,
                         size_t *children);

/* Prints the ranking of the root's children on indicator against source
   as text, CSV or JSON. When no unit has such a target the units are
   ranked by figure and the output says so. Returns 0, US_EINVAL (format
   not text, csv or json), US_ENOTFOUND, US_ENOMEM or US_EIO. */
int us_print_rank (const us_report_t *report, FILE *out, us_format_t format,
                   const char *indicator, us_source_t source);

/* Computes the report's root figures for each month of its period from
   data, which must hold the period's months (periods over 120 months get
   an empty trend). Returns 0 or the first computation's error. */
int us_trend_build (us_trend_t **trend_p, const us_report_data_t *data,
                    const us_report_t *report);

/* Frees a trend and nulls the pointer; safe on NULL. */
void us_trend_destroy (us_trend_t **trend_p);

/* Helpers the printers share. */

/* Returns true when indicator i has a figure, a reason or a target anywhere. */
bool us_print_ind_used (const us_report_t *report, size_t i);

/* Looks up the previous year's figure of unit u, indicator i of report. */
bool us_print_previous (double *v, const us_report_t *report, const us_report_t *prev,
                        size_t u, size_t i);

/* Returns true when indicator i has a previous figure at any unit of report. */
bool us_print_ind_had (const us_report_t *report, const us_report_t *prev, size_t i);

/* Returns true when the previous report has no figure at all. */
bool us_print_prev_empty (const us_report_t *prev);

/* Computes the change: per cent for counts (none from 0), points for ratios. */
bool us_print_change (double *change, us_kind_t kind, double now, double before);

/* Returns true when the root of the report is a province. */
bool us_print_is_province (const us_report_t *report);

/* Writes into buf what a schedule's reports say in Vietnamese: its name,
   its deadline (the day, or the first and last days of several periods)
   and how many reports came by it and after it; it counts only reports
   that were submitted, never one that was not. */
void us_print_vi_schedule (char *buf, size_t size, const us_report_schedule_t *s);

/* Returns 0 or US_EIO when out has failed. */
int us_print_flush (FILE *out, const char *what);

#endif
