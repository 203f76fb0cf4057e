/* sweep.h - the background housekeeping of one node, off every request's
 * path: about once a second (never more often than the dispatch interval
 * allows) it raises delivery_delayed on overdue legs and refreshes the
 * outbox gauges of GET /metrics (on a delivering node), and purges
 * expired idempotency answers (on every node), one job at a time on the
 * background pool. */
#ifndef KETEN_DISPATCH_SWEEP_H
#define KETEN_DISPATCH_SWEEP_H

#include "cli/app.h"
#include "keten/err.h"

struct kt_sweep;

/* Needs app->base, app->bg_pool and app->cfg; starts the timer. NULL with
 * err filled when out of memory. */
struct kt_sweep *kt_sweep_new(struct kt_app *app, struct kt_err *err);

/* Stops the timer; a sweep in progress finishes. Call before freeing the
 * background pool. */
void kt_sweep_stop(struct kt_sweep *s);

/* Frees s; accepts NULL. Call once no sweep is in progress (after the
 * background pool drained). */
void kt_sweep_free(struct kt_sweep *s);

#endif
