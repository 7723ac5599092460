/*  Unit tests for us_pstore: the provincial store, its unit tree, replicas,
    targets, submissions and workflow. */
#include "us_catalog.h"
#include "us_db.h"
#include "us_error.h"
#include "us_keys.h"
#include "us_pstore.h"
#include "us_pstore_backup.h"
#include "us_pstore_sql.h"

#include "us_test.h"

#include <sys/stat.h>

#define UNITS_CSV \
    "id,name,parent,kind\n" \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province\n" \
    "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district\n" \
    "QT.HUONGHOA,LĐLĐ huyện Hướng Hóa,QT,district\n" \
    "QT.DAKRONG.CS1,CĐCS Công ty Cao su,QT.DAKRONG,grassroots\n" \
    "QT.CDN.YTE,Công đoàn ngành Y tế,QT,sector\n"

static char s_dir [64];
static char s_path [128];
static us_pstore_t *s_store;

static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (s_path, sizeof s_path, s_dir, "province.db");
    int rc = us_pstore_create (&s_store, s_path, "QT", "Liên đoàn Lao động tỉnh Quảng Trị");
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
}

static void
s_teardown (void)
{
    us_pstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (pstore, .init = s_setup, .fini = s_teardown);

/* Writes a CSV file in the test directory and returns its path. */
static const char *
s_file (char *path, size_t size, const char *name, const char *text)
{
    us_test_path (path, size, s_dir, name);
    us_test_write (path, text);
    return path;
}

/* Imports the standard unit tree. */
static void
s_import_units (void)
{
    char path [160];
    int count = -1;
    int rc = us_pstore_import_units (s_store, &count, s_file (path, sizeof path, "units.csv",
                                                               UNITS_CSV));
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    cr_assert_eq (count, 5);
}

/* Returns a unit's id. */
static int64_t
s_unit (const char *code)
{
    int64_t id = 0;
    cr_assert_eq (us_pstore_unit_id (s_store, &id, code), 0, "%s", code);
    return id;
}

/* Returns whether unit is within root's subtree, failing the test on a store error. */
static bool
s_in (int64_t unit, int64_t root)
{
    bool in = false;
    cr_assert_eq (us_pstore_in_scope (s_store, &in, unit, root), 0, "%s", us_error_msg ());
    return in;
}

/* Enrolls fresh keys for unit; fills keys and replica. */
static void
s_enroll (us_keys_t *keys, us_replica_t *replica, const char *unit)
{
    cr_assert_eq (us_keys_generate (keys, true), 0);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, keys);
    int64_t id = 0;
    cr_assert_eq (us_pstore_enroll (s_store, &id, unit, token, "PC kế toán"), 0, "%s",
                  us_error_msg ());
    cr_assert_gt (id, 0);
    cr_assert_eq (us_pstore_replica (s_store, replica, keys->curve_public), 0, "%s",
                  us_error_msg ());
    cr_assert_eq (replica->id, id);
}

/* A new store has the province as its only unit, the built-in catalog and
   its settings; the file is a server store. */
Test (pstore, create)
{
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM units"), 1);
    char buf [128];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT code FROM units"), "QT");
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT kind FROM units"), "province");
    us_catalog_t *cat;
    cr_assert_eq (us_catalog_default (&cat), 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM indicators"), (int64_t) cat->count);
    us_catalog_destroy (&cat);
    cr_assert_eq (us_db_meta_get (buf, sizeof buf, db, "province"), 0);
    cr_assert_str_eq (buf, "QT");
    cr_assert_eq ((uint32_t) us_test_int (db, "PRAGMA application_id"), US_APP_SERVER);
    char key [160];
    snprintf (key, sizeof key, "%s.key", s_path);
    cr_assert_str_eq (us_pstore_key_path (s_store), key);
    cr_assert_gt (us_test_int (db, "SELECT COUNT(*) FROM changelog"), 15);
}

/* Creating over an existing store fails and keeps it; reopening works. */
Test (pstore, create_twice_and_reopen)
{
    us_pstore_t *other = (us_pstore_t *) 1;
    cr_assert_eq (us_pstore_create (&other, s_path, "QT", "x"), US_EEXIST);
    cr_assert_null (other);
    us_pstore_destroy (&s_store);
    cr_assert_eq (us_pstore_open (&s_store, s_path), 0, "%s", us_error_msg ());
    cr_assert_eq (us_test_int (us_pstore_db (s_store), "SELECT COUNT(*) FROM units"), 1);
}

/* Bad province ids and names are refused without leaving a file. */
Test (pstore, create_bad_args)
{
    char path [160];
    us_test_path (path, sizeof path, s_dir, "bad.db");
    us_pstore_t *p = (us_pstore_t *) 1;
    cr_assert_eq (us_pstore_create (&p, path, "Quảng Trị", "x"), US_EINVAL);
    cr_assert_null (p);
    cr_assert_eq (us_pstore_create (&p, path, "", "x"), US_EINVAL);
    cr_assert_eq (us_pstore_create (&p, path, "QT", ""), US_EINVAL);
    cr_assert_eq (us_pstore_create (&p, path, "QT", "bad\xC3("), US_EINVAL);
    cr_assert_not (us_test_exists (path));
    cr_assert_eq (us_pstore_open (&p, path), US_ENOTFOUND);
}

/* Importing units builds the tree with its parents and stamps each unit
   in the change stream. */
Test (pstore, import_units)
{
    s_import_units ();
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM units"), 5);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM units u JOIN units p"
                                   " ON p.id = u.parent_id WHERE u.code = 'QT.DAKRONG.CS1'"
                                   " AND p.code = 'QT.DAKRONG'"), 1);
    char buf [128];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db,
                      "SELECT name FROM units WHERE code = 'QT.HUONGHOA'"), "LĐLĐ huyện Hướng Hóa");
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog WHERE kind = 1"), 5);
    cr_assert (s_in (s_unit ("QT.DAKRONG.CS1"), s_unit ("QT.DAKRONG")));
    cr_assert (s_in (s_unit ("QT.DAKRONG.CS1"), s_unit ("QT")));
    cr_assert (s_in (s_unit ("QT.DAKRONG"), s_unit ("QT.DAKRONG")));
    cr_assert (!s_in (s_unit ("QT.HUONGHOA"), s_unit ("QT.DAKRONG")));
    cr_assert (!s_in (s_unit ("QT"), s_unit ("QT.DAKRONG")));
}

/* The demo province's unit file imports. */
Test (pstore, import_demo_units)
{
    int count = 0;
    int rc = us_pstore_import_units (s_store, &count, US_SOURCE_DIR "/data/quangtri-units.csv");
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    cr_assert_geq (count, 15);
    cr_assert_eq (us_test_int (us_pstore_db (s_store), "SELECT COUNT(*) FROM units"
                                                       " WHERE parent_id IS NULL"), 1);
}

/* Asserts an import is refused and changes nothing. */
static void
s_import_refused (const char *text)
{
    sqlite3 *db = us_pstore_db (s_store);
    int64_t units = us_test_int (db, "SELECT COUNT(*) FROM units");
    int64_t linked = us_test_int (db, "SELECT COUNT(*) FROM units WHERE parent_id IS NOT NULL");
    int64_t stream = us_test_int (db, "SELECT COALESCE (MAX (seq), 0) FROM changelog");
    char path [160];
    int count = -1;
    int rc = us_pstore_import_units (s_store, &count, s_file (path, sizeof path, "bad.csv", text));
    cr_assert_eq (rc, US_EINVAL, "accepted:\n%s", text);
    cr_assert_eq (count, 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM units"), units, "units added:\n%s", text);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM units WHERE parent_id IS NOT NULL"),
                  linked, "links changed:\n%s", text);
    cr_assert_eq (us_test_int (db, "SELECT COALESCE (MAX (seq), 0) FROM changelog"), stream);
    cr_assert (sqlite3_get_autocommit (db), "transaction left open");
}

/* A bad row anywhere refuses the whole file: nothing is imported. */
Test (pstore, import_all_or_nothing)
{
    s_import_refused ("id,name,parent,kind\nQT,Quảng Trị,,province\n"
                      "QT.A,A,QT,district\nQT.B,B,QT,village\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT,district\nQT.B,,QT,district\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT,district\nQT B,B,QT,district\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT,district\nQT.B,B,QT.NOWHERE,district\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT,district\nQT.B,B,,district\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT,district\nQT.B,B,QT,district,2022-13\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT,district\nQT.B,B,QT\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT,district\n\"QT.B,B,QT,district\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT,district\nQT.B,B\xC3(,QT,district\n");
}

/* Refusing a bad file leaves an earlier import untouched. */
Test (pstore, import_refused_keeps_tree)
{
    s_import_units ();
    s_import_refused ("id,name,parent,kind\nQT.DAKRONG,Renamed,QT.HUONGHOA,district\n"
                      "QT.X,X,QT,nonsense\n");
    char buf [128];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, us_pstore_db (s_store),
                      "SELECT name FROM units WHERE code = 'QT.DAKRONG'"), "LĐLĐ huyện Đakrông");
}

/* A cycle in the tree is refused, and so is a unit that is its own parent. */
Test (pstore, import_cycle)
{
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT.B,district\nQT.B,B,QT.A,district\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT.C,district\nQT.B,B,QT.A,district\n"
                      "QT.C,C,QT.B,district\n");
    s_import_refused ("id,name,parent,kind\nQT.A,A,QT.A,district\n");
}

/* The error for a bad row names the file and its line. */
Test (pstore, import_error_names_line)
{
    char path [160];
    int count;
    s_file (path, sizeof path, "bad.csv", "id,name,parent,kind\nQT.A,A,QT,district\n"
                                          "QT.B,B,QT,district\nQT.C,C,QT,village\n");
    us_error_clear ();
    cr_assert_eq (us_pstore_import_units (s_store, &count, path), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "line 4"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "bad.csv"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "village"), "%s", us_error_msg ());
}

/* A missing file is refused. */
Test (pstore, import_missing_file)
{
    int count = -1;
    cr_assert_neq (us_pstore_import_units (s_store, &count, "/nonexistent/units.csv"), 0);
    cr_assert_eq (count, 0);
}

/* Importing a catalog updates the indicators; a bad one changes nothing. */
Test (pstore, import_indicators)
{
    char path [160];
    int count = -1;
    sqlite3 *db = us_pstore_db (s_store);
    int64_t before = us_test_int (db, "SELECT COUNT(*) FROM indicators");
    s_file (path, sizeof path, "ind.csv", "code,name,kind,numerator,denominator,policy,rule\n"
                                          "members.new,Đoàn viên mới,flow,,,max,\n"
                                          "press.releases,Thông cáo báo chí,flow,,,lww,\n");
    cr_assert_eq (us_pstore_import_indicators (s_store, &count, path), 0, "%s", us_error_msg ());
    cr_assert_eq (count, 2);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM indicators"), before + 1);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db,
                      "SELECT policy FROM indicators WHERE code = 'members.new'"), "max");

    s_file (path, sizeof path, "bad.csv", "code,name,kind\nnew.one,N,flow\nbad,B,gauge\n");
    cr_assert_eq (us_pstore_import_indicators (s_store, &count, path), US_EINVAL);
    cr_assert_eq (count, 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM indicators WHERE code = 'new.one'"), 0);
}

/* An enrolled replica is found by its CURVE key with its unit and signing
   key; an unknown key is US_ENOTFOUND. */
Test (pstore, enroll)
{
    s_import_units ();
    us_keys_t keys;
    us_replica_t rep;
    s_enroll (&keys, &rep, "QT.DAKRONG");
    cr_assert_str_eq (rep.unit, "QT.DAKRONG");
    cr_assert_str_eq (rep.unit_kind, "district");
    cr_assert_eq (rep.unit_id, s_unit ("QT.DAKRONG"));
    cr_assert_str_eq (rep.key, keys.curve_public);
    cr_assert_str_eq (rep.name, "PC kế toán");
    cr_assert (rep.has_sign);
    cr_assert_eq (memcmp (rep.sign_public, keys.sign_public, 32), 0);
    cr_assert_not (rep.revoked);

    us_keys_t other;
    cr_assert_eq (us_keys_generate (&other, false), 0);
    us_replica_t none;
    cr_assert_eq (us_pstore_replica (s_store, &none, other.curve_public), US_ENOTFOUND);
}

/* Enrolling needs a known unit and a valid token. */
Test (pstore, enroll_errors)
{
    s_import_units ();
    us_keys_t keys;
    cr_assert_eq (us_keys_generate (&keys, true), 0);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &keys);
    int64_t id = 0;
    cr_assert_eq (us_pstore_enroll (s_store, &id, "QT.NOWHERE", token, NULL), US_ENOTFOUND);
    cr_assert_eq (us_pstore_enroll (s_store, &id, "QT.DAKRONG", "not-a-key", NULL), US_EINVAL);
    cr_assert_eq (us_test_int (us_pstore_db (s_store), "SELECT COUNT(*) FROM replicas"), 0);
}

/* A revoked key is refused with US_EPERM at once; enrolling it again
   restores it. */
Test (pstore, revoke)
{
    s_import_units ();
    us_keys_t keys;
    us_replica_t rep;
    s_enroll (&keys, &rep, "QT.DAKRONG");
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &keys);
    cr_assert_eq (us_pstore_revoke (s_store, token), 0, "%s", us_error_msg ());
    cr_assert_eq (us_pstore_replica (s_store, &rep, keys.curve_public), US_EPERM);
    cr_assert (rep.revoked);
    cr_assert_eq (us_pstore_revoke (s_store, keys.curve_public), 0, "the Z85 form works too");

    us_keys_t other;
    cr_assert_eq (us_keys_generate (&other, false), 0);
    char other_token [US_TOKEN_MAX];
    us_keys_token (other_token, sizeof other_token, &other);
    cr_assert_eq (us_pstore_revoke (s_store, other_token), US_ENOTFOUND);

    /* A revoked key stays revoked: enrolling it again is refused. */
    int64_t id;
    cr_assert_eq (us_pstore_enroll (s_store, &id, "QT.DAKRONG", token, NULL), US_EEXIST);
    cr_assert_eq (us_pstore_replica (s_store, &rep, keys.curve_public), US_EPERM);
}

/* Targets are set as values or ranges, updated in place with a new
   version, and stamped in the change stream. */
Test (pstore, target_set)
{
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022", "1500", "tld"), 0,
                  "%s", us_error_msg ());
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2013..2018", "6000..7000",
                                        "tld"), 0, "%s", us_error_msg ());
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM targets"), 2);
    cr_assert_eq (us_test_int (db, "SELECT is_range FROM targets WHERE period = '2013..2018'"), 1);
    cr_assert_eq (us_test_int (db, "SELECT hi FROM targets WHERE period = '2013..2018'"), 7000);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022", "2700", "tld"), 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM targets"), 2);
    cr_assert_eq (us_test_int (db, "SELECT lo FROM targets WHERE period = '2022'"), 2700);
    cr_assert_eq (us_test_int (db, "SELECT version FROM targets WHERE period = '2022'"), 2);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog WHERE kind = 4"), 2);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022-h1", "500",
                                        "committed"), 0);
    char buf [16];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db,
                      "SELECT period FROM targets WHERE source = 'committed'"), "2022-H1");
}

/* Bad targets are refused and store nothing. */
Test (pstore, target_errors)
{
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022", "-5", "tld"), US_EINVAL);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022", "10..5", "tld"), US_EINVAL);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022", "abc", "tld"), US_EINVAL);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022", "1.500", "tld"), US_EINVAL);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022", "", "tld"), US_EINVAL);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022-13", "5", "tld"), US_EINVAL);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.new", "2022", "5", "party"), US_EINVAL);
    cr_assert_eq (us_pstore_target_set (s_store, "QT", "members.lost", "2022", "5", "tld"), US_ENOTFOUND);
    cr_assert_eq (us_pstore_target_set (s_store, "QT.X", "members.new", "2022", "5", "tld"), US_ENOTFOUND);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM targets"), 0);
}

/* A replica submits periods of its own unit; other units are US_EPERM. */
Test (pstore, submit)
{
    s_import_units ();
    us_keys_t keys;
    us_replica_t rep;
    s_enroll (&keys, &rep, "QT.DAKRONG");
    us_state_t state = US_STATE_DRAFT;
    cr_assert_eq (us_pstore_submit (s_store, &state, &rep, "QT.DAKRONG", "2022-h1", 123),
                  US_EINVAL, "a period without any figure needs nil");
    cr_assert_eq (us_pstore_submit_as (s_store, &state, &rep, "QT.DAKRONG", "2022-h1", 123, true),
                  0, "%s", us_error_msg ());
    cr_assert_eq (state, US_STATE_SUBMITTED);
    sqlite3 *db = us_pstore_db (s_store);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT period FROM submissions"),
                      "2022-H1");
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog WHERE kind = 6"), 1);
    cr_assert_eq (us_test_int (db, "SELECT nil FROM submissions"), 1);
    cr_assert_eq (us_pstore_submit_as (s_store, &state, &rep, "QT.DAKRONG", "2200-12", 1, true),
                  US_EINVAL, "a period that has not ended");
    cr_assert_eq (us_pstore_submit (s_store, &state, &rep, "QT.HUONGHOA", "2022-H1", 1), US_EPERM);
    cr_assert_eq (us_pstore_submit (s_store, &state, &rep, "QT.DAKRONG", "2022-H7", 1), US_EINVAL);
    cr_assert_eq (us_pstore_submit (s_store, &state, &rep, "QT.NOWHERE", "2022", 1), US_ENOTFOUND);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM submissions"), 1);
}

/* Approval locks a submitted period; submitting again leaves it approved;
   reopening unlocks it. */
Test (pstore, workflow)
{
    s_import_units ();
    us_keys_t keys;
    us_replica_t rep;
    s_enroll (&keys, &rep, "QT.DAKRONG");
    us_state_t state;
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2022-H1",
                                      US_ACTION_APPROVE, false), US_EINVAL, "nothing was submitted");
    us_state_t sub;
    cr_assert_eq (us_pstore_submit_as (s_store, &sub, &rep, "QT.DAKRONG", "2022-H1", 1, true), 0);
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2022-H1",
                                      US_ACTION_APPROVE, false), 0, "%s", us_error_msg ());
    cr_assert_eq (state, US_STATE_APPROVED);
    cr_assert_eq (us_pstore_submit_as (s_store, &sub, &rep, "QT.DAKRONG", "2022-H1", 2, true), 0);
    cr_assert_eq (sub, US_STATE_APPROVED);
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2022-H1",
                                      US_ACTION_REOPEN, false), 0);
    cr_assert_eq (state, US_STATE_REOPENED);
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2022-H1",
                                      US_ACTION_UNLOCK, false), US_EINVAL, "not locked any more");
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2022-H1",
                                      US_ACTION_COUNT, false), US_EINVAL);
    cr_assert (sqlite3_get_autocommit (us_pstore_db (s_store)));
}

/* Locking the province needs its districts and sectors approved, unless
   forced. */
Test (pstore, lock_needs_children)
{
    s_import_units ();
    us_state_t state;
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT", "2022", US_ACTION_LOCK, false),
                  US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "QT."), "%s", us_error_msg ());
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2022",
                                      US_ACTION_LOCK, false), 0, "%s", us_error_msg ());
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.HUONGHOA", "2022",
                                      US_ACTION_LOCK, false), 0);
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT", "2022", US_ACTION_LOCK, false),
                  US_EINVAL, "the sector union is not approved");
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT", "2022", US_ACTION_LOCK, true), 0);
    cr_assert_eq (state, US_STATE_APPROVED);
}

/* The change stream holds each entity once, at its latest change. */
Test (pstore, touch)
{
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (us_db_begin (db), 0);
    cr_assert_eq (us_pstore_touch (s_store, US_CHANGE_TARGET, 42), 0);
    int64_t first = us_test_int (db, "SELECT seq FROM changelog WHERE kind = 4 AND ref = 42");
    cr_assert_eq (us_pstore_touch (s_store, US_CHANGE_CELL, 7), 0);
    cr_assert_eq (us_pstore_touch (s_store, US_CHANGE_TARGET, 42), 0);
    cr_assert_eq (us_db_commit (db), 0);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog WHERE kind = 4 AND ref = 42"), 1);
    int64_t last = us_test_int (db, "SELECT seq FROM changelog WHERE kind = 4 AND ref = 42");
    cr_assert_gt (last, first);
    cr_assert_gt (last, us_test_int (db, "SELECT seq FROM changelog WHERE kind = 3 AND ref = 7"));
}

/* Returns the size of a file, or -1. */
static long
s_size (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? (long) st.st_size : -1;
}

/* A serving store leaves a burst's pages in the WAL (its own checkpoint
   waits for 10,000 pages) until it is idle: then they go into the
   database, and the page cache stays for the next request. */
Test (pstore, idle_checkpoints_and_keeps_its_cache)
{
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (us_pstore_idle (s_store), 0, "%s", us_error_msg ());
    cr_assert_eq (us_pstore_serving (s_store), 0, "%s", us_error_msg ());
    cr_assert_eq (us_test_int (db, "PRAGMA wal_autocheckpoint"), 10000);
    long before = s_size (s_path);
    cr_assert_gt (before, 0);
    cr_assert_eq (us_db_begin (db), 0);
    for (int i = 0; i < 3000; i++)
        cr_assert_eq (us_pstore_touch (s_store, US_CHANGE_TARGET, 1000 + i), 0);
    cr_assert_eq (us_db_commit (db), 0);
    cr_assert_eq (s_size (s_path), before, "the pages wait in the WAL");
    int cur, high;
    cr_assert_eq (sqlite3_db_status (db, SQLITE_DBSTATUS_CACHE_USED, &cur, &high, 0), SQLITE_OK);
    cr_assert_gt (cur, 0);
    int used = cur;
    cr_assert_eq (us_pstore_idle (s_store), 0, "%s", us_error_msg ());
    cr_assert_gt (s_size (s_path), before, "idle: the WAL went into the database");
    cr_assert_eq (sqlite3_db_status (db, SQLITE_DBSTATUS_CACHE_USED, &cur, &high, 0), SQLITE_OK);
    cr_assert_eq (cur, used, "idle: the page cache is kept");
    int misses;
    cr_assert_eq (sqlite3_db_status (db, SQLITE_DBSTATUS_CACHE_MISS, &misses, &high, 1), SQLITE_OK);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM changelog WHERE kind = 4"), 3000);
    cr_assert_eq (sqlite3_db_status (db, SQLITE_DBSTATUS_CACHE_MISS, &misses, &high, 0), SQLITE_OK);
    cr_assert_eq (misses, 0, "the next request reads no page from the file");
}

/* The store hands out one cached statement per SQL text, and NULL with
   the error set for bad SQL. */
Test (pstore, stmt_cache)
{
    static const char *one = "SELECT 1";
    sqlite3_stmt *a = us_pstore_stmt (s_store, one);
    cr_assert_not_null (a);
    cr_assert_eq (sqlite3_step (a), SQLITE_ROW);
    cr_assert_eq (us_pstore_stmt (s_store, one), a);
    cr_assert_eq (sqlite3_step (a), SQLITE_ROW, "handed back reset");
    sqlite3_reset (a);
    cr_assert_null (us_pstore_stmt (s_store, "SELEKT"));
    cr_assert_str_not_empty (us_error_msg ());
}

/* The conflicts listing prints valid JSON even when empty. */
Test (pstore, conflicts_print_empty)
{
    us_test_capture_t c;
    us_test_capture_open (&c);
    cr_assert_eq (us_pstore_conflicts_print (s_store, c.f, true), 0);
    us_test_capture_close (&c);
    cr_assert (us_test_json_valid (c.buf), "%s", c.buf);
    free (c.buf);
    us_test_capture_open (&c);
    cr_assert_eq (us_pstore_conflicts_print (s_store, c.f, false), 0);
    us_test_capture_close (&c);
    cr_assert_not_null (strstr (c.buf, "no conflicts"));
    free (c.buf);
}

/* Unit kinds are data: the 2025 kinds import as units out of the box, a
   new kind is imported like units, and then its units import too; bad
   kind rows are refused whole. */
Test (pstore, unit_kinds)
{
    char path [160];
    int count = -1;
    cr_assert_eq (us_pstore_import_units (s_store, &count, s_file (path, sizeof path, "u.csv",
        "id,name,parent,kind\nQT.XA.AB,Công đoàn xã A,QT,commune\n"
        "QT.KCN,Công đoàn các KCN,QT,park\n")), 0, "%s", us_error_msg ());
    cr_assert_eq (count, 2);
    cr_assert_eq (us_pstore_import_units (s_store, &count, s_file (path, sizeof path, "f.csv",
        "QT.LD,Liên đoàn ngành,QT,federation\n")), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "federation"), "%s", us_error_msg ());
    cr_assert_eq (count, 0);
    cr_assert_eq (us_pstore_import_kinds (s_store, &count, s_file (path, sizeof path, "k.csv",
        "code,name,level,reports\nfederation,Liên đoàn ngành,1,1\n")), 0, "%s", us_error_msg ());
    cr_assert_eq (count, 1);
    cr_assert_eq (us_pstore_import_units (s_store, &count, s_file (path, sizeof path, "f.csv",
        "QT.LD,Liên đoàn ngành,QT,federation\n")), 0, "%s", us_error_msg ());
    int level = -1;
    cr_assert_eq (us_pstore_unit_level (s_store, &level, s_unit ("QT.LD")), 0);
    cr_assert_eq (level, 1);
    /* A level-0 kind needs no parent, and only it. */
    cr_assert_eq (us_pstore_import_units (s_store, &count, s_file (path, sizeof path, "p.csv",
        "QT.X,Tỉnh khác,,district\n")), US_EINVAL);
    sqlite3 *db = us_pstore_db (s_store);
    int64_t kinds = us_test_int (db, "SELECT COUNT(*) FROM unit_kinds");
    const char *bad [] = {
        "x,Tên,1,1,9\n",            /* too many fields */
        "bad kind,Tên,1\n",          /* not a code */
        "x,,1\n",                    /* no name */
        "x,Tên,-1\n",                /* negative level */
        "x,Tên,one\n",               /* level not a number */
        "x,Tên,1,2\n",               /* reports not 0 or 1 */
        "ok,Tên,1\nx,Tên,99\n",      /* the second row spoils the first */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        count = -1;
        cr_assert_eq (us_pstore_import_kinds (s_store, &count, s_file (path, sizeof path,
                      "bad.csv", bad [i])), US_EINVAL, "row %zu: %s", i, bad [i]);
        cr_assert_eq (count, 0);
        cr_assert_not_null (strstr (us_error_msg (), "nothing imported"), "%s", us_error_msg ());
    }
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM unit_kinds"), kinds);
    cr_assert_eq (us_pstore_import_kinds (s_store, &count, "/nonexistent/k.csv"), US_EINVAL);
    /* The text kind the report engine reads follows the reference. */
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM units u JOIN unit_kinds k"
                                   " ON k.id = u.kind_id WHERE k.code <> u.kind"), 0);
}

/* Pages of the change stream, as the visitor sees them. */
typedef struct {
    int kinds [8];
    int units_named [8];
    char seen [2048];
    int stop_after;
    int calls;
} s_visit_t;

/* Counts each change and notes the units and cells it names. */
static int
s_visit (void *arg, const us_change_t *c)
{
    s_visit_t *v = arg;
    v->calls++;
    v->kinds [c->kind]++;
    const char *name = c->kind == US_CHANGE_UNIT ? c->u.unit.code
                     : c->kind == US_CHANGE_CELL ? c->u.cell.unit
                     : c->kind == US_CHANGE_TARGET ? c->u.target.unit
                     : c->kind == US_CHANGE_SUBMISSION ? c->u.submission.unit : "";
    size_t len = strlen (v->seen);
    snprintf (v->seen + len, sizeof v->seen - len, "%d:%s ", (int) c->kind, name);
    if (v->stop_after && v->calls >= v->stop_after)
        return us_error_set (US_EINVAL, "visitor stopped");
    return 0;
}

/* Reads the province's pages of five from since to the head, adding up
   what they carry in *sum; returns where they end, *pages how many. */
static uint64_t
s_pages_of_five (uint64_t since, s_visit_t *sum, int *pages)
{
    uint64_t next;
    bool more;
    *pages = 0;
    do {
        s_visit_t p = { 0 };
        cr_assert_eq (us_pstore_changes (s_store, since, 5, s_unit ("QT"), s_visit, &p,
                                         &next, &more), 0, "%s", us_error_msg ());
        cr_assert_leq (p.calls, 5);
        cr_assert_gt (next, since);
        sum->calls += p.calls;
        for (int k = 0; k < 8; k++)
            sum->kinds [k] += p.kinds [k];
        since = next;
        (*pages)++;
    } while (more && *pages < 100);
    return since;
}

/* A replica reads its subtree and the names above it, never a sibling's
   figures; pages are bounded and chain to the head; a visitor's error
   stops the page and comes back unchanged. */
Test (pstore, changes_pages)
{
    s_import_units ();
    cr_assert_eq (us_pstore_target_set (s_store, "QT.DAKRONG", "members.new", "2022", "9",
                                        "province"), 0);
    cr_assert_eq (us_pstore_target_set (s_store, "QT.HUONGHOA", "members.new", "2022", "8",
                                        "province"), 0);
    uint64_t head = 0, next = 0;
    bool more = true;
    cr_assert_eq (us_pstore_head (s_store, &head), 0);
    s_visit_t v = { 0 };
    cr_assert_eq (us_pstore_changes (s_store, 0, 100000, s_unit ("QT.DAKRONG"), s_visit, &v,
                                     &next, &more), 0, "%s", us_error_msg ());
    cr_assert_eq (next, head);
    cr_assert_not (more);
    cr_assert_not_null (strstr (v.seen, "1:QT "), "the province's name: %s", v.seen);
    cr_assert_not_null (strstr (v.seen, "1:QT.DAKRONG.CS1 "), "%s", v.seen);
    cr_assert_null (strstr (v.seen, "QT.HUONGHOA"), "a sibling: %s", v.seen);
    cr_assert_null (strstr (v.seen, "QT.CDN.YTE"), "%s", v.seen);
    cr_assert_eq (v.kinds [US_CHANGE_TARGET], 1);
    cr_assert_gt (v.kinds [US_CHANGE_INDICATOR], 10, "the catalog is everyone's");

    /* Pages of 5 chain to the head and see each entry once. */
    s_visit_t all = { 0 };
    int pages;
    cr_assert_eq (s_pages_of_five (0, &all, &pages), head);
    cr_assert_eq ((int64_t) all.calls, us_test_int (us_pstore_db (s_store),
                                                    "SELECT COUNT(*) FROM changelog"));
    /* Beyond the head: an empty page. */
    s_visit_t none = { 0 };
    cr_assert_eq (us_pstore_changes (s_store, head, 5, s_unit ("QT"), s_visit, &none, &next,
                                     &more), 0);
    cr_assert_eq (none.calls, 0);
    cr_assert_eq (next, head);
    s_visit_t stop = { .stop_after = 3 };
    cr_assert_eq (us_pstore_changes (s_store, 0, 100, s_unit ("QT"), s_visit, &stop, &next,
                                     &more), US_EINVAL);
    cr_assert_eq (stop.calls, 3);
    cr_assert_str_eq (us_error_msg (), "visitor stopped");
}

/* Collects the schedules a page carries. */
static int
s_visit_schedules (void *arg, const us_change_t *c)
{
    char *seen = arg;
    if (c->kind == US_CHANGE_SCHEDULES) {
        size_t len = strlen (seen);
        snprintf (seen + len, 512 - len, "%s:%s:%s:%s ", c->u.schedule.code,
                  c->u.schedule.period, c->u.schedule.indicators, c->u.schedule.deadline);
    }
    return 0;
}

/* The schedules reach every replica as one entry of the stream: the whole
   set, in the province's order, on the first pull and again after each
   import; pages after that entry carry none. */
Test (pstore, changes_carry_the_schedules)
{
    s_import_units ();
    char seen [512] = "";
    uint64_t next, head;
    bool more;
    cr_assert_eq (us_pstore_changes (s_store, 0, 100000, s_unit ("QT.DAKRONG"), s_visit_schedules,
                                     seen, &next, &more), 0, "%s", us_error_msg ());
    cr_assert_str_eq (seen, "monthly:month::1:20 ", "the first pull: %s", seen);
    cr_assert_eq (us_pstore_head (s_store, &head), 0);
    seen [0] = '\0';
    cr_assert_eq (us_pstore_changes (s_store, head, 100, s_unit ("QT.DAKRONG"), s_visit_schedules,
                                     seen, &next, &more), 0);
    cr_assert_str_eq (seen, "", "nothing new");
    char path [160];
    int count;
    cr_assert_eq (us_pstore_import_schedules (s_store, &count, s_file (path, sizeof path,
        "schedules.csv", "code,name,period,kinds,indicators,deadline\n"
        "quarterly,Báo cáo quý,quarter,district,members.new,0:25\n"
        "monthly,Số liệu hằng tháng,month,district sector,,1:10\n")), 0, "%s", us_error_msg ());
    cr_assert_eq (us_pstore_changes (s_store, head, 100, s_unit ("QT.DAKRONG"), s_visit_schedules,
                                     seen, &next, &more), 0);
    cr_assert_str_eq (seen, "quarterly:quarter:members.new:0:25 monthly:month::1:10 ",
                      "after the import, the new set in its order: %s", seen);
    cr_assert_eq ((int64_t) next, us_test_int (us_pstore_db (s_store),
                                               "SELECT MAX (seq) FROM changelog"));
    seen [0] = '\0';
    cr_assert_eq (us_pstore_changes (s_store, next, 100, s_unit ("QT.DAKRONG"), s_visit_schedules,
                                     seen, &next, &more), 0);
    cr_assert_str_eq (seen, "", "once pulled, not again");
}

/* Reading the change stream with SQLite failing at each allocation either
   succeeds or returns a store error with its cause; never a crash, and the
   store reads again afterwards. */
Test (pstore, changes_allocation_failures)
{
    s_import_units ();
    us_pstore_destroy (&s_store);
    us_test_oom_install ();
    cr_assert_eq (us_pstore_open (&s_store, s_path), 0, "%s", us_error_msg ());
    long total = 0;
    int failures = 0;
    for (long n = -1; n <= total; n++) {
        s_visit_t v = { 0 };
        uint64_t next;
        bool more;
        us_test_oom_arm (n, false);
        int rc = us_pstore_changes (s_store, 0, 50, 1, s_visit, &v, &next, &more);
        us_test_oom_disarm ();
        if (n < 0) {
            cr_assert_eq (rc, 0, "%s", us_error_msg ());
            total = us_test_allocs;
        }
        if (rc) {
            failures++;
            cr_assert (rc == US_ENOMEM || rc == US_EIO, "allocation %ld: %d", n, rc);
            cr_assert_not_null (strstr (us_error_msg (), "change stream")
                                ? strstr (us_error_msg (), "change stream")
                                : strstr (us_error_msg (), "unit tree"),
                                "allocation %ld: cause lost: %s", n, us_error_msg ());
        }
    }
    cr_assert_gt (failures, 0);
    s_visit_t v = { 0 };
    uint64_t next;
    bool more;
    cr_assert_eq (us_pstore_changes (s_store, 0, 50, 1, s_visit, &v, &next, &more), 0);
}

/* A store error names what failed: writing a cell outside a transaction,
   and reading from a store whose table was taken away. */
Test (pstore, errors_keep_their_cause)
{
    us_pstore_cell_t before = { 0 };
    us_pstore_cell_write_t w = { .unit_id = 1, .ind_id = 1, .month = 24268, .replica = "",
                                 .author = "a", .note = "" };
    cr_assert_eq (us_pstore_cell_put (s_store, &before, &w), US_EIO);
    cr_assert_not_null (strstr (us_error_msg (), "writing a cell"), "%s", us_error_msg ());
    us_test_exec (us_pstore_db (s_store), "DROP TABLE audit_head");
    int64_t rows;
    cr_assert_eq (us_pstore_chain_rows (s_store, &rows), US_EIO);
    cr_assert_not_null (strstr (us_error_msg (), "audit chain"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "audit_head"), "%s", us_error_msg ());
}

/* Writes members.new of unit for month in its own transaction, as an
   office's edit (corrected false) or a province correction. */
static void
s_cell (const char *unit, int month, int64_t value, bool corrected)
{
    us_pstore_ind_t ind;
    cr_assert_eq (us_pstore_indicator (s_store, &ind, "members.new"), 0, "%s", us_error_msg ());
    us_pstore_cell_t before;
    cr_assert_eq (us_pstore_begin (s_store), 0);
    cr_assert_eq (us_pstore_cell_get (s_store, &before, s_unit (unit), ind.id, month), 0);
    us_pstore_cell_write_t w = { .unit_id = s_unit (unit), .ind_id = ind.id, .month = month,
                                 .value = value, .hlc = 1, .replica = "", .author = "a",
                                 .note = "", .corrected = corrected };
    cr_assert_eq (us_pstore_cell_put (s_store, &before, &w), 0, "%s", us_error_msg ());
    cr_assert_eq (us_pstore_commit (s_store), 0);
}

/* Schedules import all or nothing, checking kinds, indicators, period
   types and deadlines; a new store has the default monthly schedule. */
Test (pstore, schedules_import)
{
    sqlite3 *db = us_pstore_db (s_store);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM schedules WHERE code = 'monthly'"), 1);
    char path [160];
    int count = -1;
    cr_assert_eq (us_pstore_import_schedules (s_store, &count, s_file (path, sizeof path, "s.csv",
        "code,name,period,kinds,indicators,deadline\n"
        "m,Hằng tháng,month,district sector,,\n"
        "h,Sáu tháng,half,district,members.new,0:15\n")), 0, "%s", us_error_msg ());
    cr_assert_eq (count, 2);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db,
                      "SELECT group_concat (code || '=' || deadline, ' ') FROM schedules"),
                      "m=1:20 h=0:15");
    const char *bad [] = {
        "m,M,week,district,,1:20\n", "m,M,month,village,,1:20\n",
        "m,M,month,district,nothing.here,1:20\n", "m,M,month,district,,1:0\n",
        "m,M,month,,,1:20\n", "m,,month,district,,1:20\n", "m,M,month,district,,1:20\nm,N,half,district,,1:20\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char text [256];
        snprintf (text, sizeof text, "code,name,period,kinds,indicators,deadline\n%s", bad [i]);
        cr_assert_eq (us_pstore_import_schedules (s_store, &count, s_file (path, sizeof path,
                      "bad.csv", text)), US_EINVAL, "%s", bad [i]);
        cr_assert_eq (count, 0);
        cr_assert_not_null (strstr (us_error_msg (), "nothing imported"), "%s", us_error_msg ());
        cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM schedules"), 2, "%s", bad [i]);
    }
}

/* Approving a district freezes its grassroots union's months; a lock of
   the province freezes every unit; months outside stay open. */
Test (pstore, locks_freeze_the_subtree)
{
    s_import_units ();
    int jan = us_test_month (2023, 1), feb = us_test_month (2023, 2);
    us_state_t state;
    bool locked, reported;
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2023-01",
                                      US_ACTION_LOCK, true), 0, "%s", us_error_msg ());
    cr_assert_eq (us_pstore_locked (s_store, &locked, s_unit ("QT.DAKRONG.CS1"), jan), 0);
    cr_assert (locked, "the grassroots union under the locked district");
    cr_assert_eq (us_pstore_locked (s_store, &locked, s_unit ("QT.HUONGHOA"), jan), 0);
    cr_assert_not (locked, "a sibling district");
    cr_assert_eq (us_pstore_locked (s_store, &locked, s_unit ("QT.DAKRONG.CS1"), feb), 0);
    cr_assert_not (locked, "another month");
    cr_assert_eq (us_pstore_workflow_note (s_store, &state, &reported, "QT", "2023-Q1",
                                           US_ACTION_LOCK, true, "closing"), 0);
    cr_assert_not (reported, "the province never submitted");
    cr_assert_eq (us_pstore_locked (s_store, &locked, s_unit ("QT.CDN.YTE"), feb), 0);
    cr_assert (locked, "every unit under the locked province");
    sqlite3 *db = us_pstore_db (s_store);
    char buf [64];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT forced || reported || note"
                      " FROM submissions WHERE period = '2023-Q1'"), "10closing");
}

/* An office's edit of a submitted month amends the unit's and its
   ancestors' submitted reports; a province correction does not; a lock of
   a unit that never submitted is not reported. */
Test (pstore, edits_amend)
{
    s_import_units ();
    us_keys_t keys;
    us_replica_t rep;
    s_enroll (&keys, &rep, "QT.DAKRONG");
    int jan = us_test_month (2023, 1);
    s_cell ("QT.DAKRONG.CS1", jan, 5, false);
    us_state_t state;
    cr_assert_eq (us_pstore_submit (s_store, &state, &rep, "QT.DAKRONG", "2023-Q1", 1), 0,
                  "%s", us_error_msg ());
    sqlite3 *db = us_pstore_db (s_store);
    char buf [32];
    s_cell ("QT.DAKRONG.CS1", jan, 6, true);
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT state FROM submissions"),
                      "submitted", "a province correction does not amend");
    int64_t before = us_test_int (db, "SELECT MAX (seq) FROM changelog WHERE kind = 6");
    s_cell ("QT.DAKRONG.CS1", jan, 7, false);
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT state FROM submissions"),
                      "amended", "the grassroots edit amends the district's report");
    cr_assert_gt (us_test_int (db, "SELECT MAX (seq) FROM changelog WHERE kind = 6"), before,
                  "the amendment is stamped anew in the change stream");
    cr_assert_eq (us_pstore_workflow (s_store, &state, "QT.DAKRONG", "2023-Q1",
                                      US_ACTION_APPROVE, false), US_EINVAL,
                  "an amended report is not approved without --force");
    cr_assert_eq (us_pstore_submit (s_store, &state, &rep, "QT.DAKRONG", "2023-Q1", 2), 0);
    cr_assert_eq (state, US_STATE_SUBMITTED);
    /* The same cell's next edit, after the report was submitted again,
       amends it again: the store remembers an amendment only within one
       transaction. */
    s_cell ("QT.DAKRONG.CS1", jan, 8, false);
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "SELECT state FROM submissions"),
                      "amended", "submitted again, then edited: amended again");
    cr_assert_eq (us_pstore_submit (s_store, &state, &rep, "QT.DAKRONG", "2023-Q1", 3), 0);
    cr_assert_eq (state, US_STATE_SUBMITTED);
    bool reported;
    cr_assert_eq (us_pstore_workflow_note (s_store, &state, &reported, "QT.HUONGHOA", "2023-Q1",
                                           US_ACTION_LOCK, true, NULL), 0);
    cr_assert_not (reported);
    cr_assert_eq (us_pstore_workflow_note (s_store, &state, &reported, "QT.DAKRONG", "2023-Q1",
                                           US_ACTION_APPROVE, false, NULL), 0);
    cr_assert (reported);
}

/* A new store has a random incarnation; a new one replaces it on disk; a
   store without one reads as "-". */
Test (pstore, incarnation)
{
    char first [40], second [40], again [40];
    us_pstore_incarnation (s_store, first, sizeof first);
    cr_assert_eq (strlen (first), 32, "%s", first);
    cr_assert_eq (strspn (first, "0123456789abcdef"), 32, "%s", first);
    cr_assert_eq (us_pstore_new_incarnation (s_store, second, sizeof second), 0);
    cr_assert_str_neq (first, second);
    us_pstore_destroy (&s_store);
    cr_assert_eq (us_pstore_open (&s_store, s_path), 0, "%s", us_error_msg ());
    us_pstore_incarnation (s_store, again, sizeof again);
    cr_assert_str_eq (again, second, "the new incarnation is on disk");
    cr_assert_eq (us_db_exec (s_store->db, "DELETE FROM meta WHERE key = 'incarnation'"), 0);
    us_pstore_incarnation (s_store, again, sizeof again);
    cr_assert_str_eq (again, "-");
}

/* Collects the restores a store lists. */
static int
s_restore_seen (void *arg, const us_pstore_restore_t *r)
{
    us_pstore_restore_t *seen = arg;
    seen [seen [0].record ? 1 : 0] = *r;
    return 0;
}

/* A restore the server noticed takes a new incarnation and is a record of
   the chain, "noticed", naming the office, from an unknown head; the list
   gives it with the backup's length; the records still replay. */
Test (pstore, restore_noticed)
{
    char first [40], second [40];
    us_pstore_incarnation (s_store, first, sizeof first);
    int64_t rows;
    cr_assert_eq (us_pstore_chain_rows (s_store, &rows), 0);
    cr_assert_eq (us_pstore_restore_noticed (s_store, second, sizeof second, "Đông Hà",
                                             "the office saw checkpoint 9"), 0,
                  "%s", us_error_msg ());
    cr_assert_str_neq (first, second);
    us_pstore_restore_t seen [2];
    memset (seen, 0, sizeof seen);
    cr_assert_eq (us_pstore_restores (s_store, 64, s_restore_seen, seen), 0);
    cr_assert_eq (seen [0].record, rows + 1);
    cr_assert_eq (seen [0].backup, rows);
    cr_assert (seen [0].noticed);
    cr_assert_not (seen [0].before_known);
    cr_assert_str_eq (seen [0].by, "Đông Hà");
    cr_assert_eq (us_test_int (s_store->db, "SELECT kind FROM received ORDER BY id DESC"),
                  US_ACT_RESTORE);
    cr_assert_eq (us_pstore_replay_check (s_store), 0, "%s", us_error_msg ());
    cr_assert_str_eq (us_act_name (US_ACT_RESTORE), "restore");
}
