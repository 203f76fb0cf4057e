/* row_outbox.h - the outbox table as changes to a ticket write it, inside
 * their transaction: queuing a message (the one place that counts what
 * is queued, so the caller knows to wake the dispatcher) and discarding
 * the messages of a leg that must never go out. A row file: one table,
 * calls only the database layer. The dispatcher's transactions on the
 * outbox are store/tx_outbox.h's. */
#ifndef KETEN_STORE_ROW_OUTBOX_H
#define KETEN_STORE_ROW_OUTBOX_H

#include "keten/model.h"
#include "store/store.h"

/* Queues a message op for leg leg_id in the caller's transaction (which
 * holds the ticket's lock): the leg's next sequence number, its ticket's
 * priority, due now. payload (borrowed; NULL: none) is an object whose
 * members the adapter adds to what it sends. Adds one to *n_messages
 * (never NULL): every message queued is counted here (or, for a new
 * ticket's creates, from the rows KT_STORE_OUTBOX_CREATES returns), and a
 * caller that commits a count above zero wakes the dispatcher. not_found
 * "unknown_leg" for a leg without a supplier. */
int kt_store_outbox_enqueue(struct kt_db *db, const char *leg_id, enum kt_operation op,
			    const json_t *payload, int *n_messages, struct kt_err *err);

/* A message's idempotency key, as SQL: fresh per message, sent with every
 * attempt so the supplier can drop a repeat. */
#define KT_STORE_OUTBOX_MSG_KEY "'msg_' || replace(keten_uuid()::text, '-', '')"

/* For a statement that inserts a new ticket and its legs at once
 * (store/rule_intake.c), where kt_store_outbox_enqueue cannot run (a leg
 * inserted by the same statement is not visible to an UPDATE in it): a
 * data-modifying CTE body queuing the create of every leg with a supplier
 * in CTE `legs` (columns id, supplier_id) of the ticket in CTE `ticket`
 * (column priority). `legs` is the RETURNING of the legs' insert, so that
 * each leg is inserted before its create: the trail's trigger (migration
 * 029) finds a message's ticket through its leg. Those legs must be
 * inserted with next_seq 2: their
 * create takes sequence number 1, as kt_store_outbox_enqueue would give
 * it. RETURNING leg_id, state, operation, seq, attempts, due_at, outcome:
 * the caller adds the rows it returns to its *n_messages, as
 * kt_store_outbox_enqueue does. */
#define KT_STORE_OUTBOX_CREATES(legs, ticket) \
	"INSERT INTO outbox (leg_id, supplier_id, seq, operation, idempotency_key, priority)" \
	" SELECT " legs ".id, " legs ".supplier_id, 1, 'create', " KT_STORE_OUTBOX_MSG_KEY ", " \
	ticket ".priority" \
	" FROM " ticket ", " legs " WHERE " legs ".supplier_id IS NOT NULL" \
	" RETURNING leg_id, state, operation, seq, attempts, due_at, outcome"

/* Discards every message of leg leg_id that is pending or dead and not
 * being sent (no running lease, no outcome being recorded), so it never
 * goes out; each keeps what it replaced in its history as {action: why,
 * at, actor, state, attempts, outcome}. Inside the caller's transaction
 * (ticket lock held). */
int kt_store_outbox_discard_unsent(struct kt_db *db, const char *leg_id, const char *why,
				   const char *actor, struct kt_err *err);

/* When leg leg_id's create never reached its supplier, discards it and
 * every later message of the leg (as kt_store_outbox_discard_unsent) and
 * sets *discarded; else changes nothing and clears it, and the caller
 * queues a cancel. "Never reached": dead (refused, or given up on, and
 * already shown to the integrator), or pending, not claimed since its
 * last outcome, and never attempted or only failing before anything was
 * sent. A create in flight or being recorded, delivered, or that may have
 * arrived (timeout, 5xx, an expired lease) is the supplier's: it gets a
 * cancel after it. */
int kt_store_outbox_withdraw(struct kt_db *db, const char *leg_id, const char *why,
			     const char *actor, int *discarded, struct kt_err *err);

#endif
