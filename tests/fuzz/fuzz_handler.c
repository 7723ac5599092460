/*  fuzz_handler: the server's whole request handler over a real store.

    On the first input it creates a provincial store (province QT) in a
    fresh temporary directory, imports a few units, sets targets, approves
    one period, and enrolls the keys fuzz_common.h names. Every input is
    one selector byte (which key the request comes from, FUZZ_MODE_*)
    followed by the request bytes, handed to us_handler_process as the
    service would. The store persists across inputs, so state bugs show up;
    it is rebuilt every US_FUZZ_HANDLER_RESET inputs (default 5000) so it
    stays small (the audit check reads all of it) and an epoch pushed to its
    maximum does not stall the run.

    Checked for every input (a failure aborts, and libFuzzer keeps the input):
    - a reply is produced and decodes with us_codec_decode;
    - it echoes the request id and the wire version of a request that
      decoded, and is in wire 1 (which every client reads) otherwise;
    - after each request the server's time (a Welcome, which clients adopt)
      is not far ahead of the wall clock: the design says the server refuses
      or clamps timestamps far ahead of its own clock. A probe Hello after
      every input checks it; US_FUZZ_CLOCK_CHECK=0 turns this off;
    - the audit chain and the stored batches verify (us_audit_verify) on
      this untampered store: after every US_FUZZ_AUDIT_EVERY-th PushAck
      (default 200; verifying is linear in the store, too slow for every
      Push) and before each rebuild; US_FUZZ_AUDIT_CHECK=0 turns this off;
    - a key that is not enrolled, or revoked, gets nothing but an Error;
    - each request type gets its own reply type or an Error, and a PushAck
      has one result per delta, in order, with a known outcome;
    - no sanitizer report (the whole project is built with ASan and UBSan);
    - the store never fails (an Error with US_EIO or US_ECORRUPT), since a
      request that can make it fail is a way to stop a district's sync.
*/
#include "us_audit.h"
#include "us_codec.h"
#include "us_error.h"
#include "us_handler.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_log.h"
#include "us_merge.h"
#include "us_pstore.h"
#include "us_pstore_sql.h"
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf (stderr, "fuzz_handler: check failed at %s:%d: %s (last error: %s)\n", \
                     __FILE__, __LINE__, #cond, us_error_msg ());           \
            abort ();                                                       \
        }                                                                   \
    } while (0)

/* Setup failures are not findings: say so and stop. */
#define SETUP(call)                                                         \
    do {                                                                    \
        if ((call) != 0) {                                                  \
            fprintf (stderr, "fuzz_handler: setup failed: %s: %s\n", #call,  \
                     us_error_msg ());                                      \
            exit (1);                                                       \
        }                                                                   \
    } while (0)

static char s_dir [512];
static char s_db_path [600], s_units_path [600];
static us_pstore_t *s_store;
static us_handler_t *s_handler;
static us_keys_t s_signed, s_unsigned, s_stranger, s_revoked;
static unsigned long s_runs, s_reset_every = 5000;
static int s_generation;
static bool s_verbose;
static bool s_clock_check = true;
static bool s_audit_check = true;
static unsigned long s_pushes, s_audit_every = 200;

#define CLOCK_SLACK_MS (60 * 1000)

static void s_check_audit (void);

/* Removes the store's files (the database, its WAL and key file). */
static void
s_remove_store (void)
{
    static const char *suffixes [] = { "", "-wal", "-shm", "-journal", ".key" };
    char path [640];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes [0]; i++) {
        snprintf (path, sizeof path, "%s%s", s_db_path, suffixes [i]);
        unlink (path);
    }
}

/* Generates keys (with a signing key when with_sign) and enrolls them for unit. */
static void
s_enroll (us_keys_t *keys, bool with_sign, const char *unit, const char *name)
{
    char token [US_TOKEN_MAX];
    int64_t id;
    SETUP (us_keys_generate (keys, with_sign));
    us_keys_token (token, sizeof token, keys);
    SETUP (us_pstore_enroll (s_store, &id, unit, token, name));
}

/* Creates the store and the handler over it. */
static void
s_store_open (void)
{
    snprintf (s_db_path, sizeof s_db_path, "%s/province-%d.db", s_dir, s_generation++);
    SETUP (us_pstore_create (&s_store, s_db_path, FUZZ_PROVINCE, "Quảng Trị (fuzz)"));
    /* Durability is not under test, and FULL sync makes every Push an fsync. */
    SETUP (sqlite3_exec (us_pstore_db (s_store), "PRAGMA synchronous=OFF", NULL, NULL, NULL));
    int count;
    SETUP (us_pstore_import_units (s_store, &count, s_units_path));
    SETUP (us_pstore_target_set (s_store, FUZZ_DISTRICT, "members.new", "2022", "100", "tld"));
    SETUP (us_pstore_target_set (s_store, FUZZ_GRASSROOTS, "members.total", "2022-H1",
                                 "500..650", "province"));
    /* One approved period, so deltas and submissions can meet a lock. */
    us_state_t state;
    SETUP (us_pstore_workflow (s_store, &state, FUZZ_LOCKED_UNIT, FUZZ_LOCKED_PERIOD,
                               US_ACTION_APPROVE, true));

    s_enroll (&s_signed, true, FUZZ_DISTRICT, "district office A");
    /* A replica enrolled before signing was mandatory: no signing key
       stored, so its pushes are refused until it is re-keyed. */
    s_enroll (&s_unsigned, true, FUZZ_PROVINCE, "province desk");
    SETUP (sqlite3_exec (us_pstore_db (s_store), "UPDATE replicas SET sign_key = NULL"
                         " WHERE name = 'province desk'", NULL, NULL, NULL));
    s_enroll (&s_revoked, true, FUZZ_OTHER, "lost laptop");
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &s_revoked);
    SETUP (us_pstore_revoke (s_store, token));
    SETUP (us_keys_generate (&s_stranger, true));

    s_handler = us_handler_new (s_store);
    if (!s_handler) {
        fprintf (stderr, "fuzz_handler: setup failed: us_handler_new\n");
        exit (1);
    }
}

static void
s_store_close (bool audit)
{
    if (audit && s_audit_check && s_store)
        s_check_audit ();
    us_handler_destroy (&s_handler);
    us_pstore_destroy (&s_store);
    s_remove_store ();
}

static void
s_teardown (void)
{
    s_store_close (false);      /* at exit: no input left to blame */
    unlink (s_units_path);
    rmdir (s_dir);
}

static void
s_setup (void)
{
    us_log_quiet (1);
    s_verbose = getenv ("US_FUZZ_VERBOSE") != NULL;
    const char *clock = getenv ("US_FUZZ_CLOCK_CHECK");
    s_clock_check = !clock || strcmp (clock, "0") != 0;
    const char *audit = getenv ("US_FUZZ_AUDIT_CHECK");
    s_audit_check = !audit || strcmp (audit, "0") != 0;
    const char *every = getenv ("US_FUZZ_AUDIT_EVERY");
    if (every && atol (every) > 0)
        s_audit_every = (unsigned long) atol (every);
    const char *reset = getenv ("US_FUZZ_HANDLER_RESET");
    if (reset && atol (reset) > 0)
        s_reset_every = (unsigned long) atol (reset);
    const char *tmp = getenv ("TMPDIR");
    snprintf (s_dir, sizeof s_dir, "%s/us-fuzz-handler-XXXXXX",
              tmp && *tmp && strlen (tmp) < 400 ? tmp : "/tmp");
    if (!mkdtemp (s_dir)) {
        perror ("fuzz_handler: mkdtemp");
        exit (1);
    }
    snprintf (s_units_path, sizeof s_units_path, "%s/units.csv", s_dir);
    FILE *f = fopen (s_units_path, "w");
    if (!f || fputs (FUZZ_UNITS_CSV, f) < 0 || fclose (f) != 0) {
        perror ("fuzz_handler: units.csv");
        exit (1);
    }
    s_store_open ();
    atexit (s_teardown);
}

/* Re-encodes a Push, in its own wire, with a signature by the signed key
   over the bytes that wire signs (for wire 2 the batch, re-encoded and
   carried as signed), so the batch gets past verification to the merge.
   Returns NULL when data is no Push. */
static uint8_t *
s_resign (size_t *len_p, const uint8_t *data, size_t len)
{
    us_msg_t *msg;
    if (us_codec_decode (&msg, data, len) != 0)
        return NULL;
    uint8_t *out = NULL;
    if (msg->type == US_MSG_PUSH) {
        uint8_t *bytes, sig [64];
        size_t n;
        CHECK (us_codec_signed_bytes (&bytes, &n, &msg->push, msg->wire) == 0);
        CHECK (us_keys_sign (sig, &s_signed, bytes, n) == 0);
        msg->push.signature = sig;
        msg->push.signature_len = sizeof sig;
        msg->push.batch = bytes;
        msg->push.batch_len = n;
        CHECK (us_codec_encode (&out, len_p, msg) == 0);
        free (bytes);
    }
    us_msg_destroy (&msg);
    return out;
}

/* With US_FUZZ_VERBOSE set, prints one line per request and reply. */
static void
s_trace (const us_msg_t *req, const us_msg_t *reply, int mode)
{
    fprintf (stderr, "fuzz_handler: mode %d %s -> %s", mode,
             req ? us_msg_type_name (req->type) : "(undecodable)",
             us_msg_type_name (reply->type));
    if (reply->type == US_MSG_ERROR)
        fprintf (stderr, " %s %s", us_error_name (reply->error.code), reply->error.message);
    if (reply->type == US_MSG_PUSH_ACK)
        for (size_t i = 0; i < reply->push_ack.count; i++)
            fprintf (stderr, "\n    %s %s", us_outcome_name (reply->push_ack.results [i].outcome),
                     reply->push_ack.results [i].reason);
    if (reply->type == US_MSG_CHANGES)
        fprintf (stderr, " units %zu indicators %zu cells %zu targets %zu conflicts %zu"
                 " submissions %zu", reply->changes.n_units, reply->changes.n_indicators,
                 reply->changes.n_cells, reply->changes.n_targets, reply->changes.n_conflicts,
                 reply->changes.n_submissions);
    if (reply->type == US_MSG_SUBMIT_ACK)
        fprintf (stderr, " %s %s %s", reply->submit_ack.ok ? "ok" : "refused",
                 reply->submit_ack.state, reply->submit_ack.reason);
    fputc ('\n', stderr);
}

/* True when unit is the one the key of mode is enrolled for. */
static bool
s_same_unit (const char *unit, int mode)
{
    const char *want = mode == FUZZ_MODE_UNSIGNED ? FUZZ_PROVINCE : FUZZ_DISTRICT;
    return unit && strcmp (unit, want) == 0;
}

/* Checks the reply against the request. */
static void
s_check_reply (const us_msg_t *req, const us_msg_t *reply, int mode)
{
    /* Answered in the request's wire; what could not be read, in the
       oldest, which every client reads. */
    /* A key that is not let in is refused before its bytes are read. */
    bool refused = mode == FUZZ_MODE_STRANGER || mode == FUZZ_MODE_REVOKED;
    if (req && !refused)
        CHECK (reply->request_id == req->request_id && reply->wire == req->wire);
    else
        CHECK (reply->type == US_MSG_ERROR && reply->wire == US_WIRE_OLDEST);
    if (reply->type == US_MSG_ERROR) {
        /* A refusal or a bad request, never a broken store. */
        CHECK (reply->error.code != US_EIO);
        CHECK (reply->error.code != US_ECORRUPT);
        CHECK (reply->error.code < 0);
        return;
    }
    CHECK (mode != FUZZ_MODE_STRANGER && mode != FUZZ_MODE_REVOKED);
    CHECK (req != NULL);
    switch (req->type) {
        case US_MSG_HELLO:
            CHECK (reply->type == US_MSG_WELCOME);
            CHECK (s_same_unit (reply->welcome.unit, mode));
            break;
        case US_MSG_PUSH:
            CHECK (reply->type == US_MSG_PUSH_ACK);
            CHECK (reply->push_ack.count == req->push.count);
            for (size_t i = 0; i < req->push.count; i++) {
                const us_result_t *r = &reply->push_ack.results [i];
                CHECK (r->seq == req->push.deltas [i].seq);
                CHECK (r->outcome >= US_OUTCOME_ACCEPTED && r->outcome <= US_OUTCOME_REJECTED);
            }
            break;
        case US_MSG_PULL:
            CHECK (reply->type == US_MSG_CHANGES);
            /* A repair page holds the first months asked, whole, and
               leaves the checkpoint where it was. */
            CHECK (!req->pull.n_months || (reply->changes.next == req->pull.since
                && reply->changes.n_months >= 1
                && reply->changes.n_months <= req->pull.n_months));
            for (size_t i = 0; i < reply->changes.n_months; i++)
                CHECK (reply->changes.months [i] == req->pull.months [i]);
            break;
        case US_MSG_DIGEST:
            CHECK (reply->type == US_MSG_DIGESTS);
            for (size_t i = 0; i < reply->digests.count; i++)
                CHECK (reply->digests.months [i].month >= req->digest.first
                    && reply->digests.months [i].month <= req->digest.last);
            break;
        case US_MSG_SUBMIT:
            CHECK (reply->type == US_MSG_SUBMIT_ACK);
            break;
        default:
            CHECK (!"a reply other than Error to an unexpected message");
    }
}

/* Asks for the server's time with a Hello of its own, so a request that
   pushed the server clock far ahead is caught at once (and is the input
   libFuzzer saves), not at some later Hello. */
static void
s_probe_clock (void)
{
    us_msg_t hello = { .type = US_MSG_HELLO, .request_id = 1 };
    uint8_t *buf, *reply;
    size_t len, reply_len;
    CHECK (us_codec_encode (&buf, &len, &hello) == 0);
    CHECK (us_handler_process (s_handler, &reply, &reply_len, s_unsigned.curve_public,
                               buf, len) == 0);
    us_msg_t *msg;
    CHECK (us_codec_decode (&msg, reply, reply_len) == 0);
    CHECK (msg->type == US_MSG_WELCOME);
    int64_t ahead_ms = us_hlc_ms (msg->welcome.server_time) - us_hlc_wall_ms ();
    if (ahead_ms > US_MAX_AHEAD_MS + CLOCK_SLACK_MS) {
        fprintf (stderr, "fuzz_handler: after this input the server's clock is %lld ms"
                 " ahead of the wall clock (limit %d ms)\n", (long long) ahead_ms,
                 US_MAX_AHEAD_MS);
        CHECK (!"the server clock stays within US_MAX_AHEAD_MS of the wall clock");
    }
    us_msg_destroy (&msg);
    free (reply);
    free (buf);
}

/* The audit chain the Push just extended must verify: nobody tampered
   with this store, so any complaint is the server's own inconsistency. */
static void
s_check_audit (void)
{
    FILE *out = fopen ("/dev/null", "w");
    CHECK (out != NULL);
    int rc = us_audit_verify (s_store, out);
    fclose (out);
    if (rc != 0)
        fprintf (stderr, "fuzz_handler: audit verify fails on an untampered store: %s\n"
                 "fuzz_handler: (checked every %lu Pushes: the cause may be an earlier input;"
                 " replay the corpus with US_FUZZ_AUDIT_EVERY=1 to find it)\n",
                 us_error_msg (), s_audit_every);
    CHECK (rc == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_store)
        s_setup ();
    else
    if (++s_runs % s_reset_every == 0) {
        s_store_close (true);
        s_store_open ();
    }
    if (size < 1)
        return 0;
    int mode = data [0] % FUZZ_MODES;
    data++;
    size--;

    const us_keys_t *keys = mode == FUZZ_MODE_UNSIGNED ? &s_unsigned
                          : mode == FUZZ_MODE_STRANGER ? &s_stranger
                          : mode == FUZZ_MODE_REVOKED ? &s_revoked : &s_signed;
    uint8_t *resigned = NULL;
    if (mode == FUZZ_MODE_RESIGNED) {
        size_t n;
        resigned = s_resign (&n, data, size);
        if (resigned) {
            data = resigned;
            size = n;
        }
    }
    us_msg_t *req = NULL;
    if (us_codec_decode (&req, data, size) != 0)
        req = NULL;

    uint8_t *reply = NULL;
    size_t reply_len = 0;
    int rc = us_handler_process (s_handler, &reply, &reply_len, keys->curve_public, data, size);
    CHECK (rc == 0);
    CHECK (reply != NULL);
    us_msg_t *msg = NULL;
    CHECK (us_codec_decode (&msg, reply, reply_len) == 0);
    if (s_verbose)
        s_trace (req, msg, mode);
    s_check_reply (req, msg, mode);
    bool pushed = msg->type == US_MSG_PUSH_ACK;

    us_msg_destroy (&msg);
    us_msg_destroy (&req);
    free (reply);
    free (resigned);
    if (s_clock_check)
        s_probe_clock ();
    if (s_audit_check && pushed && ++s_pushes % s_audit_every == 0)
        s_check_audit ();
    return 0;
}
