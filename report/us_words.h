/*  us_words: how reports write figures, periods and names.

    Figures the English way for the text table (2,273; 41.8%) and the
    Vietnamese way for pages and prose (2.273; 41,8%; money as 8.500.000
    đồng, or 8,5 triệu đồng in running text); periods as Vietnamese reports
    say them ("6 tháng đầu năm 2022"); names compared in Vietnamese
    alphabetical order; HTML escaping. Nothing here allocates; buffers
    belong to the caller.
*/
#ifndef US_WORDS_H
#define US_WORDS_H

#include "us_catalog.h"
#include "us_period.h"
#include "us_report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Writes a figure of ind the English way (2,273; 41.8%; 12.5). */
void us_words_en (char *buf, size_t size, const us_indicator_t *ind, double v);

/* Writes a figure of ind the Vietnamese way for a table (2.273; 41,8%;
   8.500.000). */
void us_words_vi (char *buf, size_t size, const us_indicator_t *ind, double v);

/* Writes a figure of ind the way Vietnamese prose says it: counts as
   2.273, ratios 41,8%, money with its unit in millions or billions when
   that is exact to three decimals (8,5 triệu đồng; 1,2 tỷ đồng), else in
   full (8.523.417 đồng). */
void us_words_vi_text (char *buf, size_t size, const us_indicator_t *ind, double v);

/* Writes a figure as a plain number: whole, or one decimal (ratios, and
   formulas that are not whole). */
void us_words_plain (FILE *out, const us_indicator_t *ind, double v);

/* The same into buf of US_WORDS_PLAIN bytes (any double's digits fit);
   returns buf. */
#define US_WORDS_PLAIN 400
const char *us_words_plain_text (char *buf, size_t size, const us_indicator_t *ind, double v);

/* Writes a target's value or range the Vietnamese way (1.200–1.500). */
void us_words_vi_target (char *buf, size_t size, const us_report_target_t *t);

/* Writes a period the way Vietnamese reports say it ("6 tháng đầu năm
   2022", "quý II năm 2022", "5 tháng đầu năm 2022") into buf. */
void us_words_vi_period (char *buf, size_t size, const us_period_t *period);

/* Returns how a Vietnamese report names a target source. */
const char *us_words_vi_source (us_source_t source);

/* Copies s into buf with its first letter lowered, unless it starts an
   abbreviation (LĐLĐ, CĐCS). */
void us_words_lower_first (char *buf, size_t size, const char *s);

/* Copies s into buf cut to about cols letters with an ellipsis. */
void us_words_clip (char *buf, size_t size, const char *s, size_t cols);

/* Compares two UTF-8 names in Vietnamese alphabetical order (a ă â b c d
   đ e ê ..., tone marks and case second, precomposed or combining);
   returns <0, 0 or >0. */
int us_words_collate (const char *a, const char *b);

/* Writes s with &, <, >, " and ' escaped for HTML text and attributes. */
void us_words_html_escape (FILE *out, const char *s);

#endif
