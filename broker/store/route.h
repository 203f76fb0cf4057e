/* route.h - routing in the database: the chain version a ticket is
 * routed on, opening legs (with their create message and routed event) and
 * ending them (a cancel to the supplier, or its create discarded when it
 * never left), and the transactions that route a ticket by hand, cancel it
 * and re-route it after a supplier rejected a leg. Decisions are
 * routing/routing.h's; this file reads the chain and writes what they decide. */
#ifndef KETEN_STORE_ROUTE_H
#define KETEN_STORE_ROUTE_H

#include "http/auth.h"
#include "routing/routing.h"
#include "store/store.h"
#include "store/leg.h"

/* A new ticket's routing: the chain it was decided on and the legs. */
struct kt_route_plan;

/* Reads chain version `version` of service service_id and decides where a
 * ticket asking ask goes (kt_route_decide, kt_route_legs).
 * default_component is the version's (NULL: none); it and ask are
 * borrowed and must outlive the plan. *out gets a new plan
 * (kt_store_route_plan_free()). invalid "unknown_component" (/component),
 * "unknown_ci" (/ci) or "too_many_legs". */
int kt_store_route_plan(struct kt_db *db, const char *service_id, const char *version,
			const char *default_component, const struct kt_route_ask *ask,
			struct kt_route_plan **out, struct kt_err *err);

/* Accepts NULL. */
void kt_store_route_plan_free(struct kt_route_plan *plan);

/* Opens the legs of plan on new ticket ticket_id (one per supplier, each
 * with its create message and a routed event saying what decided; none:
 * a triage leg), in the intake's transaction. *n_messages is increased by
 * the messages queued. */
int kt_store_route_open(struct kt_db *db, const struct kt_route_plan *plan,
			const char *ticket_id, const char *priority, int *n_messages,
			struct kt_err *err);

/* Where the integrator sends a ticket: suppliers by key, or a component
 * of the ticket's chain version (exactly one of the two). */
struct kt_route_request {
	const char *const *suppliers;  /* keys; n_suppliers of them, distinct */
	size_t n_suppliers;
	const char *component;         /* NULL when suppliers are given */
	const char *reason;
};

/* Routes ticket ticket_id by hand, in one transaction: a new leg (with its
 * create) to each target without an open leg on the ticket; every open
 * leg of another supplier withdrawn (kt_store_outbox_withdraw: a cancel,
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

/* After leg leg_id of ticket ticket_id was rejected and ended (store/leg.c):
 * decides with kt_route_after_reject() from the supplier's hint (a
 * component of the ticket's chain version; one that is unknown or has no
 * supplier is noted and ignored), the rejected component's alternates,
 * the open legs and the suppliers that rejected the ticket, then forwards
 * (new legs, hop counted), leaves it to the legs already open, sends it to
 * triage, or escalates (tickets.escalated_at, a triage leg). Records one
 * integrator-only event: "rerouted" or "escalated" with the verdict, the
 * reason and the hop. *n_messages gets the messages queued. Inside the
 * inbound transaction holding kt_store_ticket_lock. */
int kt_store_route_rejected(struct kt_db *db, const char *ticket_id, const char *leg_id,
			    const struct kt_leg_reject *rj, const char *actor,
			    int *n_messages, struct kt_err *err);

#endif
