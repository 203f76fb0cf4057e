/* ops.c - the ops token gate and the readiness cache of http/ops.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/crypto.h"
#include "base/secret.h"
#include "http/auth.h"
#include "dispatch/restore_watch.h"
#include "http/ops.h"

struct kt_ops {
	int has_token;
	unsigned char token_hash[KT_KEY_HASH_LEN];
	long long cache_ms;
	pthread_mutex_t lock;
	long long ready_at_ms;       /* the last good check; 0: none kept */
};

struct kt_ops *kt_ops_new(const struct kt_config *cfg, struct kt_err *err)
{
	struct kt_ops *ops = calloc(1, sizeof(*ops));

	if (!ops) {
		kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
		return NULL;
	}
	ops->cache_ms = cfg->ready_cache_ms;
	pthread_mutex_init(&ops->lock, NULL);
	if (kt_ops_reload(ops, cfg, err)) {
		kt_ops_free(ops);
		return NULL;
	}
	return ops;
}

int kt_ops_reload(struct kt_ops *ops, const struct kt_config *cfg, struct kt_err *err)
{
	unsigned char hash[KT_KEY_HASH_LEN];
	char *token = NULL;

	if (!cfg->ops_token_ref || !*cfg->ops_token_ref) {
		ops->has_token = 0;
		return KT_OK;
	}
	if (kt_secret_resolve(cfg->ops_token_ref, &token, err))
		return KT_ERR;
	kt_auth_hash(token, hash);
	kt_secret_free(token);
	memcpy(ops->token_hash, hash, sizeof(hash));
	ops->has_token = 1;
	return KT_OK;
}

int kt_ops_allowed(const struct kt_ops *ops, const char *authorization)
{
	unsigned char h[KT_KEY_HASH_LEN];
	const char *token;
	int ok;

	if (!ops || !ops->has_token || !authorization ||
	    strncasecmp(authorization, "Bearer ", 7) != 0)
		return 0;
	for (token = authorization + 7; *token == ' '; token++)
		;
	kt_auth_hash(token, h);
	ok = kt_crypto_equal(h, ops->token_hash, sizeof(h));
	kt_crypto_wipe(h, sizeof(h));
	return ok;
}

int kt_ops_ready_fresh(struct kt_ops *ops, long long now_ms)
{
	int fresh;

	pthread_mutex_lock(&ops->lock);
	fresh = ops->ready_at_ms > 0 && now_ms - ops->ready_at_ms < ops->cache_ms;
	pthread_mutex_unlock(&ops->lock);
	return fresh;
}

void kt_ops_ready_note(struct kt_ops *ops, long long now_ms, int ok)
{
	pthread_mutex_lock(&ops->lock);
	ops->ready_at_ms = ok ? (now_ms > 0 ? now_ms : 1) : 0;
	pthread_mutex_unlock(&ops->lock);
}

json_t *kt_ops_ready_answer(struct kt_watch *w, int dispatch)
{
	json_t *hold = w ? kt_watch_held(w) : NULL;
	int held = hold && !json_is_null(json_object_get(hold, "hold"));
	json_t *a = json_pack("{s:s, s:s}", "status", "ready", "dispatch",
			      held ? "held" : dispatch ? "on" : "off");

	if (a && held)
		json_object_set(a, "hold", hold);
	json_decref(hold);
	return a;
}

void kt_ops_free(struct kt_ops *ops)
{
	if (!ops)
		return;
	kt_crypto_wipe(ops->token_hash, sizeof(ops->token_hash));
	pthread_mutex_destroy(&ops->lock);
	free(ops);
}
