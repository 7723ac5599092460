/*  us_template: the office's form for a period (see us_template.h). */
#include "us_template.h"
#include "us_error.h"
#include "us_period.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#define FIXED_COLS 4

/* What the form shows, gathered before writing. */
typedef struct {
    us_report_t *report;
    size_t n_units;
    size_t *inds;               /* report indexes of the entered indicators */
    size_t n_inds;
    us_period_t period;
    int months;
    int64_t *last;              /* [unit][indicator][month] last year */
    unsigned char *has;
} form_t;

/* Parses a format name. */
int
us_template_format_parse (us_template_format_t *format, const char *text)
{
    if (strcmp (text, "csv") == 0)
        *format = US_TEMPLATE_CSV;
    else
    if (strcmp (text, "xlsx") == 0)
        *format = US_TEMPLATE_XLSX;
    else
        return us_error_set (US_EINVAL, "unknown format '%.20s' (csv or xlsx)", text);
    return 0;
}

/* Keeps last year's figure of a unit and indicator of the form. */
static int
s_last_year (const char *unit, const char *indicator, int month, int64_t value, void *arg)
{
    form_t *f = arg;
    int m = month - (f->period.first - 12);
    if (m < 0 || m >= f->months)
        return 0;
    for (size_t u = 0; u < f->n_units; u++) {
        us_report_unit_t info;
        us_report_unit (&info, f->report, u);
        if (strcmp (info.code, unit) != 0)
            continue;
        for (size_t k = 0; k < f->n_inds; k++)
            if (strcmp (us_report_indicator (f->report, f->inds [k])->code, indicator) == 0) {
                size_t at = (u * f->n_inds + k) * (size_t) f->months + (size_t) m;
                f->last [at] = value;
                f->has [at] = 1;
            }
    }
    return 0;
}

/* Gathers the units, the entered indicators and last year's figures. */
static int
s_gather (form_t *f, us_dstore_t *store, const char *period)
{
    if (us_period_parse (&f->period, period) != 0)
        return us_error_set (US_EINVAL, "bad period '%.40s' (2022-05, 2022-Q2, 2022-H1, 2022)",
                             period);
    f->months = f->period.last - f->period.first + 1;
    if (f->months > US_TEMPLATE_MAX_MONTHS)
        return us_error_set (US_EINVAL, "a form covers at most %d months; %s has %d",
                             US_TEMPLATE_MAX_MONTHS, period, f->months);
    int rc = us_dstore_report (store, &f->report, period);
    if (rc)
        return rc;
    f->n_units = us_report_units (f->report);
    size_t all = us_report_indicators (f->report);
    f->inds = calloc (all + 1, sizeof *f->inds);
    if (!f->inds)
        return us_error_set (US_ENOMEM, "out of memory");
    for (size_t i = 0; i < all; i++) {
        us_kind_t kind = us_report_indicator (f->report, i)->kind;
        if (kind == US_KIND_FLOW || kind == US_KIND_STOCK)
            f->inds [f->n_inds++] = i;
    }
    size_t cells = f->n_units * f->n_inds * (size_t) f->months + 1;
    f->last = calloc (cells, sizeof *f->last);
    f->has = calloc (cells, 1);
    if (!f->last || !f->has)
        return us_error_set (US_ENOMEM, "out of memory");
    return us_dstore_each_cell (store, f->period.first - 12, f->period.last - 12,
                                s_last_year, f);
}

/* Writes the heading of column c into buf. */
static const char *
s_heading (char *buf, size_t size, const form_t *f, int c)
{
    static const char *fixed [FIXED_COLS] = { "Mã đơn vị", "Tên đơn vị", "Mã chỉ tiêu",
                                              "Tên chỉ tiêu" };
    if (c < FIXED_COLS)
        return fixed [c];
    int month = f->period.first + (c - FIXED_COLS) / 2;
    int year = us_month_year (month), m = month - year * 12 + 1;
    if ((c - FIXED_COLS) % 2 == 0)
        snprintf (buf, size, "Tháng %d/%d", m, year);
    else
        snprintf (buf, size, "Cùng kỳ %d/%d", m, year - 1);
    return buf;
}

/* Writes one CSV field with ';' separators, quoted when needed. */
static void
s_csv_field (FILE *out, const char *s, bool last)
{
    if (strpbrk (s, ";,\"\n\r")) {
        fputc ('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc ('"', out);
            fputc (*s, out);
        }
        fputc ('"', out);
    }
    else
        fputs (s, out);
    fputs (last ? "\r\n" : ";", out);
}

/* Writes the form as CSV. */
static int
s_write_csv (const form_t *f, FILE *out)
{
    int cols = FIXED_COLS + 2 * f->months;
    char buf [64];
    fputs ("\xEF\xBB\xBF", out);
    for (int c = 0; c < cols; c++)
        s_csv_field (out, s_heading (buf, sizeof buf, f, c), c == cols - 1);
    for (size_t u = 0; u < f->n_units; u++) {
        us_report_unit_t unit;
        us_report_unit (&unit, f->report, u);
        for (size_t k = 0; k < f->n_inds; k++) {
            const us_indicator_t *ind = us_report_indicator (f->report, f->inds [k]);
            s_csv_field (out, unit.code, false);
            s_csv_field (out, unit.name, false);
            s_csv_field (out, ind->code, false);
            s_csv_field (out, ind->name, cols == FIXED_COLS);
            for (int m = 0; m < f->months; m++) {
                size_t at = (u * f->n_inds + k) * (size_t) f->months + (size_t) m;
                buf [0] = 0;
                if (f->has [at])
                    snprintf (buf, sizeof buf, "%" PRId64, f->last [at]);
                s_csv_field (out, "", false);
                s_csv_field (out, buf, m == f->months - 1);
            }
        }
    }
    return 0;
}

/* Writes the form as an Excel workbook. */
static int
s_write_xlsx (const form_t *f, const char *path)
{
    lxw_workbook *wb = workbook_new (path);
    if (!wb)
        return us_error_set (US_EIO, "cannot create %s", path);
    lxw_worksheet *ws = workbook_add_worksheet (wb, "Biểu mẫu");
    lxw_format *head = workbook_add_format (wb);
    lxw_format *num = workbook_add_format (wb);
    lxw_format *last = workbook_add_format (wb);
    if (!ws || !head || !num || !last) {
        workbook_close (wb);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    format_set_bold (head);
    format_set_text_wrap (head);
    format_set_bg_color (head, 0xDDEBF7);
    format_set_border (head, LXW_BORDER_THIN);
    format_set_num_format (num, "#,##0");
    format_set_bg_color (num, 0xFFFFE0);
    format_set_num_format (last, "#,##0");
    format_set_italic (last);
    format_set_font_color (last, 0x606060);
    worksheet_set_column (ws, 0, 0, 20, NULL);
    worksheet_set_column (ws, 1, 1, 36, NULL);
    worksheet_set_column (ws, 2, 2, 24, NULL);
    worksheet_set_column (ws, 3, 3, 56, NULL);
    int cols = FIXED_COLS + 2 * f->months;
    if (cols > FIXED_COLS)
        worksheet_set_column (ws, FIXED_COLS, (lxw_col_t) (cols - 1), 14, NULL);
    worksheet_freeze_panes (ws, 1, FIXED_COLS);
    char buf [64];
    for (int c = 0; c < cols; c++)
        worksheet_write_string (ws, 0, (lxw_col_t) c, s_heading (buf, sizeof buf, f, c), head);
    lxw_row_t row = 1;
    for (size_t u = 0; u < f->n_units; u++) {
        us_report_unit_t unit;
        us_report_unit (&unit, f->report, u);
        for (size_t k = 0; k < f->n_inds; k++, row++) {
            const us_indicator_t *ind = us_report_indicator (f->report, f->inds [k]);
            worksheet_write_string (ws, row, 0, unit.code, NULL);
            worksheet_write_string (ws, row, 1, unit.name, NULL);
            worksheet_write_string (ws, row, 2, ind->code, NULL);
            worksheet_write_string (ws, row, 3, ind->name, NULL);
            for (int m = 0; m < f->months; m++) {
                size_t at = (u * f->n_inds + k) * (size_t) f->months + (size_t) m;
                lxw_col_t c = (lxw_col_t) (FIXED_COLS + 2 * m);
                worksheet_write_blank (ws, row, c, num);
                if (f->has [at])
                    worksheet_write_number (ws, row, c + 1, (double) f->last [at], last);
                else
                    worksheet_write_blank (ws, row, c + 1, last);
            }
        }
    }
    lxw_error err = workbook_close (wb);
    if (err != LXW_NO_ERROR)
        return us_error_set (US_EIO, "cannot write %s: %s", path, lxw_strerror (err));
    return 0;
}

/* Writes the office's form for a period. */
int
us_template_write (us_dstore_t *store, int *rows_p, const char *period,
                   us_template_format_t format, const char *path)
{
    assert (store && rows_p && period);
    *rows_p = 0;
    if (format == US_TEMPLATE_XLSX && !path)
        return us_error_set (US_EINVAL, "an xlsx form needs --output FILE");
    form_t f = { 0 };
    int rc = s_gather (&f, store, period);
    if (rc == 0 && format == US_TEMPLATE_XLSX)
        rc = s_write_xlsx (&f, path);
    else
    if (rc == 0) {
        FILE *out = path ? fopen (path, "wb") : stdout;
        if (!out)
            rc = us_error_set (US_EIO, "cannot create %s: %s", path, strerror (errno));
        else {
            rc = s_write_csv (&f, out);
            if (fflush (out) != 0 || ferror (out))
                rc = us_error_set (US_EIO, "cannot write %s", path ? path : "the output");
            if (path && fclose (out) != 0 && rc == 0)
                rc = us_error_set (US_EIO, "cannot write %s", path);
        }
    }
    if (rc == 0)
        *rows_p = (int) (f.n_units * f.n_inds);
    us_report_destroy (&f.report);
    free (f.inds);
    free (f.last);
    free (f.has);
    return rc;
}
