/*  Unit tests for us_probe: what a probe tells about the server at an
    endpoint, against real ZeroMQ CURVE sockets and a real TCP listener. */
#include "us_error.h"
#include "us_keys.h"
#include "us_probe.h"

#include "us_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <zmq.h>

static void *s_ctx;
static us_keys_t s_client;
static char s_server_public [41], s_server_secret [41];

static void
s_setup (void)
{
    s_ctx = zmq_ctx_new ();
    cr_assert_not_null (s_ctx);
    cr_assert_eq (us_keys_generate (&s_client, true), 0);
    cr_assert_eq (zmq_curve_keypair (s_server_public, s_server_secret), 0);
}

static void
s_teardown (void)
{
    zmq_ctx_term (s_ctx);
}

TestSuite (probe, .init = s_setup, .fini = s_teardown);

/* Binds a CURVE server (no ZAP: every client key is let in) on a free
   port; writes its endpoint. */
static void *
s_server (char *endpoint, size_t size)
{
    void *sock = zmq_socket (s_ctx, ZMQ_ROUTER);
    int yes = 1, linger = 0;
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_SERVER, &yes, sizeof yes), 0);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, s_server_secret, 40), 0);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger), 0);
    cr_assert_eq (zmq_bind (sock, "tcp://127.0.0.1:*"), 0);
    size_t len = size;
    cr_assert_eq (zmq_getsockopt (sock, ZMQ_LAST_ENDPOINT, endpoint, &len), 0);
    return sock;
}

/* The right key: the handshake succeeds. */
Test (probe, right_key)
{
    char endpoint [64];
    void *server = s_server (endpoint, sizeof endpoint);
    us_probe_result_t result;
    cr_assert_eq (us_probe_run (&result, s_ctx, endpoint, s_server_public, &s_client, 2000), 0);
    cr_assert_eq (result, US_PROBE_OK);
    cr_assert_eq (us_probe_check (s_ctx, endpoint, s_server_public, &s_client), 0);
    zmq_close (server);
}

/* Another server's key: the server drops the handshake, and says so. */
Test (probe, wrong_server_key)
{
    char endpoint [64], other_public [41], other_secret [41];
    void *server = s_server (endpoint, sizeof endpoint);
    cr_assert_eq (zmq_curve_keypair (other_public, other_secret), 0);
    us_probe_result_t result;
    cr_assert_eq (us_probe_run (&result, s_ctx, endpoint, other_public, &s_client, 2000), 0);
    cr_assert_eq (result, US_PROBE_BAD_SERVER_KEY);
    cr_assert_eq (us_probe_check (s_ctx, endpoint, other_public, &s_client), US_EINVAL);
    cr_assert (strstr (us_error_msg (), "server key"), "%s", us_error_msg ());
    cr_assert (strstr (us_error_msg (), "unionsync config --server-key"), "%s", us_error_msg ());
    zmq_close (server);
}

/* Nothing listening: silent, and quickly (the refusal is seen at once).
   The port is held by a socket that is bound but not listening, so every
   connection to it is refused and no other process can take it meanwhile. */
Test (probe, nothing_listening)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    cr_assert_eq (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    cr_assert_eq (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", ntohs (addr.sin_port));
    us_probe_result_t result;
    cr_assert_eq (us_probe_run (&result, s_ctx, endpoint, s_server_public, &s_client, 2000), 0);
    cr_assert_eq (result, US_PROBE_SILENT);
    cr_assert_eq (us_probe_check (s_ctx, endpoint, s_server_public, &s_client), 0,
                  "silence adds nothing to 'no answer'");
    close (fd);
}

/* Accepts and closes every connection, as a relay whose server is down. */
static void *
s_closer (void *arg)
{
    int fd = *(int *) arg;
    for (int i = 0; i < 50; i++) {
        int c = accept (fd, NULL, NULL);
        if (c < 0)
            break;
        close (c);
    }
    return NULL;
}

/* A relay that drops every connection is no server: silent, not a key. */
Test (probe, relay_to_nothing)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    cr_assert_eq (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    cr_assert_eq (listen (fd, 16), 0);
    socklen_t len = sizeof addr;
    cr_assert_eq (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", ntohs (addr.sin_port));
    pthread_t thread;
    cr_assert_eq (pthread_create (&thread, NULL, s_closer, &fd), 0);
    us_probe_result_t result;
    cr_assert_eq (us_probe_run (&result, s_ctx, endpoint, s_server_public, &s_client, 1500), 0);
    cr_assert_eq (result, US_PROBE_SILENT);
    shutdown (fd, SHUT_RDWR);
    close (fd);
    pthread_join (thread, NULL);
}

/* A malformed endpoint is an error, not a verdict. */
Test (probe, bad_endpoint)
{
    us_probe_result_t result;
    cr_assert_eq (us_probe_run (&result, s_ctx, "tcp://", s_server_public, &s_client, 500),
                  US_EINVAL);
    cr_assert_eq (result, US_PROBE_SILENT);
}
