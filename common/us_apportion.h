/*  us_apportion: splitting a whole number into parts that add up exactly.

    The largest-remainder (Hamilton) method: each part gets the whole part
    of its quota and the units left over go one each to the largest
    remainders. Used to split a province's target among its units
    (us_allocate) and an ended unit's figures among its successors
    (us_succession). Pure: no I/O; the caller owns every array.
*/
#ifndef US_APPORTION_H
#define US_APPORTION_H

#include <stddef.h>
#include <stdint.h>

/* Splits total among n parts in proportion to weights (largest remainder;
   equal remainders go to the part whose key sorts first). shares gets n
   entries. Returns 0 or US_EINVAL (negative total or weight, zero total
   weight, weights too large). */
int us_allocate_split (int64_t *shares, const int64_t *weights, const char *const *keys,
                       size_t n, int64_t total);

#endif
