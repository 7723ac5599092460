/*  us_ui_api: the JSON API of the office desk (internal to us_ui).

    Each call answers one request: it reads the request's arguments and
    body, works on the desk's store through us_dstore's typed calls and
    fills a response (status, content type, bytes the caller frees).
    Everything runs on the desk's one HTTP thread, so the store needs no
    lock; the sync runs on its own connection (see us_ui.c).
*/
#ifndef US_UI_API_H
#define US_UI_API_H

#include "us_dstore.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A file of the page, built into the binary from web/office/. */
typedef struct {
    const char *path;           /* "app.js" */
    const char *type;           /* its Content-Type */
    const unsigned char *data;
    size_t len;
} us_ui_asset_t;

extern const us_ui_asset_t us_ui_assets [];
extern const size_t us_ui_assets_count;

/* What the sync thread last did, for the page. */
typedef struct {
    bool running;
    int online;                 /* 1 the province answered, 0 it did not, -1 not tried */
    int64_t started_ms, ended_ms;
    int64_t edit_to_ack_ms;     /* last edit saved -> acknowledged, -1 unknown */
    int64_t sync_ms;            /* how long the last sync took */
    char progress [160];
    char outcome [320];         /* the last sync's summary or error */
    int rc;                     /* its result code */
} us_ui_sync_t;

/* The desk's services the API calls on. */
typedef struct {
    us_dstore_t *store;
    const char *db_path;
    void (*sync_now) (void *ctx, bool edit);    /* edit: the debounced sync after an edit */
    void (*sync_state) (void *ctx, us_ui_sync_t *state);
    void *ctx;
} us_ui_env_t;

/* A request as the API sees it; strings belong to the server. */
typedef struct {
    const char *method;
    const char *path;           /* without the query */
    const char *(*arg) (void *conn, const char *name);
    void *conn;
    const char *body;
    size_t body_len;
} us_ui_req_t;

/* A response; body is malloc'd (the caller frees it). */
typedef struct {
    int status;
    const char *type;
    char *body;
    size_t len;
    const char *disposition;    /* Content-Disposition, or NULL */
    bool print_view;            /* an HTML report page: inline style, no script */
} us_ui_resp_t;

/* Answers an API or print request; returns false when path is not one. */
bool us_ui_api_handle (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp);

/* Makes a JSON error response {"error": msg} with status. */
void us_ui_api_error (us_ui_resp_t *resp, int status, const char *msg);

#endif
