/*  us_test: small helpers shared by the Criterion unit tests.

    Temporary directories live under /tmp and are removed by the test that
    made them. Buffers returned by us_test_slurp() belong to the caller.
    Everything here is static inline so a test file may use any subset.
*/
#ifndef US_TEST_H
#define US_TEST_H

#include <criterion/criterion.h>

#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes a fresh directory under /tmp into buf (at least 64 bytes). */
static inline void
us_test_tmpdir (char *buf, size_t size)
{
    snprintf (buf, size, "/tmp/us-unit-XXXXXX");
    cr_assert_not_null (mkdtemp (buf), "mkdtemp failed");
}

/* Removes one entry found by nftw. */
static inline int
us_test_rm_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    return remove (path);
}

/* Removes a directory tree; safe when it does not exist. */
static inline void
us_test_rmtree (const char *path)
{
    if (path && *path)
        nftw (path, us_test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Joins dir and name into buf. */
static inline const char *
us_test_path (char *buf, size_t size, const char *dir, const char *name)
{
    snprintf (buf, size, "%s/%s", dir, name);
    return buf;
}

/* Writes len bytes to a new file at path (mode 0600). */
static inline void
us_test_write_bytes (const char *path, const void *data, size_t len)
{
    FILE *f = fopen (path, "wb");
    cr_assert_not_null (f, "cannot write %s", path);
    cr_assert_eq (fwrite (data, 1, len, f), len);
    cr_assert_eq (fclose (f), 0);
    chmod (path, 0600);
}

/* Writes a text file at path. */
static inline void
us_test_write (const char *path, const char *text)
{
    us_test_write_bytes (path, text, strlen (text));
}

/* Reads a whole file into a new NUL-terminated buffer the caller frees. */
static inline char *
us_test_slurp (const char *path, size_t *len_p)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc (cap + 1);
    cr_assert_not_null (buf);
    size_t got;
    while ((got = fread (buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            cap *= 2;
            buf = realloc (buf, cap + 1);
            cr_assert_not_null (buf);
        }
    }
    fclose (f);
    buf [len] = 0;
    if (len_p)
        *len_p = len;
    return buf;
}

/* Returns true when path exists. */
static inline bool
us_test_exists (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0;
}

/* Runs a query returning one integer; fails the test on error. */
static inline int64_t
us_test_int (sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), SQLITE_OK,
                  "prepare %s: %s", sql, sqlite3_errmsg (db));
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW, "no row for %s", sql);
    int64_t v = sqlite3_column_int64 (st, 0);
    sqlite3_finalize (st);
    return v;
}

/* Runs a query returning one text value into buf ("" for NULL). */
static inline const char *
us_test_text (char *buf, size_t size, sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), SQLITE_OK,
                  "prepare %s: %s", sql, sqlite3_errmsg (db));
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW, "no row for %s", sql);
    const unsigned char *s = sqlite3_column_text (st, 0);
    snprintf (buf, size, "%s", s ? (const char *) s : "");
    sqlite3_finalize (st);
    return buf;
}

/* Returns true when a query has a NULL in the first column of its row. */
static inline bool
us_test_is_null (sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), SQLITE_OK,
                  "prepare %s: %s", sql, sqlite3_errmsg (db));
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW, "no row for %s", sql);
    bool null = sqlite3_column_type (st, 0) == SQLITE_NULL;
    sqlite3_finalize (st);
    return null;
}

/* Runs SQL statements; fails the test on error. */
static inline void
us_test_exec (sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec (db, sql, NULL, NULL, &err);
    cr_assert_eq (rc, SQLITE_OK, "exec %s: %s", sql, err ? err : "");
    sqlite3_free (err);
}

/* Returns the month index of year and month (1-12). */
static inline int
us_test_month (int year, int month)
{
    return year * 12 + month - 1;
}

/* Opens a memory stream for capturing output. */
typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} us_test_capture_t;

static inline void
us_test_capture_open (us_test_capture_t *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream (&c->buf, &c->len);
    cr_assert_not_null (c->f);
}

/* Closes the stream; c->buf then holds the NUL-terminated output. */
static inline void
us_test_capture_close (us_test_capture_t *c)
{
    fclose (c->f);
    c->f = NULL;
}

/* Counts non-overlapping occurrences of needle in hay. */
static inline int
us_test_count (const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen (needle);
    for (const char *p = strstr (hay, needle); p; p = strstr (p + len, needle))
        n++;
    return n;
}

/* A minimal JSON syntax checker: returns the end of one value or NULL. */
static inline const char *us_test_json_value (const char *p, int depth);

static inline const char *
us_test_json_ws (const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

static inline const char *
us_test_json_string (const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p && *p != '"') {
        if ((unsigned char) *p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr ("0123456789abcdefABCDEF", p [i]) || !p [i])
                        return NULL;
                p += 4;
            }
            else
            if (!*p || !strchr ("\"\\/bfnrt", *p))
                return NULL;
        }
        p++;
    }
    return *p == '"' ? p + 1 : NULL;
}

static inline const char *
us_test_json_value (const char *p, int depth)
{
    if (depth > 64)
        return NULL;
    p = us_test_json_ws (p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool object = *p == '{';
        p = us_test_json_ws (p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (object) {
                p = us_test_json_string (us_test_json_ws (p));
                if (!p)
                    return NULL;
                p = us_test_json_ws (p);
                if (*p++ != ':')
                    return NULL;
            }
            p = us_test_json_value (p, depth + 1);
            if (!p)
                return NULL;
            p = us_test_json_ws (p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    if (*p == '"')
        return us_test_json_string (p);
    if (strncmp (p, "true", 4) == 0)  return p + 4;
    if (strncmp (p, "false", 5) == 0) return p + 5;
    if (strncmp (p, "null", 4) == 0)  return p + 4;
    const char *start = p;
    if (*p == '-')
        p++;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p > start && p [-1] != '-' ? p : NULL;
}

/* Returns true when text is exactly one JSON value (plus whitespace). */
static inline bool
us_test_json_valid (const char *text)
{
    const char *end = us_test_json_value (text, 0);
    return end && *us_test_json_ws (end) == 0;
}

/*  ----------------------------------------------------------------------
    Allocation failures injected into SQLite. Criterion runs each test in
    its own process, so the allocator can be swapped for one test.
    ---------------------------------------------------------------------- */

static sqlite3_mem_methods us_test_orig_mem;
static long us_test_allocs;             /* allocations since arming            */
static long us_test_fail_at = -1;       /* first failing allocation, -1: none  */
static bool us_test_fail_all;           /* fail every allocation from then on  */

/* Returns true when this allocation must fail. */
static inline bool
us_test_fail_now (void)
{
    if (us_test_fail_at < 0)
        return false;
    long k = us_test_allocs++;
    return us_test_fail_all ? k >= us_test_fail_at : k == us_test_fail_at;
}

/* SQLite's malloc, failing when armed. */
static inline void *
us_test_malloc (int n)
{
    return us_test_fail_now () ? NULL : us_test_orig_mem.xMalloc (n);
}

/* SQLite's realloc, failing when armed. */
static inline void *
us_test_realloc (void *p, int n)
{
    return us_test_fail_now () ? NULL : us_test_orig_mem.xRealloc (p, n);
}

/* Installs the failing allocator in SQLite (with no connection open). */
static inline void
us_test_oom_install (void)
{
    cr_assert_eq (sqlite3_shutdown (), SQLITE_OK);
    cr_assert_eq (sqlite3_config (SQLITE_CONFIG_GETMALLOC, &us_test_orig_mem), SQLITE_OK);
    sqlite3_mem_methods m = us_test_orig_mem;
    m.xMalloc = us_test_malloc;
    m.xRealloc = us_test_realloc;
    cr_assert_eq (sqlite3_config (SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
    cr_assert_eq (sqlite3_config (SQLITE_CONFIG_LOOKASIDE, 0, 0), SQLITE_OK);
    cr_assert_eq (sqlite3_initialize (), SQLITE_OK);
}

/* Arms the allocator: allocation n (counting from 0) fails, and with all
   every one after it. n < 0 counts without failing. */
static inline void
us_test_oom_arm (long n, bool all)
{
    us_test_allocs = 0;
    us_test_fail_all = all;
    us_test_fail_at = n < 0 ? LONG_MAX : n;
}

/* Stops failing allocations. */
static inline void
us_test_oom_disarm (void)
{
    us_test_fail_at = -1;
}

#endif
