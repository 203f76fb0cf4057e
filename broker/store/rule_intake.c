/* rule_intake.c - a new ticket in the database (see store/rule_intake.h):
 * its service and routing (one statement, unless the node keeps the plan:
 * store/rule_route_cache.h), then one for the ticket row, its legs, their
 * create messages and the timeline, and the full record built from what
 * that statement returns. A rule file: runs in the
 * caller's transaction, or in none (its one write is atomic by itself). */
#include "base/clock.h"
#include "routing/routing.h"
#include "store/internal.h"
#include "store/listen.h"
#include "store/row_outbox.h"
#include "store/rule_intake.h"
#include "store/rule_route.h"
#include "store/rule_route_cache.h"
#include "store/rule_sla.h"

static const char *const type_sequences[KT_TYPE__COUNT] = {
	"ticket_number_incident", "ticket_number_request",
	"ticket_number_change", "ticket_number_problem",
};

/* The ticket, its "received" event, the legs of $16 (kt_store_route_plan_legs)
 * with their routed (or triage) events and create messages, in one
 * statement, only while the service's chain version is still $6, the one
 * the legs were planned by (its row locked FOR SHARE for the statement, so
 * an import waits for it or it sees the import's version and inserts
 * nothing: no rows). It needs no transaction around it. Foreign keys are checked at its end, when every row is in.
 * It answers tagged rows, all text: 't' the ticket (with its customer and
 * service), 'l' each leg (with its supplier and create message) in id
 * order, 'e' each event in id order; ord and key only sort. With $20 set
 * (the node's name) and a message queued, it announces the work on
 * channel $19 (dispatch/wake.h), sent at its commit: no round trip of its
 * own. */
#define INTAKE_SQL \
	"WITH sv AS (SELECT 1 FROM services WHERE id = $5::uuid AND chain_version = $6::integer" \
	"  FOR SHARE)," \
	" t AS (INSERT INTO tickets (number, type, customer_id, service_id," \
	"   chain_version, component_key, summary, description, impact, urgency, priority," \
	"   category, ci, " KT_STORE_SLA_COLS("sla_response", "sla_resolution") ")" \
	"  SELECT $1 || '-' || lpad(nextval($2::regclass)::text, 6, '0'), $3," \
	"   $4::uuid, $5::uuid, $6::integer, $7, $8, $9, $10::smallint," \
	"   $11::smallint, $12::smallint, $14, $15, " KT_STORE_SLA_VALUES \
	"  FROM sv, jsonb_to_record(coalesce($17::jsonb, '{}')) AS k(" KT_STORE_SLA_RECORD ")" \
	"  RETURNING id, number, status, consolidated, hops, priority, created_at, updated_at," \
	"   keten_ticket_sla(tickets) AS sla)," \
	" x AS MATERIALIZED (SELECT keten_uuid() AS id, (v->>'supplier')::uuid AS supplier_id," \
	"   v->>'component' AS component_key, n, coalesce((v->'sla')::jsonb, '{}') AS sla" \
	"  FROM json_array_elements($16::json->'legs') WITH ORDINALITY j(v, n))," \
	" l AS (INSERT INTO legs (id, ticket_id, supplier_id, component_key, next_seq," \
	"   sla_contract, " KT_STORE_SLA_COLS("sla_ack", "sla_resolve") ")" \
	"  SELECT x.id, t.id, x.supplier_id, x.component_key," \
	"   CASE WHEN x.supplier_id IS NULL THEN 1 ELSE 2 END, x.sla->'contract', " KT_STORE_SLA_VALUES \
	"  FROM t, x, jsonb_to_record(x.sla) AS k(" KT_STORE_SLA_RECORD ") ORDER BY x.n" \
	"  RETURNING id, supplier_id, component_key, status, external_id, hops, ended," \
	"   ended_at, delivery_delayed_at, created_at, updated_at, keten_leg_sla(legs) AS sla)," \
	" o AS (" KT_STORE_OUTBOX_CREATES("l", "t") ")," \
	" e AS (INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder," \
	"   occurred_at, data, key_id)" \
	"  SELECT t.id, ev.leg_id, ev.kind, ev.visibility, ev.actor, ev.holder, now(), ev.data," \
	"   $18::uuid" \
	"  FROM t, (SELECT 0::bigint AS n, NULL::uuid AS leg_id, 'received' AS kind," \
	"    'customer' AS visibility, $13 AS actor, 'integrator' AS holder," \
	"    jsonb_build_object('text', 'ticket ' || t.number || ' received') AS data FROM t" \
	"   UNION ALL SELECT x.n, x.id, CASE WHEN x.supplier_id IS NULL THEN 'triage'" \
	"    ELSE 'routed' END, 'integrator', 'system', coalesce('supplier:' || sp.key, 'integrator')," \
	"    jsonb_build_object('supplier', sp.key, 'component', x.component_key, 'hop', 0)" \
	"     || ($16::jsonb->'why')" \
	"   FROM x LEFT JOIN suppliers sp ON sp.id = x.supplier_id) ev ORDER BY ev.n" \
	"  RETURNING id, leg_id, kind, visibility, actor, holder, occurred_at, recorded_at, data," \
	"   key_id, person_id)" \
	" SELECT 't' AS tag, 0::bigint AS ord, ''::text AS key, t.id::text, t.number, t.status," \
	"  t.consolidated, t.hops::text, kt_ts(t.created_at), kt_ts(t.updated_at), c.key, c.name," \
	"  s.key, s.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, t.sla::text" \
	" FROM t LEFT JOIN LATERAL (SELECT pg_notify($19, $20)" \
	"   WHERE $20::text IS NOT NULL AND EXISTS (SELECT 1 FROM o)) nt ON true," \
	"  customers c, services s WHERE c.id = $4::uuid AND s.id = $5::uuid" \
	" UNION ALL SELECT 'l', 0, l.id::text, l.id::text, l.status, l.external_id," \
	"  l.component_key, l.hops::text, l.ended, kt_ts(l.ended_at)," \
	"  kt_ts(l.delivery_delayed_at), kt_ts(l.created_at), kt_ts(l.updated_at)," \
	"  sp.id::text, sp.key, sp.name, sp.visibility::text, o.state, o.operation," \
	"  o.seq::text, o.attempts::text, kt_ts(o.due_at), o.outcome::text, l.sla::text" \
	" FROM l LEFT JOIN suppliers sp ON sp.id = l.supplier_id LEFT JOIN o ON o.leg_id = l.id" \
	" UNION ALL SELECT 'e', e.id, '', e.id::text, e.leg_id::text, e.kind, e.visibility," \
	"  e.actor, e.holder, kt_ts(e.occurred_at), kt_ts(e.recorded_at), e.data::text," \
	"  e.key_id::text, (SELECT json_build_object('id', pp.id, 'name', pp.name," \
	"   'customer_id', pp.customer_id) FROM people pp WHERE pp.id = e.person_id)::text," \
	"  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL" \
	" FROM e ORDER BY 1, 2, 3"

/* Plans and writes a ticket at most this often while imports move its
 * service's chain version under it. */
#define INTAKE_TRIES 3

/* Result columns: tag, ord, key, then the values from column V. */
#define V 3

/* Column V + i of row r as JSON: a string, or null for SQL NULL. */
static json_t *text(PGresult *res, int r, int i)
{
	return PQgetisnull(res, r, V + i) ? json_null() : json_string(PQgetvalue(res, r, V + i));
}

/* Column V + i as a JSON integer. */
static json_t *integer(PGresult *res, int r, int i)
{
	return json_integer(strtoll(PQgetvalue(res, r, V + i), NULL, 10));
}

/* Column V + i, JSON text from the database (jsonb keeps its own key
 * order, as a read of the row shows it), or null. */
static json_t *raw(PGresult *res, int r, int i)
{
	return PQgetisnull(res, r, V + i) ? json_null()
		: json_loads(PQgetvalue(res, r, V + i), 0, NULL);
}

static json_t *leg_record(PGresult *res, int r)
{
	json_t *supplier = json_null(), *delivery = json_null();

	if (!PQgetisnull(res, r, V + 10))
		supplier = json_pack("{s:o, s:o, s:o, s:o}", "id", text(res, r, 10),
				     "key", text(res, r, 11), "name", text(res, r, 12),
				     "visibility", raw(res, r, 13));
	if (!PQgetisnull(res, r, V + 14))
		delivery = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "state", text(res, r, 14),
				     "operation", text(res, r, 15), "seq", integer(res, r, 16),
				     "attempts", integer(res, r, 17), "due_at", text(res, r, 18),
				     "outcome", raw(res, r, 19));
	/* a leg new with its ticket has never ended: no ended_event */
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:n, s:o, s:o, s:o, s:o, s:o, s:o}",
		"id", text(res, r, 0), "status", text(res, r, 1),
		"external_id", text(res, r, 2), "component_key", text(res, r, 3),
		"hops", integer(res, r, 4), "ended", text(res, r, 5),
		"ended_at", text(res, r, 6), "ended_event", "delivery_delayed_at", text(res, r, 7),
		"created_at", text(res, r, 8), "updated_at", text(res, r, 9),
		"supplier", supplier, "delivery", delivery, "sla", raw(res, r, 20));
}

static json_t *event_record(PGresult *res, int r)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"id", integer(res, r, 0), "leg_id", text(res, r, 1), "kind", text(res, r, 2),
		"visibility", text(res, r, 3), "actor", text(res, r, 4),
		"key_id", text(res, r, 9),
		"holder", text(res, r, 5), "person", raw(res, r, 10), "occurred_at", text(res, r, 6),
		"recorded_at", text(res, r, 7), "data", raw(res, r, 8));
}

/* The full record of the new ticket, as store/rule_ticket.h's
 * kt_store_ticket_full reads it (same members, same order), from the
 * request and the statement's rows. NULL when out of memory. */
static json_t *record(PGresult *res, const struct kt_intake *in, const char *customer_id,
		      const char *version, int *n_messages)
{
	json_t *legs = json_array(), *timeline = json_array(), *full = NULL;
	int needs_triage = 0, t = -1;

	for (int r = 0; r < PQntuples(res); r++) {
		const char *tag = PQgetvalue(res, r, 0);

		if (tag[0] == 't') {
			t = r;
		} else if (tag[0] == 'l') {
			needs_triage |= PQgetisnull(res, r, V + 10);
			*n_messages += !PQgetisnull(res, r, V + 14);
			json_array_append_new(legs, leg_record(res, r));
		} else {
			json_array_append_new(timeline, event_record(res, r));
		}
	}
	if (t >= 0)
		full = json_pack("{s:o, s:o, s:s, s:s, s:s, s:i, s:i, s:i, s:o, s:o, s:s?,"
				 " s:I, s:s?, s:s?, s:o, s:b, s:n, s:o, s:o,"
				 " s:{s:s, s:o, s:o}, s:{s:s, s:o, s:o}, s:b, s:o, s:n, s:O, s:O}",
			"id", text(res, t, 0), "number", text(res, t, 1),
			"type", kt_ticket_type_name(in->type), "summary", in->summary,
			"description", in->description, "impact", in->impact,
			"urgency", in->urgency, "priority", in->priority,
			"status", text(res, t, 3), "own_status", text(res, t, 2),
			"component_key", in->component,
			"chain_version", (json_int_t)strtoll(version, NULL, 10),
			"category", in->category, "ci", in->ci, "hops", integer(res, t, 4),
			"escalated", 0, "escalated_at",
			"created_at", text(res, t, 5), "updated_at", text(res, t, 6),
			"customer", "id", customer_id, "key", text(res, t, 7), "name", text(res, t, 8),
			"service", "id", in->service, "key", text(res, t, 9), "name", text(res, t, 10),
			"needs_triage", needs_triage, "sla", raw(res, t, 20), "sla_held", "legs", legs,
			"timeline", timeline);
	json_decref(legs);
	json_decref(timeline);
	return full;
}

/* The clocks of the new ticket as $17 of INTAKE_SQL (NULL: none stored),
 * and of each supplier leg of legs (the plan's "legs" JSON) as its "sla",
 * started at now (the database's now() a moment later is the ticket's
 * created_at; a later refresh counts from that). */
static char *intake_clocks(const struct kt_route_plan *plan, const struct kt_intake *in,
			   json_t *legs)
{
	const char *sla_text = kt_store_route_plan_sla(plan);
	json_t *sla = sla_text ? json_loads(sla_text, 0, NULL) : NULL, *t, *leg;
	long long now = kt_clock_wall_s();
	char *out = NULL;
	int skip = 0;
	size_t i;

	json_array_foreach(json_object_get(legs, "legs"), i, leg) {
		const char *supplier = json_string_value(json_object_get(leg, "supplier"));
		const char *ct = kt_store_route_plan_contract(plan,
			json_string_value(json_object_get(leg, "component")), supplier);
		json_t *contract = ct ? json_loads(ct, 0, NULL) : NULL, *c;

		c = supplier ? kt_store_sla_clocks(contract, 1, in->priority, now, -1, NULL,
						   now, &skip) : NULL;
		if (c) {
			json_object_set(c, "contract", contract ? contract : json_null());
			json_object_set_new(leg, "sla", c);
		}
		json_decref(contract);
	}
	t = kt_store_sla_clocks(sla, 0, in->priority, now, -1, NULL, now, &skip);
	if (t)
		out = json_dumps(t, JSON_COMPACT);
	json_decref(t);
	json_decref(sla);
	return out;
}

/* One try: the plan (kept by routes, or read), then the write, which
 * inserts nothing when the service's chain version moved after the plan
 * was read (*moved set; routes then drops the service's plans). */
static json_t *intake_once(struct kt_db *db, struct kt_route_cache *routes,
			   const struct kt_principal *p,
			   const struct kt_intake *in, const char *announce, int *n_messages,
			   int *moved, struct kt_err *err)
{
	char impact[4], urgency[4], priority[4], actor[80];
	struct kt_route_ask ask = {
		.type = kt_ticket_type_name(in->type), .component = in->component,
		.category = in->category, .ci = in->ci,
	};
	struct kt_route_plan *plan = NULL;
	struct kt_route_lookup lk;
	const char *service_version, *customer_id;
	PGresult *tres = NULL;
	json_t *legs = NULL, *full = NULL;
	char *legs_text = NULL, *clocks = NULL;

	*n_messages = 0;
	*moved = 0;
	snprintf(impact, sizeof(impact), "%d", in->impact);
	snprintf(urgency, sizeof(urgency), "%d", in->urgency);
	snprintf(priority, sizeof(priority), "%d", in->priority);
	kt_principal_actor(p, actor, sizeof(actor));
	if (kt_store_route_cache_plan(routes, db, in->service,
				      p->role == KT_ROLE_CUSTOMER ? p->customer_id : NULL, &ask,
				      &lk, &plan, err))
		goto out;
	kt_store_route_plan_service(plan, &customer_id, &service_version);
	if ((legs = kt_store_route_plan_legs(plan)))
		clocks = intake_clocks(plan, in, legs);
	if (!legs || !(legs_text = json_dumps(legs, JSON_COMPACT))) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		goto out;
	}
	{
		const char *params[] = {
			kt_ticket_type_prefix(in->type), type_sequences[in->type],
			kt_ticket_type_name(in->type), customer_id, in->service,
			service_version, in->component, in->summary, in->description,
			impact, urgency, priority, actor, in->category, in->ci, legs_text,
			clocks, kt_db_acting_key(db), KT_OUTBOX_CHANNEL, announce,
		};

		tres = kt_db_exec(db, INTAKE_SQL, 20, params, err);
	}
	if (!tres)
		goto out;
	*moved = PQntuples(tres) == 0;
	kt_store_route_cache_done(routes, &lk, plan, !*moved);
	if (!*moved && !(full = record(tres, in, customer_id, service_version, n_messages)))
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
out:
	free(clocks);
	free(legs_text);
	json_decref(legs);
	PQclear(tres);
	kt_store_route_plan_free(plan);
	return full;
}

json_t *kt_store_intake_ticket(struct kt_db *db, struct kt_route_cache *routes,
			       const struct kt_principal *p, const struct kt_intake *in,
			       const char *announce, int *n_messages, struct kt_err *err)
{
	json_t *full = NULL;
	int moved = 1;

	/* A chain import between the plan and the write: route again along
	 * the new version. */
	for (int i = 0; i < INTAKE_TRIES && moved && !kt_err_isset(err); i++)
		full = intake_once(db, routes, p, in, announce, n_messages, &moved, err);
	if (moved && !kt_err_isset(err))
		kt_err_set(err, KT_EC_CONFLICT, "chain_changing",
			   "the service's chain changed %d times while the ticket was filed; "
			   "try again", INTAKE_TRIES);
	return full;
}
