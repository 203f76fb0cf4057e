/* test_sla_tz_cache.c - unit tests of broker/sla/tz_cache.c: a zone is
 * read once and then served from the cache (its file removed, it still
 * loads), a zone that failed is not kept, the cache holds at most
 * KT_TZ_CACHE_MAX zones and evicts the least recently used, and threads
 * that load and evict at once all get whole zones. The zone files are
 * copies of the system's Europe/Amsterdam under a throwaway $TZDIR. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "sla/tz_cache.h"

#define N_ZONES (KT_TZ_CACHE_MAX + 8)
#define N_THREADS 8
#define SUMMER 1751371200LL   /* 2025-07-01T12:00Z: CEST, +7200 */
#define WINTER 1736942400LL   /* 2025-01-15T12:00Z: CET, +3600 */

static char dir[KT_TEST_PATH_MAX];
static unsigned char *zone_bytes;
static size_t zone_len;

/* Writes the Amsterdam zone as dir/Zn. */
static void put_zone(int n)
{
	char name[16], path[KT_TEST_PATH_MAX];
	FILE *f;

	snprintf(name, sizeof(name), "Z%d", n);
	kt_test_join(path, dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(zone_bytes, 1, zone_len, f) != zone_len ||
	    fclose(f) != 0)
		fail_msg("cannot write \"%s\"", path);
}

static void drop_zone(int n)
{
	char name[16], path[KT_TEST_PATH_MAX];

	snprintf(name, sizeof(name), "Z%d", n);
	kt_test_join(path, dir, name);
	unlink(path);
}

/* Loads Zn; returns KT_OK or KT_ERR, and checks a loaded zone is whole. */
static int load(int n)
{
	struct kt_err err = { 0 };
	struct kt_tz tz;
	char name[16];
	int rc;

	snprintf(name, sizeof(name), "Z%d", n);
	rc = kt_tz_cache_load(name, &tz, &err);
	if (rc == KT_OK) {
		assert_string_equal(tz.name, name);
		assert_int_equal(kt_tz_offset(&tz, SUMMER), 7200);
		assert_int_equal(kt_tz_offset(&tz, WINTER), 3600);
		kt_tz_release(&tz);
	} else {
		assert_string_equal(err.code, "unknown_time_zone");
		kt_err_release(&err);
	}
	return rc;
}

static int setup(void **state)
{
	FILE *f = fopen("/usr/share/zoneinfo/Europe/Amsterdam", "rb");

	(void)state;
	if (!f || !(zone_bytes = malloc(KT_TZIF_MAX_BYTES)))
		return -1;
	zone_len = fread(zone_bytes, 1, KT_TZIF_MAX_BYTES, f);
	fclose(f);
	kt_test_tmpdir(dir);
	setenv("TZDIR", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_tz_cache_clear();
	kt_test_rmtree(dir);
	unsetenv("TZDIR");
	free(zone_bytes);
	return 0;
}

/* Each test starts with an empty cache and every file Z0..Z(N_ZONES-1). */
static int fresh(void **state)
{
	(void)state;
	kt_tz_cache_clear();
	for (int i = 0; i < N_ZONES; i++)
		put_zone(i);
	return 0;
}

static void test_second_load_from_cache(void **state)
{
	(void)state;
	assert_int_equal(load(0), KT_OK);
	drop_zone(0);
	assert_int_equal(load(0), KT_OK);     /* not read again */
	kt_tz_cache_clear();
	assert_int_equal(load(0), KT_ERR);    /* it was the cache */
}

static void test_failure_not_kept(void **state)
{
	(void)state;
	drop_zone(1);
	assert_int_equal(load(1), KT_ERR);
	put_zone(1);
	assert_int_equal(load(1), KT_OK);
}

static void test_bounded_least_recently_used_goes(void **state)
{
	(void)state;
	for (int i = 0; i < KT_TZ_CACHE_MAX; i++)
		assert_int_equal(load(i), KT_OK);
	assert_int_equal(load(0), KT_OK);     /* Z0 used again: Z1 is the oldest */
	assert_int_equal(load(KT_TZ_CACHE_MAX), KT_OK);  /* one more: Z1 goes */
	for (int i = 0; i < N_ZONES; i++)
		drop_zone(i);
	assert_int_equal(load(1), KT_ERR);
	assert_int_equal(load(0), KT_OK);
	for (int i = 2; i <= KT_TZ_CACHE_MAX; i++)
		assert_int_equal(load(i), KT_OK);
}

struct worker {
	unsigned seed;
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 400; i++) {
		struct kt_err err = { 0 };
		struct kt_tz tz;
		char name[16];

		w->seed = w->seed * 1103515245u + 12345u;
		snprintf(name, sizeof(name), "Z%u", (w->seed >> 8) % N_ZONES);
		if (kt_tz_cache_load(name, &tz, &err) != KT_OK) {
			w->failures++;
			kt_err_release(&err);
			continue;
		}
		if (strcmp(tz.name, name) != 0 || kt_tz_offset(&tz, SUMMER) != 7200 ||
		    kt_tz_offset(&tz, WINTER) != 3600)
			w->failures++;
		kt_tz_release(&tz);
	}
	return NULL;
}

/* More zones than the cache holds, so threads evict what others read. */
static void test_threads_load_and_evict_at_once(void **state)
{
	pthread_t t[N_THREADS];
	struct worker w[N_THREADS];

	(void)state;
	for (int i = 0; i < N_THREADS; i++) {
		w[i] = (struct worker){ .seed = (unsigned)i * 7919u + 1u };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_second_load_from_cache, fresh),
		cmocka_unit_test_setup(test_failure_not_kept, fresh),
		cmocka_unit_test_setup(test_bounded_least_recently_used_goes, fresh),
		cmocka_unit_test_setup(test_threads_load_and_evict_at_once, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
