/* ops.h - the operator's endpoints, /metrics and /readyz: who may read
 * them (the holder of the ops token, a bearer token named by the setting
 * ops_token_ref, kept only as its SHA-256) and readiness remembered for
 * ready_cache_ms, so a probe that polls often costs no database round
 * trip per call. Shared by the loop and the API workers (a mutex). */
#ifndef KETEN_HTTP_OPS_H
#define KETEN_HTTP_OPS_H

#include "base/config.h"
#include "keten/err.h"

struct kt_ops;

/* The ops gate of cfg: resolves ops_token_ref once (the token is wiped as
 * soon as it is hashed). No ops_token_ref: nobody may read the two
 * endpoints. NULL with err (config "secret_unavailable") when the
 * reference cannot be read, or out of memory. */
struct kt_ops *kt_ops_new(const struct kt_config *cfg, struct kt_err *err);

/* Whether the Authorization header value authorization (may be NULL)
 * carries the ops token: "Bearer <token>", compared in constant time. */
int kt_ops_allowed(const struct kt_ops *ops, const char *authorization);

/* Reads cfg's ops_token_ref again (SIGHUP): the new token is the one
 * allowed from now on (none set: both endpoints answer 401). On failure
 * (the secret's error) the token in force stays. Loop thread only, as
 * kt_ops_allowed. */
int kt_ops_reload(struct kt_ops *ops, const struct kt_config *cfg, struct kt_err *err);

/* Whether a database check succeeded less than ready_cache_ms before
 * now_ms (monotonic): /readyz may answer "ready" without asking again. */
int kt_ops_ready_fresh(struct kt_ops *ops, long long now_ms);

/* Records a database check at now_ms: ok 1 (ready, remembered) or 0
 * (forgotten: the next probe asks again). */
void kt_ops_ready_note(struct kt_ops *ops, long long now_ms, int ok);

struct kt_watch;

/* The body of a "ready" answer: {"status": "ready", "dispatch": "on",
 * "off" (this node serves the API only) or "held" (after a restore, for
 * every node), "hold": {"hold", "since", "detail"} when held}. The hold
 * is the one w's last check saw. A new reference, NULL when out of
 * memory. */
json_t *kt_ops_ready_answer(struct kt_watch *w, int dispatch);

/* Frees ops; accepts NULL. */
void kt_ops_free(struct kt_ops *ops);

#endif
