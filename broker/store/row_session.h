/* row_session.h - signed-in sessions (migration 030): the principal
 * behind a presented keten_session cookie, and ending one session. A row
 * file: the sessions table (its person read beside it). Opening one is
 * store/tx_session.h. Tokens travel as the lower-case hex of their
 * SHA-256 (kt_crypto_sha256_hex of the cookie's token): the token itself
 * never reaches the database. */
#ifndef KETEN_STORE_ROW_SESSION_H
#define KETEN_STORE_ROW_SESSION_H

#include "base/crypto.h"
#include "http/auth.h"
#include "store/store.h"

/* Fills out (role, customer_id, person_id, session_id; no key_id) and
 * csrf (KT_TOKEN_MAX bytes: the session's CSRF token) for the session
 * whose token hashes to hash_hex, when it has not ended, has not passed
 * its absolute expiry, was seen within idle_s seconds, and its person is
 * not disabled; moves its last_seen_at to now when it is older than
 * idle_s / 10 (coarsely), in the same statement. unauthenticated
 * "session_expired" otherwise (out zeroed). */
int kt_store_session_principal(struct kt_db *db, const char hash_hex[KT_SHA256_HEX_LEN + 1],
			       int idle_s, struct kt_principal *out, char *csrf,
			       struct kt_err *err);

/* Ends the session with id session_id (sign-out); one already ended keeps
 * its first end. KT_OK, or KT_ERR on a database error. */
int kt_store_session_end(struct kt_db *db, const char *session_id, struct kt_err *err);

#endif
