/* test_sla_report.c - unit tests of broker/sla/report.c: downtime as the
 * union of outages clipped to the period and to service hours, breaks,
 * availability, MTRS, MTBF and MTBSI, the no-breaks convention, and SLA
 * compliance per type and priority, each against the hand computation
 * written beside it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/civil_time.h"
#include "sla/calendar.h"
#include "sla/report.h"
#include "sla/tzif.h"

#define H 3600LL

static long long utc(int y, int mo, int d, int h, int mi)
{
	return kt_civil_days(y, mo, d) * 86400 + h * H + mi * 60LL;
}

static struct kt_tz zone;

/* Mon-Fri 08:00-18:00 UTC, no holidays. */
static struct kt_calendar office(void)
{
	struct kt_calendar cal = { .tz = &zone, .days = 0x1f, .from_min = 8 * 60,
				   .to_min = 18 * 60 };

	return cal;
}

static long long member(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	assert_true(json_is_integer(v));
	return (long long)json_integer_value(v);
}

static double real(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	assert_true(json_is_real(v));
	return json_real_value(v);
}

/* The week Mon 2026-03-09 00:00Z to Mon 2026-03-16 00:00Z: agreed 5 days
 * x 10 h = 50 h. The outages, and their downtime in service hours:
 *   Sun 08 20:00 - Mon 09 08:30  starts before the period: Mon 08:00-08:30, 0.5 h
 *   Mon 09:00 - 11:00 and Mon 10:00 - 12:30  overlap: one break 09:00-12:30, 3.5 h
 *   Tue 17:00 - Wed 09:00        a night inside: Tue 17-18 + Wed 08-09, 2 h
 *   Thu 10:00 - 11:00 and Thu 11:00 - 12:00  touch: one break, 2 h
 *   Sat 10:00 - 14:00            outside service hours: 0 h, no break
 *   Fri 17:30 - Mon 16 10:00     ends after the period: Fri 17:30-18:00, 0.5 h
 * downtime 0.5 + 3.5 + 2 + 2 + 0.5 = 8.5 h in 5 breaks;
 * availability (50 - 8.5) / 50 x 100 = 83 %; MTRS 8.5 h / 5 = 1.7 h =
 * 6120 s; MTBF (50 - 8.5) h / 5 = 8.3 h = 29880 s; MTBSI 50 h / 5 = 10 h
 * = 36000 s. */
static void test_week(void **state)
{
	struct kt_calendar cal = office();
	struct kt_span spans[] = {
		{ utc(2026, 3, 13, 17, 30), utc(2026, 3, 16, 10, 0) },
		{ utc(2026, 3, 9, 10, 0), utc(2026, 3, 9, 12, 30) },
		{ utc(2026, 3, 14, 10, 0), utc(2026, 3, 14, 14, 0) },
		{ utc(2026, 3, 12, 11, 0), utc(2026, 3, 12, 12, 0) },
		{ utc(2026, 3, 8, 20, 0), utc(2026, 3, 9, 8, 30) },
		{ utc(2026, 3, 10, 17, 0), utc(2026, 3, 11, 9, 0) },
		{ utc(2026, 3, 12, 10, 0), utc(2026, 3, 12, 11, 0) },
		{ utc(2026, 3, 9, 9, 0), utc(2026, 3, 9, 11, 0) },
	};
	struct kt_report_avail a;
	json_t *o;

	(void)state;
	kt_report_availability(&cal, utc(2026, 3, 9, 0, 0), utc(2026, 3, 16, 0, 0), spans,
			       N_ELEMS(spans), &a);
	assert_int_equal(a.agreed_s, 50 * H);
	assert_int_equal(a.downtime_s, 8 * H + 30 * 60);
	assert_int_equal(a.breaks, 5);
	o = kt_report_itil(&a, 90);
	assert_non_null(o);
	assert_int_equal(member(o, "agreed_service_s"), 180000);
	assert_int_equal(member(o, "downtime_s"), 30600);
	assert_int_equal(member(o, "breaks"), 5);
	assert_true(real(o, "availability_pct") == 83.0);
	assert_int_equal(member(o, "mtrs_s"), 6120);
	assert_int_equal(member(o, "mtbf_s"), 29880);
	assert_int_equal(member(o, "mtbsi_s"), 36000);
	assert_true(real(o, "availability_target_pct") == 90.0);
	assert_true(json_is_false(json_object_get(o, "target_met")));
	json_decref(o);
}

/* No outage in the week: availability (50 - 0) / 50 = 100 %, and MTRS,
 * MTBF and MTBSI are undefined (no breaks to divide by): null. An outage
 * wholly on a Saturday is no break either. A target of 99.5 is met. */
static void test_no_breaks(void **state)
{
	struct kt_calendar cal = office();
	struct kt_span sat = { utc(2026, 3, 14, 9, 0), utc(2026, 3, 14, 17, 0) };
	struct kt_report_avail a;
	json_t *o;

	(void)state;
	kt_report_availability(&cal, utc(2026, 3, 9, 0, 0), utc(2026, 3, 16, 0, 0), &sat, 1, &a);
	assert_int_equal(a.downtime_s, 0);
	assert_int_equal(a.breaks, 0);
	o = kt_report_itil(&a, 99.5);
	assert_true(real(o, "availability_pct") == 100.0);
	assert_true(json_is_null(json_object_get(o, "mtrs_s")));
	assert_true(json_is_null(json_object_get(o, "mtbf_s")));
	assert_true(json_is_null(json_object_get(o, "mtbsi_s")));
	assert_true(json_is_true(json_object_get(o, "target_met")));
	json_decref(o);
}

/* A weekend-only period has no agreed service time: availability is
 * undefined (null), and without a target there is no verdict. One
 * outage of Mon 08:00 - 08:20 in a 24x7 day is 1200 s down of 86400:
 * (86400 - 1200) / 86400 = 98.61 %; MTRS 1200 s, MTBF 85200 s, MTBSI
 * 86400 s. */
static void test_edges(void **state)
{
	struct kt_calendar cal = office(), all;
	struct kt_span mon = { utc(2026, 3, 9, 8, 0), utc(2026, 3, 9, 8, 20) };
	struct kt_report_avail a;
	json_t *o;

	(void)state;
	kt_report_availability(&cal, utc(2026, 3, 14, 0, 0), utc(2026, 3, 16, 0, 0), NULL, 0, &a);
	assert_int_equal(a.agreed_s, 0);
	o = kt_report_itil(&a, 0);
	assert_true(json_is_null(json_object_get(o, "availability_pct")));
	assert_null(json_object_get(o, "target_met"));
	json_decref(o);

	kt_calendar_init_24x7(&all, &zone);
	kt_report_availability(&all, utc(2026, 3, 9, 0, 0), utc(2026, 3, 10, 0, 0), &mon, 1, &a);
	o = kt_report_itil(&a, 0);
	assert_true(real(o, "availability_pct") == 98.61);
	assert_int_equal(member(o, "mtrs_s"), 1200);
	assert_int_equal(member(o, "mtbf_s"), 85200);
	assert_int_equal(member(o, "mtbsi_s"), 86400);
	json_decref(o);
}

/* Rows per type and priority; the shares met of the clocks decided:
 *   incident p2: response 2 met, 1 breached: 2 / 3 = 66.67 %;
 *                resolution 1 met, 1 breached, 1 running: 1 / 2 = 50 %
 *   incident p3: response 1 met: 100 %
 *   request p4:  two running: nothing decided, null
 *   incident all: response 3 met, 1 breached: 75 %; all: the same. */
static void test_compliance(void **state)
{
	json_t *rows = json_loads("["
		"{\"type\": \"incident\", \"priority\": 2, \"tickets\": 3, \"response_met\": 2,"
		" \"response_breached\": 1, \"response_running\": 0, \"resolution_met\": 1,"
		" \"resolution_breached\": 1, \"resolution_running\": 1},"
		"{\"type\": \"incident\", \"priority\": 3, \"tickets\": 1, \"response_met\": 1,"
		" \"response_breached\": 0, \"response_running\": 0, \"resolution_met\": 0,"
		" \"resolution_breached\": 0, \"resolution_running\": 1},"
		"{\"type\": \"request\", \"priority\": 4, \"tickets\": 2, \"response_met\": 0,"
		" \"response_breached\": 0, \"response_running\": 2, \"resolution_met\": 0,"
		" \"resolution_breached\": 0, \"resolution_running\": 2}]", 0, NULL);
	json_t *c, *p2, *p4, *inc, *all, *empty;

	(void)state;
	assert_non_null(rows);
	c = kt_report_compliance(rows);
	assert_non_null(c);
	p2 = json_object_get(json_object_get(c, "incident"), "p2");
	assert_int_equal(member(p2, "tickets"), 3);
	assert_true(real(json_object_get(p2, "response"), "met_pct") == 66.67);
	assert_true(real(json_object_get(p2, "resolution"), "met_pct") == 50.0);
	assert_int_equal(member(json_object_get(p2, "resolution"), "running"), 1);
	p4 = json_object_get(json_object_get(c, "request"), "p4");
	assert_true(json_is_null(json_object_get(json_object_get(p4, "response"), "met_pct")));
	inc = json_object_get(json_object_get(c, "incident"), "all");
	assert_int_equal(member(inc, "tickets"), 4);
	assert_true(real(json_object_get(inc, "response"), "met_pct") == 75.0);
	all = json_object_get(c, "all");
	assert_int_equal(member(all, "tickets"), 6);
	assert_int_equal(member(json_object_get(all, "response"), "running"), 2);
	assert_true(real(json_object_get(all, "response"), "met_pct") == 75.0);
	json_decref(c);
	json_decref(rows);

	/* No tickets: zero counts, no share. */
	rows = json_array();
	empty = kt_report_compliance(rows);
	all = json_object_get(empty, "all");
	assert_int_equal(member(all, "tickets"), 0);
	assert_true(json_is_null(json_object_get(json_object_get(all, "resolution"), "met_pct")));
	json_decref(empty);
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_week),
		cmocka_unit_test(test_no_breaks),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_compliance),
	};

	kt_tz_init_utc(&zone);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
