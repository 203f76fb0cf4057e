/* memo.c - the direct-mapped table of shared values (see base/memo.h):
 * the slot is chosen by an FNV-1a hash of the key; an entry owns a copy
 * of its key and one reference to its value. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/memo.h"

struct entry {
	char *key;          /* owned; NULL: the slot is free */
	void *value;        /* one reference */
	long long kept_ms;
};

struct kt_memo {
	pthread_mutex_t lock;
	int ttl_ms;
	kt_memo_ref_fn *ref;
	kt_memo_unref_fn *unref;
	unsigned long long epoch;
	size_t n;
	struct entry *slots;
};

static size_t slot_of(const struct kt_memo *m, const char *key)
{
	unsigned long long h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h % m->n);
}

/* Empties e; the caller holds the lock. */
static void drop(struct kt_memo *m, struct entry *e)
{
	if (!e->key)
		return;
	m->unref(e->value);
	free(e->key);
	memset(e, 0, sizeof(*e));
}

struct kt_memo *kt_memo_new(size_t slots, int ttl_ms, kt_memo_ref_fn *ref,
			    kt_memo_unref_fn *unref)
{
	struct kt_memo *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->n = slots ? slots : 1;
	if (!(m->slots = calloc(m->n, sizeof(*m->slots))) ||
	    pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m->slots);
		free(m);
		return NULL;
	}
	m->ttl_ms = ttl_ms;
	m->ref = ref;
	m->unref = unref;
	return m;
}

void *kt_memo_get(struct kt_memo *m, const char *key, long long now_ms)
{
	struct entry *e;
	void *value = NULL;

	if (!m || m->ttl_ms <= 0)
		return NULL;
	e = &m->slots[slot_of(m, key)];
	pthread_mutex_lock(&m->lock);
	if (e->key && strcmp(e->key, key) == 0 && now_ms >= e->kept_ms &&
	    now_ms - e->kept_ms < m->ttl_ms) {
		value = e->value;
		m->ref(value);
	}
	pthread_mutex_unlock(&m->lock);
	return value;
}

unsigned long long kt_memo_epoch(struct kt_memo *m)
{
	unsigned long long epoch;

	if (!m)
		return 0;
	pthread_mutex_lock(&m->lock);
	epoch = m->epoch;
	pthread_mutex_unlock(&m->lock);
	return epoch;
}

int kt_memo_put(struct kt_memo *m, const char *key, void *value, unsigned long long epoch,
		long long now_ms)
{
	struct entry *e;
	char *copy;
	int kept = 0;

	if (!m || m->ttl_ms <= 0 || !(copy = strdup(key)))
		return 0;
	e = &m->slots[slot_of(m, key)];
	pthread_mutex_lock(&m->lock);
	if (m->epoch == epoch) {
		drop(m, e);
		m->ref(value);
		*e = (struct entry){ copy, value, now_ms };
		copy = NULL;
		kept = 1;
	}
	pthread_mutex_unlock(&m->lock);
	free(copy);
	return kept;
}

void kt_memo_forget(struct kt_memo *m, const char *prefix)
{
	size_t len;

	if (!m)
		return;
	len = strlen(prefix);
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n; i++)
		if (m->slots[i].key && strncmp(m->slots[i].key, prefix, len) == 0)
			drop(m, &m->slots[i]);
	pthread_mutex_unlock(&m->lock);
}

void kt_memo_clear(struct kt_memo *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->epoch++;
	for (size_t i = 0; i < m->n; i++)
		drop(m, &m->slots[i]);
	pthread_mutex_unlock(&m->lock);
}

void kt_memo_free(struct kt_memo *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		drop(m, &m->slots[i]);
	pthread_mutex_destroy(&m->lock);
	free(m->slots);
	free(m);
}
