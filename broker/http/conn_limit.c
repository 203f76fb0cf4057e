/* conn_limit.c - the API listener's guard: the open connections counted
 * through the TLS hook of each, the listener enabled only below the cap,
 * while no accept error rests it and while the next TLS bufferevent is
 * ready; one deadline timer and one body gate per connection, and the
 * lingering close of a connection answered before its body was read. */
#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "cli/app.h"
#include "http/body_gate.h"
#include "http/conn_limit.h"
#include "http/tls.h"

struct conn {
	struct kt_tls_hook hook;     /* first: the hook is the record */
	struct kt_conn_limit *cl;
	struct bufferevent *bev;
	struct event *deadline;
	struct kt_body_gate *gate;
	int linger_fd;               /* the socket kept past evhttp's close, or -1 */
	struct event *linger;
	long long linger_end_ms;     /* monotonic: the linger ends by then */
	struct conn *next_lingering;
	int open;                    /* handed to evhttp (not the spare) */
};

/* How long a connection answered before its body was read goes on reading
 * (and dropping) what the caller still sends, so that closing with unread
 * bytes does not reset the connection before the answer was read. */
#define LINGER_MS 2000

struct kt_conn_limit {
	struct event_base *base;
	struct kt_tls *tls;
	struct kt_app *app;
	struct evconnlistener *lev;  /* borrowed from evhttp; NULL once stopped */
	struct conn *spare;          /* the next connection's TLS state */
	struct conn *lingering;      /* connections in their linger */
	struct event *rest;          /* re-enables after an accept error */
	struct timeval deadline;
	struct timeval retry;
	int max_conns;
	int open;
	int live;                    /* records not yet freed, spare included */
	int resting;                 /* accept error or no spare: wait for rest */
	int enabled;
	int stopped;
	int freed;                   /* kt_conn_limit_free called */
};

/* File descriptors a broker needs besides its API connections: database
 * sessions, supplier calls, logs, the listener. */
#define FDS_KEPT 64

/* libevent gives the listener's error callback evhttp's argument. */
static struct kt_conn_limit *listening;

static void guard_free(struct kt_conn_limit *cl)
{
	if (listening == cl)
		listening = NULL;
	if (cl->rest)
		event_free(cl->rest);
	free(cl);
}

/* Accepting is on exactly when a connection may be taken now. */
static void update(struct kt_conn_limit *cl)
{
	int want = cl->lev && !cl->stopped && !cl->resting && cl->spare &&
		   cl->open < cl->max_conns;

	if (want == cl->enabled)
		return;
	if (want)
		evconnlistener_enable(cl->lev);
	else if (cl->lev)
		evconnlistener_disable(cl->lev);
	cl->enabled = want;
}

static void conn_gone(struct conn *c)
{
	struct kt_conn_limit *cl = c->cl;

	for (struct conn **p = &cl->lingering; *p; p = &(*p)->next_lingering)
		if (*p == c) {
			*p = c->next_lingering;
			break;
		}
	if (c->deadline)
		event_free(c->deadline);
	if (c->linger)
		event_free(c->linger);
	if (c->linger_fd >= 0)
		close(c->linger_fd);
	if (c->open) {
		cl->open--;
		kt_metrics_http_connections(cl->open, cl->max_conns);
	}
	free(c);
	cl->live--;
	if (cl->freed) {
		if (cl->live == 0)
			guard_free(cl);
		return;
	}
	update(cl);
}

/* The lingering socket: what the caller still sends is read and dropped
 * until it closes or LINGER_MS pass. */
static void on_linger(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char sink[4096];
	ssize_t n = 0;

	if (what & EV_READ)
		while ((n = read(fd, sink, sizeof(sink))) > 0)
			;
	/* A persistent event's timeout runs again after each read: a caller
	 * trickling bytes still meets the linger's end. */
	if ((what & EV_TIMEOUT) || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
	    kt_clock_mono_ms() >= c->linger_end_ms)
		conn_gone(c);
}

static void on_conn_free(struct kt_tls_hook *hook)
{
	struct conn *c = (struct conn *)hook;
	struct timeval t = { LINGER_MS / 1000, (LINGER_MS % 1000) * 1000 };

	kt_body_gate_free(c->gate);
	c->gate = NULL;
	if (c->linger_fd >= 0 && !c->cl->freed) {
		/* The answer is in the kernel: FIN after it, then drain. */
		shutdown(c->linger_fd, SHUT_WR);
		event_del(c->deadline);
		c->linger_end_ms = kt_clock_mono_ms() + LINGER_MS;
		c->linger = event_new(c->cl->base, c->linger_fd, EV_READ | EV_PERSIST, on_linger, c);
		if (c->linger && event_add(c->linger, &t) == 0) {
			c->next_lingering = c->cl->lingering;
			c->cl->lingering = c;
			return;
		}
	}
	conn_gone(c);
}

/* evhttp's own timeout path closes the connection (no answer), deferred
 * so that evhttp frees it from the loop, not from inside this timer. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd; (void)what;
	kt_metrics_http_deadline_close();
	bufferevent_trigger_event(c->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT,
				  BEV_TRIG_DEFER_CALLBACKS);
}

/* A connection's TLS state ahead of its accept, or NULL. */
static struct conn *conn_new(struct kt_conn_limit *cl)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->hook.on_free = on_conn_free;
	c->cl = cl;
	c->linger_fd = -1;
	if (!(c->deadline = evtimer_new(cl->base, on_deadline, c)))
		goto fail;
	if (!(c->bev = kt_tls_bufferevent_new(cl->tls, cl->base, &c->hook)))
		goto fail;
	cl->live++;
	if (!(c->gate = kt_body_gate_new(cl->app, c->bev))) {
		bufferevent_free(c->bev);  /* frees c through its hook */
		return NULL;
	}
	return c;
fail:
	if (c->deadline)
		event_free(c->deadline);
	free(c);
	return NULL;
}

static void rest(struct kt_conn_limit *cl, const char *reason)
{
	kt_metrics_http_accept_paused(reason);
	cl->resting = 1;
	event_add(cl->rest, &cl->retry);
	update(cl);
}

static void on_rest_over(evutil_socket_t fd, short what, void *arg)
{
	struct kt_conn_limit *cl = arg;

	(void)fd; (void)what;
	cl->resting = 0;
	if (!cl->spare && !(cl->spare = conn_new(cl))) {
		rest(cl, "tls_setup");
		return;
	}
	update(cl);
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct kt_conn_limit *cl = listening;
	int e = EVUTIL_SOCKET_ERROR();

	(void)arg;
	kt_metrics_http_accept_error(e == EMFILE ? "emfile" : e == ENFILE ? "enfile" : "other");
	kt_log(KT_LOG_WARN, json_pack("{s:s}", "error", strerror(e)),
	       "could not accept a connection: resting before accepting again");
	if (!cl || cl->lev != lev) {
		evconnlistener_disable(lev);
		return;
	}
	rest(cl, "accept_error");
}

/* The cap is reached through file descriptors the process may not have:
 * say so at the start rather than at the first EMFILE. */
static void warn_fd_limit(int max_conns)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)max_conns + FDS_KEPT > rl.rlim_cur)
		kt_log(KT_LOG_WARN, json_pack("{s:i, s:I}", "max_connections", max_conns,
					      "fd_limit", (json_int_t)rl.rlim_cur),
		       "max_connections is not below the file descriptor limit less %d: "
		       "accept() will fail before the cap", FDS_KEPT);
}

struct kt_conn_limit *kt_conn_limit_new(struct kt_app *app, struct kt_tls *tls,
					int max_conns, int deadline_ms, int retry_ms,
					struct kt_err *err)
{
	struct kt_conn_limit *cl = calloc(1, sizeof(*cl));

	if (!cl) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	cl->base = app->base;
	cl->app = app;
	cl->tls = tls;
	cl->max_conns = max_conns;
	cl->deadline.tv_sec = deadline_ms / 1000;
	cl->deadline.tv_usec = (deadline_ms % 1000) * 1000;
	cl->retry.tv_sec = retry_ms / 1000;
	cl->retry.tv_usec = (retry_ms % 1000) * 1000;
	if (!(cl->rest = evtimer_new(cl->base, on_rest_over, cl)) || !(cl->spare = conn_new(cl))) {
		kt_err_set(err, KT_EC_INTERNAL, "tls_setup",
			   "could not make TLS state ready for a connection");
		guard_free(cl);
		return NULL;
	}
	kt_metrics_http_connections(0, max_conns);
	warn_fd_limit(max_conns);
	return cl;
}

void kt_conn_limit_attach(struct kt_conn_limit *cl, struct evconnlistener *lev)
{
	cl->lev = lev;
	listening = cl;
	evconnlistener_set_error_cb(lev, on_accept_error);
	cl->enabled = 1;  /* evhttp enabled it */
	update(cl);
}

struct bufferevent *kt_conn_limit_bevcb(struct event_base *base, void *arg)
{
	struct kt_conn_limit *cl = arg;
	struct conn *c = cl->spare;

	(void)base;
	if (!c && !(c = conn_new(cl))) {
		/* update() keeps accepting off without a spare: unreachable
		 * unless libevent accepts while disabled. Never plain text. */
		kt_log(KT_LOG_ERROR, NULL, "accepted a connection without TLS state: stopping");
		abort();
	}
	cl->spare = NULL;
	c->open = 1;
	cl->open++;
	event_add(c->deadline, &cl->deadline);
	kt_metrics_http_connections(cl->open, cl->max_conns);
	if (cl->open >= cl->max_conns)
		kt_metrics_http_accept_paused("cap");
	if (!(cl->spare = conn_new(cl)))
		rest(cl, "tls_setup");
	update(cl);
	return c->bev;
}

static struct conn *conn_of(struct bufferevent *bev)
{
	struct kt_tls_hook *hook = kt_tls_bufferevent_hook(bev);

	return hook && hook->on_free == on_conn_free ? (struct conn *)hook : NULL;
}

void kt_conn_limit_request_read(struct bufferevent *bev)
{
	struct conn *c = conn_of(bev);

	if (c) {
		event_del(c->deadline);
		kt_body_gate_handling(c->gate, 1);
	}
}

void kt_conn_limit_answered(struct bufferevent *bev)
{
	struct conn *c = conn_of(bev);

	if (c) {
		event_add(c->deadline, &c->cl->deadline);
		kt_body_gate_handling(c->gate, 0);
	}
}

int kt_conn_limit_refusal(struct bufferevent *bev, struct kt_err *err, int *retry_after_s)
{
	struct conn *c = conn_of(bev);

	*retry_after_s = 0;
	return c ? kt_body_gate_refusal(c->gate, err, retry_after_s) : KT_ERR;
}

void kt_conn_limit_linger(struct bufferevent *bev)
{
	struct conn *c = conn_of(bev);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;

	if (c && c->linger_fd < 0 && fd >= 0)
		c->linger_fd = dup(fd);
}

void kt_conn_limit_stop(struct kt_conn_limit *cl)
{
	if (!cl)
		return;
	cl->stopped = 1;
	update(cl);
}

void kt_conn_limit_renew(struct kt_conn_limit *cl)
{
	struct conn *old = cl->spare, *fresh = conn_new(cl);

	if (!fresh)
		return;
	cl->spare = fresh;
	if (old)
		bufferevent_free(old->bev);  /* frees old through its hook */
	update(cl);
}

void kt_conn_limit_free(struct kt_conn_limit *cl)
{
	struct conn *spare;

	if (!cl)
		return;
	cl->stopped = 1;
	cl->lev = NULL;
	while (cl->lingering)
		conn_gone(cl->lingering);
	cl->freed = 1;
	event_del(cl->rest);
	spare = cl->spare;
	cl->spare = NULL;
	if (spare)
		bufferevent_free(spare->bev);  /* frees spare through its hook */
	if (cl->live == 0)
		guard_free(cl);
}
