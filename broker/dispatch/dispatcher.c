/* dispatcher.c - the cycle of one delivery: claim (worker: store/tx_outbox.h,
 * then dispatch/build.h) -> admit (loop: dispatch/gate.h) -> sign and send
 * (loop: dispatch/transport.h) -> classify (dispatch/classify.h) ->
 * record (worker: the outcomes that finished together, in one
 * transaction) -> freed; or, when its supplier's gate closed meanwhile, claim -> unlease (worker: handed back
 * unsent) -> freed. Also the kick and wake entry points, and the timer
 * that kicks every dispatch_interval_ms. Every limit of a call is the
 * supplier's own when its chain document entry has one (its "delivery",
 * claimed with each message), else the node's setting; a supplier's own
 * timeout never outlasts the lease. */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/utf8.h"
#include "dispatch/build.h"
#include "dispatch/caller.h"
#include "dispatch/classify.h"
#include "dispatch/dispatcher.h"
#include "dispatch/gate.h"
#include "dispatch/hub.h"
#include "dispatch/notify.h"
#include "dispatch/poll.h"
#include "dispatch/rate_limit.h"
#include "dispatch/restore_watch.h"
#include "dispatch/retry.h"
#include "dispatch/sweep.h"
#include "dispatch/transport.h"
#include "dispatch/wake.h"
#include "store/dbpool.h"
#include "store/tx_outcome.h"

struct delivery {
	struct kt_dispatcher *d;
	struct kt_claimed_msg msg;   /* owned */
	struct kt_outbound ob;       /* owned */
	struct kt_outcome outcome;
	struct kt_adapter_reply reply;
	struct kt_call *call;        /* while the caller has it */
	char *resp;                  /* the supplier's answer (owned), bounded */
	size_t resp_len;
	char retry_after[64];        /* the answer's Retry-After, or "" */
	char supplier_says[200];     /* the supplier's own error message, or "" */
	long long claimed_ms;        /* monotonic time the claim returned */
	long long unlease_in_ms;     /* > 0: hand back unsent, due again then */
	int probe;                   /* the half-open circuit's one probe */
	int counted;                 /* in its supplier gate's calls in flight */
	STAILQ_ENTRY(delivery) link; /* in a claim's lists */
	LIST_ENTRY(delivery) sending;
};

STAILQ_HEAD(delivery_list, delivery);

struct claim {
	struct kt_dispatcher *d;
	int limit;
	int saturated;               /* the claim may have left others' messages */
	json_t *paused;              /* supplier ids to skip (owned), or NULL */
	json_t *busy;                /* {supplier id: calls in flight} (owned), or NULL */
	json_t *credits;             /* {supplier id: ms} of ended open circuits
				      * (owned), or NULL */
	struct delivery_list ready;  /* built and ready to send, in claim order */
	struct delivery_list settled; /* failed before sending: outcome recorded */
};

struct kt_dispatcher {
	struct kt_app *app;
	struct kt_transport *transport;
	struct kt_caller *caller;    /* every supplier call, with its auth */
	struct kt_wake *wake;
	struct kt_sweep *sweep;
	struct kt_poll *poll;        /* the suppliers that cannot push */
	struct kt_hub *hub;          /* the listeners registered with hubs */
	struct kt_notify *notify;    /* the SLA notifications */
	struct event *tick;          /* kicks every dispatch_interval_ms */
	struct kt_gates gates;
	int claiming;
	int kicked;
	int inflight;                /* claimed and not yet recorded */
	struct delivery_list finished; /* outcomes waiting for a record job */
	int n_finished;
	struct event *record_timer;  /* ends the wait of finished outcomes */
	long long record_since_ms;   /* monotonic: since record jobs run */
	struct event *claim_timer;   /* ends a claim's wait for a record job */
	int recording;               /* record jobs submitted and not done */
	int stopping;
	LIST_HEAD(, delivery) sending; /* handed to the transport */
};

static void delivery_free(struct delivery *dl)
{
	if (!dl)
		return;
	if (dl->call) {
		LIST_REMOVE(dl, sending);
		kt_call_abandon(dl->call);
	}
	kt_outbound_release(&dl->ob);
	kt_adapter_reply_release(&dl->reply);
	kt_claimed_msg_release(&dl->msg);
	free(dl->resp);
	free(dl);
}

/* Delivery limit name of dl's supplier: its own (the chain document's
 * supplier.delivery) when it has one, else node, the node's setting. */
static long long limit_of(const struct delivery *dl, const char *name, long long node)
{
	json_t *v = json_object_get(dl->msg.supplier.delivery, name);

	return json_is_integer(v) ? json_integer_value(v) : node;
}

/* Jitter needs no secrecy, but the crypto wrapper's random bytes are at
 * hand and thread-safe (the plan is made on the loop and on workers). */
static uint64_t jitter_rand(void *arg)
{
	uint64_t v;

	(void)arg;
	if (kt_crypto_random(&v, sizeof(v)) != KT_OK)
		v = (uint64_t)kt_clock_mono_ms() * 0x9E3779B97F4A7C15ULL;
	return v;
}

/* Fills the retry fields of a failed attempt's outcome from the retry
 * plan (dispatch/retry.h): next attempt, budget, 429 credit. Returns how long the
 * supplier's gate should close; 0: not at all. Touches only dl. */
static long long plan_retry(struct delivery *dl)
{
	const struct kt_config *cfg = dl->d->app->cfg;
	const struct kt_retry_policy policy = {
		.base_ms = cfg->retry_base_ms, .cap_ms = cfg->retry_max_ms,
		.budget_ms = limit_of(dl, "retry_budget_s", cfg->supplier_retry_budget_s) * 1000,
	};
	const struct kt_retry_answer answer = {
		.attempt = dl->msg.attempts,
		.used_ms = dl->msg.budget_used_ms + (kt_clock_mono_ms() - dl->claimed_ms),
		.http_status = dl->outcome.http_status,
		.retry_after = dl->outcome.retry_after,
	};
	struct kt_retry_plan plan;

	kt_retry_plan(&policy, &answer, kt_clock_wall_s(), jitter_rand, NULL, &plan);
	dl->outcome.gave_up = plan.give_up;
	dl->outcome.retry_in_ms = plan.delay_ms;
	dl->outcome.credit_ms = plan.credit_ms;
	return plan.pause_ms;
}

/* ---- worker side: claim, build, record ---- */

/* Records the outcomes of the deliveries on list in one transaction
 * (kt_store_outbox_finish_all) and logs those dropped or not recorded:
 * the leases of those run out and their messages are tried again. */
static void record_all(struct kt_db *db, struct delivery_list *list)
{
	struct kt_outbox_result *rs;
	struct kt_err err = { 0 };
	struct delivery *dl;
	size_t n = 0, i = 0;

	STAILQ_FOREACH(dl, list, link)
		n++;
	if (n == 0)
		return;
	if (!(rs = calloc(n, sizeof(*rs)))) {
		kt_log(KT_LOG_WARN, NULL, "out of memory: %zu delivery outcomes not recorded "
		       "(the leases will expire and the messages be retried)", n);
		return;
	}
	STAILQ_FOREACH(dl, list, link)
		rs[i++] = (struct kt_outbox_result){ .id = dl->msg.id, .token = dl->msg.token,
			.ticket_id = dl->msg.ticket_id, .o = &dl->outcome };
	kt_store_outbox_finish_all(db, rs, n, &err);
	i = 0;
	STAILQ_FOREACH(dl, list, link) {
		if (rs[i].stale)
			kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "message", dl->msg.id,
						      "outcome", dl->outcome.code),
			       "outcome dropped: the lease had passed to another node");
		else if (rs[i].failed)
			kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "message", dl->msg.id,
						      "error", err.code),
			       "could not record a delivery outcome: %s (the lease will expire "
			       "and the message be retried)", err.message);
		i++;
	}
	kt_err_release(&err);
	free(rs);
}

/* Builds dl's request, or sorts why it cannot be: a row whose data cannot
 * be read, or what the adapter refuses, can never be sent (dead letter);
 * a missing secret may be fixed by the operator (retry). KT_ERR when dl's
 * outcome is set instead. */
static int build(const json_t *tickets, struct delivery *dl)
{
	struct kt_err err = { 0 };

	if (dl->msg.unreadable[0]) {
		kt_err_set(&err, KT_EC_INVALID, "unreadable_message", "%s", dl->msg.unreadable);
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "message", dl->msg.id,
					      "supplier", dl->msg.supplier.key),
		       "outbox message cannot be read: %s (dead letter)", dl->msg.unreadable);
	} else if (kt_build(tickets, &dl->msg, &dl->ob, &err) == KT_OK) {
		return KT_OK;
	}
	kt_classify_broker(&err, &dl->outcome);
	kt_err_release(&err);
	kt_log(KT_LOG_WARN, json_pack("{s:s, s:s, s:s}", "message", dl->msg.id,
				      "supplier", dl->msg.supplier.key, "code", dl->outcome.code),
	       "delivery not built: %s", dl->outcome.detail);
	if (dl->outcome.kind != KT_OUT_PERMANENT)
		plan_retry(dl);
	kt_metrics_delivery(dl->msg.supplier.key, kt_outcome_kind_name(dl->outcome.kind));
	return KT_ERR;
}

static int claim_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct claim *c = arg;
	const struct kt_config *cfg = c->d->app->cfg;
	const struct kt_claim_gates gates = {
		.paused = c->paused, .busy = c->busy, .max_inflight = cfg->supplier_max_inflight,
	};
	struct kt_claimed_msg *msgs = NULL;
	json_t *tickets = NULL;
	size_t n = 0, i;
	int held;

	/* Before the claim that may take the probe, so its budget has it. */
	if (c->credits && kt_store_outbox_credit(db, c->credits, err))
		return KT_ERR;
	/* The first claim waits for the restore watch's first check; the
	 * claim itself honours the hold of every node (KT_STORE_NOT_HELD). */
	if (kt_watch_gate(c->d->app->watch, db, &held, err))
		return KT_ERR;
	if (held)
		return KT_OK;
	if (kt_store_outbox_claim(db, c->d->app->node_name, c->limit, cfg->lease_ms,
				  cfg->supplier_search_lag_ms, &gates, &msgs, &n, &tickets,
				  &c->saturated, err))
		return KT_ERR;
	for (i = 0; i < n; i++) {
		struct delivery *dl = calloc(1, sizeof(*dl));

		if (!dl)
			break;
		dl->d = c->d;
		dl->msg = msgs[i];
		memset(&msgs[i], 0, sizeof(msgs[i]));
		dl->claimed_ms = kt_clock_mono_ms();
		if (build(tickets, dl) == KT_OK)
			STAILQ_INSERT_TAIL(&c->ready, dl, link);
		else
			STAILQ_INSERT_TAIL(&c->settled, dl, link);
	}
	record_all(db, &c->settled);
	/* Those not taken for want of memory: their leases run out. */
	for (; i < n; i++)
		kt_claimed_msg_release(&msgs[i]);
	free(msgs);
	json_decref(tickets);
	return KT_OK;
}

static int unlease_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct delivery *dl = arg;
	int stale;

	return kt_store_outbox_unlease(db, dl->msg.id, dl->msg.token, dl->unlease_in_ms,
				       &stale, err);
}

/* The outcomes of one record job (owned, with their deliveries). */
struct record_batch {
	struct kt_dispatcher *d;
	struct delivery_list list;
};

static int record_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct record_batch *b = arg;

	(void)err;
	record_all(db, &b->list);
	return KT_OK;
}

/* ---- loop side ---- */

static void claim_done(void *arg, int rc, struct kt_err *err);
static void send_delivery(struct delivery *dl);

void kt_dispatcher_kick(struct kt_dispatcher *d)
{
	const struct kt_config *cfg = d->app->cfg;
	struct claim *c;
	int room = cfg->dispatch_max_inflight - d->inflight;

	d->kicked = 1;
	if (!cfg->dispatch || d->stopping || d->claiming || room <= 0)
		return;
	/* A record job running frees slots when it ends and kicks then: one
	 * claim for both, not a claim now and another for those slots; but
	 * no longer than dispatch_record_wait_ms (a record may wait on a
	 * ticket's lock). */
	if (d->recording && d->claim_timer &&
	    kt_clock_mono_ms() - d->record_since_ms < cfg->dispatch_record_wait_ms) {
		long long ms = d->record_since_ms + cfg->dispatch_record_wait_ms - kt_clock_mono_ms();
		struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

		if (!evtimer_pending(d->claim_timer, NULL))
			evtimer_add(d->claim_timer, &tv);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->d = d;
	STAILQ_INIT(&c->ready);
	STAILQ_INIT(&c->settled);
	c->limit = room < cfg->dispatch_batch ? room : cfg->dispatch_batch;
	kt_gates_lists(&d->gates, kt_clock_mono_ms(), &c->paused, &c->busy, &c->credits);
	d->claiming = 1;
	d->kicked = 0;
	d->inflight += c->limit; /* reserved until the claim says how many */
	kt_dbpool_submit(d->app->bg_pool, claim_work, claim_done, c);
}

void kt_dispatcher_wake(struct kt_dispatcher *d)
{
	kt_dispatcher_kick(d);
	if (!d->stopping)
		kt_wake_announce(d->wake);
}

const char *kt_dispatcher_take_turn(struct kt_dispatcher *d)
{
	return kt_wake_take_turn(d->wake) ? d->app->node_name : NULL;
}

void kt_dispatcher_woken(struct kt_dispatcher *d)
{
	kt_dispatcher_kick(d);
}

/* Counts dl among its supplier's calls in flight; 1 when that reached the
 * limit. Out of memory for the gate, dl goes uncounted (and unlimited). */
static int count_call(struct delivery *dl)
{
	const struct kt_claimed_supplier *s = &dl->msg.supplier;
	struct kt_gate *g = kt_gates_get(&dl->d->gates, s->id, s->key);

	if (!g)
		return 0;
	dl->counted = 1;
	return kt_gate_count(g, (int)limit_of(dl, "max_inflight",
					      dl->d->app->cfg->supplier_max_inflight),
			     &dl->d->gates);
}

/* Frees dl, a claimed delivery that is over, and gives its slots back. */
static void delivery_settle(struct delivery *dl)
{
	struct kt_dispatcher *d = dl->d;
	struct kt_gate *g = dl->counted ? kt_gates_find(&d->gates, dl->msg.supplier.id) : NULL;

	if (g)
		kt_gate_uncount(g);
	delivery_free(dl);
	d->inflight--;
}

static void claim_done(void *arg, int rc, struct kt_err *err)
{
	struct claim *c = arg;
	struct kt_dispatcher *d = c->d;
	struct delivery *dl;
	int got = 0, filled = 0;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "outbox claim failed: %s", err->message);
	while ((dl = STAILQ_FIRST(&c->settled))) {
		STAILQ_REMOVE_HEAD(&c->settled, link);
		delivery_free(dl);
	}
	d->inflight -= c->limit;
	while ((dl = STAILQ_FIRST(&c->ready))) {
		STAILQ_REMOVE_HEAD(&c->ready, link);
		got++;
		if (d->stopping) {
			delivery_free(dl);
			continue;
		}
		d->inflight++;
		filled |= count_call(dl);
		send_delivery(dl);
	}
	d->claiming = 0;
	kt_metrics_dispatch_round();
	/* A full batch means more may be waiting, and so does a supplier that
	 * reached its limit when the claim had more candidates than it took:
	 * it may have left others' messages. */
	if (rc == KT_OK && (got == c->limit || (filled && c->saturated) || d->kicked))
		kt_dispatcher_kick(d);
	json_decref(c->paused);
	json_decref(c->busy);
	json_decref(c->credits);
	free(c);
}

static void unlease_done(void *arg, int rc, struct kt_err *err)
{
	struct delivery *dl = arg;
	struct kt_dispatcher *d = dl->d;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "message", dl->msg.id,
					      "error", err->code),
		       "could not hand back an unsent message: %s (the lease will expire "
		       "and the message be retried)", err->message);
	delivery_settle(dl);
	kt_dispatcher_kick(d);
}

static void record_done(void *arg, int rc, struct kt_err *err);

/* Submits the outcomes of the finished deliveries as one record job:
 * once dispatch_batch of them have gathered, or when now is set (the
 * wait timer, a stop); otherwise they wait for the running record job's
 * end (record_done), and with none running, for the calls still in
 * flight to answer, dispatch_record_wait_ms at most: outcomes that finish
 * close together are recorded in one statement, not one each. */
static void flush_finished(struct kt_dispatcher *d, int now)
{
	const struct kt_config *cfg = d->app->cfg;
	struct record_batch *b;

	if (STAILQ_EMPTY(&d->finished) ||
	    (d->recording && d->n_finished < cfg->dispatch_batch && !now))
		return;
	if (!now && d->n_finished < cfg->dispatch_batch && !LIST_EMPTY(&d->sending) &&
	    cfg->dispatch_record_wait_ms > 0 && d->record_timer) {
		int ms = cfg->dispatch_record_wait_ms;
		struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

		if (!evtimer_pending(d->record_timer, NULL))
			evtimer_add(d->record_timer, &tv);
		return;
	}
	if (d->record_timer)
		evtimer_del(d->record_timer);
	if (!(b = calloc(1, sizeof(*b))))
		return; /* tried again at the next outcome or job's end */
	b->d = d;
	STAILQ_INIT(&b->list);
	STAILQ_CONCAT(&b->list, &d->finished);
	d->n_finished = 0;
	if (d->recording++ == 0)
		d->record_since_ms = kt_clock_mono_ms();
	kt_dbpool_submit(d->app->bg_pool, record_work, record_done, b);
}

static void record_done(void *arg, int rc, struct kt_err *err)
{
	struct record_batch *b = arg;
	struct kt_dispatcher *d = b->d;
	struct delivery *dl;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "could not record delivery outcomes: %s (the leases will expire "
		       "and the messages be retried)", err->message);
	while ((dl = STAILQ_FIRST(&b->list))) {
		STAILQ_REMOVE_HEAD(&b->list, link);
		delivery_settle(dl);
	}
	free(b);
	d->recording--;
	kt_dispatcher_kick(d);
	flush_finished(d, 0);
}

/* The total timeout of dl's call: the supplier's own, but never past the
 * lease less a second (nor below the node's timeout, which the settings
 * keep inside the lease), so that no other node takes the message over
 * while the call may still go on. The cut is logged once per supplier. */
static long call_timeout(struct delivery *dl)
{
	const struct kt_config *cfg = dl->d->app->cfg;
	long long ms = limit_of(dl, "timeout_ms", cfg->supplier_timeout_ms);
	long long most = cfg->lease_ms - 1000LL;
	struct kt_gate *g = kt_gates_find(&dl->d->gates, dl->msg.supplier.id);

	if (most < cfg->supplier_timeout_ms)
		most = cfg->supplier_timeout_ms;
	if (ms <= most)
		return (long)ms;
	if (g && !g->clamp_logged) {
		g->clamp_logged = 1;
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:I, s:I}", "supplier", g->key,
					      "timeout_ms", (json_int_t)ms,
					      "used_ms", (json_int_t)most),
		       "supplier \"%s\": its timeout_ms %lld outlasts the lease "
		       "(lease_ms %d): %lld ms used", g->key, ms, cfg->lease_ms, most);
	}
	return (long)most;
}

/* Closes the supplier's gate for pause_ms from now. */
static void pause_gate(struct delivery *dl, long long pause_ms)
{
	const struct kt_claimed_supplier *s = &dl->msg.supplier;

	if (kt_gates_pause(&dl->d->gates, s->id, s->key, kt_clock_mono_ms() + pause_ms) != KT_OK) {
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "supplier", s->key),
		       "out of memory: supplier \"%s\" asked for a pause that is not kept", s->key);
		return;
	}
	kt_log(KT_LOG_WARN, json_pack("{s:s, s:I}", "supplier", s->key,
				      "pause_ms", (json_int_t)pause_ms),
	       "supplier \"%s\" asked to wait: no call to it for %lld ms", s->key, pause_ms);
}

/* Tells the supplier's circuit how dl went. */
static void breaker_report(struct delivery *dl)
{
	const struct kt_claimed_supplier *s = &dl->msg.supplier;
	struct kt_gate *g = kt_gates_get(&dl->d->gates, s->id, s->key);

	if (g)
		kt_gate_report(&dl->d->gates, g, kt_classify_breaker(&dl->outcome), dl->probe,
			       dl->outcome.code, kt_clock_mono_ms());
}

static void finish_delivery(struct delivery *dl)
{
	struct kt_dispatcher *d = dl->d;
	struct kt_outcome *o = &dl->outcome;
	const char *key = dl->msg.supplier.key;

	if (o->kind != KT_OUT_DELIVERED && dl->supplier_says[0]) {
		size_t len = strlen(o->message);

		snprintf(o->message + len, sizeof(o->message) - len, " (the supplier says: %s)",
			 dl->supplier_says);
		kt_utf8_trim(o->message);
	}
	if (o->kind != KT_OUT_DELIVERED) {
		o->body = dl->resp;
		o->body_len = dl->resp_len;
		o->retry_after = dl->retry_after[0] ? dl->retry_after : NULL;
	}
	o->in_doubt = kt_classify_in_doubt(o, dl->msg.op, dl->ob.lookup);
	if (o->kind != KT_OUT_DELIVERED && o->kind != KT_OUT_PERMANENT &&
	    !kt_classify_lookup_not_found(o, dl->ob.lookup)) {
		long long pause = plan_retry(dl);
		long long lag = limit_of(dl, "search_lag_ms", d->app->cfg->supplier_search_lag_ms);

		if (pause > 0)
			pause_gate(dl, pause);
		/* The lookup must see what this attempt may have created. */
		if (o->in_doubt && o->retry_in_ms < lag)
			o->retry_in_ms = lag;
	}
	breaker_report(dl);
	kt_metrics_delivery(key, kt_outcome_kind_name(o->kind));
	if (o->kind == KT_OUT_DELIVERED)
		kt_metrics_delivered_after(key, dl->msg.queued_ms + kt_clock_mono_ms() - dl->claimed_ms);
	kt_log(o->kind == KT_OUT_DELIVERED ? KT_LOG_INFO : KT_LOG_WARN,
	       json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "supplier", key,
			 "message", dl->msg.idempotency_key,
			 "outcome", kt_outcome_kind_name(o->kind),
			 "code", o->code, "http_status", (json_int_t)o->http_status,
			 "state", kt_outcome_state(o)),
	       "delivery: %s%s%s%s", o->message, o->detail[0] ? ": " : "", o->detail,
	       o->gave_up ? " (retry budget spent: dead letter)" : "");
	STAILQ_INSERT_TAIL(&d->finished, dl, link);
	d->n_finished++;
	flush_finished(d, 0);
}

/* What a refusal carries beyond the status: a wait in the supplier's
 * own rate-limit header when it sent no Retry-After (as a Retry-After
 * then), and the supplier's own message in its error body. */
static void read_supplier_words(struct delivery *dl, const struct kt_answer *ans)
{
	const struct kt_adapter *ad = dl->ob.adapter;
	long long wait_s;

	if (ans->http_status < 400)
		return;
	if (!dl->retry_after[0] &&
	    kt_rate_limit_wait(dl->msg.supplier.mapping, ans, kt_clock_wall_s(), &wait_s) == 0)
		snprintf(dl->retry_after, sizeof(dl->retry_after), "%lld", wait_s);
	if (ad->read_error && !ad->read_error(ans, dl->supplier_says, sizeof(dl->supplier_says)))
		dl->supplier_says[0] = '\0';
}

/* The transport's answer: what the supplier said, as an outcome. */
static void on_answer(void *arg, struct kt_transport_answer *a)
{
	struct delivery *dl = arg;
	const struct kt_adapter *ad = dl->ob.adapter;
	struct kt_outcome *o = &dl->outcome;
	struct kt_err err = { 0 };
	struct kt_answer ans;

	LIST_REMOVE(dl, sending);
	dl->call = NULL;
	dl->resp = a->body;
	dl->resp_len = a->body_len;
	a->body = NULL;
	memcpy(dl->retry_after, a->retry_after, sizeof(dl->retry_after));
	ans = (struct kt_answer){ .http_status = a->facts.http_status, .body = dl->resp,
				  .len = dl->resp_len, .headers = a->headers,
				  .n_headers = a->n_headers };
	read_supplier_words(dl, &ans);
	if (dl->ob.lookup) {
		enum kt_lookup_answer found = KT_LOOKUP_UNREADABLE;
		int yes = 0;

		if (a->facts.end == KT_TX_DONE &&
		    ad->read_lookup(&dl->ob.msg, &ans, &yes, &dl->reply, &err) == KT_OK)
			found = yes ? KT_LOOKUP_FOUND : KT_LOOKUP_NOT_FOUND;
		kt_classify_lookup(&a->facts, found, err.message[0] ? err.message : NULL, o);
	} else {
		kt_classify_call(&a->facts, o);
		if (o->kind == KT_OUT_DELIVERED &&
		    ad->read_reply(&dl->ob.msg, &ans, &dl->reply, &err) != KT_OK) {
			kt_adapter_reply_release(&dl->reply);
			kt_classify_reply(&err, a->facts.http_status, o);
		}
	}
	kt_err_release(&err);
	if (o->kind == KT_OUT_DELIVERED) {
		o->external_id = dl->reply.external_id;
		o->has_status = dl->reply.has_status;
		o->status = dl->reply.status;
		o->next_step = dl->reply.next_step;
		o->step_state = dl->reply.state;
	}
	finish_delivery(dl);
}

/* Hands dl's request to the caller, which adds the supplier's auth. A
 * lookup is a request of its own, with a webhook-id of its own and no
 * Idempotency-Key. */
static int start_call(struct delivery *dl, struct kt_err *err)
{
	const struct kt_claimed_supplier *s = &dl->msg.supplier;
	const struct kt_call_supplier who = {
		.id = s->id, .key = s->key, .auth = s->auth, .secrets = dl->ob.secrets,
		.delivery = s->delivery,
	};
	char lookup_id[300];
	struct kt_call_spec spec = {
		.req = &dl->ob.req, .sign_id = dl->msg.idempotency_key,
		.idempotency_key = dl->msg.idempotency_key, .timeout_ms = call_timeout(dl),
	};

	if (dl->ob.lookup) {
		snprintf(lookup_id, sizeof(lookup_id), "%s.lookup.%d", dl->msg.idempotency_key,
			 dl->msg.attempts);
		spec.sign_id = lookup_id;
		spec.idempotency_key = NULL;
	}
	if (kt_call_start(dl->d->caller, &who, &spec, on_answer, dl, &dl->call, err))
		return KT_ERR;
	LIST_INSERT_HEAD(&dl->d->sending, dl, sending);
	return KT_OK;
}

static void send_delivery(struct delivery *dl)
{
	struct kt_err err = { 0 };
	struct kt_gate *g = kt_gates_find(&dl->d->gates, dl->msg.supplier.id);
	long long wait = g ? kt_gate_admit(&dl->d->gates, g, kt_clock_mono_ms(), &dl->probe) : 0;

	if (wait > 0) {
		/* Claimed before the supplier's gate closed, or behind the
		 * circuit's one probe: not sent. */
		dl->unlease_in_ms = wait;
		kt_dbpool_submit(dl->d->app->bg_pool, unlease_work, unlease_done, dl);
		return;
	}
	if (start_call(dl, &err) != KT_OK) {
		/* The broker's own failure (a secret that cannot sign): not
		 * sent, and not the supplier's fault. */
		kt_classify_broker(&err, &dl->outcome);
		kt_err_release(&err);
		finish_delivery(dl);
		return;
	}
	if (!dl->ob.lookup && dl->msg.attempts > 1)
		kt_metrics_resend(dl->msg.supplier.key);
}

static void on_announced(void *arg)
{
	kt_dispatcher_kick(arg);
}

/* Polled updates queued messages (a relayed comment, a re-routing). */
static void on_polled(void *arg)
{
	kt_dispatcher_wake(arg);
}

static void on_record_wait(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_finished(arg, 1);
}

static void on_claim_wait(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kt_dispatcher_kick(arg);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kt_dispatcher_kick(arg);
}

struct kt_dispatcher *kt_dispatcher_new(struct kt_app *app, struct kt_err *err)
{
	const struct kt_config *cfg = app->cfg;
	const struct kt_breaker_policy policy = {
		.failures = cfg->breaker_failures, .open_ms = cfg->breaker_open_ms,
		.max_open_ms = cfg->breaker_open_max_ms,
	};
	struct kt_dispatcher *d = calloc(1, sizeof(*d));
	int ms = cfg->dispatch_interval_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (!d) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	d->app = app;
	LIST_INIT(&d->sending);
	STAILQ_INIT(&d->finished);
	kt_gates_init(&d->gates, &policy, cfg->supplier_max_inflight, cfg->dispatch_interval_ms);
	if (!(d->transport = kt_transport_new(app->base, err)) ||
	    !(d->caller = kt_caller_new(app, d->transport, err)) ||
	    !(d->wake = kt_wake_new(app, cfg->dispatch ? on_announced : NULL, d, err)) ||
	    !(d->sweep = kt_sweep_new(app, err)))
		goto fail;
	if (cfg->dispatch) {
		d->tick = event_new(app->base, -1, EV_PERSIST, on_tick, d);
		if (!d->tick) {
			kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
			goto fail;
		}
		event_add(d->tick, &tv);
		if (!(d->record_timer = evtimer_new(app->base, on_record_wait, d)) ||
		    !(d->claim_timer = evtimer_new(app->base, on_claim_wait, d))) {
			kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
			goto fail;
		}
		if (!(d->poll = kt_poll_new(app, d->caller, &d->gates, on_polled, d, err)) ||
		    !(d->hub = kt_hub_new(app, d->caller, err)))
			goto fail;
		if (!(d->notify = kt_notify_new(app, d->caller, err)))
			goto fail;
		kt_dispatcher_kick(d);
	}
	return d;
fail:
	kt_dispatcher_free(d);
	return NULL;
}

void kt_dispatcher_stop(struct kt_dispatcher *d)
{
	if (!d || d->stopping)
		return;
	d->stopping = 1;
	if (d->tick)
		event_del(d->tick);
	if (d->claim_timer)
		event_del(d->claim_timer);
	kt_wake_stop(d->wake);
	kt_sweep_stop(d->sweep);
	kt_poll_stop(d->poll);
	kt_hub_stop(d->hub);
	kt_notify_stop(d->notify);
	flush_finished(d, 1);
	/* Abandon transfers: their deliveries are freed here, their leases
	 * run out in the database and the messages are claimed again. */
	while (!LIST_EMPTY(&d->sending))
		delivery_settle(LIST_FIRST(&d->sending));
}

void kt_dispatcher_free(struct kt_dispatcher *d)
{
	if (!d)
		return;
	kt_dispatcher_stop(d);
	kt_poll_free(d->poll);
	kt_hub_free(d->hub);
	kt_notify_free(d->notify);
	kt_caller_free(d->caller);
	kt_transport_free(d->transport);
	kt_wake_free(d->wake);
	kt_sweep_free(d->sweep);
	kt_gates_release(&d->gates);
	if (d->tick)
		event_free(d->tick);
	if (d->record_timer)
		event_free(d->record_timer);
	if (d->claim_timer)
		event_free(d->claim_timer);
	free(d);
}
