/*  us_desk_int: what the desk's HTTP plumbing (us_desk.c) and its API
    handlers (us_desk_api.c) share. Private to those two files. */
#ifndef US_DESK_INT_H
#define US_DESK_INT_H

#include "us_desk.h"
#include "us_hlc.h"
#include "us_pstore_users.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>

#define US_DESK_BODY_MAX (64 * 1024)     /* bytes of a request body */
#define US_DESK_IDLE (30 * 60)           /* seconds a session may idle */
#define US_DESK_ABSOLUTE (12 * 60 * 60)  /* seconds a session lives at most */

struct _us_desk_t {
    struct MHD_Daemon *daemon;
    us_pstore_t *store;         /* the desk's own connection */
    char url [128];
    bool tls;
    bool secure_cookie;
    char *cert, *key;           /* PEM text while the daemon runs */
    char dummy_hash [US_ACCOUNTS_HASH_MAX];
    us_lockout_t lockout;
    us_hlc_t clock;
};

/* One request being answered. */
typedef struct {
    us_desk_t *desk;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char *body;
    size_t body_len;
    bool too_big;
    bool has_session;
    us_session_t session;
    char digest [US_ACCOUNTS_TOKEN];
} us_desk_req_t;

/* Queues a response with the desk's security headers. status, mime and
   body (copied); extra header name/value may be NULL. */
enum MHD_Result us_desk_send (us_desk_req_t *req, unsigned status, const char *mime,
                              const void *body, size_t len, const char *header,
                              const char *value);

/* Queues a JSON response and drops the reference to body. */
enum MHD_Result us_desk_json (us_desk_req_t *req, unsigned status, json_t *body);

/* Queues {"error": msg} with status. */
enum MHD_Result us_desk_error (us_desk_req_t *req, unsigned status, const char *msg);

/* Returns a query argument, or NULL. */
const char *us_desk_arg (us_desk_req_t *req, const char *name);

/* Answers an API request (path under /api/). */
enum MHD_Result us_desk_api (us_desk_req_t *req);

/* Answers POST /api/login: checks the password, starts a session. */
enum MHD_Result us_desk_login (us_desk_req_t *req);

#endif
