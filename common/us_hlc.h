/*  us_hlc: hybrid logical clock.

    A timestamp is 64 bits: the upper 48 are wall-clock milliseconds since the
    Unix epoch, the lower 16 a logical counter. Timestamps from one clock are
    strictly increasing even when the wall clock goes back, and a clock that
    has seen a remote timestamp never issues a smaller one. The struct is a
    small value owned by the caller.
*/
#ifndef US_HLC_H
#define US_HLC_H

#include <stdint.h>

typedef struct {
    uint64_t last;          /* last timestamp issued or seen */
    int64_t offset_ms;      /* added to the wall clock (adopted server time) */
} us_hlc_t;

/* Returns the wall clock in milliseconds since the Unix epoch. */
int64_t us_hlc_wall_ms (void);

/* Returns a new timestamp, given the wall clock in ms. */
uint64_t us_hlc_tick (us_hlc_t *clock, int64_t wall_ms);

/* Merges a received timestamp into the clock; returns the new timestamp. */
uint64_t us_hlc_update (us_hlc_t *clock, uint64_t remote, int64_t wall_ms);

/* Returns the physical (millisecond) part of a timestamp. */
int64_t us_hlc_ms (uint64_t ts);

/* Builds a timestamp from milliseconds and a counter. */
uint64_t us_hlc_make (int64_t ms, uint16_t counter);

/* Returns ts, or the latest allowed timestamp when ts is more than
   max_ahead_ms ahead of now_ms. */
uint64_t us_hlc_clamp (uint64_t ts, int64_t now_ms, int64_t max_ahead_ms);

#endif
