/* hub_call.c - one call to a supplier's hub (see dispatch/hub_call.h):
 * the adapter's request, sent through the caller, its answer read into a
 * kt_hub_result for the one who asked. */
#include <stdio.h>
#include <stdlib.h>

#include "base/utf8.h"
#include "dispatch/classify.h"
#include "dispatch/hub_call.h"

struct kt_hub_call {
	const struct kt_adapter *ad;
	json_t *supplier;               /* a reference of our own */
	int subscribe;
	struct kt_http_request req;     /* owned */
	struct kt_call *call;           /* while the caller has it */
	kt_hub_done_fn *done;
	void *done_arg;
};

static void hub_call_free(struct kt_hub_call *h)
{
	json_decref(h->supplier);
	kt_http_request_release(&h->req);
	free(h);
}

/* r's error: code and message, and the supplier's words when it said any. */
static void set_error(struct kt_hub_result *r, const char *code, const char *message)
{
	snprintf(r->error, sizeof(r->error), r->says[0] ? "%.47s: %.200s (%.140s)" : "%.47s: %.200s%s",
		 code, message, r->says);
	kt_utf8_trim(r->error);
}

static void on_answer(void *arg, struct kt_transport_answer *a)
{
	struct kt_hub_call *h = arg;
	const struct kt_answer ans = {
		.http_status = a->facts.http_status, .body = a->body, .len = a->body_len,
		.headers = a->headers, .n_headers = a->n_headers,
	};
	struct kt_hub_result r = {
		.http_status = a->facts.end == KT_TX_DONE ? a->facts.http_status : 0,
		.retry_after = a->retry_after, .method = h->req.method, .url = h->req.url,
	};
	struct kt_outcome o;
	struct kt_err err = { 0 };

	h->call = NULL;
	kt_classify_call(&a->facts, &o);
	if (o.kind != KT_OUT_DELIVERED) {
		if (r.http_status >= 400 && h->ad->read_error &&
		    !h->ad->read_error(&ans, r.says, sizeof(r.says)))
			r.says[0] = '\0';
		set_error(&r, o.code, o.message);
	} else if (!h->subscribe) {
		r.ok = 1;
	} else if (h->ad->read_subscribe(h->supplier, &ans, &r.hub_id, &err) == KT_OK) {
		r.ok = 1;
	} else {
		set_error(&r, err.code, err.message);
	}
	kt_err_release(&err);
	h->done(h->done_arg, &r);
	free(r.hub_id);
	hub_call_free(h);
}

struct kt_hub_call *kt_hub_call_start(struct kt_caller *c, const struct kt_call_supplier *who,
				      const json_t *supplier, int subscribe, const char *arg,
				      kt_hub_done_fn *done, void *done_arg, struct kt_err *err)
{
	const char *name = json_string_value(json_object_get(supplier, "adapter"));
	const struct kt_adapter *ad = kt_adapter_find(name);
	struct kt_hub_call *h;
	struct kt_call_spec spec = { 0 };

	if (!ad || !ad->build_subscribe || !ad->read_subscribe || !ad->build_unsubscribe) {
		kt_err_set(err, KT_EC_CONFIG, "no_subscriptions", "adapter %s takes no subscriptions",
			   name ? name : "(none)");
		return NULL;
	}
	if (!(h = calloc(1, sizeof(*h)))) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	h->ad = ad;
	h->supplier = json_incref((json_t *)supplier);
	h->subscribe = subscribe;
	h->done = done;
	h->done_arg = done_arg;
	spec.req = &h->req;
	if ((subscribe ? ad->build_subscribe(supplier, arg, &h->req, err)
		       : ad->build_unsubscribe(supplier, arg, &h->req, err)) != KT_OK ||
	    kt_call_start(c, who, &spec, on_answer, h, &h->call, err) != KT_OK) {
		hub_call_free(h);
		return NULL;
	}
	return h;
}

void kt_hub_call_abandon(struct kt_hub_call *h)
{
	if (!h)
		return;
	kt_call_abandon(h->call);
	hub_call_free(h);
}
