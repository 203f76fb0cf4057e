/* tx_outcome.h - recording the outcomes of delivery attempts that
 * finished together: each under its lease token, with the delivered /
 * dead events on the timeline and what the answers said of their legs.
 * A transaction file (store/store.h); the outcome itself is
 * store/tx_outbox.h's. */
#ifndef KETEN_STORE_TX_OUTCOME_H
#define KETEN_STORE_TX_OUTCOME_H

#include "store/tx_outbox.h"

/* One outcome for kt_store_outbox_finish_all: o for message id under
 * lease token, of ticket ticket_id (all borrowed); stale and failed are
 * set by the call. */
struct kt_outbox_result {
	const char *id;
	const char *token;
	const char *ticket_id;
	const struct kt_outcome *o;
	int stale;   /* the lease had passed to another node: nothing changed */
	int failed;  /* it could not be recorded (its lease will run out) */
};

/* Records the n outcomes rs atomically: each o under its lease
 * token, delivered -> done; permanent or o->gave_up -> dead (with a
 * delivery_dead event); otherwise pending again in o->retry_in_ms with
 * o->credit_ms added to its paused time, in doubt as o->in_doubt says.
 * The outcome kept is {kind, code, message, http_status?, retry_after?,
 * body?, gave_up?}. A delivered or dead one adds its event and, when
 * delivered with an external id or status, updates its leg
 * (kt_store_leg_apply_all), in the order of rs. The tickets of those are
 * locked first, once, in the order of their ids (so that batches on
 * several nodes never wait on each other in a circle); the messages are
 * updated in one statement, and the events of each ticket's first (then
 * next) message of rs inserted in one statement before their legs'
 * changes, so that each ticket's timeline has them in the order of rs.
 * A lease that ran out and was taken by another node leaves that message
 * unchanged and sets its stale. When the batch fails as a whole, each is
 * recorded alone, so that one that cannot be never holds the others back;
 * KT_ERR (err: the last failure) when any is failed.
 * One round trip (a single statement, no BEGIN/COMMIT) records the batch
 * unless an answer moves its leg's status or acknowledgement (the
 * consolidated status and SLA clocks are then computed in C): the
 * statement then changes nothing and the batch is recorded in one
 * transaction of several statements instead. */
int kt_store_outbox_finish_all(struct kt_db *db, struct kt_outbox_result *rs, size_t n,
			       struct kt_err *err);

#endif
