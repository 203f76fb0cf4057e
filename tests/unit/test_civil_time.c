/* test_civil_time.c - unit tests of broker/base/civil_time.c: the date-time
 * forms suppliers write (offsets, fractions, ServiceNow/RT's space form),
 * impossible dates refused, and formatting back to UTC across centuries,
 * leap days and before 1970. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/civil_time.h"

static void test_parse(void **state)
{
	static const struct {
		const char *s;
		int ok;
		long long want;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 1, 0 },
		{ "2024-05-01T10:00:00Z", 1, 1714557600 },
		{ "2024-05-01T12:00:00+02:00", 1, 1714557600 },
		{ "2024-05-01T05:30:00-0430", 1, 1714557600 },
		{ "2024-05-01T10:00:00.123456Z", 1, 1714557600 },
		{ "2024-05-01 10:00:00", 1, 1714557600 },
		{ "2024-02-29T00:00:00Z", 1, 1709164800 },
		{ "2023-02-29T00:00:00Z", 0, 0 },
		{ "2024-13-01T00:00:00Z", 0, 0 },
		{ "2024-05-01T24:00:00Z", 0, 0 },
		{ "2024-05-01T10:00:00", 0, 0 },         /* T form needs an offset */
		{ "2024-05-01 10:00:00Z", 0, 0 },        /* space form has none */
		{ "2024-05-01T10:00:00+2:00", 0, 0 },
		{ "2024-05-01T10:00:00.Z", 0, 0 },
		{ "2024-05-01", 0, 0 },
		{ "2024", 0, 0 },                        /* read no further than its end */
		{ "2024-05-01T10:00:00+2", 0, 0 },
		{ "2024-05-01T10:00:00+02:0", 0, 0 },
		{ "2024-05-01T10:00:00+02:000", 0, 0 },
		{ "", 0, 0 },
		{ "garbage at all here!!", 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long got = -1;
		int rc = kt_time_parse(cases[i].s, &got);

		if (cases[i].ok != (rc == 0))
			fail_msg("\"%s\": rc %d", cases[i].s, rc);
		if (cases[i].ok && got != cases[i].want)
			fail_msg("\"%s\": %lld, want %lld", cases[i].s, got, cases[i].want);
	}
	assert_int_equal(kt_time_parse(NULL, &(long long){ 0 }), -1);
}

static void test_date_parse(void **state)
{
	long long days = -1;

	(void)state;
	assert_int_equal(kt_civil_date_parse("1970-01-01", &days), 0);
	assert_int_equal(days, 0);
	assert_int_equal(kt_civil_date_parse("2024-02-29", &days), 0);
	assert_int_equal(days, 19782);
	assert_int_equal(kt_civil_date_parse("2026-12-25", NULL), 0);
	assert_int_equal(kt_civil_date_parse("2023-02-29", &days), -1);
	assert_int_equal(kt_civil_date_parse("2026-13-01", &days), -1);
	assert_int_equal(kt_civil_date_parse("2026-12-25T", &days), -1);
	assert_int_equal(kt_civil_date_parse("2026-1-25", &days), -1);
	assert_int_equal(kt_civil_date_parse("", &days), -1);
	assert_int_equal(kt_civil_date_parse(NULL, &days), -1);
}

static void test_format_round_trip(void **state)
{
	static const long long at[] = { 0, 1714557600, 1709164800, 951782400, 4102444800LL,
					-86400, -1, 253402300799LL };
	static const char *const want[] = {
		"1970-01-01T00:00:00Z", "2024-05-01T10:00:00Z", "2024-02-29T00:00:00Z",
		"2000-02-29T00:00:00Z", "2100-01-01T00:00:00Z", "1969-12-31T00:00:00Z",
		"1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z",
	};
	char buf[KT_TIME_UTC_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		long long back = 0;

		kt_time_format_utc(at[i], buf);
		assert_string_equal(buf, want[i]);
		assert_int_equal(kt_time_parse(buf, &back), 0);
		assert_true(back == at[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_format_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
