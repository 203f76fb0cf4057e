/* test_classify.c - unit tests of dispatch/classify.c, table-driven: every
 * way a call ends (timeouts before and after sending, TLS, DNS, refused
 * connections, each class of HTTP status, an answer over the limit), each
 * lookup answer and broker-side error classes -> outcome class, code,
 * in-doubt flag and what the supplier's circuit hears. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "dispatch/classify.h"

#define F KT_REPORT_FAILED
#define OK KT_REPORT_OK
#define NONE KT_REPORT_NONE

/* One call and what it must come to, for a create (doubt_create) and for
 * any other operation (doubt is then always 0). */
struct call_case {
	const char *name;
	enum kt_transport_end end;
	long http;
	int sent;
	enum kt_outcome_kind kind;
	const char *code;
	int doubt_create;
	enum kt_breaker_report report;
};

static const struct call_case calls[] = {
	{ "200", KT_TX_DONE, 200, 1, KT_OUT_DELIVERED, "delivered", 0, OK },
	{ "201", KT_TX_DONE, 201, 1, KT_OUT_DELIVERED, "delivered", 0, OK },
	{ "204", KT_TX_DONE, 204, 1, KT_OUT_DELIVERED, "delivered", 0, OK },
	{ "301 not followed", KT_TX_DONE, 301, 1, KT_OUT_PERMANENT, "http_301", 0, OK },
	{ "302", KT_TX_DONE, 302, 1, KT_OUT_PERMANENT, "http_302", 0, OK },
	{ "400", KT_TX_DONE, 400, 1, KT_OUT_PERMANENT, "http_400", 0, OK },
	{ "401", KT_TX_DONE, 401, 1, KT_OUT_PERMANENT, "http_401", 0, OK },
	{ "404", KT_TX_DONE, 404, 1, KT_OUT_PERMANENT, "http_404", 0, OK },
	{ "409", KT_TX_DONE, 409, 1, KT_OUT_PERMANENT, "http_409", 0, OK },
	{ "422", KT_TX_DONE, 422, 1, KT_OUT_PERMANENT, "http_422", 0, OK },
	{ "408", KT_TX_DONE, 408, 1, KT_OUT_RETRYABLE, "http_408", 0, F },
	{ "429: the supplier is up", KT_TX_DONE, 429, 1, KT_OUT_RETRYABLE, "http_429", 0, OK },
	{ "500", KT_TX_DONE, 500, 1, KT_OUT_RETRYABLE, "http_500", 1, F },
	{ "502", KT_TX_DONE, 502, 1, KT_OUT_RETRYABLE, "http_502", 1, F },
	{ "503", KT_TX_DONE, 503, 1, KT_OUT_RETRYABLE, "http_503", 1, F },
	{ "504", KT_TX_DONE, 504, 1, KT_OUT_RETRYABLE, "http_504", 1, F },
	{ "timeout before sending", KT_TX_TIMEOUT, 0, 0, KT_OUT_NOT_SENT, "connect_timeout", 0, F },
	{ "timeout after sending", KT_TX_TIMEOUT, 0, 1, KT_OUT_AMBIGUOUS, "timeout_after_send", 1, F },
	{ "reset after sending", KT_TX_FAILED, 0, 1, KT_OUT_AMBIGUOUS, "failed_after_send", 1, F },
	{ "failed before sending", KT_TX_FAILED, 0, 0, KT_OUT_NOT_SENT, "not_sent", 0, F },
	{ "connection refused", KT_TX_CONNECT, 0, 0, KT_OUT_NOT_SENT, "connect_failed", 0, F },
	{ "no such host", KT_TX_DNS, 0, 0, KT_OUT_NOT_SENT, "dns_failed", 0, F },
	{ "TLS handshake", KT_TX_TLS, 0, 0, KT_OUT_NOT_SENT, "tls_error", 0, F },
	{ "TLS after pretransfer", KT_TX_TLS, 0, 1, KT_OUT_NOT_SENT, "tls_error", 0, F },
	{ "answer over the limit", KT_TX_TOO_LARGE, 200, 1, KT_OUT_AMBIGUOUS,
	  "response_too_large", 1, F },
};

static void test_calls(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(calls); i++) {
		const struct call_case *c = &calls[i];
		const struct kt_transport_facts f = {
			.end = c->end, .http_status = c->http, .sent = c->sent, .why = "because",
		};
		struct kt_outcome o;

		kt_classify_call(&f, &o);
		if (o.kind != c->kind || strcmp(o.code, c->code) != 0)
			fail_msg("%s: kind %d code %s, want %d %s", c->name, o.kind, o.code,
				 c->kind, c->code);
		assert_int_equal(kt_classify_in_doubt(&o, KT_OP_CREATE, 0), c->doubt_create);
		assert_int_equal(kt_classify_in_doubt(&o, KT_OP_UPDATE, 0), 0);
		assert_int_equal(kt_classify_in_doubt(&o, KT_OP_CANCEL, 0), 0);
		if (kt_classify_breaker(&o) != c->report)
			fail_msg("%s: breaker report %d, want %d", c->name,
				 kt_classify_breaker(&o), c->report);
		assert_false(kt_classify_lookup_not_found(&o, 0));
		assert_false(o.broker_fault);
		assert_int_equal(o.gave_up, 0);
	}
}

static void test_messages(void **state)
{
	const struct kt_transport_facts refused = { .end = KT_TX_CONNECT, .why = "refused" };
	const struct kt_transport_facts tls = { .end = KT_TX_TLS, .why = "bad certificate" };
	const struct kt_transport_facts silent = { .end = KT_TX_CONNECT };
	const struct kt_transport_facts answered = { .end = KT_TX_DONE, .http_status = 503 };
	struct kt_outcome o;

	(void)state;
	/* The transport's own words (a host, an address, an errno) are the
	 * detail, for the log; the outcome says what happened in fixed words. */
	kt_classify_call(&refused, &o);
	assert_string_equal(o.message, "could not connect to the supplier");
	assert_string_equal(o.detail, "refused");
	assert_int_equal(o.http_status, 0);
	kt_classify_call(&tls, &o);
	assert_non_null(strstr(o.message, "TLS failed"));
	assert_null(strstr(o.message, "bad certificate"));
	assert_string_equal(o.detail, "bad certificate");
	kt_classify_call(&silent, &o);
	assert_true(o.message[0] != '\0');
	kt_classify_call(&answered, &o);
	assert_string_equal(o.message, "supplier answered 503");
	assert_int_equal(o.http_status, 503);
}

/* An address the supplier's allow list refuses: a dead letter of the
 * broker's own (the supplier's circuit hears nothing), nothing sent, the
 * address only in the detail. */
static void test_refused_address(void **state)
{
	const struct kt_transport_facts f = {
		.end = KT_TX_REFUSED, .why = "address 10.1.2.3 (private) is not allowed"
	};
	struct kt_outcome o;

	(void)state;
	kt_classify_call(&f, &o);
	assert_int_equal(o.kind, KT_OUT_PERMANENT);
	assert_string_equal(o.code, "address_not_allowed");
	assert_true(o.broker_fault);
	assert_int_equal(kt_classify_breaker(&o), KT_REPORT_NONE);
	assert_int_equal(kt_classify_in_doubt(&o, KT_OP_CREATE, 0), 0);
	assert_null(strstr(o.message, "10.1.2.3"));
	assert_non_null(strstr(o.detail, "10.1.2.3"));
}

/* A secret's failure shows a generic sentence; its words (a path, an
 * errno) stay in the detail. A failure of the message itself is shown. */
static void test_broker_messages(void **state)
{
	struct kt_err err = { 0 };
	struct kt_outcome o;

	(void)state;
	kt_err_set(&err, KT_EC_CONFIG, "secret_unavailable",
		   "could not read secret \"file:/etc/shadow\": Permission denied");
	kt_classify_broker(&err, &o);
	assert_null(strstr(o.message, "/etc/shadow"));
	assert_null(strstr(o.message, "Permission"));
	assert_non_null(strstr(o.detail, "/etc/shadow"));
	kt_err_release(&err);
	kt_err_set(&err, KT_EC_INVALID, "unreadable_message", "payload cannot be read");
	kt_classify_broker(&err, &o);
	assert_string_equal(o.message, "payload cannot be read");
	kt_err_release(&err);
}

/* A lookup's answer and what it must come to. */
struct lookup_case {
	const char *name;
	enum kt_transport_end end;
	long http;
	enum kt_lookup_answer answer;
	enum kt_outcome_kind kind;
	const char *code;
	int not_found;
	int doubt;
	enum kt_breaker_report report;
};

static const struct lookup_case lookups[] = {
	{ "found", KT_TX_DONE, 200, KT_LOOKUP_FOUND, KT_OUT_DELIVERED, "found_by_lookup", 0, 1, OK },
	{ "404 = not found", KT_TX_DONE, 404, KT_LOOKUP_NOT_FOUND, KT_OUT_NOT_SENT,
	  "lookup_not_found", 1, 0, OK },
	{ "200, empty result", KT_TX_DONE, 200, KT_LOOKUP_NOT_FOUND, KT_OUT_NOT_SENT,
	  "lookup_not_found", 1, 0, OK },
	{ "200 unreadable", KT_TX_DONE, 200, KT_LOOKUP_UNREADABLE, KT_OUT_AMBIGUOUS,
	  "lookup_unreadable", 0, 1, F },
	{ "503", KT_TX_DONE, 503, KT_LOOKUP_UNREADABLE, KT_OUT_RETRYABLE, "http_503", 0, 1, F },
	{ "429", KT_TX_DONE, 429, KT_LOOKUP_UNREADABLE, KT_OUT_RETRYABLE, "http_429", 0, 1, OK },
	{ "400", KT_TX_DONE, 400, KT_LOOKUP_UNREADABLE, KT_OUT_PERMANENT, "http_400", 0, 1, OK },
	{ "timeout", KT_TX_TIMEOUT, 0, KT_LOOKUP_UNREADABLE, KT_OUT_AMBIGUOUS,
	  "timeout_after_send", 0, 1, F },
	{ "refused", KT_TX_CONNECT, 0, KT_LOOKUP_UNREADABLE, KT_OUT_NOT_SENT,
	  "connect_failed", 0, 1, F },
	{ "over the limit", KT_TX_TOO_LARGE, 200, KT_LOOKUP_UNREADABLE, KT_OUT_AMBIGUOUS,
	  "response_too_large", 0, 1, F },
};

static void test_lookups(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(lookups); i++) {
		const struct lookup_case *c = &lookups[i];
		const struct kt_transport_facts f = {
			.end = c->end, .http_status = c->http, .sent = c->end != KT_TX_CONNECT,
			.why = "because",
		};
		struct kt_outcome o;

		kt_classify_lookup(&f, c->answer, "no JSON", &o);
		if (o.kind != c->kind || strcmp(o.code, c->code) != 0)
			fail_msg("%s: kind %d code %s, want %d %s", c->name, o.kind, o.code,
				 c->kind, c->code);
		assert_int_equal(kt_classify_lookup_not_found(&o, 1), c->not_found);
		assert_int_equal(kt_classify_in_doubt(&o, KT_OP_CREATE, 1), c->doubt);
		assert_int_equal(kt_classify_breaker(&o), c->report);
	}
}

/* A broker-side failure by class: retried when the class is retryable,
 * else a dead letter; never the supplier's failure. */
struct broker_case {
	enum kt_err_class cls;
	const char *code;
	enum kt_outcome_kind kind;
};

static const struct broker_case brokers[] = {
	{ KT_EC_CONFIG, "bad_secret", KT_OUT_NOT_SENT },
	{ KT_EC_CONFIG, "secret_unavailable", KT_OUT_NOT_SENT },
	{ KT_EC_INTERNAL, "out_of_memory", KT_OUT_NOT_SENT },
	{ KT_EC_UNAVAILABLE, "db_unavailable", KT_OUT_NOT_SENT },
	{ KT_EC_SUPPLIER, "supplier_mapping", KT_OUT_NOT_SENT },
	{ KT_EC_INVALID, "adapter_build", KT_OUT_PERMANENT },
	{ KT_EC_INVALID, "unreadable_message", KT_OUT_PERMANENT },
	{ KT_EC_NOT_FOUND, "unknown_ticket", KT_OUT_PERMANENT },
	{ KT_EC_TOO_LARGE, "too_large", KT_OUT_PERMANENT },
};

static void test_broker_failures(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(brokers); i++) {
		const struct broker_case *c = &brokers[i];
		struct kt_err err = { 0 };
		struct kt_outcome o;

		kt_err_set(&err, c->cls, c->code, "it failed: %s", c->code);
		kt_classify_broker(&err, &o);
		kt_err_release(&err);
		if (o.kind != c->kind)
			fail_msg("%s: kind %d, want %d", c->code, o.kind, c->kind);
		assert_string_equal(o.code, c->code);
		assert_int_equal(o.http_status, 0);
		assert_true(o.broker_fault);
		assert_int_equal(kt_classify_breaker(&o), KT_REPORT_NONE);
		assert_int_equal(kt_classify_in_doubt(&o, KT_OP_CREATE, 0), 0);
		/* A lookup whose signing failed stays in doubt: nothing left. */
		assert_int_equal(kt_classify_in_doubt(&o, KT_OP_CREATE, 1), 1);
		assert_false(kt_classify_lookup_not_found(&o, 1));
	}
}

/* A 2xx answer the adapter cannot read: never "delivered". */
static void test_unreadable_replies(void **state)
{
	static const struct {
		enum kt_err_class cls;
		const char *code;
		enum kt_outcome_kind kind;
		int in_doubt; /* of a create */
	} cases[] = {
		{ KT_EC_SUPPLIER, "adapter_reply", KT_OUT_AMBIGUOUS, 1 },
		{ KT_EC_INVALID, "adapter_reply", KT_OUT_PERMANENT, 0 },
		{ KT_EC_INTERNAL, "out_of_memory", KT_OUT_AMBIGUOUS, 1 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct kt_err err = { 0 };
		struct kt_outcome o;

		kt_err_set(&err, cases[i].cls, cases[i].code, "answer has no %s", "id");
		kt_classify_reply(&err, 201, &o);
		kt_err_release(&err);
		assert_int_equal(o.kind, cases[i].kind);
		assert_string_equal(o.code, cases[i].code);
		assert_string_equal(o.message, "answer has no id");
		assert_int_equal(o.http_status, 201);
		assert_false(o.broker_fault);
		assert_int_equal(kt_classify_in_doubt(&o, KT_OP_CREATE, 0), cases[i].in_doubt);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_refused_address),
		cmocka_unit_test(test_broker_messages),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_broker_failures),
		cmocka_unit_test(test_unreadable_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
