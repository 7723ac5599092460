/*  us-rawpeer: a misbehaving replica, for end-to-end tests.

    Connects to the server of a district store with that store's own CURVE
    keys (so it passes authentication) and sends one request: random bytes,
    a truncated Push, a Push with a bad signature, a Push of a unit outside
    the replica's scope, a correctly signed Push of its own unit (also with
    escape sequences in its author and note: hostile-text), a batch of
    400,000 empty deltas (800 KB), a plain Hello, or anti-entropy's
    requests: the month digests of 2022 (digest), of 2000..2030 (a range
    past the server's bound: digest-wide), a repair of 2022-01..2022-12
    (repair) or of 65 months (past the bound: repair-many). With --wire 1 the
    request is written in wire 1, as an office not yet upgraded sends it
    (its Push signed the old way). Prints the reply's type, message or
    per-delta outcomes and the reply's wire version on one line (and the
    hex of a Push's signed bytes on stderr), and exits
    0 when a reply came, 1 when none did within two seconds, 2 on bad usage.
    A foreign Push carries fixed clocks, so sending it twice repeats the same
    edits; --values adds each result's value, version and cleared flag.

    usage: us-rawpeer STORE random|truncated|badsig|foreign|push|hostile-text|empty|hello|
                      digest|digest-wide|repair|repair-many [--wire 1|2] [--values]
*/
#include "us_codec.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define USAGE "usage: us-rawpeer STORE random|truncated|badsig|foreign|push|hostile-text|empty|" \
              "hello|digest|digest-wide|repair|repair-many [--wire 1|2] [--values]\n"

/* Whether replies print each result's cell state. */
static bool s_values;

/* The author of a Push's first delta and the note of its second; a
   hostile Push puts escape sequences and a stray byte in them. */
static const char *s_author = "rawpeer";
static const char *s_note = "";

/* Encodes a Push of two deltas for unit in wire version wire, signed over
   that wire's signed bytes with keys, or with zeros. Each wire and unit
   has sequence numbers of its own, so one run's pushes do not collide. */
static int
s_push (uint8_t **buf, size_t *len, uint32_t wire, const us_keys_t *keys,
        const char *unit, bool good_sig, uint64_t first_seq, int64_t ms)
{
    us_delta_t deltas [2] = {
        { .seq = first_seq, .unit = unit, .indicator = "members.new", .month = 2022 * 12 + 4,
          .value = 5, .hlc = us_hlc_make (ms, 1), .author = s_author, .note = "" },
        { .seq = first_seq + 1, .unit = unit, .indicator = "cdcs.new", .month = 2022 * 12 + 4,
          .value = 1, .hlc = us_hlc_make (ms, 2), .author = "rawpeer", .note = s_note },
    };
    us_msg_t msg = { .type = US_MSG_PUSH, .wire = wire, .request_id = 7 };
    msg.push.epoch = 1;
    msg.push.count = 2;
    msg.push.deltas = deltas;
    uint8_t *bytes;
    size_t n;
    if (us_codec_signed_bytes (&bytes, &n, &msg.push, wire) != 0)
        return -1;
    uint8_t sig [64] = { 0 };
    if (good_sig && us_keys_sign (sig, keys, bytes, n) != 0) {
        free (bytes);
        return -1;
    }
    msg.push.signature = sig;
    msg.push.signature_len = 64;
    fprintf (stderr, "signed bytes ");
    for (size_t i = 0; i < n; i++)
        fprintf (stderr, "%02X", bytes [i]);
    fprintf (stderr, "\n");
    if (wire != 1) {
        msg.push.batch = bytes;
        msg.push.batch_len = n;
    }
    int rc = us_codec_encode (buf, len, &msg);
    free (bytes);
    return rc;
}

/* Appends a varint to buf at *n. */
static void
s_varint (uint8_t *buf, size_t *n, uint64_t v)
{
    do {
        buf [(*n)++] = (uint8_t) ((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

/* Returns the length of v as a varint. */
static size_t
s_varint_len (uint64_t v)
{
    size_t n = 1;
    while (v > 0x7F) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Builds by hand a Push of 400,000 empty deltas (two bytes each) in wire
   version wire: 800 KB that protobuf would unpack into about 60 MB. */
static int
s_empty (uint8_t **buf, size_t *len, uint32_t wire)
{
    size_t count = 400000;
    size_t batch = 2 + 2 * count;                   /* Batch.format, deltas */
    size_t body = wire == 1 ? 2 * count : 1 + s_varint_len (batch) + batch;
    uint8_t *b = *buf = malloc (body + 16);
    if (!b)
        return -1;
    size_t n = 0;
    b [n++] = 0x08;                         /* Envelope.version */
    b [n++] = (uint8_t) wire;
    b [n++] = 0x10;                         /* Envelope.request_id = 7 */
    b [n++] = 0x07;
    b [n++] = 0x62;                         /* Envelope.push */
    s_varint (b, &n, body);
    if (wire != 1) {
        b [n++] = 0x3a;                     /* Push.batch */
        s_varint (b, &n, batch);
        b [n++] = 0x08;                     /* Batch.format = 2 */
        b [n++] = 0x02;
    }
    for (size_t i = 0; i < count; i++) {
        b [n++] = wire == 1 ? 0x2a : 0x4a;  /* Push.deltas, Batch.deltas */
        b [n++] = 0x00;
    }
    *len = n;
    return 0;
}

/* Writes by hand (the codec refuses to) a Digest of 2000-01..2030-12, or
   a repair Pull of 65 months: requests past the server's bounds. */
static int
s_over_bound (uint8_t **buf, size_t *len, uint32_t wire, bool digest)
{
    uint8_t body [512], *out = malloc (600);
    size_t n = 0, at = 0;
    if (!out)
        return -1;
    if (digest) {
        body [n++] = 0x08;                      /* first */
        s_varint (body, &n, 2000 * 12);
        body [n++] = 0x10;                      /* last */
        s_varint (body, &n, 2030 * 12 + 11);
    }
    else {
        uint8_t packed [256];
        size_t p = 0;
        for (int i = 0; i < 65; i++)
            s_varint (packed, &p, 2018 * 12 + (uint64_t) i);
        body [n++] = 0x2A;                      /* months, packed */
        s_varint (body, &n, p);
        memcpy (body + n, packed, p);
        n += p;
    }
    out [at++] = 0x08;                          /* Envelope.version */
    s_varint (out, &at, wire);
    out [at++] = 0x10;                          /* request_id */
    s_varint (out, &at, 7);
    s_varint (out, &at, digest ? (19 << 3 | 2) : (14 << 3 | 2));
    s_varint (out, &at, n);
    memcpy (out + at, body, n);
    *buf = out;
    *len = at + n;
    return 0;
}

/* Builds the request of a mode; the caller frees *buf. */
static int
s_request (uint8_t **buf, size_t *len, const char *mode, uint32_t wire,
           const us_keys_t *keys, const char *unit)
{
    if (strcmp (mode, "random") == 0) {
        *len = 300;
        *buf = malloc (*len);
        if (!*buf)
            return -1;
        for (size_t i = 0; i < *len; i++)
            (*buf) [i] = (uint8_t) (rand () & 0xFF);
        return 0;
    }
    uint64_t seq = 900001 + 10 * wire;
    int64_t now = us_hlc_wall_ms ();
    if (strcmp (mode, "truncated") == 0) {
        if (s_push (buf, len, wire, keys, unit, true, seq, now) != 0)
            return -1;
        *len /= 2;
        return 0;
    }
    if (strcmp (mode, "badsig") == 0)
        return s_push (buf, len, wire, keys, unit, false, seq, now);
    if (strcmp (mode, "foreign") == 0)
        return s_push (buf, len, wire, keys, "QT.VINHLINH", true, seq + 100,
                       1650000000000);     /* fixed: a second run repeats it */
    if (strcmp (mode, "push") == 0)
        return s_push (buf, len, wire, keys, unit, true, seq, now);
    if (strcmp (mode, "hostile-text") == 0) {
        s_author = "raw\x1b[31mpeer";
        s_note = "note \x1b]0;owned\x07 \xff";
        return s_push (buf, len, wire, keys, unit, true, seq + 200, now);
    }
    if (strcmp (mode, "empty") == 0)
        return s_empty (buf, len, wire);
    if (strcmp (mode, "digest") == 0) {
        us_msg_t msg = { .type = US_MSG_DIGEST, .wire = wire, .request_id = 7 };
        msg.digest = (us_digest_req_t) { 2022 * 12, 2022 * 12 + 11 };
        return us_codec_encode (buf, len, &msg);
    }
    if (strcmp (mode, "repair") == 0) {
        int months [12];
        for (int i = 0; i < 12; i++)
            months [i] = 2022 * 12 + i;
        us_msg_t msg = { .type = US_MSG_PULL, .wire = wire, .request_id = 7 };
        msg.pull.months = months;
        msg.pull.n_months = 12;
        return us_codec_encode (buf, len, &msg);
    }
    if (strcmp (mode, "digest-wide") == 0 || strcmp (mode, "repair-many") == 0)
        return s_over_bound (buf, len, wire, strcmp (mode, "digest-wide") == 0);
    if (strcmp (mode, "hello") == 0) {
        us_msg_t msg = { .type = US_MSG_HELLO, .wire = wire, .request_id = 7 };
        msg.hello.epoch = 1;
        msg.hello.wire = wire == 1 ? 0 : wire;  /* a wire-1 client sent none */
        return us_codec_encode (buf, len, &msg);
    }
    return -1;
}

/* Prints a decoded reply on one line. */
static void
s_print (const us_msg_t *msg)
{
    printf ("%s", us_msg_type_name (msg->type));
    if (msg->type == US_MSG_ERROR)
        printf (": %s", msg->error.message);
    if (msg->type == US_MSG_DIGESTS)
        printf (": %zu months", msg->digests.count);
    if (msg->type == US_MSG_CHANGES)
        printf (": %zu figures, %zu months whole", msg->changes.n_cells, msg->changes.n_months);
    if (msg->type == US_MSG_PUSH_ACK)
        for (size_t i = 0; i < msg->push_ack.count; i++) {
            const us_result_t *r = &msg->push_ack.results [i];
            printf (" %s%s%s", us_outcome_name (r->outcome), *r->reason ? ": " : "", r->reason);
            if (s_values)
                printf (" {value %" PRId64 " version %" PRIu64 "%s}", r->value, r->version,
                        r->cleared ? " cleared" : "");
        }
    printf (" [wire %u]\n", msg->wire);
}

/* Sends one request and prints the answer. */
int
main (int argc, char **argv)
{
    uint32_t wire = US_WIRE_VERSION;
    bool usage = argc < 3;
    for (int i = 3; !usage && i < argc; i++)
        if (strcmp (argv [i], "--values") == 0)
            s_values = true;
        else
        if (strcmp (argv [i], "--wire") == 0 && i + 1 < argc
        &&  (strcmp (argv [i + 1], "1") == 0 || strcmp (argv [i + 1], "2") == 0))
            wire = (uint32_t) atoi (argv [++i]);
        else
            usage = true;
    if (usage) {
        fprintf (stderr, USAGE);
        return 2;
    }
    srand (7);
    us_dstore_t *store;
    us_keys_t keys;
    if (us_dstore_open (&store, argv [1]) != 0
    ||  us_keys_load (&keys, us_dstore_key_path (store)) != 0) {
        fprintf (stderr, "us-rawpeer: %s\n", us_error_msg ());
        return 2;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    if (s_request (&buf, &len, argv [2], wire, &keys, us_dstore_unit (store)) != 0) {
        fprintf (stderr, "us-rawpeer: unknown mode or cannot encode '%s'\n", argv [2]);
        return 2;
    }
    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, us_dstore_server_key (store), 40);
    zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, keys.curve_public, 40);
    zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, keys.curve_secret, 40);
    zmq_connect (sock, us_dstore_server (store));
    zmq_send (sock, buf, len, 0);
    free (buf);
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    int got = zmq_poll (&item, 1, 2000) == 1;
    if (got) {
        zmq_msg_t reply;
        zmq_msg_init (&reply);
        zmq_msg_recv (&reply, sock, 0);
        us_msg_t *msg;
        if (us_codec_decode (&msg, zmq_msg_data (&reply), zmq_msg_size (&reply)) == 0) {
            s_print (msg);
            us_msg_destroy (&msg);
        }
        else
            printf ("undecodable reply\n");
        zmq_msg_close (&reply);
    }
    else
        printf ("no reply\n");
    zmq_close (sock);
    zmq_ctx_term (ctx);
    us_keys_wipe (&keys);
    us_dstore_destroy (&store);
    return got ? 0 : 1;
}
