/*  us_pstore: the provincial store. */
#include "us_pstore.h"
#include "us_pstore_list.h"
#include "us_catalog.h"
#include "us_csv.h"
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_period.h"
#include "us_report.h"
#include "us_stmts.h"
#include "us_text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION 1

struct _us_pstore_t {
    sqlite3 *db;
    char *key_path;
    us_stmts_t *stmts;
};

static const char *s_schema =
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
    "  ref INTEGER NOT NULL, UNIQUE (kind, ref));";

/* Keys a replica used before it was re-keyed: a batch up to last_batch was
   signed with this sign_key. Kept apart from the main schema so that stores
   made before it existed get it when opened. */
static const char *s_schema_keys =
    "CREATE TABLE IF NOT EXISTS replica_keys ("
    "  replica_id INTEGER NOT NULL REFERENCES replicas (id), curve_key TEXT NOT NULL UNIQUE,"
    "  sign_key BLOB, last_batch INTEGER NOT NULL, retired_at INTEGER NOT NULL);";

/* Allocates a store around an open handle. */
static int
s_wrap (us_pstore_t **self_p, sqlite3 *db, const char *path)
{
    us_pstore_t *self = calloc (1, sizeof *self);
    if (!self || !(self->key_path = us_keys_path (path)) || !(self->stmts = us_stmts_new (db))) {
        if (self)
            free (self->key_path);
        free (self);
        sqlite3_close (db);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    self->db = db;
    *self_p = self;
    return 0;
}

/* Inserts or updates the catalog's indicators (inside a transaction). */
static int
s_put_catalog (us_pstore_t *self, const us_catalog_t *cat)
{
    sqlite3_stmt *st = us_pstore_stmt (self,
        "INSERT INTO indicators (code, name, kind, numerator, denominator, policy, rule, position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET"
        " name = excluded.name, kind = excluded.kind, numerator = excluded.numerator,"
        " denominator = excluded.denominator, policy = excluded.policy,"
        " rule = excluded.rule, position = excluded.position RETURNING id");
    if (!st)
        return US_EIO;
    for (size_t i = 0; i < cat->count; i++) {
        const us_indicator_t *ind = &cat->items [i];
        sqlite3_reset (st);
        sqlite3_bind_text (st, 1, ind->code, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 2, ind->name, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 3, us_kind_name (ind->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 4, ind->numerator, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 5, ind->denominator, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 6, ind->policy, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 7, ind->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 8, (int) i);
        if (sqlite3_step (st) != SQLITE_ROW)
            return us_db_error (self->db, "indicators");
        int64_t id = sqlite3_column_int64 (st, 0);
        sqlite3_reset (st);
        int rc = us_pstore_touch (self, US_CHANGE_INDICATOR, id);
        if (rc)
            return rc;
    }
    return 0;
}

/* Creates a new store at path for a province. */
int
us_pstore_create (us_pstore_t **self_p, const char *path, const char *province,
                  const char *name)
{
    *self_p = NULL;
    if (!us_text_code_valid (province))
        return us_error_set (US_EINVAL, "bad province id '%.64s' (letters, digits, . _ -)", province);
    if (!*name || !us_text_utf8_valid (name) || strlen (name) > 256)
        return us_error_set (US_EINVAL, "the province needs a name");
    us_catalog_t *cat;
    int rc = us_catalog_default (&cat);
    if (rc)
        return rc;
    sqlite3 *db;
    rc = us_db_open (&db, path, true, US_APP_SERVER);
    if (rc) {
        us_catalog_destroy (&cat);
        return rc;
    }
    rc = s_wrap (self_p, db, path);
    if (rc) {
        us_catalog_destroy (&cat);
        return rc;
    }
    us_pstore_t *self = *self_p;
    rc = us_db_begin (db);
    if (rc == 0) rc = us_db_exec (db, us_report_schema ());
    if (rc == 0) rc = us_db_exec (db, s_schema);
    if (rc == 0) rc = us_db_exec (db, s_schema_keys);
    if (rc == 0) rc = us_db_meta_set (db, "province", province);
    if (rc == 0) rc = us_db_meta_set_int (db, "schema", SCHEMA_VERSION);
    if (rc == 0) rc = s_put_catalog (self, cat);
    if (rc == 0) {
        sqlite3_stmt *st;
        rc = us_db_prepare (&st, db, "INSERT INTO units (code, name, kind) VALUES (?, ?, 'province')");
        if (rc == 0) {
            sqlite3_bind_text (st, 1, province, -1, SQLITE_STATIC);
            sqlite3_bind_text (st, 2, name, -1, SQLITE_STATIC);
            rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (db, "units");
            sqlite3_finalize (st);
        }
        if (rc == 0)
            rc = us_pstore_touch (self, US_CHANGE_UNIT, sqlite3_last_insert_rowid (db));
    }
    if (rc == 0)
        rc = us_db_commit (db);
    us_catalog_destroy (&cat);
    if (rc) {
        us_db_rollback (db);
        us_pstore_destroy (self_p);
        remove (path);
    }
    return rc;
}

/* Opens an existing store. */
int
us_pstore_open (us_pstore_t **self_p, const char *path)
{
    *self_p = NULL;
    sqlite3 *db;
    int rc = us_db_open (&db, path, false, US_APP_SERVER);
    if (rc)
        return rc;
    int64_t version;
    rc = us_db_meta_int (&version, db, "schema", 0);
    if (rc == 0 && version != SCHEMA_VERSION)
        rc = us_error_set (US_ECORRUPT, "store %s has schema %" PRId64 ", this program needs %d",
                           path, version, SCHEMA_VERSION);
    if (rc == 0)
        rc = us_db_exec (db, s_schema_keys);
    if (rc) {
        if (rc == US_EIO)
            rc = us_error_set (US_ECORRUPT, "cannot read store %s: %s", path, us_error_msg ());
        sqlite3_close (db);
        return rc;
    }
    return s_wrap (self_p, db, path);
}

/* Closes the store and nulls the pointer; safe on NULL. */
void
us_pstore_destroy (us_pstore_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    us_pstore_t *self = *self_p;
    us_stmts_destroy (&self->stmts);
    us_db_close (&self->db);
    free (self->key_path);
    free (self);
    *self_p = NULL;
}

/* Returns the SQLite handle. */
sqlite3 *
us_pstore_db (us_pstore_t *self)
{
    return self->db;
}

/* Returns the path of the store's key file. */
const char *
us_pstore_key_path (us_pstore_t *self)
{
    return self->key_path;
}

/* Returns a cached prepared statement, reset. */
sqlite3_stmt *
us_pstore_stmt (us_pstore_t *self, const char *sql)
{
    sqlite3_stmt *st;
    return us_stmts_get (&st, self->stmts, sql) == 0 ? st : NULL;
}

/* Stamps an entity in the change stream. */
int
us_pstore_touch (us_pstore_t *self, us_change_kind_t kind, int64_t ref)
{
    /* REPLACE deletes the entity's earlier entry and appends a new one, so
       the stream holds each entity once, at its latest change. */
    sqlite3_stmt *st = us_pstore_stmt (self,
        "INSERT OR REPLACE INTO changelog (kind, ref) VALUES (?, ?)");
    if (!st)
        return US_EIO;
    sqlite3_bind_int (st, 1, (int) kind);
    sqlite3_bind_int64 (st, 2, ref);
    int rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "changelog");
    sqlite3_reset (st);
    return rc;
}

/* Looks up a unit id by code. */
int
us_pstore_unit_id (us_pstore_t *self, int64_t *id, const char *code)
{
    sqlite3_stmt *st = us_pstore_stmt (self, "SELECT id FROM units WHERE code = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    int rc = step == SQLITE_ROW ? 0
           : step == SQLITE_DONE ? us_error_set (US_ENOTFOUND, "unknown unit '%.64s'", code)
           : us_db_error (self->db, "units");
    if (rc == 0)
        *id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Sets *in when unit_id is root_id or one of its descendants. */
int
us_pstore_in_scope (us_pstore_t *self, bool *in, int64_t unit_id, int64_t root_id)
{
    *in = false;
    sqlite3_stmt *st = us_pstore_stmt (self, "SELECT parent_id FROM units WHERE id = ?");
    if (!st)
        return US_EIO;
    int rc = 0;
    for (int depth = 0; depth < 64 && unit_id > 0 && !*in; depth++) {
        *in = unit_id == root_id;
        sqlite3_bind_int64 (st, 1, unit_id);
        int step = sqlite3_step (st);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = us_db_error (self->db, "units");
            *in = false;
            break;
        }
        unit_id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
        sqlite3_reset (st);
    }
    sqlite3_reset (st);
    return rc;
}

/* Returns true when kind is a unit kind. */
static bool
s_unit_kind_ok (const char *kind)
{
    return strcmp (kind, "province") == 0 || strcmp (kind, "district") == 0
        || strcmp (kind, "sector") == 0 || strcmp (kind, "grassroots") == 0;
}

/* Checks one unit row of the import file. */
static int
s_unit_row_check (char **f, size_t n, int line)
{
    if (n < 4 || n > 6)
        return us_error_set (US_EINVAL, "line %d: expected id,name,parent,kind[,valid_from,valid_to]", line);
    if (!us_text_code_valid (f [0]))
        return us_error_set (US_EINVAL, "line %d: bad unit id '%.64s'", line, f [0]);
    if (!*f [1] || strlen (f [1]) > 256 || !us_text_utf8_valid (f [1]))
        return us_error_set (US_EINVAL, "line %d: unit %s needs a one-line name", line, f [0]);
    if (*f [2] && !us_text_code_valid (f [2]))
        return us_error_set (US_EINVAL, "line %d: bad parent id '%.64s'", line, f [2]);
    if (!s_unit_kind_ok (f [3]))
        return us_error_set (US_EINVAL, "line %d: unknown kind '%.20s' (province, district, "
                             "sector or grassroots)", line, f [3]);
    if ((strcmp (f [3], "province") == 0) != (*f [2] == 0))
        return us_error_set (US_EINVAL, "line %d: only the province has no parent", line);
    int m;
    for (size_t k = 4; k < n; k++)
        if (*f [k] && us_month_parse (&m, f [k]) != 0)
            return us_error_set (US_EINVAL, "line %d: bad validity month '%.20s'", line, f [k]);
    return 0;
}

/* Upserts one unit without its parent; returns its id in *id. */
static int
s_unit_put (us_pstore_t *self, int64_t *id, char **f, size_t n)
{
    sqlite3_stmt *st = us_pstore_stmt (self,
        "INSERT INTO units (code, name, kind, valid_from, valid_to) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
        " valid_from = excluded.valid_from, valid_to = excluded.valid_to RETURNING id");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, f [0], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, f [1], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 3, f [3], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 4, n > 4 ? f [4] : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 5, n > 5 ? f [5] : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_db_error (self->db, "units");
    if (rc == 0)
        *id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Sets the parent of every unit in the file (second pass). */
static int
s_units_link (us_pstore_t *self, us_csv_t *csv)
{
    char **f;
    size_t n;
    int rc;
    while ((rc = us_csv_next (csv, &f, &n)) == 1) {
        if (us_csv_line (csv) == 1 && strcmp (f [0], "id") == 0)
            continue;
        int64_t parent = 0, id;
        if (*f [2] && us_pstore_unit_id (self, &parent, f [2]) != 0)
            return us_error_set (US_EINVAL, "line %d: unknown parent '%.64s'",
                                 us_csv_line (csv), f [2]);
        if ((rc = us_pstore_unit_id (self, &id, f [0])) != 0)
            return rc;
        bool cycle = false;
        if (parent && (rc = us_pstore_in_scope (self, &cycle, parent, id)) != 0)
            return rc;
        if (cycle)
            return us_error_set (US_EINVAL, "line %d: unit %s would be its own ancestor",
                                 us_csv_line (csv), f [0]);
        sqlite3_stmt *st = us_pstore_stmt (self, "UPDATE units SET parent_id = ? WHERE id = ?");
        if (!st)
            return US_EIO;
        if (parent)
            sqlite3_bind_int64 (st, 1, parent);
        sqlite3_bind_int64 (st, 2, id);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "units");
        sqlite3_reset (st);
        if (rc == 0)
            rc = us_pstore_touch (self, US_CHANGE_UNIT, id);
        if (rc)
            return rc;
    }
    return rc;
}

/* Imports units from CSV; all or nothing. */
int
us_pstore_import_units (us_pstore_t *self, int *count, const char *path)
{
    *count = 0;
    int checked = us_pstore_units_check (self, path);
    if (checked)
        return checked;
    us_csv_t *csv = us_csv_new (path);
    if (!csv)
        return us_error_set (US_EINVAL, "%s", us_error_msg ());
    int rc = us_db_begin (self->db);
    char **f;
    size_t n;
    int got = 0;
    while (rc == 0 && (got = us_csv_next (csv, &f, &n)) == 1) {
        if (us_csv_line (csv) == 1 && strcmp (f [0], "id") == 0)
            continue;
        int64_t id;
        rc = s_unit_row_check (f, n, us_csv_line (csv));
        if (rc == 0)
            rc = s_unit_put (self, &id, f, n);
        if (rc == 0)
            (*count)++;
    }
    if (rc == 0 && got < 0)
        rc = got;
    us_csv_destroy (&csv);
    if (rc == 0) {
        csv = us_csv_new (path);
        rc = csv ? s_units_link (self, csv) : US_EINVAL;
        us_csv_destroy (&csv);
    }
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc) {
        us_db_rollback (self->db);
        *count = 0;
        return us_error_set (rc, "%s: %s; nothing imported", path, us_error_msg ());
    }
    return 0;
}

/* Imports an indicator catalog from CSV; all or nothing. */
int
us_pstore_import_indicators (us_pstore_t *self, int *count, const char *path)
{
    *count = 0;
    us_catalog_t *cat;
    int rc = us_catalog_load (&cat, path);
    if (rc)
        return us_error_set (rc, "%s; nothing imported", us_error_msg ());
    rc = us_db_begin (self->db);
    if (rc == 0)
        rc = s_put_catalog (self, cat);
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc)
        us_db_rollback (self->db);
    else
        *count = (int) cat->count;
    us_catalog_destroy (&cat);
    return rc;
}

/* Sets *found when the query on curve key z85 (a string literal) has a row. */
static int
s_key_found (us_pstore_t *self, bool *found, const char *sql, const char *z85)
{
    sqlite3_stmt *st = us_pstore_stmt (self, sql);
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    *found = step == SQLITE_ROW;
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (self->db, "replicas");
}

/* Sets *retired when a re-key retired curve key z85. */
static int
s_key_retired (us_pstore_t *self, bool *retired, const char *z85)
{
    return s_key_found (self, retired, "SELECT 1 FROM replica_keys WHERE curve_key = ?", z85);
}

/* Sets *enrolled when curve key z85 belongs to a replica. */
static int
s_key_enrolled (us_pstore_t *self, bool *enrolled, const char *z85)
{
    return s_key_found (self, enrolled, "SELECT 1 FROM replicas WHERE curve_key = ?", z85);
}

/* Enrolls a replica key for a unit. */
int
us_pstore_enroll (us_pstore_t *self, int64_t *replica_id, const char *unit,
                  const char *token, const char *name)
{
    char z85 [41];
    uint8_t sign [32];
    bool has_sign;
    int64_t unit_id;
    int rc = us_keys_parse_token (z85, sign, &has_sign, token);
    if (rc == 0)
        rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc)
        return rc;
    if (name && (strlen (name) > 120 || !us_text_utf8_valid (name)))
        return us_error_set (US_EINVAL, "replica name too long or not UTF-8");
    bool retired;
    rc = s_key_retired (self, &retired, z85);
    if (rc == 0 && retired)
        rc = us_error_set (US_EEXIST, "this key was retired when its replica was re-keyed");
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_db_prepare (&st, self->db,
        "INSERT INTO replicas (curve_key, sign_key, unit_id, name, enrolled_at)"
        " VALUES (?, ?, ?, ?, strftime ('%s', 'now'))"
        " ON CONFLICT (curve_key) DO UPDATE SET sign_key = excluded.sign_key,"
        " unit_id = excluded.unit_id, name = excluded.name,"
        " enrolled_at = excluded.enrolled_at, revoked_at = NULL RETURNING id");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
    if (has_sign)
        sqlite3_bind_blob (st, 2, sign, 32, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 3, unit_id);
    sqlite3_bind_text (st, 4, name ? name : "", -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_db_error (self->db, "enroll");
    if (rc == 0)
        *replica_id = sqlite3_column_int64 (st, 0);
    sqlite3_finalize (st);
    return rc;
}

/* Re-keys a replica: its identity, history and scope stay; the old key is
   refused from now on. */
int
us_pstore_rekey (us_pstore_t *self, int64_t *replica_id, const char *old_key,
                 const char *new_token)
{
    char old_z85 [41], new_z85 [41];
    uint8_t sign [32], old_sign [32];
    bool has_sign, old_has_sign;
    int rc = us_keys_parse_token (old_z85, old_sign, &old_has_sign, old_key);
    if (rc == 0)
        rc = us_keys_parse_token (new_z85, sign, &has_sign, new_token);
    if (rc)
        return rc;
    if (!has_sign)
        return us_error_set (US_EINVAL, "the new key has no signing key (use the whole line "
                             "`unionsync rekey` printed)");
    rc = us_db_begin (self->db);
    if (rc)
        return rc;
    sqlite3_stmt *st = us_pstore_stmt (self, "SELECT id FROM replicas WHERE curve_key = ?");
    rc = st ? 0 : US_EIO;
    bool retired = false;
    int64_t id = 0;
    if (rc == 0) {
        sqlite3_bind_text (st, 1, old_z85, -1, SQLITE_STATIC);
        int step = sqlite3_step (st);
        id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
        sqlite3_reset (st);
        rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE
           ? us_error_set (US_ENOTFOUND, "no replica with that key") : us_db_error (self->db, "replicas");
    }
    if (rc == 0 && strcmp (old_z85, new_z85) == 0)
        rc = us_error_set (US_EINVAL, "the new key is the old one");
    bool taken = false;
    if (rc == 0)
        rc = s_key_enrolled (self, &taken, new_z85);
    if (rc == 0 && taken)
        rc = us_error_set (US_EEXIST, "the new key is already enrolled");
    if (rc == 0)
        rc = s_key_retired (self, &retired, new_z85);
    if (rc == 0 && retired)
        rc = us_error_set (US_EEXIST, "the new key was retired before; make another");
    /* The old key goes to the history with the last batch it signed. */
    if (rc == 0) {
        st = us_pstore_stmt (self,
            "INSERT INTO replica_keys (replica_id, curve_key, sign_key, last_batch, retired_at)"
            " SELECT id, curve_key, sign_key, (SELECT COALESCE (MAX (id), 0) FROM batches), ?"
            " FROM replicas WHERE id = ?");
        rc = st ? 0 : US_EIO;
    }
    if (rc == 0) {
        sqlite3_bind_int64 (st, 1, us_hlc_wall_ms ());
        sqlite3_bind_int64 (st, 2, id);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "replica_keys");
        sqlite3_reset (st);
    }
    if (rc == 0) {
        st = us_pstore_stmt (self,
            "UPDATE replicas SET curve_key = ?, sign_key = ?, revoked_at = NULL WHERE id = ?");
        rc = st ? 0 : US_EIO;
    }
    if (rc == 0) {
        sqlite3_bind_text (st, 1, new_z85, -1, SQLITE_STATIC);
        sqlite3_bind_blob (st, 2, sign, 32, SQLITE_STATIC);
        sqlite3_bind_int64 (st, 3, id);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "replicas");
        sqlite3_reset (st);
    }
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc) {
        us_db_rollback (self->db);
        return rc;
    }
    *replica_id = id;
    return 0;
}

/* Revokes a replica key. */
int
us_pstore_revoke (us_pstore_t *self, const char *token)
{
    char z85 [41];
    uint8_t sign [32];
    bool has_sign;
    int rc = us_keys_parse_token (z85, sign, &has_sign, token);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_db_prepare (&st, self->db,
        "UPDATE replicas SET revoked_at = strftime ('%s', 'now') WHERE curve_key = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "revoke");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        rc = us_error_set (US_ENOTFOUND, "no replica with that key");
    sqlite3_finalize (st);
    return rc;
}

/* Looks up an active replica by CURVE key (Z85). */
int
us_pstore_replica (us_pstore_t *self, us_replica_t *replica, const char *key)
{
    sqlite3_stmt *st = us_pstore_stmt (self,
        "SELECT r.id, r.curve_key, r.name, r.unit_id, u.code, u.kind,"
        " r.revoked_at IS NOT NULL, r.sign_key, r.max_epoch"
        " FROM replicas r JOIN units u ON u.id = r.unit_id WHERE r.curve_key = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    int rc = 0;
    if (step == SQLITE_ROW) {
        memset (replica, 0, sizeof *replica);
        replica->id = sqlite3_column_int64 (st, 0);
        snprintf (replica->key, sizeof replica->key, "%s", us_db_text (st, 1));
        snprintf (replica->name, sizeof replica->name, "%s", us_db_text (st, 2));
        replica->unit_id = sqlite3_column_int64 (st, 3);
        snprintf (replica->unit, sizeof replica->unit, "%s", us_db_text (st, 4));
        snprintf (replica->unit_kind, sizeof replica->unit_kind, "%s", us_db_text (st, 5));
        replica->revoked = sqlite3_column_int (st, 6) != 0;
        if (sqlite3_column_bytes (st, 7) == 32) {
            memcpy (replica->sign_public, sqlite3_column_blob (st, 7), 32);
            replica->has_sign = true;
        }
        replica->max_epoch = (uint32_t) sqlite3_column_int64 (st, 8);
        if (replica->revoked)
            rc = us_error_set (US_EPERM, "replica key has been revoked");
    }
    else
        rc = step == SQLITE_DONE ? us_error_set (US_ENOTFOUND, "replica key is not enrolled")
                                 : us_db_error (self->db, "replicas");
    sqlite3_reset (st);
    return rc;
}

/* Parses "N" or "MIN..MAX" into lo, hi and *range. */
static int
s_target_value (int64_t *lo, int64_t *hi, bool *range, const char *value)
{
    char buf [64];
    snprintf (buf, sizeof buf, "%s", value);
    char *dots = strstr (buf, "..");
    *range = dots != NULL;
    if (dots)
        *dots = 0;
    if (us_text_parse_int (lo, buf) != 0
    ||  (dots && us_text_parse_int (hi, dots + 2) != 0))
        return us_error_set (US_EINVAL, "bad target '%.40s' (use N or MIN..MAX)", value);
    if (!dots)
        *hi = *lo;
    if (*lo < 0 || *hi < *lo)
        return us_error_set (US_EINVAL, "bad target '%.40s' (negative, or MAX below MIN)", value);
    return 0;
}

/* Writes a target inside the caller's transaction. */
int
us_pstore_target_put (us_pstore_t *self, const char *unit, const char *indicator,
                      const char *period, const char *value, const char *source)
{
    us_period_t p;
    us_source_t src;
    int64_t unit_id, ind_id = 0, lo, hi;
    bool range;
    int rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc == 0) rc = us_period_parse (&p, period);
    if (rc == 0) rc = us_source_parse (&src, source);
    if (rc == 0) rc = s_target_value (&lo, &hi, &range, value);
    if (rc)
        return rc;
    sqlite3_stmt *st = us_pstore_stmt (self, "SELECT id FROM indicators WHERE code = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, indicator, -1, SQLITE_STATIC);
    if (sqlite3_step (st) == SQLITE_ROW)
        ind_id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    if (!ind_id)
        return us_error_set (US_ENOTFOUND, "unknown indicator '%.64s'", indicator);
    if (sqlite3_get_autocommit (self->db))
        return us_error_set (US_EIO, "a target is written inside a transaction");
    st = us_pstore_stmt (self,
        "INSERT INTO targets (unit_id, ind_id, period, first, last, source, lo, hi, is_range)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, ind_id, period, source)"
        " DO UPDATE SET lo = excluded.lo, hi = excluded.hi, is_range = excluded.is_range,"
        " version = version + 1 RETURNING id");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int64 (st, 2, ind_id);
    sqlite3_bind_text (st, 3, p.text, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 4, p.first);
    sqlite3_bind_int (st, 5, p.last);
    sqlite3_bind_text (st, 6, us_source_name (src), -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 7, lo);
    sqlite3_bind_int64 (st, 8, hi);
    sqlite3_bind_int (st, 9, range);
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_db_error (self->db, "targets");
    int64_t id = rc == 0 ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    return rc ? rc : us_pstore_touch (self, US_CHANGE_TARGET, id);
}

/* Sets a target in a transaction of its own. */
int
us_pstore_target_set (us_pstore_t *self, const char *unit, const char *indicator,
                      const char *period, const char *value, const char *source)
{
    int rc = us_db_begin (self->db);
    if (rc == 0)
        rc = us_pstore_target_put (self, unit, indicator, period, value, source);
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc)
        us_db_rollback (self->db);
    return rc;
}

/* Records a submission of unit for period by a replica. */
int
us_pstore_submit (us_pstore_t *self, const char **state, const us_replica_t *replica,
                  const char *unit, const char *period, uint64_t at)
{
    us_period_t p;
    int64_t unit_id;
    *state = "";
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc)
        return rc;
    bool in = true;
    if (replica && (rc = us_pstore_in_scope (self, &in, unit_id, replica->unit_id)) != 0)
        return rc;
    if (!in)
        return us_error_set (US_EPERM, "unit %s is outside this replica's scope", unit);
    sqlite3_stmt *st = us_pstore_stmt (self,
        "SELECT state FROM submissions WHERE unit_id = ? AND period = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_text (st, 2, p.text, -1, SQLITE_STATIC);
    bool approved = sqlite3_step (st) == SQLITE_ROW
                 && strcmp (us_db_text (st, 0), "approved") == 0;
    sqlite3_reset (st);
    if (approved) {
        *state = "approved";
        return 0;               /* already approved: submitting again changes nothing */
    }
    us_report_t *report;
    rc = us_report_build (&report, self->db, p.text, unit);
    if (rc)
        return rc;
    char broken [256];
    rc = us_report_check_rules (broken, sizeof broken, report, unit);
    us_report_destroy (&report);
    if (rc)
        return us_error_set (US_EINVAL, "submission refused: %s", broken);
    st = us_pstore_stmt (self,
        "INSERT INTO submissions (unit_id, period, first, last, state, at)"
        " VALUES (?, ?, ?, ?, 'submitted', ?) ON CONFLICT (unit_id, period)"
        " DO UPDATE SET state = 'submitted', at = excluded.at RETURNING id");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_text (st, 2, p.text, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 3, p.first);
    sqlite3_bind_int (st, 4, p.last);
    sqlite3_bind_int64 (st, 5, (int64_t) at);
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_db_error (self->db, "submissions");
    int64_t id = rc == 0 ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    if (rc == 0)
        rc = us_pstore_touch (self, US_CHANGE_SUBMISSION, id);
    if (rc == 0)
        *state = "submitted";
    return rc;
}

/* Prints a value that may be NULL (cleared). */
static void
s_print_value (FILE *out, sqlite3_stmt *st, int col, bool json)
{
    if (sqlite3_column_type (st, col) == SQLITE_NULL)
        fputs (json ? "null" : "(cleared)", out);
    else
        fprintf (out, "%lld", (long long) sqlite3_column_int64 (st, col));
}

/* Prints the conflicts table as text or JSON. */
int
us_pstore_conflicts_print (us_pstore_t *self, FILE *out, bool json)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT c.id, u.code, i.code, c.month, c.winner_value, c.winner_author,"
        " c.loser_value, c.loser_author, c.rule, c.at, c.resolved,"
        " COALESCE (wr.name, ''), COALESCE (lr.name, '')"
        " FROM conflicts c JOIN units u ON u.id = c.unit_id"
        " JOIN indicators i ON i.id = c.ind_id"
        " LEFT JOIN replicas wr ON wr.curve_key = c.winner_replica"
        " LEFT JOIN replicas lr ON lr.curve_key = c.loser_replica ORDER BY c.id");
    if (rc)
        return rc;
    if (json)
        fputs ("[", out);
    else
        fprintf (out, "%-4s %-22s %-20s %-8s %-26s %-26s %s\n", "id", "unit", "indicator",
                 "month", "winner (author)", "loser (author)", "rule");
    int n = 0;
    while (sqlite3_step (st) == SQLITE_ROW) {
        char month [8];
        us_month_format (month, sqlite3_column_int (st, 3));
        if (json) {
            fprintf (out, "%s{\"id\":%lld,\"unit\":", n ? "," : "",
                     (long long) sqlite3_column_int64 (st, 0));
            us_text_json (out, us_db_text (st, 1));
            fprintf (out, ",\"indicator\":");
            us_text_json (out, us_db_text (st, 2));
            fprintf (out, ",\"month\":\"%s\",\"winner_value\":", month);
            s_print_value (out, st, 4, true);
            fputs (",\"winner_author\":", out);
            us_text_json (out, us_db_text (st, 5));
            fputs (",\"winner_replica\":", out);
            us_text_json (out, us_db_text (st, 11));
            fputs (",\"loser_value\":", out);
            s_print_value (out, st, 6, true);
            fputs (",\"loser_author\":", out);
            us_text_json (out, us_db_text (st, 7));
            fputs (",\"loser_replica\":", out);
            us_text_json (out, us_db_text (st, 12));
            fputs (",\"rule\":", out);
            us_text_json (out, us_db_text (st, 8));
            fprintf (out, ",\"resolved\":%s}", sqlite3_column_int (st, 10) ? "true" : "false");
        }
        else {
            char win [96], lose [96];
            snprintf (win, sizeof win, "%s (%s)", sqlite3_column_type (st, 4) == SQLITE_NULL
                      ? "cleared" : us_db_text (st, 4), us_db_text (st, 5));
            snprintf (lose, sizeof lose, "%s (%s)", sqlite3_column_type (st, 6) == SQLITE_NULL
                      ? "cleared" : us_db_text (st, 6), us_db_text (st, 7));
            fprintf (out, "%-4lld %-22s %-20s %-8s %-26s %-26s %s\n",
                     (long long) sqlite3_column_int64 (st, 0), us_db_text (st, 1),
                     us_db_text (st, 2), month, win, lose, us_db_text (st, 8));
        }
        n++;
    }
    sqlite3_finalize (st);
    if (json)
        fputs ("]\n", out);
    else
    if (n == 0)
        fputs ("no conflicts\n", out);
    return 0;
}

/* Reads the state of (unit, period); "draft" when there is none. */
static int
s_state (us_pstore_t *self, char *state, size_t size, int64_t unit_id, const char *period)
{
    sqlite3_stmt *st = us_pstore_stmt (self,
        "SELECT state FROM submissions WHERE unit_id = ? AND period = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_text (st, 2, period, -1, SQLITE_STATIC);
    snprintf (state, size, "%s", sqlite3_step (st) == SQLITE_ROW ? us_db_text (st, 0) : "draft");
    sqlite3_reset (st);
    return 0;
}

/* Names the first reporting child of unit not approved for the period. */
static int
s_children_approved (us_pstore_t *self, int64_t unit_id, const us_period_t *p)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT u.code FROM units u WHERE u.parent_id = ? AND u.kind IN ('district', 'sector')"
        " AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.unit_id = u.id"
        "   AND s.state = 'approved' AND s.first <= ? AND s.last >= ?) ORDER BY u.id LIMIT 1");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int (st, 2, p->first);
    sqlite3_bind_int (st, 3, p->last);
    if (sqlite3_step (st) == SQLITE_ROW)
        rc = us_error_set (US_EINVAL, "%s is not approved for %s yet (use --force to lock anyway)",
                           us_db_text (st, 0), p->text);
    sqlite3_finalize (st);
    return rc;
}

/* Writes the state of (unit, period) and stamps it in the change stream. */
static int
s_state_write (us_pstore_t *self, int64_t unit_id, const us_period_t *p, const char *state)
{
    sqlite3_stmt *st = us_pstore_stmt (self,
        "INSERT INTO submissions (unit_id, period, first, last, state, at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, period)"
        " DO UPDATE SET state = excluded.state, at = CASE WHEN excluded.state = 'submitted'"
        " THEN excluded.at ELSE at END RETURNING id");
    if (!st)
        return US_EIO;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_text (st, 2, p->text, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 3, p->first);
    sqlite3_bind_int (st, 4, p->last);
    sqlite3_bind_text (st, 5, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 6, us_hlc_wall_ms () << 16);
    int rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_db_error (self->db, "submissions");
    int64_t id = rc == 0 ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    return rc ? rc : us_pstore_touch (self, US_CHANGE_SUBMISSION, id);
}

/* Moves (unit, period) through the workflow. */
int
us_pstore_workflow (us_pstore_t *self, char *state, size_t size, const char *unit,
                    const char *period, const char *action, bool force)
{
    us_period_t p;
    int64_t unit_id;
    char now [24];
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc)
        return rc;
    bool lock = strcmp (action, "approve") == 0 || strcmp (action, "lock") == 0;
    bool open = strcmp (action, "unlock") == 0 || strcmp (action, "reopen") == 0;
    if (!lock && !open)
        return us_error_set (US_EINVAL, "unknown action '%.20s'", action);
    rc = us_db_begin (self->db);
    if (rc == 0)
        rc = s_state (self, now, sizeof now, unit_id, p.text);
    if (rc == 0 && strcmp (action, "approve") == 0 && !force && strcmp (now, "submitted") != 0)
        rc = us_error_set (US_EINVAL, "%s has not submitted %s (it is %s); use --force to "
                           "approve anyway", unit, p.text, now);
    if (rc == 0 && lock && !force)
        rc = s_children_approved (self, unit_id, &p);
    if (rc == 0 && open && strcmp (now, "approved") != 0)
        rc = us_error_set (US_EINVAL, "%s %s is not locked (it is %s)", unit, p.text, now);
    const char *next = lock ? "approved" : "reopened";
    if (rc == 0)
        rc = s_state_write (self, unit_id, &p, next);
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc) {
        us_db_rollback (self->db);
        return rc;
    }
    snprintf (state, size, "%s", next);
    return 0;
}

/* Marks the open conflicts of a cell as resolved (inside a transaction). */
int
us_pstore_conflicts_resolve (us_pstore_t *self, int *count, const char *unit, int month,
                             const char *indicator)
{
    sqlite3_stmt *st;
    *count = 0;
    int rc = us_db_prepare (&st, self->db,
        "UPDATE conflicts SET resolved = 1 WHERE resolved = 0 AND month = ?"
        " AND unit_id = (SELECT id FROM units WHERE code = ?)"
        " AND ind_id = (SELECT id FROM indicators WHERE code = ?) RETURNING id");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, month);
    sqlite3_bind_text (st, 2, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 3, indicator, -1, SQLITE_STATIC);
    int64_t *ids = NULL;
    int n = 0, cap = 0, step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *grown = realloc (ids, (size_t) cap * sizeof *ids);
            if (!grown) {
                step = SQLITE_NOMEM;
                break;
            }
            ids = grown;
        }
        ids [n++] = sqlite3_column_int64 (st, 0);
    }
    rc = step == SQLITE_DONE ? 0 : step == SQLITE_NOMEM
       ? us_error_set (US_ENOMEM, "out of memory") : us_db_error (self->db, "conflicts");
    sqlite3_finalize (st);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = us_pstore_touch (self, US_CHANGE_CONFLICT, ids [i]);
    free (ids);
    *count = n;
    return rc;
}
