/*  us_hlc: hybrid logical clock. */
#include "us_hlc.h"

#include <time.h>

#define COUNTER_BITS 16
#define COUNTER_MASK ((uint64_t) 0xFFFF)

/* Returns the wall clock in milliseconds since the Unix epoch. */
int64_t
us_hlc_wall_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns the physical (millisecond) part of a timestamp. */
int64_t
us_hlc_ms (uint64_t ts)
{
    return (int64_t) (ts >> COUNTER_BITS);
}

/* Builds a timestamp from milliseconds and a counter. */
uint64_t
us_hlc_make (int64_t ms, uint16_t counter)
{
    if (ms < 0)
        ms = 0;
    return ((uint64_t) ms << COUNTER_BITS) | counter;
}

/* Returns a new timestamp, given the wall clock in ms. */
uint64_t
us_hlc_tick (us_hlc_t *clock, int64_t wall_ms)
{
    uint64_t phys = us_hlc_make (wall_ms + clock->offset_ms, 0);
    /* When the wall clock is behind what we've seen, count logically; the
       counter overflowing just carries into the millisecond part. */
    if (phys > clock->last)
        clock->last = phys;
    else
    if (clock->last < UINT64_MAX)
        clock->last++;
    return clock->last;
}

/* Merges a received timestamp into the clock; returns the new timestamp. */
uint64_t
us_hlc_update (us_hlc_t *clock, uint64_t remote, int64_t wall_ms)
{
    if (remote > clock->last)
        clock->last = remote;
    return us_hlc_tick (clock, wall_ms);
}

/* Returns ts, or the latest allowed timestamp when ts is too far ahead. */
uint64_t
us_hlc_clamp (uint64_t ts, int64_t now_ms, int64_t max_ahead_ms)
{
    uint64_t limit = us_hlc_make (now_ms + max_ahead_ms, 0);
    return ts > limit ? limit : ts;
}
