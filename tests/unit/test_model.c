/* test_model.c - unit tests of broker/model.c: the ITIL priority matrix,
 * every rule of the consolidated status (table-driven, one row per rule
 * and edge), and the names of the canonical enums with their parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include "keten/model.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_priority_matrix(void **state)
{
	/* rows impact 1..3, columns urgency 1..3; 1 critical ... 5 planning */
	static const int want[3][3] = {
		{ 1, 2, 3 },
		{ 2, 3, 4 },
		{ 3, 4, 5 },
	};

	(void)state;
	for (int impact = 1; impact <= 3; impact++)
		for (int urgency = 1; urgency <= 3; urgency++)
			if (kt_priority(impact, urgency) !=
			    want[impact - 1][urgency - 1])
				fail_msg("impact %d urgency %d: priority %d, want %d",
					 impact, urgency,
					 kt_priority(impact, urgency),
					 want[impact - 1][urgency - 1]);
}

static void test_priority_out_of_range(void **state)
{
	static const int cases[][2] = {
		{ 0, 1 },  { 1, 0 },	   { 4, 1 },	   { 1, 4 },
		{ -1, 2 }, { 2, -1 },	   { 0, 0 },	   { 4, 4 },
		{ INT_MAX, 1 }, { 1, INT_MAX }, { INT_MIN, 3 }, { 3, INT_MIN },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		if (kt_priority(cases[i][0], cases[i][1]) != 0)
			fail_msg("impact %d urgency %d: priority %d, want 0",
				 cases[i][0], cases[i][1],
				 kt_priority(cases[i][0], cases[i][1]));
}

#define MAX_LEGS 4

struct consolidated_case {
	const char *rule;
	enum kt_status ticket;
	size_t n_legs;
	enum kt_status legs[MAX_LEGS];
	enum kt_status want;
};

static const struct consolidated_case consolidated_cases[] = {
	{ "1: closed ticket wins over open legs", KT_ST_CLOSED, 1,
	  { KT_ST_IN_PROGRESS }, KT_ST_CLOSED },
	{ "1: cancelled ticket wins over resolved legs", KT_ST_CANCELLED, 2,
	  { KT_ST_RESOLVED, KT_ST_RESOLVED }, KT_ST_CANCELLED },
	{ "1: closed ticket without legs", KT_ST_CLOSED, 0, { 0 },
	  KT_ST_CLOSED },
	{ "2: no legs, ticket new", KT_ST_NEW, 0, { 0 }, KT_ST_NEW },
	{ "2: no legs, ticket assigned", KT_ST_ASSIGNED, 0, { 0 },
	  KT_ST_ASSIGNED },
	{ "2: no legs, ticket pending_customer", KT_ST_PENDING_CUSTOMER, 0,
	  { 0 }, KT_ST_PENDING_CUSTOMER },
	{ "2: only cancelled legs, ticket status stands", KT_ST_NEW, 2,
	  { KT_ST_CANCELLED, KT_ST_CANCELLED }, KT_ST_NEW },
	{ "3: all legs resolved", KT_ST_IN_PROGRESS, 2,
	  { KT_ST_RESOLVED, KT_ST_RESOLVED }, KT_ST_RESOLVED },
	{ "3: resolved and closed legs", KT_ST_NEW, 2,
	  { KT_ST_RESOLVED, KT_ST_CLOSED }, KT_ST_RESOLVED },
	{ "3: resolved plus cancelled leg", KT_ST_IN_PROGRESS, 2,
	  { KT_ST_RESOLVED, KT_ST_CANCELLED }, KT_ST_RESOLVED },
	{ "3: all resolved beats a ticket pending_customer",
	  KT_ST_PENDING_CUSTOMER, 1, { KT_ST_RESOLVED }, KT_ST_RESOLVED },
	{ "4: ticket pending_customer over a leg in progress",
	  KT_ST_PENDING_CUSTOMER, 1, { KT_ST_IN_PROGRESS },
	  KT_ST_PENDING_CUSTOMER },
	{ "4: a leg pending_customer over a leg in progress", KT_ST_NEW, 2,
	  { KT_ST_IN_PROGRESS, KT_ST_PENDING_CUSTOMER },
	  KT_ST_PENDING_CUSTOMER },
	{ "5: in progress plus assigned", KT_ST_NEW, 2,
	  { KT_ST_ASSIGNED, KT_ST_IN_PROGRESS }, KT_ST_IN_PROGRESS },
	{ "5: one resolved plus one in progress", KT_ST_NEW, 2,
	  { KT_ST_RESOLVED, KT_ST_IN_PROGRESS }, KT_ST_IN_PROGRESS },
	{ "6: all open legs pending_supplier", KT_ST_NEW, 2,
	  { KT_ST_PENDING_SUPPLIER, KT_ST_PENDING_SUPPLIER },
	  KT_ST_PENDING_SUPPLIER },
	{ "6: pending_supplier beside a resolved leg", KT_ST_NEW, 2,
	  { KT_ST_RESOLVED, KT_ST_PENDING_SUPPLIER }, KT_ST_PENDING_SUPPLIER },
	{ "7: resolved plus assigned", KT_ST_NEW, 2,
	  { KT_ST_RESOLVED, KT_ST_ASSIGNED }, KT_ST_IN_PROGRESS },
	{ "7: resolved plus new", KT_ST_NEW, 3,
	  { KT_ST_NEW, KT_ST_CANCELLED, KT_ST_RESOLVED }, KT_ST_IN_PROGRESS },
	{ "8: assigned plus new", KT_ST_NEW, 2, { KT_ST_ASSIGNED, KT_ST_NEW },
	  KT_ST_ASSIGNED },
	{ "8: pending_supplier plus new", KT_ST_NEW, 2,
	  { KT_ST_NEW, KT_ST_PENDING_SUPPLIER }, KT_ST_ASSIGNED },
	{ "9: one new leg", KT_ST_NEW, 1, { KT_ST_NEW }, KT_ST_NEW },
	{ "9: new legs beside a cancelled one", KT_ST_ASSIGNED, 3,
	  { KT_ST_NEW, KT_ST_CANCELLED, KT_ST_NEW }, KT_ST_NEW },
	/* edges of the rules above */
	{ "1: cancelled ticket without legs", KT_ST_CANCELLED, 0, { 0 },
	  KT_ST_CANCELLED },
	{ "1: closed ticket wins over a pending_customer leg", KT_ST_CLOSED, 2,
	  { KT_ST_PENDING_CUSTOMER, KT_ST_RESOLVED }, KT_ST_CLOSED },
	{ "1: cancelled ticket wins over new legs", KT_ST_CANCELLED, 3,
	  { KT_ST_NEW, KT_ST_NEW, KT_ST_ASSIGNED }, KT_ST_CANCELLED },
	{ "2: no legs, ticket in_progress", KT_ST_IN_PROGRESS, 0, { 0 },
	  KT_ST_IN_PROGRESS },
	{ "2: only cancelled legs, ticket pending_customer",
	  KT_ST_PENDING_CUSTOMER, 1, { KT_ST_CANCELLED },
	  KT_ST_PENDING_CUSTOMER },
	{ "3: every leg closed", KT_ST_NEW, 2,
	  { KT_ST_CLOSED, KT_ST_CLOSED }, KT_ST_RESOLVED },
	{ "3: four legs resolved, one cancelled", KT_ST_ASSIGNED, 4,
	  { KT_ST_RESOLVED, KT_ST_CANCELLED, KT_ST_RESOLVED, KT_ST_RESOLVED },
	  KT_ST_RESOLVED },
	{ "4: a leg pending_customer beside a resolved one", KT_ST_NEW, 2,
	  { KT_ST_RESOLVED, KT_ST_PENDING_CUSTOMER }, KT_ST_PENDING_CUSTOMER },
	{ "4: a leg pending_customer beside pending_supplier", KT_ST_NEW, 2,
	  { KT_ST_PENDING_SUPPLIER, KT_ST_PENDING_CUSTOMER },
	  KT_ST_PENDING_CUSTOMER },
	{ "5: in progress beats pending_supplier", KT_ST_NEW, 2,
	  { KT_ST_PENDING_SUPPLIER, KT_ST_IN_PROGRESS }, KT_ST_IN_PROGRESS },
	{ "5: in progress beside a cancelled leg", KT_ST_NEW, 2,
	  { KT_ST_CANCELLED, KT_ST_IN_PROGRESS }, KT_ST_IN_PROGRESS },
	/* resolution confirmation: a reopen puts the ticket's own status and
	 * the legs that resolved it back to in_progress */
	{ "reopened: every leg back in progress", KT_ST_IN_PROGRESS, 2,
	  { KT_ST_IN_PROGRESS, KT_ST_IN_PROGRESS }, KT_ST_IN_PROGRESS },
	{ "reopened: one leg back in progress, one still resolved",
	  KT_ST_IN_PROGRESS, 2, { KT_ST_RESOLVED, KT_ST_IN_PROGRESS },
	  KT_ST_IN_PROGRESS },
	{ "reopened: resolved again by every leg", KT_ST_IN_PROGRESS, 2,
	  { KT_ST_RESOLVED, KT_ST_RESOLVED }, KT_ST_RESOLVED },
	{ "reopened: the supplier asks the customer", KT_ST_IN_PROGRESS, 2,
	  { KT_ST_RESOLVED, KT_ST_PENDING_CUSTOMER }, KT_ST_PENDING_CUSTOMER },
	{ "a supplier reopens its leg of a resolved ticket", KT_ST_NEW, 2,
	  { KT_ST_RESOLVED, KT_ST_ASSIGNED }, KT_ST_IN_PROGRESS },
};

static void test_consolidated_status(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(consolidated_cases); i++) {
		const struct consolidated_case *c = &consolidated_cases[i];
		enum kt_status got =
			kt_consolidated_status(c->ticket, c->legs, c->n_legs);

		enum kt_status reversed[MAX_LEGS];

		if (got != c->want)
			fail_msg("rule %s: got %s, want %s", c->rule,
				 kt_status_name(got), kt_status_name(c->want));
		/* the order of the legs never matters */
		for (size_t j = 0; j < c->n_legs; j++)
			reversed[j] = c->legs[c->n_legs - 1 - j];
		got = kt_consolidated_status(c->ticket, reversed, c->n_legs);
		if (got != c->want)
			fail_msg("rule %s, legs reversed: got %s, want %s", c->rule,
				 kt_status_name(got), kt_status_name(c->want));
	}
}

/* The exact words of the API, the database and adapters/webhook.md. */
static void test_names(void **state)
{
	static const char *const types[KT_TYPE__COUNT] = {
		"incident", "request", "change", "problem",
	};
	static const char *const prefixes[KT_TYPE__COUNT] = {
		"INC", "REQ", "CHG", "PRB",
	};
	static const char *const statuses[KT_ST__COUNT] = {
		"new", "assigned", "in_progress", "pending_customer",
		"pending_supplier", "resolved", "closed", "cancelled",
	};
	static const char *const ops[KT_OP__COUNT] = {
		"create", "update", "comment", "resolve", "cancel",
	};

	(void)state;
	for (int i = 0; i < KT_TYPE__COUNT; i++) {
		assert_string_equal(kt_ticket_type_name(i), types[i]);
		assert_string_equal(kt_ticket_type_prefix(i), prefixes[i]);
	}
	for (int i = 0; i < KT_ST__COUNT; i++)
		assert_string_equal(kt_status_name(i), statuses[i]);
	for (int i = 0; i < KT_OP__COUNT; i++)
		assert_string_equal(kt_operation_name(i), ops[i]);

	assert_string_equal(kt_ticket_type_name(KT_TYPE__COUNT), "unknown");
	assert_string_equal(kt_ticket_type_name(-1), "unknown");
	assert_string_equal(kt_ticket_type_prefix(KT_TYPE__COUNT), "UNK");
	assert_string_equal(kt_status_name(KT_ST__COUNT), "unknown");
	assert_string_equal(kt_status_name(-1), "unknown");
	assert_string_equal(kt_operation_name(KT_OP__COUNT), "unknown");
}

static void test_parse_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < KT_TYPE__COUNT; i++) {
		enum kt_ticket_type t = KT_TYPE__COUNT;

		assert_int_equal(kt_ticket_type_parse(kt_ticket_type_name(i), &t), 0);
		assert_int_equal(t, i);
	}
	for (int i = 0; i < KT_ST__COUNT; i++) {
		enum kt_status s = KT_ST__COUNT;

		assert_int_equal(kt_status_parse(kt_status_name(i), &s), 0);
		assert_int_equal(s, i);
	}
	for (int i = 0; i < KT_OP__COUNT; i++) {
		enum kt_operation op = KT_OP__COUNT;

		assert_int_equal(kt_operation_parse(kt_operation_name(i), &op), 0);
		assert_int_equal(op, i);
	}
}

/* Every move a supplier may make of its own leg: never to cancelled,
 * to closed only from resolved; its echo of the broker's own end is no
 * move; anything else is allowed. */
static void test_supplier_may_set(void **state)
{
	(void)state;
	for (int from = 0; from < KT_ST__COUNT; from++) {
		for (int to = 0; to < KT_ST__COUNT; to++) {
			int want = to == KT_ST_CANCELLED ? from == KT_ST_CANCELLED
				 : to == KT_ST_CLOSED ? (from == KT_ST_RESOLVED || from == KT_ST_CLOSED)
				 : 1;

			if (kt_status_supplier_may_set((enum kt_status)from, (enum kt_status)to) != want)
				fail_msg("%s -> %s: want %d", kt_status_name((enum kt_status)from),
					 kt_status_name((enum kt_status)to), want);
		}
	}
	assert_false(kt_status_supplier_may_set(KT_ST_IN_PROGRESS, KT_ST_CANCELLED));
	assert_false(kt_status_supplier_may_set(KT_ST_IN_PROGRESS, KT_ST_CLOSED));
	assert_true(kt_status_supplier_may_set(KT_ST_RESOLVED, KT_ST_CLOSED));
	assert_true(kt_status_supplier_may_set(KT_ST_NEW, KT_ST_RESOLVED));
}

static void test_parse_unknown(void **state)
{
	static const char *const bad[] = {
		"", "unknown", "New", "in progress", "in_progress ", "incidents",
		"INC", "leg.create", "resolvedx",
	};
	enum kt_ticket_type t = KT_TYPE_CHANGE;
	enum kt_status s = KT_ST_CLOSED;
	enum kt_operation op = KT_OP_CANCEL;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		if (kt_ticket_type_parse(bad[i], &t) != -1 ||
		    kt_status_parse(bad[i], &s) != -1 ||
		    kt_operation_parse(bad[i], &op) != -1)
			fail_msg("\"%s\" parsed as a name", bad[i]);
	}
	assert_int_equal(kt_ticket_type_parse(NULL, &t), -1);
	assert_int_equal(kt_status_parse(NULL, &s), -1);
	assert_int_equal(kt_operation_parse(NULL, &op), -1);
	/* a failed parse leaves the output alone */
	assert_int_equal(t, KT_TYPE_CHANGE);
	assert_int_equal(s, KT_ST_CLOSED);
	assert_int_equal(op, KT_OP_CANCEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_matrix),
		cmocka_unit_test(test_priority_out_of_range),
		cmocka_unit_test(test_consolidated_status),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_unknown),
		cmocka_unit_test(test_supplier_may_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
