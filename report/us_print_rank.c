/*  us_print_rank: units ranked by achievement or by figure. */
#include "us_print.h"
#include "us_error.h"
#include "us_expr.h"
#include "us_text.h"
#include "us_words.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Returns a rank entry's sort key (tenths, so one-decimal ties are equal). */
static long long
s_rank_key (const us_rank_t *k, us_rank_by_t by)
{
    return llround ((by == US_RANK_ACHIEVEMENT ? k->pct : k->value) * 10.0);
}

/* Orders two rank entries: ranked first, better first, then by name. */
static int
s_rank_cmp (const us_rank_t *a, const us_rank_t *b, const us_report_t *r, us_rank_by_t by)
{
    if ((a->rank != 0) != (b->rank != 0))
        return a->rank ? -1 : 1;
    if (a->rank) {
        long long ka = s_rank_key (a, by), kb = s_rank_key (b, by);
        if (ka != kb)
            return ka > kb ? -1 : 1;
    }
    us_report_unit_t ua, ub;
    us_report_unit (&ua, r, a->unit);
    us_report_unit (&ub, r, b->unit);
    int c = us_words_collate (ua.name, ub.name);
    return c ? c : strcmp (ua.code, ub.code);
}

/* Keeps ranked only the units whose target is of the period most of them
   have (the earliest such period on a tie): achievements against targets
   of different periods (a quarter's beside a year's) do not compare. */
static void
s_one_period (us_rank_t *ranks, size_t n)
{
    const char *best = NULL;
    size_t best_count = 0;
    for (size_t a = 0; a < n; a++) {
        if (!ranks [a].rank)
            continue;
        size_t count = 0;
        for (size_t b = 0; b < n; b++)
            count += ranks [b].rank && !strcmp (ranks [b].target.period, ranks [a].target.period);
        if (count > best_count) {
            best = ranks [a].target.period;
            best_count = count;
        }
    }
    for (size_t a = 0; best && a < n; a++)
        if (ranks [a].rank && strcmp (ranks [a].target.period, best) != 0)
            ranks [a].rank = 0;
}

/* Ranks the direct children of the report's root on an indicator. */
int
us_rank (us_rank_t *ranks, size_t *count, const us_report_t *report,
                const char *indicator, us_source_t source, us_rank_by_t by)
{
    *count = 0;
    int i = us_report_find_indicator (report, indicator);
    if (i < 0)
        return us_error_set (US_ENOTFOUND, "unknown indicator '%.64s'", indicator);
    size_t n = 0;
    us_report_unit_t info;
    for (size_t u = 1; u < us_report_units (report); u++) {
        us_report_unit (&info, report, u);
        if (info.parent_index != 0)
            continue;
        us_rank_t *k = &ranks [n++];
        memset (k, 0, sizeof *k);
        k->unit = u;
        k->has_value = us_report_cell (&k->value, report, u, (size_t) i);
        k->has_target = us_report_target (&k->target, report, u, (size_t) i, source);
        /* A unit without a figure has not reported: it is listed, not ranked at 0%. */
        bool ranked = by == US_RANK_VALUE ? k->has_value
                    : k->has_value && k->has_target && k->target.lo > 0;
        if (ranked && by == US_RANK_ACHIEVEMENT
        &&  !us_report_pct (&k->pct, report, u, (size_t) i, source))
            k->pct = 0;
        k->rank = ranked ? 1 : 0;
    }
    if (by == US_RANK_ACHIEVEMENT)
        s_one_period (ranks, n);
    for (size_t a = 1; a < n; a++) {
        us_rank_t moving = ranks [a];
        size_t b = a;
        while (b > 0 && s_rank_cmp (&moving, &ranks [b - 1], report, by) < 0) {
            ranks [b] = ranks [b - 1];
            b--;
        }
        ranks [b] = moving;
    }
    for (size_t a = 0; a < n && ranks [a].rank; a++)
        if (a > 0 && s_rank_key (&ranks [a], by) == s_rank_key (&ranks [a - 1], by))
            ranks [a].rank = ranks [a - 1].rank;
        else
            ranks [a].rank = (int) a + 1;
    *count = n;
    return 0;
}

/* Counts the root's children that have a positive target of (i, source). */
size_t
us_rank_targeted (const us_report_t *r, size_t i, us_source_t source, size_t *children)
{
    size_t with = 0;
    *children = 0;
    us_report_unit_t info;
    us_report_target_t t;
    for (size_t u = 1; u < us_report_units (r); u++) {
        us_report_unit (&info, r, u);
        if (info.parent_index != 0)
            continue;
        (*children)++;
        if (us_report_target (&t, r, u, i, source) && t.lo > 0)
            with++;
    }
    return with;
}

/* Writes a target as plain text: N or N..M. */
static void
s_plain_target (char *buf, size_t size, const us_report_target_t *t)
{
    if (t->range)
        snprintf (buf, size, "%" PRId64 "..%" PRId64, t->lo, t->hi);
    else
        snprintf (buf, size, "%" PRId64, t->lo);
}

/* Prints a ranking as an aligned text table. */
static void
s_rank_text (FILE *out, const us_report_t *r, const us_rank_t *ranks, size_t n,
             const us_indicator_t *ind, us_source_t source, us_rank_by_t by)
{
    us_report_unit_t info;
    us_report_unit (&info, r, 0);
    fprintf (out, "Ranking %s: %s ", us_report_period (r)->text, ind->code);
    if (by == US_RANK_ACHIEVEMENT)
        fprintf (out, "achievement against %s targets", us_source_name (source));
    else
        fprintf (out, "figures (no unit has a %s target; ranked by figure)",
                 us_source_name (source));
    fputs (", units of ", out);
    fprintf (out, "%s (%s)\n", info.name, info.code);
    size_t code_w = 4, name_w = 4;
    for (size_t k = 0; k < n; k++) {
        us_report_unit (&info, r, ranks [k].unit);
        if (strlen (info.code) > code_w)
            code_w = strlen (info.code);
        if (us_text_width (info.name) > name_w)
            name_w = us_text_width (info.name);
    }
    fprintf (out, "%4s  ", "Rank");
    us_text_pad (out, "Unit", code_w, false);
    fputs ("  ", out);
    us_text_pad (out, "Name", name_w, false);
    fprintf (out, "  %10s  %14s  %9s\n", "Actual", "Target", "Achieved");
    for (size_t k = 0; k < n; k++) {
        const us_rank_t *e = &ranks [k];
        us_report_unit (&info, r, e->unit);
        char rank [16] = "-", actual [48] = "not reported", target [64] = "-", pct [24] = "-";
        if (e->rank)
            snprintf (rank, sizeof rank, "%d", e->rank);
        if (e->has_value)
            us_words_en (actual, sizeof actual, ind, e->value);
        if (e->has_target) {
            char lo [32], hi [32];
            us_text_group_int (lo, sizeof lo, e->target.lo, ',');
            us_text_group_int (hi, sizeof hi, e->target.hi, ',');
            if (e->target.range)
                snprintf (target, sizeof target, "%s-%s", lo, hi);
            else
                snprintf (target, sizeof target, "%s", lo);
        }
        if (by == US_RANK_ACHIEVEMENT && e->rank)
            snprintf (pct, sizeof pct, "%.1f%%", e->pct);
        fprintf (out, "%4s  ", rank);
        us_text_pad (out, info.code, code_w, false);
        fputs ("  ", out);
        us_text_pad (out, info.name, name_w, false);
        fprintf (out, "  %10s  %14s  %9s\n", actual, target, pct);
    }
}

/* Prints a ranking as CSV. */
static void
s_rank_csv (FILE *out, const us_report_t *r, const us_rank_t *ranks, size_t n,
            const us_indicator_t *ind, us_source_t source, us_rank_by_t by)
{
    fputs ("\xEF\xBB\xBF", out);
    fputs ("period,indicator,source,by,rank,unit,name,value,target,achievement_pct\r\n", out);
    for (size_t k = 0; k < n; k++) {
        const us_rank_t *e = &ranks [k];
        us_report_unit_t info;
        us_report_unit (&info, r, e->unit);
        fprintf (out, "%s,%s,%s,%s,", us_report_period (r)->text, ind->code,
                 us_source_name (source), by == US_RANK_ACHIEVEMENT ? "achievement" : "value");
        if (e->rank)
            fprintf (out, "%d", e->rank);
        fputc (',', out);
        us_text_csv (out, info.code);
        fputc (',', out);
        us_text_csv (out, info.name);
        fputc (',', out);
        if (e->has_value)
            us_words_plain (out, ind, e->value);
        fputc (',', out);
        if (e->has_target) {
            char target [64];
            s_plain_target (target, sizeof target, &e->target);
            fputs (target, out);
        }
        fputc (',', out);
        if (by == US_RANK_ACHIEVEMENT && e->rank)
            fprintf (out, "%.1f", e->pct);
        fputs ("\r\n", out);
    }
}

/* Prints a ranking as one JSON object. */
static void
s_rank_json (FILE *out, const us_report_t *r, const us_rank_t *ranks, size_t n,
             const us_indicator_t *ind, us_source_t source, us_rank_by_t by)
{
    us_report_unit_t info;
    us_report_unit (&info, r, 0);
    fputs ("{\"period\":", out);
    us_text_json (out, us_report_period (r)->text);
    fputs (",\"unit\":", out);
    us_text_json (out, info.code);
    fputs (",\"indicator\":", out);
    us_text_json (out, ind->code);
    fprintf (out, ",\"source\":\"%s\",\"by\":\"%s\",\"rows\":[", us_source_name (source),
             by == US_RANK_ACHIEVEMENT ? "achievement" : "value");
    for (size_t k = 0; k < n; k++) {
        const us_rank_t *e = &ranks [k];
        us_report_unit (&info, r, e->unit);
        fputs (k ? ",{\"rank\":" : "{\"rank\":", out);
        if (e->rank)
            fprintf (out, "%d", e->rank);
        else
            fputs ("null", out);
        fputs (",\"unit\":", out);
        us_text_json (out, info.code);
        fputs (",\"name\":", out);
        us_text_json (out, info.name);
        fputs (",\"value\":", out);
        if (e->has_value)
            us_words_plain (out, ind, e->value);
        else
            fputs ("null", out);
        fputs (",\"target\":", out);
        if (e->has_target && e->target.range)
            fprintf (out, "{\"min\":%" PRId64 ",\"max\":%" PRId64 "}", e->target.lo, e->target.hi);
        else
        if (e->has_target)
            fprintf (out, "%" PRId64, e->target.lo);
        else
            fputs ("null", out);
        fputs (",\"achievement_pct\":", out);
        if (by == US_RANK_ACHIEVEMENT && e->rank)
            fprintf (out, "%.1f", e->pct);
        else
            fputs ("null", out);
        fputc ('}', out);
    }
    fputs ("]}\n", out);
}

/* Prints the ranking of the root's children on an indicator. */
int
us_print_rank (const us_report_t *report, FILE *out, us_format_t format,
                      const char *indicator, us_source_t source)
{
    if (format != US_FORMAT_TEXT && format != US_FORMAT_CSV && format != US_FORMAT_JSON)
        return us_error_set (US_EINVAL, "a ranking prints as text, csv or json");
    int i = us_report_find_indicator (report, indicator);
    if (i < 0)
        return us_error_set (US_ENOTFOUND, "unknown indicator '%.64s'", indicator);
    us_rank_t *ranks = calloc (us_report_units (report) + 1, sizeof *ranks);
    if (!ranks)
        return us_error_set (US_ENOMEM, "out of memory");
    size_t n, children;
    us_rank_by_t by = us_rank_targeted (report, (size_t) i, source, &children) > 0
                    ? US_RANK_ACHIEVEMENT : US_RANK_VALUE;
    int rc = us_rank (ranks, &n, report, indicator, source, by);
    if (rc == 0) {
        const us_indicator_t *ind = us_report_indicator (report, (size_t) i);
        if (format == US_FORMAT_TEXT)
            s_rank_text (out, report, ranks, n, ind, source, by);
        else
        if (format == US_FORMAT_CSV)
            s_rank_csv (out, report, ranks, n, ind, source, by);
        else
            s_rank_json (out, report, ranks, n, ind, source, by);
        if (fflush (out) != 0 || ferror (out))
            rc = us_error_set (US_EIO, "cannot write the ranking");
    }
    free (ranks);
    return rc;
}

