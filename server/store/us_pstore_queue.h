/*  us_pstore_queue: the rows an open audit chain holds back.

    While a transaction appends to a chain (an office's batch, a province
    correction, an absorbed province), its audit records, change-stream
    entries and new cells wait here and go into their tables many rows to
    a statement (us_stmts_rows): one statement's start and end (its
    cursors, its statement journal, the change stream's AUTOINCREMENT
    counter) per 64 rows instead of per row. A record keeps its place in
    the chain: its id and hash are fixed when it is queued; a cell takes
    the id SQLite would have given it.

    The store empties the queue before anything reads the audit log in the
    transaction, before a queued cell is read, when the chain is closed and
    before a commit; a rollback drops it. Only the store's files include
    this header.
*/
#ifndef US_PSTORE_QUEUE_H
#define US_PSTORE_QUEUE_H

#include "us_pstore.h"
#include "us_stmts.h"

#define US_PSTORE_QUEUE_ROWS US_STMTS_ROWS_MANY

typedef struct _us_pstore_queue_t us_pstore_queue_t;

/* Creates an empty queue; NULL when out of memory. */
us_pstore_queue_t *us_pstore_queue_new (void);

/* Frees the queue and nulls the pointer; safe on NULL and twice. */
void us_pstore_queue_destroy (us_pstore_queue_t **self_p);

/* Queues an audit record whose hash, chained to prev, is hash; copies its
   text. Writes the queue first when it is full. Returns 0, US_ENOMEM or
   the store's error of writing. */
int us_pstore_queue_record (us_pstore_t *store, const us_audit_row_t *row,
                            const uint8_t *prev, const uint8_t *hash);

/* Queues a change-stream entry of unit_id (0: of no unit); writes the
   queue first when it is full. Returns 0 or the store's error of writing. */
int us_pstore_queue_touch (us_pstore_t *store, int kind, int64_t ref, int64_t unit_id);

/* Queues a cell the store does not hold (its first version), written with
   timeline; sets *id to the id it will have. Copies w's text. Returns 0,
   US_ENOMEM or the store's error of writing. */
int us_pstore_queue_cell (us_pstore_t *store, const us_pstore_cell_write_t *w,
                          int64_t timeline, int64_t *id);

/* Returns true when the cell (unit, indicator, month) waits in the queue:
   the queue must be written before the cell is read. */
bool us_pstore_queue_has_cell (const us_pstore_queue_t *self, int64_t unit_id,
                               int64_t ind_id, int month);

/* Writes every queued row, in the order queued (inside the transaction).
   Returns 0 or the store's error; the queue is empty either way. */
int us_pstore_queue_flush (us_pstore_t *store);

/* Forgets the queued rows (the transaction was rolled back). */
void us_pstore_queue_drop (us_pstore_queue_t *self);

#endif
