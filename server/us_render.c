/*  us_render: a report of the provincial store, printed to a stream. */
#include "us_render.h"
#include "us_error.h"
#include "us_period.h"
#include "us_pstore_report.h"
#include "us_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Prints the JSON report with the per-schedule completeness beside its
   own: the printer's object (with the key "mapping" when figures of
   reorganised units were mapped), closed after a "schedules" key. */
static int
s_report_json (us_pstore_t *store, FILE *out, const us_report_t *report, const char *period,
               const char *unit, const us_mapping_t *mapping)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream (&text, &len);
    if (!mem)
        return us_error_set (US_ENOMEM, "out of memory");
    us_print_opts_t opts = { NULL, NULL, mapping };
    int rc = us_print (report, mem, US_FORMAT_JSON, &opts);
    fclose (mem);
    while (rc == 0 && len > 0 && (text [len - 1] == '\n' || text [len - 1] == '}'))
        if (text [--len] == '}')
            break;
    if (rc == 0 && (len == 0 || text [len] != '}'))
        rc = us_error_set (US_EIO, "the JSON report did not end as an object");
    if (rc == 0) {
        fwrite (text, 1, len, out);
        fputs (",\"schedules\":", out);
        rc = us_pstore_schedules_json (store, out, period, unit);
        fputs ("}\n", out);
        if (rc == 0 && fflush (out) != 0)
            rc = us_error_set (US_EIO, "writing the report: %s", strerror (errno));
    }
    free (text);
    return rc;
}

/* Prints a report, its ranking or its comparison from an open store. The
   period's data is loaded once: month by month for HTML, whose trend
   computes a report per month from it; else folded, one row per unit and
   indicator (us_pstore_report_load_one). */
int
us_render_report (us_pstore_t *store, FILE *out, const char *period, const char *unit,
                  us_format_t format, const char *rank, us_source_t source, bool compare)
{
    us_report_t *report = NULL, *previous = NULL;
    us_trend_t *trend = NULL;
    us_report_data_t data = { 0 };
    us_mapping_t mapping = { 0 };
    us_period_t p;
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = format == US_FORMAT_HTML
           ? us_pstore_report_load_at (store, &data, p.first, p.last, p.last, &mapping)
           : us_pstore_report_load_one (store, &data, p.first, p.last, p.last, &mapping);
    if (rc == 0)
        rc = us_report_compute (&report, &data, p.text, unit);
    if (rc == 0 && rank)
        rc = us_print_rank (report, out, format, rank, source);
    else
    if (rc == 0) {
        us_period_t last = { 0 };
        if (compare)
            rc = us_period_shift_years (&last, &p, -1);
        if (rc == 0 && compare)
            rc = us_pstore_report_build_at (&previous, store, last.text, unit, p.last, &mapping);
        if (rc == 0 && format == US_FORMAT_HTML)
            rc = us_trend_build (&trend, &data, report);
        us_print_opts_t opts = { previous, trend, &mapping };
        if (rc == 0 && format == US_FORMAT_JSON && !compare)
            rc = s_report_json (store, out, report, p.text, unit, &mapping);
        else
        if (rc == 0)
            rc = us_print (report, out, format, &opts);
    }
    us_trend_destroy (&trend);
    us_report_destroy (&previous);
    us_report_destroy (&report);
    us_report_data_free (&data);
    us_mapping_free (&mapping);
    return rc;
}
