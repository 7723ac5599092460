/*  bench_codec: bytes on the wire per delta, as us_codec_encode makes them.

    Encodes the pushes a client sends for the first N cells of the shared
    enumeration in batches of BATCH (seq from 1, hybrid-logical-clock times
    of now, base_version 0, one author, no note, a 64-byte Ed25519
    signature, a request id as the client makes one), the PushAck answering
    each, and a Push of one edit alone. A Push is made as the client makes
    it: the batch's signed bytes first, then the envelope that carries them
    with the signature. Envelope bytes only: ZeroMQ framing, CURVE boxes and
    TCP/IP headers come on top (see the TCP figures). The same pushes in
    wire 1 (offices not yet upgraded) are measured for comparison.

    bench_codec PREFIX UNITS N BATCH
    prints: push_bytes_per_delta <x> ack_bytes_per_delta <y>
            single_push_bytes <b> single_ack_bytes <b> encode_us_per_delta <t>
            push_bytes_per_delta_wire1 <x>
*/
#include "bench_common.h"
#include "us_codec.h"
#include "us_error.h"
#include "us_hlc.h"

#include <string.h>

/* Fills deltas [0, count) from cell number first on. */
static void
s_fill (us_delta_t *d, bench_cell_t *cells, const char *prefix, int units, long first,
        long count, uint64_t hlc)
{
    for (long j = 0; j < count; j++) {
        if (bench_cell (&cells [j], prefix, units, first + j) != 0)
            bench_die ("not enough units", prefix);
        d [j] = (us_delta_t) { .seq = (uint64_t) (first + j + 1), .unit = cells [j].unit,
            .indicator = cells [j].indicator, .month = cells [j].month,
            .value = cells [j].value, .hlc = hlc + (uint64_t) j, .base_version = 0,
            .author = "bench", .note = "" };
    }
}

/* Encodes one Push (in wire version wire) and its PushAck; returns their
   sizes. */
static void
s_encode (size_t *push_len, size_t *ack_len, us_delta_t *d, long count, uint64_t req,
          uint32_t wire)
{
    static const uint8_t sig [64] = { 1 };
    us_msg_t msg = { .type = US_MSG_PUSH, .wire = wire, .request_id = req };
    msg.push = (us_push_t) { .epoch = 1, .count = (size_t) count, .deltas = d,
                             .signature = sig, .signature_len = 64 };
    uint8_t *signed_bytes, *buf;
    size_t signed_len;
    if (us_codec_signed_bytes (&signed_bytes, &signed_len, &msg.push, wire) != 0)
        bench_die ("encode batch", us_error_msg ());
    msg.push.batch = signed_bytes;
    msg.push.batch_len = signed_len;
    if (us_codec_encode (&buf, push_len, &msg) != 0)
        bench_die ("encode push", us_error_msg ());
    free (buf);
    free (signed_bytes);
    us_result_t *res = calloc ((size_t) count, sizeof *res);
    for (long j = 0; j < count; j++)
        res [j] = (us_result_t) { .seq = d [j].seq, .outcome = US_OUTCOME_ACCEPTED, .reason = "",
                                  .version = 1, .value = d [j].value };
    us_msg_t ack = { .type = US_MSG_PUSH_ACK, .request_id = req };
    ack.push_ack = (us_push_ack_t) { .count = (size_t) count, .results = res };
    if (us_codec_encode (&buf, ack_len, &ack) != 0)
        bench_die ("encode ack", us_error_msg ());
    free (buf);
    free (res);
}

int
main (int argc, char **argv)
{
    if (argc != 5) {
        fprintf (stderr, "usage: bench_codec PREFIX UNITS N BATCH\n");
        return 2;
    }
    const char *prefix = argv [1];
    int units = atoi (argv [2]);
    long n = atol (argv [3]), batch = atol (argv [4]);
    us_delta_t *d = calloc ((size_t) batch, sizeof *d);
    bench_cell_t *cells = calloc ((size_t) batch, sizeof *cells);
    uint64_t hlc = (uint64_t) us_hlc_wall_ms () << 16;
    uint64_t req = (uint64_t) us_hlc_wall_ms () << 8;
    size_t push_total = 0, ack_total = 0, push_total_v1 = 0;
    int64_t enc_ns = 0;
    for (long i = 0; i < n; i += batch) {
        long count = i + batch < n ? batch : n - i;
        s_fill (d, cells, prefix, units, i, count, hlc + (uint64_t) i);
        size_t p, a;
        int64_t t0 = bench_now_ns ();
        s_encode (&p, &a, d, count, ++req, US_WIRE_VERSION);
        enc_ns += bench_now_ns () - t0;
        push_total += p;
        ack_total += a;
        s_encode (&p, &a, d, count, req, 1);
        push_total_v1 += p;
    }
    size_t single_push, single_ack;
    s_fill (d, cells, prefix, units, n, 1, hlc + (uint64_t) n);
    s_encode (&single_push, &single_ack, d, 1, ++req, US_WIRE_VERSION);
    printf ("push_bytes_per_delta %.2f ack_bytes_per_delta %.2f single_push_bytes %zu"
            " single_ack_bytes %zu encode_us_per_delta %.3f push_bytes_per_delta_wire1 %.2f\n",
            (double) push_total / (double) n, (double) ack_total / (double) n,
            single_push, single_ack, enc_ns / 1e3 / (double) n,
            (double) push_total_v1 / (double) n);
    free (d);
    free (cells);
    return 0;
}
