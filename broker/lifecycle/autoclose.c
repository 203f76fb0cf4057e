/* autoclose.c - the auto-close sweep (see autoclose.h): every tick, while
 * no sweep runs, one background job closes overdue resolved tickets in
 * batches of BATCH, each batch its own short transaction; the updates it
 * queued for the suppliers wake the dispatcher (and, through it, the
 * other nodes) as an API request's do. */
#include "base/log.h"
#include "dispatch/dispatcher.h"
#include "lifecycle/autoclose.h"
#include "store/dbpool.h"
#include "store/tx_resolution.h"

#define BATCH 50
#define MAX_BATCHES 20    /* per tick: a backlog is worked off over ticks */
#define TICK_MIN_MS 1000
#define TICK_MAX_MS 60000

struct kt_autoclose {
	struct kt_app *app;
	struct kt_dbpool_timer *tick;
	int closed;          /* by the running sweep */
	int queued;          /* messages its commits queued */
};

static int sweep_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_autoclose *a = arg;
	int n = BATCH, queued;

	a->closed = 0;
	a->queued = 0;
	for (int i = 0; i < MAX_BATCHES && n == BATCH; i++) {
		if (kt_store_resolution_autoclose(db, a->app->cfg->auto_close_s, BATCH, &n,
						  &queued, err))
			return KT_ERR;
		a->closed += n;
		a->queued += queued;
	}
	return KT_OK;
}

static void sweep_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_autoclose *a = arg;

	/* What earlier batches committed is queued even when a later one failed. */
	if (a->queued > 0 && a->app->dispatcher)
		kt_dispatcher_wake(a->app->dispatcher);
	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "auto-close sweep failed: %s (tried again at the next tick)", err->message);
	else if (a->closed > 0)
		kt_log(KT_LOG_INFO, json_pack("{s:i}", "tickets", a->closed),
		       "auto-closed %d resolved ticket(s) nobody confirmed", a->closed);
}

struct kt_autoclose *kt_autoclose_new(struct kt_app *app, struct kt_err *err)
{
	struct kt_autoclose *a = calloc(1, sizeof(*a));
	/* A tenth of the wait, so a ticket closes at most 10% late. */
	long long ms = (long long)app->cfg->auto_close_s * 100;

	if (ms < TICK_MIN_MS)
		ms = TICK_MIN_MS;
	if (ms > TICK_MAX_MS)
		ms = TICK_MAX_MS;
	if (!a || !(a->tick = kt_dbpool_every(app->bg_pool, app->base, "autoclose", ms, sweep_work,
					      sweep_done, a, err))) {
		free(a);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not start the auto-close sweep");
		return NULL;
	}
	a->app = app;
	return a;
}

void kt_autoclose_stop(struct kt_autoclose *a)
{
	if (a)
		kt_dbpool_timer_stop(a->tick);
}

void kt_autoclose_free(struct kt_autoclose *a)
{
	if (!a)
		return;
	kt_dbpool_timer_free(a->tick);
	free(a);
}
