/* oidc_client.c - the provider's discovery document, keys and token
 * endpoint, reached through the transport (portal/oidc_client.h). Each
 * caller's request is an op that steps through what it still lacks:
 * discovery, then (an exchange) the token, the keys, the check. */
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/url.h"
#include "dispatch/transport.h"
#include "portal/oidc_client.h"
#include "portal/oidc_token.h"

#define WELL_KNOWN "/.well-known/openid-configuration"

enum fetch { F_DISCOVERY, F_TOKEN, F_JWKS };

struct op {
	struct kt_oidc_client *cl;
	struct op *next;
	enum fetch fetch;           /* the call in flight */
	struct kt_transfer *xfer;   /* NULL when none */
	char *code, *verifier, *nonce; /* owned; NULL for a discovery */
	char *form;                 /* owned: the token call's body, which the
				     * transport reads until the call ends */
	char *id_token;             /* owned, once the token endpoint answered */
	int jwks_fetched;           /* this op fetched the keys already */
	kt_oidc_ready_fn *ready;
	kt_oidc_claims_fn *claims;
	void *arg;
};

struct kt_oidc_client {
	const struct kt_oidc_config *c;
	struct kt_transport *t;
	long connect_ms, timeout_ms;
	size_t max_response;
	char *authorize, *token, *jwks_uri; /* owned; NULL until discovered */
	json_t *jwks;               /* owned; NULL until fetched */
	long long jwks_at_ms;       /* when the keys were last fetched */
	struct op *ops;             /* in flight */
};

struct kt_oidc_client *kt_oidc_client_new(struct event_base *base,
					  const struct kt_oidc_config *c,
					  const struct kt_config *cfg, struct kt_err *err)
{
	struct kt_oidc_client *cl = calloc(1, sizeof(*cl));

	if (!cl) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	cl->c = c;
	cl->connect_ms = cfg->supplier_connect_timeout_ms;
	cl->timeout_ms = cfg->supplier_timeout_ms;
	cl->max_response = (size_t)cfg->supplier_max_response_bytes;
	if (!(cl->t = kt_transport_new(base, err))) {
		free(cl);
		return NULL;
	}
	return cl;
}

static void op_free(struct op *op)
{
	free(op->code);
	if (op->verifier)
		kt_crypto_wipe(op->verifier, strlen(op->verifier));
	free(op->verifier);
	free(op->nonce);
	if (op->form)
		kt_crypto_wipe(op->form, strlen(op->form));
	free(op->form);
	free(op->id_token);
	free(op);
}

/* Ends op: unlinks it, tells its caller (claims taken by the caller), frees it. */
static void finish(struct op *op, json_t *claims, const struct kt_err *err)
{
	struct op **p;

	for (p = &op->cl->ops; *p != op; p = &(*p)->next)
		;
	*p = op->next;
	if (op->ready)
		op->ready(op->arg, err);
	else
		op->claims(op->arg, claims, err);
	op_free(op);
}

static void fail(struct op *op, enum kt_err_class cls, const char *code, const char *what)
{
	struct kt_err err = { 0 };

	kt_err_set(&err, cls, code, "%s", what);
	finish(op, NULL, &err);
	kt_err_release(&err);
}

static void on_answer(void *arg, struct kt_transport_answer *a);

/* Starts op's call of kind f to url (a form body for the token). */
static void start(struct op *op, enum fetch f, const char *url, const char *form)
{
	struct kt_oidc_client *cl = op->cl;
	struct kt_buf auth;
	char *headers[3] = { "Accept: application/json",
			     "Content-Type: application/x-www-form-urlencoded", NULL };
	struct kt_transport_call call = {
		.method = form ? "POST" : "GET", .url = url, .body = form,
		.body_len = form ? strlen(form) : 0, .headers = headers,
		.n_headers = form ? 3 : 1, .ca_file = cl->c->ca_file,
		.connect_timeout_ms = cl->connect_ms, .timeout_ms = cl->timeout_ms,
		.max_response = cl->max_response, .allow_addresses = cl->c->allow,
	};
	struct kt_err err = { 0 };
	int rc;

	kt_buf_init(&auth, 4096);
	if (form) {
		/* client_secret_basic: each part form-encoded, then base64. */
		struct kt_buf pair;
		char *b64;

		kt_buf_init(&pair, 2048);
		kt_url_pcts(&pair, cl->c->client_id);
		kt_buf_adds(&pair, ":");
		kt_url_pcts(&pair, cl->c->client_secret);
		if ((b64 = malloc(KT_BASE64_LEN(pair.len) + 1)) && !pair.failed) {
			kt_crypto_base64_encode(kt_buf_str(&pair), pair.len, b64);
			kt_buf_addf(&auth, "Authorization: Basic %s", b64);
			kt_crypto_wipe(b64, strlen(b64));
		}
		free(b64);
		if (pair.data)
			kt_crypto_wipe(pair.data, pair.len);
		kt_buf_release(&pair);
		headers[2] = (char *)kt_buf_str(&auth);
	}
	op->fetch = f;
	if (auth.failed || (form && !auth.len))
		rc = kt_err_set(&err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	else
		rc = kt_transport_start(cl->t, &call, on_answer, op, &op->xfer, &err);
	if (auth.data)
		kt_crypto_wipe(auth.data, auth.len);
	kt_buf_release(&auth);
	if (rc != KT_OK) {
		finish(op, NULL, &err);
		kt_err_release(&err);
	}
}

static void start_token(struct op *op)
{
	const struct kt_oidc_config *c = op->cl->c;
	struct kt_buf form;

	kt_buf_init(&form, 16384);
	kt_buf_adds(&form, "grant_type=authorization_code&code=");
	kt_url_pcts(&form, op->code);
	kt_buf_adds(&form, "&redirect_uri=");
	kt_url_pcts(&form, c->redirect_uri);
	kt_buf_adds(&form, "&code_verifier=");
	kt_url_pcts(&form, op->verifier);
	if (!(op->form = kt_buf_detach(&form)))
		fail(op, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	else
		start(op, F_TOKEN, op->cl->token, op->form);
}

/* Checks op's ID token; fetches the keys first when none are kept, or
 * again once on an unknown kid when the last fetch is old enough. */
static void check_token(struct op *op)
{
	struct kt_oidc_client *cl = op->cl;
	const struct kt_oidc_config *c = cl->c;
	struct kt_oidc_expect x = { c->issuer, c->client_id, op->nonce,
				    kt_clock_wall_s(), c->skew_s, c->algs };
	struct kt_err err = { 0 };
	json_t *claims;

	if (!cl->jwks) {
		op->jwks_fetched = 1;
		start(op, F_JWKS, cl->jwks_uri, NULL);
		return;
	}
	claims = kt_oidc_token_verify(op->id_token, cl->jwks, &x, &err);
	if (!claims && strcmp(err.code, "unknown_kid") == 0 && !op->jwks_fetched &&
	    kt_clock_mono_ms() - cl->jwks_at_ms >= (long long)c->jwks_refetch_s * 1000) {
		kt_err_release(&err);
		op->jwks_fetched = 1;
		start(op, F_JWKS, cl->jwks_uri, NULL);
		return;
	}
	finish(op, claims, claims ? NULL : &err);
	kt_err_release(&err);
}

/* Takes op one step further: the next call it needs, or its end. */
static void step(struct op *op)
{
	struct kt_oidc_client *cl = op->cl;

	if (!cl->authorize) {
		struct kt_buf url;
		size_t n = strlen(cl->c->issuer);

		kt_buf_init(&url, 4096);
		kt_buf_add(&url, cl->c->issuer, cl->c->issuer[n - 1] == '/' ? n - 1 : n);
		kt_buf_adds(&url, WELL_KNOWN);
		if (url.failed)
			fail(op, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		else
			start(op, F_DISCOVERY, kt_buf_str(&url), NULL);
		kt_buf_release(&url);
	} else if (op->ready) {
		finish(op, NULL, NULL);
	} else if (!op->id_token) {
		start_token(op);
	} else {
		check_token(op);
	}
}

static char *https_field(const json_t *doc, const char *name)
{
	const char *v = json_string_value(json_object_get(doc, name));

	return v && strncmp(v, "https://", 8) == 0 ? strdup(v) : NULL;
}

static int read_discovery(struct kt_oidc_client *cl, const json_t *doc)
{
	const char *iss = json_string_value(json_object_get(doc, "issuer"));
	char *a = https_field(doc, "authorization_endpoint");
	char *t = https_field(doc, "token_endpoint");
	char *j = https_field(doc, "jwks_uri");

	if (!iss || strcmp(iss, cl->c->issuer) != 0 || !a || !t || !j) {
		free(a);
		free(t);
		free(j);
		return KT_ERR;
	}
	free(cl->authorize);
	free(cl->token);
	free(cl->jwks_uri);
	cl->authorize = a;
	cl->token = t;
	cl->jwks_uri = j;
	return KT_OK;
}

/* The token endpoint's refusal, named by its error code when it has one. */
static void token_refused(struct op *op, const json_t *doc)
{
	struct kt_err err = { 0 };
	const char *e = json_string_value(json_object_get(doc, "error"));

	kt_err_set(&err, KT_EC_UNAUTHENTICATED, "oidc_code_refused",
		   "the sign-in provider refused the sign-in code (%.64s): sign in again",
		   e ? e : "no reason given");
	finish(op, NULL, &err);
	kt_err_release(&err);
}

static void on_answer(void *arg, struct kt_transport_answer *a)
{
	struct op *op = arg;
	struct kt_oidc_client *cl = op->cl;
	json_t *doc = NULL;
	const char *idt;

	op->xfer = NULL;
	if (a->facts.end != KT_TX_DONE) {
		struct kt_err err = { 0 };

		kt_err_set(&err, KT_EC_UNAVAILABLE, "oidc_provider_unreachable",
			   "could not reach the sign-in provider: %s",
			   a->facts.why ? a->facts.why : "the call failed");
		finish(op, NULL, &err);
		kt_err_release(&err);
		return;
	}
	if (a->body)
		doc = json_loadb(a->body, a->body_len, 0, NULL);
	if (op->fetch == F_TOKEN && a->facts.http_status != 200) {
		token_refused(op, doc);
	} else if (a->facts.http_status != 200 || !json_is_object(doc)) {
		fail(op, KT_EC_SUPPLIER, "oidc_provider_answer",
		     "the sign-in provider's answer cannot be read");
	} else if (op->fetch == F_DISCOVERY) {
		if (read_discovery(cl, doc) == KT_OK)
			step(op);
		else
			fail(op, KT_EC_SUPPLIER, "oidc_provider_answer",
			     "the sign-in provider's discovery document does not name the "
			     "configured issuer and https endpoints");
	} else if (op->fetch == F_JWKS) {
		if (json_is_array(json_object_get(doc, "keys"))) {
			json_decref(cl->jwks);
			cl->jwks = json_incref(doc);
			cl->jwks_at_ms = kt_clock_mono_ms();
			step(op);
		} else {
			fail(op, KT_EC_SUPPLIER, "oidc_provider_answer",
			     "the sign-in provider's keys are not a JWK set");
		}
	} else if ((idt = json_string_value(json_object_get(doc, "id_token")))) {
		if ((op->id_token = strdup(idt)))
			step(op);
		else
			fail(op, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	} else {
		fail(op, KT_EC_SUPPLIER, "oidc_provider_answer",
		     "the sign-in provider's token answer holds no ID token");
	}
	json_decref(doc);
}

static struct op *op_new(struct kt_oidc_client *cl, void *arg)
{
	struct op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->cl = cl;
	op->arg = arg;
	op->next = cl->ops;
	cl->ops = op;
	return op;
}

void kt_oidc_client_discover(struct kt_oidc_client *cl, kt_oidc_ready_fn *done, void *arg)
{
	struct op *op = op_new(cl, arg);

	if (!op) {
		struct kt_err err = { 0 };

		kt_err_set(&err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		done(arg, &err);
		kt_err_release(&err);
		return;
	}
	op->ready = done;
	step(op);
}

void kt_oidc_client_exchange(struct kt_oidc_client *cl, const char *code,
			     const char *verifier, const char *nonce,
			     kt_oidc_claims_fn *done, void *arg)
{
	struct op *op = op_new(cl, arg);

	if (op) {
		op->claims = done;
		op->code = strdup(code);
		op->verifier = strdup(verifier);
		op->nonce = strdup(nonce);
	}
	if (!op || !op->code || !op->verifier || !op->nonce) {
		struct kt_err err = { 0 };

		kt_err_set(&err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		if (op)
			finish(op, NULL, &err);
		else
			done(arg, NULL, &err);
		kt_err_release(&err);
		return;
	}
	step(op);
}

char *kt_oidc_client_authorize_url(const struct kt_oidc_client *cl, const char *state,
				   const char *nonce, const char *challenge)
{
	const struct kt_oidc_config *c = cl->c;
	struct kt_buf url;

	kt_buf_init(&url, 8192);
	kt_buf_adds(&url, cl->authorize);
	kt_buf_adds(&url, strchr(cl->authorize, '?') ? "&" : "?");
	kt_buf_adds(&url, "response_type=code&client_id=");
	kt_url_pcts(&url, c->client_id);
	kt_buf_adds(&url, "&redirect_uri=");
	kt_url_pcts(&url, c->redirect_uri);
	kt_buf_adds(&url, "&scope=");
	kt_url_pcts(&url, c->scopes);
	kt_buf_adds(&url, "&state=");
	kt_url_pcts(&url, state);
	kt_buf_adds(&url, "&nonce=");
	kt_url_pcts(&url, nonce);
	kt_buf_adds(&url, "&code_challenge_method=S256&code_challenge=");
	kt_url_pcts(&url, challenge);
	return kt_buf_detach(&url);
}

void kt_oidc_client_free(struct kt_oidc_client *cl)
{
	if (!cl)
		return;
	while (cl->ops) {
		struct op *op = cl->ops;

		if (op->xfer)
			kt_transfer_abandon(op->xfer);
		op->xfer = NULL;
		fail(op, KT_EC_UNAVAILABLE, "shutting_down", "the broker is shutting down");
	}
	kt_transport_free(cl->t);
	json_decref(cl->jwks);
	free(cl->authorize);
	free(cl->token);
	free(cl->jwks_uri);
	free(cl);
}
