/*  us_pstore_units: the unit tree, its kinds, and the catalog. */
#include "us_pstore_list.h"
#include "us_pstore_report.h"
#include "us_pstore_sql.h"
#include "us_csv.h"
#include "us_error.h"
#include "us_period.h"
#include "us_text.h"
#include "us_tree.h"

#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>

/* Inserts or updates the catalog's indicators (inside a transaction). */
int
us_pstore_put_catalog (us_pstore_t *self, const us_catalog_t *cat)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO indicators (code, name, kind, numerator, denominator, policy, rule, position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET"
        " name = excluded.name, kind = excluded.kind, numerator = excluded.numerator,"
        " denominator = excluded.denominator, policy = excluded.policy,"
        " rule = excluded.rule, position = excluded.position RETURNING id", "writing indicators");
    for (size_t i = 0; rc == 0 && i < cat->count; i++) {
        const us_indicator_t *ind = &cat->items [i];
        sqlite3_reset (st);
        sqlite3_bind_text (st, 1, ind->code, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 2, ind->name, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 3, us_kind_name (ind->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 4, ind->numerator, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 5, ind->denominator, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 6, ind->policy, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 7, ind->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 8, (int) i);
        if (sqlite3_step (st) != SQLITE_ROW) {
            rc = us_pstore_fail (self, "writing indicators");
            break;
        }
        int64_t id = sqlite3_column_int64 (st, 0);
        sqlite3_reset (st);
        rc = us_pstore_touch (self, US_CHANGE_INDICATOR, id);
    }
    return rc ? rc : us_pstore_report_catalog_put (self, cat);
}

/* Looks up a unit id by code. */
int
us_pstore_unit_id (us_pstore_t *self, int64_t *id, const char *code)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT id FROM units WHERE code = ?", "reading units");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    rc = step == SQLITE_ROW ? 0
       : step == SQLITE_DONE ? us_error_set (US_ENOTFOUND, "unknown unit '%.64s'", code)
       : us_pstore_fail (self, "reading units");
    if (rc == 0)
        *id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Sets *in when unit_id is root_id or one of its descendants. */
int
us_pstore_in_scope (us_pstore_t *self, bool *in, int64_t unit_id, int64_t root_id)
{
    *in = false;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT parent_id FROM units WHERE id = ?",
                             "reading the unit tree");
    /* The same walk and depth guard as us_tree_under, one row at a time:
       the merge asks about one unit, not the whole tree. */
    for (int depth = 0; rc == 0 && depth <= US_TREE_DEPTH_MAX && unit_id > 0 && !*in; depth++) {
        *in = unit_id == root_id;
        sqlite3_bind_int64 (st, 1, unit_id);
        int step = sqlite3_step (st);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = us_pstore_fail (self, "reading the unit tree");
            *in = false;
        }
        unit_id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
        sqlite3_reset (st);
    }
    return rc;
}

/* Sets *level to the level of the kind of unit_id. */
int
us_pstore_unit_level (us_pstore_t *self, int *level, int64_t unit_id)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT k.level FROM units u JOIN unit_kinds k"
                             " ON k.id = u.kind_id WHERE u.id = ?", "reading unit kinds");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    int step = sqlite3_step (st);
    rc = step == SQLITE_ROW ? 0
       : step == SQLITE_DONE ? us_error_set (US_ENOTFOUND, "unknown unit %lld", (long long) unit_id)
       : us_pstore_fail (self, "reading unit kinds");
    if (rc == 0)
        *level = sqlite3_column_int (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Loads parent [id] of every unit. */
int
us_pstore_tree_load (us_pstore_t *self, int64_t **parent_p, int64_t *len_p)
{
    *parent_p = NULL;
    *len_p = 0;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT COALESCE (MAX (id), 0) FROM units",
                             "reading the unit tree");
    if (rc)
        return rc;
    int64_t max = sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : -1;
    sqlite3_reset (st);
    if (max < 0)
        return us_pstore_fail (self, "reading the unit tree");
    int64_t *parent = calloc ((size_t) max + 1, sizeof *parent);
    if (!parent)
        return us_error_set (US_ENOMEM, "out of memory reading the unit tree");
    rc = us_pstore_prep (self, &st, "SELECT id, COALESCE (parent_id, 0) FROM units",
                         "reading the unit tree");
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64 (st, 0), p = sqlite3_column_int64 (st, 1);
        if (id > 0 && id <= max)
            parent [id] = p >= 0 && p <= max ? p : 0;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the unit tree");
    if (rc == 0)
        sqlite3_reset (st);
    if (rc) {
        free (parent);
        return rc;
    }
    *parent_p = parent;
    *len_p = max + 1;
    return 0;
}

/* Looks up a unit kind by code: its id and level. Returns 0 or US_ENOTFOUND. */
static int
s_kind (us_pstore_t *self, int64_t *id, int *level, const char *code)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT id, level FROM unit_kinds WHERE code = ?",
                             "reading unit kinds");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? US_ENOTFOUND
       : us_pstore_fail (self, "reading unit kinds");
    if (rc == 0) {
        *id = sqlite3_column_int64 (st, 0);
        *level = sqlite3_column_int (st, 1);
    }
    sqlite3_reset (st);
    return rc;
}

/* Sets *reports when units of the kind submit reports. */
int
us_pstore_kind_reports (us_pstore_t *self, bool *reports, const char *code)
{
    sqlite3_stmt *st;
    *reports = false;
    int rc = us_pstore_prep (self, &st, "SELECT reports FROM unit_kinds WHERE code = ?",
                             "reading unit kinds");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    rc = step == SQLITE_ROW ? 0
       : step == SQLITE_DONE ? us_error_set (US_ENOTFOUND, "unknown unit kind '%.30s'", code)
       : us_pstore_fail (self, "reading unit kinds");
    if (rc == 0)
        *reports = sqlite3_column_int (st, 0) != 0;
    sqlite3_reset (st);
    return rc;
}

/* Checks one unit row of the import file; sets the kind's id. */
static int
s_unit_row_check (us_pstore_t *self, int64_t *kind_id, char **f, size_t n, int line)
{
    if (n < 4 || n > 6)
        return us_error_set (US_EINVAL, "line %d: expected id,name,parent,kind[,valid_from,valid_to]", line);
    if (!us_text_code_valid (f [0]))
        return us_error_set (US_EINVAL, "line %d: bad unit id '%.64s'", line, f [0]);
    if (!*f [1] || strlen (f [1]) > US_MAX_NAME || !us_text_utf8_valid (f [1]))
        return us_error_set (US_EINVAL, "line %d: unit %s needs a one-line name", line, f [0]);
    if (*f [2] && !us_text_code_valid (f [2]))
        return us_error_set (US_EINVAL, "line %d: bad parent id '%.64s'", line, f [2]);
    int level = 0;
    int rc = s_kind (self, kind_id, &level, f [3]);
    if (rc == US_ENOTFOUND)
        return us_error_set (US_EINVAL, "line %d: unknown kind '%.20s' (see the unit kinds: "
                             "province, district, sector, commune, park, grassroots, ...)",
                             line, f [3]);
    if (rc)
        return rc;
    if ((level == 0) != (*f [2] == 0))
        return us_error_set (US_EINVAL, "line %d: only the province has no parent", line);
    int m;
    for (size_t k = 4; k < n; k++)
        if (*f [k] && us_month_parse (&m, f [k]) != 0)
            return us_error_set (US_EINVAL, "line %d: bad validity month '%.20s'", line, f [k]);
    return 0;
}

/* Upserts one unit without its parent; returns its id in *id. */
static int
s_unit_put (us_pstore_t *self, int64_t *id, int64_t kind_id, char **f, size_t n)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO units (code, name, kind_id, kind, valid_from, valid_to)"
        " SELECT ?1, ?2, id, code, ?4, ?5 FROM unit_kinds WHERE id = ?3"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind_id = excluded.kind_id,"
        " kind = excluded.kind, valid_from = excluded.valid_from, valid_to = excluded.valid_to"
        " RETURNING id", "writing units");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, f [0], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, f [1], -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 3, kind_id);
    sqlite3_bind_text (st, 4, n > 4 ? f [4] : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 5, n > 5 ? f [5] : "", -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_pstore_fail (self, "writing units");
    if (rc == 0)
        *id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Sets the parent of one unit and stamps it. */
static int
s_unit_link (us_pstore_t *self, int64_t id, int64_t parent)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "UPDATE units SET parent_id = ? WHERE id = ?",
                             "writing the unit tree");
    if (rc)
        return rc;
    if (parent)
        sqlite3_bind_int64 (st, 1, parent);
    sqlite3_bind_int64 (st, 2, id);
    rc = us_pstore_done (self, st, "writing the unit tree");
    return rc ? rc : us_pstore_touch (self, US_CHANGE_UNIT, id);
}

/* A unit read from the file, waiting for its parent to be linked. */
typedef struct {
    int64_t id;
    char parent [US_MAX_CODE + 1];
    char code [US_MAX_CODE + 1];
    int line;
} s_link_t;

/* Sets the parent of every unit read (second pass, over what the first
   read: the file is read once, so what is linked is what was checked). */
static int
s_units_link (us_pstore_t *self, const s_link_t *links, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const s_link_t *l = &links [i];
        int64_t parent = 0;
        int rc;
        if (*l->parent && us_pstore_unit_id (self, &parent, l->parent) != 0)
            return us_error_set (US_EINVAL, "line %d: unknown parent '%.64s'", l->line,
                                 l->parent);
        bool cycle = false;
        if (parent && (rc = us_pstore_in_scope (self, &cycle, parent, l->id)) != 0)
            return rc;
        if (cycle)
            return us_error_set (US_EINVAL, "line %d: unit %s would be its own ancestor",
                                 l->line, l->code);
        if ((rc = s_unit_link (self, l->id, parent)) != 0)
            return rc;
    }
    return 0;
}

/* Keeps a unit read for the link pass; the array grows by doubling. */
static int
s_link_keep (s_link_t **links, size_t *n, size_t *cap, int64_t id, char **f, int line)
{
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        s_link_t *more = realloc (*links, grown * sizeof *more);
        if (!more)
            return us_error_set (US_ENOMEM, "out of memory importing units");
        *links = more;
        *cap = grown;
    }
    s_link_t *l = &(*links) [(*n)++];
    l->id = id;
    l->line = line;
    snprintf (l->parent, sizeof l->parent, "%s", f [2]);
    snprintf (l->code, sizeof l->code, "%s", f [0]);
    return 0;
}

static int s_import_units (us_pstore_t *self, int *count, const char *path,
                           const char *copy);

/* Copies the file at path into a private temporary file (its name into
   tmp [size]); the import reads the copy, so the file itself is read
   once: what the checks read is what is written, even when the file
   changes meanwhile or is a pipe. */
static int
s_snapshot (char *tmp, size_t size, const char *path)
{
    const char *dir = getenv ("TMPDIR");
    snprintf (tmp, size, "%s/us-units.XXXXXX", dir && *dir ? dir : "/tmp");
    FILE *in = fopen (path, "rb");
    if (!in)
        return us_error_set (US_EINVAL, "cannot read %s: %s", path, strerror (errno));
    int fd = mkstemp (tmp);
    FILE *out = fd >= 0 ? fdopen (fd, "wb") : NULL;
    if (!out) {
        if (fd >= 0)
            close (fd);
        fclose (in);
        return us_error_set (US_EIO, "cannot make a temporary copy of %s", path);
    }
    char buf [65536];
    size_t n;
    bool ok = true;
    while (ok && (n = fread (buf, 1, sizeof buf, in)) > 0)
        ok = fwrite (buf, 1, n, out) == n;
    ok = ok && !ferror (in);
    fclose (in);
    ok = fclose (out) == 0 && ok;
    if (!ok) {
        unlink (tmp);
        return us_error_set (US_EIO, "cannot copy %s", path);
    }
    return 0;
}

/* Imports units from CSV, reading the file once; all or nothing. */
int
us_pstore_import_units (us_pstore_t *self, int *count, const char *path)
{
    char tmp [4096];
    *count = 0;
    int rc = s_snapshot (tmp, sizeof tmp, path);
    if (rc)
        return rc;
    rc = s_import_units (self, count, path, tmp);
    unlink (tmp);
    return rc;
}

/* Imports units from copy, a copy of the file at path (named in errors). */
static int
s_import_units (us_pstore_t *self, int *count, const char *path, const char *copy)
{
    *count = 0;
    int checked = us_pstore_units_check (self, copy);
    if (checked)
        return checked;
    us_csv_t *csv = us_csv_new (copy);
    if (!csv)
        return us_error_set (US_EINVAL, "%s", us_error_msg ());
    int rc = us_pstore_begin (self);
    char **f;
    size_t n;
    int got = 0;
    s_link_t *links = NULL;
    size_t n_links = 0, cap = 0;
    while (rc == 0 && (got = us_csv_next (csv, &f, &n)) == 1) {
        if (us_csv_line (csv) == 1 && strcmp (f [0], "id") == 0)
            continue;
        int64_t id, kind_id = 0;
        rc = s_unit_row_check (self, &kind_id, f, n, us_csv_line (csv));
        if (rc == 0)
            rc = s_unit_put (self, &id, kind_id, f, n);
        if (rc == 0)
            rc = s_link_keep (&links, &n_links, &cap, id, f, us_csv_line (csv));
        if (rc == 0)
            (*count)++;
    }
    if (rc == 0 && got < 0)
        rc = got;
    us_csv_destroy (&csv);
    if (rc == 0)
        rc = s_units_link (self, links, n_links);
    free (links);
    if (rc == 0)
        rc = us_pstore_import_record (self, "units", *count);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc) {
        us_pstore_rollback (self);
        *count = 0;
        return us_error_set (rc, "%s: %s; nothing imported", path, us_error_msg ());
    }
    return 0;
}

/* Checks and writes one unit kind row. */
static int
s_kind_put (us_pstore_t *self, char **f, size_t n, int line)
{
    int64_t level, reports = 0;
    if (n < 3 || n > 4)
        return us_error_set (US_EINVAL, "line %d: expected code,name,level[,reports]", line);
    if (!us_text_code_valid (f [0]))
        return us_error_set (US_EINVAL, "line %d: bad kind code '%.64s'", line, f [0]);
    if (!*f [1] || strlen (f [1]) > US_MAX_NAME || !us_text_utf8_valid (f [1]))
        return us_error_set (US_EINVAL, "line %d: kind %s needs a one-line name", line, f [0]);
    if (us_text_parse_int (&level, f [2]) != 0 || level < 0 || level > US_TREE_DEPTH_MAX)
        return us_error_set (US_EINVAL, "line %d: bad level '%.20s' (0 for the province)",
                             line, f [2]);
    if (n > 3 && (us_text_parse_int (&reports, f [3]) != 0 || reports < 0 || reports > 1))
        return us_error_set (US_EINVAL, "line %d: reports is 0 or 1, not '%.20s'", line, f [3]);
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO unit_kinds (code, name, level, reports) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,"
        " reports = excluded.reports", "writing unit kinds");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, f [0], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, f [1], -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 3, level);
    sqlite3_bind_int64 (st, 4, reports);
    return us_pstore_done (self, st, "writing unit kinds");
}

/* Imports unit kinds from CSV; all or nothing. */
int
us_pstore_import_kinds (us_pstore_t *self, int *count, const char *path)
{
    *count = 0;
    us_csv_t *csv = us_csv_new (path);
    if (!csv)
        return us_error_set (US_EINVAL, "%s", us_error_msg ());
    int rc = us_pstore_begin (self);
    char **f;
    size_t n;
    int got = 0;
    while (rc == 0 && (got = us_csv_next (csv, &f, &n)) == 1) {
        if (us_csv_line (csv) == 1 && strcmp (f [0], "code") == 0)
            continue;
        rc = s_kind_put (self, f, n, us_csv_line (csv));
        if (rc == 0)
            (*count)++;
    }
    if (rc == 0 && got < 0)
        rc = got;
    us_csv_destroy (&csv);
    if (rc == 0)
        rc = us_pstore_import_record (self, "unit kinds", *count);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc) {
        us_pstore_rollback (self);
        *count = 0;
        return us_error_set (rc, "%s: %s; nothing imported", path, us_error_msg ());
    }
    return 0;
}

/* Imports an indicator catalog from CSV; all or nothing. */
int
us_pstore_import_indicators (us_pstore_t *self, int *count, const char *path)
{
    *count = 0;
    us_catalog_t *cat;
    int rc = us_catalog_load (&cat, path);
    if (rc)
        return us_error_set (rc, "%s; nothing imported", us_error_msg ());
    rc = us_pstore_begin (self);
    if (rc == 0)
        rc = us_pstore_put_catalog (self, cat);
    if (rc == 0)
        rc = us_pstore_import_record (self, "indicators", (int) cat->count);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc)
        us_pstore_rollback (self);
    else
        *count = (int) cat->count;
    us_catalog_destroy (&cat);
    return rc;
}

/* Looks up an indicator by code, with its kind and policy parsed. */
int
us_pstore_indicator (us_pstore_t *self, us_pstore_ind_t *ind, const char *code)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT id, kind, policy FROM indicators WHERE code = ?",
                             "reading indicators");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    rc = step == SQLITE_ROW ? 0
       : step == SQLITE_DONE ? us_error_set (US_ENOTFOUND, "unknown indicator '%.64s'", code)
       : us_pstore_fail (self, "reading indicators");
    if (rc == 0) {
        ind->id = sqlite3_column_int64 (st, 0);
        /* The catalog was checked when imported; a damaged row reads as a
           flow with the default policy rather than stopping every merge. */
        if (us_kind_parse (&ind->kind, us_db_text (st, 1)) != 0)
            ind->kind = US_KIND_FLOW;
        if (us_policy_parse (&ind->policy, us_db_text (st, 2)) != 0)
            ind->policy = US_POLICY_LWW;
        us_error_clear ();
    }
    sqlite3_reset (st);
    return rc;
}
