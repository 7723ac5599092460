/*  us_print: the choice of a printer, and the trend of a report. */
#include "us_print.h"
#include "us_error.h"

#include <stdlib.h>
#include <string.h>

/* Parses a format name. */
int
us_format_parse (us_format_t *format, const char *text)
{
    static const char *names [] = { "text", "csv", "json", "html", "vi" };
    for (int k = 0; k < 5; k++)
        if (strcmp (text, names [k]) == 0) {
            *format = (us_format_t) k;
            return 0;
        }
    return us_error_set (US_EINVAL, "unknown format '%.20s' (text, csv, json, html or vi)", text);
}

/* Prints the report in a format with the options. */
int
us_print (const us_report_t *report, FILE *out, us_format_t format, const us_print_opts_t *opts)
{
    us_print_opts_t none = { NULL, NULL };
    if (!opts)
        opts = &none;
    const us_report_t *prev = opts->previous;
    int rc = 0;
    switch (format) {
        case US_FORMAT_TEXT:
            rc = us_print_text (report, out);
            if (rc == 0 && prev)
                rc = us_print_compare (report, prev, out, US_FORMAT_TEXT);
            break;
        case US_FORMAT_CSV:
            rc = prev ? us_print_compare (report, prev, out, US_FORMAT_CSV)
                      : us_print_csv (report, out);
            break;
        case US_FORMAT_JSON:
            rc = prev ? us_print_compare (report, prev, out, US_FORMAT_JSON)
                      : us_print_json (report, out);
            break;
        case US_FORMAT_HTML:
            rc = us_print_html (report, out, opts);
            break;
        case US_FORMAT_VI:
            rc = us_print_vi (report, out, prev);
            break;
        default:
            rc = us_error_set (US_EINVAL, "unknown format");
    }
    return rc ? rc : us_print_flush (out, "report");
}
