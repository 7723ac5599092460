/*  us_dstore_digest: the office's side of anti-entropy. */
#include "us_dstore_digest.h"
#include "us_calendar.h"
#include "us_db.h"
#include "us_error.h"
#include "us_figsort.h"
#include "us_period.h"

#include <sqlite3.h>
#include <stdlib.h>

/* Reads the rows of sql (bound to first, last and the office's unit when
   it has parameters) into the sorter. */
static int
s_read (us_dstore_t *self, us_figsort_t *sort, us_figsort_rows_t rows, const char *sql,
        int first, int last)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, us_dstore_db (self), sql);
    if (rc)
        return rc;
    if (sqlite3_bind_parameter_count (st) > 0) {
        sqlite3_bind_int (st, 1, first);
        sqlite3_bind_int (st, 2, last);
        sqlite3_bind_text (st, 3, us_dstore_unit (self), -1, SQLITE_STATIC);
    }
    rc = us_figsort_read (sort, rows, st, "cells");
    sqlite3_finalize (st);
    return rc;
}

/* Computes the digests of the office's figures in months first..last. */
int
us_dstore_digest (us_dstore_t *self, us_digest_t **digest_p, int first, int last)
{
    us_digest_t *digest = *digest_p = us_digest_new (first, last);
    if (!digest)
        return US_EINVAL;               /* the message is set */
    us_figsort_t *sort = us_figsort_new (first, last);
    if (!sort) {
        us_digest_destroy (digest_p);
        return US_ENOMEM;
    }
    int rc = s_read (self, sort, US_FIGSORT_UNITS, "SELECT id, code FROM units", 0, 0);
    if (rc == 0)
        rc = s_read (self, sort, US_FIGSORT_INDICATORS, "SELECT id, code FROM indicators", 0, 0);
    /* The office's unit and the units under it, as its store knows the
       tree: the province's scope. The history of units outside it (of an
       ended unit the office kept after it was moved) is not compared. */
    if (rc == 0)
        rc = s_read (self, sort, US_FIGSORT_SCOPE,
            "WITH RECURSIVE sub (id) AS (SELECT id FROM units WHERE code = ?3"
            "  UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)"
            " SELECT id FROM sub", first, last);
    /* The rows come in the table's order; us_figsort keeps those of the
       scope and puts them in the digest's. The window is 20 years, nearly
       all of a store: reading the table whole costs a third less than the
       month index, which would look up each row's version in the table. */
    if (rc == 0)
        rc = s_read (self, sort, US_FIGSORT_FIGURES,
            "SELECT month, unit_id, ind_id, value, version FROM cells NOT INDEXED"
            " WHERE month BETWEEN ?1 AND ?2 AND version > 0", first, last);
    if (rc == 0)
        rc = us_figsort_visit (sort, us_digest_add_to, digest);
    us_figsort_destroy (&sort);
    if (rc == 0)
        rc = us_digest_finish (digest);
    if (rc)
        us_digest_destroy (digest_p);
    return rc;
}

/* Picks the months a sync compares. */
int
us_dstore_digest_window (us_dstore_t *self, int months, int *first, int *last)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, us_dstore_db (self),
        "SELECT COALESCE (MAX (month), 0) FROM cells WHERE version > 0");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    int top = step == SQLITE_ROW ? sqlite3_column_int (st, 0) : 0;
    sqlite3_finalize (st);
    if (step != SQLITE_ROW)
        return us_db_error (us_dstore_db (self), "cells");
    /* A clock far off still gives months a report can hold. */
    int now = us_calendar_month_at (us_calendar_now_ms ());
    int lo = US_YEAR_MIN * 12, hi = US_YEAR_MAX * 12 + 11;
    now = now < lo ? lo : now > hi ? hi : now;
    *last = top > now && us_month_valid (top) ? top : now;
    *first = *last - (months > 0 ? months : 1) + 1;
    if (*first < lo)
        *first = lo;
    return 0;
}

/* Loads the months that have an edit in the outbox. */
int
us_dstore_draft_months (us_dstore_t *self, int **months_p, size_t *n)
{
    *months_p = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, us_dstore_db (self),
                            "SELECT DISTINCT month FROM outbox ORDER BY month");
    if (rc)
        return rc;
    int *months = NULL;
    size_t count = 0, cap = 0;
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            int *grown = realloc (months, cap * sizeof *grown);
            if (!grown) {
                rc = us_error_set (US_ENOMEM, "out of memory");
                break;
            }
            months = grown;
        }
        months [count++] = sqlite3_column_int (st, 0);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (us_dstore_db (self), "outbox");
    sqlite3_finalize (st);
    if (rc) {
        free (months);
        return rc;
    }
    *months_p = months;
    *n = count;
    return 0;
}
