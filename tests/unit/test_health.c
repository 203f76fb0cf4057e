/* test_health.c - unit tests of broker/health.c: the health of a service
 * from its tickets. Table-driven: each case lists tickets (type, status,
 * priority) and the one health expected; plus every type x status for what
 * counts as an open incident. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/health.h"

#define MAX_TICKETS 6

#define INC(st, p) { KT_TYPE_INCIDENT, KT_ST_##st, p }
#define REQ(st, p) { KT_TYPE_REQUEST, KT_ST_##st, p }
#define CHG(st, p) { KT_TYPE_CHANGE, KT_ST_##st, p }
#define PRB(st, p) { KT_TYPE_PROBLEM, KT_ST_##st, p }

struct health_case {
	const char *name;
	struct kt_health_ticket tickets[MAX_TICKETS];
	size_t n;
	enum kt_health want;
};

static const struct health_case cases[] = {
	{ "no tickets", { { 0 } }, 0, KT_HEALTH_OPERATIONAL },
	{ "open P1 incident", { INC(NEW, 1) }, 1, KT_HEALTH_MAJOR_OUTAGE },
	{ "open P2 incident", { INC(IN_PROGRESS, 2) }, 1, KT_HEALTH_PARTIAL_OUTAGE },
	{ "open P3 incident", { INC(ASSIGNED, 3) }, 1, KT_HEALTH_DEGRADED },
	{ "open P4 incident", { INC(PENDING_SUPPLIER, 4) }, 1, KT_HEALTH_DEGRADED },
	{ "open P5 incident", { INC(PENDING_CUSTOMER, 5) }, 1, KT_HEALTH_DEGRADED },
	{ "the worst open incident wins",
	  { INC(NEW, 5), INC(IN_PROGRESS, 2), INC(ASSIGNED, 3) }, 3,
	  KT_HEALTH_PARTIAL_OUTAGE },
	{ "P1 among many", { INC(NEW, 4), INC(NEW, 2), INC(ASSIGNED, 1), INC(NEW, 3) }, 4,
	  KT_HEALTH_MAJOR_OUTAGE },
	{ "resolved P1 does not count", { INC(RESOLVED, 1) }, 1, KT_HEALTH_OPERATIONAL },
	{ "closed P1 does not count", { INC(CLOSED, 1) }, 1, KT_HEALTH_OPERATIONAL },
	{ "cancelled P1 does not count", { INC(CANCELLED, 1) }, 1, KT_HEALTH_OPERATIONAL },
	{ "resolved P1, open P3", { INC(RESOLVED, 1), INC(IN_PROGRESS, 3) }, 2,
	  KT_HEALTH_DEGRADED },
	{ "closed P1, cancelled P2, open P2", { INC(CLOSED, 1), INC(CANCELLED, 2),
	  INC(PENDING_CUSTOMER, 2) }, 3, KT_HEALTH_PARTIAL_OUTAGE },
	{ "requests, changes and problems do not count",
	  { REQ(NEW, 1), CHG(IN_PROGRESS, 1), PRB(ASSIGNED, 1) }, 3,
	  KT_HEALTH_OPERATIONAL },
	{ "a P1 request beside an open P4 incident",
	  { REQ(NEW, 1), INC(NEW, 4) }, 2, KT_HEALTH_DEGRADED },
	{ "every incident done", { INC(RESOLVED, 2), INC(CLOSED, 3), INC(CANCELLED, 1),
	  INC(RESOLVED, 5) }, 4, KT_HEALTH_OPERATIONAL },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		enum kt_health got = kt_health_of(cases[i].tickets, cases[i].n);

		if (got != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].name, kt_health_name(got),
				 kt_health_name(cases[i].want));
	}
}

/* Exactly the incidents not resolved, closed or cancelled count. */
static void test_counts(void **state)
{
	(void)state;
	for (int t = 0; t < KT_TYPE__COUNT; t++) {
		for (int s = 0; s < KT_ST__COUNT; s++) {
			int open = s != KT_ST_RESOLVED && s != KT_ST_CLOSED &&
				   s != KT_ST_CANCELLED;
			int want = t == KT_TYPE_INCIDENT && open;

			if (kt_health_counts((enum kt_ticket_type)t, (enum kt_status)s) != want)
				fail_msg("%s %s: want %d", kt_ticket_type_name((enum kt_ticket_type)t),
					 kt_status_name((enum kt_status)s), want);
		}
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(kt_health_name(KT_HEALTH_OPERATIONAL), "operational");
	assert_string_equal(kt_health_name(KT_HEALTH_DEGRADED), "degraded");
	assert_string_equal(kt_health_name(KT_HEALTH_PARTIAL_OUTAGE), "partial_outage");
	assert_string_equal(kt_health_name(KT_HEALTH_MAJOR_OUTAGE), "major_outage");
	assert_string_equal(kt_health_name(KT_HEALTH__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
