/*  us_log: one-line, timestamped log messages on stderr.

    Used by the long-running server; commands print their own results.
    Secrets are never passed here.
*/
#ifndef US_LOG_H
#define US_LOG_H

/* Logs one line at info level. */
void us_log_info (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Logs one line at warning level. */
void us_log_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Silences info lines (warnings still print). */
void us_log_quiet (int quiet);

#endif
