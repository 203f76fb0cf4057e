/* sla_alerts.c - the SLA alert sweep (see sla_alerts.h): every tick, while
 * no sweep runs, one background job records due alerts in batches of
 * BATCH until a batch comes back short. */
#include "base/log.h"
#include "lifecycle/sla_alerts.h"
#include "store/dbpool.h"
#include "store/tx_sla.h"

#define BATCH 100
#define MAX_BATCHES 20    /* per tick: a backlog is worked off over ticks */

struct kt_sla_alerts {
	struct kt_app *app;
	struct kt_dbpool_timer *tick;
	int recorded;        /* by the running sweep */
};

static int sweep_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_sla_alerts *s = arg;
	int n = BATCH;

	s->recorded = 0;
	for (int i = 0; i < MAX_BATCHES && n == BATCH; i++) {
		if (kt_store_sla_sweep(db, BATCH, &n, err))
			return KT_ERR;
		s->recorded += n;
	}
	return KT_OK;
}

static void sweep_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_sla_alerts *s = arg;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "SLA alert sweep failed: %s (tried again at the next tick)", err->message);
	else if (s->recorded > 0)
		kt_log(KT_LOG_INFO, json_pack("{s:i}", "alerts", s->recorded),
		       "recorded %d SLA warning(s) and breach(es)", s->recorded);
}

struct kt_sla_alerts *kt_sla_alerts_new(struct kt_app *app, struct kt_err *err)
{
	struct kt_sla_alerts *s = calloc(1, sizeof(*s));

	if (!s || !(s->tick = kt_dbpool_every(app->bg_pool, app->base, "sla-alerts",
					      app->cfg->sla_alert_interval_ms, sweep_work,
					      sweep_done, s, err))) {
		free(s);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not start the SLA alert sweep");
		return NULL;
	}
	s->app = app;
	return s;
}

void kt_sla_alerts_stop(struct kt_sla_alerts *s)
{
	if (s)
		kt_dbpool_timer_stop(s->tick);
}

void kt_sla_alerts_free(struct kt_sla_alerts *s)
{
	if (!s)
		return;
	kt_dbpool_timer_free(s->tick);
	free(s);
}
