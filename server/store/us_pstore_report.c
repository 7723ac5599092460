/*  us_pstore_report: what the province's reports read from its store. */
#include "us_pstore_report.h"
#include "us_pstore_sql.h"
#include "us_db.h"
#include "us_error.h"
#include "us_period.h"

#include <stdio.h>
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

/* Copies a text column into a fixed field. */
static void
s_text (char *dst, size_t size, sqlite3_stmt *st, int col)
{
    snprintf (dst, size, "%s", us_db_text (st, col));
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

/* Loads the entered cells of months first..last. */
static int
s_cells (us_pstore_t *store, us_report_data_t *data, int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT unit_id, ind_id, month, value FROM cells"
        " WHERE month BETWEEN ? AND ? AND value IS NOT NULL");
    if (!st)
        return US_EIO;
    sqlite3_bind_int (st, 1, first);
    sqlite3_bind_int (st, 2, last);
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_report_cell_row_t *c = us_report_data_add (data->cells, data->n_cells, data->cap_cells);
        if (!c) {
            rc = US_ENOMEM;
            break;
        }
        c->unit_id = sqlite3_column_int64 (st, 0);
        c->ind_id = sqlite3_column_int64 (st, 1);
        c->month = sqlite3_column_int (st, 2);
        c->value = sqlite3_column_int64 (st, 3);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (us_pstore_db (store), "cells");
    sqlite3_reset (st);
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
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_source_t source;
        if (us_source_parse (&source, us_db_text (st, 2)) != 0)
            continue;
        us_report_target_row_t *t = us_report_data_add (data->targets, data->n_targets,
                                                        data->cap_targets);
        if (!t) {
            rc = US_ENOMEM;
            break;
        }
        t->unit_id = sqlite3_column_int64 (st, 0);
        t->ind_id = sqlite3_column_int64 (st, 1);
        t->source = source;
        s_text (t->period, sizeof t->period, st, 3);
        t->first = sqlite3_column_int (st, 4);
        t->last = sqlite3_column_int (st, 5);
        t->lo = sqlite3_column_int64 (st, 6);
        t->hi = sqlite3_column_int64 (st, 7);
        t->range = sqlite3_column_int (st, 8) != 0;
        t->version = sqlite3_column_int (st, 9);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (us_pstore_db (store), "targets");
    sqlite3_reset (st);
    return rc;
}

/* Loads the submitted and approved reports that overlap months first..last. */
static int
s_submissions (us_pstore_t *store, us_report_data_t *data, int first, int last)
{
    sqlite3_stmt *st = us_pstore_stmt (store,
        "SELECT unit_id, first, last, at FROM submissions WHERE first <= ? AND last >= ?"
        " AND state IN ('submitted', 'approved')");
    if (!st)
        return US_EIO;
    sqlite3_bind_int (st, 1, last);
    sqlite3_bind_int (st, 2, first);
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_report_submission_row_t *s = us_report_data_add (data->subs, data->n_subs, data->cap_subs);
        if (!s) {
            rc = US_ENOMEM;
            break;
        }
        s->unit_id = sqlite3_column_int64 (st, 0);
        s->first = sqlite3_column_int (st, 1);
        s->last = sqlite3_column_int (st, 2);
        s->at = sqlite3_column_int64 (st, 3);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (us_pstore_db (store), "submissions");
    sqlite3_reset (st);
    return rc;
}

/* Loads everything a report of months first..last needs. */
int
us_pstore_report_load (us_pstore_t *store, us_report_data_t *data, int first, int last)
{
    int rc = s_units (store, data);
    if (rc == 0) rc = s_indicators (store, data);
    if (rc == 0) rc = s_cells (store, data, first, last);
    if (rc == 0) rc = s_targets (store, data, first, last);
    if (rc == 0) rc = s_submissions (store, data, first, last);
    if (rc)
        us_report_data_free (data);
    return rc;
}

/* Loads and computes the report of period for the subtree of unit. */
int
us_pstore_report_build (us_report_t **report_p, us_pstore_t *store, const char *period,
                        const char *unit)
{
    *report_p = NULL;
    us_period_t p;
    int rc = us_period_parse (&p, period);
    if (rc)
        return rc;
    us_report_data_t data = { 0 };
    rc = us_pstore_report_load (store, &data, p.first, p.last);
    if (rc == 0)
        rc = us_report_compute (report_p, &data, p.text, unit);
    us_report_data_free (&data);
    return rc;
}
