/*  us_dstore_schedules: the province's reporting schedules at the office. */
#include "us_dstore_schedules.h"
#include "us_db.h"
#include "us_error.h"
#include "us_text.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Returns true when list is codes separated by single spaces (empty when
   empty_ok). */
static bool
s_codes_ok (const char *list, bool empty_ok)
{
    if (!*list)
        return empty_ok;
    char code [US_MAX_CODE + 1];
    const char *p = list;
    while (*p) {
        size_t len = strcspn (p, " ");
        if (len == 0 || len > US_MAX_CODE)
            return false;
        memcpy (code, p, len);
        code [len] = '\0';
        if (!us_text_code_valid (code))
            return false;
        p += len;
        if (*p == ' ' && !*++p)
            return false;               /* a trailing space */
    }
    return true;
}

/* Checks the schedules of a pulled page. */
int
us_dstore_schedules_check (const us_changes_t *c)
{
    for (size_t i = 0; i < c->n_schedules; i++) {
        const us_schedule_def_t *s = &c->schedules [i];
        us_deadline_rule_t rule;
        if (!us_text_code_valid (s->code) || !us_text_utf8_valid (s->name)
        ||  us_calendar_type_months (s->period) == 0 || !s_codes_ok (s->kinds, false)
        ||  !s_codes_ok (s->indicators, true) || !*s->deadline
        ||  us_deadline_rule_parse (&rule, s->deadline) != 0)
            return us_error_set (US_EPROTO, "the server's page holds a bad schedule "
                                 "(entry %zu): codes, a period type and a deadline M:D expected", i);
    }
    return 0;
}

/* Replaces the office's schedules with the page's set. */
int
us_dstore_schedules_apply (us_dstore_t *self, const us_changes_t *c)
{
    if (c->n_schedules == 0)
        return 0;
    sqlite3 *db = us_dstore_db (self);
    int rc = us_db_exec (db, "DELETE FROM schedules");
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = us_db_prepare (&st, db, "INSERT INTO schedules (code, name, period, kinds,"
                            " indicators, deadline, position) VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; rc == 0 && i < c->n_schedules; i++) {
        const us_schedule_def_t *s = &c->schedules [i];
        const char *v [] = { s->code, s->name, s->period, s->kinds, s->indicators, s->deadline };
        for (int k = 0; k < 6; k++)
            sqlite3_bind_text (st, k + 1, v [k], -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 7, (int) i);
        /* A code twice keeps the first: the province's import refuses it. */
        int step = sqlite3_step (st);
        rc = step == SQLITE_DONE || sqlite3_extended_errcode (db) == SQLITE_CONSTRAINT_PRIMARYKEY
           ? 0 : us_db_error (db, "schedules");
        sqlite3_reset (st);
    }
    sqlite3_finalize (st);
    return rc;
}

/* Returns true when the space-separated list holds word. */
static bool
s_list_has (const char *list, const char *word)
{
    size_t len = strlen (word);
    if (len == 0)
        return false;
    for (const char *p = list; (p = strstr (p, word)) != NULL; p += len)
        if ((p == list || p [-1] == ' ') && (p [len] == ' ' || p [len] == '\0'))
            return true;
    return false;
}

/* Returns true when the schedule period holds indicator code. */
bool
us_dstore_due_holds (const us_dstore_due_t *due, const char *code)
{
    return !*due->indicators || s_list_has (due->indicators, code);
}

/* Appends the periods of one schedule row that overlap period. */
static int
s_add_periods (us_dstore_due_t **dues, size_t *n, sqlite3_stmt *st, const us_period_t *period)
{
    const char *type = us_db_text (st, 2);
    us_deadline_rule_t rule;
    int months = us_calendar_type_months (type);
    if (months == 0 || us_deadline_rule_parse (&rule, us_db_text (st, 4)) != 0)
        return 0;                       /* checked at the pull; never kept */
    for (int m = period->first / months * months; m <= period->last; m += months) {
        us_dstore_due_t *bigger = realloc (*dues, (*n + 1) * sizeof **dues);
        if (!bigger)
            return us_error_set (US_ENOMEM, "out of memory reading schedules");
        *dues = bigger;
        us_dstore_due_t *d = &bigger [*n];
        memset (d, 0, sizeof *d);
        snprintf (d->code, sizeof d->code, "%s", us_db_text (st, 0));
        snprintf (d->name, sizeof d->name, "%s", us_db_text (st, 1));
        snprintf (d->indicators, sizeof d->indicators, "%s", us_db_text (st, 3));
        if (us_calendar_type_period (&d->period, type, m) != 0)
            return us_error_set (US_EINVAL, "a schedule's period leaves the calendar");
        d->deadline_ms = us_calendar_deadline_ms (&d->period, &rule);
        us_calendar_deadline_day (d->deadline, sizeof d->deadline, &d->period, &rule);
        (*n)++;
    }
    return 0;
}

/* Reads the schedule periods of kind that overlap period. */
int
us_dstore_schedules_due (us_dstore_t *self, us_dstore_due_t **dues, size_t *n, bool *known,
                         const char *kind, const us_period_t *period)
{
    *dues = NULL;
    *n = 0;
    *known = false;
    sqlite3 *db = us_dstore_db (self);
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db, "SELECT code, name, period, indicators, deadline, kinds"
                            " FROM schedules ORDER BY position, code");
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        *known = true;
        if (s_list_has (us_db_text (st, 5), kind))
            rc = s_add_periods (dues, n, st, period);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (db, "schedules");
    sqlite3_finalize (st);
    if (rc) {
        free (*dues);
        *dues = NULL;
        *n = 0;
    }
    return rc;
}

/* Reads the kind of the office's own unit. */
int
us_dstore_unit_kind (us_dstore_t *self, char *buf, size_t size)
{
    sqlite3 *db = us_dstore_db (self);
    sqlite3_stmt *st;
    *buf = '\0';
    int rc = us_db_prepare (&st, db, "SELECT kind FROM units WHERE code = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, us_dstore_unit (self), -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        snprintf (buf, size, "%s", us_db_text (st, 0));
    else
    if (step != SQLITE_DONE)
        rc = us_db_error (db, "units");
    sqlite3_finalize (st);
    return rc;
}
