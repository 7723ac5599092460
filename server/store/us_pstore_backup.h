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
   transaction of the destination, and gives it a new incarnation; copies
   backup.key when the store has no key file. Returns 0, US_EPERM (a
   server is running on db_path), US_ECORRUPT (the backup failed its
   checks; nothing changed) or US_EIO. */
int us_pstore_restore (const char *backup, const char *db_path, us_pstore_summary_t *sum);

/* Marks db_path as served by this process for as long as *fd stays open
   (an advisory lock on the file); a second server or a restore is then
   refused. Returns 0 or US_EPERM when another process serves it. */
int us_pstore_serving_lock (const char *db_path, int *fd);

/* Sets buf (at least 33 bytes) to the store's incarnation: a random hex
   written at init and at every restore; "-" for a store without one. */
void us_pstore_incarnation (us_pstore_t *self, char *buf, size_t size);

/* Gives the store a new random incarnation (into buf when not NULL), on
   disk before it returns: the server found it went back in time (a backup
   put back by hand), so every office re-sends and re-pulls. Returns 0 or
   US_EIO. */
int us_pstore_new_incarnation (us_pstore_t *self, char *buf, size_t size);

/* Prints a summary as the backup and restore commands show it. */
void us_pstore_summary_print (const us_pstore_summary_t *sum, FILE *out);

#endif
