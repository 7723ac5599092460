/*  Unit tests for us_import: sheets of figures into a real office store. */
#include "us_codec.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_import.h"
#include "us_keys.h"
#include "us_period.h"

#include "us_test.h"

static char s_dir [64];
static char s_path [128];
static us_dstore_t *s_store;

/* A store for QT.DAKRONG with the tree QT > QT.DAKRONG > QT.DAKRONG.CS1. */
static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (s_path, sizeof s_path, s_dir, "office.db");
    us_keys_t server;
    char token [US_TOKEN_MAX];
    cr_assert_eq (us_keys_generate (&server, false), 0);
    us_keys_token (token, sizeof token, &server);
    cr_assert_eq (us_dstore_create (&s_store, s_path, "QT.DAKRONG", "tcp://127.0.0.1:5555",
                                    token), 0, "%s", us_error_msg ());
    us_unit_def_t units [4] = {
        { "QT", "Liên đoàn Lao động tỉnh Quảng Trị", "", "province", "", "", "", "" },
        { "QT.DAKRONG", "LĐLĐ huyện Đakrông", "QT", "district", "", "", "", "" },
        { "QT.DAKRONG.CS1", "CĐCS Công ty Cao su", "QT.DAKRONG", "grassroots", "", "", "", "" },
        { "QT.HUONGHOA", "LĐLĐ huyện Hướng Hóa", "QT", "district", "", "", "", "" },
    };
    us_changes_t c = { .next = 1, .n_units = 4, .units = units };
    us_sync_stats_t stats = { 0 };
    cr_assert_eq (us_dstore_apply (s_store, &stats, &c), 0, "%s", us_error_msg ());
}

static void
s_teardown (void)
{
    us_dstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (import, .init = s_setup, .fini = s_teardown);

/* Writes exact bytes to a file in the test directory; returns its path. */
static const char *
s_file (const char *name, const char *bytes, size_t len)
{
    static char path [160];
    us_test_path (path, sizeof path, s_dir, name);
    us_test_write_bytes (path, bytes, len);
    return path;
}

#define FILE_OF(name, s) s_file (name, s, sizeof s - 1)

/* Runs a query about the store. */
static int64_t
s_int (const char *sql)
{
    return us_test_int (us_dstore_db (s_store), sql);
}

/* The value the outbox holds last for a figure: -1 cleared, -2 none. */
static int64_t
s_value (const char *unit, const char *month, const char *indicator)
{
    int m;
    cr_assert_eq (us_month_parse (&m, month), 0);
    char sql [300];
    snprintf (sql, sizeof sql,
              "SELECT COALESCE ((SELECT COALESCE (value, -1) FROM outbox WHERE unit = '%s'"
              " AND indicator = '%s' AND month = %d ORDER BY seq DESC LIMIT 1), -2)",
              unit, indicator, m);
    return s_int (sql);
}

/* Imports a file that must be accepted. */
static us_import_result_t
s_import_ok (const char *path, const us_import_opts_t *opts)
{
    us_import_result_t r;
    int rc = us_import_file (s_store, &r, path, opts);
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    return r;
}

/* Imports a file that must be refused with every needle in the message and
   nothing stored. */
static void
s_import_refused (const char *path, const us_import_opts_t *opts, const char **needles)
{
    int64_t before = s_int ("SELECT COUNT(*) FROM outbox");
    int64_t cells = s_int ("SELECT COUNT(*) FROM cells");
    us_import_result_t r;
    us_error_clear ();
    int rc = us_import_file (s_store, &r, path, opts);
    cr_assert_eq (rc, US_EINVAL, "should be refused: %s", us_error_msg ());
    cr_assert_eq (r.stored, 0);
    for (; *needles; needles++)
        cr_assert_not_null (strstr (us_error_msg (), *needles), "'%s' should contain '%s'",
                            us_error_msg (), *needles);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox"), before, "nothing stored");
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM cells"), cells, "nothing stored");
    cr_assert (sqlite3_get_autocommit (us_dstore_db (s_store)), "no transaction left open");
}

static const us_import_opts_t s_opts = { .author = "ketoan" };

/* The long layout as Vietnamese Excel saves it: Windows-1258 with tone marks
   combining, ';', CRLF, headings in another order and without marks in one,
   an indicator by its Vietnamese name, thousands with dots and spaces, a
   note, '-' clearing and trailing ;;;; rows. */
Test (import, long_cp1258)
{
    const char *path = FILE_OF ("long.csv",
        "Chi\xD2 ti\xEAu;Gia\xEC tri\xF2;\xD0\xF5n vi\xF2;THANG;Ghi chu\xEC\r\n"
        "Pha\xECt tri\xEA\xD2n \xF0oa\xCCn vi\xEAn m\xF5\xECi;1.234;QT.DAKRONG;2022-05;qu\xFD\xCC\r\n"
        "members.total;12 345;QT.DAKRONG.CS1;T5/2022;\r\n"
        "cdcs.new;-;QT.DAKRONG;Tha\xECng 6/2022;\r\n"
        ";;;;\r\n;;;;\r\n");
    us_import_result_t r = s_import_ok (path, &s_opts);
    cr_assert_eq (r.stored, 3);
    cr_assert_eq (r.cleared, 1);
    cr_assert_eq (r.skipped, 0);
    cr_assert_not (r.wide);
    cr_assert (r.guessed);
    cr_assert_str_eq (r.encoding, "Windows-1258");
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-05", "members.new"), 1234);
    cr_assert_eq (s_value ("QT.DAKRONG.CS1", "2022-05", "members.total"), 12345);
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-06", "cdcs.new"), -1);
    char note [64];
    cr_assert_str_eq (us_test_text (note, sizeof note, us_dstore_db (s_store),
                      "SELECT note FROM outbox WHERE seq = 1"), "quừ");
    cr_assert_str_eq (us_test_text (note, sizeof note, us_dstore_db (s_store),
                      "SELECT author FROM outbox WHERE seq = 1"), "ketoan");
}

/* The wide layout in UTF-16 (Excel's "Unicode text"): one column per month
   in every spelling, a unit column, name and last-year columns ignored,
   empty cells left alone. */
Test (import, wide_utf16)
{
    /* "Mã đơn vị\tTên chỉ tiêu\tChỉ tiêu\t2022-05\tT6/2022\tTháng 7/2022\t08/2022\tCùng kỳ 5/2021"
       then two rows, written as UTF-16LE below */
    const char *rows [] = {
        "Mã đơn vị\tTên chỉ tiêu\tChỉ tiêu\t2022-05\tT6/2022\tTháng 7/2022\t08/2022\tCùng kỳ 5/2021\r\n",
        "QT.DAKRONG\tPhát triển đoàn viên mới\tmembers.new\t10\t\t1.000\t-\t999\r\n",
        "QT.DAKRONG.CS1\t\tThành lập công đoàn cơ sở\t\t2\t\t\t7\r\n",
        "\t\t\t\t\t\t\t\r\n",
    };
    char bytes [2048];
    size_t n = 0;
    bytes [n++] = (char) 0xFF;
    bytes [n++] = (char) 0xFE;
    for (size_t i = 0; i < 4; i++)
        for (const unsigned char *p = (const unsigned char *) rows [i]; *p; ) {
            /* UTF-8 to UTF-16LE for the BMP characters used here */
            unsigned cp = *p < 0x80 ? *p++ : 0;
            if (!cp && (*p & 0xE0) == 0xC0) {
                cp = (unsigned) (p [0] & 0x1F) << 6 | (p [1] & 0x3F);
                p += 2;
            }
            else
            if (!cp) {
                cp = (unsigned) (p [0] & 0x0F) << 12 | (unsigned) (p [1] & 0x3F) << 6 | (p [2] & 0x3F);
                p += 3;
            }
            bytes [n++] = (char) (cp & 0xFF);
            bytes [n++] = (char) (cp >> 8);
        }
    const char *path = s_file ("wide.txt", bytes, n);
    us_import_result_t r = s_import_ok (path, &s_opts);
    cr_assert (r.wide);
    cr_assert_not (r.guessed);
    cr_assert_str_eq (r.encoding, "UTF-16LE");
    cr_assert_eq (r.stored, 4, "10, 1.000, '-' and 2");
    cr_assert_eq (r.cleared, 1);
    cr_assert_eq (r.skipped, 4);
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-05", "members.new"), 10);
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-06", "members.new"), -2, "empty: left alone");
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-07", "members.new"), 1000);
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-08", "members.new"), -1);
    cr_assert_eq (s_value ("QT.DAKRONG.CS1", "2022-06", "cdcs.new"), 2);
    cr_assert_eq (s_int ("SELECT COUNT(*) FROM outbox WHERE month < 2022 * 12"), 0,
                  "last year's column is not imported");
}

/* A wide sheet without a unit column takes --unit; --clear-empty clears
   empty cells. */
Test (import, wide_unit_option_clear_empty)
{
    const char *path = FILE_OF ("w.csv", "indicator,2022-01,2022-02\nmembers.new,5,\n");
    us_import_opts_t o = s_opts;
    const char *no_unit [] = { "w.csv line 1", "unit", NULL };
    s_import_refused (path, &o, no_unit);
    o.unit = "QT.DAKRONG.CS1";
    o.clear_empty = true;
    us_import_result_t r = s_import_ok (path, &o);
    cr_assert_eq (r.stored, 2);
    cr_assert_eq (r.cleared, 1);
    cr_assert_eq (r.skipped, 0);
    cr_assert_eq (s_value ("QT.DAKRONG.CS1", "2022-01", "members.new"), 5);
    cr_assert_eq (s_value ("QT.DAKRONG.CS1", "2022-02", "members.new"), -1);
}

/* The file format of old: no headings, unit,month,indicator,value[,note]. */
Test (import, headerless)
{
    const char *path = FILE_OF ("old.csv", "QT.DAKRONG,2022-01,members.new,7,ghi\n"
                                            "QT.DAKRONG,2022-02,members.new,8\n");
    us_import_result_t r = s_import_ok (path, &s_opts);
    cr_assert_eq (r.stored, 2);
    cr_assert_not (r.guessed, "ASCII is read as UTF-8");
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-02", "members.new"), 8);
}

/* The same figure twice is refused naming both lines, or both fields. */
Test (import, duplicates)
{
    const char *path = FILE_OF ("dup.csv",
        "unit;month;indicator;value\n"
        "QT.DAKRONG;2022-01;members.new;1\n"
        "QT.DAKRONG;2022-02;members.new;2\n"
        "QT.DAKRONG;01/2022;Phát triển đoàn viên mới;3\n");
    const char *long_dup [] = { "dup.csv line 4", "same figure as line 2",
                                "QT.DAKRONG 2022-01 members.new", NULL };
    s_import_refused (path, &s_opts, long_dup);

    path = FILE_OF ("dup2.csv", "unit;indicator;2022-01;T1/2022\nQT.DAKRONG;members.new;1;2\n");
    const char *wide_dup [] = { "dup2.csv line 2", "fields 3 and 4", NULL };
    s_import_refused (path, &s_opts, wide_dup);
}

/* Every kind of bad input names the file, line and field; nothing is stored. */
Test (import, refusals)
{
    struct {
        const char *text;
        const char *needles [4];
    } cases [] = {
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new;1\nQT.DAKRONG;2022-13;members.new;2\n",
          { "bad.csv line 3, field 2 (month)", "bad month '2022-13'" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new;1,5\n",
          { "line 2, field 4 (value)", "'1,5' is not a whole number" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new;12.34\n",
          { "line 2, field 4", "'12.34'" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new;1.234 567\n",
          { "line 2, field 4", "'1.234 567'" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;Không có chỉ tiêu này;1\n",
          { "line 2, field 3 (indicator)", "unknown indicator 'Không có chỉ tiêu này'" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;cla.coverage;1\n",
          { "bad.csv line 2", "ratio" } },
        { "unit;month;indicator;value\nQT.HUONGHOA;2022-01;members.new;1\n",
          { "bad.csv line 2", "outside this office" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new;-5\n",
          { "bad.csv line 2", "negative" } },
        { "đơn vị;tháng;chỉ tiêu;số tiền\n", { "bad.csv line 1, field 4", "unknown column heading 'số tiền'" } },
        { "unit;month;indicator\nQT.DAKRONG;2022-01;members.new\n", { "line 1", "no value" } },
        { "unit;month;value\nQT.DAKRONG;2022-01;1\n", { "line 1", "no indicator" } },
        { "unit;indicator;2022-01;value\n", { "line 1", "wide layout" } },
        { "unit;unit;month;indicator;value\n", { "line 1", "two columns" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new\n",
          { "bad.csv line 2", "the row ends before field 4" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new;1;extra\n",
          { "line 2, field 5", "beyond the last column" } },
        { "unit;month;indicator;value\n", { "bad.csv has no figures" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new;\n",
          { "no figures", "1 empty value left alone" } },
        { "", { "bad.csv has no rows" } },
        { "unit;month;indicator;value\nQT.DAKRONG;2022-01;members.new;1\n\"QT.DAKRONG;2022-02\n",
          { "bad.csv", "line 3", "not closed" } },
        { "PK\x03\x04zipped", { "bad.csv", "not an Excel workbook: the zip is damaged" } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        const char *path = s_file ("bad.csv", cases [i].text, strlen (cases [i].text));
        const char *needles [5] = { 0 };
        memcpy (needles, cases [i].needles, sizeof cases [i].needles);
        s_import_refused (path, &s_opts, needles);
    }
    us_import_opts_t o = s_opts;
    o.author = "";
    const char *author [] = { "author", NULL };
    s_import_refused (FILE_OF ("a.csv", "QT.DAKRONG,2022-01,members.new,7\n"), &o, author);
    const char *missing [] = { "/nonexistent/f.csv", NULL };
    s_import_refused ("/nonexistent/f.csv", &s_opts, missing);
}

/* A forced encoding overrides the guess. */
Test (import, forced_encoding)
{
    const char *path = FILE_OF ("e.csv", "unit;month;indicator;value;note\n"
                                         "QT.DAKRONG;2022-01;members.new;1;Caf\xE9 \xD0\n");
    us_import_opts_t o = s_opts;
    o.encoding = US_SHEET_CP1252;
    us_import_result_t r = s_import_ok (path, &o);
    cr_assert_not (r.guessed);
    cr_assert_str_eq (r.encoding, "Windows-1252");
    char note [32];
    cr_assert_str_eq (us_test_text (note, sizeof note, us_dstore_db (s_store),
                      "SELECT note FROM outbox WHERE seq = 1"), "Café Ð");
    o.encoding = US_SHEET_UTF8;
    const char *needles [] = { "e.csv", "line 2", "not valid UTF-8", NULL };
    s_import_refused (path, &o, needles);
}

/* Numbers as sheets write them. */
Test (import, numbers)
{
    char d [32];
    static const char *good [][2] = {
        { "0", "0" }, { "1234", "1234" }, { "1.234", "1234" }, { "1,234", "1234" },
        { "1 234", "1234" }, { "1\xC2\xA0" "234", "1234" }, { "1\xE2\x80\xAF" "234", "1234" },
        { "12.345.678", "12345678" }, { "-5", "-5" }, { "999", "999" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++) {
        cr_assert_eq (us_import_number (d, sizeof d, good [i][0]), 0, "'%s'", good [i][0]);
        cr_assert_str_eq (d, good [i][1]);
    }
    static const char *bad [] = { "", "-", "1.5", "1.23", "12.34", "1234.567", "1.234,567",
                                  "1.2345", ".123", "123.", "1..234", "abc", "1e3", "+5",
                                  "1 234.567", "123456789012345678901234" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        cr_assert_eq (us_import_number (d, sizeof d, bad [i]), US_EINVAL, "'%s'", bad [i]);
}

/* Months as sheets write them. */
Test (import, months)
{
    int m, expect = 2022 * 12 + 4;
    static const char *good [] = { "2022-05", "2022-5", "05/2022", "5/2022", "T5/2022",
                                   "t05/2022", "T.5/2022", "Tháng 5/2022", "THÁNG 05/2022",
                                   "tháng 5 năm 2022", "Thang 5-2022" };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++) {
        cr_assert_eq (us_import_month (&m, good [i]), 0, "'%s'", good [i]);
        cr_assert_eq (m, expect, "'%s'", good [i]);
    }
    static const char *bad [] = { "", "2022", "2022-13", "13/2022", "0/2022", "T5", "5/22",
                                  "Tháng", "2022-05-01", "May 2022", "1989-01" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        cr_assert_eq (us_import_month (&m, bad [i]), US_EINVAL, "'%s'", bad [i]);
}

/* A wide row without any figure (a section title) is skipped whole; with
   --clear-empty it must name a real indicator, since it clears figures. */
Test (import, wide_section_rows)
{
    const char *path = FILE_OF ("s.csv", "đơn vị;chỉ tiêu;T1/2022;T2/2022\r\n"
                                         ";I. CÔNG TÁC PHÁT TRIỂN ĐOÀN VIÊN;;\r\n"
                                         "QT.DAKRONG;members.new;3;4\r\n");
    us_import_result_t r = s_import_ok (path, &s_opts);
    cr_assert_eq (r.stored, 2);
    cr_assert_eq (r.skipped, 2);
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-02", "members.new"), 4);
    us_import_opts_t o = s_opts;
    o.clear_empty = true;
    o.unit = "QT.DAKRONG";
    const char *needles [] = { "s.csv line 2, field 2 (chỉ tiêu)", "unknown indicator", NULL };
    s_import_refused (path, &o, needles);
}

/* Totals and running totals beside the months are ignored. */
Test (import, wide_totals_ignored)
{
    const char *path = FILE_OF ("t.csv", "Đơn vị;Chỉ tiêu;Tháng 1/2022;Tháng 2/2022;Tổng cộng;"
                                         "Lũy kế từ đầu năm;Đơn vị tính\r\n"
                                         "QT.DAKRONG;members.new;3;4;7;7;người\r\n");
    us_import_result_t r = s_import_ok (path, &s_opts);
    cr_assert_eq (r.stored, 2);
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-01", "members.new"), 3);
}

/* Units by their name as well as by code, case and tone marks ignored. */
Test (import, units_by_name)
{
    const char *path = FILE_OF ("n.csv", "Đơn vị;Tháng;Chỉ tiêu;Số liệu\r\n"
                                         "LĐLĐ huyện Đakrông;2022-01;members.new;5\r\n"
                                         "cđcs cong ty cao su;2022-01;members.new;6\r\n");
    us_import_result_t r = s_import_ok (path, &s_opts);
    cr_assert_eq (r.stored, 2);
    cr_assert_eq (s_value ("QT.DAKRONG", "2022-01", "members.new"), 5);
    cr_assert_eq (s_value ("QT.DAKRONG.CS1", "2022-01", "members.new"), 6);
    path = FILE_OF ("n2.csv", "Đơn vị;Tháng;Chỉ tiêu;Số liệu\r\n"
                              "LĐLĐ huyện Hướng Hóa;2022-01;members.new;5\r\n");
    const char *needles [] = { "n2.csv line 2, field 1 (Đơn vị)",
                               "unknown unit 'LĐLĐ huyện Hướng Hóa'", NULL };
    s_import_refused (path, &s_opts, needles);
    path = FILE_OF ("n3.csv", "Chỉ tiêu;T1/2022\r\nmembers.new;5\r\n");
    us_import_opts_t o = s_opts;
    o.unit = "Không có đơn vị này";
    const char *option [] = { "n3.csv line 2: unknown unit 'Không có đơn vị này'", NULL };
    s_import_refused (path, &o, option);
}
