/* test_adapter_servicenow.c - unit tests of the `servicenow` adapter
 * (adapters/servicenow*.c) against adapters/servicenow.md. Golden files
 * live in tests/unit/data/servicenow/: requests/ (method, URL, headers and
 * body, made independently with Python), feeds/ (recorded poll pages and
 * pushes with the updates they must give) and mapping_cases.json (which
 * tests/system/servicenow.test.mjs also runs through the JSON Schema). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "keten/adapter.h"
#include "testutil.h"
#include "adapter_testutil.h"

#define DATA "tests/unit/data/servicenow/"
#define ENDPOINT "https://acme.service-now.com/"
#define SYS_ID "46d44a5fa9fe198101f8e5b3e3f7bc5a"

static const struct kt_adapter *sn(void)
{
	return kt_test_adapter("servicenow");
}

/* {"key", "endpoint", "mapping"} with DATA mapping.json, and the members
 * of the JSON text extra (may be NULL) set on the mapping. */
static json_t *supplier_with(const char *extra)
{
	json_t *mapping = kt_test_load_json(DATA "mapping.json");

	if (extra) {
		json_t *x = json_loads(extra, 0, NULL);

		assert_non_null(x);
		json_object_update(mapping, x);
		json_decref(x);
	}
	return json_pack("{s:s, s:s, s:o}", "key", "acme-sn", "endpoint", ENDPOINT, "mapping",
			 mapping);
}

/* The request as the golden files write it: "METHOD URL", a line per
 * header, an empty line, and the body with a newline when there is one. */
static char *render(const struct kt_http_request *req)
{
	size_t size = strlen(req->url) + req->body_len + 1024;
	char *out = malloc(size);
	size_t n;

	assert_non_null(out);
	n = (size_t)snprintf(out, size, "%s %s\n", req->method, req->url);
	for (size_t i = 0; i < req->n_headers; i++)
		n += (size_t)snprintf(out + n, size - n, "%s: %s\n", req->headers[i].name,
				      req->headers[i].value);
	n += (size_t)snprintf(out + n, size - n, "\n");
	if (req->body)
		snprintf(out + n, size - n, "%s\n", req->body);
	return out;
}

struct msg_case {
	const char *golden;
	enum kt_operation op;
	const char *type;
	const char *leg_status;
	int with_external_id;
	int step, attempt;
	const char *state, *payload;
};

static const char *const comment_public =
	"{\"comment\": {\"text\": \"Users in Delft are affected too \u2014 caf\u00e9 \u2603\","
	" \"author\": \"customer\", \"origin\": \"keten:event:4711\"}}";
static const char *const comment_internal =
	"{\"comment\": {\"text\": \"Users in Delft are affected too \u2014 caf\u00e9 \u2603\","
	" \"author\": \"integrator\", \"origin\": \"keten:event:4712\"}}";

/* The message of c: the leg view of DATA leg_view.json with c's type,
 * leg status and (when asked) the record's sys_id as external id. */
static void make_msg(const struct msg_case *c, json_t *supplier, json_t **view, json_t **state,
		     json_t **payload, struct kt_adapter_msg *msg)
{
	json_t *leg;

	*view = kt_test_load_json(DATA "leg_view.json");
	leg = json_object_get(*view, "leg");
	json_object_set_new(*view, "type", json_string(c->type));
	if (c->leg_status)
		json_object_set_new(leg, "status", json_string(c->leg_status));
	if (c->with_external_id)
		json_object_set_new(leg, "external_id", json_string(SYS_ID));
	*state = c->state ? json_loads(c->state, 0, NULL) : NULL;
	*payload = c->payload ? json_loads(c->payload, 0, NULL) : NULL;
	memset(msg, 0, sizeof(*msg));
	msg->op = c->op;
	msg->message_id = "msg-1";
	msg->seq = 3;
	msg->attempt = c->attempt ? c->attempt : 1;
	msg->step = c->step;
	msg->state = *state;
	msg->leg_view = *view;
	msg->supplier = supplier;
	msg->payload = *payload;
}

static void check_golden(const char *name, const struct kt_http_request *req)
{
	char path[256], *want, *got = render(req);

	snprintf(path, sizeof(path), DATA "requests/%s.txt", name);
	want = kt_test_read_file(path);
	if (strcmp(got, want) != 0)
		fail_msg("%s differs:\n--- got\n%s--- want\n%s", name, got, want);
	assert_int_equal(req->body_len, req->body ? strlen(req->body) : 0);
	free(got);
	free(want);
}

/* Builds each case's request (lookup: its lookup) and compares it with
 * its golden file. */
static void check_goldens(const struct msg_case *cases, size_t n, int lookup)
{
	json_t *supplier = supplier_with(NULL);

	for (size_t i = 0; i < n; i++) {
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };
		struct kt_adapter_msg msg;
		json_t *view, *st, *payload;

		make_msg(&cases[i], supplier, &view, &st, &payload, &msg);
		if ((lookup ? sn()->build_lookup(&msg, &req, &err)
			    : sn()->build_request(&msg, &req, &err)) != KT_OK)
			fail_msg("%s: %s", cases[i].golden, err.message);
		check_golden(cases[i].golden, &req);
		kt_http_request_release(&req);
		json_decref(view);
		json_decref(st);
		json_decref(payload);
	}
	json_decref(supplier);
}

static void test_requests_golden(void **state)
{
	static const struct msg_case cases[] = {
		{ "create_incident", KT_OP_CREATE, "incident", NULL, 0, 0, 0, NULL, NULL },
		{ "create_change", KT_OP_CREATE, "change", NULL, 0, 0, 0, NULL, NULL },
		{ "create_problem", KT_OP_CREATE, "problem", NULL, 0, 0, 0, NULL, NULL },
		{ "create_request_order", KT_OP_CREATE, "request", NULL, 0, 0, 0, NULL, NULL },
		{ "create_request_correlate", KT_OP_CREATE, "request", NULL, 0, 1, 1,
		  "{\"sys_id\": \"" SYS_ID "\"}", NULL },
		/* a create retried in step 1 keeps the record of step 0 */
		{ "create_request_correlate", KT_OP_CREATE, "request", NULL, 0, 1, 3,
		  "{\"sys_id\": \"" SYS_ID "\"}", NULL },
		{ "comment_public", KT_OP_COMMENT, "incident", NULL, 1, 0, 1, NULL, comment_public },
		{ "comment_work_note", KT_OP_COMMENT, "incident", NULL, 1, 0, 1, NULL,
		  comment_internal },
		{ "comment_retry_check", KT_OP_COMMENT, "incident", NULL, 1, 0, 2, NULL,
		  comment_public },
		{ "comment_retry_check", KT_OP_COMMENT, "incident", NULL, 1, 4, 2,
		  "{\"landed\": false}", comment_public },
		{ "comment_after_check", KT_OP_COMMENT, "incident", NULL, 1, 1, 1,
		  "{\"landed\": false}", comment_public },
		{ "update_reopen", KT_OP_UPDATE, "incident", "in_progress", 1, 0, 1, NULL,
		  "{\"reopen\": {\"reason\": \"still no VPN after the \\\"fix\\\"\"}}" },
		{ "update_reopen_landed", KT_OP_UPDATE, "incident", "in_progress", 1, 1, 1,
		  "{\"landed\": true}",
		  "{\"reopen\": {\"reason\": \"still no VPN after the \\\"fix\\\"\"}}" },
		/* a state-only write is idempotent: retried as it is */
		{ "update_reopen_landed", KT_OP_UPDATE, "incident", "in_progress", 1, 1, 5,
		  "{\"landed\": true}",
		  "{\"reopen\": {\"reason\": \"still no VPN after the \\\"fix\\\"\"}}" },
		{ "update_closed", KT_OP_UPDATE, "incident", "closed", 1, 0, 1, NULL,
		  "{\"close\": {\"automatic\": false}}" },
		{ "update_pending_customer", KT_OP_UPDATE, "incident", "pending_customer", 1, 0, 2,
		  NULL, NULL },
		{ "resolve_incident", KT_OP_RESOLVE, "incident", "resolved", 1, 0, 1, NULL, NULL },
		{ "resolve_with_text", KT_OP_RESOLVE, "incident", "resolved", 1, 0, 1, NULL,
		  "{\"resolution\": {\"text\": \"replaced the tunnel's certificate\"}}" },
		{ "resolve_problem", KT_OP_RESOLVE, "problem", "resolved", 1, 0, 1, NULL, NULL },
		{ "cancel_change", KT_OP_CANCEL, "change", "cancelled", 1, 0, 1, NULL, NULL },
		{ "cancel_request", KT_OP_CANCEL, "request", "cancelled", 1, 0, 1, NULL, NULL },
	};

	(void)state;
	check_goldens(cases, N_ELEMS(cases), 0);
}

static void test_lookup_golden(void **state)
{
	static const struct msg_case cases[] = {
		{ "lookup_incident", KT_OP_CREATE, "incident", NULL, 0, 0, 2, NULL, NULL },
		/* an order is found by our reference in its variables, then (step
		 * 1, once it has it) by its correlation id */
		{ "lookup_request", KT_OP_CREATE, "request", NULL, 0, 0, 2, NULL, NULL },
		{ "lookup_request_correlate", KT_OP_CREATE, "request", NULL, 0, 1, 2,
		  "{\"sys_id\": \"" SYS_ID "\"}", NULL },
	};

	(void)state;
	check_goldens(cases, N_ELEMS(cases), 1);
}

static void test_poll_golden(void **state)
{
	static const struct {
		const char *golden, *feed, *page;
	} cases[] = {
		{ "poll_records_first", "records", NULL },
		{ "poll_records_next", "records", "2026-11-25 19:40:00|" SYS_ID },
		{ "poll_journal_first", "journal", NULL },
		{ "poll_journal_next", "journal", "2026-11-25 19:40:00|" SYS_ID },
	};
	json_t *supplier = supplier_with(NULL);

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };

		if (sn()->build_poll(supplier, cases[i].feed, "2026-11-25T19:34:00.250Z",
				     cases[i].page, &req, &err) != KT_OK)
			fail_msg("%s: %s", cases[i].golden, err.message);
		check_golden(cases[i].golden, &req);
		kt_http_request_release(&req);
	}
	json_decref(supplier);
}

static void test_registry(void **state)
{
	const struct kt_adapter *a = sn();
	FILE *f;

	(void)state;
	assert_string_equal(a->name, "servicenow");
	assert_null(kt_adapter_find("ServiceNow"));
	f = fopen(a->mapping_schema, "r");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(a->push.scheme, KT_PUSH_TOKEN_HEADER);
	assert_string_equal(a->push.header, "X-Keten-Token");
	assert_null(a->push.delivery_header);
	assert_string_equal(a->poll_feeds[0], "records");
	assert_string_equal(a->poll_feeds[1], "journal");
	assert_null(a->poll_feeds[2]);
}

/* A type the mapping has no entry for is refused at routing and never built. */
static void test_no_entry_for_type(void **state)
{
	static const struct msg_case c = { NULL, KT_OP_CREATE, "request", NULL, 0, 0, 1, NULL, NULL };
	json_t *supplier = json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s, s:s}}}}", "key", "acme-sn",
				     "endpoint", ENDPOINT, "mapping", "integration_user", "svc.keten",
				     "entries", "incident", "table", "incident", "close_code", "x");
	const json_t *mapping = json_object_get(supplier, "mapping");
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	struct kt_adapter_msg msg;
	json_t *view, *st, *payload;

	(void)state;
	assert_int_equal(sn()->accepts_type(mapping, KT_TYPE_INCIDENT), 1);
	assert_int_equal(sn()->accepts_type(mapping, KT_TYPE_REQUEST), 0);
	assert_int_equal(sn()->accepts_type(mapping, KT_TYPE_CHANGE), 0);
	assert_int_equal(sn()->accepts_type(mapping, KT_TYPE_PROBLEM), 0);
	assert_int_equal(sn()->accepts_type(NULL, KT_TYPE_INCIDENT), 0);
	make_msg(&c, supplier, &view, &st, &payload, &msg);
	assert_int_equal(sn()->build_request(&msg, &req, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	assert_non_null(strstr(err.message, "\"request\""));
	assert_null(req.url);
	assert_int_equal(sn()->build_lookup(&msg, &req, &err), KT_ERR);
	json_decref(view);
	json_decref(supplier);
}

static void test_build_refused(void **state)
{
	static const struct {
		const char *name, *endpoint;
		struct msg_case c;
	} cases[] = {
		{ "http endpoint", "http://acme.service-now.com",
		  { NULL, KT_OP_CREATE, "incident", NULL, 0, 0, 1, NULL, NULL } },
		{ "endpoint with a query", "https://acme.service-now.com/?x=1",
		  { NULL, KT_OP_CREATE, "incident", NULL, 0, 0, 1, NULL, NULL } },
		{ "no host", "https:///x",
		  { NULL, KT_OP_CREATE, "incident", NULL, 0, 0, 1, NULL, NULL } },
		{ "comment before the record exists", ENDPOINT,
		  { NULL, KT_OP_COMMENT, "incident", NULL, 0, 0, 1, NULL, comment_public } },
		{ "comment without text", ENDPOINT,
		  { NULL, KT_OP_COMMENT, "incident", NULL, 1, 0, 1, NULL,
		    "{\"comment\": {\"author\": \"customer\"}}" } },
		{ "payload not an object", ENDPOINT,
		  { NULL, KT_OP_COMMENT, "incident", NULL, 1, 0, 1, NULL, "[1]" } },
		{ "unknown operation", ENDPOINT,
		  { NULL, KT_OP__COUNT, "incident", NULL, 1, 0, 1, NULL, NULL } },
		{ "no type", ENDPOINT, { NULL, KT_OP_CREATE, NULL, NULL, 0, 0, 1, NULL, NULL } },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *supplier = supplier_with(NULL), *view, *st, *payload;
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };
		struct kt_adapter_msg msg;

		json_object_set_new(supplier, "endpoint", json_string(cases[i].endpoint));
		make_msg(&cases[i].c, supplier, &view, &st, &payload, &msg);
		if (!cases[i].c.type)
			json_object_del(view, "type");
		if (cases[i].c.payload && !payload)
			payload = json_loads(cases[i].c.payload, JSON_DECODE_ANY, NULL),
			msg.payload = payload;
		if (sn()->build_request(&msg, &req, &err) != KT_ERR ||
		    strcmp(err.code, "adapter_build") != 0 || err.cls != KT_EC_INVALID)
			fail_msg("%s: not refused (code \"%s\")", cases[i].name, err.code);
		assert_null(req.url);
		assert_int_equal(req.n_headers, 0);
		json_decref(view);
		json_decref(payload);
		json_decref(supplier);
	}
	/* a leg view that is not an object */
	{
		json_t *supplier = supplier_with(NULL), *view = json_array();
		struct kt_adapter_msg msg = { .op = KT_OP_CREATE, .message_id = "m",
					      .leg_view = view, .supplier = supplier };
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };

		assert_int_equal(sn()->build_request(&msg, &req, &err), KT_ERR);
		assert_string_equal(err.code, "adapter_build");
		json_decref(view);
		json_decref(supplier);
	}
}

static void test_poll_refused(void **state)
{
	json_t *supplier = supplier_with(NULL);
	static const struct {
		const char *feed, *since, *page;
	} cases[] = {
		{ "changes", "2026-11-25T19:34:00Z", NULL },
		{ NULL, "2026-11-25T19:34:00Z", NULL },
		{ "records", "2026-11-25T19:34:00+01:00", NULL },
		{ "records", "2026-11-25 19:34:00", NULL },
		{ "records", NULL, NULL },
		{ "records", "2026-11-25T19:34:00Z", "garbage" },
		{ "journal", "2026-11-25T19:34:00Z", "2026-11-25 19:40:00|a^ORsys_id>0" },
		{ "journal", "2026-11-25T19:34:00Z", "2026-11-25 19:40|" SYS_ID },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };

		if (sn()->build_poll(supplier, cases[i].feed, cases[i].since, cases[i].page, &req,
				     &err) != KT_ERR ||
		    strcmp(err.code, "adapter_build") != 0)
			fail_msg("case %zu not refused", i);
		assert_null(req.url);
	}
	json_decref(supplier);
}

/* A summary longer than short_description_max is cut on a character
 * boundary and given whole in the description; a comment past the size
 * limit is cut and keeps its marker. */
static void test_cut_fields(void **state)
{
	static const struct msg_case create = { NULL, KT_OP_CREATE, "incident", NULL, 0, 0, 1,
						NULL, NULL };
	static const struct msg_case comment = { NULL, KT_OP_COMMENT, "incident", NULL, 1, 0, 1,
						 NULL, NULL };
	json_t *supplier = supplier_with("{\"short_description_max\": 24}"), *view, *st, *payload;
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	struct kt_adapter_msg msg;
	json_t *body;
	char *big;
	const char *notes;

	(void)state;
	make_msg(&create, supplier, &view, &st, &payload, &msg);
	assert_int_equal(sn()->build_request(&msg, &req, &err), KT_OK);
	body = json_loads(req.body, 0, NULL);
	/* "VPN down in Utrecht — " is 24 bytes with the 3-byte dash at 20..22 */
	assert_string_equal(json_string_value(json_object_get(body, "short_description")),
			    "VPN down in Utrecht \xe2\x80\x94 ");
	assert_string_equal(json_string_value(json_object_get(body, "description")),
			    "VPN down in Utrecht \xe2\x80\x94 caf\xc3\xa9 \"De Zwaan\"\n\n"
			    "Users cannot connect since 19:30.\nTunnel drops <after> 5 s & retries.");
	json_decref(body);
	kt_http_request_release(&req);
	json_decref(view);

	/* 70,000 x 'x' then a 2-byte character right at the cut */
	big = malloc(70010);
	assert_non_null(big);
	memset(big, 'x', 70000);
	memcpy(big + 65536 - 2 - 20 - 1, "\xc3\xa9", 2);
	big[70000] = '\0';
	make_msg(&comment, supplier, &view, &st, &payload, &msg);
	msg.payload = payload = json_pack("{s:{s:s, s:s, s:s}}", "comment", "text", big, "author",
					  "customer", "origin", "keten:event:9");
	assert_int_equal(sn()->build_request(&msg, &req, &err), KT_OK);
	body = json_loads(req.body, 0, NULL);
	notes = json_string_value(json_object_get(body, "comments"));
	assert_non_null(notes);
	assert_true(strlen(notes) <= 64 * 1024);
	assert_true(strlen(notes) >= 64 * 1024 - 3);
	assert_string_equal(notes + strlen(notes) - 17, "\n\n[keten:event:9]");
	json_decref(body);
	kt_http_request_release(&req);
	json_decref(view);
	json_decref(payload);
	free(big);
	json_decref(supplier);
}

/* Reads answer (status, body) to the message of c. */
static int reply_to(const struct msg_case *c, long status, const char *body,
		    struct kt_adapter_reply *out, struct kt_err *err)
{
	json_t *supplier = supplier_with(NULL), *view, *st, *payload;
	struct kt_answer a = { .http_status = status, .body = body, .len = body ? strlen(body) : 0 };
	struct kt_adapter_msg msg;
	int rc;

	make_msg(c, supplier, &view, &st, &payload, &msg);
	rc = sn()->read_reply(&msg, &a, out, err);
	json_decref(view);
	json_decref(st);
	json_decref(payload);
	json_decref(supplier);
	return rc;
}

static void test_read_reply(void **state)
{
	static const struct msg_case inc = { NULL, KT_OP_CREATE, "incident", NULL, 0, 0, 1,
					     NULL, NULL };
	static const struct msg_case order = { NULL, KT_OP_CREATE, "request", NULL, 0, 0, 1,
					       NULL, NULL };
	static const struct msg_case corr = { NULL, KT_OP_CREATE, "request", NULL, 0, 1, 1,
					      "{\"sys_id\": \"" SYS_ID "\"}", NULL };
	static const struct msg_case check = { NULL, KT_OP_COMMENT, "incident", NULL, 1, 2, 2,
					       NULL, NULL };
	static const struct msg_case reopen = { NULL, KT_OP_UPDATE, "incident", "in_progress", 1,
						0, 2, NULL, "{\"reopen\": {\"reason\": \"again\"}}" };
	static const struct msg_case write = { NULL, KT_OP_RESOLVE, "incident", "resolved", 1, 0,
					       1, NULL, NULL };
	struct kt_adapter_reply r = { 0 };
	struct kt_err err = { 0 };
	char *s;
	struct msg_case c;

	(void)state;
	assert_int_equal(reply_to(&inc, 201,
				  "{\"result\": {\"sys_id\": \"" SYS_ID "\", \"number\": "
				  "\"INC0010001\", \"state\": \"1\", \"priority\": \"3\"}}",
				  &r, &err), KT_OK);
	assert_string_equal(r.external_id, SYS_ID);
	assert_true(r.has_status);
	assert_int_equal(r.status, KT_ST_NEW);
	assert_int_equal(r.next_step, 0);
	kt_adapter_reply_release(&r);

	/* the order: step 1 follows with the request's sys_id */
	assert_int_equal(reply_to(&order, 200,
				  "{\"result\": {\"sys_id\": \"" SYS_ID "\", \"number\": "
				  "\"REQ0010001\", \"table\": \"sc_request\"}}", &r, &err), KT_OK);
	assert_string_equal(r.external_id, SYS_ID);
	assert_int_equal(r.next_step, 1);
	s = json_dumps(r.state, JSON_COMPACT);
	assert_string_equal(s, "{\"sys_id\":\"" SYS_ID "\"}");
	free(s);
	kt_adapter_reply_release(&r);
	assert_int_equal(reply_to(&order, 200, "{\"result\": {\"request_id\": \"" SYS_ID "\"}}",
				  &r, &err), KT_OK);
	assert_string_equal(r.external_id, SYS_ID);
	kt_adapter_reply_release(&r);
	assert_int_equal(reply_to(&corr, 200,
				  "{\"result\": {\"sys_id\": \"" SYS_ID "\", \"state\": \"2\"}}",
				  &r, &err), KT_OK);
	assert_string_equal(r.external_id, SYS_ID);
	assert_int_equal(r.status, KT_ST_IN_PROGRESS);
	assert_int_equal(r.next_step, 0);
	kt_adapter_reply_release(&r);

	/* a comment's marker found: done; not found: write it next */
	c = check;
	c.payload = comment_public;
	assert_int_equal(reply_to(&c, 200, "{\"result\": [{\"sys_id\": \"j1\"}]}", &r, &err), KT_OK);
	assert_int_equal(r.next_step, 0);
	assert_null(r.state);
	assert_int_equal(reply_to(&c, 200, "{\"result\": []}", &r, &err), KT_OK);
	assert_int_equal(r.next_step, 3);
	s = json_dumps(r.state, JSON_COMPACT);
	assert_string_equal(s, "{\"landed\":false}");
	free(s);
	kt_adapter_reply_release(&r);
	assert_int_equal(reply_to(&c, 200, "{\"result\": {}}", &r, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_reply");
	/* a reopen's reason found: the state is still written */
	assert_int_equal(reply_to(&reopen, 200, "{\"result\": [{\"sys_id\": \"j1\"}]}", &r, &err),
			 KT_OK);
	assert_int_equal(r.next_step, 1);
	s = json_dumps(r.state, JSON_COMPACT);
	assert_string_equal(s, "{\"landed\":true}");
	free(s);
	kt_adapter_reply_release(&r);

	/* a write's answer: delivered */
	assert_int_equal(reply_to(&write, 200, "{\"result\": {\"sys_id\": \"" SYS_ID
				  "\", \"state\": \"6\"}}", &r, &err), KT_OK);
	assert_null(r.external_id);
	assert_int_equal(r.next_step, 0);

	/* answers that break the API */
	{
		static const struct {
			long status;
			const char *body;
		} bad[] = {
			{ 201, NULL }, { 201, "" }, { 201, "<html>ok</html>" },
			{ 201, "{\"sys_id\": \"" SYS_ID "\"}" }, { 201, "{\"result\": []}" },
			{ 201, "{\"result\": {\"sys_id\": 42}}" },
			{ 201, "{\"result\": {\"sys_id\": \"a b\"}}" },
			{ 302, "{\"result\": {\"sys_id\": \"" SYS_ID "\"}}" },
			{ 500, "{\"result\": {\"sys_id\": \"" SYS_ID "\"}}" },
		};

		for (size_t i = 0; i < N_ELEMS(bad); i++) {
			memset(&err, 0, sizeof(err));
			if (reply_to(&inc, bad[i].status, bad[i].body, &r, &err) != KT_ERR ||
			    err.cls != KT_EC_SUPPLIER || strcmp(err.code, "adapter_reply") != 0)
				fail_msg("bad answer %zu accepted", i);
			assert_null(r.external_id);
			kt_adapter_reply_release(&r);
		}
	}
}

/* The lookup of a create of type (step 0, attempt 2) reading the answer
 * status, body: read_lookup's rc, *found and *r (the caller releases it);
 * a failure's code is adapter_reply. */
static int lookup_answer(const char *type, long status, const char *body, int *found,
			 struct kt_adapter_reply *r)
{
	const struct msg_case c = { NULL, KT_OP_CREATE, type, NULL, 0, 0, 2, NULL, NULL };
	struct kt_answer a = { .http_status = status, .body = body, .len = strlen(body) };
	json_t *supplier = supplier_with(NULL), *view, *st, *payload;
	struct kt_err err = { 0 };
	struct kt_adapter_msg msg;
	int rc;

	*found = -1;
	make_msg(&c, supplier, &view, &st, &payload, &msg);
	rc = sn()->read_lookup(&msg, &a, found, r, &err);
	if (rc == KT_ERR)
		assert_string_equal(err.code, "adapter_reply");
	kt_err_release(&err);
	json_decref(view);
	json_decref(st);
	json_decref(payload);
	json_decref(supplier);
	return rc;
}

static void test_read_lookup(void **state)
{
	static const struct {
		long status;
		const char *body;
		int rc, found, has_status;
	} cases[] = {
		{ 200, "{\"result\": [{\"sys_id\": \"" SYS_ID "\", \"state\": \"2\"}]}", KT_OK, 1, 1 },
		{ 200, "{\"result\": [{\"sys_id\": \"" SYS_ID "\"}]}", KT_OK, 1, 0 },
		{ 200, "{\"result\": []}", KT_OK, 0, 0 },
		{ 404, "{\"error\": {\"message\": \"No Record found\", \"detail\": \"Records "
		       "matching query not found\"}, \"status\": \"failure\"}", KT_OK, 0, 0 },
		{ 200, "{\"result\": {}}", KT_ERR, 0, 0 },
		{ 200, "{\"result\": [{\"number\": \"INC1\"}]}", KT_ERR, 0, 0 },
		{ 200, "not json", KT_ERR, 0, 0 },
		{ 201, "{\"result\": []}", KT_ERR, 0, 0 },
		{ 401, "{\"error\": {\"message\": \"User Not Authenticated\"}}", KT_ERR, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_adapter_reply r = { 0 };
		int found, rc = lookup_answer("incident", cases[i].status, cases[i].body, &found, &r);

		if (rc != cases[i].rc || found != cases[i].found ||
		    (rc == KT_OK && r.has_status != cases[i].has_status))
			fail_msg("case %zu: rc %d found %d", i, rc, found);
		if (found)
			assert_string_equal(r.external_id, SYS_ID);
		kt_adapter_reply_release(&r);
	}
}

/* An order found by its reference variable goes on to step 1, which
 * gives it our reference; none found: not found; an option without its
 * request: the lookup stays in doubt. */
static void test_read_order_lookup(void **state)
{
	static const struct {
		const char *body;
		int rc, found;
	} cases[] = {
		{ "{\"result\": [{\"request_item.request\": \"" SYS_ID "\"}]}", KT_OK, 1 },
		{ "{\"result\": [{\"request_item.request\": {\"link\": \"x\", \"value\": \""
		  SYS_ID "\"}}]}", KT_OK, 1 },
		{ "{\"result\": []}", KT_OK, 0 },
		{ "{\"result\": [{\"sys_id\": \"" SYS_ID "\"}]}", KT_ERR, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_adapter_reply r = { 0 };
		int found, rc = lookup_answer("request", 200, cases[i].body, &found, &r);

		if (rc != cases[i].rc || found != cases[i].found)
			fail_msg("case %zu: rc %d found %d", i, rc, found);
		if (found) {
			assert_string_equal(r.external_id, SYS_ID);
			assert_int_equal(r.has_status, 0);
			assert_int_equal(r.next_step, 1);
			assert_string_equal(json_string_value(json_object_get(r.state, "sys_id")), SYS_ID);
		} else {
			assert_int_equal(r.next_step, 0);
		}
		kt_adapter_reply_release(&r);
	}
}

static void test_read_error(void **state)
{
	static const struct {
		const char *body, *want;
		size_t n;
	} cases[] = {
		{ "{\"error\": {\"message\": \"Operation Failed\", \"detail\": \"Data Policy "
		  "Exception: Resolution code is mandatory\"}, \"status\": \"failure\"}",
		  "Operation Failed: Data Policy Exception: Resolution code is mandatory", 256 },
		{ "{\"error\": {\"message\": \"Rate limit exceeded\", \"detail\": null}, "
		  "\"status\": \"failure\"}", "Rate limit exceeded", 256 },
		{ "{\"error\": {\"message\": \"Ung\u00fcltig\"}}", "Ung", 5 },
		{ "{\"error\": {\"detail\": \"no message\"}}", NULL, 256 },
		{ "{\"error\": \"plain\"}", NULL, 256 },
		{ "<html>Bad Gateway</html>", NULL, 256 },
		{ "", NULL, 256 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_answer a = { .http_status = 400, .body = cases[i].body,
				       .len = strlen(cases[i].body) };
		char buf[256] = "";
		int found = sn()->read_error(&a, buf, cases[i].n);

		if (cases[i].want ? !found || strcmp(buf, cases[i].want) != 0 : found)
			fail_msg("case %zu: %d \"%s\"", i, found, buf);
	}
}

/* The updates of list as the feeds/ golden files write them. New reference. */
static json_t *list_json(const struct kt_inbound_list *l)
{
	json_t *items = json_array();

	for (size_t i = 0; i < l->n; i++) {
		const struct kt_inbound_update *u = &l->items[i];
		json_t *o = json_pack("{s:s*, s:s*, s:s*, s:s*}", "leg_id", u->leg_id, "external_id",
				      u->external_id, "delivery_id", u->delivery_id, "occurred_at",
				      u->occurred_at);

		if (u->has_status)
			json_object_set_new(o, "status", json_string(kt_status_name(u->status)));
		if (u->comment) {
			json_object_set_new(o, "comment", json_string(u->comment));
			json_object_set_new(o, "public", json_boolean(u->comment_public));
		}
		if (u->comment_origin)
			json_object_set_new(o, "origin", json_string(u->comment_origin));
		assert_false(u->reject);
		json_array_append_new(items, o);
	}
	return json_pack("{s:o, s:s*, s:s*}", "items", items, "next_page", l->next_page,
			 "high_water", l->high_water);
}

static void check_list(const char *name, const struct kt_inbound_list *l)
{
	char path[256];
	json_t *want, *got = list_json(l);

	snprintf(path, sizeof(path), DATA "feeds/%s.expect.json", name);
	want = kt_test_load_json(path);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_INDENT(1) | JSON_SORT_KEYS);

		fail_msg("%s differs, got:\n%s", name, g);
	}
	json_decref(got);
	json_decref(want);
}

static void test_feeds_golden(void **state)
{
	static const struct {
		const char *name, *feed;
		int push;
	} cases[] = {
		{ "records_page", "records", 0 },
		{ "journal_page", "journal", 0 },
		{ "push_record", NULL, 1 },
		{ "push_journal", NULL, 1 },
		{ "push_echo", NULL, 1 },
	};
	json_t *supplier = supplier_with(NULL);

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char path[256], *body;
		struct kt_header token = { "X-Keten-Token", "s3cret" };
		struct kt_answer a = { .http_status = 200, .headers = &token, .n_headers = 1 };
		struct kt_inbound_list l = { 0 };
		struct kt_err err = { 0 };
		int rc;

		snprintf(path, sizeof(path), DATA "feeds/%s.json", cases[i].name);
		body = kt_test_read_file(path);
		a.body = body;
		a.len = strlen(body);
		if (cases[i].push) {
			a.http_status = 0;
			rc = sn()->read_inbound(supplier, &a, &l, &err);
		} else {
			rc = sn()->read_poll(supplier, cases[i].feed, NULL, &a, &l, &err);
		}
		if (rc != KT_OK)
			fail_msg("%s: %s", cases[i].name, err.message);
		check_list(cases[i].name, &l);
		kt_inbound_list_release(&l);
		free(body);
	}
	json_decref(supplier);
}

/* A full page names the next one by the last item's (time, sys_id), the
 * skipped items included; a short page is the last. */
static void test_poll_paging(void **state)
{
	json_t *supplier = supplier_with("{\"page_size\": 3}");
	char *body = kt_test_read_file(DATA "feeds/records_page.json");
	json_t *doc = json_loads(body, 0, NULL), *items = json_object_get(doc, "result");
	struct kt_inbound_list l = { 0 };
	struct kt_err err = { 0 };
	char *page;
	struct kt_answer a = { .http_status = 200 };

	(void)state;
	while (json_array_size(items) > 3)
		json_array_remove(items, 3);
	page = json_dumps(doc, 0);
	a.body = page;
	a.len = strlen(page);
	assert_int_equal(sn()->read_poll(supplier, "records", NULL, &a, &l, &err), KT_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.next_page, "2026-11-25 19:41:07|68f66c7fa9fe198101f8e5b3e3f7bc5c");
	assert_string_equal(l.high_water, "2026-11-25T19:41:07Z");
	kt_inbound_list_release(&l);
	free(page);
	json_array_remove(items, 2);
	page = json_dumps(doc, 0);
	a.body = page;
	a.len = strlen(page);
	assert_int_equal(sn()->read_poll(supplier, "records", NULL, &a, &l, &err), KT_OK);
	assert_null(l.next_page);
	kt_inbound_list_release(&l);
	free(page);
	/* an empty page: 200 [] (v2) or 404 (v1) */
	a.body = "{\"result\": []}";
	a.len = strlen(a.body);
	assert_int_equal(sn()->read_poll(supplier, "journal", NULL, &a, &l, &err), KT_OK);
	assert_int_equal(l.n, 0);
	assert_null(l.next_page);
	assert_null(l.high_water);
	a.http_status = 404;
	a.body = "{\"error\": {\"message\": \"No Record found\"}, \"status\": \"failure\"}";
	a.len = strlen(a.body);
	assert_int_equal(sn()->read_poll(supplier, "records", NULL, &a, &l, &err), KT_OK);
	assert_int_equal(l.n, 0);
	json_decref(doc);
	free(body);
	json_decref(supplier);
}

static void test_feeds_garbage(void **state)
{
	static const struct {
		const char *feed;  /* NULL: a push */
		long status;
		const char *body;
	} cases[] = {
		{ "records", 500, "{\"error\": {\"message\": \"boom\"}}" },
		{ "records", 429, "{\"error\": {\"message\": \"Rate limit\"}}" },
		{ "records", 200, "not json" },
		{ "records", 200, "{\"result\": {}}" },
		{ "records", 200, "{\"records\": []}" },
		{ "records", 200, "{\"result\": [42]}" },
		{ "records", 200, "{\"result\": [{\"sys_id\": \"a\", \"sys_updated_on\": "
				  "\"2026-11-25T19:40:00Z\", \"sys_mod_count\": \"1\"}]}" },
		{ "records", 200, "{\"result\": [{\"sys_updated_on\": \"2026-11-25 19:40:00\"}]}" },
		{ "records", 200, "{\"result\": [{\"sys_id\": \"a\", \"sys_class_name\": "
				  "\"incident\", \"state\": \"2\", \"sys_updated_on\": "
				  "\"2026-11-25 19:40:00\"}]}" },
		{ "journal", 200, "{\"result\": [{\"sys_id\": \"a\", \"element\": \"comments\", "
				  "\"sys_created_on\": \"2026-11-25 19:40:00\"}]}" },
		{ "updates", 200, "{\"result\": []}" },
		{ NULL, 0, "" },
		{ NULL, 0, "[]" },
		{ NULL, 0, "{\"result\": []}" },
		{ NULL, 0, "{\"feed\": \"incident\", \"result\": []}" },
		{ NULL, 0, "{\"feed\": \"records\", \"result\": [{\"sys_id\": \"a\"}]}" },
	};
	json_t *supplier = supplier_with(NULL);

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_answer a = { .http_status = cases[i].status, .body = cases[i].body,
				       .len = strlen(cases[i].body) };
		struct kt_inbound_list l = { 0 };
		struct kt_err err = { 0 };
		int rc = cases[i].feed ? sn()->read_poll(supplier, cases[i].feed, NULL, &a, &l, &err)
				       : sn()->read_inbound(supplier, &a, &l, &err);

		if (rc != KT_ERR)
			fail_msg("case %zu accepted", i);
		if (!cases[i].feed ? err.cls != KT_EC_INVALID ||
					     strcmp(err.code, "invalid_update") != 0
				   : strcmp(err.code, "adapter_reply") != 0)
			fail_msg("case %zu: class %s code \"%s\"", i, kt_err_class_name(err.cls),
				 err.code);
		assert_int_equal(l.n, 0);
		assert_null(l.items);
	}
	json_decref(supplier);
}

/* Long comments come in cut on a character boundary. */
static void test_journal_cut(void **state)
{
	json_t *supplier = supplier_with(NULL), *doc;
	struct kt_inbound_list l = { 0 };
	struct kt_err err = { 0 };
	char *value = malloc(70001), *body;
	struct kt_answer a = { .http_status = 200 };

	(void)state;
	assert_non_null(value);
	memset(value, 'y', 70000);
	memcpy(value + 65535, "\xe2\x98\x83", 3);
	value[70000] = '\0';
	doc = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}", "result", "sys_id", "j1", "element",
			"comments", "element_id", SYS_ID, "value", value, "sys_created_on",
			"2026-11-25 19:40:00", "sys_created_by", "beth");
	body = json_dumps(doc, 0);
	a.body = body;
	a.len = strlen(body);
	assert_int_equal(sn()->read_poll(supplier, "journal", NULL, &a, &l, &err), KT_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(strlen(l.items[0].comment), 65535);
	kt_inbound_list_release(&l);
	free(body);
	free(value);
	json_decref(doc);
	json_decref(supplier);
}

static void test_mapping_cases(void **state)
{
	json_t *cases = kt_test_load_json(DATA "mapping_cases.json"), *c;
	size_t i;

	(void)state;
	json_array_foreach(cases, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *want = json_object_get(c, "paths"), *got = json_array(), *d;
		struct kt_err err = { 0 };
		int rc = sn()->check_mapping(json_object_get(c, "mapping"), &err);
		size_t j;

		json_array_foreach(err.details, j, d) {
			json_t *p = json_object_get(d, "path");
			size_t k;
			json_t *seen;
			int dup = 0;

			json_array_foreach(got, k, seen)
				dup |= json_equal(seen, p);
			if (!dup)
				json_array_append(got, p);
		}
		if (json_array_size(want) == 0 ? rc != KT_OK : rc != KT_ERR ||
		    strcmp(err.code, "invalid_mapping") != 0 || err.cls != KT_EC_INVALID)
			fail_msg("%s: rc %d code \"%s\"", name, rc, err.code);
		if (json_array_size(got) != json_array_size(want))
			fail_msg("%s: %zu problems, want %zu (%s)", name, json_array_size(got),
				 json_array_size(want), json_dumps(err.details, 0));
		json_array_foreach(want, j, d) {
			size_t k;
			json_t *p;
			int found = 0;

			json_array_foreach(got, k, p)
				found |= json_equal(p, d);
			if (!found)
				fail_msg("%s: no problem at %s (%s)", name, json_string_value(d),
					 json_dumps(err.details, 0));
		}
		json_decref(got);
		kt_err_release(&err);
	}
	/* no mapping at all */
	{
		struct kt_err err = { 0 };

		assert_int_equal(sn()->check_mapping(NULL, &err), KT_ERR);
		assert_string_equal(err.code, "invalid_mapping");
		kt_err_release(&err);
	}
	json_decref(cases);
}

/* Records a listing page carries (adapters/servicenow_list.h). */
#define KT_SN_LIST_PAGE 100

/* `keten reconcile`'s listing: the records carrying our correlation, a
 * table at a time in name order, KT_SN_LIST_PAGE a page by offset. */
static void test_listing(void **state)
{
	static const char *const tables[] = { "change_request", "incident", "problem",
					      "sc_request" };
	json_t *s = supplier_with(NULL);
	struct kt_http_request req = { 0 };
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	struct kt_answer a = { .http_status = 200 };
	struct kt_buf full;
	char page[32];

	(void)state;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		snprintf(page, sizeof(page), "%zu:0", t);
		assert_int_equal(sn()->build_list(s, t ? page : NULL, &req, &err), KT_OK);
		assert_string_equal(req.method, "GET");
		assert_non_null(strstr(req.url, tables[t]));
		assert_true(strncmp(req.url, ENDPOINT "api/now/v2/table/", strlen(ENDPOINT) + 17) == 0);
		assert_non_null(strstr(req.url, "?sysparm_query=correlation_display%3DKeten%5E"
					       "correlation_idISNOTEMPTY%5EORDERBYsys_id&"));
		assert_non_null(strstr(req.url, "&sysparm_limit=100&sysparm_offset=0"));
		kt_http_request_release(&req);
	}
	assert_int_equal(sn()->build_list(s, "4:0", &req, &err), KT_ERR);
	kt_err_release(&err);
	assert_int_equal(sn()->build_list(s, "x", &req, &err), KT_ERR);
	assert_int_equal(err.cls, KT_EC_INVALID);
	kt_err_release(&err);

	/* a short page: the next table; the last table's: the end */
	a.body = "{\"result\": [{\"sys_id\": \"a1\", \"correlation_id\": \"leg-1\"},"
		 " {\"sys_id\": \"a2\", \"correlation_id\": \"\"}]}";
	a.len = strlen(a.body);
	assert_int_equal(sn()->read_list(s, NULL, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.items[0].external_id, "a1");
	assert_string_equal(list.items[0].leg_id, "leg-1");
	assert_string_equal(list.items[1].external_id, "a2");
	assert_null(list.items[1].leg_id);
	assert_string_equal(list.next_page, "1:0");
	kt_inbound_list_release(&list);
	assert_int_equal(sn()->read_list(s, "3:0", &a, &list, &err), KT_OK);
	assert_null(list.next_page);
	kt_inbound_list_release(&list);

	/* a full page: the same table, further on */
	kt_buf_init(&full, 1 << 16);
	kt_buf_adds(&full, "{\"result\": [");
	for (int i = 0; i < KT_SN_LIST_PAGE; i++)
		kt_buf_addf(&full, "%s{\"sys_id\": \"r%d\"}", i ? ", " : "", i);
	kt_buf_adds(&full, "]}");
	a.body = kt_buf_str(&full);
	a.len = strlen(a.body);
	assert_int_equal(sn()->read_list(s, "2:100", &a, &list, &err), KT_OK);
	assert_int_equal(list.n, KT_SN_LIST_PAGE);
	assert_string_equal(list.next_page, "2:200");
	kt_inbound_list_release(&list);
	kt_buf_release(&full);

	/* what is no listing */
	a.body = "{\"result\": {}}";
	a.len = strlen(a.body);
	assert_int_equal(sn()->read_list(s, NULL, &a, &list, &err), KT_ERR);
	assert_int_equal(err.cls, KT_EC_SUPPLIER);
	kt_err_release(&err);
	kt_inbound_list_release(&list);
	a.http_status = 403;
	assert_int_equal(sn()->read_list(s, NULL, &a, &list, &err), KT_ERR);
	assert_non_null(strstr(err.message, "HTTP 403"));
	kt_err_release(&err);
	kt_inbound_list_release(&list);
	json_decref(s);
}

/* `keten supplier check`: each close code, state code, hold reason and
 * catalog item the mapping names, asked of the instance, in mapping order. */
static void test_live_checks(void **state)
{
	static const char *const urls[] = {
		"sys_choice?sysparm_query=name%3Dincident%5EORname%3Dtask%5Eelement%3Dclose_code",
		"sys_choice?sysparm_query=name%3Dchange_request%5EORname%3Dtask%5Eelement%3Dclose_code",
		"sys_choice?sysparm_query=name%3Dchange_request%5EORname%3Dtask%5Eelement%3Dstate",
		"sys_choice?sysparm_query=name%3Dproblem%5EORname%3Dtask%5Eelement%3Dstate",
		"sys_choice?sysparm_query=name%3Dsc_request%5EORname%3Dtask%5Eelement%3Dstate",
		"sc_cat_item?sysparm_query=sys_id%3D060f3afa3731300054b6a3549dbe5d3e",
	};
	static const struct {
		int i;
		long status;
		const char *body;
		int rc;
		const char *paths[6];
	} answers[] = {
		{ 0, 200, "{\"result\": [{\"value\": \"Solved (Work Around)\"}, {\"value\": "
			  "\"Solved (Permanently)\"}]}", KT_OK, { NULL } },
		{ 0, 200, "{\"result\": [{\"value\": \"Solved (Work Around)\"}]}", KT_ERR,
		  { "/entries/incident/close_code", NULL } },
		{ 2, 200, "{\"result\": [{\"value\": \"-5\"}, {\"value\": \"3\"}, {\"value\": "
			  "\"4\"}]}", KT_ERR,
		  { "/entries/change/status_in/-4", "/entries/change/status_in/-1",
		    "/entries/change/status_in/0",
		    "/entries/change/status_out/in_progress", "/entries/change/status_out/resolved",
		    NULL } },
		{ 5, 200, "{\"result\": [{\"sys_id\": \"060f3afa3731300054b6a3549dbe5d3e\", "
			  "\"active\": \"true\"}]}", KT_OK, { NULL } },
		{ 5, 200, "{\"result\": [{\"sys_id\": \"060f3afa3731300054b6a3549dbe5d3e\", "
			  "\"active\": \"false\"}]}", KT_ERR, { "/entries/request/catalog_item", NULL } },
		{ 5, 200, "{\"result\": []}", KT_ERR, { "/entries/request/catalog_item", NULL } },
	};
	json_t *supplier = supplier_with(NULL);

	(void)state;
	for (size_t i = 0; i <= N_ELEMS(urls); i++) {
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };
		char want[512];

		assert_int_equal(sn()->build_check(supplier, (int)i, &req, &err), KT_OK);
		if (i == N_ELEMS(urls)) {
			assert_null(req.url);
			break;
		}
		snprintf(want, sizeof(want), "https://acme.service-now.com/api/now/v2/table/%s", urls[i]);
		if (strncmp(req.url, want, strlen(want)) != 0)
			fail_msg("check %zu: %s", i, req.url);
		assert_string_equal(req.method, "GET");
		assert_null(req.body);
		kt_http_request_release(&req);
	}
	for (size_t i = 0; i < N_ELEMS(answers); i++) {
		struct kt_answer a = { .http_status = answers[i].status, .body = answers[i].body,
				       .len = strlen(answers[i].body) };
		struct kt_err err = { 0 };
		int rc = sn()->read_check(supplier, answers[i].i, &a, &err);
		size_t n = 0;

		if (rc != answers[i].rc)
			fail_msg("answer %zu: rc %d (%s)", i, rc, err.message);
		while (answers[i].paths[n])
			n++;
		if (json_array_size(err.details) != n)
			fail_msg("answer %zu: %s", i, json_dumps(err.details, 0));
		for (size_t j = 0; j < n; j++)
			assert_string_equal(json_string_value(json_object_get(
				json_array_get(err.details, j), "path")), answers[i].paths[j]);
		if (rc == KT_ERR)
			assert_string_equal(err.code, "mapping_unknown_value");
		kt_err_release(&err);
	}
	/* a refused call or a garbled answer is the supplier's fault */
	{
		struct kt_answer a = { .http_status = 401,
				       .body = "{\"error\": {\"message\": \"User Not Authenticated\"}}" };
		struct kt_err err = { 0 };

		a.len = strlen(a.body);
		assert_int_equal(sn()->read_check(supplier, 0, &a, &err), KT_ERR);
		assert_int_equal(err.cls, KT_EC_SUPPLIER);
		a.http_status = 200;
		a.body = "{\"result\": {}}";
		a.len = strlen(a.body);
		assert_int_equal(sn()->read_check(supplier, 0, &a, &err), KT_ERR);
		assert_string_equal(err.code, "adapter_reply");
		kt_err_release(&err);
	}
	json_decref(supplier);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_requests_golden),
		cmocka_unit_test(test_lookup_golden),
		cmocka_unit_test(test_read_order_lookup),
		cmocka_unit_test(test_poll_golden),
		cmocka_unit_test(test_no_entry_for_type),
		cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_poll_refused),
		cmocka_unit_test(test_cut_fields),
		cmocka_unit_test(test_read_reply),
		cmocka_unit_test(test_read_lookup),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_feeds_golden),
		cmocka_unit_test(test_poll_paging),
		cmocka_unit_test(test_feeds_garbage),
		cmocka_unit_test(test_journal_cut),
		cmocka_unit_test(test_mapping_cases),
		cmocka_unit_test(test_live_checks),
		cmocka_unit_test(test_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
