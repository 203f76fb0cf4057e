/* tx_session.h - opening a session for a person: the one call every way
 * of signing in ends with (a password here, OpenID Connect in its own
 * module). The HTTP side sets the cookie with http/cookie.h
 * kt_cookie_session_set. */
#ifndef KETEN_STORE_TX_SESSION_H
#define KETEN_STORE_TX_SESSION_H

#include "base/crypto.h"
#include "http/auth.h"
#include "store/store.h"

/* A session just opened: the cookie's token and the CSRF token (both "kt_"
 * and 43 base64url characters, NUL-terminated), the session's id, and its
 * life in seconds (the cookie's Max-Age). Wipe token after use. */
struct kt_session_opened {
	char token[KT_TOKEN_MAX];
	char csrf[KT_TOKEN_MAX];
	char id[KT_UUID_LEN + 1];
	int max_age_s;
};

/* Opens a session for person_id (a uuid of people; the caller has checked
 * that it may sign in) from client (the caller's address, for the record)
 * that ends absolute_s seconds from now at the latest. A fresh token
 * every time (session fixation): when old_hash_hex names a session (the
 * cookie the caller sent, or NULL), it is ended in the same statement.
 * Only the token's SHA-256 is stored; up to 100 sessions that ended or
 * expired over a day ago are deleted in passing. Fills out; KT_OK, or KT_ERR with
 * err (internal when no random bytes, not_found "unknown_person" when
 * the person is gone or disabled, or a database error). */
int kt_store_session_open(struct kt_db *db, const char *person_id, const char *client,
			  int absolute_s, const char *old_hash_hex,
			  struct kt_session_opened *out, struct kt_err *err);

#endif
