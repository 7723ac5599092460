/*  us_accounts: passwords, session tokens and roles of the province desk.

    Passwords are hashed with scrypt (OpenSSL's EVP_KDF "SCRYPT"), N = 2^15,
    r = 8, p = 1 (32 MiB and about 0.1 s per hash, so a stolen store costs an
    attacker that much per guess), with a 16-byte random salt. The stored
    text carries its parameters and salt:
        scrypt$LOG2N$R$P$SALT_HEX$HASH_HEX
    so the cost can be raised later without breaking old hashes. Checks
    compare in constant time. Session ids and CSRF tokens are 32 random
    bytes in hex; the store keeps only the SHA-256 of a session id, so a
    copy of the store does not let anyone in. Nothing here allocates
    anything the caller must free.
*/
#ifndef US_ACCOUNTS_H
#define US_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#define US_ACCOUNTS_HASH_MAX 192   /* room for a stored password hash */
#define US_ACCOUNTS_TOKEN 65       /* 64 hex digits and a NUL */
#define US_ACCOUNTS_PASSWORD_MIN 8
#define US_ACCOUNTS_PASSWORD_MAX 256
#define US_ACCOUNTS_NAME_MAX 64

/* Roles, each one allowing what the one before it does. */
typedef enum {
    US_ROLE_VIEWER = 1,         /* reads every view */
    US_ROLE_APPROVER = 2,       /* approves, locks, corrects, resolves, targets */
    US_ROLE_ADMIN = 3           /* also offices and accounts */
} us_role_t;

/* Parses viewer|approver|admin; returns 0 or US_EINVAL. */
int us_accounts_role_parse (us_role_t *role, const char *text);

/* Returns the name of a role ("viewer", "approver", "admin"). */
const char *us_accounts_role_name (us_role_t role);

/* Checks an account name: 1..64 of [a-z0-9._-], starting with a letter or
   digit. Returns 0 or US_EINVAL with the reason. */
int us_accounts_name_check (const char *name);

/* Checks a new password: 8..256 bytes, no control characters. Returns 0
   or US_EINVAL. */
int us_accounts_password_check (const char *password);

/* Hashes password with a fresh salt into out (US_ACCOUNTS_HASH_MAX bytes).
   Returns 0, US_EINVAL or US_EIO (OpenSSL failed). */
int us_accounts_hash (char *out, size_t size, const char *password);

/* Hashes with given log2 N (tests use a small cost). */
int us_accounts_hash_cost (char *out, size_t size, const char *password, int log2n);

/* Sets *ok when password matches stored (a hash from us_accounts_hash).
   Returns 0, or US_EINVAL when stored is not a hash this module made. */
int us_accounts_verify (bool *ok, const char *stored, const char *password);

/* Writes 32 random bytes as 64 hex digits into out (US_ACCOUNTS_TOKEN
   bytes). Returns 0 or US_EIO. */
int us_accounts_token (char *out);

/* Writes the SHA-256 of text as 64 hex digits into out (US_ACCOUNTS_TOKEN). */
void us_accounts_digest (char *out, const char *text);

/* Compares two strings in time independent of where they differ. */
bool us_accounts_equal (const char *a, const char *b);

#endif
