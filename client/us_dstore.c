/*  us_dstore: a district office's store. */
#include "us_dstore.h"
#include "us_dstore_schema.h"
#include "us_dstore_schedules.h"
#include "us_catalog.h"
#include "us_csv.h"
#include "us_db.h"
#include "us_error.h"
#include "us_calendar.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_limits.h"
#include "us_period.h"
#include "us_dstore_report.h"
#include "us_print.h"
#include "us_stmts.h"
#include "us_text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLOCK_WARN_MS (5 * 60 * 1000)
#define US_CLOCK_AHEAD_MS (10 * 60 * 1000)    /* the server's clamp */

/* A batch handed out for sending: its deltas and, one after another, their
   strings. Kept and reused, so a sync allocates nothing per delta. */
typedef struct {
    us_delta_t *deltas;
    size_t *offsets;                /* unit, indicator, author, note of each */
    size_t cap;                     /* deltas there is room for */
    char *text;
    size_t text_len, text_cap;
} s_batch_t;

struct _us_dstore_t {
    sqlite3 *db;
    us_stmts_t *stmts;              /* the statements of edits and sync */
    char *key_path;
    char unit [65];
    char server [256];
    char server_key [41];
    s_batch_t batches [US_DSTORE_IN_FLIGHT];  /* the last batches handed out */
    int next_batch;                 /* the one the next call reuses */
    bool in_batch;                  /* inside us_dstore_begin(): edits join it */
    char incarnation [72];          /* the province's, as the last Hello told it */
};

/* The counters of the store's state row: read and written on every edit
   and sync, so each goes through the statement cache. */
typedef enum {
    S_EPOCH, S_LAST_SEQ, S_CHECKPOINT, S_HLC, S_CLOCK_OFFSET, S_LAST_SYNC_MS, S_MARK,
    S_COUNTERS
} s_counter_t;

static const char *s_counter_get [S_COUNTERS] = {
    "SELECT epoch FROM state", "SELECT last_seq FROM state", "SELECT checkpoint FROM state",
    "SELECT hlc FROM state", "SELECT clock_offset_ms FROM state",
    "SELECT last_sync_ms FROM state", "SELECT checkpoint_mark FROM state" };
static const char *s_counter_set [S_COUNTERS] = {
    "UPDATE state SET epoch = ?", "UPDATE state SET last_seq = ?",
    "UPDATE state SET checkpoint = ?", "UPDATE state SET hlc = ?",
    "UPDATE state SET clock_offset_ms = ?", "UPDATE state SET last_sync_ms = ?",
    "UPDATE state SET checkpoint_mark = ?" };

/* Reads one counter of the state row. */
static int
s_get (us_dstore_t *self, s_counter_t which, int64_t *value)
{
    *value = 0;
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts, s_counter_get [which]);
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    *value = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
    rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE
       ? us_error_set (US_ECORRUPT, "the store has lost its state row")
       : us_db_error (self->db, "state");
    sqlite3_reset (st);
    return rc;
}

/* Writes one counter of the state row (inside the caller's transaction). */
static int
s_put (us_dstore_t *self, s_counter_t which, int64_t value)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts, s_counter_set [which]);
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, value);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "state");
    sqlite3_reset (st);
    return rc;
}

/*  ----------------------------------------------------------------------
    Opening and creating
    ---------------------------------------------------------------------- */

/* Reads the store's settings into the struct. */
static int
s_load_meta (us_dstore_t *self)
{
    int rc = us_db_meta_get (self->unit, sizeof self->unit, self->db, "unit");
    if (rc == 0)
        rc = us_db_meta_get (self->server, sizeof self->server, self->db, "server");
    if (rc == 0)
        rc = us_db_meta_get (self->server_key, sizeof self->server_key, self->db, "server_key");
    return rc;
}

/* Allocates a store around an open handle. */
static int
s_wrap (us_dstore_t **self_p, sqlite3 *db, const char *path)
{
    us_dstore_t *self = calloc (1, sizeof *self);
    if (!self || !(self->key_path = us_keys_path (path)) || !(self->stmts = us_stmts_new (db))) {
        if (self)
            free (self->key_path);
        free (self);
        sqlite3_close (db);
        return us_error_set (US_ENOMEM, "out of memory");
    }
    self->db = db;
    *self_p = self;
    return 0;
}

/* Writes the built-in catalog into the mirror. */
static int
s_seed_catalog (sqlite3 *db)
{
    us_catalog_t *cat;
    int rc = us_catalog_default (&cat);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_db_prepare (&st, db,
        "INSERT INTO indicators (code, name, kind, numerator, denominator, policy, rule, position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; rc == 0 && i < cat->count; i++) {
        const us_indicator_t *ind = &cat->items [i];
        sqlite3_bind_text (st, 1, ind->code, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 2, ind->name, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 3, us_kind_name (ind->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 4, ind->numerator, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 5, ind->denominator, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 6, ind->policy, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 7, ind->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 8, (int) i);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (db, "catalog");
        sqlite3_reset (st);
    }
    sqlite3_finalize (st);
    us_catalog_destroy (&cat);
    return rc;
}

/* Checks a server endpoint: tcp://HOST:PORT. */
static int
s_check_server (const char *server)
{
    const char *colon = strrchr (server, ':');
    if (strlen (server) >= 250 || strncmp (server, "tcp://", 6) != 0 || !colon
    ||  colon < server + 7 || !colon [1] || strspn (colon + 1, "0123456789") != strlen (colon + 1))
        return us_error_set (US_EINVAL, "bad server endpoint '%.60s' (use tcp://HOST:PORT)", server);
    return 0;
}

/* Creates a store at path for unit. */
int
us_dstore_create (us_dstore_t **self_p, const char *path, const char *unit,
                  const char *server, const char *server_key)
{
    *self_p = NULL;
    char z85 [41];
    uint8_t sign [32];
    bool has_sign;
    if (!us_text_code_valid (unit))
        return us_error_set (US_EINVAL, "bad unit id '%.64s'", unit);
    int rc = s_check_server (server);
    if (rc == 0)
        rc = us_keys_parse_token (z85, sign, &has_sign, server_key);
    if (rc)
        return rc;
    sqlite3 *db;
    rc = us_db_open (&db, path, true, US_APP_CLIENT);
    if (rc)
        return rc;
    rc = s_wrap (self_p, db, path);
    if (rc)
        return rc;
    rc = us_dstore_schema_create (db);
    if (rc == 0) rc = us_db_begin (db);
    if (rc == 0) rc = us_db_meta_set (db, "unit", unit);
    if (rc == 0) rc = us_db_meta_set (db, "server", server);
    if (rc == 0) rc = us_db_meta_set (db, "server_key", z85);
    if (rc == 0) rc = s_seed_catalog (db);
    if (rc == 0) {
        /* The office's own unit, named properly once the tree arrives. */
        sqlite3_stmt *st;
        rc = us_db_prepare (&st, db, "INSERT INTO units (code, name, kind) VALUES (?, ?, 'district')");
        if (rc == 0) {
            sqlite3_bind_text (st, 1, unit, -1, SQLITE_STATIC);
            sqlite3_bind_text (st, 2, unit, -1, SQLITE_STATIC);
            rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (db, "units");
            sqlite3_finalize (st);
        }
    }
    if (rc == 0)
        rc = us_db_commit (db);
    if (rc == 0)
        rc = s_load_meta (*self_p);
    if (rc) {
        us_dstore_destroy (self_p);
        remove (path);
    }
    return rc;
}

/* Opens an existing store. */
int
us_dstore_open (us_dstore_t **self_p, const char *path)
{
    *self_p = NULL;
    sqlite3 *db;
    int rc = us_db_open (&db, path, false, US_APP_CLIENT);
    if (rc)
        return rc;
    rc = s_wrap (self_p, db, path);
    if (rc)
        return rc;
    rc = us_dstore_schema_upgrade (db, path);
    if (rc == 0)
        rc = s_load_meta (*self_p);
    if (rc) {
        if (rc != US_ECORRUPT)
            rc = us_error_set (US_ECORRUPT, "cannot read store %s: %s", path, us_error_msg ());
        us_dstore_destroy (self_p);
    }
    return rc;
}

/* Frees the batches handed out. */
static void
s_batch_free (us_dstore_t *self)
{
    for (int i = 0; i < US_DSTORE_IN_FLIGHT; i++) {
        s_batch_t *b = &self->batches [i];
        free (b->deltas);
        free (b->offsets);
        free (b->text);
        memset (b, 0, sizeof *b);
    }
}

/* Closes the store and nulls the pointer; safe on NULL. */
void
us_dstore_destroy (us_dstore_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    us_dstore_t *self = *self_p;
    s_batch_free (self);
    us_stmts_destroy (&self->stmts);
    us_db_close (&self->db);
    free (self->key_path);
    free (self);
    *self_p = NULL;
}

/* Returns the SQLite handle. */
sqlite3 *us_dstore_db (us_dstore_t *self) { return self->db; }

/* Returns the key file path. */
const char *us_dstore_key_path (us_dstore_t *self) { return self->key_path; }

/* Returns the office's unit. */
const char *us_dstore_unit (us_dstore_t *self) { return self->unit; }

/* Returns the server endpoint. */
const char *us_dstore_server (us_dstore_t *self) { return self->server; }

/* Returns the server's CURVE key (Z85). */
const char *us_dstore_server_key (us_dstore_t *self) { return self->server_key; }

/*  ----------------------------------------------------------------------
    Edits
    ---------------------------------------------------------------------- */

/* Looks up a unit id by code; returns 0 or US_ENOTFOUND. */
static int
s_unit_id (us_dstore_t *self, int64_t *id, const char *code)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts, "SELECT id FROM units WHERE code = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? US_ENOTFOUND : us_db_error (self->db, "units");
    if (rc == 0)
        *id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Returns true when unit id is the office's unit or below it. */
static bool
s_in_scope (us_dstore_t *self, int64_t id)
{
    int64_t root;
    if (s_unit_id (self, &root, self->unit) != 0)
        return false;
    sqlite3_stmt *st;
    if (us_stmts_get (&st, self->stmts, "SELECT parent_id FROM units WHERE id = ?") != 0)
        return false;
    bool in = false;
    for (int depth = 0; depth < 64 && id > 0 && !in; depth++) {
        in = id == root;
        sqlite3_bind_int64 (st, 1, id);
        id = sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
        sqlite3_reset (st);
    }
    sqlite3_reset (st);
    return in;
}

/* Sets *locked when the month of a unit lies in a period the province
   approved for it or a unit above it (an approval freezes what rolls up),
   as far as this office has heard; names the period. */
static int
s_locked (us_dstore_t *self, bool *locked, char *period, size_t size, int64_t unit_id,
          int month)
{
    sqlite3_stmt *st;
    *locked = false;
    int rc = us_stmts_get (&st, self->stmts,
        "WITH RECURSIVE up (id) AS (SELECT ?1 UNION ALL"
        "  SELECT u.parent_id FROM units u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL)"
        " SELECT s.period FROM submissions s JOIN up ON s.unit_id = up.id"
        " WHERE s.state = 'approved' AND s.first <= ?2 AND s.last >= ?3 LIMIT 1");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    sqlite3_bind_int (st, 2, month);
    sqlite3_bind_int (st, 3, month);
    int step = sqlite3_step (st);
    *locked = step == SQLITE_ROW;
    if (*locked)
        snprintf (period, size, "%s", us_db_text (st, 0));
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (self->db, "submissions");
}

/* A checked edit, ready to store. */
typedef struct {
    char unit [65];
    char indicator [65];
    int month;
    bool clear;
    int64_t value;
    int64_t unit_id, ind_id;
} s_edit_t;

/* Writes why an ended unit takes no later figures: its last month and
   its successor (with its name when the office holds it). */
static void
s_ended_text (char *buf, size_t len, const char *code, const char *to, const char *next,
              const char *name)
{
    snprintf (buf, len, "unit %s ended in %s%s%s%s%s%s", code, to,
              *next ? (strchr (next, '=') ? "; its successors are " : "; its successor is ") : "",
              next, *name ? " (" : "", name, *name ? ")" : "");
}

/* Refuses an edit of a month outside the unit's validity, as last pulled;
   an ended unit's reason names its successor. */
static int
s_check_valid (us_dstore_t *self, int64_t unit_id, int month)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "SELECT u.code, u.valid_from, u.valid_to, u.successor, COALESCE (s.name, '')"
        " FROM units u LEFT JOIN units s ON s.code = u.successor WHERE u.id = ?");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, unit_id);
    if (sqlite3_step (st) != SQLITE_ROW) {
        sqlite3_reset (st);
        return us_db_error (self->db, "units");
    }
    int from = -1, to = -1;
    if (*us_db_text (st, 1) && us_month_parse (&from, us_db_text (st, 1)) != 0)
        from = -1;
    if (*us_db_text (st, 2) && us_month_parse (&to, us_db_text (st, 2)) != 0)
        to = -1;
    us_error_clear ();
    const char *code = us_db_text (st, 0), *next = us_db_text (st, 3), *name = us_db_text (st, 4);
    char why [US_MAX_NAME * 3];
    if (to >= 0 && month > to) {
        s_ended_text (why, sizeof why, code, us_db_text (st, 2), next, name);
        rc = us_error_set (US_EINVAL, "%s", why);
    }
    else
    if (from >= 0 && month < from)
        rc = us_error_set (US_EINVAL, "unit %s starts only in %s", code, us_db_text (st, 1));
    sqlite3_reset (st);
    return rc;
}

/* Checks an edit against the unit tree and the catalog mirror. */
static int
s_check_edit (us_dstore_t *self, s_edit_t *e, const char *unit, const char *month,
              const char *indicator, const char *value)
{
    memset (e, 0, sizeof *e);
    if (us_month_parse (&e->month, month) != 0)
        return US_EINVAL;
    int found_unit = us_text_code_valid (unit) ? s_unit_id (self, &e->unit_id, unit) : US_ENOTFOUND;
    if (found_unit == US_ENOTFOUND)
        return us_error_set (US_EINVAL, "unknown unit '%.64s'", unit);
    if (found_unit)
        return found_unit;
    if (!s_in_scope (self, e->unit_id))
        return us_error_set (US_EINVAL, "unit %s is outside this office (%s)", unit, self->unit);
    int rc = s_check_valid (self, e->unit_id, e->month);
    if (rc)
        return rc;
    char period [US_PERIOD_TEXT];
    bool locked;
    rc = s_locked (self, &locked, period, sizeof period, e->unit_id, e->month);
    if (rc)
        return rc;
    if (locked)
        return us_error_set (US_EINVAL, "locked: %s of %s was approved by the province", period, unit);
    sqlite3_stmt *st;
    rc = us_stmts_get (&st, self->stmts, "SELECT id, kind FROM indicators WHERE code = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, indicator, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    bool found = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        sqlite3_reset (st);
        return us_db_error (self->db, "indicators");
    }
    int computed = found ? us_catalog_entry_check (indicator, us_db_text (st, 1)) : 0;
    if (found)
        e->ind_id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    if (!found)
        return us_error_set (US_EINVAL, "unknown indicator '%.64s'", indicator);
    if (computed)
        return computed;
    if (value) {
        if (us_text_parse_int (&e->value, value) != 0)
            return us_error_set (US_EINVAL, "value '%.40s' is not a whole number", value);
        if (e->value < 0)
            return us_error_set (US_EINVAL, "%s cannot be negative (%s)", indicator, value);
        if (e->value > US_VALUE_MAX)
            return us_error_set (US_EINVAL, "%s is too large (%s)", indicator, value);
    }
    else
        e->clear = true;
    snprintf (e->unit, sizeof e->unit, "%s", unit);
    snprintf (e->indicator, sizeof e->indicator, "%s", indicator);
    return 0;
}

/* Returns a new HLC timestamp and saves the clock (inside a transaction). */
static int
s_tick (us_dstore_t *self, uint64_t *ts)
{
    int64_t last, offset;
    int rc = s_get (self, S_HLC, &last);
    if (rc == 0)
        rc = s_get (self, S_CLOCK_OFFSET, &offset);
    if (rc)
        return rc;
    us_hlc_t clock = { (uint64_t) last, offset };
    *ts = us_hlc_tick (&clock, us_hlc_wall_ms ());
    return s_put (self, S_HLC, (int64_t) *ts);
}

/* Stores a checked edit: outbox row plus the office's view (in a transaction). */
static int
s_store_edit (us_dstore_t *self, const s_edit_t *e, const char *note, const char *author)
{
    /* SQLite rolls a transaction back by itself on some errors; an edit
       must never be written outside the transaction it belongs to. */
    if (sqlite3_get_autocommit (self->db))
        return us_error_set (US_EIO, "the transaction was rolled back by an earlier error");
    int64_t epoch, seq;
    uint64_t hlc;
    int rc = s_get (self, S_EPOCH, &epoch);
    if (rc == 0) rc = s_get (self, S_LAST_SEQ, &seq);
    if (rc == 0) rc = s_tick (self, &hlc);
    if (rc == 0) rc = s_put (self, S_LAST_SEQ, ++seq);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO outbox (seq, epoch, unit, indicator, month, value, hlc, base_version,"
        " author, note, at) VALUES (?, ?, ?, ?, ?, ?, ?,"
        " COALESCE ((SELECT version FROM cells WHERE unit_id = ? AND ind_id = ? AND month = ?), 0),"
        " ?, ?, ?)");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, seq);
    sqlite3_bind_int64 (st, 2, epoch);
    sqlite3_bind_text (st, 3, e->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 4, e->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 5, e->month);
    if (!e->clear)
        sqlite3_bind_int64 (st, 6, e->value);
    sqlite3_bind_int64 (st, 7, (int64_t) hlc);
    sqlite3_bind_int64 (st, 8, e->unit_id);
    sqlite3_bind_int64 (st, 9, e->ind_id);
    sqlite3_bind_int (st, 10, e->month);
    sqlite3_bind_text (st, 11, author, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 12, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 13, us_hlc_wall_ms ());
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "outbox");
    sqlite3_reset (st);
    if (rc)
        return rc;
    rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO cells (unit_id, ind_id, month, value, author, note, corrected)"
        " VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (unit_id, ind_id, month) DO UPDATE SET"
        " value = excluded.value, author = excluded.author, note = excluded.note, corrected = 0");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, e->unit_id);
    sqlite3_bind_int64 (st, 2, e->ind_id);
    sqlite3_bind_int (st, 3, e->month);
    if (!e->clear)
        sqlite3_bind_int64 (st, 4, e->value);
    sqlite3_bind_text (st, 5, author, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 6, note ? note : "", -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "cells");
    sqlite3_reset (st);
    return rc;
}

/* Checks a note and an author. */
static int
s_check_text (const char *note, const char *author)
{
    if (note && (strlen (note) > US_MAX_NOTE || !us_text_utf8_valid_lines (note)))
        return us_error_set (US_EINVAL, "note too long or not UTF-8");
    if (!author || !*author || strlen (author) > US_MAX_CODE || !us_text_utf8_valid (author))
        return us_error_set (US_EINVAL, "author name missing, too long or not UTF-8");
    return 0;
}

/* Turns the office's submitted reports whose period holds month into
   amended ones: the edit changed what was submitted, so it must be
   submitted again. */
static int
s_amend (us_dstore_t *self, int month)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "SELECT period FROM pending_submits WHERE state = 'submitted'");
    if (rc)
        return rc;
    char periods [16][US_PERIOD_TEXT];
    int n = 0, step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        us_period_t p;
        if (n < 16 && us_period_parse (&p, us_db_text (st, 0)) == 0
        &&  p.first <= month && month <= p.last)
            snprintf (periods [n++], US_PERIOD_TEXT, "%s", p.text);
    }
    sqlite3_reset (st);
    if (step != SQLITE_DONE)
        return us_db_error (self->db, "submissions");
    for (int k = 0; rc == 0 && k < n; k++) {
        rc = us_stmts_get (&st, self->stmts,
            "UPDATE pending_submits SET state = 'amended', reason = '' WHERE period = ?");
        if (rc == 0) {
            sqlite3_bind_text (st, 1, periods [k], -1, SQLITE_STATIC);
            rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "submissions");
            sqlite3_reset (st);
        }
    }
    return rc;
}

/* Records an edit of one figure. */
int
us_dstore_set (us_dstore_t *self, const char *unit, const char *month,
               const char *indicator, const char *value, const char *note,
               const char *author)
{
    s_edit_t e;
    int rc = s_check_text (note, author);
    if (rc == 0)
        rc = s_check_edit (self, &e, unit, month, indicator, value);
    if (rc)
        return rc;
    /* Inside us_dstore_begin() the edit joins the caller's transaction. */
    bool own = !self->in_batch;
    rc = own ? us_db_begin (self->db) : 0;
    if (rc == 0)
        rc = s_store_edit (self, &e, note, author);
    if (rc == 0)
        rc = s_amend (self, e.month);
    if (rc == 0 && own)
        rc = us_db_commit (self->db);
    if (rc && own)
        us_db_rollback (self->db);
    return rc;
}

/* Checks the catalog's rules on the figures of unit in period. */
int
us_dstore_check_rules (us_dstore_t *self, char *msg, size_t size, const char *unit,
                       const char *period)
{
    us_report_t *report;
    int rc = us_dstore_report_build (&report, self->db, period, self->unit);
    if (rc)
        return rc;
    rc = us_report_check_rules (msg, size, report, unit);
    us_report_destroy (&report);
    return rc;
}

/* Checks that submitting the office's unit for a period means something:
   the period has ended (Vietnam's time), it has figures or nil says it has
   none, and the rules hold. */
static int
s_submit_check (us_dstore_t *self, const us_period_t *p, bool nil)
{
    if (us_calendar_in_future (p, us_calendar_now_ms ()))
        return us_error_set (US_EINVAL, "cannot submit %s: it has not ended yet", p->text);
    us_report_t *report;
    int rc = us_dstore_report_build (&report, self->db, p->text, self->unit);
    if (rc)
        return rc;
    bool figures = us_report_has_figures (report, 0);
    char broken [256];
    if (!figures && !nil)
        rc = us_error_set (US_EINVAL, "cannot submit %s: no figure was entered for it (submit "
                           "--nil when there is nothing to report)", p->text);
    else
    if (figures && nil)
        rc = us_error_set (US_EINVAL, "cannot submit %s as nil: it has figures", p->text);
    else
    if (us_report_check_rules (broken, sizeof broken, report, self->unit) != 0)
        rc = us_error_set (US_EINVAL, "cannot submit %s: %s", p->text, broken);
    us_report_destroy (&report);
    return rc;
}

/* Queues the submission of the office's unit for a period. */
int
us_dstore_submit (us_dstore_t *self, const char *period)
{
    return us_dstore_submit_as (self, period, false);
}

/* Queues a submission, nil or not, of the office's unit for a period. */
int
us_dstore_submit_as (us_dstore_t *self, const char *period, bool nil)
{
    us_period_t p;
    int rc = us_period_parse (&p, period);
    if (rc == 0)
        rc = s_submit_check (self, &p, nil);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_db_prepare (&st, self->db,
        "INSERT INTO pending_submits (period, at, nil) VALUES (?, ?, ?) ON CONFLICT (period)"
        " DO UPDATE SET at = excluded.at, state = 'queued', reason = '', nil = excluded.nil");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, p.text, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 2, us_hlc_wall_ms ());
    sqlite3_bind_int (st, 3, nil);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "submit");
    sqlite3_finalize (st);
    return rc;
}

/*  ----------------------------------------------------------------------
    Sync support
    ---------------------------------------------------------------------- */

/* Runs a query with one optional integer parameter that returns one
   integer into *value (0 when it returns no row). */
static int
s_query_int (us_dstore_t *self, int64_t *value, const char *sql, int64_t param)
{
    *value = 0;
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts, sql);
    if (rc)
        return rc;
    if (sqlite3_bind_parameter_count (st) > 0)
        sqlite3_bind_int64 (st, 1, param);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        *value = sqlite3_column_int64 (st, 0);
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (self->db, "state");
    sqlite3_reset (st);
    return rc;
}

/* Runs a query that returns one text into buf ("" when none). */
static int
s_query_text (us_dstore_t *self, char *buf, size_t size, const char *sql)
{
    buf [0] = 0;
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts, sql);
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        snprintf (buf, size, "%s", us_db_text (st, 0));
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (self->db, "state");
    sqlite3_reset (st);
    return rc;
}

/* Fills a Hello from the store's state. */
int
us_dstore_hello (us_dstore_t *self, us_hello_t *hello)
{
    int64_t epoch, seq, cp, hlc, mark;
    int rc = s_get (self, S_EPOCH, &epoch);
    if (rc == 0) rc = s_get (self, S_LAST_SEQ, &seq);
    if (rc == 0) rc = s_get (self, S_CHECKPOINT, &cp);
    if (rc == 0) rc = s_get (self, S_HLC, &hlc);
    if (rc == 0) rc = s_get (self, S_MARK, &mark);
    if (rc)
        return rc;
    hello->checkpoint_mark = (uint64_t) mark;
    hello->epoch = (uint32_t) epoch;
    hello->last_seq = (uint64_t) seq;
    hello->checkpoint = (uint64_t) cp;
    hello->hlc = (uint64_t) hlc;
    /* What the office saw, so that a province put back by hand notices. */
    rc = us_dstore_acked (self, hello->epoch, &hello->acked);
    if (rc == 0)
        rc = s_query_text (self, self->incarnation, sizeof self->incarnation,
                           "SELECT incarnation FROM state");
    hello->incarnation = self->incarnation;
    return rc;
}

/* Starts epoch server_epoch + 1: the unacknowledged edits get fresh
   identities so none is taken for another edit's duplicate (inside a
   transaction). Edits sent again after a province's restore keep theirs. */
static int
s_new_epoch (us_dstore_t *self, uint32_t server_epoch)
{
    int64_t fresh = (int64_t) server_epoch + 1, top = 0;
    sqlite3_stmt *st;
    int rc = us_db_exec (self->db,
        "CREATE TEMP TABLE renumber AS SELECT rowid AS rid FROM outbox WHERE resent = 0"
        " ORDER BY epoch, seq;");
    /* Negative first, under the fresh epoch no other row has, so that no
       two rows ever share (epoch, seq). */
    if (rc == 0)
        rc = us_stmts_get (&st, self->stmts,
            "UPDATE outbox SET epoch = ?, seq = -(SELECT r.rowid FROM renumber r"
            " WHERE r.rid = outbox.rowid) WHERE resent = 0");
    if (rc == 0) {
        sqlite3_bind_int64 (st, 1, fresh);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "outbox");
        sqlite3_reset (st);
    }
    if (rc == 0)
        rc = us_db_exec (self->db, "UPDATE outbox SET seq = -seq WHERE seq < 0;"
                                   "DROP TABLE renumber;");
    if (rc == 0)
        rc = us_stmts_get (&st, self->stmts,
                           "SELECT COALESCE (MAX (seq), 0) FROM outbox WHERE resent = 0");
    if (rc == 0) {
        if (sqlite3_step (st) == SQLITE_ROW)
            top = sqlite3_column_int64 (st, 0);
        sqlite3_reset (st);
    }
    if (rc == 0) rc = s_put (self, S_EPOCH, fresh);
    if (rc == 0) rc = s_put (self, S_LAST_SEQ, top);
    return rc;
}

/* Starts a new epoch after the server found a sequence reused. */
int
us_dstore_new_epoch (us_dstore_t *self, us_sync_stats_t *stats, uint32_t server_epoch)
{
    int rc = us_db_begin (self->db);
    if (rc == 0)
        rc = s_new_epoch (self, server_epoch);
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc)
        us_db_rollback (self->db);
    else
        stats->new_epoch = true;
    return rc;
}

/* Whether the province went back in time (restored from a backup, or
   put back by hand): its incarnation changed, its change stream is behind
   our checkpoint, or it holds fewer of our edits of this epoch than it
   acknowledged, or it knows an older epoch than ours while we hold
   acknowledged edits of ours. */
static int
s_went_back (us_dstore_t *self, bool *back, const us_welcome_t *w, int64_t epoch)
{
    int64_t cp = 0, acked = 0, newer = 0;
    int rc = s_get (self, S_CHECKPOINT, &cp);
    if (rc == 0)
        rc = s_query_int (self, &acked, "SELECT COALESCE (MAX (seq), 0) FROM history"
                          " WHERE epoch = ?", (int64_t) w->epoch);
    if (rc == 0)
        rc = s_query_int (self, &newer, "SELECT COUNT(*) FROM history WHERE epoch > ?",
                          (int64_t) w->epoch);
    const char *inc = w->incarnation ? w->incarnation : "";
    *back = (*self->incarnation && *inc && strcmp (self->incarnation, inc) != 0)
         || w->head < (uint64_t) cp
         || ((int64_t) w->epoch == epoch && w->high_water < (uint64_t) acked)
         || ((int64_t) w->epoch < epoch && newer > 0);
    return rc;
}

/* Heals the office after the province went back in time (inside the
   Welcome's transaction): the acknowledged edits the province may have
   lost go back into the outbox with their original identity, marked
   resent, so the province's exactly-once bookkeeping stays right, and the
   scope is pulled again from the start. Those are the edits of the
   Welcome's epoch above its high water and every edit of the other
   epochs (the Welcome tells one epoch's high water only, so an earlier
   epoch's are all sent again and the province answers those it holds as
   repeats). Remembers the incarnation. Costs one pass over the history. */
static int
s_province_went_back (us_dstore_t *self, us_sync_stats_t *stats, const us_welcome_t *w,
                      int64_t epoch)
{
    bool back = false;
    int rc = s_went_back (self, &back, w, epoch);
    if (rc == 0 && back) {
        sqlite3_stmt *st;
        rc = us_stmts_get (&st, self->stmts,
            "INSERT OR IGNORE INTO outbox (seq, epoch, unit, indicator, month, value, hlc,"
            " base_version, author, note, at, resent)"
            " SELECT seq, epoch, unit, indicator, month, value, hlc, base_version, author,"
            " COALESCE (note, ''), at, 1 FROM history"
            " WHERE (epoch <> ?1 OR seq > ?2) AND hlc IS NOT NULL AND author IS NOT NULL"
            " AND base_version IS NOT NULL");
        if (rc == 0) {
            sqlite3_bind_int64 (st, 1, (int64_t) w->epoch);
            sqlite3_bind_int64 (st, 2, (int64_t) w->high_water);
            rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "outbox");
            stats->resent = rc == 0 ? (size_t) sqlite3_changes (self->db) : 0;
            sqlite3_reset (st);
        }
        /* The answer to the re-sent edit is recorded afresh when it comes. */
        if (rc == 0)
            rc = us_db_exec (self->db, "DELETE FROM history WHERE (epoch, seq) IN"
                             " (SELECT epoch, seq FROM outbox WHERE resent = 1)");
        /* The mirror is pulled again whole: a figure the province no longer
           holds, and no edit here is sending again, must not stay in it. */
        if (rc == 0)
            rc = us_db_exec (self->db, "DELETE FROM cells WHERE NOT EXISTS (SELECT 1 FROM"
                             " outbox o JOIN units u ON u.code = o.unit JOIN indicators i"
                             " ON i.code = o.indicator WHERE u.id = cells.unit_id"
                             " AND i.id = cells.ind_id AND o.month = cells.month)");
        if (rc == 0)
            rc = s_put (self, S_CHECKPOINT, 0);
        stats->went_back = rc == 0;
    }
    const char *inc = w->incarnation ? w->incarnation : "";
    if (rc == 0 && *inc && strcmp (inc, self->incarnation) != 0) {
        sqlite3_stmt *st;
        rc = us_stmts_get (&st, self->stmts, "UPDATE state SET incarnation = ?");
        if (rc == 0) {
            sqlite3_bind_text (st, 1, inc, -1, SQLITE_STATIC);
            rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "state");
            sqlite3_reset (st);
        }
    }
    return rc;
}

/* Renames unit old to code in every table that names it (inside the
   Welcome's transaction); *done is false when the store has no unit old
   or already holds code. The figures keep their unit row. */
static int
s_recode (us_dstore_t *self, bool *done, const char *old, const char *code)
{
    static const char *sql [] = {
        "UPDATE units SET code = ?2 WHERE code = ?1",
        "UPDATE outbox SET unit = ?2 WHERE unit = ?1",
        "UPDATE history SET unit = ?2 WHERE unit = ?1",
        "UPDATE conflicts SET unit = ?2 WHERE unit = ?1",
        "UPDATE meta SET value = ?2 WHERE key = 'unit' AND value = ?1" };
    int64_t id, taken;
    *done = false;
    int rc = s_unit_id (self, &taken, code);
    if (rc == 0)
        return 0;
    if (rc != US_ENOTFOUND || (rc = s_unit_id (self, &id, old)) != 0)
        return rc == US_ENOTFOUND ? 0 : rc;
    for (size_t k = 0; rc == 0 && k < sizeof sql / sizeof sql [0]; k++) {
        sqlite3_stmt *st;
        rc = us_stmts_get (&st, self->stmts, sql [k]);
        if (rc)
            break;
        sqlite3_bind_text (st, 1, old, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 2, code, -1, SQLITE_STATIC);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "re-coding a unit");
        sqlite3_reset (st);
    }
    *done = rc == 0;
    return rc;
}

/* Takes in the units the Welcome says were re-coded ("OLD NEW"), on the
   office's first contact with this server only (nothing pulled from it
   yet): later, a unit of code OLD in the store is the surviving
   province's own, pulled from this server, and keeps its code. */
static int
s_recode_all (us_dstore_t *self, us_sync_stats_t *stats, const us_welcome_t *w)
{
    int64_t checkpoint;
    int rc = s_get (self, S_CHECKPOINT, &checkpoint);
    if (rc || checkpoint != 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < w->n_recoded; i++) {
        char old [US_MAX_CODE + 1], code [US_MAX_CODE + 1];
        const char *sp = strchr (w->recoded [i], ' ');
        size_t len = sp ? (size_t) (sp - w->recoded [i]) : 0;
        if (!sp || len > US_MAX_CODE || strlen (sp + 1) > US_MAX_CODE)
            return us_error_set (US_EPROTO, "the server's Welcome holds a bad re-coded unit");
        memcpy (old, w->recoded [i], len);
        old [len] = 0;
        snprintf (code, sizeof code, "%s", sp + 1);
        if (!us_text_code_valid (old) || !us_text_code_valid (code))
            return us_error_set (US_EPROTO, "the server's Welcome holds a bad re-coded unit");
        bool done;
        rc = s_recode (self, &done, old, code);
        stats->recoded += done;
    }
    return rc;
}

/* Makes the unit the province enrolled this replica for the office's own
   when it is another (the province moved the office: `replicas move`);
   the new scope is pulled from the start, the figures of the old unit
   stay. */
static int
s_adopt_unit (us_dstore_t *self, us_sync_stats_t *stats, const us_welcome_t *w)
{
    char unit [sizeof self->unit];
    int rc = us_db_meta_get (unit, sizeof unit, self->db, "unit");
    if (rc || !w->unit || !*w->unit || strcmp (w->unit, unit) == 0)
        return rc;
    if (!us_text_code_valid (w->unit))
        return us_error_set (US_EPROTO, "the server's Welcome names a bad unit");
    rc = us_db_meta_set (self->db, "unit", w->unit);
    if (rc == 0)
        rc = s_put (self, S_CHECKPOINT, 0);
    if (rc == 0)
        snprintf (stats->moved_from, sizeof stats->moved_from, "%s", unit);
    return rc;
}

/* Takes in the server's Welcome. */
int
us_dstore_welcome (us_dstore_t *self, us_sync_stats_t *stats, const us_welcome_t *w)
{
    int64_t epoch, seq, last;
    int rc = us_db_begin (self->db);
    if (rc == 0) rc = s_recode_all (self, stats, w);
    if (rc == 0) rc = s_adopt_unit (self, stats, w);
    if (rc == 0) rc = s_get (self, S_EPOCH, &epoch);
    if (rc == 0) rc = s_get (self, S_LAST_SEQ, &seq);
    if (rc == 0) rc = s_get (self, S_HLC, &last);
    if (rc) {
        us_db_rollback (self->db);
        return rc;
    }
    /* Adopt the server's time: remember how far our wall clock is off. */
    int64_t wall = us_hlc_wall_ms ();
    int64_t offset = us_hlc_ms (w->server_time) - wall;
    /* A clock stamped far ahead by a wrong PC clock would keep every
       later edit in the future; the server clamps such stamps anyway. */
    if ((uint64_t) last > us_hlc_make (us_hlc_ms (w->server_time) + US_CLOCK_AHEAD_MS, 0))
        last = (int64_t) w->server_time;
    us_hlc_t clock = { (uint64_t) last, offset };
    uint64_t now = us_hlc_update (&clock, w->server_time, wall);
    rc = s_put (self, S_CLOCK_OFFSET, offset);
    if (rc == 0) rc = s_put (self, S_HLC, (int64_t) now);
    /* The server has seen seqs this store never issued, or a later epoch:
       this store was restored from a backup. */
    bool restored = w->epoch > (uint32_t) epoch
                 || (w->epoch == (uint32_t) epoch && w->high_water > (uint64_t) seq);
    if (rc == 0 && restored) {
        rc = s_new_epoch (self, w->epoch);
        stats->new_epoch = true;
    }
    if (rc == 0 && !restored)
        rc = s_province_went_back (self, stats, w, epoch);
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc)
        us_db_rollback (self->db);
    /* The office's unit may have a new code or be another unit now. */
    int meta = s_load_meta (self);
    return rc ? rc : meta;
}

/* Makes room for max deltas in a batch. */
static int
s_batch_room (s_batch_t *b, size_t max)
{
    if (b->cap >= max)
        return 0;
    us_delta_t *deltas = realloc (b->deltas, max * sizeof *deltas);
    if (deltas)
        b->deltas = deltas;
    size_t *offsets = deltas ? realloc (b->offsets, max * 4 * sizeof *offsets) : NULL;
    if (offsets)
        b->offsets = offsets;
    if (!deltas || !offsets)
        return us_error_set (US_ENOMEM, "out of memory");
    b->cap = max;
    return 0;
}

/* Appends a string with its terminator to the batch's text; sets *offset. */
static int
s_batch_text (s_batch_t *b, size_t *offset, const char *text)
{
    size_t len = strlen (text) + 1;
    if (b->text_len + len > b->text_cap) {
        size_t cap = b->text_cap ? b->text_cap : 4096;
        while (cap < b->text_len + len)
            cap *= 2;
        char *grown = realloc (b->text, cap);
        if (!grown)
            return us_error_set (US_ENOMEM, "out of memory");
        b->text = grown;
        b->text_cap = cap;
    }
    memcpy (b->text + b->text_len, text, len);
    *offset = b->text_len;
    b->text_len += len;
    return 0;
}

/* Fills push with the next deltas of the outbox after (after_epoch,
   after_seq): those of the first one's epoch and kind (sent again or new),
   up to the first of another. */
int
us_dstore_batch_after (us_dstore_t *self, us_push_t *push, uint32_t after_epoch,
                       uint64_t after_seq, size_t max)
{
    memset (push, 0, sizeof *push);
    s_batch_t *b = &self->batches [self->next_batch];
    self->next_batch = (self->next_batch + 1) % US_DSTORE_IN_FLIGHT;
    b->text_len = 0;
    int rc = s_batch_room (b, max ? max : 1);
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = us_stmts_get (&st, self->stmts,
            "SELECT seq, unit, indicator, month, value, hlc, base_version, author, note,"
            " epoch, resent FROM outbox WHERE (epoch, seq) > (?, ?) ORDER BY epoch, seq LIMIT ?");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, after_epoch);
    sqlite3_bind_int64 (st, 2, (int64_t) after_seq);
    sqlite3_bind_int64 (st, 3, (int64_t) max);
    size_t n = 0;
    int step = SQLITE_DONE;
    while (rc == 0 && n < max && (step = sqlite3_step (st)) == SQLITE_ROW) {
        uint32_t epoch = (uint32_t) sqlite3_column_int64 (st, 9);
        bool resent = sqlite3_column_int (st, 10) != 0;
        if (n == 0) {
            push->epoch = epoch;
            push->resent = resent;
        }
        else
        if (epoch != push->epoch || resent != push->resent) {
            step = SQLITE_DONE;         /* the next batch starts there */
            break;
        }
        us_delta_t *d = &b->deltas [n];
        size_t *off = &b->offsets [n * 4];
        memset (d, 0, sizeof *d);
        d->seq = (uint64_t) sqlite3_column_int64 (st, 0);
        d->month = sqlite3_column_int (st, 3);
        d->clear = sqlite3_column_type (st, 4) == SQLITE_NULL;
        d->value = sqlite3_column_int64 (st, 4);
        d->hlc = (uint64_t) sqlite3_column_int64 (st, 5);
        d->base_version = (uint64_t) sqlite3_column_int64 (st, 6);
        static const int cols [4] = { 1, 2, 7, 8 };
        for (int k = 0; rc == 0 && k < 4; k++)
            rc = s_batch_text (b, &off [k], us_db_text (st, cols [k]));
        n++;
    }
    if (rc == 0 && n < max && step != SQLITE_DONE)
        rc = us_db_error (self->db, "outbox");
    sqlite3_reset (st);
    if (rc)
        return rc;
    /* The text may have moved while it grew: point into it only now. */
    for (size_t i = 0; i < n; i++) {
        const size_t *off = &b->offsets [i * 4];
        b->deltas [i].unit = b->text + off [0];
        b->deltas [i].indicator = b->text + off [1];
        b->deltas [i].author = b->text + off [2];
        b->deltas [i].note = b->text + off [3];
    }
    if (n == 0) {
        int64_t epoch;
        rc = s_get (self, S_EPOCH, &epoch);
        push->epoch = (uint32_t) epoch;
    }
    push->count = n;
    push->deltas = b->deltas;
    return rc;
}

/* Fills push with the next deltas from the start or after seq after of
   the current epoch. */
int
us_dstore_batch (us_dstore_t *self, us_push_t *push, uint64_t after, size_t max)
{
    int64_t epoch = 0;
    int rc = after ? s_get (self, S_EPOCH, &epoch) : 0;
    return rc ? rc : us_dstore_batch_after (self, push, (uint32_t) epoch, after, max);
}

/* What an answer does to the office's view of its cell. */
typedef struct {
    int64_t id;                 /* the cell; 0: no such cell here, nothing to show */
    bool new_value;             /* the province's value replaces the office's */
    bool refused;               /* the clock stays; with clear, note and author go */
    bool clear;
} s_view_t;

/* Decides the view of a cell the office shows as had/value, whether a
   later edit of it waits. A refused edit's note and author do not
   describe the server's value: they go (the next change of the cell
   brings its own). The clock is the one the province keeps for a written
   edit, unless it clamped it (the pull then brings the cell): the pull
   leaves out the rest. */
static void
s_view_decide (s_view_t *v, const us_result_t *r, bool had, int64_t value, bool waiting)
{
    v->refused = r->outcome == US_OUTCOME_REJECTED || r->outcome == US_OUTCOME_CONFLICT_LOST;
    v->new_value = !waiting && (had == r->cleared || (had && value != r->value));
    v->clear = v->refused && !waiting;
}

/* The view's writes: only the columns that change, so that the common
   answer (accepted, the value the office already shows) leaves the
   cells_month index alone. */
static const char s_view_value [] =
    "UPDATE cells SET version = ?2, hlc = CASE WHEN ?3 THEN hlc ELSE ?4 END, value = ?5,"
    " note = CASE WHEN ?6 THEN '' ELSE note END,"
    " author = CASE WHEN ?6 THEN '' ELSE author END WHERE id = ?1";
static const char s_view_same [] =
    "UPDATE cells SET version = ?2, hlc = CASE WHEN ?3 THEN hlc ELSE ?4 END,"
    " note = CASE WHEN ?6 THEN '' ELSE note END,"
    " author = CASE WHEN ?6 THEN '' ELSE author END WHERE id = ?1";

/* Binds the view of delta d answered by r at columns first .. first + 5
   of either write. */
static void
s_view_bind (sqlite3_stmt *st, int first, const s_view_t *v, const us_delta_t *d,
             const us_result_t *r)
{
    sqlite3_bind_int64 (st, first, v->id);
    sqlite3_bind_int64 (st, first + 1, (int64_t) r->version);
    sqlite3_bind_int (st, first + 2, v->refused);
    sqlite3_bind_int64 (st, first + 3, (int64_t) d->hlc);
    if (r->cleared)
        sqlite3_bind_null (st, first + 4);
    else
        sqlite3_bind_int64 (st, first + 4, r->value);
    sqlite3_bind_int (st, first + 5, v->clear);
}

/* Updates the office's view of a cell from a server answer, unless a later
   edit of the same cell is still waiting to be sent (in the outbox, or
   later in this batch). It reads the cell and whether a later edit waits,
   then writes; one statement that decided all of this in SQL cost three
   lookups of the outbox and a rewrite of that index each time. */
static int
s_view_from_server (us_dstore_t *self, const us_delta_t *d, const us_result_t *r, bool later)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "SELECT c.id, c.value, EXISTS (SELECT 1 FROM outbox o WHERE o.unit = ?1"
        "   AND o.indicator = ?2 AND o.month = ?3) FROM cells c"
        " WHERE c.unit_id = (SELECT id FROM units WHERE code = ?1)"
        " AND c.ind_id = (SELECT id FROM indicators WHERE code = ?2) AND c.month = ?3");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, d->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, d->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 3, d->month);
    int step = sqlite3_step (st);
    s_view_t v = { .id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0 };
    if (step == SQLITE_ROW)
        s_view_decide (&v, r, sqlite3_column_type (st, 1) != SQLITE_NULL,
                       sqlite3_column_int64 (st, 1), later || sqlite3_column_int (st, 2) != 0);
    sqlite3_reset (st);
    if (step == SQLITE_DONE)
        return 0;
    if (step != SQLITE_ROW)
        return us_db_error (self->db, "cells");
    rc = us_stmts_get (&st, self->stmts, v.new_value ? s_view_value : s_view_same);
    if (rc)
        return rc;
    s_view_bind (st, 1, &v, d, r);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "cells");
    sqlite3_reset (st);
    return rc;
}

/* The reads and writes of a whole answer's views, many cells to a
   statement (us_stmts_rows). A row of the read is (position, unit,
   indicator, month); a row of a write is the six columns of s_view_bind. */
static const char *const s_vread_sql [3] = US_STMTS_SQLS (
    "SELECT v.column1, c.id, c.value, EXISTS (SELECT 1 FROM outbox o WHERE o.unit = v.column2"
    " AND o.indicator = v.column3 AND o.month = v.column4) FROM (VALUES ", "(?,?,?,?)",
    ") v JOIN cells c ON c.unit_id = (SELECT id FROM units WHERE code = v.column2)"
    " AND c.ind_id = (SELECT id FROM indicators WHERE code = v.column3)"
    " AND c.month = v.column4");
#define S_VWRITE_SET \
    " hlc = CASE WHEN v.column3 THEN cells.hlc ELSE v.column4 END," \
    " note = CASE WHEN v.column6 THEN '' ELSE cells.note END," \
    " author = CASE WHEN v.column6 THEN '' ELSE cells.author END FROM (VALUES "
static const char *const s_vwrite_same_sql [3] = US_STMTS_SQLS (
    "UPDATE cells SET version = v.column2," S_VWRITE_SET, "(?,?,?,?,?,?)",
    ") v WHERE cells.id = v.column1");
static const char *const s_vwrite_value_sql [3] = US_STMTS_SQLS (
    "UPDATE cells SET version = v.column2, value = v.column5," S_VWRITE_SET, "(?,?,?,?,?,?)",
    ") v WHERE cells.id = v.column1");

/* The views of an answer being read and written. */
typedef struct {
    const us_push_t *push;
    const us_push_ack_t *ack;
    s_view_t *views;            /* by position in the batch */
    const size_t *pick;         /* the positions a write takes */
} s_views_t;

/* Binds the cell of position i for the read. */
static void
s_views_bind_read (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    const us_delta_t *d = &((const s_views_t *) arg)->push->deltas [i];
    sqlite3_bind_int64 (st, first, (int64_t) i);
    sqlite3_bind_text (st, first + 1, d->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 2, d->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, first + 3, d->month);
}

/* Decides the view of the position a row of the read names. */
static void
s_views_take (sqlite3_stmt *st, const void *arg)
{
    const s_views_t *w = arg;
    int64_t k = sqlite3_column_int64 (st, 0);
    if (k < 0 || (uint64_t) k >= w->push->count)
        return;
    w->views [k].id = sqlite3_column_int64 (st, 1);
    s_view_decide (&w->views [k], &w->ack->results [k], sqlite3_column_type (st, 2) != SQLITE_NULL,
                   sqlite3_column_int64 (st, 2), sqlite3_column_int (st, 3) != 0);
}

/* Binds the view of the i-th picked position for a write. */
static void
s_views_bind_write (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    const s_views_t *w = arg;
    size_t k = w->pick [i];
    s_view_bind (st, first, &w->views [k], &w->push->deltas [k], &w->ack->results [k]);
}

/* Shows an answer whose batch edits each cell once: the views are read
   and written many to a statement, in any order, as no two are of the
   same cell. */
static int
s_views_many (us_dstore_t *self, const us_push_t *push, const us_push_ack_t *ack)
{
    size_t n = push->count;
    s_view_t *views = calloc (n ? n : 1, sizeof *views);
    size_t *pick = calloc (n ? n : 1, sizeof *pick);
    s_views_t w = { push, ack, views, pick };
    int rc = views && pick ? 0
           : us_error_set (US_ENOMEM, "out of memory settling an acknowledgement");
    if (rc == 0)
        rc = us_stmts_rows (self->stmts, s_vread_sql, n, 4, s_views_bind_read, s_views_take,
                            &w, "cells");
    for (int value = 0; rc == 0 && value < 2; value++) {
        size_t picked = 0;
        for (size_t k = 0; k < n; k++)
            if (views [k].id && views [k].new_value == value)
                pick [picked++] = k;
        rc = us_stmts_rows (self->stmts, value ? s_vwrite_value_sql : s_vwrite_same_sql,
                            picked, 6, s_views_bind_write, NULL, &w, "cells");
    }
    free (views);
    free (pick);
    return rc;
}

static const char *const s_history_sql [3] = US_STMTS_SQLS (
    "INSERT OR IGNORE INTO history (epoch, seq, unit, indicator, month, value, outcome,"
    " reason, server_value, at, hlc, author, note, base_version) VALUES ",
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", "");
static const char *const s_outbox_sql [3] = US_STMTS_SQLS (
    "DELETE FROM outbox WHERE epoch = ?1 AND seq IN (", "?", ")");

/* An acknowledgement being settled. */
typedef struct {
    const us_push_t *push;
    const us_push_ack_t *ack;
    int64_t at;
} s_ack_t;

/* Binds delta i's history row at columns first .. first + 13. */
static void
s_bind_history (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    const s_ack_t *a = arg;
    const us_delta_t *d = &a->push->deltas [i];
    const us_result_t *r = &a->ack->results [i];
    sqlite3_bind_int64 (st, first, a->push->epoch);
    sqlite3_bind_int64 (st, first + 1, (int64_t) d->seq);
    sqlite3_bind_text (st, first + 2, d->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 3, d->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, first + 4, d->month);
    if (d->clear)
        sqlite3_bind_null (st, first + 5);
    else
        sqlite3_bind_int64 (st, first + 5, d->value);
    sqlite3_bind_text (st, first + 6, us_outcome_name (r->outcome), -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 7, r->reason ? r->reason : "", -1, SQLITE_STATIC);
    if (r->cleared)
        sqlite3_bind_null (st, first + 8);
    else
        sqlite3_bind_int64 (st, first + 8, r->value);
    sqlite3_bind_int64 (st, first + 9, a->at);
    sqlite3_bind_int64 (st, first + 10, (int64_t) d->hlc);     /* to send it again */
    sqlite3_bind_text (st, first + 11, d->author ? d->author : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 12, d->note ? d->note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, first + 13, (int64_t) d->base_version);
}

/* Binds delta i's seq for the outbox's delete: the seqs follow ?1, the
   epoch, which the statement's first row binds. */
static void
s_bind_seq (sqlite3_stmt *st, int first, const void *arg, size_t i)
{
    const s_ack_t *a = arg;
    if (first == 1)
        sqlite3_bind_int64 (st, 1, a->push->epoch);
    sqlite3_bind_int64 (st, first + 1, (int64_t) a->push->deltas [i].seq);
}

/* Compares the cells two deltas edit. */
static int
s_cell_cmp (const us_delta_t *x, const us_delta_t *y)
{
    int c = strcmp (x->unit, y->unit);
    if (c == 0)
        c = strcmp (x->indicator, y->indicator);
    return c ? c : (x->month > y->month) - (x->month < y->month);
}

/* Orders positions in a batch by the cell their delta edits, then by
   position. */
static int
s_by_cell (const void *a, const void *b, void *arg)
{
    const us_delta_t *deltas = arg;
    size_t i = *(const size_t *) a, j = *(const size_t *) b;
    int c = s_cell_cmp (&deltas [i], &deltas [j]);
    return c ? c : (i > j) - (i < j);
}

/* Sets later [i] when a delta after i in the batch edits the same cell:
   in cell order, the next position is of the same cell. Costs a sort of
   the batch's positions. Returns 0 or US_ENOMEM. */
static int
s_later_edits (bool *later, const us_push_t *push)
{
    size_t n = push->count, *order = malloc ((n ? n : 1) * sizeof *order);
    if (!order)
        return us_error_set (US_ENOMEM, "out of memory settling an acknowledgement");
    for (size_t i = 0; i < n; i++)
        order [i] = i;
    qsort_r (order, n, sizeof *order, s_by_cell, (void *) push->deltas);
    for (size_t k = 0; k + 1 < n; k++)
        later [order [k]] = s_cell_cmp (&push->deltas [order [k]],
                                        &push->deltas [order [k + 1]]) == 0;
    free (order);
    return 0;
}

/* Moves the acknowledged deltas from the outbox to the history, many to a
   statement, then shows each cell as the province answered. A cell's
   answer is shown only when no later edit of it waits: neither in the
   outbox (edits of later batches) nor later in this batch. */
static int
s_settle (us_dstore_t *self, const us_push_t *push, const us_push_ack_t *ack)
{
    s_ack_t a = { push, ack, us_hlc_wall_ms () };
    bool *later = calloc (push->count ? push->count : 1, sizeof *later);
    int rc = later ? s_later_edits (later, push)
                   : us_error_set (US_ENOMEM, "out of memory settling an acknowledgement");
    if (rc == 0)
        rc = us_stmts_rows (self->stmts, s_history_sql, push->count, 14, s_bind_history, NULL,
                            &a, "history");
    if (rc == 0)
        rc = us_stmts_rows (self->stmts, s_outbox_sql, push->count, 1, s_bind_seq, NULL, &a,
                            "outbox");
    bool twice = false;
    for (size_t i = 0; rc == 0 && i < push->count; i++)
        twice |= later [i];
    /* A cell edited twice in the batch is shown answer by answer, in order;
       so is a small answer (a desk's edit), for which the statements of
       many rows cost more than they save. */
    bool many = !twice && push->count >= US_STMTS_ROWS_FEW;
    if (rc == 0 && many)
        rc = s_views_many (self, push, ack);
    for (size_t i = 0; rc == 0 && !many && i < push->count; i++)
        rc = s_view_from_server (self, &push->deltas [i], &ack->results [i], later [i]);
    free (later);
    return rc;
}

/* Applies a PushAck to the batch it answers, in one transaction. */
int
us_dstore_ack (us_dstore_t *self, us_sync_stats_t *stats, const us_push_t *push,
               const us_push_ack_t *ack)
{
    if (ack->count != push->count)
        return us_error_set (US_EPROTO, "server answered %zu of %zu deltas",
                             ack->count, push->count);
    for (size_t i = 0; i < ack->count; i++)
        if (ack->results [i].seq != push->deltas [i].seq)
            return us_error_set (US_EPROTO, "server answered seq %" PRIu64 " for %" PRIu64,
                                 ack->results [i].seq, push->deltas [i].seq);
    int rc = us_db_begin (self->db);
    if (rc == 0)
        rc = s_settle (self, push, ack);
    for (size_t i = 0; rc == 0 && i < ack->count; i++) {
        const us_result_t *r = &ack->results [i];
        stats->pushed++;
        stats->duplicates += r->duplicate;
        /* An edit sent again that the province still held is answered as
           it was the first time: a conflict or refusal then is not news. */
        if (push->resent && r->duplicate)
            continue;
        switch (r->outcome) {
            case US_OUTCOME_ACCEPTED:
            case US_OUTCOME_SUPERSEDED:    stats->accepted++; break;
            case US_OUTCOME_CONFLICT_WON:  stats->won++;      break;
            case US_OUTCOME_CONFLICT_LOST: stats->lost++;     break;
            case US_OUTCOME_REJECTED:      stats->rejected++; break;
        }
    }
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc)
        us_db_rollback (self->db);
    return rc;
}

/* Returns the checkpoint in the server's change stream. */
int
us_dstore_checkpoint (us_dstore_t *self, uint64_t *checkpoint)
{
    int64_t cp = 0;
    int rc = s_get (self, S_CHECKPOINT, &cp);
    *checkpoint = (uint64_t) cp;
    return rc;
}

/* Returns the id of a unit, adding a placeholder when it is not known yet. */
static int
s_unit_ref (us_dstore_t *self, int64_t *id, const char *code)
{
    if (s_unit_id (self, id, code) == 0)
        return 0;
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO units (code, name, kind) VALUES (?1, ?1, 'grassroots') RETURNING id");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_db_error (self->db, "units");
    if (rc == 0)
        *id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Returns the id of an indicator, adding a placeholder when not known yet. */
static int
s_ind_ref (us_dstore_t *self, int64_t *id, const char *code)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts, "SELECT id FROM indicators WHERE code = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    if (step == SQLITE_ROW)
        return 0;
    if (step != SQLITE_DONE)
        return us_db_error (self->db, "indicators");
    rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO indicators (code, name, kind) VALUES (?1, ?1, 'flow') RETURNING id");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, code, -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_db_error (self->db, "indicators");
    if (rc == 0)
        *id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Applies the unit definitions of a page: upsert, then link parents. */
static int
s_apply_units (us_dstore_t *self, const us_changes_t *c)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO units (code, name, kind, valid_from, valid_to, successor, shares)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
        " valid_from = excluded.valid_from, valid_to = excluded.valid_to,"
        " successor = excluded.successor, shares = excluded.shares");
    for (size_t i = 0; rc == 0 && i < c->n_units; i++) {
        const us_unit_def_t *u = &c->units [i];
        sqlite3_bind_text (st, 1, u->code, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 2, u->name, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 3, u->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 4, u->valid_from, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 5, u->valid_to, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 6, u->successor ? u->successor : "", -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 7, u->shares ? u->shares : "", -1, SQLITE_STATIC);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "units");
        sqlite3_reset (st);
    }
    sqlite3_reset (st);
    for (size_t i = 0; rc == 0 && i < c->n_units; i++) {
        const us_unit_def_t *u = &c->units [i];
        int64_t id, parent = 0;
        rc = s_unit_id (self, &id, u->code);
        if (rc == 0 && *u->parent)
            rc = s_unit_ref (self, &parent, u->parent);
        if (rc == 0)
            rc = us_stmts_get (&st, self->stmts, "UPDATE units SET parent_id = ? WHERE id = ?");
        if (rc == 0) {
            if (parent && parent != id)
                sqlite3_bind_int64 (st, 1, parent);
            sqlite3_bind_int64 (st, 2, id);
            rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "units");
            sqlite3_reset (st);
        }
    }
    return rc;
}

/* Applies the indicator definitions of a page. */
static int
s_apply_indicators (us_dstore_t *self, const us_changes_t *c)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO indicators (code, name, kind, numerator, denominator, policy, rule, position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET"
        " name = excluded.name, kind = excluded.kind, numerator = excluded.numerator,"
        " denominator = excluded.denominator, policy = excluded.policy,"
        " rule = excluded.rule, position = excluded.position");
    for (size_t i = 0; rc == 0 && i < c->n_indicators; i++) {
        const us_indicator_def_t *x = &c->indicators [i];
        us_kind_t kind;
        if (us_kind_parse (&kind, x->kind) != 0) {
            rc = us_error_set (US_EPROTO, "server sent indicator %s of unknown kind", x->code);
            break;
        }
        sqlite3_bind_text (st, 1, x->code, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 2, x->name, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 3, x->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 4, x->numerator, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 5, x->denominator, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 6, x->policy, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 7, x->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 8, (int) x->position);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "indicators");
        sqlite3_reset (st);
    }
    sqlite3_reset (st);
    return rc;
}

/* The ids of the codes a page names, looked up once each: a page holds
   a unit's figures together, of a few dozen indicators. */
#define S_IDS_CAP 64
typedef struct {
    const char *unit;                   /* the last unit's code, or NULL */
    int64_t unit_id;
    size_t n_inds;
    const char *ind [S_IDS_CAP];        /* codes, owned by the page */
    int64_t ind_id [S_IDS_CAP];
} s_ids_t;

/* Sets the ids of a cell's unit and indicator, from ids when seen before. */
static int
s_ids_ref (us_dstore_t *self, s_ids_t *ids, int64_t *unit_id, int64_t *ind_id,
           const char *unit, const char *ind)
{
    if (!ids->unit || strcmp (ids->unit, unit) != 0) {
        int rc = s_unit_ref (self, &ids->unit_id, unit);
        if (rc)
            return rc;
        ids->unit = unit;
    }
    *unit_id = ids->unit_id;
    for (size_t i = 0; i < ids->n_inds; i++)
        if (strcmp (ids->ind [i], ind) == 0) {
            *ind_id = ids->ind_id [i];
            return 0;
        }
    int rc = s_ind_ref (self, ind_id, ind);
    if (rc == 0 && ids->n_inds < S_IDS_CAP) {
        ids->ind [ids->n_inds] = ind;
        ids->ind_id [ids->n_inds++] = *ind_id;
    }
    return rc;
}

/* Sets *any when the outbox holds edits not yet settled. */
static int
s_outbox_any (us_dstore_t *self, bool *any)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts, "SELECT EXISTS (SELECT 1 FROM outbox)");
    if (rc)
        return rc;
    int step = sqlite3_step (st);
    *any = step == SQLITE_ROW && sqlite3_column_int (st, 0) != 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : us_db_error (self->db, "outbox");
}

/* Binds the nine values of cell x at parameters first..first+8 of st. */
static void
s_bind_cell (sqlite3_stmt *st, int first, const us_cell_change_t *x, int64_t unit_id,
             int64_t ind_id)
{
    sqlite3_bind_int64 (st, first, unit_id);
    sqlite3_bind_int64 (st, first + 1, ind_id);
    sqlite3_bind_int (st, first + 2, x->month);
    if (x->cleared)
        sqlite3_bind_null (st, first + 3);
    else
        sqlite3_bind_int64 (st, first + 3, x->value);
    sqlite3_bind_int64 (st, first + 4, (int64_t) x->version);
    sqlite3_bind_int64 (st, first + 5, (int64_t) x->hlc);
    sqlite3_bind_text (st, first + 6, x->author, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, first + 7, x->note, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, first + 8, x->corrected);
}

/* A page's cells go in S_CELL_ROWS to a statement when no local edit is
   waiting: one statement's start and end (its cursors, its statement
   journal) per 64 figures instead of per figure, a quarter less of an
   office's first pull. */
#define S_CELL_ROWS US_STMTS_ROWS_MANY
static const char s_cells_many [] =
    "INSERT INTO cells (unit_id, ind_id, month, value, version, hlc, author, note, corrected)"
    " VALUES " US_STMTS_X64 ("(?,?,?,?,?,?,?,?,?)")
    " ON CONFLICT (unit_id, ind_id, month) DO UPDATE SET version = excluded.version,"
    " hlc = excluded.hlc, value = excluded.value, author = excluded.author,"
    " note = excluded.note, corrected = excluded.corrected";

/* Applies the cells of a page, keeping local edits that are not sent yet.
   Each code's id is read once a page, and the outbox only when it holds
   anything (a first pull's tens of thousands of figures cost one upsert
   each, not four statements). */
static int
s_apply_cells (us_dstore_t *self, const us_changes_t *c)
{
    sqlite3_stmt *st, *many = NULL;
    int rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO cells (unit_id, ind_id, month, value, version, hlc, author, note, corrected)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (unit_id, ind_id, month)"
        " DO UPDATE SET version = excluded.version, hlc = excluded.hlc,"
        " value = CASE WHEN ?10 THEN value ELSE excluded.value END,"
        " author = CASE WHEN ?10 THEN author ELSE excluded.author END,"
        " note = CASE WHEN ?10 THEN note ELSE excluded.note END,"
        " corrected = CASE WHEN ?10 THEN corrected ELSE excluded.corrected END");
    bool any = false;
    if (rc == 0 && c->n_cells)
        rc = s_outbox_any (self, &any);
    sqlite3_stmt *pending = NULL;
    if (rc == 0 && any)
        rc = us_stmts_get (&pending, self->stmts,
            "SELECT 1 FROM outbox WHERE unit = ? AND indicator = ? AND month = ?");
    if (rc == 0 && !any && c->n_cells >= S_CELL_ROWS)
        rc = us_stmts_get (&many, self->stmts, s_cells_many);
    s_ids_t ids = { .unit = NULL };
    size_t i = 0;
    for (; many && rc == 0 && i + S_CELL_ROWS <= c->n_cells; i += S_CELL_ROWS) {
        for (int r = 0; rc == 0 && r < S_CELL_ROWS; r++) {
            const us_cell_change_t *x = &c->cells [i + (size_t) r];
            int64_t unit_id, ind_id;
            rc = s_ids_ref (self, &ids, &unit_id, &ind_id, x->unit, x->indicator);
            if (rc == 0)
                s_bind_cell (many, 9 * r + 1, x, unit_id, ind_id);
        }
        if (rc == 0)
            rc = sqlite3_step (many) == SQLITE_DONE ? 0 : us_db_error (self->db, "cells");
        sqlite3_reset (many);
    }
    for (; rc == 0 && i < c->n_cells; i++) {
        const us_cell_change_t *x = &c->cells [i];
        int64_t unit_id, ind_id;
        rc = s_ids_ref (self, &ids, &unit_id, &ind_id, x->unit, x->indicator);
        if (rc)
            break;
        bool keep_local = false;
        if (pending) {
            sqlite3_bind_text (pending, 1, x->unit, -1, SQLITE_STATIC);
            sqlite3_bind_text (pending, 2, x->indicator, -1, SQLITE_STATIC);
            sqlite3_bind_int (pending, 3, x->month);
            keep_local = sqlite3_step (pending) == SQLITE_ROW;
            sqlite3_reset (pending);
        }
        s_bind_cell (st, 1, x, unit_id, ind_id);
        sqlite3_bind_int (st, 10, keep_local);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "cells");
        sqlite3_reset (st);
    }
    sqlite3_reset (st);
    if (pending)
        sqlite3_reset (pending);
    return rc;
}

/* Applies targets, conflicts and submissions of a page. */
static int
s_apply_rest (us_dstore_t *self, const us_changes_t *c)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO targets (unit_id, ind_id, period, first, last, source, lo, hi, is_range, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, ind_id, period, source)"
        " DO UPDATE SET lo = excluded.lo, hi = excluded.hi, is_range = excluded.is_range,"
        " version = excluded.version");
    for (size_t i = 0; rc == 0 && i < c->n_targets; i++) {
        const us_target_def_t *t = &c->targets [i];
        int64_t unit_id, ind_id;
        us_period_t p;
        if (us_period_parse (&p, t->period) != 0)
            continue;                   /* a period this version cannot read */
        rc = s_unit_ref (self, &unit_id, t->unit);
        if (rc == 0)
            rc = s_ind_ref (self, &ind_id, t->indicator);
        if (rc)
            break;
        sqlite3_bind_int64 (st, 1, unit_id);
        sqlite3_bind_int64 (st, 2, ind_id);
        sqlite3_bind_text (st, 3, p.text, -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 4, p.first);
        sqlite3_bind_int (st, 5, p.last);
        sqlite3_bind_text (st, 6, t->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (st, 7, t->lo);
        sqlite3_bind_int64 (st, 8, t->hi);
        sqlite3_bind_int (st, 9, t->range);
        sqlite3_bind_int64 (st, 10, t->version);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "targets");
        sqlite3_reset (st);
    }
    sqlite3_reset (st);
    if (rc)
        return rc;
    rc = us_stmts_get (&st, self->stmts,
        "INSERT OR REPLACE INTO conflicts (id, unit, indicator, month, winner_value,"
        " winner_author, loser_value, loser_author, rule, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; rc == 0 && i < c->n_conflicts; i++) {
        const us_conflict_notice_t *k = &c->conflicts [i];
        sqlite3_bind_int64 (st, 1, (int64_t) k->id);
        sqlite3_bind_text (st, 2, k->unit, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 3, k->indicator, -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 4, k->month);
        if (k->winner_cleared) sqlite3_bind_null (st, 5);
        else sqlite3_bind_int64 (st, 5, k->winner_value);
        sqlite3_bind_text (st, 6, k->winner_author, -1, SQLITE_STATIC);
        if (k->loser_cleared) sqlite3_bind_null (st, 7);
        else sqlite3_bind_int64 (st, 7, k->loser_value);
        sqlite3_bind_text (st, 8, k->loser_author, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 9, k->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (st, 10, us_hlc_ms (k->at));     /* the store keeps ms */
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "conflicts");
        sqlite3_reset (st);
    }
    sqlite3_reset (st);
    if (rc)
        return rc;
    rc = us_stmts_get (&st, self->stmts,
        "INSERT INTO submissions (unit_id, period, first, last, state, at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, period)"
        " DO UPDATE SET state = excluded.state, at = excluded.at");
    for (size_t i = 0; rc == 0 && i < c->n_submissions; i++) {
        const us_submission_state_t *s = &c->submissions [i];
        int64_t unit_id;
        us_period_t p;
        if (us_period_parse (&p, s->period) != 0)
            continue;
        rc = s_unit_ref (self, &unit_id, s->unit);
        if (rc)
            break;
        sqlite3_bind_int64 (st, 1, unit_id);
        sqlite3_bind_text (st, 2, p.text, -1, SQLITE_STATIC);
        sqlite3_bind_int (st, 3, p.first);
        sqlite3_bind_int (st, 4, p.last);
        sqlite3_bind_text (st, 5, s->state, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (st, 6, (int64_t) s->at);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "submissions");
        sqlite3_reset (st);
    }
    sqlite3_reset (st);
    return rc;
}

/* Returns true when s is a code, or empty where empty is allowed. */
static bool
s_code_ok (const char *s, bool empty_ok)
{
    return (empty_ok && s && !*s) || (s && us_text_code_valid (s));
}

/* Checks the codes and texts of a pulled page before any of it is kept:
   codes as the province's imports allow them, texts UTF-8 without
   control characters (notes may hold line breaks). */
static int
s_page_check (const us_changes_t *c)
{
    #define BAD(what, i) us_error_set (US_EPROTO, "the server's page holds a bad %s " \
                                       "(entry %zu): codes or UTF-8 text expected", what, i)
    for (size_t i = 0; i < c->n_units; i++) {
        const us_unit_def_t *u = &c->units [i];
        if (!s_code_ok (u->code, false) || !s_code_ok (u->parent, true)
        ||  !s_code_ok (u->kind, false) || !us_text_utf8_valid (u->name))
            return BAD ("unit", i);
    }
    for (size_t i = 0; i < c->n_indicators; i++) {
        const us_indicator_def_t *d = &c->indicators [i];
        if (!s_code_ok (d->code, false) || !us_text_utf8_valid (d->name)
        ||  !us_text_utf8_valid (d->rule))
            return BAD ("indicator", i);
    }
    for (size_t i = 0; i < c->n_cells; i++) {
        const us_cell_change_t *x = &c->cells [i];
        if (!s_code_ok (x->unit, false) || !s_code_ok (x->indicator, false)
        ||  !us_text_utf8_valid (x->author) || !us_text_utf8_valid_lines (x->note))
            return BAD ("figure", i);
    }
    for (size_t i = 0; i < c->n_targets; i++)
        if (!s_code_ok (c->targets [i].unit, false) || !s_code_ok (c->targets [i].indicator, false))
            return BAD ("target", i);
    for (size_t i = 0; i < c->n_conflicts; i++) {
        const us_conflict_notice_t *k = &c->conflicts [i];
        if (!s_code_ok (k->unit, false) || !s_code_ok (k->indicator, false)
        ||  !us_text_utf8_valid (k->winner_author) || !us_text_utf8_valid (k->loser_author)
        ||  !us_text_utf8_valid (k->rule))
            return BAD ("conflict", i);
    }
    for (size_t i = 0; i < c->n_submissions; i++)
        if (!s_code_ok (c->submissions [i].unit, false)
        ||  !us_text_utf8_valid (c->submissions [i].state))
            return BAD ("submission", i);
    #undef BAD
    return 0;
}

/* Turns the connection's foreign key checks back on and makes sure they
   are: inside a transaction the pragma would change nothing, silently. */
static int
s_foreign_keys_on (us_dstore_t *self)
{
    sqlite3_stmt *st;
    int rc = us_db_exec (self->db, "PRAGMA foreign_keys = ON");
    if (rc == 0)
        rc = us_stmts_get (&st, self->stmts, "PRAGMA foreign_keys");
    if (rc)
        return rc;
    bool on = sqlite3_step (st) == SQLITE_ROW && sqlite3_column_int (st, 0) != 0;
    sqlite3_reset (st);
    return on ? 0 : us_error_set (US_EIO, "cannot turn the store's foreign key checks on");
}

/* Applies a Changes page and its checkpoint in one transaction. */
int
us_dstore_apply (us_dstore_t *self, us_sync_stats_t *stats, const us_changes_t *c)
{
    uint64_t cp;
    int rc = us_dstore_checkpoint (self, &cp);
    if (rc)
        return rc;
    if (c->next < cp)
        return us_error_set (US_EPROTO, "server went back in its change stream");
    if (c->more && c->next == cp)
        return us_error_set (US_EPROTO, "server sent a page that does not advance its "
                             "change stream");
    rc = s_page_check (c);
    if (rc == 0)
        rc = us_dstore_schedules_check (c);
    if (rc)
        return rc;
    /* A page's rows name units and indicators by the ids looked up or
       added in this same transaction, never by ids off the wire, and a
       page deletes none: its foreign keys cannot fail, and checking them
       (two lookups a figure) was a tenth of a first pull. They are on
       again for every other statement, and after a failed page too. */
    rc = us_db_exec (self->db, "PRAGMA foreign_keys = OFF");
    if (rc == 0) rc = us_db_begin (self->db);
    if (rc == 0) rc = s_apply_units (self, c);
    if (rc == 0) rc = s_apply_indicators (self, c);
    if (rc == 0) rc = s_apply_cells (self, c);
    if (rc == 0) rc = s_apply_rest (self, c);
    if (rc == 0) rc = us_dstore_schedules_apply (self, c);
    if (rc == 0) rc = s_put (self, S_CHECKPOINT, (int64_t) c->next);
    if (rc == 0) rc = s_put (self, S_MARK, (int64_t) c->mark);
    if (rc == 0) rc = us_db_commit (self->db);
    if (rc)
        us_db_rollback (self->db);
    int on = s_foreign_keys_on (self);
    if (rc == 0)
        rc = on;
    if (rc)
        return rc;
    stats->pages++;
    stats->pulled_cells += c->n_cells;
    stats->pulled_other += c->n_units + c->n_indicators + c->n_targets
                         + c->n_conflicts + c->n_submissions + c->n_schedules;
    return 0;
}

/* Applies a repair page: its months' figures replace the mirror's. */
int
us_dstore_repair (us_dstore_t *self, const us_changes_t *c)
{
    int rc = s_page_check (c);
    for (size_t i = 0; rc == 0 && i < c->n_cells; i++) {
        bool listed = false;
        for (size_t k = 0; k < c->n_months && !listed; k++)
            listed = c->months [k] == c->cells [i].month;
        if (!listed)
            rc = us_error_set (US_EPROTO, "the server's repair page holds a figure of a "
                               "month it does not repair");
    }
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_db_begin (self->db);
    if (rc == 0)
        rc = us_stmts_get (&st, self->stmts,
            "DELETE FROM cells WHERE month = ?1 AND unit_id IN (WITH RECURSIVE sub (id) AS"
            " (SELECT id FROM units WHERE code = ?2 UNION SELECT u.id FROM units u"
            "  JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub)"
            " AND NOT EXISTS (SELECT 1 FROM outbox o"
            " JOIN units u ON u.code = o.unit JOIN indicators i ON i.code = o.indicator"
            " WHERE o.month = ?1 AND u.id = cells.unit_id AND i.id = cells.ind_id)");
    for (size_t i = 0; rc == 0 && i < c->n_months; i++) {
        sqlite3_bind_int (st, 1, c->months [i]);
        sqlite3_bind_text (st, 2, self->unit, -1, SQLITE_STATIC);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "cells");
        sqlite3_reset (st);
    }
    if (rc == 0) rc = s_apply_cells (self, c);
    if (rc == 0) rc = us_db_commit (self->db);
    if (rc)
        us_db_rollback (self->db);
    return rc;
}

/* Returns the oldest queued submission or US_ENOTFOUND. */
int
us_dstore_next_submit (us_dstore_t *self, char *period, size_t size)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT period FROM pending_submits WHERE state = 'queued' ORDER BY at LIMIT 1");
    if (rc)
        return rc;
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : US_ENOTFOUND;
    if (rc == 0)
        snprintf (period, size, "%s", us_db_text (st, 0));
    sqlite3_finalize (st);
    return rc;
}

/* Returns true when the queued submission of period is a nil report. */
bool
us_dstore_submit_nil (us_dstore_t *self, const char *period)
{
    sqlite3_stmt *st;
    if (us_db_prepare (&st, self->db, "SELECT nil FROM pending_submits WHERE period = ?"))
        return false;
    sqlite3_bind_text (st, 1, period, -1, SQLITE_STATIC);
    bool nil = sqlite3_step (st) == SQLITE_ROW && sqlite3_column_int (st, 0) != 0;
    sqlite3_finalize (st);
    return nil;
}

/* Records the server's answer to a queued submission. */
int
us_dstore_submit_done (us_dstore_t *self, const char *period, bool ok,
                       const char *state, const char *reason)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "UPDATE pending_submits SET state = ?, reason = ? WHERE period = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, ok ? (*state ? state : "submitted") : "refused", -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, reason ? reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 3, period, -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "submit");
    sqlite3_finalize (st);
    return rc;
}

/* Turns per-commit flushing off or back on. Relaxed, the WAL also grows
   to 20,000 pages (80 MB) before it goes into the database: a first pull
   otherwise copied its pages there several times over, each with two
   fsyncs, about a tenth of its time; the first durable commit after it
   copies them once. */
int
us_dstore_relaxed (us_dstore_t *self, bool on)
{
    return us_db_exec (self->db, on ? "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=20000"
                                    : "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=1000");
}

/* Records the time and outcome of a sync attempt. */
int
us_dstore_note_sync (us_dstore_t *self, const char *outcome)
{
    int rc = us_db_begin (self->db);
    if (rc == 0) rc = s_put (self, S_LAST_SYNC_MS, us_hlc_wall_ms ());
    sqlite3_stmt *st;
    if (rc == 0) rc = us_stmts_get (&st, self->stmts, "UPDATE state SET last_sync = ?");
    if (rc == 0) {
        sqlite3_bind_text (st, 1, outcome, -1, SQLITE_STATIC);
        rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "state");
        sqlite3_reset (st);
    }
    if (rc == 0) rc = us_db_commit (self->db);
    if (rc)
        us_db_rollback (self->db);
    return rc;
}

/*  ----------------------------------------------------------------------
    Status and show
    ---------------------------------------------------------------------- */

/* Formats a month and value for a listing line. */
static void
s_cell_text (char *buf, size_t size, sqlite3_stmt *st, int unit, int ind, int month, int value)
{
    char m [8];
    us_month_format (m, sqlite3_column_int (st, month));
    if (sqlite3_column_type (st, value) == SQLITE_NULL)
        snprintf (buf, size, "%s %s %s (cleared)", us_db_text (st, unit), m, us_db_text (st, ind));
    else
        snprintf (buf, size, "%s %s %s = %lld", us_db_text (st, unit), m, us_db_text (st, ind),
                  (long long) sqlite3_column_int64 (st, value));
}

/* Writes a JSON value that may be NULL. */
static void
s_json_num (FILE *out, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type (st, col) == SQLITE_NULL)
        fputs ("null", out);
    else
        fprintf (out, "%lld", (long long) sqlite3_column_int64 (st, col));
}

/* A refused edit no longer matters once a later edit of the same cell was
   accepted (or won its conflict). */
#define S_NOT_SUPERSEDED "NOT EXISTS (SELECT 1 FROM history l WHERE l.unit = h.unit" \
    " AND l.indicator = h.indicator AND l.month = h.month AND l.id > h.id" \
    " AND l.outcome IN ('accepted', 'conflict-won'))"

/* Prints the pending, rejected and lost lists. */
static int
s_status_lists (us_dstore_t *self, FILE *out, bool json)
{
    static const char *queries [3] = {
        "SELECT unit, indicator, month, value, author, '' FROM outbox ORDER BY epoch, seq",
        "SELECT unit, indicator, month, value, outcome, reason, server_value FROM history h"
        " WHERE outcome = 'rejected' AND " S_NOT_SUPERSEDED " ORDER BY id",
        "SELECT unit, indicator, month, value, outcome, reason, server_value FROM history h"
        " WHERE outcome = 'conflict-lost' AND " S_NOT_SUPERSEDED " ORDER BY id" };
    static const char *names [3] = { "pending", "rejected", "conflicts_lost" };
    static const char *titles [3] = { "Waiting to be sent", "Rejected by the province",
                                      "Lost a conflict (the province kept another value)" };
    for (int q = 0; q < 3; q++) {
        sqlite3_stmt *st;
        int rc = us_db_prepare (&st, self->db, queries [q]);
        if (rc)
            return rc;
        int n = 0;
        if (json)
            fprintf (out, ",\"%s\":[", names [q]);
        while (sqlite3_step (st) == SQLITE_ROW) {
            char m [8];
            us_month_format (m, sqlite3_column_int (st, 2));
            if (json) {
                fprintf (out, "%s{\"unit\":", n ? "," : "");
                us_text_json (out, us_db_text (st, 0));
                fputs (",\"indicator\":", out);
                us_text_json (out, us_db_text (st, 1));
                fprintf (out, ",\"month\":\"%s\",\"value\":", m);
                s_json_num (out, st, 3);
                if (q > 0) {
                    fputs (",\"reason\":", out);
                    us_text_json (out, us_db_text (st, 5));
                    fputs (",\"server_value\":", out);
                    s_json_num (out, st, 6);
                }
                fputc ('}', out);
            }
            else {
                char line [300];
                s_cell_text (line, sizeof line, st, 0, 1, 2, 3);
                if (n == 0)
                    fprintf (out, "%s:\n", titles [q]);
                /* Authors and reasons may come from the wire: escaped. */
                char text [US_TEXT_SAFE (US_MAX_REASON)];
                us_text_safe (text, sizeof text, us_db_text (st, q == 0 ? 4 : 5));
                if (q == 0)
                    fprintf (out, "  %s (by %s)\n", line, text);
                else
                    fprintf (out, "  %s: %s\n", line, text);
            }
            n++;
        }
        sqlite3_finalize (st);
        if (json)
            fputc (']', out);
        else
        if (q == 0)
            fprintf (out, "%d edit%s waiting to be sent\n", n, n == 1 ? "" : "s");
    }
    return 0;
}

/* Prints the conflicts the province reported for this office. */
static int
s_status_conflicts (us_dstore_t *self, FILE *out, bool json)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT unit, indicator, month, winner_value, winner_author, loser_value,"
        " loser_author, rule FROM conflicts ORDER BY id");
    if (rc)
        return rc;
    int n = 0;
    if (json)
        fputs (",\"conflicts\":[", out);
    while (sqlite3_step (st) == SQLITE_ROW) {
        char m [8];
        us_month_format (m, sqlite3_column_int (st, 2));
        if (json) {
            fprintf (out, "%s{\"unit\":", n ? "," : "");
            us_text_json (out, us_db_text (st, 0));
            fputs (",\"indicator\":", out);
            us_text_json (out, us_db_text (st, 1));
            fprintf (out, ",\"month\":\"%s\",\"winner_value\":", m);
            s_json_num (out, st, 3);
            fputs (",\"winner_author\":", out);
            us_text_json (out, us_db_text (st, 4));
            fputs (",\"loser_value\":", out);
            s_json_num (out, st, 5);
            fputs (",\"loser_author\":", out);
            us_text_json (out, us_db_text (st, 6));
            fputs (",\"rule\":", out);
            us_text_json (out, us_db_text (st, 7));
            fputc ('}', out);
        }
        else {
            if (n == 0)
                fputs ("Conflicts settled by the province:\n", out);
            char wa [US_TEXT_SAFE (US_MAX_CODE)], la [US_TEXT_SAFE (US_MAX_CODE)];
            char rule [US_TEXT_SAFE (US_MAX_CODE)];
            fprintf (out, "  %s %s %s: kept %s (%s) over %s (%s); rule %s\n",
                     us_db_text (st, 0), m, us_db_text (st, 1), us_db_text (st, 3),
                     us_text_safe (wa, sizeof wa, us_db_text (st, 4)), us_db_text (st, 5),
                     us_text_safe (la, sizeof la, us_db_text (st, 6)),
                     us_text_safe (rule, sizeof rule, us_db_text (st, 7)));
        }
        n++;
    }
    sqlite3_finalize (st);
    if (json)
        fputc (']', out);
    return 0;
}

/* Prints the province's approvals and locks of the office's units, as
   pulled (a lock above the office arrives as one of its own unit). */
static int
s_status_locks (us_dstore_t *self, FILE *out, bool json)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT u.code, s.period FROM submissions s JOIN units u ON u.id = s.unit_id"
        " WHERE s.state = 'approved' ORDER BY s.first, u.code");
    if (rc)
        return rc;
    int n = 0, step;
    if (json)
        fputs (",\"locks\":[", out);
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        if (json) {
            fprintf (out, "%s{\"unit\":", n ? "," : "");
            us_text_json (out, us_db_text (st, 0));
            fputs (",\"period\":", out);
            us_text_json (out, us_db_text (st, 1));
            fputc ('}', out);
        }
        else
            fprintf (out, "%s  %s %s: approved, locked by the province\n",
                     n ? "" : "Approvals and locks:\n", us_db_text (st, 0), us_db_text (st, 1));
        n++;
    }
    sqlite3_finalize (st);
    if (json)
        fputc (']', out);
    return step == SQLITE_DONE ? 0 : us_db_error (self->db, "submissions");
}

/* Prints the office's submissions: queued, submitted, or refused and why. */
static int
s_status_submits (us_dstore_t *self, FILE *out, bool json)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        /* once sent, the province's state of the period (pulled) says more */
        "SELECT p.period, CASE WHEN p.state = 'submitted' THEN COALESCE (s.state, p.state)"
        " ELSE p.state END, p.reason FROM pending_submits p"
        " LEFT JOIN submissions s ON s.period = p.period"
        " AND s.unit_id = (SELECT id FROM units WHERE code = ?)"
        " ORDER BY p.at");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, self->unit, -1, SQLITE_STATIC);
    int n = 0;
    if (json)
        fputs (",\"submissions\":[", out);
    while (sqlite3_step (st) == SQLITE_ROW) {
        if (json) {
            fprintf (out, "%s{\"period\":", n ? "," : "");
            us_text_json (out, us_db_text (st, 0));
            fputs (",\"state\":", out);
            us_text_json (out, us_db_text (st, 1));
            fputs (",\"reason\":", out);
            us_text_json (out, us_db_text (st, 2));
            fputc ('}', out);
        }
        else {
            if (n == 0)
                fputs ("Submissions:\n", out);
            fprintf (out, "  %s: %s%s%s\n", us_db_text (st, 0), us_db_text (st, 1),
                     *us_db_text (st, 2) ? ": " : "", us_db_text (st, 2));
        }
        n++;
    }
    sqlite3_finalize (st);
    if (json)
        fputc (']', out);
    return s_status_locks (self, out, json);
}

/* The office's unit's end, its successor and the successor's name. */
static const char s_ended_sql [] =
    "SELECT u.valid_to, u.successor, COALESCE (s.name, '') FROM units u"
    " LEFT JOIN units s ON s.code = u.successor WHERE u.code = ? AND u.valid_to <> ''";

/* Writes why the office's unit takes no figures after its end. */
int
us_dstore_ended (us_dstore_t *self, char *buf, size_t len)
{
    sqlite3_stmt *st;
    buf [0] = 0;
    int rc = us_stmts_get (&st, self->stmts, s_ended_sql);
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, self->unit, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    char next [512] = "";
    if (step == SQLITE_ROW) {
        s_ended_text (buf, len, self->unit, us_db_text (st, 0), us_db_text (st, 1),
                      us_db_text (st, 2));
        snprintf (next, sizeof next, "%s", us_db_text (st, 1));
    }
    sqlite3_reset (st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return us_db_error (self->db, "units");
    /* The successors of a split by name too, as far as the office holds them. */
    if (!strchr (next, '='))
        return 0;
    char *save = NULL;
    size_t used = strlen (buf);
    int n = 0;
    for (char *part = strtok_r (next, ",", &save); part && used + 1 < len;
         part = strtok_r (NULL, ",", &save)) {
        char *eq = strchr (part, '=');
        if (eq)
            *eq = 0;
        int rc = us_stmts_get (&st, self->stmts, "SELECT name FROM units WHERE code = ?");
        if (rc)
            return rc;
        sqlite3_bind_text (st, 1, part, -1, SQLITE_STATIC);
        if (sqlite3_step (st) == SQLITE_ROW)
            used += (size_t) snprintf (buf + used, len - used, "%s%s: %s", n++ ? "; " : " (",
                                       part, us_db_text (st, 0));
        sqlite3_reset (st);
    }
    if (n && used + 1 < len)
        snprintf (buf + used, len - used, ")");
    return 0;
}

/* Tells an office whose unit has ended which unit succeeds it (as
   pulled): a line of text, or the keys "ended" and "successor". */
static int
s_status_ended (us_dstore_t *self, FILE *out, bool json)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts, s_ended_sql);
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, self->unit, -1, SQLITE_STATIC);
    if (sqlite3_step (st) == SQLITE_ROW) {
        const char *to = us_db_text (st, 0), *next = us_db_text (st, 1), *name = us_db_text (st, 2);
        if (json) {
            fputs (",\"ended\":", out);
            us_text_json (out, to);
            fputs (",\"successor\":", out);
            us_text_json (out, next);
        }
        else
            fprintf (out, "This unit ended in %s%s%s%s%s%s; figures for later months go to %s.\n",
                     to, *next ? "; its successor is " : "", next, *name ? " (" : "", name,
                     *name ? ")" : "", *next ? "the successor's office" : "no unit");
    }
    sqlite3_reset (st);
    return 0;
}

/* Prints the sync state: pending, rejected, conflicts, clock. */
int
us_dstore_status (us_dstore_t *self, FILE *out, bool json)
{
    int64_t epoch, cp, offset, last_at;
    char last [320] = "never";      /* as long as the sync summary */
    int rc = s_get (self, S_EPOCH, &epoch);
    if (rc == 0) rc = s_get (self, S_CHECKPOINT, &cp);
    if (rc == 0) rc = s_get (self, S_CLOCK_OFFSET, &offset);
    if (rc == 0) rc = s_get (self, S_LAST_SYNC_MS, &last_at);
    sqlite3_stmt *st;
    if (rc == 0) rc = us_stmts_get (&st, self->stmts, "SELECT last_sync FROM state");
    if (rc)
        return rc;
    if (sqlite3_step (st) == SQLITE_ROW)
        snprintf (last, sizeof last, "%s", us_db_text (st, 0));
    sqlite3_reset (st);
    char when [32] = "never";
    if (last_at) {
        time_t t = (time_t) (last_at / 1000);
        struct tm tm;
        gmtime_r (&t, &tm);
        strftime (when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
    }
    bool clock_off = offset > CLOCK_WARN_MS || offset < -CLOCK_WARN_MS;
    if (json) {
        fputs ("{\"unit\":", out);
        us_text_json (out, self->unit);
        fputs (",\"server\":", out);
        us_text_json (out, self->server);
        fprintf (out, ",\"epoch\":%lld,\"checkpoint\":%lld,\"clock_offset_ms\":%lld,"
                 "\"clock_warning\":%s,\"last_sync\":", (long long) epoch, (long long) cp,
                 (long long) offset, clock_off ? "true" : "false");
        us_text_json (out, last);
        fputs (",\"last_sync_at\":", out);
        us_text_json (out, when);
    }
    else {
        fprintf (out, "Office %s, server %s\n", self->unit, self->server);
        fprintf (out, "Last sync: %s (%s)\n", when, last);
        if (clock_off)
            fprintf (out, "Warning: this PC's clock is off by %lld minutes; fix the date and time.\n",
                     (long long) (offset / 60000));
    }
    rc = s_status_ended (self, out, json);
    if (rc == 0)
        rc = s_status_lists (self, out, json);
    if (rc == 0)
        rc = s_status_conflicts (self, out, json);
    if (rc == 0)
        rc = s_status_submits (self, out, json);
    if (json)
        fputs ("}\n", out);
    return rc;
}

/* Prints the office's figures for a period (NULL: the current year). */
int
us_dstore_show (us_dstore_t *self, FILE *out, const char *period, bool json)
{
    return us_dstore_show_unit (self, out, period, NULL, json);
}

/* Prints the figures of unit's subtree for a period. */
int
us_dstore_show_unit (us_dstore_t *self, FILE *out, const char *period, const char *unit,
                     bool json)
{
    char year [16];
    if (!period) {
        time_t t = time (NULL);
        struct tm tm;
        gmtime_r (&t, &tm);
        snprintf (year, sizeof year, "%04d", tm.tm_year + 1900);
        period = year;
    }
    us_report_t *report;
    int rc = us_dstore_report_build (&report, self->db, period, unit ? unit : self->unit);
    if (rc)
        return rc;
    rc = json ? us_print_json (report, out) : us_print_text (report, out);
    us_report_destroy (&report);
    if (rc || json)
        return rc;
    us_period_t p;
    us_period_parse (&p, period);
    sqlite3_stmt *st;
    rc = us_db_prepare (&st, self->db,
        "SELECT u.code, i.code, c.month, c.value, c.author, c.note, c.corrected,"
        " EXISTS (SELECT 1 FROM outbox o WHERE o.unit = u.code AND o.indicator = i.code"
        "         AND o.month = c.month)"
        " FROM cells c JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id"
        " WHERE c.month BETWEEN ? AND ? ORDER BY u.code, c.month, i.position");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, p.first);
    sqlite3_bind_int (st, 2, p.last);
    fputs ("\nEntries (* not yet sent, C corrected by the province):\n", out);
    while (sqlite3_step (st) == SQLITE_ROW) {
        char line [300];
        s_cell_text (line, sizeof line, st, 0, 1, 2, 3);
        fprintf (out, " %s%s %s  by %s%s%s\n", sqlite3_column_int (st, 7) ? "*" : " ",
                 sqlite3_column_int (st, 6) ? "C" : " ", line, us_db_text (st, 4),
                 *us_db_text (st, 5) ? ": " : "", us_db_text (st, 5));
    }
    sqlite3_finalize (st);
    return 0;
}

/* Prints the indicators the office knows. */
int
us_dstore_indicators (us_dstore_t *self, FILE *out, bool json)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT code, name, kind, policy, rule, numerator, denominator FROM indicators"
        " ORDER BY position, code");
    if (rc)
        return rc;
    static const char *keys [7] = { "code", "name", "kind", "policy", "rule", "numerator",
                                    "denominator" };
    int n = 0, step;
    if (json)
        fputc ('[', out);
    else
        fputs ("code                  kind   policy             rule                       name\n", out);
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        if (json) {
            fputs (n ? ",{" : "{", out);
            for (int k = 0; k < 7; k++) {
                fprintf (out, "%s\"%s\":", k ? "," : "", keys [k]);
                us_text_json (out, us_db_text (st, k));
            }
            fputc ('}', out);
        }
        else {
            char rule [300];
            if (*us_db_text (st, 5))
                snprintf (rule, sizeof rule, "= %s / %s", us_db_text (st, 5), us_db_text (st, 6));
            else
                snprintf (rule, sizeof rule, "%s", *us_db_text (st, 4) ? us_db_text (st, 4) : "-");
            us_text_pad (out, us_db_text (st, 0), 21, false);
            fputc (' ', out);
            us_text_pad (out, us_db_text (st, 2), 6, false);
            fputc (' ', out);
            us_text_pad (out, us_db_text (st, 3), 18, false);
            fputc (' ', out);
            us_text_pad (out, rule, 26, false);
            fprintf (out, " %s\n", us_db_text (st, 1));
        }
        n++;
    }
    rc = step == SQLITE_DONE ? 0 : us_db_error (self->db, "indicators");
    sqlite3_finalize (st);
    if (json)
        fputs ("]\n", out);
    return rc;
}

/* Changes the server endpoint and/or its key. */
int
us_dstore_config (us_dstore_t *self, const char *server, const char *server_key)
{
    char z85 [41] = "";
    uint8_t sign [32];
    bool has_sign;
    int rc = server ? s_check_server (server) : 0;
    if (rc == 0 && server_key)
        rc = us_keys_parse_token (z85, sign, &has_sign, server_key);
    if (rc == 0)
        rc = us_db_begin (self->db);
    if (rc == 0 && server)
        rc = us_db_meta_set (self->db, "server", server);
    if (rc == 0 && server_key)
        rc = us_db_meta_set (self->db, "server_key", z85);
    /* Another server has a change stream of its own (a province that
       absorbed this office's, or a new machine): the next sync pulls from
       its start and takes the new store's incarnation as it finds it. */
    bool other = (server && strcmp (server, self->server) != 0)
              || (server_key && strcmp (z85, self->server_key) != 0);
    if (rc == 0 && other)
        rc = s_put (self, S_CHECKPOINT, 0);
    if (rc == 0 && other)
        rc = us_db_exec (self->db, "UPDATE state SET incarnation = ''");
    if (rc == 0)
        rc = us_db_commit (self->db);
    if (rc) {
        us_db_rollback (self->db);
        return rc;
    }
    return s_load_meta (self);
}

/* Starts a transaction that the next us_dstore_set() calls join. */
int
us_dstore_begin (us_dstore_t *self)
{
    int rc = us_db_begin (self->db);
    self->in_batch = rc == 0;
    return rc;
}

/* Commits the edits made since us_dstore_begin(); durable when it returns 0. */
int
us_dstore_commit (us_dstore_t *self)
{
    self->in_batch = false;
    return us_db_commit (self->db);
}

/* Undoes the edits made since us_dstore_begin(). */
void
us_dstore_rollback (us_dstore_t *self)
{
    self->in_batch = false;
    us_db_rollback (self->db);
}

/* Calls fn for each indicator of the catalog mirror, in catalog order. */
int
us_dstore_each_indicator (us_dstore_t *self, us_dstore_indicator_fn *fn, void *arg)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT code, name, kind FROM indicators ORDER BY position, id");
    if (rc)
        return rc;
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW)
        rc = fn (us_db_text (st, 0), us_db_text (st, 1), us_db_text (st, 2), arg);
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (self->db, "indicators");
    sqlite3_finalize (st);
    return rc;
}

/* Calls fn for each figure entered for a unit in months first..last. */
int
us_dstore_each_cell (us_dstore_t *self, int first, int last, us_dstore_cell_fn *fn, void *arg)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT u.code, i.code, c.month, c.value FROM cells c"
        " JOIN units u ON u.id = c.unit_id JOIN indicators i ON i.id = c.ind_id"
        " WHERE c.month BETWEEN ? AND ? AND c.value IS NOT NULL");
    if (rc)
        return rc;
    sqlite3_bind_int (st, 1, first);
    sqlite3_bind_int (st, 2, last);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW)
        rc = fn (us_db_text (st, 0), us_db_text (st, 1), sqlite3_column_int (st, 2),
                 sqlite3_column_int64 (st, 3), arg);
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (self->db, "cells");
    sqlite3_finalize (st);
    return rc;
}

/* Builds the report of period for the office's subtree. */
int
us_dstore_report (us_dstore_t *self, us_report_t **report_p, const char *period)
{
    return us_dstore_report_build (report_p, self->db, period, self->unit);
}

/* Keeps the signed audit head of a Welcome. */
int
us_dstore_head_add (us_dstore_t *self, const us_welcome_t *w)
{
    if (w->audit_hash.len != 32 || w->audit_signature.len != 64 || w->audit_key.len != 32)
        return 0;
    char text [US_HEAD_TEXT];
    us_keys_head_text (text, sizeof text, w->audit_records, w->audit_hash.data);
    if (us_keys_verify (w->audit_key.data, w->audit_signature.data, 64,
                        (const uint8_t *) text, strlen (text)) != 0)
        return us_error_set (US_ECORRUPT, "the server's audit head of %llu records is not "
                             "signed by the key it names", (unsigned long long) w->audit_records);
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "INSERT OR IGNORE INTO audit_heads (records, hash, signature, key, seen_ms)"
        " VALUES (?, ?, ?, ?, ?)");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, (int64_t) w->audit_records);
    sqlite3_bind_blob (st, 2, w->audit_hash.data, 32, SQLITE_STATIC);
    sqlite3_bind_blob (st, 3, w->audit_signature.data, 64, SQLITE_STATIC);
    sqlite3_bind_blob (st, 4, w->audit_key.data, 32, SQLITE_STATIC);
    /* When, by the province's clock, so that it compares with the time of
       a restore the province declares. */
    sqlite3_bind_int64 (st, 5, w->server_time ? us_hlc_ms (w->server_time) : us_hlc_wall_ms ());
    rc = sqlite3_step (st) == SQLITE_DONE ? 0
       : us_error_set (US_EIO, "keeping the audit head: %s", sqlite3_errmsg (self->db));
    sqlite3_finalize (st);
    return rc;
}

/* Loads the heads kept, oldest first. */
int
us_dstore_heads (us_dstore_t *self, us_dstore_head_t **heads_p, size_t *n)
{
    *heads_p = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT records, hash, signature, key, seen_ms FROM audit_heads ORDER BY records");
    if (rc)
        return rc;
    size_t cap = 0;
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            us_dstore_head_t *grown = realloc (*heads_p, cap * sizeof *grown);
            if (!grown) {
                rc = us_error_set (US_ENOMEM, "out of memory");
                break;
            }
            *heads_p = grown;
        }
        us_dstore_head_t *h = &(*heads_p) [*n];
        memset (h, 0, sizeof *h);
        h->records = (uint64_t) sqlite3_column_int64 (st, 0);
        if (sqlite3_column_bytes (st, 1) == 32)
            memcpy (h->hash, sqlite3_column_blob (st, 1), 32);
        if (sqlite3_column_bytes (st, 2) == 64)
            memcpy (h->signature, sqlite3_column_blob (st, 2), 64);
        if (sqlite3_column_bytes (st, 3) == 32)
            memcpy (h->key, sqlite3_column_blob (st, 3), 32);
        h->seen_ms = sqlite3_column_int64 (st, 4);
        (*n)++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_error_set (US_EIO, "reading the audit heads: %s", sqlite3_errmsg (self->db));
    sqlite3_finalize (st);
    if (rc) {
        free (*heads_p);
        *heads_p = NULL;
        *n = 0;
    }
    return rc;
}

/*  ----------------------------------------------------------------------
    What the office desk reads and keeps
    ---------------------------------------------------------------------- */

/* Walks the cells of unit for months first..last, with their answers. One
   query over the three places a cell can be known from: the view, the
   outbox and the history of answers. */
int
us_dstore_cells (us_dstore_t *self, const char *unit, int first, int last,
                 us_dstore_desk_cell_fn *fn, void *ctx)
{
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "WITH u AS (SELECT id FROM units WHERE code = ?1),"
        " k AS (SELECT i.code AS ind, c.month AS month FROM cells c"
        "       JOIN indicators i ON i.id = c.ind_id"
        "       WHERE c.unit_id = (SELECT id FROM u) AND c.month BETWEEN ?2 AND ?3"
        "   UNION SELECT indicator, month FROM outbox WHERE unit = ?1 AND month BETWEEN ?2 AND ?3"
        "   UNION SELECT indicator, month FROM history WHERE unit = ?1 AND month BETWEEN ?2 AND ?3)"
        " SELECT k.ind, k.month, c.value, c.author, c.note, c.corrected, c.id,"
        "  EXISTS (SELECT 1 FROM outbox o WHERE o.unit = ?1 AND o.indicator = k.ind"
        "          AND o.month = k.month),"
        "  h.outcome, h.reason, h.value, h.id, x.winner_author, x.winner_value, x.id"
        " FROM k"
        " LEFT JOIN cells c ON c.unit_id = (SELECT id FROM u)"
        "  AND c.ind_id = (SELECT id FROM indicators WHERE code = k.ind) AND c.month = k.month"
        " LEFT JOIN history h ON h.id = (SELECT MAX (id) FROM history WHERE unit = ?1"
        "  AND indicator = k.ind AND month = k.month)"
        " LEFT JOIN conflicts x ON x.id = (SELECT MAX (id) FROM conflicts WHERE unit = ?1"
        "  AND indicator = k.ind AND month = k.month)"
        " ORDER BY k.ind, k.month");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 2, first);
    sqlite3_bind_int (st, 3, last);
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_dstore_cell_t c = {
            .indicator = us_db_text (st, 0), .month = sqlite3_column_int (st, 1),
            .has_value = sqlite3_column_type (st, 2) != SQLITE_NULL,
            .value = sqlite3_column_int64 (st, 2),
            .author = us_db_text (st, 3), .note = us_db_text (st, 4),
            .corrected = sqlite3_column_int (st, 5) != 0,
            .pending = sqlite3_column_int (st, 7) != 0,
            .outcome = us_db_text (st, 8), .reason = us_db_text (st, 9),
            .has_sent = sqlite3_column_type (st, 10) != SQLITE_NULL,
            .sent = sqlite3_column_int64 (st, 10),
            .winner_author = us_db_text (st, 12),
            .has_winner = sqlite3_column_type (st, 13) != SQLITE_NULL,
            .winner = sqlite3_column_int64 (st, 13) };
        rc = fn (ctx, &c);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (self->db, "cells");
    sqlite3_reset (st);
    return rc;
}

/* Sets *locked when the province locked month of unit. */
int
us_dstore_locked (us_dstore_t *self, bool *locked, char *period, size_t size,
                  const char *unit, int month)
{
    int64_t id;
    *locked = false;
    int rc = s_unit_id (self, &id, unit);
    return rc == US_ENOTFOUND ? 0 : rc ? rc : s_locked (self, locked, period, size, id, month);
}

/* Returns the last sync attempt, the last answer and the outbox's size. */
int
us_dstore_sync_info (us_dstore_t *self, int64_t *last_at, char *outcome, size_t size,
                     int64_t *reached_at, int64_t *pending)
{
    int rc = s_get (self, S_LAST_SYNC_MS, last_at);
    if (rc == 0)
        rc = us_db_meta_int (reached_at, self->db, "desk.reached_at", 0);
    sqlite3_stmt *st;
    if (rc == 0)
        rc = us_stmts_get (&st, self->stmts, "SELECT last_sync FROM state");
    if (rc)
        return rc;
    snprintf (outcome, size, "%s", sqlite3_step (st) == SQLITE_ROW ? us_db_text (st, 0) : "");
    sqlite3_reset (st);
    rc = us_stmts_get (&st, self->stmts, "SELECT COUNT (*) FROM outbox");
    if (rc)
        return rc;
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_db_error (self->db, "outbox");
    *pending = rc ? 0 : sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Records that the province answered now. */
int
us_dstore_note_reached (us_dstore_t *self)
{
    return us_db_meta_set_int (self->db, "desk.reached_at", us_hlc_wall_ms ());
}

/* Reads the office's submission of period, queued and at the province. */
int
us_dstore_submission (us_dstore_t *self, const char *period, char *state, size_t state_size,
                      char *reason, size_t reason_size, char *province, size_t province_size)
{
    snprintf (state, state_size, "%s", "");
    snprintf (reason, reason_size, "%s", "");
    snprintf (province, province_size, "%s", "");
    sqlite3_stmt *st;
    int rc = us_stmts_get (&st, self->stmts,
        "SELECT state, reason FROM pending_submits WHERE period = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, period, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        snprintf (state, state_size, "%s", us_db_text (st, 0));
        snprintf (reason, reason_size, "%s", us_db_text (st, 1));
    }
    sqlite3_reset (st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return us_db_error (self->db, "submit");
    rc = us_stmts_get (&st, self->stmts,
        "SELECT s.state FROM submissions s JOIN units u ON u.id = s.unit_id"
        " WHERE u.code = ? AND s.period = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, self->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, period, -1, SQLITE_STATIC);
    step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        snprintf (province, province_size, "%s", us_db_text (st, 0));
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (self->db, "submissions");
}

/* Builds the meta key of a desk setting; refuses keys that are not codes. */
static int
s_desk_key (char *buf, size_t size, const char *key)
{
    if (!us_text_code_valid (key) || strlen (key) > 32)
        return us_error_set (US_EINVAL, "bad setting name");
    snprintf (buf, size, "desk.%s", key);
    return 0;
}

/* Reads a setting of the desk. */
int
us_dstore_desk_get (us_dstore_t *self, const char *key, char *buf, size_t size)
{
    char name [48];
    int rc = s_desk_key (name, sizeof name, key);
    return rc ? rc : us_db_meta_get (buf, size, self->db, name);
}

/* Writes a setting of the desk; durable when it returns. */
int
us_dstore_desk_set (us_dstore_t *self, const char *key, const char *value)
{
    char name [48];
    int rc = s_desk_key (name, sizeof name, key);
    if (rc == 0 && (strlen (value) > US_MAX_CODE || !us_text_utf8_valid (value)))
        rc = us_error_set (US_EINVAL, "setting too long or not UTF-8");
    return rc ? rc : us_db_meta_set (self->db, name, value);
}

/* Builds the consolidated report of period for unit from the office's view. */
int
us_dstore_report_unit (us_dstore_t *self, us_report_t **report_p, const char *period,
                       const char *unit)
{
    return us_dstore_report_build (report_p, self->db, period, unit ? unit : self->unit);
}

/* Writes a consistent copy of the store to path. */
int
us_dstore_copy (us_dstore_t *self, const char *path)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db, "VACUUM INTO ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, path, -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (self->db, "copy");
    sqlite3_finalize (st);
    return rc;
}

/* Sets *acked to the highest seq of epoch acknowledged here. */
int
us_dstore_acked (us_dstore_t *self, uint32_t epoch, uint64_t *acked)
{
    int64_t value = 0;
    int rc = s_query_int (self, &value, "SELECT COALESCE (MAX (seq), 0) FROM history"
                          " WHERE epoch = ?", (int64_t) epoch);
    *acked = rc == 0 && value > 0 ? (uint64_t) value : 0;
    return rc;
}

/* Sets *epoch to the epoch of new edits and *acked to the highest seq of
   it acknowledged here. */
int
us_dstore_epoch_acked (us_dstore_t *self, uint32_t *epoch, uint64_t *acked)
{
    int64_t value = 0;
    int rc = s_get (self, S_EPOCH, &value);
    *epoch = rc == 0 ? (uint32_t) value : 0;
    return rc ? rc : us_dstore_acked (self, *epoch, acked);
}

/* Returns the last sequence number issued. */
int
us_dstore_last_seq (us_dstore_t *self, int64_t *seq)
{
    return s_get (self, S_LAST_SEQ, seq);
}

/* Walks the outbox's edits above a sequence number. */
int
us_dstore_outbox_since (us_dstore_t *self, int64_t after, us_dstore_edit_fn *fn, void *ctx)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, self->db,
        "SELECT unit, month, indicator, value, note FROM outbox WHERE seq > ? AND resent = 0"
        " ORDER BY seq");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, after);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_dstore_edit_t e = { .unit = us_db_text (st, 0), .month = sqlite3_column_int (st, 1),
                               .indicator = us_db_text (st, 2),
                               .clear = sqlite3_column_type (st, 3) == SQLITE_NULL,
                               .value = sqlite3_column_int64 (st, 3), .note = us_db_text (st, 4) };
        rc = fn (ctx, &e);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_db_error (self->db, "outbox");
    sqlite3_finalize (st);
    return rc;
}

/* Reads the office's figure of a cell. */
int
us_dstore_value (us_dstore_t *self, bool *has, int64_t *value, const char *unit, int month,
                 const char *indicator)
{
    sqlite3_stmt *st;
    *has = false;
    *value = 0;
    int rc = us_stmts_get (&st, self->stmts,
        "SELECT c.value FROM cells c JOIN units u ON u.id = c.unit_id"
        " JOIN indicators i ON i.id = c.ind_id WHERE u.code = ? AND i.code = ? AND c.month = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int (st, 3, month);
    int step = sqlite3_step (st);
    *has = step == SQLITE_ROW && sqlite3_column_type (st, 0) != SQLITE_NULL;
    *value = *has ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_db_error (self->db, "cells");
}
