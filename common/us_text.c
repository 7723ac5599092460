/*  us_text: UTF-8 text, numbers and JSON strings. */
#include "us_text.h"
#include "us_error.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Decodes one UTF-8 sequence at s into *cp; returns its length or 0. */
static size_t
s_decode (const unsigned char *s, uint32_t *cp)
{
    if (s [0] < 0x80) {
        *cp = s [0];
        return 1;
    }
    size_t n;
    uint32_t c, min;
    if ((s [0] & 0xE0) == 0xC0)      { n = 2; c = s [0] & 0x1F; min = 0x80; }
    else if ((s [0] & 0xF0) == 0xE0) { n = 3; c = s [0] & 0x0F; min = 0x800; }
    else if ((s [0] & 0xF8) == 0xF0) { n = 4; c = s [0] & 0x07; min = 0x10000; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s [i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s [i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* Returns true when s is valid UTF-8 whose only control characters are
   tab and, when lines is set, line breaks. */
static bool
s_utf8_check (const char *s, bool lines)
{
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        uint32_t cp;
        size_t n = s_decode (p, &cp);
        bool allowed = cp == '\t' || (lines && (cp == '\n' || cp == '\r'));
        if (n == 0 || ((cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) && !allowed))
            return false;
        p += n;
    }
    return true;
}

/* Returns true when s is valid UTF-8 with no control characters but tab. */
bool
us_text_utf8_valid (const char *s)
{
    return s_utf8_check (s, false);
}

/* Returns true when s is valid UTF-8 with no control characters but tab
   and line breaks. */
bool
us_text_utf8_valid_lines (const char *s)
{
    return s_utf8_check (s, true);
}

/* Copies s into buf with control characters and stray bytes escaped. */
const char *
us_text_safe (char *buf, size_t size, const char *s)
{
    size_t n = 0;
    while (*s && size > 0) {
        const char *at = s;
        uint32_t c = us_text_utf8_next (&s);
        size_t len = (size_t) (s - at);
        /* A stray byte decodes to itself with a length of one. */
        bool stray = len == 1 && (uint8_t) *at >= 0x80;
        bool control = c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
        if (stray || control) {
            if (n + 4 >= size)
                break;
            n += (size_t) snprintf (buf + n, size - n, "\\x%02X", (uint8_t) *at);
            s = at + 1;
            continue;
        }
        if (n + len >= size)
            break;
        memcpy (buf + n, at, len);
        n += len;
    }
    if (size > 0)
        buf [n] = 0;
    return buf;
}

/* Returns the columns one code point takes. */
static int
s_cp_width (uint32_t c)
{
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF)
    ||  (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF)
    ||  (c >= 0xFE20 && c <= 0xFE2F) || c == 0x200B || c == 0x200D)
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF)
    ||  (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF)
    ||  (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60)
    ||  (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F)
    ||  (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

/* Returns the number of terminal columns s takes. */
size_t
us_text_width (const char *s)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t w = 0;
    while (*p) {
        uint32_t cp;
        size_t n = s_decode (p, &cp);
        if (n == 0) {           /* count a stray byte as one column */
            w++;
            p++;
            continue;
        }
        w += (size_t) s_cp_width (cp);
        p += n;
    }
    return w;
}

/* Prints s padded with spaces to width columns, left or right aligned. */
void
us_text_pad (FILE *out, const char *s, size_t width, bool right)
{
    size_t w = us_text_width (s);
    size_t pad = w < width ? width - w : 0;
    if (right)
        fprintf (out, "%*s%s", (int) pad, "", s);
    else
        fprintf (out, "%s%*s", s, (int) pad, "");
}

/* Parses a whole decimal integer. */
int
us_text_parse_int (int64_t *value, const char *s)
{
    if (!s || !*s)
        return us_error_set (US_EINVAL, "missing number");
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!*p)
        return us_error_set (US_EINVAL, "'%.40s' is not a whole number", s);
    for (const char *q = p; *q; q++)
        if (!isdigit ((unsigned char) *q))
            return us_error_set (US_EINVAL, "'%.40s' is not a whole number", s);
    errno = 0;
    long long v = strtoll (s, NULL, 10);
    if (errno == ERANGE || v > 1000000000000000LL || v < -1000000000000000LL)
        return us_error_set (US_EINVAL, "'%.40s' is out of range", s);
    *value = v;
    return 0;
}

/* Writes s as a JSON string literal, quotes included. */
void
us_text_json (FILE *out, const char *s)
{
    fputc ('"', out);
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf (out, "\\%c", *p);
        else
        if (*p == '\n')
            fputs ("\\n", out);
        else
        if (*p == '\t')
            fputs ("\\t", out);
        else
        if (*p < 0x20)
            fprintf (out, "\\u%04x", *p);
        else
            fputc (*p, out);
    }
    fputc ('"', out);
}

/* Writes n with sep between groups of three digits into buf. */
void
us_text_group_int (char *buf, size_t size, int64_t n, char sep)
{
    char digits [32];
    uint64_t u = n < 0 ? (uint64_t) 0 - (uint64_t) n : (uint64_t) n;
    snprintf (digits, sizeof digits, "%" PRIu64, u);
    size_t len = strlen (digits), out = 0;
    char tmp [48];
    if (n < 0)
        tmp [out++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            tmp [out++] = sep;
        tmp [out++] = digits [i];
    }
    tmp [out] = 0;
    snprintf (buf, size, "%s", tmp);
}

/* Writes n with Vietnamese thousands dots (2.273) into buf. */
void
us_text_vi_int (char *buf, size_t size, int64_t n)
{
    us_text_group_int (buf, size, n, '.');
}

/* Writes x with one decimal and a Vietnamese comma into buf. */
void
us_text_vi_dec (char *buf, size_t size, double x)
{
    double r = round (x * 10.0) / 10.0;
    if (r == floor (r)) {
        us_text_vi_int (buf, size, (int64_t) r);
        return;
    }
    char tmp [48];
    snprintf (tmp, sizeof tmp, "%.1f", r);
    char *dot = strchr (tmp, '.');
    if (dot)
        *dot = 0;
    char whole [40];
    us_text_vi_int (whole, sizeof whole, (int64_t) strtoll (tmp, NULL, 10));
    if (r < 0 && strcmp (tmp, "-0") == 0)
        snprintf (whole, sizeof whole, "-0");
    snprintf (buf, size, "%s,%s", whole, dot ? dot + 1 : "0");
}

/* Returns true when s is a valid code: 1-64 of [A-Za-z0-9._-]. */
bool
us_text_code_valid (const char *s)
{
    size_t n = 0;
    for (; s [n]; n++)
        if (!isalnum ((unsigned char) s [n]) && !strchr ("._-", s [n]))
            return false;
    return n >= 1 && n <= 64;
}

/* Writes s as one CSV field, quoted when it holds a comma, quote or line break. */
void
us_text_csv (FILE *out, const char *s)
{
    /* A field a spreadsheet would run as a formula is kept as text: quoted,
       behind an apostrophe (Excel shows the rest as typed). */
    bool formula = *s && strchr ("=+-@\t\r", *s);
    if (!formula && !strpbrk (s, ",\"\n\r")) {
        fputs (s, out);
        return;
    }
    fputc ('"', out);
    if (formula)
        fputc ('\'', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc ('"', out);
        fputc (*s, out);
    }
    fputc ('"', out);
}

/* Decodes the code point at *p and advances; a stray byte stands for itself. */
uint32_t
us_text_utf8_next (const char **p)
{
    uint32_t c;
    size_t n = s_decode ((const unsigned char *) *p, &c);
    if (n == 0) {
        c = (unsigned char) **p;
        n = 1;
    }
    *p += n;
    return c;
}

/* Encodes a code point into buf (room for 4 bytes); returns its length. */
size_t
us_text_utf8_put (char *buf, uint32_t c)
{
    if (c < 0x80) {
        buf [0] = (char) c;
        return 1;
    }
    if (c < 0x800) {
        buf [0] = (char) (0xC0 | (c >> 6));
        buf [1] = (char) (0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        buf [0] = (char) (0xE0 | (c >> 12));
        buf [1] = (char) (0x80 | ((c >> 6) & 0x3F));
        buf [2] = (char) (0x80 | (c & 0x3F));
        return 3;
    }
    buf [0] = (char) (0xF0 | (c >> 18));
    buf [1] = (char) (0x80 | ((c >> 12) & 0x3F));
    buf [2] = (char) (0x80 | ((c >> 6) & 0x3F));
    buf [3] = (char) (0x80 | (c & 0x3F));
    return 4;
}
