/* rt-driver.c - the `rt` adapter on the command line, so that the RT
 * suite sends the very requests the adapter builds to a real RT and feeds
 * RT's real answers back to it. One JSON document on stdin, one on stdout:
 *
 *   rt-driver build|lookup   {op, message_id, attempt, step, leg_view,
 *                             supplier, payload}  -> {method, url, headers, body}
 *   rt-driver reply|read-lookup  the same plus answer {status, body}
 *                             -> {external_id, has_status, status, next_step, found}
 *   rt-driver poll           {supplier, feed, since, page} -> the request
 *   rt-driver read-poll      {supplier, feed, page, answer} -> {items, next_page,
 *                                                        high_water}
 *   rt-driver check          {mapping} -> {"ok": true}
 *
 * An adapter error prints {"error": {class, code, message, details}} and
 * exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keten/adapter.h"

static const struct kt_adapter *rt;

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int fail(struct kt_err *err)
{
	json_t *out = json_pack("{s:{s:s, s:s, s:s, s:O}}", "error", "class",
				kt_err_class_name(err->cls), "code", err->code, "message",
				err->message, "details", err->details ? err->details : json_null());

	json_dumpf(out, stdout, JSON_COMPACT);
	json_decref(out);
	kt_err_release(err);
	return 1;
}

static int print_request(struct kt_http_request *req)
{
	json_t *h = json_object();
	json_t *out;

	for (size_t i = 0; i < req->n_headers; i++)
		json_object_set_new(h, req->headers[i].name, json_string(req->headers[i].value));
	out = json_pack("{s:s, s:s, s:o, s:o}", "method", req->method, "url", req->url,
			"headers", h, "body", str_or_null(req->body));
	json_dumpf(out, stdout, JSON_COMPACT);
	json_decref(out);
	kt_http_request_release(req);
	return 0;
}

static void message_of(const json_t *in, struct kt_adapter_msg *msg)
{
	enum kt_operation op = KT_OP_CREATE;

	kt_operation_parse(json_string_value(json_object_get(in, "op")), &op);
	msg->op = op;
	msg->message_id = json_string_value(json_object_get(in, "message_id"));
	msg->attempt = (int)json_integer_value(json_object_get(in, "attempt"));
	msg->step = (int)json_integer_value(json_object_get(in, "step"));
	msg->state = json_object_get(in, "state");
	msg->leg_view = json_object_get(in, "leg_view");
	msg->supplier = json_object_get(in, "supplier");
	msg->payload = json_object_get(in, "payload");
	if (msg->attempt < 1)
		msg->attempt = 1;
}

static void answer_of(const json_t *in, struct kt_answer *a)
{
	const json_t *ans = json_object_get(in, "answer");

	a->http_status = (long)json_integer_value(json_object_get(ans, "status"));
	a->body = json_string_value(json_object_get(ans, "body"));
	a->len = a->body ? strlen(a->body) : 0;
}

static int print_reply(struct kt_adapter_reply *r, int found)
{
	json_t *out = json_pack("{s:o, s:b, s:o, s:i, s:b}", "external_id",
				str_or_null(r->external_id), "has_status", r->has_status,
				"status", str_or_null(r->has_status ? kt_status_name(r->status) : NULL),
				"next_step", r->next_step, "found", found);

	json_dumpf(out, stdout, JSON_COMPACT);
	json_decref(out);
	kt_adapter_reply_release(r);
	return 0;
}

static int print_list(struct kt_inbound_list *l)
{
	json_t *items = json_array();
	json_t *out;

	for (size_t i = 0; i < l->n; i++) {
		struct kt_inbound_update *u = &l->items[i];

		json_array_append_new(items, json_pack(
			"{s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "leg_id", str_or_null(u->leg_id),
			"external_id", str_or_null(u->external_id), "delivery_id",
			str_or_null(u->delivery_id), "status",
			str_or_null(u->has_status ? kt_status_name(u->status) : NULL), "comment",
			str_or_null(u->comment), "occurred_at", str_or_null(u->occurred_at),
			"comment_public", u->comment_public));
	}
	out = json_pack("{s:o, s:o, s:o}", "items", items, "next_page", str_or_null(l->next_page),
			"high_water", str_or_null(l->high_water));
	json_dumpf(out, stdout, JSON_COMPACT);
	json_decref(out);
	kt_inbound_list_release(l);
	return 0;
}

static int run(const char *cmd, const json_t *in)
{
	struct kt_adapter_msg msg = { 0 };
	struct kt_http_request req = { 0 };
	struct kt_adapter_reply reply = { 0 };
	struct kt_inbound_list list = { 0 };
	struct kt_answer a = { 0 };
	struct kt_err err = { 0 };
	const json_t *sup = json_object_get(in, "supplier");
	const char *feed = json_string_value(json_object_get(in, "feed"));
	int found = 0;

	message_of(in, &msg);
	answer_of(in, &a);
	if (strcmp(cmd, "build") == 0)
		return rt->build_request(&msg, &req, &err) ? fail(&err) : print_request(&req);
	if (strcmp(cmd, "lookup") == 0)
		return rt->build_lookup(&msg, &req, &err) ? fail(&err) : print_request(&req);
	if (strcmp(cmd, "reply") == 0)
		return rt->read_reply(&msg, &a, &reply, &err) ? fail(&err) : print_reply(&reply, 0);
	if (strcmp(cmd, "read-lookup") == 0)
		return rt->read_lookup(&msg, &a, &found, &reply, &err) ? fail(&err)
								       : print_reply(&reply, found);
	if (strcmp(cmd, "poll") == 0)
		return rt->build_poll(sup, feed, json_string_value(json_object_get(in, "since")),
				      json_string_value(json_object_get(in, "page")), &req, &err)
			       ? fail(&err)
			       : print_request(&req);
	if (strcmp(cmd, "read-poll") == 0)
		return rt->read_poll(sup, feed, json_string_value(json_object_get(in, "page")),
				     &a, &list, &err) ? fail(&err) : print_list(&list);
	if (strcmp(cmd, "check") == 0) {
		if (rt->check_mapping(json_object_get(in, "mapping"), &err))
			return fail(&err);
		fputs("{\"ok\":true}", stdout);
		return 0;
	}
	fprintf(stderr, "rt-driver: unknown command %s\n", cmd);
	return 2;
}

int main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *in;
	int rc;

	rt = kt_adapter_find("rt");
	if (argc != 2 || !rt) {
		fprintf(stderr, "usage: rt-driver build|lookup|reply|read-lookup|poll|read-poll|check\n");
		return 2;
	}
	if (!(in = json_loadf(stdin, 0, &jerr))) {
		fprintf(stderr, "rt-driver: stdin: %s\n", jerr.text);
		return 2;
	}
	rc = run(argv[1], in);
	json_decref(in);
	return rc;
}
