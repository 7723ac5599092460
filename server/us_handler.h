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

/* The most requests a burst holds. */
#define US_HANDLER_BURST 16

/* One request of a burst, and its reply (malloc'd; the caller frees). */
typedef struct {
    const char *key;            /* the replica's CURVE key, Z85 */
    const uint8_t *data;
    size_t len;
    uint8_t *reply;             /* set unless rc is negative */
    size_t reply_len;
    int rc;
} us_handler_req_t;

/* Called as soon as the reply to reqs [k] is final, so that it can go
   out before the rest of the burst is answered. */
typedef void (us_handler_ready_fn) (void *arg, us_handler_req_t *reqs, size_t k);

/* Handles n (at most US_HANDLER_BURST) requests that were waiting
   together, in order, as us_handler_process would one by one, except that
   consecutive Push batches of different replicas are merged in one
   transaction and one commit (group commit): each in a savepoint of its
   own, so that a batch that
   fails is undone alone; every acknowledgement is final only once the
   commit is on disk, and all of them become errors if it fails. Calls
   ready (may be NULL) for each request once its reply is final. */
void us_handler_process_burst (us_handler_t *self, us_handler_req_t *reqs, size_t n,
                               us_handler_ready_fn *ready, void *arg);

/* How many Push batches were merged and acknowledged, and in how many
   commits (fewer when batches were committed together). */
void us_handler_commits (us_handler_t *self, uint64_t *batches, uint64_t *commits);

/* Counters for the service log: requests, errors. */
void us_handler_stats (us_handler_t *self, uint64_t *requests, uint64_t *errors,
                       uint64_t *deltas);

/* Anti-entropy's counters: digests computed (a top, or the months of a
   Digest), digests reused (the store unchanged since), Digest answers,
   repair pages. */
void us_handler_digest_stats (us_handler_t *self, uint64_t *computed, uint64_t *reused,
                              uint64_t *digests, uint64_t *repairs);

#endif
