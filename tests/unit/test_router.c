/* test_router.c - unit tests of broker/http/router.c against the API's own
 * route table (http/routes.c): every route found by its method and a path
 * made from its pattern, then unknown paths (404), wrong methods (405),
 * parameters too long or of other characters, trailing slashes and query
 * strings. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "http/api.h"
#include "http/router.h"

#define UUID "5e000000-0000-4000-8000-000000000005"

typedef char params_t[KT_HTTP_MAX_PARAMS][KT_HTTP_PARAM_BYTES];

static enum kt_router_result route(const char *method, const char *path,
				   const struct kt_http_route **found, params_t params)
{
	return kt_router_match(kt_http_routes, kt_http_routes_count, method, path,
			       found, params);
}

/* Each route's pattern with its {} replaced by p1, p2 in turn. */
static void fill(const char *pattern, char *out, size_t outsz)
{
	static const char *const values[] = { UUID, "acme-net_2" };
	size_t o = 0, np = 0;

	for (; *pattern && o + 1 < outsz; pattern++) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			o += (size_t)snprintf(out + o, outsz - o, "%s", values[np++]);
			pattern++;
		} else {
			out[o++] = *pattern;
		}
	}
	out[o] = '\0';
}

static void test_every_route(void **state)
{
	(void)state;
	assert_true(kt_http_routes_count > 20);
	for (int i = 0; i < kt_http_routes_count; i++) {
		const struct kt_http_route *want = &kt_http_routes[i], *got = NULL;
		params_t params;
		char path[256];

		fill(want->pattern, path, sizeof(path));
		if (route(want->method, path, &got, params) != KT_ROUTER_FOUND)
			fail_msg("%s %s: not found", want->method, path);
		if (got != want)
			fail_msg("%s %s: found %s %s", want->method, path, got->method,
				 got->pattern);
		if (strstr(want->pattern, "{}"))
			assert_string_equal(params[0], UUID);
		else
			assert_string_equal(params[0], "");
		assert_non_null(got->work);
	}
}

static void test_cases(void **state)
{
	static const struct {
		const char *method, *path;
		enum kt_router_result want;
		const char *pattern;      /* of the route found */
		const char *param;        /* its first parameter */
	} cases[] = {
		{ "GET", "/v1/tickets", KT_ROUTER_FOUND, "/v1/tickets", "" },
		{ "POST", "/v1/tickets", KT_ROUTER_FOUND, "/v1/tickets", "" },
		{ "GET", "/v1/tickets/abc", KT_ROUTER_FOUND, "/v1/tickets/{}", "abc" },
		/* trailing slashes: one is allowed, two are not */
		{ "GET", "/v1/tickets/", KT_ROUTER_FOUND, "/v1/tickets", "" },
		{ "GET", "/v1/tickets/abc/", KT_ROUTER_FOUND, "/v1/tickets/{}", "abc" },
		{ "GET", "/v1/tickets//", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "POST", "/v1/tickets/abc/close/", KT_ROUTER_FOUND, "/v1/tickets/{}/close", "abc" },
		/* query strings end the path */
		{ "GET", "/v1/tickets?limit=5", KT_ROUTER_FOUND, "/v1/tickets", "" },
		{ "GET", "/v1/tickets/abc?x=1", KT_ROUTER_FOUND, "/v1/tickets/{}", "abc" },
		{ "GET", "/v1/tickets/?x=/a", KT_ROUTER_FOUND, "/v1/tickets", "" },
		{ "GET", "/v1/services/s1/chain?version=2", KT_ROUTER_FOUND,
		  "/v1/services/{}/chain", "s1" },
		/* wrong methods: 405 where the path exists */
		{ "DELETE", "/v1/tickets", KT_ROUTER_METHOD, NULL, NULL },
		{ "PUT", "/v1/tickets/abc", KT_ROUTER_METHOD, NULL, NULL },
		{ "GET", "/v1/tickets/abc/close", KT_ROUTER_METHOD, NULL, NULL },
		{ "OTHER", "/v1/customers", KT_ROUTER_METHOD, NULL, NULL },
		{ "GET", "/v1/inbound/acme", KT_ROUTER_METHOD, NULL, NULL },
		/* a TMF621 hub posts to {callback}/listener/<eventName> */
		{ "POST", "/v1/inbound/telco/listener/troubleTicketStatusChangeEvent", KT_ROUTER_FOUND,
		  "/v1/inbound/{}/listener/{}", "telco" },
		{ "GET", "/v1/inbound/telco/listener/x", KT_ROUTER_METHOD, NULL, NULL },
		{ "POST", "/v1/inbound/telco/listener", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "get", "/readyz", KT_ROUTER_METHOD, NULL, NULL },
		/* unknown paths: 404 */
		{ "GET", "/", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/v1", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/v1/ticket", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/v1/ticketsx", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/V1/tickets", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/v1/tickets/abc/nope", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "POST", "/v1/tickets/abc/close/x", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/healthz", KT_ROUTER_NOT_FOUND, NULL, NULL }, /* the server's own */
		/* parameters: 1..71 of [A-Za-z0-9_-] */
		{ "GET", "/v1/tickets/a.b", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/v1/tickets/a%20b", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/v1/tickets/\xc3\xa9", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "POST", "/v1/tickets//close", KT_ROUTER_NOT_FOUND, NULL, NULL },
		{ "GET", "/v1/tickets/A-z_9", KT_ROUTER_FOUND, "/v1/tickets/{}", "A-z_9" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const struct kt_http_route *got = NULL;
		params_t params;
		enum kt_router_result rc = route(cases[i].method, cases[i].path, &got, params);

		if (rc != cases[i].want)
			fail_msg("%s \"%s\": %d, want %d", cases[i].method, cases[i].path,
				 (int)rc, (int)cases[i].want);
		if (rc != KT_ROUTER_FOUND) {
			assert_null(got);
			continue;
		}
		assert_string_equal(got->method, cases[i].method);
		assert_string_equal(got->pattern, cases[i].pattern);
		assert_string_equal(params[0], cases[i].param);
	}
}

static void test_param_length(void **state)
{
	char path[200], param[100];
	const struct kt_http_route *got = NULL;
	params_t params;

	(void)state;
	/* KT_HTTP_PARAM_BYTES - 1 characters fit; one more is no resource. */
	memset(param, 'a', KT_HTTP_PARAM_BYTES - 1);
	param[KT_HTTP_PARAM_BYTES - 1] = '\0';
	snprintf(path, sizeof(path), "/v1/tickets/%s/close", param);
	assert_int_equal(route("POST", path, &got, params), KT_ROUTER_FOUND);
	assert_string_equal(params[0], param);
	param[KT_HTTP_PARAM_BYTES - 1] = 'a';
	param[KT_HTTP_PARAM_BYTES] = '\0';
	snprintf(path, sizeof(path), "/v1/tickets/%s/close", param);
	got = NULL;
	assert_int_equal(route("POST", path, &got, params), KT_ROUTER_NOT_FOUND);
	assert_null(got);
}

/* A table of its own: two parameters, and params left alone on a miss. */
static void test_two_params(void **state)
{
	static const struct kt_http_route table[] = {
		{ "GET", "/a/{}/b/{}", 0, 0, NULL, 0 },
		{ "PUT", "/a/{}", 0, 0, NULL, 0 },
		{ "GET", "/a/{}", 0, 0, NULL, 0 },
	};
	const struct kt_http_route *got = NULL;
	params_t params;

	(void)state;
	assert_int_equal(kt_router_match(table, 3, "GET", "/a/x1/b/y2", &got, params),
			 KT_ROUTER_FOUND);
	assert_ptr_equal(got, &table[0]);
	assert_string_equal(params[0], "x1");
	assert_string_equal(params[1], "y2");
	/* The first route of the method wins, after one of another method. */
	assert_int_equal(kt_router_match(table, 3, "GET", "/a/z", &got, params),
			 KT_ROUTER_FOUND);
	assert_ptr_equal(got, &table[2]);
	assert_string_equal(params[0], "z");
	assert_string_equal(params[1], "");
	snprintf(params[0], sizeof(params[0]), "kept");
	assert_int_equal(kt_router_match(table, 3, "GET", "/a/x1/b", &got, params),
			 KT_ROUTER_NOT_FOUND);
	assert_int_equal(kt_router_match(table, 3, "DELETE", "/a/q", &got, params),
			 KT_ROUTER_METHOD);
	assert_string_equal(params[0], "kept");
	assert_ptr_equal(got, &table[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_param_length),
		cmocka_unit_test(test_two_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
