/* intake.c - validation of a new ticket's fields, every problem reported
 * with its JSON pointer. */
#include <ctype.h>

#include "model/chain_doc.h"
#include "intake/intake.h"

static const char *const known_fields[] = {
	"service", "type", "summary", "description", "impact", "urgency", "component",
	"category", "ci",
};

/* "/" + name escaped as a JSON Pointer token (~ -> ~0, / -> ~1), cut to
 * fit on a character boundary. */
static void json_pointer_token(const char *name, char *out, size_t outsz)
{
	size_t o = 0;

	out[o++] = '/';
	for (; *name && o + 3 < outsz; name++) {
		if (*name == '~' || *name == '/') {
			out[o++] = '~';
			out[o++] = *name == '~' ? '0' : '1';
		} else {
			out[o++] = *name;
		}
	}
	out[o] = '\0';
	kt_utf8_trim(out);
}

void kt_json_unknown_members(const json_t *body, const char *const *known, size_t n,
			     const char *what, struct kt_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)body, key, v) {
		size_t i;
		char path[80];

		for (i = 0; i < n && strcmp(known[i], key) != 0; i++)
			;
		if (i == n) {
			json_pointer_token(key, path, sizeof(path));
			kt_err_detail(err, path, "is not %s", what);
		}
	}
}

int kt_is_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

static const char *text_field(const json_t *body, const char *name, int required,
			      size_t min, size_t max, struct kt_err *err)
{
	const json_t *v = json_object_get(body, name);
	char path[40];
	size_t len;

	snprintf(path, sizeof(path), "/%s", name);
	if (!v || json_is_null(v)) {
		if (required)
			kt_err_detail(err, path, "is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		kt_err_detail(err, path, "must be a string");
		return NULL;
	}
	len = json_string_length(v);
	if (len < min || len > max) {
		kt_err_detail(err, path, "must be %zu to %zu bytes long", min, max);
		return NULL;
	}
	return json_string_value(v);
}

static int level_field(const json_t *body, const char *name, struct kt_err *err)
{
	const json_t *v = json_object_get(body, name);
	char path[40];

	snprintf(path, sizeof(path), "/%s", name);
	if (!v) {
		kt_err_detail(err, path, "is required");
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3) {
		kt_err_detail(err, path, "must be 1, 2 or 3");
		return 0;
	}
	return (int)json_integer_value(v);
}

int kt_intake_parse(const json_t *body, struct kt_intake *out, struct kt_err *err)
{
	const char *type;

	memset(out, 0, sizeof(*out));
	kt_json_unknown_members(body, known_fields,
				sizeof(known_fields) / sizeof(known_fields[0]), "a ticket field",
				err);
	out->service = text_field(body, "service", 1, 1, 64, err);
	type = text_field(body, "type", 1, 1, 32, err);
	if (type && kt_ticket_type_parse(type, &out->type) != 0)
		kt_err_detail(err, "/type", "must be incident, request, change or problem");
	out->summary = text_field(body, "summary", 1, 1, KT_SUMMARY_MAX, err);
	out->description = text_field(body, "description", 1, 0, KT_DESCRIPTION_MAX, err);
	out->component = text_field(body, "component", 0, 1, KT_CHAIN_KEY_MAX, err);
	out->category = text_field(body, "category", 0, 1, KT_CHAIN_NAME_MAX, err);
	out->ci = text_field(body, "ci", 0, 1, KT_CHAIN_NAME_MAX, err);
	out->impact = level_field(body, "impact", err);
	out->urgency = level_field(body, "urgency", err);
	if (err->details)
		return kt_err_set(err, KT_EC_INVALID, "invalid_ticket", "the ticket is not valid");
	if (!kt_is_uuid(out->service)) {
		kt_err_detail(err, "/service", "no such service");
		return kt_err_set(err, KT_EC_INVALID, "unknown_service", "unknown service \"%s\"",
				  out->service);
	}
	out->priority = kt_priority(out->impact, out->urgency);
	return KT_OK;
}

/* Other request bodies read their text members as a ticket's are read. */
const char *kt_json_text_member(const json_t *body, const char *name, int required,
				size_t min, size_t max, struct kt_err *err)
{
	return text_field(body, name, required, min, max, err);
}
