/*  us_report_rows: the rows a store's report loader selected, read into
    report data.

    Each store owns its SQL: it prepares the statement, binds it and keeps
    it. These functions only step it and copy its columns, in the order
    each one documents, into the rows of a us_report_data_t (which owns
    them). They return 0, US_ENOMEM, or US_EIO when stepping failed; the
    caller names what it was reading.
*/
#ifndef US_REPORT_ROWS_H
#define US_REPORT_ROWS_H

#include "us_report.h"

#include <sqlite3.h>

/* Columns: unit_id, ind_id, month, value. */
int us_report_rows_cells (us_report_data_t *data, sqlite3_stmt *st);

/* Columns: unit_id, ind_id, source, period, first, last, lo, hi, is_range,
   version; a row of an unknown source is passed over. */
int us_report_rows_targets (us_report_data_t *data, sqlite3_stmt *st);

/* Columns: unit_id, first, last, at. */
/* (The submissions: unit_id, first, last, at[, amended].) */
int us_report_rows_submissions (us_report_data_t *data, sqlite3_stmt *st);

/* Reads the schedules: code, name, period type, kinds, deadline rule. */
int us_report_rows_schedules (us_report_data_t *data, sqlite3_stmt *st);

#endif
