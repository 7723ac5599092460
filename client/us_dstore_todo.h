/*  us_dstore_todo: what the office still has to do for a period.

    For the period (this month in Vietnam's time by default): each period
    of the province's schedules for the office's unit kind that overlaps
    it, with the schedule's indicators that have no figure yet in the
    period for the office's unit, its submission's state and its own
    deadline (Vietnam's time); and the rule the figures break. An office
    that has pulled no schedule yet lists the whole catalog and the
    period's submission against the default deadline (the 20th of the
    following month). Reads the office's store; writes nothing.
*/
#ifndef US_DSTORE_TODO_H
#define US_DSTORE_TODO_H

#include "us_dstore.h"

#include <stdbool.h>
#include <stdio.h>

/* Prints the office's to-do list for period (NULL: the current month) as
   text or one JSON object. Returns 0, US_EINVAL (bad period) or a store
   error. */
int us_dstore_todo (us_dstore_t *self, FILE *out, const char *period, bool json);

#endif
