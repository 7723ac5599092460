/*  Unit tests for us_pstore_list: the listings of units and replicas, and
    the check of a units file before it is imported. */
#include "us_error.h"
#include "us_keys.h"
#include "us_pstore.h"
#include "us_pstore_list.h"
#include "us_pstore_sql.h"

#include "us_test.h"

#define UNITS_CSV \
    "id,name,parent,kind,valid_from,valid_to\n" \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province\n" \
    "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district\n" \
    "QT.DAKRONG.OLD,CĐCS Nhà máy cũ,QT.DAKRONG,grassroots,2019-01,2024-12\n" \
    "QT.DAKRONG.KCN,Công đoàn Khu công nghiệp,QT.DAKRONG,grassroots,2025-07,\n" \
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

TestSuite (pstore_list, .init = s_setup, .fini = s_teardown);

/* Imports text as a units file; returns the result. */
static int
s_import (const char *text)
{
    char path [160];
    us_test_path (path, sizeof path, s_dir, "units.csv");
    remove (path);
    us_test_write (path, text);
    int count;
    return us_pstore_import_units (s_store, &count, path);
}

/* Appends each unit's "code<parent" to a buffer. */
static int
s_collect (const us_unit_row_t *row, void *arg)
{
    char *buf = arg;
    snprintf (buf + strlen (buf), 1024 - strlen (buf), "%s<%s ", row->code, row->parent);
    return 0;
}

/* Stops a walk at the second unit. */
static int
s_stop (const us_unit_row_t *row, void *arg)
{
    (void) row;
    return ++*(int *) arg == 2 ? US_EINVAL : 0;
}

/* Every unit, by code, with its parent; --at keeps those valid then. */
Test (pstore_list, units)
{
    cr_assert_eq (s_import (UNITS_CSV), 0, "%s", us_error_msg ());
    char buf [1024] = "";
    cr_assert_eq (us_pstore_list_units (s_store, NULL, s_collect, buf), 0);
    cr_assert_str_eq (buf, "QT< QT.CDN.YTE<QT QT.DAKRONG<QT QT.DAKRONG.KCN<QT.DAKRONG "
                           "QT.DAKRONG.OLD<QT.DAKRONG ");
    buf [0] = 0;
    cr_assert_eq (us_pstore_list_units (s_store, "2024-12", s_collect, buf), 0);
    cr_assert (strstr (buf, "QT.DAKRONG.OLD<"), "%s", buf);
    cr_assert_null (strstr (buf, "KCN"), "%s", buf);
    buf [0] = 0;
    cr_assert_eq (us_pstore_list_units (s_store, "2025-07", s_collect, buf), 0);
    cr_assert (strstr (buf, "QT.DAKRONG.KCN<"), "%s", buf);
    cr_assert_null (strstr (buf, "OLD"), "%s", buf);
    cr_assert_eq (us_pstore_list_units (s_store, "2025-13", s_collect, buf), US_EINVAL);
    int n = 0;
    cr_assert_eq (us_pstore_list_units (s_store, NULL, s_stop, &n), US_EINVAL);
    cr_assert_eq (n, 2, "the walk stops where the visitor says");
}

/* Appends each replica's "name:deltas:revoked" to a buffer. */
static int
s_replica (const us_replica_row_t *row, void *arg)
{
    char *buf = arg;
    snprintf (buf + strlen (buf), 1024 - strlen (buf), "%s@%s:%lld:%s ", row->name, row->unit,
              (long long) row->deltas, row->revoked_ms ? "revoked" : "in");
    cr_assert_gt (row->enrolled_ms, 1600000000000, "enrolment in milliseconds");
    cr_assert_eq (strlen (row->key), 40, "the CURVE key in Z85");
    return 0;
}

/* Replicas by unit, with revocation. */
Test (pstore_list, replicas)
{
    cr_assert_eq (s_import (UNITS_CSV), 0, "%s", us_error_msg ());
    char buf [1024] = "";
    cr_assert_eq (us_pstore_list_replicas (s_store, s_replica, buf), 0);
    cr_assert_str_eq (buf, "");
    us_keys_t a, b;
    char ta [US_TOKEN_MAX], tb [US_TOKEN_MAX];
    cr_assert_eq (us_keys_generate (&a, true), 0);
    cr_assert_eq (us_keys_generate (&b, true), 0);
    us_keys_token (ta, sizeof ta, &a);
    us_keys_token (tb, sizeof tb, &b);
    int64_t id;
    cr_assert_eq (us_pstore_enroll (s_store, &id, "QT.DAKRONG", ta, "kế toán"), 0);
    cr_assert_eq (us_pstore_enroll (s_store, &id, "QT.CDN.YTE", tb, "y tế"), 0);
    cr_assert_eq (us_pstore_revoke (s_store, tb), 0);
    cr_assert_eq (us_pstore_list_replicas (s_store, s_replica, buf), 0);
    cr_assert_str_eq (buf, "y tế@QT.CDN.YTE:0:revoked kế toán@QT.DAKRONG:0:in ");
}

/* A file naming an id twice, or a second root, is refused whole; the
   province's own row again is an update. */
Test (pstore_list, units_check)
{
    cr_assert_eq (s_import (UNITS_CSV), 0, "%s", us_error_msg ());
    cr_assert_eq (s_import ("id,name,parent,kind\nQT.A,A,QT,district\nQT.B,B,QT,district\n"
                            "QT.A,A again,QT,district\n"), US_EINVAL);
    cr_assert (strstr (us_error_msg (), "QT.A is named twice, on lines 2 and 4"), "%s",
               us_error_msg ());
    cr_assert_eq (us_test_int (us_pstore_db (s_store),
                               "SELECT COUNT(*) FROM units WHERE code IN ('QT.A', 'QT.B')"), 0);
    cr_assert_eq (s_import ("id,name,parent,kind\nHUE,Huế,,province\n"), US_EINVAL);
    cr_assert (strstr (us_error_msg (), "line 2: unit HUE has no parent"), "%s", us_error_msg ());
    cr_assert_eq (s_import ("QT.X,X,QT,district\nQT,Quảng Trị (mới),,province\n"), 0, "%s",
                  us_error_msg ());
    char name [64];
    cr_assert_str_eq (us_test_text (name, sizeof name, us_pstore_db (s_store),
                                    "SELECT name FROM units WHERE code = 'QT'"), "Quảng Trị (mới)");
    char province [65];
    cr_assert_eq (us_pstore_province (s_store, province, sizeof province), 0);
    cr_assert_str_eq (province, "QT");
}
