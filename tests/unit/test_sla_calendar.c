/* test_sla_calendar.c - unit tests of broker/sla/: TZif files of the
 * system's tz database (table and footer rule), bad zone files refused,
 * and business time in Europe/Amsterdam office hours with the hand
 * computation beside each case: a night, a weekend, the DST switch both
 * ways, a holiday, a pause, a reopen and a priority change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/civil_time.h"
#include "sla/calendar.h"
#include "sla/clock.h"
#include "sla/tzif.h"

#define H 3600LL

/* Unix time of a UTC civil time. */
static long long utc(int y, int mo, int d, int h, int mi)
{
	return kt_civil_days(y, mo, d) * 86400 + h * H + mi * 60LL;
}

static struct kt_tz ams;

static int setup(void **state)
{
	struct kt_err err = { 0 };

	(void)state;
	if (kt_tz_load(NULL, "Europe/Amsterdam", &ams, &err) != KT_OK) {
		print_error("%s\n", err.message);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_tz_release(&ams);
	return 0;
}

/* Mon-Fri 08:00-18:00 in Amsterdam, holidays as given. */
static struct kt_calendar office(const long long *holidays, size_t n)
{
	struct kt_calendar cal = {
		.tz = &ams, .days = 0x1f, .from_min = 8 * 60, .to_min = 18 * 60,
		.holidays = holidays, .n_holidays = n,
	};

	return cal;
}

/* Sundays 00:00-24:00 in Amsterdam: a whole local day. */
static struct kt_calendar sundays(void)
{
	struct kt_calendar cal = office(NULL, 0);

	cal.days = 1u << 6;
	cal.from_min = 0;
	cal.to_min = 1440;
	return cal;
}

/* The due time of secs business seconds of cal from start (must exist). */
static long long due_of(const struct kt_calendar *cal, long long start, long long secs)
{
	long long due = -1;

	assert_int_equal(kt_calendar_add(cal, start, secs, NULL, 0, &due), 0);
	return due;
}

static void test_zone_offsets(void **state)
{
	(void)state;
	/* winter +1, summer +2; the switches at 01:00 UTC on the last Sundays
	 * of March and October (2026: the 29th and the 25th) */
	assert_int_equal(kt_tz_offset(&ams, utc(2026, 1, 15, 12, 0)), 3600);
	assert_int_equal(kt_tz_offset(&ams, utc(2026, 3, 29, 0, 59)), 3600);
	assert_int_equal(kt_tz_offset(&ams, utc(2026, 3, 29, 1, 0)), 7200);
	assert_int_equal(kt_tz_offset(&ams, utc(2026, 10, 25, 0, 59)), 7200);
	assert_int_equal(kt_tz_offset(&ams, utc(2026, 10, 25, 1, 0)), 3600);
	/* far past the table: the footer rule (2100: March 28, October 31) */
	assert_int_equal(kt_tz_offset(&ams, utc(2100, 3, 28, 0, 59)), 3600);
	assert_int_equal(kt_tz_offset(&ams, utc(2100, 3, 28, 1, 0)), 7200);
	assert_int_equal(kt_tz_offset(&ams, utc(2100, 10, 31, 1, 0)), 3600);
	/* 1942, under occupation: German summer time all year, from the table */
	assert_int_equal(kt_tz_offset(&ams, utc(1942, 1, 1, 12, 0)), 7200);
}

static void test_local_to_utc(void **state)
{
	(void)state;
	/* an ordinary time: 12:00 CET = 11:00 UTC */
	assert_int_equal(kt_tz_utc_of_local(&ams, utc(2026, 1, 15, 12, 0)),
			 utc(2026, 1, 15, 11, 0));
	/* 02:30 on 2026-03-29 does not exist: read with +1, 01:30 UTC
	 * (= 03:30 CEST) */
	assert_int_equal(kt_tz_utc_of_local(&ams, utc(2026, 3, 29, 2, 30)),
			 utc(2026, 3, 29, 1, 30));
	/* 02:30 on 2026-10-25 happens twice: the first, 00:30 UTC (+2) */
	assert_int_equal(kt_tz_utc_of_local(&ams, utc(2026, 10, 25, 2, 30)),
			 utc(2026, 10, 25, 0, 30));
	/* 10:00 on 2026-10-25, after the switch: +1 */
	assert_int_equal(kt_tz_utc_of_local(&ams, utc(2026, 10, 25, 10, 0)),
			 utc(2026, 10, 25, 9, 0));
}

static void test_nights_and_weekends(void **state)
{
	struct kt_calendar cal = office(NULL, 0);

	(void)state;
	/* Mon 2026-03-02 17:00 CET (16:00 UTC) to Tue 09:00 CET (08:00 UTC):
	 * 17-18 Monday + 08-09 Tuesday = 2 h */
	assert_int_equal(kt_calendar_between(&cal, utc(2026, 3, 2, 16, 0),
					     utc(2026, 3, 3, 8, 0), NULL, 0), 2 * H);
	/* 3 h from Mon 17:00 CET: 1 h on Monday, 2 h on Tuesday from 08:00:
	 * Tue 10:00 CET = 09:00 UTC */
	assert_int_equal(due_of(&cal, utc(2026, 3, 2, 16, 0), 3 * H),
			 utc(2026, 3, 3, 9, 0));
	/* a start at night begins counting at 08:00: Tue 02:00 CET + 1 h =
	 * 09:00 CET = 08:00 UTC */
	assert_int_equal(due_of(&cal, utc(2026, 3, 3, 1, 0), H), utc(2026, 3, 3, 8, 0));
	/* a due time at the very end of the day stays there: Mon 08:00 CET
	 * + 10 h = Mon 18:00 CET, not Tue 08:00 */
	assert_int_equal(due_of(&cal, utc(2026, 3, 2, 7, 0), 10 * H),
			 utc(2026, 3, 2, 17, 0));
	/* the weekend: Fri 2026-03-06 17:00 CET to Mon 2026-03-09 09:00 CET: 1 h + 1 h */
	assert_int_equal(kt_calendar_between(&cal, utc(2026, 3, 6, 16, 0),
					     utc(2026, 3, 9, 8, 0), NULL, 0), 2 * H);
	/* Saturday noon + 30 min: Mon 08:30 CET = 07:30 UTC */
	assert_int_equal(due_of(&cal, utc(2026, 3, 7, 11, 0), 30 * 60),
			 utc(2026, 3, 9, 7, 30));
	/* a whole week: 5 days x 10 h */
	assert_int_equal(kt_calendar_between(&cal, utc(2026, 3, 2, 0, 0),
					     utc(2026, 3, 9, 0, 0), NULL, 0), 50 * H);
}

/* The DST switches both ways, as a table: each case an "add" (the due
 * time of secs business seconds from start) or a "between" (business
 * seconds from start to end), on office hours, Sundays or 24x7. */
static void test_dst(void **state)
{
	enum { OFFICE, SUNDAYS, ALL };
	const struct {
		const char *why;
		int cal, add;
		long long start, arg, want;
	} cases[] = {
		/* Fri 2026-03-27 17:00 CET + 2 h: 1 h Friday, then Mon 08:00
		 * CEST (06:00Z) + 1 h */
		{ "spring, office", OFFICE, 1, utc(2026, 3, 27, 16, 0), 2 * H, utc(2026, 3, 30, 7, 0) },
		/* Sunday 2026-03-29 runs from 23:00Z Saturday (00:00 CET) to
		 * 22:00Z Sunday (24:00 CEST): 23 h in that week */
		{ "spring, the short Sunday", SUNDAYS, 0, utc(2026, 3, 23, 0, 0), utc(2026, 3, 30, 0, 0),
		  23 * H },
		/* 24x7 in Amsterdam counts real time across the switch: Sat
		 * 12:00 CET (11:00Z) to Mon 12:00 CEST (10:00Z) = 47 h */
		{ "spring, 24x7", ALL, 0, utc(2026, 3, 28, 11, 0), utc(2026, 3, 30, 10, 0), 47 * H },
		/* Fri 2026-10-23 17:00 CEST (15:00Z) + 2 h: Mon 08:00 CET
		 * (07:00Z) + 1 h */
		{ "autumn, office", OFFICE, 1, utc(2026, 10, 23, 15, 0), 2 * H, utc(2026, 10, 26, 8, 0) },
		/* Sunday 2026-10-25: 22:00Z Saturday (00:00 CEST) to 23:00Z
		 * Sunday (24:00 CET): 25 h */
		{ "autumn, the long Sunday", SUNDAYS, 0, utc(2026, 10, 19, 0, 0), utc(2026, 10, 26, 0, 0),
		  25 * H },
		/* 24 h of it from Sunday 00:00 CEST: 23:00 CET = 22:00Z */
		{ "autumn, 24 h of the long Sunday", SUNDAYS, 1, utc(2026, 10, 24, 22, 0), 24 * H,
		  utc(2026, 10, 25, 22, 0) },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_calendar cal = cases[i].cal == SUNDAYS ? sundays() : office(NULL, 0);
		long long got = -1;

		if (cases[i].cal == ALL)
			kt_calendar_init_24x7(&cal, &ams);
		if (cases[i].add)
			assert_int_equal(kt_calendar_add(&cal, cases[i].start, cases[i].arg, NULL, 0,
							 &got), 0);
		else
			got = kt_calendar_between(&cal, cases[i].start, cases[i].arg, NULL, 0);
		if (got != cases[i].want)
			fail_msg("%s: %lld, want %lld", cases[i].why, got, cases[i].want);
	}
}

static void test_holiday(void **state)
{
	const long long xmas[] = { kt_civil_days(2026, 12, 25), kt_civil_days(2026, 12, 28) };
	struct kt_calendar cal = office(xmas, 1), two = office(xmas, 2);

	(void)state;
	/* Thu 2026-12-24 17:00 CET (16:00 UTC) + 2 h: 1 h Thursday; Friday
	 * the 25th a holiday, then the weekend; Mon 28th 08:00 CET + 1 h =
	 * 09:00 CET = 08:00 UTC */
	assert_int_equal(due_of(&cal, utc(2026, 12, 24, 16, 0), 2 * H),
			 utc(2026, 12, 28, 8, 0));
	/* with Monday the 28th a holiday too: Tue 29th 09:00 CET */
	assert_int_equal(due_of(&two, utc(2026, 12, 24, 16, 0), 2 * H),
			 utc(2026, 12, 29, 8, 0));
	/* the week of Christmas: Mon-Thu 4 x 10 h, Friday off */
	assert_int_equal(kt_calendar_between(&cal, utc(2026, 12, 21, 0, 0),
					     utc(2026, 12, 28, 0, 0), NULL, 0), 40 * H);
}

static void test_pause(void **state)
{
	struct kt_calendar cal = office(NULL, 0);
	/* waiting on the customer Mon 2026-03-02 10:00-12:00 CET */
	const struct kt_pause p[] = { { utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 11, 0) } };
	const struct kt_pause open[] = { { utc(2026, 3, 2, 9, 0), KT_CAL_OPEN } };
	long long due;

	(void)state;
	/* start 09:00 CET, 4 h: 09-10 (1 h), paused 10-12, 12-15 (3 h): due
	 * 15:00 CET = 14:00 UTC */
	assert_int_equal(kt_calendar_add(&cal, utc(2026, 3, 2, 8, 0), 4 * H, p, 1, &due), 0);
	assert_int_equal(due, utc(2026, 3, 2, 14, 0));
	assert_int_equal(kt_calendar_between(&cal, utc(2026, 3, 2, 8, 0),
					     utc(2026, 3, 2, 14, 0), p, 1), 4 * H);
	/* a pause that has not ended: no due time */
	assert_int_equal(kt_calendar_add(&cal, utc(2026, 3, 2, 8, 0), 4 * H, open, 1,
					 &due), -1);
	assert_int_equal(kt_calendar_between(&cal, utc(2026, 3, 2, 8, 0),
					     utc(2026, 3, 3, 8, 0), open, 1), H);
}

static void test_clock_reopen(void **state)
{
	struct kt_calendar cal = office(NULL, 0);
	/* resolved Mon 2026-03-02 11:00 CET, reopened Tue 09:00 CET: the span
	 * between is a pause of the resolution clock */
	const struct kt_pause p[] = { { utc(2026, 3, 2, 10, 0), utc(2026, 3, 3, 8, 0) } };
	struct kt_sla_clock_in in = {
		.cal = &cal, .start = utc(2026, 3, 2, 8, 0), .target_s = 8 * H,
		.pauses = p, .n_pauses = 1, .stop = -1, .now = utc(2026, 3, 3, 9, 0),
	};
	struct kt_sla_clock_out out;

	(void)state;
	/* used: Mon 09-11 (2 h) + Tue 09-10 (1 h) = 3 h; due: 2 h Monday,
	 * 6 h from Tue 09:00 = Tue 15:00 CET = 14:00 UTC (starting fresh at
	 * the reopen would give Tue 17:00) */
	kt_sla_clock_eval(&in, &out);
	assert_int_equal(out.used_s, 3 * H);
	assert_int_equal(out.due, utc(2026, 3, 3, 14, 0));
	assert_int_equal(out.state, KT_SLA_RUNNING);
	/* resolved again Tue 14:30 CET: met (7.5 h used) */
	in.stop = utc(2026, 3, 3, 13, 30);
	kt_sla_clock_eval(&in, &out);
	assert_int_equal(out.used_s, 7 * H + 30 * 60);
	assert_string_equal(kt_sla_state_name(out.state), "met");
	/* resolved Tue 15:30 CET instead: breached */
	in.stop = utc(2026, 3, 3, 14, 30);
	kt_sla_clock_eval(&in, &out);
	assert_string_equal(kt_sla_state_name(out.state), "breached");
}

static void test_clock_priority_change(void **state)
{
	struct kt_calendar cal = office(NULL, 0);
	struct kt_sla_clock_in in = {
		.cal = &cal, .start = utc(2026, 3, 2, 8, 0), .target_s = 16 * H,
		.stop = -1, .now = utc(2026, 3, 2, 12, 0),
	};
	struct kt_sla_clock_out out;

	(void)state;
	/* P3, 16 h from Mon 09:00 CET: 9 h Monday, 7 h Tuesday: Tue 15:00 CET */
	kt_sla_clock_eval(&in, &out);
	assert_int_equal(out.due, utc(2026, 3, 3, 14, 0));
	assert_int_equal(out.used_s, 4 * H);
	/* raised to P1 (4 h) at Mon 13:00 CET: re-planned from the start,
	 * Mon 13:00 CET, so due at once; used 4 h: breached at the change */
	in.target_s = 4 * H;
	kt_sla_clock_eval(&in, &out);
	assert_int_equal(out.due, utc(2026, 3, 2, 12, 0));
	assert_string_equal(kt_sla_state_name(out.state), "breached");
	/* raised to P2 (8 h) instead: due Mon 17:00 CET, 4 h used, running */
	in.target_s = 8 * H;
	kt_sla_clock_eval(&in, &out);
	assert_int_equal(out.due, utc(2026, 3, 2, 16, 0));
	assert_string_equal(kt_sla_state_name(out.state), "running");
	/* waiting on the customer since 12:30 CET: paused, no due time */
	in.pauses = (const struct kt_pause[]){ { utc(2026, 3, 2, 11, 30), KT_CAL_OPEN } };
	in.n_pauses = 1;
	kt_sla_clock_eval(&in, &out);
	assert_int_equal(out.due, -1);
	assert_int_equal(out.used_s, 3 * H + 30 * 60);
	assert_string_equal(kt_sla_state_name(out.state), "paused");
}

static void test_bad_zone_files(void **state)
{
	unsigned char buf[4096];
	struct kt_tz tz;
	struct kt_err err = { 0 };
	size_t len;
	FILE *f = fopen("/usr/share/zoneinfo/Europe/Amsterdam", "rb");

	(void)state;
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(kt_tzif_parse(buf, len, &tz, &err), KT_OK);
	kt_tz_release(&tz);
	/* every truncation is refused or parsed, never read past its end */
	for (size_t cut = 0; cut < len; cut++) {
		if (kt_tzif_parse(buf, cut, &tz, &err) == KT_OK)
			kt_tz_release(&tz);
		kt_err_release(&err);
	}
	assert_int_equal(kt_tzif_parse(buf, 40, &tz, &err), KT_ERR);
	assert_string_equal(err.code, "bad_time_zone");
	kt_err_release(&err);
	buf[4] = 0;     /* version 1 */
	assert_int_equal(kt_tzif_parse(buf, len, &tz, &err), KT_ERR);
	kt_err_release(&err);
	assert_int_equal(kt_tz_load(NULL, "../etc/passwd", &tz, &err), KT_ERR);
	assert_string_equal(err.code, "unknown_time_zone");
	kt_err_release(&err);
	assert_int_equal(kt_tz_load(NULL, "Mars/Olympus_Mons", &tz, &err), KT_ERR);
	assert_string_equal(err.code, "unknown_time_zone");
	kt_err_release(&err);
}

static void test_tz_rules(void **state)
{
	struct kt_tz_rule r;

	(void)state;
	assert_int_equal(kt_tz_rule_parse("CET-1CEST,M3.5.0,M10.5.0/3", 26, &r), 0);
	assert_int_equal(r.std_off, 3600);
	assert_int_equal(r.dst_off, 7200);
	/* the US rule: second Sunday of March 2026 (the 8th) 02:00 EST */
	assert_int_equal(kt_tz_rule_parse("EST5EDT,M3.2.0,M11.1.0", 22, &r), 0);
	assert_int_equal(kt_tz_rule_offset(&r, utc(2026, 3, 8, 6, 59)), -5 * 3600);
	assert_int_equal(kt_tz_rule_offset(&r, utc(2026, 3, 8, 7, 0)), -4 * 3600);
	/* southern hemisphere: Sydney, DST from October to April */
	assert_int_equal(kt_tz_rule_parse("AEST-10AEDT,M10.1.0,M4.1.0/3", 28, &r), 0);
	assert_int_equal(kt_tz_rule_offset(&r, utc(2026, 1, 10, 0, 0)), 11 * 3600);
	assert_int_equal(kt_tz_rule_offset(&r, utc(2026, 6, 10, 0, 0)), 10 * 3600);
	assert_int_equal(kt_tz_rule_parse("<+03>-3", 7, &r), 0);
	assert_int_equal(kt_tz_rule_offset(&r, 0), 3 * 3600);
	assert_int_equal(kt_tz_rule_parse("C-1", 3, &r), -1);
	assert_int_equal(kt_tz_rule_parse("CET-1CEST,M13.5.0,M10.5.0", 25, &r), -1);
	assert_int_equal(kt_tz_rule_parse("CET-1CEST,M3.5.0", 16, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_offsets),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_nights_and_weekends),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_holiday),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_clock_reopen),
		cmocka_unit_test(test_clock_priority_change),
		cmocka_unit_test(test_bad_zone_files),
		cmocka_unit_test(test_tz_rules),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
