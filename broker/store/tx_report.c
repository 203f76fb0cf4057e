/* tx_report.c - the aggregates of the service and supplier reports (see
 * store/tx_report.h), each one statement over indexed ranges: a service's
 * tickets by creation (tickets_service_created_idx), its outage tickets
 * (tickets_service_idx), a supplier's legs by creation
 * (legs_supplier_created_idx), their acknowledgements and reopens
 * (events_leg_ack_idx, events_leg_reopened_idx) and its API calls
 * (supplier_calls_idx). */
#include "store/internal.h"
#include "store/tx_report.h"

/* A clock's counts over rows of table alias x: met, breached (stopped
 * late, or due and running unpaused, as keten_sla_clock says) and still
 * running; p the column prefix (sla_response, sla_ack, ...). */
#define CLOCK_COUNTS(name, p) \
	" '" name "_met', count(*) FILTER (WHERE " p "_met)," \
	" '" name "_breached', count(*) FILTER (WHERE NOT " p "_met OR (" p "_met IS NULL" \
	"   AND NOT sla_paused AND " p "_due <= now()))," \
	" '" name "_running', count(*) FILTER (WHERE " p "_min IS NOT NULL AND " p "_met IS NULL" \
	"   AND (sla_paused OR " p "_due IS NULL OR " p "_due > now()))"

#define BREACHED(p) \
	"(NOT " p "_met OR (" p "_met IS NULL AND NOT sla_paused AND " p "_due <= now()))"

/* $1 service, $2 from, $3 to. The outage candidates through
 * tickets_service_priority_idx (one range per outage priority), the
 * compliance rows through
 * tickets_service_created_idx, the breaches through tickets_breached_idx. */
static const char service_sql[] =
	"WITH sv AS (SELECT s.id, cv.sla FROM services s JOIN chain_versions cv"
	"   ON cv.service_id = s.id AND cv.version = s.chain_version WHERE s.id = $1::uuid),"
	" held AS (SELECT sla_held->'breach' AS b FROM tickets WHERE sla_held ? 'breach'"
	"   AND created_at >= $2::timestamptz AND created_at < $3::timestamptz"
	"   AND service_id = $1::uuid)"
	" SELECT json_build_object("
	"  'sla', sv.sla,"
	"  'outages', (SELECT coalesce(json_agg(json_build_array("
	"     extract(epoch FROM t.created_at)::bigint,"
	"     extract(epoch FROM least(coalesce(t.resolved_at, t.closed_at, now()),"
	"       $3::timestamptz))::bigint)), '[]')"
	"    FROM unnest(CASE WHEN sv.sla->'outage' ? 'priorities'"
	"       THEN ARRAY(SELECT jsonb_array_elements_text(sv.sla->'outage'->'priorities'))::smallint[]"
	"       ELSE '{1}' END) AS p(priority),"
	"     LATERAL (SELECT t.created_at, t.resolved_at, t.closed_at FROM tickets t"
	"      WHERE t.service_id = sv.id AND t.priority = p.priority"
	"      AND t.created_at < $3::timestamptz AND t.consolidated <> 'cancelled'"
	"      AND coalesce(t.resolved_at, t.closed_at, 'infinity') > $2::timestamptz"
	"      AND t.type = ANY (CASE WHEN sv.sla->'outage' ? 'types'"
	"       THEN ARRAY(SELECT jsonb_array_elements_text(sv.sla->'outage'->'types'))"
	"       ELSE '{incident}' END)) t),"
	"  'compliance', (SELECT coalesce(json_agg(r ORDER BY type, priority), '[]') FROM ("
	"    SELECT type, priority, json_build_object('type', type, 'priority', priority,"
	"     'tickets', count(*),"
	     CLOCK_COUNTS("response", "sla_response") ","
	     CLOCK_COUNTS("resolution", "sla_resolution") ") AS r"
	"    FROM tickets WHERE service_id = $1::uuid"
	"     AND created_at >= $2::timestamptz AND created_at < $3::timestamptz"
	"    GROUP BY type, priority) x),"
	"  'attribution', (SELECT json_build_object('tickets', count(*),"
	"    'integrator', coalesce(sum((b->>'integrator')::bigint), 0),"
	"    'customer', coalesce(sum((b->>'customer')::bigint), 0)) FROM held),"
	"  'suppliers', (SELECT coalesce(json_agg(json_build_object('key', p.key, 'name', p.name,"
	"     'name_to_customer', coalesce((p.visibility->>'name_to_customer')::boolean, true),"
	"     'held_s', x.s) ORDER BY p.key), '[]')"
	"    FROM (SELECT e.key, sum(e.value::bigint) AS s FROM held,"
	"      jsonb_each_text(held.b->'suppliers') e GROUP BY e.key) x"
	"    JOIN suppliers p ON p.key = x.key))"
	" FROM sv";

/* Runs one report statement with PostgreSQL's JIT off, in a transaction
 * of its own (set_config(..., true) holds until its end): compiling the
 * plan of an aggregate over a year of rows takes longer than running it.
 * As kt_db_json. */
static json_t *report_json(struct kt_db *db, const char *sql, const char *const *params,
			   int *found, struct kt_err *err)
{
	json_t *v;

	if (kt_db_begin(db, err))
		return NULL;
	if (kt_db_cmd(db, "SELECT set_config('jit', 'off', true)", 0, NULL, err) ||
	    (!(v = kt_db_json(db, sql, 3, params, found, err)) && kt_err_isset(err)))
		goto fail;
	if (kt_db_commit(db, err)) {
		json_decref(v);
		return NULL;
	}
	return v;
fail:
	kt_db_rollback(db);
	return NULL;
}

json_t *kt_store_report_service(struct kt_db *db, const char *id, const char *from,
				const char *to, struct kt_err *err)
{
	const char *params[] = { id, from, to };
	int found = 0;
	json_t *v = report_json(db, service_sql, params, &found, err);

	if (!v && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such service");
	return v;
}

/* 100 x a / b, two decimals; null when b is 0. */
#define PCT(a, b) "round(100.0 * (" a ") / nullif(" b ", 0), 2)"

/* $1 supplier, $2 from, $3 to. A leg has at most one acknowledgement
 * on its timeline (store/rule_leg.c adds it once); it counts while the leg
 * is open: the answer to the cancel of a leg the broker ended is none.
 * Joins (the legs' range, their acknowledgements and the reopened legs
 * through partial indexes of those timeline entries) and one aggregate
 * (both percentiles from one sort), no subquery per leg. */
static const char supplier_sql[] =
	"WITH lg AS (SELECT l.created_at, l.ended, l.status, l.sla_paused, l.sla_ack_min,"
	"   l.sla_ack_due, l.sla_ack_met, l.sla_resolve_min, l.sla_resolve_due, l.sla_resolve_met,"
	"   a.occurred_at AS ack_at, r.leg_id IS NOT NULL AS reopened"
	"   FROM legs l LEFT JOIN events a ON a.leg_id = l.id AND a.kind = 'acknowledged'"
	"    AND a.occurred_at <= coalesce(l.ended_at, 'infinity')"
	"   LEFT JOIN (SELECT DISTINCT leg_id FROM events WHERE kind = 'leg_reopened') r"
	"    ON r.leg_id = l.id"
	"   WHERE l.supplier_id = $1::uuid"
	"   AND l.created_at >= $2::timestamptz AND l.created_at < $3::timestamptz),"
	" c AS (SELECT count(*) AS legs,"
	"   count(ack_at) AS acked,"
	"   percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP"
	"     (ORDER BY extract(epoch FROM ack_at - created_at)) AS ack_pct,"
	"   json_build_object(" CLOCK_COUNTS("acknowledge", "sla_ack") ","
	     CLOCK_COUNTS("resolve", "sla_resolve") ") AS clocks,"
	"   count(*) FILTER (WHERE coalesce(sla_ack_min, sla_resolve_min) IS NOT NULL) AS contracted,"
	"   count(*) FILTER (WHERE " BREACHED("sla_ack") " OR " BREACHED("sla_resolve") ") AS breached,"
	"   count(*) FILTER (WHERE ended = 'rejected') AS rejected,"
	"   count(*) FILTER (WHERE ended = 'withdrawn') AS rerouted,"
	"   count(*) FILTER (WHERE status IN ('resolved', 'closed') OR reopened) AS resolved,"
	"   count(*) FILTER (WHERE reopened) AS reopened"
	"   FROM lg),"
	" api AS (SELECT count(*) AS calls, count(*) FILTER (WHERE kind <> 'delivered') AS errors,"
	"   count(*) FILTER (WHERE http_status = 429) AS limited FROM supplier_calls"
	"   WHERE supplier_id = $1::uuid AND at >= $2::timestamptz AND at < $3::timestamptz),"
	" br AS (SELECT count(*) AS tickets,"
	"   coalesce(sum((t.sla_held->'breach'->'suppliers'->>p.key)::bigint), 0) AS held"
	"   FROM tickets t, suppliers p WHERE p.id = $1::uuid AND t.sla_held ? 'breach'"
	"   AND t.created_at >= $2::timestamptz AND t.created_at < $3::timestamptz"
	"   AND t.sla_held->'breach'->'suppliers' ? p.key)"
	" SELECT json_build_object("
	"  'legs', c.legs,"
	"  'acknowledge', json_build_object('acknowledged', c.acked,"
	"    'latency_median_s', round(c.ack_pct[1]::numeric),"
	"    'latency_p90_s', round(c.ack_pct[2]::numeric),"
	"    'met', c.clocks->'acknowledge_met', 'breached', c.clocks->'acknowledge_breached',"
	"    'running', c.clocks->'acknowledge_running'),"
	"  'resolve', json_build_object('met', c.clocks->'resolve_met',"
	"    'breached', c.clocks->'resolve_breached', 'running', c.clocks->'resolve_running'),"
	"  'breached', json_build_object('legs', c.breached, 'of', c.contracted,"
	"    'pct', " PCT("c.breached", "c.contracted") "),"
	"  'rejected', json_build_object('legs', c.rejected, 'pct', " PCT("c.rejected", "c.legs") "),"
	"  'rerouted', json_build_object('legs', c.rerouted, 'pct', " PCT("c.rerouted", "c.legs") "),"
	"  'reopened', json_build_object('legs', c.reopened, 'of', c.resolved,"
	"    'pct', " PCT("c.reopened", "c.resolved") "),"
	"  'api', json_build_object('calls', api.calls, 'errors', api.errors,"
	"    'error_pct', " PCT("api.errors", "api.calls") ", 'rate_limited', api.limited,"
	"    'rate_limited_pct', " PCT("api.limited", "api.calls") "),"
	"  'breach_attribution', json_build_object('tickets', br.tickets, 'held_s', br.held))"
	" FROM c, api, br";

json_t *kt_store_report_supplier(struct kt_db *db, const char *id, const char *from,
				 const char *to, struct kt_err *err)
{
	const char *params[] = { id, from, to };

	return report_json(db, supplier_sql, params, NULL, err);
}

int kt_store_supplier_calls_purge(struct kt_db *db, int retention_s, int batch, int *deleted,
				  struct kt_err *err)
{
	return kt_db_purge(db, KT_DB_PURGE_SQL("supplier_calls", "at"), retention_s, batch,
			   deleted, err);
}
