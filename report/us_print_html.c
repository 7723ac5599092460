/*  us_print_html: a report as one self-contained HTML page. */
#include "us_print.h"
#include "us_error.h"
#include "us_expr.h"
#include "us_text.h"
#include "us_words.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _us_trend_t {
    int first;                  /* first month */
    size_t months;
    size_t n_inds;              /* indicators, in the report's order */
    double *values;             /* [month * n_inds + ind] */
    bool *has;
};

#define S_TREND_MAX_MONTHS 120

/* Computes the root's figures for each month of the report's period from
   the data the report was computed from: no store is read again. */
int
us_trend_build (us_trend_t **trend_p, const us_report_data_t *data, const us_report_t *report)
{
    *trend_p = NULL;
    const us_period_t *p = us_report_period (report);
    us_trend_t *t = calloc (1, sizeof *t);
    if (!t)
        return us_error_set (US_ENOMEM, "out of memory");
    t->first = p->first;
    t->n_inds = us_report_indicators (report);
    t->months = us_period_months (p) <= S_TREND_MAX_MONTHS ? (size_t) us_period_months (p) : 0;
    size_t cells = t->months * t->n_inds + 1;
    t->values = calloc (cells, sizeof *t->values);
    t->has = calloc (cells, sizeof *t->has);
    if (!t->values || !t->has) {
        us_trend_destroy (&t);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    us_report_unit_t root;
    us_report_unit (&root, report, 0);
    for (size_t m = 0; m < t->months; m++) {
        char month [8];
        us_month_format (month, t->first + (int) m);
        us_report_t *mr;
        int rc = us_report_compute (&mr, data, month, root.code);
        if (rc) {
            us_trend_destroy (&t);
            return rc;
        }
        for (size_t i = 0; i < t->n_inds; i++) {
            int j = us_report_find_indicator (mr, us_report_indicator (report, i)->code);
            size_t k = m * t->n_inds + i;
            t->has [k] = j >= 0 && us_report_cell (&t->values [k], mr, 0, (size_t) j);
        }
        us_report_destroy (&mr);
    }
    *trend_p = t;
    return 0;
}

/* Frees a trend and nulls the pointer; safe on NULL. */
void
us_trend_destroy (us_trend_t **trend_p)
{
    if (!trend_p || !*trend_p)
        return;
    free ((*trend_p)->values);
    free ((*trend_p)->has);
    free (*trend_p);
    *trend_p = NULL;
}

static const char *s_css =
    "@page{size:A4;margin:14mm 12mm 16mm 12mm}"
    "*{box-sizing:border-box}"
    "body{font-family:'Times New Roman','Liberation Serif','DejaVu Serif',serif;"
    "font-size:11.5pt;line-height:1.4;color:#111;max-width:200mm;margin:0 auto;padding:8mm 6mm;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "header{text-align:center;border-bottom:2px solid #1f3b6e;padding-bottom:4mm;margin-bottom:4mm}"
    ".org{font-weight:bold;text-transform:uppercase;letter-spacing:.02em;margin:0}"
    "h1{font-size:17pt;margin:2mm 0 1mm;color:#1f3b6e}"
    ".meta{margin:0;color:#444;font-size:10pt}"
    "h2{font-size:13pt;color:#1f3b6e;border-bottom:1px solid #c5cde0;margin:6mm 0 2mm;"
    "break-after:avoid;page-break-after:avoid}"
    "p.lead{text-align:justify;text-indent:8mm;margin:0 0 2mm}"
    "table{border-collapse:collapse;width:100%;font-size:9pt;margin:1mm 0 2mm}"
    "thead{display:table-header-group}"
    "tr{break-inside:avoid;page-break-inside:avoid}"
    "th,td{border:1px solid #9aa3b5;padding:2px 4px;vertical-align:top}"
    "th{background:#e8edf6;font-weight:bold;text-align:center;font-size:7.5pt;"
    "overflow-wrap:anywhere;hyphens:auto}"
    "th .part{display:block;font-weight:normal;font-style:italic}"
    "th .unit{font-weight:normal}"
    "th .code{display:block;font-weight:normal;color:#555;font-family:monospace;font-size:6.5pt}"
    "th:first-child,td:first-child{min-width:40mm;text-align:left}"
    "td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    "tr.root td{font-weight:bold;background:#f4f6fb}"
    "td.ok{color:#1b5e20;font-weight:bold}td.warn{color:#8a5a00}td.bad{color:#b71c1c}"
    ".miss{color:#b71c1c;font-size:8pt}"
    ".note{font-size:9pt;color:#444;margin:0 0 2mm}"
    ".cmp span{display:block}.cmp .prev{color:#555;font-size:8pt}"
    ".up{color:#1b5e20}.down{color:#b71c1c}"
    "figure{margin:2mm 0 4mm;break-inside:avoid;page-break-inside:avoid}"
    "figcaption{font-weight:bold;font-size:10pt;margin-bottom:1mm}"
    ".grid{display:grid;grid-template-columns:1fr 1fr;column-gap:6mm}"
    "svg{max-width:100%;height:auto;display:block}"
    "svg text{font-family:'Liberation Sans','DejaVu Sans',Arial,sans-serif;"
    "font-size:11px;fill:#222}"
    "svg .small{font-size:9px;fill:#555}"
    "footer{margin-top:8mm;border-top:1px solid #c5cde0;font-size:8.5pt;color:#555}"
    "@media print{body{max-width:none;padding:0}h2{margin-top:5mm}}";

/* Writes an SVG attribute with one decimal of a pixel. */
static void
s_px (FILE *out, const char *name, double v)
{
    fprintf (out, " %s=\"%.1f\"", name, v);
}

/* One bar of a horizontal chart. */
typedef struct {
    const char *label;
    bool has;                   /* false: a note instead of a bar */
    double value;
    char text [160];            /* written after the bar, or the note */
    const char *fill;
} s_bar_t;

/* Draws a horizontal bar chart with a dashed line at ref (if > 0) and a note. */
static void
s_svg_hbars (FILE *out, const char *caption, const s_bar_t *bars, size_t n, double max,
             double ref, const char *ref_label, const char *note)
{
    const double width = 680, label_w = 232, x0 = 238, bar_w = 372, row = 20, top = 6;
    double height = top + (double) n * row + 22;
    if (max <= 0)
        max = 1;
    fputs ("<figure><figcaption>", out);
    us_words_html_escape (out, caption);
    fprintf (out, "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\""
             " role=\"img\"><title>", width, height, width, height);
    us_words_html_escape (out, caption);
    fputs ("</title>\n", out);
    for (size_t k = 0; k < n; k++) {
        double y = top + (double) k * row;
        char label [300];
        us_words_clip (label, sizeof label, bars [k].label, 38);
        fputs ("<text", out);
        s_px (out, "x", label_w);
        s_px (out, "y", y + 13);
        fputs (" text-anchor=\"end\">", out);
        us_words_html_escape (out, label);
        fputs ("</text>", out);
        double w = 0;
        if (bars [k].has) {
            w = bars [k].value / max * bar_w;
            w = w < 0 ? 0 : w > bar_w ? bar_w : w;
            fputs ("<rect", out);
            s_px (out, "x", x0);
            s_px (out, "y", y + 3);
            s_px (out, "width", w);
            s_px (out, "height", row - 6);
            fprintf (out, " fill=\"%s\"/>", bars [k].fill);
        }
        fprintf (out, "<text%s", bars [k].has ? "" : " class=\"small\"");
        s_px (out, "x", x0 + w + 4);
        s_px (out, "y", y + 13);
        fputc ('>', out);
        us_words_html_escape (out, bars [k].text);
        fputs ("</text>\n", out);
    }
    double bottom = top + (double) n * row;
    fputs ("<line", out);
    s_px (out, "x1", x0);
    s_px (out, "y1", top);
    s_px (out, "x2", x0);
    s_px (out, "y2", bottom);
    fputs (" stroke=\"#555\"/>\n", out);
    if (ref > 0 && ref <= max) {
        double x = x0 + ref / max * bar_w;
        fputs ("<line", out);
        s_px (out, "x1", x);
        s_px (out, "y1", top);
        s_px (out, "x2", x);
        s_px (out, "y2", bottom + 4);
        fputs (" stroke=\"#333\" stroke-dasharray=\"4 3\"/><text class=\"small\"", out);
        s_px (out, "x", x);
        s_px (out, "y", bottom + 15);
        fputs (" text-anchor=\"middle\">", out);
        us_words_html_escape (out, ref_label);
        fputs ("</text>\n", out);
    }
    fputs ("</svg>", out);
    if (note && *note) {
        fputs ("<p class=\"note\">", out);
        us_words_html_escape (out, note);
        fputs ("</p>", out);
    }
    fputs ("</figure>\n", out);
}

/* Draws a vertical bar chart of the root's figure for each month. */
static void
s_svg_months (FILE *out, const char *caption, const us_trend_t *t, size_t i,
              const us_indicator_t *ind)
{
    const double width = 330, height = 170, left = 6, right = 324, top = 20, base = 140;
    double max = 0;
    for (size_t m = 0; m < t->months; m++) {
        size_t k = m * t->n_inds + i;
        if (t->has [k] && t->values [k] > max)
            max = t->values [k];
    }
    if (max <= 0)
        max = 1;
    double slot = (right - left) / (double) t->months;
    size_t step = (t->months + 11) / 12;
    bool one_year = us_month_year (t->first) == us_month_year (t->first + (int) t->months - 1);
    fputs ("<figure><figcaption>", out);
    us_words_html_escape (out, caption);
    fprintf (out, "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\""
             " role=\"img\"><title>", width, height, width, height);
    us_words_html_escape (out, caption);
    fputs ("</title>\n", out);
    for (size_t m = 0; m < t->months; m++) {
        size_t k = m * t->n_inds + i;
        double x = left + (double) m * slot, cx = x + slot / 2;
        if (t->has [k]) {
            double h = t->values [k] / max * (base - top);
            h = h < 0 ? 0 : h;
            fputs ("<rect", out);
            s_px (out, "x", x + slot * 0.15);
            s_px (out, "y", base - h);
            s_px (out, "width", slot * 0.7);
            s_px (out, "height", h);
            fputs (" fill=\"#1565c0\"/>", out);
            if (t->months <= 12) {
                char num [48];
                us_words_vi (num, sizeof num, ind, t->values [k]);
                fputs ("<text class=\"small\"", out);
                s_px (out, "x", cx);
                s_px (out, "y", base - h - 3);
                fprintf (out, " text-anchor=\"middle\">%s</text>", num);
            }
        }
        if (m % step == 0) {
            int month = t->first + (int) m;
            char label [24];
            if (one_year)
                snprintf (label, sizeof label, "T%d", month % 12 + 1);
            else
                snprintf (label, sizeof label, "%d/%02d", month % 12 + 1,
                          us_month_year (month) % 100);
            fputs ("<text class=\"small\"", out);
            s_px (out, "x", cx);
            s_px (out, "y", base + 14);
            fprintf (out, " text-anchor=\"middle\">%s</text>", label);
        }
        fputc ('\n', out);
    }
    fputs ("<line", out);
    s_px (out, "x1", left);
    s_px (out, "y1", base);
    s_px (out, "x2", right);
    s_px (out, "y2", base);
    fputs (" stroke=\"#555\"/></svg></figure>\n", out);
}

/* Returns the colour of an achievement bar. */
static const char *
s_pct_fill (double pct)
{
    return pct >= 100 ? "#2e7d32" : pct >= 80 ? "#f9a825" : "#c62828";
}

/* Returns the class of an achievement cell. */
static const char *
s_pct_class (double pct)
{
    return pct >= 100 ? "ok" : pct >= 80 ? "warn" : "bad";
}

/* Draws the achievement of each of the root's children on (i, source). */
static int
s_html_achievement_chart (FILE *out, const us_report_t *r, size_t i, us_source_t source)
{
    us_rank_t *ranks = calloc (us_report_units (r) + 1, sizeof *ranks);
    s_bar_t *bars = calloc (us_report_units (r) + 1, sizeof *bars);
    if (!ranks || !bars) {
        free (ranks);
        free (bars);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    const us_indicator_t *ind = us_report_indicator (r, i);
    size_t n;
    int rc = us_rank (ranks, &n, r, ind->code, source, US_RANK_ACHIEVEMENT);
    double max = 100;
    size_t drawn = 0;
    char *note = calloc (n * 260 + 64, 1);
    if (rc == 0 && !note)
        rc = us_error_set (US_ENOMEM, "out of memory");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, ranks [k].unit);
        if (!ranks [k].rank) {
            size_t len = strlen (note);
            snprintf (note + len, n * 260 + 64 - len, "%s%s", len ? ", " : "Chưa giao chỉ tiêu: ",
                      info.name);
            continue;
        }
        s_bar_t *bar = &bars [drawn++];
        char pct [32], target [72], value [32] = "0";
        us_text_vi_dec (pct, sizeof pct, ranks [k].pct);
        us_words_vi_target (target, sizeof target, &ranks [k].target);
        if (ranks [k].has_value)
            us_words_vi (value, sizeof value, ind, ranks [k].value);
        bar->label = info.name;
        bar->has = true;
        snprintf (bar->text, sizeof bar->text, "%s%% (%s/%s)", pct, value, target);
        bar->value = ranks [k].pct;
        bar->fill = s_pct_fill (ranks [k].pct);
        if (ranks [k].pct > max)
            max = ranks [k].pct;
    }
    if (rc == 0) {
        if (*note)
            strcat (note, ".");
        max = (max > 250 ? 250 : max) * 1.08;
        char caption [700], period [96], source_words [96];
        us_words_vi_period (period, sizeof period, us_report_period (r));
        snprintf (source_words, sizeof source_words, "%s", us_words_vi_source (source));
        snprintf (caption, sizeof caption, "Tỷ lệ đạt %s — %s, %s", source_words, ind->name, period);
        s_svg_hbars (out, caption, bars, drawn, max, 100, "100%", note);
    }
    free (note);
    free (ranks);
    free (bars);
    return rc;
}

/* Draws the figure of each of the root's children on indicator i. */
static int
s_html_figure_chart (FILE *out, const us_report_t *r, size_t i)
{
    us_rank_t *ranks = calloc (us_report_units (r) + 1, sizeof *ranks);
    s_bar_t *bars = calloc (us_report_units (r) + 1, sizeof *bars);
    if (!ranks || !bars) {
        free (ranks);
        free (bars);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    const us_indicator_t *ind = us_report_indicator (r, i);
    size_t n;
    int rc = us_rank (ranks, &n, r, ind->code, US_SOURCE_PROVINCE, US_RANK_VALUE);
    double max = 0;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, ranks [k].unit);
        bars [k].label = info.name;
        bars [k].has = ranks [k].has_value;
        bars [k].fill = "#1565c0";
        if (bars [k].has) {
            us_words_vi (bars [k].text, sizeof bars [k].text, ind, ranks [k].value);
            bars [k].value = ranks [k].value;
            if (ranks [k].value > max)
                max = ranks [k].value;
        }
        else
            snprintf (bars [k].text, sizeof bars [k].text, "chưa có số liệu");
    }
    if (rc == 0) {
        char caption [700], period [96];
        us_words_vi_period (period, sizeof period, us_report_period (r));
        snprintf (caption, sizeof caption, "%s theo đơn vị, %s", ind->name, period);
        s_svg_hbars (out, caption, bars, n, max * 1.12, 0, "", NULL);
    }
    free (ranks);
    free (bars);
    return rc;
}

/* Returns true when the trend of indicator i is worth a chart. */
static bool
s_trend_useful (const us_trend_t *t, const us_report_t *r, size_t i)
{
    if (!t || t->months < 2 || i >= t->n_inds)
        return false;
    size_t months = 0;
    for (size_t m = 0; m < t->months; m++)
        months += t->has [m * t->n_inds + i];
    return us_report_indicator (r, i)->kind == US_KIND_FLOW ? months > 0 : months > 1;
}

/* Writes the charts section; returns 0 or an error. */
static int
s_html_charts (FILE *out, const us_report_t *r, const us_trend_t *trend, int *section)
{
    size_t children, n = us_report_indicators (r);
    bool any = false;
    int rc = 0;
    bool members_covered = false;
    for (size_t i = 0; rc == 0 && i < n; i++)
        for (int s = 0; rc == 0 && s < US_SOURCE_COUNT; s++) {
            size_t with = us_rank_targeted (r, i, (us_source_t) s, &children);
            if (!with)
                continue;
            if (!any)
                fprintf (out, "<section>\n<h2>%d. Biểu đồ</h2>\n", ++*section);
            any = true;
            rc = s_html_achievement_chart (out, r, i, (us_source_t) s);
            if (with == children && strcmp (us_report_indicator (r, i)->code, "members.new") == 0)
                members_covered = true;
        }
    int members = us_report_find_indicator (r, "members.new");
    double v;
    bool members_figures = false;
    for (size_t u = 1; members >= 0 && u < us_report_units (r); u++) {
        us_report_unit_t info;
        us_report_unit (&info, r, u);
        if (info.parent_index == 0 && us_report_cell (&v, r, u, (size_t) members))
            members_figures = true;
    }
    if (rc == 0 && members_figures && !members_covered) {
        if (!any)
            fprintf (out, "<section>\n<h2>%d. Biểu đồ</h2>\n", ++*section);
        any = true;
        rc = s_html_figure_chart (out, r, (size_t) members);
    }
    bool grid = false;
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!s_trend_useful (trend, r, i))
            continue;
        if (!any)
            fprintf (out, "<section>\n<h2>%d. Biểu đồ</h2>\n", ++*section);
        any = true;
        if (!grid) {
            fprintf (out, "<p class=\"note\">Diễn biến theo tháng của %s:</p>\n<div class=\"grid\">\n",
                     us_print_is_province (r) ? "toàn tỉnh" : "đơn vị");
            grid = true;
        }
        s_svg_months (out, us_report_indicator (r, i)->name, trend, i, us_report_indicator (r, i));
    }
    if (grid)
        fputs ("</div>\n", out);
    if (any)
        fputs ("</section>\n", out);
    return rc;
}

/* Writes the completeness and timeliness section. */
static void
s_html_completeness (FILE *out, const us_report_t *r, int *section)
{
    int expected, submitted, on_time, late, n_missing;
    us_report_completeness (&expected, &submitted, r);
    us_report_timeliness (&on_time, &late, r);
    const int *missing = us_report_missing (&n_missing, r);
    char deadline [32];
    us_period_deadline_day (deadline, sizeof deadline, us_report_period (r));
    fprintf (out, "<section>\n<h2>%d. Tình hình nộp báo cáo</h2>\n", ++*section);
    if (expected == 0) {
        fputs ("<p>Không có đơn vị nào phải nộp báo cáo trong kỳ.</p>\n</section>\n", out);
        return;
    }
    if (us_report_schedules (r) == 0)
        fprintf (out, "<p>Đã nộp: <b>%d/%d</b> đơn vị (%d đúng hạn, %d sau hạn; hạn nộp ngày %s).",
                 submitted, expected, on_time, late, deadline);
    else
        fprintf (out, "<p>Đã nộp: <b>%d/%d</b> đơn vị (%d đúng hạn, %d sau hạn).",
                 submitted, expected, on_time, late);
    if (n_missing == 0)
        fputs (" Tất cả các đơn vị đã nộp.", out);
    fputs ("</p>\n", out);
    int n_amended;
    const int *amended = us_report_amended (&n_amended, r);
    for (int k = 0; k < n_amended; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, (size_t) amended [k]);
        fputs (k ? ", " : "<p class=\"amended\">Báo cáo đã sửa sau khi nộp, chờ nộp lại: ", out);
        us_words_html_escape (out, info.name);
    }
    if (n_amended)
        fputs (".</p>\n", out);
    if (us_report_schedules (r) > 0) {
        fputs ("<ul class=\"schedules\">\n", out);
        for (size_t k = 0; k < us_report_schedules (r); k++) {
            us_report_schedule_t s;
            char text [600];
            us_report_schedule (&s, r, k);
            us_print_vi_schedule (text, sizeof text, &s);
            fputs ("<li data-schedule=\"", out);
            us_words_html_escape (out, s.code);
            fputs ("\">", out);
            us_words_html_escape (out, text);
            fputs (".</li>\n", out);
        }
        fputs ("</ul>\n", out);
    }
    const double w = 420;
    double a = w * on_time / expected, b = w * late / expected;
    fputs ("<svg viewBox=\"0 0 430 16\" width=\"430\" height=\"16\" role=\"img\">"
           "<title>Tiến độ nộp báo cáo</title>", out);
    fprintf (out, "<rect x=\"0\" y=\"2\" width=\"%.1f\" height=\"12\" fill=\"#e3e6ec\"/>", w);
    fprintf (out, "<rect x=\"0\" y=\"2\" width=\"%.1f\" height=\"12\" fill=\"#2e7d32\"/>", a);
    fprintf (out, "<rect x=\"%.1f\" y=\"2\" width=\"%.1f\" height=\"12\" fill=\"#f9a825\"/>", a, b);
    fputs ("</svg>\n", out);
    fputs ("<p class=\"note\">Xanh: đúng hạn; vàng: sau hạn; xám: chưa nộp.</p>\n", out);
    if (n_missing) {
        fputs ("<p>Chưa nộp: ", out);
        for (int k = 0; k < n_missing; k++) {
            us_report_unit_t info;
            us_report_unit (&info, r, (size_t) missing [k]);
            fputs (k ? ", " : "", out);
            fputs ("<b>", out);
            us_words_html_escape (out, info.name);
            fputs ("</b> (", out);
            us_words_html_escape (out, info.code);
            fputc (')', out);
        }
        fputs (".</p>\n", out);
    }
    fputs ("</section>\n", out);
}

/* Returns true when unit u is among the units that have not submitted. */
static bool
s_is_missing (const us_report_t *r, size_t u)
{
    int n;
    const int *missing = us_report_missing (&n, r);
    for (int k = 0; k < n; k++)
        if ((size_t) missing [k] == u)
            return true;
    return false;
}

/* Writes the header cells of the used indicators. */
static void
s_html_ind_headers (FILE *out, const us_report_t *r, const bool *used)
{
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        if (!used [i])
            continue;
        const us_indicator_t *ind = us_report_indicator (r, i);
        fputs ("<th>", out);
        /* A part is headed "trong đó" under its whole, which comes before it. */
        if (us_report_indicator_depth (r, i) > 0)
            fputs ("<span class=\"part\">trong đó:</span> ", out);
        us_words_html_escape (out, ind->name);
        if (*ind->unit) {
            fputs (" <span class=\"unit\">(", out);
            us_words_html_escape (out, ind->unit);
            fputs (")</span>", out);
        }
        fputs ("<span class=\"code\">", out);
        us_words_html_escape (out, ind->code);
        fputs ("</span></th>", out);
    }
}

/* Writes the first cell of a unit's row, indented by depth. */
static void
s_html_unit_cell (FILE *out, const us_report_t *r, size_t u, bool mark_missing)
{
    us_report_unit_t info;
    us_report_unit (&info, r, u);
    fprintf (out, "<tr%s><td style=\"padding-left:%dpx\">", u == 0 ? " class=\"root\"" : "",
             4 + 14 * info.depth);
    us_words_html_escape (out, info.name);
    if (mark_missing && s_is_missing (r, u))
        fputs (" <span class=\"miss\">(chưa nộp)</span>", out);
    fputs ("</td>", out);
}

/* Writes the table of units by indicators. */
static void
s_html_units (FILE *out, const us_report_t *r, const bool *used, int *section)
{
    fprintf (out, "<section>\n<h2>%d. Số liệu tổng hợp theo đơn vị</h2>\n", ++*section);
    fputs ("<table>\n<thead><tr><th>Đơn vị</th>", out);
    s_html_ind_headers (out, r, used);
    fputs ("</tr></thead>\n<tbody>\n", out);
    for (size_t u = 0; u < us_report_units (r); u++) {
        s_html_unit_cell (out, r, u, true);
        for (size_t i = 0; i < us_report_indicators (r); i++) {
            if (!used [i])
                continue;
            char num [48] = "–";
            double v;
            int why = us_report_cell_reason (r, u, i);
            if (us_report_cell (&v, r, u, i))
                us_words_vi (num, sizeof num, us_report_indicator (r, i), v);
            if (why)
                fprintf (out, "<td class=\"num\" title=\"%s\">– <span class=\"note\">(%s)</span></td>",
                         us_expr_reason_vi (why), us_expr_reason_vi (why));
            else
                fprintf (out, "<td class=\"num\">%s</td>", num);
        }
        fputs ("</tr>\n", out);
    }
    fputs ("</tbody>\n</table>\n</section>\n", out);
}

/* Writes the table of targets and achievement. */
static void
s_html_targets (FILE *out, const us_report_t *r, int *section)
{
    bool header = false;
    static const char *sources [] = {
        "Tổng Liên đoàn giao", "Kế hoạch LĐLĐ tỉnh", "Cam kết với BTV Tỉnh ủy"
    };
    for (size_t u = 0; u < us_report_units (r); u++)
    for (size_t i = 0; i < us_report_indicators (r); i++)
    for (int s = 0; s < US_SOURCE_COUNT; s++) {
        us_report_target_t t;
        if (!us_report_target (&t, r, u, i, (us_source_t) s))
            continue;
        if (!header) {
            fprintf (out, "<section>\n<h2>%d. Chỉ tiêu và kết quả thực hiện</h2>\n", ++*section);
            fputs ("<table>\n<thead><tr><th>Đơn vị</th><th>Chỉ tiêu</th><th>Nguồn</th>"
                   "<th>Kỳ chỉ tiêu</th><th>Mức giao</th><th>Thực hiện</th><th>Đạt</th>"
                   "</tr></thead>\n<tbody>\n", out);
            header = true;
        }
        const us_indicator_t *ind = us_report_indicator (r, i);
        us_report_unit_t info;
        us_report_unit (&info, r, u);
        char target [80], actual [48] = "–", pct [48] = "–", when [96];
        us_words_vi_target (target, sizeof target, &t);
        double v, p;
        bool has = us_report_cell (&v, r, u, i);
        if (has)
            us_words_vi (actual, sizeof actual, ind, v);
        us_period_t tp;
        if (us_period_parse (&tp, t.period) == 0)
            us_words_vi_period (when, sizeof when, &tp);
        else
            snprintf (when, sizeof when, "%s", t.period);
        bool has_pct = us_report_pct (&p, r, u, i, (us_source_t) s);
        if (has_pct) {
            char num [40];
            us_text_vi_dec (num, sizeof num, p);
            snprintf (pct, sizeof pct, "%s%%", num);
        }
        fprintf (out, "<tr%s><td>", u == 0 ? " class=\"root\"" : "");
        us_words_html_escape (out, info.name);
        fputs ("</td><td>", out);
        us_words_html_escape (out, ind->name);
        fprintf (out, "</td><td>%s</td><td>", sources [s]);
        us_words_html_escape (out, when);
        fprintf (out, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>", target, actual);
        /* A target of a longer period (a year's for a half) is not yet due. */
        const us_period_t *rp = us_report_period (r);
        bool due = us_period_parse (&tp, t.period) != 0
                || (tp.first >= rp->first && tp.last <= rp->last);
        fprintf (out, "<td class=\"num%s%s\">%s", has_pct && (due || p >= 100) ? " " : "",
                 has_pct && (due || p >= 100) ? s_pct_class (p) : "", pct);
        if (t.range && has)
            fprintf (out, "<br><span class=\"note\">%s</span>", v < (double) t.lo ? "dưới mức"
                     : v > (double) t.hi ? "vượt mức" : "trong khoảng");
        fputs ("</td></tr>\n", out);
    }
    if (header)
        fputs ("</tbody>\n</table>\n<p class=\"note\">Tỷ lệ đạt tính trên mức giao "
               "(mức thấp nếu chỉ tiêu là một khoảng).</p>\n</section>\n", out);
}

/* Writes the comparison with the same period of the previous year. */
static void
s_html_compare (FILE *out, const us_report_t *r, const us_report_t *prev, int *section)
{
    size_t n = us_report_indicators (r);
    bool *used = calloc (n + 1, sizeof *used);
    if (!used)
        return;
    for (size_t i = 0; i < n; i++)
        used [i] = us_print_ind_had (r, prev, i);
    char was [96];
    us_words_vi_period (was, sizeof was, us_report_period (prev));
    fprintf (out, "<section>\n<h2>%d. So sánh với cùng kỳ (%s)</h2>\n", ++*section, was);
    if (us_print_prev_empty (prev)) {
        fputs ("<p>Cùng kỳ chưa có số liệu để so sánh.</p>\n</section>\n", out);
        free (used);
        return;
    }
    fputs ("<p class=\"note\">Mỗi ô: số kỳ này; số cùng kỳ năm trước; tăng/giảm "
           "(tỷ lệ: điểm phần trăm).</p>\n", out);
    fputs ("<table>\n<thead><tr><th>Đơn vị</th>", out);
    s_html_ind_headers (out, r, used);
    fputs ("</tr></thead>\n<tbody>\n", out);
    for (size_t u = 0; u < us_report_units (r); u++) {
        s_html_unit_cell (out, r, u, false);
        for (size_t i = 0; i < n; i++) {
            if (!used [i])
                continue;
            const us_indicator_t *ind = us_report_indicator (r, i);
            us_kind_t kind = ind->kind;
            double now = 0, before = 0, change;
            bool has_now = us_report_cell (&now, r, u, i);
            bool has_before = us_print_previous (&before, r, prev, u, i);
            char a [48] = "–", b [48] = "–", c [64] = "";
            if (has_now)
                us_words_vi (a, sizeof a, ind, now);
            if (has_before)
                us_words_vi (b, sizeof b, ind, before);
            const char *cls = "";
            if (has_now && has_before && us_print_change (&change, kind, now, before)) {
                char num [40];
                us_text_vi_dec (num, sizeof num, fabs (change));
                snprintf (c, sizeof c, "%s%s%s", change > 0 ? "+" : change < 0 ? "−" : "±",
                          num, kind == US_KIND_RATIO ? " điểm" : "%");
                cls = change > 0 ? "up" : change < 0 ? "down" : "";
            }
            fprintf (out, "<td class=\"num cmp\"><span>%s</span><span class=\"prev\">%s</span>"
                     "<span class=\"%s\">%s</span></td>", a, b, cls, c);
        }
        fputs ("</tr>\n", out);
    }
    fputs ("</tbody>\n</table>\n</section>\n", out);
    free (used);
}

/* Writes the summary paragraphs: the Vietnamese text, escaped. */
static int
s_html_summary (FILE *out, const us_report_t *r, const us_report_t *prev, int *section)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream (&text, &len);
    if (!mem)
        return us_error_set (US_ENOMEM, "out of memory");
    int rc = us_print_vi (r, mem, prev);
    fclose (mem);
    if (rc == 0) {
        fprintf (out, "<section>\n<h2>%d. Tóm tắt</h2>\n", ++*section);
        char *line = text;
        while (line && *line) {
            char *end = strchr (line, '\n');
            if (end)
                *end = 0;
            fputs ("<p class=\"lead\">", out);
            us_words_html_escape (out, line);
            fputs ("</p>\n", out);
            line = end ? end + 1 : NULL;
        }
        fputs ("</section>\n", out);
    }
    free (text);
    return rc;
}

/* Prints the report as one self-contained HTML page. */
int
us_print_html (const us_report_t *r, FILE *out, const us_print_opts_t *opts)
{
    us_print_opts_t none = { NULL, NULL, NULL };
    if (!opts)
        opts = &none;
    size_t n = us_report_indicators (r);
    bool *used = calloc (n + 1, sizeof *used);
    if (!used)
        return us_error_set (US_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        used [i] = us_print_ind_used (r, i);
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    const us_period_t *p = us_report_period (r);
    char period [96], first [8], last [8];
    us_words_vi_period (period, sizeof period, p);
    us_month_format (first, p->first);
    us_month_format (last, p->last);
    fputs ("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"generator\" content=\"unionsync\">\n<title>Báo cáo tổng hợp ", out);
    us_words_html_escape (out, period);
    fputs (" – ", out);
    us_words_html_escape (out, root.name);
    fprintf (out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<p class=\"org\">",
             s_css);
    us_words_html_escape (out, root.name);
    fputs ("</p>\n<h1>Báo cáo tổng hợp số liệu ", out);
    us_words_html_escape (out, period);
    fputs ("</h1>\n<p class=\"meta\">Kỳ báo cáo: ", out);
    us_words_html_escape (out, p->text);
    fprintf (out, " (%s – %s) · Đơn vị: ", first, last);
    us_words_html_escape (out, root.name);
    fputs (" (", out);
    us_words_html_escape (out, root.code);
    fputs (")</p>\n</header>\n", out);
    int section = 0;
    int rc = s_html_summary (out, r, opts->previous, &section);
    if (rc == 0) {
        s_html_completeness (out, r, &section);
        s_html_units (out, r, used, &section);
        s_html_targets (out, r, &section);
        rc = s_html_charts (out, r, opts->trend, &section);
    }
    if (rc == 0 && opts->previous)
        s_html_compare (out, r, opts->previous, &section);
    if (rc == 0)
        fputs ("<footer><p>Số liệu tổng hợp từ báo cáo của các đơn vị; số của đơn vị cấp trên "
               "gồm số của chính đơn vị và của các đơn vị trực thuộc.</p></footer>\n"
               "</body>\n</html>\n", out);
    free (used);
    return rc;
}

