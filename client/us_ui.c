/*  us_ui: the office desk, a small web server inside the office client. */
#include "us_ui.h"
#include "us_ui_api.h"
#include "us_args.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_sync.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define TOKEN_HEX 32                /* 128 random bits, as hex */
#define SESSIONS 32                 /* pages opened at once; the oldest is forgotten */
#define BODY_MAX (8 * 1024 * 1024)  /* the largest upload (an import file) */
#define DEBOUNCE_MS 300             /* an edit's sync waits this long for more edits */
#define OFFLINE_RETRY_MS 60000      /* how soon to try again when the province is down */
#define LINK_IDLE_MS 60000          /* a link no sync used for this long is closed */

extern char **environ;

/* The CSP of the page: scripts and styles only from the desk itself. */
static const char *s_csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/* The CSP of the print view: the report's inline style, no script at all. */
static const char *s_csp_print =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    " frame-ancestors 'none'; base-uri 'none'";

/* A page opened in a browser: its cookie and its CSRF token. */
typedef struct {
    char sid [TOKEN_HEX + 1];
    char csrf [TOKEN_HEX + 1];
} s_session_t;

/* The sync thread and what it shares with the HTTP thread. */
typedef struct {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    int64_t due_ms;             /* the next sync, 0: none planned */
    int64_t every_ms;           /* the background period while online */
    int64_t edit_ms;            /* the first edit no sync has taken yet, 0: none */
    int64_t full_ms;            /* the next sync that says Hello and checks digests */
    bool full_asked;            /* a click or a submission asked for one now */
    const char *db_path;
    us_ui_sync_t state;
    /* The sync thread's alone: the link it keeps open while the province
       answers, so that an edit's sync costs no handshake and no Hello. */
    us_sync_link_t *link;
    us_keys_t keys;             /* the link borrows them */
    uint64_t link_mark;         /* us_sync_link_changes before the last Hello */
    int64_t link_used_ms;       /* when a sync last used it */
} s_syncer_t;

/* The desk. */
typedef struct {
    struct MHD_Daemon *daemon;
    us_dstore_t *store;
    char token [TOKEN_HEX + 1];
    unsigned port;
    char host_ip [32], host_name [32];      /* the Host values accepted */
    s_session_t sessions [SESSIONS];
    int next_session;
    s_syncer_t sync;
    us_ui_env_t env;
} s_desk_t;

/* A request's body, gathered across the server's calls. */
typedef struct {
    char *data;
    size_t len, cap;
    bool too_big;
} s_body_t;

/*  ----------------------------------------------------------------------
    Tokens and sessions
    ---------------------------------------------------------------------- */

/* Fills hex with TOKEN_HEX random hex digits. */
static int
s_random_hex (char *hex)
{
    unsigned char bytes [TOKEN_HEX / 2];
    size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t n = getrandom (bytes + got, sizeof bytes - got, 0);
        if (n < 0)
            return us_error_set (US_EIO, "no random bytes for the desk's token");
        got += (size_t) n;
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        sprintf (hex + 2 * i, "%02x", bytes [i]);
    return 0;
}

/* Compares a secret in time that does not depend on where it differs. */
static bool
s_same_secret (const char *given, const char *secret)
{
    if (!given)
        return false;
    size_t n = strlen (secret);
    if (strlen (given) != n)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char) (given [i] ^ secret [i]);
    return diff == 0;
}

/* Opens a session for a page just served; returns it. */
static s_session_t *
s_session_new (s_desk_t *self)
{
    s_session_t *s = &self->sessions [self->next_session];
    self->next_session = (self->next_session + 1) % SESSIONS;
    if (s_random_hex (s->sid) != 0 || s_random_hex (s->csrf) != 0) {
        memset (s, 0, sizeof *s);
        return NULL;
    }
    return s;
}

/* Finds the session named by the request's cookie, or NULL. */
static s_session_t *
s_session_find (s_desk_t *self, struct MHD_Connection *conn)
{
    const char *sid = MHD_lookup_connection_value (conn, MHD_COOKIE_KIND, "us_desk");
    for (int i = 0; sid && i < SESSIONS; i++)
        if (self->sessions [i].sid [0] && s_same_secret (sid, self->sessions [i].sid))
            return &self->sessions [i];
    return NULL;
}

/*  ----------------------------------------------------------------------
    The sync thread
    ---------------------------------------------------------------------- */

/* Keeps the last progress line of a sync (a FILE written by us_sync). */
static ssize_t
s_progress_write (void *cookie, const char *buf, size_t size)
{
    s_syncer_t *sync = cookie;
    char line [160];
    size_t n = size < sizeof line - 1 ? size : sizeof line - 1;
    memcpy (line, buf, n);
    line [n] = 0;
    char *start = line;
    while (*start == ' ')
        start++;
    char *end = start + strlen (start);
    while (end > start && (end [-1] == '\n' || end [-1] == '\r'))
        *--end = 0;
    if (*start) {
        pthread_mutex_lock (&sync->lock);
        snprintf (sync->state.progress, sizeof sync->state.progress, "%s", start);
        pthread_mutex_unlock (&sync->lock);
    }
    return (ssize_t) size;
}

/* Closes the kept link and forgets its keys; the next sync opens a new
   one with the keys then on disk (a re-keyed office) and says Hello. */
static void
s_link_drop (s_syncer_t *sync)
{
    if (sync->link) {
        us_sync_link_destroy (&sync->link);
        us_keys_wipe (&sync->keys);
    }
}

/* Opens the link when none is kept; *fresh says a new one was opened. */
static int
s_link_keep (s_syncer_t *sync, us_dstore_t *store, bool *fresh)
{
    *fresh = !sync->link;
    if (sync->link)
        return 0;
    int rc = us_keys_load (&sync->keys, us_dstore_key_path (store));
    if (rc)
        return rc;
    sync->link = us_sync_link_new (us_dstore_server (store), us_dstore_server_key (store),
                                   &sync->keys);
    if (!sync->link) {
        us_keys_wipe (&sync->keys);
        return US_EIO;              /* the message is set */
    }
    return 0;
}

/* Runs one session over the kept link. A full one (Hello, Push, Pull, the
   digests' check) when asked, when due, on a new link, or when the link's
   connection was lost or made again since the last Hello (the province
   restarted, perhaps from a backup); else only Push and Pull, which is all
   an edit needs while the province that said Welcome still holds the
   connection. A short session that fails for another reason than silence
   is tried once more in full on a new link. Any failure closes the link.
   *full says whether the session run (or tried) was a full one. */
static int
s_session (s_syncer_t *sync, us_dstore_t *store, us_sync_stats_t *st, us_sync_opts_t *so,
           bool *full)
{
    bool fresh;
    int rc = s_link_keep (sync, store, &fresh);
    if (rc)
        return rc;
    uint64_t mark = us_sync_link_changes (sync->link);
    *full = *full || fresh || mark != sync->link_mark;
    rc = us_sync_session (sync->link, st, store, &sync->keys, so, *full);
    if (rc == 0 && *full)
        sync->link_mark = mark;
    if (rc == 0)
        return 0;
    s_link_drop (sync);
    if (*full || rc == US_EUNREACH)
        return rc;
    *full = true;
    if ((rc = s_link_keep (sync, store, &fresh)) != 0)
        return rc;
    mark = us_sync_link_changes (sync->link);
    rc = us_sync_session (sync->link, st, store, &sync->keys, so, true);
    if (rc == 0)
        sync->link_mark = mark;
    else
        s_link_drop (sync);
    return rc;
}

/* Records when the province answered and how the sync went. The last
   note is flushed, and carries to disk whatever the session left relaxed
   (the answers it settled, the figures it pulled), as `unionsync sync`
   does: the clerk sees an answer as soon as it is settled, a flush
   earlier (on this machine an edit's ack came about a millisecond
   sooner). Power lost in between loses only answers the province gives
   again: it keeps them, and an edit sent again is answered as before. */
static void
s_notes (us_dstore_t *store, int rc, const char *summary)
{
    if (rc == 0 && us_dstore_relaxed (store, true) == 0)
        us_dstore_note_reached (store);
    us_dstore_relaxed (store, false);
    us_dstore_note_sync (store, summary);
}

/* Runs one sync on the thread's own connection and records its outcome. */
static void
s_sync_once (s_syncer_t *sync, us_dstore_t *store)
{
    int64_t start = us_hlc_wall_ms ();
    pthread_mutex_lock (&sync->lock);
    sync->state.running = true;
    sync->state.started_ms = start;
    int64_t edit_ms = sync->edit_ms;    /* this sync takes the edits made so far */
    sync->edit_ms = 0;
    bool full = sync->full_asked || start >= sync->full_ms;
    sync->full_asked = false;
    snprintf (sync->state.progress, sizeof sync->state.progress, "%s",
              sync->link ? "sending" : "connecting");
    pthread_mutex_unlock (&sync->lock);

    cookie_io_functions_t io = { .write = s_progress_write };
    FILE *progress = fopencookie (sync, "w", io);
    if (progress)
        setvbuf (progress, NULL, _IOLBF, 0);
    us_sync_opts_t so = { .timeout_ms = 1500, .retries = 2, .batch = 500, .progress = progress };
    us_sync_stats_t st;
    memset (&st, 0, sizeof st);
    int rc = s_session (sync, store, &st, &so, &full);
    sync->link_used_ms = us_hlc_wall_ms ();
    /* The connection dropped during an edit's sync: the province may have
       come back from a backup; greet it now rather than at the next edit.
       (After a full sync the next one is full anyway, and a flaky line
       does not make the desk sync in a loop.) */
    bool dropped = rc == 0 && !full && us_sync_link_changes (sync->link) != sync->link_mark;
    if (progress)
        fclose (progress);
    char summary [320];
    if (rc)
        snprintf (summary, sizeof summary, "%s", us_error_msg ());
    else
        snprintf (summary, sizeof summary,
                  "sent %zu (accepted %zu, won %zu, lost %zu, rejected %zu), received %zu figures"
                  " and %zu other changes%s", st.pushed, st.accepted, st.won, st.lost,
                  st.rejected, st.pulled_cells, st.pulled_other,
                  st.submitted ? ", submitted" : "");
    if (rc == 0 && st.repaired)         /* anti-entropy: kept in the last sync's line */
        snprintf (summary + strlen (summary), sizeof summary - strlen (summary),
                  ", repaired %zu month%s whose figures differed from the province's",
                  st.repaired, st.repaired == 1 ? "" : "s");
    s_notes (store, rc, summary);
    int64_t end = us_hlc_wall_ms ();

    pthread_mutex_lock (&sync->lock);
    sync->state.running = false;
    sync->state.ended_ms = end;
    sync->state.sync_ms = end - start;
    sync->state.rc = rc;
    sync->state.online = rc == 0 ? 1 : rc == US_EUNREACH ? 0 : sync->state.online;
    snprintf (sync->state.outcome, sizeof sync->state.outcome, "%s", summary);
    sync->state.progress [0] = 0;
    /* The clerk's edit is acknowledged once its answer is in the store
       (the page shows it from there); the pull and the notes after it
       are the sync's, not the edit's. */
    if (rc == 0 && edit_ms)
        sync->state.edit_to_ack_ms = (st.acked_ms ? st.acked_ms : end) - edit_ms;
    else
    if (edit_ms && (sync->edit_ms == 0 || edit_ms < sync->edit_ms))
        sync->edit_ms = edit_ms;    /* not acknowledged: still waiting */
    if (rc == 0 && full)
        sync->full_ms = end + sync->every_ms;
    else
    if (rc)
        sync->full_ms = 0;          /* the next one starts over */
    /* A sync asked for while this one ran (a click, a submission, an edit)
       keeps its time; otherwise the next is planned: the next full one. */
    if (sync->due_ms == 0)
        sync->due_ms = rc == 0 ? sync->full_ms : end + OFFLINE_RETRY_MS;
    if (sync->edit_ms && rc == 0 && sync->due_ms > end + DEBOUNCE_MS)
        sync->due_ms = end + DEBOUNCE_MS;   /* edits came while it ran: send them too */
    if (dropped) {
        sync->full_asked = true;
        sync->due_ms = end;
    }
    pthread_mutex_unlock (&sync->lock);
}

/* The sync thread: waits for the next planned sync or a request, runs it. */
static void *
s_sync_thread (void *arg)
{
    s_syncer_t *sync = arg;
    us_dstore_t *store = NULL;
    int rc = us_dstore_open (&store, sync->db_path);
    pthread_mutex_lock (&sync->lock);
    if (rc) {
        snprintf (sync->state.outcome, sizeof sync->state.outcome, "%s", us_error_msg ());
        pthread_mutex_unlock (&sync->lock);
        return NULL;
    }
    while (!sync->stop) {
        int64_t now = us_hlc_wall_ms ();
        if (sync->due_ms && sync->due_ms <= now) {
            sync->due_ms = 0;
            pthread_mutex_unlock (&sync->lock);
            s_sync_once (sync, store);
            pthread_mutex_lock (&sync->lock);
            continue;
        }
        /* A kept link costs its heartbeats (a hundred bytes or so a second
           each way, on a metered line too) and, with the province down,
           a reconnection every 200 ms: it lasts while the clerk works. */
        int64_t idle_end = sync->link ? sync->link_used_ms + LINK_IDLE_MS : 0;
        if (idle_end && idle_end <= now) {
            pthread_mutex_unlock (&sync->lock);
            s_link_drop (sync);
            pthread_mutex_lock (&sync->lock);
            continue;
        }
        int64_t until = sync->due_ms ? sync->due_ms : now + 60000;
        if (idle_end && idle_end < until)
            until = idle_end;
        struct timespec ts = { .tv_sec = (time_t) (until / 1000),
                               .tv_nsec = (long) (until % 1000) * 1000000L };
        pthread_cond_timedwait (&sync->wake, &sync->lock, &ts);
    }
    pthread_mutex_unlock (&sync->lock);
    s_link_drop (sync);
    us_dstore_destroy (&store);
    return NULL;
}

/* Asks for a sync: at once, or after an edit (debounced, and only while the
   province answers; offline edits wait for the next planned try). */
static void
s_sync_now (void *ctx, bool edit)
{
    s_syncer_t *sync = ctx;
    pthread_mutex_lock (&sync->lock);
    int64_t now = us_hlc_wall_ms ();
    int64_t at = now;
    sync->full_asked = sync->full_asked || !edit;
    if (edit) {
        if (!sync->edit_ms)
            sync->edit_ms = now;
        at = sync->state.online == 1 ? now + DEBOUNCE_MS : 0;
    }
    if (at && (sync->due_ms == 0 || at < sync->due_ms || !edit))
        sync->due_ms = at;
    pthread_cond_signal (&sync->wake);
    pthread_mutex_unlock (&sync->lock);
}

/* Copies what the sync thread last did. */
static void
s_sync_state (void *ctx, us_ui_sync_t *state)
{
    s_syncer_t *sync = ctx;
    pthread_mutex_lock (&sync->lock);
    *state = sync->state;
    pthread_mutex_unlock (&sync->lock);
}

/* Starts the sync thread; the first sync runs at once. */
static int
s_sync_start (s_syncer_t *sync, const char *db_path, int64_t every_ms)
{
    pthread_mutex_init (&sync->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_cond_init (&sync->wake, &attr);
    pthread_condattr_destroy (&attr);
    sync->db_path = db_path;
    sync->every_ms = every_ms;
    sync->due_ms = us_hlc_wall_ms ();
    sync->state.online = -1;
    sync->state.edit_to_ack_ms = -1;
    if (pthread_create (&sync->thread, NULL, s_sync_thread, sync) != 0)
        return us_error_set (US_EIO, "cannot start the sync thread");
    sync->started = true;
    return 0;
}

/* Stops the sync thread, letting a sync under way finish (its waits are
   short: the desk syncs with a 1.5 s timeout and two tries). */
static void
s_sync_stop (s_syncer_t *sync)
{
    if (!sync->started)
        return;
    pthread_mutex_lock (&sync->lock);
    sync->stop = true;
    pthread_cond_signal (&sync->wake);
    pthread_mutex_unlock (&sync->lock);
    pthread_join (sync->thread, NULL);
    sync->started = false;
    pthread_cond_destroy (&sync->wake);
    pthread_mutex_destroy (&sync->lock);
}

/*  ----------------------------------------------------------------------
    HTTP
    ---------------------------------------------------------------------- */

/* Queues a response with the desk's security headers; frees body. */
static enum MHD_Result
s_send (struct MHD_Connection *conn, int status, const char *type, char *body, size_t len,
        const char *cookie, const char *disposition, bool print_view)
{
    struct MHD_Response *r = MHD_create_response_from_buffer (len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free (body);
        return MHD_NO;
    }
    MHD_add_response_header (r, "Content-Type", type);
    MHD_add_response_header (r, "Content-Security-Policy", print_view ? s_csp_print : s_csp);
    MHD_add_response_header (r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (r, "X-Frame-Options", "DENY");
    MHD_add_response_header (r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header (r, "Cache-Control", "no-store");
    MHD_add_response_header (r, "Cross-Origin-Resource-Policy", "same-origin");
    if (cookie)
        MHD_add_response_header (r, "Set-Cookie", cookie);
    if (disposition)
        MHD_add_response_header (r, "Content-Disposition", disposition);
    enum MHD_Result ret = MHD_queue_response (conn, (unsigned) status, r);
    MHD_destroy_response (r);
    return ret;
}

/* Sends a short plain-text refusal: no figures, just why. */
static enum MHD_Result
s_refuse (struct MHD_Connection *conn, int status, const char *why)
{
    char *body = strdup (why);
    return body ? s_send (conn, status, "text/plain; charset=utf-8", body, strlen (body),
                          NULL, NULL, false) : MHD_NO;
}

/* Returns the built-in file at path, or NULL. */
static const us_ui_asset_t *
s_asset (const char *path)
{
    for (size_t i = 0; i < us_ui_assets_count; i++)
        if (strcmp (us_ui_assets [i].path, path) == 0)
            return &us_ui_assets [i];
    return NULL;
}

/* Replaces each "{{name}}" in text by value into a new string. */
static char *
s_fill (const char *text, size_t len, const char *name, const char *value, size_t *out_len)
{
    char mark [32];
    snprintf (mark, sizeof mark, "{{%s}}", name);
    size_t mlen = strlen (mark), vlen = strlen (value), n = 0;
    for (const char *p = text; (p = memmem (p, len - (size_t) (p - text), mark, mlen)); p += mlen)
        n++;
    char *out = malloc (len + n * vlen + 1), *o = out;
    if (!out)
        return NULL;
    const char *p = text, *end = text + len;
    for (const char *hit; (hit = memmem (p, (size_t) (end - p), mark, mlen)); p = hit + mlen) {
        memcpy (o, p, (size_t) (hit - p));
        o += hit - p;
        memcpy (o, value, vlen);
        o += vlen;
    }
    memcpy (o, p, (size_t) (end - p));
    o += end - p;
    *o = 0;
    *out_len = (size_t) (o - out);
    return out;
}

/* Serves the page: a new session, its cookie, and the tokens in the HTML. */
static enum MHD_Result
s_serve_page (s_desk_t *self, struct MHD_Connection *conn)
{
    const us_ui_asset_t *a = s_asset ("index.html");
    s_session_t *s = s_session_new (self);
    if (!a || !s)
        return s_refuse (conn, 500, "the desk's page is missing");
    size_t len1, len2;
    char *once = s_fill ((const char *) a->data, a->len, "TOKEN", self->token, &len1);
    char *page = once ? s_fill (once, len1, "CSRF", s->csrf, &len2) : NULL;
    free (once);
    if (!page)
        return MHD_NO;
    char cookie [128];
    snprintf (cookie, sizeof cookie, "us_desk=%s; Path=/; HttpOnly; SameSite=Strict", s->sid);
    return s_send (conn, 200, a->type, page, len2, cookie, NULL, false);
}

/* Reads a query argument of the connection. */
static const char *
s_arg (void *conn, const char *name)
{
    return MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Checks what every request must carry: our Host, our token. Returns true,
   or false with the refusal queued (its result in *ret). */
static bool
s_admitted (s_desk_t *self, struct MHD_Connection *conn, enum MHD_Result *ret)
{
    const char *host = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "Host");
    if (!host || (strcmp (host, self->host_ip) != 0 && strcmp (host, self->host_name) != 0)) {
        *ret = s_refuse (conn, 421, "This desk answers only at its own local address "
                         "(Host 127.0.0.1 or localhost with its port).\n");
        return false;
    }
    if (!s_same_secret (s_arg (conn, "t"), self->token)) {
        *ret = s_refuse (conn, 403, "Missing or wrong access token: open the address "
                         "`unionsync ui` printed.\n");
        return false;
    }
    return true;
}

/* Gathers a request body; false while more is coming. */
static bool
s_gather (s_body_t *body, const char *data, size_t *size)
{
    if (*size == 0)
        return true;
    if (body->len + *size > BODY_MAX)
        body->too_big = true;
    if (!body->too_big && body->len + *size + 1 > body->cap) {
        size_t cap = body->cap ? body->cap : 4096;
        while (cap < body->len + *size + 1)
            cap *= 2;
        char *grown = realloc (body->data, cap);
        if (!grown)
            body->too_big = true;
        else {
            body->data = grown;
            body->cap = cap;
        }
    }
    if (!body->too_big) {
        memcpy (body->data + body->len, data, *size);
        body->len += *size;
        body->data [body->len] = 0;
    }
    *size = 0;
    return false;
}

/* Answers one request (libmicrohttpd's access handler). */
static enum MHD_Result
s_handle (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void) version;
    s_desk_t *self = cls;
    bool post = strcmp (method, "POST") == 0;
    if (!*con_cls) {
        s_body_t *body = calloc (1, sizeof *body);
        if (!body)
            return MHD_NO;
        *con_cls = body;
        return MHD_YES;
    }
    s_body_t *body = *con_cls;
    if (post && !s_gather (body, upload_data, upload_size))
        return MHD_YES;
    enum MHD_Result ret;
    if (!s_admitted (self, conn, &ret))
        return ret;
    if (!post && strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
        return s_refuse (conn, 405, "method not allowed\n");
    if (post) {
        s_session_t *s = s_session_find (self, conn);
        const char *csrf = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "X-CSRF-Token");
        if (!s || !s_same_secret (csrf, s->csrf))
            return s_refuse (conn, 403, "Missing or wrong CSRF token: reload the page.\n");
        if (body->too_big)
            return s_refuse (conn, 413, "The file is too large for the desk (8 MB at most).\n");
    }
    if (!post && (strcmp (url, "/") == 0 || strcmp (url, "/index.html") == 0))
        return s_serve_page (self, conn);
    const us_ui_asset_t *a = !post && url [0] == '/' ? s_asset (url + 1) : NULL;
    if (a && strcmp (a->path, "index.html") != 0) {
        char *copy = malloc (a->len + 1);
        if (!copy)
            return MHD_NO;
        memcpy (copy, a->data, a->len);
        return s_send (conn, 200, a->type, copy, a->len, NULL, NULL, false);
    }
    us_ui_req_t req = { .method = method, .path = url, .arg = s_arg, .conn = conn,
                        .body = body->data ? body->data : "", .body_len = body->len };
    us_ui_resp_t resp = { 0 };
    if (!us_ui_api_handle (&self->env, &req, &resp))
        return s_refuse (conn, 404, "not found\n");
    return s_send (conn, resp.status, resp.type, resp.body, resp.len, NULL,
                   resp.disposition, resp.print_view);
}

/* Frees a request's body when the request is done. */
static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void) cls; (void) conn; (void) toe;
    s_body_t *body = *con_cls;
    if (body) {
        free (body->data);
        free (body);
        *con_cls = NULL;
    }
}

/* Starts the HTTP server on 127.0.0.1:port (0: any free port). */
static int
s_http_start (s_desk_t *self, unsigned port)
{
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    self->daemon = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO,
                                     (uint16_t) port, NULL, NULL, s_handle, self,
                                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
                                     MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 60,
                                     MHD_OPTION_CONNECTION_LIMIT, (unsigned) 64,
                                     MHD_OPTION_END);
    if (!self->daemon)
        return us_error_set (US_EIO, "cannot listen on 127.0.0.1:%u (in use?)", port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon,
                                                            MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : port;
    snprintf (self->host_ip, sizeof self->host_ip, "127.0.0.1:%u", self->port);
    snprintf (self->host_name, sizeof self->host_name, "localhost:%u", self->port);
    return 0;
}

/*  ----------------------------------------------------------------------
    The command
    ---------------------------------------------------------------------- */

/* Opens url in the desktop's browser, without waiting for it. */
static void
s_open_browser (const char *url)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init (&fa);
    posix_spawn_file_actions_addopen (&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen (&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv [] = { (char *) "xdg-open", (char *) url, NULL };
    pid_t pid;
    if (posix_spawnp (&pid, "xdg-open", &fa, NULL, argv, environ) != 0)
        fprintf (stderr, "unionsync: could not open a browser; open the address above\n");
    posix_spawn_file_actions_destroy (&fa);
}

/* Parses a number option within limits. */
static int
s_number (long *value, const char *text, long min, long max, const char *name)
{
    char *end;
    long v = strtol (text, &end, 10);
    if (!*text || *end || v < min || v > max)
        return us_error_set (US_EINVAL, "--%s needs a number from %ld to %ld", name, min, max);
    *value = v;
    return 0;
}

/* Serves the desk until SIGINT or SIGTERM. */
static int
s_serve (s_desk_t *self, const char *db_path, long port, long every, bool browser)
{
    sigset_t stop;
    sigemptyset (&stop);
    sigaddset (&stop, SIGINT);
    sigaddset (&stop, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &stop, NULL);   /* threads started below inherit it */
    signal (SIGPIPE, SIG_IGN);
    signal (SIGCHLD, SIG_IGN);                  /* the browser launcher reaps itself */
    int rc = s_random_hex (self->token);
    if (rc == 0)
        rc = s_http_start (self, (unsigned) port);
    if (rc == 0)
        rc = s_sync_start (&self->sync, db_path, every * 1000);
    if (rc)
        return rc;
    self->env = (us_ui_env_t) { .store = self->store, .db_path = db_path,
                                .sync_now = s_sync_now, .sync_state = s_sync_state,
                                .ctx = &self->sync };
    char url [128];
    snprintf (url, sizeof url, "http://127.0.0.1:%u/?t=%s", self->port, self->token);
    printf ("%s\n", url);
    fflush (stdout);
    fprintf (stderr, "unionsync: the office desk of %s is open at the address above; "
             "Ctrl+C stops it\n", us_dstore_unit (self->store));
    if (browser)
        s_open_browser (url);
    int sig = 0;
    sigwait (&stop, &sig);
    fprintf (stderr, "unionsync: stopping the desk\n");
    return 0;
}

/* Runs `unionsync ui`. */
int
us_ui_run (int argc, char **argv)
{
    us_opt_t opts [] = { US_OPT ("db", true), US_OPT ("help", false), US_OPT ("port", true),
                         US_OPT ("no-browser", false), US_OPT ("sync-every", true) };
    const int n = 5;
    const char *pos [1];
    int n_pos, ex = us_args_command (pos, &n_pos, 0, 0, opts, n, argc, argv);
    if (ex >= 0)
        return ex;
    long port = 0, every = 180;
    const char *p = us_args_value (opts, n, "port", NULL);
    const char *e = us_args_value (opts, n, "sync-every", NULL);
    if ((p && s_number (&port, p, 0, 65535, "port") != 0)
    ||  (e && s_number (&every, e, 5, 86400, "sync-every") != 0))
        return us_args_usage_error (us_error_msg ());
    const char *db_path = us_args_db_path (opts, n);
    s_desk_t *self = calloc (1, sizeof *self);
    if (!self)
        return us_args_fail (us_error_set (US_ENOMEM, "out of memory"));
    int rc = us_dstore_open (&self->store, db_path);
    if (rc == 0)
        rc = s_serve (self, db_path, port, every, !us_args_has (opts, n, "no-browser"));
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    s_sync_stop (&self->sync);
    us_dstore_destroy (&self->store);
    free (self);
    return rc ? us_args_fail (rc) : 0;
}
