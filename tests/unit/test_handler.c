/*  Unit tests for us_handler: one request in, one reply out, on a real
    provincial store. */
#include "us_codec.h"
#include "us_error.h"
#include "us_handler.h"
#include "us_hlc.h"
#include "us_merge.h"
#include "us_keys.h"
#include "us_limits.h"
#include "us_merge.h"
#include "us_pstore.h"
#include "us_pstore_sql.h"

#include "us_test.h"
#include "us_test_province.h"

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
    us_test_province (&s_store, s_dir, UNITS_CSV);
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

/* Encodes a request of the enrolled replica into *buf_p. */
static size_t
s_encode (uint8_t **buf_p, us_msg_t *msg, uint64_t id)
{
    msg->wire = US_WIRE_VERSION;
    msg->request_id = id;
    size_t len;
    cr_assert_eq (us_codec_encode (buf_p, &len, msg), 0, "%s", us_error_msg ());
    return len;
}

/* How far ahead of the wall clock the next pushed edits' clocks are. */
static int64_t s_ahead_ms;

/* Encodes a Push of one members.new edit of QT.DAKRONG in month mon of
   2022, signed with keys (or a wrong signature when forged). */
static size_t
s_push_as (uint8_t **buf_p, const us_keys_t *keys, int mon, uint64_t id, uint64_t seq,
           int64_t value, bool forged)
{
    us_delta_t d = { .seq = seq, .unit = "QT.DAKRONG", .indicator = "members.new",
                     .month = 2022 * 12 + mon - 1, .value = value,
                     .hlc = us_hlc_make (us_hlc_wall_ms () + s_ahead_ms, (uint32_t) seq),
                     .base_version = 0, .author = "clerk", .note = "" };
    us_msg_t msg = { .type = US_MSG_PUSH };
    msg.push = (us_push_t) { .epoch = 1, .count = 1, .deltas = &d };
    uint8_t *bytes, sig [64];
    size_t len;
    cr_assert_eq (us_codec_push_signed_bytes (&bytes, &len, &msg.push), 0);
    cr_assert_eq (us_keys_sign (sig, keys, bytes, len), 0);
    if (forged)
        sig [0] ^= 1;
    msg.push.signature = sig;
    msg.push.signature_len = 64;
    msg.push.batch = bytes;
    msg.push.batch_len = len;
    size_t n = s_encode (buf_p, &msg, id);
    free (bytes);
    return n;
}

/* The same, signed with the enrolled replica's key. */
static size_t
s_push_msg (uint8_t **buf_p, uint64_t id, uint64_t seq, int64_t value, bool forged)
{
    return s_push_as (buf_p, &s_keys, 5, id, seq, value, forged);
}

/* Decodes a reply, failing the test when it cannot be read. */
static us_msg_t *
s_decoded (const uint8_t *reply, size_t len)
{
    cr_assert_not_null (reply);
    us_msg_t *msg;
    cr_assert_eq (us_codec_decode (&msg, reply, len), 0, "%s", us_error_msg ());
    return msg;
}

/* Reads one number from the store. */
static int64_t
s_count (const char *sql)
{
    sqlite3_stmt *st = us_pstore_stmt (s_store, sql);
    cr_assert_not_null (st);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return n;
}

/* Counts the replies a burst made final, in order. */
static void
s_ready (void *arg, us_handler_req_t *reqs, size_t k)
{
    size_t *count = arg;
    cr_assert_eq (k, *count, "reply %zu made final before reply %zu", k, *count);
    cr_assert_not_null (reqs [k].reply);
    (*count)++;
}

/* Batches of several offices waiting together are merged in one commit;
   the one whose signature fails is refused alone, and the others are
   acknowledged and on disk, each with its own answer. */
Test (handler, burst_commits_batches_together)
{
    us_keys_t others [2];
    char token [US_TOKEN_MAX];
    int64_t id;
    for (int k = 0; k < 2; k++) {
        cr_assert_eq (us_keys_generate (&others [k], true), 0);
        us_keys_token (token, sizeof token, &others [k]);
        cr_assert_eq (us_pstore_enroll (s_store, &id, "QT.DAKRONG", token, "o"), 0, "%s",
                      us_error_msg ());
    }
    us_handler_req_t reqs [3];
    uint8_t *bufs [3];
    const us_keys_t *keys [3] = { &s_keys, &others [0], &others [1] };
    reqs [0].len = s_push_as (&bufs [0], keys [0], 1, 1, 1, 11, false);
    reqs [1].len = s_push_as (&bufs [1], keys [1], 2, 2, 1, 22, true);
    reqs [2].len = s_push_as (&bufs [2], keys [2], 3, 3, 1, 33, false);
    for (int k = 0; k < 3; k++) {
        reqs [k].key = keys [k]->curve_public;
        reqs [k].data = bufs [k];
    }
    size_t final = 0;
    us_handler_process_burst (s_handler, reqs, 3, s_ready, &final);
    cr_assert_eq (final, 3, "every reply made final");
    for (int k = 0; k < 3; k++) {
        cr_assert_eq (reqs [k].rc, 0, "request %d: %d", k, reqs [k].rc);
        us_msg_t *msg = s_decoded (reqs [k].reply, reqs [k].reply_len);
        cr_assert_eq (msg->request_id, (uint64_t) k + 1);
        if (k == 1) {
            cr_assert_eq (msg->type, US_MSG_ERROR, "the forged batch is refused");
            cr_assert_not_null (strstr (msg->error.message, "signature"), "%s",
                                msg->error.message);
        }
        else {
            cr_assert_eq (msg->type, US_MSG_PUSH_ACK, "batch %d is acknowledged", k);
            cr_assert_eq (msg->push_ack.results [0].outcome, US_OUTCOME_ACCEPTED);
            cr_assert_eq (msg->push_ack.results [0].version, 1);
        }
        us_msg_destroy (&msg);
        free (reqs [k].reply);
        free (bufs [k]);
    }
    cr_assert (!us_pstore_in_transaction (s_store), "the group is committed");
    cr_assert_eq (s_count ("SELECT SUM (value) FROM cells"), 44);
    cr_assert_eq (s_count ("SELECT COUNT(*) FROM received WHERE kind = 0"), 2, "two records, none forged");
    cr_assert_eq (s_count ("SELECT COUNT(*) FROM batches"), 2);
}

/* Pulls a whole change stream; returns how many cells it carried. */
static size_t
s_pull_cells (uint64_t id)
{
    us_msg_t msg = { .type = US_MSG_PULL };
    msg.pull = (us_pull_t) { .since = 0, .limit = 2000 };
    uint8_t *buf, *reply;
    size_t len = s_encode (&buf, &msg, id), reply_len;
    cr_assert_eq (us_handler_process (s_handler, &reply, &reply_len, s_keys.curve_public, buf,
                                      len), 0);
    us_msg_t *changes = s_decoded (reply, reply_len);
    cr_assert_eq (changes->type, US_MSG_CHANGES);
    size_t n = changes->changes.n_cells;
    us_msg_destroy (&changes);
    free (reply);
    free (buf);
    return n;
}

/* Sends one request and checks the reply is of type. */
static void
s_expect (uint8_t *buf, size_t len, us_msg_type_t type)
{
    uint8_t *reply;
    size_t reply_len;
    cr_assert_eq (us_handler_process (s_handler, &reply, &reply_len, s_keys.curve_public, buf,
                                      len), 0);
    us_msg_t *msg = s_decoded (reply, reply_len);
    cr_assert_eq (msg->type, type, "%s", msg->type == US_MSG_ERROR ? msg->error.message : "");
    us_msg_destroy (&msg);
    free (reply);
    free (buf);
}

/* An office's own edit, acknowledged in this session, is not sent back
   by its pull; without a Hello (no session known), or once the province
   has written the cell since, the cell is sent. */
Test (handler, pull_leaves_out_what_the_ack_said)
{
    uint8_t *buf;
    size_t len = s_push_msg (&buf, 1, 1, 11, false);
    s_expect (buf, len, US_MSG_PUSH_ACK);
    cr_assert_eq (s_pull_cells (2), 1, "no session: the cell comes back");
    us_msg_t hello = { .type = US_MSG_HELLO };
    hello.hello = (us_hello_t) { .epoch = 1, .last_seq = 1, .acked = 1, .incarnation = "" };
    len = s_encode (&buf, &hello, 3);
    s_expect (buf, len, US_MSG_WELCOME);
    cr_assert_eq (s_pull_cells (4), 1, "an edit answered before this session comes back");
    len = s_push_msg (&buf, 5, 2, 22, false);
    s_expect (buf, len, US_MSG_PUSH_ACK);
    cr_assert_eq (s_pull_cells (6), 0, "the edit answered in this session is left out");
    us_merge_result_t res;
    us_hlc_t clock = { 0 };
    cr_assert_eq (us_merge_correct (&res, s_store, "QT.DAKRONG", "2022-05", "members.new", "25",
                                    "checked by phone", "province", false, &clock), 0, "%s",
                  us_error_msg ());
    cr_assert_eq (s_pull_cells (7), 1, "the province's correction is sent");
}

/* Says Hello as the enrolled office (request 1): a session begins. */
static void
s_session (void)
{
    us_msg_t hello = { .type = US_MSG_HELLO };
    hello.hello = (us_hello_t) { .epoch = 1, .incarnation = "" };
    uint8_t *buf;
    size_t len = s_encode (&buf, &hello, 1);
    s_expect (buf, len, US_MSG_WELCOME);
}

/* An edit whose clock the province clamped is sent back by the session's
   pull (the office holds the clock it sent); the next one, kept as sent,
   is left out. */
Test (handler, pull_sends_a_clamped_edit)
{
    s_session ();
    uint8_t *buf;
    size_t len;
    s_ahead_ms = 86400 * 1000;
    len = s_push_msg (&buf, 2, 1, 11, false);
    s_ahead_ms = 0;
    s_expect (buf, len, US_MSG_PUSH_ACK);
    cr_assert_eq (s_count ("SELECT COUNT(*) FROM received WHERE kind = 0 AND seq = 1"
                           " AND clamped = 1"), 1, "the province clamped the clock");
    cr_assert_eq (s_pull_cells (3), 1, "the clamped edit's cell is sent");
    len = s_push_msg (&buf, 4, 2, 12, false);
    s_expect (buf, len, US_MSG_PUSH_ACK);
    cr_assert_eq (s_pull_cells (5), 0, "the edit kept as sent is left out");
}

/* A refused edit makes the office clear the cell's author and note until
   the province's come: that session's pull then leaves nothing out. */
Test (handler, pull_after_a_refusal_sends_the_cell)
{
    s_session ();
    uint8_t *buf;
    size_t len;
    len = s_push_msg (&buf, 2, 1, 11, false);
    s_expect (buf, len, US_MSG_PUSH_ACK);
    cr_assert_eq (s_pull_cells (3), 0, "the accepted edit is left out");
    len = s_push_msg (&buf, 4, 2, -5, false);
    s_expect (buf, len, US_MSG_PUSH_ACK);
    cr_assert_eq (s_count ("SELECT COUNT(*) FROM received WHERE outcome = 4"), 1,
                  "the negative value is refused");
    cr_assert_eq (s_pull_cells (5), 1, "after the refusal the cell is sent");
}

/* Pulls from since, telling acked of epoch 1; returns the reply's error
   code (0: a page of Changes came). */
static int
s_pull_told (uint64_t since, uint64_t acked)
{
    us_msg_t msg = { .type = US_MSG_PULL, .wire = US_WIRE_VERSION, .request_id = 8 };
    msg.pull = (us_pull_t) { .since = since, .limit = 100, .epoch = 1, .acked = acked };
    us_msg_t *out = s_ask (&msg);
    int code = out->type == US_MSG_ERROR ? out->error.code : 0;
    cr_assert (code || out->type == US_MSG_CHANGES);
    us_msg_destroy (&out);
    return code;
}

/* A Pull from an office told more than the store holds (acknowledged
   edits, or a checkpoint past the stream's end) is refused as the store
   having gone back in time; told no more than it holds, it is answered. */
Test (handler, pull_beyond_the_store_refused)
{
    uint8_t *buf;
    size_t len = s_push_msg (&buf, 1, 1, 11, false);
    s_expect (buf, len, US_MSG_PUSH_ACK);
    uint64_t head;
    cr_assert_eq (us_pstore_head (s_store, &head), 0);
    cr_assert_eq (s_pull_told (0, 0), 0);
    cr_assert_eq (s_pull_told (head, 1), 0, "what the store holds is answered");
    cr_assert_eq (s_pull_told (0, 2), US_EBEHIND, "seq 2 was never taken here");
    cr_assert_eq (s_pull_told (head + 1, 1), US_EBEHIND, "the stream ends at the head");
    len = s_push_msg (&buf, 2, 2, 12, false);
    s_expect (buf, len, US_MSG_PUSH_ACK);
    cr_assert_eq (s_pull_told (head + 1, 2), 0, "held now");
}

/* Says Hello with what the office saw; copies the Welcome's incarnation
   into inc [40] and returns the head. */
static uint64_t
s_hello (char *inc, const char *seen, uint64_t checkpoint, uint64_t mark)
{
    us_msg_t req = { .type = US_MSG_HELLO, .wire = US_WIRE_VERSION, .request_id = 1 };
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
    us_msg_t req = { .type = US_MSG_PULL, .wire = US_WIRE_VERSION, .request_id = 2,
                     .pull = { .since = 0, .limit = 100 } };
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

/* Runs one statement on the store. */
static void
s_exec (const char *sql)
{
    sqlite3_stmt *st = us_pstore_stmt (s_store, sql);
    cr_assert_not_null (st);
    cr_assert_eq (sqlite3_step (st), SQLITE_DONE);
    sqlite3_reset (st);
}

/* A page is bounded by its bytes as well as its entries: 2,400 figures
   with notes of 1,000 bytes (2.4 MB) asked for in pages of the most
   entries come in pages of at most US_PAGE_MAX_BYTES, each figure once
   and whole. */
Test (handler, pages_bounded_by_bytes)
{
    s_exec ("WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2399)"
            " INSERT INTO cells (unit_id, ind_id, month, value, version, hlc, author, note)"
            " SELECT (SELECT id FROM units WHERE code = 'QT.DAKRONG'),"
            " (SELECT id FROM indicators WHERE code = 'members.new'), 23880 + i, i, 1, 1,"
            " 'tinh', replace (hex (zeroblob (500)), '0', 'n') FROM n");
    s_exec ("INSERT INTO changelog (kind, ref, unit) SELECT 3, id, unit_id FROM cells ORDER BY id");
    uint64_t since = 0;
    size_t pages = 0, cells = 0;
    int64_t sum = 0;
    for (bool more = true; more; pages++) {
        cr_assert_lt (pages, 100);
        us_msg_t msg = { .type = US_MSG_PULL };
        msg.pull = (us_pull_t) { .since = since, .limit = US_PAGE_MAX };
        uint8_t *buf, *reply;
        size_t len = s_encode (&buf, &msg, pages + 1), reply_len;
        cr_assert_eq (us_handler_process (s_handler, &reply, &reply_len, s_keys.curve_public,
                                          buf, len), 0);
        cr_assert_leq (reply_len, US_PAGE_MAX_BYTES, "page %zu: %zu bytes", pages, reply_len);
        us_msg_t *changes = s_decoded (reply, reply_len);
        cr_assert_eq (changes->type, US_MSG_CHANGES, "%s", changes->type == US_MSG_ERROR
                      ? changes->error.message : "");
        for (size_t i = 0; i < changes->changes.n_cells; i++) {
            cr_assert_eq (strlen (changes->changes.cells [i].note), 1000);
            sum += changes->changes.cells [i].value;
        }
        cells += changes->changes.n_cells;
        cr_assert_gt (changes->changes.next, since, "every page moves on");
        since = changes->changes.next;
        more = changes->changes.more;
        us_msg_destroy (&changes);
        free (reply);
        free (buf);
    }
    cr_assert_eq (cells, 2400);
    cr_assert_eq (sum, 2399 * 2400 / 2, "each figure once");
    cr_assert_geq (pages, 2, "more than one page: %zu", pages);
}
