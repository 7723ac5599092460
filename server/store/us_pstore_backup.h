/*  us_pstore_backup: consistent copies of the provincial store, and putting
    one back.

    A backup is one self-contained SQLite file (no -wal beside it) taken
    with SQLite's online backup API inside one read transaction, so it is a
    consistent snapshot even while `serve` writes; the server's key file is
    copied beside it as FILE.key (mode 0600). Every backup is checked
    (PRAGMA integrity_check and the audit chain) before it is reported
    made. A restore refuses while a server runs on the store, checks the
    backup the same way, copies it in, and gives the store a new
    incarnation, so that offices can tell the province went back in time.
    Summaries are plain values owned by the caller.
*/
#ifndef US_PSTORE_BACKUP_H
#define US_PSTORE_BACKUP_H

#include "us_pstore.h"

#include <stdint.h>
#include <stdio.h>

/* What a store holds, as a backup or restore reports it. */
typedef struct {
    char province [65];
    char incarnation [33];
    int64_t units, replicas, cells, received, batches, targets, conflicts, changes;
} us_pstore_summary_t;

/* Copies the store at db_path into a new file path (refused when path
   exists) and its key file to path.key; checks the copy and fills *sum.
   Returns 0, US_EEXIST, US_ECORRUPT (the copy failed its checks; it is
   removed) or US_EIO. */
int us_pstore_backup (const char *db_path, const char *path, us_pstore_summary_t *sum);

/* Checks the store file at path: integrity, audit chain; fills *sum.
   Prints the audit summary to out when out is not NULL. Returns 0,
   US_ENOTFOUND, US_ECORRUPT or US_EIO. The file is opened as a store, so
   an older schema is upgraded in place first. */
int us_pstore_check_file (const char *path, us_pstore_summary_t *sum, FILE *out);

/* Puts the backup at backup back as the store at db_path, in one
   transaction of the destination, gives it a new incarnation and appends
   to its audit chain the record of the restore (us_pstore_restore_t):
   the chain's head the store had before (unknown when it cannot be read)
   and by whom (author); copies backup.key when the store has no key file.
   Returns 0, US_EPERM (a server is running on db_path), US_ECORRUPT (the
   backup failed its checks; nothing changed) or US_EIO. */
int us_pstore_restore (const char *backup, const char *db_path, const char *author,
                       us_pstore_summary_t *sum);

/* A restore as the audit chain records it, an act of kind US_ACT_RESTORE:
   unit the province, indicator "declared" (by `restore`) or "noticed" (by
   the server, at an office's Hello), value the chain's length before (none
   when unknown), note the hex hash of that head, version the length of
   the backup's chain that the record continues, author who, reason what.
   The server signs the chain's head with it as with any record, so an
   office holding a later head sees a declared restore, not a silent
   rewrite. A value. */
typedef struct {
    int64_t record;             /* the restore's own record in the chain */
    int64_t at;                 /* when, ms since 1970 (the server's clock) */
    int64_t before;             /* the chain's length before; 0: unknown */
    bool before_known;
    uint8_t before_hash [US_HASH_LEN];
    int64_t backup;             /* the length of the backup's chain */
    bool noticed;               /* the server noticed it by itself */
    char by [US_MAX_REPLICA_NAME + 1];  /* who restored, or the office that showed it */
} us_pstore_restore_t;

/* Visits the last max restore records, oldest first. Reads the whole
   chain's kinds once (no index: asked only by `audit check`). */
int us_pstore_restores (us_pstore_t *self, size_t max,
                        int (*fn) (void *arg, const us_pstore_restore_t *r), void *arg);

/* Marks db_path as served by this process for as long as *fd stays open
   (an advisory lock on the file); a second server or a restore is then
   refused. Returns 0 or US_EPERM when another process serves it. */
int us_pstore_serving_lock (const char *db_path, int *fd);

/* Sets buf (at least 33 bytes) to the store's incarnation: a random hex
   written at init and at every restore; "-" for a store without one. */
void us_pstore_incarnation (us_pstore_t *self, char *buf, size_t size);

/* Gives the store a new random incarnation (into buf when not NULL), on
   disk before it returns. Returns 0 or US_EIO. */
int us_pstore_new_incarnation (us_pstore_t *self, char *buf, size_t size);

/* The server found the store went back in time (a backup put back by
   hand): in one durable transaction, a new incarnation (into buf), so
   every office re-sends and re-pulls, and a restore record, "noticed",
   naming the office (by) and what it reported (what). Returns 0 or an
   error with nothing changed. */
int us_pstore_restore_noticed (us_pstore_t *self, char *buf, size_t size, const char *by,
                               const char *what);

/* Prints a summary as the backup and restore commands show it. */
void us_pstore_summary_print (const us_pstore_summary_t *sum, FILE *out);

#endif
