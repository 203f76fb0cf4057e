/* rule_route_cache.c - the node's route plans (see
 * store/rule_route_cache.h): the key of a request, the memo of plans and
 * its hits and misses in keten_route_plans_total. */
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/memo.h"
#include "base/metrics.h"
#include "store/rule_route_cache.h"

/* Plans kept at most: each is a few hundred bytes. */
#define SLOTS 512

struct kt_route_cache {
	struct kt_memo *memo;
};

static void plan_ref(void *plan)
{
	kt_store_route_plan_hold(plan);
}

static void plan_unref(void *plan)
{
	kt_store_route_plan_free(plan);
}

struct kt_route_cache *kt_store_route_cache_new(int ttl_ms)
{
	struct kt_route_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (!(c->memo = kt_memo_new(SLOTS, ttl_ms, plan_ref, plan_unref))) {
		free(c);
		return NULL;
	}
	return c;
}

/* Appends one member of the key: "-" for NULL, else "+<length>:<value>",
 * so that no two requests share a key. */
static void key_member(struct kt_route_lookup *lk, size_t *len, const char *v)
{
	size_t room = sizeof(lk->key) - *len;
	int n = v ? snprintf(lk->key + *len, room, "+%zu:%s", strlen(v), v)
		  : snprintf(lk->key + *len, room, "-");

	*len = n < 0 || (size_t)n >= room ? sizeof(lk->key) : *len + (size_t)n;
}

void kt_store_route_cache_key(struct kt_route_lookup *lk, const char *service_id,
			     const char *customer_id, const struct kt_route_ask *ask)
{
	size_t len = 0;

	key_member(lk, &len, service_id);
	lk->service_len = len;
	key_member(lk, &len, customer_id);
	key_member(lk, &len, ask->type);
	key_member(lk, &len, ask->component);
	key_member(lk, &len, ask->category);
	key_member(lk, &len, ask->ci);
	if (len >= sizeof(lk->key))
		lk->key[0] = '\0';
}

int kt_store_route_cache_plan(struct kt_route_cache *c, struct kt_db *db,
			      const char *service_id, const char *customer_id,
			      const struct kt_route_ask *ask, struct kt_route_lookup *lk,
			      struct kt_route_plan **out, struct kt_err *err)
{
	lk->key[0] = '\0';
	lk->hit = 0;
	if (c) {
		kt_store_route_cache_key(lk, service_id, customer_id, ask);
		lk->epoch = kt_memo_epoch(c->memo);
		if (lk->key[0] && (*out = kt_memo_get(c->memo, lk->key, kt_clock_mono_ms()))) {
			lk->hit = 1;
			kt_metrics_add(kt_metrics_global(), KT_METRIC_ROUTE_PLANS, 1, "hit", NULL, NULL);
			return KT_OK;
		}
		kt_metrics_add(kt_metrics_global(), KT_METRIC_ROUTE_PLANS, 1, "miss", NULL, NULL);
	}
	return kt_store_route_plan(db, service_id, customer_id, ask, out, err);
}

void kt_store_route_cache_done(struct kt_route_cache *c, const struct kt_route_lookup *lk,
			       struct kt_route_plan *plan, int written)
{
	char service[KT_ROUTE_KEY_MAX];

	if (!c || !lk->key[0])
		return;
	if (written) {
		if (!lk->hit)
			kt_memo_put(c->memo, lk->key, plan, lk->epoch, kt_clock_mono_ms());
		return;
	}
	snprintf(service, sizeof(service), "%.*s", (int)lk->service_len, lk->key);
	kt_memo_forget(c->memo, service);
}

void kt_store_route_cache_heard(void *arg, const char *payload)
{
	struct kt_route_cache *c = arg;

	(void)payload;
	kt_memo_clear(c->memo);
}

void kt_store_route_cache_free(struct kt_route_cache *c)
{
	if (!c)
		return;
	kt_memo_free(c->memo);
	free(c);
}
