/* test_metrics.c - unit tests of broker/metrics.c: counting by label set,
 * the exact text rendering (HELP/TYPE, order, the label-less counter at
 * 0), escaping of label values, the bound on label sets (overflow into
 * "_other", also for values too long to keep), gauges set and histograms
 * observed, and counting from several threads at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/metrics.h"

/* The HELP and TYPE lines of each metric, in rendering order. */
#define H_HTTP "# HELP keten_http_requests_total HTTP requests answered, by route pattern, method and status.\n" \
	"# TYPE keten_http_requests_total counter\n"
#define H_INBOUND "# HELP keten_inbound_deliveries_total Inbound supplier deliveries, by supplier and verdict.\n" \
	"# TYPE keten_inbound_deliveries_total counter\n"
#define H_REPLAYS "# HELP keten_idempotent_replays_total Creating requests answered from the answer kept for their Idempotency-Key.\n" \
	"# TYPE keten_idempotent_replays_total counter\n"
#define H_RECONNECTS "# HELP keten_db_reconnects_total Database sessions connected again after a loss, by pool.\n" \
	"# TYPE keten_db_reconnects_total counter\n"
#define H_DELIVERIES "# HELP keten_deliveries_total Calls to suppliers, by supplier and outcome.\n" \
	"# TYPE keten_deliveries_total counter\n"
#define H_JOBS "# HELP keten_db_jobs_in_flight Database jobs queued or running, by pool.\n" \
	"# TYPE keten_db_jobs_in_flight gauge\n"
#define H_RESENDS "# HELP keten_resends_total Messages sent to their supplier again (attempt 2 or later), by supplier.\n" \
	"# TYPE keten_resends_total counter\n"
#define H_LATENCY "# HELP keten_delivery_latency_seconds Time from a message's queueing to its delivery, by supplier.\n" \
	"# TYPE keten_delivery_latency_seconds histogram\n"
#define H_DEPTH "# HELP keten_outbox_depth Messages waiting to go out, by supplier (refreshed by the dispatcher's sweep).\n" \
	"# TYPE keten_outbox_depth gauge\n"
#define H_OLDEST "# HELP keten_outbox_oldest_age_seconds Age of the oldest message waiting to go out, by supplier (refreshed by the sweep).\n" \
	"# TYPE keten_outbox_oldest_age_seconds gauge\n"
#define H_CIRCUIT "# HELP keten_circuit_state Circuit of a supplier in this process: 0 closed, 1 half-open, 2 open.\n" \
	"# TYPE keten_circuit_state gauge\n"
#define H_DELAYED "# HELP keten_delivery_delayed_total Legs whose first delivery was overdue for their priority (delivery_delayed).\n" \
	"# TYPE keten_delivery_delayed_total counter\n"
#define H_ROUNDS "# HELP keten_dispatch_rounds_total Claims of due outbox messages this process finished (each a dispatch round).\n" \
	"# TYPE keten_dispatch_rounds_total counter\n"
#define H_SWEEPS "# HELP keten_sweeps_total Runs of a background sweep this process finished, by sweep.\n" \
	"# TYPE keten_sweeps_total counter\n"
#define H_PREPARED "# HELP keten_db_prepared_statements Statements prepared on the database sessions, by pool.\n" \
	"# TYPE keten_db_prepared_statements gauge\n"
#define H_POLLS "# HELP keten_polls_total Poll pages asked of suppliers, by supplier and result (ok, failed, deferred, lost).\n" \
	"# TYPE keten_polls_total counter\n" \
	"# HELP keten_poll_updates_total Updates read from poll pages, by supplier and verdict (applied, duplicate, stale, ignored).\n" \
	"# TYPE keten_poll_updates_total counter\n" \
	"# HELP keten_poll_cursor_age_seconds How far a polled feed's cursor lags behind now, by supplier and feed (refreshed by every claim of due feeds).\n" \
	"# TYPE keten_poll_cursor_age_seconds gauge\n"
/* The API listener's metrics, the dispatch hold and the route plans, with
 * no series but the label-less ones. */
#define H_CONNS "# HELP keten_http_connections_open API connections open now (TLS handshake, request, answer or kept alive).\n" \
	"# TYPE keten_http_connections_open gauge\n" \
	"keten_http_connections_open 0\n" \
	"# HELP keten_http_connections_max Cap of open API connections (max_connections); at it the listener stops accepting.\n" \
	"# TYPE keten_http_connections_max gauge\n" \
	"keten_http_connections_max 0\n" \
	"# HELP keten_http_accept_pauses_total Times the API listener stopped accepting, by reason (cap, accept_error, tls_setup).\n" \
	"# TYPE keten_http_accept_pauses_total counter\n" \
	"# HELP keten_http_accept_errors_total Failed accept() calls of the API listener, by error (emfile, enfile, other).\n" \
	"# TYPE keten_http_accept_errors_total counter\n" \
	"# HELP keten_http_deadline_closes_total API connections closed because their handshake and request missed request_deadline_ms.\n" \
	"# TYPE keten_http_deadline_closes_total counter\n" \
	"keten_http_deadline_closes_total 0\n" \
	"# HELP keten_http_streams Live streams (GET /v1/stream) open on this node.\n" \
	"# TYPE keten_http_streams gauge\n" \
	"keten_http_streams 0\n" \
	"# HELP keten_http_streams_ended_total Live streams ended or refused, by reason (client, revoked, cap, shutdown).\n" \
	"# TYPE keten_http_streams_ended_total counter\n" \
	"# HELP keten_http_refused_before_body_total Requests answered before their body was read, by reason (unauthorized, too_large, rate_limited, unavailable).\n" \
	"# TYPE keten_http_refused_before_body_total counter\n" \
	"# HELP keten_dispatch_held 1 while dispatch is held for every node after a restore, until keten reconcile ran.\n" \
	"# TYPE keten_dispatch_held gauge\n" \
	"keten_dispatch_held 0\n" \
	"# HELP keten_route_plans_total Route plans of new tickets, by result: hit (kept by this node) or miss (read).\n" \
	"# TYPE keten_route_plans_total counter\n"
/* The metrics after keten_db_jobs_in_flight, with no series. */
#define H_OUTBOUND H_RESENDS H_LATENCY H_DEPTH H_OLDEST H_CIRCUIT H_DELAYED \
	"keten_delivery_delayed_total 0\n" H_ROUNDS "keten_dispatch_rounds_total 0\n" H_SWEEPS H_PREPARED H_POLLS \
	H_CONNS

static void assert_renders(struct kt_metrics *m, const char *want)
{
	size_t len = 0;
	char *got = kt_metrics_render(m, &len);

	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
}

static void test_empty(void **state)
{
	struct kt_metrics *m = kt_metrics_new(8);

	(void)state;
	assert_renders(m, H_HTTP H_INBOUND H_REPLAYS
		       "keten_idempotent_replays_total 0\n"
		       H_RECONNECTS H_DELIVERIES H_JOBS H_OUTBOUND);
	kt_metrics_free(m);
}

static void test_counts_and_renders(void **state)
{
	struct kt_metrics *m = kt_metrics_new(16);

	(void)state;
	kt_metrics_add(m, KT_METRIC_HTTP_REQUESTS, 1, "/healthz", "GET", "200");
	kt_metrics_add(m, KT_METRIC_HTTP_REQUESTS, 1, "unmatched", "GET", "404");
	kt_metrics_add(m, KT_METRIC_HTTP_REQUESTS, 1, "/healthz", "GET", "200");
	kt_metrics_add(m, KT_METRIC_INBOUND, 1, "netco", "duplicate", NULL);
	kt_metrics_add(m, KT_METRIC_IDEMPOTENT_REPLAYS, 1, NULL, NULL, NULL);
	kt_metrics_add(m, KT_METRIC_IDEMPOTENT_REPLAYS, 1, NULL, NULL, NULL);
	kt_metrics_add(m, KT_METRIC_DB_RECONNECTS, 1, "api", NULL, NULL);
	kt_metrics_add(m, KT_METRIC_DELIVERIES, 1, "hostco", "retryable", NULL);
	kt_metrics_add(m, KT_METRIC_DB_JOBS_IN_FLIGHT, 1, "api", NULL, NULL);
	kt_metrics_add(m, KT_METRIC_DB_JOBS_IN_FLIGHT, 1, "api", NULL, NULL);
	kt_metrics_add(m, KT_METRIC_DB_JOBS_IN_FLIGHT, -1, "api", NULL, NULL);
	kt_metrics_add(m, KT_METRIC_DB_JOBS_IN_FLIGHT, 1, "dispatch", NULL, NULL);
	kt_metrics_add(m, KT_METRIC_DB_JOBS_IN_FLIGHT, -1, "dispatch", NULL, NULL);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_HTTP_REQUESTS, "/healthz", "GET", "200"), 2);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_HTTP_REQUESTS, "/healthz", "POST", "200"), 0);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_INBOUND, "netco", "duplicate", "ignored"), 1);
	assert_renders(m,
		H_HTTP
		"keten_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2\n"
		"keten_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n"
		H_INBOUND
		"keten_inbound_deliveries_total{supplier=\"netco\",verdict=\"duplicate\"} 1\n"
		H_REPLAYS
		"keten_idempotent_replays_total 2\n"
		H_RECONNECTS
		"keten_db_reconnects_total{pool=\"api\"} 1\n"
		H_DELIVERIES
		"keten_deliveries_total{supplier=\"hostco\",outcome=\"retryable\"} 1\n"
		H_JOBS
		"keten_db_jobs_in_flight{pool=\"api\"} 1\n"
		"keten_db_jobs_in_flight{pool=\"dispatch\"} 0\n"
		H_OUTBOUND);
	kt_metrics_free(m);
}

static void test_escaping(void **state)
{
	struct kt_metrics *m = kt_metrics_new(8);

	(void)state;
	kt_metrics_add(m, KT_METRIC_INBOUND, 3, "a\\b\"c\nd", "applied", NULL);
	kt_metrics_add(m, KT_METRIC_INBOUND, 1, NULL, "", NULL);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_INBOUND, "a\\b\"c\nd", "applied", NULL), 3);
	assert_renders(m, H_HTTP H_INBOUND
		       "keten_inbound_deliveries_total{supplier=\"a\\\\b\\\"c\\nd\",verdict=\"applied\"} 3\n"
		       "keten_inbound_deliveries_total{supplier=\"\",verdict=\"\"} 1\n"
		       H_REPLAYS "keten_idempotent_replays_total 0\n"
		       H_RECONNECTS H_DELIVERIES H_JOBS H_OUTBOUND);
	kt_metrics_free(m);
}

static void test_bound(void **state)
{
	struct kt_metrics *m = kt_metrics_new(2);
	char name[32], longer[KT_METRICS_VALUE_MAX + 2];

	(void)state;
	/* Two label sets fit; a thousand more all land in the overflow. */
	for (int i = 0; i < 1002; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		kt_metrics_add(m, KT_METRIC_DELIVERIES, 1, name, "delivered", NULL);
	}
	kt_metrics_add(m, KT_METRIC_DELIVERIES, 1, "s0", "delivered", NULL);
	/* known label sets still count where they are */
	assert_int_equal(kt_metrics_get(m, KT_METRIC_DELIVERIES, "s0", "delivered", NULL), 2);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_DELIVERIES, "s5", "delivered", NULL), 0);
	kt_metrics_add(m, KT_METRIC_IDEMPOTENT_REPLAYS, 1, NULL, NULL, NULL);
	assert_renders(m, H_HTTP H_INBOUND H_REPLAYS
		       "keten_idempotent_replays_total 1\n"
		       H_RECONNECTS H_DELIVERIES
		       "keten_deliveries_total{supplier=\"s0\",outcome=\"delivered\"} 2\n"
		       "keten_deliveries_total{supplier=\"s1\",outcome=\"delivered\"} 1\n"
		       "keten_deliveries_total{supplier=\"_other\",outcome=\"_other\"} 1000\n"
		       H_JOBS H_OUTBOUND);
	kt_metrics_free(m);

	/* A value too long to keep is counted in the overflow, never cut. */
	m = kt_metrics_new(8);
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	kt_metrics_add(m, KT_METRIC_DB_RECONNECTS, 1, longer, NULL, NULL);
	longer[KT_METRICS_VALUE_MAX] = '\0'; /* exactly the maximum: kept */
	kt_metrics_add(m, KT_METRIC_DB_RECONNECTS, 1, longer, NULL, NULL);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_DB_RECONNECTS, longer, NULL, NULL), 1);
	{
		size_t len;
		char *text = kt_metrics_render(m, &len);

		assert_non_null(text);
		assert_non_null(strstr(text, "keten_db_reconnects_total{pool=\"_other\"} 1\n"));
		assert_int_equal(len, strlen(text));
		free(text);
	}
	kt_metrics_free(m);
}

static void test_full_table_renders_within_bounds(void **state)
{
	struct kt_metrics *m = kt_metrics_new(KT_METRICS_MAX_SERIES);
	char v[3][KT_METRICS_VALUE_MAX + 1];
	size_t len;
	char *text;

	(void)state;
	/* Every label set as long as can be and all quotes: the longest text. */
	for (int i = 0; i < KT_METRICS_MAX_SERIES + 5; i++) {
		for (int l = 0; l < 3; l++) {
			memset(v[l], '"', KT_METRICS_VALUE_MAX);
			v[l][KT_METRICS_VALUE_MAX] = '\0';
			snprintf(v[l], 8, "%d", i);
			v[l][strlen(v[l])] = '"';
		}
		kt_metrics_add(m, KT_METRIC_HTTP_REQUESTS, 1, v[0], v[1], v[2]);
	}
	text = kt_metrics_render(m, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	/* all series and the other metrics' headers made it, nothing cut */
	assert_non_null(strstr(text, "# TYPE keten_db_jobs_in_flight gauge\n"));
	assert_non_null(strstr(text, "{route=\"_other\",method=\"_other\",status=\"_other\"} 5\n"));
	{
		int lines = 0;

		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		/* 56 header lines, eight label-less counters and gauges at 0,
		 * the full table, the overflow */
		assert_int_equal(lines, 56 + 8 + KT_METRICS_MAX_SERIES + 1);
	}
	free(text);
	kt_metrics_free(m);
}

/* Gauges are set, not added; a histogram counts each value in every
 * bucket it fits, renders cumulative buckets, +Inf, sum and count, and the
 * millisecond metrics in seconds. */
static void test_gauges_and_histograms(void **state)
{
	struct kt_metrics *m = kt_metrics_new(8);
	char *text;

	(void)state;
	kt_metrics_set(m, KT_METRIC_OUTBOX_DEPTH, 7, "netco", NULL, NULL);
	kt_metrics_set(m, KT_METRIC_OUTBOX_DEPTH, 3, "netco", NULL, NULL);
	kt_metrics_set(m, KT_METRIC_OUTBOX_OLDEST, 1500, "netco", NULL, NULL);
	kt_metrics_set(m, KT_METRIC_CIRCUIT_STATE, 2, "netco", NULL, NULL);
	kt_metrics_observe(m, KT_METRIC_DELIVERY_LATENCY, 40, "netco", NULL, NULL);
	kt_metrics_observe(m, KT_METRIC_DELIVERY_LATENCY, 100, "netco", NULL, NULL);
	kt_metrics_observe(m, KT_METRIC_DELIVERY_LATENCY, 7200000, "netco", NULL, NULL);
	kt_metrics_add(m, KT_METRIC_RESENDS, 2, "netco", NULL, NULL);
	kt_metrics_add(m, KT_METRIC_DELIVERY_DELAYED, 1, NULL, NULL, NULL);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_OUTBOX_DEPTH, "netco", NULL, NULL), 3);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_DELIVERY_LATENCY, "netco", NULL, NULL), 3);
	assert_renders(m, H_HTTP H_INBOUND H_REPLAYS "keten_idempotent_replays_total 0\n"
		H_RECONNECTS H_DELIVERIES H_JOBS
		H_RESENDS "keten_resends_total{supplier=\"netco\"} 2\n"
		H_LATENCY
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"0.050\"} 1\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"0.100\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"0.250\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"0.500\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"1.000\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"2.500\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"5.000\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"10.000\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"30.000\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"60.000\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"300.000\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"900.000\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"3600.000\"} 2\n"
		"keten_delivery_latency_seconds_bucket{supplier=\"netco\",le=\"+Inf\"} 3\n"
		"keten_delivery_latency_seconds_sum{supplier=\"netco\"} 7200.140\n"
		"keten_delivery_latency_seconds_count{supplier=\"netco\"} 3\n"
		H_DEPTH "keten_outbox_depth{supplier=\"netco\"} 3\n"
		H_OLDEST "keten_outbox_oldest_age_seconds{supplier=\"netco\"} 1.500\n"
		H_CIRCUIT "keten_circuit_state{supplier=\"netco\"} 2\n"
		H_DELAYED "keten_delivery_delayed_total 1\n"
		H_ROUNDS "keten_dispatch_rounds_total 0\n" H_SWEEPS H_PREPARED H_POLLS H_CONNS);
	kt_metrics_free(m);

	/* A full table of histograms with the longest labels renders whole,
	 * and their overflow is a histogram too. */
	m = kt_metrics_new(KT_METRICS_MAX_SERIES);
	for (int i = 0; i < KT_METRICS_MAX_SERIES + 2; i++) {
		char v[KT_METRICS_VALUE_MAX + 1];

		memset(v, '\\', KT_METRICS_VALUE_MAX);
		v[KT_METRICS_VALUE_MAX] = '\0';
		snprintf(v, 8, "%d", i);
		v[strlen(v)] = '\\';
		kt_metrics_observe(m, KT_METRIC_DELIVERY_LATENCY, 999999999999LL, v, NULL, NULL);
	}
	text = kt_metrics_render(m, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "keten_delivery_latency_seconds_count{supplier=\"_other\"} 2\n"));
	assert_non_null(strstr(text, "keten_delivery_latency_seconds_sum{supplier=\"_other\"} 1999999999.998\n"));
	assert_non_null(strstr(text, "keten_delivery_delayed_total 0\n"));
	free(text);
	kt_metrics_free(m);
}

static void *hammer(void *arg)
{
	struct kt_metrics *m = arg;

	for (int i = 0; i < 20000; i++) {
		kt_metrics_add(m, KT_METRIC_HTTP_REQUESTS, 1, "/v1/tickets", "POST", "201");
		kt_metrics_add(m, KT_METRIC_DB_JOBS_IN_FLIGHT, 1, "api", NULL, NULL);
		kt_metrics_add(m, KT_METRIC_DB_JOBS_IN_FLIGHT, -1, "api", NULL, NULL);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct kt_metrics *m = kt_metrics_new(8);
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, m), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_HTTP_REQUESTS, "/v1/tickets", "POST", "201"),
			 80000);
	assert_int_equal(kt_metrics_get(m, KT_METRIC_DB_JOBS_IN_FLIGHT, "api", NULL, NULL), 0);
	kt_metrics_free(m);
}

static void test_global_helpers(void **state)
{
	struct kt_metrics *g = kt_metrics_global();

	(void)state;
	kt_metrics_http_request("/v1/tickets/{}", "GET", 404);
	kt_metrics_inbound("netco", "stale");
	kt_metrics_idempotent_replay();
	kt_metrics_db_reconnect("dispatch");
	kt_metrics_delivery("netco", "delivered");
	kt_metrics_db_jobs("api", 1);
	assert_int_equal(kt_metrics_get(g, KT_METRIC_HTTP_REQUESTS, "/v1/tickets/{}", "GET", "404"), 1);
	assert_int_equal(kt_metrics_get(g, KT_METRIC_INBOUND, "netco", "stale", NULL), 1);
	assert_int_equal(kt_metrics_get(g, KT_METRIC_IDEMPOTENT_REPLAYS, NULL, NULL, NULL), 1);
	assert_int_equal(kt_metrics_get(g, KT_METRIC_DB_RECONNECTS, "dispatch", NULL, NULL), 1);
	assert_int_equal(kt_metrics_get(g, KT_METRIC_DELIVERIES, "netco", "delivered", NULL), 1);
	assert_int_equal(kt_metrics_get(g, KT_METRIC_DB_JOBS_IN_FLIGHT, "api", NULL, NULL), 1);
	kt_metrics_free(g); /* the process's registry is never freed */
	assert_int_equal(kt_metrics_get(g, KT_METRIC_DB_JOBS_IN_FLIGHT, "api", NULL, NULL), 1);
	kt_metrics_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_counts_and_renders),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_full_table_renders_within_bounds),
		cmocka_unit_test(test_gauges_and_histograms),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_global_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
