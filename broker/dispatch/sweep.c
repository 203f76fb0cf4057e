/* sweep.c - the periodic housekeeping sweep (see dispatch/sweep.h): the
 * restore watch's check, delivery_delayed, the outbox gauges and the paced
 * purges of expired idempotency answers, inbound delivery ids and supplier
 * call records, as one job on the background pool. */
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "dispatch/restore_watch.h"
#include "dispatch/sweep.h"
#include "http/idempotency.h"
#include "store/dbpool.h"
#include "store/tx_idempotency.h"
#include "store/tx_inbound.h"
#include "store/tx_outbox.h"
#include "store/tx_report.h"

/* How often the sweep runs at most. */
#define SWEEP_MS 1000
/* The most expired answers (or delivery ids) one sweep deletes. */
#define PURGE_BATCH 1000
/* How often a process purges delivery ids, unless a batch came back full. */
#define INBOUND_PURGE_S 60

struct kt_sweep {
	struct kt_app *app;
	struct kt_dbpool_timer *timer;
	long long inbound_purge_s; /* monotonic second of the next purge */
	long long calls_purge_s;   /* the same, of supplier call records */
};

/* Raises delivery_delayed on overdue legs, then refreshes the outbox
 * gauges with one grouped query. */
static int sweep_outbox(struct kt_db *db, const struct kt_config *cfg, struct kt_err *err)
{
	const struct kt_delayed_policy p = {
		.p1_ms = cfg->delivery_delayed_p1_ms, .p2_ms = cfg->delivery_delayed_p2_ms,
		.other_ms = cfg->delivery_delayed_other_ms,
	};
	json_t *depths = NULL, *row;
	size_t i;
	int raised;

	if (kt_store_outbox_delayed(db, &p, &raised, err))
		return KT_ERR;
	if (raised) {
		kt_metrics_delivery_delayed(raised);
		kt_log(KT_LOG_WARN, json_pack("{s:i}", "legs", raised),
		       "first delivery overdue: delivery_delayed raised on %d leg(s)", raised);
	}
	if (kt_store_outbox_depths(db, &depths, err))
		return KT_ERR;
	json_array_foreach(depths, i, row)
		kt_metrics_outbox(json_string_value(json_object_get(row, "supplier")),
				  json_integer_value(json_object_get(row, "depth")),
				  json_integer_value(json_object_get(row, "oldest_ms")));
	json_decref(depths);
	return KT_OK;
}

/* Deletes a batch of expired idempotency answers when this process's turn
 * has come (a full batch lets the next sweep go on at once). */
static int purge_answers(struct kt_db *db, int ttl_s, struct kt_err *err)
{
	int deleted;

	if (!kt_idempotency_purge_due(kt_clock_mono_ms() / 1000, ttl_s))
		return KT_OK;
	if (kt_store_idempotency_purge(db, ttl_s, PURGE_BATCH, &deleted, err))
		return KT_ERR;
	if (deleted == PURGE_BATCH)
		kt_idempotency_purge_soon();
	return KT_OK;
}

/* Forgets a batch of inbound delivery ids past their retention, once a
 * minute (at once again while batches come back full). */
static int purge_deliveries(struct kt_sweep *s, struct kt_db *db, struct kt_err *err)
{
	long long now = kt_clock_mono_ms() / 1000;
	int deleted;

	if (now < s->inbound_purge_s)
		return KT_OK;
	if (kt_store_inbound_purge(db, s->app->cfg->inbound_retention_s, PURGE_BATCH, &deleted,
				   err))
		return KT_ERR;
	s->inbound_purge_s = deleted == PURGE_BATCH ? now : now + INBOUND_PURGE_S;
	return KT_OK;
}

/* Forgets a batch of supplier call records past their retention, paced
 * as the delivery ids are. */
static int purge_calls(struct kt_sweep *s, struct kt_db *db, struct kt_err *err)
{
	long long now = kt_clock_mono_ms() / 1000;
	int deleted;

	if (now < s->calls_purge_s)
		return KT_OK;
	if (kt_store_supplier_calls_purge(db, s->app->cfg->supplier_calls_retention_s,
					  PURGE_BATCH, &deleted, err))
		return KT_ERR;
	s->calls_purge_s = deleted == PURGE_BATCH ? now : now + INBOUND_PURGE_S;
	return KT_OK;
}

static int sweep_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_sweep *s = arg;
	const struct kt_config *cfg = s->app->cfg;

	if (kt_watch_check(s->app->watch, db, err) ||
	    purge_answers(db, cfg->idempotency_ttl_s, err) || purge_deliveries(s, db, err) ||
	    purge_calls(s, db, err))
		return KT_ERR;
	return cfg->dispatch ? sweep_outbox(db, cfg, err) : KT_OK;
}

static void sweep_done(void *arg, int rc, struct kt_err *err)
{
	(void)arg;
	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "background sweep failed: %s (tried again at the next one)", err->message);
}

struct kt_sweep *kt_sweep_new(struct kt_app *app, struct kt_err *err)
{
	struct kt_sweep *s = calloc(1, sizeof(*s));
	int ms = app->cfg->dispatch_interval_ms > SWEEP_MS ? app->cfg->dispatch_interval_ms
							   : SWEEP_MS;

	if (!s) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	s->app = app;
	s->timer = kt_dbpool_every(app->bg_pool, app->base, "housekeeping", ms, sweep_work, sweep_done, s, err);
	if (!s->timer) {
		free(s);
		return NULL;
	}
	return s;
}

void kt_sweep_stop(struct kt_sweep *s)
{
	if (s)
		kt_dbpool_timer_stop(s->timer);
}

void kt_sweep_free(struct kt_sweep *s)
{
	if (!s)
		return;
	kt_dbpool_timer_free(s->timer);
	free(s);
}
