/*  us_text: UTF-8 text, numbers and JSON strings.

    Display width counts what a terminal shows: Vietnamese letters written
    with combining marks take one column, wide CJK characters two. Nothing
    here allocates; buffers belong to the caller.
*/
#ifndef US_TEXT_H
#define US_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Returns true when s is valid UTF-8 with no control characters but tab. */
bool us_text_utf8_valid (const char *s);

/* Returns true when s is valid UTF-8 with no control characters but tab
   and line breaks (a multi-line note). */
bool us_text_utf8_valid_lines (const char *s);

/* Copies s into buf [size] for a terminal: control characters (C0, DEL,
   C1) and bytes that are not UTF-8 become \xNN, so text from the wire or
   a store cannot move the cursor or recolour the screen. Cut short at
   size; returns buf. US_TEXT_SAFE (n) bytes hold any n-byte string. */
#define US_TEXT_SAFE(n) (4 * (n) + 1)
const char *us_text_safe (char *buf, size_t size, const char *s);

/* Returns the number of terminal columns s takes. */
size_t us_text_width (const char *s);

/* Prints s padded with spaces to width columns, left or right aligned. */
void us_text_pad (FILE *out, const char *s, size_t width, bool right);

/* Parses a whole decimal integer; returns 0 or US_EINVAL. */
int us_text_parse_int (int64_t *value, const char *s);

/* Writes s as a JSON string literal, quotes included. */
void us_text_json (FILE *out, const char *s);

/* Writes s as one CSV field, quoted when it holds a comma, quote or line
   break; a field that starts with = + - @ tab or CR (a spreadsheet formula)
   is quoted behind an apostrophe, so opening the file runs nothing. */
void us_text_csv (FILE *out, const char *s);

/* Writes n with sep between groups of three digits (2,273) into buf. */
void us_text_group_int (char *buf, size_t size, int64_t n, char sep);

/* Writes n with Vietnamese thousands dots (2.273) into buf. */
void us_text_vi_int (char *buf, size_t size, int64_t n);

/* Writes x with one decimal and a Vietnamese comma (41,8) into buf;
   whole numbers lose the decimal (96). */
void us_text_vi_dec (char *buf, size_t size, double x);

/* Returns true when s is a valid code: 1-64 of [A-Za-z0-9._-]. */
bool us_text_code_valid (const char *s);

/* Decodes the UTF-8 code point at *p and advances past it; a byte that
   starts no valid sequence stands for itself. *p must not be at the end. */
uint32_t us_text_utf8_next (const char **p);

/* Encodes code point c into buf (room for 4 bytes); returns its length. */
size_t us_text_utf8_put (char *buf, uint32_t c);

#endif
