/* api_keys.c - the integrator's view of API keys: GET /v1/keys lists them
 * (never a secret or its hash), POST /v1/keys/{id}/revoke ends one. This
 * node forgets the keys it kept at once; other nodes within their
 * key_cache_ms (5 s at most). */
#include "http/api.h"
#include "http/key_cache.h"
#include "store/row_key.h"

int kt_api_key_list(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	int limit;

	if (kt_api_list_limit(r, &limit, err) ||
	    !(r->answer = kt_store_key_list(db, limit, r->query_cursor, err)))
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_key_revoke(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	if (!(r->answer = kt_store_key_revoke(db, r->params[0], err)))
		return KT_ERR;
	kt_key_cache_clear(r->app->keys);
	r->status = 200;
	return KT_OK;
}
