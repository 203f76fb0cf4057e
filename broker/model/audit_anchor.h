/* audit_anchor.h - signed checkpoints of the trail's chain heads, kept
 * outside the database: the text `keten audit checkpoint` writes and
 * `keten audit verify --anchor` reads. Pure apart from HMAC-SHA256.
 *
 * The text, line by line ("\n" ends every line):
 *   keten-audit-checkpoint 1
 *   at <RFC 3339 UTC time the heads were read>
 *   <ticket uuid> <seq> <hash hex>      one line per ticket, ascending uuid
 *   mac <HMAC-SHA256 in hex, under the audit key, of every byte above>
 * The MAC proves the checkpoint was written by a holder of the audit key
 * (never stored in the database), so a database administrator who
 * rewrites a chain cannot also make a checkpoint that agrees with it. */
#ifndef KETEN_AUDIT_ANCHOR_H
#define KETEN_AUDIT_ANCHOR_H

#include <stddef.h>

#include "base/buf.h"
#include "keten/err.h"
#include "model/audit_chain.h"

#define KT_AUDIT_ANCHOR_MAGIC "keten-audit-checkpoint 1"
/* A checkpoint file is read up to this size. */
#define KT_AUDIT_ANCHOR_MAX (256u << 20)

/* One ticket's anchored head. */
struct kt_audit_anchor_entry {
	char ticket_id[37];
	char hash_hex[KT_SHA256_HEX_LEN + 1];
	struct kt_audit_head head;   /* head.hash_hex points at hash_hex */
};

/* A checkpoint read back and checked. */
struct kt_audit_anchor {
	char at[40];
	struct kt_audit_anchor_entry *entries;  /* owned, sorted by ticket_id */
	size_t n;
};

/* Starts a checkpoint in out: the magic line and `at` (borrowed). */
void kt_audit_anchor_begin(struct kt_buf *out, const char *at);

/* Adds a ticket's head (the caller adds them in ascending ticket order). */
void kt_audit_anchor_add(struct kt_buf *out, const char *ticket_id, long long seq,
			 const char *hash_hex);

/* Ends the checkpoint with its MAC under key (key_len bytes, >= 1).
 * KT_OK, or KT_ERR: internal "audit_checkpoint" when out overflowed or
 * the MAC could not be made. */
int kt_audit_anchor_sign(struct kt_buf *out, const void *key, size_t key_len,
			 struct kt_err *err);

/* Reads text (len bytes) into *a after checking its MAC under key.
 * invalid "bad_checkpoint" (says which line) for text that is not a
 * checkpoint, "checkpoint_signature" when the MAC does not match (another
 * key, or the text was edited). *a is empty on failure; release it with
 * kt_audit_anchor_release either way. */
int kt_audit_anchor_parse(const char *text, size_t len, const void *key, size_t key_len,
			  struct kt_audit_anchor *a, struct kt_err *err);

/* The index in a->entries of ticket_id's anchored head, or -1 when the
 * checkpoint has none. */
long kt_audit_anchor_find(const struct kt_audit_anchor *a, const char *ticket_id);

/* Frees a's entries; a may be zeroed or parsed. */
void kt_audit_anchor_release(struct kt_audit_anchor *a);

#endif
