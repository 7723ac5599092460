/*  us_allocate: splitting a province's target among its units. */
#include "us_allocate.h"
#include "us_csv.h"
#include "us_error.h"
#include "us_period.h"
#include "us_pstore_report.h"
#include "us_report.h"
#include "us_text.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The largest whole weight a file or a figure may give (so that weights in
   millionths fit 64 bits). */
#define S_WEIGHT_MAX 1000000000000LL

/* Computes a * b / c and its remainder exactly (128-bit product). */
static void
s_muldiv (uint64_t *q, uint64_t *r, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    uint64_t p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
    uint64_t mid = (p0 >> 32) + (p1 & 0xFFFFFFFFu) + (p2 & 0xFFFFFFFFu);
    uint64_t lo = (p0 & 0xFFFFFFFFu) | (mid << 32);
    uint64_t hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
    uint64_t rem = 0, quo = 0;
    for (int k = 127; k >= 0; k--) {
        uint64_t bit = k >= 64 ? (hi >> (k - 64)) & 1 : (lo >> k) & 1;
        bool carry = rem >> 63;
        rem = (rem << 1) | bit;
        if (carry || rem >= c) {
            rem -= c;
            if (k < 64)
                quo |= (uint64_t) 1 << k;
        }
    }
    *q = quo;
    *r = rem;
}

/* Splits total among n parts in proportion to weights. */
int
us_allocate_split (int64_t *shares, const int64_t *weights, const char *const *keys,
                   size_t n, int64_t total)
{
    if (total < 0)
        return us_error_set (US_EINVAL, "the total to split must not be negative");
    uint64_t sum = 0;
    for (size_t k = 0; k < n; k++) {
        if (weights [k] < 0)
            return us_error_set (US_EINVAL, "weight %s is negative", keys ? keys [k] : "");
        if (sum > UINT64_MAX - (uint64_t) weights [k])
            return us_error_set (US_EINVAL, "weights too large to add up");
        sum += (uint64_t) weights [k];
    }
    if (sum == 0)
        return us_error_set (US_EINVAL, "the weights add up to zero; nothing to split by");
    uint64_t *rem = calloc (n + 1, sizeof *rem);
    bool *extra = calloc (n + 1, sizeof *extra);
    if (!rem || !extra) {
        free (rem);
        free (extra);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    uint64_t given = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t q;
        s_muldiv (&q, &rem [k], (uint64_t) total, (uint64_t) weights [k], sum);
        shares [k] = (int64_t) q;
        given += q;
    }
    /* The remainders add up to (total - given) * sum, so fewer than n units
       are left over and each gets at most one; a zero weight has no
       remainder and never gets one. */
    for (uint64_t left = (uint64_t) total - given; left > 0; left--) {
        size_t best = n;
        for (size_t k = 0; k < n; k++) {
            if (extra [k] || weights [k] == 0)
                continue;
            if (best == n || rem [k] > rem [best]
            ||  (rem [k] == rem [best] && keys && strcmp (keys [k], keys [best]) < 0))
                best = k;
        }
        if (best == n)
            break;
        shares [best]++;
        extra [best] = true;
    }
    free (rem);
    free (extra);
    return 0;
}

/* Sets *share when a unit of this kind gets a share of the province's
   plan: the kinds whose units report (the unit_kinds table says which). */
static int
s_allocated_kind (bool *share, us_pstore_t *store, const char *kind)
{
    return us_pstore_kind_reports (store, share, kind);
}

/* Writes the root's own targets of indicator i into buf ("" when none). */
static void
s_context (char *buf, size_t size, const us_report_t *r, size_t i)
{
    us_report_unit_t root;
    us_report_unit (&root, r, 0);
    size_t len = 0;
    buf [0] = 0;
    for (int s = 0; s < US_SOURCE_COUNT && len < size; s++) {
        us_report_target_t t;
        if (!us_report_target (&t, r, 0, i, (us_source_t) s))
            continue;
        int n;
        if (t.range)
            n = snprintf (buf + len, size - len, "%s%s %" PRId64 "..%" PRId64 " (%s)",
                          len ? ", " : "", us_source_name ((us_source_t) s), t.lo, t.hi, t.period);
        else
            n = snprintf (buf + len, size - len, "%s%s %" PRId64 " (%s)", len ? ", " : "",
                          us_source_name ((us_source_t) s), t.lo, t.period);
        len += n > 0 ? (size_t) n : 0;
    }
}

/* Starts a split: checks the arguments and lists the province's units. */
static int
s_start (us_allocate_t **self_p, us_report_t **report_p, us_pstore_t *store,
         const char *indicator, const char *period, int64_t total, us_source_t source)
{
    *self_p = NULL;
    *report_p = NULL;
    if (total < 0)
        return us_error_set (US_EINVAL, "the total to split must not be negative");
    us_report_t *r;
    int rc = us_pstore_report_build (&r, store, period, NULL);
    if (rc)
        return rc;
    int i = us_report_find_indicator (r, indicator);
    us_kind_t kind = i >= 0 ? us_report_indicator (r, (size_t) i)->kind : US_KIND_FLOW;
    if (i < 0 || us_kind_computed (kind)) {
        us_report_destroy (&r);
        return i < 0 ? us_error_set (US_ENOTFOUND, "unknown indicator '%.64s'", indicator)
                     : us_error_set (US_EINVAL, "%.64s is a %s; a %s target is not split",
                                     indicator, us_kind_name (kind), us_kind_name (kind));
    }
    us_allocate_t *self = calloc (1, sizeof *self);
    if (self)
        self->rows = calloc (us_report_units (r) + 1, sizeof *self->rows);
    if (!self || !self->rows) {
        us_allocate_destroy (&self);
        us_report_destroy (&r);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    snprintf (self->indicator, sizeof self->indicator, "%s", indicator);
    s_context (self->context, sizeof self->context, r, (size_t) i);
    snprintf (self->period, sizeof self->period, "%s", us_report_period (r)->text);
    self->source = source;
    self->total = total;
    us_report_unit_t info;
    for (size_t u = 1; rc == 0 && u < us_report_units (r); u++) {
        us_report_unit (&info, r, u);
        bool share = false;
        if (info.parent_index == 0)
            rc = s_allocated_kind (&share, store, info.kind);
        if (!share)
            continue;
        us_allocate_row_t *row = &self->rows [self->count++];
        snprintf (row->unit, sizeof row->unit, "%s", info.code);
        snprintf (row->name, sizeof row->name, "%s", info.name);
    }
    if (rc == 0 && self->count == 0)
        rc = us_error_set (US_ENOTFOUND, "no reporting units (district, sector, commune, park) "
                           "under the province in %s", period);
    if (rc) {
        us_allocate_destroy (&self);
        us_report_destroy (&r);
        return rc;
    }
    *self_p = self;
    *report_p = r;
    return 0;
}

/* Splits the total among the rows by their weights. */
static int
s_finish (us_allocate_t *self)
{
    int64_t *weights = calloc (self->count + 1, sizeof *weights);
    int64_t *shares = calloc (self->count + 1, sizeof *shares);
    const char **keys = calloc (self->count + 1, sizeof *keys);
    int rc = 0;
    if (!weights || !shares || !keys)
        rc = us_error_set (US_ENOMEM, "out of memory");
    for (size_t k = 0; rc == 0 && k < self->count; k++) {
        weights [k] = self->rows [k].weight;
        keys [k] = self->rows [k].unit;
    }
    if (rc == 0)
        rc = us_allocate_split (shares, weights, keys, self->count, self->total);
    for (size_t k = 0; rc == 0 && k < self->count; k++)
        self->rows [k].share = shares [k];
    free (weights);
    free (shares);
    free (keys);
    return rc;
}

/* Reads the weights from a report's figures of by; true when any is positive. */
static bool
s_weights_from (us_allocate_t *self, const us_report_t *r, const char *by)
{
    bool any = false;
    for (size_t k = 0; k < self->count; k++) {
        us_allocate_row_t *row = &self->rows [k];
        double v;
        row->has_weight = us_report_value (&v, r, row->unit, by);
        if (!row->has_weight || v < 0)
            v = 0;
        if (v > (double) S_WEIGHT_MAX)
            v = (double) S_WEIGHT_MAX;
        row->weight = llround (v * US_ALLOCATE_SCALE);
        any |= row->weight > 0;
    }
    return any;
}

/* Splits a total among the province's units by their figures of by. */
int
us_allocate_by_figure (us_allocate_t **self_p, us_pstore_t *store, const char *indicator,
                       const char *period, int64_t total, us_source_t source, const char *by)
{
    us_report_t *now;
    int rc = s_start (self_p, &now, store, indicator, period, total, source);
    if (rc)
        return rc;
    us_allocate_t *self = *self_p;
    int b = us_report_find_indicator (now, by);
    if (b < 0) {
        rc = us_error_set (US_ENOTFOUND, "unknown indicator '%.64s'", by);
        goto done;
    }
    us_period_t last = { 0 };
    snprintf (last.text, sizeof last.text, "the year before");
    us_report_t *before = NULL;
    bool found = false;
    if (us_period_shift_years (&last, us_report_period (now), -1) == 0) {
        rc = us_pstore_report_build (&before, store, last.text, NULL);
        if (rc)
            goto done;
        found = s_weights_from (self, before, by);
        us_report_destroy (&before);
    }
    if (found)
        snprintf (self->basis, sizeof self->basis,
                  "%.64s in %s (the same period last year)", by, last.text);
    else {
        found = s_weights_from (self, now, by);
        snprintf (self->basis, sizeof self->basis,
                  "%.64s in %s itself (no unit has a figure for %s)", by,
                  us_report_period (now)->text, last.text);
    }
    if (!found) {
        rc = us_error_set (US_EINVAL, "no unit has a figure of %.64s in %s or %s;"
                           " nothing to split by", by, last.text, us_report_period (now)->text);
        goto done;
    }
    rc = s_finish (self);
done:
    us_report_destroy (&now);
    if (rc)
        us_allocate_destroy (self_p);
    return rc;
}

/* Parses a weight (up to six decimals) into millionths; false when it is not one. */
static bool
s_parse_weight (int64_t *micro, const char *s)
{
    int64_t whole = 0, frac = 0;
    int digits = 0, decimals = 0;
    const char *p = s;
    for (; isdigit ((unsigned char) *p); p++, digits++) {
        whole = whole * 10 + (*p - '0');
        if (whole > S_WEIGHT_MAX)
            return false;
    }
    if (*p == '.' || *p == ',') {
        for (p++; isdigit ((unsigned char) *p); p++, decimals++) {
            if (decimals == 6)
                return false;
            frac = frac * 10 + (*p - '0');
        }
        if (decimals == 0)
            return false;
    }
    if (*p || digits == 0)
        return false;
    for (int k = decimals; k < 6; k++)
        frac *= 10;
    *micro = whole * US_ALLOCATE_SCALE + frac;
    return true;
}

/* Reads unit,weight rows into the split's rows. */
static int
s_read_weights (us_allocate_t *self, const char *path)
{
    us_csv_t *csv = us_csv_new (path);
    if (!csv)
        return US_EINVAL;
    char **fields;
    size_t count;
    int rc, records = 0;
    while ((rc = us_csv_next (csv, &fields, &count)) == 1) {
        int line = us_csv_line (csv);
        records++;
        int64_t w = 0;
        bool ok = count == 2 && s_parse_weight (&w, fields [1]);
        size_t k = 0;
        while (k < self->count && count > 0 && strcmp (self->rows [k].unit, fields [0]) != 0)
            k++;
        if (!ok && records == 1 && count == 2 && k == self->count)
            continue;           /* a header row */
        if (!ok) {
            rc = us_error_set (US_EINVAL, "%s line %d: want unit,weight with a weight such as 12"
                               " or 0.25", path, line);
            break;
        }
        if (k == self->count) {
            rc = us_error_set (US_EINVAL, "%s line %d: '%.64s' is not a district or sector unit"
                               " directly under the province", path, line, fields [0]);
            break;
        }
        if (self->rows [k].has_weight) {
            rc = us_error_set (US_EINVAL, "%s line %d: %s is given twice", path, line, fields [0]);
            break;
        }
        self->rows [k].has_weight = true;
        self->rows [k].weight = w;
    }
    us_csv_destroy (&csv);
    return rc < 0 ? rc : 0;
}

/* Splits a total among the province's units by the weights in a file. */
int
us_allocate_by_weights (us_allocate_t **self_p, us_pstore_t *store, const char *indicator,
                        const char *period, int64_t total, us_source_t source, const char *path)
{
    us_report_t *now;
    int rc = s_start (self_p, &now, store, indicator, period, total, source);
    if (rc)
        return rc;
    us_allocate_t *self = *self_p;
    rc = s_read_weights (self, path);
    if (rc == 0) {
        snprintf (self->basis, sizeof self->basis, "weights from %.120s", path);
        rc = s_finish (self);
    }
    us_report_destroy (&now);
    if (rc)
        us_allocate_destroy (self_p);
    return rc;
}

/* Sets each unit's target to its share, all in one transaction. */
int
us_allocate_apply (const us_allocate_t *self, us_pstore_t *store, size_t *written)
{
    *written = 0;
    int rc = us_pstore_begin (store);
    for (size_t k = 0; rc == 0 && k < self->count; k++) {
        char value [32];
        snprintf (value, sizeof value, "%" PRId64, self->rows [k].share);
        rc = us_pstore_target_put (store, self->rows [k].unit, self->indicator, self->period,
                                   value, us_source_name (self->source));
    }
    if (rc == 0)
        rc = us_pstore_commit (store);
    if (rc) {
        us_pstore_rollback (store);
        return rc;
    }
    *written = self->count;
    return 0;
}

/* Writes a weight in millionths as a short decimal. */
static void
s_weight_text (char *buf, size_t size, int64_t micro)
{
    int64_t whole = micro / US_ALLOCATE_SCALE, frac = micro % US_ALLOCATE_SCALE;
    if (frac == 0) {
        snprintf (buf, size, "%" PRId64, whole);
        return;
    }
    char digits [8];
    snprintf (digits, sizeof digits, "%06" PRId64, frac);
    for (int k = 5; k > 0 && digits [k] == '0'; k--)
        digits [k] = 0;
    snprintf (buf, size, "%" PRId64 ".%s", whole, digits);
}

/* Prints the split. */
int
us_allocate_print (const us_allocate_t *self, FILE *out)
{
    fprintf (out, "Split of %" PRId64 " %s for %s (%s targets) among %zu units\n",
             self->total, self->indicator, self->period, us_source_name (self->source),
             self->count);
    fprintf (out, "Weights: %s\n", self->basis);
    if (*self->context)
        fprintf (out, "The province's own targets: %s\n", self->context);
    size_t code_w = 4, name_w = 4;
    int64_t sum = 0, given = 0;
    for (size_t k = 0; k < self->count; k++) {
        if (strlen (self->rows [k].unit) > code_w)
            code_w = strlen (self->rows [k].unit);
        if (us_text_width (self->rows [k].name) > name_w)
            name_w = us_text_width (self->rows [k].name);
        sum += self->rows [k].weight;
        given += self->rows [k].share;
    }
    us_text_pad (out, "Unit", code_w, false);
    fputs ("  ", out);
    us_text_pad (out, "Name", name_w, false);
    fprintf (out, "  %14s  %8s  %12s\n", "Weight", "%", "Share");
    for (size_t k = 0; k < self->count; k++) {
        const us_allocate_row_t *row = &self->rows [k];
        char weight [48] = "-", pct [16];
        if (row->has_weight)
            s_weight_text (weight, sizeof weight, row->weight);
        snprintf (pct, sizeof pct, "%.1f",
                  sum > 0 ? (double) row->weight * 100.0 / (double) sum : 0.0);
        us_text_pad (out, row->unit, code_w, false);
        fputs ("  ", out);
        us_text_pad (out, row->name, name_w, false);
        fprintf (out, "  %14s  %8s  %12" PRId64 "\n", weight, pct, row->share);
    }
    char weight [48];
    s_weight_text (weight, sizeof weight, sum);
    us_text_pad (out, "Total", code_w + 2 + name_w, false);
    fprintf (out, "  %14s  %8s  %12" PRId64 "\n", weight, "100.0", given);
    if (fflush (out) != 0 || ferror (out))
        return us_error_set (US_EIO, "cannot write the split");
    return 0;
}

/* Frees a split and nulls the pointer; safe on NULL. */
void
us_allocate_destroy (us_allocate_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->rows);
    free (*self_p);
    *self_p = NULL;
}
