/* adapter.c - the registry of supplier adapters and the lifecycle of the
 * values they exchange with the broker (see keten/adapter.h). A new adapter
 * is one file in adapters/ and one line in the table below. */
#include <stdlib.h>
#include <string.h>

#include "keten/adapter.h"
#include "webhook.h"

static const struct kt_adapter *const adapters[] = {
	&kt_adapter_webhook,
};

const struct kt_adapter *kt_adapter_find(const char *name)
{
	size_t n = sizeof(adapters) / sizeof(adapters[0]);

	for (size_t i = 0; name && i < n; i++)
		if (strcmp(adapters[i]->name, name) == 0)
			return adapters[i];
	return NULL;
}

void kt_http_request_release(struct kt_http_request *req)
{
	if (!req)
		return;
	for (size_t i = 0; i < req->n_headers; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->url);
	free(req->body);
	memset(req, 0, sizeof(*req));
}

int kt_http_request_add_header(struct kt_http_request *req, const char *name,
			       const char *value)
{
	struct kt_header *h;

	if (req->n_headers >= KT_ADAPTER_MAX_HEADERS)
		return -1;
	h = &req->headers[req->n_headers];
	h->name = strdup(name);
	h->value = strdup(value);
	if (!h->name || !h->value) {
		free(h->name);
		free(h->value);
		h->name = h->value = NULL;
		return -1;
	}
	req->n_headers++;
	return 0;
}

void kt_adapter_reply_release(struct kt_adapter_reply *reply)
{
	if (!reply)
		return;
	free(reply->external_id);
	memset(reply, 0, sizeof(*reply));
}

void kt_inbound_update_release(struct kt_inbound_update *upd)
{
	if (!upd)
		return;
	free(upd->leg_id);
	free(upd->external_id);
	free(upd->comment);
	free(upd->comment_origin);
	free(upd->occurred_at);
	free(upd->reject_reason);
	free(upd->reject_component);
	memset(upd, 0, sizeof(*upd));
}
