/* adapter_testutil.h - what the unit tests of the adapters share: an
 * adapter from the registry, a golden JSON file read whole, and the check
 * of an error's detail paths. Include
 * after <cmocka.h>; each helper fails the running test instead of
 * returning an error. */
#ifndef KETEN_ADAPTER_TESTUTIL_H
#define KETEN_ADAPTER_TESTUTIL_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "keten/adapter.h"

/* The adapter registered under name; fails the test when there is none. */
static inline const struct kt_adapter *kt_test_adapter(const char *name)
{
	const struct kt_adapter *a = kt_adapter_find(name);

	assert_non_null(a);
	return a;
}

/* The JSON document in file path (duplicate keys refused); a new
 * reference. */
static inline json_t *kt_test_load_json(const char *path)
{
	json_error_t jerr;
	json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

	if (!v)
		fail_msg("\"%s\": %s", path, jerr.text);
	return v;
}

/* err's details list exactly the JSON pointers of paths (an array of
 * strings), in order, each with a message; name labels a failure. */
static inline void kt_test_check_paths(const char *name, const struct kt_err *err,
				       const json_t *paths)
{
	char *got = json_dumps(err->details, JSON_COMPACT);
	size_t i;
	json_t *d;

	if (json_array_size(err->details) != json_array_size(paths))
		fail_msg("%s: details %s", name, got ? got : "(none)");
	json_array_foreach(err->details, i, d) {
		const char *path = json_string_value(json_object_get(d, "path"));
		const char *msg = json_string_value(json_object_get(d, "message"));

		if (!path || !msg || !*msg ||
		    strcmp(path, json_string_value(json_array_get(paths, i))) != 0)
			fail_msg("%s: details %s", name, got);
	}
	free(got);
}

/* A listing page (read_list of adapter a for supplier s, the first page)
 * answered HTTP status with body (NULL: none) is refused as the
 * supplier's adapter_reply, its message holding words (NULL: any), and
 * lists nothing. */
static inline void kt_test_list_refused(const struct kt_adapter *a, const json_t *s,
					long status, const char *body, const char *words)
{
	struct kt_answer ans = { .http_status = status, .body = body,
				 .len = body ? strlen(body) : 0 };
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };

	assert_int_equal(a->read_list(s, NULL, &ans, &list, &err), KT_ERR);
	assert_int_equal(err.cls, KT_EC_SUPPLIER);
	assert_string_equal(err.code, "adapter_reply");
	if (words && !strstr(err.message, words))
		fail_msg("\"%s\" does not say \"%s\"", err.message, words);
	assert_int_equal(list.n, 0);
	assert_null(list.next_page);
	kt_inbound_list_release(&list);
	kt_err_release(&err);
}

/* Item i of list names the supplier's id ext and our reference leg
 * (NULL: none). */
static inline void kt_test_list_item(const struct kt_inbound_list *l, size_t i, const char *ext,
				     const char *leg)
{
	assert_true(i < l->n);
	assert_string_equal(l->items[i].external_id, ext);
	if (leg)
		assert_string_equal(l->items[i].leg_id, leg);
	else
		assert_null(l->items[i].leg_id);
}

#endif
