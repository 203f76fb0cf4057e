/* adapters/jira_list.c - listing the issues Keten made at a Jira site for
 * `keten reconcile` (see jira_int.h): one JQL search, `(<poll_jql>) AND
 * labels is not EMPTY ORDER BY key ASC` (or `cf[NNNNN] is not EMPTY` for
 * a reference field), pages by Jira's nextPageToken; an issue counts when
 * it carries our reference (a label of the prefix and a leg id, or the
 * field holding one). */
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "jira_int.h"

int kt_jira_build_list(const json_t *supplier, const char *page, struct kt_http_request *out,
		       struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	const char *scope = json_string_value(json_object_get(mapping, "poll_jql"));
	const char *field = kt_jira_ref_field(mapping);
	struct kt_buf jql;

	kt_buf_init(&jql, 4096);
	if (scope)
		kt_buf_addf(&jql, "(%s) AND ", scope);
	if (field)
		kt_buf_addf(&jql, "cf[%s] is not EMPTY", field + strlen("customfield_"));
	else
		kt_buf_adds(&jql, "labels is not EMPTY");
	kt_buf_adds(&jql, " ORDER BY key ASC");
	return kt_jira_search_page(out, supplier, &jql, "", page, err);
}

/* One issue of the page into out when it carries our reference. */
static int read_one(const json_t *mapping, const json_t *issue, void *arg,
		    struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *id = json_object_get(issue, "id");
	const char *leg = kt_jira_leg_of(mapping, json_object_get(issue, "fields"));
	struct kt_inbound_update *u;

	(void)arg;
	if (!kt_json_is_text(id, 1, KT_JIRA_ID_MAX))
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "an issue of jira's listing has no id");
	if (!leg)
		return KT_OK;
	if (!(u = kt_inbound_list_add(out)) || !(u->external_id = strdup(json_string_value(id))) ||
	    !(u->leg_id = strdup(leg)))
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
	return KT_OK;
}

int kt_jira_read_list(const json_t *supplier, const char *page, const struct kt_answer *a,
		      struct kt_inbound_list *out, struct kt_err *err)
{
	(void)page;
	return kt_jira_read_page(supplier, a, "the listing", read_one, NULL, out, err);
}
