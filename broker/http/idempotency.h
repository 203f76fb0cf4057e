/* idempotency.h - the pure part of idempotent creating POSTs (IETF draft
 * httpapi-idempotency-key): reading the Idempotency-Key header, the SHA-256
 * of the raw request body, and the pacing of the purge of old answers. The
 * SQL is in store/tx_idempotency.c, the API glue in http/api_idempotency.c. */
#ifndef KETEN_IDEMPOTENCY_H
#define KETEN_IDEMPOTENCY_H

#include <stddef.h>

#include "keten/err.h"

#define KT_IDEMPOTENCY_KEY_MAX 255
#define KT_IDEMPOTENCY_HASH_HEX 64    /* SHA-256 in lower-case hex */
#define KT_IDEMPOTENCY_SCOPE_MAX 64
#define KT_IDEMPOTENCY_TARGET_MAX 256

/* One creating request that carried a key: whose (scope: the API key's id),
 * which key, which request (target: method, route and its parameters) and
 * the fingerprint of its body. Plain data; nothing to release. */
struct kt_idempotency {
	char scope[KT_IDEMPOTENCY_SCOPE_MAX + 1];
	char key[KT_IDEMPOTENCY_KEY_MAX + 1];
	char target[KT_IDEMPOTENCY_TARGET_MAX + 1];
	char request_hash[KT_IDEMPOTENCY_HASH_HEX + 1];
};

/* Reads an Idempotency-Key header value into out (KT_IDEMPOTENCY_KEY_MAX
 * + 1 bytes). The draft makes it a Structured Field string ("..." with \"
 * and \\ escapes), which is unquoted; a bare token is taken as it is. The
 * key must be 1 to 255 bytes of printable ASCII: else 400
 * "invalid_idempotency_key". header must not be NULL. */
int kt_idempotency_key_parse(const char *header, char *out, struct kt_err *err);

/* Writes the SHA-256 of body[0..len) as lower-case hex into out
 * (KT_IDEMPOTENCY_HASH_HEX + 1 bytes). body may be NULL when len is 0. */
void kt_idempotency_body_hash(const void *body, size_t len, char *out);

/* Fills idem from the caller's scope, the request's target and body and
 * the header value; 400 "invalid_idempotency_key" for a bad key, 500 when
 * scope or target do not fit (a programming error). */
int kt_idempotency_init(struct kt_idempotency *idem, const char *scope,
			const char *target, const char *header, const void *body,
			size_t body_len, struct kt_err *err);

/* Process-wide pacing of the purge of expired answers: returns 1 to the
 * one caller that should purge now, at most once per min(60, ttl_s)
 * seconds of now_s (a monotonic clock), 0 to every other. Thread-safe. */
int kt_idempotency_purge_due(long long now_s, int ttl_s);

/* Lets the next kt_idempotency_purge_due() purge again at once: called
 * after a purge that filled its batch, so a backlog drains one batch per
 * background sweep instead of one batch a minute. */
void kt_idempotency_purge_soon(void);

#endif
