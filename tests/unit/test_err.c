/* test_err.c - unit tests of broker/base/err.c: details beyond
 * KT_ERR_DETAILS_MAX are counted in one last detail, a long path is cut
 * on a character boundary, and release clears the count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "keten/err.h"

static const char *detail(const struct kt_err *e, size_t i, const char *member)
{
	return json_string_value(json_object_get(json_array_get(e->details, i), member));
}

static void test_details_capped(void **state)
{
	struct kt_err e = {0};

	(void)state;
	for (int i = 0; i < KT_ERR_DETAILS_MAX; i++)
		kt_err_detail(&e, "/a", "problem %d", i);
	assert_int_equal(json_array_size(e.details), KT_ERR_DETAILS_MAX);
	assert_string_equal(detail(&e, KT_ERR_DETAILS_MAX - 1, "message"), "problem 99");
	kt_err_detail(&e, "/b", "problem 100");
	assert_int_equal(json_array_size(e.details), KT_ERR_DETAILS_MAX + 1);
	assert_string_equal(detail(&e, KT_ERR_DETAILS_MAX, "path"), "");
	assert_string_equal(detail(&e, KT_ERR_DETAILS_MAX, "message"),
			    "1 more problem(s) not shown");
	for (int i = 0; i < 4999; i++)
		kt_err_detail(&e, "/c", "more");
	assert_int_equal(json_array_size(e.details), KT_ERR_DETAILS_MAX + 1);
	assert_string_equal(detail(&e, KT_ERR_DETAILS_MAX, "message"),
			    "5000 more problem(s) not shown");
	kt_err_release(&e);
	assert_null(e.details);
	kt_err_detail(&e, "/d", "after release");
	assert_int_equal(json_array_size(e.details), 1);
	assert_int_equal(e.details_not_shown, 0);
	kt_err_release(&e);
}

static void test_long_path_cut(void **state)
{
	struct kt_err e = {0};
	char path[4096];
	size_t n;

	(void)state;
	/* "/" then "é" (2 bytes) again and again: byte 256 falls inside one */
	path[0] = '/';
	for (n = 1; n + 2 < sizeof(path); n += 2)
		memcpy(path + n, "\xc3\xa9", 2);
	path[n] = '\0';
	kt_err_detail(&e, path, "unknown member");
	const char *got = detail(&e, 0, "path");
	assert_non_null(got);
	assert_true(strlen(got) <= KT_ERR_PATH_MAX + 3);
	assert_true(strlen(got) >= KT_ERR_PATH_MAX - 1 + 3);
	assert_string_equal(got + strlen(got) - 3, "...");
	assert_memory_equal(got, path, strlen(got) - 3);
	kt_err_detail(&e, "/short", "kept whole");
	assert_string_equal(detail(&e, 1, "path"), "/short");
	kt_err_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_details_capped),
		cmocka_unit_test(test_long_path_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
