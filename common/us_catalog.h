/*  us_catalog: the indicator catalog.

    An indicator has a code (members.new), a Vietnamese name, a kind (flow
    sums over months and units; stock sums over units and takes the latest
    month; ratio is numerator / denominator, never entered), a conflict
    policy and an optional rule ("<= party.introduced"). The catalog is read
    from CSV (code,name,kind,numerator,denominator,policy,rule); the default
    one from data/indicators.csv is built into the binaries. A us_catalog_t
    belongs to whoever made it; free it with us_catalog_destroy().
*/
#ifndef US_CATALOG_H
#define US_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

/* The largest figure a cell may hold: far above any count or VND amount a
   union office reports, and low enough that a province's sums never
   overflow 64 bits. */
#define US_VALUE_MAX 1000000000000LL

typedef enum { US_KIND_FLOW, US_KIND_STOCK, US_KIND_RATIO } us_kind_t;

typedef struct {
    char code [65];
    char name [257];
    us_kind_t kind;
    char numerator [65];
    char denominator [65];
    char policy [24];
    char rule [257];
} us_indicator_t;

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

/* Checks the rule of ind, reading figures through lookup (false: no figure;
   a missing left side passes). Returns 0, or US_EINVAL with a message in msg
   naming the rule and the figures. */
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
