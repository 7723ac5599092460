/*  us_succession: a report's data seen through the unit tree of one month. */
#include "us_succession.h"
#include "us_apportion.h"
#include "us_error.h"
#include "us_period.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_PARTS 64          /* successors one unit's figures may reach */
#define S_MAX_DEPTH 3           /* a chain of merges and splits: weights stay in 64 bits */

/* One successor in force and its weight (a product of shares). */
typedef struct {
    int unit;                   /* index into data->units */
    int64_t weight;
} s_part_t;

typedef struct {
    s_part_t parts [S_MAX_PARTS];
    size_t n;
    bool lost;                  /* some share reached no unit in force */
} s_parts_t;

/* Parses a stored event kind. */
int
us_succ_kind_parse (us_succ_kind_t *kind, const char *text)
{
    static const char *names [] = { "merge", "split", "move", "rename", "end" };
    for (int k = 0; k < 5; k++)
        if (strcmp (text, names [k]) == 0) {
            *kind = (us_succ_kind_t) k;
            return 0;
        }
    return us_error_set (US_EINVAL, "unknown unit event '%.20s'", text);
}

/* Frees the notes of a mapping. */
void
us_mapping_free (us_mapping_t *mapping)
{
    if (!mapping)
        return;
    free (mapping->notes);
    memset (mapping, 0, sizeof *mapping);
}

/* Returns the index of the unit with code, or -1. */
static int
s_find (const us_report_data_t *data, const char *code)
{
    for (size_t k = 0; k < data->n_units; k++)
        if (strcmp (data->units [k].code, code) == 0)
            return (int) k;
    return -1;
}

/* True when the unit is in force in month. */
bool
us_succession_in_force (const us_report_unit_row_t *u, int month)
{
    int m;
    if (*u->valid_from && us_month_parse (&m, u->valid_from) == 0 && m > month)
        return false;
    if (*u->valid_to && us_month_parse (&m, u->valid_to) == 0 && m < month)
        return false;
    us_error_clear ();
    return true;
}

/* True when events hold shares of unit for indicator alone. */
static bool
s_has_own_shares (const us_succession_t *ev, size_t n, const char *unit, const char *indicator)
{
    for (size_t k = 0; k < n; k++)
        if (ev [k].kind == US_SUCC_SPLIT && *ev [k].indicator
        &&  strcmp (ev [k].unit, unit) == 0 && strcmp (ev [k].indicator, indicator) == 0)
            return true;
    return false;
}

/* Adds weight to the part of unit u. */
static void
s_part_add (s_parts_t *parts, int u, int64_t weight)
{
    for (size_t k = 0; k < parts->n; k++)
        if (parts->parts [k].unit == u) {
            parts->parts [k].weight += weight;
            return;
        }
    if (parts->n == S_MAX_PARTS) {
        parts->lost = true;
        return;
    }
    parts->parts [parts->n++] = (s_part_t) { u, weight };
}

/* Follows the merges and splits of unit u to its successors in force in
   month; weight is u's share so far. */
static void
s_resolve (s_parts_t *parts, const us_report_data_t *data, const us_succession_t *ev, size_t n,
           int u, const char *indicator, int64_t weight, int month, int depth)
{
    const us_report_unit_row_t *row = &data->units [u];
    if (us_succession_in_force (row, month)) {
        s_part_add (parts, u, weight);
        return;
    }
    bool own = s_has_own_shares (ev, n, row->code, indicator);
    bool any = false;
    for (size_t k = 0; k < n; k++) {
        const us_succession_t *e = &ev [k];
        if ((e->kind != US_SUCC_MERGE && e->kind != US_SUCC_SPLIT) || strcmp (e->unit, row->code) != 0)
            continue;
        if (e->kind == US_SUCC_SPLIT && (own ? strcmp (e->indicator, indicator) != 0 : *e->indicator))
            continue;
        int s = s_find (data, e->other);
        if (s < 0 || depth >= S_MAX_DEPTH) {
            parts->lost = true;
            continue;
        }
        any = true;
        int64_t share = e->kind == US_SUCC_MERGE ? US_SUCC_WHOLE : e->ppm;
        s_resolve (parts, data, ev, n, s, indicator, weight * share, month, depth + 1);
    }
    if (!any)
        parts->lost = true;
}

/* Undoes the moves and renames that took effect after month, newest first. */
static void
s_undo_later (us_report_data_t *data, const us_succession_t *ev, size_t n, int month)
{
    for (size_t k = n; k-- > 0;) {
        const us_succession_t *e = &ev [k];
        if (e->month <= month || (e->kind != US_SUCC_MOVE && e->kind != US_SUCC_RENAME))
            continue;
        int u = s_find (data, e->unit);
        if (u < 0)
            continue;
        if (e->kind == US_SUCC_RENAME)
            snprintf (data->units [u].name, sizeof data->units [u].name, "%s", e->before);
        else {
            int p = s_find (data, e->before);
            data->units [u].parent_id = p < 0 ? 0 : data->units [u].id == data->units [p].id
                                      ? 0 : data->units [p].id;
        }
    }
}

/* Returns the note of unit u, added when new; NULL when out of memory. */
static us_mapping_note_t *
s_note (us_mapping_t *mapping, const us_report_unit_row_t *u)
{
    for (size_t k = 0; k < mapping->n; k++)
        if (strcmp (mapping->notes [k].unit, u->code) == 0)
            return &mapping->notes [k];
    us_mapping_note_t *note = us_report_data_add (mapping->notes, mapping->n, mapping->cap);
    if (note) {
        snprintf (note->unit, sizeof note->unit, "%s", u->code);
        snprintf (note->name, sizeof note->name, "%s", u->name);
    }
    return note;
}

/* Writes how a unit's figures went to parts into note->how, once for
   all indicators and once more for each with shares of its own. */
static void
s_note_how (us_mapping_note_t *note, const us_report_data_t *data, const s_parts_t *parts,
            const char *own)
{
    size_t used = strlen (note->how);
    if (*own ? strstr (note->how, own) != NULL : note->general)
        return;
    if (!*own && used) {
        /* The general mapping comes first, before any indicator's own. */
        char tail [sizeof note->how];
        memcpy (tail, note->how, sizeof tail);
        note->how [0] = 0;
        s_note_how (note, data, parts, "");
        size_t head = strlen (note->how);
        snprintf (note->how + head, sizeof note->how - head, "; %s", tail);
        return;
    }
    if (!*own)
        note->general = true;
    if (parts->n == 0) {
        snprintf (note->how + used, sizeof note->how - used, "%sended with no successor in "
                  "force; its figures are left out", used ? "; " : "");
        return;
    }
    int64_t sum = 0;
    for (size_t k = 0; k < parts->n; k++)
        sum += parts->parts [k].weight;
    if (*own)
        used += (size_t) snprintf (note->how + used, sizeof note->how - used, "%s%s ",
                                   used ? "; " : "", own);
    for (size_t k = 0; k < parts->n && used < sizeof note->how; k++) {
        const us_report_unit_row_t *s = &data->units [parts->parts [k].unit];
        if (parts->n == 1)
            used += (size_t) snprintf (note->how + used, sizeof note->how - used,
                                       "added to %s", s->code);
        else
            used += (size_t) snprintf (note->how + used, sizeof note->how - used,
                                       "%s%s %.1f%%", k ? ", " : "shared: ", s->code,
                                       100.0 * (double) parts->parts [k].weight / (double) sum);
    }
}

/* Maps one cell onto parts by largest remainder; appends to out. */
static int
s_map_cell (us_report_cell_row_t **out, size_t *n_out, size_t *cap_out, const us_report_data_t *data,
            const us_report_cell_row_t *cell, const s_parts_t *parts)
{
    int64_t weights [S_MAX_PARTS], shares [S_MAX_PARTS];
    const char *keys [S_MAX_PARTS];
    for (size_t k = 0; k < parts->n; k++) {
        weights [k] = parts->parts [k].weight;
        keys [k] = data->units [parts->parts [k].unit].code;
    }
    bool negative = cell->value < 0;
    int rc = us_allocate_split (shares, weights, keys, parts->n,
                                negative ? -cell->value : cell->value);
    for (size_t k = 0; rc == 0 && k < parts->n; k++) {
        us_report_cell_row_t *row = us_report_data_add (*out, *n_out, *cap_out);
        if (!row)
            return US_ENOMEM;
        *row = *cell;
        row->unit_id = data->units [parts->parts [k].unit].id;
        row->value = negative ? -shares [k] : shares [k];
    }
    return rc;
}

/* Returns the code of the indicator with id, or "". */
static const char *
s_ind_code (const us_report_data_t *data, int64_t id)
{
    for (size_t i = 0; i < data->n_inds; i++)
        if (data->ind_ids [i] == id)
            return data->inds [i].code;
    return "";
}

/* Orders cells by unit, indicator and month. */
static int
s_cell_cmp (const void *a, const void *b)
{
    const us_report_cell_row_t *x = a, *y = b;
    if (x->unit_id != y->unit_id)
        return x->unit_id < y->unit_id ? -1 : 1;
    if (x->ind_id != y->ind_id)
        return x->ind_id < y->ind_id ? -1 : 1;
    return x->month < y->month ? -1 : x->month > y->month;
}

/* Adds up the cells of one unit, indicator and month (a successor may
   receive several units' stocks for one month). */
static void
s_cells_sum (us_report_cell_row_t *cells, size_t *n)
{
    if (*n == 0)
        return;
    qsort (cells, *n, sizeof *cells, s_cell_cmp);
    size_t w = 0;
    for (size_t r = 1; r < *n; r++)
        if (s_cell_cmp (&cells [w], &cells [r]) == 0)
            cells [w].value += cells [r].value;
        else
            cells [++w] = cells [r];
    *n = w + 1;
}

/* Checks that every event names units of data. */
static int
s_check (const us_report_data_t *data, const us_succession_t *ev, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (s_find (data, ev [k].unit) < 0)
            return us_error_set (US_EINVAL, "unit event names unknown unit '%.64s'", ev [k].unit);
        if ((ev [k].kind == US_SUCC_MERGE || ev [k].kind == US_SUCC_SPLIT || ev [k].kind == US_SUCC_MOVE)
        &&  s_find (data, ev [k].other) < 0)
            return us_error_set (US_EINVAL, "unit event names unknown unit '%.64s'", ev [k].other);
        if (ev [k].kind == US_SUCC_SPLIT && (ev [k].ppm <= 0 || ev [k].ppm > US_SUCC_WHOLE))
            return us_error_set (US_EINVAL, "split of %.64s has a share out of range", ev [k].unit);
    }
    return 0;
}

/* Maps the cells of units out of force onto their successors into *out;
   sets *kept instead when every cell's unit is known and in force (none
   to map or leave out: the cells stand as they are, uncopied). */
static int
s_map_cells (us_report_cell_row_t **out, size_t *n_out, size_t *cap_out, bool *mapped, bool *kept,
             const us_report_data_t *data, const us_succession_t *ev, size_t n, int month,
             us_mapping_t *mapping)
{
    /* Each unit's index by id and whether it is in force, worked out once:
       a cell then costs one lookup instead of a walk of the units and two
       dates parsed (a province's report reads a million cells). */
    int64_t top = 0;
    for (size_t k = 0; k < data->n_units; k++)
        if (data->units [k].id > top)
            top = data->units [k].id;
    int *index = calloc ((size_t) top + 1, sizeof *index);
    bool *force = calloc (data->n_units + 1, sizeof *force);
    if (!index || !force) {
        free (index);
        free (force);
        return US_ENOMEM;
    }
    for (size_t k = data->n_units; k-- > 0; ) {
        if (data->units [k].id > 0)
            index [data->units [k].id] = (int) k + 1;
        force [k] = us_succession_in_force (&data->units [k], month);
    }
    int rc = 0;
    *mapped = false;
    size_t first = 0;
    while (first < data->n_cells) {
        int64_t id = data->cells [first].unit_id;
        int u = id > 0 && id <= top ? index [id] - 1 : -1;
        if (u < 0 || !force [u])
            break;
        first++;
    }
    *kept = first == data->n_cells;
    if (*kept) {
        free (index);
        free (force);
        return 0;
    }
    for (size_t c = 0; rc == 0 && c < data->n_cells; c++) {
        const us_report_cell_row_t *cell = &data->cells [c];
        int u = cell->unit_id > 0 && cell->unit_id <= top ? index [cell->unit_id] - 1 : -1;
        if (u >= 0 && force [u]) {
            us_report_cell_row_t *row = us_report_data_add (*out, *n_out, *cap_out);
            if (!row)
                rc = US_ENOMEM;
            else
                *row = *cell;
            continue;
        }
        if (u < 0)
            continue;
        const char *indicator = s_ind_code (data, cell->ind_id);
        s_parts_t parts = { .n = 0 };
        s_resolve (&parts, data, ev, n, u, indicator, 1, month, 0);
        us_mapping_note_t *note = s_note (mapping, &data->units [u]);
        if (!note) {
            rc = US_ENOMEM;
            break;
        }
        s_note_how (note, data, &parts, s_has_own_shares (ev, n, data->units [u].code, indicator)
                    ? indicator : "");
        note->cells++;
        *mapped = true;
        rc = parts.n ? s_map_cell (out, n_out, cap_out, data, cell, &parts) : 0;
    }
    free (index);
    free (force);
    return rc;
}

/* Rewrites data as the tree stood in month. */
int
us_succession_apply (us_report_data_t *data, const us_succession_t *events, size_t n,
                     int month, us_mapping_t *mapping)
{
    int rc = s_check (data, events, n);
    if (rc)
        return rc;
    us_report_cell_row_t *cells = NULL;
    size_t n_cells = 0, cap_cells = 0;
    bool mapped, kept;
    rc = s_map_cells (&cells, &n_cells, &cap_cells, &mapped, &kept, data, events, n, month, mapping);
    if (rc) {
        free (cells);
        return rc == US_ENOMEM ? us_error_set (US_ENOMEM, "out of memory") : rc;
    }
    /* Only a mapped cell can meet another of the same unit, indicator and
       month: the store holds each cell once. */
    if (mapped)
        s_cells_sum (cells, &n_cells);
    if (!kept) {
        free (data->cells);
        data->cells = cells;
        data->n_cells = n_cells;
        data->cap_cells = cap_cells;
    }
    s_undo_later (data, events, n, month);
    /* The units out of force leave the tree; the others stand for the
       whole period. */
    for (size_t k = 0; k < data->n_units; k++) {
        us_report_unit_row_t *u = &data->units [k];
        if (!us_succession_in_force (u, month))
            u->id = -u->id;
        u->valid_from [0] = u->valid_to [0] = 0;
    }
    return 0;
}
