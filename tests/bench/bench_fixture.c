/*  bench_fixture: builds the data sets scripts/bench.sh measures against.

    bench_fixture csv PREFIX UNITS N OUT.csv
        the first N cells of the shared enumeration (bench_common.h) as a
        `unionsync import` file: unit,month,indicator,value

    bench_fixture cells SERVER.db UNIT FIRST_MONTH MONTHS CHANGELOG
        writes a value into every entered indicator of UNIT and all its
        descendants for MONTHS months from FIRST_MONTH (YYYY-MM), month by
        month, straight into a server store, in one transaction (the merge
        is skipped: no audit rows); with CHANGELOG=1 each cell
        is also stamped in the change stream (as the merge does), so clients
        pull it. Prints the number of cells.

    bench_fixture targets SERVER.db PERIOD INDICATOR
        a province target for every unit for one indicator and period.

    bench_fixture replicas SERVER.db DIR ENDPOINT SERVER_KEY N EDITS WORKERS
        N client stores DIR/rNNNN.db (with keys), each enrolled at SERVER.db
        for a grassroots unit (round robin), each holding EDITS unsent edits
        of its own unit. A store is what `unionsync init` makes: one is
        created with us_dstore_create and copied, its unit renamed; the
        copies skip init's fsyncs, which only the set-up would pay for.
        The edits are made with us_dstore_import (one durable transaction
        per store), in WORKERS processes; enrolments are not flushed.
*/
#include "bench_common.h"
#include "us_db.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_import.h"
#include "us_keys.h"
#include "us_period.h"
#include "us_pstore.h"
#include "us_pstore_sql.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exits with the library's last error. */
static void
s_fail (const char *what)
{
    bench_die (what, us_error_msg ());
}

/* csv: the enumeration as an import file. */
static int
s_csv (const char *prefix, int units, long n, const char *out_path)
{
    FILE *out = fopen (out_path, "w");
    if (!out)
        bench_die ("cannot write", out_path);
    fputs ("unit,month,indicator,value\n", out);
    bench_cell_t c;
    long i = 0;
    for (; i < n && bench_cell (&c, prefix, units, i) == 0; i++)
        fprintf (out, "%s,%04d-%02d,%s,%lld\n", c.unit, c.year, c.mon, c.indicator,
                 (long long) c.value);
    if (fclose (out) != 0)
        bench_die ("cannot write", out_path);
    if (i < n)
        bench_die ("not enough units for that many cells", prefix);
    return 0;
}

/* cells: bulk figures for a subtree, written directly. */
static int
s_cells (const char *path, const char *unit, const char *first, int months, bool changelog)
{
    us_pstore_t *store;
    int m0;
    if (us_month_parse (&m0, first) != 0)
        bench_die ("bad month", first);
    if (us_pstore_open (&store, path) != 0)
        s_fail ("open");
    sqlite3 *db = us_pstore_db (store);
    char like [96];
    snprintf (like, sizeof like, "%s.%%", unit);
    sqlite3_stmt *units, *inds, *put, *touch;
    if (us_db_prepare (&units, db, "SELECT id FROM units WHERE code = ?1 OR code LIKE ?2 ORDER BY id")
    ||  us_db_prepare (&inds, db, "SELECT id FROM indicators WHERE kind != 'ratio' ORDER BY position, id")
    ||  us_db_prepare (&put, db,
            "INSERT INTO cells (unit_id, ind_id, month, value, version, hlc, replica, author, note)"
            " VALUES (?, ?, ?, ?, 1, ?, '', 'bench', '') ON CONFLICT (unit_id, ind_id, month)"
            " DO UPDATE SET value = excluded.value, version = version + 1 RETURNING id")
    ||  us_db_prepare (&touch, db, "INSERT OR REPLACE INTO changelog (kind, ref, unit) VALUES (3, ?, ?)"))
        s_fail ("prepare");
    int64_t ind_ids [256];
    int n_ind = 0;
    while (n_ind < 256 && sqlite3_step (inds) == SQLITE_ROW)
        ind_ids [n_ind++] = sqlite3_column_int64 (inds, 0);
    sqlite3_bind_text (units, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (units, 2, like, -1, SQLITE_STATIC);
    int64_t *unit_ids = NULL;
    size_t n_units = 0, cap = 0;
    while (sqlite3_step (units) == SQLITE_ROW) {
        if (n_units == cap) {
            cap = cap ? cap * 2 : 256;
            unit_ids = realloc (unit_ids, cap * sizeof *unit_ids);
            if (!unit_ids)
                bench_die ("out of memory", NULL);
        }
        unit_ids [n_units++] = sqlite3_column_int64 (units, 0);
    }
    uint64_t hlc = (uint64_t) us_hlc_wall_ms () << 16;
    long count = 0;
    /* Month by month, as offices report: the cells of a month sit together
       in the table and the month index grows at its end, as in a store
       that took five years of pushes. One transaction, a big cache. */
    if (us_db_exec (db, "PRAGMA cache_size = -262144") || us_db_begin (db))
        s_fail ("begin");
    for (int m = 0; m < months; m++)
        for (size_t u = 0; u < n_units; u++)
            for (int k = 0; k < n_ind; k++) {
                sqlite3_bind_int64 (put, 1, unit_ids [u]);
                sqlite3_bind_int64 (put, 2, ind_ids [k]);
                sqlite3_bind_int (put, 3, m0 + m);
                sqlite3_bind_int64 (put, 4, 1 + (unit_ids [u] * 7 + k * 3 + m) % 40);
                sqlite3_bind_int64 (put, 5, (int64_t) hlc++);
                if (sqlite3_step (put) != SQLITE_ROW)
                    bench_die ("insert cell", sqlite3_errmsg (db));
                int64_t id = sqlite3_column_int64 (put, 0);
                sqlite3_reset (put);
                if (changelog) {
                    sqlite3_bind_int64 (touch, 1, id);
                    sqlite3_bind_int64 (touch, 2, unit_ids [u]);
                    if (sqlite3_step (touch) != SQLITE_DONE)
                        bench_die ("changelog", sqlite3_errmsg (db));
                    sqlite3_reset (touch);
                }
                count++;
            }
    if (us_db_commit (db))
        s_fail ("commit");
    free (unit_ids);
    sqlite3_finalize (units);
    sqlite3_finalize (inds);
    sqlite3_finalize (put);
    sqlite3_finalize (touch);
    us_pstore_destroy (&store);
    printf ("%ld\n", count);
    return 0;
}

/* targets: one province target per unit for an indicator and period. */
static int
s_targets (const char *path, const char *period, const char *indicator)
{
    us_pstore_t *store;
    us_period_t p;
    if (us_period_parse (&p, period) != 0)
        bench_die ("bad period", period);
    if (us_pstore_open (&store, path) != 0)
        s_fail ("open");
    sqlite3 *db = us_pstore_db (store);
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db,
            "INSERT OR REPLACE INTO targets (unit_id, ind_id, period, first, last, source, lo, hi)"
            " SELECT u.id, i.id, ?1, ?2, ?3, 'province', 100 + u.id % 50, 100 + u.id % 50"
            " FROM units u, indicators i WHERE i.code = ?4"))
        s_fail ("prepare");
    sqlite3_bind_text (st, 1, p.text, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 2, p.first);
    sqlite3_bind_int (st, 3, p.last);
    sqlite3_bind_text (st, 4, indicator, -1, SQLITE_STATIC);
    if (us_db_begin (db) || sqlite3_step (st) != SQLITE_DONE || us_db_commit (db))
        bench_die ("targets", sqlite3_errmsg (db));
    printf ("%d\n", sqlite3_changes (db));
    sqlite3_finalize (st);
    us_pstore_destroy (&store);
    return 0;
}

/* Reads a whole file into memory. */
static uint8_t *
s_slurp (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        bench_die ("cannot read", path);
    fseek (f, 0, SEEK_END);
    long n = ftell (f);
    fseek (f, 0, SEEK_SET);
    uint8_t *buf = malloc ((size_t) n + 1);
    if (!buf || fread (buf, 1, (size_t) n, f) != (size_t) n)
        bench_die ("cannot read", path);
    fclose (f);
    *len = (size_t) n;
    return buf;
}

/* Makes one replica's store from the template bytes, renamed to unit,
   with its keys and its edits. */
static void
s_replica_store (const char *dir, int i, const uint8_t *tmpl, size_t tmpl_len,
                 const us_keys_t *keys, const char *unit, int edits, int slot)
{
    char path [512], csv [512];
    snprintf (path, sizeof path, "%s/r%04d.db", dir, i);
    snprintf (csv, sizeof csv, "%s/r%04d.csv", dir, i);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write (fd, tmpl, tmpl_len) != (ssize_t) tmpl_len || close (fd) != 0)
        bench_die ("cannot write", path);
    sqlite3 *db;
    if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        bench_die ("open copy", path);
    sqlite3_stmt *st;
    if (sqlite3_exec (db, "PRAGMA synchronous=OFF", NULL, NULL, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (db, "UPDATE meta SET value = ?1 WHERE key = 'unit';", -1, &st, NULL) != SQLITE_OK)
        bench_die ("rename", sqlite3_errmsg (db));
    sqlite3_bind_text (st, 1, unit, -1, SQLITE_STATIC);
    if (sqlite3_step (st) != SQLITE_DONE)
        bench_die ("rename", sqlite3_errmsg (db));
    sqlite3_finalize (st);
    if (sqlite3_prepare_v2 (db, "UPDATE units SET code = ?1, name = ?1 WHERE code = 'QT.BENCH.TEMPLATE'",
                            -1, &st, NULL) != SQLITE_OK)
        bench_die ("rename", sqlite3_errmsg (db));
    sqlite3_bind_text (st, 1, unit, -1, SQLITE_STATIC);
    if (sqlite3_step (st) != SQLITE_DONE || sqlite3_changes (db) != 1)
        bench_die ("rename unit", sqlite3_errmsg (db));
    sqlite3_finalize (st);
    sqlite3_close (db);
    char key_path [520];
    snprintf (key_path, sizeof key_path, "%s.key", path);
    if (us_keys_save (keys, key_path) != 0)
        s_fail ("keys");
    if (edits <= 0)
        return;
    FILE *f = fopen (csv, "w");
    if (!f)
        bench_die ("cannot write", csv);
    fputs ("unit,month,indicator,value\n", f);
    const char *ind = bench_indicators [slot % BENCH_N_IND];
    for (int e = 0; e < edits; e++)
        fprintf (f, "%s,2022-%02d,%s,%d\n", unit, e % 12 + 1, ind, 10 + (i + e) % 50);
    fclose (f);
    us_dstore_t *store;
    int count;
    if (us_dstore_open (&store, path) != 0 || us_dstore_import (store, &count, csv, "bench") != 0)
        s_fail ("edits");
    us_dstore_destroy (&store);
}

/* replicas: N enrolled client stores with a few edits each. */
static int
s_replicas (const char *server_db, const char *dir, const char *endpoint,
            const char *server_key, int n, int edits, int workers)
{
    us_pstore_t *store;
    if (us_pstore_open (&store, server_db) != 0)
        s_fail ("open server store");
    sqlite3 *db = us_pstore_db (store);
    sqlite3_stmt *st;
    if (us_db_prepare (&st, db, "SELECT code FROM units WHERE kind = 'grassroots' ORDER BY id"))
        s_fail ("units");
    char (*units) [65] = NULL;
    int n_units = 0, cap = 0;
    while (sqlite3_step (st) == SQLITE_ROW) {
        if (n_units == cap) {
            cap = cap ? cap * 2 : 256;
            units = realloc (units, (size_t) cap * sizeof *units);
            if (!units)
                bench_die ("out of memory", NULL);
        }
        snprintf (units [n_units++], 65, "%s", us_db_text (st, 0));
    }
    sqlite3_finalize (st);
    if (n_units == 0)
        bench_die ("the server store has no grassroots units", server_db);

    char tmpl_path [512];
    snprintf (tmpl_path, sizeof tmpl_path, "%s/template.db", dir);
    us_dstore_t *tmpl;
    if (us_dstore_create (&tmpl, tmpl_path, "QT.BENCH.TEMPLATE", endpoint, server_key) != 0)
        s_fail ("template store");
    us_dstore_destroy (&tmpl);
    size_t tmpl_len;
    uint8_t *tmpl_bytes = s_slurp (tmpl_path, &tmpl_len);

    us_keys_t *keys = calloc ((size_t) n, sizeof *keys);
    if (!keys)
        bench_die ("out of memory", NULL);
    for (int i = 0; i < n; i++)
        if (us_keys_generate (&keys [i], true) != 0)
            s_fail ("keys");

    fflush (NULL);
    if (workers < 1)
        workers = 1;
    for (int w = 0; w < workers; w++) {
        pid_t pid = fork ();
        if (pid < 0)
            bench_die ("fork", NULL);
        if (pid == 0) {
            for (int i = w; i < n; i += workers)
                s_replica_store (dir, i, tmpl_bytes, tmpl_len, &keys [i],
                                 units [i % n_units], edits, i / n_units);
            _exit (0);
        }
    }
    int failed = 0;
    for (int w = 0; w < workers; w++) {
        int status;
        if (wait (&status) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
            failed++;
    }
    if (failed)
        bench_die ("a worker failed", NULL);

    /* Each enrolment is a transaction of its own (and an audit record);
       the set-up does not wait for the disk. */
    if (us_db_exec (db, "PRAGMA synchronous = OFF"))
        s_fail ("pragma");
    for (int i = 0; i < n; i++) {
        char token [US_TOKEN_MAX], name [32];
        int64_t id;
        us_keys_token (token, sizeof token, &keys [i]);
        snprintf (name, sizeof name, "bench replica %d", i);
        if (us_pstore_enroll (store, &id, units [i % n_units], token, name) != 0)
            s_fail ("enroll");
        us_keys_wipe (&keys [i]);
    }
    us_pstore_destroy (&store);
    free (keys);
    free (units);
    free (tmpl_bytes);
    printf ("%d replicas on %d units\n", n, n_units < n ? n_units : n);
    return 0;
}

int
main (int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv [1] : "";
    if (strcmp (cmd, "csv") == 0 && argc == 6)
        return s_csv (argv [2], atoi (argv [3]), atol (argv [4]), argv [5]);
    if (strcmp (cmd, "cells") == 0 && argc == 7)
        return s_cells (argv [2], argv [3], argv [4], atoi (argv [5]), atoi (argv [6]) != 0);
    if (strcmp (cmd, "targets") == 0 && argc == 5)
        return s_targets (argv [2], argv [3], argv [4]);
    if (strcmp (cmd, "replicas") == 0 && argc == 9)
        return s_replicas (argv [2], argv [3], argv [4], argv [5], atoi (argv [6]),
                           atoi (argv [7]), atoi (argv [8]));
    fprintf (stderr,
        "usage: bench_fixture csv PREFIX UNITS N OUT.csv\n"
        "       bench_fixture cells SERVER.db UNIT FIRST_MONTH MONTHS CHANGELOG(0|1)\n"
        "       bench_fixture targets SERVER.db PERIOD INDICATOR\n"
        "       bench_fixture replicas SERVER.db DIR ENDPOINT SERVER_KEY N EDITS WORKERS\n");
    return 2;
}
