/* row_key.h - API keys in the database. A row file: the api_keys table. */
#ifndef KETEN_STORE_ROW_KEY_H
#define KETEN_STORE_ROW_KEY_H

#include "http/auth.h"
#include "store/store.h"

/* Stores a key's hash for role; scope is the customer or supplier (key or
 * uuid) for those roles, NULL for integrator. invalid "unknown_scope" when the
 * scope does not exist. */
int kt_store_key_create(struct kt_db *db, enum kt_role role, const char *scope,
			const unsigned char hash[KT_KEY_HASH_LEN], struct kt_err *err);

/* Fills out for the key with this hash; unauthenticated "unauthorized" when none. */
int kt_store_key_principal(struct kt_db *db, const unsigned char hash[KT_KEY_HASH_LEN],
			   struct kt_principal *out, struct kt_err *err);

#endif
