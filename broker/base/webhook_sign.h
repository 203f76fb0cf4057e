/* webhook_sign.h - Standard Webhooks signatures: signing Keten's deliveries
 * to suppliers and verifying what suppliers send back. A secret is
 * "whsec_<base64>"; several, separated by spaces, during a key rotation.
 * Pure computation on OpenSSL 3; no I/O, no globals. */
#ifndef KETEN_WEBHOOK_SIGN_H
#define KETEN_WEBHOOK_SIGN_H

#include <stddef.h>

#include "keten/err.h"

/* Largest decoded secret accepted, in bytes (Standard Webhooks uses 24-64). */
#define KT_WEBHOOK_SECRET_MAX 64

/* Signs "msg_id.timestamp.body" with every secret in secrets and sets
 * *out_header to "v1,<b64> v1,<b64>", one signature per secret in the order
 * given: the webhook-signature header value. body may be NULL when body_len
 * is 0. *out_header is malloc'd and the caller's to free; it is left NULL
 * on failure.
 * Fails with KT_ERR: class config, code "bad_secret" when secrets holds no
 * secret or one that is not whsec_ + valid base64 (the message names the
 * secret's position, never its text); class internal code "internal" when
 * msg_id is NULL or memory or OpenSSL fails. */
int kt_webhook_sign(const char *secrets, const char *msg_id,
		    long long timestamp, const char *body, size_t body_len,
		    char **out_header, struct kt_err *err);

/* Verifies a delivery: msg_id, timestamp and signature_header are the raw
 * webhook-id, webhook-timestamp and webhook-signature header values (NULL
 * when absent); now is the current Unix time and tolerance_s the accepted
 * clock difference in seconds (300 for the contract's 5 minutes).
 * Returns KT_OK when any v1 signature of the header matches any secret;
 * entries with another version prefix are ignored. All comparisons of
 * signatures are constant-time. Borrows everything.
 * Fails with KT_ERR and class unauthenticated: code "bad_signature" for a missing or
 * unparseable header (the message names it) or no matching signature, code
 * "stale_timestamp" when the timestamp is more than tolerance_s away from
 * now. A broken secret is a configuration fault: class config "bad_secret". */
int kt_webhook_verify(const char *secrets, const char *msg_id,
		      const char *timestamp, const char *signature_header,
		      const char *body, size_t body_len, long long now,
		      int tolerance_s, struct kt_err *err);

#endif
