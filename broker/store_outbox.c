/* store_outbox.c - claiming outbox messages and recording outcomes (see
 * store_outbox.h), with the delivered / dead events on the timeline. */
#include "store_internal.h"
#include "store_leg.h"
#include "store_outbox.h"
#include "store_ticket.h"

static const char *const kind_names[] = {
	"delivered", "not_sent", "ambiguous", "retryable", "permanent",
};

const char *kt_outcome_kind_name(enum kt_outcome_kind kind)
{
	return kind_names[kind];
}

int kt_store_outbox_claim(struct kt_db *db, const char *owner, int limit,
			  int lease_ms, json_t **out, struct kt_err *err)
{
	char lim[16], lease[16];
	const char *params[] = { lim, owner, lease };
	PGresult *res;

	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(lease, sizeof(lease), "%d", lease_ms);
	res = kt_db_exec(db,
		"WITH c AS (SELECT o.id FROM outbox o"
		"  WHERE o.state = 'pending' AND o.due_at <= now()"
		"   AND (o.lease_until IS NULL OR o.lease_until < now())"
		"   AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.leg_id = o.leg_id"
		"     AND p.seq < o.seq AND p.state <> 'done')"
		"  ORDER BY o.priority, o.due_at LIMIT $1::integer FOR UPDATE SKIP LOCKED)"
		" UPDATE outbox o SET lease_owner = $2, lease_token = gen_random_uuid(),"
		"  lease_until = now() + $3::integer * interval '1 millisecond',"
		"  attempts = o.attempts + 1, updated_at = now()"
		" FROM c, legs l, suppliers s"
		" WHERE o.id = c.id AND l.id = o.leg_id AND s.id = l.supplier_id"
		" RETURNING json_build_object('id', o.id::text, 'token', o.lease_token,"
		"  'leg_id', o.leg_id, 'ticket_id', l.ticket_id, 'seq', o.seq,"
		"  'operation', o.operation, 'idempotency_key', o.idempotency_key,"
		"  'attempts', o.attempts, 'supplier', json_build_object('id', s.id,"
		"  'key', s.key, 'adapter', s.adapter, 'endpoint', s.endpoint,"
		"  'secret_ref', s.secret_ref))",
		3, params, err);
	if (!res)
		return KT_ERR;
	*out = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *m = json_loads(PQgetvalue(res, i, 0), 0, NULL);

		if (m)
			json_array_append_new(*out, m);
	}
	PQclear(res);
	return KT_OK;
}

static char *outcome_json(const struct kt_outcome *o)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "kind", kt_outcome_kind_name(o->kind),
			      "code", o->code, "message", o->message);
	char *text;

	if (o->http_status)
		json_object_set_new(j, "http_status", json_integer(o->http_status));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}

int kt_store_outbox_finish(struct kt_db *db, const char *id, const char *token,
			   const struct kt_outcome *o, int *stale, struct kt_err *err)
{
	char delay[24];
	char *outcome = outcome_json(o);
	const char *state = o->kind == KT_OUT_DELIVERED ? "done"
			  : o->kind == KT_OUT_PERMANENT ? "dead" : "pending";
	const char *params[] = { id, token, state, delay, outcome };
	PGresult *res = NULL;
	int rc = KT_ERR;

	*stale = 0;
	if (!outcome)
		return kt_err_set(err, 500, "out_of_memory", "out of memory");
	snprintf(delay, sizeof(delay), "%lld", o->retry_in_ms);
	if (kt_db_begin(db, err))
		goto out;
	res = kt_db_exec(db,
		"UPDATE outbox o SET state = $3, outcome = $5::jsonb, lease_owner = NULL,"
		"  lease_token = NULL, lease_until = NULL, updated_at = now(),"
		"  due_at = CASE WHEN $3 = 'pending'"
		"   THEN now() + $4::bigint * interval '1 millisecond' ELSE o.due_at END"
		" FROM legs l, suppliers s"
		" WHERE o.id = $1::bigint AND o.lease_token = $2::uuid"
		"  AND l.id = o.leg_id AND s.id = l.supplier_id"
		" RETURNING o.leg_id, l.ticket_id, 'supplier:' || s.key, o.operation, o.attempts",
		5, params, err);
	if (!res)
		goto rollback;
	if (PQntuples(res) != 1) {
		*stale = 1;
		rc = KT_OK;
		goto rollback;
	}
	if ((o->kind == KT_OUT_DELIVERED || o->kind == KT_OUT_PERMANENT) &&
	    (kt_store_ticket_lock(db, PQgetvalue(res, 0, 1), err) ||
	     kt_store_leg_event(db, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0),
		o->kind == KT_OUT_DELIVERED ? "delivered" : "delivery_dead", "integrator",
		"system", o->kind == KT_OUT_DELIVERED ? NULL : "integrator", NULL,
		json_pack("{s:s, s:I, s:o}", "operation", PQgetvalue(res, 0, 3),
			  "attempts", (json_int_t)strtoll(PQgetvalue(res, 0, 4), NULL, 10),
			  "outcome", json_loads(outcome, 0, NULL)),
		err)))
		goto rollback;
	if (o->kind == KT_OUT_DELIVERED && (o->external_id || o->has_status)) {
		struct kt_leg_change c = {
			.external_id = o->external_id, .has_status = o->has_status,
			.status = o->status,
		};

		if (kt_store_leg_apply(db, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
				       PQgetvalue(res, 0, 2), &c, err))
			goto rollback;
	}
	if (kt_db_commit(db, err))
		goto rollback;
	rc = KT_OK;
	goto out;
rollback:
	kt_db_rollback(db);
out:
	PQclear(res);
	free(outcome);
	return rc;
}
