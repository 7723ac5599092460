/*  us_pstore_users: the province desk's tables and view queries. */
#include "us_pstore_users.h"
#include "us_pstore_sql.h"
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_period.h"

#include <string.h>

static const char *s_schema =
    "CREATE TABLE IF NOT EXISTS desk_users ("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role INTEGER NOT NULL,"
    "  hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, failed_count INTEGER NOT NULL DEFAULT 0,"
    "  failed_first INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS desk_sessions ("
    "  digest TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES desk_users (id),"
    "  csrf TEXT NOT NULL, created_at INTEGER NOT NULL, seen_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS desk_log ("
    "  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, account TEXT NOT NULL,"
    "  action TEXT NOT NULL, detail TEXT NOT NULL);";

/* Creates the desk's tables when missing. */
int
us_pstore_users_schema (us_pstore_t *store)
{
    return us_db_exec (us_pstore_db (store), s_schema);
}

/* Steps a cached statement that changes rows; returns 0 or an error, and
   US_ENOTFOUND when it changed none and must_change. */
static int
s_change (us_pstore_t *store, sqlite3_stmt *st, bool must_change, const char *what)
{
    sqlite3 *db = us_pstore_db (store);
    int step = sqlite3_step (st);
    sqlite3_reset (st);
    if (step != SQLITE_DONE) {
        if (sqlite3_extended_errcode (db) == SQLITE_CONSTRAINT_UNIQUE)
            return us_error_set (US_EEXIST, "%s already exists", what);
        return us_db_error (db, what);
    }
    if (must_change && sqlite3_changes (db) == 0)
        return us_error_set (US_ENOTFOUND, "no account %s", what);
    return 0;
}

/* Adds an account. */
int
us_pstore_user_add (us_pstore_t *store, const char *name, us_role_t role, const char *hash)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "INSERT INTO desk_users (name, role, hash, created_at)"
        " VALUES (?, ?, ?, strftime ('%s', 'now'))");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 2, role);
    sqlite3_bind_text (st, 3, hash, -1, SQLITE_STATIC);
    int rc = s_change (store, st, false, name);
    if (rc == US_EEXIST)
        us_error_set (US_EEXIST, "account %s already exists", name);
    return rc;
}

/* Deletes every session of the account called name. */
static int
s_sessions_end (us_pstore_t *store, const char *name)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "DELETE FROM desk_sessions WHERE user_id = (SELECT id FROM desk_users WHERE name = ?)");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
    return s_change (store, st, false, "sessions");
}

/* Runs an account update and ends the account's sessions, in one transaction. */
static int
s_update_ending (us_pstore_t *store, sqlite3_stmt *st, const char *name)
{
    sqlite3 *db = us_pstore_db (store);
    int rc = us_db_begin (db);
    if (rc == 0)
        rc = s_change (store, st, true, name);
    else
        sqlite3_reset (st);
    if (rc == 0)
        rc = s_sessions_end (store, name);
    if (rc == 0)
        rc = us_db_commit (db);
    if (rc)
        us_db_rollback (db);
    return rc;
}

/* Sets an account's password hash. */
int
us_pstore_user_passwd (us_pstore_t *store, const char *name, const char *hash)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "UPDATE desk_users SET hash = ?, failed_count = 0, failed_first = 0, locked_until = 0"
        " WHERE name = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, name, -1, SQLITE_STATIC);
    return s_update_ending (store, st, name);
}

/* Disables an account. */
int
us_pstore_user_disable (us_pstore_t *store, const char *name)
{
    sqlite3_stmt *st = us_pstore_stmt (store, "UPDATE desk_users SET disabled = 1 WHERE name = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
    return s_update_ending (store, st, name);
}

/* Sets an account's role. */
int
us_pstore_user_role (us_pstore_t *store, const char *name, us_role_t role)
{
    sqlite3_stmt *st = us_pstore_stmt (store, "UPDATE desk_users SET role = ? WHERE name = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int (st, 1, role);
    sqlite3_bind_text (st, 2, name, -1, SQLITE_STATIC);
    return s_update_ending (store, st, name);
}

/* Reads an account by name. */
int
us_pstore_user_get (us_pstore_t *store, us_user_t *user, const char *name)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT id, name, role, hash, disabled, locked_until FROM desk_users WHERE name = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
    int rc = 0;
    if (sqlite3_step (st) == SQLITE_ROW) {
        user->id = sqlite3_column_int64 (st, 0);
        snprintf (user->name, sizeof user->name, "%s", us_db_text (st, 1));
        user->role = (us_role_t) sqlite3_column_int (st, 2);
        snprintf (user->hash, sizeof user->hash, "%s", us_db_text (st, 3));
        user->disabled = sqlite3_column_int (st, 4) != 0;
        user->locked_until = sqlite3_column_int64 (st, 5);
    }
    else
        rc = us_error_set (US_ENOTFOUND, "no account %s", name);
    sqlite3_reset (st);
    return rc;
}

/* Counts a failed login. */
int
us_pstore_user_failed (us_pstore_t *store, bool *locked, int64_t user_id, int64_t now,
                       const us_lockout_t *policy)
{
    /* A failure outside the window starts a new count; reaching the limit
       locks the account and starts over. */
    sqlite3_stmt *st = us_pstore_stmt (store,
        "UPDATE desk_users SET"
        " failed_first = CASE WHEN ?1 - failed_first > ?2 OR failed_count = 0 THEN ?1"
        "                ELSE failed_first END,"
        " failed_count = CASE WHEN ?1 - failed_first > ?2 OR failed_count = 0 THEN 1"
        "                ELSE failed_count + 1 END"
        " WHERE id = ?3 RETURNING failed_count");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, now);
    sqlite3_bind_int64 (st, 2, policy->window);
    sqlite3_bind_int64 (st, 3, user_id);
    int count = sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int (st, 0) : -1;
    sqlite3_reset (st);
    if (count < 0)
        return us_db_error (us_pstore_db (store), "failed login");
    *locked = count >= policy->max_failures;
    if (!*locked)
        return 0;
    st = us_pstore_stmt (store,
        "UPDATE desk_users SET locked_until = ?, failed_count = 0, failed_first = 0"
        " WHERE id = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, now + policy->lock);
    sqlite3_bind_int64 (st, 2, user_id);
    return s_change (store, st, false, "lockout");
}

/* Clears an account's failed-login count. */
int
us_pstore_user_succeeded (us_pstore_t *store, int64_t user_id)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "UPDATE desk_users SET failed_count = 0, failed_first = 0, locked_until = 0"
        " WHERE id = ? AND (failed_count <> 0 OR locked_until <> 0)");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, user_id);
    return s_change (store, st, false, "login");
}

/* Returns the accounts as JSON. */
json_t *
us_pstore_user_list (us_pstore_t *store, int64_t now)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT name, role, disabled, locked_until, created_at FROM desk_users ORDER BY name");
    if (!st)
        return NULL;
    json_t *list = json_array ();
    while (sqlite3_step (st) == SQLITE_ROW)
        json_array_append_new (list, json_pack ("{s:s, s:s, s:b, s:b, s:I}",
            "name", us_db_text (st, 0),
            "role", us_accounts_role_name ((us_role_t) sqlite3_column_int (st, 1)),
            "disabled", sqlite3_column_int (st, 2) != 0,
            "locked", sqlite3_column_int64 (st, 3) > now,
            "created", (json_int_t) sqlite3_column_int64 (st, 4)));
    sqlite3_reset (st);
    return list;
}

/* Deletes sessions past their idle or absolute end, and those of disabled
   accounts. */
static int
s_sessions_purge (us_pstore_t *store, int64_t now, int64_t idle, int64_t absolute)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "DELETE FROM desk_sessions WHERE seen_at < ? OR created_at < ?"
        " OR user_id IN (SELECT id FROM desk_users WHERE disabled <> 0)");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, now - idle);
    sqlite3_bind_int64 (st, 2, now - absolute);
    return s_change (store, st, false, "sessions");
}

/* Records a new session. */
int
us_pstore_session_new (us_pstore_t *store, const char *digest, int64_t user_id,
                       const char *csrf, int64_t now, int64_t idle, int64_t absolute)
{
    int rc = s_sessions_purge (store, now, idle, absolute);
    if (rc)
        return rc;
    sqlite3_stmt *st = us_pstore_stmt (store,
        "INSERT INTO desk_sessions (digest, user_id, csrf, created_at, seen_at)"
        " VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, digest, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 2, user_id);
    sqlite3_bind_text (st, 3, csrf, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 4, now);
    sqlite3_bind_int64 (st, 5, now);
    return s_change (store, st, false, "session");
}

/* Looks up a live session and refreshes it. */
int
us_pstore_session_get (us_pstore_t *store, us_session_t *session, const char *digest,
                       int64_t now, int64_t idle, int64_t absolute)
{
    /* A read for every request; the idle time is written back at most once
       a minute, since each write is a synchronous commit. */
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT s.user_id, s.csrf, u.name, u.role, s.seen_at FROM desk_sessions s"
        " JOIN desk_users u ON u.id = s.user_id"
        " WHERE s.digest = ? AND s.seen_at >= ? AND s.created_at >= ? AND u.disabled = 0");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, digest, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 2, now - idle);
    sqlite3_bind_int64 (st, 3, now - absolute);
    int64_t seen = 0;
    int rc = 0;
    if (sqlite3_step (st) == SQLITE_ROW) {
        session->user_id = sqlite3_column_int64 (st, 0);
        snprintf (session->csrf, sizeof session->csrf, "%s", us_db_text (st, 1));
        snprintf (session->name, sizeof session->name, "%s", us_db_text (st, 2));
        session->role = (us_role_t) sqlite3_column_int (st, 3);
        seen = sqlite3_column_int64 (st, 4);
    }
    else
        rc = US_ENOTFOUND;
    sqlite3_reset (st);
    if (rc || now - seen < 60)
        return rc;
    st = us_pstore_stmt (store, "UPDATE desk_sessions SET seen_at = ? WHERE digest = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, now);
    sqlite3_bind_text (st, 2, digest, -1, SQLITE_STATIC);
    return s_change (store, st, false, "session");
}

/* Ends a session. */
int
us_pstore_session_end (us_pstore_t *store, const char *digest)
{
    sqlite3_stmt *st = us_pstore_stmt (store, "DELETE FROM desk_sessions WHERE digest = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, digest, -1, SQLITE_STATIC);
    return s_change (store, st, false, "session");
}

/* Appends to the desk's action log. */
int
us_pstore_desk_log (us_pstore_t *store, const char *account, const char *action,
                    const char *detail)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "INSERT INTO desk_log (at, account, action, detail)"
        " VALUES (strftime ('%s', 'now'), ?, ?, ?)");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, action, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 3, detail, -1, SQLITE_STATIC);
    return s_change (store, st, false, "desk log");
}

/* The last entries of the action log. */
json_t *
us_pstore_desk_log_list (us_pstore_t *store, int limit)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT at, account, action, detail FROM desk_log ORDER BY id DESC LIMIT ?");
    if (!st)
        return NULL;
    sqlite3_bind_int (st, 1, limit);
    json_t *list = json_array ();
    while (sqlite3_step (st) == SQLITE_ROW)
        json_array_append_new (list, json_pack ("{s:I, s:s, s:s, s:s}",
            "at", (json_int_t) sqlite3_column_int64 (st, 0), "account", us_db_text (st, 1),
            "action", us_db_text (st, 2), "detail", us_db_text (st, 3)));
    sqlite3_reset (st);
    return list;
}

/* The unit tree, depth first. */
json_t *
us_pstore_desk_units (us_pstore_t *store)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "WITH RECURSIVE tree (id, depth, path) AS ("
        "  SELECT id, 0, printf ('%08d', id) FROM units WHERE parent_id IS NULL"
        "  UNION ALL SELECT u.id, t.depth + 1, t.path || '/' || printf ('%08d', u.id)"
        "  FROM units u JOIN tree t ON u.parent_id = t.id)"
        " SELECT u.code, u.name, u.kind, COALESCE (p.code, ''), t.depth"
        " FROM tree t JOIN units u ON u.id = t.id LEFT JOIN units p ON p.id = u.parent_id"
        " ORDER BY t.path");
    if (!st)
        return NULL;
    json_t *list = json_array ();
    while (sqlite3_step (st) == SQLITE_ROW)
        json_array_append_new (list, json_pack ("{s:s, s:s, s:s, s:s, s:i}",
            "code", us_db_text (st, 0), "name", us_db_text (st, 1), "kind", us_db_text (st, 2),
            "parent", us_db_text (st, 3), "depth", sqlite3_column_int (st, 4)));
    sqlite3_reset (st);
    return list;
}

/* Submission states for periods overlapping first..last. */
json_t *
us_pstore_desk_submissions (us_pstore_t *store, int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT u.code, s.period, s.state, s.at FROM submissions s"
        " JOIN units u ON u.id = s.unit_id WHERE s.first <= ? AND s.last >= ?");
    if (!st)
        return NULL;
    sqlite3_bind_int (st, 1, last);
    sqlite3_bind_int (st, 2, first);
    json_t *list = json_array ();
    while (sqlite3_step (st) == SQLITE_ROW)
        json_array_append_new (list, json_pack ("{s:s, s:s, s:s, s:I}",
            "unit", us_db_text (st, 0), "period", us_db_text (st, 1),
            "state", us_db_text (st, 2),
            "at", (json_int_t) us_hlc_ms ((uint64_t) sqlite3_column_int64 (st, 3))));
    sqlite3_reset (st);
    return list;
}

/* Last time each unit's offices sent something. */
json_t *
us_pstore_desk_last_sync (us_pstore_t *store)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT u.code, MAX (b.at) FROM batches b JOIN replicas r ON r.id = b.replica_id"
        " JOIN units u ON u.id = r.unit_id GROUP BY u.code");
    if (!st)
        return NULL;
    json_t *map = json_object ();
    while (sqlite3_step (st) == SQLITE_ROW)
        json_object_set_new (map, us_db_text (st, 0),
                             json_integer (sqlite3_column_int64 (st, 1)));
    sqlite3_reset (st);
    return map;
}

/* Enrolled offices. */
json_t *
us_pstore_desk_offices (us_pstore_t *store)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT r.id, u.code, u.name, r.name, r.curve_key, r.enrolled_at, r.revoked_at,"
        " (SELECT MAX (at) FROM batches b WHERE b.replica_id = r.id)"
        " FROM replicas r JOIN units u ON u.id = r.unit_id ORDER BY u.code, r.id");
    if (!st)
        return NULL;
    json_t *list = json_array ();
    while (sqlite3_step (st) == SQLITE_ROW) {
        json_t *o = json_pack ("{s:I, s:s, s:s, s:s, s:s, s:I}",
            "id", (json_int_t) sqlite3_column_int64 (st, 0), "unit", us_db_text (st, 1),
            "unit_name", us_db_text (st, 2), "name", us_db_text (st, 3),
            "key", us_db_text (st, 4), "enrolled", (json_int_t) sqlite3_column_int64 (st, 5));
        json_object_set_new (o, "revoked", sqlite3_column_type (st, 6) == SQLITE_NULL
                             ? json_null () : json_integer (sqlite3_column_int64 (st, 6)));
        json_object_set_new (o, "last", sqlite3_column_type (st, 7) == SQLITE_NULL
                             ? json_null () : json_integer (sqlite3_column_int64 (st, 7)));
        json_array_append_new (list, o);
    }
    sqlite3_reset (st);
    return list;
}

/* Targets set for periods within first..last. */
json_t *
us_pstore_desk_targets (us_pstore_t *store, int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT u.code, i.code, t.period, t.source, t.lo, t.hi, t.is_range, t.version"
        " FROM targets t JOIN units u ON u.id = t.unit_id JOIN indicators i ON i.id = t.ind_id"
        " WHERE t.first >= ? AND t.last <= ? ORDER BY t.period, i.position, u.id");
    if (!st)
        return NULL;
    sqlite3_bind_int (st, 1, first);
    sqlite3_bind_int (st, 2, last);
    json_t *list = json_array ();
    while (sqlite3_step (st) == SQLITE_ROW)
        json_array_append_new (list, json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:i}",
            "unit", us_db_text (st, 0), "indicator", us_db_text (st, 1),
            "period", us_db_text (st, 2), "source", us_db_text (st, 3),
            "lo", (json_int_t) sqlite3_column_int64 (st, 4),
            "hi", (json_int_t) sqlite3_column_int64 (st, 5),
            "range", sqlite3_column_int (st, 6) != 0, "version", sqlite3_column_int (st, 7)));
    sqlite3_reset (st);
    return list;
}

/* A nullable integer column as JSON. */
static json_t *
s_int_or_null (sqlite3_stmt *st, int col)
{
    return sqlite3_column_type (st, col) == SQLITE_NULL
         ? json_null () : json_integer (sqlite3_column_int64 (st, col));
}

/* Binds unit, indicator and the months first..last to a cached statement. */
static void
s_bind_cell (sqlite3_stmt *st, const char *unit, const char *indicator, int first, int last)
{
    sqlite3_bind_text (st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 3, first);
    sqlite3_bind_int (st, 4, last);
}

/* Appends the cell's current values, month by month. */
static int
s_cell_current (us_pstore_t *store, json_t *list, const char *unit, const char *indicator,
                int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT c.month, c.value, c.version, c.author, c.note, c.corrected FROM cells c"
        " JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id"
        " WHERE u.code = ? AND i.code = ? AND c.month BETWEEN ? AND ? ORDER BY c.month");
    if (!st)
        return US_EIO;
    s_bind_cell (st, unit, indicator, first, last);
    while (sqlite3_step (st) == SQLITE_ROW) {
        char month [8];
        us_month_format (month, sqlite3_column_int (st, 0));
        json_array_append_new (list, json_pack ("{s:s, s:o, s:I, s:s, s:s, s:b}",
            "month", month, "value", s_int_or_null (st, 1),
            "version", (json_int_t) sqlite3_column_int64 (st, 2), "author", us_db_text (st, 3),
            "note", us_db_text (st, 4), "corrected", sqlite3_column_int (st, 5) != 0));
    }
    sqlite3_reset (st);
    return 0;
}

/* Appends every value received for the cell, in the order it came. */
static int
s_cell_received (us_pstore_t *store, json_t *list, const char *unit, const char *indicator,
                 int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT r.id, r.at, COALESCE (p.name, ''), r.author, r.value, r.outcome, r.reason,"
        " r.note, r.batch_id, r.version, r.replica_id, r.month FROM received r"
        " LEFT JOIN replicas p ON p.id = r.replica_id"
        " WHERE r.unit = ? AND r.indicator = ? AND r.month BETWEEN ? AND ? ORDER BY r.id");
    if (!st)
        return US_EIO;
    s_bind_cell (st, unit, indicator, first, last);
    while (sqlite3_step (st) == SQLITE_ROW) {
        char month [8];
        us_month_format (month, sqlite3_column_int (st, 11));
        json_array_append_new (list, json_pack (
            "{s:I, s:I, s:s, s:s, s:o, s:i, s:s, s:s, s:I, s:I, s:b, s:s}",
            "id", (json_int_t) sqlite3_column_int64 (st, 0),
            "at", (json_int_t) sqlite3_column_int64 (st, 1),
            "office", us_db_text (st, 2), "author", us_db_text (st, 3),
            "value", s_int_or_null (st, 4), "outcome", sqlite3_column_int (st, 5),
            "reason", us_db_text (st, 6), "note", us_db_text (st, 7),
            "batch", (json_int_t) sqlite3_column_int64 (st, 8),
            "version", (json_int_t) sqlite3_column_int64 (st, 9),
            "province", sqlite3_column_int64 (st, 10) == 0, "month", month));
    }
    sqlite3_reset (st);
    return 0;
}

/* Appends the cell's conflicts. */
static int
s_cell_conflicts (us_pstore_t *store, json_t *list, const char *unit, const char *indicator,
                  int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT c.id, c.winner_value, c.winner_author, c.loser_value, c.loser_author, c.rule,"
        " c.at, c.resolved, c.month FROM conflicts c JOIN units u ON u.id = c.unit_id"
        " JOIN indicators i ON i.id = c.ind_id WHERE u.code = ? AND i.code = ?"
        " AND c.month BETWEEN ? AND ? ORDER BY c.id");
    if (!st)
        return US_EIO;
    s_bind_cell (st, unit, indicator, first, last);
    while (sqlite3_step (st) == SQLITE_ROW) {
        char month [8];
        us_month_format (month, sqlite3_column_int (st, 8));
        json_array_append_new (list, json_pack ("{s:I, s:o, s:s, s:o, s:s, s:s, s:I, s:b, s:s}",
            "id", (json_int_t) sqlite3_column_int64 (st, 0), "winner_value", s_int_or_null (st, 1),
            "winner_author", us_db_text (st, 2), "loser_value", s_int_or_null (st, 3),
            "loser_author", us_db_text (st, 4), "rule", us_db_text (st, 5),
            "at", (json_int_t) sqlite3_column_int64 (st, 6),
            "resolved", sqlite3_column_int (st, 7) != 0, "month", month));
    }
    sqlite3_reset (st);
    return 0;
}

/* The story of one cell over months first..last. */
json_t *
us_pstore_desk_cell (us_pstore_t *store, const char *unit, int first, int last,
                     const char *indicator)
{
    json_t *story = json_pack ("{s:s, s:s, s:[], s:[], s:[]}", "unit", unit,
                               "indicator", indicator, "current", "received", "conflicts");
    if (!story)
        return NULL;
    int rc = s_cell_current (store, json_object_get (story, "current"), unit, indicator,
                             first, last);
    if (rc == 0)
        rc = s_cell_received (store, json_object_get (story, "received"), unit, indicator,
                              first, last);
    if (rc == 0)
        rc = s_cell_conflicts (store, json_object_get (story, "conflicts"), unit, indicator,
                               first, last);
    if (rc) {
        json_decref (story);
        return NULL;
    }
    return story;
}

/* The catalog. */
json_t *
us_pstore_desk_indicators (us_pstore_t *store)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT code, name, kind FROM indicators ORDER BY position, id");
    if (!st)
        return NULL;
    json_t *list = json_array ();
    while (sqlite3_step (st) == SQLITE_ROW)
        json_array_append_new (list, json_pack ("{s:s, s:s, s:s}", "code", us_db_text (st, 0),
            "name", us_db_text (st, 1), "kind", us_db_text (st, 2)));
    sqlite3_reset (st);
    return list;
}
