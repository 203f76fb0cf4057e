/* tx_inbound.c - the exactly-once application of a supplier's delivery
 * (see store/tx_inbound.h). A transaction file: one BEGIN..COMMIT. */
#include "http/auth.h"
#include "base/json_field.h"
#include "store/internal.h"
#include "store/row_ticket.h"
#include "store/rule_leg.h"
#include "store/tx_inbound.h"

int kt_store_inbound_apply(struct kt_db *db, const json_t *supplier,
			   const char *webhook_id, const struct kt_inbound_update *u,
			   const struct kt_inbound_policy *pol,
			   enum kt_inbound_result *result, int *n_messages,
			   struct kt_err *err)
{
	const int ahead_s = pol->ahead_s;
	const struct kt_leg_reject rj = {
		.reason = u->reject_reason, .component = u->reject_component,
		.hop_limit = pol->hop_limit,
	};
	const char *sid = json_string_value(json_object_get(supplier, "id"));
	const char *skey = json_string_value(json_object_get(supplier, "key"));
	const char *seen[] = { sid, webhook_id };
	char ahead[16];
	const char *leg[] = { u->leg_id, sid, u->occurred_at, ahead, u->external_id };
	struct kt_leg_change c = {
		.external_id = u->external_id, .has_status = u->has_status,
		.status = u->status, .comment = u->comment,
		.comment_public = u->comment_public, .comment_origin = u->comment_origin,
		.comment_unordered = u->comment_unordered,
		.occurred_at = u->occurred_at,
		.webhook_id = webhook_id,
	};
	char actor[80], ticket_id[KT_UUID_LEN + 1], leg_id[KT_UUID_LEN + 1];
	PGresult *res;
	enum kt_status leg_status;
	int in_future, stale;

	*result = KT_INBOUND_APPLIED;
	*n_messages = 0;
	snprintf(actor, sizeof(actor), "supplier:%s", skey);
	snprintf(ahead, sizeof(ahead), "%d", ahead_s);
	if (kt_db_begin(db, err))
		return KT_ERR;
	res = kt_db_exec(db,
		"INSERT INTO inbound_deliveries (supplier_id, webhook_id)"
		" VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING RETURNING 1", 2, seen, err);
	if (!res)
		goto fail;
	if (PQntuples(res) == 0)
		*result = KT_INBOUND_DUPLICATE;
	PQclear(res);
	if (*result == KT_INBOUND_DUPLICATE)
		return kt_db_commit(db, err);
	/* The leg by our reference, or by the supplier's own id when the
	 * update names only that (its latest leg with that id). */
	if (u->leg_id ? !kt_is_uuid(u->leg_id) : !u->external_id) {
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no leg \"%s\" of supplier \"%s\"",
			   u->leg_id ? u->leg_id : "", skey);
		goto fail;
	}
	res = kt_db_exec(db,
		"SELECT ticket_id, $3::timestamptz > now() + $4::integer * interval '1 second',"
		"  id::text, status FROM legs WHERE supplier_id = $2::uuid"
		"  AND CASE WHEN $1::text IS NULL THEN external_id = $5 ELSE id = $1::uuid END"
		" ORDER BY created_at DESC LIMIT 1",
		5, leg, err);
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		PQclear(res);
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no leg \"%s\" of supplier \"%s\"",
			   u->leg_id ? u->leg_id : u->external_id, skey);
		goto fail;
	}
	snprintf(leg_id, sizeof(leg_id), "%s", PQgetvalue(res, 0, 2));
	snprintf(ticket_id, sizeof(ticket_id), "%s", PQgetvalue(res, 0, 0));
	in_future = PQgetvalue(res, 0, 1)[0] == 't';
	if (kt_status_parse(PQgetvalue(res, 0, 3), &leg_status) != 0)
		leg_status = KT_ST_NEW;
	PQclear(res);
	if (u->has_status && !u->reject && !kt_status_supplier_may_set(leg_status, u->status)) {
		kt_err_detail(err, "/status", "a supplier may not set its own leg to %s from %s",
			      kt_status_name(u->status), kt_status_name(leg_status));
		kt_err_set(err, KT_EC_INVALID, "status_not_allowed",
			   u->status == KT_ST_CANCELLED
				   ? "a supplier cannot cancel its leg: reject it (the broker re-routes) "
				     "or ask the integrator"
				   : "a supplier can close its leg only once it is resolved");
		goto fail;
	}
	if (in_future) {
		kt_err_detail(err, "/occurred_at", "is more than %d s ahead of the broker's clock",
			      ahead_s);
		kt_err_set(err, KT_EC_INVALID, "invalid_update", "occurred_at \"%s\" is in the future",
			   u->occurred_at);
		goto fail;
	}
	if (kt_store_ticket_lock(db, ticket_id, err) ||
	    (u->reject ? kt_store_leg_reject(db, leg_id, ticket_id, actor, &c, &rj, &stale,
					     n_messages, err)
		       : kt_store_leg_update(db, leg_id, ticket_id, actor, &c, &stale,
					     n_messages, err)) ||
	    kt_db_commit(db, err))
		goto fail;
	if (stale)
		*result = KT_INBOUND_STALE;
	return KT_OK;
fail:
	kt_db_rollback(db);
	*n_messages = 0;
	return KT_ERR;
}

int kt_store_inbound_purge(struct kt_db *db, int retention_s, int batch, int *deleted,
			   struct kt_err *err)
{
	return kt_db_purge(db, KT_DB_PURGE_SQL("inbound_deliveries", "received_at"), retention_s,
			   batch, deleted, err);
}
