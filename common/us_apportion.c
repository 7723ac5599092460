/*  us_apportion: splitting a whole number into parts that add up exactly. */
#include "us_apportion.h"
#include "us_error.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Computes a * b / c and its remainder exactly (128-bit product). */
static void
s_muldiv (uint64_t *q, uint64_t *r, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    uint64_t p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
    uint64_t mid = (p0 >> 32) + (p1 & 0xFFFFFFFFu) + (p2 & 0xFFFFFFFFu);
    uint64_t lo = (p0 & 0xFFFFFFFFu) | (mid << 32);
    uint64_t hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
    uint64_t rem = 0, quo = 0;
    for (int k = 127; k >= 0; k--) {
        uint64_t bit = k >= 64 ? (hi >> (k - 64)) & 1 : (lo >> k) & 1;
        bool carry = rem >> 63;
        rem = (rem << 1) | bit;
        if (carry || rem >= c) {
            rem -= c;
            if (k < 64)
                quo |= (uint64_t) 1 << k;
        }
    }
    *q = quo;
    *r = rem;
}

/* Splits total among n parts in proportion to weights. */
int
us_allocate_split (int64_t *shares, const int64_t *weights, const char *const *keys,
                   size_t n, int64_t total)
{
    if (total < 0)
        return us_error_set (US_EINVAL, "the total to split must not be negative");
    uint64_t sum = 0;
    for (size_t k = 0; k < n; k++) {
        if (weights [k] < 0)
            return us_error_set (US_EINVAL, "weight %s is negative", keys ? keys [k] : "");
        if (sum > UINT64_MAX - (uint64_t) weights [k])
            return us_error_set (US_EINVAL, "weights too large to add up");
        sum += (uint64_t) weights [k];
    }
    if (sum == 0)
        return us_error_set (US_EINVAL, "the weights add up to zero; nothing to split by");
    uint64_t *rem = calloc (n + 1, sizeof *rem);
    bool *extra = calloc (n + 1, sizeof *extra);
    if (!rem || !extra) {
        free (rem);
        free (extra);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    uint64_t given = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t q;
        s_muldiv (&q, &rem [k], (uint64_t) total, (uint64_t) weights [k], sum);
        shares [k] = (int64_t) q;
        given += q;
    }
    /* The remainders add up to (total - given) * sum, so fewer than n units
       are left over and each gets at most one; a zero weight has no
       remainder and never gets one. */
    for (uint64_t left = (uint64_t) total - given; left > 0; left--) {
        size_t best = n;
        for (size_t k = 0; k < n; k++) {
            if (extra [k] || weights [k] == 0)
                continue;
            if (best == n || rem [k] > rem [best]
            ||  (rem [k] == rem [best] && keys && strcmp (keys [k], keys [best]) < 0))
                best = k;
        }
        if (best == n)
            break;
        shares [best]++;
        extra [best] = true;
    }
    free (rem);
    free (extra);
    return 0;
}

