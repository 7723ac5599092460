/*  make_corpus: writes the seed corpora of the fuzz targets.

    make_corpus CODEC_DIR HANDLER_DIR

    CODEC_DIR gets valid encodings of every message type (Hello, Welcome,
    Push with several deltas, notes and clears, PushAck, Pull, Changes,
    Submit, SubmitAck, Error), each Push in both wire versions and its
    signed bytes alone (a kept batch), hand-made messages that break one
    bound each, and truncations. HANDLER_DIR gets the requests a replica
    sends (and a few it should not), each behind every selector byte
    fuzz_handler understands. Built and run by scripts/fuzz.sh
    against the fuzz build's libraries; not a fuzz target itself.
*/
#include "us_codec.h"
#include "us_error.h"
#include "us_period.h"
#include "fuzz_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HLC(ms) ((uint64_t) (ms) << 16)
#define T0 1700000000000LL           /* a fixed wall clock, 2023-11 */

static const char *s_codec_dir, *s_handler_dir;
static int s_files;

/* Writes len bytes to dir/name; exits on failure. */
static void
s_write (const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen (path, "wb");
    if (!f || (len && fwrite (data, 1, len, f) != len) || fclose (f) != 0) {
        fprintf (stderr, "make_corpus: cannot write %s: %s\n", path, strerror (errno));
        exit (1);
    }
    s_files++;
}

/* Encodes msg; exits when the codec refuses it (a seed must be valid). */
static uint8_t *
s_encode (size_t *len, const us_msg_t *msg, const char *name)
{
    uint8_t *buf;
    if (us_codec_encode (&buf, len, msg) != 0) {
        fprintf (stderr, "make_corpus: cannot encode seed %s\n", name);
        exit (1);
    }
    us_msg_t *back;
    if (us_codec_decode (&back, buf, *len) != 0) {
        fprintf (stderr, "make_corpus: seed %s does not decode\n", name);
        exit (1);
    }
    us_msg_destroy (&back);
    return buf;
}

/* Writes a message to the codec corpus and, when it is a request a
   replica could send (to_server), behind every selector to the handler
   corpus. Also writes two truncations of it. */
static void
s_seed (const char *name, const us_msg_t *msg, bool to_server)
{
    size_t len;
    uint8_t *buf = s_encode (&len, msg, name);
    char file [256];
    snprintf (file, sizeof file, "%s.pb", name);
    s_write (s_codec_dir, file, buf, len);
    size_t cuts [2] = { len / 2, len > 1 ? len - 1 : 0 };
    for (int i = 0; i < 2; i++) {
        snprintf (file, sizeof file, "%s.cut%zu.pb", name, cuts [i]);
        s_write (s_codec_dir, file, buf, cuts [i]);
    }
    if (to_server) {
        uint8_t *req = malloc (len + 1);
        if (!req)
            exit (1);
        memcpy (req + 1, buf, len);
        for (int mode = 0; mode < FUZZ_MODES; mode++) {
            req [0] = (uint8_t) mode;
            snprintf (file, sizeof file, "%s.mode%d.req", name, mode);
            s_write (s_handler_dir, file, req, len + 1);
        }
        /* A truncated request through the keys that get past the key check. */
        req [0] = FUZZ_MODE_UNSIGNED;
        snprintf (file, sizeof file, "%s.cut.req", name);
        s_write (s_handler_dir, file, req, len / 2 + 1);
        free (req);
    }
    free (buf);
}

/* Builds a delta. */
static us_delta_t
s_delta (uint64_t seq, const char *unit, const char *ind, int month, int64_t value,
         bool clear, uint64_t base, const char *author, const char *note)
{
    return (us_delta_t) { .seq = seq, .unit = unit, .indicator = ind, .month = month,
                          .value = value, .clear = clear, .hlc = HLC (T0 + (int64_t) seq),
                          .base_version = base, .author = author, .note = note };
}

static bool s_resent;        /* the next Push re-sends edits after a restore */

/* Writes a Push of n deltas in both wires (NAME for wire 2, NAME-v1 for
   wire 1), and the signed bytes of each alone, as a kept batch. */
static void
s_push (const char *name, uint32_t epoch, us_delta_t *d, size_t n,
        const uint8_t *sig, size_t sig_len, bool to_server)
{
    for (uint32_t wire = US_WIRE_OLDEST; wire <= US_WIRE_VERSION; wire++) {
        char file [256];
        snprintf (file, sizeof file, "%s%s", name, wire == 1 ? "-v1" : "");
        us_msg_t msg = { .type = US_MSG_PUSH, .wire = wire, .request_id = 2 };
        msg.push = (us_push_t) { .epoch = epoch, .resent = s_resent, .count = n, .deltas = d,
                                 .signature = sig, .signature_len = sig_len };
        s_seed (file, &msg, to_server);
        uint8_t *bytes;
        size_t len;
        if (us_codec_signed_bytes (&bytes, &len, &msg.push, wire) != 0) {
            fprintf (stderr, "make_corpus: cannot encode the batch of %s\n", file);
            exit (1);
        }
        snprintf (file, sizeof file, "batch-%s%s.pb", name, wire == 1 ? "-v1" : "");
        s_write (s_codec_dir, file, bytes, len);
        free (bytes);
    }
}

static void
s_requests (void)
{
    us_msg_t msg;

    /* Hello: a first session, a later one, and a clock far ahead. */
    msg = (us_msg_t) { .type = US_MSG_HELLO, .request_id = 1 };
    msg.hello = (us_hello_t) { .epoch = 1, .last_seq = 0, .checkpoint = 0, .hlc = HLC (T0),
                               .wire = US_WIRE_VERSION };
    s_seed ("hello", &msg, true);
    msg.wire = 1;                   /* an office not yet upgraded */
    msg.hello.wire = 0;
    s_seed ("hello-v1", &msg, true);
    msg.wire = 0;
    msg.hello = (us_hello_t) { .epoch = 2, .last_seq = 40, .checkpoint = 12, .hlc = HLC (T0) };
    s_seed ("hello-later", &msg, true);
    msg.hello = (us_hello_t) { .epoch = 0, .last_seq = UINT64_MAX, .checkpoint = UINT64_MAX,
                               .hlc = UINT64_MAX };
    s_seed ("hello-extreme", &msg, true);
    /* `audit check`: the lengths of the heads an office holds. */
    static const uint64_t held [] = { 0, 1, 6, 42, UINT64_MAX };
    msg.hello = (us_hello_t) { .epoch = 1, .hlc = HLC (T0), .wire = US_WIRE_VERSION,
                               .audit_counts = held, .n_audit_counts = 5 };
    s_seed ("hello-audit-check", &msg, true);

    /* Push: ordinary deltas with notes and a clear, as a district sends them. */
    char long_note [US_MAX_NOTE + 1];
    memset (long_note, 'n', US_MAX_NOTE);
    long_note [US_MAX_NOTE] = 0;
    us_delta_t basic [] = {
        s_delta (1, FUZZ_DISTRICT, "members.new", FUZZ_MONTH (2022, 1), 5, false, 0, "lan", ""),
        s_delta (2, FUZZ_GRASSROOTS, "members.total", FUZZ_MONTH (2022, 2), 120, false, 0,
                 "lan", "ghi chú: số liệu đã đối chiếu"),
        s_delta (3, FUZZ_DISTRICT, "cdcs.new", FUZZ_MONTH (2022, 3), 0, true, 0, "hoa",
                 "xóa số liệu nhập nhầm"),
        s_delta (4, FUZZ_DISTRICT, "members.new", FUZZ_MONTH (2022, 1), 7, false, 1, "lan",
                 "sửa lại"),
        s_delta (5, FUZZ_DISTRICT, "party.introduced", FUZZ_MONTH (2022, 4), 3, false, 0,
                 "hoa", long_note),
        s_delta (6, FUZZ_DISTRICT, "party.admitted", FUZZ_MONTH (2022, 4), 2, false, 0,
                 "hoa", ""),
    };
    s_push ("push", 1, basic, sizeof basic / sizeof basic [0], NULL, 0, true);

    /* Push: every reason to reject, and a concurrent edit of the same cell. */
    us_delta_t bad [] = {
        s_delta (10, FUZZ_OTHER, "members.new", FUZZ_MONTH (2022, 2), 1, false, 0, "lan", ""),
        s_delta (11, "QT.NOWHERE", "members.new", FUZZ_MONTH (2022, 2), 1, false, 0, "lan", ""),
        s_delta (12, FUZZ_DISTRICT, "no.such.indicator", FUZZ_MONTH (2022, 2), 1, false, 0,
                 "lan", ""),
        s_delta (13, FUZZ_DISTRICT, "cla.coverage", FUZZ_MONTH (2022, 2), 50, false, 0, "lan", ""),
        s_delta (14, FUZZ_DISTRICT, "members.new", FUZZ_MONTH (2022, 2), -4, false, 0, "lan", ""),
        s_delta (15, FUZZ_LOCKED_UNIT, "members.new", FUZZ_MONTH (2021, 11), 9, false, 0,
                 "tinh", "khóa sổ"),
        s_delta (16, FUZZ_DISTRICT, "members.new", FUZZ_MONTH (2022, 1), 11, false, 0, "minh",
                 "sửa đồng thời"),
        s_delta (16, FUZZ_DISTRICT, "members.new", FUZZ_MONTH (2022, 1), 12, false, 0, "minh",
                 "trùng seq"),
        s_delta (17, FUZZ_SECTOR, "training.classes", FUZZ_MONTH (2199, 12), INT64_MAX, false,
                 UINT64_MAX, "x", ""),
        s_delta (UINT64_MAX, FUZZ_DISTRICT, "members.total", FUZZ_MONTH (1990, 1), 0, false,
                 0, "x", ""),
    };
    bad [8].hlc = UINT64_MAX;               /* far ahead: clamped */
    s_push ("push-rejects", 1, bad, sizeof bad / sizeof bad [0], NULL, 0, true);

    /* Push: a signature that does not verify, an old epoch, nothing at all. */
    uint8_t sig [64];
    for (size_t i = 0; i < sizeof sig; i++)
        sig [i] = (uint8_t) (i * 37 + 11);
    s_push ("push-badsig", 1, basic, 2, sig, sizeof sig, true);
    s_push ("push-epoch0", 0, basic, 1, NULL, 0, true);
    s_push ("push-empty", 1, NULL, 0, NULL, 0, true);
    s_resent = true;            /* edits sent again after the province went back */
    s_push ("push-resent", 1, basic, 2, NULL, 0, true);
    s_resent = false;
    /* Not for the handler: its replicas could never push again (the store
       keeps each replica's highest epoch), which would starve the run. */
    s_push ("push-epoch-max", UINT32_MAX, basic + 3, 1, NULL, 0, false);

    /* Pull: from the start, a small page, and past the end. */
    msg = (us_msg_t) { .type = US_MSG_PULL, .request_id = 3 };
    msg.pull = (us_pull_t) { .since = 0, .limit = 0 };
    s_seed ("pull", &msg, true);
    msg.pull = (us_pull_t) { .since = 3, .limit = 2 };
    s_seed ("pull-page", &msg, true);
    msg.pull = (us_pull_t) { .since = UINT64_MAX, .limit = UINT32_MAX };
    s_seed ("pull-extreme", &msg, true);
    /* Anti-entropy: a pull asking the top digest of 20 years, a repair of
       three months, and the month digests of 2022. */
    msg.pull = (us_pull_t) { .since = 0, .limit = 2000,
        .digest_first = FUZZ_MONTH (2006, 12), .digest_last = FUZZ_MONTH (2026, 11),
        .months = NULL, .n_months = 0 };
    s_seed ("pull-digest", &msg, true);
    static const int repair [3] = { FUZZ_MONTH (2022, 1), FUZZ_MONTH (2022, 2),
                                    FUZZ_MONTH (2022, 5) };
    msg.pull = (us_pull_t) { .since = 4, .limit = 0, .digest_first = 0, .digest_last = 0,
                             .months = repair, .n_months = 3 };
    s_seed ("pull-repair", &msg, true);
    msg = (us_msg_t) { .type = US_MSG_DIGEST, .request_id = 6 };
    msg.digest = (us_digest_req_t) { .first = FUZZ_MONTH (2022, 1),
                                     .last = FUZZ_MONTH (2022, 12) };
    s_seed ("digest", &msg, true);

    /* Submit: in scope, a range, locked, out of scope, and a bad period. */
    msg = (us_msg_t) { .type = US_MSG_SUBMIT, .request_id = 4 };
    msg.submit = (us_submit_t) { FUZZ_DISTRICT, "2022-Q1", HLC (T0), false };
    s_seed ("submit", &msg, true);
    msg.submit = (us_submit_t) { FUZZ_GRASSROOTS, "2022-01..2022-05", HLC (T0), false };
    s_seed ("submit-range", &msg, true);
    msg.submit = (us_submit_t) { FUZZ_LOCKED_UNIT, FUZZ_LOCKED_PERIOD, HLC (T0), false };
    s_seed ("submit-locked", &msg, true);
    msg.submit = (us_submit_t) { FUZZ_OTHER, "2022-Q1", HLC (T0), false };
    s_seed ("submit-other", &msg, true);
    msg.submit = (us_submit_t) { FUZZ_SECTOR, "2022-H2", HLC (T0), false };
    s_seed ("submit-scope", &msg, true);
    msg.submit = (us_submit_t) { FUZZ_DISTRICT, "2022-13", UINT64_MAX, false };
    s_seed ("submit-badperiod", &msg, true);
}

static void
s_replies (void)
{
    us_msg_t msg;

    msg = (us_msg_t) { .type = US_MSG_WELCOME, .request_id = 1 };
    msg.welcome = (us_welcome_t) { .server_time = HLC (T0), .epoch = 1, .high_water = 6,
                                   .unit = FUZZ_DISTRICT, .head = 42, .wire = US_WIRE_VERSION,
                                   .min_wire = 1 };
    s_seed ("welcome", &msg, false);
    /* A Welcome with a signed audit head and the proof of two held heads. */
    static const uint8_t hash [32] = { 1, 2, 3 }, sig [64] = { 4, 5, 6 }, key [32] = { 7 };
    us_bytes_t proof [2] = { { hash, 32 }, { NULL, 0 } };
    msg.welcome.audit_records = 42;
    msg.welcome.audit_hash = (us_bytes_t) { hash, 32 };
    msg.welcome.audit_signature = (us_bytes_t) { sig, 64 };
    msg.welcome.audit_key = (us_bytes_t) { key, 32 };
    msg.welcome.audit_proof = proof;
    msg.welcome.n_audit_proof = 2;
    s_seed ("welcome-audit-head", &msg, false);
    /* The restores declared in the chain, answering `audit check`. */
    us_restore_notice_t restores [2] = {
        { 7, T0, 10, { hash, 32 }, 6, "Lê Văn Thủ", false },
        { 12, T0 + 1000, 0, { NULL, 0 }, 9, "Đông Hà", true } };
    msg.welcome.restores = restores;
    msg.welcome.n_restores = 2;
    s_seed ("welcome-restores", &msg, false);

    us_result_t results [] = {
        { 1, US_OUTCOME_ACCEPTED, "", 1, 5, false, false },
        { 2, US_OUTCOME_CONFLICT_WON, "concurrent edit by minh; decided by lww: later clock",
          3, 120, false, false },
        { 3, US_OUTCOME_CONFLICT_LOST, "concurrent edit by lan; decided by lww: replica id",
          2, 0, true, false },
        { 4, US_OUTCOME_REJECTED, "unit QT.B is outside the scope of this replica", 0, 0, true,
          true },
    };
    msg = (us_msg_t) { .type = US_MSG_PUSH_ACK, .request_id = 2 };
    msg.push_ack = (us_push_ack_t) { 4, results };
    s_seed ("push-ack", &msg, true);     /* unexpected at the server: an Error reply */

    us_unit_def_t units [] = {
        { FUZZ_PROVINCE, "Liên đoàn Lao động tỉnh Quảng Trị", "", "province", "", "", "", "" },
        { FUZZ_DISTRICT, "LĐLĐ huyện A", FUZZ_PROVINCE, "district", "2020-01", "", "", "" },
    };
    us_indicator_def_t inds [] = {
        { "members.new", "Phát triển đoàn viên mới", "flow", "", "", "lww", "", 0 },
        { "cla.coverage", "Tỷ lệ CĐCS doanh nghiệp có thỏa ước", "ratio", "cdcs.with_cla",
          "cdcs.cla_eligible", "lww", "", 14 },
        { "party.admitted", "Đoàn viên được kết nạp Đảng", "flow", "", "", "lww",
          "<= party.introduced", 9 },
    };
    us_cell_change_t cells [] = {
        { FUZZ_DISTRICT, "members.new", FUZZ_MONTH (2022, 1), 7, false, 2, HLC (T0), "lan",
          "sửa lại", false },
        { FUZZ_GRASSROOTS, "members.total", FUZZ_MONTH (2022, 2), 0, true, 1, HLC (T0), "tinh",
          "province correction", true },
    };
    us_target_def_t targets [] = {
        { FUZZ_DISTRICT, "members.new", "2022", "tld", 100, 100, false, 1 },
        { FUZZ_DISTRICT, "members.total", "2022-H1", "province", 500, 650, true, 3 },
    };
    us_conflict_notice_t conflicts [] = {
        { 1, FUZZ_DISTRICT, "members.new", FUZZ_MONTH (2022, 1), 11, false, "minh", 7, false,
          "lan", "lww: later clock", HLC (T0) },
    };
    us_submission_state_t subs [] = {
        { FUZZ_DISTRICT, "2022-Q1", "submitted", HLC (T0) },
        { FUZZ_OTHER, "2022-Q1", "approved", HLC (T0) },
    };
    msg = (us_msg_t) { .type = US_MSG_CHANGES, .request_id = 3 };
    msg.changes = (us_changes_t) { .next = 17, .more = true,
        .n_units = 2, .units = units, .n_indicators = 3, .indicators = inds,
        .n_cells = 2, .cells = cells, .n_targets = 2, .targets = targets,
        .n_conflicts = 1, .conflicts = conflicts, .n_submissions = 2, .submissions = subs };
    s_seed ("changes", &msg, true);      /* unexpected at the server */
    msg.changes = (us_changes_t) { .next = 0, .more = false };
    s_seed ("changes-empty", &msg, false);

    static const int repaired [2] = { FUZZ_MONTH (2022, 1), FUZZ_MONTH (2022, 2) };
    static const uint8_t top [32] = { 9, 8, 7 };
    msg.changes = (us_changes_t) { .next = 4, .more = true, .n_cells = 2, .cells = cells,
        .digest = { .data = NULL, .len = 0 }, .n_months = 2, .months = (int *) repaired };
    s_seed ("changes-repair", &msg, false);
    msg.changes = (us_changes_t) { .next = 18, .more = false,
        .digest = { .data = top, .len = 32 }, .n_months = 0, .months = NULL };
    s_seed ("changes-digest", &msg, false);

    us_month_hash_t months [2] = {
        { .month = FUZZ_MONTH (2022, 1), .digest = { .data = top, .len = 32 } },
        { .month = FUZZ_MONTH (2022, 5), .digest = { .data = hash, .len = 32 } },
    };
    msg = (us_msg_t) { .type = US_MSG_DIGESTS, .request_id = 6 };
    msg.digests = (us_digests_t) { .head = 42, .count = 2, .months = months };
    s_seed ("digests", &msg, true);      /* unexpected at the server */

    msg = (us_msg_t) { .type = US_MSG_WELCOME, .request_id = 1 };
    msg.welcome = (us_welcome_t) { .server_time = HLC (T0), .epoch = 1, .high_water = 6,
                                   .unit = FUZZ_DISTRICT, .head = 42, .wire = US_WIRE_VERSION,
                                   .min_wire = 1, .digest_months = US_DIGEST_MONTHS };
    s_seed ("welcome-digest", &msg, false);

    msg = (us_msg_t) { .type = US_MSG_SUBMIT_ACK, .request_id = 4 };
    msg.submit_ack = (us_submit_ack_t) { false, "locked: the period is approved", "approved" };
    s_seed ("submit-ack", &msg, false);

    msg = (us_msg_t) { .type = US_MSG_ERROR, .request_id = 5 };
    msg.error = (us_error_reply_t) { US_EPERM, "replica key is not enrolled" };
    s_seed ("error", &msg, false);
    msg.wire = 1;
    msg.error = (us_error_reply_t) { US_EVERSION, "this office's unionsync speaks wire 1; the "
                                     "province's server accepts wire 2 and later: upgrade unionsync" };
    s_seed ("error-upgrade", &msg, false);
}

/*  Hand-made protobuf, for messages the encoder refuses to make: each one
    breaks one bound the decoder must enforce. */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} s_pb_t;

static void
s_pb_put (s_pb_t *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2 + 64;
        b->data = realloc (b->data, b->cap);
        if (!b->data)
            exit (1);
    }
    memcpy (b->data + b->len, data, len);
    b->len += len;
}

static void
s_pb_varint (s_pb_t *b, uint64_t v)
{
    uint8_t byte;
    do {
        byte = (uint8_t) (v & 0x7f);
        v >>= 7;
        if (v)
            byte |= 0x80;
        s_pb_put (b, &byte, 1);
    } while (v);
}

/* A varint field. */
static void
s_pb_int (s_pb_t *b, int field, uint64_t v)
{
    s_pb_varint (b, (uint64_t) field << 3);
    s_pb_varint (b, v);
}

/* A length-delimited field (string, bytes or message). */
static void
s_pb_bytes (s_pb_t *b, int field, const void *data, size_t len)
{
    s_pb_varint (b, (uint64_t) field << 3 | 2);
    s_pb_varint (b, len);
    s_pb_put (b, data, len);
}

/* A string field of n copies of c. */
static void
s_pb_fill (s_pb_t *b, int field, char c, size_t n)
{
    char *text = malloc (n + 1);
    if (!text)
        exit (1);
    memset (text, c, n);
    s_pb_bytes (b, field, text, n);
    free (text);
}

/* Writes an envelope of wire version 1 around body (field) to the codec
   corpus, and to the handler corpus behind the unsigned key's selector. */
static void
s_pb_seed (const char *name, int field, s_pb_t *body, uint32_t version)
{
    s_pb_t env = { 0 };
    uint8_t mode = FUZZ_MODE_UNSIGNED;
    s_pb_put (&env, &mode, 1);
    s_pb_int (&env, 1, version);
    s_pb_int (&env, 2, 77);
    s_pb_bytes (&env, field, body->data, body->len);
    char file [256];
    snprintf (file, sizeof file, "%s.pb", name);
    s_write (s_codec_dir, file, env.data + 1, env.len - 1);
    snprintf (file, sizeof file, "%s.req", name);
    s_write (s_handler_dir, file, env.data, env.len);
    free (env.data);
    free (body->data);
    memset (body, 0, sizeof *body);
}

/* The start of a Push: its epoch and one-name tables (unit, indicator, author). */
static void
s_pb_push (s_pb_t *push, const char *unit, size_t unit_len)
{
    s_pb_int (push, 1, 1);
    s_pb_bytes (push, 2, unit, unit_len);
    s_pb_bytes (push, 3, "members.new", 11);
    s_pb_bytes (push, 4, "lan", 3);
}

/* Writes a wire-2 Push around a hand-made Batch (and the Batch alone). */
static void
s_pb_batch_seed (const char *name, s_pb_t *batch)
{
    char file [256];
    snprintf (file, sizeof file, "kept-%s.pb", name);
    s_write (s_codec_dir, file, batch->data, batch->len);
    s_pb_t push = { 0 };
    s_pb_bytes (&push, 7, batch->data, batch->len);
    s_pb_fill (&push, 6, 's', 64);
    free (batch->data);
    memset (batch, 0, sizeof *batch);
    s_pb_seed (name, 12, &push, US_WIRE_VERSION);
}

/* The start of a Batch: format 2, epoch 1, one-name tables, the bases. */
static void
s_pb_batch (s_pb_t *b, uint64_t month_base)
{
    s_pb_int (b, 1, US_WIRE_VERSION);
    s_pb_int (b, 2, 1);
    s_pb_bytes (b, 3, FUZZ_DISTRICT, strlen (FUZZ_DISTRICT));
    s_pb_bytes (b, 4, "members.new", 11);
    s_pb_bytes (b, 5, "lan", 3);
    s_pb_int (b, 6, 100);
    s_pb_int (b, 7, HLC (T0));
    s_pb_int (b, 8, month_base);
}

/* Hand-made batches, each breaking one bound of the Batch. */
static void
s_bounds_batch (void)
{
    s_pb_t b = { 0 }, d = { 0 };
    const int month = FUZZ_MONTH (2022, 5);

    /* Months: a step out of the calendar, and a base outside it. */
    s_pb_batch (&b, (uint64_t) month);
    s_pb_int (&d, 1, 2);                    /* seq +1 (zigzag) */
    s_pb_int (&d, 4, 2 * 12 * 300);         /* month +3600 (zigzag) */
    s_pb_bytes (&b, 9, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_batch_seed ("batch-month-step", &b);
    s_pb_batch (&b, 5);
    s_pb_bytes (&b, 9, "", 0);
    s_pb_batch_seed ("batch-month-base", &b);

    /* Indexes past the tables, a note over its limit, seq and clock
       steps that wrap around 2^64. */
    s_pb_batch (&b, (uint64_t) month);
    s_pb_int (&d, 2, 1);
    s_pb_bytes (&b, 9, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_batch_seed ("batch-index", &b);
    s_pb_batch (&b, (uint64_t) month);
    s_pb_fill (&d, 10, 'n', US_MAX_NOTE + 1);
    s_pb_bytes (&b, 9, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_batch_seed ("batch-note", &b);
    s_pb_batch (&b, (uint64_t) month);
    s_pb_int (&d, 1, 201);                  /* seq -101: wraps below 0 */
    s_pb_int (&d, 7, UINT64_MAX);           /* clock - 2^63 */
    s_pb_bytes (&b, 9, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_batch_seed ("batch-wrap", &b);

    /* A batch of another format, and a wire-2 Push that also carries
       wire-1 fields. */
    s_pb_int (&b, 1, US_WIRE_VERSION + 1);
    s_pb_batch_seed ("batch-format", &b);
    s_pb_push (&b, FUZZ_DISTRICT, strlen (FUZZ_DISTRICT));
    s_pb_seed ("push-mixed", 12, &b, US_WIRE_VERSION);
}

static void
s_bounds (void)
{
    s_pb_t b = { 0 }, d = { 0 };
    const int month = FUZZ_MONTH (2022, 5);

    /* A delta whose note is one byte over the limit. */
    s_pb_push (&b, FUZZ_DISTRICT, strlen (FUZZ_DISTRICT));
    s_pb_int (&d, 1, 1);
    s_pb_int (&d, 4, (uint64_t) month);
    s_pb_int (&d, 5, 3);
    s_pb_fill (&d, 10, 'n', US_MAX_NOTE + 1);
    s_pb_bytes (&b, 5, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_seed ("bound-note", 12, &b, 1);

    /* A unit code one byte over the limit. */
    char code [US_MAX_CODE + 1];
    memset (code, 'U', sizeof code);
    s_pb_push (&b, code, sizeof code);
    s_pb_int (&d, 1, 1);
    s_pb_int (&d, 4, (uint64_t) month);
    s_pb_bytes (&b, 5, d.data, d.len);
    s_pb_seed ("bound-code", 12, &b, 1);

    /* Index past the end of the table, and a month outside the calendar. */
    s_pb_push (&b, FUZZ_DISTRICT, strlen (FUZZ_DISTRICT));
    s_pb_bytes (&b, 5, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_int (&d, 1, 2);
    s_pb_int (&d, 2, 1);
    s_pb_int (&d, 4, (uint64_t) month);
    s_pb_bytes (&b, 5, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_seed ("bound-index", 12, &b, 1);
    s_pb_push (&b, FUZZ_DISTRICT, strlen (FUZZ_DISTRICT));
    s_pb_int (&d, 1, 1);
    s_pb_int (&d, 4, FUZZ_MONTH (1989, 12));
    s_pb_bytes (&b, 5, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_seed ("bound-month", 12, &b, 1);

    /* A signature one byte over the limit. */
    s_pb_push (&b, FUZZ_DISTRICT, strlen (FUZZ_DISTRICT));
    s_pb_fill (&b, 6, 's', US_MAX_SIG + 1);
    s_pb_seed ("bound-signature", 12, &b, 1);

    /* The count limits (US_MAX_DELTAS, US_MAX_TABLE, US_MAX_PAGE) need seeds
       of 8 to 40 KB, which slow every run twentyfold as the fuzzer keeps
       mutating them; those limits are left to tests/unit/test_codec.c. */

    /* A unit definition whose name is one byte over the limit. */
    s_pb_fill (&d, 2, 'N', US_MAX_NAME + 1);
    s_pb_bytes (&b, 5, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_seed ("bound-unit-name", 15, &b, 1);

    /* A PushAck whose reason is one byte over the limit, and an unknown outcome. */
    s_pb_int (&d, 2, US_OUTCOME_REJECTED);
    s_pb_fill (&d, 3, 'r', US_MAX_NOTE + 1);
    s_pb_bytes (&b, 1, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_seed ("bound-reason", 13, &b, 1);
    s_pb_int (&d, 2, 9);
    s_pb_bytes (&b, 1, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_seed ("bound-outcome", 13, &b, 1);

    /* A Submit whose period is longer than any period, and wire version 3. */
    s_pb_bytes (&b, 1, FUZZ_DISTRICT, strlen (FUZZ_DISTRICT));
    s_pb_fill (&b, 2, '2', US_PERIOD_TEXT + 1);
    s_pb_seed ("bound-period", 16, &b, 1);
    s_pb_int (&b, 1, 1);
    s_pb_seed ("bound-version", 10, &b, US_WIRE_VERSION + 1);

    /* Anti-entropy past its bounds: a digest of 31 years, one backwards,
       a repair of 65 months, one of months out of order, a month digest
       of 31 bytes, and a digest on a page of 33. */
    s_pb_int (&b, 1, FUZZ_MONTH (2000, 1));
    s_pb_int (&b, 2, FUZZ_MONTH (2030, 12));
    s_pb_seed ("bound-digest-range", 19, &b, US_WIRE_VERSION);
    s_pb_int (&b, 1, FUZZ_MONTH (2022, 5));
    s_pb_int (&b, 2, FUZZ_MONTH (2022, 4));
    s_pb_seed ("bound-digest-backwards", 19, &b, US_WIRE_VERSION);
    for (int i = 0; i <= US_REPAIR_MONTHS; i++)
        s_pb_int (&b, 5, (uint64_t) FUZZ_MONTH (2015, 1) + (uint64_t) i);
    s_pb_seed ("bound-repair-months", 14, &b, US_WIRE_VERSION);
    s_pb_int (&b, 5, FUZZ_MONTH (2022, 5));
    s_pb_int (&b, 5, FUZZ_MONTH (2022, 4));
    s_pb_seed ("bound-repair-order", 14, &b, US_WIRE_VERSION);
    s_pb_int (&d, 1, FUZZ_MONTH (2022, 5));
    s_pb_fill (&d, 2, 'h', 31);
    s_pb_bytes (&b, 2, d.data, d.len);
    free (d.data);
    memset (&d, 0, sizeof d);
    s_pb_seed ("bound-month-digest", 20, &b, US_WIRE_VERSION);
    s_pb_fill (&b, 12, 'h', 33);
    s_pb_seed ("bound-page-digest", 15, &b, US_WIRE_VERSION);

    s_bounds_batch ();
}

/* Creates dir and its parents; existing ones are fine. */
static void
s_mkdir (const char *dir)
{
    char path [4096];
    snprintf (path, sizeof path, "%s", dir);
    for (char *p = path + 1; ; p++) {
        bool last = *p == 0;
        if (*p == '/' || last) {
            *p = 0;
            if (mkdir (path, 0755) != 0 && errno != EEXIST) {
                fprintf (stderr, "make_corpus: cannot create %s: %s\n", path, strerror (errno));
                exit (1);
            }
            if (last)
                break;
            *p = '/';
        }
    }
}

int
main (int argc, char **argv)
{
    if (argc != 3) {
        fprintf (stderr, "usage: make_corpus CODEC_DIR HANDLER_DIR\n");
        return 2;
    }
    s_codec_dir = argv [1];
    s_handler_dir = argv [2];
    s_mkdir (s_codec_dir);
    s_mkdir (s_handler_dir);
    s_requests ();
    s_replies ();
    s_bounds ();
    /* A few byte strings that are no message at all. */
    static const uint8_t junk [][4] = { { 0 }, { 0x08, 0x02 }, { 0x08, 0x01, 0x52, 0x7f },
                                        { 0xff, 0xff, 0xff, 0xff } };
    for (size_t i = 0; i < sizeof junk / sizeof junk [0]; i++) {
        char name [32];
        snprintf (name, sizeof name, "junk%zu.pb", i);
        s_write (s_codec_dir, name, junk [i], i + 1);
        snprintf (name, sizeof name, "junk%zu.req", i);
        s_write (s_handler_dir, name, junk [i], i + 1);
    }
    printf ("make_corpus: %d seed files\n", s_files);
    return 0;
}
