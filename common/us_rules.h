/*  us_rules: the checks of one edit that the office and the province both make.

    A figure is refused when its indicator is computed (a ratio or a
    formula), when it
    is negative or above US_VALUE_MAX; a timestamp more than
    US_MAX_AHEAD_MS ahead of the receiver's clock is clamped. The office
    checks before it stores an edit, the province again when it merges it,
    with the same words. Pure functions; messages go into the caller's
    buffer.
*/
#ifndef US_RULES_H
#define US_RULES_H

#include "us_catalog.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checks an edit of indicator (of kind) to value (or a clear). Returns 0,
   or US_EINVAL with the reason in msg (also the last error message). */
int us_rules_edit (char *msg, size_t size, us_kind_t kind, const char *indicator,
                   bool clear, int64_t value);

/* Returns ts, or the latest allowed timestamp when ts is more than the
   clock-ahead limit ahead of now_ms. */
uint64_t us_rules_clock (uint64_t ts, int64_t now_ms);

#endif
