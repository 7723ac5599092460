/*  us_desk_web: the province desk's pages, generated at build time from
    web/province/ by cmake/embed_web.cmake. Read-only data of the binary. */
#ifndef US_DESK_WEB_H
#define US_DESK_WEB_H

#include <stddef.h>

/* One embedded file. */
typedef struct {
    const char *path;           /* "/app.js" */
    const char *mime;
    const unsigned char *data;
    size_t len;
} us_web_file_t;

extern const us_web_file_t us_web_files [];
extern const size_t us_web_files_count;

#endif
