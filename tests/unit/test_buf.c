/* test_buf.c - unit tests of broker/base/buf.c: adds up to the maximum and
 * not one byte past it, the sticky failure, printf-style adds, detaching,
 * and array growth. Table-driven over sequences of adds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/buf.h"
#include "keten/err.h"

static void test_adds(void **state)
{
	static const struct {
		size_t max;
		const char *adds[4];
		int rc[4];
		const char *want;      /* content after the adds */
		int failed;
	} cases[] = {
		{ 10, { "abc", "def" }, { KT_OK, KT_OK }, "abcdef", 0 },
		{ 6, { "abc", "def" }, { KT_OK, KT_OK }, "abcdef", 0 },
		{ 5, { "abc", "def" }, { KT_OK, KT_ERR }, "abc", 1 },
		{ 5, { "abc", "def", "g" }, { KT_OK, KT_ERR, KT_ERR }, "abc", 1 },
		{ 0, { "", "a" }, { KT_OK, KT_ERR }, "", 1 },
		{ 3, { "abcd" }, { KT_ERR }, "", 1 },
		{ 1000, { "", "", "x" }, { KT_OK, KT_OK, KT_OK }, "x", 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_buf b;

		kt_buf_init(&b, cases[i].max);
		for (size_t k = 0; k < 4 && cases[i].adds[k]; k++)
			if (kt_buf_adds(&b, cases[i].adds[k]) != cases[i].rc[k])
				fail_msg("case %zu: add %zu gave the wrong answer", i, k);
		assert_string_equal(kt_buf_str(&b), cases[i].want);
		assert_int_equal(b.len, strlen(cases[i].want));
		assert_int_equal(b.failed, cases[i].failed);
		assert_true(b.len <= b.max);
		kt_buf_release(&b);
		assert_null(b.data);
		assert_int_equal(b.max, cases[i].max);
	}
}

static void test_growth(void **state)
{
	struct kt_buf b;
	char *s;

	(void)state;
	kt_buf_init(&b, 100000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(kt_buf_add(&b, "0123456789", 10), KT_OK);
	assert_int_equal(b.len, 100000);
	assert_int_equal(kt_buf_add(&b, "x", 1), KT_ERR);
	assert_true(b.cap <= 100001);
	assert_int_equal(kt_buf_str(&b)[99999], '9');
	s = kt_buf_detach(&b);
	assert_null(s); /* a failed buffer gives nothing */
	assert_int_equal(b.len, 0);
	assert_int_equal(b.failed, 0);
	assert_int_equal(kt_buf_adds(&b, "again"), KT_OK);
	s = kt_buf_detach(&b);
	assert_string_equal(s, "again");
	free(s);
	assert_string_equal(kt_buf_str(&b), "");
	assert_null(kt_buf_detach(&b));
}

static void test_addf(void **state)
{
	struct kt_buf b;

	(void)state;
	kt_buf_init(&b, 12);
	assert_int_equal(kt_buf_addf(&b, "%s-%d", "ab", 42), KT_OK);
	assert_int_equal(kt_buf_addf(&b, ", %zu", (size_t)7), KT_OK);
	assert_string_equal(kt_buf_str(&b), "ab-42, 7");
	assert_int_equal(kt_buf_addf(&b, "%s", "12345"), KT_ERR);
	assert_string_equal(kt_buf_str(&b), "ab-42, 7");
	kt_buf_release(&b);
}

static void test_array_grow(void **state)
{
	int *arr = NULL, *p;
	size_t cap = 0;

	(void)state;
	for (size_t n = 0; n < 100; n++) {
		p = kt_array_grow(arr, &cap, n, sizeof(*arr));
		assert_non_null(p);
		arr = p;
		arr[n] = (int)n;
		assert_true(cap > n);
	}
	assert_int_equal(cap, 128);
	assert_int_equal(arr[99], 99);
	assert_null(kt_array_grow(arr, &cap, cap, (size_t)-1 / 8));
	assert_int_equal(cap, 128);
	free(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adds),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_addf),
		cmocka_unit_test(test_array_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
