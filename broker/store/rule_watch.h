/* rule_watch.h - whether the credentials behind open live streams (API
 * keys and people's sessions) still work, checked together in one
 * statement without counting as a use (a watched page does not keep its
 * session from idling out). A rule file: api_keys, sessions, people. */
#ifndef KETEN_STORE_RULE_WATCH_H
#define KETEN_STORE_RULE_WATCH_H

#include <stddef.h>

#include "base/crypto.h"
#include "store/store.h"

struct kt_watch_cred {
	char hex[KT_SHA256_HEX_LEN + 1];  /* lower-case hex SHA-256 of the key or cookie token */
	int session;                      /* 1: a session's, 0: an API key's */
	int refused;                      /* set: no longer works */
};

/* Sets refused on each of creds[0..n) that no longer works: a key
 * revoked, expired or gone; a session ended, past its absolute expiry,
 * unseen for idle_s seconds, or of a disabled person. KT_OK, or KT_ERR
 * with err on a database error (nothing set). */
int kt_store_watch_check(struct kt_db *db, struct kt_watch_cred *creds, size_t n, int idle_s,
			 struct kt_err *err);

#endif
