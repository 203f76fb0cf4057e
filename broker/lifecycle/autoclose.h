/* autoclose.h - the sweep of `keten serve` that closes resolved tickets
 * nobody confirmed within auto_close_s: a timer on the loop, the work in
 * small batches on the background database pool. Safe with several
 * broker processes (store/tx_resolution.h skips tickets another holds). */
#ifndef KETEN_AUTOCLOSE_H
#define KETEN_AUTOCLOSE_H

#include "cli/app.h"
#include "keten/err.h"

struct kt_autoclose;

/* Needs app->base, app->bg_pool and app->cfg; starts the timer. */
struct kt_autoclose *kt_autoclose_new(struct kt_app *app, struct kt_err *err);

/* Starts no more sweeps; one running finishes. */
void kt_autoclose_stop(struct kt_autoclose *a);

/* Frees a; call after the background pool is freed (its last done
 * callback may still come). Accepts NULL. */
void kt_autoclose_free(struct kt_autoclose *a);

#endif
