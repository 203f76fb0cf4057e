/* rule_status.h - the consolidated status kept on the ticket row, derived
 * from the ticket's own status and every one of its supplier legs. A rule
 * file: spans tickets, legs and events; calls rows and the database layer. */
#ifndef KETEN_STORE_RULE_STATUS_H
#define KETEN_STORE_RULE_STATUS_H

#include "store/store.h"

/* Recomputes the consolidated status of ticket ticket_id from its own
 * status and all its supplier legs (kt_consolidated_status) and records a
 * customer-visible status_changed event when it moved; keeps resolved_at
 * (set on becoming resolved, kept on closing, cleared on anything else)
 * and closed_at, and then the SLA clocks (store/rule_sla.h). The caller holds kt_store_ticket_lock. not_found
 * "not_found". */
int kt_store_status_refresh(struct kt_db *db, const char *ticket_id,
			    const char *actor, struct kt_err *err);

/* kt_store_status_refresh(), and *moved (may be NULL; left alone
 * otherwise) set to 1 when the consolidated status changed, so the SLA
 * clocks were refreshed with it. */
int kt_store_status_refresh_moved(struct kt_db *db, const char *ticket_id,
				  const char *actor, int *moved, struct kt_err *err);

#endif
