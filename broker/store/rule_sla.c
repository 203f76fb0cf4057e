/* rule_sla.c - the clocks of a ticket and its legs (see store/rule_sla.h):
 * one statement reads the agreements and the status history, the pure
 * clocks of broker/sla/ compute, one statement writes the results. */
#include "base/log.h"
#include "sla/agreement.h"
#include "sla/held.h"
#include "store/internal.h"
#include "store/rule_sla.h"

/* Row 't': created_at, priority, the chain version's SLA, now, the first
 * acknowledgement of any leg, the status steps [[epoch, status], ...].
 * Rows 'l', one per supplier leg: id, created_at, its contract (kept, or
 * the component's as its supplier has it now), its first
 * acknowledgement, its steps (the supplier's updates, the broker's
 * closes and reopens, and the end the broker put to it). */
#define SLA_READ \
	"SELECT 't', t.id::text, extract(epoch FROM t.created_at)::bigint::text," \
	"  t.priority::text, cv.sla::text, extract(epoch FROM now())::bigint::text," \
	"  (SELECT extract(epoch FROM min(e.occurred_at))::bigint::text FROM events e" \
	"    WHERE e.ticket_id = t.id AND e.kind = 'acknowledged')," \
	"  (SELECT coalesce(json_agg(json_build_array(" \
	"     extract(epoch FROM e.occurred_at)::bigint, e.data->>'to')" \
	"     ORDER BY e.occurred_at, e.id), '[]')::text FROM events e" \
	"    WHERE e.ticket_id = t.id AND e.kind = 'status_changed')," \
	"  (SELECT json_agg(json_build_array(extract(epoch FROM e.occurred_at)::bigint, e.holder)" \
	"     ORDER BY e.occurred_at, e.id)::text FROM events e WHERE e.ticket_id = t.id)" \
	" FROM tickets t JOIN chain_versions cv" \
	"  ON cv.service_id = t.service_id AND cv.version = t.chain_version" \
	" WHERE t.id = $1::uuid" \
	" UNION ALL SELECT 'l', l.id::text, extract(epoch FROM l.created_at)::bigint::text," \
	"  NULL, coalesce(l.sla_contract, (SELECT x FROM components c," \
	"    jsonb_array_elements(sp.contracts) x" \
	"    WHERE c.service_id = t.service_id AND c.chain_version = t.chain_version" \
	"     AND c.key = l.component_key AND c.supplier_id = l.supplier_id" \
	"     AND x->>'key' = c.contract LIMIT 1))::text, NULL," \
	"  (SELECT extract(epoch FROM min(e.occurred_at))::bigint::text FROM events e" \
	"    WHERE e.leg_id = l.id AND e.kind = 'acknowledged')," \
	"  (SELECT coalesce(json_agg(s.step ORDER BY s.at, s.id), '[]')::text FROM (" \
	"    SELECT e.occurred_at AS at, e.id, json_build_array(" \
	"      extract(epoch FROM e.occurred_at)::bigint, e.data->>'to') AS step" \
	"    FROM events e WHERE e.leg_id = l.id" \
	"     AND e.kind IN ('supplier_update', 'leg_closed', 'leg_reopened')" \
	"    UNION ALL SELECT l.ended_at, 9223372036854775807," \
	"     json_build_array(extract(epoch FROM l.ended_at)::bigint, 'cancelled')" \
	"    WHERE l.ended IS NOT NULL AND l.ended_at IS NOT NULL) s), sp.key" \
	" FROM tickets t JOIN legs l ON l.ticket_id = t.id" \
	" JOIN suppliers sp ON sp.id = l.supplier_id WHERE t.id = $1::uuid" \
	" ORDER BY 1 DESC, 2"

#define SLA_WRITE \
	"WITH tk AS (UPDATE tickets t SET (" \
	"   " KT_STORE_SLA_COLS("sla_response", "sla_resolution") ") = (" KT_STORE_SLA_VALUES ")," \
	"   sla_held = $2::jsonb->'held'" \
	"  FROM jsonb_to_record($2::jsonb->'t') AS k(" KT_STORE_SLA_RECORD ")" \
	"  WHERE t.id = $1::uuid RETURNING t.id)" \
	" UPDATE legs l SET (sla_contract, " KT_STORE_SLA_COLS("sla_ack", "sla_resolve") ")" \
	"  = (k.contract, " KT_STORE_SLA_VALUES ")" \
	" FROM jsonb_to_recordset($2::jsonb->'l') AS k(id uuid, contract jsonb, " \
	"  " KT_STORE_SLA_RECORD ")" \
	" WHERE l.id = k.id AND l.ticket_id = (SELECT id FROM tk)"

static long long num(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? -1 : strtoll(PQgetvalue(res, r, c), NULL, 10);
}

static json_t *epoch_or_null(long long t)
{
	return t >= 0 ? json_integer(t) : json_null();
}

static json_t *met_or_null(int met)
{
	return met < 0 ? json_null() : json_boolean(met);
}

/* The steps of a JSON array [[epoch, status], ...] (unknown statuses
 * skipped) into a new array; *n its length. NULL when out of memory. */
static struct kt_sla_step *steps_of(const char *text, size_t *n)
{
	json_t *a = json_loads(text ? text : "[]", 0, NULL), *v;
	struct kt_sla_step *s = a ? calloc(json_array_size(a) + 1, sizeof(*s)) : NULL;
	size_t i;

	*n = 0;
	json_array_foreach(s ? a : NULL, i, v) {
		if (kt_status_parse(json_string_value(json_array_get(v, 1)), &s[*n].to) == 0)
			s[(*n)++].at = json_integer_value(json_array_get(v, 0));
	}
	json_decref(a);
	return s;
}

json_t *kt_store_sla_clocks(const json_t *agreement, int contract, int priority,
			    long long start, long long ack, const char *steps_text,
			    long long now, int *skip)
{
	const char *first = contract ? "acknowledge_min" : "response_min";
	const char *second = contract ? "resolve_min" : "resolution_min";
	const char *what = contract ? "leg" : "ticket";
	struct kt_sla_agreement a;
	struct kt_sla_history h;
	struct kt_sla_result r[2];
	struct kt_sla_step *steps;
	struct kt_err err = { 0 };
	size_t n;
	json_t *out;

	if (kt_sla_agreement_init(&a, agreement, &err)) {
		kt_log(KT_LOG_WARN, json_pack("{s:s, s:s}", "clock", what, "code", err.code),
		       "SLA clocks not computed: %s", err.message);
		kt_err_release(&err);
		*skip = 1;
		return NULL;
	}
	steps = steps_of(steps_text, &n);
	if (!steps || kt_sla_history_eval(steps, n, KT_SLA_BIT(KT_ST_PENDING_CUSTOMER) |
					  (contract ? KT_SLA_BIT(KT_ST_PENDING_SUPPLIER) : 0), &h)) {
		free(steps);
		kt_sla_agreement_release(&a);
		return NULL;
	}
	kt_sla_agreement_clocks(&a, priority, first, second, start, ack, &h, now, r);
	out = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
		"min1", r[0].has ? json_integer(r[0].target_min) : json_null(),
		"due1", epoch_or_null(r[0].due), "warn1", epoch_or_null(r[0].warn),
		"at1", epoch_or_null(r[0].stopped), "met1", met_or_null(r[0].met),
		"min2", r[1].has ? json_integer(r[1].target_min) : json_null(),
		"due2", epoch_or_null(r[1].due), "warn2", epoch_or_null(r[1].warn),
		"at2", epoch_or_null(r[1].stopped), "met2", met_or_null(r[1].met),
		"paused", (r[0].has && r[0].paused) || (r[1].has && r[1].paused));
	kt_sla_history_release(&h);
	free(steps);
	kt_sla_agreement_release(&a);
	return out;
}

/* Whether a clock pair of kt_store_sla_clocks has an alert to record at
 * now: a warning instant before its stop (or now), or a breach. */
static int alert_due(const json_t *pair, long long now)
{
	static const char *const keys[2][4] = {
		{ "warn1", "due1", "at1", "met1" }, { "warn2", "due2", "at2", "met2" },
	};

	for (int i = 0; pair && i < 2; i++) {
		const json_t *warn = json_object_get(pair, keys[i][0]);
		const json_t *due = json_object_get(pair, keys[i][1]);
		const json_t *at = json_object_get(pair, keys[i][2]);
		long long end = json_is_integer(at) ? json_integer_value(at) : now;

		if ((json_is_integer(warn) && json_integer_value(warn) <= end) ||
		    json_is_false(json_object_get(pair, keys[i][3])) ||
		    (json_is_integer(due) && !json_is_integer(at) && json_integer_value(due) <= now))
			return 1;
	}
	return 0;
}

/* The due time of the resolution clock of a ticket's pair when it was
 * breached (stopped late, or running past it), else -1. */
static long long breached_at(const json_t *pair, long long now)
{
	const json_t *due = json_object_get(pair, "due2"), *met = json_object_get(pair, "met2");

	if (!json_is_integer(due))
		return -1;
	if (json_is_false(met) || (json_is_null(met) && json_integer_value(due) <= now))
		return json_integer_value(due);
	return -1;
}

static json_t *parsed(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : json_loads(PQgetvalue(res, r, c), 0, NULL);
}

#define LEG_WAITS (KT_SLA_BIT(KT_ST_PENDING_CUSTOMER) | KT_SLA_BIT(KT_ST_PENDING_SUPPLIER))

/* Who held the ticket of res (SLA_READ's rows), in business time of its
 * SLA's calendar (sla), up to its resolution or now (sla/held.h); with
 * breach_at >= 0 (the resolution clock's due time, passed) also who held
 * it until then, as "breach": the parties whose time used the target up.
 * NULL when the calendar cannot be read or out of memory. */
static json_t *held_of(const json_t *sla, PGresult *res, long long now, long long breach_at)
{
	int n_legs = PQntuples(res) - 1;
	struct kt_sla_history th, *lh = calloc((size_t)n_legs + 1, sizeof(*lh));
	struct kt_sla_leg_time *legs = calloc((size_t)n_legs + 1, sizeof(*legs));
	json_t *hold = json_loads(PQgetisnull(res, 0, 8) ? "[]" : PQgetvalue(res, 0, 8), 0, NULL);
	struct kt_sla_holder_step *holders = calloc(json_array_size(hold) + 1, sizeof(*holders));
	struct kt_sla_step *steps = NULL;
	struct kt_sla_agreement a;
	struct kt_err err = { 0 };
	json_t *out = NULL, *v;
	size_t n, i;
	int made = 0, th_ok = 0, ok = lh && legs && holders && hold;

	if (!ok || kt_sla_agreement_init(&a, sla, &err)) {
		kt_err_release(&err);
		goto out;
	}
	json_array_foreach(hold, i, v)
		holders[i] = (struct kt_sla_holder_step){
			json_integer_value(json_array_get(v, 0)),
			json_string_value(json_array_get(v, 1)) ? json_string_value(json_array_get(v, 1)) : "",
		};
	th_ok = (steps = steps_of(PQgetvalue(res, 0, 7), &n)) &&
		kt_sla_history_eval(steps, n, KT_SLA_BIT(KT_ST_PENDING_CUSTOMER), &th) == 0;
	free(steps);
	ok = th_ok;
	for (; ok && made < n_legs; made++) {
		ok = (steps = steps_of(PQgetvalue(res, made + 1, 7), &n)) &&
		     kt_sla_history_eval(steps, n, LEG_WAITS, &lh[made]) == 0;
		free(steps);
		legs[made] = (struct kt_sla_leg_time){ PQgetvalue(res, made + 1, 8),
						       num(res, made + 1, 2), &lh[made] };
	}
	if (ok)
		out = kt_sla_held(&a.cal, num(res, 0, 2), th.stop >= 0 ? th.stop : now, &th,
				  holders, json_array_size(hold), legs, (size_t)n_legs);
	if (out && breach_at >= 0)
		json_object_set_new(out, "breach",
			kt_sla_held(&a.cal, num(res, 0, 2), breach_at, &th, holders,
				    json_array_size(hold), legs, (size_t)n_legs));
	for (int j = 0; j < made; j++)
		kt_sla_history_release(&lh[j]);
	if (th_ok)
		kt_sla_history_release(&th);
	kt_sla_agreement_release(&a);
out:
	free(lh);
	free(legs);
	free(holders);
	json_decref(hold);
	return out;
}

int kt_store_sla_refresh(struct kt_db *db, const char *ticket_id, struct kt_err *err)
{
	const char *params[2] = { ticket_id };
	json_t *doc = NULL, *legs, *t = NULL, *sla = NULL, *held;
	PGresult *res;
	long long now;
	int priority, skip = 0, rc = KT_OK, alerts = 0;
	char *text = NULL;

	if (!(res = kt_db_exec(db, SLA_READ, 1, params, err)))
		return KT_ERR;
	if (PQntuples(res) == 0 || PQgetvalue(res, 0, 0)[0] != 't') {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	}
	priority = (int)num(res, 0, 3);
	now = num(res, 0, 5);
	sla = parsed(res, 0, 4);
	t = kt_store_sla_clocks(sla, 0, priority, num(res, 0, 2), num(res, 0, 6),
				PQgetvalue(res, 0, 7), now, &skip);
	alerts |= alert_due(t, now);
	held = t ? held_of(sla, res, now, breached_at(t, now)) : NULL;
	legs = json_array();
	for (int r = 1; r < PQntuples(res) && !skip && t && legs; r++) {
		json_t *contract = parsed(res, r, 4), *c;

		c = kt_store_sla_clocks(contract, 1, priority, num(res, r, 2), num(res, r, 6),
					PQgetvalue(res, r, 7), now, &skip);
		if (c) {
			alerts |= alert_due(c, now);
			json_object_set_new(c, "id", json_string(PQgetvalue(res, r, 1)));
			json_object_set_new(c, "contract", contract ? json_incref(contract)
								    : json_null());
			json_array_append_new(legs, c);
		} else if (!skip) {
			json_decref(legs);
			legs = NULL;
		}
		json_decref(contract);
	}
	PQclear(res);
	json_decref(sla);
	if (skip) {
		json_decref(t);
		json_decref(legs);
		json_decref(held);
		return KT_OK;
	}
	if (t && legs)
		doc = json_pack("{s:o, s:o, s:o?}", "t", t, "l", legs, "held", held);
	else {
		json_decref(t);
		json_decref(legs);
		json_decref(held);
	}
	if (!doc || !(text = json_dumps(doc, JSON_COMPACT)))
		rc = kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	else {
		params[1] = text;
		rc = kt_db_cmd(db, SLA_WRITE, 2, params, err);
		/* a stop after the warning or the due time is recorded at once,
		 * a running clock's by the sweep (or here, when it came first) */
		if (rc == KT_OK && alerts)
			rc = kt_db_cmd(db, "SELECT keten_sla_alerts($1::uuid, 100)", 1, params, err);
	}
	free(text);
	json_decref(doc);
	return rc;
}
