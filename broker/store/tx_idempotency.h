/* tx_idempotency.h - the transaction of a creating request and the
 * answers kept for its Idempotency-Key (store/tx_idempotency.c).
 * A transaction file. */
#ifndef KETEN_STORE_TX_IDEMPOTENCY_H
#define KETEN_STORE_TX_IDEMPOTENCY_H

#include "http/idempotency.h"
#include "store/store.h"

/* The answer of a creating request: its status and its body exactly as
 * sent. body is owned (malloc'd text; free()). */
struct kt_store_answer {
	int status;
	char *body;
};

/* The writes of one creating request, run inside the transaction that
 * kt_store_idempotency_create opens: does them and renders the answer into out (body
 * malloc'd, owned by out). Begins, commits and rolls back nothing. */
typedef int (*kt_store_create_fn)(struct kt_db *db, void *arg,
				  struct kt_store_answer *out, struct kt_err *err);

/* How work writes: in several statements (one transaction around them),
 * or in ONE statement of its own, atomic by itself, whatever it reads
 * before: without a key it then runs with no BEGIN/COMMIT (two round trips
 * saved). */
enum kt_store_writes { KT_STORE_WRITES_MANY, KT_STORE_WRITES_ONE };

/* Runs work in ONE transaction (or, as writes says, in its own single
 * statement when there is no key) and fills out (the caller's struct; free
 * out->body) with its answer. With idem (NULL: no key, just the
 * transaction), first takes the transaction-level advisory lock on
 * scope:key without waiting - conflict "idempotency_key_in_flight" while
 * another transaction holds it - then reads the answer kept for the key
 * (answers older than ttl_s count as absent): the same target and body
 * hash -> that answer, work does not run, nothing is written; another ->
 * invalid "idempotency_key_reused". Otherwise work runs and a 2xx answer is
 * kept beside its writes before COMMIT, so a retry after a lost COMMIT
 * answer finds it. On failure everything is rolled back. */
int kt_store_idempotency_create(struct kt_db *db, const struct kt_idempotency *idem, int ttl_s,
		    kt_store_create_fn work, void *arg, enum kt_store_writes writes,
		    struct kt_store_answer *out, struct kt_err *err);

/* Deletes up to batch answers older than ttl_s in its own short
 * statement; *deleted gets how many. */
int kt_store_idempotency_purge(struct kt_db *db, int ttl_s, int batch,
			       int *deleted, struct kt_err *err);

#endif
