/* oidc_config.h - the single sign-on settings (oidc_* in base/config.c)
 * checked once at start, so that a wrong one stops `keten serve` (and
 * `--check-config`) with a clear error instead of failing a person's
 * sign-in later; and the mapping of an ID token's claims to a Keten role
 * and customer. */
#ifndef KETEN_PORTAL_OIDC_CONFIG_H
#define KETEN_PORTAL_OIDC_CONFIG_H

#include <jansson.h>

#include "base/config.h"
#include "http/auth.h"
#include "keten/err.h"

/* The checked settings. Strings are borrowed from the kt_config, which
 * outlives this, except client_secret. */
struct kt_oidc_config {
	int on;                     /* 0: oidc_issuer unset, SSO off */
	const char *issuer, *client_id, *redirect_uri, *scopes, *ca_file, *label;
	const char *role_claim, *integrator_values, *customer_values, *customer_claim;
	char *client_secret;        /* owned, wiped on release */
	unsigned algs;              /* bits (1 << enum kt_jws_alg) */
	unsigned allow;             /* base/netaddr.h kinds beyond public */
	int skew_s, login_ttl_s, jwks_refetch_s;
};

/* Fills c from cfg. KT_OK with c->on 0 when oidc_issuer is unset; else
 * every setting is checked: https issuer and redirect_uri (the latter
 * ending in /v1/oidc/callback), a client id, a client secret that
 * resolves (base/secret.h), scopes with openid, algorithms only RS256
 * and ES256 (never none nor HS*), role values for at least one role,
 * known address kinds, a readable CA file. KT_ERR with err config
 * "bad_config" naming the setting. */
int kt_oidc_config_load(struct kt_oidc_config *c, const struct kt_config *cfg,
			struct kt_err *err);

/* Wipes the secret and clears c. */
void kt_oidc_config_release(struct kt_oidc_config *c);

/* The Keten role and customer of a person with claims: integrator when
 * the role claim (a string or an array of strings) holds one of the
 * integrator values, else customer when it holds one of the customer
 * values, and then customer_key (cap bytes) gets the customer claim's
 * string. KT_ERR with err forbidden "oidc_no_role" when no value maps,
 * "oidc_no_customer" when a customer's claim is missing or too long. */
int kt_oidc_map_claims(const struct kt_oidc_config *c, const json_t *claims,
		       enum kt_role *role, char *customer_key, size_t cap,
		       struct kt_err *err);

#endif
