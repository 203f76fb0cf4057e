/* tx_notify.h - the outbox messages whose target is not a leg: SLA
 * warnings and breaches for the integrator's own webhook (migration 026,
 * queued by keten_sla_alert with the alert). Claimed under a lease and
 * recorded only while the lease token still matches, as the supplier
 * messages of store/tx_outbox.h are, but by statements of their own: the
 * supplier path never reads them. A transaction file: each function is
 * one statement, its own transaction. */
#ifndef KETEN_STORE_TX_NOTIFY_H
#define KETEN_STORE_TX_NOTIFY_H

#include "store/store.h"
#include "store/tx_outbox.h"

/* One claimed notification; every string owned. */
struct kt_claimed_notice {
	char *id;               /* outbox.id */
	char *token;            /* the lease token */
	char *ticket_id;
	char *webhook_id;       /* the idempotency key: the same on every attempt */
	char *endpoint;
	char *secret_ref;
	char *payload;          /* the JSON body sent */
	json_t *delivery;       /* owned; {"allow_addresses": [...] or null}, as
				   a supplier's delivery (dispatch/caller.h) */
	int attempts;           /* this one included */
	long long used_ms;      /* retry budget used before this attempt */
};

/* Frees m's strings and zeroes it. */
void kt_claimed_notice_release(struct kt_claimed_notice *m);

/* Claims up to limit due notifications not leased by a live node, each
 * with a lease of lease_ms for owner and one more attempt (the first
 * claim starts its retry budget). *out gets a new array of *n (release
 * each, then free the array; NULL when none). */
int kt_store_notify_claim(struct kt_db *db, const char *owner, int limit, int lease_ms,
			  struct kt_claimed_notice **out, size_t *n, struct kt_err *err);

/* Records attempt outcome o of notification id under lease token, in
 * state (kt_outcome_state(o): done, dead, or pending again in
 * o->retry_in_ms, with o->credit_ms not charged to the budget), kind
 * being kt_outcome_kind_name(o->kind). A message
 * that ends adds sla_notified or sla_notify_dead to its ticket's timeline
 * (integrator only) in the same statement. *stale = 1 when the lease had
 * passed to another node (nothing recorded). */
int kt_store_notify_finish(struct kt_db *db, const char *id, const char *token,
			   const struct kt_outcome *o, const char *state, const char *kind,
			   int *stale, struct kt_err *err);

#endif
