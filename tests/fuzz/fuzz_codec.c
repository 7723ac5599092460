/*  fuzz_codec: the wire decoder, and the encoder on whatever it accepts.

    Every input is decoded twice: as a message (us_codec_decode) and as a
    kept batch (us_codec_batch_decode: a wire-2 Batch or the signed bytes
    of a wire-1 Push). A message the decoder accepts must encode again in
    its own wire (the encoder's bounds are no tighter than the decoder's),
    decode again to the same message (type, wire, request id, counts and
    every field, and a Push's signed bytes), and encode the second time to
    the same bytes. A Push's signed bytes (the batch as received in wire 2,
    the re-encoding in wire 1) must decode as a kept batch to the same
    deltas, and the signed bytes made again from those deltas must too, the
    same each time. A kept batch that decodes must be a Push whose signed
    bytes are the input (wire 2) and must encode in its wire. Any mismatch
    aborts, which libFuzzer reports as a crash with the input that caused it.
*/
#include "us_codec.h"
#include "us_period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stops the run with a reason; libFuzzer saves the input. */
#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf (stderr, "fuzz_codec: check failed at %s:%d: %s\n",     \
                     __FILE__, __LINE__, #cond);                            \
            abort ();                                                       \
        }                                                                   \
    } while (0)

/* True when two decoded strings are equal (NULL only equals NULL). */
static bool
s_same (const char *a, const char *b)
{
    return a == b || (a && b && strcmp (a, b) == 0);
}

/* Checks that two pushes carry the same batch: epoch and every delta. */
static void
s_check_deltas (const us_push_t *a, const us_push_t *b)
{
    CHECK (a->epoch == b->epoch);
    CHECK (a->count == b->count);
    for (size_t i = 0; i < a->count; i++) {
        const us_delta_t *x = &a->deltas [i], *y = &b->deltas [i];
        CHECK (x->seq == y->seq);
        CHECK (s_same (x->unit, y->unit));
        CHECK (s_same (x->indicator, y->indicator));
        CHECK (x->month == y->month);
        CHECK (x->value == y->value);
        CHECK (x->clear == y->clear);
        CHECK (x->hlc == y->hlc);
        CHECK (x->base_version == y->base_version);
        CHECK (s_same (x->author, y->author));
        CHECK (s_same (x->note, y->note));
        /* What the decoder promises every other module. */
        CHECK (x->unit && strlen (x->unit) <= US_MAX_CODE);
        CHECK (x->indicator && strlen (x->indicator) <= US_MAX_CODE);
        CHECK (x->author && strlen (x->author) <= US_MAX_CODE);
        CHECK (x->note && strlen (x->note) <= US_MAX_NOTE);
        CHECK (us_month_valid (x->month));
    }
}

/* Checks that two decoded pushes are the same, signature and signed bytes
   included. */
static void
s_check_push (const us_push_t *a, const us_push_t *b)
{
    s_check_deltas (a, b);
    CHECK (a->signature_len == b->signature_len);
    CHECK (a->signature_len == 0
        || memcmp (a->signature, b->signature, a->signature_len) == 0);
    CHECK (a->batch && b->batch && a->batch_len > 0);
    CHECK (a->batch_len == b->batch_len && memcmp (a->batch, b->batch, a->batch_len) == 0);
}

/* Checks two lists of months: the same, and as the decoder promises (at
   most max, valid, ascending). */
static void
s_check_months (const int *a, size_t na, const int *b, size_t nb, size_t max)
{
    CHECK (na == nb && na <= max);
    for (size_t i = 0; i < na; i++) {
        CHECK (a [i] == b [i] && us_month_valid (a [i]));
        CHECK (i == 0 || a [i] > a [i - 1]);
    }
}

/* Checks two Digests: the same months and digests, as promised. */
static void
s_check_digests (const us_digests_t *a, const us_digests_t *b)
{
    CHECK (a->head == b->head && a->count == b->count && a->count <= US_DIGEST_MONTHS);
    for (size_t i = 0; i < a->count; i++) {
        const us_month_hash_t *x = &a->months [i], *y = &b->months [i];
        CHECK (x->month == y->month && us_month_valid (x->month));
        CHECK (i == 0 || x->month > a->months [i - 1].month);
        CHECK (x->digest.len == 32 && y->digest.len == 32);
        CHECK (memcmp (x->digest.data, y->digest.data, 32) == 0);
    }
}

static void
s_check_changes (const us_changes_t *a, const us_changes_t *b)
{
    CHECK (a->next == b->next);
    CHECK (a->more == b->more);
    CHECK (a->n_units == b->n_units);
    CHECK (a->n_indicators == b->n_indicators);
    CHECK (a->n_cells == b->n_cells);
    CHECK (a->n_targets == b->n_targets);
    CHECK (a->n_conflicts == b->n_conflicts);
    CHECK (a->n_submissions == b->n_submissions);
    for (size_t i = 0; i < a->n_units; i++) {
        const us_unit_def_t *x = &a->units [i], *y = &b->units [i];
        CHECK (s_same (x->code, y->code) && s_same (x->name, y->name)
            && s_same (x->parent, y->parent) && s_same (x->kind, y->kind)
            && s_same (x->valid_from, y->valid_from) && s_same (x->valid_to, y->valid_to)
            && s_same (x->successor, y->successor) && s_same (x->shares, y->shares));
    }
    for (size_t i = 0; i < a->n_indicators; i++) {
        const us_indicator_def_t *x = &a->indicators [i], *y = &b->indicators [i];
        CHECK (s_same (x->code, y->code) && s_same (x->name, y->name)
            && s_same (x->kind, y->kind) && s_same (x->numerator, y->numerator)
            && s_same (x->denominator, y->denominator) && s_same (x->policy, y->policy)
            && s_same (x->rule, y->rule) && x->position == y->position);
    }
    for (size_t i = 0; i < a->n_cells; i++) {
        const us_cell_change_t *x = &a->cells [i], *y = &b->cells [i];
        CHECK (s_same (x->unit, y->unit) && s_same (x->indicator, y->indicator));
        CHECK (x->month == y->month && x->value == y->value && x->cleared == y->cleared);
        CHECK (x->version == y->version && x->hlc == y->hlc && x->corrected == y->corrected);
        CHECK (s_same (x->author, y->author) && s_same (x->note, y->note));
    }
    for (size_t i = 0; i < a->n_targets; i++) {
        const us_target_def_t *x = &a->targets [i], *y = &b->targets [i];
        CHECK (s_same (x->unit, y->unit) && s_same (x->indicator, y->indicator));
        CHECK (s_same (x->period, y->period) && s_same (x->source, y->source));
        CHECK (x->lo == y->lo && x->hi == y->hi && x->range == y->range
            && x->version == y->version);
    }
    for (size_t i = 0; i < a->n_conflicts; i++) {
        const us_conflict_notice_t *x = &a->conflicts [i], *y = &b->conflicts [i];
        CHECK (x->id == y->id && x->month == y->month && x->at == y->at);
        CHECK (s_same (x->unit, y->unit) && s_same (x->indicator, y->indicator));
        CHECK (x->winner_value == y->winner_value && x->winner_cleared == y->winner_cleared);
        CHECK (x->loser_value == y->loser_value && x->loser_cleared == y->loser_cleared);
        CHECK (s_same (x->winner_author, y->winner_author)
            && s_same (x->loser_author, y->loser_author) && s_same (x->rule, y->rule));
    }
    for (size_t i = 0; i < a->n_submissions; i++) {
        const us_submission_state_t *x = &a->submissions [i], *y = &b->submissions [i];
        CHECK (s_same (x->unit, y->unit) && s_same (x->period, y->period)
            && s_same (x->state, y->state) && x->at == y->at);
    }
    CHECK (a->digest.len == b->digest.len && (a->digest.len == 0 || a->digest.len == 32));
    CHECK (a->digest.len == 0 || memcmp (a->digest.data, b->digest.data, 32) == 0);
    s_check_months (a->months, a->n_months, b->months, b->n_months, US_REPAIR_MONTHS);
}

/* Checks that two decoded messages carry the same content. */
static void
s_check_same (const us_msg_t *a, const us_msg_t *b)
{
    CHECK (a->type == b->type);
    CHECK (a->wire == b->wire);
    CHECK (a->wire >= US_WIRE_OLDEST && a->wire <= US_WIRE_VERSION);
    CHECK (a->request_id == b->request_id);
    switch (a->type) {
        case US_MSG_HELLO:
            CHECK (a->hello.epoch == b->hello.epoch && a->hello.last_seq == b->hello.last_seq
                && a->hello.checkpoint == b->hello.checkpoint && a->hello.hlc == b->hello.hlc
                && a->hello.wire == b->hello.wire);
            break;
        case US_MSG_WELCOME:
            CHECK (a->welcome.server_time == b->welcome.server_time
                && a->welcome.epoch == b->welcome.epoch
                && a->welcome.high_water == b->welcome.high_water
                && s_same (a->welcome.unit, b->welcome.unit)
                && a->welcome.head == b->welcome.head
                && a->welcome.wire == b->welcome.wire
                && a->welcome.min_wire == b->welcome.min_wire
                && a->welcome.digest_months == b->welcome.digest_months);
            break;
        case US_MSG_PUSH:
            s_check_push (&a->push, &b->push);
            break;
        case US_MSG_PUSH_ACK:
            CHECK (a->push_ack.count == b->push_ack.count);
            for (size_t i = 0; i < a->push_ack.count; i++) {
                const us_result_t *x = &a->push_ack.results [i], *y = &b->push_ack.results [i];
                CHECK (x->seq == y->seq && x->outcome == y->outcome
                    && s_same (x->reason, y->reason) && x->version == y->version
                    && x->value == y->value && x->cleared == y->cleared
                    && x->duplicate == y->duplicate);
                CHECK (x->outcome >= US_OUTCOME_ACCEPTED && x->outcome <= US_OUTCOME_REJECTED);
            }
            break;
        case US_MSG_PULL:
            CHECK (a->pull.since == b->pull.since && a->pull.limit == b->pull.limit);
            CHECK (a->pull.digest_first == b->pull.digest_first
                && a->pull.digest_last == b->pull.digest_last);
            CHECK ((a->pull.digest_first == 0 && a->pull.digest_last == 0)
                || (us_month_valid (a->pull.digest_first)
                    && a->pull.digest_last >= a->pull.digest_first
                    && a->pull.digest_last - a->pull.digest_first < US_DIGEST_MONTHS));
            s_check_months (a->pull.months, a->pull.n_months, b->pull.months, b->pull.n_months,
                            US_REPAIR_MONTHS);
            break;
        case US_MSG_CHANGES:
            s_check_changes (&a->changes, &b->changes);
            break;
        case US_MSG_SUBMIT:
            CHECK (s_same (a->submit.unit, b->submit.unit)
                && s_same (a->submit.period, b->submit.period)
                && a->submit.hlc == b->submit.hlc);
            break;
        case US_MSG_SUBMIT_ACK:
            CHECK (a->submit_ack.ok == b->submit_ack.ok
                && s_same (a->submit_ack.reason, b->submit_ack.reason)
                && s_same (a->submit_ack.state, b->submit_ack.state));
            break;
        case US_MSG_ERROR:
            CHECK (a->error.code == b->error.code
                && s_same (a->error.message, b->error.message));
            CHECK (a->error.code < 0);
            break;
        case US_MSG_DIGEST:
            CHECK (a->digest.first == b->digest.first && a->digest.last == b->digest.last);
            CHECK (us_month_valid (a->digest.first) && us_month_valid (a->digest.last)
                && a->digest.first <= a->digest.last
                && a->digest.last - a->digest.first < US_DIGEST_MONTHS);
            break;
        case US_MSG_DIGESTS:
            s_check_digests (&a->digests, &b->digests);
            break;
        default:
            CHECK (!"decoder returned a message of no known type");
    }
}

/* A Push's signed bytes decode as a kept batch to the same deltas; the
   signed bytes made again from the deltas do too, the same each time. */
static void
s_check_signed_bytes (const us_msg_t *msg)
{
    us_msg_t *kept;
    CHECK (us_codec_batch_decode (&kept, msg->push.batch, msg->push.batch_len) == 0);
    CHECK (kept->type == US_MSG_PUSH && kept->wire == msg->wire);
    CHECK (kept->push.signature_len == 0);
    s_check_deltas (&msg->push, &kept->push);
    us_msg_destroy (&kept);

    uint8_t *bytes, *again;
    size_t len, again_len;
    CHECK (us_codec_signed_bytes (&bytes, &len, &msg->push, msg->wire) == 0);
    CHECK (us_codec_signed_bytes (&again, &again_len, &msg->push, msg->wire) == 0);
    CHECK (again_len == len && memcmp (again, bytes, len) == 0);
    free (again);
    if (msg->wire == 1)     /* the server re-encodes what a wire-1 office signed */
        CHECK (len == msg->push.batch_len && memcmp (bytes, msg->push.batch, len) == 0);
    CHECK (us_codec_batch_decode (&kept, bytes, len) == 0);
    s_check_deltas (&msg->push, &kept->push);
    us_msg_destroy (&kept);
    free (bytes);
}

/* Bytes that decode as a kept batch are a Push of a known wire whose
   signed bytes (for wire 2, the input itself) encode again in that wire. */
static void
s_check_kept (const uint8_t *data, size_t size)
{
    us_msg_t *msg = NULL;
    if (us_codec_batch_decode (&msg, data, size) != 0) {
        CHECK (msg == NULL);
        return;
    }
    CHECK (msg->type == US_MSG_PUSH);
    CHECK (msg->wire >= US_WIRE_OLDEST && msg->wire <= US_WIRE_VERSION);
    if (msg->wire == US_WIRE_VERSION)
        CHECK (msg->push.batch == data && msg->push.batch_len == size);
    uint8_t *buf;
    size_t len;
    CHECK (us_codec_encode (&buf, &len, msg) == 0);
    us_msg_t *again;
    CHECK (us_codec_decode (&again, buf, len) == 0);
    s_check_deltas (&msg->push, &again->push);
    us_msg_destroy (&again);
    free (buf);
    us_msg_destroy (&msg);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_check_kept (data, size);
    us_msg_t *msg = NULL;
    if (us_codec_decode (&msg, data, size) != 0) {
        CHECK (msg == NULL);
        return 0;
    }
    CHECK (msg != NULL);

    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK (us_codec_encode (&buf, &len, msg) == 0);
    us_msg_t *again = NULL;
    CHECK (us_codec_decode (&again, buf, len) == 0);
    s_check_same (msg, again);

    uint8_t *buf2 = NULL;
    size_t len2 = 0;
    CHECK (us_codec_encode (&buf2, &len2, again) == 0);
    CHECK (len2 == len && memcmp (buf2, buf, len) == 0);

    if (msg->type == US_MSG_PUSH)
        s_check_signed_bytes (msg);

    free (buf2);
    free (buf);
    us_msg_destroy (&again);
    us_msg_destroy (&msg);
    return 0;
}
