/* test_cookie.c - unit tests of broker/http/cookie.c: finding the
 * session cookie among others (and refusing what is not a token), and the
 * Set-Cookie values that set and clear it. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "http/cookie.h"

static void test_find(void **state)
{
	static const struct { const char *header, *want; } cases[] = {
		{ "keten_session=kt_abc", "kt_abc" },
		{ "a=1; keten_session=kt_abc; b=2", "kt_abc" },
		{ "a=1;keten_session=kt_a-b_c", "kt_a-b_c" },
		{ "xketen_session=kt_abc", NULL },          /* another cookie's name */
		{ "keten_session_old=kt_abc", NULL },
		{ "keten_session=", NULL },                 /* empty */
		{ "keten_session=kt_a\"b", NULL },          /* not a token */
		{ "keten_session=kt a", NULL },
		{ "keten_session=bad!; keten_session=kt_ok", "kt_ok" },
		{ "", NULL },
		{ NULL, NULL },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int found = kt_cookie_find(cases[i].header, KT_SESSION_COOKIE, out, sizeof(out));

		assert_int_equal(found, cases[i].want != NULL);
		assert_string_equal(out, cases[i].want ? cases[i].want : "");
	}
}

static void test_find_too_long(void **state)
{
	char header[128], out[8];

	(void)state;
	snprintf(header, sizeof(header), "keten_session=kt_0123456789");
	assert_int_equal(kt_cookie_find(header, KT_SESSION_COOKIE, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_set_and_clear(void **state)
{
	char out[KT_COOKIE_MAX];

	(void)state;
	kt_cookie_session_set("kt_abc", 43200, out);
	assert_string_equal(out, "keten_session=kt_abc; Path=/; Max-Age=43200; HttpOnly; Secure;"
			    " SameSite=Strict");
	kt_cookie_session_clear(out);
	assert_string_equal(out, "keten_session=; Path=/; Max-Age=0; HttpOnly; Secure;"
			    " SameSite=Strict");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_too_long),
		cmocka_unit_test(test_set_and_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
