/* lease_tick.c - the loop of a leased sweep (see dispatch/lease_tick.h):
 * tick -> claim job -> start or drop each run claimed. */
#include <stdlib.h>

#include "base/crypto.h"
#include "base/log.h"
#include "dispatch/lease_tick.h"
#include "dispatch/restore_watch.h"
#include "store/dbpool.h"

struct kt_lease_tick {
	struct kt_app *app;
	struct kt_lease_tick_spec spec;
	struct event *tick;
	int claiming;
	int running;
	int stopping;
};

/* One claim job: what it leased. */
struct claim {
	struct kt_lease_tick *t;
	int limit;
	void **runs;
	size_t n;
};

static int claim_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct claim *c = arg;
	int held;

	/* After a restore nothing goes out until reconcile ran. */
	if (kt_watch_gate(c->t->app->watch, db, &held, err))
		return KT_ERR;
	if (held)
		return KT_OK;
	return c->t->spec.claim(db, c->t->spec.owner, c->limit, &c->runs, &c->n, err);
}

static void claim_done(void *arg, int rc, struct kt_err *err)
{
	struct claim *c = arg;
	struct kt_lease_tick *t = c->t;

	t->claiming = 0;
	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "claim of due %s failed: %s", t->spec.what, err->message);
	for (size_t i = 0; i < c->n; i++) {
		if (t->stopping) {
			t->spec.drop(c->runs[i]);
			continue;
		}
		t->running++;
		t->spec.start(c->runs[i]);
	}
	free(c->runs);
	free(c);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct kt_lease_tick *t = arg;
	struct claim *c;

	(void)fd;
	(void)what;
	if (t->stopping || t->claiming || t->running >= t->spec.max ||
	    !(c = calloc(1, sizeof(*c))))
		return;
	c->t = t;
	c->limit = t->spec.max - t->running;
	t->claiming = 1;
	kt_dbpool_submit(t->app->bg_pool, claim_work, claim_done, c);
}

struct kt_lease_tick *kt_lease_tick_new(struct kt_app *app, const struct kt_lease_tick_spec *spec,
					struct kt_err *err)
{
	struct kt_lease_tick *t = calloc(1, sizeof(*t));
	struct timeval tv = { spec->tick_ms / 1000, (spec->tick_ms % 1000) * 1000 };

	if (!t || !(t->tick = event_new(app->base, -1, EV_PERSIST, on_tick, t))) {
		free(t);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	t->app = app;
	t->spec = *spec;
	event_add(t->tick, &tv);
	return t;
}

void kt_lease_tick_ended(struct kt_lease_tick *t)
{
	t->running--;
}

void kt_lease_tick_stop(struct kt_lease_tick *t)
{
	if (!t || t->stopping)
		return;
	t->stopping = 1;
	event_del(t->tick);
}

void kt_lease_tick_free(struct kt_lease_tick *t)
{
	if (!t)
		return;
	kt_lease_tick_stop(t);
	event_free(t->tick);
	free(t);
}

uint64_t kt_lease_jitter(void *arg)
{
	uint64_t v;

	(void)arg;
	return kt_crypto_random(&v, sizeof(v)) == KT_OK ? v : 0;
}
