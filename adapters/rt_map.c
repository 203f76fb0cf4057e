/* rt_map.c - the mapping of the `rt` adapter (adapters/rt.md): its check
 * at chain import (the same rules as schemas/adapters/rt.json) and its
 * values read with the defaults taken from RT's default lifecycle and
 * priorities (etc/RT_Config.pm: %Lifecycles, %PriorityAsString). Pure. */
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "adapter_util.h"
#include "rt_int.h"

static const char *const type_names[KT_TYPE__COUNT] = {
	"incident", "request", "change", "problem",
};

/* Canonical status -> the RT status a write sets. */
static const char *const status_out_default[KT_ST__COUNT] = {
	[KT_ST_NEW] = "new",
	[KT_ST_ASSIGNED] = "open",
	[KT_ST_IN_PROGRESS] = "open",
	[KT_ST_PENDING_CUSTOMER] = "stalled",
	[KT_ST_PENDING_SUPPLIER] = "stalled",
	[KT_ST_RESOLVED] = "resolved",
	[KT_ST_CLOSED] = "resolved",
	[KT_ST_CANCELLED] = "rejected",
};

/* RT's default lifecycle, read back. */
static const struct {
	const char *rt;
	enum kt_status st;
} status_in_default[] = {
	{ "new", KT_ST_NEW },
	{ "open", KT_ST_IN_PROGRESS },
	{ "stalled", KT_ST_PENDING_CUSTOMER },
	{ "resolved", KT_ST_RESOLVED },
	{ "rejected", KT_ST_CANCELLED },
	{ "deleted", KT_ST_CANCELLED },
};

/* Our priority 1 (critical) .. 5 (planning) -> RT's Priority (Low 0,
 * Medium 50, High 100). */
static const int priority_default[5] = { 100, 75, 50, 25, 0 };

static const char *const authors[] = { "customer", "integrator", "supplier" };
static const enum rt_comment_kind author_default[] = {
	RT_CORRESPOND, RT_COMMENT, RT_CORRESPOND,
};

static const char *const known_keys[] = {
	"queues", "reference_field", "integration_user", "requestor", "priority",
	"status_out", "status_in", "comments", "page_size", "rate_limit",
};

static const char *text(const json_t *mapping, const char *key)
{
	return json_string_value(json_object_get(mapping, key));
}

const char *rt_map_queue(const json_t *mapping, enum kt_ticket_type t)
{
	if ((unsigned)t >= KT_TYPE__COUNT)
		return NULL;
	return json_string_value(json_object_get(json_object_get(mapping, "queues"),
						 type_names[t]));
}

const char *rt_map_field(const json_t *mapping)
{
	return text(mapping, "reference_field");
}

const char *rt_map_requestor(const json_t *mapping)
{
	return text(mapping, "requestor");
}

const char *rt_map_integration_user(const json_t *mapping)
{
	return text(mapping, "integration_user");
}

int rt_map_priority(const json_t *mapping, int priority)
{
	char key[4];
	const json_t *v;

	if (priority < 1 || priority > 5)
		priority = 3;
	snprintf(key, sizeof(key), "%d", priority);
	v = json_object_get(json_object_get(mapping, "priority"), key);
	return json_is_integer(v) ? (int)json_integer_value(v) : priority_default[priority - 1];
}

const char *rt_map_status_out(const json_t *mapping, enum kt_status s)
{
	const char *v;

	if ((unsigned)s >= KT_ST__COUNT)
		return NULL;
	v = json_string_value(json_object_get(json_object_get(mapping, "status_out"),
					      kt_status_name(s)));
	return v ? v : status_out_default[s];
}

int rt_map_status_in(const json_t *mapping, const char *name, enum kt_status *out)
{
	const char *v = json_string_value(
		json_object_get(json_object_get(mapping, "status_in"), name));

	if (v)
		return kt_status_parse(v, out);
	for (size_t i = 0; i < sizeof(status_in_default) / sizeof(status_in_default[0]); i++)
		if (strcmp(status_in_default[i].rt, name) == 0) {
			*out = status_in_default[i].st;
			return 0;
		}
	return -1;
}

enum rt_comment_kind rt_map_comment_kind(const json_t *mapping, const char *author)
{
	const json_t *comments = json_object_get(mapping, "comments");

	for (size_t i = 0; author && i < sizeof(authors) / sizeof(authors[0]); i++) {
		const char *v;

		if (strcmp(authors[i], author) != 0)
			continue;
		v = json_string_value(json_object_get(comments, author));
		if (v)
			return strcmp(v, "correspond") == 0 ? RT_CORRESPOND : RT_COMMENT;
		return author_default[i];
	}
	return RT_COMMENT; /* an author we do not know: internal */
}

int rt_map_page_size(const json_t *mapping)
{
	const json_t *v = json_object_get(mapping, "page_size");

	return json_is_integer(v) ? (int)json_integer_value(v) : RT_PAGE_DEFAULT;
}

int rt_accepts_type(const json_t *mapping, enum kt_ticket_type t)
{
	return rt_map_queue(mapping, t) != NULL;
}

int rt_is_sql_text(const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len > max)
		return 0;
	for (size_t i = 0; i < len;) {
		size_t n = kt_utf8_char((const unsigned char *)s + i, len - i);

		if (n == 0 || (n == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
					  strchr("'\"\\[", s[i]))))
			return 0;
		i += n;
	}
	return 1;
}

static void check_name(struct kt_map_walk *c, const json_t *v, const char *path)
{
	if (!rt_is_sql_text(json_string_value(v), RT_NAME_MAX))
		kt_map_walk_note_at(c, path, "must be an RT name: 1 to 200 bytes of UTF-8 without control "
				 "characters, quotes, backslashes or '['");
}

/* An object whose members are each one of keys[0..n) (NULL keys: any
 * name), with a value checked by fn. */
static void check_object(struct kt_map_walk *c, const json_t *obj, const char *path,
			 const char *const *keys, size_t n,
			 void (*fn)(struct kt_map_walk *, const json_t *, const char *))
{
	const char *key;
	const json_t *v;
	char sub[256];

	if (!json_is_object(obj)) {
		kt_map_walk_note_at(c, path, "must be an object");
		return;
	}
	json_object_foreach((json_t *)obj, key, v) {
		size_t i = 0;

		snprintf(sub, sizeof(sub), "%s/%s", path, key);
		while (keys && i < n && strcmp(keys[i], key) != 0)
			i++;
		if (keys && i == n)
			kt_map_walk_note_at(c, sub, "is not a known key here");
		else
			fn(c, v, sub);
	}
}

static void check_status(struct kt_map_walk *c, const json_t *v, const char *path)
{
	enum kt_status st;

	if (!json_is_string(v) || kt_status_parse(json_string_value(v), &st) != 0)
		kt_map_walk_note_at(c, path, "must be a canonical status such as \"in_progress\"");
}

static void check_priority(struct kt_map_walk *c, const json_t *v, const char *path)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 2147483647)
		kt_map_walk_note_at(c, path, "must be an integer from 0 to 2147483647");
}

static void check_comment_kind(struct kt_map_walk *c, const json_t *v, const char *path)
{
	const char *s = json_string_value(v);

	if (!s || (strcmp(s, "comment") != 0 && strcmp(s, "correspond") != 0))
		kt_map_walk_note_at(c, path, "must be \"comment\" or \"correspond\"");
}

static void check_rate_limit_member(struct kt_map_walk *c, const json_t *v, const char *path)
{
	const char *s = json_string_value(v);

	if (strcmp(strrchr(path, '/'), "/reset_header") == 0) {
		if (!s || !*s || strlen(s) > 100 || strpbrk(s, " \t\r\n:"))
			kt_map_walk_note_at(c, path, "must be an HTTP header name");
	} else if (!s || (strcmp(s, "epoch") && strcmp(s, "delta") && strcmp(s, "date"))) {
		kt_map_walk_note_at(c, path, "must be \"epoch\", \"delta\" or \"date\"");
	}
}

static void check_rate_limit(struct kt_map_walk *c, const json_t *v, const char *path)
{
	static const char *const keys[] = { "reset_header", "format" };

	check_object(c, v, path, keys, 2, check_rate_limit_member);
	if (json_is_object(v) && !json_object_get(v, keys[0]))
		kt_map_walk_note_at(c, path, "needs reset_header");
}

static void check_members(struct kt_map_walk *c, const json_t *m)
{
	static const char *const statuses[KT_ST__COUNT] = {
		"new", "assigned", "in_progress", "pending_customer", "pending_supplier",
		"resolved", "closed", "cancelled",
	};
	const json_t *queues = json_object_get(m, "queues");
	const json_t *page = json_object_get(m, "page_size");
	const char *key;
	const json_t *v;

	if (!queues)
		kt_map_walk_note_at(c, "/queues", "is required: the RT queue of each ticket type");
	else {
		check_object(c, queues, "/queues", type_names, KT_TYPE__COUNT, check_name);
		if (json_is_object(queues) && json_object_size(queues) == 0)
			kt_map_walk_note_at(c, "/queues", "must name the queue of at least one ticket type");
	}
	if (!json_object_get(m, "reference_field"))
		kt_map_walk_note_at(c, "/reference_field", "is required: the custom field holding Keten's reference");
	else if (json_is_string(json_object_get(m, "reference_field")) &&
		 strchr(json_string_value(json_object_get(m, "reference_field")), '}'))
		kt_map_walk_note_at(c, "/reference_field", "must not hold '}' (TicketSQL reads CF.{name})");
	else
		check_name(c, json_object_get(m, "reference_field"), "/reference_field");
	if (!json_object_get(m, "integration_user"))
		kt_map_walk_note_at(c, "/integration_user", "is required: Keten's own RT user");
	else
		check_name(c, json_object_get(m, "integration_user"), "/integration_user");
	if (json_object_get(m, "requestor"))
		check_name(c, json_object_get(m, "requestor"), "/requestor");
	if ((v = json_object_get(m, "priority"))) {
		static const char *const prios[] = { "1", "2", "3", "4", "5" };

		check_object(c, v, "/priority", prios, 5, check_priority);
	}
	if ((v = json_object_get(m, "status_out")))
		check_object(c, v, "/status_out", statuses, KT_ST__COUNT, check_name);
	if ((v = json_object_get(m, "status_in"))) {
		const json_t *st;

		check_object(c, v, "/status_in", NULL, 0, check_status);
		json_object_foreach((json_t *)v, key, st)
			if (!rt_is_sql_text(key, RT_NAME_MAX))
				kt_map_walk_note_at(c, "/status_in", "has a key that is not an RT status name");
	}
	if ((v = json_object_get(m, "comments")))
		check_object(c, v, "/comments", authors, 3, check_comment_kind);
	if (page && (!json_is_integer(page) || json_integer_value(page) < 1 ||
		     json_integer_value(page) > RT_PAGE_MAX))
		kt_map_walk_note_at(c, "/page_size", "must be an integer from 1 to 100");
	if ((v = json_object_get(m, "rate_limit")))
		check_rate_limit(c, v, "/rate_limit");
}

int rt_check_mapping(const json_t *mapping, struct kt_err *err)
{
	struct kt_map_walk c = { .err = err };
	const char *key;
	const json_t *v;

	if (!json_is_object(mapping))
		kt_map_walk_note_at(&c, "", "the rt adapter needs a mapping object (queues, reference_field, "
				"integration_user)");
	else {
		json_object_foreach((json_t *)mapping, key, v) {
			size_t i = 0, n = sizeof(known_keys) / sizeof(known_keys[0]);
			char path[256];

			while (i < n && strcmp(known_keys[i], key) != 0)
				i++;
			snprintf(path, sizeof(path), "/%s", key);
			if (i == n)
				kt_map_walk_note_at(&c, path, "is not a key of the rt mapping");
		}
		check_members(&c, mapping);
	}
	if (c.problems == 0)
		return KT_OK;
	return kt_err_set(err, KT_EC_INVALID, "invalid_mapping",
			  "the rt mapping has %d problem%s", c.problems, c.problems == 1 ? "" : "s");
}
