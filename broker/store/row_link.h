/* row_link.h - one-time links of people (migration 030): an invite that
 * sets a new person's first password, or a reset. Only the SHA-256 of a
 * link's token is stored. A row file: the person_links table. Using a
 * link is store/tx_person.h. */
#ifndef KETEN_STORE_ROW_LINK_H
#define KETEN_STORE_ROW_LINK_H

#include <jansson.h>

#include "base/crypto.h"
#include "store/store.h"

/* Stores a link of kind ("invite" or "reset") for the person whose id or
 * email is who, whose token hashes to hash_hex, that expires ttl_s
 * seconds from now; the person's earlier links that were not used expire
 * at once (only the newest works). Returns {person_id, kind, expires_at}
 * (new reference), or NULL with err: not_found "unknown_person", conflict
 * "person_disabled". */
json_t *kt_store_link_create(struct kt_db *db, const char *who, const char *kind, int ttl_s,
			     const char hash_hex[KT_SHA256_HEX_LEN + 1], struct kt_err *err);

#endif
