/*  us_sync: one sync session between a district store and the server.

    Hello/Welcome, then Push batches until the outbox is empty, then queued
    submissions, then Pull pages until caught up. Each request is safe to
    repeat. The transport follows the Lazy Pirate pattern (us_sync_link_*):
    wait for a reply up to a timeout, then close and reopen the socket and
    try again with a doubled wait (at most US_SYNC_BACKOFF_MAX_MS), up to a
    number of tries, then give up with US_EUNREACH, every change kept. The
    steps of a session are functions of their own over a link, so each can
    be run (and tested) alone; us_sync_run runs them all. The session
    borrows the store and the keys.
*/
#ifndef US_SYNC_H
#define US_SYNC_H

#include "us_dstore.h"
#include "us_keys.h"

#include <stdbool.h>
#include <stdio.h>

#define US_SYNC_BACKOFF_MAX_MS 8000

/* Entries a pull asks for in its first page. A full page that came within
   a quarter of the first wait doubles the next one, up to US_PAGE_MAX
   (10,000); one that took over half of it halves it, down to
   US_SYNC_PAGE_MIN. A page thus grows only as far as the link carries it
   well within the wait: on loopback a history comes in pages of 10,000,
   on a slow district link in pages that still arrive before a retry. */
#define US_SYNC_PAGE_FIRST 2000
#define US_SYNC_PAGE_MIN 250

typedef struct {
    int timeout_ms;         /* first wait for a reply                  */
    int retries;            /* attempts per request before giving up   */
    size_t batch;           /* deltas per Push                         */
    FILE *progress;         /* progress lines, or NULL                 */
} us_sync_opts_t;

/* A Lazy Pirate connection to the server: a CURVE DEALER socket, closed
   and reopened when an answer does not come. */
typedef struct _us_sync_link_t us_sync_link_t;

/* Opens a link to server (endpoint) whose CURVE public key is server_key
   (Z85), as the replica of keys. The strings and keys are borrowed and
   must outlive the link. NULL (error set) on failure. */
us_sync_link_t *us_sync_link_new (const char *server, const char *server_key,
                                  const us_keys_t *keys);

/* Closes the link and nulls the pointer; safe on NULL. */
void us_sync_link_destroy (us_sync_link_t **self_p);

/* Gives req the link's next request id, sends it and waits for the reply
   with that id, reopening the socket and sending again with backoff. On
   success *reply_p is a decoded message the caller destroys. Returns 0,
   US_EUNREACH after opts->retries unanswered tries, US_EPERM when the
   server refuses the key at the handshake, or another negative code. */
int us_sync_link_request (us_sync_link_t *self, us_msg_t **reply_p, us_msg_t *req,
                          const us_sync_opts_t *opts);

/* Returns how many sockets the link has opened (1 + its reconnections). */
int us_sync_link_sockets (us_sync_link_t *self);

/* Returns the wait in ms for try number attempt (0 for the first) of a
   request: opts->timeout_ms doubled at each retry, at most
   US_SYNC_BACKOFF_MAX_MS (and never less than the first wait). */
int us_sync_wait_ms (const us_sync_opts_t *opts, int attempt);

/* Returns the entries the next Pull asks for, after a page asked with limit
   that took elapsed_ms to come (full: it held limit entries, or the most
   the server sends at once) with a first wait of timeout_ms. */
uint32_t us_sync_page_next (uint32_t limit, bool full, int64_t elapsed_ms, int timeout_ms);

/* Turns a reply into an error code when it is a server Error (US_EVERSION
   says "upgrade unionsync"; US_EEXIST asks for a new epoch) or not of
   type. Returns 0 when the reply is a type. */
int us_sync_expect (const us_msg_t *reply, us_msg_type_t type);

/* Hello/Welcome: adopts the server's clock and, when the server has seen
   more of this replica than the store remembers (a restored backup),
   starts a new epoch (stats->new_epoch). */
int us_sync_hello (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                   const us_sync_opts_t *opts);

/* Pushes the outbox, signed with keys, in batches until it is empty (after
   us_sync_hello on the same link). When the server refuses a batch
   because its sequence numbers name other edits (US_EEXIST), the store
   starts a new epoch once and sends its outbox again. */
int us_sync_push (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                  const us_keys_t *keys, const us_sync_opts_t *opts);

/* Anti-entropy, after us_sync_pull on the same link: when the server's
   top digest of the last page differs from the mirror's, asks the digest
   of each month, and re-pulls whole the months that differ (those with an
   edit still in the outbox left alone). stats->repaired counts them and
   stats->verified says the check ran. Does nothing with an older server. */
int us_sync_verify (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                    const us_sync_opts_t *opts);

/* Sends the queued submissions. */
int us_sync_submit (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                    const us_sync_opts_t *opts);

/* Pulls pages of changes until caught up. */
int us_sync_pull (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                  const us_sync_opts_t *opts);

/* Runs one session. Returns 0, US_EUNREACH when the server did not answer
   (every change is kept), US_EPERM when it refused this replica,
   US_EVERSION when it no longer accepts this version of unionsync, or
   another negative code. *stats says what was done, even on failure. The
   session's commits are relaxed (us_dstore_relaxed): the store's next
   commit, such as us_dstore_note_sync, makes them durable. */
int us_sync_run (us_sync_stats_t *stats, us_dstore_t *store, const us_keys_t *keys,
                 const us_sync_opts_t *opts);

/* Returns how many connections the link has opened and how many of them
   the server's end closed or lost, as one count (reading the events
   waiting). The server can have restarted, or been put back from a backup,
   only where this count moved: a caller that keeps a link open between
   sessions says Hello again when it differs from the count it took before
   the last Hello. */
uint64_t us_sync_link_changes (us_sync_link_t *self);

/* Runs a session on a link kept open between sessions. With hello, the
   whole session of us_sync_run: Hello, Push, submissions, Pull and the
   anti-entropy check. Without, only Push, submissions and Pull (no digest
   asked): for an edit, on a link whose last Hello still holds (see
   us_sync_link_changes); a province that refuses a batch because it went
   back in time is greeted again in the same session. Its commits are
   relaxed, as us_sync_run's: the caller's next flushed commit (the
   sync's note) makes them durable. Returns as us_sync_run. */
int us_sync_session (us_sync_link_t *link, us_sync_stats_t *stats, us_dstore_t *store,
                     const us_keys_t *keys, const us_sync_opts_t *opts, bool hello);

/* Asks the server for proof that its audit chain still holds every signed
   head this office kept; sets *checked. A head that a restore recorded in
   the chain cut off (seen before the restore, beyond the backup put back)
   is not a rewrite: a line on out (when not NULL) says which restore, and
   *declared counts it. Returns US_ECORRUPT naming the first head the chain
   no longer holds with no restore to explain it (its history was
   rewritten). */
int us_sync_audit_check (size_t *checked, size_t *declared, us_dstore_t *store,
                         const us_keys_t *keys, const us_sync_opts_t *opts, FILE *out);

#endif
