/*  us_import: an office's figures from a sheet, all or nothing (see us_import.h).

    The sheet is read whole into a list of edits first (so a duplicate or a
    bad field anywhere refuses the file before anything is written), then
    the edits are stored in file order in one transaction.
*/
#include "us_import.h"
#include "us_error.h"
#include "us_period.h"
#include "us_text.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { COL_NONE, COL_UNIT, COL_MONTH, COL_INDICATOR, COL_VALUE, COL_NOTE,
               COL_IGNORE, COL_PERIOD } role_t;

#define HEAD_MAX 80             /* bytes of a heading kept for messages */

typedef struct {
    role_t role;
    int month;                  /* COL_PERIOD: the month of the column */
    char heading [HEAD_MAX];
} column_t;

typedef struct {
    char *code, *name, *folded;
} indicator_t;

typedef struct {
    char unit [65];
    char indicator [65];
    int month;
    bool clear;
    char value [32];
    char *note;
    int line, column;           /* where the value was: for messages */
} edit_t;

typedef struct {
    char *code, *folded;
} unit_name_t;

typedef struct {
    const char *path;
    const us_import_opts_t *opts;
    us_dstore_t *store;
    unit_name_t *units;         /* the office's units by name, read once */
    size_t n_units;
    bool units_read;
    us_import_result_t *result;
    indicator_t *inds;
    size_t n_inds, cap_inds;
    column_t *cols;
    size_t n_cols;
    bool wide;
    edit_t *edits;
    size_t n_edits, cap_edits;
} import_t;

/* The headings of each role, folded (us_sheet_fold). */
static const struct {
    const char *text;
    role_t role;
} s_headings [] = {
    { "unit", COL_UNIT }, { "unit code", COL_UNIT }, { "don vi", COL_UNIT },
    { "ma don vi", COL_UNIT }, { "ma dv", COL_UNIT },
    { "month", COL_MONTH }, { "thang", COL_MONTH }, { "ky", COL_MONTH },
    { "indicator", COL_INDICATOR }, { "indicator code", COL_INDICATOR },
    { "code", COL_INDICATOR }, { "chi tieu", COL_INDICATOR },
    { "ma chi tieu", COL_INDICATOR },
    { "value", COL_VALUE }, { "gia tri", COL_VALUE }, { "so lieu", COL_VALUE },
    { "note", COL_NOTE }, { "ghi chu", COL_NOTE },
    { "unit name", COL_IGNORE }, { "ten don vi", COL_IGNORE }, { "name", COL_IGNORE },
    { "indicator name", COL_IGNORE }, { "ten chi tieu", COL_IGNORE }, { "ten", COL_IGNORE },
    { "stt", COL_IGNORE }, { "tt", COL_IGNORE }, { "no", COL_IGNORE }, { "no.", COL_IGNORE },
    { "don vi tinh", COL_IGNORE }, { "dvt", COL_IGNORE }, { "unit of measure", COL_IGNORE },
    { "tong", COL_IGNORE }, { "tong cong", COL_IGNORE }, { "cong", COL_IGNORE },
    { "total", COL_IGNORE },
};

/* Headings that begin these words are last year's figures or running
   totals: ignored. */
static const char *s_ignored_prefixes [] = { "cung ky", "last year", "nam truoc", "luy ke" };

/* Sets the error for a field: "PATH line N, field F (heading): ..." */
static int
s_fail_at (import_t *im, int line, size_t col, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_fail_at (import_t *im, int line, size_t col, const char *fmt, ...)
{
    char what [320];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (what, sizeof what, fmt, ap);
    va_end (ap);
    if (col >= im->n_cols)
        return us_error_set (US_EINVAL, "%s line %d: %s", im->path, line, what);
    if (im->cols [col].heading [0])
        return us_error_set (US_EINVAL, "%s line %d, field %zu (%s): %s", im->path, line,
                             col + 1, im->cols [col].heading, what);
    return us_error_set (US_EINVAL, "%s line %d, field %zu: %s", im->path, line, col + 1, what);
}

/* Trims spaces and no-break spaces at both ends, in place. */
static char *
s_trim (char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t')
            s++;
        else
        if ((unsigned char) s [0] == 0xC2 && (unsigned char) s [1] == 0xA0)
            s += 2;
        else
            break;
    }
    size_t n = strlen (s);
    for (;;) {
        if (n && (s [n - 1] == ' ' || s [n - 1] == '\t'))
            n--;
        else
        if (n >= 2 && (unsigned char) s [n - 2] == 0xC2 && (unsigned char) s [n - 1] == 0xA0)
            n -= 2;
        else
            break;
    }
    s [n] = 0;
    return s;
}

/* Reads a run of 1-4 digits as a number; returns the count read. */
static size_t
s_digits (int *value, const char *s, size_t max)
{
    size_t n = 0;
    *value = 0;
    while (n < max && s [n] >= '0' && s [n] <= '9')
        *value = *value * 10 + (s [n++] - '0');
    return n;
}

/* Parses a month as sheets write it. */
int
us_import_month (int *month, const char *text)
{
    char f [64];
    if (!us_sheet_fold (f, sizeof f, text))
        return US_EINVAL;
    const char *s = f;
    int y = 0, m = 0;
    size_t n;
    if ((n = s_digits (&y, s, 4)) == 4 && s [4] == '-') {
        size_t k = s_digits (&m, s + 5, 2);
        if (k == 0 || s [5 + k])
            return US_EINVAL;
    }
    else {
        if (strncmp (s, "thang", 5) == 0)
            s += 5;
        else
        if (s [0] == 't')
            s += 1;
        if (*s == '.' || *s == ' ')
            s++;
        size_t k = s_digits (&m, s, 2);
        if (k == 0)
            return US_EINVAL;
        s += k;
        if (*s == '/' || *s == '-')
            s++;
        else
        if (strncmp (s, " nam ", 5) == 0)
            s += 5;
        else
            return US_EINVAL;
        if (s_digits (&y, s, 4) != 4 || s [4])
            return US_EINVAL;
    }
    char iso [16];
    snprintf (iso, sizeof iso, "%04d-%02d", y, m);
    return us_month_parse (month, iso) == 0 ? 0 : US_EINVAL;
}

/* Returns the length of a thousands separator at s: '.', ',', ' ', a
   no-break space or a narrow no-break space; 0 if none. */
static size_t
s_group_sep (const char *s, char *kind)
{
    const unsigned char *u = (const unsigned char *) s;
    if (*s == '.' || *s == ',' || *s == ' ') {
        *kind = *s == '.' ? '.' : *s == ',' ? ',' : ' ';
        return 1;
    }
    if (u [0] == 0xC2 && u [1] == 0xA0) {
        *kind = ' ';
        return 2;
    }
    if (u [0] == 0xE2 && u [1] == 0x80 && u [2] == 0xAF) {
        *kind = ' ';
        return 3;
    }
    return 0;
}

/* Parses a whole number with optional groups of three digits. */
int
us_import_number (char *digits, size_t size, const char *text)
{
    assert (size >= 32);
    const char *s = text;
    size_t n = 0;
    if (*s == '-')
        digits [n++] = *s++;
    char kind = 0;
    size_t group = 0, groups = 0;
    while (*s) {
        char k;
        size_t sep = s_group_sep (s, &k);
        if (sep) {
            if ((kind && k != kind) || group == 0 || (groups == 0 && group > 3)
             || (groups > 0 && group != 3))
                return US_EINVAL;
            kind = k;
            groups++;
            group = 0;
            s += sep;
            continue;
        }
        if (*s < '0' || *s > '9' || n + 2 > size || n > 20)
            return US_EINVAL;
        digits [n++] = *s++;
        group++;
    }
    if (group == 0 || (groups > 0 && group != 3))
        return US_EINVAL;
    digits [n] = 0;
    return 0;
}

/* Keeps one indicator of the catalog with its folded name. */
static int
s_add_indicator (const char *code, const char *name, const char *kind, void *arg)
{
    (void) kind;
    import_t *im = arg;
    if (im->n_inds == im->cap_inds) {
        size_t cap = im->cap_inds ? im->cap_inds * 2 : 64;
        indicator_t *p = realloc (im->inds, cap * sizeof *p);
        if (!p)
            return us_error_set (US_ENOMEM, "out of memory");
        im->inds = p;
        im->cap_inds = cap;
    }
    char folded [600];
    indicator_t *ind = &im->inds [im->n_inds];
    *ind = (indicator_t) { strdup (code), strdup (name), NULL };
    if (us_sheet_fold (folded, sizeof folded, name))
        ind->folded = strdup (folded);
    im->n_inds++;
    if (!ind->code || !ind->name || !ind->folded)
        return us_error_set (US_ENOMEM, "out of memory");
    return 0;
}

/* Finds an indicator by code, then by folded Vietnamese name. */
static const char *
s_find_indicator (import_t *im, const char *text, bool *ambiguous)
{
    *ambiguous = false;
    for (size_t i = 0; i < im->n_inds; i++)
        if (strcmp (im->inds [i].code, text) == 0)
            return im->inds [i].code;
    char f [600];
    if (!us_sheet_fold (f, sizeof f, text))
        return NULL;
    const char *found = NULL;
    for (size_t i = 0; i < im->n_inds; i++)
        if (strcmp (im->inds [i].folded, f) == 0 || strcasecmp (im->inds [i].code, text) == 0) {
            *ambiguous = found != NULL;
            found = im->inds [i].code;
        }
    return found;
}

/* Gives each column its role from the heading row; false when the row is
   not headings (a file without them). */
static int
s_headings_read (import_t *im, char **f, size_t n, int line, bool *headed)
{
    im->cols = calloc (n, sizeof *im->cols);
    if (!im->cols)
        return us_error_set (US_ENOMEM, "out of memory");
    im->n_cols = n;
    size_t named = 0, unknown = 0, first_unknown = 0;
    for (size_t i = 0; i < n; i++) {
        column_t *c = &im->cols [i];
        char *text = s_trim (f [i]);
        snprintf (c->heading, sizeof c->heading, "%s", text);
        char folded [HEAD_MAX * 2];
        if (!us_sheet_fold (folded, sizeof folded, text))
            folded [0] = 0;
        size_t len = strlen (folded);
        if (len && folded [len - 1] == ':')
            folded [--len] = 0;
        for (size_t h = 0; h < sizeof s_headings / sizeof s_headings [0]; h++)
            if (strcmp (folded, s_headings [h].text) == 0)
                c->role = s_headings [h].role;
        for (size_t p = 0; p < sizeof s_ignored_prefixes / sizeof s_ignored_prefixes [0]; p++)
            if (strncmp (folded, s_ignored_prefixes [p], strlen (s_ignored_prefixes [p])) == 0)
                c->role = COL_IGNORE;
        if (c->role == COL_NONE && us_import_month (&c->month, text) == 0)
            c->role = COL_PERIOD;
        if (c->role == COL_NONE && !*text)
            c->role = COL_IGNORE;       /* an unnamed column must stay empty */
        if (c->role == COL_NONE && !unknown++)
            first_unknown = i;
        named += c->role >= COL_UNIT && c->role <= COL_NOTE;
    }
    int month;
    *headed = named > 0;
    if (!*headed && (n == 4 || n == 5) && us_import_month (&month, f [1]) == 0) {
        /* unit,month,indicator,value[,note] without headings */
        static const role_t fixed [5] = { COL_UNIT, COL_MONTH, COL_INDICATOR, COL_VALUE, COL_NOTE };
        for (size_t i = 0; i < n; i++) {
            im->cols [i].role = fixed [i];
            im->cols [i].heading [0] = 0;
        }
        return 0;
    }
    if (unknown || !*headed)
        return us_error_set (US_EINVAL, "%s line %d, field %zu: unknown column heading '%s'; "
                             "expected unit/đơn vị, month/tháng, indicator/chỉ tiêu, "
                             "value/giá trị, note/ghi chú, or months (2022-05, T5/2022)",
                             im->path, line, first_unknown + 1,
                             im->cols [first_unknown].heading);
    return 0;
}

/* Checks that the headings make a long or a wide layout. */
static int
s_layout (import_t *im, int line)
{
    int count [COL_PERIOD + 1] = { 0 };
    for (size_t i = 0; i < im->n_cols; i++)
        count [im->cols [i].role]++;
    for (role_t r = COL_UNIT; r <= COL_NOTE; r++)
        if (count [r] > 1)
            return us_error_set (US_EINVAL, "%s line %d: two columns have the heading of %s",
                                 im->path, line,
                                 r == COL_UNIT ? "the unit" : r == COL_MONTH ? "the month"
                                 : r == COL_INDICATOR ? "the indicator"
                                 : r == COL_VALUE ? "the value" : "the note");
    im->wide = count [COL_PERIOD] > 0;
    im->result->wide = im->wide;
    if (im->wide && (count [COL_MONTH] || count [COL_VALUE]))
        return us_error_set (US_EINVAL, "%s line %d: month columns (wide layout) and a "
                             "month or value column (long layout) in one sheet", im->path, line);
    const char *missing = NULL;
    if (!count [COL_INDICATOR])
        missing = "indicator/chỉ tiêu column";
    else
    if (!im->wide && !count [COL_MONTH])
        missing = "month/tháng column";
    else
    if (!im->wide && !count [COL_VALUE])
        missing = "value/giá trị column";
    else
    if (!count [COL_UNIT] && !im->opts->unit)
        missing = "unit/đơn vị column (or --unit)";
    if (missing)
        return us_error_set (US_EINVAL, "%s line %d: no %s", im->path, line, missing);
    return 0;
}

/* Appends an edit; the note is copied. */
static int
s_add_edit (import_t *im, const edit_t *e, const char *note)
{
    if (im->n_edits == im->cap_edits) {
        size_t cap = im->cap_edits ? im->cap_edits * 2 : 256;
        edit_t *p = realloc (im->edits, cap * sizeof *p);
        if (!p)
            return us_error_set (US_ENOMEM, "out of memory");
        im->edits = p;
        im->cap_edits = cap;
    }
    edit_t *d = &im->edits [im->n_edits];
    *d = *e;
    d->note = strdup (note);
    if (!d->note)
        return us_error_set (US_ENOMEM, "out of memory");
    im->n_edits++;
    return 0;
}

/* Reads one value cell into e; *skip when it is empty and left alone. */
static int
s_value (import_t *im, edit_t *e, bool *skip, char *text, int line, size_t col)
{
    text = s_trim (text);
    *skip = false;
    if (!*text && !im->opts->clear_empty) {
        *skip = true;
        im->result->skipped++;
        return 0;
    }
    if (!*text || strcmp (text, "-") == 0 || strcmp (text, "\xE2\x80\x93") == 0) {
        e->clear = true;
        return 0;
    }
    if (us_import_number (e->value, sizeof e->value, text) != 0)
        return s_fail_at (im, line, col, "value '%.40s' is not a whole number "
                          "(thousands may be grouped: 1.234 or 1 234; '-' clears)", text);
    return 0;
}

/* Reads the names of the office's units, as the tree stands in year. */
static int
s_units_read (import_t *im, int year)
{
    char period [8];
    snprintf (period, sizeof period, "%d", year);
    us_report_t *report;
    int rc = us_dstore_report (im->store, &report, period);
    if (rc)
        return rc;
    size_t n = us_report_units (report);
    im->units = calloc (n + 1, sizeof *im->units);
    for (size_t u = 0; im->units && u < n && rc == 0; u++) {
        us_report_unit_t info;
        us_report_unit (&info, report, u);
        char folded [600];
        unit_name_t *un = &im->units [im->n_units++];
        un->code = strdup (info.code);
        un->folded = us_sheet_fold (folded, sizeof folded, info.name) ? strdup (folded) : NULL;
        if (!un->code || !un->folded)
            rc = us_error_set (US_ENOMEM, "out of memory");
    }
    if (!im->units)
        rc = us_error_set (US_ENOMEM, "out of memory");
    us_report_destroy (&report);
    im->units_read = rc == 0;
    return rc;
}

/* Sets e->unit from a unit's name (case and tone marks ignored). */
static int
s_unit_by_name (import_t *im, edit_t *e, const char *name, int line)
{
    int month = e->month;
    for (size_t i = 0; im->wide && i < im->n_cols; i++)
        if (im->cols [i].role == COL_PERIOD) {
            month = im->cols [i].month;
            break;
        }
    int rc = im->units_read ? 0 : s_units_read (im, us_month_year (month));
    if (rc)
        return rc;
    char folded [600];
    const char *found = NULL;
    bool twice = false;
    if (us_sheet_fold (folded, sizeof folded, name))
        for (size_t u = 0; u < im->n_units; u++)
            if (strcmp (im->units [u].folded, folded) == 0) {
                twice = found != NULL;
                found = im->units [u].code;
            }
    size_t col = 0;
    while (col < im->n_cols && im->cols [col].role != COL_UNIT)
        col++;
    if (!found || twice)
        return s_fail_at (im, line, col, twice ? "'%.80s' is the name of several units; "
                          "write the code" : "unknown unit '%.80s' (neither a code nor the "
                          "name of a unit of this office)", name);
    snprintf (e->unit, sizeof e->unit, "%s", found);
    return 0;
}

/* Reads the unit, indicator and (long layout) month of a row into e. */
static int
s_row_keys (import_t *im, edit_t *e, char **f, size_t n, int line)
{
    const char *unit = NULL, *indicator = NULL;
    for (size_t i = 0; i < im->n_cols; i++) {
        role_t r = im->cols [i].role;
        bool needed = r == COL_INDICATOR || (!im->wide && (r == COL_MONTH || r == COL_VALUE))
                   || (r == COL_UNIT && !im->opts->unit);
        if (i >= n && needed)
            return us_error_set (US_EINVAL, "%s line %d: %zu fields; the row ends before "
                                 "field %zu (%s)", im->path, line, n, i + 1,
                                 im->cols [i].heading [0] ? im->cols [i].heading
                                 : "unit,month,indicator,value[,note]");
        if (i >= n)
            continue;
        char *text = s_trim (f [i]);
        if (r == COL_UNIT && *text)
            unit = text;
        else
        if (r == COL_INDICATOR)
            indicator = text;
        else
        if (r == COL_MONTH && us_import_month (&e->month, text) != 0)
            return s_fail_at (im, line, i, "bad month '%.40s' (2022-05, 05/2022, T5/2022 "
                              "or Tháng 5/2022)", text);
        else
        if (r == COL_IGNORE && !im->cols [i].heading [0] && *text)
            return s_fail_at (im, line, i, "a value '%.40s' in a column without a heading",
                              text);
    }
    for (size_t i = im->n_cols; i < n; i++)
        if (*s_trim (f [i]))
            return us_error_set (US_EINVAL, "%s line %d, field %zu: '%.40s' beyond the "
                                 "last column heading", im->path, line, i + 1, f [i]);
    if (!unit)
        unit = im->opts->unit;
    if (!unit || !*unit) {
        for (size_t i = 0; i < im->n_cols; i++)
            if (im->cols [i].role == COL_UNIT)
                return s_fail_at (im, line, i, "no unit");
        return us_error_set (US_EINVAL, "%s line %d: no unit", im->path, line);
    }
    if (!us_text_code_valid (unit)) {
        int rc = s_unit_by_name (im, e, unit, line);
        if (rc)
            return rc;
    }
    else
        snprintf (e->unit, sizeof e->unit, "%s", unit);
    size_t ind_col = 0;
    while (im->cols [ind_col].role != COL_INDICATOR)
        ind_col++;
    bool ambiguous;
    const char *code = s_find_indicator (im, indicator, &ambiguous);
    if (!code || ambiguous)
        return s_fail_at (im, line, ind_col, ambiguous
                          ? "'%.80s' is the name of several indicators; write the code"
                          : "unknown indicator '%.80s' (neither a code nor a name in the catalog)",
                          indicator);
    snprintf (e->indicator, sizeof e->indicator, "%s", code);
    return 0;
}

/* Reads one data row into edits. */
static int
s_row (import_t *im, char **f, size_t n, int line)
{
    /* A wide row with no figure at all (a section title such as "I. Phát
       triển đoàn viên", or a row left blank) stores nothing: skip it whole
       rather than ask its indicator to be one of the catalog's. */
    size_t empty = 0, cells = 0;
    for (size_t i = 0; im->wide && i < im->n_cols && i < n; i++)
        if (im->cols [i].role == COL_PERIOD) {
            cells++;
            empty += *s_trim (f [i]) == 0;
        }
    if (im->wide && empty == cells && !im->opts->clear_empty) {
        im->result->skipped += (int) cells;
        return 0;
    }
    edit_t e;
    memset (&e, 0, sizeof e);
    e.line = line;
    int rc = s_row_keys (im, &e, f, n, line);
    const char *note = "";
    for (size_t i = 0; i < im->n_cols && i < n && rc == 0; i++)
        if (im->cols [i].role == COL_NOTE)
            note = s_trim (f [i]);
    for (size_t i = 0; i < im->n_cols && i < n && rc == 0; i++) {
        role_t r = im->cols [i].role;
        if (r != COL_VALUE && r != COL_PERIOD)
            continue;
        bool skip;
        edit_t cell = e;
        cell.column = (int) i;
        if (r == COL_PERIOD)
            cell.month = im->cols [i].month;
        rc = s_value (im, &cell, &skip, f [i], line, i);
        if (rc == 0 && !skip)
            rc = s_add_edit (im, &cell, note);
    }
    return rc;
}

/* Orders edits by figure, then by line. */
static int
s_cmp_edit (const void *a, const void *b)
{
    const edit_t *x = *(const edit_t *const *) a, *y = *(const edit_t *const *) b;
    int c = strcmp (x->unit, y->unit);
    if (!c) c = strcmp (x->indicator, y->indicator);
    if (!c) c = (x->month > y->month) - (x->month < y->month);
    if (!c) c = (x->line > y->line) - (x->line < y->line);
    if (!c) c = (x->column > y->column) - (x->column < y->column);
    return c;
}

/* Refuses a figure named twice, naming both places. */
static int
s_duplicates (import_t *im)
{
    if (im->n_edits < 2)
        return 0;
    edit_t **order = malloc (im->n_edits * sizeof *order);
    if (!order)
        return us_error_set (US_ENOMEM, "out of memory");
    for (size_t i = 0; i < im->n_edits; i++)
        order [i] = &im->edits [i];
    qsort (order, im->n_edits, sizeof *order, s_cmp_edit);
    int rc = 0;
    for (size_t i = 1; i < im->n_edits && rc == 0; i++) {
        const edit_t *a = order [i - 1], *b = order [i];
        if (strcmp (a->unit, b->unit) || strcmp (a->indicator, b->indicator)
         || a->month != b->month)
            continue;
        char month [8];
        us_month_format (month, a->month);
        rc = a->line == b->line
           ? us_error_set (US_EINVAL, "%s line %d: fields %d and %d are the same figure "
                           "(%s %s %s)", im->path, a->line, a->column + 1, b->column + 1,
                           a->unit, month, a->indicator)
           : us_error_set (US_EINVAL, "%s line %d: the same figure as line %d (%s %s %s); "
                           "keep one of them", im->path, b->line, a->line, a->unit, month,
                           a->indicator);
    }
    free (order);
    return rc;
}

/* Stores the edits in file order in one transaction. */
static int
s_store (import_t *im, us_dstore_t *store)
{
    int rc = us_dstore_begin (store);
    for (size_t i = 0; i < im->n_edits && rc == 0; i++) {
        const edit_t *e = &im->edits [i];
        char month [8];
        us_month_format (month, e->month);
        rc = us_dstore_set (store, e->unit, month, e->indicator, e->clear ? NULL : e->value,
                            e->note, im->opts->author);
        if (rc == US_EINVAL && im->wide)
            rc = s_fail_at (im, e->line, (size_t) e->column, "%s", us_error_msg ());
        else
        if (rc == US_EINVAL)
            rc = us_error_set (rc, "%s line %d: %s", im->path, e->line, us_error_msg ());
        im->result->stored += rc == 0;
        im->result->cleared += rc == 0 && e->clear;
    }
    if (rc == 0)
        rc = us_dstore_commit (store);
    if (rc) {
        us_dstore_rollback (store);
        im->result->stored = im->result->cleared = 0;
    }
    return rc;
}

/* Reads the sheet's rows into edits. */
static int
s_read (import_t *im, us_sheet_t *sheet)
{
    char **f;
    size_t n;
    int got, rc = 0;
    bool first = true;
    while (rc == 0 && (got = us_sheet_next (sheet, &f, &n)) == 1) {
        int line = us_sheet_line (sheet);
        if (first) {
            bool headed = false;
            first = false;
            rc = s_headings_read (im, f, n, line, &headed);
            if (rc == 0)
                rc = s_layout (im, line);
            if (rc || headed)
                continue;
        }
        rc = s_row (im, f, n, line);
    }
    if (rc == 0 && got < 0)
        rc = us_error_set (got, "%s: %s", im->path, us_error_msg ());
    if (rc == 0 && first)
        rc = us_error_set (US_EINVAL, "%s has no rows", im->path);
    return rc;
}

/* Frees what the import kept. */
static void
s_free (import_t *im)
{
    for (size_t i = 0; i < im->n_inds; i++) {
        free (im->inds [i].code);
        free (im->inds [i].name);
        free (im->inds [i].folded);
    }
    free (im->inds);
    for (size_t i = 0; i < im->n_units; i++) {
        free (im->units [i].code);
        free (im->units [i].folded);
    }
    free (im->units);
    for (size_t i = 0; i < im->n_edits; i++)
        free (im->edits [i].note);
    free (im->edits);
    free (im->cols);
}

/* Imports the figures of a sheet. */
int
us_import_file (us_dstore_t *store, us_import_result_t *result, const char *path,
                const us_import_opts_t *opts)
{
    assert (store && result && path && opts);
    memset (result, 0, sizeof *result);
    if (!opts->author || !*opts->author)
        return us_error_set (US_EINVAL, "author name missing");
    import_t im = { .path = path, .opts = opts, .result = result, .store = store };
    int rc = us_dstore_each_indicator (store, s_add_indicator, &im);
    us_sheet_t *sheet = NULL;
    if (rc == 0 && !(sheet = us_sheet_open (path, opts->encoding)))
        rc = US_EINVAL;
    if (rc == 0) {
        snprintf (result->encoding, sizeof result->encoding, "%s",
                  us_sheet_encoding_name (sheet));
        result->guessed = us_sheet_guessed (sheet);
        rc = s_read (&im, sheet);
    }
    if (rc == 0)
        rc = s_duplicates (&im);
    if (rc == 0 && im.n_edits == 0)
        rc = us_error_set (US_EINVAL, "%s has no figures to store (%d empty value%s left "
                           "alone; --clear-empty clears them)", path, result->skipped,
                           result->skipped == 1 ? "" : "s");
    if (rc == 0)
        rc = s_store (&im, store);
    if (rc) {
        int skipped = result->skipped;
        memset (result, 0, sizeof *result);
        result->skipped = skipped;
    }
    us_sheet_destroy (&sheet);
    s_free (&im);
    return rc;
}

/* Imports a sheet of figures with the default options: all or nothing. */
int
us_dstore_import (us_dstore_t *store, int *count, const char *path, const char *author)
{
    us_import_opts_t opts = { .encoding = US_SHEET_AUTO, .author = author };
    us_import_result_t result;
    int rc = us_import_file (store, &result, path, &opts);
    *count = rc ? 0 : result.stored;
    return rc;
}
