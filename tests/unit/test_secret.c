/* test_secret.c - unit tests of broker/base/secret.c: env: and file:
 * references, white space trimmed, empty, missing and too large secrets,
 * unknown schemes; only KETEN_SECRET_* variables, only regular files
 * directly in the secrets directory (no symlink, subdirectory, fifo or
 * other path); and that no message ever carries the secret's value.
 * Table-driven over references. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/secret.h"

#include <sys/stat.h>
#include <unistd.h>

#define VALUE "s3cr3t-value"

/* Resolves r (rewritten: "FILE:x" = file:<dir>/x, "OUT:x" = file:<out>/x)
 * and checks it gives want, or fails with text in its message. */
static void check_ref(const char *r, const char *dir, const char *out, const char *want,
		      const char *in_message)
{
	char ref[2 * KT_TEST_PATH_MAX];
	struct kt_err err = { 0 };
	char *got = (char *)"untouched";
	int rc;
	const char *base = !r ? NULL : strncmp(r, "FILE:", 5) == 0 ? dir :
			   strncmp(r, "OUT:", 4) == 0 ? out : NULL;

	if (base) {
		snprintf(ref, sizeof(ref), "file:%s/%s", base, strchr(r, ':') + 1);
		r = ref;
	}
	rc = kt_secret_resolve(r, &got, &err);
	if (want) {
		if (rc != KT_OK)
			fail_msg("\"%s\": %s", r, err.message);
		assert_string_equal(got, want);
		kt_secret_free(got);
		return;
	}
	if (rc != KT_ERR)
		fail_msg("\"%s\" resolved", r ? r : "(null)");
	assert_null(got);
	assert_int_equal(err.cls, KT_EC_CONFIG);
	assert_string_equal(err.code, "secret_unavailable");
	if (!strstr(err.message, in_message))
		fail_msg("\"%s\" not in \"%s\"", in_message, err.message);
	assert_null(strstr(err.message, VALUE));
	kt_err_release(&err);
}

static void test_refs(void **state)
{
	static const struct {
		const char *ref;
		const char *want;         /* the secret, or NULL for an error */
		const char *in_message;   /* for an error: text its message has */
	} cases[] = {
		{ "env:KETEN_SECRET_T", VALUE, NULL },
		{ "env:KETEN_SECRET_T_BLANKS", VALUE, NULL },
		{ "env:KETEN_SECRET_T_EMPTY", NULL, "\"env:KETEN_SECRET_T_EMPTY\" is not set" },
		{ "env:KETEN_SECRET_T_UNSET", NULL, "\"env:KETEN_SECRET_T_UNSET\" is not set" },
		/* set, but not a secret's variable: the database URL, say */
		{ "env:KETEN_DATABASE_URL", NULL, "only KETEN_SECRET_* variables" },
		{ "env:KT_TEST_OTHER", NULL, "only KETEN_SECRET_* variables" },
		{ "FILE:plain", VALUE, NULL },
		{ "FILE:newline", VALUE, NULL },
		{ "FILE:blank", NULL, "is empty or too large" },
		{ "FILE:huge", NULL, "is empty or too large" },
		{ "FILE:absent", NULL, "could not read secret" },
		/* nothing outside the secrets directory, however named */
		{ "OUT:plain", NULL, "directly in the secrets_dir" },
		{ "FILE:sub/plain", NULL, "directly in the secrets_dir" },
		{ "FILE:../out/plain", NULL, "directly in the secrets_dir" },
		{ "FILE:.", NULL, "directly in the secrets_dir" },
		{ "file:/etc/passwd", NULL, "directly in the secrets_dir" },
		{ "FILE:link", NULL, "symlink" },
		{ "FILE:sub", NULL, "not a regular file" },
		{ "FILE:fifo", NULL, "not a regular file" },
		{ "vault:x", NULL, "must start with env: or file:" },
		{ "", NULL, "must start with env: or file:" },
		{ NULL, NULL, "must start with env: or file:" },
	};
	char dir[KT_TEST_PATH_MAX], out[KT_TEST_PATH_MAX], path[2 * KT_TEST_PATH_MAX];
	char *huge = malloc(5000);

	(void)state;
	assert_non_null(huge);
	memset(huge, 'x', 4999);
	huge[4999] = '\0';
	kt_test_tmpdir(dir);
	kt_test_tmpdir(out);
	kt_test_write_file(dir, "plain", VALUE, NULL);
	kt_test_write_file(dir, "newline", "  " VALUE "\n", NULL);
	kt_test_write_file(dir, "blank", " \n\t\n", NULL);
	kt_test_write_file(dir, "huge", huge, NULL);
	kt_test_write_file(out, "plain", VALUE, NULL);
	free(huge);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	kt_test_write_file(path, "plain", VALUE, NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/link", dir);
	{
		char target[2 * KT_TEST_PATH_MAX];

		snprintf(target, sizeof(target), "%s/plain", out);
		assert_int_equal(symlink(target, path), 0);
	}
	setenv("KETEN_SECRET_T", VALUE, 1);
	setenv("KETEN_SECRET_T_BLANKS", "\t " VALUE " \n", 1);
	setenv("KETEN_SECRET_T_EMPTY", "  ", 1);
	unsetenv("KETEN_SECRET_T_UNSET");
	setenv("KETEN_DATABASE_URL", VALUE, 1);
	setenv("KT_TEST_OTHER", VALUE, 1);

	/* No secrets directory: no file at all. */
	assert_int_equal(kt_secret_set_dir(NULL), KT_OK);
	check_ref("FILE:plain", dir, out, NULL, "no secrets_dir is configured");

	/* The directory as configured, with a trailing slash. */
	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(kt_secret_set_dir(path), KT_OK);
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		check_ref(cases[i].ref, dir, out, cases[i].want, cases[i].in_message);
	kt_secret_free(NULL);
	assert_int_equal(kt_secret_set_dir(NULL), KT_OK);
	kt_test_rmtree(dir);
	kt_test_rmtree(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
