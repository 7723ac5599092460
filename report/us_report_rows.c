/*  us_report_rows: the rows a store's report loader selected. */
#include "us_report_rows.h"
#include "us_db.h"
#include "us_error.h"
#include "us_succession.h"

#include <stdio.h>
#include <stdlib.h>

/* Steps st to its end; US_EIO when it stopped on an error. */
static int
s_done (int step)
{
    return step == SQLITE_DONE ? 0 : US_EIO;
}

/* Reads the entered cells. */
int
us_report_rows_cells (us_report_data_t *data, sqlite3_stmt *st)
{
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        us_report_cell_row_t *c = us_report_data_add (data->cells, data->n_cells, data->cap_cells);
        if (!c)
            return US_ENOMEM;
        c->unit_id = sqlite3_column_int64 (st, 0);
        c->ind_id = sqlite3_column_int64 (st, 1);
        c->month = sqlite3_column_int (st, 2);
        c->value = sqlite3_column_int64 (st, 3);
    }
    return s_done (step);
}

/* Reads the targets. */
int
us_report_rows_targets (us_report_data_t *data, sqlite3_stmt *st)
{
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        us_source_t source;
        if (us_source_parse (&source, us_db_text (st, 2)) != 0)
            continue;
        us_report_target_row_t *t = us_report_data_add (data->targets, data->n_targets,
                                                        data->cap_targets);
        if (!t)
            return US_ENOMEM;
        t->unit_id = sqlite3_column_int64 (st, 0);
        t->ind_id = sqlite3_column_int64 (st, 1);
        t->source = source;
        snprintf (t->period, sizeof t->period, "%s", us_db_text (st, 3));
        t->first = sqlite3_column_int (st, 4);
        t->last = sqlite3_column_int (st, 5);
        t->lo = sqlite3_column_int64 (st, 6);
        t->hi = sqlite3_column_int64 (st, 7);
        t->range = sqlite3_column_int (st, 8) != 0;
        t->version = sqlite3_column_int (st, 9);
    }
    return s_done (step);
}

/* Reads the submissions. */
int
us_report_rows_submissions (us_report_data_t *data, sqlite3_stmt *st)
{
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        us_report_submission_row_t *s = us_report_data_add (data->subs, data->n_subs,
                                                            data->cap_subs);
        if (!s)
            return US_ENOMEM;
        s->unit_id = sqlite3_column_int64 (st, 0);
        s->first = sqlite3_column_int (st, 1);
        s->last = sqlite3_column_int (st, 2);
        s->at = sqlite3_column_int64 (st, 3);
        s->amended = sqlite3_column_count (st) > 4 && sqlite3_column_int (st, 4) != 0;
    }
    return s_done (step);
}

/* Reads the schedules. */
int
us_report_rows_schedules (us_report_data_t *data, sqlite3_stmt *st)
{
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        us_report_schedule_row_t *s = us_report_data_add (data->scheds, data->n_scheds,
                                                          data->cap_scheds);
        if (!s)
            return US_ENOMEM;
        snprintf (s->code, sizeof s->code, "%s", us_db_text (st, 0));
        snprintf (s->name, sizeof s->name, "%s", us_db_text (st, 1));
        snprintf (s->type, sizeof s->type, "%s", us_db_text (st, 2));
        snprintf (s->kinds, sizeof s->kinds, "%s", us_db_text (st, 3));
        snprintf (s->deadline, sizeof s->deadline, "%s", us_db_text (st, 4));
    }
    return s_done (step);
}

/* The folded figure of one unit and indicator. */
typedef struct {
    int64_t value;
    int month;                  /* a flow's last month, a stock's latest */
    bool has;
} s_slot_t;

struct _us_report_scan_t {
    us_report_data_t *data;
    int *unit_at;               /* [unit id]: folded unit index + 1; 0 keeps its figures as rows */
    int64_t n_unit_at;
    int *ind_at;                /* [indicator id]: catalog index + 1; -1 computed, 0 unknown */
    bool *flow;                 /* [catalog index]: a flow (else a stock) */
    int64_t n_ind_at;
    int64_t *unit_ids;          /* [folded unit index] */
    size_t n_units;
    s_slot_t *slots;            /* [folded unit index * n_inds + catalog index] */
    us_report_data_t own;       /* a fork's: the report's units and catalog, its own rows */
    bool forked;                /* the maps above are its parent's */
};

/* Starts a scan of the cells of one report into data. */
us_report_scan_t *
us_report_scan_new (us_report_data_t *data, bool fold, int tree)
{
    us_report_scan_t *self = calloc (1, sizeof *self);
    if (!self) {
        us_error_set (US_ENOMEM, "out of memory");
        return NULL;
    }
    self->data = data;
    if (!fold)
        return self;
    size_t n_inds = data->n_inds;
    self->n_unit_at = self->n_ind_at = 1;
    for (size_t k = 0; k < data->n_units; k++)
        if (data->units [k].id >= self->n_unit_at)
            self->n_unit_at = data->units [k].id + 1;
    for (size_t i = 0; i < n_inds; i++)
        if (data->ind_ids [i] >= self->n_ind_at)
            self->n_ind_at = data->ind_ids [i] + 1;
    self->unit_at = calloc ((size_t) self->n_unit_at, sizeof *self->unit_at);
    self->ind_at = calloc ((size_t) self->n_ind_at, sizeof *self->ind_at);
    self->unit_ids = calloc (data->n_units + 1, sizeof *self->unit_ids);
    self->slots = calloc (data->n_units * n_inds + 1, sizeof *self->slots);
    self->flow = calloc (n_inds + 1, sizeof *self->flow);
    if (!self->unit_at || !self->ind_at || !self->unit_ids || !self->slots || !self->flow) {
        us_report_scan_destroy (&self);
        us_error_set (US_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t k = 0; k < data->n_units; k++) {
        const us_report_unit_row_t *u = &data->units [k];
        if (u->id > 0 && self->unit_at [u->id] == 0 && us_succession_in_force (u, tree)) {
            self->unit_ids [self->n_units] = u->id;
            self->unit_at [u->id] = (int) ++self->n_units;
        }
    }
    for (size_t i = 0; i < n_inds; i++) {
        self->flow [i] = data->inds [i].kind == US_KIND_FLOW;
        int64_t id = data->ind_ids [i];
        if (id > 0 && self->ind_at [id] == 0)
            self->ind_at [id] = us_kind_computed (data->inds [i].kind) ? -1 : (int) i + 1;
    }
    return self;
}

/* Adds two figures, saturating as the engine does (us_report.c). */
static int64_t
s_add (int64_t a, int64_t b)
{
    int64_t sum;
    if (__builtin_add_overflow (a, b, &sum))
        return a > 0 ? INT64_MAX : INT64_MIN;
    return sum;
}

/* Takes one entered figure. */
int
us_report_scan_cell (us_report_scan_t *self, int64_t unit_id, int64_t ind_id, int month,
                     int64_t value)
{
    int u = unit_id > 0 && unit_id < self->n_unit_at ? self->unit_at [unit_id] : 0;
    if (u > 0) {
        /* The engine reads nothing of an unknown or computed indicator. */
        int i = ind_id > 0 && ind_id < self->n_ind_at ? self->ind_at [ind_id] : 0;
        if (i <= 0)
            return 0;
        s_slot_t *s = &self->slots [(size_t) (u - 1) * self->data->n_inds + (size_t) (i - 1)];
        if (self->flow [i - 1]) {
            s->value = s_add (s->value, value);
            if (!s->has || month > s->month)
                s->month = month;
        }
        else
        if (!s->has || month > s->month) {
            s->value = value;
            s->month = month;
        }
        s->has = true;
        return 0;
    }
    us_report_data_t *d = self->data;
    us_report_cell_row_t *c = us_report_data_add (d->cells, d->n_cells, d->cap_cells);
    if (!c)
        return US_ENOMEM;
    c->unit_id = unit_id;
    c->ind_id = ind_id;
    c->month = month;
    c->value = value;
    return 0;
}

/* Appends the folded rows to the data's cells. */
int
us_report_scan_finish (us_report_scan_t *self)
{
    us_report_data_t *d = self->data;
    for (size_t u = 0; u < self->n_units; u++)
        for (size_t i = 0; i < d->n_inds; i++) {
            const s_slot_t *s = &self->slots [u * d->n_inds + i];
            if (!s->has)
                continue;
            us_report_cell_row_t *c = us_report_data_add (d->cells, d->n_cells, d->cap_cells);
            if (!c)
                return US_ENOMEM;
            c->unit_id = self->unit_ids [u];
            c->ind_id = d->ind_ids [i];
            c->month = s->month;
            c->value = s->value;
        }
    return 0;
}

/* Starts a scan of other months of the same report, for another thread:
   it reads the parent's maps, which must outlive it, and keeps its
   figures apart until us_report_scan_merge. */
us_report_scan_t *
us_report_scan_fork (const us_report_scan_t *parent)
{
    us_report_scan_t *self = malloc (sizeof *self);
    if (!self) {
        us_error_set (US_ENOMEM, "out of memory");
        return NULL;
    }
    *self = *parent;
    self->own = *parent->data;
    self->own.cells = NULL;
    self->own.n_cells = self->own.cap_cells = 0;
    self->data = &self->own;
    self->forked = true;
    if (parent->slots) {
        self->slots = calloc (parent->data->n_units * parent->data->n_inds + 1,
                              sizeof *self->slots);
        if (!self->slots) {
            free (self);
            us_error_set (US_ENOMEM, "out of memory");
            return NULL;
        }
    }
    return self;
}

/* Takes into self what a fork took of months after all of self's: its
   figures as rows in order, then its folded ones (a flow's sum added, a
   stock's later figure kept), as if self had taken them one by one. */
int
us_report_scan_merge (us_report_scan_t *self, const us_report_scan_t *later)
{
    us_report_data_t *d = self->data;
    for (size_t k = 0; k < later->own.n_cells; k++) {
        us_report_cell_row_t *c = us_report_data_add (d->cells, d->n_cells, d->cap_cells);
        if (!c)
            return US_ENOMEM;
        *c = later->own.cells [k];
    }
    size_t n_slots = self->slots && later->slots ? self->n_units * d->n_inds : 0;
    for (size_t j = 0; j < n_slots; j++) {
        const s_slot_t *b = &later->slots [j];
        s_slot_t *a = &self->slots [j];
        if (!b->has)
            continue;
        if (self->flow [j % d->n_inds])
            a->value = s_add (a->value, b->value);
        else
        if (!a->has || b->month > a->month)
            a->value = b->value;
        if (!a->has || b->month > a->month)
            a->month = b->month;
        a->has = true;
    }
    return 0;
}

/* Frees a scan and nulls the pointer. */
void
us_report_scan_destroy (us_report_scan_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    us_report_scan_t *self = *self_p;
    if (!self->forked) {
        free (self->unit_at);
        free (self->ind_at);
        free (self->unit_ids);
        free (self->flow);
    }
    free (self->own.cells);
    free (self->slots);
    free (self);
    *self_p = NULL;
}
