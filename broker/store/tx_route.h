/* tx_route.h - the transactions that route a ticket by hand and cancel
 * it. A transaction file: each function runs one BEGIN..COMMIT. */
#ifndef KETEN_STORE_TX_ROUTE_H
#define KETEN_STORE_TX_ROUTE_H

#include "http/auth.h"
#include "store/rule_route.h"
#include "store/store.h"

/* Routes ticket ticket_id by hand, in one transaction: a new leg (with its
 * create) to each target without an open leg on the ticket; every open
 * leg of another supplier withdrawn (kt_store_route_end_leg: a cancel,
 * or its create discarded if it never left); the triage leg closed; the
 * escalation cleared. When the suppliers changed the ticket's hop count
 * grows by one (no limit applies to the integrator) and a "rerouted"
 * event records the reason. The same route again changes nothing.
 * *n_messages gets the messages queued. not_found "not_found", 409
 * "ticket_closed", invalid "unknown_supplier" (/suppliers/i),
 * "unknown_component", "invalid_route" (no supplier delivers the
 * component) or "too_many_legs". */
int kt_store_route_manual(struct kt_db *db, const char *ticket_id,
			  const struct kt_route_request *rq, const char *actor,
			  int *n_messages, struct kt_err *err);

/* Cancels ticket ticket_id for p (its customer or the integrator; anyone
 * else gets not_found "not_found"), in one transaction: the ticket cancelled
 * (a customer-visible "cancelled" event with reason, NULL: none), every
 * open leg ended "cancelled" with a cancel to its supplier (or its create
 * discarded if it never left), the triage leg closed, the escalation
 * cleared. *n_messages gets the messages queued. conflict "ticket_closed" when
 * it is closed or cancelled already. */
int kt_store_route_cancel(struct kt_db *db, const char *ticket_id,
			  const struct kt_principal *p, const char *reason,
			  const char *actor, int *n_messages, struct kt_err *err);

#endif
