/* dbpool.h - a small pool of database sessions on worker threads.
 *
 * Why threads and not non-blocking libpq: one API request runs several
 * statements in one transaction (auth, validation against the chain,
 * inserts); as straight-line blocking code on a worker it stays short and
 * readable, while the event loop never waits on PostgreSQL. A job's work
 * function runs on a worker with a session; its done function runs later on
 * the loop thread, which alone touches HTTP requests and curl handles. */
#ifndef KETEN_DBPOOL_H
#define KETEN_DBPOOL_H

#include <event2/event.h>

#include "keten/err.h"
#include "store/store.h"

/* Runs on a worker thread; fills err on failure. db is a connected session. */
typedef int kt_db_work_fn(struct kt_db *db, void *arg, struct kt_err *err);
/* Runs on the loop thread with work's result (or the pool's own failure:
 * 503 when the database could not be reached before deadline_ms). err is
 * owned by the pool and valid during the call only. */
typedef void kt_db_done_fn(void *arg, int rc, struct kt_err *err);

struct kt_dbpool;

/* Starts size workers; sessions connect lazily and reconnect after a loss.
 * deadline_ms bounds how long a job may wait for a worker and session;
 * max_queue bounds the jobs waiting (0: no bound). */
struct kt_dbpool *kt_dbpool_new(struct event_base *base, const char *name,
				const char *conninfo, int size, int deadline_ms,
				int max_queue, int statement_timeout_ms,
				struct kt_err *err);

/* Queues a job. Never blocks. With max_queue jobs already waiting, done
 * runs at once with unavailable "overloaded". */
void kt_dbpool_submit(struct kt_dbpool *pool, kt_db_work_fn *work,
		      kt_db_done_fn *done, void *arg);

/* A job submitted every interval_ms while the previous one is not still
 * running (a slow sweep never piles up behind itself). done runs on the
 * loop as for kt_dbpool_submit; then the run is counted under name in
 * keten_sweeps_total (name: a static string). NULL with err set when out
 * of memory. */
struct kt_dbpool_timer;
struct kt_dbpool_timer *kt_dbpool_every(struct kt_dbpool *pool, struct event_base *base,
					const char *name,
					long long interval_ms, kt_db_work_fn *work,
					kt_db_done_fn *done, void *arg, struct kt_err *err);
/* No more submissions; a job already running still finishes. Accepts NULL. */
void kt_dbpool_timer_stop(struct kt_dbpool_timer *t);
/* Stops and frees t; call once its last job's done ran (after the pool
 * was freed, or when none runs). Accepts NULL. */
void kt_dbpool_timer_free(struct kt_dbpool_timer *t);

/* Jobs queued or running. */
int kt_dbpool_busy(const struct kt_dbpool *pool);

/* Stops the workers after their current job, runs the done functions of
 * every finished or dropped job (dropped: class unavailable), frees everything. Call on
 * the loop thread; accepts NULL. */
void kt_dbpool_free(struct kt_dbpool *pool);

#endif
