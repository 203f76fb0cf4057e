/* auth.h - the auth modules: the header lines that authenticate one call
 * to a supplier, by the kind its chain entry names (`auth: {kind, ...}`):
 * standard-webhooks (webhook-id, -timestamp, -signature over the body),
 * basic, bearer (Authorization: <scheme> <secret>), header (<name>:
 * <secret>), oauth2-client-credentials (Authorization: Bearer <token>;
 * the token is dispatch/caller.c's to fetch and cache, the token request
 * is built and read here). Pure: secrets come resolved, nothing is sent,
 * nothing is logged. */
#ifndef KETEN_DISPATCH_AUTH_H
#define KETEN_DISPATCH_AUTH_H

#include <jansson.h>
#include <stddef.h>

#include "keten/adapter.h"
#include "keten/err.h"

/* The most header lines one module adds. */
#define KT_AUTH_MAX_LINES 3

enum kt_auth_kind {
	KT_AUTH_STANDARD_WEBHOOKS,
	KT_AUTH_BASIC,
	KT_AUTH_BEARER,
	KT_AUTH_HEADER,
	KT_AUTH_OAUTH2,
};

/* The kind auth names; NULL auth (an entry without one) is
 * standard-webhooks. -1 for a kind that is not known. */
int kt_auth_kind(const json_t *auth, enum kt_auth_kind *out);

/* What one call is authenticated with. All borrowed. */
struct kt_auth_input {
	const json_t *auth;      /* the entry's auth, or NULL */
	const char *secrets;     /* resolved; several space-separated for a
				    rotation: standard-webhooks signs with
				    each, the others use the first */
	const char *sign_id;     /* standard-webhooks: the webhook-id */
	long long now_s;         /* standard-webhooks: the timestamp */
	const char *body;        /* what is signed; may be NULL */
	size_t body_len;
	const char *token;       /* oauth2: the access token */
};

/* Appends the module's header lines ("Name: value", malloc'd, the
 * caller's) to lines[*n..max). Fails with config "bad_secret" (a secret
 * that cannot be used; its text never appears), config "bad_auth" (an
 * unknown kind, or one without the members it needs), internal when out of
 * memory or out of room. What was appended before a failure stays. */
int kt_auth_lines(const struct kt_auth_input *in, char **lines, size_t *n, size_t max,
		  struct kt_err *err);

/* The token request of an oauth2-client-credentials auth with client
 * secret secret: POST token_url, form-encoded grant_type,
 * client_id, client_secret and scope. Fills out (zeroed by the caller). */
int kt_auth_token_request(const json_t *auth, const char *secret, struct kt_http_request *out,
			  struct kt_err *err);

/* The longest token lifetime believed, in seconds: a larger expires_in
 * (up to 2^63 - 1 in the answer) is cut to it, so that the caller's
 * arithmetic in milliseconds cannot overflow; fetching a fresh token after
 * a day is always safe. */
#define KT_AUTH_TOKEN_MAX_S 86400

/* Reads a token answer: *token gets the access token (malloc'd, the
 * caller's to wipe and free) and *expires_in_s its lifetime (3600 when
 * the answer gives none, at most KT_AUTH_TOKEN_MAX_S). Fails with class supplier "bad_token_answer"
 * for a non-2xx answer or one without an access_token; its message
 * carries the answer's "error" code, never a token. */
int kt_auth_token_read(long http_status, const char *body, size_t len, char **token,
		       long long *expires_in_s, struct kt_err *err);

#endif
