/*  us_pstore_schedules: the province's reporting schedules.

    A schedule says which report a kind of unit makes (monthly figures, the
    six-month report, ...), for which period type, with which indicators,
    and by which deadline rule (us_calendar). A province replaces its whole
    set at once: import is all or nothing.
*/
#include "us_pstore_sql.h"
#include "us_calendar.h"
#include "us_error.h"
#include "us_csv.h"
#include "us_limits.h"
#include "us_text.h"

#include <string.h>

static const char *s_types [] = { "month", "quarter", "half", "year" };

/* Returns true when type is one of the period types a schedule may have. */
static bool
s_type_valid (const char *type)
{
    for (size_t i = 0; i < sizeof s_types / sizeof s_types [0]; i++)
        if (strcmp (type, s_types [i]) == 0)
            return true;
    return false;
}

/* Checks each space-separated code of list against unit kinds (kinds) or
   indicators; names the first unknown one. */
static int
s_codes_known (us_pstore_t *self, const char *list, bool kinds, int line)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, kinds ? "SELECT 1 FROM unit_kinds WHERE code = ?"
                                              : "SELECT 1 FROM indicators WHERE code = ?",
                             "reading schedules");
    const char *p = list;
    while (rc == 0 && *p) {
        size_t len = strcspn (p, " ");
        if (len > 0) {
            sqlite3_bind_text (st, 1, p, (int) len, SQLITE_TRANSIENT);
            int step = sqlite3_step (st);
            if (step == SQLITE_DONE)
                rc = us_error_set (US_EINVAL, "line %d: unknown %s '%.*s'", line,
                                   kinds ? "unit kind" : "indicator", (int) (len > 64 ? 64 : len), p);
            else
            if (step != SQLITE_ROW)
                rc = us_pstore_fail (self, "reading schedules");
            sqlite3_reset (st);
        }
        p += len + (p [len] == ' ');
    }
    return rc;
}

/* Checks and stores one schedule line: code,name,period,kinds,indicators,deadline. */
static int
s_schedule_put (us_pstore_t *self, char **f, size_t n, int line, int position)
{
    us_deadline_rule_t rule;
    if (n != 6)
        return us_error_set (US_EINVAL, "line %d: expected code,name,period,kinds,indicators,"
                             "deadline", line);
    if (!us_text_code_valid (f [0]))
        return us_error_set (US_EINVAL, "line %d: bad schedule code '%.64s'", line, f [0]);
    if (!*f [1] || strlen (f [1]) > US_MAX_NAME || !us_text_utf8_valid (f [1]))
        return us_error_set (US_EINVAL, "line %d: schedule %s needs a one-line name", line, f [0]);
    if (!s_type_valid (f [2]))
        return us_error_set (US_EINVAL, "line %d: period '%.20s' is not month, quarter, half "
                             "or year", line, f [2]);
    if (!*f [3])
        return us_error_set (US_EINVAL, "line %d: schedule %s names no unit kind", line, f [0]);
    int rc = s_codes_known (self, f [3], true, line);
    if (rc == 0)
        rc = s_codes_known (self, f [4], false, line);
    if (rc == 0 && us_deadline_rule_parse (&rule, f [5]) != 0)
        rc = us_error_set (US_EINVAL, "line %d: %s", line, us_error_msg ());
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_pstore_prep (self, &st,
        "INSERT INTO schedules (code, name, period, kinds, indicators, deadline, position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", "writing schedules");
    if (rc)
        return rc;
    char canon [16];
    snprintf (canon, sizeof canon, "%d:%d", rule.months_after, rule.day);
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text (st, i + 1, f [i], -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 6, canon, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int (st, 7, position);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0
       : sqlite3_extended_errcode (us_pstore_db (self)) == SQLITE_CONSTRAINT_UNIQUE
       ? us_error_set (US_EINVAL, "line %d: schedule %s appears twice", line, f [0])
       : us_pstore_fail (self, "writing schedules");
    sqlite3_reset (st);
    return rc;
}

/* Replaces the schedules with those of a CSV file; all or nothing. */
int
us_pstore_import_schedules (us_pstore_t *self, int *count, const char *path)
{
    *count = 0;
    us_csv_t *csv = us_csv_new (path);
    if (!csv)
        return us_error_set (US_EINVAL, "%s", us_error_msg ());
    int rc = us_pstore_begin (self);
    sqlite3_stmt *st;
    if (rc == 0 && (rc = us_pstore_prep (self, &st, "DELETE FROM schedules",
                                         "writing schedules")) == 0)
        rc = us_pstore_done (self, st, "writing schedules");
    char **f;
    size_t n;
    int got = 0;
    while (rc == 0 && (got = us_csv_next (csv, &f, &n)) == 1) {
        if (us_csv_line (csv) == 1 && strcmp (f [0], "code") == 0)
            continue;
        rc = s_schedule_put (self, f, n, us_csv_line (csv), *count);
        if (rc == 0)
            (*count)++;
    }
    if (rc == 0 && got < 0)
        rc = got;
    if (rc == 0 && *count == 0)
        rc = us_error_set (US_EINVAL, "no schedule in the file");
    if (rc == 0 && *count > US_MAX_SCHEDULES)
        rc = us_error_set (US_EINVAL, "%d schedules: a province may have %d", *count,
                           US_MAX_SCHEDULES);
    /* The offices pull the whole new set on their next sync. */
    if (rc == 0)
        rc = us_pstore_touch (self, US_CHANGE_SCHEDULES, 0);
    us_csv_destroy (&csv);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc) {
        us_pstore_rollback (self);
        *count = 0;
        return us_error_set (rc, "%s: %s; nothing imported", path, us_error_msg ());
    }
    return 0;
}

/* Finds the deadline of a report of period. */
int
us_pstore_schedule_deadline (us_pstore_t *self, int64_t *deadline_ms, const us_period_t *period)
{
    static const char *types [] = { "month", "quarter", "half", "year" };
    *deadline_ms = us_period_deadline_ms (period);
    if (period->kind == US_PERIOD_RANGE)
        return 0;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT deadline FROM schedules WHERE period = ?"
                             " ORDER BY position, code LIMIT 1", "reading schedules");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, types [period->kind], -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    us_deadline_rule_t rule;
    if (step == SQLITE_ROW && us_deadline_rule_parse (&rule, us_db_text (st, 0)) == 0)
        *deadline_ms = us_calendar_deadline_ms (period, &rule);
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading schedules");
}

/* Prints the schedules, as a table or as JSON. */
int
us_pstore_schedules_print (us_pstore_t *self, FILE *out, bool json)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT code, name, period, kinds, indicators, deadline FROM schedules"
        " ORDER BY position, code", "reading schedules");
    if (rc)
        return rc;
    int step, rows = 0;
    if (json)
        fputc ('[', out);
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        const char *v [6];
        for (int i = 0; i < 6; i++)
            v [i] = us_db_text (st, i);
        if (json) {
            static const char *keys [] = { "code", "name", "period", "kinds", "indicators",
                                           "deadline" };
            fputs (rows ? ",{" : "{", out);
            for (int i = 0; i < 6; i++) {
                fprintf (out, "%s\"%s\":", i ? "," : "", keys [i]);
                us_text_json (out, v [i]);
            }
            fputc ('}', out);
        }
        else
            fprintf (out, "%-12s %-8s deadline %-5s kinds: %s; indicators: %s  %s\n", v [0], v [2],
                     v [5], v [3], *v [4] ? v [4] : "all", v [1]);
        rows++;
    }
    if (json)
        fputs ("]\n", out);
    sqlite3_reset (st);
    return step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading schedules");
}
