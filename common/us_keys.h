/*  us_keys: CURVE and Ed25519 keys, key files, tokens and signatures.

    A replica has a CURVE key pair (its identity on the ZeroMQ connection)
    and an Ed25519 key pair (it signs its Push batches). The server has a
    CURVE pair only. Keys live in a text file beside the store, mode 0600;
    a file that others can read is refused. The public token printed by
    `init` is hex: the CURVE public key, followed for a replica by its
    Ed25519 public key. us_keys_t is a value owned by the caller; wipe it
    with us_keys_wipe() when done.
*/
#ifndef US_KEYS_H
#define US_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_TOKEN_MAX 160

typedef struct {
    char curve_public [41];     /* Z85, as libzmq wants it */
    char curve_secret [41];
    bool has_sign;
    uint8_t sign_public [32];
    uint8_t sign_secret [32];
} us_keys_t;

/* Generates fresh keys (with an Ed25519 pair when with_sign). */
int us_keys_generate (us_keys_t *keys, bool with_sign);

/* Writes keys to a new file path with mode 0600; fails if it exists. */
int us_keys_save (const us_keys_t *keys, const char *path);

/* Replaces the key file at path with keys: written beside it (mode 0600),
   flushed, then renamed over it, so a crash leaves the old keys or the new
   ones, never a torn file. Returns 0 or an error with path unchanged. */
int us_keys_replace (const us_keys_t *keys, const char *path);

/* Reads keys from path; refuses a file group or others can read. */
int us_keys_load (us_keys_t *keys, const char *path);

/* Writes the public token of keys into buf (US_TOKEN_MAX bytes). */
void us_keys_token (char *buf, size_t size, const us_keys_t *keys);

/* Parses a public token: fills curve_z85 (41 bytes) and, when the token
   carries one, sign_public (32 bytes) and sets *has_sign. */
int us_keys_parse_token (char *curve_z85, uint8_t *sign_public, bool *has_sign,
                         const char *token);

/* Writes a Z85 CURVE public key as hex (65 bytes) into buf. */
void us_keys_curve_hex (char *buf, const char *curve_z85);

/* Signs data with the Ed25519 secret key into sig (64 bytes). */
int us_keys_sign (uint8_t *sig, const us_keys_t *keys, const uint8_t *data, size_t len);

/* Verifies an Ed25519 signature; returns 0 or US_EPERM. */
int us_keys_verify (const uint8_t *sign_public, const uint8_t *sig, size_t sig_len,
                    const uint8_t *data, size_t len);

/* Returns the path of the key file beside a store ("STORE.key"), malloc'd
   for the caller to free; NULL when out of memory. */
char *us_keys_path (const char *store_path);

/* Gives keys that have no Ed25519 pair a fresh one (a server's key file
   from before the audit chain was anchored); the CURVE pair stays. */
int us_keys_add_sign (us_keys_t *keys);

/* Writes into buf [size] (US_HEAD_TEXT bytes suffice) the text a signed
   audit head signs: "unionsync audit head RECORDS HEX-HASH". */
#define US_HEAD_TEXT 96
void us_keys_head_text (char *buf, size_t size, uint64_t records, const uint8_t *hash);

/* Erases secrets from memory. */
void us_keys_wipe (us_keys_t *keys);

#endif
