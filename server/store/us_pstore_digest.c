/*  us_pstore_digest: what anti-entropy reads, the figures of a replica's
    scope by month. */
#include "us_pstore_sql.h"
#include "us_error.h"
#include "us_figsort.h"
#include "us_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The figures of a digest: version above 0, of the scope's units (their
   ids come as a JSON array, so the unique index (unit_id, ind_id, month)
   reads the scope's rows only, never the rest of the province), in the
   index's order; us_pstore_figures sorts them into the digest's order in C.
   SQLite's sort on the two codes was most of a first pull's time. */
static const char *s_figures =
    "SELECT c.month, c.unit_id, c.ind_id, c.value, c.version FROM cells c"
    " WHERE c.unit_id IN (SELECT value FROM json_each (?1))"
    " AND c.month BETWEEN ?2 AND ?3 AND c.version > 0";
static const char *s_month_cells =
    "SELECT u.code, i.code, c.month, c.value, c.version, c.hlc, c.author, c.note, c.corrected"
    " FROM cells c JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id"
    " WHERE c.unit_id IN (SELECT value FROM json_each (?1))"
    " AND c.month = ?2 AND c.version > 0 ORDER BY u.code, i.code";

/* Writes the ids of root's own subtree (the units the change stream sends
   figures of) as a JSON array into a new string *json_p. */
int
us_pstore_scope_json (us_pstore_t *self, char **json_p, int64_t root)
{
    *json_p = NULL;
    int64_t *parent = NULL, len = 0;
    int rc = us_pstore_tree_load (self, &parent, &len);
    if (rc)
        return rc;
    bool *own = calloc ((size_t) len + 1, sizeof *own);
    char *json = malloc ((size_t) len * 21 + 3);
    if (!own || !json) {
        free (own);
        free (json);
        free (parent);
        return us_error_set (US_ENOMEM, "out of memory reading a scope");
    }
    us_tree_scope (own, parent, len, root, false);
    size_t at = 0;
    json [at++] = '[';
    for (int64_t u = 1; u < len; u++)
        if (own [u])
            at += (size_t) sprintf (json + at, "%s%lld", at > 1 ? "," : "", (long long) u);
    json [at++] = ']';
    json [at] = 0;
    free (own);
    free (parent);
    *json_p = json;
    return 0;
}

/* Reads the rows of sql (with bindings first..last and scope when it has
   them) into the sorter. */
static int
s_read (us_pstore_t *self, us_figsort_t *sort, us_figsort_rows_t rows, const char *sql,
        const char *scope, int first, int last)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, sql, "reading figures for a digest");
    if (rc)
        return rc;
    if (scope) {
        sqlite3_bind_text (st, 1, scope, -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 2, first);
        sqlite3_bind_int (st, 3, last);
    }
    rc = us_figsort_read (sort, rows, st, "reading figures for a digest");
    sqlite3_reset (st);
    sqlite3_clear_bindings (st);
    return rc;
}

/* Visits the figures of root's subtree in months first..last, in digest
   order. Costs one read of the scope's rows in the range and of the codes,
   and a sort in C (us_figsort.h). */
int
us_pstore_figures (us_pstore_t *self, int64_t root, int first, int last,
                   us_pstore_figure_fn *fn, void *arg)
{
    if (last < first)
        return 0;
    us_figsort_t *sort = us_figsort_new (first, last);
    if (!sort)
        return US_ENOMEM;
    char *scope = NULL;
    int rc = us_pstore_scope_json (self, &scope, root);
    if (rc == 0)
        rc = s_read (self, sort, US_FIGSORT_UNITS, "SELECT id, code FROM units", NULL, 0, 0);
    if (rc == 0)
        rc = s_read (self, sort, US_FIGSORT_INDICATORS, "SELECT id, code FROM indicators",
                     NULL, 0, 0);
    if (rc == 0)
        rc = s_read (self, sort, US_FIGSORT_FIGURES, s_figures, scope, first, last);
    if (rc == 0)
        rc = us_figsort_visit (sort, fn, arg);
    us_figsort_destroy (&sort);
    free (scope);
    return rc;
}

/* Visits every figure of root's subtree in month as a cell change. */
int
us_pstore_month_cells (us_pstore_t *self, int64_t root, int month,
                       us_pstore_change_fn *fn, void *arg)
{
    char *scope;
    int rc = us_pstore_scope_json (self, &scope, root);
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = us_pstore_prep (self, &st, s_month_cells, "reading a month's figures");
    if (rc) {
        free (scope);
        return rc;
    }
    sqlite3_bind_text (st, 1, scope, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 2, month);
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_change_t c;
        memset (&c, 0, sizeof c);
        c.kind = US_CHANGE_CELL;
        c.u.cell.unit = us_db_text (st, 0);
        c.u.cell.indicator = us_db_text (st, 1);
        c.u.cell.month = sqlite3_column_int (st, 2);
        c.u.cell.cleared = sqlite3_column_type (st, 3) == SQLITE_NULL;
        c.u.cell.value = sqlite3_column_int64 (st, 3);
        c.u.cell.version = (uint64_t) sqlite3_column_int64 (st, 4);
        c.u.cell.hlc = (uint64_t) sqlite3_column_int64 (st, 5);
        c.u.cell.author = us_db_text (st, 6);
        c.u.cell.note = us_db_text (st, 7);
        c.u.cell.corrected = sqlite3_column_int (st, 8) != 0;
        rc = fn (arg, &c);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading a month's figures");
    sqlite3_reset (st);
    sqlite3_clear_bindings (st);
    free (scope);
    return rc;
}

/* Sets *version to a number that changes whenever another connection
   commits to the store (SQLite's data_version). */
int
us_pstore_data_version (us_pstore_t *self, int64_t *version)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "PRAGMA data_version", "reading the data version");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    *version = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : us_pstore_fail (self, "reading the data version");
}

/* Starts a read transaction: what follows sees one state of the store. */
int
us_pstore_read_begin (us_pstore_t *self, bool *started)
{
    *started = false;
    if (us_pstore_in_transaction (self))
        return 0;
    if (sqlite3_exec (self->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return us_pstore_fail (self, "starting a read");
    *started = true;
    return 0;
}

/* Ends a read transaction that us_pstore_read_begin started. */
void
us_pstore_read_end (us_pstore_t *self, bool started)
{
    if (started && us_pstore_in_transaction (self))
        sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
}
