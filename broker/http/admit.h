/* admit.h - which token bucket an API request pays from (issue 14): a
 * request with a working API key from its key's bucket at its role's rate;
 * every other request (no key, a key refused, a signed supplier push)
 * from its client address's bucket. Buckets are per node (see
 * http/throttle.h). */
#ifndef KETEN_HTTP_ADMIT_H
#define KETEN_HTTP_ADMIT_H

#include <stddef.h>

#include "base/config.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/throttle.h"
#include "keten/err.h"

/* Enough for any address's bucket name. */
#define KT_ADMIT_ADDR_MAX 64

/* The bucket name of a client address: "a:" and the address, an IPv6
 * address cut to its /64 (one host's usual share), into out. */
void kt_admit_address_name(const char *addr, char out[KT_ADMIT_ADDR_MAX]);

/* Takes one token for p's key at its role's rate (cfg). KT_OK, or
 * KT_ERR with rate_limited "rate_limited" and *retry_s (whole seconds). */
int kt_admit_key(struct kt_throttle *t, const struct kt_config *cfg,
		 const struct kt_principal *p, long long now_ms, int *retry_s,
		 struct kt_err *err);

/* Takes (take 1) or only checks (take 0) one token of the address bucket
 * name (kt_admit_address_name) at cfg's rate_address_*. KT_OK, or as
 * kt_admit_key. */
int kt_admit_address(struct kt_throttle *t, const struct kt_config *cfg,
		     const char *name, int take, long long now_ms, int *retry_s,
		     struct kt_err *err);

/* Charges r on the loop, before it goes to a worker; authorization is
 * its Authorization header and cookie its Cookie header (either may be
 * NULL). A keten_session cookie sets r->session_hash. A route without
 * roles pays from the address's bucket; a request with a session cookie
 * and no Authorization header is a session's (via_session; only checked
 * against the address's bucket: the worker looks the session up, and a
 * bearer key wins when both are sent); a missing or malformed key pays
 * from the address's bucket too (401, or 429 when the bucket is empty); a
 * key the cache keeps (and that has not expired since) sets r's principal
 * and have_principal and pays from its own bucket; any other key is only
 * checked against the address's bucket (the worker looks it up). Sets
 * r->key_hash. KT_OK, or KT_ERR with err (401 or 429, r->retry_after_s)
 * when r is to be answered at once. */
int kt_admit_request(struct kt_request *r, const char *authorization, const char *cookie,
		     struct kt_err *err);

/* On the worker, after r's key (or session) was looked up: a key found
 * (found 1) pays from its own bucket (a session from the session's) (KT_ERR with 429 in err when it is empty), a key
 * refused from its address's (KT_OK; err untouched). */
int kt_admit_looked_up(struct kt_request *r, int found, long long now_ms,
		       struct kt_err *err);

#endif
