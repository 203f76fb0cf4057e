/* live_relay.h - the relay of `keten serve` that takes the live stream's
 * changes the writes queued (store/row_live.h) and NOTIFYs them to every
 * node's streams (http/stream.h): a timer on the loop, the work on the
 * background database pool, every live_relay_ms. Safe with several nodes:
 * each queued change is taken by one. */
#ifndef KETEN_LIVE_RELAY_H
#define KETEN_LIVE_RELAY_H

#include "cli/app.h"
#include "keten/err.h"

struct kt_live_relay;

/* Needs app->base, app->bg_pool and app->cfg; starts the timer. NULL with
 * err set when out of memory. */
struct kt_live_relay *kt_live_relay_new(struct kt_app *app, struct kt_err *err);

/* Starts no more relays; one running finishes. Accepts NULL. */
void kt_live_relay_stop(struct kt_live_relay *r);

/* Frees r; call after the background pool is freed (its last done
 * callback may still come). Accepts NULL. */
void kt_live_relay_free(struct kt_live_relay *r);

#endif
