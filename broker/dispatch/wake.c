/* wake.c - announcing outbox work to the other nodes and hearing theirs
 * (see dispatch/wake.h): a timer coalesces announcements into one NOTIFY
 * job on the background pool; store/listen.h holds the LISTEN session. */
#include <stdatomic.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "dispatch/wake.h"
#include "store/dbpool.h"
#include "store/listen.h"

struct kt_wake {
	struct kt_app *app;
	struct event *timer;        /* coalesces announcements */
	struct kt_listener *listener;
	int pending;                /* work to announce once the timer fires */
	long long pending_since;    /* monotonic ms: when pending was set */
	_Atomic long long turn_ms;  /* monotonic ms of the last announcement
				     * made, or taken by a write to carry */
	int announcing;             /* a NOTIFY job runs */
	int stopping;
};

static int announce_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_wake *w = arg;

	return kt_store_announce(db, w->app->node_name, err);
}

static void arm(struct kt_wake *w)
{
	int ms = w->app->cfg->announce_interval_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (!evtimer_pending(w->timer, NULL))
		evtimer_add(w->timer, &tv);
}

static void announce_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_wake *w = arg;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "could not announce outbox work: %s (other nodes find it by their sweep)",
		       err->message);
	w->announcing = 0;
	if (w->pending && !w->stopping)
		arm(w);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kt_wake *w = arg;

	(void)fd;
	(void)what;
	if (w->announcing || w->stopping)
		return; /* announce_done re-arms */
	w->pending = 0;
	/* A write that took its turn after the work committed carries the
	 * announcement at its own commit, after this work's. */
	if (atomic_load(&w->turn_ms) > w->pending_since)
		return;
	atomic_store(&w->turn_ms, kt_clock_mono_ms());
	w->announcing = 1;
	kt_dbpool_submit(w->app->bg_pool, announce_work, announce_done, w);
}

void kt_wake_announce(struct kt_wake *w)
{
	if (w->stopping)
		return;
	if (!w->pending)
		w->pending_since = kt_clock_mono_ms();
	w->pending = 1;
	if (!w->announcing)
		arm(w);
}

int kt_wake_take_turn(struct kt_wake *w)
{
	long long now = kt_clock_mono_ms(), last = atomic_load(&w->turn_ms);

	if (now - last < w->app->cfg->announce_interval_ms)
		return 0;
	return atomic_compare_exchange_strong(&w->turn_ms, &last, now);
}

struct kt_wake *kt_wake_new(struct kt_app *app, kt_wake_fn *on_work, void *arg,
			    struct kt_err *err)
{
	struct kt_wake *w = calloc(1, sizeof(*w));

	if (!w || !(w->timer = evtimer_new(app->base, on_timer, w))) {
		free(w);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	w->app = app;
	if (on_work) {
		w->listener = kt_listener_new(app->base, app->cfg->database_url, app->node_name,
					      on_work, arg, err);
		if (!w->listener) {
			kt_wake_free(w);
			return NULL;
		}
	}
	return w;
}

void kt_wake_stop(struct kt_wake *w)
{
	if (!w || w->stopping)
		return;
	w->stopping = 1;
	event_del(w->timer);
	kt_listener_free(w->listener);
	w->listener = NULL;
}

void kt_wake_free(struct kt_wake *w)
{
	if (!w)
		return;
	kt_wake_stop(w);
	event_free(w->timer);
	free(w);
}
