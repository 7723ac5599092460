/*  us_print_xlsx: a consolidated report as an Excel workbook. */
#include "us_print_xlsx.h"
#include "us_error.h"
#include "us_words.h"

#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

/* The workbook's cell formats. */
typedef struct {
    lxw_format *head;
    lxw_format *text;
    lxw_format *number;
    lxw_format *pct;
} s_formats_t;

static const char *s_source_vi [US_SOURCE_COUNT] = {
    "Tổng Liên đoàn giao", "Tỉnh giao", "Đăng ký"
};

/* Sets A4 landscape, one page wide, the header row repeated and frozen. */
static void
s_page (lxw_worksheet *ws, const char *title, lxw_col_t frozen_cols)
{
    worksheet_set_paper (ws, 9);
    worksheet_set_landscape (ws);
    worksheet_fit_to_pages (ws, 1, 0);
    worksheet_repeat_rows (ws, 0, 0);
    worksheet_freeze_panes (ws, 1, frozen_cols);
    char header [300];
    snprintf (header, sizeof header, "&C%s", title);
    worksheet_set_header (ws, header);
    worksheet_set_footer (ws, "&CTrang &P / &N");
}

/* Writes a figure: ratios as a fraction with a percentage format. */
static void
s_figure (lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double value, bool ratio,
          const s_formats_t *f)
{
    if (ratio)
        worksheet_write_number (ws, row, col, value / 100.0, f->pct);
    else
        worksheet_write_number (ws, row, col, value, f->number);
}

/* The consolidated table: units down, indicators across. */
static void
s_sheet_table (lxw_workbook *wb, const us_report_t *report, const char *title,
               const s_formats_t *f)
{
    lxw_worksheet *ws = workbook_add_worksheet (wb, "Tổng hợp");
    size_t n_ind = us_report_indicators (report), n_units = us_report_units (report);
    worksheet_write_string (ws, 0, 0, "Mã đơn vị", f->head);
    worksheet_write_string (ws, 0, 1, "Đơn vị", f->head);
    worksheet_set_column (ws, 0, 0, 16, NULL);
    worksheet_set_column (ws, 1, 1, 36, NULL);
    worksheet_set_column (ws, 2, (lxw_col_t) (n_ind + 1), 14, NULL);
    worksheet_set_row (ws, 0, 45, NULL);
    for (size_t i = 0; i < n_ind; i++)
        worksheet_write_string (ws, 0, (lxw_col_t) (i + 2),
                                us_report_indicator (report, i)->name, f->head);
    for (size_t u = 0; u < n_units; u++) {
        us_report_unit_t info;
        us_report_unit (&info, report, u);
        char name [600];
        snprintf (name, sizeof name, "%*s%s", 2 * info.depth, "", info.name);
        worksheet_write_string (ws, (lxw_row_t) (u + 1), 0, info.code, f->text);
        worksheet_write_string (ws, (lxw_row_t) (u + 1), 1, name, f->text);
        for (size_t i = 0; i < n_ind; i++) {
            double v;
            if (us_report_cell (&v, report, u, i))
                s_figure (ws, (lxw_row_t) (u + 1), (lxw_col_t) (i + 2), v,
                          us_report_indicator (report, i)->kind == US_KIND_RATIO, f);
        }
    }
    s_page (ws, title, 2);
}

/* Targets and achievement: one row per target in force. */
static void
s_sheet_targets (lxw_workbook *wb, const us_report_t *report, const char *title,
                 const s_formats_t *f)
{
    lxw_worksheet *ws = workbook_add_worksheet (wb, "Chỉ tiêu");
    static const char *heads [] = { "Mã đơn vị", "Đơn vị", "Chỉ số", "Nguồn chỉ tiêu",
                                    "Kỳ chỉ tiêu", "Chỉ tiêu", "Chỉ tiêu tối đa",
                                    "Thực hiện", "Đạt (%)" };
    static const double widths [] = { 16, 32, 40, 20, 12, 12, 12, 12, 10 };
    for (lxw_col_t c = 0; c < 9; c++) {
        worksheet_write_string (ws, 0, c, heads [c], f->head);
        worksheet_set_column (ws, c, c, widths [c], NULL);
    }
    worksheet_set_row (ws, 0, 30, NULL);
    lxw_row_t row = 1;
    size_t n_ind = us_report_indicators (report), n_units = us_report_units (report);
    for (size_t u = 0; u < n_units; u++) {
        us_report_unit_t info;
        us_report_unit (&info, report, u);
        for (size_t i = 0; i < n_ind; i++)
            for (int s = 0; s < US_SOURCE_COUNT; s++) {
                us_report_target_t t;
                if (!us_report_target (&t, report, u, i, (us_source_t) s))
                    continue;
                const us_indicator_t *ind = us_report_indicator (report, i);
                bool ratio = ind->kind == US_KIND_RATIO;
                worksheet_write_string (ws, row, 0, info.code, f->text);
                worksheet_write_string (ws, row, 1, info.name, f->text);
                worksheet_write_string (ws, row, 2, ind->name, f->text);
                worksheet_write_string (ws, row, 3, s_source_vi [s], f->text);
                worksheet_write_string (ws, row, 4, t.period, f->text);
                s_figure (ws, row, 5, (double) t.lo, ratio, f);
                if (t.range)
                    s_figure (ws, row, 6, (double) t.hi, ratio, f);
                double v, pct;
                if (us_report_cell (&v, report, u, i))
                    s_figure (ws, row, 7, v, ratio, f);
                if (us_report_pct (&pct, report, u, i, (us_source_t) s))
                    worksheet_write_number (ws, row, 8, pct / 100.0, f->pct);
                row++;
            }
    }
    if (row > 1)
        worksheet_autofilter (ws, 0, 0, row - 1, 8);
    s_page (ws, title, 2);
}

/* Writes report as an xlsx workbook at path. */
int
us_print_xlsx (const us_report_t *report, const char *path)
{
    lxw_workbook_options options = { .constant_memory = LXW_FALSE, .tmpdir = NULL,
                                     .use_zip64 = LXW_FALSE };
    lxw_workbook *wb = workbook_new_opt (path, &options);
    if (!wb)
        return us_error_set (US_EIO, "cannot create %s", path);
    s_formats_t f;
    f.head = workbook_add_format (wb);
    format_set_bold (f.head);
    format_set_text_wrap (f.head);
    format_set_align (f.head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color (f.head, 0xDDE7F0);
    format_set_border (f.head, LXW_BORDER_THIN);
    f.text = workbook_add_format (wb);
    format_set_border (f.text, LXW_BORDER_THIN);
    f.number = workbook_add_format (wb);
    format_set_num_format (f.number, "#,##0");
    format_set_border (f.number, LXW_BORDER_THIN);
    f.pct = workbook_add_format (wb);
    format_set_num_format (f.pct, "0.0%");
    format_set_border (f.pct, LXW_BORDER_THIN);
    char period_vi [96], title [200];
    us_words_vi_period (period_vi, sizeof period_vi, us_report_period (report));
    us_report_unit_t root;
    us_report_unit (&root, report, 0);
    snprintf (title, sizeof title, "Báo cáo %s - %s", period_vi, root.name);
    char company [300];
    snprintf (company, sizeof company, "%s", root.name);
    workbook_set_properties (wb, &(lxw_doc_properties) { .title = title,
                                                          .company = company });
    s_sheet_table (wb, report, title, &f);
    s_sheet_targets (wb, report, title, &f);
    lxw_error err = workbook_close (wb);
    if (err != LXW_NO_ERROR)
        return us_error_set (US_EIO, "cannot write %s: %s", path, lxw_strerror (err));
    return 0;
}
