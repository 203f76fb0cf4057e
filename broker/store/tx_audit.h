/* tx_audit.h - reading the tamper-evident trail (migration 029) for
 * `keten audit`: each ticket's chained records with its head, and every
 * ticket's head for a checkpoint. A transaction file: each page is one
 * read-only statement, its own transaction. */
#ifndef KETEN_STORE_TX_AUDIT_H
#define KETEN_STORE_TX_AUDIT_H

#include "model/audit_chain.h"
#include "store/store.h"

/* Receives one ticket: its id, its number (NULL when the ticket row is
 * gone), its head (seq -1 when it has none) and its records sorted by
 * place, then type, then id. Everything is borrowed for the call. Returns
 * KT_OK to go on, KT_ERR (err filled) to stop. */
typedef int (*kt_audit_ticket_fn)(void *arg, const char *ticket_id, const char *number,
				  const struct kt_audit_head *head,
				  const struct kt_audit_record *recs, size_t n,
				  struct kt_err *err);

/* Calls fn for every ticket that has a row or a head (only ticket
 * only_ticket when not NULL), in ascending id order, a page of tickets
 * per statement. KT_ERR when a statement fails or fn stops. */
int kt_store_audit_each(struct kt_db *db, const char *only_ticket, kt_audit_ticket_fn fn,
			void *arg, struct kt_err *err);

/* Receives one ticket's head (borrowed strings). As kt_audit_ticket_fn. */
typedef int (*kt_audit_head_fn)(void *arg, const char *ticket_id, long long seq,
				const char *hash_hex, struct kt_err *err);

/* Calls fn for every ticket's head with at least one record, in
 * ascending ticket id order. KT_ERR when a statement fails or fn stops. */
int kt_store_audit_heads(struct kt_db *db, kt_audit_head_fn fn, void *arg, struct kt_err *err);

#endif
