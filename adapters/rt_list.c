/* adapters/rt_list.c - listing the tickets Keten made at an RT (see
 * rt_list.h): GET /tickets?query=Creator = '<integration_user>'[ AND id >
 * <last>]&orderby=id&order=ASC&per_page=100&fields=CustomFields, a keyset
 * by ticket id (a ticket made while the pages are read lands on a later
 * page); the leg id is the reference_field's value of each. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_int.h"
#include "rt_list.h"

#define FIELDS "CustomFields"

static int is_token(const char *page)
{
	return page && *page && strlen(page) <= RT_ID_MAX &&
	       strspn(page, "0123456789") == strlen(page);
}

/* The TicketSQL of a page into *q (of *len bytes): the tickets user
 * created, after ticket page (NULL: from the first). -1 out of memory. */
static int list_query(const char *user, const char *page, char **q, size_t *len)
{
	return rt_url_append(q, len, "Creator = '") || rt_url_append(q, len, user) ||
	       rt_url_append(q, len, "'") ||
	       (page && (rt_url_append(q, len, " AND id > ") || rt_url_append(q, len, page)))
		       ? -1 : 0;
}

int rt_build_list(const json_t *supplier, const char *page, struct kt_http_request *out,
		  struct kt_err *err)
{
	const char *user = rt_map_integration_user(json_object_get(supplier, "mapping"));
	char rest[96], *base, *query = NULL;
	size_t qlen = 0;
	int rc = KT_ERR;

	if (page && !is_token(page))
		return rt_err_build(err, "\"%s\" is not a listing page of the rt adapter", page);
	if (!rt_is_sql_text(user, RT_NAME_MAX))
		return rt_err_build(err, "the rt mapping has no integration_user fit for TicketSQL");
	snprintf(rest, sizeof(rest), "&orderby=id&order=ASC&per_page=%d&fields=" FIELDS,
		 RT_PAGE_MAX);
	if (list_query(user, page, &query, &qlen))
		rt_err_oom(err);
	else if ((base = rt_rest_base(supplier, err))) {
		rc = rt_get(out, base, "/tickets", query, rest, err);
		free(base);
	}
	free(query);
	return rc;
}

/* The first value of custom field name among a ticket's CustomFields
 * ([{"name", "values": [...]}]), or NULL. Borrowed. */
static const char *field_value(const json_t *fields, const char *name)
{
	for (size_t i = 0; name && i < json_array_size(fields); i++) {
		const json_t *cf = json_array_get(fields, i);
		const char *n = json_string_value(json_object_get(cf, "name"));
		const char *v = json_string_value(json_array_get(json_object_get(cf, "values"), 0));

		if (n && strcmp(n, name) == 0)
			return v && *v ? v : NULL;
	}
	return NULL;
}

/* One ticket of the page into an item of out. */
static int read_one(const json_t *m, const json_t *item, struct kt_inbound_list *out,
		    struct kt_err *err)
{
	const char *leg = field_value(json_object_get(item, "CustomFields"), rt_map_field(m));
	char *id = rt_id_of(json_object_get(item, "id"));
	struct kt_inbound_update *u;

	if (!id)
		return rt_err_reply(err, "RT's ticket list has an item without an id");
	if (!(u = kt_inbound_list_add(out))) {
		free(id);
		return rt_err_oom(err);
	}
	u->external_id = id;
	if (leg && !(u->leg_id = strdup(leg)))
		return rt_err_oom(err);
	return KT_OK;
}

int rt_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
		 struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *m = json_object_get(supplier, "mapping");
	const json_t *items, *item;
	json_t *doc;
	json_int_t per_page;
	size_t i, n;
	int rc = KT_OK;

	(void)page;
	if (!(doc = rt_answer_json(a, err)))
		return KT_ERR;
	items = json_object_get(doc, "items");
	if (!json_is_array(items))
		rc = rt_err_reply(err, "RT's ticket list has no items");
	json_array_foreach(items, i, item)
		if (rc == KT_OK)
			rc = read_one(m, item, out, err);
	n = json_array_size(items);
	per_page = json_integer_value(json_object_get(doc, "per_page"));
	if (rc == KT_OK && n > 0 && (json_int_t)n >= (per_page > 0 ? per_page : RT_PAGE_MAX) &&
	    !(out->next_page = strdup(out->items[out->n - 1].external_id)))
		rc = rt_err_oom(err);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}
