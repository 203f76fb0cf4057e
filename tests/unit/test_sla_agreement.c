/* test_sla_agreement.c - unit tests of broker/sla/history.c and
 * agreement.c: a status history into waits, pauses and stops; an
 * agreement of the chain document (office hours with holidays, 24x7,
 * none) into a calendar and targets; and a ticket's two clocks from its
 * history, with the hand computation beside each case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/civil_time.h"
#include "sla/agreement.h"
#include "sla/held.h"

#define H 3600LL

static long long utc(int y, int mo, int d, int h, int mi)
{
	return kt_civil_days(y, mo, d) * 86400 + h * H + mi * 60LL;
}

static void test_history(void **state)
{
	const struct kt_sla_step steps[] = {
		{ 100, KT_ST_IN_PROGRESS }, { 200, KT_ST_PENDING_CUSTOMER },
		{ 300, KT_ST_IN_PROGRESS }, { 400, KT_ST_RESOLVED }, { 500, KT_ST_IN_PROGRESS },
		{ 600, KT_ST_PENDING_CUSTOMER },
	};
	struct kt_sla_history h;

	(void)state;
	assert_int_equal(kt_sla_history_eval(steps, N_ELEMS(steps),
					     KT_SLA_BIT(KT_ST_PENDING_CUSTOMER), &h), 0);
	/* waits [200, 300) and [600, open); pauses add the resolved span */
	assert_int_equal(h.n_waits, 2);
	assert_int_equal(h.waits[0].from, 200);
	assert_int_equal(h.waits[0].to, 300);
	assert_int_equal(h.waits[1].to, KT_CAL_OPEN);
	assert_int_equal(h.n_pauses, 3);
	assert_int_equal(h.pauses[1].from, 400);
	assert_int_equal(h.pauses[1].to, 500);
	assert_int_equal(h.first_stop, 400);
	assert_int_equal(h.stop, -1);
	assert_int_equal(h.now, KT_ST_PENDING_CUSTOMER);
	kt_sla_history_release(&h);
	/* resolved, then closed: stopped at the resolution */
	const struct kt_sla_step done[] = { { 10, KT_ST_RESOLVED }, { 20, KT_ST_CLOSED } };
	assert_int_equal(kt_sla_history_eval(done, 2, 0, &h), 0);
	assert_int_equal(h.stop, 10);
	assert_int_equal(h.n_pauses, 0);
	kt_sla_history_release(&h);
}

static json_t *agreement(void)
{
	json_t *a = json_loads(
		"{\"service_hours\": {\"timezone\": \"Europe/Amsterdam\","
		"  \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"],"
		"  \"from\": \"08:00\", \"to\": \"18:00\","
		"  \"holidays\": [\"2026-12-28\", \"2026-12-25\"]},"
		" \"targets\": {\"p3\": {\"response_min\": 240, \"resolution_min\": 960}}}",
		0, NULL);

	assert_non_null(a);
	return a;
}

static void test_agreement_calendar(void **state)
{
	json_t *doc = agreement();
	struct kt_sla_agreement a;
	struct kt_err err = { 0 };
	long long due;

	(void)state;
	assert_int_equal(kt_sla_agreement_init(&a, doc, &err), KT_OK);
	assert_int_equal(kt_sla_agreement_target(&a, 3, "response_min"), 240);
	assert_int_equal(kt_sla_agreement_target(&a, 1, "response_min"), 0);
	assert_int_equal(kt_sla_agreement_target(&a, 9, "response_min"), 0);
	/* holidays sorted: Thu 24 Dec 17:00 CET + 2 h skips Fri 25 (holiday),
	 * the weekend and Mon 28 (holiday): Tue 29th 09:00 CET = 08:00Z */
	assert_int_equal(kt_calendar_add(&a.cal, utc(2026, 12, 24, 16, 0), 2 * H, NULL, 0,
					 &due), 0);
	assert_int_equal(due, utc(2026, 12, 29, 8, 0));
	kt_sla_agreement_release(&a);
	/* none: 24x7 in UTC, no targets */
	assert_int_equal(kt_sla_agreement_init(&a, NULL, &err), KT_OK);
	assert_int_equal(kt_calendar_between(&a.cal, 0, 86400, NULL, 0), 86400);
	assert_int_equal(kt_sla_agreement_target(&a, 3, "response_min"), 0);
	kt_sla_agreement_release(&a);
	/* a zone this machine lacks */
	json_object_set_new(json_object_get(doc, "service_hours"), "timezone",
			    json_string("Mars/Olympus_Mons"));
	assert_int_equal(kt_sla_agreement_init(&a, doc, &err), KT_ERR);
	assert_string_equal(err.code, "unknown_time_zone");
	kt_err_release(&err);
	json_decref(doc);
}

static void test_ticket_clocks(void **state)
{
	json_t *doc = agreement();
	struct kt_sla_agreement a;
	struct kt_sla_history h;
	struct kt_sla_result r[2];
	struct kt_err err = { 0 };
	/* Fri 2026-03-06 17:00 CET filed; in progress Mon 09:30 CET; waiting
	 * on the customer Mon 13:00 - Tue 10:00; resolved Tue 15:00;
	 * reopened Thu 09:00; resolved Thu 10:00 (UTC below) */
	const struct kt_sla_step steps[] = {
		{ utc(2026, 3, 9, 8, 30), KT_ST_IN_PROGRESS },
		{ utc(2026, 3, 9, 12, 0), KT_ST_PENDING_CUSTOMER },
		{ utc(2026, 3, 10, 9, 0), KT_ST_IN_PROGRESS },
		{ utc(2026, 3, 10, 14, 0), KT_ST_RESOLVED },
		{ utc(2026, 3, 12, 8, 0), KT_ST_IN_PROGRESS },
		{ utc(2026, 3, 12, 9, 0), KT_ST_RESOLVED },
	};

	(void)state;
	assert_int_equal(kt_sla_agreement_init(&a, doc, &err), KT_OK);
	assert_int_equal(kt_sla_history_eval(steps, N_ELEMS(steps),
					     KT_SLA_BIT(KT_ST_PENDING_CUSTOMER), &h), 0);
	kt_sla_agreement_clocks(&a, 3, "response_min", "resolution_min",
				utc(2026, 3, 6, 16, 0), utc(2026, 3, 9, 8, 30), &h,
				utc(2026, 3, 13, 12, 0), r);
	/* response 4 h: Fri 17-18 + Mon 08-11: due Mon 11:00 CET; answered
	 * 09:30 after 2.5 h: met */
	assert_true(r[0].has);
	assert_int_equal(r[0].due, utc(2026, 3, 9, 10, 0));
	assert_int_equal(r[0].stopped, utc(2026, 3, 9, 8, 30));
	assert_int_equal(r[0].met, 1);
	/* resolution 16 h: Fri 1 h + Mon 08-13 5 h, paused to Tue 10:00, Tue
	 * 10-15 5 h (11 h), resolved until the reopen Thu 09:00, then 5 h
	 * more: due Thu 14:00 CET (13:00Z); stopped Thu 10:00 CET after 12 h */
	assert_int_equal(r[1].due, utc(2026, 3, 12, 13, 0));
	assert_int_equal(r[1].stopped, utc(2026, 3, 12, 9, 0));
	assert_int_equal(r[1].met, 1);
	assert_false(r[1].paused);
	/* no target for P1: no clocks */
	kt_sla_agreement_clocks(&a, 1, "response_min", "resolution_min",
				utc(2026, 3, 6, 16, 0), -1, &h, utc(2026, 3, 13, 12, 0), r);
	assert_false(r[0].has);
	assert_false(r[1].has);
	kt_sla_history_release(&h);
	kt_sla_agreement_release(&a);
	json_decref(doc);
}

static void test_held(void **state)
{
	json_t *doc = agreement(), *held;
	struct kt_sla_agreement a;
	struct kt_sla_history th, nh, hh;
	struct kt_err err = { 0 };
	/* filed Mon 2026-03-02 09:00 CET in triage (the integrator) until
	 * 10:00, then with netco and hostco; waiting on the customer 12:00 -
	 * 14:00; resolved at 16:00 (UTC below) */
	const struct kt_sla_step ticket[] = {
		{ utc(2026, 3, 2, 11, 0), KT_ST_PENDING_CUSTOMER },
		{ utc(2026, 3, 2, 13, 0), KT_ST_IN_PROGRESS },
		{ utc(2026, 3, 2, 15, 0), KT_ST_RESOLVED },
	};
	const struct kt_sla_holder_step holders[] = {
		{ utc(2026, 3, 2, 8, 0), "integrator" }, { utc(2026, 3, 2, 9, 0), "suppliers" },
		{ utc(2026, 3, 2, 11, 0), "customer" }, { utc(2026, 3, 2, 13, 0), "suppliers" },
	};
	/* netco waits on hostco 10:00-11:00 CET and resolves at 12:00;
	 * hostco waits on the customer 12:00-14:00 and resolves at 16:00 */
	const struct kt_sla_step netco[] = {
		{ utc(2026, 3, 2, 9, 0), KT_ST_PENDING_SUPPLIER },
		{ utc(2026, 3, 2, 10, 0), KT_ST_IN_PROGRESS }, { utc(2026, 3, 2, 11, 0), KT_ST_RESOLVED },
	};
	const struct kt_sla_step hostco[] = {
		{ utc(2026, 3, 2, 11, 0), KT_ST_PENDING_CUSTOMER },
		{ utc(2026, 3, 2, 13, 0), KT_ST_IN_PROGRESS }, { utc(2026, 3, 2, 15, 0), KT_ST_RESOLVED },
	};
	const unsigned waits = KT_SLA_BIT(KT_ST_PENDING_CUSTOMER) | KT_SLA_BIT(KT_ST_PENDING_SUPPLIER);
	struct kt_sla_leg_time legs[] = {
		{ "netco", utc(2026, 3, 2, 9, 0), &nh }, { "hostco", utc(2026, 3, 2, 9, 0), &hh },
	};

	(void)state;
	assert_int_equal(kt_sla_agreement_init(&a, doc, &err), KT_OK);
	assert_int_equal(kt_sla_history_eval(ticket, 3, KT_SLA_BIT(KT_ST_PENDING_CUSTOMER), &th), 0);
	assert_int_equal(kt_sla_history_eval(netco, 3, waits, &nh), 0);
	assert_int_equal(kt_sla_history_eval(hostco, 3, waits, &hh), 0);
	held = kt_sla_held(&a.cal, utc(2026, 3, 2, 8, 0), th.stop, &th, holders, 4, legs, 2);
	/* integrator 09-10 CET: 1 h; customer 12-14: 2 h; netco 11-12: 1 h;
	 * hostco 10-12 and 14-16: 4 h */
	assert_non_null(held);
	assert_int_equal(json_integer_value(json_object_get(held, "integrator")), H);
	assert_int_equal(json_integer_value(json_object_get(held, "customer")), 2 * H);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(held, "suppliers"),
							    "netco")), H);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(held, "suppliers"),
							    "hostco")), 4 * H);
	json_decref(held);
	kt_sla_history_release(&th);
	kt_sla_history_release(&nh);
	kt_sla_history_release(&hh);
	kt_sla_agreement_release(&a);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_agreement_calendar),
		cmocka_unit_test(test_ticket_clocks),
		cmocka_unit_test(test_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
