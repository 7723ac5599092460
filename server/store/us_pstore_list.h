/*  us_pstore_list: what the provincial store holds, listed for people.

    Read-only queries behind `unionsync-server units list` and `replicas`,
    and the check of a units file before it is imported. Rows handed to a
    visitor point into the store's statement and are valid during the call
    only. The store is borrowed.
*/
#ifndef US_PSTORE_LIST_H
#define US_PSTORE_LIST_H

#include "us_pstore.h"

#include <stdbool.h>
#include <stdint.h>

/* One unit of the tree. parent is "" for the root; validity months are
   YYYY-MM or "" for open. */
typedef struct {
    const char *code, *name, *kind, *parent, *valid_from, *valid_to;
} us_unit_row_t;

/* One enrolled replica. Times are milliseconds since the epoch, 0 when
   never (revoked_ms 0: not revoked). */
typedef struct {
    int64_t id;
    const char *unit, *name, *key;
    int64_t enrolled_ms, last_batch_ms, revoked_ms;
    int64_t batches, deltas;
} us_replica_row_t;

typedef int (us_unit_visit_fn) (const us_unit_row_t *row, void *arg);
typedef int (us_replica_visit_fn) (const us_replica_row_t *row, void *arg);

/* Calls fn for every unit valid in month at (YYYY-MM; NULL: every unit),
   ordered by code; stops at the first non-zero return and returns it. */
int us_pstore_list_units (us_pstore_t *self, const char *at, us_unit_visit_fn *fn, void *arg);

/* Calls fn for every replica, by unit and id; stops at the first non-zero
   return and returns it. */
int us_pstore_list_replicas (us_pstore_t *self, us_replica_visit_fn *fn, void *arg);

/* Reads the province's unit code into buf. */
int us_pstore_province (us_pstore_t *self, char *buf, size_t size);

/* Checks a units file before it is imported: no id twice, and no root
   other than the province's own unit (the province's row, as an update,
   is fine). Returns 0, or US_EINVAL naming the lines. */
int us_pstore_units_check (us_pstore_t *self, const char *path);

#endif
