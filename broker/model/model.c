/* model.c - names of the canonical enums, the ITIL priority matrix and the
 * consolidated status (see keten/model.h). Pure functions only. */
#include <string.h>

#include "keten/model.h"

static const char *const type_names[KT_TYPE__COUNT] = {
	"incident", "request", "change", "problem",
};
static const char *const type_prefixes[KT_TYPE__COUNT] = {
	"INC", "REQ", "CHG", "PRB",
};
static const char *const status_names[KT_ST__COUNT] = {
	"new", "assigned", "in_progress", "pending_customer",
	"pending_supplier", "resolved", "closed", "cancelled",
};
static const char *const op_names[KT_OP__COUNT] = {
	"create", "update", "comment", "resolve", "cancel",
};

static int parse_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *kt_ticket_type_name(enum kt_ticket_type t)
{
	return (unsigned)t < KT_TYPE__COUNT ? type_names[t] : "unknown";
}

const char *kt_ticket_type_prefix(enum kt_ticket_type t)
{
	return (unsigned)t < KT_TYPE__COUNT ? type_prefixes[t] : "UNK";
}

const char *kt_status_name(enum kt_status s)
{
	return (unsigned)s < KT_ST__COUNT ? status_names[s] : "unknown";
}

const char *kt_operation_name(enum kt_operation op)
{
	return (unsigned)op < KT_OP__COUNT ? op_names[op] : "unknown";
}

int kt_ticket_type_parse(const char *name, enum kt_ticket_type *out)
{
	int i = parse_name(type_names, KT_TYPE__COUNT, name);

	if (i < 0)
		return -1;
	*out = (enum kt_ticket_type)i;
	return 0;
}

int kt_status_parse(const char *name, enum kt_status *out)
{
	int i = parse_name(status_names, KT_ST__COUNT, name);

	if (i < 0)
		return -1;
	*out = (enum kt_status)i;
	return 0;
}

int kt_operation_parse(const char *name, enum kt_operation *out)
{
	int i = parse_name(op_names, KT_OP__COUNT, name);

	if (i < 0)
		return -1;
	*out = (enum kt_operation)i;
	return 0;
}

int kt_priority(int impact, int urgency)
{
	if (impact < 1 || impact > 3 || urgency < 1 || urgency > 3)
		return 0;
	return impact + urgency - 1;
}

static int is_done(enum kt_status s)
{
	return s == KT_ST_RESOLVED || s == KT_ST_CLOSED;
}

/*
 * The rules, in order:
 *  1. closed or cancelled on the ticket itself wins (the customer decided);
 *  2. cancelled legs do not count; with no live leg the ticket's own status
 *     stands (a ticket waiting in triage is "new");
 *  3. every live leg resolved (or closed) -> resolved;
 *  4. the ticket or any open leg waiting on the customer -> pending_customer;
 *  5. any open leg in progress -> in_progress;
 *  6. every open leg waiting on its own supplier -> pending_supplier;
 *  7. some legs resolved while others are open -> in_progress (work is done
 *     on the ticket, it is not merely assigned);
 *  8. any open leg assigned or waiting on its supplier -> assigned;
 *  9. else new.
 */
enum kt_status kt_consolidated_status(enum kt_status ticket_status,
				      const enum kt_status *legs, size_t n_legs)
{
	size_t live = 0, done = 0, open = 0;
	size_t n_progress = 0, n_pend_sup = 0, n_assigned = 0, n_pend_cust = 0;

	if (ticket_status == KT_ST_CLOSED || ticket_status == KT_ST_CANCELLED)
		return ticket_status;
	for (size_t i = 0; i < n_legs; i++) {
		enum kt_status s = legs[i];

		if (s == KT_ST_CANCELLED)
			continue;
		live++;
		if (is_done(s)) {
			done++;
			continue;
		}
		open++;
		if (s == KT_ST_IN_PROGRESS)
			n_progress++;
		else if (s == KT_ST_PENDING_SUPPLIER)
			n_pend_sup++;
		else if (s == KT_ST_ASSIGNED)
			n_assigned++;
		else if (s == KT_ST_PENDING_CUSTOMER)
			n_pend_cust++;
	}
	if (live == 0)
		return ticket_status;
	if (done == live)
		return KT_ST_RESOLVED;
	if (ticket_status == KT_ST_PENDING_CUSTOMER || n_pend_cust > 0)
		return KT_ST_PENDING_CUSTOMER;
	if (n_progress > 0)
		return KT_ST_IN_PROGRESS;
	if (n_pend_sup == open)
		return KT_ST_PENDING_SUPPLIER;
	if (done > 0)
		return KT_ST_IN_PROGRESS;
	if (n_assigned > 0 || n_pend_sup > 0)
		return KT_ST_ASSIGNED;
	return KT_ST_NEW;
}

int kt_status_supplier_may_set(enum kt_status from, enum kt_status to)
{
	if (to == KT_ST_CANCELLED)
		return from == KT_ST_CANCELLED;
	if (to == KT_ST_CLOSED)
		return from == KT_ST_RESOLVED || from == KT_ST_CLOSED;
	return 1;
}
