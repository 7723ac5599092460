/*  us_pstore_report: what the province's reports read from its store.

    Loads the unit tree, the catalog, the cells, targets and submissions a
    report needs into the plain rows of a us_report_data_t (us_report.h),
    in one pass per table, so that the engine computes any number of
    reports (a trend's months, a comparison) without going back to the
    store. Also writes the catalog columns beyond the first seven (formula,
    parent, unit, phrase, noun; schema 3 in us_pstore_migrate.c).

    Data filled here belongs to the caller (us_report_data_free); reports to
    the caller (us_report_destroy).
*/
#ifndef US_PSTORE_REPORT_H
#define US_PSTORE_REPORT_H

#include "us_catalog.h"
#include "us_pstore.h"
#include "us_report.h"

/* Writes the catalog columns beyond the first seven of every indicator of
   cat (inside the caller's transaction, after the indicators are written).
   Returns 0 or a store error. */
int us_pstore_report_catalog_put (us_pstore_t *store, const us_catalog_t *cat);

/* Refuses the entry of a figure of indicator when the catalog computes it
   (a ratio or a formula): returns 0, US_EINVAL naming the kind, or a
   store error. An unknown indicator passes: the merge names it. */
int us_pstore_report_entry_check (us_pstore_t *store, const char *indicator);

/* Loads everything a report of the months first..last needs into data
   (zeroed by the caller): every unit, the catalog, the cells of those
   months, the targets and submissions that overlap them. Returns 0 or a
   store error; data holds nothing on failure. */
int us_pstore_report_load (us_pstore_t *store, us_report_data_t *data, int first, int last);

/* Loads and computes the report of period for the subtree of unit (NULL:
   the whole tree). Returns 0, US_EINVAL (bad period), US_ENOTFOUND or a
   store error. */
int us_pstore_report_build (us_report_t **report_p, us_pstore_t *store, const char *period,
                            const char *unit);

#endif
