/* api_inbound.c - POST /v1/inbound/{supplier} (and its listener path
 * /v1/inbound/{supplier}/listener/{event}, where a TMF hub posts): a
 * supplier's signed update of its legs. Verified first by the scheme its
 * adapter names (inbound/push_verify.h), then read by the adapter into
 * updates, each applied exactly once under its delivery id; answered
 * with the status the adapter says its sender expects. */

#include <string.h>

#include "http/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "keten/adapter.h"
#include "base/secret.h"
#include "store/row_supplier.h"
#include "store/tx_inbound.h"
#include "inbound/push_verify.h"

/* The push's answer-shaped view: its headers and body. */
static struct kt_answer push_of(const struct kt_request *r)
{
	return (struct kt_answer){ .body = r->body, .len = r->body_len,
				   .headers = r->headers, .n_headers = r->n_headers };
}

/* Answers a push that is not authenticated, whatever the reason (no such
 * supplier, a bad or stale signature, a secret that cannot be read, an
 * adapter that takes no push), with one and the same 401, so that nobody
 * learns from it which supplier keys exist or how they are set up; the
 * reason goes to the log for the operator. Returns KT_ERR. */
static int refuse(const char *supplier_key, struct kt_err *err)
{
	kt_log(KT_LOG_WARN, json_pack("{s:s%, s:s}", "supplier", supplier_key,
				      strnlen(supplier_key, 100), "error", err->code),
	       "inbound delivery refused: %s", err->message);
	kt_err_release(err);
	return kt_err_set(err, KT_EC_UNAUTHENTICATED, "unauthenticated_delivery",
			  "the delivery is not authenticated as a supplier's");
}

/* Checks the push by the scheme of the supplier's adapter, with its
 * inbound secret ("inbound": {"secret_ref", "username"} of its chain
 * entry, else its secret_ref). */
static int verify(const struct kt_request *r, const struct kt_adapter *adapter,
		  const json_t *supplier, struct kt_err *err)
{
	const json_t *in = json_object_get(supplier, "inbound");
	const char *ref = json_string_value(json_object_get(in, "secret_ref"));
	struct kt_answer push = push_of(r);
	struct kt_push_check c = {
		.username = json_string_value(json_object_get(in, "username")),
		.now_s = kt_clock_wall_s(),
		.tolerance_s = r->app->cfg->webhook_tolerance_s,
	};
	char *secrets = NULL;
	int rc;

	if (!ref)
		ref = json_string_value(json_object_get(supplier, "secret_ref"));
	if (adapter->push.scheme != KT_PUSH_NONE && kt_secret_resolve(ref, &secrets, err))
		return KT_ERR; /* the operator's problem: logged by refuse() */
	c.secrets = secrets;
	rc = kt_push_verify(&adapter->push, &c, &push, err);
	kt_secret_free(secrets);
	return rc;
}

static const char *const results[] = {
	[KT_INBOUND_APPLIED] = "applied",
	[KT_INBOUND_DUPLICATE] = "duplicate",
	[KT_INBOUND_STALE] = "stale",
};

/* Applies each update of list once, under its own delivery id or the
 * push's (header_id). The answer names the result of a single update,
 * "applied" when any of several applied, or "ignored" when the adapter
 * found nothing in the push that is news for us (an echo of Keten's own
 * write, a record of no leg of ours). */
static int apply_all(struct kt_db *db, struct kt_request *r, const json_t *supplier,
		     const char *header_id, const struct kt_inbound_list *list,
		     const char **result, struct kt_err *err)
{
	const struct kt_inbound_policy pol = {
		.ahead_s = r->app->cfg->webhook_tolerance_s,
		.hop_limit = r->app->cfg->hop_limit,
	};
	int any_applied = 0, queued = 0;

	*result = "ignored";
	for (size_t i = 0; i < list->n; i++) {
		const struct kt_inbound_update *u = &list->items[i];
		const char *id = u->delivery_id ? u->delivery_id : header_id;
		enum kt_inbound_result res;
		int n_messages;

		if (!id)
			return kt_err_set(err, KT_EC_MALFORMED, "invalid_delivery_id",
					  "the push names no delivery id");
		if (kt_store_inbound_apply(db, supplier, id, u, &pol, &res, &n_messages, err))
			return KT_ERR;
		queued += n_messages;
		any_applied |= res == KT_INBOUND_APPLIED;
		*result = results[res];
	}
	if (list->n > 1 && any_applied)
		*result = results[KT_INBOUND_APPLIED];
	r->wake_dispatcher = queued > 0;
	return KT_OK;
}

int kt_api_inbound(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct kt_inbound_list list = { 0 };
	struct kt_answer push = push_of(r);
	const struct kt_adapter *adapter;
	json_t *supplier = kt_store_supplier_by_key(db, r->params[0], err);
	const char *result = "rejected";
	int rc = KT_ERR;

	if (!supplier) {
		kt_metrics_inbound("_unknown", "rejected");
		return err->cls == KT_EC_NOT_FOUND ? refuse(r->params[0], err) : KT_ERR;
	}
	adapter = kt_adapter_find(json_string_value(json_object_get(supplier, "adapter")));
	if (!adapter) {
		kt_err_set(err, KT_EC_INTERNAL, "internal", "supplier has no known adapter");
		goto out;
	}
	if (verify(r, adapter, supplier, err)) {
		/* a malformed delivery id is only told to the supplier itself */
		if (err->cls != KT_EC_MALFORMED)
			refuse(r->params[0], err);
		goto out;
	}
	if (adapter->read_inbound(supplier, &push, &list, err) ||
	    apply_all(db, r, supplier,
		      adapter->push.delivery_header
			      ? kt_answer_header(&push, adapter->push.delivery_header) : NULL,
		      &list, &result, err))
		goto out;
	/* the status the sender expects (TMF621: 201 or 204 without a body) */
	r->status = list.answer_status ? list.answer_status : 200;
	r->answer = r->status == 204 ? NULL : json_pack("{s:s}", "result", result);
	rc = KT_OK;
out:
	kt_metrics_inbound(json_string_value(json_object_get(supplier, "key")),
			   rc == KT_OK ? result : "rejected");
	kt_inbound_list_release(&list);
	json_decref(supplier);
	return rc;
}
