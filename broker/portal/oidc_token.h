/* oidc_token.h - the check of an OpenID Connect ID token (a compact JWS):
 * the algorithm against an allow-list (never "none" nor an HMAC), the key
 * by kid from the provider's JWKS, the signature (base/crypto.h), then
 * iss, aud and azp, exp, iat and nbf with a small skew, nonce and sub.
 * Pure: the caller brings the JWKS, the time and what it expects. */
#ifndef KETEN_PORTAL_OIDC_TOKEN_H
#define KETEN_PORTAL_OIDC_TOKEN_H

#include <jansson.h>

#include "keten/err.h"

/* The longest ID token read, in bytes. */
#define KT_OIDC_TOKEN_MAX 16384

/* What an ID token must say. All borrowed. */
struct kt_oidc_expect {
	const char *issuer;         /* iss, exactly */
	const char *client_id;      /* in aud; azp when aud has several */
	const char *nonce;          /* the login's nonce, exactly */
	long long now;              /* seconds since the epoch */
	int skew_s;                 /* clock skew allowed on exp, iat, nbf */
	unsigned algs;              /* allowed: bits (1 << enum kt_jws_alg) */
};

/* The bit of algorithm name ("RS256", "ES256") for kt_oidc_expect.algs,
 * or 0 for any other name (so "none" and "HS256" can never be allowed). */
unsigned kt_oidc_alg_bit(const char *name);

/* Checks token against jwks (an object {"keys": [...]}, borrowed) and x.
 * Returns the token's claims (a new reference) or NULL with err
 * unauthenticated: "unknown_kid" when no key of jwks fits the token's
 * header (a provider that rotated its keys: fetch the JWKS again and
 * retry once), else "invalid_id_token" with a message saying which check
 * failed (never the token itself). */
json_t *kt_oidc_token_verify(const char *token, const json_t *jwks,
			     const struct kt_oidc_expect *x, struct kt_err *err);

#endif
