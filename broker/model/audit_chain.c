/* audit_chain.c - the trail's canonical bytes, a record's hash and the walk
 * along one ticket's chain (see model/audit_chain.h). Pure: no I/O. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/audit_chain.h"

#define CANON_MAX (64u << 20)

static void add_field(struct kt_buf *out, const char *v)
{
	if (!v) {
		kt_buf_adds(out, "~");
		return;
	}
	kt_buf_addf(out, "%zu:", strlen(v));
	kt_buf_adds(out, v);
	kt_buf_adds(out, ",");
}

int kt_audit_canon(const struct kt_audit_record *r, struct kt_buf *out, struct kt_err *err)
{
	size_t n = r->n_fields < KT_AUDIT_MAX_FIELDS ? r->n_fields : KT_AUDIT_MAX_FIELDS;

	while (n > 0 && !r->fields[n - 1])
		n--;
	add_field(out, KT_AUDIT_VERSION);
	add_field(out, r->type == KT_AUDIT_EVENT ? "event" : "message");
	add_field(out, r->id);
	add_field(out, r->ticket_id);
	add_field(out, r->prev_hex);
	for (size_t i = 0; i < n; i++)
		add_field(out, r->fields[i]);
	if (out->failed)
		return kt_err_set(err, KT_EC_INTERNAL, "audit_too_large",
				  "record %s is too large to hash", r->id ? r->id : "?");
	return KT_OK;
}

int kt_audit_hash_hex(const struct kt_audit_record *r, char out[KT_SHA256_HEX_LEN + 1],
		      struct kt_err *err)
{
	struct kt_buf b;
	int rc;

	kt_buf_init(&b, CANON_MAX);
	rc = kt_audit_canon(r, &b, err);
	if (rc == KT_OK)
		kt_crypto_sha256_hex(b.data, b.len, out);
	kt_buf_release(&b);
	return rc;
}

const char *kt_audit_break_name(enum kt_audit_break b)
{
	switch (b) {
	case KT_AUDIT_INTACT: return "intact";
	case KT_AUDIT_EDITED: return "edited";
	case KT_AUDIT_REMOVED: return "removed";
	case KT_AUDIT_REORDERED: return "reordered";
	case KT_AUDIT_HEAD: return "head";
	case KT_AUDIT_ANCHOR: return "anchor";
	}
	return "unknown";
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

__attribute__((format(printf, 5, 6)))
static int found(struct kt_audit_finding *f, enum kt_audit_break kind, long long seq,
		 const struct kt_audit_record *r, const char *fmt, ...)
{
	va_list ap;

	f->kind = kind;
	f->seq = seq;
	f->record = r;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	return KT_OK;
}

/* The index of the record of recs whose stored hash is hex, or -1. */
static long find_hash(const struct kt_audit_record *recs, size_t n, const char *hex)
{
	for (size_t i = 0; i < n; i++)
		if (recs[i].hash_hex && strcmp(recs[i].hash_hex, hex) == 0)
			return (long)i;
	return -1;
}

/* The checks of the records, one by one along the chain. */
static int walk_links(const struct kt_audit_record *recs, size_t n,
		      struct kt_audit_finding *f, struct kt_err *err)
{
	char h[KT_SHA256_HEX_LEN + 1];
	const char *prev = NULL;
	long long expect = 1;
	long at;

	for (size_t i = 0; i < n; i++, expect++) {
		const struct kt_audit_record *r = &recs[i];

		if (!r->hash_hex)
			return found(f, KT_AUDIT_EDITED, r->seq, r,
				     "it has no link: written with the chain's trigger off");
		if (kt_audit_hash_hex(r, h, err))
			return KT_ERR;
		if (strcmp(h, r->hash_hex) != 0)
			return found(f, KT_AUDIT_EDITED, r->seq, r,
				     "its content no longer gives its hash");
		if (r->seq > expect)
			return found(f, KT_AUDIT_REMOVED, expect, r,
				     "place %lld is missing (the next record is at place %lld)",
				     expect, r->seq);
		if (r->seq < expect)
			return found(f, KT_AUDIT_REORDERED, r->seq, r,
				     "place %lld is taken twice", r->seq);
		if (!same(r->prev_hex, prev)) {
			if (r->prev_hex && (at = find_hash(recs, n, r->prev_hex)) >= 0)
				return found(f, KT_AUDIT_REORDERED, r->seq, r,
					     "it follows the record now at place %lld, not the one"
					     " before it", recs[at].seq);
			return found(f, KT_AUDIT_REMOVED, r->seq, r,
				     prev ? "the record it follows is missing"
					  : "it is first but follows a record that is missing");
		}
		prev = r->hash_hex;
	}
	return KT_OK;
}

int kt_audit_walk(const struct kt_audit_record *recs, size_t n,
		  const struct kt_audit_head *head, const struct kt_audit_head *anchor,
		  struct kt_audit_finding *f, struct kt_err *err)
{
	long long last = (long long)n;
	const char *tail = n ? recs[n - 1].hash_hex : NULL;

	memset(f, 0, sizeof(*f));
	f->kind = KT_AUDIT_INTACT;
	if (walk_links(recs, n, f, err))
		return KT_ERR;
	if (f->kind != KT_AUDIT_INTACT)
		return KT_OK;
	if (head->seq < 0 && n > 0)
		return found(f, KT_AUDIT_HEAD, last, NULL, "the ticket has records but no head");
	if (head->seq > last)
		return found(f, KT_AUDIT_REMOVED, last + 1, NULL,
			     "the head is at place %lld: the records after place %lld are missing",
			     head->seq, last);
	if (head->seq >= 0 && (head->seq < last || !same(head->seq ? head->hash_hex : NULL, tail)))
		return found(f, KT_AUDIT_HEAD, head->seq, NULL,
			     "the head (place %lld) does not match the last record (place %lld)",
			     head->seq, last);
	if (!anchor || anchor->seq <= 0)
		return KT_OK;
	if (anchor->seq > last)
		return found(f, KT_AUDIT_REMOVED, last + 1, NULL,
			     "the checkpoint has place %lld but the chain ends at place %lld",
			     anchor->seq, last);
	if (!same(recs[anchor->seq - 1].hash_hex, anchor->hash_hex))
		return found(f, KT_AUDIT_ANCHOR, anchor->seq, &recs[anchor->seq - 1],
			     "place %lld differs from the checkpoint: the chain was rewritten"
			     " up to there", anchor->seq);
	return KT_OK;
}
