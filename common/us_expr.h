/*  us_expr: the expressions of formula indicators.

    A formula such as
        8500000 * cla.signed.a + 6000000 * cla.signed.b + 5000000 * cdcs.new.25plus
    is parsed once (us_expr_parse) into a us_expr_t the caller owns and frees
    with us_expr_destroy(). The grammar:
        expr   = term   { ("+" | "-") term }            left associative
        term   = unary  { ("*" | "/") unary }           left associative
        unary  = "-" unary | "+" unary | atom
        atom   = number | code | "(" expr ")"
        number = digits [ "." digits ]                  no thousands separators
        code   = a lower-case letter, then [a-z0-9_.]   at most 64 bytes
    Spaces and tabs separate tokens. Texts longer than US_EXPR_MAX_TEXT bytes,
    nested deeper than US_EXPR_MAX_DEPTH (parentheses and unary signs), with
    more than US_EXPR_MAX_NODES numbers, codes and operators, or naming more
    than US_EXPR_MAX_REFS different codes are refused; every refusal names the
    1-based byte position where it was found.

    Arithmetic is exact: every value is a fraction num/den of 64-bit integers
    in lowest terms with den >= 1, and every operation is checked. Division
    never rounds (7 / 2 is 7/2); a result or intermediate value that does not
    fit is US_EXPR_OVERFLOW, never a wrapped number. A caller wanting a whole
    number (money) or a fixed number of decimals (ratios) asks
    us_expr_value_scale(), which rounds half away from zero; formatting (the
    Vietnamese decimal comma, thousands dots) is the caller's.

    The codes an expression names are its references, numbered from 0 in the
    order of their first appearance, each once; the catalog uses them to find
    unknown indicators, and us_expr_check_cycles() to refuse cycles.
*/
#ifndef US_EXPR_H
#define US_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_EXPR_MAX_TEXT   1024   /* bytes of expression text       */
#define US_EXPR_MAX_DEPTH  32     /* nested parentheses/unary signs */
#define US_EXPR_MAX_NODES  256    /* numbers, codes and operators   */
#define US_EXPR_MAX_REFS   64     /* different codes named          */
#define US_EXPR_MAX_CODE   64     /* bytes of one code              */

/* Outcomes of us_expr_eval() that leave no value; the report shows "-" and
   us_expr_reason() / us_expr_reason_vi(). Negative codes are US_E* errors. */
enum {
    US_EXPR_MISSING  = 1,   /* a referenced figure is missing */
    US_EXPR_DIVZERO  = 2,   /* division by zero               */
    US_EXPR_OVERFLOW = 3,   /* a value left 64 bits           */
};

typedef struct _us_expr_t us_expr_t;

/* An exact value: num / den, den >= 1, in lowest terms. */
typedef struct {
    int64_t num;
    int64_t den;
} us_expr_value_t;

/* Gives the figure of reference ref (its code is name): sets *value_p, or
   sets *missing_p to true when there is no figure. Returns 0, or a negative
   US_E* code that us_expr_eval() returns unchanged. */
typedef int (us_expr_lookup_fn) (size_t ref, const char *name, void *arg,
                                 int64_t *value_p, bool *missing_p);

/* Gives the expression of the formula indicator called name, or NULL when
   name is not a formula (a leaf). The expression stays the caller's. */
typedef const us_expr_t *(us_expr_find_fn) (const char *name, void *arg);

/* Parses text. Returns a new expression, or NULL with the reason (naming
   the position) in err (when not NULL, cut to errsize) and in us_error_msg()
   with US_EINVAL. */
us_expr_t *us_expr_parse (const char *text, char *err, size_t errsize);

/* Returns the text the expression was parsed from (belongs to self). */
const char *us_expr_text (const us_expr_t *self);

/* Returns how many different codes the expression names. */
size_t us_expr_ref_count (const us_expr_t *self);

/* Returns the code of reference index (belongs to self), or NULL when index
   is out of range. */
const char *us_expr_ref (const us_expr_t *self, size_t index);

/* Evaluates the expression, asking lookup once for each reference. Returns
   0 with *result_p set; US_EXPR_MISSING, US_EXPR_DIVZERO or US_EXPR_OVERFLOW
   with the message set (naming the missing code or the operation); or the
   negative code lookup returned. */
int us_expr_eval (const us_expr_t *self, us_expr_lookup_fn *lookup, void *arg,
                  us_expr_value_t *result_p);

/* Sets *out_p to value * 10^decimals rounded half away from zero (decimals
   0..18). Returns 0 or US_EXPR_OVERFLOW. */
int us_expr_value_scale (us_expr_value_t value, int decimals, int64_t *out_p);

/* Returns the English reason of an outcome ("division by zero"). */
const char *us_expr_reason (int outcome);

/* Returns the Vietnamese reason of an outcome ("chia cho 0"). */
const char *us_expr_reason_vi (int outcome);

/* Refuses cycles among the count formula indicators called names, whose
   expressions find gives. Returns 0, or US_EINVAL with the cycle named
   ("formula cycle: a -> b -> a"). Codes find does not know are leaves. */
int us_expr_check_cycles (const char *const *names, size_t count,
                          us_expr_find_fn *find, void *arg);

/* Frees the expression and nulls the pointer; safe on NULL and twice. */
void us_expr_destroy (us_expr_t **self_p);

#endif
