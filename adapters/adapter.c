/* adapter.c - the registry of supplier adapters and the lifecycle of the
 * values they exchange with the broker (see keten/adapter.h). A new adapter
 * is one file in adapters/ and one line in the table below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keten/adapter.h"
#include "servicenow.h"
#include "topdesk.h"
#include "jira.h"
#include "rt.h"
#include "tmf621.h"
#include "webhook.h"

static const struct kt_adapter *const adapters[] = {
	&kt_adapter_webhook,
	&kt_adapter_servicenow,
	&kt_adapter_topdesk,
	&kt_adapter_rt,
	&kt_adapter_jira,
	&kt_adapter_tmf621,
};

const struct kt_adapter *kt_adapter_find(const char *name)
{
	size_t n = sizeof(adapters) / sizeof(adapters[0]);

	for (size_t i = 0; name && i < n; i++)
		if (strcmp(adapters[i]->name, name) == 0)
			return adapters[i];
	return NULL;
}

const struct kt_adapter *kt_adapter_at(size_t i)
{
	return i < sizeof(adapters) / sizeof(adapters[0]) ? adapters[i] : NULL;
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

int kt_http_request_set(struct kt_http_request *req, const char *method, const char *url,
			char *body, const char *content_type, struct kt_err *err)
{
	snprintf(req->method, sizeof(req->method), "%s", method);
	req->body = body;
	req->body_len = body ? strlen(body) : 0;
	req->url = strdup(url);
	if (!req->url || (body && content_type &&
			  kt_http_request_add_header(req, "content-type", content_type) != 0)) {
		kt_http_request_release(req);
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
	}
	return KT_OK;
}

const char *kt_answer_header(const struct kt_answer *a, const char *name)
{
	for (size_t i = 0; a && i < a->n_headers; i++)
		if (a->headers[i].name && strcasecmp(a->headers[i].name, name) == 0)
			return a->headers[i].value;
	return NULL;
}

void kt_adapter_reply_release(struct kt_adapter_reply *reply)
{
	if (!reply)
		return;
	free(reply->external_id);
	json_decref(reply->state);
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
	free(upd->delivery_id);
	memset(upd, 0, sizeof(*upd));
}

struct kt_inbound_update *kt_inbound_list_add(struct kt_inbound_list *list)
{
	struct kt_inbound_update *items = realloc(list->items, (list->n + 1) * sizeof(*items));

	if (!items)
		return NULL;
	list->items = items;
	memset(&items[list->n], 0, sizeof(*items));
	return &items[list->n++];
}

void kt_inbound_list_release(struct kt_inbound_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		kt_inbound_update_release(&list->items[i]);
	free(list->items);
	free(list->next_page);
	free(list->high_water);
	memset(list, 0, sizeof(*list));
}
