/*  Unit tests for us_expr: parsing, exact checked arithmetic, cycles. */
#include "us_expr.h"
#include "us_error.h"

#include "us_test.h"

/* The figures the lookup knows: code = value; missing when not listed. */
typedef struct {
    const char *code;
    int64_t value;
} figure_t;

typedef struct {
    const figure_t *figures;
    size_t count;
    int calls;
} table_t;

/* Looks a code up in the table. */
static int
s_lookup (size_t ref, const char *name, void *arg, int64_t *value_p, bool *missing_p)
{
    (void) ref;
    table_t *t = arg;
    t->calls++;
    for (size_t i = 0; i < t->count; i++)
        if (strcmp (t->figures [i].code, name) == 0) {
            *value_p = t->figures [i].value;
            return 0;
        }
    *missing_p = true;
    return 0;
}

static const figure_t s_figures [] = {
    { "a", 7 }, { "b", 2 }, { "c", 3 }, { "zero", 0 }, { "neg", -4 },
    { "big", INT64_MAX }, { "small", INT64_MIN }, { "minus1", -1 },
    { "cla.signed.a", 10 }, { "cla.signed.b", 4 }, { "cdcs.new.25plus", 3 },
};

/* Parses text, failing the test with the reason when it does not parse. */
static us_expr_t *
s_parse (const char *text)
{
    char err [200] = "";
    us_expr_t *e = us_expr_parse (text, err, sizeof err);
    cr_assert_not_null (e, "'%s' should parse: %s", text, err);
    return e;
}

/* Evaluates text against the figures; returns the outcome. */
static int
s_eval (const char *text, us_expr_value_t *v)
{
    us_expr_t *e = s_parse (text);
    table_t t = { s_figures, sizeof s_figures / sizeof s_figures [0], 0 };
    *v = (us_expr_value_t) { 12345, 678 };
    int rc = us_expr_eval (e, s_lookup, &t, v);
    if (rc != US_EXPR_MISSING)
        cr_assert_eq ((size_t) t.calls, us_expr_ref_count (e), "lookup once per reference");
    us_expr_destroy (&e);
    return rc;
}

/* Expects text to evaluate to num/den. */
static void
s_expect (const char *text, int64_t num, int64_t den)
{
    us_expr_value_t v;
    int rc = s_eval (text, &v);
    cr_assert_eq (rc, 0, "'%s' should evaluate: %s", text, us_error_msg ());
    cr_assert (v.num == num && v.den == den, "'%s' = %lld/%lld, expected %lld/%lld",
               text, (long long) v.num, (long long) v.den, (long long) num, (long long) den);
}

/* Expects text to evaluate to no value with outcome, the value untouched. */
static void
s_expect_outcome (const char *text, int outcome)
{
    us_expr_value_t v;
    int rc = s_eval (text, &v);
    cr_assert_eq (rc, outcome, "'%s': outcome %d, expected %d (%s)", text, rc, outcome,
                  us_error_msg ());
    cr_assert (v.num == 12345 && v.den == 678, "no value is written on failure");
}

/* Expects text to be refused with a reason containing needle. */
static void
s_refused (const char *text, const char *needle)
{
    char err [200] = "";
    us_error_clear ();
    us_expr_t *e = us_expr_parse (text, err, sizeof err);
    cr_assert_null (e, "'%s' should be refused", text);
    cr_assert_not_null (strstr (err, needle), "'%s': reason '%s' should contain '%s'",
                        text, err, needle);
    cr_assert_str_eq (us_error_msg (), err, "the same reason in us_error_msg");
}

/* The federation's subsidy formula with its three references. */
Test (expr, subsidy)
{
    const char *text = "8500000 * cla.signed.a + 6000000 * cla.signed.b"
                       " + 5000000 * cdcs.new.25plus";
    us_expr_t *e = s_parse (text);
    cr_assert_str_eq (us_expr_text (e), text);
    cr_assert_eq (us_expr_ref_count (e), 3);
    cr_assert_str_eq (us_expr_ref (e, 0), "cla.signed.a");
    cr_assert_str_eq (us_expr_ref (e, 1), "cla.signed.b");
    cr_assert_str_eq (us_expr_ref (e, 2), "cdcs.new.25plus");
    cr_assert_null (us_expr_ref (e, 3));
    us_expr_destroy (&e);
    cr_assert_null (e);
    us_expr_destroy (&e);
    s_expect (text, 8500000LL * 10 + 6000000LL * 4 + 5000000LL * 3, 1);
}

/* A code named twice is one reference, looked up once. */
Test (expr, refs_once)
{
    us_expr_t *e = s_parse ("a + a * b - (a)");
    cr_assert_eq (us_expr_ref_count (e), 2);
    cr_assert_str_eq (us_expr_ref (e, 0), "a");
    cr_assert_str_eq (us_expr_ref (e, 1), "b");
    us_expr_destroy (&e);
    e = s_parse ("42");
    cr_assert_eq (us_expr_ref_count (e), 0);
    us_expr_destroy (&e);
}

/* * and / bind tighter than + and -; all are left associative. */
Test (expr, precedence_associativity)
{
    s_expect ("1 + 2 * 3", 7, 1);
    s_expect ("(1 + 2) * 3", 9, 1);
    s_expect ("10 - 4 - 3", 3, 1);
    s_expect ("10 - (4 - 3)", 9, 1);
    s_expect ("64 / 4 / 2", 8, 1);
    s_expect ("64 / (4 / 2)", 32, 1);
    s_expect ("2 * 3 + 4 * 5 - 6 / 3", 24, 1);
    s_expect ("a*b+c", 17, 1);
    s_expect ("((((a))))", 7, 1);
    s_expect ("\t a\t", 7, 1);
}

/* Unary minus and plus, also repeated and inside products. */
Test (expr, unary)
{
    s_expect ("-a", -7, 1);
    s_expect ("- -a", 7, 1);
    s_expect ("--a", 7, 1);
    s_expect ("+a", 7, 1);
    s_expect ("-a * -b", 14, 1);
    s_expect ("2 - -3", 5, 1);
    s_expect ("-(a + b)", -9, 1);
    s_expect ("neg * -1", 4, 1);
}

/* Division is exact: the value stays a fraction in lowest terms. */
Test (expr, exact_division)
{
    s_expect ("a / b", 7, 2);
    s_expect ("a / b * b", 7, 1);
    s_expect ("1 / 3 + 1 / 6", 1, 2);
    s_expect ("neg / 6", -2, 3);
    s_expect ("6 / neg", -3, 2);
    s_expect ("zero / a", 0, 1);
    s_expect ("1.5 * 4", 6, 1);
    s_expect ("0.25", 1, 4);
    s_expect ("cdcs.new.25plus / a * 100", 300, 7);
}

/* Rounding to whole numbers and decimals is half away from zero. */
Test (expr, scale)
{
    int64_t out;
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { 7, 2 }, 0, &out), 0);
    cr_assert_eq (out, 4);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { -7, 2 }, 0, &out), 0);
    cr_assert_eq (out, -4);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { 1, 3 }, 0, &out), 0);
    cr_assert_eq (out, 0);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { 2, 3 }, 2, &out), 0);
    cr_assert_eq (out, 67);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { -2, 3 }, 2, &out), 0);
    cr_assert_eq (out, -67);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { 300, 7 }, 1, &out), 0);
    cr_assert_eq (out, 429);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { INT64_MAX, 1 }, 0, &out), 0);
    cr_assert_eq (out, INT64_MAX);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { INT64_MIN, 1 }, 0, &out), 0);
    cr_assert_eq (out, INT64_MIN);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { INT64_MAX, 1 }, 1, &out),
                  US_EXPR_OVERFLOW);
    cr_assert_eq (us_expr_value_scale ((us_expr_value_t) { INT64_MAX, INT64_MAX - 1 }, 18,
                                       &out), 0);
    cr_assert_eq (out, 1000000000000000000LL);
}

/* Overflow in every operation is an outcome, never a wrapped number. */
Test (expr, overflow)
{
    s_expect ("big", INT64_MAX, 1);
    s_expect ("small", INT64_MIN, 1);
    s_expect ("big + 0", INT64_MAX, 1);
    s_expect_outcome ("big + 1", US_EXPR_OVERFLOW);
    s_expect_outcome ("small - 1", US_EXPR_OVERFLOW);
    s_expect_outcome ("-small", US_EXPR_OVERFLOW);
    s_expect_outcome ("big * 2", US_EXPR_OVERFLOW);
    s_expect_outcome ("small * -1", US_EXPR_OVERFLOW);
    s_expect_outcome ("small / -1", US_EXPR_OVERFLOW);
    s_expect_outcome ("small / minus1", US_EXPR_OVERFLOW);
    s_expect_outcome ("1 / small", US_EXPR_OVERFLOW);
    s_expect_outcome ("1 / big - 1 / (big - 1)", US_EXPR_OVERFLOW);
    s_expect ("small / 2", INT64_MIN / 2, 1);
    s_expect ("-big - 1", INT64_MIN, 1);
    s_expect_outcome ("(-big - 1) / minus1", US_EXPR_OVERFLOW);
}

/* Division by zero is its own outcome with its reason in both languages. */
Test (expr, division_by_zero)
{
    s_expect_outcome ("a / zero", US_EXPR_DIVZERO);
    s_expect_outcome ("a / (b - 2)", US_EXPR_DIVZERO);
    s_expect_outcome ("1 / 0", US_EXPR_DIVZERO);
    s_expect_outcome ("1 / (1 / 2 - 0.5)", US_EXPR_DIVZERO);
    s_expect_outcome ("a / zero", US_EXPR_DIVZERO);
    cr_assert_not_null (strstr (us_error_msg (), "division by zero"), "%s", us_error_msg ());
    cr_assert_not_null (strstr (us_error_msg (), "position 3"), "%s", us_error_msg ());
    cr_assert_str_eq (us_expr_reason (US_EXPR_DIVZERO), "division by zero");
    cr_assert_str_eq (us_expr_reason_vi (US_EXPR_DIVZERO), "chia cho 0");
    cr_assert_str_neq (us_expr_reason_vi (US_EXPR_OVERFLOW), "");
    cr_assert_str_neq (us_expr_reason_vi (US_EXPR_MISSING), "");
}

/* A missing figure leaves no value and names the code. */
Test (expr, missing)
{
    s_expect_outcome ("a + nothing.here", US_EXPR_MISSING);
    cr_assert_not_null (strstr (us_error_msg (), "nothing.here"), "%s", us_error_msg ());
}

/* An error from the lookup comes back unchanged. */
static int
s_lookup_fails (size_t ref, const char *name, void *arg, int64_t *value_p, bool *missing_p)
{
    (void) ref, (void) name, (void) arg, (void) value_p, (void) missing_p;
    return us_error_set (US_EIO, "disk on fire");
}

Test (expr, lookup_error)
{
    us_expr_t *e = s_parse ("1 + a");
    us_expr_value_t v = { 5, 1 };
    cr_assert_eq (us_expr_eval (e, s_lookup_fails, NULL, &v), US_EIO);
    cr_assert_str_eq (us_error_msg (), "disk on fire");
    cr_assert_eq (v.num, 5);
    us_expr_destroy (&e);
}

/* Malformed text of every kind is refused naming the position. */
Test (expr, malformed)
{
    s_refused ("", "position 1: empty expression");
    s_refused ("   ", "empty expression");
    s_refused ("a +", "position 4: the expression ends where a number");
    s_refused ("a + * b", "position 5: '*' where a number");
    s_refused ("a $ b", "position 3: unexpected '$'");
    s_refused ("a + B", "position 5: unexpected 'B' (indicator codes are lower case)");
    s_refused ("cla.Signed", "position 5: unexpected 'S'");
    s_refused ("a b", "position 3: 'b' after a complete expression");
    s_refused ("2a", "position 2: 'a' after a complete expression");
    s_refused ("(a + b", "missing ')' for the '(' at position 1");
    s_refused ("(a + b c)", "position 8: 'c' where an operator or ')'");
    s_refused ("a + b)", "position 6: ')' without a matching '('");
    s_refused ("()", "position 2: ')' where a number");
    s_refused ("_a", "position 1: unexpected '_'");
    s_refused (".5", "position 1: unexpected '.'");
    s_refused ("1.", "position 3: a digit must follow the decimal point");
    s_refused ("8.500.000 * a", "position 6: unexpected '.' (write numbers without thousands");
    s_refused ("8,5", "position 2: unexpected ','");
    s_refused ("a\xc3\xa1", "position 2: unexpected byte 0xc3");
    s_refused ("a\n+ b", "position 2: unexpected byte 0x0a");
    s_refused ("9223372036854775808", "position 1: number too large");
    s_refused ("1 + 0.0000000000000000001", "position 5: number too large");
}

/* The limits: length, depth, nodes, references, code length. */
Test (expr, limits)
{
    char text [US_EXPR_MAX_TEXT + 64];

    /* exactly at the length limit parses; one byte more is refused */
    memset (text, ' ', US_EXPR_MAX_TEXT);
    text [0] = '1';
    text [US_EXPR_MAX_TEXT] = 0;
    us_expr_destroy ((us_expr_t *[]) { s_parse (text) });
    text [US_EXPR_MAX_TEXT] = ' ';
    text [US_EXPR_MAX_TEXT + 1] = 0;
    s_refused (text, "expression longer than 1024 bytes");
    s_refused (text, "position 1025");

    /* nesting: 32 levels parse, 33 do not, for parentheses and signs */
    size_t n = 0;
    for (int i = 0; i < US_EXPR_MAX_DEPTH; i++)
        text [n++] = '(';
    text [n++] = '1';
    for (int i = 0; i < US_EXPR_MAX_DEPTH; i++)
        text [n++] = ')';
    text [n] = 0;
    us_expr_destroy ((us_expr_t *[]) { s_parse (text) });
    memmove (text + 1, text, n + 1);
    text [0] = '-';
    s_refused (text, "nested deeper than 32 levels");
    memset (text, '-', US_EXPR_MAX_DEPTH + 1);
    strcpy (text + US_EXPR_MAX_DEPTH + 1, "1");
    s_refused (text, "position 33: nested deeper than 32 levels");

    /* too many nodes: 1+1+...; 128 ones make 255 nodes, 129 make 257 */
    n = 0;
    for (int i = 0; i < 129; i++)
        n += (size_t) sprintf (text + n, i ? "+1" : "1");
    s_refused (text, "more than 256 numbers, codes and operators");
    text [n - 2] = 0;
    us_expr_destroy ((us_expr_t *[]) { s_parse (text) });

    /* too many different codes */
    n = 0;
    for (int i = 0; i <= US_EXPR_MAX_REFS; i++)
        n += (size_t) sprintf (text + n, i ? "+x%d" : "x%d", i);
    s_refused (text, "more than 64 different indicator codes");

    /* a code of 64 bytes parses, 65 does not */
    memset (text, 'c', 65);
    text [64] = 0;
    us_expr_destroy ((us_expr_t *[]) { s_parse (text) });
    text [64] = 'c';
    text [65] = 0;
    s_refused (text, "indicator code longer than 64 bytes");
}

/* The parse error is cut to the caller's buffer, and err may be NULL. */
Test (expr, error_buffer)
{
    char err [12];
    cr_assert_null (us_expr_parse ("a +", err, sizeof err));
    cr_assert_eq (strlen (err), sizeof err - 1);
    cr_assert_null (us_expr_parse ("a +", NULL, 0));
    cr_assert_not_null (strstr (us_error_msg (), "position 4"));
}

/* The formulas of a small catalog, for the cycle check. */
typedef struct {
    const char *name;
    const char *text;
    us_expr_t *expr;
} formula_t;

typedef struct {
    formula_t *items;
    size_t count;
} formulas_t;

/* Finds a formula by name. */
static const us_expr_t *
s_find (const char *name, void *arg)
{
    formulas_t *f = arg;
    for (size_t i = 0; i < f->count; i++)
        if (strcmp (f->items [i].name, name) == 0)
            return f->items [i].expr;
    return NULL;
}

/* Runs the cycle check over formulas; returns its code. */
static int
s_cycles (formula_t *items, size_t count)
{
    const char *names [16];
    for (size_t i = 0; i < count; i++) {
        items [i].expr = s_parse (items [i].text);
        names [i] = items [i].name;
    }
    formulas_t f = { items, count };
    us_error_clear ();
    int rc = us_expr_check_cycles (names, count, s_find, &f);
    for (size_t i = 0; i < count; i++)
        us_expr_destroy (&items [i].expr);
    return rc;
}

Test (expr, cycles)
{
    /* a chain and a diamond without a cycle */
    formula_t ok [] = {
        { "f.total", "f.a + f.b", NULL }, { "f.a", "x * 2 + f.c", NULL },
        { "f.b", "f.c / 3", NULL }, { "f.c", "y + z", NULL },
    };
    cr_assert_eq (s_cycles (ok, 4), 0, "%s", us_error_msg ());
    cr_assert_eq (s_cycles (NULL, 0), 0);

    formula_t self [] = { { "f.x", "1 + f.x", NULL } };
    cr_assert_eq (s_cycles (self, 1), US_EINVAL);
    cr_assert_str_eq (us_error_msg (), "formula cycle: f.x -> f.x");

    formula_t loop [] = {
        { "f.total", "f.a + 1", NULL }, { "f.a", "x + f.b", NULL },
        { "f.b", "f.c * 2", NULL }, { "f.c", "y - f.a", NULL },
    };
    cr_assert_eq (s_cycles (loop, 4), US_EINVAL);
    cr_assert_str_eq (us_error_msg (), "formula cycle: f.a -> f.b -> f.c -> f.a");
}
