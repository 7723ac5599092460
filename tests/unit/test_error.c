/*  Unit tests for us_error: codes, names and the last error message. */
#include "us_error.h"

#include "us_test.h"

#include <pthread.h>

/* us_error_set returns the code and keeps the formatted message. */
Test (error, set_and_read)
{
    us_error_clear ();
    cr_assert_str_eq (us_error_msg (), "");
    cr_assert_eq (us_error_set (US_EINVAL, "bad value '%s' on line %d", "x", 3), US_EINVAL);
    cr_assert_str_eq (us_error_msg (), "bad value 'x' on line 3");
    us_error_clear ();
    cr_assert_str_eq (us_error_msg (), "");
}

/* Every code has a short name; unknown codes get a generic one. */
Test (error, names)
{
    cr_assert_str_eq (us_error_name (US_OK), "ok");
    int codes [] = { US_EINVAL, US_ENOTFOUND, US_EIO, US_ENOMEM, US_EPROTO, US_EUNREACH,
                     US_EPERM, US_ECORRUPT, US_EEXIST };
    for (size_t i = 0; i < sizeof codes / sizeof codes [0]; i++) {
        const char *name = us_error_name (codes [i]);
        cr_assert_neq (name [0], 0);
        cr_assert_str_neq (name, "error", "code %d has no name", codes [i]);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq (name, us_error_name (codes [j]));
    }
    cr_assert_str_eq (us_error_name (-1000), "error");
}

/* A long message is cut, not overflowed. */
Test (error, long_message)
{
    char big [2000];
    memset (big, 'x', sizeof big - 1);
    big [sizeof big - 1] = 0;
    us_error_set (US_EIO, "%s", big);
    size_t len = strlen (us_error_msg ());
    cr_assert_gt (len, 100);
    cr_assert_lt (len, sizeof big - 1);
}

/* Callers add context by passing the current message back in
   (us_error_set (rc, "%s: %s", path, us_error_msg ())); the old message
   must survive intact behind the new prefix. */
Test (error, prefix_own_message)
{
    us_error_set (US_EINVAL, "line 3: unterminated quote");
    us_error_set (US_EINVAL, "%s: %s", "units.csv", us_error_msg ());
    cr_assert_str_eq (us_error_msg (), "units.csv: line 3: unterminated quote");
    us_error_set (US_EINVAL, "%s line %d: %s", "data.csv", 7, us_error_msg ());
    cr_assert_str_eq (us_error_msg (), "data.csv line 7: units.csv: line 3: unterminated quote");
}

/* Sets a message in another thread. */
static void *
s_thread (void *arg)
{
    (void) arg;
    us_error_set (US_EIO, "from the thread");
    return NULL;
}

/* The message is per thread: another thread's error does not replace it. */
Test (error, per_thread)
{
    us_error_set (US_EINVAL, "from main");
    pthread_t t;
    cr_assert_eq (pthread_create (&t, NULL, s_thread, NULL), 0);
    pthread_join (t, NULL);
    cr_assert_str_eq (us_error_msg (), "from main");
}
