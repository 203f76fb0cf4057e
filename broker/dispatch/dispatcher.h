/* dispatcher.h - delivers outbox messages to suppliers from the event loop:
 * claims on the background database pool, builds and signs each request
 * (dispatch/build.h), holds suppliers back at their gates (dispatch/gate.h),
 * sends through dispatch/transport.h, classifies (dispatch/classify.h) and
 * records each outcome under the lease. Owns the node's announcements
 * (dispatch/wake.h), background sweep (dispatch/sweep.h), polling of
 * the suppliers that cannot push (dispatch/poll.h) and listeners
 * registered with suppliers' hubs (dispatch/hub.h). */
#ifndef KETEN_DISPATCHER_H
#define KETEN_DISPATCHER_H

#include "cli/app.h"
#include "keten/err.h"

struct kt_dispatcher;

/* Needs app->base, app->bg_pool and app->cfg. Starts the background sweep
 * (on every node); with cfg->dispatch on, also the claim timer, the
 * listening for other nodes' announcements, the polling and the hub
 * sweep. */
struct kt_dispatcher *kt_dispatcher_new(struct kt_app *app, struct kt_err *err);

/* Asks for a claim round soon (after an outcome, on an announcement).
 * Coalesced: many kicks while a claim runs make one more round. */
void kt_dispatcher_kick(struct kt_dispatcher *d);

/* New outbox work was committed by this process: kick the local
 * dispatcher and announce it to the other nodes (one NOTIFY per
 * announce_interval_ms at most, never inside the intake transaction). */
void kt_dispatcher_wake(struct kt_dispatcher *d);

/* The name this node announces new work as (pg_notify's payload) when a
 * write about to queue work is to carry the announcement itself, else
 * NULL (see dispatch/wake.h's kt_wake_take_turn). Thread-safe: for API
 * workers. */
const char *kt_dispatcher_take_turn(struct kt_dispatcher *d);

/* kt_dispatcher_wake after a write that carried the announcement: only
 * the local kick. */
void kt_dispatcher_woken(struct kt_dispatcher *d);

/* Stops claiming, sweeping and announcing, and abandons calls in flight
 * (their leases run out and any node retries them). Call before freeing
 * the background pool. */
void kt_dispatcher_stop(struct kt_dispatcher *d);

/* Frees what is left; accepts NULL. */
void kt_dispatcher_free(struct kt_dispatcher *d);

#endif
