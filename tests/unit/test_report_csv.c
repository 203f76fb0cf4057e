/* test_report_csv.c - unit tests of broker/admin/report_csv.c: a report
 * flattened to "metric,value" lines in the object's order, nested members
 * and array items as dotted paths, null as an empty cell, reals without
 * a trailing .0, RFC 4180 quoting, and a formula-like text defused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "admin/report_csv.h"

static void check(const char *json, const char *want)
{
	json_t *v = json_loads(json, JSON_PRESERVE_ORDER, NULL);
	char *csv;

	assert_non_null(v);
	csv = kt_report_csv(v);
	assert_non_null(csv);
	assert_string_equal(csv, want);
	free(csv);
	json_decref(v);
}

static void test_flatten(void **state)
{
	(void)state;
	check("{\"service\": {\"key\": \"acme\"}, \"availability\": {\"pct\": 80.0,"
	      " \"share\": 66.67, \"mtrs_s\": null, \"breaks\": 2, \"met\": false},"
	      " \"list\": [1, {\"a\": true}]}",
	      "metric,value\r\n"
	      "service.key,acme\r\n"
	      "availability.pct,80\r\n"
	      "availability.share,66.67\r\n"
	      "availability.mtrs_s,\r\n"
	      "availability.breaks,2\r\n"
	      "availability.met,false\r\n"
	      "list.0,1\r\n"
	      "list.1.a,true\r\n");
	check("{}", "metric,value\r\n");
}

/* A cell with a comma, quote or line break is quoted, its quotes doubled;
 * one that starts like a formula gets a leading apostrophe. */
static void test_quoting(void **state)
{
	(void)state;
	check("{\"name\": \"Acme, \\\"the\\\" BV\", \"a,b\": \"x\\ny\", \"f\": \"=1+1\","
	      " \"g\": \"@SUM(A1)\", \"h\": \"-2\", \"i\": \"+\"}",
	      "metric,value\r\n"
	      "name,\"Acme, \"\"the\"\" BV\"\r\n"
	      "\"a,b\",\"x\ny\"\r\n"
	      "f,'=1+1\r\n"
	      "g,'@SUM(A1)\r\n"
	      "h,'-2\r\n"
	      "i,'+\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flatten),
		cmocka_unit_test(test_quoting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
