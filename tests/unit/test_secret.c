/* test_secret.c - unit tests of broker/base/secret.c: "env:" and "file:"
 * references, white space trimmed on both sides (a file's trailing newline
 * among it), and every failure (unset, empty, blank, missing or unreadable
 * file, too large, unknown scheme, NULL) as config "secret_unavailable"
 * whose message names the reference, never the value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/secret.h"
#include "testutil.h"

#define ENV_NAME "KETEN_TEST_SECRET_UNIT"
#define VALUE "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* Resolves ref and expects the secret want. */
static void expect_secret(const char *ref, const char *want)
{
	struct kt_err err = { 0 };
	char *got = (char *)1;

	assert_int_equal(kt_secret_resolve(ref, &got, &err), KT_OK);
	assert_false(kt_err_isset(&err));
	assert_non_null(got);
	assert_string_equal(got, want);
	kt_secret_free(got);
}

/* Resolves ref and expects the one failure the header promises: *out NULL,
 * class config, code "secret_unavailable", the reference named in the
 * message, and the value (when given) nowhere in it. */
static void expect_unavailable(const char *ref, const char *named, const char *value)
{
	struct kt_err err = { 0 };
	char *got = (char *)1;

	assert_int_equal(kt_secret_resolve(ref, &got, &err), KT_ERR);
	assert_null(got);
	assert_int_equal(err.cls, KT_EC_CONFIG);
	assert_string_equal(err.code, "secret_unavailable");
	assert_non_null(strstr(err.message, named));
	if (value)
		assert_null(strstr(err.message, value));
	assert_true(kt_err_class_retryable(err.cls));
	kt_err_release(&err);
}

static void env_reference(void **state)
{
	(void)state;
	assert_int_equal(setenv(ENV_NAME, VALUE, 1), 0);
	expect_secret("env:" ENV_NAME, VALUE);
	assert_int_equal(setenv(ENV_NAME, " \t" VALUE "\r\n", 1), 0);
	expect_secret("env:" ENV_NAME, VALUE);
	assert_int_equal(setenv(ENV_NAME, "in between stays", 1), 0);
	expect_secret("env:" ENV_NAME, "in between stays");
	unsetenv(ENV_NAME);
}

static void env_unset_empty_or_blank(void **state)
{
	(void)state;
	unsetenv(ENV_NAME);
	expect_unavailable("env:" ENV_NAME, "env:" ENV_NAME, NULL);
	assert_int_equal(setenv(ENV_NAME, "", 1), 0);
	expect_unavailable("env:" ENV_NAME, "env:" ENV_NAME, NULL);
	assert_int_equal(setenv(ENV_NAME, " \n\t ", 1), 0);
	expect_unavailable("env:" ENV_NAME, "env:" ENV_NAME, NULL);
	unsetenv(ENV_NAME);
	expect_unavailable("env:", "env:", NULL);
}

static void file_reference(void **state)
{
	char path[KT_TEST_PATH_MAX], ref[KT_TEST_PATH_MAX + 8];

	kt_test_write_file(*state, "plain", VALUE, path);
	snprintf(ref, sizeof(ref), "file:%s", path);
	expect_secret(ref, VALUE);

	kt_test_write_file(*state, "newline", VALUE "\n", path);
	snprintf(ref, sizeof(ref), "file:%s", path);
	expect_secret(ref, VALUE);

	kt_test_write_file(*state, "crlf", "  " VALUE "\r\n\r\n", path);
	snprintf(ref, sizeof(ref), "file:%s", path);
	expect_secret(ref, VALUE);
}

static void file_empty_or_blank(void **state)
{
	char path[KT_TEST_PATH_MAX], ref[KT_TEST_PATH_MAX + 8];

	kt_test_write_file(*state, "empty", "", path);
	snprintf(ref, sizeof(ref), "file:%s", path);
	expect_unavailable(ref, ref, NULL);

	kt_test_write_file(*state, "blank", "\n \n", path);
	snprintf(ref, sizeof(ref), "file:%s", path);
	expect_unavailable(ref, ref, NULL);
}

/* A missing file, a path through a file (ENOTDIR, which root cannot read
 * either) and a directory (opens, but yields nothing). */
static void file_missing_or_unreadable(void **state)
{
	char path[KT_TEST_PATH_MAX], ref[KT_TEST_PATH_MAX * 2];

	kt_test_join(path, *state, "absent");
	snprintf(ref, sizeof(ref), "file:%s", path);
	expect_unavailable(ref, ref, NULL);

	kt_test_write_file(*state, "notdir", VALUE, path);
	snprintf(ref, sizeof(ref), "file:%s/below", path);
	expect_unavailable(ref, ref, VALUE);

	snprintf(ref, sizeof(ref), "file:%s", (const char *)*state);
	expect_unavailable(ref, ref, NULL);
}

/* The file reader takes up to 4095 bytes; 4096 or more is too large. */
static void file_size_limit(void **state)
{
	char path[KT_TEST_PATH_MAX], ref[KT_TEST_PATH_MAX + 8];
	char *big = malloc(4097);

	assert_non_null(big);
	memset(big, 'k', 4095);
	big[4095] = '\0';
	kt_test_write_file(*state, "most", big, path);
	snprintf(ref, sizeof(ref), "file:%s", path);
	expect_secret(ref, big);

	memset(big, 'k', 4096);
	big[4096] = '\0';
	kt_test_write_file(*state, "over", big, path);
	snprintf(ref, sizeof(ref), "file:%s", path);
	expect_unavailable(ref, ref, big);
	free(big);
}

static void unknown_scheme_or_null(void **state)
{
	(void)state;
	expect_unavailable(VALUE, VALUE, NULL);
	expect_unavailable("ENV:" ENV_NAME, "ENV:" ENV_NAME, NULL);
	expect_unavailable("vault:keten/netco", "vault:keten/netco", NULL);
	expect_unavailable("", "env: or file:", NULL);
	expect_unavailable(NULL, "env: or file:", NULL);
}

/* Without an err the failure is still KT_ERR; kt_secret_free takes NULL. */
static void null_err(void **state)
{
	char *got = (char *)1;

	(void)state;
	unsetenv(ENV_NAME);
	assert_int_equal(kt_secret_resolve("env:" ENV_NAME, &got, NULL), KT_ERR);
	assert_null(got);
	kt_secret_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(env_reference),
		cmocka_unit_test(env_unset_empty_or_blank),
		cmocka_unit_test_setup_teardown(file_reference, kt_test_setup_tmpdir,
						kt_test_teardown_tmpdir),
		cmocka_unit_test_setup_teardown(file_empty_or_blank, kt_test_setup_tmpdir,
						kt_test_teardown_tmpdir),
		cmocka_unit_test_setup_teardown(file_missing_or_unreadable, kt_test_setup_tmpdir,
						kt_test_teardown_tmpdir),
		cmocka_unit_test_setup_teardown(file_size_limit, kt_test_setup_tmpdir,
						kt_test_teardown_tmpdir),
		cmocka_unit_test(unknown_scheme_or_null),
		cmocka_unit_test(null_err),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
