/*  us_faultproxy: a fault-injecting TCP proxy for unionsync end-to-end tests.

    Listens on one address and forwards every accepted connection to a
    target address, byte for byte in both directions, while injecting
    faults that let tests check that sync survives flaky links:

      cut     both sides are reset (SO_LINGER 0, so an RST) once the
              connection has forwarded a random number of bytes.
      delay   each forwarded chunk waits a random 0..N ms; order is kept
              per direction.
      rate    each direction carries at most N kbit/s (a slow district
              link): a chunk is released when its last byte would have
              arrived at that rate.
      stall   from a random point nothing is forwarded either way, but the
              sockets stay open, like a dead peer, until one side closes.
      drop    the connection is blackholed from the start: the upstream is
              opened, but all bytes are read and discarded, both ways.
      dup     at a random point the upstream is closed and a fresh one is
              opened, and every client byte forwarded so far is replayed
              to it, so the server sees a repeated handshake and messages.

    Fault decisions are drawn per connection from a splitmix64 generator
    keyed by the seed and the connection's accept number, so the same seed
    and the same sequence of connections give the same faults.  A "random
    point" is a byte count from 0 to 4096, counted over the bytes forwarded
    in both directions; writes are split so that the fault lands exactly on
    it, which may be mid-message.  A planned cut, stall or dup only happens
    if the connection carries that many bytes, and a dup is skipped once the
    server has closed its side; the summary counts the faults that did
    happen.  The delays are random too, but chunk sizes depend on timing,
    so only the per-connection decisions are reproducible.

    Single-threaded and poll()-based, with non-blocking sockets and at most
    256 KiB buffered per direction; reading stops while a buffer is full.
    Half-closes are propagated with shutdown(SHUT_WR).

    Prints "listening HOST:PORT" on stdout once bound (port 0 picks a free
    port), logs each fault on stderr unless --quiet, and on SIGINT/SIGTERM
    prints a summary line on stdout and exits 0.  bytes_up and bytes_down
    count bytes written to the server (replays included) and to clients.

    Build: gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 \
               -o us-faultproxy tests/faultproxy/us_faultproxy.c
*/
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROXY_NAME        "us-faultproxy"
#define FLOW_MAX          (256 * 1024)  /* bytes buffered per direction */
#define READ_MAX          (64 * 1024)   /* bytes read per call */
#define FAULT_SPAN        4096          /* faults land within this many bytes */
#define DEFAULT_MAX_CONNS 1024
#define LIMIT_MAX_CONNS   100000
#define LIMIT_DELAY_MS    3600000
#define ACCEPT_PAUSE_MS   100           /* back-off when out of descriptors */
#define RESERVED_FDS      16            /* descriptors kept for everything else */

/* A chunk of bytes waiting to be forwarded. */
typedef struct _chunk_t chunk_t;
struct _chunk_t {
    chunk_t *next;
    int64_t release;                /* monotonic ms when it may be written */
    size_t size;
    size_t sent;
    bool replay;                    /* replayed after a dup, not new traffic */
    unsigned char data [];
};

/* One direction of a connection: an ordered queue of chunks. */
typedef struct {
    chunk_t *head;
    chunk_t *tail;
    size_t queued;                  /* bytes held and not yet written */
    int64_t last_release;           /* release time of the newest chunk */
    bool eof;                       /* source has closed its write side */
    bool shut;                      /* shutdown propagated to destination */
} flow_t;

/* One proxied connection. */
typedef struct {
    uint64_t id;                    /* accept number, from 1 */
    int client;
    int upstream;
    int pfd_client;                 /* index in the poll set, or -1 */
    int pfd_upstream;
    bool connecting;                /* upstream connect in progress */
    bool dead;                      /* closed; freed at the end of the loop */
    flow_t up;                      /* client to server */
    flow_t down;                    /* server to client */
    uint64_t rng;
    uint64_t position;              /* new bytes forwarded, both directions */
    bool drop;
    bool stalled;
    bool cut_armed;
    bool stall_armed;
    bool dup_armed;
    uint64_t cut_at;
    uint64_t stall_at;
    uint64_t dup_at;
    unsigned char *history;         /* client bytes forwarded, kept for dup */
    size_t history_size;
} conn_t;

/* Command-line settings. */
typedef struct {
    const char *listen_spec;
    const char *target_spec;
    uint64_t seed;
    double cut_rate;
    double stall_rate;
    double drop_rate;
    double dup_rate;
    uint64_t delay_ms;
    uint64_t rate_kbps;             /* 0: as fast as the sockets go */
    size_t max_conns;
    bool quiet;
} options_t;

/* The proxy: settings, sockets, connections and counters. */
typedef struct {
    options_t opt;
    struct sockaddr_storage target;
    socklen_t target_len;
    int listener;
    int64_t accept_resume;          /* monotonic ms; 0 when accepting */
    conn_t **conns;
    size_t nconns;
    struct pollfd *pfds;
    uint64_t connections;
    uint64_t cut;
    uint64_t stalled;
    uint64_t dropped;
    uint64_t duplicated;
    uint64_t bytes_up;
    uint64_t bytes_down;
} proxy_t;

static volatile sig_atomic_t s_terminate = 0;
static unsigned char s_buffer [READ_MAX];

/* Prints the usage text. */
static void
s_usage (FILE *out)
{
    fprintf (out,
        "usage: " PROXY_NAME " --listen HOST:PORT --target HOST:PORT [--seed N]\n"
        "       [--cut-rate F] [--delay-ms N] [--stall-rate F] [--drop-rate F]\n"
        "       [--dup-rate F] [--rate-kbps N] [--max-conns N] [--quiet]\n");
}

/* Reports a bad argument in one line and exits with status 2. */
static void __attribute__ ((format (printf, 1, 2), noreturn))
s_bad_args (const char *format, ...)
{
    va_list args;
    fputs (PROXY_NAME ": ", stderr);
    va_start (args, format);
    vfprintf (stderr, format, args);
    va_end (args);
    fputc ('\n', stderr);
    exit (2);
}

/* Reports a fatal runtime error in one line and exits with status 1. */
static void __attribute__ ((format (printf, 1, 2), noreturn))
s_fatal (const char *format, ...)
{
    va_list args;
    fputs (PROXY_NAME ": ", stderr);
    va_start (args, format);
    vfprintf (stderr, format, args);
    va_end (args);
    fputc ('\n', stderr);
    exit (1);
}

/* Parses a probability from 0 to 1, or exits on a bad value. */
static double
s_parse_rate (const char *name, const char *text)
{
    char *end;
    errno = 0;
    double value = strtod (text, &end);
    if (errno || end == text || *end || !(value >= 0.0 && value <= 1.0))
        s_bad_args ("%s must be a number from 0 to 1, got '%s'", name, text);
    return value;
}

/* Parses a decimal integer from min to max, or exits on a bad value. */
static uint64_t
s_parse_uint (const char *name, const char *text, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull (text, &end, 10);
    if (*text < '0' || *text > '9' || errno || *end
    ||  value < min || value > max)
        s_bad_args ("%s must be an integer from %" PRIu64 " to %" PRIu64
                    ", got '%s'", name, min, max, text);
    return (uint64_t) value;
}

/* Resolves HOST:PORT (or [HOST]:PORT); returns NULL or a reason. */
static const char *
s_resolve (const char *spec, bool passive,
           struct sockaddr_storage *addr, socklen_t *addr_len)
{
    const char *colon = strrchr (spec, ':');
    if (!colon || colon == spec || !colon [1])
        return "expected HOST:PORT";
    char host [256];
    size_t host_len = (size_t) (colon - spec);
    if (spec [0] == '[' && colon [-1] == ']' && host_len > 2) {
        spec++;
        host_len -= 2;
    }
    if (host_len >= sizeof host)
        return "host name too long";
    memcpy (host, spec, host_len);
    host [host_len] = 0;

    const char *port = colon + 1;
    char *end;
    errno = 0;
    unsigned long number = strtoul (port, &end, 10);
    if (*port < '0' || *port > '9' || errno || *end || number > 65535)
        return "port must be a number from 0 to 65535";
    if (number == 0 && !passive)
        return "port 0 is only allowed for --listen";

    struct addrinfo hints, *result;
    memset (&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    int rc = getaddrinfo (host, port, &hints, &result);
    if (rc)
        return gai_strerror (rc);
    memcpy (addr, result->ai_addr, result->ai_addrlen);
    *addr_len = result->ai_addrlen;
    freeaddrinfo (result);
    return NULL;
}

/* Parses the command line into opt, exiting with status 2 on errors. */
static void
s_parse_args (int argc, char **argv, options_t *opt)
{
    memset (opt, 0, sizeof *opt);
    opt->seed = 1;
    opt->max_conns = DEFAULT_MAX_CONNS;

    for (int index = 1; index < argc; index++) {
        const char *name = argv [index];
        if (strcmp (name, "--quiet") == 0) {
            opt->quiet = true;
            continue;
        }
        if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0) {
            s_usage (stdout);
            exit (0);
        }
        const char *known [] = {
            "--listen", "--target", "--seed", "--cut-rate", "--delay-ms",
            "--stall-rate", "--drop-rate", "--dup-rate", "--rate-kbps", "--max-conns"
        };
        bool found = false;
        for (size_t k = 0; k < sizeof known / sizeof known [0]; k++)
            if (strcmp (name, known [k]) == 0)
                found = true;
        if (!found)
            s_bad_args ("unknown argument '%s' (try --help)", name);
        if (index + 1 >= argc)
            s_bad_args ("%s needs a value", name);
        const char *value = argv [++index];

        if (strcmp (name, "--listen") == 0)
            opt->listen_spec = value;
        else
        if (strcmp (name, "--target") == 0)
            opt->target_spec = value;
        else
        if (strcmp (name, "--seed") == 0)
            opt->seed = s_parse_uint (name, value, 0, UINT64_MAX);
        else
        if (strcmp (name, "--cut-rate") == 0)
            opt->cut_rate = s_parse_rate (name, value);
        else
        if (strcmp (name, "--delay-ms") == 0)
            opt->delay_ms = s_parse_uint (name, value, 0, LIMIT_DELAY_MS);
        else
        if (strcmp (name, "--rate-kbps") == 0)
            opt->rate_kbps = s_parse_uint (name, value, 1, 10000000);
        else
        if (strcmp (name, "--stall-rate") == 0)
            opt->stall_rate = s_parse_rate (name, value);
        else
        if (strcmp (name, "--drop-rate") == 0)
            opt->drop_rate = s_parse_rate (name, value);
        else
        if (strcmp (name, "--dup-rate") == 0)
            opt->dup_rate = s_parse_rate (name, value);
        else
            opt->max_conns = (size_t) s_parse_uint (name, value, 1, LIMIT_MAX_CONNS);
    }
    if (!opt->listen_spec)
        s_bad_args ("--listen HOST:PORT is required");
    if (!opt->target_spec)
        s_bad_args ("--target HOST:PORT is required");
}

/* Returns the monotonic clock in milliseconds. */
static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Scrambles a 64-bit value (the splitmix64 finalizer). */
static uint64_t
s_mix (uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Returns the next value of a splitmix64 generator. */
static uint64_t
s_rng_next (uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return s_mix (*state);
}

/* Returns a uniform double in [0, 1). */
static double
s_rng_unit (uint64_t *state)
{
    return (double) (s_rng_next (state) >> 11) * 0x1.0p-53;
}

/* Returns a uniform integer in [0, limit). */
static uint64_t
s_rng_below (uint64_t *state, uint64_t limit)
{
    return s_rng_next (state) % limit;
}

/* Disables Nagle so small protocol frames are not held back. */
static void
s_set_nodelay (int fd)
{
    int on = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* Makes close() send an RST instead of a FIN. */
static void
s_set_linger0 (int fd)
{
    struct linger linger = { .l_onoff = 1, .l_linger = 0 };
    setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
}

/* Formats a socket address as HOST:PORT, with brackets for IPv6. */
static void
s_format_addr (const struct sockaddr *addr, socklen_t addr_len,
               char *text, size_t size)
{
    char host [NI_MAXHOST], port [NI_MAXSERV];
    if (getnameinfo (addr, addr_len, host, sizeof host, port, sizeof port,
                     NI_NUMERICHOST | NI_NUMERICSERV)) {
        snprintf (text, size, "?");
        return;
    }
    snprintf (text, size, addr->sa_family == AF_INET6? "[%s]:%s": "%s:%s",
              host, port);
}

/* Raises the descriptor limit for max_conns; returns how many fit. */
static size_t
s_fit_fd_limit (size_t max_conns, bool quiet)
{
    struct rlimit limit;
    rlim_t need = (rlim_t) max_conns * 2 + RESERVED_FDS;
    if (getrlimit (RLIMIT_NOFILE, &limit) || limit.rlim_cur == RLIM_INFINITY
    ||  limit.rlim_cur >= need)
        return max_conns;
    limit.rlim_cur = need;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_cur > limit.rlim_max)
        limit.rlim_cur = limit.rlim_max;
    setrlimit (RLIMIT_NOFILE, &limit);
    if (getrlimit (RLIMIT_NOFILE, &limit) || limit.rlim_cur >= need)
        return max_conns;
    size_t fit = limit.rlim_cur > 2 + RESERVED_FDS
               ? (size_t) (limit.rlim_cur - RESERVED_FDS) / 2: 1;
    if (!quiet)
        fprintf (stderr, PROXY_NAME ": descriptor limit allows only %zu"
                 " connections, not %zu\n", fit, max_conns);
    return fit;
}

/* Logs one line about a connection to stderr, unless quiet. */
static void __attribute__ ((format (printf, 3, 4)))
s_log (proxy_t *self, conn_t *conn, const char *format, ...)
{
    if (self->opt.quiet)
        return;
    va_list args;
    fprintf (stderr, "faultproxy: conn %" PRIu64 ": ", conn->id);
    va_start (args, format);
    vfprintf (stderr, format, args);
    va_end (args);
    fputc ('\n', stderr);
}

/* Appends a copy of data to the flow; returns -1 if out of memory. */
static int
flow_push (flow_t *self, const unsigned char *data, size_t size,
           int64_t release, bool replay)
{
    chunk_t *chunk = malloc (sizeof (chunk_t) + size);
    if (!chunk)
        return -1;
    chunk->next = NULL;
    chunk->release = release;
    chunk->size = size;
    chunk->sent = 0;
    chunk->replay = replay;
    memcpy (chunk->data, data, size);
    if (self->tail)
        self->tail->next = chunk;
    else
        self->head = chunk;
    self->tail = chunk;
    self->queued += size;
    return 0;
}

/* Puts the last chunk of the flow in front of all others. */
static void
flow_tail_to_front (flow_t *self)
{
    chunk_t *chunk = self->tail;
    if (!chunk || chunk == self->head)
        return;
    chunk_t *before = self->head;
    while (before->next != chunk)
        before = before->next;
    before->next = NULL;
    self->tail = before;
    chunk->next = self->head;
    self->head = chunk;
}

/* Removes and frees the head chunk. */
static void
flow_pop (flow_t *self)
{
    chunk_t *chunk = self->head;
    self->head = chunk->next;
    if (!self->head)
        self->tail = NULL;
    free (chunk);
}

/* Frees all chunks of the flow. */
static void
flow_clear (flow_t *self)
{
    while (self->head)
        flow_pop (self);
    self->queued = 0;
}

/* Returns true when the head chunk may be written now. */
static bool
flow_ready (flow_t *self, int64_t now)
{
    return self->head && self->head->release <= now;
}

/* Returns true while the flow may take more bytes from its source. */
static bool
flow_open (flow_t *self)
{
    return !self->eof && self->queued < FLOW_MAX;
}

/* Closes both sockets and frees buffers; abort sends RSTs. */
static void
conn_close (conn_t *conn, bool abort)
{
    if (conn->dead)
        return;
    if (conn->client >= 0) {
        if (abort)
            s_set_linger0 (conn->client);
        close (conn->client);
        conn->client = -1;
    }
    if (conn->upstream >= 0) {
        if (abort)
            s_set_linger0 (conn->upstream);
        close (conn->upstream);
        conn->upstream = -1;
    }
    flow_clear (&conn->up);
    flow_clear (&conn->down);
    free (conn->history);
    conn->history = NULL;
    conn->dead = true;
}

/* Starts a non-blocking connect to the target; returns -1 on failure. */
static int
conn_open_upstream (proxy_t *self, conn_t *conn)
{
    int fd = socket (self->target.ss_family,
                     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect (fd, (struct sockaddr *) &self->target, self->target_len)
    &&  errno != EINPROGRESS && errno != EINTR) {
        int error = errno;
        close (fd);
        errno = error;
        return -1;
    }
    conn->upstream = fd;
    conn->pfd_upstream = -1;
    conn->connecting = true;
    return 0;
}

/* Logs a failed upstream connect and closes the client. */
static void
conn_connect_failed (proxy_t *self, conn_t *conn, int error)
{
    s_log (self, conn, "upstream connect failed (%s), client closed",
           strerror (error));
    conn_close (conn, false);
}

/* Draws all fault decisions for a new connection. */
static void
conn_plan_faults (proxy_t *self, conn_t *conn)
{
    double drop = s_rng_unit (&conn->rng);
    double stall = s_rng_unit (&conn->rng);
    conn->stall_at = s_rng_below (&conn->rng, FAULT_SPAN + 1);
    double cut = s_rng_unit (&conn->rng);
    conn->cut_at = s_rng_below (&conn->rng, FAULT_SPAN + 1);
    double dup = s_rng_unit (&conn->rng);
    conn->dup_at = s_rng_below (&conn->rng, FAULT_SPAN + 1);

    conn->drop = drop < self->opt.drop_rate;
    if (conn->drop)
        return;
    conn->stall_armed = stall < self->opt.stall_rate;
    conn->cut_armed = cut < self->opt.cut_rate;
    conn->dup_armed = dup < self->opt.dup_rate;
    if (conn->dup_armed) {
        conn->history = malloc (FAULT_SPAN);
        conn->dup_armed = conn->history != NULL;
    }
}

/* Returns how many new bytes may be forwarded before the next fault. */
static uint64_t
conn_fault_limit (conn_t *conn)
{
    uint64_t limit = UINT64_MAX;
    if (conn->cut_armed)
        limit = conn->cut_at > conn->position? conn->cut_at - conn->position: 0;
    if (conn->stall_armed) {
        uint64_t left = conn->stall_at > conn->position
                      ? conn->stall_at - conn->position: 0;
        limit = left < limit? left: limit;
    }
    if (conn->dup_armed) {
        uint64_t left = conn->dup_at > conn->position
                      ? conn->dup_at - conn->position: 0;
        limit = left < limit? left: limit;
    }
    return limit;
}

/* Resets both sides of the connection. */
static void
conn_cut (proxy_t *self, conn_t *conn)
{
    conn->cut_armed = false;
    self->cut++;
    s_log (self, conn, "cut after %" PRIu64 " bytes (RST to both sides)",
           conn->position);
    conn_close (conn, true);
}

/* Stops forwarding while keeping both sockets open. */
static void
conn_stall (proxy_t *self, conn_t *conn)
{
    conn->stall_armed = false;
    conn->stalled = true;
    self->stalled++;
    s_log (self, conn, "stalled after %" PRIu64 " bytes (sockets left open)",
           conn->position);
}

/* Replaces the upstream with a fresh one and replays the client bytes. */
static void
conn_duplicate (proxy_t *self, conn_t *conn)
{
    conn->dup_armed = false;
    if (conn->down.eof) {
        free (conn->history);
        conn->history = NULL;
        return;                     /* the client already saw the server close */
    }
    size_t replay = conn->history_size;
    if (replay
    &&  flow_push (&conn->up, conn->history, replay, 0, true) == 0)
        flow_tail_to_front (&conn->up);
    else
        replay = 0;
    free (conn->history);
    conn->history = NULL;
    conn->history_size = 0;

    close (conn->upstream);
    conn->upstream = -1;
    conn->pfd_upstream = -1;
    conn->up.shut = false;
    self->duplicated++;
    s_log (self, conn, "duplicated after %" PRIu64 " bytes (new upstream,"
           " replaying %zu client bytes)", conn->position, replay);
    if (conn_open_upstream (self, conn))
        conn_connect_failed (self, conn, errno);
}

/* Fires the fault whose byte count has been reached, if any. */
static void
conn_check_faults (proxy_t *self, conn_t *conn)
{
    if (conn->cut_armed && conn->position >= conn->cut_at)
        conn_cut (self, conn);
    else
    if (conn->stall_armed && conn->position >= conn->stall_at)
        conn_stall (self, conn);
    else
    if (conn->dup_armed && conn->position >= conn->dup_at)
        conn_duplicate (self, conn);
}

/* Completes the upstream connect once the socket reports. */
static void
conn_finish_connect (proxy_t *self, conn_t *conn)
{
    int error = 0;
    socklen_t size = sizeof error;
    if (getsockopt (conn->upstream, SOL_SOCKET, SO_ERROR, &error, &size))
        error = errno;
    if (error == EINPROGRESS || error == EALREADY)
        return;
    if (error) {
        conn_connect_failed (self, conn, error);
        return;
    }
    conn->connecting = false;
    s_set_nodelay (conn->upstream);
    conn_check_faults (self, conn);
}

/* Creates a connection for an accepted client socket. */
static void
conn_new (proxy_t *self, int fd)
{
    conn_t *conn = calloc (1, sizeof *conn);
    if (!conn) {
        close (fd);
        return;
    }
    conn->id = ++self->connections;
    conn->client = fd;
    conn->upstream = -1;
    conn->pfd_client = -1;
    conn->pfd_upstream = -1;
    conn->rng = s_mix (self->opt.seed ^ s_mix (conn->id + 0x9e3779b97f4a7c15ULL));
    self->conns [self->nconns++] = conn;

    s_set_nodelay (fd);
    conn_plan_faults (self, conn);
    if (conn->drop) {
        self->dropped++;
        s_log (self, conn, "dropped (blackholed from the start)");
    }
    if (conn_open_upstream (self, conn))
        conn_connect_failed (self, conn, errno);
}

/* Reads one batch from a side into its flow, with a random delay. */
static void
conn_read (proxy_t *self, conn_t *conn, bool from_client, int64_t now)
{
    flow_t *flow = from_client? &conn->up: &conn->down;
    int fd = from_client? conn->client: conn->upstream;
    if (!flow_open (flow))
        return;
    size_t room = FLOW_MAX - flow->queued;
    if (room > sizeof s_buffer)
        room = sizeof s_buffer;
    ssize_t got = recv (fd, s_buffer, room, 0);
    if (got > 0) {
        int64_t release = now;
        if (self->opt.delay_ms)
            release += (int64_t) s_rng_below (&conn->rng, self->opt.delay_ms + 1);
        if (release < flow->last_release)
            release = flow->last_release;
        /* N kbit/s carry N / 8 bytes a millisecond. */
        if (self->opt.rate_kbps)
            release += (int64_t) (((uint64_t) got * 8 + self->opt.rate_kbps - 1)
                                  / self->opt.rate_kbps);
        flow->last_release = release;
        if (flow_push (flow, s_buffer, (size_t) got, release, false))
            conn_close (conn, true);
    }
    else
    if (got == 0)
        flow->eof = true;
    else
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        conn_close (conn, true);
}

/* Keeps the client bytes forwarded so far, for a later dup. */
static void
conn_remember (conn_t *conn, const unsigned char *data, size_t size)
{
    size_t room = FAULT_SPAN - conn->history_size;
    if (size > room)
        size = room;
    memcpy (conn->history + conn->history_size, data, size);
    conn->history_size += size;
}

/* Writes released chunks to one side and propagates a half-close. */
static void
conn_flush (proxy_t *self, conn_t *conn, bool to_upstream, int64_t now)
{
    flow_t *flow = to_upstream? &conn->up: &conn->down;
    while (flow_ready (flow, now)) {
        chunk_t *chunk = flow->head;
        int fd = to_upstream? conn->upstream: conn->client;
        size_t size = chunk->size - chunk->sent;
        bool replay = chunk->replay;
        if (!replay) {
            uint64_t limit = conn_fault_limit (conn);
            if (limit < size)
                size = (size_t) limit;
            if (size == 0) {
                conn_check_faults (self, conn);
                return;
            }
        }
        ssize_t sent = send (fd, chunk->data + chunk->sent, size, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close (conn, true);
            return;
        }
        if (to_upstream)
            self->bytes_up += (uint64_t) sent;
        else
            self->bytes_down += (uint64_t) sent;
        if (!replay) {
            if (to_upstream && conn->history)
                conn_remember (conn, chunk->data + chunk->sent, (size_t) sent);
            conn->position += (uint64_t) sent;
        }
        chunk->sent += (size_t) sent;
        flow->queued -= (size_t) sent;
        if (chunk->sent == chunk->size)
            flow_pop (flow);
        if (!replay) {
            conn_check_faults (self, conn);
            if (conn->dead || conn->stalled || conn->connecting)
                return;
        }
    }
    if (!flow->head && flow->eof && !flow->shut) {
        shutdown (to_upstream? conn->upstream: conn->client, SHUT_WR);
        flow->shut = true;
    }
}

/* Reads and discards whatever either side of a blackholed connection sends. */
static void
conn_discard (conn_t *conn, short client_events, short upstream_events)
{
    for (int side = 0; side < 2 && !conn->dead; side++) {
        short events = side? upstream_events: client_events;
        int fd = side? conn->upstream: conn->client;
        if (!events || (side && conn->connecting))
            continue;
        ssize_t got = recv (fd, s_buffer, sizeof s_buffer, 0);
        if (got == 0
        || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            conn_close (conn, false);
    }
}

/* Returns the events polled for an entry of the poll set, or 0. */
static short
proxy_revents (proxy_t *self, int index)
{
    return index >= 0? self->pfds [index].revents: 0;
}

/* Handles whatever poll reported for a connection, and its timers. */
static void
conn_handle (proxy_t *self, conn_t *conn, int64_t now)
{
    short client_events = proxy_revents (self, conn->pfd_client);
    short upstream_events = proxy_revents (self, conn->pfd_upstream);
    if (conn->dead)
        return;
    if (conn->connecting && upstream_events) {
        conn_finish_connect (self, conn);
        upstream_events = 0;
        if (conn->dead)
            return;
    }
    if (conn->drop) {
        conn_discard (conn, client_events, upstream_events);
        return;
    }
    if (conn->stalled) {
        if ((client_events | upstream_events) & (POLLRDHUP | POLLHUP | POLLERR))
            conn_close (conn, false);
        return;
    }
    if (client_events & (POLLIN | POLLHUP | POLLERR))
        conn_read (self, conn, true, now);
    if (!conn->dead && !conn->connecting
    &&  (upstream_events & (POLLIN | POLLHUP | POLLERR)))
        conn_read (self, conn, false, now);
    if (conn->dead)
        return;
    conn_flush (self, conn, false, now);
    if (conn->dead || conn->stalled)
        return;
    if (!conn->connecting)
        conn_flush (self, conn, true, now);
    if (conn->dead || conn->stalled)
        return;
    if (conn->up.shut && conn->down.shut)
        conn_close (conn, false);
}

/* Adds one socket to the poll set; sockets with no events are skipped. */
static void
proxy_poll_add (proxy_t *self, nfds_t *count, int *index, int fd, short events)
{
    struct pollfd *entry = &self->pfds [*count];
    entry->fd = events && fd >= 0? fd: -1;
    entry->events = events;
    entry->revents = 0;
    *index = (int) (*count)++;
}

/* Lowers the poll timeout to the time until release, if later than now. */
static void
proxy_poll_timer (int64_t *timeout, int64_t release, int64_t now)
{
    if (release > now && (*timeout < 0 || release - now < *timeout))
        *timeout = release - now;
}

/* Adds a connection's sockets and timers to the poll set. */
static void
conn_poll (proxy_t *self, conn_t *conn, nfds_t *count, int64_t *timeout,
           int64_t now)
{
    short client = 0, upstream = 0;
    if (conn->drop) {
        client = POLLIN;
        upstream = conn->connecting? POLLOUT: POLLIN;
    }
    else
    if (conn->stalled) {
        client = POLLRDHUP;
        upstream = POLLRDHUP;
    }
    else {
        if (flow_open (&conn->up))
            client |= POLLIN;
        if (flow_ready (&conn->down, now))
            client |= POLLOUT;
        if (conn->connecting)
            upstream = POLLOUT;
        else {
            if (flow_open (&conn->down))
                upstream |= POLLIN;
            if (flow_ready (&conn->up, now))
                upstream |= POLLOUT;
        }
        if (conn->up.head)
            proxy_poll_timer (timeout, conn->up.head->release, now);
        if (conn->down.head)
            proxy_poll_timer (timeout, conn->down.head->release, now);
    }
    proxy_poll_add (self, count, &conn->pfd_client, conn->client, client);
    proxy_poll_add (self, count, &conn->pfd_upstream, conn->upstream, upstream);
}

/* Accepts pending clients up to the connection limit. */
static void
proxy_accept (proxy_t *self, int64_t now)
{
    while (self->nconns < self->opt.max_conns) {
        int fd = accept4 (self->listener, NULL, NULL,
                          SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            conn_new (self, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            if (!self->opt.quiet)
                fprintf (stderr, PROXY_NAME ": accept failed: %s\n",
                         strerror (errno));
            self->accept_resume = now + ACCEPT_PAUSE_MS;
        }
        break;
    }
}

/* Frees connections that were closed during this loop. */
static void
proxy_sweep (proxy_t *self)
{
    size_t kept = 0;
    for (size_t index = 0; index < self->nconns; index++) {
        conn_t *conn = self->conns [index];
        if (conn->dead)
            free (conn);
        else
            self->conns [kept++] = conn;
    }
    self->nconns = kept;
}

/* Opens the listening socket and prints its address; exits on failure. */
static void
proxy_listen (proxy_t *self, struct sockaddr_storage *addr, socklen_t addr_len)
{
    int fd = socket (addr->ss_family,
                     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        s_fatal ("cannot create socket: %s", strerror (errno));
    int on = 1;
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind (fd, (struct sockaddr *) addr, addr_len) || listen (fd, 511))
        s_fatal ("cannot listen on %s: %s", self->opt.listen_spec,
                 strerror (errno));
    self->listener = fd;

    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;
    char text [NI_MAXHOST + NI_MAXSERV + 4];
    if (getsockname (fd, (struct sockaddr *) &bound, &bound_len))
        s_fatal ("cannot read listening address: %s", strerror (errno));
    s_format_addr ((struct sockaddr *) &bound, bound_len, text, sizeof text);
    printf ("listening %s\n", text);
    fflush (stdout);
}

/* Runs the poll loop until SIGINT or SIGTERM. */
static void
proxy_run (proxy_t *self, const sigset_t *wait_mask)
{
    while (!s_terminate) {
        int64_t now = s_now_ms ();
        int64_t timeout = -1;
        nfds_t count = 0;
        int listen_index;
        if (self->accept_resume && now >= self->accept_resume)
            self->accept_resume = 0;
        bool accepting = !self->accept_resume
                      && self->nconns < self->opt.max_conns;
        if (self->accept_resume)
            proxy_poll_timer (&timeout, self->accept_resume, now);
        proxy_poll_add (self, &count, &listen_index, self->listener,
                        accepting? POLLIN: 0);
        for (size_t index = 0; index < self->nconns; index++)
            conn_poll (self, self->conns [index], &count, &timeout, now);

        struct timespec wait, *wait_for = NULL;
        if (timeout >= 0) {
            wait.tv_sec = (time_t) (timeout / 1000);
            wait.tv_nsec = (long) (timeout % 1000) * 1000000;
            wait_for = &wait;
        }
        if (ppoll (self->pfds, count, wait_for, wait_mask) < 0) {
            if (errno == EINTR)
                continue;
            s_fatal ("poll failed: %s", strerror (errno));
        }
        now = s_now_ms ();
        for (size_t index = 0; index < self->nconns; index++)
            conn_handle (self, self->conns [index], now);
        if (proxy_revents (self, listen_index))
            proxy_accept (self, now);
        proxy_sweep (self);
    }
}

/* Records that a termination signal arrived. */
static void
s_on_signal (int signum)
{
    (void) signum;
    s_terminate = 1;
}

/* Blocks SIGINT/SIGTERM outside ppoll and ignores SIGPIPE. */
static void
s_setup_signals (sigset_t *wait_mask)
{
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    action.sa_handler = SIG_IGN;
    sigaction (SIGPIPE, &action, NULL);

    sigset_t block;
    sigemptyset (&block);
    sigaddset (&block, SIGINT);
    sigaddset (&block, SIGTERM);
    sigprocmask (SIG_BLOCK, &block, wait_mask);
    sigdelset (wait_mask, SIGINT);
    sigdelset (wait_mask, SIGTERM);
}

/* Closes every connection and the listener, and prints the summary. */
static void
proxy_finish (proxy_t *self)
{
    for (size_t index = 0; index < self->nconns; index++)
        conn_close (self->conns [index], false);
    proxy_sweep (self);
    close (self->listener);
    free (self->conns);
    free (self->pfds);
    printf ("faultproxy: connections=%" PRIu64 " cut=%" PRIu64
            " stalled=%" PRIu64 " dropped=%" PRIu64 " duplicated=%" PRIu64
            " bytes_up=%" PRIu64 " bytes_down=%" PRIu64 "\n",
            self->connections, self->cut, self->stalled, self->dropped,
            self->duplicated, self->bytes_up, self->bytes_down);
    fflush (stdout);
}

/* Parses the arguments, opens the listener and proxies until signalled. */
int
main (int argc, char **argv)
{
    proxy_t proxy;
    memset (&proxy, 0, sizeof proxy);
    s_parse_args (argc, argv, &proxy.opt);

    struct sockaddr_storage listen_addr;
    socklen_t listen_len;
    const char *reason = s_resolve (proxy.opt.listen_spec, true,
                                    &listen_addr, &listen_len);
    if (reason)
        s_bad_args ("bad --listen '%s': %s", proxy.opt.listen_spec, reason);
    reason = s_resolve (proxy.opt.target_spec, false,
                        &proxy.target, &proxy.target_len);
    if (reason)
        s_bad_args ("bad --target '%s': %s", proxy.opt.target_spec, reason);

    proxy.opt.max_conns = s_fit_fd_limit (proxy.opt.max_conns, proxy.opt.quiet);
    proxy.conns = calloc (proxy.opt.max_conns, sizeof (conn_t *));
    proxy.pfds = calloc (proxy.opt.max_conns * 2 + 1, sizeof (struct pollfd));
    if (!proxy.conns || !proxy.pfds)
        s_fatal ("out of memory");

    sigset_t wait_mask;
    s_setup_signals (&wait_mask);
    proxy_listen (&proxy, &listen_addr, listen_len);
    if (!proxy.opt.quiet)
        fprintf (stderr, "faultproxy: forwarding to %s, seed=%" PRIu64
                 " cut-rate=%g delay-ms=%" PRIu64 " stall-rate=%g"
                 " drop-rate=%g dup-rate=%g rate-kbps=%" PRIu64 " max-conns=%zu\n",
                 proxy.opt.target_spec, proxy.opt.seed, proxy.opt.cut_rate,
                 proxy.opt.delay_ms, proxy.opt.stall_rate, proxy.opt.drop_rate,
                 proxy.opt.dup_rate, proxy.opt.rate_kbps, proxy.opt.max_conns);
    proxy_run (&proxy, &wait_mask);
    proxy_finish (&proxy);
    return 0;
}
