/*  us_pstore_digest: what anti-entropy reads, the figures of a replica's
    scope by month. */
#include "us_pstore_sql.h"
#include "us_error.h"
#include "us_tree.h"

#include <stdint.h>
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
static int
s_scope_json (us_pstore_t *self, char **json_p, int64_t root)
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

/* A code of the digest's order: a unit's or an indicator's, with its rank. */
typedef struct {
    int64_t id;
    char *code;
} s_code_t;

/* A figure as read, with the ranks of its codes. */
typedef struct {
    uint64_t key;               /* month, unit rank, indicator rank: the digest's order */
    int64_t value, version;
    uint32_t unit, ind;         /* indexes into the code tables */
    bool cleared;
} s_figure_t;

/* Orders codes as bytes (the digest's COLLATE BINARY). */
static int
s_by_code (const void *a, const void *b)
{
    return strcmp (((const s_code_t *) a)->code, ((const s_code_t *) b)->code);
}

/* Orders figures by their key. */
static int
s_by_key (const void *a, const void *b)
{
    uint64_t x = ((const s_figure_t *) a)->key, y = ((const s_figure_t *) b)->key;
    return x < y ? -1 : x > y;
}

/* Frees a code table. */
static void
s_codes_free (s_code_t *codes, size_t n)
{
    for (size_t i = 0; codes && i < n; i++)
        free (codes [i].code);
    free (codes);
}

/* Reads every (id, code) of sql into a new table sorted by code, and a
   new map *rank_p from id to the position in it (ids up to *max). */
static int
s_codes (us_pstore_t *self, const char *sql, s_code_t **codes_p, size_t *n_p,
         uint32_t **rank_p, int64_t *max)
{
    *codes_p = NULL;
    *rank_p = NULL;
    *n_p = 0;
    *max = 0;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, sql, "reading codes for a digest");
    if (rc)
        return rc;
    s_code_t *codes = NULL;
    size_t n = 0, cap = 0;
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        if (n == cap) {
            s_code_t *more = realloc (codes, (cap = cap ? cap * 2 : 64) * sizeof *codes);
            if (!more) {
                rc = us_error_set (US_ENOMEM, "out of memory reading codes for a digest");
                break;
            }
            codes = more;
        }
        codes [n].id = sqlite3_column_int64 (st, 0);
        codes [n].code = strdup (us_db_text (st, 1));
        if (!codes [n++].code)
            rc = us_error_set (US_ENOMEM, "out of memory reading codes for a digest");
        else
        if (codes [n - 1].id > *max)
            *max = codes [n - 1].id;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading codes for a digest");
    sqlite3_reset (st);
    uint32_t *rank = rc == 0 ? calloc ((size_t) *max + 1, sizeof *rank) : NULL;
    if (rc == 0 && !rank)
        rc = us_error_set (US_ENOMEM, "out of memory reading codes for a digest");
    if (rc) {
        s_codes_free (codes, n);
        return rc;
    }
    if (n > 1)
        qsort (codes, n, sizeof *codes, s_by_code);
    for (size_t i = 0; i < n; i++)
        if (codes [i].id >= 0)
            rank [codes [i].id] = (uint32_t) i;
    *codes_p = codes;
    *n_p = n;
    *rank_p = rank;
    return 0;
}

/* Reads the scope's figures of months first..last into a new array
   *figs_p, keyed by the ranks of their codes. */
static int
s_figures_read (us_pstore_t *self, s_figure_t **figs_p, size_t *n_p, const char *scope,
                int first, int last, const uint32_t *urank, int64_t umax,
                const uint32_t *irank, int64_t imax)
{
    *figs_p = NULL;
    *n_p = 0;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, s_figures, "reading figures for a digest");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, scope, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 2, first);
    sqlite3_bind_int (st, 3, last);
    s_figure_t *figs = NULL;
    size_t n = 0, cap = 0;
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        int64_t month = sqlite3_column_int (st, 0), u = sqlite3_column_int64 (st, 1),
                i = sqlite3_column_int64 (st, 2);
        if (u < 0 || u > umax || i < 0 || i > imax) {
            rc = us_error_set (US_ECORRUPT, "a cell names unit %lld or indicator %lld, which the "
                               "store does not hold", (long long) u, (long long) i);
            break;
        }
        if (n == cap) {
            s_figure_t *more = realloc (figs, (cap = cap ? cap * 2 : 1024) * sizeof *figs);
            if (!more) {
                rc = us_error_set (US_ENOMEM, "out of memory reading figures for a digest");
                break;
            }
            figs = more;
        }
        figs [n] = (s_figure_t) {
            .key = ((uint64_t) (month - first) << 42) | ((uint64_t) urank [u] << 21) | irank [i],
            .value = sqlite3_column_int64 (st, 3), .version = sqlite3_column_int64 (st, 4),
            .unit = urank [u], .ind = irank [i],
            .cleared = sqlite3_column_type (st, 3) == SQLITE_NULL };
        n++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading figures for a digest");
    sqlite3_reset (st);
    sqlite3_clear_bindings (st);
    if (rc) {
        free (figs);
        return rc;
    }
    *figs_p = figs;
    *n_p = n;
    return 0;
}

/* Visits the figures of root's subtree in months first..last, in digest
   order. Costs one read of the scope's rows in the range, of the units'
   and indicators' codes, and a sort in C (a few ms for 100,000 figures);
   holds about 40 bytes a figure meanwhile. */
int
us_pstore_figures (us_pstore_t *self, int64_t root, int first, int last,
                   us_pstore_figure_fn *fn, void *arg)
{
    if (last < first)
        return 0;
    char *scope = NULL;
    s_code_t *units = NULL, *inds = NULL;
    size_t n_units = 0, n_inds = 0, n = 0;
    uint32_t *urank = NULL, *irank = NULL;
    int64_t umax = 0, imax = 0;
    s_figure_t *figs = NULL;
    int rc = s_scope_json (self, &scope, root);
    if (rc == 0)
        rc = s_codes (self, "SELECT id, code FROM units", &units, &n_units, &urank, &umax);
    if (rc == 0)
        rc = s_codes (self, "SELECT id, code FROM indicators", &inds, &n_inds, &irank, &imax);
    if (rc == 0 && (n_units >= (1u << 21) || n_inds >= (1u << 21)))
        rc = us_error_set (US_EINVAL, "too many units or indicators for a digest");
    if (rc == 0)
        rc = s_figures_read (self, &figs, &n, scope, first, last, urank, umax, irank, imax);
    if (rc == 0 && n > 1)
        qsort (figs, n, sizeof *figs, s_by_key);
    for (size_t k = 0; rc == 0 && k < n; k++)
        rc = fn (arg, first + (int) (figs [k].key >> 42), units [figs [k].unit].code,
                 inds [figs [k].ind].code, figs [k].cleared, figs [k].value,
                 (uint64_t) figs [k].version);
    free (figs);
    free (urank);
    free (irank);
    s_codes_free (units, n_units);
    s_codes_free (inds, n_inds);
    free (scope);
    return rc;
}

/* Visits every figure of root's subtree in month as a cell change. */
int
us_pstore_month_cells (us_pstore_t *self, int64_t root, int month,
                       us_pstore_change_fn *fn, void *arg)
{
    char *scope;
    int rc = s_scope_json (self, &scope, root);
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
