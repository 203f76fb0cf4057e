/* row_outbox.c - queuing and discarding outbox messages inside a change
 * to a ticket (see store/row_outbox.h). A row file: the outbox table (a
 * message takes its leg's next sequence number and its ticket's
 * priority). */
#include "store/internal.h"
#include "store/row_outbox.h"

int kt_store_outbox_enqueue(struct kt_db *db, const char *leg_id, enum kt_operation op,
			    const json_t *payload, int *n_messages, struct kt_err *err)
{
	char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	const char *params[] = { leg_id, kt_operation_name(op), text };
	PGresult *res;
	int n;

	if (payload && !text)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	res = kt_db_exec(db,
		"WITH l AS (UPDATE legs SET next_seq = next_seq + 1"
		"  WHERE id = $1::uuid AND supplier_id IS NOT NULL"
		"  RETURNING id, supplier_id, ticket_id, next_seq - 1 AS seq)"
		" INSERT INTO outbox (leg_id, supplier_id, seq, operation, idempotency_key, priority,"
		"  payload)"
		" SELECT l.id, l.supplier_id, l.seq, $2, " KT_STORE_OUTBOX_MSG_KEY ","
		"  t.priority, $3::jsonb FROM l JOIN tickets t ON t.id = l.ticket_id"
		" RETURNING id", 3, params, err);
	free(text);
	if (!res)
		return KT_ERR;
	n = PQntuples(res);
	PQclear(res);
	if (n != 1)
		return kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg with a supplier");
	(*n_messages)++;
	return KT_OK;
}

/* Discards the messages of leg $1 that the condition after it selects,
 * keeping what each replaced in its history ($2 why, $3 actor). A row a
 * dispatcher holds while it records an outcome is skipped: it waits for
 * the ticket lock our caller holds, so waiting for it would deadlock. */
#define DISCARD \
	"UPDATE outbox SET state = 'discarded', updated_at = now()," \
	"  lease_owner = NULL, lease_token = NULL, lease_until = NULL," \
	"  history = history || jsonb_build_array(jsonb_build_object('action', $2::text," \
	"   'at', kt_ts(now()), 'actor', $3::text, 'state', state, 'attempts', attempts," \
	"   'outcome', outcome))" \
	" WHERE id IN (SELECT id FROM outbox WHERE leg_id = $1::uuid AND "
#define DISCARD_END " FOR UPDATE SKIP LOCKED)"

int kt_store_outbox_discard_unsent(struct kt_db *db, const char *leg_id, const char *why,
				   const char *actor, struct kt_err *err)
{
	const char *params[] = { leg_id, why, actor };

	return kt_db_cmd(db, DISCARD "state IN ('pending', 'dead')"
			 "  AND (lease_until IS NULL OR lease_until < now())" DISCARD_END,
			 3, params, err);
}

int kt_store_outbox_withdraw(struct kt_db *db, const char *leg_id, const char *why,
			     const char *actor, int *discarded, struct kt_err *err)
{
	const char *params[] = { leg_id, why, actor };
	PGresult *res;

	/* Never left: not claimed since its last outcome, and every attempt
	 * failed before sending (one that may have arrived left it in doubt,
	 * until a lookup found nothing). A dead create was refused or given
	 * up on: the integrator was told, as with a link (store/tx_delivery.h). */
	res = kt_db_exec(db, DISCARD "operation = 'create' AND (state = 'dead'"
			 "  OR (state = 'pending' AND lease_token IS NULL AND NOT in_doubt"
			 "   AND (attempts = 0 OR outcome->>'kind' = 'not_sent')))" DISCARD_END
			 " RETURNING id", 3, params, err);
	if (!res)
		return KT_ERR;
	*discarded = PQntuples(res) == 1;
	PQclear(res);
	return *discarded ? kt_store_outbox_discard_unsent(db, leg_id, why, actor, err) : KT_OK;
}
