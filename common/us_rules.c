/*  us_rules: the checks of one edit that the office and the province both make. */
#include "us_rules.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_limits.h"

#include <stdio.h>

/* Checks an edit of indicator to value. */
int
us_rules_edit (char *msg, size_t size, us_kind_t kind, const char *indicator,
               bool clear, int64_t value)
{
    const char *why = NULL;
    if (us_kind_computed (kind)) {
        /* The catalog words the refusal, for the office's check too. */
        int rc = us_catalog_entry_check (indicator, us_kind_name (kind));
        snprintf (msg, size, "%s", us_error_msg ());
        return rc;
    }
    if (!clear && value < 0)
        why = "negative value for %s";
    else
    if (!clear && value > US_VALUE_MAX)
        why = "value of %s is too large";
    if (!why) {
        if (size)
            msg [0] = 0;
        return 0;
    }
    snprintf (msg, size, why, indicator);
    return us_error_set (US_EINVAL, "%s", msg);
}

/* Clamps a timestamp to the clock-ahead limit. */
uint64_t
us_rules_clock (uint64_t ts, int64_t now_ms)
{
    return us_hlc_clamp (ts, now_ms, US_MAX_AHEAD_MS);
}
