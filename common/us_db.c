/*  us_db: SQLite helpers shared by the district and provincial stores. */
#include "us_db.h"
#include "us_error.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sets the error message from SQLite's last error. */
int
us_db_error (sqlite3 *db, const char *what)
{
    int code = db ? sqlite3_errcode (db) : SQLITE_ERROR;
    const char *msg = db ? sqlite3_errmsg (db) : "no database";
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        return us_error_set (US_ECORRUPT, "store is damaged or not a unionsync store (%s: %s)",
                             what, msg);
    if (code == SQLITE_FULL || code == SQLITE_IOERR)
        return us_error_set (US_EIO, "cannot write the store (%s: %s)", what, msg);
    return us_error_set (US_EIO, "%s: %s", what, msg);
}

/* How long a statement waits for another connection's lock. */
#define S_BUSY_MS 10000

/* Applies the connection settings every store uses. */
static int
s_configure (sqlite3 *db)
{
    /* WAL lets readers (report, status) run beside a sync; FULL makes each
       commit durable before we tell anyone it is saved. */
    return us_db_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                           " PRAGMA foreign_keys=ON;");
}

/* Creates an empty file with mode 0600; fails when it exists. */
static int
s_create_file (const char *path)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return us_error_set (US_EEXIST, "store %s already exists; nothing changed", path);
        return us_error_set (US_EIO, "cannot create %s: %s", path, strerror (errno));
    }
    close (fd);
    return 0;
}

/* Checks that the file carries app_id; changes nothing. */
static int
s_check_app (sqlite3 *db, const char *path, uint32_t app_id)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db, "PRAGMA application_id");
    if (rc)
        return rc == US_EIO ? us_error_set (US_ECORRUPT, "%s is damaged or not a unionsync "
                                            "store", path) : rc;
    int step = sqlite3_step (st);
    uint32_t id = step == SQLITE_ROW ? (uint32_t) sqlite3_column_int (st, 0) : 0;
    sqlite3_finalize (st);
    if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
        return us_error_set (US_EIO, "%s is in use by another program (still locked after "
                             "%d s); nothing changed, try again", path, S_BUSY_MS / 1000);
    if (step != SQLITE_ROW)
        return us_error_set (US_ECORRUPT, "%s is damaged or not a unionsync store", path);
    if (id == US_APP_CLIENT || id == US_APP_SERVER) {
        if (id != app_id)
            return us_error_set (US_ECORRUPT, "%s is a unionsync %s store, not a %s store", path,
                                 id == US_APP_CLIENT ? "client" : "server",
                                 app_id == US_APP_CLIENT ? "client" : "server");
        return 0;
    }
    return us_error_set (US_ECORRUPT, "%s is not a unionsync store", path);
}

/* Sets up the process for its stores, once, before the first opens.
   Turns off SQLite's count of its memory: the count takes a process-wide
   mutex on every allocation (5% of a merge's time in the profile), and
   nothing here reads it. Must run before SQLite initializes; once that has
   happened (a caller opened a database another way first) it changes
   nothing, which costs only the speed.
   Keeps the heap's freed memory for the next statement, page or batch
   rather than giving it back to the kernel each time: the page cache and
   the messages free and take a few hundred KB over and over, and with
   glibc's defaults every give-back was a TLB flush on every core (libzmq's
   threads share the address space) and every take a page fault per 4 KB.
   In a round of 14 offices syncing at once that was a third of the
   offices' CPU. What is kept is at most 64 MB more than is in use, and
   only in a process that used that much.
   Keeps every statement journal in memory: a statement that may fail
   halfway inside a transaction (a batch's rows, 500 to an INSERT) keeps
   the pages it changes, to undo only itself, and past 64 KB SQLite put
   them in a new temporary file on disk, created and removed each time;
   the province's merge did so for nearly every batch. What is kept is at
   most the pages one statement changes. */
static void
s_process_setup (void)
{
    sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config (SQLITE_CONFIG_STMTJRNL_SPILL, -1);
#ifdef __GLIBC__
    mallopt (M_TRIM_THRESHOLD, US_DB_HEAP_KEPT);
    mallopt (M_TOP_PAD, 16 * 1024 * 1024);
#endif
}

/* Set once s_process_setup ran in this process. */
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

/* Opens the store at path. */
int
us_db_open (sqlite3 **db_p, const char *path, bool create, uint32_t app_id)
{
    *db_p = NULL;
    struct stat st;
    if (create) {
        int rc = s_create_file (path);
        if (rc)
            return rc;
    }
    else
    if (stat (path, &st) != 0)
        return us_error_set (US_ENOTFOUND, "no store at %s (run init first, or pass --db)", path);
    else
    if (!S_ISREG (st.st_mode))
        return us_error_set (US_EINVAL, "%s is not a file", path);
    else
    if (st.st_size == 0)
        return us_error_set (US_ECORRUPT, "%s is empty, not a unionsync store", path);

    pthread_once (&s_once, s_process_setup);
    /* A connection is used by one thread at a time (each thread of the
       desks and the service opens its own), so SQLite's per-connection
       mutex only costs time: NOMUTEX leaves it out. */
    sqlite3 *db = NULL;
    if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK) {
        int rc = us_db_error (db, path);
        sqlite3_close (db);
        return rc;
    }
    /* Wait for another process's lock from the first read on: the check
       below reads, and a desk or a report opening the store at the same
       moment (SQLite rebuilds a WAL's index then) made it fail as if the
       file were damaged. */
    sqlite3_busy_timeout (db, S_BUSY_MS);
    /* Check what the file is before changing anything in it. */
    int rc = create ? 0 : s_check_app (db, path, app_id);
    if (rc == 0) {
        rc = s_configure (db);
        int code = sqlite3_errcode (db);
        if (rc == US_EIO && !create && code != SQLITE_BUSY && code != SQLITE_LOCKED)
            rc = us_error_set (US_ECORRUPT, "cannot read store %s: %s", path, us_error_msg ());
    }
    if (rc == 0 && create) {
        char sql [64];
        snprintf (sql, sizeof sql, "PRAGMA application_id=%d", (int) app_id);
        rc = us_db_exec (db, sql);
    }
    if (rc != 0) {
        sqlite3_close (db);
        return rc;
    }
    *db_p = db;
    return 0;
}

/* Closes the store and nulls the pointer; safe on NULL. */
void
us_db_close (sqlite3 **db_p)
{
    if (db_p && *db_p) {
        sqlite3_close (*db_p);
        *db_p = NULL;
    }
}

/* Runs one or more SQL statements without results. */
int
us_db_exec (sqlite3 *db, const char *sql)
{
    if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return us_db_error (db, "sql");
    return 0;
}

/* Prepares one statement into *stmt_p. */
int
us_db_prepare (sqlite3_stmt **stmt_p, sqlite3 *db, const char *sql)
{
    if (sqlite3_prepare_v2 (db, sql, -1, stmt_p, NULL) != SQLITE_OK)
        return us_db_error (db, "prepare");
    return 0;
}

/* Starts a write transaction (BEGIN IMMEDIATE). */
int
us_db_begin (sqlite3 *db)
{
    return us_db_exec (db, "BEGIN IMMEDIATE");
}

/* Commits the current transaction. */
int
us_db_commit (sqlite3 *db)
{
    /* SQLite may roll a transaction back by itself on some errors (out of
       memory, disk full); never report such a transaction as committed. */
    if (sqlite3_get_autocommit (db))
        return us_error_set (US_EIO, "the transaction was rolled back by an earlier error");
    int rc = us_db_exec (db, "COMMIT");
    if (rc != 0)
        us_db_rollback (db);
    return rc;
}

/* Asks for the next bytes of the heap in huge pages. Memory a process
   touches for the first time costs a page fault for each 4 KB, about
   11 us in a virtual machine: a report of 700 units took some 1,300 of
   them, a fifth of its time, and a district's first pull 3,150. In huge
   pages (2 MB) the kernel faults in 512 times fewer, and the TLB is
   spared too; a page not touched costs nothing. Blocks up to bytes are
   then taken from the heap rather than from fresh maps of their own, and
   memory freed stays with the process (US_DB_HEAP_KEPT). With that, a
   report's scan reads its pages into the page cache faster than through
   a map of the file, whose pages fault one by one. Where the kernel has
   no huge pages for it, memory comes 4 KB at a time, as before. The
   threads the command starts take their memory from the same heap: a
   thread's own arena starts in 4 KB pages, and a report's second scan
   took as long in its first faults as the other half took whole. */
void
us_db_heap_huge (size_t bytes)
{
    pthread_once (&s_once, s_process_setup);
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = 2u << 20;
    if (bytes > US_DB_HEAP_HUGE_MAX)
        bytes = US_DB_HEAP_HUGE_MAX;
    mallopt (M_MMAP_THRESHOLD, (int) (bytes + 2 * huge));   /* above: a map of its own */
    mallopt (M_ARENA_MAX, 1);
    char *block = malloc (bytes);
    if (!block)
        return;
    /* The whole 2 MB frames the block touches: the first one may hold
       pages in use already, and then stays in 4 KB pages. */
    uintptr_t from = (uintptr_t) block & ~(huge - 1);
    uintptr_t to = ((uintptr_t) block + bytes + huge - 1) & ~(huge - 1);
    madvise ((void *) from, to - from, MADV_HUGEPAGE);
    free (block);
#else
    (void) bytes;
#endif
}

/* Checkpoints the WAL passively. When all of it went into the database,
   the next commit would start the WAL over: write its header and flush
   it, then write and flush the commit, two fsyncs where one does. So the
   WAL is started over here, while nobody waits, with a commit that
   changes nothing (the file header's application id written as it is);
   the next real commit appends behind it with one fsync. Costs two
   fsyncs at idle; *restarted says whether it was done. Returns 0, or
   US_EIO with the message set; a checkpoint held off by a reader (busy)
   is no error. */
int
us_db_checkpoint_idle (sqlite3 *db, bool *restarted)
{
    *restarted = false;
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_BUSY || (rc == SQLITE_OK && (log <= 0 || done != log)))
        return 0;
    if (rc != SQLITE_OK)
        return us_db_error (db, "checkpointing the WAL");
    sqlite3_stmt *st;
    if ((rc = us_db_prepare (&st, db, "PRAGMA application_id")) != 0)
        return rc;
    int step = sqlite3_step (st);
    int64_t app = sqlite3_column_int64 (st, 0);
    sqlite3_finalize (st);
    if (step != SQLITE_ROW)
        return us_db_error (db, "reading the application id");
    char sql [64];
    snprintf (sql, sizeof sql, "PRAGMA application_id = %lld", (long long) app);
    rc = us_db_begin (db);
    if (rc == 0) rc = us_db_exec (db, sql);
    if (rc == 0) rc = us_db_commit (db);
    else us_db_rollback (db);
    *restarted = rc == 0;
    return rc;
}

/* Rolls back the current transaction, if any. */
void
us_db_rollback (sqlite3 *db)
{
    if (!sqlite3_get_autocommit (db))
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs PRAGMA quick_check. */
int
us_db_check (sqlite3 *db)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db, "PRAGMA quick_check");
    if (rc)
        return rc == US_EIO ? US_ECORRUPT : rc;
    rc = sqlite3_step (st) == SQLITE_ROW
      && strcmp ((const char *) sqlite3_column_text (st, 0), "ok") == 0
       ? 0 : us_error_set (US_ECORRUPT, "store failed its integrity check");
    sqlite3_finalize (st);
    return rc;
}

/* Reads meta value key into buf. */
int
us_db_meta_get (char *buf, size_t size, sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db, "SELECT value FROM meta WHERE key = ?");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        snprintf (buf, size, "%s", us_db_text (st, 0));
        rc = 0;
    }
    else
        rc = step == SQLITE_DONE
           ? us_error_set (US_ENOTFOUND, "store has no '%s' setting", key)
           : us_db_error (db, "meta");
    sqlite3_finalize (st);
    return rc;
}

/* Reads meta integer key into *value, or def when absent. */
int
us_db_meta_int (int64_t *value, sqlite3 *db, const char *key, int64_t def)
{
    char buf [32];
    int rc = us_db_meta_get (buf, sizeof buf, db, key);
    if (rc == US_ENOTFOUND) {
        *value = def;
        return 0;
    }
    if (rc == 0)
        *value = strtoll (buf, NULL, 10);
    return rc;
}

/* Writes meta value key. */
int
us_db_meta_set (sqlite3 *db, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = us_db_prepare (&st, db,
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step (st) == SQLITE_DONE ? 0 : us_db_error (db, "meta");
    sqlite3_finalize (st);
    return rc;
}

/* Writes meta integer key. */
int
us_db_meta_set_int (sqlite3 *db, const char *key, int64_t value)
{
    char buf [32];
    snprintf (buf, sizeof buf, "%lld", (long long) value);
    return us_db_meta_set (db, key, buf);
}

/* Returns the text of column col, or "" for NULL. */
const char *
us_db_text (sqlite3_stmt *stmt, int col)
{
    const unsigned char *s = sqlite3_column_text (stmt, col);
    return s ? (const char *) s : "";
}
