/* tx_outbox.h - the outbox contract: claiming due messages under a
 * lease (recording each attempt's outcome only while the lease token
 * still matches is store/tx_outcome.h's). Both are short and committed;
 * no transaction is open while a supplier is called. A transaction file (store/store.h);
 * queuing a message inside a change is store/row_outbox.h's. */
#ifndef KETEN_STORE_TX_OUTBOX_H
#define KETEN_STORE_TX_OUTBOX_H

#include "keten/model.h"
#include "store/claimed.h"
#include "store/store.h"
#include "store/tx_outcome.h"

/* What holds a claim back per supplier: paused, a JSON array of supplier
 * ids none of whose messages are claimed (NULL: none); busy, a JSON object
 * {supplier id: calls in flight} (NULL: none); max_inflight, the calls in
 * flight one supplier may have: a claim takes at most max_inflight less its
 * busy count of a supplier's messages; a supplier's own max_inflight
 * (its delivery) replaces it for that supplier. */
struct kt_claim_gates {
	const json_t *paused;
	const json_t *busy;
	int max_inflight;
};

/* Claims up to limit due messages: per leg only the lowest sequence not yet
 * done, so a dead message blocks the later messages of its leg until it is
 * replayed; across legs by (priority, due time); per supplier as gates
 * allows (the rest are left unclaimed). Each gets a lease of
 * lease_ms for owner and one more attempt; the first claim starts its
 * retry budget. A create whose lease ran out with no outcome (its node
 * died during the call) is in doubt, and taken over only lag_ms (the
 * supplier's own search_lag_ms when it has one) after the lease ran out,
 * so that the lookup finds what that call created.
 * *out gets a new array of *n messages (free each with
 * kt_claimed_msg_release, then the array; NULL when none), filled from
 * the result's columns, in claim order (priority, due time);
 * budget_used_ms is the time since the first attempt, less the credited
 * waits (by the database's clock); queued_ms the time since it was queued.
 * A row whose data cannot be read (a document Jansson refuses) still comes
 * back, with its unreadable reason set, so that it is recorded as dead.
 * *tickets gets a new object {ticket id: full record} of the claimed
 * messages' tickets, as store/rule_ticket.h's KT_STORE_TICKET_JSON reads
 * them (without timeline: what the dispatcher reads never grows with a
 * ticket's history), read by the same statement: a claim is one round
 * trip. NULL on error. *saturated is set when limit messages were
 * candidates before the per-supplier cut: others of suppliers with room
 * may be left, and only then (or when *n is limit) can a claim right away
 * find more. */
int kt_store_outbox_claim(struct kt_db *db, const char *owner, int limit,
			  int lease_ms, int lag_ms, const struct kt_claim_gates *gates,
			  struct kt_claimed_msg **out, size_t *n, json_t **tickets,
			  int *saturated, struct kt_err *err);

/* Takes the lease back from message id (lease token) unsent: the claim's
 * attempt is undone (and the budget not started by it) and the message is
 * due again in delay_ms. For a message whose supplier is paused. A lease
 * that ran out sets *stale and changes nothing. */
int kt_store_outbox_unlease(struct kt_db *db, const char *id, const char *token,
			    long long delay_ms, int *stale, struct kt_err *err);

/* Credits the time a supplier's circuit was open (dispatch/breaker.h) to the budget
 * of its messages: credits is a JSON object {supplier id: ms}, each an
 * open period that ends now. Each pending message of such a supplier
 * that was attempted before gets the part of the period after its first
 * attempt, its last outcome and its last credit (outbox.credited_until)
 * added to its paused time, so waiting on an open circuit does not count
 * toward its dead letter, and an instant is credited once however many
 * nodes' circuits were open at it. Called as the open period ends, before
 * the claim that may probe. */
int kt_store_outbox_credit(struct kt_db *db, const json_t *credits, struct kt_err *err);

/* Thresholds of kt_store_outbox_delayed, by the leg's priority. */
struct kt_delayed_policy {
	long long p1_ms, p2_ms, other_ms;
};

/* Finds the legs whose first delivery (the create message) is still
 * pending longer after it was queued than p allows for its priority, and
 * raises each once, unless the leg ended (withdrawn, rejected, cancelled)
 * or its ticket is closed or cancelled, when nobody waits for it any more: sets legs.delivery_delayed_at and records an
 * integrator-only delivery_delayed event, one short transaction per leg
 * (ticket lock first, as everywhere). *raised gets how many were raised.
 * Safe to run on several nodes at once: a leg is raised by one of them. */
int kt_store_outbox_delayed(struct kt_db *db, const struct kt_delayed_policy *p,
			    int *raised, struct kt_err *err);

/* The backlog per supplier, for the gauges of GET /metrics: *out gets a
 * new array with one {supplier: key, depth, oldest_ms} per supplier:
 * its messages pending (due or not, blocked or not) and the age of the
 * oldest of them since it was queued (0 when none). One grouped query. */
int kt_store_outbox_depths(struct kt_db *db, json_t **out, struct kt_err *err);

#endif
