/* hub.c - the hub sweep (see dispatch/hub.h): tick (loop,
 * dispatch/lease_tick.h) -> claim (worker: lease due registrations,
 * resolve their secrets) -> the call
 * (loop, dispatch/hub_call.h) -> record (worker: the hub's id kept, or
 * the row gone once removed; a failure hands the row back, due again
 * after its backoff). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "dispatch/hub.h"
#include "dispatch/hub_call.h"
#include "dispatch/lease_tick.h"
#include "dispatch/poll_plan.h"
#include "store/dbpool.h"
#include "store/row_hub.h"

/* Registrations one node calls about at once at most. */
#define HUB_MAX_RUNS 8

/* One leased registration, from its claim to its record. */
struct run {
	struct kt_hub *hb;
	struct kt_hub_row row;          /* owned: the lease */
	const char *key;                /* the supplier's key (in row.supplier) */
	char *secrets;                  /* owned, wiped */
	struct kt_hub_call *call;       /* while the call is in flight */
	char *hub_id;                   /* owned: the id a registration got */
	int removed;                    /* the registration is gone at the hub */
	long long delay_ms;             /* a failure: due again in */
	char error[400];                /* a failure: why */
	LIST_ENTRY(run) link;           /* in hb->calling while call is set */
};

struct kt_hub {
	struct kt_app *app;
	struct kt_caller *caller;       /* borrowed */
	struct kt_lease_tick *tick;
	int stopping;
	LIST_HEAD(, run) calling;
};

static void run_free(struct run *r)
{
	kt_hub_row_release(&r->row);
	kt_secret_free(r->secrets);
	free(r->hub_id);
	free(r);
}

static void run_end(struct run *r)
{
	kt_lease_tick_ended(r->hb->tick);
	run_free(r);
}

static long long backoff_ms(const struct run *r)
{
	const struct kt_config *cfg = r->hb->app->cfg;

	return kt_poll_backoff_ms(cfg->retry_base_ms, r->row.failures + 1, cfg->retry_max_ms,
				  kt_lease_jitter, NULL);
}

static const char *op_word(const struct run *r)
{
	return r->row.wanted ? "registration" : "removal";
}

/* ---- worker side ---- */

/* A failed call: the row back, due again in r->delay_ms. */
static int later_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct run *r = arg;
	int recorded;

	return kt_store_hub_later(db, &r->row, r->delay_ms, r->error, &recorded, err);
}

static int done_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct run *r = arg;
	int recorded;

	if (kt_store_hub_done(db, &r->row, r->removed ? NULL : r->hub_id, &recorded, err))
		return KT_ERR;
	if (!recorded)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "supplier", r->key),
		       "hub %s of supplier \"%s\" not recorded: its lease had passed to another node",
		       op_word(r), r->key);
	return KT_OK;
}

/* The secret of the supplier's auth (else its entry's). */
static int run_prepare(struct run *r, struct kt_err *err)
{
	const json_t *s = r->row.supplier;
	const char *ref = json_string_value(json_object_get(json_object_get(s, "auth"),
							    "secret_ref"));

	r->key = json_string_value(json_object_get(s, "key"));
	return kt_secret_resolve(ref ? ref : json_string_value(json_object_get(s, "secret_ref")),
				 &r->secrets, err);
}

static void run_error(struct run *r, const char *code, const char *message)
{
	snprintf(r->error, sizeof(r->error), "%.47s: %.340s", code, message);
}

static int claim_work(struct kt_db *db, void *owner, int limit, void ***runs, size_t *n_runs,
		      struct kt_err *err)
{
	struct kt_hub *hb = owner;
	struct kt_hub_row *rows;
	size_t n, i;

	if (kt_store_hub_claim(db, hb->app->node_name, hb->app->cfg->lease_ms, limit, &rows, &n,
			       err))
		return KT_ERR;
	*runs = n ? calloc(n, sizeof(**runs)) : NULL;
	for (i = 0; i < n && *runs; i++) {
		struct run *r = calloc(1, sizeof(*r));
		struct kt_err e = { 0 };

		if (!r)
			break; /* the leases left run out */
		r->hb = hb;
		r->row = rows[i];
		memset(&rows[i], 0, sizeof(rows[i]));
		if (run_prepare(r, &e) == KT_OK) {
			(*runs)[(*n_runs)++] = r;
		} else {
			run_error(r, e.code, e.message);
			kt_log(KT_LOG_WARN, json_pack("{s:s?, s:s}", "supplier", r->key, "error", e.code),
			       "hub %s of supplier \"%s\" cannot be made: %s", op_word(r),
			       r->key ? r->key : "", e.message);
			r->delay_ms = backoff_ms(r);
			later_work(db, r, &e);
			run_free(r);
		}
		kt_err_release(&e);
	}
	for (; i < n; i++)
		kt_hub_row_release(&rows[i]);
	free(rows);
	return KT_OK;
}

/* ---- loop side ---- */

static void record_done(void *arg, int rc, struct kt_err *err)
{
	struct run *r = arg;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "supplier", r->key, "error", err->code),
		       "could not record the hub %s of supplier \"%s\": %s (its lease will run out)",
		       op_word(r), r->key, err->message);
	run_end(r);
}

/* The call failed: the row backs off, at least the supplier's Retry-After. */
static void run_failed(struct run *r, long http_status, const char *retry_after)
{
	long long pause;

	r->delay_ms = kt_poll_retry_ms(backoff_ms(r), http_status, retry_after, kt_clock_wall_s(),
				       r->hb->app->cfg->retry_max_ms, &pause);
	kt_log(KT_LOG_WARN, json_pack("{s:s, s:I, s:I}", "supplier", r->key,
				      "http_status", (json_int_t)http_status,
				      "retry_in_ms", (json_int_t)r->delay_ms),
	       "hub %s of supplier \"%s\" failed: %s", op_word(r), r->key, r->error);
	kt_dbpool_submit(r->hb->app->bg_pool, later_work, record_done, r);
}

static void on_call(void *arg, struct kt_hub_result *res)
{
	struct run *r = arg;

	LIST_REMOVE(r, link);
	r->call = NULL;
	/* A hub that no longer knows the registration has nothing to remove. */
	if (!res->ok && !r->row.wanted && (res->http_status == 404 || res->http_status == 410))
		res->ok = 1;
	if (!res->ok) {
		snprintf(r->error, sizeof(r->error), "%s", res->error);
		run_failed(r, res->http_status, res->retry_after);
		return;
	}
	r->removed = !r->row.wanted;
	r->hub_id = res->hub_id;
	res->hub_id = NULL;
	kt_log(KT_LOG_INFO, json_pack("{s:s, s:s?}", "supplier", r->key, "hub_id",
				      r->removed ? r->row.hub_id : r->hub_id),
	       r->removed ? "listener of supplier \"%s\" removed from its hub"
			  : "listener of supplier \"%s\" registered with its hub", r->key);
	kt_dbpool_submit(r->hb->app->bg_pool, done_work, record_done, r);
}

static void run_start(struct run *r)
{
	const json_t *s = r->row.supplier;
	const struct kt_call_supplier who = {
		.id = json_string_value(json_object_get(s, "id")), .key = r->key,
		.auth = json_object_get(s, "auth"), .secrets = r->secrets,
		.delivery = json_object_get(s, "delivery"),
	};
	struct kt_err err = { 0 };

	r->call = kt_hub_call_start(r->hb->caller, &who, s, r->row.wanted,
				    r->row.wanted ? r->row.callback : r->row.hub_id, on_call, r, &err);
	if (!r->call) {
		run_error(r, err.code, err.message);
		kt_err_release(&err);
		run_failed(r, 0, NULL);
		return;
	}
	LIST_INSERT_HEAD(&r->hb->calling, r, link);
}

static void run_drop(void *run)
{
	run_free(run); /* its lease runs out */
}

static void run_go(void *run)
{
	run_start(run);
}

struct kt_hub *kt_hub_new(struct kt_app *app, struct kt_caller *caller, struct kt_err *err)
{
	struct kt_hub *hb = calloc(1, sizeof(*hb));
	struct kt_lease_tick_spec spec = {
		.what = "hub registrations", .tick_ms = app->cfg->hub_tick_ms, .max = HUB_MAX_RUNS,
		.claim = claim_work, .start = run_go, .drop = run_drop, .owner = hb,
	};

	if (!hb) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	hb->app = app;
	hb->caller = caller;
	LIST_INIT(&hb->calling);
	if (!(hb->tick = kt_lease_tick_new(app, &spec, err))) {
		free(hb);
		return NULL;
	}
	return hb;
}

void kt_hub_stop(struct kt_hub *hb)
{
	struct run *r;

	if (!hb || hb->stopping)
		return;
	hb->stopping = 1;
	kt_lease_tick_stop(hb->tick);
	while ((r = LIST_FIRST(&hb->calling))) {
		LIST_REMOVE(r, link);
		kt_hub_call_abandon(r->call);
		run_end(r);
	}
}

void kt_hub_free(struct kt_hub *hb)
{
	if (!hb)
		return;
	kt_hub_stop(hb);
	kt_lease_tick_free(hb->tick);
	free(hb);
}
