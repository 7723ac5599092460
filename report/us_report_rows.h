/*  us_report_rows: the rows a store's report loader selected, read into
    report data.

    Each store owns its SQL: it prepares the statement, binds it and keeps
    it. These functions only step it and copy its columns, in the order
    each one documents, into the rows of a us_report_data_t (which owns
    them). They return 0, US_ENOMEM, or US_EIO when stepping failed; the
    caller names what it was reading.

    A us_report_scan_t takes the entered cells one at a time (a store's
    scan calls it from inside SQLite, so that a province's hundreds of
    thousands of figures never cross the statement API one row each).
    Folded, it adds up as it goes the figures of each unit in force in the
    month the tree is seen at: one row per unit and indicator, a flow's sum
    at the last month it has and a stock's latest figure, which is all
    us_report_compute reads of the months of one report; the figures of
    units not in force then stay month by month, for us_succession_apply
    to map onto their successors (it adds a mapped figure to the row of
    the same month). Unfolded, every figure is a row (a trend computes a
    report per month from them). The scan belongs to its caller
    (us_report_scan_destroy); the rows it adds belong to the data.
*/
#ifndef US_REPORT_ROWS_H
#define US_REPORT_ROWS_H

#include "us_report.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

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

typedef struct _us_report_scan_t us_report_scan_t;

/* Starts a scan of the cells of one report into data, whose units and
   catalog are read already; with fold, as the tree stood in month tree
   (see above). Returns NULL with US_ENOMEM set. */
us_report_scan_t *us_report_scan_new (us_report_data_t *data, bool fold, int tree);

/* Takes one entered figure. Returns 0 or US_ENOMEM. */
int us_report_scan_cell (us_report_scan_t *self, int64_t unit_id, int64_t ind_id, int month,
                         int64_t value);

/* Appends the folded rows to the data's cells. Returns 0 or US_ENOMEM. */
int us_report_scan_finish (us_report_scan_t *self);

/* Starts a scan of other months of the same report, whose figures stay
   apart until merged (a scan on another thread); it reads the parent's
   maps, so the parent outlives it. Returns NULL with US_ENOMEM set. */
us_report_scan_t *us_report_scan_fork (const us_report_scan_t *parent);

/* Takes into self what its fork took of months after all of self's, as
   if self had taken those figures after its own. The fork is left as it
   was (destroy it). Returns 0 or US_ENOMEM. */
int us_report_scan_merge (us_report_scan_t *self, const us_report_scan_t *later);

/* Frees a scan and nulls the pointer; safe twice. */
void us_report_scan_destroy (us_report_scan_t **self_p);

#endif
