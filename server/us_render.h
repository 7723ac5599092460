/*  us_render: a report of the provincial store, printed to a stream.

    The one path from the store to a printer that the command line and the
    province desk share: loads the period's rows once, maps earlier units
    onto the tree in force at the period's end, consolidates, and prints
    the report, its ranking or its comparison with the same period a year
    earlier. Borrows the store; writes only to out.
*/
#ifndef US_RENDER_H
#define US_RENDER_H

#include "us_print.h"
#include "us_pstore.h"

#include <stdbool.h>
#include <stdio.h>

/* The heap a report command asks for in huge pages before it opens the
   store (us_db_heap_huge): a year's report of 700 units and 29 indicators
   builds some 5 MB, and reads through a page cache of 2 MB. */
#define US_RENDER_HEAP (16u << 20)

/* Prints the report of period for unit (NULL: the province) in format to
   out; with rank, the ranking by that indicator and source instead; with
   compare, last year's figures beside it. The JSON report (without
   compare) carries "schedules", the per-schedule completeness
   (us_pstore_schedules_json), beside its own. Returns 0 or the error of the
   step that failed, with its message set. */
int us_render_report (us_pstore_t *store, FILE *out, const char *period, const char *unit,
                      us_format_t format, const char *rank, us_source_t source, bool compare);

#endif
