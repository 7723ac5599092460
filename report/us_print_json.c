/*  us_print_json: a report as one JSON object. */
#include "us_print.h"
#include "us_expr.h"
#include "us_text.h"
#include "us_words.h"
#include "us_error.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A row being printed: bytes gathered here and written to the stream a
   buffer at a time, instead of a stdio call for each key, figure and
   character of a name (a province's report has 700 rows of a few hundred
   pieces each). */
typedef struct {
    FILE *out;
    size_t len;
    char buf [8192];
} s_buf_t;

/* Writes what the buffer holds to its stream. */
static void
s_flush (s_buf_t *b)
{
    if (b->len)
        fwrite (b->buf, 1, b->len, b->out);
    b->len = 0;
}

/* Appends len bytes. */
static void
s_put (s_buf_t *b, const char *text, size_t len)
{
    if (b->len + len > sizeof b->buf) {
        s_flush (b);
        if (len > sizeof b->buf) {
            fwrite (text, 1, len, b->out);
            return;
        }
    }
    memcpy (b->buf + b->len, text, len);
    b->len += len;
}

/* Appends a string. */
static void
s_puts (s_buf_t *b, const char *text)
{
    s_put (b, text, strlen (text));
}

/* Appends a string as a JSON string, escaped as us_text_json escapes it. */
static void
s_text (s_buf_t *b, const char *text)
{
    s_put (b, "\"", 1);
    const unsigned char *p = (const unsigned char *) text, *run = p;
    for (; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        s_put (b, (const char *) run, (size_t) (p - run));
        char esc [8];
        if (*p == '"' || *p == '\\')
            snprintf (esc, sizeof esc, "\\%c", *p);
        else
        if (*p == '\n' || *p == '\t')
            snprintf (esc, sizeof esc, "\\%c", *p == '\n' ? 'n' : 't');
        else
            snprintf (esc, sizeof esc, "\\u%04x", *p);
        s_puts (b, esc);
        run = p + 1;
    }
    s_put (b, (const char *) run, (size_t) (p - run));
    s_put (b, "\"", 1);
}

/* Appends ,"key": (no comma first): the key of a member. */
static void
s_key (s_buf_t *b, const char *key, bool first)
{
    s_put (b, first ? "\"" : ",\"", first ? 1 : 2);
    s_puts (b, key);
    s_put (b, "\":", 2);
}

/* Appends what printf writes for format and its arguments. */
static void
s_printf (s_buf_t *b, const char *format, ...) __attribute__ ((format (printf, 2, 3)));
static void
s_printf (s_buf_t *b, const char *format, ...)
{
    char text [160];
    va_list ap;
    va_start (ap, format);
    int n = vsnprintf (text, sizeof text, format, ap);
    va_end (ap);
    if (n > 0 && (size_t) n < sizeof text)
        s_put (b, text, (size_t) n);
    else
    if (n > 0) {
        s_flush (b);            /* longer than any figure here: printed as it is */
        va_start (ap, format);
        vfprintf (b->out, format, ap);
        va_end (ap);
    }
}

/* Appends {indicator: {source: ...}} for each target of unit u; what says
   which: 0 the target, 1 its version, 2 the achievement. */
static void
s_by_source (const us_report_t *r, s_buf_t *b, size_t u, int what)
{
    bool first = true;
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        bool inner = true;
        unsigned sources = us_report_target_sources (r, u, i);
        for (int s = 0; sources && s < US_SOURCE_COUNT; s++) {
            us_report_target_t t;
            double p;
            if (!(sources & (1u << s)))
                continue;
            if (what < 2 ? !us_report_target (&t, r, u, i, (us_source_t) s)
                         : !us_report_pct (&p, r, u, i, (us_source_t) s))
                continue;
            if (inner) {
                s_key (b, us_report_indicator (r, i)->code, first);
                s_put (b, "{", 1);
            }
            const char *name = us_source_name ((us_source_t) s), *sep = inner ? "" : ",";
            if (what == 0 && t.range)
                s_printf (b, "%s\"%s\":{\"min\":%" PRId64 ",\"max\":%" PRId64 "}", sep, name,
                          t.lo, t.hi);
            else
            if (what == 0)
                s_printf (b, "%s\"%s\":%" PRId64, sep, name, t.lo);
            else
            if (what == 1)
                s_printf (b, "%s\"%s\":%d", sep, name, t.version);
            else
                s_printf (b, "%s\"%s\":%.1f", sep, name, p);
            inner = first = false;
        }
        if (!inner)
            s_put (b, "}", 1);
    }
}

/* Appends one unit's object of the JSON rows. */
static void
s_row (const us_report_t *r, s_buf_t *b, size_t u)
{
    us_report_unit_t un;
    us_report_unit (&un, r, u);
    s_puts (b, "{\"unit\":");
    s_text (b, un.code);
    s_puts (b, ",\"name\":");
    s_text (b, un.name);
    s_puts (b, ",\"parent\":");
    if (*un.parent)
        s_text (b, un.parent);
    else
        s_puts (b, "null");
    s_puts (b, ",\"kind\":");
    s_text (b, un.kind);
    s_puts (b, ",\"values\":{");
    bool first = true;
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        double v;
        if (!us_report_cell (&v, r, u, i))
            continue;
        char figure [US_WORDS_PLAIN];
        s_key (b, us_report_indicator (r, i)->code, first);
        s_puts (b, us_words_plain_text (figure, sizeof figure, us_report_indicator (r, i), v));
        first = false;
    }
    s_puts (b, "},\"targets\":{");
    s_by_source (r, b, u, 0);
    s_puts (b, "},\"target_versions\":{");
    s_by_source (r, b, u, 1);
    s_puts (b, "},\"achievement_pct\":{");
    s_by_source (r, b, u, 2);
    s_puts (b, "},\"not_computed\":{");
    first = true;
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        int why = us_report_cell_reason (r, u, i);
        if (!why)
            continue;
        s_key (b, us_report_indicator (r, i)->code, first);
        s_text (b, us_expr_reason (why));
        first = false;
    }
    s_puts (b, "}}");
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
    s_buf_t *b = malloc (sizeof *b);
    if (!b)
        return us_error_set (US_ENOMEM, "out of memory");
    b->out = out;
    b->len = 0;
    for (size_t u = 0; u < us_report_units (r); u++) {
        if (u)
            s_put (b, ",", 1);
        s_row (r, b, u);
    }
    s_flush (b);
    free (b);
    fputc (']', out);
    s_catalog (r, out);
    fputs ("}\n", out);
    return us_print_flush (out, "report");
}
