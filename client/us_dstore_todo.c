/*  us_dstore_todo: what the office still has to do for a period. */
#include "us_dstore_todo.h"
#include "us_calendar.h"
#include "us_catalog.h"
#include "us_db.h"
#include "us_dstore_report.h"
#include "us_error.h"
#include "us_report.h"
#include "us_text.h"

#include <sqlite3.h>
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
    if (step == SQLITE_ROW)
        snprintf (state, size, "approved");
    else
    if (step != SQLITE_DONE)
        rc = us_db_error (us_dstore_db (self), "submissions");
    sqlite3_finalize (st);
    return rc;
}

/* Prints the indicators entered by hand that have no figure for the
   office's unit; returns how many. */
static int
s_missing (const us_report_t *report, FILE *out, bool json)
{
    int n = 0;
    for (size_t i = 0; i < us_report_indicators (report); i++) {
        const us_indicator_t *ind = us_report_indicator (report, i);
        double v;
        if (us_kind_computed (ind->kind) || us_report_cell (&v, report, 0, i))
            continue;
        if (json) {
            fputs (n ? "," : "", out);
            us_text_json (out, ind->code);
        }
        else
            fprintf (out, "%s  %-24s %s\n", n ? "" : "not entered yet:\n", ind->code, ind->name);
        n++;
    }
    return n;
}

/* Describes the state of the period's submission. */
static const char *
s_due (const char *state, bool ended, bool passed)
{
    if (!strcmp (state, "submitted") || !strcmp (state, "approved"))
        return state;
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

/* Prints the office's to-do list for a period. */
int
us_dstore_todo (us_dstore_t *self, FILE *out, const char *period, bool json)
{
    int64_t now = us_calendar_now_ms ();
    char month [16];
    us_month_format (month, us_calendar_month_at (now));
    us_period_t p;
    int rc = us_period_parse (&p, period ? period : month);
    us_report_t *report = NULL;
    if (rc == 0)
        rc = us_dstore_report_build (&report, us_dstore_db (self), p.text, us_dstore_unit (self));
    char state [32], broken [256] = "", day [32];
    bool nil;
    if (rc == 0)
        rc = s_submission (self, state, sizeof state, &nil, p.text);
    if (rc) {
        us_report_destroy (&report);
        return rc;
    }
    bool rules_ok = us_report_check_rules (broken, sizeof broken, report,
                                           us_dstore_unit (self)) == 0;
    us_period_deadline_day (day, sizeof day, &p);
    bool ended = !us_calendar_in_future (&p, now);
    bool passed = now > us_period_deadline_ms (&p);
    const char *due = s_due (state, ended, passed);
    if (json) {
        fputs ("{\"period\":", out);
        us_text_json (out, p.text);
        fputs (",\"unit\":", out);
        us_text_json (out, us_dstore_unit (self));
        fputs (",\"not_entered\":[", out);
        s_missing (report, out, true);
        fputs ("],\"broken_rule\":", out);
        us_text_json (out, rules_ok ? "" : broken);
        fputs (",\"submission\":", out);
        us_text_json (out, *state ? state : "none");
        fprintf (out, ",\"nil\":%s,\"deadline\":", nil ? "true" : "false");
        us_text_json (out, day);
        fputs (",\"due\":", out);
        us_text_json (out, due);
        fputs ("}\n", out);
    }
    else {
        fprintf (out, "%s %s\n", us_dstore_unit (self), p.text);
        if (s_missing (report, out, false) == 0)
            fputs ("every indicator has a figure\n", out);
        fprintf (out, "rules: %s\n", rules_ok ? "all satisfied" : broken);
        fprintf (out, "submission: %s%s; deadline %s\n", due, nil ? " (nil)" : "", day);
    }
    us_report_destroy (&report);
    return fflush (out) == 0 ? 0 : us_error_set (US_EIO, "writing the to-do list");
}
