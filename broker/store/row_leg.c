/* row_leg.c - one leg's row (see store/row_leg.h): the open rule, the
 * read under lock, what a supplier's word and the broker's routing set,
 * and a ticket's open legs. A row file: the legs table (a supplier's key
 * is read beside its leg). */
#include "store/row_leg.h"

int kt_store_leg_is_open(enum kt_status status, int ended)
{
	return !ended && status != KT_ST_RESOLVED && status != KT_ST_CLOSED &&
	       status != KT_ST_CANCELLED;
}

int kt_store_leg_lock(struct kt_db *db, const char *leg_id, const char *webhook_id,
		      const char *occurred_at, const char *status, struct kt_leg_row *b,
		      struct kt_err *err)
{
	const char *params[] = { leg_id, webhook_id, occurred_at, status };
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

int kt_store_leg_set(struct kt_db *db, const char *leg_id, const char *external_id,
		     const char *status, const char *webhook_id, const char *occurred_at,
		     int *acknowledged, struct kt_err *err)
{
	const char *params[] = { leg_id, external_id, status, webhook_id, occurred_at };
	PGresult *res = kt_db_exec(db,
		"UPDATE legs SET external_id = coalesce($2, external_id),"
		"  status = coalesce($3, status),"
		"  acknowledged = acknowledged OR coalesce($3, status) <> 'new',"
		"  supplier_time = CASE WHEN $4::text IS NULL THEN supplier_time"
		"   ELSE coalesce($5::timestamptz, now()) END,"
		"  last_webhook_id = coalesce($4, last_webhook_id), updated_at = now()"
		" WHERE id = $1::uuid RETURNING acknowledged", 5, params, err);

	if (!res)
		return KT_ERR;
	*acknowledged = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return KT_OK;
}

int kt_store_leg_set_status(struct kt_db *db, const char *leg_id, const char *status,
			    struct kt_err *err)
{
	const char *params[] = { leg_id, status };

	return kt_db_cmd(db, "UPDATE legs SET status = $2, updated_at = now()"
			     " WHERE id = $1::uuid", 2, params, err);
}

int kt_store_leg_end(struct kt_db *db, const char *leg_id, const char *ended,
		     char *supplier, struct kt_err *err)
{
	const char *params[] = { leg_id, ended };
	PGresult *res = kt_db_exec(db,
		"UPDATE legs SET status = CASE WHEN $2 = 'routed' THEN 'closed' ELSE 'cancelled' END,"
		"  ended = $2, ended_at = now(), updated_at = now()"
		" WHERE id = $1::uuid AND ended IS NULL"
		" RETURNING (SELECT s.key FROM suppliers s WHERE s.id = supplier_id)",
		2, params, err);

	if (!res)
		return KT_ERR;
	if (supplier) {
		supplier[0] = '\0';
		if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
			snprintf(supplier, 72, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return KT_OK;
}

PGresult *kt_store_leg_open_list(struct kt_db *db, const char *ticket_id,
				 struct kt_err *err)
{
	const char *params[] = { ticket_id };

	return kt_db_exec(db,
		"SELECT l.id, l.supplier_id, s.key FROM legs l"
		" LEFT JOIN suppliers s ON s.id = l.supplier_id"
		" WHERE l.ticket_id = $1::uuid AND keten_leg_is_open(l.status, l.ended)"
		" ORDER BY l.created_at, l.id", 1, params, err);
}

int kt_store_leg_triage_open(struct kt_db *db, const char *ticket_id, int *open,
			     struct kt_err *err)
{
	const char *params[] = { ticket_id };
	PGresult *res = kt_db_exec(db,
		"SELECT 1 FROM legs l WHERE l.ticket_id = $1::uuid AND l.supplier_id IS NULL"
		" AND keten_leg_is_open(l.status, l.ended)", 1, params, err);

	if (!res)
		return KT_ERR;
	*open = PQntuples(res) > 0;
	PQclear(res);
	return KT_OK;
}
