/*  us_accounts: passwords, session tokens and roles of the province desk. */
#include "us_accounts.h"
#include "us_error.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LOG2N 15
#define S_R 8
#define S_P 1
#define S_SALT 16
#define S_KEY 32

static const char *s_roles [] = { "", "viewer", "approver", "admin" };

/* Parses viewer|approver|admin. */
int
us_accounts_role_parse (us_role_t *role, const char *text)
{
    for (int r = US_ROLE_VIEWER; r <= US_ROLE_ADMIN; r++)
        if (text && strcmp (text, s_roles [r]) == 0) {
            *role = (us_role_t) r;
            return 0;
        }
    return us_error_set (US_EINVAL, "unknown role '%s' (viewer, approver or admin)",
                         text ? text : "");
}

/* Returns the name of a role. */
const char *
us_accounts_role_name (us_role_t role)
{
    return role >= US_ROLE_VIEWER && role <= US_ROLE_ADMIN ? s_roles [role] : "none";
}

/* Checks an account name. */
int
us_accounts_name_check (const char *name)
{
    size_t len = name ? strlen (name) : 0;
    if (len == 0 || len > US_ACCOUNTS_NAME_MAX)
        return us_error_set (US_EINVAL, "an account name has 1 to %d characters",
                             US_ACCOUNTS_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        char c = name [i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return us_error_set (US_EINVAL, "an account name is lower-case letters, digits,"
                                 " '.', '_' or '-', starting with a letter or digit");
    }
    return 0;
}

/* Checks a new password. */
int
us_accounts_password_check (const char *password)
{
    size_t len = password ? strlen (password) : 0;
    if (len < US_ACCOUNTS_PASSWORD_MIN || len > US_ACCOUNTS_PASSWORD_MAX)
        return us_error_set (US_EINVAL, "a password has %d to %d characters",
                             US_ACCOUNTS_PASSWORD_MIN, US_ACCOUNTS_PASSWORD_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) password [i] < 0x20 || password [i] == 0x7f)
            return us_error_set (US_EINVAL, "a password holds no control characters");
    return 0;
}

/* Writes n bytes as lower-case hex into out (2n + 1 bytes). */
static void
s_hex (char *out, const uint8_t *bytes, size_t n)
{
    static const char digits [] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out [2 * i] = digits [bytes [i] >> 4];
        out [2 * i + 1] = digits [bytes [i] & 15];
    }
    out [2 * n] = 0;
}

/* Reads exactly n bytes of hex from text; returns 0 or -1. */
static int
s_unhex (uint8_t *bytes, size_t n, const char *text, size_t len)
{
    if (len != 2 * n)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = text [i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        if (i % 2 == 0)
            bytes [i / 2] = (uint8_t) (v << 4);
        else
            bytes [i / 2] |= (uint8_t) v;
    }
    return 0;
}

/* Derives S_KEY bytes from password and salt with scrypt. */
static int
s_scrypt (uint8_t *key, const char *password, const uint8_t *salt, int log2n,
          unsigned r, unsigned p)
{
    EVP_KDF *kdf = EVP_KDF_fetch (NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new (kdf) : NULL;
    EVP_KDF_free (kdf);
    if (!ctx)
        return us_error_set (US_EIO, "OpenSSL has no scrypt");
    uint64_t n = (uint64_t) 1 << log2n;
    uint32_t rr = r, pp = p;
    OSSL_PARAM params [] = {
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_PASSWORD, (void *) password,
                                           strlen (password)),
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, (void *) salt, S_SALT),
        OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_R, &rr),
        OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_P, &pp),
        OSSL_PARAM_construct_end ()
    };
    int ok = EVP_KDF_derive (ctx, key, S_KEY, params);
    EVP_KDF_CTX_free (ctx);
    return ok == 1 ? 0 : us_error_set (US_EIO, "scrypt failed");
}

/* Hashes password with a fresh salt at a given cost. */
int
us_accounts_hash_cost (char *out, size_t size, const char *password, int log2n)
{
    if (!password || log2n < 1 || log2n > 20 || size < US_ACCOUNTS_HASH_MAX)
        return us_error_set (US_EINVAL, "bad password hashing arguments");
    uint8_t salt [S_SALT], key [S_KEY];
    if (RAND_bytes (salt, sizeof salt) != 1)
        return us_error_set (US_EIO, "no random bytes for a salt");
    int rc = s_scrypt (key, password, salt, log2n, S_R, S_P);
    if (rc)
        return rc;
    char salt_hex [2 * S_SALT + 1], key_hex [2 * S_KEY + 1];
    s_hex (salt_hex, salt, sizeof salt);
    s_hex (key_hex, key, sizeof key);
    OPENSSL_cleanse (key, sizeof key);
    snprintf (out, size, "scrypt$%d$%d$%d$%s$%s", log2n, S_R, S_P, salt_hex, key_hex);
    return 0;
}

/* Hashes password with a fresh salt at the default cost. */
int
us_accounts_hash (char *out, size_t size, const char *password)
{
    return us_accounts_hash_cost (out, size, password, S_LOG2N);
}

/* Sets *ok when password matches stored. */
int
us_accounts_verify (bool *ok, const char *stored, const char *password)
{
    *ok = false;
    int log2n, r, p, salt_at = 0, key_at = 0;
    if (!stored || !password
    ||  sscanf (stored, "scrypt$%d$%d$%d$%n", &log2n, &r, &p, &salt_at) != 3 || salt_at == 0
    ||  log2n < 1 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 16)
        return us_error_set (US_EINVAL, "not a password hash");
    const char *salt_hex = stored + salt_at;
    const char *dollar = strchr (salt_hex, '$');
    if (!dollar)
        return us_error_set (US_EINVAL, "not a password hash");
    key_at = (int) (dollar - stored) + 1;
    uint8_t salt [S_SALT], want [S_KEY], got [S_KEY];
    if (s_unhex (salt, sizeof salt, salt_hex, (size_t) (dollar - salt_hex)) != 0
    ||  s_unhex (want, sizeof want, stored + key_at, strlen (stored + key_at)) != 0)
        return us_error_set (US_EINVAL, "not a password hash");
    int rc = s_scrypt (got, password, salt, log2n, (unsigned) r, (unsigned) p);
    if (rc)
        return rc;
    *ok = CRYPTO_memcmp (got, want, S_KEY) == 0;
    OPENSSL_cleanse (got, sizeof got);
    return 0;
}

/* Writes 32 random bytes as hex. */
int
us_accounts_token (char *out)
{
    uint8_t bytes [32];
    if (RAND_bytes (bytes, sizeof bytes) != 1)
        return us_error_set (US_EIO, "no random bytes for a token");
    s_hex (out, bytes, sizeof bytes);
    return 0;
}

/* Writes the SHA-256 of text as hex. */
void
us_accounts_digest (char *out, const char *text)
{
    uint8_t md [SHA256_DIGEST_LENGTH];
    SHA256 ((const unsigned char *) text, strlen (text), md);
    s_hex (out, md, sizeof md);
}

/* Compares two strings in time independent of where they differ. */
bool
us_accounts_equal (const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la != lb)
        return false;
    return CRYPTO_memcmp (a, b, la) == 0;
}
