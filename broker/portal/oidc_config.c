/* oidc_config.c - the checks of the single sign-on settings and the claim
 * mapping (portal/oidc_config.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/netaddr.h"
#include "base/secret.h"
#include "portal/oidc_config.h"
#include "portal/oidc_token.h"

#define CALLBACK_PATH "/v1/oidc/callback"

static int bad(struct kt_err *err, const char *name, const char *why)
{
	return kt_err_set(err, KT_EC_CONFIG, "bad_config", "setting \"%s\" %s", name, why);
}

/* Calls each(item, len, arg) for every item of a comma (or blank)
 * separated list, blanks trimmed; stops at the first nonzero answer and
 * returns it. */
static int each_item(const char *list, int (*each)(const char *, size_t, void *), void *arg)
{
	const char *p = list ? list : "";

	while (*p) {
		size_t n;
		int rc;

		p += strspn(p, " ,\t");
		n = strcspn(p, " ,\t");
		if (n && (rc = each(p, n, arg)) != 0)
			return rc;
		p += n;
	}
	return 0;
}

/* A list's names turned into bits by bit(); any unknown name fails. */
struct bits {
	unsigned (*bit)(const char *name);
	unsigned mask;
};

static int add_bit(const char *s, size_t n, void *arg)
{
	struct bits *b = arg;
	char name[16];
	unsigned bit;

	if (n >= sizeof(name))
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	bit = b->bit(name);
	b->mask |= bit;
	return bit ? 0 : -1;
}

static int is_openid(const char *s, size_t n, void *arg)
{
	(void)arg;
	return n == 6 && strncmp(s, "openid", 6) == 0;
}

static int https_url(const char *s)
{
	return s && strncmp(s, "https://", 8) == 0 && s[8] && !strpbrk(s, " \t\r\n?#");
}

static int check_strings(const struct kt_config *cfg, struct kt_err *err)
{
	size_t n;

	if (!https_url(cfg->oidc_issuer))
		return bad(err, "oidc_issuer", "must be an https URL without query");
	if (!cfg->oidc_client_id || !*cfg->oidc_client_id)
		return bad(err, "oidc_client_id", "is required when oidc_issuer is set");
	n = cfg->oidc_redirect_uri ? strlen(cfg->oidc_redirect_uri) : 0;
	if (!https_url(cfg->oidc_redirect_uri) || n < strlen(CALLBACK_PATH) ||
	    strcmp(cfg->oidc_redirect_uri + n - strlen(CALLBACK_PATH), CALLBACK_PATH) != 0)
		return bad(err, "oidc_redirect_uri",
			   "must be this broker's https URL ending in " CALLBACK_PATH);
	if (each_item(cfg->oidc_scopes, is_openid, NULL) != 1)
		return bad(err, "oidc_scopes", "must hold the scope openid");
	if (!cfg->oidc_role_claim || !*cfg->oidc_role_claim)
		return bad(err, "oidc_role_claim", "is required when oidc_issuer is set");
	if (!cfg->oidc_customer_claim || !*cfg->oidc_customer_claim)
		return bad(err, "oidc_customer_claim", "is required when oidc_issuer is set");
	if ((!cfg->oidc_integrator_values || !*cfg->oidc_integrator_values) &&
	    (!cfg->oidc_customer_values || !*cfg->oidc_customer_values))
		return bad(err, "oidc_integrator_values",
			   "or oidc_customer_values must name a claim value, or nobody can sign in");
	if (cfg->oidc_ca_file && access(cfg->oidc_ca_file, R_OK) != 0)
		return kt_err_set(err, KT_EC_CONFIG, "bad_config",
				  "oidc_ca_file \"%s\" is not readable: %s",
				  cfg->oidc_ca_file, strerror(errno));
	return KT_OK;
}

int kt_oidc_config_load(struct kt_oidc_config *c, const struct kt_config *cfg,
			struct kt_err *err)
{
	struct bits algs = { kt_oidc_alg_bit, 0 }, kinds = { kt_netaddr_allow_bit, 0 };

	memset(c, 0, sizeof(*c));
	if (!cfg->oidc_issuer || !*cfg->oidc_issuer)
		return KT_OK;
	if (check_strings(cfg, err))
		return KT_ERR;
	if (each_item(cfg->oidc_allowed_algs, add_bit, &algs) != 0 || !algs.mask)
		return bad(err, "oidc_allowed_algs",
			   "is a comma list of RS256 and ES256 (none and HS* are never accepted)");
	if (each_item(cfg->oidc_allow_addresses, add_bit, &kinds) != 0)
		return bad(err, "oidc_allow_addresses",
			   "is a comma list of loopback, private and link-local");
	if (!cfg->oidc_client_secret_ref ||
	    kt_secret_resolve(cfg->oidc_client_secret_ref, &c->client_secret, err))
		return cfg->oidc_client_secret_ref ? KT_ERR
			: bad(err, "oidc_client_secret_ref", "is required when oidc_issuer is set");
	c->on = 1;
	c->algs = algs.mask;
	c->allow = kinds.mask;
	c->issuer = cfg->oidc_issuer;
	c->client_id = cfg->oidc_client_id;
	c->redirect_uri = cfg->oidc_redirect_uri;
	c->scopes = cfg->oidc_scopes;
	c->ca_file = cfg->oidc_ca_file;
	c->label = cfg->oidc_label;
	c->role_claim = cfg->oidc_role_claim;
	c->integrator_values = cfg->oidc_integrator_values;
	c->customer_values = cfg->oidc_customer_values;
	c->customer_claim = cfg->oidc_customer_claim;
	c->skew_s = cfg->oidc_skew_s;
	c->login_ttl_s = cfg->oidc_login_ttl_s;
	c->jwks_refetch_s = cfg->oidc_jwks_refetch_s;
	return KT_OK;
}

void kt_oidc_config_release(struct kt_oidc_config *c)
{
	kt_secret_free(c->client_secret);
	memset(c, 0, sizeof(*c));
}

static int is_value(const char *s, size_t n, void *arg)
{
	const char *v = arg;

	return strlen(v) == n && strncmp(s, v, n) == 0;
}

/* Whether claim (a string or an array of strings) holds a value of list. */
static int claim_holds(const json_t *claim, const char *list)
{
	const json_t *v;
	size_t i;

	if (json_is_string(claim))
		return each_item(list, is_value, (void *)json_string_value(claim)) == 1;
	json_array_foreach(claim, i, v)
		if (json_is_string(v) &&
		    each_item(list, is_value, (void *)json_string_value(v)) == 1)
			return 1;
	return 0;
}

int kt_oidc_map_claims(const struct kt_oidc_config *c, const json_t *claims,
		       enum kt_role *role, char *customer_key, size_t cap,
		       struct kt_err *err)
{
	const json_t *claim = json_object_get(claims, c->role_claim);
	const char *key;

	customer_key[0] = '\0';
	if (claim_holds(claim, c->integrator_values)) {
		*role = KT_ROLE_INTEGRATOR;
		return KT_OK;
	}
	if (!claim_holds(claim, c->customer_values))
		return kt_err_set(err, KT_EC_FORBIDDEN, "oidc_no_role",
				  "your account at the sign-in provider is not given a role in "
				  "Keten (claim \"%s\"): ask the integrator for access",
				  c->role_claim);
	key = json_string_value(json_object_get(claims, c->customer_claim));
	if (!key || !*key || strlen(key) >= cap)
		return kt_err_set(err, KT_EC_FORBIDDEN, "oidc_no_customer",
				  "your account at the sign-in provider names no customer "
				  "(claim \"%s\"): ask the integrator for access",
				  c->customer_claim);
	*role = KT_ROLE_CUSTOMER;
	memcpy(customer_key, key, strlen(key) + 1);
	return KT_OK;
}
