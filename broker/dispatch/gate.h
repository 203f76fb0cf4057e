/* gate.h - what holds a supplier's calls back in this process: a
 * Retry-After pause, its circuit breaker (dispatch/breaker.h) and its calls
 * in flight against its limit. One gate per supplier called so far, made
 * on first use. The caller passes the monotonic clock in. Publishes each
 * circuit's state to GET /metrics and logs its changes. */
#ifndef KETEN_DISPATCH_GATE_H
#define KETEN_DISPATCH_GATE_H

#include <jansson.h>
#include <stddef.h>

#include "dispatch/breaker.h"
#include "dispatch/classify.h"

struct kt_gate {
	char supplier_id[48];
	char key[64];               /* for logs and metrics */
	long long until_ms;         /* paused until; 0: not paused */
	struct kt_breaker breaker;
	long long credit_ms;        /* open time not yet credited to budgets */
	int inflight;               /* claimed and not yet recorded */
	int most;                   /* calls in flight at most, as the supplier's
				     * last claimed message said; 0: the node's */
	int clamp_logged;           /* its timeout was cut to the lease, said */
};

struct kt_gates {
	struct kt_gate *v;          /* owned */
	size_t n;
	struct kt_breaker_policy policy;
	int max_inflight;           /* the node's supplier_max_inflight */
	long long probe_wait_ms;    /* how long to hold back while a probe is out */
};

/* An empty table of gates with the node's breaker policy, calls in flight
 * per supplier and the wait while a probe is out. */
void kt_gates_init(struct kt_gates *gs, const struct kt_breaker_policy *p,
		   int max_inflight, long long probe_wait_ms);

/* Frees gs's gates. */
void kt_gates_release(struct kt_gates *gs);

/* supplier_id's gate, or NULL when it has none. Valid until the next
 * kt_gates_get. */
struct kt_gate *kt_gates_find(struct kt_gates *gs, const char *supplier_id);

/* supplier_id's gate, made open on first use (key names it in logs and
 * metrics); NULL when out of memory. Valid until the next kt_gates_get. */
struct kt_gate *kt_gates_get(struct kt_gates *gs, const char *supplier_id, const char *key);

/* How long g holds calls back after now_ms (a pause, an open circuit, or
 * the wait while the probe is out); 0 when it does not. */
long long kt_gate_wait(const struct kt_gates *gs, const struct kt_gate *g, long long now_ms);

/* Whether a call through g may go at now_ms: 0 and *probe set (1 for the
 * half-open circuit's one probe), or how long it must wait. */
long long kt_gate_admit(struct kt_gates *gs, struct kt_gate *g, long long now_ms, int *probe);

/* Closes supplier_id's gate until until_ms (a later pause wins). KT_ERR
 * when out of memory. */
int kt_gates_pause(struct kt_gates *gs, const char *supplier_id, const char *key,
		   long long until_ms);

/* Counts a call in flight through g, whose supplier allows most (0: the
 * node's limit); 1 when that reached the limit. */
int kt_gate_count(struct kt_gate *g, int most, const struct kt_gates *gs);

/* Gives back a call counted by kt_gate_count. */
void kt_gate_uncount(struct kt_gate *g);

/* Tells g's circuit how a call went: report from kt_classify_breaker, probe
 * as kt_gate_admit said, code the outcome's for the log. A report of
 * nothing gives a probe back, so the next call may probe. */
void kt_gate_report(struct kt_gates *gs, struct kt_gate *g, enum kt_breaker_report report,
		    int probe, const char *code, long long now_ms);

/* What the next claim must know at now_ms, as new JSON values (each NULL
 * when empty): *paused, the ids of suppliers whose gate is closed or whose
 * calls in flight are at the limit; *busy, {id: calls in flight} of the
 * others that have some; *credits, {id: ms} of open periods that ended
 * and were not credited yet (taken: each is handed out once). */
void kt_gates_lists(struct kt_gates *gs, long long now_ms, json_t **paused, json_t **busy,
		    json_t **credits);

#endif
