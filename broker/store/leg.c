/* leg.c - one supplier statement about a leg, put in the order of
 * the supplier's clock and turned into row changes and timeline events
 * (see store/leg.h): an update, or a rejection handed on to routing. */
#include "store/comment.h"
#include "store/internal.h"
#include "store/leg.h"
#include "store/outbox.h"
#include "store/route.h"
#include "store/ticket.h"

int kt_store_leg_event(struct kt_db *db, const char *ticket_id, const char *leg_id,
		       const char *kind, const char *visibility, const char *actor,
		       const char *holder, const char *occurred_at, json_t *data,
		       struct kt_err *err)
{
	char *text = json_dumps(data, JSON_COMPACT);
	const char *params[] = { ticket_id, leg_id, kind, visibility, actor, occurred_at,
				 text, holder };
	int rc;

	json_decref(data);
	if (!text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	rc = kt_db_cmd(db,
		"INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder,"
		"  occurred_at, data)"
		" SELECT $1::uuid, x.id, $3, $4, $5,"
		"  coalesce($8, CASE WHEN s.key IS NULL"
		"   OR l.status IN ('resolved', 'closed', 'cancelled')"
		"   THEN 'integrator' ELSE 'supplier:' || s.key END),"
		"  coalesce($6::timestamptz, now()), $7::jsonb"
		" FROM (SELECT $2::uuid AS id) x LEFT JOIN legs l ON l.id = x.id"
		" LEFT JOIN suppliers s ON s.id = l.supplier_id",
		8, params, err);
	free(text);
	return rc;
}

/* The leg as it was before a change, read under its row lock. */
struct leg_before {
	int ext_null;
	int acknowledged;
	int stale;                /* the change is older than the leg's last update,
				   * or an inbound one of a leg the broker ended */
	char status[32];
	char supplier_time[40];   /* RFC 3339 of the last applied update; "" none */
	char ended[16];           /* why the broker ended the leg; "" it did not */
};

/* Locks leg_id and reads it, deciding whether c is stale (store/leg.h). */
static int lock_leg(struct kt_db *db, const char *leg_id,
		    const struct kt_leg_change *c, const char *status,
		    struct leg_before *b, struct kt_err *err)
{
	const char *params[] = { leg_id, c->webhook_id, c->occurred_at, status };
	PGresult *res = kt_db_exec(db,
		"SELECT external_id IS NULL, acknowledged, coalesce(CASE"
		"   WHEN ended IS NOT NULL THEN $2::text IS NOT NULL"
		"   WHEN $2::text IS NOT NULL THEN coalesce($3::timestamptz, now()) < supplier_time"
		"   ELSE supplier_time IS NOT NULL AND $4::text <> status END, false),"
		"  status, coalesce(kt_ts(supplier_time), ''), coalesce(ended, '')"
		" FROM legs WHERE id = $1::uuid FOR UPDATE", 4, params, err);

	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg");
	}
	b->ext_null = PQgetvalue(res, 0, 0)[0] == 't';
	b->acknowledged = PQgetvalue(res, 0, 1)[0] == 't';
	b->stale = PQgetvalue(res, 0, 2)[0] == 't';
	snprintf(b->status, sizeof(b->status), "%s", PQgetvalue(res, 0, 3));
	snprintf(b->supplier_time, sizeof(b->supplier_time), "%s", PQgetvalue(res, 0, 4));
	snprintf(b->ended, sizeof(b->ended), "%s", PQgetvalue(res, 0, 5));
	PQclear(res);
	return KT_OK;
}

/* The stale_update event: what the supplier said, and the time of the
 * update the leg already had. Of an answer only the status is stale. */
static int record_stale(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c,
			const struct leg_before *b, struct kt_err *err)
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

int kt_store_leg_update(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c, int *stale,
			struct kt_err *err)
{
	const char *status = c->has_status ? kt_status_name(c->status) : NULL;
	const char *params[] = { leg_id, c->external_id, status, c->webhook_id,
				 c->occurred_at };
	struct leg_before old;
	PGresult *res;
	int rc = KT_OK, new_ack;

	if (stale)
		*stale = 0;
	if (lock_leg(db, leg_id, c, status, &old, err))
		return KT_ERR;
	if (old.stale) {
		if (stale)
			*stale = 1;
		if (record_stale(db, leg_id, ticket_id, actor, c, &old, err))
			return KT_ERR;
		if (c->webhook_id || !c->external_id)
			return KT_OK;
		params[2] = status = NULL;  /* an answer's external id still holds */
	}
	if (old.ended[0])
		params[2] = status = NULL;  /* an answer's status echoes what we ended */
	res = kt_db_exec(db,
		"UPDATE legs SET external_id = coalesce($2, external_id),"
		"  status = coalesce($3, status),"
		"  acknowledged = acknowledged OR coalesce($3, status) <> 'new',"
		"  supplier_time = CASE WHEN $4::text IS NULL THEN supplier_time"
		"   ELSE coalesce($5::timestamptz, now()) END,"
		"  last_webhook_id = coalesce($4, last_webhook_id), updated_at = now()"
		" WHERE id = $1::uuid RETURNING acknowledged", 5, params, err);
	if (!res)
		return KT_ERR;
	new_ack = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
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
	if (rc == KT_OK && c->comment) {
		const struct kt_supplier_comment sc = {
			.text = c->comment, .public = c->comment_public,
			.origin = c->comment_origin, .occurred_at = c->occurred_at,
		};

		rc = kt_store_comment_from_supplier(db, ticket_id, leg_id, actor, &sc, err);
	}
	if (rc == KT_OK)
		rc = kt_store_ticket_refresh_status(db, ticket_id, actor, err);
	return rc;
}

int kt_store_leg_apply(struct kt_db *db, const char *leg_id, const char *ticket_id,
		       const char *actor, const struct kt_leg_change *c,
		       struct kt_err *err)
{
	return kt_store_leg_update(db, leg_id, ticket_id, actor, c, NULL, err);
}

int kt_store_leg_reject(struct kt_db *db, const char *leg_id, const char *ticket_id,
			const char *actor, const struct kt_leg_change *c,
			const struct kt_leg_reject *rj, int *stale, int *n_messages,
			struct kt_err *err)
{
	const char *params[] = { leg_id };
	struct kt_leg_change ext = {
		.external_id = c->external_id, .occurred_at = c->occurred_at,
		.webhook_id = c->webhook_id,
	};
	struct leg_before old;

	*stale = 0;
	if (lock_leg(db, leg_id, c, NULL, &old, err))
		return KT_ERR;
	if (old.stale) {
		*stale = 1;
		return record_stale(db, leg_id, ticket_id, actor, c, &old, err);
	}
	if (strcmp(old.status, "resolved") == 0 || strcmp(old.status, "closed") == 0 ||
	    strcmp(old.status, "cancelled") == 0) {
		kt_err_detail(err, "/reject", "the leg is %s; only an open leg can be rejected",
			      old.status);
		return kt_err_set(err, KT_EC_INVALID, "invalid_update", "leg is %s, not open", old.status);
	}
	/* The supplier's id and time of the rejection hold like an update's. */
	if (kt_store_leg_update(db, leg_id, ticket_id, actor, &ext, NULL, err) ||
	    kt_db_cmd(db, "UPDATE legs SET status = 'cancelled', ended = 'rejected',"
			  "  ended_at = now(), updated_at = now() WHERE id = $1::uuid",
		      1, params, err) ||
	    kt_store_outbox_discard_unsent(db, leg_id, "rejected", actor, err) ||
	    kt_store_leg_event(db, ticket_id, leg_id, "rejected", "supplier", actor,
			       "integrator", c->occurred_at,
			       json_pack("{s:s, s:s*}", "reason", rj->reason,
					 "component", rj->component), err) ||
	    kt_store_route_rejected(db, ticket_id, leg_id, rj, actor, n_messages, err))
		return KT_ERR;
	return kt_store_ticket_refresh_status(db, ticket_id, actor, err);
}
