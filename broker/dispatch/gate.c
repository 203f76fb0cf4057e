/* gate.c - the per-supplier gates of one process (see dispatch/gate.h):
 * Retry-After pauses, circuit breakers and calls in flight, on the
 * caller's clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/metrics.h"
#include "dispatch/gate.h"

/* Shows g's circuit in GET /metrics: 0 closed, 1 half-open, 2 open. */
static void publish(const struct kt_gate *g)
{
	kt_metrics_circuit(g->key, g->breaker.state == KT_BREAKER_CLOSED ? 0 :
			   g->breaker.state == KT_BREAKER_HALF_OPEN ? 1 : 2);
}

void kt_gates_init(struct kt_gates *gs, const struct kt_breaker_policy *p,
		   int max_inflight, long long probe_wait_ms)
{
	memset(gs, 0, sizeof(*gs));
	gs->policy = *p;
	gs->max_inflight = max_inflight;
	gs->probe_wait_ms = probe_wait_ms;
}

void kt_gates_release(struct kt_gates *gs)
{
	free(gs->v);
	gs->v = NULL;
	gs->n = 0;
}

struct kt_gate *kt_gates_find(struct kt_gates *gs, const char *supplier_id)
{
	for (size_t i = 0; i < gs->n; i++)
		if (strcmp(gs->v[i].supplier_id, supplier_id) == 0)
			return &gs->v[i];
	return NULL;
}

struct kt_gate *kt_gates_get(struct kt_gates *gs, const char *supplier_id, const char *key)
{
	struct kt_gate *g = kt_gates_find(gs, supplier_id), *grown;

	if (g)
		return g;
	grown = realloc(gs->v, (gs->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	gs->v = grown;
	g = &grown[gs->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->supplier_id, sizeof(g->supplier_id), "%s", supplier_id);
	snprintf(g->key, sizeof(g->key), "%s", key ? key : "");
	kt_breaker_init(&g->breaker);
	publish(g);
	return g;
}

/* Ends g's open period when it ran out at now: the circuit turns
 * half-open and the period is kept for the budgets' credit. */
static void poll_gate(struct kt_gate *g, long long now)
{
	long long ended = kt_breaker_poll(&g->breaker, now);

	if (ended <= 0)
		return;
	publish(g);
	g->credit_ms += ended;
	kt_log(KT_LOG_INFO, json_pack("{s:s, s:s, s:I}", "supplier", g->key, "circuit",
				      "half_open", "open_ms", (json_int_t)ended),
	       "circuit of supplier \"%s\" half-open after %lld ms: one probe may go",
	       g->key, ended);
}

long long kt_gate_wait(const struct kt_gates *gs, const struct kt_gate *g, long long now)
{
	long long wait = g->until_ms > now ? g->until_ms - now : 0;

	if (g->breaker.state == KT_BREAKER_OPEN && g->breaker.until_ms - now > wait)
		wait = g->breaker.until_ms - now;
	if (wait <= 0 && kt_breaker_blocked(&g->breaker, now))
		wait = gs->probe_wait_ms; /* the probe is out */
	return wait;
}

long long kt_gate_admit(struct kt_gates *gs, struct kt_gate *g, long long now, int *probe)
{
	long long wait;

	*probe = 0;
	poll_gate(g, now);
	wait = kt_gate_wait(gs, g, now);
	if (wait > 0)
		return wait;
	*probe = kt_breaker_allow(&g->breaker, now) == KT_BREAKER_PROBE;
	publish(g);
	return 0;
}

int kt_gates_pause(struct kt_gates *gs, const char *supplier_id, const char *key,
		   long long until_ms)
{
	struct kt_gate *g = kt_gates_get(gs, supplier_id, key);

	if (!g)
		return KT_ERR;
	if (g->until_ms < until_ms)
		g->until_ms = until_ms;
	return KT_OK;
}

int kt_gate_count(struct kt_gate *g, int most, const struct kt_gates *gs)
{
	g->most = most > 0 ? most : gs->max_inflight;
	return ++g->inflight >= g->most;
}

void kt_gate_uncount(struct kt_gate *g)
{
	if (g->inflight > 0)
		g->inflight--;
}

void kt_gate_report(struct kt_gates *gs, struct kt_gate *g, enum kt_breaker_report report,
		    int probe, const char *code, long long now)
{
	if (report == KT_REPORT_NONE) {
		if (probe)
			kt_breaker_forget_probe(&g->breaker);
		return;
	}
	if (!kt_breaker_record(&g->breaker, &gs->policy, probe, report == KT_REPORT_OK, now))
		return;
	publish(g);
	if (g->breaker.state == KT_BREAKER_CLOSED) {
		kt_log(KT_LOG_INFO, json_pack("{s:s, s:s}", "supplier", g->key, "circuit", "closed"),
		       "circuit of supplier \"%s\" closed: the probe got through", g->key);
		return;
	}
	kt_log(KT_LOG_WARN, json_pack("{s:s, s:s, s:I, s:s}", "supplier", g->key,
				      "circuit", "open", "open_ms",
				      (json_int_t)g->breaker.period_ms, "code", code),
	       "circuit of supplier \"%s\" open: %s; no call to it for %lld ms",
	       g->key, probe ? "the probe failed" : "too many failures in a row",
	       g->breaker.period_ms);
}

void kt_gates_lists(struct kt_gates *gs, long long now, json_t **paused, json_t **busy,
		    json_t **credits)
{
	*paused = *busy = *credits = NULL;
	for (size_t i = 0; i < gs->n; i++) {
		struct kt_gate *g = &gs->v[i];
		const int most = g->most ? g->most : gs->max_inflight;

		poll_gate(g, now);
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
		if (g->inflight < most && kt_gate_wait(gs, g, now) <= 0)
			continue;
		if (!*paused)
			*paused = json_array();
		json_array_append_new(*paused, json_string(g->supplier_id));
	}
}
