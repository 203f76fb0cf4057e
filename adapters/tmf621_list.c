/* adapters/tmf621_list.c - listing the trouble tickets Keten made at a
 * TMF621 seller for `keten reconcile` (see tmf621_int.h): `GET
 * {base}/troubleTicket` with the TMF630 filter `externalIdentifier.owner=
 * <owner>` (v5; v4's externalId cannot be filtered on being set),
 * `sort=id`, `fields` our reference, `offset`/`limit` pages; a ticket
 * counts when it carries a leg id as Keten's reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "base/url.h"
#include "tmf621_int.h"

/* page (a decimal offset, NULL: 0) into *off; -1 when it is none. */
static int parse_page(const char *page, long *off)
{
	char *end;

	*off = 0;
	if (!page)
		return 0;
	if (*page < '0' || *page > '9')
		return -1;
	*off = strtol(page, &end, 10);
	return *end || *off < 0 || *off >= 1000000000L ? -1 : 0;
}

int kt_tmf_build_list(const json_t *supplier, const char *page, struct kt_http_request *out,
		      struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	int v5 = kt_tmf_version(mapping) == 5, filter = kt_tmf_poll_filter(mapping);
	struct kt_buf url;
	long off;

	if (parse_page(page, &off) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "\"%s\" is no TMF621 listing page", page);
	kt_buf_init(&url, 4096);
	if (kt_tmf_url(&url, supplier, "troubleTicket?", err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	if (filter && v5) {
		kt_buf_adds(&url, "externalIdentifier.owner=");
		kt_url_pcts(&url, kt_tmf_owner(mapping));
		kt_buf_adds(&url, "&");
	}
	if (filter)
		kt_buf_adds(&url, "sort=id&");
	kt_buf_addf(&url, "fields=id,%s&offset=%ld&limit=%ld",
		    v5 ? "externalIdentifier" : "externalId", off, kt_tmf_page_size(supplier));
	return kt_tmf_request(out, "GET", &url, NULL, NULL, err);
}

/* One ticket of the page into out when it carries a leg id as Keten's
 * reference. */
static int read_one(const json_t *mapping, const json_t *t, struct kt_inbound_list *out,
		    struct kt_err *err)
{
	const char *id = kt_tmf_text(t, "id", KT_TMF_ID_MAX), *leg = kt_tmf_leg_of(mapping, t);
	struct kt_inbound_update *u;

	if (!id)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "a ticket of the seller's listing has no id");
	if (!kt_is_uuid(leg))
		return KT_OK;
	if (!(u = kt_inbound_list_add(out)) || !(u->external_id = strdup(id)) ||
	    !(u->leg_id = strdup(leg)))
		return kt_tmf_oom(err);
	return KT_OK;
}

/* Whether a page of n tickets at offset off is followed by another: by
 * the seller's X-Total-Count when it sends one, else when it was full. */
static int more_after(const json_t *supplier, const struct kt_answer *a, long off, size_t n)
{
	const char *total = kt_answer_header(a, "x-total-count");
	char *end;
	long t;

	if (n == 0)
		return 0;
	if (total && *total >= '0' && *total <= '9') {
		t = strtol(total, &end, 10);
		if (!*end)
			return off + (long)n < t;
	}
	return (long)n >= kt_tmf_page_size(supplier);
}

int kt_tmf_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
		     struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	char next[24];
	json_t *doc, *t;
	size_t i;
	long off;
	int rc = KT_OK;

	if (parse_page(page, &off) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "\"%s\" is no TMF621 listing page", page);
	if (kt_tmf_answer(a, "the listing", 1, &doc, err))
		return KT_ERR;
	json_array_foreach(doc, i, t)
		if (rc == KT_OK)
			rc = read_one(mapping, t, out, err);
	if (rc == KT_OK && more_after(supplier, a, off, json_array_size(doc))) {
		snprintf(next, sizeof(next), "%ld", off + (long)json_array_size(doc));
		if (!(out->next_page = strdup(next)))
			rc = kt_tmf_oom(err);
	}
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}
