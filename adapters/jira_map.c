/* jira_map.c - the `jira` adapter's mapping: its check at chain import
 * (the rules of schemas/adapters/jira.json, one err detail per problem at
 * its JSON pointer) and what it says when a message is built or an update
 * read: the entry (JSM request type or platform issue type) per ticket
 * type, where our reference lives, how a transition is chosen, statuses
 * in, the integration user, comment visibility, the poll page size. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/json_field.h"
#include "adapter_util.h"
#include "jira_int.h"

#define JQL_MAX 1000
#define PREFIX_MAX 64

static const char *const categories[] = { "new", "indeterminate", "done", NULL };
static const char *const authors[] = { "customer", "integrator", "supplier", NULL };
static const char *const visibilities[] = { "public", "internal", NULL };
static const char *const rate_formats[] = { "epoch", "delta", "date", NULL };
static const char *const levels[] = { "1", "2", "3", "4", "5", NULL };
static const char *const api_names[] = { "platform", "servicedesk", NULL };

/* The index of s in the NULL-ended list, or -1. */
static int index_in(const char *s, const char *const *list)
{
	for (int i = 0; s && list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return i;
	return -1;
}

/* Notes each member of obj that allowed (NULL-ended) does not name. */
static void only(struct kt_map_walk *w, const json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		size_t back;

		if (index_in(key, allowed) >= 0)
			continue;
		back = kt_map_walk_down(w, key);
		kt_map_walk_note(w, "is not a member Jira's mapping knows here");
		kt_map_walk_up(w, back);
	}
}

/* A string member key of obj of 1..max bytes (absent is fine unless
 * required); returns it or NULL. */
static const char *text(struct kt_map_walk *w, const json_t *obj, const char *key, size_t max,
			int required)
{
	const json_t *v = json_object_get(obj, key);
	size_t back;

	if (kt_json_is_text(v, 1, max))
		return json_string_value(v);
	if (!v && !required)
		return NULL;
	back = kt_map_walk_down(w, key);
	kt_map_walk_note(w, v ? "must be a string of 1 to %zu bytes" : "is required", max);
	kt_map_walk_up(w, back);
	return NULL;
}

/* {"id": ...} or {"name": ...} (or {"key": ...} when with_key). */
static void ref(struct kt_map_walk *w, const json_t *v, int with_key)
{
	static const char *const keys[] = { "id", "name", "key", NULL };
	const char *key = json_is_object(v) && json_object_size(v) == 1
				  ? json_object_iter_key(json_object_iter((json_t *)v))
				  : NULL;
	int i = index_in(key, keys);

	if (i < 0 || (i == 2 && !with_key))
		kt_map_walk_note(w, with_key ? "must be {\"id\"}, {\"key\"} or {\"name\"}"
				 : "must be {\"id\": ...} or {\"name\": ...}");
	else
		text(w, v, key, KT_JIRA_ID_MAX, 1);
}

/* Calls fn on member key of obj at its path when present; "is required"
 * when absent and required. */
static void member(struct kt_map_walk *w, const json_t *obj, const char *key, int required,
		   void (*fn)(struct kt_map_walk *, const json_t *))
{
	const json_t *v = json_object_get(obj, key);
	size_t back = kt_map_walk_down(w, key);

	if (v)
		fn(w, v);
	else if (required)
		kt_map_walk_note(w, "is required");
	kt_map_walk_up(w, back);
}

static int digits(const char *s)
{
	return s && *s && strspn(s, "0123456789") == strlen(s);
}

static void check_ref(struct kt_map_walk *w, const json_t *v)
{
	ref(w, v, 0);
}

static void check_project(struct kt_map_walk *w, const json_t *v)
{
	ref(w, v, 1);
}

static void check_entry(struct kt_map_walk *w, const json_t *e)
{
	static const char *const platform[] = { "api", "project", "issuetype", NULL };
	static const char *const desk[] = { "api", "serviceDeskId", "requestTypeId", NULL };
	const char *api = json_string_value(json_object_get(e, "api"));
	const char *const names[] = { "serviceDeskId", "requestTypeId" };

	if (!json_is_object(e) || index_in(api, api_names) < 0) {
		kt_map_walk_note(w, "must be an object with \"api\": \"platform\" or \"servicedesk\"");
		return;
	}
	if (strcmp(api, "platform") == 0) {
		only(w, e, platform);
		member(w, e, "project", 1, check_project);
		member(w, e, "issuetype", 1, check_ref);
		return;
	}
	only(w, e, desk);
	for (size_t i = 0; i < 2; i++) {
		size_t back = kt_map_walk_down(w, names[i]);

		if (!digits(json_string_value(json_object_get(e, names[i]))))
			kt_map_walk_note(w, "must be the id as a string of digits");
		kt_map_walk_up(w, back);
	}
}

static void check_entries(struct kt_map_walk *w, const json_t *v)
{
	const char *type;
	json_t *e;

	if (!json_is_object(v) || json_object_size(v) == 0) {
		kt_map_walk_note(w, "must be an object with an entry for at least one ticket type");
		return;
	}
	json_object_foreach((json_t *)v, type, e) {
		enum kt_ticket_type t;
		size_t back = kt_map_walk_down(w, type);

		if (kt_ticket_type_parse(type, &t) != 0)
			kt_map_walk_note(w, "is not a ticket type (incident, request, change, problem)");
		else
			check_entry(w, e);
		kt_map_walk_up(w, back);
	}
}

static void check_account(struct kt_map_walk *w, const json_t *v)
{
	if (!kt_json_is_text(v, 1, 128))
		kt_map_walk_note(w, "must be the integration user's accountId (1 to 128 bytes)");
}

static void check_reference(struct kt_map_walk *w, const json_t *v)
{
	const char *field = json_string_value(json_object_get(v, "field"));
	const char *prefix = json_string_value(json_object_get(v, "label_prefix"));
	size_t back;

	if (!json_is_object(v) || json_object_size(v) != 1 || (!field && !prefix)) {
		kt_map_walk_note(w, "must be {\"field\": \"customfield_NNNNN\"} or {\"label_prefix\": ...}");
		return;
	}
	back = kt_map_walk_down(w, field ? "field" : "label_prefix");
	if (field ? strncmp(field, "customfield_", 12) != 0 || !digits(field + 12) ||
			    strlen(field) > 40
		  : strlen(prefix) < 1 || strlen(prefix) > PREFIX_MAX || strpbrk(prefix, " \t\"\\"))
		kt_map_walk_note(w, field ? "must be a custom field id such as \"customfield_10050\""
			      : "must be 1 to 64 bytes without blanks, quotes or backslashes");
	kt_map_walk_up(w, back);
}

static void check_jql(struct kt_map_walk *w, const json_t *v)
{
	if (!kt_json_is_text(v, 1, JQL_MAX))
		kt_map_walk_note(w, "must be a JQL clause of 1 to %d bytes", JQL_MAX);
}

/* An object whose members are checked by fn, each named in keys (NULL:
 * any name). */
static void table(struct kt_map_walk *w, const json_t *v, const char *const *keys,
		  void (*fn)(struct kt_map_walk *, const json_t *))
{
	const char *key;
	json_t *m;

	if (!json_is_object(v)) {
		kt_map_walk_note(w, "must be an object");
		return;
	}
	if (keys)
		only(w, v, keys);
	json_object_foreach((json_t *)v, key, m) {
		size_t back;

		if (keys && index_in(key, keys) < 0)
			continue;
		back = kt_map_walk_down(w, key);
		fn(w, m);
		kt_map_walk_up(w, back);
	}
}

static void check_priority(struct kt_map_walk *w, const json_t *v)
{
	table(w, v, levels, check_ref);
}

static void check_transition(struct kt_map_walk *w, const json_t *v)
{
	const json_t *cat = json_object_get(v, "category");

	if (!json_is_object(v) || json_object_size(v) != 1 ||
	    (!cat && !kt_json_is_text(json_object_get(v, "name"), 1, KT_JIRA_ID_MAX)) ||
	    (cat && index_in(json_string_value(cat), categories) < 0))
		kt_map_walk_note(w, "must be {\"name\": transition or status name} or {\"category\": "
			"\"new\", \"indeterminate\" or \"done\"}");
}

static void check_transitions(struct kt_map_walk *w, const json_t *v)
{
	const char *names[KT_ST__COUNT + 1];

	for (int s = 0; s < KT_ST__COUNT; s++)
		names[s] = kt_status_name((enum kt_status)s);
	names[KT_ST__COUNT] = NULL;
	table(w, v, names, check_transition);
}

static void check_status_in(struct kt_map_walk *w, const json_t *v)
{
	const char *name;
	json_t *m;

	if (!json_is_object(v)) {
		kt_map_walk_note(w, "must be an object");
		return;
	}
	json_object_foreach((json_t *)v, name, m) {
		enum kt_status st;
		size_t back = kt_map_walk_down(w, name);

		if (strlen(name) > KT_JIRA_ID_MAX)
			kt_map_walk_note(w, "names a status longer than %d bytes", KT_JIRA_ID_MAX);
		else if (!json_is_string(m) || kt_status_parse(json_string_value(m), &st) != 0)
			kt_map_walk_note(w, "must be a canonical status such as \"in_progress\"");
		kt_map_walk_up(w, back);
	}
}

static void check_visibility_value(struct kt_map_walk *w, const json_t *v)
{
	if (index_in(json_string_value(v), visibilities) < 0)
		kt_map_walk_note(w, "must be \"public\" or \"internal\"");
}

static void check_comments(struct kt_map_walk *w, const json_t *v)
{
	table(w, v, authors, check_visibility_value);
}

static void check_internal(struct kt_map_walk *w, const json_t *v)
{
	const char *type = json_string_value(json_object_get(v, "type"));
	const char *const role[] = { "type", "value", NULL }, *const group[] = { "type",
										  "identifier", NULL };

	if (!json_is_object(v) || !type || (strcmp(type, "role") != 0 && strcmp(type, "group") != 0)) {
		kt_map_walk_note(w, "must be {\"type\": \"role\", \"value\": ...} or {\"type\": \"group\", "
			"\"identifier\": ...}");
		return;
	}
	only(w, v, strcmp(type, "role") == 0 ? role : group);
	text(w, v, strcmp(type, "role") == 0 ? "value" : "identifier", KT_JIRA_ID_MAX, 1);
}

static void check_rate_limit(struct kt_map_walk *w, const json_t *v)
{
	const char *header;
	size_t back;

	if (!json_is_object(v)) {
		kt_map_walk_note(w, "must be an object");
		return;
	}
	only(w, v, (const char *const[]){ "reset_header", "format", NULL });
	header = text(w, v, "reset_header", 64, 1);
	if (header && strspn(header, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
			      strlen(header)) {
		back = kt_map_walk_down(w, "reset_header");
		kt_map_walk_note(w, "must be a header name of letters, digits and dashes");
		kt_map_walk_up(w, back);
	}
	back = kt_map_walk_down(w, "format");
	if (index_in(json_string_value(json_object_get(v, "format")), rate_formats) < 0)
		kt_map_walk_note(w, "must be \"epoch\", \"delta\" or \"date\"");
	kt_map_walk_up(w, back);
}

/* 1 when an entry of the mapping creates through the platform API. */
static int has_platform_entry(const json_t *mapping)
{
	const char *type;
	json_t *e;

	json_object_foreach(json_object_get(mapping, "entries"), type, e)
		if (json_is_object(e) &&
		    index_in(json_string_value(json_object_get(e, "api")), api_names) == 0)
			return 1;
	return 0;
}

int kt_jira_check_mapping(const json_t *mapping, struct kt_err *err)
{
	static const char *const keys[] = {
		"entries", "integration_user", "reference", "poll_jql", "priority",
		"transitions", "resolution", "cancel_resolution", "status_in", "comments",
		"internal_visibility", "rate_limit", NULL,
	};
	struct kt_map_walk w = { .err = err };

	if (!json_is_object(mapping)) {
		kt_map_walk_note(&w, "the jira adapter needs a mapping object (entries, integration_user)");
		return kt_err_set(err, KT_EC_INVALID, "invalid_mapping", "mapping is not valid");
	}
	only(&w, mapping, keys);
	member(&w, mapping, "entries", 1, check_entries);
	member(&w, mapping, "integration_user", 1, check_account);
	member(&w, mapping, "reference", 0, check_reference);
	member(&w, mapping, "poll_jql", 0, check_jql);
	member(&w, mapping, "priority", 0, check_priority);
	member(&w, mapping, "transitions", 0, check_transitions);
	member(&w, mapping, "resolution", 0, check_ref);
	member(&w, mapping, "cancel_resolution", 0, check_ref);
	member(&w, mapping, "status_in", 0, check_status_in);
	member(&w, mapping, "comments", 0, check_comments);
	member(&w, mapping, "internal_visibility", has_platform_entry(mapping), check_internal);
	member(&w, mapping, "rate_limit", 0, check_rate_limit);
	if (w.problems > 0)
		return kt_err_set(err, KT_EC_INVALID, "invalid_mapping",
				  "mapping is not valid (%d problem%s)", w.problems,
				  w.problems == 1 ? "" : "s");
	return KT_OK;
}

/* --- what the mapping says --- */

const json_t *kt_jira_entry(const json_t *mapping, const char *type, enum kt_jira_api *api)
{
	const json_t *e = json_object_get(json_object_get(mapping, "entries"), type ? type : "");
	const char *name = json_string_value(json_object_get(e, "api"));

	if (!json_is_object(e) || !name)
		return NULL;
	if (api)
		*api = strcmp(name, "servicedesk") == 0 ? KT_JIRA_SERVICEDESK : KT_JIRA_PLATFORM;
	return e;
}

int kt_jira_accepts_type(const json_t *mapping, enum kt_ticket_type t)
{
	return kt_jira_entry(mapping, kt_ticket_type_name(t), NULL) != NULL;
}

const char *kt_jira_ref_field(const json_t *mapping)
{
	return json_string_value(json_object_get(json_object_get(mapping, "reference"), "field"));
}

const char *kt_jira_label_prefix(const json_t *mapping)
{
	const char *p = json_string_value(
		json_object_get(json_object_get(mapping, "reference"), "label_prefix"));

	return p ? p : KT_JIRA_LABEL_PREFIX;
}

const char *kt_jira_leg_of(const json_t *mapping, const json_t *fields)
{
	const char *field = kt_jira_ref_field(mapping);
	const char *prefix = kt_jira_label_prefix(mapping);
	size_t n = strlen(prefix), i;
	json_t *label;

	if (field) {
		const char *v = json_string_value(json_object_get(fields, field));

		return kt_is_uuid(v) ? v : NULL;
	}
	json_array_foreach(json_object_get(fields, "labels"), i, label) {
		const char *l = json_string_value(label);

		if (l && strncmp(l, prefix, n) == 0 && kt_is_uuid(l + n))
			return l + n;
	}
	return NULL;
}

void kt_jira_target(const json_t *mapping, enum kt_status st, const char **by_name,
		    const char **category)
{
	const json_t *t = json_object_get(json_object_get(mapping, "transitions"),
					  kt_status_name(st));

	*by_name = json_string_value(json_object_get(t, "name"));
	*category = json_string_value(json_object_get(t, "category"));
	if (*by_name || *category)
		return;
	if (st == KT_ST_NEW)
		*category = "new";
	else if (st == KT_ST_RESOLVED || st == KT_ST_CLOSED || st == KT_ST_CANCELLED)
		*category = "done";
	else
		*category = "indeterminate";
}

int kt_jira_status_in(const json_t *mapping, const json_t *status, enum kt_status *out)
{
	const char *name = json_string_value(json_object_get(status, "name"));
	const char *canon = name ? json_string_value(json_object_get(
					   json_object_get(mapping, "status_in"), name))
				 : NULL;
	static const enum kt_status by_category[] = { KT_ST_NEW, KT_ST_IN_PROGRESS,
						      KT_ST_RESOLVED };
	int c;

	if (canon && kt_status_parse(canon, out) == 0)
		return 0;
	c = index_in(json_string_value(json_object_get(json_object_get(status, "statusCategory"),
						       "key")),
		     categories);
	if (c < 0)
		return -1;
	*out = by_category[c];
	return 0;
}

int kt_jira_is_us(const json_t *mapping, const char *account_id)
{
	const char *us = json_string_value(json_object_get(mapping, "integration_user"));

	return us && account_id && strcmp(us, account_id) == 0;
}

int kt_jira_internal(const json_t *mapping, const char *author)
{
	const char *vis = json_string_value(
		json_object_get(json_object_get(mapping, "comments"), author ? author : ""));

	if (vis)
		return strcmp(vis, "internal") == 0;
	return author && strcmp(author, "integrator") == 0;
}

long kt_jira_page_size(const json_t *supplier)
{
	const json_t *v = json_object_get(json_object_get(supplier, "poll"), "page_size");
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	return n >= 1 && n <= KT_JIRA_PAGE_MAX ? (long)n : KT_JIRA_PAGE_DEFAULT;
}
