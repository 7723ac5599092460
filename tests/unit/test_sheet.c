/*  Unit tests for us_sheet: the encodings and separators Excel writes. */
#include "us_error.h"
#include "us_sheet.h"

#include "us_test.h"

/* Opens a sheet over exact bytes (len may include NULs). */
static us_sheet_t *
s_sheet (const char *bytes, size_t len, us_sheet_encoding_t enc)
{
    us_sheet_t *sheet = us_sheet_new (bytes, len, enc);
    cr_assert_not_null (sheet, "%s", us_error_msg ());
    return sheet;
}

/* Reads the next row and checks its fields and starting line. */
static void
s_expect (us_sheet_t *sheet, int line, size_t count, const char **expect)
{
    char **f;
    size_t n;
    int rc = us_sheet_next (sheet, &f, &n);
    cr_assert_eq (rc, 1, "expected a row at line %d: %s", line, us_error_msg ());
    cr_assert_eq (us_sheet_line (sheet), line, "row line");
    cr_assert_eq (n, count, "field count at line %d: %zu", line, n);
    for (size_t i = 0; i < count; i++)
        cr_assert_str_eq (f [i], expect [i], "field %zu at line %d", i + 1, line);
}

/* Expects the end of the rows, twice. */
static void
s_expect_end (us_sheet_t *sheet)
{
    char **f;
    size_t n;
    cr_assert_eq (us_sheet_next (sheet, &f, &n), 0, "end expected: %s", us_error_msg ());
    cr_assert_eq (us_sheet_next (sheet, &f, &n), 0, "end must be stable");
}

/* Expects the sheet to be refused with a message containing needle. */
static void
s_refused (const char *bytes, size_t len, us_sheet_encoding_t enc, const char *needle)
{
    us_error_clear ();
    us_sheet_t *sheet = us_sheet_new (bytes, len, enc);
    cr_assert_null (sheet, "should be refused: %s", needle);
    cr_assert_not_null (strstr (us_error_msg (), needle), "'%s' should contain '%s'",
                        us_error_msg (), needle);
}

#define B(s) s, sizeof s - 1

/* Windows-1258 as Vietnamese Excel saves "CSV": ';', CRLF, tone marks as
   combining characters after the letter (0xF2 dot below, 0xCC grave,
   0xD2 hook above, 0xEC acute, 0xDE tilde), precomposed letters (0xEA ê,
   0xD0 Đ, 0xFD ư, 0xF5 ơ), and the empty rows Excel leaves at the end. */
Test (sheet, cp1258_combining_tone_marks)
{
    us_sheet_t *s = s_sheet (B (
        "\xD0\xF5n vi\xF2;Tha\xECng;Chi\xD2 ti\xEAu;Gia\xEC tri\xF2\r\n"
        "QT.TRIEUPHONG;2022-05;Tri\xEA\xF2u Phong;12\r\n"
        "QT.DONGHA;2022-05;\xD0\xF4ng Ha\xCC, Qua\xD2ng Tri\xF2;1.234\r\n"
        "QT.HUONGHOA;2022-05;H\xFD\xF5\xECng Ho\xEC" "a - Nga\xDE ba;x\r\n"
        ";;;\r\n;;;\r\n"), US_SHEET_AUTO);
    cr_assert_str_eq (us_sheet_encoding_name (s), "Windows-1258");
    cr_assert (us_sheet_guessed (s));
    cr_assert_eq (us_sheet_separator (s), ';');
    s_expect (s, 1, 4, (const char *[]) { "Đơn vị", "Tháng", "Chỉ tiêu", "Giá trị" });
    s_expect (s, 2, 4, (const char *[]) { "QT.TRIEUPHONG", "2022-05", "Triệu Phong", "12" });
    s_expect (s, 3, 4, (const char *[]) { "QT.DONGHA", "2022-05", "Đông Hà, Quảng Trị", "1.234" });
    s_expect (s, 4, 4, (const char *[]) { "QT.HUONGHOA", "2022-05", "Hướng Hóa - Ngã ba", "x" });
    s_expect_end (s);
    us_sheet_destroy (&s);
    cr_assert_null (s);
    us_sheet_destroy (&s);
}

/* The composed text is NFC: each toned letter is one code point. */
Test (sheet, cp1258_is_nfc)
{
    us_sheet_t *s = s_sheet (B ("a\xCC,e\xEC,\xEA\xF2,\xF5\xDE,\xFD\xD2,y\xF2,A\xCC,\xC3\xEC,u\xCC\xCC\n"),
                             US_SHEET_CP1258);
    cr_assert_not (us_sheet_guessed (s), "a chosen encoding is not a guess");
    s_expect (s, 1, 9, (const char *[]) {
        "\xC3\xA0", "\xC3\xA9", "\xE1\xBB\x87", "\xE1\xBB\xA1", "\xE1\xBB\xAD", "\xE1\xBB\xB5",
        "\xC3\x80", "\xE1\xBA\xAE",
        "\xC3\xB9\xCC\x80",     /* a second tone mark stays combining */
    });
    us_sheet_destroy (&s);
}

/* Decomposed UTF-8 (NFD, dot below before the circumflex) is composed too. */
Test (sheet, utf8_nfd_composed)
{
    us_sheet_t *s = s_sheet (B ("Tri" "e\xCC\xA3\xCC\x82" "u,Ho" "\xCC\x81" "a,o\xCC\x9B\xCC\x81\n"),
                             US_SHEET_AUTO);
    cr_assert_str_eq (us_sheet_encoding_name (s), "UTF-8");
    cr_assert_not (us_sheet_guessed (s));
    s_expect (s, 1, 3, (const char *[]) { "Triệu", "Hóa", "ớ" });
    us_sheet_destroy (&s);
}

/* Excel's "Unicode text": UTF-16 LE with a BOM, tab separated, CRLF. */
Test (sheet, utf16le_bom_tabs)
{
    static const char bytes [] =
        "\xFF\xFE"
        "u\0n\0i\0t\0\t\0t\0h\0\xE1\0n\0g\0\r\0\n\0"
        "Q\0T\0\t\0\x10\x01\xF4\0n\0g\0 \0H\0" "a\0\x00\x03\r\0\n\0"
        "\t\0\r\0\n\0"
        "\"\0a\0\t\0b\0\"\0\t\0\x3D\xD8\x00\xDE\r\0\n\0";
    us_sheet_t *s = s_sheet (bytes, sizeof bytes - 1, US_SHEET_AUTO);
    cr_assert_str_eq (us_sheet_encoding_name (s), "UTF-16LE");
    cr_assert_not (us_sheet_guessed (s));
    cr_assert_eq (us_sheet_separator (s), '\t');
    s_expect (s, 1, 2, (const char *[]) { "unit", "tháng" });
    s_expect (s, 2, 2, (const char *[]) { "QT", "Đông Hà" });
    s_expect (s, 4, 2, (const char *[]) { "a\tb", "\xF0\x9F\x98\x80" });
    s_expect_end (s);
    us_sheet_destroy (&s);
}

/* UTF-16 BE with a BOM. */
Test (sheet, utf16be_bom)
{
    static const char bytes [] = "\xFE\xFF\0a\0;\0\xE1\0\n\0\x31\0;\0\x32";
    us_sheet_t *s = s_sheet (bytes, sizeof bytes - 1, US_SHEET_AUTO);
    cr_assert_str_eq (us_sheet_encoding_name (s), "UTF-16BE");
    s_expect (s, 1, 2, (const char *[]) { "a", "á" });
    s_expect (s, 2, 2, (const char *[]) { "1", "2" });
    s_expect_end (s);
    us_sheet_destroy (&s);
}

/* "CSV UTF-8": a BOM, ';', CRLF, quoted fields with separators, quotes and
   line breaks, blank lines and separator-only rows anywhere. */
Test (sheet, utf8_bom_semicolon_quotes)
{
    us_sheet_t *s = s_sheet (B (
        "\xEF\xBB\xBF" "đơn vị;tháng;chỉ tiêu;giá trị;ghi chú\r\n"
        "\r\n"
        ";;;;\r\n"
        "QT.A;2022-05;members.new;1 234;\"a; b\"\r\n"
        "QT.A;2022-06;members.new;5;\"he said \"\"hi\"\"\r\nnext line\"\r\n"
        "  ;\xC2\xA0;;;\r\n"
        "QT.A;2022-07;members.new;;\r\n"
        ";;;;\r\n;;;;\r\n"), US_SHEET_AUTO);
    cr_assert_str_eq (us_sheet_encoding_name (s), "UTF-8");
    cr_assert_not (us_sheet_guessed (s));
    cr_assert_eq (us_sheet_separator (s), ';');
    s_expect (s, 1, 5, (const char *[]) { "đơn vị", "tháng", "chỉ tiêu", "giá trị", "ghi chú" });
    s_expect (s, 4, 5, (const char *[]) { "QT.A", "2022-05", "members.new", "1 234", "a; b" });
    s_expect (s, 5, 5, (const char *[]) { "QT.A", "2022-06", "members.new", "5",
                                          "he said \"hi\"\nnext line" });
    s_expect (s, 8, 5, (const char *[]) { "QT.A", "2022-07", "members.new", "", "" });
    s_expect_end (s);
    us_sheet_destroy (&s);
}

/* Commas with LF or CR line ends and no final line end; a "sep=" line. */
Test (sheet, comma_lf_cr)
{
    us_sheet_t *s = s_sheet (B ("a,b\n1,2\r3,\"4,5\""), US_SHEET_AUTO);
    cr_assert_eq (us_sheet_separator (s), ',');
    s_expect (s, 1, 2, (const char *[]) { "a", "b" });
    s_expect (s, 2, 2, (const char *[]) { "1", "2" });
    s_expect (s, 3, 2, (const char *[]) { "3", "4,5" });
    s_expect_end (s);
    us_sheet_destroy (&s);

    s = s_sheet (B ("sep=;\r\na,b;c\r\n"), US_SHEET_AUTO);
    cr_assert_eq (us_sheet_separator (s), ';');
    s_expect (s, 2, 2, (const char *[]) { "a,b", "c" });
    s_expect_end (s);
    us_sheet_destroy (&s);

    /* the separator of the first row that has one, outside quotes */
    s = s_sheet (B ("\n\"x;y;z\",1,2\n"), US_SHEET_AUTO);
    cr_assert_eq (us_sheet_separator (s), ',');
    us_sheet_destroy (&s);
    s = s_sheet (B ("only\n"), US_SHEET_AUTO);
    s_expect (s, 1, 1, (const char *[]) { "only" });
    s_expect_end (s);
    us_sheet_destroy (&s);
    s = s_sheet (B (""), US_SHEET_AUTO);
    s_expect_end (s);
    us_sheet_destroy (&s);
}

/* Windows-1252 when asked: the bytes where it differs from 1258. */
Test (sheet, cp1252_forced)
{
    us_sheet_t *s = s_sheet (B ("Caf\xE9;\xD0\xF0\xC3\x8A\n"), US_SHEET_CP1252);
    cr_assert_str_eq (us_sheet_encoding_name (s), "Windows-1252");
    s_expect (s, 1, 2, (const char *[]) { "Café", "ÐðÃŠ" });
    us_sheet_destroy (&s);
    s = s_sheet (B ("Caf\xE9;\xD0\xF0\xC3\n"), US_SHEET_CP1258);
    s_expect (s, 1, 2, (const char *[]) { "Café", "ĐđĂ" });
    us_sheet_destroy (&s);
    /* a UTF-8 file read as UTF-8 when asked, its BOM dropped */
    s = s_sheet (B ("\xEF\xBB\xBFx;\xC4\x91\n"), US_SHEET_UTF8);
    s_expect (s, 1, 2, (const char *[]) { "x", "đ" });
    us_sheet_destroy (&s);
}

/* What cannot be read is refused, naming the line. */
Test (sheet, refused)
{
    s_refused (B ("a;b\nc;\xC4\n"), US_SHEET_UTF8, "line 2: not valid UTF-8 (byte 0xC4)");
    s_refused (B ("a;b\n\n\x81;x\n"), US_SHEET_CP1258, "line 3: byte 0x81 is not Windows-1258");
    s_refused (B ("a;b\n\x81\n"), US_SHEET_CP1252, "byte 0x81 is not Windows-1252");
    s_refused (B ("a;b\nc\x01;d\n"), US_SHEET_AUTO, "line 2: control character U+0001");
    s_refused ("a\0b\n", 4, US_SHEET_AUTO, "control character U+0000");
    s_refused (B ("PK\x03\x04\x14\0\0\0"), US_SHEET_AUTO, "Excel workbook (.xlsx)");
    s_refused (B ("\xD0\xCF\x11\xE0\xA1\xB1"), US_SHEET_AUTO, "(.xls)");
    s_refused (B ("\xFF\xFE" "a\0b"), US_SHEET_AUTO, "odd number of bytes");
    s_refused (B ("\xFF\xFE" "a\0\x00\xDC"), US_SHEET_AUTO, "lone surrogate");
    s_refused (B ("\xFF\xFE\x00\xD8" "a\0"), US_SHEET_AUTO, "lone surrogate");
    s_refused (B ("\xED\xA0\x80"), US_SHEET_UTF8, "not valid UTF-8");
    /* mostly UTF-8 with one stray byte: named, not read as Windows-1258 */
    s_refused (B ("Đông Hà;Quảng Trị\nHải Lăng;\xC4\n"), US_SHEET_AUTO,
               "line 2: not valid UTF-8 (byte 0xC4); try --encoding cp1258");
    s_refused (B ("\xC0\xAF"), US_SHEET_UTF8, "not valid UTF-8");
}

/* Row errors: an open quote, text after a closing quote, limits. */
Test (sheet, row_errors)
{
    char **f;
    size_t n;
    us_sheet_t *s = s_sheet (B ("a,b\n1,\"2\n3,4\n"), US_SHEET_AUTO);
    s_expect (s, 1, 2, (const char *[]) { "a", "b" });
    cr_assert_eq (us_sheet_next (s, &f, &n), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "line 2: a quoted field is not closed"),
                        "%s", us_error_msg ());
    us_sheet_destroy (&s);

    s = s_sheet (B ("a,b\n\"1\"x,2\n"), US_SHEET_AUTO);
    s_expect (s, 1, 2, (const char *[]) { "a", "b" });
    cr_assert_eq (us_sheet_next (s, &f, &n), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "line 2: text after the closing quote"),
                        "%s", us_error_msg ());
    us_sheet_destroy (&s);

    size_t len = US_SHEET_MAX_FIELD + 16;
    char *big = malloc (len + 1);
    memset (big, 'x', len);
    memcpy (big, "a\n", 2);
    big [len] = 0;
    s = s_sheet (big, len, US_SHEET_AUTO);
    s_expect (s, 1, 1, (const char *[]) { "a" });
    cr_assert_eq (us_sheet_next (s, &f, &n), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "line 2: a field longer than"), "%s",
                        us_error_msg ());
    us_sheet_destroy (&s);
    free (big);

    len = US_SHEET_MAX_FIELDS + 8;
    char *wide = malloc (len + 1);
    memset (wide, ';', len);
    wide [0] = 'x';
    wide [len] = 0;
    s = s_sheet (wide, len, US_SHEET_AUTO);
    cr_assert_eq (us_sheet_next (s, &f, &n), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "more than 512 fields"), "%s", us_error_msg ());
    us_sheet_destroy (&s);
    free (wide);
}

/* Files: a missing one, a directory, and a real file with its name in errors. */
Test (sheet, files)
{
    char dir [64], path [128];
    us_test_tmpdir (dir, sizeof dir);
    us_error_clear ();
    cr_assert_null (us_sheet_open ("/nonexistent/x.csv", US_SHEET_AUTO));
    cr_assert_not_null (strstr (us_error_msg (), "/nonexistent/x.csv"));
    cr_assert_null (us_sheet_open (dir, US_SHEET_AUTO));
    cr_assert_not_null (strstr (us_error_msg (), "not a regular file"), "%s", us_error_msg ());
    us_test_path (path, sizeof path, dir, "f.csv");
    us_test_write_bytes (path, "x;\xFF\xFE", 4);
    us_sheet_t *s = us_sheet_open (path, US_SHEET_AUTO);
    cr_assert_not_null (s, "%s", us_error_msg ());
    cr_assert_str_eq (us_sheet_encoding_name (s), "Windows-1258");
    s_expect (s, 1, 2, (const char *[]) { "x", "ÿ₫" });
    us_sheet_destroy (&s);
    us_test_write_bytes (path, "x;\xC4\n", 4);
    cr_assert_null (us_sheet_open (path, US_SHEET_UTF8));
    cr_assert_not_null (strstr (us_error_msg (), "f.csv line 1: not valid UTF-8"), "%s",
                        us_error_msg ());
    us_test_rmtree (dir);
}

/* Encoding names. */
Test (sheet, encoding_names)
{
    us_sheet_encoding_t e;
    cr_assert_eq (us_sheet_encoding_parse (&e, "utf-8"), 0);
    cr_assert_eq (e, US_SHEET_UTF8);
    cr_assert_eq (us_sheet_encoding_parse (&e, "UTF-16"), 0);
    cr_assert_eq (e, US_SHEET_UTF16);
    cr_assert_eq (us_sheet_encoding_parse (&e, "cp1258"), 0);
    cr_assert_eq (e, US_SHEET_CP1258);
    cr_assert_eq (us_sheet_encoding_parse (&e, "windows-1252"), 0);
    cr_assert_eq (e, US_SHEET_CP1252);
    cr_assert_eq (us_sheet_encoding_parse (&e, "latin1"), US_EINVAL);
    cr_assert_not_null (strstr (us_error_msg (), "latin1"));
}

/* Folding for headings and names: case, tone and letter marks, spaces. */
Test (sheet, fold)
{
    char out [64];
    cr_assert (us_sheet_fold (out, sizeof out, "  Đơn\xC2\xA0 vị "));
    cr_assert_str_eq (out, "don vi");
    cr_assert (us_sheet_fold (out, sizeof out, "CHỈ TIÊU"));
    cr_assert_str_eq (out, "chi tieu");
    cr_assert (us_sheet_fold (out, sizeof out, "Số liệu"));
    cr_assert_str_eq (out, "so lieu");
    cr_assert (us_sheet_fold (out, sizeof out, "Tháng 5/2022"));
    cr_assert_str_eq (out, "thang 5/2022");
    cr_assert (us_sheet_fold (out, sizeof out, "Ho\xCC\x81" "a Ưu ữ ẶN"));
    cr_assert_str_eq (out, "hoa uu u an");
    cr_assert (us_sheet_fold (out, sizeof out, "日本"));
    cr_assert_str_eq (out, "日本");
    cr_assert_not (us_sheet_fold (out, 4, "abcdef"));
}
