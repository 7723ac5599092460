/*  us_desk_api: the province desk's JSON API. Every change goes through
    the same store functions as the command line and is written to the
    desk's action log with the account's name. */
#include "us_desk_int.h"
#include "us_allocate.h"
#include "us_audit.h"
#include "us_error.h"
#include "us_merge.h"
#include "us_print_xlsx.h"
#include "us_print.h"
#include "us_pstore_report.h"
#include "us_render.h"
#include "us_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Maps an error code to an HTTP status. */
static unsigned
s_status (int rc)
{
    switch (rc) {
        case US_EINVAL:    return 400;
        case US_ENOTFOUND: return 404;
        case US_EPERM:     return 403;
        case US_EEXIST:    return 409;
        default:           return 500;
    }
}

/* Answers a failed store call with its one-line message. */
static enum MHD_Result
s_fail (us_desk_req_t *req, int rc)
{
    return us_desk_error (req, s_status (rc), us_error_msg ());
}

/* True when the session's role allows role; else answers 403. */
static bool
s_allowed (us_desk_req_t *req, us_role_t role, enum MHD_Result *ret)
{
    if (req->session.role >= role)
        return true;
    char msg [160];
    snprintf (msg, sizeof msg, "tài khoản %s (%s) không có quyền này; cần vai trò %s",
              req->session.name, us_accounts_role_name (req->session.role),
              us_accounts_role_name (role));
    *ret = us_desk_error (req, 403, msg);
    return false;
}

/* Parses the body as a JSON object; NULL after answering 400. */
static json_t *
s_body (us_desk_req_t *req, enum MHD_Result *ret)
{
    json_error_t err;
    json_t *body = req->body ? json_loadb (req->body, req->body_len, 0, &err) : NULL;
    if (!json_is_object (body)) {
        json_decref (body);
        *ret = us_desk_error (req, 400, "thân yêu cầu phải là một đối tượng JSON");
        return NULL;
    }
    return body;
}

/* A string member of a JSON object, or NULL. */
static const char *
s_str (json_t *obj, const char *key)
{
    return json_string_value (json_object_get (obj, key));
}

/* Records a desk action with the account's name. */
static void
s_log (us_desk_req_t *req, const char *action, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_log (us_desk_req_t *req, const char *action, const char *fmt, ...)
{
    char detail [512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (detail, sizeof detail, fmt, ap);
    va_end (ap);
    us_pstore_desk_log (req->desk->store, req->session.name, action, detail);
}

/* Renders the report of period for unit in a format into out, with last
   year's figures beside it for html and vi: the same path as the
   command line's report. */
static int
s_render_report (us_pstore_t *store, const char *period, const char *unit,
                 us_format_t format, FILE *out)
{
    bool compare = format == US_FORMAT_HTML || format == US_FORMAT_VI;
    return us_render_report (store, out, period, unit, format, NULL, US_SOURCE_PROVINCE, compare);
}

/* Writes the xlsx report of period for unit into a temporary file and
   returns its bytes (caller frees), or NULL with the error set. */
static char *
s_render_xlsx (us_pstore_t *store, const char *period, const char *unit, size_t *len)
{
    us_report_t *report = NULL;
    int rc = us_pstore_report_build (&report, store, period, unit);
    if (rc)
        return NULL;
    char path [] = "/tmp/unionsync-desk-XXXXXX";
    int fd = mkstemp (path);
    if (fd < 0) {
        us_report_destroy (&report);
        us_error_set (US_EIO, "no temporary file for the workbook");
        return NULL;
    }
    close (fd);
    rc = us_print_xlsx (report, path);
    us_report_destroy (&report);
    char *bytes = NULL;
    FILE *f = rc == 0 ? fopen (path, "rb") : NULL;
    if (f && fseek (f, 0, SEEK_END) == 0) {
        long size = ftell (f);
        rewind (f);
        bytes = size > 0 ? malloc ((size_t) size) : NULL;
        if (bytes && fread (bytes, 1, (size_t) size, f) == (size_t) size)
            *len = (size_t) size;
        else {
            free (bytes);
            bytes = NULL;
            us_error_set (US_EIO, "cannot read the workbook back");
        }
    }
    if (f)
        fclose (f);
    unlink (path);
    return bytes;
}

/* GET /api/report?period=&unit=&format=html|vi|text|csv|json|xlsx[&download=1] */
static enum MHD_Result
s_report (us_desk_req_t *req)
{
    const char *period = us_desk_arg (req, "period");
    const char *unit = us_desk_arg (req, "unit");
    const char *format = us_desk_arg (req, "format");
    if (!period || !*period)
        return us_desk_error (req, 400, "cần kỳ báo cáo (period)");
    if (unit && !*unit)
        unit = NULL;
    format = format ? format : "html";
    char disposition [200];
    snprintf (disposition, sizeof disposition, "%s; filename=\"bao-cao-%s%s%s.%s\"",
              us_desk_arg (req, "download") ? "attachment" : "inline", period,
              unit ? "-" : "", unit ? unit : "",
              strcmp (format, "vi") == 0 || strcmp (format, "text") == 0 ? "txt" : format);
    for (char *c = disposition; *c; c++)
        if (*c == '/' || *c == '\\')
            *c = '-';
    if (strcmp (format, "xlsx") == 0) {
        size_t len = 0;
        char *bytes = s_render_xlsx (req->desk->store, period, unit, &len);
        if (!bytes)
            return us_desk_error (req, 400, us_error_msg ());
        enum MHD_Result ret = us_desk_send (req, 200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes, len,
            "Content-Disposition", disposition);
        free (bytes);
        return ret;
    }
    us_format_t fmt;
    if (us_format_parse (&fmt, format) != 0)
        return us_desk_error (req, 400, us_error_msg ());
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&text, &len);
    if (!out)
        return us_desk_error (req, 500, "hết bộ nhớ");
    int rc = s_render_report (req->desk->store, period, unit, fmt, out);
    fclose (out);
    enum MHD_Result ret;
    if (rc)
        ret = s_fail (req, rc);
    else
    if (fmt == US_FORMAT_HTML) {
        /* The report page has its own inline styles and no script; it may
           be framed by the desk's report view only. */
        struct MHD_Response *res = MHD_create_response_from_buffer (len, text,
                                                                    MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header (res, "Content-Type", "text/html; charset=utf-8");
        MHD_add_response_header (res, "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
            " frame-ancestors 'self'");
        MHD_add_response_header (res, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header (res, "Cache-Control", "no-store");
        MHD_add_response_header (res, "Content-Disposition", disposition);
        ret = MHD_queue_response (req->conn, 200, res);
        MHD_destroy_response (res);
    }
    else {
        const char *mime = fmt == US_FORMAT_CSV ? "text/csv; charset=utf-8"
                         : fmt == US_FORMAT_JSON ? "application/json; charset=utf-8"
                         : "text/plain; charset=utf-8";
        ret = us_desk_send (req, 200, mime, text, len, "Content-Disposition", disposition);
    }
    free (text);
    return ret;
}

/* Parses a period argument; answers 400 and returns false when bad. */
static bool
s_period (us_desk_req_t *req, us_period_t *p, const char *text, enum MHD_Result *ret)
{
    if (text && us_period_parse (p, text) == 0)
        return true;
    *ret = us_desk_error (req, 400, "kỳ không hợp lệ (ví dụ 2022-05, 2022-Q2, 2022-H1, 2022)");
    return false;
}

/* GET /api/round?year=YYYY: units, the year's periods, submissions, last syncs. */
static enum MHD_Result
s_round (us_desk_req_t *req)
{
    const char *year_text = us_desk_arg (req, "year");
    char year [16];
    if (year_text)
        snprintf (year, sizeof year, "%s", year_text);
    else {
        time_t now = time (NULL);
        struct tm tm;
        gmtime_r (&now, &tm);
        snprintf (year, sizeof year, "%d", tm.tm_year + 1900);
    }
    us_period_t whole;
    if (us_period_parse (&whole, year) != 0 || whole.kind != US_PERIOD_YEAR)
        return us_desk_error (req, 400, "năm không hợp lệ");
    json_t *periods = json_array ();
    static const char *suffixes [] = { "-01", "-02", "-03", "-04", "-05", "-06", "-07", "-08",
                                       "-09", "-10", "-11", "-12", "-Q1", "-Q2", "-Q3",
                                       "-Q4", "-H1", "-H2", "" };
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        char text [US_PERIOD_TEXT];
        us_period_t p;
        snprintf (text, sizeof text, "%s%s", year, suffixes [i]);
        int64_t deadline;
        if (us_period_parse (&p, text) != 0)
            continue;
        if (us_pstore_schedule_deadline (req->desk->store, &deadline, &p) != 0) {
            json_decref (periods);
            return us_desk_error (req, 500, us_error_msg ());
        }
        json_array_append_new (periods, json_pack ("{s:s, s:I}", "period", p.text,
            "deadline", (json_int_t) deadline));
    }
    us_pstore_t *store = req->desk->store;
    json_t *units = us_pstore_desk_units (store);
    json_t *subs = us_pstore_desk_submissions (store, whole.first, whole.last);
    json_t *last = us_pstore_desk_last_sync (store);
    if (!units || !subs || !last) {
        json_decref (units); json_decref (subs); json_decref (last); json_decref (periods);
        return us_desk_error (req, 500, us_error_msg ());
    }
    return us_desk_json (req, 200, json_pack ("{s:s, s:I, s:o, s:o, s:o, s:o}",
        "year", year, "now", (json_int_t) time (NULL) * 1000, "periods", periods,
        "units", units, "submissions", subs, "last_sync", last));
}

/* GET /api/meta: the unit tree and the catalog, for the pages' choosers. */
static enum MHD_Result
s_meta (us_desk_req_t *req)
{
    json_t *units = us_pstore_desk_units (req->desk->store);
    json_t *inds = us_pstore_desk_indicators (req->desk->store);
    if (!units || !inds) {
        json_decref (units); json_decref (inds);
        return us_desk_error (req, 500, us_error_msg ());
    }
    return us_desk_json (req, 200, json_pack ("{s:o, s:o}", "units", units, "indicators", inds));
}

/* GET /api/cell?unit=&indicator=&period= (or month=): a figure's story. */
static enum MHD_Result
s_cell (us_desk_req_t *req)
{
    const char *unit = us_desk_arg (req, "unit"), *ind = us_desk_arg (req, "indicator");
    const char *period = us_desk_arg (req, "period");
    period = period ? period : us_desk_arg (req, "month");
    us_period_t p;
    if (!unit || !ind || !period || us_period_parse (&p, period) != 0)
        return us_desk_error (req, 400, "cần unit, indicator và period (hoặc month)");
    json_t *story = us_pstore_desk_cell (req->desk->store, unit, p.first, p.last, ind);
    if (!story)
        return us_desk_error (req, 500, us_error_msg ());
    json_object_set_new (story, "period", json_string (p.text));
    return us_desk_json (req, 200, story);
}

/* GET /api/audit?unit=&period=: what `audit show` prints. */
static enum MHD_Result
s_audit (us_desk_req_t *req)
{
    const char *unit = us_desk_arg (req, "unit"), *period = us_desk_arg (req, "period");
    if (!unit || !period)
        return us_desk_error (req, 400, "cần unit và period");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&text, &len);
    if (!out)
        return us_desk_error (req, 500, "hết bộ nhớ");
    int rc = us_audit_show (req->desk->store, out, unit, period);
    fclose (out);
    enum MHD_Result ret = rc ? s_fail (req, rc)
        : us_desk_send (req, 200, "text/plain; charset=utf-8", text, len, NULL, NULL);
    free (text);
    return ret;
}

/* GET /api/conflicts: every recorded conflict. */
static enum MHD_Result
s_conflicts (us_desk_req_t *req)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&text, &len);
    if (!out)
        return us_desk_error (req, 500, "hết bộ nhớ");
    int rc = us_pstore_conflicts_print (req->desk->store, out, true);
    fclose (out);
    json_error_t err;
    json_t *list = rc == 0 ? json_loadb (text, len, 0, &err) : NULL;
    free (text);
    if (!list)
        return rc ? s_fail (req, rc) : us_desk_error (req, 500, "bad conflicts list");
    return us_desk_json (req, 200, list);
}

/* POST /api/correct and /api/resolve {unit, month, indicator, value|null, note}. */
static enum MHD_Result
s_correct (us_desk_req_t *req, bool resolve)
{
    enum MHD_Result ret;
    if (!s_allowed (req, US_ROLE_APPROVER, &ret))
        return ret;
    json_t *body = s_body (req, &ret);
    if (!body)
        return ret;
    const char *unit = s_str (body, "unit"), *month = s_str (body, "month");
    const char *ind = s_str (body, "indicator"), *note = s_str (body, "note");
    json_t *v = json_object_get (body, "value");
    char value [32];
    if (json_is_integer (v))
        snprintf (value, sizeof value, "%lld", (long long) json_integer_value (v));
    else
        snprintf (value, sizeof value, "%s", json_is_string (v) ? json_string_value (v) : "");
    if (resolve && (!note || !*note))
        note = "conflict resolved";
    if (!unit || !month || !ind || (!json_is_null (v) && !*value))
        ret = us_desk_error (req, 400, "cần đơn vị, tháng, chỉ số và giá trị");
    else
    if (!note || !*note)
        ret = us_desk_error (req, 400, "điều chỉnh cần ghi chú lý do");
    else {
        us_merge_result_t result;
        int rc = us_merge_correct (&result, req->desk->store, unit, month, ind,
                                   json_is_null (v) ? NULL : value, note, req->session.name,
                                   resolve, &req->desk->clock);
        if (rc)
            ret = s_fail (req, rc);
        else
        if (result.result.outcome == US_OUTCOME_REJECTED)
            ret = us_desk_error (req, 400, result.reason);
        else {
            s_log (req, resolve ? "resolve" : "correct", "%s %s %s = %s; %s", unit, month,
                   ind, json_is_null (v) ? "(cleared)" : value, note);
            ret = us_desk_json (req, 200, json_pack ("{s:s, s:I}", "outcome",
                us_outcome_name (result.result.outcome), "version",
                (json_int_t) result.result.version));
        }
    }
    json_decref (body);
    return ret;
}

/* GET /api/states?period=: submissions touching the period, and the units. */
static enum MHD_Result
s_states (us_desk_req_t *req)
{
    us_period_t p;
    enum MHD_Result ret;
    if (!s_period (req, &p, us_desk_arg (req, "period"), &ret))
        return ret;
    int64_t deadline;
    if (us_pstore_schedule_deadline (req->desk->store, &deadline, &p) != 0)
        return us_desk_error (req, 500, us_error_msg ());
    json_t *units = us_pstore_desk_units (req->desk->store);
    json_t *subs = us_pstore_desk_submissions (req->desk->store, p.first, p.last);
    if (!units || !subs) {
        json_decref (units); json_decref (subs);
        return us_desk_error (req, 500, us_error_msg ());
    }
    return us_desk_json (req, 200, json_pack ("{s:s, s:I, s:o, s:o}", "period", p.text,
        "deadline", (json_int_t) deadline, "units", units,
        "submissions", subs));
}

/* POST /api/workflow {unit, period, action, force}. */
static enum MHD_Result
s_workflow (us_desk_req_t *req)
{
    enum MHD_Result ret;
    if (!s_allowed (req, US_ROLE_APPROVER, &ret))
        return ret;
    json_t *body = s_body (req, &ret);
    if (!body)
        return ret;
    const char *unit = s_str (body, "unit"), *period = s_str (body, "period");
    const char *action = s_str (body, "action");
    bool force = json_is_true (json_object_get (body, "force"));
    us_state_t state;
    if (!unit || !period || !action)
        ret = us_desk_error (req, 400, "cần đơn vị, kỳ và thao tác");
    else {
        us_action_t act;
        int rc = us_action_parse (&act, action);
        if (rc == 0)
            rc = us_pstore_workflow (req->desk->store, &state, unit, period, act, force);
        if (rc)
            ret = s_fail (req, rc);
        else {
            s_log (req, action, "%s %s%s", unit, period, force ? " (forced)" : "");
            ret = us_desk_json (req, 200, json_pack ("{s:s}", "state", us_state_name (state)));
        }
    }
    json_decref (body);
    return ret;
}

/* GET /api/targets?period= */
static enum MHD_Result
s_targets (us_desk_req_t *req)
{
    us_period_t p;
    enum MHD_Result ret;
    if (!s_period (req, &p, us_desk_arg (req, "period"), &ret))
        return ret;
    return us_desk_json (req, 200, us_pstore_desk_targets (req->desk->store, p.first, p.last));
}

/* POST /api/target {unit, indicator, period, value, source}. */
static enum MHD_Result
s_target_set (us_desk_req_t *req)
{
    enum MHD_Result ret;
    if (!s_allowed (req, US_ROLE_APPROVER, &ret))
        return ret;
    json_t *body = s_body (req, &ret);
    if (!body)
        return ret;
    const char *unit = s_str (body, "unit"), *ind = s_str (body, "indicator");
    const char *period = s_str (body, "period"), *value = s_str (body, "value");
    const char *source = s_str (body, "source");
    source = source && *source ? source : "province";
    if (!unit || !ind || !period || !value)
        ret = us_desk_error (req, 400, "cần đơn vị, chỉ số, kỳ và giá trị");
    else {
        int rc = us_pstore_target_set (req->desk->store, unit, ind, period, value, source);
        if (rc)
            ret = s_fail (req, rc);
        else {
            s_log (req, "target", "%s %s %s = %s (%s)", unit, ind, period, value, source);
            ret = us_desk_json (req, 200, json_pack ("{s:b}", "ok", 1));
        }
    }
    json_decref (body);
    return ret;
}

/* POST /api/allocate {indicator, period, total, by, source, apply}: a
   preview, or the split written all or nothing. */
static enum MHD_Result
s_allocate (us_desk_req_t *req)
{
    enum MHD_Result ret;
    if (!s_allowed (req, US_ROLE_APPROVER, &ret))
        return ret;
    json_t *body = s_body (req, &ret);
    if (!body)
        return ret;
    const char *ind = s_str (body, "indicator"), *period = s_str (body, "period");
    const char *by = s_str (body, "by"), *source_text = s_str (body, "source");
    json_t *total = json_object_get (body, "total");
    bool apply = json_is_true (json_object_get (body, "apply"));
    us_source_t source;
    if (!ind || !period || !by || !json_is_integer (total) || json_integer_value (total) < 0) {
        json_decref (body);
        return us_desk_error (req, 400, "cần chỉ số, kỳ, tổng (số nguyên ≥ 0) và chỉ số làm căn cứ");
    }
    if (us_source_parse (&source, source_text && *source_text ? source_text : "province")) {
        json_decref (body);
        return us_desk_error (req, 400, us_error_msg ());
    }
    us_allocate_t *split = NULL;
    int rc = us_allocate_by_figure (&split, req->desk->store, ind, period,
                                    json_integer_value (total), source, by);
    size_t written = 0;
    if (rc == 0 && apply)
        rc = us_allocate_apply (split, req->desk->store, &written);
    if (rc)
        ret = s_fail (req, rc);
    else {
        json_t *rows = json_array ();
        for (size_t i = 0; i < split->count; i++)
            json_array_append_new (rows, json_pack ("{s:s, s:s, s:b, s:f, s:I}",
                "unit", split->rows [i].unit, "name", split->rows [i].name,
                "has_weight", split->rows [i].has_weight,
                "weight", (double) split->rows [i].weight / US_ALLOCATE_SCALE,
                "share", (json_int_t) split->rows [i].share));
        if (apply)
            s_log (req, "allocate", "%s %s total %lld by %s (%s): %zu targets", ind, period,
                   (long long) json_integer_value (total), by, us_source_name (source), written);
        ret = us_desk_json (req, 200, json_pack ("{s:s, s:s, s:o, s:b, s:I}", "basis",
            split->basis, "context", split->context, "rows", rows, "applied", apply,
            "written", (json_int_t) written));
    }
    us_allocate_destroy (&split);
    json_decref (body);
    return ret;
}

/* POST /api/enroll {unit, key, name}, /api/revoke {key}, /api/rekey {key, new}. */
static enum MHD_Result
s_office (us_desk_req_t *req, const char *what)
{
    enum MHD_Result ret;
    if (!s_allowed (req, US_ROLE_ADMIN, &ret))
        return ret;
    json_t *body = s_body (req, &ret);
    if (!body)
        return ret;
    const char *key = s_str (body, "key");
    int64_t id = 0;
    int rc;
    if (!key || !*key)
        rc = us_error_set (US_EINVAL, "cần khoá công khai của văn phòng");
    else
    if (strcmp (what, "enroll") == 0) {
        const char *unit = s_str (body, "unit"), *name = s_str (body, "name");
        rc = unit ? us_pstore_enroll (req->desk->store, &id, unit, key, name ? name : "")
                  : us_error_set (US_EINVAL, "cần đơn vị");
        if (rc == 0)
            s_log (req, "enroll", "replica %lld for %s (%s)", (long long) id, unit,
                   name ? name : "");
    }
    else
    if (strcmp (what, "revoke") == 0) {
        rc = us_pstore_revoke (req->desk->store, key);
        if (rc == 0)
            s_log (req, "revoke", "%.40s", key);
    }
    else {
        const char *fresh = s_str (body, "new");
        rc = fresh ? us_pstore_rekey (req->desk->store, &id, key, fresh)
                   : us_error_set (US_EINVAL, "cần khoá mới");
        if (rc == 0)
            s_log (req, "rekey", "replica %lld", (long long) id);
    }
    json_decref (body);
    return rc ? s_fail (req, rc) : us_desk_json (req, 200, json_pack ("{s:I}", "replica",
                                                                       (json_int_t) id));
}

/* POST /api/account {name, role, password}: adds an account, or with
   "action": "passwd" | "disable" | "role" changes one. */
static enum MHD_Result
s_account (us_desk_req_t *req)
{
    enum MHD_Result ret;
    if (!s_allowed (req, US_ROLE_ADMIN, &ret))
        return ret;
    json_t *body = s_body (req, &ret);
    if (!body)
        return ret;
    const char *name = s_str (body, "name"), *action = s_str (body, "action");
    const char *role_text = s_str (body, "role"), *password = s_str (body, "password");
    action = action ? action : "add";
    us_role_t role = US_ROLE_VIEWER;
    char hash [US_ACCOUNTS_HASH_MAX];
    us_pstore_t *store = req->desk->store;
    int rc = us_accounts_name_check (name);
    bool needs_pw = strcmp (action, "add") == 0 || strcmp (action, "passwd") == 0;
    bool needs_role = strcmp (action, "add") == 0 || strcmp (action, "role") == 0;
    if (rc == 0 && needs_role)
        rc = us_accounts_role_parse (&role, role_text);
    if (rc == 0 && needs_pw)
        rc = us_accounts_password_check (password);
    if (rc == 0 && needs_pw)
        rc = us_accounts_hash (hash, sizeof hash, password);
    if (rc == 0 && strcmp (action, "add") == 0)
        rc = us_pstore_user_add (store, name, role, hash);
    else
    if (rc == 0 && strcmp (action, "passwd") == 0)
        rc = us_pstore_user_passwd (store, name, hash);
    else
    if (rc == 0 && strcmp (action, "disable") == 0)
        rc = strcmp (name, req->session.name) == 0
           ? us_error_set (US_EINVAL, "không thể tự khoá tài khoản đang dùng")
           : us_pstore_user_disable (store, name);
    else
    if (rc == 0 && strcmp (action, "role") == 0)
        rc = us_pstore_user_role (store, name, role);
    else
    if (rc == 0)
        rc = us_error_set (US_EINVAL, "unknown account action");
    if (rc == 0)
        s_log (req, "account", "%s %s%s%s", action, name, needs_role ? " " : "",
               needs_role ? us_accounts_role_name (role) : "");
    json_decref (body);
    return rc ? s_fail (req, rc) : us_desk_json (req, 200, json_pack ("{s:b}", "ok", 1));
}

/* POST /api/logout */
static enum MHD_Result
s_logout (us_desk_req_t *req)
{
    us_pstore_session_end (req->desk->store, req->digest);
    return us_desk_send (req, 200, "application/json; charset=utf-8", "{}", 2, "Set-Cookie",
        "us_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

/* POST /api/login {name, password} */
enum MHD_Result
us_desk_login (us_desk_req_t *req)
{
    enum MHD_Result ret;
    json_t *body = s_body (req, &ret);
    if (!body)
        return ret;
    us_desk_t *desk = req->desk;
    const char *name = s_str (body, "name"), *password = s_str (body, "password");
    us_user_t user;
    int64_t now = time (NULL);
    bool known = name && password && strlen (password) <= US_ACCOUNTS_PASSWORD_MAX
              && us_pstore_user_get (desk->store, &user, name) == 0 && !user.disabled;
    bool ok = false, locked = known && user.locked_until > now;
    if (locked) {
        char msg [160];
        snprintf (msg, sizeof msg, "tài khoản tạm khoá sau nhiều lần sai mật khẩu;"
                  " thử lại sau %lld phút", (long long) ((user.locked_until - now + 59) / 60));
        json_decref (body);
        return us_desk_error (req, 429, msg);
    }
    us_accounts_verify (&ok, known ? user.hash : desk->dummy_hash, password ? password : "");
    if (!known || !ok) {
        bool now_locked = false;
        if (known)
            us_pstore_user_failed (desk->store, &now_locked, user.id, now, &desk->lockout);
        json_decref (body);
        return us_desk_error (req, now_locked ? 429 : 401, now_locked
            ? "sai mật khẩu nhiều lần: tài khoản tạm khoá 5 phút"
            : "sai tên đăng nhập hoặc mật khẩu");
    }
    json_decref (body);
    char id [US_ACCOUNTS_TOKEN], csrf [US_ACCOUNTS_TOKEN], digest [US_ACCOUNTS_TOKEN];
    int rc = us_accounts_token (id);
    if (rc == 0)
        rc = us_accounts_token (csrf);
    us_accounts_digest (digest, id);
    if (rc == 0)
        rc = us_pstore_user_succeeded (desk->store, user.id);
    if (rc == 0)
        rc = us_pstore_session_new (desk->store, digest, user.id, csrf, now, US_DESK_IDLE,
                                    US_DESK_ABSOLUTE);
    if (rc)
        return s_fail (req, rc);
    req->session.user_id = user.id;
    snprintf (req->session.name, sizeof req->session.name, "%s", user.name);
    req->session.role = user.role;
    s_log (req, "login", "%s", user.name);
    char cookie [200];
    snprintf (cookie, sizeof cookie, "us_session=%s; Path=/; HttpOnly; SameSite=Strict%s",
              id, desk->secure_cookie ? "; Secure" : "");
    json_t *me = json_pack ("{s:s, s:s, s:s}", "name", user.name, "role",
                            us_accounts_role_name (user.role), "csrf", csrf);
    char *text = me ? json_dumps (me, JSON_COMPACT) : NULL;
    json_decref (me);
    if (!text)
        return us_desk_error (req, 500, "hết bộ nhớ");
    ret = us_desk_send (req, 200, "application/json; charset=utf-8", text, strlen (text),
                        "Set-Cookie", cookie);
    free (text);
    return ret;
}

/* Answers an API request. */
enum MHD_Result
us_desk_api (us_desk_req_t *req)
{
    const char *p = req->path + 4;      /* after "/api" */
    bool post = strcmp (req->method, "POST") == 0;
    enum MHD_Result ret;
    if (!post) {
        if (strcmp (p, "/me") == 0)
            return us_desk_json (req, 200, json_pack ("{s:s, s:s, s:s}", "name",
                req->session.name, "role", us_accounts_role_name (req->session.role),
                "csrf", req->session.csrf));
        if (strcmp (p, "/meta") == 0)      return s_meta (req);
        if (strcmp (p, "/round") == 0)     return s_round (req);
        if (strcmp (p, "/report") == 0)    return s_report (req);
        if (strcmp (p, "/cell") == 0)      return s_cell (req);
        if (strcmp (p, "/audit") == 0)     return s_audit (req);
        if (strcmp (p, "/conflicts") == 0) return s_conflicts (req);
        if (strcmp (p, "/states") == 0)    return s_states (req);
        if (strcmp (p, "/targets") == 0)   return s_targets (req);
        if (strcmp (p, "/offices") == 0)
            return us_desk_json (req, 200, us_pstore_desk_offices (req->desk->store));
        if (strcmp (p, "/log") == 0)
            return us_desk_json (req, 200, us_pstore_desk_log_list (req->desk->store, 200));
        if (strcmp (p, "/accounts") == 0)
            return s_allowed (req, US_ROLE_ADMIN, &ret)
                 ? us_desk_json (req, 200, us_pstore_user_list (req->desk->store, time (NULL)))
                 : ret;
    }
    else {
        if (strcmp (p, "/logout") == 0)    return s_logout (req);
        if (strcmp (p, "/correct") == 0)   return s_correct (req, false);
        if (strcmp (p, "/resolve") == 0)   return s_correct (req, true);
        if (strcmp (p, "/workflow") == 0)  return s_workflow (req);
        if (strcmp (p, "/target") == 0)    return s_target_set (req);
        if (strcmp (p, "/allocate") == 0)  return s_allocate (req);
        if (strcmp (p, "/enroll") == 0)    return s_office (req, "enroll");
        if (strcmp (p, "/revoke") == 0)    return s_office (req, "revoke");
        if (strcmp (p, "/rekey") == 0)     return s_office (req, "rekey");
        if (strcmp (p, "/account") == 0)   return s_account (req);
    }
    return us_desk_error (req, 404, "không có API này");
}
