/*  us_print_csv: a report as CSV, one row per unit and indicator. */
#include "us_print.h"
#include "us_text.h"
#include "us_words.h"

#include <inttypes.h>

/* Prints the report as CSV: one row per unit and indicator. */
int
us_print_csv (const us_report_t *r, FILE *out)
{
    /* The BOM makes spreadsheet programs read the file as UTF-8. */
    fputs ("\xEF\xBB\xBF", out);
    fputs ("period,unit,name,parent,indicator,value", out);
    for (int s = 0; s < US_SOURCE_COUNT; s++)
        fprintf (out, ",target_%s,achievement_pct_%s", us_source_name ((us_source_t) s),
                 us_source_name ((us_source_t) s));
    fputs (",unit_of_measure,part_of\r\n", out);
    us_report_unit_t un;
    for (size_t u = 0; u < us_report_units (r); u++)
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        const us_indicator_t *ind = us_report_indicator (r, i);
        double v, p;
        us_report_target_t t;
        bool has = us_report_cell (&v, r, u, i);
        bool any_target = false;
        for (int s = 0; s < US_SOURCE_COUNT; s++)
            any_target |= us_report_target (&t, r, u, i, (us_source_t) s);
        if (!has && !any_target)
            continue;
        us_report_unit (&un, r, u);
        fprintf (out, "%s,", us_report_period (r)->text);
        us_text_csv (out, un.code);
        fputc (',', out);
        us_text_csv (out, un.name);
        fprintf (out, ",%s,%s,", un.parent, ind->code);
        if (has)
            us_words_plain (out, ind, v);
        for (int s = 0; s < US_SOURCE_COUNT; s++) {
            bool set = us_report_target (&t, r, u, i, (us_source_t) s);
            fputc (',', out);
            if (set && t.range)
                fprintf (out, "%" PRId64 "..%" PRId64, t.lo, t.hi);
            else
            if (set)
                fprintf (out, "%" PRId64, t.lo);
            fputc (',', out);
            if (us_report_pct (&p, r, u, i, (us_source_t) s))
                fprintf (out, "%.1f", p);
        }
        fputc (',', out);
        us_text_csv (out, ind->unit);
        fprintf (out, ",%s\r\n", ind->parent);
    }
    return us_print_flush (out, "report");
}
