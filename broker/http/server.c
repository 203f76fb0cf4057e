/* server.c - the HTTPS server: one listener, evhttp with a TLS bufferevent
 * per connection, request checks that need no database (route, media type,
 * size, bearer key or session cookie), then the caller's principal, CSRF
 * check and the route's work on the API pool, and the answer from the
 * loop thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/admit.h"
#include "http/api.h"
#include "http/body_gate.h"
#include "http/conn_limit.h"
#include "http/key_cache.h"
#include "store/dbpool.h"
#include "dispatch/dispatcher.h"
#include "http/server.h"
#include "http/status.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/metrics.h"
#include "http/ops.h"
#include "http/page.h"
#include "http/query.h"
#include "store/row_key.h"
#include "store/row_session.h"
#include "http/stream.h"
#include "http/tls.h"
#include "http/webroot.h"

struct kt_http {
	struct kt_app *app;
	struct evhttp *evhttp;
	struct evconnlistener *listener;           /* until evhttp owns it */
	struct evhttp_bound_socket *bound;
	struct kt_tls *tls;
	struct kt_conn_limit *conns;
	struct kt_webroot *web;                    /* the portal's pages, or NULL */
	struct kt_streams *streams;                /* live streams (also app->streams) */
	int port;
};

static atomic_ullong request_counter;

/* Answered on the loop without a route of the table; named for logs and
 * metrics. */
static const struct kt_http_route healthz_route = { "GET", "/healthz", 0, 0, NULL, 0 };
static const struct kt_http_route openapi_route = { "GET", "/v1/openapi.json", 0, 0, NULL, 0 };
static const struct kt_http_route metrics_route = { "GET", "/metrics", 0, 0, NULL, 0 };
static const struct kt_http_route readyz_route = { "GET", "/readyz", 0, 0, NULL, 0 };
static const struct kt_http_route page_route = { "GET", "/(pages)", 0, 0, NULL, 0 };

static const char *method_name(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_HEAD: return "HEAD";
	default: return "OTHER";
	}
}

static void request_free(struct kt_request *r)
{
	free(r->body);
	for (size_t i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->query_limit);
	free(r->query_cursor);
	free(r->query_state);
	free(r->query_supplier);
	free(r->query_version);
	free(r->query_from);
	free(r->query_to);
	free(r->query_format);
	free(r->query_q);
	free(r->query_status);
	free(r->query_type);
	free(r->query_service);
	free(r->idempotency_key);
	free(r->query_code);
	free(r->query_next);
	free(r->query_error);
	free(r->csrf_header);
	kt_crypto_wipe(r->session_csrf, sizeof(r->session_csrf));
	free(r->answer_text);
	free(r->answer_location);
	if (r->route_state_free)
		r->route_state_free(r->route_state);
	json_decref(r->answer);
	free(r);
}

static struct bufferevent *bev_of(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);

	return conn ? evhttp_connection_get_bufferevent(conn) : NULL;
}

/* Every answer goes out here: the connection's deadline runs again, for
 * the answer to leave and the next request to arrive; the security
 * headers (http/page.h) go on every one, the API's too. */
static void secure(struct evhttp_request *req)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	for (int i = 0; i < KT_PAGE_HEADERS; i++)
		evhttp_add_header(out, kt_page_headers[i][0], kt_page_headers[i][1]);
}

static void send_reply(struct evhttp_request *req, int status, struct evbuffer *buf)
{
	secure(req);
	kt_conn_limit_answered(bev_of(req));
	evhttp_send_reply(req, status, NULL, buf);
}

/* Sends r's answer (or err) and frees r. Loop thread only. */
static void respond(struct kt_request *r, int rc, const struct kt_err *err)
{
	struct evhttp_request *req = r->http_req;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	const char *raw = rc == KT_OK ? r->answer_text : NULL;
	json_t *body;
	char *text;
	int status;
	struct kt_err serr = { 0 };

	if (rc == KT_OK && r->stream) {
		if (kt_streams_attach(r->app->streams, r, &serr) == KT_OK) {
			evbuffer_free(buf);
			request_free(r);
			return;
		}
		rc = KT_ERR;
		err = &serr;
	}
	if (rc == KT_OK) {
		status = r->status ? r->status : 200;
		body = json_incref(r->answer);
	} else {
		status = kt_http_status_of(err->cls);
		body = kt_err_to_json(err);
		if (status == 503)
			evhttp_add_header(out, "Retry-After", "1");
		if (status == 429) {
			char s[16];

			snprintf(s, sizeof(s), "%d", r->retry_after_s > 0 ? r->retry_after_s : 1);
			evhttp_add_header(out, "Retry-After", s);
		}
	}
	evhttp_add_header(out, "X-Request-Id", r->request_id);
	if (rc == KT_OK && r->answer_location)
		evhttp_add_header(out, "Location", r->answer_location);
	/* Answers hold tickets and keys' views of them: never kept by a cache
	 * between the caller and us, nor by the caller's. */
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (r->set_cookie[0])
		evhttp_add_header(out, "Set-Cookie", r->set_cookie);
	if (body || raw) {
		/* Text rendered on the worker (by the work, e.g. an answer
		 * kept for idempotent replay, else by render) goes out as is:
		 * first answer and replays are equal. Only the loop's own
		 * small answers are serialised here. */
		text = raw ? NULL : json_dumps(body, JSON_COMPACT);
		raw = raw ? raw : text;
		evhttp_add_header(out, "Content-Type",
				  raw && r->answer_type ? r->answer_type : "application/json");
		if (raw) {
			evbuffer_add(buf, raw, strlen(raw));
			evbuffer_add(buf, "\n", 1);
		}
		free(text);
		json_decref(body);
	}
	send_reply(req, status, buf);
	evbuffer_free(buf);
	kt_metrics_http_request(r->route ? r->route->pattern : "unmatched", method_name(req), status);
	kt_log(status >= 500 ? KT_LOG_WARN : KT_LOG_INFO,
	       json_pack("{s:s, s:s, s:i, s:f, s:s?, s:s, s:s?, s:s?}", "request_id", r->request_id,
			 "route", r->route ? r->route->pattern : "-", "status", status,
			 "ms", (double)(kt_clock_mono_us() - r->started_us) / 1000.0,
			 "error", rc == KT_OK ? NULL : err->code, "client", r->client,
			 "key_id", r->principal.key_id[0] ? r->principal.key_id : NULL,
			 "person_id", r->principal.person_id[0] ? r->principal.person_id : NULL),
	       "request");
	if (rc == KT_OK && r->wake_dispatcher && r->app->dispatcher && r->announced)
		kt_dispatcher_woken(r->app->dispatcher);
	else if (rc == KT_OK && r->wake_dispatcher && r->app->dispatcher)
		kt_dispatcher_wake(r->app->dispatcher);
	request_free(r);
	kt_err_release(&serr);
}

/* The OpenAPI document, compiled in from schemas/openapi.json. */
extern const char kt_openapi_json[];

static void respond_openapi(struct kt_request *r)
{
	struct evhttp_request *req = r->http_req;
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evbuffer_add_reference(buf, kt_openapi_json, strlen(kt_openapi_json), NULL, NULL);
	send_reply(req, 200, buf);
	evbuffer_free(buf);
	kt_metrics_http_request(openapi_route.pattern, "GET", 200);
	request_free(r);
}

static void respond_error(struct kt_request *r, enum kt_err_class cls,
			  const char *code, const char *msg)
{
	struct kt_err err = { 0 };

	kt_err_set(&err, cls, code, "%s", msg);
	respond(r, KT_ERR, &err);
	kt_err_release(&err);
}

/* GET /metrics: the process's counters in the Prometheus text format,
 * rendered on the loop (a short walk of a bounded table under a mutex). */
static void respond_metrics(struct kt_request *r)
{
	struct evhttp_request *req = r->http_req;
	struct evbuffer *buf;
	size_t len = 0;
	char *text = kt_metrics_render(kt_metrics_global(), &len);

	if (!text) {
		r->route = &metrics_route;
		respond_error(r, KT_EC_UNAVAILABLE, "out_of_memory", "out of memory");
		return;
	}
	buf = evbuffer_new();
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evbuffer_add(buf, text, len);
	free(text);
	send_reply(req, 200, buf);
	evbuffer_free(buf);
	kt_metrics_http_request(metrics_route.pattern, "GET", 200);
	request_free(r);
}

/* /metrics and /readyz answer only the ops token (http/ops.h): a 401
 * otherwise; /readyz answers at once from a recent good check. 1 when r
 * was answered here. */
/* A portal page (http/page.h) from the web root in memory: the bytes are
 * copied into the answer, so a SIGHUP may replace the root while earlier
 * answers still wait to leave. */
static void respond_page(struct kt_http *http, struct kt_request *r, const char *path)
{
	struct evhttp_request *req = r->http_req;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *method = method_name(req);
	struct kt_page_answer a;
	struct evbuffer *buf = evbuffer_new();

	kt_page_answer(http->web, method, path,
		       evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match"), &a);
	if (a.type)
		evhttp_add_header(out, "Content-Type", a.type);
	if (a.etag)
		evhttp_add_header(out, "ETag", a.etag);
	if (a.location[0])
		evhttp_add_header(out, "Location", a.location);
	if (a.allow)
		evhttp_add_header(out, "Allow", "GET, HEAD");
	evhttp_add_header(out, "Cache-Control", a.cache_control);
	if (a.body && a.status != 304) {
		if (strcmp(method, "HEAD") == 0) {
			/* evhttp sends no body and no length for HEAD */
			char n[24];

			snprintf(n, sizeof(n), "%zu", a.len);
			evhttp_add_header(out, "Content-Length", n);
		} else if (buf) {
			evbuffer_add(buf, a.body, a.len);
		}
	}
	send_reply(req, a.status, buf);
	if (buf)
		evbuffer_free(buf);
	kt_metrics_http_request(page_route.pattern, method, a.status);
	kt_log(a.status >= 400 ? KT_LOG_INFO : KT_LOG_DEBUG,
	       json_pack("{s:s, s:s, s:i, s:s}", "request_id", r->request_id,
			 "route", page_route.pattern, "status", a.status, "client", r->client),
	       "page");
	request_free(r);
}

static int ops_endpoint(struct kt_request *r, const char *path, const char *authorization)
{
	int metrics = strcmp(path, "/metrics") == 0;

	if (!metrics && strcmp(path, "/readyz") != 0)
		return 0;
	r->route = metrics ? &metrics_route : &readyz_route;
	if (!kt_ops_allowed(r->app->ops, authorization)) {
		respond_error(r, KT_EC_UNAUTHENTICATED, "unauthorized",
			      "this endpoint needs the ops token (the setting ops_token_ref)");
		return 1;
	}
	if (metrics || strcmp(method_name(r->http_req), "GET") != 0 ||
	    !kt_ops_ready_fresh(r->app->ops, kt_clock_mono_ms())) {
		r->route = NULL;
		return 0;
	}
	r->status = 200;
	r->answer = kt_ops_ready_answer(r->app->watch, r->app->cfg->dispatch);
	respond(r, KT_OK, NULL);
	return 1;
}

/* Worker: renders r's answer to its text, so that the loop only copies
 * bytes and never holds every connection while a large answer is
 * serialised. */
static int render(struct kt_request *r, struct kt_err *err)
{
	if (!r->answer || r->answer_text)
		return KT_OK;
	if (!(r->answer_text = json_dumps(r->answer, JSON_COMPACT)))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	json_decref(r->answer);
	r->answer = NULL;
	return KT_OK;
}

/* A request of a session that may change something (any route but a GET)
 * must carry the session's CSRF token in X-CSRF-Token: a page of ours
 * reads it from GET /v1/session, another site cannot. */
static int csrf_check(const struct kt_request *r, struct kt_err *err)
{
	size_t n = strlen(r->session_csrf);

	if (strcmp(r->route->method, "GET") == 0)
		return KT_OK;
	if (!r->csrf_header || strlen(r->csrf_header) != n || n == 0 ||
	    !kt_crypto_equal(r->csrf_header, r->session_csrf, n))
		return kt_err_set(err, KT_EC_FORBIDDEN, "csrf_failed",
				  "a signed-in request that changes something needs the header"
				  " X-CSRF-Token with the csrf_token of GET /v1/session");
	return KT_OK;
}

static int request_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct kt_request *r = arg;
	int rc;

	if (r->route->roles) {
		long long now = kt_clock_mono_ms();

		if (r->via_session) {
			rc = kt_store_session_principal(db, r->session_hash,
							r->app->cfg->session_idle_s,
							&r->principal, r->session_csrf, err);
			/* A cookie that no longer works is removed with the 401. */
			if (rc != KT_OK)
				kt_cookie_session_clear(r->set_cookie);
			if (kt_admit_looked_up(r, rc == KT_OK, now, err) || rc != KT_OK ||
			    csrf_check(r, err))
				return KT_ERR;
		} else if (!r->have_principal) {
			rc = kt_store_key_principal(db, r->key_hash, r->app->cfg->key_last_used_s,
						    &r->principal, err);
			if (rc == KT_OK)
				kt_key_cache_put(r->app->keys, r->key_hash, &r->principal, now);
			if (kt_admit_looked_up(r, rc == KT_OK, now, err) || rc != KT_OK)
				return KT_ERR;
		}
		if (!(r->route->roles & KT_ALLOW(r->principal.role)))
			return kt_err_set(err, KT_EC_FORBIDDEN, "forbidden",
					  "a %s %s cannot use %s %s",
					  kt_role_name(r->principal.role),
					  r->via_session ? "person" : "key",
					  r->route->method, r->route->pattern);
	}
	/* The timeline records which key's (or person's) request wrote each
	 * entry. */
	kt_db_act_as(db, r->route->roles ? kt_principal_acting_id(&r->principal) : NULL);
	rc = (r->next_work ? r->next_work : r->route->work)(db, r, err);
	kt_db_act_as(db, NULL);
	if (rc)
		return rc;
	return render(r, err);
}

static void request_done(void *arg, int rc, struct kt_err *err)
{
	struct kt_request *r = arg;
	void (*loop_step)(struct kt_request *) = r->loop_step;

	r->loop_step = NULL;
	if (rc == KT_OK && loop_step) {
		loop_step(r);
		return;
	}
	respond(r, rc, err);
}

void kt_http_resume(struct kt_request *r,
		    int (*work)(struct kt_db *db, struct kt_request *r, struct kt_err *err))
{
	r->next_work = work;
	kt_dbpool_submit(r->app->api_pool, request_work, request_done, r);
}

void kt_http_finish(struct kt_request *r, int rc, const struct kt_err *err)
{
	respond(r, rc, err);
}

static char *header_copy(struct evkeyvalq *h, const char *name)
{
	const char *v = evhttp_find_header(h, name);

	return v ? strdup(v) : NULL;
}

/* Copies every header of in into r (evhttp bounds their count and size). */
static int copy_headers(struct evkeyvalq *in, struct kt_request *r)
{
	struct evkeyval *h;
	size_t n = 0;

	TAILQ_FOREACH(h, in, next)
		n++;
	if (n == 0)
		return 0;
	if (!(r->headers = calloc(n, sizeof(*r->headers))))
		return -1;
	TAILQ_FOREACH(h, in, next) {
		struct kt_header *c = &r->headers[r->n_headers];

		c->name = strdup(h->key);
		c->value = strdup(h->value);
		r->n_headers++;
		if (!c->name || !c->value)
			return -1;
	}
	return 0;
}

/* Reads the query string's parameters into r; -1 when it cannot be read
 * (a pair without "=", an empty name), which is refused rather than
 * read as no parameters at all. */
static int read_query(struct evhttp_request *req, struct kt_request *r)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct kt_query kq;

	if (!q)
		return 0;
	if (kt_query_parse(q, &kq) != 0)
		return -1;
	r->query_limit = kq.limit;
	r->query_cursor = kq.cursor;
	r->query_state = kq.state;
	r->query_supplier = kq.supplier;
	r->query_version = kq.version;
	r->query_from = kq.from;
	r->query_to = kq.to;
	r->query_format = kq.format;
	r->query_q = kq.q;
	r->query_status = kq.status;
	r->query_type = kq.type;
	r->query_service = kq.service;
	r->query_code = kq.code;
	r->query_next = kq.next;
	r->query_error = kq.error;
	return 0;
}

/* Content-Type must be application/json, parameters allowed. */
static int is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	return ct && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int read_body(struct evhttp_request *req, struct kt_request *r,
		     size_t max)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *cl = evhttp_find_header(in, "Content-Length");
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(body);

	if (cl) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(cl, &end, 10);
		if (errno || *end != '\0' || v > max)
			return -1;
	}
	if (len > max)
		return -1;
	r->body = malloc(len + 1);
	if (!r->body)
		return -1;
	evbuffer_remove(body, r->body, len);
	r->body[len] = '\0';
	r->body_len = len;
	return 0;
}

/* An answer goes out in several TLS records (headers, then body): with
 * Nagle's algorithm on, the second waits for the client's delayed ACK,
 * some 40 ms per request. Set on each request of a connection (one cheap
 * system call), since evhttp hands the socket over only after accepting. */
static void no_delay(struct evhttp_request *req)
{
	struct bufferevent *bev = bev_of(req);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The address req's connection comes from, or "-". */
static void peer(struct evhttp_request *req, char *out, size_t outsz)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (conn)
		evhttp_connection_get_peer(conn, &addr, &port);
	snprintf(out, outsz, "%s", addr && *addr ? addr : "-");
}

/* A request the body gate let through without its body (its mark): the
 * gate's refusal, the connection closed after it. 1 when r was answered
 * here. */
static int refused_before_body(struct kt_request *r, struct evkeyvalq *in,
			       const char *method, const char *path)
{
	struct evhttp_request *req = r->http_req;
	struct kt_err err = { 0 };
	char params[KT_HTTP_MAX_PARAMS][KT_HTTP_PARAM_BYTES];

	if (!evhttp_find_header(in, KT_BODY_GATE_MARK))
		return 0;
	if (kt_router_match(kt_http_routes, kt_http_routes_count, method, path,
			    &r->route, params) != KT_ROUTER_FOUND)
		r->route = NULL;
	if (kt_conn_limit_refusal(bev_of(req), &err, &r->retry_after_s) != KT_OK)
		kt_err_set(&err, KT_EC_MALFORMED, "malformed_request",
			   "the header %s is the broker's own", KT_BODY_GATE_MARK);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
	kt_conn_limit_linger(bev_of(req));
	respond(r, KT_ERR, &err);
	kt_err_release(&err);
	return 1;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct kt_http *http = arg;
	struct kt_app *app = http->app;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *method;
	struct kt_request *r = calloc(1, sizeof(*r));
	struct kt_err err = { 0 };

	no_delay(req);
	kt_conn_limit_request_read(bev_of(req));
	if (!r) {
		kt_conn_limit_answered(bev_of(req));
		secure(req);
		evhttp_send_error(req, 503, NULL);
		return;
	}
	r->app = app;
	r->http_req = req;
	r->started_us = kt_clock_mono_us();
	peer(req, r->client, sizeof(r->client));
	snprintf(r->request_id, sizeof(r->request_id), "%x-%llx",
		 (unsigned)getpid(), (unsigned long long)++request_counter);
	method = method_name(req);
	if (!path)
		path = "/";
	if (refused_before_body(r, in, method, path))
		return;
	if (strcmp(path, "/healthz") == 0) {
		r->route = &healthz_route;
		r->status = 200;
		r->answer = json_pack("{s:s}", "status", "ok");
		respond(r, KT_OK, NULL);
		return;
	}
	if (strcmp(path, "/v1/openapi.json") == 0 && strcmp(method, "GET") == 0) {
		respond_openapi(r);
		return;
	}
	if (ops_endpoint(r, path, evhttp_find_header(in, "Authorization")))
		return;
	if (strcmp(path, "/metrics") == 0 && strcmp(method, "GET") == 0) {
		respond_metrics(r);
		return;
	}
	if (kt_page_path(path)) {
		respond_page(http, r, path);
		return;
	}
	switch (kt_router_match(kt_http_routes, kt_http_routes_count, method, path,
				&r->route, r->params)) {
	case KT_ROUTER_FOUND:
		break;
	case KT_ROUTER_METHOD:
		respond_error(r, KT_EC_METHOD, "method_not_allowed", "method not allowed here");
		return;
	case KT_ROUTER_NOT_FOUND:
		respond_error(r, KT_EC_NOT_FOUND, "not_found", "no such resource");
		return;
	}
	if (r->route->json_body) {
		if (!is_json_type(evhttp_find_header(in, "Content-Type"))) {
			respond_error(r, KT_EC_MEDIA_TYPE, "unsupported_media_type",
				      "Content-Type must be application/json");
			return;
		}
		if (read_body(req, r, (size_t)app->cfg->max_body_bytes) != 0) {
			char msg[80];

			snprintf(msg, sizeof(msg), "request body is larger than %d bytes",
				 app->cfg->max_body_bytes);
			respond_error(r, KT_EC_TOO_LARGE, "body_too_large", msg);
			return;
		}
	}
	if (kt_admit_request(r, evhttp_find_header(in, "Authorization"),
			     evhttp_find_header(in, "Cookie"), &err) != KT_OK) {
		respond(r, KT_ERR, &err);
		kt_err_release(&err);
		return;
	}
	if (r->route->keeps_headers && copy_headers(in, r) != 0) {
		respond_error(r, KT_EC_INTERNAL, "internal", "out of memory");
		return;
	}
	r->idempotency_key = header_copy(in, "Idempotency-Key");
	r->csrf_header = header_copy(in, "X-CSRF-Token");
	if (read_query(req, r) != 0) {
		respond_error(r, KT_EC_MALFORMED, "invalid_query",
			      "the query string cannot be read: name=value pairs joined by &");
		return;
	}
	kt_dbpool_submit(app->api_pool, request_work, request_done, r);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss,
			socklen_t *len, struct kt_err *err)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;
	size_t hl;

	if (!colon || (hl = (size_t)(colon - listen)) >= sizeof(host))
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config", "bad listen address \"%s\"", listen);
	memcpy(host, listen, hl);
	host[hl] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
		return kt_err_set(err, KT_EC_MALFORMED, "bad_config", "bad port in \"%s\"", listen);
	memset(ss, 0, sizeof(*ss));
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return kt_err_set(err, KT_EC_MALFORMED, "bad_config", "bad address in \"%s\"", listen);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return kt_err_set(err, KT_EC_MALFORMED, "bad_config", "bad address in \"%s\"", listen);
		*len = sizeof(*s4);
	}
	return KT_OK;
}

static struct kt_webroot *load_web(const char *dir, struct kt_err *err)
{
	struct kt_webroot *web = kt_webroot_load(dir, err);

	if (web)
		kt_log(KT_LOG_INFO, json_pack("{s:s, s:I, s:I}", "web_root", dir,
					      "files", (json_int_t)kt_webroot_count(web),
					      "bytes", (json_int_t)kt_webroot_bytes(web)),
		       "portal pages loaded");
	return web;
}

static int write_port_file(const char *path, int port, struct kt_err *err)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		return kt_err_set(err, KT_EC_INTERNAL, "port_file", "could not write port file \"%s\": %s",
				  path, strerror(errno));
	return KT_OK;
}

struct kt_http *kt_http_start(struct kt_app *app, struct kt_err *err)
{
	const struct kt_config *cfg = app->cfg;
	struct kt_http *http = calloc(1, sizeof(*http));
	struct sockaddr_storage ss, bound;
	socklen_t len = 0, blen = sizeof(bound);

	if (!http) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	http->app = app;
	if (parse_listen(cfg->listen, &ss, &len, err))
		goto fail;
	if (cfg->web_root && !(http->web = load_web(cfg->web_root, err)))
		goto fail;
	if (!(http->streams = app->streams = kt_streams_new(app, err)))
		goto fail;
	if (!(http->tls = kt_tls_server_new(cfg->tls_cert, cfg->tls_key, err)))
		goto fail;
	http->listener = evconnlistener_new_bind(app->base, NULL, NULL,
		LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128,
		(struct sockaddr *)&ss, (int)len);
	if (!http->listener) {
		kt_err_set(err, KT_EC_INTERNAL, "listen", "could not listen on \"%s\": %s",
			   cfg->listen, strerror(errno));
		goto fail;
	}
	getsockname(evconnlistener_get_fd(http->listener), (struct sockaddr *)&bound, &blen);
	http->port = ntohs(bound.ss_family == AF_INET6
			   ? ((struct sockaddr_in6 *)&bound)->sin6_port
			   : ((struct sockaddr_in *)&bound)->sin_port);
	http->evhttp = evhttp_new(app->base);
	if (!http->evhttp) {
		kt_err_set(err, KT_EC_INTERNAL, "internal", "could not create the HTTP server");
		goto fail;
	}
	if (!(http->conns = kt_conn_limit_new(app, http->tls, cfg->max_connections,
					      cfg->request_deadline_ms, cfg->accept_retry_ms, err)))
		goto fail;
	evhttp_set_bevcb(http->evhttp, kt_conn_limit_bevcb, http->conns);
	/* evhttp's own hard limit sits above ours so that our handler answers
	 * 413 in JSON for everything up to it. */
	evhttp_set_max_body_size(http->evhttp, (ev_ssize_t)cfg->max_body_bytes + 65536);
	evhttp_set_max_headers_size(http->evhttp, 65536);
	evhttp_set_timeout(http->evhttp, 60);
	evhttp_set_allowed_methods(http->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
				   EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(http->evhttp, on_request, http);
	http->bound = evhttp_bind_listener(http->evhttp, http->listener);
	if (!http->bound) {
		kt_err_set(err, KT_EC_INTERNAL, "listen", "could not bind the HTTP server");
		goto fail;
	}
	http->listener = NULL; /* evhttp owns it now */
	kt_conn_limit_attach(http->conns, evhttp_bound_socket_get_listener(http->bound));
	if (cfg->port_file && write_port_file(cfg->port_file, http->port, err))
		goto fail;
	return http;
fail:
	kt_http_free(http);
	return NULL;
}

void kt_http_stop_accepting(struct kt_http *http)
{
	if (!http)
		return;
	kt_conn_limit_stop(http->conns);
	kt_streams_end_all(http->streams);
}

int kt_http_reload(struct kt_http *http, const struct kt_config *cfg, struct kt_err *err)
{
	struct kt_webroot *web = NULL;

	if (cfg->web_root && !(web = load_web(cfg->web_root, err)))
		return KT_ERR;
	if (kt_tls_reload(http->tls, cfg->tls_cert, cfg->tls_key, err)) {
		kt_webroot_free(web);
		return KT_ERR;
	}
	kt_conn_limit_renew(http->conns);
	kt_webroot_free(http->web);
	http->web = web;
	return KT_OK;
}

int kt_http_port(const struct kt_http *http)
{
	return http->port;
}

void kt_http_free(struct kt_http *http)
{
	if (!http)
		return;
	if (http->listener)
		evconnlistener_free(http->listener);
	kt_conn_limit_stop(http->conns);
	if (http->evhttp)
		evhttp_free(http->evhttp);
	kt_conn_limit_free(http->conns);
	kt_streams_free(http->streams);
	http->app->streams = NULL;
	kt_tls_free(http->tls);
	kt_webroot_free(http->web);
	free(http);
}
