/* metrics.h - the broker's counters and gauges, rendered for GET /metrics
 * in the Prometheus text exposition format (version 0.0.4).
 *
 * A registry is a fixed table of label sets under one mutex: updates come
 * from the loop and from database workers alike. It never grows past
 * max_series label sets; a new label set beyond that is counted in its
 * metric's overflow series, whose every label is "_other" (not a valid
 * slug, so it never collides with a supplier's key). A label value longer
 * than KT_METRICS_VALUE_MAX bytes goes there too. The process's registry
 * lives in static storage: nothing to set up or free. */
#ifndef KETEN_METRICS_H
#define KETEN_METRICS_H

#include <stddef.h>

#define KT_METRICS_MAX_SERIES 256   /* label sets of the process's registry */
#define KT_METRICS_MAX_LABELS 3
#define KT_METRICS_VALUE_MAX 63     /* bytes of one label value */

/* The metrics; each has a fixed name, type and label names (base/metrics.c). */
enum kt_metric {
	KT_METRIC_HTTP_REQUESTS,     /* counter {route, method, status} */
	KT_METRIC_INBOUND,           /* counter {supplier, verdict} */
	KT_METRIC_IDEMPOTENT_REPLAYS,/* counter, no labels */
	KT_METRIC_DB_RECONNECTS,     /* counter {pool} */
	KT_METRIC_DELIVERIES,        /* counter {supplier, outcome} */
	KT_METRIC_DB_JOBS_IN_FLIGHT, /* gauge {pool} */
	KT_METRIC_RESENDS,           /* counter {supplier} */
	KT_METRIC_DELIVERY_LATENCY,  /* histogram {supplier}, observed in ms */
	KT_METRIC_OUTBOX_DEPTH,      /* gauge {supplier} */
	KT_METRIC_OUTBOX_OLDEST,     /* gauge {supplier}, set in ms */
	KT_METRIC_CIRCUIT_STATE,     /* gauge {supplier} */
	KT_METRIC_DELIVERY_DELAYED,  /* counter, no labels */
	KT_METRIC_DISPATCH_ROUNDS,   /* counter, no labels */
	KT_METRIC_SWEEPS,            /* counter {sweep} */
	KT_METRIC_DB_PREPARED,       /* gauge {pool} */
	KT_METRIC_POLLS,             /* counter {supplier, result} */
	KT_METRIC_POLL_UPDATES,      /* counter {supplier, verdict} */
	KT_METRIC_POLL_CURSOR_AGE,   /* gauge {supplier, feed}, set in ms */
	KT_METRIC_HTTP_CONNECTIONS,  /* gauge, no labels */
	KT_METRIC_HTTP_CONNECTIONS_MAX, /* gauge, no labels */
	KT_METRIC_HTTP_ACCEPT_PAUSES,/* counter {reason} */
	KT_METRIC_HTTP_ACCEPT_ERRORS,/* counter {error} */
	KT_METRIC_HTTP_DEADLINE_CLOSES, /* counter, no labels */
	KT_METRIC_HTTP_STREAMS,      /* gauge, no labels (live streams open) */
	KT_METRIC_HTTP_STREAMS_ENDED,/* counter {reason} */
	KT_METRIC_HTTP_BODY_REFUSALS, /* counter {reason} */
	KT_METRIC_DISPATCH_HELD,     /* gauge, no labels */
	KT_METRIC_ROUTE_PLANS,       /* counter {result}: hit or miss of the route plan cache */
	KT_METRIC_COUNT
};

struct kt_metrics;

/* A registry of its own (tests) holding at most max_series label sets
 * (clamped to 1..KT_METRICS_MAX_SERIES); NULL when out of memory. Free it
 * with kt_metrics_free, which accepts NULL. */
struct kt_metrics *kt_metrics_new(int max_series);
void kt_metrics_free(struct kt_metrics *m);

/* The process's registry, which the kt_metrics_<event> helpers below
 * update. Never freed; holds no heap memory. */
struct kt_metrics *kt_metrics_global(void);

/* Adds delta to the series of metric with the given label values, in the
 * order of the metric's label names (unused ones are ignored; NULL is "").
 * The strings are copied. Thread-safe; never allocates. */
void kt_metrics_add(struct kt_metrics *m, enum kt_metric metric, long long delta,
		    const char *v1, const char *v2, const char *v3);

/* Sets the series of a gauge to value (arguments as kt_metrics_add). */
void kt_metrics_set(struct kt_metrics *m, enum kt_metric metric, long long value,
		    const char *v1, const char *v2, const char *v3);

/* Counts value in the series of a histogram: in each bucket whose upper
 * bound is at least value, in its count and in its sum. A metric kept in
 * milliseconds (the latency, the oldest age) is rendered in seconds. */
void kt_metrics_observe(struct kt_metrics *m, enum kt_metric metric, long long value,
			const char *v1, const char *v2, const char *v3);

/* The current value of one series (0 when absent; a histogram's count);
 * for tests. */
long long kt_metrics_get(struct kt_metrics *m, enum kt_metric metric,
			 const char *v1, const char *v2, const char *v3);

/* Renders every metric in the text format: per metric its # HELP and
 * # TYPE lines, then its series in the order they first appeared, then
 * its overflow series if used; label values escaped (\\, \", \n). Returns
 * a malloc'd NUL-terminated text the caller frees, its length in *len
 * (may be NULL); NULL when out of memory. Thread-safe. */
char *kt_metrics_render(struct kt_metrics *m, size_t *len);

/* Events, counted in the process's registry; safe from any thread. */

/* An HTTP answer: route is the route's pattern ("/v1/tickets/{}"), or
 * "unmatched" for a path no route has; method GET, POST or OTHER. */
void kt_metrics_http_request(const char *route, const char *method, int status);

/* A verdict on an inbound delivery: applied, duplicate, stale, rejected. */
void kt_metrics_inbound(const char *supplier, const char *verdict);

/* A creating POST answered from its kept answer (Idempotency-Key). */
void kt_metrics_idempotent_replay(void);

/* A database session of pool connected again after it was lost. */
void kt_metrics_db_reconnect(const char *pool);

/* A supplier call ended with outcome (kt_outcome_kind_name). */
void kt_metrics_delivery(const char *supplier, const char *outcome);

/* Jobs of pool queued or running went up (+1) or down (-1). */
void kt_metrics_db_jobs(const char *pool, int delta);

/* Statements prepared on the sessions of pool went up or down by delta
 * (a session prepared more, or reconnected and lost its own). */
void kt_metrics_db_prepared(const char *pool, int delta);

/* A message went to its supplier again (its attempt 2 or later). */
void kt_metrics_resend(const char *supplier);

/* A message was delivered latency_ms after it was queued. */
void kt_metrics_delivered_after(const char *supplier, long long latency_ms);

/* supplier's messages waiting to go out, and the age of its oldest. */
void kt_metrics_outbox(const char *supplier, long long depth, long long oldest_ms);

/* supplier's circuit in this process: 0 closed, 1 half-open, 2 open. */
void kt_metrics_circuit(const char *supplier, int state);

/* legs whose first delivery was raised as overdue (delivery_delayed). */
void kt_metrics_delivery_delayed(int legs);
/* One claim of the dispatcher finished (tests wait on it to see that a
 * round passed and nothing more happened). */
void kt_metrics_dispatch_round(void);
/* One run of a background sweep (kt_dbpool_every) finished, whatever its
 * result; sweep names the sweep ("housekeeping", "autoclose"). */
void kt_metrics_sweep(const char *sweep);

/* A poll page of supplier ended with result: ok, failed, deferred (its
 * gate was closed) or lost (its lease had passed to another node). */
void kt_metrics_poll(const char *supplier, const char *result);

/* n updates of supplier's poll pages got verdict: applied, duplicate,
 * stale or ignored (not for a leg of ours, or refused). */
void kt_metrics_poll_updates(const char *supplier, const char *verdict, int n);

/* supplier's feed's cursor lags age_ms behind now. */
void kt_metrics_poll_cursor_age(const char *supplier, const char *feed, long long age_ms);

/* The API listener's connections: open now and the cap. */
void kt_metrics_http_connections(long long open, long long max);
/* The listener stopped accepting for reason: cap (max_connections
 * reached), accept_error (accept() failed) or tls_setup (no TLS state
 * could be made ready for the next connection). */
void kt_metrics_http_accept_paused(const char *reason);
/* accept() failed with error: emfile, enfile or other. */
void kt_metrics_http_accept_error(const char *error);
/* A connection was closed at its request deadline. */
void kt_metrics_http_deadline_close(void);
/* Live streams (GET /v1/stream) open on this node now. */
void kt_metrics_http_streams(long long open);
/* A live stream ended or was refused, for reason: client, revoked, cap,
 * shutdown. */
void kt_metrics_http_stream_ended(const char *reason);

/* A request answered before its body was read (http/body_gate.h), by
 * reason: unauthorized, too_large, rate_limited, unavailable. */
void kt_metrics_http_body_refused(const char *reason);
/* Dispatch is held for every node (1) after a restore, or not (0). */
void kt_metrics_dispatch_held(int held);

#endif
