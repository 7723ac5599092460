/*  us_print_text: a report as an aligned text table. */
#include "us_print.h"
#include "us_expr.h"
#include "us_text.h"
#include "us_words.h"

#include <inttypes.h>
#include <string.h>

/* Prints the completeness line. */
static void
s_completeness (const us_report_t *r, FILE *out)
{
    int expected, submitted, on_time, late, n_missing;
    us_report_completeness (&expected, &submitted, r);
    us_report_timeliness (&on_time, &late, r);
    const int *missing = us_report_missing (&n_missing, r);
    fprintf (out, "Reported: %d of %d units (%d on time, %d late)", submitted, expected,
             on_time, late);
    us_report_unit_t info;
    for (int k = 0; k < n_missing; k++) {
        us_report_unit (&info, r, (size_t) missing [k]);
        fprintf (out, "%s%s (%s)", k ? ", " : "; missing: ", info.name, info.code);
    }
    int n_amended;
    const int *amended = us_report_amended (&n_amended, r);
    for (int k = 0; k < n_amended; k++) {
        us_report_unit (&info, r, (size_t) amended [k]);
        fprintf (out, "%s%s (%s)", k ? ", " : "; amended, to submit again: ", info.name,
                 info.code);
    }
    fputc ('\n', out);
}

/* Writes the figure of (u, i), "-" without one. */
static void
s_cell (char *buf, size_t size, const us_report_t *r, size_t u, size_t i)
{
    double v;
    if (us_report_cell (&v, r, u, i))
        us_words_en (buf, size, us_report_indicator (r, i), v);
    else
        snprintf (buf, size, "-");
}

/* Prints the table of units by indicators. */
static void
s_table (const us_report_t *r, FILE *out)
{
    size_t n_units = us_report_units (r), n_inds = us_report_indicators (r);
    us_report_unit_t info;
    size_t name_w = 4;
    for (size_t u = 0; u < n_units; u++) {
        us_report_unit (&info, r, u);
        size_t w = us_text_width (info.name) + 2 * (size_t) info.depth;
        if (w > name_w)
            name_w = w;
    }
    if (name_w > 48)
        name_w = 48;
    fputc ('\n', out);
    us_text_pad (out, "Unit", name_w, false);
    size_t widths [256];
    size_t n_cols = n_inds < 256 ? n_inds : 256;
    for (size_t i = 0; i < n_cols; i++) {
        widths [i] = 0;
        if (!us_print_ind_used (r, i))
            continue;
        const char *code = us_report_indicator (r, i)->code;
        size_t w = strlen (code);
        widths [i] = w < 9 ? 9 : w;
        for (size_t u = 0; u < n_units; u++) {
            char buf [48];
            s_cell (buf, sizeof buf, r, u, i);
            if (strlen (buf) > widths [i])
                widths [i] = strlen (buf);
        }
        fprintf (out, "  %*s", (int) widths [i], code);
    }
    fputc ('\n', out);
    for (size_t u = 0; u < n_units; u++) {
        us_report_unit (&info, r, u);
        char label [600];
        snprintf (label, sizeof label, "%*s%s", 2 * info.depth, "", info.name);
        us_text_pad (out, label, name_w, false);
        for (size_t i = 0; i < n_cols; i++) {
            if (!widths [i])
                continue;
            char buf [48];
            s_cell (buf, sizeof buf, r, u, i);
            fprintf (out, "  %*s", (int) widths [i], buf);
        }
        fputc ('\n', out);
    }
}

/* Prints the root's figures one per line, with units of measure, parts
   indented under their parent, and why a formula has no figure. */
static void
s_figures (const us_report_t *r, FILE *out)
{
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    bool header = false;
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        if (!us_print_ind_used (r, i))
            continue;
        const us_indicator_t *ind = us_report_indicator (r, i);
        if (!header) {
            fprintf (out, "\nFigures of %s (%s)\n", root.name, root.code);
            header = true;
        }
        char label [400], value [64];
        int depth = us_report_indicator_depth (r, i);
        snprintf (label, sizeof label, "%*s%s%s", 2 * depth, "", depth ? "trong đó " : "",
                  ind->code);
        s_cell (value, sizeof value, r, 0, i);
        us_text_pad (out, label, 36, false);
        fprintf (out, " %16s ", value);
        /* A ratio's figure carries its % already. */
        us_text_pad (out, ind->kind == US_KIND_RATIO ? "" : ind->unit, 6, false);
        fputc (' ', out);
        fputs (ind->name, out);
        int why = us_report_cell_reason (r, 0, i);
        if (why)
            fprintf (out, " (%s)", us_expr_reason (why));
        fputc ('\n', out);
    }
    /* A formula without a figure below the root names the units. */
    for (size_t u = 1; u < us_report_units (r); u++)
        for (size_t i = 0; i < us_report_indicators (r); i++) {
            int why = us_report_cell_reason (r, u, i);
            if (!why)
                continue;
            us_report_unit_t info;
            us_report_unit (&info, r, u);
            fprintf (out, "  %s of %s: - (%s)\n", us_report_indicator (r, i)->code, info.code,
                     us_expr_reason (why));
        }
}

/* Prints the targets and achievement table of every unit that has targets. */
static void
s_targets (const us_report_t *r, FILE *out)
{
    bool header = false;
    us_report_unit_t info;
    for (size_t u = 0; u < us_report_units (r); u++)
    for (size_t i = 0; i < us_report_indicators (r); i++)
    for (int s = 0; s < US_SOURCE_COUNT; s++) {
        us_report_target_t t;
        if (!us_report_target (&t, r, u, i, (us_source_t) s))
            continue;
        const us_indicator_t *ind = us_report_indicator (r, i);
        if (!header) {
            fprintf (out, "\nTargets and achievement\n");
            fprintf (out, "%-22s %-20s %10s %-10s %-14s %14s %9s %s\n", "Unit", "Indicator",
                     "Actual", "Source", "Target period", "Target", "Achieved", "Version");
            header = true;
        }
        char actual [48], target [112], pct [24] = "-", lo [48], hi [48];
        double v, p;
        s_cell (actual, sizeof actual, r, u, i);
        us_words_en (lo, sizeof lo, ind, (double) t.lo);
        us_words_en (hi, sizeof hi, ind, (double) t.hi);
        if (t.range)
            snprintf (target, sizeof target, "%s-%s", lo, hi);
        else
            snprintf (target, sizeof target, "%s", lo);
        if (us_report_pct (&p, r, u, i, (us_source_t) s))
            snprintf (pct, sizeof pct, "%.1f%%", p);
        us_report_unit (&info, r, u);
        us_text_pad (out, info.code, 22, false);
        fprintf (out, " %-20s %10s %-10s %-14s %14s %9s v%d", ind->code, actual,
                 us_source_name ((us_source_t) s), t.period, target, pct, t.version);
        if (t.range && us_report_cell (&v, r, u, i))
            fprintf (out, " (%s range)", v < (double) t.lo ? "below"
                     : v > (double) t.hi ? "above" : "within");
        fputc ('\n', out);
    }
}

/* Prints the report as an aligned text table. */
int
us_print_text (const us_report_t *r, FILE *out)
{
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    fprintf (out, "Consolidated report %s: %s (%s)\n", us_report_period (r)->text, root.name,
             root.code);
    s_completeness (r, out);
    s_table (r, out);
    s_figures (r, out);
    s_targets (r, out);
    return us_print_flush (out, "report");
}
