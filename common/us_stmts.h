/*  us_stmts: a cache of the prepared statements of one SQLite connection.

    Preparing a statement costs more than running a small one, so the stores
    keep each statement they run often, keyed by the address of its SQL
    text: pass string literals or other text that lives as long as the
    cache. A statement handed out stays owned by the cache; the caller
    resets it when done (us_stmts_get resets it again anyway). The cache
    must be destroyed before its connection is closed.
*/
#ifndef US_STMTS_H
#define US_STMTS_H

#include <sqlite3.h>

typedef struct _us_stmts_t us_stmts_t;

/* Makes an empty cache for db; returns NULL when out of memory. */
us_stmts_t *us_stmts_new (sqlite3 *db);

/* Finalizes every cached statement and nulls the pointer; safe on NULL. */
void us_stmts_destroy (us_stmts_t **self_p);

/* Sets *stmt_p to the statement for sql, prepared on first use, reset and
   with its bindings cleared. Returns 0, or an error from preparing it (the
   cache is unchanged then). */
int us_stmts_get (sqlite3_stmt **stmt_p, us_stmts_t *self, const char *sql);

/* Returns how many statements the cache holds. */
int us_stmts_size (us_stmts_t *self);

#endif
