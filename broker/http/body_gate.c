/* body_gate.c - one connection's gate (see http/body_gate.h): the input
 * evbuffer's callback moves each read's bytes aside before evhttp's read
 * callback runs, the request stream (http/reqstream.h) hands them back as
 * far as they may go, a head's verdict is taken from its route, size and
 * key, reading pauses through a bandwidth suspension that evhttp's own
 * enabling and disabling never touches, and a key lookup's verdict is
 * applied from the loop by an event of the gate's own. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/metrics.h"
#include "cli/app.h"
#include "http/admit.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/body_gate.h"
#include "http/cookie.h"
#include "http/key_cache.h"
#include "http/reqstream.h"
#include "http/router.h"
#include "store/dbpool.h"
#include "store/row_key.h"
#include "store/row_session.h"

struct lookup;

enum verdict { V_NONE, V_PASS, V_REFUSE };

struct kt_body_gate {
	struct kt_app *app;
	struct bufferevent *bev;
	struct evbuffer *held;       /* read, not yet handed to evhttp */
	struct evbuffer *scratch;    /* for splitting the input */
	struct event *kick;          /* applies a lookup's verdict */
	struct kt_reqstream rs;
	struct kt_reqhead head;      /* the head waiting for its lookup */
	struct lookup *lookup;       /* in flight, or NULL */
	enum verdict looked_up;      /* the lookup's verdict, to apply */
	int moving;                  /* our own changes of the input */
	int paused;
	int handling;
	int waiting;                 /* a head waits for its verdict */
	int closed;                  /* refused or unframeable: nothing more */
	int refused;
	struct kt_err refusal;
	int retry_after_s;
};

struct lookup {
	struct kt_body_gate *g;      /* NULL once the gate is gone */
	struct kt_app *app;
	unsigned char hash[KT_KEY_HASH_LEN];
	char session_hex[KT_SHA256_HEX_LEN + 1]; /* a session's, not a key's, when set */
	struct kt_principal p;
	int rc;
	struct kt_err err;
};

/* Reading paused: one byte a minute, after a debt no connection lives to
 * pay off; writing is not limited. */
static struct ev_token_bucket_cfg *pause_cfg;

static void pause_reading(struct kt_body_gate *g)
{
	struct timeval minute = { 60, 0 };

	if (g->paused)
		return;
	if (!pause_cfg)
		pause_cfg = ev_token_bucket_cfg_new(1, 1, EV_RATE_LIMIT_MAX, EV_RATE_LIMIT_MAX,
						    &minute);
	if (pause_cfg && bufferevent_set_rate_limit(g->bev, pause_cfg) == 0) {
		bufferevent_decrement_read_limit(g->bev, (ev_ssize_t)1 << 30);
		g->paused = 1;
	}
}

static void resume_reading(struct kt_body_gate *g)
{
	if (!g->paused)
		return;
	bufferevent_set_rate_limit(g->bev, NULL);
	g->paused = 0;
}

/* Moves n bytes from the front of held to the end of the input. */
static void hand_over(struct kt_body_gate *g, size_t n)
{
	if (n == 0)
		return;
	g->moving = 1;
	evbuffer_remove_buffer(g->held, bufferevent_get_input(g->bev), n);
	g->moving = 0;
}

/* evhttp will refuse what comes (or already did): it gets the rest of
 * what it can read and nothing more. */
static void give_up(struct kt_body_gate *g)
{
	hand_over(g, evbuffer_get_length(g->held));
	g->closed = 1;
	pause_reading(g);
}

/* The head goes to evhttp as its request line, "Connection: close" and
 * the mark; its body is dropped, and reading stops for good. */
static void refuse(struct kt_body_gate *g, enum kt_err_class cls, const char *code,
		   const char *msg, int retry_after_s, const char *reason)
{
	struct evbuffer *in = bufferevent_get_input(g->bev);
	struct evbuffer_ptr eol = evbuffer_search_eol(g->held, NULL, NULL, EVBUFFER_EOL_CRLF);
	size_t line = eol.pos >= 0 ? (size_t)eol.pos : 0;

	kt_err_set(&g->refusal, cls, code, "%s", msg);
	g->refused = 1;
	g->retry_after_s = retry_after_s;
	g->closed = 1;
	pause_reading(g);
	g->moving = 1;
	evbuffer_remove_buffer(g->held, in, line);
	evbuffer_add_printf(in, "\r\nConnection: close\r\n%s: 1\r\n\r\n", KT_BODY_GATE_MARK);
	g->moving = 0;
	evbuffer_drain(g->held, evbuffer_get_length(g->held));
	kt_metrics_http_body_refused(reason);
}

static void pass(struct kt_body_gate *g, const struct kt_reqhead *h)
{
	hand_over(g, g->rs.head_len);
	kt_reqstream_begin_body(&g->rs, h);
}

static void client_name(struct kt_body_gate *g, char out[KT_ADMIT_ADDR_MAX])
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST] = "-";
	evutil_socket_t fd = bufferevent_getfd(g->bev);

	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST);
	kt_admit_address_name(host, out);
}

static int lookup_work(struct kt_db *db, void *arg, struct kt_err *err)
{
	struct lookup *l = arg;

	(void)err;
	if (l->session_hex[0]) {
		char csrf[KT_TOKEN_MAX];

		l->rc = kt_store_session_principal(db, l->session_hex, l->app->cfg->session_idle_s,
						   &l->p, csrf, &l->err);
		kt_crypto_wipe(csrf, sizeof(csrf));
		return KT_OK;
	}
	l->rc = kt_store_key_principal(db, l->hash, l->app->cfg->key_last_used_s, &l->p, &l->err);
	if (l->rc == KT_OK)
		kt_key_cache_put(l->app->keys, l->hash, &l->p, kt_clock_mono_ms());
	return KT_OK;
}

static void lookup_done(void *arg, int rc, struct kt_err *err)
{
	struct lookup *l = arg;
	struct kt_body_gate *g = l->g;

	if (g) {
		g->lookup = NULL;
		if (rc != KT_OK) {
			l->rc = rc;
			kt_err_release(&l->err);
			kt_err_set(&l->err, err->cls, err->code, "%s", err->message);
		}
		if (l->rc == KT_OK) {
			g->looked_up = V_PASS;
		} else {
			g->looked_up = V_REFUSE;
			g->refusal.cls = l->err.cls;
			snprintf(g->refusal.code, sizeof(g->refusal.code), "%s", l->err.code);
			snprintf(g->refusal.message, sizeof(g->refusal.message), "%s", l->err.message);
		}
		event_active(g->kick, EV_TIMEOUT, 1);
	}
	kt_err_release(&l->err);
	kt_crypto_wipe(l, sizeof(*l));
	free(l);
}

/* A key the loop does not know (or a session, session_hex set): the head
 * waits, reading paused, for one lookup on the API pool. */
static void look_up(struct kt_body_gate *g, const unsigned char hash[KT_KEY_HASH_LEN],
		    const char *session_hex)
{
	struct lookup *l = calloc(1, sizeof(*l));

	if (!l) {
		refuse(g, KT_EC_UNAVAILABLE, "out_of_memory", "out of memory", 1, "unavailable");
		return;
	}
	l->g = g;
	l->app = g->app;
	if (session_hex)
		snprintf(l->session_hex, sizeof(l->session_hex), "%s", session_hex);
	else
		memcpy(l->hash, hash, KT_KEY_HASH_LEN);
	g->lookup = l;
	g->waiting = 1;
	g->looked_up = V_NONE;
	pause_reading(g);
	kt_dbpool_submit(g->app->api_pool, lookup_work, lookup_done, l);
}

/* A route taking a key: a large body needs a key (or, without an
 * Authorization header, a session cookie) that works. */
static void decide_keyed(struct kt_body_gate *g, const struct kt_reqhead *h)
{
	struct kt_app *app = g->app;
	char token[KT_TOKEN_MAX], name[KT_ADMIT_ADDR_MAX], msg[400];
	char session_hex[KT_SHA256_HEX_LEN + 1] = "";
	unsigned char hash[KT_KEY_HASH_LEN];
	struct kt_principal p;
	struct kt_err err = { 0 };
	long long now = kt_clock_mono_ms();
	int retry = 0;

	if (!h->authorization[0] &&
	    kt_cookie_find(h->cookie, KT_SESSION_COOKIE, token, sizeof(token))) {
		kt_crypto_sha256_hex(token, strlen(token), session_hex);
		kt_crypto_wipe(token, sizeof(token));
	} else if (kt_auth_bearer(h->authorization, token, sizeof(token), &err) != KT_OK) {
		snprintf(msg, sizeof(msg), "a request body larger than %d bytes needs a valid "
			 "API key: %s", app->cfg->pre_auth_body_bytes, err.message);
		refuse(g, KT_EC_UNAUTHENTICATED, "unauthorized", msg, 0, "unauthorized");
		kt_err_release(&err);
		return;
	}
	if (!session_hex[0]) {
		kt_auth_hash(token, hash);
		kt_crypto_wipe(token, sizeof(token));
	}
	if (!session_hex[0] && kt_key_cache_get(app->keys, hash, now, &p) &&
	    (p.expires_s == 0 || kt_clock_wall_s() < p.expires_s)) {
		pass(g, h);
		return;
	}
	client_name(g, name);
	if (kt_admit_address(app->throttle, app->cfg, name, 0, now, &retry, &err) != KT_OK) {
		refuse(g, err.cls, err.code, err.message, retry, "rate_limited");
		kt_err_release(&err);
		return;
	}
	look_up(g, hash, session_hex[0] ? session_hex : NULL);
}

/* The verdict on the whole head held at the front of held. */
static void decide(struct kt_body_gate *g)
{
	const struct kt_config *cfg = g->app->cfg;
	struct kt_reqhead *h = &g->head;
	const struct kt_http_route *route = NULL;
	char params[KT_HTTP_MAX_PARAMS][KT_HTTP_PARAM_BYTES], msg[160];
	char *text = malloc(g->rs.head_len);
	int parsed;

	if (!text) {
		give_up(g);
		return;
	}
	evbuffer_copyout(g->held, text, g->rs.head_len);
	parsed = kt_reqhead_parse(text, g->rs.head_len, h);
	free(text);
	if (parsed != 0) {
		give_up(g);   /* evhttp answers 400 and closes */
		return;
	}
	if (!h->has_body) {
		pass(g, h);
		return;
	}
	if (kt_router_match(kt_http_routes, kt_http_routes_count, h->method, h->path,
			    &route, params) != KT_ROUTER_FOUND)
		route = NULL;
	if (route && !route->roles && route->json_body) {
		/* Signed over its body (the inbound route): its own bound. */
		if (h->chunked || h->content_length > cfg->inbound_max_body_bytes) {
			snprintf(msg, sizeof(msg), "a pushed update's body must have a "
				 "Content-Length of at most %d bytes", cfg->inbound_max_body_bytes);
			refuse(g, KT_EC_TOO_LARGE, "body_too_large", msg, 0, "too_large");
		} else {
			pass(g, h);
		}
		return;
	}
	if (!h->chunked && h->content_length > cfg->max_body_bytes) {
		snprintf(msg, sizeof(msg), "request body is larger than %d bytes", cfg->max_body_bytes);
		refuse(g, KT_EC_TOO_LARGE, "body_too_large", msg, 0, "too_large");
		return;
	}
	if (!h->chunked && h->content_length <= cfg->pre_auth_body_bytes) {
		pass(g, h);
		return;
	}
	if (!route || !route->roles) {
		snprintf(msg, sizeof(msg), "this resource takes no request body larger than %d bytes",
			 cfg->pre_auth_body_bytes);
		refuse(g, KT_EC_TOO_LARGE, "body_too_large", msg, 0, "too_large");
		return;
	}
	decide_keyed(g, h);
}

/* Hands held bytes to evhttp as far as the stream allows. */
static void pump(struct kt_body_gate *g)
{
	while (!g->waiting && !g->closed) {
		size_t len = evbuffer_get_length(g->held);
		size_t off = g->rs.state == KT_RS_HEAD ? g->rs.head_len : 0;
		struct evbuffer_ptr at;
		struct evbuffer_iovec v;
		enum kt_rs_event ev;
		size_t took, keep;

		if (off >= len || evbuffer_ptr_set(g->held, &at, off, EVBUFFER_PTR_SET) != 0 ||
		    evbuffer_peek(g->held, (ev_ssize_t)(len - off), &at, &v, 1) < 1)
			break;
		took = kt_reqstream_take(&g->rs, v.iov_base, v.iov_len, &ev);
		keep = g->rs.state == KT_RS_HEAD ? g->rs.head_len : 0;
		hand_over(g, off + took - keep);
		if (ev == KT_RS_BAD)
			give_up(g);
		else if (ev == KT_RS_HEAD_DONE)
			decide(g);
	}
	if (g->closed)
		evbuffer_drain(g->held, evbuffer_get_length(g->held));
}

/* Runs evhttp's read callback on what was handed over, unless evhttp is
 * not reading now (answering: it reads the input itself afterwards). */
static void run_evhttp(struct kt_body_gate *g)
{
	bufferevent_data_cb readcb = NULL;

	bufferevent_getcb(g->bev, &readcb, NULL, NULL, NULL);
	if (!g->handling && readcb && evbuffer_get_length(bufferevent_get_input(g->bev)) > 0)
		bufferevent_trigger(g->bev, EV_READ, 0);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct kt_body_gate *g = arg;
	enum verdict v = g->looked_up;

	(void)fd; (void)what;
	if (!g->waiting || v == V_NONE)
		return;
	g->waiting = 0;
	g->looked_up = V_NONE;
	if (v == V_PASS) {
		pass(g, &g->head);
		pump(g);
		if (!g->closed && !g->waiting)
			resume_reading(g);
	} else {
		char msg[sizeof(g->refusal.message) + 80];
		struct kt_err e = g->refusal;

		if (e.cls == KT_EC_UNAUTHENTICATED)
			snprintf(msg, sizeof(msg), "a request body larger than %d bytes needs a valid "
				 "API key: %s", g->app->cfg->pre_auth_body_bytes, e.message);
		else
			snprintf(msg, sizeof(msg), "%s", e.message);
		refuse(g, e.cls, e.code, msg, e.cls == KT_EC_UNAVAILABLE ? 1 : 0,
		       e.cls == KT_EC_UNAVAILABLE ? "unavailable" : "unauthorized");
		if (e.cls == KT_EC_UNAUTHENTICATED) {
			char name[KT_ADMIT_ADDR_MAX];
			int ignored;

			client_name(g, name);
			kt_admit_address(g->app->throttle, g->app->cfg, name, 1,
					 kt_clock_mono_ms(), &ignored, NULL);
		}
	}
	run_evhttp(g);
}

/* The input's callback: the bytes a read just added (its last n_added)
 * go aside, before evhttp's read callback sees them. */
static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct kt_body_gate *g = arg;
	size_t len = evbuffer_get_length(in);

	if (g->moving || info->n_added == 0 || info->n_added > len)
		return;
	g->moving = 1;
	evbuffer_remove_buffer(in, g->scratch, len - info->n_added);
	evbuffer_add_buffer(g->held, in);
	evbuffer_add_buffer(in, g->scratch);
	g->moving = 0;
	pump(g);
}

struct kt_body_gate *kt_body_gate_new(struct kt_app *app, struct bufferevent *bev)
{
	struct kt_body_gate *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->app = app;
	g->bev = bev;
	if (!(g->held = evbuffer_new()) || !(g->scratch = evbuffer_new()) ||
	    !(g->kick = event_new(app->base, -1, 0, on_kick, g)) ||
	    !evbuffer_add_cb(bufferevent_get_input(bev), on_input, g)) {
		kt_body_gate_free(g);
		return NULL;
	}
	return g;
}

void kt_body_gate_handling(struct kt_body_gate *g, int handling)
{
	if (g)
		g->handling = handling;
}

int kt_body_gate_refusal(const struct kt_body_gate *g, struct kt_err *err,
			 int *retry_after_s)
{
	*retry_after_s = 0;
	if (!g || !g->refused)
		return KT_ERR;
	kt_err_set(err, g->refusal.cls, g->refusal.code, "%s", g->refusal.message);
	*retry_after_s = g->retry_after_s;
	return KT_OK;
}

void kt_body_gate_free(struct kt_body_gate *g)
{
	if (!g)
		return;
	if (g->lookup)
		g->lookup->g = NULL;
	if (g->kick)
		event_free(g->kick);
	if (g->held)
		evbuffer_free(g->held);
	if (g->scratch)
		evbuffer_free(g->scratch);
	kt_err_release(&g->refusal);
	free(g);
}
