/*  us_print_util: what the printers of a report share. */
#include "us_print.h"
#include "us_error.h"

#include <math.h>
#include <string.h>

/* Returns true when indicator i has a figure, a reason or a target anywhere. */
bool
us_print_ind_used (const us_report_t *r, size_t i)
{
    us_report_target_t t;
    double v;
    for (size_t u = 0; u < us_report_units (r); u++) {
        if (us_report_cell (&v, r, u, i) || us_report_cell_reason (r, u, i))
            return true;
        for (int s = 0; s < US_SOURCE_COUNT; s++)
            if (us_report_target (&t, r, u, i, (us_source_t) s))
                return true;
    }
    return false;
}

/* Looks up the previous year's figure of unit u, indicator i. */
bool
us_print_previous (double *v, const us_report_t *r, const us_report_t *prev, size_t u, size_t i)
{
    if (!prev)
        return false;
    us_report_unit_t info;
    us_report_unit (&info, r, u);
    return us_report_value (v, prev, info.code, us_report_indicator (r, i)->code);
}

/* Returns true when the previous report has no figure at all. */
bool
us_print_prev_empty (const us_report_t *prev)
{
    double v;
    for (size_t u = 0; u < us_report_units (prev); u++)
        for (size_t i = 0; i < us_report_indicators (prev); i++)
            if (us_report_cell (&v, prev, u, i))
                return false;
    return true;
}

/* Computes the change: per cent for counts (none from 0), points for ratios. */
bool
us_print_change (double *change, us_kind_t kind, double now, double before)
{
    if (kind == US_KIND_RATIO) {
        *change = round ((now - before) * 10.0) / 10.0;
        return true;
    }
    if (before == 0)
        return false;
    *change = round ((now - before) * 1000.0 / fabs (before)) / 10.0;
    return true;
}

/* Returns true when the root of the report is a province. */
bool
us_print_is_province (const us_report_t *r)
{
    us_report_unit_t info;
    us_report_unit (&info, r, 0);
    return strcmp (info.kind, "province") == 0;
}

/* Writes what a schedule's reports say in Vietnamese. */
void
us_print_vi_schedule (char *buf, size_t size, const us_report_schedule_t *s)
{
    char when [160], counts [160], done [48] = "";
    if (s->periods == 1)
        snprintf (when, sizeof when, "hạn nộp ngày %s", s->first_deadline);
    else
        snprintf (when, sizeof when, "%d kỳ, hạn nộp từ ngày %s đến ngày %s", s->periods,
                  s->first_deadline, s->last_deadline);
    if (s->submitted < s->expected)
        snprintf (done, sizeof done, "%d/%d báo cáo đã nộp%s", s->submitted, s->expected,
                  s->submitted ? ", " : "");
    if (s->submitted == 0)
        counts [0] = '\0';
    else
    if (s->late == 0)
        snprintf (counts, sizeof counts, s->submitted == 1 ? "báo cáo nộp đúng hạn"
                  : "cả %d báo cáo đều nộp đúng hạn", s->submitted);
    else
    if (s->on_time == 0)
        snprintf (counts, sizeof counts, s->submitted == 1 ? "báo cáo nộp sau hạn"
                  : "cả %d báo cáo đều nộp sau hạn", s->submitted);
    else
        snprintf (counts, sizeof counts, "%d báo cáo nộp đúng hạn, %d báo cáo nộp sau hạn",
                  s->on_time, s->late);
    snprintf (buf, size, "%s (%s): %s%s", s->name, when, done, counts);
}

/* Returns 0 or US_EIO when out has failed. */
int
us_print_flush (FILE *out, const char *what)
{
    if (fflush (out) != 0 || ferror (out))
        return us_error_set (US_EIO, "cannot write the %s", what);
    return 0;
}
