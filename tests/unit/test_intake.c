/* test_intake.c - unit tests of broker/intake.c: a new ticket's body read
 * into struct kt_intake, every problem named by its JSON pointer (one table
 * row per field and rule), several problems at once, unknown fields, the
 * unknown_service answer and the priority matrix (kt_is_uuid: test_json_field.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/status.h"
#include "testutil.h"
#include "model/chain_doc.h"
#include "intake/intake.h"

#define SERVICE "5e000000-0000-4000-8000-000000000005"
#define VALID                                                              \
	"{\"service\": \"" SERVICE "\", \"type\": \"incident\","           \
	" \"summary\": \"Tills offline\", \"description\": \"since 09:10\"," \
	" \"impact\": 2, \"urgency\": 1, \"component\": \"network\"}"
#define MSG_INVALID "the ticket is not valid"

#define MAX_DETAILS 10

struct detail {
	const char *path, *message;
};

static json_t *parse_json(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (!v)
		fail_msg("bad test JSON (%s): %s", jerr.text, text);
	return v;
}

/* The valid body with field set to value (stolen; NULL removes it). */
static json_t *valid_with(const char *field, json_t *value)
{
	json_t *body = parse_json(VALID);

	if (value)
		json_object_set_new(body, field, value);
	else
		json_object_del(body, field);
	return body;
}

/* A string of len copies of unit (which may be several bytes). */
static json_t *repeat(const char *unit, size_t len)
{
	size_t ul = strlen(unit);
	char *buf = malloc(len * ul + 1);
	json_t *s;

	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		memcpy(buf + i * ul, unit, ul);
	buf[len * ul] = '\0';
	s = json_string(buf);
	assert_non_null(s);
	free(buf);
	return s;
}

/* Reports (and counts) how err's details differ from want[0..n). */
static int check_details(const char *name, const struct kt_err *err,
			 const struct detail *want, size_t n)
{
	json_t *d;
	size_t i;

	if (json_array_size(err->details) != n) {
		char *text = err->details ? json_dumps(err->details, 0) : NULL;

		print_error("%s: %zu details, want %zu: %s\n", name,
			    json_array_size(err->details), n, text ? text : "(none)");
		free(text);
		return 1;
	}
	json_array_foreach(err->details, i, d) {
		const char *path = json_string_value(json_object_get(d, "path"));
		const char *msg = json_string_value(json_object_get(d, "message"));

		if (!path || !msg || strcmp(path, want[i].path) != 0 ||
		    strcmp(msg, want[i].message) != 0) {
			print_error("%s: detail %zu is {%s, %s}, want {%s, %s}\n",
				    name, i, path ? path : "-", msg ? msg : "-",
				    want[i].path, want[i].message);
			return 1;
		}
	}
	return 0;
}

/* Parses body, expecting 422 invalid_ticket with exactly want; reports
 * and returns 1 when not. Table tests sum these and fail once at the end,
 * so that every failing row is listed and nothing is left allocated. */
static int expect_invalid(const char *name, json_t *body,
			  const struct detail *want, size_t n)
{
	struct kt_intake in;
	struct kt_err err = { 0 };
	int bad = 0;

	if (kt_intake_parse(body, &in, &err) != KT_ERR) {
		print_error("%s: accepted\n", name);
		bad = 1;
	} else if (kt_http_status_of(err.cls) != 422 || strcmp(err.code, "invalid_ticket") != 0 ||
		   strcmp(err.message, MSG_INVALID) != 0) {
		print_error("%s: %d %s \"%s\", want 422 invalid_ticket\n", name,
			    kt_http_status_of(err.cls), err.code, err.message);
		bad = 1;
	} else {
		bad = check_details(name, &err, want, n);
	}
	kt_err_release(&err);
	return bad;
}

#define FAIL_IF_BAD(bad) \
	do { if (bad) fail_msg("%d case(s) failed, listed above", bad); } while (0)

static void test_valid(void **state)
{
	json_t *body = parse_json(VALID);
	struct kt_intake in;
	struct kt_err err = { 0 };

	(void)state;
	memset(&in, 0x5a, sizeof(in));
	assert_int_equal(kt_intake_parse(body, &in, &err), KT_OK);
	assert_false(kt_err_isset(&err));
	assert_null(err.details);
	assert_int_equal(in.type, KT_TYPE_INCIDENT);
	assert_string_equal(in.service, SERVICE);
	assert_string_equal(in.summary, "Tills offline");
	assert_string_equal(in.description, "since 09:10");
	assert_string_equal(in.component, "network");
	assert_int_equal(in.impact, 2);
	assert_int_equal(in.urgency, 1);
	assert_int_equal(in.priority, 2);
	/* borrowed from the body, not copied */
	assert_ptr_equal(in.service,
			 json_string_value(json_object_get(body, "service")));
	assert_ptr_equal(in.summary,
			 json_string_value(json_object_get(body, "summary")));
	json_decref(body);
}

/* Optional and edge values that are still a valid ticket. */
static void test_valid_edges(void **state)
{
	static const char *const types[] = {
		"incident", "request", "change", "problem",
	};
	struct {
		const char *name, *field;
		json_t *value;
	} cases[] = {
		{ "no component", "component", NULL },
		{ "null component", "component", json_null() },
		{ "empty description", "description", json_string("") },
		{ "upper-case uuid", "service",
		  json_string("5E000000-0000-4000-8000-0000000000AB") },
		{ "summary of 200 bytes", "summary", repeat("s", KT_SUMMARY_MAX) },
		{ "summary of 100 two-byte characters", "summary",
		  repeat("\xc3\xa9", KT_SUMMARY_MAX / 2) },
		{ "description of 65536 bytes", "description",
		  repeat("d", KT_DESCRIPTION_MAX) },
		{ "component of 63 bytes", "component", repeat("c", 63) },
		{ "component of 1 byte", "component", json_string("c") },
		{ "summary of 1 byte", "summary", json_string("s") },
		{ "category", "category", json_string("account") },
		{ "category of 200 bytes", "category", repeat("k", KT_CHAIN_NAME_MAX) },
		{ "null category", "category", json_null() },
		{ "ci", "ci", json_string("srv-web-01") },
		{ "ci of 200 bytes", "ci", repeat("i", KT_CHAIN_NAME_MAX) },
		{ "null ci", "ci", json_null() },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const char *want = json_string_value(cases[i].value);
		json_t *body = valid_with(cases[i].field, cases[i].value);
		struct kt_intake in;
		struct kt_err err = { 0 };

		if (kt_intake_parse(body, &in, &err) != KT_OK)
			fail_msg("%s: %s %s", cases[i].name, err.code, err.message);
		if (strcmp(cases[i].field, "component") == 0) {
			if (want ? !in.component || strcmp(in.component, want) != 0
				 : in.component != NULL)
				fail_msg("%s: component \"%s\"", cases[i].name,
					 in.component ? in.component : "NULL");
		} else if (strcmp(cases[i].field, "summary") == 0) {
			assert_string_equal(in.summary, want);
		} else if (strcmp(cases[i].field, "description") == 0) {
			assert_string_equal(in.description, want);
		} else if (strcmp(cases[i].field, "category") == 0 ||
			   strcmp(cases[i].field, "ci") == 0) {
			const char *got = cases[i].field[1] == 'a' ? in.category : in.ci;

			if (want ? !got || strcmp(got, want) != 0 : got != NULL)
				fail_msg("%s: %s \"%s\"", cases[i].name, cases[i].field,
					 got ? got : "NULL");
		}
		json_decref(body);
	}
	for (size_t t = 0; t < N_ELEMS(types); t++) {
		json_t *body = valid_with("type", json_string(types[t]));
		struct kt_intake in;
		struct kt_err err = { 0 };

		assert_int_equal(kt_intake_parse(body, &in, &err), KT_OK);
		assert_int_equal(in.type, (int)t);
		json_decref(body);
	}
}

struct field_case {
	const char *name, *field;
	const char *value; /* JSON text; NULL removes the field */
	const char *path, *message;
};

#define REQUIRED "is required"
#define NOT_STRING "must be a string"
#define LEVEL "must be 1, 2 or 3"
#define TYPES "must be incident, request, change or problem"

static const struct field_case field_cases[] = {
	{ "service missing", "service", NULL, "/service", REQUIRED },
	{ "service null", "service", "null", "/service", REQUIRED },
	{ "service a number", "service", "42", "/service", NOT_STRING },
	{ "service an object", "service", "{\"id\": \"x\"}", "/service",
	  NOT_STRING },
	{ "service empty", "service", "\"\"", "/service",
	  "must be 1 to 64 bytes long" },
	{ "type missing", "type", NULL, "/type", REQUIRED },
	{ "type null", "type", "null", "/type", REQUIRED },
	{ "type a number", "type", "1", "/type", NOT_STRING },
	{ "type empty", "type", "\"\"", "/type", "must be 1 to 32 bytes long" },
	{ "type unknown", "type", "\"outage\"", "/type", TYPES },
	{ "type in capitals", "type", "\"Incident\"", "/type", TYPES },
	{ "type plural", "type", "\"incidents\"", "/type", TYPES },
	{ "type with a blank", "type", "\"incident \"", "/type", TYPES },
	{ "summary missing", "summary", NULL, "/summary", REQUIRED },
	{ "summary null", "summary", "null", "/summary", REQUIRED },
	{ "summary empty", "summary", "\"\"", "/summary",
	  "must be 1 to 200 bytes long" },
	{ "summary an array", "summary", "[\"a\"]", "/summary", NOT_STRING },
	{ "summary boolean", "summary", "true", "/summary", NOT_STRING },
	{ "description missing", "description", NULL, "/description",
	  REQUIRED },
	{ "description null", "description", "null", "/description",
	  REQUIRED },
	{ "description a number", "description", "0", "/description",
	  NOT_STRING },
	{ "component empty", "component", "\"\"", "/component",
	  "must be 1 to 63 bytes long" },
	{ "component a number", "component", "7", "/component", NOT_STRING },
	{ "category empty", "category", "\"\"", "/category",
	  "must be 1 to 200 bytes long" },
	{ "category an array", "category", "[\"account\"]", "/category", NOT_STRING },
	{ "ci empty", "ci", "\"\"", "/ci", "must be 1 to 200 bytes long" },
	{ "ci a number", "ci", "42", "/ci", NOT_STRING },
	{ "impact missing", "impact", NULL, "/impact", REQUIRED },
	{ "impact 0", "impact", "0", "/impact", LEVEL },
	{ "impact 4", "impact", "4", "/impact", LEVEL },
	{ "impact -1", "impact", "-1", "/impact", LEVEL },
	{ "impact huge", "impact", "4294967298", "/impact", LEVEL },
	{ "impact a string", "impact", "\"2\"", "/impact", LEVEL },
	{ "impact a real", "impact", "2.0", "/impact", LEVEL },
	{ "impact boolean", "impact", "true", "/impact", LEVEL },
	{ "impact null", "impact", "null", "/impact", LEVEL },
	{ "urgency missing", "urgency", NULL, "/urgency", REQUIRED },
	{ "urgency 0", "urgency", "0", "/urgency", LEVEL },
	{ "urgency 4", "urgency", "4", "/urgency", LEVEL },
	{ "urgency a string", "urgency", "\"1\"", "/urgency", LEVEL },
	{ "urgency a real", "urgency", "1.5", "/urgency", LEVEL },
};

static void test_field_errors(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(field_cases); i++) {
		const struct field_case *c = &field_cases[i];
		struct detail want = { c->path, c->message };
		json_t *body = valid_with(c->field,
					  c->value ? parse_json(c->value) : NULL);

		bad += expect_invalid(c->name, body, &want, 1);
		json_decref(body);
	}
	FAIL_IF_BAD(bad);
}

/* One byte over each limit, counted in bytes, not characters. */
static void test_length_limits(void **state)
{
	struct {
		const char *name, *field;
		json_t *value;
		const char *message;
	} cases[] = {
		{ "service of 65 bytes", "service", repeat("a", 65),
		  "must be 1 to 64 bytes long" },
		{ "type of 33 bytes", "type", repeat("t", 33),
		  "must be 1 to 32 bytes long" },
		{ "summary of 201 bytes", "summary", repeat("s", KT_SUMMARY_MAX + 1),
		  "must be 1 to 200 bytes long" },
		{ "summary of 101 two-byte characters", "summary",
		  repeat("\xc3\xa9", KT_SUMMARY_MAX / 2 + 1),
		  "must be 1 to 200 bytes long" },
		{ "description of 65537 bytes", "description",
		  repeat("d", KT_DESCRIPTION_MAX + 1),
		  "must be 0 to 65536 bytes long" },
		{ "component of 64 bytes", "component", repeat("c", 64),
		  "must be 1 to 63 bytes long" },
		{ "category of 201 bytes", "category", repeat("k", KT_CHAIN_NAME_MAX + 1),
		  "must be 1 to 200 bytes long" },
		{ "ci of 201 bytes", "ci", repeat("i", KT_CHAIN_NAME_MAX + 1),
		  "must be 1 to 200 bytes long" },
	};
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char path[40];
		struct detail want = { path, cases[i].message };
		json_t *body = valid_with(cases[i].field, cases[i].value);

		snprintf(path, sizeof(path), "/%s", cases[i].field);
		bad += expect_invalid(cases[i].name, body, &want, 1);
		json_decref(body);
	}
	FAIL_IF_BAD(bad);
}

struct multi_case {
	const char *name, *body;
	size_t n;
	struct detail want[MAX_DETAILS];
};

static const struct multi_case multi_cases[] = {
	{ "empty object", "{}", 6, {
		{ "/service", REQUIRED }, { "/type", REQUIRED },
		{ "/summary", REQUIRED }, { "/description", REQUIRED },
		{ "/impact", REQUIRED }, { "/urgency", REQUIRED } } },
	{ "not an object: array", "[1, 2]", 6, {
		{ "/service", REQUIRED }, { "/type", REQUIRED },
		{ "/summary", REQUIRED }, { "/description", REQUIRED },
		{ "/impact", REQUIRED }, { "/urgency", REQUIRED } } },
	{ "not an object: string", "\"ticket\"", 6, {
		{ "/service", REQUIRED }, { "/type", REQUIRED },
		{ "/summary", REQUIRED }, { "/description", REQUIRED },
		{ "/impact", REQUIRED }, { "/urgency", REQUIRED } } },
	{ "every field wrong, in field order",
	  "{\"urgency\": 9, \"impact\": \"high\", \"component\": \"\","
	  " \"description\": 1, \"summary\": \"\", \"type\": \"bug\","
	  " \"service\": false}", 7, {
		{ "/service", NOT_STRING }, { "/type", TYPES },
		{ "/summary", "must be 1 to 200 bytes long" },
		{ "/description", NOT_STRING },
		{ "/component", "must be 1 to 63 bytes long" },
		{ "/impact", LEVEL }, { "/urgency", LEVEL } } },
	{ "unknown fields first, in body order, then the field problems",
	  "{\"priority\": 1, \"service\": \"" SERVICE "\", \"status\": \"new\","
	  " \"type\": \"incident\", \"summary\": \"s\", \"description\": \"d\","
	  " \"impact\": 1, \"Urgency\": 1}", 4, {
		{ "/priority", "is not a ticket field" },
		{ "/status", "is not a ticket field" },
		{ "/Urgency", "is not a ticket field" },
		{ "/urgency", REQUIRED } } },
	/* a bad service only counts as unknown once the rest is valid */
	{ "non-uuid service beside another problem",
	  "{\"service\": \"acme\", \"type\": \"incident\", \"summary\": \"s\","
	  " \"description\": \"d\", \"impact\": 1}", 1, {
		{ "/urgency", REQUIRED } } },
};

static void test_several_errors(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(multi_cases); i++) {
		json_t *body = parse_json(multi_cases[i].body);

		bad += expect_invalid(multi_cases[i].name, body,
				      multi_cases[i].want, multi_cases[i].n);
		json_decref(body);
	}
	FAIL_IF_BAD(bad);
}

static void test_unknown_fields(void **state)
{
	static const char *const fields[] = {
		"priority", "status", "id", "customer", "legs", "Summary",
		"service ", "", "x-extra",
	};
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(fields); i++) {
		char path[80];
		struct detail want = { path, "is not a ticket field" };
		json_t *body = valid_with(fields[i], json_integer(1));

		snprintf(path, sizeof(path), "/%s", fields[i]);
		bad += expect_invalid(fields[i], body, &want, 1);
		json_decref(body);
	}
	FAIL_IF_BAD(bad);
}

/* Detail paths are JSON pointers (RFC 6901): "~" and "/" in a member name
 * are written "~0" and "~1". */
static void test_unknown_field_pointer_escaped(void **state)
{
	static const struct {
		const char *field, *path;
	} cases[] = {
		{ "a/b", "/a~1b" },
		{ "x~y", "/x~0y" },
		{ "/", "/~1" },
	};
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct detail want = { cases[i].path, "is not a ticket field" };
		json_t *body = valid_with(cases[i].field, json_true());

		bad += expect_invalid(cases[i].field, body, &want, 1);
		json_decref(body);
	}
	FAIL_IF_BAD(bad);
}

/* A very long unknown member name still yields its one detail (the path
 * may be shortened, but never to invalid UTF-8 that drops the detail). */
static void test_unknown_field_long_name(void **state)
{
	static const char *const units[] = { "k", "\xc3\xa9", "\xe2\x98\x83" };
	static const char *const prefixes[] = { "", "x", "xy" };
	int bad = 0;

	(void)state;
	/* 40 characters of 1 to 3 bytes, shifted by 0 to 2 bytes, so that any
	 * cut near 60 bytes lands inside a character somewhere */
	for (size_t u = 0; u < N_ELEMS(units); u++)
		for (size_t p = 0; p < N_ELEMS(prefixes); p++) {
			json_t *name = repeat(units[u], 40);
			char key[256], label[300];
			json_t *body;
			struct kt_intake in;
			struct kt_err err = { 0 };
			const char *path;

			snprintf(key, sizeof(key), "%s%s", prefixes[p],
				 json_string_value(name));
			snprintf(label, sizeof(label), "member \"%s\"", key);
			body = valid_with(key, json_true());
			if (kt_intake_parse(body, &in, &err) != KT_ERR ||
			    json_array_size(err.details) != 1) {
				print_error("%s: %zu details, want 1\n", label,
					    json_array_size(err.details));
				bad++;
			} else {
				path = json_string_value(json_object_get(
					json_array_get(err.details, 0), "path"));
				if (!path || path[0] != '/' ||
				    strncmp(path + 1, key, strlen(path + 1)) != 0) {
					print_error("%s: path \"%s\"\n", label,
						    path ? path : "-");
					bad++;
				}
			}
			kt_err_release(&err);
			json_decref(body);
			json_decref(name);
		}
	FAIL_IF_BAD(bad);
}

static void test_unknown_service(void **state)
{
	static const char *const services[] = {
		"acme", "5e000000-0000-4000-8000-00000000000",
		"5e000000-0000-4000-8000-0000000000055",
		"5e000000000040008000000000000005",
		"{5e000000-0000-4000-8000-000000000005}",
		"5e000000-0000-4000-8000-00000000000g",
		" 5e000000-0000-4000-8000-00000000005",
	};
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(services); i++) {
		static const struct detail want = { "/service", "no such service" };
		json_t *body = valid_with("service", json_string(services[i]));
		struct kt_intake in;
		struct kt_err err = { 0 };
		char msg[128];

		snprintf(msg, sizeof(msg), "unknown service \"%s\"", services[i]);
		if (kt_intake_parse(body, &in, &err) != KT_ERR ||
		    kt_http_status_of(err.cls) != 422 || strcmp(err.code, "unknown_service") != 0 ||
		    strcmp(err.message, msg) != 0) {
			print_error("service \"%s\": %d %s \"%s\"\n", services[i],
				    kt_http_status_of(err.cls), err.code, err.message);
			bad++;
		} else {
			bad += check_details(services[i], &err, &want, 1);
		}
		kt_err_release(&err);
		json_decref(body);
	}
	FAIL_IF_BAD(bad);
}

static void test_priority_matrix(void **state)
{
	/* ITIL: rows impact 1..3, columns urgency 1..3 */
	static const int want[3][3] = { { 1, 2, 3 }, { 2, 3, 4 }, { 3, 4, 5 } };

	(void)state;
	for (int impact = 1; impact <= 3; impact++)
		for (int urgency = 1; urgency <= 3; urgency++) {
			json_t *body = parse_json(VALID);
			struct kt_intake in;
			struct kt_err err = { 0 };

			json_object_set_new(body, "impact", json_integer(impact));
			json_object_set_new(body, "urgency", json_integer(urgency));
			assert_int_equal(kt_intake_parse(body, &in, &err), KT_OK);
			if (in.impact != impact || in.urgency != urgency ||
			    in.priority != want[impact - 1][urgency - 1])
				fail_msg("impact %d urgency %d: got %d/%d priority %d, "
					 "want priority %d", impact, urgency, in.impact,
					 in.urgency, in.priority,
					 want[impact - 1][urgency - 1]);
			json_decref(body);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_valid_edges),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_several_errors),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_unknown_field_pointer_escaped),
		cmocka_unit_test(test_unknown_field_long_name),
		cmocka_unit_test(test_unknown_service),
		cmocka_unit_test(test_priority_matrix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
