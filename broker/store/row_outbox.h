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
 * (never NULL): every message queued is counted here, and a caller that
 * commits a count above zero wakes the dispatcher. not_found
 * "unknown_leg" for a leg without a supplier. */
int kt_store_outbox_enqueue(struct kt_db *db, const char *leg_id, enum kt_operation op,
			    const json_t *payload, int *n_messages, struct kt_err *err);

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
