/* idempotency.c - the Idempotency-Key header, the body fingerprint and the
 * pacing of the purge; no I/O (see http/idempotency.h). */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "http/idempotency.h"

#define PURGE_INTERVAL_MAX_S 60

/* The monotonic second from which the next purge may run. */
static atomic_llong purge_next_s;

static int bad_key(struct kt_err *err, const char *why)
{
	return kt_err_set(err, KT_EC_MALFORMED, "invalid_idempotency_key",
			  "Idempotency-Key %s", why);
}

int kt_idempotency_key_parse(const char *header, char *out, struct kt_err *err)
{
	size_t n = 0;
	const char *s = header;
	int quoted = s[0] == '"';

	if (quoted)
		s++;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (quoted && c == '"')
			break;
		if (quoted && c == '\\') {
			c = (unsigned char)*++s;
			if (c != '"' && c != '\\')
				return bad_key(err, "has a bad escape");
		}
		if (c < 0x20 || c > 0x7e)
			return bad_key(err, "must be printable ASCII");
		if (n == KT_IDEMPOTENCY_KEY_MAX)
			return bad_key(err, "is longer than 255 bytes");
		out[n++] = (char)c;
	}
	if (quoted && (*s != '"' || s[1] != '\0'))
		return bad_key(err, "is not a well-formed string");
	if (n == 0)
		return bad_key(err, "is empty");
	out[n] = '\0';
	return KT_OK;
}

void kt_idempotency_body_hash(const void *body, size_t len, char *out)
{
	kt_crypto_sha256_hex(body, len, out);
}

int kt_idempotency_init(struct kt_idempotency *idem, const char *scope,
			const char *target, const char *header, const void *body,
			size_t body_len, struct kt_err *err)
{
	int n;

	memset(idem, 0, sizeof(*idem));
	if (kt_idempotency_key_parse(header, idem->key, err))
		return KT_ERR;
	n = snprintf(idem->scope, sizeof(idem->scope), "%s", scope);
	if (n <= 0 || (size_t)n >= sizeof(idem->scope))
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "idempotency scope does not fit");
	n = snprintf(idem->target, sizeof(idem->target), "%s", target);
	if (n <= 0 || (size_t)n >= sizeof(idem->target))
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "idempotency target does not fit");
	kt_idempotency_body_hash(body, body_len, idem->request_hash);
	return KT_OK;
}

int kt_idempotency_purge_due(long long now_s, int ttl_s)
{
	long long next = atomic_load(&purge_next_s);
	int interval = ttl_s < PURGE_INTERVAL_MAX_S ? ttl_s : PURGE_INTERVAL_MAX_S;

	if (now_s < next)
		return 0;
	/* One winner per interval, even with several API workers racing. */
	return atomic_compare_exchange_strong(&purge_next_s, &next, now_s + interval);
}

void kt_idempotency_purge_soon(void)
{
	atomic_store(&purge_next_s, 0);
}
