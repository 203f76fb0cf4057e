/* oidc_token.c - the ID token check of portal/oidc_token.h: split the
 * compact JWS, read its header, pick the key, verify, then the claims. */
#include <string.h>

#include "base/crypto.h"
#include "portal/oidc_token.h"

#define BAD(err, ...) kt_err_set(err, KT_EC_UNAUTHENTICATED, "invalid_id_token", __VA_ARGS__)

static const struct { const char *name; enum kt_jws_alg alg; const char *kty; } algs[] = {
	{ "RS256", KT_JWS_RS256, "RSA" },
	{ "ES256", KT_JWS_ES256, "EC" },
};

unsigned kt_oidc_alg_bit(const char *name)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (name && strcmp(name, algs[i].name) == 0)
			return 1u << algs[i].alg;
	return 0;
}

/* Decodes a base64url part of len characters as a JSON object; NULL when
 * it is not one. */
static json_t *part_json(const char *s, size_t len)
{
	unsigned char buf[KT_OIDC_TOKEN_MAX];
	int n = kt_crypto_base64url_decode(s, len, buf, sizeof(buf));
	json_t *v;

	if (n <= 0)
		return NULL;
	v = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	if (v && !json_is_object(v)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Whether jwk may check a token of alg with key id kid (NULL: none). */
static int key_fits(const json_t *jwk, size_t a, const char *kid)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *use = json_string_value(json_object_get(jwk, "use"));
	const char *alg = json_string_value(json_object_get(jwk, "alg"));
	const char *id = json_string_value(json_object_get(jwk, "kid"));

	if (!kty || strcmp(kty, algs[a].kty) != 0 || (use && strcmp(use, "sig") != 0) ||
	    (alg && strcmp(alg, algs[a].name) != 0))
		return 0;
	return !kid || (id && strcmp(id, kid) == 0);
}

/* The key of jwks that checks a token of alg with kid: the one with that
 * kid, or without a kid the only key of the algorithm's type. */
static struct kt_pubkey *pick_key(const json_t *jwks, size_t a, const char *kid,
				  struct kt_err *err)
{
	const json_t *keys = json_object_get(jwks, "keys"), *jwk, *found = NULL;
	struct kt_pubkey *key = NULL;
	size_t i, n = 0;

	json_array_foreach(keys, i, jwk) {
		if (key_fits(jwk, a, kid)) {
			found = jwk;
			n++;
		}
	}
	if (n != 1) {
		kt_err_set(err, KT_EC_UNAUTHENTICATED, "unknown_kid",
			   n ? "the provider's keys hold several keys with kid \"%s\""
			     : "no key of the provider fits the ID token (kid \"%s\")",
			   kid ? kid : "");
		return NULL;
	}
	if (algs[a].alg == KT_JWS_RS256)
		kt_crypto_pubkey_rsa(json_string_value(json_object_get(found, "n")),
				     json_string_value(json_object_get(found, "e")), &key, err);
	else if (strcmp(json_string_value(json_object_get(found, "crv")) ?
			json_string_value(json_object_get(found, "crv")) : "", "P-256") == 0)
		kt_crypto_pubkey_p256(json_string_value(json_object_get(found, "x")),
				      json_string_value(json_object_get(found, "y")), &key, err);
	else
		kt_err_set(err, KT_EC_UNAUTHENTICATED, "invalid_id_token",
			   "the provider's EC key is not on curve P-256");
	return key;
}

/* Checks the signature of the token whose parts end at dot1 and dot2. */
static int check_signature(const char *token, const char *dot1, const char *dot2,
			   const json_t *jwks, const struct kt_oidc_expect *x,
			   struct kt_err *err)
{
	json_t *header = part_json(token, (size_t)(dot1 - token));
	const char *alg, *kid;
	unsigned char sig[1024];
	struct kt_pubkey *key = NULL;
	size_t a;
	int n, rc = KT_ERR;

	if (!header) {
		BAD(err, "the ID token's header is not base64url JSON");
		goto out;
	}
	alg = json_string_value(json_object_get(header, "alg"));
	kid = json_string_value(json_object_get(header, "kid"));
	if (json_object_get(header, "crit")) {
		BAD(err, "the ID token names critical extensions");
		goto out;
	}
	if (!(kt_oidc_alg_bit(alg) & x->algs)) {
		BAD(err, "the ID token's algorithm \"%.16s\" is not allowed", alg ? alg : "");
		goto out;
	}
	for (a = 0; strcmp(algs[a].name, alg) != 0; a++)
		;
	if (!(key = pick_key(jwks, a, kid, err)))
		goto out;
	n = kt_crypto_base64url_decode(dot2 + 1, strlen(dot2 + 1), sig, sizeof(sig));
	if (n <= 0 || !kt_crypto_jws_verify(algs[a].alg, key, token,
					    (size_t)(dot2 - token), sig, (size_t)n)) {
		BAD(err, "the ID token's signature is not valid");
		goto out;
	}
	rc = KT_OK;
out:
	kt_crypto_pubkey_free(key);
	json_decref(header);
	return rc;
}

/* Whether aud (a string or an array of strings) holds id, and azp is
 * id when aud has several (or azp is there at all). */
static int audience_ok(const json_t *claims, const char *id)
{
	const json_t *aud = json_object_get(claims, "aud"), *v;
	const json_t *azp = json_object_get(claims, "azp");
	int found = 0;
	size_t i;

	if (json_is_string(aud))
		found = strcmp(json_string_value(aud), id) == 0;
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			found = 1;
	if (!found)
		return 0;
	if (azp || (json_is_array(aud) && json_array_size(aud) > 1))
		return json_is_string(azp) && strcmp(json_string_value(azp), id) == 0;
	return 1;
}

static int time_claim(const json_t *claims, const char *name, long long *out)
{
	const json_t *v = json_object_get(claims, name);

	if (!json_is_number(v))
		return 0;
	*out = (long long)json_number_value(v);
	return 1;
}

static int check_claims(const json_t *claims, const struct kt_oidc_expect *x,
			struct kt_err *err)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	const char *nonce = json_string_value(json_object_get(claims, "nonce"));
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	long long exp, iat, nbf;

	if (!iss || strcmp(iss, x->issuer) != 0)
		return BAD(err, "the ID token's issuer is not the configured one");
	if (!audience_ok(claims, x->client_id))
		return BAD(err, "the ID token is not meant for this client (aud, azp)");
	if (!time_claim(claims, "exp", &exp) || x->now >= exp + x->skew_s)
		return BAD(err, "the ID token has expired");
	if (!time_claim(claims, "iat", &iat) || iat > x->now + x->skew_s)
		return BAD(err, "the ID token's issue time is missing or in the future");
	if (json_object_get(claims, "nbf") &&
	    (!time_claim(claims, "nbf", &nbf) || nbf > x->now + x->skew_s))
		return BAD(err, "the ID token is not valid yet");
	if (!nonce || !x->nonce || strcmp(nonce, x->nonce) != 0)
		return BAD(err, "the ID token's nonce is not this sign-in's");
	if (!sub || !*sub || strlen(sub) > 255)
		return BAD(err, "the ID token names no subject");
	return KT_OK;
}

json_t *kt_oidc_token_verify(const char *token, const json_t *jwks,
			     const struct kt_oidc_expect *x, struct kt_err *err)
{
	const char *dot1, *dot2;
	json_t *claims;

	if (!token || strlen(token) > KT_OIDC_TOKEN_MAX || !(dot1 = strchr(token, '.')) ||
	    !(dot2 = strchr(dot1 + 1, '.')) || strchr(dot2 + 1, '.')) {
		BAD(err, "the ID token is not a compact JWS of three parts");
		return NULL;
	}
	if (check_signature(token, dot1, dot2, jwks, x, err))
		return NULL;
	if (!(claims = part_json(dot1 + 1, (size_t)(dot2 - dot1 - 1)))) {
		BAD(err, "the ID token's claims are not base64url JSON");
		return NULL;
	}
	if (check_claims(claims, x, err)) {
		json_decref(claims);
		return NULL;
	}
	return claims;
}
