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
} s_touch_t;

struct _us_pstore_queue_t {
    s_record_t records [US_PSTORE_QUEUE_ROWS];
    size_t n_records;
    s_touch_t touches [US_PSTORE_QUEUE_ROWS];
    size_t n_touches;
    char *text;                 /* the records' strings, each with its NUL */
    size_t text_len, text_size;
};

#define S_RECORD_COLUMNS 22
#define S_RECORD_ROW "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define S_RECORD_ROWS8 S_RECORD_ROW "," S_RECORD_ROW "," S_RECORD_ROW "," S_RECORD_ROW "," \
                       S_RECORD_ROW "," S_RECORD_ROW "," S_RECORD_ROW "," S_RECORD_ROW
#define S_RECORD_ROWS32 S_RECORD_ROWS8 "," S_RECORD_ROWS8 "," S_RECORD_ROWS8 "," S_RECORD_ROWS8
#define S_RECORD_INSERT \
    "INSERT INTO received (id, replica_id, epoch, seq, unit, indicator, month, value, hlc," \
    " clamped, base_version, author, note, outcome, reason, version, at, batch_id," \
    " prev_hash, hash, origin_hlc, kind) VALUES "

/* REPLACE deletes the entity's earlier entry and appends a new one, so
   the stream holds each entity once, at its latest change; within one
   statement the rows are replaced in order, as by one statement each. */
#define S_TOUCH_ROWS8 "(?,?),(?,?),(?,?),(?,?),(?,?),(?,?),(?,?),(?,?)"
#define S_TOUCH_ROWS32 S_TOUCH_ROWS8 "," S_TOUCH_ROWS8 "," S_TOUCH_ROWS8 "," S_TOUCH_ROWS8
#define S_TOUCH_INSERT "INSERT OR REPLACE INTO changelog (kind, ref) VALUES "

/* The statements that write rows k at a time, largest first: a queue of
   n rows takes n / 64 + n % 64 / 8 + n % 8 statements. */
static const struct {
    size_t rows;
    const char *records;
    const char *touches;
} s_sizes [] = {
    { 64, S_RECORD_INSERT S_RECORD_ROWS32 "," S_RECORD_ROWS32,
          S_TOUCH_INSERT S_TOUCH_ROWS32 "," S_TOUCH_ROWS32 },
    { 8, S_RECORD_INSERT S_RECORD_ROWS8, S_TOUCH_INSERT S_TOUCH_ROWS8 },
    { 1, S_RECORD_INSERT S_RECORD_ROW, S_TOUCH_INSERT "(?,?)" },
};

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
            return us_error_set (US_ENOMEM, "out of memory queuing an audit record");
        self->text = text;
        self->text_size = size;
    }
    memcpy (self->text + self->text_len, s ? s : "", len);
    *at = self->text_len;
    self->text_len += len;
    return 0;
}

/* Binds a queued record at columns first .. first + 21. */
static void
s_bind_record (sqlite3_stmt *st, int first, const us_pstore_queue_t *self, const s_record_t *r)
{
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

/* Writes the queued records, in as few statements as s_sizes allows. */
static int
s_flush_records (us_pstore_t *store, us_pstore_queue_t *self)
{
    const char *what = "appending an audit record";
    size_t i = 0, n = self->n_records;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sizeof s_sizes / sizeof *s_sizes; k++)
        while (rc == 0 && n - i >= s_sizes [k].rows) {
            sqlite3_stmt *st;
            rc = us_pstore_prep (store, &st, s_sizes [k].records, what);
            for (size_t j = 0; rc == 0 && j < s_sizes [k].rows; j++)
                s_bind_record (st, (int) j * S_RECORD_COLUMNS + 1, self, &self->records [i + j]);
            if (rc == 0)
                rc = us_pstore_done (store, st, what);
            i += s_sizes [k].rows;
        }
    self->n_records = 0;
    self->text_len = 0;
    return rc;
}

/* Writes the queued change-stream entries, as the records. */
static int
s_flush_touches (us_pstore_t *store, us_pstore_queue_t *self)
{
    const char *what = "stamping the change stream";
    size_t i = 0, n = self->n_touches;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sizeof s_sizes / sizeof *s_sizes; k++)
        while (rc == 0 && n - i >= s_sizes [k].rows) {
            sqlite3_stmt *st;
            rc = us_pstore_prep (store, &st, s_sizes [k].touches, what);
            for (size_t j = 0; rc == 0 && j < s_sizes [k].rows; j++) {
                sqlite3_bind_int (st, (int) j * 2 + 1, self->touches [i + j].kind);
                sqlite3_bind_int64 (st, (int) j * 2 + 2, self->touches [i + j].ref);
            }
            if (rc == 0)
                rc = us_pstore_done (store, st, what);
            i += s_sizes [k].rows;
        }
    self->n_touches = 0;
    return rc;
}

/* Queues an audit record. */
int
us_pstore_queue_record (us_pstore_t *store, const us_audit_row_t *row,
                        const uint8_t *prev, const uint8_t *hash)
{
    us_pstore_queue_t *self = store->queue;
    int rc = self->n_records == US_PSTORE_QUEUE_ROWS ? s_flush_records (store, self) : 0;
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
us_pstore_queue_touch (us_pstore_t *store, int kind, int64_t ref)
{
    us_pstore_queue_t *self = store->queue;
    int rc = self->n_touches == US_PSTORE_QUEUE_ROWS ? s_flush_touches (store, self) : 0;
    if (rc == 0)
        self->touches [self->n_touches++] = (s_touch_t) { kind, ref };
    return rc;
}

/* Writes every queued row. */
int
us_pstore_queue_flush (us_pstore_t *store)
{
    us_pstore_queue_t *self = store->queue;
    int rc = s_flush_records (store, self);
    if (rc) {
        us_pstore_queue_drop (self);
        return rc;
    }
    return s_flush_touches (store, self);
}

/* Forgets the queued rows. */
void
us_pstore_queue_drop (us_pstore_queue_t *self)
{
    self->n_records = 0;
    self->n_touches = 0;
    self->text_len = 0;
}
