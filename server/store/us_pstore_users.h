/*  us_pstore_users: the province desk's accounts, sessions, action log and
    the read queries of its views, in the provincial store.

    Tables (made by us_pstore_users_schema, idempotent):
      desk_users     name, role, scrypt hash, disabled, failed-login counters
      desk_sessions  SHA-256 of the session id, account, CSRF token, times
      desk_log       every change made at the desk: when, account, action,
                     what (the figures themselves go through the same store
                     functions as the command line, with the account as
                     author where those take one)
    Times here are Unix seconds. View queries return jansson values that
    the caller owns (json_decref); strings in structs are copies.
*/
#ifndef US_PSTORE_USERS_H
#define US_PSTORE_USERS_H

#include "us_accounts.h"
#include "us_pstore.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* An account as the desk sees it at login. */
typedef struct {
    int64_t id;
    char name [US_ACCOUNTS_NAME_MAX + 1];
    us_role_t role;
    char hash [US_ACCOUNTS_HASH_MAX];
    bool disabled;
    int64_t locked_until;       /* 0 when not locked */
} us_user_t;

/* A live session and its account. */
typedef struct {
    int64_t user_id;
    char name [US_ACCOUNTS_NAME_MAX + 1];
    us_role_t role;
    char csrf [US_ACCOUNTS_TOKEN];
} us_session_t;

/* How failed logins lock an account: max failures within window seconds
   lock it for lock seconds. */
typedef struct {
    int max_failures;
    int64_t window;
    int64_t lock;
} us_lockout_t;

/* Creates the desk's tables when missing. Returns 0 or a store error. */
int us_pstore_users_schema (us_pstore_t *store);

/* Adds an account. Returns 0, US_EEXIST or a store error. */
int us_pstore_user_add (us_pstore_t *store, const char *name, us_role_t role,
                        const char *hash);

/* Sets an account's password hash, clears its lockout and ends its
   sessions. Returns 0, US_ENOTFOUND or a store error. */
int us_pstore_user_passwd (us_pstore_t *store, const char *name, const char *hash);

/* Disables an account and ends its sessions. Returns 0 or US_ENOTFOUND. */
int us_pstore_user_disable (us_pstore_t *store, const char *name);

/* Sets an account's role. Returns 0 or US_ENOTFOUND. */
int us_pstore_user_role (us_pstore_t *store, const char *name, us_role_t role);

/* Reads an account by name. Returns 0 or US_ENOTFOUND. */
int us_pstore_user_get (us_pstore_t *store, us_user_t *user, const char *name);

/* Counts a failed login at now; locks the account per policy. Sets
   *locked when this failure locked it. */
int us_pstore_user_failed (us_pstore_t *store, bool *locked, int64_t user_id, int64_t now,
                           const us_lockout_t *policy);

/* Clears an account's failed-login count after a good login. */
int us_pstore_user_succeeded (us_pstore_t *store, int64_t user_id);

/* Returns the accounts as a JSON array of {name, role, disabled, locked,
   created} (caller owns), or NULL on a store error. */
json_t *us_pstore_user_list (us_pstore_t *store, int64_t now);

/* Records a new session (digest: SHA-256 of its id), first deleting the
   sessions past their idle or absolute end and those of disabled accounts. */
int us_pstore_session_new (us_pstore_t *store, const char *digest, int64_t user_id,
                           const char *csrf, int64_t now, int64_t idle, int64_t absolute);

/* Looks up a live session by digest: one idle under idle seconds, younger
   than absolute seconds, of an enabled account; refreshes its idle time
   (at most once a minute). Returns 0 or US_ENOTFOUND. */
int us_pstore_session_get (us_pstore_t *store, us_session_t *session, const char *digest,
                           int64_t now, int64_t idle, int64_t absolute);

/* Ends a session. */
int us_pstore_session_end (us_pstore_t *store, const char *digest);

/* Appends to the desk's action log (durable when it returns 0). */
int us_pstore_desk_log (us_pstore_t *store, const char *account, const char *action,
                        const char *detail);

/* The last limit entries of the action log, newest first. */
json_t *us_pstore_desk_log_list (us_pstore_t *store, int limit);

/* The unit tree, depth first: [{code, name, kind, parent, depth}]. */
json_t *us_pstore_desk_units (us_pstore_t *store);

/* Submission states of every unit for periods overlapping months
   first..last: [{unit, period, state, at (ms)}]. */
json_t *us_pstore_desk_submissions (us_pstore_t *store, int first, int last);

/* Last time each unit's offices sent something: {unit: ms}. */
json_t *us_pstore_desk_last_sync (us_pstore_t *store);

/* Enrolled offices: [{id, unit, name, key, enrolled (s), revoked (s|null),
   last (ms|null)}]. */
json_t *us_pstore_desk_offices (us_pstore_t *store);

/* Targets set for periods within first..last: [{unit, indicator, period,
   source, lo, hi, range, version}]. */
json_t *us_pstore_desk_targets (us_pstore_t *store, int first, int last);

/* The story of one figure over months first..last: {current: [{month,
   value, version, author, note, corrected}], received: [every value that
   came, with office, author, batch, outcome, note, month], conflicts: [...]}. */
json_t *us_pstore_desk_cell (us_pstore_t *store, const char *unit, int first, int last,
                             const char *indicator);

/* The catalog: [{code, name, kind}]. */
json_t *us_pstore_desk_indicators (us_pstore_t *store);

#endif
