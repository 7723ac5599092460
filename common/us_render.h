/*  us_render: consolidated reports people want to read.

    Renders a us_report_t as one self-contained HTML page (inline CSS and
    SVG charts, no external resources, printable on A4) or as Vietnamese
    prose in the style of the federation's own reports ("6 tháng đầu năm
    2022, toàn tỉnh phát triển mới 1.901 đoàn viên, đạt 96% ..."); ranks the
    units under a report's root by achievement or by figure; and sets the
    same period of the previous year beside the figures.

    Text, CSV and JSON without a comparison are us_report_print()'s output.
    With a comparison, text gains a section after the report, and CSV and
    JSON print the comparison alone: CSV one row per unit and indicator
    (period,unit,name,parent,indicator,value,previous_period,previous_value,
    change), JSON one object {period, previous_period, unit, rows[] with
    values{indicator: {value, previous, change}}}. The change is in per
    cent for counts and in percentage points for ratios.

    Reports, trends and options belong to the caller; a us_render_trend_t
    is made by us_render_trend_build() and freed with
    us_render_trend_destroy(). Nothing else here allocates anything the
    caller must free.
*/
#ifndef US_RENDER_H
#define US_RENDER_H

#include "us_period.h"
#include "us_report.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    US_RENDER_TEXT,
    US_RENDER_CSV,
    US_RENDER_JSON,
    US_RENDER_HTML,
    US_RENDER_VI
} us_render_format_t;

/* The root's figures month by month over a report's period. */
typedef struct _us_render_trend_t us_render_trend_t;

/* What goes with a report when it is rendered; any field may be NULL. */
typedef struct {
    const us_report_t *previous;        /* the same period a year earlier */
    const us_render_trend_t *trend;     /* the root's figures by month (HTML) */
} us_render_opts_t;

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
int us_render_format_parse (us_render_format_t *format, const char *text);

/* Builds the report's root figures for each month of its period from db
   (one us_report_build per month; periods over 120 months get an empty
   trend). Returns 0 or the first build's error. */
int us_render_trend_build (us_render_trend_t **trend_p, sqlite3 *db,
                           const us_report_t *report);

/* Frees a trend and nulls the pointer; safe on NULL. */
void us_render_trend_destroy (us_render_trend_t **trend_p);

/* Prints the report in a format with the options (opts may be NULL).
   Returns 0 or US_EIO (write failed) or US_ENOMEM. */
int us_render_print (const us_report_t *report, FILE *out, us_render_format_t format,
                     const us_render_opts_t *opts);

/* Ranks the direct children of the report's root on indicator: by
   achievement against source's target (units without one last) or by
   figure (units without one last). Ties share a rank (1, 2, 2, 4) and are
   ordered by name; unranked units follow by name. ranks needs room for
   us_report_units (report) entries; *count is set to the units ranked.
   Returns 0 or US_ENOTFOUND (indicator not in the report). */
int us_render_rank (us_rank_t *ranks, size_t *count, const us_report_t *report,
                    const char *indicator, us_source_t source, us_rank_by_t by);

/* Prints the ranking of the root's children on indicator against source
   as text, CSV or JSON. When no unit has such a target the units are
   ranked by figure and the output says so. Returns 0, US_EINVAL (format
   not text, csv or json), US_ENOTFOUND, US_ENOMEM or US_EIO. */
int us_render_rank_print (const us_report_t *report, FILE *out, us_render_format_t format,
                          const char *indicator, us_source_t source);

/* Writes a period the way Vietnamese reports say it ("6 tháng đầu năm
   2022", "quý II năm 2022", "5 tháng đầu năm 2022") into buf. */
void us_render_vi_period (char *buf, size_t size, const us_period_t *period);

/* Writes s with &, <, >, " and ' escaped for HTML text and attributes. */
void us_render_html_escape (FILE *out, const char *s);

/* Compares two UTF-8 names in Vietnamese alphabetical order (a ă â b c d
   đ e ê ..., tone marks and case second, precomposed or combining);
   returns <0, 0 or >0. */
int us_render_collate (const char *a, const char *b);

#endif
