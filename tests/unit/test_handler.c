/*  Unit tests for us_handler: one request in, one reply out, on a real
    provincial store. */
#include "us_codec.h"
#include "us_error.h"
#include "us_handler.h"
#include "us_keys.h"
#include "us_pstore.h"

#include "us_test.h"

#define UNITS_CSV \
    "id,name,parent,kind\n" \
    "QT,Liên đoàn Lao động tỉnh Quảng Trị,,province\n" \
    "QT.DAKRONG,LĐLĐ huyện Đakrông,QT,district\n"

static char s_dir [64];
static us_pstore_t *s_store;
static us_handler_t *s_handler;
static us_keys_t s_keys;

static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
    char path [160];
    us_test_path (path, sizeof path, s_dir, "province.db");
    cr_assert_eq (us_pstore_create (&s_store, path, "QT", "Quảng Trị"), 0, "%s", us_error_msg ());
    us_test_path (path, sizeof path, s_dir, "units.csv");
    us_test_write (path, UNITS_CSV);
    int count;
    cr_assert_eq (us_pstore_import_units (s_store, &count, path), 0, "%s", us_error_msg ());
    cr_assert_eq (us_keys_generate (&s_keys, true), 0);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &s_keys);
    int64_t id;
    cr_assert_eq (us_pstore_enroll (s_store, &id, "QT.DAKRONG", token, "d"), 0, "%s",
                  us_error_msg ());
    s_handler = us_handler_new (s_store);
    cr_assert_not_null (s_handler);
}

static void
s_teardown (void)
{
    us_handler_destroy (&s_handler);
    us_pstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (handler, .init = s_setup, .fini = s_teardown);

/* Sends bytes as the enrolled key; returns the decoded reply's error text
   ("" for another reply). */
static char *
s_send (const uint8_t *data, size_t len)
{
    uint8_t *reply;
    size_t reply_len;
    us_handler_process (s_handler, &reply, &reply_len, s_keys.curve_public, data, len);
    cr_assert_not_null (reply);
    us_msg_t *msg;
    cr_assert_eq (us_codec_decode (&msg, reply, reply_len), 0, "%s", us_error_msg ());
    char *text = strdup (msg->type == US_MSG_ERROR ? msg->error.message : "");
    us_msg_destroy (&msg);
    free (reply);
    return text;
}

/* A key revoked after its connection was authenticated is refused before
   its bytes are decoded: the answer names the revocation, not the bytes. */
Test (handler, revoked_before_decoding)
{
    static const uint8_t junk [] = { 0xff, 0xff, 0xff, 0x01, 0x02 };
    char *text = s_send (junk, sizeof junk);
    cr_assert (*text, "junk from an enrolled key gets an error");
    cr_assert_null (strstr (text, "revoked"), "%s", text);
    free (text);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &s_keys);
    cr_assert_eq (us_pstore_revoke (s_store, token), 0, "%s", us_error_msg ());
    text = s_send (junk, sizeof junk);
    cr_assert_not_null (strstr (text, "revoked"), "%s", text);
    free (text);
}
