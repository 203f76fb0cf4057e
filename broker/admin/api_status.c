/* api_status.c - GET /v1/services/{id}/status: a service's health
 * (model/health.c) from its open incidents, and those incidents as the service's
 * customer sees them (model/view.c), for that customer and the integrator;
 * GET /v1/status: every service the caller may see with its health and
 * how many incidents are open. */
#include "http/api.h"
#include "model/health.h"
#include "store/tx_admin.h"
#include "store/rule_service.h"
#include "store/rule_ticket.h"
#include "model/view.h"

/* The incidents listed: the most urgent first. The health is right even
 * when more are open: it only depends on the most urgent one. */
#define STATUS_INCIDENTS 100

/* "{incident/new,...}": every type/status that health counts. */
static void counted_kinds(char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "{");

	for (int t = 0; t < KT_TYPE__COUNT; t++)
		for (int s = 0; s < KT_ST__COUNT; s++)
			if (kt_health_counts((enum kt_ticket_type)t, (enum kt_status)s) &&
			    n < size)
				n += (size_t)snprintf(out + n, size - n, "%s%s/%s",
						      n > 1 ? "," : "",
						      kt_ticket_type_name((enum kt_ticket_type)t),
						      kt_status_name((enum kt_status)s));
	if (n < size)
		snprintf(out + n, size - n, "}");
}

/* What health reads of a full ticket record; KT_ERR when a field is not
 * one it knows. */
static int health_ticket(const json_t *full, struct kt_health_ticket *out)
{
	if (kt_ticket_type_parse(json_string_value(json_object_get(full, "type")),
				 &out->type) ||
	    kt_status_parse(json_string_value(json_object_get(full, "status")),
			    &out->status))
		return KT_ERR;
	out->priority = (int)json_integer_value(json_object_get(full, "priority"));
	return KT_OK;
}

int kt_api_service_status(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct kt_principal customer = { .role = KT_ROLE_CUSTOMER };
	struct kt_health_ticket tickets[STATUS_INCIDENTS];
	struct kt_store_entity svc;
	json_t *fulls, *incidents, *full, *view;
	char kinds[KT_TYPE__COUNT * KT_ST__COUNT * 40];
	size_t i, n = 0;

	if (kt_store_admin_find(db, KT_CHAIN_SERVICE, r->params[0], &svc, err))
		return KT_ERR;
	if (r->principal.role == KT_ROLE_CUSTOMER &&
	    strcmp(svc.customer_id, r->principal.customer_id) != 0)
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such service");
	counted_kinds(kinds, sizeof(kinds));
	if (!(fulls = kt_store_ticket_of_service(db, svc.id, kinds, STATUS_INCIDENTS, err)))
		return KT_ERR;
	/* Everyone who may ask sees the incidents as the customer does. */
	snprintf(customer.customer_id, sizeof(customer.customer_id), "%s", svc.customer_id);
	incidents = json_array();
	json_array_foreach(fulls, i, full) {
		if (n < STATUS_INCIDENTS && health_ticket(full, &tickets[n]) == KT_OK)
			n++;
		if ((view = kt_view_ticket(full, &customer, 0)))
			json_array_append_new(incidents, view);
	}
	json_decref(fulls);
	r->answer = json_pack("{s:{s:s, s:s}, s:s, s:o}",
			      "service", "id", svc.id, "name", svc.name,
			      "status", kt_health_name(kt_health_of(tickets, n)),
			      "incidents", incidents);
	if (!r->answer)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	r->status = 200;
	return KT_OK;
}

/* One item of GET /v1/status from a row of kt_store_service_health. */
static json_t *status_item(const json_t *row)
{
	const json_t *top = json_object_get(row, "top");
	struct kt_health_ticket t = { 0 };
	size_t n = json_is_object(top) && health_ticket(top, &t) == KT_OK;

	return json_pack("{s:{s:O, s:O, s:O}, s:s, s:O}",
			 "service", "id", json_object_get(row, "id"),
			 "key", json_object_get(row, "key"), "name", json_object_get(row, "name"),
			 "status", kt_health_name(kt_health_of(&t, n)),
			 "open_incidents", json_object_get(row, "counted"));
}

int kt_api_status_list(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	char kinds[KT_TYPE__COUNT * KT_ST__COUNT * 40];
	json_t *page, *items, *row, *v;
	size_t i;
	int limit;

	if (kt_api_list_limit(r, &limit, err))
		return KT_ERR;
	if (r->query_cursor && strlen(r->query_cursor) > 63)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_cursor", "cursor is not valid");
	counted_kinds(kinds, sizeof(kinds));
	if (!(page = kt_store_service_health(db, &r->principal, kinds, limit, r->query_cursor,
					     err)))
		return KT_ERR;
	items = json_array();
	json_array_foreach(json_object_get(page, "items"), i, row)
		if (!(v = status_item(row)) || json_array_append_new(items, v))
			break;
	if (i < json_array_size(json_object_get(page, "items"))) {
		json_decref(items);
		json_decref(page);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	json_object_set_new(page, "items", items);
	r->answer = page;
	r->status = 200;
	return KT_OK;
}
