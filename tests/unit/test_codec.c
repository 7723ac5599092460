/*  Unit tests for us_codec: round trips of every message in both wire
    versions, the signed bytes of a Push, bounds, the decoding budget,
    malformed input and the size of a Push on the wire. */
#include "us_codec.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_period.h"

#include "us_test.h"

#include <sys/resource.h>

#define M(y, m) ((y) * 12 + (m) - 1)

/* Encodes msg, failing the test on error; the caller frees *buf. */
static size_t
s_encode (uint8_t **buf, const us_msg_t *msg)
{
    size_t len = 0;
    int rc = us_codec_encode (buf, &len, msg);
    cr_assert_eq (rc, 0, "encode %s: %s", us_msg_type_name (msg->type), us_error_msg ());
    return len;
}

/* Encodes then decodes msg; the caller destroys the result. */
static us_msg_t *
s_round_trip (const us_msg_t *msg)
{
    uint8_t *buf;
    size_t len = s_encode (&buf, msg);
    us_msg_t *out = NULL;
    int rc = us_codec_decode (&out, buf, len);
    free (buf);
    cr_assert_eq (rc, 0, "decode %s: %s", us_msg_type_name (msg->type), us_error_msg ());
    cr_assert_not_null (out);
    cr_assert_eq (out->type, msg->type);
    cr_assert_eq (out->request_id, msg->request_id);
    return out;
}

/* Decodes an exact-size heap copy of data (so reads past the end are
   caught by the sanitizers); returns the code and destroys the message
   after checking that a successful decode is internally consistent. */
static int
s_decode_checked (const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc (len ? len : 1);
    cr_assert_not_null (copy);
    if (len)
        memcpy (copy, data, len);
    us_msg_t *msg = (us_msg_t *) 1;
    int rc = us_codec_decode (&msg, copy, len);
    free (copy);
    if (rc != 0) {
        cr_assert_eq (rc, US_EPROTO, "decode returned %d, not US_EPROTO", rc);
        cr_assert_null (msg);
        return rc;
    }
    cr_assert_not_null (msg);
    if (msg->type == US_MSG_PUSH) {
        cr_assert_not_null (msg->push.batch, "a decoded push has its signed bytes");
        cr_assert_gt (msg->push.batch_len, 0);
        cr_assert_leq (msg->push.count, US_MAX_DELTAS);
        cr_assert_leq (msg->push.signature_len, US_MAX_SIG);
        for (size_t i = 0; i < msg->push.count; i++) {
            const us_delta_t *d = &msg->push.deltas [i];
            cr_assert_not_null (d->unit);
            cr_assert_not_null (d->indicator);
            cr_assert_not_null (d->author);
            cr_assert_not_null (d->note);
            cr_assert_leq (strlen (d->unit), US_MAX_CODE);
            cr_assert_leq (strlen (d->indicator), US_MAX_CODE);
            cr_assert_leq (strlen (d->author), US_MAX_CODE);
            cr_assert_leq (strlen (d->note), US_MAX_NOTE);
            cr_assert (us_month_valid (d->month), "month %d", d->month);
        }
    }
    else
    if (msg->type == US_MSG_CHANGES) {
        const us_changes_t *c = &msg->changes;
        for (size_t i = 0; i < c->n_cells; i++) {
            cr_assert_not_null (c->cells [i].unit);
            cr_assert_not_null (c->cells [i].indicator);
            cr_assert (us_month_valid (c->cells [i].month));
        }
        for (size_t i = 0; i < c->n_targets; i++)
            cr_assert_not_null (c->targets [i].unit);
        for (size_t i = 0; i < c->n_conflicts; i++)
            cr_assert_not_null (c->conflicts [i].indicator);
        for (size_t i = 0; i < c->n_submissions; i++)
            cr_assert_not_null (c->submissions [i].unit);
    }
    us_msg_destroy (&msg);
    cr_assert_null (msg);
    return 0;
}

/* Fills deltas for a Push with shared tables, notes and clears. */
static void
s_fill_deltas (us_delta_t *d, size_t n)
{
    static const char *units [] = { "QT.DAKRONG", "QT.DAKRONG.CS1", "QT.DAKRONG.CS2" };
    static const char *inds [] = { "members.new", "members.total", "cdcs.new",
                                   "party.introduced", "party.admitted" };
    static const char *authors [] = { "ketoan", "chu.tich" };
    for (size_t i = 0; i < n; i++) {
        d [i] = (us_delta_t) {
            .seq = i + 1,
            .unit = units [i % 3],
            .indicator = inds [i % 5],
            .month = M (2022, (int) (i % 12) + 1),
            .value = (int64_t) (i * 37 % 2500),
            .clear = i % 11 == 5,
            .hlc = us_hlc_make (1657843200000 + (int64_t) i * 1000, (uint16_t) (i % 3)),
            .base_version = i % 4,
            .author = authors [i % 2],
            .note = i % 7 == 0 ? "số liệu điều chỉnh theo báo cáo quý" : "",
        };
    }
}

/* Hello round trips with every field. */
Test (codec, hello)
{
    us_msg_t m = { .type = US_MSG_HELLO, .request_id = 77,
                   .hello = { 3, 123456789012ULL, 99, 0xFFFFFFFFFFFFULL, 0, 4242, "abc123" } };
    m.hello.checkpoint_mark = 0xFEDCBA9876543210ULL;
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->hello.acked, 4242);
    cr_assert_eq (o->hello.checkpoint_mark, 0xFEDCBA9876543210ULL);
    cr_assert_str_eq (o->hello.incarnation, "abc123");
    cr_assert_eq (o->hello.epoch, 3);
    cr_assert_eq (o->hello.last_seq, 123456789012ULL);
    cr_assert_eq (o->hello.checkpoint, 99);
    cr_assert_eq (o->hello.hlc, 0xFFFFFFFFFFFFULL);
    us_msg_destroy (&o);
}

/* Welcome round trips with every field. */
Test (codec, welcome)
{
    const char *recoded [2] = { "QT.CAMLO QB.QT.CAMLO", "QT.X QB.QT.X" };
    us_msg_t m = { .type = US_MSG_WELCOME, .request_id = UINT64_MAX,
                   .welcome = { .server_time = us_hlc_make (1657843200000, 4), .epoch = 2,
                                .high_water = 500, .unit = "QT.DAKRONG", .head = 1234,
                                .incarnation = "0f1e2d3c", .recoded = recoded,
                                .n_recoded = 2 } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_str_eq (o->welcome.incarnation, "0f1e2d3c");
    cr_assert_eq (o->welcome.n_recoded, 2);
    cr_assert_str_eq (o->welcome.recoded [0], "QT.CAMLO QB.QT.CAMLO");
    cr_assert_str_eq (o->welcome.recoded [1], "QT.X QB.QT.X");
    cr_assert_eq (o->welcome.server_time, us_hlc_make (1657843200000, 4));
    cr_assert_eq (o->welcome.epoch, 2);
    cr_assert_eq (o->welcome.high_water, 500);
    cr_assert_str_eq (o->welcome.unit, "QT.DAKRONG");
    cr_assert_eq (o->welcome.head, 1234);
    us_msg_destroy (&o);
}

/* The restores a Welcome names round trip; a restore whose head hash is
   not 32 bytes, or whose author is over-long, is refused. */
Test (codec, welcome_restores)
{
    uint8_t hash [32];
    memset (hash, 0xAB, sizeof hash);
    us_restore_notice_t r [2] = {
        { 7, 1795474724566ULL, 10, { hash, 32 }, 6, "Lê Văn Thủ", false },
        { 12, 1795474799000ULL, 0, { NULL, 0 }, 9, "dongha", true } };
    us_msg_t m = { .type = US_MSG_WELCOME, .request_id = 5,
                   .welcome = { .unit = "QT.DONGHA", .incarnation = "", .restores = r,
                                .n_restores = 2 } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->welcome.n_restores, 2);
    cr_assert_eq (o->welcome.restores [0].record, 7);
    cr_assert_eq (o->welcome.restores [0].at, 1795474724566ULL);
    cr_assert_eq (o->welcome.restores [0].before, 10);
    cr_assert_eq (o->welcome.restores [0].before_hash.len, 32);
    cr_assert_eq (memcmp (o->welcome.restores [0].before_hash.data, hash, 32), 0);
    cr_assert_eq (o->welcome.restores [0].backup, 6);
    cr_assert_str_eq (o->welcome.restores [0].by, "Lê Văn Thủ");
    cr_assert (!o->welcome.restores [0].noticed);
    cr_assert (o->welcome.restores [1].noticed);
    cr_assert_eq (o->welcome.restores [1].before_hash.len, 0);
    us_msg_destroy (&o);
    r [1].before_hash = (us_bytes_t) { hash, 31 };
    uint8_t *buf;
    size_t len;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), 0);
    cr_assert_eq (us_codec_decode (&o, buf, len), US_EPROTO);
    us_msg_destroy (&o);
    free (buf);
}

/* A batch sent again after a restore says so in its signed bytes. */
Test (codec, push_resent)
{
    us_delta_t d [3];
    s_fill_deltas (d, 3);
    us_msg_t m = { .type = US_MSG_PUSH, .request_id = 9,
                   .push = { .epoch = 1, .resent = true, .count = 3, .deltas = d } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert (o->push.resent);
    cr_assert_eq (o->push.epoch, 1);
    us_msg_destroy (&o);
    m.push.resent = false;
    o = s_round_trip (&m);
    cr_assert (!o->push.resent);
    us_msg_destroy (&o);
}

/* A Push with many deltas, shared tables, notes, clears and a signature
   round trips delta by delta. */
Test (codec, push_many)
{
    enum { N = 300 };
    us_delta_t d [N];
    s_fill_deltas (d, N);
    uint8_t sig [64];
    for (int i = 0; i < 64; i++)
        sig [i] = (uint8_t) (i * 7);
    us_msg_t m = { .type = US_MSG_PUSH, .request_id = 5,
                   .push = { .epoch = 4, .count = N, .deltas = d,
                             .signature = sig, .signature_len = 64, .acked = 31 } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->push.epoch, 4);
    cr_assert_eq (o->push.acked, 31);
    cr_assert_eq (o->push.count, N);
    cr_assert_eq (o->push.signature_len, 64);
    cr_assert_eq (memcmp (o->push.signature, sig, 64), 0);
    for (size_t i = 0; i < N; i++) {
        const us_delta_t *a = &d [i], *b = &o->push.deltas [i];
        cr_assert_eq (b->seq, a->seq);
        cr_assert_str_eq (b->unit, a->unit);
        cr_assert_str_eq (b->indicator, a->indicator);
        cr_assert_eq (b->month, a->month);
        cr_assert_eq (b->value, a->value);
        cr_assert_eq (b->clear, a->clear);
        cr_assert_eq (b->hlc, a->hlc);
        cr_assert_eq (b->base_version, a->base_version);
        cr_assert_str_eq (b->author, a->author);
        cr_assert_str_eq (b->note, a->note);
    }
    us_msg_destroy (&o);
}

/* Negative and extreme values survive; a NULL note arrives as "". */
Test (codec, push_extremes)
{
    us_delta_t d [2] = {
        { .seq = UINT64_MAX, .unit = "U", .indicator = "I", .month = US_YEAR_MIN * 12,
          .value = INT64_MIN, .hlc = UINT64_MAX, .base_version = UINT64_MAX, .author = "a",
          .note = NULL },
        { .seq = 1, .unit = "U", .indicator = "I", .month = US_YEAR_MAX * 12 + 11,
          .value = INT64_MAX, .author = "a", .note = "" },
    };
    us_msg_t m = { .type = US_MSG_PUSH, .push = { .count = 2, .deltas = d } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->push.deltas [0].seq, UINT64_MAX);
    cr_assert_eq (o->push.deltas [0].value, INT64_MIN);
    cr_assert_eq (o->push.deltas [0].hlc, UINT64_MAX);
    cr_assert_str_eq (o->push.deltas [0].note, "");
    cr_assert_eq (o->push.deltas [1].value, INT64_MAX);
    cr_assert_eq (o->push.deltas [1].month, US_YEAR_MAX * 12 + 11);
    cr_assert_eq (o->push.signature_len, 0);
    us_msg_destroy (&o);
}

/* An empty Push round trips. */
Test (codec, push_empty)
{
    us_msg_t m = { .type = US_MSG_PUSH, .push = { .epoch = 1 } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->push.count, 0);
    cr_assert_eq (o->push.epoch, 1);
    us_msg_destroy (&o);
}

/* PushAck round trips every outcome, reason and flag. */
Test (codec, push_ack)
{
    us_result_t r [4] = {
        { .seq = 1, .outcome = US_OUTCOME_ACCEPTED, .reason = "", .version = 1, .value = 10 },
        { .seq = 2, .outcome = US_OUTCOME_CONFLICT_WON, .reason = "lww: later clock",
          .version = 3, .value = 12, .duplicate = true },
        { .seq = 3, .outcome = US_OUTCOME_CONFLICT_LOST, .reason = "đã có người sửa",
          .version = 4, .value = 7 },
        { .seq = 4, .outcome = US_OUTCOME_REJECTED, .reason = "locked", .cleared = true },
    };
    us_msg_t m = { .type = US_MSG_PUSH_ACK, .request_id = 9,
                   .push_ack = { .count = 4, .results = r } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->push_ack.count, 4);
    for (int i = 0; i < 4; i++) {
        const us_result_t *a = &r [i], *b = &o->push_ack.results [i];
        cr_assert_eq (b->seq, a->seq);
        cr_assert_eq (b->outcome, a->outcome);
        cr_assert_str_eq (b->reason, a->reason);
        cr_assert_eq (b->version, a->version);
        cr_assert_eq (b->value, a->value);
        cr_assert_eq (b->cleared, a->cleared);
        cr_assert_eq (b->duplicate, a->duplicate);
    }
    us_msg_destroy (&o);
}

/* Pull round trips. */
Test (codec, pull)
{
    us_msg_t m = { .type = US_MSG_PULL, .request_id = 3,
                   .pull = { .since = 123456, .limit = 500, .acked = 4242, .epoch = 3 } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->pull.since, 123456);
    cr_assert_eq (o->pull.limit, 500);
    cr_assert_eq (o->pull.acked, 4242);
    cr_assert_eq (o->pull.epoch, 3);
    us_msg_destroy (&o);
}

/* A Changes page with every kind of entity round trips field by field. */
Test (codec, changes_every_kind)
{
    us_unit_def_t units [2] = {
        { "QT", "Liên đoàn Lao động tỉnh Quảng Trị", "", "province", "", "", "", "" },
        { "QT.DAKRONG", "LĐLĐ huyện Đakrông", "QT", "district", "2010-01", "2025-06",
          "QT.A=0.6,QT.B=0.4", "members.new:QT.A=0.7,QT.B=0.3;members.total:QT.A=1" },
    };
    us_indicator_def_t inds [2] = {
        { "members.new", "Phát triển đoàn viên mới", "flow", "", "", "lww", "", 0 },
        { "cla.coverage", "Tỷ lệ", "ratio", "cdcs.with_cla", "cdcs.cla_eligible", "max",
          "", 14 },
    };
    us_cell_change_t cells [3] = {
        { "QT.DAKRONG", "members.new", M (2022, 5), 120, false, 3, 999, "ketoan", "", false },
        { "QT.DAKRONG", "members.total", M (2022, 6), 0, true, 4, 1000, "tinh", "sửa", true },
        { "QT", "members.new", M (2021, 12), -5, false, 1, 1, "x", "n", false },
    };
    us_target_def_t targets [2] = {
        { "QT", "members.new", "2022", "tld", 1500, 1500, false, 1 },
        { "QT", "members.new", "2013..2018", "province", 6000, 7000, true, 2 },
    };
    us_conflict_notice_t conflicts [1] = {
        { 17, "QT.DAKRONG", "members.new", M (2022, 5), 12, false, "a", 0, true, "b",
          "lww: later clock", 555 },
    };
    us_submission_state_t subs [1] = { { "QT.DAKRONG", "2022-H1", "approved", 777 } };
    us_msg_t m = { .type = US_MSG_CHANGES, .request_id = 11, .changes = {
        .next = 4242, .more = true, .mark = 0x8000000000000001ULL,
        .n_units = 2, .units = units, .n_indicators = 2, .indicators = inds,
        .n_cells = 3, .cells = cells, .n_targets = 2, .targets = targets,
        .n_conflicts = 1, .conflicts = conflicts, .n_submissions = 1, .submissions = subs } };
    us_msg_t *o = s_round_trip (&m);
    const us_changes_t *c = &o->changes;
    cr_assert_eq (c->next, 4242);
    cr_assert_eq (c->mark, 0x8000000000000001ULL);
    cr_assert (c->more);
    cr_assert_eq (c->n_units, 2);
    for (int i = 0; i < 2; i++) {
        cr_assert_str_eq (c->units [i].code, units [i].code);
        cr_assert_str_eq (c->units [i].name, units [i].name);
        cr_assert_str_eq (c->units [i].parent, units [i].parent);
        cr_assert_str_eq (c->units [i].kind, units [i].kind);
        cr_assert_str_eq (c->units [i].valid_from, units [i].valid_from);
        cr_assert_str_eq (c->units [i].valid_to, units [i].valid_to);
        cr_assert_str_eq (c->units [i].successor, units [i].successor);
        cr_assert_str_eq (c->units [i].shares, units [i].shares);
    }
    cr_assert_eq (c->n_indicators, 2);
    for (int i = 0; i < 2; i++) {
        cr_assert_str_eq (c->indicators [i].code, inds [i].code);
        cr_assert_str_eq (c->indicators [i].name, inds [i].name);
        cr_assert_str_eq (c->indicators [i].kind, inds [i].kind);
        cr_assert_str_eq (c->indicators [i].numerator, inds [i].numerator);
        cr_assert_str_eq (c->indicators [i].denominator, inds [i].denominator);
        cr_assert_str_eq (c->indicators [i].policy, inds [i].policy);
        cr_assert_str_eq (c->indicators [i].rule, inds [i].rule);
        cr_assert_eq (c->indicators [i].position, inds [i].position);
    }
    cr_assert_eq (c->n_cells, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_str_eq (c->cells [i].unit, cells [i].unit);
        cr_assert_str_eq (c->cells [i].indicator, cells [i].indicator);
        cr_assert_eq (c->cells [i].month, cells [i].month);
        cr_assert_eq (c->cells [i].value, cells [i].value);
        cr_assert_eq (c->cells [i].cleared, cells [i].cleared);
        cr_assert_eq (c->cells [i].version, cells [i].version);
        cr_assert_eq (c->cells [i].hlc, cells [i].hlc);
        cr_assert_str_eq (c->cells [i].author, cells [i].author);
        cr_assert_str_eq (c->cells [i].note, cells [i].note);
        cr_assert_eq (c->cells [i].corrected, cells [i].corrected);
    }
    cr_assert_eq (c->n_targets, 2);
    for (int i = 0; i < 2; i++) {
        cr_assert_str_eq (c->targets [i].unit, targets [i].unit);
        cr_assert_str_eq (c->targets [i].indicator, targets [i].indicator);
        cr_assert_str_eq (c->targets [i].period, targets [i].period);
        cr_assert_str_eq (c->targets [i].source, targets [i].source);
        cr_assert_eq (c->targets [i].lo, targets [i].lo);
        cr_assert_eq (c->targets [i].hi, targets [i].hi);
        cr_assert_eq (c->targets [i].range, targets [i].range);
        cr_assert_eq (c->targets [i].version, targets [i].version);
    }
    cr_assert_eq (c->n_conflicts, 1);
    const us_conflict_notice_t *k = &c->conflicts [0];
    cr_assert_eq (k->id, 17);
    cr_assert_str_eq (k->unit, "QT.DAKRONG");
    cr_assert_str_eq (k->indicator, "members.new");
    cr_assert_eq (k->month, M (2022, 5));
    cr_assert_eq (k->winner_value, 12);
    cr_assert_not (k->winner_cleared);
    cr_assert_str_eq (k->winner_author, "a");
    cr_assert (k->loser_cleared);
    cr_assert_str_eq (k->loser_author, "b");
    cr_assert_str_eq (k->rule, "lww: later clock");
    cr_assert_eq (k->at, 555);
    cr_assert_eq (c->n_submissions, 1);
    cr_assert_str_eq (c->submissions [0].unit, "QT.DAKRONG");
    cr_assert_str_eq (c->submissions [0].period, "2022-H1");
    cr_assert_str_eq (c->submissions [0].state, "approved");
    cr_assert_eq (c->submissions [0].at, 777);
    us_msg_destroy (&o);
}

/* An empty Changes page (caught up) round trips. */
Test (codec, changes_empty)
{
    us_msg_t m = { .type = US_MSG_CHANGES, .changes = { .next = 9 } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->changes.next, 9);
    cr_assert_not (o->changes.more);
    cr_assert_eq (o->changes.n_units + o->changes.n_cells + o->changes.n_targets, 0);
    us_msg_destroy (&o);
}

/* A page's schedules round trip in order; more than US_MAX_SCHEDULES or
   an over-long list is refused on both sides. */
Test (codec, changes_schedules)
{
    us_schedule_def_t sched [] = {
        { "monthly", "Số liệu hằng tháng", "month", "district sector", "members.new cdcs.new", "1:10" },
        { "six-month", "Báo cáo sơ kết 6 tháng", "half", "district", "", "0:15" },
    };
    us_msg_t m = { .type = US_MSG_CHANGES, .changes = { .next = 4, .n_schedules = 2,
                                                        .schedules = sched } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->changes.n_schedules, 2);
    const us_schedule_def_t *a = &o->changes.schedules [0], *b = &o->changes.schedules [1];
    cr_assert_str_eq (a->code, "monthly");
    cr_assert_str_eq (a->name, "Số liệu hằng tháng");
    cr_assert_str_eq (a->period, "month");
    cr_assert_str_eq (a->kinds, "district sector");
    cr_assert_str_eq (a->indicators, "members.new cdcs.new");
    cr_assert_str_eq (a->deadline, "1:10");
    cr_assert_str_eq (b->code, "six-month");
    cr_assert_str_eq (b->indicators, "");
    cr_assert_str_eq (b->deadline, "0:15");
    us_msg_destroy (&o);

    us_schedule_def_t many [US_MAX_SCHEDULES + 1];
    for (size_t i = 0; i < US_MAX_SCHEDULES + 1; i++)
        many [i] = sched [0];
    m.changes.n_schedules = US_MAX_SCHEDULES + 1;
    m.changes.schedules = many;
    uint8_t *buf = NULL;
    size_t len = 0;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), US_EINVAL, "too many schedules encoded");
    cr_assert_null (buf);
    static char list [US_MAX_CODE_LIST + 2];
    memset (list, 'a', sizeof list - 1);
    sched [0].indicators = list;
    m.changes.n_schedules = 1;
    m.changes.schedules = sched;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), 0, "the encoder leaves lists to the decoder");
    us_msg_t *d = NULL;
    cr_assert_eq (us_codec_decode (&d, buf, len), US_EPROTO, "an over-long list decoded");
    cr_assert_null (d);
    free (buf);
}

/* Submit, SubmitAck and Error round trip. */
Test (codec, submit_ack_error)
{
    us_msg_t m = { .type = US_MSG_SUBMIT, .request_id = 1,
                   .submit = { "QT.DAKRONG", "2022-H1", 4242 } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_str_eq (o->submit.unit, "QT.DAKRONG");
    cr_assert_str_eq (o->submit.period, "2022-H1");
    cr_assert_eq (o->submit.hlc, 4242);
    us_msg_destroy (&o);

    m = (us_msg_t) { .type = US_MSG_SUBMIT_ACK, .request_id = 2,
                     .submit_ack = { true, "", "submitted" } };
    o = s_round_trip (&m);
    cr_assert (o->submit_ack.ok);
    cr_assert_str_eq (o->submit_ack.reason, "");
    cr_assert_str_eq (o->submit_ack.state, "submitted");
    us_msg_destroy (&o);

    m = (us_msg_t) { .type = US_MSG_SUBMIT_ACK, .submit_ack = { false, "kỳ đã khóa", "approved" } };
    o = s_round_trip (&m);
    cr_assert_not (o->submit_ack.ok);
    cr_assert_str_eq (o->submit_ack.reason, "kỳ đã khóa");
    us_msg_destroy (&o);

    m = (us_msg_t) { .type = US_MSG_ERROR, .request_id = 3,
                     .error = { US_EPERM, "replica key has been revoked" } };
    o = s_round_trip (&m);
    cr_assert_eq (o->error.code, US_EPERM);
    cr_assert_str_eq (o->error.message, "replica key has been revoked");
    us_msg_destroy (&o);
}

/* Error codes travel as the wire's ErrorCode: every code the server sends
   maps there and back, with the numbers wire 1 used (so a wire-1 client
   still reads them); a code the wire does not know arrives as a protocol
   error. */
Test (codec, error_codes)
{
    static const struct { int code; uint8_t wire; } map [] = {
        { US_EINVAL, 1 }, { US_ENOTFOUND, 2 }, { US_EIO, 3 }, { US_ENOMEM, 4 },
        { US_EPROTO, 5 }, { US_EPERM, 7 }, { US_ECORRUPT, 8 }, { US_EEXIST, 9 },
        { US_EVERSION, 10 },
    };
    for (size_t i = 0; i < sizeof map / sizeof map [0]; i++)
        for (uint32_t wire = US_WIRE_OLDEST; wire <= US_WIRE_VERSION; wire++) {
            us_msg_t m = { .type = US_MSG_ERROR, .wire = wire, .request_id = 1,
                           .error = { map [i].code, "x" } };
            uint8_t *buf;
            size_t len = s_encode (&buf, &m);
            /* 08 vv 10 01 92 01 LL 08 cc 12 01 78: the code is its varint */
            static const uint8_t tag [] = { 0x92, 0x01 };
            long at = -1;
            for (size_t j = 0; j + 2 <= len; j++)
                if (memcmp (buf + j, tag, 2) == 0)
                    at = (long) j;
            cr_assert_geq (at, 0);
            cr_assert_eq (buf [at + 3], 0x08);
            cr_assert_eq (buf [at + 4], map [i].wire, "code %d is %u on the wire",
                          map [i].code, buf [at + 4]);
            us_msg_t *o;
            cr_assert_eq (us_codec_decode (&o, buf, len), 0);
            cr_assert_eq (o->error.code, map [i].code);
            cr_assert_eq (o->wire, wire);
            us_msg_destroy (&o);
            free (buf);
        }
    /* A code no wire knows (US_EUNREACH is the client's own) and an
       unknown number on the wire both read as a protocol error. */
    us_msg_t m = { .type = US_MSG_ERROR, .error = { US_EUNREACH, "x" } };
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->error.code, US_EPROTO);
    us_msg_destroy (&o);
    static const uint8_t future [] = { 0x08, 0x02, 0x10, 0x01, 0x92, 0x01, 0x05,
                                       0x08, 0x63, 0x12, 0x01, 0x78 };
    cr_assert_eq (us_codec_decode (&o, future, sizeof future), 0, "%s", us_error_msg ());
    cr_assert_eq (o->error.code, US_EPROTO);
    cr_assert_str_eq (o->error.message, "x");
    us_msg_destroy (&o);
}

/* Type and outcome names. */
Test (codec, names)
{
    cr_assert_str_eq (us_msg_type_name (US_MSG_PUSH), "push");
    cr_assert_str_eq (us_msg_type_name (US_MSG_PUSH_ACK), "push-ack");
    cr_assert_str_eq (us_msg_type_name ((us_msg_type_t) 99), "unknown");
    cr_assert_str_eq (us_outcome_name (US_OUTCOME_ACCEPTED), "accepted");
    cr_assert_str_eq (us_outcome_name (US_OUTCOME_CONFLICT_WON), "conflict-won");
    cr_assert_str_eq (us_outcome_name (US_OUTCOME_CONFLICT_LOST), "conflict-lost");
    cr_assert_str_eq (us_outcome_name (US_OUTCOME_REJECTED), "rejected");
    cr_assert_str_eq (us_outcome_name ((us_outcome_t) 0), "unknown");
}

/* The encoder refuses what breaks a bound: no type, over-long strings,
   too many deltas or results. */
Test (codec, encode_bounds)
{
    uint8_t *buf = NULL;
    size_t len;
    us_msg_t none = { .type = US_MSG_NONE };
    cr_assert_eq (us_codec_encode (&buf, &len, &none), US_EINVAL);

    char long_code [US_MAX_CODE + 2];
    memset (long_code, 'x', sizeof long_code - 1);
    long_code [sizeof long_code - 1] = 0;
    us_delta_t d = { .seq = 1, .unit = long_code, .indicator = "i", .month = M (2022, 1),
                     .author = "a" };
    us_msg_t m = { .type = US_MSG_PUSH, .push = { .count = 1, .deltas = &d } };
    cr_assert_eq (us_codec_encode (&buf, &len, &m), US_EINVAL);
    d.unit = "u";
    d.author = long_code;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), US_EINVAL);
    d.author = NULL;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), US_EINVAL);
    d.author = "a";
    char long_note [US_MAX_NOTE + 2];
    memset (long_note, 'n', sizeof long_note - 1);
    long_note [sizeof long_note - 1] = 0;
    d.note = long_note;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), US_EINVAL);
    long_note [US_MAX_NOTE] = 0;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), 0);
    free (buf);

    us_delta_t *many = calloc (US_MAX_DELTAS + 1, sizeof *many);
    s_fill_deltas (many, US_MAX_DELTAS + 1);
    m.push = (us_push_t) { .count = US_MAX_DELTAS + 1, .deltas = many };
    cr_assert_eq (us_codec_encode (&buf, &len, &m), US_EINVAL);
    us_result_t *results = calloc (US_MAX_DELTAS + 1, sizeof *results);
    us_msg_t ack = { .type = US_MSG_PUSH_ACK,
                     .push_ack = { .count = US_MAX_DELTAS + 1, .results = results } };
    cr_assert_eq (us_codec_encode (&buf, &len, &ack), US_EINVAL);
    free (results);
    free (many);
}

/* A message that would exceed US_MAX_MSG_BYTES is not encoded. */
Test (codec, encode_oversized)
{
    static char note [US_MAX_NOTE + 1];
    memset (note, 'n', US_MAX_NOTE);
    size_t n = US_MAX_DELTAS;
    us_delta_t *d = calloc (n, sizeof *d);
    s_fill_deltas (d, n);
    for (size_t i = 0; i < n; i++)
        d [i].note = note;
    us_msg_t m = { .type = US_MSG_PUSH, .push = { .count = n, .deltas = d } };
    uint8_t *buf = NULL;
    size_t len = 0;
    us_error_clear ();
    cr_assert_eq (us_codec_encode (&buf, &len, &m), US_EINVAL);
    cr_assert_neq (us_error_msg () [0], 0);
    free (d);
}

/* Input longer than US_MAX_MSG_BYTES is refused before parsing, even when
   it is well-formed protobuf (concatenated envelopes merge). */
Test (codec, decode_oversized)
{
    size_t big = (size_t) US_MAX_MSG_BYTES + 1;
    uint8_t *zeros = calloc (big, 1);
    us_msg_t *msg = (us_msg_t *) 1;
    cr_assert_eq (us_codec_decode (&msg, zeros, big), US_EPROTO);
    cr_assert_null (msg);
    free (zeros);

    static char note [US_MAX_NOTE + 1];
    memset (note, 'n', US_MAX_NOTE);
    size_t n = 2000;
    us_delta_t *d = calloc (n, sizeof *d);
    s_fill_deltas (d, n);
    for (size_t i = 0; i < n; i++)
        d [i].note = note;
    us_msg_t m = { .type = US_MSG_PUSH, .push = { .count = n, .deltas = d } };
    uint8_t *one;
    size_t len = s_encode (&one, &m);
    size_t copies = US_MAX_MSG_BYTES / len + 1;
    uint8_t *cat = malloc (len * copies);
    for (size_t i = 0; i < copies; i++)
        memcpy (cat + i * len, one, len);
    cr_assert_gt (len * copies, (size_t) US_MAX_MSG_BYTES);
    cr_assert_eq (us_codec_decode (&msg, cat, len * copies), US_EPROTO);
    cr_assert_null (msg);
    free (cat);
    free (one);
    free (d);
}

/* Reads a varint at *pos; returns false when it runs off the end. */
static bool
s_varint_get (const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t b = p [(*pos)++];
        *v |= (uint64_t) (b & 0x7F) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* Writes a varint; returns its length. */
static size_t
s_varint_put (uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        p [n++] = (uint8_t) (b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

/* Finds the body (a length-delimited top-level field) of an encoded
   envelope by reading the wire format by hand. */
static void
s_body (const uint8_t *env, size_t len, uint32_t field, size_t *off, size_t *blen)
{
    size_t pos = 0;
    while (pos < len) {
        uint64_t key, v;
        cr_assert (s_varint_get (env, len, &pos, &key));
        if ((key & 7) == 0)
            cr_assert (s_varint_get (env, len, &pos, &v));
        else {
            cr_assert_eq (key & 7, 2, "unexpected wire type");
            cr_assert (s_varint_get (env, len, &pos, &v));
            if (key >> 3 == field) {
                *off = pos;
                *blen = (size_t) v;
                return;
            }
            pos += (size_t) v;
        }
    }
    cr_assert_fail ("field %u not found", field);
}

/* Builds an envelope (of a's version) whose body field holds the bodies of a
   and b one after the other: protobuf merges them, appending every
   repeated field. The caller frees the result. */
static uint8_t *
s_merged (size_t *out_len, uint32_t field, const uint8_t *a, size_t la,
          const uint8_t *b, size_t lb)
{
    size_t oa, na, ob, nb;
    s_body (a, la, field, &oa, &na);
    s_body (b, lb, field, &ob, &nb);
    uint8_t *out = malloc (na + nb + 32);
    size_t n = 0;
    out [n++] = 0x08;
    out [n++] = a [1];              /* the version of a */
    n += s_varint_put (out + n, (uint64_t) field << 3 | 2);
    n += s_varint_put (out + n, na + nb);
    memcpy (out + n, a + oa, na);
    memcpy (out + n + na, b + ob, nb);
    *out_len = n + na + nb;
    return out;
}

/* Two wire-1 Push bodies in one envelope merge their deltas: two small
   ones decode as one, and two halves of more than US_MAX_DELTAS are
   refused. */
Test (codec, decode_too_many_deltas)
{
    us_delta_t *d = calloc (US_MAX_DELTAS / 2 + 1, sizeof *d);
    s_fill_deltas (d, US_MAX_DELTAS / 2 + 1);
    us_msg_t m = { .type = US_MSG_PUSH, .wire = 1, .push = { .count = 3, .deltas = d } };
    uint8_t *a, *b;
    size_t la = s_encode (&a, &m);
    m.push.count = 4;
    size_t lb = s_encode (&b, &m);
    size_t lab;
    uint8_t *ab = s_merged (&lab, 12, a, la, b, lb);
    us_msg_t *o;
    cr_assert_eq (us_codec_decode (&o, ab, lab), 0, "%s", us_error_msg ());
    cr_assert_eq (o->push.count, 7, "the merge trick does not work");
    us_msg_destroy (&o);
    free (a);
    free (b);
    free (ab);

    m.push.count = US_MAX_DELTAS / 2 + 1;
    size_t lh = s_encode (&a, &m);
    ab = s_merged (&lab, 12, a, lh, a, lh);
    o = (us_msg_t *) 1;
    cr_assert_eq (us_codec_decode (&o, ab, lab), US_EPROTO);
    cr_assert_null (o);
    cr_assert_not_null (strstr (us_error_msg (), "deltas"), "%s", us_error_msg ());
    free (a);
    free (ab);
    free (d);
}

/* A Changes page with more than US_MAX_PAGE entries is refused. */
Test (codec, decode_page_too_large)
{
    size_t half = US_MAX_PAGE / 2 + 1;
    us_cell_change_t *cells = calloc (half, sizeof *cells);
    for (size_t i = 0; i < half; i++)
        cells [i] = (us_cell_change_t) { "QT", "members.new", M (2022, 1), (int64_t) i,
                                         false, 1, 1, "a", "", false };
    us_msg_t m = { .type = US_MSG_CHANGES, .changes = { .n_cells = 2, .cells = cells } };
    uint8_t *a;
    size_t la = s_encode (&a, &m);
    size_t lab;
    uint8_t *ab = s_merged (&lab, 15, a, la, a, la);
    us_msg_t *o = (us_msg_t *) 1;
    cr_assert_eq (us_codec_decode (&o, ab, lab), 0, "%s", us_error_msg ());
    cr_assert_eq (o->changes.n_cells, 4, "the merge trick does not work");
    us_msg_destroy (&o);
    free (a);
    free (ab);

    m.changes.n_cells = half;
    la = s_encode (&a, &m);
    ab = s_merged (&lab, 15, a, la, a, la);
    o = (us_msg_t *) 1;
    cr_assert_eq (us_codec_decode (&o, ab, lab), US_EPROTO);
    cr_assert_null (o);
    cr_assert_eq (us_codec_decode (&o, a, la), 0);
    cr_assert_eq (o->changes.n_cells, half);
    us_msg_destroy (&o);
    free (a);
    free (ab);
    free (cells);
}

/* A wire-1 Push whose name tables were doubled by a merge still decodes,
   since every index stays within the longer table. */
Test (codec, merged_tables)
{
    us_delta_t d [4];
    s_fill_deltas (d, 4);
    us_msg_t m = { .type = US_MSG_PUSH, .wire = 1, .push = { .count = 4, .deltas = d } };
    uint8_t *a;
    size_t la = s_encode (&a, &m);
    size_t lab;
    uint8_t *ab = s_merged (&lab, 12, a, la, a, la);
    cr_assert_eq (s_decode_checked (ab, lab), 0);
    free (ab);
    free (a);
}

/* A name table longer than US_MAX_TABLE is refused by the decoder. */
Test (codec, decode_table_too_long)
{
    size_t n = US_MAX_TABLE + 1;
    us_delta_t *d = calloc (n, sizeof *d);
    char (*names) [16] = calloc (n, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        snprintf (names [i], sizeof names [i], "U%zu", i);
        d [i] = (us_delta_t) { .seq = i + 1, .unit = names [i], .indicator = "i",
                               .month = M (2022, 1), .author = "a" };
    }
    us_msg_t m = { .type = US_MSG_PUSH, .push = { .count = n, .deltas = d } };
    uint8_t *buf;
    size_t len;
    int rc = us_codec_encode (&buf, &len, &m);
    if (rc == 0) {
        us_msg_t *o = (us_msg_t *) 1;
        cr_assert_eq (us_codec_decode (&o, buf, len), US_EPROTO);
        cr_assert_null (o);
        free (buf);
    }
    else
        cr_assert_eq (rc, US_EINVAL);
    m.push.count = US_MAX_TABLE;
    len = s_encode (&buf, &m);
    cr_assert_eq (s_decode_checked (buf, len), 0);
    free (buf);
    free (names);
    free (d);
}

/* Strings longer than their bounds are refused by the decoder even when
   the encoder let them through. */
Test (codec, decode_string_bounds)
{
    char long_code [US_MAX_CODE + 2];
    memset (long_code, 'x', sizeof long_code - 1);
    long_code [sizeof long_code - 1] = 0;
    us_msg_t m = { .type = US_MSG_WELCOME, .welcome = { .unit = long_code } };
    uint8_t *buf;
    size_t len;
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
    m = (us_msg_t) { .type = US_MSG_WELCOME, .welcome = { .unit = "QT", .incarnation = long_code } };
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO, "incarnation too long");
        free (buf);
    }
    m = (us_msg_t) { .type = US_MSG_HELLO, .hello = { .incarnation = long_code } };
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO, "hello incarnation too long");
        free (buf);
    }
    char long_period [US_PERIOD_TEXT + 2];
    memset (long_period, '2', sizeof long_period - 1);
    long_period [sizeof long_period - 1] = 0;
    m = (us_msg_t) { .type = US_MSG_SUBMIT, .submit = { "QT", long_period, 1 } };
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
    static char long_msg [US_MAX_NOTE + 2];
    memset (long_msg, 'm', US_MAX_NOTE + 1);
    m = (us_msg_t) { .type = US_MSG_ERROR, .error = { 1, long_msg } };
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
    us_unit_def_t u = { long_code, "n", "", "district", "", "", "", "" };
    m = (us_msg_t) { .type = US_MSG_CHANGES, .changes = { .n_units = 1, .units = &u } };
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
}

/* An unknown outcome in a PushAck is refused by the decoder. */
Test (codec, decode_unknown_outcome)
{
    us_result_t r [2] = { { .seq = 1, .outcome = US_OUTCOME_ACCEPTED, .reason = "" },
                          { .seq = 2, .outcome = (us_outcome_t) 0, .reason = "" } };
    us_msg_t m = { .type = US_MSG_PUSH_ACK, .push_ack = { .count = 2, .results = r } };
    uint8_t *buf;
    size_t len;
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
    r [1].outcome = (us_outcome_t) 9;
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
}

/* A month outside the calendar is refused by the decoder (a wire-1 Push
   carries it as given; the wire-2 encoder refuses it, see batch_bad_fields). */
Test (codec, decode_bad_month)
{
    us_delta_t d = { .seq = 1, .unit = "u", .indicator = "i", .month = 5, .author = "a" };
    us_msg_t m = { .type = US_MSG_PUSH, .wire = 1, .push = { .count = 1, .deltas = &d } };
    uint8_t *buf;
    size_t len;
    us_msg_t m2 = m;
    m2.wire = 2;
    cr_assert_eq (us_codec_encode (&buf, &len, &m2), US_EINVAL);
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
    d.month = -1;
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
    us_cell_change_t c = { "u", "i", US_YEAR_MAX * 12 + 12, 1, false, 1, 1, "a", "", false };
    m = (us_msg_t) { .type = US_MSG_CHANGES, .changes = { .n_cells = 1, .cells = &c } };
    if (us_codec_encode (&buf, &len, &m) == 0) {
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
        free (buf);
    }
}

/* Finds needle in hay; returns its offset or -1. */
static long
s_find (const uint8_t *hay, size_t len, const uint8_t *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp (hay + i, needle, n) == 0)
            return (long) i;
    return -1;
}

/* Table indexes and months made out of range by flipping bytes of an
   encoded wire-1 Push are refused cleanly. */
Test (codec, decode_index_out_of_range)
{
    /* Delta 1 uses the second entry of each table, so its indexes are on
       the wire as single bytes: seq 77 (08 4D), unit 1 (10 01),
       indicator 1 (18 01), ..., base_version 3 (40 03), author 1 (48 01). */
    us_delta_t d [2] = {
        { .seq = 1, .unit = "U0", .indicator = "I0", .month = M (2022, 1), .value = 1,
          .hlc = 1, .base_version = 1, .author = "A0", .note = "" },
        { .seq = 77, .unit = "U1", .indicator = "I1", .month = M (2022, 5), .value = 5,
          .hlc = 9, .base_version = 3, .author = "A1", .note = "" },
    };
    us_msg_t m = { .type = US_MSG_PUSH, .wire = 1, .push = { .count = 2, .deltas = d } };
    uint8_t *buf;
    size_t len = s_encode (&buf, &m);
    cr_assert_eq (s_decode_checked (buf, len), 0);

    static const uint8_t head [] = { 0x08, 0x4D, 0x10, 0x01, 0x18, 0x01, 0x20 };
    long at = s_find (buf, len, head, sizeof head);
    cr_assert_geq (at, 0, "delta 77 not found in the encoding");
    static const uint8_t tail [] = { 0x40, 0x03, 0x48, 0x01 };
    long auth = s_find (buf, len, tail, sizeof tail);
    cr_assert_geq (auth, 0, "author index not found in the encoding");

    struct { long offset; uint8_t value; } flips [] = {
        { at + 3, 0x02 }, { at + 3, 0x7F }, { at + 5, 0x02 }, { at + 5, 0x40 },
        { auth + 3, 0x02 }, { auth + 3, 0x7E },
    };
    for (size_t i = 0; i < sizeof flips / sizeof flips [0]; i++) {
        uint8_t saved = buf [flips [i].offset];
        buf [flips [i].offset] = flips [i].value;
        us_error_clear ();
        cr_assert_eq (s_decode_checked (buf, len), US_EPROTO, "flip %zu decoded", i);
        cr_assert_not_null (strstr (us_error_msg (), "tables"), "flip %zu: %s", i,
                            us_error_msg ());
        buf [flips [i].offset] = saved;
    }

    /* The month 2022-05 is a three-byte varint after tag 0x20; raising its
       top byte gives a month far outside the calendar. */
    long month_at = at + 7;
    cr_assert_eq (buf [month_at + 2] & 0x80, 0);
    uint8_t saved = buf [month_at + 2];
    buf [month_at + 2] = 0x7F;
    cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
    cr_assert_not_null (strstr (us_error_msg (), "month"), "%s", us_error_msg ());
    buf [month_at + 2] = saved;
    cr_assert_eq (s_decode_checked (buf, len), 0);
    free (buf);
}

/* Cells, targets, conflicts and submissions whose table index is out of
   range are refused (made by flipping the unit index of a one-entry page). */
Test (codec, decode_changes_index_out_of_range)
{
    us_cell_change_t cells [2] = {
        { "U0", "I0", M (2022, 1), 1, false, 1, 1, "a", "", false },
        { "U1", "I1", M (2022, 2), 2, false, 2, 2, "b", "", false },
    };
    us_msg_t m = { .type = US_MSG_CHANGES, .changes = { .n_cells = 2, .cells = cells } };
    uint8_t *buf;
    size_t len = s_encode (&buf, &m);
    static const uint8_t head [] = { 0x08, 0x01, 0x10, 0x01, 0x18 };
    long at = s_find (buf, len, head, sizeof head);
    cr_assert_geq (at, 0);
    buf [at + 1] = 0x05;
    cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
    buf [at + 1] = 0x01;
    buf [at + 3] = 0x05;
    cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
    free (buf);
}

/* Both wire versions are read; a version this build does not speak, or
   none, is refused and named. */
Test (codec, wrong_version)
{
    us_msg_t m = { .type = US_MSG_HELLO, .hello = { 1, 2, 3, 4, US_WIRE_VERSION } };
    uint8_t *buf;
    size_t len = s_encode (&buf, &m);
    cr_assert_geq (len, 2);
    cr_assert_eq (buf [0], 0x08, "version is field 1, first on the wire");
    cr_assert_eq (buf [1], US_WIRE_VERSION);
    for (uint8_t v = US_WIRE_OLDEST; v <= US_WIRE_VERSION; v++) {
        buf [1] = v;
        us_msg_t *o;
        cr_assert_eq (us_codec_decode (&o, buf, len), 0);
        cr_assert_eq (o->wire, v);
        cr_assert_eq (o->hello.wire, US_WIRE_VERSION);
        us_msg_destroy (&o);
    }
    buf [1] = US_WIRE_VERSION + 1;
    us_error_clear ();
    cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
    cr_assert_not_null (strstr (us_error_msg (), "version 3"), "%s", us_error_msg ());
    buf [1] = 0x7F;
    cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
    buf [1] = 0;
    cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
    cr_assert_eq (s_decode_checked (buf + 2, len - 2), US_EPROTO);
    buf [1] = US_WIRE_VERSION;
    cr_assert_eq (s_decode_checked (buf, len), 0);
    free (buf);

    m.wire = US_WIRE_VERSION + 1;
    cr_assert_eq (us_codec_encode (&buf, &len, &m), US_EINVAL);
}

/* An envelope with a version but no body is refused. */
Test (codec, no_body)
{
    static const uint8_t only_version [] = { 0x08, 0x01, 0x10, 0x05 };
    cr_assert_eq (s_decode_checked (only_version, sizeof only_version), US_EPROTO);
    cr_assert_eq (s_decode_checked (only_version, 0), US_EPROTO);
}

/* Every prefix of an encoded Push decodes to a consistent message or fails
   with US_EPROTO; none crashes or reads past its end. */
Test (codec, truncated_push)
{
    enum { N = 60 };
    us_delta_t d [N];
    s_fill_deltas (d, N);
    uint8_t sig [64];
    memset (sig, 0xAB, sizeof sig);
    us_msg_t m = { .type = US_MSG_PUSH, .request_id = 42,
                   .push = { .epoch = 2, .count = N, .deltas = d,
                             .signature = sig, .signature_len = 64 } };
    uint8_t *buf;
    size_t len = s_encode (&buf, &m);
    size_t failed = 0;
    for (size_t cut = 0; cut < len; cut++)
        if (s_decode_checked (buf, cut) == US_EPROTO)
            failed++;
    cr_assert_eq (s_decode_checked (buf, len), 0);
    cr_assert_gt (failed, len / 2, "only %zu of %zu prefixes failed", failed, len);
    free (buf);
}

/* Every prefix of an encoded Changes page fails cleanly or decodes. */
Test (codec, truncated_changes)
{
    us_unit_def_t units [1] = { { "QT", "Quảng Trị", "", "province", "", "", "", "" } };
    us_cell_change_t cells [2] = {
        { "QT", "members.new", M (2022, 5), 1, false, 1, 1, "a", "ghi chú", true },
        { "QT.X", "members.total", M (2022, 6), 2, true, 2, 2, "b", "", false },
    };
    us_target_def_t t [1] = { { "QT", "members.new", "2022", "tld", 1, 2, true, 1 } };
    us_conflict_notice_t k [1] = { { 1, "QT", "members.new", M (2022, 5), 1, false, "a", 2,
                                     false, "b", "lww", 3 } };
    us_submission_state_t s [1] = { { "QT", "2022-H1", "submitted", 4 } };
    us_msg_t m = { .type = US_MSG_CHANGES, .changes = { .next = 7, .n_units = 1,
        .units = units, .n_cells = 2, .cells = cells, .n_targets = 1, .targets = t,
        .n_conflicts = 1, .conflicts = k, .n_submissions = 1, .submissions = s } };
    uint8_t *buf;
    size_t len = s_encode (&buf, &m);
    for (size_t cut = 0; cut <= len; cut++)
        s_decode_checked (buf, cut);
    cr_assert_eq (s_decode_checked (buf, len), 0);
    free (buf);
}

/* Flipping any byte of an encoded Push to assorted values never crashes and
   never yields an inconsistent message. */
Test (codec, mutated_push)
{
    enum { N = 12 };
    us_delta_t d [N];
    s_fill_deltas (d, N);
    us_msg_t m = { .type = US_MSG_PUSH, .push = { .epoch = 1, .count = N, .deltas = d } };
    uint8_t *buf;
    size_t len = s_encode (&buf, &m);
    size_t refused = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t orig = buf [i];
        const uint8_t values [] = { 0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF,
                                    (uint8_t) (orig ^ 0x01), (uint8_t) (orig ^ 0x80) };
        for (size_t v = 0; v < sizeof values; v++) {
            buf [i] = values [v];
            if (s_decode_checked (buf, len) == US_EPROTO)
                refused++;
        }
        buf [i] = orig;
    }
    cr_assert_gt (refused, 0);
    free (buf);
}

/* Random bytes never crash the decoder. */
Test (codec, random_bytes)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    uint8_t buf [1024];
    size_t refused = 0, total = 3000;
    for (size_t i = 0; i < total; i++) {
        size_t len = (size_t) (x % sizeof buf);
        for (size_t j = 0; j < len; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf [j] = (uint8_t) x;
        }
        /* Half the inputs start like a real envelope to get past the
           version check. */
        if (i % 2 && len >= 3) {
            buf [0] = 0x08;
            buf [1] = 0x01;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (s_decode_checked (buf, len) == US_EPROTO)
            refused++;
    }
    cr_assert_gt (refused, total / 2);
}

/* The bytes a wire-2 signature covers are the Batch: deterministic, free
   of the signature and the request id, carried as they are by the Push,
   and changed by any delta. */
Test (codec, push_signed_bytes)
{
    enum { N = 40 };
    us_delta_t d [N];
    s_fill_deltas (d, N);
    uint8_t sig [64];
    memset (sig, 0x11, sizeof sig);
    us_push_t push = { .epoch = 3, .count = N, .deltas = d, .signature = sig,
                       .signature_len = 64 };
    uint8_t *a, *b;
    size_t la, lb;
    cr_assert_eq (us_codec_push_signed_bytes (&a, &la, &push), 0);
    cr_assert_eq (us_codec_push_signed_bytes (&b, &lb, &push), 0);
    cr_assert_eq (la, lb);
    cr_assert_eq (memcmp (a, b, la), 0);
    free (b);
    cr_assert_eq (a [0], 0x08, "Batch.format comes first");
    cr_assert_eq (a [1], US_WIRE_VERSION);

    /* Carried as given, and the same when the encoder makes them. */
    us_msg_t m = { .type = US_MSG_PUSH, .request_id = 123, .push = push };
    m.push.batch = a;
    m.push.batch_len = la;
    for (int made = 0; made < 2; made++) {
        us_msg_t *o = s_round_trip (&m);
        cr_assert_eq (o->wire, US_WIRE_VERSION);
        cr_assert_eq (o->push.batch_len, la);
        cr_assert_eq (memcmp (o->push.batch, a, la), 0);
        cr_assert_eq (o->push.signature_len, 64);
        cr_assert_eq (memcmp (o->push.signature, sig, 64), 0);
        cr_assert_eq (o->push.epoch, 3);
        cr_assert_eq (o->push.count, N);
        us_msg_destroy (&o);
        m.push.batch = NULL;
        m.push.batch_len = 0;
    }

    d [N - 1].value++;
    cr_assert_eq (us_codec_push_signed_bytes (&b, &lb, &push), 0);
    cr_assert (lb != la || memcmp (a, b, la) != 0, "signed bytes ignore a value");
    free (b);
    d [N - 1].value--;
    push.epoch++;
    cr_assert_eq (us_codec_push_signed_bytes (&b, &lb, &push), 0);
    cr_assert (lb != la || memcmp (a, b, la) != 0, "signed bytes ignore the epoch");
    free (b);
    free (a);
}

/* Three deltas whose wire-1 signed bytes are known from the codec of wire 1. */
static void
s_known_deltas (us_delta_t d [3])
{
    d [0] = (us_delta_t) { .seq = 7, .unit = "QT.DAKRONG", .indicator = "members.new",
        .month = M (2022, 5), .value = 120, .hlc = us_hlc_make (1657843200000, 1),
        .base_version = 0, .author = "ketoan", .note = "" };
    d [1] = (us_delta_t) { .seq = 8, .unit = "QT.DAKRONG.CS1", .indicator = "cdcs.new",
        .month = M (2022, 6), .clear = true, .hlc = us_hlc_make (1657843201000, 0),
        .base_version = 3, .author = "chu.tich", .note = "điều chỉnh" };
    d [2] = (us_delta_t) { .seq = 9, .unit = "QT.DAKRONG", .indicator = "cdcs.new",
        .month = M (2022, 6), .value = -5, .hlc = us_hlc_make (1657843201000, 2),
        .base_version = 4, .author = "ketoan", .note = "" };
}

/* Wire 1, as an office not yet upgraded sends it: the Push carries its
   deltas as fields and signs the Envelope of itself without signature,
   byte for byte as the wire-1 codec made it (a known answer); the decoder
   gives those bytes, re-encoded, as push.batch. */
Test (codec, push_wire1)
{
    static const char known [] =
        "080162a9010803120a51542e44414b524f4e47120e51542e44414b524f4e472e435331"
        "1a0b6d656d626572732e6e65771a08636463732e6e657722066b65746f616e22086368"
        "752e746963682a12080720ccbd0128783881808080fbe4ffc0012a2b08081001180120"
        "cdbd013001388080a09ffbe4ffc00140034801520fc49169e1bb8175206368e1bb896e"
        "682a1f0809180120cdbd0128fbffffffffffffffff01388280a09ffbe4ffc0014004";
    us_delta_t d [3];
    s_known_deltas (d);
    us_push_t p = { .epoch = 3, .count = 3, .deltas = d };
    uint8_t *b;
    size_t n;
    cr_assert_eq (us_codec_signed_bytes (&b, &n, &p, 1), 0);
    char hex [sizeof known];
    cr_assert_eq (n * 2, sizeof known - 1, "%zu bytes", n);
    for (size_t i = 0; i < n; i++)
        snprintf (hex + 2 * i, 3, "%02x", b [i]);
    cr_assert_str_eq (hex, known);

    uint8_t sig [64];
    memset (sig, 0x33, sizeof sig);
    us_msg_t m = { .type = US_MSG_PUSH, .wire = 1, .request_id = 99, .push = p };
    m.push.signature = sig;
    m.push.signature_len = 64;
    us_msg_t *o = s_round_trip (&m);
    cr_assert_eq (o->wire, 1);
    cr_assert_eq (o->push.batch_len, n);
    cr_assert_eq (memcmp (o->push.batch, b, n), 0);
    cr_assert_eq (o->push.signature_len, 64);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq (o->push.deltas [i].seq, d [i].seq);
        cr_assert_str_eq (o->push.deltas [i].unit, d [i].unit);
        cr_assert_eq (o->push.deltas [i].value, d [i].value);
        cr_assert_eq (o->push.deltas [i].clear, d [i].clear);
        cr_assert_str_eq (o->push.deltas [i].note, d [i].note);
    }
    us_msg_destroy (&o);
    free (b);
}

/* A kept batch of either wire decodes back to its deltas; a cut one,
   another message and bytes of no known format are refused. */
Test (codec, batch_decode)
{
    enum { N = 20 };
    us_delta_t d [N];
    s_fill_deltas (d, N);
    us_push_t p = { .epoch = 5, .count = N, .deltas = d };
    us_msg_t *o;
    for (uint32_t wire = US_WIRE_OLDEST; wire <= US_WIRE_VERSION; wire++) {
        uint8_t *b;
        size_t n;
        cr_assert_eq (us_codec_signed_bytes (&b, &n, &p, wire), 0);
        cr_assert_eq (us_codec_batch_decode (&o, b, n), 0, "%s", us_error_msg ());
        cr_assert_eq (o->type, US_MSG_PUSH);
        cr_assert_eq (o->wire, wire);
        cr_assert_eq (o->push.epoch, 5);
        cr_assert_eq (o->push.count, N);
        for (size_t i = 0; i < N; i++) {
            const us_delta_t *x = &d [i], *y = &o->push.deltas [i];
            cr_assert (x->seq == y->seq && x->month == y->month && x->value == y->value
                    && x->clear == y->clear && x->hlc == y->hlc
                    && x->base_version == y->base_version);
            cr_assert_str_eq (x->unit, y->unit);
            cr_assert_str_eq (x->indicator, y->indicator);
            cr_assert_str_eq (x->author, y->author);
            cr_assert_str_eq (x->note, y->note);
        }
        us_msg_destroy (&o);
        o = (us_msg_t *) 1;
        cr_assert_eq (us_codec_batch_decode (&o, b, n - 1), US_EPROTO);
        cr_assert_null (o);
        free (b);
    }
    us_msg_t h = { .type = US_MSG_HELLO, .wire = 1, .hello = { 1, 2, 3, 4, 1 } };
    uint8_t *b;
    size_t n = s_encode (&b, &h);
    cr_assert_eq (us_codec_batch_decode (&o, b, n), US_EPROTO);
    cr_assert_not_null (strstr (us_error_msg (), "hello"), "%s", us_error_msg ());
    cr_assert_eq (us_codec_batch_decode (&o, b, 0), US_EPROTO);
    free (b);
    static const uint8_t format3 [] = { 0x08, 0x03, 0x10, 0x01 };
    cr_assert_eq (us_codec_batch_decode (&o, format3, sizeof format3), US_EPROTO);
    cr_assert_null (o);
}

/* A Push must be of its envelope's wire: wire-1 fields under a wire-2
   envelope, a batch under a wire-1 one, and a wire-2 Push with no batch
   are refused. */
Test (codec, push_of_other_wire)
{
    us_delta_t d [2];
    s_fill_deltas (d, 2);
    us_msg_t m = { .type = US_MSG_PUSH, .wire = 1,
                   .push = { .epoch = 1, .count = 2, .deltas = d } };
    uint8_t *buf;
    size_t len = s_encode (&buf, &m);
    cr_assert_eq (s_decode_checked (buf, len), 0);
    buf [1] = 2;
    cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
    free (buf);
    m.wire = 2;
    len = s_encode (&buf, &m);
    cr_assert_eq (s_decode_checked (buf, len), 0);
    buf [1] = 1;
    cr_assert_eq (s_decode_checked (buf, len), US_EPROTO);
    free (buf);
    static const uint8_t no_batch [] = { 0x08, 0x02, 0x10, 0x01, 0x62, 0x00 };
    cr_assert_eq (s_decode_checked (no_batch, sizeof no_batch), US_EPROTO);
}

/* Appends a hand-made Batch head (format 2, one name in each table, the
   month base) to out; returns its length. */
static size_t
s_batch_head (uint8_t *out, uint32_t month_base)
{
    static const uint8_t tables [] = { 0x08, 0x02, 0x1a, 0x01, 'u', 0x22, 0x01, 'i',
                                       0x2a, 0x01, 'a', 0x40 };
    memcpy (out, tables, sizeof tables);
    return sizeof tables + s_varint_put (out + sizeof tables, month_base);
}

/* Wraps batch bytes in a wire-2 Push envelope; the caller frees it. */
static uint8_t *
s_push_envelope (size_t *len_p, const uint8_t *batch, size_t bl)
{
    uint8_t inner [16];
    size_t il = 0;
    inner [il++] = 0x3a;
    il += s_varint_put (inner + il, bl);
    uint8_t *env = malloc (bl + 40);
    size_t el = 0;
    env [el++] = 0x08;
    env [el++] = 0x02;
    env [el++] = 0x10;
    env [el++] = 0x01;
    env [el++] = 0x62;
    el += s_varint_put (env + el, il + bl);
    memcpy (env + el, inner, il);
    memcpy (env + el + il, batch, bl);
    *len_p = el + il + bl;
    return env;
}

/* Months and indexes of a hand-made batch: each delta's month is the one
   before it plus its difference, and must stay in the calendar; each
   index must stay in its table. */
Test (codec, batch_bad_fields)
{
    static const struct {
        int base;
        uint8_t delta [4];
        size_t dl;
        const char *says;
    } cases [] = {
        { M (2022, 5), { 0 }, 0, NULL },
        { M (2022, 5), { 0x20, 0x01 }, 2, NULL },                   /* -1: 2022-04 */
        { 5, { 0 }, 0, "month" },                                   /* year 0      */
        { US_YEAR_MAX * 12 + 11, { 0x20, 0x02 }, 2, "month" },      /* +1: 2201-01 */
        { US_YEAR_MIN * 12, { 0x20, 0x01 }, 2, "month" },           /* -1: 1989-12 */
        { M (2022, 5), { 0x10, 0x01 }, 2, "tables" },               /* unit 1 of 1 */
        { M (2022, 5), { 0x18, 0x05 }, 2, "tables" },
        { M (2022, 5), { 0x48, 0x01 }, 2, "tables" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        uint8_t batch [64];
        size_t bl = s_batch_head (batch, (uint32_t) cases [i].base);
        batch [bl++] = 0x4a;
        batch [bl++] = (uint8_t) cases [i].dl;
        memcpy (batch + bl, cases [i].delta, cases [i].dl);
        bl += cases [i].dl;
        us_msg_t *o = NULL;
        us_error_clear ();
        int rc = us_codec_batch_decode (&o, batch, bl);
        size_t el;
        uint8_t *env = s_push_envelope (&el, batch, bl);
        if (!cases [i].says) {
            cr_assert_eq (rc, 0, "case %zu: %s", i, us_error_msg ());
            cr_assert_eq (o->push.count, 1);
            us_msg_destroy (&o);
            cr_assert_eq (s_decode_checked (env, el), 0, "case %zu", i);
        }
        else {
            cr_assert_eq (rc, US_EPROTO, "case %zu decoded", i);
            cr_assert_not_null (strstr (us_error_msg (), cases [i].says), "case %zu: %s",
                                i, us_error_msg ());
            cr_assert_eq (s_decode_checked (env, el), US_EPROTO, "case %zu", i);
        }
        free (env);
    }
}

/* Returns the peak resident memory of this process in KB. */
static long
s_peak_kb (void)
{
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* 800 KB of empty deltas (400,000 of two bytes each; about 60 MB once
   unpacked) are refused before anything is unpacked, in a wire-2 batch,
   a kept batch and a wire-1 Push, and the process does not grow for it;
   as many deltas as the limit allows still decode. */
Test (codec, budget_empty_deltas)
{
    size_t n = 400000;
    uint8_t *batch = malloc (2 * n + 64);
    size_t bl = s_batch_head (batch, M (2022, 5));
    size_t head = bl;
    for (size_t i = 0; i < n; i++) {
        batch [bl++] = 0x4a;
        batch [bl++] = 0x00;
    }
    size_t el;
    uint8_t *env = s_push_envelope (&el, batch, bl);
    uint8_t *v1 = malloc (2 * n + 64);
    static const uint8_t v1_head [] = { 0x08, 0x01, 0x10, 0x01, 0x62 };
    memcpy (v1, v1_head, sizeof v1_head);
    size_t vl = sizeof v1_head;
    vl += s_varint_put (v1 + vl, 2 * n + 9);
    static const uint8_t v1_tables [] = { 0x12, 0x01, 'u', 0x1a, 0x01, 'i', 0x22, 0x01, 'a' };
    memcpy (v1 + vl, v1_tables, sizeof v1_tables);
    vl += sizeof v1_tables;
    for (size_t i = 0; i < n; i++) {
        v1 [vl++] = 0x2a;
        v1 [vl++] = 0x00;
    }

    long before = s_peak_kb ();
    us_msg_t *o = (us_msg_t *) 1;
    us_error_clear ();
    cr_assert_eq (us_codec_decode (&o, env, el), US_EPROTO);
    cr_assert_null (o);
    cr_assert_not_null (strstr (us_error_msg (), "deltas"), "%s", us_error_msg ());
    cr_assert_eq (us_codec_batch_decode (&o, batch, bl), US_EPROTO);
    cr_assert_eq (us_codec_decode (&o, v1, vl), US_EPROTO);
    cr_assert_not_null (strstr (us_error_msg (), "deltas"), "%s", us_error_msg ());
    long grew = s_peak_kb () - before;
    cr_assert_lt (grew, 8 * 1024, "decoding grew the process by %ld KB", grew);

    /* At the limit: US_MAX_DELTAS empty deltas are 20,000 edits of
       2022-05 and decode. */
    bl = head + 2 * US_MAX_DELTAS;
    cr_assert_eq (us_codec_batch_decode (&o, batch, bl), 0, "%s", us_error_msg ());
    cr_assert_eq (o->push.count, US_MAX_DELTAS);
    us_msg_destroy (&o);
    free (v1);
    free (env);
    free (batch);
}

/* protobuf-c keeps a copy of every unknown field: 4 MB of two-byte ones
   are refused by the budget before anything is unpacked. */
Test (codec, budget_unknown_fields)
{
    size_t n = 2 * 1024 * 1024;
    uint8_t *env = malloc (2 * n + 8);
    static const uint8_t hello [] = { 0x08, 0x02, 0x10, 0x01, 0x52, 0x00 };
    memcpy (env, hello, sizeof hello);
    size_t el = sizeof hello;
    cr_assert_eq (s_decode_checked (env, el), 0);
    for (size_t i = 0; i < n; i++) {
        env [el++] = 0x18;          /* field 3, unknown to Envelope */
        env [el++] = 0x00;
    }
    long before = s_peak_kb ();
    us_error_clear ();
    cr_assert_eq (s_decode_checked (env, el), US_EPROTO);
    cr_assert_not_null (strstr (us_error_msg (), "MB to decode"), "%s", us_error_msg ());
    long grew = s_peak_kb () - before;
    cr_assert_lt (grew, 8 * 1024, "decoding grew the process by %ld KB", grew);
    free (env);
}

/* The server recomputes the signed bytes from the decoded Push; they must
   equal the client's, or no signature would ever verify. */
Test (codec, signed_bytes_survive_round_trip)
{
    enum { N = 50 };
    us_delta_t d [N];
    s_fill_deltas (d, N);
    us_push_t push = { .epoch = 2, .count = N, .deltas = d };
    uint8_t *client;
    size_t lc;
    cr_assert_eq (us_codec_push_signed_bytes (&client, &lc, &push), 0);

    uint8_t sig [64];
    memset (sig, 0x5C, sizeof sig);
    push.signature = sig;
    push.signature_len = 64;
    us_msg_t m = { .type = US_MSG_PUSH, .request_id = 8, .push = push };
    us_msg_t *o = s_round_trip (&m);
    uint8_t *server;
    size_t ls;
    cr_assert_eq (us_codec_push_signed_bytes (&server, &ls, &o->push), 0);
    cr_assert_eq (ls, lc);
    cr_assert_eq (memcmp (server, client, lc), 0);
    free (server);
    free (client);
    us_msg_destroy (&o);
}

/* A realistic Push (one office, one unit, five indicators, 500 edits typed
   1.5 s apart, most with a base version) costs at most 16 bytes per delta
   on the wire, signature and envelope included (wire 1 took 27). */
Test (codec, bytes_per_delta)
{
    enum { N = 500 };
    static const char *inds [] = { "members.new", "cdcs.new", "propaganda.sessions",
                                   "propaganda.attendees", "training.classes" };
    us_delta_t d [N];
    us_hlc_t clock = { 0, 0 };
    int64_t wall = us_hlc_wall_ms ();
    for (size_t i = 0; i < N; i++) {
        d [i] = (us_delta_t) {
            .seq = 1000 + i,
            .unit = "QT.DAKRONG",
            .indicator = inds [i % 5],
            .month = M (2022, (int) (i / 5 % 12) + 1),
            .value = (int64_t) (i * 131 % 3000),
            .hlc = us_hlc_tick (&clock, wall + (int64_t) i * 1500),
            .base_version = i % 3,
            .author = "ketoan.dakrong",
            .note = "",
        };
    }
    uint8_t sig [64];
    memset (sig, 0x42, sizeof sig);
    us_msg_t m = { .type = US_MSG_PUSH, .request_id = 1,
                   .push = { .epoch = 1, .count = N, .deltas = d,
                             .signature = sig, .signature_len = 64 } };
    uint8_t *buf;
    size_t len = s_encode (&buf, &m);
    double per = (double) len / N;
    printf ("codec: 500-delta Push is %zu bytes, %.1f bytes per delta\n", len, per);
    fflush (stdout);
    cr_assert_leq (per, 16.0, "%.1f bytes per delta", per);
    free (buf);
}

/* Destroy is safe on NULL. */
Test (codec, destroy_null)
{
    us_msg_t *msg = NULL;
    us_msg_destroy (&msg);
    us_msg_destroy (NULL);
    cr_assert_null (msg);
}

/* Anti-entropy's fields and messages travel whole: a Pull's digest range
   and repair months, a page's digest and repaired months, Digest and
   Digests, and the Welcome's bound. */
Test (codec, anti_entropy_round_trip)
{
    static const int months [3] = { M (2022, 1), M (2022, 2), M (2022, 7) };
    us_msg_t msg = { .type = US_MSG_PULL, .request_id = 3 };
    msg.pull = (us_pull_t) { .since = 9, .limit = 2000, .digest_first = M (2006, 12),
                             .digest_last = M (2026, 11), .months = months, .n_months = 3 };
    us_msg_t *out = s_round_trip (&msg);
    cr_assert_eq (out->pull.digest_first, M (2006, 12));
    cr_assert_eq (out->pull.digest_last, M (2026, 11));
    cr_assert_eq (out->pull.n_months, 3);
    cr_assert_arr_eq (out->pull.months, months, sizeof months);
    us_msg_destroy (&out);

    uint8_t top [32];
    for (int i = 0; i < 32; i++)
        top [i] = (uint8_t) (i * 7);
    msg = (us_msg_t) { .type = US_MSG_CHANGES, .request_id = 4 };
    msg.changes = (us_changes_t) { .next = 9, .digest = { top, 32 }, .n_months = 3,
                                   .months = (int *) months };
    out = s_round_trip (&msg);
    cr_assert_eq (out->changes.digest.len, 32);
    cr_assert_arr_eq (out->changes.digest.data, top, 32);
    cr_assert_eq (out->changes.n_months, 3);
    cr_assert_arr_eq (out->changes.months, months, sizeof months);
    us_msg_destroy (&out);

    msg = (us_msg_t) { .type = US_MSG_DIGEST, .request_id = 5 };
    msg.digest = (us_digest_req_t) { M (2022, 1), M (2022, 12) };
    out = s_round_trip (&msg);
    cr_assert_eq (out->digest.first, M (2022, 1));
    cr_assert_eq (out->digest.last, M (2022, 12));
    us_msg_destroy (&out);

    us_month_hash_t hashes [2] = { { M (2022, 1), { top, 32 } }, { M (2022, 5), { top, 32 } } };
    msg = (us_msg_t) { .type = US_MSG_DIGESTS, .request_id = 5 };
    msg.digests = (us_digests_t) { 77, 2, hashes };
    out = s_round_trip (&msg);
    cr_assert_eq (out->digests.head, 77);
    cr_assert_eq (out->digests.count, 2);
    cr_assert_eq (out->digests.months [1].month, M (2022, 5));
    cr_assert_arr_eq (out->digests.months [1].digest.data, top, 32);
    us_msg_destroy (&out);

    msg = (us_msg_t) { .type = US_MSG_WELCOME, .request_id = 1 };
    msg.welcome = (us_welcome_t) { .unit = "QT.A", .incarnation = "", .digest_months = 240 };
    out = s_round_trip (&msg);
    cr_assert_eq (out->welcome.digest_months, 240);
    us_msg_destroy (&out);
}

/* A no-change sync's proof costs a few bytes: the Pull's range and the
   last page's 32-byte top. */
Test (codec, anti_entropy_bytes)
{
    uint8_t *a, *b, top [32] = { 1 };
    us_msg_t msg = { .type = US_MSG_PULL, .request_id = 1ULL << 50 };
    msg.pull = (us_pull_t) { .since = 4000, .limit = 2000 };
    size_t plain = s_encode (&a, &msg);
    msg.pull.digest_first = M (2006, 12);
    msg.pull.digest_last = M (2026, 11);
    size_t asked = s_encode (&b, &msg);
    free (a);
    free (b);
    cr_assert_leq (asked - plain, 8, "the range costs %zu bytes", asked - plain);
    msg = (us_msg_t) { .type = US_MSG_CHANGES, .request_id = 1ULL << 50 };
    msg.changes = (us_changes_t) { .next = 4000 };
    plain = s_encode (&a, &msg);
    msg.changes.digest = (us_bytes_t) { top, 32 };
    asked = s_encode (&b, &msg);
    free (a);
    free (b);
    cr_assert_eq (asked - plain, 34, "the top costs its 32 bytes and a tag and a length");
}

/* Anti-entropy past its bounds is refused at encoding and at decoding:
   a range of more than US_DIGEST_MONTHS months or backwards, more than
   US_REPAIR_MONTHS months or months out of order, digests of other
   lengths. */
Test (codec, anti_entropy_bounds)
{
    uint8_t *buf = NULL;
    size_t len;
    us_msg_t msg = { .type = US_MSG_DIGEST, .request_id = 5 };
    msg.digest = (us_digest_req_t) { M (2000, 1), M (2000, 1) + US_DIGEST_MONTHS };
    cr_assert_eq (us_codec_encode (&buf, &len, &msg), US_EINVAL);
    msg.digest = (us_digest_req_t) { M (2022, 5), M (2022, 4) };
    cr_assert_eq (us_codec_encode (&buf, &len, &msg), US_EINVAL);
    msg.digest = (us_digest_req_t) { M (2000, 1), M (2000, 1) + US_DIGEST_MONTHS - 1 };
    cr_assert_eq (us_codec_encode (&buf, &len, &msg), 0, "240 months are fine");
    free (buf);
    int many [US_REPAIR_MONTHS + 1];
    for (int i = 0; i <= US_REPAIR_MONTHS; i++)
        many [i] = M (2015, 1) + i;
    msg = (us_msg_t) { .type = US_MSG_PULL, .request_id = 3 };
    msg.pull = (us_pull_t) { .months = many, .n_months = US_REPAIR_MONTHS + 1 };
    cr_assert_eq (us_codec_encode (&buf, &len, &msg), US_EINVAL);
    int backwards [2] = { M (2022, 5), M (2022, 4) };
    msg.pull = (us_pull_t) { .months = backwards, .n_months = 2 };
    cr_assert_eq (us_codec_encode (&buf, &len, &msg), US_EINVAL);
    uint8_t short_top [31] = { 0 };
    msg = (us_msg_t) { .type = US_MSG_CHANGES, .request_id = 3 };
    msg.changes = (us_changes_t) { .digest = { short_top, 31 } };
    cr_assert_eq (us_codec_encode (&buf, &len, &msg), US_EINVAL);

    /* Decoding: hand-made envelopes (version 2, id 7) around one body. */
    static const uint8_t wide [] = { 0x08, 0x02, 0x10, 0x07, 0x9A, 0x01, 0x08,
        0x08, 0xE0, 0xBB, 0x01, 0x10, 0xF3, 0xBD, 0x01 };      /* 2002-09 .. 2025-08 */
    static const uint8_t wrong_len [] = { 0x08, 0x02, 0x10, 0x07, 0xA2, 0x01, 0x08,
        0x12, 0x06, 0x08, 0xC0, 0xBB, 0x01, 0x12, 0x00 };      /* 2000-01, 0 bytes */
    static const uint8_t order [] = { 0x08, 0x02, 0x10, 0x07, 0x72, 0x08,
        0x2A, 0x06, 0xCC, 0xBD, 0x01, 0xCB, 0xBD, 0x01 };      /* months 2022-05, 2022-04 */
    const uint8_t *bad [] = { wide, wrong_len, order };
    size_t lens [] = { sizeof wide, sizeof wrong_len, sizeof order };
    const char *why [] = { "digest of a bad range", "month digest 0 is bad", "bad months" };
    for (int i = 0; i < 3; i++) {
        us_msg_t *out = NULL;
        cr_assert_eq (us_codec_decode (&out, bad [i], lens [i]), US_EPROTO, "case %d", i);
        cr_assert_null (out);
        cr_assert_not_null (strstr (us_error_msg (), why [i]), "case %d: %s", i,
                            us_error_msg ());
    }
}
