/* test_password.c - unit tests of broker/base/password.c and the scrypt of
 * base/crypto.c: the RFC 7914 vector, the hash string's form and
 * parameters, verification (right, wrong, tampered, malformed), and the
 * length policy in characters and bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/crypto.h"
#include "base/password.h"
#include "keten/err.h"

static void test_scrypt_vector(void **state)
{
	/* RFC 7914 section 12, the second vector. */
	static const char want[] =
		"fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
		"2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
	unsigned char out[64];
	char hex[129];

	(void)state;
	assert_int_equal(kt_crypto_scrypt("password", 8, "NaCl", 4, 1024, 8, 16, out, 64), KT_OK);
	for (size_t i = 0; i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02x", out[i]);
	assert_string_equal(hex, want);
	/* n must be a power of 2. */
	assert_int_equal(kt_crypto_scrypt("password", 8, "NaCl", 4, 1000, 8, 16, out, 64), KT_ERR);
}

static void test_hash_string(void **state)
{
	char a[KT_PASSWORD_HASH_MAX], b[KT_PASSWORD_HASH_MAX];
	struct kt_err err = { 0 };

	(void)state;
	assert_int_equal(kt_password_hash("correct horse battery", a, &err), KT_OK);
	assert_int_equal(kt_password_hash("correct horse battery", b, &err), KT_OK);
	assert_true(strncmp(a, "$scrypt$ln=15,r=8,p=1$", 22) == 0);
	assert_int_equal(strlen(a), 22 + 24 + 1 + 44);
	assert_string_not_equal(a, b); /* a fresh salt each time */
	assert_true(kt_password_verify("correct horse battery", a));
	assert_true(kt_password_verify("correct horse battery", b));
	assert_false(kt_password_verify("correct horse batterz", a));
	assert_false(kt_password_verify("", a));
}

static void test_verify_refuses_malformed(void **state)
{
	char good[KT_PASSWORD_HASH_MAX], bad[KT_PASSWORD_HASH_MAX + 8];
	struct kt_err err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(kt_password_hash("correct horse battery", good, &err), KT_OK);
	n = strlen(good);
	/* one character of the hash changed */
	snprintf(bad, sizeof(bad), "%s", good);
	bad[n - 3] = bad[n - 3] == 'A' ? 'B' : 'A';
	assert_false(kt_password_verify("correct horse battery", bad));
	/* trailing text, other parameters, cost out of bounds, NULL */
	snprintf(bad, sizeof(bad), "%sx", good);
	assert_false(kt_password_verify("correct horse battery", bad));
	snprintf(bad, sizeof(bad), "$scrypt$ln=14%s", good + 13);
	assert_false(kt_password_verify("correct horse battery", bad));
	snprintf(bad, sizeof(bad), "$scrypt$ln=30%s", good + 13);
	assert_false(kt_password_verify("correct horse battery", bad));
	assert_false(kt_password_verify("correct horse battery", NULL));
	assert_false(kt_password_verify("correct horse battery", ""));
	assert_false(kt_password_verify("correct horse battery", "$argon2id$v=19$m=65536"));
}

static void test_verify_reads_parameters(void **state)
{
	/* A string made with other parameters (ln=10, r=1, p=2) than today's
	 * still verifies: the parameters travel with the hash. */
	unsigned char salt[16], out[32];
	char s64[25], h64[45], stored[KT_PASSWORD_HASH_MAX];

	(void)state;
	memset(salt, 7, sizeof(salt));
	assert_int_equal(kt_crypto_scrypt("another long secret", 19, salt, 16, 1024, 1, 2, out, 32),
			 KT_OK);
	kt_crypto_base64_encode(salt, 16, s64);
	kt_crypto_base64_encode(out, 32, h64);
	snprintf(stored, sizeof(stored), "$scrypt$ln=10,r=1,p=2$%s$%s", s64, h64);
	assert_true(kt_password_verify("another long secret", stored));
	assert_false(kt_password_verify("another long secreT", stored));
}

static void test_policy(void **state)
{
	static const struct { const char *pw; const char *code; } cases[] = {
		{ "short", "password_too_short" },
		{ "elevenchars", "password_too_short" },
		{ "twelve chars", NULL },
		/* 12 characters of 2 bytes each: counted as characters */
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL },
		/* 6 such characters are 12 bytes but too few characters */
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "password_too_short" },
		{ "twelve chars\xff", "password_not_utf8" },
	};
	char long_pw[KT_PASSWORD_MAX_BYTES + 2];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_err err = { 0 };
		int rc = kt_password_policy(cases[i].pw, &err);

		if (!cases[i].code) {
			assert_int_equal(rc, KT_OK);
			continue;
		}
		assert_int_equal(rc, KT_ERR);
		assert_string_equal(err.code, cases[i].code);
		assert_int_equal(err.cls, KT_EC_INVALID);
		kt_err_release(&err);
	}
	memset(long_pw, 'a', KT_PASSWORD_MAX_BYTES);
	long_pw[KT_PASSWORD_MAX_BYTES] = '\0';
	assert_int_equal(kt_password_policy(long_pw, NULL), KT_OK);
	long_pw[KT_PASSWORD_MAX_BYTES] = 'a';
	long_pw[KT_PASSWORD_MAX_BYTES + 1] = '\0';
	{
		struct kt_err err = { 0 };

		assert_int_equal(kt_password_policy(long_pw, &err), KT_ERR);
		assert_string_equal(err.code, "password_too_long");
		kt_err_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrypt_vector),
		cmocka_unit_test(test_hash_string),
		cmocka_unit_test(test_verify_refuses_malformed),
		cmocka_unit_test(test_verify_reads_parameters),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
