/*  us_dstore_todo: what the office still has to do for a period. */
#include "us_dstore_todo.h"
#include "us_calendar.h"
#include "us_catalog.h"
#include "us_db.h"
#include "us_dstore_report.h"
#include "us_dstore_schedules.h"
#include "us_error.h"
#include "us_report.h"
#include "us_text.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Reads the office's submission state of period ("" when none). */
static int
s_submission (us_dstore_t *self, char *state, size_t size, bool *nil, const char *period)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, us_dstore_db (self),
        "SELECT state, nil FROM pending_submits WHERE period = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, period, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    *state = '\0';
    *nil = false;
    if (step == SQLITE_ROW) {
        snprintf (state, size, "%s", us_db_text (st, 0));
        *nil = sqlite3_column_int (st, 1) != 0;
    }
    else
    if (step != SQLITE_DONE)
        rc = us_db_error (us_dstore_db (self), "submissions");
    sqlite3_finalize (st);
    /* The province's approval, as pulled, says more than the office's own queue. */
    if (rc == 0)
        rc = us_db_prepare (&st, us_dstore_db (self),
            "SELECT 1 FROM submissions s JOIN units u ON u.id = s.unit_id"
            " WHERE u.code = ? AND s.period = ? AND s.state = 'approved'");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, us_dstore_unit (self), -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, period, -1, SQLITE_STATIC);
    step = sqlite3_step (st);
    /* A lock of a period this office never submitted (or of a unit above
       it) freezes it without making it a report. */
    if (step == SQLITE_ROW)
        snprintf (state, size, "%s", *state ? "approved" : "locked");
    else
    if (step != SQLITE_DONE)
        rc = us_db_error (us_dstore_db (self), "submissions");
    sqlite3_finalize (st);
    return rc;
}

/* Returns true when indicator i of the report is entered by hand, has no
   figure for the office's unit, and belongs to one of the n schedule
   periods dues (to the whole catalog when not scoped). */
static bool
s_not_entered (const us_report_t *report, size_t i, const us_dstore_due_t *dues, size_t n,
               bool scoped)
{
    const us_indicator_t *ind = us_report_indicator (report, i);
    double v;
    if (us_kind_computed (ind->kind) || us_report_cell (&v, report, 0, i))
        return false;
    if (!scoped)
        return true;
    for (size_t k = 0; k < n; k++)
        if (us_dstore_due_holds (&dues [k], ind->code))
            return true;
    return false;
}

/* Prints the indicators not entered (s_not_entered) as a JSON array's
   items or as indented lines; returns how many. */
static int
s_missing (const us_report_t *report, FILE *out, bool json, const us_dstore_due_t *dues,
           size_t n_dues, bool scoped, const char *indent)
{
    int n = 0;
    for (size_t i = 0; i < us_report_indicators (report); i++) {
        const us_indicator_t *ind = us_report_indicator (report, i);
        if (!s_not_entered (report, i, dues, n_dues, scoped))
            continue;
        if (json) {
            fputs (n ? "," : "", out);
            us_text_json (out, ind->code);
        }
        else {
            if (n == 0)
                fprintf (out, "%snot entered yet:\n", indent);
            fprintf (out, "%s  %-24s %s\n", indent, ind->code, ind->name);
        }
        n++;
    }
    return n;
}

/* Describes the state of a submission. */
static const char *
s_due (const char *state, bool ended, bool passed)
{
    if (!strcmp (state, "submitted") || !strcmp (state, "approved"))
        return state;
    if (!strcmp (state, "locked"))
        return "locked by the province, not reported";
    if (!strcmp (state, "queued"))
        return "queued (sent on the next sync)";
    if (!ended)
        return "not due yet: the period has not ended";
    if (!strcmp (state, "amended"))
        return passed ? "amended, to submit again (late)" : "amended, to submit again";
    if (!strcmp (state, "refused"))
        return passed ? "refused by the province, to submit again (late)"
                      : "refused by the province, to submit again";
    return passed ? "due, late" : "due";
}

/* The submission of one period and its deadline. */
typedef struct {
    char state [32];
    bool nil;
    const char *due;
    char deadline [32];         /* "" when no schedule asks for the period */
} s_sub_t;

/* Reads the submission of p against the deadline deadline_ms (day text
   day; none when day is NULL). */
static int
s_sub_read (us_dstore_t *self, s_sub_t *sub, const us_period_t *p, int64_t now,
            int64_t deadline_ms, const char *day)
{
    int rc = s_submission (self, sub->state, sizeof sub->state, &sub->nil, p->text);
    if (rc)
        return rc;
    snprintf (sub->deadline, sizeof sub->deadline, "%s", day ? day : "");
    bool ended = !us_calendar_in_future (p, now);
    sub->due = !day && !*sub->state && ended ? "no schedule asks for a report of this period"
             : s_due (sub->state, ended, day && now > deadline_ms);
    return 0;
}

/* Prints one schedule period due as a JSON object. */
static void
s_due_json (FILE *out, const us_report_t *report, const us_dstore_due_t *due,
            const s_sub_t *sub, bool first)
{
    fputs (first ? "{\"code\":" : ",{\"code\":", out);
    us_text_json (out, due->code);
    fputs (",\"name\":", out);
    us_text_json (out, due->name);
    fputs (",\"period\":", out);
    us_text_json (out, due->period.text);
    fputs (",\"deadline\":", out);
    us_text_json (out, due->deadline);
    fputs (",\"submission\":", out);
    us_text_json (out, *sub->state ? sub->state : "none");
    fprintf (out, ",\"nil\":%s,\"due\":", sub->nil ? "true" : "false");
    us_text_json (out, sub->due);
    fputs (",\"not_entered\":[", out);
    s_missing (report, out, true, due, 1, true, "");
    fputs ("]}", out);
}

/* Prints one schedule period due as text. */
static void
s_due_text (FILE *out, const us_report_t *report, const us_dstore_due_t *due,
            const s_sub_t *sub)
{
    fprintf (out, "%s %s (%s)\n", due->code, due->period.text, due->name);
    if (s_missing (report, out, false, due, 1, true, "  ") == 0)
        fputs ("  every indicator of the schedule has a figure\n", out);
    fprintf (out, "  submission: %s%s; deadline %s\n", sub->due, sub->nil ? " (nil)" : "",
             due->deadline);
}

/* Prints the schedule periods dues, as JSON objects or as text. */
static int
s_dues (us_dstore_t *self, FILE *out, const us_report_t *report,
        const us_dstore_due_t *dues, size_t n, int64_t now, bool json)
{
    for (size_t k = 0; k < n; k++) {
        s_sub_t sub;
        int rc = s_sub_read (self, &sub, &dues [k].period, now, dues [k].deadline_ms,
                             dues [k].deadline);
        if (rc)
            return rc;
        if (json)
            s_due_json (out, report, &dues [k], &sub, k == 0);
        else
            s_due_text (out, report, &dues [k], &sub);
    }
    return 0;
}

/* Finds the deadline of p's own report: that of the first schedule
   period equal to p; false when none is (schedules known), or the
   default rule when the office knows no schedule. */
static bool
s_own_deadline (int64_t *ms, char *day, size_t size, const us_period_t *p,
                const us_dstore_due_t *dues, size_t n, bool known)
{
    for (size_t k = 0; k < n; k++)
        if (dues [k].period.first == p->first && dues [k].period.last == p->last) {
            *ms = dues [k].deadline_ms;
            snprintf (day, size, "%s", dues [k].deadline);
            return true;
        }
    if (known)
        return false;
    *ms = us_period_deadline_ms (p);
    us_period_deadline_day (day, size, p);
    return true;
}

/* Prints the whole list, as text or JSON. */
static int
s_print (us_dstore_t *self, FILE *out, const us_report_t *report, const us_period_t *p,
         const us_dstore_due_t *dues, size_t n, bool known, bool json, int64_t now)
{
    char broken [256] = "", day [32] = "";
    int64_t deadline_ms = 0;
    bool rules_ok = us_report_check_rules (broken, sizeof broken, report,
                                           us_dstore_unit (self)) == 0;
    bool asked = s_own_deadline (&deadline_ms, day, sizeof day, p, dues, n, known);
    s_sub_t sub;
    int rc = s_sub_read (self, &sub, p, now, deadline_ms, asked ? day : NULL);
    if (rc)
        return rc;
    if (json) {
        fputs ("{\"period\":", out);
        us_text_json (out, p->text);
        fputs (",\"unit\":", out);
        us_text_json (out, us_dstore_unit (self));
        fputs (",\"not_entered\":[", out);
        s_missing (report, out, true, dues, n, known, "");
        fputs ("],\"broken_rule\":", out);
        us_text_json (out, rules_ok ? "" : broken);
        fputs (",\"submission\":", out);
        us_text_json (out, *sub.state ? sub.state : "none");
        fprintf (out, ",\"nil\":%s,\"deadline\":", sub.nil ? "true" : "false");
        us_text_json (out, sub.deadline);
        fputs (",\"due\":", out);
        us_text_json (out, sub.due);
        fprintf (out, ",\"schedules_known\":%s,\"schedules\":[", known ? "true" : "false");
        rc = s_dues (self, out, report, dues, n, now, true);
        fputs ("]}\n", out);
        return rc;
    }
    fprintf (out, "%s %s\n", us_dstore_unit (self), p->text);
    if (!known) {
        if (s_missing (report, out, false, NULL, 0, false, "") == 0)
            fputs ("every indicator has a figure\n", out);
    }
    else
    if (n == 0)
        fputs ("no schedule of the province asks this office for a report of this period\n", out);
    else
        rc = s_dues (self, out, report, dues, n, now, false);
    fprintf (out, "rules: %s\n", rules_ok ? "all satisfied" : broken);
    if (!known)
        fprintf (out, "submission: %s%s; deadline %s\n", sub.due, sub.nil ? " (nil)" : "", day);
    return rc;
}

/* Prints the office's to-do list for a period. */
int
us_dstore_todo (us_dstore_t *self, FILE *out, const char *period, bool json)
{
    int64_t now = us_calendar_now_ms ();
    char month [16], kind [US_MAX_CODE + 1] = "";
    us_month_format (month, us_calendar_month_at (now));
    us_period_t p;
    int rc = us_period_parse (&p, period ? period : month);
    us_report_t *report = NULL;
    us_dstore_due_t *dues = NULL;
    size_t n = 0;
    bool known = false;
    if (rc == 0)
        rc = us_dstore_report_build (&report, us_dstore_db (self), p.text, us_dstore_unit (self));
    if (rc == 0)
        rc = us_dstore_unit_kind (self, kind, sizeof kind);
    if (rc == 0)
        rc = us_dstore_schedules_due (self, &dues, &n, &known, kind, &p);
    if (rc == 0)
        rc = s_print (self, out, report, &p, dues, n, known, json, now);
    free (dues);
    us_report_destroy (&report);
    if (rc)
        return rc;
    return fflush (out) == 0 ? 0 : us_error_set (US_EIO, "writing the to-do list");
}
