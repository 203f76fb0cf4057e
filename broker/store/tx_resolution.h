/* tx_resolution.h - resolution confirmation in the database: the
 * customer (or the integrator) confirms a resolved ticket (closed) or
 * reopens it with a reason, and resolved tickets nobody confirmed close
 * on their own after a while. Each is one transaction that locks the
 * ticket before any leg (the order of store/row_ticket.h). A transaction
 * file. */
#ifndef KETEN_STORE_TX_RESOLUTION_H
#define KETEN_STORE_TX_RESOLUTION_H

#include "http/auth.h"
#include "store/store.h"

/* Closes ticket id for p, who confirms its resolution: the ticket's own
 * status becomes closed (so is the consolidated one, with closed_at), and
 * the timeline gets "closed" and status_changed. Every supplier leg still
 * open or resolved (and not ended by the broker) becomes closed, with a
 * "leg_closed" event {from, to, automatic}, and its supplier is sent an
 * update carrying {"close": {"automatic": false}}. *n_messages gets the
 * messages queued. not_found "not_found" (not p's ticket), conflict
 * "not_resolved" (its consolidated status is not resolved). */
int kt_store_resolution_close(struct kt_db *db, const char *id,
			      const struct kt_principal *p, int *n_messages,
			      struct kt_err *err);

/* Reopens resolved ticket id for p with reason: the ticket and the legs
 * that resolved it (resolved or closed) go back to in_progress, and the
 * supplier of each such leg is sent an update carrying
 * {"reopen": {"reason"}}. Records "reopened" (customer-visible, the
 * reason as text), "leg_reopened" per leg and status_changed. *n_messages
 * gets the messages queued. not_found "not_found", conflict "not_resolved". */
int kt_store_resolution_reopen(struct kt_db *db, const char *id,
			       const struct kt_principal *p, const char *reason,
			       int *n_messages, struct kt_err *err);

/* Closes, in one short transaction, up to batch tickets whose
 * consolidated status has been resolved for more than after_s seconds,
 * as kt_store_resolution_close would (actor "integrator", whose policy it
 * is: "system" never reaches the customer; the "closed" event, the
 * "leg_closed" events and the suppliers' updates say automatic). Tickets another transaction holds are skipped, so several
 * broker processes may sweep at once. *closed gets how many,
 * *n_messages the messages queued. */
int kt_store_resolution_autoclose(struct kt_db *db, int after_s, int batch, int *closed,
				  int *n_messages, struct kt_err *err);

#endif
