/* build.c - a claimed message turned into the request that goes out
 * (see dispatch/build.h): the supplier's view, the adapter's request or
 * lookup, and the secret its auth module signs or logs in with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/secret.h"
#include "dispatch/build.h"
#include "model/view.h"

int kt_build(const json_t *tickets, const struct kt_claimed_msg *m, struct kt_outbound *ob,
	     struct kt_err *err)
{
	const struct kt_claimed_supplier *s = &m->supplier;
	struct kt_adapter_msg *am = &ob->msg;
	const json_t *full = json_object_get(tickets, m->ticket_id);
	json_t *view, *supplier;
	const char *ref;

	memset(ob, 0, sizeof(*ob));
	if (!full)
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	view = kt_view_supplier_leg(full, s->id, s->key, m->leg_id);
	if (!view)
		return kt_err_set(err, KT_EC_INVALID, "unroutable", "the leg is not the supplier's");
	ob->adapter = kt_adapter_find(s->adapter);
	if (!ob->adapter) {
		json_decref(view);
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "no adapter \"%s\"",
				  s->adapter);
	}
	supplier = json_pack("{s:s, s:s*}", "key", s->key, "endpoint", s->endpoint);
	if (supplier && s->mapping)
		json_object_set(supplier, "mapping", s->mapping);
	if (!supplier) {
		json_decref(view);
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	ob->view = view;
	ob->supplier = supplier;
	am->op = m->op;
	am->message_id = m->idempotency_key;
	am->seq = m->seq;
	am->attempt = m->attempts;
	am->step = m->step;
	am->state = m->step_state;
	am->leg_view = view;
	am->supplier = supplier;
	am->payload = json_is_null(m->payload) ? NULL : m->payload;
	/* A create that may have reached the supplier is looked up first;
	 * without a lookup only the supplier's Idempotency-Key protects it. */
	ob->lookup = m->in_doubt && ob->adapter->build_lookup;
	if ((ob->lookup ? ob->adapter->build_lookup(am, &ob->req, err)
			: ob->adapter->build_request(am, &ob->req, err)) != KT_OK)
		return KT_ERR;
	/* The auth's own secret, else the entry's. */
	ref = json_string_value(json_object_get(s->auth, "secret_ref"));
	return kt_secret_resolve(ref ? ref : s->secret_ref, &ob->secrets, err);
}

void kt_outbound_release(struct kt_outbound *ob)
{
	kt_http_request_release(&ob->req);
	json_decref(ob->view);
	json_decref(ob->supplier);
	kt_secret_free(ob->secrets);
	memset(ob, 0, sizeof(*ob));
}
