/* test_retry.c - unit tests of broker/retry.c: full-jitter bounds over many
 * draws of a seeded random source, the cap and overflow, Retry-After as
 * delta-seconds and as an IMF-fixdate (epochs computed independently with
 * Python's calendar.timegm), garbage refused, and the retry plan (budget,
 * pauses on 429 and 503, the 429's credit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <cmocka.h>

#include "testutil.h"
#include "dispatch/retry.h"

static long long ceiling_of(const struct kt_retry_policy *p, int attempt)
{
	long long c = p->base_ms;

	for (int i = 0; i < attempt && c < p->cap_ms; i++)
		c *= 2;
	return c < p->cap_ms ? c : p->cap_ms;
}

static void test_delay_bounds(void **state)
{
	const struct kt_retry_policy p = { .base_ms = 1000, .cap_ms = 3600000 };
	uint64_t seed = 42;

	(void)state;
	for (int attempt = 0; attempt <= 40; attempt++) {
		long long c = ceiling_of(&p, attempt), lo = LLONG_MAX, hi = -1;
		double sum = 0;
		const int draws = 20000;

		for (int i = 0; i < draws; i++) {
			long long d = kt_retry_delay_ms(&p, attempt, kt_test_seeded, &seed);

			if (d < 0 || d > c)
				fail_msg("attempt %d: delay %lld outside [0, %lld]", attempt, d, c);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
			sum += (double)d;
		}
		/* Full jitter: the draws cover the whole range, centred on c / 2. */
		if (lo > c / 100 || hi < c - c / 100)
			fail_msg("attempt %d: draws span [%lld, %lld] of [0, %lld]", attempt, lo, hi, c);
		if (sum / draws < c * 0.45 || sum / draws > c * 0.55)
			fail_msg("attempt %d: mean %.0f, ceiling %lld", attempt, sum / draws, c);
	}
}

static void test_delay_ends_and_cap(void **state)
{
	struct kt_retry_policy p = { .base_ms = 200, .cap_ms = 1000 };
	uint64_t v;

	(void)state;
	v = 0;
	assert_int_equal(kt_retry_delay_ms(&p, 0, kt_test_fixed, &v), 0);
	v = 200; /* the ceiling itself can be drawn */
	assert_int_equal(kt_retry_delay_ms(&p, 0, kt_test_fixed, &v), 200);
	v = 400;
	assert_int_equal(kt_retry_delay_ms(&p, 1, kt_test_fixed, &v), 400);
	v = 1000;
	assert_int_equal(kt_retry_delay_ms(&p, 3, kt_test_fixed, &v), 1000); /* 1600 capped */
	assert_int_equal(kt_retry_delay_ms(&p, 1000000, kt_test_fixed, &v), 1000);
	assert_int_equal(kt_retry_delay_ms(&p, -5, kt_test_fixed, &v), 1000 % 201); /* as attempt 0 */
	v = UINT64_MAX;
	assert_true(kt_retry_delay_ms(&p, 60, kt_test_fixed, &v) <= 1000);

	/* No overflow with a huge base and cap. */
	p.base_ms = LLONG_MAX / 2 + 1;
	p.cap_ms = LLONG_MAX;
	v = UINT64_MAX;
	for (int a = 0; a < 70; a++)
		assert_true(kt_retry_delay_ms(&p, a, kt_test_fixed, &v) >= 0);

	/* A base above the cap is the cap; no base means no delay. */
	p.base_ms = 5000;
	p.cap_ms = 1000;
	v = 999999;
	assert_true(kt_retry_delay_ms(&p, 0, kt_test_fixed, &v) <= 1000);
	p.base_ms = 0;
	assert_int_equal(kt_retry_delay_ms(&p, 3, kt_test_fixed, &v), 0);
}

static void test_retry_after_delta(void **state)
{
	static const struct {
		const char *value;
		long long ms;
	} cases[] = {
		{ "2", 2000 }, { "0", 0 }, { " 120 ", 120000 }, { "\t7\t", 7000 },
		{ "007", 7000 }, { "86400", 86400000 },
		{ "99999999999999999999999999", (LLONG_MAX / 1000) * 1000 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		long long ms = -1;

		if (kt_retry_after_parse(cases[i].value, 0, &ms) != KT_OK)
			fail_msg("\"%s\" refused", cases[i].value);
		if (ms != cases[i].ms)
			fail_msg("\"%s\": %lld ms, want %lld", cases[i].value, ms, cases[i].ms);
	}
}

static void test_retry_after_date(void **state)
{
	static const struct {
		const char *value;
		long long epoch;
	} cases[] = {
		{ "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 },
		{ "Thu, 29 Feb 2024 23:59:59 GMT", 1709251199 },
		{ "Tue, 19 Jan 2038 03:14:08 GMT", 2147483648LL },
		{ "Fri, 31 Dec 9999 23:59:59 GMT", 253402300799LL },
		{ "  Sun, 06 Nov 1994 08:49:37 GMT ", 784111777 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		long long ms = -1;

		/* 10 s before the date: 10 s to wait. */
		if (kt_retry_after_parse(cases[i].value, cases[i].epoch - 10, &ms) != KT_OK)
			fail_msg("\"%s\" refused", cases[i].value);
		if (ms != 10000)
			fail_msg("\"%s\": %lld ms, want 10000", cases[i].value, ms);
		/* At the date and after it: no wait. */
		ms = -1;
		assert_int_equal(kt_retry_after_parse(cases[i].value, cases[i].epoch, &ms), KT_OK);
		assert_int_equal(ms, 0);
		ms = -1;
		assert_int_equal(kt_retry_after_parse(cases[i].value, cases[i].epoch + 3600, &ms), KT_OK);
		assert_int_equal(ms, 0);
	}
}

static void test_retry_after_garbage(void **state)
{
	static const char *const bad[] = {
		"", "   ", "-1", "+5", "1.5", "2s", "2 3", "0x10", "abc", "soon",
		"Sunday, 06-Nov-94 08:49:37 GMT",  /* RFC 850: obsolete */
		"Sun Nov  6 08:49:37 1994",        /* asctime: obsolete */
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 GMT+1",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT",
		"Thu, 29 Feb 2023 08:49:37 GMT",   /* not a leap year */
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 06 Nov 1994 08-49-37 GMT",
		"Sun; 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 8:49:37 GMT",
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		long long ms = -7;

		if (kt_retry_after_parse(bad[i], 784111777, &ms) != KT_ERR)
			fail_msg("\"%s\" accepted as %lld ms", bad[i], ms);
		if (ms != -7)
			fail_msg("\"%s\": refused but the output was written", bad[i]);
	}
	assert_int_equal(kt_retry_after_parse(NULL, 0, &(long long){ 0 }), KT_ERR);
}

static void test_plan(void **state)
{
	static const struct kt_retry_policy policy = {
		.base_ms = 200, .cap_ms = 5000, .budget_ms = 2000,
	};
	static const struct {
		const char *label;
		struct kt_retry_answer a;
		long long now_s;
		uint64_t draw;
		int give_up;
		long long delay_ms, pause_ms, credit_ms;
	} cases[] = {
		{ "503 within the budget: backoff", { 3, 1000, 503, NULL }, 0, UINT64_MAX,
		  0, UINT64_MAX % 801, 0, 0 },
		{ "the budget spent", { 3, 2000, 503, NULL }, 0, 0, 1, 0, 0, 0 },
		{ "the last try when the budget ends", { 10, 1900, 503, NULL }, 0, 4999,
		  0, 100, 0, 0 },
		{ "a pause outlasting the budget", { 1, 1900, 429, "3" }, 0, 4999,
		  0, 3000, 3000, 3000 },
		{ "by time only, however many attempts", { 100000, 0, 503, NULL }, 0, 1500,
		  0, 1500, 0, 0 },
		{ "429: gate closed, waits as long, credited", { 1, 0, 429, "2" }, 0, 0,
		  0, 2000, 2000, 2000 },
		{ "a backoff longer than the pause wins", { 6, 0, 429, "1" }, 0, 1500,
		  0, 1500, 1000, 1000 },
		{ "503: gate closed, budget running", { 1, 0, 503, "2" }, 0, 0, 0, 2000, 2000, 0 },
		{ "an HTTP-date, capped", { 1, 0, 429, "Sun, 06 Nov 1994 08:49:37 GMT" },
		  784111777 - 3600, 0, 0, 5000, 5000, 5000 },
		{ "a date in the past", { 1, 0, 429, "Sun, 06 Nov 1994 08:49:37 GMT" },
		  784111777 + 60, 150, 0, 150, 0, 0 },
		{ "Retry-After of a 500 ignored", { 1, 0, 500, "2" }, 0, 0, 0, 0, 0, 0 },
		{ "garbage ignored", { 1, 0, 429, "later" }, 0, 0, 0, 0, 0, 0 },
		{ "no header", { 1, 0, 429, NULL }, 0, 0, 0, 0, 0, 0 },
		{ "no answer", { 2, 0, 0, NULL }, 0, 400, 0, 400, 0, 0 },
		{ "a spent budget wins over Retry-After", { 1, 2000, 429, "1" }, 0, 0,
		  1, 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_retry_plan plan;
		uint64_t draw = cases[i].draw;

		kt_retry_plan(&policy, &cases[i].a, cases[i].now_s, kt_test_fixed, &draw, &plan);
		if (plan.give_up != cases[i].give_up || plan.delay_ms != cases[i].delay_ms ||
		    plan.pause_ms != cases[i].pause_ms || plan.credit_ms != cases[i].credit_ms)
			fail_msg("%s: give_up %d delay %lld pause %lld credit %lld, want %d %lld %lld %lld",
				 cases[i].label, plan.give_up, plan.delay_ms, plan.pause_ms,
				 plan.credit_ms, cases[i].give_up, cases[i].delay_ms,
				 cases[i].pause_ms, cases[i].credit_ms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_bounds),
		cmocka_unit_test(test_delay_ends_and_cap),
		cmocka_unit_test(test_retry_after_delta),
		cmocka_unit_test(test_retry_after_date),
		cmocka_unit_test(test_retry_after_garbage),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
