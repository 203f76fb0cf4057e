/* api_idempotency.c - the API side of a creating POST: its Idempotency-Key
 * scoped to the caller's API key (or signed-in person), one transaction
 * through the store, the answer text kept for replay. Expired answers are
 * purged by the background sweep (dispatch/sweep.h), never on a request's
 * path. */
#include "http/api.h"
#include "http/idempotency.h"
#include "base/metrics.h"

/* "POST /v1/tickets/{}/comments <param>...": a key names one request. */
static void request_target(const struct kt_request *r, char *out, size_t outsz)
{
	size_t n = (size_t)snprintf(out, outsz, "%s %s", r->route->method, r->route->pattern);

	for (int i = 0; i < KT_HTTP_MAX_PARAMS && n < outsz && r->params[i][0]; i++)
		n += (size_t)snprintf(out + n, outsz - n, " %s", r->params[i]);
}

/* The route's work, noting that it ran: an answer without it is a replay. */
struct noted_work {
	kt_store_create_fn work;
	void *arg;
	int ran;
};

static int run_noted(struct kt_db *db, void *arg, struct kt_store_answer *out,
		     struct kt_err *err)
{
	struct noted_work *w = arg;

	w->ran = 1;
	return w->work(db, w->arg, out, err);
}

int kt_api_create(struct kt_db *db, struct kt_request *r, kt_store_create_fn work,
		  void *arg, enum kt_store_writes writes, struct kt_err *err)
{
	const int ttl_s = r->app->cfg->idempotency_ttl_s;
	struct kt_idempotency idem;
	struct kt_store_answer answer;
	char target[KT_IDEMPOTENCY_TARGET_MAX + 1];
	struct noted_work noted = { work, arg, 0 };
	char scope[KT_UUID_LEN + 3];

	if (r->idempotency_key) {
		request_target(r, target, sizeof(target));
		kt_principal_scope(&r->principal, scope, sizeof(scope));
		if (kt_idempotency_init(&idem, scope, target, r->idempotency_key,
					r->body, r->body_len, err))
			return KT_ERR;
	}
	if (kt_store_idempotency_create(db, r->idempotency_key ? &idem : NULL, ttl_s, run_noted, &noted,
			    writes, &answer, err))
		return KT_ERR;
	if (!noted.ran)
		kt_metrics_idempotent_replay();
	r->status = answer.status;
	r->answer_text = answer.body; /* owned by r from here */
	return KT_OK;
}

int kt_api_answer_set(struct kt_store_answer *out, int status, json_t *answer,
		      struct kt_err *err)
{
	out->body = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
	json_decref(answer);
	if (!out->body)
		return kt_err_set(err, KT_EC_INTERNAL, "out_of_memory", "out of memory");
	out->status = status;
	return KT_OK;
}
