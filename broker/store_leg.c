/* store_leg.c - one supplier statement about a leg, turned into row
 * changes and timeline events (see store_leg.h). */
#include "store_internal.h"
#include "store_leg.h"
#include "store_ticket.h"

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
		return kt_err_set(err, 500, "out_of_memory", "out of memory");
	rc = kt_db_cmd(db,
		"INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder,"
		"  occurred_at, data)"
		" SELECT $1::uuid, $2::uuid, $3, $4, $5,"
		"  coalesce($8, CASE WHEN l.status IN ('resolved', 'closed', 'cancelled')"
		"   THEN 'integrator' ELSE 'supplier:' || s.key END),"
		"  coalesce($6::timestamptz, now()), $7::jsonb"
		" FROM legs l JOIN suppliers s ON s.id = l.supplier_id WHERE l.id = $2::uuid",
		8, params, err);
	free(text);
	return rc;
}

int kt_store_leg_apply(struct kt_db *db, const char *leg_id, const char *ticket_id,
		       const char *actor, const struct kt_leg_change *c,
		       struct kt_err *err)
{
	const char *params[] = { leg_id, c->external_id,
		c->has_status ? kt_status_name(c->status) : NULL };
	PGresult *res;
	int rc = KT_OK;
	char old_ext_null, old_ack, new_ack;
	char old_status[32];

	/* One statement changes the leg and reports what it was before. */
	res = kt_db_exec(db,
		"WITH old AS (SELECT external_id, status, acknowledged FROM legs"
		"  WHERE id = $1::uuid FOR UPDATE)"
		" UPDATE legs l SET external_id = coalesce($2, l.external_id),"
		"  status = coalesce($3, l.status),"
		"  acknowledged = l.acknowledged OR coalesce($3, l.status) <> 'new',"
		"  updated_at = now()"
		" FROM old WHERE l.id = $1::uuid"
		" RETURNING old.external_id IS NULL, old.status, old.acknowledged, l.acknowledged",
		3, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return kt_err_set(err, 404, "unknown_leg", "no such leg");
	}
	old_ext_null = PQgetvalue(res, 0, 0)[0] == 't';
	snprintf(old_status, sizeof(old_status), "%s", PQgetvalue(res, 0, 1));
	old_ack = PQgetvalue(res, 0, 2)[0] == 't';
	new_ack = PQgetvalue(res, 0, 3)[0] == 't';
	PQclear(res);
	if (c->external_id && old_ext_null)
		rc = kt_store_leg_event(db, ticket_id, leg_id, "accepted", "supplier", actor,
					NULL, c->occurred_at,
					json_pack("{s:s}", "external_id", c->external_id), err);
	if (rc == KT_OK && c->has_status && strcmp(old_status, params[2]) != 0)
		rc = kt_store_leg_event(db, ticket_id, leg_id, "supplier_update", "supplier",
					actor, NULL, c->occurred_at,
					json_pack("{s:s, s:s}", "from", old_status, "to", params[2]),
					err);
	if (rc == KT_OK && !old_ack && new_ack)
		rc = kt_store_leg_event(db, ticket_id, leg_id, "acknowledged", "supplier", actor,
					NULL, c->occurred_at,
					json_pack("{s:s}", "status", params[2]), err);
	if (rc == KT_OK && c->comment)
		rc = kt_store_leg_event(db, ticket_id, leg_id, "comment",
					c->comment_public ? "customer" : "supplier", actor, NULL,
					c->occurred_at,
					json_pack("{s:s, s:b}", "text", c->comment,
						  "public", c->comment_public), err);
	if (rc == KT_OK)
		rc = kt_store_ticket_refresh_status(db, ticket_id, actor, err);
	return rc;
}
