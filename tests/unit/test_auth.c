/* test_auth.c - unit tests of broker/auth.c: the format and randomness of
 * new API keys, their SHA-256 against known digests, reading the key out of
 * an Authorization header (one table row per accepted and refused form),
 * role names, and the actor name of a principal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/status.h"
#include "testutil.h"
#include "http/auth.h"

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define TOKEN_BODY 43 /* 256 bits in unpadded base64url */
#define TOKEN_LEN (3 + TOKEN_BODY)
#define N_TOKENS 200

static void new_token(char *out)
{
	struct kt_err err = { 0 };

	if (kt_auth_token_new(out, KT_TOKEN_MAX, &err) != KT_OK)
		fail_msg("no token: %s", err.message);
	assert_false(kt_err_isset(&err));
}

static void test_token_format(void **state)
{
	char tok[KT_TOKEN_MAX];

	(void)state;
	for (int n = 0; n < N_TOKENS; n++) {
		const char *last;

		memset(tok, '#', sizeof(tok));
		new_token(tok);
		if (strlen(tok) != TOKEN_LEN || strncmp(tok, "kt_", 3) != 0 ||
		    strspn(tok + 3, B64URL) != TOKEN_BODY)
			fail_msg("token \"%s\" is not kt_ + %d base64url characters",
				 tok, TOKEN_BODY);
		/* the last character carries 4 bits and two zero bits */
		last = strchr(B64URL, tok[TOKEN_LEN - 1]);
		if ((last - B64URL) % 4 != 0)
			fail_msg("token \"%s\": last character is not canonical", tok);
	}
}

/* Distinct tokens, and every position varies: all 32 random bytes make it
 * into the text. */
static void test_token_random(void **state)
{
	static char toks[N_TOKENS][KT_TOKEN_MAX];

	(void)state;
	for (int n = 0; n < N_TOKENS; n++) {
		new_token(toks[n]);
		for (int m = 0; m < n; m++)
			if (strcmp(toks[n], toks[m]) == 0)
				fail_msg("token %d repeats token %d: %s", n, m, toks[n]);
	}
	for (int pos = 3; pos < TOKEN_LEN; pos++) {
		int seen[64] = { 0 }, kinds = 0;

		for (int n = 0; n < N_TOKENS; n++) {
			const char *c = strchr(B64URL, toks[n][pos]);

			assert_non_null(c);
			if (!seen[c - B64URL]++)
				kinds++;
		}
		/* 200 draws of 6 random bits (4 at the end) leave far more */
		if (kinds < (pos == TOKEN_LEN - 1 ? 8 : 24))
			fail_msg("position %d shows only %d characters", pos, kinds);
	}
}

static void test_token_buffer_too_small(void **state)
{
	char tok[KT_TOKEN_MAX];
	struct kt_err err = { 0 };

	(void)state;
	memset(tok, '#', sizeof(tok));
	assert_int_equal(kt_auth_token_new(tok, KT_TOKEN_MAX - 1, &err), KT_ERR);
	assert_int_equal(kt_http_status_of(err.cls), 500);
	assert_string_equal(err.code, "internal");
	assert_int_equal(tok[0], '#');
	assert_int_equal(kt_auth_token_new(tok, 0, NULL), KT_ERR);
}

static void test_hash_known(void **state)
{
	static const struct {
		const char *in, *hex;
	} cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "kt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		  "e795822c17cc6acd737bf9d0f6bbde0ea8431cfa8dfd17825501a088a173a696" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		unsigned char h[KT_KEY_HASH_LEN + 1];
		char hex[2 * KT_KEY_HASH_LEN + 1];

		h[KT_KEY_HASH_LEN] = 0xa5;
		kt_auth_hash(cases[i].in, h);
		for (int k = 0; k < KT_KEY_HASH_LEN; k++)
			snprintf(hex + 2 * k, 3, "%02x", h[k]);
		if (strcmp(hex, cases[i].hex) != 0)
			fail_msg("sha256(\"%s\") = %s, want %s", cases[i].in, hex,
				 cases[i].hex);
		assert_int_equal(h[KT_KEY_HASH_LEN], 0xa5);
	}
}

#define MISSING "missing Authorization header with a bearer key"
#define SCHEME "Authorization must be \"Bearer <key>\""
#define MALFORMED "malformed bearer key"

/* 63 characters: the longest key that fits KT_TOKEN_MAX. */
#define K63 "kt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static void test_bearer(void **state)
{
	static const struct {
		const char *header;
		const char *want;    /* the key read, or NULL when refused */
		const char *message; /* when refused */
	} cases[] = {
		{ "Bearer kt_abc", "kt_abc", NULL },
		{ "bearer kt_abc", "kt_abc", NULL },
		{ "BEARER kt_abc", "kt_abc", NULL },
		{ "Bearer   kt_abc", "kt_abc", NULL },
		{ "Bearer kt_abc   ", "kt_abc", NULL },
		{ "Bearer  kt_-_09azAZ ", "kt_-_09azAZ", NULL },
		{ "Bearer " K63, K63, NULL },
		{ NULL, NULL, MISSING },
		{ "", NULL, MISSING },
		{ "Bearer", NULL, SCHEME },
		{ "Basic dXNlcjpwYXNz", NULL, SCHEME },
		{ "Token kt_abc", NULL, SCHEME },
		{ "Bearerkt_abc", NULL, SCHEME },
		{ "Bearer:kt_abc", NULL, SCHEME },
		{ " Bearer kt_abc", NULL, SCHEME },
		{ "Bearer\tkt_abc", NULL, SCHEME },
		{ "kt_abc", NULL, SCHEME },
		{ "Bearer ", NULL, MALFORMED },
		{ "Bearer     ", NULL, MALFORMED },
		{ "Bearer " K63 "A", NULL, MALFORMED },
		{ "Bearer kt_a bc", NULL, MALFORMED },
		{ "Bearer kt_abc=", NULL, MALFORMED },
		{ "Bearer kt+abc", NULL, MALFORMED },
		{ "Bearer kt/abc", NULL, MALFORMED },
		{ "Bearer kt.abc", NULL, MALFORMED },
		{ "Bearer kt_abc\t", NULL, MALFORMED },
		{ "Bearer \tkt_abc", NULL, MALFORMED },
		{ "Bearer kt_abc\r\n", NULL, MALFORMED },
		{ "Bearer \"kt_abc\"", NULL, MALFORMED },
		{ "Bearer kt_\xc3\xa9", NULL, MALFORMED },
		{ "Bearer Bearer kt_abc", NULL, MALFORMED },
	};

	(void)state;
	assert_int_equal(strlen(K63), KT_TOKEN_MAX - 1);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const char *h = cases[i].header ? cases[i].header : "(NULL)";
		char out[KT_TOKEN_MAX];
		struct kt_err err = { 0 };
		int rc = kt_auth_bearer(cases[i].header, out, sizeof(out), &err);

		if (cases[i].want) {
			if (rc != KT_OK)
				fail_msg("\"%s\" refused: %s", h, err.message);
			if (strcmp(out, cases[i].want) != 0)
				fail_msg("\"%s\": key \"%s\", want \"%s\"", h, out,
					 cases[i].want);
		} else {
			if (rc != KT_ERR)
				fail_msg("\"%s\" accepted as \"%s\"", h, out);
			if (kt_http_status_of(err.cls) != 401 || strcmp(err.code, "unauthorized") != 0 ||
			    strcmp(err.message, cases[i].message) != 0)
				fail_msg("\"%s\": %d %s \"%s\", want 401 unauthorized \"%s\"",
					 h, kt_http_status_of(err.cls), err.code, err.message,
					 cases[i].message);
		}
	}
}

/* The key must fit the caller's buffer too, and a fresh key round-trips. */
static void test_bearer_sizes(void **state)
{
	char tok[KT_TOKEN_MAX], header[KT_TOKEN_MAX + 16], out[KT_TOKEN_MAX];
	char small[8];
	struct kt_err err = { 0 };

	(void)state;
	new_token(tok);
	snprintf(header, sizeof(header), "Bearer %s", tok);
	assert_int_equal(kt_auth_bearer(header, out, sizeof(out), &err), KT_OK);
	assert_string_equal(out, tok);

	/* "kt_abcd" is 7 bytes and fits 8 with its NUL; one more does not */
	assert_int_equal(kt_auth_bearer("Bearer kt_abcd", small, sizeof(small),
					&err), KT_OK);
	assert_string_equal(small, "kt_abcd");
	memset(small, '#', sizeof(small));
	assert_int_equal(kt_auth_bearer("Bearer kt_abcde", small, sizeof(small),
					&err), KT_ERR);
	assert_string_equal(err.code, "unauthorized");
	assert_int_equal(small[sizeof(small) - 1], '#');

	/* a roomy buffer does not lift the KT_TOKEN_MAX - 1 limit */
	{
		char big[4 * KT_TOKEN_MAX];

		assert_int_equal(kt_auth_bearer("Bearer " K63, big, sizeof(big),
						&err), KT_OK);
		assert_int_equal(kt_auth_bearer("Bearer " K63 "A", big,
						sizeof(big), &err), KT_ERR);
		assert_string_equal(err.code, "unauthorized");
	}
}

static void test_roles(void **state)
{
	static const char *const names[] = { "integrator", "customer", "supplier" };
	static const enum kt_role roles[] = {
		KT_ROLE_INTEGRATOR, KT_ROLE_CUSTOMER, KT_ROLE_SUPPLIER,
	};
	static const char *const bad[] = {
		"", "Integrator", "CUSTOMER", "suppliers", "supplier ", " customer",
		"admin", "integrato",
	};
	enum kt_role r;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(names); i++) {
		assert_string_equal(kt_role_name(roles[i]), names[i]);
		r = (enum kt_role)-1;
		assert_int_equal(kt_role_parse(names[i], &r), KT_OK);
		assert_int_equal(r, roles[i]);
	}
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		r = KT_ROLE_SUPPLIER;
		if (kt_role_parse(bad[i], &r) != KT_ERR)
			fail_msg("\"%s\" parsed as a role", bad[i]);
		assert_int_equal(r, KT_ROLE_SUPPLIER);
	}
}

static void test_principal_actor(void **state)
{
	struct kt_principal integrator = { .role = KT_ROLE_INTEGRATOR };
	struct kt_principal customer = {
		.role = KT_ROLE_CUSTOMER,
		.customer_id = "c0000000-0000-4000-8000-0000000000c1",
	};
	struct kt_principal supplier = {
		.role = KT_ROLE_SUPPLIER,
		.supplier_id = "a0000000-0000-4000-8000-00000000000a",
		.supplier_key = "acme-net",
	};
	char out[80], small[6];

	(void)state;
	kt_principal_actor(&integrator, out, sizeof(out));
	assert_string_equal(out, "integrator");
	kt_principal_actor(&customer, out, sizeof(out));
	assert_string_equal(out, "customer");
	kt_principal_actor(&supplier, out, sizeof(out));
	assert_string_equal(out, "supplier:acme-net");
	/* cut to the buffer, always terminated */
	memset(small, '#', sizeof(small));
	kt_principal_actor(&supplier, small, sizeof(small));
	assert_string_equal(small, "suppl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_format),
		cmocka_unit_test(test_token_random),
		cmocka_unit_test(test_token_buffer_too_small),
		cmocka_unit_test(test_hash_known),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_bearer_sizes),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_principal_actor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
