/* test_crypto.c - unit tests of broker/base/crypto.c: SHA-256 and
 * HMAC-SHA256 against published vectors (FIPS 180-2, RFC 4231), base64
 * both ways with the strict decoder's refusals, random bytes and the
 * constant-time compare. Table-driven where there is a table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/crypto.h"
#include "keten/err.h"

static void test_sha256(void **state)
{
	static const struct { const char *in, *hex; } cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char hex[KT_SHA256_HEX_LEN + 1];
	unsigned char md[KT_SHA256_LEN];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		kt_crypto_sha256_hex(cases[i].in, strlen(cases[i].in), hex);
		assert_string_equal(hex, cases[i].hex);
	}
	kt_crypto_sha256(NULL, 0, md);
	assert_int_equal(md[0], 0xe3);
}

static void test_hmac(void **state)
{
	/* RFC 4231 test cases 1 and 2. */
	static const unsigned char key1[20] = {
		0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
		0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b };
	static const unsigned char want1[4] = { 0xb0, 0x34, 0x4c, 0x61 };
	static const unsigned char want2[4] = { 0x5b, 0xdc, 0xc1, 0x46 };
	unsigned char mac[KT_SHA256_LEN];

	(void)state;
	assert_int_equal(kt_crypto_hmac_sha256(key1, sizeof(key1), "Hi There", 8, mac), KT_OK);
	assert_memory_equal(mac, want1, sizeof(want1));
	assert_int_equal(kt_crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?",
					       28, mac), KT_OK);
	assert_memory_equal(mac, want2, sizeof(want2));
}

static void test_base64(void **state)
{
	static const struct { const char *raw, *b64; } cases[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"", "Zg=", "Zg", "Z===", "====", " Zg==", "Zg== ", "Zm-v", "Zm_v", "Zm9v\n",
	};
	char out[32];
	unsigned char dec[32];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		size_t n = strlen(cases[i].raw);

		assert_int_equal(kt_crypto_base64_encode(cases[i].raw, n, out),
				 strlen(cases[i].b64));
		assert_string_equal(out, cases[i].b64);
		assert_int_equal(KT_BASE64_LEN(n), strlen(cases[i].b64));
		if (n == 0)
			continue;
		assert_int_equal(kt_crypto_base64_decode(cases[i].b64, strlen(cases[i].b64),
							 dec, sizeof(dec)), (int)n);
		assert_memory_equal(dec, cases[i].raw, n);
	}
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		if (kt_crypto_base64_decode(bad[i], strlen(bad[i]), dec, sizeof(dec)) != -1)
			fail_msg("\"%s\" decoded", bad[i]);
	/* Does not fit: 8 characters may hold 6 bytes. */
	assert_int_equal(kt_crypto_base64_decode("Zm9vYmFy", 8, dec, 5), -1);
}

static void test_random_equal_wipe(void **state)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };

	(void)state;
	assert_int_equal(kt_crypto_equal(a, b, sizeof(a)), 1);
	assert_int_equal(kt_crypto_random(a, sizeof(a)), KT_OK);
	assert_int_equal(kt_crypto_random(b, sizeof(b)), KT_OK);
	assert_int_equal(kt_crypto_equal(a, b, sizeof(a)), 0);
	b[0] = a[0];
	assert_int_equal(kt_crypto_equal(a, b, 1), 1);
	kt_crypto_wipe(a, sizeof(a));
	assert_memory_equal(a, zero, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_random_equal_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
