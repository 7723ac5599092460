/*  us_dstore_digest: the office's side of anti-entropy.

    The digests of the office's mirror of its scope (us_digest.h), computed
    exactly as the province computes its own: every figure of the office's
    unit and the units under it (as the store knows the tree) with a
    version above 0 (a version the province gave it), by month. The
    months with an edit still in the outbox are named, so that a sync does
    not take a figure the province has not seen yet for drift.
*/
#ifndef US_DSTORE_DIGEST_H
#define US_DSTORE_DIGEST_H

#include "us_digest.h"
#include "us_dstore.h"

#include <stddef.h>

/* Computes the digests of the mirror's figures in months first..last into
   a new *digest_p the caller destroys. */
int us_dstore_digest (us_dstore_t *self, us_digest_t **digest_p, int first, int last);

/* Picks the months a sync compares, at most months of them: up to the
   later of this month (in Vietnam's time) and the mirror's last month. */
int us_dstore_digest_window (us_dstore_t *self, int months, int *first, int *last);

/* Loads the months that have an edit in the outbox, ascending, into a new
   array *months_p of *n (the caller frees it). */
int us_dstore_draft_months (us_dstore_t *self, int **months_p, size_t *n);

#endif
