/* test_adapter_webhook.c - unit tests of the adapter registry
 * (adapters/adapter.c) and the `webhook` adapter (adapters/webhook.c)
 * against adapters/webhook.md. Golden files live in
 * tests/unit/data/webhook/: request bodies made independently (Python's
 * json with sorted keys), and inbound bodies with their expected outcome. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "keten/adapter.h"
#include "http/status.h"
#include "testutil.h"
#include "adapter_testutil.h"

#define DATA "tests/unit/data/webhook/"
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ENDPOINT "https://acme.example/keten/hook?x=1"

static const struct kt_adapter *webhook(void)
{
	return kt_test_adapter("webhook");
}

/* The v2 readers, called the way these tests were written: one answer
 * (status, body) to a message of operation op, and one push read into a
 * single update (moved out of the adapter's list). */
static int read_reply(enum kt_operation op, long status, const char *body, size_t len,
		      struct kt_adapter_reply *out, struct kt_err *err)
{
	struct kt_adapter_msg msg = { .op = op };
	struct kt_answer a = { .http_status = status, .body = body, .len = len };

	return webhook()->read_reply(&msg, &a, out, err);
}

static int read_lookup(long status, const char *body, size_t len, int *found,
		       struct kt_adapter_reply *out, struct kt_err *err)
{
	struct kt_adapter_msg msg = { .op = KT_OP_CREATE };
	struct kt_answer a = { .http_status = status, .body = body, .len = len };

	return webhook()->read_lookup(&msg, &a, found, out, err);
}

static int read_inbound(const char *body, size_t len, struct kt_inbound_update *upd,
			struct kt_err *err)
{
	struct kt_header id = { "webhook-id", "msg_1" };
	struct kt_answer push = { .body = body, .len = len, .headers = &id, .n_headers = 1 };
	struct kt_inbound_list list = { 0 };
	int rc = webhook()->read_inbound(NULL, &push, &list, err);

	if (rc == KT_OK) {
		assert_int_equal(list.n, 1);
		assert_null(list.items[0].delivery_id);
		*upd = list.items[0];
		list.n = 0;
	}
	kt_inbound_list_release(&list);
	return rc;
}

static void test_registry(void **state)
{
	(void)state;
	assert_non_null(kt_adapter_find("webhook"));
	assert_string_equal(kt_adapter_find("webhook")->name, "webhook");
	assert_null(kt_adapter_find("Webhook"));
	assert_null(kt_adapter_find("webhooks"));
	assert_null(kt_adapter_find(""));
	assert_null(kt_adapter_find(NULL));
}

static void test_request_headers(void **state)
{
	struct kt_http_request req = { 0 };
	char name[16];

	(void)state;
	for (int i = 0; i < KT_ADAPTER_MAX_HEADERS; i++) {
		snprintf(name, sizeof(name), "x-h%d", i);
		assert_int_equal(kt_http_request_add_header(&req, name, "v"), 0);
	}
	assert_int_equal(kt_http_request_add_header(&req, "x-full", "v"), -1);
	assert_int_equal(req.n_headers, KT_ADAPTER_MAX_HEADERS);
	assert_string_equal(req.headers[3].name, "x-h3");
	assert_string_equal(req.headers[3].value, "v");
	kt_http_request_release(&req);
	assert_int_equal(req.n_headers, 0);
	assert_null(req.headers[0].name);
	kt_http_request_release(&req); /* released twice is harmless */
	kt_http_request_release(NULL);
	kt_adapter_reply_release(NULL);
	kt_inbound_update_release(NULL);
}

struct build_case {
	enum kt_operation op;
	long long seq;
	const char *golden;
	const char *payload;  /* JSON text; NULL: none */
};

static void test_build_request_golden(void **state)
{
	static const struct build_case cases[] = {
		{ KT_OP_CREATE, 1, DATA "request_create.json", NULL },
		{ KT_OP_COMMENT, 7, DATA "request_comment.json", NULL },
		{ KT_OP_CANCEL, 123456789012LL, DATA "request_cancel.json", NULL },
		/* a payload's members join the envelope's */
		{ KT_OP_COMMENT, 8, DATA "request_comment_relayed.json",
		  "{\"comment\": {\"text\": \"Any news? \u2014 the caf\u00e9 is still"
		  " offline\", \"author\": \"customer\", \"origin\": \"keten:event:4711\"}}" },
		{ KT_OP_UPDATE, 9, DATA "request_reopen.json",
		  "{\"reopen\": {\"reason\": \"still no VPN after the \\\"fix\\\"\"}}" },
		/* ... but never replace them */
		{ KT_OP_COMMENT, 7, DATA "request_comment.json",
		  "{\"type\": \"leg.create\", \"sequence\": 1, \"data\": {}}" },
		{ KT_OP_CREATE, 1, DATA "request_create.json", "{}" },
	};
	json_t *leg_view = kt_test_load_json(DATA "leg_view.json");
	json_t *supplier = json_pack("{s:s, s:s}", "key", "acme-net",
				     "endpoint", ENDPOINT);
	char *before = json_dumps(leg_view, JSON_SORT_KEYS);

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *payload = cases[i].payload
					  ? json_loads(cases[i].payload, 0, NULL)
					  : NULL;
		struct kt_adapter_msg msg = {
			.op = cases[i].op, .message_id = "msg-1",
			.seq = cases[i].seq, .leg_view = leg_view,
			.supplier = supplier, .payload = payload,
		};
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };
		char *want = kt_test_read_file(cases[i].golden);
		size_t want_len = strlen(want);

		/* golden files end with a newline the body does not have */
		if (want_len > 0 && want[want_len - 1] == '\n')
			want[--want_len] = '\0';
		if (cases[i].payload && !payload)
			fail_msg("%s: the payload is not JSON", cases[i].golden);
		if (webhook()->build_request(&msg, &req, &err) != KT_OK)
			fail_msg("%s: %s", cases[i].golden, err.message);
		assert_string_equal(req.method, "POST");
		assert_string_equal(req.url, ENDPOINT);
		assert_int_equal(req.n_headers, 1);
		assert_string_equal(req.headers[0].name, "content-type");
		assert_string_equal(req.headers[0].value, "application/json");
		assert_int_equal(req.body_len, strlen(req.body));
		if (strcmp(req.body, want) != 0)
			fail_msg("%s differs:\n got %s\nwant %s", cases[i].golden,
				 req.body, want);
		kt_http_request_release(&req);
		free(want);
		if (payload)
			assert_int_equal(payload->refcount, 1);
		json_decref(payload);
	}
	/* the borrowed leg view is left as it was */
	{
		char *after = json_dumps(leg_view, JSON_SORT_KEYS);

		assert_string_equal(before, after);
		free(after);
	}
	assert_int_equal(leg_view->refcount, 1);
	free(before);
	json_decref(supplier);
	json_decref(leg_view);
}

static void test_build_request_refused(void **state)
{
	static const struct {
		const char *name, *supplier, *leg_view;
		int op;
		const char *payload;
	} cases[] = {
		{ "http endpoint", "{\"endpoint\": \"http://acme.example/\"}",
		  "{}", KT_OP_CREATE, NULL },
		{ "no endpoint", "{\"key\": \"acme-net\"}", "{}", KT_OP_CREATE, NULL },
		{ "endpoint not a string", "{\"endpoint\": 443}", "{}",
		  KT_OP_CREATE, NULL },
		{ "empty endpoint", "{\"endpoint\": \"\"}", "{}", KT_OP_CREATE, NULL },
		{ "scheme only", "{\"endpoint\": \"https://\"}", "{}",
		  KT_OP_CREATE, NULL },
		{ "no host", "{\"endpoint\": \"https:///hook\"}", "{}",
		  KT_OP_CREATE, NULL },
		{ "blank in url", "{\"endpoint\": \"https://acme.example/a b\"}",
		  "{}", KT_OP_CREATE, NULL },
		{ "newline in url",
		  "{\"endpoint\": \"https://acme.example/\\r\\nx: y\"}", "{}",
		  KT_OP_CREATE, NULL },
		{ "other scheme", "{\"endpoint\": \"ftp://acme.example/\"}",
		  "{}", KT_OP_CREATE, NULL },
		{ "relative", "{\"endpoint\": \"/v1/hook\"}", "{}",
		  KT_OP_CREATE, NULL },
		{ "no supplier", NULL, "{}", KT_OP_CREATE, NULL },
		{ "unknown operation", "{\"endpoint\": \"" ENDPOINT "\"}", "{}",
		  KT_OP__COUNT, NULL },
		{ "negative operation", "{\"endpoint\": \"" ENDPOINT "\"}",
		  "{}", -1, NULL },
		{ "leg view not an object", "{\"endpoint\": \"" ENDPOINT "\"}",
		  "[]", KT_OP_UPDATE, NULL },
		{ "no leg view", "{\"endpoint\": \"" ENDPOINT "\"}", NULL,
		  KT_OP_UPDATE, NULL },
		{ "payload not an object", "{\"endpoint\": \"" ENDPOINT "\"}",
		  "{}", KT_OP_COMMENT, "[\"text\"]" },
		{ "payload a string", "{\"endpoint\": \"" ENDPOINT "\"}",
		  "{}", KT_OP_UPDATE, "\"reopen\"" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		json_t *supplier = cases[i].supplier
					   ? json_loads(cases[i].supplier, 0, NULL)
					   : NULL;
		json_t *view = cases[i].leg_view
				       ? json_loads(cases[i].leg_view, 0, NULL)
				       : NULL;
		json_t *payload = cases[i].payload
					  ? json_loads(cases[i].payload, JSON_DECODE_ANY, NULL)
					  : NULL;
		struct kt_adapter_msg msg = {
			.op = (enum kt_operation)cases[i].op,
			.message_id = "msg-1", .seq = 1, .leg_view = view,
			.supplier = supplier, .payload = payload,
		};
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };
		int rc = webhook()->build_request(&msg, &req, &err);

		if (rc != KT_ERR || strcmp(err.code, "adapter_build") != 0 ||
		    err.message[0] == '\0')
			fail_msg("%s: rc %d, code \"%s\"", cases[i].name, rc,
				 err.code);
		assert_null(req.url);
		assert_null(req.body);
		assert_int_equal(req.n_headers, 0);
		json_decref(supplier);
		json_decref(view);
		json_decref(payload);
	}
}

static void test_read_reply(void **state)
{
	static char long_id[300];
	static const struct {
		const char *name, *body;
		const char *want_id;
		int want_status; /* -1: none */
	} cases[] = {
		{ "no body", NULL, NULL, -1 },
		{ "empty body", "", NULL, -1 },
		{ "not json", "accepted", NULL, -1 },
		{ "html", "<html>ok</html>", NULL, -1 },
		{ "array", "[\"SUP-1\"]", NULL, -1 },
		{ "empty object", "{}", NULL, -1 },
		{ "id and status", "{\"id\": \"SUP-123\", \"status\": \"new\"}",
		  "SUP-123", KT_ST_NEW },
		{ "external_id", "{\"external_id\": \"SUP-9\"}", "SUP-9", -1 },
		{ "id wins", "{\"external_id\": \"B\", \"id\": \"A\"}", "A", -1 },
		{ "numeric id falls back", "{\"id\": 42, \"external_id\": \"X\"}",
		  "X", -1 },
		{ "numeric id", "{\"id\": 42}", NULL, -1 },
		{ "empty id", "{\"id\": \"\"}", NULL, -1 },
		{ "non-canonical status",
		  "{\"id\": \"SUP-1\", \"status\": \"open\"}", "SUP-1", -1 },
		{ "status only", "{\"status\": \"in_progress\"}", NULL,
		  KT_ST_IN_PROGRESS },
		{ "status not a string", "{\"status\": 3}", NULL, -1 },
		{ "duplicate keys", "{\"id\": \"A\", \"id\": \"B\"}", NULL, -1 },
		{ "id too long", long_id, NULL, -1 },
	};

	(void)state;
	/* {"id": "<256 x's>"} */
	snprintf(long_id, sizeof(long_id), "{\"id\": \"%0256d\"}", 0);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_adapter_reply reply = { 0 };
		struct kt_err err = { 0 };
		const char *body = cases[i].body;
		int rc = read_reply(KT_OP_CREATE, 201, body,
					       body ? strlen(body) : 0, &reply,
					       &err);

		if (rc != KT_OK)
			fail_msg("%s: rc %d (%s)", cases[i].name, rc,
				 err.message);
		if (cases[i].want_id ? !reply.external_id ||
					       strcmp(reply.external_id,
						      cases[i].want_id) != 0
				     : reply.external_id != NULL)
			fail_msg("%s: external id \"%s\", want \"%s\"",
				 cases[i].name,
				 reply.external_id ? reply.external_id : "(none)",
				 cases[i].want_id ? cases[i].want_id : "(none)");
		if (cases[i].want_status < 0 ? reply.has_status
					     : !reply.has_status ||
						       (int)reply.status !=
							       cases[i].want_status)
			fail_msg("%s: status %d/%d, want %d", cases[i].name,
				 reply.has_status, (int)reply.status,
				 cases[i].want_status);
		kt_adapter_reply_release(&reply);
		assert_null(reply.external_id);
	}
}

static void test_read_reply_id_limit(void **state)
{
	struct kt_adapter_reply reply = { 0 };
	struct kt_err err = { 0 };
	char body[300];

	(void)state;
	/* 255 bytes is the largest id kept */
	snprintf(body, sizeof(body), "{\"id\": \"%0255d\"}", 7);
	assert_int_equal(read_reply(KT_OP_UPDATE, 200, body,
					       strlen(body), &reply, &err),
			 KT_OK);
	assert_non_null(reply.external_id);
	assert_int_equal(strlen(reply.external_id), 255);
	kt_adapter_reply_release(&reply);
}

static void test_read_reply_not_2xx(void **state)
{
	static const long statuses[] = { 199, 300, 302, 404, 500 };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(statuses); i++) {
		struct kt_adapter_reply reply = { 0 };
		struct kt_err err = { 0 };

		assert_int_equal(read_reply(KT_OP_CREATE,
						       statuses[i], "{}", 2,
						       &reply, &err),
				 KT_ERR);
		assert_string_equal(err.code, "adapter_reply");
		assert_null(reply.external_id);
	}
}

/* A lookup names only the correlation id: the leg id it was sent. */
static void test_build_lookup(void **state)
{
	json_t *supplier = json_pack("{s:s}", "endpoint", ENDPOINT);
	json_t *view = json_pack("{s:s, s:{s:s, s:n}}", "summary", "not sent",
				 "leg", "id", "leg-1", "external_id");
	json_t *noleg = json_pack("{s:s}", "summary", "no leg");
	struct kt_adapter_msg msg = {
		.op = KT_OP_CREATE, .message_id = "msg-1", .seq = 1,
		.leg_view = view, .supplier = supplier,
	};
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };

	(void)state;
	assert_int_equal(webhook()->build_lookup(&msg, &req, &err), KT_OK);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, ENDPOINT);
	assert_string_equal(req.body, "{\"data\":{\"leg\":{\"id\":\"leg-1\"}},"
				      "\"type\":\"leg.lookup\"}");
	assert_int_equal(req.body_len, strlen(req.body));
	kt_http_request_release(&req);

	msg.leg_view = noleg;
	assert_int_equal(webhook()->build_lookup(&msg, &req, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	assert_null(req.body);
	json_decref(supplier);
	supplier = json_pack("{s:s}", "endpoint", "http://acme.example/");
	msg.supplier = supplier;
	msg.leg_view = view;
	assert_int_equal(webhook()->build_lookup(&msg, &req, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	json_decref(supplier);
	json_decref(view);
	json_decref(noleg);
}

/* 200 with an id: found; 404: not found; anything else fails the lookup. */
static void test_read_lookup(void **state)
{
	static const struct {
		long http;
		const char *body;
		int rc, found;
		const char *id;
	} cases[] = {
		{ 200, "{\"id\": \"SUP-1\", \"status\": \"in_progress\"}", KT_OK, 1, "SUP-1" },
		{ 200, "{\"external_id\": \"SUP-2\"}", KT_OK, 1, "SUP-2" },
		{ 404, "{\"error\": \"no ticket\"}", KT_OK, 0, NULL },
		{ 404, NULL, KT_OK, 0, NULL },
		{ 200, "{}", KT_ERR, 0, NULL },
		{ 200, "not json", KT_ERR, 0, NULL },
		{ 201, "{\"id\": \"SUP-3\"}", KT_ERR, 0, NULL },
		{ 500, "{\"id\": \"SUP-4\"}", KT_ERR, 0, NULL },
		{ 410, NULL, KT_ERR, 0, NULL },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_adapter_reply reply = { 0 };
		struct kt_err err = { 0 };
		int found = -1;
		const char *b = cases[i].body;
		int rc = read_lookup(cases[i].http, b, b ? strlen(b) : 0,
						&found, &reply, &err);

		if (rc != cases[i].rc || found != cases[i].found)
			fail_msg("case %zu: rc %d found %d", i, rc, found);
		if (cases[i].id)
			assert_string_equal(reply.external_id, cases[i].id);
		if (rc == KT_ERR)
			assert_string_equal(err.code, "adapter_reply");
		kt_adapter_reply_release(&reply);
	}
}

/* A string member of an expectation, NULL for JSON null. */
static const char *wanted_string(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		fail_msg("expectation lacks \"%s\"", key);
	return json_string_value(v);
}

static void check_string(const char *name, const char *field,
			 const char *got, const char *want)
{
	if (want ? !got || strcmp(got, want) != 0 : got != NULL)
		fail_msg("%s: %s \"%s\", want \"%s\"", name, field,
			 got ? got : "(null)", want ? want : "(null)");
}

static void check_update(const char *name, const struct kt_inbound_update *u,
			 const json_t *want)
{
	const char *status = wanted_string(want, "status");
	int pub = json_is_true(json_object_get(want, "comment_public"));

	check_string(name, "leg_id", u->leg_id, wanted_string(want, "leg_id"));
	check_string(name, "external_id", u->external_id,
		     wanted_string(want, "external_id"));
	check_string(name, "status", u->has_status ? kt_status_name(u->status)
						   : NULL,
		     status);
	check_string(name, "comment", u->comment,
		     wanted_string(want, "comment"));
	check_string(name, "occurred_at", u->occurred_at,
		     wanted_string(want, "occurred_at"));
	check_string(name, "comment_origin", u->comment_origin,
		     json_string_value(json_object_get(want, "comment_origin")));
	if (u->comment_public != pub)
		fail_msg("%s: comment_public %d, want %d", name,
			 u->comment_public, pub);
	/* the rejection members are optional in an expectation: absent, none */
	if (u->reject != json_is_true(json_object_get(want, "reject")))
		fail_msg("%s: reject %d", name, u->reject);
	check_string(name, "reject_reason", u->reject_reason,
		     json_string_value(json_object_get(want, "reject_reason")));
	check_string(name, "reject_component", u->reject_component,
		     json_string_value(json_object_get(want, "reject_component")));
}

/* One golden inbound case: inbound/<name>.body and <name>.expect.json. */
static void test_inbound_case(void **state)
{
	const char *name = *state;
	struct kt_inbound_update upd = { 0 };
	struct kt_err err = { 0 };
	char path[256];
	size_t len;
	char *body;
	json_t *expect;
	int rc;

	snprintf(path, sizeof(path), DATA "inbound/%s.expect.json", name);
	expect = kt_test_load_json(path);
	snprintf(path, sizeof(path), DATA "inbound/%s.body", name);
	body = kt_test_read_file(path);
	len = strlen(body);
	rc = read_inbound(body, len, &upd, &err);
	if (json_is_true(json_object_get(expect, "ok"))) {
		if (rc != KT_OK)
			fail_msg("%s: rc %d, %s", name, rc, err.message);
		check_update(name, &upd, json_object_get(expect, "update"));
	} else {
		if (rc != KT_ERR || kt_http_status_of(err.cls) != 422 ||
		    strcmp(err.code, "invalid_update") != 0)
			fail_msg("%s: rc %d, status %d, code \"%s\"", name, rc,
				 kt_http_status_of(err.cls), err.code);
		kt_test_check_paths(name, &err, json_object_get(expect, "paths"));
		assert_null(upd.leg_id);
	}
	kt_inbound_update_release(&upd);
	kt_err_release(&err);
	json_decref(expect);
	free(body);
}

/* The path of the first problem in err, "(none)" without one. */
static const char *first_path(const struct kt_err *err)
{
	const char *path = json_string_value(
		json_object_get(json_array_get(err->details, 0), "path"));

	return path ? path : "(none)";
}

/* Reads {"type", "leg_id", "status", <key>: value} and returns the rc;
 * err is the caller's to release. */
static int inbound_with(const char *key, json_t *value,
			struct kt_inbound_update *upd, struct kt_err *err)
{
	json_t *doc = json_pack("{s:s, s:s, s:s}", "type", "leg.updated",
				"leg_id", "leg-1", "status", "new");
	char *body;
	int rc;

	json_object_set_new(doc, key, value);
	body = json_dumps(doc, JSON_COMPACT);
	rc = read_inbound(body, strlen(body), upd, err);
	free(body);
	json_decref(doc);
	return rc;
}

static void test_inbound_occurred_at(void **state)
{
	static const struct {
		const char *value;
		int ok;
	} cases[] = {
		{ "2026-11-25T19:40:00Z", 1 },
		{ "2026-11-25T19:40:00.5Z", 1 },
		{ "2026-11-25T19:40:00.123456789Z", 1 },
		{ "2026-11-25T21:40:00+02:00", 1 },
		{ "2026-11-25T14:10:00-05:30", 1 },
		{ "2026-11-25T19:40:00-00:00", 1 },
		{ "2024-02-29T12:00:00Z", 1 },
		{ "2000-02-29T12:00:00Z", 1 },
		{ "2016-12-31T23:59:60Z", 1 },
		{ "0001-01-01T00:00:00Z", 1 },
		{ "2026-11-25", 0 },
		{ "2026-11-25T19:40:00", 0 },
		{ "2026-11-25T19:40Z", 0 },
		{ "2026-11-25 19:40:00Z", 0 },
		{ "2026-11-25t19:40:00Z", 0 },
		{ "2026-11-25T19:40:00z", 0 },
		{ " 2026-11-25T19:40:00Z", 0 },
		{ "2026-11-25T19:40:00Z ", 0 },
		{ "2026-11-25T19:40:00Zjunk", 0 },
		{ "2026-11-25T19:40:00.Z", 0 },
		{ "2026-11-25T19:40:00,5Z", 0 },
		{ "2026-11-25T19:40:00+0200", 0 },
		{ "2026-11-25T19:40:00+02", 0 },
		{ "2026-11-25T19:40:00+15:59", 1 },
		{ "2026-11-25T19:40:00-15:59", 1 },
		{ "2026-11-25T19:40:00+16:00", 0 },
		{ "2026-11-25T19:40:00-23:59", 0 },
		{ "2026-11-25T19:40:00+24:00", 0 },
		{ "0000-01-01T00:00:00Z", 0 },
		{ "2026-11-25T19:40:00+02:60", 0 },
		{ "2026-00-10T19:40:00Z", 0 },
		{ "2026-13-10T19:40:00Z", 0 },
		{ "2026-11-00T19:40:00Z", 0 },
		{ "2026-04-31T19:40:00Z", 0 },
		{ "2026-02-29T19:40:00Z", 0 },
		{ "1900-02-29T19:40:00Z", 0 },
		{ "2026-11-25T24:00:00Z", 0 },
		{ "2026-11-25T19:60:00Z", 0 },
		{ "2026-11-25T19:40:61Z", 0 },
		{ "26-11-25T19:40:00Z", 0 },
		{ "+2026-11-25T19:40:00Z", 0 },
		{ "2026-11-25T19:40:00.000000000000000000000000000000000000000000000000000Z",
		  0 },
		{ "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_inbound_update upd = { 0 };
		struct kt_err err = { 0 };
		int rc = inbound_with("occurred_at",
				      json_string(cases[i].value), &upd, &err);

		if (cases[i].ok ? rc != KT_OK ||
					  strcmp(upd.occurred_at,
						 cases[i].value) != 0
				: rc != KT_ERR ||
					  strcmp(first_path(&err), "/occurred_at") != 0)
			fail_msg("\"%s\": rc %d, want %s", cases[i].value, rc,
				 cases[i].ok ? "accepted" : "refused at /occurred_at");
		kt_inbound_update_release(&upd);
		kt_err_release(&err);
	}
	/* not a string at all */
	{
		struct kt_inbound_update upd = { 0 };
		struct kt_err err = { 0 };

		assert_int_equal(inbound_with("occurred_at", json_integer(1764099600),
					      &upd, &err),
				 KT_ERR);
		assert_int_equal(kt_http_status_of(err.cls), 422);
		kt_err_release(&err);
	}
}

/* Size limits: ids up to 255 bytes, comments up to 64 KiB. */
static void test_inbound_limits(void **state)
{
	static const struct {
		const char *key, *path;
		size_t len;
		int ok;
	} cases[] = {
		{ "leg_id", "/leg_id", 255, 1 },
		{ "leg_id", "/leg_id", 256, 0 },
		{ "external_id", "/external_id", 255, 1 },
		{ "external_id", "/external_id", 256, 0 },
		{ "comment", "/comment/text", 64 * 1024, 1 },
		{ "comment", "/comment/text", 64 * 1024 + 1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_inbound_update upd = { 0 };
		struct kt_err err = { 0 };
		char *text = malloc(cases[i].len + 1);
		json_t *value;
		int rc;

		assert_non_null(text);
		memset(text, 'x', cases[i].len);
		text[cases[i].len] = '\0';
		value = strcmp(cases[i].key, "comment") == 0
				? json_pack("{s:s}", "text", text)
				: json_string(text);
		rc = inbound_with(cases[i].key, value, &upd, &err);
		if (cases[i].ok ? rc != KT_OK
				: rc != KT_ERR ||
					  strcmp(first_path(&err), cases[i].path) != 0)
			fail_msg("%s of %zu bytes: rc %d", cases[i].key,
				 cases[i].len, rc);
		kt_inbound_update_release(&upd);
		kt_err_release(&err);
		free(text);
	}
}

/* A rejection's reason is 1..1000 bytes, its hint a key of 1..63. */
static void test_inbound_reject_limits(void **state)
{
	static const struct {
		const char *member, *path;
		size_t len;
		int ok;
	} cases[] = {
		{ "reason", "/reject/reason", 1000, 1 },
		{ "reason", "/reject/reason", 1001, 0 },
		{ "reason", "/reject/reason", 0, 0 },
		{ "component", "/reject/component", 63, 1 },
		{ "component", "/reject/component", 64, 0 },
		{ "component", "/reject/component", 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_inbound_update upd = { 0 };
		struct kt_err err = { 0 };
		char *text = malloc(cases[i].len + 1);
		json_t *reject = json_pack("{s:s}", "reason", "not ours"), *doc;
		char *body;
		int rc;

		assert_non_null(text);
		memset(text, 'x', cases[i].len);
		text[cases[i].len] = '\0';
		json_object_set_new(reject, cases[i].member, json_string(text));
		doc = json_pack("{s:s, s:s, s:o}", "type", "leg.updated", "leg_id", "leg-1",
				"reject", reject);
		body = json_dumps(doc, JSON_COMPACT);
		rc = read_inbound(body, strlen(body), &upd, &err);
		if (cases[i].ok ? rc != KT_OK || !upd.reject
				: rc != KT_ERR ||
					  strcmp(first_path(&err), cases[i].path) != 0)
			fail_msg("%s of %zu bytes: rc %d", cases[i].member,
				 cases[i].len, rc);
		kt_inbound_update_release(&upd);
		kt_err_release(&err);
		json_decref(doc);
		free(body);
		free(text);
	}
}

#define INBOUND_CASE(name)                                                 \
	{ "inbound/" name, test_inbound_case, NULL, NULL, (void *)name }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_request_headers),
		cmocka_unit_test(test_build_request_golden),
		cmocka_unit_test(test_build_request_refused),
		cmocka_unit_test(test_read_reply),
		cmocka_unit_test(test_read_reply_id_limit),
		cmocka_unit_test(test_read_reply_not_2xx),
		cmocka_unit_test(test_build_lookup),
		cmocka_unit_test(test_read_lookup),
		cmocka_unit_test(test_inbound_occurred_at),
		cmocka_unit_test(test_inbound_limits),
		cmocka_unit_test(test_inbound_reject_limits),
		INBOUND_CASE("valid_reject"),
		INBOUND_CASE("valid_reject_no_hint"),
		INBOUND_CASE("invalid_reject_with_status"),
		INBOUND_CASE("invalid_reject_not_object"),
		INBOUND_CASE("invalid_reject_fields"),
		INBOUND_CASE("valid_full"),
		INBOUND_CASE("valid_status_only"),
		INBOUND_CASE("valid_comment_only"),
		INBOUND_CASE("valid_nulls_and_extras"),
		INBOUND_CASE("valid_comment_echo"),
		INBOUND_CASE("invalid_empty"),
		INBOUND_CASE("invalid_not_json"),
		INBOUND_CASE("invalid_truncated"),
		INBOUND_CASE("invalid_array"),
		INBOUND_CASE("invalid_duplicate_key"),
		INBOUND_CASE("invalid_nul_in_string"),
		INBOUND_CASE("invalid_utf8"),
		INBOUND_CASE("invalid_nothing"),
		INBOUND_CASE("invalid_no_change"),
		INBOUND_CASE("invalid_types"),
		INBOUND_CASE("invalid_type_not_string"),
		INBOUND_CASE("invalid_comment"),
		INBOUND_CASE("invalid_comment_no_text"),
		INBOUND_CASE("invalid_comment_not_object"),
		INBOUND_CASE("invalid_comment_origin"),
		INBOUND_CASE("invalid_occurred_at_no_zone"),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
