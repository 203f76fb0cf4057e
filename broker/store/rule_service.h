/* rule_service.h - the services a caller may see, each with what its
 * health reads: how many of its tickets count and the most urgent of
 * them. A rule file: one statement over services and tickets. */
#ifndef KETEN_STORE_RULE_SERVICE_H
#define KETEN_STORE_RULE_SERVICE_H

#include "http/auth.h"
#include "store/store.h"

/* Up to limit services p may see (a customer: its own; the integrator:
 * all), by key, after the service whose key is cursor (NULL: from the
 * start), in one statement. kinds is a PostgreSQL text array literal of
 * the "type/consolidated status" pairs that count (as
 * kt_store_ticket_of_service takes it). Returns a new {"items": [{"id",
 * "key", "name", "counted": n, "top": {"type", "status", "priority"} of
 * the most urgent counted ticket | null}], "next_cursor": key|null};
 * NULL with err filled. */
json_t *kt_store_service_health(struct kt_db *db, const struct kt_principal *p,
				const char *kinds, int limit, const char *cursor,
				struct kt_err *err);

#endif
