/*  us_digest: the anti-entropy digests an office and the province compare.

    Both sides feed the same rows (the replica's figures: month, unit code,
    indicator code, value or cleared, version) in the same order (month,
    then unit code, then indicator code, as bytes) and get the same digests:
    one SHA-256 per month that has rows, and a top digest over a range of
    months (proto/unionsync.proto, before message Digest, gives the exact
    bytes). An unchanged mirror is proved by 32 bytes; a drifted one names
    its months. OpenSSL's EVP does the hashing.

    A us_digest_t owns its month list; free it with us_digest_destroy().
*/
#ifndef US_DIGEST_H
#define US_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_DIGEST_LEN 32

/* One month's digest. */
typedef struct {
    int month;                          /* us_period's numbering */
    uint8_t hash [US_DIGEST_LEN];
} us_month_digest_t;

typedef struct _us_digest_t us_digest_t;

/* Starts the digests of months first..last (us_period's numbering,
   first <= last). NULL (error set) on bad months or out of memory. */
us_digest_t *us_digest_new (int first, int last);

/* Frees the digests and nulls the pointer; safe on NULL. */
void us_digest_destroy (us_digest_t **self_p);

/* Adds one figure. Rows must come in order (month, unit, indicator) with
   no repeat and within the range: else US_EINVAL, and the digests are not
   to be used. Codes are at most 255 bytes. */
int us_digest_add (us_digest_t *self, int month, const char *unit, const char *indicator,
                   bool cleared, int64_t value, uint64_t version);

/* us_digest_add for a walk that hands each figure to a callback with a
   void * argument (the stores' figure walks): arg is the digest. */
int us_digest_add_to (void *arg, int month, const char *unit, const char *indicator,
                      bool cleared, int64_t value, uint64_t version);

/* Ends the rows; then the month digests and the top are read. Returns 0,
   US_EINVAL after a bad row, or US_EIO when OpenSSL fails. */
int us_digest_finish (us_digest_t *self);

/* The months that have rows, ascending (owned by self; valid until it is
   destroyed), after us_digest_finish. */
const us_month_digest_t *us_digest_months (us_digest_t *self, size_t *count);

/* The top digest of the range (US_DIGEST_LEN bytes, owned by self), after
   us_digest_finish. */
const uint8_t *us_digest_top (us_digest_t *self);

/* Computes the top digest of first..last from month digests (ascending,
   inside the range) into top. Returns 0 or US_EIO. */
int us_digest_top_of (uint8_t top [US_DIGEST_LEN], int first, int last,
                      const us_month_digest_t *months, size_t count);

#endif
