/*  bench_ceiling: the limit for the push path. Writes the same cells the
    push benchmark sends straight into a freshly created server store
    (us_pstore_create, so the very schema and indexes the server has), with
    the statements the merge needs at the least: the cell upsert and its
    change-stream entry (which names the cell's unit). One durable transaction (WAL, synchronous=FULL, as
    us_db_open sets) per batch; unit and indicator ids looked up once.

    bench_ceiling STORE.db UNITS.csv PREFIX UNITS N BATCH
    prints: deltas_per_s <x> elapsed_ms <y>
*/
#include "bench_common.h"
#include "us_db.h"
#include "us_error.h"
#include "us_pstore.h"
#include "us_pstore_sql.h"

#include <sqlite3.h>
#include <string.h>

int
main (int argc, char **argv)
{
    if (argc != 7) {
        fprintf (stderr, "usage: bench_ceiling STORE.db UNITS.csv PREFIX UNITS N BATCH\n");
        return 2;
    }
    const char *path = argv [1], *units_csv = argv [2], *prefix = argv [3];
    int units = atoi (argv [4]);
    long n = atol (argv [5]), batch = atol (argv [6]);
    us_pstore_t *store;
    int count;
    if (us_pstore_create (&store, path, "QT", "Bench") != 0
    ||  us_pstore_import_units (store, &count, units_csv) != 0)
        bench_die ("store", us_error_msg ());
    sqlite3 *db = us_pstore_db (store);
    sqlite3_stmt *unit_q, *ind_q, *put, *touch;
    if (us_db_prepare (&unit_q, db, "SELECT id FROM units WHERE code = ?")
    ||  us_db_prepare (&ind_q, db, "SELECT id FROM indicators WHERE code = ?")
    ||  us_db_prepare (&put, db,
            "INSERT INTO cells (unit_id, ind_id, month, value, version, hlc, replica, author,"
            " note, corrected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (unit_id, ind_id, month) DO UPDATE SET value = excluded.value,"
            " version = excluded.version, hlc = excluded.hlc, replica = excluded.replica,"
            " author = excluded.author, note = excluded.note, corrected = excluded.corrected"
            " RETURNING id")
    ||  us_db_prepare (&touch, db, "INSERT OR REPLACE INTO changelog (kind, ref, unit) VALUES (3, ?, ?)"))
        bench_die ("prepare", us_error_msg ());

    /* Ids looked up once, outside the timing. */
    int64_t ind_ids [BENCH_N_IND];
    for (int k = 0; k < BENCH_N_IND; k++) {
        sqlite3_bind_text (ind_q, 1, bench_indicators [k], -1, SQLITE_STATIC);
        if (sqlite3_step (ind_q) != SQLITE_ROW)
            bench_die ("unknown indicator", bench_indicators [k]);
        ind_ids [k] = sqlite3_column_int64 (ind_q, 0);
        sqlite3_reset (ind_q);
    }
    int64_t *unit_ids = calloc ((size_t) units, sizeof *unit_ids);
    for (int u = 0; u < units; u++) {
        bench_cell_t c;
        bench_cell (&c, prefix, units, (long) u * BENCH_MONTHS * BENCH_N_IND);
        sqlite3_bind_text (unit_q, 1, c.unit, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (unit_q) != SQLITE_ROW)
            bench_die ("unknown unit", c.unit);
        unit_ids [u] = sqlite3_column_int64 (unit_q, 0);
        sqlite3_reset (unit_q);
    }
    const char *replica = "rq0Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Y";  /* a Z85 key's length */
    long per_unit = (long) BENCH_MONTHS * BENCH_N_IND;
    uint64_t hlc = (uint64_t) 1700000000000 << 16;
    int64_t t0 = bench_now_ns ();
    for (long i = 0; i < n; ) {
        if (us_db_begin (db))
            bench_die ("begin", us_error_msg ());
        for (long j = 0; j < batch && i < n; j++, i++) {
            bench_cell_t c;
            if (bench_cell (&c, prefix, units, i) != 0)
                bench_die ("not enough units", prefix);
            sqlite3_bind_int64 (put, 1, unit_ids [i / per_unit]);
            sqlite3_bind_int64 (put, 2, ind_ids [(i % per_unit) % BENCH_N_IND]);
            sqlite3_bind_int (put, 3, c.month);
            sqlite3_bind_int64 (put, 4, c.value);
            sqlite3_bind_int64 (put, 5, 1);
            sqlite3_bind_int64 (put, 6, (int64_t) hlc++);
            sqlite3_bind_text (put, 7, replica, -1, SQLITE_STATIC);
            sqlite3_bind_text (put, 8, "bench", -1, SQLITE_STATIC);
            sqlite3_bind_text (put, 9, "", -1, SQLITE_STATIC);
            sqlite3_bind_int (put, 10, 0);
            if (sqlite3_step (put) != SQLITE_ROW)
                bench_die ("cells", sqlite3_errmsg (db));
            int64_t id = sqlite3_column_int64 (put, 0);
            sqlite3_reset (put);
            sqlite3_bind_int64 (touch, 1, id);
            sqlite3_bind_int64 (touch, 2, unit_ids [i / per_unit]);
            if (sqlite3_step (touch) != SQLITE_DONE)
                bench_die ("changelog", sqlite3_errmsg (db));
            sqlite3_reset (touch);
        }
        if (us_db_commit (db))
            bench_die ("commit", us_error_msg ());
    }
    int64_t ns = bench_now_ns () - t0;
    printf ("deltas_per_s %.1f elapsed_ms %.1f\n", (double) n * 1e9 / (double) ns, ns / 1e6);
    sqlite3_finalize (unit_q);
    sqlite3_finalize (ind_q);
    sqlite3_finalize (put);
    sqlite3_finalize (touch);
    free (unit_ids);
    us_pstore_destroy (&store);
    return 0;
}
