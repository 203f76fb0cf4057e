/* webhook_sign.c - Standard Webhooks signing and verification (see
 * base/webhook_sign.h): secret decoding, the signed content
 * "id.timestamp.body", HMAC-SHA256 and base64 through base/crypto.h, and the
 * constant-time match of a webhook-signature header. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/webhook_sign.h"

#define MAC_LEN KT_SHA256_LEN		/* HMAC-SHA256 */
#define MAC_B64_LEN KT_BASE64_LEN(MAC_LEN)
#define SIG_PREFIX "v1,"
#define SIG_PREFIX_LEN (sizeof(SIG_PREFIX) - 1)
#define SECRET_PREFIX "whsec_"
#define SECRET_PREFIX_LEN (sizeof(SECRET_PREFIX) - 1)

static int is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/* Finds the next separator-delimited token at *p, sets *tok and *len and
 * moves *p past it. Returns 0 when no token is left. */
static int next_token(const char **p, const char **tok, size_t *len)
{
	const char *s = *p;

	while (is_sep(*s))
		s++;
	*tok = s;
	while (*s != '\0' && !is_sep(*s))
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return *len > 0;
}

static size_t count_tokens(const char *s)
{
	const char *tok;
	size_t len, n = 0;

	while (s && next_token(&s, &tok, &len))
		n++;
	return n;
}

/* Returns "msg_id.timestamp.body" in a malloc'd buffer of *out_len bytes,
 * or NULL when memory runs out. */
static unsigned char *signed_content(const char *msg_id, const char *ts,
				     const char *body, size_t body_len,
				     size_t *out_len)
{
	size_t id_len = strlen(msg_id), ts_len = strlen(ts);
	unsigned char *buf, *p;

	if (body_len > SIZE_MAX - id_len - ts_len - 2)
		return NULL;
	*out_len = id_len + ts_len + body_len + 2;
	buf = malloc(*out_len);
	if (!buf)
		return NULL;
	p = buf;
	memcpy(p, msg_id, id_len);
	p += id_len;
	*p++ = '.';
	memcpy(p, ts, ts_len);
	p += ts_len;
	*p++ = '.';
	if (body_len)
		memcpy(p, body, body_len);
	return buf;
}

/* Computes the HMAC-SHA256 of content under the secret token tok (len
 * bytes, "whsec_<base64>"). index is the secret's 1-based position, the
 * only thing an error message may say about it. */
static int secret_mac(const char *tok, size_t len, int index,
		      const unsigned char *content, size_t content_len,
		      unsigned char mac[MAC_LEN], struct kt_err *err)
{
	unsigned char key[KT_WEBHOOK_SECRET_MAX + 2];
	int key_len, rc = KT_OK;

	if (len < SECRET_PREFIX_LEN ||
	    memcmp(tok, SECRET_PREFIX, SECRET_PREFIX_LEN) != 0)
		return kt_err_set(err, KT_EC_CONFIG, "bad_secret",
				  "webhook secret %d does not start with \"%s\"",
				  index, SECRET_PREFIX);
	key_len = kt_crypto_base64_decode(tok + SECRET_PREFIX_LEN, len - SECRET_PREFIX_LEN,
			     key, sizeof(key));
	if (key_len <= 0 || key_len > KT_WEBHOOK_SECRET_MAX)
		rc = kt_err_set(err, KT_EC_CONFIG, "bad_secret",
				"webhook secret %d is not padded base64 of 1 to %d bytes",
				index, KT_WEBHOOK_SECRET_MAX);
	else if (kt_crypto_hmac_sha256(key, (size_t)key_len, content,
				       content_len, mac))
		rc = kt_err_set(err, KT_EC_INTERNAL, "internal",
				"could not compute a webhook signature");
	kt_crypto_wipe(key, sizeof(key));
	return rc;
}

int kt_webhook_sign(const char *secrets, const char *msg_id,
		    long long timestamp, const char *body, size_t body_len,
		    char **out_header, struct kt_err *err)
{
	size_t n_secrets = count_tokens(secrets), used = 0, len, content_len;
	unsigned char *content = NULL, mac[MAC_LEN];
	char ts[24], *header = NULL;
	const char *p = secrets, *tok;
	int index = 0;

	*out_header = NULL;
	if (!msg_id)
		return kt_err_set(err, KT_EC_INTERNAL, "internal",
				  "webhook message id is missing");
	if (n_secrets == 0)
		return kt_err_set(err, KT_EC_CONFIG, "bad_secret",
				  "no webhook secret is configured");
	snprintf(ts, sizeof(ts), "%lld", timestamp);
	content = signed_content(msg_id, ts, body, body_len, &content_len);
	/* each entry is "v1," + base64 and a space or the final NUL */
	header = malloc(n_secrets * (SIG_PREFIX_LEN + MAC_B64_LEN + 1));
	if (!content || !header) {
		kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
		goto fail;
	}
	while (next_token(&p, &tok, &len)) {
		if (secret_mac(tok, len, ++index, content, content_len, mac,
			       err) != KT_OK)
			goto fail;
		if (used)
			header[used++] = ' ';
		memcpy(header + used, SIG_PREFIX, SIG_PREFIX_LEN);
		used += SIG_PREFIX_LEN;
		/* writes MAC_B64_LEN characters and a NUL */
		used += kt_crypto_base64_encode(mac, MAC_LEN, header + used);
	}
	free(content);
	*out_header = header;
	return KT_OK;

fail:
	free(header);
	free(content);
	return KT_ERR;
}

static int is_v1(const char *tok, size_t len)
{
	return len > SIG_PREFIX_LEN &&
	       memcmp(tok, SIG_PREFIX, SIG_PREFIX_LEN) == 0;
}

static int has_v1_entry(const char *header)
{
	const char *tok;
	size_t len;

	while (next_token(&header, &tok, &len))
		if (is_v1(tok, len))
			return 1;
	return 0;
}

/* 1 when a v1 entry of header decodes to exactly mac. */
static int header_has_mac(const char *header, const unsigned char mac[MAC_LEN])
{
	unsigned char sig[MAC_LEN + 1];
	const char *tok;
	size_t len;

	while (next_token(&header, &tok, &len))
		if (is_v1(tok, len) &&
		    kt_crypto_base64_decode(tok + SIG_PREFIX_LEN, len - SIG_PREFIX_LEN, sig,
			       sizeof(sig)) == MAC_LEN &&
		    kt_crypto_equal(sig, mac, MAC_LEN))
			return 1;
	return 0;
}

/* Unix seconds: digits only, the whole value, no overflow. */
static int parse_timestamp(const char *s, long long *out, struct kt_err *err)
{
	char *end;

	if (!s || *s == '\0')
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_signature",
				  "missing webhook-timestamp header");
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || errno == ERANGE || *end != '\0')
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_signature",
				  "webhook-timestamp header is not a number of Unix seconds");
	return KT_OK;
}

/* |a - b| without signed overflow. */
static unsigned long long distance(long long a, long long b)
{
	return a > b ? (unsigned long long)a - (unsigned long long)b
		     : (unsigned long long)b - (unsigned long long)a;
}

int kt_webhook_verify(const char *secrets, const char *msg_id,
		      const char *timestamp, const char *signature_header,
		      const char *body, size_t body_len, long long now,
		      int tolerance_s, struct kt_err *err)
{
	unsigned char *content, mac[MAC_LEN];
	const char *p = secrets, *tok;
	size_t len, content_len;
	long long ts = 0;
	int index = 0, matched = 0, rc = KT_ERR;

	if (!msg_id || *msg_id == '\0')
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_signature",
				  "missing webhook-id header");
	if (parse_timestamp(timestamp, &ts, err) != KT_OK)
		return KT_ERR;
	if (count_tokens(signature_header) == 0)
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_signature",
				  "missing webhook-signature header");
	if (!has_v1_entry(signature_header))
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_signature",
				  "webhook-signature header has no \"v1,\" signature");
	if (distance(ts, now) >
	    (unsigned long long)(tolerance_s > 0 ? tolerance_s : 0))
		return kt_err_set(err, KT_EC_UNAUTHENTICATED, "stale_timestamp",
				  "webhook-timestamp is more than %d seconds away from now",
				  tolerance_s);
	if (count_tokens(secrets) == 0)
		return kt_err_set(err, KT_EC_CONFIG, "bad_secret",
				  "no webhook secret is configured");
	content = signed_content(msg_id, timestamp, body, body_len,
				 &content_len);
	if (!content)
		return kt_err_set(err, KT_EC_INTERNAL, "internal", "out of memory");
	/* every secret is checked, so that a broken one shows at once and
	 * not only when no earlier secret matches */
	while (next_token(&p, &tok, &len)) {
		if (secret_mac(tok, len, ++index, content, content_len, mac,
			       err) != KT_OK)
			goto out;
		matched |= header_has_mac(signature_header, mac);
	}
	rc = matched ? KT_OK
		     : kt_err_set(err, KT_EC_UNAUTHENTICATED, "bad_signature",
				  "no signature in the webhook-signature header matches");
out:
	free(content);
	return rc;
}
