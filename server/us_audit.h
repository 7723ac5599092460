/*  us_audit: the server's append-only, hash-chained record of every delta.

    Every delta the server receives, accepted or not, and every province
    correction is one row of the `received` table. Each row's hash is
    SHA-256 over the previous row's hash and the row's fields, so changing,
    removing or reordering a row breaks the chain from that row on. Every
    Push batch is kept as the bytes its replica signed, with the signature,
    so `audit verify` can check both. Rows are values owned by the caller.
*/
#ifndef US_AUDIT_H
#define US_AUDIT_H

#include "us_pstore.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define US_HASH_LEN 32

/* The fields of one audit row that its hash covers. */
typedef struct {
    int64_t id;
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
    int64_t at;
} us_audit_row_t;

/* Computes the hash of row chained to prev (US_HASH_LEN bytes each). */
int us_audit_hash (uint8_t *hash, const uint8_t *prev, const us_audit_row_t *row);

/* Reads the hash of the newest row into prev (zeros when there is none). */
int us_audit_last (uint8_t *prev, us_pstore_t *store);

/* Checks the whole chain and every batch signature; prints a summary.
   Returns 0 when intact, US_ECORRUPT naming the first bad record. */
int us_audit_verify (us_pstore_t *store, FILE *out);

/* Prints who changed the figures of unit (and its subtree) in period. */
int us_audit_show (us_pstore_t *store, FILE *out, const char *unit, const char *period);

#endif
