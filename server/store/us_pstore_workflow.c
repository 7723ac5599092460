/*  us_pstore_workflow: submissions and the report workflow. */
#include "us_pstore_sql.h"
#include "us_calendar.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_limits.h"
#include "us_text.h"
#include "us_period.h"
#include "us_pstore_report.h"
#include "us_report.h"

#include <string.h>

/* Reads the state of (unit, period); draft when there is none. */
static int
s_state (us_pstore_t *self, us_state_t *state, int64_t unit_id, const char *period)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT state FROM submissions WHERE unit_id = ? AND period = ?", "reading submissions");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_text (st, 2, period, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    *state = US_STATE_DRAFT;
    if (step == SQLITE_ROW && us_state_parse (state, us_db_text (st, 0)) != 0)
        rc = us_error_set (US_ECORRUPT, "submission of %s has an unknown state '%.20s'",
                           period, us_db_text (st, 0));
    else
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading submissions");
    sqlite3_reset (st);
    return rc;
}

/* Writes the state of (unit, period) and stamps it in the change stream;
   at (an HLC) is kept only when the state is submitted. */
static int
s_state_write (us_pstore_t *self, int64_t unit_id, const us_period_t *p, us_state_t state,
               uint64_t at)
{
    self->amended_unit = 0;         /* a report may be submitted again: s_amend looks again */
    self->amended_month = 0;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO submissions (unit_id, period, first, last, state, at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, period)"
        " DO UPDATE SET state = excluded.state, at = CASE WHEN excluded.state = 'submitted'"
        " THEN excluded.at ELSE at END RETURNING id", "writing submissions");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_text (st, 2, p->text, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 3, p->first);
    sqlite3_bind_int (st, 4, p->last);
    sqlite3_bind_text (st, 5, us_state_name (state), -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 6, (int64_t) at);
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_pstore_fail (self, "writing submissions");
    int64_t id = rc == 0 ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    char unit [US_MAX_CODE + 1], what [US_MAX_REASON];
    if (rc == 0)
        rc = us_pstore_unit_code (self, unit, sizeof unit, unit_id);
    snprintf (what, sizeof what, "%s %s", p->text, us_state_name (state));
    if (rc == 0)
        rc = us_pstore_act_record (self, US_ACT_STATE, unit, "", p->first, false, 0, "", what);
    return rc ? rc : us_pstore_touch (self, US_CHANGE_SUBMISSION, id);
}

/* Reads whether (unit, period) was ever reported: submitted, or approved
   after a submission. */
static int
s_reported (us_pstore_t *self, bool *reported, int64_t unit_id, const char *period)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT state = 'submitted' OR (state = 'approved' AND reported) FROM submissions"
        " WHERE unit_id = ? AND period = ?", "reading submissions");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_text (st, 2, period, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    *reported = step == SQLITE_ROW && sqlite3_column_int (st, 0) != 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading submissions");
}

/* Records, with a lock, whether the unit had reported, whether the lock
   was forced and the note saying why. */
static int
s_lock_write (us_pstore_t *self, int64_t unit_id, const char *period, bool reported,
              bool forced, const char *note)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "UPDATE submissions SET reported = ?, forced = ?, note = ? WHERE unit_id = ?"
        " AND period = ?", "writing submissions");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, reported);
    sqlite3_bind_int (st, 2, forced);
    sqlite3_bind_text (st, 3, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 4, unit_id);
    sqlite3_bind_text (st, 5, period, -1, SQLITE_STATIC);
    return us_pstore_done (self, st, "writing submissions");
}

/* Marks a submission as nil (nothing to report) or not. */
static int
s_nil_write (us_pstore_t *self, int64_t unit_id, const us_period_t *p, bool nil)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "UPDATE submissions SET nil = ? WHERE unit_id = ? AND period = ?", "writing submissions");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, nil);
    sqlite3_bind_int64 (st, 2, unit_id);
    sqlite3_bind_text (st, 3, p->text, -1, SQLITE_STATIC);
    return us_pstore_done (self, st, "writing submissions");
}

/* Checks that a submission of the unit's consolidated figures means
   something: the period has ended, there are figures (or nil says there is
   nothing to report, and there is none), and the rules hold. */
static int
s_rules (us_pstore_t *self, const us_period_t *p, const char *unit, bool nil)
{
    if (us_calendar_in_future (p, us_calendar_now_ms ()))
        return us_error_set (US_EINVAL, "submission refused: %s has not ended yet", p->text);
    us_report_t *report;
    int rc = us_pstore_report_build (&report, self, p->text, unit);
    if (rc)
        return rc;
    bool figures = us_report_has_figures (report, 0);
    char broken [256];
    if (!figures && !nil)
        rc = us_error_set (US_EINVAL, "submission refused: no figure of %s was entered for %s "
                           "(submit --nil when there is nothing to report)", unit, p->text);
    else
    if (figures && nil)
        rc = us_error_set (US_EINVAL, "submission refused: %s has figures for %s; a nil report "
                           "says there are none", unit, p->text);
    else
    if (us_report_check_rules (broken, sizeof broken, report, unit) != 0)
        rc = us_error_set (US_EINVAL, "submission refused: %s", broken);
    us_report_destroy (&report);
    return rc;
}

/* Records a submission inside the transaction. */
static int
s_submit (us_pstore_t *self, us_state_t *state, const us_replica_t *replica,
          const us_period_t *p, const char *unit, uint64_t at, bool nil)
{
    int64_t unit_id;
    int rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc)
        return rc;
    bool in = true;
    if (replica && (rc = us_pstore_in_scope (self, &in, unit_id, replica->unit_id)) != 0)
        return rc;
    if (!in)
        return us_error_set (US_EPERM, "unit %s is outside this replica's scope", unit);
    if ((rc = s_state (self, state, unit_id, p->text)) != 0)
        return rc;
    if (*state == US_STATE_APPROVED)
        return 0;               /* already approved: submitting again changes nothing */
    if ((rc = s_rules (self, p, unit, nil)) != 0)
        return rc;
    rc = s_state_write (self, unit_id, p, US_STATE_SUBMITTED, at);
    if (rc == 0)
        rc = s_nil_write (self, unit_id, p, nil);
    if (rc == 0)
        rc = s_lock_write (self, unit_id, p->text, true, false, NULL);
    if (rc == 0)
        *state = US_STATE_SUBMITTED;
    return rc;
}

/* Records a submission of unit for period by a replica. */
int
us_pstore_submit (us_pstore_t *self, us_state_t *state, const us_replica_t *replica,
                  const char *unit, const char *period, uint64_t at)
{
    return us_pstore_submit_as (self, state, replica, unit, period, at, false);
}

/* Records a submission, nil or not, of unit for period by a replica. */
int
us_pstore_submit_as (us_pstore_t *self, us_state_t *state, const us_replica_t *replica,
                     const char *unit, const char *period, uint64_t at, bool nil)
{
    us_period_t p;
    *state = US_STATE_DRAFT;
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = us_pstore_begin (self);
    if (rc)
        return rc;
    rc = s_submit (self, state, replica, &p, unit, at, nil);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc)
        us_pstore_rollback (self);
    return rc;
}

/* Names the first reporting child of unit not approved for the period. */
static int
s_children_approved (us_pstore_t *self, int64_t unit_id, const us_period_t *p)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT u.code FROM units u JOIN unit_kinds k ON k.id = u.kind_id"
        " WHERE u.parent_id = ? AND k.reports"
        " AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.unit_id = u.id"
        "   AND s.state = 'approved' AND s.first <= ? AND s.last >= ?) ORDER BY u.id LIMIT 1",
        "reading submissions");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int (st, 2, p->first);
    sqlite3_bind_int (st, 3, p->last);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        rc = us_error_set (US_EINVAL, "%s is not approved for %s yet (use --force to lock anyway)",
                           us_db_text (st, 0), p->text);
    else
    if (step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading submissions");
    sqlite3_reset (st);
    return rc;
}

/* Sets *all when the unit's submitted (or approved, reported) reports
   cover every month of the period: a quarter whose months were each
   submitted has been submitted. */
static int
s_months_submitted (us_pstore_t *self, bool *all, int64_t unit_id, const us_period_t *p)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT COUNT(*) FROM (WITH RECURSIVE m (k) AS (SELECT ?2 UNION ALL"
        "  SELECT k + 1 FROM m WHERE k < ?3)"
        " SELECT k FROM m WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.unit_id = ?1"
        "   AND s.first <= m.k AND s.last >= m.k"
        "   AND (s.state = 'submitted' OR (s.state = 'approved' AND s.reported))))",
        "reading submissions");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int (st, 2, p->first);
    sqlite3_bind_int (st, 3, p->last);
    int step = sqlite3_step (st);
    *all = step == SQLITE_ROW && sqlite3_column_int64 (st, 0) == 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : us_pstore_fail (self, "reading submissions");
}

/* Checks whether action may move (unit, period) from state now. */
static int
s_may (us_pstore_t *self, int64_t unit_id, const us_period_t *p, const char *unit,
       us_state_t now, us_action_t action, bool force)
{
    bool lock = action == US_ACTION_APPROVE || action == US_ACTION_LOCK;
    bool months = false;
    if (action == US_ACTION_APPROVE && !force && now != US_STATE_SUBMITTED
    &&  now != US_STATE_APPROVED) {
        int rc = s_months_submitted (self, &months, unit_id, p);
        if (rc)
            return rc;
        if (months)
            now = US_STATE_SUBMITTED;
    }
    if (action == US_ACTION_APPROVE && !force && now != US_STATE_SUBMITTED)
        return us_error_set (US_EINVAL, "%s has not submitted %s (it is %s); use --force to "
                             "approve anyway", unit, p->text, us_state_name (now));
    if (lock && !force)
        return s_children_approved (self, unit_id, p);
    if (!lock && now != US_STATE_APPROVED)
        return us_error_set (US_EINVAL, "%s %s is not locked (it is %s)", unit, p->text,
                             us_state_name (now));
    return 0;
}

/* Moves (unit, period) through the workflow. */
int
us_pstore_workflow (us_pstore_t *self, us_state_t *state, const char *unit,
                    const char *period, us_action_t action, bool force)
{
    bool reported;
    return us_pstore_workflow_note (self, state, &reported, unit, period, action, force, NULL);
}

/* Moves (unit, period) through the workflow, with a note on a forced lock. */
int
us_pstore_workflow_note (us_pstore_t *self, us_state_t *state, bool *reported,
                         const char *unit, const char *period, us_action_t action, bool force,
                         const char *note)
{
    *reported = false;
    if (note && (strlen (note) > US_MAX_NOTE || !us_text_utf8_valid (note)))
        return us_error_set (US_EINVAL, "the note must be valid text of at most %d bytes",
                             US_MAX_NOTE);
    us_period_t p;
    int64_t unit_id;
    us_state_t now;
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc == 0 && (action < 0 || action >= US_ACTION_COUNT))
        rc = us_error_set (US_EINVAL, "unknown workflow action %d", (int) action);
    if (rc)
        return rc;
    bool lock = action == US_ACTION_APPROVE || action == US_ACTION_LOCK;
    us_state_t next = lock ? US_STATE_APPROVED : US_STATE_REOPENED;
    rc = us_pstore_begin (self);
    if (rc == 0)
        rc = s_state (self, &now, unit_id, p.text);
    if (rc == 0)
        rc = s_may (self, unit_id, &p, unit, now, action, force);
    if (rc == 0)
        rc = s_reported (self, reported, unit_id, p.text);
    bool months = false;
    if (rc == 0 && lock && !*reported)
        rc = s_months_submitted (self, &months, unit_id, &p);
    *reported = *reported || months;
    if (rc == 0)
        rc = s_state_write (self, unit_id, &p, next, us_hlc_make (us_hlc_wall_ms (), 0));
    if (rc == 0 && lock)
        rc = s_lock_write (self, unit_id, p.text, *reported, force, note);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc) {
        us_pstore_rollback (self);
        return rc;
    }
    *state = next;
    return 0;
}

/* Sets *locked when the month of a unit lies in a period approved for the
   unit or for a unit above it: an approval freezes everything that rolls
   up into it. Walks up the tree one unit at a time, one lookup on
   submissions_open per level (see s_amend in us_pstore_cells.c: a
   recursive CTE cost ten times as much). */
int
us_pstore_locked (us_pstore_t *self, bool *locked, int64_t unit_id, int month)
{
    *locked = false;
    for (int depth = 0; unit_id != 0 && !*locked; depth++) {
        if (depth == 64)
            return us_error_set (US_ECORRUPT, "reading locks: the unit tree has a cycle");
        sqlite3_stmt *st;
        int rc = us_pstore_prep (self, &st,
            "SELECT COALESCE (u.parent_id, 0), EXISTS (SELECT 1 FROM submissions s"
            "  WHERE s.unit_id = u.id AND s.state = 'approved' AND s.first <= ?2"
            "  AND s.last >= ?2) FROM units u WHERE u.id = ?1", "reading locks");
        if (rc)
            return rc;
        sqlite3_bind_int64 (st, 1, unit_id);
        sqlite3_bind_int (st, 2, month);
        int step = sqlite3_step (st);
        unit_id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
        *locked = step == SQLITE_ROW && sqlite3_column_int (st, 1) != 0;
        sqlite3_reset (st);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return us_pstore_fail (self, "reading locks");
    }
    return 0;
}
