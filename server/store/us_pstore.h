/*  us_pstore: the provincial store.

    One SQLite file holding the unit tree and its kinds, the catalog,
    enrolled replicas, cells with versions, the change stream every client
    pulls from, the audit chain of every received delta, conflicts,
    targets and submissions. Only the files of server/store/ see its
    tables; everyone else calls the typed functions below. Every change
    that clients must see is stamped in the change stream inside the same
    transaction as the change.

    The schema is numbered (PRAGMA user_version) and opening a store
    brings it to the newest version, one migration per transaction.

    Functions return 0 or a negative US_E* code with a message naming what
    failed. A us_pstore_t owns its SQLite handle; free it with
    us_pstore_destroy(). Structs filled by the store are the caller's
    values; strings handed to a visitor live until the visitor returns.
*/
#ifndef US_PSTORE_H
#define US_PSTORE_H

#include "us_catalog.h"
#include "us_limits.h"
#include "us_period.h"
#include "us_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct _us_pstore_t us_pstore_t;

/* The newest schema version this program writes. */
#define US_PSTORE_VERSION 13

#define US_HASH_LEN 32

/* An enrolled replica, as the service and the merge see it. */
typedef struct {
    int64_t id;
    char key [41];              /* CURVE public key, Z85 */
    char name [128];
    int64_t unit_id;
    char unit [US_MAX_CODE + 1];
    char unit_kind [US_MAX_CODE + 1];
    int level;                  /* of the unit's kind: 0 for the province */
    bool revoked;
    bool has_sign;
    uint8_t sign_public [32];
    uint32_t max_epoch;
} us_replica_t;

/* ---------------------------------------------------------------------
   Opening, closing, transactions (us_pstore.c, us_pstore_migrate.c)
   --------------------------------------------------------------------- */

/* Creates a new store at path for a province; fails when path exists. */
int us_pstore_create (us_pstore_t **self_p, const char *path,
                      const char *province, const char *name);

/* Opens an existing store, upgrading its schema in place when it is
   older. Returns 0, US_ENOTFOUND, US_ECORRUPT (not a store, or made by a
   newer program) or the error of the migration that failed (the store is
   then left at the last version that succeeded). */
int us_pstore_open (us_pstore_t **self_p, const char *path);

/* Closes the store and nulls the pointer; safe on NULL. */
void us_pstore_destroy (us_pstore_t **self_p);

/* Tunes the connection for a long-running server that checkpoints when it
   is idle (us_pstore_idle): SQLite's own checkpoint then waits for
   a WAL of 10,000 pages (40 MB) instead of 1,000, so a page many commits
   write in a row is copied into the database once rather than each time,
   and not in the middle of a burst of syncs. */
int us_pstore_serving (us_pstore_t *self);

/* For a server gone idle: copies the WAL into the database without
   waiting for readers (PASSIVE; cheap when there is nothing to copy).
   The page cache is kept: it is bounded (2 MB), and handed back it cost
   the next request, an edit typed at an office desk, some forty reads
   of pages and the faults of their memory. Returns 0 or US_EIO. */
int us_pstore_idle (us_pstore_t *self);

/* Hands back the page cache's memory, for a connection that only reads
   (the ZAP thread's, whose cache would otherwise grow with every new
   key it looks up, up to 2 MB). Cannot fail. */
void us_pstore_release (us_pstore_t *self);

/* Returns the path of the store's key file (owned by the store). */
const char *us_pstore_key_path (us_pstore_t *self);

/* Returns the schema version of the open store. */
int us_pstore_version (us_pstore_t *self);

/* Starts a write transaction. */
int us_pstore_begin (us_pstore_t *self);

/* Commits the transaction; durable when it returns 0. */
int us_pstore_commit (us_pstore_t *self);

/* Rolls back the transaction, if any; never fails. */
void us_pstore_rollback (us_pstore_t *self);

/* Starts a write transaction, or, when one is open already (a group of
   batches committed together), a savepoint inside it; sets *nested to
   which. A savepoint commits with the transaction around it. */
int us_pstore_begin_part (us_pstore_t *self, bool *nested);

/* Commits what us_pstore_begin_part started: the transaction (durable
   when it returns 0), or releases the savepoint into the open one. */
int us_pstore_commit_part (us_pstore_t *self, bool nested);

/* Undoes what us_pstore_begin_part started, and only that; never fails. */
void us_pstore_rollback_part (us_pstore_t *self, bool nested);

/* Returns true while a transaction is open (SQLite ends one by itself on
   some errors; nothing may then be written outside it). */
bool us_pstore_in_transaction (us_pstore_t *self);

/* ---------------------------------------------------------------------
   Units, their kinds, the catalog, the tree (us_pstore_units.c)
   --------------------------------------------------------------------- */

/* Imports units from CSV (id,name,parent,kind[,valid_from,valid_to]); all
   or nothing. A kind is any code of the unit_kinds table. Sets *count. */
int us_pstore_import_units (us_pstore_t *self, int *count, const char *path);

/* Replaces the reporting schedules with those of a CSV file
   (code,name,period,kinds,indicators,deadline: period is month, quarter,
   half or year; kinds and indicators are space-separated codes, indicators
   empty for all; deadline is a us_calendar rule "M:D"). All or nothing;
   sets *count. (us_pstore_schedules.c) */
int us_pstore_import_schedules (us_pstore_t *self, int *count, const char *path);

/* Sets *deadline_ms to the deadline of a report of period: that of the
   first schedule of the period's type (month, quarter, half, year), else
   (none, or a range) the 20th of the following month. Returns 0 or
   US_EIO. */
int us_pstore_schedule_deadline (us_pstore_t *self, int64_t *deadline_ms,
                                 const us_period_t *period);

/* Prints the schedules as a table or as a JSON array. Returns 0 or US_EIO. */
int us_pstore_schedules_print (us_pstore_t *self, FILE *out, bool json);

/* Prints, for each schedule, the periods of its type inside period with
   the units (of the subtree of unit, NULL: all) expected, missing, late,
   nil, amended (edited since they were submitted) and locked_not_reported
   (locked without ever submitting), and the counts submitted, on time and late against the schedule's
   deadline, as a JSON array. (us_pstore_calendar.c) */
int us_pstore_schedules_json (us_pstore_t *self, FILE *out, const char *period,
                              const char *unit);

/* Prints per schedule the units whose report of a period that ended in the
   twelve months before at_ms is due (deadline not passed) or late, with
   the time each was last heard from; reports submitted after at_ms do not
   count. As text or a JSON array. */
int us_pstore_overdue_print (us_pstore_t *self, FILE *out, int64_t at_ms, bool json);

/* Imports unit kinds from CSV (code,name,level[,reports]): level 0 is the
   province, larger is lower in the tree; reports is 1 when units of the
   kind submit reports. All or nothing; sets *count. */
int us_pstore_import_kinds (us_pstore_t *self, int *count, const char *path);

/* Imports an indicator catalog from CSV; all or nothing. */
int us_pstore_import_indicators (us_pstore_t *self, int *count, const char *path);

/* Looks up a unit id by code. Returns 0 or US_ENOTFOUND. */
int us_pstore_unit_id (us_pstore_t *self, int64_t *id, const char *code);

/* Sets *in when unit_id is root_id or one of its descendants. */
int us_pstore_in_scope (us_pstore_t *self, bool *in, int64_t unit_id, int64_t root_id);

/* Sets *level to the level of the kind of unit_id (0: the province). */
int us_pstore_unit_level (us_pstore_t *self, int *level, int64_t unit_id);

/* Sets *reports when units of the kind with code submit reports (and so
   get a share of the province's plan and must be approved before their
   parent is locked). Returns 0 or US_ENOTFOUND. */
int us_pstore_kind_reports (us_pstore_t *self, bool *reports, const char *code);

/* An indicator as the merge needs it. */
typedef struct {
    int64_t id;
    us_kind_t kind;
    us_policy_t policy;
} us_pstore_ind_t;

/* Looks up an indicator by code. Returns 0 or US_ENOTFOUND. */
int us_pstore_indicator (us_pstore_t *self, us_pstore_ind_t *ind, const char *code);

/* ---------------------------------------------------------------------
   Replicas (us_pstore_replicas.c)
   --------------------------------------------------------------------- */

/* Enrolls a replica key for a unit; sets *replica_id. */
int us_pstore_enroll (us_pstore_t *self, int64_t *replica_id, const char *unit,
                      const char *token, const char *name);

/* Revokes a replica key; its next message is refused. */
int us_pstore_revoke (us_pstore_t *self, const char *token);

/* Moves a replica to another unit, on record; sets *replica_id. Returns 0,
   US_ENOTFOUND (no such key or unit), US_EINVAL (revoked, or already
   there) or another negative code, with nothing changed. */
int us_pstore_move (us_pstore_t *self, int64_t *replica_id, const char *token,
                    const char *unit);

/* Re-keys the replica enrolled with old_key (a key or a token) to the keys
   of new_token (from `unionsync rekey`), in one transaction. The replica
   keeps its id, unit, name, epochs and audit history, a revoked one is let
   in again, and the old key is refused from now on (and cannot be enrolled
   again); batches it signed still verify. Sets *replica_id. Returns 0,
   US_ENOTFOUND, US_EEXIST (new key in use or retired), US_EINVAL or
   another negative code, with nothing changed. */
int us_pstore_rekey (us_pstore_t *self, int64_t *replica_id, const char *old_key,
                     const char *new_token);

/* Looks up an active replica by CURVE key (Z85). Returns 0, US_ENOTFOUND or
   US_EPERM (revoked). */
int us_pstore_replica (us_pstore_t *self, us_replica_t *replica, const char *key);

/* Sets *high to the highest sequence applied for (replica, epoch). */
int us_pstore_epoch_high (us_pstore_t *self, uint64_t *high, int64_t replica_id,
                          uint32_t epoch);

/* Reads what bounds the lookups of earlier deltas: the highest seq applied
   in epoch, and whether the replica has sent under any other epoch. */
int us_pstore_epoch_history (us_pstore_t *self, uint64_t *high, bool *other_epochs,
                             int64_t replica_id, uint32_t epoch);

/* Raises the replica's high-water mark for epoch to seq (in a transaction). */
int us_pstore_epoch_raise (us_pstore_t *self, int64_t replica_id, uint32_t epoch, uint64_t seq);

/* ---------------------------------------------------------------------
   Cells and conflicts (us_pstore_cells.c)
   --------------------------------------------------------------------- */

/* A cell as it stands. */
typedef struct {
    int64_t id;
    bool exists;
    bool has_value;
    int64_t value;
    uint64_t version;
    uint64_t hlc;
    char replica [41];          /* key of the last writer; "" for the province */
    char author [US_MAX_CODE + 1];
    int writer_level;           /* level of the unit the last writer is enrolled for:
                                   filled by us_pstore_cell_writer_level only */
    uint64_t base_version;      /* the version the last writer's edit was based on */
    bool resent;                /* the last writer's edit was sent again after a restore */
    bool since_restore;         /* written since the store's last restore */
} us_pstore_cell_t;

/* A new version of a cell. */
typedef struct {
    int64_t unit_id;
    int64_t ind_id;
    int month;
    bool clear;
    int64_t value;
    uint64_t hlc;
    const char *replica;        /* "" for the province */
    const char *author;
    const char *note;
    bool corrected;             /* a province correction of a district's figure */
    uint64_t base_version;      /* the version the edit was based on */
    bool resent;                /* sent again after the province went back in time */
    int64_t record;             /* the audit record of the office's edit that writes
                                   this version with the clock it sent; 0: any other */
} us_pstore_cell_write_t;

/* Reads the cell (unit, indicator, month); cell->exists false when none. */
int us_pstore_cell_get (us_pstore_t *self, us_pstore_cell_t *cell, int64_t unit_id,
                        int64_t ind_id, int month);

/* Fills cell->writer_level, from the key cell->replica names: 0 (the
   province) when that key is no longer enrolled. Returns 0 or the error. */
int us_pstore_cell_writer_level (us_pstore_t *self, us_pstore_cell_t *cell);

/* Writes the next version of the cell read into before (inside a
   transaction) and stamps it in the change stream. An office's edit (not
   a province correction) turns the submitted reports it changes, of the
   unit and the units above it, into amended ones. */
int us_pstore_cell_put (us_pstore_t *self, const us_pstore_cell_t *before,
                        const us_pstore_cell_write_t *write);

/* One side of a conflict. */
typedef struct {
    bool cleared;
    int64_t value;
    const char *replica;
    const char *author;
    uint64_t hlc;
} us_pstore_side_t;

/* A settled or open conflict between two edits of one cell. */
typedef struct {
    int64_t unit_id;
    int64_t ind_id;
    int month;
    us_pstore_side_t winner, loser;
    const char *rule;
    uint64_t at;                /* HLC of the merge */
    bool resolved;
} us_pstore_conflict_t;

/* Records a conflict (inside a transaction) and stamps it. */
int us_pstore_conflict_add (us_pstore_t *self, const us_pstore_conflict_t *conflict);

/* Marks the open conflicts of a cell resolved (inside the caller's
   transaction); sets *count. */
int us_pstore_conflicts_resolve (us_pstore_t *self, int *count, const char *unit,
                                 int month, const char *indicator);

/* Prints the conflicts table as text or JSON. */
int us_pstore_conflicts_print (us_pstore_t *self, FILE *out, bool json);

/* ---------------------------------------------------------------------
   The audit chain: received deltas and batches (us_pstore_records.c)
   --------------------------------------------------------------------- */

/* What an audit record records: a delta (a replica's or a province
   correction), or an act of the province that moves a figure or who may
   write. A delta record hashes as records did before kinds existed. */
typedef enum {
    US_ACT_DELTA = 0,
    US_ACT_ENROL = 1,           /* unit: the replica's; reason: who and which key */
    US_ACT_REVOKE = 2,
    US_ACT_REKEY = 3,
    US_ACT_MOVE = 4,            /* unit: where it went; reason: from where */
    US_ACT_TARGET = 5,          /* unit, indicator, month (first of the period), value */
    US_ACT_STATE = 6,           /* unit, month (first of the period), reason: the state */
    US_ACT_IMPORT = 7,          /* reason: what was imported, note: its digest */
    US_ACT_REORG = 8,           /* unit: the one changed; month: effective; reason: the event */
    US_ACT_RESTORE = 9,         /* the store went back to a backup: see us_pstore_backup.h */
} us_act_t;

/* Returns the name of an act ("delta", "enrol", ...). */
const char *us_act_name (int kind);

/* The fields of one audit record that its hash covers. */
typedef struct {
    int64_t id;
    int kind;                   /* us_act_t */
    int64_t replica_id;
    int64_t batch_id;           /* 0 for a province correction */
    int64_t epoch;
    int64_t seq;
    const char *unit;
    const char *indicator;
    int month;
    bool has_value;
    int64_t value;
    int64_t hlc;
    int64_t origin_hlc;         /* as the replica stamped it, before any clamp */
    bool clamped;
    int64_t base_version;
    const char *author;
    const char *note;
    int outcome;
    const char *reason;
    int64_t version;
    int64_t at;                 /* ms */
} us_audit_row_t;

/* The chain's head while one transaction appends to it. */
typedef struct {
    uint8_t prev [US_HASH_LEN];
    int64_t next_id;
    int64_t rows;
    int64_t batch_id;           /* batch the next records belong to; 0: none */
} us_pstore_chain_t;

/* Loads the chain's head (inside a transaction). */
int us_pstore_chain_open (us_pstore_t *self, us_pstore_chain_t *chain);

/* Keeps a batch's bytes as its replica signed them, with the signature;
   the records appended next belong to it. */
int us_pstore_batch_add (us_pstore_t *self, us_pstore_chain_t *chain, int64_t replica_id,
                         uint32_t epoch, const uint8_t *bytes, size_t len,
                         const uint8_t *signature, size_t signature_len);

/* Removes a batch kept in this transaction that added no record. */
int us_pstore_batch_drop (us_pstore_t *self, int64_t batch_id);

/* Appends a record to the chain: sets its id and batch, hashes it onto
   the head. */
int us_pstore_record_append (us_pstore_t *self, us_pstore_chain_t *chain, us_audit_row_t *row);

/* Saves the chain's length (inside the transaction that appended). */
int us_pstore_chain_close (us_pstore_t *self, const us_pstore_chain_t *chain);

/* Sets *rows to the number of records the chain says it holds. */
int us_pstore_chain_rows (us_pstore_t *self, int64_t *rows);

/* Copies the hash of record id; *found is false when there is none. */
int us_pstore_record_hash (us_pstore_t *self, int64_t id, uint8_t *hash, bool *found);

/* Recomputes the figures (cells), targets and workflow states from the
   records and compares them with the live tables; returns US_ECORRUPT
   naming the first that differs. Targets and states of a store upgraded
   from before schema 4 are checked only once a record covers them. */
int us_pstore_replay_check (us_pstore_t *self);

/* Appends the record of an act of the province (inside the caller's
   transaction): kind, the unit it concerns ("" for none), what it did
   (reason) and by whom. month < 0 when it has no period. */
int us_pstore_act_record (us_pstore_t *self, us_act_t kind, const char *unit,
                          const char *indicator, int month, bool has_value, int64_t value,
                          const char *author, const char *reason);

/* A delta's first result, found again. */
typedef struct {
    int outcome;
    char reason [US_MAX_REASON];
    bool cleared;               /* the cell holds no value */
    int64_t value;
    uint64_t version;
    uint64_t origin_hlc;
} us_pstore_earlier_t;

/* Finds the record of (replica, epoch, seq). */
int us_pstore_received_by_seq (us_pstore_t *self, bool *found, us_pstore_earlier_t *earlier,
                               int64_t replica_id, uint32_t epoch, uint64_t seq);

/* Finds a record of the replica with the same origin clock, cell and value
   (an edit re-sent under a new epoch). */
int us_pstore_received_by_edit (us_pstore_t *self, bool *found, us_pstore_earlier_t *earlier,
                                int64_t replica_id, uint64_t origin_hlc, const char *unit,
                                const char *indicator, int month, bool clear, int64_t value);

/* Called for each record, oldest first; prev_hash and hash are NULL when
   the stored ones are not US_HASH_LEN bytes. A non-zero return stops the
   walk and is returned. */
typedef int (us_pstore_record_fn) (void *arg, const us_audit_row_t *row,
                                   const uint8_t *prev_hash, const uint8_t *hash);

/* Visits every record, or those of one batch (batch_id > 0). */
int us_pstore_records_each (us_pstore_t *self, int64_t batch_id, us_pstore_record_fn *fn,
                            void *arg);

/* A record as `audit show` prints it. */
typedef struct {
    const us_audit_row_t *row;
    const char *who;            /* replica name, or "province" */
    int64_t unit_id;
} us_pstore_shown_t;

/* Visits the records of months first..last whose unit is in root's
   subtree, oldest first. */
int us_pstore_records_show (us_pstore_t *self, int first, int last, int64_t root,
                            int (*fn) (void *arg, const us_pstore_shown_t *shown), void *arg);

/* A kept batch and the signing key in force when it came. */
typedef struct {
    int64_t id;
    const uint8_t *bytes;
    size_t len;
    const uint8_t *signature;
    size_t signature_len;
    const uint8_t *sign_key;    /* 32 bytes, NULL when none was enrolled */
} us_pstore_batch_t;

/* Visits every kept batch, oldest first. */
int us_pstore_batches_each (us_pstore_t *self,
                            int (*fn) (void *arg, const us_pstore_batch_t *batch), void *arg);

/* ---------------------------------------------------------------------
   Targets (us_pstore_targets.c)
   --------------------------------------------------------------------- */

/* Sets a target: value is N or MIN..MAX; source tld|province|committed. A
   change of an existing target is a new version of it. Durable when it
   returns 0; nothing is written otherwise. */
int us_pstore_target_set (us_pstore_t *self, const char *unit, const char *indicator,
                          const char *period, const char *value, const char *source);

/* The same inside the caller's transaction (US_EIO outside one), so
   that several targets are written all or nothing. */
int us_pstore_target_put (us_pstore_t *self, const char *unit, const char *indicator,
                          const char *period, const char *value, const char *source);

/* ---------------------------------------------------------------------
   Submissions and the workflow (us_pstore_workflow.c)
   --------------------------------------------------------------------- */

/* Records a submission of unit for period by a replica (NULL: the
   province), in a transaction of its own. Sets *state to the resulting
   state. Returns 0, US_EPERM (outside scope), US_EINVAL (a rule broken)
   or an error. An approved period stays approved (*state says so). */
int us_pstore_submit (us_pstore_t *self, us_state_t *state, const us_replica_t *replica,
                      const char *unit, const char *period, uint64_t at);

/* The same, nil saying the unit has nothing to report. Refused (US_EINVAL)
   for a period that has not ended in Vietnam's time, for one where the
   unit's subtree has no figure at all unless nil, and with nil when it
   has figures. */
int us_pstore_submit_as (us_pstore_t *self, us_state_t *state, const us_replica_t *replica,
                         const char *unit, const char *period, uint64_t at, bool nil);

/* Moves (unit, period) through the workflow: approve (a submitted period;
   locks it), lock (locks whatever its state), unlock or reopen (edits
   allowed again). Locking a unit needs its reporting children approved
   first, unless force. Sets *state to the new state. */
int us_pstore_workflow (us_pstore_t *self, us_state_t *state, const char *unit,
                        const char *period, us_action_t action, bool force);

/* The same, also setting *reported (the unit had submitted the period) and
   recording with a lock whether it was forced and note (NULL: none), why.
   A lock of a unit that never submitted is "locked, not reported": it
   freezes the figures but never counts as a report. */
int us_pstore_workflow_note (us_pstore_t *self, us_state_t *state, bool *reported,
                             const char *unit, const char *period, us_action_t action,
                             bool force, const char *note);

/* Sets *locked when month of unit lies in a period approved (locked) for
   the unit or any unit above it. */
int us_pstore_locked (us_pstore_t *self, bool *locked, int64_t unit_id, int month);

/* ---------------------------------------------------------------------
   The change stream (us_pstore_changes.c)
   --------------------------------------------------------------------- */

/* One entry of the change stream; strings live until the visitor returns. */
typedef struct {
    us_change_kind_t kind;
    union {
        struct {
            const char *code, *name, *parent, *kind, *valid_from, *valid_to;
            const char *successor;      /* of an ended unit; "" for none */
            const char *shares;         /* a split's own shares per indicator:
                                           "IND:A=0.7,B=0.3;..."; "" for none */
        } unit;
        struct {
            const char *code, *name, *kind, *numerator, *denominator, *policy, *rule;
            uint32_t position;
        } indicator;
        struct {
            const char *unit, *indicator;
            int month;
            int64_t value;
            bool cleared;
            uint64_t version, hlc;
            const char *author, *note;
            bool corrected;
        } cell;
        struct {
            const char *unit, *indicator, *period, *source;
            int64_t lo, hi;
            bool range;
            uint32_t version;
        } target;
        struct {
            uint64_t id;
            const char *unit, *indicator;
            int month;
            int64_t winner_value;
            bool winner_cleared;
            const char *winner_author;
            int64_t loser_value;
            bool loser_cleared;
            const char *loser_author, *rule;
            uint64_t at;
        } conflict;
        struct {
            const char *unit, *period, *state;
            uint64_t at;
        } submission;
        struct {
            const char *code, *name, *period, *kinds, *indicators, *deadline;
        } schedule;                     /* one of the whole set, in order */
    } u;
} us_change_t;

/* Called for each change; a non-zero return stops the page and is returned. */
typedef int (us_pstore_change_fn) (void *arg, const us_change_t *change);

/* Sets *head to the newest position in the change stream. */
int us_pstore_head (us_pstore_t *self, uint64_t *head);

/* Visits a page of at most limit entries of the stream after since, as
   readable by a replica enrolled for root (its subtree, and the names of
   the units above it), kind by kind in stream order; when the schedules
   changed within the page, then each schedule of the province's whole set
   (US_CHANGE_SCHEDULES), in its order. Sets *next to the
   page's last position and *more when the stream goes on. */
int us_pstore_changes (us_pstore_t *self, uint64_t since, uint32_t limit, int64_t root,
                       us_pstore_change_fn *fn, void *arg, uint64_t *next, bool *more);

/* A replica whose own edits a page leaves out when the acknowledgement
   already told it their result: key is its CURVE key (borrowed), and
   only records after after_id (the audit chain as it stood when this
   session said Hello) count, since an earlier session's answer may not
   have reached the store that pulls now. */
typedef struct {
    const char *key;
    int64_t after_id;
} us_pstore_own_t;

/* As us_pstore_changes, but leaves out each cell whose current state is
   exactly what one of own's deltas wrote after own->after_id, as that
   delta's answer said it (accepted or a conflict won, its clock not
   clamped, not a correction): value, version, clock, author and note
   are the office's already. Costs one indexed read of the audit chain
   per cell the replica wrote last. own NULL: leaves nothing out. */
int us_pstore_changes_own (us_pstore_t *self, uint64_t since, uint32_t limit, int64_t root,
                           const us_pstore_own_t *own, us_pstore_change_fn *fn, void *arg,
                           uint64_t *next, bool *more);

/* Sets *id to the id of the audit chain's last record (0: none). */
int us_pstore_record_last (us_pstore_t *self, int64_t *id);

/* ---------------------------------------------------------------------
   Anti-entropy (us_pstore_digest.c): the figures of a replica's scope
   --------------------------------------------------------------------- */

/* Called for each figure of a digest (strings valid during the call); a
   non-zero return stops the walk and is returned. */
typedef int (us_pstore_figure_fn) (void *arg, int month, const char *unit,
                                   const char *indicator, bool cleared, int64_t value,
                                   uint64_t version);

/* Visits the figures of the subtree of root (the units the change stream
   sends figures of) in months first..last with a version above 0, in the
   digest's order: month, unit code, indicator code. Reads the scope's
   rows only. */
int us_pstore_figures (us_pstore_t *self, int64_t root, int first, int last,
                       us_pstore_figure_fn *fn, void *arg);

/* Visits the same figures of one month as cell changes, whole. */
int us_pstore_month_cells (us_pstore_t *self, int64_t root, int month,
                           us_pstore_change_fn *fn, void *arg);

/* Sets *version to a number that changes when another connection (a
   person with sqlite3, a second process) commits to the store. */
int us_pstore_data_version (us_pstore_t *self, int64_t *version);

/* Starts a read transaction (none when one is open already: *started
   says), so that the reads until us_pstore_read_end see one state of the
   store. */
int us_pstore_read_begin (us_pstore_t *self, bool *started);

/* Ends the read transaction when started; never fails. */
void us_pstore_read_end (us_pstore_t *self, bool started);

/* Sets *mark to a hash of the change at position seq of the stream: its
   kind, entity and, for figures and submissions, their stamp (0 when no
   change sits there). A change stays at its position until its entity
   changes again and moves on, and a position is never given twice in one
   store: a replica that saw another change there saw another store's
   stream (a copy put back). */
int us_pstore_change_mark (us_pstore_t *self, uint64_t seq, uint64_t *mark);

/* The report engine's reads are in us_pstore_report.h. */

#endif
