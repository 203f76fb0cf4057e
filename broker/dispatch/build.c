/* build.c - a claimed message turned into the request that goes out
 * (see dispatch/build.h): the supplier's view, the adapter's request or
 * lookup, the secret, and the signed header lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/secret.h"
#include "base/webhook_sign.h"
#include "dispatch/build.h"
#include "model/view.h"

int kt_build(const json_t *tickets, const struct kt_claimed_msg *m, struct kt_outbound *ob,
	     struct kt_err *err)
{
	const struct kt_claimed_supplier *s = &m->supplier;
	struct kt_adapter_msg *am = &ob->msg;
	const json_t *full = json_object_get(tickets, m->ticket_id);
	json_t *view, *supplier;

	memset(ob, 0, sizeof(*ob));
	if (!tickets)
		return kt_err_set(err, KT_EC_INTERNAL, "tickets_unread",
				  "the claimed tickets could not be read");
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
	am->leg_view = view;
	am->supplier = supplier;
	am->payload = json_is_null(m->payload) ? NULL : m->payload;
	/* A create that may have reached the supplier is looked up first;
	 * without a lookup only the supplier's Idempotency-Key protects it. */
	ob->lookup = m->in_doubt && ob->adapter->build_lookup;
	if ((ob->lookup ? ob->adapter->build_lookup(am, &ob->req, err)
			: ob->adapter->build_request(am, &ob->req, err)) != KT_OK)
		return KT_ERR;
	return kt_secret_resolve(s->secret_ref, &ob->secrets, err);
}

/* Appends the line "name: value" to ob's headers. */
static int add_header(struct kt_outbound *ob, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 3;
	char *line;

	if (ob->n_headers == KT_OUTBOUND_MAX_HEADERS || !(line = malloc(len)))
		return -1;
	snprintf(line, len, "%s: %s", name, value);
	ob->headers[ob->n_headers++] = line;
	return 0;
}

int kt_build_sign(struct kt_outbound *ob, const struct kt_claimed_msg *m, long long now_s,
		  struct kt_err *err)
{
	char id[300], ts[24];
	char *sig = NULL;
	int failed = 0;

	for (size_t i = 0; i < ob->req.n_headers && !failed; i++)
		failed = add_header(ob, ob->req.headers[i].name, ob->req.headers[i].value);
	if (failed || (!ob->lookup && add_header(ob, "Idempotency-Key", m->idempotency_key)) ||
	    add_header(ob, "Expect", ""))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "could not add a header");
	if (ob->lookup)
		snprintf(id, sizeof(id), "%s.lookup.%d", m->idempotency_key, m->attempts);
	else
		snprintf(id, sizeof(id), "%s", m->idempotency_key);
	if (kt_webhook_sign(ob->secrets, id, now_s, ob->req.body, ob->req.body_len, &sig, err))
		return KT_ERR;
	snprintf(ts, sizeof(ts), "%lld", now_s);
	failed = add_header(ob, "webhook-id", id) || add_header(ob, "webhook-timestamp", ts) ||
		 add_header(ob, "webhook-signature", sig);
	free(sig);
	if (failed)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory",
				  "could not add the signature headers");
	return KT_OK;
}

void kt_outbound_release(struct kt_outbound *ob)
{
	kt_http_request_release(&ob->req);
	json_decref(ob->view);
	json_decref(ob->supplier);
	kt_secret_free(ob->secrets);
	for (size_t i = 0; i < ob->n_headers; i++)
		free(ob->headers[i]);
	memset(ob, 0, sizeof(*ob));
}
