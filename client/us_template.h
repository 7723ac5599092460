/*  us_template: the office's form for a period, ready to fill in Excel.

    One row per unit of the office's subtree (its own unit first, then the
    units below it, depth first) and per indicator that is entered (flows
    and stocks; ratios and other computed kinds are left out), in catalog
    order. Columns: Mã đơn vị, Tên đơn vị, Mã chỉ tiêu, Tên chỉ tiêu, then
    for each month of the period a column to fill ("Tháng 5/2022") and last
    year's figure for the same month and unit ("Cùng kỳ 5/2021"). This is
    the wide layout us_import reads back; it ignores the names and the
    "Cùng kỳ" columns.

    CSV is written as Excel on Vietnamese Windows reads it: UTF-8 with a
    BOM, ';' between fields, CRLF. XLSX (libxlsxwriter) has the heading row
    frozen with the unit and indicator columns, widths for Vietnamese names,
    and the number format #,##0, which Vietnamese Windows shows as 1.234.
*/
#ifndef US_TEMPLATE_H
#define US_TEMPLATE_H

#include "us_dstore.h"

#define US_TEMPLATE_MAX_MONTHS 24

typedef enum { US_TEMPLATE_CSV, US_TEMPLATE_XLSX } us_template_format_t;

/* Parses a format name (csv, xlsx); returns 0 or US_EINVAL. */
int us_template_format_parse (us_template_format_t *format, const char *text);

/* Writes the form of period (at most US_TEMPLATE_MAX_MONTHS months) to
   path; CSV goes to stdout when path is NULL, XLSX needs a path. Sets
   *rows_p to the number of rows written. Returns 0, US_EINVAL (bad period
   or arguments), US_EIO (cannot write) or a store error. */
int us_template_write (us_dstore_t *store, int *rows_p, const char *period,
                       us_template_format_t format, const char *path);

#endif
