/* api_route.c - POST /v1/tickets/{id}/route (the integrator routes a
 * ticket by hand) and POST /v1/tickets/{id}/cancel (its customer or the
 * integrator cancels it): reading the bodies, every problem with its JSON
 * pointer, and answering with the caller's view of the ticket. */
#include "http/api.h"
#include "model/chain_doc.h"
#include "base/json_field.h"
#include "routing/routing.h"
#include "store/tx_route.h"

#define REASON_MAX 1000

/* The optional or required "reason": a string of 1..REASON_MAX bytes.
 * Borrowed from body; NULL when absent or bad (with a detail). */
static const char *reason_of(const json_t *body, int required, struct kt_err *err)
{
	const json_t *v = json_object_get(body, "reason");

	if (!v && !required)
		return NULL;
	if (!kt_json_is_text(v, 1, REASON_MAX)) {
		kt_err_detail(err, "/reason", "must be a string of 1 to %d bytes", REASON_MAX);
		return NULL;
	}
	return json_string_value(v);
}

/* suppliers: 1..KT_ROUTE_MAX_LEGS distinct keys, into keys[]. */
static void suppliers_of(const json_t *v, const char **keys, size_t *n, struct kt_err *err)
{
	const json_t *k;
	size_t i;

	*n = 0;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > KT_ROUTE_MAX_LEGS) {
		kt_err_detail(err, "/suppliers", "must be an array of 1 to %d supplier keys",
			      KT_ROUTE_MAX_LEGS);
		return;
	}
	json_array_foreach(v, i, k) {
		char path[32];
		size_t j;

		snprintf(path, sizeof(path), "/suppliers/%zu", i);
		if (!kt_json_is_text(k, 1, KT_CHAIN_KEY_MAX)) {
			kt_err_detail(err, path, "must be a supplier key of 1 to %d bytes",
				      KT_CHAIN_KEY_MAX);
			continue;
		}
		for (j = 0; j < *n && strcmp(keys[j], json_string_value(k)) != 0; j++)
			;
		if (j < *n) {
			kt_err_detail(err, path, "names a supplier already listed");
			continue;
		}
		keys[(*n)++] = json_string_value(k);
	}
}

/* Reads {"suppliers": [...] | "component": "...", "reason": "..."}. */
static int route_request(const json_t *body, struct kt_route_request *rq,
			 const char **keys, struct kt_err *err)
{
	static const char *const known[] = { "suppliers", "component", "reason" };
	const json_t *suppliers = json_object_get(body, "suppliers");
	const json_t *component = json_object_get(body, "component");

	memset(rq, 0, sizeof(*rq));
	kt_json_unknown_members(body, known, sizeof(known) / sizeof(known[0]),
				"a route field", err);
	if (!suppliers == !component)
		kt_err_detail(err, "", "exactly one of suppliers and component is required");
	else if (suppliers)
		suppliers_of(suppliers, keys, &rq->n_suppliers, err);
	else if (!kt_json_is_text(component, 1, KT_CHAIN_KEY_MAX))
		kt_err_detail(err, "/component", "must be a component key of 1 to %d bytes",
			      KT_CHAIN_KEY_MAX);
	rq->suppliers = keys;
	rq->component = json_string_value(component);
	rq->reason = reason_of(body, 1, err);
	if (err->details)
		return kt_err_set(err, KT_EC_INVALID, "invalid_route", "the route is not valid");
	return KT_OK;
}

/* After a route or cancel: the caller's view of the ticket, 200. */
static int answer(struct kt_db *db, struct kt_request *r, int n_messages,
		  struct kt_err *err)
{
	r->wake_dispatcher = n_messages > 0;
	r->answer = kt_api_ticket_view(db, r, r->params[0], err);
	if (!r->answer)
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_ticket_route(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	const char *keys[KT_ROUTE_MAX_LEGS];
	struct kt_route_request rq;
	json_t *body = kt_api_body_json(r, err);
	char actor[80];
	int n_messages, rc = KT_ERR;

	if (!body)
		return KT_ERR;
	if (!kt_is_uuid(r->params[0])) {
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
		goto out;
	}
	kt_principal_actor(&r->principal, actor, sizeof(actor));
	if (route_request(body, &rq, keys, err) ||
	    kt_store_route_manual(db, r->params[0], &rq, actor, &n_messages, err))
		goto out;
	rc = answer(db, r, n_messages, err);
out:
	json_decref(body);
	return rc;
}

int kt_api_ticket_cancel(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	static const char *const known[] = { "reason" };
	json_t *body = kt_api_body_json(r, err);
	const char *reason;
	char actor[80];
	int n_messages, rc = KT_ERR;

	if (!body)
		return KT_ERR;
	if (!kt_is_uuid(r->params[0])) {
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
		goto out;
	}
	kt_json_unknown_members(body, known, 1, "a cancel field", err);
	reason = reason_of(body, 0, err);
	if (err->details) {
		kt_err_set(err, KT_EC_INVALID, "invalid_cancel", "the cancel is not valid");
		goto out;
	}
	kt_principal_actor(&r->principal, actor, sizeof(actor));
	if (kt_store_route_cancel(db, r->params[0], &r->principal, reason, actor,
				  &n_messages, err))
		goto out;
	rc = answer(db, r, n_messages, err);
out:
	json_decref(body);
	return rc;
}
