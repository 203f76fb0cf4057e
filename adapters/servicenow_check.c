/* servicenow_check.c - the live checks of a `servicenow` mapping (see
 * adapters/servicenow_check.h). Per entry, in mapping order: its close
 * code, its state codes and its hold reasons against the instance's
 * sys_choice rows (the table's own, or task's it inherits), and a catalog
 * entry's item in sc_cat_item. Only values the mapping names are checked;
 * the incident defaults come from ServiceNow's documented model. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "servicenow.h"
#include "servicenow_check.h"
#include "servicenow_map.h"

enum check_kind { CHECK_CLOSE_CODE, CHECK_STATE, CHECK_HOLD_REASON, CHECK_CATALOG, CHECK__COUNT };

static const char *const elements[] = { "close_code", "state", "hold_reason", NULL };

struct check {
	const char *type;          /* the entry's ticket type */
	struct kt_sn_entry entry;
	enum check_kind kind;
};

/* 1 when the entry has something for check kind k to look at. */
static int applies(const struct kt_sn_entry *e, enum check_kind k)
{
	const json_t *o = e->obj;

	switch (k) {
	case CHECK_CLOSE_CODE:
		return json_object_get(o, "close_code") != NULL;
	case CHECK_STATE:
		return json_object_get(o, "status_in") || json_object_get(o, "status_out") ||
		       json_object_get(o, "on_hold_state");
	case CHECK_HOLD_REASON:
		return json_object_get(o, "hold_reason_in") || json_object_get(o, "hold_reason_out");
	case CHECK_CATALOG:
		return e->catalog_item != NULL;
	default:
		return 0;
	}
}

/* Check i of mapping into *c; -1 when there is none. */
static int nth_check(const json_t *mapping, int i, struct check *c)
{
	const char *type;
	json_t *obj;

	json_object_foreach(json_object_get(mapping, "entries"), type, obj) {
		if (kt_sn_entry_of(mapping, type, &c->entry) != 0)
			continue;
		for (int k = 0; k < CHECK__COUNT; k++) {
			if (!applies(&c->entry, (enum check_kind)k) || i-- > 0)
				continue;
			c->type = type;
			c->kind = (enum check_kind)k;
			return 0;
		}
	}
	return -1;
}

int kt_sn_build_check(const json_t *supplier, int i, struct kt_http_request *out,
		      struct kt_err *err)
{
	struct check c;
	struct kt_buf q;

	if (nth_check(json_object_get(supplier, "mapping"), i, &c) != 0)
		return KT_OK;
	kt_buf_init(&q, KT_SN_URL_MAX);
	if (c.kind == CHECK_CATALOG) {
		kt_buf_addf(&q, "sys_id=%s", c.entry.catalog_item);
		return kt_sn_list(supplier, "sc_cat_item", &q, "sys_id,active", 1, "", out, err);
	}
	kt_buf_addf(&q, "name=%s^ORname=task^element=%s", c.entry.table, elements[c.kind]);
	return kt_sn_list(supplier, "sys_choice", &q, "value", 10000, "", out, err);
}

/* The problems found, as err details. */
struct unknown {
	struct kt_err *err;
	const json_t *choices;  /* the answer's result */
	const char *table;
	const char *element;
	int n;
};

static int known(const struct unknown *u, const char *value)
{
	size_t i;
	json_t *rec;

	json_array_foreach(u->choices, i, rec) {
		const char *v = kt_sn_value(rec, "value");

		if (v && strcmp(v, value) == 0)
			return 1;
	}
	return 0;
}

static void need(struct unknown *u, const char *path, const char *value)
{
	if (!value || known(u, value))
		return;
	kt_err_detail(u->err, path, "ServiceNow has no %s \"%s\" for %s", u->element, value,
		      u->table);
	u->n++;
}

/* Each key (keys) or value (!keys) of the entry's map name. */
static void need_map(struct unknown *u, const struct check *c, const char *name, int keys)
{
	const char *k;
	json_t *v;
	char path[160];

	json_object_foreach(json_object_get(c->entry.obj, name), k, v) {
		snprintf(path, sizeof(path), "/entries/%s/%s/%s", c->type, name, k);
		need(u, path, keys ? k : json_string_value(v));
	}
}

static void need_choices(struct unknown *u, const struct check *c)
{
	char path[160];

	switch (c->kind) {
	case CHECK_CLOSE_CODE:
		snprintf(path, sizeof(path), "/entries/%s/close_code", c->type);
		need(u, path, json_string_value(json_object_get(c->entry.obj, "close_code")));
		break;
	case CHECK_STATE:
		need_map(u, c, "status_in", 1);
		need_map(u, c, "status_out", 0);
		snprintf(path, sizeof(path), "/entries/%s/on_hold_state", c->type);
		need(u, path, json_string_value(json_object_get(c->entry.obj, "on_hold_state")));
		break;
	default:
		need_map(u, c, "hold_reason_in", 1);
		need_map(u, c, "hold_reason_out", 0);
		break;
	}
}

int kt_sn_read_check(const json_t *supplier, int i, const struct kt_answer *a,
		     struct kt_err *err)
{
	json_t *doc = a->body ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	struct unknown u = { err, json_object_get(doc, "result"), NULL, NULL, 0 };
	struct check c;
	char path[160];
	int rc = KT_OK;

	if (nth_check(json_object_get(supplier, "mapping"), i, &c) != 0)
		rc = kt_err_set(err, KT_EC_INVALID, "adapter_reply", "there is no check %d", i);
	else if (a->http_status != 200)
		rc = kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "the check answered HTTP %ld",
				a->http_status);
	else if (!json_is_array(u.choices))
		rc = kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				"the check's answer has no \"result\" list");
	if (rc != KT_OK)
		goto out;
	u.table = c.entry.table;
	if (c.kind == CHECK_CATALOG) {
		const json_t *item = json_array_get(u.choices, 0);

		snprintf(path, sizeof(path), "/entries/%s/catalog_item", c.type);
		if (!item || strcmp(kt_sn_value(item, "active") ? kt_sn_value(item, "active") : "true",
				    "false") == 0) {
			kt_err_detail(err, path, "ServiceNow has no active catalog item \"%s\"",
				      c.entry.catalog_item);
			u.n++;
		}
	} else {
		u.element = elements[c.kind];
		need_choices(&u, &c);
	}
	if (u.n > 0)
		rc = kt_err_set(err, KT_EC_INVALID, "mapping_unknown_value",
				"%d value%s of the mapping %s unknown to ServiceNow", u.n,
				u.n == 1 ? "" : "s", u.n == 1 ? "is" : "are");
out:
	json_decref(doc);
	return rc;
}
