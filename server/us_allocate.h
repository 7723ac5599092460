/*  us_allocate: splitting a province's target among its units.

    A total (the province's plan for an indicator and period) is split among
    the reporting units directly under the province (those whose kind
    reports: district, sector, commune, park) in proportion to weights, by
    the largest-remainder (Hamilton) method, so the parts add
    up exactly to the total: each unit first gets the whole part of its
    quota, and the units left over go one each to the largest remainders,
    ties going to the unit whose code sorts first. A unit whose weight is 0
    gets 0; a zero total weight is an error.

    Weights are either each unit's consolidated figure of an indicator in
    the same period of the previous year (or, when no unit has one there,
    in the period itself), or unit,weight rows of a CSV file (weights are
    non-negative decimals with up to six decimal places; a unit missing from
    the file weighs 0).

    A us_allocate_t belongs to the caller; free it with us_allocate_destroy().
    Its strings live inside it.
*/
#ifndef US_ALLOCATE_H
#define US_ALLOCATE_H

#include "us_pstore.h"
#include "us_report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Weights are kept as integers in millionths. */
#define US_ALLOCATE_SCALE 1000000

/* One unit's part. */
typedef struct {
    char unit [65];
    char name [257];
    bool has_weight;            /* false: no figure, or not in the file */
    int64_t weight;             /* millionths */
    int64_t share;
} us_allocate_row_t;

/* A split of a total among units. */
typedef struct {
    char indicator [65];
    char period [US_PERIOD_TEXT];
    us_source_t source;
    int64_t total;
    char basis [240];           /* what the weights are, for people */
    char context [240];         /* the province's own targets that apply */
    us_allocate_row_t *rows;    /* ordered by unit as in the unit tree */
    size_t count;
} us_allocate_t;

/* Splits total among n parts in proportion to weights (largest remainder;
   equal remainders go to the part whose key sorts first). shares gets n
   entries. Returns 0 or US_EINVAL (negative total or weight, zero total
   weight, weights too large). */
int us_allocate_split (int64_t *shares, const int64_t *weights, const char *const *keys,
                       size_t n, int64_t total);

/* Splits total of indicator for period among the province's units by
   their figures of indicator by. Returns 0, US_EINVAL, US_ENOTFOUND or a
   store error. */
int us_allocate_by_figure (us_allocate_t **self_p, us_pstore_t *store, const char *indicator,
                           const char *period, int64_t total, us_source_t source,
                           const char *by);

/* Splits total of indicator for period among the province's units by the
   weights in a unit,weight CSV file (a header row is allowed). Returns 0,
   US_EINVAL (bad file, unknown or repeated unit, bad weight), US_ENOTFOUND
   or a store error. */
int us_allocate_by_weights (us_allocate_t **self_p, us_pstore_t *store,
                            const char *indicator, const char *period, int64_t total,
                            us_source_t source, const char *path);

/* Sets each unit's target to its share, all in one transaction: either
   every share is written (*written is the count) or none is (*written is
   0, and the first error is returned). */
int us_allocate_apply (const us_allocate_t *self, us_pstore_t *store, size_t *written);

/* Prints the split: unit, name, weight, share, and the totals. Returns 0
   or US_EIO. */
int us_allocate_print (const us_allocate_t *self, FILE *out);

/* Frees a split and nulls the pointer; safe on NULL. */
void us_allocate_destroy (us_allocate_t **self_p);

#endif
