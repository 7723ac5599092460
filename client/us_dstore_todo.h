/*  us_dstore_todo: what the office still has to do for a period.

    For the period (this month in Vietnam's time by default): the
    indicators entered by hand that have no figure yet for the office's
    unit, the rule its figures break, and the submission with its state and
    deadline (the 20th of the following month). Reads the office's store;
    writes nothing.
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
