/* tx_outcome.c - recording the outcomes of delivery attempts (see
 * store/tx_outcome.h): one statement for a batch whose answers leave
 * their legs' status as it was, else one transaction that locks the
 * tickets, updates the messages, adds the events and applies the legs'
 * changes (store/rule_leg.h). A transaction file. */
#include "base/utf8.h"
#include "store/internal.h"
#include "store/row_event.h"
#include "store/rule_leg.h"
#include "store/tx_outcome.h"

static const char *const kind_names[] = {
	"delivered", "not_sent", "ambiguous", "retryable", "permanent",
};

const char *kt_outcome_kind_name(enum kt_outcome_kind kind)
{
	return kind_names[kind];
}

const char *kt_outcome_state(const struct kt_outcome *o)
{
	if (o->kind == KT_OUT_DELIVERED)
		return o->next_step > 0 ? "pending" : "done";
	return o->kind == KT_OUT_PERMANENT || o->gave_up ? "dead" : "pending";
}

/* A row of batch_rows as SQL (jsonb_to_recordset). */
#define BATCH_RECORD \
	"b(i integer, id bigint, token uuid, state text, delay bigint, outcome jsonb," \
	"  credit bigint, in_doubt boolean, delivered boolean, ext text, status text," \
	"  step integer, step_state jsonb)"

/* An outbox row o given back with its outcome, row b of BATCH_RECORD. A
 * next step starts its attempts over. */
#define OUTCOME_SET \
	"state = b.state, outcome = b.outcome, lease_owner = NULL," \
	"  lease_token = NULL, lease_until = NULL, updated_at = now()," \
	"  paused_ms = o.paused_ms + b.credit, in_doubt = b.in_doubt," \
	"  credited_until = now(), step = coalesce(b.step, o.step)," \
	"  step_state = CASE WHEN b.step IS NULL THEN o.step_state ELSE b.step_state END," \
	"  attempts = CASE WHEN b.step IS NULL THEN o.attempts ELSE 0 END," \
	"  due_at = CASE WHEN b.state = 'pending'" \
	"   THEN now() + b.delay * interval '1 millisecond' ELSE o.due_at END"

/* A JSON string of the first max bytes of a supplier's text: what is not
 * valid UTF-8 (a binary body, a character cut at max) becomes '?'. A new
 * reference, or NULL when out of memory. */
static json_t *answer_text(const char *s, size_t n, size_t max)
{
	char *copy;
	size_t len = 0;
	json_t *j;

	if (n > max)
		n = max;
	copy = malloc(n + 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t c = kt_utf8_char((const unsigned char *)s + i, n - i);

		if (c == 0) {
			copy[len++] = '?';
			i++;
			continue;
		}
		memcpy(copy + len, s + i, c);
		len += c;
		i += c;
	}
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

/* The outcome kept for o; a new reference, or NULL when out of memory. */
static json_t *outcome_doc(const struct kt_outcome *o)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "kind", kt_outcome_kind_name(o->kind),
			      "code", o->code, "message", o->message);

	if (!j)
		return NULL;
	if (o->http_status)
		json_object_set_new(j, "http_status", json_integer(o->http_status));
	if ((o->retry_after &&
	     json_object_set_new(j, "retry_after", answer_text(o->retry_after,
							       strlen(o->retry_after), 256))) ||
	    (o->body && json_object_set_new(j, "body", answer_text(o->body, o->body_len,
								   KT_OUTCOME_BODY_MAX))) ||
	    (o->gave_up && json_object_set_new(j, "gave_up", json_string("retry_budget")))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Runs sql with one parameter, the JSON text of doc (which it frees). */
static PGresult *exec_doc(struct kt_db *db, const char *sql, json_t *doc, struct kt_err *err)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	const char *params[] = { text };
	PGresult *res;

	json_decref(doc);
	if (!text) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	res = kt_db_exec(db, sql, 1, params, err);
	free(text);
	return res;
}

/* The rows of a batch's statements, one per outcome of rs (docs[i] its
 * document): [{i, id, token, state, delay, outcome, credit, in_doubt,
 * delivered, ext?, status?, step?, step_state?}]; ext and status are what
 * a delivered answer said of its leg. A new reference, or NULL when out of
 * memory. */
static json_t *batch_rows(const struct kt_outbox_result *rs, json_t **docs, size_t n)
{
	json_t *rows = json_array();

	for (size_t i = 0; rows && i < n; i++) {
		const struct kt_outcome *o = rs[i].o;
		int delivered = o->kind == KT_OUT_DELIVERED;
		json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:I, s:O, s:I, s:b, s:b}",
			"i", (json_int_t)i, "id", rs[i].id, "token", rs[i].token,
			"state", kt_outcome_state(o), "delay", (json_int_t)o->retry_in_ms,
			"outcome", docs[i], "credit", (json_int_t)o->credit_ms,
			"in_doubt", o->in_doubt, "delivered", delivered);

		if (!row || json_array_append_new(rows, row) ||
		    (delivered && o->external_id &&
		     json_object_set_new(row, "ext", json_string(o->external_id))) ||
		    (delivered && o->has_status &&
		     json_object_set_new(row, "status", json_string(kt_status_name(o->status)))) ||
		    (delivered && o->next_step > 0 &&
		     (json_object_set_new(row, "step", json_integer(o->next_step)) ||
		      (o->step_state && json_object_set(row, "step_state",
							(json_t *)o->step_state)))))
			json_decref(rows), rows = NULL;
	}
	return rows;
}

/* Locks the tickets of the outcomes of rs that end their message, in the
 * order of their ids. */
static int lock_ending(struct kt_db *db, const struct kt_outbox_result *rs, size_t n,
		       struct kt_err *err)
{
	json_t *ids = json_array();
	PGresult *res;

	for (size_t i = 0; ids && i < n; i++)
		if (strcmp(kt_outcome_state(rs[i].o), "pending") != 0 &&
		    json_array_append_new(ids, json_string(rs[i].ticket_id)))
			json_decref(ids), ids = NULL;
	if (json_array_size(ids) == 0 && ids) {
		json_decref(ids);
		return KT_OK;
	}
	res = exec_doc(db,
		"SELECT 1 FROM tickets WHERE id IN"
		"  (SELECT x::uuid FROM jsonb_array_elements_text($1::jsonb) x)"
		" ORDER BY id FOR UPDATE", ids, err);
	PQclear(res);
	return res ? KT_OK : KT_ERR;
}

/* Inserts the delivered / delivery_dead events of *events (the rows of
 * kt_store_event_add_all), in order, and empties it. A delivered event's
 * holder is the leg's supplier while the leg is open, a dead letter's the
 * integrator. */
static int add_events(struct kt_db *db, json_t **events, struct kt_err *err)
{
	int rc = kt_store_event_add_all(db, *events, err);

	json_decref(*events);
	*events = json_array();
	if (rc != KT_OK)
		return KT_ERR;
	return *events ? KT_OK : kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
}

/* The update of a batch's outcomes: rows (borrowed) is batch_rows'; one
 * answer row per message whose lease token still matched. */
static PGresult *update_batch(struct kt_db *db, json_t *rows, struct kt_err *err)
{
	return exec_doc(db,
		"UPDATE outbox o SET " OUTCOME_SET
		" FROM jsonb_to_recordset($1::jsonb) AS " BATCH_RECORD ", legs l, suppliers s"
		" WHERE o.id = b.id AND o.lease_token = b.token"
		"  AND l.id = o.leg_id AND s.id = l.supplier_id"
		" RETURNING b.i, o.leg_id, l.ticket_id, 'supplier:' || s.key, o.operation, o.attempts",
		json_incref(rows), err);
}

/* The round of each outcome of rs that ends its message (-1: none, or
 * stale): how many such earlier ones of rs are of its ticket. */
static void end_rounds(const struct kt_outbox_result *rs, size_t n, const int *row_of,
		       int *round)
{
	for (size_t i = 0; i < n; i++) {
		round[i] = -1;
		if (row_of[i] < 0 || strcmp(kt_outcome_state(rs[i].o), "pending") == 0)
			continue;
		round[i] = 0;
		for (size_t j = 0; j < i; j++)
			if (round[j] >= 0 && strcmp(rs[j].ticket_id, rs[i].ticket_id) == 0)
				round[i]++;
	}
}

/* What the answers of round k of rs said of their legs (external id,
 * status), for all of them at once (kt_store_leg_apply_all). */
static int apply_round(struct kt_db *db, const struct kt_outbox_result *rs, size_t n,
		       PGresult *res, const int *row_of, const int *round, int k,
		       struct kt_err *err)
{
	struct kt_leg_change *cs = calloc(n ? n : 1, sizeof(*cs));
	struct kt_leg_apply *as = calloc(n ? n : 1, sizeof(*as));
	size_t m = 0;
	int rc;

	if (!cs || !as) {
		free(cs);
		free(as);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const struct kt_outcome *o = rs[i].o;

		if (round[i] != k || o->kind != KT_OUT_DELIVERED || (!o->external_id && !o->has_status))
			continue;
		cs[m] = (struct kt_leg_change){ .external_id = o->external_id,
			.has_status = o->has_status, .status = o->status };
		as[m] = (struct kt_leg_apply){ PQgetvalue(res, row_of[i], 1),
			PQgetvalue(res, row_of[i], 2), PQgetvalue(res, row_of[i], 3), &cs[m] };
		m++;
	}
	rc = kt_store_leg_apply_all(db, as, m, err);
	free(cs);
	free(as);
	return rc;
}

/* The events and leg changes of the outcomes of rs that end their
 * message (res: the update's answer, row_of: each one's row in it). A
 * ticket's own entries come in the order of rs, each message's event
 * before what its leg's change records; so a round takes each ticket's
 * next message: its events in one statement, then its leg changes. */
static int record_ends(struct kt_db *db, const struct kt_outbox_result *rs, json_t **docs,
		       size_t n, PGresult *res, const int *row_of, struct kt_err *err)
{
	int *round = calloc(n ? n : 1, sizeof(*round));
	json_t *events = json_array();
	int rc = KT_OK, more = 1;

	if (!round || !events) {
		free(round);
		json_decref(events);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	end_rounds(rs, n, row_of, round);
	for (int k = 0; rc == KT_OK && more; k++) {
		more = 0;
		for (size_t i = 0; rc == KT_OK && i < n; i++) {
			const struct kt_outcome *o = rs[i].o;
			int r = row_of[i];

			if (round[i] != k)
				continue;
			more = 1;
			if (json_array_append_new(events, json_pack(
				"{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:I, s:O}}",
				"i", (json_int_t)i, "ticket_id", PQgetvalue(res, r, 2),
				"leg_id", PQgetvalue(res, r, 1),
				"kind", o->kind == KT_OUT_DELIVERED ? "delivered" : "delivery_dead",
				"visibility", "integrator", "actor", "system",
				"holder", o->kind == KT_OUT_DELIVERED ? KT_HOLDER_OF_LEG : "integrator",
				"data", "operation", PQgetvalue(res, r, 4),
				"attempts", (json_int_t)strtoll(PQgetvalue(res, r, 5), NULL, 10),
				"outcome", docs[i])))
				rc = kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		}
		if (rc == KT_OK)
			rc = add_events(db, &events, err);
		if (rc == KT_OK)
			rc = apply_round(db, rs, n, res, row_of, round, k, err);
	}
	free(round);
	json_decref(events);
	return rc;
}

/* Records rs in one transaction of several statements; rows (borrowed)
 * are batch_rows', docs[i] is outcome i's document; fills row_of. */
static int finish_tx(struct kt_db *db, const struct kt_outbox_result *rs, json_t **docs,
		     json_t *rows, size_t n, int *row_of, struct kt_err *err)
{
	PGresult *res = NULL;

	if (kt_db_begin(db, err))
		return KT_ERR;
	if (lock_ending(db, rs, n, err) || !(res = update_batch(db, rows, err)))
		goto rollback;
	for (int r = 0; r < PQntuples(res); r++) {
		long long i = strtoll(PQgetvalue(res, r, 0), NULL, 10);

		if (i >= 0 && (size_t)i < n)
			row_of[i] = r;
	}
	if (record_ends(db, rs, docs, n, res, row_of, err))
		goto rollback;
	if (kt_db_commit(db, err))
		goto rollback;
	PQclear(res);
	return KT_OK;
rollback:
	kt_db_rollback(db);
	PQclear(res);
	for (size_t i = 0; i < n; i++)
		row_of[i] = -1;
	return KT_ERR;
}

/* The whole of finish_tx in one statement, for a batch whose answers move
 * no leg's status or acknowledgement (their legs get at most an external
 * id and an accepted event: nothing for C to compute). In order, by data
 * dependency: m, the messages that end (their leg, ticket, supplier); k
 * locks their tickets in id order; g then locks their legs, read as they
 * are now (a lock returns the row's latest version; the statement's
 * snapshot may predate a change committed while it waited for a ticket);
 * f, an answer that would move its leg; u updates the messages whose
 * lease token still matches, only when f is empty; then the legs' external
 * ids (ul) and the events (e), a message's own before its leg's, in the
 * order of rs (a ticket's timeline as finish_tx writes it). It answers i
 * of each message updated, or one row -1 when f was not empty and nothing
 * changed. */
#define FINISH_ONE_SQL \
	"WITH b AS MATERIALIZED (SELECT * FROM jsonb_to_recordset($1::jsonb) AS " BATCH_RECORD ")," \
	" m AS MATERIALIZED (SELECT b.i, o.leg_id, l.ticket_id, s.key FROM b" \
	"  JOIN outbox o ON o.id = b.id JOIN legs l ON l.id = o.leg_id" \
	"  JOIN suppliers s ON s.id = l.supplier_id WHERE b.state <> 'pending')," \
	" k AS MATERIALIZED (SELECT count(*) AS n FROM (SELECT t.id FROM tickets t" \
	"  WHERE t.id IN (SELECT m.ticket_id FROM m) ORDER BY t.id FOR UPDATE OF t) x)," \
	" g AS MATERIALIZED (SELECT m.i, l.status, l.acknowledged, l.ended," \
	"  l.external_id IS NULL AS ext_null, CASE WHEN keten_leg_is_open(l.status, l.ended)" \
	"   THEN 'supplier:' || m.key ELSE 'integrator' END AS holder" \
	"  FROM k, m JOIN legs l ON l.id = m.leg_id ORDER BY l.id FOR UPDATE OF l)," \
	" f AS MATERIALIZED (SELECT g.i FROM g JOIN b ON b.i = g.i WHERE b.delivered" \
	"  AND (b.ext IS NOT NULL OR b.status IS NOT NULL)" \
	"  AND ((g.ended IS NULL AND b.status <> g.status)" \
	"   OR (NOT g.acknowledged AND g.status <> 'new')))," \
	" u AS (UPDATE outbox o SET " OUTCOME_SET " FROM b" \
	"  WHERE o.id = b.id AND o.lease_token = b.token AND NOT EXISTS (SELECT 1 FROM f)" \
	"  RETURNING b.i, o.operation, o.attempts)," \
	" ul AS (UPDATE legs l SET external_id = coalesce(b.ext, l.external_id), updated_at = now()" \
	"  FROM u JOIN b ON b.i = u.i JOIN m ON m.i = u.i" \
	"  WHERE l.id = m.leg_id AND b.delivered AND (b.ext IS NOT NULL OR b.status IS NOT NULL))," \
	" e AS (INSERT INTO events (ticket_id, leg_id, kind, visibility, actor, holder," \
	"   occurred_at, data, key_id)" \
	"  SELECT m.ticket_id, m.leg_id, x.kind, x.visibility, x.actor, x.holder, now(), x.data," \
	"   $2::uuid FROM u JOIN b ON b.i = u.i JOIN m ON m.i = u.i JOIN g ON g.i = u.i," \
	"   LATERAL (SELECT 0 AS n, CASE WHEN b.delivered THEN 'delivered'" \
	"     ELSE 'delivery_dead' END AS kind, 'integrator' AS visibility, 'system' AS actor," \
	"     CASE WHEN b.delivered THEN g.holder ELSE 'integrator' END AS holder," \
	"     jsonb_build_object('operation', u.operation, 'attempts', u.attempts," \
	"      'outcome', b.outcome) AS data" \
	"    UNION ALL SELECT 1, 'accepted', 'supplier', 'supplier:' || m.key, g.holder," \
	"     jsonb_build_object('external_id', b.ext)" \
	"    WHERE b.delivered AND b.ext IS NOT NULL AND g.ext_null) x" \
	"  ORDER BY u.i, x.n)" \
	" SELECT u.i FROM u UNION ALL SELECT -1 WHERE EXISTS (SELECT 1 FROM f)"

/* Records rs in FINISH_ONE_SQL, one round trip; rows (borrowed) are
 * batch_rows'. *moved set: it changed nothing, as an answer moves its
 * leg (finish_tx's work). Fills row_of. */
static int finish_one(struct kt_db *db, json_t *rows, size_t n, int *row_of, int *moved,
		      struct kt_err *err)
{
	char *text = json_dumps(rows, JSON_COMPACT);
	const char *params[] = { text, kt_db_acting_key(db) };
	PGresult *res;

	*moved = 0;
	if (!text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	res = kt_db_exec(db, FINISH_ONE_SQL, 2, params, err);
	free(text);
	if (!res)
		return KT_ERR;
	for (int r = 0; r < PQntuples(res); r++) {
		long long i = strtoll(PQgetvalue(res, r, 0), NULL, 10);

		if (i < 0)
			*moved = 1;
		else if ((size_t)i < n)
			row_of[i] = r;
	}
	PQclear(res);
	return KT_OK;
}

/* Records rs (kt_store_outbox_finish_all without the fallback); docs[i]
 * is outcome i's document. */
static int finish_batch(struct kt_db *db, struct kt_outbox_result *rs, json_t **docs, size_t n,
			int *row_of, struct kt_err *err)
{
	json_t *rows = batch_rows(rs, docs, n);
	int rc, moved = 0;

	for (size_t i = 0; i < n; i++)
		row_of[i] = -1;
	if (!rows)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	rc = finish_one(db, rows, n, row_of, &moved, err);
	if (rc == KT_OK && moved)
		rc = finish_tx(db, rs, docs, rows, n, row_of, err);
	json_decref(rows);
	if (rc != KT_OK)
		return KT_ERR;
	for (size_t i = 0; i < n; i++)
		rs[i].stale = row_of[i] < 0;
	return KT_OK;
}

int kt_store_outbox_finish_all(struct kt_db *db, struct kt_outbox_result *rs, size_t n,
			       struct kt_err *err)
{
	json_t **docs = calloc(n ? n : 1, sizeof(*docs));
	int *row_of = calloc(n ? n : 1, sizeof(*row_of));
	int rc = KT_ERR;

	for (size_t i = 0; i < n; i++)
		rs[i].stale = rs[i].failed = 0;
	for (size_t i = 0; docs && i < n; i++)
		if (!(docs[i] = outcome_doc(rs[i].o)))
			break;
	if (!docs || !row_of || (n && !docs[n - 1])) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		for (size_t i = 0; i < n; i++)
			rs[i].failed = 1;
	} else if (n == 0 || finish_batch(db, rs, docs, n, row_of, err) == KT_OK) {
		rc = KT_OK;
	} else if (n == 1) {
		rs[0].failed = 1;
	} else {
		/* One that cannot be recorded must not hold back the rest. */
		rc = KT_OK;
		for (size_t i = 0; i < n; i++) {
			kt_err_release(err);
			if (finish_batch(db, &rs[i], &docs[i], 1, &row_of[i], err) != KT_OK) {
				rs[i].failed = 1;
				rc = KT_ERR;
			}
		}
		if (rc == KT_OK)
			kt_err_release(err);
	}
	for (size_t i = 0; docs && i < n; i++)
		json_decref(docs[i]);
	free(docs);
	free(row_of);
	return rc;
}

