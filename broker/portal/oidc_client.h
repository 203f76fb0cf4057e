/* oidc_client.h - the broker's side of an OpenID Connect provider, on the
 * event loop: its discovery document ({issuer}/.well-known/
 * openid-configuration) and its keys (JWKS) fetched and kept, fetched
 * again on an unknown kid at most every oidc_jwks_refetch_s; the
 * authorization URL of a sign-in; the code exchanged at the token
 * endpoint (client_secret_basic, PKCE verifier) and the ID token checked
 * (portal/oidc_token.h). Every call goes through the dispatcher's
 * transport (dispatch/transport.h). Loop thread only. */
#ifndef KETEN_PORTAL_OIDC_CLIENT_H
#define KETEN_PORTAL_OIDC_CLIENT_H

#include <event2/event.h>
#include <jansson.h>

#include "base/config.h"
#include "keten/err.h"
#include "portal/oidc_config.h"

struct kt_oidc_client;

/* The provider is known (err NULL) or could not be (err set, borrowed for
 * the call). */
typedef void kt_oidc_ready_fn(void *arg, const struct kt_err *err);

/* An exchange ended: claims (a new reference, the callee's) of a checked
 * ID token, or NULL with err (borrowed for the call). */
typedef void kt_oidc_claims_fn(void *arg, json_t *claims, const struct kt_err *err);

/* A client of the provider c names (c is borrowed and outlives it;
 * cfg's supplier_* timeouts and response limit apply to its calls).
 * NULL with err when the transport cannot start. */
struct kt_oidc_client *kt_oidc_client_new(struct event_base *base,
					  const struct kt_oidc_config *c,
					  const struct kt_config *cfg, struct kt_err *err);

/* Calls done once the discovery document is kept: at once when it is,
 * else after fetching it. Errors: unavailable "oidc_provider_unreachable",
 * supplier "oidc_provider_answer" (an answer that is not a discovery
 * document of the configured issuer with https endpoints). */
void kt_oidc_client_discover(struct kt_oidc_client *cl, kt_oidc_ready_fn *done, void *arg);

/* The URL a person's browser is sent to (after discover succeeded):
 * the authorization endpoint with response_type=code, client_id,
 * redirect_uri, scope, state, nonce and the S256 code challenge.
 * malloc'd (the caller frees it), or NULL when out of memory. */
char *kt_oidc_client_authorize_url(const struct kt_oidc_client *cl, const char *state,
				   const char *nonce, const char *challenge);

/* Exchanges code with verifier at the token endpoint and checks the ID
 * token against nonce and the provider's keys; done follows, on the
 * loop (maybe at once). Errors: as discover, unauthenticated
 * "oidc_code_refused" (the provider refused the code) and the ID token's
 * of portal/oidc_token.h. All strings are copied. */
void kt_oidc_client_exchange(struct kt_oidc_client *cl, const char *code,
			     const char *verifier, const char *nonce,
			     kt_oidc_claims_fn *done, void *arg);

/* Ends the calls left (their done gets unavailable "shutting_down"), then
 * frees cl; accepts NULL. */
void kt_oidc_client_free(struct kt_oidc_client *cl);

#endif
