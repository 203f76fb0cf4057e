/* rt.c - the `rt` adapter of adapters/rt.md: Request Tracker 5 through
 * REST2. Builds the requests of an outbox message (create in the queue of
 * the ticket's type, status writes, comments and replies, a comment's
 * marker search on a retry), reads RT's answers, its lookup by our custom
 * field, its error JSON; the poll is rt_poll.c, the mapping rt_map.c,
 * the live checks rt_check.c.
 * Pure: the broker adds the auth header and sends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "base/utf8.h"
#include "rt.h"
#include "rt_int.h"
#include "rt_list.h"

#define MESSAGE_ID_MAX 128

static const json_t *mapping_of(const struct kt_adapter_msg *msg)
{
	return json_object_get(msg->supplier, "mapping");
}

static const char *leg_member(const struct kt_adapter_msg *msg, const char *key)
{
	return json_string_value(json_object_get(json_object_get(msg->leg_view, "leg"), key));
}

/* The leg id, which goes into TicketSQL and RT's custom field. */
static const char *leg_id(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	const char *id = leg_member(msg, "id");

	if (!kt_is_uuid(id)) {
		rt_err_build(err, "the leg view names no leg id (a uuid)");
		return NULL;
	}
	return id;
}

/* RT's ticket id of the leg, which goes into the URL path. */
static const char *ticket_id(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	const char *id = leg_member(msg, "external_id");
	size_t len = id ? strlen(id) : 0;

	if (len == 0 || len > RT_ID_MAX || strspn(id, "0123456789") != len) {
		rt_err_build(err, "the leg has no RT ticket id yet (external_id \"%s\")",
			     id ? id : "");
		return NULL;
	}
	return id;
}

/* A copy of s cut to at most max bytes on a character boundary. */
static json_t *cut_string(const char *s, size_t max)
{
	return json_stringn(s, kt_utf8_cut(s, strlen(s), max));
}

/* The request: method, base + path, and doc (stolen; NULL = none) as its
 * compact JSON body with sorted keys. */
static int request(struct kt_http_request *out, const char *method, const char *base,
		   const char *path, json_t *doc, struct kt_err *err)
{
	char *url = NULL, *body = NULL;
	size_t len = 0;
	int rc;

	if (rt_url_append(&url, &len, base) != 0 || rt_url_append(&url, &len, path) != 0 ||
	    (doc && !(body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)))) {
		free(url);
		json_decref(doc);
		return rt_err_oom(err);
	}
	json_decref(doc);
	rc = kt_http_request_set(out, method, url, body, "application/json", err);
	free(url);
	return rc;
}

static int build_create(const struct kt_adapter_msg *msg, const char *base,
			struct kt_http_request *out, struct kt_err *err)
{
	const json_t *m = mapping_of(msg);
	const char *leg = leg_id(msg, err);
	const char *type = json_string_value(json_object_get(msg->leg_view, "type"));
	const char *summary = json_string_value(json_object_get(msg->leg_view, "summary"));
	const char *desc = json_string_value(json_object_get(msg->leg_view, "description"));
	const json_t *prio = json_object_get(msg->leg_view, "priority");
	enum kt_ticket_type t;
	const char *queue;
	json_t *doc;

	if (!leg)
		return KT_ERR;
	if (!type || kt_ticket_type_parse(type, &t) != 0)
		return rt_err_build(err, "the leg view has no ticket type");
	if (!(queue = rt_map_queue(m, t)))
		return rt_err_build(err, "the rt mapping has no queue for %s tickets", type);
	if (!rt_map_field(m))
		return rt_err_build(err, "the rt mapping has no reference_field");
	if (!summary || !*summary)
		return rt_err_build(err, "the leg view has no summary");
	doc = json_pack("{s:s, s:o, s:I, s:{s:s}}", "Queue", queue,
			"Subject", cut_string(summary, RT_SUBJECT_MAX),
			"Priority", (json_int_t)rt_map_priority(m, (int)json_integer_value(prio)),
			"CustomFields", rt_map_field(m), leg);
	if (doc && desc && *desc &&
	    (json_object_set_new(doc, "Content", cut_string(desc, RT_CONTENT_MAX)) ||
	     json_object_set_new(doc, "ContentType", json_string("text/plain"))))
		json_object_clear(doc);
	if (doc && rt_map_requestor(m) &&
	    json_object_set_new(doc, "Requestor", json_string(rt_map_requestor(m))))
		json_object_clear(doc);
	if (doc && json_object_size(doc) == 0) {
		json_decref(doc);
		doc = NULL;
	}
	if (!doc)
		return rt_err_oom(err);
	return request(out, "POST", base, "/ticket", doc, err);
}

/* The RT status an update, resolve or cancel sets. */
static int build_status(const struct kt_adapter_msg *msg, const char *base,
			struct kt_http_request *out, struct kt_err *err)
{
	const char *id = ticket_id(msg, err);
	const char *name = leg_member(msg, "status");
	enum kt_status st = msg->op == KT_OP_RESOLVE  ? KT_ST_RESOLVED
			    : msg->op == KT_OP_CANCEL ? KT_ST_CANCELLED
						      : KT_ST__COUNT;
	char path[64];

	if (!id)
		return KT_ERR;
	if (st == KT_ST__COUNT && (!name || kt_status_parse(name, &st) != 0))
		return rt_err_build(err, "the leg view has no canonical leg status");
	snprintf(path, sizeof(path), "/ticket/%s", id);
	return request(out, "PUT", base, path,
		       json_pack("{s:s}", "Status", rt_map_status_out(mapping_of(msg), st)), err);
}

/* Our marker of a comment: "keten:<message id>", stable across retries. */
static int marker(const struct kt_adapter_msg *msg, char *buf, size_t n, struct kt_err *err)
{
	const char *id = msg->message_id;
	size_t len = id ? strlen(id) : 0;

	if (len == 0 || len > MESSAGE_ID_MAX ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") != len)
		return rt_err_build(err, "the message id is not fit for a marker");
	snprintf(buf, n, RT_MARKER_PREFIX "%s", id);
	return KT_OK;
}

/* A comment step searches (on a retry: did the last try land?) or writes. */
static int comment_searches(const struct kt_adapter_msg *msg)
{
	return msg->attempt > 1;
}

/* GET the attachments that hold our marker: at most one. */
static int build_comment_search(const struct kt_adapter_msg *msg, const char *base,
				struct kt_http_request *out, struct kt_err *err)
{
	char mark[sizeof(RT_MARKER_PREFIX) + MESSAGE_ID_MAX], *query;
	json_t *q;
	int rc;

	if (marker(msg, mark, sizeof(mark), err))
		return KT_ERR;
	q = json_pack("[{s:s, s:s, s:s}]", "field", "Content", "operator", "LIKE", "value", mark);
	query = q ? json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(q);
	if (!query)
		return rt_err_oom(err);
	rc = rt_get(out, base, "/attachments", query, "&fields=TransactionId&per_page=1", err);
	free(query);
	return rc;
}

static int build_comment(const struct kt_adapter_msg *msg, const char *base,
			 struct kt_http_request *out, struct kt_err *err)
{
	const json_t *c = json_object_get(msg->payload, "comment");
	const char *text = json_string_value(json_object_get(c, "text"));
	const char *author = json_string_value(json_object_get(c, "author"));
	const char *id = ticket_id(msg, err);
	char mark[sizeof(RT_MARKER_PREFIX) + MESSAGE_ID_MAX], path[64], *content;
	size_t cut;
	json_t *doc;

	if (!id || marker(msg, mark, sizeof(mark), err))
		return KT_ERR;
	if (comment_searches(msg))
		return build_comment_search(msg, base, out, err);
	if (!text || !*text)
		return rt_err_build(err, "the comment message has no text");
	cut = kt_utf8_cut(text, strlen(text), RT_CONTENT_MAX - sizeof(mark) - 8);
	if (!(content = malloc(cut + sizeof(mark) + 8)))
		return rt_err_oom(err);
	snprintf(content, cut + sizeof(mark) + 8, "%.*s\n\n-- \n%s", (int)cut, text, mark);
	doc = json_pack("{s:s, s:s}", "Content", content, "ContentType", "text/plain");
	free(content);
	snprintf(path, sizeof(path), "/ticket/%s/%s", id,
		 rt_map_comment_kind(mapping_of(msg), author) == RT_CORRESPOND ? "correspond"
									      : "comment");
	return request(out, "POST", base, path, doc, err);
}

static int rt_build_request(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			    struct kt_err *err)
{
	char *base = rt_rest_base(msg->supplier, err);
	int rc;

	if (!base)
		return KT_ERR;
	switch (msg->op) {
	case KT_OP_CREATE:
		rc = build_create(msg, base, out, err);
		break;
	case KT_OP_UPDATE:
	case KT_OP_RESOLVE:
	case KT_OP_CANCEL:
		rc = build_status(msg, base, out, err);
		break;
	case KT_OP_COMMENT:
		rc = build_comment(msg, base, out, err);
		break;
	default:
		rc = rt_err_build(err, "unknown outbox operation %d", (int)msg->op);
	}
	free(base);
	return rc;
}

/* RT answers a PUT 200 with its messages, also for a change it refused. */
static int read_put_messages(const json_t *doc, struct kt_err *err)
{
	size_t i;
	const json_t *v;

	if (!json_is_array(doc))
		return rt_err_reply(err, "RT's answer to a ticket update is not a list of messages");
	json_array_foreach(doc, i, v) {
		const char *s = json_string_value(v);

		if (s && (strstr(s, "isn't a valid status") || strstr(s, "Permission Denied")))
			return kt_err_set(err, KT_EC_INVALID, "adapter_reply",
					  "RT refused the change: %s", s);
	}
	return KT_OK;
}

static int rt_read_reply(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			 struct kt_adapter_reply *out, struct kt_err *err)
{
	json_t *doc = rt_answer_json(a, err);
	int rc = KT_OK;

	if (!doc)
		return KT_ERR;
	switch (msg->op) {
	case KT_OP_CREATE:
		if (!(out->external_id = rt_id_of(json_object_get(doc, "id"))))
			rc = rt_err_reply(err, "RT's answer to a create names no ticket id");
		break;
	case KT_OP_COMMENT:
		if (!comment_searches(msg))
			break;
		if (!json_is_array(json_object_get(doc, "items")))
			rc = rt_err_reply(err, "RT's attachment search has no items");
		else if (json_array_size(json_object_get(doc, "items")) == 0) {
			/* not there: the write is the next step */
			out->next_step = msg->step + 1;
			if (!(out->state = json_object()))
				rc = rt_err_oom(err);
		}
		break;
	default:
		rc = read_put_messages(doc, err);
	}
	json_decref(doc);
	return rc;
}

static int rt_build_lookup(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			   struct kt_err *err)
{
	const char *leg = leg_id(msg, err);
	const char *field = rt_map_field(mapping_of(msg));
	char *base, *query = NULL;
	size_t qlen = 0;
	int rc;

	if (!leg)
		return KT_ERR;
	if (!rt_is_sql_text(field, RT_NAME_MAX) || strchr(field, '}'))
		return rt_err_build(err, "the rt mapping has no usable reference_field");
	if (!(base = rt_rest_base(msg->supplier, err)))
		return KT_ERR;
	if (rt_url_append(&query, &qlen, "'CF.{") || rt_url_append(&query, &qlen, field) ||
	    rt_url_append(&query, &qlen, "}' = '") || rt_url_append(&query, &qlen, leg) ||
	    rt_url_append(&query, &qlen, "'"))
		rc = rt_err_oom(err);
	else
		rc = rt_get(out, base, "/tickets", query, "&orderby=id&fields=Status", err);
	free(base);
	free(query);
	return rc;
}

static int rt_read_lookup(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			  int *found, struct kt_adapter_reply *out, struct kt_err *err)
{
	json_t *doc = rt_answer_json(a, err);
	const json_t *items = json_object_get(doc, "items");
	const json_t *first = json_array_get(items, 0);
	const char *status;
	int rc = KT_OK;

	*found = 0;
	if (!doc)
		return KT_ERR;
	if (!json_is_array(items))
		rc = rt_err_reply(err, "RT's ticket search has no items");
	else if (first && !(out->external_id = rt_id_of(json_object_get(first, "id"))))
		rc = rt_err_reply(err, "RT's ticket search names a ticket without an id");
	else if (first) {
		*found = 1;
		status = json_string_value(json_object_get(first, "Status"));
		out->has_status = status &&
				  rt_map_status_in(mapping_of(msg), status, &out->status) == 0;
	}
	json_decref(doc);
	return rc;
}

/* RT's error JSON: {"message": "..."}. */
static int rt_read_error(const struct kt_answer *a, char *buf, size_t n)
{
	json_t *doc = a->body && a->len ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(doc, "message"));
	int got = m && *m && n > 0;

	if (got) {
		snprintf(buf, n, "%s", m);
		kt_utf8_trim(buf);
	}
	json_decref(doc);
	return got;
}

static const char *const poll_feeds[] = { "transactions", NULL };

const struct kt_adapter kt_adapter_rt = {
	.name = "rt",
	.mapping_schema = "schemas/adapters/rt.json",
	.check_mapping = rt_check_mapping,
	.accepts_type = rt_accepts_type,
	.build_request = rt_build_request,
	.read_reply = rt_read_reply,
	.read_error = rt_read_error,
	.build_lookup = rt_build_lookup,
	.read_lookup = rt_read_lookup,
	.push = { KT_PUSH_NONE, NULL, NULL },
	.poll_feeds = poll_feeds,
	.build_poll = rt_build_poll,
	.read_poll = rt_read_poll,
	.build_check = rt_build_check,
	.read_check = rt_read_check,
	.build_list = rt_build_list,
	.read_list = rt_read_list,
};
