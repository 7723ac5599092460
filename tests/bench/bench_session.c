/*  bench_session: a peer for the push path, SQLite's session extension.

    The same edits as the push benchmark are recorded with sqlite3session_*
    on one database (one session and one durable transaction per batch) and
    each batch's changeset is applied with sqlite3changeset_apply (conflict
    handler: the incoming row replaces a clashing one) on another database,
    one durable transaction per batch. Both databases are WAL with
    synchronous=FULL. The table is what such a design would sync, keyed by
    the cell's natural key (row ids do not agree across databases):
    cells (unit, indicator, month, value, version, hlc, author, note).

    bench_session DIR PREFIX UNITS N BATCH
    prints: us_per_delta <record+changeset+apply> apply_us_per_delta <apply>
            bytes_per_delta <changeset bytes / N> single_insert_bytes <b>
            single_update_bytes <b>
*/
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include "bench_common.h"

#include <sqlite3.h>
#include <string.h>

static const char *s_schema =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "CREATE TABLE cells (unit TEXT NOT NULL, indicator TEXT NOT NULL, month INTEGER NOT NULL,"
    " value INTEGER, version INTEGER NOT NULL, hlc INTEGER NOT NULL, author TEXT NOT NULL,"
    " note TEXT NOT NULL, PRIMARY KEY (unit, indicator, month));";

/* Opens a fresh database with the table. */
static sqlite3 *
s_open (const char *dir, const char *name)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    remove (path);
    sqlite3 *db;
    if (sqlite3_open (path, &db) != SQLITE_OK
    ||  sqlite3_exec (db, s_schema, NULL, NULL, NULL) != SQLITE_OK)
        bench_die ("open", path);
    return db;
}

/* The incoming change wins, as the server's later-clock rule would mostly pick. */
static int
s_conflict (void *ctx, int why, sqlite3_changeset_iter *it)
{
    (void) ctx;
    (void) it;
    return why == SQLITE_CHANGESET_DATA || why == SQLITE_CHANGESET_CONFLICT
         ? SQLITE_CHANGESET_REPLACE : SQLITE_CHANGESET_OMIT;
}

/* Exec that must succeed. */
static void
s_exec (sqlite3 *db, const char *sql)
{
    if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
        bench_die (sql, sqlite3_errmsg (db));
}

/* Records edits [from, to) on a in one session; returns the changeset. */
static int
s_record (sqlite3 *a, sqlite3_stmt *put, const char *prefix, int units, long from, long to,
          uint64_t *hlc, int *len, void **buf)
{
    sqlite3_session *session;
    if (sqlite3session_create (a, "main", &session) != SQLITE_OK
    ||  sqlite3session_attach (session, "cells") != SQLITE_OK)
        bench_die ("session", sqlite3_errmsg (a));
    s_exec (a, "BEGIN IMMEDIATE");
    for (long i = from; i < to; i++) {
        bench_cell_t c;
        if (bench_cell (&c, prefix, units, i) != 0)
            bench_die ("not enough units", prefix);
        sqlite3_bind_text (put, 1, c.unit, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (put, 2, c.indicator, -1, SQLITE_STATIC);
        sqlite3_bind_int (put, 3, c.month);
        sqlite3_bind_int64 (put, 4, c.value);
        sqlite3_bind_int64 (put, 5, (int64_t) (*hlc)++);
        if (sqlite3_step (put) != SQLITE_DONE)
            bench_die ("record", sqlite3_errmsg (a));
        sqlite3_reset (put);
    }
    s_exec (a, "COMMIT");
    int rc = sqlite3session_changeset (session, len, buf);
    sqlite3session_delete (session);
    return rc;
}

int
main (int argc, char **argv)
{
    if (argc != 6) {
        fprintf (stderr, "usage: bench_session DIR PREFIX UNITS N BATCH\n");
        return 2;
    }
    const char *dir = argv [1], *prefix = argv [2];
    int units = atoi (argv [3]);
    long n = atol (argv [4]), batch = atol (argv [5]);
    sqlite3 *a = s_open (dir, "session-a.db"), *b = s_open (dir, "session-b.db");
    sqlite3_stmt *put;
    if (sqlite3_prepare_v2 (a,
            "INSERT INTO cells (unit, indicator, month, value, version, hlc, author, note)"
            " VALUES (?, ?, ?, ?, 1, ?, 'bench', '') ON CONFLICT (unit, indicator, month)"
            " DO UPDATE SET value = excluded.value, version = version + 1, hlc = excluded.hlc,"
            " author = excluded.author, note = excluded.note", -1, &put, NULL) != SQLITE_OK)
        bench_die ("prepare", sqlite3_errmsg (a));
    uint64_t hlc = (uint64_t) 1700000000000 << 16;
    int64_t bytes = 0, apply_ns = 0;
    int64_t t0 = bench_now_ns ();
    for (long i = 0; i < n; i += batch) {
        long to = i + batch < n ? i + batch : n;
        int len;
        void *buf;
        if (s_record (a, put, prefix, units, i, to, &hlc, &len, &buf) != SQLITE_OK)
            bench_die ("changeset", sqlite3_errmsg (a));
        bytes += len;
        int64_t t1 = bench_now_ns ();
        s_exec (b, "BEGIN IMMEDIATE");
        if (sqlite3changeset_apply (b, len, buf, NULL, s_conflict, NULL) != SQLITE_OK)
            bench_die ("apply", sqlite3_errmsg (b));
        s_exec (b, "COMMIT");
        apply_ns += bench_now_ns () - t1;
        sqlite3_free (buf);
    }
    int64_t ns = bench_now_ns () - t0;

    /* One more edit alone: a new cell, then a change of that cell. */
    int len_ins, len_upd;
    void *buf;
    sqlite3_finalize (put);
    if (sqlite3_prepare_v2 (a,
            "INSERT INTO cells (unit, indicator, month, value, version, hlc, author, note)"
            " VALUES (?, ?, ?, ?, 1, ?, 'bench', '') ON CONFLICT (unit, indicator, month)"
            " DO UPDATE SET value = excluded.value + 1, version = version + 1, hlc = excluded.hlc",
            -1, &put, NULL) != SQLITE_OK)
        bench_die ("prepare", sqlite3_errmsg (a));
    long last = (long) units * BENCH_MONTHS * BENCH_N_IND - 1;
    if (last < n)
        bench_die ("need one cell past N for the single edit", NULL);
    if (s_record (a, put, prefix, units, last, last + 1, &hlc, &len_ins, &buf) != SQLITE_OK)
        bench_die ("changeset", NULL);
    sqlite3_free (buf);
    if (s_record (a, put, prefix, units, last, last + 1, &hlc, &len_upd, &buf) != SQLITE_OK)
        bench_die ("changeset", NULL);
    sqlite3_free (buf);
    sqlite3_finalize (put);

    sqlite3_stmt *chk;
    sqlite3_prepare_v2 (b, "SELECT COUNT(*) FROM cells", -1, &chk, NULL);
    long applied = sqlite3_step (chk) == SQLITE_ROW ? sqlite3_column_int64 (chk, 0) : -1;
    sqlite3_finalize (chk);
    if (applied != n)
        bench_die ("the other database did not get every edit", NULL);
    printf ("us_per_delta %.2f apply_us_per_delta %.2f bytes_per_delta %.2f"
            " single_insert_bytes %d single_update_bytes %d\n",
            ns / 1e3 / (double) n, apply_ns / 1e3 / (double) n, (double) bytes / (double) n,
            len_ins, len_upd);
    sqlite3_close (a);
    sqlite3_close (b);
    return 0;
}
