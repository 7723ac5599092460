/*  us_db: SQLite helpers shared by the district and provincial stores.

    A store is one SQLite file in WAL mode with synchronous=FULL, so a commit
    is on disk when it returns. Each kind of store stamps its own
    application_id, so a client never opens a server store by mistake. The
    sqlite3 handle belongs to whoever opened it; close with us_db_close().
*/
#ifndef US_DB_H
#define US_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_APP_CLIENT 0x55534331    /* "USC1" */
#define US_APP_SERVER 0x55535331    /* "USS1" */

/* Freed heap a process that opened a store keeps for its next work rather
   than giving it back to the system (us_db.c). */
#define US_DB_HEAP_KEPT (64 * 1024 * 1024)

/* Opens the store at path. With create, the file must not exist yet and is
   made with mode 0600; without it, it must exist and carry app_id. Returns 0,
   US_ENOTFOUND, US_EEXIST, US_ECORRUPT or US_EIO. */
int us_db_open (sqlite3 **db_p, const char *path, bool create, uint32_t app_id);

/* Closes the store and nulls the pointer; safe on NULL. */
void us_db_close (sqlite3 **db_p);

/* Sets the error message from SQLite's last error; returns US_EIO, or
   US_ECORRUPT when SQLite found the file damaged. */
int us_db_error (sqlite3 *db, const char *what);

/* Runs one or more SQL statements without results. Returns 0 or an error. */
int us_db_exec (sqlite3 *db, const char *sql);

/* Prepares one statement into *stmt_p. Returns 0 or an error. */
int us_db_prepare (sqlite3_stmt **stmt_p, sqlite3 *db, const char *sql);

/* Starts a write transaction (BEGIN IMMEDIATE). */
int us_db_begin (sqlite3 *db);

/* Commits the current transaction; durable when it returns 0. */
int us_db_commit (sqlite3 *db);

/* The most us_db_heap_huge asks for: glibc takes blocks up to 32 MB
   from its heap, no larger. */
#define US_DB_HEAP_HUGE_MAX (24u << 20)

/* Asks for the next bytes (at most US_DB_HEAP_HUGE_MAX) of the process's
   heap in huge pages, for a command about to build a large result: a page
   fault per 2 MB first touched instead of per 4 KB (see us_db.c); the
   threads it starts then share that heap. Cannot fail: where the system
   refuses, memory comes as it did. */
void us_db_heap_huge (size_t bytes);

/* Checkpoints the WAL passively and, when all of it went into the
   database, starts it over with an empty commit, so that the next commit
   costs one fsync, not two (see us_db.c). Call it when idle, outside any
   transaction. Returns 0 (also when a reader holds the checkpoint off) or
   US_EIO; *restarted says whether the WAL was started over. */
int us_db_checkpoint_idle (sqlite3 *db, bool *restarted);

/* Rolls back the current transaction, if any; never fails. */
void us_db_rollback (sqlite3 *db);

/* Runs PRAGMA quick_check; returns 0 or US_ECORRUPT. */
int us_db_check (sqlite3 *db);

/* Reads meta value key into buf; returns 0 or US_ENOTFOUND. */
int us_db_meta_get (char *buf, size_t size, sqlite3 *db, const char *key);

/* Reads meta integer key into *value, or def when absent. */
int us_db_meta_int (int64_t *value, sqlite3 *db, const char *key, int64_t def);

/* Writes meta value key. Returns 0 or an error. */
int us_db_meta_set (sqlite3 *db, const char *key, const char *value);

/* Writes meta integer key. Returns 0 or an error. */
int us_db_meta_set_int (sqlite3 *db, const char *key, int64_t value);

/* Returns the text of column col, or "" for NULL. */
const char *us_db_text (sqlite3_stmt *stmt, int col);

#endif
