/*  us_dstore_report: what the office's `show` and submit checks read.

    Loads the office's mirror of the unit tree, the catalog, cells, targets
    and submissions into the plain rows of a us_report_data_t (us_report.h)
    for the consolidation engine. The wire carries the catalog's first
    seven columns; formulas, parents, units of measure and phrases come
    from the catalog built into the program, for the codes it knows.
    Data belongs to the caller (us_report_data_free), reports too
    (us_report_destroy).
*/
#ifndef US_DSTORE_REPORT_H
#define US_DSTORE_REPORT_H

#include "us_report.h"

#include <sqlite3.h>

/* Loads everything a report of the months first..last needs from db into
   data (zeroed by the caller). Returns 0 or a store error; data holds
   nothing on failure. */
int us_dstore_report_load (sqlite3 *db, us_report_data_t *data, int first, int last);

/* Loads and computes the report of period for the subtree of unit. Returns
   0, US_EINVAL (bad period), US_ENOTFOUND or a store error. */
int us_dstore_report_build (us_report_t **report_p, sqlite3 *db, const char *period,
                            const char *unit);

#endif
