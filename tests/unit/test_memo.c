/* test_memo.c - unit tests of broker/base/memo.c: a value is found only by
 * its own key and only for ttl_ms from when it was kept (an injected
 * clock; hits do not extend it); every reader holds its own reference, so
 * a value replaced or dropped while read lives until its reader is done,
 * and every reference taken is given back; a value computed before a
 * clear is refused; forget drops one prefix's keys; ttl 0 keeps nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/memo.h"

/* A counted value: refs and whether the last reference went. */
struct val {
	int refs, freed, id;
};

static void ref(void *v)
{
	((struct val *)v)->refs++;
}

static void unref(void *v)
{
	struct val *x = v;

	assert_true(x->refs > 0);
	if (--x->refs == 0)
		x->freed = 1;
}

static void test_ttl_and_keys(void **state)
{
	struct kt_memo *m = kt_memo_new(64, 5000, ref, unref);
	struct val a = { 1, 0, 1 };
	struct val *got;

	(void)state;
	assert_null(kt_memo_get(m, "svc-1|x", 1000));
	assert_int_equal(kt_memo_put(m, "svc-1|x", &a, kt_memo_epoch(m), 1000), 1);
	assert_int_equal(a.refs, 2);                      /* ours and the memo's */
	got = kt_memo_get(m, "svc-1|x", 5999);
	assert_ptr_equal(got, &a);
	assert_int_equal(a.refs, 3);
	unref(got);
	assert_null(kt_memo_get(m, "svc-1|x", 6000));     /* too old */
	assert_null(kt_memo_get(m, "svc-1|x", 999));      /* clock before the put */
	assert_null(kt_memo_get(m, "svc-1|y", 2000));     /* another key */
	assert_null(kt_memo_get(m, "svc-1|", 2000));      /* a prefix is no key */
	kt_memo_free(m);
	assert_int_equal(a.refs, 1);
	assert_int_equal(a.freed, 0);
}

static void test_replace_while_read(void **state)
{
	/* One slot: every key collides and replaces. */
	struct kt_memo *m = kt_memo_new(1, 5000, ref, unref);
	struct val a = { 1, 0, 1 }, b = { 1, 0, 2 };
	struct val *got;

	(void)state;
	kt_memo_put(m, "a", &a, 0, 10);
	unref(&a);                                        /* the maker is done */
	got = kt_memo_get(m, "a", 20);
	kt_memo_put(m, "b", &b, 0, 20);
	unref(&b);
	assert_false(a.freed);                            /* still read */
	assert_int_equal(got->id, 1);
	unref(got);
	assert_true(a.freed);
	assert_null(kt_memo_get(m, "a", 30));
	got = kt_memo_get(m, "b", 30);
	assert_ptr_equal(got, &b);
	unref(got);
	kt_memo_free(m);
	assert_true(b.freed);
}

static void test_epoch_forget_clear(void **state)
{
	struct kt_memo *m = kt_memo_new(256, 60000, ref, unref);
	struct val a = { 1, 0, 1 }, b = { 1, 0, 2 }, c = { 1, 0, 3 };
	unsigned long long before = kt_memo_epoch(m);
	struct val *got;

	(void)state;
	kt_memo_put(m, "s1|a", &a, before, 0);
	kt_memo_put(m, "s2|a", &b, before, 0);
	kt_memo_forget(m, "s1|");
	assert_null(kt_memo_get(m, "s1|a", 1));
	assert_int_equal(a.refs, 1);
	got = kt_memo_get(m, "s2|a", 1);
	assert_ptr_equal(got, &b);
	unref(got);
	/* a notice while c was computed: c is not kept, b is gone */
	kt_memo_clear(m);
	assert_int_equal(kt_memo_put(m, "s3|a", &c, before, 2), 0);
	assert_int_equal(c.refs, 1);
	assert_null(kt_memo_get(m, "s2|a", 2));
	assert_int_equal(b.refs, 1);
	assert_int_equal(kt_memo_put(m, "s3|a", &c, kt_memo_epoch(m), 2), 1);
	kt_memo_free(m);
	assert_int_equal(c.refs, 1);
}

static void test_off(void **state)
{
	struct kt_memo *m = kt_memo_new(8, 0, ref, unref);
	struct val a = { 1, 0, 1 };

	(void)state;
	assert_int_equal(kt_memo_put(m, "k", &a, 0, 0), 0);
	assert_null(kt_memo_get(m, "k", 0));
	assert_int_equal(a.refs, 1);
	assert_null(kt_memo_get(NULL, "k", 0));
	assert_int_equal(kt_memo_put(NULL, "k", &a, 0, 0), 0);
	assert_int_equal(kt_memo_epoch(NULL), 0);
	kt_memo_forget(NULL, "k");
	kt_memo_clear(NULL);
	kt_memo_free(m);
	kt_memo_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_and_keys),
		cmocka_unit_test(test_replace_while_read),
		cmocka_unit_test(test_epoch_forget_clear),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
