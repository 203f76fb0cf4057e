/* rule_intake.h - a new ticket in the database, inside the transaction of
 * its creating request (store/tx_idempotency.h: the ticket and the answer
 * kept for its Idempotency-Key commit together). A rule file: spans
 * services, tickets, legs, outbox and events; calls rules and rows. */
#ifndef KETEN_STORE_RULE_INTAKE_H
#define KETEN_STORE_RULE_INTAKE_H

#include "http/auth.h"
#include "intake/intake.h"
#include "store/store.h"

struct kt_route_cache;

/* Checks the service (and that a customer owns it), routes along the
 * chain version in force (store/rule_route.h: by component, CI, rules,
 * default, else triage), then inserts the ticket, its legs, their outbox
 * messages and the timeline in one statement. Returns the new ticket's
 * full record, the same members in the same order as
 * store/rule_ticket.h's kt_store_ticket_full would read them now, built
 * from the request and what the inserts returned (a new reference).
 * *n_messages gets the outbox messages queued. NULL with err set:
 * invalid "unknown_service" / "unknown_component" / "unknown_ci" /
 * "too_many_legs" / "type_not_accepted", conflict "chain_changing" (three
 * chain imports in a row moved the service's version between routing
 * and writing); on failure the caller rolls back. Its writes are one
 * statement: it may run outside a transaction. announce, when not NULL,
 * is the node name the write announces its messages as (pg_notify on
 * store/listen.h's channel, in the same statement; see dispatch/wake.h).
 * routes (NULL: none) is the node's cache of route plans
 * (store/rule_route_cache.h): a ticket whose plan it keeps costs the one
 * statement of the write. */
json_t *kt_store_intake_ticket(struct kt_db *db, struct kt_route_cache *routes,
			       const struct kt_principal *p, const struct kt_intake *in,
			       const char *announce, int *n_messages, struct kt_err *err);

#endif
