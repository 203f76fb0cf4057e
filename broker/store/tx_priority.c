/* tx_priority.c - impact, urgency and priority of a ticket changed (see
 * store/tx_priority.h). */
#include "keten/model.h"
#include "store/internal.h"
#include "store/row_ticket.h"
#include "store/rule_sla.h"
#include "store/tx_priority.h"

int kt_store_priority_change(struct kt_db *db, const char *id, const struct kt_principal *p,
			     int impact, int urgency, struct kt_err *err)
{
	char status[32], imp[4], urg[4], pri[4], actor[80];
	const char *params[] = { id, imp, urg, pri, actor, kt_db_acting_key(db) };
	PGresult *res;
	int moved;

	snprintf(imp, sizeof(imp), "%d", impact);
	snprintf(urg, sizeof(urg), "%d", urgency);
	snprintf(pri, sizeof(pri), "%d", kt_priority(impact, urgency));
	kt_principal_actor(p, actor, sizeof(actor));
	if (kt_db_begin(db, err))
		return KT_ERR;
	if (kt_store_ticket_lock_for(db, id, p, status, err))
		goto fail;
	if (strcmp(status, "closed") == 0 || strcmp(status, "cancelled") == 0) {
		kt_err_set(err, KT_EC_CONFLICT, "ticket_closed", "the ticket is %s", status);
		goto fail;
	}
	/* One statement: the row, and the event when the priority moved
	 * (whoever held the ticket still does). */
	res = kt_db_exec(db,
		"WITH o AS (SELECT priority FROM tickets WHERE id = $1::uuid),"
		" u AS (UPDATE tickets SET impact = $2::smallint, urgency = $3::smallint,"
		"   priority = $4::smallint, updated_at = now()"
		"  WHERE id = $1::uuid AND (impact, urgency) <> ($2::smallint, $3::smallint)"
		"  RETURNING id),"
		" e AS (INSERT INTO events (ticket_id, kind, visibility, actor, holder, occurred_at,"
		"   data, key_id)"
		"  SELECT u.id, 'priority_changed', 'customer', $5,"
		"   coalesce((SELECT holder FROM events WHERE ticket_id = u.id ORDER BY id DESC LIMIT 1),"
		"    'integrator'), now(),"
		"   json_build_object('from', o.priority, 'to', $4::integer), $6::uuid"
		"  FROM u, o WHERE o.priority <> $4::smallint RETURNING id)"
		" SELECT (SELECT count(*) FROM u)", 6, params, err);
	if (!res)
		goto fail;
	moved = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	if ((moved && kt_store_sla_refresh(db, id, err)) || kt_db_commit(db, err))
		goto fail;
	return KT_OK;
fail:
	kt_db_rollback(db);
	return KT_ERR;
}
