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

/* Sends req as the enrolled key; returns the decoded reply (destroyed by
   the caller). */
static us_msg_t *
s_ask (us_msg_t *req)
{
    uint8_t *data, *reply;
    size_t len, reply_len;
    req->wire = US_WIRE_VERSION;
    cr_assert_eq (us_codec_encode (&data, &len, req), 0, "%s", us_error_msg ());
    us_handler_process (s_handler, &reply, &reply_len, s_keys.curve_public, data, len);
    free (data);
    cr_assert_not_null (reply);
    us_msg_t *msg;
    cr_assert_eq (us_codec_decode (&msg, reply, reply_len), 0, "%s", us_error_msg ());
    free (reply);
    return msg;
}

/* Says Hello with what the office saw; copies the Welcome's incarnation
   into inc [40] and returns the head. */
static uint64_t
s_hello (char *inc, const char *seen, uint64_t checkpoint, uint64_t mark)
{
    us_msg_t req = { .type = US_MSG_HELLO, .request_id = 1 };
    req.hello = (us_hello_t) { .epoch = 1, .checkpoint = checkpoint, .wire = US_WIRE_VERSION,
                               .incarnation = seen, .checkpoint_mark = mark };
    us_msg_t *w = s_ask (&req);
    cr_assert_eq (w->type, US_MSG_WELCOME, "%s", w->type == US_MSG_ERROR ? w->error.message : "");
    snprintf (inc, 40, "%s", w->welcome.incarnation);
    uint64_t head = w->welcome.head;
    us_msg_destroy (&w);
    return head;
}

/* A page of changes names what sits at its end (Changes.mark); a Hello
   sending that mark back with its checkpoint changes nothing, one naming
   another change there (a copy put back, whose new changes took the
   position) gives the store a new incarnation, and an office that sends
   no mark (an older release) is not asked. */
Test (handler, checkpoint_mark)
{
    char inc [40], again [40];
    uint64_t head = s_hello (inc, "", 0, 0);
    cr_assert_gt (head, 0);
    us_msg_t req = { .type = US_MSG_PULL, .request_id = 2, .pull = { .since = 0, .limit = 100 } };
    us_msg_t *page = s_ask (&req);
    cr_assert_eq (page->type, US_MSG_CHANGES);
    uint64_t next = page->changes.next, mark = page->changes.mark;
    us_msg_destroy (&page);
    cr_assert_eq (next, head);
    cr_assert_neq (mark, 0, "a page that reached a change names it");
    s_hello (again, inc, next, mark);
    cr_assert_str_eq (again, inc, "the same change at the checkpoint");
    s_hello (again, inc, next, 0);
    cr_assert_str_eq (again, inc, "no mark: not asked");
    s_hello (again, inc, next, mark ^ 1);
    cr_assert_str_neq (again, inc, "another change at the checkpoint: a new incarnation");
}
