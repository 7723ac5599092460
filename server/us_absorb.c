/*  us_absorb: another province's store brought in, and its audit segment. */
#include "us_absorb.h"
#include "us_audit.h"
#include "us_error.h"
#include "us_pstore_absorb.h"

#include <inttypes.h>
#include <string.h>

/* Verifies the store at path on its own; refuses it when it fails. */
static int
s_verify_other (const char *path)
{
    us_pstore_t *other;
    int rc = us_pstore_open (&other, path);
    if (rc)
        return us_error_set (US_EINVAL, "cannot absorb %s: %s", path, us_error_msg ());
    FILE *sink = fopen ("/dev/null", "w");
    rc = sink ? us_audit_verify (other, sink) : us_error_set (US_EIO, "cannot open /dev/null");
    if (sink)
        fclose (sink);
    us_pstore_destroy (&other);
    return rc ? us_error_set (US_EINVAL, "%s fails its own audit verify: %s", path,
                              us_error_msg ()) : 0;
}

/* Verifies the store at path, then brings it in. */
int
us_absorb_run (us_pstore_t *store, const char *path, const char *under, FILE *out)
{
    int rc = s_verify_other (path);
    int units = 0;
    int64_t records = 0;
    if (rc == 0)
        rc = us_pstore_absorb (store, path, under, out, &units, &records);
    if (rc == 0)
        fprintf (out, "absorbed %s: %d units, %" PRId64 " audit records kept as a segment\n",
                 path, units, records);
    return rc;
}

/* The walk of one segment's chain. */
typedef struct {
    FILE *out;
    const us_pstore_segment_t *seg;
    char province [65];
    uint8_t prev [US_HASH_LEN];
    int64_t rows, expected;
    bool open;
} s_walk_t;

/* Ends the walk of a segment: its length must be what was absorbed. */
static int
s_segment_end (s_walk_t *w)
{
    if (!w->open)
        return 0;
    w->open = false;
    if (w->rows != w->expected)
        return us_error_set (US_ECORRUPT, "audit segment of %s has %" PRId64 " records, %"
                             PRId64 " were absorbed", w->province, w->rows, w->expected);
    fprintf (w->out, "segment %s: %" PRId64 " records in an unbroken chain\n", w->province,
             w->rows);
    return 0;
}

/* Starts a segment. */
static int
s_segment_start (void *arg, const us_pstore_segment_t *seg)
{
    s_walk_t *w = arg;
    int rc = s_segment_end (w);
    memset (w->prev, 0, sizeof w->prev);
    w->rows = 0;
    w->expected = seg->records;
    snprintf (w->province, sizeof w->province, "%s", seg->province);
    w->open = true;
    return rc;
}

/* Checks one record of a segment against the walk. */
static int
s_segment_record (void *arg, const us_audit_row_t *row, const uint8_t *prev, const uint8_t *hash)
{
    s_walk_t *w = arg;
    uint8_t computed [US_HASH_LEN];
    int rc = us_audit_hash (computed, w->prev, row);
    if (rc)
        return rc;
    if (!prev || memcmp (prev, w->prev, US_HASH_LEN) != 0 || !hash
    ||  memcmp (hash, computed, US_HASH_LEN) != 0)
        return us_error_set (US_ECORRUPT, "audit segment of %s: record %" PRId64 " was changed, "
                             "removed or reordered", w->province, row->id);
    memcpy (w->prev, computed, US_HASH_LEN);
    w->rows++;
    return 0;
}

/* Checks the hash chain of every absorbed segment. */
int
us_absorb_verify_segments (us_pstore_t *store, FILE *out)
{
    s_walk_t w = { .out = out };
    int rc = us_pstore_segment_each (store, s_segment_start, s_segment_record, &w);
    return rc ? rc : s_segment_end (&w);
}
