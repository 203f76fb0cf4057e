/* live_relay.c - the live relay (see http/live_relay.h): every tick,
 * while no relay runs, one background job takes the queue and NOTIFYs it.
 * A failure is logged once until a relay works again; what stayed queued
 * goes with the next tick. */
#include "base/log.h"
#include "http/live_relay.h"
#include "store/dbpool.h"
#include "store/row_live.h"

struct kt_live_relay {
	struct kt_dbpool_timer *tick;
	int relayed;             /* by the running relay */
	int failing;             /* the last relay failed (and was logged) */
};

static int relay_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_live_relay *r = arg;

	return kt_store_live_relay(db, &r->relayed, err);
}

static void relay_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_live_relay *r = arg;

	if (rc != KT_OK && !r->failing)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "live relay failed: %s (live streams hear nothing new until it works)",
		       err->message);
	else if (rc == KT_OK && r->failing)
		kt_log(KT_LOG_INFO, json_pack("{s:i}", "relayed", r->relayed),
		       "live relay works again");
	r->failing = rc != KT_OK;
}

struct kt_live_relay *kt_live_relay_new(struct kt_app *app, struct kt_err *err)
{
	struct kt_live_relay *r = calloc(1, sizeof(*r));

	if (!r || !(r->tick = kt_dbpool_every(app->bg_pool, app->base, "live_relay",
					      app->cfg->live_relay_ms, relay_work, relay_done, r,
					      err))) {
		free(r);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not start the live relay");
		return NULL;
	}
	return r;
}

void kt_live_relay_stop(struct kt_live_relay *r)
{
	if (r)
		kt_dbpool_timer_stop(r->tick);
}

void kt_live_relay_free(struct kt_live_relay *r)
{
	if (!r)
		return;
	kt_dbpool_timer_free(r->tick);
	free(r);
}
