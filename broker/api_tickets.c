/* api_tickets.c - POST /v1/tickets, GET /v1/tickets/{id}, GET /v1/tickets:
 * intake and the caller's views of tickets. */
#include <errno.h>

#include "api.h"
#include "intake.h"
#include "store_ticket.h"
#include "view.h"

#define LIST_DEFAULT 50
#define LIST_MAX 200

/* Reads the full record and answers with p's view of it. */
static int answer_ticket(struct kt_db *db, struct kt_request *r, const char *id,
			 int status, struct kt_err *err)
{
	json_t *full = kt_store_ticket_full(db, id, &r->principal, err);

	if (!full)
		return KT_ERR;
	r->answer = kt_view_ticket(full, &r->principal, 1);
	json_decref(full);
	if (!r->answer)
		return kt_err_set(err, 404, "not_found", "no such ticket");
	r->status = status;
	return KT_OK;
}

int kt_api_ticket_create(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	char id[KT_UUID_LEN + 1];
	struct kt_intake in;
	json_t *body = kt_api_body_json(r, err);
	int n_messages, rc = KT_ERR;

	if (!body)
		return KT_ERR;
	if (kt_intake_parse(body, &in, err) ||
	    kt_store_ticket_create(db, &r->principal, &in, id, &n_messages, err))
		goto out;
	r->wake_dispatcher = n_messages > 0;
	/* Committed: from here a failure to read it back is not a failure of
	 * the intake, so the 201 is made even from a minimal record. */
	if (answer_ticket(db, r, id, 201, err) != KT_OK) {
		kt_err_release(err);
		r->status = 201;
		r->answer = json_pack("{s:s}", "id", id);
	}
	rc = KT_OK;
out:
	json_decref(body);
	return rc;
}

int kt_api_ticket_get(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	if (!kt_is_uuid(r->params[0]))
		return kt_err_set(err, 404, "not_found", "no such ticket");
	return answer_ticket(db, r, r->params[0], 200, err);
}

int kt_api_ticket_list(struct kt_db *db, struct kt_request *r, struct kt_err *err)
{
	long limit = LIST_DEFAULT;
	json_t *page, *items, *t;
	size_t i;

	if (r->query_limit) {
		char *end;

		errno = 0;
		limit = strtol(r->query_limit, &end, 10);
		if (errno || *end || end == r->query_limit || limit < 1 || limit > LIST_MAX)
			return kt_err_set(err, 400, "invalid_limit",
					  "limit must be a whole number from 1 to %d", LIST_MAX);
	}
	page = kt_store_ticket_list(db, &r->principal, (int)limit, r->query_cursor, err);
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
