/* tx_reconcile.h - what `keten reconcile` changes after a restore of the
 * database (or of a supplier's system): the creates that may have reached
 * the supplier since the backup are put in doubt, so that the dispatcher
 * asks the supplier for the ticket (by our reference) before it creates
 * one; the poll cursors are set back so that missed supplier updates are
 * read again and applied in order. A transaction file. */
#ifndef KETEN_STORE_TX_RECONCILE_H
#define KETEN_STORE_TX_RECONCILE_H

#include "store/store.h"

/* In one transaction, for the supplier named by supplier_key (NULL: all):
 * every pending create of a leg that is still open and not linked to a
 * supplier ticket is marked in doubt (the lookup before its next attempt
 * re-links a ticket the supplier already holds and never creates a
 * second); every poll feed's cursor is set back to since (RFC 3339; NULL:
 * left) and its pass underway dropped, and the feed made due now.
 * Without supplier_key, the hold on dispatch after a restore
 * (store/row_instance.h) is lifted in the same transaction.
 * dry_run: the same answer, rolled back. Returns a new reference to
 * {"creates": [{"leg", "ticket", "supplier", "adapter"}], "feeds":
 * [{"supplier", "feed", "from", "to"}], "dead": [{"leg", "ticket",
 * "supplier", "operation"}] (dead letters of open legs, left for the
 * integrator), "unlinked_done": [...] (open legs whose create is done
 * without a supplier id), "hold": the reason dispatch was held (or null),
 * "lifted": whether this lifted it}, or NULL with err: not_found "no_supplier" for
 * an unknown key. since must have been checked (kt_time_parse). */
json_t *kt_store_reconcile(struct kt_db *db, const char *supplier_key, const char *since,
			   int dry_run, struct kt_err *err);

/* The suppliers reconcile asks for their tickets (supplier_key NULL:
 * all): a new reference to [{id, key, adapter, endpoint, secret_ref,
 * mapping, auth, delivery, poll, open_legs (their open legs' count)}] in key
 * order, or NULL with err. A read of its own. */
json_t *kt_store_reconcile_suppliers(struct kt_db *db, const char *supplier_key,
				     struct kt_err *err);

/* Of listed ([{"id": the supplier's id, "leg": our reference or null}],
 * borrowed), the tickets no leg of supplier supplier_id knows, neither by
 * our reference nor by the supplier's id: a new reference to that array
 * (same items), or NULL with err. A read of its own. */
json_t *kt_store_reconcile_unknown(struct kt_db *db, const char *supplier_id,
				   const json_t *listed, struct kt_err *err);

#endif
