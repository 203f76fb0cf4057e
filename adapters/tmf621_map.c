/* tmf621_map.c - the `tmf621` adapter's mapping: its check at chain import
 * (the rules of schemas/adapters/tmf621.json, one err detail per problem)
 * and what it says when a message is built or an event read: the API
 * version, the ticketType per ticket type, severity and priority, the
 * statuses both ways (defaults from TMF621's state model), which comments
 * are sent, who Keten is among the notes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/json_field.h"
#include "adapter_util.h"
#include "tmf621_int.h"

/* The eight values of TroubleTicketStatusType (v4 and v5). */
static const char *const tmf_statuses[] = {
	"acknowledged", "rejected", "pending", "held",
	"inProgress", "cancelled", "closed", "resolved",
};
#define N_TMF_STATUSES (sizeof(tmf_statuses) / sizeof(tmf_statuses[0]))

/* Canonical status -> the seller's (index: enum kt_status). */
static const char *const default_out[KT_ST__COUNT] = {
	[KT_ST_NEW] = "acknowledged", [KT_ST_ASSIGNED] = "acknowledged",
	[KT_ST_IN_PROGRESS] = "inProgress", [KT_ST_PENDING_CUSTOMER] = "pending",
	[KT_ST_PENDING_SUPPLIER] = "held", [KT_ST_RESOLVED] = "resolved",
	[KT_ST_CLOSED] = "closed", [KT_ST_CANCELLED] = "cancelled",
};

/* The seller's status -> canonical ("reject": the seller refuses the leg). */
static const char *const default_in[][2] = {
	{ "acknowledged", "assigned" }, { "inProgress", "in_progress" },
	{ "pending", "pending_customer" }, { "held", "pending_supplier" },
	{ "resolved", "resolved" }, { "closed", "closed" },
	{ "cancelled", "cancelled" }, { "rejected", "reject" },
};

static const char *const default_severity[5] = { "Critical", "Major", "Major", "Minor",
						  "Minor" };

static const char *const top_keys[] = {
	"version", "base_path", "entries", "severity", "priority", "related_party",
	"status_out", "status_in", "author", "owner", "work_notes", "note_patch",
	"notes_in", "poll_filter", "rate_limit",
};
#define N_TOP (sizeof(top_keys) / sizeof(top_keys[0]))

static int listed(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static int is_level(const char *key)
{
	return key && key[0] >= '1' && key[0] <= '5' && key[1] == '\0';
}

static void want_text(struct kt_map_walk *c, const json_t *v)
{
	if (!kt_json_is_text(v, 1, KT_TMF_TEXT_MAX))
		kt_map_walk_note(c, "must be a string of 1 to %d bytes", KT_TMF_TEXT_MAX);
}

/* Checks each member of obj (which must be an object) with fn(key, value):
 * fn returns a problem's text or NULL. */
static void each_member(struct kt_map_walk *c, const json_t *obj,
			const char *(*fn)(const char *key, const json_t *v))
{
	const char *key, *why;
	json_t *v;

	if (!json_is_object(obj)) {
		kt_map_walk_note(c, "must be an object");
		return;
	}
	json_object_foreach((json_t *)obj, key, v) {
		if ((why = fn(key, v))) {
			size_t back = kt_map_walk_down(c, key);

			kt_map_walk_note(c, "%s", why);
			kt_map_walk_up(c, back);
		}
	}
}

static const char *entry_problem(const char *key, const json_t *v)
{
	enum kt_ticket_type t;

	if (kt_ticket_type_parse(key, &t) != 0)
		return "is not a ticket type (incident, request, change, problem)";
	if (!json_is_object(v) || json_object_size(v) != 1 ||
	    !kt_json_is_text(json_object_get(v, "ticketType"), 1, KT_TMF_TEXT_MAX))
		return "must be {\"ticketType\": a string of 1 to 255 bytes}";
	return NULL;
}

static const char *level_problem(const char *key, const json_t *v)
{
	if (!is_level(key))
		return "is not a priority from 1 to 5";
	return kt_json_is_text(v, 1, KT_TMF_TEXT_MAX) ? NULL : "must be a string of 1 to 255 bytes";
}

static const char *status_out_problem(const char *key, const json_t *v)
{
	enum kt_status st;

	if (kt_status_parse(key, &st) != 0)
		return "is not a canonical status";
	return listed(json_string_value(v), tmf_statuses, N_TMF_STATUSES)
		       ? NULL
		       : "must be a TMF621 status (acknowledged, rejected, pending, held, "
			 "inProgress, cancelled, closed, resolved)";
}

static const char *status_in_problem(const char *key, const json_t *v)
{
	const char *s = json_string_value(v);
	enum kt_status st;

	if (strlen(key) < 1 || strlen(key) > KT_TMF_TEXT_MAX)
		return "must be a status of 1 to 255 bytes";
	return s && (strcmp(s, "reject") == 0 || kt_status_parse(s, &st) == 0)
		       ? NULL
		       : "must be a canonical status or \"reject\"";
}

static void check_entries(struct kt_map_walk *c, const json_t *v)
{
	if (json_is_object(v) && json_object_size(v) == 0)
		kt_map_walk_note(c, "must name an entry for at least one ticket type");
	else
		each_member(c, v, entry_problem);
}

static void check_levels(struct kt_map_walk *c, const json_t *v)
{
	each_member(c, v, level_problem);
}

static void check_status_out(struct kt_map_walk *c, const json_t *v)
{
	each_member(c, v, status_out_problem);
}

static void check_status_in(struct kt_map_walk *c, const json_t *v)
{
	each_member(c, v, status_in_problem);
}

static void check_version(struct kt_map_walk *c, const json_t *v)
{
	if (!json_is_integer(v) || (json_integer_value(v) != 4 && json_integer_value(v) != 5))
		kt_map_walk_note(c, "must be 4 or 5");
}

static void check_base_path(struct kt_map_walk *c, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > KT_TMF_TEXT_MAX || s[0] != '/' || s[n - 1] == '/' ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-._~") != n)
		kt_map_walk_note(c, "must be a path such as \"/tmf-api/troubleTicket/v5\" (no trailing /)");
}

static void check_bool(struct kt_map_walk *c, const json_t *v)
{
	if (!json_is_boolean(v))
		kt_map_walk_note(c, "must be true or false");
}

static void check_note_patch(struct kt_map_walk *c, const json_t *v)
{
	static const char *const ways[] = { "json-patch", "merge" };

	if (!listed(json_string_value(v), ways, 2))
		kt_map_walk_note(c, "must be \"json-patch\" or \"merge\"");
}

static void check_notes_in(struct kt_map_walk *c, const json_t *v)
{
	static const char *const vis[] = { "public", "internal" };

	if (!listed(json_string_value(v), vis, 2))
		kt_map_walk_note(c, "must be \"public\" or \"internal\"");
}

/* One related party: {"role", "id", "name"?, "referred_type"?}. */
static void check_party(struct kt_map_walk *c, const json_t *p)
{
	static const char *const keys[] = { "role", "id", "name", "referred_type" };
	const char *key;
	json_t *v;

	if (!json_is_object(p) || !json_object_get(p, "role") || !json_object_get(p, "id")) {
		kt_map_walk_note(c, "must be an object with a role and an id");
		return;
	}
	json_object_foreach((json_t *)p, key, v) {
		size_t back = kt_map_walk_down(c, key);

		if (!listed(key, keys, 4))
			kt_map_walk_note(c, "is not a member of a related party (role, id, name, referred_type)");
		else
			want_text(c, v);
		kt_map_walk_up(c, back);
	}
}

static void check_parties(struct kt_map_walk *c, const json_t *v)
{
	size_t i;
	json_t *p;

	if (!json_is_array(v) || json_array_size(v) > 8) {
		kt_map_walk_note(c, "must be an array of at most 8 related parties");
		return;
	}
	json_array_foreach(v, i, p) {
		char idx[24];
		size_t back;

		snprintf(idx, sizeof(idx), "%zu", i);
		back = kt_map_walk_down(c, idx);
		check_party(c, p);
		kt_map_walk_up(c, back);
	}
}

/* {"reset_header": a header name, "format": "epoch"|"delta"|"date"}:
 * read by the broker; only allowed here. */
static void check_rate_limit(struct kt_map_walk *c, const json_t *v)
{
	static const char *const formats[] = { "epoch", "delta", "date" };
	const char *h = json_string_value(json_object_get(v, "reset_header"));
	size_t n = h ? strlen(h) : 0;

	if (!json_is_object(v) || json_object_size(v) != 2 || n < 1 || n > 64 ||
	    strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != n ||
	    !listed(json_string_value(json_object_get(v, "format")), formats, 3))
		kt_map_walk_note(c, "must be {\"reset_header\": a header name, \"format\": \"epoch\", "
			"\"delta\" or \"date\"}");
}

static const struct {
	const char *key;
	int required;
	void (*fn)(struct kt_map_walk *c, const json_t *v);
} members[] = {
	{ "version", 1, check_version },       { "base_path", 0, check_base_path },
	{ "entries", 1, check_entries },       { "severity", 0, check_levels },
	{ "priority", 0, check_levels },       { "related_party", 0, check_parties },
	{ "status_out", 0, check_status_out }, { "status_in", 0, check_status_in },
	{ "author", 0, want_text },            { "owner", 0, want_text },
	{ "work_notes", 0, check_bool },       { "note_patch", 0, check_note_patch },
	{ "notes_in", 0, check_notes_in },     { "poll_filter", 0, check_bool },
	{ "rate_limit", 0, check_rate_limit },
};

int kt_tmf_check_mapping(const json_t *mapping, struct kt_err *err)
{
	struct kt_map_walk c = { .err = err };
	const char *key;
	json_t *v;

	if (!json_is_object(mapping)) {
		kt_map_walk_note(&c, "the tmf621 adapter needs a mapping object (version, entries)");
		return kt_err_set(err, KT_EC_INVALID, "invalid_mapping", "mapping is not valid");
	}
	json_object_foreach((json_t *)mapping, key, v) {
		size_t back;

		if (listed(key, top_keys, N_TOP))
			continue;
		back = kt_map_walk_down(&c, key);
		kt_map_walk_note(&c, "is not a key of the tmf621 mapping");
		kt_map_walk_up(&c, back);
	}
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const json_t *m = json_object_get(mapping, members[i].key);
		size_t back = kt_map_walk_down(&c, members[i].key);

		if (m)
			members[i].fn(&c, m);
		else if (members[i].required)
			kt_map_walk_note(&c, "is required");
		kt_map_walk_up(&c, back);
	}
	if (c.problems > 0)
		return kt_err_set(err, KT_EC_INVALID, "invalid_mapping",
				  "mapping is not valid (%d problem%s)", c.problems, c.problems == 1 ? "" : "s");
	return KT_OK;
}

int kt_tmf_version(const json_t *mapping)
{
	return json_integer_value(json_object_get(mapping, "version")) == 4 ? 4 : 5;
}

const char *kt_tmf_ticket_type(const json_t *mapping, const char *type)
{
	const json_t *e = json_object_get(json_object_get(mapping, "entries"), type ? type : "");

	return json_string_value(json_object_get(e, "ticketType"));
}

int kt_tmf_accepts_type(const json_t *mapping, enum kt_ticket_type t)
{
	return kt_tmf_ticket_type(mapping, kt_ticket_type_name(t)) != NULL;
}

const char *kt_tmf_level(const json_t *mapping, const char *table, int p)
{
	char key[4];
	const char *v;

	if (p < 1 || p > 5)
		return NULL;
	snprintf(key, sizeof(key), "%d", p);
	v = json_string_value(json_object_get(json_object_get(mapping, table), key));
	if (!v && strcmp(table, "severity") == 0)
		v = default_severity[p - 1];
	return v;
}

const char *kt_tmf_status_out(const json_t *mapping, enum kt_status s)
{
	const char *v = json_string_value(
		json_object_get(json_object_get(mapping, "status_out"), kt_status_name(s)));

	return v ? v : default_out[s];
}

int kt_tmf_status_in(const json_t *mapping, const char *name, enum kt_status *out)
{
	const char *canon = name ? json_string_value(
		json_object_get(json_object_get(mapping, "status_in"), name)) : NULL;

	for (size_t i = 0; !canon && name && i < sizeof(default_in) / sizeof(default_in[0]); i++)
		if (strcmp(default_in[i][0], name) == 0)
			canon = default_in[i][1];
	if (!canon)
		return -1;
	if (strcmp(canon, "reject") == 0)
		return 1;
	return kt_status_parse(canon, out) == 0 ? 0 : -1;
}

static const char *text_or(const json_t *mapping, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(mapping, key));

	return v ? v : dflt;
}

const char *kt_tmf_author(const json_t *mapping)
{
	return text_or(mapping, "author", KT_TMF_AUTHOR_DEFAULT);
}

const char *kt_tmf_owner(const json_t *mapping)
{
	return text_or(mapping, "owner", KT_TMF_OWNER_DEFAULT);
}

int kt_tmf_sends_comment(const json_t *mapping, const char *author)
{
	return !author || strcmp(author, "integrator") != 0 ||
	       json_is_true(json_object_get(mapping, "work_notes"));
}

int kt_tmf_note_json_patch(const json_t *mapping)
{
	return strcmp(text_or(mapping, "note_patch", "json-patch"), "json-patch") == 0;
}

int kt_tmf_notes_public(const json_t *mapping)
{
	return strcmp(text_or(mapping, "notes_in", "public"), "public") == 0;
}

int kt_tmf_poll_filter(const json_t *mapping)
{
	return !json_is_false(json_object_get(mapping, "poll_filter"));
}

long kt_tmf_page_size(const json_t *supplier)
{
	const json_t *v = json_object_get(json_object_get(supplier, "poll"), "page_size");
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	return n >= 1 && n <= KT_TMF_PAGE_MAX ? (long)n : KT_TMF_PAGE_DEFAULT;
}
