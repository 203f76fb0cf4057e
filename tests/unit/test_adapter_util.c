/* test_adapter_util.c - unit tests of adapters/adapter_util.c: the JSON
 * pointer walk of a mapping check (escaping, coming back, a pointer that
 * does not fit), the live check's unknown value, Keten's origin marker cut
 * off a comment, an answer's body as JSON, and the one-line error text
 * (either part, both, cut at a character boundary). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "../../adapters/adapter_util.h"

static void test_walk(void **state)
{
	struct kt_err err = { 0 };
	struct kt_map_walk w = { .err = &err };
	size_t top, inner;
	char key[400];

	(void)state;
	top = kt_map_walk_down(&w, "status_in");
	inner = kt_map_walk_down(&w, "a/b~c");
	assert_string_equal(w.at, "/status_in/a~1b~0c");
	kt_map_walk_note(&w, "is %s", "wrong");
	kt_map_walk_up(&w, inner);
	assert_string_equal(w.at, "/status_in");
	kt_map_walk_up(&w, top);
	assert_string_equal(w.at, "");
	assert_int_equal(w.problems, 1);
	assert_int_equal(json_array_size(err.details), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(err.details, 0), "path")),
			    "/status_in/a~1b~0c");
	assert_string_equal(json_string_value(json_object_get(json_array_get(err.details, 0), "message")),
			    "is wrong");

	/* a key longer than the pointer holds is cut, never overflows */
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	top = kt_map_walk_down(&w, key);
	assert_true(strlen(w.at) < sizeof(w.at));
	assert_int_equal(w.at[0], '/');
	kt_map_walk_down(&w, "more");
	assert_true(strlen(w.at) < sizeof(w.at));
	kt_map_walk_up(&w, top);
	assert_string_equal(w.at, "");
	kt_err_release(&err);
}

static void test_check_unknown(void **state)
{
	struct kt_err err = { 0 };
	const json_t *d;

	(void)state;
	assert_int_equal(kt_check_unknown(&err, "/entries/incident", "no such request type",
					  "jira does not know a value of the mapping"), KT_ERR);
	assert_int_equal(err.cls, KT_EC_INVALID);
	assert_string_equal(err.code, "mapping_unknown_value");
	assert_string_equal(err.message, "jira does not know a value of the mapping");
	d = json_array_get(err.details, 0);
	assert_string_equal(json_string_value(json_object_get(d, "path")), "/entries/incident");
	assert_string_equal(json_string_value(json_object_get(d, "message")), "no such request type");
	kt_err_release(&err);
}

static void test_split_origin(void **state)
{
	static const struct {
		const char *in, *text, *origin; /* origin NULL: no marker */
	} cases[] = {
		{ "Engineer on the way\n\n[keten:msg:42]", "Engineer on the way", "keten:msg:42" },
		{ "done [keten:c1]", "done", "keten:c1" },
		{ "[keten:x]", "", "keten:x" },
		{ "plain text", "plain text", NULL },
		{ "see [ticket 4]", "see [ticket 4]", NULL },
		{ "[keten:x] then more", "[keten:x] then more", NULL }, /* not at the end */
		{ "", "", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = strdup(cases[i].in), *origin = (char *)"unset";

		assert_non_null(text);
		assert_int_equal(kt_comment_split_origin(text, &origin), 0);
		assert_string_equal(text, cases[i].text);
		if (cases[i].origin)
			assert_string_equal(origin, cases[i].origin);
		else
			assert_null(origin);
		free(origin);
		free(text);
	}
}

static void test_answer_json(void **state)
{
	struct kt_answer a = { .body = "{\"message\": \"no\"}", .len = 17 };
	json_t *doc;

	(void)state;
	doc = kt_answer_json(&a);
	assert_string_equal(json_string_value(json_object_get(doc, "message")), "no");
	json_decref(doc);
	a.body = "<html>";
	a.len = 6;
	assert_null(kt_answer_json(&a));
	a.body = NULL;
	a.len = 0;
	assert_null(kt_answer_json(&a));
}

static void test_error_text(void **state)
{
	char buf[64], small[8];

	(void)state;
	assert_int_equal(kt_error_text(buf, sizeof(buf), "summary", "is required"), 1);
	assert_string_equal(buf, "summary: is required");
	assert_int_equal(kt_error_text(buf, sizeof(buf), NULL, "Not found"), 1);
	assert_string_equal(buf, "Not found");
	assert_int_equal(kt_error_text(buf, sizeof(buf), "Invalid body", ""), 1);
	assert_string_equal(buf, "Invalid body");
	snprintf(buf, sizeof(buf), "kept");
	assert_int_equal(kt_error_text(buf, sizeof(buf), "", NULL), 0);
	assert_string_equal(buf, "kept");
	assert_int_equal(kt_error_text(buf, 0, "a", "b"), 0);
	/* cut to fit, never inside a character (é is 2 bytes); no ": " without
	 * room for some of the text after it */
	assert_int_equal(kt_error_text(small, sizeof(small), "ab", "xx\xc3\xa9"), 1);
	assert_string_equal(small, "ab: xx");
	assert_int_equal(kt_error_text(small, sizeof(small), "abcdef\xc3\xa9", "x"), 1);
	assert_string_equal(small, "abcdef");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_check_unknown),
		cmocka_unit_test(test_split_origin),
		cmocka_unit_test(test_answer_json),
		cmocka_unit_test(test_error_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
