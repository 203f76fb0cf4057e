/* test_gate.c - unit tests of dispatch/gate.c on a clock of our own: a
 * Retry-After pause holds a supplier back until it runs out (a later one
 * wins); calls in flight fill the gate at the supplier's limit; an open
 * circuit holds back for its period, hands its open time to the credit
 * list once, lets one probe through, and a probe the broker never made
 * (report of nothing) is given back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "dispatch/gate.h"

static const struct kt_breaker_policy policy = {
	.failures = 2, .open_ms = 1000, .max_open_ms = 4000,
};

static int listed(const json_t *paused, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(paused, i, v)
		if (strcmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

static void test_pause(void **state)
{
	struct kt_gates gs;
	struct kt_gate *g;
	json_t *paused, *busy, *credits;
	int probe;

	(void)state;
	kt_gates_init(&gs, &policy, 8, 100);
	assert_null(kt_gates_find(&gs, "s1"));
	assert_int_equal(kt_gates_pause(&gs, "s1", "acme", 5000), KT_OK);
	assert_int_equal(kt_gates_pause(&gs, "s1", "acme", 3000), KT_OK); /* later wins */
	g = kt_gates_find(&gs, "s1");
	assert_non_null(g);
	assert_string_equal(g->key, "acme");
	assert_int_equal(kt_gate_wait(&gs, g, 1000), 4000);
	assert_int_equal(kt_gate_admit(&gs, g, 4999, &probe), 1);
	kt_gates_lists(&gs, 1000, &paused, &busy, &credits);
	assert_true(listed(paused, "s1"));
	assert_null(busy);
	assert_null(credits);
	json_decref(paused);
	assert_int_equal(kt_gate_admit(&gs, g, 5000, &probe), 0);
	assert_false(probe);
	kt_gates_lists(&gs, 5000, &paused, &busy, &credits);
	assert_null(paused);
	kt_gates_release(&gs);
}

static void test_calls_in_flight(void **state)
{
	struct kt_gates gs;
	struct kt_gate *g;
	json_t *paused, *busy, *credits;

	(void)state;
	kt_gates_init(&gs, &policy, 8, 100);
	g = kt_gates_get(&gs, "s1", "acme");
	assert_false(kt_gate_count(g, 2, &gs));
	kt_gates_lists(&gs, 0, &paused, &busy, &credits);
	assert_null(paused);
	assert_int_equal(json_integer_value(json_object_get(busy, "s1")), 1);
	json_decref(busy);
	assert_true(kt_gate_count(g, 2, &gs)); /* the supplier's own limit reached */
	kt_gates_lists(&gs, 0, &paused, &busy, &credits);
	assert_true(listed(paused, "s1"));
	assert_null(busy);
	json_decref(paused);
	kt_gate_uncount(g);
	kt_gate_uncount(g);
	kt_gate_uncount(g); /* never below zero */
	assert_int_equal(g->inflight, 0);
	assert_false(kt_gate_count(g, 0, &gs)); /* 0: the node's limit, 8 */
	assert_int_equal(g->most, 8);
	kt_gates_release(&gs);
}

static void test_circuit(void **state)
{
	struct kt_gates gs;
	struct kt_gate *g;
	json_t *paused, *busy, *credits;
	int probe;

	(void)state;
	kt_gates_init(&gs, &policy, 8, 100);
	g = kt_gates_get(&gs, "s1", "acme");
	/* The broker's own failures move nothing. */
	for (int i = 0; i < 5; i++)
		kt_gate_report(&gs, g, KT_REPORT_NONE, 0, "bad_secret", 0);
	assert_int_equal(g->breaker.state, KT_BREAKER_CLOSED);
	assert_int_equal(g->breaker.failures, 0);
	kt_gate_report(&gs, g, KT_REPORT_FAILED, 0, "http_503", 0);
	kt_gate_report(&gs, g, KT_REPORT_FAILED, 0, "http_503", 10);
	assert_int_equal(g->breaker.state, KT_BREAKER_OPEN);
	assert_int_equal(kt_gate_wait(&gs, g, 500), 510);
	kt_gates_lists(&gs, 500, &paused, &busy, &credits);
	assert_true(listed(paused, "s1"));
	assert_null(credits);
	json_decref(paused);
	/* The period ends: its length is credited once, one probe goes. */
	kt_gates_lists(&gs, 1010, &paused, &busy, &credits);
	assert_null(paused);
	assert_int_equal(json_integer_value(json_object_get(credits, "s1")), 1000);
	json_decref(credits);
	kt_gates_lists(&gs, 1020, &paused, &busy, &credits);
	assert_null(credits);
	assert_int_equal(kt_gate_admit(&gs, g, 1020, &probe), 0);
	assert_true(probe);
	assert_int_equal(kt_gate_admit(&gs, g, 1020, &probe), 100); /* the probe is out */
	/* The broker failed before the probe left: the next call probes. */
	kt_gate_report(&gs, g, KT_REPORT_NONE, 1, "bad_secret", 1030);
	assert_int_equal(g->breaker.state, KT_BREAKER_HALF_OPEN);
	assert_int_equal(kt_gate_admit(&gs, g, 1040, &probe), 0);
	assert_true(probe);
	kt_gate_report(&gs, g, KT_REPORT_OK, 1, "delivered", 1050);
	assert_int_equal(g->breaker.state, KT_BREAKER_CLOSED);
	kt_gates_release(&gs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_calls_in_flight),
		cmocka_unit_test(test_circuit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
