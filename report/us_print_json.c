/*  us_print_json: a report as one JSON object. */
#include "us_print.h"
#include "us_expr.h"
#include "us_text.h"
#include "us_words.h"

#include <inttypes.h>

/* Prints ,"key": (no comma first): the key of a member, without printf's
   parsing of a format (a province's report prints twenty thousand). */
static void
s_key (FILE *out, const char *key, bool first)
{
    fputs (first ? "\"" : ",\"", out);
    fputs (key, out);
    fputs ("\":", out);
}

/* Prints {indicator: {source: ...}} for each target of unit u; what says
   which: 0 the target, 1 its version, 2 the achievement. */
static void
s_by_source (const us_report_t *r, FILE *out, size_t u, int what)
{
    bool first = true;
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        bool inner = true;
        for (int s = 0; s < US_SOURCE_COUNT; s++) {
            us_report_target_t t;
            double p;
            if (what < 2 ? !us_report_target (&t, r, u, i, (us_source_t) s)
                         : !us_report_pct (&p, r, u, i, (us_source_t) s))
                continue;
            if (inner) {
                s_key (out, us_report_indicator (r, i)->code, first);
                fputc ('{', out);
            }
            const char *name = us_source_name ((us_source_t) s), *sep = inner ? "" : ",";
            if (what == 0 && t.range)
                fprintf (out, "%s\"%s\":{\"min\":%" PRId64 ",\"max\":%" PRId64 "}", sep, name,
                         t.lo, t.hi);
            else
            if (what == 0)
                fprintf (out, "%s\"%s\":%" PRId64, sep, name, t.lo);
            else
            if (what == 1)
                fprintf (out, "%s\"%s\":%d", sep, name, t.version);
            else
                fprintf (out, "%s\"%s\":%.1f", sep, name, p);
            inner = first = false;
        }
        if (!inner)
            fputc ('}', out);
    }
}

/* Prints one unit's object of the JSON rows. */
static void
s_row (const us_report_t *r, FILE *out, size_t u)
{
    us_report_unit_t un;
    us_report_unit (&un, r, u);
    fputs ("{\"unit\":", out);
    us_text_json (out, un.code);
    fputs (",\"name\":", out);
    us_text_json (out, un.name);
    fputs (",\"parent\":", out);
    if (*un.parent)
        us_text_json (out, un.parent);
    else
        fputs ("null", out);
    fputs (",\"kind\":", out);
    us_text_json (out, un.kind);
    fputs (",\"values\":{", out);
    bool first = true;
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        double v;
        if (!us_report_cell (&v, r, u, i))
            continue;
        s_key (out, us_report_indicator (r, i)->code, first);
        us_words_plain (out, us_report_indicator (r, i), v);
        first = false;
    }
    fputs ("},\"targets\":{", out);
    s_by_source (r, out, u, 0);
    fputs ("},\"target_versions\":{", out);
    s_by_source (r, out, u, 1);
    fputs ("},\"achievement_pct\":{", out);
    s_by_source (r, out, u, 2);
    fputs ("},\"not_computed\":{", out);
    first = true;
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        int why = us_report_cell_reason (r, u, i);
        if (!why)
            continue;
        fprintf (out, "%s\"%s\":", first ? "" : ",", us_report_indicator (r, i)->code);
        us_text_json (out, us_expr_reason (why));
        first = false;
    }
    fputs ("}}", out);
}

/* Prints the catalog section: each indicator's name, kind, unit, parent
   and formula. */
static void
s_catalog (const us_report_t *r, FILE *out)
{
    fputs (",\"catalog\":{", out);
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        const us_indicator_t *ind = us_report_indicator (r, i);
        fprintf (out, "%s\"%s\":{\"name\":", i ? "," : "", ind->code);
        us_text_json (out, ind->name);
        fprintf (out, ",\"kind\":\"%s\",\"unit\":", us_kind_name (ind->kind));
        us_text_json (out, ind->unit);
        fputs (",\"parent\":", out);
        if (*ind->parent)
            us_text_json (out, ind->parent);
        else
            fputs ("null", out);
        if (ind->kind == US_KIND_FORMULA) {
            fputs (",\"formula\":", out);
            us_text_json (out, ind->formula);
        }
        fputc ('}', out);
    }
    fputc ('}', out);
}

/* Prints the report as one JSON object. */
int
us_print_json (const us_report_t *r, FILE *out)
{
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    int expected, submitted, on_time, late, n_missing;
    us_report_completeness (&expected, &submitted, r);
    us_report_timeliness (&on_time, &late, r);
    const int *missing = us_report_missing (&n_missing, r);
    fputs ("{\"period\":", out);
    us_text_json (out, us_report_period (r)->text);
    fputs (",\"unit\":", out);
    us_text_json (out, root.code);
    fprintf (out, ",\"completeness\":{\"expected\":%d,\"submitted\":%d,\"on_time\":%d,"
             "\"late\":%d,\"missing\":[", expected, submitted, on_time, late);
    us_report_unit_t info;
    for (int k = 0; k < n_missing; k++) {
        if (k)
            fputc (',', out);
        us_report_unit (&info, r, (size_t) missing [k]);
        us_text_json (out, info.code);
    }
    /* Of the missing, those whose report was edited after it was submitted. */
    int n_amended;
    const int *amended = us_report_amended (&n_amended, r);
    fputs ("],\"amended\":[", out);
    for (int k = 0; k < n_amended; k++) {
        us_report_unit (&info, r, (size_t) amended [k]);
        fputs (k ? "," : "", out);
        us_text_json (out, info.code);
    }
    fputs ("]},\"rows\":[", out);
    for (size_t u = 0; u < us_report_units (r); u++) {
        if (u)
            fputc (',', out);
        s_row (r, out, u);
    }
    fputc (']', out);
    s_catalog (r, out);
    fputs ("}\n", out);
    return us_print_flush (out, "report");
}
