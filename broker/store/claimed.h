/* claimed.h - the type of an outbox message claimed for delivery: what
 * kt_store_outbox_claim fills from its result columns and the dispatcher
 * builds, sends and records. A type header: it drags in no module's
 * functions but the struct's own release (in store/tx_outbox.c). */
#ifndef KETEN_STORE_CLAIMED_H
#define KETEN_STORE_CLAIMED_H

#include <jansson.h>

#include "keten/model.h"

/* The supplier a claimed message goes to. Strings and documents owned. */
struct kt_claimed_supplier {
	char *id;
	char *key;
	char *adapter;
	char *endpoint;
	char *secret_ref;
	json_t *mapping;    /* the chain document's mapping, or NULL */
	json_t *delivery;   /* its own delivery limits, or NULL: the node's */
	json_t *auth;       /* how Keten authenticates to it ({"kind", ...}) */
};

/* One claimed message. Strings and documents owned. When unreadable is
 * set, the documents that could not be read are NULL. */
struct kt_claimed_msg {
	char *id;                 /* the outbox row */
	char *token;              /* the lease token its outcome is recorded under */
	char *leg_id;
	char *ticket_id;
	long long seq;
	enum kt_operation op;
	char *idempotency_key;
	json_t *payload;          /* members the adapter adds, or NULL: none */
	int attempts;             /* this one included */
	int in_doubt;             /* a create that may have reached the supplier */
	int step;                 /* the operation's step reached (0: the first) */
	json_t *step_state;       /* what the previous step kept, or NULL */
	long long budget_used_ms; /* since the first attempt, less credited waits */
	long long queued_ms;      /* since it was queued */
	struct kt_claimed_supplier supplier;
	char unreadable[200];     /* non-empty: why a column could not be read;
				   * the message can never be sent */
};

/* Frees m's contents (not m); leaves m zeroed. */
void kt_claimed_msg_release(struct kt_claimed_msg *m);

#endif
