/*  bench_common: what the benchmark programs share.

    The cells every benchmark writes are enumerated here once, so the
    client's CSV import, the SQLite ceiling, the session-extension peer and
    the codec all see the same edits: unit PREFIX.G001..G<units>, months
    from 2018-01 on (60 months), the 14 entered indicators of the default
    catalog in catalog order. Values are small counts that keep the
    catalog's rules (party.admitted <= party.introduced, cdcs.with_cla <=
    cdcs.cla_eligible).
*/
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_MONTHS     60
#define BENCH_FIRST_YEAR 2018

static const char *bench_indicators [] = {
    "members.new", "cdcs.new", "cla.signed", "propaganda.sessions",
    "propaganda.attendees", "training.classes", "training.attendees",
    "dialogues.held", "party.introduced", "party.admitted", "commended.chairs",
    "members.total", "cdcs.cla_eligible", "cdcs.with_cla"
};
#define BENCH_N_IND ((int) (sizeof bench_indicators / sizeof bench_indicators [0]))

/* One enumerated edit. */
typedef struct {
    char unit [80];
    const char *indicator;
    int year, mon;          /* calendar month 1..12 */
    int month;              /* us_period month index: year * 12 + mon - 1 */
    int64_t value;
} bench_cell_t;

/* Fills cell number i (0-based) of the enumeration; returns 0, or -1 when
   i is past the units × months × indicators there are. */
static inline int
bench_cell (bench_cell_t *c, const char *prefix, int units, long i)
{
    long per_unit = (long) BENCH_MONTHS * BENCH_N_IND;
    long u = i / per_unit, rest = i % per_unit;
    if (i < 0 || u >= units)
        return -1;
    int m = (int) (rest / BENCH_N_IND), k = (int) (rest % BENCH_N_IND);
    snprintf (c->unit, sizeof c->unit, "%s.G%03ld", prefix, u + 1);
    c->indicator = bench_indicators [k];
    c->year = BENCH_FIRST_YEAR + m / 12;
    c->mon = m % 12 + 1;
    c->month = c->year * 12 + c->mon - 1;
    c->value = (k == 9 || k == 13) ? 1 : 10 + k + (int) (u % 7);
    return 0;
}

/* Monotonic time in nanoseconds. */
static inline int64_t
bench_now_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Exits with a message. */
static inline void
bench_die (const char *what, const char *detail)
{
    fprintf (stderr, "bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit (1);
}

#endif
