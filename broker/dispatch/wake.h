/* wake.h - NOTIFY between nodes: new outbox work committed here is
 * announced to the other nodes, coalesced to one announcement per
 * announce_interval_ms: carried by the write that queues the work (its
 * statement calls pg_notify, no round trip of its own) when its turn has
 * come, else by a NOTIFY of its own once the interval is over; their
 * announcements reach this node through a LISTEN session. */
#ifndef KETEN_DISPATCH_WAKE_H
#define KETEN_DISPATCH_WAKE_H

#include "cli/app.h"
#include "keten/err.h"

struct kt_wake;

/* Called on the loop for each announcement of another node. */
typedef void kt_wake_fn(void *arg);

/* Needs app->base, app->bg_pool and app->cfg. With on_work set it listens
 * for the other nodes' announcements and calls on_work(arg) for each; NULL
 * with err filled when out of memory. */
struct kt_wake *kt_wake_new(struct kt_app *app, kt_wake_fn *on_work, void *arg,
			    struct kt_err *err);

/* Announces new work soon: at most one NOTIFY per announce_interval_ms,
 * and one more after a NOTIFY in progress when work came meanwhile; none
 * when a write that started after this call carried one (kt_wake_take_turn). */
void kt_wake_announce(struct kt_wake *w);

/* Whether a write about to queue outbox work should carry the
 * announcement itself (pg_notify in its statement, sent at its commit):
 * 1, and the turn is taken, when no announcement was made or carried in
 * the last announce_interval_ms; 0: announce after its commit with
 * kt_wake_announce as usual. Thread-safe: called by API workers. */
int kt_wake_take_turn(struct kt_wake *w);

/* Stops announcing and listening; an announcement in progress finishes.
 * Call before freeing the background pool. */
void kt_wake_stop(struct kt_wake *w);

/* Frees w; accepts NULL. Call once no announcement is in progress (after
 * the background pool drained). */
void kt_wake_free(struct kt_wake *w);

#endif
