/*  us_import: an office's figures from a sheet, all or nothing.

    Reads a file through us_sheet (any encoding and separator Excel writes)
    in one of two layouts, recognised by the headings of its first row
    (English or Vietnamese, any order, case and tone marks ignored):
      long   unit/đơn vị, month/tháng, indicator/chỉ tiêu, value/giá trị/số
             liệu, note/ghi chú: one figure per row. A file without headings
             is read as unit,month,indicator,value[,note].
      wide   one row per unit and indicator, one column per month, headed
             2022-05, 05/2022, T5/2022 or Tháng 5/2022; the unit from a unit
             column or opts->unit. Columns of names, units of measure and
             last year's figures ("Cùng kỳ ...") are ignored.
    Indicators are named by code or by their Vietnamese name in the catalog,
    units by code or by the name of one of the office's units.
    Values are whole numbers, thousands grouped or not (1.234, 1,234, 1 234);
    "-" clears a figure; an empty value is left alone, or clears with
    opts->clear_empty. A figure named twice is refused naming both lines.
    Every figure goes through us_dstore_set() in one transaction: any error
    stores nothing and names the file, the line and the field.
*/
#ifndef US_IMPORT_H
#define US_IMPORT_H

#include "us_dstore.h"
#include "us_sheet.h"

#include <stdbool.h>

typedef struct {
    us_sheet_encoding_t encoding;   /* US_SHEET_AUTO to detect            */
    const char *unit;               /* unit of rows without one, or NULL  */
    bool clear_empty;               /* an empty value clears the figure   */
    const char *author;             /* who made the edits                 */
} us_import_opts_t;

typedef struct {
    int stored;                     /* figures set, clearings included    */
    int cleared;                    /* of which clearings                 */
    int skipped;                    /* empty values left alone            */
    bool wide;                      /* the layout read                    */
    bool guessed;                   /* the encoding was a guess           */
    char encoding [16];             /* its name: "Windows-1258", ...      */
} us_import_result_t;

/* Imports the figures of the sheet at path into store. Returns 0 with
   *result filled, or US_EINVAL (or a store error) with nothing stored and
   one line naming the file, line and field. */
int us_import_file (us_dstore_t *store, us_import_result_t *result, const char *path,
                    const us_import_opts_t *opts);

/* Imports the sheet at path into store with the default options (the
   encoding guessed, no unit filter): all or nothing; an error names the
   bad line. Sets *count to the figures stored. */
int us_dstore_import (us_dstore_t *store, int *count, const char *path, const char *author);

/* Parses a month as sheets write it (2022-05, 5/2022, T5/2022, Tháng 5/2022,
   tháng 5 năm 2022); returns 0 with *month set (us_period.h) or US_EINVAL. */
int us_import_month (int *month, const char *text);

/* Parses a whole number as sheets write it (1234, 1.234, 1,234, 1 234, with
   no-break spaces) into digits (at least 32 bytes), a leading '-' kept.
   Returns 0 or US_EINVAL. */
int us_import_number (char *digits, size_t size, const char *text);

#endif
