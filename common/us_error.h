/*  us_error: error codes and the one-line message of the last failure.

    Functions that can fail return 0 or a negative US_E* code and set the
    message with us_error_set(); callers propagate the code unchanged and the
    CLI prints us_error_msg() once. The message lives in thread-local storage
    owned by this module; callers never free it.
*/
#ifndef US_ERROR_H
#define US_ERROR_H

#include <stdarg.h>

enum {
    US_OK = 0,
    US_EINVAL = -1,      /* bad input: usage, CSV row, value, period   */
    US_ENOTFOUND = -2,   /* unknown unit, indicator, key               */
    US_EIO = -3,         /* disk, database or system failure           */
    US_ENOMEM = -4,      /* allocation failed                          */
    US_EPROTO = -5,      /* malformed or unexpected wire message       */
    US_EUNREACH = -6,    /* server did not answer                      */
    US_EPERM = -7,       /* outside scope, revoked, bad permissions    */
    US_ECORRUPT = -8,    /* a store failed its checks                  */
    US_EEXIST = -9,      /* would overwrite existing data              */
    US_EVERSION = -10,   /* the peer no longer accepts our wire version */
    US_EBEHIND = -11,    /* the peer holds less than it acknowledged    */
};

/* Sets the last error message (printf style) and returns code. */
int us_error_set (int code, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Returns the last error message; "" when none. Owned by this module. */
const char *us_error_msg (void);

/* Returns a short name for an error code. */
const char *us_error_name (int code);

/* Clears the last error message. */
void us_error_clear (void);

#endif
