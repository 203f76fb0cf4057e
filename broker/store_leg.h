/* store_leg.h - applying what a supplier says about its leg (from an
 * inbound delivery or from the answer to a delivery) inside the caller's
 * transaction: external id, status, comment, and their timeline events. */
#ifndef KETEN_STORE_LEG_H
#define KETEN_STORE_LEG_H

#include <jansson.h>

#include "keten/model.h"
#include "store.h"

struct kt_leg_change {
	const char *external_id;  /* NULL: unchanged */
	int has_status;
	enum kt_status status;
	const char *comment;      /* NULL: none */
	int comment_public;       /* the customer may see the comment */
	const char *comment_origin; /* the origin marker it carries; NULL: none */
	const char *occurred_at;  /* RFC 3339 from the supplier; NULL: now */
	const char *webhook_id;   /* the inbound delivery that says this; NULL:
				   * the supplier's answer to our delivery */
};

/* Applies c to leg leg_id of ticket ticket_id, in the order of the
 * supplier's clock. actor is "supplier:<key>".
 *
 * An inbound delivery (c->webhook_id set) happened at c->occurred_at, or
 * now when it gives none. One older than the last update applied to the
 * leg is stale: it changes nothing but a "stale_update" event (integrator
 * only) holding what it said. Otherwise it is applied, even when it moves
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
 * consolidated status. *stale (may be NULL) is set when c was stale. Call
 * inside a transaction that holds kt_store_ticket_lock on the ticket. */
int kt_store_leg_update(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c, int *stale,
			struct kt_err *err);

/* kt_store_leg_update() for a caller that need not know whether c was stale. */
int kt_store_leg_apply(struct kt_db *db, const char *leg_id, const char *ticket_id,
		       const char *actor, const struct kt_leg_change *c,
		       struct kt_err *err);

/* Appends an event about leg leg_id to the timeline. holder NULL: the
 * leg's supplier while the leg is open, else the integrator. occurred_at
 * NULL: now. data is stolen. */
int kt_store_leg_event(struct kt_db *db, const char *ticket_id, const char *leg_id,
		       const char *kind, const char *visibility, const char *actor,
		       const char *holder, const char *occurred_at, json_t *data,
		       struct kt_err *err);

#endif
