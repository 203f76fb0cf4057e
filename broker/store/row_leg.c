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

PGresult *kt_store_leg_lock_set_all(struct kt_db *db, json_t *rows, struct kt_err *err)
{
	char *text = json_dumps(rows, JSON_COMPACT);
	const char *params[] = { text };
	PGresult *res;

	if (!text) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	/* b reads each leg as it was and locks it; u sees the same snapshot. */
	res = kt_db_exec(db,
		"WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i integer, leg uuid,"
		"   webhook_id text, occurred_at timestamptz, status text, external_id text,"
		"   set boolean)),"
		" b AS (SELECT x.*, l.external_id IS NULL AS ext_null, l.acknowledged, coalesce(CASE"
		"   WHEN l.ended IS NOT NULL THEN x.webhook_id IS NOT NULL"
		"   WHEN x.webhook_id IS NOT NULL THEN coalesce(x.occurred_at, now()) < l.supplier_time"
		"   ELSE l.supplier_time IS NOT NULL AND x.status <> l.status END, false) AS stale,"
		"  l.status AS was, coalesce(kt_ts(l.supplier_time), '') AS was_time,"
		"  coalesce(l.ended, '') AS ended"
		"  FROM x JOIN legs l ON l.id = x.leg ORDER BY l.id FOR UPDATE OF l),"
		" u AS (UPDATE legs l SET external_id = coalesce(b.external_id, l.external_id),"
		"  status = CASE WHEN b.stale OR b.ended <> '' THEN l.status"
		"   ELSE coalesce(b.status, l.status) END,"
		"  acknowledged = l.acknowledged OR CASE WHEN b.stale OR b.ended <> ''"
		"   THEN l.status ELSE coalesce(b.status, l.status) END <> 'new',"
		"  supplier_time = CASE WHEN b.webhook_id IS NULL THEN l.supplier_time"
		"   ELSE coalesce(b.occurred_at, now()) END,"
		"  last_webhook_id = coalesce(b.webhook_id, l.last_webhook_id), updated_at = now()"
		"  FROM b WHERE l.id = b.leg AND b.set"
		"   AND NOT (b.stale AND (b.webhook_id IS NOT NULL OR b.external_id IS NULL))"
		"  RETURNING l.id, l.acknowledged)"
		" SELECT b.i, b.ext_null, b.acknowledged, b.stale, b.was, b.was_time, b.ended,"
		"  u.acknowledged FROM b LEFT JOIN u ON u.id = b.leg ORDER BY b.i",
		1, params, err);
	free(text);
	return res;
}

long long kt_store_leg_row_read(PGresult *res, int r, struct kt_leg_row *b, int *acknowledged)
{
	b->ext_null = PQgetvalue(res, r, 1)[0] == 't';
	b->acknowledged = PQgetvalue(res, r, 2)[0] == 't';
	b->stale = PQgetvalue(res, r, 3)[0] == 't';
	snprintf(b->status, sizeof(b->status), "%s", PQgetvalue(res, r, 4));
	snprintf(b->supplier_time, sizeof(b->supplier_time), "%s", PQgetvalue(res, r, 5));
	snprintf(b->ended, sizeof(b->ended), "%s", PQgetvalue(res, r, 6));
	*acknowledged = PQgetvalue(res, r, 7)[0] == 't';
	return strtoll(PQgetvalue(res, r, 0), NULL, 10);
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
		"  ended = $2, ended_at = now(), updated_at = now(),"
		"  ended_event = (SELECT coalesce(max(e.id), 0) FROM events e"
		"   WHERE e.ticket_id = legs.ticket_id)"
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
