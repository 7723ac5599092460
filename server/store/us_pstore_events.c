/*  us_pstore_events: restructuring of the unit tree with an effective date. */
#include "us_pstore_events.h"
#include "us_pstore_sql.h"
#include "us_error.h"
#include "us_period.h"
#include "us_text.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A unit as the events read and change it. */
typedef struct {
    int64_t id;
    char code [US_MAX_CODE + 1];
    char name [US_MAX_NAME + 1];
    int64_t parent_id;
    int from;                   /* first month, or -1 when always */
    int to;                     /* last month, or -1 while it lasts */
    char successor [512];
} s_unit_t;

/* Copies a text column into buf of size len. */
static void
s_copy (char *buf, size_t len, sqlite3_stmt *st, int col)
{
    snprintf (buf, len, "%s", us_db_text (st, col));
}

/* Parses a stored validity month; -1 when "" (or unreadable). */
static int
s_month_or_none (const char *text)
{
    int m;
    if (!*text || us_month_parse (&m, text) != 0) {
        us_error_clear ();
        return -1;
    }
    return m;
}

/* Reads the unit with code (or id when code is NULL) into *u. */
static int
s_unit_get (us_pstore_t *self, s_unit_t *u, const char *code, int64_t id)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, code
        ? "SELECT id, code, name, COALESCE (parent_id, 0), valid_from, valid_to, successor"
          " FROM units WHERE code = ?"
        : "SELECT id, code, name, COALESCE (parent_id, 0), valid_from, valid_to, successor"
          " FROM units WHERE id = ?", "reading units");
    if (rc)
        return rc;
    if (code)
        sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64 (st, 1, id);
    int step = sqlite3_step (st);
    rc = step == SQLITE_ROW ? 0
       : step == SQLITE_DONE ? us_error_set (US_EINVAL, "unknown unit '%.64s'", code ? code : "")
       : us_pstore_fail (self, "reading units");
    if (rc == 0) {
        u->id = sqlite3_column_int64 (st, 0);
        s_copy (u->code, sizeof u->code, st, 1);
        s_copy (u->name, sizeof u->name, st, 2);
        u->parent_id = sqlite3_column_int64 (st, 3);
        u->from = s_month_or_none (us_db_text (st, 4));
        u->to = s_month_or_none (us_db_text (st, 5));
        s_copy (u->successor, sizeof u->successor, st, 6);
    }
    sqlite3_reset (st);
    return rc;
}

/* Parses an effective date (YYYY-MM-01 or YYYY-MM). */
int
us_pstore_event_month (int *month, const char *text)
{
    char buf [8];
    size_t len = text ? strlen (text) : 0;
    if (len == 10 && strcmp (text + 7, "-01") == 0) {
        memcpy (buf, text, 7);
        buf [7] = 0;
        text = buf;
    }
    else
    if (len != 7)
        return us_error_set (US_EINVAL, "bad date '%.20s': a change takes effect on the first "
                             "of a month (YYYY-MM-01)", text ? text : "");
    if (us_month_parse (month, text) != 0)
        return us_error_set (US_EINVAL, "bad date '%.20s' (use YYYY-MM-01)", text);
    return 0;
}

/* Parses one exact decimal share ("0.35", "1") into parts per million. */
static int
s_share_parse (int64_t *ppm, const char *text)
{
    const char *p = text;
    int64_t whole = 0, frac = 0;
    int places = 0;
    if (!(*p >= '0' && *p <= '9'))
        return US_EINVAL;
    while (*p >= '0' && *p <= '9' && whole <= 1)
        whole = whole * 10 + (*p++ - '0');
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9' && places < 6) {
            frac = frac * 10 + (*p++ - '0');
            places++;
        }
        if (places == 0)
            return US_EINVAL;
    }
    if (*p)
        return US_EINVAL;
    for (; places < 6; places++)
        frac *= 10;
    *ppm = whole * US_SHARE_ONE + frac;
    return *ppm > 0 && *ppm <= US_SHARE_ONE ? 0 : US_EINVAL;
}

/* Parses "A=0.6,B=0.4" into shares summing to exactly 1. */
int
us_pstore_shares_parse (us_pstore_share_t *shares, size_t *n, size_t max, const char *text)
{
    *n = 0;
    int64_t sum = 0;
    const char *p = text ? text : "";
    while (*p) {
        const char *end = strchr (p, ',');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        const char *eq = memchr (p, '=', len);
        if (!eq || *n == max)
            return us_error_set (US_EINVAL, "bad shares '%.80s': expected UNIT=SHARE,UNIT=SHARE "
                                 "(at most %zu)", text, max);
        us_pstore_share_t *s = &shares [*n];
        size_t code_len = (size_t) (eq - p), share_len = len - code_len - 1;
        if (code_len == 0 || code_len > US_MAX_CODE || share_len == 0
        ||  share_len >= sizeof s->text)
            return us_error_set (US_EINVAL, "bad share '%.*s'", (int) (len > 80 ? 80 : len), p);
        memcpy (s->unit, p, code_len);
        s->unit [code_len] = 0;
        memcpy (s->text, eq + 1, share_len);
        s->text [share_len] = 0;
        if (!us_text_code_valid (s->unit))
            return us_error_set (US_EINVAL, "bad unit id '%.64s' in shares", s->unit);
        if (s_share_parse (&s->ppm, s->text) != 0)
            return us_error_set (US_EINVAL, "bad share '%.15s' for %s: an exact decimal above "
                                 "0 and at most 1, six places at most", s->text, s->unit);
        for (size_t k = 0; k < *n; k++)
            if (strcmp (shares [k].unit, s->unit) == 0)
                return us_error_set (US_EINVAL, "unit %s is named twice in the shares", s->unit);
        sum += s->ppm;
        (*n)++;
        p = end ? end + 1 : p + len;
    }
    if (*n < 2)
        return us_error_set (US_EINVAL, "a split needs two successors or more (UNIT=SHARE,UNIT=SHARE)");
    if (sum != US_SHARE_ONE)
        return us_error_set (US_EINVAL, "the shares sum to %lld.%06lld, not 1",
                             (long long) (sum / US_SHARE_ONE), (long long) (sum % US_SHARE_ONE));
    return 0;
}

/* Records one event. */
static int
s_event_add (us_pstore_t *self, const char *kind, int month, int64_t unit_id, int64_t other_id,
             int64_t ppm, const char *share, const char *indicator, const char *before,
             const char *after)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO unit_events (kind, month, unit_id, other_id, share_ppm, share, indicator,"
        " before, after, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "recording a unit event");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 2, month);
    sqlite3_bind_int64 (st, 3, unit_id);
    if (other_id)
        sqlite3_bind_int64 (st, 4, other_id);
    sqlite3_bind_int64 (st, 5, ppm);
    sqlite3_bind_text (st, 6, share, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 7, indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 8, before, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 9, after, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 10, (int64_t) time (NULL) * 1000);
    rc = us_pstore_done (self, st, "recording a unit event");
    /* The offices of the old unit read the successor's name from now on
       (us_pstore_changes.c): it goes out again. */
    if (rc == 0 && other_id && (strcmp (kind, "merge") == 0 || strcmp (kind, "split") == 0))
        rc = us_pstore_touch (self, US_CHANGE_UNIT, other_id);
    /* The event moves figures in reports (they are mapped through it), so
       it is a record of the audit chain too. */
    char unit [US_MAX_CODE + 1] = "", other [US_MAX_CODE + 1] = "", what [US_MAX_REASON];
    if (rc == 0)
        rc = us_pstore_unit_code (self, unit, sizeof unit, unit_id);
    if (rc == 0 && other_id)
        rc = us_pstore_unit_code (self, other, sizeof other, other_id);
    if (rc == 0) {
        snprintf (what, sizeof what, "%s%s%s share %s%s%s", kind, *other ? " " : "", other,
                  share, *indicator ? " of " : "", indicator);
        rc = us_pstore_act_record (self, US_ACT_REORG, unit, indicator, month, false, 0, "",
                                   what);
    }
    return rc;
}

/* Refuses to work outside the caller's transaction. */
static int
s_need_transaction (us_pstore_t *self)
{
    return us_pstore_in_transaction (self) ? 0
         : us_error_set (US_EIO, "a unit event must be recorded inside a transaction");
}

/* Checks that u exists in month (it is neither ended nor yet to start). */
static int
s_live_in (const s_unit_t *u, int month, const char *role)
{
    char m [8];
    if (u->to >= 0 && u->to < month) {
        us_month_format (m, u->to);
        return us_error_set (US_EINVAL, "%s %s ended in %s%s%s", role, u->code, m,
                             *u->successor ? "; its successor is " : "", u->successor);
    }
    if (u->from >= 0 && u->from > month) {
        us_month_format (m, u->from);
        return us_error_set (US_EINVAL, "%s %s starts only in %s", role, u->code, m);
    }
    return 0;
}

/* Checks that old may end before month: it lives then and has lived before. */
static int
s_may_end (const s_unit_t *old, int month)
{
    int rc = s_live_in (old, month, "unit");
    if (rc)
        return rc;
    if (old->parent_id == 0)
        return us_error_set (US_EINVAL, "unit %s is the province; absorb it into another "
                             "store instead", old->code);
    if (old->from >= month)
        return us_error_set (US_EINVAL, "unit %s starts in the month it would end", old->code);
    return 0;
}

/* Refuses to end a unit whose units would be left without a parent. */
static int
s_no_live_children (us_pstore_t *self, const s_unit_t *old, int month)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT code, valid_to FROM units WHERE parent_id = ?", "reading the unit tree");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, old->id);
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        int to = s_month_or_none (us_db_text (st, 1));
        if (to < 0 || to >= month) {
            rc = us_error_set (US_EINVAL, "unit %s still has unit %.64s under it; move it "
                               "first (units move %.64s --parent P --on DATE)", old->code,
                               us_db_text (st, 0), us_db_text (st, 0));
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the unit tree");
    sqlite3_reset (st);
    return rc;
}

/* Gives old its last month and successor, and stamps it. */
static int
s_end_unit (us_pstore_t *self, const s_unit_t *old, int month, const char *successor)
{
    char last [8];
    us_month_format (last, month - 1);
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "UPDATE units SET valid_to = ?, successor = ? WHERE id = ?", "ending a unit");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, last, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (st, 2, successor, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 3, old->id);
    rc = us_pstore_done (self, st, "ending a unit");
    return rc ? rc : us_pstore_touch (self, US_CHANGE_UNIT, old->id);
}

/* Moves the units under old that live on to into (recorded as moves). */
static int
s_adopt_children (us_pstore_t *self, const s_unit_t *old, const s_unit_t *into, int month)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT id FROM units WHERE parent_id = ?"
                             " AND (valid_to = '' OR valid_to >= ?)", "reading the unit tree");
    if (rc)
        return rc;
    char m [8];
    us_month_format (m, month);
    sqlite3_bind_int64 (st, 1, old->id);
    sqlite3_bind_text (st, 2, m, -1, SQLITE_TRANSIENT);
    int64_t ids [256];
    size_t n = 0;
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW && n < 256)
        ids [n++] = sqlite3_column_int64 (st, 0);
    rc = step == SQLITE_ROW ? us_error_set (US_EINVAL, "unit %s has more than 256 units; "
                                            "move them first", old->code)
       : step != SQLITE_DONE ? us_pstore_fail (self, "reading the unit tree") : 0;
    sqlite3_reset (st);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        s_unit_t child;
        rc = s_unit_get (self, &child, NULL, ids [k]);
        if (rc == 0)
            rc = us_pstore_unit_move (self, child.code, into->code, month);
    }
    return rc;
}

/* Merges old into into from month on. */
int
us_pstore_unit_merge (us_pstore_t *self, const char *old, const char *into, int month)
{
    s_unit_t o, n;
    int rc = s_need_transaction (self);
    if (rc == 0)
        rc = s_unit_get (self, &o, old, 0);
    if (rc == 0)
        rc = s_unit_get (self, &n, into, 0);
    if (rc)
        return rc;
    if (o.id == n.id)
        return us_error_set (US_EINVAL, "unit %s cannot be merged into itself", old);
    if ((rc = s_may_end (&o, month)) != 0 || (rc = s_live_in (&n, month, "successor")) != 0)
        return rc;
    bool below = false;
    if ((rc = us_pstore_in_scope (self, &below, n.id, o.id)) != 0)
        return rc;
    if (below)
        return us_error_set (US_EINVAL, "unit %s lies under %s; move it out first", into, old);
    rc = s_adopt_children (self, &o, &n, month);
    if (rc == 0)
        rc = s_event_add (self, "merge", month, o.id, n.id, US_SHARE_ONE, "1", "", "", "");
    if (rc == 0)
        rc = s_end_unit (self, &o, month, n.code);
    return rc;
}

/* Writes "A=0.6,B=0.4" of the shares into buf. */
static void
s_shares_text (char *buf, size_t len, const us_pstore_share_t *shares, size_t n)
{
    size_t used = 0;
    buf [0] = 0;
    for (size_t k = 0; k < n && used < len; k++)
        used += (size_t) snprintf (buf + used, len - used, "%s%s=%s", k ? "," : "",
                                   shares [k].unit, shares [k].text);
}

/* Checks a split for one indicator against the split recorded before:
   the same successors, and no shares of that indicator yet. */
static int
s_split_again (us_pstore_t *self, const s_unit_t *o, const us_pstore_share_t *shares, size_t n,
               const char *indicator, int month)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT count (*) FROM unit_events WHERE kind = 'split' AND unit_id = ?"
        " AND indicator = ?", "reading unit events");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, o->id);
    sqlite3_bind_text (st, 2, indicator, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    int64_t had = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : -1;
    sqlite3_reset (st);
    if (had < 0)
        return us_pstore_fail (self, "reading unit events");
    if (had > 0)
        return us_error_set (US_EINVAL, "unit %s already has shares of its own for %.64s",
                             o->code, indicator);
    rc = us_pstore_prep (self, &st,
        "SELECT count (*) FROM unit_events e JOIN units s ON s.id = e.other_id"
        " WHERE e.kind = 'split' AND e.unit_id = ? AND e.month = ? AND e.indicator = ''"
        " AND s.code = ?", "reading unit events");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        sqlite3_reset (st);
        sqlite3_bind_int64 (st, 1, o->id);
        sqlite3_bind_int (st, 2, month);
        sqlite3_bind_text (st, 3, shares [k].unit, -1, SQLITE_STATIC);
        if (sqlite3_step (st) != SQLITE_ROW)
            rc = us_pstore_fail (self, "reading unit events");
        else
        if (sqlite3_column_int (st, 0) == 0)
            rc = us_error_set (US_EINVAL, "shares for %.64s: split %s among the same units on "
                               "the same date first (%s is not one of them)", indicator,
                               o->code, shares [k].unit);
        sqlite3_reset (st);
    }
    return rc;
}

/* Splits old among the successors from month on. */
int
us_pstore_unit_split (us_pstore_t *self, const char *old, const us_pstore_share_t *shares,
                      size_t n, const char *indicator, int month)
{
    s_unit_t o;
    int rc = s_need_transaction (self);
    if (rc == 0)
        rc = s_unit_get (self, &o, old, 0);
    if (rc)
        return rc;
    bool per_indicator = indicator && *indicator;
    us_pstore_ind_t ind;
    if (per_indicator && us_pstore_indicator (self, &ind, indicator) != 0)
        return us_error_set (US_EINVAL, "unknown indicator '%.64s'", indicator);
    if (per_indicator)
        rc = s_split_again (self, &o, shares, n, indicator, month);
    else
    if ((rc = s_may_end (&o, month)) == 0)
        rc = s_no_live_children (self, &o, month);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        s_unit_t s;
        rc = s_unit_get (self, &s, shares [k].unit, 0);
        if (rc == 0 && s.id == o.id)
            rc = us_error_set (US_EINVAL, "unit %s cannot succeed itself", old);
        if (rc == 0)
            rc = s_live_in (&s, month, "successor");
        if (rc == 0)
            rc = s_event_add (self, "split", month, o.id, s.id, shares [k].ppm, shares [k].text,
                              per_indicator ? indicator : "", "", "");
    }
    /* The unit's definition carries its shares per indicator: the offices
       pull it again. */
    if (rc || per_indicator)
        return rc ? rc : us_pstore_touch (self, US_CHANGE_UNIT, o.id);
    char text [512];
    s_shares_text (text, sizeof text, shares, n);
    return s_end_unit (self, &o, month, text);
}

/* Moves unit under parent from month on. */
int
us_pstore_unit_move (us_pstore_t *self, const char *unit, const char *parent, int month)
{
    s_unit_t u, p, before = { .code = "" };
    int rc = s_need_transaction (self);
    if (rc == 0)
        rc = s_unit_get (self, &u, unit, 0);
    if (rc == 0)
        rc = s_unit_get (self, &p, parent, 0);
    if (rc == 0 && u.parent_id)
        rc = s_unit_get (self, &before, NULL, u.parent_id);
    if (rc)
        return rc;
    if (u.parent_id == 0)
        return us_error_set (US_EINVAL, "unit %s is the province and has no parent", unit);
    if (u.parent_id == p.id)
        return us_error_set (US_EINVAL, "unit %s is already under %s", unit, parent);
    if ((rc = s_live_in (&u, month, "unit")) != 0 || (rc = s_live_in (&p, month, "parent")) != 0)
        return rc;
    bool cycle = false;
    if ((rc = us_pstore_in_scope (self, &cycle, p.id, u.id)) != 0)
        return rc;
    if (cycle)
        return us_error_set (US_EINVAL, "unit %s would be its own ancestor", unit);
    rc = s_event_add (self, "move", month, u.id, p.id, US_SHARE_ONE, "1", "", before.code, p.code);
    sqlite3_stmt *st;
    if (rc == 0)
        rc = us_pstore_prep (self, &st, "UPDATE units SET parent_id = ? WHERE id = ?",
                             "moving a unit");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, p.id);
    sqlite3_bind_int64 (st, 2, u.id);
    rc = us_pstore_done (self, st, "moving a unit");
    return rc ? rc : us_pstore_touch (self, US_CHANGE_UNIT, u.id);
}

/* Renames unit from month on. */
int
us_pstore_unit_rename (us_pstore_t *self, const char *unit, const char *name, int month)
{
    s_unit_t u;
    int rc = s_need_transaction (self);
    if (rc == 0)
        rc = s_unit_get (self, &u, unit, 0);
    if (rc)
        return rc;
    if (!name || !*name || strlen (name) > US_MAX_NAME || !us_text_utf8_valid (name)
    ||  strchr (name, '\n'))
        return us_error_set (US_EINVAL, "unit %s needs a one-line name", unit);
    if ((rc = s_live_in (&u, month, "unit")) != 0)
        return rc;
    rc = s_event_add (self, "rename", month, u.id, 0, US_SHARE_ONE, "1", "", u.name, name);
    sqlite3_stmt *st;
    if (rc == 0)
        rc = us_pstore_prep (self, &st, "UPDATE units SET name = ? WHERE id = ?",
                             "renaming a unit");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 2, u.id);
    rc = us_pstore_done (self, st, "renaming a unit");
    return rc ? rc : us_pstore_touch (self, US_CHANGE_UNIT, u.id);
}

/* Ends unit with no successor. */
int
us_pstore_unit_end (us_pstore_t *self, const char *unit, int month)
{
    s_unit_t u;
    int rc = s_need_transaction (self);
    if (rc == 0)
        rc = s_unit_get (self, &u, unit, 0);
    if (rc == 0)
        rc = s_may_end (&u, month);
    if (rc == 0)
        rc = s_no_live_children (self, &u, month);
    if (rc == 0)
        rc = s_event_add (self, "end", month, u.id, 0, US_SHARE_ONE, "1", "", "", "");
    return rc ? rc : s_end_unit (self, &u, month, "");
}

/* Checks an edit of unit_id for month against the unit's validity. */
int
us_pstore_unit_validity (us_pstore_t *self, char *why, size_t len, int64_t unit_id, int month)
{
    s_unit_t u;
    why [0] = 0;
    int rc = s_unit_get (self, &u, NULL, unit_id);
    if (rc)
        return rc;
    us_error_clear ();
    char m [8];
    if (u.to >= 0 && month > u.to) {
        us_month_format (m, u.to);
        s_unit_t next;
        if (*u.successor && !strchr (u.successor, '=')
        &&  s_unit_get (self, &next, u.successor, 0) == 0)
            snprintf (why, len, "unit %s ended in %s; its successor is %s (%s)",
                      u.code, m, next.code, next.name);
        else
        if (*u.successor)
            snprintf (why, len, "unit %s ended in %s; its successors are %s",
                      u.code, m, u.successor);
        else
            snprintf (why, len, "unit %s ended in %s", u.code, m);
    }
    else
    if (u.from >= 0 && month < u.from) {
        us_month_format (m, u.from);
        snprintf (why, len, "unit %s starts only in %s", u.code, m);
    }
    return 0;
}

/* Visits every event, oldest first. */
int
us_pstore_events_each (us_pstore_t *self,
                       int (*fn) (void *arg, const us_pstore_event_row_t *ev), void *arg)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT e.kind, e.month, u.code, COALESCE (o.code, ''), e.share_ppm, e.share,"
        " e.indicator, e.before, e.after FROM unit_events e JOIN units u ON u.id = e.unit_id"
        " LEFT JOIN units o ON o.id = e.other_id ORDER BY e.id", "reading unit events");
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        us_pstore_event_row_t ev = {
            .kind = us_db_text (st, 0), .month = sqlite3_column_int (st, 1),
            .unit = us_db_text (st, 2), .other = us_db_text (st, 3),
            .share_ppm = sqlite3_column_int64 (st, 4), .share = us_db_text (st, 5),
            .indicator = us_db_text (st, 6), .before = us_db_text (st, 7),
            .after = us_db_text (st, 8) };
        if ((rc = fn (arg, &ev)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading unit events");
    sqlite3_reset (st);
    return rc;
}

/* Prints parent's children that live in month, depth first. */
static int
s_tree_print (us_pstore_t *self, FILE *out, int64_t parent, const char *month, int depth)
{
    if (depth > 16)
        return 0;
    sqlite3_stmt *st;
    /* Not the cached statement: the walk is recursive. */
    int rc = us_db_prepare (&st, us_pstore_db (self),
        "SELECT id, code, name, kind, successor FROM units"
        " WHERE COALESCE (parent_id, 0) = ?1 AND (valid_from = '' OR valid_from <= ?2)"
        " AND (valid_to = '' OR valid_to >= ?2) ORDER BY code");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, parent);
    sqlite3_bind_text (st, 2, month, -1, SQLITE_STATIC);
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        fprintf (out, "%*s%s  %s  (%s)\n", depth * 2, "", us_db_text (st, 1),
                 us_db_text (st, 2), us_db_text (st, 3));
        rc = s_tree_print (self, out, sqlite3_column_int64 (st, 0), month, depth + 1);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the unit tree");
    sqlite3_finalize (st);
    return rc;
}

/* Prints the unit tree in force in month. */
int
us_pstore_tree_print (us_pstore_t *self, FILE *out, int month)
{
    char m [8];
    us_month_format (m, month);
    fprintf (out, "units in %s:\n", m);
    return s_tree_print (self, out, 0, m, 1);
}
