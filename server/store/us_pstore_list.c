/*  us_pstore_list: what the provincial store holds, listed for people. */
#include "us_pstore_list.h"
#include "us_pstore_sql.h"
#include "us_csv.h"
#include "us_db.h"
#include "us_error.h"
#include "us_period.h"

#include <stdlib.h>
#include <string.h>

/* Calls fn for every unit valid in month at, ordered by code. */
int
us_pstore_list_units (us_pstore_t *self, const char *at, us_unit_visit_fn *fn, void *arg)
{
    int month = 0;
    if (at && us_month_parse (&month, at) != 0)
        return us_error_set (US_EINVAL, "bad month '%.20s' for --at (use YYYY-MM)", at);
    sqlite3_stmt *st = us_pstore_stmt (self,
        "SELECT u.code, u.name, u.kind, COALESCE (p.code, ''), u.valid_from, u.valid_to"
        " FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.code");
    if (!st)
        return US_EIO;
    int rc = 0, step, m;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_unit_row_t row = { us_db_text (st, 0), us_db_text (st, 1), us_db_text (st, 2),
                              us_db_text (st, 3), us_db_text (st, 4), us_db_text (st, 5) };
        /* Valid from its first month to its last, both included. */
        if (at && ((*row.valid_from && us_month_parse (&m, row.valid_from) == 0 && m > month)
               ||  (*row.valid_to && us_month_parse (&m, row.valid_to) == 0 && m < month)))
            continue;
        rc = fn (&row, arg);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (us_pstore_db (self), "units");
    sqlite3_reset (st);
    return rc;
}

/* Calls fn for every replica, by unit and id. */
int
us_pstore_list_replicas (us_pstore_t *self, us_replica_visit_fn *fn, void *arg)
{
    sqlite3_stmt *st = us_pstore_stmt (self,
        "SELECT r.id, u.code, r.name, r.curve_key, r.enrolled_at,"
        " COALESCE ((SELECT MAX (b.at) FROM batches b WHERE b.replica_id = r.id), 0),"
        " COALESCE (r.revoked_at, 0),"
        " (SELECT COUNT(*) FROM batches b WHERE b.replica_id = r.id),"
        " (SELECT COUNT(*) FROM received x WHERE x.replica_id = r.id)"
        " FROM replicas r JOIN units u ON u.id = r.unit_id ORDER BY u.code, r.id");
    if (!st)
        return US_EIO;
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_replica_row_t row = {
            sqlite3_column_int64 (st, 0), us_db_text (st, 1), us_db_text (st, 2),
            us_db_text (st, 3), sqlite3_column_int64 (st, 4), sqlite3_column_int64 (st, 5),
            sqlite3_column_int64 (st, 6), sqlite3_column_int64 (st, 7),
            sqlite3_column_int64 (st, 8) };
        rc = fn (&row, arg);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (us_pstore_db (self), "replicas");
    sqlite3_reset (st);
    return rc;
}

/* Reads the province's unit code into buf. */
int
us_pstore_province (us_pstore_t *self, char *buf, size_t size)
{
    sqlite3_stmt *st = us_pstore_stmt (self, "SELECT value FROM meta WHERE key = 'province'");
    if (!st)
        return US_EIO;
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        snprintf (buf, size, "%s", us_db_text (st, 0));
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE
           ? us_error_set (US_ECORRUPT, "the store does not name its province")
           : us_db_error (us_pstore_db (self), "meta");
    sqlite3_reset (st);
    return rc;
}

/* A unit id seen in the file, and where. */
typedef struct {
    char *code;
    int line;
} s_seen_t;

/* Orders seen ids by code. */
static int
s_seen_cmp (const void *a, const void *b)
{
    int c = strcmp (((const s_seen_t *) a)->code, ((const s_seen_t *) b)->code);
    return c ? c : ((const s_seen_t *) a)->line - ((const s_seen_t *) b)->line;
}

/* Checks a units file before it is imported. */
int
us_pstore_units_check (us_pstore_t *self, const char *path)
{
    char province [65];
    int rc = us_pstore_province (self, province, sizeof province);
    if (rc)
        return rc;
    us_csv_t *csv = us_csv_new (path);
    if (!csv)
        return US_EINVAL;
    s_seen_t *seen = NULL;
    size_t n_seen = 0, cap = 0;
    char **f;
    size_t n;
    int got;
    while (rc == 0 && (got = us_csv_next (csv, &f, &n)) == 1) {
        int line = us_csv_line (csv);
        if ((line == 1 && strcmp (f [0], "id") == 0) || n < 3)
            continue;               /* the row check names short rows */
        if (!*f [2] && strcmp (f [0], province) != 0) {
            rc = us_error_set (US_EINVAL, "%s: line %d: unit %.64s has no parent, but the root "
                               "of the tree is the province %s; give it a parent; nothing "
                               "imported", path, line,
                               f [0], province);
            break;
        }
        if (n_seen == cap) {
            cap = cap ? cap * 2 : 256;
            s_seen_t *grown = realloc (seen, cap * sizeof *seen);
            if (!grown) {
                rc = us_error_set (US_ENOMEM, "out of memory");
                break;
            }
            seen = grown;
        }
        if (!(seen [n_seen].code = strdup (f [0]))) {
            rc = us_error_set (US_ENOMEM, "out of memory");
            break;
        }
        seen [n_seen++].line = line;
    }
    if (rc == 0 && got < 0)
        rc = got;
    if (rc == 0 && n_seen > 1) {
        qsort (seen, n_seen, sizeof *seen, s_seen_cmp);
        for (size_t i = 1; rc == 0 && i < n_seen; i++)
            if (strcmp (seen [i].code, seen [i - 1].code) == 0)
                rc = us_error_set (US_EINVAL, "%s: unit %.64s is named twice, on lines %d and "
                                   "%d; keep one; nothing imported", path, seen [i].code,
                                   seen [i - 1].line, seen [i].line);
    }
    for (size_t i = 0; i < n_seen; i++)
        free (seen [i].code);
    free (seen);
    us_csv_destroy (&csv);
    return rc;
}
