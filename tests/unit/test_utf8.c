/* test_utf8.c - unit tests of broker/base/utf8.c: one character's validity
 * (every lead byte range, overlong forms, surrogates, the U+10FFFF limit,
 * cut sequences), cutting at a boundary, trimming what a truncating
 * snprintf left, and a value shown in a message. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/utf8.h"

static void test_char(void **state)
{
	static const struct {
		const char *s;
		size_t n;        /* bytes available */
		size_t want;
	} cases[] = {
		{ "a", 1, 1 },
		{ "", 1, 0 },                       /* NUL */
		{ "a", 0, 0 },                      /* nothing left */
		{ "\xc3\xa9", 2, 2 },               /* é */
		{ "\xc3\xa9", 1, 0 },               /* cut */
		{ "\xc0\xaf", 2, 0 },               /* overlong / */
		{ "\xc1\xbf", 2, 0 },
		{ "\x80", 1, 0 },                   /* lone continuation */
		{ "\xe2\x82\xac", 3, 3 },           /* € */
		{ "\xe2\x82\xac", 2, 0 },
		{ "\xe0\x9f\xbf", 3, 0 },           /* overlong 3-byte */
		{ "\xe0\xa0\x80", 3, 3 },
		{ "\xed\x9f\xbf", 3, 3 },           /* U+D7FF */
		{ "\xed\xa0\x80", 3, 0 },           /* surrogate U+D800 */
		{ "\xe2\x82\x41", 3, 0 },           /* bad continuation */
		{ "\xf0\x9f\x98\x80", 4, 4 },       /* U+1F600 */
		{ "\xf0\x8f\xbf\xbf", 4, 0 },       /* overlong 4-byte */
		{ "\xf4\x8f\xbf\xbf", 4, 4 },       /* U+10FFFF */
		{ "\xf4\x90\x80\x80", 4, 0 },       /* above U+10FFFF */
		{ "\xf5\x80\x80\x80", 4, 0 },
		{ "\xff", 1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		size_t got = kt_utf8_char((const unsigned char *)cases[i].s, cases[i].n);

		if (got != cases[i].want)
			fail_msg("case %zu: kt_utf8_char = %zu, want %zu", i, got, cases[i].want);
	}
}

static void test_cut(void **state)
{
	/* "aé€😀": a at 0, é at 1-2, € at 3-5, 😀 at 6-9. */
	static const char s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	static const struct { size_t max, want; } cases[] = {
		{ 0, 0 }, { 1, 1 }, { 2, 1 }, { 3, 3 }, { 4, 3 }, { 5, 3 }, { 6, 6 },
		{ 7, 6 }, { 8, 6 }, { 9, 6 }, { 10, 10 }, { 99, 10 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		if (kt_utf8_cut(s, sizeof(s) - 1, cases[i].max) != cases[i].want)
			fail_msg("cut at %zu: %zu, want %zu", cases[i].max,
				 kt_utf8_cut(s, sizeof(s) - 1, cases[i].max), cases[i].want);
}

static void test_trim(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "ab\xc3\xa9", "ab\xc3\xa9" },
		{ "ab\xc3", "ab" },
		{ "ab\xe2\x82", "ab" },
		{ "ab\xe2", "ab" },
		{ "ab\xf0\x9f\x98", "ab" },
		{ "ab\xf0\x9f\x98\x80", "ab\xf0\x9f\x98\x80" },
		{ "\x80\x80", "\x80\x80" },   /* no lead byte: left alone */
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		kt_utf8_trim(buf);
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_shown(void **state)
{
	char buf[72], small[8];
	char long_s[100];

	(void)state;
	assert_string_equal(kt_utf8_shown(buf, sizeof(buf), "acme", 64), "acme");
	memset(long_s, 'x', sizeof(long_s) - 1);
	long_s[sizeof(long_s) - 1] = '\0';
	kt_utf8_shown(buf, sizeof(buf), long_s, 64);
	assert_int_equal(strlen(buf), 67);
	assert_string_equal(buf + 64, "...");
	/* "aé" cut at 2 bytes backs over é's lead byte. */
	assert_string_equal(kt_utf8_shown(buf, sizeof(buf), "a\xc3\xa9z", 2), "a...");
	/* The buffer bounds max too. */
	assert_string_equal(kt_utf8_shown(small, sizeof(small), "abcdefghij", 64), "abcd...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_char),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
