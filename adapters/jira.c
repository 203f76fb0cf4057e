/* jira.c - the `jira` adapter's calls to Jira (adapters/jira.md): a leg
 * becomes a JSM request or a platform issue as its type's entry says,
 * with our reference in the create call; status changes go through the
 * workflow (read the transitions the issue offers, then take the one the
 * mapping names); comments go public or internal; a write retried after a
 * doubt first reads whether it landed. The lookup searches our reference
 * with JQL; error texts are read from Jira's ErrorCollection. Webhooks and
 * polls: jira_read.c; mapping: jira_map.c; wire text: jira_text.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/json_field.h"
#include "base/url.h"
#include "base/utf8.h"
#include "adapter_util.h"
#include "jira.h"
#include "jira_int.h"

/* Longest comment marker (a comment's origin, or the message id). */
#define MARKER_MAX 128
/* The step of a write that follows the read of the issue. */
#define STEP_WRITE 1
/* Reads before a retried write, after which the message gives up. */
#define ROUNDS_MAX 3
/* Comments read back when a retried comment looks for its marker. */
#define COMMENTS_READ 100

static int out_of_memory(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

static int refuse(struct kt_err *err, const char *what)
{
	return kt_err_set(err, KT_EC_INVALID, "adapter_build", "%s", what);
}

static int bad_reply(struct kt_err *err, const char *what)
{
	return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "%s", what);
}

static const json_t *leg_of(const struct kt_adapter_msg *msg)
{
	return json_object_get(msg->leg_view, "leg");
}

static const json_t *mapping_of(const struct kt_adapter_msg *msg)
{
	return json_object_get(msg->supplier, "mapping");
}

static const json_t *comment_of(const struct kt_adapter_msg *msg)
{
	return json_object_get(msg->payload, "comment");
}

static int is_status_op(const struct kt_adapter_msg *msg)
{
	return msg->op == KT_OP_UPDATE || msg->op == KT_OP_RESOLVE || msg->op == KT_OP_CANCEL;
}

/* How many reads this write had before (state "round"). */
static int round_of(const struct kt_adapter_msg *msg)
{
	return (int)json_integer_value(json_object_get(msg->state, "round"));
}

/* Whether this step reads the issue: a status change always reads the
 * transitions first; a write retried after a doubt reads whether it
 * landed, up to ROUNDS_MAX times. */
static int is_read(const struct kt_adapter_msg *msg)
{
	if (msg->op == KT_OP_CREATE)
		return 0;
	if (is_status_op(msg) && msg->step == 0)
		return 1;
	return msg->attempt > 1;
}

/* The marker a comment ends with, so that a retry can find it: the
 * comment's origin, else the message id. NULL when it is not a short run
 * of letters, digits and ":._-". Borrowed. */
static const char *marker_of(const struct kt_adapter_msg *msg)
{
	const char *origin = json_string_value(json_object_get(comment_of(msg), "origin"));
	const char *m = origin ? origin : msg->message_id;
	size_t n = m ? strlen(m) : 0;

	if (n == 0 || n > MARKER_MAX ||
	    strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:._-") != n)
		return NULL;
	return m;
}

/* The canonical status a status message moves the issue to. */
static enum kt_status target_of(const struct kt_adapter_msg *msg)
{
	enum kt_status st;

	if (msg->op == KT_OP_RESOLVE)
		return KT_ST_RESOLVED;
	if (msg->op == KT_OP_CANCEL)
		return KT_ST_CANCELLED;
	if (kt_status_parse(json_string_value(json_object_get(leg_of(msg), "status")), &st) != 0)
		return KT_ST_IN_PROGRESS;
	return st;
}

/* --- create --- */

/* The summary as Jira takes it: one line of at most 255 characters.
 * Returns its byte length in *cut (less than strlen when it was cut). */
static char *one_line(const char *s, size_t *cut)
{
	size_t len = strlen(s), at = 0, chars = 0;
	char *line;

	while (at < len && chars < KT_JIRA_SUMMARY_MAX) {
		size_t n = kt_utf8_char((const unsigned char *)s + at, len - at);

		if (n == 0)
			break;
		at += n;
		chars++;
	}
	*cut = at;
	if (!(line = strndup(s, at)))
		return NULL;
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return line;
}

/* The description as ADF: the whole summary first when it was cut. */
static json_t *description_of(const json_t *view, size_t cut)
{
	const char *summary = json_string_value(json_object_get(view, "summary"));
	const char *descr = json_string_value(json_object_get(view, "description"));
	struct kt_buf b;
	json_t *doc;

	kt_buf_init(&b, KT_JIRA_TEXT_MAX);
	kt_buf_add(&b, "", 0);
	if (summary && cut < strlen(summary)) {
		kt_buf_adds(&b, summary);
		kt_buf_adds(&b, "\n\n");
	}
	kt_buf_adds(&b, descr ? descr : "");
	doc = b.failed ? NULL : kt_jira_adf(kt_buf_str(&b), NULL);
	kt_buf_release(&b);
	return doc;
}

/* Our reference into fields: the mapping's custom field, else a label. */
static int add_reference(json_t *fields, const json_t *mapping, const char *leg)
{
	const char *field = kt_jira_ref_field(mapping);
	char label[KT_JIRA_ID_MAX + 1];

	if (field)
		return json_object_set_new(fields, field, json_string(leg));
	snprintf(label, sizeof(label), "%s%s", kt_jira_label_prefix(mapping), leg);
	return json_object_set_new(fields, "labels", json_pack("[s]", label));
}

/* The fields every create carries, in the platform's words (JSM takes
 * the same as requestFieldValues). NULL with err filled. */
static json_t *create_fields(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	const json_t *mapping = mapping_of(msg);
	const char *summary = json_string_value(json_object_get(msg->leg_view, "summary"));
	const char *leg = json_string_value(json_object_get(leg_of(msg), "id"));
	const json_t *prio = json_object_get(msg->leg_view, "priority");
	char level[24];
	size_t cut = 0;
	char *line = NULL;
	json_t *fields = NULL, *descr = NULL, *ref = NULL;

	if (!kt_is_uuid(leg)) {
		refuse(err, "the leg id is not a uuid Jira can be searched for");
		return NULL;
	}
	if (!summary || !*summary) {
		refuse(err, "the ticket has no summary for Jira");
		return NULL;
	}
	if (json_is_integer(prio)) {
		snprintf(level, sizeof(level), "%lld", (long long)json_integer_value(prio));
		ref = json_object_get(json_object_get(mapping, "priority"), level);
	}
	if (!(line = one_line(summary, &cut)) || !(descr = description_of(msg->leg_view, cut)) ||
	    !(fields = json_pack("{s:s, s:o}", "summary", line, "description", descr)) ||
	    add_reference(fields, mapping, leg) != 0 ||
	    (ref && json_object_set(fields, "priority", (json_t *)ref) != 0)) {
		if (!fields)
			json_decref(descr);
		json_decref(fields);
		fields = NULL;
		out_of_memory(err);
	}
	free(line);
	return fields;
}

/* POST /rest/servicedeskapi/request or /rest/api/3/issue. */
static int build_create(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			struct kt_err *err)
{
	const char *type = json_string_value(json_object_get(msg->leg_view, "type"));
	enum kt_jira_api api;
	const json_t *entry = kt_jira_entry(mapping_of(msg), type, &api);
	struct kt_buf url;
	json_t *fields, *body;

	if (!entry)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "the jira mapping has no entry for ticket type \"%s\"",
				  type ? type : "");
	if (!(fields = create_fields(msg, err)))
		return KT_ERR;
	if (api == KT_JIRA_SERVICEDESK)
		body = json_pack("{s:O, s:O, s:b, s:o}", "serviceDeskId",
				 json_object_get(entry, "serviceDeskId"), "requestTypeId",
				 json_object_get(entry, "requestTypeId"), "isAdfRequest", 1,
				 "requestFieldValues", fields);
	else if (json_object_set(fields, "project", json_object_get(entry, "project")) ||
		 json_object_set(fields, "issuetype", json_object_get(entry, "issuetype")))
		body = (json_decref(fields), NULL);
	else
		body = json_pack("{s:o}", "fields", fields);
	if (!body)
		return out_of_memory(err);
	if (kt_jira_url(&url, msg->supplier, api == KT_JIRA_SERVICEDESK
			? "/rest/servicedeskapi/request" : "/rest/api/3/issue", err)) {
		json_decref(body);
		kt_buf_release(&url);
		return KT_ERR;
	}
	return kt_jira_request(out, "POST", &url, body, err);
}

/* --- later messages --- */

/* The issue's URL (base + the leg's external id, escaped) + suffix. */
static int issue_url(struct kt_buf *b, const struct kt_adapter_msg *msg, const char *base,
		     const char *suffix, struct kt_err *err)
{
	const char *id = json_string_value(json_object_get(leg_of(msg), "external_id"));

	kt_buf_init(b, KT_JIRA_URL_MAX);
	if (!id || !*id)
		return refuse(err, "the leg has no Jira issue yet");
	if (kt_jira_url(b, msg->supplier, base, err))
		return KT_ERR;
	kt_url_pcts(b, id);
	kt_buf_adds(b, suffix);
	return KT_OK;
}

/* POST url (released) with body (stolen); NULL body: out of memory. */
static int post(struct kt_http_request *out, struct kt_buf *url, json_t *body, struct kt_err *err)
{
	if (!body) {
		kt_buf_release(url);
		return out_of_memory(err);
	}
	return kt_jira_request(out, "POST", url, body, err);
}

/* POST .../transitions with the transition the read chose, the
 * resolution when its screen has one, and a reopen's reason. */
static json_t *transition_body(const struct kt_adapter_msg *msg)
{
	const json_t *mapping = mapping_of(msg);
	const char *reason = json_string_value(
		json_object_get(json_object_get(msg->payload, "reopen"), "reason"));
	json_t *body = json_pack("{s:{s:O}}", "transition", "id",
				 json_object_get(msg->state, "transition"));
	const json_t *res = json_object_get(mapping, msg->op == KT_OP_CANCEL && json_object_get(
		mapping, "cancel_resolution") ? "cancel_resolution" : "resolution");
	json_t *dflt = json_pack("{s:s}", "name", "Done");
	int rc = body && dflt ? 0 : -1;

	if (rc == 0 && json_is_true(json_object_get(msg->state, "resolution")))
		rc = json_object_set_new(body, "fields",
					 json_pack("{s:O}", "resolution", res ? res : dflt));
	if (rc == 0 && reason && *reason)
		rc = json_object_set_new(body, "update", json_pack("{s:[{s:{s:o}}]}", "comment",
			"add", "body", kt_jira_adf(reason, NULL)));
	json_decref(dflt);
	if (rc != 0) {
		json_decref(body);
		return NULL;
	}
	return body;
}

/* A comment: JSM's plain text with `public`, or platform ADF with the
 * mapping's visibility when internal. */
static int build_comment(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			 struct kt_err *err)
{
	const json_t *c = comment_of(msg), *mapping = mapping_of(msg);
	const char *text = json_string_value(json_object_get(c, "text"));
	int internal = kt_jira_internal(mapping, json_string_value(json_object_get(c, "author")));
	enum kt_jira_api api = KT_JIRA_PLATFORM;
	char mark[MARKER_MAX + 3];
	struct kt_buf url, b;
	json_t *body;

	kt_jira_entry(mapping, json_string_value(json_object_get(msg->leg_view, "type")), &api);
	if (api == KT_JIRA_SERVICEDESK) {
		if (issue_url(&url, msg, "/rest/servicedeskapi/request/", "/comment", err))
			goto fail;
		snprintf(mark, sizeof(mark), "[%s]", marker_of(msg));
		kt_buf_init(&b, KT_JIRA_TEXT_MAX);
		kt_jira_wiki_escape(&b, text);
		kt_buf_adds(&b, "\n\n");
		kt_jira_wiki_escape(&b, mark);
		if (b.failed) {
			kt_buf_release(&b);
			kt_buf_release(&url);
			return refuse(err, "the comment is too long for Jira");
		}
		body = json_pack("{s:s, s:b}", "body", kt_buf_str(&b), "public", !internal);
		kt_buf_release(&b);
	} else {
		if (issue_url(&url, msg, "/rest/api/3/issue/", "/comment", err))
			goto fail;
		body = json_pack("{s:o}", "body", kt_jira_adf(text, marker_of(msg)));
		if (body && internal &&
		    json_object_set(body, "visibility", json_object_get(mapping, "internal_visibility")))
			body = (json_decref(body), NULL);
	}
	return post(out, &url, body, err);
fail:
	kt_buf_release(&url);
	return KT_ERR;
}

/* What every message needs before anything is built. */
static int check_msg(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	const char *text = json_string_value(json_object_get(comment_of(msg), "text"));

	if ((unsigned)msg->op >= KT_OP__COUNT)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "unknown outbox operation %d",
				  (int)msg->op);
	if (!json_is_object(msg->leg_view) || !json_is_object(leg_of(msg)))
		return refuse(err, "the leg view is not a JSON object with a leg");
	if (msg->payload && !json_is_object(msg->payload))
		return refuse(err, "the payload is not a JSON object");
	if (!json_is_object(mapping_of(msg)))
		return refuse(err, "the supplier has no jira mapping");
	if (msg->op == KT_OP_COMMENT && (!text || !*text))
		return refuse(err, "a comment message carries no comment text");
	if (msg->op == KT_OP_COMMENT && !marker_of(msg))
		return refuse(err, "the comment's origin cannot mark a Jira comment");
	if (text && strlen(text) > KT_JIRA_TEXT_MAX / 2)
		return refuse(err, "the comment is too long for Jira");
	return KT_OK;
}

static int jira_build_request(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			      struct kt_err *err)
{
	const char *stop = json_string_value(json_object_get(msg->state, "stop"));
	struct kt_buf url;

	if (check_msg(msg, err))
		return KT_ERR;
	if (stop)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "%s", stop);
	if (msg->op == KT_OP_CREATE)
		return build_create(msg, out, err);
	if (is_read(msg) && is_status_op(msg)) {
		if (issue_url(&url, msg, "/rest/api/3/issue/", "?fields=status&expand=transitions.fields",
			      err))
			goto fail;
		return kt_jira_request(out, "GET", &url, NULL, err);
	}
	if (is_read(msg)) {
		if (issue_url(&url, msg, "/rest/api/3/issue/", "/comment?orderBy=-created&maxResults=", err))
			goto fail;
		kt_buf_addf(&url, "%d", COMMENTS_READ);
		return kt_jira_request(out, "GET", &url, NULL, err);
	}
	if (msg->op == KT_OP_COMMENT)
		return build_comment(msg, out, err);
	if (!json_object_get(msg->state, "transition"))
		return refuse(err, "a transition is written only after the issue was read");
	if (issue_url(&url, msg, "/rest/api/3/issue/", "/transitions", err))
		goto fail;
	return post(out, &url, transition_body(msg), err);
fail:
	kt_buf_release(&url);
	return KT_ERR;
}

/* --- answers --- */

/* The next step's state: the write (with what it needs, stolen) after
 * one more read, or, past ROUNDS_MAX reads, a stop that its build turns
 * into a permanent refusal. */
static int go_on(const struct kt_adapter_msg *msg, json_t *state, struct kt_adapter_reply *out,
		 struct kt_err *err)
{
	int round = round_of(msg) + (msg->step > 0 ? 1 : 0);

	if (!state || json_object_set_new(state, "round", json_integer(round)))
		return json_decref(state), out_of_memory(err);
	if (round > ROUNDS_MAX && !json_object_get(state, "stop") &&
	    json_object_set_new(state, "stop", json_string("jira did not take the write after "
							   "several reads: given up")))
		return json_decref(state), out_of_memory(err);
	out->next_step = STEP_WRITE;
	out->state = state;
	return KT_OK;
}

/* 1 when Jira status {name, statusCategory{key}} is the target. */
static int is_target(const json_t *status, const char *by_name, const char *category)
{
	const char *name = json_string_value(json_object_get(status, "name"));
	const char *cat = json_string_value(
		json_object_get(json_object_get(status, "statusCategory"), "key"));

	if (by_name)
		return name && strcmp(name, by_name) == 0;
	return cat && strcmp(cat, category) == 0;
}

/* The names of the transitions offered, for a refusal's message. */
static void offered(struct kt_buf *b, const json_t *transitions)
{
	size_t i;
	json_t *t;

	json_array_foreach(transitions, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));

		kt_buf_addf(b, "%s\"%.60s\"", i ? ", " : "", name ? name : "?");
	}
	if (json_array_size(transitions) == 0)
		kt_buf_adds(b, "none");
}

/* The issue read before a transition: already there (done), the
 * transition to take (the write next), or none offered (a refusal with
 * Jira's list of transitions, which the next build reports). */
static int read_transitions(const struct kt_adapter_msg *msg, const json_t *issue,
			    struct kt_adapter_reply *out, struct kt_err *err)
{
	const json_t *mapping = mapping_of(msg);
	const json_t *status = json_object_get(json_object_get(issue, "fields"), "status");
	const json_t *list = json_object_get(issue, "transitions");
	const char *by_name, *category, *from;
	enum kt_status st = target_of(msg);
	struct kt_buf why;
	size_t i;
	json_t *t, *state;

	if (!json_is_object(status) || !json_is_array(list))
		return bad_reply(err, "jira's issue names no status or transitions");
	kt_jira_target(mapping, st, &by_name, &category);
	if (is_target(status, by_name, category)) {
		out->has_status = kt_jira_status_in(mapping, status, &out->status) == 0;
		return KT_OK;
	}
	json_array_foreach(list, i, t) {
		const json_t *to = json_object_get(t, "to");
		const char *name = json_string_value(json_object_get(t, "name"));
		const json_t *id = json_object_get(t, "id");

		if (!json_is_string(id) || !(is_target(to, by_name, category) ||
					     (by_name && name && strcmp(name, by_name) == 0)))
			continue;
		state = json_pack("{s:O, s:b}", "transition", id, "resolution",
				  json_object_get(json_object_get(t, "fields"), "resolution") != NULL);
		return go_on(msg, state, out, err);
	}
	kt_buf_init(&why, 900);
	from = json_string_value(json_object_get(status, "name"));
	kt_buf_addf(&why, "jira's workflow offers no transition to %s\"%s\" from status \"%.60s\" "
		    "(it offers: ", by_name ? "" : "category ", by_name ? by_name : category,
		    from ? from : "?");
	offered(&why, list);
	kt_buf_adds(&why, ")");
	state = json_pack("{s:s}", "stop", why.failed ? "jira's workflow offers no such transition"
						       : kt_buf_str(&why));
	kt_buf_release(&why);
	return go_on(msg, state, out, err);
}

/* 1 when one of the comments (Jira's page {comments: [...]}) carries
 * msg's marker. */
static int marker_found(const struct kt_adapter_msg *msg, const json_t *page)
{
	char mark[MARKER_MAX + 3];
	size_t i;
	json_t *c;

	snprintf(mark, sizeof(mark), "[%s]", marker_of(msg));
	json_array_foreach(json_object_get(page, "comments"), i, c) {
		char *text = kt_jira_adf_text(json_object_get(c, "body"), KT_JIRA_TEXT_MAX);
		int found = text && strstr(text, mark);

		free(text);
		if (found)
			return 1;
	}
	return 0;
}

/* The issue's id out of a create's answer: platform {id, key}, JSM
 * {issueId, issueKey, currentStatus}. */
static int read_created(const json_t *mapping, const json_t *doc, struct kt_adapter_reply *out,
			struct kt_err *err)
{
	const json_t *id = json_object_get(doc, "id");
	const json_t *cur = json_object_get(doc, "currentStatus");

	if (!id)
		id = json_object_get(doc, "issueId");
	if (!kt_json_is_text(id, 1, KT_JIRA_ID_MAX))
		return bad_reply(err, "jira's answer to a create names no issue id");
	if (!(out->external_id = strdup(json_string_value(id))))
		return out_of_memory(err);
	if (json_is_object(cur)) {
		/* JSM names the category in upper case: NEW, INDETERMINATE, DONE */
		char key[20];
		const char *cat = json_string_value(json_object_get(cur, "statusCategory"));
		json_t *status;

		snprintf(key, sizeof(key), "%s", cat ? cat : "");
		for (char *p = key; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		status = json_pack("{s:O?, s:{s:s}}", "name", json_object_get(cur, "status"),
				   "statusCategory", "key", key);
		out->has_status = status && kt_jira_status_in(mapping, status, &out->status) == 0;
		json_decref(status);
	}
	return KT_OK;
}

static int jira_read_reply(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			   struct kt_adapter_reply *out, struct kt_err *err)
{
	json_t *doc;
	int rc;

	if (!is_read(msg) && msg->op != KT_OP_CREATE) {
		if (a->http_status < 200 || a->http_status > 299)
			return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
					  "jira answered HTTP %ld, not 2xx", a->http_status);
		return KT_OK;
	}
	if (!(doc = kt_jira_answer_object(a, msg->op == KT_OP_CREATE ? "a create" : "a read",
					   err)))
		return KT_ERR;
	if (msg->op == KT_OP_CREATE)
		rc = read_created(mapping_of(msg), doc, out, err);
	else if (is_status_op(msg))
		rc = read_transitions(msg, doc, out, err);
	else if (!json_is_array(json_object_get(doc, "comments")))
		rc = bad_reply(err, "jira's list of comments has no comments");
	else
		rc = marker_found(msg, doc) ? KT_OK : go_on(msg, json_object(), out, err);
	json_decref(doc);
	return rc;
}

/* --- lookup --- */

/* GET /rest/api/3/search/jql for the issue that carries our reference. */
static int jira_build_lookup(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			     struct kt_err *err)
{
	const json_t *mapping = mapping_of(msg);
	const char *leg = json_string_value(json_object_get(leg_of(msg), "id"));
	const char *field = kt_jira_ref_field(mapping);
	struct kt_buf jql;
	char label[KT_JIRA_ID_MAX + 1];

	if (!json_is_object(mapping) || !kt_is_uuid(leg))
		return refuse(err, "the leg id is not one Jira can be searched for");
	kt_buf_init(&jql, 1024);
	if (field) {
		kt_buf_addf(&jql, "cf[%s] ~ ", field + strlen("customfield_"));
		kt_jira_jql_string(&jql, leg);
	} else {
		snprintf(label, sizeof(label), "%s%s", kt_jira_label_prefix(mapping), leg);
		kt_buf_adds(&jql, "labels = ");
		kt_jira_jql_string(&jql, label);
	}
	return kt_jira_search(out, msg->supplier, &jql, "status,", "&maxResults=10", err);
}

/* The issue whose reference is exactly the leg id: found. */
static int jira_read_lookup(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			    int *found, struct kt_adapter_reply *out, struct kt_err *err)
{
	const json_t *mapping = mapping_of(msg);
	const char *leg = json_string_value(json_object_get(leg_of(msg), "id"));
	json_t *doc = kt_jira_answer_object(a, "the lookup", err), *issue;
	const json_t *issues = json_object_get(doc, "issues");
	size_t i;
	int rc = KT_OK;

	*found = 0;
	if (!doc)
		return KT_ERR;
	if (!json_is_array(issues)) {
		json_decref(doc);
		return bad_reply(err, "jira's search answer has no issues");
	}
	json_array_foreach(issues, i, issue) {
		const json_t *fields = json_object_get(issue, "fields");
		const char *ref = kt_jira_leg_of(mapping, fields);

		if (!leg || !ref || strcasecmp(ref, leg) != 0)
			continue;
		if (!kt_json_is_text(json_object_get(issue, "id"), 1, KT_JIRA_ID_MAX)) {
			rc = bad_reply(err, "jira's search answer names no issue id");
			break;
		}
		if (!(out->external_id = strdup(json_string_value(json_object_get(issue, "id"))))) {
			rc = out_of_memory(err);
			break;
		}
		out->has_status = kt_jira_status_in(mapping, json_object_get(fields, "status"),
						    &out->status) == 0;
		*found = 1;
		break;
	}
	json_decref(doc);
	return rc;
}

/* Jira's ErrorCollection {errorMessages: [...], errors: {field: text}},
 * or JSM's {errorMessage}: the first message, "field: text" else. */
static int jira_read_error(const struct kt_answer *a, char *buf, size_t n)
{
	json_t *doc = kt_answer_json(a);
	const char *msg = json_string_value(json_array_get(json_object_get(doc, "errorMessages"), 0));
	const char *field = NULL;
	int found;

	if (!msg)
		msg = json_string_value(json_object_get(doc, "errorMessage"));
	if (!msg) {
		void *it = json_object_iter(json_object_get(doc, "errors"));

		field = it ? json_object_iter_key(it) : NULL;
		msg = it ? json_string_value(json_object_iter_value(it)) : NULL;
	}
	found = msg && *msg && kt_error_text(buf, n, field, msg);
	json_decref(doc);
	return found;
}

static const char *const poll_feeds[] = { "issues", NULL };

const struct kt_adapter kt_adapter_jira = {
	.name = "jira",
	.mapping_schema = "schemas/adapters/jira.json",
	.check_mapping = kt_jira_check_mapping,
	.accepts_type = kt_jira_accepts_type,
	.build_request = jira_build_request,
	.read_reply = jira_read_reply,
	.read_error = jira_read_error,
	.build_lookup = jira_build_lookup,
	.read_lookup = jira_read_lookup,
	.push = { KT_PUSH_HMAC_SHA256_HEX, "x-hub-signature", NULL },
	.read_inbound = kt_jira_read_inbound,
	.poll_feeds = poll_feeds,
	.build_poll = kt_jira_build_poll,
	.read_poll = kt_jira_read_poll,
	.build_list = kt_jira_build_list,
	.read_list = kt_jira_read_list,
	.build_check = kt_jira_build_check,
	.read_check = kt_jira_read_check,
};
