/*  us_report: consolidation of figures over a unit tree, and its output. */
#include "us_report.h"
#include "us_catalog.h"
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_period.h"
#include "us_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *s_schema =
    "CREATE TABLE units ("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  parent_id INTEGER REFERENCES units (id), kind TEXT NOT NULL,"
    "  valid_from TEXT NOT NULL DEFAULT '', valid_to TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE indicators ("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  kind TEXT NOT NULL, numerator TEXT NOT NULL DEFAULT '',"
    "  denominator TEXT NOT NULL DEFAULT '', policy TEXT NOT NULL DEFAULT 'lww',"
    "  rule TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE cells ("
    "  id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units (id),"
    "  ind_id INTEGER NOT NULL REFERENCES indicators (id), month INTEGER NOT NULL,"
    "  value INTEGER, version INTEGER NOT NULL DEFAULT 0,"
    "  hlc INTEGER NOT NULL DEFAULT 0, replica TEXT NOT NULL DEFAULT '',"
    "  author TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',"
    "  corrected INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (unit_id, ind_id, month));"
    "CREATE INDEX cells_month ON cells (month, unit_id, ind_id, value);"
    "CREATE TABLE targets ("
    "  id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units (id),"
    "  ind_id INTEGER NOT NULL REFERENCES indicators (id), period TEXT NOT NULL,"
    "  first INTEGER NOT NULL, last INTEGER NOT NULL, source TEXT NOT NULL,"
    "  lo INTEGER NOT NULL, hi INTEGER NOT NULL, is_range INTEGER NOT NULL DEFAULT 0,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  UNIQUE (unit_id, ind_id, period, source));"
    "CREATE TABLE submissions ("
    "  id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES units (id),"
    "  period TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,"
    "  state TEXT NOT NULL, at INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (unit_id, period));";

/* Returns the SQL that creates the shared report tables. */
const char *
us_report_schema (void)
{
    return s_schema;
}

static const char *s_source_names [US_SOURCE_COUNT] = { "tld", "province", "committed" };

typedef struct {
    int64_t id;
    char code [65];
    char name [257];
    char kind [16];
    int parent;             /* index in the report, -1 for the root */
    int depth;
    int64_t parent_id;
    char parent_code [65];  /* "" for the top of the tree */
} s_unit_t;

typedef struct {
    bool set;
    bool range;
    int64_t lo, hi;
    int months;             /* length of the target's period, to pick the closest */
    int version;            /* the target's version: 1, then +1 at each change */
    char period [US_PERIOD_TEXT];
} s_target_t;

struct _us_report_t {
    us_period_t period;
    s_unit_t *units;        /* the subtree, depth first; units [0] is the root */
    size_t n_units;
    us_indicator_t *inds;
    int64_t *ind_ids;
    size_t n_inds;
    int64_t *total;         /* [unit * n_inds + ind] */
    int *latest;            /* latest month of a stock value */
    bool *has;
    double *ratio;
    s_target_t *targets;    /* [(unit * n_inds + ind) * US_SOURCE_COUNT + source] */
    int expected, submitted, on_time, late;
    int *missing;           /* unit indexes */
    int n_missing;
};

/* Parses a format name. */
int
us_format_parse (us_format_t *format, const char *text)
{
    if (strcmp (text, "text") == 0)      *format = US_FORMAT_TEXT;
    else if (strcmp (text, "csv") == 0)  *format = US_FORMAT_CSV;
    else if (strcmp (text, "json") == 0) *format = US_FORMAT_JSON;
    else return us_error_set (US_EINVAL, "unknown format '%.20s' (text, csv or json)", text);
    return 0;
}

/* Parses a target source name. */
int
us_source_parse (us_source_t *source, const char *text)
{
    for (int i = 0; i < US_SOURCE_COUNT; i++)
        if (strcmp (text, s_source_names [i]) == 0) {
            *source = (us_source_t) i;
            return 0;
        }
    return us_error_set (US_EINVAL, "unknown target source '%.20s' (tld, province or committed)", text);
}

/* Returns the name of a target source. */
const char *
us_source_name (us_source_t source)
{
    return (unsigned) source < US_SOURCE_COUNT ? s_source_names [source] : "?";
}

/* Returns true when a unit's validity (YYYY-MM or "") overlaps the period. */
static bool
s_valid_in (const char *from, const char *to, const us_period_t *p)
{
    int m;
    if (*from && us_month_parse (&m, from) == 0 && m > p->last)
        return false;
    if (*to && us_month_parse (&m, to) == 0 && m < p->first)
        return false;
    return true;
}

/* Loads every unit valid in the period into *all_p. */
static int
s_load_units (s_unit_t **all_p, size_t *n_p, sqlite3 *db, const us_period_t *p)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db,
        "SELECT id, code, name, kind, COALESCE (parent_id, 0), valid_from, valid_to"
        " FROM units ORDER BY id");
    if (rc)
        return rc;
    s_unit_t *all = NULL;
    size_t n = 0, cap = 0;
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        if (!s_valid_in (us_db_text (st, 5), us_db_text (st, 6), p))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            s_unit_t *a = realloc (all, cap * sizeof *a);
            if (!a) {
                rc = us_error_set (US_ENOMEM, "out of memory");
                break;
            }
            all = a;
        }
        s_unit_t *u = &all [n++];
        memset (u, 0, sizeof *u);
        u->id = sqlite3_column_int64 (st, 0);
        snprintf (u->code, sizeof u->code, "%s", us_db_text (st, 1));
        snprintf (u->name, sizeof u->name, "%s", us_db_text (st, 2));
        snprintf (u->kind, sizeof u->kind, "%s", us_db_text (st, 3));
        u->parent_id = sqlite3_column_int64 (st, 4);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (db, "units");
    sqlite3_finalize (st);
    if (rc) {
        free (all);
        return rc;
    }
    *all_p = all;
    *n_p = n;
    return 0;
}

/* Links of the unit tree, by index into the array of all units. */
typedef struct {
    int *first_child;
    int *next_sibling;
} s_tree_t;

/* Appends unit index i of all and its descendants, depth first. */
static void
s_walk (us_report_t *r, const s_unit_t *all, const s_tree_t *tree, int i, int parent,
        int depth, size_t room)
{
    /* Imports refuse cycles; the guard keeps a damaged tree from
       overrunning the array. */
    if (depth > 32 || r->n_units >= room)
        return;
    size_t me = r->n_units++;
    r->units [me] = all [i];
    r->units [me].parent = parent;
    r->units [me].depth = depth;
    for (int j = tree->first_child [i]; j >= 0; j = tree->next_sibling [j])
        s_walk (r, all, tree, j, (int) me, depth + 1, room);
}

/* Picks the subtree of unit (or the root) from every unit. */
static int
s_subtree (us_report_t *r, s_unit_t *all, size_t n, const char *unit)
{
    int root = -1;
    int64_t max = 0;
    for (size_t i = 0; i < n; i++) {
        if (root < 0 && (unit ? strcmp (all [i].code, unit) == 0 : all [i].parent_id == 0))
            root = (int) i;
        if (all [i].id > max)
            max = all [i].id;
    }
    if (root < 0)
        return unit ? us_error_set (US_ENOTFOUND, "unknown unit '%.64s'", unit)
                    : us_error_set (US_ENOTFOUND, "no units in the store");
    int *index = malloc ((size_t) (max + 1) * sizeof *index);
    s_tree_t tree = { malloc ((n + 1) * sizeof (int)), malloc ((n + 1) * sizeof (int)) };
    r->units = calloc (n, sizeof *r->units);
    int rc = 0;
    if (!index || !tree.first_child || !tree.next_sibling || !r->units)
        rc = us_error_set (US_ENOMEM, "out of memory");
    else {
        for (int64_t k = 0; k <= max; k++)
            index [k] = -1;
        for (size_t i = 0; i < n; i++) {
            index [all [i].id] = (int) i;
            tree.first_child [i] = tree.next_sibling [i] = -1;
        }
        /* Walk backwards so each child list keeps the units' order. */
        for (size_t i = n; i-- > 0;) {
            int64_t pid = all [i].parent_id;
            int p = pid > 0 && pid <= max ? index [pid] : -1;
            if (p < 0 || p == (int) i)
                continue;
            memcpy (all [i].parent_code, all [p].code, sizeof all [i].parent_code);
            tree.next_sibling [i] = tree.first_child [p];
            tree.first_child [p] = (int) i;
        }
        s_walk (r, all, &tree, root, -1, 0, n);
    }
    free (index);
    free (tree.first_child);
    free (tree.next_sibling);
    return rc;
}

/* Loads the indicators in catalog order. */
static int
s_load_indicators (us_report_t *r, sqlite3 *db)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db, "SELECT COUNT(*) FROM indicators");
    if (rc)
        return rc;
    size_t n = sqlite3_step (st) == SQLITE_ROW ? (size_t) sqlite3_column_int64 (st, 0) : 0;
    sqlite3_finalize (st);
    r->inds = calloc (n + 1, sizeof *r->inds);
    r->ind_ids = calloc (n + 1, sizeof *r->ind_ids);
    if (!r->inds || !r->ind_ids)
        return us_error_set (US_ENOMEM, "out of memory");
    rc = us_db_prepare (&st, db,
        "SELECT id, code, name, kind, numerator, denominator, policy, rule"
        " FROM indicators ORDER BY position, id");
    if (rc)
        return rc;
    while (r->n_inds < n && sqlite3_step (st) == SQLITE_ROW) {
        us_indicator_t *ind = &r->inds [r->n_inds];
        r->ind_ids [r->n_inds] = sqlite3_column_int64 (st, 0);
        snprintf (ind->code, sizeof ind->code, "%s", us_db_text (st, 1));
        snprintf (ind->name, sizeof ind->name, "%s", us_db_text (st, 2));
        if (us_kind_parse (&ind->kind, us_db_text (st, 3)) != 0)
            ind->kind = US_KIND_FLOW;
        snprintf (ind->numerator, sizeof ind->numerator, "%s", us_db_text (st, 4));
        snprintf (ind->denominator, sizeof ind->denominator, "%s", us_db_text (st, 5));
        snprintf (ind->policy, sizeof ind->policy, "%s", us_db_text (st, 6));
        snprintf (ind->rule, sizeof ind->rule, "%s", us_db_text (st, 7));
        r->n_inds++;
    }
    sqlite3_finalize (st);
    return 0;
}

/* Returns the report index of a unit id, or -1 (binary search is not
   possible: the walk reorders; a map from id keeps this linear-time). */
static int
s_unit_index (const int *map, int64_t map_len, int64_t id)
{
    return id > 0 && id < map_len ? map [id] : -1;
}

/* Returns the report index of an indicator id, or -1. */
static int
s_ind_index (const us_report_t *r, int64_t id)
{
    for (size_t i = 0; i < r->n_inds; i++)
        if (r->ind_ids [i] == id)
            return (int) i;
    return -1;
}

/* Builds a map from unit id to report index. */
static int *
s_unit_map (const us_report_t *r, int64_t *len_p)
{
    int64_t max = 0;
    for (size_t i = 0; i < r->n_units; i++)
        if (r->units [i].id > max)
            max = r->units [i].id;
    int *map = malloc ((size_t) (max + 1) * sizeof *map);
    if (!map)
        return NULL;
    for (int64_t i = 0; i <= max; i++)
        map [i] = -1;
    for (size_t i = 0; i < r->n_units; i++)
        map [r->units [i].id] = (int) i;
    *len_p = max + 1;
    return map;
}

/* Adds two figures, saturating instead of overflowing: cells are bounded
   by US_VALUE_MAX, but a store may hold what an older version let in. */
static int64_t
s_add (int64_t a, int64_t b)
{
    int64_t sum;
    if (__builtin_add_overflow (a, b, &sum))
        return a > 0 ? INT64_MAX : INT64_MIN;
    return sum;
}

/* Adds every entered cell of the period to its unit's own figures. */
static int
s_load_cells (us_report_t *r, sqlite3 *db, const int *map, int64_t map_len)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db,
        "SELECT unit_id, ind_id, month, value FROM cells"
        " WHERE month BETWEEN ? AND ? AND value IS NOT NULL");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, r->period.first);
    sqlite3_bind_int (st, 2, r->period.last);
    int step;
    int64_t last_ind_id = -1;
    int ii = -1;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        int u = s_unit_index (map, map_len, sqlite3_column_int64 (st, 0));
        int64_t ind_id = sqlite3_column_int64 (st, 1);
        if (ind_id != last_ind_id) {
            ii = s_ind_index (r, ind_id);
            last_ind_id = ind_id;
        }
        if (u < 0 || ii < 0 || r->inds [ii].kind == US_KIND_RATIO)
            continue;
        size_t k = (size_t) u * r->n_inds + (size_t) ii;
        int month = sqlite3_column_int (st, 2);
        int64_t v = sqlite3_column_int64 (st, 3);
        if (r->inds [ii].kind == US_KIND_FLOW)
            r->total [k] = s_add (r->total [k], v);
        else
        if (!r->has [k] || month > r->latest [k]) {
            r->total [k] = v;
            r->latest [k] = month;
        }
        r->has [k] = true;
    }
    rc = step == SQLITE_DONE ? 0 : us_db_error (db, "cells");
    sqlite3_finalize (st);
    return rc;
}

/* Adds children's figures into their parents, then computes ratios. */
static void
s_consolidate (us_report_t *r)
{
    /* Depth-first order puts every child after its parent, so walking
       backwards finishes a child before adding it to the parent. */
    for (size_t u = r->n_units; u-- > 1;) {
        int p = r->units [u].parent;
        for (size_t i = 0; i < r->n_inds; i++) {
            size_t c = u * r->n_inds + i, k = (size_t) p * r->n_inds + i;
            if (r->has [c]) {
                r->total [k] = s_add (r->total [k], r->total [c]);
                r->has [k] = true;
            }
        }
    }
    for (size_t i = 0; i < r->n_inds; i++) {
        const us_indicator_t *ind = &r->inds [i];
        if (ind->kind != US_KIND_RATIO)
            continue;
        int a = -1, b = -1;
        for (size_t j = 0; j < r->n_inds; j++) {
            if (strcmp (r->inds [j].code, ind->numerator) == 0)   a = (int) j;
            if (strcmp (r->inds [j].code, ind->denominator) == 0) b = (int) j;
        }
        for (size_t u = 0; u < r->n_units && a >= 0 && b >= 0; u++) {
            size_t ka = u * r->n_inds + (size_t) a, kb = u * r->n_inds + (size_t) b;
            size_t k = u * r->n_inds + i;
            if (r->has [ka] && r->has [kb] && r->total [kb] > 0) {
                r->ratio [k] = (double) r->total [ka] * 100.0 / (double) r->total [kb];
                r->has [k] = true;
            }
        }
    }
}

/* Loads the target that applies to the period for each unit and indicator. */
static int
s_load_targets (us_report_t *r, sqlite3 *db, const int *map, int64_t map_len)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db,
        "SELECT unit_id, ind_id, source, period, first, last, lo, hi, is_range, version"
        " FROM targets WHERE first <= ? AND last >= ?");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, r->period.first);
    sqlite3_bind_int (st, 2, r->period.last);
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        int u = s_unit_index (map, map_len, sqlite3_column_int64 (st, 0));
        int i = s_ind_index (r, sqlite3_column_int64 (st, 1));
        us_source_t src = US_SOURCE_TLD;
        if (u < 0 || i < 0 || us_source_parse (&src, us_db_text (st, 2)) != 0)
            continue;
        int months = sqlite3_column_int (st, 5) - sqlite3_column_int (st, 4) + 1;
        s_target_t *t = &r->targets [((size_t) u * r->n_inds + (size_t) i) * US_SOURCE_COUNT + src];
        if (t->set && t->months <= months)
            continue;           /* a closer period's target already applies */
        t->set = true;
        t->months = months;
        t->version = sqlite3_column_int (st, 9);
        snprintf (t->period, sizeof t->period, "%s", us_db_text (st, 3));
        t->lo = sqlite3_column_int64 (st, 6);
        t->hi = sqlite3_column_int64 (st, 7);
        t->range = sqlite3_column_int (st, 8) != 0;
    }
    rc = step == SQLITE_DONE ? 0 : us_db_error (db, "targets");
    sqlite3_finalize (st);
    return rc;
}

/* Returns true when a unit of this kind is expected to submit reports. */
static bool
s_reporting_kind (const char *kind)
{
    return strcmp (kind, "district") == 0 || strcmp (kind, "sector") == 0;
}

/* Returns the deadline of a period's report: the 20th of the next month,
   end of day, UTC, in milliseconds. */
int64_t
us_report_deadline_ms (const us_period_t *period)
{
    int next = period->last + 1;
    struct tm tm = { 0 };
    tm.tm_year = us_month_year (next) - 1900;
    tm.tm_mon = next % 12;
    tm.tm_mday = 20;
    tm.tm_hour = 23;
    tm.tm_min = 59;
    tm.tm_sec = 59;
    return (int64_t) timegm (&tm) * 1000;
}

/* Counts expected and submitted reports for the period. */
static int
s_load_completeness (us_report_t *r, sqlite3 *db, const int *map, int64_t map_len)
{
    bool *done = calloc (r->n_units + 1, sizeof *done);
    r->missing = calloc (r->n_units + 1, sizeof *r->missing);
    if (!done || !r->missing) {
        free (done);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    bool *late = calloc (r->n_units + 1, sizeof *late);
    if (!late) {
        free (done);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db,
        "SELECT unit_id, at FROM submissions WHERE first <= ? AND last >= ?"
        " AND state IN ('submitted', 'approved')");
    if (rc) {
        free (done);
        free (late);
        return rc;
    }
    sqlite3_bind_int (st, 1, r->period.first);
    sqlite3_bind_int (st, 2, r->period.last);
    int64_t deadline = us_report_deadline_ms (&r->period);
    while (sqlite3_step (st) == SQLITE_ROW) {
        int u = s_unit_index (map, map_len, sqlite3_column_int64 (st, 0));
        if (u >= 0) {
            done [u] = true;
            late [u] = us_hlc_ms ((uint64_t) sqlite3_column_int64 (st, 1)) > deadline;
        }
    }
    sqlite3_finalize (st);
    for (size_t u = 0; u < r->n_units; u++) {
        if (!s_reporting_kind (r->units [u].kind))
            continue;
        r->expected++;
        if (done [u]) {
            r->submitted++;
            if (late [u])
                r->late++;
            else
                r->on_time++;
        }
        else
            r->missing [r->n_missing++] = (int) u;
    }
    free (done);
    free (late);
    return 0;
}

/* Builds the report of period for the subtree of unit. */
int
us_report_build (us_report_t **report_p, sqlite3 *db, const char *period,
                 const char *unit)
{
    *report_p = NULL;
    us_report_t *r = calloc (1, sizeof *r);
    if (!r)
        return us_error_set (US_ENOMEM, "out of memory");
    s_unit_t *all = NULL;
    size_t n_all = 0;
    int *map = NULL;
    int64_t map_len = 0;
    int rc = us_period_parse (&r->period, period);
    if (rc == 0)
        rc = s_load_units (&all, &n_all, db, &r->period);
    if (rc == 0)
        rc = s_subtree (r, all, n_all, unit);
    if (rc == 0)
        rc = s_load_indicators (r, db);
    if (rc == 0) {
        size_t cells = r->n_units * r->n_inds + 1;
        r->total = calloc (cells, sizeof *r->total);
        r->latest = calloc (cells, sizeof *r->latest);
        r->has = calloc (cells, sizeof *r->has);
        r->ratio = calloc (cells, sizeof *r->ratio);
        r->targets = calloc (cells * US_SOURCE_COUNT, sizeof *r->targets);
        map = s_unit_map (r, &map_len);
        if (!r->total || !r->latest || !r->has || !r->ratio || !r->targets || !map)
            rc = us_error_set (US_ENOMEM, "out of memory");
    }
    if (rc == 0)
        rc = s_load_cells (r, db, map, map_len);
    if (rc == 0) {
        s_consolidate (r);
        rc = s_load_targets (r, db, map, map_len);
    }
    if (rc == 0)
        rc = s_load_completeness (r, db, map, map_len);
    free (all);
    free (map);
    if (rc) {
        us_report_destroy (&r);
        return rc;
    }
    *report_p = r;
    return 0;
}

/* Returns the figure of unit u, indicator i; false when there is none. */
static bool
s_value (double *v, const us_report_t *r, size_t u, size_t i)
{
    size_t k = u * r->n_inds + i;
    if (!r->has [k])
        return false;
    *v = r->inds [i].kind == US_KIND_RATIO ? r->ratio [k] : (double) r->total [k];
    return true;
}

/* Returns the target of (u, i, source), or NULL. */
static const s_target_t *
s_target (const us_report_t *r, size_t u, size_t i, int source)
{
    const s_target_t *t = &r->targets [(u * r->n_inds + i) * US_SOURCE_COUNT + (size_t) source];
    return t->set ? t : NULL;
}

/* Computes the achievement of (u, i) against a source, one decimal. */
static bool
s_achievement (double *pct, const us_report_t *r, size_t u, size_t i, int source)
{
    const s_target_t *t = s_target (r, u, i, source);
    double v;
    if (!t || t->lo <= 0 || !s_value (&v, r, u, i))
        return false;
    *pct = round (v * 1000.0 / (double) t->lo) / 10.0;
    return true;
}

/* Finds the report index of a unit and an indicator by code. */
static bool
s_find (size_t *u, size_t *i, const us_report_t *r, const char *unit, const char *ind)
{
    for (*u = 0; *u < r->n_units; (*u)++)
        if (strcmp (r->units [*u].code, unit) == 0)
            break;
    for (*i = 0; *i < r->n_inds; (*i)++)
        if (strcmp (r->inds [*i].code, ind) == 0)
            break;
    return *u < r->n_units && *i < r->n_inds;
}

/* Looks up a consolidated figure. */
bool
us_report_value (double *value, const us_report_t *report, const char *unit,
                 const char *indicator)
{
    size_t u, i;
    return s_find (&u, &i, report, unit, indicator) && s_value (value, report, u, i);
}

/* Looks up an achievement percentage against a source's target. */
bool
us_report_achievement (double *pct, const us_report_t *report, const char *unit,
                       const char *indicator, us_source_t source)
{
    size_t u, i;
    return s_find (&u, &i, report, unit, indicator)
        && s_achievement (pct, report, u, i, (int) source);
}

/* Context of a rule lookup: a report and one of its units. */
typedef struct {
    const us_report_t *r;
    size_t u;
} s_rule_ctx_t;

/* Looks up a figure of the context's unit for us_rule_check. */
static bool
s_rule_lookup (double *value, void *ctx, const char *code)
{
    const s_rule_ctx_t *c = ctx;
    for (size_t i = 0; i < c->r->n_inds; i++)
        if (strcmp (c->r->inds [i].code, code) == 0)
            return s_value (value, c->r, c->u, i);
    return false;
}

/* Checks every indicator rule on the figures of unit. */
int
us_report_check_rules (char *msg, size_t size, const us_report_t *report, const char *unit)
{
    s_rule_ctx_t ctx = { report, 0 };
    while (ctx.u < report->n_units && strcmp (report->units [ctx.u].code, unit) != 0)
        ctx.u++;
    if (ctx.u == report->n_units)
        return 0;
    for (size_t i = 0; i < report->n_inds; i++)
        if (us_rule_check (msg, size, &report->inds [i], s_rule_lookup, &ctx) != 0)
            return US_EINVAL;
    return 0;
}

/* Returns the report's period. */
const us_period_t *
us_report_period (const us_report_t *report)
{
    return &report->period;
}

/* Returns the number of units in the report (the subtree, depth first). */
size_t
us_report_units (const us_report_t *report)
{
    return report->n_units;
}

/* Describes unit u (0 is the root of the subtree). */
void
us_report_unit (us_report_unit_t *info, const us_report_t *report, size_t u)
{
    const s_unit_t *x = &report->units [u];
    info->code = x->code;
    info->name = x->name;
    info->parent = x->parent_code;
    info->kind = x->kind;
    info->depth = x->depth;
    info->parent_index = x->parent;
}

/* Returns the number of indicators in the report. */
size_t
us_report_indicators (const us_report_t *report)
{
    return report->n_inds;
}

/* Returns indicator i; owned by the report. */
const us_indicator_t *
us_report_indicator (const us_report_t *report, size_t i)
{
    return &report->inds [i];
}

/* Returns the report index of an indicator code, or -1. */
int
us_report_find_indicator (const us_report_t *report, const char *code)
{
    for (size_t i = 0; i < report->n_inds; i++)
        if (strcmp (report->inds [i].code, code) == 0)
            return (int) i;
    return -1;
}

/* Returns the figure of unit u, indicator i; false when there is none. */
bool
us_report_cell (double *value, const us_report_t *report, size_t u, size_t i)
{
    return s_value (value, report, u, i);
}

/* Returns the target of unit u, indicator i from a source; false when none. */
bool
us_report_target (us_report_target_t *target, const us_report_t *report, size_t u,
                  size_t i, us_source_t source)
{
    const s_target_t *t = s_target (report, u, i, (int) source);
    if (!t)
        return false;
    target->lo = t->lo;
    target->hi = t->hi;
    target->range = t->range;
    target->period = t->period;
    target->version = t->version;
    return true;
}

/* Returns the achievement (one decimal) of unit u, indicator i. */
bool
us_report_pct (double *pct, const us_report_t *report, size_t u, size_t i, us_source_t source)
{
    return s_achievement (pct, report, u, i, (int) source);
}

/* Returns the indexes of the units that have not submitted; owned by the report. */
const int *
us_report_missing (int *count, const us_report_t *report)
{
    *count = report->n_missing;
    return report->missing;
}

/* Returns the on-time and late submission counts. */
void
us_report_timeliness (int *on_time, int *late, const us_report_t *report)
{
    *on_time = report->on_time;
    *late = report->late;
}

/* Returns the completeness counts. */
void
us_report_completeness (int *expected, int *submitted, const us_report_t *report)
{
    *expected = report->expected;
    *submitted = report->submitted;
}

/*  ----------------------------------------------------------------------
    Output
    ---------------------------------------------------------------------- */

/* Formats a figure: integers with thousands commas, ratios with one decimal. */
static void
s_fmt (char *buf, size_t size, const us_report_t *r, size_t i, double v)
{
    if (r->inds [i].kind == US_KIND_RATIO) {
        snprintf (buf, size, "%.1f%%", v);
        return;
    }
    char digits [32], out [48];
    int64_t n = (int64_t) v;
    snprintf (digits, sizeof digits, "%" PRId64, n < 0 ? -n : n);
    size_t len = strlen (digits), o = 0;
    if (n < 0)
        out [o++] = '-';
    for (size_t k = 0; k < len; k++) {
        if (k > 0 && (len - k) % 3 == 0)
            out [o++] = ',';
        out [o++] = digits [k];
    }
    out [o] = 0;
    snprintf (buf, size, "%s", out);
}

/* Returns true when indicator i has a figure or a target anywhere. */
static bool
s_ind_used (const us_report_t *r, size_t i)
{
    for (size_t u = 0; u < r->n_units; u++) {
        if (r->has [u * r->n_inds + i])
            return true;
        for (int s = 0; s < US_SOURCE_COUNT; s++)
            if (s_target (r, u, i, s))
                return true;
    }
    return false;
}

/* Prints the completeness line. */
static void
s_print_completeness (const us_report_t *r, FILE *out)
{
    fprintf (out, "Reported: %d of %d units (%d on time, %d late)", r->submitted,
             r->expected, r->on_time, r->late);
    for (int k = 0; k < r->n_missing; k++)
        fprintf (out, "%s%s (%s)", k ? ", " : "; missing: ",
                 r->units [r->missing [k]].name, r->units [r->missing [k]].code);
    fputc ('\n', out);
}

/* Prints the targets and achievement table of every unit that has targets. */
static void
s_print_targets (const us_report_t *r, FILE *out)
{
    bool header = false;
    for (size_t u = 0; u < r->n_units; u++)
    for (size_t i = 0; i < r->n_inds; i++)
    for (int s = 0; s < US_SOURCE_COUNT; s++) {
        const s_target_t *t = s_target (r, u, i, s);
        if (!t)
            continue;
        if (!header) {
            fprintf (out, "\nTargets and achievement\n");
            fprintf (out, "%-22s %-20s %10s %-10s %-14s %14s %9s %s\n", "Unit", "Indicator",
                     "Actual", "Source", "Target period", "Target", "Achieved", "Version");
            header = true;
        }
        char actual [48] = "-", target [112], pct [24] = "-", lo [48], hi [48];
        double v, p;
        if (s_value (&v, r, u, i))
            s_fmt (actual, sizeof actual, r, i, v);
        s_fmt (lo, sizeof lo, r, i, (double) t->lo);
        s_fmt (hi, sizeof hi, r, i, (double) t->hi);
        if (t->range)
            snprintf (target, sizeof target, "%s-%s", lo, hi);
        else
            snprintf (target, sizeof target, "%s", lo);
        if (s_achievement (&p, r, u, i, s))
            snprintf (pct, sizeof pct, "%.1f%%", p);
        us_text_pad (out, r->units [u].code, 22, false);
        fprintf (out, " %-20s %10s %-10s %-14s %14s %9s v%d", r->inds [i].code, actual,
                 s_source_names [s], t->period, target, pct, t->version);
        if (t->range && s_value (&v, r, u, i))
            fprintf (out, " (%s range)", v < (double) t->lo ? "below"
                     : v > (double) t->hi ? "above" : "within");
        fputc ('\n', out);
    }
}

/* Prints the report as an aligned text table. */
static void
s_print_text (const us_report_t *r, FILE *out)
{
    const s_unit_t *root = &r->units [0];
    fprintf (out, "Consolidated report %s: %s (%s)\n", r->period.text, root->name, root->code);
    s_print_completeness (r, out);
    size_t name_w = 4;
    for (size_t u = 0; u < r->n_units; u++) {
        size_t w = us_text_width (r->units [u].name) + 2 * (size_t) r->units [u].depth;
        if (w > name_w)
            name_w = w;
    }
    if (name_w > 48)
        name_w = 48;
    fputc ('\n', out);
    us_text_pad (out, "Unit", name_w, false);
    size_t widths [256];
    size_t n_cols = r->n_inds < 256 ? r->n_inds : 256;
    for (size_t i = 0; i < n_cols; i++) {
        widths [i] = 0;
        if (!s_ind_used (r, i))
            continue;
        size_t w = strlen (r->inds [i].code);
        widths [i] = w < 9 ? 9 : w;
        for (size_t u = 0; u < r->n_units; u++) {
            char buf [48];
            double v;
            if (s_value (&v, r, u, i)) {
                s_fmt (buf, sizeof buf, r, i, v);
                if (strlen (buf) > widths [i])
                    widths [i] = strlen (buf);
            }
        }
        fprintf (out, "  %*s", (int) widths [i], r->inds [i].code);
    }
    fputc ('\n', out);
    for (size_t u = 0; u < r->n_units; u++) {
        char label [600];
        snprintf (label, sizeof label, "%*s%s", 2 * r->units [u].depth, "", r->units [u].name);
        us_text_pad (out, label, name_w, false);
        for (size_t i = 0; i < n_cols; i++) {
            if (!widths [i])
                continue;
            char buf [48] = "-";
            double v;
            if (s_value (&v, r, u, i))
                s_fmt (buf, sizeof buf, r, i, v);
            fprintf (out, "  %*s", (int) widths [i], buf);
        }
        fputc ('\n', out);
    }
    s_print_targets (r, out);
}

/* Prints the report as CSV: one row per unit and indicator. */
static void
s_print_csv (const us_report_t *r, FILE *out)
{
    /* The BOM makes spreadsheet programs read the file as UTF-8. */
    fputs ("\xEF\xBB\xBF", out);
    fputs ("period,unit,name,parent,indicator,value", out);
    for (int s = 0; s < US_SOURCE_COUNT; s++)
        fprintf (out, ",target_%s,achievement_pct_%s", s_source_names [s], s_source_names [s]);
    fputs ("\r\n", out);
    for (size_t u = 0; u < r->n_units; u++)
    for (size_t i = 0; i < r->n_inds; i++) {
        double v, p;
        bool has = s_value (&v, r, u, i);
        bool any_target = false;
        for (int s = 0; s < US_SOURCE_COUNT; s++)
            any_target |= s_target (r, u, i, s) != NULL;
        if (!has && !any_target)
            continue;
        const s_unit_t *un = &r->units [u];
        fprintf (out, "%s,", r->period.text);
        us_text_csv (out, un->code);
        fputc (',', out);
        us_text_csv (out, un->name);
        fprintf (out, ",%s,%s,", un->parent_code, r->inds [i].code);
        if (has)
            fprintf (out, r->inds [i].kind == US_KIND_RATIO ? "%.1f" : "%.0f", v);
        for (int s = 0; s < US_SOURCE_COUNT; s++) {
            const s_target_t *t = s_target (r, u, i, s);
            fputc (',', out);
            if (t && t->range)
                fprintf (out, "%" PRId64 "..%" PRId64, t->lo, t->hi);
            else
            if (t)
                fprintf (out, "%" PRId64, t->lo);
            fputc (',', out);
            if (s_achievement (&p, r, u, i, s))
                fprintf (out, "%.1f", p);
        }
        fputs ("\r\n", out);
    }
}

/* Prints one unit's object of the JSON rows. */
static void
s_print_json_row (const us_report_t *r, FILE *out, size_t u)
{
    const s_unit_t *un = &r->units [u];
    fputs ("{\"unit\":", out);
    us_text_json (out, un->code);
    fputs (",\"name\":", out);
    us_text_json (out, un->name);
    fputs (",\"parent\":", out);
    if (*un->parent_code)
        us_text_json (out, un->parent_code);
    else
        fputs ("null", out);
    fputs (",\"kind\":", out);
    us_text_json (out, un->kind);
    fputs (",\"values\":{", out);
    bool first = true;
    for (size_t i = 0; i < r->n_inds; i++) {
        double v;
        if (!s_value (&v, r, u, i))
            continue;
        fprintf (out, "%s\"%s\":", first ? "" : ",", r->inds [i].code);
        fprintf (out, r->inds [i].kind == US_KIND_RATIO ? "%.1f" : "%.0f", v);
        first = false;
    }
    fputs ("},\"targets\":{", out);
    first = true;
    for (size_t i = 0; i < r->n_inds; i++) {
        bool inner = true;
        for (int s = 0; s < US_SOURCE_COUNT; s++) {
            const s_target_t *t = s_target (r, u, i, s);
            if (!t)
                continue;
            if (inner)
                fprintf (out, "%s\"%s\":{", first ? "" : ",", r->inds [i].code);
            if (t->range)
                fprintf (out, "%s\"%s\":{\"min\":%" PRId64 ",\"max\":%" PRId64 "}",
                         inner ? "" : ",", s_source_names [s], t->lo, t->hi);
            else
                fprintf (out, "%s\"%s\":%" PRId64, inner ? "" : ",", s_source_names [s], t->lo);
            inner = first = false;
        }
        if (!inner)
            fputc ('}', out);
    }
    fputs ("},\"target_versions\":{", out);
    first = true;
    for (size_t i = 0; i < r->n_inds; i++) {
        bool inner = true;
        for (int s = 0; s < US_SOURCE_COUNT; s++) {
            const s_target_t *t = s_target (r, u, i, s);
            if (!t)
                continue;
            if (inner)
                fprintf (out, "%s\"%s\":{", first ? "" : ",", r->inds [i].code);
            fprintf (out, "%s\"%s\":%d", inner ? "" : ",", s_source_names [s], t->version);
            inner = first = false;
        }
        if (!inner)
            fputc ('}', out);
    }
    fputs ("},\"achievement_pct\":{", out);
    first = true;
    for (size_t i = 0; i < r->n_inds; i++) {
        bool inner = true;
        for (int s = 0; s < US_SOURCE_COUNT; s++) {
            double p;
            if (!s_achievement (&p, r, u, i, s))
                continue;
            if (inner)
                fprintf (out, "%s\"%s\":{", first ? "" : ",", r->inds [i].code);
            fprintf (out, "%s\"%s\":%.1f", inner ? "" : ",", s_source_names [s], p);
            inner = first = false;
        }
        if (!inner)
            fputc ('}', out);
    }
    fputs ("}}", out);
}

/* Prints the report as one JSON object. */
static void
s_print_json (const us_report_t *r, FILE *out)
{
    fputs ("{\"period\":", out);
    us_text_json (out, r->period.text);
    fputs (",\"unit\":", out);
    us_text_json (out, r->units [0].code);
    fprintf (out, ",\"completeness\":{\"expected\":%d,\"submitted\":%d,\"on_time\":%d,"
             "\"late\":%d,\"missing\":[", r->expected, r->submitted, r->on_time, r->late);
    for (int k = 0; k < r->n_missing; k++) {
        if (k)
            fputc (',', out);
        us_text_json (out, r->units [r->missing [k]].code);
    }
    fputs ("]},\"rows\":[", out);
    for (size_t u = 0; u < r->n_units; u++) {
        if (u)
            fputc (',', out);
        s_print_json_row (r, out, u);
    }
    fputs ("]}\n", out);
}

/* Prints the report in a format. */
int
us_report_print (const us_report_t *report, FILE *out, us_format_t format)
{
    switch (format) {
        case US_FORMAT_TEXT: s_print_text (report, out); break;
        case US_FORMAT_CSV:  s_print_csv (report, out);  break;
        case US_FORMAT_JSON: s_print_json (report, out); break;
    }
    if (fflush (out) != 0 || ferror (out))
        return us_error_set (US_EIO, "cannot write the report");
    return 0;
}

/* Frees a report and nulls the pointer; safe on NULL. */
void
us_report_destroy (us_report_t **report_p)
{
    if (!report_p || !*report_p)
        return;
    us_report_t *r = *report_p;
    free (r->units);
    free (r->inds);
    free (r->ind_ids);
    free (r->total);
    free (r->latest);
    free (r->has);
    free (r->ratio);
    free (r->targets);
    free (r->missing);
    free (r);
    *report_p = NULL;
}
