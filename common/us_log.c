/*  us_log: one-line, timestamped log messages on stderr. */
#include "us_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int s_quiet;

/* Prints one log line with a level tag. */
static void
s_log (const char *level, const char *fmt, va_list ap)
{
    char stamp [32];
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf (stderr, "%s %s ", stamp, level);
    vfprintf (stderr, fmt, ap);
    fputc ('\n', stderr);
}

/* Logs one line at info level. */
void
us_log_info (const char *fmt, ...)
{
    if (s_quiet)
        return;
    va_list ap;
    va_start (ap, fmt);
    s_log ("I", fmt, ap);
    va_end (ap);
}

/* Logs one line at warning level. */
void
us_log_warn (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    s_log ("W", fmt, ap);
    va_end (ap);
}

/* Silences info lines (warnings still print). */
void
us_log_quiet (int quiet)
{
    s_quiet = quiet;
}
