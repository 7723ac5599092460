/*  us_print_xlsx: a consolidated report as an Excel workbook.

    Two sheets, each printable on A4 landscape one page wide, header row
    frozen and repeated on every printed page: "Tổng hợp" (one row per unit,
    depth first, one column per indicator with its Vietnamese name) and
    "Chỉ tiêu" (each target in force with the figure and the achievement).
    Figures are numbers with a thousands format (Excel shows 1.234 in a
    Vietnamese locale), ratios and achievements are percentages. The report
    belongs to the caller; nothing here keeps it.
*/
#ifndef US_PRINT_XLSX_H
#define US_PRINT_XLSX_H

#include "us_report.h"

/* Writes report as an xlsx workbook at path (replaced if present).
   Returns 0, or US_EIO with nothing promised about path. */
int us_print_xlsx (const us_report_t *report, const char *path);

#endif
