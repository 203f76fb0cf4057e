/* adapter_testutil.h - what the unit tests of the adapters share: an
 * adapter from the registry and a golden JSON file read whole. Include
 * after <cmocka.h>; each helper fails the running test instead of
 * returning an error. */
#ifndef KETEN_ADAPTER_TESTUTIL_H
#define KETEN_ADAPTER_TESTUTIL_H

#include <jansson.h>

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

#endif
