/* store_inbound.h - suppliers as the inbound channel sees them, and the
 * transaction that applies one verified supplier delivery exactly once. */
#ifndef KETEN_STORE_INBOUND_H
#define KETEN_STORE_INBOUND_H

#include "keten/adapter.h"
#include "store.h"

/* {id, key, adapter, endpoint, secret_ref} of the supplier with this key;
 * NULL with 404 "unknown_supplier". New reference. */
json_t *kt_store_supplier_by_key(struct kt_db *db, const char *key,
				 struct kt_err *err);

/* In one transaction: remembers webhook_id for this supplier (a repeat sets
 * *duplicate and changes nothing), checks that the leg is this supplier's
 * (404 "unknown_leg", nothing kept), applies the update. */
int kt_store_inbound_apply(struct kt_db *db, const json_t *supplier,
			   const char *webhook_id, const struct kt_inbound_update *u,
			   int *duplicate, struct kt_err *err);

#endif
