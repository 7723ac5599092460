/*  us_xlsx: the first sheet of an Excel workbook as text (see us_xlsx.h).

    The zip is read from memory with libzip and each XML part with
    libxml2's streaming reader, so memory stays near the part's size plus
    the cells kept; no DTD or entity is read (a part with a DTD is refused)
    and no network is touched. Cells are kept, sorted by row and column,
    then written out: a sheet may list them in any order.
*/
#include "us_xlsx.h"
#include "us_sheet.h"
#include "us_error.h"
#include "us_text.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#define SHEET1 "xl/worksheets/sheet1.xml"

/* A growing text buffer, NUL terminated, bounded by max bytes. */
typedef struct {
    char *p;
    size_t len, cap, max;
} s_buf_t;

/* One cell of the sheet: its place and its text (owned). */
typedef struct {
    uint32_t row, col;
    char *text;
} s_cell_t;

/* What the reading of one workbook holds. */
typedef struct {
    zip_t *zip;
    char **strings;             /* shared strings */
    size_t n_strings, cap_strings;
    s_cell_t *cells;
    size_t n_cells, cap_cells;
} s_book_t;

/* Appends n bytes to b; US_EINVAL past its bound. */
static int
s_buf_add (s_buf_t *b, const char *s, size_t n)
{
    if (b->len + n > b->max)
        return us_error_set (US_EINVAL, "the workbook holds a text of more than %zu bytes",
                             b->max);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc (b->p, cap);
        if (!p)
            return us_error_set (US_ENOMEM, "out of memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy (b->p + b->len, s, n);
    b->len += n;
    b->p [b->len] = 0;
    return 0;
}

/* Returns b's text, "" when nothing was added; the buffer keeps it. */
static const char *
s_buf_text (const s_buf_t *b)
{
    return b->p ? b->p : "";
}

/* True when the n bytes at data start like a zip file. */
bool
us_xlsx_is_zip (const char *data, size_t n)
{
    return n >= 4 && memcmp (data, "PK\x03\x04", 4) == 0;
}

/* Keeps libxml2 quiet: the caller names the part that failed. */
static void
s_xml_quiet (void *arg, xmlErrorPtr error)
{
    (void) arg;
    (void) error;
}

/* Reads the part name into *data_p (freed by the caller), at most
   US_XLSX_MAX_PART bytes whatever the zip's directory says. Returns 0,
   US_ENOTFOUND when absent (no message), or US_EINVAL when damaged. */
static int
s_part (s_book_t *bk, const char *name, char **data_p, size_t *len_p)
{
    *data_p = NULL;
    *len_p = 0;
    zip_int64_t at = zip_name_locate (bk->zip, name, ZIP_FL_NOCASE);
    if (at < 0)
        return US_ENOTFOUND;
    zip_stat_t st;
    if (zip_stat_index (bk->zip, (zip_uint64_t) at, 0, &st) != 0)
        return us_error_set (US_EINVAL, "the workbook is damaged (%s)", name);
    if ((st.valid & ZIP_STAT_SIZE) && st.size > US_XLSX_MAX_PART)
        return us_error_set (US_EINVAL, "the workbook's %s is larger than %d bytes",
                             name, US_XLSX_MAX_PART);
    zip_file_t *f = zip_fopen_index (bk->zip, (zip_uint64_t) at, 0);
    if (!f)
        return us_error_set (US_EINVAL, "the workbook is damaged (%s: %s)",
                             name, zip_strerror (bk->zip));
    s_buf_t b = { .max = US_XLSX_MAX_PART };
    char chunk [16384];
    int rc = 0;
    for (;;) {
        zip_int64_t got = zip_fread (f, chunk, sizeof chunk);
        if (got < 0)
            rc = us_error_set (US_EINVAL, "the workbook is damaged (%s: %s)",
                               name, zip_file_strerror (f));
        else
        if (got > 0 && (rc = s_buf_add (&b, chunk, (size_t) got)) == US_EINVAL)
            rc = us_error_set (US_EINVAL, "the workbook's %s is larger than %d bytes",
                               name, US_XLSX_MAX_PART);
        if (got <= 0 || rc)
            break;
    }
    zip_fclose (f);
    if (rc) {
        free (b.p);
        return rc;
    }
    *data_p = b.p;
    *len_p = b.len;
    return 0;
}

/* Opens a streaming reader on an XML part (no network, no DTD loaded). */
static xmlTextReaderPtr
s_reader (const char *data, size_t len, const char *name)
{
    if (len > INT32_MAX) {
        us_error_set (US_EINVAL, "the workbook's %s is too large", name);
        return NULL;
    }
    xmlTextReaderPtr r = xmlReaderForMemory (data ? data : "", (int) len, name, NULL,
                                             XML_PARSE_NONET);
    if (!r)
        us_error_set (US_ENOMEM, "out of memory");
    else
        xmlTextReaderSetStructuredErrorHandler (r, s_xml_quiet, NULL);
    return r;
}

/* Reads the next node; returns 1, 0 at the end, or US_EINVAL for bad XML
   or a DTD (which could declare entities). */
static int
s_next (xmlTextReaderPtr r, const char *name)
{
    int got = xmlTextReaderRead (r);
    if (got == 1 && xmlTextReaderNodeType (r) == XML_READER_TYPE_DOCUMENT_TYPE)
        return us_error_set (US_EINVAL, "the workbook is damaged (%s declares a DTD)", name);
    if (got < 0)
        return us_error_set (US_EINVAL, "the workbook is damaged (%s is not valid XML)", name);
    return got;
}

/* True when the node is an element start named local (any namespace). */
static bool
s_is (xmlTextReaderPtr r, int type, const char *local)
{
    const xmlChar *n = xmlTextReaderConstLocalName (r);
    return xmlTextReaderNodeType (r) == type && n && strcmp ((const char *) n, local) == 0;
}

/* True when the node is text (or white space kept in a text element). */
static bool
s_is_text (xmlTextReaderPtr r)
{
    int t = xmlTextReaderNodeType (r);
    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA
        || t == XML_READER_TYPE_WHITESPACE || t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

/* Returns a copy of attribute name (freed by the caller), or NULL. */
static char *
s_attr (xmlTextReaderPtr r, const char *name)
{
    xmlChar *v = xmlTextReaderGetAttribute (r, (const xmlChar *) name);
    char *copy = v ? strdup ((const char *) v) : NULL;
    xmlFree (v);
    return copy;
}

/* Returns a copy of the first sheet's relationship id (the attribute
   "id" in the relationships namespace, whatever its prefix), or NULL. */
static char *
s_sheet_rid (xmlTextReaderPtr r)
{
    char *rid = NULL;
    while (!rid && xmlTextReaderMoveToNextAttribute (r) == 1) {
        const xmlChar *local = xmlTextReaderConstLocalName (r);
        const xmlChar *ns = xmlTextReaderConstNamespaceUri (r);
        if (local && ns && strcmp ((const char *) local, "id") == 0
         && strstr ((const char *) ns, "relationships"))
            rid = strdup ((const char *) xmlTextReaderConstValue (r));
    }
    xmlTextReaderMoveToElement (r);
    return rid;
}

/* Finds the first sheet's part name from workbook.xml and its relations;
   returns a copy (freed by the caller), or NULL when they do not say. */
static char *
s_first_sheet (s_book_t *bk)
{
    char *data = NULL, *rid = NULL, *target = NULL;
    size_t len;
    if (s_part (bk, "xl/workbook.xml", &data, &len) == 0) {
        xmlTextReaderPtr r = s_reader (data, len, "xl/workbook.xml");
        while (r && !rid && s_next (r, "xl/workbook.xml") == 1)
            if (s_is (r, XML_READER_TYPE_ELEMENT, "sheet"))
                rid = s_sheet_rid (r);
        xmlFreeTextReader (r);
        free (data);
    }
    if (rid && s_part (bk, "xl/_rels/workbook.xml.rels", &data, &len) == 0) {
        xmlTextReaderPtr r = s_reader (data, len, "xl/_rels/workbook.xml.rels");
        while (r && !target && s_next (r, "xl/_rels/workbook.xml.rels") == 1) {
            if (!s_is (r, XML_READER_TYPE_ELEMENT, "Relationship"))
                continue;
            char *id = s_attr (r, "Id");
            if (id && strcmp (id, rid) == 0)
                target = s_attr (r, "Target");
            free (id);
        }
        xmlFreeTextReader (r);
        free (data);
    }
    free (rid);
    if (!target)
        return NULL;
    /* "/xl/worksheets/sheet1.xml" is from the zip's root, "worksheets/
       sheet1.xml" from xl/. */
    size_t n = strlen (target) + 4;
    char *part = malloc (n);
    if (part)
        snprintf (part, n, "%s%s", target [0] == '/' ? "" : "xl/",
                  target [0] == '/' ? target + 1 : target);
    free (target);
    return part;
}

/* Reads the text of the element the reader is on (its <t> descendants,
   leaving out phonetic runs <rPh>) into b; stops after its end. */
static int
s_text_of (xmlTextReaderPtr r, const char *name, const char *elem, s_buf_t *b)
{
    if (xmlTextReaderIsEmptyElement (r))
        return 0;
    int depth = xmlTextReaderDepth (r), rc = 0, in_t = 0, in_ph = 0;
    while (rc == 0 && (rc = s_next (r, name)) == 1) {
        rc = 0;
        int type = xmlTextReaderNodeType (r);
        if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth (r) == depth)
            return 0;
        bool empty = xmlTextReaderIsEmptyElement (r);
        if (s_is (r, XML_READER_TYPE_ELEMENT, "rPh") && !empty)
            in_ph++;
        else
        if (s_is (r, XML_READER_TYPE_END_ELEMENT, "rPh"))
            in_ph--;
        else
        if (s_is (r, XML_READER_TYPE_ELEMENT, "t") && !empty)
            in_t++;
        else
        if (s_is (r, XML_READER_TYPE_END_ELEMENT, "t"))
            in_t--;
        else
        if (in_t > 0 && in_ph == 0 && s_is_text (r)) {
            const char *v = (const char *) xmlTextReaderConstValue (r);
            rc = s_buf_add (b, v, strlen (v));
        }
    }
    return rc ? rc : us_error_set (US_EINVAL, "the workbook is damaged (%s ends inside <%s>)",
                                   name, elem);
}

/* Reads xl/sharedStrings.xml, when there is one. */
static int
s_shared_strings (s_book_t *bk)
{
    const char *name = "xl/sharedStrings.xml";
    char *data;
    size_t len;
    int rc = s_part (bk, name, &data, &len);
    if (rc == US_ENOTFOUND)
        return 0;
    xmlTextReaderPtr r = rc ? NULL : s_reader (data, len, name);
    if (rc == 0 && !r)
        rc = US_ENOMEM;
    int got;
    while (rc == 0 && (got = s_next (r, name)) != 0) {
        if (got < 0) {
            rc = got;
            break;
        }
        if (!s_is (r, XML_READER_TYPE_ELEMENT, "si"))
            continue;
        if (bk->n_strings == US_XLSX_MAX_CELLS) {
            rc = us_error_set (US_EINVAL, "the workbook has more than %d strings",
                               US_XLSX_MAX_CELLS);
            break;
        }
        if (bk->n_strings == bk->cap_strings) {
            size_t cap = bk->cap_strings ? bk->cap_strings * 2 : 64;
            char **s = realloc (bk->strings, cap * sizeof *s);
            if (!s) {
                rc = us_error_set (US_ENOMEM, "out of memory");
                break;
            }
            bk->strings = s;
            bk->cap_strings = cap;
        }
        s_buf_t b = { .max = US_SHEET_MAX_FIELD };
        rc = s_text_of (r, name, "si", &b);
        if (rc == 0 && !b.p && !(b.p = strdup ("")))
            rc = us_error_set (US_ENOMEM, "out of memory");
        if (rc)
            free (b.p);
        else
            bk->strings [bk->n_strings++] = b.p;
    }
    xmlFreeTextReader (r);
    free (data);
    return rc;
}

/* Parses a cell reference "B3" into column and row (1-based); false when
   it is not one. */
static bool
s_ref (const char *ref, uint32_t *col, uint32_t *row)
{
    uint32_t c = 0, w = 0;
    const char *p = ref;
    for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++)
        if (++w > 3)
            return false;
        else
            c = c * 26 + (uint32_t) ((*p | 0x20) - 'a' + 1);
    uint32_t n = 0, d = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        if (++d > 7)
            return false;
        else
            n = n * 10 + (uint32_t) (*p - '0');
    if (*p || c == 0 || c > 16384 || n == 0 || n > 1048576)
        return false;
    *col = c;
    *row = n;
    return true;
}

/* Parses a row number attribute; false when it is not one. */
static bool
s_row_number (const char *s, uint32_t *row)
{
    char *end;
    unsigned long n = strtoul (s, &end, 10);
    if (*s < '0' || *s > '9' || *end || n == 0 || n > 1048576)
        return false;
    *row = (uint32_t) n;
    return true;
}

/* Returns the text of a number as Excel stored it: a value within 1e-9 of
   an integer as that integer, anything else unchanged (a copy, freed by
   the caller). */
static char *
s_number (const char *v)
{
    char *end;
    double d = strtod (v, &end);
    double i = nearbyint (d);
    if (end == v || *end || !isfinite (d) || fabs (i) >= 1e15 || fabs (d - i) >= 1e-9)
        return strdup (v);
    char out [32];
    snprintf (out, sizeof out, "%.0f", i == 0 ? 0.0 : i);
    return strdup (out);
}

/* Keeps one cell of the sheet. */
static int
s_cell_add (s_book_t *bk, uint32_t row, uint32_t col, char *text)
{
    if (bk->n_cells == US_XLSX_MAX_CELLS) {
        free (text);
        return us_error_set (US_EINVAL, "the sheet has more than %d cells", US_XLSX_MAX_CELLS);
    }
    if (bk->n_cells == bk->cap_cells) {
        size_t cap = bk->cap_cells ? bk->cap_cells * 2 : 256;
        s_cell_t *c = realloc (bk->cells, cap * sizeof *c);
        if (!c) {
            free (text);
            return us_error_set (US_ENOMEM, "out of memory");
        }
        bk->cells = c;
        bk->cap_cells = cap;
    }
    bk->cells [bk->n_cells++] = (s_cell_t) { row, col, text };
    return 0;
}

/* The first 20 bytes of s as an error message shows them: one line, its
   control characters (a line break in an attribute or a value) escaped. */
static const char *
s_shown (char buf [US_TEXT_SAFE (20)], const char *s)
{
    char head [21];
    snprintf (head, sizeof head, "%s", s);
    return us_text_safe (buf, US_TEXT_SAFE (20), head);
}

/* Reads one <c> element the reader is on: its place (r, or the next
   column), its type t and its value <v> or inline string <is>. */
static int
s_cell (s_book_t *bk, xmlTextReaderPtr r, const char *name, uint32_t row, uint32_t *col)
{
    char *ref = s_attr (r, "r"), *type = s_attr (r, "t");
    uint32_t c = *col + 1, rw = row;
    int rc = 0;
    char shown [US_TEXT_SAFE (20)];
    if (ref && !s_ref (ref, &c, &rw))
        rc = us_error_set (US_EINVAL, "the workbook is damaged (%s: cell reference '%s')",
                           name, s_shown (shown, ref));
    if (rc == 0 && (c > 16384 || rw == 0))
        rc = us_error_set (US_EINVAL, "the workbook is damaged (%s: a cell outside the sheet)",
                           name);
    *col = c;
    s_buf_t v = { .max = US_SHEET_MAX_FIELD }, is = { .max = US_SHEET_MAX_FIELD };
    bool has_v = false, has_is = false;
    int depth = xmlTextReaderDepth (r);
    bool done = rc || xmlTextReaderIsEmptyElement (r);
    while (!done) {
        int got = s_next (r, name);
        if (got <= 0) {
            rc = got < 0 ? got : us_error_set (US_EINVAL, "the workbook is damaged "
                                               "(%s ends inside a cell)", name);
            break;
        }
        if (xmlTextReaderNodeType (r) == XML_READER_TYPE_END_ELEMENT
         && xmlTextReaderDepth (r) == depth)
            break;
        if (s_is (r, XML_READER_TYPE_ELEMENT, "v")) {
            has_v = true;
            if (!xmlTextReaderIsEmptyElement (r)) {
                xmlChar *t = xmlTextReaderReadString (r);
                rc = t ? s_buf_add (&v, (const char *) t, strlen ((const char *) t)) : 0;
                xmlFree (t);
            }
        }
        else
        if (s_is (r, XML_READER_TYPE_ELEMENT, "is")) {
            has_is = true;
            rc = s_text_of (r, name, "is", &is);
        }
        done = rc != 0;
    }
    char *text = NULL;
    const char *t = type ? type : "n";
    if (rc == 0 && has_is)
        text = strdup (s_buf_text (&is));
    else
    if (rc == 0 && has_v && strcmp (t, "s") == 0) {
        char *end;
        unsigned long i = strtoul (s_buf_text (&v), &end, 10);
        if (end == s_buf_text (&v) || *end || i >= bk->n_strings)
            rc = us_error_set (US_EINVAL, "the workbook is damaged (%s: cell %s names "
                               "shared string '%s')", name, ref ? ref : "?",
                               s_shown (shown, s_buf_text (&v)));
        else
            text = strdup (bk->strings [i]);
    }
    else
    if (rc == 0 && has_v && strcmp (t, "n") == 0)
        text = s_number (s_buf_text (&v));
    else
    if (rc == 0 && has_v && strcmp (t, "b") == 0)
        text = strdup (strcmp (s_buf_text (&v), "1") == 0 ? "TRUE" : "FALSE");
    else
    if (rc == 0 && has_v)
        text = strdup (s_buf_text (&v));        /* str, e (errors), d (ISO dates) */
    if (rc == 0 && (has_v || has_is) && !text)
        rc = us_error_set (US_ENOMEM, "out of memory");
    if (rc == 0 && text && *text)
        rc = s_cell_add (bk, rw, c, text);
    else
        free (text);
    free (v.p);
    free (is.p);
    free (ref);
    free (type);
    return rc;
}

/* Reads the cells of the sheet part. */
static int
s_cells (s_book_t *bk, const char *name)
{
    char *data;
    size_t len;
    int rc = s_part (bk, name, &data, &len);
    if (rc == US_ENOTFOUND)
        return us_error_set (US_EINVAL, "the workbook has no sheet (%s is missing)", name);
    xmlTextReaderPtr r = rc ? NULL : s_reader (data, len, name);
    if (rc == 0 && !r)
        rc = US_ENOMEM;
    uint32_t row = 0, col = 0;
    bool sheet = false;
    int got;
    while (rc == 0 && (got = s_next (r, name)) != 0) {
        if (got < 0)
            rc = got;
        else
        if (s_is (r, XML_READER_TYPE_ELEMENT, "worksheet"))
            sheet = true;
        else
        if (s_is (r, XML_READER_TYPE_ELEMENT, "row")) {
            char *n = s_attr (r, "r"), shown [US_TEXT_SAFE (20)];
            if (n && !s_row_number (n, &row))
                rc = us_error_set (US_EINVAL, "the workbook is damaged (%s: row '%s')",
                                   name, s_shown (shown, n));
            else
            if (!n && ++row > 1048576)
                rc = us_error_set (US_EINVAL, "the workbook is damaged (%s: too many rows)",
                                   name);
            col = 0;
            free (n);
        }
        else
        if (s_is (r, XML_READER_TYPE_ELEMENT, "c"))
            rc = s_cell (bk, r, name, row ? row : 1, &col);
    }
    if (rc == 0 && !sheet)
        rc = us_error_set (US_EINVAL, "the workbook has no sheet (%s is not a worksheet)", name);
    xmlFreeTextReader (r);
    free (data);
    return rc;
}

/* Orders cells by row, then column. */
static int
s_cell_cmp (const void *a, const void *b)
{
    const s_cell_t *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

/* Appends one field, quoted when it holds a separator, quote or line end. */
static int
s_field (s_buf_t *out, const char *s)
{
    if (!strpbrk (s, "\t\"\r\n,;"))
        return s_buf_add (out, s, strlen (s));
    int rc = s_buf_add (out, "\"", 1);
    for (const char *p = s; rc == 0 && *p; ) {
        size_t n = strcspn (p, "\"");
        rc = s_buf_add (out, p, n);
        p += n;
        if (rc == 0 && *p) {
            rc = s_buf_add (out, "\"\"", 2);
            p++;
        }
    }
    return rc ? rc : s_buf_add (out, "\"", 1);
}

/* Writes the cells as rows of tab-separated fields, one line per row. */
static int
s_write (s_book_t *bk, s_buf_t *out)
{
    if (bk->n_cells > 0)       /* a sheet without cells has no array to sort */
        qsort (bk->cells, bk->n_cells, sizeof *bk->cells, s_cell_cmp);
    uint32_t row = 1, col = 1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < bk->n_cells; i++) {
        const s_cell_t *c = &bk->cells [i];
        if (i > 0 && c->row == c [-1].row && c->col == c [-1].col)
            continue;           /* a cell listed twice: the first wins */
        for (; rc == 0 && row < c->row; row++, col = 1)
            rc = s_buf_add (out, "\n", 1);
        for (; rc == 0 && col < c->col; col++)
            rc = s_buf_add (out, "\t", 1);
        if (rc == 0)
            rc = s_field (out, c->text);
    }
    if (rc == 0)
        rc = s_buf_add (out, "\n", 1);
    return rc;
}

/* Frees what the reading held. */
static void
s_book_free (s_book_t *bk)
{
    if (bk->zip)
        zip_discard (bk->zip);
    for (size_t i = 0; i < bk->n_strings; i++)
        free (bk->strings [i]);
    free (bk->strings);
    for (size_t i = 0; i < bk->n_cells; i++)
        free (bk->cells [i].text);
    free (bk->cells);
}

/* Opens the zip in memory; the source is freed with the zip. */
static int
s_open (s_book_t *bk, const char *data, size_t len)
{
    zip_error_t err;
    zip_error_init (&err);
    zip_source_t *src = zip_source_buffer_create (data, len, 0, &err);
    if (src && !(bk->zip = zip_open_from_source (src, ZIP_RDONLY, &err)))
        zip_source_free (src);
    int rc = 0;
    if (!bk->zip)
        rc = us_error_set (US_EINVAL, "not an Excel workbook: the zip is damaged (%s)",
                           zip_error_strerror (&err));
    zip_error_fini (&err);
    return rc;
}

/* Reads the first sheet of a workbook as text. */
int
us_xlsx_text (const char *data, size_t len, char **text_p, size_t *len_p)
{
    assert ((data || len == 0) && text_p && len_p);
    *text_p = NULL;
    *len_p = 0;
    xmlInitParser ();
    s_book_t bk = { 0 };
    s_buf_t out = { .max = US_SHEET_MAX_BYTES };
    int rc = s_open (&bk, data ? data : "", len);
    char *part = rc ? NULL : s_first_sheet (&bk);
    if (rc == 0)
        rc = s_shared_strings (&bk);
    if (rc == 0)
        rc = s_cells (&bk, part ? part : SHEET1);
    if (rc == 0)
        rc = s_write (&bk, &out);
    free (part);
    s_book_free (&bk);
    if (rc) {
        free (out.p);
        return rc;
    }
    *text_p = out.p;
    *len_p = out.len;
    return 0;
}
