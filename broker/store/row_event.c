/* row_event.c - appending to a ticket's timeline (see store/row_event.h).
 * A row file: the events table only. */
#include "store/internal.h"
#include "store/row_event.h"

/* The holder KT_HOLDER_OF_LEG of an event about leg (an SQL uuid). */
#define HOLDER_OF_LEG(leg) \
	"coalesce((SELECT 'supplier:' || s.key FROM legs l" \
	"  JOIN suppliers s ON s.id = l.supplier_id" \
	"  WHERE l.id = " leg " AND keten_leg_is_open(l.status, l.ended)), 'integrator')"

int kt_store_event_add(struct kt_db *db, const char *ticket_id, const char *leg_id,
		       const char *kind, const char *visibility, const char *actor,
		       const char *holder, const char *occurred_at, json_t *data,
		       char *id, char *at, struct kt_err *err)
{
	char *text = json_dumps(data, JSON_COMPACT);
	const char *params[] = { ticket_id, leg_id, kind, visibility, actor,
				 occurred_at, text, holder, kt_db_acting_key(db) };
	PGresult *res;

	json_decref(data);
	if (!text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	res = kt_db_exec(db,
		"INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder,"
		"  occurred_at, data, key_id)"
		" VALUES ($1::uuid, $2::uuid, $3, $4, $5, coalesce(CASE WHEN $8 = '" KT_HOLDER_OF_LEG "'"
		"   THEN " HOLDER_OF_LEG("$2::uuid") " ELSE $8 END, (SELECT holder FROM events"
		"   WHERE ticket_id = $1::uuid ORDER BY id DESC LIMIT 1), 'integrator'),"
		"  coalesce($6::timestamptz, now()), $7::jsonb, $9::uuid)"
		" RETURNING id, kt_ts(occurred_at)", 9, params, err);
	free(text);
	if (!res)
		return KT_ERR;
	if (id)
		snprintf(id, 24, "%s", PQgetvalue(res, 0, 0));
	if (at)
		snprintf(at, 40, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return KT_OK;
}

int kt_store_event_add_all(struct kt_db *db, json_t *events, struct kt_err *err)
{
	char *text;
	const char *params[2];
	int rc;

	if (json_array_size(events) == 0)
		return KT_OK;
	if (!(text = json_dumps(events, JSON_COMPACT)))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	params[0] = text;
	params[1] = kt_db_acting_key(db);
	rc = kt_db_cmd(db,
		"INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder,"
		"  occurred_at, data, key_id)"
		" SELECT e.ticket_id, e.leg_id, e.kind, e.visibility, e.actor,"
		"  CASE WHEN e.holder = '" KT_HOLDER_OF_LEG "' THEN " HOLDER_OF_LEG("e.leg_id")
		"  ELSE e.holder END, coalesce(e.occurred_at, now()), e.data, $2::uuid"
		" FROM jsonb_to_recordset($1::jsonb) AS e(i integer, ticket_id uuid, leg_id uuid,"
		"  kind text, visibility text, actor text, holder text, occurred_at timestamptz,"
		"  data jsonb)"
		" ORDER BY e.i", 2, params, err);
	free(text);
	return rc;
}
