/* ticket.c - the intake transaction, reading tickets (one full
 * record, a page of the caller's tickets, or a service's tickets of some
 * kinds) and the consolidated status kept on the ticket row. */
#include "routing/routing.h"
#include "store/internal.h"
#include "store/route.h"
#include "store/ticket.h"

/* The ticket waits in the integrator's triage queue: it has a triage leg
 * (no supplier) the broker did not end. */
#define NEEDS_TRIAGE \
	"EXISTS (SELECT 1 FROM legs x WHERE x.ticket_id = t.id" \
	"  AND x.supplier_id IS NULL AND x.ended IS NULL)"

/* The full record of the tickets selected by the WHERE clause that
 * follows; one json column. Shared by the one-ticket read and the list. */
#define TICKET_JSON(with_timeline) \
	"SELECT json_build_object(" \
	" 'id', t.id, 'number', t.number, 'type', t.type, 'summary', t.summary," \
	" 'description', t.description, 'impact', t.impact, 'urgency', t.urgency," \
	" 'priority', t.priority, 'status', t.consolidated, 'own_status', t.status," \
	" 'component_key', t.component_key, 'chain_version', t.chain_version," \
	" 'category', t.category, 'ci', t.ci, 'hops', t.hops," \
	" 'escalated', t.escalated_at IS NOT NULL, 'escalated_at', kt_ts(t.escalated_at)," \
	" 'created_at', kt_ts(t.created_at), 'updated_at', kt_ts(t.updated_at)," \
	" 'customer', json_build_object('id', c.id, 'key', c.key, 'name', c.name)," \
	" 'service', json_build_object('id', s.id, 'key', s.key, 'name', s.name)," \
	" 'needs_triage', " NEEDS_TRIAGE "," \
	" 'legs', coalesce((SELECT json_agg(json_build_object(" \
	"   'id', l.id, 'status', l.status, 'external_id', l.external_id," \
	"   'component_key', l.component_key, 'hops', l.hops," \
	"   'ended', l.ended, 'ended_at', kt_ts(l.ended_at)," \
	"   'delivery_delayed_at', kt_ts(l.delivery_delayed_at)," \
	"   'created_at', kt_ts(l.created_at), 'updated_at', kt_ts(l.updated_at)," \
	"   'supplier', CASE WHEN sp.id IS NULL THEN NULL ELSE" \
	"     json_build_object('id', sp.id, 'key', sp.key, 'name', sp.name," \
	"       'visibility', sp.visibility) END," \
	"   'delivery', (SELECT json_build_object('state', o.state, 'operation', o.operation," \
	"       'seq', o.seq, 'attempts', o.attempts, 'due_at', kt_ts(o.due_at), 'outcome', o.outcome)" \
	"     FROM outbox o WHERE o.leg_id = l.id" \
	"     ORDER BY o.state IN ('done', 'discarded')," \
	"       CASE WHEN o.state IN ('done', 'discarded') THEN -o.seq ELSE o.seq END" \
	"     LIMIT 1)" \
	"   ) ORDER BY l.created_at, l.id)" \
	"   FROM legs l LEFT JOIN suppliers sp ON sp.id = l.supplier_id" \
	"   WHERE l.ticket_id = t.id), '[]'::json)" \
	with_timeline \
	" ), kt_ts(t.created_at), t.created_at, t.id" \
	" FROM tickets t JOIN services s ON s.id = t.service_id" \
	" JOIN customers c ON c.id = t.customer_id"

#define TIMELINE_JSON \
	", 'timeline', coalesce((SELECT json_agg(json_build_object(" \
	"   'id', e.id, 'leg_id', e.leg_id, 'kind', e.kind, 'visibility', e.visibility," \
	"   'actor', e.actor, 'holder', e.holder, 'occurred_at', kt_ts(e.occurred_at)," \
	"   'recorded_at', kt_ts(e.recorded_at), 'data', e.data) ORDER BY e.id)" \
	"   FROM events e WHERE e.ticket_id = t.id), '[]'::json)"

/* Who may see a ticket: $2 role, $3 customer id, $4 supplier id. */
#define ACCESS \
	" ($2 = 'integrator' OR ($2 = 'customer' AND t.customer_id::text = $3)" \
	"  OR ($2 = 'supplier' AND EXISTS (SELECT 1 FROM legs y" \
	"      WHERE y.ticket_id = t.id AND y.supplier_id::text = $4)))"

static const char *const type_sequences[KT_TYPE__COUNT] = {
	"ticket_number_incident", "ticket_number_request",
	"ticket_number_change", "ticket_number_problem",
};

int kt_store_ticket_create(struct kt_db *db, const struct kt_principal *p,
			   const struct kt_intake *in, char *id_out,
			   int *n_messages, struct kt_err *err)
{
	char impact[4], urgency[4], priority[4], actor[80];
	const char *svc_params[] = { in->service,
		p->role == KT_ROLE_CUSTOMER ? p->customer_id : NULL };
	struct kt_route_ask ask = {
		.type = kt_ticket_type_name(in->type), .component = in->component,
		.category = in->category, .ci = in->ci,
	};
	struct kt_route_plan *plan = NULL;
	const char *service_version, *customer_id;
	PGresult *svc = NULL, *tres = NULL;

	*n_messages = 0;
	snprintf(impact, sizeof(impact), "%d", in->impact);
	snprintf(urgency, sizeof(urgency), "%d", in->urgency);
	snprintf(priority, sizeof(priority), "%d", in->priority);
	kt_principal_actor(p, actor, sizeof(actor));
	/* FOR SHARE: a chain import cannot move the version under us. */
	svc = kt_db_exec(db,
		"SELECT s.customer_id, s.chain_version, cv.default_component"
		" FROM services s JOIN chain_versions cv"
		"  ON cv.service_id = s.id AND cv.version = s.chain_version"
		" WHERE s.id = $1::uuid AND ($2::uuid IS NULL OR s.customer_id = $2::uuid)"
		" FOR SHARE OF s", 2, svc_params, err);
	if (!svc)
		goto fail;
	if (PQntuples(svc) != 1) {
		kt_err_detail(err, "/service", "no such service");
		kt_err_set(err, KT_EC_INVALID, "unknown_service", "unknown service \"%s\"", in->service);
		goto fail;
	}
	customer_id = PQgetvalue(svc, 0, 0);
	service_version = PQgetvalue(svc, 0, 1);
	if (kt_store_route_plan(db, in->service, service_version,
				PQgetisnull(svc, 0, 2) ? NULL : PQgetvalue(svc, 0, 2),
				&ask, &plan, err))
		goto fail;
	{
		const char *params[] = {
			kt_ticket_type_prefix(in->type), type_sequences[in->type],
			kt_ticket_type_name(in->type), customer_id, in->service,
			service_version, in->component, in->summary, in->description,
			impact, urgency, priority, actor, in->category, in->ci,
		};

		tres = kt_db_exec(db,
			"WITH t AS (INSERT INTO tickets (number, type, customer_id, service_id,"
			"   chain_version, component_key, summary, description, impact, urgency, priority,"
			"   category, ci)"
			"  VALUES ($1 || '-' || lpad(nextval($2::regclass)::text, 6, '0'), $3,"
			"   $4::uuid, $5::uuid, $6::integer, $7, $8, $9, $10::smallint,"
			"   $11::smallint, $12::smallint, $14, $15) RETURNING id, number)"
			" INSERT INTO events (ticket_id, kind, visibility, actor, holder, occurred_at, data)"
			" SELECT id, 'received', 'customer', $13, 'integrator', now(),"
			"  json_build_object('text', 'ticket ' || number || ' received')"
			" FROM t RETURNING ticket_id",
			15, params, err);
	}
	if (!tres)
		goto fail;
	snprintf(id_out, KT_UUID_LEN + 1, "%s", PQgetvalue(tres, 0, 0));
	if (kt_store_route_open(db, plan, id_out, priority, n_messages, err))
		goto fail;
	PQclear(tres);
	PQclear(svc);
	kt_store_route_plan_free(plan);
	return KT_OK;
fail:
	PQclear(tres);
	PQclear(svc);
	kt_store_route_plan_free(plan);
	return KT_ERR;
}

static void access_params(const struct kt_principal *p, const char **params)
{
	params[1] = kt_role_name(p->role);
	params[2] = p->customer_id;
	params[3] = p->supplier_id;
}

json_t *kt_store_ticket_full(struct kt_db *db, const char *id,
			     const struct kt_principal *p, struct kt_err *err)
{
	const char *params[4] = { id };
	json_t *v;
	int found;

	access_params(p, params);
	v = kt_db_json(db, TICKET_JSON(TIMELINE_JSON)
			   " WHERE t.id = $1::uuid AND" ACCESS, 4, params, &found, err);
	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	return v;
}

/* A cursor is "<microseconds since the epoch>_<uuid>" of the last item. */
static int parse_cursor(const char *cursor, char *ts, size_t tssz, char *id,
			struct kt_err *err)
{
	const char *us = cursor ? strchr(cursor, '_') : NULL;
	size_t n = us ? (size_t)(us - cursor) : 0;

	if (!cursor) {
		ts[0] = id[0] = '\0';
		return KT_OK;
	}
	if (!us || n == 0 || n >= tssz || strspn(cursor, "0123456789") != n ||
	    strlen(us + 1) != KT_UUID_LEN || strspn(us + 1, "0123456789abcdef-") != KT_UUID_LEN)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_cursor", "cursor is not valid");
	memcpy(ts, cursor, n);
	ts[n] = '\0';
	memcpy(id, us + 1, KT_UUID_LEN + 1);
	return KT_OK;
}

json_t *kt_store_ticket_list(struct kt_db *db, const struct kt_principal *p,
			     int limit, const char *cursor, const char *state,
			     struct kt_err *err)
{
	char ts[24], cid[KT_UUID_LEN + 1], lim[16];
	const char *params[7] = { NULL };
	PGresult *res;
	json_t *items, *out;
	int rows;

	if (parse_cursor(cursor, ts, sizeof(ts), cid, err))
		return NULL;
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	access_params(p, params);
	params[0] = lim;
	params[4] = ts[0] ? ts : NULL;
	params[5] = ts[0] ? cid : NULL;
	params[6] = state;
	res = kt_db_exec(db, TICKET_JSON("")
		" WHERE" ACCESS " AND ($5::bigint IS NULL OR (t.created_at, t.id) <"
		"  (timestamptz 'epoch' + $5::bigint * interval '1 microsecond', $6::uuid))"
		" AND ($7::text IS NULL OR ($7 = 'escalated' AND t.escalated_at IS NOT NULL)"
		"  OR ($7 = 'needs_triage' AND " NEEDS_TRIAGE "))"
		" ORDER BY t.created_at DESC, t.id DESC LIMIT $1::integer", 7, params, err);
	if (!res)
		return NULL;
	items = json_array();
	rows = PQntuples(res);
	for (int i = 0; i < rows && i < limit; i++) {
		json_t *t = json_loads(PQgetvalue(res, i, 0), 0, NULL);

		if (t)
			json_array_append_new(items, t);
	}
	out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
	if (rows > limit) {
		PGresult *c;
		const char *cp[] = { PQgetvalue(res, limit - 1, 3) };

		/* The cursor keeps the microseconds of the last item exactly. */
		c = kt_db_exec(db, "SELECT (extract(epoch FROM created_at) * 1000000)::bigint"
				   " || '_' || id FROM tickets WHERE id = $1::uuid", 1, cp, err);
		if (c && PQntuples(c) == 1)
			json_object_set_new(out, "next_cursor", json_string(PQgetvalue(c, 0, 0)));
		PQclear(c);
	}
	PQclear(res);
	return out;
}

json_t *kt_store_ticket_of_service(struct kt_db *db, const char *service_id,
				   const char *kinds, int limit, struct kt_err *err)
{
	char lim[16];
	const char *params[] = { service_id, kinds, lim };
	PGresult *res;
	json_t *items, *t;

	snprintf(lim, sizeof(lim), "%d", limit);
	res = kt_db_exec(db, TICKET_JSON("")
		" WHERE t.service_id = $1::uuid AND (t.type, t.consolidated) IN"
		"  (SELECT split_part(k, '/', 1), split_part(k, '/', 2)"
		"   FROM unnest($2::text[]) AS k)"
		" ORDER BY t.priority, t.created_at DESC, t.id DESC LIMIT $3::integer",
		3, params, err);
	if (!res)
		return NULL;
	items = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		if ((t = json_loads(PQgetvalue(res, i, 0), 0, NULL)))
			json_array_append_new(items, t);
	PQclear(res);
	return items;
}

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

int kt_store_ticket_refresh_status(struct kt_db *db, const char *ticket_id,
				   const char *actor, struct kt_err *err)
{
	enum kt_status own, legs[64], now;
	char was[32];
	const char *params[] = { ticket_id, NULL, actor, was };
	PGresult *res;
	size_t n = 0;

	res = kt_db_exec(db,
		"SELECT t.status, t.consolidated, l.status FROM tickets t"
		" LEFT JOIN legs l ON l.ticket_id = t.id AND l.supplier_id IS NOT NULL"
		" WHERE t.id = $1::uuid", 1, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) == 0 || kt_status_parse(PQgetvalue(res, 0, 0), &own) != 0) {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	}
	snprintf(was, sizeof(was), "%s", PQgetvalue(res, 0, 1));
	for (int i = 0; i < PQntuples(res) && n < 64; i++)
		if (!PQgetisnull(res, i, 2) && kt_status_parse(PQgetvalue(res, i, 2), &legs[n]) == 0)
			n++;
	PQclear(res);
	now = kt_consolidated_status(own, legs, n);
	params[1] = kt_status_name(now);
	if (strcmp(was, params[1]) == 0)
		return KT_OK;
	return kt_db_cmd(db,
		"WITH u AS (UPDATE tickets SET consolidated = $2, updated_at = now(),"
		"   resolved_at = CASE WHEN $2 = 'resolved' THEN now()"
		"    WHEN $2 = 'closed' THEN resolved_at END,"
		"   closed_at = CASE WHEN $2 = 'closed' THEN now() END"
		"  WHERE id = $1::uuid RETURNING id)"
		" INSERT INTO events (ticket_id, kind, visibility, actor, holder, occurred_at, data)"
		" SELECT id, 'status_changed', 'customer', $3,"
		"  CASE WHEN $2 IN ('resolved', 'pending_customer') THEN 'customer'"
		"       WHEN $2 IN ('closed', 'cancelled') THEN 'nobody' ELSE 'suppliers' END,"
		"  now(), json_build_object('from', $4::text, 'to', $2::text) FROM u",
		4, params, err);
}
