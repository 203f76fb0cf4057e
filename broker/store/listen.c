/* listen.c - the LISTEN session's state machine on the loop
 * (CONNECTING -> LISTENING -> READY, any failure -> WAITING -> CONNECTING)
 * and the NOTIFY that announces outbox work. */
#include "base/log.h"
#include "store/internal.h"
#include "store/listen.h"

#define RETRY_MS 1000

enum state { CONNECTING, LISTENING, READY, WAITING };

struct kt_listener {
	struct event_base *base;
	char *conninfo;
	char *self;                /* own announcements, ignored (outbox) */
	char *channel;
	kt_listener_fn *cb;        /* one call per read (outbox) ... */
	kt_listener_note_fn *note; /* ... or one per notification (live) */
	void *arg;
	PGconn *conn;
	enum state state;
	struct event *io;      /* on the session's socket */
	struct event *retry;   /* while WAITING */
	int failures;          /* in a row: logged once per outage */
};

static void on_io(evutil_socket_t fd, short what, void *arg);

static void watch(struct kt_listener *l, short what)
{
	if (l->io)
		event_free(l->io);
	l->io = event_new(l->base, PQsocket(l->conn), what, on_io, l);
	if (l->io)
		event_add(l->io, NULL);
}

static void fail(struct kt_listener *l, const char *what)
{
	struct timeval tv = { RETRY_MS / 1000, (RETRY_MS % 1000) * 1000 };

	if (l->failures++ == 0)
		kt_log(KT_LOG_WARN, NULL, "listen session %s: %s (retrying every %d ms)", what,
		       l->conn ? PQerrorMessage(l->conn) : "out of memory", RETRY_MS);
	if (l->io)
		event_free(l->io);
	l->io = NULL;
	PQfinish(l->conn);
	l->conn = NULL;
	l->state = WAITING;
	event_add(l->retry, &tv);
}

static void start(struct kt_listener *l)
{
	const char *keys[] = { "application_name", "dbname", NULL };
	const char *vals[] = { "keten-listen", l->conninfo, NULL };

	l->conn = PQconnectStartParams(keys, vals, 1);
	if (!l->conn || PQstatus(l->conn) == CONNECTION_BAD) {
		fail(l, "could not start");
		return;
	}
	l->state = CONNECTING;
	/* libpq: behave as if PQconnectPoll had said PGRES_POLLING_WRITING. */
	watch(l, EV_WRITE);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start(arg);
}

static void connecting(struct kt_listener *l)
{
	switch (PQconnectPoll(l->conn)) {
	case PGRES_POLLING_READING:
		watch(l, EV_READ);
		return;
	case PGRES_POLLING_WRITING:
		watch(l, EV_WRITE);
		return;
	case PGRES_POLLING_OK: {
		char listen[80];

		snprintf(listen, sizeof(listen), "LISTEN %s", l->channel);
		if (PQsetnonblocking(l->conn, 1) != 0 || !PQsendQuery(l->conn, listen)) {
			fail(l, "could not send LISTEN");
			return;
		}
		l->state = LISTENING;
		PQflush(l->conn);
		watch(l, EV_READ | EV_PERSIST);
		return;
	}
	default:
		fail(l, "could not connect");
	}
}

/* Reads what arrived: LISTEN's result, then notifications. */
static void reading(struct kt_listener *l)
{
	PGnotify *n;
	PGresult *res;
	int woken = 0;

	if (!PQconsumeInput(l->conn)) {
		fail(l, "lost");
		return;
	}
	while (!PQisBusy(l->conn) && (res = PQgetResult(l->conn))) {
		if (l->state == LISTENING && PQresultStatus(res) == PGRES_COMMAND_OK) {
			l->state = READY;
			if (l->failures > 0)
				kt_log(KT_LOG_INFO, NULL, "listen session back");
			l->failures = 0;
			woken = 1; /* work announced while we were away */
			if (l->note)
				l->note(l->arg, NULL);
		}
		PQclear(res);
	}
	while ((n = PQnotifies(l->conn))) {
		if (l->note)
			l->note(l->arg, n->extra);
		else if (strcmp(n->extra, l->self) != 0)
			woken = 1;
		PQfreemem(n);
	}
	if (woken && l->cb)
		l->cb(l->arg);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
	struct kt_listener *l = arg;

	(void)fd;
	(void)what;
	if (l->state == CONNECTING)
		connecting(l);
	else
		reading(l);
}

static struct kt_listener *listener(struct event_base *base, const char *conninfo,
				    const char *channel, const char *self, void *arg,
				    struct kt_err *err)
{
	struct kt_listener *l = calloc(1, sizeof(*l));

	if (!l || !(l->conninfo = strdup(conninfo)) || !(l->self = strdup(self)) ||
	    !(l->channel = strdup(channel)) || !(l->retry = evtimer_new(base, on_retry, l))) {
		kt_listener_free(l);
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	l->base = base;
	l->arg = arg;
	return l;
}

struct kt_listener *kt_listener_new(struct event_base *base, const char *conninfo,
				    const char *self, kt_listener_fn *cb, void *arg,
				    struct kt_err *err)
{
	struct kt_listener *l = listener(base, conninfo, KT_OUTBOX_CHANNEL, self, arg, err);

	if (l) {
		l->cb = cb;
		start(l);
	}
	return l;
}

struct kt_listener *kt_listener_open(struct event_base *base, const char *conninfo,
				     const char *channel, kt_listener_note_fn *note, void *arg,
				     struct kt_err *err)
{
	struct kt_listener *l = listener(base, conninfo, channel, "", arg, err);

	if (l) {
		l->note = note;
		start(l);
	}
	return l;
}

void kt_listener_free(struct kt_listener *l)
{
	if (!l)
		return;
	if (l->io)
		event_free(l->io);
	if (l->retry)
		event_free(l->retry);
	PQfinish(l->conn);
	free(l->conninfo);
	free(l->self);
	free(l->channel);
	free(l);
}

int kt_store_announce(struct kt_db *db, const char *self, struct kt_err *err)
{
	const char *params[] = { KT_OUTBOX_CHANNEL, self };

	return kt_db_cmd(db, "SELECT pg_notify($1, $2)", 2, params, err);
}
