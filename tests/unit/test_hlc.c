/*  Unit tests for us_hlc: the hybrid logical clock. */
#include "us_hlc.h"

#include "us_test.h"

#include <time.h>

#define T0 ((int64_t) 1657843200000)   /* 2022-07-15 00:00:00 UTC in ms */

/* make and ms are inverses, and the counter sits in the low 16 bits. */
Test (hlc, make_and_ms)
{
    uint64_t ts = us_hlc_make (T0, 7);
    cr_assert_eq (us_hlc_ms (ts), T0);
    cr_assert_eq (ts & 0xFFFF, 7);
    cr_assert_eq (us_hlc_make (T0, 0) + 1, us_hlc_make (T0, 1));
    cr_assert_lt (us_hlc_make (T0, 0xFFFF), us_hlc_make (T0 + 1, 0));
    cr_assert_eq (us_hlc_make (-5, 3), us_hlc_make (0, 3));
}

/* The wall clock reads close to time(). */
Test (hlc, wall_clock)
{
    int64_t now = (int64_t) time (NULL) * 1000;
    int64_t wall = us_hlc_wall_ms ();
    cr_assert_lt (llabs (wall - now), 5000);
}

/* With the wall clock moving forward, ticks follow it with counter 0. */
Test (hlc, tick_follows_wall)
{
    us_hlc_t c = { 0, 0 };
    uint64_t a = us_hlc_tick (&c, T0);
    uint64_t b = us_hlc_tick (&c, T0 + 10);
    cr_assert_eq (a, us_hlc_make (T0, 0));
    cr_assert_eq (b, us_hlc_make (T0 + 10, 0));
    cr_assert_eq (c.last, b);
}

/* Ticks in the same millisecond are strictly increasing. */
Test (hlc, tick_same_ms)
{
    us_hlc_t c = { 0, 0 };
    uint64_t prev = us_hlc_tick (&c, T0);
    for (int i = 0; i < 1000; i++) {
        uint64_t t = us_hlc_tick (&c, T0);
        cr_assert_gt (t, prev);
        cr_assert_eq (us_hlc_ms (t), T0);
        prev = t;
    }
}

/* When the wall clock goes back (a PC's clock fixed by hand), ticks still
   increase and never go below what was issued. */
Test (hlc, tick_wall_goes_back)
{
    us_hlc_t c = { 0, 0 };
    uint64_t high = us_hlc_tick (&c, T0 + 3600 * 1000);
    uint64_t prev = high;
    for (int i = 0; i < 100; i++) {
        uint64_t t = us_hlc_tick (&c, T0 - i * 1000);
        cr_assert_gt (t, prev, "tick %d went back", i);
        cr_assert_geq (us_hlc_ms (t), us_hlc_ms (high));
        prev = t;
    }
    /* Once the wall catches up, the clock follows it again. */
    uint64_t t = us_hlc_tick (&c, T0 + 7200 * 1000);
    cr_assert_eq (t, us_hlc_make (T0 + 7200 * 1000, 0));
}

/* Many ticks within one millisecond overflow the counter into the
   millisecond part and stay strictly increasing. */
Test (hlc, counter_overflow)
{
    us_hlc_t c = { 0, 0 };
    uint64_t prev = us_hlc_tick (&c, T0);
    for (int i = 0; i < 70000; i++) {
        uint64_t t = us_hlc_tick (&c, T0);
        if (t <= prev)
            cr_assert_fail ("tick %d not increasing", i);
        prev = t;
    }
    cr_assert_gt (us_hlc_ms (prev), T0);
}

/* The offset (adopted server time) shifts the physical part. */
Test (hlc, offset)
{
    us_hlc_t c = { 0, 3600 * 1000 };
    uint64_t t = us_hlc_tick (&c, T0);
    cr_assert_eq (us_hlc_ms (t), T0 + 3600 * 1000);
    us_hlc_t back = { 0, -60 * 1000 };
    t = us_hlc_tick (&back, T0);
    cr_assert_eq (us_hlc_ms (t), T0 - 60 * 1000);
}

/* A remote timestamp ahead of the local clock pulls it forward: the result
   and every later tick exceed the remote, even with a slow wall clock. */
Test (hlc, update_remote_ahead)
{
    us_hlc_t c = { 0, 0 };
    us_hlc_tick (&c, T0);
    uint64_t remote = us_hlc_make (T0 + 5000, 42);
    uint64_t t = us_hlc_update (&c, remote, T0);
    cr_assert_gt (t, remote);
    cr_assert_eq (us_hlc_ms (t), T0 + 5000);
    uint64_t next = us_hlc_tick (&c, T0 + 1);
    cr_assert_gt (next, t);
}

/* A remote timestamp behind the local clock changes nothing but the tick. */
Test (hlc, update_remote_behind)
{
    us_hlc_t c = { 0, 0 };
    uint64_t local = us_hlc_tick (&c, T0);
    uint64_t t = us_hlc_update (&c, us_hlc_make (T0 - 9000, 3), T0 + 20);
    cr_assert_gt (t, local);
    cr_assert_eq (t, us_hlc_make (T0 + 20, 0));
}

/* A remote equal to the last timestamp still yields a larger one. */
Test (hlc, update_remote_equal)
{
    us_hlc_t c = { 0, 0 };
    uint64_t local = us_hlc_tick (&c, T0);
    uint64_t t = us_hlc_update (&c, local, T0);
    cr_assert_gt (t, local);
}

/* Clamp leaves near timestamps alone and caps far-ahead ones at the limit. */
Test (hlc, clamp)
{
    int64_t max_ahead = 10 * 60 * 1000;
    uint64_t near = us_hlc_make (T0 + 1000, 5);
    cr_assert_eq (us_hlc_clamp (near, T0, max_ahead), near);
    uint64_t past = us_hlc_make (T0 - 86400000, 0);
    cr_assert_eq (us_hlc_clamp (past, T0, max_ahead), past);
    uint64_t limit = us_hlc_make (T0 + max_ahead, 0);
    cr_assert_eq (us_hlc_clamp (limit, T0, max_ahead), limit);
    uint64_t far = us_hlc_make (T0 + 86400000, 9);
    cr_assert_eq (us_hlc_clamp (far, T0, max_ahead), limit);
    cr_assert_eq (us_hlc_clamp (UINT64_MAX, T0, max_ahead), limit);
    cr_assert_eq (us_hlc_clamp (limit + 1, T0, max_ahead), limit);
}
