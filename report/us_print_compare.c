/*  us_print_compare: a report beside the same period of the previous year. */
#include "us_print.h"
#include "us_error.h"
#include "us_expr.h"
#include "us_text.h"
#include "us_words.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Returns true when indicator i has a previous figure at any unit of r. */
bool
us_print_ind_had (const us_report_t *r, const us_report_t *prev, size_t i)
{
    double v;
    for (size_t u = 0; u < us_report_units (r); u++)
        if (us_print_previous (&v, r, prev, u, i))
            return true;
    return false;
}

/* Writes a change as "+7.3%" (or "+1.2 pt" for a ratio), "-" when none. */
static void
s_en_change (char *buf, size_t size, us_kind_t kind, bool has_now, double now,
             bool has_before, double before)
{
    double change;
    if (!has_now || !has_before || !us_print_change (&change, kind, now, before))
        snprintf (buf, size, "-");
    else
        snprintf (buf, size, "%+.1f%s", change, kind == US_KIND_RATIO ? " pt" : "%");
}

/* Prints the comparison section after the text report. */
static void
s_compare_text (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    const char *now_text = us_report_period (r)->text;
    const char *was_text = us_report_period (prev)->text;
    fprintf (out, "\nSame period last year: %s", was_text);
    if (us_print_prev_empty (prev)) {
        fputs (" (no figures to compare with)\n", out);
        return;
    }
    fputc ('\n', out);
    size_t name_w = 8;
    us_report_unit_t info;
    for (size_t u = 0; u < us_report_units (r); u++) {
        us_report_unit (&info, r, u);
        size_t w = us_text_width (info.name) + 2 * (size_t) info.depth + 2;
        if (w > name_w)
            name_w = w < 50 ? w : 50;
    }
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        if (!us_print_ind_had (r, prev, i))
            continue;
        const us_indicator_t *ind = us_report_indicator (r, i);
        fputc ('\n', out);
        us_text_pad (out, ind->code, name_w, false);
        fprintf (out, "  %16s  %16s  %9s\n", now_text, was_text, "Change");
        for (size_t u = 0; u < us_report_units (r); u++) {
            double now = 0, before = 0;
            bool has_now = us_report_cell (&now, r, u, i);
            bool has_before = us_print_previous (&before, r, prev, u, i);
            if (!has_now && !has_before)
                continue;
            us_report_unit (&info, r, u);
            char label [600], a [48] = "-", b [48] = "-", c [32];
            snprintf (label, sizeof label, "%*s%s", 2 * info.depth + 2, "", info.name);
            if (has_now)
                us_words_en (a, sizeof a, ind, now);
            if (has_before)
                us_words_en (b, sizeof b, ind, before);
            s_en_change (c, sizeof c, ind->kind, has_now, now, has_before, before);
            us_text_pad (out, label, name_w, false);
            fprintf (out, "  %16s  %16s  %9s\n", a, b, c);
        }
    }
}

/* Prints the comparison as CSV: one row per unit and indicator. */
static void
s_compare_csv (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    fputs ("\xEF\xBB\xBF", out);
    fputs ("period,unit,name,parent,indicator,value,previous_period,previous_value,change\r\n",
           out);
    us_report_unit_t info;
    for (size_t u = 0; u < us_report_units (r); u++)
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        const us_indicator_t *ind = us_report_indicator (r, i);
        double now = 0, before = 0, change;
        bool has_now = us_report_cell (&now, r, u, i);
        bool has_before = us_print_previous (&before, r, prev, u, i);
        if (!has_now && !has_before)
            continue;
        us_report_unit (&info, r, u);
        fprintf (out, "%s,", us_report_period (r)->text);
        us_text_csv (out, info.code);
        fputc (',', out);
        us_text_csv (out, info.name);
        fputc (',', out);
        us_text_csv (out, info.parent);
        fprintf (out, ",%s,", ind->code);
        if (has_now)
            us_words_plain (out, ind, now);
        fprintf (out, ",%s,", us_report_period (prev)->text);
        if (has_before)
            us_words_plain (out, ind, before);
        fputc (',', out);
        if (has_now && has_before && us_print_change (&change, ind->kind, now, before))
            fprintf (out, "%.1f", change);
        fputs ("\r\n", out);
    }
}

/* Prints the comparison as one JSON object. */
static void
s_compare_json (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    us_report_unit_t info;
    us_report_unit (&info, r, 0);
    fputs ("{\"period\":", out);
    us_text_json (out, us_report_period (r)->text);
    fputs (",\"previous_period\":", out);
    us_text_json (out, us_report_period (prev)->text);
    fputs (",\"unit\":", out);
    us_text_json (out, info.code);
    fputs (",\"rows\":[", out);
    for (size_t u = 0; u < us_report_units (r); u++) {
        us_report_unit (&info, r, u);
        fputs (u ? ",{\"unit\":" : "{\"unit\":", out);
        us_text_json (out, info.code);
        fputs (",\"name\":", out);
        us_text_json (out, info.name);
        fputs (",\"parent\":", out);
        if (*info.parent)
            us_text_json (out, info.parent);
        else
            fputs ("null", out);
        fputs (",\"values\":{", out);
        bool first = true;
        for (size_t i = 0; i < us_report_indicators (r); i++) {
            const us_indicator_t *ind = us_report_indicator (r, i);
            double now = 0, before = 0, change;
            bool has_now = us_report_cell (&now, r, u, i);
            bool has_before = us_print_previous (&before, r, prev, u, i);
            if (!has_now && !has_before)
                continue;
            fputs (first ? "" : ",", out);
            us_text_json (out, ind->code);
            fputs (":{\"value\":", out);
            if (has_now)
                us_words_plain (out, ind, now);
            else
                fputs ("null", out);
            fputs (",\"previous\":", out);
            if (has_before)
                us_words_plain (out, ind, before);
            else
                fputs ("null", out);
            fputs (",\"change\":", out);
            if (has_now && has_before && us_print_change (&change, ind->kind, now, before))
                fprintf (out, "%.1f", change);
            else
                fputs ("null", out);
            fputc ('}', out);
            first = false;
        }
        fputs ("}}", out);
    }
    fputs ("]}\n", out);
}


/* Prints the comparison of report with previous. */
int
us_print_compare (const us_report_t *report, const us_report_t *previous, FILE *out,
                  us_format_t format)
{
    switch (format) {
        case US_FORMAT_TEXT: s_compare_text (out, report, previous); break;
        case US_FORMAT_CSV:  s_compare_csv (out, report, previous);  break;
        case US_FORMAT_JSON: s_compare_json (out, report, previous); break;
        default:
            return us_error_set (US_EINVAL, "a comparison prints as text, csv or json");
    }
    return us_print_flush (out, "comparison");
}
