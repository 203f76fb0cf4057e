/* test_list_filter.c - unit tests of broker/intake/list_filter.c: the
 * status and type lists become the store's text arrays, and every value
 * the list cannot mean is refused with its own code. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "intake/list_filter.h"

static void test_lists_become_arrays(void **state)
{
	struct kt_list_query q = { .status = "new,in_progress", .type = "incident",
				   .service = "acme-workplace", .q = "VPN down" };
	struct kt_list_filter f;
	struct kt_err err = { 0 };

	(void)state;
	assert_int_equal(kt_list_filter_read(&q, &f, &err), KT_OK);
	assert_string_equal(f.f.statuses, "{new,in_progress}");
	assert_string_equal(f.f.types, "{incident}");
	assert_string_equal(f.f.service, "acme-workplace");
	assert_string_equal(f.f.q, "VPN down");
	assert_null(f.f.state);
	q = (struct kt_list_query){ .status = "new,assigned,in_progress,pending_customer,"
					      "pending_supplier,resolved,closed,cancelled",
				    .type = "incident,request,change,problem",
				    .service = "5e000000-0000-4000-8000-000000000005" };
	assert_int_equal(kt_list_filter_read(&q, &f, &err), KT_OK);
	assert_string_equal(f.f.types, "{incident,request,change,problem}");
	q = (struct kt_list_query){ 0 };
	assert_int_equal(kt_list_filter_read(&q, &f, &err), KT_OK);
	assert_null(f.f.statuses);
	assert_null(f.f.types);
}

static void test_bad_values_refused(void **state)
{
	static const struct { struct kt_list_query q; const char *code; } cases[] = {
		{ { .status = "" }, "invalid_status" },
		{ { .status = "open" }, "invalid_status" },
		{ { .status = "new," }, "invalid_status" },
		{ { .status = ",new" }, "invalid_status" },
		{ { .status = "new,,closed" }, "invalid_status" },
		{ { .status = "new}" }, "invalid_status" },
		{ { .status = "new,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
		  "invalid_status" },
		{ { .type = "incidents" }, "invalid_type" },
		{ { .type = "incident,incident,incident,incident,incident,incident,incident,incident" }, "invalid_type" },
		{ { .service = "" }, "invalid_service" },
		{ { .service = "Acme" }, "invalid_service" },
		{ { .service = "a'b" }, "invalid_service" },
		{ { .q = "" }, "invalid_q" },
	};
	struct kt_list_filter f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kt_err err = { 0 };

		assert_int_equal(kt_list_filter_read(&cases[i].q, &f, &err), KT_ERR);
		assert_int_equal(err.cls, KT_EC_MALFORMED);
		assert_string_equal(err.code, cases[i].code);
	}
}

static void test_q_counts_characters(void **state)
{
	char q[KT_LIST_Q_MAX * 2 + 3];
	struct kt_list_query in = { .q = q };
	struct kt_list_filter f;
	struct kt_err err = { 0 };

	(void)state;
	for (int i = 0; i < KT_LIST_Q_MAX; i++)
		memcpy(q + i * 2, "\xc3\xa9", 2);
	q[KT_LIST_Q_MAX * 2] = '\0';
	assert_int_equal(kt_list_filter_read(&in, &f, &err), KT_OK);
	memcpy(q + KT_LIST_Q_MAX * 2, "x", 2);
	assert_int_equal(kt_list_filter_read(&in, &f, &err), KT_ERR);
	assert_string_equal(err.code, "invalid_q");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_become_arrays),
		cmocka_unit_test(test_bad_values_refused),
		cmocka_unit_test(test_q_counts_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
