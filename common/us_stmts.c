/*  us_stmts: a cache of the prepared statements of one SQLite connection. */
#include "us_stmts.h"
#include "us_db.h"
#include "us_error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing on the SQL text's address; the stores run fewer than a
   hundred distinct statements, so the table never needs to grow. */
#define US_STMTS_CAP 256

typedef struct {
    const char *sql;
    sqlite3_stmt *stmt;
} s_entry_t;

struct _us_stmts_t {
    sqlite3 *db;
    int size;
    s_entry_t entries [US_STMTS_CAP];
};

/* Makes an empty cache for db. */
us_stmts_t *
us_stmts_new (sqlite3 *db)
{
    us_stmts_t *self = calloc (1, sizeof *self);
    if (self)
        self->db = db;
    return self;
}

/* Finalizes every cached statement and nulls the pointer. */
void
us_stmts_destroy (us_stmts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    us_stmts_t *self = *self_p;
    for (int i = 0; i < US_STMTS_CAP; i++)
        sqlite3_finalize (self->entries [i].stmt);
    free (self);
    *self_p = NULL;
}

/* Returns the entry for sql: its own, or the empty one where it goes. */
static s_entry_t *
s_find (us_stmts_t *self, const char *sql)
{
    size_t i = ((uintptr_t) sql >> 3) % US_STMTS_CAP;
    while (self->entries [i].sql && self->entries [i].sql != sql)
        i = (i + 1) % US_STMTS_CAP;
    return &self->entries [i];
}

/* Hands out the cached statement for sql, preparing it on first use. */
int
us_stmts_get (sqlite3_stmt **stmt_p, us_stmts_t *self, const char *sql)
{
    *stmt_p = NULL;
    s_entry_t *e = s_find (self, sql);
    /* The same address may hold other text when a caller broke the rule
       above; prepare again rather than run the wrong statement. */
    if (e->stmt && strcmp (sqlite3_sql (e->stmt), sql) != 0) {
        sqlite3_finalize (e->stmt);
        e->stmt = NULL;
    }
    if (!e->stmt) {
        if (!e->sql && self->size >= US_STMTS_CAP / 2)
            return us_error_set (US_ENOMEM, "too many distinct statements for the cache");
        sqlite3_stmt *st;
        int rc = us_db_prepare (&st, self->db, sql);
        if (rc)
            return rc;
        if (!e->sql)
            self->size++;
        e->sql = sql;
        e->stmt = st;
    }
    sqlite3_reset (e->stmt);
    sqlite3_clear_bindings (e->stmt);
    *stmt_p = e->stmt;
    return 0;
}

/* Returns how many statements the cache holds. */
int
us_stmts_size (us_stmts_t *self)
{
    return self->size;
}

/* Runs rows 0 .. n - 1, many to a statement. */
int
us_stmts_rows (us_stmts_t *self, const char *const sqls [3], size_t n, int columns,
               us_stmts_bind_fn *bind, us_stmts_read_fn *read, const void *arg,
               const char *what)
{
    static const size_t sizes [3] = { US_STMTS_ROWS_MANY, US_STMTS_ROWS_FEW, 1 };
    size_t i = 0;
    int rc = 0;
    for (int k = 0; rc == 0 && k < 3; k++)
        while (rc == 0 && n - i >= sizes [k]) {
            sqlite3_stmt *st;
            rc = us_stmts_get (&st, self, sqls [k]);
            if (rc) {
                rc = us_error_set (rc, "%s: %s", what, us_error_msg ());
                break;
            }
            for (size_t j = 0; j < sizes [k]; j++)
                bind (st, (int) j * columns + 1, arg, i + j);
            int step;
            while ((step = sqlite3_step (st)) == SQLITE_ROW && read)
                read (st, arg);
            if (step != SQLITE_DONE)
                rc = us_db_error (self->db, what);
            sqlite3_reset (st);
            i += sizes [k];
        }
    return rc;
}
