/* classify.h - what an attempt's result means, as pure functions: the
 * transport's facts (how the call ended, the HTTP status, whether the
 * request started to leave), a lookup's answer or a broker-side error ->
 * the outcome class (store/tx_outcome.h), whether a create may have reached
 * the supplier (in doubt), and what the supplier's circuit hears. No I/O,
 * no curl: the transport translates its codes into these facts. */
#ifndef KETEN_DISPATCH_CLASSIFY_H
#define KETEN_DISPATCH_CLASSIFY_H

#include "keten/err.h"
#include "keten/model.h"
#include "store/tx_outbox.h"

/* How a call ended, in the transport's terms. */
enum kt_transport_end {
	KT_TX_DONE,        /* an answer came (any HTTP status) */
	KT_TX_DNS,         /* the supplier's name did not resolve */
	KT_TX_CONNECT,     /* no connection */
	KT_TX_TIMEOUT,     /* a time limit ran out (connect, total or low speed) */
	KT_TX_TLS,         /* the TLS handshake or the certificate failed */
	KT_TX_TOO_LARGE,   /* the answer exceeded the response limit */
	KT_TX_FAILED,      /* any other failure of the call */
	KT_TX_REFUSED,     /* every address of the supplier is one its allow
			    * list does not let the broker connect to */
};

/* What the transport knows about a finished call. */
struct kt_transport_facts {
	enum kt_transport_end end;
	long http_status;     /* 0 when no answer came */
	int sent;             /* the request started to leave (curl's pretransfer
			       * time is set): the supplier may have it */
	const char *why;      /* the transport's own words; may be NULL */
	const char *shown;    /* a fixed phrase an outcome may show instead of
			       * its code's (the caller's: "OAuth2 token fetch
			       * failed"); NULL: the code's */
};

/* What a lookup's answer said, as the adapter read it. */
enum kt_lookup_answer {
	KT_LOOKUP_FOUND,      /* the supplier holds the ticket */
	KT_LOOKUP_NOT_FOUND,  /* it does not: the create goes out next */
	KT_LOOKUP_UNREADABLE, /* the adapter could not read the answer */
};

/* What a finished attempt tells the supplier's circuit. */
enum kt_breaker_report {
	KT_REPORT_OK,      /* the supplier answered: it is up */
	KT_REPORT_FAILED,  /* the supplier failed: counts toward opening */
	KT_REPORT_NONE,    /* the broker failed: the circuit hears nothing */
};

/* Sorts a finished call into o's kind, http_status, code and message (a
 * fixed sentence per code; the transport's words go to o->detail, for the
 * log): an address the allow list refuses is permanent and the broker's;
 * 2xx delivered; other answers permanent but 408, 429 and 5xx retryable;
 * no answer: ambiguous when the request may have left (a timeout or
 * failure after sending, or an answer over the limit), else not sent (DNS,
 * connect, TLS, a connect timeout). Clears everything else in o. */
void kt_classify_call(const struct kt_transport_facts *f, struct kt_outcome *o);

/* Sorts a lookup's call: a failed call or one whose answer is not 2xx and
 * unreadable is classified as kt_classify_call does; found is delivered
 * ("found_by_lookup"); not found is not sent, answered
 * ("lookup_not_found"); a 2xx that cannot be read is ambiguous
 * ("lookup_unreadable", with reason, which may be NULL). */
void kt_classify_lookup(const struct kt_transport_facts *f, enum kt_lookup_answer answer,
			const char *reason, struct kt_outcome *o);

/* Sorts a 2xx answer the adapter could not read (err from read_reply):
 * class invalid (an answer this message can never get past, such as a
 * workflow that offers no way) is permanent; any other (an answer that
 * breaks the supplier's API) is ambiguous, since the write may have
 * landed: a create is looked up before it is sent again. With err's code
 * and message, and the answer's status. */
void kt_classify_reply(const struct kt_err *err, long http_status, struct kt_outcome *o);

/* What an outcome shows of err, the broker's own failure: a generic
 * sentence for a configuration error (a secret: its path or errno stays
 * in the log) or an internal one, else err's message. Borrowed from err
 * or static. */
const char *kt_classify_shown(const struct kt_err *err);

/* Sorts a failure of the broker's own before anything was sent (building
 * the request, resolving or using a secret): by err's class, not sent when
 * trying again may help (kt_err_class_retryable), else permanent; with
 * err's code, kt_classify_shown as message and err's message as detail;
 * marked as the broker's fault. */
void kt_classify_broker(const struct kt_err *err, struct kt_outcome *o);

/* Whether a lookup found nothing: the create goes out next, at once. */
int kt_classify_lookup_not_found(const struct kt_outcome *o, int lookup);

/* Whether a message of operation op that stays pending after outcome o
 * may have reached the supplier: the request may have left (ambiguous) or
 * the supplier failed while handling it (5xx), for a create. After a
 * lookup: in doubt unless it found nothing. */
int kt_classify_in_doubt(const struct kt_outcome *o, enum kt_operation op, int lookup);

/* What o tells the supplier's circuit: failed when nothing got through,
 * no answer came or it answered 408 or 5xx; ok for any other answer (a
 * 429 is from a supplier that is up, and so is a lookup's "not found");
 * nothing when the broker failed. */
enum kt_breaker_report kt_classify_breaker(const struct kt_outcome *o);

#endif
