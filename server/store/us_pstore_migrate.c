/*  us_pstore_migrate: the numbered schema of the provincial store.

    PRAGMA user_version holds the schema's number. Each migration runs in a
    transaction of its own and sets the number in it, so a migration that
    fails leaves the store as it was before it. Stores written before the
    numbering carry meta 'schema' = 1 and user_version 0; they are schema 1
    and are upgraded from there.
*/
#include "us_pstore_sql.h"
#include "us_error.h"

#include <stdio.h>

/* Schema 1: the tables as the server wrote them before numbered migrations. */
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
    "CREATE TABLE replicas ("
    "  id INTEGER PRIMARY KEY, curve_key TEXT NOT NULL UNIQUE, sign_key BLOB,"
    "  unit_id INTEGER NOT NULL REFERENCES units (id), name TEXT NOT NULL DEFAULT '',"
    "  enrolled_at INTEGER NOT NULL, revoked_at INTEGER,"
    "  max_epoch INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE epochs ("
    "  replica_id INTEGER NOT NULL REFERENCES replicas (id), epoch INTEGER NOT NULL,"
    "  high_water INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (replica_id, epoch));"
    "CREATE TABLE received ("
    "  id INTEGER PRIMARY KEY, replica_id INTEGER NOT NULL, epoch INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL, unit TEXT NOT NULL, indicator TEXT NOT NULL,"
    "  month INTEGER NOT NULL, value INTEGER, hlc INTEGER NOT NULL,"
    "  origin_hlc INTEGER NOT NULL, clamped INTEGER NOT NULL DEFAULT 0, base_version INTEGER NOT NULL,"
    "  author TEXT NOT NULL, note TEXT NOT NULL, outcome INTEGER NOT NULL,"
    "  reason TEXT NOT NULL, version INTEGER NOT NULL, at INTEGER NOT NULL,"
    "  batch_id INTEGER NOT NULL DEFAULT 0, prev_hash BLOB NOT NULL, hash BLOB NOT NULL,"
    "  UNIQUE (replica_id, epoch, seq));"
    "CREATE INDEX received_edit ON received (replica_id, origin_hlc);"
    "CREATE TABLE batches ("
    "  id INTEGER PRIMARY KEY, replica_id INTEGER NOT NULL, epoch INTEGER NOT NULL,"
    "  bytes BLOB NOT NULL, signature BLOB, at INTEGER NOT NULL);"
    "CREATE TRIGGER received_append_only BEFORE UPDATE ON received"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER received_no_delete BEFORE DELETE ON received"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE conflicts ("
    "  id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL, ind_id INTEGER NOT NULL,"
    "  month INTEGER NOT NULL, winner_value INTEGER, winner_replica TEXT NOT NULL,"
    "  winner_author TEXT NOT NULL, winner_hlc INTEGER NOT NULL,"
    "  loser_value INTEGER, loser_replica TEXT NOT NULL, loser_author TEXT NOT NULL,"
    "  loser_hlc INTEGER NOT NULL, rule TEXT NOT NULL, at INTEGER NOT NULL,"
    "  resolved INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE changelog ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
    "  ref INTEGER NOT NULL, UNIQUE (kind, ref));"
    "CREATE TABLE IF NOT EXISTS replica_keys ("
    "  replica_id INTEGER NOT NULL REFERENCES replicas (id), curve_key TEXT NOT NULL UNIQUE,"
    "  sign_key BLOB, last_batch INTEGER NOT NULL, retired_at INTEGER NOT NULL);"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '1');";

/* Schema 2: unit kinds become a table the units refer to by id; times in
   milliseconds; the audit chain's length leaves the text settings for a
   typed row. units.kind stays, kept equal to the kind's code by the
   triggers, for the report engine's reads. */
static const char s_v2 [] =
    "CREATE TABLE unit_kinds ("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  level INTEGER NOT NULL CHECK (level >= 0), reports INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO unit_kinds (code, name, level, reports) VALUES"
    "  ('province', 'Liên đoàn Lao động tỉnh, thành phố', 0, 0),"
    "  ('district', 'Liên đoàn Lao động huyện, thị xã, thành phố thuộc tỉnh', 1, 1),"
    "  ('sector', 'Công đoàn ngành', 1, 1),"
    "  ('commune', 'Công đoàn xã, phường, đặc khu', 1, 1),"
    "  ('park', 'Công đoàn các khu công nghiệp', 1, 1),"
    "  ('grassroots', 'Công đoàn cơ sở', 2, 0);"
    "ALTER TABLE units ADD COLUMN kind_id INTEGER REFERENCES unit_kinds (id);"
    "UPDATE units SET kind_id = (SELECT k.id FROM unit_kinds k WHERE k.code = units.kind);"
    "CREATE INDEX units_parent ON units (parent_id);"
    "CREATE TRIGGER units_kind_insert BEFORE INSERT ON units"
    "  WHEN NEW.kind_id IS NULL OR NEW.kind IS NOT (SELECT code FROM unit_kinds WHERE id = NEW.kind_id)"
    "  BEGIN SELECT RAISE (ABORT, 'a unit needs a kind of unit_kinds'); END;"
    "CREATE TRIGGER units_kind_update BEFORE UPDATE OF kind, kind_id ON units"
    "  WHEN NEW.kind_id IS NULL OR NEW.kind IS NOT (SELECT code FROM unit_kinds WHERE id = NEW.kind_id)"
    "  BEGIN SELECT RAISE (ABORT, 'a unit needs a kind of unit_kinds'); END;"
    "UPDATE replicas SET enrolled_at = enrolled_at * 1000, revoked_at = revoked_at * 1000;"
    "CREATE TABLE audit_head ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), records INTEGER NOT NULL);"
    "INSERT INTO audit_head (id, records) SELECT 1, COALESCE ("
    "  (SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'audit_rows'), 0);"
    "DELETE FROM meta WHERE key = 'audit_rows';"
    /* A program from before the numbering refuses the store rather than
       misread it. */
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '2');";

/* Schema 3: the catalog columns beyond the first seven: a formula's
   expression, the whole a part belongs to, the unit of measure, and the
   words Vietnamese prose says an indicator with. */
static const char s_v3 [] =
    "ALTER TABLE indicators ADD COLUMN formula TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE indicators ADD COLUMN parent TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE indicators ADD COLUMN unit TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE indicators ADD COLUMN phrase TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE indicators ADD COLUMN noun TEXT NOT NULL DEFAULT '';"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '3');";

/* Schema 4: restructuring of the unit tree as dated events (merge, split,
   move, rename, end), kept for ever beside the figures of the units they
   ended; a unit's successor, as the offices pull it with the unit. */
static const char s_v4 [] =
    "CREATE TABLE unit_events ("
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, month INTEGER NOT NULL,"
    "  unit_id INTEGER NOT NULL REFERENCES units (id), other_id INTEGER REFERENCES units (id),"
    "  share_ppm INTEGER NOT NULL DEFAULT 1000000, share TEXT NOT NULL DEFAULT '1',"
    "  indicator TEXT NOT NULL DEFAULT '', before TEXT NOT NULL DEFAULT '',"
    "  after TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX unit_events_unit ON unit_events (unit_id, month);"
    "CREATE TRIGGER unit_events_no_update BEFORE UPDATE ON unit_events"
    "  BEGIN SELECT RAISE (ABORT, 'unit events are kept as recorded'); END;"
    "CREATE TRIGGER unit_events_no_delete BEFORE DELETE ON unit_events"
    "  BEGIN SELECT RAISE (ABORT, 'unit events are kept as recorded'); END;"
    "ALTER TABLE units ADD COLUMN successor TEXT NOT NULL DEFAULT '';"
    /* Provinces absorbed into this one, and the audit chain each brought,
       kept as it was written and verified as a segment of its own. */
    "CREATE TABLE absorbed ("
    "  id INTEGER PRIMARY KEY, province TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  unit_id INTEGER NOT NULL REFERENCES units (id), records INTEGER NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE TABLE audit_segments ("
    "  segment INTEGER NOT NULL REFERENCES absorbed (id), id INTEGER NOT NULL,"
    "  replica_id INTEGER NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  unit TEXT NOT NULL, indicator TEXT NOT NULL, month INTEGER NOT NULL, value INTEGER,"
    "  hlc INTEGER NOT NULL, origin_hlc INTEGER NOT NULL, clamped INTEGER NOT NULL,"
    "  base_version INTEGER NOT NULL, author TEXT NOT NULL, note TEXT NOT NULL,"
    "  outcome INTEGER NOT NULL, reason TEXT NOT NULL, version INTEGER NOT NULL,"
    "  at INTEGER NOT NULL, batch_id INTEGER NOT NULL, prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL, PRIMARY KEY (segment, id));"
    "CREATE TRIGGER audit_segments_no_update BEFORE UPDATE ON audit_segments"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_segments_no_delete BEFORE DELETE ON audit_segments"
    "  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '4');";

/* Schema 5: the province desk's accounts (scrypt hashes, lockout
   counters), its sessions (only the digest of each session id is kept)
   and the log of what each account did at the desk. */
static const char s_v5 [] =
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
    "  action TEXT NOT NULL, detail TEXT NOT NULL);"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '5');";

/* Schema 6: the reporting schedules (us_pstore_schedules.c): which report
   kinds of unit make for which period type, with which indicators (empty:
   all) and by which deadline rule; the default set is that of the law's
   calendar, monthly figures by the 20th of the following month. A
   submission marks whether the unit said it had nothing to report, whether
   the unit reported at all (a lock of a unit that never submitted is
   "locked, not reported"), and whether an approval was forced, and why. */
static const char s_v6 [] =
    "CREATE TABLE schedules ("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  period TEXT NOT NULL CHECK (period IN ('month', 'quarter', 'half', 'year')),"
    "  kinds TEXT NOT NULL, indicators TEXT NOT NULL DEFAULT '',"
    "  deadline TEXT NOT NULL DEFAULT '1:20', position INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO schedules (code, name, period, kinds, deadline, position) VALUES"
    "  ('monthly', 'Số liệu hằng tháng', 'month', 'district sector commune park', '1:20', 0);"
    "ALTER TABLE submissions ADD COLUMN nil INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE submissions ADD COLUMN reported INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE submissions ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE submissions ADD COLUMN note TEXT NOT NULL DEFAULT '';"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '6');";

/* Schema 7: the audit chain records acts of the province beside deltas;
   earlier records are deltas and keep their hashes. */
static const char s_v7 [] =
    "ALTER TABLE received ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE audit_segments ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
    /* With no targets or states yet, every later one has its record. */
    "INSERT INTO meta (key, value) SELECT 'acts_complete', '1'"
    "  WHERE NOT EXISTS (SELECT 1 FROM targets) AND NOT EXISTS (SELECT 1 FROM submissions);"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '7');";

/* Schema 8: the units an absorbed province brought whose codes were taken
   here, by their old codes, so that its offices learn their new codes at
   their next sync. Stores absorbed before keep their mapping: a unit of
   the absorbed subtree coded PROVINCE.CODE while CODE is another unit's
   was re-coded from CODE. */
static const char s_v8 [] =
    "CREATE TABLE unit_recodes ("
    "  absorbed_id INTEGER NOT NULL REFERENCES absorbed (id), old_code TEXT NOT NULL,"
    "  unit_id INTEGER NOT NULL REFERENCES units (id), PRIMARY KEY (absorbed_id, old_code));"
    "INSERT OR IGNORE INTO unit_recodes (absorbed_id, old_code, unit_id)"
    "  SELECT a.id, substr (u.code, length (a.province) + 2), u.id FROM absorbed a"
    "  JOIN units u ON substr (u.code, 1, length (a.province) + 1) = a.province || '.'"
    "  WHERE EXISTS (SELECT 1 FROM units o WHERE o.id <> u.id"
    "                AND o.code = substr (u.code, length (a.province) + 2));"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '8');";

/* Schema 9: a cell remembers the base version of the edit that wrote it,
   whether that edit came back from a timeline a restore lost, and the
   store's timeline it was written in (meta 'timeline', raised by each
   restore), so that edits sent again after a restore are settled by what
   their editors could have seen: two such edits sent back in another
   order than they were made by their order then, not as a conflict, and
   one against a figure written since the restore as the concurrent edit
   it is. */
static const char s_v9 [] =
    "ALTER TABLE cells ADD COLUMN base_version INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cells ADD COLUMN resent INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cells ADD COLUMN timeline INTEGER NOT NULL DEFAULT 0;"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '9');";

/* Schema 10: the schedules reach the offices through the change stream,
   as one entry for the whole set; every office pulls the set in force. */
static const char s_v10 [] =
    "INSERT OR REPLACE INTO changelog (kind, ref) VALUES (7, 0);"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '10');";

/* Schema 11: every edit looks for the submitted reports it amends, unit
   by unit up the tree; this index answers that without reading a unit's
   other reports. */
static const char s_v11 [] =
    "CREATE INDEX IF NOT EXISTS submissions_open ON submissions (unit_id, state, first, last);"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '11');";

/* Schema 12: a cell names the audit record of the office's edit that wrote
   it, when the province kept that edit's clock, so that a pull leaves out
   what the acknowledgement told the office by reading the cell alone (it
   looked the edit up in the audit log, a quarter of the pull's time in a
   month's-end round). */
static const char s_v12 [] =
    "ALTER TABLE cells ADD COLUMN record INTEGER NOT NULL DEFAULT 0;"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '12');";

/* Schema 13: a figure's entry in the change stream names the figure's
   unit, so that an office's pull leaves out the other offices' figures
   without reading them (in a month's-end round each office's pull read
   all fourteen offices' figures, a fifth of the server's time); the rare
   entries that are not figures have an index of their own, which a
   push's figures do not write to. */
static const char s_v13 [] =
    "ALTER TABLE changelog ADD COLUMN unit INTEGER;"
    "UPDATE changelog SET unit = (SELECT c.unit_id FROM cells c WHERE c.id = changelog.ref)"
    "  WHERE kind = 3;"
    "CREATE INDEX changelog_other ON changelog (seq) WHERE kind <> 3;"
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '13');";

/* Refuses schema 2 over units whose kind it does not know. */
static int
s_v2_check (us_pstore_t *self)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db, "SELECT code, kind FROM units WHERE kind_id IS NULL");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        rc = us_error_set (US_ECORRUPT, "unit %.64s has kind '%.30s', which is not a unit kind",
                           us_db_text (st, 0), us_db_text (st, 1));
    else
    if (step != SQLITE_DONE)
        rc = us_pstore_fail (self, "checking unit kinds");
    sqlite3_finalize (st);
    return rc;
}

typedef struct {
    int version;
    const char *sql;
    int (*check) (us_pstore_t *self);   /* after the SQL, before the commit */
} s_step_t;

static const s_step_t s_steps [] = {
    { 1, s_v1, NULL },
    { 2, s_v2, s_v2_check },
    { 3, s_v3, NULL },
    { 4, s_v4, NULL },
    { 5, s_v5, NULL },
    { 6, s_v6, NULL },
    { 7, s_v7, NULL },
    { 8, s_v8, NULL },
    { 9, s_v9, NULL },
    { 10, s_v10, NULL },
    { 11, s_v11, NULL },
    { 12, s_v12, NULL },
    { 13, s_v13, NULL },
};

/* Reads PRAGMA user_version. */
static int
s_user_version (us_pstore_t *self, int *version)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db, "PRAGMA user_version");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    *version = step == SQLITE_ROW ? sqlite3_column_int (st, 0) : 0;
    sqlite3_finalize (st);
    return step == SQLITE_ROW ? 0 : us_pstore_fail (self, "reading the schema version");
}

/* Sets *legacy when the store was written before numbered migrations
   (meta 'schema' = 1); refuses one of any other unnumbered schema. */
static int
s_legacy (us_pstore_t *self, const char *path)
{
    int64_t version = 0;
    int rc = us_db_meta_int (&version, self->db, "schema", 0);
    if (rc)
        return us_error_set (US_ECORRUPT, "cannot read store %s: %s", path, us_error_msg ());
    if (version != 1)
        return us_error_set (US_ECORRUPT, "store %s has schema %lld, which this program "
                             "cannot read", path, (long long) version);
    return 0;
}

/* Runs one migration in its own transaction. */
static int
s_run (us_pstore_t *self, const char *path, int version, const char *sql,
       int (*check) (us_pstore_t *self))
{
    char pragma [40];
    snprintf (pragma, sizeof pragma, "PRAGMA user_version = %d", version);
    int rc = us_db_begin (self->db);
    if (rc == 0 && sql)
        rc = us_db_exec (self->db, sql);
    if (rc == 0 && check)
        rc = check (self);
    if (rc == 0)
        rc = us_db_exec (self->db, pragma);
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc) {
        us_db_rollback (self->db);
        return us_error_set (rc, "upgrading store %s to schema %d: %s", path, version,
                             us_error_msg ());
    }
    self->version = version;
    return 0;
}

/* Brings the schema to US_PSTORE_VERSION. */
int
us_pstore_migrate (us_pstore_t *self, const char *path, bool fresh)
{
    int version;
    int rc = s_user_version (self, &version);
    if (rc)
        return us_error_set (US_ECORRUPT, "cannot read store %s: %s", path, us_error_msg ());
    if (version > US_PSTORE_VERSION)
        return us_error_set (US_ECORRUPT, "store %s has schema %d, made by a newer program; "
                             "this one reads up to %d", path, version, US_PSTORE_VERSION);
    self->version = version;
    if (version == 0 && !fresh) {
        /* Schema 1 from before the numbering: it gets the one table that
           came later, then its number. */
        rc = s_legacy (self, path);
        if (rc == 0)
            rc = s_run (self, path, 1, "CREATE TABLE IF NOT EXISTS replica_keys ("
                "  replica_id INTEGER NOT NULL REFERENCES replicas (id),"
                "  curve_key TEXT NOT NULL UNIQUE, sign_key BLOB,"
                "  last_batch INTEGER NOT NULL, retired_at INTEGER NOT NULL);", NULL);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < sizeof s_steps / sizeof s_steps [0]; i++) {
        const s_step_t *step = &s_steps [i];
        if (step->version <= self->version)
            continue;
        rc = s_run (self, path, step->version, step->sql, step->check);
        if (rc)
            return rc;
    }
    return 0;
}
