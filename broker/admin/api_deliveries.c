/* api_deliveries.c - the integrator's dead-letter API: GET /v1/deliveries
 * (and one ticket's, GET /v1/tickets/{id}/deliveries),
 * POST /v1/deliveries/{id}/replay and /discard, POST
 * /v1/suppliers/{key}/replay-dead and POST /v1/legs/{id}/link. The route
 * table admits integrator keys only. */
#include "http/api.h"
#include "base/json_field.h"
#include "model/chain_doc.h"
#include "store/tx_delivery.h"

#define EXTERNAL_ID_MAX 255

static const char *const list_states[] = {
	"pending", "dead", "blocked", "done", "discarded",
};

/* GET /v1/deliveries, or GET /v1/tickets/{id}/deliveries when ticket_id
 * is set: the checks of the query, then the page. */
static int list(struct kt_db *db, struct kt_request *r, const char *ticket_id,
		struct kt_err *err)
{
	int limit;
	size_t i;

	if (kt_api_list_limit(r, &limit, err))
		return KT_ERR;
	if (r->query_state) {
		for (i = 0; i < sizeof(list_states) / sizeof(list_states[0]); i++)
			if (strcmp(r->query_state, list_states[i]) == 0)
				break;
		if (i == sizeof(list_states) / sizeof(list_states[0]))
			return kt_err_set(err, KT_EC_MALFORMED, "invalid_state",
					  "state must be pending, dead, blocked, done or discarded");
	}
	if (r->query_supplier &&
	    !kt_chain_key_valid(r->query_supplier, strlen(r->query_supplier)))
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_supplier",
				  "supplier must be a supplier key");
	r->answer = kt_store_delivery_list(db, r->query_state, r->query_supplier, ticket_id, limit,
					   r->query_cursor, err);
	if (!r->answer)
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_delivery_list(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	return list(db, r, NULL, err);
}

int kt_api_ticket_deliveries(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	if (!kt_is_uuid(r->params[0]))
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	return list(db, r, r->params[0], err);
}

static int delivery_action(struct kt_db *db, struct kt_request *r, int discard,
			   struct kt_err *err)
{
	char actor[80];
	int rc;

	kt_principal_actor(&r->principal, actor, sizeof(actor));
	rc = discard ? kt_store_delivery_discard(db, r->params[0], actor, &r->answer, err)
		     : kt_store_delivery_replay(db, r->params[0], actor, &r->answer, err);
	if (rc)
		return KT_ERR;
	r->status = 200;
	/* A replayed message is due now; a discarded one lets its leg's later
	 * messages go. Either way the dispatcher has work. */
	r->wake_dispatcher = 1;
	return KT_OK;
}

int kt_api_delivery_replay(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	return delivery_action(db, r, 0, err);
}

int kt_api_delivery_discard(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	return delivery_action(db, r, 1, err);
}

int kt_api_supplier_replay_dead(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	char actor[80];
	int n;

	kt_principal_actor(&r->principal, actor, sizeof(actor));
	if (kt_store_delivery_replay_supplier(db, r->params[0], actor, &n, err))
		return KT_ERR;
	r->answer = json_pack("{s:i}", "replayed", n);
	r->status = 200;
	r->wake_dispatcher = n > 0;
	return KT_OK;
}

int kt_api_leg_link(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	json_t *body = kt_api_body_json(r, err), *ext;
	const char *id;
	char actor[80];
	int rc = KT_ERR;

	if (!body)
		return KT_ERR;
	ext = json_object_get(body, "external_id");
	id = json_string_value(ext);
	if (!kt_json_is_text(ext, 1, EXTERNAL_ID_MAX) || strlen(id) != json_string_length(ext)) {
		kt_err_set(err, KT_EC_INVALID, "invalid_link", "the link is not valid");
		kt_err_detail(err, "/external_id", "must be a string of 1 to %d bytes",
			      EXTERNAL_ID_MAX);
		goto out;
	}
	if (json_object_size(body) != 1) {
		kt_err_set(err, KT_EC_INVALID, "invalid_link", "the link is not valid");
		kt_err_detail(err, "", "only external_id is allowed");
		goto out;
	}
	if (!kt_is_uuid(r->params[0])) {
		kt_err_set(err, KT_EC_NOT_FOUND, "unknown_leg", "no such leg");
		goto out;
	}
	kt_principal_actor(&r->principal, actor, sizeof(actor));
	if (kt_store_delivery_link(db, r->params[0], id, actor, &r->answer, err))
		goto out;
	r->status = 200;
	rc = KT_OK;
out:
	json_decref(body);
	return rc;
}
