/* store_outbox.h - the outbox contract: claiming due messages under a
 * lease, and recording each attempt's outcome only while the lease token
 * still matches. Both are short committed transactions; no transaction is
 * open while a supplier is called. */
#ifndef KETEN_STORE_OUTBOX_H
#define KETEN_STORE_OUTBOX_H

#include "keten/model.h"
#include "store.h"

enum kt_outcome_kind {
	KT_OUT_DELIVERED,  /* 2xx */
	KT_OUT_NOT_SENT,   /* DNS, connect or TLS failed: nothing left us */
	KT_OUT_AMBIGUOUS,  /* the request may have left: timeout, reset after sending */
	KT_OUT_RETRYABLE,  /* 408, 429, 5xx */
	KT_OUT_PERMANENT,  /* other 4xx, 3xx, or a message no adapter can build */
};

struct kt_outcome {
	enum kt_outcome_kind kind;
	long http_status;          /* 0 when no answer came */
	char code[48];             /* stable: "delivered", "tls_error", "http_503", ... */
	char message[256];
	long long retry_in_ms;     /* when not delivered and not permanent */
	const char *external_id;   /* from the supplier's answer; may be NULL */
	int has_status;
	enum kt_status status;
};

const char *kt_outcome_kind_name(enum kt_outcome_kind kind);

/* Claims up to limit due messages: per leg only the lowest sequence not yet
 * done, across legs by (priority, due time); each gets a lease of lease_ms
 * for owner and one more attempt. *out gets a new array of
 * {id, token, leg_id, ticket_id, seq, operation, idempotency_key, attempts,
 *  supplier: {id, key, adapter, endpoint, secret_ref}}. */
int kt_store_outbox_claim(struct kt_db *db, const char *owner, int limit,
			  int lease_ms, json_t **out, struct kt_err *err);

/* Records o for message id under lease token. A lease that ran out and was
 * taken by another node leaves everything unchanged and sets *stale. */
int kt_store_outbox_finish(struct kt_db *db, const char *id, const char *token,
			   const struct kt_outcome *o, int *stale, struct kt_err *err);

#endif
