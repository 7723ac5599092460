/*  us_print_mapping: the footnote that says which units' figures a report
    mapped onto today's units (us_succession.h), and the `mapping` key of
    the JSON report.

    The printers of the report itself do not change: us_print() adds the
    footnote after a text or Vietnamese report, before the end of an HTML
    page, and as a last key of the JSON object.
*/
#include "us_print.h"
#include "us_error.h"
#include "us_words.h"

#include <stdlib.h>
#include <string.h>

/* Prints s as a JSON string. */
static void
s_json_str (FILE *out, const char *s)
{
    fputc ('"', out);
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if (*p == '"' || *p == '\\')
            fprintf (out, "\\%c", *p);
        else
        if (*p < 0x20)
            fprintf (out, "\\u%04x", *p);
        else
            fputc (*p, out);
    fputc ('"', out);
}

/* Prints the mapping as a JSON array. */
static void
s_json (FILE *out, const us_mapping_t *m)
{
    fputc ('[', out);
    for (size_t k = 0; k < m->n; k++) {
        const us_mapping_note_t *n = &m->notes [k];
        fprintf (out, "%s{\"unit\":", k ? "," : "");
        s_json_str (out, n->unit);
        fputs (",\"name\":", out);
        s_json_str (out, n->name);
        fputs (",\"how\":", out);
        s_json_str (out, n->how);
        fprintf (out, ",\"figures\":%d}", n->cells);
    }
    fputc (']', out);
}

/* Prints how a unit was mapped in Vietnamese: the words translated, and a
   decimal comma in the percentages (codes keep their dots). */
static void
s_how_vi (FILE *out, const char *how)
{
    static const char *words [][2] = {
        { "added to ", "cộng vào " },
        { "shared: ", "chia theo tỷ lệ: " },
        { "ended with no successor in force; its figures are left out",
          "đã giải thể, không có đơn vị kế thừa; số liệu không được tính" } };
    for (const char *p = how; *p;) {
        bool done = false;
        for (size_t k = 0; k < sizeof words / sizeof words [0] && !done; k++) {
            size_t len = strlen (words [k][0]);
            if (strncmp (p, words [k][0], len) == 0) {
                fputs (words [k][1], out);
                p += len;
                done = true;
            }
        }
        if (done)
            continue;
        bool decimal = *p == '.' && p > how && p [-1] >= '0' && p [-1] <= '9'
                    && p [1] >= '0' && p [1] <= '9' && p [2] == '%';
        fputc (decimal ? ',' : *p, out);
        p++;
    }
}

/* Prints the footnote in text, Vietnamese or HTML. */
static void
s_note (FILE *out, const us_mapping_t *m, us_format_t format)
{
    bool html = format == US_FORMAT_HTML, vi = format == US_FORMAT_VI;
    fputs (html ? "<section class=\"mapping\"><h2>" : "\n", out);
    fputs (vi || html ? "Ghi chú: số liệu của các đơn vị đã sắp xếp lại được quy đổi về "
                        "đơn vị hiện nay"
                      : "Note: figures of reorganised units are mapped onto today's units", out);
    fputs (html ? "</h2><ul>\n" : ":\n", out);
    for (size_t k = 0; k < m->n; k++) {
        const us_mapping_note_t *n = &m->notes [k];
        if (html) {
            fputs ("<li>", out);
            us_words_html_escape (out, n->unit);
            fputs (" (", out);
            us_words_html_escape (out, n->name);
            fputs ("): ", out);
            us_words_html_escape (out, n->how);
            fputs ("</li>\n", out);
        }
        else
        if (vi) {
            fprintf (out, "  * %s (%s): ", n->unit, n->name);
            s_how_vi (out, n->how);
            fprintf (out, " (%d số liệu)\n", n->cells);
        }
        else
            fprintf (out, "  * %s (%s): %s (%d %s)\n", n->unit, n->name, n->how, n->cells,
                     n->cells == 1 ? "figure" : "figures");
    }
    if (html)
        fputs ("</ul></section>\n", out);
}

/* Prints what a report printed into text, with the mapping added. */
int
us_print_mapping_wrap (FILE *out, const char *text, size_t len, const us_mapping_t *m,
                       us_format_t format)
{
    if (!m || m->n == 0 || format == US_FORMAT_CSV) {
        fwrite (text, 1, len, out);
        return 0;
    }
    if (format == US_FORMAT_JSON) {
        /* The object's closing brace is the last one printed. */
        const char *end = len ? memrchr (text, '}', len) : NULL;
        if (!end)
            return us_error_set (US_EINVAL, "the JSON report has no object to add the mapping to");
        fwrite (text, 1, (size_t) (end - text), out);
        fputs (",\"mapping\":", out);
        s_json (out, m);
        fwrite (end, 1, len - (size_t) (end - text), out);
        return 0;
    }
    if (format == US_FORMAT_HTML) {
        const char *body = NULL;
        for (const char *p = text; (p = memmem (p, len - (size_t) (p - text), "</body>", 7)); p++)
            body = p;
        size_t head = body ? (size_t) (body - text) : len;
        fwrite (text, 1, head, out);
        s_note (out, m, format);
        fwrite (text + head, 1, len - head, out);
        return 0;
    }
    fwrite (text, 1, len, out);
    s_note (out, m, format);
    return 0;
}
