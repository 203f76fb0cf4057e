/* transport.h - supplier calls over HTTPS: libcurl's multi-socket
 * interface on the broker's libevent loop, so a slow or silent supplier
 * costs one socket and one timer, never the loop. The only place that
 * sees curl: a finished call is handed back as plain facts
 * (dispatch/classify.h), its answer body bounded and its Retry-After kept. */
#ifndef KETEN_DISPATCH_TRANSPORT_H
#define KETEN_DISPATCH_TRANSPORT_H

#include <event2/event.h>
#include <stddef.h>

#include "dispatch/classify.h"
#include "keten/adapter.h"
#include "keten/err.h"

/* The most answer headers kept, and the longest line kept. */
#define KT_TRANSPORT_MAX_HEADERS 32
#define KT_TRANSPORT_MAX_HEADER_BYTES 1024

struct kt_transport;
struct kt_transfer;

/* One call to make. All borrowed until kt_transport_start returns. */
struct kt_transport_call {
	const char *method;
	const char *url;            /* absolute https URL */
	const char *body;           /* NULL: none is sent */
	size_t body_len;
	char *const *headers;       /* "Name: value" lines */
	size_t n_headers;
	const char *ca_file;        /* trusted CAs; NULL: the system's */
	long connect_timeout_ms;
	long timeout_ms;
	long low_speed_bytes;       /* slower than this ... */
	long low_speed_time_s;      /* ... for this long ends the call */
	size_t max_response;        /* the most of the answer read */
	unsigned allow_addresses;   /* kinds of base/netaddr.h beyond public
				     * ones it may connect to (0: public only) */
};

/* What a finished call left. */
struct kt_transport_answer {
	struct kt_transport_facts facts;  /* facts.why points into the transfer */
	char *body;                 /* the answer (NUL-terminated) or NULL; the
				     * callback's to keep (it sets it NULL) */
	size_t body_len;
	char retry_after[64];       /* the last answer's Retry-After; "" when
				     * none or too long to be a valid one */
	const struct kt_header *headers; /* the last answer's first
				     * KT_TRANSPORT_MAX_HEADERS headers,
				     * borrowed for the callback */
	size_t n_headers;
};

/* Called on the loop once a call finished. The transfer is freed after it
 * returns (and a body it did not take with it). */
typedef void kt_transfer_done_fn(void *arg, struct kt_transport_answer *answer);

/* The process's transport globals: call kt_transport_global_init once,
 * before any thread starts, and kt_transport_global_cleanup once at the
 * end. */
void kt_transport_global_init(void);
void kt_transport_global_cleanup(void);

/* A transport on base; NULL with err filled when curl cannot start. */
struct kt_transport *kt_transport_new(struct event_base *base, struct kt_err *err);

/* Starts call c; done(arg, ...) follows, on the loop, unless the transfer
 * is abandoned first. *out gets the transfer, the transport's. Every
 * address curl is about to connect to (the name's, after resolution; a
 * proxy's when one is used) is checked against c->allow_addresses: one it
 * may not use is never connected to, and a call left with no address
 * ends KT_TX_REFUSED (facts.why names the address and its kind). */
int kt_transport_start(struct kt_transport *t, const struct kt_transport_call *c,
		       kt_transfer_done_fn *done, void *arg, struct kt_transfer **out,
		       struct kt_err *err);

/* Stops transfer x and frees it; its done is never called. */
void kt_transfer_abandon(struct kt_transfer *x);

/* Abandons what is left and frees t; accepts NULL. */
void kt_transport_free(struct kt_transport *t);

#endif
