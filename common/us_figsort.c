/*  us_figsort: figures read in any order, visited in a digest's order. */
#include "us_figsort.h"
#include "us_db.h"
#include "us_error.h"

#include <stdlib.h>
#include <string.h>

/* A unit's or an indicator's code, with its rank in byte order once sorted. */
typedef struct {
    int64_t id;
    char *code;
    uint32_t rank;
} s_code_t;

/* A set of codes of one kind. */
typedef struct {
    s_code_t *all;
    size_t n, cap;
} s_codes_t;

/* A figure as added; its key is filled by the visit. */
typedef struct {
    uint64_t key;               /* month, unit rank, indicator rank: the digest's order */
    int64_t unit_id, ind_id, value;
    uint64_t version;
    int month;
    bool cleared;
} s_figure_t;

struct _us_figsort_t {
    int first, last;
    s_codes_t units, inds;
    s_figure_t *figs;
    size_t n, cap;
    s_codes_t kept;             /* the units figures are kept of (ids only) */
    bool scoped, kept_sorted;   /* scoped: only the figures of kept units are */
};

/* Makes an empty sorter for months first..last. */
us_figsort_t *
us_figsort_new (int first, int last)
{
    if (last < first) {
        us_error_set (US_EINVAL, "an empty range of months");
        return NULL;
    }
    us_figsort_t *self = calloc (1, sizeof *self);
    if (!self) {
        us_error_set (US_ENOMEM, "out of memory sorting figures");
        return NULL;
    }
    self->first = first;
    self->last = last;
    return self;
}

/* Frees a set of codes. */
static void
s_codes_free (s_codes_t *codes)
{
    for (size_t i = 0; i < codes->n; i++)
        free (codes->all [i].code);
    free (codes->all);
}

/* Destroys the sorter and nulls the pointer. */
void
us_figsort_destroy (us_figsort_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    us_figsort_t *self = *self_p;
    s_codes_free (&self->units);
    s_codes_free (&self->inds);
    s_codes_free (&self->kept);
    free (self->figs);
    free (self);
    *self_p = NULL;
}

/* Grows *p (of *cap elements of size) to hold one more than n. */
static int
s_grow (void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t more = *cap ? *cap * 2 : 256;
    void *q = realloc (*p, more * size);
    if (!q)
        return us_error_set (US_ENOMEM, "out of memory sorting figures");
    *p = q;
    *cap = more;
    return 0;
}

/* Names a unit or an indicator id by its code. */
int
us_figsort_code (us_figsort_t *self, bool is_unit, int64_t id, const char *code)
{
    s_codes_t *codes = is_unit ? &self->units : &self->inds;
    int rc = s_grow ((void **) &codes->all, &codes->cap, codes->n, sizeof *codes->all);
    if (rc)
        return rc;
    char *copy = strdup (code);
    if (!copy)
        return us_error_set (US_ENOMEM, "out of memory sorting figures");
    codes->all [codes->n++] = (s_code_t) { .id = id, .code = copy };
    return 0;
}

/* Keeps the figures of a unit. */
int
us_figsort_keep (us_figsort_t *self, int64_t unit_id)
{
    s_codes_t *kept = &self->kept;
    int rc = s_grow ((void **) &kept->all, &kept->cap, kept->n, sizeof *kept->all);
    if (rc)
        return rc;
    kept->all [kept->n++] = (s_code_t) { .id = unit_id };
    self->scoped = true;
    self->kept_sorted = false;
    return 0;
}

static int s_by_id (const void *a, const void *b);
static const s_code_t *s_find (const s_codes_t *codes, int64_t id);

/* Adds a figure. */
int
us_figsort_add (us_figsort_t *self, int month, int64_t unit_id, int64_t ind_id,
                bool cleared, int64_t value, uint64_t version)
{
    /* A district's few dozen units: six comparisons a figure. */
    if (self->scoped && !self->kept_sorted) {
        if (self->kept.n > 1)
            qsort (self->kept.all, self->kept.n, sizeof *self->kept.all, s_by_id);
        self->kept_sorted = true;
    }
    if (self->scoped && !s_find (&self->kept, unit_id))
        return 0;
    if (month < self->first || month > self->last)
        return us_error_set (US_EINVAL, "a figure of month %d outside %d..%d", month,
                             self->first, self->last);
    int rc = s_grow ((void **) &self->figs, &self->cap, self->n, sizeof *self->figs);
    if (rc)
        return rc;
    self->figs [self->n++] = (s_figure_t) { .unit_id = unit_id, .ind_id = ind_id,
        .value = value, .version = version, .month = month, .cleared = cleared };
    return 0;
}

/* Adds every row of st. */
int
us_figsort_read (us_figsort_t *self, us_figsort_rows_t rows, sqlite3_stmt *st, const char *what)
{
    int rc = 0, step;
    self->scoped |= rows == US_FIGSORT_SCOPE;     /* even with no row: no figure then */
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW)
        rc = rows == US_FIGSORT_FIGURES
           ? us_figsort_add (self, sqlite3_column_int (st, 0), sqlite3_column_int64 (st, 1),
                             sqlite3_column_int64 (st, 2),
                             sqlite3_column_type (st, 3) == SQLITE_NULL,
                             sqlite3_column_int64 (st, 3), (uint64_t) sqlite3_column_int64 (st, 4))
           : rows == US_FIGSORT_SCOPE ? us_figsort_keep (self, sqlite3_column_int64 (st, 0))
           : us_figsort_code (self, rows == US_FIGSORT_UNITS, sqlite3_column_int64 (st, 0),
                              us_db_text (st, 1));
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (sqlite3_db_handle (st), what);
    return rc;
}

/* Orders codes as bytes (COLLATE BINARY). */
static int
s_by_code (const void *a, const void *b)
{
    return strcmp (((const s_code_t *) a)->code, ((const s_code_t *) b)->code);
}

/* Orders codes by id. */
static int
s_by_id (const void *a, const void *b)
{
    int64_t x = ((const s_code_t *) a)->id, y = ((const s_code_t *) b)->id;
    return x < y ? -1 : x > y;
}

/* Orders figures by key. */
static int
s_by_key (const void *a, const void *b)
{
    uint64_t x = ((const s_figure_t *) a)->key, y = ((const s_figure_t *) b)->key;
    return x < y ? -1 : x > y;
}

/* Ranks the codes in byte order, then leaves them sorted by id for lookups. */
static void
s_rank (s_codes_t *codes)
{
    if (codes->n > 1)
        qsort (codes->all, codes->n, sizeof *codes->all, s_by_code);
    for (size_t i = 0; i < codes->n; i++)
        codes->all [i].rank = (uint32_t) i;
    if (codes->n > 1)
        qsort (codes->all, codes->n, sizeof *codes->all, s_by_id);
}

/* Finds the code of id (sorted by id), or NULL. */
static const s_code_t *
s_find (const s_codes_t *codes, int64_t id)
{
    size_t lo = 0, hi = codes->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (codes->all [mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < codes->n && codes->all [lo].id == id ? &codes->all [lo] : NULL;
}

/* Visits the figures in the digest's order. */
int
us_figsort_visit (us_figsort_t *self, us_figsort_fn *fn, void *arg)
{
    /* Ranks take 21 bits each and the month offset the rest of the key. */
    if (self->units.n >= (1u << 21) || self->inds.n >= (1u << 21))
        return us_error_set (US_EINVAL, "too many units or indicators for a digest");
    s_rank (&self->units);
    s_rank (&self->inds);
    /* The visit needs the code of a rank: an array in rank order. */
    const char **unit_code = calloc (self->units.n + 1, sizeof *unit_code);
    const char **ind_code = calloc (self->inds.n + 1, sizeof *ind_code);
    int rc = unit_code && ind_code ? 0
           : us_error_set (US_ENOMEM, "out of memory sorting figures");
    for (size_t i = 0; rc == 0 && i < self->units.n; i++)
        unit_code [self->units.all [i].rank] = self->units.all [i].code;
    for (size_t i = 0; rc == 0 && i < self->inds.n; i++)
        ind_code [self->inds.all [i].rank] = self->inds.all [i].code;
    for (size_t k = 0; rc == 0 && k < self->n; k++) {
        s_figure_t *f = &self->figs [k];
        const s_code_t *u = s_find (&self->units, f->unit_id);
        const s_code_t *i = s_find (&self->inds, f->ind_id);
        if (!u || !i)
            rc = us_error_set (US_ECORRUPT, "a figure names unit %lld or indicator %lld, which "
                               "the store does not hold", (long long) f->unit_id,
                               (long long) f->ind_id);
        else
            f->key = ((uint64_t) (f->month - self->first) << 42) | ((uint64_t) u->rank << 21)
                   | i->rank;
    }
    if (rc == 0 && self->n > 1)
        qsort (self->figs, self->n, sizeof *self->figs, s_by_key);
    for (size_t k = 0; rc == 0 && k < self->n; k++) {
        const s_figure_t *f = &self->figs [k];
        rc = fn (arg, f->month, unit_code [(f->key >> 21) & 0x1fffff], ind_code [f->key & 0x1fffff],
                 f->cleared, f->value, f->version);
    }
    free (unit_code);
    free (ind_code);
    return rc;
}
