/* test_adapter_topdesk.c - unit tests of the `topdesk` adapter
 * (adapters/topdesk*.c) against adapters/topdesk.md, driven by the golden
 * cases of tests/unit/data/topdesk/: requests/ (a message -> the exact
 * request, or its refusal), replies/ (an answer or a lookup's answer ->
 * what it says), push/ and poll/ (a push body or a poll page -> canonical
 * updates), mapping/ (a mapping -> the paths of its problems). The
 * expected values were written by hand (and with Python for the UTF-16
 * cut), not by running the adapter. */
#include <dirent.h>
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

#define DATA "tests/unit/data/topdesk/"
#define ENDPOINT "https://acme.topdesk.example/"

static const struct kt_adapter *topdesk(void)
{
	return kt_test_adapter("topdesk");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Calls fn with the name and the JSON of each *.json case of dir, in
 * name order, and arg. */
static void each_case(const char *dir, void (*fn)(const char *name, const json_t *c, void *arg),
		      void *arg)
{
	char *names[256], path[KT_TEST_PATH_MAX];
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		fail_msg("cannot read \"%s\"", dir);
	while ((e = readdir(d)) && n < N_ELEMS(names))
		if (strstr(e->d_name, ".json"))
			names[n++] = strdup(e->d_name);
	closedir(d);
	if (n == 0)
		fail_msg("no cases in \"%s\"", dir);
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		json_t *c;

		kt_test_join(path, dir, names[i]);
		c = kt_test_load_json(path);
		fn(names[i], c, arg);
		json_decref(c);
		free(names[i]);
	}
}

/* The supplier of a case: the golden mapping with the case's "mapping"
 * members (null removes one; a null "mapping" leaves none), its
 * "endpoint", and the chain's poll settings (page_size 3) the poll engine
 * hands over. */
static json_t *supplier_of(const json_t *c)
{
	const json_t *over = json_object_get(c, "mapping");
	const json_t *ep = json_object_get(c, "endpoint");
	json_t *mapping = kt_test_load_json(DATA "mapping.json");
	json_t *s = json_pack("{s:s, s:s, s:{s:i, s:i}}", "key", "acme-topdesk", "endpoint",
			      ep ? json_string_value(ep) : ENDPOINT, "poll", "interval_ms", 60000,
			      "page_size", 3);
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)over, key, v) {
		if (json_is_null(v))
			json_object_del(mapping, key);
		else
			json_object_set(mapping, key, v);
	}
	if (!over || !json_is_null(over))
		json_object_set(s, "mapping", mapping);
	json_decref(mapping);
	return s;
}

/* The golden leg view with the case's "view" members and "leg" members. */
static json_t *view_of(const json_t *c)
{
	json_t *view = kt_test_load_json(DATA "leg_view.json");

	json_object_update(view, json_object_get(c, "view"));
	json_object_update(json_object_get(view, "leg"), json_object_get(c, "leg"));
	return view;
}

static int int_or(const json_t *c, const char *key, int dflt)
{
	const json_t *v = json_object_get(c, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/* Everything a case's message borrows. */
struct msg_case {
	json_t *view, *supplier;
	struct kt_adapter_msg msg;
};

static void msg_case_init(struct msg_case *m, const json_t *c)
{
	const char *op = json_string_value(json_object_get(c, "op"));
	const char *id = json_string_value(json_object_get(c, "message_id"));
	enum kt_operation o = KT_OP__COUNT;

	if (op && kt_operation_parse(op, &o) != 0)
		o = KT_OP__COUNT;
	m->view = view_of(c);
	m->supplier = supplier_of(c);
	m->msg = (struct kt_adapter_msg){
		.op = o, .message_id = id ? id : "msg-1", .seq = 1,
		.attempt = int_or(c, "attempt", 1), .step = int_or(c, "step", 0),
		.leg_view = m->view, .supplier = m->supplier,
		.payload = json_object_get(c, "payload"),
	};
}

static void msg_case_release(struct msg_case *m)
{
	json_decref(m->view);
	json_decref(m->supplier);
}

/* The request matches want {method, url, headers, body}: the body as
 * JSON (null: none). */
static void check_request(const char *name, const struct kt_http_request *req,
			  const json_t *want)
{
	const json_t *headers = json_object_get(want, "headers");
	const json_t *body = json_object_get(want, "body");

	if (strcmp(req->method, json_string_value(json_object_get(want, "method"))) != 0)
		fail_msg("%s: method %s", name, req->method);
	if (strcmp(req->url, json_string_value(json_object_get(want, "url"))) != 0)
		fail_msg("%s: url\n got %s\nwant %s", name, req->url,
			 json_string_value(json_object_get(want, "url")));
	if (req->n_headers != json_object_size(headers))
		fail_msg("%s: %zu headers", name, req->n_headers);
	for (size_t i = 0; i < req->n_headers; i++) {
		const char *v = json_string_value(json_object_get(headers, req->headers[i].name));

		if (!v || strcmp(v, req->headers[i].value) != 0)
			fail_msg("%s: header %s: %s", name, req->headers[i].name,
				 req->headers[i].value);
	}
	if (json_is_null(body)) {
		if (req->body || req->body_len)
			fail_msg("%s: a body %s", name, req->body);
		return;
	}
	{
		json_t *got = req->body ? json_loads(req->body, JSON_REJECT_DUPLICATES, NULL) : NULL;
		char *want_text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);

		assert_int_equal(req->body_len, req->body ? strlen(req->body) : 0);
		if (!got || !json_equal(got, body))
			fail_msg("%s: body\n got %s\nwant %s", name, req->body, want_text);
		/* compact with sorted keys: stable byte for byte */
		assert_string_equal(req->body, want_text);
		free(want_text);
		json_decref(got);
	}
}

static void request_case(const char *name, const json_t *c, void *arg)
{
	const json_t *want = json_object_get(c, "want");
	const char *error = json_string_value(json_object_get(want, "error"));
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	struct msg_case m;
	int rc;

	(void)arg;

	msg_case_init(&m, c);
	rc = topdesk()->build_request(&m.msg, &req, &err);
	if (error) {
		if (rc != KT_ERR || strcmp(err.code, error) != 0 || !err.message[0] ||
		    err.cls != KT_EC_INVALID)
			fail_msg("%s: rc %d, code \"%s\"", name, rc, err.code);
		assert_null(req.url);
		assert_int_equal(req.n_headers, 0);
	} else {
		if (rc != KT_OK)
			fail_msg("%s: %s", name, err.message);
		check_request(name, &req, want);
	}
	kt_http_request_release(&req);
	kt_err_release(&err);
	msg_case_release(&m);
}

static void test_requests(void **state)
{
	(void)state;
	each_case(DATA "requests", request_case, NULL);
}

/* The answer of a case: its "http" status and its "body" (as JSON) or
 * "raw" text. *text is the caller's to free. */
static struct kt_answer answer_of(const json_t *c, char **text)
{
	const json_t *raw = json_object_get(c, "raw");

	*text = raw ? strdup(json_string_value(raw))
		    : json_dumps(json_object_get(c, "body"), JSON_ENCODE_ANY | JSON_COMPACT);
	return (struct kt_answer){ .http_status = int_or(c, "http", 0), .body = *text,
				   .len = *text ? strlen(*text) : 0 };
}

static void check_string(const char *name, const char *field, const char *got,
			 const json_t *want)
{
	const char *w = json_string_value(want);

	if (w ? !got || strcmp(got, w) != 0 : got != NULL)
		fail_msg("%s: %s \"%s\", want \"%s\"", name, field, got ? got : "(null)",
			 w ? w : "(null)");
}

static void reply_case(const char *name, const json_t *c, void *arg)
{
	const json_t *want = json_object_get(c, "want");
	const char *error = json_string_value(json_object_get(want, "error"));
	struct kt_adapter_reply reply = { 0 };
	struct kt_err err = { 0 };
	struct msg_case m;
	int found = -1, rc;
	char *text;
	struct kt_answer a = answer_of(c, &text);

	(void)arg;

	msg_case_init(&m, c);
	if (json_is_true(json_object_get(c, "lookup")))
		rc = topdesk()->read_lookup(&m.msg, &a, &found, &reply, &err);
	else
		rc = topdesk()->read_reply(&m.msg, &a, &reply, &err);
	if (error) {
		if (rc != KT_ERR || strcmp(err.code, error) != 0 || err.cls != KT_EC_SUPPLIER)
			fail_msg("%s: rc %d, code \"%s\"", name, rc, err.code);
	} else {
		if (rc != KT_OK)
			fail_msg("%s: %s", name, err.message);
		if (json_object_get(want, "found") &&
		    found != json_is_true(json_object_get(want, "found")))
			fail_msg("%s: found %d", name, found);
		check_string(name, "external_id", reply.external_id,
			     json_object_get(want, "external_id"));
		check_string(name, "status",
			     reply.has_status ? kt_status_name(reply.status) : NULL,
			     json_object_get(want, "status"));
		if (reply.next_step != int_or(want, "next_step", 0))
			fail_msg("%s: next_step %d", name, reply.next_step);
	}
	kt_adapter_reply_release(&reply);
	kt_err_release(&err);
	msg_case_release(&m);
	free(text);
}

static void test_replies(void **state)
{
	(void)state;
	each_case(DATA "replies", reply_case, NULL);
}

static void check_updates(const char *name, const struct kt_inbound_list *list,
			  const json_t *want)
{
	if (list->n != json_array_size(want))
		fail_msg("%s: %zu updates, want %zu", name, list->n, json_array_size(want));
	for (size_t i = 0; i < list->n; i++) {
		const struct kt_inbound_update *u = &list->items[i];
		const json_t *w = json_array_get(want, i);

		check_string(name, "leg_id", u->leg_id, json_object_get(w, "leg_id"));
		check_string(name, "external_id", u->external_id, json_object_get(w, "external_id"));
		check_string(name, "delivery_id", u->delivery_id, json_object_get(w, "delivery_id"));
		check_string(name, "status", u->has_status ? kt_status_name(u->status) : NULL,
			     json_object_get(w, "status"));
		check_string(name, "comment", u->comment, json_object_get(w, "comment"));
		check_string(name, "comment_origin", u->comment_origin,
			     json_object_get(w, "comment_origin"));
		check_string(name, "occurred_at", u->occurred_at, json_object_get(w, "occurred_at"));
		if (u->comment_public != json_is_true(json_object_get(w, "comment_public")))
			fail_msg("%s: update %zu comment_public %d", name, i, u->comment_public);
		if (u->comment_unordered != json_is_true(json_object_get(w, "comment_unordered")))
			fail_msg("%s: update %zu comment_unordered %d", name, i,
				 u->comment_unordered);
		if (u->reject)
			fail_msg("%s: update %zu rejects", name, i);
	}
}

/* One push case (*arg 1) or poll page case (*arg 0: its "page" token,
 * NULL for the first, and the pass's "since" the engine hands over). */
static void inbound_case(const char *name, const json_t *c, void *arg)
{
	const int push = *(const int *)arg;
	json_t *supplier = supplier_of(c);
	const json_t *want = json_object_get(c, "want");
	const char *error = json_string_value(json_object_get(want, "error"));
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	char *text;
	struct kt_answer a = answer_of(c, &text);
	const char *page = json_string_value(json_object_get(c, "page"));
	int rc;

	if (json_object_get(c, "since"))
		json_object_set(supplier, "poll_since", json_object_get(c, "since"));
	rc = push ? topdesk()->read_inbound(supplier, &a, &list, &err)
		  : topdesk()->read_poll(supplier, "incidents", page, &a, &list, &err);

	if (error) {
		if (rc != KT_ERR || strcmp(err.code, error) != 0)
			fail_msg("%s: rc %d, code \"%s\"", name, rc, err.code);
		if (push)
			kt_test_check_paths(name, &err, json_object_get(want, "paths"));
		assert_int_equal(list.n, 0);
		assert_null(list.next_page);
	} else {
		if (rc != KT_OK)
			fail_msg("%s: %s", name, err.message);
		check_updates(name, &list, json_object_get(want, "updates"));
		if (!push) {
			check_string(name, "next_page", list.next_page,
				     json_object_get(want, "next_page"));
			check_string(name, "high_water", list.high_water,
				     json_object_get(want, "high_water"));
		}
	}
	kt_inbound_list_release(&list);
	kt_err_release(&err);
	json_decref(supplier);
	free(text);
}

static void run_inbound(const char *dir, int push)
{
	each_case(dir, inbound_case, &push);
}

static void test_push(void **state)
{
	(void)state;
	run_inbound(DATA "push", 1);
}

static void test_poll_pages(void **state)
{
	(void)state;
	run_inbound(DATA "poll", 0);
}

static void mapping_case(const char *name, const json_t *c, void *arg)
{
	const json_t *paths = json_object_get(c, "paths");
	const json_t *mapping = json_object_get(c, "mapping");
	struct kt_err err = { 0 };
	int rc = topdesk()->check_mapping(json_is_null(mapping) ? NULL : mapping, &err);

	(void)arg;

	if (json_array_size(paths) == 0) {
		if (rc != KT_OK)
			fail_msg("%s: %s", name, err.message);
	} else {
		if (rc != KT_ERR || err.cls != KT_EC_INVALID ||
		    strcmp(err.code, "invalid_mapping") != 0)
			fail_msg("%s: rc %d, code \"%s\"", name, rc, err.code);
		kt_test_check_paths(name, &err, paths);
	}
	kt_err_release(&err);
}

static void test_mapping(void **state)
{
	(void)state;
	each_case(DATA "mapping", mapping_case, NULL);
}

/* One entry per process: a type without an entry is refused at routing. */
static void test_accepts_type(void **state)
{
	json_t *mapping = kt_test_load_json(DATA "mapping.json");

	(void)state;
	assert_non_null(topdesk()->accepts_type);
	assert_int_equal(topdesk()->accepts_type(mapping, KT_TYPE_INCIDENT), 1);
	assert_int_equal(topdesk()->accepts_type(mapping, KT_TYPE_REQUEST), 1);
	assert_int_equal(topdesk()->accepts_type(mapping, KT_TYPE_CHANGE), 1);
	assert_int_equal(topdesk()->accepts_type(mapping, KT_TYPE_PROBLEM), 0);
	json_object_del(json_object_get(mapping, "entries"), "change");
	assert_int_equal(topdesk()->accepts_type(mapping, KT_TYPE_CHANGE), 0);
	assert_int_equal(topdesk()->accepts_type(NULL, KT_TYPE_INCIDENT), 0);
	json_decref(mapping);
}

static void test_lookup_request(void **state)
{
	json_t *c = json_pack("{s:s}", "op", "create");
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	struct msg_case m;

	(void)state;
	msg_case_init(&m, c);
	assert_int_equal(topdesk()->build_lookup(&m.msg, &req, &err), KT_OK);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, "https://acme.topdesk.example/tas/api/incidents?query="
				     "externalNumber%3D%3D0b9f6d2a-7c41-4e88-9a55-1d2e3f405162"
				     "&all=true");
	assert_null(req.body);
	assert_int_equal(req.n_headers, 1);
	assert_string_equal(req.headers[0].name, "accept");
	kt_http_request_release(&req);
	/* a leg id that is no uuid is never put into a FIQL query */
	json_object_set_new(json_object_get(m.view, "leg"), "id", json_string("a;b==c"));
	assert_int_equal(topdesk()->build_lookup(&m.msg, &req, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	assert_null(req.url);
	msg_case_release(&m);
	json_decref(c);
}

static void test_poll_requests(void **state)
{
	static const struct {
		const char *feed, *since, *page, *url; /* url NULL: refused */
	} cases[] = {
		{ "incidents", "2026-11-25T19:00:00Z", NULL,
		  "incidents?query=modificationDate%3Dgt%3D2026-11-25T19%3A00%3A00.000Z"
		  "&sort=modificationDate:asc&all=true&pageSize=3&fields=id%2Cnumber%2C"
		  "externalNumber%2CmodificationDate%2CprocessingStatus%2Ccompleted%2Cclosed" },
		{ "incidents", "2026-11-25T19:00:00Z", "2026-11-25T19:40:00.000Z|ge",
		  "incidents?query=modificationDate%3Dge%3D2026-11-25T19%3A40%3A00.000Z"
		  "&sort=modificationDate:asc&all=true&pageSize=3&fields=id%2Cnumber%2C"
		  "externalNumber%2CmodificationDate%2CprocessingStatus%2Ccompleted%2Cclosed" },
		{ "incidents", NULL, "2026-11-25T19:40:00.000Z|all",
		  "incidents?query=modificationDate%3Dge%3D2026-11-25T19%3A40%3A00.000Z"
		  "&sort=modificationDate:asc&all=true&pageSize=10000&fields=id%2Cnumber%2C"
		  "externalNumber%2CmodificationDate%2CprocessingStatus%2Ccompleted%2Cclosed"
		  "%2CcreationDate" },
		{ "incidents", "2026-11-25T21:00:00+02:00", NULL,
		  "incidents?query=modificationDate%3Dgt%3D2026-11-25T19%3A00%3A00.000Z"
		  "&sort=modificationDate:asc&all=true&pageSize=3&fields=id%2Cnumber%2C"
		  "externalNumber%2CmodificationDate%2CprocessingStatus%2Ccompleted%2Cclosed" },
		{ "actions", "2026-11-25T19:00:00Z", NULL, NULL },
		{ NULL, "2026-11-25T19:00:00Z", NULL, NULL },
		{ "incidents", "yesterday", NULL, NULL },
		{ "incidents", NULL, NULL, NULL },
		{ "incidents", NULL, "2026-11-25T19:40:00.000Z", NULL },
		{ "incidents", NULL, "2026-11-25T19:40:00.000Z|gt", NULL },
		{ "incidents", NULL, "2026-11-25T19:40:00.000Z;id==1|ge", NULL },
		/* the second phase: the actions of the token's first incident */
		{ "incidents", "2026-11-25T19:00:00Z",
		  "a:0:inc-1,0b9f6d2a-7c41-4e88-9a55-1d2e3f405161;"
		  "inc-2,0b9f6d2a-7c41-4e88-9a55-1d2e3f405162#2026-11-25T19:40:00.000Z|ge",
		  "incidents/id/inc-1/actions?start=0&page_size=100" },
		{ "incidents", "2026-11-25T19:00:00Z",
		  "a:100:inc-2,0b9f6d2a-7c41-4e88-9a55-1d2e3f405162#",
		  "incidents/id/inc-2/actions?start=100&page_size=100" },
		{ "incidents", NULL, "a:", NULL },
		{ "incidents", NULL, "a:0:inc-1,0b9f6d2a-7c41-4e88-9a55-1d2e3f405161", NULL },
		{ "incidents", NULL, "a:-1:inc-1,0b9f6d2a-7c41-4e88-9a55-1d2e3f405161#", NULL },
		{ "incidents", NULL, "a:0:inc/1,0b9f6d2a-7c41-4e88-9a55-1d2e3f405161#", NULL },
		{ "incidents", NULL, "a:0:inc-1,0b9f6d2a-7c41-4e88-9a55-1d2e3f40516#", NULL },
		{ "incidents", NULL, "a:0:inc-1,0b9f6d2a-7c41-4e88-9a55-1d2e3f4051612#", NULL },
		{ "incidents", NULL, "a:0:,0b9f6d2a-7c41-4e88-9a55-1d2e3f405161#", NULL },
	};
	json_t *c = json_object();
	json_t *supplier = supplier_of(c);

	(void)state;
	for (size_t i = 0; i <= N_ELEMS(cases); i++) {
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };
		char url[600];
		int rc;

		if (i == N_ELEMS(cases)) {
			/* without the chain's poll settings: 100 a page */
			json_object_del(supplier, "poll");
			assert_int_equal(topdesk()->build_poll(supplier, "incidents",
							       "2026-11-25T19:00:00Z", NULL, &req, &err),
					 KT_OK);
			assert_non_null(strstr(req.url, "&pageSize=100&"));
			kt_http_request_release(&req);
			break;
		}
		rc = topdesk()->build_poll(supplier, cases[i].feed, cases[i].since, cases[i].page,
					   &req, &err);

		if (!cases[i].url) {
			if (rc != KT_ERR || strcmp(err.code, "adapter_build") != 0)
				fail_msg("case %zu: rc %d", i, rc);
			assert_null(req.url);
			continue;
		}
		snprintf(url, sizeof(url), ENDPOINT "tas/api/%s", cases[i].url);
		if (rc != KT_OK)
			fail_msg("case %zu: %s", i, err.message);
		assert_string_equal(req.method, "GET");
		assert_string_equal(req.url, url);
		assert_null(req.body);
		kt_http_request_release(&req);
	}
	json_decref(supplier);
	json_decref(c);
}

/* A comment or a description Keten cannot put into one request is
 * refused, not cut: the texts hold 256 KiB after escaping. */
static void test_too_long(void **state)
{
	static const size_t n = 100 * 1024;
	char *text = malloc(n + 1);
	json_t *c;

	(void)state;
	assert_non_null(text);
	memset(text, '<', n); /* 4 bytes each once escaped */
	text[n] = '\0';
	c = json_pack("{s:s, s:{s:s, s:s}, s:{s:{s:s, s:s, s:s}}}", "op", "comment", "leg",
		      "external_id", "inc-1", "status", "in_progress", "payload", "comment", "text",
		      text, "author", "customer", "origin", "keten:event:1");
	for (int round = 0; round < 2; round++) {
		struct kt_http_request req = { 0 };
		struct kt_err err = { 0 };
		struct msg_case m;

		if (round == 1) {
			json_object_set_new(c, "op", json_string("create"));
			json_object_set_new(c, "view", json_pack("{s:s}", "description", text));
		}
		msg_case_init(&m, c);
		assert_int_equal(topdesk()->build_request(&m.msg, &req, &err), KT_ERR);
		assert_string_equal(err.code, "adapter_build");
		assert_int_equal(err.cls, KT_EC_INVALID);
		assert_null(req.url);
		msg_case_release(&m);
	}
	json_decref(c);
	free(text);
}

/* An action longer than Keten keeps a comment (64 KiB) is cut on a
 * character boundary, never dropped. */
static void test_long_action(void **state)
{
	static const size_t n = 40000; /* "é" x n: 80,000 bytes */
	char *memo = malloc(2 * n + 1);
	json_t *c = json_object(), *supplier = supplier_of(c), *body;
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	struct kt_answer a = { 0 };
	char *text;

	(void)state;
	assert_non_null(memo);
	for (size_t i = 0; i < n; i++)
		memcpy(memo + 2 * i, "\xc3\xa9", 2);
	memo[2 * n] = '\0';
	body = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "id", "inc-1", "externalNumber",
			 "0b9f6d2a-7c41-4e88-9a55-1d2e3f405162", "modificationDate",
			 "2026-11-25T19:40:00Z", "action", "id", "a-1", "memoText", memo);
	text = json_dumps(body, JSON_COMPACT);
	a.body = text;
	a.len = strlen(text);
	assert_int_equal(topdesk()->read_inbound(supplier, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 1);
	assert_int_equal(strlen(list.items[0].comment), 64 * 1024);
	assert_memory_equal(list.items[0].comment, memo, 64 * 1024);
	kt_inbound_list_release(&list);
	free(text);
	json_decref(body);
	json_decref(supplier);
	json_decref(c);
	free(memo);
}

/* keten supplier check: the version, then the lookup's and the poll's
 * FIQL queries, each asked once; then no more checks. */
static void test_live_checks(void **state)
{
	static const char *const urls[] = {
		ENDPOINT "tas/api/version",
		ENDPOINT "tas/api/incidents?query=externalNumber%3D%3D"
			 "00000000-0000-4000-8000-000000000000&all=true",
		ENDPOINT "tas/api/incidents?query=modificationDate%3Dgt%3D2999-01-01T00%3A00%3A00.000Z"
			 "&sort=modificationDate:asc&all=true&pageSize=3&fields=id%2Cnumber%2C"
			 "externalNumber%2CmodificationDate%2CprocessingStatus%2Ccompleted%2Cclosed",
	};
	static const struct {
		int i;
		long http;
		const char *body;
		int ok;
	} answers[] = {
		{ 0, 200, "{\"version\": \"3.5.0\"}", 1 },
		{ 0, 200, "{\"version\": \"3.3\"}", 1 },
		{ 0, 200, "{\"version\": \"10.0.1\"}", 1 },
		{ 0, 200, "{\"version\": \"3.2.9\"}", 0 },
		{ 0, 200, "{\"version\": \"2.9.0\"}", 0 },
		{ 0, 200, "{}", 0 },
		{ 0, 401, "[{\"message\": \"no\"}]", 0 },
		{ 1, 204, "", 1 },
		{ 1, 200, "[]", 1 },
		{ 1, 400, "[{\"message\": \"unknown field\"}]", 0 },
		{ 1, 403, "", 0 },
		{ 2, 204, "", 1 },
		{ 2, 200, "{\"id\": 1}", 0 },
	};
	json_t *c = json_object(), *supplier = supplier_of(c);
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(topdesk()->build_check(supplier, i, &req, &err), KT_OK);
		assert_string_equal(req.method, "GET");
		assert_string_equal(req.url, urls[i]);
		assert_null(req.body);
		kt_http_request_release(&req);
	}
	assert_int_equal(topdesk()->build_check(supplier, 3, &req, &err), KT_OK);
	assert_null(req.url);
	for (size_t i = 0; i < N_ELEMS(answers); i++) {
		struct kt_answer a = { .http_status = answers[i].http, .body = answers[i].body,
				       .len = strlen(answers[i].body) };
		int rc = topdesk()->read_check(supplier, answers[i].i, &a, &err);

		if (answers[i].ok ? rc != KT_OK
				  : rc != KT_ERR || strcmp(err.code, "mapping_unknown_value") != 0 ||
					    json_array_size(err.details) != 1)
			fail_msg("answer %zu: rc %d, code \"%s\"", i, rc, err.code);
		kt_err_release(&err);
	}
	json_decref(supplier);
	json_decref(c);
}

/* Incidents a listing page asks for (adapters/topdesk_list.h). */
#define LIST_PAGE 100
#define LEG_A "0b9f6d2a-7c41-4e88-9a55-1d2e3f405162"

/* `keten reconcile`'s listing: the incidents of every line with an
 * externalNumber, LIST_PAGE a page by pageStart; only a uuid is ours. */
static void test_listing(void **state)
{
	json_t *s = supplier_of(NULL);
	struct kt_http_request req = { 0 };
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	struct kt_answer a = { .http_status = 200 };
	json_t *full;
	char *text;

	(void)state;
	assert_int_equal(topdesk()->build_list(s, NULL, &req, &err), KT_OK);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.url, ENDPOINT "tas/api/incidents?query=externalNumber%21%3Dnull"
				     "&all=true&sort=creationDate:asc&pageStart=0&pageSize=100"
				     "&fields=id%2CexternalNumber");
	kt_http_request_release(&req);
	assert_int_equal(topdesk()->build_list(s, "200", &req, &err), KT_OK);
	assert_non_null(strstr(req.url, "&pageStart=200&pageSize=100&"));
	kt_http_request_release(&req);
	assert_int_equal(topdesk()->build_list(s, "2x", &req, &err), KT_ERR);
	assert_string_equal(err.code, "adapter_build");
	kt_err_release(&err);
	assert_int_equal(topdesk()->build_list(s, "-1", &req, &err), KT_ERR);
	kt_err_release(&err);

	/* a short page: ours listed, another integration's left out, the end */
	a.body = "[{\"id\": \"i-1\", \"externalNumber\": \"" LEG_A "\"},"
		 " {\"id\": \"i-2\", \"externalNumber\": \"OTHER-7\"}]";
	a.len = strlen(a.body);
	assert_int_equal(topdesk()->read_list(s, NULL, &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 1);
	kt_test_list_item(&list, 0, "i-1", LEG_A);
	assert_null(list.next_page);
	kt_inbound_list_release(&list);
	/* 206: more to come, after the incidents this page had */
	a.http_status = 206;
	assert_int_equal(topdesk()->read_list(s, "100", &a, &list, &err), KT_OK);
	assert_string_equal(list.next_page, "102");
	kt_inbound_list_release(&list);
	/* 204: none */
	a.http_status = 204;
	a.body = NULL;
	a.len = 0;
	assert_int_equal(topdesk()->read_list(s, "0", &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 0);
	assert_null(list.next_page);
	kt_inbound_list_release(&list);

	/* a full page (200) of another integration's: none listed, the next page */
	full = json_array();
	for (int i = 0; i < LIST_PAGE; i++)
		json_array_append_new(full, json_pack("{s:s, s:s}", "id", "i", "externalNumber", "X"));
	text = json_dumps(full, JSON_COMPACT);
	a.http_status = 200;
	a.body = text;
	a.len = strlen(text);
	assert_int_equal(topdesk()->read_list(s, "300", &a, &list, &err), KT_OK);
	assert_int_equal(list.n, 0);
	assert_string_equal(list.next_page, "400");
	kt_inbound_list_release(&list);
	free(text);
	json_decref(full);

	/* what is no listing */
	kt_test_list_refused(topdesk(), s, 200, "{\"id\": \"i-1\"}", "no JSON list");
	kt_test_list_refused(topdesk(), s, 200, "[{\"id\": \"i-1\", \"externalNumber\": \"" LEG_A "\"},"
			     " {\"externalNumber\": \"" LEG_A "\"}]", "incident 1 of the listing has no id");
	kt_test_list_refused(topdesk(), s, 401, "[{\"message\": \"no\"}]", "HTTP 401");
	json_decref(s);
}

static void test_read_error(void **state)
{
	static const struct {
		const char *body, *want; /* want NULL: none found */
	} cases[] = {
		{ "[{\"message\": \"The field briefDescription is too long\"}, {\"message\": \"b\"}]",
		  "The field briefDescription is too long" },
		{ "{\"message\": \"Caller is required\"}", "Caller is required" },
		{ "[]", NULL },
		{ "[{\"code\": 1}]", NULL },
		{ "[{\"message\": \"\"}]", NULL },
		{ "<html>Bad Request</html>", NULL },
		{ "", NULL },
		/* cut to the buffer on a character boundary: 9 bytes + NUL */
		{ "[{\"message\": \"caf\u00e9 caf\u00e9 caf\u00e9\"}]", "caf\u00e9 caf" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_answer a = { .http_status = 400, .body = cases[i].body,
				       .len = strlen(cases[i].body) };
		char buf[200] = "untouched";
		size_t size = i == N_ELEMS(cases) - 1 ? 10 : sizeof(buf);
		int found = topdesk()->read_error(&a, buf, size);

		if (cases[i].want ? !found || strcmp(buf, cases[i].want) != 0 : found != 0)
			fail_msg("case %zu: found %d, \"%s\"", i, found, buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_poll_pages),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_accepts_type),
		cmocka_unit_test(test_lookup_request),
		cmocka_unit_test(test_poll_requests),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_long_action),
		cmocka_unit_test(test_live_checks),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
