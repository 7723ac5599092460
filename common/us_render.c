/*  us_render: consolidated reports people want to read. */
#include "us_render.h"
#include "us_error.h"
#include "us_period.h"
#include "us_report.h"
#include "us_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*  ----------------------------------------------------------------------
    Formats
    ---------------------------------------------------------------------- */

/* Parses a format name. */
int
us_render_format_parse (us_render_format_t *format, const char *text)
{
    static const char *names [] = { "text", "csv", "json", "html", "vi" };
    for (int k = 0; k < 5; k++)
        if (strcmp (text, names [k]) == 0) {
            *format = (us_render_format_t) k;
            return 0;
        }
    return us_error_set (US_EINVAL, "unknown format '%.20s' (text, csv, json, html or vi)", text);
}

/*  ----------------------------------------------------------------------
    UTF-8 and Vietnamese collation
    ---------------------------------------------------------------------- */

/* Decodes the code point at *p and advances; a stray byte stands for itself. */
static uint32_t
s_utf8_next (const unsigned char **p)
{
    const unsigned char *s = *p;
    size_t n;
    uint32_t c;
    if (s [0] < 0x80)                { n = 1; c = s [0]; }
    else if ((s [0] & 0xE0) == 0xC0) { n = 2; c = s [0] & 0x1F; }
    else if ((s [0] & 0xF0) == 0xE0) { n = 3; c = s [0] & 0x0F; }
    else if ((s [0] & 0xF8) == 0xF0) { n = 4; c = s [0] & 0x07; }
    else {
        *p = s + 1;
        return s [0];
    }
    for (size_t i = 1; i < n; i++) {
        if ((s [i] & 0xC0) != 0x80) {
            *p = s + 1;
            return s [0];
        }
        c = (c << 6) | (s [i] & 0x3F);
    }
    *p = s + n;
    return c;
}

/* Encodes a code point into buf (room for 4 bytes); returns its length. */
static size_t
s_utf8_put (char *buf, uint32_t c)
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
us_render_collate (const char *a, const char *b)
{
    int c = s_collate_pass (a, b, 0);
    if (c == 0)
        c = s_collate_pass (a, b, 1);
    if (c == 0)
        c = strcmp (a, b);
    return c < 0 ? -1 : c > 0;
}

/* Copies s into buf with its first letter lowered, unless it starts an abbreviation. */
static void
s_lower_first (char *buf, size_t size, const char *s)
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
    size_t n = s_utf8_put (head, s_fold (first));
    head [n] = 0;
    snprintf (buf, size, "%s%s", head, (const char *) rest);
}

/* Copies s into buf cut to about cols letters with an ellipsis. */
static void
s_clip (char *buf, size_t size, const char *s, size_t cols)
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

/*  ----------------------------------------------------------------------
    Vietnamese words and numbers
    ---------------------------------------------------------------------- */

/* Writes a period the way Vietnamese reports say it. */
void
us_render_vi_period (char *buf, size_t size, const us_period_t *p)
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
static const char *
s_vi_source (us_source_t source)
{
    switch (source) {
        case US_SOURCE_TLD:       return "chỉ tiêu Tổng Liên đoàn giao";
        case US_SOURCE_PROVINCE:  return "kế hoạch LĐLĐ tỉnh";
        case US_SOURCE_COMMITTED: return "chỉ tiêu cam kết với Ban Thường vụ Tỉnh ủy";
        default:                  return "chỉ tiêu";
    }
}

/* Writes a figure the Vietnamese way: 2.273, or 41,8% for a ratio. */
static void
s_vi_figure (char *buf, size_t size, us_kind_t kind, double v)
{
    if (kind == US_KIND_RATIO) {
        char num [28];
        us_text_vi_dec (num, sizeof num, v);
        snprintf (buf, size, "%s%%", num);
    }
    else
        us_text_vi_int (buf, size, (int64_t) llround (v));
}

/* Writes a figure the way the text report does: 2,273, or 41.8%. */
static void
s_en_figure (char *buf, size_t size, us_kind_t kind, double v)
{
    if (kind == US_KIND_RATIO) {
        snprintf (buf, size, "%.1f%%", v);
        return;
    }
    us_text_vi_int (buf, size, (int64_t) llround (v));
    for (char *c = buf; *c; c++)
        if (*c == '.')
            *c = ',';
}

/* Writes a target's value (or range) the Vietnamese way. */
static void
s_vi_target (char *buf, size_t size, const us_report_target_t *t)
{
    char lo [32], hi [32];
    us_text_vi_int (lo, sizeof lo, t->lo);
    us_text_vi_int (hi, sizeof hi, t->hi);
    if (t->range)
        snprintf (buf, size, "%s–%s", lo, hi);
    else
        snprintf (buf, size, "%s", lo);
}

/* Writes the report deadline of a period as d/m/yyyy. */
static void
s_vi_deadline (char *buf, size_t size, const us_period_t *p)
{
    int next = p->last + 1;
    snprintf (buf, size, "20/%d/%d", next % 12 + 1, us_month_year (next));
}

/*  ----------------------------------------------------------------------
    Report helpers
    ---------------------------------------------------------------------- */

/* Returns true when indicator i has a figure or a target anywhere in r. */
static bool
s_ind_used (const us_report_t *r, size_t i)
{
    us_report_target_t t;
    double v;
    for (size_t u = 0; u < us_report_units (r); u++) {
        if (us_report_cell (&v, r, u, i))
            return true;
        for (int s = 0; s < US_SOURCE_COUNT; s++)
            if (us_report_target (&t, r, u, i, (us_source_t) s))
                return true;
    }
    return false;
}

/* Looks up the previous year's figure of unit u, indicator i. */
static bool
s_previous (double *v, const us_report_t *r, const us_report_t *prev, size_t u, size_t i)
{
    if (!prev)
        return false;
    us_report_unit_t info;
    us_report_unit (&info, r, u);
    return us_report_value (v, prev, info.code, us_report_indicator (r, i)->code);
}

/* Returns true when the previous report has no figure at all. */
static bool
s_prev_empty (const us_report_t *prev)
{
    double v;
    for (size_t u = 0; u < us_report_units (prev); u++)
        for (size_t i = 0; i < us_report_indicators (prev); i++)
            if (us_report_cell (&v, prev, u, i))
                return false;
    return true;
}

/* Computes the change: per cent for counts (none from 0), points for ratios. */
static bool
s_change (double *change, us_kind_t kind, double now, double before)
{
    if (kind == US_KIND_RATIO) {
        *change = round ((now - before) * 10.0) / 10.0;
        return true;
    }
    if (before == 0)
        return false;
    *change = round ((now - before) * 1000.0 / fabs (before)) / 10.0;
    return true;
}

/* Returns true when the unit is the province at the top of the tree. */
static bool
s_is_province (const us_report_t *r)
{
    us_report_unit_t info;
    us_report_unit (&info, r, 0);
    return strcmp (info.kind, "province") == 0;
}

/*  ----------------------------------------------------------------------
    Ranking
    ---------------------------------------------------------------------- */

/* Returns a rank entry's sort key (tenths, so one-decimal ties are equal). */
static long long
s_rank_key (const us_rank_t *k, us_rank_by_t by)
{
    return llround ((by == US_RANK_ACHIEVEMENT ? k->pct : k->value) * 10.0);
}

/* Orders two rank entries: ranked first, better first, then by name. */
static int
s_rank_cmp (const us_rank_t *a, const us_rank_t *b, const us_report_t *r, us_rank_by_t by)
{
    if ((a->rank != 0) != (b->rank != 0))
        return a->rank ? -1 : 1;
    if (a->rank) {
        long long ka = s_rank_key (a, by), kb = s_rank_key (b, by);
        if (ka != kb)
            return ka > kb ? -1 : 1;
    }
    us_report_unit_t ua, ub;
    us_report_unit (&ua, r, a->unit);
    us_report_unit (&ub, r, b->unit);
    int c = us_render_collate (ua.name, ub.name);
    return c ? c : strcmp (ua.code, ub.code);
}

/* Ranks the direct children of the report's root on an indicator. */
int
us_render_rank (us_rank_t *ranks, size_t *count, const us_report_t *report,
                const char *indicator, us_source_t source, us_rank_by_t by)
{
    *count = 0;
    int i = us_report_find_indicator (report, indicator);
    if (i < 0)
        return us_error_set (US_ENOTFOUND, "unknown indicator '%.64s'", indicator);
    size_t n = 0;
    us_report_unit_t info;
    for (size_t u = 1; u < us_report_units (report); u++) {
        us_report_unit (&info, report, u);
        if (info.parent_index != 0)
            continue;
        us_rank_t *k = &ranks [n++];
        memset (k, 0, sizeof *k);
        k->unit = u;
        k->has_value = us_report_cell (&k->value, report, u, (size_t) i);
        k->has_target = us_report_target (&k->target, report, u, (size_t) i, source);
        bool ranked = by == US_RANK_VALUE ? k->has_value : k->has_target && k->target.lo > 0;
        if (ranked && by == US_RANK_ACHIEVEMENT
        &&  !us_report_pct (&k->pct, report, u, (size_t) i, source))
            k->pct = 0;
        k->rank = ranked ? 1 : 0;
    }
    for (size_t a = 1; a < n; a++) {
        us_rank_t moving = ranks [a];
        size_t b = a;
        while (b > 0 && s_rank_cmp (&moving, &ranks [b - 1], report, by) < 0) {
            ranks [b] = ranks [b - 1];
            b--;
        }
        ranks [b] = moving;
    }
    for (size_t a = 0; a < n && ranks [a].rank; a++)
        if (a > 0 && s_rank_key (&ranks [a], by) == s_rank_key (&ranks [a - 1], by))
            ranks [a].rank = ranks [a - 1].rank;
        else
            ranks [a].rank = (int) a + 1;
    *count = n;
    return 0;
}

/* Counts the root's children that have a positive target of (i, source). */
static size_t
s_targeted (const us_report_t *r, size_t i, us_source_t source, size_t *children)
{
    size_t with = 0;
    *children = 0;
    us_report_unit_t info;
    us_report_target_t t;
    for (size_t u = 1; u < us_report_units (r); u++) {
        us_report_unit (&info, r, u);
        if (info.parent_index != 0)
            continue;
        (*children)++;
        if (us_report_target (&t, r, u, i, source) && t.lo > 0)
            with++;
    }
    return with;
}

/*  ----------------------------------------------------------------------
    Trend: the root's figures month by month
    ---------------------------------------------------------------------- */

struct _us_render_trend_t {
    int first;                  /* first month */
    size_t months;
    size_t n_inds;              /* indicators, in the report's order */
    double *values;             /* [month * n_inds + ind] */
    bool *has;
};

#define S_TREND_MAX_MONTHS 120

/* Builds the root's figures for each month of the report's period. */
int
us_render_trend_build (us_render_trend_t **trend_p, sqlite3 *db, const us_report_t *report)
{
    *trend_p = NULL;
    const us_period_t *p = us_report_period (report);
    us_render_trend_t *t = calloc (1, sizeof *t);
    if (!t)
        return us_error_set (US_ENOMEM, "out of memory");
    t->first = p->first;
    t->n_inds = us_report_indicators (report);
    t->months = us_period_months (p) <= S_TREND_MAX_MONTHS ? (size_t) us_period_months (p) : 0;
    size_t cells = t->months * t->n_inds + 1;
    t->values = calloc (cells, sizeof *t->values);
    t->has = calloc (cells, sizeof *t->has);
    if (!t->values || !t->has) {
        us_render_trend_destroy (&t);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    us_report_unit_t root;
    us_report_unit (&root, report, 0);
    for (size_t m = 0; m < t->months; m++) {
        char month [8];
        us_month_format (month, t->first + (int) m);
        us_report_t *mr;
        int rc = us_report_build (&mr, db, month, root.code);
        if (rc) {
            us_render_trend_destroy (&t);
            return rc;
        }
        for (size_t i = 0; i < t->n_inds; i++) {
            int j = us_report_find_indicator (mr, us_report_indicator (report, i)->code);
            size_t k = m * t->n_inds + i;
            t->has [k] = j >= 0 && us_report_cell (&t->values [k], mr, 0, (size_t) j);
        }
        us_report_destroy (&mr);
    }
    *trend_p = t;
    return 0;
}

/* Frees a trend and nulls the pointer; safe on NULL. */
void
us_render_trend_destroy (us_render_trend_t **trend_p)
{
    if (!trend_p || !*trend_p)
        return;
    free ((*trend_p)->values);
    free ((*trend_p)->has);
    free (*trend_p);
    *trend_p = NULL;
}

/*  ----------------------------------------------------------------------
    Vietnamese text
    ---------------------------------------------------------------------- */

/* How one indicator is said in a sentence; %s is the figure. */
typedef struct {
    const char *code;
    const char *words;
    const char *with;           /* an indicator said in the same clause */
    const char *with_words;
    const char *noun;           /* what the figure is, beside the joined one */
    const char *with_noun;      /* what the joined figure is */
} s_phrase_t;

static const s_phrase_t s_phrases [] = {
    { "members.new", "phát triển mới %s đoàn viên", NULL, NULL, NULL, NULL },
    { "cdcs.new", "thành lập %s CĐCS", NULL, NULL, NULL, NULL },
    { "cla.signed", "ký kết %s bản thỏa ước lao động tập thể", NULL, NULL, NULL, NULL },
    { "propaganda.sessions", "tổ chức %s buổi tuyên truyền", "propaganda.attendees",
      " cho %s lượt người", "số buổi", "số lượt người" },
    { "propaganda.attendees", "có %s lượt người dự các buổi tuyên truyền", NULL, NULL, NULL, NULL },
    { "training.classes", "mở %s lớp tập huấn", "training.attendees",
      " cho %s cán bộ công đoàn", "số lớp", "số cán bộ được tập huấn" },
    { "training.attendees", "tập huấn cho %s cán bộ công đoàn", NULL, NULL, NULL, NULL },
    { "dialogues.held", "tổ chức %s cuộc đối thoại với người sử dụng lao động",
      NULL, NULL, NULL, NULL },
    { "party.introduced", "giới thiệu %s đoàn viên ưu tú cho Đảng xem xét kết nạp",
      "party.admitted", ", trong đó %s đoàn viên đã được kết nạp",
      "số đoàn viên được giới thiệu", "số đoàn viên được kết nạp" },
    { "party.admitted", "có %s đoàn viên được kết nạp vào Đảng", NULL, NULL, NULL, NULL },
    { "commended.chairs", "biểu dương %s chủ tịch công đoàn và người lao động",
      NULL, NULL, NULL, NULL },
    { "members.total", "tổng số đoàn viên cuối kỳ là %s", NULL, NULL, NULL, NULL },
};

/* Returns the phrase of an indicator code, or NULL. */
static const s_phrase_t *
s_phrase (const char *code)
{
    for (size_t k = 0; k < sizeof s_phrases / sizeof s_phrases [0]; k++)
        if (strcmp (s_phrases [k].code, code) == 0)
            return &s_phrases [k];
    return NULL;
}

/* Writes ", đạt 96% kế hoạch LĐLĐ tỉnh và ..." for the root's indicator i. */
static void
s_vi_achievement (FILE *out, const us_report_t *r, size_t i, const char *noun)
{
    /* noun names the figure when the clause says two (", số lượt người đạt"). */
    int n = 0, total = 0;
    double pct;
    for (int s = 0; s < US_SOURCE_COUNT; s++)
        total += us_report_pct (&pct, r, 0, i, (us_source_t) s);
    for (int s = 0; s < US_SOURCE_COUNT; s++) {
        us_report_target_t t;
        if (!us_report_pct (&pct, r, 0, i, (us_source_t) s)
        ||  !us_report_target (&t, r, 0, i, (us_source_t) s))
            continue;
        char num [48], when [80] = "", range [96] = "";
        us_text_vi_dec (num, sizeof num, pct);
        us_period_t tp;
        if (us_period_parse (&tp, t.period) == 0
        &&  (tp.first != us_report_period (r)->first || tp.last != us_report_period (r)->last)) {
            char words [64];
            us_render_vi_period (words, sizeof words, &tp);
            snprintf (when, sizeof when, " %s", words);
        }
        if (t.range) {
            char value [72];
            s_vi_target (value, sizeof value, &t);
            snprintf (range, sizeof range, " (mức %s)", value);
        }
        if (n == 0 && noun)
            fprintf (out, ", %s đạt ", noun);
        else
        if (n == 0)
            fputs (", đạt ", out);
        else
            fputs (n == total - 1 ? " và " : ", ", out);
        fprintf (out, "%s%% %s%s%s", num, s_vi_source ((us_source_t) s), when, range);
        n++;
    }
}

/* Writes ", tăng 7,3% so với cùng kỳ năm 2021 (2.050)" for the root's indicator i. */
static void
s_vi_compare (FILE *out, const us_report_t *r, const us_report_t *prev, size_t i,
              const char *noun)
{
    double now, before, change;
    if (!us_report_cell (&now, r, 0, i) || !s_previous (&before, r, prev, 0, i))
        return;
    const us_indicator_t *ind = us_report_indicator (r, i);
    const us_period_t *p = us_report_period (r);
    char when [40], was [48], num [48], lead [96];
    if (us_month_year (p->first) == us_month_year (p->last))
        snprintf (when, sizeof when, "cùng kỳ năm %d", us_month_year (p->first) - 1);
    else
        snprintf (when, sizeof when, "cùng kỳ năm trước");
    snprintf (lead, sizeof lead, "%s%s", noun ? noun : "", noun ? " " : "");
    s_vi_figure (was, sizeof was, ind->kind, before);
    if (!s_change (&change, ind->kind, now, before)) {
        fprintf (out, " (%s%s: %s)", lead, when, was);
        return;
    }
    if (change == 0) {
        fprintf (out, ", %sbằng %s", lead, when);
        return;
    }
    us_text_vi_dec (num, sizeof num, fabs (change));
    fprintf (out, ", %s%s %s%s so với %s (%s)", lead, change > 0 ? "tăng" : "giảm", num,
             ind->kind == US_KIND_RATIO ? " điểm phần trăm" : "%", when, was);
}

/* Writes the clause of indicator i of the root; marks what it said. */
static void
s_vi_clause (FILE *out, const us_report_t *r, const us_report_t *prev, size_t i, bool *said)
{
    const us_indicator_t *ind = us_report_indicator (r, i);
    double v;
    us_report_cell (&v, r, 0, i);
    char num [48], name [300];
    s_vi_figure (num, sizeof num, ind->kind, v);
    s_lower_first (name, sizeof name, ind->name);
    said [i] = true;
    const s_phrase_t *ph = s_phrase (ind->code);
    if (ind->kind == US_KIND_RATIO) {
        fprintf (out, "%s đạt %s", name, num);
        int a = us_report_find_indicator (r, ind->numerator), b = us_report_find_indicator (r, ind->denominator);
        double va, vb;
        if (a >= 0 && b >= 0 && us_report_cell (&va, r, 0, (size_t) a)
        &&  us_report_cell (&vb, r, 0, (size_t) b)) {
            char na [48], nb [48], bname [300];
            us_text_vi_int (na, sizeof na, (int64_t) llround (va));
            us_text_vi_int (nb, sizeof nb, (int64_t) llround (vb));
            s_lower_first (bname, sizeof bname, us_report_indicator (r, (size_t) b)->name);
            fprintf (out, " (%s/%s %s)", na, nb, bname);
        }
    }
    else
    if (ph)
        fprintf (out, ph->words, num);
    else
        fprintf (out, "%s: %s", name, num);
    /* A joined indicator is said in the clause; achievements follow. */
    int w = ph && ph->with ? us_report_find_indicator (r, ph->with) : -1;
    double wv;
    if (w >= 0 && (said [w] || !us_report_cell (&wv, r, 0, (size_t) w)))
        w = -1;
    if (w >= 0) {
        s_vi_figure (num, sizeof num, us_report_indicator (r, (size_t) w)->kind, wv);
        fprintf (out, ph->with_words, num);
        said [w] = true;
    }
    s_vi_achievement (out, r, i, w >= 0 ? ph->noun : NULL);
    s_vi_compare (out, r, prev, i, w >= 0 ? ph->noun : NULL);
    if (w >= 0) {
        s_vi_achievement (out, r, (size_t) w, ph->with_noun);
        s_vi_compare (out, r, prev, (size_t) w, ph->with_noun);
    }
}

/* Writes the sentence of the root's results. */
static void
s_vi_results (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    size_t n = us_report_indicators (r);
    bool *said = calloc (n + 1, sizeof *said);
    bool *has = calloc (n + 1, sizeof *has);
    if (!said || !has) {
        free (said);
        free (has);
        return;
    }
    double v;
    /* A zero says nothing unless a target or last year's figure makes it news. */
    for (size_t i = 0; i < n; i++) {
        has [i] = us_report_cell (&v, r, 0, i);
        double before, pct;
        if (has [i] && v == 0 && us_report_indicator (r, i)->kind != US_KIND_RATIO) {
            bool news = s_previous (&before, r, prev, 0, i) && before != 0;
            for (int s = 0; s < US_SOURCE_COUNT; s++)
                news |= us_report_pct (&pct, r, 0, i, (us_source_t) s);
            has [i] = news;
        }
    }
    /* A ratio states its numerator and denominator. */
    for (size_t i = 0; i < n; i++) {
        const us_indicator_t *ind = us_report_indicator (r, i);
        if (ind->kind != US_KIND_RATIO || !has [i])
            continue;
        int a = us_report_find_indicator (r, ind->numerator), b = us_report_find_indicator (r, ind->denominator);
        if (a >= 0 && b >= 0 && has [a] && has [b])
            said [a] = said [b] = true;
    }
    char period [96], who [300];
    us_render_vi_period (period, sizeof period, us_report_period (r));
    period [0] = (char) (period [0] >= 'a' && period [0] <= 'z' ? period [0] - 32 : period [0]);
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    snprintf (who, sizeof who, "%s", s_is_province (r) ? "toàn tỉnh" : root.name);
    fprintf (out, "%s, %s ", period, who);
    int clauses = 0;
    /* Ratios go last, after the counts they are made of. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            bool ratio = us_report_indicator (r, i)->kind == US_KIND_RATIO;
            if (!has [i] || said [i] || ratio != (pass == 1))
                continue;
            if (clauses++)
                fputs ("; ", out);
            s_vi_clause (out, r, prev, i, said);
        }
    if (!clauses)
        fputs ("chưa có số liệu báo cáo", out);
    fputs (".", out);
    if (prev && s_prev_empty (prev)) {
        char was [96];
        us_render_vi_period (was, sizeof was, us_report_period (prev));
        fprintf (out, " Cùng kỳ (%s) chưa có số liệu để so sánh.", was);
    }
    fputc ('\n', out);
    free (said);
    free (has);
}

/* Writes the sentence of who has reported and when. */
static void
s_vi_completeness (FILE *out, const us_report_t *r)
{
    int expected, submitted, on_time, late, n_missing;
    us_report_completeness (&expected, &submitted, r);
    us_report_timeliness (&on_time, &late, r);
    if (expected == 0)
        return;
    const int *missing = us_report_missing (&n_missing, r);
    fprintf (out, "%d/%d %s đã nộp báo cáo", submitted, expected,
             s_is_province (r) ? "LĐLĐ cấp huyện, CĐ ngành" : "đơn vị");
    for (int k = 0; k < n_missing; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, (size_t) missing [k]);
        fprintf (out, "%s%s", k ? ", " : " (chưa nộp: ", info.name);
    }
    if (n_missing)
        fputc (')', out);
    char deadline [32];
    s_vi_deadline (deadline, sizeof deadline, us_report_period (r));
    if (submitted > 0 && late == 0)
        fputs ("; tất cả đều nộp đúng hạn", out);
    else
    if (submitted > 1 && on_time == 0)
        fprintf (out, "; cả %d báo cáo đều nộp sau hạn ngày %s", submitted, deadline);
    else
    if (on_time == 0)
        fprintf (out, "; báo cáo nộp sau hạn ngày %s", deadline);
    else
    if (submitted > 0)
        fprintf (out, "; %d báo cáo nộp đúng hạn, %d báo cáo nộp sau hạn ngày %s",
                 on_time, late, deadline);
    fputs (".\n", out);
}

/* Picks the indicator, source and order the leading units are named for. */
static bool
s_pick_ranking (const us_report_t *r, size_t *ind, us_source_t *source, us_rank_by_t *by)
{
    /* The first indicator (members.new first) whose target from a source is
       set for at least half of the root's children ranks by achievement;
       else members.new (or the first indicator with figures) by figure;
       false when nothing can be ranked. */
    static const us_source_t order [] = { US_SOURCE_PROVINCE, US_SOURCE_TLD, US_SOURCE_COMMITTED };
    size_t n = us_report_indicators (r), children;
    int first = us_report_find_indicator (r, "members.new");
    for (size_t k = 0; k <= n; k++) {
        int i = k == 0 ? first : (int) k - 1;
        if (i < 0 || (k > 0 && i == first))
            continue;
        for (int s = 0; s < 3; s++) {
            size_t with = s_targeted (r, (size_t) i, order [s], &children);
            if (with > 0 && with * 2 >= children) {
                *ind = (size_t) i;
                *source = order [s];
                *by = US_RANK_ACHIEVEMENT;
                return true;
            }
        }
    }
    us_report_unit_t info;
    double v;
    for (size_t k = 0; k <= n; k++) {
        int i = k == 0 ? first : (int) k - 1;
        if (i < 0 || us_report_indicator (r, (size_t) i)->kind == US_KIND_RATIO)
            continue;
        for (size_t u = 1; u < us_report_units (r); u++) {
            us_report_unit (&info, r, u);
            if (info.parent_index == 0 && us_report_cell (&v, r, u, (size_t) i) && v > 0) {
                *ind = (size_t) i;
                *source = US_SOURCE_PROVINCE;
                *by = US_RANK_VALUE;
                return true;
            }
        }
    }
    return false;
}

/* Writes the sentence naming the leading units. */
static int
s_vi_leaders (FILE *out, const us_report_t *r)
{
    size_t i;
    us_source_t source;
    us_rank_by_t by;
    if (!s_pick_ranking (r, &i, &source, &by))
        return 0;
    us_rank_t *ranks = calloc (us_report_units (r) + 1, sizeof *ranks);
    if (!ranks)
        return us_error_set (US_ENOMEM, "out of memory");
    size_t n;
    const us_indicator_t *ind = us_report_indicator (r, i);
    int rc = us_render_rank (ranks, &n, r, ind->code, source, by);
    size_t lead = 0;
    while (rc == 0 && lead < n && lead < 6 && ranks [lead].rank && ranks [lead].rank <= 3
       &&  (by == US_RANK_ACHIEVEMENT || ranks [lead].value > 0))
        lead++;
    if (rc == 0 && lead > 0) {
        char topic [300];
        s_lower_first (topic, sizeof topic, ind->name);
        if (by == US_RANK_ACHIEVEMENT)
            fprintf (out, "Dẫn đầu về %s so với %s: ", topic, s_vi_source (source));
        else
            fprintf (out, "Dẫn đầu về %s: ", topic);
        for (size_t k = 0; k < lead; k++) {
            us_report_unit_t info;
            us_report_unit (&info, r, ranks [k].unit);
            char num [48];
            if (by == US_RANK_ACHIEVEMENT)
                us_text_vi_dec (num, sizeof num, ranks [k].pct);
            else
                s_vi_figure (num, sizeof num, ind->kind, ranks [k].value);
            fprintf (out, "%s%s (%s%s%s)", k == 0 ? "" : k == lead - 1 ? " và " : ", ",
                     info.name, by == US_RANK_ACHIEVEMENT ? "đạt " : "", num,
                     by == US_RANK_ACHIEVEMENT ? "%" : "");
        }
        fputs (".\n", out);
    }
    free (ranks);
    return rc;
}

/* Writes the Vietnamese text of a report, one paragraph per line. */
static int
s_vi_write (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    s_vi_results (out, r, prev);
    s_vi_completeness (out, r);
    return s_vi_leaders (out, r);
}

/*  ----------------------------------------------------------------------
    Comparison with the same period of the previous year
    ---------------------------------------------------------------------- */

/* Returns true when indicator i has a previous figure at any unit of r. */
static bool
s_ind_had (const us_report_t *r, const us_report_t *prev, size_t i)
{
    double v;
    for (size_t u = 0; u < us_report_units (r); u++)
        if (s_previous (&v, r, prev, u, i))
            return true;
    return false;
}

/* Writes a change as "+7.3%" (or "+1.2 pt" for a ratio), "-" when none. */
static void
s_en_change (char *buf, size_t size, us_kind_t kind, bool has_now, double now,
             bool has_before, double before)
{
    double change;
    if (!has_now || !has_before || !s_change (&change, kind, now, before))
        snprintf (buf, size, "-");
    else
        snprintf (buf, size, "%+.1f%s", change, kind == US_KIND_RATIO ? " pt" : "%");
}

/* Prints the comparison section after the text report. */
static void
s_compare_text (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    const char *now_text = us_report_period (r)->text;
    const char *was_text = us_report_period (prev)->text;
    fprintf (out, "\nSame period last year: %s", was_text);
    if (s_prev_empty (prev)) {
        fputs (" (no figures to compare with)\n", out);
        return;
    }
    fputc ('\n', out);
    size_t name_w = 8;
    us_report_unit_t info;
    for (size_t u = 0; u < us_report_units (r); u++) {
        us_report_unit (&info, r, u);
        size_t w = us_text_width (info.name) + 2 * (size_t) info.depth + 2;
        if (w > name_w)
            name_w = w < 50 ? w : 50;
    }
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        if (!s_ind_had (r, prev, i))
            continue;
        const us_indicator_t *ind = us_report_indicator (r, i);
        fputc ('\n', out);
        us_text_pad (out, ind->code, name_w, false);
        fprintf (out, "  %16s  %16s  %9s\n", now_text, was_text, "Change");
        for (size_t u = 0; u < us_report_units (r); u++) {
            double now = 0, before = 0;
            bool has_now = us_report_cell (&now, r, u, i);
            bool has_before = s_previous (&before, r, prev, u, i);
            if (!has_now && !has_before)
                continue;
            us_report_unit (&info, r, u);
            char label [600], a [48] = "-", b [48] = "-", c [32];
            snprintf (label, sizeof label, "%*s%s", 2 * info.depth + 2, "", info.name);
            if (has_now)
                s_en_figure (a, sizeof a, ind->kind, now);
            if (has_before)
                s_en_figure (b, sizeof b, ind->kind, before);
            s_en_change (c, sizeof c, ind->kind, has_now, now, has_before, before);
            us_text_pad (out, label, name_w, false);
            fprintf (out, "  %16s  %16s  %9s\n", a, b, c);
        }
    }
}

/* Writes a figure as a plain number: whole, or one decimal for a ratio. */
static void
s_plain (FILE *out, us_kind_t kind, double v)
{
    fprintf (out, kind == US_KIND_RATIO ? "%.1f" : "%.0f", v);
}

/* Prints the comparison as CSV: one row per unit and indicator. */
static void
s_compare_csv (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    fputs ("\xEF\xBB\xBF", out);
    fputs ("period,unit,name,parent,indicator,value,previous_period,previous_value,change\r\n",
           out);
    us_report_unit_t info;
    for (size_t u = 0; u < us_report_units (r); u++)
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        const us_indicator_t *ind = us_report_indicator (r, i);
        double now = 0, before = 0, change;
        bool has_now = us_report_cell (&now, r, u, i);
        bool has_before = s_previous (&before, r, prev, u, i);
        if (!has_now && !has_before)
            continue;
        us_report_unit (&info, r, u);
        fprintf (out, "%s,", us_report_period (r)->text);
        us_text_csv (out, info.code);
        fputc (',', out);
        us_text_csv (out, info.name);
        fputc (',', out);
        us_text_csv (out, info.parent);
        fprintf (out, ",%s,", ind->code);
        if (has_now)
            s_plain (out, ind->kind, now);
        fprintf (out, ",%s,", us_report_period (prev)->text);
        if (has_before)
            s_plain (out, ind->kind, before);
        fputc (',', out);
        if (has_now && has_before && s_change (&change, ind->kind, now, before))
            fprintf (out, "%.1f", change);
        fputs ("\r\n", out);
    }
}

/* Prints the comparison as one JSON object. */
static void
s_compare_json (FILE *out, const us_report_t *r, const us_report_t *prev)
{
    us_report_unit_t info;
    us_report_unit (&info, r, 0);
    fputs ("{\"period\":", out);
    us_text_json (out, us_report_period (r)->text);
    fputs (",\"previous_period\":", out);
    us_text_json (out, us_report_period (prev)->text);
    fputs (",\"unit\":", out);
    us_text_json (out, info.code);
    fputs (",\"rows\":[", out);
    for (size_t u = 0; u < us_report_units (r); u++) {
        us_report_unit (&info, r, u);
        fputs (u ? ",{\"unit\":" : "{\"unit\":", out);
        us_text_json (out, info.code);
        fputs (",\"name\":", out);
        us_text_json (out, info.name);
        fputs (",\"parent\":", out);
        if (*info.parent)
            us_text_json (out, info.parent);
        else
            fputs ("null", out);
        fputs (",\"values\":{", out);
        bool first = true;
        for (size_t i = 0; i < us_report_indicators (r); i++) {
            const us_indicator_t *ind = us_report_indicator (r, i);
            double now = 0, before = 0, change;
            bool has_now = us_report_cell (&now, r, u, i);
            bool has_before = s_previous (&before, r, prev, u, i);
            if (!has_now && !has_before)
                continue;
            fputs (first ? "" : ",", out);
            us_text_json (out, ind->code);
            fputs (":{\"value\":", out);
            if (has_now)
                s_plain (out, ind->kind, now);
            else
                fputs ("null", out);
            fputs (",\"previous\":", out);
            if (has_before)
                s_plain (out, ind->kind, before);
            else
                fputs ("null", out);
            fputs (",\"change\":", out);
            if (has_now && has_before && s_change (&change, ind->kind, now, before))
                fprintf (out, "%.1f", change);
            else
                fputs ("null", out);
            fputc ('}', out);
            first = false;
        }
        fputs ("}}", out);
    }
    fputs ("]}\n", out);
}

/*  ----------------------------------------------------------------------
    HTML
    ---------------------------------------------------------------------- */

/* Writes s with &, <, >, " and ' escaped for HTML text and attributes. */
void
us_render_html_escape (FILE *out, const char *s)
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

static const char *s_css =
    "@page{size:A4;margin:14mm 12mm 16mm 12mm}"
    "*{box-sizing:border-box}"
    "body{font-family:'Times New Roman','Liberation Serif','DejaVu Serif',serif;"
    "font-size:11.5pt;line-height:1.4;color:#111;max-width:200mm;margin:0 auto;padding:8mm 6mm;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "header{text-align:center;border-bottom:2px solid #1f3b6e;padding-bottom:4mm;margin-bottom:4mm}"
    ".org{font-weight:bold;text-transform:uppercase;letter-spacing:.02em;margin:0}"
    "h1{font-size:17pt;margin:2mm 0 1mm;color:#1f3b6e}"
    ".meta{margin:0;color:#444;font-size:10pt}"
    "h2{font-size:13pt;color:#1f3b6e;border-bottom:1px solid #c5cde0;margin:6mm 0 2mm;"
    "break-after:avoid;page-break-after:avoid}"
    "p.lead{text-align:justify;text-indent:8mm;margin:0 0 2mm}"
    "table{border-collapse:collapse;width:100%;font-size:9pt;margin:1mm 0 2mm}"
    "thead{display:table-header-group}"
    "tr{break-inside:avoid;page-break-inside:avoid}"
    "th,td{border:1px solid #9aa3b5;padding:2px 4px;vertical-align:top}"
    "th{background:#e8edf6;font-weight:bold;text-align:center;font-size:7.5pt;"
    "overflow-wrap:anywhere;hyphens:auto}"
    "th .code{display:block;font-weight:normal;color:#555;font-family:monospace;font-size:6.5pt}"
    "th:first-child,td:first-child{min-width:40mm;text-align:left}"
    "td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    "tr.root td{font-weight:bold;background:#f4f6fb}"
    "td.ok{color:#1b5e20;font-weight:bold}td.warn{color:#8a5a00}td.bad{color:#b71c1c}"
    ".miss{color:#b71c1c;font-size:8pt}"
    ".note{font-size:9pt;color:#444;margin:0 0 2mm}"
    ".cmp span{display:block}.cmp .prev{color:#555;font-size:8pt}"
    ".up{color:#1b5e20}.down{color:#b71c1c}"
    "figure{margin:2mm 0 4mm;break-inside:avoid;page-break-inside:avoid}"
    "figcaption{font-weight:bold;font-size:10pt;margin-bottom:1mm}"
    ".grid{display:grid;grid-template-columns:1fr 1fr;column-gap:6mm}"
    "svg{max-width:100%;height:auto;display:block}"
    "svg text{font-family:'Liberation Sans','DejaVu Sans',Arial,sans-serif;"
    "font-size:11px;fill:#222}"
    "svg .small{font-size:9px;fill:#555}"
    "footer{margin-top:8mm;border-top:1px solid #c5cde0;font-size:8.5pt;color:#555}"
    "@media print{body{max-width:none;padding:0}h2{margin-top:5mm}}";

/* Writes an SVG attribute with one decimal of a pixel. */
static void
s_px (FILE *out, const char *name, double v)
{
    fprintf (out, " %s=\"%.1f\"", name, v);
}

/* One bar of a horizontal chart. */
typedef struct {
    const char *label;
    bool has;                   /* false: a note instead of a bar */
    double value;
    char text [160];            /* written after the bar, or the note */
    const char *fill;
} s_bar_t;

/* Draws a horizontal bar chart with a dashed line at ref (if > 0) and a note. */
static void
s_svg_hbars (FILE *out, const char *caption, const s_bar_t *bars, size_t n, double max,
             double ref, const char *ref_label, const char *note)
{
    const double width = 680, label_w = 232, x0 = 238, bar_w = 372, row = 20, top = 6;
    double height = top + (double) n * row + 22;
    if (max <= 0)
        max = 1;
    fputs ("<figure><figcaption>", out);
    us_render_html_escape (out, caption);
    fprintf (out, "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\""
             " role=\"img\"><title>", width, height, width, height);
    us_render_html_escape (out, caption);
    fputs ("</title>\n", out);
    for (size_t k = 0; k < n; k++) {
        double y = top + (double) k * row;
        char label [300];
        s_clip (label, sizeof label, bars [k].label, 38);
        fputs ("<text", out);
        s_px (out, "x", label_w);
        s_px (out, "y", y + 13);
        fputs (" text-anchor=\"end\">", out);
        us_render_html_escape (out, label);
        fputs ("</text>", out);
        double w = 0;
        if (bars [k].has) {
            w = bars [k].value / max * bar_w;
            w = w < 0 ? 0 : w > bar_w ? bar_w : w;
            fputs ("<rect", out);
            s_px (out, "x", x0);
            s_px (out, "y", y + 3);
            s_px (out, "width", w);
            s_px (out, "height", row - 6);
            fprintf (out, " fill=\"%s\"/>", bars [k].fill);
        }
        fprintf (out, "<text%s", bars [k].has ? "" : " class=\"small\"");
        s_px (out, "x", x0 + w + 4);
        s_px (out, "y", y + 13);
        fputc ('>', out);
        us_render_html_escape (out, bars [k].text);
        fputs ("</text>\n", out);
    }
    double bottom = top + (double) n * row;
    fputs ("<line", out);
    s_px (out, "x1", x0);
    s_px (out, "y1", top);
    s_px (out, "x2", x0);
    s_px (out, "y2", bottom);
    fputs (" stroke=\"#555\"/>\n", out);
    if (ref > 0 && ref <= max) {
        double x = x0 + ref / max * bar_w;
        fputs ("<line", out);
        s_px (out, "x1", x);
        s_px (out, "y1", top);
        s_px (out, "x2", x);
        s_px (out, "y2", bottom + 4);
        fputs (" stroke=\"#333\" stroke-dasharray=\"4 3\"/><text class=\"small\"", out);
        s_px (out, "x", x);
        s_px (out, "y", bottom + 15);
        fputs (" text-anchor=\"middle\">", out);
        us_render_html_escape (out, ref_label);
        fputs ("</text>\n", out);
    }
    fputs ("</svg>", out);
    if (note && *note) {
        fputs ("<p class=\"note\">", out);
        us_render_html_escape (out, note);
        fputs ("</p>", out);
    }
    fputs ("</figure>\n", out);
}

/* Draws a vertical bar chart of the root's figure for each month. */
static void
s_svg_months (FILE *out, const char *caption, const us_render_trend_t *t, size_t i, us_kind_t kind)
{
    const double width = 330, height = 170, left = 6, right = 324, top = 20, base = 140;
    double max = 0;
    for (size_t m = 0; m < t->months; m++) {
        size_t k = m * t->n_inds + i;
        if (t->has [k] && t->values [k] > max)
            max = t->values [k];
    }
    if (max <= 0)
        max = 1;
    double slot = (right - left) / (double) t->months;
    size_t step = (t->months + 11) / 12;
    bool one_year = us_month_year (t->first) == us_month_year (t->first + (int) t->months - 1);
    fputs ("<figure><figcaption>", out);
    us_render_html_escape (out, caption);
    fprintf (out, "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\""
             " role=\"img\"><title>", width, height, width, height);
    us_render_html_escape (out, caption);
    fputs ("</title>\n", out);
    for (size_t m = 0; m < t->months; m++) {
        size_t k = m * t->n_inds + i;
        double x = left + (double) m * slot, cx = x + slot / 2;
        if (t->has [k]) {
            double h = t->values [k] / max * (base - top);
            h = h < 0 ? 0 : h;
            fputs ("<rect", out);
            s_px (out, "x", x + slot * 0.15);
            s_px (out, "y", base - h);
            s_px (out, "width", slot * 0.7);
            s_px (out, "height", h);
            fputs (" fill=\"#1565c0\"/>", out);
            if (t->months <= 12) {
                char num [48];
                s_vi_figure (num, sizeof num, kind, t->values [k]);
                fputs ("<text class=\"small\"", out);
                s_px (out, "x", cx);
                s_px (out, "y", base - h - 3);
                fprintf (out, " text-anchor=\"middle\">%s</text>", num);
            }
        }
        if (m % step == 0) {
            int month = t->first + (int) m;
            char label [24];
            if (one_year)
                snprintf (label, sizeof label, "T%d", month % 12 + 1);
            else
                snprintf (label, sizeof label, "%d/%02d", month % 12 + 1,
                          us_month_year (month) % 100);
            fputs ("<text class=\"small\"", out);
            s_px (out, "x", cx);
            s_px (out, "y", base + 14);
            fprintf (out, " text-anchor=\"middle\">%s</text>", label);
        }
        fputc ('\n', out);
    }
    fputs ("<line", out);
    s_px (out, "x1", left);
    s_px (out, "y1", base);
    s_px (out, "x2", right);
    s_px (out, "y2", base);
    fputs (" stroke=\"#555\"/></svg></figure>\n", out);
}

/* Returns the colour of an achievement bar. */
static const char *
s_pct_fill (double pct)
{
    return pct >= 100 ? "#2e7d32" : pct >= 80 ? "#f9a825" : "#c62828";
}

/* Returns the class of an achievement cell. */
static const char *
s_pct_class (double pct)
{
    return pct >= 100 ? "ok" : pct >= 80 ? "warn" : "bad";
}

/* Draws the achievement of each of the root's children on (i, source). */
static int
s_html_achievement_chart (FILE *out, const us_report_t *r, size_t i, us_source_t source)
{
    us_rank_t *ranks = calloc (us_report_units (r) + 1, sizeof *ranks);
    s_bar_t *bars = calloc (us_report_units (r) + 1, sizeof *bars);
    if (!ranks || !bars) {
        free (ranks);
        free (bars);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    const us_indicator_t *ind = us_report_indicator (r, i);
    size_t n;
    int rc = us_render_rank (ranks, &n, r, ind->code, source, US_RANK_ACHIEVEMENT);
    double max = 100;
    size_t drawn = 0;
    char *note = calloc (n * 260 + 64, 1);
    if (rc == 0 && !note)
        rc = us_error_set (US_ENOMEM, "out of memory");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, ranks [k].unit);
        if (!ranks [k].rank) {
            size_t len = strlen (note);
            snprintf (note + len, n * 260 + 64 - len, "%s%s", len ? ", " : "Chưa giao chỉ tiêu: ",
                      info.name);
            continue;
        }
        s_bar_t *bar = &bars [drawn++];
        char pct [32], target [72], value [32] = "0";
        us_text_vi_dec (pct, sizeof pct, ranks [k].pct);
        s_vi_target (target, sizeof target, &ranks [k].target);
        if (ranks [k].has_value)
            s_vi_figure (value, sizeof value, ind->kind, ranks [k].value);
        bar->label = info.name;
        bar->has = true;
        snprintf (bar->text, sizeof bar->text, "%s%% (%s/%s)", pct, value, target);
        bar->value = ranks [k].pct;
        bar->fill = s_pct_fill (ranks [k].pct);
        if (ranks [k].pct > max)
            max = ranks [k].pct;
    }
    if (rc == 0) {
        if (*note)
            strcat (note, ".");
        max = (max > 250 ? 250 : max) * 1.08;
        char caption [700], period [96], source_words [96];
        us_render_vi_period (period, sizeof period, us_report_period (r));
        snprintf (source_words, sizeof source_words, "%s", s_vi_source (source));
        snprintf (caption, sizeof caption, "Tỷ lệ đạt %s — %s, %s", source_words, ind->name, period);
        s_svg_hbars (out, caption, bars, drawn, max, 100, "100%", note);
    }
    free (note);
    free (ranks);
    free (bars);
    return rc;
}

/* Draws the figure of each of the root's children on indicator i. */
static int
s_html_figure_chart (FILE *out, const us_report_t *r, size_t i)
{
    us_rank_t *ranks = calloc (us_report_units (r) + 1, sizeof *ranks);
    s_bar_t *bars = calloc (us_report_units (r) + 1, sizeof *bars);
    if (!ranks || !bars) {
        free (ranks);
        free (bars);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    const us_indicator_t *ind = us_report_indicator (r, i);
    size_t n;
    int rc = us_render_rank (ranks, &n, r, ind->code, US_SOURCE_PROVINCE, US_RANK_VALUE);
    double max = 0;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        us_report_unit_t info;
        us_report_unit (&info, r, ranks [k].unit);
        bars [k].label = info.name;
        bars [k].has = ranks [k].has_value;
        bars [k].fill = "#1565c0";
        if (bars [k].has) {
            s_vi_figure (bars [k].text, sizeof bars [k].text, ind->kind, ranks [k].value);
            bars [k].value = ranks [k].value;
            if (ranks [k].value > max)
                max = ranks [k].value;
        }
        else
            snprintf (bars [k].text, sizeof bars [k].text, "chưa có số liệu");
    }
    if (rc == 0) {
        char caption [700], period [96];
        us_render_vi_period (period, sizeof period, us_report_period (r));
        snprintf (caption, sizeof caption, "%s theo đơn vị, %s", ind->name, period);
        s_svg_hbars (out, caption, bars, n, max * 1.12, 0, "", NULL);
    }
    free (ranks);
    free (bars);
    return rc;
}

/* Returns true when the trend of indicator i is worth a chart. */
static bool
s_trend_useful (const us_render_trend_t *t, const us_report_t *r, size_t i)
{
    if (!t || t->months < 2 || i >= t->n_inds)
        return false;
    size_t months = 0;
    for (size_t m = 0; m < t->months; m++)
        months += t->has [m * t->n_inds + i];
    return us_report_indicator (r, i)->kind == US_KIND_FLOW ? months > 0 : months > 1;
}

/* Writes the charts section; returns 0 or an error. */
static int
s_html_charts (FILE *out, const us_report_t *r, const us_render_trend_t *trend, int *section)
{
    size_t children, n = us_report_indicators (r);
    bool any = false;
    int rc = 0;
    bool members_covered = false;
    for (size_t i = 0; rc == 0 && i < n; i++)
        for (int s = 0; rc == 0 && s < US_SOURCE_COUNT; s++) {
            size_t with = s_targeted (r, i, (us_source_t) s, &children);
            if (!with)
                continue;
            if (!any)
                fprintf (out, "<section>\n<h2>%d. Biểu đồ</h2>\n", ++*section);
            any = true;
            rc = s_html_achievement_chart (out, r, i, (us_source_t) s);
            if (with == children && strcmp (us_report_indicator (r, i)->code, "members.new") == 0)
                members_covered = true;
        }
    int members = us_report_find_indicator (r, "members.new");
    double v;
    bool members_figures = false;
    for (size_t u = 1; members >= 0 && u < us_report_units (r); u++) {
        us_report_unit_t info;
        us_report_unit (&info, r, u);
        if (info.parent_index == 0 && us_report_cell (&v, r, u, (size_t) members))
            members_figures = true;
    }
    if (rc == 0 && members_figures && !members_covered) {
        if (!any)
            fprintf (out, "<section>\n<h2>%d. Biểu đồ</h2>\n", ++*section);
        any = true;
        rc = s_html_figure_chart (out, r, (size_t) members);
    }
    bool grid = false;
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!s_trend_useful (trend, r, i))
            continue;
        if (!any)
            fprintf (out, "<section>\n<h2>%d. Biểu đồ</h2>\n", ++*section);
        any = true;
        if (!grid) {
            fprintf (out, "<p class=\"note\">Diễn biến theo tháng của %s:</p>\n<div class=\"grid\">\n",
                     s_is_province (r) ? "toàn tỉnh" : "đơn vị");
            grid = true;
        }
        s_svg_months (out, us_report_indicator (r, i)->name, trend, i,
                      us_report_indicator (r, i)->kind);
    }
    if (grid)
        fputs ("</div>\n", out);
    if (any)
        fputs ("</section>\n", out);
    return rc;
}

/* Writes the completeness and timeliness section. */
static void
s_html_completeness (FILE *out, const us_report_t *r, int *section)
{
    int expected, submitted, on_time, late, n_missing;
    us_report_completeness (&expected, &submitted, r);
    us_report_timeliness (&on_time, &late, r);
    const int *missing = us_report_missing (&n_missing, r);
    char deadline [32];
    s_vi_deadline (deadline, sizeof deadline, us_report_period (r));
    fprintf (out, "<section>\n<h2>%d. Tình hình nộp báo cáo</h2>\n", ++*section);
    if (expected == 0) {
        fputs ("<p>Không có đơn vị nào phải nộp báo cáo trong kỳ.</p>\n</section>\n", out);
        return;
    }
    fprintf (out, "<p>Đã nộp: <b>%d/%d</b> đơn vị (%d đúng hạn, %d sau hạn; hạn nộp ngày %s).",
             submitted, expected, on_time, late, deadline);
    if (n_missing == 0)
        fputs (" Tất cả các đơn vị đã nộp.", out);
    fputs ("</p>\n", out);
    const double w = 420;
    double a = w * on_time / expected, b = w * late / expected;
    fputs ("<svg viewBox=\"0 0 430 16\" width=\"430\" height=\"16\" role=\"img\">"
           "<title>Tiến độ nộp báo cáo</title>", out);
    fprintf (out, "<rect x=\"0\" y=\"2\" width=\"%.1f\" height=\"12\" fill=\"#e3e6ec\"/>", w);
    fprintf (out, "<rect x=\"0\" y=\"2\" width=\"%.1f\" height=\"12\" fill=\"#2e7d32\"/>", a);
    fprintf (out, "<rect x=\"%.1f\" y=\"2\" width=\"%.1f\" height=\"12\" fill=\"#f9a825\"/>", a, b);
    fputs ("</svg>\n", out);
    fputs ("<p class=\"note\">Xanh: đúng hạn; vàng: sau hạn; xám: chưa nộp.</p>\n", out);
    if (n_missing) {
        fputs ("<p>Chưa nộp: ", out);
        for (int k = 0; k < n_missing; k++) {
            us_report_unit_t info;
            us_report_unit (&info, r, (size_t) missing [k]);
            fputs (k ? ", " : "", out);
            fputs ("<b>", out);
            us_render_html_escape (out, info.name);
            fputs ("</b> (", out);
            us_render_html_escape (out, info.code);
            fputc (')', out);
        }
        fputs (".</p>\n", out);
    }
    fputs ("</section>\n", out);
}

/* Returns true when unit u is among the units that have not submitted. */
static bool
s_is_missing (const us_report_t *r, size_t u)
{
    int n;
    const int *missing = us_report_missing (&n, r);
    for (int k = 0; k < n; k++)
        if ((size_t) missing [k] == u)
            return true;
    return false;
}

/* Writes the header cells of the used indicators. */
static void
s_html_ind_headers (FILE *out, const us_report_t *r, const bool *used)
{
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        if (!used [i])
            continue;
        const us_indicator_t *ind = us_report_indicator (r, i);
        fputs ("<th>", out);
        us_render_html_escape (out, ind->name);
        fputs ("<span class=\"code\">", out);
        us_render_html_escape (out, ind->code);
        fputs ("</span></th>", out);
    }
}

/* Writes the first cell of a unit's row, indented by depth. */
static void
s_html_unit_cell (FILE *out, const us_report_t *r, size_t u, bool mark_missing)
{
    us_report_unit_t info;
    us_report_unit (&info, r, u);
    fprintf (out, "<tr%s><td style=\"padding-left:%dpx\">", u == 0 ? " class=\"root\"" : "",
             4 + 14 * info.depth);
    us_render_html_escape (out, info.name);
    if (mark_missing && s_is_missing (r, u))
        fputs (" <span class=\"miss\">(chưa nộp)</span>", out);
    fputs ("</td>", out);
}

/* Writes the table of units by indicators. */
static void
s_html_units (FILE *out, const us_report_t *r, const bool *used, int *section)
{
    fprintf (out, "<section>\n<h2>%d. Số liệu tổng hợp theo đơn vị</h2>\n", ++*section);
    fputs ("<table>\n<thead><tr><th>Đơn vị</th>", out);
    s_html_ind_headers (out, r, used);
    fputs ("</tr></thead>\n<tbody>\n", out);
    for (size_t u = 0; u < us_report_units (r); u++) {
        s_html_unit_cell (out, r, u, true);
        for (size_t i = 0; i < us_report_indicators (r); i++) {
            if (!used [i])
                continue;
            char num [48] = "–";
            double v;
            if (us_report_cell (&v, r, u, i))
                s_vi_figure (num, sizeof num, us_report_indicator (r, i)->kind, v);
            fprintf (out, "<td class=\"num\">%s</td>", num);
        }
        fputs ("</tr>\n", out);
    }
    fputs ("</tbody>\n</table>\n</section>\n", out);
}

/* Writes the table of targets and achievement. */
static void
s_html_targets (FILE *out, const us_report_t *r, int *section)
{
    bool header = false;
    static const char *sources [] = {
        "Tổng Liên đoàn giao", "Kế hoạch LĐLĐ tỉnh", "Cam kết với BTV Tỉnh ủy"
    };
    for (size_t u = 0; u < us_report_units (r); u++)
    for (size_t i = 0; i < us_report_indicators (r); i++)
    for (int s = 0; s < US_SOURCE_COUNT; s++) {
        us_report_target_t t;
        if (!us_report_target (&t, r, u, i, (us_source_t) s))
            continue;
        if (!header) {
            fprintf (out, "<section>\n<h2>%d. Chỉ tiêu và kết quả thực hiện</h2>\n", ++*section);
            fputs ("<table>\n<thead><tr><th>Đơn vị</th><th>Chỉ tiêu</th><th>Nguồn</th>"
                   "<th>Kỳ chỉ tiêu</th><th>Mức giao</th><th>Thực hiện</th><th>Đạt</th>"
                   "</tr></thead>\n<tbody>\n", out);
            header = true;
        }
        const us_indicator_t *ind = us_report_indicator (r, i);
        us_report_unit_t info;
        us_report_unit (&info, r, u);
        char target [80], actual [48] = "–", pct [48] = "–", when [96];
        s_vi_target (target, sizeof target, &t);
        double v, p;
        bool has = us_report_cell (&v, r, u, i);
        if (has)
            s_vi_figure (actual, sizeof actual, ind->kind, v);
        us_period_t tp;
        if (us_period_parse (&tp, t.period) == 0)
            us_render_vi_period (when, sizeof when, &tp);
        else
            snprintf (when, sizeof when, "%s", t.period);
        bool has_pct = us_report_pct (&p, r, u, i, (us_source_t) s);
        if (has_pct) {
            char num [40];
            us_text_vi_dec (num, sizeof num, p);
            snprintf (pct, sizeof pct, "%s%%", num);
        }
        fprintf (out, "<tr%s><td>", u == 0 ? " class=\"root\"" : "");
        us_render_html_escape (out, info.name);
        fputs ("</td><td>", out);
        us_render_html_escape (out, ind->name);
        fprintf (out, "</td><td>%s</td><td>", sources [s]);
        us_render_html_escape (out, when);
        fprintf (out, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>", target, actual);
        /* A target of a longer period (a year's for a half) is not yet due. */
        const us_period_t *rp = us_report_period (r);
        bool due = us_period_parse (&tp, t.period) != 0
                || (tp.first >= rp->first && tp.last <= rp->last);
        fprintf (out, "<td class=\"num%s%s\">%s", has_pct && (due || p >= 100) ? " " : "",
                 has_pct && (due || p >= 100) ? s_pct_class (p) : "", pct);
        if (t.range && has)
            fprintf (out, "<br><span class=\"note\">%s</span>", v < (double) t.lo ? "dưới mức"
                     : v > (double) t.hi ? "vượt mức" : "trong khoảng");
        fputs ("</td></tr>\n", out);
    }
    if (header)
        fputs ("</tbody>\n</table>\n<p class=\"note\">Tỷ lệ đạt tính trên mức giao "
               "(mức thấp nếu chỉ tiêu là một khoảng).</p>\n</section>\n", out);
}

/* Writes the comparison with the same period of the previous year. */
static void
s_html_compare (FILE *out, const us_report_t *r, const us_report_t *prev, int *section)
{
    size_t n = us_report_indicators (r);
    bool *used = calloc (n + 1, sizeof *used);
    if (!used)
        return;
    for (size_t i = 0; i < n; i++)
        used [i] = s_ind_had (r, prev, i);
    char was [96];
    us_render_vi_period (was, sizeof was, us_report_period (prev));
    fprintf (out, "<section>\n<h2>%d. So sánh với cùng kỳ (%s)</h2>\n", ++*section, was);
    if (s_prev_empty (prev)) {
        fputs ("<p>Cùng kỳ chưa có số liệu để so sánh.</p>\n</section>\n", out);
        free (used);
        return;
    }
    fputs ("<p class=\"note\">Mỗi ô: số kỳ này; số cùng kỳ năm trước; tăng/giảm "
           "(tỷ lệ: điểm phần trăm).</p>\n", out);
    fputs ("<table>\n<thead><tr><th>Đơn vị</th>", out);
    s_html_ind_headers (out, r, used);
    fputs ("</tr></thead>\n<tbody>\n", out);
    for (size_t u = 0; u < us_report_units (r); u++) {
        s_html_unit_cell (out, r, u, false);
        for (size_t i = 0; i < n; i++) {
            if (!used [i])
                continue;
            us_kind_t kind = us_report_indicator (r, i)->kind;
            double now = 0, before = 0, change;
            bool has_now = us_report_cell (&now, r, u, i);
            bool has_before = s_previous (&before, r, prev, u, i);
            char a [48] = "–", b [48] = "–", c [64] = "";
            if (has_now)
                s_vi_figure (a, sizeof a, kind, now);
            if (has_before)
                s_vi_figure (b, sizeof b, kind, before);
            const char *cls = "";
            if (has_now && has_before && s_change (&change, kind, now, before)) {
                char num [40];
                us_text_vi_dec (num, sizeof num, fabs (change));
                snprintf (c, sizeof c, "%s%s%s", change > 0 ? "+" : change < 0 ? "−" : "±",
                          num, kind == US_KIND_RATIO ? " điểm" : "%");
                cls = change > 0 ? "up" : change < 0 ? "down" : "";
            }
            fprintf (out, "<td class=\"num cmp\"><span>%s</span><span class=\"prev\">%s</span>"
                     "<span class=\"%s\">%s</span></td>", a, b, cls, c);
        }
        fputs ("</tr>\n", out);
    }
    fputs ("</tbody>\n</table>\n</section>\n", out);
    free (used);
}

/* Writes the summary paragraphs: the Vietnamese text, escaped. */
static int
s_html_summary (FILE *out, const us_report_t *r, const us_report_t *prev, int *section)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream (&text, &len);
    if (!mem)
        return us_error_set (US_ENOMEM, "out of memory");
    int rc = s_vi_write (mem, r, prev);
    fclose (mem);
    if (rc == 0) {
        fprintf (out, "<section>\n<h2>%d. Tóm tắt</h2>\n", ++*section);
        char *line = text;
        while (line && *line) {
            char *end = strchr (line, '\n');
            if (end)
                *end = 0;
            fputs ("<p class=\"lead\">", out);
            us_render_html_escape (out, line);
            fputs ("</p>\n", out);
            line = end ? end + 1 : NULL;
        }
        fputs ("</section>\n", out);
    }
    free (text);
    return rc;
}

/* Prints the report as one self-contained HTML page. */
static int
s_html (FILE *out, const us_report_t *r, const us_render_opts_t *opts)
{
    size_t n = us_report_indicators (r);
    bool *used = calloc (n + 1, sizeof *used);
    if (!used)
        return us_error_set (US_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        used [i] = s_ind_used (r, i);
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    const us_period_t *p = us_report_period (r);
    char period [96], first [8], last [8];
    us_render_vi_period (period, sizeof period, p);
    us_month_format (first, p->first);
    us_month_format (last, p->last);
    fputs ("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"generator\" content=\"unionsync\">\n<title>Báo cáo tổng hợp ", out);
    us_render_html_escape (out, period);
    fputs (" – ", out);
    us_render_html_escape (out, root.name);
    fprintf (out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<p class=\"org\">",
             s_css);
    us_render_html_escape (out, root.name);
    fputs ("</p>\n<h1>Báo cáo tổng hợp số liệu ", out);
    us_render_html_escape (out, period);
    fputs ("</h1>\n<p class=\"meta\">Kỳ báo cáo: ", out);
    us_render_html_escape (out, p->text);
    fprintf (out, " (%s – %s) · Đơn vị: ", first, last);
    us_render_html_escape (out, root.name);
    fputs (" (", out);
    us_render_html_escape (out, root.code);
    fputs (")</p>\n</header>\n", out);
    int section = 0;
    int rc = s_html_summary (out, r, opts->previous, &section);
    if (rc == 0) {
        s_html_completeness (out, r, &section);
        s_html_units (out, r, used, &section);
        s_html_targets (out, r, &section);
        rc = s_html_charts (out, r, opts->trend, &section);
    }
    if (rc == 0 && opts->previous)
        s_html_compare (out, r, opts->previous, &section);
    if (rc == 0)
        fputs ("<footer><p>Số liệu tổng hợp từ báo cáo của các đơn vị; số của đơn vị cấp trên "
               "gồm số của chính đơn vị và của các đơn vị trực thuộc.</p></footer>\n"
               "</body>\n</html>\n", out);
    free (used);
    return rc;
}

/*  ----------------------------------------------------------------------
    Ranking output
    ---------------------------------------------------------------------- */

/* Writes a target as plain text: N or N..M. */
static void
s_plain_target (char *buf, size_t size, const us_report_target_t *t)
{
    if (t->range)
        snprintf (buf, size, "%" PRId64 "..%" PRId64, t->lo, t->hi);
    else
        snprintf (buf, size, "%" PRId64, t->lo);
}

/* Prints a ranking as an aligned text table. */
static void
s_rank_text (FILE *out, const us_report_t *r, const us_rank_t *ranks, size_t n,
             const us_indicator_t *ind, us_source_t source, us_rank_by_t by)
{
    us_report_unit_t info;
    us_report_unit (&info, r, 0);
    fprintf (out, "Ranking %s: %s ", us_report_period (r)->text, ind->code);
    if (by == US_RANK_ACHIEVEMENT)
        fprintf (out, "achievement against %s targets", us_source_name (source));
    else
        fprintf (out, "figures (no unit has a %s target; ranked by figure)",
                 us_source_name (source));
    fputs (", units of ", out);
    fprintf (out, "%s (%s)\n", info.name, info.code);
    size_t code_w = 4, name_w = 4;
    for (size_t k = 0; k < n; k++) {
        us_report_unit (&info, r, ranks [k].unit);
        if (strlen (info.code) > code_w)
            code_w = strlen (info.code);
        if (us_text_width (info.name) > name_w)
            name_w = us_text_width (info.name);
    }
    fprintf (out, "%4s  ", "Rank");
    us_text_pad (out, "Unit", code_w, false);
    fputs ("  ", out);
    us_text_pad (out, "Name", name_w, false);
    fprintf (out, "  %10s  %14s  %9s\n", "Actual", "Target", "Achieved");
    for (size_t k = 0; k < n; k++) {
        const us_rank_t *e = &ranks [k];
        us_report_unit (&info, r, e->unit);
        char rank [16] = "-", actual [48] = "-", target [64] = "-", pct [24] = "-";
        if (e->rank)
            snprintf (rank, sizeof rank, "%d", e->rank);
        if (e->has_value)
            s_en_figure (actual, sizeof actual, ind->kind, e->value);
        if (e->has_target) {
            char lo [32], hi [32];
            s_en_figure (lo, sizeof lo, US_KIND_FLOW, (double) e->target.lo);
            s_en_figure (hi, sizeof hi, US_KIND_FLOW, (double) e->target.hi);
            if (e->target.range)
                snprintf (target, sizeof target, "%s-%s", lo, hi);
            else
                snprintf (target, sizeof target, "%s", lo);
        }
        if (by == US_RANK_ACHIEVEMENT && e->rank)
            snprintf (pct, sizeof pct, "%.1f%%", e->pct);
        fprintf (out, "%4s  ", rank);
        us_text_pad (out, info.code, code_w, false);
        fputs ("  ", out);
        us_text_pad (out, info.name, name_w, false);
        fprintf (out, "  %10s  %14s  %9s\n", actual, target, pct);
    }
}

/* Prints a ranking as CSV. */
static void
s_rank_csv (FILE *out, const us_report_t *r, const us_rank_t *ranks, size_t n,
            const us_indicator_t *ind, us_source_t source, us_rank_by_t by)
{
    fputs ("\xEF\xBB\xBF", out);
    fputs ("period,indicator,source,by,rank,unit,name,value,target,achievement_pct\r\n", out);
    for (size_t k = 0; k < n; k++) {
        const us_rank_t *e = &ranks [k];
        us_report_unit_t info;
        us_report_unit (&info, r, e->unit);
        fprintf (out, "%s,%s,%s,%s,", us_report_period (r)->text, ind->code,
                 us_source_name (source), by == US_RANK_ACHIEVEMENT ? "achievement" : "value");
        if (e->rank)
            fprintf (out, "%d", e->rank);
        fputc (',', out);
        us_text_csv (out, info.code);
        fputc (',', out);
        us_text_csv (out, info.name);
        fputc (',', out);
        if (e->has_value)
            s_plain (out, ind->kind, e->value);
        fputc (',', out);
        if (e->has_target) {
            char target [64];
            s_plain_target (target, sizeof target, &e->target);
            fputs (target, out);
        }
        fputc (',', out);
        if (by == US_RANK_ACHIEVEMENT && e->rank)
            fprintf (out, "%.1f", e->pct);
        fputs ("\r\n", out);
    }
}

/* Prints a ranking as one JSON object. */
static void
s_rank_json (FILE *out, const us_report_t *r, const us_rank_t *ranks, size_t n,
             const us_indicator_t *ind, us_source_t source, us_rank_by_t by)
{
    us_report_unit_t info;
    us_report_unit (&info, r, 0);
    fputs ("{\"period\":", out);
    us_text_json (out, us_report_period (r)->text);
    fputs (",\"unit\":", out);
    us_text_json (out, info.code);
    fputs (",\"indicator\":", out);
    us_text_json (out, ind->code);
    fprintf (out, ",\"source\":\"%s\",\"by\":\"%s\",\"rows\":[", us_source_name (source),
             by == US_RANK_ACHIEVEMENT ? "achievement" : "value");
    for (size_t k = 0; k < n; k++) {
        const us_rank_t *e = &ranks [k];
        us_report_unit (&info, r, e->unit);
        fputs (k ? ",{\"rank\":" : "{\"rank\":", out);
        if (e->rank)
            fprintf (out, "%d", e->rank);
        else
            fputs ("null", out);
        fputs (",\"unit\":", out);
        us_text_json (out, info.code);
        fputs (",\"name\":", out);
        us_text_json (out, info.name);
        fputs (",\"value\":", out);
        if (e->has_value)
            s_plain (out, ind->kind, e->value);
        else
            fputs ("null", out);
        fputs (",\"target\":", out);
        if (e->has_target && e->target.range)
            fprintf (out, "{\"min\":%" PRId64 ",\"max\":%" PRId64 "}", e->target.lo, e->target.hi);
        else
        if (e->has_target)
            fprintf (out, "%" PRId64, e->target.lo);
        else
            fputs ("null", out);
        fputs (",\"achievement_pct\":", out);
        if (by == US_RANK_ACHIEVEMENT && e->rank)
            fprintf (out, "%.1f", e->pct);
        else
            fputs ("null", out);
        fputc ('}', out);
    }
    fputs ("]}\n", out);
}

/* Prints the ranking of the root's children on an indicator. */
int
us_render_rank_print (const us_report_t *report, FILE *out, us_render_format_t format,
                      const char *indicator, us_source_t source)
{
    if (format != US_RENDER_TEXT && format != US_RENDER_CSV && format != US_RENDER_JSON)
        return us_error_set (US_EINVAL, "a ranking prints as text, csv or json");
    int i = us_report_find_indicator (report, indicator);
    if (i < 0)
        return us_error_set (US_ENOTFOUND, "unknown indicator '%.64s'", indicator);
    us_rank_t *ranks = calloc (us_report_units (report) + 1, sizeof *ranks);
    if (!ranks)
        return us_error_set (US_ENOMEM, "out of memory");
    size_t n, children;
    us_rank_by_t by = s_targeted (report, (size_t) i, source, &children) > 0
                    ? US_RANK_ACHIEVEMENT : US_RANK_VALUE;
    int rc = us_render_rank (ranks, &n, report, indicator, source, by);
    if (rc == 0) {
        const us_indicator_t *ind = us_report_indicator (report, (size_t) i);
        if (format == US_RENDER_TEXT)
            s_rank_text (out, report, ranks, n, ind, source, by);
        else
        if (format == US_RENDER_CSV)
            s_rank_csv (out, report, ranks, n, ind, source, by);
        else
            s_rank_json (out, report, ranks, n, ind, source, by);
        if (fflush (out) != 0 || ferror (out))
            rc = us_error_set (US_EIO, "cannot write the ranking");
    }
    free (ranks);
    return rc;
}

/*  ----------------------------------------------------------------------
    Dispatch
    ---------------------------------------------------------------------- */

/* Prints the report in a format with the options. */
int
us_render_print (const us_report_t *report, FILE *out, us_render_format_t format,
                 const us_render_opts_t *opts)
{
    us_render_opts_t none = { NULL, NULL };
    if (!opts)
        opts = &none;
    const us_report_t *prev = opts->previous;
    int rc = 0;
    switch (format) {
        case US_RENDER_TEXT:
            rc = us_report_print (report, out, US_FORMAT_TEXT);
            if (rc == 0 && prev)
                s_compare_text (out, report, prev);
            break;
        case US_RENDER_CSV:
            if (prev)
                s_compare_csv (out, report, prev);
            else
                rc = us_report_print (report, out, US_FORMAT_CSV);
            break;
        case US_RENDER_JSON:
            if (prev)
                s_compare_json (out, report, prev);
            else
                rc = us_report_print (report, out, US_FORMAT_JSON);
            break;
        case US_RENDER_HTML:
            rc = s_html (out, report, opts);
            break;
        case US_RENDER_VI:
            rc = s_vi_write (out, report, prev);
            break;
    }
    if (rc == 0 && (fflush (out) != 0 || ferror (out)))
        rc = us_error_set (US_EIO, "cannot write the report");
    return rc;
}
