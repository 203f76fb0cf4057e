/* webhook.c - the generic `webhook` adapter of adapters/webhook.md: builds
 * the JSON delivery of an outbox message, reads the supplier's answer and
 * turns a supplier's "leg.updated" delivery (a status, a comment, or a
 * rejection of the leg) into a canonical update. Pure:
 * the dispatcher adds the webhook-* headers, signs and sends. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_field.h"
#include "keten/adapter.h"
#include "webhook.h"

#define HTTPS_PREFIX "https://"
#define INBOUND_TYPE "leg.updated"
#define OCCURRED_AT_MAX 64

static int out_of_memory(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

/* An absolute https URL with a host and no blanks or control characters. */
static int is_https_url(const char *url)
{
	size_t plen = strlen(HTTPS_PREFIX);

	if (strncmp(url, HTTPS_PREFIX, plen) != 0 || url[plen] == '\0' ||
	    url[plen] == '/')
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/* The supplier's endpoint, or NULL with err filled when it is not an
 * absolute https URL. */
static const char *endpoint_of(const json_t *supplier, struct kt_err *err)
{
	const char *endpoint = json_string_value(json_object_get(supplier, "endpoint"));
	const char *key = json_string_value(json_object_get(supplier, "key"));

	if (endpoint && is_https_url(endpoint))
		return endpoint;
	kt_err_set(err, KT_EC_INVALID, "adapter_build",
		   "supplier \"%s\" has no absolute https endpoint", key ? key : "");
	return NULL;
}

/* POST endpoint with doc (stolen; NULL = out of memory), serialized compact
 * with sorted keys so that it is stable byte for byte. */
static int post_json(const char *endpoint, json_t *doc, struct kt_http_request *out,
		     struct kt_err *err)
{
	if (!doc)
		return out_of_memory(err);
	out->body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (!out->body)
		goto fail_oom;
	out->body_len = strlen(out->body);
	snprintf(out->method, sizeof(out->method), "POST");
	out->url = strdup(endpoint);
	if (!out->url ||
	    kt_http_request_add_header(out, "content-type",
				       "application/json") != 0)
		goto fail_oom;
	return KT_OK;

fail_oom:
	kt_http_request_release(out);
	return out_of_memory(err);
}

/* The body (format version KT_WEBHOOK_FORMAT, adapters/webhook.md) is
 * {"type": "leg.<op>", "version": 2, "sequence": seq, "data": leg_view}
 * plus the members of the message's payload ("comment", "reopen",
 * "close"): what changed, never the ticket's timeline. */
static int webhook_build_request(const struct kt_adapter_msg *msg,
				 struct kt_http_request *out,
				 struct kt_err *err)
{
	const char *endpoint = endpoint_of(msg->supplier, err);
	const char *key = json_string_value(json_object_get(msg->supplier, "key"));
	char type[32];
	json_t *doc;

	if (!endpoint)
		return KT_ERR;
	if ((unsigned)msg->op >= KT_OP__COUNT)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "unknown outbox operation %d", (int)msg->op);
	if (!json_is_object(msg->leg_view))
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "leg view for supplier \"%s\" is not a JSON object",
				  key ? key : "");
	if (msg->payload && !json_is_object(msg->payload))
		return kt_err_set(err, KT_EC_INVALID, "adapter_build",
				  "payload for supplier \"%s\" is not a JSON object",
				  key ? key : "");
	snprintf(type, sizeof(type), "leg.%s", kt_operation_name(msg->op));
	/* "o" steals the fresh deep copy; the caller's leg_view stays const */
	doc = json_pack("{s:s, s:i, s:I, s:o}", "type", type, "version",
			KT_WEBHOOK_FORMAT, "sequence", (json_int_t)msg->seq, "data",
			json_deep_copy(msg->leg_view));
	/* the envelope's own members win over a payload's */
	if (doc && msg->payload &&
	    json_object_update_missing(doc, (json_t *)msg->payload) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	return post_json(endpoint, doc, out, err);
}

/* {"type": "leg.lookup", "data": {"leg": {"id": leg id}}}: the correlation
 * id the supplier was sent as data.leg.id, and nothing else. */
static int webhook_build_lookup(const struct kt_adapter_msg *msg,
				struct kt_http_request *out, struct kt_err *err)
{
	const char *endpoint = endpoint_of(msg->supplier, err);
	const char *leg = json_string_value(
		json_object_get(json_object_get(msg->leg_view, "leg"), "id"));

	if (!endpoint)
		return KT_ERR;
	if (!leg)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "the leg view names no leg id");
	return post_json(endpoint,
			 json_pack("{s:s, s:{s:{s:s}}}", "type", "leg.lookup", "data",
				   "leg", "id", leg),
			 out, err);
}

/* The supplier's own id: "id", else "external_id"; NULL when neither is a
 * usable string. Borrowed from doc. */
static const char *reply_external_id(const json_t *doc)
{
	static const char *const names[] = { "id", "external_id" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const json_t *v = json_object_get(doc, names[i]);

		if (kt_json_is_text(v, 1, KT_WEBHOOK_ID_MAX))
			return json_string_value(v);
	}
	return NULL;
}

/* Any 2xx means delivered, so an answer we cannot read is no error: it
 * just names no id. The contract mentions the id for leg.create, but any
 * operation's answer may carry one, hence op is not consulted. */
static int webhook_read_reply(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			      struct kt_adapter_reply *out, struct kt_err *err)
{
	const char *id, *status;
	enum kt_status st;
	json_t *doc;
	int rc = KT_OK;

	(void)msg;
	if (a->http_status < 200 || a->http_status > 299)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "supplier answered HTTP %ld, not 2xx",
				  a->http_status);
	if (!a->body || a->len == 0)
		return KT_OK;
	doc = json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc))
		goto out;
	id = reply_external_id(doc);
	if (id && !(out->external_id = strdup(id))) {
		rc = out_of_memory(err);
		goto out;
	}
	status = json_string_value(json_object_get(doc, "status"));
	if (status && kt_status_parse(status, &st) == 0) {
		out->has_status = 1;
		out->status = st;
	}
out:
	json_decref(doc);
	return rc;
}

/* 200 with the supplier's id: found; 404: the supplier holds no ticket
 * for the leg. */
static int webhook_read_lookup(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			       int *found, struct kt_adapter_reply *out, struct kt_err *err)
{
	*found = 0;
	if (a->http_status == 404)
		return KT_OK;
	if (a->http_status != 200)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "lookup answered HTTP %ld, not 200 or 404", a->http_status);
	if (webhook_read_reply(msg, a, out, err))
		return KT_ERR;
	if (!out->external_id)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "lookup answered 200 without the supplier's id");
	*found = 1;
	return KT_OK;
}

/* {"type": "leg.list", "data": {"page": null | token}}: one page of the
 * tickets the supplier holds that carry Keten's reference. */
static int webhook_build_list(const json_t *supplier, const char *page,
			      struct kt_http_request *out, struct kt_err *err)
{
	const char *endpoint = endpoint_of(supplier, err);

	if (!endpoint)
		return KT_ERR;
	return post_json(endpoint, json_pack("{s:s, s:{s:s?}}", "type", "leg.list", "data",
					     "page", page),
			 out, err);
}

/* One listed ticket: {"id": the supplier's id, "leg": our reference}. */
static int list_item(const json_t *t, struct kt_inbound_list *out, struct kt_err *err)
{
	const json_t *id = json_object_get(t, "id"), *leg = json_object_get(t, "leg");
	struct kt_inbound_update *u;

	if (!kt_json_is_text(id, 1, KT_WEBHOOK_ID_MAX) ||
	    !(json_is_null(leg) || !leg || kt_json_is_text(leg, 1, KT_WEBHOOK_ID_MAX)))
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "leg.list answered a ticket without a text id, or a leg"
				  " that is not text");
	if (!(u = kt_inbound_list_add(out)) || !(u->external_id = strdup(json_string_value(id))) ||
	    (json_is_string(leg) && !(u->leg_id = strdup(json_string_value(leg)))))
		return out_of_memory(err);
	return KT_OK;
}

/* 200 {"tickets": [...], "next_page": token | null}; anything else is no
 * list (a receiver that predates leg.list answers without "tickets"). */
static int webhook_read_list(const json_t *supplier, const char *page,
			     const struct kt_answer *a, struct kt_inbound_list *out,
			     struct kt_err *err)
{
	json_t *doc = NULL, *tickets, *next, *t;
	size_t i;
	int rc = KT_ERR;

	(void)supplier;
	(void)page;
	if (a->http_status != 200) {
		kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
			   "leg.list answered HTTP %ld, not 200", a->http_status);
		goto out;
	}
	doc = a->body ? json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	tickets = json_object_get(doc, "tickets");
	next = json_object_get(doc, "next_page");
	if (!json_is_array(tickets) ||
	    !(!next || json_is_null(next) || kt_json_is_text(next, 1, KT_WEBHOOK_ID_MAX))) {
		kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
			   "leg.list answered without a \"tickets\" array (or with a bad"
			   " \"next_page\"): the receiver does not list");
		goto out;
	}
	json_array_foreach(tickets, i, t)
		if (list_item(t, out, err))
			goto out;
	if (json_is_string(next) && !(out->next_page = strdup(json_string_value(next)))) {
		out_of_memory(err);
		goto out;
	}
	rc = KT_OK;
out:
	json_decref(doc);
	return rc;
}

/* The problems found in one inbound body, recorded as err details. */
struct problems {
	struct kt_err *err;
	int n;
};

static void problem(struct problems *pr, const char *path, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static void problem(struct problems *pr, const char *path, const char *fmt,
		    ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kt_err_detail(pr->err, path, "%s", msg);
	pr->n++;
}

/* Member key of obj, with JSON null read as absent. Borrowed. */
static const json_t *member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* The string member key of obj (at JSON pointer parent) of 1..max bytes;
 * NULL when absent or invalid, with the problem recorded. Borrowed. */
static const char *string_member(const json_t *obj, const char *parent,
				 const char *key, size_t max, int required,
				 struct problems *pr)
{
	const json_t *v = member(obj, key);
	char path[64];

	snprintf(path, sizeof(path), "%s/%s", parent, key);
	if (!v) {
		if (required)
			problem(pr, path, "is required");
		return NULL;
	}
	if (!kt_json_is_text(v, 1, max)) {
		problem(pr, path, "must be a non-empty string of at most %zu bytes",
			max);
		return NULL;
	}
	return json_string_value(v);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* s matches tpl, where 'd' stands for a digit and anything else for itself. */
static int matches(const char *s, const char *tpl)
{
	for (; *tpl; s++, tpl++)
		if (*tpl == 'd' ? !is_digit(*s) : *s != *tpl)
			return 0;
	return 1;
}

static int number(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* RFC 3339 date-time, strictly YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
 * with real calendar days (second 60 for a leap second). */
static int is_rfc3339(const char *s)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };
	int year, month, day;

	if (!matches(s, "dddd-dd-ddTdd:dd:dd"))
		return 0;
	year = number(s, 4);
	month = number(s + 5, 2);
	day = number(s + 8, 2);
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > mdays[month - 1] ||
	    (month == 2 && day == 29 &&
	     (year % 4 != 0 || (year % 100 == 0 && year % 400 != 0))))
		return 0;
	if (number(s + 11, 2) > 23 || number(s + 14, 2) > 59 ||
	    number(s + 17, 2) > 60)
		return 0;
	s += 19;
	if (*s == '.') {
		if (!is_digit(*++s))
			return 0;
		while (is_digit(*s))
			s++;
	}
	if (*s == 'Z')
		s++;
	/* RFC 3339 allows offsets to 23:59; PostgreSQL stores up to 15:59,
	 * which covers every real time zone. */
	else if ((*s == '+' || *s == '-') && matches(s + 1, "dd:dd") &&
		 number(s + 1, 2) <= 15 && number(s + 4, 2) <= 59)
		s += 6;
	else
		return 0;
	return *s == '\0';
}

/* A valid update's values, borrowed from the parsed body. */
struct inbound_fields {
	const char *leg_id;
	const char *external_id;
	int has_status;
	enum kt_status status;
	const char *comment;
	int comment_public;
	const char *comment_origin;
	const char *occurred_at;
	int reject;
	const char *reject_reason;
	const char *reject_component;
};

static void check_comment(const json_t *comment, struct inbound_fields *f,
			  struct problems *pr)
{
	const json_t *pub;

	if (!json_is_object(comment)) {
		problem(pr, "/comment", "must be an object");
		return;
	}
	f->comment = string_member(comment, "/comment", "text",
				   KT_WEBHOOK_COMMENT_MAX, 1, pr);
	pub = member(comment, "public");
	if (pub && !json_is_boolean(pub))
		problem(pr, "/comment/public", "must be true or false");
	f->comment_public = json_is_true(pub);
	f->comment_origin = string_member(comment, "/comment", "origin",
					  KT_WEBHOOK_ID_MAX, 0, pr);
}

static void check_reject(const json_t *reject, struct inbound_fields *f,
			 struct problems *pr)
{
	if (!json_is_object(reject)) {
		problem(pr, "/reject", "must be an object");
		return;
	}
	f->reject = 1;
	f->reject_reason = string_member(reject, "/reject", "reason",
					 KT_WEBHOOK_REASON_MAX, 1, pr);
	f->reject_component = string_member(reject, "/reject", "component",
					    KT_WEBHOOK_KEY_MAX, 0, pr);
}

/* Checks every member of the update in doc (an object), recording each
 * problem; members the contract does not name are ignored. */
static void check_update(const json_t *doc, struct inbound_fields *f,
			 struct problems *pr)
{
	const json_t *type = member(doc, "type");
	const json_t *status = member(doc, "status");
	const json_t *comment = member(doc, "comment");
	const json_t *reject = member(doc, "reject");

	if (!type)
		problem(pr, "/type", "is required");
	else if (!json_is_string(type) ||
		 strcmp(json_string_value(type), INBOUND_TYPE) != 0)
		problem(pr, "/type", "must be \"%s\"", INBOUND_TYPE);
	f->leg_id = string_member(doc, "", "leg_id", KT_WEBHOOK_ID_MAX, 1, pr);
	f->external_id = string_member(doc, "", "external_id",
				       KT_WEBHOOK_ID_MAX, 0, pr);
	if (status) {
		if (json_is_string(status) &&
		    kt_status_parse(json_string_value(status), &f->status) == 0)
			f->has_status = 1;
		else
			problem(pr, "/status",
				"must be a canonical status such as \"in_progress\"");
	}
	if (comment)
		check_comment(comment, f, pr);
	f->occurred_at = string_member(doc, "", "occurred_at", OCCURRED_AT_MAX,
				       0, pr);
	if (f->occurred_at && !is_rfc3339(f->occurred_at))
		problem(pr, "/occurred_at",
			"must be an RFC 3339 date-time such as \"2026-11-25T19:40:00Z\"");
	if (reject) {
		check_reject(reject, f, pr);
		if (status || comment)
			problem(pr, "/reject", "cannot be combined with status or comment");
	} else if (!status && !comment) {
		problem(pr, "", "one of status, comment or reject is required");
	}
}

/* *dst = a copy of src, or stays NULL for a NULL src; -1 out of memory. */
static int copy_optional(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

/* One update, applied once under the push's webhook-id. */
static int webhook_read_inbound(const json_t *supplier, const struct kt_answer *push,
				struct kt_inbound_list *list, struct kt_err *err)
{
	struct inbound_fields f = { 0 };
	struct problems pr = { err, 0 };
	struct kt_inbound_update *out;
	json_error_t jerr;
	json_t *doc = NULL;
	int rc = KT_ERR;

	(void)supplier;
	if (!push->body || push->len == 0)
		problem(&pr, "", "body is empty");
	else if (!(doc = json_loadb(push->body, push->len, JSON_REJECT_DUPLICATES, &jerr)))
		problem(&pr, "", "not valid JSON at line %d, column %d: %s",
			jerr.line, jerr.column, jerr.text);
	else if (!json_is_object(doc))
		problem(&pr, "", "must be a JSON object");
	else
		check_update(doc, &f, &pr);
	if (pr.n > 0) {
		kt_err_set(err, KT_EC_INVALID, "invalid_update",
			   "body is not a valid leg update");
		goto out;
	}
	if (!(out = kt_inbound_list_add(list))) {
		out_of_memory(err);
		goto out;
	}
	out->has_status = f.has_status;
	out->status = f.status;
	out->comment_public = f.comment_public;
	out->reject = f.reject;
	if (copy_optional(&out->leg_id, f.leg_id) ||
	    copy_optional(&out->external_id, f.external_id) ||
	    copy_optional(&out->comment, f.comment) ||
	    copy_optional(&out->comment_origin, f.comment_origin) ||
	    copy_optional(&out->occurred_at, f.occurred_at) ||
	    copy_optional(&out->reject_reason, f.reject_reason) ||
	    copy_optional(&out->reject_component, f.reject_component)) {
		kt_inbound_list_release(list);
		out_of_memory(err);
		goto out;
	}
	rc = KT_OK;
out:
	json_decref(doc);
	return rc;
}

/* The webhook mapping is free-form: the supplier's own script reads it. */
static int webhook_check_mapping(const json_t *mapping, struct kt_err *err)
{
	if (mapping && !json_is_object(mapping))
		return kt_err_set(err, KT_EC_INVALID, "invalid_mapping", "mapping must be an object");
	return KT_OK;
}

const struct kt_adapter kt_adapter_webhook = {
	.name = "webhook",
	.mapping_schema = "schemas/adapters/webhook.json",
	.check_mapping = webhook_check_mapping,
	.build_request = webhook_build_request,
	.read_reply = webhook_read_reply,
	.build_lookup = webhook_build_lookup,
	.read_lookup = webhook_read_lookup,
	.push = { KT_PUSH_STANDARD_WEBHOOKS, NULL, "webhook-id" },
	.read_inbound = webhook_read_inbound,
	.build_list = webhook_build_list,
	.read_list = webhook_read_list,
};
