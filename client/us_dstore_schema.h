/*  us_dstore_schema: the office store's schema and its numbered migrations.

    Private to us_dstore. The version of a store is PRAGMA user_version;
    stores written by unionsync 0.1.0 left it at 0 and marked schema 1 in
    their meta table instead, and are taken as version 1. Each migration runs
    in a transaction of its own: one that fails is rolled back and leaves the
    store as it was, at the version before it. The handle stays the caller's.
*/
#ifndef US_DSTORE_SCHEMA_H
#define US_DSTORE_SCHEMA_H

#include <sqlite3.h>

/* The version the migrations bring a store to. */
#define US_DSTORE_SCHEMA 9

/* Brings an empty database to the current schema. Returns 0 or an error. */
int us_dstore_schema_create (sqlite3 *db);

/* Brings an existing store (named path in messages) to the current schema.
   Returns 0, US_ECORRUPT for a store it cannot read or one written by a
   newer program, or the error of the migration that failed. */
int us_dstore_schema_upgrade (sqlite3 *db, const char *path);

/* Reads the store's version into *version (0 for an empty database). */
int us_dstore_schema_version (sqlite3 *db, int *version);

#endif
