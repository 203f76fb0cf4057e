/* test_secret.c - unit tests of broker/base/secret.c: env: and file:
 * references, white space trimmed, empty, missing and too large secrets,
 * unknown schemes, and that no message ever carries the secret's value.
 * Table-driven over references. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/secret.h"

#define VALUE "s3cr3t-value"

static void test_refs(void **state)
{
	static const struct {
		const char *ref;          /* "FILE:x" = file:<tmpdir>/x */
		const char *want;         /* the secret, or NULL for an error */
		const char *in_message;   /* for an error: text its message has */
	} cases[] = {
		{ "env:KT_TEST_SECRET", VALUE, NULL },
		{ "env:KT_TEST_SECRET_BLANKS", VALUE, NULL },
		{ "env:KT_TEST_SECRET_EMPTY", NULL, "\"env:KT_TEST_SECRET_EMPTY\" is not set" },
		{ "env:KT_TEST_SECRET_UNSET", NULL, "\"env:KT_TEST_SECRET_UNSET\" is not set" },
		{ "FILE:plain", VALUE, NULL },
		{ "FILE:newline", VALUE, NULL },
		{ "FILE:blank", NULL, "is empty or too large" },
		{ "FILE:huge", NULL, "is empty or too large" },
		{ "FILE:absent", NULL, "could not read secret" },
		{ "vault:x", NULL, "must start with env: or file:" },
		{ "", NULL, "must start with env: or file:" },
		{ NULL, NULL, "must start with env: or file:" },
	};
	char dir[KT_TEST_PATH_MAX], ref[KT_TEST_PATH_MAX + 8];
	char *huge = malloc(5000);

	(void)state;
	assert_non_null(huge);
	memset(huge, 'x', 4999);
	huge[4999] = '\0';
	kt_test_tmpdir(dir);
	kt_test_write_file(dir, "plain", VALUE, NULL);
	kt_test_write_file(dir, "newline", "  " VALUE "\n", NULL);
	kt_test_write_file(dir, "blank", " \n\t\n", NULL);
	kt_test_write_file(dir, "huge", huge, NULL);
	free(huge);
	setenv("KT_TEST_SECRET", VALUE, 1);
	setenv("KT_TEST_SECRET_BLANKS", "\t " VALUE " \n", 1);
	setenv("KT_TEST_SECRET_EMPTY", "  ", 1);
	unsetenv("KT_TEST_SECRET_UNSET");
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_err err = { 0 };
		char *got = (char *)"untouched";
		const char *r = cases[i].ref;
		int rc;

		if (r && strncmp(r, "FILE:", 5) == 0) {
			snprintf(ref, sizeof(ref), "file:%s/%s", dir, r + 5);
			r = ref;
		}
		rc = kt_secret_resolve(r, &got, &err);
		if (cases[i].want) {
			if (rc != KT_OK)
				fail_msg("\"%s\": %s", r, err.message);
			assert_string_equal(got, cases[i].want);
			kt_secret_free(got);
			continue;
		}
		if (rc != KT_ERR)
			fail_msg("\"%s\" resolved", r ? r : "(null)");
		assert_null(got);
		assert_int_equal(err.cls, KT_EC_CONFIG);
		assert_string_equal(err.code, "secret_unavailable");
		if (!strstr(err.message, cases[i].in_message))
			fail_msg("\"%s\" not in \"%s\"", cases[i].in_message, err.message);
		assert_null(strstr(err.message, VALUE));
		kt_err_release(&err);
	}
	kt_secret_free(NULL);
	kt_test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
