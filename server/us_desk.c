/*  us_desk: the province desk's HTTP plumbing: the daemon, sessions,
    static pages and the checks every request passes. */
#include "us_desk_int.h"
#include "us_desk_web.h"
#include "us_error.h"
#include "us_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Pages may load scripts, styles and frames only from the desk itself. */
static const char *s_csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none';"
    " frame-ancestors 'none'";

/* Paths of the views: each is the page shell, which reads its address. */
static const char *s_views [] = {
    "/", "/round", "/report", "/cell", "/conflicts", "/approvals", "/corrections",
    "/targets", "/offices", "/accounts", "/log", NULL
};

/* Queues a response with the desk's security headers. */
enum MHD_Result
us_desk_send (us_desk_req_t *req, unsigned status, const char *mime, const void *body,
              size_t len, const char *header, const char *value)
{
    struct MHD_Response *res = MHD_create_response_from_buffer (len, (void *) body,
                                                                MHD_RESPMEM_MUST_COPY);
    if (!res)
        return MHD_NO;
    MHD_add_response_header (res, "Content-Type", mime);
    MHD_add_response_header (res, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (res, "Referrer-Policy", "no-referrer");
    MHD_add_response_header (res, "Cache-Control", "no-store");
    if (header && strcasecmp (header, "Content-Security-Policy") == 0)
        MHD_add_response_header (res, header, value);
    else {
        MHD_add_response_header (res, "Content-Security-Policy", s_csp);
        MHD_add_response_header (res, "X-Frame-Options", "DENY");
        if (header)
            MHD_add_response_header (res, header, value);
    }
    if (req->desk->tls || req->desk->secure_cookie)
        MHD_add_response_header (res, "Strict-Transport-Security", "max-age=31536000");
    enum MHD_Result ret = MHD_queue_response (req->conn, status, res);
    MHD_destroy_response (res);
    return ret;
}

/* Queues a JSON response and drops the reference to body. */
enum MHD_Result
us_desk_json (us_desk_req_t *req, unsigned status, json_t *body)
{
    if (!body)
        return us_desk_error (req, 500, us_error_msg ());
    char *text = json_dumps (body, JSON_COMPACT);
    json_decref (body);
    if (!text)
        return MHD_NO;
    enum MHD_Result ret = us_desk_send (req, status, "application/json; charset=utf-8",
                                        text, strlen (text), NULL, NULL);
    free (text);
    return ret;
}

/* Queues {"error": msg} with status. */
enum MHD_Result
us_desk_error (us_desk_req_t *req, unsigned status, const char *msg)
{
    return us_desk_json (req, status, json_pack ("{s:s}", "error", msg && *msg ? msg : "lỗi"));
}

/* Returns a query argument, or NULL. */
const char *
us_desk_arg (us_desk_req_t *req, const char *name)
{
    return MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Looks up the request's session from its cookie. */
static void
s_session (us_desk_req_t *req)
{
    const char *id = MHD_lookup_connection_value (req->conn, MHD_COOKIE_KIND, "us_session");
    if (!id || strlen (id) != US_ACCOUNTS_TOKEN - 1)
        return;
    us_accounts_digest (req->digest, id);
    req->has_session = us_pstore_session_get (req->desk->store, &req->session, req->digest,
                                              time (NULL), US_DESK_IDLE,
                                              US_DESK_ABSOLUTE) == 0;
}

/* Serves an embedded file by path; false when there is none. */
static bool
s_static (us_desk_req_t *req, const char *path, enum MHD_Result *ret)
{
    for (size_t i = 0; i < us_desk_files_count; i++)
        if (path [0] == '/' && strcmp (us_desk_files [i].path, path + 1) == 0) {
            *ret = us_desk_send (req, 200, us_desk_files [i].type, us_desk_files [i].data,
                                 us_desk_files [i].len, NULL, NULL);
            return true;
        }
    return false;
}

/* True when path is one of the views. */
static bool
s_is_view (const char *path)
{
    for (int i = 0; s_views [i]; i++)
        if (strcmp (s_views [i], path) == 0)
            return true;
    return false;
}

/* Appends s to out percent-encoded for a query value. */
static void
s_encode (FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        ||  c == '-' || c == '.' || c == '_' || c == '/')
            fputc (c, out);
        else
            fprintf (out, "%%%02X", c);
    }
}

/* Adds one query argument to the "next" address being built. */
static enum MHD_Result
s_add_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    FILE *out = cls;
    fputs (ftell (out) ? "&" : "", out);
    s_encode (out, key);
    fputc ('=', out);
    s_encode (out, value ? value : "");
    return MHD_YES;
}

/* Sends a browser without a session to the login page, keeping where it
   wanted to go (its own path and query, nothing else). */
static enum MHD_Result
s_to_login (us_desk_req_t *req)
{
    char *query = NULL, *next = NULL;
    size_t qlen = 0, nlen = 0;
    FILE *q = open_memstream (&query, &qlen);
    if (q)
        MHD_get_connection_values (req->conn, MHD_GET_ARGUMENT_KIND, s_add_arg, q);
    if (q)
        fclose (q);
    FILE *n = open_memstream (&next, &nlen);
    if (n) {
        fputs ("/login?next=", n);
        s_encode (n, req->path);
        if (query && *query) {
            s_encode (n, "?");
            s_encode (n, query);
        }
        fclose (n);
    }
    enum MHD_Result ret = us_desk_send (req, 303, "text/plain; charset=utf-8", "", 0,
                                        "Location", next ? next : "/login");
    free (query);
    free (next);
    return ret;
}

/* Answers a complete request. */
static enum MHD_Result
s_answer (us_desk_req_t *req)
{
    enum MHD_Result ret = MHD_NO;
    bool get = strcmp (req->method, "GET") == 0 || strcmp (req->method, "HEAD") == 0;
    bool post = strcmp (req->method, "POST") == 0;
    if (!get && !post)
        return us_desk_error (req, 405, "chỉ GET và POST");
    if (req->too_big)
        return us_desk_error (req, 413, "yêu cầu quá lớn");
    if (strncmp (req->path, "/api/", 5) == 0) {
        if (post && strcmp (req->path, "/api/login") == 0)
            return us_desk_login (req);
        s_session (req);
        if (!req->has_session)
            return us_desk_error (req, 401, "chưa đăng nhập");
        if (post) {
            const char *token = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND,
                                                             "X-CSRF-Token");
            if (!token || !us_accounts_equal (token, req->session.csrf))
                return us_desk_error (req, 403, "thiếu mã chống giả mạo (CSRF)");
        }
        return us_desk_api (req);
    }
    if (!get)
        return us_desk_error (req, 405, "chỉ GET");
    if (s_static (req, req->path, &ret))
        return ret;
    if (strcmp (req->path, "/login") == 0) {
        s_static (req, "/index.html", &ret);
        return ret;
    }
    if (!s_is_view (req->path))
        return us_desk_send (req, 404, "text/plain; charset=utf-8", "không có trang này\n",
                             strlen ("không có trang này\n"), NULL, NULL);
    s_session (req);
    if (!req->has_session)
        return s_to_login (req);
    s_static (req, "/index.html", &ret);
    return ret;
}

/* libmicrohttpd's access handler: gathers the body (bounded), then answers. */
static enum MHD_Result
s_handler (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size,
           void **con_cls)
{
    (void) version;
    us_desk_req_t *req = *con_cls;
    if (!req) {
        req = calloc (1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->desk = cls;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!req->too_big && req->body_len + *upload_data_size <= US_DESK_BODY_MAX) {
            char *grown = realloc (req->body, req->body_len + *upload_data_size + 1);
            if (!grown)
                return MHD_NO;
            memcpy (grown + req->body_len, upload_data, *upload_data_size);
            req->body = grown;
            req->body_len += *upload_data_size;
            req->body [req->body_len] = 0;
        }
        else
            req->too_big = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    req->conn = conn;
    req->method = method;
    req->path = url;
    us_error_clear ();
    return s_answer (req);
}

/* Frees a request's state when its connection is done with it. */
static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode code)
{
    (void) cls; (void) conn; (void) code;
    us_desk_req_t *req = *con_cls;
    if (req) {
        free (req->body);
        free (req);
        *con_cls = NULL;
    }
}

/* Reads a whole (small) file into a string; NULL with the error set. */
static char *
s_slurp (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        us_error_set (US_EIO, "cannot read %s", path);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream (&text, &len);
    char buf [4096];
    size_t n;
    while (mem && (n = fread (buf, 1, sizeof buf, f)) > 0)
        fwrite (buf, 1, n, mem);
    fclose (f);
    if (!mem || fclose (mem) != 0) {
        us_error_set (US_ENOMEM, "out of memory reading %s", path);
        return NULL;
    }
    return text;
}

/* Parses HOST:PORT into addr; loopback tells whether it is 127.0.0.0/8. */
static int
s_parse_bind (struct sockaddr_in *addr, bool *loopback, const char *bind)
{
    const char *colon = bind ? strrchr (bind, ':') : NULL;
    char host [64];
    if (!colon || colon == bind || (size_t) (colon - bind) >= sizeof host)
        return us_error_set (US_EINVAL, "--bind wants HOST:PORT (e.g. 127.0.0.1:8080)");
    memcpy (host, bind, (size_t) (colon - bind));
    host [colon - bind] = 0;
    char *end;
    long port = strtol (colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535)
        return us_error_set (US_EINVAL, "bad port in '%s'", bind);
    memset (addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons ((uint16_t) port);
    if (strcmp (host, "localhost") == 0)
        strcpy (host, "127.0.0.1");
    if (inet_pton (AF_INET, host, &addr->sin_addr) != 1)
        return us_error_set (US_EINVAL, "bad IPv4 address '%s' in --bind", host);
    *loopback = (ntohl (addr->sin_addr.s_addr) >> 24) == 127;
    return 0;
}

/* Opens the desk's own store connection and its tables. */
static int
s_open_store (us_desk_t *self, const char *db_path)
{
    int rc = us_pstore_open (&self->store, db_path);
    if (rc == 0)
        rc = us_pstore_users_schema (self->store);
    /* A hash to check unknown names against, so that a wrong name costs
       as long as a wrong password and does not reveal who has an account. */
    char pw [US_ACCOUNTS_TOKEN];
    if (rc == 0)
        rc = us_accounts_token (pw);
    if (rc == 0)
        rc = us_accounts_hash (self->dummy_hash, sizeof self->dummy_hash, pw);
    return rc;
}

/* Starts the daemon. */
us_desk_t *
us_desk_new (const us_desk_config_t *config)
{
    struct sockaddr_in addr;
    bool loopback = false;
    if (s_parse_bind (&addr, &loopback, config->bind))
        return NULL;
    bool tls = config->tls_cert || config->tls_key;
    if (tls && (!config->tls_cert || !config->tls_key)) {
        us_error_set (US_EINVAL, "TLS needs both --tls-cert and --tls-key");
        return NULL;
    }
    if (!loopback && !tls && !config->behind_proxy) {
        us_error_set (US_EPERM, "%s is not a loopback address: give --tls-cert and --tls-key,"
                      " or --behind-proxy when a reverse proxy terminates TLS", config->bind);
        return NULL;
    }
    us_desk_t *self = calloc (1, sizeof *self);
    if (!self) {
        us_error_set (US_ENOMEM, "out of memory");
        return NULL;
    }
    self->tls = tls;
    self->secure_cookie = tls || config->behind_proxy;
    self->lockout = (us_lockout_t) { 5, 10 * 60, 5 * 60 };
    if (s_open_store (self, config->db_path)
    ||  (tls && (!(self->cert = s_slurp (config->tls_cert))
                 || !(self->key = s_slurp (config->tls_key))))) {
        us_desk_destroy (&self);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG
                   | (tls ? MHD_USE_TLS : 0);
    if (tls)
        self->daemon = MHD_start_daemon (flags, 0, NULL, NULL, s_handler, self,
            MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
            MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
            MHD_OPTION_HTTPS_MEM_CERT, self->cert, MHD_OPTION_HTTPS_MEM_KEY, self->key,
            MHD_OPTION_END);
    else
        self->daemon = MHD_start_daemon (flags, 0, NULL, NULL, s_handler, self,
            MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
            MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
            MHD_OPTION_END);
    if (!self->daemon) {
        us_error_set (US_EIO, "cannot serve the desk on %s (address in use, or a bad"
                      " certificate)", config->bind);
        us_desk_destroy (&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon,
                                                            MHD_DAEMON_INFO_BIND_PORT);
    char host [INET_ADDRSTRLEN];
    inet_ntop (AF_INET, &addr.sin_addr, host, sizeof host);
    snprintf (self->url, sizeof self->url, "%s://%s:%u/", tls ? "https" : "http", host,
              info ? (unsigned) info->port : (unsigned) ntohs (addr.sin_port));
    return self;
}

/* Returns the desk's address. */
const char *
us_desk_url (us_desk_t *self)
{
    return self->url;
}

/* Stops the daemon and closes the store. */
void
us_desk_destroy (us_desk_t **self_p)
{
    us_desk_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    us_pstore_destroy (&self->store);
    free (self->cert);
    if (self->key) {
        memset (self->key, 0, strlen (self->key));
        free (self->key);
    }
    free (self);
    *self_p = NULL;
}
