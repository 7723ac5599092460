/*  Unit tests for us_accounts: scrypt password hashes, tokens, roles and
    names, and the desk's accounts, sessions and lockout in a real store
    (us_pstore_users). */
#include "us_accounts.h"
#include "us_error.h"
#include "us_pstore.h"
#include "us_pstore_users.h"

#include "us_test.h"

/* A cheap cost for tests that hash many times; the default is checked once. */
#define CHEAP 4

Test (accounts, default_hash_round_trip)
{
    char hash [US_ACCOUNTS_HASH_MAX];
    cr_assert_eq (us_accounts_hash (hash, sizeof hash, "mật khẩu đủ dài"), 0, "%s", us_error_msg ());
    cr_assert (strncmp (hash, "scrypt$15$8$1$", 14) == 0, "parameters stored: %s", hash);
    cr_assert_null (strstr (hash, "mật khẩu"));
    bool ok = false;
    cr_assert_eq (us_accounts_verify (&ok, hash, "mật khẩu đủ dài"), 0);
    cr_assert (ok);
    cr_assert_eq (us_accounts_verify (&ok, hash, "mật khẩu đủ dàI"), 0);
    cr_assert_not (ok, "one letter of another case is another password");
    cr_assert_eq (us_accounts_verify (&ok, hash, ""), 0);
    cr_assert_not (ok);
}

Test (accounts, salts_differ)
{
    char a [US_ACCOUNTS_HASH_MAX], b [US_ACCOUNTS_HASH_MAX];
    cr_assert_eq (us_accounts_hash_cost (a, sizeof a, "same-password", CHEAP), 0);
    cr_assert_eq (us_accounts_hash_cost (b, sizeof b, "same-password", CHEAP), 0);
    cr_assert_str_neq (a, b, "two hashes of one password differ by their salt");
    bool ok;
    cr_assert_eq (us_accounts_verify (&ok, a, "same-password"), 0);
    cr_assert (ok);
    cr_assert_eq (us_accounts_verify (&ok, b, "same-password"), 0);
    cr_assert (ok);
}

Test (accounts, known_answer)
{
    /* scrypt ("password", salt 00 01 .. 0f, N=1024, r=8, p=16), 32 bytes,
       as computed by Python's hashlib.scrypt: the stored parameters and
       salt are the ones used. */
    const char *stored = "scrypt$10$8$16$000102030405060708090a0b0c0d0e0f$"
                         "e20f368ecfc124b3b6f7db47b7d7538b95883eeab5e9d71720a2381f59086007";
    bool ok = false;
    cr_assert_eq (us_accounts_verify (&ok, stored, "password"), 0, "%s", us_error_msg ());
    cr_assert (ok, "the known answer matches");
    const char *other_p = "scrypt$10$8$1$000102030405060708090a0b0c0d0e0f$"
                          "e20f368ecfc124b3b6f7db47b7d7538b95883eeab5e9d71720a2381f59086007";
    cr_assert_eq (us_accounts_verify (&ok, other_p, "password"), 0);
    cr_assert_not (ok, "another p gives another key");
}

Test (accounts, tampered_or_malformed)
{
    char hash [US_ACCOUNTS_HASH_MAX];
    cr_assert_eq (us_accounts_hash_cost (hash, sizeof hash, "good-password", CHEAP), 0);
    bool ok = true;
    char copy [US_ACCOUNTS_HASH_MAX];
    strcpy (copy, hash);
    size_t len = strlen (copy);
    copy [len - 1] = copy [len - 1] == '0' ? '1' : '0';
    cr_assert_eq (us_accounts_verify (&ok, copy, "good-password"), 0);
    cr_assert_not (ok, "a changed hash byte refuses the right password");
    const char *bad [] = { "", "plain-text", "scrypt$4$8$1$zz$00", "scrypt$99$8$1$00$00",
                           "scrypt$4$8$1$00112233445566778899aabbccddeeff$00",
                           "bcrypt$4$8$1$00112233445566778899aabbccddeeff$"
                           "0011223344556677889900112233445566778899001122334455667788990011" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ok = true;
        cr_assert_eq (us_accounts_verify (&ok, bad [i], "good-password"), US_EINVAL, "%s", bad [i]);
        cr_assert_not (ok);
    }
    cr_assert_eq (us_accounts_hash_cost (hash, 10, "good-password", CHEAP), US_EINVAL,
                  "too small a buffer");
}

Test (accounts, tokens_and_digest)
{
    char a [US_ACCOUNTS_TOKEN], b [US_ACCOUNTS_TOKEN], d [US_ACCOUNTS_TOKEN];
    cr_assert_eq (us_accounts_token (a), 0);
    cr_assert_eq (us_accounts_token (b), 0);
    cr_assert_eq (strlen (a), 64);
    cr_assert_eq (strspn (a, "0123456789abcdef"), 64);
    cr_assert_str_neq (a, b);
    us_accounts_digest (d, "abc");
    cr_assert_str_eq (d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert (us_accounts_equal (a, a));
    cr_assert_not (us_accounts_equal (a, b));
    cr_assert_not (us_accounts_equal ("abc", "abcd"));
}

Test (accounts, roles_names_passwords)
{
    us_role_t role;
    cr_assert_eq (us_accounts_role_parse (&role, "approver"), 0);
    cr_assert_eq (role, US_ROLE_APPROVER);
    cr_assert_str_eq (us_accounts_role_name (US_ROLE_ADMIN), "admin");
    cr_assert_eq (us_accounts_role_parse (&role, "Admin"), US_EINVAL);
    cr_assert_eq (us_accounts_role_parse (&role, NULL), US_EINVAL);
    cr_assert (US_ROLE_VIEWER < US_ROLE_APPROVER && US_ROLE_APPROVER < US_ROLE_ADMIN);
    cr_assert_eq (us_accounts_name_check ("duyet.qt"), 0);
    cr_assert_eq (us_accounts_name_check ("a"), 0);
    const char *bad_names [] = { "", ".x", "Upper", "sp ace", "dấu", "x;y",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++)
        cr_assert_eq (us_accounts_name_check (bad_names [i]), US_EINVAL, "%s", bad_names [i]);
    cr_assert_eq (us_accounts_password_check ("12345678"), 0);
    cr_assert_eq (us_accounts_password_check ("1234567"), US_EINVAL);
    cr_assert_eq (us_accounts_password_check ("12345678\t"), US_EINVAL);
    cr_assert_eq (us_accounts_password_check (NULL), US_EINVAL);
}

/* ---------------------------------------------------------------- store */

static char s_dir [64];
static us_pstore_t *s_store;

static void
s_setup (void)
{
    char path [128];
    us_test_tmpdir (s_dir, sizeof s_dir);
    us_test_path (path, sizeof path, s_dir, "province.db");
    cr_assert_eq (us_pstore_create (&s_store, path, "QT", "LĐLĐ tỉnh Quảng Trị"), 0);
    cr_assert_eq (us_pstore_users_schema (s_store), 0);
    cr_assert_eq (us_pstore_users_schema (s_store), 0, "the schema can be made twice");
}

static void
s_teardown (void)
{
    us_pstore_destroy (&s_store);
    us_test_rmtree (s_dir);
}

TestSuite (users, .init = s_setup, .fini = s_teardown);

Test (users, add_get_duplicate)
{
    cr_assert_eq (us_pstore_user_add (s_store, "an", US_ROLE_APPROVER, "h1"), 0);
    cr_assert_eq (us_pstore_user_add (s_store, "an", US_ROLE_VIEWER, "h2"), US_EEXIST);
    us_user_t u;
    cr_assert_eq (us_pstore_user_get (s_store, &u, "an"), 0);
    cr_assert_eq (u.role, US_ROLE_APPROVER);
    cr_assert_str_eq (u.hash, "h1", "the duplicate changed nothing");
    cr_assert_eq (us_pstore_user_get (s_store, &u, "binh"), US_ENOTFOUND);
    cr_assert_eq (us_pstore_user_passwd (s_store, "binh", "x"), US_ENOTFOUND);
    cr_assert_eq (us_pstore_user_disable (s_store, "binh"), US_ENOTFOUND);
}

Test (users, lockout_window)
{
    us_lockout_t policy = { 5, 600, 300 };
    us_user_t u;
    cr_assert_eq (us_pstore_user_add (s_store, "an", US_ROLE_VIEWER, "h"), 0);
    cr_assert_eq (us_pstore_user_get (s_store, &u, "an"), 0);
    bool locked = false;
    int64_t t = 1000000;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq (us_pstore_user_failed (s_store, &locked, u.id, t + i, &policy), 0);
        cr_assert_not (locked, "failure %d does not lock", i + 1);
    }
    /* The fifth failure comes after the window: the count starts again. */
    cr_assert_eq (us_pstore_user_failed (s_store, &locked, u.id, t + 601, &policy), 0);
    cr_assert_not (locked, "failures spread over more than the window do not lock");
    for (int i = 0; i < 3; i++)
        cr_assert_eq (us_pstore_user_failed (s_store, &locked, u.id, t + 602 + i, &policy), 0);
    cr_assert_not (locked);
    cr_assert_eq (us_pstore_user_failed (s_store, &locked, u.id, t + 610, &policy), 0);
    cr_assert (locked, "five failures within the window lock");
    cr_assert_eq (us_pstore_user_get (s_store, &u, "an"), 0);
    cr_assert_eq (u.locked_until, t + 610 + 300);
    cr_assert_eq (us_pstore_user_succeeded (s_store, u.id), 0);
    cr_assert_eq (us_pstore_user_get (s_store, &u, "an"), 0);
    cr_assert_eq (u.locked_until, 0);
}

Test (users, sessions_expire_and_end)
{
    us_user_t u;
    cr_assert_eq (us_pstore_user_add (s_store, "an", US_ROLE_ADMIN, "h"), 0);
    cr_assert_eq (us_pstore_user_get (s_store, &u, "an"), 0);
    int64_t t = 2000000;
    cr_assert_eq (us_pstore_session_new (s_store, "d1", u.id, "csrf1", t, 1800, 43200), 0);
    us_session_t s;
    cr_assert_eq (us_pstore_session_get (s_store, &s, "d1", t + 100, 1800, 43200), 0);
    cr_assert_str_eq (s.name, "an");
    cr_assert_str_eq (s.csrf, "csrf1");
    cr_assert_eq (s.role, US_ROLE_ADMIN);
    cr_assert_eq (us_pstore_session_get (s_store, &s, "nope", t + 100, 1800, 43200), US_ENOTFOUND);
    /* Used every 20 minutes it stays alive until its absolute end. */
    for (int64_t at = t + 1200; at < t + 43200; at += 1200)
        cr_assert_eq (us_pstore_session_get (s_store, &s, "d1", at, 1800, 43200), 0, "at %lld",
                      (long long) (at - t));
    cr_assert_eq (us_pstore_session_get (s_store, &s, "d1", t + 43201, 1800, 43200), US_ENOTFOUND);
    /* Idle too long. */
    cr_assert_eq (us_pstore_session_new (s_store, "d2", u.id, "csrf2", t, 1800, 43200), 0);
    cr_assert_eq (us_pstore_session_get (s_store, &s, "d2", t + 1801, 1800, 43200), US_ENOTFOUND);
    /* A new password ends the sessions; so does disabling. */
    cr_assert_eq (us_pstore_session_new (s_store, "d3", u.id, "c", t, 1800, 43200), 0);
    cr_assert_eq (us_pstore_user_passwd (s_store, "an", "h2"), 0);
    cr_assert_eq (us_pstore_session_get (s_store, &s, "d3", t + 1, 1800, 43200), US_ENOTFOUND);
    cr_assert_eq (us_pstore_session_new (s_store, "d4", u.id, "c", t, 1800, 43200), 0);
    cr_assert_eq (us_pstore_user_disable (s_store, "an"), 0);
    cr_assert_eq (us_pstore_session_get (s_store, &s, "d4", t + 1, 1800, 43200), US_ENOTFOUND);
    cr_assert_eq (us_pstore_session_new (s_store, "d5", u.id, "c", t, 1800, 43200), 0);
    cr_assert_eq (us_pstore_session_get (s_store, &s, "d5", t + 1, 1800, 43200), US_ENOTFOUND,
                  "a disabled account's new session is not live either");
    json_t *list = us_pstore_user_list (s_store, t);
    cr_assert_eq (json_array_size (list), 1);
    cr_assert (json_is_true (json_object_get (json_array_get (list, 0), "disabled")));
    json_decref (list);
}
