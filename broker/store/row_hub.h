/* row_hub.h - the hub_subscriptions table (migration 024): Keten's
 * listener registered with the hub of each supplier whose chain entry
 * names inbound.callback, kept in step with the supplier by
 * keten_hub_sync and leased to one node at a time by keten_hub_claim,
 * keten_hub_done and keten_hub_later, which every node calls. A row file. */
#ifndef KETEN_STORE_ROW_HUB_H
#define KETEN_STORE_ROW_HUB_H

#include <jansson.h>

#include "store/store.h"

/* Makes supplier key's registrations follow its row, inside the caller's
 * transaction (after the supplier was written): a new one wanted when its
 * entry names inbound.callback and none is; the wanted one given up when
 * the callback, endpoint, adapter or mapping changed. No supplier with
 * that key: nothing. */
int kt_store_hub_sync_key(struct kt_db *db, const char *key, struct kt_err *err);

/* The statement that gives up the registrations of supplier $1 (a uuid)
 * once its row is deleted, for a delete's transaction. */
#define KT_STORE_HUB_SYNC_SQL "SELECT keten_hub_sync($1::uuid)"

/* One registration leased to this node. */
struct kt_hub_row {
	char id[40];
	char token[40];            /* the lease token */
	json_t *supplier;          /* owned: {id, key, adapter, endpoint,
				      secret_ref, mapping, auth, delivery} */
	char *callback;            /* owned */
	char *hub_id;              /* owned; NULL: not made yet */
	int wanted;                /* 1: make it (subscribe); 0: remove it */
	int failures;              /* in a row before this lease */
};

/* Frees the contents of r; accepts NULL. */
void kt_hub_row_release(struct kt_hub_row *r);

/* Leases at most limit rows with work due to node for lease_ms. *out
 * gets a malloc'd array of *n rows (the caller's: release each, free the
 * array), NULL when none. */
int kt_store_hub_claim(struct kt_db *db, const char *node, int lease_ms, int limit,
		       struct kt_hub_row **out, size_t *n, struct kt_err *err);

/* Records r's call: hub_id non-NULL, the registration made with that
 * id; NULL, removed. *recorded = 0 (nothing written) when the lease had
 * passed to another node. */
int kt_store_hub_done(struct kt_db *db, const struct kt_hub_row *r, const char *hub_id,
		      int *recorded, struct kt_err *err);

/* Hands r back after a failed call, due again in delay_ms, error (no
 * secret in it) kept as its last_error. *recorded as above. */
int kt_store_hub_later(struct kt_db *db, const struct kt_hub_row *r, long long delay_ms,
		       const char *error, int *recorded, struct kt_err *err);

/* [{"state": "registering"|"registered"|"removing", "callback",
 * "hub_id", "endpoint", "failures", "last_error", "next_due",
 * "registered_at"}] of supplier key (a removed supplier's too), oldest
 * first. New reference, or NULL with err set. */
json_t *kt_store_hub_of(struct kt_db *db, const char *key, struct kt_err *err);

#endif
