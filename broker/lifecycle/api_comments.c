/* api_comments.c - POST /v1/tickets/{id}/comments: a customer's comment
 * (to the customer-visible timeline and every open leg's supplier), or
 * the integrator's reply to the customer, message to one leg's supplier,
 * or note nobody else sees. Honours Idempotency-Key. */
#include "http/api.h"
#include "base/json_field.h"
#include "store/rule_comment.h"

/* Fills c from body for p: text (at most cfg's comment_max_bytes, else
 * too_large "comment_too_large"); visibility (default: customer for a
 * customer, integrator for the integrator; a customer may only write to
 * the customer-visible timeline); leg with visibility supplier only; the
 * ticket's limit of comments. invalid "invalid_comment" with a detail per
 * problem. */
static int parse(const json_t *body, const struct kt_principal *p,
		 const struct kt_config *cfg, struct kt_comment *c, struct kt_err *err)
{
	static const char *const known[] = { "text", "visibility", "leg" };
	const json_t *text = json_object_get(body, "text");
	const char *to, *leg;

	if (json_is_string(text) && json_string_length(text) > (size_t)cfg->comment_max_bytes)
		return kt_err_set(err, KT_EC_TOO_LARGE, "comment_too_large",
				  "the comment is %zu bytes, more than the %d allowed",
				  json_string_length(text), cfg->comment_max_bytes);
	c->max_comments = cfg->comments_per_ticket_max;
	c->to = p->role == KT_ROLE_CUSTOMER ? KT_COMMENT_TO_CUSTOMER : KT_COMMENT_TO_INTEGRATOR;
	kt_json_unknown_members(body, known, 3, "a member of a comment", err);
	c->text = kt_json_text_member(body, "text", 1, 1, KT_COMMENT_TEXT_MAX, err);
	to = kt_json_text_member(body, "visibility", 0, 1, 16, err);
	if (to && kt_comment_to_parse(to, &c->to) != 0)
		kt_err_detail(err, "/visibility", "must be customer, supplier or integrator");
	else if (p->role == KT_ROLE_CUSTOMER && c->to != KT_COMMENT_TO_CUSTOMER)
		kt_err_detail(err, "/visibility", "a customer's comments are for the customer's timeline");
	leg = kt_json_text_member(body, "leg", 0, 1, 64, err);
	if (c->to == KT_COMMENT_TO_SUPPLIER && !leg && !json_object_get(body, "leg"))
		kt_err_detail(err, "/leg", "is required with visibility supplier");
	else if (leg && c->to != KT_COMMENT_TO_SUPPLIER)
		kt_err_detail(err, "/leg", "goes only with visibility supplier");
	else if (leg && !kt_is_uuid(leg))
		kt_err_detail(err, "/leg", "is not a live supplier leg of this ticket");
	c->leg_id = leg;
	if (err->details)
		return kt_err_set(err, KT_EC_INVALID, "invalid_comment", "the comment is not valid");
	return KT_OK;
}

struct comment_work {
	const struct kt_principal *principal;
	const char *ticket_id;
	struct kt_comment c;
	int n_messages;
};

/* Inside the transaction of kt_api_create: the comment and its answer. */
static int add(struct kt_db *db, void *arg, struct kt_store_answer *out, struct kt_err *err)
{
	struct comment_work *w = arg;
	json_t *answer = NULL;

	if (kt_store_comment_add(db, w->principal, w->ticket_id, &w->c, &answer,
				 &w->n_messages, err))
		return KT_ERR;
	return kt_api_answer_set(out, 201, answer, err);
}

int kt_api_comment_create(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct comment_work w = { .principal = &r->principal, .ticket_id = r->params[0] };
	json_t *body = kt_api_body_json(r, err);
	int rc = KT_ERR;

	if (!body)
		return KT_ERR;
	if (!kt_is_uuid(r->params[0])) {
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
		goto out;
	}
	if (parse(body, &r->principal, r->app->cfg, &w.c, err) || kt_api_create(db, r, add, &w, KT_STORE_WRITES_MANY, err))
		goto out;
	r->wake_dispatcher = w.n_messages > 0;
	rc = KT_OK;
out:
	json_decref(body);
	return rc;
}
