/* test_webhook_sign.c - unit tests of broker/webhook_sign.c: the published
 * Standard Webhooks test vector, key rotation, tampering, the timestamp
 * window, malformed headers and malformed secrets. Vectors other than the
 * published one were computed independently with Python's hmac module. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/status.h"
#include "base/webhook_sign.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define MSG_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define TS 1614265330LL
#define TS_STR "1614265330"
#define BODY "{\"test\": 2432232314}"
#define SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define TOLERANCE 300

/* Keys 0x01.. of 31 and 32 bytes: base64 with two and with one '='. */
#define SECRET31 "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw=="
#define SECRET32 "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
#define SIG31 "v1,/748jnwZvVXrD+NyLfI9L8krUo0PrC7khtLgQJOXjLc="
#define SIG32 "v1,qiJ14MtImhnBNxRdGGbghJzGvqkic0bKOUWCN04JPqA="

static int verify(const char *secrets, const char *id, const char *ts,
		  const char *header, const char *body, long long now,
		  struct kt_err *err)
{
	return kt_webhook_verify(secrets, id, ts, header, body,
				 body ? strlen(body) : 0, now, TOLERANCE, err);
}

/* Fails with the case's label unless rc is KT_OK. */
static void expect_ok(const char *label, int rc, const struct kt_err *err)
{
	if (rc != KT_OK)
		fail_msg("%s: rc %d, code \"%s\": %s", label, rc, err->code,
			 err->message);
}

/* Fails with the case's label unless rc is KT_ERR with this status and
 * code and a message. */
static void expect_err(const char *label, int rc, const struct kt_err *err,
		       int status, const char *code)
{
	if (rc != KT_ERR || kt_http_status_of(err->cls) != status ||
	    strcmp(err->code, code) != 0 || err->message[0] == '\0')
		fail_msg("%s: rc %d, status %d, code \"%s\" (%s); want %d \"%s\"",
			 label, rc, kt_http_status_of(err->cls), err->code, err->message,
			 status, code);
}

static void test_vector_sign(void **state)
{
	struct kt_err err = { 0 };
	char *header = NULL;

	(void)state;
	assert_int_equal(kt_webhook_sign(SECRET, MSG_ID, TS, BODY, strlen(BODY),
					 &header, &err),
			 KT_OK);
	assert_string_equal(header, SIG);
	free(header);
}

static void test_vector_verify(void **state)
{
	struct kt_err err = { 0 };

	(void)state;
	assert_int_equal(verify(SECRET, MSG_ID, TS_STR, SIG, BODY, TS, &err),
			 KT_OK);
	assert_false(kt_err_isset(&err));
}

/* Padding must be trimmed from the key: a 33-byte key would sign otherwise. */
static void test_padded_secrets(void **state)
{
	static const struct {
		const char *secret, *sig;
	} cases[] = { { SECRET31, SIG31 }, { SECRET32, SIG32 } };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kt_err err = { 0 };
		char *header = NULL;

		assert_int_equal(kt_webhook_sign(cases[i].secret, "msg_1",
						 1700000000LL, NULL, 0, &header,
						 &err),
				 KT_OK);
		assert_string_equal(header, cases[i].sig);
		assert_int_equal(verify(cases[i].secret, "msg_1", "1700000000",
					cases[i].sig, "", 1700000000LL, &err),
				 KT_OK);
		free(header);
	}
}

static void test_rotation(void **state)
{
	const char *both = "  " SECRET "  " SECRET32 " ";
	struct kt_err err = { 0 };
	char *header = NULL, *first = NULL, *second = NULL;

	(void)state;
	assert_int_equal(kt_webhook_sign(both, MSG_ID, TS, BODY, strlen(BODY),
					 &header, &err),
			 KT_OK);
	assert_int_equal(kt_webhook_sign(SECRET, MSG_ID, TS, BODY, strlen(BODY),
					 &first, &err),
			 KT_OK);
	assert_int_equal(kt_webhook_sign(SECRET32, MSG_ID, TS, BODY,
					 strlen(BODY), &second, &err),
			 KT_OK);
	assert_string_equal(first, SIG);
	assert_int_equal(strlen(header), strlen(first) + 1 + strlen(second));
	assert_memory_equal(header, first, strlen(first));
	assert_int_equal(header[strlen(first)], ' ');
	assert_string_equal(header + strlen(first) + 1, second);

	/* either secret alone accepts the two-signature header */
	assert_int_equal(verify(SECRET, MSG_ID, TS_STR, header, BODY, TS, &err),
			 KT_OK);
	assert_int_equal(verify(SECRET32, MSG_ID, TS_STR, header, BODY, TS,
				&err),
			 KT_OK);
	/* both secrets accept a header signed with either one */
	assert_int_equal(verify(both, MSG_ID, TS_STR, first, BODY, TS, &err),
			 KT_OK);
	assert_int_equal(verify(both, MSG_ID, TS_STR, second, BODY, TS, &err),
			 KT_OK);
	/* a third secret accepts neither */
	expect_err("third secret",
		   verify(SECRET31, MSG_ID, TS_STR, header, BODY, TS, &err),
		   &err, 401, "bad_signature");
	kt_err_release(&err);
	free(header);
	free(first);
	free(second);
}

static void test_tampered(void **state)
{
	static const struct {
		const char *name, *id, *ts, *header, *body;
	} cases[] = {
		{ "body", MSG_ID, TS_STR, SIG, "{\"test\": 2432232315}" },
		{ "body prefix", MSG_ID, TS_STR, SIG, "{\"test\": 2432232314" },
		{ "empty body", MSG_ID, TS_STR, SIG, "" },
		{ "id", "msg_p5jXN8AQM9LWM0D4loKWxJeK", TS_STR, SIG, BODY },
		{ "timestamp", MSG_ID, "1614265331", SIG, BODY },
		{ "timestamp zero-padded", MSG_ID, "01614265330", SIG, BODY },
		{ "signature", MSG_ID, TS_STR,
		  "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", BODY },
		{ "signature unpadded", MSG_ID, TS_STR,
		  "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", BODY },
		{ "signature truncated", MSG_ID, TS_STR,
		  "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ", BODY },
		{ "signature as v2", MSG_ID, TS_STR,
		  "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,AAAA",
		  BODY },
		{ "signature not base64", MSG_ID, TS_STR, "v1,!!!!", BODY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kt_err err = { 0 };

		expect_err(cases[i].name,
			   verify(SECRET, cases[i].id, cases[i].ts,
				  cases[i].header, cases[i].body, TS, &err),
			   &err, 401, "bad_signature");
		kt_err_release(&err);
	}
}

/* Other versions are skipped, not fatal, and entries may come in any order. */
static void test_other_versions_ignored(void **state)
{
	struct kt_err err = { 0 };

	(void)state;
	assert_int_equal(verify(SECRET, MSG_ID, TS_STR,
				"v1a,xyz v2,abc= v1,AAAA " SIG " v1,zzzz", BODY,
				TS, &err),
			 KT_OK);
}

static void test_timestamp_window(void **state)
{
	static const struct {
		long long skew;
		int rc;
	} cases[] = {
		{ 0, KT_OK },	  { 299, KT_OK },   { -299, KT_OK },
		{ 300, KT_OK },	  { -300, KT_OK },  { 301, KT_ERR },
		{ -301, KT_ERR }, { 86400, KT_ERR },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kt_err err = { 0 };
		char *header = NULL, ts[24], label[48];
		int rc;

		snprintf(ts, sizeof(ts), "%lld", TS + cases[i].skew);
		snprintf(label, sizeof(label), "skew %lld s", cases[i].skew);
		expect_ok(label, kt_webhook_sign(SECRET, MSG_ID,
						 TS + cases[i].skew, BODY,
						 strlen(BODY), &header, &err),
			  &err);
		rc = verify(SECRET, MSG_ID, ts, header, BODY, TS, &err);
		if (cases[i].rc == KT_OK)
			expect_ok(label, rc, &err);
		else
			expect_err(label, rc, &err, 401, "stale_timestamp");
		kt_err_release(&err);
		free(header);
	}
}

/* Missing or unparseable headers: 401 bad_signature naming the header. */
#define NO_V1 "webhook-signature header has no \"v1,\""
static void test_bad_headers(void **state)
{
	static const struct {
		const char *id, *ts, *header, *says;
	} cases[] = {
		{ NULL, TS_STR, SIG, "missing webhook-id" },
		{ "", TS_STR, SIG, "missing webhook-id" },
		{ MSG_ID, NULL, SIG, "missing webhook-timestamp" },
		{ MSG_ID, "", SIG, "missing webhook-timestamp" },
		{ MSG_ID, "soon", SIG, "webhook-timestamp" },
		{ MSG_ID, "1614265330x", SIG, "webhook-timestamp" },
		{ MSG_ID, "1614265330 ", SIG, "webhook-timestamp" },
		{ MSG_ID, " 1614265330", SIG, "webhook-timestamp" },
		{ MSG_ID, "+1614265330", SIG, "webhook-timestamp" },
		{ MSG_ID, "-1614265330", SIG, "webhook-timestamp" },
		{ MSG_ID, "1614265330.5", SIG, "webhook-timestamp" },
		{ MSG_ID, "99999999999999999999", SIG, "webhook-timestamp" },
		{ MSG_ID, TS_STR, NULL, "missing webhook-signature" },
		{ MSG_ID, TS_STR, "", "missing webhook-signature" },
		{ MSG_ID, TS_STR, "   ", "missing webhook-signature" },
		{ MSG_ID, TS_STR, "v1,", NO_V1 },
		{ MSG_ID, TS_STR, "v2,abcd v1a,abcd", NO_V1 },
		{ MSG_ID, TS_STR, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		  NO_V1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kt_err err = { 0 };
		char label[32];

		snprintf(label, sizeof(label), "case %zu", i);
		expect_err(label,
			   verify(SECRET, cases[i].id, cases[i].ts,
				  cases[i].header, BODY, TS, &err),
			   &err, 401, "bad_signature");
		if (!strstr(err.message, cases[i].says))
			fail_msg("%s: message \"%s\" does not say \"%s\"", label,
				 err.message, cases[i].says);
		kt_err_release(&err);
	}
}

/* Fails unless the message shows neither the secret token nor its base64
 * part. */
static void expect_no_leak(const char *label, const char *message,
			   const char *token)
{
	size_t len = strlen(token);

	if ((len > 0 && strstr(message, token)) ||
	    (len > 6 && strstr(message, token + 6)))
		fail_msg("%s: message \"%s\" shows the secret", label, message);
}

/* A broken secret is a configuration fault; its text never leaks. */
static void test_bad_secrets(void **state)
{
	static const char *const cases[] = {
		"",
		"   ",
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"whsec_",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa$w",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa=w",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw===",
		"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		/* a broken second secret counts even when the first matches */
		SECRET " whsec_Zm9v-mFy",
		/* 66 bytes of key, above KT_WEBHOOK_SECRET_MAX */
		"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kt_err err = { 0 };
		char *header = (char *)"untouched", label[32];
		const char *last = strrchr(cases[i], ' ');
		const char *token = last ? last + 1 : cases[i];

		snprintf(label, sizeof(label), "sign, case %zu", i);
		expect_err(label, kt_webhook_sign(cases[i], MSG_ID, TS, BODY,
						  strlen(BODY), &header, &err),
			   &err, 500, "bad_secret");
		assert_null(header);
		expect_no_leak(label, err.message, token);
		kt_err_release(&err);

		snprintf(label, sizeof(label), "verify, case %zu", i);
		expect_err(label,
			   verify(cases[i], MSG_ID, TS_STR, SIG, BODY, TS, &err),
			   &err, 500, "bad_secret");
		expect_no_leak(label, err.message, token);
		kt_err_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_sign),
		cmocka_unit_test(test_vector_verify),
		cmocka_unit_test(test_padded_secrets),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_other_versions_ignored),
		cmocka_unit_test(test_timestamp_window),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
