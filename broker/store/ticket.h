/* ticket.h - tickets in the database: the intake transaction, the
 * full record of one ticket, and the caller's list. */
#ifndef KETEN_STORE_TICKET_H
#define KETEN_STORE_TICKET_H

#include "http/auth.h"
#include "intake/intake.h"
#include "store/store.h"

/* Inside the caller's transaction (kt_store_create: the intake and the
 * answer kept for its Idempotency-Key commit together): checks the service
 * (and that a customer owns it), routes along the chain version in force
 * (store/route.h: by component, CI, rules, default, else triage),
 * inserts the ticket, its legs, their outbox messages and the timeline.
 * Writes the new ticket's id into id_out (KT_UUID_LEN + 1 bytes).
 * *n_messages gets the outbox messages queued. invalid "unknown_service" /
 * "unknown_component" / "unknown_ci" / "too_many_legs"; on failure the
 * caller rolls back. */
int kt_store_ticket_create(struct kt_db *db, const struct kt_principal *p,
			   const struct kt_intake *in, char *id_out,
			   int *n_messages, struct kt_err *err);

/* The full record of ticket id (see model/view.h), if p may see it at all;
 * NULL with not_found "not_found" otherwise. New reference. */
json_t *kt_store_ticket_full(struct kt_db *db, const char *id,
			     const struct kt_principal *p, struct kt_err *err);

/* Up to limit tickets p may see, newest first, after cursor (NULL: from
 * the start); state NULL: all, "needs_triage": those with an open triage
 * leg, "escalated": those escalated to the integrator. Returns {"items":
 * [full records without timeline], "next_cursor": string|null}; 400
 * "invalid_cursor". */
json_t *kt_store_ticket_list(struct kt_db *db, const struct kt_principal *p,
			     int limit, const char *cursor, const char *state,
			     struct kt_err *err);

/* Up to limit full records (without timeline) of the tickets of service
 * service_id whose "type/consolidated status" is one of kinds (a
 * PostgreSQL text array literal such as "{incident/new,incident/assigned}"),
 * the most urgent first: by priority, then newest. New reference to a JSON
 * array. */
json_t *kt_store_ticket_of_service(struct kt_db *db, const char *service_id,
				   const char *kinds, int limit, struct kt_err *err);

/* Locks ticket id for the rest of the caller's transaction. Every
 * transaction that changes a ticket's legs or timeline takes this lock
 * first, before any leg: changes to one ticket take turns (so the
 * consolidated status is computed from every leg's committed state) and
 * the lock order is the same on every path (no deadlock). */
int kt_store_ticket_lock(struct kt_db *db, const char *ticket_id, struct kt_err *err);

/* kt_store_ticket_lock() for a change p asks for: only a ticket p may
 * change (the integrator: any; a customer: its own), else 404
 * "not_found". Writes the consolidated status into status (32 bytes). */
int kt_store_ticket_lock_for(struct kt_db *db, const char *ticket_id,
			     const struct kt_principal *p, char *status,
			     struct kt_err *err);

/* Recomputes the consolidated status of ticket id from its legs and
 * records a customer-visible status_changed event when it moved; keeps
 * resolved_at (set on becoming resolved, kept on closing, cleared on
 * anything else) and closed_at. The caller holds kt_store_ticket_lock. */
int kt_store_ticket_refresh_status(struct kt_db *db, const char *ticket_id,
				   const char *actor, struct kt_err *err);

#endif
