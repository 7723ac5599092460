/*  Unit tests for us_handler: one request in, one reply out, on a real
    provincial store. */
#include "us_codec.h"
#include "us_error.h"
#include "us_handler.h"
#include "us_keys.h"
#include "us_merge.h"
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

/* Sends msg as the enrolled key and decodes the reply (the caller
   destroys it). */
static us_msg_t *
s_ask (const us_msg_t *msg)
{
    uint8_t *req, *reply;
    size_t len, reply_len;
    cr_assert_eq (us_codec_encode (&req, &len, msg), 0, "%s", us_error_msg ());
    us_handler_process (s_handler, &reply, &reply_len, s_keys.curve_public, req, len);
    free (req);
    us_msg_t *out;
    cr_assert_eq (us_codec_decode (&out, reply, reply_len), 0, "%s", us_error_msg ());
    free (reply);
    return out;
}

/* Pulls the whole stream asking the top digest of 2022; copies it. */
static void
s_pull_top (uint8_t top [32])
{
    us_msg_t msg = { .type = US_MSG_PULL, .request_id = 9 };
    msg.pull = (us_pull_t) { .since = 0, .limit = 0, .digest_first = 2022 * 12,
                             .digest_last = 2022 * 12 + 11 };
    us_msg_t *out = s_ask (&msg);
    cr_assert_eq (out->type, US_MSG_CHANGES, "%s", out->type == US_MSG_ERROR
                  ? out->error.message : "");
    cr_assert_not (out->changes.more);
    cr_assert_eq (out->changes.digest.len, 32, "the last page carries the top");
    memcpy (top, out->changes.digest.data, 32);
    us_msg_destroy (&out);
}

/* Checks the handler's counters of top digests. */
static void
s_tops (uint64_t computed, uint64_t reused)
{
    uint64_t c, r, d, p;
    us_handler_digest_stats (s_handler, &c, &r, &d, &p);
    cr_assert_eq (c, computed, "computed %llu, expected %llu", (unsigned long long) c,
                  (unsigned long long) computed);
    cr_assert_eq (r, reused, "reused %llu, expected %llu", (unsigned long long) r,
                  (unsigned long long) reused);
}

/* The top digest of an unchanged store is not computed again; a change
   through the server, or by another connection (a person with sqlite3),
   is seen at once. */
Test (handler, digest_reused_until_store_changes)
{
    us_hlc_t clock = { 0, 0 };
    us_merge_result_t r;
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "12",
                                    "tỉnh nhập", "tinh", false, &clock), 0, "%s", us_error_msg ());
    uint8_t a [32], b [32], c [32], d [32];
    s_pull_top (a);
    s_tops (1, 0);
    s_pull_top (b);
    s_tops (1, 1);
    cr_assert_arr_eq (a, b, 32);
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "13",
                                    "tỉnh sửa", "tinh", false, &clock), 0, "%s", us_error_msg ());
    s_pull_top (c);
    s_tops (2, 1);
    cr_assert (memcmp (b, c, 32) != 0, "a new figure, a new top");
    char path [160];
    sqlite3 *db;
    cr_assert_eq (sqlite3_open (us_test_path (path, sizeof path, s_dir, "province.db"), &db),
                  SQLITE_OK);
    cr_assert_eq (sqlite3_exec (db, "UPDATE cells SET value = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close (db);
    s_pull_top (d);
    s_tops (3, 1);
    cr_assert (memcmp (c, d, 32) != 0, "a figure changed by hand, a new top");
}

/* Digest and repair requests are answered from the replica's scope and
   counted; a repair page lists its months and leaves the checkpoint. */
Test (handler, digests_and_repair)
{
    us_hlc_t clock = { 0, 0 };
    us_merge_result_t r;
    cr_assert_eq (us_merge_correct (&r, s_store, "QT.DAKRONG", "2022-05", "members.new", "12",
                                    "tỉnh nhập", "tinh", false, &clock), 0, "%s", us_error_msg ());
    cr_assert_eq (us_merge_correct (&r, s_store, "QT", "2022-06", "members.new", "500",
                                    "tỉnh nhập", "tinh", false, &clock), 0, "%s", us_error_msg ());
    us_msg_t msg = { .type = US_MSG_DIGEST, .request_id = 4 };
    msg.digest = (us_digest_req_t) { 2022 * 12, 2022 * 12 + 11 };
    us_msg_t *out = s_ask (&msg);
    cr_assert_eq (out->type, US_MSG_DIGESTS);
    cr_assert_eq (out->digests.count, 1, "May only: the province's own June is not in scope");
    cr_assert_eq (out->digests.months [0].month, 2022 * 12 + 4);
    uint8_t may [32];
    memcpy (may, out->digests.months [0].digest.data, 32);
    us_msg_destroy (&out);
    s_tops (1, 0);
    out = s_ask (&msg);                 /* asked again: from memory, the same */
    cr_assert_eq (out->digests.count, 1);
    cr_assert_arr_eq (out->digests.months [0].digest.data, may, 32);
    us_msg_destroy (&out);
    s_tops (1, 1);
    static const int months [2] = { 2022 * 12 + 4, 2022 * 12 + 5 };
    msg = (us_msg_t) { .type = US_MSG_PULL, .request_id = 5 };
    msg.pull = (us_pull_t) { .since = 3, .months = months, .n_months = 2 };
    out = s_ask (&msg);
    cr_assert_eq (out->type, US_MSG_CHANGES);
    cr_assert_eq (out->changes.next, 3, "a repair page leaves the checkpoint");
    cr_assert_eq (out->changes.n_months, 2);
    cr_assert_eq (out->changes.n_cells, 1, "the district's figure, not the province's");
    cr_assert_str_eq (out->changes.cells [0].unit, "QT.DAKRONG");
    cr_assert_eq (out->changes.cells [0].value, 12);
    us_msg_destroy (&out);
    uint64_t c, u, d, p;
    us_handler_digest_stats (s_handler, &c, &u, &d, &p);
    cr_assert_eq (d, 2);
    cr_assert_eq (p, 1);
}
