/* tz_cache.c - the per-process cache of parsed zones (see sla/tz_cache.h):
 * a small array under one mutex; the caller gets a deep copy, so an entry
 * may be evicted or refreshed while others still use their copies. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "sla/tz_cache.h"

struct entry {
	struct kt_tz tz;        /* owned; tz.name empty: slot free */
	long long loaded_ms;    /* monotonic */
	long long used;         /* tick of its last use, for eviction */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry cache[KT_TZ_CACHE_MAX];
static long long ticks;

/* A copy of n elements of size sz of src into *dst (NULL when n is 0).
 * Returns 0, or -1 when out of memory. */
static int copy_array(void **dst, const void *src, size_t n, size_t sz)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	if (!(*dst = malloc(n * sz)))
		return -1;
	memcpy(*dst, src, n * sz);
	return 0;
}

/* Fills dst with a deep copy of src. */
static int tz_copy(struct kt_tz *dst, const struct kt_tz *src, struct kt_err *err)
{
	*dst = *src;
	dst->at = NULL;
	dst->idx = NULL;
	dst->type_off = NULL;
	if (copy_array((void **)&dst->at, src->at, src->n_at, sizeof(*src->at)) ||
	    copy_array((void **)&dst->idx, src->idx, src->n_at, sizeof(*src->idx)) ||
	    copy_array((void **)&dst->type_off, src->type_off, src->n_types,
		       sizeof(*src->type_off))) {
		kt_tz_release(dst);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	return KT_OK;
}

/* The entry of name still fresh at now, or NULL. Under the lock. */
static struct entry *find(const char *name, long long now)
{
	for (size_t i = 0; i < KT_TZ_CACHE_MAX; i++)
		if (cache[i].tz.name[0] && strcmp(cache[i].tz.name, name) == 0 &&
		    now - cache[i].loaded_ms < KT_TZ_CACHE_TTL_MS)
			return &cache[i];
	return NULL;
}

/* The slot for name: its stale entry, a free one, else the least recently
 * used (emptied). Under the lock. */
static struct entry *slot_for(const char *name)
{
	struct entry *e = &cache[0];

	for (size_t i = 0; i < KT_TZ_CACHE_MAX; i++) {
		if (strcmp(cache[i].tz.name, name) == 0 || !cache[i].tz.name[0]) {
			e = &cache[i];
			break;
		}
		if (cache[i].used < e->used)
			e = &cache[i];
	}
	kt_tz_release(&e->tz);
	e->tz.name[0] = '\0';
	return e;
}

int kt_tz_cache_load(const char *name, struct kt_tz *tz, struct kt_err *err)
{
	long long now = kt_clock_mono_ms();
	struct kt_tz fresh;
	struct entry *e;
	int rc;

	memset(tz, 0, sizeof(*tz));
	pthread_mutex_lock(&lock);
	if ((e = name ? find(name, now) : NULL)) {
		e->used = ++ticks;
		rc = tz_copy(tz, &e->tz, err);
		pthread_mutex_unlock(&lock);
		return rc;
	}
	pthread_mutex_unlock(&lock);
	/* Read outside the lock: a slow disk holds back no other thread. Two
	 * threads may both read a missing zone; the second keeps its copy. */
	if (kt_tz_load(NULL, name, &fresh, err))
		return KT_ERR;
	if (tz_copy(tz, &fresh, err)) {
		kt_tz_release(&fresh);
		return KT_ERR;
	}
	pthread_mutex_lock(&lock);
	e = slot_for(name);
	e->tz = fresh;
	e->loaded_ms = now;
	e->used = ++ticks;
	pthread_mutex_unlock(&lock);
	return KT_OK;
}

void kt_tz_cache_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < KT_TZ_CACHE_MAX; i++) {
		kt_tz_release(&cache[i].tz);
		cache[i].tz.name[0] = '\0';
		cache[i].used = 0;
	}
	pthread_mutex_unlock(&lock);
}
