/* poll.h - polling the suppliers that cannot push (issue 11): every
 * poll_tick_ms a delivering node leases the supplier feeds that are due
 * (store/row_poll.h: one node per feed), then pages each to its end
 * through the supplier's adapter (build_poll, read_poll) and the caller
 * (dispatch/caller.h), applies every update once under its delivery id
 * (store/tx_inbound.h) and records each page under the lease; the cursor
 * moves only when the last page was read. A failed page backs its feed
 * off (dispatch/poll_plan.h) and resumes at that page; a supplier's gate
 * (dispatch/gate.h: a Retry-After, an open circuit) defers its feeds, and
 * each page's call counts toward the circuit as a delivery's does. */
#ifndef KETEN_DISPATCH_POLL_H
#define KETEN_DISPATCH_POLL_H

#include "cli/app.h"
#include "dispatch/caller.h"
#include "dispatch/gate.h"
#include "keten/err.h"

struct kt_poll;

/* Called on the loop when applied updates queued outbox messages (a
 * comment relayed to another leg, a re-routing). */
typedef void kt_poll_wake_fn(void *arg);

/* Starts the timer on app's loop. caller and gates are borrowed (the
 * dispatcher's: polls and deliveries share a supplier's auth, limits and
 * gate) and outlive the poll. NULL with err filled when out of memory. */
struct kt_poll *kt_poll_new(struct kt_app *app, struct kt_caller *caller,
			    struct kt_gates *gates, kt_poll_wake_fn *wake, void *wake_arg,
			    struct kt_err *err);

/* Stops the timer and abandons the calls in flight (their leases run out
 * and any node resumes those feeds at the page they reached). Jobs on the
 * background pool finish; call before freeing the pool. */
void kt_poll_stop(struct kt_poll *p);

/* Frees p; accepts NULL. Call once the background pool drained. */
void kt_poll_free(struct kt_poll *p);

#endif
