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
#include "us_succession.h"

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

/* The same, as the unit tree stood in month tree (us_succession.h: the
   figures of units not in force then go to their successors); notes the
   mapped units in *mapping (zeroed by the caller; may be NULL). A report's
   data is loaded at its last month; a comparison's earlier year at the
   month of the report it is compared with. */
int us_pstore_report_load_at (us_pstore_t *store, us_report_data_t *data, int first, int last,
                              int tree, us_mapping_t *mapping);

/* The same, for one report of exactly the months first..last (no trend
   of its months): the figures of each unit in force in month tree come
   folded, one row per unit and indicator (us_report_rows.h), from which
   the engine computes the same report as from every month's row, at a
   fraction of the memory and time. */
int us_pstore_report_load_one (us_pstore_t *store, us_report_data_t *data, int first, int last,
                               int tree, us_mapping_t *mapping);

/* Sets the figures a report may hold (units x indicators x months, 50,000
   unless set) from which its scan of the figures is split over two
   connections and threads (0: always, when it has two months); returns
   the value it replaces. For tests and measurements; not thread-safe. */
size_t us_pstore_report_split_from (size_t figures);

/* Registers on the store's connection the SQL function the loaders scan
   the cells with (us_pstore.c calls it when it opens a store). Returns 0
   or a store error. */
int us_pstore_report_attach (us_pstore_t *store);

/* Loads and computes the report of period for the subtree of unit (NULL:
   the whole tree). Returns 0, US_EINVAL (bad period), US_ENOTFOUND or a
   store error. */
int us_pstore_report_build (us_report_t **report_p, us_pstore_t *store, const char *period,
                            const char *unit);

/* The same as the tree stood in month tree (0: the period's last month),
   noting mapped units in *mapping (may be NULL). */
int us_pstore_report_build_at (us_report_t **report_p, us_pstore_t *store, const char *period,
                               const char *unit, int tree, us_mapping_t *mapping);

#endif
