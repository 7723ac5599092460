/*  Unit tests for us_db: opening and creating stores, application ids,
    damaged files, transactions and meta settings. */
#include "us_db.h"
#include "us_dstore.h"
#include "us_error.h"
#include "us_keys.h"
#include "us_pstore.h"

#include "us_test.h"

#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char s_dir [64];

static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
}

static void
s_teardown (void)
{
    us_test_rmtree (s_dir);
}

TestSuite (db, .init = s_setup, .fini = s_teardown);

/* Creates a store with a meta table at path and returns it open. */
static sqlite3 *
s_create_meta (const char *path, uint32_t app)
{
    sqlite3 *db = NULL;
    cr_assert_eq (us_db_open (&db, path, true, app), 0, "%s", us_error_msg ());
    cr_assert_eq (us_db_exec (db, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"), 0);
    return db;
}

/* Fills buf with pseudo-random bytes. */
static void
s_random (uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed | 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf [i] = (uint8_t) (x >> 24);
    }
}

/* Opening a store that does not exist, without create, is US_ENOTFOUND
   and creates nothing. */
Test (db, open_missing)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "none.db");
    sqlite3 *db = (sqlite3 *) 1;
    cr_assert_eq (us_db_open (&db, path, false, US_APP_CLIENT), US_ENOTFOUND);
    cr_assert_null (db);
    cr_assert_not (us_test_exists (path));
    cr_assert_not_null (strstr (us_error_msg (), "none.db"));
}

/* A new store is mode 0600, in WAL mode, with full sync and the app id. */
Test (db, create)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "new.db");
    sqlite3 *db;
    cr_assert_eq (us_db_open (&db, path, true, US_APP_CLIENT), 0, "%s", us_error_msg ());
    struct stat st;
    cr_assert_eq (stat (path, &st), 0);
    cr_assert_eq (st.st_mode & 0777, 0600);
    char buf [32];
    cr_assert_str_eq (us_test_text (buf, sizeof buf, db, "PRAGMA journal_mode"), "wal");
    cr_assert_eq (us_test_int (db, "PRAGMA synchronous"), 2);
    cr_assert_eq (us_test_int (db, "PRAGMA foreign_keys"), 1);
    cr_assert_eq ((uint32_t) us_test_int (db, "PRAGMA application_id"), US_APP_CLIENT);
    cr_assert_eq (us_db_check (db), 0);
    us_db_close (&db);
    cr_assert_null (db);
    cr_assert_eq (us_db_open (&db, path, false, US_APP_CLIENT), 0, "%s", us_error_msg ());
    us_db_close (&db);
}

/* Creating over an existing store is US_EEXIST and leaves it alone. */
Test (db, create_twice)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "twice.db");
    sqlite3 *db = s_create_meta (path, US_APP_SERVER);
    cr_assert_eq (us_db_meta_set (db, "province", "QT"), 0);
    us_db_close (&db);
    size_t before_len = 0;
    char *before = us_test_slurp (path, &before_len);
    cr_assert_eq (us_db_open (&db, path, true, US_APP_SERVER), US_EEXIST);
    cr_assert_null (db);
    size_t after_len = 0;
    char *after = us_test_slurp (path, &after_len);
    cr_assert_eq (after_len, before_len);
    cr_assert_eq (memcmp (before, after, before_len), 0);
    free (before);
    free (after);
    cr_assert_eq (us_db_open (&db, path, false, US_APP_SERVER), 0);
    char buf [16];
    cr_assert_eq (us_db_meta_get (buf, sizeof buf, db, "province"), 0);
    cr_assert_str_eq (buf, "QT");
    us_db_close (&db);
}

/* Opens a file of size pseudo-random bytes: US_ECORRUPT, never a crash,
   and the file is left byte for byte as it was, with no side files. */
static void
s_random_file_refused (size_t size, uint64_t seed)
{
    char path [128], side [160];
    snprintf (path, sizeof path, "%s/random%zu.db", s_dir, size);
    uint8_t *bytes = malloc (size + 1);
    s_random (bytes, size, seed);
    us_test_write_bytes (path, bytes, size);
    sqlite3 *db = (sqlite3 *) 1;
    int rc = us_db_open (&db, path, false, US_APP_CLIENT);
    size_t len = 0;
    char *after = us_test_slurp (path, &len);
    bool same = len == size && memcmp (after, bytes, len) == 0;
    free (after);
    free (bytes);
    cr_assert_eq (rc, US_ECORRUPT, "size %zu: rc %d (%s)", size, rc, us_error_msg ());
    cr_assert_null (db);
    cr_assert (same, "a file of %zu random bytes was changed (now %zu bytes)", size, len);
    snprintf (side, sizeof side, "%s-wal", path);
    cr_assert_not (us_test_exists (side), "left %s", side);
    snprintf (side, sizeof side, "%s-shm", path);
    cr_assert_not (us_test_exists (side), "left %s", side);
}

/* Files of random bytes the size of one or more pages are refused and
   left as they were. */
Test (db, open_random_bytes)
{
    static const size_t sizes [] = { 512, 1024, 4096, 8192, 65536 + 17 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes [0]; i++)
        s_random_file_refused (sizes [i], 0x1234 + i);
}

/* An empty or tiny file (a copy cut short, a stray touch) is refused and
   left as it was, not turned into an empty database. */
Test (db, open_tiny_garbage)
{
    static const size_t sizes [] = { 50, 99, 100, 300, 0, 1 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes [0]; i++)
        s_random_file_refused (sizes [i], 0x9876 + i);
}

/* A text file (e.g. a CSV passed as --db by mistake) is refused unchanged. */
Test (db, open_text_file)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "units.csv");
    const char *text = "id,name,parent,kind\nQT,Quảng Trị,,province\n";
    us_test_write (path, text);
    sqlite3 *db;
    cr_assert_eq (us_db_open (&db, path, false, US_APP_SERVER), US_ECORRUPT);
    char *after = us_test_slurp (path, NULL);
    cr_assert_str_eq (after, text);
    free (after);
}

/* A store of the other kind (client vs server) is refused. */
Test (db, app_id_mismatch)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "client.db");
    sqlite3 *db = s_create_meta (path, US_APP_CLIENT);
    us_db_close (&db);
    cr_assert_eq (us_db_open (&db, path, false, US_APP_SERVER), US_ECORRUPT);
    cr_assert_null (db);
    cr_assert_not_null (strstr (us_error_msg (), "server"), "%s", us_error_msg ());

    /* A plain SQLite database (application id 0) is not a store either. */
    us_test_path (path, sizeof path, s_dir, "plain.db");
    sqlite3 *plain;
    cr_assert_eq (sqlite3_open (path, &plain), SQLITE_OK);
    us_test_exec (plain, "CREATE TABLE t (x)");
    sqlite3_close (plain);
    cr_assert_eq (us_db_open (&db, path, false, US_APP_CLIENT), US_ECORRUPT);
}

/* The real stores refuse each other's files. */
Test (db, stores_refuse_each_other)
{
    char cpath [128], spath [128];
    us_test_path (cpath, sizeof cpath, s_dir, "office.db");
    us_test_path (spath, sizeof spath, s_dir, "province.db");
    us_keys_t keys;
    cr_assert_eq (us_keys_generate (&keys, false), 0);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &keys);
    us_dstore_t *d;
    cr_assert_eq (us_dstore_create (&d, cpath, "QT.DAKRONG", "tcp://127.0.0.1:5555", token), 0,
                  "%s", us_error_msg ());
    us_dstore_destroy (&d);
    us_pstore_t *p;
    cr_assert_eq (us_pstore_create (&p, spath, "QT", "Quảng Trị"), 0, "%s", us_error_msg ());
    us_pstore_destroy (&p);

    cr_assert_eq (us_pstore_open (&p, cpath), US_ECORRUPT);
    cr_assert_null (p);
    cr_assert_eq (us_dstore_open (&d, spath), US_ECORRUPT);
    cr_assert_null (d);
    cr_assert_eq (us_pstore_open (&p, spath), 0);
    us_pstore_destroy (&p);
    cr_assert_eq (us_dstore_open (&d, cpath), 0);
    us_dstore_destroy (&d);
}

/* A directory is not a store. */
Test (db, open_directory)
{
    sqlite3 *db = (sqlite3 *) 1;
    int rc = us_db_open (&db, s_dir, false, US_APP_CLIENT);
    cr_assert_lt (rc, 0);
    cr_assert_null (db);
}

/* Creating in a missing directory is an I/O error, not a crash. */
Test (db, create_in_missing_dir)
{
    char path [160];
    snprintf (path, sizeof path, "%s/no/such/dir/x.db", s_dir);
    sqlite3 *db = (sqlite3 *) 1;
    cr_assert_eq (us_db_open (&db, path, true, US_APP_CLIENT), US_EIO);
    cr_assert_null (db);
}

/* A store with a damaged page fails its check with US_ECORRUPT. */
Test (db, damaged_page)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "damaged.db");
    sqlite3 *db = s_create_meta (path, US_APP_CLIENT);
    us_test_exec (db, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);"
                      "CREATE INDEX t_s ON t (s);"
                      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                      " INSERT INTO t SELECT i, printf ('row %08d', i) FROM n;");
    us_test_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)");
    us_db_close (&db);
    size_t len = 0;
    char *bytes = us_test_slurp (path, &len);
    cr_assert_gt (len, 4096 * 6);
    /* Scribble over the third page onwards, keeping the header page. */
    for (size_t i = 4096 * 2; i < 4096 * 5; i++)
        bytes [i] = (char) (i * 131);
    FILE *f = fopen (path, "r+b");
    fwrite (bytes, 1, len, f);
    fclose (f);
    free (bytes);
    int rc = us_db_open (&db, path, false, US_APP_CLIENT);
    if (rc == 0) {
        cr_assert_eq (us_db_check (db), US_ECORRUPT);
        us_db_close (&db);
    }
    else
        cr_assert_eq (rc, US_ECORRUPT, "%s", us_error_msg ());
}

/* Keeps the number of frames in the WAL after each commit. */
static int
s_frames_hook (void *arg, sqlite3 *db, const char *name, int frames)
{
    (void) db;
    (void) name;
    *(int *) arg = frames;
    return SQLITE_OK;
}

/* An idle checkpoint that copies the whole WAL starts it over with an
   empty commit of one frame: the store's content and application id are
   unchanged, and the next commit appends behind that frame, also after
   an idle moment with nothing written (which copied the frame). */
Test (db, checkpoint_idle_starts_the_wal_over)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "idle.db");
    sqlite3 *db = s_create_meta (path, US_APP_SERVER);
    us_test_exec (db, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);"
                      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)"
                      " INSERT INTO t SELECT i, printf ('row %08d', i) FROM n;");
    int frames = 0;
    sqlite3_wal_hook (db, s_frames_hook, &frames);
    bool restarted = false;
    cr_assert_eq (us_db_checkpoint_idle (db, &restarted), 0, "%s", us_error_msg ());
    cr_assert (restarted);
    cr_assert_eq (frames, 1, "the WAL holds only the empty commit (%d frames)", frames);
    cr_assert_eq (us_test_int (db, "PRAGMA application_id"), (int) US_APP_SERVER);
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM t"), 500);
    /* Nothing written since: the frame was copied, so it starts over again. */
    frames = 0;
    cr_assert_eq (us_db_checkpoint_idle (db, &restarted), 0, "%s", us_error_msg ());
    cr_assert (restarted);
    cr_assert_eq (frames, 1);
    /* The next commit (one page) appends behind the frame, where it
       would otherwise start the WAL over itself. */
    us_test_exec (db, "INSERT INTO t (s) VALUES ('after')");
    cr_assert_eq (frames, 2, "the commit went behind the empty one (%d frames)", frames);
    cr_assert_eq (us_db_checkpoint_idle (db, &restarted), 0, "%s", us_error_msg ());
    cr_assert (restarted);
    us_db_close (&db);
    /* The database file alone holds everything. */
    cr_assert_eq (us_db_open (&db, path, false, US_APP_SERVER), 0, "%s", us_error_msg ());
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM t"), 501);
    us_db_close (&db);
}

/* A reader holding the WAL's end keeps the checkpoint from finishing:
   no error, and the WAL is not started over under it. */
Test (db, checkpoint_idle_with_a_reader)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "reader.db");
    sqlite3 *db = s_create_meta (path, US_APP_SERVER);
    sqlite3 *reader = NULL;
    cr_assert_eq (us_db_open (&reader, path, false, US_APP_SERVER), 0, "%s", us_error_msg ());
    us_test_exec (db, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)");
    us_test_exec (reader, "BEGIN; SELECT COUNT(*) FROM t;");
    us_test_exec (db, "INSERT INTO t (s) VALUES ('one'), ('two')");
    bool restarted = true;
    cr_assert_eq (us_db_checkpoint_idle (db, &restarted), 0, "%s", us_error_msg ());
    cr_assert_not (restarted);
    us_test_exec (reader, "COMMIT");
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM t"), 2);
    us_db_close (&reader);
    us_db_close (&db);
}

/* After a store is opened, memory freed at the top of the heap stays with
   the process for the next use instead of going back to the kernel
   (glibc's heap; AddressSanitizer brings its own allocator). */
Test (db, process_keeps_its_freed_heap)
{
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
    char path [128];
    us_test_path (path, sizeof path, s_dir, "heap.db");
    sqlite3 *db = s_create_meta (path, US_APP_SERVER);
    enum { N = 6000 };                          /* 24 MB, more than the top pad */
    static void *blocks [N];
    for (int i = 0; i < N; i++) {
        blocks [i] = malloc (4000);             /* below the mmap threshold: the heap */
        cr_assert_not_null (blocks [i]);
        memset (blocks [i], 1, 4000);
    }
    void *top = sbrk (0);
    for (int i = N - 1; i >= 0; i--)
        free (blocks [i]);
    cr_assert_eq (sbrk (0), top, "the heap gave %td bytes back",
                  (char *) top - (char *) sbrk (0));
    us_db_close (&db);
#else
    cr_skip_test ("glibc's heap only: AddressSanitizer has its own");
#endif
}

/* The default VFS with a count of the statement journals it opened. */
static sqlite3_vfs s_counting;
static sqlite3_vfs *s_real;
static int s_subjournals;

/* Opens a file through the real VFS, counting statement journals. */
static int
s_counting_open (sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
    (void) vfs;
    if (flags & SQLITE_OPEN_SUBJOURNAL)
        s_subjournals++;
    return s_real->xOpen (s_real, name, file, flags, out);
}

/* A statement that changes far more than 64 KB inside a transaction, and
   may fail halfway (a UNIQUE column), keeps its journal in memory: no
   file is opened for it. */
Test (db, statement_journal_stays_in_memory)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "first.db");
    sqlite3 *first = s_create_meta (path, US_APP_SERVER);  /* sets the process up */
    us_db_close (&first);
    s_real = sqlite3_vfs_find (NULL);
    cr_assert_not_null (s_real);
    s_counting = *s_real;
    s_counting.zName = "us-counting";
    s_counting.xOpen = s_counting_open;
    cr_assert_eq (sqlite3_vfs_register (&s_counting, 1), SQLITE_OK);
    us_test_path (path, sizeof path, s_dir, "stmt.db");
    sqlite3 *db = s_create_meta (path, US_APP_SERVER);
    us_test_exec (db, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)");
    us_test_exec (db, "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                      " WHERE i < 2000) INSERT INTO t (k, v) SELECT i, zeroblob (200) FROM n");
    cr_assert_eq (us_db_begin (db), 0);
    us_test_exec (db, "UPDATE t SET v = zeroblob (300)");
    cr_assert_eq (us_db_commit (db), 0, "%s", us_error_msg ());
    cr_assert_eq (s_subjournals, 0, "%d statement journals opened as files", s_subjournals);
    cr_assert_eq (us_test_int (db, "SELECT SUM (length (v)) FROM t"), 2000 * 300);
    us_db_close (&db);
    sqlite3_vfs_unregister (&s_counting);
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
/* Minor page faults of this process so far. */
static long
s_faults (void)
{
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* Whether the kernel gives huge pages to memory that asks for them. */
static bool
s_huge_pages (void)
{
    FILE *f = fopen ("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char line [128] = "";
    if (f) {
        if (!fgets (line, sizeof line, f))
            line [0] = 0;
        fclose (f);
    }
    return strstr (line, "[always]") || strstr (line, "[madvise]");
}
#endif

/* After asking for huge pages, blocks of up to that size come from the
   heap in them: writing 8 MB of 1 MB blocks (each above glibc's usual
   threshold for a fresh map of its own) takes one page fault per 4 KB
   without, 2,048; with, a few for the huge pages and up to 512 for the
   2 MB frame where the heap's pages in use end. */
Test (db, heap_huge_spares_the_faults)
{
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
    if (!s_huge_pages ())
        cr_skip_test ("this kernel gives no huge pages");
    us_db_heap_huge (16u << 20);
    enum { N = 8, SIZE = 1 << 20 };
    void *blocks [N];
    long before = s_faults ();
    for (int i = 0; i < N; i++) {
        blocks [i] = malloc (SIZE);
        cr_assert_not_null (blocks [i]);
        memset (blocks [i], 1, SIZE);
    }
    long faults = s_faults () - before;
    for (int i = 0; i < N; i++)
        free (blocks [i]);
    cr_assert_lt (faults, 700, "%ld page faults for 8 MB", faults);
#else
    cr_skip_test ("glibc's heap only: AddressSanitizer has its own");
#endif
}

/* Meta values are written, overwritten and read back; missing keys are
   US_ENOTFOUND; integers default when absent. */
Test (db, meta)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "meta.db");
    sqlite3 *db = s_create_meta (path, US_APP_CLIENT);
    char buf [64];
    cr_assert_eq (us_db_meta_get (buf, sizeof buf, db, "unit"), US_ENOTFOUND);
    cr_assert_eq (us_db_meta_set (db, "unit", "QT.DAKRONG"), 0);
    cr_assert_eq (us_db_meta_get (buf, sizeof buf, db, "unit"), 0);
    cr_assert_str_eq (buf, "QT.DAKRONG");
    cr_assert_eq (us_db_meta_set (db, "unit", "LĐLĐ huyện Hướng Hóa"), 0);
    cr_assert_eq (us_db_meta_get (buf, sizeof buf, db, "unit"), 0);
    cr_assert_str_eq (buf, "LĐLĐ huyện Hướng Hóa");
    cr_assert_eq (us_test_int (db, "SELECT COUNT(*) FROM meta"), 1);

    char small [5];
    cr_assert_eq (us_db_meta_get (small, sizeof small, db, "unit"), 0);
    cr_assert_eq (strlen (small), 4);

    int64_t v = 0;
    cr_assert_eq (us_db_meta_int (&v, db, "epoch", 7), 0);
    cr_assert_eq (v, 7);
    cr_assert_eq (us_db_meta_set_int (db, "epoch", -42), 0);
    cr_assert_eq (us_db_meta_int (&v, db, "epoch", 7), 0);
    cr_assert_eq (v, -42);
    cr_assert_eq (us_db_meta_set_int (db, "hlc", INT64_MAX), 0);
    cr_assert_eq (us_db_meta_int (&v, db, "hlc", 0), 0);
    cr_assert_eq (v, INT64_MAX);
    us_db_close (&db);

    cr_assert_eq (us_db_open (&db, path, false, US_APP_CLIENT), 0);
    cr_assert_eq (us_db_meta_int (&v, db, "epoch", 0), 0);
    cr_assert_eq (v, -42, "meta must persist");
    us_db_close (&db);
}

/* Without a meta table, meta calls fail cleanly. */
Test (db, meta_without_table)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "nometa.db");
    sqlite3 *db;
    cr_assert_eq (us_db_open (&db, path, true, US_APP_CLIENT), 0);
    char buf [8];
    cr_assert_eq (us_db_meta_get (buf, sizeof buf, db, "x"), US_EIO);
    cr_assert_eq (us_db_meta_set (db, "x", "y"), US_EIO);
    int64_t v;
    cr_assert_eq (us_db_meta_int (&v, db, "x", 1), US_EIO);
    us_db_close (&db);
}

/* Transactions commit or roll back as a whole; a nested begin fails. */
Test (db, transactions)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "tx.db");
    sqlite3 *db = s_create_meta (path, US_APP_CLIENT);
    cr_assert_eq (us_db_begin (db), 0);
    cr_assert_eq (us_db_meta_set (db, "a", "1"), 0);
    cr_assert_neq (us_db_begin (db), 0);
    us_db_rollback (db);
    cr_assert (sqlite3_get_autocommit (db));
    char buf [8];
    cr_assert_eq (us_db_meta_get (buf, sizeof buf, db, "a"), US_ENOTFOUND);
    us_db_rollback (db);

    cr_assert_eq (us_db_begin (db), 0);
    cr_assert_eq (us_db_meta_set (db, "a", "2"), 0);
    cr_assert_eq (us_db_commit (db), 0);
    cr_assert_eq (us_db_meta_get (buf, sizeof buf, db, "a"), 0);
    cr_assert_str_eq (buf, "2");
    cr_assert_neq (us_db_commit (db), 0, "commit without a transaction");
    us_db_close (&db);
}

/* Bad SQL is an error with a message; prepare hands back a statement. */
Test (db, exec_and_prepare)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "sql.db");
    sqlite3 *db = s_create_meta (path, US_APP_CLIENT);
    us_error_clear ();
    cr_assert_eq (us_db_exec (db, "SELEKT 1"), US_EIO);
    cr_assert_neq (us_error_msg () [0], 0);
    sqlite3_stmt *st = NULL;
    cr_assert_eq (us_db_prepare (&st, db, "SELECT NULL, 'x'"), 0);
    cr_assert_eq (sqlite3_step (st), SQLITE_ROW);
    cr_assert_str_eq (us_db_text (st, 0), "");
    cr_assert_str_eq (us_db_text (st, 1), "x");
    sqlite3_finalize (st);
    cr_assert_eq (us_db_prepare (&st, db, "SELECT * FROM missing"), US_EIO);
    us_db_close (&db);
    us_db_close (&db);
    us_db_close (NULL);
}

/* us_db_error maps SQLite's damage codes to US_ECORRUPT and the rest to
   US_EIO. */
Test (db, error_mapping)
{
    cr_assert_eq (us_db_error (NULL, "x"), US_EIO);
    char path [128];
    us_test_path (path, sizeof path, s_dir, "err.db");
    sqlite3 *db = s_create_meta (path, US_APP_CLIENT);
    sqlite3_exec (db, "SELEKT", NULL, NULL, NULL);
    cr_assert_eq (us_db_error (db, "what"), US_EIO);
    cr_assert_not_null (strstr (us_error_msg (), "what"));
    us_db_close (&db);
}

/* A store another program holds a lock on when it is opened. */
typedef struct {
    char path [128];
    sem_t locked;
    int hold_ms;
} s_locker_t;

/* Takes the store's exclusive lock (as SQLite does while it rebuilds a
   WAL's index), tells the test, holds it for hold_ms, then lets go. */
static void *
s_locker (void *arg)
{
    s_locker_t *l = arg;
    sqlite3 *db = NULL;
    cr_assert_eq (sqlite3_open (l->path, &db), SQLITE_OK);
    cr_assert_eq (sqlite3_exec (db, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;"
                                " UPDATE meta SET value = 'x' WHERE key = 'none'; COMMIT;",
                                NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg (db));
    sem_post (&l->locked);
    usleep ((useconds_t) l->hold_ms * 1000);
    sqlite3_close (db);
    return NULL;
}

/* Opening a store that another program has locked for a moment waits for
   it, instead of calling the store damaged. */
Test (db, open_waits_for_a_lock)
{
    s_locker_t l = { .hold_ms = 300 };
    us_test_path (l.path, sizeof l.path, s_dir, "held.db");
    sqlite3 *db = s_create_meta (l.path, US_APP_CLIENT);
    us_db_close (&db);
    cr_assert_eq (sem_init (&l.locked, 0, 0), 0);
    pthread_t t;
    cr_assert_eq (pthread_create (&t, NULL, s_locker, &l), 0);
    sem_wait (&l.locked);
    int rc = us_db_open (&db, l.path, false, US_APP_CLIENT);
    pthread_join (t, NULL);
    cr_assert_eq (rc, 0, "%s", us_error_msg ());
    cr_assert_eq (us_db_exec (db, "SELECT COUNT(*) FROM meta"), 0);
    us_db_close (&db);
    sem_destroy (&l.locked);
}
