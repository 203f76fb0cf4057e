/* api_queues.c - the integrator console's read-outs: GET /v1/queues (the
 * size of each work queue) and GET /v1/supplier-health (each supplier's
 * backlog, dead letters, recent calls and 429s, and its circuit in the
 * node that answers). The route table admits integrator keys only. */
#include "base/metrics.h"
#include "http/api.h"
#include "store/tx_health.h"
#include "store/tx_queue.h"

int kt_api_queue_counts(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	json_t *counts = kt_store_queue_counts(db, err);

	if (!counts)
		return KT_ERR;
	r->answer = json_pack("{s:o}", "queues", counts);
	r->status = 200;
	return KT_OK;
}

/* The circuit of supplier key in this process, as dispatch/gate.c
 * publishes it (a supplier never called has a closed one); null on a node
 * that does not deliver, which has none. */
static json_t *circuit_of(const struct kt_request *r, const char *key)
{
	static const char *const names[] = { "closed", "half_open", "open" };
	long long v;

	if (!r->app->cfg->dispatch)
		return json_null();
	v = kt_metrics_get(kt_metrics_global(), KT_METRIC_CIRCUIT_STATE, key, NULL, NULL);
	return json_string(v >= 0 && v <= 2 ? names[v] : "closed");
}

int kt_api_supplier_health(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	json_t *items = kt_store_supplier_health(db, err), *s;
	size_t i;

	if (!items)
		return KT_ERR;
	json_array_foreach(items, i, s)
		json_object_set_new(s, "circuit",
				    circuit_of(r, json_string_value(json_object_get(s, "key"))));
	r->answer = json_pack("{s:o, s:{s:s, s:b}}", "items", items, "node",
			      "name", r->app->node_name, "delivers", r->app->cfg->dispatch);
	r->status = 200;
	return KT_OK;
}
