/* test_breaker.c - unit tests of broker/breaker.c on a clock of our own:
 * the circuit opens after N failures in a row (a success in between resets
 * the count), stays open for its period, lets exactly one probe through
 * when half-open, closes on the probe's success and opens again, twice as
 * long up to the cap, on its failure; late results of calls from before
 * the opening change nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "dispatch/breaker.h"

static const struct kt_breaker_policy policy = {
	.failures = 3, .open_ms = 1000, .max_open_ms = 3000,
};

/* b failed n times at now, each call allowed first. */
static void fail_n(struct kt_breaker *b, int n, long long now)
{
	for (int i = 0; i < n; i++) {
		assert_int_equal(kt_breaker_allow(b, now), KT_BREAKER_PASS);
		kt_breaker_record(b, &policy, 0, 0, now);
	}
}

static void test_opens_after_failures_in_a_row(void **state)
{
	struct kt_breaker b;

	(void)state;
	kt_breaker_init(&b);
	fail_n(&b, 2, 0);
	assert_int_equal(kt_breaker_record(&b, &policy, 0, 1, 10), 0); /* resets */
	fail_n(&b, 2, 20);
	assert_int_equal(b.state, KT_BREAKER_CLOSED);
	assert_int_equal(kt_breaker_allow(&b, 30), KT_BREAKER_PASS);
	assert_int_equal(kt_breaker_record(&b, &policy, 0, 0, 30), 1);
	assert_int_equal(b.state, KT_BREAKER_OPEN);
	assert_true(kt_breaker_blocked(&b, 30));
	assert_int_equal(kt_breaker_allow(&b, 30), KT_BREAKER_BLOCK);
	assert_int_equal(kt_breaker_allow(&b, 1029), KT_BREAKER_BLOCK);
	assert_true(kt_breaker_blocked(&b, 1029));
	assert_false(kt_breaker_blocked(&b, 1030));
	assert_int_equal(b.state, KT_BREAKER_OPEN); /* blocked() changes nothing */
}

static void test_one_probe_then_closed(void **state)
{
	struct kt_breaker b;

	(void)state;
	kt_breaker_init(&b);
	fail_n(&b, 3, 100);
	assert_int_equal(kt_breaker_poll(&b, 500), 0);
	assert_int_equal(kt_breaker_poll(&b, 1200), 1100); /* the period that ended */
	assert_int_equal(b.state, KT_BREAKER_HALF_OPEN);
	assert_int_equal(kt_breaker_poll(&b, 1300), 0);    /* only once */
	assert_false(kt_breaker_blocked(&b, 1300));
	assert_int_equal(kt_breaker_allow(&b, 1300), KT_BREAKER_PROBE);
	for (int i = 0; i < 100; i++)
		assert_int_equal(kt_breaker_allow(&b, 1300 + i * 1000), KT_BREAKER_BLOCK);
	assert_true(kt_breaker_blocked(&b, 1300));
	/* a call from before the opening ends late: no effect */
	assert_int_equal(kt_breaker_record(&b, &policy, 0, 1, 1400), 0);
	assert_int_equal(kt_breaker_record(&b, &policy, 0, 0, 1400), 0);
	assert_int_equal(b.state, KT_BREAKER_HALF_OPEN);
	assert_int_equal(kt_breaker_record(&b, &policy, 1, 1, 1500), 1);
	assert_int_equal(b.state, KT_BREAKER_CLOSED);
	assert_int_equal(b.failures, 0);
	assert_int_equal(kt_breaker_allow(&b, 1500), KT_BREAKER_PASS);
	/* a fresh count: N more failures to open again */
	fail_n(&b, 2, 1600);
	assert_int_equal(b.state, KT_BREAKER_CLOSED);
}

static void test_failed_probe_reopens_longer_capped(void **state)
{
	struct kt_breaker b;
	long long now = 0;
	const long long want[] = { 2000, 3000, 3000, 3000 };

	(void)state;
	kt_breaker_init(&b);
	fail_n(&b, 3, now);
	assert_int_equal(b.until_ms, 1000);
	for (size_t i = 0; i < N_ELEMS(want); i++) {
		now = b.until_ms;
		assert_int_equal(kt_breaker_allow(&b, now - 1), KT_BREAKER_BLOCK);
		assert_int_equal(kt_breaker_allow(&b, now), KT_BREAKER_PROBE);
		assert_int_equal(kt_breaker_record(&b, &policy, 1, 0, now + 5), 1);
		assert_int_equal(b.state, KT_BREAKER_OPEN);
		assert_int_equal(b.period_ms, want[i]);
		assert_int_equal(b.until_ms, now + 5 + want[i]);
	}
	/* while open, late results change nothing */
	assert_int_equal(kt_breaker_record(&b, &policy, 0, 1, now + 10), 0);
	assert_int_equal(kt_breaker_record(&b, &policy, 1, 1, now + 10), 0);
	assert_int_equal(b.state, KT_BREAKER_OPEN);
	now = b.until_ms;
	assert_int_equal(kt_breaker_allow(&b, now), KT_BREAKER_PROBE);
	assert_int_equal(kt_breaker_record(&b, &policy, 1, 1, now), 1);
	assert_int_equal(b.state, KT_BREAKER_CLOSED);
	/* the next opening starts from open_ms again */
	fail_n(&b, 3, now);
	assert_int_equal(b.period_ms, 1000);
}

static void test_edges(void **state)
{
	const struct kt_breaker_policy one = { .failures = 1, .open_ms = 500, .max_open_ms = 100 };
	struct kt_breaker b;

	(void)state;
	kt_breaker_init(&b);
	assert_string_equal(kt_breaker_state_name(b.state), "closed");
	assert_int_equal(kt_breaker_record(&b, &one, 0, 0, 0), 1);
	assert_string_equal(kt_breaker_state_name(b.state), "open");
	assert_int_equal(kt_breaker_allow(&b, 500), KT_BREAKER_PROBE);
	assert_string_equal(kt_breaker_state_name(b.state), "half_open");
	/* a cap below open_ms never shortens the period */
	assert_int_equal(kt_breaker_record(&b, &one, 1, 0, 500), 1);
	assert_int_equal(b.period_ms, 500);
	/* a probe reported without having been given out changes nothing */
	kt_breaker_init(&b);
	assert_int_equal(kt_breaker_record(&b, &one, 0, 0, 0), 1);
	assert_int_equal(kt_breaker_poll(&b, 600), 600);
	assert_int_equal(kt_breaker_record(&b, &one, 1, 1, 600), 0);
	assert_int_equal(b.state, KT_BREAKER_HALF_OPEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opens_after_failures_in_a_row),
		cmocka_unit_test(test_one_probe_then_closed),
		cmocka_unit_test(test_failed_probe_reopens_longer_capped),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
