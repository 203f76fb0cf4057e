/* memo.h - a small table of shared, immutable values that this process
 * computed (a worker thread, from the database) and reuses for at most
 * ttl_ms, keyed by strings, until a notice says that what they were
 * computed from changed (kt_memo_clear). Each value counts its own
 * references through the memo's ref and unref functions: the table holds
 * one per entry and every reader gets its own, so a value outlives an
 * entry replaced or dropped while it is read. Direct-mapped and bounded
 * (a collision replaces); one mutex, never held while a value is made. */
#ifndef KETEN_BASE_MEMO_H
#define KETEN_BASE_MEMO_H

#include <stddef.h>

/* Takes one more reference to value; gives one back (the last frees it). */
typedef void kt_memo_ref_fn(void *value);
typedef void kt_memo_unref_fn(void *value);

struct kt_memo;

/* A memo of `slots` entries (at least 1) keeping each ttl_ms (0: keeps
 * nothing, every get misses). NULL when out of memory. */
struct kt_memo *kt_memo_new(size_t slots, int ttl_ms, kt_memo_ref_fn *ref,
			    kt_memo_unref_fn *unref);

/* A new reference to the value kept for key less than ttl_ms before now_ms
 * (monotonic), or NULL. Accepts a NULL memo (NULL). */
void *kt_memo_get(struct kt_memo *m, const char *key, long long now_ms);

/* The memo's epoch: read it before computing a value from the database,
 * and hand it to kt_memo_put, which refuses a value computed before a
 * kt_memo_clear (its sources may have changed under it). 0 for NULL. */
unsigned long long kt_memo_epoch(struct kt_memo *m);

/* Keeps value (borrowed; the memo takes its own reference) for key (copied)
 * from now_ms, replacing what the key's slot held, unless the epoch moved
 * past `epoch` meanwhile. Returns 1 when kept, 0 when not (epoch moved,
 * ttl 0, out of memory, NULL memo). */
int kt_memo_put(struct kt_memo *m, const char *key, void *value, unsigned long long epoch,
		long long now_ms);

/* Drops every entry whose key begins with prefix. Accepts NULL. */
void kt_memo_forget(struct kt_memo *m, const char *prefix);

/* Drops every entry and moves the epoch on. Accepts NULL. */
void kt_memo_clear(struct kt_memo *m);

/* Gives back every entry's reference and frees m; accepts NULL. */
void kt_memo_free(struct kt_memo *m);

#endif
