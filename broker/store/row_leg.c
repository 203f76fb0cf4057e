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

/* The leg's row before a change ($2 webhook id, $3 occurred_at, $4
 * status), locked, with the change's staleness. */
#define LEG_BEFORE \
	"SELECT id, external_id IS NULL AS ext_null, acknowledged, coalesce(CASE" \
	"   WHEN ended IS NOT NULL THEN $2::text IS NOT NULL" \
	"   WHEN $2::text IS NOT NULL THEN coalesce($3::timestamptz, now()) < supplier_time" \
	"   ELSE supplier_time IS NOT NULL AND $4::text <> status END, false) AS stale," \
	"  status, coalesce(kt_ts(supplier_time), '') AS supplier_time," \
	"  coalesce(ended, '') AS ended" \
	" FROM legs WHERE id = $1::uuid FOR UPDATE"

/* Reads LEG_BEFORE's columns 1-6 of res's one row into *b. */
static int leg_before(PGresult *res, struct kt_leg_row *b, struct kt_err *err)
{
	if (PQntuples(res) != 1)
		return kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg");
	b->ext_null = PQgetvalue(res, 0, 1)[0] == 't';
	b->acknowledged = PQgetvalue(res, 0, 2)[0] == 't';
	b->stale = PQgetvalue(res, 0, 3)[0] == 't';
	snprintf(b->status, sizeof(b->status), "%s", PQgetvalue(res, 0, 4));
	snprintf(b->supplier_time, sizeof(b->supplier_time), "%s", PQgetvalue(res, 0, 5));
	snprintf(b->ended, sizeof(b->ended), "%s", PQgetvalue(res, 0, 6));
	return KT_OK;
}

int kt_store_leg_lock(struct kt_db *db, const char *leg_id, const char *webhook_id,
		      const char *occurred_at, const char *status, struct kt_leg_row *b,
		      struct kt_err *err)
{
	const char *params[] = { leg_id, webhook_id, occurred_at, status };
	PGresult *res = kt_db_exec(db, LEG_BEFORE, 4, params, err);
	int rc;

	if (!res)
		return KT_ERR;
	rc = leg_before(res, b, err);
	PQclear(res);
	return rc;
}

int kt_store_leg_lock_set(struct kt_db *db, const char *leg_id, const char *external_id,
			  const char *status, const char *webhook_id, const char *occurred_at,
			  struct kt_leg_row *b, int *acknowledged, struct kt_err *err)
{
	const char *params[] = { leg_id, webhook_id, occurred_at, status, external_id };
	PGresult *res;
	int rc;

	/* The update sees the row as b does (one snapshot) and holds its lock. */
	res = kt_db_exec(db,
		"WITH b AS (" LEG_BEFORE "),"
		" u AS (UPDATE legs l SET external_id = coalesce($5::text, l.external_id),"
		"  status = CASE WHEN b.stale OR b.ended <> '' THEN l.status"
		"   ELSE coalesce($4, l.status) END,"
		"  acknowledged = l.acknowledged OR CASE WHEN b.stale OR b.ended <> ''"
		"   THEN l.status ELSE coalesce($4, l.status) END <> 'new',"
		"  supplier_time = CASE WHEN $2::text IS NULL THEN l.supplier_time"
		"   ELSE coalesce($3::timestamptz, now()) END,"
		"  last_webhook_id = coalesce($2, l.last_webhook_id), updated_at = now()"
		"  FROM b WHERE l.id = b.id AND NOT (b.stale AND ($2::text IS NOT NULL OR $5::text IS NULL))"
		"  RETURNING l.acknowledged)"
		" SELECT b.*, (SELECT acknowledged FROM u) FROM b", 5, params, err);
	if (!res)
		return KT_ERR;
	rc = leg_before(res, b, err);
	*acknowledged = rc == KT_OK && PQgetvalue(res, 0, 7)[0] == 't';
	PQclear(res);
	return rc;
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
