/* test_clock.c - unit tests of broker/base/clock.c: the monotonic clocks
 * agree with each other and never go back, wall seconds match time(2), and
 * the ISO timestamp has its fixed shape. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <time.h>

#include "testutil.h"
#include "base/clock.h"

static void test_monotonic(void **state)
{
	long long ms = kt_clock_mono_ms(), us = kt_clock_mono_us();
	long long ms2, us2;

	(void)state;
	ms2 = kt_clock_mono_ms();
	us2 = kt_clock_mono_us();
	assert_true(ms2 >= ms);
	assert_true(us2 >= us);
	/* Both read the same clock: us / 1000 is within a second of ms. */
	assert_true(us / 1000 - ms < 1000 && ms - us / 1000 < 1000);
}

static void test_wall(void **state)
{
	long long before = (long long)time(NULL), now = kt_clock_wall_s();

	(void)state;
	/* time(2) may read a coarse clock a tick behind: allow its second. */
	assert_true(now >= before && now <= (long long)time(NULL) + 1);
}

static void test_iso(void **state)
{
	/* "2026-12-05T17:00:12.345Z": digits except at these places. */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	char out[KT_CLOCK_ISO_LEN + 1];

	(void)state;
	assert_ptr_equal(kt_clock_wall_iso(out), out);
	assert_int_equal(strlen(out), KT_CLOCK_ISO_LEN);
	for (size_t i = 0; i < KT_CLOCK_ISO_LEN; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)out[i]) : out[i] != shape[i])
			fail_msg("\"%s\" is not shaped like \"%s\"", out, shape);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_wall),
		cmocka_unit_test(test_iso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
