/* throttle.c - token buckets in a set-associative table (see
 * http/throttle.h). Tokens are counted in thousandths, so a rate of r a
 * second refills r thousandths a millisecond; the set is chosen by a
 * hash seeded at random per process, so callers cannot aim at one set. */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "http/throttle.h"

#define WAYS 8
#define NAME_MAX_LEN 64
#define MILLI 1000LL

struct bucket {
	char name[NAME_MAX_LEN];
	long long milli;       /* tokens x 1000 at at_ms */
	long long at_ms;
	int used;
};

struct kt_throttle {
	pthread_mutex_t lock;
	uint64_t seed;
	size_t sets;
	struct bucket *b;      /* sets x WAYS */
};

struct kt_throttle *kt_throttle_new(size_t sets)
{
	struct kt_throttle *t = calloc(1, sizeof(*t));

	if (!t || sets == 0)
		goto fail;
	if (!(t->b = calloc(sets * WAYS, sizeof(*t->b))))
		goto fail;
	if (pthread_mutex_init(&t->lock, NULL) != 0)
		goto fail_buckets;
	kt_crypto_random(&t->seed, sizeof(t->seed));
	t->sets = sets;
	return t;
fail_buckets:
	free(t->b);
fail:
	free(t);
	return NULL;
}

/* FNV-1a over the name, from a random basis. */
static size_t set_of(const struct kt_throttle *t, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ t->seed;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h % t->sets);
}

/* b's tokens at now_ms, at most the burst. */
static long long level(const struct bucket *b, struct kt_rate rate, long long now_ms)
{
	long long cap = rate.burst * MILLI, dt = now_ms - b->at_ms;

	if (dt < 0)
		dt = 0;
	if (dt > cap / rate.per_s + 1)
		return cap;
	return b->milli + dt * rate.per_s > cap ? cap : b->milli + dt * rate.per_s;
}

/* name's bucket in its set, or a reused one filled for it. */
static struct bucket *find(struct kt_throttle *t, const char *name, struct kt_rate rate,
			   long long now_ms)
{
	struct bucket *set = &t->b[set_of(t, name) * WAYS], *pick = NULL;
	long long best = -1;

	for (int i = 0; i < WAYS; i++) {
		struct bucket *b = &set[i];
		long long l;

		if (b->used && strcmp(b->name, name) == 0)
			return b;
		l = b->used ? level(b, rate, now_ms) : LLONG_MAX;
		if (l > best) {
			best = l;
			pick = b;
		}
	}
	snprintf(pick->name, sizeof(pick->name), "%s", name);
	pick->milli = rate.burst * MILLI;
	pick->at_ms = now_ms;
	pick->used = 1;
	return pick;
}

static int visit(struct kt_throttle *t, const char *name, struct kt_rate rate,
		 long long now_ms, int take)
{
	struct bucket *b;
	long long l, wait_ms;
	int wait_s = 0;

	if (!t || rate.per_s <= 0)
		return 0;
	pthread_mutex_lock(&t->lock);
	b = find(t, name, rate, now_ms);
	l = level(b, rate, now_ms);
	b->milli = l;
	b->at_ms = now_ms > b->at_ms ? now_ms : b->at_ms;
	if (l >= MILLI) {
		if (take)
			b->milli -= MILLI;
	} else {
		wait_ms = (MILLI - l + rate.per_s - 1) / rate.per_s;
		wait_s = (int)((wait_ms + 999) / 1000);
		if (wait_s < 1)
			wait_s = 1;
	}
	pthread_mutex_unlock(&t->lock);
	return wait_s;
}

int kt_throttle_take(struct kt_throttle *t, const char *name, struct kt_rate rate,
		     long long now_ms)
{
	return visit(t, name, rate, now_ms, 1);
}

int kt_throttle_peek(struct kt_throttle *t, const char *name, struct kt_rate rate,
		     long long now_ms)
{
	return visit(t, name, rate, now_ms, 0);
}

void kt_throttle_free(struct kt_throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->b);
	free(t);
}
