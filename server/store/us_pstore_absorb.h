/*  us_pstore_absorb: another provincial store brought into this one.

    When two provinces merge (the 2025 reorganisation), the store of the
    absorbed province comes in whole, in one transaction: its unit kinds,
    units (re-coded when a code is taken here: PROVINCE.CODE), indicators
    this store lacks, figures, targets, submissions, conflicts and enrolled
    offices (with their keys and epochs, so that they sync with this server
    once pointed at it). Its top unit becomes a unit of kind `federation`
    under the given unit. Its audit chain is copied row by row, hashes
    included, into a segment of its own under a record naming the province
    (table absorbed); us_pstore_segment_each() walks it for verification.
    Each re-coded unit is kept by its old code (table unit_recodes), so
    that the absorbed province's offices learn their new codes when they
    first sync here (us_pstore_recoded_each()).

    The caller verifies the other store's own chain first (us_absorb.c);
    here a province already absorbed, or this store's own, is refused, and
    any failure leaves this store unchanged. Returns 0 or a negative US_E*
    code with a message.
*/
#ifndef US_PSTORE_ABSORB_H
#define US_PSTORE_ABSORB_H

#include "us_pstore.h"

#include <stdio.h>

/* Brings the store at path (already verified) in under unit under (NULL:
   the province); prints each re-coded unit as "OLD -> NEW" on out. Sets
   *units and *records. */
int us_pstore_absorb (us_pstore_t *self, const char *path, const char *under, FILE *out,
                      int *units, int64_t *records);

/* Visits, for each province absorbed into this store whose units include
   unit_id (its replica's unit), every unit that was re-coded when it came
   in: its old code and its code here (strings live until fn returns; a
   non-zero return stops the walk). Returns 0 or a store error. */
int us_pstore_recoded_each (us_pstore_t *self, int64_t unit_id,
                            int (*fn) (void *arg, const char *old_code, const char *code),
                            void *arg);

/* One absorbed province's segment. */
typedef struct {
    int64_t id;
    const char *province, *name;
    int64_t records;            /* as absorbed */
} us_pstore_segment_t;

/* Visits each segment's records, oldest first: seg_fn once per segment
   before its records, row_fn per record (as us_pstore_records_each). */
int us_pstore_segment_each (us_pstore_t *self,
                            int (*seg_fn) (void *arg, const us_pstore_segment_t *seg),
                            us_pstore_record_fn *row_fn, void *arg);

#endif
