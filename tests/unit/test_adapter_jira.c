/* test_adapter_jira.c - unit tests of the `jira` adapter (adapters/jira*.c)
 * against adapters/jira.md, driven by the golden cases of
 * tests/unit/data/jira/cases/: each case names its "kind" (request,
 * reply, lookup, push, poll, poll_request, list, list_request, mapping,
 * error, check_request, check) and says what
 * the adapter must give: the exact request, a refusal, what an answer
 * says, the canonical updates. The expected values were written by hand
 * from the facts of Jira's API, not by running the adapter. */
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

#define DATA "tests/unit/data/jira/"
#define ENDPOINT "https://acme.atlassian.example"

static const struct kt_adapter *jira(void)
{
	return kt_test_adapter("jira");
}

/* The members of over laid on base (null removes one); a new reference. */
static json_t *overlay(const char *file, const json_t *over)
{
	json_t *base = kt_test_load_json(file);
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)over, key, v) {
		if (json_is_null(v))
			json_object_del(base, key);
		else
			json_object_set(base, key, v);
	}
	return base;
}

/* {"key", "endpoint", "mapping", "poll"} of a case: the golden mapping
 * with the case's "mapping" members; "mapping": null leaves none. */
static json_t *supplier_of(const json_t *c)
{
	const json_t *over = json_object_get(c, "mapping");
	json_t *s = json_pack("{s:s, s:s, s:{s:i}}", "key", "acme-jira", "endpoint",
			      json_string_value(json_object_get(c, "endpoint"))
				      ? json_string_value(json_object_get(c, "endpoint"))
				      : ENDPOINT,
			      "poll", "page_size", 2);

	if (!json_is_null(over))
		json_object_set_new(s, "mapping", overlay(DATA "mapping.json", over));
	return s;
}

static int int_of(const json_t *c, const char *key, int dflt)
{
	const json_t *v = json_object_get(c, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/* What one case's message borrows. */
struct jcase {
	json_t *view, *supplier;
	char *text;
	struct kt_adapter_msg msg;
	struct kt_answer answer;
};

static void jcase_init(struct jcase *j, const json_t *c)
{
	const char *op = json_string_value(json_object_get(c, "op"));
	const json_t *raw = json_object_get(c, "raw");
	enum kt_operation o = KT_OP__COUNT;

	if (op && kt_operation_parse(op, &o) != 0)
		o = KT_OP__COUNT;
	j->view = overlay(DATA "leg_view.json", json_object_get(c, "view"));
	json_object_update(json_object_get(j->view, "leg"), json_object_get(c, "leg"));
	j->supplier = supplier_of(c);
	j->text = raw ? strdup(json_string_value(raw))
		      : json_dumps(json_object_get(c, "body"), JSON_ENCODE_ANY | JSON_COMPACT);
	j->msg = (struct kt_adapter_msg){
		.op = o, .message_id = "msg-1", .seq = 1, .attempt = int_of(c, "attempt", 1),
		.step = int_of(c, "step", 0), .state = json_object_get(c, "state"),
		.leg_view = j->view, .supplier = j->supplier,
		.payload = json_object_get(c, "payload"),
	};
	j->answer = (struct kt_answer){ .http_status = int_of(c, "http", 200), .body = j->text,
					.len = j->text ? strlen(j->text) : 0 };
}

static void jcase_release(struct jcase *j)
{
	json_decref(j->view);
	json_decref(j->supplier);
	free(j->text);
}

static void same_string(const char *name, const char *what, const char *got, const json_t *want)
{
	const char *w = json_string_value(want);

	if (w ? !got || strcmp(got, w) != 0 : got != NULL)
		fail_msg("%s: %s \"%s\", want \"%s\"", name, what, got ? got : "(null)",
			 w ? w : "(null)");
}

/* An error of the class and code the case wants. */
static void want_error(const char *name, int rc, const struct kt_err *err, const json_t *want,
		       enum kt_err_class cls)
{
	if (rc != KT_ERR || strcmp(err->code, json_string_value(json_object_get(want, "error"))) != 0 ||
	    err->cls != cls || !err->message[0])
		fail_msg("%s: rc %d, class %d, code \"%s\"", name, rc, err->cls, err->code);
	if (json_object_get(want, "message_has") &&
	    !strstr(err->message, json_string_value(json_object_get(want, "message_has"))))
		fail_msg("%s: message \"%s\"", name, err->message);
}

/* req is want {method, url, headers, body} byte for byte (body: compact,
 * sorted keys; null: none). */
static void same_request(const char *name, const struct kt_http_request *req, const json_t *want)
{
	const json_t *headers = json_object_get(want, "headers");
	const json_t *body = json_object_get(want, "body");
	char *text = json_is_null(body) ? NULL : json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);

	same_string(name, "method", req->method, json_object_get(want, "method"));
	same_string(name, "url", req->url, json_object_get(want, "url"));
	if (req->n_headers != json_object_size(headers))
		fail_msg("%s: %zu headers", name, req->n_headers);
	for (size_t i = 0; i < req->n_headers; i++)
		same_string(name, req->headers[i].name, req->headers[i].value,
			    json_object_get(headers, req->headers[i].name));
	if (text ? !req->body || strcmp(req->body, text) != 0 : req->body != NULL)
		fail_msg("%s: body\n got %s\nwant %s", name, req->body ? req->body : "(none)",
			 text ? text : "(none)");
	assert_int_equal(req->body_len, req->body ? strlen(req->body) : 0);
	free(text);
}

static void run_request(const char *name, const json_t *c, struct jcase *j)
{
	const json_t *want = json_object_get(c, "want");
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	int lookup = strcmp(json_string_value(json_object_get(c, "kind")), "lookup_request") == 0;
	int rc = lookup ? jira()->build_lookup(&j->msg, &req, &err)
			: jira()->build_request(&j->msg, &req, &err);

	if (json_object_get(want, "error")) {
		want_error(name, rc, &err, want, KT_EC_INVALID);
		assert_null(req.url);
	} else if (rc != KT_OK) {
		fail_msg("%s: %s", name, err.message);
	} else {
		same_request(name, &req, want);
	}
	kt_http_request_release(&req);
	kt_err_release(&err);
}

/* A reply or a lookup's answer: external id, status, next step, state. */
static void run_reply(const char *name, const json_t *c, struct jcase *j, int lookup)
{
	const json_t *want = json_object_get(c, "want");
	struct kt_adapter_reply reply = { 0 };
	struct kt_err err = { 0 };
	int found = -1;
	int rc = lookup ? jira()->read_lookup(&j->msg, &j->answer, &found, &reply, &err)
			: jira()->read_reply(&j->msg, &j->answer, &reply, &err);

	if (json_object_get(want, "error")) {
		want_error(name, rc, &err, want, KT_EC_SUPPLIER);
	} else {
		if (rc != KT_OK)
			fail_msg("%s: %s", name, err.message);
		if (lookup && found != json_is_true(json_object_get(want, "found")))
			fail_msg("%s: found %d", name, found);
		same_string(name, "external_id", reply.external_id,
			    json_object_get(want, "external_id"));
		same_string(name, "status", reply.has_status ? kt_status_name(reply.status) : NULL,
			    json_object_get(want, "status"));
		if (reply.next_step != int_of(want, "next_step", 0))
			fail_msg("%s: next_step %d", name, reply.next_step);
		if (!json_equal(reply.state, json_object_get(want, "state")) &&
		    (reply.state || json_object_get(want, "state")))
			fail_msg("%s: state %s", name, json_dumps(reply.state, JSON_COMPACT));
	}
	kt_adapter_reply_release(&reply);
	kt_err_release(&err);
}

static void same_updates(const char *name, const struct kt_inbound_list *list, const json_t *want)
{
	static const char *const keys[] = { "leg_id", "external_id", "delivery_id", "comment",
					    "comment_origin", "occurred_at" };

	if (list->n != json_array_size(want))
		fail_msg("%s: %zu updates, want %zu", name, list->n, json_array_size(want));
	for (size_t i = 0; i < list->n; i++) {
		const struct kt_inbound_update *u = &list->items[i];
		const json_t *w = json_array_get(want, i);
		const char *got[] = { u->leg_id, u->external_id, u->delivery_id, u->comment,
				      u->comment_origin, u->occurred_at };

		for (size_t k = 0; k < N_ELEMS(keys); k++)
			same_string(name, keys[k], got[k], json_object_get(w, keys[k]));
		same_string(name, "status", u->has_status ? kt_status_name(u->status) : NULL,
			    json_object_get(w, "status"));
		if (u->comment && u->comment_public != json_is_true(json_object_get(w, "public")))
			fail_msg("%s: update %zu public %d", name, i, u->comment_public);
		if (u->comment && !u->comment_unordered)
			fail_msg("%s: update %zu: a comment is a journal entry", name, i);
	}
}

/* A push body, a poll page or a listing's page: the updates (a listing's
 * name only leg_id and external_id), and a page's next token and high
 * water. */
static void run_inbound(const char *name, const json_t *c, struct jcase *j, const char *kind)
{
	const json_t *want = json_object_get(c, "want");
	struct kt_inbound_list list = { 0 };
	struct kt_err err = { 0 };
	int push = strcmp(kind, "push") == 0;
	int rc = push ? jira()->read_inbound(j->supplier, &j->answer, &list, &err)
		 : strcmp(kind, "list") == 0
			 ? jira()->read_list(j->supplier, json_string_value(json_object_get(c, "page")),
					     &j->answer, &list, &err)
			 : jira()->read_poll(j->supplier, "issues", NULL, &j->answer, &list, &err);

	if (json_object_get(want, "error")) {
		want_error(name, rc, &err, want, push ? KT_EC_INVALID : KT_EC_SUPPLIER);
		if (push)
			kt_test_check_paths(name, &err, json_object_get(want, "paths"));
		assert_int_equal(list.n, 0);
	} else {
		if (rc != KT_OK)
			fail_msg("%s: %s", name, err.message);
		same_updates(name, &list, json_object_get(want, "updates"));
		same_string(name, "next_page", list.next_page, json_object_get(want, "next_page"));
		same_string(name, "high_water", list.high_water,
			    json_object_get(want, "high_water"));
	}
	kt_inbound_list_release(&list);
	kt_err_release(&err);
}

/* A poll's request (the case names "since") or a listing's. */
static void run_poll_request(const char *name, const json_t *c, struct jcase *j)
{
	const json_t *want = json_object_get(c, "want");
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	const char *page = json_string_value(json_object_get(c, "page"));
	int rc = json_object_get(c, "since")
			 ? jira()->build_poll(j->supplier,
					      json_string_value(json_object_get(c, "feed")),
					      json_string_value(json_object_get(c, "since")), page,
					      &req, &err)
			 : jira()->build_list(j->supplier, page, &req, &err);

	if (json_object_get(want, "error"))
		want_error(name, rc, &err, want, KT_EC_INVALID);
	else if (rc != KT_OK)
		fail_msg("%s: %s", name, err.message);
	else
		same_request(name, &req, want);
	kt_http_request_release(&req);
	kt_err_release(&err);
}

/* A live check's request (want "none": there is no check of that index)
 * or what its answer says (want {} or the problems' paths). */
static void run_check(const char *name, const json_t *c, struct jcase *j, int request)
{
	const json_t *want = json_object_get(c, "want");
	struct kt_http_request req = { 0 };
	struct kt_err err = { 0 };
	int i = int_of(c, "index", 0), rc;

	if (request) {
		rc = jira()->build_check(j->supplier, i, &req, &err);
		if (rc != KT_OK)
			fail_msg("%s: %s", name, err.message);
		if (json_is_true(json_object_get(want, "none")))
			assert_null(req.url);
		else
			same_request(name, &req, want);
	} else {
		rc = jira()->read_check(j->supplier, i, &j->answer, &err);
		if (json_object_get(want, "error")) {
			want_error(name, rc, &err, want, KT_EC_INVALID);
			kt_test_check_paths(name, &err, json_object_get(want, "paths"));
		} else if (rc != KT_OK) {
			fail_msg("%s: %s", name, err.message);
		}
	}
	kt_http_request_release(&req);
	kt_err_release(&err);
}

static void run_mapping(const char *name, const json_t *c)
{
	const json_t *paths = json_object_get(c, "paths");
	const json_t *mapping = json_object_get(c, "mapping_whole");
	struct kt_err err = { 0 };
	int rc = jira()->check_mapping(json_is_null(mapping) ? NULL : mapping, &err);

	if (json_array_size(paths) == 0) {
		if (rc != KT_OK)
			fail_msg("%s: %s", name, err.message);
	} else {
		if (rc != KT_ERR || err.cls != KT_EC_INVALID || strcmp(err.code, "invalid_mapping"))
			fail_msg("%s: rc %d, code \"%s\"", name, rc, err.code);
		kt_test_check_paths(name, &err, paths);
	}
	kt_err_release(&err);
}

static void run_error(const char *name, const json_t *c, struct jcase *j)
{
	char buf[120] = "untouched";
	int found = jira()->read_error(&j->answer, buf, (size_t)int_of(c, "size", sizeof(buf)));
	const char *want = json_string_value(json_object_get(c, "want"));

	if (want ? !found || strcmp(buf, want) != 0 : found != 0)
		fail_msg("%s: found %d, \"%s\"", name, found, buf);
}

static void run_case(const char *name, const json_t *c)
{
	const char *kind = json_string_value(json_object_get(c, "kind"));
	struct jcase j;

	if (!kind)
		fail_msg("%s: no kind", name);
	if (strcmp(kind, "mapping") == 0) {
		run_mapping(name, c);
		return;
	}
	jcase_init(&j, c);
	if (strcmp(kind, "request") == 0 || strcmp(kind, "lookup_request") == 0)
		run_request(name, c, &j);
	else if (strcmp(kind, "reply") == 0 || strcmp(kind, "lookup") == 0)
		run_reply(name, c, &j, strcmp(kind, "lookup") == 0);
	else if (strcmp(kind, "push") == 0 || strcmp(kind, "poll") == 0 ||
		 strcmp(kind, "list") == 0)
		run_inbound(name, c, &j, kind);
	else if (strcmp(kind, "poll_request") == 0 || strcmp(kind, "list_request") == 0)
		run_poll_request(name, c, &j);
	else if (strcmp(kind, "error") == 0)
		run_error(name, c, &j);
	else if (strcmp(kind, "check_request") == 0 || strcmp(kind, "check") == 0)
		run_check(name, c, &j, strcmp(kind, "check_request") == 0);
	else
		fail_msg("%s: unknown kind \"%s\"", name, kind);
	jcase_release(&j);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden_cases(void **state)
{
	char *names[512], path[KT_TEST_PATH_MAX];
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(DATA "cases");

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) && n < N_ELEMS(names))
		if (strstr(e->d_name, ".json"))
			names[n++] = strdup(e->d_name);
	closedir(d);
	assert_true(n > 0);
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		json_t *c;

		kt_test_join(path, DATA "cases/", names[i]);
		c = kt_test_load_json(path);
		run_case(names[i], c);
		json_decref(c);
		free(names[i]);
	}
}

/* One entry per process: a type without an entry is refused at routing. */
static void test_accepts_type(void **state)
{
	json_t *mapping = kt_test_load_json(DATA "mapping.json");

	(void)state;
	assert_int_equal(jira()->accepts_type(mapping, KT_TYPE_INCIDENT), 1);
	assert_int_equal(jira()->accepts_type(mapping, KT_TYPE_CHANGE), 1);
	assert_int_equal(jira()->accepts_type(mapping, KT_TYPE_PROBLEM), 0);
	assert_int_equal(jira()->accepts_type(NULL, KT_TYPE_INCIDENT), 0);
	json_decref(mapping);
}

/* The golden mapping is valid, and the adapter names its push scheme. */
static void test_mapping_and_push(void **state)
{
	json_t *mapping = kt_test_load_json(DATA "mapping.json");
	struct kt_err err = { 0 };

	(void)state;
	assert_int_equal(jira()->check_mapping(mapping, &err), KT_OK);
	assert_int_equal(jira()->push.scheme, KT_PUSH_HMAC_SHA256_HEX);
	assert_string_equal(jira()->push.header, "x-hub-signature");
	assert_string_equal(jira()->poll_feeds[0], "issues");
	assert_null(jira()->poll_feeds[1]);
	json_decref(mapping);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_cases),
		cmocka_unit_test(test_accepts_type),
		cmocka_unit_test(test_mapping_and_push),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
