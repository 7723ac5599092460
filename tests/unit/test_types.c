/*  Unit tests for us_types: the domain's enumerations and their names. */
#include "us_error.h"
#include "us_types.h"

#include "us_test.h"

/* Every policy name parses to its enum and back. */
Test (types, policies_round_trip)
{
    for (int i = 0; i < US_POLICY_COUNT; i++) {
        us_policy_t p;
        cr_assert_eq (us_policy_parse (&p, us_policy_name ((us_policy_t) i)), 0);
        cr_assert_eq ((int) p, i);
    }
    us_policy_t p = US_POLICY_MAX;
    cr_assert_eq (us_policy_parse (&p, "higher-level-wins"), 0);
    cr_assert_eq (p, US_POLICY_HIGHER);
    cr_assert_eq (us_policy_parse (&p, "Higher-Level-Wins"), US_EINVAL);
    cr_assert_eq (us_policy_parse (&p, ""), US_EINVAL);
    cr_assert_eq (us_policy_parse (&p, NULL), US_EINVAL);
    cr_assert_eq (p, US_POLICY_HIGHER, "a failed parse leaves the value");
    cr_assert_not_null (strstr (us_error_msg (), "policy"));
    cr_assert_str_eq (us_policy_name (US_POLICY_COUNT), "");
}

/* States and actions parse and name; unknown text is refused. */
Test (types, states_and_actions)
{
    us_state_t s;
    cr_assert_eq (us_state_parse (&s, "approved"), 0);
    cr_assert_eq (s, US_STATE_APPROVED);
    cr_assert_str_eq (us_state_name (US_STATE_REOPENED), "reopened");
    cr_assert_str_eq (us_state_name (US_STATE_DRAFT), "draft");
    cr_assert_eq (us_state_parse (&s, "amended"), 0);
    cr_assert_eq (s, US_STATE_AMENDED);
    cr_assert_eq (us_state_parse (&s, "locked"), US_EINVAL);
    cr_assert_str_eq (us_state_name ((us_state_t) -1), "");
    us_action_t a;
    const char *names [] = { "approve", "lock", "unlock", "reopen" };
    for (int i = 0; i < 4; i++) {
        cr_assert_eq (us_action_parse (&a, names [i]), 0);
        cr_assert_eq ((int) a, i);
        cr_assert_str_eq (us_action_name (a), names [i]);
    }
    cr_assert_eq (us_action_parse (&a, "explode"), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "explode"));
}

/* Change kinds keep the numbers stored in the change stream. */
Test (types, change_kinds)
{
    cr_assert_eq (US_CHANGE_UNIT, 1);
    cr_assert_eq (US_CHANGE_SUBMISSION, 6);
    cr_assert_str_eq (us_change_name (US_CHANGE_CELL), "cell");
    cr_assert_str_eq (us_change_name (US_CHANGE_CONFLICT), "conflict");
    cr_assert_str_eq (us_change_name ((us_change_kind_t) 0), "");
    cr_assert_str_eq (us_change_name ((us_change_kind_t) 7), "");
}
