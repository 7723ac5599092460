/*  us_handler: turns one request from a replica into one reply.

    The transport (us_service) authenticates the connection and passes the
    replica's CURVE key with the request bytes. The handler decodes and
    bounds-checks the request, checks the replica is enrolled and not
    revoked, and answers Hello, Push, Pull and Submit. Malformed or
    unexpected input gets an Error reply, never a crash. It borrows the
    store; the reply buffer belongs to the caller.
*/
#ifndef US_HANDLER_H
#define US_HANDLER_H

#include "us_pstore.h"
#include "us_keys.h"

#include <stddef.h>
#include <stdint.h>

typedef struct _us_handler_t us_handler_t;

/* Creates a handler over a store (borrowed). NULL on failure. */
us_handler_t *us_handler_new (us_pstore_t *store);

/* Signs the audit chain's head in every Welcome with keys (copied; they
   must hold a signing pair, else no head is sent). */
void us_handler_set_signer (us_handler_t *self, const us_keys_t *keys);

/* Accepts requests of wire version min_wire and later only (default: the
   oldest the codec reads); older ones get one error saying to upgrade.
   Returns 0, or US_EINVAL for a version the codec does not know. */
int us_handler_set_min_wire (us_handler_t *self, uint32_t min_wire);

/* Frees the handler and nulls the pointer; safe on NULL. */
void us_handler_destroy (us_handler_t **self_p);

/* Handles one request from the replica with CURVE key (Z85). Always sets a
   reply in *reply_p (malloc'd, the caller frees) unless it returns a
   negative code, which happens only when no reply could be encoded. */
int us_handler_process (us_handler_t *self, uint8_t **reply_p, size_t *reply_len_p,
                        const char *key, const uint8_t *data, size_t len);

/* Counters for the service log: requests, errors. */
void us_handler_stats (us_handler_t *self, uint64_t *requests, uint64_t *errors,
                       uint64_t *deltas);

/* Anti-entropy's counters: digests computed (a top, or the months of a
   Digest), digests reused (the store unchanged since), Digest answers,
   repair pages. */
void us_handler_digest_stats (us_handler_t *self, uint64_t *computed, uint64_t *reused,
                              uint64_t *digests, uint64_t *repairs);

#endif
