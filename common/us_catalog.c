/*  us_catalog: the indicator catalog. */
#include "us_catalog.h"
#include "us_csv.h"
#include "us_error.h"
#include "us_expr.h"
#include "us_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The default catalog, generated from data/indicators.csv at build time. */
extern const char us_default_catalog [];
extern const size_t us_default_catalog_len;

/* Parses a kind name. */
int
us_kind_parse (us_kind_t *kind, const char *text)
{
    if (strcmp (text, "flow") == 0)       *kind = US_KIND_FLOW;
    else if (strcmp (text, "stock") == 0) *kind = US_KIND_STOCK;
    else if (strcmp (text, "ratio") == 0) *kind = US_KIND_RATIO;
    else if (strcmp (text, "formula") == 0) *kind = US_KIND_FORMULA;
    else return us_error_set (US_EINVAL, "unknown indicator kind '%.20s' (flow, stock, ratio "
                              "or formula)", text);
    return 0;
}

/* Returns the name of a kind. */
const char *
us_kind_name (us_kind_t kind)
{
    return kind == US_KIND_FLOW ? "flow" : kind == US_KIND_STOCK ? "stock"
         : kind == US_KIND_RATIO ? "ratio" : "formula";
}

/* Returns true when the indicator is computed, never entered. */
bool
us_kind_computed (us_kind_t kind)
{
    return kind == US_KIND_RATIO || kind == US_KIND_FORMULA;
}

/* Returns true when the unit of measure is money. */
bool
us_unit_money (const char *unit)
{
    return strcmp (unit, "đồng") == 0;
}

/* Refuses the entry of a computed indicator's figure. */
int
us_catalog_entry_check (const char *code, const char *kind_text)
{
    us_kind_t kind = US_KIND_FLOW;     /* set by us_kind_parse when it returns 0 */
    if (us_kind_parse (&kind, kind_text) != 0 || !us_kind_computed (kind))
        return 0;
    return us_error_set (US_EINVAL, "%.64s is a %s; it is computed, not entered", code,
                         us_kind_name (kind));
}

const char *const us_catalog_extra_columns [US_CATALOG_EXTRA_COLUMNS] = {
    "formula", "parent", "unit", "phrase", "noun"
};

/* Returns the field of extra column k and its size. */
static char *
s_extra (us_indicator_t *ind, int k, size_t *size)
{
    switch (k) {
        case 0: *size = sizeof ind->formula; return ind->formula;
        case 1: *size = sizeof ind->parent;  return ind->parent;
        case 2: *size = sizeof ind->unit;    return ind->unit;
        case 3: *size = sizeof ind->phrase;  return ind->phrase;
        case 4: *size = sizeof ind->noun;    return ind->noun;
        default: *size = 0; return NULL;
    }
}

/* Returns the value of extra column k of ind. */
const char *
us_indicator_extra (const us_indicator_t *ind, int k)
{
    size_t size;
    const char *v = s_extra ((us_indicator_t *) ind, k, &size);
    return v ? v : "";
}

/* Sets extra column k of ind. */
int
us_indicator_extra_set (us_indicator_t *ind, int k, const char *value)
{
    size_t size;
    char *field = s_extra (ind, k, &size);
    if (!field || strlen (value) >= size)
        return us_error_set (US_EINVAL, "%s too long", k >= 0 && k < US_CATALOG_EXTRA_COLUMNS
                             ? us_catalog_extra_columns [k] : "field");
    memcpy (field, value, strlen (value) + 1);
    return 0;
}

/* Returns 0 when policy is a known conflict policy. */
int
us_policy_check (const char *policy)
{
    static const char *known [] = { "lww", "higher-level-wins", "max", "manual" };
    for (size_t i = 0; i < sizeof known / sizeof known [0]; i++)
        if (strcmp (policy, known [i]) == 0)
            return 0;
    return us_error_set (US_EINVAL, "unknown conflict policy '%.24s'", policy);
}

/* Returns the indicator with code, or NULL. */
const us_indicator_t *
us_catalog_find (const us_catalog_t *cat, const char *code)
{
    for (size_t i = 0; i < cat->count; i++)
        if (strcmp (cat->items [i].code, code) == 0)
            return &cat->items [i];
    return NULL;
}

/* Copies src into dst of size, failing when it does not fit. */
static bool
s_copy (char *dst, size_t size, const char *src)
{
    size_t n = strlen (src);
    if (n >= size)
        return false;
    memcpy (dst, src, n + 1);
    return true;
}

/* The columns a catalog may have, in the order of a file without a header. */
static const char *s_columns [] = {
    "code", "name", "kind", "numerator", "denominator", "policy", "rule",
    "formula", "parent", "unit", "phrase", "noun"
};
#define S_COLUMNS (sizeof s_columns / sizeof s_columns [0])

/* Where each known column is in the file's records (-1: absent). */
typedef struct {
    int at [S_COLUMNS];
} s_layout_t;

/* Sets the layout of a file without a header: the first seven columns. */
static void
s_layout_default (s_layout_t *lay)
{
    for (size_t c = 0; c < S_COLUMNS; c++)
        lay->at [c] = c < 7 ? (int) c : -1;
}

/* Returns true when a first record is a header: it has a field "code". */
static bool
s_is_header (char **f, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp (f [k], "code") == 0)
            return true;
    return false;
}

/* Reads a header record into a layout; unknown or repeated names are refused. */
static int
s_layout_header (s_layout_t *lay, char **f, size_t n, const char *origin)
{
    for (size_t c = 0; c < S_COLUMNS; c++)
        lay->at [c] = -1;
    for (size_t k = 0; k < n; k++) {
        size_t c = 0;
        while (c < S_COLUMNS && strcmp (f [k], s_columns [c]) != 0)
            c++;
        if (c == S_COLUMNS || lay->at [c] >= 0)
            return us_error_set (US_EINVAL, "%s line 1: %s column '%.40s'", origin,
                                 c == S_COLUMNS ? "unknown" : "repeated", f [k]);
        lay->at [c] = (int) k;
    }
    if (lay->at [0] < 0 || lay->at [1] < 0 || lay->at [2] < 0)
        return us_error_set (US_EINVAL, "%s line 1: the header needs code, name and kind", origin);
    return 0;
}

/* Returns the field of column c in a record, "" when absent. */
static const char *
s_field (const s_layout_t *lay, char **f, size_t n, size_t c)
{
    int at = lay->at [c];
    return at >= 0 && (size_t) at < n ? f [at] : "";
}

/* Checks a phrase: at most one %s, [ ] balanced and not nested, { } around codes. */
static bool
s_phrase_ok (const char *p)
{
    int own = 0;
    bool in_opt = false;
    for (; *p; p++) {
        if (*p == '%') {
            if (p [1] != 's')
                return false;
            own++;
            p++;
        }
        else
        if (*p == '[' || *p == ']') {
            if (in_opt == (*p == '['))
                return false;
            in_opt = *p == '[';
        }
        else
        if (*p == '{') {
            const char *end = strchr (p, '}');
            char code [65];
            if (!end || end - p - 1 < 1 || end - p - 1 > 64)
                return false;
            memcpy (code, p + 1, (size_t) (end - p - 1));
            code [end - p - 1] = 0;
            if (!us_text_code_valid (code))
                return false;
            p = end;
        }
    }
    return own <= 1 && !in_opt;
}

/* Fills one indicator from a CSV record. */
static int
s_row (us_indicator_t *ind, const s_layout_t *lay, char **f, size_t n, int line,
       const char *origin)
{
    size_t width = 0;
    for (size_t c = 0; c < S_COLUMNS; c++)
        if (lay->at [c] >= 0 && (size_t) lay->at [c] + 1 > width)
            width = (size_t) lay->at [c] + 1;
    if (n < 3 || n > width)
        return us_error_set (US_EINVAL, "%s line %d: expected %zu fields at most, with code, "
                             "name and kind", origin, line, width);
    memset (ind, 0, sizeof *ind);
    const char *code = s_field (lay, f, n, 0), *name = s_field (lay, f, n, 1);
    if (!us_text_code_valid (code) || !s_copy (ind->code, sizeof ind->code, code))
        return us_error_set (US_EINVAL, "%s line %d: bad indicator code '%.64s'", origin, line, code);
    if (!*name || !us_text_utf8_valid (name) || !s_copy (ind->name, sizeof ind->name, name))
        return us_error_set (US_EINVAL, "%s line %d: name missing or too long", origin, line);
    if (us_kind_parse (&ind->kind, s_field (lay, f, n, 2)) != 0)
        return us_error_set (US_EINVAL, "%s line %d: %s", origin, line, us_error_msg ());
    const char *num = s_field (lay, f, n, 3), *den = s_field (lay, f, n, 4);
    const char *pol = *s_field (lay, f, n, 5) ? s_field (lay, f, n, 5) : "lww";
    if (!s_copy (ind->numerator, sizeof ind->numerator, num)
    ||  !s_copy (ind->denominator, sizeof ind->denominator, den)
    ||  !s_copy (ind->policy, sizeof ind->policy, pol)
    ||  !s_copy (ind->rule, sizeof ind->rule, s_field (lay, f, n, 6)))
        return us_error_set (US_EINVAL, "%s line %d: field too long", origin, line);
    for (int k = 0; k < US_CATALOG_EXTRA_COLUMNS; k++) {
        const char *v = s_field (lay, f, n, 7 + (size_t) k);
        if (!us_text_utf8_valid (v) || us_indicator_extra_set (ind, k, v) != 0)
            return us_error_set (US_EINVAL, "%s line %d: %s too long or not text", origin, line,
                                 us_catalog_extra_columns [k]);
    }
    if (us_policy_check (ind->policy) != 0)
        return us_error_set (US_EINVAL, "%s line %d: %s", origin, line, us_error_msg ());
    if ((ind->kind == US_KIND_RATIO) != (*num && *den))
        return us_error_set (US_EINVAL, "%s line %d: a ratio needs a numerator and a "
                             "denominator, and only a ratio has them", origin, line);
    if ((ind->kind == US_KIND_FORMULA) != (*ind->formula != 0))
        return us_error_set (US_EINVAL, "%s line %d: a formula indicator needs a formula, "
                             "and only a formula indicator has one", origin, line);
    if (*ind->parent && (!us_text_code_valid (ind->parent) || strcmp (ind->parent, ind->code) == 0))
        return us_error_set (US_EINVAL, "%s line %d: bad parent '%.64s'", origin, line, ind->parent);
    if (*ind->phrase && !s_phrase_ok (ind->phrase))
        return us_error_set (US_EINVAL, "%s line %d: a phrase has at most one %%s, {code} "
                             "references and [optional] parts, not nested", origin, line);
    /* The part rule travels with the rule, so that every check that knows
       rules (entry, submit, at the office and the province) knows it too. */
    if (*ind->parent && !*ind->rule)
        snprintf (ind->rule, sizeof ind->rule, "<= %s", ind->parent);
    return 0;
}

/* Finds the expression of a formula indicator for the cycle check. */
static const us_expr_t *
s_find_expr (const char *name, void *arg)
{
    const us_catalog_t *cat = ((void **) arg) [0];
    us_expr_t **exprs = ((void **) arg) [1];
    const us_indicator_t *ind = us_catalog_find (cat, name);
    return ind && ind->kind == US_KIND_FORMULA ? exprs [ind - cat->items] : NULL;
}

/* Parses every formula and checks what it names, then refuses cycles. */
static int
s_check_formulas (const us_catalog_t *cat, const int *lines, const char *origin)
{
    us_expr_t **exprs = calloc (cat->count + 1, sizeof *exprs);
    if (!exprs)
        return us_error_set (US_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < cat->count; i++) {
        const us_indicator_t *ind = &cat->items [i];
        if (ind->kind != US_KIND_FORMULA)
            continue;
        char err [200];
        exprs [i] = us_expr_parse (ind->formula, err, sizeof err);
        if (!exprs [i]) {
            rc = us_error_set (US_EINVAL, "%s line %d: formula of %s: %s", origin, lines [i],
                               ind->code, err);
            break;
        }
        for (size_t k = 0; rc == 0 && k < us_expr_ref_count (exprs [i]); k++) {
            const char *ref = us_expr_ref (exprs [i], k);
            const us_indicator_t *x = us_catalog_find (cat, ref);
            if (!x)
                rc = us_error_set (US_EINVAL, "%s line %d: formula of %s names unknown "
                                   "indicator %s", origin, lines [i], ind->code, ref);
            else
            if (x->kind == US_KIND_RATIO)
                rc = us_error_set (US_EINVAL, "%s line %d: formula of %s names ratio %s; "
                                   "name its numerator and denominator", origin, lines [i],
                                   ind->code, ref);
        }
    }
    void *arg [2] = { (void *) cat, exprs };
    const char **names = calloc (cat->count + 1, sizeof *names);
    size_t n = 0;
    if (rc == 0 && !names)
        rc = us_error_set (US_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < cat->count; i++)
        if (cat->items [i].kind == US_KIND_FORMULA)
            names [n++] = cat->items [i].code;
    if (rc == 0 && n > 0 && us_expr_check_cycles (names, n, s_find_expr, arg) != 0) {
        /* Name the line of the first indicator of the cycle. */
        char msg [256];
        snprintf (msg, sizeof msg, "%s", us_error_msg ());
        const char *at = strstr (msg, ": ");
        size_t first = 0;
        for (size_t i = 0; at && i < cat->count; i++) {
            size_t len = strlen (cat->items [i].code);
            if (strncmp (at + 2, cat->items [i].code, len) == 0 && at [2 + len] == ' ') {
                first = i;
                break;
            }
        }
        rc = us_error_set (US_EINVAL, "%s line %d: %s", origin, lines [first], msg);
    }
    free (names);
    for (size_t i = 0; i < cat->count; i++)
        us_expr_destroy (&exprs [i]);
    free (exprs);
    return rc;
}

/* Checks a part's parent: known, entered, of the same kind, no cycle. */
static int
s_check_parent (const us_catalog_t *cat, size_t i, const int *lines, const char *origin)
{
    const us_indicator_t *ind = &cat->items [i];
    if (!*ind->parent)
        return 0;
    const us_indicator_t *p = us_catalog_find (cat, ind->parent);
    if (!p)
        return us_error_set (US_EINVAL, "%s line %d: parent of %s is unknown indicator %s",
                             origin, lines [i], ind->code, ind->parent);
    if (us_kind_computed (ind->kind) || p->kind != ind->kind)
        return us_error_set (US_EINVAL, "%s line %d: %s and its parent %s must both be flow "
                             "or both stock", origin, lines [i], ind->code, p->code);
    for (size_t steps = 0; p && *p->parent; steps++) {
        if (steps > cat->count || strcmp (p->parent, ind->code) == 0)
            return us_error_set (US_EINVAL, "%s line %d: parents of %s make a cycle",
                                 origin, lines [i], ind->code);
        p = us_catalog_find (cat, p->parent);
    }
    return 0;
}

/* Checks that every {code} of a phrase is in the catalog. */
static int
s_check_phrase (const us_catalog_t *cat, size_t i, const int *lines, const char *origin)
{
    const char *p = cat->items [i].phrase;
    while ((p = strchr (p, '{')) != NULL) {
        const char *end = strchr (p, '}');
        char code [65];
        snprintf (code, sizeof code, "%.*s", (int) (end - p - 1), p + 1);
        if (!us_catalog_find (cat, code))
            return us_error_set (US_EINVAL, "%s line %d: phrase of %s names unknown indicator %s",
                                 origin, lines [i], cat->items [i].code, code);
        p = end;
    }
    return 0;
}

/* Checks references between indicators: ratio parts, rules, parents,
   phrases and formulas. */
static int
s_check_refs (const us_catalog_t *cat, const int *lines, const char *origin)
{
    for (size_t i = 0; i < cat->count; i++) {
        const us_indicator_t *ind = &cat->items [i];
        if (us_catalog_find (cat, ind->code) != ind)
            return us_error_set (US_EINVAL, "%s line %d: indicator %s appears twice", origin,
                                 lines [i], ind->code);
        if (ind->kind == US_KIND_RATIO) {
            const us_indicator_t *a = us_catalog_find (cat, ind->numerator);
            const us_indicator_t *b = us_catalog_find (cat, ind->denominator);
            if (!a || !b || us_kind_computed (a->kind) || us_kind_computed (b->kind))
                return us_error_set (US_EINVAL, "%s line %d: ratio %s needs entered indicators "
                                     "as numerator and denominator", origin, lines [i], ind->code);
        }
        us_rule_t rule;
        if (us_rule_parse (&rule, ind->rule) != 0)
            return us_error_set (US_EINVAL, "%s line %d: rule of %s must read '<= INDICATOR' or "
                                 "'== sum(INDICATOR, ...)'", origin, lines [i], ind->code);
        for (int k = 0; k < rule.n_terms; k++)
            if (!us_catalog_find (cat, rule.terms [k]))
                return us_error_set (US_EINVAL, "%s line %d: rule of %s names unknown indicator %s",
                                     origin, lines [i], ind->code, rule.terms [k]);
        int rc = s_check_parent (cat, i, lines, origin);
        if (rc == 0)
            rc = s_check_phrase (cat, i, lines, origin);
        if (rc)
            return rc;
    }
    return s_check_formulas (cat, lines, origin);
}

/* Copies one trimmed term of a rule; returns false when it is not a code. */
static bool
s_term (char *dst, const char *s, size_t n)
{
    while (n && (*s == ' '))
        s++, n--;
    while (n && s [n - 1] == ' ')
        n--;
    if (n == 0 || n > 64)
        return false;
    memcpy (dst, s, n);
    dst [n] = 0;
    return us_text_code_valid (dst);
}

/* Parses a rule: "", "<= X" or "== sum(X, Y, ...)". */
int
us_rule_parse (us_rule_t *rule, const char *text)
{
    memset (rule, 0, sizeof *rule);
    if (!*text)
        return 0;
    if (strncmp (text, "<= ", 3) == 0) {
        rule->op = US_RULE_LE;
        rule->n_terms = 1;
        return s_term (rule->terms [0], text + 3, strlen (text + 3)) ? 0
             : us_error_set (US_EINVAL, "bad rule '%.60s'", text);
    }
    size_t len = strlen (text);
    if (strncmp (text, "== sum(", 7) != 0 || text [len - 1] != ')')
        return us_error_set (US_EINVAL, "bad rule '%.60s'", text);
    rule->op = US_RULE_SUM;
    const char *p = text + 7, *end = text + len - 1;
    while (p < end) {
        const char *comma = memchr (p, ',', (size_t) (end - p));
        const char *stop = comma ? comma : end;
        if (rule->n_terms == US_RULE_TERMS
        ||  !s_term (rule->terms [rule->n_terms], p, (size_t) (stop - p)))
            return us_error_set (US_EINVAL, "bad rule '%.60s'", text);
        rule->n_terms++;
        p = stop + 1;
    }
    return rule->n_terms ? 0 : us_error_set (US_EINVAL, "bad rule '%.60s'", text);
}

/* Checks that a part is no larger than its parent. */
static int
s_part_check (char *msg, size_t size, const us_indicator_t *ind,
              bool (*lookup) (double *value, void *ctx, const char *code), void *ctx)
{
    double a, b;
    if (!*ind->parent || !lookup (&a, ctx, ind->code))
        return 0;
    if (!lookup (&b, ctx, ind->parent))
        b = 0;
    if (a <= b)
        return 0;
    snprintf (msg, size, "rule %s <= %s broken: a part (trong đó) exceeds its whole: %.0f > %.0f",
              ind->code, ind->parent, a, b);
    return US_EINVAL;
}

/* Checks the rule of ind against figures given by lookup. */
int
us_rule_check (char *msg, size_t size, const us_indicator_t *ind,
               bool (*lookup) (double *value, void *ctx, const char *code), void *ctx)
{
    if (s_part_check (msg, size, ind, lookup, ctx) != 0)
        return US_EINVAL;
    us_rule_t rule;
    double a, b, sum = 0;
    if (us_rule_parse (&rule, ind->rule) != 0 || rule.op == US_RULE_NONE
    ||  !lookup (&a, ctx, ind->code))
        return 0;
    if (rule.op == US_RULE_LE) {
        if (!lookup (&b, ctx, rule.terms [0]))
            b = 0;
        if (a <= b)
            return 0;
        snprintf (msg, size, "rule %s %s broken: %.0f > %.0f", ind->code, ind->rule, a, b);
        return US_EINVAL;
    }
    for (int k = 0; k < rule.n_terms; k++)
        if (lookup (&b, ctx, rule.terms [k]))
            sum += b;
    if (a == sum)
        return 0;
    snprintf (msg, size, "rule %s %s broken: %.0f != %.0f", ind->code, ind->rule, a, sum);
    return US_EINVAL;
}

/* Parses catalog CSV text. */
int
us_catalog_parse (us_catalog_t **cat_p, const char *text, size_t len, const char *origin)
{
    *cat_p = NULL;
    us_csv_t *csv = us_csv_new_text (text, len);
    if (!csv)
        return US_ENOMEM;
    us_catalog_t *cat = calloc (1, sizeof *cat);
    size_t cap = 0;
    char **f;
    size_t n;
    s_layout_t lay;
    s_layout_default (&lay);
    int *lines = NULL;
    int rc = cat ? 0 : us_error_set (US_ENOMEM, "out of memory");
    while (rc == 0 && (rc = us_csv_next (csv, &f, &n)) == 1) {
        rc = 0;
        if (us_csv_line (csv) == 1 && s_is_header (f, n)) {
            rc = s_layout_header (&lay, f, n, origin);
            continue;
        }
        if (cat->count == cap) {
            cap = cap ? cap * 2 : 32;
            us_indicator_t *items = cap <= 4096 ? realloc (cat->items, cap * sizeof *items) : NULL;
            if (items)
                cat->items = items;
            int *l = items ? realloc (lines, cap * sizeof *l) : NULL;
            if (!l) {
                rc = us_error_set (US_EINVAL, "%s: too many indicators", origin);
                break;
            }
            lines = l;
        }
        lines [cat->count] = us_csv_line (csv);
        rc = s_row (&cat->items [cat->count], &lay, f, n, us_csv_line (csv), origin);
        if (rc == 0)
            cat->count++;
    }
    if (rc < 0 && rc != US_ENOMEM && strncmp (us_error_msg (), origin, strlen (origin)) != 0)
        us_error_set (rc, "%s: %s", origin, us_error_msg ());
    if (rc == 0 && cat->count == 0)
        rc = us_error_set (US_EINVAL, "%s: no indicators", origin);
    if (rc == 0)
        rc = s_check_refs (cat, lines, origin);
    us_csv_destroy (&csv);
    free (lines);
    if (rc != 0) {
        us_catalog_destroy (&cat);
        return rc;
    }
    *cat_p = cat;
    return 0;
}

/* Reads a catalog CSV file. */
int
us_catalog_load (us_catalog_t **cat_p, const char *path)
{
    *cat_p = NULL;
    char *text;
    size_t len;
    int rc = us_csv_read_file (&text, &len, path);
    if (rc)
        return rc;
    rc = us_catalog_parse (cat_p, text, len, path);
    free (text);
    return rc;
}

/* Returns a copy of the built-in default catalog. */
int
us_catalog_default (us_catalog_t **cat_p)
{
    return us_catalog_parse (cat_p, us_default_catalog, us_default_catalog_len,
                             "built-in catalog");
}

/* Frees a catalog and nulls the pointer; safe on NULL. */
void
us_catalog_destroy (us_catalog_t **cat_p)
{
    if (!cat_p || !*cat_p)
        return;
    free ((*cat_p)->items);
    free (*cat_p);
    *cat_p = NULL;
}
