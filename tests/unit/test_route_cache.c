/* test_route_cache.c - unit tests of the route plan cache's key
 * (broker/store/rule_route_cache.c): every member of the ask and the
 * caller's scope makes a key of its own, a missing member differs from an
 * empty or dash-like one, members cannot run into each other, the prefix
 * names only the service, and a key too long for the buffer is none (the
 * ticket is then planned each time). The TTL, the epoch and the shared
 * references are base/memo.c's (test_memo.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "store/rule_route_cache.h"

#define SERVICE "5f0c1d2e-0000-4000-8000-000000000001"

static const char *key(struct kt_route_lookup *lk, const char *customer,
		       const char *type, const char *component, const char *category,
		       const char *ci)
{
	const struct kt_route_ask ask = { type, component, category, ci };

	kt_store_route_cache_key(lk, SERVICE, customer, &ask);
	return lk->key;
}

static void test_members_distinct(void **state)
{
	static struct kt_route_lookup lk[12];
	const char *k[12];

	(void)state;
	k[0] = key(&lk[0], NULL, "incident", "vpn", NULL, NULL);
	k[1] = key(&lk[1], "c1", "incident", "vpn", NULL, NULL);     /* scope */
	k[2] = key(&lk[2], NULL, "request", "vpn", NULL, NULL);      /* type */
	k[3] = key(&lk[3], NULL, "incident", "hosting", NULL, NULL); /* component */
	k[4] = key(&lk[4], NULL, "incident", "vpn", "net", NULL);    /* category */
	k[5] = key(&lk[5], NULL, "incident", "vpn", NULL, "ci-1");   /* ci */
	k[6] = key(&lk[6], NULL, "incident", NULL, "vpn", NULL);     /* same text, other member */
	k[7] = key(&lk[7], NULL, "incident", "", NULL, NULL);        /* empty is not missing */
	k[8] = key(&lk[8], NULL, "incident", "-", NULL, NULL);       /* nor a dash */
	k[9] = key(&lk[9], NULL, "incident", "vpn+3:x", NULL, NULL); /* no running into */
	k[10] = key(&lk[10], NULL, "incident", "vpn", "+1:x", NULL);
	k[11] = key(&lk[11], NULL, "incident", "vpn", NULL, NULL);   /* the same ask again */
	for (int i = 0; i < 11; i++) {
		assert_true(k[i][0] != '\0');
		for (int j = i + 1; j < 11; j++)
			assert_string_not_equal(k[i], k[j]);
	}
	assert_string_equal(k[0], k[11]);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(lk[i].service_len, strlen("+36:" SERVICE));
		assert_memory_equal(lk[i].key, "+36:" SERVICE, lk[i].service_len);
	}
}

static void test_too_long(void **state)
{
	static struct kt_route_lookup lk;
	static char ci[KT_ROUTE_KEY_MAX];

	(void)state;
	memset(ci, 'x', sizeof(ci) - 1);
	assert_string_equal(key(&lk, NULL, "incident", NULL, NULL, ci), "");
	ci[sizeof(ci) - 100] = '\0';
	assert_true(strlen(key(&lk, NULL, "incident", NULL, NULL, ci)) > sizeof(ci) - 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_distinct),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
