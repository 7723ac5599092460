/*  us_dstore_report: what the office's show and submit checks read from its store. */
#include "us_dstore_report.h"
#include "us_report_rows.h"
#include "us_db.h"
#include "us_error.h"
#include "us_period.h"
#include "us_succession.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

/* Copies a text column into a fixed field. */
static void
s_text (char *dst, size_t size, sqlite3_stmt *st, int col)
{
    snprintf (dst, size, "%s", us_db_text (st, col));
}

/* Returns true when units of kind submit reports. The office keeps the
   kinds' codes only; these are the kinds the province seeds as reporting
   (unit_kinds.reports), the level between the province and grassroots. */
static bool
s_reports (const char *kind)
{
    static const char *reporting [] = { "district", "sector", "commune", "park" };
    for (size_t k = 0; k < sizeof reporting / sizeof reporting [0]; k++)
        if (strcmp (kind, reporting [k]) == 0)
            return true;
    return false;
}

/* Loads every unit. */
static int
s_units (sqlite3 *db, us_report_data_t *data)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db,
        "SELECT id, code, name, kind, COALESCE (parent_id, 0), valid_from, valid_to"
        " FROM units ORDER BY id") != 0)
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
        u->reports = s_reports (u->kind);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (db, "units");
    sqlite3_finalize (st);
    return rc;
}

/* Loads the catalog in its order. */
static int
s_indicators (sqlite3 *db, us_report_data_t *data)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db,
        "SELECT id, code, name, kind, numerator, denominator, policy, rule"
        " FROM indicators ORDER BY position, id") != 0)
        return US_EIO;
    us_catalog_t *builtin = NULL;
    us_catalog_default (&builtin);
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
        /* The wire carries the first seven columns; the rest come from
           the catalog built in, for the indicators it knows. */
        const us_indicator_t *known = builtin ? us_catalog_find (builtin, ind.code) : NULL;
        for (int k = 0; known && k < US_CATALOG_EXTRA_COLUMNS; k++)
            us_indicator_extra_set (&ind, k, us_indicator_extra (known, k));
        rc = us_report_data_add_indicator (data, &ind, sqlite3_column_int64 (st, 0));
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (db, "indicators");
    sqlite3_finalize (st);
    us_catalog_destroy (&builtin);
    return rc;
}

/* Loads the entered cells of months first..last. */
static int
s_cells (sqlite3 *db, us_report_data_t *data, int first, int last)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db,
        "SELECT unit_id, ind_id, month, value FROM cells"
        " WHERE month BETWEEN ? AND ? AND value IS NOT NULL") != 0)
        return US_EIO;
    sqlite3_bind_int (st, 1, first);
    sqlite3_bind_int (st, 2, last);
    int rc = us_report_rows_cells (data, st);
    if (rc == US_EIO)
        rc = us_db_error (db, "cells");
    sqlite3_finalize (st);
    return rc;
}

/* Loads the targets whose periods overlap months first..last. */
static int
s_targets (sqlite3 *db, us_report_data_t *data, int first, int last)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db,
        "SELECT unit_id, ind_id, source, period, first, last, lo, hi, is_range, version"
        " FROM targets WHERE first <= ? AND last >= ?") != 0)
        return US_EIO;
    sqlite3_bind_int (st, 1, last);
    sqlite3_bind_int (st, 2, first);
    int rc = us_report_rows_targets (data, st);
    if (rc == US_EIO)
        rc = us_db_error (db, "targets");
    sqlite3_finalize (st);
    return rc;
}

/* Loads the submitted and approved reports that overlap months first..last. */
static int
s_submissions (sqlite3 *db, us_report_data_t *data, int first, int last)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db,
        "SELECT unit_id, first, last, at, state = 'amended' FROM submissions"
        " WHERE first <= ? AND last >= ? AND state IN ('submitted', 'approved', 'amended')") != 0)
        return US_EIO;
    sqlite3_bind_int (st, 1, last);
    sqlite3_bind_int (st, 2, first);
    int rc = us_report_rows_submissions (data, st);
    if (rc == US_EIO)
        rc = us_db_error (db, "submissions");
    sqlite3_finalize (st);
    return rc;
}

/* Returns the index of the unit with code in data, or -1. */
static int
s_unit_index (const us_report_data_t *data, const char *code)
{
    for (size_t k = 0; k < data->n_units; k++)
        if (strcmp (data->units [k].code, code) == 0)
            return (int) k;
    return -1;
}

/* Parses an exact decimal share ("0.55") into millionths; 0 when bad. */
static int64_t
s_ppm (const char *text)
{
    int64_t whole = 0, frac = 0;
    int places = 0;
    const char *p = text;
    while (*p >= '0' && *p <= '9' && whole < 2)
        whole = whole * 10 + (*p++ - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && places < 6; p++, places++)
            frac = frac * 10 + (*p - '0');
    for (; places < 6; places++)
        frac *= 10;
    int64_t ppm = whole * US_SUCC_WHOLE + frac;
    return *p == 0 && ppm > 0 && ppm <= US_SUCC_WHOLE ? ppm : 0;
}

/* Adds the merge or split events of one ended unit, as pulled with it
   ("CODE" or "CODE=0.6,CODE=0.4"; indicator "" for every indicator, else
   the split's shares of that indicator alone); successors the office
   does not hold are left out. */
static int
s_successors (us_succession_t **events, size_t *n, size_t *cap, const us_report_data_t *data,
              const us_report_unit_row_t *u, const char *successor, const char *indicator)
{
    int month;
    if (us_month_parse (&month, u->valid_to) != 0) {
        us_error_clear ();
        return 0;
    }
    char list [1100];
    snprintf (list, sizeof list, "%s", successor);
    char *save = NULL;
    for (char *part = strtok_r (list, ",", &save); part; part = strtok_r (NULL, ",", &save)) {
        char *eq = strchr (part, '=');
        if (eq)
            *eq = 0;
        int64_t ppm = eq ? s_ppm (eq + 1) : US_SUCC_WHOLE;
        if (s_unit_index (data, part) < 0 || ppm == 0)
            continue;
        us_succession_t *e = us_report_data_add (*events, *n, *cap);
        if (!e)
            return US_ENOMEM;
        e->kind = eq ? US_SUCC_SPLIT : US_SUCC_MERGE;
        e->month = month + 1;
        e->ppm = ppm;
        snprintf (e->unit, sizeof e->unit, "%s", u->code);
        snprintf (e->other, sizeof e->other, "%s", part);
        snprintf (e->indicator, sizeof e->indicator, "%s", eq ? indicator : "");
    }
    return 0;
}

/* Adds the split events of one ended unit's own shares per indicator, as
   pulled with it ("IND:A=0.7,B=0.3;IND2:..."); a part without an
   indicator or shares is passed over. */
static int
s_own_shares (us_succession_t **events, size_t *n, size_t *cap, const us_report_data_t *data,
              const us_report_unit_row_t *u, const char *shares)
{
    char list [1100];
    snprintf (list, sizeof list, "%s", shares);
    char *save = NULL;
    int rc = 0;
    for (char *part = strtok_r (list, ";", &save); rc == 0 && part;
         part = strtok_r (NULL, ";", &save)) {
        char *colon = strchr (part, ':');
        if (!colon || colon == part || !strchr (colon, '='))
            continue;
        *colon = 0;
        rc = s_successors (events, n, cap, data, u, colon + 1, part);
    }
    return rc;
}

/* Maps the figures of ended units onto their successors as the tree
   stands in month (us_succession.h), from the successors pulled. */
static int
s_map (sqlite3 *db, us_report_data_t *data, int month)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db, "SELECT code, successor, shares FROM units"
                       " WHERE successor <> '' AND valid_to <> '' ORDER BY id") != 0)
        return US_EIO;
    us_succession_t *events = NULL;
    size_t n = 0, cap = 0;
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        int u = s_unit_index (data, us_db_text (st, 0));
        if (u >= 0)
            rc = s_successors (&events, &n, &cap, data, &data->units [u], us_db_text (st, 1), "");
        if (u >= 0 && rc == 0)
            rc = s_own_shares (&events, &n, &cap, data, &data->units [u], us_db_text (st, 2));
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (db, "units");
    sqlite3_finalize (st);
    us_mapping_t mapping = { 0 };
    if (rc == 0)
        rc = us_succession_apply (data, events, n, month, &mapping);
    us_mapping_free (&mapping);
    free (events);
    return rc;
}

/* Loads the province's schedules as pulled (none before the first pull
   that brings them: the report keeps to the default deadline). */
static int
s_schedules (sqlite3 *db, us_report_data_t *data)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db, "SELECT code, name, period, kinds, deadline FROM schedules"
                       " ORDER BY position, code") != 0)
        return US_EIO;
    int rc = us_report_rows_schedules (data, st);
    if (rc == US_EIO)
        rc = us_db_error (db, "schedules");
    sqlite3_finalize (st);
    return rc;
}

/* Loads everything a report of months first..last needs, as the tree
   stands at the end of those months. */
int
us_dstore_report_load (sqlite3 *db, us_report_data_t *data, int first, int last)
{
    int rc = s_units (db, data);
    if (rc == 0) rc = s_indicators (db, data);
    if (rc == 0) rc = s_cells (db, data, first, last);
    if (rc == 0) rc = s_targets (db, data, first, last);
    if (rc == 0) rc = s_submissions (db, data, first, last);
    if (rc == 0) rc = s_schedules (db, data);
    if (rc == 0) rc = s_map (db, data, last);
    if (rc)
        us_report_data_free (data);
    return rc;
}

/* Loads and computes the report of period for the subtree of unit. */
int
us_dstore_report_build (us_report_t **report_p, sqlite3 *db, const char *period,
                        const char *unit)
{
    *report_p = NULL;
    us_period_t p;
    int rc = us_period_parse (&p, period);
    if (rc)
        return rc;
    us_report_data_t data = { 0 };
    rc = us_dstore_report_load (db, &data, p.first, p.last);
    if (rc == 0)
        rc = us_report_compute (report_p, &data, p.text, unit);
    us_report_data_free (&data);
    return rc;
}
