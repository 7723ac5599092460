/*  us-rawpeer: a misbehaving replica, for end-to-end tests.

    Connects to the server of a district store with that store's own CURVE
    keys (so it passes authentication) and sends one hostile request: random
    bytes, a truncated Push, a Push with a bad signature, a Push of a unit
    outside the replica's scope, or a plain Hello. Prints the reply's type
    and message on one line and exits 0 when a reply came, 1 when none did
    within two seconds, 2 on bad usage.

    usage: us-rawpeer STORE random|truncated|badsig|foreign|hello
*/
#include "us_codec.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* Encodes a Push of two deltas for unit, signed with keys or with zeros. */
static int
s_push (uint8_t **buf, size_t *len, const us_keys_t *keys, const char *unit, bool good_sig)
{
    us_delta_t deltas [2] = {
        { .seq = 900001, .unit = unit, .indicator = "members.new", .month = 2022 * 12 + 4,
          .value = 5, .hlc = us_hlc_make (us_hlc_wall_ms (), 1), .author = "rawpeer", .note = "" },
        { .seq = 900002, .unit = unit, .indicator = "cdcs.new", .month = 2022 * 12 + 4,
          .value = 1, .hlc = us_hlc_make (us_hlc_wall_ms (), 2), .author = "rawpeer", .note = "" },
    };
    us_msg_t msg = { .type = US_MSG_PUSH, .request_id = 7 };
    msg.push.epoch = 1;
    msg.push.count = 2;
    msg.push.deltas = deltas;
    uint8_t sig [64] = { 0 };
    if (good_sig) {
        uint8_t *bytes;
        size_t n;
        if (us_codec_push_signed_bytes (&bytes, &n, &msg.push) != 0)
            return -1;
        int rc = us_keys_sign (sig, keys, bytes, n);
        free (bytes);
        if (rc)
            return -1;
    }
    msg.push.signature = sig;
    msg.push.signature_len = 64;
    return us_codec_encode (buf, len, &msg);
}

/* Builds the request of a mode; the caller frees *buf. */
static int
s_request (uint8_t **buf, size_t *len, const char *mode, const us_keys_t *keys,
           const char *unit)
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
    if (strcmp (mode, "truncated") == 0) {
        if (s_push (buf, len, keys, unit, true) != 0)
            return -1;
        *len /= 2;
        return 0;
    }
    if (strcmp (mode, "badsig") == 0)
        return s_push (buf, len, keys, unit, false);
    if (strcmp (mode, "foreign") == 0)
        return s_push (buf, len, keys, "QT.VINHLINH", true);
    if (strcmp (mode, "hello") == 0) {
        us_msg_t msg = { .type = US_MSG_HELLO, .request_id = 7 };
        msg.hello.epoch = 1;
        return us_codec_encode (buf, len, &msg);
    }
    return -1;
}

/* Sends one hostile request and prints the answer. */
int
main (int argc, char **argv)
{
    if (argc != 3) {
        fprintf (stderr, "usage: us-rawpeer STORE random|truncated|badsig|foreign|hello\n");
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
    if (s_request (&buf, &len, argv [2], &keys, us_dstore_unit (store)) != 0) {
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
            printf ("%s", us_msg_type_name (msg->type));
            if (msg->type == US_MSG_ERROR)
                printf (": %s", msg->error.message);
            if (msg->type == US_MSG_PUSH_ACK)
                for (size_t i = 0; i < msg->push_ack.count; i++)
                    printf (" %s%s%s", us_outcome_name (msg->push_ack.results [i].outcome),
                            *msg->push_ack.results [i].reason ? ": " : "",
                            msg->push_ack.results [i].reason);
            printf ("\n");
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
