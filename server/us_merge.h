/*  us_merge: applies deltas to the provincial store.

    A Push batch is applied in one transaction that commits before the
    caller acknowledges it. Each delta gets a result: accepted, a conflict
    won or lost, or rejected with a reason. A (replica, epoch, seq) applied
    before gets its first result again and changes nothing. A delta whose
    base_version differs from the cell's version is a concurrent edit; the
    winner is chosen by the indicator's policy (lww: later HLC, then replica
    key), and the loser is kept in the conflicts table and reaches both
    offices through the change stream. Sequential edits by one replica are
    never conflicts. Nor are two edits that were acknowledged on a timeline
    a restore lost and are sent again (Push.resent) in another order than
    they were made: their base versions of that timeline say which came
    after the other, and the earlier one is recorded as superseded. A
    re-sent edit against a figure another office wrote since the restore
    is concurrent with it, whatever the two timelines' version numbers say.
    The merge holds no SQL: it reads and writes cells, conflicts and audit
    records through the store's typed calls.
*/
#ifndef US_MERGE_H
#define US_MERGE_H

#include "us_codec.h"
#include "us_hlc.h"
#include "us_limits.h"
#include "us_pstore.h"

/* One delta's result; result.reason points into reason. */
typedef struct {
    us_result_t result;
    char reason [US_MAX_REASON];
    bool superseded;            /* answered accepted, recorded US_OUTCOME_SUPERSEDED */
} us_merge_result_t;

/* Applies a Push from replica; results has push->count entries, filled in
   order. signed_bytes are what the replica signed (us_codec_push_signed_bytes),
   kept for the audit. Returns 0 once the batch is committed, or a negative
   code with nothing applied. Inside an open transaction (a group of
   batches committed together) the batch is applied in a savepoint of its
   own: 0 means applied, durable only once the caller commits, and a
   failure undoes this batch alone. */
int us_merge_push (us_merge_result_t *results, us_pstore_t *store,
                   const us_replica_t *replica, const us_push_t *push,
                   const uint8_t *signed_bytes, size_t signed_len, us_hlc_t *clock);

/* Applies a province correction of one cell (value NULL clears it); the
   note is required. With resolve, the cell's open conflicts are marked
   resolved in the same transaction. Fills *result. Returns 0 or a negative
   code. */
int us_merge_correct (us_merge_result_t *result, us_pstore_t *store,
                      const char *unit, const char *month, const char *indicator,
                      const char *value, const char *note, const char *author,
                      bool resolve, us_hlc_t *clock);

#endif
