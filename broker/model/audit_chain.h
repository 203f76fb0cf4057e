/* audit_chain.h - the tamper-evident trail, pure: the canonical bytes of a
 * chained record (a timeline event or an outbox message), its hash, and
 * the walk along one ticket's chain that finds its first broken link.
 * Migration 029 computes the same bytes in SQL when a record is inserted;
 * `keten audit verify` (cli/cmd_audit.c) recomputes them here. */
#ifndef KETEN_AUDIT_CHAIN_H
#define KETEN_AUDIT_CHAIN_H

#include <stddef.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "keten/err.h"

/* The version tag that opens every record's canonical bytes. */
#define KT_AUDIT_VERSION "keten-audit-1"

/* Fields of a record after its header: 10 for an event, 6 for a message;
 * room for columns appended later. */
#define KT_AUDIT_EVENT_FIELDS 10
#define KT_AUDIT_MESSAGE_FIELDS 6
#define KT_AUDIT_MAX_FIELDS 12

enum kt_audit_type {
	KT_AUDIT_EVENT,    /* a row of events */
	KT_AUDIT_MESSAGE,  /* a row of outbox */
};

/* One chained record as stored, every value as PostgreSQL prints it
 * (borrowed strings; NULL for SQL NULL).
 *
 * Canonical bytes: each value below written as a netstring, its length
 * in bytes in decimal, ':', the bytes, ',' ("~" for NULL), in this order:
 *   "keten-audit-1", "event" or "message", id, ticket_id (lower-case
 *   uuid), prev_hex (the previous record's hash in lower-case hex; NULL
 *   for the first), then the fields:
 *   event:   leg_id, kind, visibility, actor, holder, occurred_at,
 *            recorded_at, data (jsonb as text), key_id (the acting API
 *            key, migration 028), person_id (the acting person,
 *            migration 030)
 *   message: leg_id, seq (its place in the leg), operation,
 *            idempotency_key, payload (jsonb as text), created_at
 * with times in UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ, up to the last field
 * that is not NULL: a nullable column appended to a type's fields later
 * (in a new migration's keten_audit_event_bytes or _message_bytes, only
 * when not NULL; in store/tx_audit.c; in the count above) leaves the
 * records written before it as they were. The record's hash is the
 * SHA-256 of those bytes. Its place in the chain (seq) is not hashed:
 * the link to the previous hash orders the chain. */
struct kt_audit_record {
	enum kt_audit_type type;
	const char *id;          /* decimal */
	const char *ticket_id;
	long long seq;           /* place in the ticket's chain, 1..n */
	const char *prev_hex;    /* stored chain_prev; NULL for none */
	const char *hash_hex;    /* stored chain_hash */
	const char *fields[KT_AUDIT_MAX_FIELDS];
	size_t n_fields;
};

/* Appends r's canonical bytes to out. KT_OK, or KT_ERR (internal
 * "audit_too_large") when out cannot hold them. */
int kt_audit_canon(const struct kt_audit_record *r, struct kt_buf *out, struct kt_err *err);

/* The SHA-256 of r's canonical bytes as lower-case hex into out. Fails as
 * kt_audit_canon (records of more than 64 MiB). */
int kt_audit_hash_hex(const struct kt_audit_record *r, char out[KT_SHA256_HEX_LEN + 1],
		      struct kt_err *err);

/* What the walk found wrong, in the order it looks. */
enum kt_audit_break {
	KT_AUDIT_INTACT,
	KT_AUDIT_EDITED,     /* a record's bytes no longer give its hash */
	KT_AUDIT_REMOVED,    /* a place is missing, or the head is past the last record */
	KT_AUDIT_REORDERED,  /* a record links to one that is not its predecessor */
	KT_AUDIT_HEAD,       /* the head row disagrees with the last record */
	KT_AUDIT_ANCHOR,     /* the chain differs from a signed checkpoint */
};

/* The name of b ("intact", "edited", "removed", ...). */
const char *kt_audit_break_name(enum kt_audit_break b);

/* A ticket's head (its audit_heads row) or a checkpoint's entry for it. */
struct kt_audit_head {
	long long seq;           /* -1: none */
	const char *hash_hex;    /* NULL when seq is 0 or -1 */
};

/* The first broken link of one ticket. */
struct kt_audit_finding {
	enum kt_audit_break kind;
	long long seq;                        /* the place it breaks at */
	const struct kt_audit_record *record; /* the record at fault; NULL when none is */
	char why[256];
};

/* Walks one ticket's records recs[0..n) (sorted by seq, then type, then
 * id) against its head and, when anchor is not NULL, the checkpoint's
 * entry for it, and fills *f with the first broken link (kind
 * KT_AUDIT_INTACT when there is none). KT_ERR only when a record cannot
 * be hashed (kt_audit_canon). */
int kt_audit_walk(const struct kt_audit_record *recs, size_t n,
		  const struct kt_audit_head *head, const struct kt_audit_head *anchor,
		  struct kt_audit_finding *f, struct kt_err *err);

#endif
