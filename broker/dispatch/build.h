/* build.h - what goes out for a claimed message: the supplier's own view
 * of the ticket turned into the adapter's request (or its lookup, for a
 * create in doubt) for the message's step, and the secret of the
 * supplier's auth module (dispatch/caller.h adds the auth at send time). */
#ifndef KETEN_DISPATCH_BUILD_H
#define KETEN_DISPATCH_BUILD_H

#include "keten/adapter.h"
#include "store/claimed.h"

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
	char *secrets;              /* owned; wiped on release: the secret of
				     * the supplier's auth module */
};

/* On a worker: projects the supplier's leg out of m's ticket, taken from
 * tickets (the claim's full records, {ticket id: record}, as
 * kt_store_outbox_claim reads them), and
 * has m's adapter build its request (or its lookup, when m is in doubt
 * and the adapter can search), then resolves the supplier's secret.
 * Fills ob (which the caller releases even on failure). Fails with
 * not_found "not_found" (no
 * such ticket), the adapter's error, invalid "unroutable" (the leg is not
 * the supplier's) or "adapter_build" (no such adapter), or config
 * "secret_unavailable". */
int kt_build(const json_t *tickets, const struct kt_claimed_msg *m, struct kt_outbound *ob,
	     struct kt_err *err);

/* Frees ob's contents and wipes its secret. */
void kt_outbound_release(struct kt_outbound *ob);

#endif
