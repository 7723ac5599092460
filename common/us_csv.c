/*  us_csv: a strict reader of UTF-8 CSV files (RFC 4180). */
#include "us_csv.h"
#include "us_error.h"
#include "us_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _us_csv_t {
    char *data;                     /* whole input, NUL-terminated      */
    size_t len;
    size_t pos;
    int line;                       /* current line                     */
    int record_line;                /* line where last record started   */
    char *fields [US_CSV_MAX_FIELDS];
    char *buf;                      /* unescaped copy of one record     */
};

/* Builds a reader over an owned buffer. */
static us_csv_t *
s_new (char *data, size_t len)
{
    us_csv_t *self = calloc (1, sizeof *self);
    if (!self || !(self->buf = malloc (len + 1))) {
        free (self);
        free (data);
        us_error_set (US_ENOMEM, "out of memory reading CSV");
        return NULL;
    }
    self->data = data;
    self->len = len;
    self->line = 1;
    if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
        self->pos = 3;
    return self;
}

/* Reads a whole text file into a new NUL-terminated buffer. */
int
us_csv_read_file (char **data_p, size_t *len_p, const char *path)
{
    *data_p = NULL;
    FILE *f = fopen (path, "rb");
    if (!f)
        return us_error_set (US_EINVAL, "cannot open %s: %s", path, strerror (errno));
    char *data = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 65536;
            char *n = cap <= US_CSV_MAX_BYTES + 65536 ? realloc (data, cap + 1) : NULL;
            if (!n) {
                rc = us_error_set (US_EINVAL, "%s is too large", path);
                break;
            }
            data = n;
        }
        size_t got = fread (data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (rc == 0 && ferror (f))
        rc = us_error_set (US_EINVAL, "cannot read %s", path);
    if (rc == 0 && len > US_CSV_MAX_BYTES)
        rc = us_error_set (US_EINVAL, "%s is too large", path);
    fclose (f);
    if (rc == 0) {
        data [len] = 0;
        if (memchr (data, 0, len))
            rc = us_error_set (US_EINVAL, "%s is not a text file", path);
    }
    if (rc != 0) {
        free (data);
        return rc;
    }
    *data_p = data;
    *len_p = len;
    return 0;
}

/* Opens a CSV file; returns NULL with the error set on failure. */
us_csv_t *
us_csv_new (const char *path)
{
    char *data;
    size_t len;
    if (us_csv_read_file (&data, &len, path) != 0)
        return NULL;
    return s_new (data, len);
}

/* Reads CSV from a copy of len bytes of text; NULL on failure. */
us_csv_t *
us_csv_new_text (const char *text, size_t len)
{
    char *data = malloc (len + 1);
    if (!data) {
        us_error_set (US_ENOMEM, "out of memory reading CSV");
        return NULL;
    }
    memcpy (data, text, len);
    data [len] = 0;
    return s_new (data, len);
}

/* Skips blank lines before a record. */
static void
s_skip_blank (us_csv_t *self)
{
    while (self->pos < self->len) {
        char c = self->data [self->pos];
        if (c == '\n')
            self->line++;
        else
        if (c != '\r')
            break;
        self->pos++;
    }
}

/* Reads the next record. */
int
us_csv_next (us_csv_t *self, char ***fields_p, size_t *count_p)
{
    s_skip_blank (self);
    if (self->pos >= self->len)
        return 0;
    self->record_line = self->line;
    size_t n = 0, out = 0;
    char *buf = self->buf;
    self->fields [n++] = buf;
    bool quoted = false, was_quoted = false;
    while (self->pos < self->len) {
        char c = self->data [self->pos++];
        if (quoted) {
            if (c == '"') {
                if (self->pos < self->len && self->data [self->pos] == '"') {
                    buf [out++] = '"';
                    self->pos++;
                }
                else
                    quoted = false;
            }
            else {
                if (c == '\n')
                    self->line++;
                buf [out++] = c;
            }
            continue;
        }
        if (c == '"') {
            if (was_quoted || &buf [out] != self->fields [n - 1])
                return us_error_set (US_EINVAL, "line %d: stray quote", self->record_line);
            quoted = was_quoted = true;
        }
        else
        if (c == ',') {
            buf [out++] = 0;
            if (n == US_CSV_MAX_FIELDS)
                return us_error_set (US_EINVAL, "line %d: more than %d fields",
                                     self->record_line, US_CSV_MAX_FIELDS);
            self->fields [n++] = &buf [out];
            was_quoted = false;
        }
        else
        if (c == '\n') {
            self->line++;
            break;
        }
        else
        if (c == '\r')
            ;
        else {
            if (was_quoted)
                return us_error_set (US_EINVAL, "line %d: text after a closing quote",
                                     self->record_line);
            buf [out++] = c;
        }
    }
    if (quoted)
        return us_error_set (US_EINVAL, "line %d: unterminated quote", self->record_line);
    buf [out] = 0;
    for (size_t i = 0; i < n; i++)
        if (!us_text_utf8_valid_lines (self->fields [i]))
            return us_error_set (US_EINVAL, "line %d: field %zu is not valid UTF-8",
                                 self->record_line, i + 1);
    *fields_p = self->fields;
    *count_p = n;
    return 1;
}

/* Returns the line number where the last record started. */
int
us_csv_line (us_csv_t *self)
{
    return self->record_line;
}

/* Frees the reader and nulls the pointer; safe on NULL. */
void
us_csv_destroy (us_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->data);
    free ((*self_p)->buf);
    free (*self_p);
    *self_p = NULL;
}
