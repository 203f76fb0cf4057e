/* tx_admin.h - the integrator API's reads and deletes of customers,
 * suppliers and services, and the versions of a service's chain. Their
 * creates and updates are chain imports of one entity (store/store.h,
 * kt_store_chain_apply), so they pass the same checks. A
 * transaction file. */
#ifndef KETEN_STORE_TX_ADMIN_H
#define KETEN_STORE_TX_ADMIN_H

#include "http/auth.h"
#include "model/chain_doc.h"
#include "store/store.h"

/* Who an entity is. */
struct kt_store_entity {
	char id[KT_UUID_LEN + 1];
	char key[KT_CHAIN_KEY_MAX + 1];
	char name[KT_CHAIN_NAME_MAX + 1];
	char customer_id[KT_UUID_LEN + 1]; /* services: their customer's id */
};

/* Finds the customer, supplier or service that ref names: its id, or its
 * key. Fills *out; not_found "not_found" when there is none. */
int kt_store_admin_find(struct kt_db *db, enum kt_chain_entity entity,
			const char *ref, struct kt_store_entity *out,
			struct kt_err *err);

/* The stored object of entity id, in the chain document's format: the
 * members the document's rules name (customers and suppliers: from their
 * columns; services: from the document of their current chain version),
 * plus "id" and, for a service, "chain_version". New reference, or NULL
 * with not_found "not_found". */
json_t *kt_store_admin_get(struct kt_db *db, enum kt_chain_entity entity,
			   const char *id, struct kt_err *err);

/* Up to limit stored objects (as kt_store_admin_get) in byte order of
 * their keys, after cursor (a key; NULL: from the start). Returns a new
 * {"items": [...], "next_cursor": the last key | null}. */
json_t *kt_store_admin_list(struct kt_db *db, enum kt_chain_entity entity,
			    int limit, const char *cursor, struct kt_err *err);

/* Deletes entity id in ONE transaction holding the chain import lock:
 * with it go a customer's or supplier's API keys (and a supplier's seen
 * inbound deliveries), a service's chain versions and components. While
 * anything refers to it - a customer's services or tickets, a supplier's
 * components (in any chain version, also as an alternate) or legs, a
 * service's tickets -
 * nothing is deleted: conflict "in_use" with one detail per kind of reference,
 * counted. not_found "not_found" when it is gone. */
int kt_store_admin_delete(struct kt_db *db, enum kt_chain_entity entity,
			  const char *id, struct kt_err *err);

/* Version `version` of service id's chain (0: the current one):
 * {"service": {id, key, name}, "version", "current", "created_at",
 * "document"}. New reference, or NULL with not_found "unknown_version". */
json_t *kt_store_admin_chain_version(struct kt_db *db, const char *service_id,
				     int version, struct kt_err *err);

#endif
