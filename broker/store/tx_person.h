/* tx_person.h - what changes a person with their links or sessions: an
 * invite (the person and the link, one transaction), a password set
 * through a one-time link, and disabling a person (one statement each). */
#ifndef KETEN_STORE_TX_PERSON_H
#define KETEN_STORE_TX_PERSON_H

#include <jansson.h>

#include "base/crypto.h"
#include "http/auth.h"
#include "store/store.h"

/* Creates a person without a password (as kt_store_person_create, which
 * says how it fails) and an invite link for them whose token hashes to
 * hash_hex, expiring ttl_s seconds from now, in one transaction. Returns
 * {"person": person, "link": {person_id, kind, expires_at}} (new
 * reference), or NULL with err. */
json_t *kt_store_person_invite(struct kt_db *db, const char *email, const char *name,
			       enum kt_role role, const char *customer, int ttl_s,
			       const char hash_hex[KT_SHA256_HEX_LEN + 1], struct kt_err *err);

/* Uses the link whose token hashes to link_hash_hex, once: when it has
 * not been used, has not expired and its person is not disabled, marks
 * it used, sets the person's password_hash (a kt_password_hash string)
 * and ends every session of the person (a reset ends the sessions an
 * attacker may hold). Returns the person as KT_STORE_PERSON_JSON (new
 * reference), or NULL with invalid "link_invalid" (unknown, used or
 * expired: one answer for all). */
json_t *kt_store_person_password_by_link(struct kt_db *db,
					 const char link_hash_hex[KT_SHA256_HEX_LEN + 1],
					 const char *password_hash, struct kt_err *err);

/* Disables the person whose id or email is who (one already disabled
 * keeps its first time), ends every session of theirs and expires their
 * unused links. Returns the person (new reference), or NULL with
 * not_found "unknown_person". */
json_t *kt_store_person_disable(struct kt_db *db, const char *who, struct kt_err *err);

#endif
