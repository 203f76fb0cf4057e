/* intake.c - validation of a new ticket's fields, every problem reported
 * with its JSON pointer. */
#include "base/json_field.h"
#include "intake/intake.h"
#include "model/chain_doc.h"

static const char *const known_fields[] = {
	"service", "type", "summary", "description", "impact", "urgency", "component",
	"category", "ci",
};

int kt_intake_level(const json_t *body, const char *name, struct kt_err *err)
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
	out->service = kt_json_text_member(body, "service", 1, 1, 64, err);
	type = kt_json_text_member(body, "type", 1, 1, 32, err);
	if (type && kt_ticket_type_parse(type, &out->type) != 0)
		kt_err_detail(err, "/type", "must be incident, request, change or problem");
	out->summary = kt_json_text_member(body, "summary", 1, 1, KT_SUMMARY_MAX, err);
	out->description = kt_json_text_member(body, "description", 1, 0, KT_DESCRIPTION_MAX, err);
	out->component = kt_json_text_member(body, "component", 0, 1, KT_CHAIN_KEY_MAX, err);
	out->category = kt_json_text_member(body, "category", 0, 1, KT_CHAIN_NAME_MAX, err);
	out->ci = kt_json_text_member(body, "ci", 0, 1, KT_CHAIN_NAME_MAX, err);
	out->impact = kt_intake_level(body, "impact", err);
	out->urgency = kt_intake_level(body, "urgency", err);
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
