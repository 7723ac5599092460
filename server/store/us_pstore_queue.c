/*  us_pstore_queue: the rows an open audit chain holds back. */
#include "us_pstore_queue.h"
#include "us_pstore_sql.h"
#include "us_error.h"

#include <stdlib.h>
#include <string.h>

/* A queued record: the row, its text as offsets into the queue's text
   (the caller's strings may not outlive the call), its place in the chain. */
typedef struct {
    us_audit_row_t row;
    size_t text [5];            /* unit, indicator, author, note, reason */
    uint8_t prev [US_HASH_LEN];
    uint8_t hash [US_HASH_LEN];
} s_record_t;

typedef struct {
    int kind;
    int64_t ref;
    int64_t unit_id;            /* 0: of no unit */
} s_touch_t;

/* A queued new cell, with the id it will have. */
typedef struct {
    us_pstore_cell_write_t w;   /* its text as offsets below */
    int64_t id;
    int64_t timeline;
    size_t text [3];            /* replica, author, note */
} s_cell_t;

struct _us_pstore_queue_t {
    s_record_t records [US_PSTORE_QUEUE_ROWS];
    size_t n_records;
    s_touch_t touches [US_PSTORE_QUEUE_ROWS];
    size_t n_touches;
    s_cell_t cells [US_PSTORE_QUEUE_ROWS];
    size_t n_cells;
    int64_t next_cell_id;       /* the id the next queued cell takes; 0: not read */
    char *text;                 /* the strings of the queued rows, each with its NUL */
    size_t text_len, text_size;
};

#define S_RECORD_COLUMNS 22
#define S_CELL_COLUMNS 15

/* The statements of each table, for us_stmts_rows. REPLACE deletes an
   entity's earlier entry in the change stream and appends a new one, so
   that the stream holds each entity once, at its latest change; within
   one statement the rows are replaced in order, as by one statement each. */
static const char *const s_records_sql [3] = US_STMTS_SQLS (
    "INSERT INTO received (id, replica_id, epoch, seq, unit, indicator, month, value, hlc,"
    " clamped, base_version, author, note, outcome, reason, version, at, batch_id,"
    " prev_hash, hash, origin_hlc, kind) VALUES ",
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", "");
static const char *const s_touches_sql [3] = US_STMTS_SQLS (
    "INSERT OR REPLACE INTO changelog (kind, ref, unit) VALUES ", "(?,?,?)", "");
static const char *const s_cells_sql [3] = US_STMTS_SQLS (
    "INSERT INTO cells (id, unit_id, ind_id, month, value, version, hlc, replica, author,"
    " note, corrected, base_version, resent, record, timeline) VALUES ",
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", "");

/* Creates an empty queue. */
us_pstore_queue_t *
us_pstore_queue_new (void)
{
    return calloc (1, sizeof (us_pstore_queue_t));
}

/* Frees the queue and nulls the pointer. */
void
us_pstore_queue_destroy (us_pstore_queue_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->text);
    free (*self_p);
    *self_p = NULL;
}

/* Copies s into the queue's text; sets *at to its offset. */
static int
s_keep (us_pstore_queue_t *self, size_t *at, const char *s)
{
    size_t len = strlen (s ? s : "") + 1;
    if (self->text_size - self->text_len < len) {
        size_t size = self->text_size ? self->text_size : 4096;
        while (size - self->text_len < len)
            size *= 2;
        char *text = realloc (self->text, size);
        if (!text)
            return us_error_set (US_ENOMEM, "out of memory queuing the rows of an audit chain");
        self->text = text;
        self->text_size = size;
    }
    memcpy (self->text + self->text_len, s ? s : "", len);
    *at = self->text_len;
    self->text_len += len;
    return 0;
}

/* Binds queued record i at columns first .. first + 21. */
static void
s_bind_record (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    const us_pstore_queue_t *self = arg;
    const s_record_t *r = &self->records [i];
    const us_audit_row_t *row = &r->row;
    sqlite3_bind_int64 (st, first, row->id);
    sqlite3_bind_int64 (st, first + 1, row->replica_id);
    sqlite3_bind_int64 (st, first + 2, row->epoch);
    sqlite3_bind_int64 (st, first + 3, row->seq);
    sqlite3_bind_text (st, first + 4, self->text + r->text [0], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 5, self->text + r->text [1], -1, SQLITE_STATIC);
    sqlite3_bind_int (st, first + 6, row->month);
    if (row->has_value)
        sqlite3_bind_int64 (st, first + 7, row->value);
    else
        sqlite3_bind_null (st, first + 7);
    sqlite3_bind_int64 (st, first + 8, row->hlc);
    sqlite3_bind_int (st, first + 9, row->clamped);
    sqlite3_bind_int64 (st, first + 10, row->base_version);
    sqlite3_bind_text (st, first + 11, self->text + r->text [2], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 12, self->text + r->text [3], -1, SQLITE_STATIC);
    sqlite3_bind_int (st, first + 13, row->outcome);
    sqlite3_bind_text (st, first + 14, self->text + r->text [4], -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, first + 15, row->version);
    sqlite3_bind_int64 (st, first + 16, row->at);
    sqlite3_bind_int64 (st, first + 17, row->batch_id);
    sqlite3_bind_blob (st, first + 18, r->prev, US_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob (st, first + 19, r->hash, US_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64 (st, first + 20, row->origin_hlc);
    sqlite3_bind_int (st, first + 21, row->kind);
}

/* Binds queued change-stream entry i at columns first .. first + 2. */
static void
s_bind_touch (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    const us_pstore_queue_t *self = arg;
    sqlite3_bind_int (st, first, self->touches [i].kind);
    sqlite3_bind_int64 (st, first + 1, self->touches [i].ref);
    if (self->touches [i].unit_id)
        sqlite3_bind_int64 (st, first + 2, self->touches [i].unit_id);
    else
        sqlite3_bind_null (st, first + 2);
}

/* Binds queued cell i at columns first .. first + 14. */
static void
s_bind_cell (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    const us_pstore_queue_t *self = arg;
    const s_cell_t *c = &self->cells [i];
    sqlite3_bind_int64 (st, first, c->id);
    sqlite3_bind_int64 (st, first + 1, c->w.unit_id);
    sqlite3_bind_int64 (st, first + 2, c->w.ind_id);
    sqlite3_bind_int (st, first + 3, c->w.month);
    if (c->w.clear)
        sqlite3_bind_null (st, first + 4);
    else
        sqlite3_bind_int64 (st, first + 4, c->w.value);
    sqlite3_bind_int64 (st, first + 5, 1);      /* a new cell's first version */
    sqlite3_bind_int64 (st, first + 6, (int64_t) c->w.hlc);
    sqlite3_bind_text (st, first + 7, self->text + c->text [0], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 8, self->text + c->text [1], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 9, self->text + c->text [2], -1, SQLITE_STATIC);
    sqlite3_bind_int (st, first + 10, c->w.corrected);
    sqlite3_bind_int64 (st, first + 11, (int64_t) c->w.base_version);
    sqlite3_bind_int (st, first + 12, c->w.resent);
    sqlite3_bind_int64 (st, first + 13, c->w.record);
    sqlite3_bind_int64 (st, first + 14, c->timeline);
}

/* Writes every queued row, when part of the queue is full. */
static int
s_room (us_pstore_t *store, size_t n)
{
    return n == US_PSTORE_QUEUE_ROWS ? us_pstore_queue_flush (store) : 0;
}

/* Queues an audit record. */
int
us_pstore_queue_record (us_pstore_t *store, const us_audit_row_t *row,
                        const uint8_t *prev, const uint8_t *hash)
{
    us_pstore_queue_t *self = store->queue;
    int rc = s_room (store, self->n_records);
    if (rc)
        return rc;
    s_record_t *r = &self->records [self->n_records];
    r->row = *row;
    memcpy (r->prev, prev, US_HASH_LEN);
    memcpy (r->hash, hash, US_HASH_LEN);
    const char *text [5] = { row->unit, row->indicator, row->author, row->note, row->reason };
    for (int k = 0; rc == 0 && k < 5; k++)
        rc = s_keep (self, &r->text [k], text [k]);
    if (rc == 0)
        self->n_records++;
    return rc;
}

/* Queues a change-stream entry. */
int
us_pstore_queue_touch (us_pstore_t *store, int kind, int64_t ref, int64_t unit_id)
{
    us_pstore_queue_t *self = store->queue;
    int rc = s_room (store, self->n_touches);
    if (rc == 0)
        self->touches [self->n_touches++] = (s_touch_t) { kind, ref, unit_id };
    return rc;
}

/* Queues a new cell. */
int
us_pstore_queue_cell (us_pstore_t *store, const us_pstore_cell_write_t *w, int64_t timeline,
                      int64_t *id)
{
    us_pstore_queue_t *self = store->queue;
    int rc = s_room (store, self->n_cells);
    /* Ids as SQLite would give them: the table's largest plus one, read
       once per filling of the queue, when nothing else inserts cells. */
    if (rc == 0 && self->next_cell_id == 0) {
        sqlite3_stmt *st;
        rc = us_pstore_prep (store, &st, "SELECT COALESCE (MAX (id), 0) + 1 FROM cells",
                             "reading the cells' last id");
        if (rc == 0 && sqlite3_step (st) == SQLITE_ROW)
            self->next_cell_id = sqlite3_column_int64 (st, 0);
        else
        if (rc == 0)
            rc = us_pstore_fail (store, "reading the cells' last id");
        if (rc == 0)
            sqlite3_reset (st);
    }
    if (rc)
        return rc;
    s_cell_t *c = &self->cells [self->n_cells];
    c->w = *w;
    c->id = self->next_cell_id;
    c->timeline = timeline;
    const char *text [3] = { w->replica, w->author, w->note };
    for (int k = 0; rc == 0 && k < 3; k++)
        rc = s_keep (self, &c->text [k], text [k]);
    if (rc)
        return rc;
    self->n_cells++;
    *id = self->next_cell_id++;
    return 0;
}

/* Returns true when the cell (unit, indicator, month) waits in the queue. */
bool
us_pstore_queue_has_cell (const us_pstore_queue_t *self, int64_t unit_id, int64_t ind_id,
                          int month)
{
    for (size_t i = 0; i < self->n_cells; i++) {
        const us_pstore_cell_write_t *w = &self->cells [i].w;
        if (w->unit_id == unit_id && w->ind_id == ind_id && w->month == month)
            return true;
    }
    return false;
}

/* Writes every queued row: the cells first, which the entries name. */
int
us_pstore_queue_flush (us_pstore_t *store)
{
    us_pstore_queue_t *self = store->queue;
    int rc = us_stmts_rows (store->stmts, s_cells_sql, self->n_cells, S_CELL_COLUMNS,
                            s_bind_cell, NULL, self, "writing a cell");
    if (rc == 0)
        rc = us_stmts_rows (store->stmts, s_records_sql, self->n_records, S_RECORD_COLUMNS,
                            s_bind_record, NULL, self, "appending an audit record");
    if (rc == 0)
        rc = us_stmts_rows (store->stmts, s_touches_sql, self->n_touches, 3, s_bind_touch,
                            NULL, self, "stamping the change stream");
    us_pstore_queue_drop (self);
    return rc;
}

/* Forgets the queued rows. */
void
us_pstore_queue_drop (us_pstore_queue_t *self)
{
    self->n_records = 0;
    self->n_touches = 0;
    self->n_cells = 0;
    self->next_cell_id = 0;
    self->text_len = 0;
}
