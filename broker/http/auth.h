/* auth.h - API keys and the principal behind a request. A key is "kt_" +
 * 256 random bits in base64url; only its SHA-256 is stored. */
#ifndef KETEN_AUTH_H
#define KETEN_AUTH_H

#include <stddef.h>

#include "keten/err.h"

#define KT_TOKEN_MAX 64
#define KT_KEY_HASH_LEN 32
#define KT_UUID_LEN 36

enum kt_role { KT_ROLE_INTEGRATOR, KT_ROLE_CUSTOMER, KT_ROLE_SUPPLIER };

/* Who is asking. customer_id / supplier_id are set for those roles only;
 * key_id is the id of the API key presented (the scope of its
 * Idempotency-Keys); expires_s when it expires (Unix seconds; 0: never).
 * A person signed in through the keten_session cookie has no key_id but
 * person_id and session_id (the session's row) instead. */
struct kt_principal {
	enum kt_role role;
	char key_id[KT_UUID_LEN + 1];
	char person_id[KT_UUID_LEN + 1];
	char session_id[KT_UUID_LEN + 1];
	char customer_id[KT_UUID_LEN + 1];
	char supplier_id[KT_UUID_LEN + 1];
	char supplier_key[64];
	long long expires_s;
};

/* Writes a fresh token into out (at least KT_TOKEN_MAX bytes). */
int kt_auth_token_new(char *out, size_t outsz, struct kt_err *err);

/* SHA-256 of the token. */
void kt_auth_hash(const char *token, unsigned char out[KT_KEY_HASH_LEN]);

/* Takes the token out of an "Authorization: Bearer <token>" value into out;
 * KT_ERR (401 "unauthorized") when missing or malformed. */
int kt_auth_bearer(const char *header, char *out, size_t outsz,
		   struct kt_err *err);

/* The id that names p's requests: its key's id, or for a session its
 * person's id (what kt_db_act_as takes). Borrowed from p. */
const char *kt_principal_acting_id(const struct kt_principal *p);

/* The scope of p's Idempotency-Keys: its key's id, or "p:" and its
 * person's id (a person's keys hold across their sessions). out holds
 * KT_UUID_LEN + 3 bytes. */
void kt_principal_scope(const struct kt_principal *p, char *out, size_t outsz);

const char *kt_role_name(enum kt_role role);
int kt_role_parse(const char *name, enum kt_role *out);

/* The actor name of a principal on the timeline: "customer", "integrator"
 * or "supplier:<key>". */
void kt_principal_actor(const struct kt_principal *p, char *out, size_t outsz);

#endif
