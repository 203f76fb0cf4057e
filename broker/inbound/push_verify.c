/* push_verify.c - the push schemes of inbound/push_verify.h. Every
 * comparison of a secret or a signature is constant-time. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/crypto.h"
#include "base/webhook_sign.h"
#include "inbound/push_verify.h"

/* Each secret of the space-separated list secrets, in turn: fn(secret,
 * len, arg) == 1 for any makes the result 1. */
static int any_secret(const char *secrets, int (*fn)(const char *, size_t, const void *),
		      const void *arg)
{
	int ok = 0;

	for (const char *p = secrets; p && *p;) {
		size_t len = strcspn(p, " ");

		if (len > 0)
			ok |= fn(p, len, arg);
		p += len;
		p += strspn(p, " ");
	}
	return ok;
}

static int equal_text(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	int same = alen == blen;

	/* compare the shorter length, then the lengths: no early exit */
	return kt_crypto_equal(a, b, alen < blen ? alen : blen) & same;
}

static int token_matches(const char *secret, size_t len, const void *arg)
{
	return equal_text(secret, len, arg);
}

static int verify_token(const struct kt_push_spec *spec, const struct kt_push_check *c,
			const struct kt_answer *push, struct kt_err *err)
{
	const char *got = kt_answer_header(push, spec->header);

	if (!got || !any_secret(c->secrets, token_matches, got))
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_token",
				  "header %s is missing or does not match", spec->header);
	return KT_OK;
}

/* "user:password" as the Authorization header carried it. */
struct basic {
	const char *user;
	size_t user_len;
	const char *password;
};

static int password_matches(const char *secret, size_t len, const void *arg)
{
	return equal_text(secret, len, ((const struct basic *)arg)->password);
}

static int verify_basic(const struct kt_push_check *c, const struct kt_answer *push,
			struct kt_err *err)
{
	const char *auth = kt_answer_header(push, "Authorization");
	unsigned char plain[512];
	struct basic b;
	const char *colon;
	int n = -1, ok;

	if (auth && strncasecmp(auth, "Basic ", 6) == 0)
		n = kt_crypto_base64_decode(auth + 6, strlen(auth + 6), plain, sizeof(plain) - 1);
	if (n < 0)
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_credentials",
				  "basic credentials are missing or malformed");
	plain[n] = '\0';
	colon = memchr(plain, ':', (size_t)n);
	ok = colon != NULL && strlen((const char *)plain) == (size_t)n;
	if (ok) {
		b = (struct basic){ (const char *)plain, (size_t)(colon - (const char *)plain),
				    colon + 1 };
		ok = (!c->username || equal_text(b.user, b.user_len, c->username)) &
		     any_secret(c->secrets, password_matches, &b);
	}
	kt_crypto_wipe(plain, sizeof(plain));
	if (!ok)
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_credentials",
				  "basic credentials do not match");
	return KT_OK;
}

struct hmac_arg {
	const struct kt_answer *push;
	const char *hex;  /* the header's hex digits */
};

static int hmac_matches(const char *secret, size_t len, const void *arg)
{
	const struct hmac_arg *h = arg;
	unsigned char mac[KT_SHA256_LEN];
	char hex[KT_SHA256_HEX_LEN + 1];

	if (kt_crypto_hmac_sha256(secret, len, h->push->body ? h->push->body : "",
				  h->push->len, mac) != KT_OK)
		return 0;
	for (size_t i = 0; i < KT_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return equal_text(h->hex, strlen(h->hex), hex);
}

static int verify_hmac(const struct kt_push_spec *spec, const struct kt_push_check *c,
		       const struct kt_answer *push, struct kt_err *err)
{
	const char *got = kt_answer_header(push, spec->header);
	struct hmac_arg h = { push, NULL };
	char lower[KT_SHA256_HEX_LEN + 1];
	size_t n;

	/* Hex digits in either case: compared as lower case. */
	if (got && strncasecmp(got, "sha256=", 7) == 0 &&
	    (n = strlen(got + 7)) <= KT_SHA256_HEX_LEN) {
		for (size_t i = 0; i <= n; i++)
			lower[i] = (char)tolower((unsigned char)got[7 + i]);
		h.hex = lower;
	}
	if (!h.hex || !any_secret(c->secrets, hmac_matches, &h))
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_signature",
				  "header %s is missing or does not match", spec->header);
	return KT_OK;
}

/* The scheme's own check of push. */
static int verify_scheme(const struct kt_push_spec *spec, const struct kt_push_check *c,
			 const struct kt_answer *push, struct kt_err *err)
{
	switch (spec->scheme) {
	case KT_PUSH_STANDARD_WEBHOOKS: {
		char ts[24];
		const char *t = kt_answer_header(push, "webhook-timestamp");

		snprintf(ts, sizeof(ts), "%s", t ? t : "");
		return kt_webhook_verify(c->secrets, kt_answer_header(push, "webhook-id"),
					 t ? ts : NULL,
					 kt_answer_header(push, "webhook-signature"), push->body,
					 push->len, c->now_s, c->tolerance_s, err);
	}
	case KT_PUSH_TOKEN_HEADER:
		return verify_token(spec, c, push, err);
	case KT_PUSH_BASIC:
		return verify_basic(c, push, err);
	case KT_PUSH_HMAC_SHA256_HEX:
		return verify_hmac(spec, c, push, err);
	case KT_PUSH_NONE:
		break;
	}
	return kt_err_set(err, KT_EC_INVALID, "push_not_accepted",
			  "this supplier's adapter takes no push: it is polled");
}

int kt_push_verify(const struct kt_push_spec *spec, const struct kt_push_check *c,
		   const struct kt_answer *push, struct kt_err *err)
{
	const char *id = spec->delivery_header ? kt_answer_header(push, spec->delivery_header)
					       : NULL;

	if (verify_scheme(spec, c, push, err))
		return KT_ERR;
	/* Checked once the sender is known, so that its answer tells nobody
	 * else anything. Standard Webhooks names its delivery id webhook-id,
	 * and so did the webhook contract's error code before other schemes
	 * came. */
	if (id && strlen(id) > KT_PUSH_DELIVERY_ID_MAX)
		return kt_err_set(err, KT_EC_MALFORMED,
				  spec->scheme == KT_PUSH_STANDARD_WEBHOOKS ? "invalid_webhook_id"
									    : "invalid_delivery_id",
				  "%s is longer than %d bytes", spec->delivery_header,
				  KT_PUSH_DELIVERY_ID_MAX);
	return KT_OK;
}
