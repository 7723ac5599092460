/*  Unit tests for us_csv: the strict RFC 4180 reader. */
#include "us_csv.h"
#include "us_error.h"

#include "us_test.h"

/* Opens a reader over a string literal. */
static us_csv_t *
s_csv (const char *text)
{
    us_csv_t *csv = us_csv_new_text (text, strlen (text));
    cr_assert_not_null (csv, "%s", us_error_msg ());
    return csv;
}

/* Reads the next record and checks its fields and starting line. */
static void
s_expect (us_csv_t *csv, int line, size_t count, const char **expect)
{
    char **f;
    size_t n;
    int rc = us_csv_next (csv, &f, &n);
    cr_assert_eq (rc, 1, "expected a record at line %d: %s", line, us_error_msg ());
    cr_assert_eq (n, count, "field count at line %d", line);
    for (size_t i = 0; i < count; i++)
        cr_assert_str_eq (f [i], expect [i], "field %zu at line %d", i + 1, line);
    cr_assert_eq (us_csv_line (csv), line);
}

/* Reads the next record expecting the end of input. */
static void
s_expect_end (us_csv_t *csv)
{
    char **f;
    size_t n;
    cr_assert_eq (us_csv_next (csv, &f, &n), 0);
    cr_assert_eq (us_csv_next (csv, &f, &n), 0, "end must be stable");
}

/* Reads the next record expecting an error that names line. */
static void
s_expect_error (us_csv_t *csv, int line)
{
    char **f;
    size_t n;
    us_error_clear ();
    cr_assert_eq (us_csv_next (csv, &f, &n), US_EINVAL);
    char needle [32];
    snprintf (needle, sizeof needle, "line %d", line);
    cr_assert_not_null (strstr (us_error_msg (), needle),
                        "error '%s' should name %s", us_error_msg (), needle);
}

/* Plain records with their line numbers. */
Test (csv, plain)
{
    us_csv_t *csv = s_csv ("id,name,parent,kind\nQT,Quảng Trị,,province\n");
    s_expect (csv, 1, 4, (const char *[]) { "id", "name", "parent", "kind" });
    s_expect (csv, 2, 4, (const char *[]) { "QT", "Quảng Trị", "", "province" });
    s_expect_end (csv);
    us_csv_destroy (&csv);
    cr_assert_null (csv);
}

/* Quoted fields may hold commas, doubled quotes and be empty. */
Test (csv, quotes)
{
    us_csv_t *csv = s_csv ("\"a,b\",c\n\"say \"\"hi\"\"\",\"\"\n\"\"\"\"\n");
    s_expect (csv, 1, 2, (const char *[]) { "a,b", "c" });
    s_expect (csv, 2, 2, (const char *[]) { "say \"hi\"", "" });
    s_expect (csv, 3, 1, (const char *[]) { "\"" });
    s_expect_end (csv);
    us_csv_destroy (&csv);
}

/* Empty fields are kept in place. */
Test (csv, empty_fields)
{
    us_csv_t *csv = s_csv (",,\na,,b\n");
    s_expect (csv, 1, 3, (const char *[]) { "", "", "" });
    s_expect (csv, 2, 3, (const char *[]) { "a", "", "b" });
    s_expect_end (csv);
    us_csv_destroy (&csv);
}

/* CRLF line ends (as spreadsheets write them) leave no CR in fields. */
Test (csv, crlf)
{
    us_csv_t *csv = s_csv ("a,b\r\nc,\"d\"\r\n\r\ne,f\r\n");
    s_expect (csv, 1, 2, (const char *[]) { "a", "b" });
    s_expect (csv, 2, 2, (const char *[]) { "c", "d" });
    s_expect (csv, 4, 2, (const char *[]) { "e", "f" });
    s_expect_end (csv);
    us_csv_destroy (&csv);
}

/* A UTF-8 BOM is skipped and does not reach the first field. */
Test (csv, bom)
{
    us_csv_t *csv = s_csv ("\xEF\xBB\xBFid,name\nQT,x\n");
    s_expect (csv, 1, 2, (const char *[]) { "id", "name" });
    s_expect (csv, 2, 2, (const char *[]) { "QT", "x" });
    s_expect_end (csv);
    us_csv_destroy (&csv);

    csv = s_csv ("\xEF\xBB\xBF");
    s_expect_end (csv);
    us_csv_destroy (&csv);
}

/* Blank lines are skipped but still counted. */
Test (csv, blank_lines)
{
    us_csv_t *csv = s_csv ("\n\na\n\n\r\n\nb\n\n");
    s_expect (csv, 3, 1, (const char *[]) { "a" });
    s_expect (csv, 7, 1, (const char *[]) { "b" });
    s_expect_end (csv);
    us_csv_destroy (&csv);
}

/* A quoted field may span lines (RFC 4180); the next record's line number
   accounts for it. */
Test (csv, embedded_newline)
{
    const char *text = "\"Liên đoàn\nQuảng Trị\",z\nnext,1\n\"x\r\ny\",2\nlast,3\n";
    us_csv_t *csv = us_csv_new_text (text, strlen (text));
    cr_assert_not_null (csv);
    /* Collect everything first so a failure leaks nothing. */
    int rcs [5], lines [5];
    char first [5][32];
    for (int i = 0; i < 5; i++) {
        char **f;
        size_t n;
        rcs [i] = us_csv_next (csv, &f, &n);
        lines [i] = us_csv_line (csv);
        snprintf (first [i], sizeof first [i], "%s", rcs [i] == 1 ? f [0] : us_error_msg ());
    }
    us_csv_destroy (&csv);
    cr_assert_eq (rcs [0], 1, "a quoted line break was refused: %s", first [0]);
    cr_assert_str_eq (first [0], "Liên đoàn\nQuảng Trị");
    cr_assert_eq (lines [0], 1);
    cr_assert_eq (rcs [1], 1, "%s", first [1]);
    cr_assert_str_eq (first [1], "next");
    cr_assert_eq (lines [1], 3);
    cr_assert_eq (rcs [2], 1, "%s", first [2]);
    cr_assert_str_eq (first [2], "x\r\ny");
    cr_assert_eq (lines [2], 4);
    cr_assert_eq (rcs [3], 1, "%s", first [3]);
    cr_assert_str_eq (first [3], "last");
    cr_assert_eq (lines [3], 6);
    cr_assert_eq (rcs [4], 0);
}

/* The last record needs no final newline. */
Test (csv, no_final_newline)
{
    us_csv_t *csv = s_csv ("a,b\nc,d");
    s_expect (csv, 1, 2, (const char *[]) { "a", "b" });
    s_expect (csv, 2, 2, (const char *[]) { "c", "d" });
    s_expect_end (csv);
    us_csv_destroy (&csv);
}

/* Empty input has no records. */
Test (csv, empty_input)
{
    us_csv_t *csv = us_csv_new_text ("", 0);
    cr_assert_not_null (csv);
    s_expect_end (csv);
    us_csv_destroy (&csv);
    csv = s_csv ("\n\r\n\n");
    s_expect_end (csv);
    us_csv_destroy (&csv);
}

/* An unterminated quote is an error naming the line where it opened. */
Test (csv, unterminated_quote)
{
    us_csv_t *csv = s_csv ("a,b\n\"c,d\ne,f\n");
    s_expect (csv, 1, 2, (const char *[]) { "a", "b" });
    s_expect_error (csv, 2);
    us_csv_destroy (&csv);
}

/* A quote inside an unquoted field is a stray quote. */
Test (csv, stray_quote)
{
    us_csv_t *csv = s_csv ("ok\nab\"c,d\n");
    s_expect (csv, 1, 1, (const char *[]) { "ok" });
    s_expect_error (csv, 2);
    us_csv_destroy (&csv);
}

/* Text after a closing quote is refused. */
Test (csv, text_after_quote)
{
    us_csv_t *csv = s_csv ("\"ab\"c,d\n");
    s_expect_error (csv, 1);
    us_csv_destroy (&csv);
    csv = s_csv ("x\n\"ab\" ,d\n");
    s_expect (csv, 1, 1, (const char *[]) { "x" });
    s_expect_error (csv, 2);
    us_csv_destroy (&csv);
}

/* A second quoted section in one field is refused. */
Test (csv, double_quoted_section)
{
    us_csv_t *csv = s_csv ("\"a\"\"b\"\"\",ok\n\"a\" \"b\"\n");
    s_expect (csv, 1, 2, (const char *[]) { "a\"b\"", "ok" });
    s_expect_error (csv, 2);
    us_csv_destroy (&csv);
}

/* 32 fields are allowed; 33 are too many. */
Test (csv, too_many_fields)
{
    char text [256] = "";
    for (int i = 0; i < US_CSV_MAX_FIELDS; i++)
        strcat (text, i ? ",x" : "x");
    strcat (text, "\n");
    size_t len32 = strlen (text);
    for (int i = 0; i <= US_CSV_MAX_FIELDS; i++)
        strcat (text, i ? ",y" : "y");
    strcat (text, "\n");
    us_csv_t *csv = us_csv_new_text (text, strlen (text));
    char **f;
    size_t n;
    cr_assert_eq (us_csv_next (csv, &f, &n), 1);
    cr_assert_eq (n, US_CSV_MAX_FIELDS);
    cr_assert_gt (strlen (text), len32);
    s_expect_error (csv, 2);
    us_csv_destroy (&csv);
}

/* Invalid UTF-8 or control characters in a field name the line. */
Test (csv, invalid_utf8)
{
    us_csv_t *csv = s_csv ("ok,1\nbad\xC3(,2\n");
    s_expect (csv, 1, 2, (const char *[]) { "ok", "1" });
    s_expect_error (csv, 2);
    us_csv_destroy (&csv);

    csv = s_csv ("a\n\n\"q\xFF\"\n");
    s_expect (csv, 1, 1, (const char *[]) { "a" });
    s_expect_error (csv, 3);
    us_csv_destroy (&csv);

    csv = s_csv ("x,\x01\n");
    s_expect_error (csv, 1);
    us_csv_destroy (&csv);

    csv = s_csv ("x,\xED\xA0\x80\n");
    s_expect_error (csv, 1);
    us_csv_destroy (&csv);
}

/* Files are read whole; a missing file or one with a NUL byte is refused. */
Test (csv, files)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    us_test_write (us_test_path (path, sizeof path, dir, "ok.csv"), "a,b\r\n1,2\r\n");
    us_csv_t *csv = us_csv_new (path);
    cr_assert_not_null (csv, "%s", us_error_msg ());
    s_expect (csv, 1, 2, (const char *[]) { "a", "b" });
    s_expect (csv, 2, 2, (const char *[]) { "1", "2" });
    s_expect_end (csv);
    us_csv_destroy (&csv);

    char *data;
    size_t len;
    cr_assert_eq (us_csv_read_file (&data, &len, path), 0);
    cr_assert_eq (len, 10);
    cr_assert_str_eq (data, "a,b\r\n1,2\r\n");
    free (data);

    us_test_write_bytes (us_test_path (path, sizeof path, dir, "nul.csv"), "a,b\n\0,c\n", 8);
    data = (char *) 1;
    cr_assert_eq (us_csv_read_file (&data, &len, path), US_EINVAL);
    cr_assert_null (data);
    cr_assert_null (us_csv_new (path));

    us_test_path (path, sizeof path, dir, "missing.csv");
    us_error_clear ();
    cr_assert_null (us_csv_new (path));
    cr_assert_not_null (strstr (us_error_msg (), "missing.csv"));
    us_test_rmtree (dir);
}

/* A file bigger than one read buffer is read completely. */
Test (csv, large_file)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    us_test_path (path, sizeof path, dir, "big.csv");
    FILE *f = fopen (path, "w");
    for (int i = 0; i < 20000; i++)
        fprintf (f, "QT.DAKRONG,2022-%02d,members.new,%d\n", i % 12 + 1, i);
    fclose (f);
    us_csv_t *csv = us_csv_new (path);
    cr_assert_not_null (csv);
    char **fields;
    size_t n;
    int records = 0, rc;
    while ((rc = us_csv_next (csv, &fields, &n)) == 1) {
        cr_assert_eq (n, 4);
        records++;
    }
    cr_assert_eq (rc, 0);
    cr_assert_eq (records, 20000);
    cr_assert_eq (us_csv_line (csv), 20000);
    us_csv_destroy (&csv);
    us_test_rmtree (dir);
}

/* Destroy is safe on NULL. */
Test (csv, destroy_null)
{
    us_csv_t *csv = NULL;
    us_csv_destroy (&csv);
    us_csv_destroy (NULL);
    cr_assert_null (csv);
}
