/*  us_dstore_schedules: the province's reporting schedules at the office.

    The schedules come with the rest of the catalog in the pull (the whole
    set each time it changes) and are kept in the office store. Until the
    first pull that brings them the office knows none and keeps to the
    calendar's defaults (every indicator, the 20th of the following month).
    A schedule applies to the units of its kinds; its periods (months,
    quarters, halves or years) each have their deadline in Vietnam's time.
*/
#ifndef US_DSTORE_SCHEDULES_H
#define US_DSTORE_SCHEDULES_H

#include "us_calendar.h"
#include "us_codec.h"
#include "us_dstore.h"
#include "us_limits.h"

#include <stdbool.h>
#include <stddef.h>

/* One schedule period that concerns the office: a plain value. */
typedef struct {
    char code [US_MAX_CODE + 1];            /* the schedule's code */
    char name [US_MAX_NAME + 1];            /* its Vietnamese name */
    char indicators [US_MAX_CODE_LIST + 1]; /* codes separated by spaces; "" for all */
    us_period_t period;                     /* the schedule's period, e.g. 2022-H1 */
    int64_t deadline_ms;                    /* end of the deadline day, Vietnam's time */
    char deadline [32];                     /* the deadline day, d/m/yyyy */
} us_dstore_due_t;

/* Checks the schedules of a pulled page: codes, period types, deadline
   rules and UTF-8 names. Returns 0 or US_EPROTO naming the schedule. */
int us_dstore_schedules_check (const us_changes_t *c);

/* Replaces the office's schedules with those of a page that carries
   them (inside the page's transaction); does nothing for a page without
   any. Returns 0 or a store error. */
int us_dstore_schedules_apply (us_dstore_t *self, const us_changes_t *c);

/* Reads into a new array *dues (*n entries, the caller frees it) each
   period of each schedule units of kind make that overlaps period, in
   the province's order, then by period. *known is false when the office
   has pulled no schedule yet (then *n is 0). Returns 0 or a store error. */
int us_dstore_schedules_due (us_dstore_t *self, us_dstore_due_t **dues, size_t *n,
                             bool *known, const char *kind, const us_period_t *period);

/* Returns true when the schedule period holds indicator code. */
bool us_dstore_due_holds (const us_dstore_due_t *due, const char *code);

/* Reads the kind of the office's own unit into buf ("" before the unit
   tree is pulled). Returns 0 or a store error. */
int us_dstore_unit_kind (us_dstore_t *self, char *buf, size_t size);

#endif
