/* topdesk_map.c - the `topdesk` adapter's mapping: its check at chain
 * import (the rules of schemas/adapters/topdesk.json, one err detail per
 * problem) and what it says when a message is built or an update read:
 * the entry per ticket type, the {id|name} of a value, statuses both
 * ways, who the integration user is, which comments are internal. */
#include <stdio.h>
#include <string.h>

#include "base/json_field.h"
#include "adapter_util.h"
#include "topdesk_int.h"

static const char *const top_keys[] = {
	"caller", "integration_user", "entries", "impact", "urgency", "priority",
	"status_out", "status_in", "comments", "rate_limit",
};
static const char *const entry_keys[] = {
	"callType", "category", "subcategory", "entryType", "operatorGroup", "operator",
};
static const char *const authors[] = { "customer", "integrator", "supplier" };
static const char *const levels3[] = { "1", "2", "3" };
static const char *const levels5[] = { "1", "2", "3", "4", "5" };
static const char *const rate_formats[] = { "epoch", "delta", "date" };

static int one_of(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return 1;
	return 0;
}

/* Each member of obj not in names[0..n) is a problem at its path. */
static void unknown_members(struct kt_map_walk *c, const json_t *obj, const char *const *names,
			    size_t n, const char *what)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		size_t mark;

		if (one_of(key, names, n))
			continue;
		mark = kt_map_walk_down(c, key);
		kt_map_walk_note(c, "is not %s", what);
		kt_map_walk_up(c, mark);
	}
}

static void check_text(struct kt_map_walk *c, const json_t *v)
{
	if (!kt_json_is_text(v, 1, KT_TOPDESK_REF_MAX))
		kt_map_walk_note(c, "must be a string of 1 to %d bytes", KT_TOPDESK_REF_MAX);
}

/* {"id": "..."} or {"name": "..."}: a value of one of TOPdesk's lists. */
static void check_ref(struct kt_map_walk *c, const json_t *ref)
{
	const json_t *id = json_object_get(ref, "id"), *name = json_object_get(ref, "name");
	size_t mark;

	if (!json_is_object(ref) || json_object_size(ref) != 1 || (!id && !name)) {
		kt_map_walk_note(c, "must be {\"id\": ...} or {\"name\": ...}");
		return;
	}
	mark = kt_map_walk_down(c, id ? "id" : "name");
	check_text(c, id ? id : name);
	kt_map_walk_up(c, mark);
}

/* A table of refs: the members of obj, each one of names (all of them
 * when required). */
static void check_ref_table(struct kt_map_walk *c, const json_t *obj, const char *const *names,
			    size_t n, const char *what)
{
	if (!json_is_object(obj)) {
		kt_map_walk_note(c, "must be an object");
		return;
	}
	unknown_members(c, obj, names, n, what);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_object_get(obj, names[i]);
		size_t mark;

		if (!v)
			continue;
		mark = kt_map_walk_down(c, names[i]);
		check_ref(c, v);
		kt_map_walk_up(c, mark);
	}
}

/* {"id"} of a registered caller, or {"dynamicName", "email"?}. */
static void check_caller(struct kt_map_walk *c, const json_t *caller)
{
	static const char *const by_id[] = { "id" };
	static const char *const by_name[] = { "dynamicName", "email" };
	int is_id = json_object_get(caller, "id") != NULL;
	size_t mark;

	if (!json_is_object(caller) ||
	    (!is_id && !json_object_get(caller, "dynamicName"))) {
		kt_map_walk_note(c, "must be {\"id\": person id} or {\"dynamicName\": ..., \"email\": ...}");
		return;
	}
	unknown_members(c, caller, is_id ? by_id : by_name, is_id ? 1 : 2,
			is_id ? "a member of a caller by id" : "a member of a caller by name");
	for (size_t i = 0; i < (is_id ? 1u : 2u); i++) {
		const char *key = (is_id ? by_id : by_name)[i];
		const json_t *v = json_object_get(caller, key);

		if (!v)
			continue;
		mark = kt_map_walk_down(c, key);
		check_text(c, v);
		kt_map_walk_up(c, mark);
	}
}

static void check_entries(struct kt_map_walk *c, const json_t *entries)
{
	const char *type;
	json_t *e;

	if (!json_is_object(entries) || json_object_size(entries) == 0) {
		kt_map_walk_note(c, "must be an object with an entry for at least one ticket type");
		return;
	}
	json_object_foreach((json_t *)entries, type, e) {
		enum kt_ticket_type t;
		size_t mark = kt_map_walk_down(c, type);

		if (kt_ticket_type_parse(type, &t) != 0)
			kt_map_walk_note(c, "is not a ticket type (incident, request, change, problem)");
		else if (!json_is_object(e) || !json_object_get(e, "callType"))
			kt_map_walk_note(c, "must be an object with a callType");
		else
			check_ref_table(c, e, entry_keys, sizeof(entry_keys) / sizeof(entry_keys[0]),
					"a field of an entry");
		kt_map_walk_up(c, mark);
	}
}

static void check_status_out(struct kt_map_walk *c, const json_t *obj)
{
	const char *names[KT_ST__COUNT];

	for (int s = 0; s < KT_ST__COUNT; s++)
		names[s] = kt_status_name((enum kt_status)s);
	check_ref_table(c, obj, names, KT_ST__COUNT, "a canonical status");
}

static void check_status_in(struct kt_map_walk *c, const json_t *obj)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		kt_map_walk_note(c, "must be an object");
		return;
	}
	json_object_foreach((json_t *)obj, key, v) {
		enum kt_status st;
		size_t mark = kt_map_walk_down(c, key);

		if (strlen(key) < 1 || strlen(key) > KT_TOPDESK_REF_MAX)
			kt_map_walk_note(c, "must be a processing status of 1 to %d bytes", KT_TOPDESK_REF_MAX);
		else if (!json_is_string(v) || kt_status_parse(json_string_value(v), &st) != 0)
			kt_map_walk_note(c, "must be a canonical status such as \"in_progress\"");
		kt_map_walk_up(c, mark);
	}
}

static void check_comments(struct kt_map_walk *c, const json_t *obj)
{
	static const char *const vis[] = { "public", "internal" };
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		kt_map_walk_note(c, "must be an object");
		return;
	}
	unknown_members(c, obj, authors, 3, "an author (customer, integrator, supplier)");
	json_object_foreach((json_t *)obj, key, v) {
		size_t mark;

		if (!one_of(key, authors, 3) || one_of(json_string_value(v), vis, 2))
			continue;
		mark = kt_map_walk_down(c, key);
		kt_map_walk_note(c, "must be \"public\" or \"internal\"");
		kt_map_walk_up(c, mark);
	}
}

static int is_header_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 64)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static void check_rate_limit(struct kt_map_walk *c, const json_t *obj)
{
	static const char *const keys[] = { "reset_header", "format" };
	size_t mark;

	if (!json_is_object(obj)) {
		kt_map_walk_note(c, "must be an object");
		return;
	}
	unknown_members(c, obj, keys, 2, "a member of rate_limit");
	mark = kt_map_walk_down(c, "reset_header");
	if (!is_header_name(json_string_value(json_object_get(obj, "reset_header"))))
		kt_map_walk_note(c, "must be a header name of 1 to 64 letters, digits and dashes");
	kt_map_walk_up(c, mark);
	mark = kt_map_walk_down(c, "format");
	if (!one_of(json_string_value(json_object_get(obj, "format")), rate_formats, 3))
		kt_map_walk_note(c, "must be \"epoch\", \"delta\" or \"date\"");
	kt_map_walk_up(c, mark);
}

/* The member key of m checked by fn at /key; a problem when it is
 * required and absent. */
static void member(struct kt_map_walk *c, const json_t *m, const char *key, int required,
		   void (*fn)(struct kt_map_walk *, const json_t *))
{
	const json_t *v = json_object_get(m, key);
	size_t mark = kt_map_walk_down(c, key);

	if (v)
		fn(c, v);
	else if (required)
		kt_map_walk_note(c, "is required");
	kt_map_walk_up(c, mark);
}

static void check_impact(struct kt_map_walk *c, const json_t *v)
{
	check_ref_table(c, v, levels3, 3, "a level from 1 to 3");
}

static void check_priority(struct kt_map_walk *c, const json_t *v)
{
	check_ref_table(c, v, levels5, 5, "a priority from 1 to 5");
}

int kt_topdesk_check_mapping(const json_t *mapping, struct kt_err *err)
{
	struct kt_map_walk c = { .err = err };

	if (!json_is_object(mapping)) {
		kt_map_walk_note(&c, "the topdesk adapter needs a mapping object (caller, integration_user, entries)");
		return kt_err_set(err, KT_EC_INVALID, "invalid_mapping", "mapping is not valid");
	}
	unknown_members(&c, mapping, top_keys, sizeof(top_keys) / sizeof(top_keys[0]),
			"a key of the topdesk mapping");
	member(&c, mapping, "caller", 1, check_caller);
	member(&c, mapping, "integration_user", 1, check_ref);
	member(&c, mapping, "entries", 1, check_entries);
	member(&c, mapping, "impact", 0, check_impact);
	member(&c, mapping, "urgency", 0, check_impact);
	member(&c, mapping, "priority", 0, check_priority);
	member(&c, mapping, "status_out", 0, check_status_out);
	member(&c, mapping, "status_in", 0, check_status_in);
	member(&c, mapping, "comments", 0, check_comments);
	member(&c, mapping, "rate_limit", 0, check_rate_limit);
	if (c.problems > 0)
		return kt_err_set(err, KT_EC_INVALID, "invalid_mapping",
				  "mapping is not valid (%d problem%s)", c.problems, c.problems == 1 ? "" : "s");
	return KT_OK;
}

const json_t *kt_topdesk_entry(const json_t *mapping, const char *type)
{
	const json_t *e = json_object_get(json_object_get(mapping, "entries"), type ? type : "");

	return json_is_object(e) ? e : NULL;
}

int kt_topdesk_accepts_type(const json_t *mapping, enum kt_ticket_type t)
{
	return kt_topdesk_entry(mapping, kt_ticket_type_name(t)) != NULL;
}

const json_t *kt_topdesk_ref_of(const json_t *mapping, const char *table, const char *key)
{
	const json_t *ref = json_object_get(json_object_get(mapping, table), key);

	return json_is_object(ref) ? ref : NULL;
}

int kt_topdesk_status_in(const json_t *mapping, const json_t *incident, enum kt_status *out)
{
	const json_t *ps = json_object_get(incident, "processingStatus");
	const json_t *in = json_object_get(mapping, "status_in");
	const char *keys[2] = { json_string_value(json_object_get(ps, "id")),
				json_string_value(json_object_get(ps, "name")) };

	for (int i = 0; i < 2; i++) {
		const char *canon = keys[i] ? json_string_value(json_object_get(in, keys[i])) : NULL;

		if (canon && kt_status_parse(canon, out) == 0)
			return 0;
	}
	if (json_is_true(json_object_get(incident, "closed")))
		*out = KT_ST_CLOSED;
	else if (json_is_true(json_object_get(incident, "completed")))
		*out = KT_ST_RESOLVED;
	else
		return -1;
	return 0;
}

int kt_topdesk_is_us(const json_t *mapping, const json_t *person)
{
	const json_t *us = json_object_get(mapping, "integration_user");
	static const char *const keys[] = { "id", "name" };

	for (size_t i = 0; i < 2; i++) {
		const char *want = json_string_value(json_object_get(us, keys[i]));
		const char *got = json_string_value(json_object_get(person, keys[i]));

		if (want && got && strcmp(want, got) == 0)
			return 1;
	}
	return 0;
}

int kt_topdesk_invisible(const json_t *mapping, const char *author)
{
	const char *vis = json_string_value(
		json_object_get(json_object_get(mapping, "comments"), author ? author : ""));

	if (vis)
		return strcmp(vis, "internal") == 0;
	return author && strcmp(author, "integrator") == 0;
}

long kt_topdesk_page_size(const json_t *supplier)
{
	const json_t *v = json_object_get(json_object_get(supplier, "poll"), "page_size");
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	return n >= 1 && n <= KT_TOPDESK_PAGE_SIZE_MAX ? (long)n : KT_TOPDESK_PAGE_DEFAULT;
}
