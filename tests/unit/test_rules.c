/*  Unit tests for us_rules: the checks of one edit both sides make. */
#include "us_error.h"
#include "us_hlc.h"
#include "us_limits.h"
#include "us_rules.h"

#include "us_test.h"

/* Counts, zero, the largest figure and clears pass; ratios, negative and
   too large figures are refused with the indicator named. */
Test (rules, edit)
{
    char msg [160];
    cr_assert_eq (us_rules_edit (msg, sizeof msg, US_KIND_FLOW, "members.new", false, 0), 0);
    cr_assert_str_eq (msg, "");
    cr_assert_eq (us_rules_edit (msg, sizeof msg, US_KIND_STOCK, "members.total", false,
                                 US_VALUE_MAX), 0);
    cr_assert_eq (us_rules_edit (msg, sizeof msg, US_KIND_FLOW, "members.new", true, -5), 0,
                  "a clear carries no value");
    cr_assert_eq (us_rules_edit (msg, sizeof msg, US_KIND_FLOW, "members.new", false, -1),
                  US_EINVAL);
    cr_assert_str_eq (msg, "negative value for members.new");
    cr_assert_str_eq (us_error_msg (), msg);
    cr_assert_eq (us_rules_edit (msg, sizeof msg, US_KIND_FLOW, "x", false, US_VALUE_MAX + 1),
                  US_EINVAL);
    cr_assert_not_null (strstr (msg, "too large"));
    cr_assert_eq (us_rules_edit (msg, sizeof msg, US_KIND_RATIO, "members.rate", true, 0),
                  US_EINVAL, "a ratio is refused even cleared");
    cr_assert_not_null (strstr (msg, "computed"));
    cr_assert_eq (us_rules_edit (msg, sizeof msg, US_KIND_FORMULA, "support.hanoi", false, 8),
                  US_EINVAL, "a formula is computed too");
    cr_assert_str_eq (msg, "support.hanoi is a formula; it is computed, not entered");
    char tiny [8];
    cr_assert_eq (us_rules_edit (tiny, sizeof tiny, US_KIND_RATIO, "members.rate", false, 1),
                  US_EINVAL);
    cr_assert_eq (strlen (tiny), sizeof tiny - 1, "the message is cut to the buffer");
}

/* A clock ahead by more than the limit is clamped to the limit; one within
   it is kept. */
Test (rules, clock)
{
    int64_t now = 1700000000000LL;
    uint64_t near = us_hlc_make (now + US_MAX_AHEAD_MS - 1, 3);
    cr_assert_eq (us_rules_clock (near, now), near);
    uint64_t far = us_hlc_make (now + US_MAX_AHEAD_MS + 60000, 0);
    uint64_t clamped = us_rules_clock (far, now);
    cr_assert_lt (clamped, far);
    cr_assert_leq (us_hlc_ms (clamped), now + US_MAX_AHEAD_MS);
    cr_assert_eq (us_rules_clock (us_hlc_make (now - 5000, 0), now), us_hlc_make (now - 5000, 0));
}
