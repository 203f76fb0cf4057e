/* test_throttle.c - unit tests of http/throttle.c and http/admit.c: a
 * bucket admits its burst at once and one more per 1/rate seconds, says
 * how long to wait (whole seconds, at least 1), never goes over its burst,
 * keeps callers apart, stays bounded when more callers come than it has
 * room for; peek takes nothing; a rate of 0 is no limit; the admission
 * rules pick the role's rate and answer 429 "rate_limited"; IPv6 clients
 * share their /64. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "http/admit.h"
#include "http/status.h"
#include "http/throttle.h"

/* name's bucket admits exactly n takes at now_ms, then refuses. */
static void admits(struct kt_throttle *t, const char *name, struct kt_rate r,
		   long long now_ms, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(kt_throttle_take(t, name, r, now_ms), 0);
	assert_int_not_equal(kt_throttle_take(t, name, r, now_ms), 0);
}

static void test_burst_then_refill(void **state)
{
	struct kt_throttle *t = kt_throttle_new(16);
	struct kt_rate r = { 2, 5 };

	(void)state;
	admits(t, "k:a", r, 1000, 5);
	assert_int_equal(kt_throttle_take(t, "k:a", r, 1000), 1);
	/* Refused takes take nothing: half a second later one token is back. */
	assert_int_equal(kt_throttle_take(t, "k:a", r, 1499), 1);
	admits(t, "k:a", r, 1500, 1);
	/* Never more than the burst, however long it rested. */
	admits(t, "k:a", r, 10000000, 5);
	kt_throttle_free(t);
}

static void test_wait_seconds(void **state)
{
	struct kt_throttle *t = kt_throttle_new(4);
	struct kt_rate slow = { 1, 1 };

	(void)state;
	assert_int_equal(kt_throttle_take(t, "a:x", slow, 0), 0);
	assert_int_equal(kt_throttle_take(t, "a:x", slow, 0), 1);
	assert_int_equal(kt_throttle_peek(t, "a:x", slow, 999), 1);
	assert_int_equal(kt_throttle_peek(t, "a:x", slow, 1000), 0);
	/* peek took nothing. */
	assert_int_equal(kt_throttle_take(t, "a:x", slow, 1000), 0);
	kt_throttle_free(t);
}

static void test_callers_apart_and_unlimited(void **state)
{
	struct kt_throttle *t = kt_throttle_new(1);
	struct kt_rate r = { 1, 2 }, off = { 0, 1 };

	(void)state;
	admits(t, "k:a", r, 0, 2);
	admits(t, "k:b", r, 0, 2);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(kt_throttle_take(t, "k:c", off, 0), 0);
	assert_int_equal(kt_throttle_take(NULL, "k:a", r, 0), 0);
	kt_throttle_free(t);
	kt_throttle_free(NULL);
}

/* One set of 8: a ninth caller reuses the fullest bucket, so a caller in
 * debt keeps its debt while fresh callers come and go. */
static void test_bounded_keeps_debtors(void **state)
{
	struct kt_throttle *t = kt_throttle_new(1);
	struct kt_rate r = { 1, 1 };
	char name[32];

	(void)state;
	assert_int_equal(kt_throttle_take(t, "k:debtor", r, 0), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "k:%d", i);
		kt_throttle_peek(t, name, r, 0);
	}
	assert_int_equal(kt_throttle_take(t, "k:debtor", r, 0), 1);
	kt_throttle_free(t);
}

static void test_admit(void **state)
{
	struct kt_throttle *t = kt_throttle_new(64);
	struct kt_config cfg;
	struct kt_principal p = { .role = KT_ROLE_CUSTOMER, .key_id = "k1" };
	struct kt_err err = { 0 };
	char name[KT_ADMIT_ADDR_MAX];
	int retry = 0;

	(void)state;
	kt_config_init(&cfg);
	cfg.rate_customer_per_s = 1;
	cfg.rate_customer_burst = 1;
	cfg.rate_integrator_per_s = 0;
	cfg.rate_address_per_s = 1;
	cfg.rate_address_burst = 1;
	assert_int_equal(kt_admit_key(t, &cfg, &p, 0, &retry, &err), KT_OK);
	assert_int_equal(kt_admit_key(t, &cfg, &p, 0, &retry, &err), KT_ERR);
	assert_int_equal(kt_http_status_of(err.cls), 429);
	assert_string_equal(err.code, "rate_limited");
	assert_int_equal(retry, 1);
	kt_err_release(&err);
	p.role = KT_ROLE_INTEGRATOR;
	for (int i = 0; i < 100; i++)
		assert_int_equal(kt_admit_key(t, &cfg, &p, 0, &retry, &err), KT_OK);
	kt_admit_address_name("2001:db8:1:2:aaaa::1", name);
	assert_string_equal(name, "a:2001:db8:1:2::/64");
	assert_int_equal(kt_admit_address(t, &cfg, name, 0, 0, &retry, &err), KT_OK);
	assert_int_equal(kt_admit_address(t, &cfg, name, 1, 0, &retry, &err), KT_OK);
	kt_admit_address_name("2001:db8:1:2:bbbb::9", name);
	assert_int_equal(kt_admit_address(t, &cfg, name, 0, 0, &retry, &err), KT_ERR);
	kt_err_release(&err);
	kt_admit_address_name("192.0.2.7", name);
	assert_string_equal(name, "a:192.0.2.7");
	assert_int_equal(kt_admit_address(t, &cfg, name, 1, 0, &retry, &err), KT_OK);
	kt_config_release(&cfg);
	kt_throttle_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refill),
		cmocka_unit_test(test_wait_seconds),
		cmocka_unit_test(test_callers_apart_and_unlimited),
		cmocka_unit_test(test_bounded_keeps_debtors),
		cmocka_unit_test(test_admit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
