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

/* Refuses a key that is or was enrolled: enrolment never brings a revoked
   key back nor moves a replica (that is `replicas move`). */
static int
s_enroll_check (us_pstore_t *self, const char *z85)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT r.revoked_at IS NOT NULL, u.code FROM replicas r JOIN units u ON u.id = r.unit_id"
        " WHERE r.curve_key = ?", "reading replica keys");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW)
        rc = sqlite3_column_int (st, 0)
           ? us_error_set (US_EEXIST, "this key was revoked; a revoked key cannot be enrolled "
                           "again (make new keys with `unionsync rekey`)")
           : us_error_set (US_EEXIST, "this key is already enrolled for %.64s (to move the "
                           "replica use `unionsync-server replicas move`)", us_db_text (st, 1));
    else
    if (step != SQLITE_DONE)
        rc = us_pstore_fail (self, "reading replica keys");
    sqlite3_reset (st);
    bool retired = false;
    if (rc == 0)
        rc = s_key_retired (self, &retired, z85);
    if (rc == 0 && retired)
        rc = us_error_set (US_EEXIST, "this key was retired when its replica was re-keyed");
    return rc;
}

/* Inserts the replica row of a new key; sets *replica_id. */
static int
s_enroll_insert (us_pstore_t *self, int64_t *replica_id, const char *z85,
                 const uint8_t *sign, int64_t unit_id, const char *name)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "INSERT INTO replicas (curve_key, sign_key, unit_id, name, enrolled_at)"
        " VALUES (?, ?, ?, ?, ?)", "enrolling the replica");
    if (rc)
        return rc;
    sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
    sqlite3_bind_blob (st, 2, sign, 32, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 3, unit_id);
    sqlite3_bind_text (st, 4, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 5, us_hlc_wall_ms ());
    rc = us_pstore_done (self, st, "enrolling the replica");
    if (rc == 0)
        *replica_id = sqlite3_last_insert_rowid (self->db);
    return rc;
}

/* Enrolls a replica key for a unit, on record. */
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
    if (!has_sign)
        return us_error_set (US_EINVAL, "the key has no signing half: every replica signs its "
                             "batches; enrol the whole key `unionsync init` printed");
    name = name ? name : "";
    if (strlen (name) > US_MAX_REPLICA_NAME || !us_text_utf8_valid (name))
        return us_error_set (US_EINVAL, "replica name too long, not UTF-8 or holding "
                             "control characters");
    rc = us_pstore_begin (self);
    if (rc)
        return rc;
    rc = s_enroll_check (self, z85);
    if (rc == 0)
        rc = s_enroll_insert (self, replica_id, z85, sign, unit_id, name);
    char what [160];
    snprintf (what, sizeof what, "replica %.64s enrolled with key %.40s", name, z85);
    if (rc == 0)
        rc = us_pstore_act_record (self, US_ACT_ENROL, unit, "", -1, false, 0, "", what);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc)
        us_pstore_rollback (self);
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

/* Records an act on replica id, under the unit it is enrolled for; what
   is a format of two strings. */
static int
s_act (us_pstore_t *self, us_act_t kind, int64_t id, const char *fmt, const char *a,
       const char *b)
{
    sqlite3_stmt *st;
    int rc = us_pstore_prep (self, &st,
        "SELECT u.code, r.name FROM replicas r JOIN units u ON u.id = r.unit_id WHERE r.id = ?",
        "reading replicas");
    if (rc)
        return rc;
    sqlite3_bind_int64 (st, 1, id);
    int step = sqlite3_step (st);
    char unit [US_MAX_CODE + 1] = "", what [US_MAX_REASON];
    if (step == SQLITE_ROW) {
        snprintf (unit, sizeof unit, "%s", us_db_text (st, 0));
        int n = snprintf (what, sizeof what, "replica %.64s: ", us_db_text (st, 1));
        snprintf (what + n, sizeof what - (size_t) n, fmt, a, b);
    }
    sqlite3_reset (st);
    if (step != SQLITE_ROW)
        return us_pstore_fail (self, "reading replicas");
    return us_pstore_act_record (self, kind, unit, "", -1, false, 0, "", what);
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
        rc = s_act (self, US_ACT_REKEY, id, "re-keyed from %.40s to %.40s", old_z85, new_z85);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc) {
        us_pstore_rollback (self);
        return rc;
    }
    *replica_id = id;
    return 0;
}

/* Revokes a replica key, on record. */
int
us_pstore_revoke (us_pstore_t *self, const char *token)
{
    char z85 [41];
    uint8_t sign [32];
    bool has_sign;
    int rc = us_keys_parse_token (z85, sign, &has_sign, token);
    if (rc)
        return rc;
    rc = us_pstore_begin (self);
    if (rc)
        return rc;
    int64_t id = 0;
    rc = s_replica_id (self, &id, z85);
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = us_pstore_prep (self, &st,
            "UPDATE replicas SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            "revoking the key");
    if (rc == 0) {
        sqlite3_bind_int64 (st, 1, us_hlc_wall_ms ());
        sqlite3_bind_int64 (st, 2, id);
        rc = us_pstore_done (self, st, "revoking the key");
    }
    /* Revoking twice changes nothing and records nothing. */
    if (rc == 0 && sqlite3_changes (self->db) > 0)
        rc = s_act (self, US_ACT_REVOKE, id, "key %.40s revoked%s", z85, "");
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc)
        us_pstore_rollback (self);
    return rc;
}

/* Moves a replica to another unit, on record. */
int
us_pstore_move (us_pstore_t *self, int64_t *replica_id, const char *token, const char *unit)
{
    char z85 [41];
    uint8_t sign [32];
    bool has_sign;
    int64_t unit_id;
    int rc = us_keys_parse_token (z85, sign, &has_sign, token);
    if (rc == 0)
        rc = us_pstore_unit_id (self, &unit_id, unit);
    if (rc == 0)
        rc = us_pstore_begin (self);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = us_pstore_prep (self, &st,
        "SELECT r.id, r.revoked_at IS NOT NULL, r.unit_id, u.code FROM replicas r"
        " JOIN units u ON u.id = r.unit_id WHERE r.curve_key = ?", "reading replicas");
    char from [US_MAX_CODE + 1] = "";
    if (rc == 0) {
        sqlite3_bind_text (st, 1, z85, -1, SQLITE_STATIC);
        int step = sqlite3_step (st);
        if (step == SQLITE_ROW) {
            *replica_id = sqlite3_column_int64 (st, 0);
            snprintf (from, sizeof from, "%s", us_db_text (st, 3));
            if (sqlite3_column_int (st, 1))
                rc = us_error_set (US_EINVAL, "this key was revoked; a revoked replica is not moved");
            else
            if (sqlite3_column_int64 (st, 2) == unit_id)
                rc = us_error_set (US_EINVAL, "the replica is enrolled for %s already", unit);
        }
        else
            rc = step == SQLITE_DONE ? us_error_set (US_ENOTFOUND, "no replica with that key")
                                     : us_pstore_fail (self, "reading replicas");
        sqlite3_reset (st);
    }
    if (rc == 0)
        rc = us_pstore_prep (self, &st, "UPDATE replicas SET unit_id = ? WHERE id = ?",
                             "moving the replica");
    if (rc == 0) {
        sqlite3_bind_int64 (st, 1, unit_id);
        sqlite3_bind_int64 (st, 2, *replica_id);
        rc = us_pstore_done (self, st, "moving the replica");
    }
    if (rc == 0)
        rc = s_act (self, US_ACT_MOVE, *replica_id, "replica moved from %s to %s", from, unit);
    if (rc == 0)
        rc = us_pstore_commit (self);
    if (rc)
        us_pstore_rollback (self);
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
