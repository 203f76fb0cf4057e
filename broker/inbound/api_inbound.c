/* api_inbound.c - POST /v1/inbound/{supplier}: a supplier's signed update
 * of one of its legs. Verified first (signature, clock skew), then read by
 * the supplier's adapter, then applied exactly once. */

#include "http/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "keten/adapter.h"
#include "base/secret.h"
#include "store/row_supplier.h"
#include "store/tx_inbound.h"
#include "base/webhook_sign.h"

#define WEBHOOK_ID_MAX 255

static int verify(const struct kt_request *r, const json_t *supplier, struct kt_err *err)
{
	char *secrets = NULL;
	int rc;

	if (r->webhook_id && strlen(r->webhook_id) > WEBHOOK_ID_MAX)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_webhook_id",
				  "webhook-id is longer than %d bytes", WEBHOOK_ID_MAX);
	if (kt_secret_resolve(json_string_value(json_object_get(supplier, "secret_ref")),
			      &secrets, err)) {
		/* The operator's problem: logged in full, told to nobody else. */
		kt_log(KT_LOG_ERROR, json_pack("{s:s}", "supplier",
			json_string_value(json_object_get(supplier, "key"))),
		       "inbound delivery cannot be verified: %s", err->message);
		kt_err_release(err);
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "the delivery cannot be verified now");
	}
	rc = kt_webhook_verify(secrets, r->webhook_id, r->webhook_timestamp,
			       r->webhook_signature, r->body, r->body_len,
			       kt_clock_wall_s(), r->app->cfg->webhook_tolerance_s, err);
	kt_secret_free(secrets);
	return rc;
}

int kt_api_inbound(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct kt_inbound_update u = { 0 };
	const struct kt_adapter *adapter;
	json_t *supplier = kt_store_supplier_by_key(db, r->params[0], err);
	static const char *const results[] = {
		[KT_INBOUND_APPLIED] = "applied",
		[KT_INBOUND_DUPLICATE] = "duplicate",
		[KT_INBOUND_STALE] = "stale",
	};
	const struct kt_inbound_policy pol = {
		.ahead_s = r->app->cfg->webhook_tolerance_s,
		.hop_limit = r->app->cfg->hop_limit,
	};
	enum kt_inbound_result result;
	int rc = KT_ERR, n_messages;

	if (!supplier) {
		kt_metrics_inbound("_unknown", "rejected");
		return KT_ERR;
	}
	if (verify(r, supplier, err))
		goto out;
	adapter = kt_adapter_find(json_string_value(json_object_get(supplier, "adapter")));
	if (!adapter) {
		kt_err_set(err, KT_EC_INTERNAL, "internal", "supplier has no known adapter");
		goto out;
	}
	if (adapter->read_inbound(r->body, r->body_len, supplier, &u, err) ||
	    kt_store_inbound_apply(db, supplier, r->webhook_id, &u, &pol, &result,
				   &n_messages, err))
		goto out;
	r->wake_dispatcher = n_messages > 0;
	r->status = 200;
	r->answer = json_pack("{s:s}", "result", results[result]);
	rc = KT_OK;
out:
	kt_metrics_inbound(json_string_value(json_object_get(supplier, "key")),
			   rc == KT_OK ? results[result] : "rejected");
	kt_inbound_update_release(&u);
	json_decref(supplier);
	return rc;
}
