/*  Unit tests for us_text: UTF-8 validation, display width, integers,
    Vietnamese number formats, JSON strings and codes. */
#include "us_error.h"
#include "us_text.h"

#include "us_test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Vietnamese names in NFC (precomposed) and NFD (combining marks). */
#define DAKRONG_NFC   "Đakrông"
#define DAKRONG_NFD   "\xC4\x90" "akro\xCC\x82ng"
#define HUONGHOA_NFC  "Hướng Hóa"
#define HUONGHOA_NFD  "Hu\xCC\x9Bo\xCC\x9B\xCC\x81ng Ho\xCC\x81" "a"
#define TRIEUPHONG_NFC "Triệu Phong"
#define TRIEUPHONG_NFD "Trie\xCC\xA3\xCC\x82u Phong"

/* Plain, accented and wide text is valid; tab is allowed. */
Test (text, utf8_valid)
{
    static const char *good [] = {
        "", "abc", "a\tb", DAKRONG_NFC, DAKRONG_NFD, HUONGHOA_NFC, HUONGHOA_NFD,
        "Liên đoàn Lao động tỉnh Quảng Trị", "中文", "\xF0\x9F\x98\x80",
        "\xED\x9F\xBF", "\xEE\x80\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBB\xBFx",
        "\xC2\xA0", "~",
    };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++)
        cr_assert (us_text_utf8_valid (good [i]), "'%s' should be valid", good [i]);
}

/* Truncated, stray, overlong, surrogate, out-of-range and 5/6-byte
   sequences are invalid. */
Test (text, utf8_invalid_sequences)
{
    static const char *bad [] = {
        "\xC3", "a\xC3", "\xC3\x28", "\x80", "a\x80z", "\xBF",
        "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xE0\x9F\xBF", "\xF0\x80\x80\xAF",
        "\xF0\x8F\xBF\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xED\xB0\x80",
        "\xF4\x90\x80\x80", "\xF7\xBF\xBF\xBF", "\xF8\x88\x80\x80\x80",
        "\xFC\x84\x80\x80\x80\x80", "\xFE", "\xFF", "\xE1\xBB", "\xE1\xBB\x61",
        "\xF0\x9F\x98", "ok \xC4",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        cr_assert_not (us_text_utf8_valid (bad [i]), "case %zu should be invalid", i);
}

/* ASCII control characters other than tab are refused. */
Test (text, utf8_control_chars)
{
    static const char *bad [] = { "\x01", "a\nb", "a\rb", "\x1B[31mred", "\x7F", "x\x1F" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        cr_assert_not (us_text_utf8_valid (bad [i]), "case %zu should be invalid", i);
}

/* C1 control characters (U+0080-U+009F, e.g. NEL and the 8-bit CSI that
   starts terminal escapes) are control characters too. */
Test (text, utf8_c1_controls)
{
    cr_assert_not (us_text_utf8_valid ("\xC2\x85"), "U+0085 NEL accepted");
    cr_assert_not (us_text_utf8_valid ("a\xC2\x9B" "31mred"), "U+009B CSI accepted");
    cr_assert_not (us_text_utf8_valid ("\xC2\x80"), "U+0080 accepted");
}

/* ASCII width is its length. */
Test (text, width_ascii)
{
    cr_assert_eq (us_text_width (""), 0);
    cr_assert_eq (us_text_width ("QT.DAKRONG"), 10);
}

/* Vietnamese names take one column per letter, whether written with
   precomposed letters or with combining marks. */
Test (text, width_vietnamese)
{
    cr_assert_eq (us_text_width (DAKRONG_NFC), 7);
    cr_assert_eq (us_text_width (DAKRONG_NFD), 7);
    cr_assert_eq (us_text_width (HUONGHOA_NFC), 9);
    cr_assert_eq (us_text_width (HUONGHOA_NFD), 9);
    cr_assert_eq (us_text_width (TRIEUPHONG_NFC), 11);
    cr_assert_eq (us_text_width (TRIEUPHONG_NFD), 11);
    cr_assert_eq (us_text_width ("LĐLĐ huyện " HUONGHOA_NFC),
                  us_text_width ("LĐLĐ huyện " HUONGHOA_NFD));
    cr_assert_neq (strlen (HUONGHOA_NFC), strlen (HUONGHOA_NFD));
}

/* Wide CJK characters take two columns; a stray byte counts one. */
Test (text, width_wide_and_stray)
{
    cr_assert_eq (us_text_width ("中文"), 4);
    cr_assert_eq (us_text_width ("a中b"), 4);
    cr_assert_eq (us_text_width ("a\xFF" "b"), 3);
}

/* Padding fills to the display width, not the byte length, both ways. */
Test (text, pad)
{
    static const char *names [] = { HUONGHOA_NFC, HUONGHOA_NFD, "Huong Hoa" };
    for (size_t i = 0; i < 3; i++) {
        us_test_capture_t c;
        us_test_capture_open (&c);
        us_text_pad (c.f, names [i], 12, false);
        fputc ('|', c.f);
        us_text_pad (c.f, names [i], 12, true);
        us_test_capture_close (&c);
        cr_assert_eq (c.len, 2 * (strlen (names [i]) + 3) + 1, "case %zu", i);
        cr_assert_eq (strncmp (c.buf, names [i], strlen (names [i])), 0);
        cr_assert_eq (strncmp (c.buf + strlen (names [i]), "   |   ", 7), 0);
        cr_assert_eq (us_text_width (c.buf), 25);
        free (c.buf);
    }
    /* Text wider than the field is printed whole. */
    us_test_capture_t c;
    us_test_capture_open (&c);
    us_text_pad (c.f, "abcdef", 3, false);
    us_test_capture_close (&c);
    cr_assert_str_eq (c.buf, "abcdef");
    free (c.buf);
}

/* Whole numbers with optional sign parse. */
Test (text, parse_int_good)
{
    struct { const char *s; int64_t v; } cases [] = {
        { "0", 0 }, { "42", 42 }, { "-7", -7 }, { "+7", 7 }, { "007", 7 },
        { "2273", 2273 }, { "1000000000000000", 1000000000000000LL },
        { "-1000000000000000", -1000000000000000LL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        int64_t v = -99;
        cr_assert_eq (us_text_parse_int (&v, cases [i].s), 0, "'%s'", cases [i].s);
        cr_assert_eq (v, cases [i].v, "'%s'", cases [i].s);
    }
}

/* Junk, decimals, Vietnamese-formatted numbers, spaces and overflow are
   refused with US_EINVAL, leaving the value alone. */
Test (text, parse_int_bad)
{
    static const char *bad [] = {
        "", "-", "+", " 1", "1 ", "1.0", "2.273", "41,8", "1e3", "0x10", "12a", "--1",
        "+-1", "-+1", "1-", "abc", "١٢", "1000000000000001", "-1000000000000001",
        "99999999999999999999", "-9223372036854775809", "9223372036854775807",
        "\t5", "5\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        int64_t v = -99;
        us_error_clear ();
        cr_assert_eq (us_text_parse_int (&v, bad [i]), US_EINVAL, "'%s'", bad [i]);
        cr_assert_eq (v, -99, "'%s' changed the value", bad [i]);
        cr_assert_neq (us_error_msg () [0], 0);
    }
    int64_t v = -99;
    cr_assert_eq (us_text_parse_int (&v, NULL), US_EINVAL);
    cr_assert_eq (v, -99);
}

/* Integers get Vietnamese thousands dots. */
Test (text, vi_int)
{
    struct { int64_t n; const char *s; } cases [] = {
        { 0, "0" }, { 96, "96" }, { 999, "999" }, { 1000, "1.000" }, { 2273, "2.273" },
        { 13580, "13.580" }, { 8500000, "8.500.000" }, { -2273, "-2.273" }, { -5, "-5" },
        { INT64_MAX, "9.223.372.036.854.775.807" },
        { INT64_MIN, "-9.223.372.036.854.775.808" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        char buf [64];
        us_text_vi_int (buf, sizeof buf, cases [i].n);
        cr_assert_str_eq (buf, cases [i].s);
    }
    char small [4];
    us_text_vi_int (small, sizeof small, 2273);
    cr_assert_str_eq (small, "2.2");
}

/* Decimals get one place and a Vietnamese comma; whole numbers none. */
Test (text, vi_dec)
{
    struct { double x; const char *s; } cases [] = {
        { 41.8, "41,8" }, { 41.777, "41,8" }, { 96.0, "96" }, { 95.96, "96" },
        { 151.0, "151" }, { 75.2, "75,2" }, { 1234.5, "1.234,5" }, { 0.0, "0" },
        { 0.05, "0,1" }, { -0.5, "-0,5" }, { -41.8, "-41,8" }, { 2273.0, "2.273" },
        { 108.33, "108,3" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        char buf [64];
        us_text_vi_dec (buf, sizeof buf, cases [i].x);
        cr_assert_str_eq (buf, cases [i].s, "%g", cases [i].x);
    }
}

/* JSON strings escape quotes, backslashes and control characters and keep
   Vietnamese text as UTF-8. */
Test (text, json)
{
    us_test_capture_t c;
    us_test_capture_open (&c);
    us_text_json (c.f, "a\"b\\c\nd\te\rf\x01g");
    fputc (' ', c.f);
    us_text_json (c.f, "");
    fputc (' ', c.f);
    us_text_json (c.f, HUONGHOA_NFC);
    us_test_capture_close (&c);
    cr_assert_str_eq (c.buf, "\"a\\\"b\\\\c\\nd\\te\\u000df\\u0001g\" \"\" \"" HUONGHOA_NFC "\"");
    free (c.buf);
}

/* Every ASCII control character comes out as a valid JSON escape. */
Test (text, json_all_controls)
{
    char s [32];
    for (int i = 1; i < 32; i++)
        s [i - 1] = (char) i;
    s [31] = 0;
    us_test_capture_t c;
    us_test_capture_open (&c);
    us_text_json (c.f, s);
    us_test_capture_close (&c);
    cr_assert (us_test_json_valid (c.buf), "not valid JSON: %s", c.buf);
    for (size_t i = 0; i < c.len; i++)
        cr_assert_geq ((unsigned char) c.buf [i], 0x20);
    free (c.buf);
}

/* Codes are 1-64 of letters, digits, dot, underscore and dash. */
Test (text, code_valid)
{
    cr_assert (us_text_code_valid ("members.new"));
    cr_assert (us_text_code_valid ("QT.CDN.YTE"));
    cr_assert (us_text_code_valid ("a_b-c"));
    char long_code [66];
    memset (long_code, 'a', 64);
    long_code [64] = 0;
    cr_assert (us_text_code_valid (long_code));
    long_code [64] = 'a';
    long_code [65] = 0;
    cr_assert_not (us_text_code_valid (long_code));
    cr_assert_not (us_text_code_valid (""));
    cr_assert_not (us_text_code_valid ("a b"));
    cr_assert_not (us_text_code_valid ("a/b"));
    cr_assert_not (us_text_code_valid ("a,b"));
    cr_assert_not (us_text_code_valid ("Đ"));
    cr_assert_not (us_text_code_valid ("x\n"));
}

/* Writes s through us_text_csv into a new string. */
static char *
s_csv (const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    cr_assert_not_null (f);
    us_text_csv (f, s);
    fclose (f);
    return buf;
}

/* A field a spreadsheet would run as a formula is written as text. */
Test (text, csv_formula_neutralised)
{
    const char *in [] = { "=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx" };
    const char *want [] = { "\"'=HYPERLINK(\"\"http://x\"\")\"", "\"'+1\"", "\"'-2+3\"",
                            "\"'@SUM(A1)\"", "\"'\tx\"", "\"'\rx\"" };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        char *out = s_csv (in [i]);
        cr_assert_str_eq (out, want [i]);
        free (out);
    }
    char *plain = s_csv ("QT.CAMLO");
    cr_assert_str_eq (plain, "QT.CAMLO", "a plain field stays as it is");
    free (plain);
    char *comma = s_csv ("a,b");
    cr_assert_str_eq (comma, "\"a,b\"");
    free (comma);
}

/* us_text_safe escapes control characters and stray bytes, keeps the rest. */
Test (text, safe_escapes_controls)
{
    char buf [64];
    cr_assert_str_eq (us_text_safe (buf, sizeof buf, "Lộc\x1b[31m\x07\xff\xc2\x9b"),
                      "Lộc\\x1B[31m\\x07\\xFF\\xC2\\x9B");
    cr_assert_str_eq (us_text_safe (buf, sizeof buf, "plain Đông Hà"), "plain Đông Hà");
    char tiny [6];
    us_text_safe (tiny, sizeof tiny, "\x1b\x1b\x1b");
    cr_assert_str_eq (tiny, "\\x1B", "cut short on a whole escape");
}
