/*  us_pstore_backup: consistent copies of the provincial store. */
#include "us_pstore_backup.h"
#include "us_pstore_sql.h"
#include "us_audit.h"
#include "us_db.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The tables a summary counts, in the order of us_pstore_summary_t. */
static const char *s_counted [] = {
    "units", "replicas", "cells", "received", "batches", "targets", "conflicts", "changelog"
};

/* Fsyncs the file or directory at path; returns 0 or US_EIO. */
static int
s_fsync_path (const char *path, bool dir)
{
    int fd = open (path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return us_error_set (US_EIO, "cannot open %s: %s", path, strerror (errno));
    int rc = fsync (fd) == 0 ? 0 : us_error_set (US_EIO, "cannot flush %s: %s", path,
                                                  strerror (errno));
    close (fd);
    return rc;
}

/* Fsyncs the directory that holds path. */
static int
s_fsync_dir_of (const char *path)
{
    char dir [4096];
    snprintf (dir, sizeof dir, "%s", path);
    char *slash = strrchr (dir, '/');
    if (!slash)
        snprintf (dir, sizeof dir, ".");
    else
        *(slash == dir ? slash + 1 : slash) = 0;
    return s_fsync_path (dir, true);
}

/* Copies every page of src into dest in one step, so the copy is the
   snapshot of one read transaction of src. */
static int
s_copy (sqlite3 *dest, sqlite3 *src, const char *what)
{
    sqlite3_backup *bk = sqlite3_backup_init (dest, "main", src, "main");
    if (!bk)
        return us_db_error (dest, what);
    int step = sqlite3_backup_step (bk, -1);
    int fin = sqlite3_backup_finish (bk);
    if (step != SQLITE_DONE || fin != SQLITE_OK)
        return us_error_set (step == SQLITE_FULL || fin == SQLITE_FULL ? US_EIO : US_EIO,
                             "%s: %s", what, sqlite3_errstr (step != SQLITE_DONE ? step : fin));
    return 0;
}

/* Runs the full integrity check on db. */
static int
s_integrity (sqlite3 *db, const char *path)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return us_error_set (US_ECORRUPT, "%s is damaged or not a unionsync store", path);
    int step = sqlite3_step (st);
    const char *text = step == SQLITE_ROW ? (const char *) sqlite3_column_text (st, 0) : NULL;
    char first [256];
    const char *finding = text ? text : sqlite3_errmsg (db);
    if (strncmp (finding, "*** in database main ***\n", 25) == 0)
        finding += 25;
    snprintf (first, sizeof first, "%s", finding);
    first [strcspn (first, "\r\n")] = 0;     /* the first finding, on one line */
    int rc = text && strcmp (text, "ok") == 0
           ? 0 : us_error_set (US_ECORRUPT, "%s failed its integrity check (%s)", path, first);
    sqlite3_finalize (st);
    return rc;
}

/* Fills the counts and identity of *sum from db. */
static int
s_summarise (sqlite3 *db, us_pstore_summary_t *sum)
{
    memset (sum, 0, sizeof *sum);
    int64_t *counts = &sum->units;
    for (size_t i = 0; i < sizeof s_counted / sizeof s_counted [0]; i++) {
        char sql [96];
        snprintf (sql, sizeof sql, "SELECT COUNT(*) FROM %s", s_counted [i]);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) != SQLITE_OK)
            return us_error_set (US_ECORRUPT, "the store has no table %s", s_counted [i]);
        counts [i] = sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
        sqlite3_finalize (st);
    }
    if (us_db_meta_get (sum->province, sizeof sum->province, db, "province") != 0)
        return us_error_set (US_ECORRUPT, "the store names no province");
    if (us_db_meta_get (sum->incarnation, sizeof sum->incarnation, db, "incarnation") != 0)
        snprintf (sum->incarnation, sizeof sum->incarnation, "-");
    return 0;
}

/* Checks the store file at path and fills *sum. */
int
us_pstore_check_file (const char *path, us_pstore_summary_t *sum, FILE *out)
{
    sqlite3 *db = NULL;
    struct stat st;
    if (stat (path, &st) != 0)
        return us_error_set (US_ENOTFOUND, "no backup at %s", path);
    if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close (db);
        return us_error_set (US_ECORRUPT, "%s is not a store", path);
    }
    int rc = s_integrity (db, path);
    if (rc == 0)
        rc = s_summarise (db, sum);
    sqlite3_close (db);
    if (rc)
        return rc;
    us_pstore_t *store;
    if ((rc = us_pstore_open (&store, path)) != 0)
        return rc;
    FILE *sink = out ? out : fopen ("/dev/null", "w");
    rc = sink ? us_audit_verify (store, sink) : us_error_set (US_EIO, "cannot open /dev/null");
    if (sink && sink != out)
        fclose (sink);
    us_pstore_destroy (&store);
    return rc;
}

/* Copies the key file beside the store to dest (mode 0600). */
static int
s_copy_key (const char *from, const char *to)
{
    us_keys_t keys;
    int rc = us_keys_load (&keys, from);
    if (rc == 0)
        rc = us_keys_save (&keys, to);
    us_keys_wipe (&keys);
    return rc;
}

/* Makes the copy at tmp a single, flushed file. */
static int
s_backup_into (const char *db_path, const char *tmp)
{
    sqlite3 *src = NULL, *dest = NULL;
    int rc = 0;
    if (sqlite3_open_v2 (db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        rc = us_error_set (US_ENOTFOUND, "cannot open the store %s", db_path);
    else
    if (sqlite3_open_v2 (tmp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        rc = us_error_set (US_EIO, "cannot create %s: %s", tmp, sqlite3_errmsg (dest));
    if (rc == 0) {
        sqlite3_busy_timeout (src, 10000);
        rc = s_copy (dest, src, "backup");
    }
    sqlite3_close (src);
    sqlite3_close (dest);
    return rc;
}

/* Makes the checked copy at tmp one flushed file: no write-ahead log
   beside it, so copying the file alone copies everything. */
static int
s_finish_file (const char *tmp)
{
    sqlite3 *db = NULL;
    int rc = 0;
    if (sqlite3_open_v2 (tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
    ||  sqlite3_exec (db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
        rc = us_error_set (US_EIO, "cannot finish %s: %s", tmp, sqlite3_errmsg (db));
    sqlite3_close (db);
    return rc ? rc : s_fsync_path (tmp, false);
}

/* Copies the store at db_path into a new file path and checks it. */
int
us_pstore_backup (const char *db_path, const char *path, us_pstore_summary_t *sum)
{
    struct stat st;
    if (stat (db_path, &st) != 0)
        return us_error_set (US_ENOTFOUND, "no store at %s (run init first, or pass --db)", db_path);
    if (lstat (path, &st) == 0)
        return us_error_set (US_EEXIST, "%s already exists; nothing written", path);
    char tmp [4096], key [4096], from_key [4096];
    if (snprintf (tmp, sizeof tmp, "%s.partial", path) >= (int) sizeof tmp
    ||  snprintf (key, sizeof key, "%s.key", path) >= (int) sizeof key
    ||  snprintf (from_key, sizeof from_key, "%s.key", db_path) >= (int) sizeof from_key)
        return us_error_set (US_EINVAL, "backup path too long");
    if (lstat (key, &st) == 0)
        return us_error_set (US_EEXIST, "%s already exists; nothing written", key);
    unlink (tmp);
    int rc = s_backup_into (db_path, tmp);
    if (rc == 0)
        rc = us_pstore_check_file (tmp, sum, NULL);
    if (rc == 0)
        rc = s_finish_file (tmp);
    if (rc == 0)
        rc = s_copy_key (from_key, key);
    if (rc == 0 && rename (tmp, path) != 0)
        rc = us_error_set (US_EIO, "cannot name the backup %s: %s", path, strerror (errno));
    if (rc == 0)
        rc = s_fsync_dir_of (path);
    if (rc) {
        int keep = rc;
        char msg [512];
        snprintf (msg, sizeof msg, "%s", us_error_msg ());
        unlink (tmp);
        if (keep != US_EEXIST)
            unlink (key);
        unlink (path);
        return us_error_set (keep, "%s", msg);
    }
    return 0;
}

/* Takes the serving lock of db_path. */
int
us_pstore_serving_lock (const char *db_path, int *fd)
{
    *fd = open (db_path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return us_error_set (US_ENOTFOUND, "no store at %s", db_path);
    if (flock (*fd, LOCK_EX | LOCK_NB) != 0) {
        close (*fd);
        *fd = -1;
        return us_error_set (US_EPERM, "a server is running on %s; stop it first", db_path);
    }
    return 0;
}

/* Writes a fresh random incarnation into the store at db (and into buf
   when not NULL). */
static int
s_new_incarnation (sqlite3 *db, char *buf, size_t size)
{
    uint8_t raw [16];
    char hex [33];
    if (RAND_bytes (raw, sizeof raw) != 1)
        return us_error_set (US_EIO, "no randomness for a new incarnation");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf (hex + 2 * i, 3, "%02x", raw [i]);
    int rc = us_db_meta_set (db, "incarnation", hex);
    if (rc == 0 && buf)
        snprintf (buf, size, "%s", hex);
    return rc;
}

/* Reads the store's incarnation; "-" when it has none. */
void
us_pstore_incarnation (us_pstore_t *self, char *buf, size_t size)
{
    if (us_db_meta_get (buf, size, self->db, "incarnation") != 0)
        snprintf (buf, size, "-");
}

/* Gives the store a new incarnation (an autocommitted meta write). */
int
us_pstore_new_incarnation (us_pstore_t *self, char *buf, size_t size)
{
    return s_new_incarnation (self->db, buf, size);
}

/* Appends the record of a restore (inside the caller's transaction): r's
   before, before_hash, noticed and by; its own length is the backup's.
   Starts the store's next timeline. */
static int
s_restore_record (us_pstore_t *self, const us_pstore_restore_t *r, const char *what)
{
    char province [65], hex [2 * US_HASH_LEN + 1] = "";
    if (us_db_meta_get (province, sizeof province, self->db, "province") != 0)
        snprintf (province, sizeof province, "-");
    for (int i = 0; r->before_known && i < US_HASH_LEN; i++)
        snprintf (hex + 2 * i, 3, "%02x", r->before_hash [i]);
    /* A new timeline: cells written from now on were written after it. */
    int rc = us_db_exec (self->db, "INSERT INTO meta (key, value) VALUES ('timeline', '1')"
                         " ON CONFLICT (key) DO UPDATE SET value = CAST (value AS INTEGER) + 1");
    self->timeline_known = false;
    us_pstore_chain_t chain;
    if (rc == 0)
        rc = us_pstore_chain_open (self, &chain);
    if (rc)
        return rc;
    us_audit_row_t row = {
        .kind = US_ACT_RESTORE, .seq = chain.next_id, .unit = province,
        .indicator = r->noticed ? "noticed" : "declared", .month = -1,
        .has_value = r->before_known, .value = r->before_known ? r->before : 0,
        .author = *r->by ? r->by : "province", .note = hex, .reason = what,
        .version = chain.rows, .at = us_hlc_wall_ms () };
    rc = us_pstore_record_append (self, &chain, &row);
    if (rc == 0)
        rc = us_pstore_chain_close (self, &chain);
    return rc;
}

/* Opens the file at path read-only and immutable: SQLite then writes
   nothing beside it (no -wal, no -shm, no journal mode change), so a
   backup on read-only media, or one kept as evidence, stays byte for byte
   as it was. A copy made by hand with its write-ahead log beside it is
   opened read-only but not immutable, so that the log is read too.
   Returns 0 or US_ENOTFOUND; *db is closed by the caller. */
static int
s_open_untouched (sqlite3 **db, const char *path)
{
    char wal [4096 + 8];
    struct stat st;
    snprintf (wal, sizeof wal, "%s-wal", path);
    bool logged = stat (wal, &st) == 0 && st.st_size > 0;
    char uri [4096 * 3 + 32];
    size_t n = (size_t) snprintf (uri, sizeof uri, "file:");
    for (const char *c = path; *c && n + 4 < sizeof uri; c++)
        n += (size_t) (strchr ("?#%", *c) ? snprintf (uri + n, 4, "%%%02X", (unsigned char) *c)
                                           : snprintf (uri + n, 2, "%c", *c));
    snprintf (uri + n, sizeof uri - n, logged ? "?mode=ro" : "?immutable=1");
    *db = NULL;
    if (sqlite3_open_v2 (uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
        return us_error_set (US_ENOTFOUND, "cannot open %s: %s", path, sqlite3_errmsg (*db));
    return 0;
}

/* Removes a working copy and whatever SQLite left beside it. */
static void
s_unlink_all (const char *path)
{
    char side [4096 + 16];
    unlink (path);
    const char *ends [] = { "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < 3; i++) {
        snprintf (side, sizeof side, "%s%s", path, ends [i]);
        unlink (side);
    }
}

/* Copies the backup into a working copy at tmp without writing to the
   backup itself; the checks then run on the copy. */
static int
s_copy_out (const char *backup, const char *tmp)
{
    sqlite3 *src = NULL, *dest = NULL;
    s_unlink_all (tmp);
    int rc = s_open_untouched (&src, backup);
    if (rc == 0
    &&  sqlite3_open_v2 (tmp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        rc = us_error_set (US_EIO, "cannot create %s: %s", tmp, sqlite3_errmsg (dest));
    /* A file that is no store fails here, before any check. */
    if (rc == 0 && s_copy (dest, src, "reading the backup") != 0)
        rc = us_error_set (US_ECORRUPT, "%s is not a store (%s)", backup, us_error_msg ());
    sqlite3_close (src);
    sqlite3_close (dest);
    return rc;
}

/* Checks the working copy tmp of backup; an error names the backup. */
static int
s_check_copy (const char *tmp, const char *backup, us_pstore_summary_t *sum)
{
    int rc = us_pstore_check_file (tmp, sum, NULL);
    if (rc == 0)
        return 0;
    char msg [1024], *at;
    snprintf (msg, sizeof msg, "%s", us_error_msg ());
    size_t len = strlen (tmp);
    if ((at = strstr (msg, tmp)) != NULL) {
        char rest [1024];
        snprintf (rest, sizeof rest, "%s", at + len);
        *at = 0;
        return us_error_set (rc, "%s%s%s", msg, backup, rest);
    }
    return us_error_set (rc, "%s", msg);
}

/* Reads the head of the chain of the store at path, if it can be read. */
static void
s_head_of (const char *path, us_pstore_restore_t *r)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
    &&  sqlite3_prepare_v2 (db, "SELECT h.records, r.hash FROM audit_head h"
                            " LEFT JOIN received r ON r.id = h.records", -1, &st, NULL) == SQLITE_OK
    &&  sqlite3_step (st) == SQLITE_ROW) {
        r->before = sqlite3_column_int64 (st, 0);
        r->before_known = r->before == 0 || sqlite3_column_bytes (st, 1) == US_HASH_LEN;
        if (r->before && r->before_known)
            memcpy (r->before_hash, sqlite3_column_blob (st, 1), US_HASH_LEN);
    }
    sqlite3_finalize (st);
    sqlite3_close (db);
}

/* Records the restore of backup into the store at db_path, and sums it up. */
static int
s_restore_note (const char *backup, const char *db_path, us_pstore_restore_t *r,
                us_pstore_summary_t *sum)
{
    us_pstore_t *store;
    int rc = us_pstore_open (&store, db_path);
    if (rc)
        return rc;
    char what [US_MAX_REASON], before [32];
    snprintf (before, sizeof before, r->before_known ? "%lld records" : "unknown",
              (long long) r->before);
    snprintf (what, sizeof what, "restored from %.60s; the chain held %s before", backup,
              before);
    rc = us_pstore_begin (store);
    if (rc == 0)
        rc = s_restore_record (store, r, what);
    if (rc == 0)
        rc = us_pstore_commit (store);
    else
        us_pstore_rollback (store);
    if (rc == 0)
        rc = s_summarise (store->db, sum);
    us_pstore_destroy (&store);
    return rc;
}

/* Puts a backup back as the store at db_path. */
int
us_pstore_restore (const char *backup, const char *db_path, const char *author,
                   us_pstore_summary_t *sum)
{
    us_pstore_restore_t r = { .before_known = false };
    snprintf (r.by, sizeof r.by, "%s", author && *author ? author : "province");
    int lock = -1;
    struct stat st;
    bool exists = stat (db_path, &st) == 0;
    if (exists && us_pstore_serving_lock (db_path, &lock) != 0)
        return US_EPERM;
    /* The backup is only read: copied once, and checked and put back from
       that copy (the checks open a store read-write). */
    char tmp [4096];
    if (snprintf (tmp, sizeof tmp, "%s.restoring", db_path) >= (int) sizeof tmp) {
        if (lock >= 0)
            close (lock);
        return us_error_set (US_EINVAL, "store path too long");
    }
    struct stat bst;
    int rc = stat (backup, &bst) == 0 ? s_copy_out (backup, tmp)
                                      : us_error_set (US_ENOTFOUND, "no backup at %s", backup);
    if (rc == 0)
        rc = s_check_copy (tmp, backup, sum);
    if (rc == 0 && exists)
        s_head_of (db_path, &r);
    sqlite3 *src = NULL, *dest = NULL;
    if (rc == 0
    &&  sqlite3_open_v2 (tmp, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        rc = us_error_set (US_EIO, "cannot open %s", tmp);
    if (rc == 0
    &&  sqlite3_open_v2 (db_path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
        != SQLITE_OK)
        rc = us_error_set (US_EIO, "cannot open %s: %s", db_path, sqlite3_errmsg (dest));
    if (rc == 0) {
        sqlite3_busy_timeout (dest, 10000);
        rc = s_copy (dest, src, "restore");
    }
    if (rc == 0 && (sqlite3_exec (dest, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK
                ||  sqlite3_exec (dest, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK))
        rc = us_error_set (US_EIO, "cannot configure %s", db_path);
    if (rc == 0)
        rc = s_new_incarnation (dest, NULL, 0);
    sqlite3_close (src);
    sqlite3_close (dest);
    s_unlink_all (tmp);
    if (rc == 0)
        rc = s_restore_note (backup, db_path, &r, sum);
    if (lock >= 0)
        close (lock);
    if (rc)
        return rc;
    char key [4096], from_key [4096];
    snprintf (key, sizeof key, "%s.key", db_path);
    snprintf (from_key, sizeof from_key, "%s.key", backup);
    if (stat (key, &st) != 0 && (rc = s_copy_key (from_key, key)) != 0)
        return rc;
    return s_fsync_dir_of (db_path);
}

/* Gives the store a new incarnation and records the restore it noticed. */
int
us_pstore_restore_noticed (us_pstore_t *self, char *buf, size_t size, const char *by,
                           const char *what)
{
    us_pstore_restore_t r = { .noticed = true };
    snprintf (r.by, sizeof r.by, "%s", by);
    int rc = us_pstore_begin (self);
    if (rc == 0)
        rc = s_new_incarnation (self->db, buf, size);
    if (rc == 0)
        rc = s_restore_record (self, &r, what);
    if (rc == 0)
        rc = us_pstore_commit (self);
    else
        us_pstore_rollback (self);
    return rc;
}

/* Reads 64 hex digits into hash; false when text is not that. */
static bool
s_unhex (uint8_t *hash, const char *text)
{
    if (strlen (text) != 2 * US_HASH_LEN)
        return false;
    for (int i = 0; i < US_HASH_LEN; i++) {
        unsigned v;
        if (sscanf (text + 2 * i, "%2x", &v) != 1)
            return false;
        hash [i] = (uint8_t) v;
    }
    return true;
}

/* Visits the last max restore records, oldest first. */
int
us_pstore_restores (us_pstore_t *self, size_t max,
                    int (*fn) (void *arg, const us_pstore_restore_t *r), void *arg)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT id, at, value, note, version, indicator, author FROM (SELECT * FROM received"
        " WHERE kind = 9 ORDER BY id DESC LIMIT ?) ORDER BY id", "reading restores");
    if (rc)
        return rc;
    _Static_assert (US_ACT_RESTORE == 9, "the query names the restore's kind by number");
    sqlite3_bind_int64 (st, 1, (int64_t) max);
    int step;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW) {
        us_pstore_restore_t r = {
            .record = sqlite3_column_int64 (st, 0), .at = sqlite3_column_int64 (st, 1),
            .before = sqlite3_column_int64 (st, 2), .backup = sqlite3_column_int64 (st, 4),
            .noticed = strcmp (us_db_text (st, 5), "noticed") == 0 };
        r.before_known = sqlite3_column_type (st, 2) != SQLITE_NULL
                      && (r.before == 0 || s_unhex (r.before_hash, us_db_text (st, 3)));
        snprintf (r.by, sizeof r.by, "%s", us_db_text (st, 6));
        rc = fn (arg, &r);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading restores");
    sqlite3_reset (st);
    return rc;
}

/* Prints a summary. */
void
us_pstore_summary_print (const us_pstore_summary_t *sum, FILE *out)
{
    fprintf (out, "province %s, incarnation %s\n", sum->province, sum->incarnation);
    fprintf (out, "%lld units, %lld offices, %lld cells, %lld targets, %lld conflicts\n",
             (long long) sum->units, (long long) sum->replicas, (long long) sum->cells,
             (long long) sum->targets, (long long) sum->conflicts);
    fprintf (out, "%lld audit records in %lld batches, %lld changes\n",
             (long long) sum->received, (long long) sum->batches, (long long) sum->changes);
}
