/* keten/model.h - the canonical model every part of Keten speaks: ticket
 * types, the canonical status set, outbox operations, priority from the ITIL
 * impact/urgency matrix, and the consolidated status. Pure; no I/O. */
#ifndef KETEN_MODEL_H
#define KETEN_MODEL_H

#include <stddef.h>

enum kt_ticket_type {
	KT_TYPE_INCIDENT,
	KT_TYPE_REQUEST,
	KT_TYPE_CHANGE,
	KT_TYPE_PROBLEM,
	KT_TYPE__COUNT
};

enum kt_status {
	KT_ST_NEW,
	KT_ST_ASSIGNED,
	KT_ST_IN_PROGRESS,
	KT_ST_PENDING_CUSTOMER,
	KT_ST_PENDING_SUPPLIER,
	KT_ST_RESOLVED,
	KT_ST_CLOSED,
	KT_ST_CANCELLED,
	KT_ST__COUNT
};

/* What an outbox message asks a supplier to do with its leg. */
enum kt_operation {
	KT_OP_CREATE,
	KT_OP_UPDATE,
	KT_OP_COMMENT,
	KT_OP_RESOLVE,
	KT_OP_CANCEL,
	KT_OP__COUNT
};

/* Names as they appear in the API and the database ("incident", ...). */
const char *kt_ticket_type_name(enum kt_ticket_type t);
/* Number prefix of a type: "INC", "REQ", "CHG", "PRB". */
const char *kt_ticket_type_prefix(enum kt_ticket_type t);
const char *kt_status_name(enum kt_status s);
const char *kt_operation_name(enum kt_operation op);

/* Parse a name; return 0 and set *out, or -1 for an unknown name. */
int kt_ticket_type_parse(const char *name, enum kt_ticket_type *out);
int kt_status_parse(const char *name, enum kt_status *out);
int kt_operation_parse(const char *name, enum kt_operation *out);

/* ITIL matrix: priority = impact + urgency - 1 (1 critical ... 5 planning).
 * Returns 0 when impact or urgency is outside 1..3. */
int kt_priority(int impact, int urgency);

/* Whether a supplier may move its own leg from status from to status to
 * with a plain status update: never to cancelled (a supplier that does not
 * take the leg rejects it, so the broker re-routes; the integrator ends
 * legs) and to closed only from resolved (closing what it resolved),
 * unless the leg already has that status (a supplier's echo of the
 * broker's own cancel or close). Every other move is allowed. Pure. */
int kt_status_supplier_may_set(enum kt_status from, enum kt_status to);

/* The one status the customer sees, from the ticket's own status (which
 * carries customer-side states: closed, cancelled, pending_customer) and the
 * statuses of its legs. A pure function; see model.c for the rules. */
enum kt_status kt_consolidated_status(enum kt_status ticket_status,
				      const enum kt_status *legs, size_t n_legs);

#endif
