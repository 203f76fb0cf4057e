/* lease_tick.h - the loop of a leased sweep (dispatch/poll.c,
 * dispatch/hub.c): every tick_ms, unless a claim is under way, the sweep
 * is stopping or `max` runs go on, one claim job on the background pool
 * leases at most max less the running ones; back on the loop each run it
 * claimed is started, counted as running until kt_lease_tick_ended, or
 * dropped once the sweep stops (its lease runs out in the database). Also
 * the random source of the sweeps' backoff jitter. */
#ifndef KETEN_DISPATCH_LEASE_TICK_H
#define KETEN_DISPATCH_LEASE_TICK_H

#include <stddef.h>
#include <stdint.h>

#include "cli/app.h"
#include "keten/err.h"
#include "store/store.h"

struct kt_lease_tick;

/* On a worker: leases at most limit rows of owner's sweep into *runs (a
 * malloc'd array of *n runs of the sweep's own, which the tick frees; NULL
 * when none). KT_ERR with err filled when the claim failed (it is logged;
 * the runs it did return are started all the same). */
typedef int kt_lease_claim_fn(struct kt_db *db, void *owner, int limit, void ***runs, size_t *n,
			      struct kt_err *err);
/* On the loop: a claimed run starts, or is freed unstarted (dropped). */
typedef void kt_lease_run_fn(void *run);

struct kt_lease_tick_spec {
	const char *what;           /* for the log: "supplier feeds" */
	int tick_ms;
	int max;                    /* runs at once at most */
	kt_lease_claim_fn *claim;
	kt_lease_run_fn *start;
	kt_lease_run_fn *drop;
	void *owner;
};

/* Starts the timer on app's loop (spec copied). NULL with err filled
 * when out of memory. */
struct kt_lease_tick *kt_lease_tick_new(struct kt_app *app, const struct kt_lease_tick_spec *spec,
					struct kt_err *err);

/* A started run ended: one more may be claimed. */
void kt_lease_tick_ended(struct kt_lease_tick *t);

/* Stops the timer; runs a claim still brings are dropped. A claim job
 * under way finishes on the pool. */
void kt_lease_tick_stop(struct kt_lease_tick *t);

/* Frees t; accepts NULL. Call once the background pool drained. */
void kt_lease_tick_free(struct kt_lease_tick *t);

/* 64 random bits for backoff jitter (a kt_rand_fn; arg unused), 0 when
 * none could be had: jitter needs no secrecy, the backoff is its least. */
uint64_t kt_lease_jitter(void *arg);

#endif
