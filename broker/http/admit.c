/* admit.c - the rates of API callers by role and by address, read from
 * the configuration, charged to http/throttle.c (see http/admit.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "http/admit.h"

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
