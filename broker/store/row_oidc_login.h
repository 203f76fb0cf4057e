/* row_oidc_login.h - single sign-on attempts in the database (migration
 * 032): one stored when a sign-in starts, taken once when the provider
 * sends the person back. A row file: the oidc_logins table. */
#ifndef KETEN_STORE_ROW_OIDC_LOGIN_H
#define KETEN_STORE_ROW_OIDC_LOGIN_H

#include "base/crypto.h"
#include "store/store.h"

/* The longest nonce, verifier and next path kept, NUL included. */
#define KT_OIDC_LOGIN_FIELD 512

/* What a sign-in keeps until its callback. */
struct kt_oidc_login {
	char nonce[KT_OIDC_LOGIN_FIELD];
	char verifier[KT_OIDC_LOGIN_FIELD];
	char next[KT_OIDC_LOGIN_FIELD];
};

/* Stores login under state_hash (hex SHA-256 of the state), expiring in
 * ttl_s seconds, and deletes a few attempts that expired over an hour
 * ago in the same statement. */
int kt_store_oidc_login_put(struct kt_db *db, const char *state_hash,
			    const struct kt_oidc_login *login, int ttl_s,
			    struct kt_err *err);

/* Marks the attempt of state_hash used and fills *out with it, only when
 * it exists, is unused and unexpired (one statement: two callbacks with
 * one state cannot both have it). unauthenticated "invalid_login_state"
 * otherwise. */
int kt_store_oidc_login_take(struct kt_db *db, const char *state_hash,
			     struct kt_oidc_login *out, struct kt_err *err);

#endif
