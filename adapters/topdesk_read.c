/* topdesk_read.c - what the `topdesk` adapter reads from TOPdesk on its
 * own initiative: the push of an automated action (an incident's state and
 * the action just added, adapters/topdesk.md "Push") and the listing pages
 * of the poll feed "incidents" (FIQL on modificationDate, keyset pages;
 * the actions of the incidents they list are read by the pages of
 * topdesk_actions.c). Both give canonical updates with delivery ids that
 * agree, so a change seen by push and by poll applies once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "topdesk_int.h"

#define FEED "incidents"

static int out_of_memory(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

static int bad_push(struct kt_err *err, const char *path, const char *msg)
{
	kt_err_detail(err, path, "%s", msg);
	return kt_err_set(err, KT_EC_INVALID, "invalid_update",
			  "body is not a TOPdesk incident push");
}

/* One push: {"id", "externalNumber", "modificationDate", "processingStatus",
 * "completed", "closed", "modifier", "action": {...}}. A change Keten's
 * integration user made gives no status; its action no comment. */
int kt_topdesk_read_inbound(const json_t *supplier, const struct kt_answer *push,
			    struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	char when[KT_TOPDESK_TIME_SIZE];
	json_t *doc = push->len > 0 ? json_loadb(push->body, push->len, JSON_REJECT_DUPLICATES,
						  NULL)
				    : NULL;
	const json_t *action = json_object_get(doc, "action");
	int rc;

	if (!json_is_object(doc))
		rc = bad_push(err, "", "must be a JSON object");
	else if (!kt_topdesk_id_of(doc, "id"))
		rc = bad_push(err, "/id", "must be the incident's id");
	else if (kt_topdesk_time(json_string_value(json_object_get(doc, "modificationDate")),
				 when) != 0)
		rc = bad_push(err, "/modificationDate", "must be a TOPdesk date");
	else if (action && !json_is_object(action) && !json_is_string(action))
		rc = bad_push(err, "/action", "must be an object");
	else if (!kt_topdesk_is_us(mapping, json_object_get(doc, "modifier")) &&
		 kt_topdesk_add_state(out, mapping, doc, when, err))
		rc = KT_ERR;
	else
		rc = json_is_object(action)
			     ? kt_topdesk_add_action(out, mapping, doc, when, action, 0, err)
			     : KT_OK;
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}

/* The fields a poll page asks for. A page that goes past incidents that
 * all changed at one instant asks for creationDate too: its answer says
 * so, since read_poll sees the answer, not the request. */
#define FIELDS "id,number,externalNumber,modificationDate,processingStatus,completed,closed"
#define FIELDS_ALL FIELDS ",creationDate"
#define MARK_FIELD "creationDate"

/* A page token: "<modificationDate>|ge" (the next page starts at that
 * time, inclusive) or "<modificationDate>|all" (every incident from that
 * time on, in the largest page TOPdesk gives). */
static int parse_page(const char *page, char *when, int *all)
{
	const char *bar = strchr(page, '|');
	char date[KT_TOPDESK_TIME_SIZE];

	if (!bar || (size_t)(bar - page) >= sizeof(date) ||
	    (strcmp(bar, "|ge") != 0 && strcmp(bar, "|all") != 0))
		return -1;
	memcpy(date, page, (size_t)(bar - page));
	date[bar - page] = '\0';
	*all = strcmp(bar, "|all") == 0;
	return kt_topdesk_time(date, when);
}

/* GET /incidents?query=modificationDate=gt=<since>&sort=modificationDate:asc
 * &all=true&pageSize=N&fields=...; a later page asks =ge= its token's time. */
int kt_topdesk_build_poll(const json_t *supplier, const char *feed, const char *since,
			  const char *page, struct kt_http_request *out, struct kt_err *err)
{
	char when[KT_TOPDESK_TIME_SIZE], fiql[80];
	long size = kt_topdesk_page_size(supplier);
	struct kt_buf url;
	int all = 0;

	if (!feed || strcmp(feed, FEED) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "topdesk has no poll feed \"%s\"", feed ? feed : "");
	if (kt_topdesk_is_actions_page(page))
		return kt_topdesk_build_actions(supplier, page, out, err);
	if (page ? parse_page(page, when, &all) != 0 : kt_topdesk_time(since, when) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "not a poll position topdesk can read: \"%s\"",
				  page ? page : since ? since : "");
	snprintf(fiql, sizeof(fiql), "modificationDate=%s=%s", page ? "ge" : "gt", when);
	kt_buf_init(&url, 4096);
	if (kt_topdesk_url(&url, supplier, "incidents?query=", err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	kt_url_pcts(&url, fiql);
	kt_buf_addf(&url, "&sort=modificationDate:asc&all=true&pageSize=%ld&fields=",
		    all ? (long)KT_TOPDESK_PAGE_MAX : size);
	kt_url_pcts(&url, all ? FIELDS_ALL : FIELDS);
	return kt_topdesk_request(out, "GET", &url, NULL, err);
}

/* The next page's token after a page of n incidents from first to last
 * (normalized dates), all a page of every incident from first on: none
 * when the page was not full; else the last time again, or, when every
 * incident on a full page changed at one instant, all of that instant. */
static int next_page(struct kt_inbound_list *out, size_t n, long size, int all,
		     const char *first, const char *last, struct kt_err *err)
{
	char token[KT_TOPDESK_TIME_SIZE + 8];
	int one_instant = strcmp(first, last) == 0;

	if (n < (size_t)(all ? KT_TOPDESK_PAGE_MAX : size))
		return KT_OK;
	if (all && one_instant)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "%d or more TOPdesk incidents changed at %s", KT_TOPDESK_PAGE_MAX,
				  last);
	snprintf(token, sizeof(token), "%s|%s", last, one_instant ? "all" : "ge");
	return (out->next_page = strdup(token)) ? KT_OK : out_of_memory(err);
}

/* A page of incidents: each one made for a leg (its externalNumber a
 * uuid) gives its status, and its actions are read next (w). */
static int read_page(const json_t *supplier, const json_t *doc, struct kt_topdesk_walk *w,
		     struct kt_inbound_list *out, struct kt_err *err)
{
	char first[KT_TOPDESK_TIME_SIZE] = "", when[KT_TOPDESK_TIME_SIZE] = "";
	int all = json_object_get(json_array_get(doc, 0), MARK_FIELD) != NULL;
	size_t i;
	json_t *inc;

	json_array_foreach(doc, i, inc) {
		if (!kt_topdesk_id_of(inc, "id") ||
		    kt_topdesk_time(json_string_value(json_object_get(inc, "modificationDate")),
				    when) != 0)
			return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
					  "incident %zu of the page has no id or modificationDate", i);
		if (i == 0)
			memcpy(first, when, sizeof(first));
		if (kt_is_uuid(json_string_value(json_object_get(inc, "externalNumber"))) &&
		    kt_topdesk_add_state(out, json_object_get(supplier, "mapping"), inc, when, err))
			return KT_ERR;
		if (kt_topdesk_walk_add(w, inc))
			return out_of_memory(err);
	}
	if (*when && !(out->high_water = strdup(when)))
		return out_of_memory(err);
	if (next_page(out, json_array_size(doc), kt_topdesk_page_size(supplier), all, first,
		      when, err))
		return KT_ERR;
	return kt_topdesk_walk_token(w, out, err);
}

int kt_topdesk_read_poll(const json_t *supplier, const char *feed, const char *page,
			 const struct kt_answer *a, struct kt_inbound_list *out,
			 struct kt_err *err)
{
	struct kt_topdesk_walk w;
	json_t *doc;
	int rc;

	(void)feed;
	if (kt_topdesk_is_actions_page(page))
		return kt_topdesk_read_actions(supplier, page, a, out, err);
	if (kt_topdesk_list(a, "the poll", &doc, err))
		return KT_ERR;
	kt_topdesk_walk_init(&w);
	rc = read_page(supplier, doc, &w, out, err);
	kt_topdesk_walk_release(&w);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}
