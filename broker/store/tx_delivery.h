/* tx_delivery.h - the integrator's hold on outbox messages: listing
 * them (dead letters and what they block), replaying or discarding a dead
 * one, replaying all of a supplier's, and linking a leg to a supplier
 * ticket raised out of band. Each action is one transaction that locks
 * the ticket before its leg and messages (the order of
 * store/row_ticket.h). A transaction file. */
#ifndef KETEN_STORE_TX_DELIVERY_H
#define KETEN_STORE_TX_DELIVERY_H

#include <jansson.h>

#include "store/store.h"

/* A message as the API shows it:
 * {id, leg_id, ticket_id, ticket_number, supplier, operation, seq, state,
 *  blocked, attempts, due_at, outcome, history, created_at, updated_at}.
 * id is the message's number as a decimal string; blocked: pending behind
 * a dead message of the same leg (computed, never stored). */

/* Up to limit messages, newest first, after cursor (NULL: from the start;
 * else the next_cursor of the previous page). state NULL: any; "pending",
 * "dead", "done", "discarded", or "blocked" (pending behind a dead
 * message). supplier NULL: any; else a supplier key. ticket_id NULL: any;
 * else a ticket's id (a uuid): the messages of its legs and its SLA
 * notifications. Returns a new {"items": [...], "next_cursor":
 * string|null}, or NULL with 400 "invalid_cursor" or not_found
 * "unknown_supplier" / "not_found" (no such ticket). */
json_t *kt_store_delivery_list(struct kt_db *db, const char *state,
			       const char *supplier, const char *ticket_id, int limit,
			       const char *cursor, struct kt_err *err);

/* Makes dead message id pending again, due now, with a fresh retry budget
 * and its attempts kept; its outcome stays until the next attempt and is
 * copied to its history. Records delivery_replayed (integrator only),
 * actor as given. *out gets the message (new reference). not_found "not_found",
 * conflict "not_dead". */
int kt_store_delivery_replay(struct kt_db *db, const char *id, const char *actor,
			     json_t **out, struct kt_err *err);

/* Marks dead message id discarded, so that the later messages of its leg
 * go out; records delivery_discarded. *out as above. not_found "not_found", 409
 * "not_dead". */
int kt_store_delivery_discard(struct kt_db *db, const char *id, const char *actor,
			      json_t **out, struct kt_err *err);

/* kt_store_delivery_replay() of every dead message of supplier key, in one
 * transaction; *n gets their number. not_found "unknown_supplier". */
int kt_store_delivery_replay_supplier(struct kt_db *db, const char *key,
				      const char *actor, int *n, struct kt_err *err);

/* Ties leg leg_id to the supplier ticket external_id, raised out of band:
 * sets the leg's external id (accepted event), discards its pending or
 * dead create message so it is never sent, and records linked. Linking
 * again to the same id changes nothing. *out gets {leg_id, ticket_id,
 * external_id, discarded: message|null} (new reference). not_found "unknown_leg",
 * conflict "external_id_conflict" (the leg has another external id) or
 * "delivery_in_flight" (the create is being sent: try again). */
int kt_store_delivery_link(struct kt_db *db, const char *leg_id,
			   const char *external_id, const char *actor, json_t **out,
			   struct kt_err *err);

#endif
