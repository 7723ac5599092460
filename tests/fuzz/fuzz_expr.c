/*  fuzz_expr: the formula parser and evaluator on any text.

    The input is the expression text (cut at the first NUL). A refused text
    must give a reason naming a position; an accepted one must name at most
    US_EXPR_MAX_REFS codes, each a valid code, parse again from its own text
    the same way, and evaluate against fixed figures (including 0, -1 and
    the 64-bit extremes) to a fraction in lowest terms or to one of the
    documented outcomes. The cycle check runs with the expression standing
    for its own first reference, which must be a cycle.
*/
#include "us_expr.h"
#include "us_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stops the run with a reason; libFuzzer saves the input. */
#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf (stderr, "fuzz_expr: check failed at %s:%d: %s\n",      \
                     __FILE__, __LINE__, #cond);                            \
            abort ();                                                       \
        }                                                                   \
    } while (0)

static const int64_t s_values [] = {
    0, 1, -1, 2, 7, 1000000000000LL, INT64_MAX, INT64_MIN, INT64_MAX - 1, 3,
};

/* Gives each code a figure chosen by its first byte; codes starting with
   'm' are missing. */
static int
s_lookup (size_t ref, const char *name, void *arg, int64_t *value_p, bool *missing_p)
{
    (void) ref;
    (void) arg;
    if (name [0] == 'm')
        *missing_p = true;
    else
        *value_p = s_values [(unsigned char) name [strlen (name) - 1]
                             % (sizeof s_values / sizeof s_values [0])];
    return 0;
}

/* The expression stands for every name. */
static const us_expr_t *
s_find (const char *name, void *arg)
{
    (void) name;
    return arg;
}

/* Magnitude of v as unsigned. */
static uint64_t
s_abs (int64_t v)
{
    return v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
}

/* Greatest common divisor. */
static uint64_t
s_gcd (uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Checks an accepted expression. */
static void
s_check (us_expr_t *e, const char *text)
{
    CHECK (strcmp (us_expr_text (e), text) == 0);
    size_t refs = us_expr_ref_count (e);
    CHECK (refs <= US_EXPR_MAX_REFS);
    CHECK (us_expr_ref (e, refs) == NULL);
    for (size_t i = 0; i < refs; i++) {
        const char *r = us_expr_ref (e, i);
        CHECK (r && r [0] >= 'a' && r [0] <= 'z' && strlen (r) <= US_EXPR_MAX_CODE);
        CHECK (strspn (r, "abcdefghijklmnopqrstuvwxyz0123456789_.") == strlen (r));
        for (size_t j = 0; j < i; j++)
            CHECK (strcmp (r, us_expr_ref (e, j)) != 0);
    }
    us_expr_value_t v = { 0, 0 };
    int rc = us_expr_eval (e, s_lookup, NULL, &v);
    CHECK (rc == 0 || rc == US_EXPR_MISSING || rc == US_EXPR_DIVZERO
        || rc == US_EXPR_OVERFLOW);
    if (rc == 0) {
        CHECK (v.den >= 1);
        CHECK (s_gcd (s_abs (v.num), (uint64_t) v.den) == 1 || v.num == 0);
        CHECK (v.num != 0 || v.den == 1);
        int64_t out;
        int s = us_expr_value_scale (v, 0, &out);
        CHECK (s == 0 || s == US_EXPR_OVERFLOW);
        s = us_expr_value_scale (v, 4, &out);
        CHECK (s == 0 || s == US_EXPR_OVERFLOW);
    }
    else
        CHECK (strlen (us_error_msg ()) > 0);

    const char *name = refs ? us_expr_ref (e, 0) : "f.none";
    rc = us_expr_check_cycles (&name, 1, s_find, e);
    CHECK (refs ? rc == US_EINVAL : rc == 0);
}

/* Runs one input through the checks above. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text [size] = 0;
    char err [200] = "";
    us_expr_t *e = us_expr_parse (text, err, sizeof err);
    if (!e)
        CHECK (strncmp (err, "position ", 9) == 0);
    else {
        s_check (e, text);
        us_expr_t *again = us_expr_parse (us_expr_text (e), NULL, 0);
        CHECK (again && us_expr_ref_count (again) == us_expr_ref_count (e));
        us_expr_destroy (&again);
    }
    us_expr_destroy (&e);
    CHECK (e == NULL);
    free (text);
    return 0;
}
