/* push_verify.h - a supplier's push authenticated by the scheme its
 * adapter names (keten/adapter.h kt_push_spec): Standard Webhooks, a
 * shared token header, HTTP basic auth, or a hex HMAC-SHA256 of the body.
 * Pure: the caller resolves the secret; nothing here knows a supplier. */
#ifndef KETEN_INBOUND_PUSH_VERIFY_H
#define KETEN_INBOUND_PUSH_VERIFY_H

#include "keten/adapter.h"

/* Longest delivery id accepted, in bytes. */
#define KT_PUSH_DELIVERY_ID_MAX 255

/* What the push is checked against. */
struct kt_push_check {
	const char *secrets;   /* the supplier's inbound secret(s); for
				  Standard Webhooks several, space separated */
	const char *username;  /* KT_PUSH_BASIC: the expected user, or NULL:
				  any user */
	long long now_s;       /* Unix seconds */
	int tolerance_s;       /* Standard Webhooks clock tolerance */
};

/* KT_OK when push passes spec's scheme under c. Fails with class
 * unauthenticated ("bad_signature", "bad_token", "bad_credentials",
 * "stale_timestamp"), config "bad_secret", invalid "push_not_accepted"
 * when the adapter takes no push, or, only once the push passed,
 * malformed "invalid_delivery_id" (a delivery id header longer than
 * KT_PUSH_DELIVERY_ID_MAX; "invalid_webhook_id" for Standard Webhooks'
 * webhook-id). */
int kt_push_verify(const struct kt_push_spec *spec, const struct kt_push_check *c,
		   const struct kt_answer *push, struct kt_err *err);

#endif
