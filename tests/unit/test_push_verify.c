/* test_push_verify.c - unit tests of broker/inbound/push_verify.c: each
 * push scheme (Standard Webhooks, token header, basic, hmac-sha256 hex)
 * takes the right credentials under any secret of a rotation and refuses
 * wrong or missing ones with the documented class and code; header names
 * match in any case; an over-long delivery id is malformed; an adapter
 * that takes no push refuses every one. Expected values were computed
 * independently (the published Standard Webhooks vector; Python's base64
 * and hmac). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/webhook_sign.h"
#include "inbound/push_verify.h"
#include "testutil.h"

/* The published Standard Webhooks vector. */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_OTHER "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
#define SW_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS 1614265330LL
#define SW_TS_STR "1614265330"
#define SW_BODY "{\"test\": 2432232314}"
#define SW_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

#define HMAC_BODY "{\"sys_id\":\"abc\",\"state\":\"2\"}"
#define HMAC_OLD "898eac9d71da5b440b5c080c810a48568c2034c422c8c65e5517ac42489112e5"
#define HMAC_NEW "84e743a9b9beea93582c2cf49a9710fa20d6bfaf37a518ad51b855aec0ee3759"

static const struct kt_push_spec sw_spec = { KT_PUSH_STANDARD_WEBHOOKS, NULL, "webhook-id" };
static const struct kt_push_spec token_spec = { KT_PUSH_TOKEN_HEADER, "X-Keten-Token", NULL };
static const struct kt_push_spec basic_spec = { KT_PUSH_BASIC, NULL, NULL };
static const struct kt_push_spec hmac_spec = { KT_PUSH_HMAC_SHA256_HEX, "X-Signature", NULL };

/* A push of body with up to four headers given as name, value pairs
 * (a NULL name ends them). */
static int verify(const struct kt_push_spec *spec, const char *secrets, const char *username,
		  const char *body, const char *const *hdrs, struct kt_err *err)
{
	struct kt_header h[4];
	size_t n = 0;
	const struct kt_push_check c = {
		.secrets = secrets, .username = username, .now_s = SW_TS, .tolerance_s = 300,
	};
	struct kt_answer push = { .body = body, .len = body ? strlen(body) : 0, .headers = h };

	for (; n < N_ELEMS(h) && hdrs && hdrs[2 * n]; n++)
		h[n] = (struct kt_header){ (char *)hdrs[2 * n], (char *)hdrs[2 * n + 1] };
	push.n_headers = n;
	return kt_push_verify(spec, &c, &push, err);
}

static void expect_ok(const char *label, int rc, struct kt_err *err)
{
	if (rc != KT_OK)
		fail_msg("%s: refused: %s %s", label, err->code, err->message);
	kt_err_release(err);
}

/* rc must be KT_ERR with class cls (by name) and code, with a message
 * that never holds secret (when given). */
static void expect_err(const char *label, int rc, struct kt_err *err, const char *cls,
		       const char *code, const char *secret)
{
	if (rc != KT_ERR)
		fail_msg("%s: accepted", label);
	if (strcmp(kt_err_class_name(err->cls), cls) != 0 || strcmp(err->code, code) != 0)
		fail_msg("%s: %s \"%s\" (%s); want %s \"%s\"", label,
			 kt_err_class_name(err->cls), err->code, err->message, cls, code);
	if (err->message[0] == '\0')
		fail_msg("%s: no message", label);
	if (secret && strstr(err->message, secret))
		fail_msg("%s: the message names the secret: %s", label, err->message);
	kt_err_release(err);
}

static void test_standard_webhooks(void **state)
{
	const char *good[] = { "webhook-id", SW_ID, "webhook-timestamp", SW_TS_STR,
			       "webhook-signature", SW_SIG, NULL };
	const char *cased[] = { "Webhook-Id", SW_ID, "WEBHOOK-TIMESTAMP", SW_TS_STR,
				"Webhook-Signature", SW_SIG, NULL };
	const char *no_sig[] = { "webhook-id", SW_ID, "webhook-timestamp", SW_TS_STR, NULL };
	const char *no_ts[] = { "webhook-id", SW_ID, "webhook-signature", SW_SIG, NULL };
	const char *stale[] = { "webhook-id", SW_ID, "webhook-timestamp", "1614264000",
				"webhook-signature", SW_SIG, NULL };
	struct kt_err err = { 0 };

	(void)state;
	expect_ok("sw", verify(&sw_spec, SW_SECRET, NULL, SW_BODY, good, &err), &err);
	expect_ok("sw rotation, new first",
		  verify(&sw_spec, SW_OTHER " " SW_SECRET, NULL, SW_BODY, good, &err), &err);
	expect_ok("sw header names in other cases",
		  verify(&sw_spec, SW_SECRET, NULL, SW_BODY, cased, &err), &err);
	expect_err("sw other secret", verify(&sw_spec, SW_OTHER, NULL, SW_BODY, good, &err),
		   &err, "unauthenticated", "bad_signature", NULL);
	expect_err("sw other body", verify(&sw_spec, SW_SECRET, NULL, "{\"test\": 1}", good, &err),
		   &err, "unauthenticated", "bad_signature", NULL);
	expect_err("sw no signature", verify(&sw_spec, SW_SECRET, NULL, SW_BODY, no_sig, &err),
		   &err, "unauthenticated", "bad_signature", NULL);
	expect_err("sw no timestamp", verify(&sw_spec, SW_SECRET, NULL, SW_BODY, no_ts, &err),
		   &err, "unauthenticated", "bad_signature", NULL);
	expect_err("sw no headers", verify(&sw_spec, SW_SECRET, NULL, SW_BODY, NULL, &err),
		   &err, "unauthenticated", "bad_signature", NULL);
	expect_err("sw stale", verify(&sw_spec, SW_SECRET, NULL, SW_BODY, stale, &err), &err,
		   "unauthenticated", "stale_timestamp", NULL);
	expect_err("sw broken secret", verify(&sw_spec, "whsec_***", NULL, SW_BODY, good, &err),
		   &err, "config", "bad_secret", "***");
}

static void test_token_header(void **state)
{
	const char *t1[] = { "X-Keten-Token", "tok-1", NULL };
	const char *t2[] = { "x-keten-token", "tok-2", NULL };
	const char *upper[] = { "X-KETEN-TOKEN", "tok-1", NULL };
	const char *wrong[] = { "X-Keten-Token", "tok-3", NULL };
	const char *prefix[] = { "X-Keten-Token", "tok-", NULL };
	const char *longer[] = { "X-Keten-Token", "tok-11", NULL };
	const char *both[] = { "X-Keten-Token", "tok-1 tok-2", NULL };
	const char *empty[] = { "X-Keten-Token", "", NULL };
	const char *other[] = { "X-Other", "tok-1", NULL };
	struct kt_err err = { 0 };

	(void)state;
	expect_ok("token", verify(&token_spec, "tok-1", NULL, "{}", t1, &err), &err);
	expect_ok("token, old of rotation", verify(&token_spec, "tok-1 tok-2", NULL, "{}", t1, &err),
		  &err);
	expect_ok("token, new of rotation", verify(&token_spec, "tok-1 tok-2", NULL, "{}", t2, &err),
		  &err);
	expect_ok("token header in capitals", verify(&token_spec, "tok-1", NULL, "{}", upper, &err),
		  &err);
	expect_err("token wrong", verify(&token_spec, "tok-1 tok-2", NULL, "{}", wrong, &err), &err,
		   "unauthenticated", "bad_token", "tok-1");
	expect_err("token prefix", verify(&token_spec, "tok-1", NULL, "{}", prefix, &err), &err,
		   "unauthenticated", "bad_token", "tok-1");
	expect_err("token longer", verify(&token_spec, "tok-1", NULL, "{}", longer, &err), &err,
		   "unauthenticated", "bad_token", "tok-1");
	expect_err("token is the whole list", verify(&token_spec, "tok-1 tok-2", NULL, "{}", both,
						     &err),
		   &err, "unauthenticated", "bad_token", "tok-1");
	expect_err("token empty", verify(&token_spec, "tok-1", NULL, "{}", empty, &err), &err,
		   "unauthenticated", "bad_token", "tok-1");
	expect_err("token other header", verify(&token_spec, "tok-1", NULL, "{}", other, &err),
		   &err, "unauthenticated", "bad_token", "tok-1");
	expect_err("token missing", verify(&token_spec, "tok-1", NULL, "{}", NULL, &err), &err,
		   "unauthenticated", "bad_token", "tok-1");
	/* no secret configured: not even an empty token passes */
	expect_err("token, no secret", verify(&token_spec, "", NULL, "{}", empty, &err), &err,
		   "unauthenticated", "bad_token", NULL);
	expect_err("token, blank secret", verify(&token_spec, "  ", NULL, "{}", empty, &err), &err,
		   "unauthenticated", "bad_token", NULL);
}

static void basic_case(const char *label, const char *secrets, const char *username,
		       const char *name, const char *value, int ok)
{
	const char *h[] = { name, value, NULL };
	struct kt_err err = { 0 };
	int rc = verify(&basic_spec, secrets, username, "{}", value ? h : NULL, &err);

	if (ok)
		expect_ok(label, rc, &err);
	else
		expect_err(label, rc, &err, "unauthenticated", "bad_credentials", "pw1");
}

static void test_basic(void **state)
{
	(void)state;
	/* base64 of "sn:pw1", "sn:pw2", "other:pw1", "sn:nope", "sn",
	 * "sn:pa:ss", "sn:", "sn:pw1\0x" */
	basic_case("basic", "pw1", "sn", "Authorization", "Basic c246cHcx", 1);
	basic_case("basic, new of rotation", "pw1 pw2", "sn", "Authorization", "Basic c246cHcy", 1);
	basic_case("basic, old of rotation", "pw1 pw2", "sn", "Authorization", "Basic c246cHcx", 1);
	basic_case("basic, header name lower case", "pw1", "sn", "authorization",
		   "Basic c246cHcx", 1);
	basic_case("basic, scheme in other case", "pw1", "sn", "Authorization", "basic c246cHcx", 1);
	basic_case("basic, any user", "pw1", NULL, "Authorization", "Basic b3RoZXI6cHcx", 1);
	basic_case("basic, colon in password", "pa:ss", "sn", "Authorization",
		   "Basic c246cGE6c3M=", 1);
	basic_case("basic, wrong user", "pw1", "sn", "Authorization", "Basic b3RoZXI6cHcx", 0);
	basic_case("basic, wrong password", "pw1 pw2", "sn", "Authorization",
		   "Basic c246bm9wZQ==", 0);
	basic_case("basic, no colon", "pw1", NULL, "Authorization", "Basic c24=", 0);
	basic_case("basic, empty password", "pw1", "sn", "Authorization", "Basic c246", 0);
	basic_case("basic, empty password, no secret", "", "sn", "Authorization", "Basic c246", 0);
	basic_case("basic, NUL in password", "pw1", "sn", "Authorization",
		   "Basic c246cHcxAHg=", 0);
	basic_case("basic, not base64", "pw1", "sn", "Authorization", "Basic c246cHcx!", 0);
	basic_case("basic, bearer instead", "pw1", "sn", "Authorization", "Bearer pw1", 0);
	basic_case("basic, no scheme", "pw1", "sn", "Authorization", "c246cHcx", 0);
	basic_case("basic, missing", "pw1", "sn", "Authorization", NULL, 0);
}

static void test_hmac(void **state)
{
	const char *old_sig[] = { "X-Signature", "sha256=" HMAC_OLD, NULL };
	const char *new_sig[] = { "x-signature", "sha256=" HMAC_NEW, NULL };
	const char *bare[] = { "X-Signature", HMAC_OLD, NULL };
	const char *cut[] = { "X-Signature", "sha256=898eac9d71da5b440b5c080c810a4856", NULL };
	const char *empty[] = { "X-Signature", "sha256=", NULL };
	const char *upper[] = { "X-Signature", "SHA256=898EAC9D71DA5B440B5C080C810A48568C2034C422C8C65E5517AC42489112E5", NULL };
	struct kt_err err = { 0 };

	(void)state;
	expect_ok("hmac, hex digits in capitals",
		  verify(&hmac_spec, "hk-old", NULL, HMAC_BODY, upper, &err), &err);
	expect_ok("hmac", verify(&hmac_spec, "hk-old", NULL, HMAC_BODY, old_sig, &err), &err);
	expect_ok("hmac, old of rotation",
		  verify(&hmac_spec, "hk-new hk-old", NULL, HMAC_BODY, old_sig, &err), &err);
	expect_ok("hmac, new of rotation, header lower case",
		  verify(&hmac_spec, "hk-old hk-new", NULL, HMAC_BODY, new_sig, &err), &err);
	expect_err("hmac, other secret", verify(&hmac_spec, "hk-new", NULL, HMAC_BODY, old_sig,
						&err),
		   &err, "unauthenticated", "bad_signature", "hk-new");
	expect_err("hmac, other body", verify(&hmac_spec, "hk-old", NULL, "{}", old_sig, &err),
		   &err, "unauthenticated", "bad_signature", "hk-old");
	expect_err("hmac, no sha256= prefix", verify(&hmac_spec, "hk-old", NULL, HMAC_BODY, bare,
						     &err),
		   &err, "unauthenticated", "bad_signature", "hk-old");
	expect_err("hmac, cut short", verify(&hmac_spec, "hk-old", NULL, HMAC_BODY, cut, &err),
		   &err, "unauthenticated", "bad_signature", "hk-old");
	expect_err("hmac, empty", verify(&hmac_spec, "hk-old", NULL, HMAC_BODY, empty, &err),
		   &err, "unauthenticated", "bad_signature", "hk-old");
	expect_err("hmac, missing", verify(&hmac_spec, "hk-old", NULL, HMAC_BODY, NULL, &err),
		   &err, "unauthenticated", "bad_signature", "hk-old");
	expect_err("hmac, no secret", verify(&hmac_spec, "", NULL, HMAC_BODY, old_sig, &err), &err,
		   "unauthenticated", "bad_signature", NULL);
}

static void test_delivery_id_length(void **state)
{
	static const struct kt_push_spec spec = { KT_PUSH_TOKEN_HEADER, "X-Keten-Token",
						  "X-Delivery" };
	char id[KT_PUSH_DELIVERY_ID_MAX + 2];
	const char *h[] = { "X-Keten-Token", "tok-1", "x-delivery", id, NULL };
	const char *sw[] = { "webhook-id", id, "webhook-timestamp", SW_TS_STR,
			     "webhook-signature", SW_SIG, NULL };
	char *signed_long = NULL;
	struct kt_err err = { 0 };

	(void)state;
	memset(id, 'd', KT_PUSH_DELIVERY_ID_MAX);
	id[KT_PUSH_DELIVERY_ID_MAX] = '\0';
	expect_ok("id of the longest length", verify(&spec, "tok-1", NULL, "{}", h, &err), &err);
	id[KT_PUSH_DELIVERY_ID_MAX] = 'd';
	id[KT_PUSH_DELIVERY_ID_MAX + 1] = '\0';
	expect_err("id one byte too long", verify(&spec, "tok-1", NULL, "{}", h, &err), &err,
		   "malformed", "invalid_delivery_id", "tok-1");
	/* only once the sender is authenticated: a push that is not tells
	 * nobody which limits a supplier's scheme has */
	expect_err("webhook-id too long, not signed for it",
		   verify(&sw_spec, SW_SECRET, NULL, SW_BODY, sw, &err), &err,
		   "unauthenticated", "bad_signature", NULL);
	/* signed for the long id: Standard Webhooks' delivery id keeps the
	 * webhook contract's code */
	assert_int_equal(kt_webhook_sign(SW_SECRET, id, SW_TS, SW_BODY, strlen(SW_BODY),
					 &signed_long, &err), KT_OK);
	sw[5] = signed_long;
	expect_err("webhook-id too long, signed", verify(&sw_spec, SW_SECRET, NULL, SW_BODY, sw,
							 &err),
		   &err, "malformed", "invalid_webhook_id", NULL);
	free(signed_long);
}

static void test_no_push(void **state)
{
	static const struct kt_push_spec none = { KT_PUSH_NONE, NULL, NULL };
	const char *sw[] = { "webhook-id", SW_ID, "webhook-timestamp", SW_TS_STR,
			     "webhook-signature", SW_SIG, NULL };
	struct kt_err err = { 0 };

	(void)state;
	expect_err("none, signed", verify(&none, SW_SECRET, NULL, SW_BODY, sw, &err), &err,
		   "invalid", "push_not_accepted", NULL);
	expect_err("none, bare", verify(&none, "", NULL, "{}", NULL, &err), &err, "invalid",
		   "push_not_accepted", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard_webhooks),
		cmocka_unit_test(test_token_header),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_delivery_id_length),
		cmocka_unit_test(test_no_push),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
