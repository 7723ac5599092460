/*  us_catalog: the indicator catalog.

    An indicator has a code (members.new), a Vietnamese name, a kind (flow
    sums over months and units; stock sums over units and takes the latest
    month; ratio is numerator / denominator; formula is an expression over
    other indicators and constants; ratios and formulas are computed from
    consolidated figures, never entered), a conflict policy, an optional
    rule ("<= party.introduced"), an optional parent whose part it is ("of
    whom": the part never exceeds the whole), a unit of measure (người,
    đồng, ...), and the words Vietnamese prose says it with.

    The catalog is CSV read by its header's names (code, name, kind,
    numerator, denominator, policy, rule, formula, parent, unit, phrase,
    noun); a file without a header is read in the first seven columns' order.
    Formulas are parsed and checked at import: unknown indicators, cycles,
    and expressions too long or too deep are refused naming the line. The
    default catalog, data/indicators.csv, is built into the binaries. A
    us_catalog_t belongs to whoever made it; free it with
    us_catalog_destroy().
*/
#ifndef US_CATALOG_H
#define US_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

/* The largest figure a cell may hold: far above any count or VND amount a
   union office reports, and low enough that a province's sums never
   overflow 64 bits. */
#define US_VALUE_MAX 1000000000000LL

typedef enum { US_KIND_FLOW, US_KIND_STOCK, US_KIND_RATIO, US_KIND_FORMULA } us_kind_t;

#define US_FORMULA_TEXT 1024    /* bytes of a formula (us_expr's limit) */

typedef struct {
    char code [65];
    char name [257];
    us_kind_t kind;
    char numerator [65];
    char denominator [65];
    char policy [24];
    char rule [257];
    char formula [US_FORMULA_TEXT + 1];
    char parent [65];           /* the whole this is a part of ("trong đó"), or "" */
    char unit [24];             /* unit of measure: người, đồng, %, ... or "" */
    char phrase [513];          /* prose: %s is the figure, {code} another's, [..] optional */
    char noun [97];             /* what the figure is called beside another ("số lớp") */
} us_indicator_t;

/* The catalog columns beyond the first seven, in the order stores keep them. */
#define US_CATALOG_EXTRA_COLUMNS 5
extern const char *const us_catalog_extra_columns [US_CATALOG_EXTRA_COLUMNS];

/* Returns the value of extra column k (us_catalog_extra_columns) of ind. */
const char *us_indicator_extra (const us_indicator_t *ind, int k);

/* Sets extra column k of ind; returns 0 or US_EINVAL when it does not fit. */
int us_indicator_extra_set (us_indicator_t *ind, int k, const char *value);

/* Returns true when the indicator is computed, never entered (ratio, formula). */
bool us_kind_computed (us_kind_t kind);

/* Returns true when the unit of measure is money (đồng). */
bool us_unit_money (const char *unit);

/* Refuses the entry of a figure of indicator code whose kind is named
   kind_text (as a store keeps it): returns 0 when it may be entered, or
   US_EINVAL with "X is a formula; it is computed, not entered". Both the
   office and the province call it before they accept an edit. */
int us_catalog_entry_check (const char *code, const char *kind_text);

typedef struct {
    us_indicator_t *items;
    size_t count;
} us_catalog_t;

#define US_RULE_TERMS 8

typedef enum { US_RULE_NONE, US_RULE_LE, US_RULE_SUM } us_rule_op_t;

/* A validation rule of an indicator A: "A <= B" or "A == sum(B, C, ...)". */
typedef struct {
    us_rule_op_t op;
    int n_terms;
    char terms [US_RULE_TERMS][65];
} us_rule_t;

/* Parses a rule text ("", "<= X", "== sum(X, Y)"); returns 0 or US_EINVAL. */
int us_rule_parse (us_rule_t *rule, const char *text);

/* Checks the rule of ind, and that a part is no larger than its parent,
   reading figures through lookup (false: no figure; a missing left side
   passes). Returns 0, or US_EINVAL with a message in msg naming the rule
   and the figures. */
int us_rule_check (char *msg, size_t size, const us_indicator_t *ind,
                   bool (*lookup) (double *value, void *ctx, const char *code), void *ctx);

/* Parses catalog CSV text; origin names the source in errors. Returns 0 or
   US_EINVAL naming the bad line; *cat_p is NULL on failure. */
int us_catalog_parse (us_catalog_t **cat_p, const char *text, size_t len,
                      const char *origin);

/* Reads a catalog CSV file. */
int us_catalog_load (us_catalog_t **cat_p, const char *path);

/* Returns a copy of the built-in default catalog. */
int us_catalog_default (us_catalog_t **cat_p);

/* Returns the indicator with code, or NULL. The pointer belongs to cat. */
const us_indicator_t *us_catalog_find (const us_catalog_t *cat, const char *code);

/* Parses a kind name; returns 0 or US_EINVAL. */
int us_kind_parse (us_kind_t *kind, const char *text);

/* Returns the name of a kind. */
const char *us_kind_name (us_kind_t kind);

/* Returns 0 when policy is a known conflict policy, else US_EINVAL. */
int us_policy_check (const char *policy);

/* Frees a catalog and nulls the pointer; safe on NULL. */
void us_catalog_destroy (us_catalog_t **cat_p);

#endif
