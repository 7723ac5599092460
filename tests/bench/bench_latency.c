/*  bench_latency: one edit, then a sync until it is acknowledged, inside
    one process: the store stays open and no program starts, so what is
    left is the protocol (a fresh ZeroMQ context and CURVE handshake per
    session, as `unionsync sync` makes), the merge and the durable commits
    on both sides. Compare with the command-line figures to see what
    starting a program costs.

    bench_latency CLIENT.db N UNIT MONTH INDICATOR
    prints one line per edit: <set_us> <sync_us>
*/
#include "bench_common.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_keys.h"
#include "us_sync.h"

int
main (int argc, char **argv)
{
    if (argc != 6) {
        fprintf (stderr, "usage: bench_latency CLIENT.db N UNIT MONTH INDICATOR\n");
        return 2;
    }
    us_dstore_t *store;
    us_keys_t keys;
    if (us_dstore_open (&store, argv [1]) != 0
    ||  us_keys_load (&keys, us_dstore_key_path (store)) != 0)
        bench_die ("open", us_error_msg ());
    int n = atoi (argv [2]);
    us_sync_opts_t opts = { .timeout_ms = 3000, .retries = 4, .batch = 500, .progress = NULL };
    for (int i = 0; i < n; i++) {
        char value [32];
        snprintf (value, sizeof value, "%d", 1000 + i);
        int64_t t0 = bench_now_ns ();
        if (us_dstore_set (store, argv [3], argv [4], argv [5], value, "", "bench") != 0)
            bench_die ("set", us_error_msg ());
        int64_t t1 = bench_now_ns ();
        us_sync_stats_t stats;
        if (us_sync_run (&stats, store, &keys, &opts) != 0)
            bench_die ("sync", us_error_msg ());
        int64_t t2 = bench_now_ns ();
        if (stats.accepted != 1)
            bench_die ("the edit was not accepted", NULL);
        printf ("%.0f %.0f\n", (t1 - t0) / 1e3, (t2 - t1) / 1e3);
    }
    us_keys_wipe (&keys);
    us_dstore_destroy (&store);
    return 0;
}
