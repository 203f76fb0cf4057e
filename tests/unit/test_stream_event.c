/* test_stream_event.c - unit tests of kt_stream_event (http/stream.c): what
 * a keten_live notification (migration 031) tells each watcher: the
 * integrator everything, a customer only changes it may read of its own
 * tickets, nobody anything from a malformed payload. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "http/auth.h"
#include "http/stream.h"

#define T "5e000000-0000-4000-8000-000000000005"
#define A "a0000000-0000-4000-8000-00000000000a"
#define B "b0000000-0000-4000-8000-00000000000b"

/* The event's data as compact JSON ("" when not told) and its name. */
static char *told(const char *payload, int role, const char *customer, const char **event)
{
	json_t *j = kt_stream_event(payload, role, customer, event);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : strdup("");

	json_decref(j);
	return s;
}

static void check(const char *payload, int role, const char *customer, const char *want_event,
		  const char *want)
{
	const char *event = NULL;
	char *got = told(payload, role, customer, &event);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", payload, got, want);
	if (*want)
		assert_string_equal(event, want_event);
	free(got);
}

static void test_integrator(void **state)
{
	(void)state;
	check("ticket c " T " " A " ticket", KT_ROLE_INTEGRATOR, "", "ticket",
	      "{\"id\":\"" T "\",\"what\":\"ticket\"}");
	check("ticket i " T " " A " legs", KT_ROLE_INTEGRATOR, "", "ticket",
	      "{\"id\":\"" T "\",\"what\":\"legs\"}");
	check("delivery i " T " " A " 42:done", KT_ROLE_INTEGRATOR, "", "delivery",
	      "{\"id\":42,\"state\":\"done\",\"ticket_id\":\"" T "\"}");
	check("queue i " T " " A " dead_letters", KT_ROLE_INTEGRATOR, "", "queue",
	      "{\"queue\":\"dead_letters\",\"ticket_id\":\"" T "\"}");
}

static void test_customer(void **state)
{
	(void)state;
	check("ticket c " T " " A " timeline", KT_ROLE_CUSTOMER, A, "ticket",
	      "{\"id\":\"" T "\",\"what\":\"timeline\"}");
	check("ticket c " T " " A " timeline", KT_ROLE_CUSTOMER, B, "", "");
	check("ticket i " T " " A " timeline", KT_ROLE_CUSTOMER, A, "", "");
	check("ticket i " T " " A " legs", KT_ROLE_CUSTOMER, A, "", "");
	check("delivery i " T " " A " 42:done", KT_ROLE_CUSTOMER, A, "", "");
	check("queue i " T " " A " triage", KT_ROLE_CUSTOMER, A, "", "");
	check("ticket c " T " " A " ticket", KT_ROLE_SUPPLIER, "", "", "");
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "ticket", "ticket c " T " " A, "ticket c " T " " A " ticket extra",
		"ticket c <script> " A " ticket", "ticket c " T " " A " other",
		"delivery i " T " " A " 42", "delivery i " T " " A " x:done",
		"delivery i " T " " A " 42:lost", "queue i " T " " A " nope",
		"what i " T " " A " ticket",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check(bad[i], KT_ROLE_INTEGRATOR, "", "", "");
	check(NULL, KT_ROLE_INTEGRATOR, "", "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integrator),
		cmocka_unit_test(test_customer),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
