/*  Unit tests for us_pstore_events: restructuring the unit tree with an
    effective date in a real provincial store (dates, shares, merges,
    splits, moves, renames, ends, validity, the kept events). */
#include "us_db.h"
#include "us_error.h"
#include "us_period.h"
#include "us_pstore.h"
#include "us_pstore_events.h"
#include "us_pstore_sql.h"

#include "us_test.h"
#include "us_test_province.h"

#define UNITS_CSV \
    "id,name,parent,kind,valid_from\n" \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province,\n" \
    "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district,\n" \
    "QT.HUONGHOA,LĐLĐ huyện Hướng Hóa,QT,district,\n" \
    "QT.DAKRONG.CS1,CĐCS Công ty Cao su,QT.DAKRONG,grassroots,\n" \
    "QT.X.KHESANH,Công đoàn xã Khe Sanh,QT,commune,2025-07\n" \
    "QT.X.LAOBAO,Công đoàn xã Lao Bảo,QT,commune,2025-07\n" \
    "QT.KCN,Công đoàn các khu công nghiệp,QT,park,2025-07\n"

static char s_dir [64];
static us_pstore_t *s_store;
static int s_july;

/* Creates the store with the units. */
static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    int count = us_test_province (&s_store, s_dir, UNITS_CSV);
    cr_assert_eq (count, 7, "commune and park units are accepted");
    cr_assert_eq (us_month_parse (&s_july, "2025-07"), 0);
}

/* Closes and removes the store. */
static void
s_teardown (void)
{
    us_pstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (pstore_events, .init = s_setup, .fini = s_teardown);

/* Returns one integer of a query. */
static int64_t
s_int (const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq (us_db_prepare (&st, us_pstore_db (s_store), sql), 0);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64 (st, 0);
    sqlite3_finalize (st);
    return v;
}

/* Returns one text of a query (a static buffer). */
static const char *
s_text (const char *sql)
{
    static char buf [512];
    sqlite3_stmt *st;
    cr_assert_eq (us_db_prepare (&st, us_pstore_db (s_store), sql), 0);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    snprintf (buf, sizeof buf, "%s", us_db_text (st, 0));
    sqlite3_finalize (st);
    return buf;
}

/* Runs fn-like code in a transaction and returns its result, rolled back
   on failure. */
#define S_TX(expr) ({ cr_assert_eq (us_pstore_begin (s_store), 0); int rc_ = (expr); \
    if (rc_) us_pstore_rollback (s_store); else cr_assert_eq (us_pstore_commit (s_store), 0); rc_; })

/* Dates take effect on the first of a month. */
Test (pstore_events, dates)
{
    int m;
    cr_assert_eq (us_pstore_event_month (&m, "2025-07-01"), 0);
    cr_assert_eq (m, s_july);
    cr_assert_eq (us_pstore_event_month (&m, "2025-07"), 0);
    cr_assert_eq (m, s_july);
    cr_assert_eq (us_pstore_event_month (&m, "2025-07-15"), US_EINVAL);
    cr_assert_eq (us_pstore_event_month (&m, "2025-13-01"), US_EINVAL);
    cr_assert_eq (us_pstore_event_month (&m, ""), US_EINVAL);
    cr_assert_eq (us_pstore_event_month (&m, NULL), US_EINVAL);
}

/* Shares are exact decimals that sum to exactly 1. */
Test (pstore_events, shares)
{
    us_pstore_share_t sh [US_MAX_SHARES];
    size_t n;
    cr_assert_eq (us_pstore_shares_parse (sh, &n, US_MAX_SHARES, "A=0.35,B=0.65"), 0);
    cr_assert_eq (n, 2);
    cr_assert_eq (sh [0].ppm, 350000);
    cr_assert_eq (sh [1].ppm, 650000);
    cr_assert_str_eq (sh [1].text, "0.65");
    cr_assert_eq (us_pstore_shares_parse (sh, &n, US_MAX_SHARES, "A=0.333333,B=0.333333,C=0.333334"), 0);
    static const char *bad [] = { "A=0.5,B=0.6", "A=0.5", "A=0.5,A=0.5", "A=0.5,B=", "A=0.5,B=.5",
                                  "A=0.5,B=0.5000001", "A=1.5,B=-0.5", "A=0,B=1", "A=0.5,B=0.5x",
                                  "=0.5,B=0.5", "A 1=0.5,B=0.5", "A=0.5;B=0.5", "" };
    for (size_t k = 0; k < sizeof bad / sizeof bad [0]; k++)
        cr_assert_eq (us_pstore_shares_parse (sh, &n, US_MAX_SHARES, bad [k]), US_EINVAL, "%s", bad [k]);
    cr_assert_eq (us_pstore_shares_parse (sh, &n, 2, "A=0.25,B=0.25,C=0.5"), US_EINVAL, "too many");
}

/* A merge ends the old unit, names its successor, moves its units, and is
   kept; the old unit's validity refuses later months with the successor. */
Test (pstore_events, merge)
{
    cr_assert_eq (S_TX (us_pstore_unit_merge (s_store, "QT.DAKRONG", "QT.X.KHESANH", s_july)), 0,
                  "%s", us_error_msg ());
    cr_assert_str_eq (s_text ("SELECT valid_to || ' ' || successor FROM units WHERE code = 'QT.DAKRONG'"),
                      "2025-06 QT.X.KHESANH");
    cr_assert_str_eq (s_text ("SELECT p.code FROM units u JOIN units p ON p.id = u.parent_id"
                              " WHERE u.code = 'QT.DAKRONG.CS1'"), "QT.X.KHESANH");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM unit_events WHERE kind = 'move'"), 1);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM unit_events WHERE kind = 'merge'"), 1);
    int64_t id;
    cr_assert_eq (us_pstore_unit_id (s_store, &id, "QT.DAKRONG"), 0);
    char why [256];
    cr_assert_eq (us_pstore_unit_validity (s_store, why, sizeof why, id, s_july), 0);
    cr_assert (strstr (why, "successor is QT.X.KHESANH (Công đoàn xã Khe Sanh)"), "%s", why);
    cr_assert_eq (us_pstore_unit_validity (s_store, why, sizeof why, id, s_july - 1), 0);
    cr_assert_str_eq (why, "", "a late figure for June is accepted");
    cr_assert_eq (us_pstore_unit_id (s_store, &id, "QT.X.KHESANH"), 0);
    cr_assert_eq (us_pstore_unit_validity (s_store, why, sizeof why, id, s_july - 1), 0);
    cr_assert (strstr (why, "starts only in 2025-07"), "%s", why);
    /* Ended once: a second merge is refused and changes nothing. */
    int64_t events = s_int ("SELECT COUNT(*) FROM unit_events");
    cr_assert_eq (S_TX (us_pstore_unit_merge (s_store, "QT.DAKRONG", "QT.X.LAOBAO", s_july + 1)), US_EINVAL);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM unit_events"), events);
    cr_assert_neq (sqlite3_exec (us_pstore_db (s_store), "DELETE FROM unit_events", NULL, NULL, NULL),
                   SQLITE_OK, "events are kept");
}

/* A split needs shares of units in force and no units left under it;
   per-indicator shares come after the general split. */
Test (pstore_events, split)
{
    us_pstore_share_t sh [US_MAX_SHARES];
    size_t n;
    cr_assert_eq (us_pstore_shares_parse (sh, &n, US_MAX_SHARES, "QT.X.KHESANH=0.6,QT.X.LAOBAO=0.4"), 0);
    cr_assert_eq (S_TX (us_pstore_unit_split (s_store, "QT.DAKRONG", sh, n, "", s_july)), US_EINVAL,
                  "QT.DAKRONG.CS1 is still under it");
    cr_assert (strstr (us_error_msg (), "QT.DAKRONG.CS1"));
    cr_assert_eq (S_TX (us_pstore_unit_split (s_store, "QT.HUONGHOA", sh, n, "members.new", s_july)),
                  US_EINVAL, "per-indicator shares before the split");
    cr_assert_eq (S_TX (us_pstore_unit_split (s_store, "QT.HUONGHOA", sh, n, "", s_july - 1)),
                  US_EINVAL, "successors that start later");
    cr_assert_eq (S_TX (us_pstore_unit_split (s_store, "QT.HUONGHOA", sh, n, "", s_july)), 0,
                  "%s", us_error_msg ());
    cr_assert_str_eq (s_text ("SELECT successor FROM units WHERE code = 'QT.HUONGHOA'"),
                      "QT.X.KHESANH=0.6,QT.X.LAOBAO=0.4");
    cr_assert_eq (us_pstore_shares_parse (sh, &n, US_MAX_SHARES, "QT.X.KHESANH=0.7,QT.X.LAOBAO=0.3"), 0);
    cr_assert_eq (S_TX (us_pstore_unit_split (s_store, "QT.HUONGHOA", sh, n, "members.new", s_july)), 0,
                  "%s", us_error_msg ());
    cr_assert_eq (S_TX (us_pstore_unit_split (s_store, "QT.HUONGHOA", sh, n, "no.such", s_july)), US_EINVAL);
    cr_assert_eq (s_int ("SELECT SUM (share_ppm) FROM unit_events WHERE kind = 'split' AND indicator = ''"),
                  US_SHARE_ONE);
    cr_assert_eq (s_int ("SELECT SUM (share_ppm) FROM unit_events WHERE indicator = 'members.new'"),
                  US_SHARE_ONE);
    cr_assert_eq (S_TX (us_pstore_unit_split (s_store, "QT.HUONGHOA", sh, n, "members.new", s_july)),
                  US_EINVAL, "one set of shares per indicator");
    cr_assert (strstr (us_error_msg (), "already has shares"), "%s", us_error_msg ());
    cr_assert_eq (s_int ("SELECT SUM (share_ppm) FROM unit_events WHERE indicator = 'members.new'"),
                  US_SHARE_ONE, "the second set was not recorded");
    /* The split unit and its successors go out to the offices again, with
       the shares per indicator. */
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM changelog cl JOIN units u ON u.id = cl.ref"
                         " WHERE cl.kind = 1 AND cl.seq > (SELECT seq FROM changelog c2"
                         " JOIN units u2 ON u2.id = c2.ref WHERE c2.kind = 1"
                         " AND u2.code = 'QT.KCN') AND u.code IN ('QT.HUONGHOA',"
                         " 'QT.X.KHESANH', 'QT.X.LAOBAO')"), 3);
}

/* Moves, renames and ends are checked and kept with what they changed. */
Test (pstore_events, move_rename_end)
{
    cr_assert_eq (S_TX (us_pstore_unit_move (s_store, "QT.DAKRONG.CS1", "QT.KCN", s_july)), 0,
                  "%s", us_error_msg ());
    cr_assert_str_eq (s_text ("SELECT before || '>' || after FROM unit_events WHERE kind = 'move'"),
                      "QT.DAKRONG>QT.KCN");
    cr_assert_eq (S_TX (us_pstore_unit_move (s_store, "QT.DAKRONG.CS1", "QT.KCN", s_july)), US_EINVAL,
                  "already there");
    cr_assert_eq (S_TX (us_pstore_unit_move (s_store, "QT.KCN", "QT.DAKRONG.CS1", s_july)), US_EINVAL,
                  "a cycle");
    cr_assert_eq (S_TX (us_pstore_unit_move (s_store, "QT", "QT.KCN", s_july)), US_EINVAL);
    cr_assert_eq (S_TX (us_pstore_unit_rename (s_store, "QT.KCN", "Công đoàn Khu kinh tế", s_july)), 0);
    cr_assert_str_eq (s_text ("SELECT name FROM units WHERE code = 'QT.KCN'"), "Công đoàn Khu kinh tế");
    cr_assert_str_eq (s_text ("SELECT before FROM unit_events WHERE kind = 'rename'"),
                      "Công đoàn các khu công nghiệp");
    cr_assert_eq (S_TX (us_pstore_unit_rename (s_store, "QT.KCN", "", s_july)), US_EINVAL);
    cr_assert_eq (S_TX (us_pstore_unit_rename (s_store, "QT.KCN", "a\nb", s_july)), US_EINVAL);
    cr_assert_eq (S_TX (us_pstore_unit_end (s_store, "QT", s_july)), US_EINVAL, "the province");
    cr_assert_eq (S_TX (us_pstore_unit_end (s_store, "QT.HUONGHOA", s_july)), 0);
    cr_assert_str_eq (s_text ("SELECT valid_to || '|' || successor FROM units WHERE code = 'QT.HUONGHOA'"),
                      "2025-06|");
    cr_assert_eq (S_TX (us_pstore_unit_end (s_store, "QT.NOWHERE", s_july)), US_EINVAL);
    /* Outside a transaction nothing is written. */
    cr_assert_eq (us_pstore_unit_end (s_store, "QT.KCN", s_july + 1), US_EIO);
    cr_assert_str_eq (s_text ("SELECT valid_to FROM units WHERE code = 'QT.KCN'"), "");
}

/* The tree of a month lists the units in force then. */
Test (pstore_events, tree_print)
{
    cr_assert_eq (S_TX (us_pstore_unit_merge (s_store, "QT.DAKRONG", "QT.X.KHESANH", s_july)), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&text, &len);
    cr_assert_eq (us_pstore_tree_print (s_store, f, s_july - 1), 0);
    cr_assert_eq (us_pstore_tree_print (s_store, f, s_july), 0);
    fclose (f);
    const char *after = strstr (text, "units in 2025-07:");
    cr_assert_not_null (after);
    cr_assert (strstr (text, "QT.DAKRONG ") < after, "Đakrông before the change");
    cr_assert_null (strstr (after, "QT.DAKRONG "), "not after");
    cr_assert_not_null (strstr (after, "    QT.DAKRONG.CS1"), "its union under the commune");
    free (text);
}
