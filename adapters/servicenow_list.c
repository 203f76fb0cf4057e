/* adapters/servicenow_list.c - listing the records Keten made at a
 * ServiceNow instance (see servicenow_list.h): one Table API query per
 * table (`correlation_display=<ours>^correlation_idISNOTEMPTY^ORDERBY
 * sys_id`), KT_SN_LIST_PAGE records a page by sysparm_offset, the tables
 * one after the other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json_field.h"
#include "servicenow.h"
#include "servicenow_list.h"
#include "servicenow_map.h"

#define DEFAULT_DISPLAY "Keten"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct tables of the mapping's entries, in name order, into
 * tables (at most max); their count. Borrowed from the mapping. */
static size_t tables_of(const json_t *mapping, const char **tables, size_t max)
{
	const char *k;
	json_t *obj;
	size_t n = 0, kept = 0;

	json_object_foreach(json_object_get(mapping, "entries"), k, obj) {
		struct kt_sn_entry e;

		if (n < max && kt_sn_entry_of(mapping, k, &e) == 0 && e.table)
			tables[n++] = e.table;
	}
	qsort(tables, n, sizeof(*tables), by_name);
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || strcmp(tables[kept - 1], tables[i]) != 0)
			tables[kept++] = tables[i];
	return kept;
}

#define MAX_TABLES 64

/* page ("<table index>:<offset>", NULL: "0:0") into *t and *off. */
static int parse_page(const char *page, size_t *t, long *off, struct kt_err *err)
{
	unsigned long ti;
	long o;
	char tail;

	*t = 0;
	*off = 0;
	if (!page)
		return KT_OK;
	if (sscanf(page, "%lu:%ld%c", &ti, &o, &tail) != 2 || ti >= MAX_TABLES || o < 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "\"%s\" is no ServiceNow listing page", page);
	*t = ti;
	*off = o;
	return KT_OK;
}

int kt_sn_build_list(const json_t *supplier, const char *page, struct kt_http_request *out,
		     struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	const char *tables[MAX_TABLES];
	size_t n = tables_of(mapping, tables, MAX_TABLES), t;
	char extra[48];
	struct kt_buf q;
	long off;

	if (parse_page(page, &t, &off, err))
		return KT_ERR;
	if (t >= n)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "the mapping has no table %zu to list", t);
	kt_buf_init(&q, KT_SN_URL_MAX);
	kt_buf_addf(&q, "correlation_display=%s^correlation_idISNOTEMPTY^ORDERBYsys_id",
		    kt_sn_setting(mapping, "correlation_display", DEFAULT_DISPLAY));
	snprintf(extra, sizeof(extra), "&sysparm_offset=%ld", off);
	return kt_sn_list(supplier, tables[t], &q, "sys_id,correlation_id", KT_SN_LIST_PAGE, extra,
			  out, err);
}

static int reply_error(struct kt_err *err, const char *what)
{
	return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "%s", what);
}

/* One record: {"sys_id", "correlation_id"} into an item of out. */
static int read_one(const json_t *rec, struct kt_inbound_list *out, struct kt_err *err)
{
	const char *id = kt_sn_value(rec, "sys_id"), *leg = kt_sn_value(rec, "correlation_id");
	struct kt_inbound_update *u;

	if (!id || !*id)
		return reply_error(err, "a listed record has no sys_id");
	if (!(u = kt_inbound_list_add(out)) || !(u->external_id = strdup(id)) ||
	    (leg && *leg && !(u->leg_id = strdup(leg))))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	return KT_OK;
}

int kt_sn_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
		    struct kt_inbound_list *out, struct kt_err *err)
{
	const char *tables[MAX_TABLES];
	size_t n = tables_of(json_object_get(supplier, "mapping"), tables, MAX_TABLES), t, i;
	json_t *doc, *result, *rec;
	char next[48];
	long off;
	int rc = KT_OK;

	if (parse_page(page, &t, &off, err))
		return KT_ERR;
	if (a->http_status != 200)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "the listing answered HTTP %ld, not 200", a->http_status);
	doc = a->body ? json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	result = json_object_get(doc, "result");
	if (!json_is_array(result))
		rc = reply_error(err, "the listing's result is not a list");
	json_array_foreach(result, i, rec)
		if (rc == KT_OK)
			rc = read_one(rec, out, err);
	if (rc == KT_OK && json_array_size(result) == KT_SN_LIST_PAGE)
		snprintf(next, sizeof(next), "%zu:%ld", t, off + KT_SN_LIST_PAGE);
	else if (rc == KT_OK && t + 1 < n)
		snprintf(next, sizeof(next), "%zu:0", t + 1);
	else
		next[0] = 0;
	if (rc == KT_OK && next[0] && !(out->next_page = strdup(next)))
		rc = kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	json_decref(doc);
	return rc;
}
