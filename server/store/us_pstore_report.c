/*  us_pstore_report: what the province's reports read from its store. */
#include "us_pstore_report.h"
#include "us_report_rows.h"
#include "us_pstore_sql.h"
#include "us_db.h"
#include "us_error.h"
#include "us_period.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes the catalog columns beyond the first seven. */
int
us_pstore_report_catalog_put (us_pstore_t *store, const us_catalog_t *cat)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "UPDATE indicators SET formula = ?, parent = ?, unit = ?, phrase = ?, noun = ?"
        " WHERE code = ?");
    if (!st)
        return US_EIO;
    for (size_t i = 0; i < cat->count; i++) {
        const us_indicator_t *ind = &cat->items [i];
        for (int k = 0; k < US_CATALOG_EXTRA_COLUMNS; k++)
            sqlite3_bind_text (st, k + 1, us_indicator_extra (ind, k), -1, SQLITE_STATIC);
        sqlite3_bind_text (st, US_CATALOG_EXTRA_COLUMNS + 1, ind->code, -1, SQLITE_STATIC);
        int step = sqlite3_step (st);
        sqlite3_reset (st);
        if (step != SQLITE_DONE)
            return us_db_error (us_pstore_db (store), "indicators");
    }
    return 0;
}

/* Refuses the entry of a computed indicator's figure. */
int
us_pstore_report_entry_check (us_pstore_t *store, const char *indicator)
{
    sqlite3_stmt *st = us_pstore_stmt (store, "SELECT kind FROM indicators WHERE code = ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_text (st, 1, indicator, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    int rc = step == SQLITE_ROW ? us_catalog_entry_check (indicator, us_db_text (st, 0))
           : step == SQLITE_DONE ? 0 : us_db_error (us_pstore_db (store), "indicators");
    sqlite3_reset (st);
    return rc;
}

/* Copies a text column into a fixed field, cut as snprintf cuts it (a
   province's units are some thousands of fields: no format to parse). */
static void
s_text (char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const char *text = us_db_text (st, col);
    size_t len = strlen (text);
    if (len >= size)
        len = size - 1;
    memcpy (dst, text, len);
    dst [len] = '\0';
}

/* Loads every unit. */
static int
s_units (us_pstore_t *store, us_report_data_t *data)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT u.id, u.code, u.name, u.kind, COALESCE (u.parent_id, 0), u.valid_from,"
        " u.valid_to, COALESCE (k.reports, 0) FROM units u"
        " LEFT JOIN unit_kinds k ON k.id = u.kind_id ORDER BY u.id");
    if (!st)
        return US_EIO;
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_report_unit_row_t *u = us_report_data_add (data->units, data->n_units, data->cap_units);
        if (!u) {
            rc = US_ENOMEM;
            break;
        }
        u->id = sqlite3_column_int64 (st, 0);
        s_text (u->code, sizeof u->code, st, 1);
        s_text (u->name, sizeof u->name, st, 2);
        s_text (u->kind, sizeof u->kind, st, 3);
        u->parent_id = sqlite3_column_int64 (st, 4);
        s_text (u->valid_from, sizeof u->valid_from, st, 5);
        s_text (u->valid_to, sizeof u->valid_to, st, 6);
        u->reports = sqlite3_column_int (st, 7) != 0;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (us_pstore_db (store), "units");
    sqlite3_reset (st);
    return rc;
}

/* Loads the catalog in its order. */
static int
s_indicators (us_pstore_t *store, us_report_data_t *data)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT id, code, name, kind, numerator, denominator, policy, rule,"
        " formula, parent, unit, phrase, noun FROM indicators ORDER BY position, id");
    if (!st)
        return US_EIO;
    int step, rc = 0;
    us_indicator_t ind;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        memset (&ind, 0, sizeof ind);
        s_text (ind.code, sizeof ind.code, st, 1);
        s_text (ind.name, sizeof ind.name, st, 2);
        if (us_kind_parse (&ind.kind, us_db_text (st, 3)) != 0)
            ind.kind = US_KIND_FLOW;
        s_text (ind.numerator, sizeof ind.numerator, st, 4);
        s_text (ind.denominator, sizeof ind.denominator, st, 5);
        s_text (ind.policy, sizeof ind.policy, st, 6);
        s_text (ind.rule, sizeof ind.rule, st, 7);
        for (int k = 0; k < US_CATALOG_EXTRA_COLUMNS; k++)
            us_indicator_extra_set (&ind, k, us_db_text (st, 8 + k));
        rc = us_report_data_add_indicator (data, &ind, sqlite3_column_int64 (st, 0));
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (us_pstore_db (store), "indicators");
    sqlite3_reset (st);
    return rc;
}

/* The scan a loader is running on this thread. SQLite calls a function
   on the thread that steps its statement, so the aggregate finds it here
   instead of in an argument copied into every row (6% of the scan).
   NULL outside a loader's scan. */
static _Thread_local us_report_scan_t *s_scan;

/* Feeds one cell of the scan to the report's data: the step of the
   aggregate us_report_scan (unit_id, ind_id, month, value). A row handed
   back through the statement costs a call to step it and one per column;
   this runs inside SQLite's loop over the index, in some 30% less time on
   a province's year (235,000 figures). */
static void
s_scan_step (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void) argc;
    if (!s_scan) {
        sqlite3_result_error (ctx, "us_report_scan runs only inside a report's loader", -1);
        return;
    }
    if (sqlite3_value_type (argv [3]) == SQLITE_NULL)
        return;                 /* a cleared figure */
    if (us_report_scan_cell (s_scan, sqlite3_value_int64 (argv [0]), sqlite3_value_int64 (argv [1]),
                             sqlite3_value_int (argv [2]), sqlite3_value_int64 (argv [3])) != 0)
        sqlite3_result_error_nomem (ctx);
}

/* Ends the aggregate: the figures went to the scan. */
static void
s_scan_final (sqlite3_context *ctx)
{
    sqlite3_result_null (ctx);
}

/* Registers the report's aggregate on a connection to the store; returns
   SQLite's code. */
static int
s_attach (sqlite3 *db)
{
    return sqlite3_create_function_v2 (db, "us_report_scan", 4, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                       NULL, NULL, s_scan_step, s_scan_final, NULL);
}

/* Registers the report's aggregate on the store's connection. */
int
us_pstore_report_attach (us_pstore_t *store)
{
    return s_attach (us_pstore_db (store)) == SQLITE_OK ? 0
         : us_db_error (us_pstore_db (store), "registering the report scan");
}

static const char s_scan_sql [] =
    "SELECT us_report_scan (unit_id, ind_id, month, value) FROM cells"
    " WHERE month BETWEEN ? AND ?";

/* Feeds the cells of months first..last to scan by st, a statement of
   s_scan_sql, on the calling thread. Returns the step's SQLite code
   (SQLITE_ROW when the scan went through). */
static int
s_scan_run (sqlite3_stmt *st, us_report_scan_t *scan, int first, int last)
{
    sqlite3_bind_int (st, 1, first);
    sqlite3_bind_int (st, 2, last);
    s_scan = scan;
    int step = sqlite3_step (st);
    s_scan = NULL;
    sqlite3_reset (st);
    return step;
}

/* The later months of a report's scan, read on a second connection by a
   thread of its own while the store's connection reads the earlier ones.
   The scan is some 85% of a report's instructions, one figure at a time
   inside SQLite's loop; split in two, it takes about half the time on
   two cores. */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *st;
    us_report_scan_t *scan;     /* a fork of the report's scan */
    int first, last;
    int step;                   /* the scan's SQLite code */
    pthread_t thread;
} s_half_t;

/* The figures a report may hold (units x indicators x months) from which
   its scan splits: a second connection's opening (its schema, its own
   cold cache, about a millisecond) costs what the half of some 25,000
   figures saves, and a report holds fewer than it may. */
static size_t s_split_from = 50000;

/* Sets the figures from which a report's scan splits in two. */
size_t
us_pstore_report_split_from (size_t figures)
{
    size_t was = s_split_from;
    s_split_from = figures;
    return was;
}

/* Sets *mark to the last position of the change stream in the snapshot db
   reads. Every change a report reads (figures, targets, units, catalog,
   submissions, schedules) enters the stream, whose positions only grow:
   two snapshots with the same mark read the same report. Returns 0 or -1. */
static int
s_mark (sqlite3 *db, int64_t *mark)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2 (db, "SELECT COALESCE (MAX (seq), 0) FROM changelog", -1, &st,
                            NULL) != SQLITE_OK)
        return -1;
    int step = sqlite3_step (st);
    *mark = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : -1;
    sqlite3_finalize (st);
    return step == SQLITE_ROW ? 0 : -1;
}

/* Closes the second connection and its scan; safe on one never opened. */
static void
s_half_close (s_half_t *half)
{
    sqlite3_finalize (half->st);
    half->st = NULL;
    sqlite3_close (half->db);   /* ends its read transaction */
    half->db = NULL;
    us_report_scan_destroy (&half->scan);
}

/* Opens a second connection in a read transaction of the snapshot whose
   mark the store's connection read in its own. Returns 0, or -1 when the
   scan stays on one connection: no second one, or a write came between
   the two snapshots. Sets no error: either way the report is read. */
static int
s_half_open (s_half_t *half, sqlite3 *main_db, int64_t mark, us_report_scan_t *scan)
{
    const char *path = sqlite3_db_filename (main_db, "main");
    int64_t theirs = -1;
    if (!path || !*path
    ||  sqlite3_open_v2 (path, &half->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
    ||  sqlite3_busy_timeout (half->db, 5000) != SQLITE_OK
    ||  s_attach (half->db) != SQLITE_OK
    ||  sqlite3_exec (half->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK
    ||  s_mark (half->db, &theirs) != 0 || theirs != mark
    ||  sqlite3_prepare_v2 (half->db, s_scan_sql, -1, &half->st, NULL) != SQLITE_OK
    ||  !(half->scan = us_report_scan_fork (scan))) {
        s_half_close (half);
        return -1;
    }
    return 0;
}

/* The second connection's thread. */
static void *
s_half_run (void *arg)
{
    s_half_t *half = arg;
    half->step = s_scan_run (half->st, half->scan, half->first, half->last);
    return NULL;
}

/* Starts the later half of months first..last of scan on a second
   connection when data may hold enough figures, and sets *mid to the last
   month left to the store's connection (last when not started). The
   store's connection must be in a read transaction. Returns true when
   started. */
static bool
s_half_start (s_half_t *half, sqlite3 *db, const us_report_data_t *data,
              us_report_scan_t *scan, int first, int last, int *mid)
{
    *mid = last;
    int64_t mark;
    size_t months = (size_t) (last - first + 1);
    if (months < 2 || data->n_units * data->n_inds * months < s_split_from
    ||  s_mark (db, &mark) != 0
    ||  s_half_open (half, db, mark, scan) != 0)
        return false;
    half->first = first + (last - first + 1) / 2;
    half->last = last;
    if (pthread_create (&half->thread, NULL, s_half_run, half) != 0) {
        s_half_close (half);
        return false;
    }
    *mid = half->first - 1;
    return true;
}

/* Loads the entered cells of months first..last, folded as the tree stood
   in month tree when fold (us_report_rows.h). Over many figures the later
   half of the months is read beside, on a second connection (s_half_t), in the same
   snapshot: the store's connection reads in one transaction, and the
   second is used only when it reads the same mark. */
static int
s_cells (us_pstore_t *store, us_report_data_t *data, int first, int last, bool fold, int tree)
{
    sqlite3 *db = us_pstore_db (store);
    sqlite3_stmt *st = us_pstore_stmt (store, s_scan_sql);
    if (!st)
        return US_EIO;
    us_report_scan_t *scan = us_report_scan_new (data, fold, tree);
    if (!scan)
        return US_ENOMEM;
    bool began = sqlite3_get_autocommit (db)
              && sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    s_half_t half = { 0 };
    int mid = last;
    bool split = !sqlite3_get_autocommit (db)
              && s_half_start (&half, db, data, scan, first, last, &mid);
    int step = s_scan_run (st, scan, first, mid);
    if (split) {
        pthread_join (half.thread, NULL);
        /* The second connection's failure is not the report's: its
           months are read again here. */
        if (step == SQLITE_ROW && half.step != SQLITE_ROW)
            step = s_scan_run (st, scan, half.first, half.last);
        else
        if (step == SQLITE_ROW && us_report_scan_merge (scan, half.scan) != 0)
            step = SQLITE_NOMEM;
        s_half_close (&half);
    }
    int rc = step == SQLITE_ROW ? 0
           : step == SQLITE_NOMEM ? us_error_set (US_ENOMEM, "out of memory")
           : us_db_error (db, "cells");
    if (began)
        sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    if (rc == 0)
        rc = us_report_scan_finish (scan);
    us_report_scan_destroy (&scan);
    return rc;
}

/* Loads the targets whose periods overlap months first..last. */
static int
s_targets (us_pstore_t *store, us_report_data_t *data, int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT unit_id, ind_id, source, period, first, last, lo, hi, is_range, version"
        " FROM targets WHERE first <= ? AND last >= ?");
    if (!st)
        return US_EIO;
    sqlite3_bind_int (st, 1, last);
    sqlite3_bind_int (st, 2, first);
    int rc = us_report_rows_targets (data, st);
    if (rc == US_EIO)
        rc = us_db_error (us_pstore_db (store), "targets");
    sqlite3_reset (st);
    return rc;
}

/* Loads the submitted, approved and amended reports that overlap months
   first..last. */
static int
s_submissions (us_pstore_t *store, us_report_data_t *data, int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT unit_id, first, last, at, state = 'amended' FROM submissions"
        " WHERE first <= ? AND last >= ?"
        " AND (state IN ('submitted', 'amended') OR (state = 'approved' AND reported))");
    if (!st)
        return US_EIO;
    sqlite3_bind_int (st, 1, last);
    sqlite3_bind_int (st, 2, first);
    int rc = us_report_rows_submissions (data, st);
    if (rc == US_EIO)
        rc = us_db_error (us_pstore_db (store), "submissions");
    sqlite3_reset (st);
    return rc;
}

/* Loads the province's reporting schedules. */
static int
s_schedules (us_pstore_t *store, us_report_data_t *data)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT code, name, period, kinds, deadline FROM schedules ORDER BY position, code");
    if (!st)
        return US_EIO;
    int rc = us_report_rows_schedules (data, st);
    if (rc == US_EIO)
        rc = us_db_error (us_pstore_db (store), "schedules");
    sqlite3_reset (st);
    return rc;
}

/* Loads everything a report of months first..last needs, its cells
   folded as the tree stood in month tree when fold. */
static int
us_pstore_report_load_raw (us_pstore_t *store, us_report_data_t *data, int first, int last,
                           bool fold, int tree)
{
    int rc = s_units (store, data);
    if (rc == 0) rc = s_indicators (store, data);
    if (rc == 0) rc = s_cells (store, data, first, last, fold, tree);
    if (rc == 0) rc = s_targets (store, data, first, last);
    if (rc == 0) rc = s_submissions (store, data, first, last);
    if (rc == 0) rc = s_schedules (store, data);
    if (rc)
        us_report_data_free (data);
    return rc;
}

/* Reads the unit events into a new array *events_p of *n_p (the caller
   frees it). */
static int
s_events (us_pstore_t *store, us_succession_t **events_p, size_t *n_p)
{
    *events_p = NULL;
    *n_p = 0;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (store, &st,
        "SELECT e.kind, e.month, u.code, COALESCE (o.code, ''), e.share_ppm, e.indicator,"
        " e.before FROM unit_events e JOIN units u ON u.id = e.unit_id"
        " LEFT JOIN units o ON o.id = e.other_id ORDER BY e.id", "reading unit events");
    if (rc)
        return rc;
    size_t cap = 0;
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_succession_t *e = us_report_data_add (*events_p, *n_p, cap);
        if (!e) {
            rc = US_ENOMEM;
            break;
        }
        rc = us_succ_kind_parse (&e->kind, us_db_text (st, 0));
        e->month = sqlite3_column_int (st, 1);
        snprintf (e->unit, sizeof e->unit, "%s", us_db_text (st, 2));
        snprintf (e->other, sizeof e->other, "%s", us_db_text (st, 3));
        e->ppm = sqlite3_column_int64 (st, 4);
        snprintf (e->indicator, sizeof e->indicator, "%s", us_db_text (st, 5));
        snprintf (e->before, sizeof e->before, "%s", us_db_text (st, 6));
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (store, "reading unit events");
    sqlite3_reset (st);
    if (rc) {
        free (*events_p);
        *events_p = NULL;
        *n_p = 0;
    }
    return rc;
}

/* Loads a report's data as the tree stood in month tree, folded or not. */
static int
s_load (us_pstore_t *store, us_report_data_t *data, int first, int last, int tree,
        us_mapping_t *mapping, bool fold)
{
    us_mapping_t none = { 0 };
    us_succession_t *events = NULL;
    size_t n_events = 0;
    int rc = us_pstore_report_load_raw (store, data, first, last, fold, tree);
    if (rc == 0)
        rc = s_events (store, &events, &n_events);
    if (rc == 0)
        rc = us_succession_apply (data, events, n_events, tree, mapping ? mapping : &none);
    free (events);
    us_mapping_free (&none);
    if (rc)
        us_report_data_free (data);
    return rc;
}

/* Loads a report's data as the tree stood in month tree. */
int
us_pstore_report_load_at (us_pstore_t *store, us_report_data_t *data, int first, int last,
                          int tree, us_mapping_t *mapping)
{
    return s_load (store, data, first, last, tree, mapping, false);
}

/* Loads the data of one report of exactly months first..last. */
int
us_pstore_report_load_one (us_pstore_t *store, us_report_data_t *data, int first, int last,
                           int tree, us_mapping_t *mapping)
{
    return s_load (store, data, first, last, tree, mapping, true);
}

/* Loads a report's data as the tree stood at the end of the months. */
int
us_pstore_report_load (us_pstore_t *store, us_report_data_t *data, int first, int last)
{
    return us_pstore_report_load_at (store, data, first, last, last, NULL);
}

/* Loads and computes the report of period for the subtree of unit. */
int
us_pstore_report_build_at (us_report_t **report_p, us_pstore_t *store, const char *period,
                           const char *unit, int tree, us_mapping_t *mapping)
{
    *report_p = NULL;
    us_period_t p;
    int rc = us_period_parse (&p, period);
    if (rc)
        return rc;
    us_report_data_t data = { 0 };
    rc = us_pstore_report_load_one (store, &data, p.first, p.last, tree ? tree : p.last,
                                    mapping);
    if (rc == 0)
        rc = us_report_compute (report_p, &data, p.text, unit);
    us_report_data_free (&data);
    return rc;
}

/* Loads and computes the report of period as the tree stood at its end. */
int
us_pstore_report_build (us_report_t **report_p, us_pstore_t *store, const char *period,
                        const char *unit)
{
    return us_pstore_report_build_at (report_p, store, period, unit, 0, NULL);
}
