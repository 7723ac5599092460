/*  us_types: the domain's enumerations, parsed once at the edge.

    Text from a file, the command line or the wire becomes one of these
    enums where it enters; the code inside compares enums, never strings.
    Each enum has a parse function (0 or US_EINVAL with a message) and a
    name function (a static string, never freed). The indicator kind
    (us_kind_t) lives with the catalog and the target source (us_source_t)
    with the report.
*/
#ifndef US_TYPES_H
#define US_TYPES_H

/* A conflict policy of an indicator. */
typedef enum {
    US_POLICY_LWW,              /* the later clock wins, then the larger key */
    US_POLICY_HIGHER,           /* the province's edit beats a district's    */
    US_POLICY_MAX,              /* the larger value wins                     */
    US_POLICY_MANUAL,           /* the first value stays until resolved      */
    US_POLICY_COUNT
} us_policy_t;

/* The state of a unit's report for a period. */
typedef enum {
    US_STATE_DRAFT,
    US_STATE_SUBMITTED,
    US_STATE_APPROVED,          /* approved, hence locked */
    US_STATE_REOPENED,
    US_STATE_AMENDED,           /* edited after it was submitted: submit again */
    US_STATE_COUNT
} us_state_t;

/* A step of the report workflow the province takes. */
typedef enum {
    US_ACTION_APPROVE,
    US_ACTION_LOCK,
    US_ACTION_UNLOCK,
    US_ACTION_REOPEN,
    US_ACTION_COUNT
} us_action_t;

/* Kinds of entries in the change stream (the numbers are stored). */
typedef enum {
    US_CHANGE_UNIT = 1,
    US_CHANGE_INDICATOR = 2,
    US_CHANGE_CELL = 3,
    US_CHANGE_TARGET = 4,
    US_CHANGE_CONFLICT = 5,
    US_CHANGE_SUBMISSION = 6,
    US_CHANGE_SCHEDULES = 7     /* one entry (ref 0): the whole set changed */
} us_change_kind_t;

/* The kinds visited entry by entry; the schedules go as a whole set. */
#define US_CHANGE_FIRST US_CHANGE_UNIT
#define US_CHANGE_LAST  US_CHANGE_SUBMISSION

/* Parses a policy name (lww, higher-level-wins, max, manual). */
int us_policy_parse (us_policy_t *policy, const char *text);

/* Returns the name of a policy. */
const char *us_policy_name (us_policy_t policy);

/* Parses a state name (draft, submitted, approved, reopened, amended). */
int us_state_parse (us_state_t *state, const char *text);

/* Returns the name of a state. */
const char *us_state_name (us_state_t state);

/* Parses a workflow action (approve, lock, unlock, reopen). */
int us_action_parse (us_action_t *action, const char *text);

/* Returns the name of a workflow action. */
const char *us_action_name (us_action_t action);

/* Returns the name of a change kind ("unit" ... "submission"), "" when
   kind is not one. */
const char *us_change_name (us_change_kind_t kind);

#endif
