/* api_resolution.c - POST /v1/tickets/{id}/close and /reopen: the
 * customer (or the integrator) confirms a resolved ticket or reopens it
 * with a reason. Both answer with the caller's view of the ticket. */
#include "http/api.h"
#include "base/json_field.h"
#include "store/rule_comment.h"
#include "store/tx_resolution.h"

static int answer_view(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	r->answer = kt_api_ticket_view(db, r, r->params[0], err);
	if (!r->answer)
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_ticket_close(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	int n = 0;

	if (kt_store_resolution_close(db, r->params[0], &r->principal, &n, err))
		return KT_ERR;
	r->wake_dispatcher = n > 0;
	return answer_view(db, r, err);
}

int kt_api_ticket_reopen(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	static const char *const known[] = { "reason" };
	json_t *body = kt_api_body_json(r, err);
	const char *reason;
	int n = 0, rc = KT_ERR;

	if (!body)
		return KT_ERR;
	kt_json_unknown_members(body, known, 1, "a member of a reopen", err);
	reason = kt_json_text_member(body, "reason", 1, 1, KT_COMMENT_TEXT_MAX, err);
	if (err->details) {
		kt_err_set(err, KT_EC_INVALID, "invalid_reopen", "the reopen is not valid");
		goto out;
	}
	if (kt_store_resolution_reopen(db, r->params[0], &r->principal, reason, &n, err))
		goto out;
	r->wake_dispatcher = n > 0;
	rc = answer_view(db, r, err);
out:
	json_decref(body);
	return rc;
}
