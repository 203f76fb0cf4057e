/* build.h - what goes out for a claimed message: the supplier's own view
 * of the ticket turned into the adapter's request (or its lookup, for a
 * create in doubt), the supplier's signing secret, and at send time the
 * header lines with a fresh Standard Webhooks signature. */
#ifndef KETEN_DISPATCH_BUILD_H
#define KETEN_DISPATCH_BUILD_H

#include "keten/adapter.h"
#include "store/claimed.h"

#define KT_OUTBOUND_MAX_HEADERS (KT_ADAPTER_MAX_HEADERS + 5)

/* A built request. Release with kt_outbound_release. */
struct kt_outbound {
	const struct kt_adapter *adapter;
	int lookup;                 /* it looks up an in-doubt create */
	struct kt_adapter_msg msg;  /* what the adapter built from, and reads
				     * the answer with; borrows from view,
				     * supplier and the claimed message */
	json_t *view;               /* owned: the supplier's view of the leg */
	json_t *supplier;           /* owned: {"key", "endpoint", "mapping"} */
	struct kt_http_request req; /* the adapter's */
	char *secrets;              /* owned; wiped on release */
	char *headers[KT_OUTBOUND_MAX_HEADERS]; /* "Name: value", owned; set by
						  * kt_build_sign */
	size_t n_headers;
};

/* On a worker: projects the supplier's leg out of m's ticket, taken from
 * tickets (the claim's full records, {ticket id: record}, as
 * kt_store_ticket_full_of reads them; NULL: they could not be read), and
 * has m's adapter build its request (or its lookup, when m is in doubt
 * and the adapter can search), then resolves the supplier's secret.
 * Fills ob (which the caller releases even on failure). Fails with
 * internal "tickets_unread" (tickets NULL), not_found "not_found" (no
 * such ticket), the adapter's error, invalid "unroutable" (the leg is not
 * the supplier's) or "adapter_build" (no such adapter), or config
 * "secret_unavailable". */
int kt_build(const json_t *tickets, const struct kt_claimed_msg *m, struct kt_outbound *ob,
	     struct kt_err *err);

/* At send time now_s (Unix seconds): ob's header lines, the adapter's,
 * the Idempotency-Key (not on a lookup), an empty Expect and the webhook
 * id, timestamp and signature. The id is m's idempotency key on every
 * attempt; a lookup is a request of its own, with an id of its own. Fails
 * with config "bad_secret" when the secret cannot sign, internal when out
 * of memory. */
int kt_build_sign(struct kt_outbound *ob, const struct kt_claimed_msg *m, long long now_s,
		  struct kt_err *err);

/* Frees ob's contents and wipes its secret. */
void kt_outbound_release(struct kt_outbound *ob);

#endif
