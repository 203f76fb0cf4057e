/* routes.c - the route table of the HTTP API and the handlers too small
 * for a file of their own (readiness). */
#include <errno.h>

#include "base/clock.h"
#include "http/api.h"
#include "http/ops.h"
#include "portal/api_oidc.h"

const struct kt_http_route kt_http_routes[] = {
	{ "GET", "/readyz", 0, 0, kt_api_ready, 0 },
	{ "POST", "/v1/tickets",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 1,
	  kt_api_ticket_create, 0 },
	{ "GET", "/v1/tickets", KT_ALLOW(KT_ROLE_CUSTOMER) |
	  KT_ALLOW(KT_ROLE_INTEGRATOR) | KT_ALLOW(KT_ROLE_SUPPLIER), 0,
	  kt_api_ticket_list, 0 },
	{ "GET", "/v1/tickets/{}", KT_ALLOW(KT_ROLE_CUSTOMER) |
	  KT_ALLOW(KT_ROLE_INTEGRATOR) | KT_ALLOW(KT_ROLE_SUPPLIER), 0,
	  kt_api_ticket_get, 0 },
	{ "GET", "/v1/tickets/{}/timeline", KT_ALLOW(KT_ROLE_CUSTOMER) |
	  KT_ALLOW(KT_ROLE_INTEGRATOR) | KT_ALLOW(KT_ROLE_SUPPLIER), 0,
	  kt_api_ticket_timeline, 0 },
	{ "GET", "/v1/deliveries", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_delivery_list, 0 },
	{ "GET", "/v1/tickets/{}/deliveries", KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_ticket_deliveries, 0 },
	{ "POST", "/v1/deliveries/{}/replay", KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_delivery_replay, 0 },
	{ "POST", "/v1/deliveries/{}/discard", KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_delivery_discard, 0 },
	{ "POST", "/v1/suppliers/{}/replay-dead", KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_supplier_replay_dead, 0 },
	{ "POST", "/v1/legs/{}/link", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_leg_link, 0 },
	{ "POST", "/v1/tickets/{}/route", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_ticket_route, 0 },
	{ "POST", "/v1/tickets/{}/cancel",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_ticket_cancel, 0 },
	/* The integrator API (admin/api_admin.c): the route's pattern names the kind. */
	{ "GET", "/v1/customers", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_list, 0 },
	{ "POST", "/v1/customers", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_admin_create, 0 },
	{ "GET", "/v1/customers/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_get, 0 },
	{ "PUT", "/v1/customers/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_admin_update, 0 },
	{ "DELETE", "/v1/customers/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_delete, 0 },
	{ "GET", "/v1/suppliers", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_list, 0 },
	{ "POST", "/v1/suppliers", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_admin_create, 0 },
	{ "GET", "/v1/suppliers/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_get, 0 },
	{ "PUT", "/v1/suppliers/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_admin_update, 0 },
	{ "DELETE", "/v1/suppliers/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_delete, 0 },
	{ "GET", "/v1/services", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_list, 0 },
	{ "POST", "/v1/services", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_admin_create, 0 },
	{ "GET", "/v1/services/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_get, 0 },
	{ "PUT", "/v1/services/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_admin_update, 0 },
	{ "DELETE", "/v1/services/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_admin_delete, 0 },
	{ "GET", "/v1/services/{}/chain", KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_service_chain, 0 },
	{ "GET", "/v1/services/{}/status",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_service_status, 0 },
	{ "POST", "/v1/tickets/{}/close",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_ticket_close, 0 },
	{ "POST", "/v1/tickets/{}/reopen",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_ticket_reopen, 0 },
	{ "POST", "/v1/tickets/{}/priority",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_ticket_priority, 0 },
	{ "POST", "/v1/tickets/{}/comments",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_comment_create, 0 },
	{ "GET", "/v1/reports/services/{}",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_report_service, 0 },
	{ "GET", "/v1/reports/services/{}/daily",
	  KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_report_service_daily, 0 },
	{ "GET", "/v1/reports/suppliers/{}", KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_report_supplier, 0 },
	/* The integrator console's read-outs (admin/api_queues.c). */
	{ "GET", "/v1/queues", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_queue_counts, 0 },
	{ "GET", "/v1/supplier-health", KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_supplier_health, 0 },
	/* The live stream of changes (http/stream.h). */
	{ "GET", "/v1/stream", KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_stream, 0 },
	/* The customer portal's reads (admin/api_status.c, intake/api_priorities.c). */
	{ "GET", "/v1/status", KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_status_list, 0 },
	{ "GET", "/v1/priorities", KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR) |
	  KT_ALLOW(KT_ROLE_SUPPLIER), 0, kt_api_priorities, 0 },
	/* API keys (admin/api_keys.c). */
	{ "GET", "/v1/keys", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_key_list, 0 },
	{ "POST", "/v1/keys/{}/revoke", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_key_revoke, 0 },
	/* People's sessions and accounts (people/): signing in needs no key. */
	{ "POST", "/v1/session", 0, 1, kt_api_session_create, 0 },
	{ "GET", "/v1/session", KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR) |
	  KT_ALLOW(KT_ROLE_SUPPLIER), 0, kt_api_session_get, 0 },
	{ "DELETE", "/v1/session", KT_ALLOW(KT_ROLE_CUSTOMER) | KT_ALLOW(KT_ROLE_INTEGRATOR) |
	  KT_ALLOW(KT_ROLE_SUPPLIER), 0, kt_api_session_delete, 0 },
	{ "POST", "/v1/session/password", 0, 1, kt_api_session_password, 0 },
	{ "GET", "/v1/people", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_person_list, 0 },
	{ "POST", "/v1/people", KT_ALLOW(KT_ROLE_INTEGRATOR), 1, kt_api_person_invite, 0 },
	{ "POST", "/v1/people/{}/reset", KT_ALLOW(KT_ROLE_INTEGRATOR), 0, kt_api_person_reset, 0 },
	{ "POST", "/v1/people/{}/disable", KT_ALLOW(KT_ROLE_INTEGRATOR), 0,
	  kt_api_person_disable, 0 },
	/* Signed by the supplier, not authorised by an API key. */
	{ "POST", "/v1/inbound/{}", 0, 1, kt_api_inbound, 1 },
	/* The same, at the listener path of a TMF hub's callback. */
	{ "POST", "/v1/inbound/{}/listener/{}", 0, 1, kt_api_inbound, 1 },
	/* Single sign-on (portal/api_oidc.c): a person's browser, no key. */
	{ "GET", "/v1/oidc/login", 0, 0, kt_api_oidc_login, 0 },
	{ "GET", "/v1/oidc/callback", 0, 0, kt_api_oidc_callback, 0 },
	{ "GET", "/v1/session/methods", 0, 0, kt_api_session_methods, 0 },
};

const int kt_http_routes_count = (int)(sizeof(kt_http_routes) / sizeof(kt_http_routes[0]));

int kt_api_stream(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	(void)db;
	(void)err;
	r->stream = 1;
	r->status = 200;
	return KT_OK;
}

int kt_api_ready(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	int rc = kt_store_ping(db, err);

	kt_ops_ready_note(r->app->ops, kt_clock_mono_ms(), rc == KT_OK);
	if (rc != KT_OK)
		return KT_ERR;
	r->status = 200;
	r->answer = kt_ops_ready_answer(r->app->watch, r->app->cfg->dispatch);
	return KT_OK;
}

#define LIST_DEFAULT 50
#define LIST_MAX 200

int kt_api_list_limit(const struct kt_request *r, int *limit, struct kt_err *err)
{
	char *end;
	long v;

	*limit = LIST_DEFAULT;
	if (!r->query_limit)
		return KT_OK;
	errno = 0;
	v = strtol(r->query_limit, &end, 10);
	if (errno || *end || end == r->query_limit || v < 1 || v > LIST_MAX)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_limit",
				  "limit must be a whole number from 1 to %d", LIST_MAX);
	*limit = (int)v;
	return KT_OK;
}

json_t *kt_api_body_json(const struct kt_request *r, struct kt_err *err)
{
	json_error_t jerr;
	json_t *v;

	if (!r->body || r->body_len == 0) {
		kt_err_set(err, KT_EC_MALFORMED, "invalid_json", "request body is empty");
		return NULL;
	}
	v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		kt_err_set(err, KT_EC_MALFORMED, "invalid_json", "malformed JSON at line %d, column %d: %s",
			   jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		kt_err_set(err, KT_EC_MALFORMED, "invalid_json", "request body must be a JSON object");
		return NULL;
	}
	return v;
}
