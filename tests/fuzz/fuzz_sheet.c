/*  fuzz_sheet: the sheet reader on any bytes, in every encoding.

    The first byte picks the encoding (auto, UTF-8, UTF-16, Windows-1258,
    Windows-1252); the rest is the file. A refused file must give a reason.
    An accepted one must yield rows until the end or an error: every field
    valid UTF-8 without NUL, at most US_SHEET_MAX_FIELDS fields and
    US_SHEET_MAX_FIELD bytes each, line numbers that never go back, no
    all-blank row, and an end that stays the end. Folding, month and number
    parsing run on every field and must not crash.
*/
#include "us_error.h"
#include "us_import.h"
#include "us_sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stops the run with a reason; libFuzzer saves the input. */
#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf (stderr, "fuzz_sheet: check failed at %s:%d: %s\n",     \
                     __FILE__, __LINE__, #cond);                            \
            abort ();                                                       \
        }                                                                   \
    } while (0)

/* True when s is valid UTF-8 (no overlong forms or surrogates). */
static bool
s_utf8 (const unsigned char *s)
{
    while (*s) {
        size_t n = *s < 0x80 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3
                 : (*s & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || (n == 2 && *s < 0xC2))
            return false;
        for (size_t i = 1; i < n; i++)
            if ((s [i] & 0xC0) != 0x80)
                return false;
        s += n;
    }
    return true;
}

/* Runs one input through the checks above. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    us_sheet_encoding_t enc = (us_sheet_encoding_t) (data [0] % 5);
    us_error_clear ();
    us_sheet_t *sheet = us_sheet_new ((const char *) data + 1, size - 1, enc);
    if (!sheet) {
        CHECK (us_error_msg () [0]);
        return 0;
    }
    CHECK (strchr (",;\t", us_sheet_separator (sheet)));
    CHECK (us_sheet_encoding_name (sheet) != NULL);
    int last_line = 0, rc;
    char **f;
    size_t n;
    while ((rc = us_sheet_next (sheet, &f, &n)) == 1) {
        CHECK (n >= 1 && n <= US_SHEET_MAX_FIELDS);
        CHECK (us_sheet_line (sheet) > last_line);
        last_line = us_sheet_line (sheet);
        bool blank = true;
        for (size_t i = 0; i < n; i++) {
            CHECK (strlen (f [i]) < US_SHEET_MAX_FIELD);
            CHECK (s_utf8 ((const unsigned char *) f [i]));
            blank = blank && strspn (f [i], " \t\xC2\xA0") == strlen (f [i]);
            char folded [64], digits [32];
            int month;
            us_sheet_fold (folded, sizeof folded, f [i]);
            us_import_month (&month, f [i]);
            us_import_number (digits, sizeof digits, f [i]);
        }
        CHECK (!blank);
    }
    CHECK (rc == 0 || rc == US_EINVAL);
    if (rc == 0)
        CHECK (us_sheet_next (sheet, &f, &n) == 0);
    else
        CHECK (us_error_msg () [0]);
    us_sheet_destroy (&sheet);
    CHECK (sheet == NULL);
    return 0;
}
