/*  us_succession: a report's data seen through the unit tree of one month.

    The unit tree changes (us_pstore_events.h: merge, split, move, rename,
    end) but figures stay with the unit they were entered for. Before the
    engine computes a report, the loader hands the events to
    us_succession_apply(), which rewrites the data as the tree stood in one
    month (the period's end, or today's period for a comparison):

    - moves and renames that took effect after that month are undone;
    - the figures of a unit not in force that month go to its successors
      in force then, following merges and splits (a chain of them too):
      whole on a merge, so a merge adds the old units' figures up, and
      divided by the shares on a split, by largest remainder, so that the
      parts add up to the figure exactly (shares for one indicator win
      over the split's general shares). Stocks are mapped month by month
      as flows are, so a stock at the period's end is the sum of the
      mapped stocks; ratios are recomputed by the engine from their
      mapped parts;
    - the units not in force that month leave the tree, and the others are
      taken as in force for the whole period, so that a figure is counted
      exactly once, where the tree of that month puts it.

    A figure of a unit ended with no successor in force has nowhere to go
    and is left out (the mapping says so). Pure: no I/O. The data and the
    mapping belong to the caller; us_mapping_free() frees the notes.
*/
#ifndef US_SUCCESSION_H
#define US_SUCCESSION_H

#include "us_report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    US_SUCC_MERGE,
    US_SUCC_SPLIT,
    US_SUCC_MOVE,
    US_SUCC_RENAME,
    US_SUCC_END
} us_succ_kind_t;

#define US_SUCC_WHOLE 1000000      /* a whole share, in millionths */

/* One recorded change of the tree, oldest first. */
typedef struct {
    us_succ_kind_t kind;
    int month;                  /* the first month of the new state */
    char unit [65];             /* the unit changed */
    char other [65];            /* successor (merge, split) or new parent (move) */
    int64_t ppm;                /* a split's share, in millionths */
    char indicator [65];        /* a split's share for this indicator only; "" */
    char before [257];          /* the parent's code before a move; the name before a rename */
} us_succession_t;

/* How the figures of one unit were mapped. */
typedef struct {
    char unit [65];
    char name [257];
    char how [512];             /* e.g. "merged into QT.X (2025-07): figures added" */
    int cells;                  /* figures mapped */
    bool general;               /* how holds the mapping of every indicator */
} us_mapping_note_t;

typedef struct {
    us_mapping_note_t *notes;
    size_t n, cap;
} us_mapping_t;

/* Rewrites data as the tree stood in month (see above); notes the units
   whose figures were mapped in *mapping (zeroed by the caller). Returns 0,
   US_EINVAL (an event naming no unit of data, a share of 0) or US_ENOMEM;
   data is unchanged on failure. */
int us_succession_apply (us_report_data_t *data, const us_succession_t *events, size_t n,
                         int month, us_mapping_t *mapping);

/* True when unit is in force in month (its validity, YYYY-MM or "", holds
   month): the units whose figures us_succession_apply leaves where they
   are. */
bool us_succession_in_force (const us_report_unit_row_t *unit, int month);

/* Parses a stored event kind (merge, split, move, rename, end). */
int us_succ_kind_parse (us_succ_kind_t *kind, const char *text);

/* Frees the notes of a mapping and zeroes it; safe twice. */
void us_mapping_free (us_mapping_t *mapping);

#endif
