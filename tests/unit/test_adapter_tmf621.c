/* test_adapter_tmf621.c - golden tests of the `tmf621` adapter
 * (adapters/tmf621*.c) against adapters/tmf621.md, for v4 and v5. Every
 * file of tests/unit/data/tmf621/ is a list of cases of one kind (its
 * name says which and for which version: requests_v5.json, events_v4.json,
 * ...); each result is rendered as JSON and compared whole with the
 * case's "want", written by hand from the TMF621 documents. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "keten/adapter.h"
#include "testutil.h"
#include "adapter_testutil.h"

#define DATA "tests/unit/data/tmf621/"

static const struct kt_adapter *tmf(void)
{
	return kt_test_adapter("tmf621");
}

/* The supplier of case c in version v: the golden mapping of v with the
 * case's "mapping" members laid over it (null deletes one), and the
 * chain's poll page size 2. */
static json_t *supplier_of(const json_t *c, int v)
{
	char path[KT_TEST_PATH_MAX];
	json_t *mapping, *over = json_object_get(c, "mapping");
	const char *key;
	json_t *val;

	snprintf(path, sizeof(path), DATA "mapping_v%d.json", v);
	mapping = kt_test_load_json(path);
	json_object_foreach(over, key, val) {
		if (json_is_null(val))
			json_object_del(mapping, key);
		else
			json_object_set(mapping, key, val);
	}
	return json_pack("{s:s, s:s, s:o, s:{s:i}}", "key", "telco",
			 "endpoint", json_string_value(json_object_get(c, "endpoint"))
				 ? json_string_value(json_object_get(c, "endpoint"))
				 : "https://tt.telco.example/",
			 "mapping", mapping, "poll", "page_size", 2);
}

/* A message's borrowed parts, kept alive for the case. */
struct msg_parts {
	json_t *view, *supplier;
	struct kt_adapter_msg msg;
};

static void parts_init(struct msg_parts *p, const json_t *c, int v)
{
	const char *op = json_string_value(json_object_get(c, "op"));
	const json_t *attempt = json_object_get(c, "attempt");
	enum kt_operation o = KT_OP__COUNT;

	if (op)
		assert_int_equal(kt_operation_parse(op, &o), 0);
	p->view = kt_test_load_json(DATA "leg_view.json");
	json_object_update(p->view, json_object_get(c, "view"));
	json_object_update(json_object_get(p->view, "leg"), json_object_get(c, "leg"));
	p->supplier = supplier_of(c, v);
	p->msg = (struct kt_adapter_msg){
		.op = o, .message_id = "msg-7", .seq = 3,
		.attempt = attempt ? (int)json_integer_value(attempt) : 1,
		.step = (int)json_integer_value(json_object_get(c, "step")),
		.leg_view = p->view, .supplier = p->supplier,
		.payload = json_object_get(c, "payload"),
	};
}

static void parts_release(struct msg_parts *p)
{
	json_decref(p->view);
	json_decref(p->supplier);
}

/* {"error": code} of a failure, with its class checked. */
static json_t *error_of(const struct kt_err *err, enum kt_err_class want_cls)
{
	if (err->cls != want_cls || !err->message[0])
		fail_msg("error \"%s\" (%s) of class %d", err->code, err->message, (int)err->cls);
	return json_pack("{s:s}", "error", err->code);
}

/* A request as JSON: method, url, headers, body (parsed; null: none). The
 * body's bytes must be compact with sorted keys. */
static json_t *request_json(const struct kt_http_request *req)
{
	json_t *headers = json_object(), *body = json_null();

	for (size_t i = 0; i < req->n_headers; i++)
		json_object_set_new(headers, req->headers[i].name,
				    json_string(req->headers[i].value));
	if (req->body) {
		char *again;

		body = json_loads(req->body, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
		assert_non_null(body);
		again = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		assert_string_equal(again, req->body);
		assert_int_equal(req->body_len, strlen(req->body));
		free(again);
	}
	return json_pack("{s:s, s:s, s:o, s:o}", "method", req->method, "url", req->url,
			 "headers", headers, "body", body);
}

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The answer of case c: "http" and "body" (JSON) or "raw" text; *text is
 * the caller's. */
static struct kt_answer answer_of(const json_t *c, char **text)
{
	const json_t *raw = json_object_get(c, "raw");

	*text = raw ? strdup(json_string_value(raw))
		    : json_dumps(json_object_get(c, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
	return (struct kt_answer){
		.http_status = (long)json_integer_value(json_object_get(c, "http")),
		.body = *text, .len = *text ? strlen(*text) : 0,
	};
}

/* Updates as JSON: only the members an update sets. */
static json_t *updates_json(const struct kt_inbound_list *list)
{
	json_t *out = json_array();

	for (size_t i = 0; i < list->n; i++) {
		const struct kt_inbound_update *u = &list->items[i];
		json_t *o = json_pack("{s:o, s:o, s:o, s:o}", "leg_id", text_or_null(u->leg_id),
				      "external_id", text_or_null(u->external_id),
				      "delivery_id", text_or_null(u->delivery_id),
				      "occurred_at", text_or_null(u->occurred_at));

		if (u->has_status)
			json_object_set_new(o, "status", json_string(kt_status_name(u->status)));
		if (u->comment)
			json_object_set_new(o, "comment",
					    json_pack("{s:s, s:b, s:o, s:b}", "text", u->comment,
						      "public", u->comment_public, "origin",
						      text_or_null(u->comment_origin), "unordered",
						      u->comment_unordered));
		if (u->reject)
			json_object_set_new(o, "reject", json_string(u->reject_reason));
		json_array_append_new(out, o);
	}
	return out;
}

/* What one case of kind gives, as JSON. */
static json_t *run_request(const json_t *c, int v)
{
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	struct msg_parts p;
	json_t *got;
	int rc;

	parts_init(&p, c, v);
	rc = json_is_true(json_object_get(c, "lookup"))
		     ? tmf()->build_lookup(&p.msg, &req, &err)
		     : tmf()->build_request(&p.msg, &req, &err);
	if (rc == KT_OK) {
		got = request_json(&req);
	} else {
		got = error_of(&err, KT_EC_INVALID);
		assert_null(req.url);
	}
	kt_http_request_release(&req);
	kt_err_release(&err);
	parts_release(&p);
	return got;
}

static json_t *run_reply(const json_t *c, int v)
{
	struct kt_adapter_reply reply = { 0 };
	struct kt_err err = { 0 };
	struct msg_parts p;
	char *text;
	struct kt_answer a = answer_of(c, &text);
	int found = -1, rc;
	json_t *got;

	parts_init(&p, c, v);
	if (json_is_true(json_object_get(c, "lookup")))
		rc = tmf()->read_lookup(&p.msg, &a, &found, &reply, &err);
	else
		rc = tmf()->read_reply(&p.msg, &a, &reply, &err);
	if (rc == KT_OK) {
		got = json_pack("{s:o, s:o, s:i}", "external_id", text_or_null(reply.external_id),
				"status",
				text_or_null(reply.has_status ? kt_status_name(reply.status) : NULL),
				"next_step", reply.next_step);
		if (found >= 0)
			json_object_set_new(got, "found", json_boolean(found));
	} else {
		got = error_of(&err, KT_EC_SUPPLIER);
	}
	kt_adapter_reply_release(&reply);
	kt_err_release(&err);
	parts_release(&p);
	free(text);
	return got;
}

/* An event (push 1) or a poll page (push 0; the case's "page" token). */
static json_t *run_inbound(const json_t *c, int v, int push)
{
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	json_t *supplier = supplier_of(c, v), *got;
	char *text;
	struct kt_answer a = answer_of(c, &text);
	int rc = push ? tmf()->read_inbound(supplier, &a, &list, &err)
		      : tmf()->read_poll(supplier, "troubleTicket",
					 json_string_value(json_object_get(c, "page")), &a, &list,
					 &err);

	if (rc == KT_OK) {
		got = json_pack("{s:o}", "updates", updates_json(&list));
		if (push)
			json_object_set_new(got, "answer_status", json_integer(list.answer_status));
		else
			json_object_set_new(got, "next_page", text_or_null(list.next_page)),
			json_object_set_new(got, "high_water", text_or_null(list.high_water));
	} else {
		assert_int_equal(list.n, 0);
		got = error_of(&err, push ? KT_EC_INVALID : KT_EC_SUPPLIER);
		if (push)
			json_object_set(got, "paths", err.details ? err.details : json_array());
	}
	kt_inbound_list_release(&list);
	kt_err_release(&err);
	json_decref(supplier);
	free(text);
	return got;
}

/* What a build gave (rc, req, err) as JSON: the request or the error;
 * req, err and supplier released. */
static json_t *built(int rc, struct kt_http_request *req, struct kt_err *err, json_t *supplier)
{
	json_t *got = rc == KT_OK ? request_json(req) : error_of(err, KT_EC_INVALID);

	kt_http_request_release(req);
	kt_err_release(err);
	json_decref(supplier);
	return got;
}

static json_t *run_poll_request(const json_t *c, int v)
{
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	json_t *supplier = supplier_of(c, v);
	const json_t *feed = json_object_get(c, "feed");
	int rc = tmf()->build_poll(supplier, feed ? json_string_value(feed) : "troubleTicket",
				   json_string_value(json_object_get(c, "since")),
				   json_string_value(json_object_get(c, "page")), &req, &err);

	return built(rc, &req, &err, supplier);
}

/* A listing's request (case "page"), or the error of a bad page. */
static json_t *run_list_request(const json_t *c, int v)
{
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	json_t *supplier = supplier_of(c, v);
	int rc = tmf()->build_list(supplier, json_string_value(json_object_get(c, "page")), &req,
				   &err);

	return built(rc, &req, &err, supplier);
}

/* A listing's page (case "page"; "total" the seller's X-Total-Count):
 * {updates, next_page} or the error. */
static json_t *run_list(const json_t *c, int v)
{
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	json_t *supplier = supplier_of(c, v), *got;
	char *text;
	struct kt_answer a = answer_of(c, &text);
	const char *total = json_string_value(json_object_get(c, "total"));
	const struct kt_header h = { "X-Total-Count", (char *)total };
	int rc;

	if (total) {
		a.headers = &h;
		a.n_headers = 1;
	}
	rc = tmf()->read_list(supplier, json_string_value(json_object_get(c, "page")), &a, &list,
			      &err);
	if (rc == KT_OK) {
		got = json_pack("{s:o, s:o}", "updates", updates_json(&list), "next_page",
				text_or_null(list.next_page));
	} else {
		assert_int_equal(list.n, 0);
		got = error_of(&err, KT_EC_SUPPLIER);
	}
	kt_inbound_list_release(&list);
	kt_err_release(&err);
	json_decref(supplier);
	free(text);
	return got;
}

/* The JSON pointers of a mapping's problems ([] when it is valid). */
static json_t *run_mapping(const json_t *c, int v)
{
	struct kt_err err = { 0 };
	const json_t *m = json_object_get(c, "mapping");
	json_t *paths = json_array();
	size_t i;
	json_t *d;

	(void)v;
	if (tmf()->check_mapping(json_is_null(m) ? NULL : m, &err) != KT_OK) {
		assert_int_equal(err.cls, KT_EC_INVALID);
		assert_string_equal(err.code, "invalid_mapping");
		assert_true(json_array_size(err.details) > 0);
	}
	json_array_foreach(err.details, i, d) {
		assert_true(json_string_length(json_object_get(d, "message")) > 0);
		json_array_append(paths, json_object_get(d, "path"));
	}
	kt_err_release(&err);
	return paths;
}

static json_t *run_event(const json_t *c, int v)
{
	return run_inbound(c, v, 1);
}

static json_t *run_poll(const json_t *c, int v)
{
	return run_inbound(c, v, 0);
}

/* Runs every case of file (a list) through fn in version v. */
static void run_file(const char *file, int v, json_t *(*fn)(const json_t *c, int v))
{
	char path[KT_TEST_PATH_MAX];
	json_t *cases;
	size_t i;
	json_t *c;

	snprintf(path, sizeof(path), DATA "%s", file);
	cases = kt_test_load_json(path);
	assert_true(json_array_size(cases) > 0);
	json_array_foreach(cases, i, c) {
		json_t *got = fn(c, v);
		const json_t *want = json_object_get(c, "want");

		if (!json_equal(got, want)) {
			char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

			fail_msg("%s: %s\n got %s\nwant %s", file,
				 json_string_value(json_object_get(c, "name")), g, w ? w : "(none)");
		}
		json_decref(got);
	}
	json_decref(cases);
}

static void test_requests(void **state)
{
	(void)state;
	run_file("requests_v4.json", 4, run_request);
	run_file("requests_v5.json", 5, run_request);
}

static void test_replies(void **state)
{
	(void)state;
	run_file("replies_v4.json", 4, run_reply);
	run_file("replies_v5.json", 5, run_reply);
}

static void test_events(void **state)
{
	(void)state;
	run_file("events_v4.json", 4, run_event);
	run_file("events_v5.json", 5, run_event);
}

static void test_poll(void **state)
{
	(void)state;
	run_file("poll_requests.json", 5, run_poll_request);
	run_file("poll_pages.json", 5, run_poll);
}

/* `keten reconcile`'s listing: requests and pages in both versions. */
static void test_list(void **state)
{
	(void)state;
	run_file("list_requests_v4.json", 4, run_list_request);
	run_file("list_requests_v5.json", 5, run_list_request);
	run_file("list_pages_v4.json", 4, run_list);
	run_file("list_pages_v5.json", 5, run_list);
}

static void test_mapping(void **state)
{
	(void)state;
	run_file("mappings.json", 5, run_mapping);
}

/* One entry per process: a type without an entry is refused at routing. */
static void test_accepts_type(void **state)
{
	json_t *m = kt_test_load_json(DATA "mapping_v5.json");

	(void)state;
	assert_int_equal(tmf()->accepts_type(m, KT_TYPE_INCIDENT), 1);
	assert_int_equal(tmf()->accepts_type(m, KT_TYPE_REQUEST), 1);
	assert_int_equal(tmf()->accepts_type(m, KT_TYPE_CHANGE), 0);
	assert_int_equal(tmf()->accepts_type(NULL, KT_TYPE_INCIDENT), 0);
	json_decref(m);
}

/* The seller's own words out of TMF's Error, cut on a character. */
static void test_read_error(void **state)
{
	static const char body[] = "{\"@type\":\"Error\",\"code\":\"TT-42\",\"reason\":\"Invalid "
				   "value\",\"message\":\"severity \xc3\xa9 unknown\"}";
	struct kt_answer a = { .http_status = 400, .body = body, .len = sizeof(body) - 1 };
	char buf[64];

	(void)state;
	assert_int_equal(tmf()->read_error(&a, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "Invalid value: severity \xc3\xa9 unknown");
	assert_int_equal(tmf()->read_error(&a, buf, 26), 1);
	assert_string_equal(buf, "Invalid value: severity ");
	a.body = "[]";
	a.len = 2;
	assert_int_equal(tmf()->read_error(&a, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_accepts_type),
		cmocka_unit_test(test_read_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
