/*  us_sheet: the rows of a text file as Excel writes it.

    Excel saves a sheet as "CSV UTF-8" (UTF-8 with a BOM), "Unicode text"
    (UTF-16 LE with a BOM, tab separated) or plain "CSV" in the Windows code
    page: Windows-1258 on Vietnamese Windows (tone marks stored as combining
    characters after the letter) or Windows-1252. A us_sheet_t decodes any
    of these into UTF-8 with the Vietnamese letters composed (NFC: "e" +
    U+0301 becomes "é", "ê" + U+0323 "ệ"), detects the separator (",", ";"
    or tab, from the first row that has one), reads quoted fields (with
    separators, quotes doubled and line breaks inside), CRLF, LF or CR line
    ends, and skips empty rows and rows of separators only (";;;;"), and a
    leading "sep=;" line.

    The encoding is certain with a BOM, or when the bytes are valid UTF-8;
    other bytes are read as Windows-1258 and us_sheet_guessed() says so, so
    the caller can state the guess. US_SHEET_* forces an encoding. A spread-
    sheet workbook (.xlsx) opened with us_sheet_open() is read through
    us_xlsx (its first sheet); an old binary workbook (.xls) or other binary
    file is refused with a hint.

    Fields returned by us_sheet_next() belong to the sheet and stay valid
    until the next call. Free the sheet with us_sheet_destroy().
*/
#ifndef US_SHEET_H
#define US_SHEET_H

#include <stdbool.h>
#include <stddef.h>

#define US_SHEET_MAX_BYTES  (64 * 1024 * 1024)
#define US_SHEET_MAX_FIELDS 512
#define US_SHEET_MAX_FIELD  4096

typedef enum {
    US_SHEET_AUTO,
    US_SHEET_UTF8,
    US_SHEET_UTF16,         /* LE or BE by the BOM; LE without one */
    US_SHEET_CP1258,
    US_SHEET_CP1252,
} us_sheet_encoding_t;

typedef struct _us_sheet_t us_sheet_t;

/* Parses an encoding name: utf-8, utf-16, cp1258 (windows-1258), cp1252
   (windows-1252), auto. Returns 0 or US_EINVAL. */
int us_sheet_encoding_parse (us_sheet_encoding_t *enc, const char *text);

/* Reads a sheet from len bytes (copied); NULL with the error set (naming
   the line of a bad byte) on failure. */
us_sheet_t *us_sheet_new (const char *data, size_t len, us_sheet_encoding_t enc);

/* Reads a sheet file (at most US_SHEET_MAX_BYTES); NULL on failure. */
us_sheet_t *us_sheet_open (const char *path, us_sheet_encoding_t enc);

/* Reads the next non-empty row: returns 1 with *fields_p and *count_p set,
   0 at the end, or US_EINVAL naming the line. */
int us_sheet_next (us_sheet_t *self, char ***fields_p, size_t *count_p);

/* Returns the line where the last row started (1-based). */
int us_sheet_line (const us_sheet_t *self);

/* Returns the name of the encoding read ("UTF-8", "UTF-16LE", "UTF-16BE",
   "Windows-1258", "Windows-1252"). */
const char *us_sheet_encoding_name (const us_sheet_t *self);

/* Returns true when the encoding was guessed and could be wrong. */
bool us_sheet_guessed (const us_sheet_t *self);

/* Returns the separator found (',' ';' or '\t'). */
char us_sheet_separator (const us_sheet_t *self);

/* Writes s into out (size bytes) folded for matching: lower case, the
   Vietnamese and Latin-1 letters without their marks (đ as d), runs of
   spaces and no-break spaces as one space, trimmed. Returns false when s
   does not fit. */
bool us_sheet_fold (char *out, size_t size, const char *s);

/* Frees the sheet and nulls the pointer; safe on NULL and twice. */
void us_sheet_destroy (us_sheet_t **self_p);

#endif
