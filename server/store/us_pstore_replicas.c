/*  us_pstore_replicas: enrolled replicas, their keys and epochs. */
#include "us_pstore_sql.h"
#include "us_error.h"
#include "us_hlc.h"
#include "us_keys.h"
#include "us_text.h"

#include <string.h>

/* Sets *found when the query on curve key z85 (a string literal) has a row. */
static int
s_key_found (us_pstore_t *self, bool *found, const char *sql, const char *z85)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, sql, "reading replica keys");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    *found = step == SQLITE_ROW;
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading replica keys");
}

/* Sets *retired when a re-key retired curve key z85. */
static int
s_key_retired (us_pstore_t *self, bool *retired, const char *z85)
{
    return s_key_found (self, retired, "SELECT 1 FROM replica_keys WHERE curve_key = ?", z85);
}

/* Sets *enrolled when curve key z85 belongs to a replica. */
static int
s_key_enrolled (us_pstore_t *self, bool *enrolled, const char *z85)
{
    return s_key_found (self, enrolled, "SELECT 1 FROM replicas WHERE curve_key = ?", z85);
}

/* Enrolls a replica key for a unit. */
int
us_pstore_enroll (us_pstore_t *self, int64_t *replica_id, const char *unit,
                  const char *token, const char *name)
{
    char z85 [41];
    uint8_t sign [32];
    bool has_sign;
    int64_t unit_id;
    int rc = us_keys_parse_token (z85, sign, &has_sign, token);
    if (rc == 0)
        rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc)
        return rc;
    if (name && (strlen (name) > US_MAX_REPLICA_NAME || !us_text_utf8_valid (name)))
        return us_error_set (US_EINVAL, "replica name too long or not UTF-8");
    bool retired;
    rc = s_key_retired (self, &retired, z85);
    if (rc == 0 && retired)
        rc = us_error_set (US_EEXIST, "this key was retired when its replica was re-keyed");
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
            "INSERT INTO replicas (curve_key, sign_key, unit_id, name, enrolled_at)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (curve_key) DO UPDATE SET sign_key = excluded.sign_key,"
            " unit_id = excluded.unit_id, name = excluded.name,"
            " enrolled_at = excluded.enrolled_at, revoked_at = NULL RETURNING id",
            "enrolling the replica");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
    if (has_sign)
        sqlite3_bind_blob (st, 2, sign, 32, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 3, unit_id);
    sqlite3_bind_text (st, 4, name ? name : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 5, us_hlc_wall_ms ());
    rc = sqlite3_step (st) == SQLITE_ROW ? 0 : us_pstore_fail (self, "enrolling the replica");
    if (rc == 0)
        *replica_id = sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return rc;
}

/* Finds the replica id of curve key z85. */
static int
s_replica_id (us_pstore_t *self, int64_t *id, const char *z85)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st, "SELECT id FROM replicas WHERE curve_key = ?",
                             "reading replicas");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    *id = step == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : step == SQLITE_DONE
         ? us_error_set (US_ENOTFOUND, "no replica with that key") : us_pstore_fail (self, "reading replicas");
}

/* Moves the replica's current key to the history and gives it the new one. */
static int
s_swap_key (us_pstore_t *self, int64_t id, const char *z85, const uint8_t *sign)
{
    sqlite3_stmt *st;
    /* The old key goes to the history with the last batch it signed. */
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO replica_keys (replica_id, curve_key, sign_key, last_batch, retired_at)"
        " SELECT id, curve_key, sign_key, (SELECT COALESCE (MAX (id), 0) FROM batches), ?"
        " FROM replicas WHERE id = ?", "retiring the old key");
    if (rc == 0) {
        sqlite3_bind_int64 (st, 1, us_hlc_wall_ms ());
        sqlite3_bind_int64 (st, 2, id);
        rc = us_pstore_done (self, st, "retiring the old key");
    }
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
            "UPDATE replicas SET curve_key = ?, sign_key = ?, revoked_at = NULL WHERE id = ?",
            "writing the new key");
    if (rc == 0) {
        sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
        sqlite3_bind_blob (st, 2, sign, 32, SQLITE_STATIC);
        sqlite3_bind_int64 (st, 3, id);
        rc = us_pstore_done (self, st, "writing the new key");
    }
    return rc;
}

/* Re-keys a replica: its identity, history and scope stay; the old key is
   refused from now on. */
int
us_pstore_rekey (us_pstore_t *self, int64_t *replica_id, const char *old_key,
                 const char *new_token)
{
    char old_z85 [41], new_z85 [41];
    uint8_t sign [32], old_sign [32];
    bool has_sign, old_has_sign;
    int rc = us_keys_parse_token (old_z85, old_sign, &old_has_sign, old_key);
    if (rc == 0)
        rc = us_keys_parse_token (new_z85, sign, &has_sign, new_token);
    if (rc)
        return rc;
    if (!has_sign)
        return us_error_set (US_EINVAL, "the new key has no signing key (use the whole line "
                             "`unionsync rekey` printed)");
    rc = us_pstore_begin (self);
    if (rc)
        return rc;
    int64_t id = 0;
    bool taken = false, retired = false;
    rc = s_replica_id (self, &id, old_z85);
    if (rc == 0 && strcmp (old_z85, new_z85) == 0)
        rc = us_error_set (US_EINVAL, "the new key is the old one");
    if (rc == 0)
        rc = s_key_enrolled (self, &taken, new_z85);
    if (rc == 0 && taken)
        rc = us_error_set (US_EEXIST, "the new key is already enrolled");
    if (rc == 0)
        rc = s_key_retired (self, &retired, new_z85);
    if (rc == 0 && retired)
        rc = us_error_set (US_EEXIST, "the new key was retired before; make another");
    if (rc == 0)
        rc = s_swap_key (self, id, new_z85, sign);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc) {
        us_pstore_rollback (self);
        return rc;
    }
    *replica_id = id;
    return 0;
}

/* Revokes a replica key. */
int
us_pstore_revoke (us_pstore_t *self, const char *token)
{
    char z85 [41];
    uint8_t sign [32];
    bool has_sign;
    int rc = us_keys_parse_token (z85, sign, &has_sign, token);
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
            "UPDATE replicas SET revoked_at = ? WHERE curve_key = ?", "revoking the key");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, us_hlc_wall_ms ());
    sqlite3_bind_text (st, 2, z85, -1, SQLITE_STATIC);
    rc = us_pstore_done (self, st, "revoking the key");
    if (rc == 0 && sqlite3_changes (self->db) == 0)
        rc = us_error_set (US_ENOTFOUND, "no replica with that key");
    return rc;
}

/* Looks up an active replica by CURVE key (Z85). */
int
us_pstore_replica (us_pstore_t *self, us_replica_t *replica, const char *key)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT r.id, r.curve_key, r.name, r.unit_id, u.code, k.code,"
        " r.revoked_at IS NOT NULL, r.sign_key, r.max_epoch, k.level"
        " FROM replicas r JOIN units u ON u.id = r.unit_id"
        " JOIN unit_kinds k ON k.id = u.kind_id WHERE r.curve_key = ?", "reading replicas");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        memset (replica, 0, sizeof *replica);
        replica->id = sqlite3_column_int64 (st, 0);
        snprintf (replica->key, sizeof replica->key, "%s", us_db_text (st, 1));
        snprintf (replica->name, sizeof replica->name, "%s", us_db_text (st, 2));
        replica->unit_id = sqlite3_column_int64 (st, 3);
        snprintf (replica->unit, sizeof replica->unit, "%s", us_db_text (st, 4));
        snprintf (replica->unit_kind, sizeof replica->unit_kind, "%s", us_db_text (st, 5));
        replica->revoked = sqlite3_column_int (st, 6) != 0;
        if (sqlite3_column_bytes (st, 7) == 32) {
            memcpy (replica->sign_public, sqlite3_column_blob (st, 7), 32);
            replica->has_sign = true;
        }
        replica->max_epoch = (uint32_t) sqlite3_column_int64 (st, 8);
        replica->level = sqlite3_column_int (st, 9);
        if (replica->revoked)
            rc = us_error_set (US_EPERM, "replica key has been revoked");
    }
    else
        rc = step == SQLITE_DONE ? us_error_set (US_ENOTFOUND, "replica key is not enrolled")
                                 : us_pstore_fail (self, "reading replicas");
    sqlite3_reset (st);
    return rc;
}

/* Sets *high to the highest sequence applied for (replica, epoch). */
int
us_pstore_epoch_high (us_pstore_t *self, uint64_t *high, int64_t replica_id, uint32_t epoch)
{
    sqlite3_stmt *st;
    *high = 0;
    int rc = us_pstore_prep (self, &st,
        "SELECT high_water FROM epochs WHERE replica_id = ? AND epoch = ?", "reading epochs");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, replica_id);
    sqlite3_bind_int64 (st, 2, epoch);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        *high = (uint64_t) sqlite3_column_int64 (st, 0);
    sqlite3_reset (st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : us_pstore_fail (self, "reading epochs");
}

/* Reads the high-water mark of epoch and whether other epochs were used. */
int
us_pstore_epoch_history (us_pstore_t *self, uint64_t *high, bool *other_epochs,
                         int64_t replica_id, uint32_t epoch)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT COALESCE (MAX (CASE WHEN epoch = ?2 THEN high_water END), 0),"
        " COALESCE (MAX (epoch <> ?2), 0) FROM epochs WHERE replica_id = ?1", "reading epochs");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, replica_id);
    sqlite3_bind_int64 (st, 2, epoch);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        *high = (uint64_t) sqlite3_column_int64 (st, 0);
        *other_epochs = sqlite3_column_int (st, 1) != 0;
    }
    sqlite3_reset (st);
    return step == SQLITE_ROW ? 0 : us_pstore_fail (self, "reading epochs");
}

/* Raises the replica's high-water mark for the epoch. */
int
us_pstore_epoch_raise (us_pstore_t *self, int64_t replica_id, uint32_t epoch, uint64_t seq)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO epochs (replica_id, epoch, high_water) VALUES (?, ?, ?)"
        " ON CONFLICT (replica_id, epoch) DO UPDATE SET"
        " high_water = MAX (high_water, excluded.high_water)", "writing epochs");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, replica_id);
    sqlite3_bind_int64 (st, 2, epoch);
    sqlite3_bind_int64 (st, 3, (int64_t) seq);
    rc = us_pstore_done (self, st, "writing epochs");
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
            "UPDATE replicas SET max_epoch = MAX (max_epoch, ?) WHERE id = ?", "writing replicas");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, epoch);
    sqlite3_bind_int64 (st, 2, replica_id);
    return us_pstore_done (self, st, "writing replicas");
}
