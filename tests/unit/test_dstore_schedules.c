/*  Unit tests for us_dstore_schedules: the province's schedules as an
    office keeps them, pulled in a real Changes page applied to a real
    office store. */
#include "us_codec.h"
#include "us_dstore.h"
#include "us_dstore_schedules.h"
#include "us_error.h"
#include "us_keys.h"

#include "us_test.h"

#include <stdlib.h>
#include <string.h>

static char s_dir [64];
static char s_path [128];
static us_dstore_t *s_store;

static void
s_setup (void)
{
    char token [US_TOKEN_MAX];
    us_keys_t server;
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (s_path, sizeof s_path, s_dir, "office.db");
    cr_assert_eq (us_keys_generate (&server, false), 0);
    us_keys_token (token, sizeof token, &server);
    cr_assert_eq (us_dstore_create (&s_store, s_path, "QT.DAKRONG", "tcp://127.0.0.1:5555",
                                    token), 0, "%s", us_error_msg ());
}

static void
s_teardown (void)
{
    us_dstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (dstore_schedules, .init = s_setup, .fini = s_teardown);

/* Applies a page of schedules (and its checkpoint) as a sync does. */
static int
s_pull (us_schedule_def_t *scheds, size_t n, uint64_t next)
{
    us_sync_stats_t stats = { 0 };
    us_changes_t c = { .next = next, .n_schedules = n, .schedules = scheds };
    return us_dstore_apply (s_store, &stats, &c);
}

/* Reads the schedule periods of kind overlapping period. */
static us_dstore_due_t *
s_due (size_t *n, bool *known, const char *kind, const char *period)
{
    us_period_t p;
    us_dstore_due_t *dues = NULL;
    cr_assert_eq (us_period_parse (&p, period), 0);
    cr_assert_eq (us_dstore_schedules_due (s_store, &dues, n, known, kind, &p), 0, "%s",
                  us_error_msg ());
    return dues;
}

/* Before any pull the office knows no schedule; a pulled set gives each
   period of the office's kind with its own deadline and indicators; a
   later set replaces it whole; a page without schedules keeps it. */
Test (dstore_schedules, pulled_set_replaces_the_last)
{
    size_t n;
    bool known = true;
    us_dstore_due_t *dues = s_due (&n, &known, "district", "2022-05");
    cr_assert_not (known);
    cr_assert_eq (n, 0);
    free (dues);

    us_schedule_def_t set [] = {
        { "monthly", "Số liệu hằng tháng", "month", "district sector", "members.new cdcs.new", "1:10" },
        { "quarterly", "Báo cáo quý", "quarter", "district", "training.classes", "0:25" },
        { "parks", "Báo cáo khu công nghiệp", "month", "park", "", "1:20" },
    };
    cr_assert_eq (s_pull (set, 3, 5), 0, "%s", us_error_msg ());
    dues = s_due (&n, &known, "district", "2022-05");
    cr_assert (known);
    cr_assert_eq (n, 2);
    cr_assert_str_eq (dues [0].code, "monthly");
    cr_assert_str_eq (dues [0].period.text, "2022-05");
    cr_assert_str_eq (dues [0].deadline, "10/6/2022");
    cr_assert (us_dstore_due_holds (&dues [0], "cdcs.new"));
    cr_assert_not (us_dstore_due_holds (&dues [0], "cdcs"));
    cr_assert_not (us_dstore_due_holds (&dues [0], "training.classes"));
    cr_assert_str_eq (dues [1].period.text, "2022-Q2");
    cr_assert_str_eq (dues [1].deadline, "25/6/2022");
    free (dues);
    dues = s_due (&n, &known, "district", "2022-H1");
    cr_assert_eq (n, 8, "six months and two quarters");
    free (dues);
    dues = s_due (&n, &known, "grassroots", "2022-05");
    cr_assert (known);
    cr_assert_eq (n, 0, "no schedule names grassroots unions");
    free (dues);
    dues = s_due (&n, &known, "park", "2022-05");
    cr_assert_eq (n, 1);
    cr_assert (us_dstore_due_holds (&dues [0], "anything.at.all"), "an empty list holds all");
    free (dues);

    cr_assert_eq (s_pull (NULL, 0, 6), 0, "a page without schedules");
    dues = s_due (&n, &known, "district", "2022-05");
    cr_assert_eq (n, 2, "a page without schedules keeps the set");
    free (dues);
    us_schedule_def_t later [] = {
        { "six-month", "Báo cáo sơ kết 6 tháng", "half", "district", "", "0:15" },
    };
    cr_assert_eq (s_pull (later, 1, 7), 0, "%s", us_error_msg ());
    dues = s_due (&n, &known, "district", "2022-05");
    cr_assert_eq (n, 1, "the new set replaces the old one whole");
    cr_assert_str_eq (dues [0].period.text, "2022-H1");
    cr_assert_str_eq (dues [0].deadline, "15/6/2022");
    free (dues);
}

/* A page with a bad schedule is refused whole, and nothing of it is kept. */
Test (dstore_schedules, bad_pages_refused)
{
    us_schedule_def_t good = { "monthly", "Số liệu hằng tháng", "month", "district", "", "1:20" };
    cr_assert_eq (s_pull (&good, 1, 3), 0, "%s", us_error_msg ());
    us_schedule_def_t bad [] = {
        { "weekly", "Tuần", "week", "district", "", "1:20" },
        { "m", "Tháng", "month", "district", "", "1:32" },
        { "m", "Tháng", "month", "district", "", "" },
        { "m", "Tháng", "month", "", "", "1:20" },
        { "m", "Tháng", "month", "district  sector", "", "1:20" },
        { "m", "Tháng", "month", "district", "members.new ", "1:20" },
        { "m", "Tháng", "month", "district", "a;b", "1:20" },
        { "bad code", "Tháng", "month", "district", "", "1:20" },
        { "m", "\xff\xfe", "month", "district", "", "1:20" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        us_schedule_def_t page [] = { good, bad [i] };
        page [0].code = "other";
        cr_assert_eq (s_pull (page, 2, 4 + i), US_EPROTO, "bad schedule %zu accepted", i);
        cr_assert_not_null (strstr (us_error_msg (), "schedule"), "%s", us_error_msg ());
        size_t n;
        bool known;
        us_dstore_due_t *dues = s_due (&n, &known, "district", "2022-05");
        cr_assert_eq (n, 1, "bad schedule %zu changed the set", i);
        cr_assert_str_eq (dues [0].code, "monthly");
        free (dues);
    }
}
