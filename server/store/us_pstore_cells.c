/*  us_pstore_cells: cells and their conflicts. */
#include "us_pstore_sql.h"
#include "us_error.h"
#include "us_period.h"
#include "us_text.h"

#include <stdlib.h>
#include <string.h>

/* Sets *timeline to the store's timeline (meta 'timeline', raised by each
   restore, us_pstore_backup.c), read once per transaction: every cell
   written carries it. */
static int
s_timeline (us_pstore_t *self, int64_t *timeline)
{
    if (!self->timeline_known) {
        int rc = us_db_meta_int (&self->timeline, self->db, "timeline", 0);
        if (rc)
            return rc;
        self->timeline_known = true;
    }
    *timeline = self->timeline;
    return 0;
}

/* Reads a cell. The level of its last writer is read apart, by
   us_pstore_cell_writer_level: only a concurrent edit needs it, and the
   joins it takes cost every other read a third of its time. */
int
us_pstore_cell_get (us_pstore_t *self, us_pstore_cell_t *cell, int64_t unit_id,
                    int64_t ind_id, int month)
{
    sqlite3_stmt *st;
    int64_t timeline;
    memset (cell, 0, sizeof *cell);
    int rc = s_timeline (self, &timeline);
    /* A cell written earlier in the batch may still wait in the queue. */
    if (rc == 0 && us_pstore_queue_has_cell (self->queue, unit_id, ind_id, month))
        rc = us_pstore_queue_flush (self);
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
            "SELECT id, value, version, hlc, replica, author, base_version, resent, timeline"
            " FROM cells WHERE unit_id = ? AND ind_id = ? AND month = ?", "reading a cell");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int64 (st, 2, ind_id);
    sqlite3_bind_int (st, 3, month);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        cell->exists = true;
        cell->id = sqlite3_column_int64 (st, 0);
        cell->has_value = sqlite3_column_type (st, 1) != SQLITE_NULL;
        cell->value = sqlite3_column_int64 (st, 1);
        cell->version = (uint64_t) sqlite3_column_int64 (st, 2);
        cell->hlc = (uint64_t) sqlite3_column_int64 (st, 3);
        snprintf (cell->replica, sizeof cell->replica, "%s", us_db_text (st, 4));
        snprintf (cell->author, sizeof cell->author, "%s", us_db_text (st, 5));
        cell->base_version = (uint64_t) sqlite3_column_int64 (st, 6);
        cell->resent = sqlite3_column_int (st, 7) != 0;
        cell->since_restore = sqlite3_column_int64 (st, 8) == timeline;
    }
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading a cell");
}

/* Fills cell->writer_level. */
int
us_pstore_cell_writer_level (us_pstore_t *self, us_pstore_cell_t *cell)
{
    /* A writer no longer enrolled under this key (re-keyed, or "" for the
       province) counts as the province, as it always has. */
    sqlite3_stmt *st;
    cell->writer_level = 0;
    int rc = us_pstore_prep (self, &st,
        "SELECT k.level FROM replicas r JOIN units u ON u.id = r.unit_id"
        " JOIN unit_kinds k ON k.id = u.kind_id WHERE r.curve_key = ?",
        "reading the level of a cell's writer");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, cell->replica, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        cell->writer_level = sqlite3_column_int (st, 0);
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0
         : us_pstore_fail (self, "reading the level of a cell's writer");
}

/* Turns the submitted reports that an office's edit of month changes (of
   the unit and of every unit its figures roll up into) into amended ones,
   which must be submitted again; each is a state record of the chain (so
   audit verify replays it) and is stamped in the change stream. Runs for
   every delta: it walks up the tree one unit at a time (a few levels) with
   one lookup per level on submissions_open, and writes only where a report
   was submitted. A recursive CTE with RETURNING did this in one statement
   but built ephemeral tables each time: 150 us a delta, most of a merge. */
static int
s_amend (us_pstore_t *self, int64_t unit_id, int month)
{
    /* A batch writes many cells of one unit and month in a row: after the
       first, nothing of theirs is submitted any more (us_pstore_forget
       clears this at every transaction boundary and report write). */
    if (unit_id == self->amended_unit && month == self->amended_month)
        return 0;
    const int64_t cell_unit = unit_id;
    /* A month lies in a few periods of a few units: the tree's depth times
       the period kinds (month, quarter, half, year) stays far below 64. */
    struct { int64_t id, unit_id; int first; char period [US_PERIOD_TEXT]; } am [64];
    int n = 0;
    for (int depth = 0; unit_id != 0; depth++) {
        if (depth == 64)
            return us_error_set (US_ECORRUPT, "amending submissions: the unit tree has a cycle");
        sqlite3_stmt *st;
        int rc = us_pstore_prep (self, &st,
            "SELECT COALESCE (u.parent_id, 0), s.id, s.period, s.first FROM units u"
            " LEFT JOIN submissions s ON s.unit_id = u.id AND s.state = 'submitted'"
            " AND s.first <= ?2 AND s.last >= ?2 WHERE u.id = ?1", "amending submissions");
        if (rc)
            return rc;
        sqlite3_bind_int64 (st, 1, unit_id);
        sqlite3_bind_int (st, 2, month);
        int64_t parent = 0;
        int step;
        while ((step = sqlite3_step (st)) == SQLITE_ROW && n < 64) {
            parent = sqlite3_column_int64 (st, 0);
            if (sqlite3_column_type (st, 1) == SQLITE_NULL)
                continue;
            am [n].id = sqlite3_column_int64 (st, 1);
            am [n].unit_id = unit_id;
            snprintf (am [n].period, sizeof am [n].period, "%s", us_db_text (st, 2));
            am [n].first = sqlite3_column_int (st, 3);
            n++;
        }
        sqlite3_reset (st);
        if (n == 64)
            return us_error_set (US_EIO, "amending submissions: more than 64 reports hold the month");
        if (step != SQLITE_DONE)
            return us_pstore_fail (self, "amending submissions");
        unit_id = parent;
    }
    int rc = 0;
    for (int k = 0; rc == 0 && k < n; k++) {
        sqlite3_stmt *st;
        rc = us_pstore_prep (self, &st, "UPDATE submissions SET state = 'amended' WHERE id = ?",
                             "amending submissions");
        if (rc)
            return rc;
        sqlite3_bind_int64 (st, 1, am [k].id);
        rc = us_pstore_done (self, st, "amending submissions");
        char unit [US_MAX_CODE + 1], what [US_MAX_REASON];
        if (rc == 0)
            rc = us_pstore_unit_code (self, unit, sizeof unit, am [k].unit_id);
        snprintf (what, sizeof what, "%s %s", am [k].period, us_state_name (US_STATE_AMENDED));
        if (rc == 0)
            rc = us_pstore_act_record (self, US_ACT_STATE, unit, "", am [k].first, false, 0,
                                       "", what);
        if (rc == 0)
            rc = us_pstore_touch (self, US_CHANGE_SUBMISSION, am [k].id);
    }
    if (rc == 0) {
        self->amended_unit = cell_unit;
        self->amended_month = month;
    }
    return rc;
}

/* Stamps a written cell in the change stream and amends the reports it
   changes. */
static int
s_stamp (us_pstore_t *self, const us_pstore_cell_write_t *w, int64_t id)
{
    int rc = us_pstore_touch_unit (self, US_CHANGE_CELL, id, w->unit_id);
    if (rc == 0 && !w->corrected)
        rc = s_amend (self, w->unit_id, w->month);
    return rc;
}

/* Queues a new cell of the open chain's batch and stamps it. */
static int
s_put_queued (us_pstore_t *self, const us_pstore_cell_write_t *w, int64_t timeline)
{
    int64_t id;
    int rc = us_pstore_queue_cell (self, w, timeline, &id);
    return rc ? rc : s_stamp (self, w, id);
}

/* Writes the next version of a cell: an update of the row read before, or
   a new row. */
int
us_pstore_cell_put (us_pstore_t *self, const us_pstore_cell_t *before,
                    const us_pstore_cell_write_t *w)
{
    if (!us_pstore_in_transaction (self))
        return us_error_set (US_EIO, "writing a cell: the transaction was rolled back by an "
                             "earlier error");
    sqlite3_stmt *st;
    int64_t timeline, id = before->id;
    int rc = s_timeline (self, &timeline);
    /* A new cell of an open chain's batch waits with the chain's records. */
    if (rc == 0 && !before->exists && self->chain)
        return s_put_queued (self, w, timeline);
    if (rc == 0)
        rc = before->exists
        ? us_pstore_prep (self, &st,
            "UPDATE cells SET value = ?4, version = ?5, hlc = ?6, replica = ?7, author = ?8,"
            " note = ?9, corrected = ?10, base_version = ?12, resent = ?13, record = ?14,"
            " timeline = ?15 WHERE id = ?11", "writing a cell")
        : us_pstore_prep (self, &st,
            "INSERT INTO cells (unit_id, ind_id, month, value, version, hlc, replica, author,"
            " note, corrected, base_version, resent, record, timeline)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?13, ?14, ?15)",
            "writing a cell");
    if (rc)
        return rc;
    if (before->exists)
        sqlite3_bind_int64 (st, 11, before->id);
    else {
        sqlite3_bind_int64 (st, 1, w->unit_id);
        sqlite3_bind_int64 (st, 2, w->ind_id);
        sqlite3_bind_int (st, 3, w->month);
    }
    if (!w->clear)
        sqlite3_bind_int64 (st, 4, w->value);
    sqlite3_bind_int64 (st, 5, (int64_t) before->version + 1);
    sqlite3_bind_int64 (st, 6, (int64_t) w->hlc);
    sqlite3_bind_text (st, 7, w->replica, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 8, w->author, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 9, w->note ? w->note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 10, w->corrected);
    sqlite3_bind_int64 (st, 12, (int64_t) w->base_version);
    sqlite3_bind_int (st, 13, w->resent);
    sqlite3_bind_int64 (st, 14, w->record);
    sqlite3_bind_int64 (st, 15, timeline);
    rc = us_pstore_done (self, st, "writing a cell");
    if (!before->exists)
        id = sqlite3_last_insert_rowid (self->db);
    return rc ? rc : s_stamp (self, w, id);
}

/* Binds one side of a conflict at columns col (value) to col + 3 (hlc). */
static void
s_bind_side (sqlite3_stmt *st, int col, const us_pstore_side_t *side)
{
    if (!side->cleared)
        sqlite3_bind_int64 (st, col, side->value);
    sqlite3_bind_text (st, col + 1, side->replica, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, col + 2, side->author, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, col + 3, (int64_t) side->hlc);
}

/* Records a conflict and stamps it. */
int
us_pstore_conflict_add (us_pstore_t *self, const us_pstore_conflict_t *c)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO conflicts (unit_id, ind_id, month, winner_value, winner_replica,"
        " winner_author, winner_hlc, loser_value, loser_replica, loser_author, loser_hlc,"
        " rule, at, resolved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "recording a conflict");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, c->unit_id);
    sqlite3_bind_int64 (st, 2, c->ind_id);
    sqlite3_bind_int (st, 3, c->month);
    s_bind_side (st, 4, &c->winner);
    s_bind_side (st, 8, &c->loser);
    sqlite3_bind_text (st, 12, c->rule, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 13, (int64_t) c->at);
    sqlite3_bind_int (st, 14, c->resolved);
    rc = us_pstore_done (self, st, "recording a conflict");
    return rc ? rc : us_pstore_touch (self, US_CHANGE_CONFLICT, sqlite3_last_insert_rowid (self->db));
}

/* Prints a value that may be NULL (cleared). */
static void
s_print_value (FILE *out, sqlite3_stmt *st, int col, bool json)
{
    if (sqlite3_column_type (st, col) == SQLITE_NULL)
        fputs (json ? "null" : "(cleared)", out);
    else
        fprintf (out, "%lld", (long long) sqlite3_column_int64 (st, col));
}

/* Prints the conflicts table as text or JSON. */
int
us_pstore_conflicts_print (us_pstore_t *self, FILE *out, bool json)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT c.id, u.code, i.code, c.month, c.winner_value, c.winner_author,"
        " c.loser_value, c.loser_author, c.rule, c.at, c.resolved,"
        " COALESCE (wr.name, ''), COALESCE (lr.name, '')"
        " FROM conflicts c JOIN units u ON u.id = c.unit_id"
        " JOIN indicators i ON i.id = c.ind_id"
        " LEFT JOIN replicas wr ON wr.curve_key = c.winner_replica"
        " LEFT JOIN replicas lr ON lr.curve_key = c.loser_replica ORDER BY c.id");
    if (rc)
        return us_error_set (rc, "reading conflicts: %s", us_error_msg ());
    if (json)
        fputs ("[", out);
    else
        fprintf (out, "%-4s %-22s %-20s %-8s %-26s %-26s %s\n", "id", "unit", "indicator",
                 "month", "winner (author)", "loser (author)", "rule");
    int n = 0, step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        char month [8];
        us_month_format (month, sqlite3_column_int (st, 3));
        if (json) {
            fprintf (out, "%s{\"id\":%lld,\"unit\":", n ? "," : "",
                     (long long) sqlite3_column_int64 (st, 0));
            us_text_json (out, us_db_text (st, 1));
            fprintf (out, ",\"indicator\":");
            us_text_json (out, us_db_text (st, 2));
            fprintf (out, ",\"month\":\"%s\",\"winner_value\":", month);
            s_print_value (out, st, 4, true);
            fputs (",\"winner_author\":", out);
            us_text_json (out, us_db_text (st, 5));
            fputs (",\"winner_replica\":", out);
            us_text_json (out, us_db_text (st, 11));
            fputs (",\"loser_value\":", out);
            s_print_value (out, st, 6, true);
            fputs (",\"loser_author\":", out);
            us_text_json (out, us_db_text (st, 7));
            fputs (",\"loser_replica\":", out);
            us_text_json (out, us_db_text (st, 12));
            fputs (",\"rule\":", out);
            us_text_json (out, us_db_text (st, 8));
            fprintf (out, ",\"resolved\":%s}", sqlite3_column_int (st, 10) ? "true" : "false");
        }
        else {
            /* Authors come from the wire: escaped for the terminal. */
            char win [400], lose [400], wa [US_TEXT_SAFE (US_MAX_CODE)];
            char la [US_TEXT_SAFE (US_MAX_CODE)], rule [US_TEXT_SAFE (US_MAX_CODE)];
            snprintf (win, sizeof win, "%s (%s)", sqlite3_column_type (st, 4) == SQLITE_NULL
                      ? "cleared" : us_db_text (st, 4), us_text_safe (wa, sizeof wa,
                                                                      us_db_text (st, 5)));
            snprintf (lose, sizeof lose, "%s (%s)", sqlite3_column_type (st, 6) == SQLITE_NULL
                      ? "cleared" : us_db_text (st, 6), us_text_safe (la, sizeof la,
                                                                      us_db_text (st, 7)));
            fprintf (out, "%-4lld %-22s %-20s %-8s %-26s %-26s %s\n",
                     (long long) sqlite3_column_int64 (st, 0), us_db_text (st, 1),
                     us_db_text (st, 2), month, win, lose,
                     us_text_safe (rule, sizeof rule, us_db_text (st, 8)));
        }
        n++;
    }
    rc = step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading conflicts");
    sqlite3_finalize (st);
    if (rc)
        return rc;
    if (json)
        fputs ("]\n", out);
    else
    if (n == 0)
        fputs ("no conflicts\n", out);
    return 0;
}

/* Marks the open conflicts of a cell as resolved (inside a transaction). */
int
us_pstore_conflicts_resolve (us_pstore_t *self, int *count, const char *unit, int month,
                             const char *indicator)
{
    sqlite3_stmt *st;
    *count = 0;
    int rc = us_db_prepare (&st, self->db,
        "UPDATE conflicts SET resolved = 1 WHERE resolved = 0 AND month = ?"
        " AND unit_id = (SELECT id FROM units WHERE code = ?)"
        " AND ind_id = (SELECT id FROM indicators WHERE code = ?) RETURNING id");
    if (rc)
        return us_error_set (rc, "resolving conflicts: %s", us_error_msg ());
    sqlite3_bind_int (st, 1, month);
    sqlite3_bind_text (st, 2, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 3, indicator, -1, SQLITE_STATIC);
    int64_t *ids = NULL;
    int n = 0, cap = 0, step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *grown = realloc (ids, (size_t) cap * sizeof *ids);
            if (!grown) {
                step = SQLITE_NOMEM;
                break;
            }
            ids = grown;
        }
        ids [n++] = sqlite3_column_int64 (st, 0);
    }
    rc = step == SQLITE_DONE ? 0 : step == SQLITE_NOMEM
       ? us_error_set (US_ENOMEM, "out of memory") : us_pstore_fail (self, "resolving conflicts");
    sqlite3_finalize (st);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = us_pstore_touch (self, US_CHANGE_CONFLICT, ids [i]);
    free (ids);
    *count = n;
    return rc;
}
