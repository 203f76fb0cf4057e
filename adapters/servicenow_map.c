/* servicenow_map.c - the `servicenow` adapter's mapping: the rules of
 * schemas/adapters/servicenow.json checked in C, the entry of a ticket
 * type, the state maps both ways with the incident defaults the facts give,
 * and the text helpers (see adapters/servicenow_map.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_util.h"
#include "servicenow_map.h"

static const char *const entry_types[] = { "incident", "request", "change", "problem" };
static const char *const top_keys[] = {
	"integration_user", "correlation_display", "entries", "public_authors",
	"close_notes", "impact", "urgency", "page_size", "poll_table",
	"short_description_max", "rate_limit",
};
static const char *const table_keys[] = {
	"table", "fields", "close_code", "status_in", "status_out", "hold_reason_in",
	"hold_reason_out", "on_hold_state",
};
static const char *const catalog_keys[] = {
	"catalog_item", "table", "variables", "summary_variable", "description_variable",
	"reference_variable", "close_code", "status_in", "status_out",
};
/* Fields the adapter itself writes, or ServiceNow computes: never a default. */
static const char *const reserved_fields[] = {
	"short_description", "description", "impact", "urgency", "priority", "state",
	"hold_reason", "correlation_id", "correlation_display", "comments", "work_notes",
	"close_code", "close_notes", "sys_id",
};
static const char *const authors[] = { "customer", "integrator", "supplier" };

/* The incident state model (SUPPLIER-APIS.md section 2): codes 1, 2, 3, 6,
 * 7, 8; On Hold with hold reasons 1 Awaiting Caller, 3 Awaiting Problem,
 * 4 Awaiting Vendor, 5 Awaiting Change. Closing needs itil_admin, so a
 * closed leg is sent as no state (ServiceNow closes resolved incidents). */
struct code_map {
	const char *code;
	enum kt_status status;
};

static const struct code_map incident_in[] = {
	{ "1", KT_ST_NEW }, { "2", KT_ST_IN_PROGRESS }, { "3", KT_ST_PENDING_SUPPLIER },
	{ "6", KT_ST_RESOLVED }, { "7", KT_ST_CLOSED }, { "8", KT_ST_CANCELLED },
};
static const struct code_map incident_out[] = {
	{ "1", KT_ST_NEW }, { "2", KT_ST_ASSIGNED }, { "2", KT_ST_IN_PROGRESS },
	{ "3", KT_ST_PENDING_CUSTOMER }, { "3", KT_ST_PENDING_SUPPLIER },
	{ "6", KT_ST_RESOLVED }, { "8", KT_ST_CANCELLED },
};
static const struct code_map hold_in[] = {
	{ "1", KT_ST_PENDING_CUSTOMER }, { "3", KT_ST_PENDING_SUPPLIER },
	{ "4", KT_ST_PENDING_SUPPLIER }, { "5", KT_ST_PENDING_SUPPLIER },
};
static const struct code_map hold_out[] = {
	{ "1", KT_ST_PENDING_CUSTOMER }, { "4", KT_ST_PENDING_SUPPLIER },
};
#define INCIDENT_TABLE "incident"
#define ON_HOLD_STATE "3"
#define CATALOG_TABLE "sc_request"

int kt_sn_out_of_memory(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

#define IN_LIST(s, list) in_list((s), (list), sizeof(list) / sizeof((list)[0]))

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A table or field name: a lower-case letter, then up to 79 of [a-z0-9_]. */
static int is_name(const char *s)
{
	size_t n = 0;

	if (!s || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_') ||
		    n >= 80)
			return 0;
	return 1;
}

/* A choice code: an optional '-' and 1..9 digits (change states are negative). */
static int is_code(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	if (*s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		n++;
	return *s == '\0' && n >= 1 && n <= 9;
}

static int is_sys_id(const char *s)
{
	size_t n = 0;

	for (; s && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')); s++)
		n++;
	return s && *s == '\0' && n == 32;
}

int kt_sn_is_token(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; *s; s++, n++)
		if (!(is_alnum(*s) || *s == '-' || *s == '_' || *s == '.' || *s == ':') ||
		    n >= KT_SN_ID_MAX)
			return 0;
	return n > 0;
}

static void unknown_keys(struct kt_map_walk *c, const json_t *obj, const char *path,
			 const char *const *known, size_t n)
{
	const char *key;
	json_t *v;
	char p[200];

	json_object_foreach((json_t *)obj, key, v) {
		if (in_list(key, known, n))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, key);
		kt_map_walk_note_at(c, p, "is not a key of this mapping");
	}
}

/* The member key of obj at path/key: a string of 1..max bytes when present
 * (required: must be). Borrowed, or NULL. */
static const char *text(struct kt_map_walk *c, const json_t *obj, const char *path, const char *key,
			size_t max, int required)
{
	const json_t *v = json_object_get(obj, key);
	char p[200];

	snprintf(p, sizeof(p), "%s/%s", path, key);
	if (!v) {
		if (required)
			kt_map_walk_note_at(c, p, "is required");
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) < 1 || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		char msg[80];

		snprintf(msg, sizeof(msg), "must be a string of 1 to %zu bytes", max);
		kt_map_walk_note_at(c, p, msg);
		return NULL;
	}
	return json_string_value(v);
}

static void integer(struct kt_map_walk *c, const json_t *obj, const char *key, long min, long max)
{
	const json_t *v = json_object_get(obj, key);
	char p[64], msg[80];

	if (!v || (json_is_integer(v) && json_integer_value(v) >= min &&
		   json_integer_value(v) <= max))
		return;
	snprintf(p, sizeof(p), "/%s", key);
	snprintf(msg, sizeof(msg), "must be an integer from %ld to %ld", min, max);
	kt_map_walk_note_at(c, p, msg);
}

enum side { CODE, STATUS, NAME, LEVEL };

static int side_ok(enum side s, const char *v)
{
	enum kt_status st;

	switch (s) {
	case CODE:
		return is_code(v);
	case STATUS:
		return kt_status_parse(v, &st) == 0;
	case NAME:
		return is_name(v);
	case LEVEL:
		return v[0] >= '1' && v[0] <= '3' && v[1] == '\0';
	}
	return 0;
}

static const char *side_says(enum side s)
{
	switch (s) {
	case CODE:
		return "must be a choice code such as \"6\" or \"-5\"";
	case STATUS:
		return "must be a canonical status such as \"in_progress\"";
	case NAME:
		return "must be a field name of lower-case letters, digits and _";
	case LEVEL:
		return "must be 1, 2 or 3";
	}
	return "";
}

/* An object whose keys follow ks and whose values follow vs (vs -1: any
 * text of 1..1000 bytes). Borrowed, or NULL. */
static const json_t *map(struct kt_map_walk *c, const json_t *obj, const char *path, const char *key,
			 enum side ks, int vs, int required)
{
	const json_t *m = json_object_get(obj, key);
	char p[200], q[400];
	const char *k;
	json_t *v;

	snprintf(p, sizeof(p), "%s/%s", path, key);
	if (!m) {
		if (required)
			kt_map_walk_note_at(c, p, "is required");
		return NULL;
	}
	if (!json_is_object(m)) {
		kt_map_walk_note_at(c, p, "must be an object");
		return NULL;
	}
	json_object_foreach((json_t *)m, k, v) {
		snprintf(q, sizeof(q), "%s/%s", p, k);
		if (!side_ok(ks, k))
			kt_map_walk_note_at(c, q, side_says(ks));
		else if (vs < 0)
			text(c, m, p, k, 1000, 1);
		else if (!json_is_string(v) || !side_ok((enum side)vs, json_string_value(v)))
			kt_map_walk_note_at(c, q, side_says((enum side)vs));
	}
	return m;
}

/* A status_out map must say how the operations that change state are sent. */
static void needs_statuses(struct kt_map_walk *c, const json_t *out, const char *path)
{
	static const char *const needed[] = { "in_progress", "resolved", "cancelled" };
	char p[200], msg[80];

	for (size_t i = 0; out && i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (json_object_get(out, needed[i]))
			continue;
		snprintf(p, sizeof(p), "%s/status_out", path);
		snprintf(msg, sizeof(msg), "must map \"%s\"", needed[i]);
		kt_map_walk_note_at(c, p, msg);
	}
}

static void check_fields(struct kt_map_walk *c, const json_t *entry, const char *path)
{
	const json_t *fields = map(c, entry, path, "fields", NAME, -1, 0);
	char p[200];
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)fields, k, v) {
		if (!IN_LIST(k, reserved_fields))
			continue;
		snprintf(p, sizeof(p), "%s/fields/%s", path, k);
		kt_map_walk_note_at(c, p, "is written by the adapter or computed by ServiceNow");
	}
}

static void check_entry(struct kt_map_walk *c, const char *type, const json_t *entry)
{
	char path[64];
	const char *table;
	const json_t *out;
	/* only a request is a catalog order: elsewhere catalog_item is unknown */
	int catalog = json_object_get(entry, "catalog_item") && strcmp(type, "request") == 0;
	int incident;

	snprintf(path, sizeof(path), "/entries/%s", type);
	if (!json_is_object(entry)) {
		kt_map_walk_note_at(c, path, "must be an object");
		return;
	}
	if (catalog) {
		const char *item;

		unknown_keys(c, entry, path, catalog_keys, sizeof(catalog_keys) / sizeof(catalog_keys[0]));
		item = text(c, entry, path, "catalog_item", 32, 1);
		if (item && !is_sys_id(item)) {
			char p[96];

			snprintf(p, sizeof(p), "%s/catalog_item", path);
			kt_map_walk_note_at(c, p, "must be a sys_id (32 lower-case hex digits)");
		}
		map(c, entry, path, "variables", NAME, -1, 0);
		table = text(c, entry, path, "table", 80, 0);
	} else {
		unknown_keys(c, entry, path, table_keys, sizeof(table_keys) / sizeof(table_keys[0]));
		table = text(c, entry, path, "table", 80, 1);
		check_fields(c, entry, path);
	}
	if (table && !is_name(table)) {
		char p[96];

		snprintf(p, sizeof(p), "%s/table", path);
		kt_map_walk_note_at(c, p, side_says(NAME));
	}
	if (catalog) {
		const char *sv = text(c, entry, path, "summary_variable", 80, 0);
		const char *dv = text(c, entry, path, "description_variable", 80, 0);
		const char *rv = text(c, entry, path, "reference_variable", 80, 0);
		char p[96];

		snprintf(p, sizeof(p), "%s/summary_variable", path);
		if (sv && !is_name(sv))
			kt_map_walk_note_at(c, p, side_says(NAME));
		snprintf(p, sizeof(p), "%s/description_variable", path);
		if (dv && !is_name(dv))
			kt_map_walk_note_at(c, p, side_says(NAME));
		snprintf(p, sizeof(p), "%s/reference_variable", path);
		if (rv && !is_name(rv))
			kt_map_walk_note_at(c, p, side_says(NAME));
	}
	incident = !catalog && table && strcmp(table, INCIDENT_TABLE) == 0;
	text(c, entry, path, "close_code", 100, incident);
	map(c, entry, path, "status_in", CODE, STATUS, !incident);
	out = map(c, entry, path, "status_out", STATUS, CODE, !incident);
	if (!incident)
		needs_statuses(c, out, path);
	if (!catalog) {
		const char *hold = text(c, entry, path, "on_hold_state", 10, 0);

		map(c, entry, path, "hold_reason_in", CODE, STATUS, 0);
		map(c, entry, path, "hold_reason_out", STATUS, CODE, 0);
		if (hold && !is_code(hold)) {
			char p[96];

			snprintf(p, sizeof(p), "%s/on_hold_state", path);
			kt_map_walk_note_at(c, p, side_says(CODE));
		}
	}
}

static void check_entries(struct kt_map_walk *c, const json_t *entries)
{
	const char *k;
	json_t *v;

	if (!entries) {
		kt_map_walk_note_at(c, "/entries", "is required");
		return;
	}
	if (!json_is_object(entries) || json_object_size(entries) == 0) {
		kt_map_walk_note_at(c, "/entries", "must be an object with at least one ticket type");
		return;
	}
	json_object_foreach((json_t *)entries, k, v) {
		if (!IN_LIST(k, entry_types)) {
			char p[200];

			snprintf(p, sizeof(p), "/entries/%s", k);
			kt_map_walk_note_at(c, p, "is not a ticket type (incident, request, change, problem)");
			continue;
		}
		check_entry(c, k, v);
	}
}

static void check_authors(struct kt_map_walk *c, const json_t *list)
{
	size_t i;
	json_t *v;

	if (!list)
		return;
	if (!json_is_array(list)) {
		kt_map_walk_note_at(c, "/public_authors", "must be an array");
		return;
	}
	json_array_foreach((json_t *)list, i, v) {
		char p[64];

		snprintf(p, sizeof(p), "/public_authors/%zu", i);
		if (!IN_LIST(json_string_value(v), authors))
			kt_map_walk_note_at(c, p, "must be customer, integrator or supplier");
		for (size_t j = 0; j < i; j++)
			if (json_equal(v, json_array_get(list, j)))
				kt_map_walk_note_at(c, p, "is listed twice");
	}
}

static void check_rate_limit(struct kt_map_walk *c, const json_t *rl)
{
	static const char *const keys[] = { "reset_header", "format" };
	static const char *const formats[] = { "epoch", "delta", "date" };
	const char *h, *f;

	if (!rl)
		return;
	if (!json_is_object(rl)) {
		kt_map_walk_note_at(c, "/rate_limit", "must be an object");
		return;
	}
	unknown_keys(c, rl, "/rate_limit", keys, 2);
	h = text(c, rl, "/rate_limit", "reset_header", 64, 1);
	for (const char *p = h; p && *p; p++)
		if (!is_alnum(*p) && *p != '-') {
			kt_map_walk_note_at(c, "/rate_limit/reset_header",
				"must be a header name of letters, digits and -");
			break;
		}
	f = text(c, rl, "/rate_limit", "format", 5, 1);
	if (f && !IN_LIST(f, formats))
		kt_map_walk_note_at(c, "/rate_limit/format", "must be epoch, delta or date");
}

int kt_sn_check_mapping(const json_t *mapping, struct kt_err *err)
{
	struct kt_map_walk c = { .err = err };
	const char *pt, *disp;

	if (!mapping)
		kt_map_walk_note_at(&c, "", "a servicenow supplier needs a mapping");
	else if (!json_is_object(mapping))
		kt_map_walk_note_at(&c, "", "must be an object");
	if (c.problems == 0) {
		unknown_keys(&c, mapping, "", top_keys, sizeof(top_keys) / sizeof(top_keys[0]));
		text(&c, mapping, "", "integration_user", 100, 1);
		disp = text(&c, mapping, "", "correlation_display", 100, 0);
		if (disp && strchr(disp, '^'))
			kt_map_walk_note_at(&c, "/correlation_display",
				"must not hold ^ (it is searched with an encoded query)");
		text(&c, mapping, "", "close_notes", 4000, 0);
		pt = text(&c, mapping, "", "poll_table", 80, 0);
		if (pt && !is_name(pt))
			kt_map_walk_note_at(&c, "/poll_table", side_says(NAME));
		check_entries(&c, json_object_get(mapping, "entries"));
		check_authors(&c, json_object_get(mapping, "public_authors"));
		map(&c, mapping, "", "impact", LEVEL, -1, 0);
		map(&c, mapping, "", "urgency", LEVEL, -1, 0);
		integer(&c, mapping, "page_size", 1, 1000);
		integer(&c, mapping, "short_description_max", 1, 4000);
		check_rate_limit(&c, json_object_get(mapping, "rate_limit"));
	}
	if (c.problems > 0)
		return kt_err_set(err, KT_EC_INVALID, "invalid_mapping",
				  "the servicenow mapping has %d problem%s", c.problems, c.problems == 1 ? "" : "s");
	return KT_OK;
}

int kt_sn_accepts_type(const json_t *mapping, enum kt_ticket_type t)
{
	struct kt_sn_entry e;

	return kt_sn_entry_of(mapping, kt_ticket_type_name(t), &e) == 0;
}

static void fill_entry(const json_t *obj, struct kt_sn_entry *e)
{
	const char *table = json_string_value(json_object_get(obj, "table"));

	e->obj = obj;
	e->catalog_item = json_string_value(json_object_get(obj, "catalog_item"));
	e->table = table ? table : CATALOG_TABLE;
}

int kt_sn_entry_of(const json_t *mapping, const char *type, struct kt_sn_entry *e)
{
	const json_t *obj = type ? json_object_get(json_object_get(mapping, "entries"), type) : NULL;

	if (!json_is_object(obj))
		return -1;
	fill_entry(obj, e);
	return 0;
}

int kt_sn_entry_by_table(const json_t *mapping, const char *table, struct kt_sn_entry *e)
{
	const char *k;
	json_t *obj;

	json_object_foreach(json_object_get(mapping, "entries"), k, obj) {
		fill_entry(obj, e);
		if (table && strcmp(e->table, table) == 0)
			return 0;
	}
	return -1;
}

static int is_incident(const struct kt_sn_entry *e)
{
	return !e->catalog_item && strcmp(e->table, INCIDENT_TABLE) == 0;
}

/* The code canonical st is sent as: the entry's map, else the default. */
static const char *code_out(const json_t *m, const struct code_map *dflt, size_t n,
			    enum kt_status st)
{
	const json_t *v = json_object_get(m, kt_status_name(st));

	if (v)
		return json_string_value(v);
	for (size_t i = 0; i < n; i++)
		if (dflt[i].status == st)
			return dflt[i].code;
	return NULL;
}

static int status_of(const json_t *m, const struct code_map *dflt, size_t n, const char *code,
		     enum kt_status *out)
{
	const char *v = json_string_value(json_object_get(m, code));

	if (v)
		return kt_status_parse(v, out);
	for (size_t i = 0; i < n; i++)
		if (strcmp(dflt[i].code, code) == 0) {
			*out = dflt[i].status;
			return 0;
		}
	return -1;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *on_hold_state(const struct kt_sn_entry *e)
{
	const char *s = json_string_value(json_object_get(e->obj, "on_hold_state"));

	return s ? s : is_incident(e) ? ON_HOLD_STATE : NULL;
}

const char *kt_sn_state_out(const struct kt_sn_entry *e, enum kt_status st, const char **hold)
{
	int inc = is_incident(e);
	const char *code = code_out(json_object_get(e->obj, "status_out"), incident_out,
				    inc ? N(incident_out) : 0, st);
	const char *oh = on_hold_state(e);

	*hold = NULL;
	if (code && oh && strcmp(code, oh) == 0)
		*hold = code_out(json_object_get(e->obj, "hold_reason_out"), hold_out,
				 inc ? N(hold_out) : 0, st);
	return code;
}

int kt_sn_status_in(const struct kt_sn_entry *e, const char *state, const char *hold_reason,
		    enum kt_status *out)
{
	int inc = is_incident(e);
	const char *oh = on_hold_state(e);

	if (!state || !*state)
		return -1;
	if (oh && strcmp(state, oh) == 0 && hold_reason && *hold_reason &&
	    status_of(json_object_get(e->obj, "hold_reason_in"), hold_in, inc ? N(hold_in) : 0,
		      hold_reason, out) == 0)
		return 0;
	return status_of(json_object_get(e->obj, "status_in"), incident_in,
			 inc ? N(incident_in) : 0, state, out);
}

const char *kt_sn_setting(const json_t *mapping, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(mapping, key));

	return v ? v : dflt;
}

long kt_sn_setting_int(const json_t *mapping, const char *key, long dflt)
{
	const json_t *v = json_object_get(mapping, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

int kt_sn_author_public(const json_t *mapping, const char *author)
{
	static const char *const dflt[] = { "customer", "supplier" };
	const json_t *list = json_object_get(mapping, "public_authors");
	size_t i;
	json_t *v;

	if (!json_is_array(list))
		return IN_LIST(author, dflt);
	json_array_foreach(list, i, v)
		if (author && json_is_string(v) && strcmp(json_string_value(v), author) == 0)
			return 1;
	return 0;
}

const char *kt_sn_level(const json_t *mapping, const char *key, long level, char *buf,
			size_t n)
{
	char k[24];
	const char *v;

	snprintf(k, sizeof(k), "%ld", level);
	v = json_string_value(json_object_get(json_object_get(mapping, key), k));
	snprintf(buf, n, "%s", v ? v : k);
	return buf;
}

/* s matches tpl, where 'd' stands for a digit and anything else for itself. */
static int matches(const char *s, const char *tpl)
{
	for (; *tpl; s++, tpl++)
		if (*tpl == 'd' ? !(*s >= '0' && *s <= '9') : *s != *tpl)
			return 0;
	return 1;
}

int kt_sn_date_to_rfc3339(const char *date, char out[21])
{
	if (!date || !matches(date, "dddd-dd-dd dd:dd:dd") || date[KT_SN_DATE_LEN] != '\0')
		return -1;
	snprintf(out, 21, "%.10sT%.8sZ", date, date + 11);
	return 0;
}

int kt_sn_rfc3339_to_date(const char *ts, char out[KT_SN_DATE_LEN + 1])
{
	const char *z;

	if (!ts || !matches(ts, "dddd-dd-ddTdd:dd:dd"))
		return -1;
	z = ts + KT_SN_DATE_LEN;
	if (*z == '.')
		for (z++; *z >= '0' && *z <= '9'; z++)
			;
	if (strcmp(z, "Z") != 0 && strcmp(z, "+00:00") != 0)
		return -1;
	snprintf(out, KT_SN_DATE_LEN + 1, "%.10s %.8s", ts, ts + 11);
	return 0;
}
