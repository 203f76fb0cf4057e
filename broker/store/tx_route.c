/* tx_route.c - the transactions of routing a ticket by hand and of
 * cancelling it (see store/tx_route.h). A transaction file: each
 * function runs one BEGIN..COMMIT and calls rules and rows. */
#include "store/internal.h"
#include "store/row_event.h"
#include "store/row_leg.h"
#include "store/row_ticket.h"
#include "store/rule_route.h"
#include "store/rule_status.h"
#include "store/tx_route.h"

static int has_supplier(const struct kt_route_leg *legs, int n, const char *supplier_id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(legs[i].supplier_id, supplier_id) == 0)
			return 1;
	return 0;
}

static int on_open_leg(PGresult *open, const char *supplier_id)
{
	for (int i = 0; i < PQntuples(open); i++)
		if (!PQgetisnull(open, i, 1) && strcmp(PQgetvalue(open, i, 1), supplier_id) == 0)
			return 1;
	return 0;
}

/* The legs of tg that have no open leg yet, into add; returns how many. */
static int new_targets(const struct kt_route_targets *tg, PGresult *open, struct kt_route_leg *add)
{
	int n = 0;

	for (int i = 0; i < tg->n; i++)
		if (!on_open_leg(open, tg->legs[i].supplier_id))
			add[n++] = tg->legs[i];
	return n;
}

int kt_store_route_manual(struct kt_db *db, const char *ticket_id,
			  const struct kt_route_request *rq, const char *actor,
			  int *n_messages, struct kt_err *err)
{
	struct kt_ticket_row t;
	struct kt_route_targets tg = { 0 };
	struct kt_route_leg add[KT_ROUTE_MAX_LEGS];
	PGresult *open = NULL;
	json_t *from = NULL, *to = NULL, *why = NULL;
	int n_add, n_withdraw = 0, has_triage = 0, hop;

	*n_messages = 0;
	if (kt_db_begin(db, err))
		return KT_ERR;
	if (kt_store_ticket_lock(db, ticket_id, err) || kt_store_ticket_read(db, ticket_id, &t, err) ||
	    kt_store_ticket_refuse_closed(&t, err) ||
	    kt_store_route_targets(db, &t, rq, &tg, err))
		goto fail;
	if (!(open = kt_store_leg_open_list(db, ticket_id, err)))
		goto fail;
	n_add = new_targets(&tg, open, add);
	from = json_array();
	if (!from)
		goto oom;
	for (int i = 0; i < PQntuples(open); i++) {
		if (PQgetisnull(open, i, 1)) {
			has_triage = 1;
		} else if (!has_supplier(tg.legs, tg.n, PQgetvalue(open, i, 1))) {
			n_withdraw++;
			json_array_append_new(from, json_string(PQgetvalue(open, i, 2)));
		}
	}
	hop = t.hops;
	if (n_add + n_withdraw == 0 && !has_triage && !t.escalated)
		goto done;
	if (n_add + n_withdraw > 0 && kt_store_ticket_count_hop(db, ticket_id, &hop, err))
		goto fail;
	if (!(to = kt_store_route_supplier_keys(db, add, (size_t)n_add, err)))
		goto fail;
	if (kt_store_ticket_set_escalated(db, ticket_id, 0, err) ||
	    kt_store_event_add(db, ticket_id, NULL, "rerouted", "integrator", actor, "integrator",
			       NULL, json_pack("{s:s, s:s, s:O, s:O, s:i, s:s*}", "by", "integrator",
					       "reason", rq->reason, "from", from, "to", to,
					       "hop", hop, "component", rq->component),
			       NULL, NULL, err))
		goto fail;
	for (int i = 0; i < PQntuples(open); i++) {
		const char *sid = PQgetisnull(open, i, 1) ? NULL : PQgetvalue(open, i, 1);

		if ((!sid || !has_supplier(tg.legs, tg.n, sid)) &&
		    kt_store_route_end_leg(db, ticket_id, PQgetvalue(open, i, 0),
					   sid ? "withdrawn" : "routed", rq->reason, actor,
					   n_messages, err))
			goto fail;
	}
	why = json_pack("{s:s}", "by", "integrator");
	if (!why)
		goto oom;
	for (int i = 0; i < n_add; i++)
		if (kt_store_route_open_leg(db, ticket_id, add[i].supplier_id,
					    add[i].component_key, hop, actor, why, n_messages, err))
			goto fail;
	if (kt_store_status_refresh(db, ticket_id, actor, err))
		goto fail;
done:
	if (kt_db_commit(db, err))
		goto fail;
	json_decref(why);
	json_decref(from);
	json_decref(to);
	PQclear(open);
	kt_store_route_targets_release(&tg);
	return KT_OK;
oom:
	kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
fail:
	kt_db_rollback(db);
	json_decref(why);
	json_decref(from);
	json_decref(to);
	PQclear(open);
	kt_store_route_targets_release(&tg);
	*n_messages = 0;
	return KT_ERR;
}

int kt_store_route_cancel(struct kt_db *db, const char *ticket_id,
			  const struct kt_principal *p, const char *reason,
			  const char *actor, int *n_messages, struct kt_err *err)
{
	const char *params[] = { ticket_id,
		p->role == KT_ROLE_CUSTOMER ? p->customer_id : NULL };
	struct kt_ticket_row t;
	PGresult *res = NULL;
	int mine;

	*n_messages = 0;
	if (p->role != KT_ROLE_CUSTOMER && p->role != KT_ROLE_INTEGRATOR)
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	if (kt_db_begin(db, err))
		return KT_ERR;
	res = kt_db_exec(db, "SELECT 1 FROM tickets WHERE id = $1::uuid"
			     " AND ($2::uuid IS NULL OR customer_id = $2::uuid)", 2, params, err);
	if (!res)
		goto fail;
	mine = PQntuples(res) == 1;
	PQclear(res);
	res = NULL;
	if (!mine) {
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
		goto fail;
	}
	if (kt_store_ticket_lock(db, ticket_id, err) || kt_store_ticket_read(db, ticket_id, &t, err) ||
	    kt_store_ticket_refuse_closed(&t, err) ||
	    kt_db_cmd(db, "UPDATE tickets SET status = 'cancelled', escalated_at = NULL,"
			  "  updated_at = now() WHERE id = $1::uuid", 1, params, err) ||
	    kt_store_event_add(db, ticket_id, NULL, "cancelled", "customer", actor, "nobody",
			       NULL, json_pack("{s:s}", "text", reason ? reason : "ticket cancelled"),
			       NULL, NULL, err) ||
	    !(res = kt_store_leg_open_list(db, ticket_id, err)))
		goto fail;
	for (int i = 0; i < PQntuples(res); i++)
		if (kt_store_route_end_leg(db, ticket_id, PQgetvalue(res, i, 0), "cancelled",
					   reason, actor, n_messages, err))
			goto fail;
	PQclear(res);
	res = NULL;
	if (kt_store_status_refresh(db, ticket_id, actor, err) || kt_db_commit(db, err))
		goto fail;
	return KT_OK;
fail:
	PQclear(res);
	kt_db_rollback(db);
	*n_messages = 0;
	return KT_ERR;
}
