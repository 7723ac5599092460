/*  us_keys: CURVE and Ed25519 keys, key files, tokens and signatures. */
#include "us_keys.h"
#include "us_error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes n bytes as lowercase hex into out (2n+1 bytes). */
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

/* Reads 2n hex characters into bytes; returns false on bad input. */
static bool
s_unhex (uint8_t *bytes, const char *hex, size_t n)
{
    for (size_t i = 0; i < 2 * n; i++) {
        char c = hex [i];
        int v = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0)
            return false;
        if (i % 2 == 0)
            bytes [i / 2] = (uint8_t) (v << 4);
        else
            bytes [i / 2] |= (uint8_t) v;
    }
    return true;
}

/* Z85 (ZeroMQ RFC 32), the text form libzmq takes CURVE keys in. Written
   here rather than called in libzmq so that the store's commands do not
   map libzmq and the seventeen shared objects it pulls in: about 4 ms of
   every `unionsync-server` command's start. */
static const char s_z85 [] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/* Writes 32 bytes as 40 Z85 characters and a NUL into out (41 bytes). */
static void
s_z85_encode (char *out, const uint8_t *raw)
{
    for (size_t i = 0; i < 32; i += 4) {
        uint32_t v = (uint32_t) raw [i] << 24 | (uint32_t) raw [i + 1] << 16
                   | (uint32_t) raw [i + 2] << 8 | raw [i + 3];
        for (int k = 4; k >= 0; k--) {
            out [i / 4 * 5 + (size_t) k] = s_z85 [v % 85];
            v /= 85;
        }
    }
    out [40] = 0;
}

/* Reads 40 Z85 characters into 32 bytes; false on a character outside
   the alphabet, a group above 2^32 - 1, or text of another length. */
static bool
s_z85_decode (uint8_t *raw, const char *text)
{
    if (strlen (text) != 40)
        return false;
    for (size_t i = 0; i < 40; i += 5) {
        uint64_t v = 0;
        for (size_t k = 0; k < 5; k++) {
            const char *at = text [i + k] ? strchr (s_z85, text [i + k]) : NULL;
            if (!at)
                return false;
            v = v * 85 + (uint64_t) (at - s_z85);
        }
        if (v > UINT32_MAX)
            return false;
        for (size_t k = 0; k < 4; k++)
            raw [i / 5 * 4 + k] = (uint8_t) (v >> (24 - 8 * k));
    }
    return true;
}

/* Generates a Curve25519 pair, the one CurveZMQ uses, into keys (Z85). */
static int
s_curve_generate (us_keys_t *keys)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id (EVP_PKEY_X25519, NULL);
    uint8_t pub [32], sec [32];
    size_t pl = 32, sl = 32;
    int ok = ctx && EVP_PKEY_keygen_init (ctx) == 1
          && EVP_PKEY_keygen (ctx, &pkey) == 1
          && EVP_PKEY_get_raw_public_key (pkey, pub, &pl) == 1
          && EVP_PKEY_get_raw_private_key (pkey, sec, &sl) == 1 && pl == 32 && sl == 32;
    EVP_PKEY_free (pkey);
    EVP_PKEY_CTX_free (ctx);
    if (ok) {
        s_z85_encode (keys->curve_public, pub);
        s_z85_encode (keys->curve_secret, sec);
    }
    OPENSSL_cleanse (sec, sizeof sec);
    return ok ? 0 : us_error_set (US_EIO, "cannot generate a CURVE key");
}

/* Generates an Ed25519 key pair into keys. */
static int
s_sign_generate (us_keys_t *keys)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id (EVP_PKEY_ED25519, NULL);
    size_t pl = 32, sl = 32;
    int ok = ctx && EVP_PKEY_keygen_init (ctx) == 1
          && EVP_PKEY_keygen (ctx, &pkey) == 1
          && EVP_PKEY_get_raw_public_key (pkey, keys->sign_public, &pl) == 1
          && EVP_PKEY_get_raw_private_key (pkey, keys->sign_secret, &sl) == 1;
    EVP_PKEY_free (pkey);
    EVP_PKEY_CTX_free (ctx);
    if (!ok)
        return us_error_set (US_EIO, "cannot generate a signing key");
    keys->has_sign = true;
    return 0;
}

/* Generates fresh keys (with an Ed25519 pair when with_sign). */
int
us_keys_generate (us_keys_t *keys, bool with_sign)
{
    memset (keys, 0, sizeof *keys);
    int rc = s_curve_generate (keys);
    return rc == 0 && with_sign ? s_sign_generate (keys) : rc;
}

/* Gives keys without a signing pair one, keeping the CURVE pair. */
int
us_keys_add_sign (us_keys_t *keys)
{
    return keys->has_sign ? 0 : s_sign_generate (keys);
}

/* Writes the text a signed audit head signs. */
void
us_keys_head_text (char *buf, size_t size, uint64_t records, const uint8_t *hash)
{
    char hex [65];
    s_hex (hex, hash, 32);
    snprintf (buf, size, "unionsync audit head %llu %s", (unsigned long long) records, hex);
}

/* Writes keys to a new file path with mode 0600; fails if it exists. */
int
us_keys_save (const us_keys_t *keys, const char *path)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return us_error_set (errno == EEXIST ? US_EEXIST : US_EIO,
                             "cannot create key file %s: %s", path, strerror (errno));
    char text [512], pub [65], sec [65];
    int n = snprintf (text, sizeof text, "curve-public %s\ncurve-secret %s\n",
                      keys->curve_public, keys->curve_secret);
    if (keys->has_sign) {
        s_hex (pub, keys->sign_public, 32);
        s_hex (sec, keys->sign_secret, 32);
        n += snprintf (text + n, sizeof text - (size_t) n,
                       "sign-public %s\nsign-secret %s\n", pub, sec);
    }
    bool ok = write (fd, text, (size_t) n) == n && fsync (fd) == 0;
    OPENSSL_cleanse (text, sizeof text);
    OPENSSL_cleanse (sec, sizeof sec);
    if (close (fd) != 0)
        ok = false;
    if (!ok) {
        unlink (path);
        return us_error_set (US_EIO, "cannot write key file %s", path);
    }
    return 0;
}

/* Replaces the key file at path with keys. */
int
us_keys_replace (const us_keys_t *keys, const char *path)
{
    char tmp [4096];
    if (snprintf (tmp, sizeof tmp, "%s.new", path) >= (int) sizeof tmp)
        return us_error_set (US_EINVAL, "key file path too long");
    unlink (tmp);                   /* left by an earlier attempt that stopped */
    int rc = us_keys_save (keys, tmp);
    if (rc)
        return rc;
    if (rename (tmp, path) != 0) {
        rc = us_error_set (US_EIO, "cannot replace key file %s: %s", path, strerror (errno));
        unlink (tmp);
        return rc;
    }
    /* The rename is durable once the directory is. */
    char dir [4096];
    snprintf (dir, sizeof dir, "%s", path);
    char *slash = strrchr (dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = 0;
    else
        snprintf (dir, sizeof dir, ".");
    int fd = open (dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync (fd);
        close (fd);
    }
    return 0;
}

/* Reads keys from path; refuses a link, a file owned by another user, or
   one that group or others can read. The checks are made on the opened
   descriptor (fstat), so the file cannot be swapped between check and read. */
int
us_keys_load (us_keys_t *keys, const char *path)
{
    memset (keys, 0, sizeof *keys);
    int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return us_error_set (US_ENOTFOUND, "no key file %s (run init first)", path);
        if (errno == ELOOP)
            return us_error_set (US_EPERM, "key file %s is a symbolic link; refused", path);
        return us_error_set (US_EIO, "cannot read key file %s: %s", path, strerror (errno));
    }
    struct stat st;
    int rc = 0;
    if (fstat (fd, &st) != 0)
        rc = us_error_set (US_EIO, "cannot read key file %s: %s", path, strerror (errno));
    else
    if (!S_ISREG (st.st_mode))
        rc = us_error_set (US_EPERM, "key file %s is not a regular file", path);
    else
    if (st.st_uid != geteuid ())
        rc = us_error_set (US_EPERM, "key file %s belongs to another user; refused", path);
    else
    if (st.st_mode & 077)
        rc = us_error_set (US_EPERM, "key file %s is readable by others; chmod 600 it", path);
    FILE *f = rc ? NULL : fdopen (fd, "r");
    if (!f) {
        close (fd);
        return rc ? rc : us_error_set (US_EIO, "cannot read key file %s: %s", path, strerror (errno));
    }
    char line [256], name [32], value [160];
    int found = 0;
    while (fgets (line, sizeof line, f)) {
        if (sscanf (line, "%31s %159s", name, value) != 2)
            continue;
        if (strcmp (name, "curve-public") == 0 && strlen (value) == 40) {
            memcpy (keys->curve_public, value, 41);
            found |= 1;
        }
        else
        if (strcmp (name, "curve-secret") == 0 && strlen (value) == 40) {
            memcpy (keys->curve_secret, value, 41);
            found |= 2;
        }
        else
        if (strcmp (name, "sign-public") == 0 && strlen (value) == 64
        &&  s_unhex (keys->sign_public, value, 32))
            found |= 4;
        else
        if (strcmp (name, "sign-secret") == 0 && strlen (value) == 64
        &&  s_unhex (keys->sign_secret, value, 32))
            found |= 8;
    }
    fclose (f);
    OPENSSL_cleanse (line, sizeof line);
    OPENSSL_cleanse (value, sizeof value);
    if ((found & 3) != 3 || (found & 12) == 4 || (found & 12) == 8) {
        us_keys_wipe (keys);
        return us_error_set (US_ECORRUPT, "key file %s is damaged", path);
    }
    keys->has_sign = (found & 12) == 12;
    return 0;
}

/* Writes a Z85 CURVE public key as hex (65 bytes) into buf. */
void
us_keys_curve_hex (char *buf, const char *curve_z85)
{
    uint8_t raw [32];
    if (!s_z85_decode (raw, curve_z85)) {
        buf [0] = 0;
        return;
    }
    s_hex (buf, raw, 32);
}

/* Writes the public token of keys into buf. */
void
us_keys_token (char *buf, size_t size, const us_keys_t *keys)
{
    char curve [65], sign [65] = "";
    us_keys_curve_hex (curve, keys->curve_public);
    if (keys->has_sign)
        s_hex (sign, keys->sign_public, 32);
    snprintf (buf, size, "%s%s", curve, sign);
}

/* Parses a public token. */
int
us_keys_parse_token (char *curve_z85, uint8_t *sign_public, bool *has_sign,
                     const char *token)
{
    size_t len = token ? strlen (token) : 0;
    uint8_t raw [32];
    *has_sign = false;
    if ((len == 64 || len == 128) && s_unhex (raw, token, 32)) {
        if (len == 128) {
            if (!s_unhex (sign_public, token + 64, 32))
                goto bad;
            *has_sign = true;
        }
        s_z85_encode (curve_z85, raw);
        return 0;
    }
    if (len == 40 && s_z85_decode (raw, token)) {
        memcpy (curve_z85, token, 41);
        return 0;
    }
bad:
    return us_error_set (US_EINVAL, "bad key '%.20s%s' (expected the token printed by init)",
                         token ? token : "", len > 20 ? "..." : "");
}

/* Signs data with the Ed25519 secret key into sig (64 bytes). */
int
us_keys_sign (uint8_t *sig, const us_keys_t *keys, const uint8_t *data, size_t len)
{
    if (!keys->has_sign)
        return us_error_set (US_EINVAL, "no signing key");
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key (EVP_PKEY_ED25519, NULL,
                                                   keys->sign_secret, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    size_t sl = 64;
    int ok = pkey && ctx
          && EVP_DigestSignInit (ctx, NULL, NULL, NULL, pkey) == 1
          && EVP_DigestSign (ctx, sig, &sl, data, len) == 1;
    EVP_MD_CTX_free (ctx);
    EVP_PKEY_free (pkey);
    return ok ? 0 : us_error_set (US_EIO, "cannot sign");
}

/* Verifies an Ed25519 signature. */
int
us_keys_verify (const uint8_t *sign_public, const uint8_t *sig, size_t sig_len,
                const uint8_t *data, size_t len)
{
    if (sig_len != 64)
        return us_error_set (US_EPERM, "signature missing or malformed");
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL,
                                                  sign_public, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    int ok = pkey && ctx
          && EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, pkey) == 1
          && EVP_DigestVerify (ctx, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free (ctx);
    EVP_PKEY_free (pkey);
    return ok ? 0 : us_error_set (US_EPERM, "bad signature");
}

/* Erases secrets from memory. */
void
us_keys_wipe (us_keys_t *keys)
{
    OPENSSL_cleanse (keys, sizeof *keys);
}

/* Returns the path of the key file beside a store ("STORE.key"). */
char *
us_keys_path (const char *store_path)
{
    size_t n = strlen (store_path) + 8;
    char *p = malloc (n);
    if (p)
        snprintf (p, n, "%s.key", store_path);
    return p;
}
