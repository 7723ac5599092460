/*  us_pstore: the provincial store: opening, closing, transactions. */
#include "us_pstore_sql.h"
#include "us_pstore_backup.h"
#include "us_pstore_report.h"
#include "us_catalog.h"
#include "us_error.h"
#include "us_keys.h"
#include "us_text.h"

#include <stdlib.h>
#include <string.h>

/* Allocates a store around an open handle; closes the handle on failure. */
static int
s_wrap (us_pstore_t **self_p, sqlite3 *db, const char *path)
{
    us_pstore_t *self = calloc (1, sizeof *self);
    if (!self || !(self->key_path = us_keys_path (path)) || !(self->stmts = us_stmts_new (db))
    ||  !(self->queue = us_pstore_queue_new ())) {
        if (self) {
            free (self->key_path);
            us_stmts_destroy (&self->stmts);
        }
        free (self);
        sqlite3_close (db);
        return us_error_set (US_ENOMEM, "out of memory opening %s", path);
    }
    self->db = db;
    *self_p = self;
    int rc = us_pstore_report_attach (self);
    if (rc)
        us_pstore_destroy (self_p);
    return rc;
}

/* Writes the province's settings, its root unit and the default catalog. */
static int
s_seed (us_pstore_t *self, const char *province, const char *name, const us_catalog_t *cat)
{
    int rc = us_db_meta_set (self->db, "province", province);
    if (rc == 0)    /* the store's first incarnation: offices notice a restore */
        rc = us_pstore_new_incarnation (self, NULL, 0);
    if (rc == 0)
        rc = us_pstore_put_catalog (self, cat);
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
            "INSERT INTO units (code, name, kind_id, kind)"
            " SELECT ?, ?, id, code FROM unit_kinds WHERE level = 0 ORDER BY id LIMIT 1"
            " RETURNING id", "adding the province unit");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, province, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, name, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    int64_t id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
    rc = step == SQLITE_ROW ? 0 : us_pstore_fail (self, "adding the province unit");
    sqlite3_reset (st);
    return rc ? rc : us_pstore_touch (self, US_CHANGE_UNIT, id);
}

/* Creates a new store at path for a province. */
int
us_pstore_create (us_pstore_t **self_p, const char *path, const char *province,
                  const char *name)
{
    *self_p = NULL;
    if (!us_text_code_valid (province))
        return us_error_set (US_EINVAL, "bad province id '%.64s' (letters, digits, . _ -)", province);
    if (!*name || !us_text_utf8_valid (name) || strlen (name) > US_MAX_NAME)
        return us_error_set (US_EINVAL, "the province needs a name");
    us_catalog_t *cat;
    int rc = us_catalog_default (&cat);
    if (rc)
        return rc;
    sqlite3 *db;
    rc = us_db_open (&db, path, true, US_APP_SERVER);
    if (rc == 0)
        rc = s_wrap (self_p, db, path);
    if (rc) {
        us_catalog_destroy (&cat);
        if (rc != US_EEXIST)
            remove (path);
        return rc;
    }
    us_pstore_t *self = *self_p;
    rc = us_pstore_migrate (self, path, true);
    if (rc == 0)
        rc = us_pstore_begin (self);
    if (rc == 0)
        rc = s_seed (self, province, name, cat);
    if (rc == 0)
        rc = us_pstore_commit (self);
    us_catalog_destroy (&cat);
    if (rc) {
        us_pstore_rollback (self);
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
    if (rc == 0)
        rc = s_wrap (self_p, db, path);
    if (rc == 0)
        rc = us_pstore_migrate (*self_p, path, false);
    if (rc)
        us_pstore_destroy (self_p);
    return rc;
}

/* Closes the store and nulls the pointer; safe on NULL. */
void
us_pstore_destroy (us_pstore_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    us_pstore_t *self = *self_p;
    us_stmts_destroy (&self->stmts);
    us_pstore_queue_destroy (&self->queue);
    us_db_close (&self->db);
    free (self->key_path);
    free (self);
    *self_p = NULL;
}

/* Raises the WAL's automatic checkpoint for a serving process. */
int
us_pstore_serving (us_pstore_t *self)
{
    return us_db_exec (self->db, "PRAGMA wal_autocheckpoint = 10000");
}

/* Checkpoints the WAL passively, starts it over when all of it went into
   the database (the next office's answer then waits for one fsync, not
   two); the page cache stays, so that the next office's answer does not
   read its pages again. */
int
us_pstore_idle (us_pstore_t *self)
{
    bool restarted;
    return us_db_checkpoint_idle (self->db, &restarted);
}

/* Hands back the page cache's memory. */
void
us_pstore_release (us_pstore_t *self)
{
    sqlite3_db_release_memory (self->db);
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

/* Returns the schema version of the open store. */
int
us_pstore_version (us_pstore_t *self)
{
    return self->version;
}

/* Forgets what the store remembers of the open transaction. */
void
us_pstore_forget (us_pstore_t *self)
{
    self->chain = NULL;
    self->amended_unit = 0;
    self->amended_month = 0;
    self->timeline_known = false;
}

/* Starts a write transaction. */
int
us_pstore_begin (us_pstore_t *self)
{
    us_pstore_forget (self);
    us_pstore_queue_drop (self->queue);
    return us_db_begin (self->db);
}

/* Commits the transaction. */
int
us_pstore_commit (us_pstore_t *self)
{
    us_pstore_forget (self);
    int rc = us_pstore_queue_flush (self);
    return rc ? rc : us_db_commit (self->db);
}

/* Rolls back the transaction, if any. */
void
us_pstore_rollback (us_pstore_t *self)
{
    us_pstore_forget (self);
    us_pstore_queue_drop (self->queue);
    us_db_rollback (self->db);
}

/* Starts a transaction, or a savepoint inside the open one. */
int
us_pstore_begin_part (us_pstore_t *self, bool *nested)
{
    us_pstore_forget (self);
    *nested = us_pstore_in_transaction (self);
    /* What the open transaction queued is its own, not the part's. */
    int rc = *nested ? us_pstore_queue_flush (self) : 0;
    if (!*nested)
        us_pstore_queue_drop (self->queue);
    if (rc)
        return rc;
    return *nested ? us_db_exec (self->db, "SAVEPOINT part") : us_db_begin (self->db);
}

/* Commits the transaction, or releases the savepoint. */
int
us_pstore_commit_part (us_pstore_t *self, bool nested)
{
    us_pstore_forget (self);
    int rc = us_pstore_queue_flush (self);
    if (rc)
        return rc;
    if (!nested)
        return us_db_commit (self->db);
    if (!us_pstore_in_transaction (self))
        return us_error_set (US_EIO, "the transaction was rolled back by an earlier error");
    return us_db_exec (self->db, "RELEASE part");
}

/* Undoes the transaction, or the savepoint alone. */
void
us_pstore_rollback_part (us_pstore_t *self, bool nested)
{
    us_pstore_forget (self);
    us_pstore_queue_drop (self->queue);
    if (!nested)
        us_db_rollback (self->db);
    else
    if (us_pstore_in_transaction (self))
        sqlite3_exec (self->db, "ROLLBACK TO part; RELEASE part", NULL, NULL, NULL);
}

/* Returns true while a transaction is open. */
bool
us_pstore_in_transaction (us_pstore_t *self)
{
    return !sqlite3_get_autocommit (self->db);
}

/* Returns a cached prepared statement, reset. */
sqlite3_stmt *
us_pstore_stmt (us_pstore_t *self, const char *sql)
{
    sqlite3_stmt *st;
    return us_stmts_get (&st, self->stmts, sql) == 0 ? st : NULL;
}

/* Sets *st to the cached statement for sql. */
int
us_pstore_prep (us_pstore_t *self, sqlite3_stmt **st, const char *sql, const char *what)
{
    int rc = us_stmts_get (st, self->stmts, sql);
    if (rc)
        return us_error_set (rc, "%s: %s", what, us_error_msg ());
    return 0;
}

/* Returns the store error for what after a failed step. */
int
us_pstore_fail (us_pstore_t *self, const char *what)
{
    return us_db_error (self->db, what);
}

/* Steps a statement that returns no row and resets it. */
int
us_pstore_done (us_pstore_t *self, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_pstore_fail (self, what);
    sqlite3_reset (st);
    return rc;
}

/* Stamps an entity in the change stream. */
int
us_pstore_touch (us_pstore_t *self, us_change_kind_t kind, int64_t ref)
{
    return us_pstore_touch_unit (self, kind, ref, 0);
}

/* Stamps an entity of a unit in the change stream. */
int
us_pstore_touch_unit (us_pstore_t *self, us_change_kind_t kind, int64_t ref, int64_t unit_id)
{
    /* REPLACE deletes the entity's earlier entry and appends a new one, so
       the stream holds each entity once, at its latest change. An open
       chain's entries wait for it in the queue. */
    if (self->chain)
        return us_pstore_queue_touch (self, (int) kind, ref, unit_id);
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT OR REPLACE INTO changelog (kind, ref, unit) VALUES (?, ?, ?)",
        "stamping the change stream");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, (int) kind);
    sqlite3_bind_int64 (st, 2, ref);
    if (unit_id)
        sqlite3_bind_int64 (st, 3, unit_id);
    return us_pstore_done (self, st, "stamping the change stream");
}
