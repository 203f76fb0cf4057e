/* rule_route_cache.h - the route plans of new tickets kept by this node
 * (base/memo.h under it), so that a ticket whose plan is kept costs the
 * intake one statement, its write. A plan is keyed by everything routing
 * reads of the request: the service, the caller's customer scope, the
 * ticket's type, component, category and CI. Kept plans stay right:
 * - the chain version: the write inserts only while the service's version
 *   is the plan's; when it moved, the service's plans are dropped here
 *   and the ticket is planned again (kt_store_route_cache_done);
 * - what is not versioned with the chain (a supplier's ticket types and
 *   contracts): every change of customers, suppliers or services
 *   announces itself at its commit (kt_store_chain_lock, on
 *   KT_CHAIN_CHANNEL of store/listen.h), and the node drops every plan
 *   when it hears it or when its listen session (re)connects
 *   (kt_store_route_cache_heard); a plan read before such a notice is
 *   not kept after it;
 * - and none lives longer than route_cache_ms, the bound when a notice
 *   was missed.
 * An error (an unknown component, a refused type, ...) is never kept.
 * A rule file: calls rule_route.c. Thread-safe (the API's workers). */
#ifndef KETEN_STORE_RULE_ROUTE_CACHE_H
#define KETEN_STORE_RULE_ROUTE_CACHE_H

#include "routing/routing.h"
#include "store/rule_route.h"
#include "store/store.h"

/* A key longer than this is not cached (the ticket is planned each time). */
#define KT_ROUTE_KEY_MAX 1024

struct kt_route_cache;

/* A cache keeping plans ttl_ms (0: keeps nothing; still usable). NULL
 * when out of memory. */
struct kt_route_cache *kt_store_route_cache_new(int ttl_ms);

/* One ticket's use of the cache (the caller's; filled by
 * kt_store_route_cache_plan, read by kt_store_route_cache_done). */
struct kt_route_lookup {
	char key[KT_ROUTE_KEY_MAX];  /* "": not cached */
	size_t service_len;          /* the key's prefix naming the service */
	unsigned long long epoch;    /* of the cache, before a database read */
	int hit;                     /* the plan came from the cache */
};

/* Fills lk->key (and lk->service_len, the length of its prefix naming
 * the service) for a ticket asking ask of service_id by customer_id (NULL:
 * any): each member written as "-" when NULL, else "+<length>:<value>", so
 * that two requests share a key only when they ask the same. lk->key is
 * "" when the key would not fit. */
void kt_store_route_cache_key(struct kt_route_lookup *lk, const char *service_id,
			     const char *customer_id, const struct kt_route_ask *ask);

/* The plan of a ticket asking ask of service_id (customer_id: the caller's
 * customer, NULL for any), from c when it keeps one, else from the
 * database (kt_store_route_plan, whose errors it returns). *out gets a
 * reference (kt_store_route_plan_free()). c may be NULL: always the
 * database. */
int kt_store_route_cache_plan(struct kt_route_cache *c, struct kt_db *db,
			      const char *service_id, const char *customer_id,
			      const struct kt_route_ask *ask, struct kt_route_lookup *lk,
			      struct kt_route_plan **out, struct kt_err *err);

/* After the write of plan: written 1 keeps a plan read from the database
 * (unless a notice came meanwhile); written 0 (the chain version moved)
 * drops every plan of the service. Accepts a NULL c. */
void kt_store_route_cache_done(struct kt_route_cache *c, const struct kt_route_lookup *lk,
			       struct kt_route_plan *plan, int written);

/* Drops every plan: a kt_listener_note_fn (store/listen.h) for
 * KT_CHAIN_CHANNEL, arg the cache; payload is not read (NULL after a
 * reconnection). Runs on the loop. */
void kt_store_route_cache_heard(void *arg, const char *payload);

/* Frees c and gives back its plans; accepts NULL. */
void kt_store_route_cache_free(struct kt_route_cache *c);

#endif
