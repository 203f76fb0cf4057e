/* tx_outbox.c - claiming outbox messages, handing them back unsent,
 * crediting open circuits and raising late creates (see store/tx_outbox.h;
 * recording outcomes is store/tx_outcome.c's). A transaction file: the
 * dispatcher's transactions on the outbox. */
#include "base/utf8.h"
#include "store/internal.h"
#include "store/row_instance.h"
#include "store/rule_leg.h"
#include "store/rule_ticket.h"
#include "store/tx_outbox.h"

void kt_claimed_msg_release(struct kt_claimed_msg *m)
{
	struct kt_claimed_supplier *s = &m->supplier;

	free(m->id);
	free(m->token);
	free(m->leg_id);
	free(m->ticket_id);
	free(m->idempotency_key);
	json_decref(m->payload);
	free(s->id);
	free(s->key);
	free(s->adapter);
	free(s->endpoint);
	free(s->secret_ref);
	json_decref(s->mapping);
	json_decref(s->delivery);
	json_decref(s->auth);
	json_decref(m->step_state);
	memset(m, 0, sizeof(*m));
}

/* The columns of kt_store_outbox_claim's answer, in order. */
enum claim_col {
	C_ID, C_TOKEN, C_LEG, C_TICKET, C_SEQ, C_OPERATION, C_IDEM, C_PAYLOAD,
	C_ATTEMPTS, C_IN_DOUBT, C_USED, C_SID, C_KEY, C_ADAPTER, C_ENDPOINT,
	C_SECRET_REF, C_MAPPING, C_DELIVERY, C_QUEUED, C_AUTH, C_STEP, C_STEP_STATE,
	C_TICKET_JSON, C_TICKET_ID, C_SATURATED,
};

/* A copy of text column col of row i, or NULL when it is NULL; sets *oom
 * when out of memory. */
static char *col_str(PGresult *res, int i, int col, int *oom)
{
	char *s;

	if (PQgetisnull(res, i, col))
		return NULL;
	s = strdup(PQgetvalue(res, i, col));
	if (!s)
		*oom = 1;
	return s;
}

static long long col_int(PGresult *res, int i, int col)
{
	return PQgetisnull(res, i, col) ? 0 : strtoll(PQgetvalue(res, i, col), NULL, 10);
}

/* Document column col of row i (NULL when the column is); a document
 * Jansson cannot read (such as an integer beyond 64 bits) sets m's
 * unreadable reason, naming the column. */
static json_t *col_json(PGresult *res, int i, int col, const char *name,
			struct kt_claimed_msg *m)
{
	json_error_t jerr;
	json_t *v;

	if (PQgetisnull(res, i, col))
		return NULL;
	v = json_loads(PQgetvalue(res, i, col), JSON_DECODE_ANY, &jerr);
	if (!v && !m->unreadable[0]) {
		snprintf(m->unreadable, sizeof(m->unreadable), "the message's %s cannot be read: %s",
			 name, jerr.text);
		kt_utf8_trim(m->unreadable);
	}
	return v;
}

/* Fills m from row i of a claim's answer. */
static int claimed_row(PGresult *res, int i, struct kt_claimed_msg *m, struct kt_err *err)
{
	struct kt_claimed_supplier *s = &m->supplier;
	int oom = 0;

	m->id = col_str(res, i, C_ID, &oom);
	m->token = col_str(res, i, C_TOKEN, &oom);
	m->leg_id = col_str(res, i, C_LEG, &oom);
	m->ticket_id = col_str(res, i, C_TICKET, &oom);
	m->seq = col_int(res, i, C_SEQ);
	m->idempotency_key = col_str(res, i, C_IDEM, &oom);
	m->attempts = (int)col_int(res, i, C_ATTEMPTS);
	m->in_doubt = PQgetvalue(res, i, C_IN_DOUBT)[0] == 't';
	m->budget_used_ms = col_int(res, i, C_USED);
	m->queued_ms = col_int(res, i, C_QUEUED);
	s->id = col_str(res, i, C_SID, &oom);
	s->key = col_str(res, i, C_KEY, &oom);
	s->adapter = col_str(res, i, C_ADAPTER, &oom);
	s->endpoint = col_str(res, i, C_ENDPOINT, &oom);
	s->secret_ref = col_str(res, i, C_SECRET_REF, &oom);
	if (oom)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	if (kt_operation_parse(PQgetvalue(res, i, C_OPERATION), &m->op) != KT_OK)
		snprintf(m->unreadable, sizeof(m->unreadable), "the message's operation "
			 "\"%.40s\" is not one the broker knows", PQgetvalue(res, i, C_OPERATION));
	m->payload = col_json(res, i, C_PAYLOAD, "payload", m);
	s->mapping = col_json(res, i, C_MAPPING, "supplier mapping", m);
	s->delivery = col_json(res, i, C_DELIVERY, "supplier delivery limits", m);
	s->auth = col_json(res, i, C_AUTH, "supplier auth", m);
	m->step = (int)col_int(res, i, C_STEP);
	m->step_state = col_json(res, i, C_STEP_STATE, "step state", m);
	return KT_OK;
}

/* Adds row i's ticket record to tickets ({ticket id: full record}), once
 * per ticket; a record Jansson cannot read is left out (kt_build then
 * finds no ticket, and the message is settled as such). */
static int claimed_ticket(PGresult *res, int i, json_t *tickets, struct kt_err *err)
{
	const char *id = PQgetvalue(res, i, C_TICKET_ID);
	json_t *t;

	if (PQgetisnull(res, i, C_TICKET_JSON) || json_object_get(tickets, id))
		return KT_OK;
	t = json_loads(PQgetvalue(res, i, C_TICKET_JSON), 0, NULL);
	if (t && json_object_set_new(tickets, id, t))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return KT_OK;
}

/* Fills a new array of the claim's messages from its answer, and tickets
 * with their tickets' records. */
static int claimed_read(PGresult *res, struct kt_claimed_msg **out, size_t *n,
			json_t *tickets, struct kt_err *err)
{
	int rows = PQntuples(res);

	if (rows == 0)
		return KT_OK;
	*out = calloc((size_t)rows, sizeof(**out));
	if (!*out)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	for (int i = 0; i < rows; i++) {
		if (claimed_row(res, i, &(*out)[i], err) == KT_OK &&
		    claimed_ticket(res, i, tickets, err) == KT_OK)
			continue;
		for (int j = 0; j <= i; j++)
			kt_claimed_msg_release(&(*out)[j]);
		free(*out);
		*out = NULL;
		return KT_ERR;
	}
	*n = (size_t)rows;
	return KT_OK;
}

int kt_store_outbox_claim(struct kt_db *db, const char *owner, int limit,
			  int lease_ms, int lag_ms, const struct kt_claim_gates *gates,
			  struct kt_claimed_msg **out, size_t *n, json_t **tickets,
			  int *saturated, struct kt_err *err)
{
	char lim[16], lease[16], lag[16], most[16];
	char *skip = gates->paused ? json_dumps(gates->paused, JSON_COMPACT) : NULL;
	char *busy = gates->busy ? json_dumps(gates->busy, JSON_COMPACT) : NULL;
	const char *params[] = { lim, owner, lease, skip, lag, most, busy };
	PGresult *res;
	int rc;

	*out = NULL;
	*n = 0;
	*saturated = 0;
	*tickets = json_object();
	if ((gates->paused && !skip) || (gates->busy && !busy) || !*tickets) {
		free(skip);
		free(busy);
		json_decref(*tickets);
		*tickets = NULL;
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(lease, sizeof(lease), "%d", lease_ms);
	snprintf(lag, sizeof(lag), "%d", lag_ms);
	snprintf(most, sizeof(most), "%d", gates->max_inflight);
	/* Each supplier with room (not paused, $4: circuit open or its calls
	 * at their limit) is read on its own, as far as its room goes (its own
	 * max_inflight, else $6, less its calls in flight, $7), through its
	 * part of outbox_supplier_due_idx (migration 038): a backlog of a
	 * supplier without room is never walked. Of what that locks, the $1
	 * most urgent are claimed; the rest stay unclaimed, and more of them
	 * than $1 says the claim was saturated. A dead message keeps the rest
	 * of its leg back, as a pending one does, so a leg's messages never
	 * overtake; a discarded one does not. An in-doubt create waits out the
	 * supplier's own search_lag_ms, else $5. The claimed come back in
	 * claim order, so the most urgent goes first (and is the probe of a
	 * half-open circuit). */
	res = kt_db_exec(db,
		"WITH sp AS (SELECT id, delivery, room FROM (SELECT s.id, s.delivery,"
		"   coalesce((s.delivery ->> 'max_inflight')::integer, $6::integer)"
		"    - coalesce(($7::jsonb ->> s.id::text)::integer, 0) AS room"
		"   FROM suppliers s WHERE NOT (coalesce($4::jsonb, '[]'::jsonb) ? s.id::text)"
		"    AND " KT_STORE_NOT_HELD ") q WHERE room > 0),"
		" c AS (SELECT x.id, x.priority, x.due_at FROM sp CROSS JOIN LATERAL"
		"  (SELECT o.id, o.priority, o.due_at FROM outbox o"
		"   WHERE o.supplier_id = sp.id AND o.state = 'pending' AND o.due_at <= now()"
		"    AND (o.lease_until IS NULL"
		"     OR o.lease_until < now() - CASE WHEN o.operation = 'create'"
		"      THEN coalesce((sp.delivery ->> 'search_lag_ms')::integer, $5::integer)"
		"      ELSE 0 END * interval '1 millisecond')"
		"    AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.leg_id = o.leg_id"
		"      AND p.seq < o.seq AND p.state NOT IN ('done', 'discarded'))"
		"   ORDER BY o.priority, o.due_at LIMIT sp.room FOR UPDATE OF o SKIP LOCKED) x),"
		" r AS (SELECT id FROM c ORDER BY priority, due_at LIMIT $1::integer),"
		" u AS (UPDATE outbox o SET lease_owner = $2, lease_token = gen_random_uuid(),"
		"  lease_until = now() + $3::integer * interval '1 millisecond',"
		"  attempts = o.attempts + 1, first_attempt_at = coalesce(o.first_attempt_at, now()),"
		"  in_doubt = o.in_doubt OR (o.lease_token IS NOT NULL AND o.operation = 'create'),"
		"  updated_at = now()"
		" FROM r, legs l, suppliers s"
		" WHERE o.id = r.id AND l.id = o.leg_id AND s.id = l.supplier_id"
		" RETURNING o.id::text AS id, o.lease_token::text AS token, o.leg_id::text AS leg,"
		"  l.ticket_id::text AS ticket, o.seq, o.operation, o.idempotency_key,"
		"  o.payload::text AS payload, o.attempts, o.in_doubt,"
		"  (extract(epoch FROM now() - o.first_attempt_at) * 1000)::bigint - o.paused_ms"
		"   AS used, s.id::text AS sid, s.key, s.adapter, s.endpoint, s.secret_ref,"
		"  s.mapping::text AS mapping, s.delivery::text AS delivery,"
		"  (extract(epoch FROM now() - o.created_at) * 1000)::bigint AS queued,"
		"  s.auth::text AS auth, o.step, o.step_state::text AS step_state,"
		"  o.priority, o.due_at)"
		" SELECT u.id, token, leg, ticket, seq, operation, idempotency_key, payload,"
		"  attempts, in_doubt, used, sid, key, adapter, endpoint, secret_ref, mapping,"
		"  delivery, queued, auth, step, step_state, tj.j::text, tj.tid::text,"
		"  (SELECT count(*) FROM c) > $1::integer"
		" FROM u LEFT JOIN LATERAL (" KT_STORE_TICKET_JSON("")
		"  WHERE t.id = u.ticket::uuid) AS tj(j, created, created_at, tid) ON true"
		" ORDER BY u.priority, u.due_at",
		7, params, err);
	free(skip);
	free(busy);
	if (!res) {
		json_decref(*tickets);
		*tickets = NULL;
		return KT_ERR;
	}
	rc = claimed_read(res, out, n, *tickets, err);
	*saturated = PQntuples(res) > 0 && PQgetvalue(res, 0, C_SATURATED)[0] == 't';
	PQclear(res);
	if (rc != KT_OK) {
		json_decref(*tickets);
		*tickets = NULL;
	}
	return rc;
}

int kt_store_outbox_unlease(struct kt_db *db, const char *id, const char *token,
			    long long delay_ms, int *stale, struct kt_err *err)
{
	char delay[24];
	const char *params[] = { id, token, delay };
	PGresult *res;

	snprintf(delay, sizeof(delay), "%lld", delay_ms);
	res = kt_db_exec(db,
		"UPDATE outbox o SET attempts = o.attempts - 1,"
		"  first_attempt_at = CASE WHEN o.attempts <= 1 THEN NULL ELSE o.first_attempt_at END,"
		"  lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = now(),"
		"  due_at = now() + $3::bigint * interval '1 millisecond'"
		" WHERE o.id = $1::bigint AND o.lease_token = $2::uuid RETURNING o.id",
		3, params, err);
	if (!res)
		return KT_ERR;
	*stale = PQntuples(res) != 1;
	PQclear(res);
	return KT_OK;
}

int kt_store_outbox_credit(struct kt_db *db, const json_t *credits, struct kt_err *err)
{
	char *text = json_dumps(credits, JSON_COMPACT);
	const char *params[] = { text };
	int rc;

	if (!text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	/* The period is [now - ms, now]; of it, a message gets what lies after
	 * its first attempt and after credited_until (its last outcome or
	 * credit), so another node's credit of the same instants, and time
	 * the message spent being tried, are not credited again. A node whose
	 * transaction began before another's credit committed credits only
	 * what lies after that one (the row is re-read once its lock is). */
	rc = kt_db_cmd(db,
		"UPDATE outbox o SET paused_ms = o.paused_ms + (extract(epoch FROM now() -"
		"   greatest(now() - c.ms::bigint * interval '1 millisecond',"
		"    o.first_attempt_at, o.credited_until)) * 1000)::bigint,"
		"  credited_until = now()"
		" FROM jsonb_each_text($1::jsonb) c(supplier_id, ms), legs l"
		" WHERE l.supplier_id = c.supplier_id::uuid AND o.leg_id = l.id"
		"  AND o.state = 'pending' AND o.first_attempt_at IS NOT NULL"
		"  AND greatest(now() - c.ms::bigint * interval '1 millisecond',"
		"   o.first_attempt_at, o.credited_until) < now()",
		1, params, err);
	free(text);
	return rc;
}

/* A leg (l) of ticket (t) whose late create is still worth raising: not
 * raised yet, not ended by the broker (withdrawn, rejected, cancelled),
 * and its ticket neither closed nor cancelled. */
#define STILL_AWAITED \
	"l.delivery_delayed_at IS NULL AND l.ended IS NULL" \
	" AND t.status NOT IN ('closed', 'cancelled')"

/* Raises one leg found by kt_store_outbox_delayed; *raised++ when this
 * node was the one. */
static int raise_delayed(struct kt_db *db, PGresult *found, int row, int *raised,
			 struct kt_err *err)
{
	const char *ticket_id = PQgetvalue(found, row, 1);
	const char *params[] = { PQgetvalue(found, row, 0) };
	PGresult *res = NULL;

	if (kt_db_begin(db, err))
		return KT_ERR;
	if (kt_store_ticket_lock(db, ticket_id, err))
		goto rollback;
	/* Checked again under the lock: the leg may have ended, or its ticket
	 * closed, since the sweep found it. */
	res = kt_db_exec(db,
		"UPDATE legs l SET delivery_delayed_at = now() FROM tickets t"
		" WHERE l.id = $1::uuid AND t.id = l.ticket_id AND " STILL_AWAITED
		" RETURNING l.id", 1, params, err);
	if (!res)
		goto rollback;
	if (PQntuples(res) == 1 &&
	    kt_store_leg_event(db, ticket_id, params[0], "delivery_delayed", "integrator",
		"system", NULL, NULL,
		json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "operation", "create",
			  "priority", (json_int_t)strtoll(PQgetvalue(found, row, 2), NULL, 10),
			  "threshold_ms", (json_int_t)strtoll(PQgetvalue(found, row, 3), NULL, 10),
			  "waited_ms", (json_int_t)strtoll(PQgetvalue(found, row, 4), NULL, 10),
			  "attempts", (json_int_t)strtoll(PQgetvalue(found, row, 5), NULL, 10),
			  "outcome", PQgetisnull(found, row, 6) ? json_null()
				: json_loads(PQgetvalue(found, row, 6), 0, NULL)),
		err))
		goto rollback;
	if (kt_db_commit(db, err))
		goto rollback;
	*raised += PQntuples(res);
	PQclear(res);
	return KT_OK;
rollback:
	PQclear(res);
	kt_db_rollback(db);
	return KT_ERR;
}

int kt_store_outbox_delayed(struct kt_db *db, const struct kt_delayed_policy *p,
			    int *raised, struct kt_err *err)
{
	char p1[24], p2[24], other[24];
	const char *params[] = { p1, p2, other };
	PGresult *res;
	int rc = KT_OK;

	*raised = 0;
	snprintf(p1, sizeof(p1), "%lld", p->p1_ms);
	snprintf(p2, sizeof(p2), "%lld", p->p2_ms);
	snprintf(other, sizeof(other), "%lld", p->other_ms);
	/* outbox_create_pending_idx holds only the creates still pending, so
	 * this reads the few legs not yet delivered, never the history; the
	 * range on created_at by the smallest threshold bounds it further. */
	res = kt_db_exec(db,
		"SELECT l.id, l.ticket_id, o.priority, th.ms,"
		"  (extract(epoch FROM now() - o.created_at) * 1000)::bigint, o.attempts, o.outcome"
		" FROM outbox o JOIN legs l ON l.id = o.leg_id JOIN tickets t ON t.id = l.ticket_id,"
		"  LATERAL (SELECT CASE o.priority WHEN 1 THEN $1::bigint WHEN 2 THEN $2::bigint"
		"   ELSE $3::bigint END AS ms) th"
		" WHERE o.operation = 'create' AND o.state = 'pending'"
		"  AND o.created_at < now() - LEAST($1::bigint, $2::bigint, $3::bigint)"
		"   * interval '1 millisecond'"
		"  AND o.created_at < now() - th.ms * interval '1 millisecond'"
		"  AND " STILL_AWAITED
		" ORDER BY o.created_at LIMIT 100",
		3, params, err);
	if (!res)
		return KT_ERR;
	for (int i = 0; i < PQntuples(res) && rc == KT_OK; i++)
		rc = raise_delayed(db, res, i, raised, err);
	PQclear(res);
	return rc;
}

int kt_store_outbox_depths(struct kt_db *db, json_t **out, struct kt_err *err)
{
	PGresult *res;

	/* outbox_supplier_due_idx holds only pending messages: the backlog,
	 * never the history; each message names its supplier (038). */
	res = kt_db_exec(db,
		"SELECT json_build_object('supplier', s.key, 'depth', coalesce(q.n, 0),"
		"  'oldest_ms', coalesce(q.ms, 0))"
		" FROM suppliers s LEFT JOIN (SELECT o.supplier_id, count(*) AS n,"
		"   (extract(epoch FROM now() - min(o.created_at)) * 1000)::bigint AS ms"
		"  FROM outbox o WHERE o.state = 'pending' AND o.supplier_id IS NOT NULL"
		"  GROUP BY o.supplier_id) q ON q.supplier_id = s.id ORDER BY s.key",
		0, NULL, err);
	if (!res)
		return KT_ERR;
	*out = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = json_loads(PQgetvalue(res, i, 0), 0, NULL);

		if (row)
			json_array_append_new(*out, row);
	}
	PQclear(res);
	return KT_OK;
}
