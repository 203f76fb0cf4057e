/* rule_leg.h - applying what a supplier says about its leg (from an
 * inbound delivery or from the answer to a delivery) inside the caller's
 * transaction: external id, status, comment, rejection, and their
 * timeline events. A rule file: spans legs, events, outbox and tickets;
 * calls rules below it (comment, route, status) and rows. */
#ifndef KETEN_STORE_RULE_LEG_H
#define KETEN_STORE_RULE_LEG_H

#include <jansson.h>

#include "keten/model.h"
#include "store/rule_route.h"
#include "store/store.h"

struct kt_leg_change {
	const char *external_id;  /* NULL: unchanged */
	int has_status;
	enum kt_status status;
	const char *comment;      /* NULL: none */
	int comment_public;       /* the customer may see the comment */
	const char *comment_origin; /* the origin marker it carries; NULL: none */
	int comment_unordered;    /* a journal entry (keten/adapter.h): its
				   * comment is added even when stale */
	const char *occurred_at;  /* RFC 3339 from the supplier; NULL: now */
	const char *webhook_id;   /* the inbound delivery that says this; NULL:
				   * the supplier's answer to our delivery */
};

/* Applies c to leg leg_id of ticket ticket_id, in the order of the
 * supplier's clock. actor is "supplier:<key>".
 *
 * A leg the broker ended (withdrawn, rejected, cancelled) takes no more
 * status or comment: an inbound delivery about it is stale; an answer's
 * status is dropped (its external id still applies).
 *
 * An inbound delivery (c->webhook_id set) happened at c->occurred_at, or
 * now when it gives none. One older than the last update applied to the
 * leg is stale: it changes nothing but a "stale_update" event (integrator
 * only) holding what it said; but a journal entry's comment (no status,
 * c->comment_unordered) is still added at its own time, without moving
 * the leg's time, unless the leg ended. Otherwise it is applied, even when it moves
 * the leg back (a supplier reopening its ticket), and the leg keeps its
 * time and webhook id. Equal times apply in arrival order.
 *
 * An answer to our delivery (c->webhook_id NULL) carries no supplier time:
 * its external id always applies, its status only while the supplier has
 * sent no update of the leg (an answer may cross the supplier's first
 * webhook); a differing status after that is recorded as stale.
 *
 * Records accepted (first external id), supplier_update, acknowledged
 * (first status past new), the comment (kt_store_comment_from_supplier:
 * relayed, or recognised as an echo), then refreshes the ticket's
 * consolidated status. *stale (may be NULL) is set when c was stale;
 * *n_messages is increased by the messages a relayed comment queued. Call
 * inside a transaction that holds kt_store_ticket_lock on the ticket. */
int kt_store_leg_update(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c, int *stale,
			int *n_messages, struct kt_err *err);

/* One change without a comment (an answer's external id and status, a
 * link) of kt_store_leg_apply_all. All borrowed. */
struct kt_leg_apply {
	const char *leg_id;
	const char *ticket_id;
	const char *actor;
	const struct kt_leg_change *c;
};

/* kt_store_leg_update() of n such changes, each of another leg, in a
 * fixed number of statements (the legs locked in the order of their
 * ids), events in the order of as; queues nothing. Not for a caller that
 * must know whether a change was stale. */
int kt_store_leg_apply_all(struct kt_db *db, const struct kt_leg_apply *as, size_t n,
			   struct kt_err *err);

/* Applies a rejection of leg leg_id (inbound: c carries webhook_id,
 * occurred_at and maybe external_id; no status or comment), in the order
 * of the supplier's clock like kt_store_leg_update(): a stale one, or one
 * of a leg the broker already ended, sets *stale and is only recorded. A
 * leg that is not open (kt_store_leg_is_open) cannot be rejected (422
 * "invalid_update"). Otherwise the leg is cancelled and ended "rejected",
 * its unsent messages discarded (the supplier gets no cancel), a
 * "rejected" event (the supplier and the integrator see it) recorded, the
 * ticket re-routed (kt_store_route_rejected(); *n_messages is increased
 * by the messages queued) and its consolidated status refreshed. Inside a
 * transaction holding kt_store_ticket_lock. */
int kt_store_leg_reject(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c,
			const struct kt_leg_reject *rj, int *stale, int *n_messages,
			struct kt_err *err);

/* Appends an event to ticket ticket_id's timeline (kt_store_event_add),
 * about leg leg_id (NULL: the ticket as a whole). holder NULL: the leg's
 * supplier while the leg is open (keten_leg_is_open), else the
 * integrator. occurred_at NULL: now. data is stolen. */
int kt_store_leg_event(struct kt_db *db, const char *ticket_id, const char *leg_id,
		       const char *kind, const char *visibility, const char *actor,
		       const char *holder, const char *occurred_at, json_t *data,
		       struct kt_err *err);

#endif
