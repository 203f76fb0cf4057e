/* tx_outcome.h - recording the outcomes of delivery attempts that
 * finished together: each under its lease token, with the delivered /
 * dead events on the timeline and what the answers said of their legs.
 * A transaction file (store/store.h); the claim is store/tx_outbox.h's. */
#ifndef KETEN_STORE_TX_OUTCOME_H
#define KETEN_STORE_TX_OUTCOME_H

#include <jansson.h>

#include "keten/model.h"
#include "store/store.h"

enum kt_outcome_kind {
	KT_OUT_DELIVERED,  /* 2xx */
	KT_OUT_NOT_SENT,   /* DNS, connect or TLS failed: nothing left us */
	KT_OUT_AMBIGUOUS,  /* the request may have left: timeout, reset after sending */
	KT_OUT_RETRYABLE,  /* 408, 429, 5xx */
	KT_OUT_PERMANENT,  /* other 4xx, 3xx, or a message no adapter can build */
};

/* The most of a supplier's answer body an outcome keeps. */
#define KT_OUTCOME_BODY_MAX 4096

struct kt_outcome {
	enum kt_outcome_kind kind;
	long http_status;          /* 0 when no answer came */
	char code[48];             /* stable: "delivered", "tls_error", "http_503", ... */
	char message[256];         /* shown in the outcome: never the transport's
				    * or a secret's own words (those are detail) */
	char detail[256];          /* the cause in full, for the log only; may be "" */
	long long retry_in_ms;     /* when the message stays pending */
	int gave_up;               /* the retry budget is spent: dead letter */
	long long credit_ms;       /* waited on a 429's Retry-After: not charged to
				    * the budget (outbox.paused_ms) */
	const char *retry_after;   /* the answer's Retry-After; may be NULL */
	const char *body;          /* the answer when not delivered (borrowed); its
				    * first KT_OUTCOME_BODY_MAX bytes are kept */
	size_t body_len;
	const char *external_id;   /* from the supplier's answer; may be NULL */
	int has_status;
	enum kt_status status;
	int in_doubt;              /* a create that stays pending may have reached
				    * the supplier: look it up before resending */
	int broker_fault;          /* the broker failed (a secret, out of memory),
				    * not the supplier: its circuit is not moved */
	int next_step;             /* delivered, and the operation goes on with
				    * this step (> 0): kept with step_state, the
				    * message is due again at once, its attempts
				    * start over; the leg is linked by the last
				    * step's answer */
	const json_t *step_state;  /* borrowed; may be NULL */
};

const char *kt_outcome_kind_name(enum kt_outcome_kind kind);

/* The state o leaves its message in: "done" (delivered), "dead" (permanent,
 * or the retry budget spent) or "pending" (tried again, or its next step). */
const char *kt_outcome_state(const struct kt_outcome *o);

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
