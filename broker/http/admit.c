/* admit.c - the rates of API callers by role and by address, read from
 * the configuration, charged to http/throttle.c; which bucket a request
 * pays from, on the loop and after its key's (or session's) lookup (see
 * http/admit.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "http/admit.h"
#include "http/key_cache.h"

void kt_admit_address_name(const char *addr, char out[KT_ADMIT_ADDR_MAX])
{
	unsigned char a6[16];
	char text[INET6_ADDRSTRLEN];

	if (addr && strchr(addr, ':') && inet_pton(AF_INET6, addr, a6) == 1) {
		memset(a6 + 8, 0, 8);
		if (inet_ntop(AF_INET6, a6, text, sizeof(text))) {
			snprintf(out, KT_ADMIT_ADDR_MAX, "a:%s/64", text);
			return;
		}
	}
	snprintf(out, KT_ADMIT_ADDR_MAX, "a:%s", addr ? addr : "-");
}

static int refused(int wait_s, int *retry_s, const char *whose, struct kt_err *err)
{
	*retry_s = wait_s;
	return kt_err_set(err, KT_EC_RATE_LIMITED, "rate_limited",
			  "too many requests from this %s: try again in %d s", whose, wait_s);
}

int kt_admit_key(struct kt_throttle *t, const struct kt_config *cfg,
		 const struct kt_principal *p, long long now_ms, int *retry_s,
		 struct kt_err *err)
{
	struct kt_rate rate;
	char name[KT_UUID_LEN + 3];
	int wait_s;

	switch (p->role) {
	case KT_ROLE_INTEGRATOR:
		rate = (struct kt_rate){ cfg->rate_integrator_per_s, cfg->rate_integrator_burst };
		break;
	case KT_ROLE_CUSTOMER:
		rate = (struct kt_rate){ cfg->rate_customer_per_s, cfg->rate_customer_burst };
		break;
	default:
		rate = (struct kt_rate){ cfg->rate_supplier_per_s, cfg->rate_supplier_burst };
		break;
	}
	/* A session pays from its own bucket. */
	if (p->session_id[0])
		snprintf(name, sizeof(name), "s:%s", p->session_id);
	else
		snprintf(name, sizeof(name), "k:%s", p->key_id);
	wait_s = kt_throttle_take(t, name, rate, now_ms);
	return wait_s ? refused(wait_s, retry_s, "API key", err) : KT_OK;
}

int kt_admit_address(struct kt_throttle *t, const struct kt_config *cfg,
		     const char *name, int take, long long now_ms, int *retry_s,
		     struct kt_err *err)
{
	struct kt_rate rate = { cfg->rate_address_per_s, cfg->rate_address_burst };
	int wait_s = take ? kt_throttle_take(t, name, rate, now_ms)
			  : kt_throttle_peek(t, name, rate, now_ms);

	return wait_s ? refused(wait_s, retry_s, "address without a working API key", err)
		      : KT_OK;
}

/* A principal kept in the cache that has since expired is looked up
 * again (and refused). */
static int cached_principal(struct kt_request *r, long long now_ms)
{
	return kt_key_cache_get(r->app->keys, r->key_hash, now_ms, &r->principal) &&
	       (r->principal.expires_s == 0 || kt_clock_wall_s() < r->principal.expires_s);
}

int kt_admit_request(struct kt_request *r, const char *authorization, const char *cookie,
		     struct kt_err *err)
{
	struct kt_app *app = r->app;
	long long now = kt_clock_mono_ms();
	char token[KT_TOKEN_MAX], name[KT_ADMIT_ADDR_MAX];

	kt_admit_address_name(r->client, name);
	if (kt_cookie_find(cookie, KT_SESSION_COOKIE, token, sizeof(token))) {
		kt_crypto_sha256_hex(token, strlen(token), r->session_hash);
		kt_crypto_wipe(token, sizeof(token));
	}
	if (!r->route->roles)
		return kt_admit_address(app->throttle, app->cfg, name, 1, now,
					&r->retry_after_s, err);
	if (!authorization && r->session_hash[0]) {
		r->via_session = 1;
		return kt_admit_address(app->throttle, app->cfg, name, 0, now,
					&r->retry_after_s, err);
	}
	if (kt_auth_bearer(authorization, token, sizeof(token), err) != KT_OK) {
		struct kt_err limited = { 0 };

		if (kt_admit_address(app->throttle, app->cfg, name, 1, now,
				     &r->retry_after_s, &limited)) {
			kt_err_release(err);
			*err = limited;
		}
		return KT_ERR;
	}
	kt_auth_hash(token, r->key_hash);
	kt_crypto_wipe(token, sizeof(token));
	r->have_principal = cached_principal(r, now);
	if (r->have_principal)
		return kt_admit_key(app->throttle, app->cfg, &r->principal, now,
				    &r->retry_after_s, err);
	return kt_admit_address(app->throttle, app->cfg, name, 0, now,
				&r->retry_after_s, err);
}

int kt_admit_looked_up(struct kt_request *r, int found, long long now_ms,
		       struct kt_err *err)
{
	char name[KT_ADMIT_ADDR_MAX];
	int ignored;

	if (found)
		return kt_admit_key(r->app->throttle, r->app->cfg, &r->principal, now_ms,
				    &r->retry_after_s, err);
	kt_admit_address_name(r->client, name);
	kt_admit_address(r->app->throttle, r->app->cfg, name, 1, now_ms, &ignored, NULL);
	return KT_OK;
}
