/*  us_ui_api: the JSON API of the office desk. */
#include "us_ui_api.h"
#include "us_catalog.h"
#include "us_dstore_schedules.h"
#include "us_csv.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_import.h"
#include "us_period.h"
#include "us_print.h"
#include "us_report.h"
#include "us_template.h"
#include "us_text.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FORM_MONTHS_MAX 12          /* the widest form: a year, month by month */
#define VN_OFFSET_MS (7 * 3600 * 1000LL)

/* The federation's own report groups its figures under these headings; an
   indicator goes to the first group whose prefix its code starts with. */
static const struct {
    const char *prefix, *vi, *en;
} s_groups [] = {
    { "members.", "Phát triển đoàn viên", "Union members" },
    { "cdcs.", "Công đoàn cơ sở", "Grassroots unions" },
    { "cla.", "Thỏa ước lao động tập thể", "Collective agreements" },
    { "dialogues.", "Đối thoại tại nơi làm việc", "Dialogues with employers" },
    { "propaganda.", "Tuyên truyền, giáo dục", "Propaganda and education" },
    { "training.", "Đào tạo, tập huấn cán bộ", "Training of cadres" },
    { "party.", "Xây dựng Đảng", "Members for the Party" },
    { "commended.", "Thi đua, khen thưởng", "Emulation and commendation" },
    { "support.", "Kinh phí hỗ trợ", "Support funds" },
    { "", "Chỉ tiêu khác", "Other figures" },
};
#define GROUPS (sizeof s_groups / sizeof s_groups [0])

/* What the store says when it refuses an edit, and how a clerk reads it. */
static const struct {
    const char *match, *vi;
} s_refusals [] = {
    { "not a whole number", "Không phải số nguyên (viết 1.234 hoặc 1234)" },
    { "cannot be negative", "Số liệu không được âm" },
    { "is too large", "Số quá lớn" },
    { "computed, not entered", "Chỉ tiêu này được tính tự động, không nhập" },
    { "outside this office", "Đơn vị này không thuộc văn phòng" },
    { "locked:", "Kỳ báo cáo đã được tỉnh duyệt và khóa; không sửa được" },
    { "unknown unit", "Không có đơn vị này" },
    { "unknown indicator", "Không có chỉ tiêu này" },
    { "month", "Tháng không hợp lệ" },
    { "note too long", "Ghi chú quá dài" },
    { "author name", "Tên người nhập không hợp lệ" },
    { "cannot submit", "Chưa nộp được: số liệu vi phạm quy tắc kiểm tra" },
    { "expected unit,month", "Tệp phải có các cột đơn vị, tháng, chỉ tiêu, giá trị[, ghi chú]" },
    { "has no rows", "Tệp không có dòng số liệu nào" },
    { "not valid UTF-8", "Tệp không phải văn bản UTF-8 (lưu lại dạng CSV UTF-8)" },
    { "database is locked", "Kho số liệu đang bận; thử lại" },
};

/*  ----------------------------------------------------------------------
    Responses
    ---------------------------------------------------------------------- */

/* Sets a JSON response from a value it takes. */
static void
s_json (us_ui_resp_t *resp, int status, json_t *value)
{
    resp->status = status;
    resp->type = "application/json; charset=utf-8";
    resp->body = value ? json_dumps (value, JSON_COMPACT) : NULL;
    json_decref (value);
    if (!resp->body) {
        resp->status = 500;
        resp->body = strdup ("{\"error\":\"out of memory\"}");
    }
    resp->len = resp->body ? strlen (resp->body) : 0;
}

/* Makes a JSON error response. */
void
us_ui_api_error (us_ui_resp_t *resp, int status, const char *msg)
{
    s_json (resp, status, json_pack ("{ss}", "error", msg));
}

/* Returns the Vietnamese reading of a store's refusal. */
static const char *
s_vi_refusal (const char *msg)
{
    for (size_t i = 0; i < sizeof s_refusals / sizeof s_refusals [0]; i++)
        if (strstr (msg, s_refusals [i].match))
            return s_refusals [i].vi;
    return "Không lưu được";
}

/* Makes a refusal response with the store's message in both languages. */
static void
s_refused (us_ui_resp_t *resp, int rc, const char *msg)
{
    int status = rc == US_EINVAL || rc == US_ENOTFOUND ? 422 : 500;
    s_json (resp, status, json_pack ("{ss ss}", "error", msg, "error_vi", s_vi_refusal (msg)));
}

/* Returns a string member of an object, or def. */
static const char *
s_str (json_t *obj, const char *key, const char *def)
{
    json_t *v = json_object_get (obj, key);
    return json_is_string (v) ? json_string_value (v) : def;
}

/*  ----------------------------------------------------------------------
    Periods, clerks and numbers
    ---------------------------------------------------------------------- */

/* Sets the form's period from ?month= or ?period=, else this month in
   Vietnam's time. */
static int
s_period (us_period_t *p, const us_ui_req_t *req)
{
    const char *text = req->arg (req->conn, "month");
    if (!text || !*text)
        text = req->arg (req->conn, "period");
    char now [24];
    if (!text || !*text) {
        time_t t = (time_t) ((us_hlc_wall_ms () + VN_OFFSET_MS) / 1000);
        struct tm tm;
        gmtime_r (&t, &tm);
        snprintf (now, sizeof now, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
        text = now;
    }
    int rc = us_period_parse (p, text);
    if (rc == 0 && us_period_months (p) > FORM_MONTHS_MAX)
        rc = us_error_set (US_EINVAL, "the form shows at most %d months", FORM_MONTHS_MAX);
    return rc;
}

/* Writes the clerk's name: the one the desk remembers (true), else the
   store's default author ($UNIONSYNC_AUTHOR, $USER). */
static bool
s_clerk (us_ui_env_t *env, char *buf, size_t size)
{
    if (us_dstore_desk_get (env->store, "clerk", buf, size) == 0 && *buf)
        return true;
    const char *a = getenv ("UNIONSYNC_AUTHOR");
    if (!a || !*a)
        a = getenv ("USER");
    snprintf (buf, size, "%s", a && *a ? a : "clerk");
    return false;
}

/* Reads a number the Vietnamese way into buf: "1.234" and "1 234" are
   1234; anything else is passed on for the store to judge. */
static void
s_vi_number (char *buf, size_t size, const char *text)
{
    while (*text == ' ')
        text++;
    snprintf (buf, size, "%s", text);
    size_t n = strlen (buf);
    while (n && buf [n - 1] == ' ')
        buf [--n] = 0;
    /* digits in groups of three after the first, split by '.' or spaces */
    const char *p = buf + (*buf == '-');
    int lead = 0;
    while (p [lead] >= '0' && p [lead] <= '9')
        lead++;
    if (lead < 1 || lead > 3 || !p [lead])
        return;
    char out [64];
    size_t o = 0;
    if (*buf == '-')
        out [o++] = '-';
    const char *q = p;
    while (*q && o < sizeof out - 4) {
        int sep = *q == '.' || *q == ' ' ? 1
                : (unsigned char) q [0] == 0xc2 && (unsigned char) q [1] == 0xa0 ? 2 : 0;
        if (sep) {
            q += sep;
            for (int k = 0; k < 3; k++)
                if (q [k] < '0' || q [k] > '9')
                    return;
            if (q [3] >= '0' && q [3] <= '9')
                return;
            continue;
        }
        if (*q < '0' || *q > '9')
            return;
        out [o++] = *q++;
    }
    out [o] = 0;
    snprintf (buf, size, "%s", out);
}

/*  ----------------------------------------------------------------------
    The form
    ---------------------------------------------------------------------- */

/* What the form is being built for. */
typedef struct {
    us_ui_env_t *env;
    us_period_t period;
    char unit [65];
    bool syncing;
    json_t *cells;
    bool locked [FORM_MONTHS_MAX];
    char lock_period [FORM_MONTHS_MAX][US_PERIOD_TEXT];
} s_form_t;

/* Returns the state a cell shows, and fills its reason. */
static const char *
s_cell_state (const s_form_t *f, const us_dstore_cell_t *c)
{
    int m = c->month - f->period.first;
    if (c->pending)
        return f->syncing ? "pending" : "draft";
    if (c->corrected)
        return "corrected";
    /* the answer to the clerk's own edit says more than the lock behind it */
    if (strcmp (c->outcome, "conflict-lost") == 0)
        return "conflict";
    if (strcmp (c->outcome, "rejected") == 0)
        return "rejected";
    if (m >= 0 && m < FORM_MONTHS_MAX && f->locked [m])
        return "locked";
    return "accepted";
}

/* Adds one cell of the store to the form. */
static int
s_form_cell (void *ctx, const us_dstore_cell_t *c)
{
    s_form_t *f = ctx;
    char key [96], month [8];
    us_month_format (month, c->month);
    snprintf (key, sizeof key, "%s|%s", c->indicator, month);
    json_t *cell = json_object ();
    json_object_set_new (cell, "value", c->has_value ? json_integer (c->value) : json_null ());
    json_object_set_new (cell, "state", json_string (s_cell_state (f, c)));
    json_object_set_new (cell, "author", json_string (c->author));
    json_object_set_new (cell, "note", json_string (c->note));
    if (*c->reason)
        json_object_set_new (cell, "reason", json_string (c->reason));
    if (c->has_sent)
        json_object_set_new (cell, "sent", json_integer (c->sent));
    if (strcmp (c->outcome, "conflict-lost") == 0) {
        json_object_set_new (cell, "winner", c->has_winner ? json_integer (c->winner)
                                             : c->has_value ? json_integer (c->value) : json_null ());
        json_object_set_new (cell, "winner_author", json_string (c->winner_author));
    }
    json_object_set_new (f->cells, key, cell);
    return 0;
}

/* Returns the index of unit in a report, or -1. */
static int
s_report_unit (const us_report_t *r, const char *unit)
{
    for (size_t u = 0; u < us_report_units (r); u++) {
        us_report_unit_t info;
        us_report_unit (&info, r, u);
        if (strcmp (info.code, unit) == 0)
            return (int) u;
    }
    return -1;
}

/* Returns a report's figure as JSON, or null. */
static json_t *
s_figure (const us_report_t *r, const char *unit, const char *ind)
{
    double v;
    return r && us_report_value (&v, r, unit, ind) ? json_real (v) : json_null ();
}

/* Builds a report of the office, or NULL (a period before the calendar). */
static us_report_t *
s_report (us_ui_env_t *env, const us_period_t *p)
{
    us_report_t *r = NULL;
    if (us_dstore_report_unit (env->store, &r, p->text, NULL) != 0)
        r = NULL;
    return r;
}

/* Adds the figures beside each indicator: last month, the same period a
   year before, the year to date, the target and its achievement. */
static void
s_form_info (s_form_t *f, json_t *form, const us_report_t *now)
{
    us_period_t prev, last_year, ytd;
    bool has_prev = false;
    char text [2 * US_PERIOD_TEXT + 4], m1 [8], m2 [8];
    if (f->period.kind == US_PERIOD_MONTH) {
        us_month_format (m1, f->period.first - 1);
        has_prev = us_period_parse (&prev, m1) == 0;
    }
    bool has_ly = us_period_shift_years (&last_year, &f->period, -1) == 0;
    us_month_format (m1, us_month_year (f->period.last) * 12);
    us_month_format (m2, f->period.last);
    snprintf (text, sizeof text, "%s..%s", m1, m2);
    bool has_ytd = us_period_parse (&ytd, text) == 0;
    us_report_t *r_prev = has_prev ? s_report (f->env, &prev) : NULL;
    us_report_t *r_ly = has_ly ? s_report (f->env, &last_year) : NULL;
    us_report_t *r_ytd = has_ytd ? s_report (f->env, &ytd) : NULL;
    int u = r_ytd ? s_report_unit (r_ytd, f->unit) : -1;
    json_t *info = json_object ();
    for (size_t i = 0; i < us_report_indicators (now); i++) {
        const us_indicator_t *ind = us_report_indicator (now, i);
        json_t *x = json_object ();
        json_object_set_new (x, "total", s_figure (now, f->unit, ind->code));
        json_object_set_new (x, "prev", s_figure (r_prev, f->unit, ind->code));
        json_object_set_new (x, "last_year", s_figure (r_ly, f->unit, ind->code));
        json_object_set_new (x, "ytd", s_figure (r_ytd, f->unit, ind->code));
        int k = r_ytd ? us_report_find_indicator (r_ytd, ind->code) : -1;
        static const us_source_t order [] = { US_SOURCE_PROVINCE, US_SOURCE_TLD,
                                              US_SOURCE_COMMITTED };
        for (size_t s = 0; u >= 0 && k >= 0 && s < 3; s++) {
            us_report_target_t t;
            double pct;
            if (!us_report_target (&t, r_ytd, (size_t) u, (size_t) k, order [s]))
                continue;
            json_object_set_new (x, "target", json_integer (t.lo));
            if (t.range)
                json_object_set_new (x, "target_hi", json_integer (t.hi));
            json_object_set_new (x, "target_period", json_string (t.period));
            json_object_set_new (x, "target_source", json_string (us_source_name (order [s])));
            if (us_report_pct (&pct, r_ytd, (size_t) u, (size_t) k, order [s]))
                json_object_set_new (x, "pct", json_real (pct));
            break;
        }
        json_object_set_new (info, ind->code, x);
    }
    json_object_set_new (form, "info", info);
    json_object_set_new (form, "prev_period", has_prev ? json_string (prev.text) : json_null ());
    json_object_set_new (form, "last_year_period", has_ly ? json_string (last_year.text) : json_null ());
    json_object_set_new (form, "ytd_period", has_ytd ? json_string (ytd.text) : json_null ());
    us_report_destroy (&r_prev);
    us_report_destroy (&r_ly);
    us_report_destroy (&r_ytd);
}

/* Returns the name of indicator code in a report, or the code. */
static const char *
s_ind_name (const us_report_t *r, const char *code)
{
    int k = us_report_find_indicator (r, code);
    return k >= 0 ? us_report_indicator (r, (size_t) k)->name : code;
}

/* Looks up a figure of the form's unit for us_rule_check. */
typedef struct {
    const us_report_t *report;
    const char *unit;
} s_lookup_t;

static bool
s_lookup (double *value, void *ctx, const char *code)
{
    s_lookup_t *l = ctx;
    return us_report_value (value, l->report, l->unit, code);
}

/* Writes why a broken rule is broken, the way a clerk reads it. */
static void
s_rule_vi (char *vi, size_t size, const us_report_t *r, const char *unit,
           const us_indicator_t *ind)
{
    us_rule_t rule;
    double a = 0, b, sum = 0;
    char num [32];
    us_report_value (&a, r, unit, ind->code);
    if (*ind->parent && us_report_value (&b, r, unit, ind->parent) && a > b) {
        us_text_vi_int (num, sizeof num, (int64_t) b);
        snprintf (vi, size, "Là một phần nên không được lớn hơn «%s» (%s)",
                  s_ind_name (r, ind->parent), num);
    }
    else
    if (us_rule_parse (&rule, ind->rule) == 0 && rule.op == US_RULE_LE) {
        b = 0;
        us_report_value (&b, r, unit, rule.terms [0]);
        us_text_vi_int (num, sizeof num, (int64_t) b);
        snprintf (vi, size, "Không được lớn hơn «%s» (%s)", s_ind_name (r, rule.terms [0]), num);
    }
    else
    if (us_rule_parse (&rule, ind->rule) == 0 && rule.op == US_RULE_SUM) {
        for (int t = 0; t < rule.n_terms; t++)
            if (us_report_value (&b, r, unit, rule.terms [t]))
                sum += b;
        us_text_vi_int (num, sizeof num, (int64_t) sum);
        snprintf (vi, size, "Phải bằng tổng các chỉ tiêu thành phần (%s)", num);
    }
    else
        snprintf (vi, size, "Vi phạm quy tắc kiểm tra");
}

/* Adds the rules the unit's figures break, in words, beside their cells
   (the same check as submitting: us_rule_check). */
static void
s_form_rules (s_form_t *f, json_t *form, const us_report_t *r)
{
    json_t *warn = json_object ();
    s_lookup_t l = { r, f->unit };
    for (size_t i = 0; i < us_report_indicators (r); i++) {
        const us_indicator_t *ind = us_report_indicator (r, i);
        char en [600], vi [600];
        if (us_rule_check (en, sizeof en, ind, s_lookup, &l) != US_EINVAL)
            continue;
        s_rule_vi (vi, sizeof vi, r, f->unit, ind);
        json_object_set_new (warn, ind->code, json_pack ("{ss ss ss}", "vi", vi, "en", en,
                                                         "rule", ind->rule));
    }
    json_object_set_new (form, "warnings", warn);
}

/* Returns the JSON of indicator i of the report as the form shows it. */
static json_t *
s_form_indicator (const us_report_t *r, size_t i)
{
    const us_indicator_t *ind = us_report_indicator (r, i);
    return json_pack ("{ss ss ss ss sb ss si}", "code", ind->code,
        "name", ind->name, "kind", us_kind_name (ind->kind), "rule", ind->rule,
        "computed", us_kind_computed (ind->kind), "measure", ind->unit,
        "depth", us_report_indicator_depth (r, i));
}

/* Returns the federation's heading (s_groups) of an indicator. */
static size_t
s_topic (const char *code)
{
    size_t g = 0;
    while (strncmp (code, s_groups [g].prefix, strlen (s_groups [g].prefix)))
        g++;
    return g;
}

/* Groups the catalog under the federation's headings. */
static json_t *
s_groups_by_topic (const us_report_t *r)
{
    json_t *groups = json_array ();
    for (size_t g = 0; g < GROUPS; g++) {
        json_t *inds = json_array ();
        for (size_t i = 0; i < us_report_indicators (r); i++) {
            if (s_topic (us_report_indicator (r, i)->code) == g)
                json_array_append_new (inds, s_form_indicator (r, i));
        }
        if (json_array_size (inds))
            json_array_append_new (groups, json_pack ("{ss ss so}", "vi", s_groups [g].vi,
                                                      "en", s_groups [g].en, "indicators", inds));
        else
            json_decref (inds);
    }
    return groups;
}

/* Writes a schedule's heading for the form: its name, its periods and
   deadlines (dues [k] and the later ones of the same schedule). */
static void
s_schedule_heading (char *vi, char *en, size_t size, const us_dstore_due_t *dues, size_t n,
                    size_t k, bool empty)
{
    size_t last = k;
    for (size_t j = k + 1; j < n; j++)
        if (strcmp (dues [j].code, dues [k].code) == 0)
            last = j;
    char periods [2 * US_PERIOD_TEXT + 4], vi_when [120], en_when [120];
    if (last == k) {
        snprintf (periods, sizeof periods, "%s", dues [k].period.text);
        snprintf (vi_when, sizeof vi_when, "hạn nộp %s", dues [k].deadline);
        snprintf (en_when, sizeof en_when, "due by %s", dues [k].deadline);
    }
    else {
        snprintf (periods, sizeof periods, "%s..%s", dues [k].period.text, dues [last].period.text);
        snprintf (vi_when, sizeof vi_when, "hạn nộp từ %s đến %s", dues [k].deadline,
                  dues [last].deadline);
        snprintf (en_when, sizeof en_when, "due from %s to %s", dues [k].deadline,
                  dues [last].deadline);
    }
    snprintf (vi, size, "%s %s — %s%s", dues [k].name, periods, vi_when,
              empty ? " (các chỉ tiêu đã có ở trên)" : "");
    snprintf (en, size, "%s (%s) %s — %s%s", dues [k].name, dues [k].code, periods, en_when,
              empty ? " (its indicators are above)" : "");
}

/* Returns true when an earlier schedule period than k is of the same schedule. */
static bool
s_schedule_seen (const us_dstore_due_t *dues, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (strcmp (dues [j].code, dues [k].code) == 0)
            return true;
    return false;
}

/* Groups the indicators by the schedules of the periods dues, in the
   province's order, each indicator under the first schedule that holds
   it and there under the federation's headings; the first group of a
   schedule carries its heading with its periods and deadlines (head_vi,
   head_en). */
static json_t *
s_groups_by_schedule (const us_report_t *r, const us_dstore_due_t *dues, size_t n)
{
    json_t *groups = json_array ();
    size_t n_inds = us_report_indicators (r);
    bool *shown = calloc (n_inds + 1, sizeof *shown), *mine = calloc (n_inds + 1, sizeof *mine);
    for (size_t k = 0; shown && mine && k < n; k++) {
        if (s_schedule_seen (dues, k))
            continue;
        size_t count = 0;
        for (size_t i = 0; i < n_inds; i++) {
            mine [i] = !shown [i] && us_dstore_due_holds (&dues [k], us_report_indicator (r, i)->code);
            shown [i] = shown [i] || mine [i];
            count += mine [i];
        }
        char vi [US_MAX_NAME + 256], en [US_MAX_NAME + 256];
        s_schedule_heading (vi, en, sizeof vi, dues, n, k, count == 0);
        bool headed = false;
        for (size_t g = 0; g < GROUPS && (count || !headed); g++) {
            json_t *inds = json_array ();
            for (size_t i = 0; i < n_inds; i++)
                if (mine [i] && s_topic (us_report_indicator (r, i)->code) == g)
                    json_array_append_new (inds, s_form_indicator (r, i));
            if (count && !json_array_size (inds)) {
                json_decref (inds);
                continue;
            }
            json_t *group = json_pack ("{ss ss ss ss ss so}", "vi", count ? s_groups [g].vi : "",
                "en", count ? s_groups [g].en : "", "schedule", dues [k].code,
                "period", dues [k].period.text, "deadline", dues [k].deadline, "indicators", inds);
            if (!headed) {
                json_object_set_new (group, "head_vi", json_string (vi));
                json_object_set_new (group, "head_en", json_string (en));
                headed = true;
            }
            json_array_append_new (groups, group);
        }
    }
    free (shown);
    free (mine);
    return groups;
}

/* Adds the units the office enters for, its indicators and their groups:
   by schedule once the province's schedules are pulled (only theirs),
   else the whole catalog by topic. */
static void
s_form_catalog (json_t *form, const us_report_t *r, const us_dstore_due_t *dues, size_t n,
                bool known)
{
    json_t *units = json_array ();
    for (size_t u = 0; u < us_report_units (r); u++) {
        us_report_unit_t info;
        us_report_unit (&info, r, u);
        json_array_append_new (units, json_pack ("{ss ss ss si}", "code", info.code,
                                                 "name", info.name, "kind", info.kind,
                                                 "depth", info.depth));
    }
    json_object_set_new (form, "units", units);
    json_object_set_new (form, "groups", known ? s_groups_by_schedule (r, dues, n)
                                               : s_groups_by_topic (r));
    json_t *list = json_array ();
    for (size_t k = 0; k < n; k++)
        json_array_append_new (list, json_pack ("{ss ss ss ss ss}", "code", dues [k].code,
            "name", dues [k].name, "period", dues [k].period.text,
            "deadline", dues [k].deadline, "indicators", dues [k].indicators));
    json_object_set_new (form, "schedules_known", json_boolean (known));
    json_object_set_new (form, "schedules", list);
}

/* Adds the sync's state: the thread's and what the store remembers. */
static json_t *
s_sync_json (us_ui_env_t *env)
{
    us_ui_sync_t st;
    env->sync_state (env->ctx, &st);
    int64_t last_at = 0, reached = 0, pending = 0;
    char outcome [320] = "";
    us_dstore_sync_info (env->store, &last_at, outcome, sizeof outcome, &reached, &pending);
    return json_pack ("{sb s:o sI sI sI sI ss ss sI sI si}",
        "running", st.running,
        "online", st.online < 0 ? json_null () : json_boolean (st.online),
        "last_attempt_at", (json_int_t) last_at, "reached_at", (json_int_t) reached,
        "pending", (json_int_t) pending, "now", (json_int_t) us_hlc_wall_ms (),
        "progress", st.progress, "outcome", *st.outcome ? st.outcome : outcome,
        "edit_to_ack_ms", (json_int_t) st.edit_to_ack_ms, "sync_ms", (json_int_t) st.sync_ms,
        "rc", st.rc);
}

/* Builds the form of unit for period as JSON. */
static int
s_form (us_ui_env_t *env, json_t **form_p, const char *unit_arg, const us_period_t *p)
{
    *form_p = NULL;
    us_report_t *r;
    int rc = us_dstore_report_unit (env->store, &r, p->text, NULL);
    if (rc)
        return rc;
    us_report_unit_t office;
    us_report_unit (&office, r, 0);
    const char *unit = unit_arg && *unit_arg ? unit_arg : office.code;
    if (s_report_unit (r, unit) < 0) {
        us_report_destroy (&r);
        return us_error_set (US_EINVAL, "unit %.64s is outside this office (%s)", unit,
                             office.code);
    }
    us_ui_sync_t st;
    env->sync_state (env->ctx, &st);
    s_form_t f = { .env = env, .period = *p, .syncing = st.running, .cells = json_object () };
    snprintf (f.unit, sizeof f.unit, "%s", unit);
    json_t *form = json_object (), *months = json_array (), *locks = json_object ();
    for (int m = p->first; rc == 0 && m <= p->last; m++) {
        char month [8];
        us_month_format (month, m);
        json_array_append_new (months, json_string (month));
        int k = m - p->first;
        rc = us_dstore_locked (env->store, &f.locked [k], f.lock_period [k],
                               sizeof f.lock_period [k], unit, m);
        if (rc == 0 && f.locked [k])
            json_object_set_new (locks, month, json_string (f.lock_period [k]));
    }
    if (rc == 0)
        rc = us_dstore_cells (env->store, unit, p->first, p->last, s_form_cell, &f);
    char clerk [80], state [32], reason [300], province [32];
    if (rc == 0)
        rc = us_dstore_submission (env->store, p->text, state, sizeof state, reason,
                                   sizeof reason, province, sizeof province);
    us_dstore_due_t *dues = NULL;
    size_t n_dues = 0;
    bool known = false;
    if (rc == 0)
        rc = us_dstore_schedules_due (env->store, &dues, &n_dues, &known, office.kind, p);
    if (rc) {
        json_decref (form);
        json_decref (months);
        json_decref (locks);
        json_decref (f.cells);
        us_report_destroy (&r);
        return rc;
    }
    json_object_set_new (form, "clerk_set", json_boolean (s_clerk (env, clerk, sizeof clerk)));
    json_object_set_new (form, "office", json_pack ("{ss ss}", "code", office.code,
                                                    "name", office.name));
    json_object_set_new (form, "unit", json_string (unit));
    json_object_set_new (form, "period", json_string (p->text));
    json_object_set_new (form, "months", months);
    json_object_set_new (form, "locked", locks);
    json_object_set_new (form, "cells", f.cells);
    json_object_set_new (form, "clerk", json_string (clerk));
    json_object_set_new (form, "submission", json_pack ("{ss ss ss}", "state", state,
                                                        "reason", reason, "province", province));
    s_form_catalog (form, r, dues, n_dues, known);
    free (dues);
    s_form_info (&f, form, r);
    s_form_rules (&f, form, r);
    json_object_set_new (form, "sync", s_sync_json (env));
    us_report_destroy (&r);
    *form_p = form;
    return 0;
}

/* GET /api/form?unit=&month=|period= */
static void
s_api_form (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp)
{
    us_period_t p;
    json_t *form;
    int rc = s_period (&p, req);
    if (rc == 0)
        rc = s_form (env, &form, req->arg (req->conn, "unit"), &p);
    if (rc)
        s_refused (resp, rc, us_error_msg ());
    else
        s_json (resp, 200, form);
}

/*  ----------------------------------------------------------------------
    Edits, clerk, sync and submission
    ---------------------------------------------------------------------- */

/* Parses a JSON request body into *body; false with the response set. */
static bool
s_body (json_t **body, const us_ui_req_t *req, us_ui_resp_t *resp)
{
    json_error_t err;
    *body = json_loadb (req->body, req->body_len, 0, &err);
    if (!json_is_object (*body)) {
        json_decref (*body);
        us_ui_api_error (resp, 400, "the request's body is not a JSON object");
        return false;
    }
    return true;
}

/* POST /api/cell {unit, month, indicator, value|clear, note, period}: saves
   one figure exactly as `unionsync set` does, then answers with the form. */
static void
s_api_cell (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp)
{
    json_t *body;
    if (!s_body (&body, req, resp))
        return;
    const char *unit = s_str (body, "unit", ""), *month = s_str (body, "month", "");
    const char *ind = s_str (body, "indicator", ""), *note = s_str (body, "note", "");
    json_t *v = json_object_get (body, "value");
    bool clear = json_is_true (json_object_get (body, "clear"));
    char value [64] = "";
    if (json_is_integer (v))
        snprintf (value, sizeof value, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
    else
    if (json_is_string (v))
        s_vi_number (value, sizeof value, json_string_value (v));
    if (!clear && !*value) {
        json_decref (body);
        s_json (resp, 422, json_pack ("{ss ss}", "error",
            "empty value: clearing a figure is explicit (clear: true)", "error_vi",
            "Ô trống: muốn xóa số liệu, bấm nút Xóa"));
        return;
    }
    char clerk [80];
    s_clerk (env, clerk, sizeof clerk);
    int rc = us_dstore_set (env->store, unit, month, ind, clear ? NULL : value, note, clerk);
    if (rc) {
        json_decref (body);
        s_refused (resp, rc, us_error_msg ());
        return;
    }
    env->sync_now (env->ctx, true);
    us_period_t p;
    const char *period = s_str (body, "period", month);
    json_t *form = NULL;
    if (us_period_parse (&p, period) != 0 || us_period_months (&p) > FORM_MONTHS_MAX)
        us_period_parse (&p, month);
    rc = s_form (env, &form, unit, &p);
    json_decref (body);
    if (rc)
        s_json (resp, 200, json_pack ("{sb}", "saved", 1));
    else {
        json_object_set_new (form, "saved", json_true ());
        s_json (resp, 200, form);
    }
}

/* POST /api/clerk {name}: the name every edit carries from now on. */
static void
s_api_clerk (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp)
{
    json_t *body;
    if (!s_body (&body, req, resp))
        return;
    const char *name = s_str (body, "name", "");
    int rc = *name ? us_dstore_desk_set (env->store, "clerk", name)
                   : us_error_set (US_EINVAL, "author name missing");
    if (rc)
        s_refused (resp, rc, us_error_msg ());
    else
        s_json (resp, 200, json_pack ("{ss}", "clerk", name));
    json_decref (body);
}

/* POST /api/sync: syncs now; GET /api/status: how it went. */
static void
s_api_sync (us_ui_env_t *env, bool start, us_ui_resp_t *resp)
{
    if (start)
        env->sync_now (env->ctx, false);
    s_json (resp, 200, json_pack ("{so}", "sync", s_sync_json (env)));
}

/* POST /api/submit {period}: queues the submission and syncs. */
static void
s_api_submit (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp)
{
    json_t *body;
    if (!s_body (&body, req, resp))
        return;
    int rc = us_dstore_submit (env->store, s_str (body, "period", ""));
    json_decref (body);
    if (rc) {
        s_refused (resp, rc, us_error_msg ());
        return;
    }
    env->sync_now (env->ctx, false);
    s_json (resp, 200, json_pack ("{sb}", "queued", 1));
}

/*  ----------------------------------------------------------------------
    Import, template and print
    ---------------------------------------------------------------------- */

/* Makes a private temporary path (not created) with a suffix. */
static void
s_tmp_path (char *path, size_t size, const char *suffix)
{
    static unsigned n;
    const char *dir = getenv ("TMPDIR");
    snprintf (path, size, "%s/unionsync-desk-%ld-%u%s", dir && *dir ? dir : "/tmp",
              (long) getpid (), ++n, suffix);
}

/* Writes an uploaded file, byte for byte, to a private temporary file. */
static int
s_upload (char *path, size_t size, const us_ui_req_t *req)
{
    s_tmp_path (path, size, ".csv");
    FILE *out = fopen (path, "wx");
    if (!out)
        return us_error_set (US_EIO, "cannot write a temporary file");
    size_t n = fwrite (req->body, 1, req->body_len, out);
    if (fclose (out) != 0 || n != req->body_len) {
        unlink (path);
        return us_error_set (US_EIO, "cannot write a temporary file");
    }
    return 0;
}

/* Removes a trial store and the files SQLite keeps beside it. */
static void
s_remove_store (const char *path)
{
    char side [300];
    unlink (path);
    snprintf (side, sizeof side, "%s-wal", path);
    unlink (side);
    snprintf (side, sizeof side, "%s-shm", path);
    unlink (side);
}

/* What a preview collects: the rows and the store they change. */
typedef struct {
    us_dstore_t *store;
    json_t *rows;
} s_preview_t;

/* Adds one edit the import would make, with the figure it replaces. */
static int
s_preview_row (void *ctx, const us_dstore_edit_t *e)
{
    s_preview_t *p = ctx;
    bool has;
    int64_t old;
    int rc = us_dstore_value (p->store, &has, &old, e->unit, e->month, e->indicator);
    if (rc)
        return rc;
    char month [8];
    us_month_format (month, e->month);
    json_array_append_new (p->rows, json_pack ("{ss ss ss sb sI ss s:o}", "unit", e->unit,
        "month", month, "indicator", e->indicator, "clear", e->clear,
        "value", (json_int_t) e->value, "note", e->note,
        "old", has ? json_integer (old) : json_null ()));
    return 0;
}

/* Imports the file at path as `unionsync import` does (us_import), into a
   trial copy of the store, and lists what it changed; the store itself is
   not touched. */
static int
s_preview (us_ui_env_t *env, json_t *rows, us_import_result_t *res, const char *path,
           const us_import_opts_t *opts)
{
    char trial [256];
    s_tmp_path (trial, sizeof trial, ".db");
    int64_t seq = 0;
    us_dstore_t *copy = NULL;
    int rc = us_dstore_last_seq (env->store, &seq);
    if (rc == 0)
        rc = us_dstore_copy (env->store, trial);
    if (rc == 0)
        rc = us_dstore_open (&copy, trial);
    if (rc == 0)
        rc = us_import_file (copy, res, path, opts);
    s_preview_t p = { env->store, rows };
    if (rc == 0)
        rc = us_dstore_outbox_since (copy, seq, s_preview_row, &p);
    us_dstore_destroy (&copy);
    s_remove_store (trial);
    return rc;
}

/* Replaces the temporary path in a message by the clerk's file name. */
static void
s_import_error (us_ui_resp_t *resp, int rc, const char *tmp, const us_ui_req_t *req)
{
    const char *name = req->arg (req->conn, "name");
    char msg [600];
    const char *m = us_error_msg (), *at = strstr (m, tmp);
    if (at)
        snprintf (msg, sizeof msg, "%.*s%s%s", (int) (at - m), m,
                  name && *name && us_text_utf8_valid (name) ? name : "file", at + strlen (tmp));
    else
        snprintf (msg, sizeof msg, "%s", m);
    s_refused (resp, rc, msg);
}

/* POST /api/import/preview and /api/import/commit?unit=: the body is the
   file as Excel wrote it (any encoding and separator us_import reads). */
static void
s_api_import (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp, bool commit)
{
    char tmp [256], clerk [80];
    int rc = s_upload (tmp, sizeof tmp, req);
    if (rc) {
        s_refused (resp, rc, us_error_msg ());
        return;
    }
    s_clerk (env, clerk, sizeof clerk);
    const char *unit = req->arg (req->conn, "unit");
    us_import_opts_t opts = { .encoding = US_SHEET_AUTO, .author = clerk,
                              .unit = unit && *unit ? unit : NULL };
    us_import_result_t res;
    memset (&res, 0, sizeof res);
    json_t *rows = json_array ();
    rc = commit ? us_import_file (env->store, &res, tmp, &opts)
                : s_preview (env, rows, &res, tmp, &opts);
    if (rc)
        s_import_error (resp, rc, tmp, req);
    unlink (tmp);
    if (rc) {
        json_decref (rows);
        return;
    }
    if (commit)
        env->sync_now (env->ctx, true);
    s_json (resp, 200, json_pack ("{si si si so sb sb ss}", "count", res.stored,
        "cleared", res.cleared, "skipped", res.skipped, "rows", rows, "saved", commit,
        "wide", res.wide, "encoding", res.encoding));
}

/* Reads a whole file (a workbook: any bytes) into a new buffer. */
static int
s_read_file (char **data_p, size_t *len_p, const char *path)
{
    *data_p = NULL;
    *len_p = 0;
    FILE *in = fopen (path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    while (in && !ferror (in) && !feof (in)) {
        if (len + 65536 > cap) {
            char *grown = realloc (buf, cap = len + 65536 * 2);
            if (!grown)
                break;
            buf = grown;
        }
        len += fread (buf + len, 1, cap - len, in);
    }
    bool ok = in && feof (in) && !ferror (in);
    if (in)
        fclose (in);
    if (!ok) {
        free (buf);
        return us_error_set (US_EIO, "cannot read the template");
    }
    *data_p = buf;
    *len_p = len;
    return 0;
}

/* GET /api/template?period=&format=csv|xlsx: the office's form for the
   period to fill in Excel, written by us_template as `unionsync template`
   writes it. */
static void
s_api_template (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp)
{
    us_period_t p;
    us_template_format_t format = US_TEMPLATE_CSV;
    const char *f = req->arg (req->conn, "format");
    int rc = s_period (&p, req);
    if (rc == 0 && f && *f)
        rc = us_template_format_parse (&format, f);
    char path [256];
    bool xlsx = format == US_TEMPLATE_XLSX;
    s_tmp_path (path, sizeof path, xlsx ? ".xlsx" : ".csv");
    int rows = 0;
    if (rc == 0)
        rc = us_template_write (env->store, &rows, p.text, format, path);
    char *data = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = s_read_file (&data, &len, path);
    unlink (path);
    if (rc) {
        s_refused (resp, rc, us_error_msg ());
        return;
    }
    static char disposition [160];
    snprintf (disposition, sizeof disposition, "attachment; filename=\"mau-%s-%s.%s\"",
              us_dstore_unit (env->store), p.text, xlsx ? "xlsx" : "csv");
    resp->status = 200;
    resp->type = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                      : "text/csv; charset=utf-8";
    resp->body = data;
    resp->len = len;
    resp->disposition = disposition;
}

/* GET /print?period=&unit=: the office's report as a page to print. */
static void
s_print (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp)
{
    us_period_t p, ly;
    us_report_t *r = NULL, *prev = NULL;
    int rc = s_period (&p, req);
    const char *unit = req->arg (req->conn, "unit");
    if (rc == 0)
        rc = us_dstore_report_unit (env->store, &r, p.text, unit && *unit ? unit : NULL);
    if (rc) {
        s_refused (resp, rc, us_error_msg ());
        return;
    }
    if (us_period_shift_years (&ly, &p, -1) == 0)
        prev = s_report (env, &ly);
    us_print_opts_t opts = { .previous = prev };
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&buf, &len);
    if (out) {
        rc = us_print (r, out, US_FORMAT_HTML, &opts);
        fclose (out);
    }
    us_report_destroy (&r);
    us_report_destroy (&prev);
    if (!out || rc) {
        free (buf);
        us_ui_api_error (resp, 500, "cannot render the report");
        return;
    }
    resp->status = 200;
    resp->type = "text/html; charset=utf-8";
    resp->body = buf;
    resp->len = len;
    resp->print_view = true;
}

/* Answers an API or print request. */
bool
us_ui_api_handle (us_ui_env_t *env, const us_ui_req_t *req, us_ui_resp_t *resp)
{
    bool post = strcmp (req->method, "POST") == 0;
    const char *path = req->path;
    if (!post && strcmp (path, "/api/form") == 0)            s_api_form (env, req, resp);
    else if (!post && strcmp (path, "/api/status") == 0)     s_api_sync (env, false, resp);
    else if (!post && strcmp (path, "/api/template") == 0)   s_api_template (env, req, resp);
    else if (!post && strcmp (path, "/print") == 0)          s_print (env, req, resp);
    else if (post && strcmp (path, "/api/cell") == 0)        s_api_cell (env, req, resp);
    else if (post && strcmp (path, "/api/clerk") == 0)       s_api_clerk (env, req, resp);
    else if (post && strcmp (path, "/api/sync") == 0)        s_api_sync (env, true, resp);
    else if (post && strcmp (path, "/api/submit") == 0)      s_api_submit (env, req, resp);
    else if (post && strcmp (path, "/api/import/preview") == 0) s_api_import (env, req, resp, false);
    else if (post && strcmp (path, "/api/import/commit") == 0)  s_api_import (env, req, resp, true);
    else
        return false;
    return true;
}
