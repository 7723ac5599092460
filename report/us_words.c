/*  us_words: how reports write figures, periods and names. */
#include "us_words.h"
#include "us_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Decodes the code point at *p and advances (us_text's decoder). */
static uint32_t
s_utf8_next (const unsigned char **p)
{
    const char *q = (const char *) *p;
    uint32_t c = us_text_utf8_next (&q);
    *p = (const unsigned char *) q;
    return c;
}

/* Returns the lower-case form of an ASCII or Vietnamese capital letter. */
static uint32_t
s_fold (uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 0x20;
    if (c >= 0x1EA0 && c <= 0x1EF9 && c % 2 == 0)
        return c + 1;
    if (c == 0x102 || c == 0x110 || c == 0x128 || c == 0x168 || c == 0x1A0)
        return c + 1;
    if (c == 0x1AF)
        return 0x1B0;
    return c;
}

/* The Vietnamese alphabet, with the letters it borrows, in order. */
static const char *s_alphabet = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";

/* Each vowel with its tones in dictionary order: ngang, huyền, hỏi, ngã,
   sắc, nặng. */
static const char *s_toned [] = {
    "aàảãáạ", "ăằẳẵắặ", "âầẩẫấậ", "eèẻẽéẹ", "êềểễếệ", "iìỉĩíị",
    "oòỏõóọ", "ôồổỗốộ", "ơờởỡớợ", "uùủũúụ", "ưừửữứự", "yỳỷỹýỵ"
};

/* Returns the position of a lower-case letter in the alphabet, or -1. */
static int
s_alpha_index (uint32_t c)
{
    const unsigned char *p = (const unsigned char *) s_alphabet;
    for (int k = 0; *p; k++)
        if (s_utf8_next (&p) == c)
            return k;
    return -1;
}

/* Sets the sort keys of one folded code point: its letter and its tone. */
static void
s_letter_keys (uint32_t c, int *primary, int *tone)
{
    *tone = 0;
    int k = s_alpha_index (c);
    if (k >= 0) {
        *primary = 300 + k;
        return;
    }
    for (size_t row = 0; row < sizeof s_toned / sizeof s_toned [0]; row++) {
        const unsigned char *p = (const unsigned char *) s_toned [row];
        uint32_t base = s_utf8_next (&p);
        for (int t = 1; *p; t++)
            if (s_utf8_next (&p) == c) {
                *primary = 300 + s_alpha_index (base);
                *tone = t;
                return;
            }
    }
    if (c >= '0' && c <= '9')
        *primary = 200 + (int) (c - '0');
    else
    if (c < 0x80)
        *primary = (int) c;
    else
        *primary = 1000 + (int) c;
}

/* Returns the tone a combining mark adds (1-5), or 0. */
static int
s_combining_tone (uint32_t c)
{
    switch (c) {
        case 0x300: return 1;
        case 0x309: return 2;
        case 0x303: return 3;
        case 0x301: return 4;
        case 0x323: return 5;
        default:    return 0;
    }
}

/* Applies a combining breve, circumflex or horn to a base letter. */
static uint32_t
s_combining_letter (uint32_t base, uint32_t mark)
{
    if (mark == 0x306 && base == 'a') return 0x103;
    if (mark == 0x302 && base == 'a') return 0xE2;
    if (mark == 0x302 && base == 'e') return 0xEA;
    if (mark == 0x302 && base == 'o') return 0xF4;
    if (mark == 0x31B && base == 'o') return 0x1A1;
    if (mark == 0x31B && base == 'u') return 0x1B0;
    return base;
}

/* Reads the next letter with its combining marks; false at the end. */
static bool
s_collate_next (const unsigned char **p, int *primary, int *tone)
{
    if (!**p)
        return false;
    uint32_t c = s_fold (s_utf8_next (p));
    int added = 0;
    for (;;) {
        const unsigned char *q = *p;
        if (!*q)
            break;
        uint32_t m = s_utf8_next (&q);
        if (s_combining_tone (m))
            added = s_combining_tone (m);
        else
        if (m == 0x306 || m == 0x302 || m == 0x31B)
            c = s_combining_letter (c, m);
        else
            break;
        *p = q;
    }
    s_letter_keys (c, primary, tone);
    if (added)
        *tone = added;
    return true;
}

/* Compares two names on letters (pass 0) or on tones (pass 1). */
static int
s_collate_pass (const char *a, const char *b, int pass)
{
    const unsigned char *p = (const unsigned char *) a, *q = (const unsigned char *) b;
    for (;;) {
        int pa, ta, pb, tb;
        bool more_a = s_collate_next (&p, &pa, &ta);
        bool more_b = s_collate_next (&q, &pb, &tb);
        if (!more_a || !more_b)
            return (int) more_a - (int) more_b;
        int ka = pass ? ta : pa, kb = pass ? tb : pb;
        if (ka != kb)
            return ka < kb ? -1 : 1;
    }
}

/* Compares two names in Vietnamese alphabetical order. */
int
us_words_collate (const char *a, const char *b)
{
    int c = s_collate_pass (a, b, 0);
    if (c == 0)
        c = s_collate_pass (a, b, 1);
    if (c == 0)
        c = strcmp (a, b);
    return c < 0 ? -1 : c > 0;
}

/* Copies s into buf with its first letter lowered, unless it starts an abbreviation. */
void
us_words_lower_first (char *buf, size_t size, const char *s)
{
    const unsigned char *p = (const unsigned char *) s;
    uint32_t first = *p ? s_utf8_next (&p) : 0;
    const unsigned char *rest = p;
    uint32_t second = *p ? s_utf8_next (&p) : ' ';
    if (!first || s_fold (second) != second) {
        snprintf (buf, size, "%s", s);
        return;
    }
    char head [5];
    size_t n = us_text_utf8_put (head, s_fold (first));
    head [n] = 0;
    snprintf (buf, size, "%s%s", head, (const char *) rest);
}

/* Copies s into buf cut to about cols letters with an ellipsis. */
void
us_words_clip (char *buf, size_t size, const char *s, size_t cols)
{
    if (us_text_width (s) <= cols) {
        snprintf (buf, size, "%s", s);
        return;
    }
    const unsigned char *p = (const unsigned char *) s;
    size_t seen = 0;
    while (*p) {
        const unsigned char *q = p;
        uint32_t c = s_utf8_next (&q);
        bool mark = c >= 0x300 && c <= 0x36F;
        if (!mark && seen + 1 >= cols)
            break;
        seen += mark ? 0 : 1;
        p = q;
    }
    snprintf (buf, size, "%.*s…", (int) ((const char *) p - s), s);
}

/* Writes a period the way Vietnamese reports say it. */
void
us_words_vi_period (char *buf, size_t size, const us_period_t *p)
{
    static const char *roman [] = { "I", "II", "III", "IV" };
    int y1 = us_month_year (p->first), m1 = p->first % 12 + 1;
    int y2 = us_month_year (p->last), m2 = p->last % 12 + 1;
    switch (p->kind) {
        case US_PERIOD_MONTH:
            snprintf (buf, size, "tháng %d năm %d", m1, y1);
            return;
        case US_PERIOD_QUARTER:
            snprintf (buf, size, "quý %s năm %d", roman [(m1 - 1) / 3 % 4], y1);
            return;
        case US_PERIOD_HALF:
            snprintf (buf, size, "6 tháng %s năm %d", m1 == 1 ? "đầu" : "cuối", y1);
            return;
        case US_PERIOD_YEAR:
            snprintf (buf, size, "năm %d", y1);
            return;
        case US_PERIOD_RANGE:
            break;
    }
    if (y1 == y2 && m1 == m2)
        snprintf (buf, size, "tháng %d năm %d", m1, y1);
    else
    if (y1 == y2 && m1 == 1 && m2 == 12)
        snprintf (buf, size, "năm %d", y1);
    else
    if (y1 == y2 && m1 == 1)
        snprintf (buf, size, "%d tháng đầu năm %d", m2, y1);
    else
    if (y1 == y2 && m1 == 7 && m2 == 12)
        snprintf (buf, size, "6 tháng cuối năm %d", y1);
    else
    if (y1 == y2)
        snprintf (buf, size, "từ tháng %d đến tháng %d năm %d", m1, m2, y1);
    else
    if (m1 == 1 && m2 == 12)
        snprintf (buf, size, "giai đoạn %d–%d", y1, y2);
    else
        snprintf (buf, size, "từ tháng %d năm %d đến tháng %d năm %d", m1, y1, m2, y2);
}

/* Returns how a Vietnamese report names a target source. */
const char *
us_words_vi_source (us_source_t source)
{
    switch (source) {
        case US_SOURCE_TLD:       return "chỉ tiêu Tổng Liên đoàn giao";
        case US_SOURCE_PROVINCE:  return "kế hoạch LĐLĐ tỉnh";
        case US_SOURCE_COMMITTED: return "chỉ tiêu cam kết với Ban Thường vụ Tỉnh ủy";
        default:                  return "chỉ tiêu";
    }
}

/* Writes s with &, <, >, " and ' escaped for HTML text and attributes. */
void
us_words_html_escape (FILE *out, const char *s)
{
    for (; *s; s++)
        switch (*s) {
            case '&':  fputs ("&amp;", out);  break;
            case '<':  fputs ("&lt;", out);   break;
            case '>':  fputs ("&gt;", out);   break;
            case '"':  fputs ("&quot;", out); break;
            case '\'': fputs ("&#39;", out);  break;
            default:   fputc (*s, out);
        }
}


/* Returns true when a computed figure has no fraction worth writing. */
static bool
s_whole (const us_indicator_t *ind, double v)
{
    return ind->kind != US_KIND_RATIO && v == floor (v);
}

/* Writes a figure of ind the English way. */
void
us_words_en (char *buf, size_t size, const us_indicator_t *ind, double v)
{
    if (ind->kind == US_KIND_RATIO)
        snprintf (buf, size, "%.1f%%", v);
    else
    if (!s_whole (ind, v))
        snprintf (buf, size, "%.1f", v);
    else
        us_text_group_int (buf, size, (int64_t) llround (v), ',');
}

/* Writes a figure of ind the Vietnamese way for a table. */
void
us_words_vi (char *buf, size_t size, const us_indicator_t *ind, double v)
{
    if (ind->kind == US_KIND_RATIO || !s_whole (ind, v)) {
        char num [48];
        us_text_vi_dec (num, sizeof num, v);
        snprintf (buf, size, "%s%s", num, ind->kind == US_KIND_RATIO ? "%" : "");
    }
    else
        us_text_vi_int (buf, size, (int64_t) llround (v));
}

/* Writes an amount in units of scale (a million, a billion) with up to
   three decimals and a Vietnamese comma; false when not exact. */
static bool
s_scaled (char *buf, size_t size, int64_t amount, int64_t scale)
{
    int64_t step = scale / 1000;
    if (amount % step != 0)
        return false;
    int64_t whole = amount / scale, rest = (amount % scale) / step;
    char num [40], frac [24];
    us_text_vi_int (num, sizeof num, whole);
    snprintf (frac, sizeof frac, "%03" PRId64, rest < 0 ? -rest : rest);
    for (int k = 2; k >= 0 && frac [k] == '0'; k--)
        frac [k] = 0;
    snprintf (buf, size, "%s%s%s", num, *frac ? "," : "", frac);
    return true;
}

/* Writes a figure of ind the way Vietnamese prose says it. */
void
us_words_vi_text (char *buf, size_t size, const us_indicator_t *ind, double v)
{
    if (!us_unit_money (ind->unit) || !s_whole (ind, v)) {
        us_words_vi (buf, size, ind, v);
        if (us_unit_money (ind->unit)) {
            size_t len = strlen (buf);
            snprintf (buf + len, size - len, " đồng");
        }
        return;
    }
    int64_t amount = llround (v);
    char num [48];
    int64_t a = amount < 0 ? -amount : amount;
    if (a >= 1000000000 && s_scaled (num, sizeof num, amount, 1000000000))
        snprintf (buf, size, "%s tỷ đồng", num);
    else
    if (a >= 1000000 && s_scaled (num, sizeof num, amount, 1000000))
        snprintf (buf, size, "%s triệu đồng", num);
    else {
        us_text_vi_int (num, sizeof num, amount);
        snprintf (buf, size, "%s đồng", num);
    }
}

/* Writes a figure as a plain number into buf; returns buf. */
const char *
us_words_plain_text (char *buf, size_t size, const us_indicator_t *ind, double v)
{
    /* A whole figure that is not negative (every entered one) is written
       from its integer, digit by digit as "%.0f" writes it, without printf's
       float conversion: a province's report writes twenty thousand. */
    if (s_whole (ind, v) && !signbit (v) && v < 9.0e18 && size >= 20) {
        char digits [24], *p = digits + sizeof digits - 1;
        uint64_t u = (uint64_t) v;
        *p = '\0';
        do
            *--p = (char) ('0' + u % 10);
        while ((u /= 10) != 0);
        memcpy (buf, p, (size_t) (digits + sizeof digits - p));
    }
    else
        snprintf (buf, size, s_whole (ind, v) ? "%.0f" : "%.1f", v);
    return buf;
}

/* Writes a figure as a plain number. */
void
us_words_plain (FILE *out, const us_indicator_t *ind, double v)
{
    char buf [US_WORDS_PLAIN];
    fputs (us_words_plain_text (buf, sizeof buf, ind, v), out);
}

/* Writes a target's value or range the Vietnamese way. */
void
us_words_vi_target (char *buf, size_t size, const us_report_target_t *t)
{
    char lo [32], hi [32];
    us_text_vi_int (lo, sizeof lo, t->lo);
    us_text_vi_int (hi, sizeof hi, t->hi);
    if (t->range)
        snprintf (buf, size, "%s–%s", lo, hi);
    else
        snprintf (buf, size, "%s", lo);
}
