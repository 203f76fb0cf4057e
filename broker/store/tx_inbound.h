/* tx_inbound.h - the transaction that applies one verified supplier
 * delivery exactly once. A transaction file. */
#ifndef KETEN_STORE_TX_INBOUND_H
#define KETEN_STORE_TX_INBOUND_H

#include "keten/adapter.h"
#include "store/store.h"

/* What became of a delivery. */
enum kt_inbound_result {
	KT_INBOUND_APPLIED,
	KT_INBOUND_DUPLICATE,  /* its webhook-id was seen before: nothing changed */
	KT_INBOUND_STALE,      /* older than the leg's last update: only recorded */
};

/* How an inbound delivery is applied: the clock tolerance and the hop
 * limit of re-routing (base/config.h). */
struct kt_inbound_policy {
	int ahead_s;
	int hop_limit;
};

/* In one transaction: remembers webhook_id for this supplier (a repeat is
 * KT_INBOUND_DUPLICATE and changes nothing), checks that the leg is this
 * supplier's (the leg u->leg_id names, else the supplier's latest leg with
 * its id u->external_id; not_found "unknown_leg", nothing kept) and that u->occurred_at is
 * at most pol->ahead_s seconds ahead of the database's clock (422
 * "invalid_update", nothing kept: a time in the future would make every
 * later update stale), then applies the update in the order of the
 * supplier's clock (kt_store_leg_update(), or kt_store_leg_reject() for a
 * rejection, which may re-route the ticket). *result says what happened;
 * *n_messages gets the outbox messages queued (a re-routing's, a public
 * comment relayed to the ticket's other suppliers). */
int kt_store_inbound_apply(struct kt_db *db, const json_t *supplier,
			   const char *webhook_id, const struct kt_inbound_update *u,
			   const struct kt_inbound_policy *pol,
			   enum kt_inbound_result *result, int *n_messages,
			   struct kt_err *err);

/* Forgets up to batch remembered delivery ids older than retention_s, in
 * one short statement; *deleted gets how many. */
int kt_store_inbound_purge(struct kt_db *db, int retention_s, int batch, int *deleted,
			   struct kt_err *err);

#endif
