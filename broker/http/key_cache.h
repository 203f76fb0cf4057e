/* key_cache.h - the principals of recently used API keys, kept in this
 * process for at most key_cache_ms (5 s at most), so that a request costs
 * no database round trip for its key while a revoked or deleted key stops
 * working within that time. Shared by the API workers (a mutex); keyed by
 * the key's hash, never the key. A failed lookup is not kept. */
#ifndef KETEN_HTTP_KEY_CACHE_H
#define KETEN_HTTP_KEY_CACHE_H

#include "http/auth.h"

struct kt_key_cache;

/* A cache keeping entries ttl_ms (0: keeps nothing); NULL out of memory. */
struct kt_key_cache *kt_key_cache_new(int ttl_ms);

/* 1 and *out when hash's principal was kept less than ttl_ms before now_ms
 * (monotonic), else 0. Accepts a NULL cache (0). */
int kt_key_cache_get(struct kt_key_cache *c, const unsigned char hash[KT_KEY_HASH_LEN],
		     long long now_ms, struct kt_principal *out);

/* Keeps p for hash from now_ms, replacing what the slot held. */
void kt_key_cache_put(struct kt_key_cache *c, const unsigned char hash[KT_KEY_HASH_LEN],
		      const struct kt_principal *p, long long now_ms);

/* Forgets every kept principal (keys were deleted here). Accepts NULL. */
void kt_key_cache_clear(struct kt_key_cache *c);

/* Frees c; accepts NULL. */
void kt_key_cache_free(struct kt_key_cache *c);

#endif
