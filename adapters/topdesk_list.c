/* adapters/topdesk_list.c - listing the incidents Keten made at a TOPdesk
 * (see topdesk_list.h): GET /incidents?query=externalNumber!=null&all=true
 * (archived lines too) sorted by creationDate, KT_TOPDESK_LIST_PAGE a page
 * by pageStart; an incident whose externalNumber is no uuid is another
 * integration's and is left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "topdesk_int.h"
#include "topdesk_list.h"

/* page (a decimal pageStart, NULL: 0) into *start. */
static int parse_page(const char *page, long *start, struct kt_err *err)
{
	char tail;

	*start = 0;
	if (page && (sscanf(page, "%ld%c", start, &tail) != 1 || *start < 0))
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "\"%s\" is no TOPdesk listing page", page);
	return KT_OK;
}

int kt_topdesk_build_list(const json_t *supplier, const char *page,
			  struct kt_http_request *out, struct kt_err *err)
{
	struct kt_buf url;
	long start;

	if (parse_page(page, &start, err))
		return KT_ERR;
	kt_buf_init(&url, 4096);
	if (kt_topdesk_url(&url, supplier, "incidents?query=", err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	kt_url_pcts(&url, "externalNumber!=null");
	kt_buf_addf(&url, "&all=true&sort=creationDate:asc&pageStart=%ld&pageSize=%d&fields=",
		    start, KT_TOPDESK_LIST_PAGE);
	kt_url_pcts(&url, "id,externalNumber");
	return kt_topdesk_request(out, "GET", &url, NULL, err);
}

/* One incident {"id", "externalNumber"} into an item of out when its
 * externalNumber is a leg id. */
static int read_one(const json_t *inc, size_t i, struct kt_inbound_list *out,
		    struct kt_err *err)
{
	const char *id = kt_topdesk_id_of(inc, "id");
	const char *leg = json_string_value(json_object_get(inc, "externalNumber"));
	struct kt_inbound_update *u;

	if (!id)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "incident %zu of the listing has no id", i);
	if (!kt_is_uuid(leg))
		return KT_OK;
	if (!(u = kt_inbound_list_add(out)) || !(u->external_id = strdup(id)) ||
	    !(u->leg_id = strdup(leg)))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return KT_OK;
}

int kt_topdesk_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
			 struct kt_inbound_list *out, struct kt_err *err)
{
	char next[32];
	json_t *doc, *inc;
	long start;
	size_t i;
	int rc = KT_OK;

	(void)supplier;
	if (parse_page(page, &start, err) || kt_topdesk_list(a, "the listing", &doc, err))
		return KT_ERR;
	json_array_foreach(doc, i, inc)
		if (rc == KT_OK)
			rc = read_one(inc, i, out, err);
	if (rc == KT_OK && json_array_size(doc) > 0 &&
	    (a->http_status == 206 || json_array_size(doc) >= KT_TOPDESK_LIST_PAGE)) {
		snprintf(next, sizeof(next), "%ld", start + (long)json_array_size(doc));
		if (!(out->next_page = strdup(next)))
			rc = kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	}
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}
