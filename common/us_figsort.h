/*  us_figsort: figures read in any order, visited in a digest's order.

    A digest covers figures in the order (month, unit code, indicator code,
    codes compared as bytes). Both stores read their rows in the order of
    their indexes, by ids, and sort them here: SQLite's sort on the two text
    codes was most of the time of a digest over a district's history. Holds
    about 40 bytes a figure and the codes until destroyed.
*/
#ifndef US_FIGSORT_H
#define US_FIGSORT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _us_figsort_t us_figsort_t;

/* What the rows of a statement read by us_figsort_read are. */
typedef enum {
    US_FIGSORT_UNITS,           /* (id, code) */
    US_FIGSORT_INDICATORS,      /* (id, code) */
    US_FIGSORT_FIGURES,         /* (month, unit id, indicator id, value or NULL, version) */
    US_FIGSORT_SCOPE            /* (unit id): only the figures of these units are kept
                                   (of none when there is no row) */
} us_figsort_rows_t;

/* Called for each figure in order (strings valid during the call); a
   non-zero return stops the walk and is returned. */
typedef int (us_figsort_fn) (void *arg, int month, const char *unit, const char *indicator,
                             bool cleared, int64_t value, uint64_t version);

/* Makes an empty sorter for months first..last; NULL with the error set
   when out of memory or last < first. The caller destroys it. */
us_figsort_t *us_figsort_new (int first, int last);

/* Destroys the sorter and nulls the pointer; safe twice. */
void us_figsort_destroy (us_figsort_t **self_p);

/* Names a unit id (is_unit) or an indicator id by its code (copied).
   Returns 0, or US_ENOMEM. */
int us_figsort_code (us_figsort_t *self, bool is_unit, int64_t id, const char *code);

/* Keeps the figures of unit_id: once a unit is kept, the figures of units
   not kept are skipped by us_figsort_add. A store that reads its whole
   table and leaves this filter to C spares SQLite a join a row (a sixth
   of the office's check of a district's history). Returns 0 or US_ENOMEM. */
int us_figsort_keep (us_figsort_t *self, int64_t unit_id);

/* Adds a figure, unless its unit is not kept. Returns 0, US_EINVAL for a
   month outside the range, or US_ENOMEM. */
int us_figsort_add (us_figsort_t *self, int month, int64_t unit_id, int64_t ind_id,
                    bool cleared, int64_t value, uint64_t version);

/* Adds every row of st, stepped to its end (the caller resets or
   finalizes it). Returns 0, the error of a row, or the store's error of a
   step naming what. */
int us_figsort_read (us_figsort_t *self, us_figsort_rows_t rows, sqlite3_stmt *st,
                     const char *what);

/* Visits the figures in the digest's order. Returns 0, what fn returned,
   US_ECORRUPT for a figure whose unit or indicator has no code, or
   US_ENOMEM. */
int us_figsort_visit (us_figsort_t *self, us_figsort_fn *fn, void *arg);

#endif
