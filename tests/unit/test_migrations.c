/* test_migrations.c - unit tests of the migrations compiled into keten
 * (broker/migrations.h, made from schemas/migrations/ by schemas/embed.sh):
 * the table's order and names, that it holds exactly the files' SQL, and
 * that embed.sh refuses duplicate or badly named migrations (run on a copy
 * in a throwaway folder). Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <sys/wait.h>

#include "testutil.h"
#include "store/migrations.h"

#define MIGRATIONS "schemas/migrations"
#define EMBED "schemas/embed.sh"

static void test_table_order(void **state)
{
	(void)state;
	assert_true(kt_migrations_count >= 1);
	assert_int_equal(kt_migrations[0].version, 1);
	for (int i = 0; i < kt_migrations_count; i++) {
		const struct kt_migration *m = &kt_migrations[i];
		char num[8];
		const char *p;

		if (i > 0 && m->version <= kt_migrations[i - 1].version)
			fail_msg("migration %d (%s) does not follow %d", m->version,
				 m->name, kt_migrations[i - 1].version);
		assert_non_null(m->name);
		snprintf(num, sizeof(num), "%03d", m->version);
		if (strlen(m->name) < 5 || strncmp(m->name, num, 3) != 0 ||
		    m->name[3] != '_' || !isdigit((unsigned char)m->name[2]))
			fail_msg("migration %d is named \"%s\"", m->version, m->name);
		assert_non_null(m->sql);
		for (p = m->sql; *p && isspace((unsigned char)*p); p++)
			;
		if (!*p)
			fail_msg("migration \"%s\" has no SQL", m->name);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The table holds every file of schemas/migrations/, in name order, with
 * its text unchanged (quotes and backslashes included). */
static void test_table_matches_files(void **state)
{
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(MIGRATIONS);

	(void)state;
	if (!d)
		fail_msg("cannot open \"%s\" (run from the repository root)",
			 MIGRATIONS);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0) {
			assert_true(n < N_ELEMS(names));
			names[n] = strdup(e->d_name);
			assert_non_null(names[n]);
			n++;
		}
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	assert_int_equal(n, kt_migrations_count);
	for (size_t i = 0; i < n; i++) {
		char path[KT_TEST_PATH_MAX];
		char *text;
		size_t len = strlen(names[i]) - 4, tlen;

		if (strlen(kt_migrations[i].name) != len ||
		    strncmp(kt_migrations[i].name, names[i], len) != 0)
			fail_msg("migration %zu is \"%s\", file \"%s\"", i,
				 kt_migrations[i].name, names[i]);
		kt_test_join(path, MIGRATIONS, names[i]);
		text = kt_test_read_file(path);
		tlen = strlen(text);
		/* embed.sh ends every line with a newline, the last one too */
		if (strncmp(kt_migrations[i].sql, text, tlen) != 0 ||
		    strcmp(kt_migrations[i].sql + tlen,
			   tlen && text[tlen - 1] == '\n' ? "" : "\n") != 0)
			fail_msg("migration \"%s\" differs from %s",
				 kt_migrations[i].name, path);
		free(text);
		free(names[i]);
	}
}

/* Runs a copy of embed.sh in dir on the given migrations (name, text
 * pairs), as the Makefile does; returns its exit status. */
static int run_embed(const char *dir, const char *const files[][2], size_t n)
{
	char sub[KT_TEST_PATH_MAX], cmd[3 * KT_TEST_PATH_MAX];
	char *script = kt_test_read_file(EMBED);
	int rc;

	kt_test_write_file(dir, "embed.sh", script, NULL);
	free(script);
	kt_test_join(sub, dir, "migrations");
	if (mkdir(sub, 0700) != 0)
		fail_msg("cannot make \"%s\"", sub);
	for (size_t i = 0; i < n; i++)
		kt_test_write_file(sub, files[i][0], files[i][1], NULL);
	if (snprintf(cmd, sizeof(cmd), "bash '%s/embed.sh' migrations '%s/out.c' 2>'%s/err.txt'",
		     dir, dir, dir) >= (int)sizeof(cmd))
		fail_msg("command too long");
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		fail_msg("could not run \"%s\"", cmd);
	return WEXITSTATUS(rc);
}

static int exists(const char *dir, const char *name)
{
	char path[KT_TEST_PATH_MAX];

	kt_test_join(path, dir, name);
	return access(path, F_OK) == 0;
}

static void test_embed_refuses_duplicates(void **state)
{
	static const char *const files[][2] = {
		{ "001_a.sql", "CREATE TABLE a (x int);\n" },
		{ "001_b.sql", "CREATE TABLE b (x int);\n" },
	};
	const char *dir = *state;
	char path[KT_TEST_PATH_MAX];
	char *err;

	assert_int_not_equal(run_embed(dir, files, N_ELEMS(files)), 0);
	assert_false(exists(dir, "out.c"));
	kt_test_join(path, dir, "err.txt");
	err = kt_test_read_file(path);
	if (!strstr(err, "001_b"))
		fail_msg("embed.sh said \"%s\", not naming 001_b", err);
	free(err);
}

static void test_embed_refuses_bad_names(void **state)
{
	static const char *const files[][2] = {
		{ "001_a.sql", "SELECT 1;\n" },
		{ "2_b.sql", "SELECT 2;\n" },
	};
	const char *dir = *state;

	assert_int_not_equal(run_embed(dir, files, N_ELEMS(files)), 0);
	assert_false(exists(dir, "out.c"));
}

static void test_embed_accepts_sequence(void **state)
{
	static const char *const files[][2] = {
		{ "001_a.sql", "CREATE TABLE a (x int);\n" },
		{ "002_b.sql", "SELECT 'a\\b \"q\"';\n-- last line without newline" },
	};
	static const char *const want[] = {
		"{ 1, \"001_a\",",
		"\"CREATE TABLE a (x int);\\n\"",
		"{ 2, \"002_b\",",
		"\"SELECT 'a\\\\b \\\"q\\\"';\\n\"",
		"\"-- last line without newline\\n\"",
		"kt_migrations_count",
	};
	const char *dir = *state;
	char path[KT_TEST_PATH_MAX];
	char *out;

	assert_int_equal(run_embed(dir, files, N_ELEMS(files)), 0);
	kt_test_join(path, dir, "out.c");
	out = kt_test_read_file(path);
	for (size_t i = 0; i < N_ELEMS(want); i++)
		if (!strstr(out, want[i]))
			fail_msg("out.c lacks %s:\n%s", want[i], out);
	/* 001 comes before 002 */
	assert_true(strstr(out, "\"001_a\"") < strstr(out, "\"002_b\""));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_table_matches_files),
		KT_TEST_WITH_TMPDIR(test_embed_refuses_duplicates),
		KT_TEST_WITH_TMPDIR(test_embed_refuses_bad_names),
		KT_TEST_WITH_TMPDIR(test_embed_accepts_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
