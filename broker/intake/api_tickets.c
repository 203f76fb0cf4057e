/* api_tickets.c - POST /v1/tickets, GET /v1/tickets/{id}, GET /v1/tickets:
 * intake and the caller's views of tickets. */
#include "http/api.h"
#include "intake/intake.h"
#include "store/rule_intake.h"
#include "store/rule_ticket.h"
#include "model/view.h"

json_t *kt_api_ticket_view(struct kt_db *db, const struct kt_principal *p,
			   const char *id, struct kt_err *err)
{
	json_t *full = kt_store_ticket_full(db, id, p, err), *view;

	if (!full)
		return NULL;
	view = kt_view_ticket(full, p, 1);
	json_decref(full);
	if (!view)
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	return view;
}

struct intake_work {
	const struct kt_principal *principal;
	struct kt_intake in;
	int n_messages;
};

/* Inside the intake transaction: the ticket and the answer, rendered
 * before COMMIT from what the inserts returned (no read-back) so that the
 * text kept for an Idempotency-Key is exactly the 201 the caller gets. */
static int intake(struct kt_db *db, void *arg, struct kt_store_answer *out,
		  struct kt_err *err)
{
	struct intake_work *w = arg;
	json_t *full, *view;

	if (!(full = kt_store_intake_ticket(db, w->principal, &w->in, &w->n_messages, err)))
		return KT_ERR;
	view = kt_view_ticket(full, w->principal, 1);
	json_decref(full);
	return kt_api_answer_set(out, 201, view, err);
}

int kt_api_ticket_create(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct intake_work w = { .principal = &r->principal };
	json_t *body = kt_api_body_json(r, err);
	int rc = KT_ERR;

	if (!body)
		return KT_ERR;
	if (kt_intake_parse(body, &w.in, err) ||
	    kt_api_create(db, r, intake, &w, KT_STORE_WRITES_ONE, err))
		goto out;
	r->wake_dispatcher = w.n_messages > 0;
	rc = KT_OK;
out:
	json_decref(body);
	return rc;
}

int kt_api_ticket_get(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	if (!kt_is_uuid(r->params[0]))
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	r->answer = kt_api_ticket_view(db, &r->principal, r->params[0], err);
	if (!r->answer)
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_ticket_list(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	int limit;
	json_t *page, *items, *t;
	size_t i;

	if (kt_api_list_limit(r, &limit, err))
		return KT_ERR;
	if (r->query_state && strcmp(r->query_state, "needs_triage") != 0 &&
	    strcmp(r->query_state, "escalated") != 0)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_state", "state must be needs_triage or escalated");
	if (r->query_state && r->principal.role != KT_ROLE_INTEGRATOR)
		return kt_err_set(err, KT_EC_FORBIDDEN, "forbidden", "only the integrator lists tickets by state");
	page = kt_store_ticket_list(db, &r->principal, limit, r->query_cursor, r->query_state,
				    err);
	if (!page)
		return KT_ERR;
	items = json_array();
	json_array_foreach(json_object_get(page, "items"), i, t) {
		json_t *v = kt_view_ticket(t, &r->principal, 0);

		if (v)
			json_array_append_new(items, v);
	}
	json_object_set_new(page, "items", items);
	r->answer = page;
	r->status = 200;
	return KT_OK;
}
