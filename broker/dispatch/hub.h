/* hub.h - the hub sweep (issue 12): every hub_tick_ms a delivering node
 * leases the hub registrations with work due (store/row_hub.h: one node
 * per row) and makes their calls (dispatch/hub_call.h): registers Keten's
 * listener with the hub of a supplier whose chain entry names
 * inbound.callback, keeps the hub's id of it, and removes a registration
 * whose supplier was removed or changed. A failed call backs its row off
 * (the supplier's Retry-After at least) and is tried again; the outcome
 * is kept on the row (`keten supplier show`). */
#ifndef KETEN_DISPATCH_HUB_H
#define KETEN_DISPATCH_HUB_H

#include "cli/app.h"
#include "dispatch/caller.h"
#include "keten/err.h"

struct kt_hub;

/* Starts the timer on app's loop. caller is borrowed (the dispatcher's)
 * and outlives the sweep. NULL with err filled when out of memory. */
struct kt_hub *kt_hub_new(struct kt_app *app, struct kt_caller *caller, struct kt_err *err);

/* Stops the timer and abandons the calls in flight (their leases run out
 * and any node makes them again). Jobs on the background pool finish;
 * call before freeing the pool. */
void kt_hub_stop(struct kt_hub *hb);

/* Frees hb; accepts NULL. Call once the background pool drained. */
void kt_hub_free(struct kt_hub *hb);

#endif
