/*  us_absorb: `unionsync-server absorb OTHER.db [--under UNIT]`, and the
    verification of the audit segments absorbed stores brought.

    A store that fails its own `audit verify` is refused before anything is
    written; the copy itself is us_pstore_absorb() (one transaction).
*/
#ifndef US_ABSORB_H
#define US_ABSORB_H

#include "us_pstore.h"

#include <stdio.h>

/* Verifies the store at path, then brings it into store under unit under
   (NULL: the province); prints re-coded units and a summary on out.
   Returns 0 or a negative US_E* code (US_EINVAL: refused; nothing changed). */
int us_absorb_run (us_pstore_t *store, const char *path, const char *under, FILE *out);

/* Checks the hash chain of every absorbed segment; prints one line each.
   Returns 0 or US_ECORRUPT naming the segment and record. */
int us_absorb_verify_segments (us_pstore_t *store, FILE *out);

#endif
