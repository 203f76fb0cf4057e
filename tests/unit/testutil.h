/* testutil.h - the few helpers several unit tests share: array length,
 * reading a whole file, a throwaway directory with files in it, and
 * random sources for code that takes one (dispatch/retry.h kt_rand_fn).
 * Include after <cmocka.h>; every helper fails the running test instead
 * of returning an error. */
#ifndef KETEN_TESTUTIL_H
#define KETEN_TESTUTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define KT_TEST_PATH_MAX 512

/* splitmix64 over the state *arg: a deterministic random source, so every
 * run draws the same values. */
static inline uint64_t kt_test_seeded(void *arg)
{
	uint64_t *s = arg, z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* A source that always draws *(uint64_t *)arg. */
static inline uint64_t kt_test_fixed(void *arg)
{
	return *(uint64_t *)arg;
}

/* Writes dir/name into out (KT_TEST_PATH_MAX bytes); fails when too long. */
static inline void kt_test_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, KT_TEST_PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= KT_TEST_PATH_MAX)
		fail_msg("path \"%s/%s\" too long", dir, name);
}

/* Makes a fresh directory under $TMPDIR (or /tmp) and writes its path into
 * dir (KT_TEST_PATH_MAX bytes). Remove it with kt_test_rmtree. */
static inline void kt_test_tmpdir(char *dir)
{
	const char *base = getenv("TMPDIR");

	kt_test_join(dir, base && *base ? base : "/tmp", "keten-test-XXXXXX");
	if (!mkdtemp(dir))
		fail_msg("cannot make a directory from \"%s\"", dir);
}

/* Writes text to dir/name (name may hold one level of existing folder)
 * and the full path into path (KT_TEST_PATH_MAX bytes) when not NULL. */
static inline void kt_test_write_file(const char *dir, const char *name,
				      const char *text, char *path)
{
	char buf[KT_TEST_PATH_MAX];
	FILE *f;

	kt_test_join(buf, dir, name);
	f = fopen(buf, "w");
	if (!f)
		fail_msg("cannot write \"%s\"", buf);
	if (fputs(text, f) == EOF || fclose(f) != 0)
		fail_msg("cannot write \"%s\"", buf);
	if (path)
		memcpy(path, buf, KT_TEST_PATH_MAX);
}

/* Reads a whole file into a malloc'd NUL-terminated buffer (the caller
 * frees it). */
static inline char *kt_test_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long size = 0;

	if (!f)
		fail_msg("cannot open \"%s\"", path);
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		fail_msg("cannot size \"%s\"", path);
	buf = malloc((size_t)size + 1);
	if (!buf)
		fail_msg("out of memory reading \"%s\"", path);
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		fail_msg("cannot read \"%s\"", path);
	fclose(f);
	buf[size] = '\0';
	return buf;
}

/* Removes dir and everything below it. */
static inline void kt_test_rmtree(const char *dir)
{
	char path[KT_TEST_PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		fail_msg("cannot open \"%s\"", dir);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		kt_test_join(path, dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			kt_test_rmtree(path);
		else if (unlink(path) != 0)
			fail_msg("cannot remove \"%s\"", path);
	}
	closedir(d);
	if (rmdir(dir) != 0)
		fail_msg("cannot remove \"%s\"", dir);
}

/* cmocka fixtures: *state becomes a fresh directory (malloc'd path) for
 * the test, removed with everything in it afterwards, even when the test
 * failed. Use with cmocka_unit_test_setup_teardown. */
static inline int kt_test_setup_tmpdir(void **state)
{
	char *dir = malloc(KT_TEST_PATH_MAX);

	if (!dir)
		return -1;
	kt_test_tmpdir(dir);
	*state = dir;
	return 0;
}

static inline int kt_test_teardown_tmpdir(void **state)
{
	kt_test_rmtree(*state);
	free(*state);
	return 0;
}

#define KT_TEST_WITH_TMPDIR(f) \
	cmocka_unit_test_setup_teardown(f, kt_test_setup_tmpdir, \
					kt_test_teardown_tmpdir)

#endif
