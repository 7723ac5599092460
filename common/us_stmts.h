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
#include <stddef.h>

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

/* Many rows to one statement: a statement's start and end (its cursors,
   its statement journal) cost about what writing a small row does, so a
   store writes a run of rows US_STMTS_ROWS_MANY at a time, what is left
   US_STMTS_ROWS_FEW at a time, then one by one. */
#define US_STMTS_ROWS_MANY 64
#define US_STMTS_ROWS_FEW 8

/* The text of row (say "(?,?,?)") US_STMTS_ROWS_FEW and US_STMTS_ROWS_MANY
   times, comma-separated; US_STMTS_SQLS (head, row, tail) is the
   initializer of the three statements us_stmts_rows takes. */
#define US_STMTS_X8(row) row "," row "," row "," row "," row "," row "," row "," row
#define US_STMTS_X64(row) US_STMTS_X8 (row) "," US_STMTS_X8 (row) "," US_STMTS_X8 (row) "," \
    US_STMTS_X8 (row) "," US_STMTS_X8 (row) "," US_STMTS_X8 (row) "," US_STMTS_X8 (row) "," \
    US_STMTS_X8 (row)
#define US_STMTS_SQLS(head, row, tail) \
    { head US_STMTS_X64 (row) tail, head US_STMTS_X8 (row) tail, head row tail }

/* Binds row i at columns first .. first + columns - 1 of a statement. */
typedef void (us_stmts_bind_fn) (sqlite3_stmt *st, int first, const void *arg, size_t i);

/* Takes one row a statement of many rows returned. */
typedef void (us_stmts_read_fn) (sqlite3_stmt *st, const void *arg);

/* Runs rows 0 .. n - 1: sqls holds the statement of US_STMTS_ROWS_MANY
   rows, of US_STMTS_ROWS_FEW and of one (US_STMTS_SQLS), each of columns
   parameters a row; bind fills each row from arg, and read, when not
   NULL, takes every row the statements return. Returns 0, or the error of
   the statement that failed, naming what (the rows before it are done). */
int us_stmts_rows (us_stmts_t *self, const char *const sqls [3], size_t n, int columns,
                   us_stmts_bind_fn *bind, us_stmts_read_fn *read, const void *arg,
                   const char *what);

#endif
