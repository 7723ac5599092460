/*  fuzz_xlsx: the workbook reader on any zip, and on any sheet XML.

    The first byte picks the mode. Even: the rest is the workbook file as
    is (a zip; mostly damaged ones). Odd: the rest is "SHEET\n--\nSTRINGS",
    the XML of xl/worksheets/sheet1.xml and xl/sharedStrings.xml, zipped
    here with libzip so the input reaches the XML readers. A refused
    workbook must give a one-line reason and no text; an accepted one text
    of the length said, without NUL, at most US_SHEET_MAX_BYTES, ending in
    a line end, that the sheet reader then reads to its end or an error.
*/
#include "us_error.h"
#include "us_sheet.h"
#include "us_xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

/* Stops the run with a reason; libFuzzer saves the input. */
#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf (stderr, "fuzz_xlsx: check failed at %s:%d: %s\n",      \
                     __FILE__, __LINE__, #cond);                            \
            abort ();                                                       \
        }                                                                   \
    } while (0)

/* Adds a part holding n bytes of data (copied) to the zip; an empty one
   has no buffer (libzip would not free it). */
static void
s_add (zip_t *z, const char *name, const char *data, size_t n)
{
    void *copy = n ? malloc (n) : NULL;
    CHECK (copy || n == 0);
    if (n)
        memcpy (copy, data, n);
    zip_source_t *src = zip_source_buffer (z, copy, n, n > 0);
    CHECK (src);
    CHECK (zip_file_add (z, name, src, ZIP_FL_OVERWRITE) >= 0);
}

/* Zips the sheet and shared strings XML; returns the zip's bytes (freed
   by the caller). */
static char *
s_zip (const char *data, size_t size, size_t *len_p)
{
    zip_error_t err;
    zip_error_init (&err);
    zip_source_t *out = zip_source_buffer_create (NULL, 0, 0, &err);
    CHECK (out);
    zip_source_keep (out);
    zip_t *z = zip_open_from_source (out, ZIP_TRUNCATE, &err);
    CHECK (z);
    const char *cut = memmem (data, size, "\n--\n", 4);
    size_t sheet = cut ? (size_t) (cut - data) : size;
    s_add (z, "xl/worksheets/sheet1.xml", data, sheet);
    if (cut)
        s_add (z, "xl/sharedStrings.xml", cut + 4, size - sheet - 4);
    CHECK (zip_close (z) == 0);
    zip_stat_t st;
    CHECK (zip_source_stat (out, &st) == 0 && zip_source_open (out) == 0);
    char *bytes = malloc (st.size ? st.size : 1);
    CHECK (bytes);
    CHECK (zip_source_read (out, bytes, st.size) == (zip_int64_t) st.size);
    zip_source_close (out);
    zip_source_free (out);
    zip_error_fini (&err);
    *len_p = st.size;
    return bytes;
}

/* Runs one input through the checks above. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    char *book = NULL;
    if (data [0] % 2)
        book = s_zip ((const char *) data + 1, size - 1, &len);
    const char *bytes = book ? book : (const char *) data + 1;
    char *text = NULL;
    size_t n = 0;
    us_error_clear ();
    int rc = us_xlsx_text (bytes, len, &text, &n);
    free (book);
    if (rc) {
        CHECK (rc < 0 && !text && us_error_msg () [0] && !strchr (us_error_msg (), '\n'));
        return 0;
    }
    CHECK (text && strlen (text) == n && n <= US_SHEET_MAX_BYTES && n > 0 && text [n - 1] == '\n');
    us_sheet_t *sheet = us_sheet_new (text, n, US_SHEET_UTF8);
    free (text);
    if (!sheet) {
        CHECK (us_error_msg () [0]);
        return 0;
    }
    char **f;
    size_t count;
    int got;
    while ((got = us_sheet_next (sheet, &f, &count)) == 1)
        CHECK (count >= 1 && count <= US_SHEET_MAX_FIELDS);
    CHECK (got == 0 || us_error_msg () [0]);
    us_sheet_destroy (&sheet);
    return 0;
}
