/* jira_check.c - the `jira` adapter's live checks for `keten supplier
 * check` (keten/adapter.h build_check/read_check): check 0 logs in and
 * reads Keten's own account (GET /rest/api/3/myself), whose accountId
 * must be the mapping's integration_user; then one check per entry, in
 * mapping order: a JSM entry's request type must exist in its service
 * desk and show the field that carries our reference (GET .../servicedesk
 * /{id}/requesttype/{id}/field); a platform entry's project must exist
 * and have the issue type (GET /rest/api/3/project/{key}). */
#include <stdio.h>
#include <string.h>

#include "base/url.h"
#include "adapter_util.h"
#include "jira_int.h"

#define PATH_LEN 80

/* Entry i (from 0) of the mapping: its ticket type and object; -1 past
 * the last. */
static int nth_entry(const json_t *mapping, int i, const char **type, const json_t **entry)
{
	const char *t;
	json_t *e;

	json_object_foreach(json_object_get(mapping, "entries"), t, e) {
		if (i-- > 0)
			continue;
		*type = t;
		*entry = e;
		return 0;
	}
	return -1;
}

static int unknown(struct kt_err *err, const char *path, const char *what)
{
	return kt_check_unknown(err, path, what, "jira does not know a value of the mapping");
}

int kt_jira_build_check(const json_t *supplier, int i, struct kt_http_request *out,
			struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping"), *entry;
	enum kt_jira_api api;
	const char *type;
	struct kt_buf url;

	if (i == 0) {
		if (kt_jira_url(&url, supplier, "/rest/api/3/myself", err)) {
			kt_buf_release(&url);
			return KT_ERR;
		}
		return kt_jira_request(out, "GET", &url, NULL, err);
	}
	if (i < 0 || nth_entry(mapping, i - 1, &type, &entry) != 0 ||
	    !kt_jira_entry(mapping, type, &api))
		return KT_OK;
	if (api == KT_JIRA_SERVICEDESK) {
		if (kt_jira_url(&url, supplier, "/rest/servicedeskapi/servicedesk/", err))
			goto fail;
		kt_url_pcts(&url, json_string_value(json_object_get(entry, "serviceDeskId")));
		kt_buf_adds(&url, "/requesttype/");
		kt_url_pcts(&url, json_string_value(json_object_get(entry, "requestTypeId")));
		kt_buf_adds(&url, "/field");
	} else {
		const json_t *p = json_object_get(entry, "project");
		const char *key = json_string_value(json_object_iter_value(json_object_iter((json_t *)p)));

		if (kt_jira_url(&url, supplier, "/rest/api/3/project/", err))
			goto fail;
		kt_url_pcts(&url, key ? key : "");
	}
	return kt_jira_request(out, "GET", &url, NULL, err);
fail:
	kt_buf_release(&url);
	return KT_ERR;
}

/* 1 when list (an array of objects) has one whose member key is want. */
static int has(const json_t *list, const char *key, const char *want)
{
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x) {
		const char *v = json_string_value(json_object_get(x, key));

		if (v && want && strcmp(v, want) == 0)
			return 1;
	}
	return 0;
}

/* A JSM request type's fields must include our reference's field. */
static int read_request_type(const json_t *mapping, const char *type, const json_t *doc,
			     struct kt_err *err)
{
	const char *field = kt_jira_ref_field(mapping);
	char path[PATH_LEN], what[200];

	if (has(json_object_get(doc, "requestTypeFields"), "fieldId", field ? field : "labels"))
		return KT_OK;
	snprintf(path, sizeof(path), "/entries/%s/requestTypeId", type);
	snprintf(what, sizeof(what), "the request type does not show the field %s that carries "
		 "Keten's reference", field ? field : "labels");
	return unknown(err, path, what);
}

/* A platform project must have the entry's issue type. */
static int read_project(const json_t *entry, const char *type, const json_t *doc,
			struct kt_err *err)
{
	const json_t *it = json_object_get(entry, "issuetype");
	const char *id = json_string_value(json_object_get(it, "id"));
	const json_t *types = json_object_get(doc, "issueTypes");
	char path[PATH_LEN];

	if (id ? has(types, "id", id)
	       : has(types, "name", json_string_value(json_object_get(it, "name"))))
		return KT_OK;
	snprintf(path, sizeof(path), "/entries/%s/issuetype", type);
	return unknown(err, path, "the project has no such issue type");
}

int kt_jira_read_check(const json_t *supplier, int i, const struct kt_answer *a,
		       struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping"), *entry = NULL;
	enum kt_jira_api api = KT_JIRA_PLATFORM;
	const char *type = "";
	char path[PATH_LEN];
	json_t *doc;
	int rc;

	if (a->http_status == 401 || a->http_status == 403)
		return unknown(err, "", "jira refuses the account's credentials (email and API "
			       "token, or OAuth token)");
	if (i > 0 && nth_entry(mapping, i - 1, &type, &entry) == 0)
		kt_jira_entry(mapping, type, &api);
	if (i > 0 && a->http_status == 404) {
		snprintf(path, sizeof(path), "/entries/%s/%s", type,
			 api == KT_JIRA_SERVICEDESK ? "requestTypeId" : "project");
		return unknown(err, path, api == KT_JIRA_SERVICEDESK
			? "jira has no such request type in that service desk"
			: "jira has no such project");
	}
	if (!(doc = kt_jira_answer_object(a, "a check", err))) {
		kt_err_release(err);
		return unknown(err, "", "jira does not answer the check with a JSON object");
	}
	if (i == 0)
		rc = kt_jira_is_us(mapping, json_string_value(json_object_get(doc, "accountId")))
			     ? KT_OK
			     : unknown(err, "/integration_user",
				       "is not the accountId of the account Keten logs in as");
	else if (api == KT_JIRA_SERVICEDESK)
		rc = read_request_type(mapping, type, doc, err);
	else
		rc = read_project(entry, type, doc, err);
	json_decref(doc);
	return rc;
}
