/*  us_pstore_calendar: completeness, timeliness and overdue reports per
    reporting schedule.

    For each schedule the periods of its type that lie in the asked period
    (the months of a half for the monthly figures, the half itself for the
    six-month report) are checked unit by unit: a unit of one of the
    schedule's kinds has reported a period when its submitted or approved
    reports cover each of its months (a quarter is complete when its months
    are submitted, or its own report is). It reported on time when the last
    of those submissions came before the schedule's deadline (us_calendar,
    Vietnam's time). The whole unit tree and the submissions are read once
    per call; a province has some hundreds of units, so this costs little.
*/
#include "us_pstore_sql.h"
#include "us_calendar.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t id, parent;
    char code [US_MAX_CODE + 1];
    char kind [US_MAX_CODE + 1];
    int64_t heard_ms;               /* the last batch or submission received */
} s_unit_t;

typedef struct {
    int64_t unit_id;
    int first, last;
    int64_t at_ms;
    bool nil;
    bool amended;           /* edited since: counts for nothing until resubmitted */
    bool unreported;        /* locked without ever being submitted: counts for nothing */
} s_sub_t;

typedef struct {
    char code [US_MAX_CODE + 1];
    char name [US_MAX_NAME + 1];
    char type [16];
    char kinds [512];
    us_deadline_rule_t rule;
} s_schedule_t;

typedef struct {
    s_unit_t *units;        size_t n_units;
    s_sub_t *subs;          size_t n_subs;
    s_schedule_t *scheds;   size_t n_scheds;
} s_cal_t;

/* Frees what s_load read. */
static void
s_free (s_cal_t *c)
{
    free (c->units);
    free (c->subs);
    free (c->scheds);
    memset (c, 0, sizeof *c);
}

/* Grows an array by one zeroed element; NULL when out of memory. Room
   doubles from 16 (at 16, 32, 64 ...), so thousands of rows are not a
   reallocation each. */
static void *
s_grow (void **rows, size_t *n, size_t size)
{
    if (*n >= 16 ? (*n & (*n - 1)) == 0 : *n == 0) {
        void *bigger = realloc (*rows, (*n ? *n * 2 : 16) * size);
        if (!bigger)
            return NULL;
        *rows = bigger;
    }
    memset ((char *) *rows + *n * size, 0, size);
    return (char *) *rows + (*n)++ * size;
}

/* Reads the units, with the time each was last heard from when heard
   (the overdue list prints it; a unit's batches and submissions are read
   for it, so the schedules of a report leave it out). */
static int
s_load_units (us_pstore_t *self, s_cal_t *c, bool heard)
{
    sqlite3_stmt *st = NULL;
    int step = SQLITE_DONE;
    int rc = heard ? us_pstore_prep (self, &st,
        "SELECT u.id, COALESCE (u.parent_id, 0), u.code, u.kind, MAX ("
        "  COALESCE ((SELECT MAX (b.at) FROM batches b JOIN replicas r ON r.id = b.replica_id"
        "             WHERE r.unit_id = u.id), 0),"
        "  COALESCE ((SELECT MAX (s.at) >> 16 FROM submissions s WHERE s.unit_id = u.id"
        "             AND s.state = 'submitted'), 0))"
        " FROM units u ORDER BY u.id", "reading units")
      : us_pstore_prep (self, &st,
        "SELECT id, COALESCE (parent_id, 0), code, kind, 0 FROM units ORDER BY id",
        "reading units");
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        s_unit_t *u = s_grow ((void **) &c->units, &c->n_units, sizeof *u);
        if (!u) {
            rc = us_error_set (US_ENOMEM, "out of memory");
            break;
        }
        u->id = sqlite3_column_int64 (st, 0);
        u->parent = sqlite3_column_int64 (st, 1);
        snprintf (u->code, sizeof u->code, "%s", us_db_text (st, 2));
        snprintf (u->kind, sizeof u->kind, "%s", us_db_text (st, 3));
        u->heard_ms = sqlite3_column_int64 (st, 4);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading units");
    if (st)
        sqlite3_reset (st);
    return rc;
}

/* Reads the submitted and approved reports. */
static int
s_load_subs (us_pstore_t *self, s_cal_t *c, int first, int last)
{
    sqlite3_stmt *st = NULL;
    int step = SQLITE_DONE;
    int rc = us_pstore_prep (self, &st,
        "SELECT unit_id, first, last, at, nil, state = 'amended',"
        " state = 'approved' AND NOT reported FROM submissions"
        " WHERE state IN ('submitted', 'amended', 'approved') AND first <= ? AND last >= ?",
        "reading submissions");
    if (rc == 0) {
        sqlite3_bind_int (st, 1, last);
        sqlite3_bind_int (st, 2, first);
    }
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        s_sub_t *s = s_grow ((void **) &c->subs, &c->n_subs, sizeof *s);
        if (!s) {
            rc = us_error_set (US_ENOMEM, "out of memory");
            break;
        }
        s->unit_id = sqlite3_column_int64 (st, 0);
        s->first = sqlite3_column_int (st, 1);
        s->last = sqlite3_column_int (st, 2);
        s->at_ms = us_hlc_ms ((uint64_t) sqlite3_column_int64 (st, 3));
        s->nil = sqlite3_column_int (st, 4) != 0;
        s->amended = sqlite3_column_int (st, 5) != 0;
        s->unreported = sqlite3_column_int (st, 6) != 0;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading submissions");
    if (st)
        sqlite3_reset (st);
    return rc;
}

/* Reads the schedules in their file's order. */
static int
s_load_scheds (us_pstore_t *self, s_cal_t *c)
{
    sqlite3_stmt *st = NULL;
    int step = SQLITE_DONE;
    int rc = us_pstore_prep (self, &st,
        "SELECT code, name, period, kinds, deadline FROM schedules ORDER BY position, code",
        "reading schedules");
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        s_schedule_t *s = s_grow ((void **) &c->scheds, &c->n_scheds, sizeof *s);
        if (!s) {
            rc = us_error_set (US_ENOMEM, "out of memory");
            break;
        }
        snprintf (s->code, sizeof s->code, "%s", us_db_text (st, 0));
        snprintf (s->name, sizeof s->name, "%s", us_db_text (st, 1));
        snprintf (s->type, sizeof s->type, "%s", us_db_text (st, 2));
        snprintf (s->kinds, sizeof s->kinds, " %s ", us_db_text (st, 3));
        if (us_deadline_rule_parse (&s->rule, us_db_text (st, 4)) != 0)
            rc = us_error_set (US_ECORRUPT, "schedule %s has a bad deadline", s->code);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading schedules");
    if (st)
        sqlite3_reset (st);
    return rc;
}

/* Orders submissions by unit. */
static int
s_sub_cmp (const void *a, const void *b)
{
    int64_t x = ((const s_sub_t *) a)->unit_id, y = ((const s_sub_t *) b)->unit_id;
    return x < y ? -1 : x > y;
}

/* Returns the index of the first submission of unit id (subs are ordered
   by unit), or n_subs. */
static size_t
s_subs_of (const s_cal_t *c, int64_t id)
{
    size_t lo = 0, hi = c->n_subs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->subs [mid].unit_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Reads everything the calendar needs: the reports that overlap months
   first..last (each schedule period asked lies within them), the time
   each unit was last heard from when heard. */
static int
s_load (us_pstore_t *self, s_cal_t *c, bool heard, int first, int last)
{
    memset (c, 0, sizeof *c);
    int rc = s_load_units (self, c, heard);
    if (rc == 0)
        rc = s_load_subs (self, c, first, last);
    /* By unit, so that a unit's reports are found without reading every
       unit's (a province's year holds thousands). */
    if (rc == 0 && c->n_subs > 1)
        qsort (c->subs, c->n_subs, sizeof *c->subs, s_sub_cmp);
    if (rc == 0)
        rc = s_load_scheds (self, c);
    if (rc)
        s_free (c);
    return rc;
}

/* Returns true when unit index u lies in the subtree of root (0: all). */
static bool
s_in_subtree (const s_cal_t *c, size_t u, int64_t root)
{
    int64_t id = c->units [u].id;
    for (int depth = 0; root && id && depth < 64; depth++) {
        if (id == root)
            return true;
        int64_t parent = 0;
        for (size_t k = 0; k < c->n_units; k++)
            if (c->units [k].id == id) {
                parent = c->units [k].parent;
                break;
            }
        id = parent;
    }
    return root == 0;
}

/* Returns true when a schedule applies to units of kind. */
static bool
s_kind_in (const s_schedule_t *s, const char *kind)
{
    char word [US_MAX_CODE + 3];
    snprintf (word, sizeof word, " %s ", kind);
    return strstr (s->kinds, word) != NULL;
}

/* The state of one unit for one period of a schedule. */
typedef enum { S_MISSING, S_ON_TIME, S_LATE } s_state_t;

/* Finds whether unit id reported months first..last by at_ms: all months
   covered by submissions made by then; *last_ms the latest of them, *nil
   when one of them is a nil report. */
static bool
s_reported (const s_cal_t *c, int64_t id, int first, int last, int64_t at_ms,
            int64_t *last_ms, bool *nil)
{
    *last_ms = 0;
    *nil = false;
    size_t from = s_subs_of (c, id);
    for (int m = first; m <= last; m++) {
        bool covered = false;
        for (size_t k = from; k < c->n_subs && c->subs [k].unit_id == id; k++) {
            const s_sub_t *s = &c->subs [k];
            if (s->first > m || s->last < m || s->at_ms > at_ms
            ||  s->amended || s->unreported)
                continue;
            covered = true;
            if (s->at_ms > *last_ms)
                *last_ms = s->at_ms;
            *nil = *nil || s->nil;
        }
        if (!covered)
            return false;
    }
    return true;
}

/* Returns true when unit id has an amended report (or, unreported, a
   lock of a period it never submitted) overlapping first..last. */
static bool
s_amended (const s_cal_t *c, int64_t id, int first, int last, bool unreported)
{
    for (size_t k = s_subs_of (c, id); k < c->n_subs && c->subs [k].unit_id == id; k++)
        if ((unreported ? c->subs [k].unreported : c->subs [k].amended)
        &&  c->subs [k].first <= last && c->subs [k].last >= first)
            return true;
    return false;
}

/* Returns the months a period of a schedule's type spans. */
static int
s_type_months (const char *type)
{
    return strcmp (type, "month") == 0 ? 1 : strcmp (type, "quarter") == 0 ? 3
         : strcmp (type, "half") == 0 ? 6 : 12;
}

/* Writes the canonical text of the schedule period starting at month m. */
static void
s_period_text (char *buf, size_t size, const char *type, int m)
{
    int y = us_month_year (m), n = s_type_months (type), k = m % 12 / n + 1;
    if (n == 1)
        us_month_format (buf, m);
    else
    if (n == 12)
        snprintf (buf, size, "%d", y);
    else
        snprintf (buf, size, "%d-%c%d", y, n == 3 ? 'Q' : 'H', k);
}

/* What one unit made of one schedule period. */
typedef struct {
    bool done;              /* every month reported */
    bool late;              /* the last of those reports came after the deadline */
    bool nil;               /* one of them said there was nothing to report */
    bool amended;           /* not done: a report of it was edited since */
    bool unreported;        /* not done: locked without ever being submitted */
} s_judged_t;

/* Prints one schedule period's counts and units as JSON; units [u] says
   whether unit u is one of the schedule's in the subtree, judged has room
   for every unit. Each unit is judged once, then listed. */
static void
s_period_json (const s_cal_t *c, const s_schedule_t *s, int first, const bool *units,
               s_judged_t *judged, FILE *out)
{
    us_period_t p;
    char text [US_PERIOD_TEXT], day [32];
    s_period_text (text, sizeof text, s->type, first);
    us_period_parse (&p, text);
    us_calendar_deadline_day (day, sizeof day, &p, &s->rule);
    int64_t deadline = us_calendar_deadline_ms (&p, &s->rule);
    int expected = 0, on_time = 0, late = 0;
    for (size_t u = 0; u < c->n_units; u++) {
        if (!units [u])
            continue;
        s_judged_t *j = &judged [u];
        int64_t last_ms;
        j->done = s_reported (c, c->units [u].id, p.first, p.last, INT64_MAX, &last_ms, &j->nil);
        j->late = j->done && last_ms > deadline;
        j->nil = j->done && j->nil;
        j->amended = !j->done && s_amended (c, c->units [u].id, p.first, p.last, false);
        j->unreported = !j->done && s_amended (c, c->units [u].id, p.first, p.last, true);
        expected++;
        on_time += j->done && !j->late;
        late += j->late;
    }
    fputs ("{\"period\":", out);
    us_text_json (out, p.text);
    fputs (",\"deadline\":", out);
    us_text_json (out, day);
    const char *lists [] = { "missing", "late_units", "nil", "amended", "locked_not_reported" };
    for (int l = 0; l < 5; l++) {
        fprintf (out, ",\"%s\":[", lists [l]);
        int n = 0;
        for (size_t u = 0; u < c->n_units; u++) {
            const s_judged_t *j = &judged [u];
            if (!units [u] || !(l == 0 ? !j->done : l == 1 ? j->late : l == 2 ? j->nil
                                : l == 3 ? j->amended : j->unreported))
                continue;
            fputs (n++ ? "," : "", out);
            us_text_json (out, c->units [u].code);
        }
        fputc (']', out);
    }
    fprintf (out, ",\"expected\":%d,\"submitted\":%d,\"on_time\":%d,\"late\":%d}",
             expected, on_time + late, on_time, late);
}

/* Marks in units [u] the units of the subtree (in_tree) whose kind the
   schedule s names. */
static void
s_schedule_units (bool *units, const s_cal_t *c, const s_schedule_t *s, const bool *in_tree)
{
    for (size_t u = 0; u < c->n_units; u++)
        units [u] = in_tree [u] && s_kind_in (s, c->units [u].kind);
}

/* Prints the per-schedule completeness of a period as a JSON array. */
int
us_pstore_schedules_json (us_pstore_t *self, FILE *out, const char *period, const char *unit)
{
    us_period_t p;
    int64_t root = 0;
    int rc = us_period_parse (&p, period);
    if (rc == 0 && unit)
        rc = us_pstore_unit_id (self, &root, unit);
    s_cal_t c;
    if (rc == 0)
        rc = s_load (self, &c, false, p.first, p.last);
    if (rc)
        return rc;
    bool *in_tree = calloc (c.n_units + 1, sizeof *in_tree);
    bool *units = calloc (c.n_units + 1, sizeof *units);
    s_judged_t *judged = calloc (c.n_units + 1, sizeof *judged);
    if (!in_tree || !units || !judged) {
        free (in_tree);
        free (units);
        free (judged);
        s_free (&c);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    for (size_t u = 0; u < c.n_units; u++)
        in_tree [u] = s_in_subtree (&c, u, root);
    fputc ('[', out);
    for (size_t k = 0; k < c.n_scheds; k++) {
        const s_schedule_t *s = &c.scheds [k];
        s_schedule_units (units, &c, s, in_tree);
        fputs (k ? ",{\"code\":" : "{\"code\":", out);
        us_text_json (out, s->code);
        fputs (",\"name\":", out);
        us_text_json (out, s->name);
        fprintf (out, ",\"period\":\"%s\",\"periods\":[", s->type);
        int n = s_type_months (s->type), count = 0;
        int start = (p.first + n - 1) / n * n;     /* the first whole period */
        for (int m = start; m + n - 1 <= p.last; m += n) {
            fputs (count++ ? "," : "", out);
            s_period_json (&c, s, m, units, judged, out);
        }
        fputs ("]}", out);
    }
    fputc (']', out);
    free (in_tree);
    free (units);
    free (judged);
    s_free (&c);
    return 0;
}

/* Prints the units whose report of one schedule period is due or late at
   at_ms; returns how many. */
static int
s_overdue_period (const s_cal_t *c, const s_schedule_t *s, int first, int64_t at_ms,
                  FILE *out, bool json, int printed)
{
    us_period_t p;
    char text [US_PERIOD_TEXT], day [32];
    s_period_text (text, sizeof text, s->type, first);
    us_period_parse (&p, text);
    int64_t deadline = us_calendar_deadline_ms (&p, &s->rule);
    us_calendar_deadline_day (day, sizeof day, &p, &s->rule);
    bool passed = at_ms > deadline;
    int n = 0;
    for (size_t u = 0; u < c->n_units; u++) {
        int64_t last_ms;
        bool nil;
        if (!s_kind_in (s, c->units [u].kind)
        ||  s_reported (c, c->units [u].id, p.first, p.last, at_ms, &last_ms, &nil))
            continue;
        char heard [32] = "never";
        if (c->units [u].heard_ms > 0 && c->units [u].heard_ms <= at_ms)
            us_calendar_time_text (heard, sizeof heard, c->units [u].heard_ms);
        else
        if (c->units [u].heard_ms > at_ms)
            snprintf (heard, sizeof heard, "after that day");
        if (json) {
            fputs (printed + n ? ",{\"schedule\":" : "{\"schedule\":", out);
            us_text_json (out, s->code);
            fputs (",\"period\":", out);
            us_text_json (out, p.text);
            fputs (",\"deadline\":", out);
            us_text_json (out, day);
            fputs (",\"unit\":", out);
            us_text_json (out, c->units [u].code);
            fprintf (out, ",\"state\":\"%s\",\"last_sync\":", passed ? "late" : "due");
            us_text_json (out, heard);
            fputc ('}', out);
        }
        else
            fprintf (out, "%-12s %-8s due %-10s %-4s %-24s last sync %s\n", s->code, p.text, day,
                     passed ? "LATE" : "due", c->units [u].code, heard);
        n++;
    }
    return n;
}

/* Prints, per schedule, the units whose reports are due or late at at_ms:
   the periods that ended in the twelve months before it. */
int
us_pstore_overdue_print (us_pstore_t *self, FILE *out, int64_t at_ms, bool json)
{
    s_cal_t c;
    int rc = s_load (self, &c, true, INT_MIN, INT_MAX);
    if (rc)
        return rc;
    int now = us_calendar_month_at (at_ms), printed = 0;
    if (json)
        fputc ('[', out);
    for (size_t k = 0; k < c.n_scheds; k++) {
        const s_schedule_t *s = &c.scheds [k];
        int n = s_type_months (s->type);
        int start = (now - 12 + n - 1) / n * n;
        for (int m = start; m + n - 1 < now; m += n)
            printed += s_overdue_period (&c, s, m, at_ms, out, json, printed);
    }
    if (json)
        fputs ("]\n", out);
    else
    if (printed == 0)
        fputs ("no report is due or late\n", out);
    s_free (&c);
    return 0;
}
