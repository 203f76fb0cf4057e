/* rule_leg.c - one supplier statement about a leg, put in the order of
 * the supplier's clock and turned into row changes and timeline events
 * (see store/rule_leg.h): an update, or a rejection handed on to routing. */
#include "store/internal.h"
#include "store/row_event.h"
#include "store/row_leg.h"
#include "store/row_outbox.h"
#include "store/rule_comment.h"
#include "store/rule_leg.h"
#include "store/rule_route.h"
#include "store/rule_sla.h"
#include "store/rule_status.h"

int kt_store_leg_event(struct kt_db *db, const char *ticket_id, const char *leg_id,
		       const char *kind, const char *visibility, const char *actor,
		       const char *holder, const char *occurred_at, json_t *data,
		       struct kt_err *err)
{
	if (!holder)
		holder = leg_id ? KT_HOLDER_OF_LEG : "integrator";
	return kt_store_event_add(db, ticket_id, leg_id, kind, visibility, actor, holder,
				  occurred_at, data, NULL, NULL, err);
}

/* The stale_update event: what the supplier said, and the time of the
 * update the leg already had. Of an answer only the status is stale. */
static int record_stale(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c,
			const struct kt_leg_row *b, struct kt_err *err)
{
	int inbound = c->webhook_id != NULL;
	json_t *comment = inbound && c->comment
		? json_pack("{s:s, s:b}", "text", c->comment, "public", c->comment_public)
		: NULL;

	return kt_store_leg_event(db, ticket_id, leg_id, "stale_update", "integrator",
		actor, NULL, c->occurred_at,
		json_pack("{s:s, s:s*, s:s*, s:s*, s:o*, s:s*, s:s, s:s*}",
			  "source", inbound ? "inbound" : "answer",
			  "webhook_id", c->webhook_id,
			  "status", c->has_status ? kt_status_name(c->status) : NULL,
			  "external_id", inbound ? c->external_id : NULL,
			  "comment", comment,
			  "occurred_at", c->occurred_at,
			  "last_applied_at", b->supplier_time,
			  "leg_ended", b->ended[0] ? b->ended : NULL),
		err);
}

/* The supplier's comment of c, at its own time. */
static int add_comment(struct kt_db *db, const char *leg_id, const char *ticket_id,
		       const char *actor, const struct kt_leg_change *c, int *n_messages,
		       struct kt_err *err)
{
	const struct kt_supplier_comment sc = {
		.text = c->comment, .public = c->comment_public,
		.origin = c->comment_origin, .occurred_at = c->occurred_at,
	};

	return kt_store_comment_from_supplier(db, ticket_id, leg_id, actor, &sc, n_messages, err);
}

int kt_store_leg_update(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c, int *stale,
			int *n_messages, struct kt_err *err)
{
	const char *status = c->has_status ? kt_status_name(c->status) : NULL;
	struct kt_leg_row old;
	int rc = KT_OK, new_ack, moved = 0;

	if (stale)
		*stale = 0;
	if (kt_store_leg_lock_set(db, leg_id, c->external_id, status, c->webhook_id,
				  c->occurred_at, &old, &new_ack, err))
		return KT_ERR;
	if (old.stale && c->comment_unordered && c->comment && !status && !old.ended[0])
		return add_comment(db, leg_id, ticket_id, actor, c, n_messages, err);
	if (old.stale) {
		if (stale)
			*stale = 1;
		if (record_stale(db, leg_id, ticket_id, actor, c, &old, err))
			return KT_ERR;
		if (c->webhook_id || !c->external_id)
			return KT_OK;
		status = NULL;  /* an answer's external id still holds */
	}
	if (old.ended[0])
		status = NULL;  /* an answer's status echoes what we ended */
	if (c->external_id && old.ext_null)
		rc = kt_store_leg_event(db, ticket_id, leg_id, "accepted", "supplier", actor,
					NULL, c->occurred_at,
					json_pack("{s:s}", "external_id", c->external_id), err);
	if (rc == KT_OK && status && strcmp(old.status, status) != 0)
		rc = kt_store_leg_event(db, ticket_id, leg_id, "supplier_update", "supplier",
					actor, NULL, c->occurred_at,
					json_pack("{s:s, s:s}", "from", old.status, "to", status),
					err);
	if (rc == KT_OK && !old.acknowledged && new_ack)
		rc = kt_store_leg_event(db, ticket_id, leg_id, "acknowledged", "supplier", actor,
					NULL, c->occurred_at,
					json_pack("{s:s?}", "status", status), err);
	if (rc == KT_OK && c->comment)
		rc = add_comment(db, leg_id, ticket_id, actor, c, n_messages, err);
	/* The consolidated status reads only the legs' statuses (and the
	 * ticket's own): unchanged unless this leg's changed. */
	if (rc == KT_OK && status && strcmp(old.status, status) != 0)
		rc = kt_store_status_refresh_moved(db, ticket_id, actor, &moved, err);
	/* the leg's own clocks move with its acknowledgement and status
	 * (refreshed already when the ticket's status moved) */
	if (rc == KT_OK && !moved && ((!old.acknowledged && new_ack) ||
				      (status && strcmp(old.status, status) != 0)))
		rc = kt_store_sla_refresh(db, ticket_id, err);
	return rc;
}

int kt_store_leg_apply(struct kt_db *db, const char *leg_id, const char *ticket_id,
		       const char *actor, const struct kt_leg_change *c,
		       struct kt_err *err)
{
	int none = 0;

	return kt_store_leg_update(db, leg_id, ticket_id, actor, c, NULL, &none, err);
}

int kt_store_leg_reject(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c,
			const struct kt_leg_reject *rj, int *stale, int *n_messages,
			struct kt_err *err)
{
	struct kt_leg_change ext = {
		.external_id = c->external_id, .occurred_at = c->occurred_at,
		.webhook_id = c->webhook_id,
	};
	struct kt_leg_row old;
	enum kt_status status;

	*stale = 0;
	if (kt_store_leg_lock(db, leg_id, c->webhook_id, c->occurred_at, NULL, &old, err))
		return KT_ERR;
	if (old.stale) {
		*stale = 1;
		return record_stale(db, leg_id, ticket_id, actor, c, &old, err);
	}
	if (kt_status_parse(old.status, &status) != 0 ||
	    !kt_store_leg_is_open(status, old.ended[0] != '\0')) {
		kt_err_detail(err, "/reject", "the leg is %s; only an open leg can be rejected",
			      old.status);
		return kt_err_set(err, KT_EC_INVALID, "invalid_update", "leg is %s, not open", old.status);
	}
	/* The supplier's id and time of the rejection hold like an update's. */
	if (kt_store_leg_update(db, leg_id, ticket_id, actor, &ext, NULL, n_messages, err) ||
	    kt_store_leg_end(db, leg_id, "rejected", NULL, err) ||
	    kt_store_outbox_discard_unsent(db, leg_id, "rejected", actor, err) ||
	    kt_store_leg_event(db, ticket_id, leg_id, "rejected", "supplier", actor,
			       "integrator", c->occurred_at,
			       json_pack("{s:s, s:s*}", "reason", rj->reason,
					 "component", rj->component), err) ||
	    kt_store_route_rejected(db, ticket_id, leg_id, rj, actor, n_messages, err))
		return KT_ERR;
	return kt_store_status_refresh(db, ticket_id, actor, err);
}
