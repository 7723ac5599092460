/*  us_audit: the server's append-only, hash-chained record of every delta.

    Every delta the server receives, accepted or not, and every province
    correction is one row of the `received` table. Each row's hash is
    SHA-256 over the previous row's hash and the row's fields, so changing,
    removing or reordering a row breaks the chain from that row on. Every
    Push batch is kept as the bytes its replica signed, with the signature,
    so `audit verify` can check both. The store appends the records and
    reads them back (us_pstore_record_append, us_pstore_records_each);
    this module hashes, checks and prints them. Rows are values owned by
    the caller.
*/
#ifndef US_AUDIT_H
#define US_AUDIT_H

#include "us_pstore.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Computes the hash of row chained to prev (US_HASH_LEN bytes each). */
int us_audit_hash (uint8_t *hash, const uint8_t *prev, const us_audit_row_t *row);

/* Checks the whole chain and every batch signature; prints a summary.
   Returns 0 when intact, US_ECORRUPT naming the first bad record. */
int us_audit_verify (us_pstore_t *store, FILE *out);

/* Prints who changed the figures of unit (and its subtree) in period. */
int us_audit_show (us_pstore_t *store, FILE *out, const char *unit, const char *period);

#endif
