/* row_ticket.c - the ticket lock and the routing columns of a ticket
 * (see store/row_ticket.h). A row file: the tickets table only. */
#include "base/json_field.h"
#include "store/internal.h"
#include "store/row_ticket.h"

int kt_store_ticket_lock(struct kt_db *db, const char *ticket_id, struct kt_err *err)
{
	const char *params[] = { ticket_id };
	PGresult *res = kt_db_exec(db, "SELECT 1 FROM tickets WHERE id = $1::uuid FOR UPDATE",
				   1, params, err);
	int n;

	if (!res)
		return KT_ERR;
	n = PQntuples(res);
	PQclear(res);
	return n == 1 ? KT_OK : kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
}

int kt_store_ticket_lock_for(struct kt_db *db, const char *ticket_id,
			     const struct kt_principal *p, char *status,
			     struct kt_err *err)
{
	const char *params[] = { ticket_id,
		p->role == KT_ROLE_CUSTOMER ? p->customer_id : NULL };
	PGresult *res;
	int n;

	if (p->role == KT_ROLE_SUPPLIER || !kt_is_uuid(ticket_id))
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	res = kt_db_exec(db,
		"SELECT consolidated FROM tickets WHERE id = $1::uuid"
		" AND ($2::uuid IS NULL OR customer_id = $2::uuid) FOR UPDATE",
		2, params, err);
	if (!res)
		return KT_ERR;
	n = PQntuples(res);
	if (n == 1)
		snprintf(status, 32, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return n == 1 ? KT_OK : kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
}

int kt_store_ticket_read(struct kt_db *db, const char *ticket_id, struct kt_ticket_row *t,
			 struct kt_err *err)
{
	const char *params[] = { ticket_id };
	PGresult *res = kt_db_exec(db,
		"SELECT service_id, chain_version, priority, status, hops, escalated_at IS NOT NULL"
		" FROM tickets WHERE id = $1::uuid", 1, params, err);

	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	}
	snprintf(t->service_id, sizeof(t->service_id), "%s", PQgetvalue(res, 0, 0));
	snprintf(t->version, sizeof(t->version), "%s", PQgetvalue(res, 0, 1));
	snprintf(t->priority, sizeof(t->priority), "%s", PQgetvalue(res, 0, 2));
	snprintf(t->status, sizeof(t->status), "%s", PQgetvalue(res, 0, 3));
	t->hops = (int)strtol(PQgetvalue(res, 0, 4), NULL, 10);
	t->escalated = PQgetvalue(res, 0, 5)[0] == 't';
	PQclear(res);
	return KT_OK;
}

int kt_store_ticket_refuse_closed(const struct kt_ticket_row *t, struct kt_err *err)
{
	if (strcmp(t->status, "closed") != 0 && strcmp(t->status, "cancelled") != 0)
		return 0;
	kt_err_set(err, KT_EC_CONFLICT, "ticket_closed", "the ticket is %s", t->status);
	return 1;
}

int kt_store_ticket_count_hop(struct kt_db *db, const char *ticket_id, int *hops,
			      struct kt_err *err)
{
	const char *params[] = { ticket_id };
	PGresult *res = kt_db_exec(db,
		"UPDATE tickets SET hops = hops + 1, updated_at = now()"
		" WHERE id = $1::uuid RETURNING hops", 1, params, err);

	if (!res)
		return KT_ERR;
	*hops = PQntuples(res) == 1 ? (int)strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return KT_OK;
}

int kt_store_ticket_set_escalated(struct kt_db *db, const char *ticket_id, int escalated,
				  struct kt_err *err)
{
	const char *params[] = { ticket_id, escalated ? "t" : "f" };

	return kt_db_cmd(db,
		"UPDATE tickets SET escalated_at = CASE WHEN $2::boolean THEN now() END,"
		"  updated_at = now() WHERE id = $1::uuid", 2, params, err);
}
