/* tx_resolution.c - closing, reopening and auto-closing resolved
 * tickets (see store/tx_resolution.h). A transaction file: each function
 * runs one BEGIN..COMMIT and calls rules and rows. */
#include "store/internal.h"
#include "store/row_leg.h"
#include "store/row_outbox.h"
#include "store/row_ticket.h"
#include "store/rule_leg.h"
#include "store/rule_status.h"
#include "store/tx_resolution.h"

/* The "closed" event's words for the customer. */
#define CONFIRMED_TEXT "resolution confirmed"
#define AUTOMATIC_TEXT "closed automatically: the resolution was not confirmed in time"

/* Begins the transaction of a close or a reopen with ticket id locked for
 * p; the ticket must be resolved (conflict "not_resolved" otherwise). On
 * failure nothing stays open. */
static int begin_resolved(struct kt_db *db, const char *id, const struct kt_principal *p,
			  struct kt_err *err)
{
	char status[32];

	if (kt_db_begin(db, err))
		return KT_ERR;
	if (kt_store_ticket_lock_for(db, id, p, status, err))
		goto fail;
	if (strcmp(status, "resolved") != 0) {
		kt_err_set(err, KT_EC_CONFLICT, "not_resolved", "the ticket is %s, not resolved", status);
		goto fail;
	}
	return KT_OK;
fail:
	kt_db_rollback(db);
	return KT_ERR;
}

/* Closes the supplier legs of ticket id (locked by the caller) that are
 * open or resolved and that the broker did not end, and queues each
 * supplier the update that tells it the ticket is closed:
 * {"close": {"automatic"}}. */
static int close_legs(struct kt_db *db, const char *id, const char *actor,
		      int automatic, int *n_messages, struct kt_err *err)
{
	const char *params[] = { id };
	json_t *payload = json_pack("{s:{s:b}}", "close", "automatic", automatic);
	PGresult *legs = NULL;
	int rc = KT_ERR;

	if (!payload)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	legs = kt_db_exec(db,
		"SELECT id, status FROM legs WHERE ticket_id = $1::uuid"
		" AND supplier_id IS NOT NULL AND ended IS NULL"
		" AND status NOT IN ('closed', 'cancelled')"
		" ORDER BY created_at, id FOR UPDATE", 1, params, err);
	if (!legs)
		goto out;
	for (int i = 0; i < PQntuples(legs); i++) {
		const char *leg = PQgetvalue(legs, i, 0);

		if (kt_store_leg_set_status(db, leg, "closed", err) ||
		    kt_store_leg_event(db, id, leg, "leg_closed", "supplier", actor, "nobody",
				       NULL, json_pack("{s:s, s:s, s:b}", "from",
						       PQgetvalue(legs, i, 1), "to", "closed",
						       "automatic", automatic), err) ||
		    kt_store_outbox_enqueue(db, leg, KT_OP_UPDATE, payload, n_messages, err))
			goto out;
	}
	rc = KT_OK;
out:
	PQclear(legs);
	json_decref(payload);
	return rc;
}

/* Closes ticket id, locked by the caller and resolved, and its legs. */
static int close_locked(struct kt_db *db, const char *id, const char *actor,
			int automatic, int *n_messages, struct kt_err *err)
{
	const char *params[] = { id, actor, automatic ? AUTOMATIC_TEXT : CONFIRMED_TEXT,
				 automatic ? "true" : "false", kt_db_acting_key(db) };

	if (close_legs(db, id, actor, automatic, n_messages, err) ||
	    kt_db_cmd(db,
		"WITH t AS (UPDATE tickets SET status = 'closed', updated_at = now()"
		"  WHERE id = $1::uuid RETURNING id)"
		" INSERT INTO events (ticket_id, kind, visibility, actor, holder, occurred_at, data,"
		"  key_id)"
		" SELECT id, 'closed', 'customer', $2, 'nobody', now(),"
		"  json_build_object('text', $3::text, 'automatic', $4::boolean), $5::uuid FROM t",
		5, params, err))
		return KT_ERR;
	return kt_store_status_refresh(db, id, actor, err);
}

int kt_store_resolution_close(struct kt_db *db, const char *id,
			      const struct kt_principal *p, int *n_messages,
			      struct kt_err *err)
{
	char actor[80];

	*n_messages = 0;
	kt_principal_actor(p, actor, sizeof(actor));
	if (begin_resolved(db, id, p, err))
		return KT_ERR;
	if (close_locked(db, id, actor, 0, n_messages, err) || kt_db_commit(db, err))
		goto fail;
	return KT_OK;
fail:
	kt_db_rollback(db);
	*n_messages = 0;
	return KT_ERR;
}

/* Puts leg leg_id (locked, resolved or closed) back in progress, tells
 * the timeline and queues the update that tells its supplier why. */
static int reopen_leg(struct kt_db *db, const char *ticket_id, const char *leg_id,
		      const char *was, const char *actor, const char *reason,
		      int *n_messages, struct kt_err *err)
{
	json_t *payload;
	int rc;

	if (kt_store_leg_set_status(db, leg_id, "in_progress", err) ||
	    kt_store_leg_event(db, ticket_id, leg_id, "leg_reopened", "supplier", actor, NULL,
			       NULL, json_pack("{s:s, s:s, s:s}", "from", was,
					       "to", "in_progress", "text", reason), err))
		return KT_ERR;
	payload = json_pack("{s:{s:s}}", "reopen", "reason", reason);
	if (!payload)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	rc = kt_store_outbox_enqueue(db, leg_id, KT_OP_UPDATE, payload, n_messages, err);
	json_decref(payload);
	return rc;
}

int kt_store_resolution_reopen(struct kt_db *db, const char *id,
			       const struct kt_principal *p, const char *reason,
			       int *n_messages, struct kt_err *err)
{
	const char *params[] = { id, NULL, reason, kt_db_acting_key(db) };
	char actor[80];
	PGresult *legs = NULL;

	*n_messages = 0;
	kt_principal_actor(p, actor, sizeof(actor));
	params[1] = actor;
	if (begin_resolved(db, id, p, err))
		return KT_ERR;
	if (kt_db_cmd(db,
		"WITH t AS (UPDATE tickets SET status = 'in_progress', updated_at = now()"
		"  WHERE id = $1::uuid RETURNING id)"
		" INSERT INTO events (ticket_id, kind, visibility, actor, holder, occurred_at, data,"
		"  key_id)"
		" SELECT id, 'reopened', 'customer', $2, 'suppliers', now(),"
		"  json_build_object('text', $3::text), $4::uuid FROM t", 4, params, err))
		goto fail;
	/* The legs that resolved it; a triage leg has no supplier to tell. */
	legs = kt_db_exec(db,
		"SELECT id, status FROM legs WHERE ticket_id = $1::uuid"
		" AND supplier_id IS NOT NULL AND status IN ('resolved', 'closed')"
		" ORDER BY created_at, id FOR UPDATE", 1, params, err);
	if (!legs)
		goto fail;
	for (int i = 0; i < PQntuples(legs); i++)
		if (reopen_leg(db, id, PQgetvalue(legs, i, 0), PQgetvalue(legs, i, 1), actor,
			       reason, n_messages, err))
			goto fail;
	if (kt_store_status_refresh(db, id, actor, err) || kt_db_commit(db, err))
		goto fail;
	PQclear(legs);
	return KT_OK;
fail:
	PQclear(legs);
	kt_db_rollback(db);
	*n_messages = 0;
	return KT_ERR;
}

int kt_store_resolution_autoclose(struct kt_db *db, int after_s, int batch, int *closed,
				  int *n_messages, struct kt_err *err)
{
	char after[16], lim[16];
	const char *params[] = { after, lim };
	PGresult *res = NULL;

	*closed = 0;
	*n_messages = 0;
	snprintf(after, sizeof(after), "%d", after_s);
	snprintf(lim, sizeof(lim), "%d", batch);
	if (kt_db_begin(db, err))
		return KT_ERR;
	/* The row lock is the ticket lock (kt_store_ticket_lock). */
	res = kt_db_exec(db,
		"SELECT id FROM tickets WHERE consolidated = 'resolved'"
		" AND resolved_at < now() - $1::integer * interval '1 second'"
		" ORDER BY resolved_at LIMIT $2::integer FOR UPDATE SKIP LOCKED",
		2, params, err);
	if (!res)
		goto fail;
	for (int i = 0; i < PQntuples(res); i++)
		if (close_locked(db, PQgetvalue(res, i, 0), "integrator", 1, n_messages, err))
			goto fail;
	if (kt_db_commit(db, err))
		goto fail;
	*closed = PQntuples(res);
	PQclear(res);
	return KT_OK;
fail:
	PQclear(res);
	kt_db_rollback(db);
	*n_messages = 0;
	return KT_ERR;
}
