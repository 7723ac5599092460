/*  us_expr: the expressions of formula indicators (see us_expr.h).

    The parser is a recursive descent whose recursion only deepens through
    parentheses and unary signs, both bounded by US_EXPR_MAX_DEPTH. It emits
    nodes in post order, so evaluation is one pass over the node array with
    no recursion: each node's operands come before it.
*/
#include "us_expr.h"
#include "us_error.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OP_NUM, OP_REF, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV } op_t;

typedef struct {
    op_t op;
    uint16_t a, b;          /* operand nodes                          */
    uint16_t ref;           /* OP_REF: reference index                */
    uint16_t pos;           /* 1-based position in the text           */
    us_expr_value_t num;    /* OP_NUM: the constant                   */
} node_t;

struct _us_expr_t {
    char *text;
    node_t *nodes;
    size_t n_nodes;
    char *refs [US_EXPR_MAX_REFS];
    size_t n_refs;
};

typedef enum { T_END, T_NUM, T_CODE, T_OP, T_LPAREN, T_RPAREN } tok_t;

typedef struct {
    const char *text;
    size_t at;              /* next byte to lex                       */
    tok_t tok;              /* current token                          */
    size_t tok_at;          /* its offset                             */
    size_t tok_len;
    us_expr_value_t num;    /* T_NUM value                            */
    int depth;
    us_expr_t *expr;
    node_t nodes [US_EXPR_MAX_NODES];
    char err [200];
    bool failed;
} parser_t;

/* Records the first error at byte offset at; returns -1 for convenience. */
static int
s_fail (parser_t *p, size_t at, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_fail (parser_t *p, size_t at, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = true;
    int n = snprintf (p->err, sizeof p->err, "position %zu: ", at + 1);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (p->err + n, sizeof p->err - (size_t) n, fmt, ap);
    va_end (ap);
    return -1;
}

/* Writes a byte readably for an error message. */
static const char *
s_show (char *buf, size_t size, unsigned char c)
{
    if (c >= 0x21 && c < 0x7f)
        snprintf (buf, size, "'%c'", c);
    else
        snprintf (buf, size, "byte 0x%02x", c);
    return buf;
}

/* Greatest common divisor of two magnitudes. */
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

/* Magnitude of v, also for INT64_MIN. */
static uint64_t
s_abs (int64_t v)
{
    return v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
}

/* Builds num/den (den > 0) in lowest terms. */
static us_expr_value_t
s_reduce (int64_t num, int64_t den)
{
    assert (den > 0);
    int64_t g = (int64_t) s_gcd (s_abs (num), (uint64_t) den);
    if (g > 1) {
        num /= g;
        den /= g;
    }
    return (us_expr_value_t) { num, den };
}

/* Adds (sign 1) or subtracts (sign -1) two fractions; false on overflow. */
static bool
s_add (us_expr_value_t x, us_expr_value_t y, int sign, us_expr_value_t *r)
{
    int64_t g = (int64_t) s_gcd ((uint64_t) x.den, (uint64_t) y.den);
    int64_t den, xs, ys, num;
    if (__builtin_mul_overflow (x.den / g, y.den, &den)
     || __builtin_mul_overflow (x.num, y.den / g, &xs)
     || __builtin_mul_overflow (y.num, x.den / g, &ys))
        return false;
    if (sign > 0 ? __builtin_add_overflow (xs, ys, &num)
                 : __builtin_sub_overflow (xs, ys, &num))
        return false;
    *r = s_reduce (num, den);
    return true;
}

/* Multiplies two fractions, reducing across first; false on overflow. */
static bool
s_mul (us_expr_value_t x, us_expr_value_t y, us_expr_value_t *r)
{
    int64_t g1 = (int64_t) s_gcd (s_abs (x.num), (uint64_t) y.den);
    int64_t g2 = (int64_t) s_gcd (s_abs (y.num), (uint64_t) x.den);
    int64_t num, den;
    if (__builtin_mul_overflow (x.num / g1, y.num / g2, &num)
     || __builtin_mul_overflow (x.den / g2, y.den / g1, &den))
        return false;
    *r = s_reduce (num, den);
    return true;
}

/* Negates a fraction; false on overflow (INT64_MIN). */
static bool
s_neg (us_expr_value_t x, us_expr_value_t *r)
{
    if (x.num == INT64_MIN)
        return false;
    *r = (us_expr_value_t) { -x.num, x.den };
    return true;
}

/* Divides x by y: US_OK, US_EXPR_DIVZERO or US_EXPR_OVERFLOW. */
static int
s_div (us_expr_value_t x, us_expr_value_t y, us_expr_value_t *r)
{
    if (y.num == 0)
        return US_EXPR_DIVZERO;
    us_expr_value_t inv = { y.den, y.num };
    if (inv.den < 0) {
        if (inv.den == INT64_MIN)
            return US_EXPR_OVERFLOW;
        inv.den = -inv.den;
        inv.num = -inv.num;
    }
    return s_mul (x, inv, r) ? US_OK : US_EXPR_OVERFLOW;
}

/* Lexes a number at p->at: digits, optionally "." and digits. */
static void
s_lex_number (parser_t *p)
{
    const char *s = p->text;
    size_t i = p->at;
    int64_t num = 0, den = 1;
    bool fraction = false;
    for (;; i++) {
        if (s [i] == '.' && !fraction) {
            if (s [i + 1] < '0' || s [i + 1] > '9') {
                s_fail (p, i + 1, "a digit must follow the decimal point");
                return;
            }
            fraction = true;
            continue;
        }
        if (s [i] < '0' || s [i] > '9')
            break;
        if (__builtin_mul_overflow (num, 10, &num)
         || __builtin_add_overflow (num, s [i] - '0', &num)
         || (fraction && __builtin_mul_overflow (den, 10, &den))) {
            s_fail (p, p->at, "number too large");
            return;
        }
    }
    if (s [i] == '.' || s [i] == ',') {
        s_fail (p, i, "unexpected '%c' (write numbers without thousands "
                "separators, decimals with '.')", s [i]);
        return;
    }
    p->tok = T_NUM;
    p->tok_len = i - p->at;
    p->num = s_reduce (num, den);
    p->at = i;
}

/* True for the bytes a code may hold after its first letter. */
static bool
s_code_byte (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* Reads the next token into p; on a bad byte records the error. */
static void
s_next (parser_t *p)
{
    const char *s = p->text;
    while (s [p->at] == ' ' || s [p->at] == '\t')
        p->at++;
    p->tok_at = p->at;
    p->tok_len = 1;
    char c = s [p->at];
    if (c == 0) {
        p->tok = T_END;
        p->tok_len = 0;
    }
    else
    if (c >= '0' && c <= '9')
        s_lex_number (p);
    else
    if (c >= 'a' && c <= 'z') {
        size_t i = p->at;
        while (s_code_byte (s [i]))
            i++;
        p->tok = T_CODE;
        p->tok_len = i - p->at;
        p->at = i;
        if (s [i] >= 'A' && s [i] <= 'Z')
            s_fail (p, i, "unexpected '%c' (indicator codes are lower case)", s [i]);
        else
        if (p->tok_len > US_EXPR_MAX_CODE)
            s_fail (p, p->tok_at, "indicator code longer than %d bytes", US_EXPR_MAX_CODE);
    }
    else
    if (c == '+' || c == '-' || c == '*' || c == '/') {
        p->tok = T_OP;
        p->at++;
    }
    else
    if (c == '(' || c == ')') {
        p->tok = c == '(' ? T_LPAREN : T_RPAREN;
        p->at++;
    }
    else {
        char b [16];
        if (c >= 'A' && c <= 'Z')
            s_fail (p, p->at, "unexpected '%c' (indicator codes are lower case)", c);
        else
            s_fail (p, p->at, "unexpected %s", s_show (b, sizeof b, (unsigned char) c));
        p->tok = T_END;
    }
}

/* Appends a node; returns its index or -1 when there are too many. */
static int
s_node (parser_t *p, op_t op, int a, int b, size_t at)
{
    if (p->expr->n_nodes >= US_EXPR_MAX_NODES)
        return s_fail (p, at, "more than %d numbers, codes and operators",
                       US_EXPR_MAX_NODES);
    node_t *n = &p->nodes [p->expr->n_nodes];
    *n = (node_t) { .op = op, .a = (uint16_t) (a < 0 ? 0 : a),
                    .b = (uint16_t) (b < 0 ? 0 : b), .pos = (uint16_t) (at + 1) };
    return (int) p->expr->n_nodes++;
}

/* Returns the reference index of the current code token, adding it. */
static int
s_ref (parser_t *p)
{
    us_expr_t *e = p->expr;
    const char *code = p->text + p->tok_at;
    for (size_t i = 0; i < e->n_refs; i++)
        if (strlen (e->refs [i]) == p->tok_len
         && memcmp (e->refs [i], code, p->tok_len) == 0)
            return (int) i;
    if (e->n_refs >= US_EXPR_MAX_REFS)
        return s_fail (p, p->tok_at, "more than %d different indicator codes",
                       US_EXPR_MAX_REFS);
    e->refs [e->n_refs] = strndup (code, p->tok_len);
    if (!e->refs [e->n_refs])
        return s_fail (p, p->tok_at, "out of memory");
    return (int) e->n_refs++;
}

static int s_expr (parser_t *p);

/* Describes the current token for "expected" errors. */
static int
s_fail_expected (parser_t *p, const char *what)
{
    if (p->tok == T_END)
        return s_fail (p, p->tok_at, "the expression ends where %s is expected", what);
    return s_fail (p, p->tok_at, "'%.*s' where %s is expected",
                   (int) (p->tok_len > 20 ? 20 : p->tok_len), p->text + p->tok_at, what);
}

/* unary = ("-" | "+") unary | number | code | "(" expr ")" */
static int
s_unary (parser_t *p)
{
    if (p->failed)
        return -1;
    size_t at = p->tok_at;
    char c = p->text [at];
    bool sign = p->tok == T_OP && (c == '-' || c == '+');
    if (sign || p->tok == T_LPAREN) {
        if (++p->depth > US_EXPR_MAX_DEPTH)
            return s_fail (p, at, "nested deeper than %d levels", US_EXPR_MAX_DEPTH);
        s_next (p);
        int node;
        if (sign) {
            int a = s_unary (p);
            node = a < 0 || c == '+' ? a : s_node (p, OP_NEG, a, -1, at);
        }
        else {
            node = s_expr (p);
            if (node >= 0 && p->tok != T_RPAREN)
                node = p->tok == T_END
                     ? s_fail (p, p->tok_at, "missing ')' for the '(' at position %zu", at + 1)
                     : s_fail_expected (p, "an operator or ')'");
            if (node >= 0)
                s_next (p);
        }
        p->depth--;
        return p->failed ? -1 : node;
    }
    int node = -1;
    if (p->tok == T_NUM) {
        node = s_node (p, OP_NUM, -1, -1, at);
        if (node >= 0)
            p->nodes [node].num = p->num;
    }
    else
    if (p->tok == T_CODE) {
        int ref = s_ref (p);
        node = ref < 0 ? -1 : s_node (p, OP_REF, -1, -1, at);
        if (node >= 0)
            p->nodes [node].ref = (uint16_t) ref;
    }
    else
        return s_fail_expected (p, "a number, an indicator code or '('");
    if (node >= 0)
        s_next (p);
    return p->failed ? -1 : node;
}

/* term = unary { ("*" | "/") unary } */
static int
s_term (parser_t *p)
{
    int left = s_unary (p);
    while (left >= 0 && p->tok == T_OP
           && (p->text [p->tok_at] == '*' || p->text [p->tok_at] == '/')) {
        size_t at = p->tok_at;
        op_t op = p->text [at] == '*' ? OP_MUL : OP_DIV;
        s_next (p);
        int right = s_unary (p);
        left = right < 0 ? -1 : s_node (p, op, left, right, at);
    }
    return left;
}

/* expr = term { ("+" | "-") term } */
static int
s_expr (parser_t *p)
{
    int left = s_term (p);
    while (left >= 0 && p->tok == T_OP
           && (p->text [p->tok_at] == '+' || p->text [p->tok_at] == '-')) {
        size_t at = p->tok_at;
        op_t op = p->text [at] == '+' ? OP_ADD : OP_SUB;
        s_next (p);
        int right = s_term (p);
        left = right < 0 ? -1 : s_node (p, op, left, right, at);
    }
    return left;
}

/* Runs the parser over p->text into p->expr; returns 0 or -1. */
static int
s_parse (parser_t *p)
{
    size_t len = strlen (p->text);
    if (len > US_EXPR_MAX_TEXT)
        return s_fail (p, US_EXPR_MAX_TEXT, "expression longer than %d bytes (%zu)",
                       US_EXPR_MAX_TEXT, len);
    s_next (p);
    if (p->failed)
        return -1;
    if (p->tok == T_END)
        return s_fail (p, 0, "empty expression");
    if (s_expr (p) < 0 || p->failed)
        return -1;
    if (p->tok == T_RPAREN)
        return s_fail (p, p->tok_at, "')' without a matching '('");
    if (p->tok != T_END)
        return s_fail (p, p->tok_at, "'%.*s' after a complete expression (missing operator?)",
                       (int) (p->tok_len > 20 ? 20 : p->tok_len), p->text + p->tok_at);
    return p->failed ? -1 : 0;
}

/* Parses text into a new expression; NULL with the reason on failure. */
us_expr_t *
us_expr_parse (const char *text, char *err, size_t errsize)
{
    assert (text);
    parser_t *p = calloc (1, sizeof *p);
    us_expr_t *self = calloc (1, sizeof *self);
    if (!p || !self) {
        free (p);
        free (self);
        us_error_set (US_ENOMEM, "out of memory");
        if (err && errsize)
            snprintf (err, errsize, "out of memory");
        return NULL;
    }
    p->text = text;
    p->expr = self;
    if (s_parse (p) == 0) {
        self->text = strdup (text);
        self->nodes = malloc (self->n_nodes * sizeof (node_t));
        if (!self->text || !self->nodes)
            s_fail (p, 0, "out of memory");
        else
            memcpy (self->nodes, p->nodes, self->n_nodes * sizeof (node_t));
    }
    if (p->failed) {
        us_error_set (US_EINVAL, "%s", p->err);
        if (err && errsize)
            snprintf (err, errsize, "%s", p->err);
        us_expr_destroy (&self);
    }
    free (p);
    return self;
}

/* Returns the text the expression was parsed from. */
const char *
us_expr_text (const us_expr_t *self)
{
    assert (self);
    return self->text;
}

/* Returns how many different codes the expression names. */
size_t
us_expr_ref_count (const us_expr_t *self)
{
    assert (self);
    return self->n_refs;
}

/* Returns the code of reference index, or NULL. */
const char *
us_expr_ref (const us_expr_t *self, size_t index)
{
    assert (self);
    return index < self->n_refs ? self->refs [index] : NULL;
}

/* Names an operator for the outcome messages. */
static char
s_op_char (op_t op)
{
    return op == OP_ADD ? '+' : op == OP_SUB ? '-' : op == OP_MUL ? '*'
         : op == OP_DIV ? '/' : '-';
}

/* Evaluates the nodes in order, each from values computed before it. */
int
us_expr_eval (const us_expr_t *self, us_expr_lookup_fn *lookup, void *arg,
              us_expr_value_t *result_p)
{
    assert (self && lookup && result_p);
    us_expr_value_t refs [US_EXPR_MAX_REFS];
    for (size_t i = 0; i < self->n_refs; i++) {
        int64_t v = 0;
        bool missing = false;
        int rc = lookup (i, self->refs [i], arg, &v, &missing);
        if (rc < 0)
            return rc;
        if (missing)
            return us_error_set (US_EXPR_MISSING, "no figure for %s", self->refs [i]);
        refs [i] = (us_expr_value_t) { v, 1 };
    }
    us_expr_value_t val [US_EXPR_MAX_NODES];
    for (size_t i = 0; i < self->n_nodes; i++) {
        const node_t *n = &self->nodes [i];
        const us_expr_value_t *a = &val [n->a], *b = &val [n->b];
        int rc = US_OK;
        switch (n->op) {
            case OP_NUM: val [i] = n->num; break;
            case OP_REF: val [i] = refs [n->ref]; break;
            case OP_NEG: rc = s_neg (*a, &val [i]) ? US_OK : US_EXPR_OVERFLOW; break;
            case OP_ADD: rc = s_add (*a, *b, 1, &val [i]) ? US_OK : US_EXPR_OVERFLOW; break;
            case OP_SUB: rc = s_add (*a, *b, -1, &val [i]) ? US_OK : US_EXPR_OVERFLOW; break;
            case OP_MUL: rc = s_mul (*a, *b, &val [i]) ? US_OK : US_EXPR_OVERFLOW; break;
            case OP_DIV: rc = s_div (*a, *b, &val [i]); break;
        }
        if (rc == US_EXPR_DIVZERO)
            return us_error_set (rc, "division by zero at position %u of '%s'",
                                 n->pos, self->text);
        if (rc == US_EXPR_OVERFLOW)
            return us_error_set (rc, "the result of '%c' at position %u of '%s' "
                                 "does not fit in 64 bits", s_op_char (n->op), n->pos,
                                 self->text);
    }
    assert (self->n_nodes > 0);
    *result_p = val [self->n_nodes - 1];
    return 0;
}

/* Sets *out_p to value * 10^decimals rounded half away from zero. */
int
us_expr_value_scale (us_expr_value_t value, int decimals, int64_t *out_p)
{
    assert (decimals >= 0 && decimals <= 18 && value.den > 0 && out_p);
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    /* q + r/den, with the rest scaled separately so only the result must fit */
    int64_t q = value.num / value.den, r = value.num % value.den;
    int64_t whole;
    if (__builtin_mul_overflow (q, scale, &whole))
        return US_EXPR_OVERFLOW;
    /* |r| < den <= INT64_MAX; r * scale may not fit in 64 bits: use 128 */
    __int128 part = (__int128) r * scale;
    __int128 pq = part / value.den, pr = part % value.den;
    __int128 twice = pr < 0 ? -2 * pr : 2 * pr;
    if (twice >= value.den)
        pq += part < 0 ? -1 : 1;
    __int128 total = (__int128) whole + pq;
    if (total > INT64_MAX || total < INT64_MIN)
        return US_EXPR_OVERFLOW;
    *out_p = (int64_t) total;
    return 0;
}

/* Returns the English reason of an outcome. */
const char *
us_expr_reason (int outcome)
{
    switch (outcome) {
        case 0:                return "";
        case US_EXPR_MISSING:  return "missing figure";
        case US_EXPR_DIVZERO:  return "division by zero";
        case US_EXPR_OVERFLOW: return "number too large";
        default:               return us_error_name (outcome);
    }
}

/* Returns the Vietnamese reason of an outcome. */
const char *
us_expr_reason_vi (int outcome)
{
    switch (outcome) {
        case 0:                return "";
        case US_EXPR_MISSING:  return "thiếu số liệu";
        case US_EXPR_DIVZERO:  return "chia cho 0";
        case US_EXPR_OVERFLOW: return "số quá lớn";
        default:               return "lỗi";
    }
}

/* Index of name among names, or -1. */
static long
s_index (const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp (names [i], name) == 0)
            return (long) i;
    return -1;
}

/* Writes "a -> b -> ... -> a" for the cycle that closes at stack [from]. */
static int
s_fail_cycle (const char *const *names, const long *stack, size_t depth, size_t from)
{
    char buf [400];
    size_t n = 0;
    for (size_t i = from; i < depth && n < sizeof buf; i++)
        n += (size_t) snprintf (buf + n, sizeof buf - n, "%s -> ", names [stack [i]]);
    if (n < sizeof buf)
        snprintf (buf + n, sizeof buf - n, "%s", names [stack [from]]);
    return us_error_set (US_EINVAL, "formula cycle: %s", buf);
}

/* Depth-first search with an explicit stack: 0 unseen, 1 on the path, 2 done. */
int
us_expr_check_cycles (const char *const *names, size_t count,
                      us_expr_find_fn *find, void *arg)
{
    assert (names || count == 0);
    assert (find);
    char *state = calloc (count + 1, 1);
    long *stack = calloc (count + 1, sizeof *stack);
    size_t *next = calloc (count + 1, sizeof *next);
    if (!state || !stack || !next) {
        free (state);
        free (stack);
        free (next);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t root = 0; root < count && rc == 0; root++) {
        if (state [root])
            continue;
        size_t depth = 0;
        stack [depth] = (long) root;
        next [depth++] = 0;
        state [root] = 1;
        while (depth > 0 && rc == 0) {
            long top = stack [depth - 1];
            const us_expr_t *e = find (names [top], arg);
            const char *ref = e ? us_expr_ref (e, next [depth - 1]++) : NULL;
            if (!ref) {
                state [top] = 2;
                depth--;
                continue;
            }
            long child = s_index (names, count, ref);
            if (child < 0 || state [child] == 2)
                continue;
            if (state [child] == 1) {
                size_t from = 0;
                while (stack [from] != child)
                    from++;
                rc = s_fail_cycle (names, stack, depth, from);
                break;
            }
            state [child] = 1;
            stack [depth] = child;
            next [depth++] = 0;
        }
    }
    free (state);
    free (stack);
    free (next);
    return rc;
}

/* Frees the expression and nulls the pointer. */
void
us_expr_destroy (us_expr_t **self_p)
{
    assert (self_p);
    us_expr_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n_refs; i++)
        free (self->refs [i]);
    free (self->nodes);
    free (self->text);
    free (self);
    *self_p = NULL;
}
