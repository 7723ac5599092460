/*  Unit tests for us_digest, the digests of anti-entropy: the exact bytes
    (as proto/unionsync.proto writes them down), identical rows give
    identical digests and any changed row changes them, bad input is
    refused; then both sides over real stores: the province's digest of a
    replica's scope (us_pstore_figures) equals the office's digest of its
    mirror (us_dstore_digest) after a real sync through the real service,
    a drifted mirror heals, and a month holding an unsent edit is left
    alone. */
#include "us_digest.h"
#include "us_dstore.h"
#include "us_dstore_digest.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_merge.h"
#include "us_period.h"
#include "us_pstore.h"
#include "us_service.h"
#include "us_sync.h"

#include "us_test.h"

#include <openssl/evp.h>
#include <pthread.h>

#define M(y, m) ((y) * 12 + (m) - 1)

/* One figure. */
typedef struct {
    int month;
    const char *unit, *indicator;
    bool cleared;
    int64_t value;
    uint64_t version;
} s_row_t;

static const s_row_t s_base [] = {
    { M (2022, 5), "QT.DAKRONG", "cdcs.new", false, 2, 1 },
    { M (2022, 5), "QT.DAKRONG", "members.new", false, 120, 3 },
    { M (2022, 5), "QT.DAKRONG.TA", "members.new", false, -7, 1 },
    { M (2022, 6), "QT.DAKRONG", "members.new", true, 0, 2 },
    { M (2022, 9), "QT.DAKRONG", "cla.signed", false, INT64_MAX, UINT64_MAX },
};
#define N_BASE (sizeof s_base / sizeof s_base [0])

/* Digests rows of months first..last into a new digest (finished). */
static us_digest_t *
s_digest (const s_row_t *rows, size_t n, int first, int last)
{
    us_digest_t *d = us_digest_new (first, last);
    cr_assert_not_null (d, "%s", us_error_msg ());
    for (size_t i = 0; i < n; i++)
        cr_assert_eq (us_digest_add (d, rows [i].month, rows [i].unit, rows [i].indicator,
                                     rows [i].cleared, rows [i].value, rows [i].version), 0,
                      "row %zu: %s", i, us_error_msg ());
    cr_assert_eq (us_digest_finish (d), 0, "%s", us_error_msg ());
    return d;
}

/* Returns the digest of month in d, or NULL. */
static const uint8_t *
s_month (us_digest_t *d, int month)
{
    size_t n;
    const us_month_digest_t *m = us_digest_months (d, &n);
    for (size_t i = 0; i < n; i++)
        if (m [i].month == month)
            return m [i].hash;
    return NULL;
}

/* Writes v big-endian in n bytes. */
static void
s_be (uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p [i] = (uint8_t) v;
}

/* SHA-256 of len bytes. */
static void
s_sha (uint8_t out [32], const uint8_t *data, size_t len)
{
    unsigned int n;
    cr_assert_eq (EVP_Digest (data, len, out, &n, EVP_sha256 (), NULL), 1);
}

/* Appends the documented bytes of one row. */
static size_t
s_row_bytes (uint8_t *p, const s_row_t *r)
{
    size_t at = 0, ul = strlen (r->unit), il = strlen (r->indicator);
    p [at++] = (uint8_t) ul;
    memcpy (p + at, r->unit, ul);
    at += ul;
    p [at++] = (uint8_t) il;
    memcpy (p + at, r->indicator, il);
    at += il;
    p [at++] = r->cleared;
    s_be (p + at, r->cleared ? 0 : (uint64_t) r->value, 8);
    s_be (p + at + 8, r->version, 8);
    return at + 16;
}

TestSuite (digest);

/* The month digests and the top are exactly the documented bytes hashed. */
Test (digest, documented_bytes)
{
    us_digest_t *d = s_digest (s_base, N_BASE, M (2022, 1), M (2022, 12));
    uint8_t buf [1024], may [32], june [32], sept [32], top [32];
    size_t at = 0;
    for (int i = 0; i < 3; i++)
        at += s_row_bytes (buf + at, &s_base [i]);
    s_sha (may, buf, at);
    s_sha (june, buf, s_row_bytes (buf, &s_base [3]));
    s_sha (sept, buf, s_row_bytes (buf, &s_base [4]));
    cr_assert_arr_eq (s_month (d, M (2022, 5)), may, 32);
    cr_assert_arr_eq (s_month (d, M (2022, 6)), june, 32);
    cr_assert_arr_eq (s_month (d, M (2022, 9)), sept, 32);
    size_t n;
    us_digest_months (d, &n);
    cr_assert_eq (n, 3, "a month without rows has no digest");
    at = 0;
    memcpy (buf, "unionsync digest 1", 18);
    at = 18;
    s_be (buf + at, M (2022, 1), 4);
    s_be (buf + at + 4, M (2022, 12), 4);
    at += 8;
    const int months [3] = { M (2022, 5), M (2022, 6), M (2022, 9) };
    const uint8_t *hashes [3] = { may, june, sept };
    for (int i = 0; i < 3; i++) {
        s_be (buf + at, (uint64_t) months [i], 4);
        memcpy (buf + at + 4, hashes [i], 32);
        at += 36;
    }
    s_sha (top, buf, at);
    cr_assert_arr_eq (us_digest_top (d), top, 32);
    us_digest_destroy (&d);
    us_digest_destroy (&d);
    cr_assert_null (d);
}

/* Identical rows give identical digests, whoever computes them. */
Test (digest, same_rows_same_digests)
{
    us_digest_t *a = s_digest (s_base, N_BASE, M (2022, 1), M (2022, 12));
    us_digest_t *b = s_digest (s_base, N_BASE, M (2022, 1), M (2022, 12));
    cr_assert_arr_eq (us_digest_top (a), us_digest_top (b), 32);
    size_t na, nb;
    const us_month_digest_t *ma = us_digest_months (a, &na), *mb = us_digest_months (b, &nb);
    cr_assert_eq (na, nb);
    cr_assert_arr_eq (ma, mb, na * sizeof *ma);
    uint8_t top [32];
    cr_assert_eq (us_digest_top_of (top, M (2022, 1), M (2022, 12), ma, na), 0);
    cr_assert_arr_eq (top, us_digest_top (a), 32, "the top is made from the months alone");
    us_digest_destroy (&a);
    us_digest_destroy (&b);
}

/* Any change of any one row (value, cleared, version, unit, indicator,
   month, a row more or less) changes its month's digest and the top, and
   no other month's digest. */
Test (digest, any_changed_row_changes_it)
{
    us_digest_t *base = s_digest (s_base, N_BASE, M (2022, 1), M (2022, 12));
    for (int change = 0; change < 9; change++) {
        s_row_t rows [N_BASE + 1];
        memcpy (rows, s_base, sizeof s_base);
        size_t n = N_BASE;
        int touched = M (2022, 5), also = -1;
        switch (change) {
            case 0: rows [1].value++; break;
            case 1: rows [1].cleared = true; break;
            case 2: rows [1].version++; break;
            case 3: rows [2].unit = "QT.DAKRONG.TB"; break;
            case 4: rows [0].indicator = "cdcs.news"; break;
            case 5: rows [3].cleared = false; touched = M (2022, 6); break;  /* 0, not cleared */
            case 6: memmove (rows + 1, rows + 2, 3 * sizeof *rows); n--; break;
            case 7: rows [n++] = (s_row_t) { M (2022, 11), "QT.DAKRONG", "members.new", false,
                                             1, 1 };
                    touched = M (2022, 11); break;
            case 8: rows [4].month = M (2022, 10); touched = M (2022, 9);
                    also = M (2022, 10); break;
        }
        us_digest_t *d = s_digest (rows, n, M (2022, 1), M (2022, 12));
        cr_assert (memcmp (us_digest_top (d), us_digest_top (base), 32) != 0,
                   "change %d changes the top", change);
        const uint8_t *was = s_month (base, touched), *now = s_month (d, touched);
        cr_assert (!was || !now || memcmp (was, now, 32) != 0,
                   "change %d changes its month's digest", change);
        const int months [] = { M (2022, 5), M (2022, 6), M (2022, 9), M (2022, 11) };
        for (size_t k = 0; k < 4; k++) {
            if (months [k] == touched || months [k] == also)
                continue;
            const uint8_t *x = s_month (base, months [k]), *y = s_month (d, months [k]);
            cr_assert ((!x && !y) || (x && y && memcmp (x, y, 32) == 0),
                       "change %d leaves month %d alone", change, months [k]);
        }
        us_digest_destroy (&d);
    }
    us_digest_destroy (&base);
}

/* The range is part of the top: the same rows over another range (or no
   rows at all) give another top. */
Test (digest, range_counts)
{
    us_digest_t *a = s_digest (s_base, N_BASE, M (2022, 1), M (2022, 12));
    us_digest_t *b = s_digest (s_base, N_BASE, M (2021, 1), M (2022, 12));
    us_digest_t *e = s_digest (NULL, 0, M (2022, 1), M (2022, 12));
    cr_assert (memcmp (us_digest_top (a), us_digest_top (b), 32) != 0);
    cr_assert (memcmp (us_digest_top (a), us_digest_top (e), 32) != 0);
    size_t n;
    us_digest_months (e, &n);
    cr_assert_eq (n, 0);
    us_digest_destroy (&a);
    us_digest_destroy (&b);
    us_digest_destroy (&e);
}

/* Rows out of order, repeated, outside the range or with over-long codes
   are refused, and a digest that refused one cannot be finished; a bad
   range gives no digest. */
Test (digest, bad_input_refused)
{
    cr_assert_null (us_digest_new (M (2022, 5), M (2022, 4)));
    cr_assert_null (us_digest_new (0, M (2022, 4)));
    cr_assert_null (us_digest_new (M (2022, 5), M (2300, 1)));
    char long_code [300];
    memset (long_code, 'a', sizeof long_code - 1);
    long_code [sizeof long_code - 1] = 0;
    for (int k = 0; k < 5; k++) {
        us_digest_t *d = us_digest_new (M (2022, 1), M (2022, 12));
        cr_assert_not_null (d);
        cr_assert_eq (us_digest_add (d, M (2022, 5), "QT.B", "x", false, 1, 1), 0);
        int rc = 0;
        switch (k) {
            case 0: rc = us_digest_add (d, M (2022, 5), "QT.A", "x", false, 1, 1); break;
            case 1: rc = us_digest_add (d, M (2022, 5), "QT.B", "x", false, 2, 1); break;
            case 2: rc = us_digest_add (d, M (2022, 4), "QT.C", "x", false, 1, 1); break;
            case 3: rc = us_digest_add (d, M (2023, 1), "QT.C", "x", false, 1, 1); break;
            case 4: rc = us_digest_add (d, M (2022, 6), long_code, "x", false, 1, 1); break;
        }
        cr_assert_eq (rc, US_EINVAL, "case %d refused", k);
        cr_assert_eq (us_digest_finish (d), US_EINVAL, "case %d: no digest after it", k);
        us_digest_destroy (&d);
    }
}

/*  ----------------------------------------------------------------------
    Both sides, over real stores and the real service
    ---------------------------------------------------------------------- */

#define UNITS_CSV \
    "id,name,parent,kind\n" \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province\n" \
    "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district\n" \
    "QT.DAKRONG.TA,CĐCS xã Tà Long,QT.DAKRONG,grassroots\n" \
    "QT.HUONGHOA,LĐLĐ huyện Hướng Hóa,QT,district\n"

static char s_dir [64], s_office [160];
static us_pstore_t *s_pstore;
static us_dstore_t *s_dstore;
static us_keys_t s_server_keys, s_office_keys;
static us_service_t *s_service;
static pthread_t s_thread;
static volatile sig_atomic_t s_stop;
static us_hlc_t s_clock;

/* Runs the service until told to stop. */
static void *
s_serve (void *arg)
{
    (void) arg;
    us_service_run (s_service, &s_stop);
    return NULL;
}

/* A province correction (value NULL clears). */
static void
s_correct (const char *unit, const char *month, const char *ind, const char *value)
{
    us_merge_result_t r;
    int rc = us_merge_correct (&r, s_pstore, unit, month, ind, value, "số liệu tỉnh", "tỉnh",
                               false, &s_clock);
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
}

static void
s_stores_setup (void)
{
    char path [160], endpoint [64];
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (path, sizeof path, s_dir, "province.db");
    cr_assert_eq (us_pstore_create (&s_pstore, path, "QT", "Quảng Trị"), 0, "%s", us_error_msg ());
    char csv [160];
    us_test_path (csv, sizeof csv, s_dir, "units.csv");
    us_test_write (csv, UNITS_CSV);
    int count;
    cr_assert_eq (us_pstore_import_units (s_pstore, &count, csv), 0, "%s", us_error_msg ());
    cr_assert_eq (us_keys_generate (&s_server_keys, false), 0);
    cr_assert_eq (us_keys_generate (&s_office_keys, true), 0);
    char token [US_TOKEN_MAX], server_token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &s_office_keys);
    us_keys_token (server_token, sizeof server_token, &s_server_keys);
    int64_t id;
    cr_assert_eq (us_pstore_enroll (s_pstore, &id, "QT.DAKRONG", token, "dk"), 0, "%s",
                  us_error_msg ());
    /* In scope: the district and its grassroots union; out: the sibling
       district, and the province above (names only). */
    s_correct ("QT.DAKRONG", "2022-05", "members.new", "120");
    s_correct ("QT.DAKRONG", "2022-05", "cdcs.new", "2");
    s_correct ("QT.DAKRONG.TA", "2022-05", "members.new", "15");
    s_correct ("QT.DAKRONG", "2022-06", "members.new", "7");
    s_correct ("QT.DAKRONG", "2022-06", "members.new", NULL);
    s_correct ("QT.DAKRONG", "2022-07", "members.new", "30");
    s_correct ("QT.HUONGHOA", "2022-05", "members.new", "99");
    s_correct ("QT", "2022-05", "members.new", "500");
    for (int tries = 0; !s_service && tries < 50; tries++) {
        snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", 20000 + rand () % 40000);
        s_service = us_service_new (s_pstore, &s_server_keys, endpoint, path);
    }
    cr_assert_not_null (s_service, "%s", us_error_msg ());
    s_stop = 0;
    cr_assert_eq (pthread_create (&s_thread, NULL, s_serve, NULL), 0);
    us_test_path (s_office, sizeof s_office, s_dir, "office.db");
    cr_assert_eq (us_dstore_create (&s_dstore, s_office, "QT.DAKRONG", endpoint, server_token),
                  0, "%s", us_error_msg ());
}

static void
s_stores_teardown (void)
{
    s_stop = 1;
    if (s_service)
        pthread_join (s_thread, NULL);
    us_service_destroy (&s_service);
    us_dstore_destroy (&s_dstore);
    us_pstore_destroy (&s_pstore);
    us_test_rmtree (s_dir);
}

TestSuite (digest_stores, .init = s_stores_setup, .fini = s_stores_teardown, .timeout = 60);

static const us_sync_opts_t s_opts = { .timeout_ms = 2000, .retries = 3, .batch = 100 };

/* Adds one server figure to a digest. */
static int
s_add (void *arg, int month, const char *unit, const char *indicator, bool cleared,
       int64_t value, uint64_t version)
{
    return us_digest_add (arg, month, unit, indicator, cleared, value, version);
}

/* The province's digests of the office's scope in 2022. */
static us_digest_t *
s_server_digest (void)
{
    us_replica_t rep;
    cr_assert_eq (us_pstore_replica (s_pstore, &rep, s_office_keys.curve_public), 0, "%s",
                  us_error_msg ());
    us_digest_t *d = us_digest_new (M (2022, 1), M (2022, 12));
    cr_assert_eq (us_pstore_figures (s_pstore, rep.unit_id, M (2022, 1), M (2022, 12), s_add, d),
                  0, "%s", us_error_msg ());
    cr_assert_eq (us_digest_finish (d), 0);
    return d;
}

/* The office's digests of its mirror in 2022. */
static us_digest_t *
s_office_digest (void)
{
    us_digest_t *d;
    cr_assert_eq (us_dstore_digest (s_dstore, &d, M (2022, 1), M (2022, 12)), 0, "%s",
                  us_error_msg ());
    return d;
}

/* Runs one whole sync; returns its stats. */
static us_sync_stats_t
s_sync (void)
{
    us_sync_stats_t st;
    int rc = us_sync_run (&st, s_dstore, &s_office_keys, &s_opts);
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    return st;
}

/* Changes one figure of the mirror by hand. */
static void
s_damage (const char *sql)
{
    char *err = NULL;
    cr_assert_eq (sqlite3_exec (us_dstore_db (s_dstore), sql, NULL, NULL, &err), SQLITE_OK,
                  "%s", err ? err : "");
}

/* After a real sync, the province's digest of the scope and the office's
   of its mirror are the same: the same months (the sibling district and
   the province above left out, the cleared figure in), the same top. */
Test (digest_stores, both_sides_agree)
{
    us_sync_stats_t st = s_sync ();
    cr_assert (st.verified, "the sync checked the mirror");
    cr_assert_eq (st.repaired, 0);
    us_digest_t *p = s_server_digest (), *o = s_office_digest ();
    size_t np, no;
    const us_month_digest_t *mp = us_digest_months (p, &np), *mo = us_digest_months (o, &no);
    cr_assert_eq (np, 3, "May, June (cleared) and July");
    cr_assert_eq (no, np);
    cr_assert_arr_eq (mp, mo, np * sizeof *mp);
    cr_assert_arr_eq (us_digest_top (p), us_digest_top (o), 32);
    us_digest_destroy (&p);
    us_digest_destroy (&o);
}

/* A drifted mirror is found and healed, month by month; a month holding
   an edit not sent yet is left alone until the edit is acknowledged. */
Test (digest_stores, drift_heals_drafts_wait)
{
    s_sync ();
    s_damage ("UPDATE cells SET value = 16 WHERE month = 24268 AND unit_id ="
              " (SELECT id FROM units WHERE code = 'QT.DAKRONG.TA')");          /* 2022-05 */
    s_damage ("DELETE FROM cells WHERE month = 24270");                        /* 2022-07 */
    cr_assert_eq (us_dstore_set (s_dstore, "QT.DAKRONG", "2022-07", "cdcs.new", "4", NULL,
                                 "ketoan"), 0, "%s", us_error_msg ());
    /* Hello, pull and the check, without the push: the draft stays. */
    us_sync_stats_t st;
    memset (&st, 0, sizeof st);
    us_sync_link_t *link = us_sync_link_new (us_dstore_server (s_dstore),
                                             us_dstore_server_key (s_dstore), &s_office_keys);
    cr_assert_not_null (link);
    cr_assert_eq (us_sync_hello (link, &st, s_dstore, &s_opts), 0, "%s", us_error_msg ());
    cr_assert_eq (us_sync_pull (link, &st, s_dstore, &s_opts), 0, "%s", us_error_msg ());
    cr_assert_eq (us_sync_verify (link, &st, s_dstore, &s_opts), 0, "%s", us_error_msg ());
    us_sync_link_destroy (&link);
    cr_assert_eq (st.repaired, 1, "only May is repaired");
    cr_assert_eq (st.repaired_months [0], M (2022, 5));
    bool has;
    int64_t v;
    cr_assert_eq (us_dstore_value (s_dstore, &has, &v, "QT.DAKRONG.TA", M (2022, 5),
                                   "members.new"), 0);
    cr_assert (has && v == 15, "May has the province's 15 back");
    cr_assert_eq (us_dstore_value (s_dstore, &has, &v, "QT.DAKRONG", M (2022, 7),
                                   "members.new"), 0);
    cr_assert (!has, "July, which holds a draft, is not repaired yet");
    /* The whole sync sends the draft; July then differs only by drift. */
    st = s_sync ();
    cr_assert_eq (st.pushed, 1);
    cr_assert_eq (st.repaired, 1);
    cr_assert_eq (st.repaired_months [0], M (2022, 7));
    us_digest_t *p = s_server_digest (), *o = s_office_digest ();
    cr_assert_arr_eq (us_digest_top (p), us_digest_top (o), 32, "all agree at the end");
    us_digest_destroy (&p);
    us_digest_destroy (&o);
    st = s_sync ();
    cr_assert (st.verified);
    cr_assert_eq (st.repaired, 0, "nothing left to repair");
}

/* Figures the store holds of units outside the office's subtree (the
   history of a unit the office was moved away from) are neither compared
   nor touched by a repair of their month. */
Test (digest_stores, outside_the_subtree_left_alone)
{
    s_sync ();
    s_damage ("INSERT INTO units (code, name, kind) VALUES ('QT.CU', 'LĐLĐ cũ', 'district')");
    s_damage ("INSERT INTO cells (unit_id, ind_id, month, value, version) SELECT u.id, i.id,"
              " 24268, 41, 3 FROM units u, indicators i WHERE u.code = 'QT.CU'"
              " AND i.code = 'members.new'");                                   /* 2022-05 */
    us_sync_stats_t st = s_sync ();
    cr_assert (st.verified);
    cr_assert_eq (st.repaired, 0, "a unit outside the subtree is not compared");
    s_damage ("UPDATE cells SET value = 1 WHERE month = 24268 AND unit_id ="
              " (SELECT id FROM units WHERE code = 'QT.DAKRONG.TA')");
    st = s_sync ();
    cr_assert_eq (st.repaired, 1, "May is repaired");
    bool has;
    int64_t v;
    cr_assert_eq (us_dstore_value (s_dstore, &has, &v, "QT.CU", M (2022, 5), "members.new"), 0);
    cr_assert (has && v == 41, "and the other unit's figure of May is still there");
}
