/* caller.c - supplier calls with their auth (see dispatch/caller.h): a
 * call copies its request, gets its header lines from the auth module and
 * goes to the transport; an OAuth2 call first waits for its supplier's
 * token, which one fetch at a time gets and which is kept until shortly
 * before it expires, and a 401 answer makes one call fetch a fresh token
 * and try once more. Tokens live in memory only, never in a log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/netaddr.h"
#include "dispatch/auth.h"
#include "dispatch/caller.h"

/* Headers of a call: the adapter's, Idempotency-Key, Expect, auth. */
#define CALL_MAX_LINES (KT_ADAPTER_MAX_HEADERS + 2 + KT_AUTH_MAX_LINES)

struct token {
	struct kt_caller *c;
	char supplier_id[40];
	unsigned char fingerprint[KT_SHA256_LEN]; /* of the auth and secret it
						    * was fetched with */
	char *access;                /* owned, wiped; NULL: none yet */
	unsigned long generation;    /* counts the tokens fetched */
	long long expires_ms;        /* monotonic; refetched from here on */
	struct kt_transfer *fetch;   /* while a fetch runs */
	struct kt_http_request req;  /* the fetch's request, while it runs */
	LIST_HEAD(, kt_call) waiters;
	LIST_ENTRY(token) link;
};

struct kt_call {
	struct kt_caller *c;
	char method[8];
	char *url, *body;            /* owned */
	size_t body_len;
	char *lines[CALL_MAX_LINES]; /* owned "Name: value" */
	size_t n_fixed;              /* lines before the auth module's */
	size_t n_lines;
	json_t *auth;                /* owned reference */
	char *secrets;               /* owned, wiped */
	char *sign_id;               /* owned */
	struct token *token;         /* oauth2: its supplier's */
	unsigned long sent_with;     /* the generation of the token it went
					out with */
	int retried;                 /* a 401 made it fetch a fresh token */
	struct kt_transport_call limits;
	kt_call_done_fn *done;
	void *arg;
	struct kt_transfer *xfer;
	LIST_ENTRY(kt_call) link;    /* in the caller's calls */
	LIST_ENTRY(kt_call) waiting; /* in its token's waiters */
	int is_waiting;
};

struct kt_caller {
	struct kt_app *app;
	struct kt_transport *t;
	LIST_HEAD(, kt_call) calls;
	LIST_HEAD(, token) tokens;
};

static int oom(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
}

struct kt_caller *kt_caller_new(struct kt_app *app, struct kt_transport *t, struct kt_err *err)
{
	struct kt_caller *c = calloc(1, sizeof(*c));

	if (!c) {
		oom(err);
		return NULL;
	}
	c->app = app;
	c->t = t;
	LIST_INIT(&c->calls);
	LIST_INIT(&c->tokens);
	return c;
}

static void drop_auth_lines(struct kt_call *x)
{
	for (size_t i = x->n_fixed; i < x->n_lines; i++) {
		kt_crypto_wipe(x->lines[i], strlen(x->lines[i]));
		free(x->lines[i]);
	}
	x->n_lines = x->n_fixed;
}

static void call_free(struct kt_call *x)
{
	if (x->is_waiting)
		LIST_REMOVE(x, waiting);
	LIST_REMOVE(x, link);
	kt_transfer_abandon(x->xfer);
	drop_auth_lines(x);
	for (size_t i = 0; i < x->n_fixed; i++)
		free(x->lines[i]);
	if (x->secrets)
		kt_crypto_wipe(x->secrets, strlen(x->secrets));
	free(x->secrets);
	free(x->sign_id);
	free(x->url);
	free(x->body);
	json_decref(x->auth);
	free(x);
}

void kt_call_abandon(struct kt_call *x)
{
	if (x)
		call_free(x);
}

/* Ends x with a failure of the broker's own before anything was sent:
 * shown is what its outcome may show, why the detail for the log. */
static void fail_unsent(struct kt_call *x, const char *shown, const char *why)
{
	struct kt_transport_answer a = {
		.facts = { .end = KT_TX_FAILED, .why = why, .shown = shown }
	};
	kt_call_done_fn *done = x->done;
	void *arg = x->arg;

	call_free(x);
	done(arg, &a);
	free(a.body);
}

static void on_answer(void *arg, struct kt_transport_answer *a);
static int wait_for_token(struct kt_call *x, struct kt_err *err);

/* Adds the auth lines and hands x to the transport. On failure x stays
 * the caller's to end. */
static int send_call(struct kt_call *x, struct kt_err *err)
{
	const struct kt_auth_input in = {
		.auth = x->auth, .secrets = x->secrets, .sign_id = x->sign_id,
		.now_s = kt_clock_wall_s(), .body = x->body, .body_len = x->body_len,
		.token = x->token ? x->token->access : NULL,
	};

	drop_auth_lines(x);
	x->limits.method = x->method;
	x->limits.url = x->url;
	x->limits.body = x->body;
	x->limits.body_len = x->body_len;
	x->limits.headers = x->lines;
	if (kt_auth_lines(&in, x->lines, &x->n_lines, CALL_MAX_LINES, err) != KT_OK)
		return KT_ERR;
	x->limits.n_headers = x->n_lines;
	if (x->token)
		x->sent_with = x->token->generation;
	return kt_transport_start(x->c->t, &x->limits, on_answer, x, &x->xfer, err);
}

/* On the loop, after kt_call_start returned: x goes out or ends. */
static void send_or_end(struct kt_call *x, int (*go)(struct kt_call *, struct kt_err *))
{
	struct kt_err err = { 0 };

	if (go(x, &err) != KT_OK)
		fail_unsent(x, "the supplier's auth could not be applied", err.message);
	kt_err_release(&err);
}

static void on_answer(void *arg, struct kt_transport_answer *a)
{
	struct kt_call *x = arg;
	kt_call_done_fn *done = x->done;
	void *done_arg = x->arg;

	x->xfer = NULL;
	if (x->token && !x->retried && a->facts.end == KT_TX_DONE && a->facts.http_status == 401) {
		/* The token may have been revoked or expired early: one fresh
		 * one, once. Only the token x was refused with is dropped: a
		 * late 401 to one already replaced must not throw the new one
		 * away (nor, at a provider that keeps one token per client,
		 * revoke it under the calls that use it). */
		x->retried = 1;
		if (x->token->access && x->token->fetch == NULL &&
		    x->token->generation == x->sent_with) {
			kt_crypto_wipe(x->token->access, strlen(x->token->access));
			free(x->token->access);
			x->token->access = NULL;
		}
		send_or_end(x, wait_for_token);
		return;
	}
	call_free(x);
	done(done_arg, a);
}

/* Frees the token fetch's request, wiping its body (the client secret). */
static void token_request_release(struct token *tk)
{
	if (tk->req.body)
		kt_crypto_wipe(tk->req.body, tk->req.body_len);
	kt_http_request_release(&tk->req);
}

static void token_clear(struct token *tk)
{
	if (tk->access) {
		kt_crypto_wipe(tk->access, strlen(tk->access));
		free(tk->access);
		tk->access = NULL;
	}
}

/* The token fetch ended: every waiter goes out with the token, or fails
 * unsent with why. */
static void on_token(void *arg, struct kt_transport_answer *a)
{
	struct token *tk = arg;
	struct kt_err err = { 0 };
	long long expires_in = 0;
	char *access = NULL;
	struct kt_call *x;
	char why[300];

	tk->fetch = NULL;
	token_request_release(tk);
	if (a->facts.end != KT_TX_DONE)
		snprintf(why, sizeof(why), "OAuth2 token fetch failed: %s",
			 a->facts.why ? a->facts.why : "no answer");
	else if (kt_auth_token_read(a->facts.http_status, a->body, a->body_len, &access,
				    &expires_in, &err) != KT_OK)
		snprintf(why, sizeof(why), "OAuth2 token fetch failed: %s", err.message);
	kt_err_release(&err);
	if (access) {
		long long margin = expires_in / 10 < 60 ? expires_in / 10 : 60;

		token_clear(tk);
		tk->access = access;
		tk->generation++;
		tk->expires_ms = kt_clock_mono_ms() + (expires_in - margin) * 1000;
	} else {
		kt_log(KT_LOG_WARN, json_pack("{s:s}", "supplier_id", tk->supplier_id), "%s", why);
	}
	while ((x = LIST_FIRST(&tk->waiters))) {
		LIST_REMOVE(x, waiting);
		x->is_waiting = 0;
		if (access)
			send_or_end(x, send_call);
		else
			fail_unsent(x, "OAuth2 token fetch failed", why);
	}
}

/* Starts the fetch of tk's token with x's auth and secret. */
static int fetch_token(struct token *tk, struct kt_call *x, struct kt_err *err)
{
	const struct kt_config *cfg = x->c->app->cfg;
	struct kt_transport_call tc;
	char *lines[2] = { NULL, NULL };
	int rc = KT_ERR;

	memset(&tk->req, 0, sizeof(tk->req));
	if (kt_auth_token_request(x->auth, x->secrets, &tk->req, err))
		return KT_ERR;
	for (size_t i = 0; i < tk->req.n_headers && i < 2; i++) {
		size_t len = strlen(tk->req.headers[i].name) + strlen(tk->req.headers[i].value) + 3;

		if ((lines[i] = malloc(len)))
			snprintf(lines[i], len, "%s: %s", tk->req.headers[i].name,
				 tk->req.headers[i].value);
	}
	tc = (struct kt_transport_call){
		.method = "POST", .url = tk->req.url, .body = tk->req.body,
		.body_len = tk->req.body_len, .headers = lines, .n_headers = 2,
		.ca_file = cfg->supplier_ca,
		.connect_timeout_ms = cfg->supplier_connect_timeout_ms,
		.timeout_ms = cfg->supplier_timeout_ms,
		.low_speed_bytes = cfg->supplier_low_speed_bytes,
		.low_speed_time_s = cfg->supplier_low_speed_time_s,
		.max_response = 65536,
		.allow_addresses = x->limits.allow_addresses,
	};
	if (!lines[0] || !lines[1])
		oom(err);
	else
		rc = kt_transport_start(x->c->t, &tc, on_token, tk, &tk->fetch, err);
	free(lines[0]);
	free(lines[1]);
	if (rc != KT_OK)
		token_request_release(tk);
	return rc;
}

/* x goes out once its token is there: now when it is fresh, else after a
 * fetch (one per supplier at a time). On failure x stays the caller's. */
static int wait_for_token(struct kt_call *x, struct kt_err *err)
{
	struct token *tk = x->token;

	if (tk->access && kt_clock_mono_ms() < tk->expires_ms)
		return send_call(x, err);
	if (!tk->fetch && fetch_token(tk, x, err) != KT_OK)
		return KT_ERR;
	LIST_INSERT_HEAD(&tk->waiters, x, waiting);
	x->is_waiting = 1;
	return KT_OK;
}

/* The fingerprint of what a token is fetched with: a changed client,
 * scope, URL or secret makes the kept token useless. */
static void fingerprint(const json_t *auth, const char *secrets, unsigned char out[KT_SHA256_LEN])
{
	char *text = json_dumps(auth, JSON_COMPACT | JSON_SORT_KEYS);
	size_t tl = text ? strlen(text) : 0, sl = secrets ? strlen(secrets) : 0;
	char *all = malloc(tl + sl + 2);

	if (all) {
		memcpy(all, text ? text : "", tl);
		all[tl] = '\n';
		memcpy(all + tl + 1, secrets ? secrets : "", sl);
		kt_crypto_sha256(all, tl + 1 + sl, out);
		kt_crypto_wipe(all, tl + 1 + sl);
	} else {
		memset(out, 0, KT_SHA256_LEN);
	}
	free(all);
	free(text);
}

/* The token of supplier id, made on first use; NULL out of memory. A
 * token kept under another fingerprint is dropped. */
static struct token *token_of(struct kt_caller *c, const char *id, const json_t *auth,
			      const char *secrets)
{
	unsigned char fp[KT_SHA256_LEN];
	struct token *tk;

	fingerprint(auth, secrets, fp);
	LIST_FOREACH(tk, &c->tokens, link)
		if (strcmp(tk->supplier_id, id) == 0)
			break;
	if (!tk) {
		if (!(tk = calloc(1, sizeof(*tk))))
			return NULL;
		tk->c = c;
		snprintf(tk->supplier_id, sizeof(tk->supplier_id), "%s", id);
		LIST_INIT(&tk->waiters);
		LIST_INSERT_HEAD(&c->tokens, tk, link);
		memcpy(tk->fingerprint, fp, sizeof(fp));
	}
	if (memcmp(tk->fingerprint, fp, sizeof(fp)) != 0) {
		token_clear(tk);
		memcpy(tk->fingerprint, fp, sizeof(fp));
	}
	return tk;
}

static long long limit(const json_t *delivery, const char *name, long long node)
{
	json_t *v = json_object_get(delivery, name);

	return json_is_integer(v) ? json_integer_value(v) : node;
}

/* The kinds of address beyond public ones the supplier's calls may use:
 * its delivery's allow_addresses (checked by the chain import). */
static unsigned allow_mask(const json_t *delivery)
{
	json_t *list = json_object_get(delivery, "allow_addresses"), *v;
	unsigned mask = 0;
	size_t i;

	json_array_foreach(list, i, v)
		mask |= kt_netaddr_allow_bit(json_string_value(v));
	return mask;
}

/* Copies what x needs of s and spec. */
static int call_fill(struct kt_call *x, const struct kt_call_supplier *s,
		     const struct kt_call_spec *spec, struct kt_err *err)
{
	const struct kt_config *cfg = x->c->app->cfg;
	const struct kt_http_request *req = spec->req;
	int failed = 0;

	snprintf(x->method, sizeof(x->method), "%s", req->method);
	x->url = strdup(req->url);
	if (req->body && !(x->body = malloc(req->body_len + 1)))
		return oom(err);
	if (req->body) {
		memcpy(x->body, req->body, req->body_len);
		x->body[req->body_len] = '\0';
		x->body_len = req->body_len;
	}
	x->secrets = s->secrets ? strdup(s->secrets) : NULL;
	x->sign_id = spec->sign_id ? strdup(spec->sign_id) : NULL;
	x->auth = s->auth ? json_incref((json_t *)s->auth) : NULL;
	for (size_t i = 0; i < req->n_headers; i++) {
		size_t len = strlen(req->headers[i].name) + strlen(req->headers[i].value) + 3;

		if (!(x->lines[x->n_lines] = malloc(len))) {
			failed = 1;
			break;
		}
		snprintf(x->lines[x->n_lines++], len, "%s: %s", req->headers[i].name,
			 req->headers[i].value);
	}
	if (!failed && spec->idempotency_key) {
		size_t len = strlen(spec->idempotency_key) + 20;

		if ((x->lines[x->n_lines] = malloc(len)))
			snprintf(x->lines[x->n_lines++], len, "Idempotency-Key: %s",
				 spec->idempotency_key);
		else
			failed = 1;
	}
	if (!failed && !(x->lines[x->n_lines++] = strdup("Expect:")))
		failed = 1;
	x->n_fixed = x->n_lines -= failed;
	if (failed || !x->url || (s->secrets && !x->secrets) ||
	    (spec->sign_id && !x->sign_id))
		return oom(err);
	x->limits = (struct kt_transport_call){
		.ca_file = cfg->supplier_ca,
		.connect_timeout_ms = (long)limit(s->delivery, "connect_timeout_ms",
						  cfg->supplier_connect_timeout_ms),
		.timeout_ms = spec->timeout_ms > 0 ? spec->timeout_ms
			      : (long)limit(s->delivery, "timeout_ms", cfg->supplier_timeout_ms),
		.low_speed_bytes = (long)limit(s->delivery, "low_speed_bytes",
					       cfg->supplier_low_speed_bytes),
		.low_speed_time_s = (long)limit(s->delivery, "low_speed_time_s",
						cfg->supplier_low_speed_time_s),
		.max_response = (size_t)limit(s->delivery, "max_response_bytes",
					      cfg->supplier_max_response_bytes),
		.allow_addresses = allow_mask(s->delivery),
	};
	return KT_OK;
}

int kt_call_start(struct kt_caller *c, const struct kt_call_supplier *s,
		  const struct kt_call_spec *spec, kt_call_done_fn *done, void *arg,
		  struct kt_call **out, struct kt_err *err)
{
	struct kt_call *x = calloc(1, sizeof(*x));
	enum kt_auth_kind kind;

	if (!x)
		return oom(err);
	x->c = c;
	x->done = done;
	x->arg = arg;
	LIST_INSERT_HEAD(&c->calls, x, link);
	if (call_fill(x, s, spec, err))
		goto fail;
	if (kt_auth_kind(s->auth, &kind) != 0) {
		kt_err_set(err, KT_EC_CONFIG, "bad_auth", "supplier \"%s\": unknown auth kind",
			   s->key);
		goto fail;
	}
	if (kind == KT_AUTH_OAUTH2 && !(x->token = token_of(c, s->id, s->auth, s->secrets))) {
		oom(err);
		goto fail;
	}
	if ((kind == KT_AUTH_OAUTH2 ? wait_for_token(x, err) : send_call(x, err)) != KT_OK)
		goto fail;
	*out = x;
	return KT_OK;
fail:
	*out = NULL;
	call_free(x);
	return KT_ERR;
}

void kt_caller_free(struct kt_caller *c)
{
	struct token *tk;

	if (!c)
		return;
	while (!LIST_EMPTY(&c->calls))
		call_free(LIST_FIRST(&c->calls));
	while ((tk = LIST_FIRST(&c->tokens))) {
		LIST_REMOVE(tk, link);
		kt_transfer_abandon(tk->fetch);
		token_request_release(tk);
		token_clear(tk);
		free(tk);
	}
	free(c);
}
