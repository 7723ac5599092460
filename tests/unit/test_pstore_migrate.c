/*  Unit tests for us_pstore_migrate: the numbered schema of the provincial
    store. A store written before the numbering (tests/fixtures/pstore_v1.sql,
    and the rows of a real one in pstore_v1_data.sql) opens and is upgraded
    in place; a migration that fails leaves the store as it was. */
#include "us_audit.h"
#include "us_error.h"
#include "us_pstore.h"
#include "us_pstore_report.h"
#include "us_pstore_sql.h"
#include "us_report.h"

#include "us_test.h"

static char s_dir [64];
static char s_path [128];

static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (s_path, sizeof s_path, s_dir, "province.db");
}

static void
s_teardown (void)
{
    us_test_rmtree (s_dir);
}

TestSuite (pstore_migrate, .init = s_setup, .fini = s_teardown);

/* Runs the SQL of a fixture file on db. */
static void
s_run_fixture (sqlite3 *db, const char *name)
{
    char path [256];
    snprintf (path, sizeof path, "%s/tests/fixtures/%s", US_SOURCE_DIR, name);
    char *sql = us_test_slurp (path, NULL);
    cr_assert_not_null (sql, "missing fixture %s", path);
    us_test_exec (db, sql);
    free (sql);
}

/* Builds a schema 1 store at s_path from the fixture, with the rows of a
   real store when data; returns it open (the caller closes it). */
static sqlite3 *
s_build_v1 (bool data)
{
    sqlite3 *db;
    cr_assert_eq (sqlite3_open (s_path, &db), SQLITE_OK);
    s_run_fixture (db, "pstore_v1.sql");
    if (data)
        s_run_fixture (db, "pstore_v1_data.sql");
    return db;
}

/* Returns the user_version of the file at s_path, read with its own handle. */
static int64_t
s_file_version (void)
{
    sqlite3 *db;
    cr_assert_eq (sqlite3_open (s_path, &db), SQLITE_OK);
    int64_t v = us_test_int (db, "PRAGMA user_version");
    sqlite3_close (db);
    return v;
}

/* Returns true when table exists in the file at s_path. */
static bool
s_has_table (const char *table)
{
    sqlite3 *db;
    char sql [160];
    cr_assert_eq (sqlite3_open (s_path, &db), SQLITE_OK);
    snprintf (sql, sizeof sql, "SELECT COUNT(*) FROM sqlite_master WHERE name = '%s'", table);
    bool has = us_test_int (db, sql) > 0;
    sqlite3_close (db);
    return has;
}

/* A store written by the server before numbered migrations opens, is
   upgraded in place and keeps every row: figures, the audit chain (which
   still verifies), the enrolment (now in milliseconds), the workflow. */
Test (pstore_migrate, real_v1_store_upgrades_in_place)
{
    sqlite3 *raw = s_build_v1 (true);
    int64_t cells = us_test_int (raw, "SELECT COUNT(*) FROM cells");
    int64_t sum = us_test_int (raw, "SELECT SUM (value) FROM cells");
    int64_t enrolled = us_test_int (raw, "SELECT enrolled_at FROM replicas WHERE id = 1");
    int64_t stream = us_test_int (raw, "SELECT MAX (seq) FROM changelog");
    cr_assert_eq (us_test_int (raw, "PRAGMA user_version"), 0);
    sqlite3_close (raw);

    us_pstore_t *store;
    cr_assert_eq (us_pstore_open (&store, s_path), 0, "%s", us_error_msg ());
    cr_assert_eq (us_pstore_version (store), US_PSTORE_VERSION);
    sqlite3 *db = us_pstore_db (store);
    cr_assert_eq (us_test_int (db, "PRAGMA user_version"), US_PSTORE_VERSION);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM cells"), cells);
    cr_assert_eq (us_test_int (db, "SELECT SUM (value) FROM cells"), sum);
    /* The stream keeps every entry and gains one: the schedules, which
       every office pulls once. */
    cr_assert_eq (us_test_int (db, "SELECT MAX (seq) FROM changelog"), stream + 1);
    cr_assert_eq (us_test_int (db, "SELECT kind FROM changelog ORDER BY seq DESC LIMIT 1"), 7);
    /* Schema 13: every figure's entry names the figure's unit. */
    cr_assert_gt (us_test_int (db, "SELECT COUNT(*) FROM changelog WHERE kind = 3"), 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog cl LEFT JOIN cells c"
                                   " ON c.id = cl.ref WHERE cl.kind = 3"
                                   " AND cl.unit IS NOT c.unit_id"), 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog WHERE kind <> 3"
                                   " AND unit IS NOT NULL"), 0);
    cr_assert_eq (us_test_int (db, "SELECT enrolled_at FROM replicas WHERE id = 1"),
                  enrolled * 1000, "enrolment times are milliseconds now");
    cr_assert_eq (us_test_int (db, "SELECT records FROM audit_head"), 5);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM meta WHERE key = 'audit_rows'"), 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM units u JOIN unit_kinds k"
                                   " ON k.id = u.kind_id AND k.code = u.kind"), 4);
    us_test_capture_t out;
    us_test_capture_open (&out);
    int rc = us_audit_verify (store, out.f);
    us_test_capture_close (&out);
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    cr_assert_not_null (strstr (out.buf, "5 records"), "%s", out.buf);
    free (out.buf);
    /* The workflow and the report read the upgraded tables. */
    bool locked = false;
    int64_t unit;
    cr_assert_eq (us_pstore_unit_id (store, &unit, "QT.DAKRONG"), 0);
    cr_assert_eq (us_pstore_locked (store, &locked, unit, us_test_month (2022, 1)), 0);
    cr_assert (locked, "the approval of 2022-01 survived");
    cr_assert_eq (us_test_int (us_pstore_db (store), "SELECT COUNT(*) FROM pragma_table_info"
                               " ('indicators') WHERE name IN ('formula', 'parent', 'unit',"
                               " 'phrase', 'noun')"), 5, "schema 3 adds the catalog columns");
    us_report_t *report;
    cr_assert_eq (us_pstore_report_build (&report, store, "2022-H1", NULL), 0, "%s", us_error_msg ());
    double v = 0;
    cr_assert (us_report_value (&v, report, "QT", "members.new"));
    cr_assert_eq ((int64_t) v, 121 + 85 + 20);
    us_report_destroy (&report);
    us_pstore_destroy (&store);

    /* Opening again changes nothing. */
    cr_assert_eq (us_pstore_open (&store, s_path), 0, "%s", us_error_msg ());
    cr_assert_eq (us_test_int (us_pstore_db (store), "SELECT enrolled_at FROM replicas"),
                  enrolled * 1000);
    us_pstore_destroy (&store);
}

/* Rows written into the schema 1 fixture by hand survive the upgrade, and
   a store made before replica_keys existed gets that table. */
Test (pstore_migrate, fixture_rows_kept)
{
    sqlite3 *db = s_build_v1 (false);
    us_test_exec (db,
        "DROP TABLE replica_keys;"
        "INSERT INTO meta VALUES ('schema', '1'), ('province', 'QT'), ('audit_rows', '0');"
        "INSERT INTO units (id, code, name, kind) VALUES (1, 'QT', 'Tỉnh', 'province'),"
        "  (2, 'QT.A', 'Huyện A', 'district'), (3, 'QT.A.CS', 'CĐCS', 'grassroots');"
        "UPDATE units SET parent_id = 1 WHERE id = 2; UPDATE units SET parent_id = 2 WHERE id = 3;"
        "INSERT INTO indicators (id, code, name, kind) VALUES (1, 'members.new', 'x', 'flow');"
        "INSERT INTO cells (unit_id, ind_id, month, value, version) VALUES (3, 1, 24268, 42, 1);"
        "INSERT INTO replicas (curve_key, unit_id, enrolled_at, revoked_at)"
        "  VALUES ('k1', 2, 1700000000, 1700000100);");
    sqlite3_close (db);
    us_pstore_t *store;
    cr_assert_eq (us_pstore_open (&store, s_path), 0, "%s", us_error_msg ());
    db = us_pstore_db (store);
    cr_assert_eq (us_test_int (db, "SELECT value FROM cells"), 42);
    cr_assert_eq (us_test_int (db, "SELECT revoked_at FROM replicas"), 1700000100000LL);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM replica_keys"), 0);
    int level = -1;
    cr_assert_eq (us_pstore_unit_level (store, &level, 3), 0);
    cr_assert_eq (level, 2);
    cr_assert_eq (us_pstore_unit_level (store, &level, 1), 0);
    cr_assert_eq (level, 0);
    us_pstore_destroy (&store);
}

/* A migration that fails rolls back whole: a unit of a kind schema 2 does
   not know stops it, the store stays at schema 1 with its rows as they
   were, and the error names the unit. */
Test (pstore_migrate, failed_migration_changes_nothing)
{
    sqlite3 *db = s_build_v1 (true);
    us_test_exec (db, "INSERT INTO units (code, name, parent_id, kind)"
                      " VALUES ('QT.LIENDOAN', 'Liên đoàn ngành', 1, 'federation')");
    int64_t enrolled = us_test_int (db, "SELECT enrolled_at FROM replicas");
    sqlite3_close (db);
    us_pstore_t *store = (us_pstore_t *) 1;
    cr_assert_eq (us_pstore_open (&store, s_path), US_ECORRUPT);
    cr_assert_null (store);
    cr_assert_not_null (strstr (us_error_msg (), "QT.LIENDOAN"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "schema 2"), "%s", us_error_msg ());
    cr_assert_eq (s_file_version (), 1, "schema 1 was reached, schema 2 rolled back");
    cr_assert_not (s_has_table ("unit_kinds"));
    cr_assert_not (s_has_table ("audit_head"));
    cr_assert_eq (sqlite3_open (s_path, &db), SQLITE_OK);
    cr_assert_eq (us_test_int (db, "SELECT enrolled_at FROM replicas"), enrolled);
    cr_assert_eq (us_test_int (db, "SELECT value FROM meta WHERE key = 'audit_rows'"), 5);
    /* Once the unit is fixed, the upgrade goes through. */
    us_test_exec (db, "UPDATE units SET kind = 'sector' WHERE code = 'QT.LIENDOAN'");
    sqlite3_close (db);
    cr_assert_eq (us_pstore_open (&store, s_path), 0, "%s", us_error_msg ());
    us_pstore_destroy (&store);
    cr_assert_eq (s_file_version (), US_PSTORE_VERSION);
}

/* A store of a newer schema, or of an unnumbered schema other than 1, is
   refused and not touched. */
Test (pstore_migrate, unknown_versions_refused)
{
    sqlite3 *db = s_build_v1 (true);
    us_test_exec (db, "PRAGMA user_version = 99");
    sqlite3_close (db);
    us_pstore_t *store;
    cr_assert_eq (us_pstore_open (&store, s_path), US_ECORRUPT);
    cr_assert_not_null (strstr (us_error_msg (), "newer"), "%s", us_error_msg ());
    cr_assert_eq (s_file_version (), 99);

    cr_assert_eq (sqlite3_open (s_path, &db), SQLITE_OK);
    us_test_exec (db, "PRAGMA user_version = 0; UPDATE meta SET value = '7' WHERE key = 'schema'");
    sqlite3_close (db);
    cr_assert_eq (us_pstore_open (&store, s_path), US_ECORRUPT);
    cr_assert_not_null (strstr (us_error_msg (), "schema 7"), "%s", us_error_msg ());
    cr_assert_eq (s_file_version (), 0);
    cr_assert_not (s_has_table ("unit_kinds"));
}

/* A new store is made at the newest schema, with the kinds seeded. */
Test (pstore_migrate, new_store_is_newest)
{
    us_pstore_t *store;
    cr_assert_eq (us_pstore_create (&store, s_path, "QT", "Tỉnh"), 0, "%s", us_error_msg ());
    sqlite3 *db = us_pstore_db (store);
    cr_assert_eq (us_test_int (db, "PRAGMA user_version"), US_PSTORE_VERSION);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM unit_kinds WHERE code IN"
                                   " ('province', 'district', 'sector', 'commune', 'park',"
                                   " 'grassroots')"), 6);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT k.code FROM units u JOIN"
                                    " unit_kinds k ON k.id = u.kind_id"), "province");
    us_pstore_destroy (&store);
}

/* A store of schema 7 that absorbed a province keeps the mapping of the
   units it re-coded then (PROVINCE.CODE while CODE is another unit's),
   and only those, when it is brought to schema 8. */
Test (pstore_migrate, recoded_units_found_again)
{
    us_pstore_t *store;
    cr_assert_eq (us_pstore_create (&store, s_path, "QT", "Tỉnh"), 0, "%s", us_error_msg ());
    sqlite3 *db = us_pstore_db (store);
    us_test_exec (db,
        "INSERT INTO units (code, name, kind_id, kind, parent_id) SELECT 'QT.CAMLO', 'Cam Lộ',"
        "  id, code, 1 FROM unit_kinds WHERE code = 'district';"
        "INSERT INTO units (code, name, kind_id, kind, parent_id) SELECT 'QB', 'Quảng Bình',"
        "  id, code, 1 FROM unit_kinds WHERE code = 'district';"
        "INSERT INTO units (code, name, kind_id, kind, parent_id) SELECT 'QB.QT.CAMLO', 'CĐCS',"
        "  id, code, (SELECT id FROM units WHERE code = 'QB') FROM unit_kinds WHERE code = 'grassroots';"
        "INSERT INTO units (code, name, kind_id, kind, parent_id) SELECT 'QB.DONGHOI', 'Đồng Hới',"
        "  id, code, (SELECT id FROM units WHERE code = 'QB') FROM unit_kinds WHERE code = 'district';"
        "INSERT INTO absorbed (province, name, unit_id, records, at)"
        "  SELECT 'QB', 'Quảng Bình', id, 0, 0 FROM units WHERE code = 'QB';"
        "DROP TABLE unit_recodes; ALTER TABLE cells DROP COLUMN base_version;"
        "ALTER TABLE cells DROP COLUMN resent; ALTER TABLE cells DROP COLUMN timeline;"
        "ALTER TABLE cells DROP COLUMN record;"
        "DROP INDEX changelog_other;"
        "ALTER TABLE changelog DROP COLUMN unit;"
        "PRAGMA user_version = 7;");
    us_pstore_destroy (&store);
    cr_assert_eq (us_pstore_open (&store, s_path), 0, "%s", us_error_msg ());
    db = us_pstore_db (store);
    cr_assert_eq (us_test_int (db, "PRAGMA user_version"), US_PSTORE_VERSION);
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT group_concat (r.old_code || '>'"
                                    " || u.code) FROM unit_recodes r JOIN units u ON u.id = r.unit_id"),
                      "QT.CAMLO>QB.QT.CAMLO");
    us_pstore_destroy (&store);
}

/* With SQLite failing at its Nth allocation while the upgrade runs, the
   open either succeeds at the newest schema or fails and leaves the file
   at a whole schema (0 or 1, never half of 2); opening it again later
   finishes the upgrade with the rows intact. Every allocation of the
   first forty is failed, then a spread of about a hundred more: each
   try rewrites and upgrades a whole store with its fsyncs. */
Test (pstore_migrate, allocation_failures)
{
    sqlite3 *db = s_build_v1 (true);
    sqlite3_close (db);
    char pristine [160];
    us_test_path (pristine, sizeof pristine, s_dir, "pristine.db");
    size_t len;
    char *bytes = us_test_slurp (s_path, &len);
    us_test_write_bytes (pristine, bytes, len);
    us_test_oom_install ();
    long total = 0;
    for (long n = -1; n <= total; n += n < 40 ? 1 : 1 + total / 100) {
        us_test_write_bytes (s_path, bytes, len);
        us_pstore_t *store = NULL;
        us_test_oom_arm (n, false);
        int rc = us_pstore_open (&store, s_path);
        us_test_oom_disarm ();
        if (n < 0) {
            cr_assert_eq (rc, 0, "%s", us_error_msg ());
            total = us_test_allocs;
        }
        us_pstore_destroy (&store);
        int64_t v = s_file_version ();
        if (rc == 0)
            cr_assert_eq (v, US_PSTORE_VERSION, "allocation %ld", n);
        else
            cr_assert (v >= 0 && v <= US_PSTORE_VERSION, "allocation %ld: %lld", n,
                       (long long) v);
        cr_assert_eq (s_has_table ("unit_kinds"), v >= 2, "allocation %ld: half a schema", n);
        cr_assert_eq (us_pstore_open (&store, s_path), 0, "allocation %ld: %s", n, us_error_msg ());
        cr_assert_eq (us_test_int (us_pstore_db (store), "SELECT SUM (value) FROM cells"), 226);
        cr_assert_eq (us_test_int (us_pstore_db (store), "SELECT records FROM audit_head"), 5);
        us_pstore_destroy (&store);
    }
    cr_assert_gt (total, 10);
    free (bytes);
}
