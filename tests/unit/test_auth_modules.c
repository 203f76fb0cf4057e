/* test_auth_modules.c - unit tests of broker/dispatch/auth.c: the exact
 * header lines of each auth kind (basic, bearer with its scheme, header,
 * standard-webhooks checked with kt_webhook_verify, oauth2), how they fail
 * (an empty secret, an unknown kind, no room) without a secret in any
 * message, and the OAuth2 token request and token answer. Expected values
 * were computed independently (Python's base64 and urllib.parse.quote). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "base/webhook_sign.h"
#include "dispatch/auth.h"
#include "testutil.h"

#define WHSEC_A "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define WHSEC_B "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="

/* The lines one call to kt_auth_lines appended. */
struct lines {
	char *v[KT_AUTH_MAX_LINES + 2];
	size_t n;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

/* kt_auth_lines with auth given as JSON text (NULL: no auth member). */
static int auth_lines(const char *auth_json, const char *secrets, const char *token,
		      struct lines *out, struct kt_err *err)
{
	json_t *auth = auth_json ? json_loads(auth_json, 0, NULL) : NULL;
	static const char body[] = "{\"type\":\"leg.create\"}";
	const struct kt_auth_input in = {
		.auth = auth, .secrets = secrets, .sign_id = "msg_1", .now_s = 1700000000,
		.body = body, .body_len = sizeof(body) - 1, .token = token,
	};
	int rc;

	if (auth_json)
		assert_non_null(auth);
	rc = kt_auth_lines(&in, out->v, &out->n, N_ELEMS(out->v), err);
	json_decref(auth);
	return rc;
}

/* Asserts exactly one line was added and it is want. */
static void expect_one_line(const char *auth_json, const char *secrets, const char *token,
			    const char *want)
{
	struct kt_err err = { 0 };
	struct lines l = { .n = 0 };

	if (auth_lines(auth_json, secrets, token, &l, &err) != KT_OK)
		fail_msg("%s: %s %s", auth_json, err.code, err.message);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], want);
	lines_free(&l);
}

/* Asserts KT_ERR with class cls and code, no line left, and none of the
 * forbidden texts (secrets) in the message. */
static void expect_fail(const char *auth_json, const char *secrets, const char *token,
			enum kt_err_class cls, const char *code, const char *forbidden)
{
	struct kt_err err = { 0 };
	struct lines l = { .n = 0 };

	if (auth_lines(auth_json, secrets, token, &l, &err) != KT_ERR)
		fail_msg("%s with \"%s\": accepted", auth_json ? auth_json : "(none)",
			 secrets ? secrets : "(null)");
	assert_int_equal(l.n, 0);
	assert_string_equal(kt_err_class_name(err.cls), kt_err_class_name(cls));
	assert_string_equal(err.code, code);
	assert_true(err.message[0] != '\0');
	if (forbidden && strstr(err.message, forbidden))
		fail_msg("the message names the secret: %s", err.message);
	kt_err_release(&err);
}

static void test_basic_header(void **state)
{
	(void)state;
	/* base64("keten:s3cret") */
	expect_one_line("{\"kind\":\"basic\",\"username\":\"keten\"}", "s3cret",
			NULL, "Authorization: Basic a2V0ZW46czNjcmV0");
	/* a rotation list: the first secret, leading blanks skipped */
	expect_one_line("{\"kind\":\"basic\",\"username\":\"keten\"}", "  s3cret next-one",
			NULL, "Authorization: Basic a2V0ZW46czNjcmV0");
}

static void test_bearer_header(void **state)
{
	(void)state;
	expect_one_line("{\"kind\":\"bearer\"}", "tok-123", NULL,
			"Authorization: Bearer tok-123");
	expect_one_line("{\"kind\":\"bearer\"}", "tok-123 tok-456", NULL,
			"Authorization: Bearer tok-123");
	/* Request Tracker's "Authorization: token <secret>" */
	expect_one_line("{\"kind\":\"bearer\",\"scheme\":\"token\"}", "rt-secret", NULL,
			"Authorization: token rt-secret");
}

static void test_header_kind(void **state)
{
	(void)state;
	expect_one_line("{\"kind\":\"header\",\"header\":\"X-Api-Key\"}", "k-1 k-2", NULL,
			"X-Api-Key: k-1");
}

static void test_oauth2_uses_token(void **state)
{
	(void)state;
	/* the token, not the client secret */
	expect_one_line("{\"kind\":\"oauth2-client-credentials\","
			"\"token_url\":\"https://idp.example/token\",\"client_id\":\"keten\"}",
			"client-secret", "eyJ.tok.en", "Authorization: Bearer eyJ.tok.en");
	expect_fail("{\"kind\":\"oauth2-client-credentials\","
		    "\"token_url\":\"https://idp.example/token\",\"client_id\":\"keten\"}",
		    "client-secret", NULL, KT_EC_INTERNAL, "internal", "client-secret");
}

/* The value of header name among l's lines, or NULL. */
static const char *line_value(const struct lines *l, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i], name, n) == 0 && strncmp(l->v[i] + n, ": ", 2) == 0)
			return l->v[i] + n + 2;
	return NULL;
}

static void check_signed(const char *auth_json, const char *secrets)
{
	static const char body[] = "{\"type\":\"leg.create\"}";
	struct kt_err err = { 0 };
	struct lines l = { .n = 0 };
	const char *sig;

	assert_int_equal(auth_lines(auth_json, secrets, NULL, &l, &err), KT_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(line_value(&l, "webhook-id"), "msg_1");
	assert_string_equal(line_value(&l, "webhook-timestamp"), "1700000000");
	sig = line_value(&l, "webhook-signature");
	assert_non_null(sig);
	/* each secret of the rotation alone verifies it */
	assert_int_equal(kt_webhook_verify(WHSEC_A, "msg_1", "1700000000", sig, body,
					   sizeof(body) - 1, 1700000000, 300, &err), KT_OK);
	if (strchr(secrets, ' '))
		assert_int_equal(kt_webhook_verify(WHSEC_B, "msg_1", "1700000000", sig, body,
						   sizeof(body) - 1, 1700000000, 300, &err),
				 KT_OK);
	/* and it covers the body */
	assert_int_equal(kt_webhook_verify(WHSEC_A, "msg_1", "1700000000", sig, "{}", 2,
					   1700000000, 300, &err), KT_ERR);
	assert_string_equal(err.code, "bad_signature");
	kt_err_release(&err);
	lines_free(&l);
}

static void test_standard_webhooks(void **state)
{
	(void)state;
	check_signed(NULL, WHSEC_A);
	check_signed("{\"kind\":\"standard-webhooks\"}", WHSEC_A);
	check_signed("{\"kind\":\"standard-webhooks\"}", WHSEC_A " " WHSEC_B);
}

static void test_empty_secret(void **state)
{
	static const char *const kinds[] = {
		"{\"kind\":\"basic\",\"username\":\"keten\"}",
		"{\"kind\":\"bearer\"}",
		"{\"kind\":\"header\",\"header\":\"X-Api-Key\"}",
		"{\"kind\":\"standard-webhooks\"}",
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(kinds); i++) {
		expect_fail(kinds[i], "", NULL, KT_EC_CONFIG, "bad_secret", NULL);
		expect_fail(kinds[i], "   ", NULL, KT_EC_CONFIG, "bad_secret", NULL);
		expect_fail(kinds[i], NULL, NULL, KT_EC_CONFIG, "bad_secret", NULL);
	}
}

static void test_bad_secret_never_named(void **state)
{
	char long_secret[1100];

	(void)state;
	/* not whsec_ + base64 */
	expect_fail("{\"kind\":\"standard-webhooks\"}", "whsec_not*base64*SECRETTEXT", NULL,
		    KT_EC_CONFIG, "bad_secret", "SECRETTEXT");
	/* basic credentials too long to encode */
	memset(long_secret, 'Q', sizeof(long_secret) - 1);
	long_secret[sizeof(long_secret) - 1] = '\0';
	expect_fail("{\"kind\":\"basic\",\"username\":\"keten\"}", long_secret, NULL,
		    KT_EC_CONFIG, "bad_secret", "QQQQ");
}

static void test_unknown_kind(void **state)
{
	(void)state;
	expect_fail("{\"kind\":\"kerberos\"}", "s3cret", NULL, KT_EC_CONFIG, "bad_auth",
		    "s3cret");
	expect_fail("{\"username\":\"keten\"}", "s3cret", NULL, KT_EC_CONFIG, "bad_auth",
		    "s3cret");
	expect_fail("{\"kind\":7}", "s3cret", NULL, KT_EC_CONFIG, "bad_auth", "s3cret");
}

/* What the chain checker demands of a kind, the module does not take on
 * trust: a stored auth edited by hand is a configuration error, not a
 * crash. */
static void test_missing_members(void **state)
{
	(void)state;
	expect_fail("{\"kind\":\"basic\"}", "s3cret", NULL, KT_EC_CONFIG, "bad_auth", "s3cret");
	expect_fail("{\"kind\":\"header\"}", "s3cret", NULL, KT_EC_CONFIG, "bad_auth", "s3cret");
	expect_fail("{\"kind\":\"header\",\"header\":7}", "s3cret", NULL, KT_EC_CONFIG,
		    "bad_auth", "s3cret");
}

static void test_kind_names(void **state)
{
	static const struct {
		const char *json;
		enum kt_auth_kind kind;
	} cases[] = {
		{ "{\"kind\":\"standard-webhooks\"}", KT_AUTH_STANDARD_WEBHOOKS },
		{ "{\"kind\":\"basic\"}", KT_AUTH_BASIC },
		{ "{\"kind\":\"bearer\"}", KT_AUTH_BEARER },
		{ "{\"kind\":\"header\"}", KT_AUTH_HEADER },
		{ "{\"kind\":\"oauth2-client-credentials\"}", KT_AUTH_OAUTH2 },
		{ "null", KT_AUTH_STANDARD_WEBHOOKS },
	};
	enum kt_auth_kind k;

	(void)state;
	assert_int_equal(kt_auth_kind(NULL, &k), 0);
	assert_int_equal(k, KT_AUTH_STANDARD_WEBHOOKS);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *a = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);

		k = (enum kt_auth_kind)-1;
		assert_int_equal(kt_auth_kind(a, &k), 0);
		assert_int_equal(k, cases[i].kind);
		json_decref(a);
	}
}

/* Lines already there stay; a module that finds no room fails. */
static void test_appends_and_room(void **state)
{
	json_t *auth = json_pack("{s:s}", "kind", "bearer");
	struct kt_auth_input in = { .auth = auth, .secrets = "tok" };
	struct kt_err err = { 0 };
	char *lines[3] = { strdup("content-type: application/json"), NULL, NULL };
	size_t n = 1;

	(void)state;
	assert_int_equal(kt_auth_lines(&in, lines, &n, 3, &err), KT_OK);
	assert_int_equal(n, 2);
	assert_string_equal(lines[0], "content-type: application/json");
	assert_string_equal(lines[1], "Authorization: Bearer tok");
	/* standard-webhooks needs three lines, one is left */
	json_decref(auth);
	in.auth = NULL;
	in.secrets = WHSEC_A;
	in.sign_id = "msg_2";
	in.now_s = 1700000000;
	assert_int_equal(kt_auth_lines(&in, lines, &n, 3, &err), KT_ERR);
	assert_string_equal(kt_err_class_name(err.cls), "internal");
	assert_true(n <= 3);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	kt_err_release(&err);
}

/* The value of header name (any case) of req, or NULL. */
static const char *req_header(const struct kt_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

static void test_token_request(void **state)
{
	json_t *auth = json_pack("{s:s, s:s, s:s, s:s}", "kind", "oauth2-client-credentials",
				 "token_url", "https://idp.example/oauth2/token",
				 "client_id", "keten app/1", "scope", "read:tickets write");
	struct kt_http_request req;
	struct kt_err err = { 0 };

	(void)state;
	memset(&req, 0, sizeof(req));
	/* the first secret of a rotation list (secrets hold no blank) */
	assert_int_equal(kt_auth_token_request(auth, "p@ss+w&rd=%\xc3\xbc/ other", &req, &err),
			 KT_OK);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, "https://idp.example/oauth2/token");
	assert_string_equal(req.body,
			    "grant_type=client_credentials&client_id=keten%20app%2F1"
			    "&client_secret=p%40ss%2Bw%26rd%3D%25%C3%BC%2F"
			    "&scope=read%3Atickets%20write");
	assert_int_equal(req.body_len, strlen(req.body));
	assert_string_equal(req_header(&req, "content-type"), "application/x-www-form-urlencoded");
	assert_string_equal(req_header(&req, "accept"), "application/json");
	kt_http_request_release(&req);

	/* without a scope, no scope member */
	json_object_del(auth, "scope");
	memset(&req, 0, sizeof(req));
	assert_int_equal(kt_auth_token_request(auth, "abc", &req, &err), KT_OK);
	assert_string_equal(req.body, "grant_type=client_credentials&client_id=keten%20app%2F1"
				      "&client_secret=abc");
	kt_http_request_release(&req);
	json_decref(auth);
}

static void test_token_request_fails(void **state)
{
	json_t *auth = json_pack("{s:s, s:s}", "kind", "oauth2-client-credentials",
				 "token_url", "https://idp.example/token");
	struct kt_http_request req;
	struct kt_err err = { 0 };

	(void)state;
	memset(&req, 0, sizeof(req));
	assert_int_equal(kt_auth_token_request(auth, "SECRETX", &req, &err), KT_ERR);
	assert_string_equal(kt_err_class_name(err.cls), "config");
	assert_string_equal(err.code, "bad_auth");
	assert_null(strstr(err.message, "SECRETX"));
	kt_err_release(&err);
	json_object_set_new(auth, "client_id", json_string("keten"));
	assert_int_equal(kt_auth_token_request(auth, " ", &req, &err), KT_ERR);
	assert_string_equal(kt_err_class_name(err.cls), "config");
	assert_string_equal(err.code, "bad_secret");
	assert_null(req.url);
	assert_null(req.body);
	kt_err_release(&err);
	json_decref(auth);
}

static int token_read(long status, const char *body, char **token, long long *exp,
		      struct kt_err *err)
{
	return kt_auth_token_read(status, body, body ? strlen(body) : 0, token, exp, err);
}

static void test_token_answer_good(void **state)
{
	struct kt_err err = { 0 };
	char *token = NULL;
	long long exp = -1;

	(void)state;
	assert_int_equal(token_read(200, "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\","
					 "\"expires_in\":120}", &token, &exp, &err), KT_OK);
	assert_string_equal(token, "at-1");
	assert_int_equal(exp, 120);
	free(token);
	/* no expires_in, or one that is no positive whole number: an hour */
	static const char *const no_exp[] = {
		"{\"access_token\":\"at-2\"}",
		"{\"access_token\":\"at-2\",\"expires_in\":0}",
		"{\"access_token\":\"at-2\",\"expires_in\":-5}",
		"{\"access_token\":\"at-2\",\"expires_in\":null}",
	};
	for (size_t i = 0; i < N_ELEMS(no_exp); i++) {
		exp = -1;
		assert_int_equal(token_read(201, no_exp[i], &token, &exp, &err), KT_OK);
		assert_string_equal(token, "at-2");
		assert_int_equal(exp, 3600);
		free(token);
	}
	assert_false(kt_err_isset(&err));
}

/* A lifetime the caller can turn into milliseconds without overflow: the
 * token endpoint's number is bounded. */
static void test_token_answer_huge_lifetime(void **state)
{
	struct kt_err err = { 0 };
	char *token = NULL;
	long long exp = -1;

	(void)state;
	assert_int_equal(token_read(200, "{\"access_token\":\"at-4\","
					 "\"expires_in\":9223372036854775807}", &token, &exp, &err),
			 KT_OK);
	assert_string_equal(token, "at-4");
	assert_true(exp > 0 && exp <= KT_AUTH_TOKEN_MAX_S);
	free(token);
	assert_int_equal(token_read(200, "{\"access_token\":\"at-4\",\"expires_in\":86400}",
				    &token, &exp, &err), KT_OK);
	assert_int_equal(exp, 86400);
	free(token);
}

/* Asserts a refused answer: supplier "bad_token_answer", *token NULL, the
 * message naming want (when given) and never the text secret. */
static void expect_bad_answer(long status, const char *body, const char *want,
			      const char *secret)
{
	struct kt_err err = { 0 };
	char *token = (char *)"unset";
	long long exp = 0;

	if (token_read(status, body, &token, &exp, &err) != KT_ERR)
		fail_msg("HTTP %ld %s: accepted", status, body ? body : "(no body)");
	assert_null(token);
	assert_string_equal(kt_err_class_name(err.cls), "supplier");
	assert_string_equal(err.code, "bad_token_answer");
	if (want && !strstr(err.message, want))
		fail_msg("HTTP %ld %s: message \"%s\" lacks \"%s\"", status, body, err.message,
			 want);
	if (secret && strstr(err.message, secret))
		fail_msg("HTTP %ld: message \"%s\" names the token", status, err.message);
	kt_err_release(&err);
}

static void test_token_answer_bad(void **state)
{
	(void)state;
	expect_bad_answer(401, "{\"error\":\"invalid_client\","
			       "\"error_description\":\"Client authentication failed\"}",
			  "invalid_client", NULL);
	expect_bad_answer(400, "{\"error\":\"invalid_client\"}", "400", NULL);
	/* a 2xx that is an error all the same */
	expect_bad_answer(200, "{\"error\":\"invalid_client\"}", "invalid_client", NULL);
	/* non-2xx even with a token in it */
	expect_bad_answer(500, "{\"access_token\":\"LEAKME\"}", "500", "LEAKME");
	expect_bad_answer(302, "{\"access_token\":\"LEAKME\"}", NULL, "LEAKME");
	/* no usable access_token */
	expect_bad_answer(200, "{}", "access_token", NULL);
	expect_bad_answer(200, "{\"access_token\":\"\"}", NULL, NULL);
	expect_bad_answer(200, "{\"access_token\":42}", NULL, NULL);
	expect_bad_answer(200, "{\"token\":\"at-3\"}", NULL, NULL);
	/* garbage */
	expect_bad_answer(200, "<html>gateway</html>", NULL, NULL);
	expect_bad_answer(200, "[\"access_token\"]", NULL, NULL);
	expect_bad_answer(200, "", NULL, NULL);
	expect_bad_answer(200, NULL, NULL, NULL);
	expect_bad_answer(0, "{\"access_token\":\"LEAKME\"}", NULL, "LEAKME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_header),
		cmocka_unit_test(test_bearer_header),
		cmocka_unit_test(test_header_kind),
		cmocka_unit_test(test_oauth2_uses_token),
		cmocka_unit_test(test_standard_webhooks),
		cmocka_unit_test(test_empty_secret),
		cmocka_unit_test(test_bad_secret_never_named),
		cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_missing_members),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_appends_and_room),
		cmocka_unit_test(test_token_request),
		cmocka_unit_test(test_token_request_fails),
		cmocka_unit_test(test_token_answer_good),
		cmocka_unit_test(test_token_answer_bad),
		cmocka_unit_test(test_token_answer_huge_lifetime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
