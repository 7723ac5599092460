/*  us_pstore_sql: the provincial store's own view of itself.

    Included only by the files of server/store/ (the store's modules, and
    the report queries that live beside them): the struct, the SQLite
    handle and the statement cache. Nothing here is for the rest of the
    server, which goes through us_pstore.h.
*/
#ifndef US_PSTORE_SQL_H
#define US_PSTORE_SQL_H

#include "us_pstore.h"
#include "us_pstore_queue.h"
#include "us_db.h"
#include "us_stmts.h"

#include <sqlite3.h>

struct _us_pstore_t {
    sqlite3 *db;
    char *key_path;
    us_stmts_t *stmts;
    int version;                /* schema version after opening */
    us_pstore_chain_t *chain;   /* the caller's chain while a transaction appends to it:
                                   acts recorded meanwhile go onto it, not around it */
    us_pstore_queue_t *queue;   /* the chain's records and entries not yet written */
    int64_t amended_unit;       /* the (unit, month) whose reports the open transaction */
    int amended_month;          /* last amended: none is submitted any more (0: none);
                                   also cleared by every write of a report's state */
    int64_t timeline;           /* meta 'timeline' as the open transaction reads it, */
    bool timeline_known;        /* read once; forgotten at its boundaries and when a
                                   restore raises it */
};

/* Writes the ids of root's own subtree (the units the change stream sends
   figures of) as a JSON array into a new string *json_p the caller frees;
   for `IN (SELECT value FROM json_each (?))`. Returns 0 or the error. */
int us_pstore_scope_json (us_pstore_t *self, char **json_p, int64_t root);

/* Forgets what the store remembers of the open transaction (its chain, the
   last amended unit and month, the timeline); at every transaction boundary. */
void us_pstore_forget (us_pstore_t *self);

/* Returns the SQLite handle; it belongs to the store. */
sqlite3 *us_pstore_db (us_pstore_t *self);

/* Returns a prepared statement cached by the store (reset and with
   bindings cleared), or NULL with the error set. sql must outlive the store
   (a string literal); the statement belongs to the store. */
sqlite3_stmt *us_pstore_stmt (us_pstore_t *self, const char *sql);

/* Sets *st to the cached statement for sql. Returns 0 or the error of
   preparing it, naming what. */
int us_pstore_prep (us_pstore_t *self, sqlite3_stmt **st, const char *sql, const char *what);

/* Steps a statement that returns no row and resets it. Returns 0 or the
   store error naming what failed. */
int us_pstore_done (us_pstore_t *self, sqlite3_stmt *st, const char *what);

/* Returns the store error for what after a failed step (never 0). */
int us_pstore_fail (us_pstore_t *self, const char *what);

/* Stamps an entity in the change stream (inside the caller's transaction). */
int us_pstore_touch (us_pstore_t *self, us_change_kind_t kind, int64_t ref);

/* Stamps an entity of unit_id (0: of no unit) in the change stream; a
   figure's entry names its unit, by which its offices' pulls find it. */
int us_pstore_touch_unit (us_pstore_t *self, us_change_kind_t kind, int64_t ref,
                          int64_t unit_id);

/* Brings the schema to US_PSTORE_VERSION (us_pstore_migrate.c). With
   fresh, the file is new and empty. */
int us_pstore_migrate (us_pstore_t *self, const char *path, bool fresh);

/* Inserts or updates the catalog's indicators (inside a transaction). */
int us_pstore_put_catalog (us_pstore_t *self, const us_catalog_t *cat);

/* Loads parent [id] of every unit into a new array of *len entries (the
   caller frees it). */
int us_pstore_tree_load (us_pstore_t *self, int64_t **parent_p, int64_t *len_p);

/* Copies the code of unit id into code [size] (us_pstore_records.c). */
int us_pstore_unit_code (us_pstore_t *self, char *code, size_t size, int64_t id);

/* Records an import of count rows of what (inside the caller's
   transaction; us_pstore_records.c). */
int us_pstore_import_record (us_pstore_t *self, const char *what, int count);

#endif
