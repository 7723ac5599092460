/*  us-flood: one enrolled replica that floods the province, for end-to-end
    tests of fairness and bounded memory.

    Connects with a district store's own CURVE keys (so it passes
    authentication) and sends messages of SIZE random bytes as fast as the
    socket takes them for SECONDS, never reading an answer. Prints the number
    of messages and megabytes it sent. Exits 0, or 2 on bad usage.

    usage: us-flood STORE SECONDS SIZE
*/
#include "us_dstore.h"
#include "us_error.h"
#include "us_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* Returns the monotonic clock in milliseconds. */
static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Floods the server of STORE for SECONDS with SIZE-byte messages. */
int
main (int argc, char **argv)
{
    if (argc != 4 || atoi (argv [2]) <= 0 || atoi (argv [3]) <= 0) {
        fprintf (stderr, "usage: us-flood STORE SECONDS SIZE\n");
        return 2;
    }
    int seconds = atoi (argv [2]);
    size_t size = (size_t) atoi (argv [3]);
    us_dstore_t *store;
    us_keys_t keys;
    if (us_dstore_open (&store, argv [1]) != 0
    ||  us_keys_load (&keys, us_dstore_key_path (store)) != 0) {
        fprintf (stderr, "us-flood: %s\n", us_error_msg ());
        return 2;
    }
    uint8_t *buf = malloc (size);
    if (!buf) {
        fprintf (stderr, "us-flood: out of memory\n");
        return 2;
    }
    srand (11);
    for (size_t i = 0; i < size; i++)
        buf [i] = (uint8_t) (rand () & 0xFF);
    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_DEALER);
    int linger = 0, hwm = 100000;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, us_dstore_server_key (store), 40);
    zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, keys.curve_public, 40);
    zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, keys.curve_secret, 40);
    zmq_connect (sock, us_dstore_server (store));
    long long end = s_now_ms () + seconds * 1000LL;
    unsigned long long sent = 0;
    while (s_now_ms () < end) {
        if (zmq_send (sock, buf, size, ZMQ_DONTWAIT) >= 0)
            sent++;
        else {
            zmq_pollitem_t item = { sock, 0, ZMQ_POLLOUT, 0 };
            zmq_poll (&item, 1, 50);
        }
        /* Answers are dropped unread, as a hostile peer would. */
        char sink [64];
        while (zmq_recv (sock, sink, sizeof sink, ZMQ_DONTWAIT) >= 0)
            ;
    }
    printf ("sent %llu messages, %llu MB\n", sent, sent * size / (1024 * 1024));
    free (buf);
    zmq_close (sock);
    zmq_ctx_term (ctx);
    us_keys_wipe (&keys);
    us_dstore_destroy (&store);
    return 0;
}
