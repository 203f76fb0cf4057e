/* test_key_cache.c - unit tests of broker/http/key_cache.c: a kept
 * principal is found only by its hash and only for ttl_ms from when it was
 * kept (hits do not extend it), a zero ttl keeps nothing, clear forgets
 * all, and two hashes in one slot replace each other without mixing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "http/key_cache.h"

static void hash_of(unsigned char h[KT_KEY_HASH_LEN], unsigned char a, unsigned char b,
		    unsigned char last)
{
	memset(h, 7, KT_KEY_HASH_LEN);
	h[0] = a;
	h[1] = b;
	h[KT_KEY_HASH_LEN - 1] = last;
}

static void test_ttl(void **state)
{
	struct kt_key_cache *c = kt_key_cache_new(5000);
	struct kt_principal p = { .role = KT_ROLE_CUSTOMER }, got;
	unsigned char h[KT_KEY_HASH_LEN], other[KT_KEY_HASH_LEN];

	(void)state;
	snprintf(p.customer_id, sizeof(p.customer_id), "c1");
	hash_of(h, 1, 2, 3);
	hash_of(other, 1, 2, 4);
	assert_int_equal(kt_key_cache_get(c, h, 1000, &got), 0);
	kt_key_cache_put(c, h, &p, 1000);
	assert_int_equal(kt_key_cache_get(c, h, 1000, &got), 1);
	assert_string_equal(got.customer_id, "c1");
	assert_int_equal(kt_key_cache_get(c, h, 5999, &got), 1);
	assert_int_equal(kt_key_cache_get(c, h, 6000, &got), 0);
	assert_int_equal(kt_key_cache_get(c, h, 999, &got), 0);    /* clock before the put */
	assert_int_equal(kt_key_cache_get(c, other, 2000, &got), 0); /* same slot, other key */
	kt_key_cache_put(c, other, &p, 2000);
	assert_int_equal(kt_key_cache_get(c, h, 2000, &got), 0);    /* replaced */
	assert_int_equal(kt_key_cache_get(c, other, 2000, &got), 1);
	kt_key_cache_clear(c);
	assert_int_equal(kt_key_cache_get(c, other, 2000, &got), 0);
	kt_key_cache_free(c);
}

static void test_off(void **state)
{
	struct kt_key_cache *c = kt_key_cache_new(0);
	struct kt_principal p = { .role = KT_ROLE_INTEGRATOR }, got;
	unsigned char h[KT_KEY_HASH_LEN];

	(void)state;
	hash_of(h, 9, 9, 9);
	kt_key_cache_put(c, h, &p, 10);
	assert_int_equal(kt_key_cache_get(c, h, 10, &got), 0);
	assert_int_equal(kt_key_cache_get(NULL, h, 10, &got), 0);
	kt_key_cache_put(NULL, h, &p, 10);
	kt_key_cache_clear(NULL);
	kt_key_cache_free(c);
	kt_key_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
