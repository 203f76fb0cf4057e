/* test_oidc_config.c - unit tests of broker/portal/oidc_config.c: the
 * single sign-on settings refused with the setting named (algorithms
 * outside RS256/ES256, http URLs, a redirect elsewhere, scopes without
 * openid, no role values, an unresolvable secret, unknown address
 * kinds), a good set accepted, and the claims' mapping to a role and
 * customer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "base/netaddr.h"
#include "portal/oidc_config.h"

static void good(struct kt_config *cfg)
{
	kt_config_init(cfg);
	kt_config_set(cfg, "oidc_issuer", "https://idp.test", NULL);
	kt_config_set(cfg, "oidc_client_id", "keten", NULL);
	kt_config_set(cfg, "oidc_client_secret_ref", "env:KETEN_SECRET_OIDC_UNIT", NULL);
	kt_config_set(cfg, "oidc_redirect_uri", "https://keten.test/v1/oidc/callback", NULL);
	kt_config_set(cfg, "oidc_integrator_values", "ops, admins", NULL);
	kt_config_set(cfg, "oidc_customer_values", "customers", NULL);
	kt_config_set(cfg, "oidc_allow_addresses", "loopback,private", NULL);
}

static void test_off_and_good(void **state)
{
	struct kt_config cfg;
	struct kt_oidc_config c;
	struct kt_err err = { 0 };

	(void)state;
	kt_config_init(&cfg);
	assert_int_equal(kt_oidc_config_load(&c, &cfg, &err), KT_OK);
	assert_int_equal(c.on, 0);
	kt_config_release(&cfg);
	good(&cfg);
	assert_int_equal(kt_oidc_config_load(&c, &cfg, &err), KT_OK);
	assert_int_equal(c.on, 1);
	assert_string_equal(c.client_secret, "s3cret");
	assert_int_equal(c.allow, KT_NETADDR_LOOPBACK | KT_NETADDR_PRIVATE);
	assert_int_not_equal(c.algs, 0);
	kt_oidc_config_release(&c);
	kt_config_release(&cfg);
}

static void test_refused(void **state)
{
	static const struct { const char *name, *value, *in_message; } cases[] = {
		{ "oidc_allowed_algs", "RS256,HS256", "oidc_allowed_algs" },
		{ "oidc_allowed_algs", "none", "oidc_allowed_algs" },
		{ "oidc_allowed_algs", "", "oidc_allowed_algs" },
		{ "oidc_issuer", "http://idp.test", "oidc_issuer" },
		{ "oidc_issuer", "https://idp.test/?x=1", "oidc_issuer" },
		{ "oidc_redirect_uri", "https://keten.test/elsewhere", "oidc_redirect_uri" },
		{ "oidc_redirect_uri", "http://keten.test/v1/oidc/callback", "oidc_redirect_uri" },
		{ "oidc_scopes", "email openidx", "oidc_scopes" },
		{ "oidc_client_id", "", "oidc_client_id" },
		{ "oidc_integrator_values", "", "nobody can sign in" },
		{ "oidc_client_secret_ref", "env:KETEN_SECRET_OIDC_UNSET", "KETEN_SECRET_OIDC_UNSET" },
		{ "oidc_client_secret_ref", "env:HOME", "HOME" },
		{ "oidc_allow_addresses", "everywhere", "oidc_allow_addresses" },
		{ "oidc_ca_file", "/nonexistent/ca.pem", "oidc_ca_file" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_config cfg;
		struct kt_oidc_config c;
		struct kt_err err = { 0 };

		good(&cfg);
		kt_config_set(&cfg, cases[i].name, cases[i].value, NULL);
		if (strcmp(cases[i].name, "oidc_integrator_values") == 0)
			kt_config_set(&cfg, "oidc_customer_values", "", NULL);
		assert_int_equal(kt_oidc_config_load(&c, &cfg, &err), KT_ERR);
		if (!strstr(err.message, cases[i].in_message))
			fail_msg("%s=%s: %s", cases[i].name, cases[i].value, err.message);
		assert_int_equal(c.on, 0);
		assert_null(c.client_secret);
		kt_err_release(&err);
		kt_config_release(&cfg);
	}
}

static void test_map_claims(void **state)
{
	static const struct { const char *claims; int rc; enum kt_role role; const char *customer, *code; } cases[] = {
		{ "{\"groups\": [\"staff\", \"admins\"]}", KT_OK, KT_ROLE_INTEGRATOR, "", NULL },
		{ "{\"groups\": \"ops\", \"keten_customer\": \"acme\"}", KT_OK, KT_ROLE_INTEGRATOR, "", NULL },
		{ "{\"groups\": [\"customers\"], \"keten_customer\": \"acme\"}", KT_OK, KT_ROLE_CUSTOMER, "acme", NULL },
		{ "{\"groups\": [\"customers\"]}", KT_ERR, 0, "", "oidc_no_customer" },
		{ "{\"groups\": [\"customers\"], \"keten_customer\": 7}", KT_ERR, 0, "", "oidc_no_customer" },
		{ "{\"groups\": [\"staff\"]}", KT_ERR, 0, "", "oidc_no_role" },
		{ "{\"groups\": [\"admin\"]}", KT_ERR, 0, "", "oidc_no_role" },
		{ "{\"groups\": [1, null]}", KT_ERR, 0, "", "oidc_no_role" },
		{ "{}", KT_ERR, 0, "", "oidc_no_role" },
	};
	struct kt_config cfg;
	struct kt_oidc_config c;
	struct kt_err err = { 0 };

	(void)state;
	good(&cfg);
	assert_int_equal(kt_oidc_config_load(&c, &cfg, &err), KT_OK);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *claims = json_loads(cases[i].claims, 0, NULL);
		enum kt_role role = KT_ROLE_SUPPLIER;
		char customer[64];

		assert_non_null(claims);
		assert_int_equal(kt_oidc_map_claims(&c, claims, &role, customer, sizeof(customer),
						    &err), cases[i].rc);
		if (cases[i].rc == KT_OK) {
			assert_int_equal(role, cases[i].role);
			assert_string_equal(customer, cases[i].customer);
		} else {
			assert_string_equal(err.code, cases[i].code);
			assert_int_equal(err.cls, KT_EC_FORBIDDEN);
		}
		kt_err_release(&err);
		json_decref(claims);
	}
	kt_oidc_config_release(&c);
	kt_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_and_good),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_map_claims),
	};

	setenv("KETEN_SECRET_OIDC_UNIT", "s3cret", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
