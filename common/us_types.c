/*  us_types: the domain's enumerations, parsed once at the edge. */
#include "us_types.h"
#include "us_error.h"

#include <string.h>

static const char *s_policies [US_POLICY_COUNT] = { "lww", "higher-level-wins", "max", "manual" };
static const char *s_states [US_STATE_COUNT] = { "draft", "submitted", "approved", "reopened",
                                                  "amended" };
static const char *s_actions [US_ACTION_COUNT] = { "approve", "lock", "unlock", "reopen" };
static const char *s_changes [] = { "", "unit", "indicator", "cell", "target", "conflict",
                                    "submission" };

/* Finds text among n names; returns its index or -1. */
static int
s_find (const char *const *names, int n, const char *text)
{
    for (int i = 0; text && i < n; i++)
        if (strcmp (names [i], text) == 0)
            return i;
    return -1;
}

/* Parses a policy name. */
int
us_policy_parse (us_policy_t *policy, const char *text)
{
    int i = s_find (s_policies, US_POLICY_COUNT, text);
    if (i < 0)
        return us_error_set (US_EINVAL, "unknown policy '%.30s' (lww, higher-level-wins, "
                             "max or manual)", text ? text : "");
    *policy = (us_policy_t) i;
    return 0;
}

/* Returns the name of a policy. */
const char *
us_policy_name (us_policy_t policy)
{
    return policy >= 0 && policy < US_POLICY_COUNT ? s_policies [policy] : "";
}

/* Parses a state name. */
int
us_state_parse (us_state_t *state, const char *text)
{
    int i = s_find (s_states, US_STATE_COUNT, text);
    if (i < 0)
        return us_error_set (US_EINVAL, "unknown report state '%.30s'", text ? text : "");
    *state = (us_state_t) i;
    return 0;
}

/* Returns the name of a state. */
const char *
us_state_name (us_state_t state)
{
    return state >= 0 && state < US_STATE_COUNT ? s_states [state] : "";
}

/* Parses a workflow action. */
int
us_action_parse (us_action_t *action, const char *text)
{
    int i = s_find (s_actions, US_ACTION_COUNT, text);
    if (i < 0)
        return us_error_set (US_EINVAL, "unknown action '%.20s' (approve, lock, unlock or "
                             "reopen)", text ? text : "");
    *action = (us_action_t) i;
    return 0;
}

/* Returns the name of a workflow action. */
const char *
us_action_name (us_action_t action)
{
    return action >= 0 && action < US_ACTION_COUNT ? s_actions [action] : "";
}

/* Returns the name of a change kind. */
const char *
us_change_name (us_change_kind_t kind)
{
    return kind >= US_CHANGE_FIRST && kind <= US_CHANGE_LAST ? s_changes [kind] : "";
}
