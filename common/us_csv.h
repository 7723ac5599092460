/*  us_csv: a strict reader of UTF-8 CSV files (RFC 4180).

    Reads the whole input into memory (bounded), skips a UTF-8 BOM and blank
    lines, and yields one record at a time. Fields returned by us_csv_next()
    belong to the reader and stay valid until the next call. Bad input
    (unterminated quotes, invalid UTF-8, too many or too long fields) is an
    error naming the line.
*/
#ifndef US_CSV_H
#define US_CSV_H

#include <stddef.h>

#define US_CSV_MAX_FIELDS 32
#define US_CSV_MAX_BYTES  (64 * 1024 * 1024)

typedef struct _us_csv_t us_csv_t;

/* Reads a whole text file (at most US_CSV_MAX_BYTES, no NUL bytes) into a
   new buffer *data_p the caller frees. Returns 0 or US_EINVAL. */
int us_csv_read_file (char **data_p, size_t *len_p, const char *path);

/* Opens a CSV file; returns NULL with the error set on failure. */
us_csv_t *us_csv_new (const char *path);

/* Reads CSV from a copy of len bytes of text; NULL on failure. */
us_csv_t *us_csv_new_text (const char *text, size_t len);

/* Reads the next record: returns 1 with *fields_p and *count_p set, 0 at the
   end, or US_EINVAL with the line named. */
int us_csv_next (us_csv_t *self, char ***fields_p, size_t *count_p);

/* Returns the line number where the last record started. */
int us_csv_line (us_csv_t *self);

/* Frees the reader and nulls the pointer; safe on NULL. */
void us_csv_destroy (us_csv_t **self_p);

#endif
