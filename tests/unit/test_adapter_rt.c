/* test_adapter_rt.c - unit tests of the `rt` adapter (adapters/rt*.c)
 * against adapters/rt.md. Golden files in tests/unit/data/rt/: the
 * requests (method, URL, headers, exact body) written independently from
 * RT's REST2 documentation, and answers/ recorded from a real RT 5.0.3
 * (Debian's request-tracker5, as tests/rt/setup.sh runs it). */
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

#define DATA "tests/unit/data/rt/"
#define ANSWERS DATA "answers/"

static const struct kt_adapter *rt(void)
{
	return kt_test_adapter("rt");
}

static json_t *json_of(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	if (!v)
		fail_msg("not JSON: %s", text);
	return v;
}

/* The test supplier with patch (JSON text, may be NULL) merged into its
 * mapping. */
static json_t *supplier(const char *patch)
{
	json_t *s = kt_test_load_json(DATA "supplier.json");

	if (patch) {
		json_t *p = json_of(patch);

		json_object_update(json_object_get(s, "mapping"), p);
		json_decref(p);
	}
	return s;
}

/* The request as {method, url, headers, body}. */
static json_t *request_json(const struct kt_http_request *req)
{
	json_t *h = json_object();

	for (size_t i = 0; i < req->n_headers; i++)
		json_object_set_new(h, req->headers[i].name, json_string(req->headers[i].value));
	if (req->body)
		assert_int_equal(req->body_len, strlen(req->body));
	return json_pack("{s:s, s:s, s:o, s:o}", "method", req->method, "url", req->url,
			 "headers", h, "body", req->body ? json_string(req->body) : json_null());
}

static void assert_golden(const struct kt_http_request *req, const char *golden)
{
	json_t *want = kt_test_load_json(golden);
	json_t *got = request_json(req);

	if (!json_equal(want, got)) {
		char *g = json_dumps(got, JSON_INDENT(1) | JSON_SORT_KEYS);
		char *w = json_dumps(want, JSON_INDENT(1) | JSON_SORT_KEYS);

		fail_msg("%s differs:\n got %s\nwant %s", golden, g, w);
	}
	json_decref(want);
	json_decref(got);
}

struct msg_case {
	const char *golden;
	enum kt_operation op;
	const char *type;     /* NULL: the leg view's */
	int priority;         /* 0: the leg view's */
	const char *author;   /* a comment's; NULL: no payload */
	int attempt, step;
	const char *patch;    /* the mapping's */
	int drop_optional;    /* no description, no requestor */
};

/* The adapter message of c; *view and *sup are the caller's to release. */
static struct kt_adapter_msg message(const struct msg_case *c, json_t **view, json_t **sup,
				     json_t **payload)
{
	struct kt_adapter_msg msg = { .op = c->op, .message_id = "msg-1", .seq = 3,
				      .attempt = c->attempt ? c->attempt : 1, .step = c->step };

	*view = kt_test_load_json(DATA "leg_view.json");
	*sup = supplier(c->patch);
	*payload = NULL;
	if (c->type)
		json_object_set_new(*view, "type", json_string(c->type));
	if (c->priority)
		json_object_set_new(*view, "priority", json_integer(c->priority));
	if (c->drop_optional) {
		json_object_del(*view, "description");
		json_object_del(json_object_get(*sup, "mapping"), "requestor");
	}
	if (c->author)
		*payload = json_pack("{s:{s:s, s:s, s:s}}", "comment", "text",
				     "Any news? \u2014 the caf\u00e9 is still offline", "author",
				     c->author, "origin", "keten:event:4711");
	msg.leg_view = *view;
	msg.supplier = *sup;
	msg.payload = *payload;
	if (c->step)
		msg.state = json_object();
	return msg;
}

static void release_message(struct kt_adapter_msg *msg, json_t *view, json_t *sup, json_t *payload)
{
	json_decref((json_t *)msg->state);
	json_decref(view);
	json_decref(sup);
	json_decref(payload);
}

static void test_build_golden(void **state)
{
	static const struct msg_case cases[] = {
		{ DATA "request_create_incident.json", KT_OP_CREATE, "incident", 0, NULL, 0, 0, NULL, 0 },
		{ DATA "request_create_request.json", KT_OP_CREATE, "request", 0, NULL, 0, 0, NULL, 0 },
		{ DATA "request_create_change.json", KT_OP_CREATE, "change", 0, NULL, 0, 0, NULL, 0 },
		{ DATA "request_create_problem.json", KT_OP_CREATE, "problem", 0, NULL, 0, 0, NULL, 0 },
		{ DATA "request_create_minimal.json", KT_OP_CREATE, NULL, 5, NULL, 0, 0,
		  "{\"priority\": {\"5\": 1}}", 1 },
		{ DATA "request_update.json", KT_OP_UPDATE, NULL, 0, NULL, 0, 0, NULL, 0 },
		{ DATA "request_resolve.json", KT_OP_RESOLVE, NULL, 0, NULL, 0, 0, NULL, 0 },
		{ DATA "request_cancel.json", KT_OP_CANCEL, NULL, 0, NULL, 0, 0, NULL, 0 },
		{ DATA "request_cancel_mapped.json", KT_OP_CANCEL, NULL, 0, NULL, 0, 0,
		  "{\"status_out\": {\"cancelled\": \"withdrawn\"}}", 0 },
		{ DATA "request_comment_customer.json", KT_OP_COMMENT, NULL, 0, "customer", 0, 0, NULL, 0 },
		{ DATA "request_comment_integrator.json", KT_OP_COMMENT, NULL, 0, "integrator", 0, 0,
		  NULL, 0 },
		{ DATA "request_comment_supplier.json", KT_OP_COMMENT, NULL, 0, "supplier", 0, 0, NULL, 0 },
		/* the mapping makes the integrator's comments replies */
		{ DATA "request_comment_customer.json", KT_OP_COMMENT, NULL, 0, "integrator", 0, 0,
		  "{\"comments\": {\"integrator\": \"correspond\"}}", 0 },
		/* a retry searches for the marker first; the step after writes */
		{ DATA "request_comment_search.json", KT_OP_COMMENT, NULL, 0, "customer", 2, 0, NULL, 0 },
		{ DATA "request_comment_customer.json", KT_OP_COMMENT, NULL, 0, "customer", 1, 1, NULL, 0 },
		{ DATA "request_comment_search.json", KT_OP_COMMENT, NULL, 0, "customer", 3, 1, NULL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *view, *sup, *payload;
		struct kt_adapter_msg msg = message(&cases[i], &view, &sup, &payload);
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };

		if (rt()->build_request(&msg, &req, &err) != KT_OK)
			fail_msg("%s: %s", cases[i].golden, err.message);
		assert_golden(&req, cases[i].golden);
		kt_http_request_release(&req);
		release_message(&msg, view, sup, payload);
	}
}

static void test_build_lookup_golden(void **state)
{
	struct msg_case c = { .op = KT_OP_CREATE };
	json_t *view, *sup, *payload;
	struct kt_adapter_msg msg = message(&c, &view, &sup, &payload);
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };

	(void)state;
	assert_int_equal(rt()->build_lookup(&msg, &req, &err), KT_OK);
	assert_golden(&req, DATA "request_lookup.json");
	kt_http_request_release(&req);
	/* a leg id that is no uuid never reaches TicketSQL */
	json_object_set_new(json_object_get(view, "leg"), "id", json_string("x' OR id > '0"));
	assert_int_equal(rt()->build_lookup(&msg, &req, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	release_message(&msg, view, sup, payload);
}

/* Summary and description are cut to RT's sizes on character boundaries. */
static void test_create_cuts(void **state)
{
	struct msg_case c = { .op = KT_OP_CREATE };
	json_t *view, *sup, *payload, *body;
	struct kt_adapter_msg msg = message(&c, &view, &sup, &payload);
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	char summary[301], *desc = malloc(70 * 1024 + 1);
	const char *subject, *content;

	(void)state;
	/* "é" is two bytes: 150 of them and a last "x" */
	for (int i = 0; i < 150; i++)
		memcpy(summary + 2 * i, "\xc3\xa9", 2);
	summary[300] = '\0';
	memset(desc, 'd', 70 * 1024);
	desc[70 * 1024] = '\0';
	memcpy(desc + 64 * 1024 - 1, "\xe2\x82\xac", 3); /* a euro sign across the limit */
	json_object_set_new(view, "summary", json_string(summary));
	json_object_set_new(view, "description", json_string(desc));
	assert_int_equal(rt()->build_request(&msg, &req, &err), KT_OK);
	body = json_of(req.body);
	subject = json_string_value(json_object_get(body, "Subject"));
	content = json_string_value(json_object_get(body, "Content"));
	assert_int_equal(strlen(subject), 200);
	assert_memory_equal(subject, summary, 200);
	assert_int_equal(strlen(content), 64 * 1024 - 1);
	json_decref(body);
	kt_http_request_release(&req);
	free(desc);
	release_message(&msg, view, sup, payload);
}

static void test_build_refused(void **state)
{
	static const struct {
		const char *name;
		enum kt_operation op;
		const char *patch, *view_patch, *endpoint, *message_id, *text;
		const char *want;
	} cases[] = {
		{ "no queue for the type", KT_OP_CREATE, "{\"queues\": {\"problem\": \"P\"}}", NULL,
		  NULL, NULL, NULL, "no queue for incident" },
		{ "no summary", KT_OP_CREATE, NULL, "{\"summary\": \"\"}", NULL, NULL, NULL,
		  "no summary" },
		{ "no ticket id yet", KT_OP_UPDATE, NULL, "{\"leg\": {\"id\": \"0b9f6d2a-7c41-4e88-9a55-1d2e3f405162\", \"status\": \"new\", \"external_id\": null}}",
		  NULL, NULL, NULL, "no RT ticket id" },
		{ "a ticket id that is not RT's", KT_OP_RESOLVE, NULL, "{\"leg\": {\"id\": \"0b9f6d2a-7c41-4e88-9a55-1d2e3f405162\", \"status\": \"new\", \"external_id\": \"42/../1\"}}",
		  NULL, NULL, NULL, "no RT ticket id" },
		{ "no canonical status", KT_OP_UPDATE, NULL, "{\"leg\": {\"id\": \"0b9f6d2a-7c41-4e88-9a55-1d2e3f405162\", \"status\": \"open\", \"external_id\": \"42\"}}",
		  NULL, NULL, NULL, "canonical leg status" },
		{ "http endpoint", KT_OP_CREATE, NULL, NULL, "http://rt.acme.example", NULL, NULL,
		  "absolute https URL" },
		{ "endpoint with a query", KT_OP_CREATE, NULL, NULL, "https://rt.acme.example/?x=1",
		  NULL, NULL, "absolute https URL" },
		{ "marker unfit", KT_OP_COMMENT, NULL, NULL, NULL, "msg 1%", "hi", "marker" },
		{ "empty comment", KT_OP_COMMENT, NULL, NULL, NULL, NULL, "", "no text" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct msg_case c = { .op = cases[i].op, .patch = cases[i].patch };
		json_t *view, *sup, *payload;
		struct kt_adapter_msg msg = message(&c, &view, &sup, &payload);
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };

		if (cases[i].view_patch) {
			json_t *p = json_of(cases[i].view_patch);

			json_object_update(view, p);
			json_decref(p);
		}
		if (cases[i].endpoint)
			json_object_set_new(sup, "endpoint", json_string(cases[i].endpoint));
		if (cases[i].message_id)
			msg.message_id = cases[i].message_id;
		if (cases[i].text)
			msg.payload = payload = json_pack("{s:{s:s, s:s}}", "comment", "text",
							  cases[i].text, "author", "customer");
		if (rt()->build_request(&msg, &req, &err) != KT_ERR)
			fail_msg("%s: built %s %s", cases[i].name, req.method, req.url);
		assert_string_equal(err.code, "adapter_build");
		assert_int_equal(err.cls, KT_EC_INVALID);
		if (!strstr(err.message, cases[i].want))
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].name, err.message, cases[i].want);
		assert_null(req.url);
		release_message(&msg, view, sup, payload);
	}
}

/* The recorded answer in file with status. */
static struct kt_answer answer(const char *file, long status, char **buf)
{
	char path[256];
	struct kt_answer a = { .http_status = status };

	snprintf(path, sizeof(path), ANSWERS "%s", file);
	*buf = kt_test_read_file(path);
	a.body = *buf;
	a.len = strlen(*buf);
	return a;
}

static void test_read_reply(void **state)
{
	static const struct {
		const char *file;
		long status;
		enum kt_operation op;
		int attempt, step;
		int rc, cls, next_step;
		const char *external_id;
	} cases[] = {
		{ "create.body", 201, KT_OP_CREATE, 1, 0, KT_OK, 0, 0, "1" },
		{ "put_changed.body", 200, KT_OP_UPDATE, 1, 0, KT_OK, 0, 0, NULL },
		{ "put_unchanged.body", 200, KT_OP_RESOLVE, 1, 0, KT_OK, 0, 0, NULL },
		{ "put_invalid_status.body", 200, KT_OP_CANCEL, 1, 0, KT_ERR, KT_EC_INVALID, 0, NULL },
		{ "put_denied.body", 200, KT_OP_UPDATE, 1, 0, KT_ERR, KT_EC_INVALID, 0, NULL },
		{ "put_no_ticket.body", 404, KT_OP_UPDATE, 1, 0, KT_ERR, KT_EC_SUPPLIER, 0, NULL },
		{ "comment.body", 201, KT_OP_COMMENT, 1, 0, KT_OK, 0, 0, NULL },
		{ "correspond.body", 201, KT_OP_COMMENT, 1, 1, KT_OK, 0, 0, NULL },
		{ "search_found.body", 200, KT_OP_COMMENT, 2, 0, KT_OK, 0, 0, NULL },
		{ "search_none.body", 200, KT_OP_COMMENT, 2, 0, KT_OK, 0, 1, NULL },
		{ "search_none.body", 200, KT_OP_COMMENT, 4, 1, KT_OK, 0, 2, NULL },
		/* a create answer without an id, or no JSON at all */
		{ "put_unchanged.body", 201, KT_OP_CREATE, 1, 0, KT_ERR, KT_EC_SUPPLIER, 0, NULL },
		{ "put_changed.body", 200, KT_OP_COMMENT, 2, 0, KT_ERR, KT_EC_SUPPLIER, 0, NULL },
		{ "create_forbidden.body", 403, KT_OP_CREATE, 1, 0, KT_ERR, KT_EC_SUPPLIER, 0, NULL },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_adapter_msg msg = { .op = cases[i].op, .message_id = "msg-1",
					      .attempt = cases[i].attempt, .step = cases[i].step };
		struct kt_adapter_reply reply = { 0 };
		struct kt_err err = { 0 };
		char *buf;
		struct kt_answer a = answer(cases[i].file, cases[i].status, &buf);
		json_t *sup = supplier(NULL);

		msg.supplier = sup;
		if (rt()->read_reply(&msg, &a, &reply, &err) != cases[i].rc)
			fail_msg("case %zu (%s): rc", i, cases[i].file);
		if (cases[i].rc == KT_ERR) {
			assert_int_equal(err.cls, cases[i].cls);
			assert_string_equal(err.code, "adapter_reply");
		} else {
			assert_int_equal(reply.next_step, cases[i].next_step);
			if (reply.next_step)
				assert_true(json_is_object(reply.state));
			if (cases[i].external_id)
				assert_string_equal(reply.external_id, cases[i].external_id);
			else
				assert_null(reply.external_id);
		}
		kt_adapter_reply_release(&reply);
		kt_err_release(&err);
		json_decref(sup);
		free(buf);
	}
	{
		struct kt_adapter_msg msg = { .op = KT_OP_CREATE };
		struct kt_answer a = { .http_status = 201, .body = "{\"id\":\"1/2\"}", .len = 11 };
		struct kt_adapter_reply reply = { 0 };
		struct kt_err err = { 0 };

		assert_int_equal(rt()->read_reply(&msg, &a, &reply, &err), KT_ERR);
		assert_int_equal(err.cls, KT_EC_SUPPLIER);
	}
}

static void test_read_lookup(void **state)
{
	static const struct {
		const char *file;
		long status;
		int rc, found;
	} cases[] = {
		{ "lookup_found.body", 200, KT_OK, 1 },
		{ "lookup_none.body", 200, KT_OK, 0 },
		{ "unauthorized.body", 401, KT_ERR, 0 },
		{ "put_changed.body", 200, KT_ERR, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *sup = supplier(NULL);
		struct kt_adapter_msg msg = { .op = KT_OP_CREATE, .supplier = sup };
		struct kt_adapter_reply reply = { 0 };
		struct kt_err err = { 0 };
		char *buf;
		struct kt_answer a = answer(cases[i].file, cases[i].status, &buf);
		int found = -1;

		assert_int_equal(rt()->read_lookup(&msg, &a, &found, &reply, &err), cases[i].rc);
		assert_int_equal(found, cases[i].found);
		if (cases[i].found) {
			assert_string_equal(reply.external_id, "1");
			assert_true(reply.has_status);
			assert_int_equal(reply.status, KT_ST_NEW);
		}
		if (cases[i].rc == KT_ERR)
			assert_int_equal(err.cls, KT_EC_SUPPLIER);
		kt_adapter_reply_release(&reply);
		kt_err_release(&err);
		json_decref(sup);
		free(buf);
	}
}

static void test_read_error(void **state)
{
	char *buf, out[32];
	struct kt_answer a = answer("create_forbidden.body", 403, &buf);

	(void)state;
	assert_int_equal(rt()->read_error(&a, out, sizeof(out)), 1);
	assert_string_equal(out, "No permission to create tickets"); /* cut to the buffer */
	free(buf);
	a = answer("unauthorized.body", 401, &buf);
	assert_int_equal(rt()->read_error(&a, out, sizeof(out)), 1);
	assert_string_equal(out, "Unauthorized");
	free(buf);
	a = answer("put_changed.body", 200, &buf);
	assert_int_equal(rt()->read_error(&a, out, sizeof(out)), 0);
	free(buf);
}

/* The token of the listing page poll_messages_list.body: its messages. */
#define TOKEN "m::55,1,C,2026-12-05T21:08:55Z;57,1,c,2026-12-05T21:08:55Z;59,1,C,2026-12-05T21:11:57Z;"

static void test_build_poll(void **state)
{
	static const struct {
		const char *since, *page, *golden; /* golden NULL: refused */
	} cases[] = {
		{ "2026-12-05T17:00:12Z", NULL, DATA "request_poll_first.json" },
		{ "2026-12-05T17:00:12.999Z", NULL, DATA "request_poll_first.json" },
		{ "2026-12-05T17:00:12+00:00", "4711", DATA "request_poll_next.json" },
		{ "2026-12-05T18:00:12+01:00", NULL, NULL },
		{ "2026-12-05 17:00:12", NULL, NULL },
		{ "2026-12-05T17:00:12Z' OR '1", NULL, NULL },
		{ "2026-12-05T17:00:12Z", "64 OR 1", NULL },
		{ "2026-12-05T17:00:12Z", "", NULL },
		/* the text of a listing page's messages */
		{ "2026-12-05T17:00:12Z", TOKEN, DATA "request_poll_messages.json" },
		{ "2026-12-05T17:00:12Z", "m:", NULL },
		{ "2026-12-05T17:00:12Z", "m::", NULL },
		{ "2026-12-05T17:00:12Z", "m:x:55,1,C,2026-12-05T21:08:55Z;", NULL },
		{ "2026-12-05T17:00:12Z", "m::55,1,X,2026-12-05T21:08:55Z;", NULL },
		{ "2026-12-05T17:00:12Z", "m::55,1,C,yesterday;", NULL },
		{ "2026-12-05T17:00:12Z", "m::55,1,C,2026-12-05T21:08:55Z", NULL },
		{ "2026-12-05T17:00:12Z", "m::55 OR 1,1,C,2026-12-05T21:08:55Z;", NULL },
	};
	json_t *sup = supplier(NULL);
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int rc = rt()->build_poll(sup, "transactions", cases[i].since, cases[i].page, &req,
					  &err);

		if (!cases[i].golden) {
			if (rc != KT_ERR)
				fail_msg("case %zu: built %s", i, req.url);
			assert_string_equal(err.code, "adapter_build");
			continue;
		}
		if (rc != KT_OK)
			fail_msg("case %zu: %s", i, err.message);
		assert_golden(&req, cases[i].golden);
		kt_http_request_release(&req);
	}
	assert_int_equal(rt()->build_poll(sup, "tickets", "2026-12-05T17:00:12Z", NULL, &req, &err),
			 KT_ERR);
	/* the integration user goes into TicketSQL too */
	json_object_set_new(json_object_get(sup, "mapping"), "integration_user", json_string("k'"));
	assert_int_equal(rt()->build_poll(sup, "transactions", "2026-12-05T17:00:12Z", NULL, &req,
					  &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	assert_string_equal(rt()->poll_feeds[0], "transactions");
	assert_null(rt()->poll_feeds[1]);
	assert_int_equal(rt()->push.scheme, KT_PUSH_NONE);
	json_decref(sup);
}

/* A listing page with messages names them in its token; the next page
 * reads their text (both recorded from RT 5.0.3). */
static void test_read_poll_messages(void **state)
{
	json_t *sup = supplier(NULL);
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	char *buf;
	struct kt_answer a = answer("poll_messages_list.body", 200, &buf);

	(void)state;
	/* 55 reply, 56 RT opening the ticket, 57 comment, 58 Keten's own
	 * comment (skipped), 59 reply; not a full page */
	assert_int_equal(rt()->read_poll(sup, "transactions", NULL, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.items[0].delivery_id, "transactions:56");
	assert_int_equal(list.items[0].status, KT_ST_IN_PROGRESS);
	assert_string_equal(list.next_page, TOKEN);
	assert_string_equal(list.high_water, "2026-12-05T21:11:57Z");
	kt_inbound_list_release(&list);
	free(buf);

	a = answer("poll_messages_text.body", 200, &buf);
	assert_int_equal(rt()->read_poll(sup, "transactions", TOKEN, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 3);
	assert_string_equal(list.items[0].external_id, "1");
	assert_string_equal(list.items[0].delivery_id, "transactions:55");
	assert_string_equal(list.items[0].comment, "a reply \xc3\xa9");
	assert_int_equal(list.items[0].comment_public, 1);
	assert_int_equal(list.items[0].comment_unordered, 1);
	assert_false(list.items[0].has_status);
	assert_string_equal(list.items[0].occurred_at, "2026-12-05T21:08:55Z");
	assert_string_equal(list.items[1].delivery_id, "transactions:57");
	assert_string_equal(list.items[1].comment, "an internal note");
	assert_int_equal(list.items[1].comment_public, 0);
	assert_string_equal(list.items[2].comment, "Line one.\nLine two.");
	assert_string_equal(list.items[2].occurred_at, "2026-12-05T21:11:57Z");
	assert_null(list.next_page); /* the listing had ended */
	assert_null(list.high_water);
	kt_inbound_list_release(&list);
	/* the listing goes on after its page */
	assert_int_equal(rt()->read_poll(sup, "transactions", "m:60:55,1,C,2026-12-05T21:08:55Z;", &a,
					 &list, &err), KT_OK);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.next_page, "60");
	kt_inbound_list_release(&list);
	free(buf);

	/* a comment with Keten's marker is Keten's own, whoever wrote it */
	a = answer("poll_messages_text_ours.body", 200, &buf);
	assert_int_equal(rt()->read_poll(sup, "transactions",
					 "m::58,1,c,2026-12-05T21:11:57Z;59,1,C,2026-12-05T21:11:57Z;",
					 &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.items[0].delivery_id, "transactions:59");
	kt_inbound_list_release(&list);
	free(buf);

	/* a full page without a message's text: it may be on a page not read */
	{
		struct kt_answer full = { .http_status = 200,
			.body = "{\"per_page\":1,\"items\":[{\"TransactionId\":\"55\","
				"\"Content\":\"x\"}]}" };

		full.len = strlen(full.body);
		assert_int_equal(rt()->read_poll(sup, "transactions", TOKEN, &full, &list, &err),
				 KT_ERR);
		assert_int_equal(err.cls, KT_EC_SUPPLIER);
		assert_int_equal(list.n, 0);
		assert_int_equal(rt()->read_poll(sup, "transactions", "m:", &full, &list, &err),
				 KT_ERR);
		assert_string_equal(err.code, "adapter_build");
	}
	json_decref(sup);
}

/* A page of RT's ticket search with fields=CustomFields, in the shape
 * tests/rt/ reads from a real RT (CustomFields: [{name, values}]), written
 * by hand: ticket 7 Keten's, 8 without the field's value, 9 with another
 * field only. per_page is what the answer says. */
#define LIST_PAGE(per_page) \
	"{\"page\": 1, \"per_page\": " per_page ", \"pages\": 1, \"total\": 3, \"count\": 3," \
	" \"items\": [" \
	"{\"type\": \"ticket\", \"id\": \"7\", \"_url\": \"https://rt.test/REST/2.0/ticket/7\"," \
	" \"CustomFields\": [{\"id\": \"1\", \"type\": \"customfield\", \"name\": \"Keten reference\"," \
	" \"values\": [\"0b9f6d2a-7c41-4e88-9a55-1d2e3f405162\"]}]}," \
	"{\"type\": \"ticket\", \"id\": \"8\", \"CustomFields\": [{\"id\": \"1\"," \
	" \"name\": \"Keten reference\", \"values\": []}]}," \
	"{\"type\": \"ticket\", \"id\": 9, \"CustomFields\": [{\"id\": \"2\", \"name\": \"Other\"," \
	" \"values\": [\"x\"]}]}]}"

/* `keten reconcile`'s listing: the tickets Keten's RT user created, in id
 * order, a keyset page after the last id. */
static void test_list(void **state)
{
	json_t *sup = supplier(NULL);
	struct kt_http_request req = { 0 };
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	struct kt_answer a = { .http_status = 200, .body = LIST_PAGE("20") };

	(void)state;
	assert_int_equal(rt()->build_list(sup, NULL, &req, &err), KT_OK);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, "https://rt.acme.example/REST/2.0/tickets?query="
				     "Creator%20%3D%20%27keten%27&orderby=id&order=ASC&per_page=100"
				     "&fields=CustomFields");
	kt_http_request_release(&req);
	assert_int_equal(rt()->build_list(sup, "42", &req, &err), KT_OK);
	assert_string_equal(req.url, "https://rt.acme.example/REST/2.0/tickets?query="
				     "Creator%20%3D%20%27keten%27%20AND%20id%20%3E%2042&orderby=id"
				     "&order=ASC&per_page=100&fields=CustomFields");
	kt_http_request_release(&req);
	assert_int_equal(rt()->build_list(sup, "42 OR 1=1", &req, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	kt_err_release(&err);
	json_decref(sup);
	sup = supplier("{\"integration_user\": \"a'b\"}");
	assert_int_equal(rt()->build_list(sup, NULL, &req, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	kt_err_release(&err);
	json_decref(sup);
	sup = supplier(NULL);

	/* a short page: every ticket, the leg id where the field has one; the end */
	a.len = strlen(a.body);
	assert_int_equal(rt()->read_list(sup, NULL, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 3);
	kt_test_list_item(&list, 0, "7", "0b9f6d2a-7c41-4e88-9a55-1d2e3f405162");
	kt_test_list_item(&list, 1, "8", NULL);
	kt_test_list_item(&list, 2, "9", NULL);
	assert_null(list.next_page);
	kt_inbound_list_release(&list);
	/* a full page (RT's per_page 3): the next starts after its last ticket */
	a.body = LIST_PAGE("3");
	a.len = strlen(a.body);
	assert_int_equal(rt()->read_list(sup, NULL, &a, &list, &err), KT_OK);
	assert_string_equal(list.next_page, "9");
	kt_inbound_list_release(&list);

	/* what is no listing */
	kt_test_list_refused(rt(), sup, 200, "{\"items\": [{\"id\": \"7\"}, {\"type\": \"ticket\"}],"
			     " \"per_page\": 20}", "without an id");
	kt_test_list_refused(rt(), sup, 200, "{\"message\": \"Unauthorized\"}", "no items");
	kt_test_list_refused(rt(), sup, 401, "{\"message\": \"Unauthorized\"}", "HTTP 401");
	kt_test_list_refused(rt(), sup, 200, NULL, "not JSON");
	json_decref(sup);
}

static void test_read_poll(void **state)
{
	json_t *sup = supplier("{\"page_size\": 3}");
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	char *buf;
	struct kt_answer a = answer("poll_page1.body", 200, &buf);

	(void)state;
	/* Keten's own change (transaction 62) is skipped; the agent's two come */
	assert_int_equal(rt()->read_poll(sup, "transactions", NULL, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 2);
	assert_null(list.items[0].leg_id);
	assert_string_equal(list.items[0].external_id, "1");
	assert_string_equal(list.items[0].delivery_id, "transactions:60");
	assert_true(list.items[0].has_status);
	assert_int_equal(list.items[0].status, KT_ST_IN_PROGRESS);
	assert_string_equal(list.items[0].occurred_at, "2026-12-05T20:13:32Z");
	assert_null(list.items[0].comment);
	assert_string_equal(list.items[1].external_id, "1");
	assert_string_equal(list.items[1].delivery_id, "transactions:63");
	assert_int_equal(list.items[1].status, KT_ST_RESOLVED);
	/* a full page (RT's per_page 3): the next starts after its last
	 * transaction, the echo included */
	assert_string_equal(list.next_page, "63");
	assert_string_equal(list.high_water, "2026-12-05T20:14:00Z");
	kt_inbound_list_release(&list);

	/* the mapping reads "stalled" otherwise; without an integration user
	 * Keten's own change would come back */
	json_decref(sup);
	sup = supplier("{\"status_in\": {\"stalled\": \"pending_supplier\"}, \"integration_user\": \"nobody\"}");
	assert_int_equal(rt()->read_poll(sup, "transactions", NULL, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 3);
	assert_string_equal(list.items[1].delivery_id, "transactions:62");
	assert_int_equal(list.items[1].status, KT_ST_PENDING_SUPPLIER);
	kt_inbound_list_release(&list);

	/* a status the mapping cannot read is an error, not a lost update */
	json_decref(sup);
	sup = supplier("{\"status_in\": {}, \"queues\": {\"incident\": \"x\"}}");
	{
		struct kt_answer odd = { .http_status = 200,
			.body = "{\"per_page\":50,\"items\":[{\"id\":\"9\",\"ObjectId\":\"1\",\"Type\":\"Status\","
				"\"NewValue\":\"escalated\",\"Created\":\"2026-12-05T19:46:54Z\","
				"\"Creator\":{\"id\":\"agent\"}}]}" };

		odd.len = strlen(odd.body);
		assert_int_equal(rt()->read_poll(sup, "transactions", NULL, &odd, &list, &err), KT_ERR);
		assert_int_equal(err.cls, KT_EC_INVALID);
		assert_non_null(strstr(err.message, "escalated"));
		assert_int_equal(list.n, 0);
		odd.body = "{\"items\":[{\"id\":\"9\",\"ObjectId\":\"1\",\"NewValue\":\"open\","
			   "\"Created\":\"yesterday\",\"Creator\":{\"id\":\"agent\"}}]}";
		odd.len = strlen(odd.body);
		assert_int_equal(rt()->read_poll(sup, "transactions", NULL, &odd, &list, &err), KT_ERR);
		assert_int_equal(err.cls, KT_EC_SUPPLIER);
		assert_int_equal(list.n, 0);
	}
	free(buf);

	/* the last page: not full */
	a = answer("poll_page2.body", 200, &buf);
	assert_int_equal(rt()->read_poll(sup, "transactions", NULL, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.items[0].external_id, "3");
	assert_int_equal(list.items[0].status, KT_ST_IN_PROGRESS);
	assert_int_equal(list.items[1].status, KT_ST_CANCELLED); /* RT's "rejected" */
	assert_null(list.next_page);
	assert_string_equal(list.high_water, "2026-12-05T20:14:06Z");
	kt_inbound_list_release(&list);
	free(buf);
	/* nothing new */
	a = answer("lookup_none.body", 200, &buf);
	assert_int_equal(rt()->read_poll(sup, "transactions", NULL, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 0);
	assert_null(list.next_page);
	assert_null(list.high_water);
	free(buf);
	a = answer("unauthorized.body", 401, &buf);
	assert_int_equal(rt()->read_poll(sup, "transactions", NULL, &a, &list, &err), KT_ERR);
	assert_int_equal(err.cls, KT_EC_SUPPLIER);
	free(buf);
	json_decref(sup);
}

static void test_check_mapping(void **state)
{
	static const struct {
		const char *mapping;
		const char *paths; /* the detail paths, space separated; NULL: valid */
	} cases[] = {
		{ "{\"queues\": {\"incident\": \"Q\"}, \"reference_field\": \"R\", "
		  "\"integration_user\": \"keten\"}", NULL },
		{ "{\"queues\": {\"incident\": \"Q\", \"change\": \"C\"}, \"reference_field\": \"R\", "
		  "\"integration_user\": \"keten\", \"requestor\": \"a@b.example\", "
		  "\"priority\": {\"1\": 99}, \"status_out\": {\"cancelled\": \"withdrawn\"}, "
		  "\"status_in\": {\"escalated\": \"in_progress\"}, \"comments\": {\"customer\": \"comment\"}, "
		  "\"page_size\": 100, \"rate_limit\": {\"reset_header\": \"X-Reset\", \"format\": \"epoch\"}}",
		  NULL },
		{ "{}", "/queues /reference_field /integration_user" },
		{ "[]", "" },
		{ "{\"queues\": {}, \"reference_field\": \"R\", \"integration_user\": \"k\"}", "/queues" },
		{ "{\"queues\": {\"incident\": \"a'b\", \"outage\": \"O\"}, \"reference_field\": \"R}\", "
		  "\"integration_user\": \"\"}",
		  "/queues/incident /queues/outage /reference_field /integration_user" },
		{ "{\"queues\": {\"incident\": \"Q\"}, \"reference_field\": \"R\", \"integration_user\": \"k\", "
		  "\"priority\": {\"0\": 1, \"2\": -1}, \"status_out\": {\"open\": \"x\", \"new\": 3}, "
		  "\"status_in\": {\"x\": \"open\"}, \"comments\": {\"customer\": \"public\"}, "
		  "\"page_size\": 101, \"rate_limit\": {\"format\": \"hours\"}, \"colour\": 1}",
		  "/colour /priority/0 /priority/2 /status_out/open /status_out/new /status_in/x "
		  "/comments/customer /page_size /rate_limit/format /rate_limit" },
	};

	(void)state;
	assert_int_equal(rt()->check_mapping(NULL, NULL), KT_ERR);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *m = json_of(cases[i].mapping);
		struct kt_err err = { 0 };
		int rc = rt()->check_mapping(m, &err);
		char got[1024] = "";
		size_t j, len = 0;
		json_t *d;

		json_array_foreach(err.details, j, d)
			len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s", len ? " " : "",
						json_string_value(json_object_get(d, "path")));
		if (!cases[i].paths) {
			if (rc != KT_OK)
				fail_msg("case %zu refused: %s", i, got);
		} else {
			assert_int_equal(rc, KT_ERR);
			assert_int_equal(err.cls, KT_EC_INVALID);
			assert_string_equal(err.code, "invalid_mapping");
			if (strcmp(got, cases[i].paths) != 0)
				fail_msg("case %zu: details \"%s\", want \"%s\"", i, got, cases[i].paths);
		}
		kt_err_release(&err);
		json_decref(m);
	}
}

static void test_accepts_type(void **state)
{
	json_t *m = json_of("{\"queues\": {\"incident\": \"Q\", \"problem\": \"P\"}}");

	(void)state;
	assert_true(rt()->accepts_type(m, KT_TYPE_INCIDENT));
	assert_false(rt()->accepts_type(m, KT_TYPE_REQUEST));
	assert_false(rt()->accepts_type(m, KT_TYPE_CHANGE));
	assert_true(rt()->accepts_type(m, KT_TYPE_PROBLEM));
	assert_false(rt()->accepts_type(NULL, KT_TYPE_INCIDENT));
	json_decref(m);
}

static void test_build_check(void **state)
{
	static const char *const urls[] = {
		"https://rt.acme.example/REST/2.0/user/keten",
		"https://rt.acme.example/REST/2.0/queue/Service%20Desk",
		"https://rt.acme.example/REST/2.0/queue/Requests",
		"https://rt.acme.example/REST/2.0/queue/Changes",
		"https://rt.acme.example/REST/2.0/queue/Problems",
		NULL,
	};
	json_t *sup = supplier(NULL);

	(void)state;
	for (int i = 0; i < (int)N_ELEMS(urls); i++) {
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };

		assert_int_equal(rt()->build_check(sup, i, &req, &err), KT_OK);
		if (!urls[i]) {
			assert_null(req.url);
			continue;
		}
		assert_string_equal(req.method, "GET");
		assert_string_equal(req.url, urls[i]);
		assert_null(req.body);
		kt_http_request_release(&req);
	}
	json_decref(sup);
}

/* Check i of the test supplier (mapping patch) on a recorded answer
 * (with from replaced by to when from is not NULL): the detail paths of
 * its problems, space separated ("" when it passed, "error" when it
 * failed otherwise). */
static void check_case(int i, const char *patch, const char *file, long status, const char *from,
		       const char *to, const char *want)
{
	json_t *sup = supplier(patch);
	struct kt_err err = { 0 };
	char *buf, got[256] = "";
	struct kt_answer a = answer(file, status, &buf);
	char *edited = NULL;
	size_t j, len = 0;
	json_t *d;

	if (from) {
		char *at = strstr(buf, from);

		assert_non_null(at);
		edited = malloc(strlen(buf) + strlen(to) + 1);
		snprintf(edited, strlen(buf) + strlen(to) + 1, "%.*s%s%s", (int)(at - buf), buf, to,
			 at + strlen(from));
		a.body = edited;
		a.len = strlen(edited);
	}
	if (rt()->read_check(sup, i, &a, &err) == KT_ERR) {
		if (strcmp(err.code, "mapping_unknown_value") != 0)
			snprintf(got, sizeof(got), "error");
		else
			json_array_foreach(err.details, j, d)
				len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s",
							len ? " " : "",
							json_string_value(json_object_get(d, "path")));
	}
	if (strcmp(got, want) != 0)
		fail_msg("check %d on %s: \"%s\", want \"%s\"", i, file, got, want);
	kt_err_release(&err);
	free(edited);
	free(buf);
	json_decref(sup);
}

static void test_read_check(void **state)
{
	(void)state;
	check_case(0, NULL, "check_user.body", 200, NULL, NULL, "");
	check_case(0, NULL, "check_user_none.body", 404, NULL, NULL, "/integration_user");
	check_case(0, NULL, "check_user.body", 200, "\"UTC\"", "\"Europe/Amsterdam\"",
		   "/integration_user");
	check_case(0, NULL, "unauthorized.body", 401, NULL, NULL, "error");
	check_case(1, NULL, "check_queue.body", 200, NULL, NULL, "");
	check_case(2, NULL, "check_user_none.body", 404, NULL, NULL, "/queues/request");
	check_case(1, NULL, "check_queue_no_field.body", 200, NULL, NULL, "/reference_field");
	check_case(1, "{\"status_out\": {\"cancelled\": \"withdrawn\", \"new\": \"fresh\"}}",
		   "check_queue.body", 200, NULL, NULL, "/status_out /status_out");
	/* a custom lifecycle's statuses cannot be read from REST2: not checked */
	check_case(1, "{\"status_out\": {\"cancelled\": \"withdrawn\"}}", "check_queue.body", 200,
		   "\"default\"", "\"support\"", "");
	check_case(5, NULL, "check_queue.body", 200, NULL, NULL, "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_golden),
		cmocka_unit_test(test_build_lookup_golden),
		cmocka_unit_test(test_create_cuts),
		cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_read_reply),
		cmocka_unit_test(test_read_lookup),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_build_poll),
		cmocka_unit_test(test_read_poll),
		cmocka_unit_test(test_read_poll_messages),
		cmocka_unit_test(test_check_mapping),
		cmocka_unit_test(test_accepts_type),
		cmocka_unit_test(test_build_check),
		cmocka_unit_test(test_read_check),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
