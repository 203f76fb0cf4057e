/* test_rate_limit.c - unit tests of broker/dispatch/rate_limit.c: a
 * supplier's reset header read as the mapping says (epoch, delta, date),
 * header names without regard to case, and every way it is not there or
 * cannot be read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "dispatch/rate_limit.h"

#define NOW 1714557600LL /* 2024-05-01T10:00:00Z */

/* The wait for header value v under format, or -1. */
static long long wait_for(const char *format, const char *name, const char *v)
{
	json_t *mapping = json_pack("{s:{s:s, s:s}}", "rate_limit", "reset_header",
				    "X-RateLimit-Reset", "format", format);
	struct kt_header h = { (char *)name, (char *)v };
	struct kt_answer a = { .http_status = 429, .headers = &h, .n_headers = 1 };
	long long w = -1;
	int rc = kt_rate_limit_wait(mapping, &a, NOW, &w);

	json_decref(mapping);
	return rc == 0 ? w : -1;
}

static void test_formats(void **state)
{
	(void)state;
	assert_int_equal(wait_for("epoch", "X-RateLimit-Reset", "1714557630"), 30);
	assert_int_equal(wait_for("epoch", "x-ratelimit-reset", "1714557630"), 30);
	assert_int_equal(wait_for("epoch", "X-RateLimit-Reset", "1714557000"), 0);
	assert_int_equal(wait_for("delta", "X-RateLimit-Reset", "42"), 42);
	assert_int_equal(wait_for("date", "X-RateLimit-Reset", "2024-05-01T10:01:00Z"), 60);
	assert_int_equal(wait_for("date", "X-RateLimit-Reset", "2024-05-01T12:01:00+02:00"), 60);
	assert_int_equal(wait_for("date", "X-RateLimit-Reset", "Wed, 01 May 2024 10:02:00 GMT"),
			 120);
}

static void test_unreadable(void **state)
{
	struct kt_answer none = { .http_status = 429 };
	long long w = 0;

	(void)state;
	assert_int_equal(wait_for("epoch", "X-Other", "1714557630"), -1);
	assert_int_equal(wait_for("epoch", "X-RateLimit-Reset", "soon"), -1);
	assert_int_equal(wait_for("delta", "X-RateLimit-Reset", "-5"), -1);
	assert_int_equal(wait_for("delta", "X-RateLimit-Reset", "5s"), -1);
	assert_int_equal(wait_for("date", "X-RateLimit-Reset", "42"), -1);
	assert_int_equal(wait_for("weekly", "X-RateLimit-Reset", "42"), -1);
	assert_int_equal(kt_rate_limit_wait(NULL, &none, NOW, &w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
