/* list_filter.h - the filters of GET /v1/tickets read from its query
 * (status, type, service, q) into what the store's list keeps, each
 * checked: a value the list cannot mean is a 400, never ignored. The
 * integrator's state (a work queue) is the API's to check.
 * Pure; no I/O. */
#ifndef KETEN_INTAKE_LIST_FILTER_H
#define KETEN_INTAKE_LIST_FILTER_H

#include "keten/err.h"
#include "keten/model.h"
#include "store/rule_ticket.h"

/* The longest q, in characters. */
#define KT_LIST_Q_MAX 200

/* The raw query values (NULL: absent). */
struct kt_list_query {
	const char *status, *type, *service, *q;
};

/* A checked filter; f points into the struct itself and into the query
 * it was read from, which must outlive it; f.state is left NULL. */
struct kt_list_filter {
	char statuses[KT_ST__COUNT * 24];
	char types[KT_TYPE__COUNT * 16];
	struct kt_store_ticket_filter f;
};

/* Reads in into out. status and type are one name or several joined by
 * commas ("new,assigned"); service a service id or key; q 1 to
 * KT_LIST_Q_MAX characters. KT_OK, or KT_ERR malformed with err's code
 * "invalid_status", "invalid_type", "invalid_service" or "invalid_q". */
int kt_list_filter_read(const struct kt_list_query *in, struct kt_list_filter *out,
			struct kt_err *err);

#endif
