/* stream.c - the live stream's watchers on the loop (see http/stream.h):
 * the list of open chunked answers, the notifications turned into events
 * per watcher, heartbeats, the cap, and the key check on a worker that ends
 * the streams of revoked or expired keys. */
#include <ctype.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <sys/queue.h>

#include "base/log.h"
#include "base/metrics.h"
#include "http/api.h"
#include "http/conn_limit.h"
#include "http/page.h"
#include "http/stream.h"
#include "store/dbpool.h"
#include "store/listen.h"
#include "store/row_key.h"

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar) \
	for ((var) = TAILQ_FIRST(head); (var) && ((tvar) = TAILQ_NEXT(var, field), 1); \
	     (var) = (tvar))
#endif

/* A watcher that reads slower than events come is cut at this backlog. */
#define MAX_BACKLOG (256 * 1024)

struct kt_stream {
	TAILQ_ENTRY(kt_stream) link;
	struct kt_streams *hub;
	struct evhttp_request *req;          /* evhttp's, until the end */
	struct evhttp_connection *conn;
	enum kt_role role;
	char customer_id[KT_UUID_LEN + 1];
	unsigned char key_hash[KT_KEY_HASH_LEN];
	int has_key;
};

struct kt_streams {
	struct kt_app *app;
	struct kt_listener *listener;
	struct event *heartbeat;
	struct event *recheck;
	TAILQ_HEAD(, kt_stream) open;
	int n;
	int checking;                        /* a key check is on a worker */
	int stopped;
};

/* One key check: the distinct keys of the open streams, and which of them
 * no longer work. */
struct check {
	struct kt_streams *hub;
	size_t n;
	unsigned char (*hashes)[KT_KEY_HASH_LEN];
	char *refused;                       /* 1: revoked, expired or gone */
};

static void gauge(struct kt_streams *s)
{
	kt_metrics_http_streams(s->n);
}

static struct bufferevent *bev_of(struct evhttp_connection *conn)
{
	return conn ? evhttp_connection_get_bufferevent(conn) : NULL;
}

/* Forgets st; with end set, its answer is ended properly first (the
 * connection stays evhttp's: kept alive, its deadline running again). */
static void stream_close(struct kt_stream *st, const char *reason, int end)
{
	struct kt_streams *s = st->hub;

	TAILQ_REMOVE(&s->open, st, link);
	s->n--;
	gauge(s);
	kt_metrics_http_stream_ended(reason);
	evhttp_connection_set_closecb(st->conn, NULL, NULL);
	if (end) {
		kt_conn_limit_answered(bev_of(st->conn));
		evhttp_send_reply_end(st->req);
	}
	kt_log(KT_LOG_INFO, json_pack("{s:s, s:i}", "reason", reason, "open", s->n),
	       "live stream ended");
	free(st);
}

/* evhttp is freeing the connection (the watcher went away): the request
 * goes with it. */
static void on_conn_close(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	stream_close(arg, "client", 0);
}

/* Queues text on st; a watcher whose backlog is too long is ended. */
static void stream_send(struct kt_stream *st, const char *text, size_t len)
{
	struct bufferevent *bev = bev_of(st->conn);
	struct evbuffer *buf;

	if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > MAX_BACKLOG) {
		stream_close(st, "slow", 1);
		return;
	}
	if (!(buf = evbuffer_new()))
		return;
	evbuffer_add(buf, text, len);
	evhttp_send_reply_chunk(st->req, buf);
	evbuffer_free(buf);
}

static int is_id(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

json_t *kt_stream_event(const char *payload, int role, const char *customer_id,
			const char **event)
{
	char kind[16], vis[4], ticket[48], customer[48], detail[64], extra[2];
	char *colon;
	long long id;

	if (!payload || sscanf(payload, "%15s %3s %47s %47s %63s %1s", kind, vis, ticket,
			       customer, detail, extra) != 5 || !is_id(ticket, KT_UUID_LEN))
		return NULL;
	if (role != KT_ROLE_INTEGRATOR) {
		if (role != KT_ROLE_CUSTOMER || strcmp(vis, "c") != 0 ||
		    strcmp(kind, "ticket") != 0 || strcmp(customer, customer_id) != 0)
			return NULL;
	}
	*event = NULL;
	if (strcmp(kind, "ticket") == 0 && (strcmp(detail, "ticket") == 0 ||
	    strcmp(detail, "legs") == 0 || strcmp(detail, "timeline") == 0)) {
		*event = "ticket";
		return json_pack("{s:s, s:s}", "id", ticket, "what", detail);
	}
	if (strcmp(kind, "queue") == 0 && (strcmp(detail, "triage") == 0 ||
	    strcmp(detail, "dead_letters") == 0)) {
		*event = "queue";
		return json_pack("{s:s, s:s}", "queue", detail, "ticket_id", ticket);
	}
	if (strcmp(kind, "delivery") == 0 && (colon = strchr(detail, ':'))) {
		char *end;

		*colon = '\0';
		id = strtoll(detail, &end, 10);
		if (*end != '\0' || end == detail || (strcmp(colon + 1, "pending") != 0 &&
		    strcmp(colon + 1, "done") != 0 && strcmp(colon + 1, "dead") != 0))
			return NULL;
		*event = "delivery";
		return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "ticket_id", ticket,
				 "state", colon + 1);
	}
	return NULL;
}

/* A notification (payload NULL: the listen session is back and may have
 * missed some: every watcher is told to read again). */
static void on_note(void *arg, const char *payload)
{
	struct kt_streams *s = arg;
	struct kt_stream *st, *next;

	TAILQ_FOREACH_SAFE(st, &s->open, link, next) {
		const char *event = "resync";
		json_t *data = payload ? kt_stream_event(payload, (int)st->role, st->customer_id,
							  &event)
				       : json_object();
		char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
		char line[512];
		int n;

		json_decref(data);
		if (!text)
			continue;
		n = snprintf(line, sizeof(line), "event: %s\ndata: %s\n\n", event, text);
		free(text);
		if (n > 0 && (size_t)n < sizeof(line))
			stream_send(st, line, (size_t)n);
	}
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct kt_streams *s = arg;
	struct kt_stream *st, *next;

	(void)fd;
	(void)what;
	TAILQ_FOREACH_SAFE(st, &s->open, link, next)
		stream_send(st, ": beat\n\n", 8);
}

static void check_free(struct check *c)
{
	if (!c)
		return;
	free(c->hashes);
	free(c->refused);
	free(c);
}

/* Worker: looks each key up as a request would (revoked, expired and
 * unknown keys are refused); a database fault refuses nothing. */
static int check_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct check *c = arg;

	for (size_t i = 0; i < c->n; i++) {
		struct kt_principal p;
		struct kt_err e = { 0 };

		if (kt_store_key_principal(db, c->hashes[i], c->hub->app->cfg->key_last_used_s,
					   &p, &e) != KT_OK) {
			if (e.cls != KT_EC_UNAUTHENTICATED) {
				*err = e;
				return KT_ERR;
			}
			c->refused[i] = 1;
		}
		kt_err_release(&e);
	}
	return KT_OK;
}

static void check_done(void *arg, int rc, struct kt_err *err)
{
	struct check *c = arg;
	struct kt_streams *s = c->hub;
	struct kt_stream *st, *next;

	(void)err;
	s->checking = 0;
	if (rc == KT_OK)
		TAILQ_FOREACH_SAFE(st, &s->open, link, next)
			for (size_t i = 0; st->has_key && i < c->n; i++)
				if (c->refused[i] &&
				    memcmp(c->hashes[i], st->key_hash, KT_KEY_HASH_LEN) == 0) {
					stream_close(st, "revoked", 1);
					break;
				}
	check_free(c);
}

static void on_recheck(evutil_socket_t fd, short what, void *arg)
{
	struct kt_streams *s = arg;
	struct kt_stream *st;
	struct check *c;

	(void)fd;
	(void)what;
	if (s->checking || s->n == 0)
		return;
	if (!(c = calloc(1, sizeof(*c))) || !(c->hashes = calloc((size_t)s->n, KT_KEY_HASH_LEN)) ||
	    !(c->refused = calloc((size_t)s->n, 1))) {
		check_free(c);
		return;
	}
	c->hub = s;
	TAILQ_FOREACH(st, &s->open, link) {
		size_t i = 0;

		while (i < c->n && memcmp(c->hashes[i], st->key_hash, KT_KEY_HASH_LEN) != 0)
			i++;
		if (st->has_key && i == c->n)
			memcpy(c->hashes[c->n++], st->key_hash, KT_KEY_HASH_LEN);
	}
	if (c->n == 0) {
		check_free(c);
		return;
	}
	s->checking = 1;
	kt_dbpool_submit(s->app->api_pool, check_work, check_done, c);
}

static struct event *every(struct kt_streams *s, int ms, event_callback_fn fn)
{
	struct event *ev = event_new(s->app->base, -1, EV_PERSIST, fn, s);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ev)
		event_add(ev, &tv);
	return ev;
}

struct kt_streams *kt_streams_new(struct kt_app *app, struct kt_err *err)
{
	struct kt_streams *s = calloc(1, sizeof(*s));

	if (!s)
		goto oom;
	s->app = app;
	TAILQ_INIT(&s->open);
	if (!(s->heartbeat = every(s, app->cfg->stream_heartbeat_ms, on_heartbeat)) ||
	    !(s->recheck = every(s, app->cfg->stream_recheck_ms, on_recheck)))
		goto oom;
	if (!(s->listener = kt_listener_open(app->base, app->cfg->database_url, KT_LIVE_CHANNEL,
					     on_note, s, err))) {
		kt_streams_free(s);
		return NULL;
	}
	gauge(s);
	return s;
oom:
	kt_streams_free(s);
	kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return NULL;
}

int kt_streams_attach(struct kt_streams *s, struct kt_request *r, struct kt_err *err)
{
	struct evhttp_request *req = r->http_req;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct kt_stream *st;
	static const char hello[] = "retry: 3000\n: keten live stream\n\n";

	if (s->stopped || s->n >= s->app->cfg->max_streams) {
		kt_metrics_http_stream_ended("cap");
		return kt_err_set(err, KT_EC_UNAVAILABLE, "too_many_streams",
				  "this node has %d live streams open, its max_streams: try again later",
				  s->n);
	}
	if (!(st = calloc(1, sizeof(*st))))
		return kt_err_set(err, KT_EC_UNAVAILABLE, "out_of_memory", "out of memory");
	st->hub = s;
	st->req = req;
	st->conn = evhttp_request_get_connection(req);
	st->role = r->principal.role;
	snprintf(st->customer_id, sizeof(st->customer_id), "%s", r->principal.customer_id);
	memcpy(st->key_hash, r->key_hash, KT_KEY_HASH_LEN);
	for (size_t i = 0; i < KT_KEY_HASH_LEN; i++)
		st->has_key |= st->key_hash[i] != 0;
	for (int i = 0; i < KT_PAGE_HEADERS; i++)
		evhttp_add_header(out, kt_page_headers[i][0], kt_page_headers[i][1]);
	evhttp_add_header(out, "Content-Type", "text/event-stream");
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Request-Id", r->request_id);
	evhttp_add_header(out, "X-Accel-Buffering", "no");
	TAILQ_INSERT_TAIL(&s->open, st, link);
	s->n++;
	gauge(s);
	evhttp_connection_set_closecb(st->conn, on_conn_close, st);
	evhttp_send_reply_start(req, 200, "OK");
	stream_send(st, hello, sizeof(hello) - 1);
	kt_metrics_http_request(r->route->pattern, "GET", 200);
	kt_log(KT_LOG_INFO, json_pack("{s:s, s:s, s:s, s:i}", "request_id", r->request_id,
				      "role", kt_role_name(st->role), "client", r->client,
				      "open", s->n), "live stream opened");
	return KT_OK;
}

void kt_streams_end_all(struct kt_streams *s)
{
	if (!s)
		return;
	s->stopped = 1;
	while (!TAILQ_EMPTY(&s->open))
		stream_close(TAILQ_FIRST(&s->open), "shutdown", 1);
}

int kt_streams_count(const struct kt_streams *s)
{
	return s ? s->n : 0;
}

void kt_streams_free(struct kt_streams *s)
{
	if (!s)
		return;
	/* evhttp_free closed every connection, and each closed its stream:
	 * what is left has no connection to touch */
	while (!TAILQ_EMPTY(&s->open)) {
		struct kt_stream *st = TAILQ_FIRST(&s->open);

		TAILQ_REMOVE(&s->open, st, link);
		free(st);
	}
	if (s->heartbeat)
		event_free(s->heartbeat);
	if (s->recheck)
		event_free(s->recheck);
	kt_listener_free(s->listener);
	free(s);
}
