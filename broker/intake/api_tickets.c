/* api_tickets.c - POST /v1/tickets, GET /v1/tickets/{id}, GET /v1/tickets,
 * GET /v1/tickets/{id}/timeline: intake and the caller's views of
 * tickets, each with a bounded page of its timeline. */
#include "dispatch/dispatcher.h"
#include "http/api.h"
#include "intake/intake.h"
#include "intake/list_filter.h"
#include "store/rule_intake.h"
#include "store/rule_ticket.h"
#include "store/tx_queue.h"
#include "model/view.h"

/* p's view of full with the first page (limit entries) of its timeline
 * as "timeline" and "timeline_next_cursor"; NULL when p may not see it
 * (or out of memory). */
static json_t *ticket_answer(const json_t *full, const struct kt_principal *p, int limit)
{
	json_t *view = kt_view_ticket(full, p, 0);
	json_t *page = kt_view_timeline_page(full, p, (size_t)limit);

	if (!view || !page) {
		json_decref(view);
		json_decref(page);
		return NULL;
	}
	json_object_set(view, "timeline", json_object_get(page, "items"));
	json_object_set(view, "timeline_next_cursor", json_object_get(page, "next_cursor"));
	json_decref(page);
	return view;
}

json_t *kt_api_ticket_view(struct kt_db *db, const struct kt_request *r,
			   const char *id, struct kt_err *err)
{
	int limit = r->app->cfg->ticket_timeline_entries;
	json_t *full = kt_store_ticket_full(db, id, &r->principal, 0, limit, err), *view;

	if (!full)
		return NULL;
	view = ticket_answer(full, &r->principal, limit);
	json_decref(full);
	if (!view)
		kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	return view;
}

struct intake_work {
	const struct kt_principal *principal;
	struct kt_route_cache *routes;
	const char *announce;  /* the node name when the write carries the
				* announcement of its messages, else NULL */
	int timeline_limit;
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

	if (!(full = kt_store_intake_ticket(db, w->routes, w->principal, &w->in, w->announce,
					    &w->n_messages, err)))
		return KT_ERR;
	view = ticket_answer(full, w->principal, w->timeline_limit);
	json_decref(full);
	return kt_api_answer_set(out, 201, view, err);
}

int kt_api_ticket_create(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	struct intake_work w = { .principal = &r->principal, .routes = r->app->routes,
				 .timeline_limit = r->app->cfg->ticket_timeline_entries };
	json_t *body = kt_api_body_json(r, err);
	int rc = KT_ERR;

	if (!body)
		return KT_ERR;
	if (kt_intake_parse(body, &w.in, err))
		goto out;
	if (r->app->dispatcher)
		w.announce = kt_dispatcher_take_turn(r->app->dispatcher);
	if (kt_api_create(db, r, intake, &w, KT_STORE_WRITES_ONE, err))
		goto out;
	r->wake_dispatcher = w.n_messages > 0;
	r->announced = w.announce != NULL;
	rc = KT_OK;
out:
	json_decref(body);
	return rc;
}

int kt_api_ticket_get(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	if (!kt_is_uuid(r->params[0]))
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	r->answer = kt_api_ticket_view(db, r, r->params[0], err);
	if (!r->answer)
		return KT_ERR;
	r->status = 200;
	return KT_OK;
}

int kt_api_ticket_list(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	const struct kt_list_query q = { r->query_status, r->query_type, r->query_service,
					 r->query_q };
	struct kt_list_filter filter;
	int limit;
	json_t *page, *items, *t;
	size_t i;

	if (kt_api_list_limit(r, &limit, err))
		return KT_ERR;
	if (r->query_state && !kt_store_queue_known(r->query_state))
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_state",
				  "state must be needs_triage, escalated, delivery_delayed,"
				  " sla_breached or sla_warning");
	if (r->query_state && r->principal.role != KT_ROLE_INTEGRATOR)
		return kt_err_set(err, KT_EC_FORBIDDEN, "forbidden", "only the integrator lists tickets by state");
	if (kt_list_filter_read(&q, &filter, err))
		return KT_ERR;
	filter.f.state = r->query_state;
	page = kt_store_ticket_list(db, &r->principal, limit, r->query_cursor, &filter.f, err);
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

/* A timeline cursor is the decimal id of the last entry a page read:
 * 1 to 18 digits. KT_OK with *after 0 when there is none; 400
 * "invalid_cursor" otherwise. */
static int timeline_cursor(const char *cursor, long long *after, struct kt_err *err)
{
	size_t n = cursor ? strlen(cursor) : 0;

	*after = 0;
	if (!cursor)
		return KT_OK;
	if (n == 0 || n > 18 || strspn(cursor, "0123456789") != n)
		return kt_err_set(err, KT_EC_MALFORMED, "invalid_cursor", "cursor is not valid");
	*after = strtoll(cursor, NULL, 10);
	return KT_OK;
}

int kt_api_ticket_timeline(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	long long after;
	json_t *full;
	int limit;

	if (!kt_is_uuid(r->params[0]))
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	if (kt_api_list_limit(r, &limit, err) || timeline_cursor(r->query_cursor, &after, err))
		return KT_ERR;
	if (!(full = kt_store_ticket_full(db, r->params[0], &r->principal, after, limit, err)))
		return KT_ERR;
	r->answer = kt_view_timeline_page(full, &r->principal, (size_t)limit);
	json_decref(full);
	if (!r->answer)
		return kt_err_set(err, KT_EC_NOT_FOUND, "not_found", "no such ticket");
	r->status = 200;
	return KT_OK;
}
