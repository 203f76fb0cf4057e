/* notify.c - the cycle of one SLA notification (see dispatch/notify.h):
 * claim and resolve its secret (worker) -> sign and send (loop:
 * dispatch/caller.h) -> classify and plan a retry (loop) -> record
 * (worker) -> freed. */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/secret.h"
#include "dispatch/classify.h"
#include "dispatch/notify.h"
#include "dispatch/restore_watch.h"
#include "dispatch/retry.h"
#include "store/dbpool.h"
#include "store/tx_notify.h"

#define BATCH 32    /* notifications claimed per claim; a full one claims again */

struct notice {
	struct kt_notify *nt;
	struct kt_claimed_notice m;      /* owned */
	struct kt_http_request req;      /* owned */
	char *secrets;                   /* owned, wiped */
	struct kt_err failed;            /* set: the broker could not send it */
	struct kt_outcome outcome;
	char retry_after[64];
	long long claimed_ms;            /* monotonic */
	int stale;                       /* the lease had passed on */
	struct kt_call *call;            /* while the caller has it */
	STAILQ_ENTRY(notice) claimed;
	LIST_ENTRY(notice) sending;
};

STAILQ_HEAD(notice_list, notice);

struct kt_notify {
	struct kt_app *app;
	struct kt_caller *caller;
	struct event *tick;              /* every sla_notify_interval_ms */
	struct event *soon;              /* a retry due before the next tick */
	long long soon_at;               /* monotonic ms it fires at */
	long long later_at;              /* a later retry asked for meanwhile, or 0 */
	int claiming;                    /* a claim job runs (loop only) */
	int again;                       /* claim again once it is done */
	struct notice_list batch;        /* the running claim's, for its done */
	size_t claimed;                  /* how many it claimed */
	LIST_HEAD(, notice) sending;
	int stopping;
};

static void notice_free(struct notice *x)
{
	if (!x)
		return;
	if (x->call) {
		LIST_REMOVE(x, sending);
		kt_call_abandon(x->call);
	}
	kt_claimed_notice_release(&x->m);
	kt_http_request_release(&x->req);
	kt_secret_free(x->secrets);
	kt_err_release(&x->failed);
	free(x);
}

/* The request of x: POST of its payload (taken) as JSON to its endpoint;
 * its secret resolved. A failure is kept in x->failed. */
static void prepare(struct notice *x)
{
	char *body = x->m.payload;

	x->m.payload = NULL;
	if (!x->m.endpoint || !x->m.secret_ref) {
		free(body);
		kt_err_set(&x->failed, KT_EC_CONFIG, "bad_target",
			   "the notification names no endpoint or secret_ref");
	} else if (kt_http_request_set(&x->req, "POST", x->m.endpoint, body, "application/json",
				&x->failed) == KT_OK)
		kt_secret_resolve(x->m.secret_ref, &x->secrets, &x->failed);
}

static int claim_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_notify *nt = arg;
	struct kt_claimed_notice *ms;
	size_t n;
	int held;

	nt->claimed = 0;
	if (kt_watch_gate(nt->app->watch, db, &held, err))
		return KT_ERR;
	if (held)
		return KT_OK;
	if (kt_store_notify_claim(db, nt->app->node_name, BATCH, nt->app->cfg->lease_ms,
				  &ms, &n, err))
		return KT_ERR;
	nt->claimed = n;
	for (size_t i = 0; i < n; i++) {
		struct notice *x = calloc(1, sizeof(*x));

		/* One not taken for want of memory: its lease runs out. */
		if (!x) {
			kt_claimed_notice_release(&ms[i]);
			continue;
		}
		x->nt = nt;
		x->m = ms[i];
		x->claimed_ms = kt_clock_mono_ms();
		prepare(x);
		STAILQ_INSERT_TAIL(&nt->batch, x, claimed);
	}
	free(ms);
	return KT_OK;
}

static int record_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct notice *x = arg;

	return kt_store_notify_finish(db, x->m.id, x->m.token, &x->outcome,
				      kt_outcome_state(&x->outcome),
				      kt_outcome_kind_name(x->outcome.kind), &x->stale, err);
}

static void claim(struct kt_notify *nt);

/* Arms the soon timer for monotonic time at. */
static void soon_arm(struct kt_notify *nt, long long at)
{
	long long ms = at - kt_clock_mono_ms();
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	nt->soon_at = at;
	evtimer_add(nt->soon, &tv);
}

/* A retry due in ms, sooner than the next tick, is claimed when due (a
 * little after, so that the database's clock has passed it too). One
 * timer serves them all: it fires for the earliest, then for the latest
 * asked for meanwhile, whose claim takes those in between too. */
static void claim_in(struct kt_notify *nt, long long ms)
{
	long long at;

	if (nt->stopping || ms >= nt->app->cfg->sla_notify_interval_ms)
		return;
	at = kt_clock_mono_ms() + ms + 20;
	if (!evtimer_pending(nt->soon, NULL)) {
		soon_arm(nt, at);
	} else if (at < nt->soon_at) {
		if (nt->soon_at > nt->later_at)
			nt->later_at = nt->soon_at;
		soon_arm(nt, at);
	} else if (at > nt->later_at) {
		nt->later_at = at;
	}
}

static void record_done(void *arg, int rc, struct kt_err *err)
{
	struct notice *x = arg;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "notification", x->m.webhook_id,
					      "error", err->code),
		       "could not record an SLA notification's outcome: %s (the lease will "
		       "expire and it be sent again)", err->message);
	else if (x->stale)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "notification", x->m.webhook_id),
		       "SLA notification outcome dropped: the lease had passed to another node");
	else if (strcmp(kt_outcome_state(&x->outcome), "pending") == 0)
		claim_in(x->nt, x->outcome.retry_in_ms);
	notice_free(x);
}

/* Retries need no secrecy; the crypto wrapper's bytes are thread-safe. */
static uint64_t jitter(void *arg)
{
	uint64_t v = 0;

	(void)arg;
	if (kt_crypto_random(&v, sizeof(v)) != KT_OK)
		v = (uint64_t)kt_clock_mono_us();
	return v;
}

/* Plans the next attempt of a failed one, with the dispatcher's backoff,
 * Retry-After and retry budget. */
static void plan_retry(struct notice *x)
{
	const struct kt_config *cfg = x->nt->app->cfg;
	const struct kt_retry_policy policy = {
		.base_ms = cfg->retry_base_ms, .cap_ms = cfg->retry_max_ms,
		.budget_ms = cfg->supplier_retry_budget_s * 1000LL,
	};
	const struct kt_retry_answer answer = {
		.attempt = x->m.attempts,
		.used_ms = x->m.used_ms + (kt_clock_mono_ms() - x->claimed_ms),
		.http_status = x->outcome.http_status,
		.retry_after = x->retry_after[0] ? x->retry_after : NULL,
	};
	struct kt_retry_plan plan;

	kt_retry_plan(&policy, &answer, kt_clock_wall_s(), jitter, NULL, &plan);
	x->outcome.gave_up = plan.give_up;
	x->outcome.retry_in_ms = plan.delay_ms;
	x->outcome.credit_ms = plan.credit_ms;
}

static void finish(struct notice *x)
{
	struct kt_outcome *o = &x->outcome;

	if (o->kind != KT_OUT_DELIVERED && o->kind != KT_OUT_PERMANENT)
		plan_retry(x);
	kt_log(o->kind == KT_OUT_DELIVERED ? KT_LOG_INFO : KT_LOG_WARN,
	       json_pack("{s:s, s:s, s:s, s:I, s:s}", "notification", x->m.webhook_id,
			 "outcome", kt_outcome_kind_name(o->kind), "code", o->code,
			 "http_status", (json_int_t)o->http_status, "state", kt_outcome_state(o)),
	       "SLA notification: %s%s", o->message,
	       o->gave_up ? " (retry budget spent: dead letter)" : "");
	kt_dbpool_submit(x->nt->app->bg_pool, record_work, record_done, x);
}

static void on_answer(void *arg, struct kt_transport_answer *a)
{
	struct notice *x = arg;

	LIST_REMOVE(x, sending);
	x->call = NULL;
	memcpy(x->retry_after, a->retry_after, sizeof(x->retry_after));
	kt_classify_call(&a->facts, &x->outcome);
	finish(x);
}

/* Sends x, signed under its webhook-id, which is also its
 * Idempotency-Key: every attempt carries the same. */
static void send_notice(struct notice *x)
{
	const struct kt_call_supplier who = { .id = "sla-notify", .key = "sla-notify",
					      .secrets = x->secrets, .delivery = x->m.delivery };
	const struct kt_call_spec spec = { .req = &x->req, .sign_id = x->m.webhook_id,
					   .idempotency_key = x->m.webhook_id };
	struct kt_err err = { 0 };

	if (!kt_err_isset(&x->failed) &&
	    kt_call_start(x->nt->caller, &who, &spec, on_answer, x, &x->call, &err) == KT_OK) {
		LIST_INSERT_HEAD(&x->nt->sending, x, sending);
		return;
	}
	kt_classify_broker(kt_err_isset(&x->failed) ? &x->failed : &err, &x->outcome);
	kt_err_release(&err);
	finish(x);
}

static void claim_done(void *arg, int rc, struct kt_err *err);

static void claim(struct kt_notify *nt)
{
	if (nt->stopping)
		return;
	if (nt->claiming) {
		nt->again = 1;
		return;
	}
	nt->claiming = 1;
	nt->again = 0;
	kt_dbpool_submit(nt->app->bg_pool, claim_work, claim_done, nt);
}

static void claim_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_notify *nt = arg;
	struct notice *x;

	nt->claiming = 0;
	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "could not claim SLA notifications: %s (tried again at the next tick)",
		       err->message);
	while ((x = STAILQ_FIRST(&nt->batch))) {
		STAILQ_REMOVE_HEAD(&nt->batch, claimed);
		if (nt->stopping)
			notice_free(x);  /* its lease runs out */
		else
			send_notice(x);
	}
	/* A full claim leaves a backlog: the next one at once. */
	if (nt->again || (rc == KT_OK && nt->claimed == BATCH))
		claim(nt);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	claim(arg);
}

static void on_soon(evutil_socket_t fd, short what, void *arg)
{
	struct kt_notify *nt = arg;

	(void)fd;
	(void)what;
	claim(nt);
	if (nt->later_at) {
		soon_arm(nt, nt->later_at);
		nt->later_at = 0;
	}
}

struct kt_notify *kt_notify_new(struct kt_app *app, struct kt_caller *caller,
				struct kt_err *err)
{
	struct kt_notify *nt = calloc(1, sizeof(*nt));
	int ms = app->cfg->sla_notify_interval_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (!nt || !(nt->tick = event_new(app->base, -1, EV_PERSIST, on_tick, nt)) ||
	    !(nt->soon = evtimer_new(app->base, on_soon, nt))) {
		if (nt && nt->tick)
			event_free(nt->tick);
		free(nt);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	nt->app = app;
	nt->caller = caller;
	STAILQ_INIT(&nt->batch);
	LIST_INIT(&nt->sending);
	event_add(nt->tick, &tv);
	claim(nt);  /* what waited while no node delivered goes out now */
	return nt;
}

void kt_notify_stop(struct kt_notify *nt)
{
	if (!nt || nt->stopping)
		return;
	nt->stopping = 1;
	event_del(nt->tick);
	event_del(nt->soon);
	while (!LIST_EMPTY(&nt->sending))
		notice_free(LIST_FIRST(&nt->sending));
}

void kt_notify_free(struct kt_notify *nt)
{
	if (!nt)
		return;
	kt_notify_stop(nt);
	event_free(nt->tick);
	event_free(nt->soon);
	free(nt);
}
