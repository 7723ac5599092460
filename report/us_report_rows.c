/*  us_report_rows: the rows a store's report loader selected. */
#include "us_report_rows.h"
#include "us_db.h"
#include "us_error.h"

#include <stdio.h>

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
