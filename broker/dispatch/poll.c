/* poll.c - the polling engine (see dispatch/poll.h): tick (loop,
 * dispatch/lease_tick.h) -> claim
 * (worker: lease due feeds, resolve their secrets, refresh the cursor-age
 * gauges) -> per feed and page: gate, build_poll, call (loop) -> read_poll
 * (loop) -> apply and record (worker: each update once under its delivery
 * id, then the page under the lease) -> the next page, or the feed is
 * done; a failure or a closed gate -> later (worker: the feed handed
 * back, due again after its backoff, its pass resumed at the same page).
 * A page passes the supplier's gate as a delivery does (an open circuit
 * defers it; half-open, it may be the one probe) and its call's outcome
 * counts toward the circuit, which polls and deliveries share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/secret.h"
#include "base/utf8.h"
#include "dispatch/classify.h"
#include "dispatch/lease_tick.h"
#include "dispatch/poll.h"
#include "dispatch/poll_plan.h"
#include "dispatch/rate_limit.h"
#include "store/dbpool.h"
#include "store/row_poll.h"
#include "store/tx_inbound.h"

/* Feeds one node pages at once at most. */
#define POLL_MAX_FEEDS 16

/* What became of the updates of a page, in kt_inbound_result's order, and
 * those not applied because they were refused. */
enum { V_APPLIED, V_DUPLICATE, V_STALE, V_IGNORED, V_COUNT };
static const char *const verdict_names[V_COUNT] = { "applied", "duplicate", "stale", "ignored" };

/* One leased feed, paged to its end (or until a page fails). */
struct run {
	struct kt_poll *p;
	struct kt_poll_feed f;          /* owned: the lease; f.page the page to ask */
	const struct kt_adapter *ad;
	const char *key;                /* the supplier's key (in f.supplier) */
	struct kt_poll_settings set;
	char *secrets;                  /* owned, wiped */
	char since[KT_POLL_TIME_LEN + 1]; /* the pass's */
	char floor[KT_POLL_TIME_LEN + 1]; /* when the pass started */
	int pages;                      /* pages asked under this lease */
	int probe;                      /* the page's call is its circuit's probe */
	struct kt_http_request req;     /* the page's request (owned) */
	struct kt_call *call;           /* while the caller has it */
	struct kt_inbound_list list;    /* the page read (owned) */
	int recorded;                   /* the apply job recorded the page */
	int n_messages;                 /* outbox messages the updates queued */
	int verdicts[V_COUNT];
	long long delay_ms;             /* the later job: due again in */
	char error[320];                /* the later job: "" defers */
	LIST_ENTRY(run) link;           /* in p->calling while call is set */
};

struct kt_poll {
	struct kt_app *app;
	struct kt_caller *caller;       /* borrowed */
	struct kt_gates *gates;         /* borrowed */
	kt_poll_wake_fn *wake;
	void *wake_arg;
	json_t *feeds;                  /* {adapter: [feed, ...]} (owned) */
	struct kt_lease_tick *tick;     /* NULL when no adapter can poll */
	int stopping;
	LIST_HEAD(, run) calling;
};

static void run_free(struct run *r)
{
	kt_poll_feed_release(&r->f);
	kt_secret_free(r->secrets);
	kt_http_request_release(&r->req);
	kt_inbound_list_release(&r->list);
	free(r);
}

/* The end of a run that was counted as running. */
static void run_end(struct run *r)
{
	kt_lease_tick_ended(r->p->tick);
	run_free(r);
}

/* Keeps "code: message" as r's error (the feed's last_error: our words,
 * an adapter's or the supplier's, never a secret). */
static void run_error(struct run *r, const char *code, const char *message)
{
	snprintf(r->error, sizeof(r->error), "%.47s: %.255s", code, message);
	kt_utf8_trim(r->error);
}

static long long backoff_ms(const struct run *r)
{
	return kt_poll_backoff_ms(r->set.interval_ms, r->f.failures + 1,
				  r->p->app->cfg->retry_max_ms, kt_lease_jitter, NULL);
}

/* ---- worker side ---- */

/* Takes what r needs beyond its lease: its adapter, settings, secret and
 * the since of its pass. KT_ERR when it cannot be polled now. */
static int run_prepare(struct run *r, struct kt_err *err)
{
	const json_t *s = r->f.supplier;
	const char *adapter = json_string_value(json_object_get(s, "adapter"));
	const char *ref = json_string_value(json_object_get(json_object_get(s, "auth"),
							    "secret_ref"));
	long long since;

	r->key = json_string_value(json_object_get(s, "key"));
	kt_poll_settings_of(json_object_get(s, "poll"), &r->set);
	r->ad = kt_adapter_find(adapter);
	if (!r->ad || !r->ad->build_poll || !r->ad->read_poll)
		return kt_err_set(err, KT_EC_CONFIG, "cannot_poll", "adapter \"%s\" cannot poll",
				  adapter ? adapter : "");
	/* The auth's own secret, else the entry's. */
	if (kt_secret_resolve(ref ? ref : json_string_value(json_object_get(s, "secret_ref")),
			      &r->secrets, err))
		return KT_ERR;
	since = r->f.page ? r->f.pass_since_ms
			  : kt_poll_since_ms(r->f.has_cursor, r->f.cursor_ms,
					     kt_clock_wall_s() * 1000, r->set.overlap_ms);
	kt_poll_time(since, r->since);
	kt_poll_time(since + r->set.overlap_ms, r->floor);
	/* read_poll sees the pass's since too (keten/adapter.h) */
	if (json_object_set_new(r->f.supplier, "poll_since", json_string(r->since)))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return KT_OK;
}

/* Hands r's feed back, due again in r->delay_ms, a failure when r->error
 * is set. */
static int later_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct run *r = arg;
	int recorded;

	return kt_store_poll_later(db, &r->f, r->delay_ms, r->error[0] ? r->error : NULL,
				   &recorded, err);
}

static int claim_work(struct kt_db *db, void *owner, int limit, void ***runs, size_t *n_runs,
		      struct kt_err *err)
{
	struct kt_poll *p = owner;
	struct kt_poll_feed *feeds;
	json_t *ages, *row;
	size_t n, i;

	if (kt_store_poll_claim(db, p->app->node_name, p->app->cfg->lease_ms, p->feeds, limit,
				&feeds, &n, err))
		return KT_ERR;
	*runs = n ? calloc(n, sizeof(**runs)) : NULL;
	for (i = 0; i < n && *runs; i++) {
		struct run *r = calloc(1, sizeof(*r));
		struct kt_err e = { 0 };

		if (!r)
			break; /* the leases left run out */
		r->p = p;
		r->f = feeds[i];
		memset(&feeds[i], 0, sizeof(feeds[i]));
		if (run_prepare(r, &e) == KT_OK) {
			(*runs)[(*n_runs)++] = r;
		} else {
			kt_log(KT_LOG_WARN, json_pack("{s:s?, s:s, s:s}", "supplier", r->key,
						      "feed", r->f.feed, "error", e.code),
			       "supplier feed cannot be polled: %s", e.message);
			kt_metrics_poll(r->key, "failed");
			run_error(r, e.code, kt_classify_shown(&e));
			r->delay_ms = backoff_ms(r);
			later_work(db, r, &e);
			run_free(r);
		}
		kt_err_release(&e);
	}
	for (; i < n; i++)
		kt_poll_feed_release(&feeds[i]);
	free(feeds);
	if (!(ages = kt_store_poll_ages(db, err)))
		return KT_ERR;
	json_array_foreach(ages, i, row)
		kt_metrics_poll_cursor_age(json_string_value(json_object_get(row, "supplier")),
					   json_string_value(json_object_get(row, "feed")),
					   json_integer_value(json_object_get(row, "age_ms")));
	json_decref(ages);
	return KT_OK;
}

/* Applies each update of r's page once (its delivery id), then records
 * the page under the lease. A database failure fails the page (the
 * updates applied so far are known by their delivery ids when the page is
 * read again); an update refused (not a leg of ours, a time in the
 * future) is logged and passed over. */
static int apply_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct run *r = arg;
	const struct kt_config *cfg = r->p->app->cfg;
	const struct kt_inbound_policy pol = {
		.ahead_s = cfg->webhook_tolerance_s, .hop_limit = cfg->hop_limit,
	};
	const struct kt_poll_page_rec rec = {
		.f = &r->f, .lease_ms = cfg->lease_ms, .since = r->since,
		.next_page = r->list.next_page, .high_water = r->list.high_water,
		.floor = r->floor,
	};

	for (size_t i = 0; i < r->list.n; i++) {
		const struct kt_inbound_update *u = &r->list.items[i];
		enum kt_inbound_result res;
		struct kt_err e = { 0 };
		int n_messages;

		if (kt_store_inbound_apply(db, r->f.supplier, u->delivery_id, u, &pol, &res,
					   &n_messages, &e) == KT_OK) {
			r->verdicts[res == KT_INBOUND_DUPLICATE ? V_DUPLICATE
				    : res == KT_INBOUND_STALE ? V_STALE : V_APPLIED]++;
			r->n_messages += n_messages;
		} else if (e.cls == KT_EC_UNAVAILABLE || e.cls == KT_EC_INTERNAL) {
			kt_err_set(err, e.cls, e.code, "%s", e.message);
			kt_err_release(&e);
			return KT_ERR;
		} else {
			/* A record that is no leg of ours is common (a supplier's
			 * own tickets) and read again with every overlap. */
			r->verdicts[V_IGNORED]++;
			kt_log(e.cls == KT_EC_NOT_FOUND ? KT_LOG_DEBUG : KT_LOG_WARN,
			       json_pack("{s:s, s:s, s:s, s:s}", "supplier", r->key, "feed", r->f.feed,
					 "delivery", u->delivery_id, "error", e.code),
			       "polled update passed over: %s", e.message);
		}
		kt_err_release(&e);
	}
	return kt_store_poll_page(db, &rec, &r->recorded, err);
}

/* ---- loop side ---- */

static void later_done(void *arg, int rc, struct kt_err *err)
{
	struct run *r = arg;

	if (rc != KT_OK)
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s, s:s}", "supplier", r->key, "feed",
					      r->f.feed, "error", err->code),
		       "could not hand a polled feed back: %s (its lease will run out)",
		       err->message);
	run_end(r);
}

/* Hands r back, due again in delay_ms: a failure when r->error is set,
 * else a deferral. */
static void run_later(struct run *r, long long delay_ms)
{
	r->delay_ms = delay_ms;
	kt_dbpool_submit(r->p->app->bg_pool, later_work, later_done, r);
}

/* r's page failed: the feed backs off (at least as long as the supplier's
 * Retry-After, which also closes its gate for deliveries), and resumes at
 * that page. */
static void page_failed(struct run *r, long http_status, const char *retry_after,
			const char *code, const char *message, const char *detail)
{
	const struct kt_config *cfg = r->p->app->cfg;
	const char *id = json_string_value(json_object_get(r->f.supplier, "id"));
	long long pause, delay;

	delay = kt_poll_retry_ms(backoff_ms(r), http_status, retry_after, kt_clock_wall_s(),
				 cfg->retry_max_ms, &pause);
	if (pause > 0 && kt_gates_pause(r->p->gates, id, r->key, kt_clock_mono_ms() + pause))
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "supplier", r->key),
		       "out of memory: supplier \"%s\" asked for a pause that is not kept", r->key);
	run_error(r, code, message);
	kt_log(KT_LOG_WARN, json_pack("{s:s, s:s, s:s, s:I, s:I}", "supplier", r->key,
				      "feed", r->f.feed, "error", code,
				      "http_status", (json_int_t)http_status,
				      "retry_in_ms", (json_int_t)delay),
	       "poll of supplier \"%s\" failed: %s%s%s", r->key, message,
	       detail && detail[0] ? ": " : "", detail ? detail : "");
	kt_metrics_poll(r->key, "failed");
	run_later(r, delay);
}

static void on_page(void *arg, struct kt_transport_answer *a);

/* Tells the supplier's circuit how r's call went (report as
 * kt_classify_breaker says); gives its probe back when nothing was sent. */
static void report_call(struct run *r, enum kt_breaker_report report, const char *code)
{
	const char *id = json_string_value(json_object_get(r->f.supplier, "id"));
	struct kt_gate *g = kt_gates_find(r->p->gates, id);

	if (g)
		kt_gate_report(r->p->gates, g, report, r->probe, code, kt_clock_mono_ms());
	r->probe = 0;
}

/* Asks for r's page (f.page; NULL: the first of the pass), unless the
 * supplier's gate is closed. */
static void page_start(struct run *r)
{
	struct kt_poll *p = r->p;
	const json_t *s = r->f.supplier;
	const char *id = json_string_value(json_object_get(s, "id"));
	struct kt_gate *g = kt_gates_get(p->gates, id, r->key);
	long long wait = g ? kt_gate_admit(p->gates, g, kt_clock_mono_ms(), &r->probe) : 0;
	const struct kt_call_supplier who = {
		.id = id, .key = r->key, .auth = json_object_get(s, "auth"),
		.secrets = r->secrets, .delivery = json_object_get(s, "delivery"),
	};
	char sign_id[80];
	const struct kt_call_spec spec = { .req = &r->req, .sign_id = sign_id };
	struct kt_err err = { 0 };

	if (wait > 0) {
		kt_metrics_poll(r->key, "deferred");
		r->error[0] = '\0';
		run_later(r, wait);
		return;
	}
	kt_http_request_release(&r->req);
	snprintf(sign_id, sizeof(sign_id), "poll.%s.%d", r->f.token, r->pages);
	if (r->ad->build_poll(s, r->f.feed, r->since, r->f.page, &r->req, &err) != KT_OK ||
	    kt_call_start(p->caller, &who, &spec, on_page, r, &r->call, &err) != KT_OK) {
		/* not sent: the supplier's circuit learns nothing */
		report_call(r, KT_REPORT_NONE, err.code);
		page_failed(r, 0, NULL, err.code, kt_classify_shown(&err), err.message);
		kt_err_release(&err);
		return;
	}
	r->pages++;
	LIST_INSERT_HEAD(&p->calling, r, link);
}

static void apply_done(void *arg, int rc, struct kt_err *err)
{
	struct run *r = arg;
	struct kt_poll *p = r->p;

	for (int v = 0; v < V_COUNT; v++)
		if (r->verdicts[v])
			kt_metrics_poll_updates(r->key, verdict_names[v], r->verdicts[v]);
	memset(r->verdicts, 0, sizeof(r->verdicts));
	if (r->n_messages > 0 && !p->stopping)
		p->wake(p->wake_arg);
	r->n_messages = 0;
	if (p->stopping) {
		run_end(r);
	} else if (rc != KT_OK) {
		page_failed(r, 0, NULL, err->code, kt_classify_shown(err), err->message);
	} else if (!r->recorded) {
		kt_metrics_poll(r->key, "lost");
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "supplier", r->key, "feed", r->f.feed),
		       "poll page not recorded: the feed's lease had passed to another node");
		run_end(r);
	} else if (r->list.next_page) {
		kt_metrics_poll(r->key, "ok");
		free(r->f.page);
		r->f.page = r->list.next_page;
		r->list.next_page = NULL;
		kt_inbound_list_release(&r->list);
		page_start(r);
	} else {
		kt_metrics_poll(r->key, "ok");
		kt_log(KT_LOG_DEBUG, json_pack("{s:s, s:s, s:i}", "supplier", r->key,
					       "feed", r->f.feed, "pages", r->pages),
		       "supplier feed polled to its end");
		run_end(r);
	}
}

/* KT_OK when every update of r's page can be applied exactly once and
 * the page does not send us back to itself. */
static int page_usable(const struct run *r, struct kt_err *err)
{
	for (size_t i = 0; i < r->list.n; i++)
		if (!r->list.items[i].delivery_id)
			return kt_err_set(err, KT_EC_SUPPLIER, "adapter_poll",
					  "a polled update has no delivery id");
	if (r->list.next_page && r->f.page && strcmp(r->list.next_page, r->f.page) == 0)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_poll",
				  "the next page is the page just read");
	return KT_OK;
}

/* A refusal's wait in the supplier's own rate-limit header when it sent
 * no Retry-After, into buf as delta seconds; NULL when neither. */
static const char *refusal_wait(const struct run *r, const struct kt_transport_answer *a,
				const struct kt_answer *ans, char *buf, size_t n)
{
	json_t *mapping = json_object_get(r->f.supplier, "mapping");
	long long wait_s;

	if (a->retry_after[0])
		return a->retry_after;
	if (ans->http_status < 400 || kt_rate_limit_wait(mapping, ans, kt_clock_wall_s(), &wait_s))
		return NULL;
	snprintf(buf, n, "%lld", wait_s);
	return buf;
}

static void on_page(void *arg, struct kt_transport_answer *a)
{
	struct run *r = arg;
	const struct kt_answer ans = {
		.http_status = a->facts.http_status, .body = a->body, .len = a->body_len,
		.headers = a->headers, .n_headers = a->n_headers,
	};
	struct kt_outcome o;
	struct kt_err err = { 0 };

	LIST_REMOVE(r, link);
	r->call = NULL;
	kt_classify_call(&a->facts, &o);
	report_call(r, kt_classify_breaker(&o), o.code);
	if (o.kind != KT_OUT_DELIVERED) {
		char says[160] = "", wait[24], message[sizeof(o.message) + sizeof(says) + 8];

		if (ans.http_status >= 400 && r->ad->read_error &&
		    !r->ad->read_error(&ans, says, sizeof(says)))
			says[0] = '\0';
		snprintf(message, sizeof(message), says[0] ? "%s (%s)" : "%s%s", o.message, says);
		page_failed(r, ans.http_status, refusal_wait(r, a, &ans, wait, sizeof(wait)),
			    o.code, message, o.detail);
		return;
	}
	if (r->ad->read_poll(r->f.supplier, r->f.feed, r->f.page, &ans, &r->list, &err) != KT_OK ||
	    page_usable(r, &err) != KT_OK) {
		kt_inbound_list_release(&r->list);
		page_failed(r, ans.http_status, NULL, err.code, err.message, NULL);
		kt_err_release(&err);
		return;
	}
	kt_dbpool_submit(r->p->app->bg_pool, apply_work, apply_done, r);
}

static void run_drop(void *run)
{
	run_free(run); /* its lease runs out */
}

static void run_go(void *run)
{
	page_start(run);
}

/* {adapter: [feed, ...]} of every adapter that can poll; an empty object
 * when none can. NULL when out of memory. */
static json_t *adapter_feeds(void)
{
	json_t *all = json_object(), *names;
	const struct kt_adapter *ad;

	for (size_t i = 0; all && (ad = kt_adapter_at(i)); i++) {
		if (!ad->poll_feeds)
			continue;
		if (json_object_set_new(all, ad->name, names = json_array())) {
			json_decref(all);
			return NULL;
		}
		for (const char *const *f = ad->poll_feeds; *f; f++)
			if (json_array_append_new(names, json_string(*f))) {
				json_decref(all);
				return NULL;
			}
	}
	return all;
}

struct kt_poll *kt_poll_new(struct kt_app *app, struct kt_caller *caller,
			    struct kt_gates *gates, kt_poll_wake_fn *wake, void *wake_arg,
			    struct kt_err *err)
{
	struct kt_poll *p = calloc(1, sizeof(*p));
	struct kt_lease_tick_spec spec = {
		.what = "supplier feeds", .tick_ms = app->cfg->poll_tick_ms, .max = POLL_MAX_FEEDS,
		.claim = claim_work, .start = run_go, .drop = run_drop, .owner = p,
	};

	if (!p || !(p->feeds = adapter_feeds())) {
		kt_poll_free(p);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	p->app = app;
	p->caller = caller;
	p->gates = gates;
	p->wake = wake;
	p->wake_arg = wake_arg;
	LIST_INIT(&p->calling);
	/* No adapter can poll: nothing to look for, no statement per tick. */
	if (json_object_size(p->feeds) > 0 && !(p->tick = kt_lease_tick_new(app, &spec, err))) {
		kt_poll_free(p);
		return NULL;
	}
	return p;
}

void kt_poll_stop(struct kt_poll *p)
{
	struct run *r;

	if (!p || p->stopping)
		return;
	p->stopping = 1;
	kt_lease_tick_stop(p->tick);
	while ((r = LIST_FIRST(&p->calling))) {
		LIST_REMOVE(r, link);
		kt_call_abandon(r->call);
		run_end(r);
	}
}

void kt_poll_free(struct kt_poll *p)
{
	if (!p)
		return;
	kt_poll_stop(p);
	kt_lease_tick_free(p->tick);
	json_decref(p->feeds);
	free(p);
}
