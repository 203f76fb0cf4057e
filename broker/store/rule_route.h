/* rule_route.h - routing in the database: the chain version a ticket is
 * routed on, opening legs (each with its create message and routed
 * event) and ending them (a cancel to the supplier, or its create
 * discarded when it never left), the targets of a route by hand, and
 * re-routing after a supplier rejected a leg. Decisions are
 * routing/routing.h's; this file reads the chain and writes what they
 * decide. A rule file: spans tables, calls rows; runs inside the caller's
 * transaction, which holds kt_store_ticket_lock. Every function that
 * queues messages adds them to *n_messages (store/row_outbox.h). */
#ifndef KETEN_STORE_RULE_ROUTE_H
#define KETEN_STORE_RULE_ROUTE_H

#include <jansson.h>

#include "routing/routing.h"
#include "store/row_ticket.h"
#include "store/store.h"

/* A new ticket's routing: the service's customer, the chain version it
 * was decided on, the legs with their contracts and the service's SLA.
 * Immutable once made, and counted: several threads may read one plan
 * (store/rule_route_cache.h), each holding its own reference. */
struct kt_route_plan;

/* Reads service service_id (owned by customer customer_id; NULL: any
 * customer) and the chain version in force, in one statement without a
 * lock (the caller's write checks that the version is still the one the
 * plan names: kt_store_route_plan_service), and decides where a ticket
 * asking ask goes (kt_route_decide, kt_route_legs); a leg to a supplier
 * whose adapter takes no ticket of ask's type is refused. ask is
 * borrowed for the call: the plan keeps copies of what it needs. *out
 * gets a new plan holding one reference (kt_store_route_plan_free()).
 * invalid "unknown_service" (/service),
 * "unknown_component" (/component), "unknown_ci" (/ci), "too_many_legs"
 * or "type_not_accepted" (/type). */
int kt_store_route_plan(struct kt_db *db, const char *service_id, const char *customer_id,
			const struct kt_route_ask *ask, struct kt_route_plan **out,
			struct kt_err *err);

/* The service's customer and the chain version plan was decided on
 * (borrowed from plan). */
void kt_store_route_plan_service(const struct kt_route_plan *plan, const char **customer_id,
				 const char **version);

/* The SLA of the chain version plan was decided on, as JSON text, or
 * NULL when it has none; borrowed from plan. */
const char *kt_store_route_plan_sla(const struct kt_route_plan *plan);

/* The contract (JSON text of the supplier's contract entry) of component
 * when supplier_id delivers it and it names one, else NULL; borrowed. */
const char *kt_store_route_plan_contract(const struct kt_route_plan *plan,
					 const char *component, const char *supplier_id);

/* Takes one more reference to plan (thread-safe); returns plan. */
struct kt_route_plan *kt_store_route_plan_hold(struct kt_route_plan *plan);

/* Gives back one reference; the last frees the plan. Thread-safe;
 * accepts NULL. */
void kt_store_route_plan_free(struct kt_route_plan *plan);

/* The legs plan opens on a new ticket, for the intake's one statement
 * (store/rule_intake.c): {"legs": [{"supplier": id or null, "component":
 * key or null}, ...], "why": {"by": ..., "rule": n}}; one leg per
 * supplier in plan order, or one triage leg (supplier null) when no
 * supplier delivers the target. Every leg's routed (or triage) event
 * carries why. Returns a new reference, NULL when out of memory. */
json_t *kt_store_route_plan_legs(const struct kt_route_plan *plan);

/* Opens a leg of ticket_id to supplier_id (NULL: a triage leg) for
 * component, with its create message, at hop `hop`, and records "routed"
 * (or "triage") with why (borrowed) merged into its data. */
int kt_store_route_open_leg(struct kt_db *db, const char *ticket_id, const char *supplier_id,
			    const char *component, int hop, const char *actor,
			    const json_t *why, int *n_messages, struct kt_err *err);

/* Ends open leg leg_id: "withdrawn", "cancelled" or (a triage leg)
 * "routed", with an integrator-only event saying so and why (reason, may
 * be NULL). Its supplier gets a cancel unless the create never left, in
 * which case it is discarded with the rest of the leg's messages
 * (kt_store_outbox_withdraw). */
int kt_store_route_end_leg(struct kt_db *db, const char *ticket_id, const char *leg_id,
			   const char *ended, const char *reason, const char *actor,
			   int *n_messages, struct kt_err *err);

/* The keys of the suppliers whose ids are in legs[0..n), in that order, as
 * a new JSON array (NULL with err set on failure). */
json_t *kt_store_route_supplier_keys(struct kt_db *db, const struct kt_route_leg *legs,
				    size_t n, struct kt_err *err);

/* Where the integrator sends a ticket: suppliers by key, or a component
 * of the ticket's chain version (exactly one of the two). */
struct kt_route_request {
	const char *const *suppliers;  /* keys; n_suppliers of them, distinct */
	size_t n_suppliers;
	const char *component;         /* NULL when suppliers are given */
	const char *reason;
};

/* The suppliers a route by hand goes to. */
struct kt_route_rows;
struct kt_route_targets {
	struct kt_route_leg legs[KT_ROUTE_MAX_LEGS];
	int n;
	struct kt_route_rows *rows;    /* owns what legs point into */
};

/* Fills tg (the caller's; kt_store_route_targets_release() it, also on
 * failure) with the targets of rq on ticket t: suppliers by key (each with
 * its first component in the ticket's chain version, or none) or the
 * legs of a component. invalid "unknown_supplier" (/suppliers/i),
 * "unknown_component", "invalid_route" (no supplier delivers the
 * component) or "too_many_legs". */
int kt_store_route_targets(struct kt_db *db, const struct kt_ticket_row *t,
			   const struct kt_route_request *rq, struct kt_route_targets *tg,
			   struct kt_err *err);

void kt_store_route_targets_release(struct kt_route_targets *tg);

/* A supplier's "not ours" about its leg. */
struct kt_leg_reject {
	const char *reason;
	const char *component;  /* the supplier's hint where it belongs; NULL: none */
	int hop_limit;          /* the hop_limit setting */
};

/* After leg leg_id of ticket ticket_id was rejected and ended
 * (store/rule_leg.h): decides with kt_route_after_reject() from the
 * supplier's hint (a component of the ticket's chain version; one that is
 * unknown or has no supplier is noted and ignored), the rejected
 * component's alternates, the open legs and the suppliers that rejected
 * the ticket, then forwards (new legs, hop counted), leaves it to the legs
 * already open, sends it to triage, or escalates (tickets.escalated_at, a
 * triage leg). Records one integrator-only event: "rerouted" or
 * "escalated" with the verdict, the reason and the hop. */
int kt_store_route_rejected(struct kt_db *db, const char *ticket_id, const char *leg_id,
			    const struct kt_leg_reject *rj, const char *actor,
			    int *n_messages, struct kt_err *err);

#endif
