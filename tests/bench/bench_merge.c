/*  bench_merge: the push path's server side in one process, timed by SQL
    statement. A fresh server store (us_pstore_create, units imported, one
    replica enrolled for UNIT) takes N deltas of the shared enumeration in
    signed batches of BATCH through us_merge_push, exactly as the handler
    calls it, with SQLite's profile hook summing the time of every
    statement. No network, no client: what is left is the merge itself.

    bench_merge STORE.db UNITS.csv UNIT PREFIX UNITS N BATCH
    prints: merge deltas_per_s <x> first_batch_ms <a> last_batch_ms <b>
            hash us_per_call <h>
            stmt <total_ms> <calls> <us_per_delta> <pct_of_merge> <sql...>   (largest first)
            other <ms> <us_per_delta> <pct>          (time outside SQL statements)
*/
#include "bench_common.h"
#include "us_audit.h"
#include "us_codec.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_merge.h"
#include "us_pstore.h"
#include "us_pstore_sql.h"

#include <sqlite3.h>
#include <string.h>

#define MAX_STMTS 128

typedef struct {
    char *sql;
    int64_t ns;
    long calls;
} s_stat_t;

static s_stat_t s_stats [MAX_STMTS];
static int s_n_stats;
static int64_t s_sql_ns;

/* Sums the time of each finished statement by its SQL text. */
static int
s_profile (unsigned type, void *ctx, void *p, void *x)
{
    (void) ctx;
    if (type != SQLITE_TRACE_PROFILE)
        return 0;
    const char *sql = sqlite3_sql ((sqlite3_stmt *) p);
    int64_t ns = *(int64_t *) x;
    s_sql_ns += ns;
    if (!sql)
        sql = "?";
    for (int i = 0; i < s_n_stats; i++)
        if (strcmp (s_stats [i].sql, sql) == 0) {
            s_stats [i].ns += ns;
            s_stats [i].calls++;
            return 0;
        }
    if (s_n_stats < MAX_STMTS) {
        s_stats [s_n_stats].sql = strdup (sql);
        s_stats [s_n_stats].ns = ns;
        s_stats [s_n_stats].calls = 1;
        s_n_stats++;
    }
    return 0;
}

/* Orders statistics by time, largest first. */
static int
s_by_time (const void *a, const void *b)
{
    int64_t x = ((const s_stat_t *) a)->ns, y = ((const s_stat_t *) b)->ns;
    return x < y ? 1 : x > y ? -1 : 0;
}

int
main (int argc, char **argv)
{
    if (argc != 8) {
        fprintf (stderr, "usage: bench_merge STORE.db UNITS.csv UNIT PREFIX UNITS N BATCH\n");
        return 2;
    }
    const char *path = argv [1], *units_csv = argv [2], *unit = argv [3], *prefix = argv [4];
    int units = atoi (argv [5]);
    long n = atol (argv [6]), batch = atol (argv [7]);
    us_pstore_t *store;
    int count;
    if (us_pstore_create (&store, path, "QT", "Bench") != 0
    ||  us_pstore_import_units (store, &count, units_csv) != 0)
        bench_die ("store", us_error_msg ());
    us_keys_t keys;
    char token [US_TOKEN_MAX];
    int64_t rid;
    us_replica_t rep;
    if (us_keys_generate (&keys, true) != 0)
        bench_die ("keys", us_error_msg ());
    us_keys_token (token, sizeof token, &keys);
    if (us_pstore_enroll (store, &rid, unit, token, "bench") != 0
    ||  us_pstore_replica (store, &rep, keys.curve_public) != 0)
        bench_die ("enroll", us_error_msg ());

    us_delta_t *d = calloc ((size_t) batch, sizeof *d);
    bench_cell_t *cells = calloc ((size_t) batch, sizeof *cells);
    us_merge_result_t *res = calloc ((size_t) batch, sizeof *res);
    us_hlc_t clock = { 0, 0 };
    uint64_t hlc = (uint64_t) us_hlc_wall_ms () << 16;
    sqlite3_trace_v2 (us_pstore_db (store), SQLITE_TRACE_PROFILE, s_profile, NULL);
    int64_t merge_ns = 0, first_ns = 0, last_ns = 0;
    for (long i = 0; i < n; i += batch) {
        long cnt = i + batch < n ? batch : n - i;
        for (long j = 0; j < cnt; j++) {
            if (bench_cell (&cells [j], prefix, units, i + j) != 0)
                bench_die ("not enough units", prefix);
            d [j] = (us_delta_t) { .seq = (uint64_t) (i + j + 1), .unit = cells [j].unit,
                .indicator = cells [j].indicator, .month = cells [j].month,
                .value = cells [j].value, .hlc = hlc++, .author = "bench", .note = "" };
        }
        us_push_t push = { .epoch = 1, .count = (size_t) cnt, .deltas = d };
        uint8_t *bytes, sig [64];
        size_t len;
        if (us_codec_push_signed_bytes (&bytes, &len, &push) != 0
        ||  us_keys_sign (sig, &keys, bytes, len) != 0)
            bench_die ("sign", us_error_msg ());
        push.signature = sig;
        push.signature_len = 64;
        int64_t t0 = bench_now_ns ();
        if (us_merge_push (res, store, &rep, &push, bytes, len, &clock) != 0)
            bench_die ("merge", us_error_msg ());
        int64_t dt = bench_now_ns () - t0;
        merge_ns += dt;
        if (i == 0)
            first_ns = dt;
        last_ns = dt;
        free (bytes);
        for (long j = 0; j < cnt; j++)
            if (res [j].result.outcome != US_OUTCOME_ACCEPTED)
                bench_die ("delta not accepted", res [j].reason);
    }
    sqlite3_trace_v2 (us_pstore_db (store), 0, NULL, NULL);

    /* The audit hash alone, on a typical row. */
    us_audit_row_t row = { .id = 1, .replica_id = 1, .batch_id = 1, .epoch = 1, .seq = 1,
        .unit = "QT.TRIEUPHONG.G001", .indicator = "members.new", .month = 24256,
        .has_value = true, .value = 11, .hlc = (int64_t) hlc, .origin_hlc = (int64_t) hlc,
        .author = "bench", .note = "", .outcome = 1, .reason = "", .version = 1, .at = 1 };
    uint8_t prev [US_HASH_LEN] = { 0 }, hash [US_HASH_LEN];
    int reps = 20000;
    int64_t t0 = bench_now_ns ();
    for (int k = 0; k < reps; k++) {
        us_audit_hash (hash, prev, &row);
        memcpy (prev, hash, US_HASH_LEN);
    }
    double hash_us = (bench_now_ns () - t0) / 1e3 / reps;

    printf ("merge deltas_per_s %.1f first_batch_ms %.1f last_batch_ms %.1f\n",
            (double) n * 1e9 / (double) merge_ns, first_ns / 1e6, last_ns / 1e6);
    printf ("hash us_per_call %.2f\n", hash_us);
    qsort (s_stats, (size_t) s_n_stats, sizeof *s_stats, s_by_time);
    for (int i = 0; i < s_n_stats; i++) {
        char sql [4096];
        size_t k = 0;
        for (const char *s = s_stats [i].sql; *s && k < sizeof sql - 1; s++)
            if (!(*s == ' ' && k > 0 && sql [k - 1] == ' '))
                sql [k++] = *s == '\n' ? ' ' : *s;
        sql [k] = 0;
        printf ("stmt %.1f %ld %.2f %.1f %s\n", s_stats [i].ns / 1e6, s_stats [i].calls,
                s_stats [i].ns / 1e3 / (double) n, 100.0 * (double) s_stats [i].ns / (double) merge_ns,
                sql);
        free (s_stats [i].sql);
    }
    int64_t other = merge_ns - s_sql_ns;
    printf ("other %.1f %.2f %.1f\n", other / 1e6, other / 1e3 / (double) n,
            100.0 * (double) other / (double) merge_ns);
    us_keys_wipe (&keys);
    free (d);
    free (cells);
    free (res);
    us_pstore_destroy (&store);
    return 0;
}
