/*  Unit tests for us_keys: key generation, key files, tokens, signatures. */
#include "us_error.h"
#include "us_keys.h"

#include "us_test.h"

#include <ctype.h>
#include <stdlib.h>
#include <zmq.h>

static char s_dir [64];

static void
s_setup (void)
{
    us_test_tmpdir (s_dir, sizeof s_dir);
}

static void
s_teardown (void)
{
    us_test_rmtree (s_dir);
}

TestSuite (keys, .init = s_setup, .fini = s_teardown);

/* Returns true when every byte of buf is zero. */
static bool
s_all_zero (const void *buf, size_t len)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        if (p [i])
            return false;
    return true;
}

/* Generated keys have Z85 CURVE keys and, when asked, an Ed25519 pair;
   two generations differ. */
Test (keys, generate)
{
    us_keys_t a, b, c;
    cr_assert_eq (us_keys_generate (&a, true), 0, "%s", us_error_msg ());
    cr_assert_eq (us_keys_generate (&b, true), 0);
    cr_assert_eq (us_keys_generate (&c, false), 0);
    cr_assert_eq (strlen (a.curve_public), 40);
    cr_assert_eq (strlen (a.curve_secret), 40);
    cr_assert (a.has_sign);
    cr_assert_not (c.has_sign);
    cr_assert_not (s_all_zero (a.sign_public, 32));
    cr_assert_not (s_all_zero (a.sign_secret, 32));
    cr_assert_str_neq (a.curve_public, b.curve_public);
    cr_assert_neq (memcmp (a.sign_public, b.sign_public, 32), 0);
    us_keys_wipe (&a);
    us_keys_wipe (&b);
    us_keys_wipe (&c);
}

/* Saved keys load back identical; the file is mode 0600. */
Test (keys, save_load_round_trip)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "replica.key");
    us_keys_t k, back;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    cr_assert_eq (us_keys_save (&k, path), 0, "%s", us_error_msg ());
    struct stat st;
    cr_assert_eq (stat (path, &st), 0);
    cr_assert_eq (st.st_mode & 0777, 0600);
    cr_assert_eq (us_keys_load (&back, path), 0, "%s", us_error_msg ());
    cr_assert_str_eq (back.curve_public, k.curve_public);
    cr_assert_str_eq (back.curve_secret, k.curve_secret);
    cr_assert (back.has_sign);
    cr_assert_eq (memcmp (back.sign_public, k.sign_public, 32), 0);
    cr_assert_eq (memcmp (back.sign_secret, k.sign_secret, 32), 0);
}

/* A server key file (no signing pair) round trips without one. */
Test (keys, save_load_without_sign)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "server.key");
    us_keys_t k, back;
    cr_assert_eq (us_keys_generate (&k, false), 0);
    cr_assert_eq (us_keys_save (&k, path), 0);
    cr_assert_eq (us_keys_load (&back, path), 0);
    cr_assert_str_eq (back.curve_public, k.curve_public);
    cr_assert_not (back.has_sign);
}

/* Saving never overwrites an existing key file. */
Test (keys, save_refuses_existing)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "replica.key");
    us_test_write (path, "precious");
    us_keys_t k;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    cr_assert_eq (us_keys_save (&k, path), US_EEXIST);
    char *text = us_test_slurp (path, NULL);
    cr_assert_str_eq (text, "precious");
    free (text);
}

/* A key file readable by group or others is refused with US_EPERM. */
Test (keys, load_refuses_readable)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "replica.key");
    us_keys_t k, back;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    cr_assert_eq (us_keys_save (&k, path), 0);
    static const mode_t modes [] = { 0644, 0640, 0604, 0660, 0606 };
    for (size_t i = 0; i < sizeof modes / sizeof modes [0]; i++) {
        cr_assert_eq (chmod (path, modes [i]), 0);
        memset (&back, 0x33, sizeof back);
        cr_assert_eq (us_keys_load (&back, path), US_EPERM, "mode %o", (unsigned) modes [i]);
        cr_assert (s_all_zero (back.sign_secret, 32), "secret leaked on refusal");
        cr_assert_not_null (strstr (us_error_msg (), "chmod"), "%s", us_error_msg ());
    }
    cr_assert_eq (chmod (path, 0400), 0);
    cr_assert_eq (us_keys_load (&back, path), 0);
}

/* A key file reached through a symbolic link, or one that is not a
   regular file, is refused with US_EPERM: the check is made on what was
   opened, so a link planted beside the store cannot redirect the read. */
Test (keys, load_refuses_link_and_non_file)
{
    char path [128], link [128];
    us_test_path (path, sizeof path, s_dir, "real.key");
    us_test_path (link, sizeof link, s_dir, "link.key");
    us_keys_t k, back;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    cr_assert_eq (us_keys_save (&k, path), 0);
    cr_assert_eq (symlink (path, link), 0);
    cr_assert_eq (us_keys_load (&back, link), US_EPERM);
    cr_assert_not_null (strstr (us_error_msg (), "link"), "%s", us_error_msg ());
    cr_assert_eq (us_keys_load (&back, path), 0);
    char dir [128];
    us_test_path (dir, sizeof dir, s_dir, "dir.key");
    cr_assert_eq (mkdir (dir, 0700), 0);
    cr_assert_eq (us_keys_load (&back, dir), US_EPERM);
    cr_assert_not_null (strstr (us_error_msg (), "regular"), "%s", us_error_msg ());
}

/* A missing key file is US_ENOTFOUND; a damaged one US_ECORRUPT. */
Test (keys, load_missing_and_damaged)
{
    char path [128];
    us_keys_t k;
    us_test_path (path, sizeof path, s_dir, "none.key");
    cr_assert_eq (us_keys_load (&k, path), US_ENOTFOUND);

    us_test_path (path, sizeof path, s_dir, "junk.key");
    us_test_write (path, "this is not a key file\n");
    cr_assert_eq (us_keys_load (&k, path), US_ECORRUPT);

    us_test_path (path, sizeof path, s_dir, "half.key");
    us_test_write (path, "curve-public 0123456789012345678901234567890123456789\n");
    cr_assert_eq (us_keys_load (&k, path), US_ECORRUPT);

    us_keys_t g;
    cr_assert_eq (us_keys_generate (&g, true), 0);
    char text [512], hex [65];
    for (int i = 0; i < 32; i++)
        snprintf (hex + 2 * i, 3, "%02x", g.sign_public [i]);
    snprintf (text, sizeof text, "curve-public %s\ncurve-secret %s\nsign-public %s\n",
              g.curve_public, g.curve_secret, hex);
    us_test_path (path, sizeof path, s_dir, "nosecret.key");
    us_test_write (path, text);
    cr_assert_eq (us_keys_load (&k, path), US_ECORRUPT, "a public half without its secret");
    cr_assert (s_all_zero (&k, sizeof k));
}

/* A replica's token is 128 hex characters and parses back to its keys. */
Test (keys, token_with_sign)
{
    us_keys_t k;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &k);
    cr_assert_eq (strlen (token), 128);
    for (size_t i = 0; i < 128; i++)
        cr_assert (isxdigit ((unsigned char) token [i]), "'%c' in token", token [i]);
    char z85 [41];
    uint8_t sign [32];
    bool has_sign = false;
    cr_assert_eq (us_keys_parse_token (z85, sign, &has_sign, token), 0, "%s", us_error_msg ());
    cr_assert_str_eq (z85, k.curve_public);
    cr_assert (has_sign);
    cr_assert_eq (memcmp (sign, k.sign_public, 32), 0);

    char curve_hex [65];
    us_keys_curve_hex (curve_hex, k.curve_public);
    cr_assert_eq (strlen (curve_hex), 64);
    cr_assert_eq (strncmp (token, curve_hex, 64), 0);

    for (size_t i = 0; i < 128; i++)
        token [i] = (char) toupper ((unsigned char) token [i]);
    cr_assert_eq (us_keys_parse_token (z85, sign, &has_sign, token), 0, "upper-case hex");
    cr_assert_str_eq (z85, k.curve_public);
}

/* A server's token is 64 hex characters; its Z85 form (40) is accepted too. */
Test (keys, token_without_sign)
{
    us_keys_t k;
    cr_assert_eq (us_keys_generate (&k, false), 0);
    char token [US_TOKEN_MAX];
    us_keys_token (token, sizeof token, &k);
    cr_assert_eq (strlen (token), 64);
    char z85 [41];
    uint8_t sign [32];
    bool has_sign = true;
    cr_assert_eq (us_keys_parse_token (z85, sign, &has_sign, token), 0);
    cr_assert_str_eq (z85, k.curve_public);
    cr_assert_not (has_sign);

    has_sign = true;
    memset (z85, 0, sizeof z85);
    cr_assert_eq (us_keys_parse_token (z85, sign, &has_sign, k.curve_public), 0);
    cr_assert_str_eq (z85, k.curve_public);
    cr_assert_not (has_sign);
}

/* Junk tokens are refused with US_EINVAL. */
Test (keys, token_junk)
{
    us_keys_t k;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    char good [US_TOKEN_MAX];
    us_keys_token (good, sizeof good, &k);
    char bad [8][200];
    snprintf (bad [0], sizeof bad [0], "%.63s", good);          /* 63 hex */
    snprintf (bad [1], sizeof bad [1], "%.64sa", good);         /* 65 hex */
    snprintf (bad [2], sizeof bad [2], "%.127s", good);         /* 127 hex */
    snprintf (bad [3], sizeof bad [3], "%sa", good);            /* 129 hex */
    snprintf (bad [4], sizeof bad [4], "%.63sg", good);         /* not hex */
    snprintf (bad [5], sizeof bad [5], "%.64s%.63sz", good, good + 64);
    snprintf (bad [6], sizeof bad [6], "%.39s,", k.curve_public);  /* not Z85 */
    memset (bad [7], '%', 40);                                 /* Z85 overflow */
    bad [7][40] = 0;
    for (int i = 0; i < 8; i++) {
        char z85 [41];
        uint8_t sign [32];
        bool has_sign;
        us_error_clear ();
        cr_assert_eq (us_keys_parse_token (z85, sign, &has_sign, bad [i]), US_EINVAL,
                      "token %d '%s' accepted", i, bad [i]);
        cr_assert_neq (us_error_msg () [0], 0);
    }
    static const char *junk [] = { "", "xyz", "-", "0x1234", " ", "tcp://host:5555" };
    for (size_t i = 0; i < sizeof junk / sizeof junk [0]; i++) {
        char z85 [41];
        uint8_t sign [32];
        bool has_sign;
        cr_assert_eq (us_keys_parse_token (z85, sign, &has_sign, junk [i]), US_EINVAL,
                      "'%s'", junk [i]);
    }
    char z85 [41];
    uint8_t sign [32];
    bool has_sign;
    cr_assert_eq (us_keys_parse_token (z85, sign, &has_sign, NULL), US_EINVAL);
}

/* A signature verifies over the same data and fails for any change. */
Test (keys, sign_verify)
{
    us_keys_t k, other;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    cr_assert_eq (us_keys_generate (&other, true), 0);
    uint8_t data [300];
    for (size_t i = 0; i < sizeof data; i++)
        data [i] = (uint8_t) (i * 31 + 7);
    uint8_t sig [64];
    cr_assert_eq (us_keys_sign (sig, &k, data, sizeof data), 0, "%s", us_error_msg ());
    cr_assert_eq (us_keys_verify (k.sign_public, sig, 64, data, sizeof data), 0);

    data [123] ^= 0x01;
    cr_assert_eq (us_keys_verify (k.sign_public, sig, 64, data, sizeof data), US_EPERM);
    data [123] ^= 0x01;
    sig [10] ^= 0x80;
    cr_assert_eq (us_keys_verify (k.sign_public, sig, 64, data, sizeof data), US_EPERM);
    sig [10] ^= 0x80;
    cr_assert_eq (us_keys_verify (other.sign_public, sig, 64, data, sizeof data), US_EPERM);
    cr_assert_eq (us_keys_verify (k.sign_public, sig, 63, data, sizeof data), US_EPERM);
    cr_assert_eq (us_keys_verify (k.sign_public, sig, 0, data, sizeof data), US_EPERM);
    cr_assert_eq (us_keys_verify (k.sign_public, sig, 64, data, sizeof data - 1), US_EPERM);
    cr_assert_eq (us_keys_verify (k.sign_public, sig, 64, data, sizeof data), 0);
}

/* Every single flipped byte of the data or the signature is caught. */
Test (keys, verify_every_flipped_byte)
{
    us_keys_t k;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    uint8_t data [48], sig [64];
    memset (data, 0x2A, sizeof data);
    cr_assert_eq (us_keys_sign (sig, &k, data, sizeof data), 0);
    for (size_t i = 0; i < sizeof data; i++) {
        data [i] ^= 0x04;
        cr_assert_eq (us_keys_verify (k.sign_public, sig, 64, data, sizeof data), US_EPERM,
                      "data byte %zu", i);
        data [i] ^= 0x04;
    }
    for (size_t i = 0; i < sizeof sig; i++) {
        sig [i] ^= 0x04;
        cr_assert_eq (us_keys_verify (k.sign_public, sig, 64, data, sizeof data), US_EPERM,
                      "signature byte %zu", i);
        sig [i] ^= 0x04;
    }
}

/* Keys loaded from a file sign like the originals. */
Test (keys, loaded_keys_sign)
{
    char path [128];
    us_test_path (path, sizeof path, s_dir, "replica.key");
    us_keys_t k, back;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    cr_assert_eq (us_keys_save (&k, path), 0);
    cr_assert_eq (us_keys_load (&back, path), 0);
    const uint8_t msg [] = "push batch";
    uint8_t sig [64];
    cr_assert_eq (us_keys_sign (sig, &back, msg, sizeof msg), 0);
    cr_assert_eq (us_keys_verify (k.sign_public, sig, 64, msg, sizeof msg), 0);
}

/* Signing without a signing key is refused. */
Test (keys, sign_without_key)
{
    us_keys_t k;
    cr_assert_eq (us_keys_generate (&k, false), 0);
    uint8_t sig [64];
    const uint8_t data [] = "x";
    cr_assert_eq (us_keys_sign (sig, &k, data, 1), US_EINVAL);
}

/* Wiping erases the secrets. */
Test (keys, wipe)
{
    us_keys_t k;
    cr_assert_eq (us_keys_generate (&k, true), 0);
    us_keys_wipe (&k);
    cr_assert (s_all_zero (&k, sizeof k));
}

/* Replacing a key file leaves the new keys only, with mode 0600, and
   clears what an interrupted earlier replace left beside it; a path in a
   missing directory is an error that creates nothing. */
Test (keys, replace)
{
    char path [160], stale [176];
    us_test_path (path, sizeof path, s_dir, "replica.key");
    us_keys_t a, b, got;
    cr_assert_eq (us_keys_generate (&a, true), 0);
    cr_assert_eq (us_keys_generate (&b, true), 0);
    cr_assert_eq (us_keys_save (&a, path), 0);
    snprintf (stale, sizeof stale, "%s.new", path);
    us_test_write (stale, "half a key");
    cr_assert_eq (us_keys_replace (&b, path), 0, "%s", us_error_msg ());
    cr_assert_eq (us_keys_load (&got, path), 0, "%s", us_error_msg ());
    cr_assert_str_eq (got.curve_public, b.curve_public);
    cr_assert_neq (strcmp (got.curve_public, a.curve_public), 0);
    cr_assert_eq (memcmp (got.sign_public, b.sign_public, 32), 0);
    struct stat st;
    cr_assert_eq (stat (path, &st), 0);
    cr_assert_eq (st.st_mode & 0777, 0600);
    cr_assert_neq (stat (stale, &st), 0, "nothing left beside the key file");
    char missing [200];
    snprintf (missing, sizeof missing, "%s/no/such/dir/replica.key", s_dir);
    cr_assert_lt (us_keys_replace (&b, missing), 0);
    cr_assert_neq (stat (missing, &st), 0);
}

/* The Z85 text of keys is libzmq's, both ways: a generated pair is one
   libzmq accepts (its public key is the one libzmq derives from the
   secret), a token's key encodes as zmq_z85_encode does, and a Z85 key
   decodes as zmq_z85_decode does. */
Test (keys, z85_matches_libzmq)
{
    for (int n = 0; n < 200; n++) {
        us_keys_t keys;
        cr_assert_eq (us_keys_generate (&keys, false), 0);
        char derived [41];
        cr_assert_eq (zmq_curve_public (derived, keys.curve_secret), 0);
        cr_assert_str_eq (derived, keys.curve_public);

        uint8_t raw [32];
        for (size_t i = 0; i < sizeof raw; i++)
            raw [i] = (uint8_t) (n == 0 ? 0 : n == 1 ? 255 : rand ());
        char want [41], hex [65], got [41];
        cr_assert_not_null (zmq_z85_encode (want, raw, sizeof raw));
        for (size_t i = 0; i < sizeof raw; i++)
            snprintf (hex + 2 * i, 3, "%02x", raw [i]);
        uint8_t sign [32];
        bool has_sign;
        cr_assert_eq (us_keys_parse_token (got, sign, &has_sign, hex), 0);
        cr_assert_str_eq (got, want);
        char back [65];
        us_keys_curve_hex (back, want);
        cr_assert_str_eq (back, hex);
        us_keys_wipe (&keys);
    }
    /* The RFC's own example, and text libzmq refuses. */
    char hex [65];
    us_keys_curve_hex (hex, "HelloWorldHelloWorldHelloWorldHelloWorld");
    cr_assert_str_eq (hex, "864fd26fb559f75b864fd26fb559f75b864fd26fb559f75b864fd26fb559f75b");
    static const char *const bad [] = { "#####WorldHelloWorldHelloWorldHelloWorld",
                                        "HelloWorldHelloWorldHelloWorldHelloWor\"d",
                                        "HelloWorldHelloWorldHelloWorldHelloWorl" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        uint8_t sign [32];
        bool has_sign;
        char z85 [41];
        cr_assert_lt (us_keys_parse_token (z85, sign, &has_sign, bad [i]), 0, "%s", bad [i]);
        us_keys_curve_hex (hex, bad [i]);
        cr_assert_str_eq (hex, "", "%s", bad [i]);
    }
}
