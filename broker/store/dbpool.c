/* dbpool.c - worker threads, each with its own database session (which
 * prepares its statements once), fed from one queue; finished jobs go back
 * to the loop through one event made active from the worker (libevent's
 * pthread locking is on). */
#include <pthread.h>
#include <sys/queue.h>

#include "store/dbpool.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"

struct job {
	kt_db_work_fn *work;
	kt_db_done_fn *done;
	void *arg;
	long long queued_ms;
	int rc;
	struct kt_err err;
	STAILQ_ENTRY(job) next;
};

STAILQ_HEAD(job_list, job);

struct kt_dbpool {
	char name[32];
	char *conninfo;
	int deadline_ms;
	int max_queue;
	int statement_timeout_ms;
	int size;
	pthread_t *threads;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job_list queue;               /* waiting for a worker */
	struct job_list done;                /* waiting for the loop */
	int busy;                            /* queued or running: loop thread only */
	int queued;                          /* waiting for a worker: under lock */
	int stopping;
	struct event *done_ev;
};

/* The first job of list, taken off it; NULL when it is empty. */
static struct job *pop(struct job_list *list)
{
	struct job *j = STAILQ_FIRST(list);

	if (j)
		STAILQ_REMOVE_HEAD(list, next);
	return j;
}

static int stopping(struct kt_dbpool *pool)
{
	int v;

	pthread_mutex_lock(&pool->lock);
	v = pool->stopping;
	pthread_mutex_unlock(&pool->lock);
	return v;
}

/* A session that is connected, or class unavailable once the deadline of the job passed
 * or the pool is stopping (a job waiting for a database that is down must
 * not hold up the broker's exit). */
static int session(struct kt_dbpool *pool, struct kt_db **db, struct job *j)
{
	const int lost = *db != NULL;

	if (*db && kt_db_ok(*db))
		return KT_OK;
	for (;;) {
		kt_err_release(&j->err);
		if (*db ? kt_db_reconnect(*db, &j->err) == KT_OK
			: kt_db_open(pool->conninfo, pool->statement_timeout_ms, db,
				     &j->err) == KT_OK) {
			kt_db_prepare_statements(*db);
			kt_log(KT_LOG_INFO, json_pack("{s:s}", "pool", pool->name),
			       "database session connected");
			if (lost)
				kt_metrics_db_reconnect(pool->name);
			return KT_OK;
		}
		if (stopping(pool)) {
			kt_err_release(&j->err);
			return kt_err_set(&j->err, KT_EC_UNAVAILABLE, "shutting_down", "broker is shutting down");
		}
		if (kt_clock_mono_ms() - j->queued_ms >= pool->deadline_ms)
			return KT_ERR;
		struct timespec pause = { 0, 100 * 1000000L };
		nanosleep(&pause, NULL);
	}
}

static void run(struct kt_dbpool *pool, struct kt_db **db, struct job *j)
{
	if (kt_clock_mono_ms() - j->queued_ms > pool->deadline_ms) {
		j->rc = kt_err_set(&j->err, KT_EC_UNAVAILABLE, "database_unavailable",
				   "database busy: request waited longer than %d ms",
				   pool->deadline_ms);
		return;
	}
	if (session(pool, db, j) != KT_OK) {
		j->rc = KT_ERR;
		return;
	}
	/* A session lost during the work is not retried here: the loss may
	 * have come after the server committed, and running the work again
	 * could write twice. The caller answers unavailable (503); the next job reconnects. */
	j->rc = j->work(*db, j->arg, &j->err);
}

static void *worker(void *arg)
{
	struct kt_dbpool *pool = arg;
	struct kt_db *db = NULL;
	int prepared = 0; /* this session's part of the pool's gauge */

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct job *j;

		while (!pool->stopping && STAILQ_EMPTY(&pool->queue))
			pthread_cond_wait(&pool->wake, &pool->lock);
		if (pool->stopping)
			break;
		j = pop(&pool->queue);
		pool->queued--;
		pthread_mutex_unlock(&pool->lock);
		run(pool, &db, j);
		kt_db_settle(db);
		kt_metrics_db_prepared(pool->name, kt_db_prepared_count(db) - prepared);
		prepared = kt_db_prepared_count(db);
		pthread_mutex_lock(&pool->lock);
		STAILQ_INSERT_TAIL(&pool->done, j, next);
		event_active(pool->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&pool->lock);
	kt_db_free(db);
	return NULL;
}

static void finish(struct kt_dbpool *pool, struct job *j)
{
	pool->busy--;
	kt_metrics_db_jobs(pool->name, -1);
	j->done(j->arg, j->rc, &j->err);
	kt_err_release(&j->err);
	free(j);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct kt_dbpool *pool = arg;
	struct job_list list = STAILQ_HEAD_INITIALIZER(list);
	struct job *j;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&pool->lock);
	STAILQ_CONCAT(&list, &pool->done);
	pthread_mutex_unlock(&pool->lock);
	while ((j = pop(&list)))
		finish(pool, j);
}

struct kt_dbpool *kt_dbpool_new(struct event_base *base, const char *name,
				const char *conninfo, int size, int deadline_ms,
				int max_queue, int statement_timeout_ms,
				struct kt_err *err)
{
	struct kt_dbpool *pool = calloc(1, sizeof(*pool));

	if (!pool)
		goto oom;
	snprintf(pool->name, sizeof(pool->name), "%s", name);
	pool->deadline_ms = deadline_ms;
	pool->max_queue = max_queue;
	pool->statement_timeout_ms = statement_timeout_ms;
	pthread_mutex_init(&pool->lock, NULL);
	STAILQ_INIT(&pool->queue);
	STAILQ_INIT(&pool->done);
	pthread_cond_init(&pool->wake, NULL);
	pool->conninfo = strdup(conninfo);
	pool->threads = calloc((size_t)size, sizeof(pthread_t));
	pool->done_ev = event_new(base, -1, 0, on_done, pool);
	if (!pool->conninfo || !pool->threads || !pool->done_ev)
		goto oom;
	for (; pool->size < size; pool->size++)
		if (pthread_create(&pool->threads[pool->size], NULL, worker, pool) != 0) {
			kt_err_set(err, KT_EC_INTERNAL, "internal", "could not start database worker");
			kt_dbpool_free(pool);
			return NULL;
		}
	return pool;
oom:
	kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	kt_dbpool_free(pool);
	return NULL;
}

void kt_dbpool_submit(struct kt_dbpool *pool, kt_db_work_fn *work,
		      kt_db_done_fn *done, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));
	struct kt_err err = { 0 };
	int full;

	if (!j) {
		kt_err_set(&err, KT_EC_UNAVAILABLE, "out_of_memory", "out of memory");
		done(arg, KT_ERR, &err);
		return;
	}
	j->work = work;
	j->done = done;
	j->arg = arg;
	j->queued_ms = kt_clock_mono_ms();
	pthread_mutex_lock(&pool->lock);
	full = pool->max_queue > 0 && pool->queued >= pool->max_queue;
	if (!full) {
		STAILQ_INSERT_TAIL(&pool->queue, j, next);
		pool->queued++;
		pthread_cond_signal(&pool->wake);
	}
	pthread_mutex_unlock(&pool->lock);
	if (full) {
		free(j);
		kt_err_set(&err, KT_EC_UNAVAILABLE, "overloaded", "too many requests wait for the database");
		done(arg, KT_ERR, &err);
		return;
	}
	pool->busy++;
	kt_metrics_db_jobs(pool->name, 1);
}

int kt_dbpool_busy(const struct kt_dbpool *pool)
{
	return pool->busy;
}

void kt_dbpool_free(struct kt_dbpool *pool)
{
	struct job *j;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->size; i++)
		pthread_join(pool->threads[i], NULL);
	if (pool->done_ev)
		on_done(-1, 0, pool);
	while ((j = pop(&pool->queue))) {
		j->rc = kt_err_set(&j->err, KT_EC_UNAVAILABLE, "shutting_down", "broker is shutting down");
		finish(pool, j);
	}
	if (pool->done_ev)
		event_free(pool->done_ev);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
	free(pool->conninfo);
	free(pool);
}

struct kt_dbpool_timer {
	struct kt_dbpool *pool;
	struct event *ev;
	const char *name;
	kt_db_work_fn *work;
	kt_db_done_fn *done;
	void *arg;
	int running;
	int stopping;
};

static int timer_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_dbpool_timer *t = arg;

	return t->work(db, t->arg, err);
}

static void timer_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_dbpool_timer *t = arg;

	t->done(t->arg, rc, err);
	t->running = 0;
	kt_metrics_sweep(t->name);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kt_dbpool_timer *t = arg;

	(void)fd;
	(void)what;
	if (t->stopping || t->running)
		return;
	t->running = 1;
	kt_dbpool_submit(t->pool, timer_work, timer_done, t);
}

struct kt_dbpool_timer *kt_dbpool_every(struct kt_dbpool *pool, struct event_base *base,
					const char *name, long long interval_ms, kt_db_work_fn *work,
					kt_db_done_fn *done, void *arg, struct kt_err *err)
{
	struct kt_dbpool_timer *t = calloc(1, sizeof(*t));
	struct timeval tv = { (time_t)(interval_ms / 1000),
			      (suseconds_t)(interval_ms % 1000) * 1000 };

	if (!t || !(t->ev = event_new(base, -1, EV_PERSIST, on_timer, t))) {
		free(t);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	t->pool = pool;
	t->name = name;
	t->work = work;
	t->done = done;
	t->arg = arg;
	event_add(t->ev, &tv);
	return t;
}

void kt_dbpool_timer_stop(struct kt_dbpool_timer *t)
{
	if (!t || t->stopping)
		return;
	t->stopping = 1;
	event_del(t->ev);
}

void kt_dbpool_timer_free(struct kt_dbpool_timer *t)
{
	if (!t)
		return;
	kt_dbpool_timer_stop(t);
	event_free(t->ev);
	free(t);
}
