/* jira_read.c - what the `jira` adapter reads from Jira on Jira's own
 * initiative: a webhook (jira:issue_created, jira:issue_updated whose
 * changelog says the status changed, comment_created) and the pages of
 * the poll feed "issues" (JQL on `updated` through /rest/api/3/search/jql
 * with nextPageToken). Both give updates under the same delivery ids
 * ("issue:<id>:<updated>", "comment:<id>"), so a change seen by push and
 * by poll applies once. Changes by the integration user are echoes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "base/url.h"
#include "adapter_util.h"
#include "jira_int.h"

/* Longest comment read, in bytes. */
#define COMMENT_MAX (64 * 1024)
#define FEED "issues"

static int out_of_memory(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

static int bad_push(struct kt_err *err, const char *path, const char *msg)
{
	kt_err_detail(err, path, "%s", msg);
	return kt_err_set(err, KT_EC_INVALID, "invalid_update", "body is not a Jira webhook");
}

static const char *id_of(const json_t *obj)
{
	const json_t *v = json_object_get(obj, "id");

	return kt_json_is_text(v, 1, KT_JIRA_ID_MAX) ? json_string_value(v) : NULL;
}

static const char *account_of(const json_t *person)
{
	return json_string_value(json_object_get(person, "accountId"));
}

/* *dst = a copy of src (NULL stays NULL); -1 out of memory. */
static int copy(char **dst, const char *src)
{
	return !src || (*dst = strdup(src)) ? 0 : -1;
}

/* A new update of issue (its leg by our reference, its id), delivered as
 * "<kind>:<id>" at time when. NULL out of memory. */
static struct kt_inbound_update *add(struct kt_inbound_list *out, const json_t *mapping,
				     const json_t *issue, const char *delivery, const char *when)
{
	struct kt_inbound_update *u = kt_inbound_list_add(out);

	if (!u || copy(&u->leg_id, kt_jira_leg_of(mapping, json_object_get(issue, "fields"))) ||
	    copy(&u->external_id, id_of(issue)) || copy(&u->delivery_id, delivery) ||
	    copy(&u->occurred_at, when))
		return NULL;
	return u;
}

/* The issue's status now, as of its `updated` time. */
static int add_status(struct kt_inbound_list *out, const json_t *mapping, const json_t *issue,
		      const char *when, struct kt_err *err)
{
	const json_t *fields = json_object_get(issue, "fields");
	struct kt_inbound_update *u;
	enum kt_status st;
	char delivery[KT_JIRA_ID_MAX + KT_JIRA_TIME_SIZE + 16];

	if (kt_jira_status_in(mapping, json_object_get(fields, "status"), &st) != 0)
		return KT_OK;
	snprintf(delivery, sizeof(delivery), "issue:%s:%s", id_of(issue), when);
	if (!(u = add(out, mapping, issue, delivery, when)))
		return out_of_memory(err);
	u->has_status = 1;
	u->status = st;
	return KT_OK;
}

/* A comment of issue, unless the integration user wrote it: public
 * unless JSM marks it internal (jsdPublic false) or it has a visibility. */
static int add_comment(struct kt_inbound_list *out, const json_t *mapping, const json_t *issue,
		       const json_t *c, struct kt_err *err)
{
	char when[KT_JIRA_TIME_SIZE], delivery[KT_JIRA_ID_MAX + 16];
	const json_t *pub = json_object_get(c, "jsdPublic");
	struct kt_inbound_update *u;
	char *text;

	if (!id_of(c) || kt_jira_time(json_string_value(json_object_get(c, "created")), when) != 0)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "a comment of issue \"%s\" has no id or created time", id_of(issue));
	if (kt_jira_is_us(mapping, account_of(json_object_get(c, "author"))))
		return KT_OK;
	snprintf(delivery, sizeof(delivery), "comment:%s", id_of(c));
	if (!(u = add(out, mapping, issue, delivery, when)) ||
	    !(text = kt_jira_adf_text(json_object_get(c, "body"), COMMENT_MAX)))
		return out_of_memory(err);
	u->comment = text;
	if (kt_comment_split_origin(text, &u->comment_origin) != 0)
		return out_of_memory(err);
	u->comment_public = json_is_boolean(pub) ? json_is_true(pub)
						 : json_object_get(c, "visibility") == NULL;
	u->comment_unordered = 1;
	return KT_OK;
}

/* 1 when the webhook's changelog has an item of field "status". */
static int status_changed(const json_t *doc)
{
	size_t i;
	json_t *item;

	json_array_foreach(json_object_get(json_object_get(doc, "changelog"), "items"), i, item) {
		const char *field = json_string_value(json_object_get(item, "field"));
		const char *id = json_string_value(json_object_get(item, "fieldId"));

		if ((field && strcmp(field, "status") == 0) || (id && strcmp(id, "status") == 0))
			return 1;
	}
	return 0;
}

/* The updates of one webhook body doc. */
static int read_webhook(const json_t *mapping, const json_t *doc, struct kt_inbound_list *out,
			struct kt_err *err)
{
	const char *event = json_string_value(json_object_get(doc, "webhookEvent"));
	const json_t *issue = json_object_get(doc, "issue");
	const json_t *comment = json_object_get(doc, "comment");
	char when[KT_JIRA_TIME_SIZE];
	int created, updated;

	if (!json_is_object(doc))
		return bad_push(err, "", "must be a JSON object");
	if (!event)
		return bad_push(err, "/webhookEvent", "must name the event");
	if (!json_is_object(issue) || !id_of(issue))
		return bad_push(err, "/issue", "must be the issue with its id");
	if (comment && (!json_is_object(comment) || !id_of(comment)))
		return bad_push(err, "/comment", "must be the comment with its id");
	if (comment && kt_jira_time(json_string_value(json_object_get(comment, "created")), when) != 0)
		return bad_push(err, "/comment/created", "must be the comment's creation time");
	created = strcmp(event, "jira:issue_created") == 0;
	updated = strcmp(event, "jira:issue_updated") == 0;
	if ((created || (updated && status_changed(doc))) &&
	    !kt_jira_is_us(mapping, account_of(json_object_get(doc, "user")))) {
		if (kt_jira_time(json_string_value(json_object_get(json_object_get(issue, "fields"),
								   "updated")),
				 when) != 0)
			return bad_push(err, "/issue/fields/updated", "must be the issue's update time");
		if (add_status(out, mapping, issue, when, err))
			return KT_ERR;
	}
	if (comment && (updated || strcmp(event, "comment_created") == 0))
		return add_comment(out, mapping, issue, comment, err);
	return KT_OK;
}

int kt_jira_read_inbound(const json_t *supplier, const struct kt_answer *push,
			 struct kt_inbound_list *out, struct kt_err *err)
{
	json_t *doc = push->len > 0 ? json_loadb(push->body, push->len, 0, NULL) : NULL;
	int rc = read_webhook(json_object_get(supplier, "mapping"), doc, out, err);

	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}

/* --- pages --- */

/* The page after search answer doc (its nextPageToken unless isLast)
 * into out->next_page; none on the last page. */
static int next_page(const json_t *doc, struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *token = json_object_get(doc, "nextPageToken");

	if (json_is_true(json_object_get(doc, "isLast")) || !token || json_is_null(token))
		return KT_OK;
	if (!kt_json_is_text(token, 1, KT_JIRA_TOKEN_MAX))
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "jira's nextPageToken is not a short string");
	if (!(out->next_page = strdup(json_string_value(token))))
		return out_of_memory(err);
	return KT_OK;
}

int kt_jira_read_page(const json_t *supplier, const struct kt_answer *a, const char *what,
		      kt_jira_issue_fn one, void *arg, struct kt_inbound_list *out,
		      struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	json_t *doc = kt_jira_answer_object(a, what, err), *issue;
	size_t i;
	int rc = KT_OK;

	if (!doc)
		return KT_ERR;
	if (!json_is_array(json_object_get(doc, "issues")))
		rc = kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply", "jira's answer to %s has no issues",
				what);
	json_array_foreach(json_object_get(doc, "issues"), i, issue)
		if (rc == KT_OK)
			rc = one(mapping, issue, arg, out, err);
	if (rc == KT_OK)
		rc = next_page(doc, out, err);
	if (rc != KT_OK)
		kt_inbound_list_release(out);
	json_decref(doc);
	return rc;
}

/* --- the poll --- */

/* Appends since as a JQL date in UTC to the minute, rounded down
 * ("2026-11-25 19:40"): JQL compares to the minute. */
static int jql_since(struct kt_buf *b, const char *since)
{
	char t[KT_JIRA_TIME_SIZE];

	if (kt_jira_time(since, t) != 0)
		return -1;
	kt_buf_addf(b, "\"%.10s %.5s\"", t, t + 11);
	return 0;
}

int kt_jira_build_poll(const json_t *supplier, const char *feed, const char *since,
		       const char *page, struct kt_http_request *out, struct kt_err *err)
{
	const json_t *mapping = json_object_get(supplier, "mapping");
	const char *scope = json_string_value(json_object_get(mapping, "poll_jql"));
	struct kt_buf jql;

	if (!feed || strcmp(feed, FEED) != 0)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "jira has no poll feed \"%s\"", feed ? feed : "");
	kt_buf_init(&jql, 4096);
	if (scope)
		kt_buf_addf(&jql, "(%s) AND ", scope);
	kt_buf_adds(&jql, "updated >= ");
	if (jql_since(&jql, since) != 0) {
		kt_buf_release(&jql);
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "not a poll position jira can read: \"%s\"", since ? since : "");
	}
	kt_buf_adds(&jql, " ORDER BY updated ASC");
	return kt_jira_search_page(out, supplier, &jql, "status,updated,comment,", page, err);
}

/* One issue of a page: its status, then its comments, when it carries
 * our reference; *newest moves to its update time. */
static int read_issue(const json_t *mapping, const json_t *issue, void *arg,
		      struct kt_inbound_list *out, struct kt_err *err)
{
	char *newest = arg;
	const json_t *fields = json_object_get(issue, "fields");
	char when[KT_JIRA_TIME_SIZE];
	size_t i;
	json_t *c;

	if (!id_of(issue) ||
	    kt_jira_time(json_string_value(json_object_get(fields, "updated")), when) != 0)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "an issue of the page has no id or updated time");
	if (strcmp(when, newest) > 0)
		memcpy(newest, when, KT_JIRA_TIME_SIZE);
	if (!kt_jira_leg_of(mapping, fields))
		return KT_OK;
	if (add_status(out, mapping, issue, when, err))
		return KT_ERR;
	json_array_foreach(json_object_get(json_object_get(fields, "comment"), "comments"), i, c)
		if (add_comment(out, mapping, issue, c, err))
			return KT_ERR;
	return KT_OK;
}

int kt_jira_read_poll(const json_t *supplier, const char *feed, const char *page,
		      const struct kt_answer *a, struct kt_inbound_list *out, struct kt_err *err)
{
	char newest[KT_JIRA_TIME_SIZE] = "";

	(void)feed;
	(void)page;
	if (kt_jira_read_page(supplier, a, "the poll", read_issue, newest, out, err))
		return KT_ERR;
	if (*newest && !(out->high_water = strdup(newest))) {
		kt_inbound_list_release(out);
		return out_of_memory(err);
	}
	return KT_OK;
}
