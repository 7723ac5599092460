/*  us_error: error codes and the one-line message of the last failure. */
#include "us_error.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char s_msg [512];

/* Sets the last error message (printf style) and returns code. */
int
us_error_set (int code, const char *fmt, ...)
{
    /* Format aside first: callers often wrap the current message. */
    char buf [sizeof s_msg];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (buf, sizeof buf, fmt, ap);
    va_end (ap);
    memcpy (s_msg, buf, sizeof s_msg);
    return code;
}

/* Returns the last error message; "" when none. */
const char *
us_error_msg (void)
{
    return s_msg;
}

/* Returns a short name for an error code. */
const char *
us_error_name (int code)
{
    switch (code) {
        case US_OK:        return "ok";
        case US_EINVAL:    return "invalid";
        case US_ENOTFOUND: return "not found";
        case US_EIO:       return "i/o error";
        case US_ENOMEM:    return "out of memory";
        case US_EPROTO:    return "protocol error";
        case US_EUNREACH:  return "unreachable";
        case US_EPERM:     return "not permitted";
        case US_ECORRUPT:  return "corrupt store";
        case US_EEXIST:    return "exists";
        case US_EVERSION:  return "upgrade needed";
        case US_EBEHIND:   return "went back in time";
        default:           return "error";
    }
}

/* Clears the last error message. */
void
us_error_clear (void)
{
    s_msg [0] = 0;
}
