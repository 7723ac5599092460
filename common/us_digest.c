/*  us_digest: the anti-entropy digests an office and the province compare. */
#include "us_digest.h"
#include "us_error.h"
#include "us_period.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define S_TOP_LABEL "unionsync digest 1"

struct _us_digest_t {
    int first, last;
    EVP_MD_CTX *md;                 /* the month being hashed, when open */
    int month;                      /* that month; -1 before the first row */
    char unit [256], indicator [256];   /* the last row, to check the order */
    us_month_digest_t *months;
    size_t count, cap;
    uint8_t top [US_DIGEST_LEN];
    int failed;                     /* the first error, kept */
    bool finished;
};

/* Creates the digests of months first..last. */
us_digest_t *
us_digest_new (int first, int last)
{
    if (!us_month_valid (first) || !us_month_valid (last) || first > last) {
        us_error_set (US_EINVAL, "bad digest range");
        return NULL;
    }
    us_digest_t *self = calloc (1, sizeof *self);
    if (self)
        self->md = EVP_MD_CTX_new ();
    if (!self || !self->md) {
        free (self);
        us_error_set (US_ENOMEM, "out of memory");
        return NULL;
    }
    self->first = first;
    self->last = last;
    self->month = -1;
    return self;
}

/* Frees the digests and nulls the pointer. */
void
us_digest_destroy (us_digest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    EVP_MD_CTX_free ((*self_p)->md);
    free ((*self_p)->months);
    free (*self_p);
    *self_p = NULL;
}

/* Records the first error and returns it. */
static int
s_fail (us_digest_t *self, int rc)
{
    if (!self->failed)
        self->failed = rc;
    return self->failed;
}

/* Closes the open month: its hash joins the list. */
static int
s_close_month (us_digest_t *self)
{
    if (self->month < 0)
        return 0;
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        us_month_digest_t *m = realloc (self->months, cap * sizeof *m);
        if (!m)
            return s_fail (self, us_error_set (US_ENOMEM, "out of memory"));
        self->months = m;
        self->cap = cap;
    }
    us_month_digest_t *m = &self->months [self->count++];
    m->month = self->month;
    unsigned int len = 0;
    if (EVP_DigestFinal_ex (self->md, m->hash, &len) != 1 || len != US_DIGEST_LEN)
        return s_fail (self, us_error_set (US_EIO, "SHA-256 failed"));
    return 0;
}

/* Writes v as n big-endian bytes into buf. */
static void
s_be (uint8_t *buf, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        buf [i] = (uint8_t) v;
}

/* Adds one figure, in order. */
int
us_digest_add (us_digest_t *self, int month, const char *unit, const char *indicator,
               bool cleared, int64_t value, uint64_t version)
{
    if (self->failed || self->finished)
        return s_fail (self, us_error_set (US_EINVAL, "digest already failed or finished"));
    size_t ul = strlen (unit), il = strlen (indicator);
    if (month < self->first || month > self->last || ul > 255 || il > 255)
        return s_fail (self, us_error_set (US_EINVAL, "a figure outside the digest's range"));
    if (month != self->month) {
        if (month < self->month)
            return s_fail (self, us_error_set (US_EINVAL, "figures out of order"));
        int rc = s_close_month (self);
        if (rc)
            return rc;
        if (EVP_DigestInit_ex (self->md, EVP_sha256 (), NULL) != 1)
            return s_fail (self, us_error_set (US_EIO, "SHA-256 failed"));
        self->month = month;
    }
    else {
        int c = strcmp (unit, self->unit);
        if (c < 0 || (c == 0 && strcmp (indicator, self->indicator) <= 0))
            return s_fail (self, us_error_set (US_EINVAL, "figures out of order"));
    }
    memcpy (self->unit, unit, ul + 1);
    memcpy (self->indicator, indicator, il + 1);
    /* One update a figure: OpenSSL's call costs as much as hashing a
       figure's few dozen bytes. */
    uint8_t rec [1 + 255 + 1 + 255 + 17], *p = rec;
    *p++ = (uint8_t) ul;
    memcpy (p, unit, ul);
    p += ul;
    *p++ = (uint8_t) il;
    memcpy (p, indicator, il);
    p += il;
    *p++ = cleared ? 1 : 0;
    s_be (p, cleared ? 0 : (uint64_t) value, 8);
    s_be (p + 8, version, 8);
    p += 16;
    return EVP_DigestUpdate (self->md, rec, (size_t) (p - rec)) == 1
         ? 0 : s_fail (self, us_error_set (US_EIO, "SHA-256 failed"));
}


/* Adds one figure to the digest arg (a figure walk's callback). */
int
us_digest_add_to (void *arg, int month, const char *unit, const char *indicator,
                  bool cleared, int64_t value, uint64_t version)
{
    return us_digest_add (arg, month, unit, indicator, cleared, value, version);
}
/* Computes the top digest of first..last from month digests. */
int
us_digest_top_of (uint8_t top [US_DIGEST_LEN], int first, int last,
                  const us_month_digest_t *months, size_t count)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new ();
    if (!md)
        return us_error_set (US_ENOMEM, "out of memory");
    uint8_t range [8];
    s_be (range, (uint32_t) first, 4);
    s_be (range + 4, (uint32_t) last, 4);
    int ok = EVP_DigestInit_ex (md, EVP_sha256 (), NULL);
    ok &= EVP_DigestUpdate (md, S_TOP_LABEL, strlen (S_TOP_LABEL));
    ok &= EVP_DigestUpdate (md, range, sizeof range);
    for (size_t i = 0; i < count; i++) {
        if (months [i].month < first || months [i].month > last)
            continue;
        uint8_t m [4];
        s_be (m, (uint32_t) months [i].month, 4);
        ok &= EVP_DigestUpdate (md, m, 4);
        ok &= EVP_DigestUpdate (md, months [i].hash, US_DIGEST_LEN);
    }
    unsigned int len = 0;
    ok &= EVP_DigestFinal_ex (md, top, &len);
    EVP_MD_CTX_free (md);
    return ok == 1 && len == US_DIGEST_LEN ? 0 : us_error_set (US_EIO, "SHA-256 failed");
}

/* Ends the rows and computes the top. */
int
us_digest_finish (us_digest_t *self)
{
    if (self->failed)
        return self->failed;
    if (self->finished)
        return 0;
    int rc = s_close_month (self);
    if (rc == 0)
        rc = us_digest_top_of (self->top, self->first, self->last, self->months, self->count);
    if (rc)
        return s_fail (self, rc);
    self->finished = true;
    return 0;
}

/* The months that have rows. */
const us_month_digest_t *
us_digest_months (us_digest_t *self, size_t *count)
{
    *count = self->finished ? self->count : 0;
    return self->months;
}

/* The top digest. */
const uint8_t *
us_digest_top (us_digest_t *self)
{
    return self->top;
}
