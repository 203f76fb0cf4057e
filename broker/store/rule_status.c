/* rule_status.c - the consolidated status of a ticket (see
 * store/rule_status.h), read over all its legs, however many re-routing
 * made. */
#include "keten/model.h"
#include "store/internal.h"
#include "store/rule_sla.h"
#include "store/rule_status.h"

int kt_store_status_refresh(struct kt_db *db, const char *ticket_id,
			    const char *actor, struct kt_err *err)
{
	return kt_store_status_refresh_moved(db, ticket_id, actor, NULL, err);
}

int kt_store_status_refresh_moved(struct kt_db *db, const char *ticket_id,
				  const char *actor, int *moved, struct kt_err *err)
{
	enum kt_status own, now, *legs = NULL;
	char was[32];
	const char *params[] = { ticket_id, NULL, actor, was, kt_db_acting_key(db) };
	PGresult *res;
	size_t n = 0;
	int rows;

	/* A cancelled leg counts for nothing (kt_consolidated_status skips
	 * it): leave those out here, so the legs read are the ones that count. */
	res = kt_db_exec(db,
		"SELECT t.status, t.consolidated, l.status FROM tickets t"
		" LEFT JOIN legs l ON l.ticket_id = t.id AND l.supplier_id IS NOT NULL"
		"  AND l.status <> 'cancelled'"
		" WHERE t.id = $1::uuid ORDER BY l.created_at, l.id", 1, params, err);
	if (!res)
		return KT_ERR;
	rows = PQntuples(res);
	if (rows == 0 || kt_status_parse(PQgetvalue(res, 0, 0), &own) != 0) {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	}
	if (!(legs = calloc((size_t)rows, sizeof(*legs)))) {
		PQclear(res);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	snprintf(was, sizeof(was), "%s", PQgetvalue(res, 0, 1));
	for (int i = 0; i < rows; i++)
		if (!PQgetisnull(res, i, 2) && kt_status_parse(PQgetvalue(res, i, 2), &legs[n]) == 0)
			n++;
	PQclear(res);
	now = kt_consolidated_status(own, legs, n);
	free(legs);
	params[1] = kt_status_name(now);
	if (strcmp(was, params[1]) == 0)
		return KT_OK;
	if (moved)
		*moved = 1;
	if (kt_db_cmd(db,
		"WITH u AS (UPDATE tickets SET consolidated = $2, updated_at = now(),"
		"   resolved_at = CASE WHEN $2 = 'resolved' THEN now()"
		"    WHEN $2 = 'closed' THEN resolved_at END,"
		"   closed_at = CASE WHEN $2 = 'closed' THEN now() END"
		"  WHERE id = $1::uuid RETURNING id)"
		" INSERT INTO events (ticket_id, kind, visibility, actor, holder, occurred_at, data,"
		"  key_id)"
		" SELECT id, 'status_changed', 'customer', $3,"
		"  CASE WHEN $2 IN ('resolved', 'pending_customer') THEN 'customer'"
		"       WHEN $2 IN ('closed', 'cancelled') THEN 'nobody' ELSE 'suppliers' END,"
		"  now(), json_build_object('from', $4::text, 'to', $2::text), $5::uuid FROM u",
		5, params, err))
		return KT_ERR;
	return kt_store_sla_refresh(db, ticket_id, err);
}
