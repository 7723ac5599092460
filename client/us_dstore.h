/*  us_dstore: a district office's store.

    Holds the office's view of its figures (the shared report tables), the
    outbox of edits not yet acknowledged, the results of acknowledged ones
    (rejections and lost conflicts stay visible), the conflicts the province
    reported, the checkpoint in the server's change stream, the replica's
    epoch and sequence, and its hybrid logical clock. Every edit is in the
    outbox and on disk before the call returns. Works with no network: the
    default catalog is built in until the server's arrives.

    A us_dstore_t owns its SQLite handle and any batch it hands out; free it
    with us_dstore_destroy().
*/
#ifndef US_DSTORE_H
#define US_DSTORE_H

#include "us_codec.h"
#include "us_report.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct _us_dstore_t us_dstore_t;

#define US_SYNC_SHOWN 8         /* repaired months a sync names */
#define US_DSTORE_IN_FLIGHT 3   /* batches handed out that stay valid at once */

/* The heap a command that reads or writes many figures (sync, import,
   show) asks for in huge pages before it opens the store
   (us_db_heap_huge): a district's first pull of 82,800 figures took some
   2,300 page faults fewer with it, and a one-edit sync against that
   mirror 2,000. */
#define US_DSTORE_HEAP (16u << 20)

/* Counts of what one sync did, filled by the apply functions. */
typedef struct {
    size_t pushed, accepted, rejected, lost, won, duplicates;
    size_t pulled_cells, pulled_other, pages, submitted, submit_refused;
    bool new_epoch;
    bool went_back;             /* the province was restored: edits re-sent */
    size_t resent;              /* acknowledged edits put back in the outbox */
    bool verified;              /* the mirror's digest matched the province's */
    size_t repaired;            /* months re-pulled whole because they differed */
    int repaired_months [US_SYNC_SHOWN];    /* the first of them */
    size_t recoded;             /* units this store renamed to the codes the
                                   province that absorbed its own gave them */
    char moved_from [65];       /* the unit this office was enrolled for
                                   before the province moved it; "" */
    int64_t acked_ms;           /* wall clock (ms) when the last answer to a
                                   push was settled in the store; 0: none */
} us_sync_stats_t;

/* Creates a store at path for unit, to sync with server (endpoint and
   public key token). Fails when path exists. */
int us_dstore_create (us_dstore_t **self_p, const char *path, const char *unit,
                      const char *server, const char *server_key);

/* Opens an existing store. */
int us_dstore_open (us_dstore_t **self_p, const char *path);

/* Closes the store and nulls the pointer; safe on NULL. */
void us_dstore_destroy (us_dstore_t **self_p);

/* Returns the SQLite handle (owned by the store). */
sqlite3 *us_dstore_db (us_dstore_t *self);

/* Returns the key file path, the unit, the server endpoint and the server's
   CURVE key (Z85); all owned by the store. */
const char *us_dstore_key_path (us_dstore_t *self);
const char *us_dstore_unit (us_dstore_t *self);
const char *us_dstore_server (us_dstore_t *self);
const char *us_dstore_server_key (us_dstore_t *self);

/* Records an edit of one figure (value NULL clears it). Validates against
   the catalog mirror and the unit tree; durable when it returns 0. */
int us_dstore_set (us_dstore_t *self, const char *unit, const char *month,
                   const char *indicator, const char *value, const char *note,
                   const char *author);

/* Starts a transaction: the us_dstore_set() calls until us_dstore_commit()
   or us_dstore_rollback() are stored together or not at all. */
int us_dstore_begin (us_dstore_t *self);

/* Commits the edits since us_dstore_begin(); durable when it returns 0. */
int us_dstore_commit (us_dstore_t *self);

/* Undoes the edits since us_dstore_begin(); never fails. */
void us_dstore_rollback (us_dstore_t *self);

/* Called for each indicator of the catalog (strings valid during the
   call); a non-zero return stops the walk and is returned. */
typedef int (us_dstore_indicator_fn) (const char *code, const char *name,
                                      const char *kind, void *arg);

/* Walks the catalog mirror in catalog order. */
int us_dstore_each_indicator (us_dstore_t *self, us_dstore_indicator_fn *fn, void *arg);

/* Called for each figure entered for a unit (strings valid during the
   call); a non-zero return stops the walk and is returned. */
typedef int (us_dstore_cell_fn) (const char *unit, const char *indicator, int month,
                                 int64_t value, void *arg);

/* Walks the figures entered for units (not consolidated) in months
   first..last (month indexes, us_period.h). */
int us_dstore_each_cell (us_dstore_t *self, int first, int last, us_dstore_cell_fn *fn,
                         void *arg);

/* Builds the report of period for the office's subtree (the caller frees
   it with us_report_destroy()). */
int us_dstore_report (us_dstore_t *self, us_report_t **report_p, const char *period);

/* Checks the catalog's rules on the consolidated figures of unit in
   period. Returns 0, or US_EINVAL with the broken rule in msg. */
int us_dstore_check_rules (us_dstore_t *self, char *msg, size_t size, const char *unit,
                           const char *period);

/* Queues the submission of the office's unit for a period; refused when a
   rule is broken. */
int us_dstore_submit (us_dstore_t *self, const char *period);

/* The same, nil saying the unit has nothing to report. Refused (US_EINVAL)
   for a period that has not ended in Vietnam's time, for one without any
   figure unless nil, with nil when there are figures, and while a rule is
   broken. */
int us_dstore_submit_as (us_dstore_t *self, const char *period, bool nil);

/* Returns true when the queued submission of period is a nil report. */
bool us_dstore_submit_nil (us_dstore_t *self, const char *period);

/* Fills a Hello from the store's state. */
int us_dstore_hello (us_dstore_t *self, us_hello_t *hello);

/* A signed head of the server's audit chain, as the office keeps it. */
typedef struct {
    uint64_t records;
    uint8_t hash [32];
    uint8_t signature [64];
    uint8_t key [32];
    int64_t seen_ms;
} us_dstore_head_t;

/* Keeps the signed audit head a Welcome carries, when its signature
   verifies; a Welcome without one (an older server) is passed over. */
int us_dstore_head_add (us_dstore_t *self, const us_welcome_t *w);

/* Loads the heads kept, oldest first, into a new array *heads_p of *n
   (the caller frees it). */
int us_dstore_heads (us_dstore_t *self, us_dstore_head_t **heads_p, size_t *n);

/* Takes in the server's Welcome: first renames the units the province
   re-coded when it absorbed this office's own (figures, outbox and
   history follow, see stats->recoded) and, when the province moved this
   replica to another unit, makes it the office's unit and pulls its
   scope again from the start (stats->moved_from); then adopts its clock and, when the server has
   seen more of this replica than the store remembers (a restored backup),
   starts a new epoch and renumbers the outbox; when the province went back
   in time (see stats->went_back), puts the acknowledged edits it lost back
   in the outbox and pulls the scope again from the start. */
int us_dstore_welcome (us_dstore_t *self, us_sync_stats_t *stats, const us_welcome_t *w);

/* Starts epoch server_epoch + 1 and renumbers the outbox: used when the
   server reports that a sequence of this store names another edit (a
   restore the Welcome could not reveal). */
int us_dstore_new_epoch (us_dstore_t *self, us_sync_stats_t *stats, uint32_t server_epoch);

/* Fills push with up to max outbox deltas whose (epoch, seq) is above
   (after_epoch, after_seq), oldest first, all of one epoch and all sent
   again after a restore (push->resent) or none. push->count is 0 when
   there are none. The deltas belong to the store until US_DSTORE_IN_FLIGHT
   more calls, so that many batches can be in flight at once. */
int us_dstore_batch_after (us_dstore_t *self, us_push_t *push, uint32_t after_epoch,
                           uint64_t after_seq, size_t max);

/* The same from the start (after 0) or after seq after of the current
   epoch. */
int us_dstore_batch (us_dstore_t *self, us_push_t *push, uint64_t after, size_t max);

/* Applies a PushAck to the batch it answers, in one transaction. */
int us_dstore_ack (us_dstore_t *self, us_sync_stats_t *stats, const us_push_t *push,
                   const us_push_ack_t *ack);

/* Returns the checkpoint in the server's change stream. */
int us_dstore_checkpoint (us_dstore_t *self, uint64_t *checkpoint);

/* Applies a Changes page and its checkpoint in one transaction. */
int us_dstore_apply (us_dstore_t *self, us_sync_stats_t *stats, const us_changes_t *c);

/* Applies a repair page (Changes.months set) in one transaction: the
   figures of each of its months, of the office's unit and the units under
   it, are replaced by the page's, except those with an edit still in the
   outbox; the checkpoint stays. */
int us_dstore_repair (us_dstore_t *self, const us_changes_t *c);

/* Returns the oldest queued submission (period in buf) or US_ENOTFOUND. */
int us_dstore_next_submit (us_dstore_t *self, char *period, size_t size);

/* Records the server's answer to a queued submission. */
int us_dstore_submit_done (us_dstore_t *self, const char *period, bool ok,
                           const char *state, const char *reason);

/* Records the time and outcome of a sync attempt; durable when it returns. */
int us_dstore_note_sync (us_dstore_t *self, const char *outcome);

/* With relaxed on, commits are no longer flushed to disk one by one (a
   crash may undo the last ones, never tear the store); off again, the next
   commit flushes them all. A sync runs relaxed: everything it writes can
   be had again from the server (acknowledgements of re-sent deltas come
   back as duplicates, pulled pages are pulled again), while edits are
   always made durable. Returns 0 or an error. */
int us_dstore_relaxed (us_dstore_t *self, bool on);

/* Writes into buf (of len) why the office's unit takes no figures after
   its end, as pulled: "unit X ended in 2025-06; its successor is Y (name)",
   the reason an edit of a later month is refused; "" while it lasts. */
int us_dstore_ended (us_dstore_t *self, char *buf, size_t len);

/* Prints the sync state: pending, rejected, conflicts, clock. */
int us_dstore_status (us_dstore_t *self, FILE *out, bool json);

/* Prints the indicators the office knows (the province's catalog once
   synced, the built-in one before): code, kind, policy, rule and
   Vietnamese name, in the catalog's order; as a table or JSON. */
int us_dstore_indicators (us_dstore_t *self, FILE *out, bool json);

/* Changes the server endpoint and/or its key (Z85 or a full key token);
   NULL leaves one as it is. Checked like us_dstore_create; durable when it
   returns 0, and nothing changes on error. */
int us_dstore_config (us_dstore_t *self, const char *server, const char *server_key);

/* Prints the office's figures for a period (NULL: the current year). */
int us_dstore_show (us_dstore_t *self, FILE *out, const char *period, bool json);

/* The same for unit's subtree (NULL: the office's unit), as the office
   holds it: a unit the office was moved from keeps its figures here. */
int us_dstore_show_unit (us_dstore_t *self, FILE *out, const char *period, const char *unit,
                         bool json);

/*  ----------------------------------------------------------------------
    What the office desk (us_ui) reads and keeps. Strings handed to a
    callback belong to the store and last until the callback returns.
    ---------------------------------------------------------------------- */

/* One cell of the office's view with everything the sync knows of it. */
typedef struct {
    const char *indicator;
    int month;
    bool has_value;             /* the office's view holds a figure */
    int64_t value;
    const char *author;         /* who entered (or corrected) the figure */
    const char *note;
    bool corrected;             /* the province changed it; note says why */
    bool pending;               /* an edit of it waits in the outbox */
    const char *outcome;        /* the last answer to an edit: "", accepted,
                                   conflict-won, conflict-lost, rejected */
    const char *reason;         /* why it was rejected or lost */
    bool has_sent;              /* the value that edit carried */
    int64_t sent;
    const char *winner_author;  /* of the latest conflict on the cell, or "" */
    bool has_winner;            /* the value that won it */
    int64_t winner;
} us_dstore_cell_t;

/* Called once per cell; a non-zero return stops the walk and is returned. */
typedef int (us_dstore_desk_cell_fn) (void *ctx, const us_dstore_cell_t *cell);

/* Walks the cells of unit for months first..last that hold a figure, wait
   in the outbox or were answered, by indicator and month. */
int us_dstore_cells (us_dstore_t *self, const char *unit, int first, int last,
                     us_dstore_desk_cell_fn *fn, void *ctx);

/* Sets *locked when the province locked month of unit, as far as this
   office has heard, and names the period in buf (what set refuses). */
int us_dstore_locked (us_dstore_t *self, bool *locked, char *period, size_t size,
                      const char *unit, int month);

/* Returns the time (ms since the epoch, 0: never) and outcome of the last
   sync attempt, the time the province last answered, and the number of
   edits waiting to be sent. */
int us_dstore_sync_info (us_dstore_t *self, int64_t *last_at, char *outcome, size_t size,
                         int64_t *reached_at, int64_t *pending);

/* Records that the province answered now; durable when it returns. */
int us_dstore_note_reached (us_dstore_t *self);

/* Reads the office's submission of period: the queue's state and reason
   ("" when never submitted) and the province's state ("" when unknown). */
int us_dstore_submission (us_dstore_t *self, const char *period, char *state, size_t state_size,
                          char *reason, size_t reason_size, char *province, size_t province_size);

/* Reads (US_ENOTFOUND when unset) and writes a setting of the desk, such
   as the clerk's name; keys are short codes. */
int us_dstore_desk_get (us_dstore_t *self, const char *key, char *buf, size_t size);
int us_dstore_desk_set (us_dstore_t *self, const char *key, const char *value);

/* Builds the consolidated report of period for unit (NULL: the office's
   unit) from the office's view; the caller frees it (us_report_destroy). */
int us_dstore_report_unit (us_dstore_t *self, us_report_t **report_p, const char *period,
                           const char *unit);

/* Writes a consistent copy of the store to path (which must not exist),
   for a trial run such as an import preview; the copy has no key file. */
int us_dstore_copy (us_dstore_t *self, const char *path);

/* Returns the last sequence number the store issued to an edit. */
int us_dstore_last_seq (us_dstore_t *self, int64_t *seq);

/* Sets *acked to the highest seq of epoch the province acknowledged to
   this store (0: none); a Push tells it, so that a province put back from
   a backup during a sync refuses the batch instead of hiding the loss. */
int us_dstore_acked (us_dstore_t *self, uint32_t epoch, uint64_t *acked);

/* Sets *epoch to the epoch of the store's new edits and *acked to the
   highest seq of it the province acknowledged (0: none); a Pull tells
   both, for the same reason as a Push. */
int us_dstore_epoch_acked (us_dstore_t *self, uint32_t *epoch, uint64_t *acked);

/* One edit waiting in the outbox. */
typedef struct {
    const char *unit;
    int month;
    const char *indicator;
    bool clear;
    int64_t value;
    const char *note;
} us_dstore_edit_t;

/* Called once per edit; non-zero stops the walk and is returned. */
typedef int (us_dstore_edit_fn) (void *ctx, const us_dstore_edit_t *edit);

/* Walks the new edits of the outbox (not those sent again after a restore)
   with a sequence above after, oldest first. */
int us_dstore_outbox_since (us_dstore_t *self, int64_t after, us_dstore_edit_fn *fn, void *ctx);

/* Reads the office's figure of a cell: *has is false when there is none. */
int us_dstore_value (us_dstore_t *self, bool *has, int64_t *value, const char *unit,
                     int month, const char *indicator);

#endif
