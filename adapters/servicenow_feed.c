/* servicenow_feed.c - ServiceNow's changes read into canonical updates (see
 * adapters/servicenow_feed.h): the poll pages of the "records" and
 * "journal" feeds, keyset-paged on (time, sys_id), and the business
 * rules' pushes, which carry the same records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "servicenow.h"
#include "servicenow_feed.h"
#include "servicenow_map.h"

#define DEFAULT_POLL_TABLE "task"
#define DEFAULT_PAGE_SIZE 100
#define DEFAULT_DISPLAY "Keten"
#define TOKEN_MAX (KT_SN_DATE_LEN + 1 + KT_SN_ID_MAX + 1)

struct feed {
	const char *name;
	const char *table;     /* NULL: the mapping's poll_table */
	const char *time_col;  /* the keyset's time */
	const char *fields;
};

static const struct feed feeds[] = {
	{ "records", NULL, "sys_updated_on",
	  "sys_id,sys_class_name,number,state,hold_reason,correlation_id,sys_updated_on,"
	  "sys_updated_by,sys_mod_count" },
	{ "journal", "sys_journal_field", "sys_created_on",
	  "sys_id,element,element_id,name,value,sys_created_on,sys_created_by" },
};

static const struct feed *feed_of(const char *name)
{
	for (size_t i = 0; name && i < sizeof(feeds) / sizeof(feeds[0]); i++)
		if (strcmp(feeds[i].name, name) == 0)
			return &feeds[i];
	return NULL;
}

/* "^<col>=<t1>^OR<col>=<t2>..." over the entries' distinct tables. */
static void add_tables(struct kt_buf *q, const json_t *mapping, const char *col)
{
	const char *seen[8];
	size_t n = 0;
	const char *k;
	json_t *obj;

	json_object_foreach(json_object_get(mapping, "entries"), k, obj) {
		struct kt_sn_entry e;
		size_t i;

		if (kt_sn_entry_of(mapping, k, &e) != 0)
			continue;
		for (i = 0; i < n && strcmp(seen[i], e.table) != 0; i++)
			;
		if (i < n || n == sizeof(seen) / sizeof(seen[0]))
			continue;
		kt_buf_addf(q, "%s%s=%s", n == 0 ? "^" : "^OR", col, e.table);
		seen[n++] = e.table;
	}
}

/* The keyset of page ("<date>|<sys_id>") or of since. */
static int add_keyset(struct kt_buf *q, const struct feed *f, const char *since,
		      const char *page, struct kt_err *err)
{
	char date[KT_SN_DATE_LEN + 1];
	const char *bar = page ? strchr(page, '|') : NULL;

	if (page) {
		if (!bar || bar - page != KT_SN_DATE_LEN || !kt_sn_is_token(bar + 1))
			return kt_err_set(err, KT_EC_INVALID, "adapter_build",
					  "page token \"%.40s\" is not this adapter's", page);
		snprintf(date, sizeof(date), "%.*s", KT_SN_DATE_LEN, page);
		kt_buf_addf(q, "%s>=%s^%s>%s^ORsys_id>%s", f->time_col, date, f->time_col, date,
			    bar + 1);
		return KT_OK;
	}
	if (kt_sn_rfc3339_to_date(since, date) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "poll time \"%.40s\" is not RFC 3339 UTC", since ? since : "");
	kt_buf_addf(q, "%s>=%s", f->time_col, date);
	return KT_OK;
}

int kt_sn_build_poll(const json_t *supplier, const char *feed, const char *since,
		     const char *page, struct kt_http_request *out, struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	const struct feed *f = feed_of(feed);
	struct kt_buf q;
	const char *table;

	if (!f)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "no poll feed \"%s\"",
				  feed ? feed : "");
	table = f->table ? f->table : kt_sn_setting(mapping, "poll_table", DEFAULT_POLL_TABLE);
	kt_buf_init(&q, KT_SN_URL_MAX);
	if (add_keyset(&q, f, since, page, err)) {
		kt_buf_release(&q);
		return KT_ERR;
	}
	if (f->table) {
		kt_buf_adds(&q, "^element=comments^ORelement=work_notes");
		add_tables(&q, mapping, "name");
	} else {
		kt_buf_addf(&q, "^correlation_display=%s",
			    kt_sn_setting(mapping, "correlation_display", DEFAULT_DISPLAY));
		add_tables(&q, mapping, "sys_class_name");
	}
	kt_buf_addf(&q, "^ORDERBY%s^ORDERBYsys_id", f->time_col);
	return kt_sn_list(supplier, table, &q, f->fields,
			  kt_sn_setting_int(mapping, "page_size", DEFAULT_PAGE_SIZE),
			  "&sysparm_display_value=false&sysparm_exclude_reference_link=true", out, err);
}

/* How a bad item is reported: a supplier fault in a poll answer, an
 * invalid update in a push. */
struct reader {
	const json_t *mapping;
	const char *self;        /* the integration user */
	enum kt_err_class cls;
	const char *code;
	struct kt_inbound_list *out;
	char newest[KT_SN_DATE_LEN + 1];
	char last[TOKEN_MAX];    /* the last item's keyset */
};

static int bad(struct reader *r, struct kt_err *err, size_t i, const char *what)
{
	return kt_err_set(err, r->cls, r->code, "ServiceNow record %zu %s", i, what);
}

static int dup(char **dst, const char *s)
{
	return s && !(*dst = strdup(s)) ? -1 : 0;
}

/* add_record and add_journal: 1 added, 0 skipped, -1 out of memory, -2
 * not a record of the feed. */

/* The comment's origin marker "[keten:...]" Keten put in, or NULL; the
 * text between the brackets into buf (n bytes). */
static const char *marker_of(const char *text, char *buf, size_t n)
{
	const char *start = strstr(text, "[keten:"), *end;

	if (!start || !(end = strchr(start, ']')) || (size_t)(end - start) >= n)
		return NULL;
	snprintf(buf, n, "%.*s", (int)(end - start - 1), start + 1);
	return kt_sn_is_token(buf) ? buf : NULL;
}

static int add_record(struct reader *r, const json_t *rec, const char *sys_id,
		      const char *when)
{
	const char *cls = kt_sn_value(rec, "sys_class_name");
	const char *count = kt_sn_value(rec, "sys_mod_count");
	const char *corr = kt_sn_value(rec, "correlation_id");
	struct kt_inbound_update *u;
	struct kt_sn_entry e;
	enum kt_status st;
	char id[KT_SN_ID_MAX + 32];

	if (!count || !*count || strspn(count, "0123456789") != strlen(count) ||
	    strlen(count) > 18)
		return -2;
	if (kt_sn_entry_by_table(r->mapping, cls, &e) != 0 ||
	    kt_sn_status_in(&e, kt_sn_value(rec, "state"), kt_sn_value(rec, "hold_reason"),
			    &st) != 0)
		return 0;  /* not a table of ours, or a state the entry does not map */
	if (!(u = kt_inbound_list_add(r->out)))
		return -1;
	snprintf(id, sizeof(id), "%s:%s", sys_id, count);
	u->has_status = 1;
	u->status = st;
	return dup(&u->external_id, sys_id) || dup(&u->delivery_id, id) ||
	       dup(&u->occurred_at, when) ||
	       (kt_sn_is_token(corr) && dup(&u->leg_id, corr)) ? -1 : 0;
}

static int add_journal(struct reader *r, const json_t *rec, const char *sys_id,
		       const char *when)
{
	const char *element = kt_sn_value(rec, "element");
	const char *record = kt_sn_value(rec, "element_id");
	const char *value = kt_sn_value(rec, "value");
	struct kt_inbound_update *u;
	char id[KT_SN_ID_MAX + 16], origin[KT_SN_ID_MAX + 1];
	const char *mark;

	if (!element || (strcmp(element, "comments") != 0 && strcmp(element, "work_notes") != 0))
		return 0;
	if (!kt_sn_is_token(record) || !value)
		return -2;
	if (!*value)
		return 0;
	if (!(u = kt_inbound_list_add(r->out)))
		return -1;
	snprintf(id, sizeof(id), "journal:%s", sys_id);
	u->comment_public = strcmp(element, "comments") == 0;
	u->comment_unordered = 1; /* the journal feed is read apart from the records' */
	mark = marker_of(value, origin, sizeof(origin));
	u->comment = strndup(value, kt_utf8_cut(value, strlen(value), KT_SN_COMMENT_MAX));
	return !u->comment || dup(&u->external_id, record) || dup(&u->delivery_id, id) ||
	       dup(&u->occurred_at, when) || dup(&u->comment_origin, mark) ? -1 : 0;
}

/* Reads the items of feed f into r->out. */
static int read_items(struct reader *r, const struct feed *f, const json_t *items,
		      struct kt_err *err)
{
	int journal = f->table != NULL;
	size_t i;
	json_t *rec;

	if (!json_is_array(items))
		return kt_err_set(err, r->cls, r->code, "the ServiceNow answer's result is not a list");
	json_array_foreach(items, i, rec) {
		const char *sys_id = kt_sn_value(rec, "sys_id");
		const char *date = kt_sn_value(rec, f->time_col);
		const char *who = kt_sn_value(rec, journal ? "sys_created_by" : "sys_updated_by");
		char when[21];
		int rc;

		if (!json_is_object(rec) || !kt_sn_is_token(sys_id))
			return bad(r, err, i, "has no usable sys_id");
		if (kt_sn_date_to_rfc3339(date, when) != 0)
			return bad(r, err, i, "has no date-time \"YYYY-MM-DD HH:MM:SS\"");
		if (strcmp(date, r->newest) > 0)
			snprintf(r->newest, sizeof(r->newest), "%s", date);
		snprintf(r->last, sizeof(r->last), "%s|%s", date, sys_id);
		if (who && strcmp(who, r->self) == 0)
			continue;  /* Keten's own write */
		rc = journal ? add_journal(r, rec, sys_id, when) : add_record(r, rec, sys_id, when);
		if (rc == -1)
			return kt_sn_out_of_memory(err);
		if (rc == -2)
			return bad(r, err, i, journal ? "is not a journal entry"
						      : "has no sys_mod_count");
	}
	return KT_OK;
}

static int finish(struct reader *r, size_t n_items, long page_size, struct kt_err *err)
{
	char hw[21];

	if (r->newest[0] && (kt_sn_date_to_rfc3339(r->newest, hw) != 0 ||
			     !(r->out->high_water = strdup(hw))))
		return kt_sn_out_of_memory(err);
	/* a full page (or more, from an instance that ignores the limit) */
	if (page_size > 0 && n_items >= (size_t)page_size && !(r->out->next_page = strdup(r->last)))
		return kt_sn_out_of_memory(err);
	return KT_OK;
}

static void reader_init(struct reader *r, const json_t *supplier, enum kt_err_class cls,
			const char *code, struct kt_inbound_list *out)
{
	memset(r, 0, sizeof(*r));
	r->mapping = json_object_get(supplier, "mapping");
	r->self = kt_sn_setting(r->mapping, "integration_user", "");
	r->cls = cls;
	r->code = code;
	r->out = out;
}

int kt_sn_read_poll(const json_t *supplier, const char *feed, const char *page,
		    const struct kt_answer *a, struct kt_inbound_list *out, struct kt_err *err)
{
	const struct feed *f = feed_of(feed);
	struct reader r;
	json_t *doc, *items;
	int rc;

	(void)page;
	reader_init(&r, supplier, KT_EC_SUPPLIER, "adapter_reply", out);
	if (!f)
		return kt_err_set(err, KT_EC_INVALID, "adapter_reply", "no poll feed \"%s\"",
				  feed ? feed : "");
	if (a->http_status == 404)
		return KT_OK;  /* the v1 Table API's empty list */
	if (a->http_status < 200 || a->http_status > 299)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "the poll answered HTTP %ld", a->http_status);
	doc = a->body ? json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	items = json_object_get(doc, "result");
	rc = read_items(&r, f, items, err);
	if (rc == KT_OK)
		rc = finish(&r, json_array_size(items),
			    kt_sn_setting_int(r.mapping, "page_size", DEFAULT_PAGE_SIZE), err);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}

/* {"feed": "records" | "journal", "result": [records]}. */
int kt_sn_read_inbound(const json_t *supplier, const struct kt_answer *push,
		       struct kt_inbound_list *out, struct kt_err *err)
{
	json_t *doc = push->body ? json_loadb(push->body, push->len, JSON_REJECT_DUPLICATES, NULL)
				 : NULL;
	const struct feed *f = feed_of(json_string_value(json_object_get(doc, "feed")));
	struct reader r;
	int rc;

	reader_init(&r, supplier, KT_EC_INVALID, "invalid_update", out);
	if (!json_is_object(doc))
		rc = kt_err_set(err, KT_EC_INVALID, "invalid_update",
				"the push is not a JSON object");
	else if (!f)
		rc = kt_err_set(err, KT_EC_INVALID, "invalid_update",
				"the push's feed is not \"records\" or \"journal\"");
	else if ((rc = read_items(&r, f, json_object_get(doc, "result"), err)) == KT_OK)
		rc = finish(&r, 0, 0, err);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}
