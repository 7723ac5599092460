/*  us_xlsx: the first sheet of an Excel workbook (.xlsx) as text.

    A workbook is a zip of XML parts. us_xlsx_text() finds the first sheet
    (xl/workbook.xml and its relationships, else xl/worksheets/sheet1.xml),
    reads its cells and the shared strings, and writes the rows as UTF-8
    text that us_sheet reads: one line per sheet row (a missing row is an
    empty line, so line numbers are the sheet's row numbers unless a cell
    above holds a line break), fields
    separated by tabs, placed by their column letters (a missing cell is an
    empty field), and fields holding a tab, quote, line break, ',' or ';'
    quoted as in CSV. Numbers keep the text Excel stored, except that a
    value within 1e-9 of an integer becomes that integer ("1234", not
    "1233.9999999999"). Formulas give their cached value; dates stay the
    serial numbers Excel stores.

    Bounded: a part larger than US_XLSX_MAX_PART uncompressed, more than
    US_XLSX_MAX_CELLS cells or text beyond US_SHEET_MAX_BYTES is refused.
*/
#ifndef US_XLSX_H
#define US_XLSX_H

#include <stdbool.h>
#include <stddef.h>

#define US_XLSX_MAX_PART  (64 * 1024 * 1024)
#define US_XLSX_MAX_CELLS 500000

/* True when the n bytes at data start like a zip file (a workbook). */
bool us_xlsx_is_zip (const char *data, size_t n);

/* Reads the first sheet of the workbook in len bytes into *text_p (NUL
   terminated, *len_p bytes, freed by the caller with free()). Returns 0,
   or US_EINVAL with a one-line message (not a workbook, damaged, no sheet,
   too large) and *text_p NULL, or US_ENOMEM. */
int us_xlsx_text (const char *data, size_t len, char **text_p, size_t *len_p);

#endif
