/*  us_catalog: the indicator catalog. */
#include "us_catalog.h"
#include "us_csv.h"
#include "us_error.h"
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
    else return us_error_set (US_EINVAL, "unknown indicator kind '%.20s' (flow, stock or ratio)", text);
    return 0;
}

/* Returns the name of a kind. */
const char *
us_kind_name (us_kind_t kind)
{
    return kind == US_KIND_FLOW ? "flow" : kind == US_KIND_STOCK ? "stock" : "ratio";
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

/* Fills one indicator from a CSV record. */
static int
s_row (us_indicator_t *ind, char **f, size_t n, int line, const char *origin)
{
    if (n < 3 || n > 7)
        return us_error_set (US_EINVAL, "%s line %d: expected code,name,kind[,numerator,"
                             "denominator,policy,rule]", origin, line);
    memset (ind, 0, sizeof *ind);
    if (!us_text_code_valid (f [0]) || !s_copy (ind->code, sizeof ind->code, f [0]))
        return us_error_set (US_EINVAL, "%s line %d: bad indicator code '%.64s'", origin, line, f [0]);
    if (!*f [1] || !us_text_utf8_valid (f [1]) || !s_copy (ind->name, sizeof ind->name, f [1]))
        return us_error_set (US_EINVAL, "%s line %d: name missing or too long", origin, line);
    if (us_kind_parse (&ind->kind, f [2]) != 0)
        return us_error_set (US_EINVAL, "%s line %d: %s", origin, line, us_error_msg ());
    const char *num = n > 3 ? f [3] : "", *den = n > 4 ? f [4] : "";
    const char *pol = n > 5 && *f [5] ? f [5] : "lww", *rule = n > 6 ? f [6] : "";
    if (!s_copy (ind->numerator, sizeof ind->numerator, num)
    ||  !s_copy (ind->denominator, sizeof ind->denominator, den)
    ||  !s_copy (ind->policy, sizeof ind->policy, pol)
    ||  !s_copy (ind->rule, sizeof ind->rule, rule))
        return us_error_set (US_EINVAL, "%s line %d: field too long", origin, line);
    if (us_policy_check (ind->policy) != 0)
        return us_error_set (US_EINVAL, "%s line %d: %s", origin, line, us_error_msg ());
    if ((ind->kind == US_KIND_RATIO) != (*num && *den))
        return us_error_set (US_EINVAL, "%s line %d: a ratio needs a numerator and a "
                             "denominator, and only a ratio has them", origin, line);
    return 0;
}

/* Checks references between indicators: ratio parts and rules. */
static int
s_check_refs (const us_catalog_t *cat, const char *origin)
{
    for (size_t i = 0; i < cat->count; i++) {
        const us_indicator_t *ind = &cat->items [i];
        if (us_catalog_find (cat, ind->code) != ind)
            return us_error_set (US_EINVAL, "%s: indicator %s appears twice", origin, ind->code);
        if (ind->kind == US_KIND_RATIO) {
            const us_indicator_t *a = us_catalog_find (cat, ind->numerator);
            const us_indicator_t *b = us_catalog_find (cat, ind->denominator);
            if (!a || !b || a->kind == US_KIND_RATIO || b->kind == US_KIND_RATIO)
                return us_error_set (US_EINVAL, "%s: ratio %s needs entered indicators "
                                     "as numerator and denominator", origin, ind->code);
        }
        us_rule_t rule;
        if (us_rule_parse (&rule, ind->rule) != 0)
            return us_error_set (US_EINVAL, "%s: rule of %s must read '<= INDICATOR' or "
                                 "'== sum(INDICATOR, ...)'", origin, ind->code);
        for (int k = 0; k < rule.n_terms; k++)
            if (!us_catalog_find (cat, rule.terms [k]))
                return us_error_set (US_EINVAL, "%s: rule of %s names unknown indicator %s",
                                     origin, ind->code, rule.terms [k]);
    }
    return 0;
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

/* Checks the rule of ind against figures given by lookup. */
int
us_rule_check (char *msg, size_t size, const us_indicator_t *ind,
               bool (*lookup) (double *value, void *ctx, const char *code), void *ctx)
{
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
    int rc = cat ? 0 : us_error_set (US_ENOMEM, "out of memory");
    while (rc == 0 && (rc = us_csv_next (csv, &f, &n)) == 1) {
        rc = 0;
        if (strcmp (f [0], "code") == 0 && us_csv_line (csv) == 1)
            continue;                   /* header */
        if (cat->count == cap) {
            cap = cap ? cap * 2 : 32;
            us_indicator_t *items = cap <= 4096 ? realloc (cat->items, cap * sizeof *items) : NULL;
            if (!items) {
                rc = us_error_set (US_EINVAL, "%s: too many indicators", origin);
                break;
            }
            cat->items = items;
        }
        rc = s_row (&cat->items [cat->count], f, n, us_csv_line (csv), origin);
        if (rc == 0)
            cat->count++;
    }
    if (rc < 0 && rc != US_ENOMEM && strncmp (us_error_msg (), origin, strlen (origin)) != 0)
        us_error_set (rc, "%s: %s", origin, us_error_msg ());
    if (rc == 0 && cat->count == 0)
        rc = us_error_set (US_EINVAL, "%s: no indicators", origin);
    if (rc == 0)
        rc = s_check_refs (cat, origin);
    us_csv_destroy (&csv);
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
