/* api_people.c - the integrator's view of people: GET /v1/people lists
 * them, POST /v1/people invites one (answers a one-time link that
 * expires), POST /v1/people/{id}/reset makes a reset link, POST
 * /v1/people/{id}/disable ends their access and every session. */
#include "base/json_field.h"
#include "http/api.h"
#include "people/people.h"
#include "store/row_person.h"
#include "store/tx_person.h"

int kt_api_person_list(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	int limit;

	if (kt_api_list_limit(r, &limit, err) ||
	    !(r->answer = kt_store_person_list(db, limit, r->query_cursor, err)))
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_person_invite(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	json_t *body = kt_api_body_json(r, err);
	struct kt_person_new p;

	if (!body)
		return KT_ERR;
	if (kt_people_parse_new(body, &p, err) == KT_OK)
		r->answer = kt_people_invite(db, &p, r->app->cfg->person_link_s, err);
	json_decref(body);
	if (!r->answer)
		return KT_ERR;
	r->status = 201;
	return KT_OK;
}

int kt_api_person_reset(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	if (!kt_is_uuid(r->params[0]))
		return kt_err_set(err, KT_EC_NOT_FOUND, "unknown_person", "no person \"%s\"",
				  r->params[0]);
	if (!(r->answer = kt_people_reset(db, r->params[0], r->app->cfg->person_link_s, err)))
		return KT_ERR;
	r->status = 201;
	return KT_OK;
}

int kt_api_person_disable(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	if (!kt_is_uuid(r->params[0]))
		return kt_err_set(err, KT_EC_NOT_FOUND, "unknown_person", "no person \"%s\"",
				  r->params[0]);
	if (!(r->answer = kt_store_person_disable(db, r->params[0], err)))
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}
