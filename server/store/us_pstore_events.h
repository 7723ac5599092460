/*  us_pstore_events: restructuring of the unit tree with an effective date.

    A merge, split, move, rename or end is kept as an event in the store
    (never changed, never deleted) and applied to the unit tree in the same
    transaction: an ended unit gets its last month (valid_to) and its
    successor, which every office pulls with the unit. The figures of an
    ended unit stay where they are.

    Dates: `--on 2025-07-01` (the first day of a month) or `2025-07`; the
    change takes effect with that month, so an ended unit's last month is
    the month before. Shares are exact decimals ("0.6", "0.35") with at
    most six places, held as parts per million; a split's shares sum to
    exactly 1.

    The apply functions run inside the caller's transaction (US_EIO
    outside one) and return 0 or a negative US_E* code with a message
    naming the unit and the rule broken; the caller then rolls back.
*/
#ifndef US_PSTORE_EVENTS_H
#define US_PSTORE_EVENTS_H

#include "us_pstore.h"

#define US_SHARE_ONE 1000000    /* a whole share, in parts per million */
#define US_MAX_SHARES 32

/* One successor of a split and its share. */
typedef struct {
    char unit [US_MAX_CODE + 1];
    int64_t ppm;
    char text [16];             /* as written, e.g. "0.35" */
} us_pstore_share_t;

/* Parses an effective date (YYYY-MM-01 or YYYY-MM) into the month the
   change takes effect. Returns 0 or US_EINVAL. */
int us_pstore_event_month (int *month, const char *text);

/* Parses "A=0.6,B=0.4" into shares (at most max); they must name
   distinct units and sum to exactly 1. Sets *n. Returns 0 or US_EINVAL. */
int us_pstore_shares_parse (us_pstore_share_t *shares, size_t *n, size_t max, const char *text);

/* Ends old with the month before month; into takes over its figures
   (summed) and its units. */
int us_pstore_unit_merge (us_pstore_t *self, const char *old, const char *into, int month);

/* Ends old; its figures are shared among the successors. With indicator
   (not "" nor NULL) the shares apply to that indicator only, over a
   split of old recorded before with the same successors and month. */
int us_pstore_unit_split (us_pstore_t *self, const char *old, const us_pstore_share_t *shares,
                          size_t n, const char *indicator, int month);

/* Moves unit under parent from month on. */
int us_pstore_unit_move (us_pstore_t *self, const char *unit, const char *parent, int month);

/* Renames unit from month on. */
int us_pstore_unit_rename (us_pstore_t *self, const char *unit, const char *name, int month);

/* Ends unit with the month before month, with no successor. */
int us_pstore_unit_end (us_pstore_t *self, const char *unit, int month);

/* Checks that an edit of unit_id for month lies within the unit's
   validity. Sets why to "" when it does, else to the reason (naming the
   successor of an ended unit). Returns 0 or a store error. */
int us_pstore_unit_validity (us_pstore_t *self, char *why, size_t len, int64_t unit_id,
                             int month);

/* One recorded event; strings live until the visitor returns. */
typedef struct {
    const char *kind;           /* merge | split | move | rename | end */
    int month;                  /* the month it takes effect */
    const char *unit;           /* the unit it changed */
    const char *other;          /* successor or new parent; "" for none */
    int64_t share_ppm;
    const char *share;
    const char *indicator;      /* "" for every indicator */
    const char *before, *after; /* old and new parent or name */
} us_pstore_event_row_t;

/* Visits every event, oldest first; a non-zero return stops the walk. */
int us_pstore_events_each (us_pstore_t *self,
                           int (*fn) (void *arg, const us_pstore_event_row_t *ev), void *arg);

/* Prints the unit tree in force in month (indented, with kinds). */
int us_pstore_tree_print (us_pstore_t *self, FILE *out, int month);

#endif
