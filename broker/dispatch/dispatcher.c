/* dispatcher.c - the outbound state machine of one delivery:
 *   CLAIMED (worker: projection, adapter request, secrets)
 *   -> SENDING (loop: signed, handed to curl multi)
 *   -> RECORDING (worker: outcome under the lease) -> freed;
 * or, when its supplier's gate closed meanwhile, CLAIMED -> RELEASED
 * (worker: handed back unsent) -> freed.
 * curl runs in multi-socket mode on the broker's libevent loop, so a slow
 * or silent supplier costs one socket and one timer, never the loop.
 * A Retry-After on a 429 or 503 closes that supplier's gate in this
 * process, and so does its open circuit (dispatch/breaker.h): the claim skips its
 * messages until the pause runs out or the circuit lets a probe through.
 * The gate also counts the supplier's calls in flight: the claim takes no
 * more of its messages than supplier_max_inflight allows, so one slow
 * supplier never holds every slot (curl's own per-host limits would queue
 * calls inside curl, where the wait counts toward their timeout).
 * Every limit of a call is the supplier's own when its chain document
 * entry has one (its "delivery", claimed with each message), else the
 * node's setting; a supplier's own timeout never outlasts the lease.
 * The periodic sweep also raises delivery_delayed on legs whose first
 * delivery is overdue, and refreshes the outbox gauges of GET /metrics. */
#include <curl/curl.h>
#include <openssl/rand.h>
#include <strings.h>
#include <time.h>

#include "dispatch/breaker.h"
#include "store/dbpool.h"
#include "dispatch/dispatcher.h"
#include "keten/adapter.h"
#include "base/log.h"
#include "base/metrics.h"
#include "dispatch/retry.h"
#include "base/secret.h"
#include "store/listen.h"
#include "store/outbox.h"
#include "store/rule_ticket.h"
#include "model/view.h"
#include "base/webhook_sign.h"

struct delivery {
	struct kt_dispatcher *d;
	json_t *msg;                 /* the claimed message (owned) */
	const struct kt_adapter *adapter;
	struct kt_http_request req;
	char *secrets;               /* owned; wiped on free */
	struct kt_outcome outcome;
	struct kt_adapter_reply reply;
	CURL *easy;
	struct curl_slist *headers;
	char *resp;                  /* the supplier's answer, bounded */
	size_t resp_len;
	int resp_overflow;
	size_t max_response;         /* the most of the answer read */
	char retry_after[64];        /* the last answer's Retry-After; "" when none
				      * or too long to be a valid one */
	long long claimed_ms;        /* monotonic time the claim returned */
	long long release_in_ms;     /* > 0: hand back unsent, due again then */
	int probe;                   /* the half-open circuit's one probe */
	int lookup;                  /* this attempt looks up an in-doubt create */
	int counted;                 /* in its supplier gate's calls in flight */
	char curl_err[CURL_ERROR_SIZE];
	struct delivery *next;       /* in a claim's lists */
	struct delivery *prev_sending, *next_sending; /* while curl has it */
};

struct claim {
	struct kt_dispatcher *d;
	int limit;
	json_t *paused;              /* supplier ids to skip (owned), or NULL */
	json_t *busy;                /* {supplier id: calls in flight} (owned), or NULL */
	json_t *credits;             /* {supplier id: ms} of ended open circuits
				      * (owned), or NULL */
	struct delivery *ready;      /* built and ready to send, in claim order */
	struct delivery **ready_end; /* where the next one is linked */
	struct delivery *settled;    /* failed before sending: outcome recorded */
};

struct kt_dispatcher {
	struct kt_app *app;
	CURLM *multi;
	struct event *curl_timer;
	struct event *sweep;
	int claiming;
	int kicked;
	int inflight;                /* claimed and not yet recorded */
	int stopping;
	struct delivery *sending;    /* handed to curl, newest first */
	struct kt_listener *listener;
	struct event *announce;      /* coalesces NOTIFYs */
	int announce_pending;        /* work to announce once the timer fires */
	int announcing;              /* a NOTIFY job runs */
	struct gate *gates;          /* one per supplier called so far */
	size_t n_gates;
	int sweeping;                /* a delivery_delayed and gauge sweep runs */
	long long swept_ms;          /* when the last one started */
};

/* What holds a supplier's calls back in this process: a Retry-After
 * pause, its circuit breaker, and its calls in flight. */
struct gate {
	char supplier_id[48];
	char key[64];                /* for logs and metrics */
	long long until_ms;          /* paused until (monotonic); 0: not paused */
	struct kt_breaker breaker;
	long long credit_ms;         /* open time not yet credited to budgets */
	int inflight;                /* claimed and not yet recorded */
	int most;                    /* calls in flight at most, as the
				      * supplier's last claimed message said */
	int clamp_logged;            /* its timeout was cut to the lease, said */
};

/* How often the delivery_delayed and gauge sweep runs at most. */
#define SWEEP_MS 1000

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Shows g's circuit in GET /metrics: 0 closed, 1 half-open, 2 open. */
static void gate_publish(const struct gate *g)
{
	kt_metrics_circuit(g->key, g->breaker.state == KT_BREAKER_CLOSED ? 0 :
			   g->breaker.state == KT_BREAKER_HALF_OPEN ? 1 : 2);
}

static struct gate *gate_find(struct kt_dispatcher *d, const char *supplier_id)
{
	for (size_t i = 0; i < d->n_gates; i++)
		if (strcmp(d->gates[i].supplier_id, supplier_id) == 0)
			return &d->gates[i];
	return NULL;
}

/* supplier_id's gate, made open on first use; NULL when out of memory.
 * The pointer is valid until the next gate_get. */
static struct gate *gate_get(struct kt_dispatcher *d, const char *supplier_id,
			     const char *key)
{
	struct gate *g = gate_find(d, supplier_id), *grown;

	if (g)
		return g;
	grown = realloc(d->gates, (d->n_gates + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	d->gates = grown;
	g = &grown[d->n_gates++];
	memset(g, 0, sizeof(*g));
	snprintf(g->supplier_id, sizeof(g->supplier_id), "%s", supplier_id);
	snprintf(g->key, sizeof(g->key), "%s", key ? key : "");
	kt_breaker_init(&g->breaker);
	gate_publish(g);
	return g;
}

static struct kt_breaker_policy breaker_policy(const struct kt_dispatcher *d)
{
	const struct kt_config *cfg = d->app->cfg;

	return (struct kt_breaker_policy){
		.failures = cfg->breaker_failures, .open_ms = cfg->breaker_open_ms,
		.max_open_ms = cfg->breaker_open_max_ms,
	};
}

/* Ends g's open period when it ran out at now: the circuit turns
 * half-open and the period is kept for the budgets' credit. */
static void gate_poll(struct gate *g, long long now)
{
	long long ended = kt_breaker_poll(&g->breaker, now);

	if (ended <= 0)
		return;
	gate_publish(g);
	g->credit_ms += ended;
	kt_log(KT_LOG_INFO, json_pack("{s:s, s:s, s:I}", "supplier", g->key, "circuit",
				      "half_open", "open_ms", (json_int_t)ended),
	       "circuit of supplier \"%s\" half-open after %lld ms: one probe may go",
	       g->key, ended);
}

/* How long g holds calls back after now; 0 when it does not. */
static long long gate_wait(const struct kt_dispatcher *d, const struct gate *g,
			   long long now)
{
	long long wait = g->until_ms > now ? g->until_ms - now : 0;

	if (g->breaker.state == KT_BREAKER_OPEN && g->breaker.until_ms - now > wait)
		wait = g->breaker.until_ms - now;
	if (wait <= 0 && kt_breaker_blocked(&g->breaker, now))
		wait = d->app->cfg->dispatch_interval_ms; /* the probe is out */
	return wait;
}

/* Closes supplier_id's gate until until_ms (a later pause wins). */
static int pause_supplier(struct kt_dispatcher *d, const char *supplier_id,
			  const char *key, long long until_ms)
{
	struct gate *g = gate_get(d, supplier_id, key);

	if (!g)
		return KT_ERR;
	if (g->until_ms < until_ms)
		g->until_ms = until_ms;
	return KT_OK;
}

/* The ids of the suppliers whose gate is closed at now or whose calls in
 * flight are at the limit, as a new JSON array; the calls in flight of the
 * others that have some, as a new object {id: calls}; and the open time to
 * credit, as a new object (each NULL when none or out of memory). */
static void gate_lists(struct kt_dispatcher *d, long long now, json_t **paused,
		       json_t **busy, json_t **credits)
{
	*paused = *busy = *credits = NULL;
	for (size_t i = 0; i < d->n_gates; i++) {
		struct gate *g = &d->gates[i];
		const int most = g->most ? g->most : d->app->cfg->supplier_max_inflight;

		gate_poll(g, now);
		if (g->credit_ms > 0) {
			if (!*credits)
				*credits = json_object();
			json_object_set_new(*credits, g->supplier_id, json_integer(g->credit_ms));
			g->credit_ms = 0;
		}
		if (g->inflight > 0 && g->inflight < most) {
			if (!*busy)
				*busy = json_object();
			json_object_set_new(*busy, g->supplier_id, json_integer(g->inflight));
		}
		if (g->inflight < most && gate_wait(d, g, now) <= 0)
			continue;
		if (!*paused)
			*paused = json_array();
		json_array_append_new(*paused, json_string(g->supplier_id));
	}
}

static void sending_add(struct kt_dispatcher *d, struct delivery *dl)
{
	dl->prev_sending = NULL;
	dl->next_sending = d->sending;
	if (d->sending)
		d->sending->prev_sending = dl;
	d->sending = dl;
}

static void sending_remove(struct kt_dispatcher *d, struct delivery *dl)
{
	if (dl->prev_sending)
		dl->prev_sending->next_sending = dl->next_sending;
	else if (d->sending == dl)
		d->sending = dl->next_sending;
	if (dl->next_sending)
		dl->next_sending->prev_sending = dl->prev_sending;
	dl->prev_sending = dl->next_sending = NULL;
}

static void delivery_free(struct delivery *dl)
{
	if (!dl)
		return;
	if (dl->easy) {
		sending_remove(dl->d, dl);
		curl_multi_remove_handle(dl->d->multi, dl->easy);
		curl_easy_cleanup(dl->easy);
	}
	curl_slist_free_all(dl->headers);
	kt_http_request_release(&dl->req);
	kt_adapter_reply_release(&dl->reply);
	kt_secret_free(dl->secrets);
	json_decref(dl->msg);
	free(dl->resp);
	free(dl);
}

static const char *msg_str(const struct delivery *dl, const char *key)
{
	return json_string_value(json_object_get(dl->msg, key));
}

static const char *supplier_str(const struct delivery *dl, const char *key)
{
	return json_string_value(json_object_get(json_object_get(dl->msg, "supplier"), key));
}

/* Delivery limit name of dl's supplier: its own (the chain document's
 * supplier.delivery) when it has one, else node, the node's setting. */
static long long limit_of(const struct delivery *dl, const char *name, long long node)
{
	json_t *v = json_object_get(json_object_get(json_object_get(dl->msg, "supplier"),
						    "delivery"), name);

	return json_is_integer(v) ? json_integer_value(v) : node;
}

static void set_outcome(struct kt_outcome *o, enum kt_outcome_kind kind, long http,
			const char *code, const char *message)
{
	o->kind = kind;
	o->http_status = http;
	snprintf(o->code, sizeof(o->code), "%s", code);
	snprintf(o->message, sizeof(o->message), "%s", message);
}

/* Jitter needs no secrecy, but RAND_bytes is at hand and thread-safe (the
 * plan is made on the loop and on workers). */
static uint64_t jitter_rand(void *arg)
{
	uint64_t v;

	(void)arg;
	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		v = (uint64_t)mono_ms() * 0x9E3779B97F4A7C15ULL;
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
		.attempt = (int)json_integer_value(json_object_get(dl->msg, "attempts")),
		.used_ms = json_integer_value(json_object_get(dl->msg, "budget_used_ms")) +
			   (mono_ms() - dl->claimed_ms),
		.http_status = dl->outcome.http_status,
		.retry_after = dl->outcome.retry_after,
	};
	struct kt_retry_plan plan;

	kt_retry_plan(&policy, &answer, (long long)time(NULL), jitter_rand, NULL, &plan);
	dl->outcome.gave_up = plan.give_up;
	dl->outcome.retry_in_ms = plan.delay_ms;
	dl->outcome.credit_ms = plan.credit_ms;
	return plan.pause_ms;
}

/* ---- worker side: build what will be sent ---- */

static int build(struct kt_db *db, struct delivery *dl, struct kt_err *err)
{
	const json_t *supplier = json_object_get(dl->msg, "supplier");
	struct kt_principal integrator = { .role = KT_ROLE_INTEGRATOR };
	struct kt_adapter_msg am = { 0 };
	json_t *full, *view;
	int rc;

	full = kt_store_ticket_full(db, msg_str(dl, "ticket_id"), &integrator, err);
	if (!full)
		return KT_ERR;
	view = kt_view_supplier_leg(full, supplier_str(dl, "id"), supplier_str(dl, "key"),
				    msg_str(dl, "leg_id"));
	json_decref(full);
	if (!view)
		return kt_err_set(err, KT_EC_INVALID, "unroutable", "the leg is not the supplier's");
	dl->adapter = kt_adapter_find(supplier_str(dl, "adapter"));
	if (!dl->adapter) {
		json_decref(view);
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "no adapter \"%s\"",
				  supplier_str(dl, "adapter"));
	}
	kt_operation_parse(msg_str(dl, "operation"), &am.op);
	am.message_id = msg_str(dl, "idempotency_key");
	am.seq = json_integer_value(json_object_get(dl->msg, "seq"));
	am.leg_view = view;
	am.supplier = supplier;
	am.payload = json_object_get(dl->msg, "payload");
	if (json_is_null(am.payload))
		am.payload = NULL; /* the column is NULL: none */
	/* A create that may have reached the supplier is looked up first;
	 * without a lookup only the supplier's Idempotency-Key protects it. */
	dl->lookup = json_is_true(json_object_get(dl->msg, "in_doubt")) &&
		     dl->adapter->build_lookup;
	rc = dl->lookup ? dl->adapter->build_lookup(&am, &dl->req, err)
			: dl->adapter->build_request(&am, &dl->req, err);
	json_decref(view);
	if (rc != KT_OK)
		return KT_ERR;
	return kt_secret_resolve(supplier_str(dl, "secret_ref"), &dl->secrets, err);
}

static int record(struct kt_db *db, struct delivery *dl, struct kt_err *err)
{
	int stale;

	if (kt_store_outbox_finish(db, msg_str(dl, "id"), msg_str(dl, "token"),
				   &dl->outcome, &stale, err))
		return KT_ERR;
	if (stale)
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "message", msg_str(dl, "id"),
					      "outcome", dl->outcome.code),
		       "outcome dropped: the lease had passed to another node");
	return KT_OK;
}

static int claim_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct claim *c = arg;
	const struct kt_config *cfg = c->d->app->cfg;
	const struct kt_claim_gates gates = {
		.paused = c->paused, .busy = c->busy, .max_inflight = cfg->supplier_max_inflight,
	};
	json_t *msgs = NULL, *m;
	size_t i;

	/* Before the claim that may take the probe, so its budget has it. */
	if (c->credits && kt_store_outbox_credit(db, c->credits, err))
		return KT_ERR;
	if (kt_store_outbox_claim(db, c->d->app->node_name, c->limit, cfg->lease_ms,
				  cfg->supplier_search_lag_ms, &gates, &msgs, err))
		return KT_ERR;
	c->ready_end = &c->ready;
	json_array_foreach(msgs, i, m) {
		struct delivery *dl = calloc(1, sizeof(*dl));
		struct kt_err berr = { 0 };

		if (!dl)
			break;
		dl->d = c->d;
		dl->msg = json_incref(m);
		dl->claimed_ms = mono_ms();
		if (build(db, dl, &berr) == KT_OK) {
			*c->ready_end = dl;
			c->ready_end = &dl->next;
			continue;
		}
		/* A message that cannot be built now: a missing secret may be
		 * fixed by the operator (retry); what the adapter refuses
		 * can never be sent (dead letter). */
		set_outcome(&dl->outcome,
			    kt_err_class_retryable(berr.cls) ? KT_OUT_NOT_SENT
							     : KT_OUT_PERMANENT,
			    0, berr.code, berr.message);
		if (dl->outcome.kind != KT_OUT_PERMANENT)
			plan_retry(dl);
		kt_metrics_delivery(supplier_str(dl, "key"),
				    kt_outcome_kind_name(dl->outcome.kind));
		kt_err_release(&berr);
		if (record(db, dl, err) != KT_OK)
			kt_err_release(err);
		dl->next = c->settled;
		c->settled = dl;
	}
	json_decref(msgs);
	return KT_OK;
}

static int record_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct delivery *dl = arg;
	int stale;

	if (dl->release_in_ms > 0)
		return kt_store_outbox_release(db, msg_str(dl, "id"), msg_str(dl, "token"),
					       dl->release_in_ms, &stale, err);
	return record(db, dl, err);
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
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->d = d;
	c->limit = room < cfg->dispatch_batch ? room : cfg->dispatch_batch;
	gate_lists(d, mono_ms(), &c->paused, &c->busy, &c->credits);
	d->claiming = 1;
	d->kicked = 0;
	d->inflight += c->limit; /* reserved until the claim says how many */
	kt_dbpool_submit(d->app->bg_pool, claim_work, claim_done, c);
}

/* Counts dl among its supplier's calls in flight; 1 when that reached the
 * limit. Out of memory for the gate, dl goes uncounted (and unlimited). */
static int count_call(struct delivery *dl)
{
	struct gate *g = gate_get(dl->d, supplier_str(dl, "id"), supplier_str(dl, "key"));

	if (!g)
		return 0;
	dl->counted = 1;
	g->most = (int)limit_of(dl, "max_inflight", dl->d->app->cfg->supplier_max_inflight);
	return ++g->inflight >= g->most;
}

/* Frees dl, a claimed delivery that is over, and gives its slots back. */
static void delivery_settle(struct delivery *dl)
{
	struct kt_dispatcher *d = dl->d;
	struct gate *g = dl->counted ? gate_find(d, supplier_str(dl, "id")) : NULL;

	if (g && g->inflight > 0)
		g->inflight--;
	delivery_free(dl);
	d->inflight--;
}

static void claim_done(void *arg, int rc, struct kt_err *err)
{
	struct claim *c = arg;
	struct kt_dispatcher *d = c->d;
	int got = 0, filled = 0;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "outbox claim failed: %s", err->message);
	while (c->settled) {
		struct delivery *dl = c->settled;

		c->settled = dl->next;
		delivery_free(dl);
	}
	d->inflight -= c->limit;
	while (c->ready) {
		struct delivery *dl = c->ready;

		c->ready = dl->next;
		dl->next = NULL;
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
	 * reached its limit: the claim may have left others' messages. */
	if (rc == KT_OK && (got == c->limit || filled || d->kicked))
		kt_dispatcher_kick(d);
	json_decref(c->paused);
	json_decref(c->busy);
	json_decref(c->credits);
	free(c);
}

static void record_done(void *arg, int rc, struct kt_err *err)
{
	struct delivery *dl = arg;
	struct kt_dispatcher *d = dl->d;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "message", msg_str(dl, "id"),
					      "error", err->code),
		       "could not record a delivery outcome: %s (the lease will expire "
		       "and the message be retried)", err->message);
	delivery_settle(dl);
	kt_dispatcher_kick(d);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct delivery *dl = arg;
	size_t n = size * nmemb;
	char *grown;

	if (dl->resp_len + n > dl->max_response) {
		dl->resp_overflow = 1;
		return 0; /* a short count makes curl stop the transfer */
	}
	grown = realloc(dl->resp, dl->resp_len + n + 1);
	if (!grown)
		return 0;
	dl->resp = grown;
	memcpy(dl->resp + dl->resp_len, data, n);
	dl->resp_len += n;
	dl->resp[dl->resp_len] = '\0';
	return n;
}

/* CURLOPT_HEADERFUNCTION: keeps the last response's Retry-After. */
static size_t on_header(char *data, size_t size, size_t nitems, void *arg)
{
	static const char name[] = "retry-after:";
	struct delivery *dl = arg;
	size_t n = size * nitems, len;
	const char *value = data + sizeof(name) - 1;

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		dl->retry_after[0] = '\0'; /* a new response (after a 1xx) */
		return n;
	}
	if (n < sizeof(name) - 1 || strncasecmp(data, name, sizeof(name) - 1) != 0)
		return n;
	len = n - (sizeof(name) - 1);
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n'))
		len--;
	if (len >= sizeof(dl->retry_after))
		len = 0; /* no valid value is that long */
	memcpy(dl->retry_after, value, len);
	dl->retry_after[len] = '\0';
	return n;
}

static int add_header(struct delivery *dl, const char *name, const char *value)
{
	char line[1024];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	l = curl_slist_append(dl->headers, line);
	if (!l)
		return -1;
	dl->headers = l;
	return 0;
}

/* Signs at send time: the timestamp and signature are fresh at every
 * attempt, the webhook-id is the message's idempotency key on every one;
 * a lookup is a request of its own, with an id of its own. */
static int sign_headers(struct delivery *dl, struct kt_err *err)
{
	long long now = (long long)time(NULL);
	char id[300], ts[24];
	char *sig = NULL;
	int failed;

	if (dl->lookup)
		snprintf(id, sizeof(id), "%s.lookup.%lld", msg_str(dl, "idempotency_key"),
			 (long long)json_integer_value(json_object_get(dl->msg, "attempts")));
	else
		snprintf(id, sizeof(id), "%s", msg_str(dl, "idempotency_key"));
	if (kt_webhook_sign(dl->secrets, id, now, dl->req.body, dl->req.body_len, &sig, err))
		return KT_ERR;
	snprintf(ts, sizeof(ts), "%lld", now);
	failed = add_header(dl, "webhook-id", id) || add_header(dl, "webhook-timestamp", ts) ||
		 add_header(dl, "webhook-signature", sig);
	free(sig);
	if (failed)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not add the signature headers");
	return KT_OK;
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
	struct gate *g = gate_find(dl->d, supplier_str(dl, "id"));

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

static int prepare_easy(struct delivery *dl, struct kt_err *err)
{
	const struct kt_config *cfg = dl->d->app->cfg;
	CURL *e = curl_easy_init();

	if (!e)
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "could not create a transfer");
	dl->easy = e;
	for (size_t i = 0; i < dl->req.n_headers; i++)
		if (add_header(dl, dl->req.headers[i].name, dl->req.headers[i].value))
			return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not add a header");
	if ((!dl->lookup && add_header(dl, "Idempotency-Key", msg_str(dl, "idempotency_key"))) ||
	    add_header(dl, "Expect", ""))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not add a header");
	if (sign_headers(dl, err))
		return KT_ERR;
	curl_easy_setopt(e, CURLOPT_URL, dl->req.url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, dl->req.method);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, dl->req.body ? dl->req.body : "");
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)dl->req.body_len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, dl->headers);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->supplier_ca)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->supplier_ca);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)limit_of(dl, "connect_timeout_ms", cfg->supplier_connect_timeout_ms));
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, call_timeout(dl));
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
			 (long)limit_of(dl, "low_speed_bytes", cfg->supplier_low_speed_bytes));
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
			 (long)limit_of(dl, "low_speed_time_s", cfg->supplier_low_speed_time_s));
	dl->max_response = (size_t)limit_of(dl, "max_response_bytes",
					    cfg->supplier_max_response_bytes);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "keten/0.1");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, dl);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, dl);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, dl->curl_err);
	curl_easy_setopt(e, CURLOPT_PRIVATE, dl);
	if (curl_multi_add_handle(dl->d->multi, e) != CURLM_OK)
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "could not start a transfer");
	sending_add(dl->d, dl);
	return KT_OK;
}

/* Closes the supplier's gate for pause_ms from now. */
static void pause_gate(struct delivery *dl, long long pause_ms)
{
	const char *key = supplier_str(dl, "key");

	if (pause_supplier(dl->d, supplier_str(dl, "id"), key, mono_ms() + pause_ms) != KT_OK) {
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "supplier", key),
		       "out of memory: supplier \"%s\" asked for a pause that is not kept", key);
		return;
	}
	kt_log(KT_LOG_WARN, json_pack("{s:s, s:I}", "supplier", key, "pause_ms", (json_int_t)pause_ms),
	       "supplier \"%s\" asked to wait: no call to it for %lld ms", key, pause_ms);
}

/* Whether o says the supplier is down (for its circuit): nothing got
 * through, no answer came, or it answered 408 or 5xx. A 429 is an answer
 * from a supplier that is up, and so is any other, such as a lookup's
 * "not found" (not sent, but answered). */
static int supplier_failed(const struct kt_outcome *o)
{
	return (o->kind == KT_OUT_NOT_SENT && o->http_status == 0) ||
	       o->kind == KT_OUT_AMBIGUOUS ||
	       (o->kind == KT_OUT_RETRYABLE && o->http_status != 429);
}

/* A lookup that found nothing: the create goes out next, at once. */
static int lookup_not_found(const struct delivery *dl)
{
	return dl->lookup && dl->outcome.kind == KT_OUT_NOT_SENT &&
	       dl->outcome.http_status != 0;
}

/* Whether a create that stays pending may have reached the supplier: the
 * request may have left (ambiguous), or the supplier failed while handling
 * it (5xx). A lookup that failed leaves it as it was: in doubt. */
static void mark_doubt(struct delivery *dl)
{
	struct kt_outcome *o = &dl->outcome;

	if (dl->lookup) {
		o->in_doubt = !lookup_not_found(dl);
		return;
	}
	o->in_doubt = strcmp(msg_str(dl, "operation"), "create") == 0 &&
		      (o->kind == KT_OUT_AMBIGUOUS ||
		       (o->kind == KT_OUT_RETRYABLE && o->http_status >= 500));
}

/* Tells the supplier's circuit how dl went, and logs a change of state. */
static void breaker_report(struct delivery *dl)
{
	struct kt_dispatcher *d = dl->d;
	const struct kt_breaker_policy p = breaker_policy(d);
	struct gate *g = gate_get(d, supplier_str(dl, "id"), supplier_str(dl, "key"));
	long long now = mono_ms();

	if (!g || !kt_breaker_record(&g->breaker, &p, dl->probe,
				     !supplier_failed(&dl->outcome), now))
		return;
	gate_publish(g);
	if (g->breaker.state == KT_BREAKER_CLOSED) {
		kt_log(KT_LOG_INFO, json_pack("{s:s, s:s}", "supplier", g->key, "circuit", "closed"),
		       "circuit of supplier \"%s\" closed: the probe got through", g->key);
		return;
	}
	kt_log(KT_LOG_WARN, json_pack("{s:s, s:s, s:I, s:s}", "supplier", g->key,
				      "circuit", "open", "open_ms",
				      (json_int_t)g->breaker.period_ms, "code", dl->outcome.code),
	       "circuit of supplier \"%s\" open: %s; no call to it for %lld ms",
	       g->key, dl->probe ? "the probe failed" : "too many failures in a row",
	       g->breaker.period_ms);
}

static void finish_delivery(struct delivery *dl)
{
	struct kt_dispatcher *d = dl->d;
	struct kt_outcome *o = &dl->outcome;

	if (dl->easy) {
		sending_remove(d, dl);
		curl_multi_remove_handle(d->multi, dl->easy);
		curl_easy_cleanup(dl->easy);
		dl->easy = NULL;
	}
	if (o->kind != KT_OUT_DELIVERED) {
		o->body = dl->resp;
		o->body_len = dl->resp_len;
		o->retry_after = dl->retry_after[0] ? dl->retry_after : NULL;
	}
	mark_doubt(dl);
	if (o->kind != KT_OUT_DELIVERED && o->kind != KT_OUT_PERMANENT &&
	    !lookup_not_found(dl)) {
		long long pause = plan_retry(dl);
		long long lag = limit_of(dl, "search_lag_ms",
					 dl->d->app->cfg->supplier_search_lag_ms);

		if (pause > 0)
			pause_gate(dl, pause);
		/* The lookup must see what this attempt may have created. */
		if (o->in_doubt && o->retry_in_ms < lag)
			o->retry_in_ms = lag;
	}
	breaker_report(dl);
	kt_metrics_delivery(supplier_str(dl, "key"), kt_outcome_kind_name(o->kind));
	if (o->kind == KT_OUT_DELIVERED)
		kt_metrics_delivered_after(supplier_str(dl, "key"),
			json_integer_value(json_object_get(dl->msg, "queued_ms")) +
			mono_ms() - dl->claimed_ms);
	kt_log(o->kind == KT_OUT_DELIVERED ? KT_LOG_INFO : KT_LOG_WARN,
	       json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "supplier", supplier_str(dl, "key"),
			 "message", msg_str(dl, "idempotency_key"),
			 "outcome", kt_outcome_kind_name(o->kind),
			 "code", o->code, "http_status", (json_int_t)o->http_status,
			 "state", kt_outcome_state(o)),
	       "delivery: %s%s", o->message,
	       o->gave_up ? " (retry budget spent: dead letter)" : "");
	kt_dbpool_submit(d->app->bg_pool, record_work, record_done, dl);
}

static void send_delivery(struct delivery *dl)
{
	struct kt_err err = { 0 };
	long long now = mono_ms(), wait = 0;
	struct gate *g = gate_find(dl->d, supplier_str(dl, "id"));

	if (g) {
		gate_poll(g, now);
		wait = gate_wait(dl->d, g, now);
		if (wait <= 0) {
			dl->probe = kt_breaker_allow(&g->breaker, now) == KT_BREAKER_PROBE;
			gate_publish(g);
		}
	}
	if (wait > 0) {
		/* Claimed before the supplier's gate closed, or behind the
		 * circuit's one probe: not sent. */
		dl->release_in_ms = wait;
		kt_dbpool_submit(dl->d->app->bg_pool, record_work, record_done, dl);
		return;
	}
	if (prepare_easy(dl, &err) != KT_OK) {
		set_outcome(&dl->outcome, KT_OUT_NOT_SENT, 0, err.code, err.message);
		kt_err_release(&err);
		finish_delivery(dl);
		return;
	}
	if (!dl->lookup && json_integer_value(json_object_get(dl->msg, "attempts")) > 1)
		kt_metrics_resend(supplier_str(dl, "key"));
}

static int is_tls_error(CURLcode rc)
{
	return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER ||
	       rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
	       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* Sorts a finished transfer into the outcome classes of store/outbox.h. */
static void classify(struct delivery *dl, CURLcode rc)
{
	struct kt_outcome *o = &dl->outcome;
	curl_off_t pretransfer = 0;
	long http = 0;
	char code[32], msg[256];
	const char *why = dl->curl_err[0] ? dl->curl_err : curl_easy_strerror(rc);

	curl_easy_getinfo(dl->easy, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_getinfo(dl->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
	if (rc == CURLE_OK && http >= 200 && http < 300) {
		struct kt_err err = { 0 };
		enum kt_operation op = KT_OP_CREATE;

		kt_operation_parse(msg_str(dl, "operation"), &op);
		set_outcome(o, KT_OUT_DELIVERED, http, "delivered", "delivered");
		if (dl->adapter->read_reply(op, http, dl->resp, dl->resp_len, &dl->reply,
					    &err) == KT_OK) {
			o->external_id = dl->reply.external_id;
			o->has_status = dl->reply.has_status;
			o->status = dl->reply.status;
		}
		kt_err_release(&err);
		return;
	}
	if (rc == CURLE_OK) {
		snprintf(code, sizeof(code), "http_%ld", http);
		snprintf(msg, sizeof(msg), "supplier answered %ld", http);
		set_outcome(o, http == 408 || http == 429 || http >= 500 ? KT_OUT_RETRYABLE
									 : KT_OUT_PERMANENT,
			    http, code, msg);
		return;
	}
	if (dl->resp_overflow) {
		set_outcome(o, KT_OUT_AMBIGUOUS, http, "response_too_large",
			    "supplier answer exceeded the response limit");
		return;
	}
	if (is_tls_error(rc)) {
		snprintf(msg, sizeof(msg), "TLS failed: %.200s", why);
		set_outcome(o, KT_OUT_NOT_SENT, 0, "tls_error", msg);
		return;
	}
	if (pretransfer > 0) {
		set_outcome(o, KT_OUT_AMBIGUOUS, http,
			    rc == CURLE_OPERATION_TIMEDOUT ? "timeout_after_send" : "failed_after_send",
			    why);
		return;
	}
	set_outcome(o, KT_OUT_NOT_SENT, 0,
		    rc == CURLE_COULDNT_RESOLVE_HOST ? "dns_failed" :
		    rc == CURLE_COULDNT_CONNECT ? "connect_failed" :
		    rc == CURLE_OPERATION_TIMEDOUT ? "connect_timeout" : "not_sent",
		    why);
}

/* A lookup's answer: found (delivered: the supplier's id is recorded and
 * the create never goes out again), not found (not sent, due at once), or
 * failed, classified like any call. */
static void classify_lookup(struct delivery *dl, CURLcode rc)
{
	struct kt_outcome *o = &dl->outcome;
	struct kt_err err = { 0 };
	long http = 0;
	int found = 0;

	curl_easy_getinfo(dl->easy, CURLINFO_RESPONSE_CODE, &http);
	if (rc != CURLE_OK || dl->resp_overflow) {
		classify(dl, rc);
		return;
	}
	if (dl->adapter->read_lookup(http, dl->resp, dl->resp_len, &found, &dl->reply,
				     &err) != KT_OK) {
		if (http >= 200 && http < 300)
			set_outcome(o, KT_OUT_AMBIGUOUS, http, "lookup_unreadable", err.message);
		else
			classify(dl, rc);
		kt_err_release(&err);
		return;
	}
	if (!found) {
		set_outcome(o, KT_OUT_NOT_SENT, http, "lookup_not_found",
			    "the supplier holds no ticket for the leg: the create goes out next");
		return;
	}
	set_outcome(o, KT_OUT_DELIVERED, http, "found_by_lookup",
		    "the supplier already holds the ticket: it is not created again");
	o->external_id = dl->reply.external_id;
	o->has_status = dl->reply.has_status;
	o->status = dl->reply.status;
}

static void check_done(struct kt_dispatcher *d)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(d->multi, &left))) {
		struct delivery *dl = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&dl);
		if (dl->lookup)
			classify_lookup(dl, m->data.result);
		else
			classify(dl, m->data.result);
		finish_delivery(dl);
	}
}

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct kt_dispatcher *d = arg;
	int running;
	int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) |
		     ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(d->multi, fd, action, &running);
	check_done(d);
}

static void on_curl_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kt_dispatcher *d = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(d);
}

/* CURLMOPT_SOCKETFUNCTION: one persistent libevent event per socket. */
static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct kt_dispatcher *d = arg;
	struct event *ev = sockp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ev) {
			event_free(ev);
			curl_multi_assign(d->multi, s, NULL);
		}
		return 0;
	}
	kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) |
		       ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
	if (ev)
		event_free(ev);
	ev = event_new(d->app->base, s, kind, on_socket_event, d);
	if (!ev)
		return -1;
	event_add(ev, NULL);
	curl_multi_assign(d->multi, s, ev);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one libevent timer for all of curl. */
static int curl_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct kt_dispatcher *d = arg;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

	(void)multi;
	if (timeout_ms < 0)
		evtimer_del(d->curl_timer);
	else
		evtimer_add(d->curl_timer, &tv);
	return 0;
}

static int announce_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_dispatcher *d = arg;

	return kt_store_announce(db, d->app->node_name, err);
}

static void arm_announce(struct kt_dispatcher *d)
{
	int ms = d->app->cfg->announce_interval_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (!evtimer_pending(d->announce, NULL))
		evtimer_add(d->announce, &tv);
}

static void announce_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_dispatcher *d = arg;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "could not announce outbox work: %s (other nodes find it by their sweep)",
		       err->message);
	d->announcing = 0;
	if (d->announce_pending && !d->stopping)
		arm_announce(d);
}

static void on_announce(evutil_socket_t fd, short what, void *arg)
{
	struct kt_dispatcher *d = arg;

	(void)fd;
	(void)what;
	if (d->announcing || d->stopping)
		return; /* announce_done re-arms */
	d->announce_pending = 0;
	d->announcing = 1;
	kt_dbpool_submit(d->app->bg_pool, announce_work, announce_done, d);
}

void kt_dispatcher_wake(struct kt_dispatcher *d)
{
	kt_dispatcher_kick(d);
	if (d->stopping)
		return;
	d->announce_pending = 1;
	if (!d->announcing)
		arm_announce(d);
}

static void on_announced(void *arg)
{
	kt_dispatcher_kick(arg);
}

/* The periodic sweep's job: raises delivery_delayed on overdue legs, then
 * refreshes the outbox gauges with one grouped query. */
static int sweep_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_dispatcher *d = arg;
	const struct kt_config *cfg = d->app->cfg;
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

static void sweep_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_dispatcher *d = arg;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", err->code),
		       "outbox sweep failed: %s (tried again at the next one)", err->message);
	d->sweeping = 0;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct kt_dispatcher *d = arg;
	long long now = mono_ms();

	(void)fd;
	(void)what;
	kt_dispatcher_kick(d);
	if (d->stopping || d->sweeping || now - d->swept_ms < SWEEP_MS)
		return;
	d->sweeping = 1;
	d->swept_ms = now;
	kt_dbpool_submit(d->app->bg_pool, sweep_work, sweep_done, d);
}

struct kt_dispatcher *kt_dispatcher_new(struct kt_app *app, struct kt_err *err)
{
	struct kt_dispatcher *d = calloc(1, sizeof(*d));
	int ms = app->cfg->dispatch_interval_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (!d || !(d->multi = curl_multi_init())) {
		free(d);
		kt_err_set(err, KT_EC_INTERNAL, "internal", "could not start the dispatcher");
		return NULL;
	}
	d->app = app;
	d->curl_timer = evtimer_new(app->base, on_curl_timer, d);
	d->sweep = event_new(app->base, -1, EV_PERSIST, on_sweep, d);
	d->announce = evtimer_new(app->base, on_announce, d);
	if (!d->curl_timer || !d->sweep || !d->announce)
		goto oom;
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
	if (app->cfg->dispatch) {
		d->listener = kt_listener_new(app->base, app->cfg->database_url, app->node_name,
					      on_announced, d, err);
		if (!d->listener)
			goto fail;
		event_add(d->sweep, &tv);
		kt_dispatcher_kick(d);
	}
	return d;
oom:
	kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
fail:
	kt_dispatcher_free(d);
	return NULL;
}

void kt_dispatcher_stop(struct kt_dispatcher *d)
{
	if (!d || d->stopping)
		return;
	d->stopping = 1;
	if (d->sweep)
		event_del(d->sweep);
	if (d->announce)
		event_del(d->announce);
	kt_listener_free(d->listener);
	d->listener = NULL;
	/* Abandon transfers: their deliveries are freed here, their leases
	 * run out in the database and the messages are claimed again. */
	while (d->sending)
		delivery_settle(d->sending);
}

void kt_dispatcher_free(struct kt_dispatcher *d)
{
	if (!d)
		return;
	kt_dispatcher_stop(d);
	curl_multi_cleanup(d->multi);
	free(d->gates);
	if (d->curl_timer)
		event_free(d->curl_timer);
	if (d->sweep)
		event_free(d->sweep);
	if (d->announce)
		event_free(d->announce);
	free(d);
}
