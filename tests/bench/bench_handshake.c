/*  bench_handshake: one CURVE handshake and nothing else, as a client
    store's replica would make it, so that the bytes a sync's own messages
    cost can be told from the handshake's fixed bytes (scripts/bench.sh
    runs it through us-faultproxy, which counts the bytes).

    bench_handshake CLIENT.db
    connects to the store's server with the store's keys and the socket
    options of a sync (ZMTP greeting, CURVE HELLO, WELCOME, INITIATE and
    READY), waits until the handshake has succeeded, closes; prints "ok",
    or exits 1 when no handshake succeeded within 5 s.
*/
#include "bench_common.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_keys.h"

#include <string.h>
#include <zmq.h>

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: bench_handshake CLIENT.db\n");
        return 2;
    }
    us_dstore_t *store;
    us_keys_t keys;
    if (us_dstore_open (&store, argv [1]) != 0
    ||  us_keys_load (&keys, us_dstore_key_path (store)) != 0)
        bench_die ("open", us_error_msg ());
    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    if (!sock
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, us_dstore_server_key (store), 40) != 0
    ||  zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, keys.curve_public, 40) != 0
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, keys.curve_secret, 40) != 0
    ||  zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero) != 0
    ||  zmq_socket_monitor (sock, "inproc://bench-handshake", ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0)
        bench_die ("socket", zmq_strerror (zmq_errno ()));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    int wait = 5000;
    if (!mon || zmq_connect (mon, "inproc://bench-handshake") != 0
    ||  zmq_setsockopt (mon, ZMQ_RCVTIMEO, &wait, sizeof wait) != 0
    ||  zmq_connect (sock, us_dstore_server (store)) != 0)
        bench_die ("connect", zmq_strerror (zmq_errno ()));
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int ok = zmq_msg_recv (&frame, mon, 0) >= 0;
    while (ok && zmq_msg_more (&frame) && zmq_msg_recv (&frame, mon, 0) >= 0)
        ;
    zmq_msg_close (&frame);
    zmq_socket_monitor (sock, NULL, 0);
    zmq_close (mon);
    zmq_close (sock);
    zmq_ctx_term (ctx);
    us_keys_wipe (&keys);
    us_dstore_destroy (&store);
    if (!ok)
        bench_die ("no handshake within 5 s", NULL);
    puts ("ok");
    return 0;
}
