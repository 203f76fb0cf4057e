/* store_inbound.c - the supplier lookup of the inbound channel and the
 * exactly-once application of a supplier's delivery. */
#include "auth.h"
#include "intake.h"
#include "store_inbound.h"
#include "store_internal.h"
#include "store_leg.h"
#include "store_ticket.h"

json_t *kt_store_supplier_by_key(struct kt_db *db, const char *key,
				 struct kt_err *err)
{
	const char *params[] = { key };
	int found;
	json_t *v = kt_db_json(db,
		"SELECT json_build_object('id', id, 'key', key, 'adapter', adapter,"
		" 'endpoint', endpoint, 'secret_ref', secret_ref)"
		" FROM suppliers WHERE key = $1", 1, params, &found, err);

	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, 404, "unknown_supplier", "no supplier \"%s\"", key);
	return v;
}

int kt_store_inbound_apply(struct kt_db *db, const json_t *supplier,
			   const char *webhook_id, const struct kt_inbound_update *u,
			   int *duplicate, struct kt_err *err)
{
	const char *sid = json_string_value(json_object_get(supplier, "id"));
	const char *skey = json_string_value(json_object_get(supplier, "key"));
	const char *seen[] = { sid, webhook_id };
	const char *leg[] = { u->leg_id, sid };
	struct kt_leg_change c = {
		.external_id = u->external_id, .has_status = u->has_status,
		.status = u->status, .comment = u->comment,
		.comment_public = u->comment_public, .occurred_at = u->occurred_at,
	};
	char actor[80], ticket_id[KT_UUID_LEN + 1];
	PGresult *res;

	*duplicate = 0;
	snprintf(actor, sizeof(actor), "supplier:%s", skey);
	if (kt_db_begin(db, err))
		return KT_ERR;
	res = kt_db_exec(db,
		"INSERT INTO inbound_deliveries (supplier_id, webhook_id)"
		" VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING RETURNING 1", 2, seen, err);
	if (!res)
		goto fail;
	*duplicate = PQntuples(res) == 0;
	PQclear(res);
	if (*duplicate)
		return kt_db_commit(db, err);
	if (!kt_is_uuid(u->leg_id)) {
		kt_err_set(err, 404, "unknown_leg", "no leg \"%s\" of supplier \"%s\"",
			   u->leg_id, skey);
		goto fail;
	}
	res = kt_db_exec(db,
		"SELECT ticket_id FROM legs WHERE id = $1::uuid AND supplier_id = $2::uuid",
		2, leg, err);
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		PQclear(res);
		kt_err_set(err, 404, "unknown_leg", "no leg \"%s\" of supplier \"%s\"",
			   u->leg_id, skey);
		goto fail;
	}
	snprintf(ticket_id, sizeof(ticket_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (kt_store_ticket_lock(db, ticket_id, err) ||
	    kt_store_leg_apply(db, u->leg_id, ticket_id, actor, &c, err) ||
	    kt_db_commit(db, err))
		goto fail;
	return KT_OK;
fail:
	kt_db_rollback(db);
	return KT_ERR;
}
