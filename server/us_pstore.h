/*  us_pstore: the provincial store.

    One SQLite file holding the unit tree, the catalog, enrolled replicas,
    cells with versions, the change stream every client pulls from, the
    record of every received delta, conflicts, targets and submissions.
    Every change that clients must see is stamped in the change stream with
    us_pstore_touch(), inside the same transaction as the change.

    A us_pstore_t owns its SQLite handle; free it with us_pstore_destroy().
*/
#ifndef US_PSTORE_H
#define US_PSTORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct _us_pstore_t us_pstore_t;

/* Kinds of entries in the change stream. */
typedef enum {
    US_CHANGE_UNIT = 1,
    US_CHANGE_INDICATOR = 2,
    US_CHANGE_CELL = 3,
    US_CHANGE_TARGET = 4,
    US_CHANGE_CONFLICT = 5,
    US_CHANGE_SUBMISSION = 6
} us_change_kind_t;

/* An enrolled replica, as the service and the merge see it. */
typedef struct {
    int64_t id;
    char key [41];              /* CURVE public key, Z85 */
    char name [128];
    int64_t unit_id;
    char unit [65];
    char unit_kind [16];
    bool revoked;
    bool has_sign;
    uint8_t sign_public [32];
    uint32_t max_epoch;
} us_replica_t;

/* Creates a new store at path for a province; fails when path exists. */
int us_pstore_create (us_pstore_t **self_p, const char *path,
                      const char *province, const char *name);

/* Opens an existing store. */
int us_pstore_open (us_pstore_t **self_p, const char *path);

/* Closes the store and nulls the pointer; safe on NULL. */
void us_pstore_destroy (us_pstore_t **self_p);

/* Returns the SQLite handle; it belongs to the store. */
sqlite3 *us_pstore_db (us_pstore_t *self);

/* Returns the path of the store's key file (owned by the store). */
const char *us_pstore_key_path (us_pstore_t *self);

/* Imports units from CSV (id,name,parent,kind[,valid_from,valid_to]); all
   or nothing. Sets *count to the rows imported. */
int us_pstore_import_units (us_pstore_t *self, int *count, const char *path);

/* Imports an indicator catalog from CSV; all or nothing. */
int us_pstore_import_indicators (us_pstore_t *self, int *count, const char *path);

/* Enrolls a replica key for a unit; sets *replica_id. */
int us_pstore_enroll (us_pstore_t *self, int64_t *replica_id, const char *unit,
                      const char *token, const char *name);

/* Revokes a replica key; its next message is refused. */
int us_pstore_revoke (us_pstore_t *self, const char *token);

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

/* Sets a target: value is N or MIN..MAX; source tld|province|committed. A
   change of an existing target is a new version of it. Durable when it
   returns 0; nothing is written otherwise. */
int us_pstore_target_set (us_pstore_t *self, const char *unit, const char *indicator,
                          const char *period, const char *value, const char *source);

/* The same inside the caller's transaction (US_EIO outside one), so that
   several targets are written all or nothing. */
int us_pstore_target_put (us_pstore_t *self, const char *unit, const char *indicator,
                          const char *period, const char *value, const char *source);

/* Stamps an entity in the change stream (inside the caller's transaction). */
int us_pstore_touch (us_pstore_t *self, us_change_kind_t kind, int64_t ref);

/* Looks up a unit id by code. Returns 0 or US_ENOTFOUND. */
int us_pstore_unit_id (us_pstore_t *self, int64_t *id, const char *code);

/* Sets *in when unit_id is root_id or one of its descendants. Returns 0 or
   a store error. */
int us_pstore_in_scope (us_pstore_t *self, bool *in, int64_t unit_id, int64_t root_id);

/* Records a submission of unit for period by a replica. Sets *state to the
   resulting state. Returns 0, US_EPERM (outside scope or locked) or an error. */
int us_pstore_submit (us_pstore_t *self, const char **state, const us_replica_t *replica,
                      const char *unit, const char *period, uint64_t at);

/* Moves (unit, period) through the workflow: approve (a submitted period;
   locks it), lock (locks whatever its state), unlock or reopen (edits
   allowed again). Locking a unit needs its district and sector children
   approved first, unless force. Writes the new state into state. */
int us_pstore_workflow (us_pstore_t *self, char *state, size_t size, const char *unit,
                        const char *period, const char *action, bool force);

/* Marks the open conflicts of a cell resolved (inside the caller's
   transaction); sets *count. */
int us_pstore_conflicts_resolve (us_pstore_t *self, int *count, const char *unit,
                                 int month, const char *indicator);

/* Prints the conflicts table as text or JSON. */
int us_pstore_conflicts_print (us_pstore_t *self, FILE *out, bool json);

/* Returns a prepared statement cached by the store (reset and with
   bindings cleared), or NULL with the error set. sql must outlive the store
   (a string literal); the statement belongs to the store. */
sqlite3_stmt *us_pstore_stmt (us_pstore_t *self, const char *sql);

#endif
