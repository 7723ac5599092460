/*  us_pstore_workflow: submissions and the report workflow. */
#include "us_pstore_sql.h"
#include "us_error.h"
#include "us_hlc.h"
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
    return rc ? rc : us_pstore_touch (self, US_CHANGE_SUBMISSION, id);
}

/* Checks the period's rules on the unit's consolidated figures. */
static int
s_rules (us_pstore_t *self, const char *period, const char *unit)
{
    us_report_t *report;
    int rc = us_pstore_report_build (&report, self, period, unit);
    if (rc)
        return rc;
    char broken [256];
    rc = us_report_check_rules (broken, sizeof broken, report, unit);
    us_report_destroy (&report);
    return rc ? us_error_set (US_EINVAL, "submission refused: %s", broken) : 0;
}

/* Records a submission inside the transaction. */
static int
s_submit (us_pstore_t *self, us_state_t *state, const us_replica_t *replica,
          const us_period_t *p, const char *unit, uint64_t at)
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
    if ((rc = s_rules (self, p->text, unit)) != 0)
        return rc;
    rc = s_state_write (self, unit_id, p, US_STATE_SUBMITTED, at);
    if (rc == 0)
        *state = US_STATE_SUBMITTED;
    return rc;
}

/* Records a submission of unit for period by a replica. */
int
us_pstore_submit (us_pstore_t *self, us_state_t *state, const us_replica_t *replica,
                  const char *unit, const char *period, uint64_t at)
{
    us_period_t p;
    *state = US_STATE_DRAFT;
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = us_pstore_begin (self);
    if (rc)
        return rc;
    rc = s_submit (self, state, replica, &p, unit, at);
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

/* Checks whether action may move (unit, period) from state now. */
static int
s_may (us_pstore_t *self, int64_t unit_id, const us_period_t *p, const char *unit,
       us_state_t now, us_action_t action, bool force)
{
    bool lock = action == US_ACTION_APPROVE || action == US_ACTION_LOCK;
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
        rc = s_state_write (self, unit_id, &p, next, us_hlc_make (us_hlc_wall_ms (), 0));
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc) {
        us_pstore_rollback (self);
        return rc;
    }
    *state = next;
    return 0;
}

/* Sets *locked when the month of a unit lies in an approved period. */
int
us_pstore_locked (us_pstore_t *self, bool *locked, int64_t unit_id, int month)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT 1 FROM submissions WHERE unit_id = ? AND state = 'approved'"
        " AND first <= ? AND last >= ?", "reading locks");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int (st, 2, month);
    sqlite3_bind_int (st, 3, month);
    int step = sqlite3_step (st);
    *locked = step == SQLITE_ROW;
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading locks");
}
