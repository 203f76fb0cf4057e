/* topdesk.c - the `topdesk` adapter's calls to TOPdesk (adapters/topdesk.md):
 * a leg becomes an incident with the call type of its ticket type, later
 * messages PATCH that incident (processing status, completed/closed, an
 * action for a comment), the lookup finds an incident by externalNumber,
 * and TOPdesk's answers and error texts are read. A write that adds an
 * action is not idempotent: its retry first reads the incident's actions
 * for the message's marker. Pushes and polls: topdesk_read.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "adapter_util.h"
#include "topdesk.h"
#include "topdesk_int.h"
#include "topdesk_list.h"

/* Longest text Keten puts in one request, in bytes. */
#define BODY_TEXT_MAX (256 * 1024)
/* Longest action marker (a comment's origin, or the message id). */
#define MARKER_MAX 128
/* The step of a write that follows a check which found nothing. */
#define STEP_WRITE 1

static int out_of_memory(struct kt_err *err)
{
	return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
}

static int refuse(struct kt_err *err, const char *what)
{
	return kt_err_set(err, KT_EC_INVALID, "adapter_build", "%s", what);
}

static const json_t *leg_of(const struct kt_adapter_msg *msg)
{
	return json_object_get(msg->leg_view, "leg");
}

static const json_t *mapping_of(const struct kt_adapter_msg *msg)
{
	return json_object_get(msg->supplier, "mapping");
}

/* The text of an action this message adds (a comment, a reopen's
 * reason), or NULL when its write adds none. Borrowed. */
static const char *action_text(const struct kt_adapter_msg *msg)
{
	if (msg->op == KT_OP_COMMENT)
		return json_string_value(
			json_object_get(json_object_get(msg->payload, "comment"), "text"));
	if (msg->op == KT_OP_UPDATE)
		return json_string_value(
			json_object_get(json_object_get(msg->payload, "reopen"), "reason"));
	return NULL;
}

/* The marker Keten ends an action with, so that a retry can find it:
 * the comment's origin, else the message id. Borrowed; NULL when it is
 * not a short run of letters, digits and ":._-". */
static const char *marker_of(const struct kt_adapter_msg *msg)
{
	const char *origin = json_string_value(
		json_object_get(json_object_get(msg->payload, "comment"), "origin"));
	const char *m = origin ? origin : msg->message_id;
	size_t n = m ? strlen(m) : 0;

	if (n == 0 || n > MARKER_MAX ||
	    strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:._-") != n)
		return NULL;
	return m;
}

/* A write whose action may have landed is checked before it is sent again. */
static int is_check(const struct kt_adapter_msg *msg)
{
	return action_text(msg) && msg->attempt > 1;
}

/* The length of s (len bytes) cut to at most max UTF-16 units (TOPdesk
 * counts characters as Java does) on a character boundary. */
static size_t cut_chars(const char *s, size_t len, size_t max)
{
	size_t at = 0, units = 0;

	while (at < len) {
		size_t n = kt_utf8_char((const unsigned char *)s + at, len - at);
		size_t u = n == 4 ? 2 : 1;

		if (n == 0 || units + u > max)
			break;
		units += u;
		at += n;
	}
	return at;
}

/* body[key] = a fresh string of b's content; -1 when b failed. */
static int set_text(json_t *body, const char *key, struct kt_buf *b)
{
	return json_object_set_new(body, key, json_string(kt_buf_str(b))) == 0 && !b->failed
		       ? 0
		       : -1;
}

/* body[key] = a copy of ref, when ref is not NULL. */
static int set_ref(json_t *body, const char *key, const json_t *ref)
{
	return !ref || json_object_set_new(body, key, json_deep_copy(ref)) == 0 ? 0 : -1;
}

/* briefDescription (the summary cut to 80 characters, line breaks as
 * blanks) and request (the description; the whole summary before it when
 * it was cut). KT_ERR when the texts are too long or memory ran out. */
static int add_texts(json_t *body, const json_t *view, struct kt_err *err)
{
	const char *summary = json_string_value(json_object_get(view, "summary"));
	const char *descr = json_string_value(json_object_get(view, "description"));
	size_t len = summary ? strlen(summary) : 0, cut = cut_chars(summary ? summary : "", len,
								      KT_TOPDESK_BRIEF_MAX);
	struct kt_buf b;
	int rc;

	kt_buf_init(&b, BODY_TEXT_MAX);
	for (size_t i = 0; i < cut; i++) {
		char c = summary[i] == '\n' || summary[i] == '\r' || summary[i] == '\t' ? ' '
											: summary[i];
		kt_buf_add(&b, &c, 1);
	}
	rc = set_text(body, "briefDescription", &b);
	kt_buf_release(&b);
	if (cut < len) {
		kt_topdesk_html(&b, summary, len);
		if (descr && *descr)
			kt_buf_adds(&b, "<br><br>");
	}
	if (descr)
		kt_topdesk_html(&b, descr, strlen(descr));
	if (b.failed)
		rc = refuse(err, "the summary and description are too long for a request");
	else if (rc != 0 || (b.len > 0 && set_text(body, "request", &b) != 0))
		rc = out_of_memory(err);
	kt_buf_release(&b);
	return rc;
}

/* The caller of a new incident: callerLookup by id, or caller by name. */
static int add_caller(json_t *body, const json_t *mapping)
{
	const json_t *caller = json_object_get(mapping, "caller");
	const json_t *id = json_object_get(caller, "id");

	if (id)
		return json_object_set_new(body, "callerLookup", json_pack("{s:O}", "id", id));
	return set_ref(body, "caller", caller);
}

/* impact, urgency and priority of the ticket as the mapping names them. */
static int add_levels(json_t *body, const json_t *mapping, const json_t *view)
{
	static const char *const keys[] = { "impact", "urgency", "priority" };
	int rc = 0;

	for (size_t i = 0; i < 3; i++) {
		char level[24];

		if (!json_is_integer(json_object_get(view, keys[i])))
			continue;
		snprintf(level, sizeof(level), "%lld",
			 (long long)json_integer_value(json_object_get(view, keys[i])));
		rc |= set_ref(body, keys[i], kt_topdesk_ref_of(mapping, keys[i], level));
	}
	return rc;
}

/* POST /incidents: the leg as a new incident in its type's entry. */
static json_t *create_body(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	const json_t *mapping = mapping_of(msg);
	const char *type = json_string_value(json_object_get(msg->leg_view, "type"));
	const char *leg = json_string_value(json_object_get(leg_of(msg), "id"));
	const json_t *entry = kt_topdesk_entry(mapping, type);
	const char *field;
	json_t *body, *ref;
	int rc;

	if (!entry) {
		kt_err_set(err, KT_EC_INVALID, "adapter_build",
			   "the topdesk mapping has no entry for ticket type \"%s\"", type ? type : "");
		return NULL;
	}
	if (!leg || strlen(leg) > KT_TOPDESK_EXTERNAL_MAX) {
		refuse(err, "the leg id does not fit externalNumber (60 characters)");
		return NULL;
	}
	if (!(body = json_object())) {
		out_of_memory(err);
		return NULL;
	}
	if (add_texts(body, msg->leg_view, err)) {
		json_decref(body);
		return NULL;
	}
	rc = add_caller(body, mapping) | add_levels(body, mapping, msg->leg_view) |
	     json_object_set_new(body, "externalNumber", json_string(leg)) |
	     set_ref(body, "processingStatus", kt_topdesk_ref_of(mapping, "status_out", "new"));
	json_object_foreach((json_t *)entry, field, ref)
		rc |= set_ref(body, field, ref);
	if (rc != 0) {
		json_decref(body);
		out_of_memory(err);
		return NULL;
	}
	return body;
}

/* The processing status for status st and the completed/closed flags
 * that status means (a reopen clears both). */
static int add_status(json_t *body, const struct kt_adapter_msg *msg, enum kt_status st)
{
	int rc = set_ref(body, "processingStatus",
			 kt_topdesk_ref_of(mapping_of(msg), "status_out", kt_status_name(st)));

	if (st == KT_ST_RESOLVED)
		rc |= json_object_set_new(body, "completed", json_true());
	else if (st == KT_ST_CLOSED || st == KT_ST_CANCELLED)
		rc |= json_object_set_new(body, "closed", json_true());
	else if (json_object_get(msg->payload, "reopen"))
		rc |= json_object_set_new(body, "completed", json_false()) |
		      json_object_set_new(body, "closed", json_false());
	return rc;
}

/* PATCH of an existing incident: its status (but for a comment) and the
 * action the message adds, with its marker and visibility. */
static json_t *patch_body(const struct kt_adapter_msg *msg, enum kt_status st,
			  struct kt_err *err)
{
	const json_t *mapping = mapping_of(msg);
	const char *text = action_text(msg);
	json_t *body = json_object();
	int rc = body ? 0 : -1;

	if (rc == 0 && msg->op != KT_OP_COMMENT)
		rc = add_status(body, msg, st);
	if (rc == 0 && text) {
		const char *author = msg->op == KT_OP_COMMENT
			? json_string_value(json_object_get(json_object_get(msg->payload, "comment"),
							    "author"))
			: "customer";
		struct kt_buf b;

		kt_buf_init(&b, BODY_TEXT_MAX);
		kt_topdesk_html(&b, text, strlen(text));
		kt_buf_addf(&b, "<br><br>[%s]", marker_of(msg));
		rc |= set_text(body, "action", &b) |
		      json_object_set_new(body, "actionInvisibleForCaller",
					  json_boolean(kt_topdesk_invisible(mapping, author)));
		if (b.failed) {
			kt_buf_release(&b);
			json_decref(body);
			refuse(err, "the action text is too long");
			return NULL;
		}
		kt_buf_release(&b);
	}
	if (rc != 0) {
		json_decref(body);
		out_of_memory(err);
		return NULL;
	}
	return body;
}

/* The status a PATCH of msg sets. */
static enum kt_status patch_status(const struct kt_adapter_msg *msg)
{
	enum kt_status st = KT_ST_IN_PROGRESS;

	if (msg->op == KT_OP_RESOLVE)
		return KT_ST_RESOLVED;
	if (msg->op == KT_OP_CANCEL)
		return KT_ST_CANCELLED;
	if (kt_status_parse(json_string_value(json_object_get(leg_of(msg), "status")), &st) != 0)
		st = KT_ST_IN_PROGRESS;
	return st;
}

/* What every message needs before anything is built. */
static int check_msg(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	if ((unsigned)msg->op >= KT_OP__COUNT)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "unknown outbox operation %d",
				  (int)msg->op);
	if (!json_is_object(msg->leg_view) || !json_is_object(leg_of(msg)))
		return refuse(err, "the leg view is not a JSON object with a leg");
	if (msg->payload && !json_is_object(msg->payload))
		return refuse(err, "the payload is not a JSON object");
	if (!json_is_object(mapping_of(msg)))
		return refuse(err, "the supplier has no topdesk mapping");
	if (msg->op == KT_OP_COMMENT && !action_text(msg))
		return refuse(err, "a comment message carries no comment text");
	if (action_text(msg) && !marker_of(msg))
		return refuse(err, "the comment's origin cannot mark a TOPdesk action");
	return KT_OK;
}

/* The URL of incident id (the leg's external id), + suffix, into b. */
static int incident_url(struct kt_buf *b, const struct kt_adapter_msg *msg, const char *suffix,
			struct kt_err *err)
{
	const char *id = json_string_value(json_object_get(leg_of(msg), "external_id"));

	if (!id || !*id)
		return refuse(err, "the leg has no TOPdesk incident id yet");
	if (kt_topdesk_url(b, msg->supplier, "incidents/id/", err))
		return KT_ERR;
	kt_url_pcts(b, id);
	kt_buf_adds(b, suffix);
	return b->failed ? out_of_memory(err) : KT_OK;
}

static int topdesk_build_request(const struct kt_adapter_msg *msg, struct kt_http_request *out,
				 struct kt_err *err)
{
	struct kt_buf url;
	json_t *body;

	if (check_msg(msg, err))
		return KT_ERR;
	kt_buf_init(&url, 4096);
	if (msg->op == KT_OP_CREATE) {
		if (kt_topdesk_url(&url, msg->supplier, "incidents", err) ||
		    !(body = create_body(msg, err)))
			goto fail;
		return kt_topdesk_request(out, "POST", &url, body, err);
	}
	if (is_check(msg)) {
		if (incident_url(&url, msg, "/actions", err))
			goto fail;
		return kt_topdesk_request(out, "GET", &url, NULL, err);
	}
	if (incident_url(&url, msg, "", err) || !(body = patch_body(msg, patch_status(msg), err)))
		goto fail;
	return kt_topdesk_request(out, "PATCH", &url, body, err);
fail:
	kt_buf_release(&url);
	return KT_ERR;
}

/* 1 when one of the actions (a JSON array) ends with msg's marker. */
static int marker_found(const struct kt_adapter_msg *msg, const json_t *actions)
{
	char mark[MARKER_MAX + 3];
	size_t i;
	json_t *a;

	snprintf(mark, sizeof(mark), "[%s]", marker_of(msg));
	json_array_foreach(actions, i, a) {
		const char *memo = json_string_value(json_object_get(a, "memoText"));
		const char *plain = json_string_value(json_object_get(a, "plainText"));

		if ((memo && strstr(memo, mark)) || (plain && strstr(plain, mark)))
			return 1;
	}
	return 0;
}

/* The actions read before a retried write: the marker found means the
 * write landed (done); else the write follows as step STEP_WRITE. */
static int read_check(const struct kt_adapter_msg *msg, const struct kt_answer *a,
		      struct kt_adapter_reply *out, struct kt_err *err)
{
	json_t *doc;

	if (kt_topdesk_list(a, "the list of actions", &doc, err))
		return KT_ERR;
	if (!marker_found(msg, doc))
		out->next_step = STEP_WRITE;
	json_decref(doc);
	return KT_OK;
}

/* The incident's id out of TOPdesk's answer doc (an incident), with its
 * status when the mapping reads one. */
static int read_incident(const json_t *mapping, const json_t *doc, struct kt_adapter_reply *out,
			 struct kt_err *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));

	if (!id || !*id || strlen(id) > KT_TOPDESK_REF_MAX)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "TOPdesk's answer names no incident id");
	if (!(out->external_id = strdup(id)))
		return out_of_memory(err);
	out->has_status = kt_topdesk_status_in(mapping, doc, &out->status) == 0;
	return KT_OK;
}

static int topdesk_read_reply(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			      struct kt_adapter_reply *out, struct kt_err *err)
{
	json_t *doc;
	int rc;

	if (a->http_status < 200 || a->http_status > 299)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "TOPdesk answered HTTP %ld, not 2xx", a->http_status);
	if (is_check(msg))
		return read_check(msg, a, out, err);
	if (msg->op != KT_OP_CREATE)
		return KT_OK;
	doc = a->len > 0 ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	rc = json_is_object(doc) ? read_incident(mapping_of(msg), doc, out, err)
				 : kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
					      "TOPdesk's answer to a create is not an incident");
	json_decref(doc);
	return rc;
}

/* GET /incidents?query=externalNumber==<leg id>&all=true: the incident
 * made for the leg, whatever its line. */
static int topdesk_build_lookup(const struct kt_adapter_msg *msg, struct kt_http_request *out,
				struct kt_err *err)
{
	const char *leg = json_string_value(json_object_get(leg_of(msg), "id"));
	struct kt_buf url, q;

	if (!leg || !*leg || strlen(leg) > KT_TOPDESK_EXTERNAL_MAX ||
	    strspn(leg, "0123456789abcdefABCDEF-") != strlen(leg))
		return refuse(err, "the leg id is not one TOPdesk can search for");
	kt_buf_init(&url, 4096);
	kt_buf_init(&q, 256);
	kt_buf_addf(&q, "externalNumber==%s", leg);
	if (kt_topdesk_url(&url, msg->supplier, "incidents?query=", err)) {
		kt_buf_release(&q);
		kt_buf_release(&url);
		return KT_ERR;
	}
	kt_url_pcts(&url, kt_buf_str(&q));
	kt_buf_release(&q);
	kt_buf_adds(&url, "&all=true");
	return kt_topdesk_request(out, "GET", &url, NULL, err);
}

/* 200 (or 206) with an incident whose externalNumber is the leg id:
 * found; 204 or an empty list: not found. */
static int topdesk_read_lookup(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			       int *found, struct kt_adapter_reply *out, struct kt_err *err)
{
	const char *leg = json_string_value(json_object_get(leg_of(msg), "id"));
	json_t *doc, *inc;
	size_t i;
	int rc = KT_OK;

	*found = 0;
	if (kt_topdesk_list(a, "the lookup", &doc, err))
		return KT_ERR;
	json_array_foreach(doc, i, inc) {
		const char *ext = json_string_value(json_object_get(inc, "externalNumber"));

		if (!leg || !ext || strcmp(ext, leg) != 0)
			continue;
		rc = read_incident(mapping_of(msg), inc, out, err);
		*found = rc == KT_OK;
		break;
	}
	json_decref(doc);
	return rc;
}

/* TOPdesk's errors are a JSON array of {"message"} (an object with a
 * message is read too): the first message. */
static int topdesk_read_error(const struct kt_answer *a, char *buf, size_t n)
{
	json_t *doc = kt_answer_json(a);
	const json_t *first = json_is_array(doc) ? json_array_get(doc, 0) : doc;
	int found = kt_error_text(buf, n, NULL, json_string_value(json_object_get(first, "message")));

	json_decref(doc);
	return found;
}

static const char *const poll_feeds[] = { "incidents", NULL };

const struct kt_adapter kt_adapter_topdesk = {
	.name = "topdesk",
	.mapping_schema = "schemas/adapters/topdesk.json",
	.check_mapping = kt_topdesk_check_mapping,
	.accepts_type = kt_topdesk_accepts_type,
	.build_request = topdesk_build_request,
	.read_reply = topdesk_read_reply,
	.read_error = topdesk_read_error,
	.build_lookup = topdesk_build_lookup,
	.read_lookup = topdesk_read_lookup,
	.push = { KT_PUSH_TOKEN_HEADER, "x-keten-token", NULL },
	.read_inbound = kt_topdesk_read_inbound,
	.poll_feeds = poll_feeds,
	.build_poll = kt_topdesk_build_poll,
	.read_poll = kt_topdesk_read_poll,
	.build_check = kt_topdesk_build_check,
	.read_check = kt_topdesk_read_check,
	.build_list = kt_topdesk_build_list,
	.read_list = kt_topdesk_read_list,
};
