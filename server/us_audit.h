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

    The chain is anchored outside the store: the server signs its head
    (length and last hash) with the province's Ed25519 key, every Welcome
    carries the signed head, offices keep the heads they saw and can ask
    for the hash at each held length (`unionsync audit check`), so history
    any office has seen cannot be rewritten unnoticed.
*/
#ifndef US_AUDIT_H
#define US_AUDIT_H

#include "us_pstore.h"
#include "us_keys.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Computes the hash of row chained to prev (US_HASH_LEN bytes each). */
int us_audit_hash (uint8_t *hash, const uint8_t *prev, const us_audit_row_t *row);

/* Checks the whole chain and every batch signature; prints a summary.
   Returns 0 when intact, US_ECORRUPT naming the first bad record. */
int us_audit_verify (us_pstore_t *store, FILE *out);

/* A signed head of the chain; a value. */
typedef struct {
    uint64_t records;
    uint8_t hash [US_HASH_LEN];     /* of record `records`; zeros when empty */
    uint8_t signature [64];
    uint8_t key [32];               /* the province's public signing key */
} us_audit_head_t;

/* Loads the server's keys from path, giving a key file without a signing
   pair one (written back in place, the CURVE pair unchanged). */
int us_audit_keys (us_keys_t *keys, const char *path);

/* Reads the chain's head and signs it with keys (which must sign). */
int us_audit_head (us_audit_head_t *head, us_pstore_t *store, const us_keys_t *keys);

/* Sets hash to the hash of record `records` (zeros for 0); *found is false
   past the end of the chain. */
int us_audit_hash_at (us_pstore_t *store, uint64_t records, uint8_t *hash, bool *found);

/* Prints who changed the figures of unit (and its subtree) in period. */
int us_audit_show (us_pstore_t *store, FILE *out, const char *unit, const char *period);

#endif
