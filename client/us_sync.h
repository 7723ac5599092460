/*  us_sync: one sync session between a district store and the server.

    Hello/Welcome, then Push batches until the outbox is empty, then queued
    submissions, then Pull pages until caught up. Each request is safe to
    repeat. The transport follows the Lazy Pirate pattern: wait for a reply
    up to a timeout, then close and reopen the socket and try again with a
    longer wait, up to a number of retries. The session borrows the store.
*/
#ifndef US_SYNC_H
#define US_SYNC_H

#include "us_dstore.h"
#include "us_keys.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    int timeout_ms;         /* first wait for a reply                  */
    int retries;            /* attempts per request before giving up   */
    size_t batch;           /* deltas per Push                         */
    FILE *progress;         /* progress lines, or NULL                 */
} us_sync_opts_t;

/* Runs one session. Returns 0, US_EUNREACH when the server did not answer
   (every change is kept), US_EPERM when it refused this replica, or
   another negative code. *stats says what was done, even on failure. The
   session's commits are relaxed (us_dstore_relaxed): the store's next
   commit, such as us_dstore_note_sync, makes them durable. */
int us_sync_run (us_sync_stats_t *stats, us_dstore_t *store, const us_keys_t *keys,
                 const us_sync_opts_t *opts);

#endif
