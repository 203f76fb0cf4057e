/* tx_delivery.c - the integrator's dead-letter actions on outbox
 * messages (see store/tx_delivery.h): list, replay, discard, replay all of
 * a supplier's, and link a leg to a supplier ticket raised out of band. A
 * transaction file: each action runs one BEGIN..COMMIT and calls rules
 * and rows. */
#include "store/internal.h"
#include "store/row_ticket.h"
#include "store/rule_leg.h"
#include "store/tx_delivery.h"

/* A message's id: a positive bigint in decimal. */
#define MSG_ID_MAX 18

#define BLOCKED \
	"(o.state = 'pending' AND EXISTS (SELECT 1 FROM outbox d" \
	"  WHERE d.leg_id = o.leg_id AND d.seq < o.seq AND d.state = 'dead'))"

#define MSG_JSON \
	"SELECT json_build_object('id', o.id::text, 'leg_id', o.leg_id," \
	" 'ticket_id', t.id, 'ticket_number', t.number, 'supplier', s.key," \
	" 'operation', o.operation, 'seq', o.seq, 'state', o.state," \
	" 'blocked', " BLOCKED ", 'attempts', o.attempts, 'due_at', kt_ts(o.due_at)," \
	" 'outcome', o.outcome, 'history', o.history," \
	" 'created_at', kt_ts(o.created_at), 'updated_at', kt_ts(o.updated_at)), o.id" \
	" FROM outbox o LEFT JOIN legs l ON l.id = o.leg_id" \
	" JOIN tickets t ON t.id = coalesce(l.ticket_id, o.ticket_id)" \
	" LEFT JOIN suppliers s ON s.id = l.supplier_id"

static int is_msg_id(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= MSG_ID_MAX && strspn(s, "0123456789") == n && s[0] != '0';
}

static json_t *message(struct kt_db *db, const char *id, struct kt_err *err)
{
	const char *params[] = { id };
	int found = 0;
	json_t *m = kt_db_json(db, MSG_JSON " WHERE o.id = $1::bigint", 1, params, &found, err);

	if (!m && !found && !kt_err_isset(err))
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such delivery");
	return m;
}

/* The list's filters on $2 (state), $3 (supplier key) and $4 (cursor). */
#define LIST_WHERE \
	" WHERE ($2::text IS NULL OR CASE WHEN $2 = 'blocked' THEN " BLOCKED \
	"   ELSE o.state = $2 END)" \
	"  AND ($3::text IS NULL OR s.key = $3)" \
	"  AND ($4::bigint IS NULL OR o.id < $4::bigint)"

/* Whether the table's row with id exists (a parameterised statement of
 * the form "SELECT 1 FROM t WHERE x = $1"); -1 with err on failure. */
static int exists(struct kt_db *db, const char *sql, const char *id, struct kt_err *err)
{
	PGresult *res = kt_db_exec(db, sql, 1, &id, err);
	int rows;

	if (!res)
		return -1;
	rows = PQntuples(res);
	PQclear(res);
	return rows == 1;
}

json_t *kt_store_delivery_list(struct kt_db *db, const char *state,
			       const char *supplier, const char *ticket_id, int limit,
			       const char *cursor, struct kt_err *err)
{
	char lim[16];
	const char *params[] = { lim, state, supplier, cursor, ticket_id };
	int found;
	PGresult *res;
	json_t *items, *out;
	int rows;

	if (cursor && !is_msg_id(cursor)) {
		kt_err_set(err, KT_EC_MALFORMED, "invalid_cursor", "cursor is not valid");
		return NULL;
	}
	if (supplier &&
	    (found = exists(db, "SELECT 1 FROM suppliers WHERE key = $1", supplier, err)) != 1) {
		if (found == 0)
			kt_err_set(err, KT_EC_NOT_FOUND, "unknown_supplier", "no supplier \"%s\"", supplier);
		return NULL;
	}
	if (ticket_id &&
	    (found = exists(db, "SELECT 1 FROM tickets WHERE id = $1::uuid", ticket_id, err)) != 1) {
		if (found == 0)
			kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
		return NULL;
	}
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	/* Two statements, so that each keeps a plan of its own: one ticket's
	 * messages are found through its legs' index, never by a scan. */
	res = kt_db_exec(db, ticket_id
		? MSG_JSON LIST_WHERE " AND l.ticket_id = $5::uuid ORDER BY o.id DESC LIMIT $1::integer"
		: MSG_JSON LIST_WHERE " AND $5::uuid IS NULL ORDER BY o.id DESC LIMIT $1::integer",
		5, params, err);
	if (!res)
		return NULL;
	items = json_array();
	rows = PQntuples(res);
	for (int i = 0; i < rows && i < limit; i++) {
		json_t *m = json_loads(PQgetvalue(res, i, 0), 0, NULL);

		if (m)
			json_array_append_new(items, m);
	}
	out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
	if (out && rows > limit)
		json_object_set_new(out, "next_cursor", json_string(PQgetvalue(res, limit - 1, 1)));
	PQclear(res);
	if (!out)
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return out;
}

struct locked_msg {
	char ticket_id[KT_UUID_LEN + 1];
	char leg_id[KT_UUID_LEN + 1];
	char state[16];
	int leased;               /* claimed by a dispatcher, lease running */
};

/* Inside the caller's transaction: locks the ticket of message id, then
 * the message. not_found "not_found"; conflict "delivery_in_flight" when a
 * dispatcher is recording its outcome right now (it holds the row and
 * waits for the ticket we hold: skipping it avoids a deadlock). */
static int lock_message(struct kt_db *db, const char *id, struct locked_msg *m,
			struct kt_err *err)
{
	const char *params[] = { id };
	PGresult *res;

	if (!is_msg_id(id))
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such delivery");
	res = kt_db_exec(db, "SELECT coalesce(l.ticket_id, o.ticket_id) FROM outbox o"
			     " LEFT JOIN legs l ON l.id = o.leg_id WHERE o.id = $1::bigint",
			 1, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such delivery");
	}
	snprintf(m->ticket_id, sizeof(m->ticket_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (kt_store_ticket_lock(db, m->ticket_id, err))
		return KT_ERR;
	res = kt_db_exec(db, "SELECT o.state, o.leg_id, coalesce(o.lease_until > now(), false)"
			     " FROM outbox o WHERE o.id = $1::bigint FOR UPDATE SKIP LOCKED",
			 1, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return kt_err_set(err, KT_EC_CONFLICT, "delivery_in_flight",
				  "delivery %s is being recorded; try again", id);
	}
	snprintf(m->state, sizeof(m->state), "%s", PQgetvalue(res, 0, 0));
	snprintf(m->leg_id, sizeof(m->leg_id), "%s", PQgetvalue(res, 0, 1));
	m->leased = PQgetvalue(res, 0, 2)[0] == 't';
	PQclear(res);
	return KT_OK;
}

/* Replays (discard = 0) or discards locked dead message id and records
 * the event. outcome NULL keeps the message's outcome; else it becomes
 * the new outcome (jsonb text), the old one going to the history. */
static int act(struct kt_db *db, const char *id, const struct locked_msg *m,
	       int discard, const char *why, const char *outcome, const char *actor,
	       struct kt_err *err)
{
	const char *params[] = { id, discard ? "discarded" : "pending", why, actor, outcome };
	PGresult *res;
	json_t *data;

	/* A replay starts a fresh retry budget (first_attempt_at): the
	 * integrator decided to try again, and the old budget is spent. */
	res = kt_db_exec(db,
		"UPDATE outbox SET state = $2,"
		"  due_at = CASE WHEN $2 = 'pending' THEN now() ELSE due_at END,"
		"  first_attempt_at = CASE WHEN $2 = 'pending' THEN NULL ELSE first_attempt_at END,"
		"  paused_ms = CASE WHEN $2 = 'pending' THEN 0 ELSE paused_ms END,"
		"  history = history || jsonb_build_array(jsonb_build_object('action', $3::text,"
		"   'at', kt_ts(now()), 'actor', $4::text, 'state', state, 'attempts', attempts,"
		"   'outcome', outcome)),"
		"  outcome = coalesce($5::jsonb, outcome),"
		"  lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = now()"
		" WHERE id = $1::bigint RETURNING operation, attempts", 5, params, err);
	if (!res)
		return KT_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such delivery");
	}
	data = json_pack("{s:s, s:s, s:I}", "delivery_id", id, "operation", PQgetvalue(res, 0, 0),
			 "attempts", (json_int_t)strtoll(PQgetvalue(res, 0, 1), NULL, 10));
	PQclear(res);
	/* A notification (migration 026) has no leg. */
	return kt_store_leg_event(db, m->ticket_id, m->leg_id[0] ? m->leg_id : NULL,
				  discard ? "delivery_discarded" : "delivery_replayed",
				  "integrator", actor, NULL, NULL, data, err);
}

/* One dead message replayed or discarded, in its own transaction. */
static int act_one(struct kt_db *db, const char *id, int discard, const char *actor,
		   json_t **out, struct kt_err *err)
{
	struct locked_msg m;

	*out = NULL;
	if (kt_db_begin(db, err))
		return KT_ERR;
	if (lock_message(db, id, &m, err))
		goto fail;
	if (strcmp(m.state, "dead") != 0) {
		kt_err_set(err, KT_EC_CONFLICT, "not_dead", "delivery %s is %s, not dead", id, m.state);
		goto fail;
	}
	if (act(db, id, &m, discard, discard ? "discarded" : "replayed", NULL, actor, err) ||
	    !(*out = message(db, id, err)) || kt_db_commit(db, err))
		goto fail;
	return KT_OK;
fail:
	kt_db_rollback(db);
	json_decref(*out);
	*out = NULL;
	return KT_ERR;
}

int kt_store_delivery_replay(struct kt_db *db, const char *id, const char *actor,
			     json_t **out, struct kt_err *err)
{
	return act_one(db, id, 0, actor, out, err);
}

int kt_store_delivery_discard(struct kt_db *db, const char *id, const char *actor,
			      json_t **out, struct kt_err *err)
{
	return act_one(db, id, 1, actor, out, err);
}

int kt_store_delivery_replay_supplier(struct kt_db *db, const char *key,
				      const char *actor, int *n, struct kt_err *err)
{
	const char *params[] = { key };
	PGresult *res = NULL;
	char sid[KT_UUID_LEN + 1];

	*n = 0;
	if (kt_db_begin(db, err))
		return KT_ERR;
	res = kt_db_exec(db, "SELECT id FROM suppliers WHERE key = $1", 1, params, err);
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_supplier", "no supplier \"%s\"", key);
		goto fail;
	}
	snprintf(sid, sizeof(sid), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	params[0] = sid;
	/* Every ticket first, in one order (a concurrent replay of the same
	 * supplier waits instead of deadlocking), then their messages. */
	res = kt_db_exec(db, "SELECT t.id FROM tickets t WHERE t.id IN (SELECT l.ticket_id"
			     "  FROM outbox o JOIN legs l ON l.id = o.leg_id"
			     "  WHERE o.state = 'dead' AND l.supplier_id = $1::uuid)"
			     " ORDER BY t.id FOR UPDATE OF t", 1, params, err);
	if (!res)
		goto fail;
	PQclear(res);
	res = kt_db_exec(db, "SELECT o.id, l.ticket_id, o.leg_id FROM outbox o"
			     " JOIN legs l ON l.id = o.leg_id"
			     " WHERE o.state = 'dead' AND l.supplier_id = $1::uuid"
			     " ORDER BY o.id FOR UPDATE OF o SKIP LOCKED", 1, params, err);
	if (!res)
		goto fail;
	for (int i = 0; i < PQntuples(res); i++) {
		struct locked_msg m = { .state = "dead" };

		snprintf(m.ticket_id, sizeof(m.ticket_id), "%s", PQgetvalue(res, i, 1));
		snprintf(m.leg_id, sizeof(m.leg_id), "%s", PQgetvalue(res, i, 2));
		if (act(db, PQgetvalue(res, i, 0), &m, 0, "replayed", NULL, actor, err))
			goto fail;
		(*n)++;
	}
	PQclear(res);
	res = NULL;
	if (kt_db_commit(db, err))
		goto fail;
	return KT_OK;
fail:
	PQclear(res);
	kt_db_rollback(db);
	*n = 0;
	return KT_ERR;
}

int kt_store_delivery_link(struct kt_db *db, const char *leg_id,
			   const char *external_id, const char *actor, json_t **out,
			   struct kt_err *err)
{
	const char *params[] = { leg_id, external_id };
	char ticket_id[KT_UUID_LEN + 1], msg_id[MSG_ID_MAX + 1] = "";
	PGresult *res = NULL;
	json_t *discarded = NULL;
	int changed = 0;

	*out = NULL;
	if (kt_db_begin(db, err))
		return KT_ERR;
	res = kt_db_exec(db, "SELECT ticket_id FROM legs WHERE id = $1::uuid", 1, params, err);
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg");
		goto fail;
	}
	snprintf(ticket_id, sizeof(ticket_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (kt_store_ticket_lock(db, ticket_id, err))
		goto fail_clear;
	res = kt_db_exec(db, "SELECT external_id IS NOT NULL AND external_id <> $2,"
			     "  external_id IS NULL, coalesce(external_id, '')"
			     " FROM legs WHERE id = $1::uuid FOR UPDATE", 2, params, err);
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg");
		goto fail;
	}
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		kt_err_set(err, KT_EC_CONFLICT, "external_id_conflict",
			   "leg already has external id \"%s\"", PQgetvalue(res, 0, 2));
		goto fail;
	}
	changed = PQgetvalue(res, 0, 1)[0] == 't';
	PQclear(res);
	/* The create that has not reached the supplier: it must never go out
	 * now, or the supplier would get a second ticket for this leg. */
	res = kt_db_exec(db, "SELECT id FROM outbox WHERE leg_id = $1::uuid"
			     " AND operation = 'create' AND state IN ('pending', 'dead')"
			     " ORDER BY seq LIMIT 1", 1, params, err);
	if (!res)
		goto fail;
	if (PQntuples(res) == 1)
		snprintf(msg_id, sizeof(msg_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (msg_id[0]) {
		struct locked_msg m;
		char *outcome;
		json_t *o;
		int rc;

		if (lock_message(db, msg_id, &m, err))
			goto fail_clear;
		if (m.leased) {
			kt_err_set(err, KT_EC_CONFLICT, "delivery_in_flight",
				   "the create of this leg is being sent; try again");
			goto fail_clear;
		}
		o = json_pack("{s:s, s:s, s:s, s:s}", "kind", "linked", "code", "linked",
			      "message", "linked by the integrator to an existing supplier ticket",
			      "external_id", external_id);
		outcome = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (!outcome) {
			kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
			goto fail_clear;
		}
		rc = act(db, msg_id, &m, 1, "linked", outcome, actor, err);
		free(outcome);
		if (rc)
			goto fail_clear;
		changed = 1;
	}
	if (changed) {
		struct kt_leg_change c = { .external_id = external_id };
		struct kt_leg_apply a = { leg_id, ticket_id, actor, &c };

		if (kt_store_leg_apply_all(db, &a, 1, err) ||
		    kt_store_leg_event(db, ticket_id, leg_id, "linked", "integrator", actor,
				       NULL, NULL,
				       json_pack("{s:s, s:s?}", "external_id", external_id,
						 "delivery_id", msg_id[0] ? msg_id : NULL),
				       err))
			goto fail_clear;
	}
	if (msg_id[0] && !(discarded = message(db, msg_id, err)))
		goto fail_clear;
	*out = json_pack("{s:s, s:s, s:s, s:o}", "leg_id", leg_id, "ticket_id", ticket_id,
			 "external_id", external_id,
			 "discarded", discarded ? discarded : json_null());
	if (!*out) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		goto fail_clear;
	}
	if (kt_db_commit(db, err))
		goto fail_clear;
	return KT_OK;
fail:
	PQclear(res);
fail_clear:
	kt_db_rollback(db);
	json_decref(*out);
	*out = NULL;
	return KT_ERR;
}
