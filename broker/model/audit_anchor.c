/* audit_anchor.c - writing, signing and reading back checkpoints of the
 * trail's chain heads (see model/audit_anchor.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "model/audit_anchor.h"

void kt_audit_anchor_begin(struct kt_buf *out, const char *at)
{
	kt_buf_addf(out, KT_AUDIT_ANCHOR_MAGIC "\nat %s\n", at);
}

void kt_audit_anchor_add(struct kt_buf *out, const char *ticket_id, long long seq,
			 const char *hash_hex)
{
	kt_buf_addf(out, "%s %lld %s\n", ticket_id, seq, hash_hex);
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int kt_audit_anchor_sign(struct kt_buf *out, const void *key, size_t key_len,
			 struct kt_err *err)
{
	unsigned char mac[KT_SHA256_LEN];
	char hex[KT_SHA256_HEX_LEN + 1];

	if (out->failed || kt_crypto_hmac_sha256(key, key_len, out->data, out->len, mac))
		return kt_err_set(err, KT_EC_INTERNAL, "audit_checkpoint",
				  "could not make the checkpoint (too large or out of memory)");
	to_hex(mac, sizeof(mac), hex);
	if (kt_buf_addf(out, "mac %s\n", hex))
		return kt_err_set(err, KT_EC_INTERNAL, "audit_checkpoint",
				  "could not make the checkpoint (too large or out of memory)");
	return KT_OK;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !is_hex(s + i, 1))
			return 0;
	}
	return 1;
}

/* Reads one "<uuid> <seq> <hex>" line (len bytes at s) into e. */
static int parse_entry(const char *s, size_t len, struct kt_audit_anchor_entry *e)
{
	const char *sp1 = memchr(s, ' ', len), *sp2;
	char num[24];
	char *end;
	size_t nl;

	if (!sp1 || !is_uuid(s, (size_t)(sp1 - s)))
		return KT_ERR;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - s));
	nl = sp2 ? (size_t)(sp2 - sp1 - 1) : 0;
	if (!sp2 || nl == 0 || nl >= sizeof(num) || len - (size_t)(sp2 + 1 - s) != KT_SHA256_HEX_LEN ||
	    !is_hex(sp2 + 1, KT_SHA256_HEX_LEN))
		return KT_ERR;
	memcpy(num, sp1 + 1, nl);
	num[nl] = '\0';
	if (num[0] < '1' || num[0] > '9')
		return KT_ERR;
	e->head.seq = strtoll(num, &end, 10);
	if (*end)
		return KT_ERR;
	memcpy(e->ticket_id, s, 36);
	e->ticket_id[36] = '\0';
	memcpy(e->hash_hex, sp2 + 1, KT_SHA256_HEX_LEN);
	e->hash_hex[KT_SHA256_HEX_LEN] = '\0';
	return KT_OK;
}

static int by_ticket(const void *a, const void *b)
{
	return strcmp(((const struct kt_audit_anchor_entry *)a)->ticket_id,
		      ((const struct kt_audit_anchor_entry *)b)->ticket_id);
}

/* Checks the last line, "mac <hex>", against the HMAC of the text before
 * it; *body_len gets that text's length. */
static int check_mac(const char *text, size_t len, const void *key, size_t key_len,
		     size_t *body_len, struct kt_err *err)
{
	const size_t line = 4 + KT_SHA256_HEX_LEN + 1;
	unsigned char mac[KT_SHA256_LEN];
	char hex[KT_SHA256_HEX_LEN + 1];

	if (len < line || memcmp(text + len - line, "mac ", 4) != 0 || text[len - 1] != '\n' ||
	    (len > line && text[len - line - 1] != '\n'))
		return kt_err_set(err, KT_EC_INVALID, "bad_checkpoint",
				  "the checkpoint does not end with its mac line");
	*body_len = len - line;
	if (kt_crypto_hmac_sha256(key, key_len, text, *body_len, mac))
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	to_hex(mac, sizeof(mac), hex);
	if (!kt_crypto_equal(hex, text + len - line + 4, KT_SHA256_HEX_LEN))
		return kt_err_set(err, KT_EC_INVALID, "checkpoint_signature",
				  "the checkpoint's mac does not match: another audit key,"
				  " or the checkpoint was edited");
	return KT_OK;
}

int kt_audit_anchor_parse(const char *text, size_t len, const void *key, size_t key_len,
			  struct kt_audit_anchor *a, struct kt_err *err)
{
	size_t body = 0, pos, cap = 0, lineno = 0;

	memset(a, 0, sizeof(*a));
	if (check_mac(text, len, key, key_len, &body, err))
		return KT_ERR;
	for (pos = 0; pos < body; lineno++) {
		const char *s = text + pos, *nl = memchr(s, '\n', body - pos);
		size_t n = (size_t)(nl - s);

		pos += n + 1;
		if (lineno == 0) {
			if (n != strlen(KT_AUDIT_ANCHOR_MAGIC) || memcmp(s, KT_AUDIT_ANCHOR_MAGIC, n))
				goto bad;
		} else if (lineno == 1) {
			if (n < 4 || n - 3 >= sizeof(a->at) || memcmp(s, "at ", 3))
				goto bad;
			memcpy(a->at, s + 3, n - 3);
			a->at[n - 3] = '\0';
		} else {
			struct kt_audit_anchor_entry *grown =
				kt_array_grow(a->entries, &cap, a->n, sizeof(*a->entries));

			if (!grown) {
				kt_audit_anchor_release(a);
				return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
			}
			a->entries = grown;
			if (parse_entry(s, n, &a->entries[a->n]))
				goto bad;
			a->n++;
		}
	}
	if (lineno < 2)
		goto bad;
	if (a->n)
		qsort(a->entries, a->n, sizeof(*a->entries), by_ticket);
	for (size_t i = 0; i < a->n; i++) {
		a->entries[i].head.hash_hex = a->entries[i].hash_hex;
		if (i && strcmp(a->entries[i - 1].ticket_id, a->entries[i].ticket_id) == 0) {
			lineno = 0;
			goto bad;
		}
	}
	return KT_OK;
bad:
	kt_audit_anchor_release(a);
	if (lineno == 0)
		return kt_err_set(err, KT_EC_INVALID, "bad_checkpoint",
				  "the checkpoint names a ticket twice or is not one");
	return kt_err_set(err, KT_EC_INVALID, "bad_checkpoint",
			  "line %zu of the checkpoint cannot be read", lineno + 1);
}

long kt_audit_anchor_find(const struct kt_audit_anchor *a, const char *ticket_id)
{
	struct kt_audit_anchor_entry key;
	const struct kt_audit_anchor_entry *e;

	if (!a || !a->n || strlen(ticket_id) != 36)
		return -1;
	memcpy(key.ticket_id, ticket_id, 37);
	e = bsearch(&key, a->entries, a->n, sizeof(*a->entries), by_ticket);
	return e ? (long)(e - a->entries) : -1;
}

void kt_audit_anchor_release(struct kt_audit_anchor *a)
{
	free(a->entries);
	memset(a, 0, sizeof(*a));
}
