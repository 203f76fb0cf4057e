/* key_cache.c - a direct-mapped table of key principals (see
 * http/key_cache.h): the slot is chosen by the hash's first bytes, which
 * are uniformly distributed (SHA-256); a collision just replaces. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "http/key_cache.h"

#define SLOTS 1024

struct slot {
	unsigned char hash[KT_KEY_HASH_LEN];
	struct kt_principal p;
	long long kept_ms;
	int used;
};

struct kt_key_cache {
	pthread_mutex_t lock;
	int ttl_ms;
	struct slot slots[SLOTS];
};

static size_t slot_of(const unsigned char *hash)
{
	return ((size_t)hash[0] << 8 | hash[1]) % SLOTS;
}

struct kt_key_cache *kt_key_cache_new(int ttl_ms)
{
	struct kt_key_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	c->ttl_ms = ttl_ms;
	return c;
}

int kt_key_cache_get(struct kt_key_cache *c, const unsigned char hash[KT_KEY_HASH_LEN],
		     long long now_ms, struct kt_principal *out)
{
	struct slot *s;
	int hit;

	if (!c || c->ttl_ms <= 0)
		return 0;
	s = &c->slots[slot_of(hash)];
	pthread_mutex_lock(&c->lock);
	hit = s->used && kt_crypto_equal(s->hash, hash, KT_KEY_HASH_LEN) &&
	      now_ms - s->kept_ms < c->ttl_ms && now_ms >= s->kept_ms;
	if (hit)
		*out = s->p;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void kt_key_cache_put(struct kt_key_cache *c, const unsigned char hash[KT_KEY_HASH_LEN],
		      const struct kt_principal *p, long long now_ms)
{
	struct slot *s;

	if (!c || c->ttl_ms <= 0)
		return;
	s = &c->slots[slot_of(hash)];
	pthread_mutex_lock(&c->lock);
	memcpy(s->hash, hash, KT_KEY_HASH_LEN);
	s->p = *p;
	s->kept_ms = now_ms;
	s->used = 1;
	pthread_mutex_unlock(&c->lock);
}

void kt_key_cache_clear(struct kt_key_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < SLOTS; i++)
		c->slots[i].used = 0;
	pthread_mutex_unlock(&c->lock);
}

void kt_key_cache_free(struct kt_key_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}
