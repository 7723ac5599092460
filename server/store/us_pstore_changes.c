/*  us_pstore_changes: the change stream clients pull from. */
#include "us_pstore_sql.h"
#include "us_error.h"
#include "us_limits.h"
#include "us_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The query of each kind of change, in the order a page visits them. */
/* Each reads the page's range of the stream by its primary key: "+cl.kind"
   keeps SQLite off the (kind, ref) index, which would visit every change of
   the kind since the stream began and sort them, for every page (a whole
   history's pull grew with the square of its length). */
/* A split unit's shares of the indicators that have their own, as the
   offices map with them: "IND:A=0.7,B=0.3;IND2:...", from its events. */
static const char *s_units =
    "SELECT u.id, u.code, u.name, COALESCE (p.code, ''), u.kind, u.valid_from, u.valid_to,"
    " u.successor, COALESCE ((SELECT group_concat (x, ';') FROM (SELECT e.indicator || ':'"
    "   || group_concat (o.code || '=' || e.share, ',') AS x FROM unit_events e"
    "   JOIN units o ON o.id = e.other_id WHERE e.unit_id = u.id AND e.kind = 'split'"
    "   AND e.indicator <> '' GROUP BY e.indicator ORDER BY e.indicator)), '')"
    " FROM changelog cl JOIN units u ON u.id = cl.ref LEFT JOIN units p ON p.id = u.parent_id"
    " WHERE +cl.kind = 1 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq";
static const char *s_indicators =
    "SELECT 0, i.code, i.name, i.kind, i.numerator, i.denominator, i.policy, i.rule, i.position"
    " FROM changelog cl JOIN indicators i ON i.id = cl.ref"
    " WHERE +cl.kind = 2 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq";
/* Figures come only from the replica's own subtree (?3, a JSON array of
   unit ids): each entry names its figure's unit, so that SQLite leaves
   the others' entries out before it reads their figures. In a month's-end
   round every office's pull crosses every other office's figures, and
   reading them cost a fifth of the server's time. The page's range is
   read in the stream's order, by its primary key: reading each unit's
   entries by an index of (unit, seq) instead cost a sort of every page,
   a third more of the server's time in a district's first pull. s_visit
   still checks each row's unit itself. */
static const char *s_cells =
    "SELECT c.unit_id, u.code, i.code, c.month, c.value, c.version, c.hlc, c.author,"
    " c.note, c.corrected, c.replica, c.record FROM changelog cl JOIN cells c ON c.id = cl.ref"
    " JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id"
    " WHERE +cl.kind = 3 AND cl.seq > ?1 AND cl.seq <= ?2"
    " AND +cl.unit IN (SELECT value FROM json_each (?3)) ORDER BY cl.seq";
static const char *s_targets =
    "SELECT t.unit_id, u.code, i.code, t.period, t.source, t.lo, t.hi, t.is_range, t.version"
    " FROM changelog cl JOIN targets t ON t.id = cl.ref"
    " JOIN units u ON u.id = t.unit_id JOIN indicators i ON i.id = t.ind_id"
    " WHERE +cl.kind = 4 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq";
static const char *s_conflicts =
    "SELECT k.unit_id, u.code, i.code, k.month, k.winner_value, k.winner_author,"
    " k.loser_value, k.loser_author, k.rule, k.at, k.id"
    " FROM changelog cl JOIN conflicts k ON k.id = cl.ref"
    " JOIN units u ON u.id = k.unit_id JOIN indicators i ON i.id = k.ind_id"
    " WHERE +cl.kind = 5 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq";
static const char *s_submissions =
    "SELECT s.unit_id, u.code, s.period, s.state, s.at"
    " FROM changelog cl JOIN submissions s ON s.id = cl.ref JOIN units u ON u.id = s.unit_id"
    " WHERE +cl.kind = 6 AND cl.seq > ? AND cl.seq <= ? ORDER BY cl.seq";

/* Sets *head to the newest position in the change stream. */
int
us_pstore_head (us_pstore_t *self, uint64_t *head)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT COALESCE (MAX (seq), 0) FROM changelog",
                             "reading the change stream");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    *head = step == SQLITE_ROW ? (uint64_t) sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : us_pstore_fail (self, "reading the change stream");
}

/* Finds the upper bound of a page of at most limit entries after since. */
static int
s_page_bounds (us_pstore_t *self, uint64_t *upper, bool *more, uint64_t since, uint32_t limit)
{
    uint64_t head;
    int rc = us_pstore_head (self, &head);
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
            "SELECT seq FROM changelog WHERE seq > ? ORDER BY seq LIMIT 1 OFFSET ?",
            "reading the change stream");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int (st, 2, (int) limit - 1);
    int step = sqlite3_step (st);
    *upper = step == SQLITE_ROW ? (uint64_t) sqlite3_column_int64 (st, 0) : head;
    sqlite3_reset (st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return us_pstore_fail (self, "reading the change stream");
    if (*upper < since)
        *upper = since;
    *more = *upper < head;
    return 0;
}

/* Fills a change of kind from the current row of its query. */
static void
s_read (us_change_t *c, us_change_kind_t kind, sqlite3_stmt *st)
{
    c->kind = kind;
    #define T(col) us_db_text (st, col)
    #define I(col) sqlite3_column_int64 (st, col)
    #define NUL(col) (sqlite3_column_type (st, col) == SQLITE_NULL)
    switch (kind) {
        case US_CHANGE_UNIT:
            c->u.unit.code = T (1); c->u.unit.name = T (2); c->u.unit.parent = T (3);
            c->u.unit.kind = T (4); c->u.unit.valid_from = T (5); c->u.unit.valid_to = T (6);
            c->u.unit.successor = T (7); c->u.unit.shares = T (8);
            break;
        case US_CHANGE_INDICATOR:
            c->u.indicator.code = T (1); c->u.indicator.name = T (2);
            c->u.indicator.kind = T (3); c->u.indicator.numerator = T (4);
            c->u.indicator.denominator = T (5); c->u.indicator.policy = T (6);
            c->u.indicator.rule = T (7); c->u.indicator.position = (uint32_t) I (8);
            break;
        case US_CHANGE_CELL:
            c->u.cell.unit = T (1); c->u.cell.indicator = T (2); c->u.cell.month = (int) I (3);
            c->u.cell.value = I (4); c->u.cell.cleared = NUL (4);
            c->u.cell.version = (uint64_t) I (5); c->u.cell.hlc = (uint64_t) I (6);
            c->u.cell.author = T (7); c->u.cell.note = T (8); c->u.cell.corrected = I (9) != 0;
            break;
        case US_CHANGE_TARGET:
            c->u.target.unit = T (1); c->u.target.indicator = T (2); c->u.target.period = T (3);
            c->u.target.source = T (4); c->u.target.lo = I (5); c->u.target.hi = I (6);
            c->u.target.range = I (7) != 0; c->u.target.version = (uint32_t) I (8);
            break;
        case US_CHANGE_CONFLICT:
            c->u.conflict.id = (uint64_t) I (10); c->u.conflict.unit = T (1);
            c->u.conflict.indicator = T (2); c->u.conflict.month = (int) I (3);
            c->u.conflict.winner_value = I (4); c->u.conflict.winner_cleared = NUL (4);
            c->u.conflict.winner_author = T (5); c->u.conflict.loser_value = I (6);
            c->u.conflict.loser_cleared = NUL (6); c->u.conflict.loser_author = T (7);
            c->u.conflict.rule = T (8); c->u.conflict.at = (uint64_t) I (9);
            break;
        case US_CHANGE_SUBMISSION:
            c->u.submission.unit = T (1); c->u.submission.period = T (2);
            c->u.submission.state = T (3); c->u.submission.at = (uint64_t) I (4);
            break;
        case US_CHANGE_SCHEDULES:       /* read by s_visit_schedules */
            break;
    }
    #undef T
    #undef I
    #undef NUL
}

/* What a replica may read: its subtree (own), the units above it (in,
   for their names), and its root's code; and whose answered edits it
   has already (mine, or NULL). */
typedef struct {
    const bool *in, *own;
    const bool *named;          /* successors of its units: their names only */
    int64_t len;
    char root [US_MAX_CODE + 1];
    const us_pstore_own_t *mine;
    const char *own_json;       /* the own subtree's unit ids, a JSON array */
} s_scope_t;

/* Whether the cell of the current row is exactly the state that a delta
   of mine wrote after mine->after_id and answered: the office holds it
   since the acknowledgement. The cell names the record of the office's
   edit that wrote it (0 when the province clamped its clock); a
   correction, a write by anyone else or an older session's answer: not
   known. */
static bool
s_known (const us_pstore_own_t *mine, sqlite3_stmt *row)
{
    return mine && sqlite3_column_int (row, 9) == 0
        && sqlite3_column_int64 (row, 11) > mine->after_id
        && strcmp (us_db_text (row, 10), mine->key) == 0;
}

/* Returns true when a submission of a unit above the replica is passed on,
   as a lock (or its end) on the replica's own unit: the office learns that
   its figures are frozen and nothing else of the units above it. */
static bool
s_ancestor_lock (us_change_t *c, const s_scope_t *scope)
{
    if (strcmp (c->u.submission.state, "approved") != 0
    &&  strcmp (c->u.submission.state, "reopened") != 0)
        return false;
    c->u.submission.unit = scope->root;
    return true;
}

/* Visits the changes of one kind in (since, upper] readable in scope. */
static int
s_visit (us_pstore_t *self, us_change_kind_t kind, const char *sql, uint64_t since,
         uint64_t upper, const s_scope_t *scope, us_pstore_change_fn *fn, void *arg)
{
    const bool *in = scope->in;
    int64_t len = scope->len;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, sql, "reading the change stream");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int64 (st, 2, (int64_t) upper);
    if (kind == US_CHANGE_CELL)
        sqlite3_bind_text (st, 3, scope->own_json, -1, SQLITE_STATIC);
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        /* Indicators are the whole province's; the rest is filtered by unit. */
        int64_t unit = sqlite3_column_int64 (st, 0);
        bool named = kind == US_CHANGE_UNIT && unit > 0 && unit < len && scope->named [unit];
        if (kind != US_CHANGE_INDICATOR && !named && !(unit > 0 && unit < len && in [unit]))
            continue;
        /* Of the units above it, a replica reads names only: figures,
           targets and conflicts come from its own subtree. */
        if ((kind == US_CHANGE_CELL || kind == US_CHANGE_TARGET || kind == US_CHANGE_CONFLICT)
        &&  !scope->own [unit])
            continue;
        if (kind == US_CHANGE_CELL && s_known (scope->mine, st))
            continue;
        us_change_t c;
        s_read (&c, kind, st);
        if (kind == US_CHANGE_SUBMISSION && !scope->own [unit] && !s_ancestor_lock (&c, scope))
            continue;
        rc = fn (arg, &c);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the change stream");
    sqlite3_reset (st);
    return rc;
}

/* Visits every schedule, in the province's order, when the set changed in
   (since, upper]: offices replace theirs with the whole set. */
static int
s_visit_schedules (us_pstore_t *self, uint64_t since, uint64_t upper,
                   us_pstore_change_fn *fn, void *arg)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT 1 FROM changelog WHERE kind = ?"
                             " AND seq > ? AND seq <= ?", "reading the change stream");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, US_CHANGE_SCHEDULES);
    sqlite3_bind_int64 (st, 2, (int64_t) since);
    sqlite3_bind_int64 (st, 3, (int64_t) upper);
    int step = sqlite3_step (st);
    sqlite3_reset (st);
    if (step != SQLITE_ROW)
        return step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading the change stream");
    rc = us_pstore_prep (self, &st, "SELECT code, name, period, kinds, indicators, deadline"
                         " FROM schedules ORDER BY position, code LIMIT ?",
                         "reading the change stream's schedules");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, US_MAX_SCHEDULES);
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_change_t c = { .kind = US_CHANGE_SCHEDULES };
        c.u.schedule.code = us_db_text (st, 0);
        c.u.schedule.name = us_db_text (st, 1);
        c.u.schedule.period = us_db_text (st, 2);
        c.u.schedule.kinds = us_db_text (st, 3);
        c.u.schedule.indicators = us_db_text (st, 4);
        c.u.schedule.deadline = us_db_text (st, 5);
        rc = fn (arg, &c);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the change stream's schedules");
    sqlite3_reset (st);
    return rc;
}

/* Reads the code of unit id into buf. */
static int
s_root_code (us_pstore_t *self, char *buf, size_t size, int64_t id)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT code FROM units WHERE id = ?",
                             "reading the change stream's root");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, id);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        snprintf (buf, size, "%s", us_db_text (st, 0));
    else
    if (step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the change stream's root");
    sqlite3_reset (st);
    return rc;
}

/* Marks in named the units that succeed a unit of the replica's subtree
   (own) by a merge or a split, and their successors in turn: an office
   whose unit ended reads the name of the unit that took it over. Events
   are visited in the order they were recorded. */
static int
s_successors_named (us_pstore_t *self, bool *named, const bool *own, int64_t len)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT unit_id, other_id FROM unit_events"
                             " WHERE kind IN ('merge', 'split') AND other_id IS NOT NULL"
                             " ORDER BY id", "reading the change stream's successors");
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        int64_t u = sqlite3_column_int64 (st, 0), o = sqlite3_column_int64 (st, 1);
        if (u > 0 && u < len && o > 0 && o < len && (own [u] || named [u]))
            named [o] = true;
    }
    if (step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading the change stream's successors");
    sqlite3_reset (st);
    return rc;
}

/* Sets present [kind] for each kind of change in (since, upper]: one read of
   the page's range, so that a page reads only the kinds it holds (a round's
   pages are figures; each other kind's query read the whole range again).
   Read row by row: DISTINCT would build a temporary B-tree for every page. */
static int
s_kinds (us_pstore_t *self, bool present [US_CHANGE_SCHEDULES + 1], uint64_t since,
         uint64_t upper)
{
    memset (present, 0, (US_CHANGE_SCHEDULES + 1) * sizeof *present);
    sqlite3_stmt *st;
    /* Cells are nearly every entry: the rare other kinds are read by their
       own index (changelog_other), and of cells SQL says only whether
       there is one (stepping through them all cost a quarter of a round's
       pulls). */
    int rc = us_pstore_prep (self, &st,
        "SELECT kind FROM changelog WHERE seq > ?1 AND seq <= ?2 AND kind <> 3"
        " UNION ALL SELECT 3 WHERE EXISTS (SELECT 1 FROM changelog"
        " WHERE seq > ?1 AND seq <= ?2 AND +kind = 3)",
        "reading the change stream");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, (int64_t) since);
    sqlite3_bind_int64 (st, 2, (int64_t) upper);
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        int kind = sqlite3_column_int (st, 0);
        if (kind >= 0 && kind <= US_CHANGE_SCHEDULES)
            present [kind] = true;
    }
    sqlite3_reset (st);
    return step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading the change stream");
}

/* Visits a page of the change stream as readable by a replica of root. */
int
us_pstore_changes (us_pstore_t *self, uint64_t since, uint32_t limit, int64_t root,
                   us_pstore_change_fn *fn, void *arg, uint64_t *next, bool *more)
{
    return us_pstore_changes_own (self, since, limit, root, NULL, fn, arg, next, more);
}

/* Visits a page as us_pstore_changes does, leaving out what mine knows. */
int
us_pstore_changes_own (us_pstore_t *self, uint64_t since, uint32_t limit, int64_t root,
                       const us_pstore_own_t *mine, us_pstore_change_fn *fn, void *arg,
                       uint64_t *next, bool *more)
{
    int rc = s_page_bounds (self, next, more, since, limit ? limit : 1);
    int64_t *parent = NULL, len = 0;
    if (rc == 0)
        rc = us_pstore_tree_load (self, &parent, &len);
    if (rc)
        return rc;
    bool *in = calloc ((size_t) len + 1, sizeof *in);
    bool *own = calloc ((size_t) len + 1, sizeof *own);
    bool *named = calloc ((size_t) len + 1, sizeof *named);
    if (!in || !own || !named) {
        free (in);
        free (own);
        free (named);
        free (parent);
        return us_error_set (US_ENOMEM, "out of memory reading the change stream");
    }
    /* The replica's subtree, and the units above it for their names. */
    us_tree_scope (in, parent, len, root, true);
    us_tree_scope (own, parent, len, root, false);
    char *own_json = NULL;
    s_scope_t scope = { in, own, named, len, "", mine, NULL };
    rc = s_successors_named (self, named, own, len);
    if (rc == 0)
        rc = us_pstore_scope_json (self, &own_json, root);
    scope.own_json = own_json;
    if (rc == 0)
        rc = s_root_code (self, scope.root, sizeof scope.root, root);
    static const char **sqls [] = { &s_units, &s_indicators, &s_cells, &s_targets,
                                    &s_conflicts, &s_submissions };
    bool present [US_CHANGE_SCHEDULES + 1];
    if (rc == 0)
        rc = s_kinds (self, present, since, *next);
    for (int k = US_CHANGE_FIRST; rc == 0 && k <= US_CHANGE_LAST; k++)
        if (present [k])
            rc = s_visit (self, (us_change_kind_t) k, *sqls [k - US_CHANGE_FIRST], since,
                          *next, &scope, fn, arg);
    if (rc == 0 && present [US_CHANGE_SCHEDULES])
        rc = s_visit_schedules (self, since, *next, fn, arg);
    free (own_json);
    free (in);
    free (own);
    free (named);
    free (parent);
    return rc;
}

/* Sets *mark to the hash of the change at position seq (0: none). */
int
us_pstore_change_mark (us_pstore_t *self, uint64_t seq, uint64_t *mark)
{
    *mark = 0;
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT cl.kind, cl.ref, CASE cl.kind"
        " WHEN 3 THEN (SELECT hlc FROM cells WHERE id = cl.ref)"
        " WHEN 6 THEN (SELECT at FROM submissions WHERE id = cl.ref) END"
        " FROM changelog cl WHERE cl.seq = ?", "reading the change stream");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, (int64_t) seq);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        /* FNV-1a over the position and the three numbers. */
        uint64_t h = 14695981039346656037ULL;
        int64_t parts [4] = { (int64_t) seq, sqlite3_column_int64 (st, 0),
                              sqlite3_column_int64 (st, 1), sqlite3_column_int64 (st, 2) };
        for (size_t i = 0; i < 4; i++)
            for (int b = 0; b < 8; b++) {
                h ^= (uint64_t) ((parts [i] >> (8 * b)) & 0xFF);
                h *= 1099511628211ULL;
            }
        *mark = h ? h : 1;
    }
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0
         : us_pstore_fail (self, "reading the change stream");
}
