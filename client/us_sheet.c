/*  us_sheet: the rows of a text file as Excel writes it (see us_sheet.h).

    The whole file is decoded once into UTF-8 (at most a few megabytes for
    an office's figures); rows are then cut from that text.
*/
#include "us_sheet.h"
#include "us_error.h"
#include "us_xlsx.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct _us_sheet_t {
    char *text;                 /* decoded UTF-8, NUL terminated */
    size_t len, at;
    int line;                   /* line of text [at] */
    int row_line;               /* line where the last row started */
    char sep;
    const char *enc_name;
    bool guessed;
    char *buf;                  /* the fields of the current row */
    size_t buf_len, buf_cap;
    size_t *offsets;
    char **fields;
};

/* Windows-1258 and Windows-1252 from 0x80 to 0xFF; 0 where undefined. */
static const uint16_t s_cp1258 [128] = {
    0x20AC, 0x0000, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0000, 0x2039, 0x0152, 0x0000, 0x0000, 0x0000,
    0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0000, 0x203A, 0x0153, 0x0000, 0x0000, 0x0178,
    0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7,
    0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7,
    0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF,
    0x00C0, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x0300, 0x00CD, 0x00CE, 0x00CF,
    0x0110, 0x00D1, 0x0309, 0x00D3, 0x00D4, 0x01A0, 0x00D6, 0x00D7,
    0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x01AF, 0x0303, 0x00DF,
    0x00E0, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x00E5, 0x00E6, 0x00E7,
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x0301, 0x00ED, 0x00EE, 0x00EF,
    0x0111, 0x00F1, 0x0323, 0x00F3, 0x00F4, 0x01A1, 0x00F6, 0x00F7,
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x01B0, 0x20AB, 0x00FF,
};

static const uint16_t s_cp1252 [128] = {
    0x20AC, 0x0000, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x0000, 0x017D, 0x0000,
    0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x0000, 0x017E, 0x0178,
    0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7,
    0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7,
    0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF,
    0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF,
    0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7,
    0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7,
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF,
    0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7,
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
};

/* The five Vietnamese tone marks, in the order of s_compose's columns. */
static const uint16_t s_marks [5] = { 0x0300, 0x0301, 0x0303, 0x0309, 0x0323 };

/* Each Vietnamese vowel with its five toned forms (grave, acute, tilde,
   hook above, dot below), as Unicode composes them. */
static const struct {
    uint16_t base;
    uint16_t toned [5];
} s_compose [] = {
    { 0x0061, { 0x00E0, 0x00E1, 0x00E3, 0x1EA3, 0x1EA1 } },     /* a */
    { 0x0103, { 0x1EB1, 0x1EAF, 0x1EB5, 0x1EB3, 0x1EB7 } },     /* ă */
    { 0x00E2, { 0x1EA7, 0x1EA5, 0x1EAB, 0x1EA9, 0x1EAD } },     /* â */
    { 0x0065, { 0x00E8, 0x00E9, 0x1EBD, 0x1EBB, 0x1EB9 } },     /* e */
    { 0x00EA, { 0x1EC1, 0x1EBF, 0x1EC5, 0x1EC3, 0x1EC7 } },     /* ê */
    { 0x0069, { 0x00EC, 0x00ED, 0x0129, 0x1EC9, 0x1ECB } },     /* i */
    { 0x006F, { 0x00F2, 0x00F3, 0x00F5, 0x1ECF, 0x1ECD } },     /* o */
    { 0x00F4, { 0x1ED3, 0x1ED1, 0x1ED7, 0x1ED5, 0x1ED9 } },     /* ô */
    { 0x01A1, { 0x1EDD, 0x1EDB, 0x1EE1, 0x1EDF, 0x1EE3 } },     /* ơ */
    { 0x0075, { 0x00F9, 0x00FA, 0x0169, 0x1EE7, 0x1EE5 } },     /* u */
    { 0x01B0, { 0x1EEB, 0x1EE9, 0x1EEF, 0x1EED, 0x1EF1 } },     /* ư */
    { 0x0079, { 0x1EF3, 0x00FD, 0x1EF9, 0x1EF7, 0x1EF5 } },     /* y */
    { 0x0041, { 0x00C0, 0x00C1, 0x00C3, 0x1EA2, 0x1EA0 } },     /* A */
    { 0x0102, { 0x1EB0, 0x1EAE, 0x1EB4, 0x1EB2, 0x1EB6 } },     /* Ă */
    { 0x00C2, { 0x1EA6, 0x1EA4, 0x1EAA, 0x1EA8, 0x1EAC } },     /* Â */
    { 0x0045, { 0x00C8, 0x00C9, 0x1EBC, 0x1EBA, 0x1EB8 } },     /* E */
    { 0x00CA, { 0x1EC0, 0x1EBE, 0x1EC4, 0x1EC2, 0x1EC6 } },     /* Ê */
    { 0x0049, { 0x00CC, 0x00CD, 0x0128, 0x1EC8, 0x1ECA } },     /* I */
    { 0x004F, { 0x00D2, 0x00D3, 0x00D5, 0x1ECE, 0x1ECC } },     /* O */
    { 0x00D4, { 0x1ED2, 0x1ED0, 0x1ED6, 0x1ED4, 0x1ED8 } },     /* Ô */
    { 0x01A0, { 0x1EDC, 0x1EDA, 0x1EE0, 0x1EDE, 0x1EE2 } },     /* Ơ */
    { 0x0055, { 0x00D9, 0x00DA, 0x0168, 0x1EE6, 0x1EE4 } },     /* U */
    { 0x01AF, { 0x1EEA, 0x1EE8, 0x1EEE, 0x1EEC, 0x1EF0 } },     /* Ư */
    { 0x0059, { 0x1EF2, 0x00DD, 0x1EF8, 0x1EF6, 0x1EF4 } },     /* Y */
};
#define COMPOSE_COUNT (sizeof s_compose / sizeof s_compose [0])

/* Letters with marks that are not in s_compose, folded for matching. */
static const struct {
    uint16_t cp;
    char ascii;
} s_fold_extra [] = {
    { 0x0110, 'd' }, { 0x0111, 'd' }, { 0x00C4, 'a' }, { 0x00E4, 'a' },
    { 0x00C5, 'a' }, { 0x00E5, 'a' }, { 0x00C7, 'c' }, { 0x00E7, 'c' },
    { 0x00CB, 'e' }, { 0x00EB, 'e' }, { 0x00CE, 'i' }, { 0x00EE, 'i' },
    { 0x00CF, 'i' }, { 0x00EF, 'i' }, { 0x00D1, 'n' }, { 0x00F1, 'n' },
    { 0x00D6, 'o' }, { 0x00F6, 'o' }, { 0x00DB, 'u' }, { 0x00FB, 'u' },
    { 0x00DC, 'u' }, { 0x00FC, 'u' }, { 0x00FF, 'y' },
};

/* The decoder's output: UTF-8 with tone marks composed onto their vowel. */
typedef struct {
    char *buf;
    size_t len, cap;
    uint32_t last;              /* the last code point written */
    size_t last_at;             /* where its bytes start */
    int line;
} s_out_t;

/* The letter marks that make ă â ê ô ơ ư from a e o u (NFD puts them after
   a dot below, so they may come after the tone mark). */
static const struct {
    uint16_t from, mark, to;
} s_letter_marks [] = {
    { 0x61, 0x0302, 0xE2 }, { 0x65, 0x0302, 0xEA }, { 0x6F, 0x0302, 0xF4 },
    { 0x41, 0x0302, 0xC2 }, { 0x45, 0x0302, 0xCA }, { 0x4F, 0x0302, 0xD4 },
    { 0x61, 0x0306, 0x0103 }, { 0x41, 0x0306, 0x0102 },
    { 0x6F, 0x031B, 0x01A1 }, { 0x4F, 0x031B, 0x01A0 },
    { 0x75, 0x031B, 0x01B0 }, { 0x55, 0x031B, 0x01AF },
};

/* Finds the row of s_compose holding cp (as its base: *tone -1, or toned). */
static int
s_compose_row (uint32_t cp, int *tone)
{
    for (size_t i = 0; i < COMPOSE_COUNT; i++) {
        if (s_compose [i].base == cp) {
            *tone = -1;
            return (int) i;
        }
        for (int m = 0; m < 5; m++)
            if (s_compose [i].toned [m] == cp) {
                *tone = m;
                return (int) i;
            }
    }
    return -1;
}

/* Returns the composition of the letter last with a following mark, or 0
   when they do not compose into a Vietnamese letter. */
static uint32_t
s_compose_cp (uint32_t last, uint32_t mark)
{
    int tone, row = s_compose_row (last, &tone);
    if (row < 0)
        return 0;
    for (int m = 0; m < 5; m++)
        if (s_marks [m] == mark)
            return tone < 0 ? s_compose [row].toned [m] : 0;
    for (size_t i = 0; i < sizeof s_letter_marks / sizeof s_letter_marks [0]; i++) {
        if (s_letter_marks [i].from != s_compose [row].base || s_letter_marks [i].mark != mark)
            continue;
        int to_tone, to = s_compose_row (s_letter_marks [i].to, &to_tone);
        return tone < 0 ? s_compose [to].base : s_compose [to].toned [tone];
    }
    return 0;
}

/* Encodes cp as UTF-8 into b; returns the byte count. */
static size_t
s_utf8 (char *b, uint32_t cp)
{
    if (cp < 0x80) {
        b [0] = (char) cp;
        return 1;
    }
    if (cp < 0x800) {
        b [0] = (char) (0xC0 | (cp >> 6));
        b [1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b [0] = (char) (0xE0 | (cp >> 12));
        b [1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        b [2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }
    b [0] = (char) (0xF0 | (cp >> 18));
    b [1] = (char) (0x80 | ((cp >> 12) & 0x3F));
    b [2] = (char) (0x80 | ((cp >> 6) & 0x3F));
    b [3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}

/* Appends one code point, composing a tone mark with the vowel before it.
   Refuses NUL and control characters other than tab and line ends. */
static int
s_put (s_out_t *o, uint32_t cp)
{
    if (cp == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F)
        return us_error_set (US_EINVAL, "line %d: control character U+%04X "
                             "(is this a text file?)", o->line, (unsigned) cp);
    uint32_t toned = o->len ? s_compose_cp (o->last, cp) : 0;
    if (toned) {
        o->len = o->last_at;
        cp = toned;
    }
    if (o->len + 5 > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 4096;
        char *b = realloc (o->buf, cap);
        if (!b)
            return us_error_set (US_ENOMEM, "out of memory");
        o->buf = b;
        o->cap = cap;
    }
    o->last = cp;
    o->last_at = o->len;
    o->len += s_utf8 (o->buf + o->len, cp);
    if (cp == '\n')
        o->line++;
    return 0;
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length, or
   0 when invalid. */
static size_t
s_utf8_decode (uint32_t *cp, const unsigned char *s, size_t n)
{
    unsigned char c = s [0];
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t v = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t i = 1; i < len; i++) {
        if ((s [i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s [i] & 0x3F);
    }
    if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)))
     || (len == 4 && (v < 0x10000 || v > 0x10FFFF)))
        return 0;
    *cp = v;
    return len;
}

/* True when the n bytes read better as UTF-8 than as a code page: valid
   UTF-8, or more valid multi-byte sequences than invalid bytes (a UTF-8
   file with a stray byte is an error to name, not Windows-1258). */
static bool
s_is_utf8 (const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t multi = 0, bad = 0;
    for (size_t i = 0; i < n; ) {
        size_t k = s_utf8_decode (&cp, s + i, n - i);
        bad += k == 0;
        multi += k > 1;
        i += k ? k : 1;
    }
    return bad == 0 || multi > bad;
}

/* Decodes UTF-8 bytes. */
static int
s_from_utf8 (s_out_t *o, const unsigned char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; ) {
        uint32_t cp;
        size_t k = s_utf8_decode (&cp, s + i, n - i);
        if (!k)
            return us_error_set (US_EINVAL, "line %d: not valid UTF-8 (byte 0x%02X); "
                                 "try --encoding cp1258", o->line, s [i]);
        rc = s_put (o, cp);
        i += k;
    }
    return rc;
}

/* Decodes UTF-16 bytes, little or big endian. */
static int
s_from_utf16 (s_out_t *o, const unsigned char *s, size_t n, bool big)
{
    if (n % 2)
        return us_error_set (US_EINVAL, "not valid UTF-16: an odd number of bytes");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i += 2) {
        uint32_t u = big ? (uint32_t) (s [i] << 8 | s [i + 1]) : (uint32_t) (s [i + 1] << 8 | s [i]);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            uint32_t l = big ? (uint32_t) (s [i + 2] << 8 | s [i + 3])
                             : (uint32_t) (s [i + 3] << 8 | s [i + 2]);
            if (l >= 0xDC00 && l <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                i += 2;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF)
            return us_error_set (US_EINVAL, "line %d: not valid UTF-16 (a lone surrogate)",
                                 o->line);
        rc = s_put (o, u);
    }
    return rc;
}

/* Decodes bytes of a Windows code page. */
static int
s_from_cp (s_out_t *o, const unsigned char *s, size_t n, const uint16_t *table,
           const char *name)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint32_t cp = s [i] < 0x80 ? s [i] : table [s [i] - 0x80];
        if (cp == 0 && s [i] != 0)
            return us_error_set (US_EINVAL, "line %d: byte 0x%02X is not %s text",
                                 o->line, s [i], name);
        rc = s_put (o, cp);
    }
    return rc;
}

/* Refuses workbooks and other binary files with a hint. */
static int
s_check_binary (const unsigned char *s, size_t n)
{
    if (n >= 4 && memcmp (s, "PK\x03\x04", 4) == 0)
        return us_error_set (US_EINVAL, "this is an Excel workbook (.xlsx), not a text file: "
                             "save it as \"CSV UTF-8\" or \"Unicode Text\" and import that");
    if (n >= 4 && memcmp (s, "\xD0\xCF\x11\xE0", 4) == 0)
        return us_error_set (US_EINVAL, "this is an old Excel workbook (.xls), not a text "
                             "file: save it as \"CSV UTF-8\" or \"Unicode Text\" and import that");
    return 0;
}

/* Decodes data into self->text, by the BOM, the bytes or the caller's choice. */
static int
s_decode (us_sheet_t *self, const unsigned char *s, size_t n, us_sheet_encoding_t enc)
{
    s_out_t o = { .line = 1 };
    int rc = s_check_binary (s, n);
    bool bom8 = n >= 3 && memcmp (s, "\xEF\xBB\xBF", 3) == 0;
    bool le = n >= 2 && s [0] == 0xFF && s [1] == 0xFE;
    bool be = n >= 2 && s [0] == 0xFE && s [1] == 0xFF;
    if (rc == 0 && enc == US_SHEET_AUTO) {
        enc = bom8 ? US_SHEET_UTF8 : le || be ? US_SHEET_UTF16
            : s_is_utf8 (s, n) ? US_SHEET_UTF8 : US_SHEET_CP1258;
        self->guessed = enc == US_SHEET_CP1258;
    }
    if (rc == 0 && enc == US_SHEET_UTF8) {
        self->enc_name = "UTF-8";
        rc = bom8 ? s_from_utf8 (&o, s + 3, n - 3) : s_from_utf8 (&o, s, n);
    }
    else
    if (rc == 0 && enc == US_SHEET_UTF16) {
        self->enc_name = be ? "UTF-16BE" : "UTF-16LE";
        rc = le || be ? s_from_utf16 (&o, s + 2, n - 2, be) : s_from_utf16 (&o, s, n, false);
    }
    else
    if (rc == 0) {
        bool vn = enc == US_SHEET_CP1258;
        self->enc_name = vn ? "Windows-1258" : "Windows-1252";
        rc = s_from_cp (&o, s, n, vn ? s_cp1258 : s_cp1252, self->enc_name);
    }
    if (rc == 0 && !o.buf)
        o.buf = malloc (1);
    if (rc == 0 && !o.buf)
        rc = us_error_set (US_ENOMEM, "out of memory");
    if (rc) {
        free (o.buf);
        return rc;
    }
    o.buf [o.len] = 0;          /* s_put keeps room for it */
    self->text = o.buf;
    self->len = o.len;
    return 0;
}

/* Skips a "sep=X" line and finds the separator: the most frequent of tab,
   ';' and ',' outside quotes on the first line that has any. */
static void
s_detect_separator (us_sheet_t *self)
{
    const char *t = self->text;
    if (strncmp (t, "sep=", 4) == 0 && t [4] && strchr (",;\t", t [4])
     && (t [5] == '\n' || t [5] == '\r' || t [5] == 0)) {
        self->sep = t [4];
        self->at = 5 + (t [5] == '\r') + (t [5 + (t [5] == '\r')] == '\n');
        self->line = 2;
        return;
    }
    self->sep = ',';
    size_t counts [3] = { 0, 0, 0 };
    bool quoted = false;
    for (size_t i = 0; t [i]; i++) {
        char c = t [i];
        if (c == '"')
            quoted = !quoted;
        else
        if (!quoted && (c == '\n' || c == '\r')) {
            if (counts [0] + counts [1] + counts [2])
                break;
        }
        else
        if (!quoted)
            counts [0] += c == '\t', counts [1] += c == ';', counts [2] += c == ',';
    }
    if (counts [0] && counts [0] >= counts [1] && counts [0] >= counts [2])
        self->sep = '\t';
    else
    if (counts [1] && counts [1] >= counts [2])
        self->sep = ';';
}

/* Reads a sheet from bytes. */
us_sheet_t *
us_sheet_new (const char *data, size_t len, us_sheet_encoding_t enc)
{
    assert (data || len == 0);
    if (len > US_SHEET_MAX_BYTES) {
        us_error_set (US_EINVAL, "file larger than %d bytes", US_SHEET_MAX_BYTES);
        return NULL;
    }
    us_sheet_t *self = calloc (1, sizeof *self);
    if (self) {
        self->offsets = calloc (US_SHEET_MAX_FIELDS, sizeof *self->offsets);
        self->fields = calloc (US_SHEET_MAX_FIELDS, sizeof *self->fields);
    }
    if (!self || !self->offsets || !self->fields) {
        us_sheet_destroy (&self);
        us_error_set (US_ENOMEM, "out of memory");
        return NULL;
    }
    self->line = 1;
    if (s_decode (self, (const unsigned char *) (data ? data : ""), len, enc) != 0) {
        us_sheet_destroy (&self);
        return NULL;
    }
    s_detect_separator (self);
    return self;
}

/* Reads a sheet file. */
us_sheet_t *
us_sheet_open (const char *path, us_sheet_encoding_t enc)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        us_error_set (US_EINVAL, "cannot open %s: %s", path, strerror (errno));
        return NULL;
    }
    struct stat st;
    char *data = NULL;
    size_t got = 0;
    int rc = 0;
    if (fstat (fileno (f), &st) != 0 || !S_ISREG (st.st_mode))
        rc = us_error_set (US_EINVAL, "%s is not a regular file", path);
    else
    if (st.st_size > US_SHEET_MAX_BYTES)
        rc = us_error_set (US_EINVAL, "%s is larger than %d bytes", path, US_SHEET_MAX_BYTES);
    else
    if (!(data = malloc ((size_t) st.st_size + 1)))
        rc = us_error_set (US_ENOMEM, "out of memory");
    else {
        got = fread (data, 1, (size_t) st.st_size, f);
        if (ferror (f))
            rc = us_error_set (US_EINVAL, "cannot read %s", path);
    }
    fclose (f);
    us_sheet_t *self = NULL;
    if (rc == 0 && us_xlsx_is_zip (data, got)) {
        /* A workbook: its first sheet, as UTF-8 text. */
        char *text = NULL;
        size_t len = 0;
        rc = us_xlsx_text (data, got, &text, &len);
        free (data);
        data = text;
        got = len;
        enc = US_SHEET_UTF8;
        if (rc)
            us_error_set (rc, "%s: %s", path, us_error_msg ());
    }
    if (rc == 0) {
        self = us_sheet_new (data, got, enc);
        if (!self)
            us_error_set (US_EINVAL, strncmp (us_error_msg (), "line ", 5) == 0
                          ? "%s %s" : "%s: %s", path, us_error_msg ());
    }
    free (data);
    return self;
}

/* Appends bytes to the current field. */
static int
s_field_add (us_sheet_t *self, const char *s, size_t n, size_t start)
{
    if (self->buf_len - start + n > US_SHEET_MAX_FIELD)
        return us_error_set (US_EINVAL, "line %d: a field longer than %d bytes",
                             self->row_line, US_SHEET_MAX_FIELD);
    if (self->buf_len + n + 1 > self->buf_cap) {
        size_t cap = self->buf_cap ? self->buf_cap : 1024;
        while (cap < self->buf_len + n + 1)
            cap *= 2;
        char *b = realloc (self->buf, cap);
        if (!b)
            return us_error_set (US_ENOMEM, "out of memory");
        self->buf = b;
        self->buf_cap = cap;
    }
    memcpy (self->buf + self->buf_len, s, n);
    self->buf_len += n;
    return 0;
}

/* Consumes one line end at self->at, if any; returns true when there was one. */
static bool
s_line_end (us_sheet_t *self)
{
    const char *t = self->text;
    if (t [self->at] == '\r') {
        self->at += t [self->at + 1] == '\n' ? 2 : 1;
        self->line++;
        return true;
    }
    if (t [self->at] == '\n') {
        self->at++;
        self->line++;
        return true;
    }
    return false;
}

/* Reads one field at self->at into the buffer (NUL terminated). */
static int
s_read_field (us_sheet_t *self)
{
    const char *t = self->text;
    size_t start = self->buf_len;
    int rc = 0;
    if (t [self->at] == '"') {
        int opened = self->line;
        self->at++;
        for (;;) {
            const char *c = t + self->at;
            if (*c == 0)
                return us_error_set (US_EINVAL, "line %d: a quoted field is not closed", opened);
            if (*c == '"' && c [1] == '"') {
                rc = s_field_add (self, "\"", 1, start);
                self->at += 2;
            }
            else
            if (*c == '"') {
                self->at++;
                break;
            }
            else
            if (*c == '\r' || *c == '\n') {
                rc = s_field_add (self, "\n", 1, start);
                s_line_end (self);
            }
            else {
                size_t n = strcspn (c, "\"\r\n");
                rc = s_field_add (self, c, n, start);
                self->at += n;
            }
            if (rc)
                return rc;
        }
        while (t [self->at] == ' ')
            self->at++;
        char c = t [self->at];
        if (c != self->sep && c != '\r' && c != '\n' && c != 0)
            return us_error_set (US_EINVAL, "line %d: text after the closing quote of a field",
                                 self->line);
    }
    else {
        char stop [4] = { self->sep, '\r', '\n', 0 };
        size_t n = strcspn (t + self->at, stop);
        rc = s_field_add (self, t + self->at, n, start);
        self->at += n;
    }
    if (rc == 0)
        rc = s_field_add (self, "", 1, start);     /* the terminating NUL */
    return rc;
}

/* True when every field is empty or spaces only. */
static bool
s_row_blank (char **fields, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (const unsigned char *p = (const unsigned char *) fields [i]; *p; p++) {
            if (p [0] == 0xC2 && p [1] == 0xA0)
                p++;            /* a no-break space */
            else
            if (*p != ' ' && *p != '\t')
                return false;
        }
    return true;
}

/* Reads the next non-empty row. */
int
us_sheet_next (us_sheet_t *self, char ***fields_p, size_t *count_p)
{
    assert (self);
    for (;;) {
        if (self->at >= self->len)
            return 0;
        self->row_line = self->line;
        self->buf_len = 0;
        size_t count = 0;
        for (;;) {
            if (count == US_SHEET_MAX_FIELDS)
                return us_error_set (US_EINVAL, "line %d: more than %d fields",
                                     self->row_line, US_SHEET_MAX_FIELDS);
            self->offsets [count++] = self->buf_len;
            int rc = s_read_field (self);
            if (rc)
                return rc;
            if (self->text [self->at] == self->sep) {
                self->at++;
                continue;
            }
            s_line_end (self);
            break;
        }
        for (size_t i = 0; i < count; i++)
            self->fields [i] = self->buf + self->offsets [i];
        if (s_row_blank (self->fields, count))
            continue;
        *fields_p = self->fields;
        *count_p = count;
        return 1;
    }
}

/* Returns the line where the last row started. */
int
us_sheet_line (const us_sheet_t *self)
{
    assert (self);
    return self->row_line;
}

/* Returns the name of the encoding read. */
const char *
us_sheet_encoding_name (const us_sheet_t *self)
{
    assert (self);
    return self->enc_name;
}

/* Returns true when the encoding was a guess. */
bool
us_sheet_guessed (const us_sheet_t *self)
{
    assert (self);
    return self->guessed;
}

/* Returns the separator found. */
char
us_sheet_separator (const us_sheet_t *self)
{
    assert (self);
    return self->sep;
}

/* Parses an encoding name. */
int
us_sheet_encoding_parse (us_sheet_encoding_t *enc, const char *text)
{
    static const struct {
        const char *name;
        us_sheet_encoding_t enc;
    } names [] = {
        { "auto", US_SHEET_AUTO }, { "utf-8", US_SHEET_UTF8 }, { "utf8", US_SHEET_UTF8 },
        { "utf-16", US_SHEET_UTF16 }, { "utf16", US_SHEET_UTF16 },
        { "cp1258", US_SHEET_CP1258 }, { "windows-1258", US_SHEET_CP1258 },
        { "cp1252", US_SHEET_CP1252 }, { "windows-1252", US_SHEET_CP1252 },
    };
    for (size_t i = 0; i < sizeof names / sizeof names [0]; i++)
        if (strcasecmp (text, names [i].name) == 0) {
            *enc = names [i].enc;
            return 0;
        }
    return us_error_set (US_EINVAL, "unknown encoding '%.40s' (utf-8, utf-16, cp1258 or cp1252)",
                         text);
}

/* Folds one code point for matching; returns the ASCII letter or 0. */
static char
s_fold_cp (uint32_t cp)
{
    for (size_t i = 0; i < COMPOSE_COUNT; i++) {
        uint32_t base = s_compose [i].base;
        char ascii = base < 0x80 ? (char) (base | 0x20)
                   : base == 0x0103 || base == 0x00E2 || base == 0x0102 || base == 0x00C2 ? 'a'
                   : base == 0x00EA || base == 0x00CA ? 'e'
                   : base == 0x00F4 || base == 0x01A1 || base == 0x00D4 || base == 0x01A0 ? 'o'
                   : 'u';
        if (cp == base)
            return ascii;
        for (int m = 0; m < 5; m++)
            if (s_compose [i].toned [m] == cp)
                return ascii;
    }
    for (size_t i = 0; i < sizeof s_fold_extra / sizeof s_fold_extra [0]; i++)
        if (s_fold_extra [i].cp == cp)
            return s_fold_extra [i].ascii;
    return 0;
}

/* Folds s for matching headings and names. */
bool
us_sheet_fold (char *out, size_t size, const char *s)
{
    assert (out && size > 0 && s);
    size_t n = 0;
    bool space = false;
    const unsigned char *p = (const unsigned char *) s;
    size_t left = strlen (s);
    while (left) {
        uint32_t cp;
        size_t k = s_utf8_decode (&cp, p, left);
        if (!k) {
            cp = 0xFFFD;
            k = 1;
        }
        p += k;
        left -= k;
        if (cp == ' ' || cp == '\t' || cp == 0xA0 || cp == 0x202F || cp == '\n' || cp == '\r') {
            space = n > 0;
            continue;
        }
        if (cp >= 0x0300 && cp <= 0x036F)
            continue;
        char b [4];
        size_t bl;
        char a = cp < 0x80 ? (char) (cp >= 'A' && cp <= 'Z' ? cp | 0x20 : cp) : s_fold_cp (cp);
        if (a) {
            b [0] = a;
            bl = 1;
        }
        else
            bl = s_utf8 (b, cp);
        if (n + space + bl + 1 > size)
            return false;
        if (space)
            out [n++] = ' ';
        space = false;
        memcpy (out + n, b, bl);
        n += bl;
    }
    out [n] = 0;
    return true;
}

/* Frees the sheet and nulls the pointer. */
void
us_sheet_destroy (us_sheet_t **self_p)
{
    assert (self_p);
    us_sheet_t *self = *self_p;
    if (!self)
        return;
    free (self->text);
    free (self->buf);
    free (self->offsets);
    free (self->fields);
    free (self);
    *self_p = NULL;
}
