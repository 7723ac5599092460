/*  us_dstore_schema: the office store's schema and its numbered migrations.

    A migration's SQL is frozen once released: a later change of schema is a
    new migration, never an edit of an old one, so that every store reaches
    the same tables whatever version it started from.
*/
#include "us_dstore_schema.h"
#include "us_db.h"
#include "us_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int version;                    /* user_version once it has run */
    const char *what;               /* named in the error when it fails */
    const char *sql;
} s_migration_t;

/* 1: the schema unionsync 0.1.0 created: the report tables it shared with
   the province's store, then the office's own. */
static const char s_v1 [] =
    "CREATE TABLE units ("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  parent_id INTEGER REFERENCES units (id), kind TEXT NOT NULL,"
    "  valid_from TEXT NOT NULL DEFAULT '', valid_to TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE indicators ("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  kind TEXT NOT NULL, numerator TEXT NOT NULL DEFAULT '',"
    "  denominator TEXT NOT NULL DEFAULT '', policy TEXT NOT NULL DEFAULT 'lww',"
    "  rule TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE cells ("
    "  id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units (id),"
    "  ind_id INTEGER NOT NULL REFERENCES indicators (id), month INTEGER NOT NULL,"
    "  value INTEGER, version INTEGER NOT NULL DEFAULT 0,"
    "  hlc INTEGER NOT NULL DEFAULT 0, replica TEXT NOT NULL DEFAULT '',"
    "  author TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',"
    "  corrected INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (unit_id, ind_id, month));"
    "CREATE INDEX cells_month ON cells (month, unit_id, ind_id, value);"
    "CREATE TABLE targets ("
    "  id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units (id),"
    "  ind_id INTEGER NOT NULL REFERENCES indicators (id), period TEXT NOT NULL,"
    "  first INTEGER NOT NULL, last INTEGER NOT NULL, source TEXT NOT NULL,"
    "  lo INTEGER NOT NULL, hi INTEGER NOT NULL, is_range INTEGER NOT NULL DEFAULT 0,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  UNIQUE (unit_id, ind_id, period, source));"
    "CREATE TABLE submissions ("
    "  id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units (id),"
    "  period TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,"
    "  state TEXT NOT NULL, at INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (unit_id, period));"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE outbox ("
    "  seq INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, unit TEXT NOT NULL,"
    "  indicator TEXT NOT NULL, month INTEGER NOT NULL, value INTEGER,"
    "  hlc INTEGER NOT NULL, base_version INTEGER NOT NULL, author TEXT NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL);"
    "CREATE INDEX outbox_cell ON outbox (unit, indicator, month);"
    "CREATE TABLE history ("
    "  id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  unit TEXT NOT NULL, indicator TEXT NOT NULL, month INTEGER NOT NULL,"
    "  value INTEGER, outcome TEXT NOT NULL, reason TEXT NOT NULL,"
    "  server_value INTEGER, at INTEGER NOT NULL, UNIQUE (epoch, seq));"
    "CREATE TABLE conflicts ("
    "  id INTEGER PRIMARY KEY, unit TEXT NOT NULL, indicator TEXT NOT NULL,"
    "  month INTEGER NOT NULL, winner_value INTEGER, winner_author TEXT NOT NULL,"
    "  loser_value INTEGER, loser_author TEXT NOT NULL, rule TEXT NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE TABLE pending_submits ("
    "  period TEXT PRIMARY KEY, at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'queued',"
    "  reason TEXT NOT NULL DEFAULT '');";

/* 2: the counters read and written on every edit and sync leave the text
   key/value table for typed columns of one row, and every time the office
   keeps of its own is in milliseconds (a conflict's time came as a hybrid
   logical clock stamp). A counter that is not a whole number stops the
   migration: guessing would renumber edits. */
static const char s_v2 [] =
    "CREATE TEMP TABLE v2_check (counter_is_a_whole_number INTEGER"
    "  CHECK (counter_is_a_whole_number));"
    "INSERT INTO v2_check SELECT CAST (CAST (value AS INTEGER) AS TEXT) = value FROM meta"
    "  WHERE key IN ('epoch', 'last_seq', 'checkpoint', 'hlc', 'clock_offset', 'last_sync_at');"
    "DROP TABLE v2_check;"
    "CREATE TABLE state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  epoch INTEGER NOT NULL, last_seq INTEGER NOT NULL, checkpoint INTEGER NOT NULL,"
    "  hlc INTEGER NOT NULL, clock_offset_ms INTEGER NOT NULL,"
    "  last_sync_ms INTEGER NOT NULL, last_sync TEXT NOT NULL);"
    "INSERT INTO state VALUES (1,"
    "  COALESCE ((SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'epoch'), 1),"
    "  COALESCE ((SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'last_seq'), 0),"
    "  COALESCE ((SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'checkpoint'), 0),"
    "  COALESCE ((SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'hlc'), 0),"
    "  COALESCE ((SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'clock_offset'), 0),"
    "  COALESCE ((SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'last_sync_at'), 0),"
    "  COALESCE ((SELECT value FROM meta WHERE key = 'last_sync'), 'never'));"
    "DELETE FROM meta WHERE key IN ('epoch', 'last_seq', 'checkpoint', 'hlc',"
    "  'clock_offset', 'last_sync_at', 'last_sync');"
    "UPDATE conflicts SET at = at >> 16;";

/* 3: the successor of an ended unit, as pulled with the unit, so that an
   edit after the unit's end is refused offline with its successor named. */
static const char s_v3 [] =
    "ALTER TABLE units ADD COLUMN successor TEXT NOT NULL DEFAULT '';";

/* 4: acknowledged edits keep everything needed to send them again (a
   province restored from a backup may have lost them); rows from before
   keep NULLs and are not sent again. The office remembers the province
   store's incarnation it last saw, to notice a restore. */
static const char s_v4 [] =
    "ALTER TABLE history ADD COLUMN hlc INTEGER;"
    "ALTER TABLE history ADD COLUMN author TEXT;"
    "ALTER TABLE history ADD COLUMN note TEXT;"
    "ALTER TABLE history ADD COLUMN base_version INTEGER;"
    "ALTER TABLE state ADD COLUMN incarnation TEXT NOT NULL DEFAULT '';";

/* 5: a submission may say that the unit has nothing to report. */
static const char s_v5 [] =
    "ALTER TABLE pending_submits ADD COLUMN nil INTEGER NOT NULL DEFAULT 0;";

/* 6: the signed heads of the server's audit chain this office has
   seen, one per length, checked by `unionsync audit check`. */
static const char s_v6 [] =
    "CREATE TABLE audit_heads ("
    "  records INTEGER PRIMARY KEY, hash BLOB NOT NULL, signature BLOB NOT NULL,"
    "  key BLOB NOT NULL, seen_ms INTEGER NOT NULL);";

/* 7: a split unit's own shares per indicator, as pulled with the unit
   ("IND:A=0.7,B=0.3;..."), so that the office maps those figures as the
   province does. */
static const char s_v7 [] =
    "ALTER TABLE units ADD COLUMN shares TEXT NOT NULL DEFAULT '';";

/* 8: an edit waiting to be sent is named by (epoch, seq), as the province
   names it: acknowledged edits of earlier epochs that a restored province
   lost go back into the outbox beside the current epoch's, marked resent
   (sent again in batches of their own, under their original identity). */
static const char s_v8 [] =
    "CREATE TABLE outbox8 ("
    "  seq INTEGER NOT NULL, epoch INTEGER NOT NULL, unit TEXT NOT NULL,"
    "  indicator TEXT NOT NULL, month INTEGER NOT NULL, value INTEGER,"
    "  hlc INTEGER NOT NULL, base_version INTEGER NOT NULL, author TEXT NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL,"
    "  resent INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (epoch, seq));"
    "INSERT INTO outbox8 (seq, epoch, unit, indicator, month, value, hlc, base_version,"
    "  author, note, at) SELECT seq, epoch, unit, indicator, month, value, hlc,"
    "  base_version, author, note, at FROM outbox;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox8 RENAME TO outbox;"
    "CREATE INDEX outbox_cell ON outbox (unit, indicator, month);";

/* 9: the province's reporting schedules, as pulled (the whole set is
   replaced each time it comes); empty until the first pull that brings
   them, and until then the office keeps to the calendar's defaults. An
   older program may have pulled past the set without keeping it, so the
   office pulls its whole scope once more (as after a province's restore). */
static const char s_v9 [] =
    "CREATE TABLE schedules ("
    "  code TEXT PRIMARY KEY, name TEXT NOT NULL, period TEXT NOT NULL,"
    "  kinds TEXT NOT NULL, indicators TEXT NOT NULL, deadline TEXT NOT NULL,"
    "  position INTEGER NOT NULL);"
    "UPDATE state SET checkpoint = 0;";

static const s_migration_t s_migrations [] = {
    { 1, "the first schema", s_v1 },
    { 2, "counters in typed columns, times in milliseconds", s_v2 },
    { 3, "the successors of ended units", s_v3 },
    { 4, "acknowledged edits can be sent again", s_v4 },
    { 5, "nil submissions", s_v5 },
    { 6, "the audit heads seen", s_v6 },
    { 7, "the shares of a split per indicator", s_v7 },
    { 8, "waiting edits named by epoch and sequence", s_v8 },
    { 9, "the reporting schedules", s_v9 },
};
#define S_MIGRATIONS ((int) (sizeof s_migrations / sizeof s_migrations [0]))
_Static_assert (S_MIGRATIONS == US_DSTORE_SCHEMA, "one migration per version");

/* Runs a query that returns one integer into *value. */
static int
s_query_int (sqlite3 *db, const char *sql, int64_t *value)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db, sql);
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    *value = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (db, "schema");
    sqlite3_finalize (st);
    return rc;
}

/* Reads the store's version. */
int
us_dstore_schema_version (sqlite3 *db, int *version)
{
    int64_t v = 0, tables = 0, marked = 0;
    *version = 0;
    int rc = s_query_int (db, "PRAGMA user_version", &v);
    if (rc == 0 && v == 0)
        rc = s_query_int (db, "SELECT COUNT(*) FROM sqlite_master", &tables);
    if (rc || v > 0 || tables == 0) {
        *version = (int) v;
        return rc;
    }
    /* Before user_version: 0.1.0 marked its schema in the meta table. */
    rc = s_query_int (db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                          " AND name = 'meta'", &marked);
    if (rc == 0 && marked)
        rc = s_query_int (db, "SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'schema'",
                          &marked);
    if (rc == 0 && marked != 1)
        return us_error_set (US_ECORRUPT, "not an office store of a known schema");
    *version = 1;
    return rc;
}

/* Runs migration m in a transaction of its own, unless the store has it
   already (another process may have upgraded it meanwhile). */
static int
s_migrate (sqlite3 *db, const s_migration_t *m)
{
    int version;
    int rc = us_db_begin (db);
    if (rc == 0)
        rc = us_dstore_schema_version (db, &version);
    if (rc == 0 && version >= m->version) {
        us_db_rollback (db);
        return 0;
    }
    if (rc == 0)
        rc = us_db_exec (db, m->sql);
    char sql [160];
    snprintf (sql, sizeof sql, "PRAGMA user_version = %d;"
              "INSERT INTO meta (key, value) VALUES ('schema', '%d')"
              " ON CONFLICT (key) DO UPDATE SET value = excluded.value;",
              m->version, m->version);
    if (rc == 0)
        rc = us_db_exec (db, sql);
    if (rc == 0)
        rc = us_db_commit (db);
    if (rc) {
        us_db_rollback (db);
        return us_error_set (rc, "migration %d (%s) failed, the store is unchanged: %s",
                             m->version, m->what, us_error_msg ());
    }
    return 0;
}

/* Brings an empty database to the current schema. */
int
us_dstore_schema_create (sqlite3 *db)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < S_MIGRATIONS; i++)
        rc = s_migrate (db, &s_migrations [i]);
    return rc;
}

/* Brings an existing store to the current schema. */
int
us_dstore_schema_upgrade (sqlite3 *db, const char *path)
{
    int version;
    int rc = us_dstore_schema_version (db, &version);
    if (rc)
        return us_error_set (US_ECORRUPT, "cannot read store %s: %s", path, us_error_msg ());
    if (version == 0)
        return us_error_set (US_ECORRUPT, "%s holds no office store", path);
    if (version > US_DSTORE_SCHEMA)
        return us_error_set (US_ECORRUPT, "store %s has schema %d, written by a newer unionsync;"
                             " this one knows up to %d", path, version, US_DSTORE_SCHEMA);
    for (int i = 0; rc == 0 && i < S_MIGRATIONS; i++)
        if (s_migrations [i].version > version)
            rc = s_migrate (db, &s_migrations [i]);
    if (rc)
        rc = us_error_set (rc, "cannot upgrade store %s: %s", path, us_error_msg ());
    return rc;
}
