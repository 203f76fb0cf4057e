/* caller.h - one HTTPS call to a supplier, on the loop: the request an
 * adapter built, with the supplier's auth module's headers
 * (dispatch/auth.h: Standard Webhooks signature, basic, bearer, an API
 * token header, or an OAuth2 client-credentials token fetched, cached and
 * shared by the calls in flight), the node's and the supplier's call
 * limits, sent by the one transport. Deliveries (dispatch/dispatcher.c)
 * and polls (dispatch/poll.c) both call through it. */
#ifndef KETEN_DISPATCH_CALLER_H
#define KETEN_DISPATCH_CALLER_H

#include <jansson.h>

#include "cli/app.h"
#include "dispatch/transport.h"
#include "keten/adapter.h"
#include "keten/err.h"

struct kt_caller;
struct kt_call;

/* Who is called. All borrowed until kt_call_start returns. */
struct kt_call_supplier {
	const char *id;            /* suppliers.id */
	const char *key;
	const json_t *auth;        /* the chain entry's auth ({"kind", ...}) or
				      NULL: standard-webhooks */
	const char *secrets;       /* the resolved secret of auth's
				      secret_ref (else the entry's) */
	const json_t *delivery;    /* the supplier's own limits and its
				      allow_addresses (loopback, private,
				      link-local), or NULL: public only */
};

/* One call. All borrowed until kt_call_start returns. */
struct kt_call_spec {
	const struct kt_http_request *req;
	const char *sign_id;       /* standard-webhooks: the webhook-id */
	const char *idempotency_key; /* sent as Idempotency-Key, or NULL */
	long timeout_ms;           /* 0: the supplier's or the node's */
};

/* Called on the loop once the call ended: the transport's answer (facts,
 * body the callback may take, headers borrowed for the callback). A call
 * that could not be authenticated (a token fetch failed, a broken
 * secret) ends with answer->facts.end KT_TX_FAILED, http_status 0, and
 * facts.why saying why (never a secret). */
typedef void kt_call_done_fn(void *arg, struct kt_transport_answer *answer);

/* A caller on app's loop sending through t (borrowed, outlives it). */
struct kt_caller *kt_caller_new(struct kt_app *app, struct kt_transport *t, struct kt_err *err);

/* Starts the call; done(arg, ...) follows on the loop unless the call is
 * abandoned first. *out gets the call, the caller's. KT_ERR (config
 * "bad_secret", internal) when it cannot even start; done is then never
 * called. */
int kt_call_start(struct kt_caller *c, const struct kt_call_supplier *s,
		  const struct kt_call_spec *spec, kt_call_done_fn *done, void *arg,
		  struct kt_call **out, struct kt_err *err);

/* Stops call x (and its token fetch, if it waits for one); its done is
 * never called. */
void kt_call_abandon(struct kt_call *x);

/* Abandons every call and frees c; accepts NULL. */
void kt_caller_free(struct kt_caller *c);

#endif
