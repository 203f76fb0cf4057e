/* test_idempotency.c - unit tests of broker/idempotency.c: the
 * Idempotency-Key header (bare and Structured Field string forms, one
 * table row per accepted and refused value, the 255-byte bound), the
 * SHA-256 of the raw body against known digests, filling a request's
 * idempotency, and the pacing of the purge. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/status.h"
#include "testutil.h"
#include "http/idempotency.h"

static const struct {
	const char *header, *key;    /* key NULL: refused */
} keys[] = {
	{ "8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324" },
	{ "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"", "8e03978e-40d5-43e8-bc93-6894a57f9324" },
	{ "a", "a" },
	{ "with inner space", "with inner space" },
	{ "\"say \\\"hi\\\" \\\\o/\"", "say \"hi\" \\o/" },
	{ "~!@#$%^&*()", "~!@#$%^&*()" },
	{ "", NULL },
	{ "\"\"", NULL },
	{ "\"unterminated", NULL },
	{ "\"trailing\"x", NULL },
	{ "\"bad \\n escape\"", NULL },
	{ "tab\there", NULL },
	{ "caf\xc3\xa9", NULL },
	{ "\x7f", NULL },
};

static void test_key_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(keys); i++) {
		char out[KT_IDEMPOTENCY_KEY_MAX + 1];
		struct kt_err err = { 0 };
		int rc = kt_idempotency_key_parse(keys[i].header, out, &err);

		if (keys[i].key) {
			if (rc != KT_OK)
				fail_msg("\"%s\" refused: %s", keys[i].header, err.message);
			assert_string_equal(out, keys[i].key);
		} else {
			if (rc != KT_ERR)
				fail_msg("\"%s\" accepted as \"%s\"", keys[i].header, out);
			assert_int_equal(kt_http_status_of(err.cls), 400);
			assert_string_equal(err.code, "invalid_idempotency_key");
		}
		kt_err_release(&err);
	}
}

/* 255 bytes are fine, 256 are not, quoted or bare. */
static void test_key_length(void **state)
{
	char header[KT_IDEMPOTENCY_KEY_MAX + 4], out[KT_IDEMPOTENCY_KEY_MAX + 1];
	struct kt_err err = { 0 };

	(void)state;
	memset(header, 'k', KT_IDEMPOTENCY_KEY_MAX);
	header[KT_IDEMPOTENCY_KEY_MAX] = '\0';
	assert_int_equal(kt_idempotency_key_parse(header, out, &err), KT_OK);
	assert_int_equal(strlen(out), KT_IDEMPOTENCY_KEY_MAX);
	header[KT_IDEMPOTENCY_KEY_MAX] = 'k';
	header[KT_IDEMPOTENCY_KEY_MAX + 1] = '\0';
	assert_int_equal(kt_idempotency_key_parse(header, out, &err), KT_ERR);
	assert_string_equal(err.code, "invalid_idempotency_key");
	kt_err_release(&err);

	header[0] = '"';
	memset(header + 1, 'k', KT_IDEMPOTENCY_KEY_MAX);
	header[KT_IDEMPOTENCY_KEY_MAX + 1] = '"';
	header[KT_IDEMPOTENCY_KEY_MAX + 2] = '\0';
	assert_int_equal(kt_idempotency_key_parse(header, out, &err), KT_OK);
	assert_int_equal(strlen(out), KT_IDEMPOTENCY_KEY_MAX);
	header[KT_IDEMPOTENCY_KEY_MAX + 1] = 'k';
	header[KT_IDEMPOTENCY_KEY_MAX + 2] = '"';
	header[KT_IDEMPOTENCY_KEY_MAX + 3] = '\0';
	assert_int_equal(kt_idempotency_key_parse(header, out, &err), KT_ERR);
	assert_int_equal(kt_http_status_of(err.cls), 400);
	kt_err_release(&err);
}

/* Digests from `printf %s BODY | sha256sum`. */
static void test_body_hash(void **state)
{
	static const struct {
		const char *body, *hex;
	} cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "{\"impact\":2}", "7118284888e83d7f472d4e659aa2ee16464cbf9fc206ce700e9822715aa48d5a" },
	};
	char out[KT_IDEMPOTENCY_HASH_HEX + 1];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		kt_idempotency_body_hash(cases[i].body, strlen(cases[i].body), out);
		assert_string_equal(out, cases[i].hex);
	}
	kt_idempotency_body_hash(NULL, 0, out);
	assert_string_equal(out, cases[0].hex);
	/* the raw bytes count: the same JSON with a space is another request */
	kt_idempotency_body_hash("{\"impact\": 2}", 13, out);
	assert_string_not_equal(out, cases[2].hex);
}

static void test_init(void **state)
{
	struct kt_idempotency idem;
	struct kt_err err = { 0 };
	char big[KT_IDEMPOTENCY_TARGET_MAX + 2];

	(void)state;
	assert_int_equal(kt_idempotency_init(&idem, "2b1c2d3e-0000-4000-8000-000000000001",
					     "POST /v1/tickets", "\"k-1\"", "abc", 3, &err), KT_OK);
	assert_string_equal(idem.scope, "2b1c2d3e-0000-4000-8000-000000000001");
	assert_string_equal(idem.key, "k-1");
	assert_string_equal(idem.target, "POST /v1/tickets");
	assert_string_equal(idem.request_hash,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	assert_int_equal(kt_idempotency_init(&idem, "s", "POST /v1/tickets", "", "abc", 3, &err),
			 KT_ERR);
	assert_int_equal(kt_http_status_of(err.cls), 400);
	assert_string_equal(err.code, "invalid_idempotency_key");
	kt_err_release(&err);

	memset(big, 't', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(kt_idempotency_init(&idem, "s", big, "k", "", 0, &err), KT_ERR);
	assert_int_equal(kt_http_status_of(err.cls), 500);
	kt_err_release(&err);
	assert_int_equal(kt_idempotency_init(&idem, "", "POST /v1/tickets", "k", "", 0, &err),
			 KT_ERR);
	kt_err_release(&err);
}

/* One purge per interval (min(60 s, ttl)); a full batch lets the next
 * caller purge at once. The pacing is process-wide: one test walks it. */
static void test_purge_pacing(void **state)
{
	(void)state;
	assert_true(kt_idempotency_purge_due(1000, 86400));
	assert_false(kt_idempotency_purge_due(1000, 86400));
	assert_false(kt_idempotency_purge_due(1059, 86400));
	assert_true(kt_idempotency_purge_due(1060, 86400));
	assert_false(kt_idempotency_purge_due(1061, 86400));
	kt_idempotency_purge_soon();
	assert_true(kt_idempotency_purge_due(1061, 86400));
	assert_false(kt_idempotency_purge_due(1062, 86400));
	/* a short ttl purges as often as it expires, not once a minute */
	assert_true(kt_idempotency_purge_due(1121, 2));
	assert_false(kt_idempotency_purge_due(1122, 2));
	assert_true(kt_idempotency_purge_due(1123, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_key_length),
		cmocka_unit_test(test_body_hash),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_purge_pacing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
