/*  us_pstore_targets: the targets set for units. */
#include "us_pstore_sql.h"
#include "us_error.h"
#include "us_period.h"
#include "us_report.h"
#include "us_text.h"

#include <string.h>

/* Parses "N" or "MIN..MAX" into lo, hi and *range. */
static int
s_target_value (int64_t *lo, int64_t *hi, bool *range, const char *value)
{
    char buf [64];
    snprintf (buf, sizeof buf, "%s", value);
    char *dots = strstr (buf, "..");
    *range = dots != NULL;
    if (dots)
        *dots = 0;
    if (us_text_parse_int (lo, buf) != 0
    ||  (dots && us_text_parse_int (hi, dots + 2) != 0))
        return us_error_set (US_EINVAL, "bad target '%.40s' (use N or MIN..MAX)", value);
    if (!dots)
        *hi = *lo;
    if (*lo < 0 || *hi < *lo)
        return us_error_set (US_EINVAL, "bad target '%.40s' (negative, or MAX below MIN)", value);
    return 0;
}

/* Writes a target inside the caller's transaction. */
int
us_pstore_target_put (us_pstore_t *self, const char *unit, const char *indicator,
                      const char *period, const char *value, const char *source)
{
    us_period_t p;
    us_source_t src;
    us_pstore_ind_t ind;
    int64_t unit_id, lo, hi;
    bool range;
    int rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc == 0) rc = us_period_parse (&p, period);
    if (rc == 0) rc = us_source_parse (&src, source);
    if (rc == 0) rc = s_target_value (&lo, &hi, &range, value);
    if (rc == 0) rc = us_pstore_indicator (self, &ind, indicator);
    if (rc)
        return rc;
    if (!us_pstore_in_transaction (self))
        return us_error_set (US_EIO, "a target is written inside a transaction");
    sqlite3_stmt *st;
    rc = us_pstore_prep (self, &st,
        "INSERT INTO targets (unit_id, ind_id, period, first, last, source, lo, hi, is_range)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, ind_id, period, source)"
        " DO UPDATE SET lo = excluded.lo, hi = excluded.hi, is_range = excluded.is_range,"
        " version = version + 1 RETURNING id", "writing a target");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int64 (st, 2, ind.id);
    sqlite3_bind_text (st, 3, p.text, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 4, p.first);
    sqlite3_bind_int (st, 5, p.last);
    sqlite3_bind_text (st, 6, us_source_name (src), -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 7, lo);
    sqlite3_bind_int64 (st, 8, hi);
    sqlite3_bind_int (st, 9, range);
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_pstore_fail (self, "writing a target");
    int64_t id = rc == 0 ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    /* The record says what the row now holds, in the words `audit verify`
       compares the row with: period, source, lo, hi, range. */
    char what [US_MAX_REASON];
    snprintf (what, sizeof what, "%s %s %lld %lld %d", p.text, us_source_name (src),
              (long long) lo, (long long) hi, range ? 1 : 0);
    if (rc == 0)
        rc = us_pstore_act_record (self, US_ACT_TARGET, unit, indicator, p.first, true, lo,
                                   "", what);
    return rc ? rc : us_pstore_touch (self, US_CHANGE_TARGET, id);
}

/* Sets a target in a transaction of its own. */
int
us_pstore_target_set (us_pstore_t *self, const char *unit, const char *indicator,
                      const char *period, const char *value, const char *source)
{
    int rc = us_pstore_begin (self);
    if (rc == 0)
        rc = us_pstore_target_put (self, unit, indicator, period, value, source);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc)
        us_pstore_rollback (self);
    return rc;
}
