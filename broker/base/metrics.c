/* metrics.c - the counters, gauges and histograms behind GET /metrics: a
 * fixed table of label sets under one mutex (bounded: beyond it, an
 * overflow series per metric), and its rendering in the Prometheus text
 * format 0.0.4. */
#include <pthread.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/metrics.h"

struct metric_def {
	const char *name;
	const char *type;
	const char *help;
	int nlabels;
	const char *labels[KT_METRICS_MAX_LABELS];
	int milli;                   /* kept in thousandths, rendered in units */
};

/* The latency histogram's upper bounds in ms, from 50 ms to an hour: what
 * a healthy supplier shows, and what a backlog or an outage does. */
static const long long buckets_ms[] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000, 3600000,
};
#define N_BUCKETS (sizeof(buckets_ms) / sizeof(buckets_ms[0]))

static const struct metric_def defs[KT_METRIC_COUNT] = {
	[KT_METRIC_HTTP_REQUESTS] = { "keten_http_requests_total", "counter",
		"HTTP requests answered, by route pattern, method and status.",
		3, { "route", "method", "status" }, 0 },
	[KT_METRIC_INBOUND] = { "keten_inbound_deliveries_total", "counter",
		"Inbound supplier deliveries, by supplier and verdict.",
		2, { "supplier", "verdict" }, 0 },
	[KT_METRIC_IDEMPOTENT_REPLAYS] = { "keten_idempotent_replays_total", "counter",
		"Creating requests answered from the answer kept for their Idempotency-Key.",
		0, { NULL }, 0 },
	[KT_METRIC_DB_RECONNECTS] = { "keten_db_reconnects_total", "counter",
		"Database sessions connected again after a loss, by pool.",
		1, { "pool" }, 0 },
	[KT_METRIC_DELIVERIES] = { "keten_deliveries_total", "counter",
		"Calls to suppliers, by supplier and outcome.",
		2, { "supplier", "outcome" }, 0 },
	[KT_METRIC_DB_JOBS_IN_FLIGHT] = { "keten_db_jobs_in_flight", "gauge",
		"Database jobs queued or running, by pool.",
		1, { "pool" }, 0 },
	[KT_METRIC_RESENDS] = { "keten_resends_total", "counter",
		"Messages sent to their supplier again (attempt 2 or later), by supplier.",
		1, { "supplier" }, 0 },
	[KT_METRIC_DELIVERY_LATENCY] = { "keten_delivery_latency_seconds", "histogram",
		"Time from a message's queueing to its delivery, by supplier.",
		1, { "supplier" }, 1 },
	[KT_METRIC_OUTBOX_DEPTH] = { "keten_outbox_depth", "gauge",
		"Messages waiting to go out, by supplier (refreshed by the dispatcher's sweep).",
		1, { "supplier" }, 0 },
	[KT_METRIC_OUTBOX_OLDEST] = { "keten_outbox_oldest_age_seconds", "gauge",
		"Age of the oldest message waiting to go out, by supplier (refreshed by the sweep).",
		1, { "supplier" }, 1 },
	[KT_METRIC_CIRCUIT_STATE] = { "keten_circuit_state", "gauge",
		"Circuit of a supplier in this process: 0 closed, 1 half-open, 2 open.",
		1, { "supplier" }, 0 },
	[KT_METRIC_DELIVERY_DELAYED] = { "keten_delivery_delayed_total", "counter",
		"Legs whose first delivery was overdue for their priority (delivery_delayed).",
		0, { NULL }, 0 },
	[KT_METRIC_DISPATCH_ROUNDS] = { "keten_dispatch_rounds_total", "counter",
		"Claims of due outbox messages this process finished (each a dispatch round).",
		0, { NULL }, 0 },
	[KT_METRIC_SWEEPS] = { "keten_sweeps_total", "counter",
		"Runs of a background sweep this process finished, by sweep.",
		1, { "sweep" }, 0 },
	[KT_METRIC_DB_PREPARED] = { "keten_db_prepared_statements", "gauge",
		"Statements prepared on the database sessions, by pool.",
		1, { "pool" }, 0 },
	[KT_METRIC_POLLS] = { "keten_polls_total", "counter",
		"Poll pages asked of suppliers, by supplier and result (ok, failed, deferred, lost).",
		2, { "supplier", "result" }, 0 },
	[KT_METRIC_POLL_UPDATES] = { "keten_poll_updates_total", "counter",
		"Updates read from poll pages, by supplier and verdict (applied, duplicate, stale, "
		"ignored).",
		2, { "supplier", "verdict" }, 0 },
	[KT_METRIC_POLL_CURSOR_AGE] = { "keten_poll_cursor_age_seconds", "gauge",
		"How far a polled feed's cursor lags behind now, by supplier and feed (refreshed "
		"by every claim of due feeds).",
		2, { "supplier", "feed" }, 1 },
	[KT_METRIC_HTTP_CONNECTIONS] = { "keten_http_connections_open", "gauge",
		"API connections open now (TLS handshake, request, answer or kept alive).",
		0, { NULL }, 0 },
	[KT_METRIC_HTTP_CONNECTIONS_MAX] = { "keten_http_connections_max", "gauge",
		"Cap of open API connections (max_connections); at it the listener stops accepting.",
		0, { NULL }, 0 },
	[KT_METRIC_HTTP_ACCEPT_PAUSES] = { "keten_http_accept_pauses_total", "counter",
		"Times the API listener stopped accepting, by reason (cap, accept_error, tls_setup).",
		1, { "reason" }, 0 },
	[KT_METRIC_HTTP_ACCEPT_ERRORS] = { "keten_http_accept_errors_total", "counter",
		"Failed accept() calls of the API listener, by error (emfile, enfile, other).",
		1, { "error" }, 0 },
	[KT_METRIC_HTTP_DEADLINE_CLOSES] = { "keten_http_deadline_closes_total", "counter",
		"API connections closed because their handshake and request missed request_deadline_ms.",
		0, { NULL }, 0 },
	[KT_METRIC_HTTP_STREAMS] = { "keten_http_streams", "gauge",
		"Live streams (GET /v1/stream) open on this node.",
		0, { NULL }, 0 },
	[KT_METRIC_HTTP_STREAMS_ENDED] = { "keten_http_streams_ended_total", "counter",
		"Live streams ended or refused, by reason (client, revoked, cap, shutdown).",
		1, { "reason" }, 0 },
	[KT_METRIC_HTTP_BODY_REFUSALS] = { "keten_http_refused_before_body_total", "counter",
		"Requests answered before their body was read, by reason (unauthorized, too_large, "
		"rate_limited, unavailable).",
		1, { "reason" }, 0 },
	[KT_METRIC_DISPATCH_HELD] = { "keten_dispatch_held", "gauge",
		"1 while dispatch is held for every node after a restore, until keten reconcile ran.",
		0, { NULL }, 0 },
	[KT_METRIC_ROUTE_PLANS] = { "keten_route_plans_total", "counter",
		"Route plans of new tickets, by result: hit (kept by this node) or miss (read).",
		1, { "result" }, 0 },
};

static int is_histogram(enum kt_metric metric)
{
	return strcmp(defs[metric].type, "histogram") == 0;
}

#define OVERFLOW_VALUE "_other"

struct series {
	enum kt_metric metric;
	char values[KT_METRICS_MAX_LABELS][KT_METRICS_VALUE_MAX + 1];
	long long value;             /* a histogram's count */
	long long bucket[N_BUCKETS]; /* a histogram's cumulative buckets */
	long long sum;               /* a histogram's sum */
};

struct kt_metrics {
	pthread_mutex_t lock;
	int max_series;
	int n;
	struct series series[KT_METRICS_MAX_SERIES];
	struct series overflow[KT_METRIC_COUNT];
	int overflowed[KT_METRIC_COUNT];
};

static struct kt_metrics global = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.max_series = KT_METRICS_MAX_SERIES,
};

struct kt_metrics *kt_metrics_global(void)
{
	return &global;
}

struct kt_metrics *kt_metrics_new(int max_series)
{
	struct kt_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->max_series = max_series < 1 ? 1 : max_series > KT_METRICS_MAX_SERIES
			? KT_METRICS_MAX_SERIES : max_series;
	return m;
}

void kt_metrics_free(struct kt_metrics *m)
{
	if (!m || m == &global)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* The series of metric with values, or NULL when there is none (and, with
 * create, no room or a value too long for one). Under m->lock. */
static struct series *find(struct kt_metrics *m, enum kt_metric metric,
			   const char *const *values, int create)
{
	const int nl = defs[metric].nlabels;
	struct series *s;

	for (int i = 0; i < m->n; i++) {
		int l;

		s = &m->series[i];
		if (s->metric != metric)
			continue;
		for (l = 0; l < nl && strcmp(s->values[l], values[l]) == 0; l++)
			;
		if (l == nl)
			return s;
	}
	if (!create || m->n >= m->max_series)
		return NULL;
	for (int l = 0; l < nl; l++)
		if (strlen(values[l]) > KT_METRICS_VALUE_MAX)
			return NULL;
	s = &m->series[m->n++];
	memset(s, 0, sizeof(*s));
	s->metric = metric;
	for (int l = 0; l < nl; l++)
		memcpy(s->values[l], values[l], strlen(values[l]) + 1);
	return s;
}

enum change { ADD, SET, OBSERVE };

/* Applies one change to the series of metric with the given values, or
 * to its overflow series. */
static void change(struct kt_metrics *m, enum kt_metric metric, enum change how,
		   long long v, const char *v1, const char *v2, const char *v3)
{
	const char *values[KT_METRICS_MAX_LABELS] = { v1 ? v1 : "", v2 ? v2 : "",
						       v3 ? v3 : "" };
	struct series *s;

	if ((unsigned)metric >= KT_METRIC_COUNT)
		return;
	pthread_mutex_lock(&m->lock);
	s = find(m, metric, values, 1);
	if (!s) {
		s = &m->overflow[metric];
		m->overflowed[metric] = 1;
	}
	if (how == SET) {
		s->value = v;
	} else if (how == ADD) {
		s->value += v;
	} else {
		s->value++;
		s->sum += v;
		for (size_t b = 0; b < N_BUCKETS; b++)
			if (v <= buckets_ms[b])
				s->bucket[b]++;
	}
	pthread_mutex_unlock(&m->lock);
}

void kt_metrics_add(struct kt_metrics *m, enum kt_metric metric, long long delta,
		    const char *v1, const char *v2, const char *v3)
{
	change(m, metric, ADD, delta, v1, v2, v3);
}

void kt_metrics_set(struct kt_metrics *m, enum kt_metric metric, long long value,
		    const char *v1, const char *v2, const char *v3)
{
	change(m, metric, SET, value, v1, v2, v3);
}

void kt_metrics_observe(struct kt_metrics *m, enum kt_metric metric, long long value,
			const char *v1, const char *v2, const char *v3)
{
	change(m, metric, OBSERVE, value, v1, v2, v3);
}

long long kt_metrics_get(struct kt_metrics *m, enum kt_metric metric,
			 const char *v1, const char *v2, const char *v3)
{
	const char *values[KT_METRICS_MAX_LABELS] = { v1 ? v1 : "", v2 ? v2 : "",
						       v3 ? v3 : "" };
	struct series *s;
	long long v;

	if ((unsigned)metric >= KT_METRIC_COUNT)
		return 0;
	pthread_mutex_lock(&m->lock);
	s = find(m, metric, values, 0);
	v = s ? s->value : 0;
	pthread_mutex_unlock(&m->lock);
	return v;
}

/* ---- rendering ---- */

/* The longest line: name, three labels of escaped values (each byte may
 * become two), the value. HELP and TYPE lines are shorter than this. */
#define LINE_MAX_BYTES (64 + KT_METRICS_MAX_LABELS * (16 + 4 + 2 * KT_METRICS_VALUE_MAX) + 32)

/* A label value with \, " and newline escaped as the format asks. */
static void put_escaped(struct kt_buf *t, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			kt_buf_add(t, "\\\\", 2);
		else if (*v == '"')
			kt_buf_add(t, "\\\"", 2);
		else if (*v == '\n')
			kt_buf_add(t, "\\n", 2);
		else
			kt_buf_add(t, v, 1);
	}
}

/* A number, in thousandths when milli (as 1.234). */
static void put_number(struct kt_buf *t, long long v, int milli)
{
	char num[32];

	if (milli)
		snprintf(num, sizeof(num), "%s%lld.%03lld", v < 0 ? "-" : "",
			 llabs(v) / 1000, llabs(v) % 1000);
	else
		snprintf(num, sizeof(num), "%lld", v);
	kt_buf_adds(t, num);
}

/* One sample line: name, suffix, the series' labels (all "_other" when
 * values is NULL) and le when not NULL, value. */
static void put_sample(struct kt_buf *t, enum kt_metric metric, const char *suffix,
		       const char (*values)[KT_METRICS_VALUE_MAX + 1], const char *le,
		       long long value, int milli)
{
	const struct metric_def *d = &defs[metric];

	kt_buf_adds(t, d->name);
	kt_buf_adds(t, suffix);
	for (int l = 0; l < d->nlabels; l++) {
		kt_buf_adds(t, l == 0 ? "{" : ",");
		kt_buf_adds(t, d->labels[l]);
		kt_buf_adds(t, "=\"");
		put_escaped(t, values ? values[l] : OVERFLOW_VALUE);
		kt_buf_adds(t, "\"");
	}
	if (le) {
		kt_buf_adds(t, d->nlabels > 0 ? ",le=\"" : "{le=\"");
		kt_buf_adds(t, le);
		kt_buf_adds(t, "\"");
	}
	if (d->nlabels > 0 || le)
		kt_buf_adds(t, "}");
	kt_buf_adds(t, " ");
	put_number(t, value, milli);
	kt_buf_adds(t, "\n");
}

/* All samples of series s (values NULL: the overflow series). */
static void put_series(struct kt_buf *t, enum kt_metric metric, const struct series *s,
		       const char (*values)[KT_METRICS_VALUE_MAX + 1])
{
	const int milli = defs[metric].milli;
	char le[32];

	if (!is_histogram(metric)) {
		put_sample(t, metric, "", values, NULL, s->value, milli);
		return;
	}
	for (size_t b = 0; b < N_BUCKETS; b++) {
		snprintf(le, sizeof(le), "%lld.%03lld", buckets_ms[b] / 1000, buckets_ms[b] % 1000);
		put_sample(t, metric, "_bucket", values, le, s->bucket[b], 0);
	}
	put_sample(t, metric, "_bucket", values, "+Inf", s->value, 0);
	put_sample(t, metric, "_sum", values, NULL, s->sum, milli);
	put_sample(t, metric, "_count", values, NULL, s->value, 0);
}

/* Lines one series of metric renders to. */
static size_t lines_of(enum kt_metric metric)
{
	return is_histogram(metric) ? N_BUCKETS + 3 : 1;
}

char *kt_metrics_render(struct kt_metrics *m, size_t *len)
{
	struct kt_buf t;
	size_t max = 0;

	pthread_mutex_lock(&m->lock);
	/* per metric: HELP, TYPE, then its series, its overflow or the
	 * no-label sample */
	for (int k = 0; k < KT_METRIC_COUNT; k++)
		max += (2 + lines_of((enum kt_metric)k)) * LINE_MAX_BYTES;
	for (int i = 0; i < m->n; i++)
		max += lines_of(m->series[i].metric) * LINE_MAX_BYTES;
	kt_buf_init(&t, max);
	for (int k = 0; k < KT_METRIC_COUNT; k++) {
		const struct metric_def *d = &defs[k];
		int seen = 0;

		kt_buf_adds(&t, "# HELP ");
		kt_buf_adds(&t, d->name);
		kt_buf_adds(&t, " ");
		kt_buf_adds(&t, d->help);
		kt_buf_adds(&t, "\n# TYPE ");
		kt_buf_adds(&t, d->name);
		kt_buf_adds(&t, " ");
		kt_buf_adds(&t, d->type);
		kt_buf_adds(&t, "\n");
		for (int i = 0; i < m->n; i++) {
			if (m->series[i].metric != (enum kt_metric)k)
				continue;
			put_series(&t, (enum kt_metric)k, &m->series[i], m->series[i].values);
			seen = 1;
		}
		if (m->overflowed[k] || (d->nlabels == 0 && !seen))
			put_series(&t, (enum kt_metric)k, &m->overflow[k], NULL);
	}
	pthread_mutex_unlock(&m->lock);
	if (len)
		*len = t.len;
	/* NULL when out of memory: the bound itself cannot be passed. */
	return kt_buf_detach(&t);
}

/* ---- the process's events ---- */

void kt_metrics_http_request(const char *route, const char *method, int status)
{
	char code[16];

	snprintf(code, sizeof(code), "%d", status);
	kt_metrics_add(&global, KT_METRIC_HTTP_REQUESTS, 1, route, method, code);
}

void kt_metrics_inbound(const char *supplier, const char *verdict)
{
	kt_metrics_add(&global, KT_METRIC_INBOUND, 1, supplier, verdict, NULL);
}

void kt_metrics_idempotent_replay(void)
{
	kt_metrics_add(&global, KT_METRIC_IDEMPOTENT_REPLAYS, 1, NULL, NULL, NULL);
}

void kt_metrics_db_reconnect(const char *pool)
{
	kt_metrics_add(&global, KT_METRIC_DB_RECONNECTS, 1, pool, NULL, NULL);
}

void kt_metrics_delivery(const char *supplier, const char *outcome)
{
	kt_metrics_add(&global, KT_METRIC_DELIVERIES, 1, supplier, outcome, NULL);
}

void kt_metrics_db_jobs(const char *pool, int delta)
{
	kt_metrics_add(&global, KT_METRIC_DB_JOBS_IN_FLIGHT, delta, pool, NULL, NULL);
}

void kt_metrics_db_prepared(const char *pool, int delta)
{
	kt_metrics_add(&global, KT_METRIC_DB_PREPARED, delta, pool, NULL, NULL);
}

void kt_metrics_resend(const char *supplier)
{
	kt_metrics_add(&global, KT_METRIC_RESENDS, 1, supplier, NULL, NULL);
}

void kt_metrics_delivered_after(const char *supplier, long long latency_ms)
{
	kt_metrics_observe(&global, KT_METRIC_DELIVERY_LATENCY, latency_ms, supplier, NULL, NULL);
}

void kt_metrics_outbox(const char *supplier, long long depth, long long oldest_ms)
{
	kt_metrics_set(&global, KT_METRIC_OUTBOX_DEPTH, depth, supplier, NULL, NULL);
	kt_metrics_set(&global, KT_METRIC_OUTBOX_OLDEST, oldest_ms, supplier, NULL, NULL);
}

void kt_metrics_circuit(const char *supplier, int state)
{
	kt_metrics_set(&global, KT_METRIC_CIRCUIT_STATE, state, supplier, NULL, NULL);
}

void kt_metrics_delivery_delayed(int legs)
{
	kt_metrics_add(&global, KT_METRIC_DELIVERY_DELAYED, legs, NULL, NULL, NULL);
}

void kt_metrics_dispatch_round(void)
{
	kt_metrics_add(&global, KT_METRIC_DISPATCH_ROUNDS, 1, NULL, NULL, NULL);
}

void kt_metrics_sweep(const char *sweep)
{
	kt_metrics_add(&global, KT_METRIC_SWEEPS, 1, sweep, NULL, NULL);
}

void kt_metrics_poll(const char *supplier, const char *result)
{
	kt_metrics_add(&global, KT_METRIC_POLLS, 1, supplier, result, NULL);
}

void kt_metrics_poll_updates(const char *supplier, const char *verdict, int n)
{
	kt_metrics_add(&global, KT_METRIC_POLL_UPDATES, n, supplier, verdict, NULL);
}

void kt_metrics_poll_cursor_age(const char *supplier, const char *feed, long long age_ms)
{
	kt_metrics_set(&global, KT_METRIC_POLL_CURSOR_AGE, age_ms, supplier, feed, NULL);
}

void kt_metrics_http_connections(long long open, long long max)
{
	kt_metrics_set(&global, KT_METRIC_HTTP_CONNECTIONS, open, NULL, NULL, NULL);
	kt_metrics_set(&global, KT_METRIC_HTTP_CONNECTIONS_MAX, max, NULL, NULL, NULL);
}

void kt_metrics_http_accept_paused(const char *reason)
{
	kt_metrics_add(&global, KT_METRIC_HTTP_ACCEPT_PAUSES, 1, reason, NULL, NULL);
}

void kt_metrics_http_accept_error(const char *error)
{
	kt_metrics_add(&global, KT_METRIC_HTTP_ACCEPT_ERRORS, 1, error, NULL, NULL);
}

void kt_metrics_http_deadline_close(void)
{
	kt_metrics_add(&global, KT_METRIC_HTTP_DEADLINE_CLOSES, 1, NULL, NULL, NULL);
}

void kt_metrics_http_streams(long long open)
{
	kt_metrics_set(&global, KT_METRIC_HTTP_STREAMS, open, NULL, NULL, NULL);
}

void kt_metrics_http_stream_ended(const char *reason)
{
	kt_metrics_add(&global, KT_METRIC_HTTP_STREAMS_ENDED, 1, reason, NULL, NULL);
}

void kt_metrics_http_body_refused(const char *reason)
{
	kt_metrics_add(&global, KT_METRIC_HTTP_BODY_REFUSALS, 1, reason, NULL, NULL);
}

void kt_metrics_dispatch_held(int held)
{
	kt_metrics_set(&global, KT_METRIC_DISPATCH_HELD, held, NULL, NULL, NULL);
}
