/* row_key.h - API keys in the database: creating, finding the principal
 * behind a presented key, listing and revoking. A row file: the api_keys
 * table (a customer's or supplier's key read beside it). */
#ifndef KETEN_STORE_ROW_KEY_H
#define KETEN_STORE_ROW_KEY_H

#include <jansson.h>

#include "http/auth.h"
#include "store/store.h"

/* Stores a key's hash for role; scope is the customer or supplier (key or
 * uuid) for those roles, NULL for integrator; name is for people (may be
 * ""); expires_at an RFC 3339 time or NULL (never). Writes the new key's
 * id into id (KT_UUID_LEN + 1 bytes). invalid "unknown_scope" when the
 * scope does not exist. */
int kt_store_key_create(struct kt_db *db, enum kt_role role, const char *scope,
			const char *name, const char *expires_at,
			const unsigned char hash[KT_KEY_HASH_LEN], char *id,
			struct kt_err *err);

/* Fills out for the key with this hash, and sets its last_used_at to now
 * when it is older than last_used_s seconds (or unset), in the same
 * statement. unauthenticated "unauthorized" when there is no such key,
 * "key_revoked" or "key_expired" when it no longer works. */
int kt_store_key_principal(struct kt_db *db, const unsigned char hash[KT_KEY_HASH_LEN],
			   int last_used_s, struct kt_principal *out, struct kt_err *err);

/* Up to limit keys in id order after cursor (a key id; NULL: from the
 * start), as {"items": [key...], "next_cursor": id | null}; a key is
 * {id, name, role, customer, supplier, state, created_at, expires_at,
 * revoked_at, last_used_at}, never its hash. New reference, or NULL with
 * err: malformed "invalid_cursor" for a cursor that is no key id. */
json_t *kt_store_key_list(struct kt_db *db, int limit, const char *cursor,
			  struct kt_err *err);

/* Revokes key id (a key already revoked keeps its first revocation time)
 * and returns it as the listing shows it (new reference); not_found
 * "unknown_key" when there is none. */
json_t *kt_store_key_revoke(struct kt_db *db, const char *id, struct kt_err *err);

#endif
