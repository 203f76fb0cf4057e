/* classify.c - transport facts, lookup answers and broker errors ->
 * outcome class, doubt and breaker report (see dispatch/classify.h).
 * Pure: no I/O, no globals, no curl. */
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "dispatch/classify.h"

static void set(struct kt_outcome *o, enum kt_outcome_kind kind, long http,
		const char *code, const char *message)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->http_status = http;
	snprintf(o->code, sizeof(o->code), "%s", code);
	snprintf(o->message, sizeof(o->message), "%s", message ? message : "");
	kt_utf8_trim(o->message);
}

/* o's detail: the cause in the transport's or the broker's own words. */
static void set_detail(struct kt_outcome *o, const char *detail)
{
	snprintf(o->detail, sizeof(o->detail), "%s", detail ? detail : "");
	kt_utf8_trim(o->detail);
}

static int retryable_status(long http)
{
	return http == 408 || http == 429 || http >= 500;
}

void kt_classify_call(const struct kt_transport_facts *f, struct kt_outcome *o)
{
	const char *why = f->why ? f->why : "the call failed";
	char code[32], msg[256];

	if (f->end == KT_TX_DONE && f->http_status >= 200 && f->http_status < 300) {
		set(o, KT_OUT_DELIVERED, f->http_status, "delivered", "delivered");
		return;
	}
	if (f->end == KT_TX_DONE) {
		snprintf(code, sizeof(code), "http_%ld", f->http_status);
		snprintf(msg, sizeof(msg), "supplier answered %ld", f->http_status);
		set(o, retryable_status(f->http_status) ? KT_OUT_RETRYABLE : KT_OUT_PERMANENT,
		    f->http_status, code, msg);
		return;
	}
	if (f->end == KT_TX_TOO_LARGE) {
		set(o, KT_OUT_AMBIGUOUS, f->http_status, "response_too_large",
		    "supplier answer exceeded the response limit");
		return;
	}
	if (f->end == KT_TX_REFUSED) {
		set(o, KT_OUT_PERMANENT, 0, "address_not_allowed",
		    "the supplier's address is not allowed by its allow_addresses "
		    "(the broker's log names it)");
		o->broker_fault = 1;
	} else if (f->end == KT_TX_TLS) {
		set(o, KT_OUT_NOT_SENT, 0, "tls_error", "TLS failed: the supplier's "
		    "certificate or handshake was refused");
	} else if (f->sent && f->end == KT_TX_TIMEOUT) {
		set(o, KT_OUT_AMBIGUOUS, f->http_status, "timeout_after_send",
		    "the supplier was too slow: the call timed out after the request left");
	} else if (f->sent) {
		set(o, KT_OUT_AMBIGUOUS, f->http_status, "failed_after_send",
		    "the call failed after the request left");
	} else {
		set(o, KT_OUT_NOT_SENT, 0,
		    f->end == KT_TX_DNS ? "dns_failed" :
		    f->end == KT_TX_CONNECT ? "connect_failed" :
		    f->end == KT_TX_TIMEOUT ? "connect_timeout" : "not_sent",
		    f->end == KT_TX_DNS ? "the supplier's host name did not resolve" :
		    f->end == KT_TX_CONNECT ? "could not connect to the supplier" :
		    f->end == KT_TX_TIMEOUT ? "connecting to the supplier timed out" :
		    f->shown ? f->shown : "the call could not be made");
	}
	set_detail(o, why);
}

void kt_classify_lookup(const struct kt_transport_facts *f, enum kt_lookup_answer answer,
			const char *reason, struct kt_outcome *o)
{
	const int ok = f->http_status >= 200 && f->http_status < 300;

	if (f->end != KT_TX_DONE || (answer == KT_LOOKUP_UNREADABLE && !ok)) {
		kt_classify_call(f, o);
		return;
	}
	if (answer == KT_LOOKUP_UNREADABLE) {
		set(o, KT_OUT_AMBIGUOUS, f->http_status, "lookup_unreadable",
		    reason ? reason : "the lookup's answer cannot be read");
		return;
	}
	if (answer == KT_LOOKUP_NOT_FOUND) {
		set(o, KT_OUT_NOT_SENT, f->http_status, "lookup_not_found",
		    "the supplier holds no ticket for the leg: the create goes out next");
		return;
	}
	set(o, KT_OUT_DELIVERED, f->http_status, "found_by_lookup",
	    "the supplier already holds the ticket: it is not created again");
}

void kt_classify_reply(const struct kt_err *err, long http_status, struct kt_outcome *o)
{
	set(o, err->cls == KT_EC_INVALID ? KT_OUT_PERMANENT : KT_OUT_AMBIGUOUS, http_status,
	    err->code[0] ? err->code : "adapter_reply",
	    err->message[0] ? err->message : "the supplier's answer cannot be read");
}

const char *kt_classify_shown(const struct kt_err *err)
{
	/* A secret's or the system's own words (a path, an errno) stay in the
	 * log; what is wrong with the message itself is shown. */
	if (err->cls == KT_EC_CONFIG)
		return "the supplier's credentials or settings are unavailable or unusable "
		       "(the broker's log says why)";
	if (err->cls == KT_EC_INTERNAL)
		return "the broker failed before the call (its log says why)";
	return err->message;
}

void kt_classify_broker(const struct kt_err *err, struct kt_outcome *o)
{
	set(o, kt_err_class_retryable(err->cls) ? KT_OUT_NOT_SENT : KT_OUT_PERMANENT, 0,
	    err->code[0] ? err->code : "internal", kt_classify_shown(err));
	set_detail(o, err->message);
	o->broker_fault = 1;
}

int kt_classify_lookup_not_found(const struct kt_outcome *o, int lookup)
{
	return lookup && !o->broker_fault && o->kind == KT_OUT_NOT_SENT && o->http_status != 0;
}

int kt_classify_in_doubt(const struct kt_outcome *o, enum kt_operation op, int lookup)
{
	if (lookup)
		return !kt_classify_lookup_not_found(o, lookup);
	return op == KT_OP_CREATE &&
	       (o->kind == KT_OUT_AMBIGUOUS ||
		(o->kind == KT_OUT_RETRYABLE && o->http_status >= 500));
}

enum kt_breaker_report kt_classify_breaker(const struct kt_outcome *o)
{
	if (o->broker_fault)
		return KT_REPORT_NONE;
	if ((o->kind == KT_OUT_NOT_SENT && o->http_status == 0) ||
	    o->kind == KT_OUT_AMBIGUOUS ||
	    (o->kind == KT_OUT_RETRYABLE && o->http_status != 429))
		return KT_REPORT_FAILED;
	return KT_REPORT_OK;
}
