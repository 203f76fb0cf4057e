/* test_poll.c - unit tests of broker/dispatch/poll_plan.c: the poll
 * settings and their defaults, the since of a pass (cursor or now, less
 * the overlap, never negative), the RFC 3339 time polls are asked in
 * (epochs computed independently with Python's calendar.timegm), the
 * backoff's bounds over many draws of a seeded source (never below the
 * interval, never above the cap, growing with the failures) and the
 * Retry-After of a 429 or 503 overriding a shorter backoff. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "dispatch/poll_plan.h"

static void test_settings(void **state)
{
	struct kt_poll_settings s;
	json_t *full = json_pack("{s:i, s:i, s:i}", "interval_ms", 30000, "overlap_ms", 5000,
				 "page_size", 20);
	json_t *bare = json_pack("{s:i}", "interval_ms", 1000);

	(void)state;
	kt_poll_settings_of(full, &s);
	assert_int_equal(s.interval_ms, 30000);
	assert_int_equal(s.overlap_ms, 5000);
	assert_int_equal(s.page_size, 20);
	kt_poll_settings_of(bare, &s);
	assert_int_equal(s.interval_ms, 1000);
	assert_int_equal(s.overlap_ms, KT_POLL_OVERLAP_MS);
	assert_int_equal(s.page_size, KT_POLL_PAGE_SIZE);
	kt_poll_settings_of(NULL, &s);
	assert_int_equal(s.interval_ms, 0);
	json_decref(full);
	json_decref(bare);
}

static void test_since(void **state)
{
	(void)state;
	/* The cursor less the overlap, whatever now is. */
	assert_int_equal(kt_poll_since_ms(1, 1700000000000LL, 1800000000000LL, 60000),
			 1699999940000LL);
	/* Before the first complete pass: now less the overlap. */
	assert_int_equal(kt_poll_since_ms(0, 0, 1800000000000LL, 60000), 1799999940000LL);
	/* A zero overlap reads from the cursor itself. */
	assert_int_equal(kt_poll_since_ms(1, 1700000000000LL, 1800000000000LL, 0),
			 1700000000000LL);
	/* Never before the epoch. */
	assert_int_equal(kt_poll_since_ms(1, 1000, 5000, 60000), 0);
}

static void test_time(void **state)
{
	char out[KT_POLL_TIME_LEN + 1];

	(void)state;
	/* calendar.timegm((2026, 12, 5, 17, 0, 12)) == 1796490012 */
	assert_string_equal(kt_poll_time(1796490012345LL, out), "2026-12-05T17:00:12Z");
	assert_string_equal(kt_poll_time(0, out), "1970-01-01T00:00:00Z");
	/* calendar.timegm((2024, 2, 29, 23, 59, 59)) == 1709251199 */
	assert_string_equal(kt_poll_time(1709251199999LL, out), "2024-02-29T23:59:59Z");
}

static void test_backoff_bounds(void **state)
{
	const long long interval = 1000, cap = 60000;
	uint64_t seed = 42;

	(void)state;
	for (int failures = 1; failures <= 12; failures++) {
		long long ceiling = interval, most = 0;

		for (int i = 1; i < failures && ceiling < cap; i++)
			ceiling *= 2;
		if (ceiling > cap - interval)
			ceiling = cap - interval;
		for (int draw = 0; draw < 2000; draw++) {
			long long d = kt_poll_backoff_ms(interval, failures, cap, kt_test_seeded, &seed);

			assert_true(d >= interval);
			assert_true(d <= interval + ceiling);
			assert_true(d <= cap);
			if (d > most)
				most = d;
		}
		/* The draws spread over the range: the largest is near its top. */
		assert_true(most >= interval + ceiling * 9 / 10);
	}
}

static void test_backoff_edges(void **state)
{
	uint64_t top = UINT64_MAX, zero = 0;

	(void)state;
	/* The first failure: at most twice the interval; at least the interval. */
	assert_int_equal(kt_poll_backoff_ms(1000, 1, 3600000, kt_test_fixed, &zero), 1000);
	assert_true(kt_poll_backoff_ms(1000, 1, 3600000, kt_test_fixed, &top) <= 2000);
	/* Many failures: the cap, never past it, never overflowing. */
	assert_true(kt_poll_backoff_ms(1000, 1000000, 3600000, kt_test_fixed, &top) <= 3600000);
	assert_true(kt_poll_backoff_ms(1000, 1000000, 3600000, kt_test_fixed, &top) >= 1000);
	/* A cap below the interval: the interval (never faster than healthy). */
	assert_int_equal(kt_poll_backoff_ms(120000, 3, 60000, kt_test_fixed, &top), 120000);
}

static void test_retry_after(void **state)
{
	long long pause;

	(void)state;
	/* A 429's Retry-After longer than the backoff wins and closes the gate. */
	assert_int_equal(kt_poll_retry_ms(2000, 429, "30", 1796490012, 3600000, &pause), 30000);
	assert_int_equal(pause, 30000);
	/* A 503's too; capped. */
	assert_int_equal(kt_poll_retry_ms(2000, 503, "86400", 1796490012, 600000, &pause), 600000);
	assert_int_equal(pause, 600000);
	/* A shorter one: the backoff, the gate still closed for the pause. */
	assert_int_equal(kt_poll_retry_ms(9000, 429, "1", 1796490012, 3600000, &pause), 9000);
	assert_int_equal(pause, 1000);
	/* An IMF-fixdate, read against now (calendar.timegm((2026, 12, 5, 17, 1, 12))
	 * == 1796490072). */
	assert_int_equal(kt_poll_retry_ms(2000, 429, "Sat, 05 Dec 2026 17:01:12 GMT",
					  1796490012, 3600000, &pause), 60000);
	/* Other statuses, no header, garbage: the backoff, no pause. */
	assert_int_equal(kt_poll_retry_ms(2000, 500, "30", 1796490012, 3600000, &pause), 2000);
	assert_int_equal(pause, 0);
	assert_int_equal(kt_poll_retry_ms(2000, 429, NULL, 1796490012, 3600000, &pause), 2000);
	assert_int_equal(pause, 0);
	assert_int_equal(kt_poll_retry_ms(2000, 429, "soon", 1796490012, 3600000, &pause), 2000);
	assert_int_equal(pause, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_backoff_edges),
		cmocka_unit_test(test_retry_after),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
