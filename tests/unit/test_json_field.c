/* test_json_field.c - unit tests of broker/base/json_field.c: bounded text
 * (every edge of min..max and every non-string type), text members with
 * their details, unknown members at escaped JSON pointers, and the shape of
 * a uuid. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/json_field.h"

static void test_is_text(void **state)
{
	static const struct {
		const char *json;
		size_t min, max;
		int want;
	} cases[] = {
		{ "\"a\"", 1, 1, 1 },
		{ "\"\"", 1, 5, 0 },
		{ "\"\"", 0, 5, 1 },
		{ "\"abcde\"", 1, 5, 1 },
		{ "\"abcdef\"", 1, 5, 0 },
		{ "\"\\u00e9\"", 1, 1, 0 },      /* 2 bytes */
		{ "\"\\u00e9\"", 1, 2, 1 },
		{ "\"a\\u0000b\"", 1, 3, 1 },    /* bytes, NUL included */
		{ "1", 0, 5, 0 },
		{ "null", 0, 5, 0 },
		{ "true", 0, 5, 0 },
		{ "[\"a\"]", 0, 5, 0 },
		{ "{}", 0, 5, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

		assert_non_null(v);
		if (kt_json_is_text(v, cases[i].min, cases[i].max) != cases[i].want)
			fail_msg("kt_json_is_text(%s, %zu, %zu) != %d", cases[i].json,
				 cases[i].min, cases[i].max, cases[i].want);
		json_decref(v);
	}
	assert_int_equal(kt_json_is_text(NULL, 0, 5), 0);
}

static void test_text_member(void **state)
{
	static const struct {
		const char *body;
		int required;
		const char *want;          /* value, or NULL */
		const char *detail;        /* message of the one detail, or NULL */
	} cases[] = {
		{ "{\"x\": \"abc\"}", 1, "abc", NULL },
		{ "{}", 1, NULL, "is required" },
		{ "{}", 0, NULL, NULL },
		{ "{\"x\": null}", 1, NULL, "is required" },
		{ "{\"x\": null}", 0, NULL, NULL },
		{ "{\"x\": 3}", 0, NULL, "must be a string" },
		{ "{\"x\": \"\"}", 0, NULL, "must be 1 to 4 bytes long" },
		{ "{\"x\": \"abcde\"}", 1, NULL, "must be 1 to 4 bytes long" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *body = json_loads(cases[i].body, 0, NULL);
		struct kt_err err = { 0 };
		const char *got = kt_json_text_member(body, "x", cases[i].required, 1, 4, &err);

		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
		if (cases[i].detail) {
			json_t *d = json_array_get(err.details, 0);

			assert_int_equal(json_array_size(err.details), 1);
			assert_string_equal(json_string_value(json_object_get(d, "path")), "/x");
			assert_string_equal(json_string_value(json_object_get(d, "message")),
					    cases[i].detail);
		} else {
			assert_null(err.details);
		}
		kt_err_release(&err);
		json_decref(body);
	}
}

static void test_unknown_members(void **state)
{
	static const char *const known[] = { "a", "b" };
	json_t *body = json_loads("{\"a\": 1, \"x/y\": 2, \"b\": 3, \"t~\": 4}",
				  JSON_PRESERVE_ORDER, NULL);
	struct kt_err err = { 0 };

	(void)state;
	kt_json_unknown_members(body, known, N_ELEMS(known), "a field", &err);
	assert_int_equal(json_array_size(err.details), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(err.details, 0),
							      "path")), "/x~1y");
	assert_string_equal(json_string_value(json_object_get(json_array_get(err.details, 1),
							      "path")), "/t~0");
	assert_string_equal(json_string_value(json_object_get(json_array_get(err.details, 1),
							      "message")), "is not a field");
	kt_err_release(&err);
	json_decref(body);
}

static void test_is_uuid(void **state)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{ "5e000000-0000-4000-8000-000000000005", 1 },
		{ "00000000-0000-0000-0000-000000000000", 1 },
		{ "ffffffff-ffff-ffff-ffff-ffffffffffff", 1 },
		{ "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", 1 },
		{ "0123abcd-89ef-4567-89ab-cdef01234567", 1 },
		{ "", 0 },
		{ "5e000000-0000-4000-8000-00000000000", 0 },
		{ "5e000000-0000-4000-8000-0000000000055", 0 },
		{ "5e000000000040008000000000000005abcd", 0 },
		{ "5e0000000-000-4000-8000-000000000005", 0 },
		{ "5e000000-00000-400-8000-000000000005", 0 },
		{ "5e000000-0000-40000-800-000000000005", 0 },
		{ "5e000000-0000-4000-80000-00000000005", 0 },
		{ "5e000000_0000_4000_8000_000000000005", 0 },
		{ "5e000000-0000-4000-8000-00000000000g", 0 },
		{ "g5e00000-0000-4000-8000-000000000005", 0 },
		{ " 5e00000-0000-4000-8000-000000000005", 0 },
		{ "5e000000-0000-4000-8000-00000000000 ", 0 },
		{ "{e000000-0000-4000-8000-000000000005", 0 },
		{ "5e000000-0000-4000-8000-0000000000\xc3\xa9", 0 },
		{ "------------------------------------", 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		if (kt_is_uuid(cases[i].s) != cases[i].want)
			fail_msg("kt_is_uuid(\"%s\") = %d, want %d", cases[i].s,
				 kt_is_uuid(cases[i].s), cases[i].want);
	assert_int_equal(kt_is_uuid(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_text),
		cmocka_unit_test(test_text_member),
		cmocka_unit_test(test_unknown_members),
		cmocka_unit_test(test_is_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
