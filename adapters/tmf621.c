/* tmf621.c - the `tmf621` adapter's calls to a TMF621 seller
 * (adapters/tmf621.md): a leg becomes a TroubleTicket of its entry's
 * ticketType (POST), later messages PATCH it (status with
 * statusChangeReason; a note for a comment), the lookup finds it by
 * Keten's reference, and the seller's answers and error texts are read.
 * Adding a note is not idempotent: its retry first reads the ticket's
 * notes for the message's marker. Events and polls: tmf621_read.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/url.h"
#include "base/utf8.h"
#include "adapter_util.h"
#include "tmf621.h"
#include "tmf621_int.h"

/* Longest text Keten puts in one request, in bytes. */
#define TEXT_MAX (256 * 1024)
/* Longest note marker (a comment's origin). */
#define MARKER_MAX 128
/* The step of a note's write after a check that did not find it. */
#define STEP_WRITE 1

#define CT_V4 "application/json;charset=utf-8"
#define CT_MERGE "application/merge-patch+json"
#define CT_JSON_PATCH "application/json-patch+json"

static int refuse(struct kt_err *err, const char *what)
{
	return kt_err_set(err, KT_EC_INVALID, "adapter_build", "%s", what);
}

/* What a message's request and answer are read against (borrowed from
 * it): its leg, the supplier's mapping and version, the comment it
 * carries. */
struct parts {
	const json_t *leg, *mapping, *comment;
	int v5;
};

static struct parts parts_of(const struct kt_adapter_msg *msg)
{
	const json_t *mapping = json_object_get(msg->supplier, "mapping");

	return (struct parts){ .leg = json_object_get(msg->leg_view, "leg"), .mapping = mapping,
			       .comment = json_object_get(msg->payload, "comment"),
			       .v5 = kt_tmf_version(mapping) == 5 };
}

/* obj["@type"] = type on v5; 0, or -1 out of memory. */
static int typed(json_t *obj, int v5, const char *type)
{
	return !v5 || json_object_set_new(obj, "@type", json_string(type)) == 0 ? 0 : -1;
}

/* The marker a note of this comment ends with (its origin), so that a
 * retry finds it; NULL when it is not a short run of [A-Za-z0-9:._-]. */
static const char *marker_of(const struct kt_adapter_msg *msg)
{
	const struct parts p = parts_of(msg);
	const char *m = json_string_value(json_object_get(p.comment, "origin"));
	size_t n = m ? strlen(m) : 0;

	if (n == 0 || n > MARKER_MAX ||
	    strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:._-") != n)
		return NULL;
	return m;
}

/* 1 when msg is a comment the mapping sends as a note. */
static int sends_note(const struct kt_adapter_msg *msg)
{
	const struct parts p = parts_of(msg);

	return msg->op == KT_OP_COMMENT &&
	       kt_tmf_sends_comment(p.mapping,
				    json_string_value(json_object_get(p.comment, "author")));
}

/* A note's write that may have landed is checked before it is sent again. */
static int is_check(const struct kt_adapter_msg *msg)
{
	return sends_note(msg) && msg->attempt > 1;
}

static int check_msg(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	const char *text = json_string_value(json_object_get(p.comment, "text"));

	if ((unsigned)msg->op >= KT_OP__COUNT)
		return kt_err_set(err, KT_EC_INVALID, "adapter_build", "unknown outbox operation %d",
				  (int)msg->op);
	if (!json_is_object(msg->leg_view) || !json_is_object(p.leg))
		return refuse(err, "the leg view is not a JSON object with a leg");
	if (msg->payload && !json_is_object(msg->payload))
		return refuse(err, "the payload is not a JSON object");
	if (!json_is_object(p.mapping))
		return refuse(err, "the supplier has no tmf621 mapping");
	if (msg->op == KT_OP_COMMENT && (!text || !*text))
		return refuse(err, "a comment message carries no comment text");
	if (sends_note(msg) && !marker_of(msg))
		return refuse(err, "the comment's origin cannot mark a TMF621 note");
	if (text && strlen(text) > TEXT_MAX)
		return refuse(err, "the comment is too long for a request");
	return KT_OK;
}

/* relatedParty[] of the mapping, in v4's or v5's shape. */
static json_t *parties(const json_t *mapping, int v5)
{
	json_t *out = json_array();
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(mapping, "related_party"), i, p) {
		const char *rt = json_string_value(json_object_get(p, "referred_type"));
		json_t *ref = json_pack("{s:O, s:s}", "id", json_object_get(p, "id"),
					"@referredType", rt ? rt : "Organization");
		json_t *party;

		if (ref && json_object_get(p, "name"))
			json_object_set(ref, "name", json_object_get(p, "name"));
		if (!ref || typed(ref, v5, "PartyRef")) {
			json_decref(ref);
			json_decref(out);
			return NULL;
		}
		if (v5)
			party = json_pack("{s:O, s:o, s:s}", "role", json_object_get(p, "role"),
					  "partyOrPartyRole", ref, "@type",
					  "RelatedPartyRefOrPartyRoleRef");
		else
			party = json_object_set(ref, "role", json_object_get(p, "role")) == 0 ? ref
											  : NULL;
		if (!party || json_array_append_new(out, party)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Keten's reference: v4 externalId, v5 externalIdentifier[]. */
static int add_reference(json_t *body, const struct kt_adapter_msg *msg, const char *leg)
{
	const struct parts p = parts_of(msg);
	json_t *x;

	if (!p.v5)
		return json_object_set_new(body, "externalId", json_string(leg));
	x = json_pack("{s:s, s:s, s:s, s:s}", "@type", "ExternalIdentifier", "id", leg, "owner",
		      kt_tmf_owner(p.mapping), "externalIdentifierType", "leg");
	return json_object_set_new(body, "externalIdentifier", json_pack("[o]", x));
}

/* POST /troubleTicket: the leg as a new ticket of its entry's ticketType. */
static json_t *create_body(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	const json_t *mapping = p.mapping;
	const char *type = json_string_value(json_object_get(msg->leg_view, "type"));
	const char *ticket_type = kt_tmf_ticket_type(mapping, type);
	const char *leg = json_string_value(json_object_get(p.leg, "id"));
	const char *summary = json_string_value(json_object_get(msg->leg_view, "summary"));
	const char *descr = json_string_value(json_object_get(msg->leg_view, "description"));
	int level = (int)json_integer_value(json_object_get(msg->leg_view, "priority"));
	const char *prio = kt_tmf_level(mapping, "priority", level);
	json_t *body, *rp;
	int rc;

	if (!ticket_type) {
		kt_err_set(err, KT_EC_INVALID, "adapter_build",
			   "the tmf621 mapping has no entry for ticket type \"%s\"", type ? type : "");
		return NULL;
	}
	if (!leg || !*leg || strlen(leg) > KT_TMF_ID_MAX) {
		refuse(err, "the leg has no id Keten can give the seller");
		return NULL;
	}
	if (!descr || !*descr)
		descr = summary;
	if (!descr || !*descr || strlen(descr) + (summary ? strlen(summary) : 0) > TEXT_MAX) {
		refuse(err, !descr || !*descr ? "the ticket has no text for the description"
					       : "the summary and description are too long");
		return NULL;
	}
	body = json_pack("{s:s, s:s, s:s}", "description", descr, "ticketType", ticket_type,
			 "severity", kt_tmf_level(mapping, "severity", level));
	rp = parties(mapping, p.v5);
	rc = body && rp ? 0 : -1;
	if (rc == 0 && summary && *summary)
		rc = json_object_set_new(body, "name", json_string(summary));
	if (rc == 0 && prio)
		rc = json_object_set_new(body, "priority", json_string(prio));
	if (rc == 0 && json_array_size(rp) > 0)
		rc = json_object_set(body, "relatedParty", rp);
	if (rc == 0)
		rc = add_reference(body, msg, leg) | typed(body, p.v5, "TroubleTicket");
	json_decref(rp);
	if (rc != 0) {
		json_decref(body);
		kt_tmf_oom(err);
		return NULL;
	}
	return body;
}

/* The status a PATCH of msg sets and why. */
static enum kt_status patch_status(const struct kt_adapter_msg *msg, const char **reason)
{
	const struct parts p = parts_of(msg);
	enum kt_status st = KT_ST_IN_PROGRESS;
	const char *text = NULL;

	if (msg->op == KT_OP_RESOLVE) {
		text = json_string_value(
			json_object_get(json_object_get(msg->payload, "resolution"), "text"));
		*reason = text && *text ? text : "resolved in Keten";
		return KT_ST_RESOLVED;
	}
	if (msg->op == KT_OP_CANCEL) {
		*reason = "cancelled in Keten";
		return KT_ST_CANCELLED;
	}
	if (kt_status_parse(json_string_value(json_object_get(p.leg, "status")), &st) != 0)
		st = KT_ST_IN_PROGRESS;
	text = json_string_value(json_object_get(json_object_get(msg->payload, "reopen"), "reason"));
	if (text && *text)
		*reason = text;
	else if (json_object_get(msg->payload, "close"))
		*reason = json_is_true(json_object_get(json_object_get(msg->payload, "close"),
						       "automatic"))
				  ? "closed in Keten: nobody answered the resolution in time"
				  : "closed in Keten: the customer confirmed the resolution";
	else
		*reason = "changed in Keten";
	return st;
}

/* PATCH of the status (update, resolve, cancel). */
static json_t *status_body(const struct kt_adapter_msg *msg, struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	const char *reason = NULL;
	enum kt_status st = patch_status(msg, &reason);
	json_t *body;

	if (strlen(reason) > TEXT_MAX) {
		refuse(err, "the reason of the status change is too long");
		return NULL;
	}
	body = json_pack("{s:s, s:s}", "status", kt_tmf_status_out(p.mapping, st),
			 "statusChangeReason", reason);
	if (!body || typed(body, p.v5, "TroubleTicket")) {
		json_decref(body);
		kt_tmf_oom(err);
		return NULL;
	}
	return body;
}

/* The note of a comment: its text ending with "[<marker>]", Keten as the
 * author. *ct is the content type of the PATCH that adds it. */
static json_t *note_body(const struct kt_adapter_msg *msg, const char **ct, struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	const char *text = json_string_value(json_object_get(p.comment, "text"));
	int v5 = p.v5;
	json_t *note = json_object(), *body = NULL;
	struct kt_buf b;

	kt_buf_init(&b, TEXT_MAX + MARKER_MAX + 8);
	kt_buf_addf(&b, "%s\n\n[%s]", text, marker_of(msg));
	if (note && !b.failed &&
	    !json_object_set_new(note, "text", json_string(kt_buf_str(&b))) &&
	    !json_object_set_new(note, "author",
				 json_string(kt_tmf_author(p.mapping))) &&
	    !typed(note, v5, "Note")) {
		if (v5 && kt_tmf_note_json_patch(p.mapping)) {
			*ct = CT_JSON_PATCH;
			body = json_pack("[{s:s, s:s, s:O}]", "op", "add", "path", "/note/-", "value",
					 note);
		} else {
			*ct = v5 ? CT_MERGE : CT_V4;
			body = json_pack("{s:[O]}", "note", note);
			if (body && typed(body, v5, "TroubleTicket")) {
				json_decref(body);
				body = NULL;
			}
		}
	}
	kt_buf_release(&b);
	json_decref(note);
	if (!body)
		kt_tmf_oom(err);
	return body;
}

/* The URL of the leg's ticket (its external id) + suffix into b. */
static int ticket_url(struct kt_buf *b, const struct kt_adapter_msg *msg, const char *suffix,
		      struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	const char *id = json_string_value(json_object_get(p.leg, "external_id"));

	if (!id || !*id)
		return refuse(err, "the leg has no TMF621 ticket id yet");
	if (kt_tmf_url(b, msg->supplier, "troubleTicket/", err))
		return KT_ERR;
	kt_url_pcts(b, id);
	kt_buf_adds(b, suffix);
	return b->failed ? kt_tmf_oom(err) : KT_OK;
}

static int tmf_build_request(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			     struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	const char *ct = p.v5 ? CT_MERGE : CT_V4;
	struct kt_buf url;
	json_t *body;

	if (check_msg(msg, err))
		return KT_ERR;
	kt_buf_init(&url, 4096);
	if (msg->op == KT_OP_CREATE) {
		if (kt_tmf_url(&url, msg->supplier, "troubleTicket", err) ||
		    !(body = create_body(msg, err)))
			goto fail;
		return kt_tmf_request(out, "POST", &url, body, p.v5 ? "application/json" : ct,
				      err);
	}
	if (msg->op == KT_OP_COMMENT && (!sends_note(msg) || is_check(msg))) {
		/* a work note the mapping keeps back only confirms the ticket */
		if (ticket_url(&url, msg, sends_note(msg) ? "?fields=note" : "?fields=id", err))
			goto fail;
		return kt_tmf_request(out, "GET", &url, NULL, NULL, err);
	}
	if (ticket_url(&url, msg, "", err))
		goto fail;
	body = msg->op == KT_OP_COMMENT ? note_body(msg, &ct, err) : status_body(msg, err);
	if (!body)
		goto fail;
	return kt_tmf_request(out, "PATCH", &url, body, ct, err);
fail:
	kt_buf_release(&url);
	return KT_ERR;
}

/* 1 when one of ticket's notes ends with msg's marker. */
static int marker_found(const struct kt_adapter_msg *msg, const json_t *ticket)
{
	char mark[MARKER_MAX + 3];
	size_t i, n = (size_t)snprintf(mark, sizeof(mark), "[%s]", marker_of(msg));
	json_t *note;

	json_array_foreach(json_object_get(ticket, "note"), i, note) {
		const char *text = json_string_value(json_object_get(note, "text"));
		size_t len = text ? strlen(text) : 0;

		if (len >= n && strcmp(text + len - n, mark) == 0)
			return 1;
	}
	return 0;
}

/* The seller's ticket id out of doc, with its status when the mapping
 * reads one. */
static int read_ticket(const json_t *mapping, const json_t *doc, struct kt_adapter_reply *out,
		       struct kt_err *err)
{
	const char *id = kt_tmf_text(doc, "id", KT_TMF_ID_MAX);

	if (!id)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "the seller's answer names no trouble ticket id");
	if (!(out->external_id = strdup(id)))
		return kt_tmf_oom(err);
	out->has_status = kt_tmf_status_in(mapping, json_string_value(json_object_get(doc, "status")),
					   &out->status) == 0;
	return KT_OK;
}

static int tmf_read_reply(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			  struct kt_adapter_reply *out, struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	int check = is_check(msg);
	json_t *doc;
	int rc = KT_OK;

	if (a->http_status < 200 || a->http_status > 299)
		return kt_err_set(err, KT_EC_SUPPLIER, "adapter_reply",
				  "the seller answered HTTP %ld, not 2xx", a->http_status);
	if (msg->op != KT_OP_CREATE && !check)
		return KT_OK;
	if (kt_tmf_answer(a, msg->op == KT_OP_CREATE ? "a create" : "the read of the notes", 0,
			  &doc, err))
		return KT_ERR;
	if (msg->op == KT_OP_CREATE)
		rc = read_ticket(p.mapping, doc, out, err);
	else if (!marker_found(msg, doc))
		out->next_step = STEP_WRITE;
	json_decref(doc);
	return rc;
}

/* GET /troubleTicket?externalId=<leg> (v4) or
 * ?externalIdentifier.id=<leg> (v5). */
static int tmf_build_lookup(const struct kt_adapter_msg *msg, struct kt_http_request *out,
			    struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	const char *leg = json_string_value(json_object_get(p.leg, "id"));
	struct kt_buf url;

	if (check_msg(msg, err))
		return KT_ERR;
	if (!leg || !*leg || strlen(leg) > KT_TMF_ID_MAX)
		return refuse(err, "the leg has no id the seller can be asked for");
	kt_buf_init(&url, 4096);
	if (kt_tmf_url(&url, msg->supplier,
		       p.v5 ? "troubleTicket?externalIdentifier.id=" : "troubleTicket?externalId=",
		       err)) {
		kt_buf_release(&url);
		return KT_ERR;
	}
	kt_url_pcts(&url, leg);
	return kt_tmf_request(out, "GET", &url, NULL, NULL, err);
}

/* A list with a ticket whose reference (Keten's owner on v5) is the leg:
 * found; an empty list: not found. */
static int tmf_read_lookup(const struct kt_adapter_msg *msg, const struct kt_answer *a,
			   int *found, struct kt_adapter_reply *out, struct kt_err *err)
{
	const struct parts p = parts_of(msg);
	const char *leg = json_string_value(json_object_get(p.leg, "id"));
	json_t *doc, *t;
	size_t i;
	int rc = KT_OK;

	*found = 0;
	if (kt_tmf_answer(a, "the lookup", 1, &doc, err))
		return KT_ERR;
	json_array_foreach(doc, i, t) {
		const char *ref = kt_tmf_leg_of(p.mapping, t);

		if (!leg || !ref || strcmp(ref, leg) != 0)
			continue;
		rc = read_ticket(p.mapping, t, out, err);
		*found = rc == KT_OK;
		break;
	}
	json_decref(doc);
	return rc;
}

/* TMF's Error {code, reason, message}: "reason: message", or either. */
static int tmf_read_error(const struct kt_answer *a, char *buf, size_t n)
{
	json_t *doc = kt_answer_json(a);
	int found = kt_error_text(buf, n, kt_tmf_text(doc, "reason", TEXT_MAX),
				  kt_tmf_text(doc, "message", TEXT_MAX));

	json_decref(doc);
	return found;
}

static const char *const poll_feeds[] = { "troubleTicket", NULL };

const struct kt_adapter kt_adapter_tmf621 = {
	.name = "tmf621",
	.mapping_schema = "schemas/adapters/tmf621.json",
	.check_mapping = kt_tmf_check_mapping,
	.accepts_type = kt_tmf_accepts_type,
	.build_request = tmf_build_request,
	.read_reply = tmf_read_reply,
	.read_error = tmf_read_error,
	.build_lookup = tmf_build_lookup,
	.read_lookup = tmf_read_lookup,
	.push = { KT_PUSH_BASIC, NULL, NULL },
	.read_inbound = kt_tmf_read_inbound,
	.poll_feeds = poll_feeds,
	.build_poll = kt_tmf_build_poll,
	.read_poll = kt_tmf_read_poll,
	.build_list = kt_tmf_build_list,
	.read_list = kt_tmf_read_list,
	.build_check = kt_tmf_build_check,
	.read_check = kt_tmf_read_check,
	.build_subscribe = kt_tmf_build_subscribe,
	.read_subscribe = kt_tmf_read_subscribe,
	.build_unsubscribe = kt_tmf_build_unsubscribe,
};
