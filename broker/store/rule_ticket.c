/* rule_ticket.c - reading tickets (see store/rule_ticket.h): one full
 * record, a page of the caller's tickets, or a service's tickets of some
 * kinds, each one statement. A rule file: reads tickets with their
 * service, customer, legs, suppliers, deliveries and timeline. */
#include "store/internal.h"
#include "store/rule_ticket.h"

/* The ticket waits in the integrator's triage queue: it has a triage leg
 * (no supplier) the broker did not end. */
#define NEEDS_TRIAGE \
	"EXISTS (SELECT 1 FROM legs x WHERE x.ticket_id = t.id" \
	"  AND x.supplier_id IS NULL AND keten_leg_is_open(x.status, x.ended))"

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
	" 'needs_triage', " NEEDS_TRIAGE ", 'sla', keten_ticket_sla(t), 'sla_held', t.sla_held," \
	" 'legs', coalesce((SELECT json_agg(json_build_object(" \
	"   'id', l.id, 'status', l.status, 'external_id', l.external_id," \
	"   'component_key', l.component_key, 'hops', l.hops," \
	"   'ended', l.ended, 'ended_at', kt_ts(l.ended_at), 'ended_event', l.ended_event," \
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
	"     LIMIT 1), 'sla', keten_leg_sla(l)" \
	"   ) ORDER BY l.created_at, l.id)" \
	"   FROM legs l LEFT JOIN suppliers sp ON sp.id = l.supplier_id" \
	"   WHERE l.ticket_id = t.id), '[]'::json)" \
	with_timeline \
	" ), kt_ts(t.created_at), t.created_at, t.id" \
	" FROM tickets t JOIN services s ON s.id = t.service_id" \
	" JOIN customers c ON c.id = t.customer_id"

/* A page of the timeline: the entries after id $5 the role ($2; $4 the
 * supplier's id) could see, in id order, at most $6 of them. The exact
 * rule (an ended leg, the chain's visibility settings) is model/view.c's;
 * this one only leaves out what that rule never shows the role, so that
 * pages are mostly full. */
#define TIMELINE_PAGE_JSON \
	", 'timeline', coalesce((SELECT json_agg(x.j ORDER BY x.id) FROM (" \
	"   SELECT e.id, json_build_object(" \
	"   'id', e.id, 'leg_id', e.leg_id, 'kind', e.kind, 'visibility', e.visibility," \
	"   'actor', e.actor, 'key_id', e.key_id, 'holder', e.holder," \
	"   'person', (SELECT json_build_object('id', pp.id, 'name', pp.name," \
	"     'customer_id', pp.customer_id) FROM people pp WHERE pp.id = e.person_id)," \
	"   'occurred_at', kt_ts(e.occurred_at)," \
	"   'recorded_at', kt_ts(e.recorded_at), 'data', e.data) j" \
	"   FROM events e WHERE e.ticket_id = t.id AND e.id > $5::bigint" \
	"   AND ($2 = 'integrator'" \
	"    OR ($2 = 'customer' AND e.visibility = 'customer')" \
	"    OR ($2 = 'supplier' AND ((e.leg_id IS NULL AND e.visibility = 'customer')" \
	"     OR (e.visibility <> 'integrator' AND e.leg_id IN (SELECT z.id FROM legs z" \
	"      WHERE z.ticket_id = t.id AND z.supplier_id::text = $4)))))" \
	"   ORDER BY e.id LIMIT $6::int) x), '[]'::json)"

/* Who may see a ticket: $2 role, $3 customer id, $4 supplier id, a
 * supplier through a leg of its meeting leg_cond (on legs y). */
#define ACCESS_IF(leg_cond) \
	" ($2 = 'integrator' OR ($2 = 'customer' AND t.customer_id::text = $3)" \
	"  OR ($2 = 'supplier' AND EXISTS (SELECT 1 FROM legs y" \
	"      WHERE y.ticket_id = t.id AND y.supplier_id::text = $4" leg_cond ")))"
/* Read: a supplier reads a ticket it ever had a leg of (as it was when
 * the broker ended that leg: model/view.c). */
#define ACCESS ACCESS_IF("")
/* Listed: a supplier lists the tickets it has a leg of the broker did not
 * end (re-routed away, withdrawn, cancelled: no longer its work). */
#define ACCESS_LISTED ACCESS_IF(" AND y.ended IS NULL")

static void access_params(const struct kt_principal *p, const char **params)
{
	params[1] = kt_role_name(p->role);
	params[2] = p->customer_id;
	params[3] = p->supplier_id;
}

json_t *kt_store_ticket_full(struct kt_db *db, const char *id,
			     const struct kt_principal *p, long long after, int limit,
			     struct kt_err *err)
{
	char from[24], lim[16];
	const char *params[6] = { id, NULL, NULL, NULL, from, lim };
	json_t *v;
	int found;

	snprintf(from, sizeof(from), "%lld", after);
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	access_params(p, params);
	v = kt_db_json(db, TICKET_JSON(TIMELINE_PAGE_JSON)
			   " WHERE t.id = $1::uuid AND" ACCESS, 6, params, &found, err);
	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	return v;
}

json_t *kt_store_ticket_full_of(struct kt_db *db, const json_t *ids, struct kt_err *err)
{
	char *text = json_dumps(ids, JSON_COMPACT);
	const char *params[] = { text };
	PGresult *res;
	json_t *out;

	if (!text) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	res = kt_db_exec(db, TICKET_JSON("")
		" WHERE t.id IN (SELECT i::uuid FROM jsonb_array_elements_text($1::jsonb) i)",
		1, params, err);
	free(text);
	if (!res)
		return NULL;
	out = json_object();
	for (int i = 0; out && i < PQntuples(res); i++) {
		json_t *t = json_loads(PQgetvalue(res, i, 0), 0, NULL);

		if (t)
			json_object_set_new(out, PQgetvalue(res, i, 3), t);
	}
	PQclear(res);
	if (!out)
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return out;
}

int kt_store_ticket_cursor_parse(const char *cursor, char *ts, size_t tssz, char *id,
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

	if (kt_store_ticket_cursor_parse(cursor, ts, sizeof(ts), cid, err))
		return NULL;
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	access_params(p, params);
	params[0] = lim;
	params[4] = ts[0] ? ts : NULL;
	params[5] = ts[0] ? cid : NULL;
	params[6] = state;
	res = kt_db_exec(db, TICKET_JSON("")
		" WHERE" ACCESS_LISTED " AND ($5::bigint IS NULL OR (t.created_at, t.id) <"
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
