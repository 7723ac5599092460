/*  us_desk_web: the province desk's pages, generated at build time from
    web/province/ by cmake/embed_web.cmake. Read-only data of the binary. */
#ifndef US_DESK_WEB_H
#define US_DESK_WEB_H

#include <stddef.h>

/* One embedded file. */
typedef struct {
    const char *path;           /* "app.js" */
    const char *type;           /* its Content-Type */
    const unsigned char *data;
    size_t len;
} us_desk_file_t;

extern const us_desk_file_t us_desk_files [];
extern const size_t us_desk_files_count;

#endif
